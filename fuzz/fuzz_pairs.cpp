// read_pairs_graph: spectrae's "i<TAB>j<TAB>value" pairs; the bytes after a
// NUL become the --ids file. Without an ids file the node count is the
// largest index + 1, so a 20-byte line "0 4000000000 1" honestly asks for a
// 4e9-node graph (the CLI reports "out of memory"; tests/cli covers it).
// Under ASan an allocation that large aborts instead of throwing, so inputs
// with a number of 7 or more digits are skipped here.
#include "cleave/io.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  for (std::size_t k = 0, run = 0; k < size; ++k)
    if ((run = (data[k] >= '0' && data[k] <= '9') ? run + 1 : 0) >= 7) return 0;
  auto [pairs, ids] = fuzz::split_nul(data, size);
  const auto path = fuzz::scratch("pairs.tsv");
  fuzz::put(path, pairs);
  std::filesystem::path ids_path;
  if (!ids.empty()) {
    ids_path = fuzz::scratch("ids.txt");
    fuzz::put(ids_path, ids);
  }
  fuzz::expect_clean([&] {
    Graph g = read_pairs_graph(path, ids_path, 0.5);
    if (g.ids().size() != g.num_nodes()) __builtin_trap();
  });
  fuzz::expect_clean([&] { (void)detect_format(path); });
  return 0;
}
