/// @file test_distribution.cpp
/// @brief cleave's parallel, counter-based split against a plain sequential
/// restatement of spectrae's loop: same distribution of kept units per p.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "split_test_util.hpp"

namespace cleave::test {
namespace {

struct Moments {
  double mean = 0, se = 0;
};

Moments moments(const std::vector<double>& x) {
  double s = 0, s2 = 0;
  for (double v : x) s += v;
  const double mean = s / x.size();
  for (double v : x) s2 += (v - mean) * (v - mean);
  const double var = x.size() > 1 ? s2 / (x.size() - 1) : 0;
  return {mean, std::sqrt(var / x.size())};
}

/// Mean kept units per p for cleave and the reference over `runs` seeds each,
/// asserted equal within 5 standard errors of the difference.
void compare(const TestGraph& tg, bool weighted, bool compat, int runs = 300) {
  SplitOptions opt;
  opt.weighted = weighted;
  opt.compat_spectrae = compat;
  opt.backend = Backend::cpu;
  const Partitioner part(tg.g, opt);
  std::mt19937_64 rng(12345 + 2 * weighted + compat);
  for (double p : {0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0}) {
    std::vector<double> ours, ref;
    for (int s = 0; s < runs; ++s) {
      ours.push_back(static_cast<double>(part.split(p, 1000 + s).kept_units));
      ref.push_back(static_cast<double>(reference_kept_units(tg, p, weighted, compat, rng)));
    }
    const Moments a = moments(ours), b = moments(ref);
    const double tol = 5 * std::sqrt(a.se * a.se + b.se * b.se) + 1e-9;
    EXPECT_NEAR(a.mean, b.mean, tol)
        << "p=" << p << " weighted=" << weighted << " compat=" << compat << " (cleave se " << a.se
        << ", reference se " << b.se << ")";
  }
}

// One thread: 2,100 small splits per test make tens of thousands of OpenMP
// regions, and with ctest -j2 on two cores their barriers waited on each
// other (0.2 s alone, 139 s once under load). The distribution does not
// depend on the thread count, which the determinism tests cover.
class Distribution : public ::testing::TestWithParam<std::tuple<bool, bool>> {
 protected:
  void SetUp() override {
    Progress::set_quiet(true);
    set_num_threads(1);
  }
  void TearDown() override { set_num_threads(0); }
};

TEST_P(Distribution, MixedRandomGraph) {
  const auto [weighted, compat] = GetParam();
  compare(mixed_graph(7), weighted, compat);
}

TEST_P(Distribution, DenserRandomGraph) {
  const auto [weighted, compat] = GetParam();
  compare(mixed_graph(8, 120, 0.08, {3, 6}, 5), weighted, compat);
}

TEST_P(Distribution, ProteinFamilies) {
  const auto [weighted, compat] = GetParam();
  const TestGraph tg = protein_kmer_graph(CLEAVE_REAL_DATA, 0.08);
  ASSERT_EQ(tg.g.num_nodes(), 45u + 38u + 98u) << "real data missing from " << CLEAVE_REAL_DATA;
  ASSERT_GT(tg.g.num_edges(), 100u);
  compare(tg, weighted, compat, 200);
}

INSTANTIATE_TEST_SUITE_P(Modes, Distribution,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "weighted" : "binary") +
                                  (std::get<1>(info.param) ? "_compat" : "_default");
                         });

/// The reference itself must see the difference between the two modes, or
/// the comparisons above could not fail: hubs and isolated nodes matter.
TEST(DistributionPower, CompatAndDefaultDiffer) {
  Progress::set_quiet(true);
  const TestGraph tg = mixed_graph(7);
  SplitOptions def, compat;
  compat.compat_spectrae = true;
  def.backend = compat.backend = Backend::cpu;
  const Partitioner a(tg.g, def), b(tg.g, compat);
  std::vector<double> x, y;
  for (int s = 0; s < 100; ++s) {
    x.push_back(static_cast<double>(a.split(0.5, s).kept_units));
    y.push_back(static_cast<double>(b.split(0.5, s).kept_units));
  }
  EXPECT_GT(moments(x).mean - moments(y).mean, 10.0);
}

}  // namespace
}  // namespace cleave::test
