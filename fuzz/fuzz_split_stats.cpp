// read_split_stats (SPLITS/stats.tsv), then the evaluation joined on it.
#include "cleave/eval.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  const auto path = fuzz::scratch("stats.tsv");
  fuzz::put(path, {reinterpret_cast<const char*>(data), size});
  fuzz::expect_clean([&] {
    auto stats = read_split_stats(path);
    std::vector<ScoreRow> scores;
    for (const auto& s : stats) scores.push_back({"score", s.sp, s.repeat, 1.0 - s.sp});
    EvalOptions opt;
    opt.bootstrap = 0;
    (void)evaluate(scores, stats, opt);
  });
  return 0;
}
