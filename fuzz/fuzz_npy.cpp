// read_npy: NumPy .npy header (versions 1-3, dict text, shape, dtype) and data.
#include "cleave/embedding.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  const auto path = fuzz::scratch("in.npy");
  fuzz::put(path, {reinterpret_cast<const char*>(data), size});
  fuzz::expect_clean([&] {
    EmbeddingSet e = read_npy(path);
    if (e.values.size() != e.n * e.dim) __builtin_trap();
  });
  return 0;
}
