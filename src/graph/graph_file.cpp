// The graph file: write (atomic), load (validated, memory-mapped).
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleave/error.hpp"
#include "cleave/graph.hpp"
#include "cleave/util.hpp"
#include "graph/storage.hpp"

namespace cleave {

namespace fs = std::filesystem;
using detail::GraphFileHeader;

namespace {

constexpr uint64_t kAlign = 64;
uint64_t align_up(uint64_t x) {
  return (x + kAlign - 1) / kAlign * kAlign;
}

uint64_t header_checksum(GraphFileHeader h) {
  h.header_checksum = 0;
  Checksum c;
  c.update(&h, sizeof h);
  return c.digest();
}

struct Mapping {
  void* addr = nullptr;
  std::size_t bytes = 0;
  ~Mapping() {
    if (addr) ::munmap(addr, bytes);
  }
};

fs::path ids_path(const fs::path& p) {
  fs::path q = p;
  q += ".ids";
  return q;
}

}  // namespace

void Graph::save(const fs::path& path) const {
  GraphFileHeader h{};
  std::memcpy(h.magic, detail::kGraphMagic, 8);
  h.version = detail::kGraphVersion;
  h.header_bytes = sizeof(GraphFileHeader);
  h.n_nodes = n_;
  h.n_edges = num_edges();
  h.adj_count = adj_count_;
  h.n_pairs = meta_.n_pairs;
  h.measure = static_cast<uint32_t>(meta_.measure);
  h.hist_bins = static_cast<uint32_t>(meta_.histogram.counts.size());
  h.threshold = meta_.threshold;
  h.hist_lo = meta_.histogram.lo;
  h.hist_hi = meta_.histogram.hi;
  h.input_checksum = meta_.input_checksum;
  h.off_hist = align_up(sizeof h);
  h.off_offsets = align_up(h.off_hist + 8 * uint64_t{h.hist_bins});
  h.off_cols = align_up(h.off_offsets + 8 * (n_ + 1));
  h.off_weights = align_up(h.off_cols + 4 * adj_count_);
  h.off_params = align_up(h.off_weights + 4 * adj_count_);
  h.params_bytes = meta_.parameters.size();
  h.file_bytes = h.off_params + h.params_bytes;

  // Lay out the data sections, checksum them, then write header + data.
  struct Section {
    uint64_t off;
    const void* data;
    uint64_t bytes;
  };
  const Section sections[] = {
      {h.off_hist, meta_.histogram.counts.data(), 8 * uint64_t{h.hist_bins}},
      {h.off_offsets, offsets_, 8 * (n_ + 1)},
      {h.off_cols, cols_, 4 * adj_count_},
      {h.off_weights, weights_, 4 * adj_count_},
      {h.off_params, meta_.parameters.data(), h.params_bytes},
  };
  static const char zeros[kAlign] = {};
  Checksum data_sum;
  uint64_t pos = sizeof h;
  for (const auto& s : sections) {
    data_sum.update(zeros, s.off - pos);
    data_sum.update(s.data, s.bytes);
    pos = s.off + s.bytes;
  }
  h.data_checksum = data_sum.digest();
  // The graph and its ids are two files renamed one after the other: the
  // header records the ids' checksum, so a pair left mismatched by a kill
  // between the renames is refused on load.
  Checksum ids_sum;
  for (const auto& id : ids_) {
    ids_sum.update(id.data(), id.size());
    ids_sum.update("\n", 1);
  }
  h.ids_checksum = ids_sum.digest();
  h.header_checksum = header_checksum(h);

  AtomicFile out(path, true);
  out.write(&h, sizeof h);
  pos = sizeof h;
  for (const auto& s : sections) {
    out.write(zeros, s.off - pos);
    out.write(s.data, s.bytes);
    pos = s.off + s.bytes;
  }
  AtomicFile ids(ids_path(path));
  for (const auto& id : ids_) {
    ids.write(id);
    ids.write("\n", 1);
  }
  ids.commit();
  out.commit();
}

Graph Graph::load(const fs::path& path, bool mmap) {
  const std::string name = path.string();
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) CLEAVE_FAIL(io, "cannot open graph {}: {}", name, std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<uint64_t>(st.st_size);
  GraphFileHeader h{};
  if (size < sizeof h || ::pread(fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h)) {
    ::close(fd);
    CLEAVE_FAIL(format, "{}: not a cleave graph (file too short: {} bytes)", name, size);
  }
  auto bad = [&](const std::string& why) {
    ::close(fd);
    CLEAVE_FAIL(format, "{}: corrupt or truncated graph file: {}", name, why);
  };
  if (std::memcmp(h.magic, detail::kGraphMagic, 8) != 0) {
    ::close(fd);
    CLEAVE_FAIL(format, "{}: not a cleave graph file (bad magic)", name);
  }
  if (h.version != detail::kGraphVersion) {
    ::close(fd);
    CLEAVE_FAIL(format, "{}: graph format version {} is not supported (this cleave reads {})", name,
                h.version, detail::kGraphVersion);
  }
  if (h.header_bytes != sizeof h || h.header_checksum != header_checksum(h))
    bad("header checksum mismatch");
  if (h.file_bytes != size) bad(fmt::format("expected {} bytes, found {}", h.file_bytes, size));
  // Every offset and count is bounded by the file size first, so the sums
  // below cannot wrap around 2^64 and pass with sections outside the file.
  if (h.off_hist > size || h.off_offsets > size || h.off_cols > size || h.off_weights > size ||
      h.off_params > size || h.params_bytes > size || h.adj_count > size / 4)
    bad("inconsistent section sizes");
  if (h.adj_count != 2 * h.n_edges || h.n_nodes >= (uint64_t{1} << 32) ||
      h.off_offsets < h.off_hist + 8 * uint64_t{h.hist_bins} ||
      h.off_cols < h.off_offsets + 8 * (h.n_nodes + 1) ||
      h.off_weights < h.off_cols + 4 * h.adj_count ||
      h.off_params < h.off_weights + 4 * h.adj_count || h.off_params + h.params_bytes != size ||
      h.hist_bins == 0)
    bad("inconsistent section sizes");
  // The writer starts every section on a kAlign boundary; the mapped arrays
  // are read in place as uint64_t/uint32_t/float, so an offset off that grid
  // is corruption, not a layout to tolerate.
  if (h.off_hist % kAlign != 0 || h.off_offsets % kAlign != 0 || h.off_cols % kAlign != 0 ||
      h.off_weights % kAlign != 0 || h.off_params % kAlign != 0)
    bad("section offsets not aligned");
  if (h.measure < 1 || h.measure > 6) bad(fmt::format("unknown measure code {}", h.measure));

  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (addr == MAP_FAILED) CLEAVE_FAIL(io, "cannot map {}: {}", name, std::strerror(errno));
  auto mapping = std::make_shared<Mapping>();
  mapping->addr = addr;
  mapping->bytes = size;
  const auto* base = static_cast<const unsigned char*>(addr);

  Checksum data_sum;
  data_sum.update(base + sizeof h, size - sizeof h);
  if (data_sum.digest() != h.data_checksum)
    CLEAVE_FAIL(format, "{}: corrupt graph file: data checksum mismatch", name);

  Graph g;
  g.n_ = h.n_nodes;
  g.adj_count_ = h.adj_count;
  g.meta_.measure = static_cast<Measure>(h.measure);
  g.meta_.threshold = h.threshold;
  g.meta_.n_pairs = h.n_pairs;
  g.meta_.input_checksum = h.input_checksum;
  g.meta_.histogram.lo = h.hist_lo;
  g.meta_.histogram.hi = h.hist_hi;
  g.meta_.histogram.counts.resize(h.hist_bins);
  std::memcpy(g.meta_.histogram.counts.data(), base + h.off_hist, 8 * uint64_t{h.hist_bins});
  g.meta_.parameters.assign(reinterpret_cast<const char*>(base + h.off_params), h.params_bytes);

  const auto* offs = reinterpret_cast<const uint64_t*>(base + h.off_offsets);
  const auto* cols = reinterpret_cast<const uint32_t*>(base + h.off_cols);
  if (offs[0] != 0 || offs[h.n_nodes] != h.adj_count)
    CLEAVE_FAIL(format, "{}: corrupt graph file: row offsets do not cover the edges", name);
  for (uint64_t v = 0; v < h.n_nodes; ++v) {
    if (offs[v + 1] < offs[v])
      CLEAVE_FAIL(format, "{}: corrupt graph file: row offsets decrease at node {}", name, v);
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e)
      if (cols[e] >= h.n_nodes || cols[e] == v || (e > offs[v] && cols[e] <= cols[e - 1]))
        CLEAVE_FAIL(format, "{}: corrupt graph file: bad column in row {}", name, v);
  }

  if (mmap) {
    g.offsets_ = offs;
    g.cols_ = cols;
    g.weights_ = reinterpret_cast<const float*>(base + h.off_weights);
    g.storage_ = mapping;
  } else {
    auto owned = std::make_shared<detail::OwnedCsr>();
    owned->offsets.assign(offs, offs + h.n_nodes + 1);
    owned->cols.assign(cols, cols + h.adj_count);
    const auto* w = reinterpret_cast<const float*>(base + h.off_weights);
    owned->weights.assign(w, w + h.adj_count);
    g.offsets_ = owned->offsets.data();
    g.cols_ = owned->cols.data();
    g.weights_ = owned->weights.data();
    g.storage_ = owned;
  }

  // Sidecar ids: one per line, exactly n of them.
  const fs::path ip = ids_path(path);
  std::ifstream in(ip);
  if (!in) CLEAVE_FAIL(io, "cannot open {} (the ids that go with graph {})", ip.string(), name);
  std::vector<std::string> ids;
  ids.reserve(h.n_nodes);
  std::string line;
  Checksum ids_sum;
  while (std::getline(in, line)) {
    if (ids.size() == h.n_nodes)
      CLEAVE_FAIL(format, "{}:{}: more ids than the graph's {} nodes", ip.string(), ids.size() + 1,
                  h.n_nodes);
    ids_sum.update(line.data(), line.size());
    ids_sum.update("\n", 1);
    ids.push_back(line);
  }
  if (ids.size() != h.n_nodes)
    CLEAVE_FAIL(format, "{}: {} ids for a graph of {} nodes (truncated?)", ip.string(), ids.size(),
                h.n_nodes);
  if (h.ids_checksum != 0 && ids_sum.digest() != h.ids_checksum)
    CLEAVE_FAIL(format,
                "{}: these ids are not the ones graph {} was saved with (checksum {} != {}); "
                "was a save interrupted, or the file replaced?",
                ip.string(), name, hex64(ids_sum.digest()), hex64(h.ids_checksum));
  g.ids_ = std::move(ids);
  return g;
}

}  // namespace cleave
