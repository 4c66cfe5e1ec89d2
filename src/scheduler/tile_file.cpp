// Tile files: the unit of checkpointing and of edge spilling.
#include "scheduler/tile_file.hpp"

#include <cstdio>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

#include "cleave/error.hpp"
#include "cleave/util.hpp"

namespace cleave::detail {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'C', 'L', 'V', 'T', 'I', 'L', 'E', '\0'};
constexpr uint32_t kVersion = 1;
static_assert(sizeof(Edge) == 12, "tile files store packed 12-byte edges");

struct TileFileHeader {
  char magic[8];
  uint32_t version;
  uint32_t bins;
  uint64_t run_key;
  uint64_t index, row0, row1, col0, col1;
  uint64_t n_edges;
  double lo, hi;
};
static_assert(sizeof(TileFileHeader) == 88);

TileFileHeader make_header(const TileFileKey& key, uint64_t n_edges, const Histogram& h) {
  TileFileHeader hd{};
  std::memcpy(hd.magic, kMagic, sizeof kMagic);
  hd.version = kVersion;
  hd.bins = static_cast<uint32_t>(h.counts.size());
  hd.run_key = key.run_key;
  hd.index = key.tile.index;
  hd.row0 = key.tile.row0;
  hd.row1 = key.tile.row1;
  hd.col0 = key.tile.col0;
  hd.col1 = key.tile.col1;
  hd.n_edges = n_edges;
  hd.lo = h.lo;
  hd.hi = h.hi;
  return hd;
}

}  // namespace

ChecksummedReader::ChecksummedReader(const fs::path& path) : f_(std::fopen(path.c_str(), "rb")) {
  if (!f_) open_problem_ = fmt::format("cannot open it: {}", std::strerror(errno));
}

ChecksummedReader::~ChecksummedReader() {
  if (f_) std::fclose(f_);
}

std::string ChecksummedReader::start(void* header, std::size_t bytes) {
  if (!open_problem_.empty()) return open_problem_;
  return get(header, bytes) ? std::string() : std::string("truncated header");
}

bool ChecksummedReader::get(void* p, std::size_t bytes) {
  if (std::fread(p, 1, bytes, f_) != bytes) return false;
  sum_.update(p, bytes);
  return true;
}

std::string ChecksummedReader::finish() {
  uint64_t stored = 0;
  if (std::fread(&stored, sizeof stored, 1, f_) != 1) return "truncated checksum";
  if (stored != sum_.digest()) return "checksum mismatch";
  if (std::fgetc(f_) != EOF) return "trailing bytes";
  return {};
}

void fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) CLEAVE_FAIL(io, "cannot open directory {}: {}", dir.string(), std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) CLEAVE_FAIL(io, "cannot sync directory {}: {}", dir.string(), std::strerror(err));
}

void write_tile_file(const fs::path& path, const TileFileKey& key, const std::vector<Edge>& edges,
                     const Histogram& histogram) {
  TileFileHeader hd = make_header(key, edges.size(), histogram);
  Checksum sum;
  AtomicFile f(path, true);
  auto put = [&](const void* p, std::size_t bytes) {
    sum.update(p, bytes);
    f.write(p, bytes);
  };
  put(&hd, sizeof hd);
  put(edges.data(), edges.size() * sizeof(Edge));
  put(histogram.counts.data(), histogram.counts.size() * sizeof(uint64_t));
  uint64_t digest = sum.digest();
  f.write(&digest, sizeof digest);
  f.commit();
  fsync_directory(path.parent_path());
}

TileFileRead read_tile_file(const fs::path& path, const TileFileKey& key, const Histogram& shape,
                            std::vector<Edge>* edges, Histogram* histogram) {
  TileFileRead r;
  ChecksummedReader in(path);
  const auto get = [&](void* p, std::size_t bytes) { return in.get(p, bytes); };
  TileFileHeader hd{};
  if (r.problem = in.start(&hd, sizeof hd); !r.problem.empty()) return r;
  TileFileHeader want = make_header(key, hd.n_edges, shape);
  if (std::memcmp(&hd, &want, sizeof hd) != 0) {
    r.problem = "written by another run or for another tile";
    return r;
  }
  // The size must agree with the edge count before anything is allocated.
  std::error_code ec;
  uint64_t size = fs::file_size(path, ec);
  uint64_t rest = ec ? 0 : size - sizeof hd - sizeof(uint64_t) * (shape.counts.size() + 1);
  if (ec || size < sizeof hd + sizeof(uint64_t) * (shape.counts.size() + 1) ||
      rest / sizeof(Edge) != hd.n_edges || rest % sizeof(Edge) != 0) {
    r.problem = "size does not match its edge count";
    return r;
  }
  std::size_t first = edges ? edges->size() : 0;
  auto fail = [&](const char* why) {
    if (edges) edges->resize(first);
    r.problem = why;
    return r;
  };
  // Edges in chunks: straight into the caller's vector, or through a buffer.
  constexpr uint64_t kChunk = uint64_t{1} << 16;
  std::vector<Edge> buffer;
  if (edges) {
    edges->resize(first + hd.n_edges);
  } else {
    buffer.resize(std::min(hd.n_edges, kChunk));
  }
  for (uint64_t done = 0; done < hd.n_edges;) {
    uint64_t take = std::min(kChunk, hd.n_edges - done);
    Edge* dst = edges ? edges->data() + first + done : buffer.data();
    if (!get(dst, take * sizeof(Edge))) return fail("truncated edges");
    done += take;
  }
  Histogram h = shape;
  if (!get(h.counts.data(), h.counts.size() * sizeof(uint64_t))) return fail("truncated histogram");
  if (const std::string problem = in.finish(); !problem.empty()) return fail(problem.c_str());
  if (histogram) histogram->merge(h);
  r.ok = true;
  r.edges = hd.n_edges;
  return r;
}

}  // namespace cleave::detail
