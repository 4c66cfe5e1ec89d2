// Graph::load on raw bytes (magic, version, sizes, checksums); the bytes
// after a NUL become the .ids sidecar.
#include "cleave/graph.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  auto [graph, ids] = fuzz::split_nul(data, size);
  const auto path = fuzz::scratch("raw.cgr");
  fuzz::put(path, graph);
  auto ids_path = path;
  ids_path += ".ids";
  fuzz::put(ids_path, ids);
  fuzz::expect_clean([&] { (void)Graph::load(path, size % 2 == 0); });
  return 0;
}
