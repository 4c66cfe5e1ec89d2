// read_dms: ProteinGym-style mutant CSV, then the mutation graph built from it.
#include "cleave/io.hpp"
#include "cleave/similarity.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  const auto path = fuzz::scratch("in.csv");
  fuzz::put(path, {reinterpret_cast<const char*>(data), size});
  fuzz::expect_clean([&] {
    MutationSet m = read_dms(path);
    if (m.offsets.size() != m.samples.size() + 1) __builtin_trap();
    (void)mutation_graph(m);
  });
  return 0;
}
