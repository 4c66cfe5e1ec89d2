/// @file test_invariants.cpp
/// @brief Exact properties of single splits: the parallel rounds equal a
/// sequential greedy run, p = 0 and p = 1 extremes, clique units, spectrae
/// compatibility, invalid splits, test counts, overlap definitions.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cleave/error.hpp"
#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "kernels/mis.hpp"
#include "split/prepare.hpp"
#include "split_test_util.hpp"

namespace cleave::test {
namespace {

class Invariants : public ::testing::Test {
 protected:
  void SetUp() override { Progress::set_quiet(true); }
};

SplitOptions cpu_options(bool weighted = false, bool compat = false) {
  SplitOptions o;
  o.weighted = weighted;
  o.compat_spectrae = compat;
  o.backend = Backend::cpu;
  return o;
}

std::vector<bool> clique_members(const Graph& g) {
  const Components c = connected_components(g);
  std::vector<bool> m(g.num_nodes());
  for (uint64_t v = 0; v < g.num_nodes(); ++v)
    m[v] = c.size[c.label[v]] >= 2 && c.is_clique(c.label[v]);
  return m;
}

/// Sequential greedy over the same ranks and active edges as the engine.
std::vector<bool> greedy_mis(const Graph& g, double p, uint64_t seed, bool weighted,
                             const std::vector<bool>& takes_part) {
  const uint64_t n = g.num_nodes();
  const std::vector<double> pct = weighted ? detail::edge_percentiles(g) : std::vector<double>{};
  const auto act = kernels::EdgeActivity::make(p, seed, weighted, pct.data());
  const kernels::NodeKey key{seed, kernels::p_key_of(p)};
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return kernels::ranked_before(key(a), a, key(b), b); });
  std::vector<bool> removed(n, false), in(n, false);
  const auto off = g.offsets();
  const auto col = g.columns();
  for (uint32_t v : order) {
    if (!takes_part[v] || removed[v]) continue;
    in[v] = true;
    for (uint64_t e = off[v]; e < off[v + 1]; ++e)
      if (act(v, col[e], e)) removed[col[e]] = true;
  }
  return in;
}

TEST_F(Invariants, ParallelRoundsEqualSequentialGreedy) {
  for (uint64_t gs : {1, 2, 3}) {
    const TestGraph tg = mixed_graph(gs, 300, 0.03);
    const auto cliques = clique_members(tg.g);
    for (bool weighted : {false, true}) {
      const Partitioner part(tg.g, cpu_options(weighted));
      std::vector<bool> takes_part(tg.g.num_nodes(), true);
      for (uint64_t v = 0; v < tg.g.num_nodes(); ++v) takes_part[v] = weighted || !cliques[v];
      for (double p : {0.0, 0.05, 0.3, 0.5, 0.77, 1.0})
        for (uint64_t seed : {0, 9, 31}) {
          const SplitResult r = part.split(p, seed);
          const auto in = greedy_mis(tg.g, p, seed, weighted, takes_part);
          uint64_t mismatches = 0;
          for (uint64_t v = 0; v < tg.g.num_nodes(); ++v) {
            const bool kept_single = r.side[v] != kDropped && takes_part[v];
            if (r.valid) mismatches += kept_single != in[v];
          }
          EXPECT_EQ(mismatches, 0u) << "p=" << p << " seed=" << seed << " weighted=" << weighted;
          EXPECT_EQ(r.kept_units, static_cast<uint64_t>(std::count(in.begin(), in.end(), true)) +
                                      (weighted ? 0 : 5));
        }
    }
  }
}

TEST_F(Invariants, ParallelRoundsEqualSequentialGreedyOnALargeGraph) {
  // Worklists far above the serial cutoff: the rounds run in parallel.
  const Graph g = random_graph(100000, 500000);
  const std::vector<bool> all(g.num_nodes(), true);
  for (bool weighted : {false, true}) {
    const Partitioner part(g, cpu_options(weighted));
    for (double p : {0.2, 0.6, 1.0}) {
      const SplitResult r = part.split(p, 77);
      const auto in = greedy_mis(g, p, 77, weighted, all);
      uint64_t mismatches = 0;
      for (uint64_t v = 0; v < g.num_nodes(); ++v) mismatches += (r.side[v] != kDropped) != in[v];
      EXPECT_EQ(mismatches, 0u) << "p=" << p << " weighted=" << weighted;
    }
  }
}

TEST_F(Invariants, NoTrainTestEdgeAtPOne) {
  const TestGraph tg = mixed_graph(4, 400, 0.04);
  for (bool compat : {false, true})
    for (bool weighted : {false, true}) {
      const Partitioner part(tg.g, cpu_options(weighted, compat));
      for (uint64_t seed = 0; seed < 5; ++seed) {
        const SplitResult r = part.split(1.0, seed);
        ASSERT_TRUE(r.valid);
        EXPECT_EQ(r.overlap.frac, 0.0);
        EXPECT_EQ(r.overlap.meansim, 0.0);
        const auto off = tg.g.offsets();
        const auto col = tg.g.columns();
        for (uint64_t v = 0; v < tg.g.num_nodes(); ++v)
          for (uint64_t e = off[v]; e < off[v + 1]; ++e)
            if (r.side[v] == kTest) EXPECT_NE(r.side[col[e]], kTrain) << v << "-" << col[e];
      }
    }
}

TEST_F(Invariants, PZeroDefaultKeepsEverySample) {
  const TestGraph tg = mixed_graph(5);
  for (bool weighted : {false, true}) {
    const SplitResult r = Partitioner(tg.g, cpu_options(weighted)).split(0.0, 3);
    EXPECT_EQ(r.kept, tg.g.num_nodes());
    EXPECT_EQ(std::count(r.side.begin(), r.side.end(), kDropped), 0);
    EXPECT_GT(r.overlap.frac, 0.0);  // a random split leaks
  }
}

TEST_F(Invariants, CliqueComponentsGoWholeToTrain) {
  const TestGraph tg = mixed_graph(6);
  const auto cliques = clique_members(tg.g);
  ASSERT_EQ(std::count(cliques.begin(), cliques.end(), true), 2 + 2 + 3 + 4 + 5);
  for (bool compat : {false, true}) {
    const Partitioner part(tg.g, cpu_options(false, compat));
    for (double p : {0.0, 0.5, 1.0}) {
      const SplitResult r = part.split(p, 1);
      for (uint64_t v = 0; v < tg.g.num_nodes(); ++v)
        if (cliques[v]) EXPECT_EQ(r.side[v], kTrain) << v;
      EXPECT_EQ(r.kept - r.kept_units, (2 + 2 + 3 + 4 + 5) - 5u);
    }
  }
}

TEST_F(Invariants, CompatDropsIsolatedNodesAndHubs) {
  const TestGraph tg = mixed_graph(6);
  const Graph& g = tg.g;
  const Components comp = connected_components(g);
  std::vector<bool> doomed(g.num_nodes());
  uint64_t hubs = 0, isolated = 0;
  for (uint64_t v = 0; v < g.num_nodes(); ++v) {
    const uint32_t c = comp.label[v];
    const bool hub = comp.size[c] >= 2 && !comp.is_clique(c) && g.degree(v) == comp.size[c] - 1;
    hubs += hub;
    isolated += g.degree(v) == 0;
    doomed[v] = hub || g.degree(v) == 0;
  }
  ASSERT_GE(hubs, 3u);  // the star's centre and the two-hub component
  ASSERT_GE(isolated, 20u);
  const Partitioner compat(g, cpu_options(false, true)), def(g, cpu_options(false, false));
  for (double p : {0.0, 0.5, 1.0}) {
    const SplitResult r = compat.split(p, 2);
    for (uint64_t v = 0; v < g.num_nodes(); ++v)
      if (doomed[v]) EXPECT_EQ(r.side[v], kDropped) << v;
  }
  // Default mode: at p = 0 they are all kept.
  const SplitResult d = def.split(0.0, 2);
  for (uint64_t v = 0; v < g.num_nodes(); ++v) EXPECT_NE(d.side[v], kDropped);
  // Weighted compat: isolated nodes dropped, no hub deletion.
  const SplitResult w = Partitioner(g, cpu_options(true, true)).split(0.0, 2);
  for (uint64_t v = 0; v < g.num_nodes(); ++v)
    EXPECT_EQ(w.side[v] == kDropped, g.degree(v) == 0) << v;
}

TEST_F(Invariants, FiveOrFewerKeptIsInvalid) {
  GraphMeta meta;
  for (uint64_t n : {5u, 6u}) {
    const Graph g = Graph::from_edges(n, {}, meta);
    const SplitResult r = Partitioner(g, cpu_options()).split(0.5, 0);
    EXPECT_EQ(r.kept_units, n);
    EXPECT_EQ(r.valid, n > 5);
  }
  // A path of 8 at p = 1 keeps at most 4 nodes.
  std::vector<Edge> path;
  for (uint32_t i = 0; i + 1 < 8; ++i) path.push_back({i, i + 1, 1.0f});
  const Graph g = Graph::from_edges(8, path, meta);
  for (uint64_t seed = 0; seed < 10; ++seed) {
    const SplitResult r = Partitioner(g, cpu_options()).split(1.0, seed);
    EXPECT_FALSE(r.valid);
    EXPECT_EQ(r.train + r.test, 0u);
  }
}

TEST_F(Invariants, TestCountAndSides) {
  const TestGraph tg = mixed_graph(9, 500, 0.01);
  for (double tf : {0.2, 0.1, 0.33}) {
    SplitOptions o = cpu_options();
    o.test_fraction = tf;
    const Partitioner part(tg.g, o);
    for (double p : {0.0, 0.4, 0.9}) {
      const SplitResult r = part.split(p, 5);
      ASSERT_TRUE(r.valid);
      const uint64_t singles = r.kept - (2 + 2 + 3 + 4 + 5);
      EXPECT_EQ(r.test, static_cast<uint64_t>(std::ceil(tf * static_cast<double>(singles))));
      EXPECT_EQ(r.train + r.test, r.kept);
      EXPECT_EQ(static_cast<uint64_t>(std::count(r.side.begin(), r.side.end(), kTest)), r.test);
      EXPECT_EQ(static_cast<uint64_t>(std::count(r.side.begin(), r.side.end(), kTrain)), r.train);
    }
  }
}

TEST_F(Invariants, OverlapMatchesBruteForce) {
  const TestGraph tg = mixed_graph(10, 300, 0.03);
  const Graph& g = tg.g;
  for (double p : {0.0, 0.3, 0.6}) {
    const SplitResult r = Partitioner(g, cpu_options()).split(p, 4);
    ASSERT_TRUE(r.valid);
    double touch = 0, maxsum = 0, sum = 0;
    for (uint64_t v = 0; v < g.num_nodes(); ++v) {
      if (r.side[v] != kTest) continue;
      double mx = 0;
      bool any = false;
      for (uint64_t e = g.offsets()[v]; e < g.offsets()[v + 1]; ++e)
        if (r.side[g.columns()[e]] == kTrain) {
          any = true;
          mx = std::max(mx, static_cast<double>(g.weights()[e]));
          sum += g.weights()[e];
        }
      touch += any;
      maxsum += mx;
    }
    EXPECT_NEAR(r.overlap.frac, touch / r.test, 1e-12);
    EXPECT_NEAR(r.overlap.maxsim, maxsum / r.test, 1e-12);
    EXPECT_NEAR(r.overlap.meansim, sum / (double(r.train) * double(r.test)), 1e-12);
  }
}

TEST_F(Invariants, PercentilesMatchTheExplicitDistribution) {
  const TestGraph tg = mixed_graph(11);
  const auto pct = detail::edge_percentiles(tg.g);
  ASSERT_EQ(pct.size(), tg.g.columns().size());
  for (std::size_t e = 0; e < pct.size(); ++e)
    ASSERT_EQ(pct[e], percentile_of(tg.distribution, tg.g.weights()[e])) << e;
}

TEST_F(Invariants, DeterministicAndSeedSensitive) {
  const TestGraph tg = mixed_graph(12, 400, 0.02);
  const Partitioner part(tg.g, cpu_options());
  const SplitResult a = part.split(0.5, 7), b = part.split(0.5, 7), c = part.split(0.5, 8);
  EXPECT_EQ(a.side, b.side);
  EXPECT_NE(a.side, c.side);
  EXPECT_THROW((void)part.split(1.5, 0), cleave::error);
}

TEST_F(Invariants, ThrustOmpSystemUsesSeveralThreads) {
  // Without OpenMP linked in, Thrust's OMP system silently runs serially.
  set_num_threads(2);
  EXPECT_GE(omp_get_max_threads(), 2);
  EXPECT_GE(detail::omp_system_threads_used(), 2);
}

}  // namespace
}  // namespace cleave::test
