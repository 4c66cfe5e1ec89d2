// Block files: the unit of a search's checkpoint.
#include "search/block_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "scheduler/tile_file.hpp"

namespace cleave::detail {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'C', 'L', 'V', 'B', 'L', 'O', 'C', 'K'};
constexpr uint32_t kVersion = 1;

struct BlockFileHeader {
  char magic[8];
  uint32_t version;
  uint32_t reserved;
  uint64_t run_key;
  uint64_t index, row0, row1;
  uint64_t n_hits;
};
static_assert(sizeof(BlockFileHeader) == 56);

BlockFileHeader make_header(const BlockFileKey& key, uint64_t n_hits) {
  BlockFileHeader hd{};
  std::memcpy(hd.magic, kMagic, sizeof kMagic);
  hd.version = kVersion;
  hd.run_key = key.run_key;
  hd.index = key.index;
  hd.row0 = key.row0;
  hd.row1 = key.row1;
  hd.n_hits = n_hits;
  return hd;
}

/// Bytes of a file with `rows` rows and `hits` hits.
uint64_t file_bytes(uint64_t rows, uint64_t hits) {
  return sizeof(BlockFileHeader) + 8 * (rows + 1) + 12 * rows + 12 * hits + 8;
}

}  // namespace

void write_block_file(const fs::path& path, const BlockFileKey& key, const SearchResult& b) {
  const uint64_t rows = key.row1 - key.row0;
  CLEAVE_EXPECTS(b.offsets.size() == rows + 1 && b.nearest.size() == rows &&
                     b.max_similarity.size() == rows && b.offsets.back() == b.hits.size(),
                 "block {}: results of {} rows for {} queries", key.index, b.nearest.size(), rows);
  const BlockFileHeader hd = make_header(key, b.hits.size());
  Checksum sum;
  AtomicFile f(path, true);
  auto put = [&](const void* p, std::size_t bytes) {
    sum.update(p, bytes);
    f.write(p, bytes);
  };
  put(&hd, sizeof hd);
  put(b.offsets.data(), b.offsets.size() * sizeof(uint64_t));
  put(b.nearest.data(), rows * sizeof(uint32_t));
  put(b.max_similarity.data(), rows * sizeof(double));
  std::vector<uint32_t> targets(b.hits.size());
  std::vector<double> sims(b.hits.size());
  for (std::size_t k = 0; k < b.hits.size(); ++k) {
    targets[k] = b.hits[k].target;
    sims[k] = b.hits[k].similarity;
  }
  put(targets.data(), targets.size() * sizeof(uint32_t));
  put(sims.data(), sims.size() * sizeof(double));
  const uint64_t digest = sum.digest();
  f.write(&digest, sizeof digest);
  f.commit();
  fsync_directory(path.parent_path());
}

BlockFileRead read_block_file(const fs::path& path, const BlockFileKey& key, SearchResult* out) {
  BlockFileRead r;
  ChecksummedReader in(path);
  const auto get = [&](void* p, std::size_t bytes) { return in.get(p, bytes); };
  BlockFileHeader hd{};
  if (r.problem = in.start(&hd, sizeof hd); !r.problem.empty()) return r;
  const BlockFileHeader want = make_header(key, hd.n_hits);
  if (std::memcmp(&hd, &want, sizeof hd) != 0) {
    r.problem = "written by another run or for another block";
    return r;
  }
  const uint64_t rows = key.row1 - key.row0;
  // The size must agree with the counts before anything is allocated.
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (ec || hd.n_hits > size || size != file_bytes(rows, hd.n_hits)) {
    r.problem = "size does not match its hit count";
    return r;
  }
  SearchResult b;
  b.offsets.resize(rows + 1);
  b.nearest.resize(rows);
  b.max_similarity.resize(rows);
  std::vector<uint32_t> targets(hd.n_hits);
  std::vector<double> sims(hd.n_hits);
  if (!get(b.offsets.data(), b.offsets.size() * sizeof(uint64_t)) ||
      !get(b.nearest.data(), rows * sizeof(uint32_t)) ||
      !get(b.max_similarity.data(), rows * sizeof(double)) ||
      !get(targets.data(), targets.size() * sizeof(uint32_t)) ||
      !get(sims.data(), sims.size() * sizeof(double))) {
    r.problem = "truncated";
    return r;
  }
  if (std::string problem = in.finish(); !problem.empty()) {
    r.problem = std::move(problem);
    return r;
  }
  if (b.offsets.front() != 0 || b.offsets.back() != hd.n_hits) {
    r.problem = "inconsistent offsets";
    return r;
  }
  for (uint64_t q = 0; q < rows; ++q)
    if (b.offsets[q] > b.offsets[q + 1]) {
      r.problem = "inconsistent offsets";
      return r;
    }
  r.ok = true;
  if (!out) return r;
  b.hits.resize(hd.n_hits);
  for (uint64_t k = 0; k < hd.n_hits; ++k) b.hits[k] = {targets[k], sims[k]};
  *out = std::move(b);
  return r;
}

}  // namespace cleave::detail
