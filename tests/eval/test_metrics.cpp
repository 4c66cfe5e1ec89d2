// Spearman, R^2 and AUROC against values computed by hand.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"

namespace cleave {
namespace {

using V = std::vector<double>;

TEST(Ranks, TiesGetTheAverageRank) {
  EXPECT_EQ(average_ranks(V{3, 1, 3, 2, 3}), (V{4, 1, 4, 2, 4}));
  EXPECT_EQ(average_ranks(V{0.5, 0.5}), (V{1.5, 1.5}));
  EXPECT_EQ(average_ranks(V{2, 1}), (V{2, 1}));
  EXPECT_TRUE(average_ranks(V{}).empty());
}

TEST(Spearman, HandComputed) {
  // ranks y = 1, 2, 3.5, 5, 3.5: sxy = 8, sxx = 10, syy = 9.5.
  EXPECT_NEAR(spearman(V{1, 2, 3, 4, 5}, V{5, 6, 7, 8, 7}), 8.0 / std::sqrt(95.0), 1e-15);
  EXPECT_DOUBLE_EQ(spearman(V{1, 2, 3}, V{10, 20, 1000}), 1.0);
  EXPECT_DOUBLE_EQ(spearman(V{1, 2, 3}, V{3, 2, 1}), -1.0);
  // Ties on both sides: rx = 1.5, 1.5, 3, ry = 1, 2.5, 2.5 -> 0.5.
  EXPECT_NEAR(spearman(V{1, 1, 2}, V{0, 1, 1}), 0.5, 1e-15);
}

TEST(Spearman, UndefinedCases) {
  EXPECT_TRUE(std::isnan(spearman(V{1, 2, 3}, V{4, 4, 4})));
  EXPECT_TRUE(std::isnan(spearman(V{1}, V{2})));
  EXPECT_THROW(spearman(V{1, 2}, V{1}), error);
}

TEST(R2, HandComputed) {
  // mean 2.5, SStot = 5, SSres = 0.25 + 0 + 0.25 + 1 = 1.5.
  EXPECT_NEAR(r2_score(V{1, 2, 3, 4}, V{1.5, 2, 2.5, 5}), 0.7, 1e-15);
  EXPECT_DOUBLE_EQ(r2_score(V{1, 2, 3}, V{1, 2, 3}), 1.0);
  // Predicting the mean gives 0; constant predictions are still defined.
  EXPECT_DOUBLE_EQ(r2_score(V{1, 2, 3}, V{2, 2, 2}), 0.0);
  EXPECT_DOUBLE_EQ(r2_score(V{0, 2}, V{2, 0}), -3.0);
  EXPECT_TRUE(std::isnan(r2_score(V{1, 1, 1}, V{1, 2, 3})));
}

TEST(Auroc, HandComputedWithTies) {
  // Positives 0.4, 0.8, 0.3 against negatives 0.1, 0.4, 0.5:
  // 0.4 wins 1 + ties 1/2, 0.8 wins 3, 0.3 wins 1 -> 5.5 / 9.
  EXPECT_NEAR(auroc(V{0, 0, 1, 1, 0, 1}, V{0.1, 0.4, 0.4, 0.8, 0.5, 0.3}), 5.5 / 9.0, 1e-15);
  EXPECT_DOUBLE_EQ(auroc(V{0, 1}, V{0.2, 0.9}), 1.0);
  EXPECT_DOUBLE_EQ(auroc(V{1, 0}, V{0.2, 0.9}), 0.0);
  EXPECT_DOUBLE_EQ(auroc(V{1, 0, 1, 0}, V{0.5, 0.5, 0.5, 0.5}), 0.5);
}

TEST(Auroc, UndefinedAndInvalid) {
  EXPECT_TRUE(std::isnan(auroc(V{1, 1, 1}, V{0.1, 0.2, 0.3})));
  EXPECT_TRUE(std::isnan(auroc(V{0, 0}, V{0.1, 0.2})));
  EXPECT_THROW(auroc(V{0, 2}, V{0.1, 0.2}), error);
}

}  // namespace
}  // namespace cleave
