// read_scores (the CSV given to cleave auspc), then the evaluation on it.
#include "cleave/eval.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  const auto path = fuzz::scratch("scores.csv");
  fuzz::put(path, {reinterpret_cast<const char*>(data), size});
  fuzz::expect_clean([&] {
    auto rows = read_scores(path);
    EvalOptions opt;
    opt.bootstrap = 10;
    (void)evaluate(rows, {}, opt);
  });
  return 0;
}
