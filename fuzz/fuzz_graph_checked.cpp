// Graph::load past its checksums: the input is taken as a graph file whose
// header and data checksums this target recomputes before loading, so the
// fuzzer reaches the structural checks (section offsets, row offsets,
// columns) and the code that reads a loaded graph (stats, components).
#include <cstring>
#include <string>

#include "cleave/graph.hpp"
#include "fuzz_util.hpp"
#include "graph/storage.hpp"

namespace {

uint64_t digest(const void* p, std::size_t n) {
  cleave::Checksum c;
  c.update(p, n);
  return c.digest();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  using detail::GraphFileHeader;
  if (size < sizeof(GraphFileHeader)) return 0;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  GraphFileHeader h{};
  std::memcpy(&h, bytes.data(), sizeof h);
  std::memcpy(h.magic, detail::kGraphMagic, 8);
  h.version = detail::kGraphVersion;
  h.header_bytes = sizeof h;
  h.file_bytes = size;
  h.data_checksum = digest(bytes.data() + sizeof h, size - sizeof h);
  h.header_checksum = 0;
  h.header_checksum = digest(&h, sizeof h);
  std::memcpy(bytes.data(), &h, sizeof h);

  const auto path = fuzz::scratch("checked.cgr");
  fuzz::put(path, bytes);
  auto ids_path = path;
  ids_path += ".ids";
  std::string ids;
  if (h.n_nodes <= 4096)
    for (uint64_t i = 0; i < h.n_nodes; ++i) ids += "s" + std::to_string(i) + "\n";
  fuzz::put(ids_path, ids);
  fuzz::expect_clean([&] {
    Graph g = Graph::load(path, (h.input_checksum & 1) == 0);
    (void)format_stats(g, graph_stats(g));
    (void)connected_components(g);
  });
  return 0;
}
