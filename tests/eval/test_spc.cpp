// SPC aggregation, AUSPC by the trapezoidal rule and the bootstrap interval.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "eval_test_util.hpp"

namespace cleave {
namespace {

// Scores for p = 0, 0.05, ..., 1 with `repeats` repeats: f(p) + noise(repeat).
std::vector<ScoreRow> curve(double (*f)(double), int repeats, double noise) {
  std::vector<ScoreRow> rows;
  for (int i = 0; i <= 20; ++i)
    for (int r = 0; r < repeats; ++r) {
      double p = i / 20.0;
      rows.push_back({"score", p, r, f(p) + noise * ((r % 3) - 1.0) * (1 + (i % 4))});
    }
  return rows;
}

TEST(Trapezoid, KnownAreas) {
  std::vector<double> x{0.0, 0.5, 1.0}, y{0.0, 1.0, 0.0};
  EXPECT_DOUBLE_EQ(trapezoid(x, y), 0.5);
  std::vector<double> x2{0.0, 0.2, 1.0}, y2{2.0, 2.0, 2.0};
  EXPECT_DOUBLE_EQ(trapezoid(x2, y2), 2.0);
  EXPECT_EQ(trapezoid(std::vector<double>{0.3}, std::vector<double>{1.0}), 0.0);
  EXPECT_THROW(trapezoid(std::vector<double>{1.0, 0.0}, std::vector<double>{1.0, 1.0}), error);
}

TEST(Auspc, LinearCurveIsOneHalf) {
  auto rows = curve([](double p) { return 1.0 - p; }, 1, 0.0);
  EvalOptions opt;
  opt.bootstrap = 200;
  auto res = evaluate(rows, {}, opt);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].n_points(), 21u);
  EXPECT_NEAR(res[0].auspc, 0.5, 1e-15);
  EXPECT_NEAR(res[0].auspc_norm, 0.5, 1e-15);
  EXPECT_EQ(res[0].p_min, 0.0);
  EXPECT_EQ(res[0].p_max, 1.0);
  // One repeat per p: every resample is the curve itself.
  EXPECT_EQ(res[0].ci_low, res[0].auspc);
  EXPECT_EQ(res[0].ci_high, res[0].auspc);
}

TEST(Auspc, ConstantAndQuadraticCurves) {
  auto c = evaluate(curve([](double) { return 0.7; }, 3, 0.0), {}, {});
  EXPECT_NEAR(c[0].auspc, 0.7, 1e-12);
  // p^2 over 21 points: trapezoid overestimates the exact 1/3 by h^2/6.
  auto q = evaluate(curve([](double p) { return p * p; }, 1, 0.0), {}, {});
  EXPECT_NEAR(q[0].auspc, 1.0 / 3.0 + 0.05 * 0.05 / 6.0, 1e-12);
}

TEST(Auspc, MeanSdAndCountPerP) {
  std::vector<ScoreRow> rows{{"m", 0.0, 0, 1.0},
                             {"m", 0.0, 1, 3.0},
                             {"m", 0.0, 2, 2.0},
                             {"m", 1.0, 1, 0.5},
                             {"m", 1.0, 0, 0.25}};
  auto res = evaluate(rows, {}, {});
  ASSERT_EQ(res[0].points.size(), 2u);
  const auto& p0 = res[0].points[0];
  EXPECT_DOUBLE_EQ(p0.mean, 2.0);
  EXPECT_DOUBLE_EQ(p0.sd, 1.0);
  EXPECT_EQ(p0.n, 3);
  EXPECT_EQ(p0.repeats, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(res[0].points[1].repeats, (std::vector<int>{0, 1}));
  EXPECT_DOUBLE_EQ(res[0].points[1].mean, 0.375);
  EXPECT_DOUBLE_EQ(res[0].auspc, 0.5 * (2.0 + 0.375));
  EXPECT_TRUE(std::isnan(p0.overlap));
  EXPECT_FALSE(res[0].has_overlap());
}

TEST(Auspc, MetricsKeepFirstAppearanceOrder) {
  std::vector<ScoreRow> rows{{"r2", 0.0, 0, 1.0},
                             {"spearman", 0.0, 0, 1.0},
                             {"r2", 1.0, 0, 0.0},
                             {"spearman", 1.0, 0, 1.0}};
  auto res = evaluate(rows, {}, {});
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0].metric, "r2");
  EXPECT_EQ(res[1].metric, "spearman");
  EXPECT_DOUBLE_EQ(res[0].auspc, 0.5);
  EXPECT_DOUBLE_EQ(res[1].auspc, 1.0);
}

TEST(Auspc, PartialRangeWarnsAndNormalises) {
  test::WarningCapture w;
  std::vector<ScoreRow> rows{{"m", 0.2, 0, 1.0}, {"m", 0.6, 0, 1.0}};
  auto res = evaluate(rows, {}, {});
  EXPECT_DOUBLE_EQ(res[0].auspc, 0.4);
  EXPECT_DOUBLE_EQ(res[0].auspc_norm, 1.0);
  EXPECT_TRUE(w.any_contains("not [0, 1]"));
}

TEST(Auspc, NanScoresAreSkippedWithWarning) {
  test::WarningCapture w;
  std::vector<ScoreRow> rows{{"m", 0.0, 0, 1.0},
                             {"m", 0.0, 1, std::nan("")},
                             {"m", 0.5, 0, std::nan("")},
                             {"m", 1.0, 0, 0.0}};
  auto res = evaluate(rows, {}, {});
  EXPECT_EQ(res[0].n_undefined, 2u);
  ASSERT_EQ(res[0].points.size(), 2u);  // p = 0.5 has no defined score
  EXPECT_EQ(res[0].points[0].n, 1);
  EXPECT_TRUE(std::isnan(res[0].points[0].sd));
  EXPECT_DOUBLE_EQ(res[0].auspc, 0.5);
  EXPECT_TRUE(w.any_contains("undefined"));
  EXPECT_TRUE(w.any_contains("sp 0.5"));
}

TEST(Auspc, SinglePointHasNoArea) {
  test::WarningCapture w;
  auto res = evaluate({{"m", 0.5, 0, 1.0}, {"m", 0.5, 1, 0.5}}, {}, {});
  EXPECT_TRUE(std::isnan(res[0].auspc));
  EXPECT_TRUE(std::isnan(res[0].ci_low));
  EXPECT_THROW(evaluate({{"m", 0.5, 0, std::nan("")}}, {}, {}), error);
}

TEST(Auspc, JoinsMeasuredOverlap) {
  std::vector<SplitStatsRow> stats(4);
  double sps[] = {0.0, 0.0, 1.0, 1.0};
  double frac[] = {0.8, 0.6, 0.1, 0.3};
  for (int i = 0; i < 4; ++i) {
    stats[i].sp = sps[i];
    stats[i].repeat = i % 2;
    stats[i].valid = true;
    stats[i].overlap = {{"overlap_frac", frac[i]}, {"overlap_maxsim", 2 * frac[i]}};
    stats[i].test = 100 + static_cast<uint64_t>(i);
  }
  std::vector<ScoreRow> rows{{"m", 0.0, 0, 0.9}, {"m", 0.0, 1, 0.7}, {"m", 1.0, 0, 0.2}};
  test::WarningCapture w;
  auto res = evaluate(rows, stats, {});
  ASSERT_TRUE(res[0].has_overlap());
  EXPECT_DOUBLE_EQ(res[0].points[0].overlap, 0.7);
  EXPECT_DOUBLE_EQ(res[0].points[1].overlap, 0.1);  // only the scored repeat
  EXPECT_EQ(res[0].points[1].overlaps, std::vector<double>{0.1});
  // The test samples behind each scored repeat come from the same rows.
  EXPECT_EQ(res[0].points[0].tests, (std::vector<uint64_t>{100, 101}));
  EXPECT_EQ(res[0].points[1].tests, std::vector<uint64_t>{102});
  EXPECT_EQ(evaluate(rows, {}, {})[0].points[0].tests, (std::vector<uint64_t>{0, 0}));
  EvalOptions opt;
  opt.overlap_column = "overlap_maxsim";
  EXPECT_DOUBLE_EQ(evaluate(rows, stats, opt)[0].points[0].overlap, 1.4);
  opt.overlap_column = "overlap_nope";
  EXPECT_THROW(evaluate(rows, stats, opt), error);
}

TEST(Bootstrap, ContainsEstimateAndIsDeterministic) {
  auto rows = curve([](double p) { return 0.9 - 0.6 * p; }, 5, 0.03);
  EvalOptions opt;
  opt.bootstrap = 1000;
  opt.seed = 7;
  auto a = evaluate(rows, {}, opt);
  auto b = evaluate(rows, {}, opt);
  EXPECT_LT(a[0].ci_low, a[0].auspc);
  EXPECT_GT(a[0].ci_high, a[0].auspc);
  EXPECT_LT(a[0].ci_high - a[0].ci_low, 0.1);
  EXPECT_EQ(a[0].ci_low, b[0].ci_low);
  EXPECT_EQ(a[0].ci_high, b[0].ci_high);
  EXPECT_EQ(a[0].bootstrap, 1000);
  opt.seed = 8;
  auto c = evaluate(rows, {}, opt);
  EXPECT_NE(a[0].ci_low, c[0].ci_low);
}

TEST(Bootstrap, IdenticalRepeatsGiveZeroWidth) {
  auto rows = curve([](double p) { return 0.3 + 0.1 * p; }, 4, 0.0);
  auto res = evaluate(rows, {}, {});
  EXPECT_EQ(res[0].ci_low, res[0].auspc);
  EXPECT_EQ(res[0].ci_high, res[0].auspc);
}

TEST(Bootstrap, NoResamplesNoInterval) {
  auto pts = evaluate(curve([](double p) { return p; }, 3, 0.05), {}, {})[0].points;
  auto [lo, hi] = bootstrap_auspc(pts, 0, 0);
  EXPECT_TRUE(std::isnan(lo) && std::isnan(hi));
  auto [lo2, hi2] = bootstrap_auspc(pts, 50, 3);
  EXPECT_LE(lo2, hi2);
  EXPECT_NEAR(auspc_of(pts), 0.5, 1e-12);
}

}  // namespace
}  // namespace cleave
