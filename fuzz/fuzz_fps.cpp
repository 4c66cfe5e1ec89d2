// read_fps: chemfp FPS header lines and "hex<TAB>id" records.
#include "cleave/io.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  const auto path = fuzz::scratch("in.fps");
  fuzz::put(path, {reinterpret_cast<const char*>(data), size});
  fuzz::expect_clean([&] {
    MoleculeSet m = read_fps(path);
    // What was accepted must be self-consistent.
    if (m.fps.size() != m.samples.size() ||
        m.fps.words.size() != m.samples.size() * m.fps.words_per_fp)
      __builtin_trap();
  });
  return 0;
}
