/// @file test_partition_refine.cpp
/// @brief Separator refinement and the mutation formulation against brute
/// force on small graphs: no train-test edge (checked here on the graph), the
/// test share within tolerance, never fewer samples kept than the start, and
/// the exact optimum (all assignments enumerated) reached in a stated share
/// of cases; the same sides on one and two threads; put-backs that hold the
/// test share; NCI-5k at Tanimoto >= 0.3 keeping no fewer than before.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cleave/io.hpp"
#include "cleave/partition.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"
#include "common/real_data.hpp"
#include "split/partition_internal.hpp"

namespace cleave::test {
namespace {

struct Counts {
  uint64_t kept = 0, test = 0, cross = 0;
};

Counts count(const Graph& g, const std::vector<int8_t>& side) {
  Counts c;
  const auto offs = g.offsets();
  const auto cols = g.columns();
  for (uint64_t v = 0; v < g.num_nodes(); ++v) {
    c.kept += side[v] != kDropped ? 1 : 0;
    c.test += side[v] == kTest ? 1 : 0;
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
      const int8_t a = side[v], b = side[cols[e]];
      c.cross += a != kDropped && b != kDropped && a != b ? 1 : 0;
    }
  }
  c.cross /= 2;
  return c;
}

bool within(uint64_t kept, uint64_t test, double f, double tol) {
  const auto k = static_cast<double>(kept);
  return std::abs(static_cast<double>(test) - f * k) <= detail::slack(tol, k);
}

/// The most samples any (train, test, removed) assignment keeps with no
/// train-test edge, test and train non-empty and the test share within
/// tolerance: all 3^n assignments, pruned on edges to earlier nodes.
uint64_t brute_force_best(const Graph& g, double f, double tol) {
  const auto n = static_cast<uint32_t>(g.num_nodes());
  const auto offs = g.offsets();
  const auto cols = g.columns();
  std::vector<int8_t> side(n, kDropped);
  uint64_t best = 0;
  auto rec = [&](auto&& self, uint32_t v, uint64_t kept, uint64_t test) -> void {
    if (kept + (n - v) <= best) return;  // cannot beat the best any more
    if (v == n) {
      if (test > 0 && test < kept && within(kept, test, f, tol)) best = kept;
      return;
    }
    for (int8_t s : {kTrain, kTest, kDropped}) {
      bool ok = true;
      if (s != kDropped)
        for (uint64_t e = offs[v]; e < offs[v + 1] && ok; ++e)
          if (cols[e] < v && side[cols[e]] != kDropped && side[cols[e]] != s) ok = false;
      if (!ok) continue;
      side[v] = s;
      self(self, v + 1, kept + (s != kDropped ? 1 : 0), test + (s == kTest ? 1 : 0));
    }
    side[v] = kDropped;
  };
  rec(rec, 0, 0, 0);
  return best;
}

Graph random_graph(std::mt19937_64& rng, uint32_t n, double q) {
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::vector<Edge> edges;
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t j = i + 1; j < n; ++j)
      if (u01(rng) < q) edges.push_back({i, j, 0.5f});
  GraphMeta meta;
  meta.threshold = 0.4;
  meta.n_pairs = uint64_t{n} * (n - 1) / 2;
  return Graph::from_edges(n, std::move(edges), meta);
}

/// A valid start: random sides, then one end of every cross edge removed
/// (the end with more cross edges), then removed samples put back where
/// they touch one side only.
std::vector<int8_t> random_start(const Graph& g, std::mt19937_64& rng, double p_test) {
  const auto n = static_cast<uint32_t>(g.num_nodes());
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::vector<int8_t> side(n);
  for (auto& s : side) s = u01(rng) < p_test ? kTest : kTrain;
  const auto offs = g.offsets();
  const auto cols = g.columns();
  for (bool changed = true; changed;) {
    changed = false;
    uint32_t worst = n;
    uint64_t worst_c = 0;
    for (uint32_t v = 0; v < n; ++v) {
      if (side[v] == kDropped) continue;
      uint64_t c = 0;
      for (uint64_t e = offs[v]; e < offs[v + 1]; ++e)
        c += side[cols[e]] != kDropped && side[cols[e]] != side[v] ? 1 : 0;
      if (c > worst_c) {
        worst_c = c;
        worst = v;
      }
    }
    if (worst < n) {
      side[worst] = kDropped;
      changed = true;
    }
  }
  detail::refine_dropped(g, side, kTrain);
  return side;
}

TEST(PartitionRefine, SeparatorNeverWorseAndNearTheOptimum) {
  std::mt19937_64 rng(2024);
  const double f = 0.3, tol = 0.05;
  int cases = 0, optimal = 0, improved = 0;
  uint64_t gap = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const uint32_t n = 8 + static_cast<uint32_t>(rng() % 7);  // 8 to 14
    const double q = 0.15 + 0.35 * static_cast<double>(rng() % 100) / 100.0;
    const Graph g = random_graph(rng, n, q);
    std::vector<int8_t> side =
        random_start(g, rng, 0.15 + 0.3 * static_cast<double>(trial % 7) / 6.0);
    const Counts before = count(g, side);
    ASSERT_EQ(before.cross, 0u);
    if (!within(before.kept, before.test, f, tol) || before.test == 0) continue;
    std::vector<uint32_t> all(n);
    for (uint32_t v = 0; v < n; ++v) all[v] = v;
    detail::refine_separator(g, all, all, side, kTrain, kTest, f, tol);
    const Counts after = count(g, side);
    ASSERT_EQ(after.cross, 0u) << "trial " << trial;  // no train-test edge, on the graph
    ASSERT_GE(after.kept, before.kept) << "trial " << trial;
    ASSERT_TRUE(within(after.kept, after.test, f, tol)) << "trial " << trial;
    const uint64_t best = brute_force_best(g, f, tol);
    ASSERT_LE(after.kept, best) << "trial " << trial;
    ++cases;
    optimal += after.kept == best ? 1 : 0;
    improved += after.kept > before.kept ? 1 : 0;
    gap += best - after.kept;
  }
  std::printf(
      "separator refinement: %d cases, %d improved on the start, %d optimal, %llu "
      "samples short in all\n",
      cases, improved, optimal, static_cast<unsigned long long>(gap));
  ASSERT_GE(cases, 100);
  EXPECT_GE(improved, cases / 4);  // it does move
  EXPECT_GE(optimal * 2, cases);   // measured: 119 of 215 (bench/RESULTS.md)
}

TEST(PartitionRefine, WholePartitionerNearTheOptimum) {
  std::mt19937_64 rng(77);
  int cases = 0, optimal = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const uint32_t n = 10 + static_cast<uint32_t>(rng() % 5);  // 10 to 14
    const double q = 0.1 + 0.3 * static_cast<double>(rng() % 100) / 100.0;
    const Graph g = random_graph(rng, n, q);
    PartitionOptions opt;
    opt.test_fraction = 0.3;
    opt.tolerance = 0.05;
    const SplitResult r = partition_split(g, opt, 40 + trial);
    const Counts c = count(g, r.side);
    ASSERT_EQ(c.cross, 0u) << "trial " << trial;
    const uint64_t best = brute_force_best(g, opt.test_fraction, opt.tolerance);
    if (best == 0) continue;  // no valid split exists
    if (!r.valid || !within(c.kept, c.test, opt.test_fraction, opt.tolerance)) continue;
    ASSERT_LE(c.kept, best) << "trial " << trial;
    ++cases;
    optimal += c.kept == best ? 1 : 0;
  }
  std::printf("partitioner: %d cases within tolerance, %d optimal\n", cases, optimal);
  ASSERT_GE(cases, 100);
  EXPECT_GE(optimal * 10, cases * 8);  // measured: 122 of 140
}

/// A mutation graph from variant ids ("A1C:D2E"): edges join variants that
/// share a mutation.
Graph mutation_graph(const std::vector<std::vector<std::string>>& vars) {
  const auto n = static_cast<uint32_t>(vars.size());
  std::vector<Edge> edges;
  std::vector<std::string> ids;
  for (uint32_t i = 0; i < n; ++i) {
    std::string id;
    for (const auto& m : vars[i]) id += (id.empty() ? "" : ":") + m;
    ids.push_back(id);
    for (uint32_t j = i + 1; j < n; ++j) {
      bool share = false;
      for (const auto& a : vars[i])
        for (const auto& b : vars[j]) share |= a == b;
      if (share) edges.push_back({i, j, 0.5f});
    }
  }
  GraphMeta meta;
  meta.measure = Measure::mutation;
  meta.threshold = 1.0 / 3.0;
  return Graph::from_edges(n, std::move(edges), meta, ids);
}

TEST(PartitionRefine, MutationSidesNearTheOptimum) {
  std::mt19937_64 rng(5);
  const double f = 0.2, tol = 0.02;
  int cases = 0, optimal = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const uint32_t nm = 8 + static_cast<uint32_t>(rng() % 7);  // 8 to 14 mutations
    std::vector<std::string> names;
    for (uint32_t m = 0; m < nm; ++m) names.push_back("A" + std::to_string(m + 1) + "C");
    std::vector<std::vector<std::string>> vars;
    for (uint32_t m = 0; m < nm; ++m)
      if (rng() % 3 == 0) vars.push_back({names[m]});
    for (uint32_t a = 0; a < nm; ++a)
      for (uint32_t b = a + 1; b < nm; ++b)
        if (rng() % 3 == 0) vars.push_back({names[a], names[b]});
    const Graph g = mutation_graph(vars);
    std::vector<int8_t> start(g.num_nodes(), kTrain), side;
    ASSERT_TRUE(detail::split_by_mutations(g, start, f, tol, 42 + trial, side));
    const Counts c = count(g, side);
    ASSERT_EQ(c.cross, 0u) << "trial " << trial;
    // Brute force over the 2^nm mutation sides: a variant is kept when all
    // its mutations share a side.
    uint64_t best = 0;
    for (uint32_t mask = 0; mask < (1u << nm); ++mask) {
      uint64_t kept = 0, test = 0;
      for (const auto& v : vars) {
        int t = 0;
        for (const auto& m : v) t += (mask >> (std::stoi(m.substr(1)) - 1)) & 1u;
        if (t == 0 || t == static_cast<int>(v.size())) {
          ++kept;
          test += t > 0 ? 1 : 0;
        }
      }
      if (within(kept, test, f, tol) && kept > best) best = kept;
    }
    if (!within(c.kept, c.test, f, tol)) continue;
    ASSERT_LE(c.kept, best) << "trial " << trial;
    ++cases;
    optimal += c.kept == best ? 1 : 0;
  }
  std::printf("mutation sides: %d cases within tolerance, %d optimal\n", cases, optimal);
  ASSERT_GE(cases, 40);
  EXPECT_GE(optimal * 10, cases * 9);  // measured: 56 of 60
}

TEST(PartitionRefine, SameSidesOnOneAndTwoThreads) {
  std::mt19937_64 rng(9);
  const Graph g = random_graph(rng, 600, 0.02);
  std::vector<std::vector<std::string>> vars;
  for (int i = 0; i < 800; ++i) {
    const int a = static_cast<int>(rng() % 30), b = static_cast<int>(rng() % 30);
    const std::string ma = "G" + std::to_string(a / 5 + 1) + "ACDEF"[a % 5];
    const std::string mb = "L" + std::to_string(b / 5 + 10) + "ACDEF"[b % 5];
    vars.push_back({ma, mb});
  }
  std::sort(vars.begin(), vars.end());
  vars.erase(std::unique(vars.begin(), vars.end()), vars.end());
  const Graph mg = mutation_graph(vars);
  for (const Graph* h : {&g, &mg}) {
    set_num_threads(1);
    const SplitResult a = partition_split(*h, {}, 42);
    set_num_threads(2);
    const SplitResult b = partition_split(*h, {}, 42);
    set_num_threads(0);
    EXPECT_EQ(a.side, b.side);
    EXPECT_EQ(count(*h, a.side).cross, 0u);
  }
}

TEST(PartitionRefine, PutBackAsksTheAdmitCallback) {
  // 0 - 1 - 2 with 1 removed between two train samples, 3 removed and alone.
  const Graph g = Graph::from_edges(4, {{0, 1, 0.5f}, {1, 2, 0.5f}}, GraphMeta{});
  const std::vector<int8_t> start{kTrain, kDropped, kTrain, kDropped};
  std::vector<int8_t> side = start;
  std::vector<int8_t> asked;
  detail::refine_dropped(g, side, kTest, [&](int8_t s) {
    asked.push_back(s);
    return false;
  });
  EXPECT_EQ(side, start);
  EXPECT_EQ(asked, (std::vector<int8_t>{kTrain, kTest}));
  int budget = 1;  // admits the first sample only, in node order
  side = start;
  detail::refine_dropped(g, side, kTest, [&](int8_t) { return budget-- > 0; });
  EXPECT_EQ(side, (std::vector<int8_t>{kTrain, kTrain, kTrain, kDropped}));
  side = start;
  detail::refine_dropped(g, side, kTest);
  EXPECT_EQ(side, (std::vector<int8_t>{kTrain, kTrain, kTrain, kTest}));
}

TEST(PartitionRefine, FractionHeldAfterPutBack) {
  // The whole partitioner on random graphs dense enough to remove samples:
  // the test share within the partitioner's own slack, no train-test edge
  // (counted here), and a removed sample touches both kept sides unless
  // putting it back on its one side would leave the tolerance.
  std::mt19937_64 rng(23);
  uint64_t checked = 0, held_out = 0;
  for (int i = 0; i < 40; ++i) {
    const auto n = static_cast<uint32_t>(60 + rng() % 140);
    const Graph g = random_graph(rng, n, 0.02 + 0.001 * static_cast<double>(rng() % 40));
    for (double f : {0.2, 0.5}) {
      PartitionOptions opt;
      opt.test_fraction = f;
      const SplitResult r = partition_split(g, opt, 100 + static_cast<uint64_t>(i));
      if (!r.valid) continue;
      const Counts c = count(g, r.side);
      ASSERT_EQ(c.cross, 0u) << "graph " << i << " f " << f;
      ASSERT_EQ(c.kept, r.kept);
      EXPECT_TRUE(within(c.kept, c.test, f, opt.tolerance))
          << "graph " << i << " f " << f << ": " << c.test << " of " << c.kept;
      const auto offs = g.offsets();
      const auto cols = g.columns();
      for (uint64_t v = 0; v < g.num_nodes(); ++v) {
        if (r.side[v] != kDropped) continue;
        bool tr = false, te = false;
        for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
          tr |= r.side[cols[e]] == kTrain;
          te |= r.side[cols[e]] == kTest;
        }
        if (tr && te) continue;
        ++held_out;
        EXPECT_FALSE(within(c.kept + 1, c.test + (te ? 1 : 0), f, opt.tolerance))
            << "graph " << i << " f " << f << ": sample " << v << " could have been kept";
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 60u);
  std::printf("%llu splits checked, %llu samples held out for the fraction\n",
              static_cast<unsigned long long>(checked), static_cast<unsigned long long>(held_out));
}

#if CLEAVE_HAVE_RDKIT
TEST(PartitionRefine, NciAtThreeTenthsKeepsNoFewerThanBefore) {
  // NCI first 5k at Tanimoto >= 0.3 (bench/RESULTS.md, issue 11): per seed,
  // at least the samples kept before random-matching coarsening and the
  // iterated local search (4,733, 4,725 and 4,732 at commit db95b3e), the
  // test share in 0.2 +- 0.02, no train-test edge, and the same sides on a
  // rerun and on one and two threads.
  const MoleculeSet m = read_molecules(real_data("molecules/rdkit_nci_first5k.csv"), {});
  SimilarityOptions so;
  so.threshold = 0.3;
  so.progress = false;
  so.backend = Backend::cpu;
  const Graph g = fingerprint_graph(m.fps, so);
  ASSERT_EQ(g.num_nodes(), 4993u);
  ASSERT_EQ(g.num_edges(), 121407u);
  const std::pair<uint64_t, uint64_t> before[] = {{42, 4733}, {44, 4725}, {46, 4732}};
  // Kept with kicks centred anywhere in the component (commit 837371e):
  // centring them on removed samples keeps at least as many on every seed.
  const uint64_t random_centres[] = {4741, 4738, 4744};
  uint64_t sum = 0, sum_before = 0, sum_random = 0;
  int i = 0;
  for (auto [seed, kept_before] : before) {
    set_num_threads(1);
    const SplitResult a = partition_split(g, {}, seed);
    set_num_threads(2);
    const SplitResult b = partition_split(g, {}, seed);
    const SplitResult c = partition_split(g, {}, seed);
    set_num_threads(0);
    const Counts k = count(g, a.side);
    EXPECT_EQ(k.cross, 0u) << "seed " << seed;
    EXPECT_TRUE(within(k.kept, k.test, 0.2, 0.02)) << "seed " << seed;
    EXPECT_GE(k.kept, kept_before) << "seed " << seed;
    EXPECT_GE(k.kept, random_centres[i]) << "seed " << seed;
    sum += k.kept;
    sum_before += kept_before;
    sum_random += random_centres[i++];
    EXPECT_EQ(a.side, b.side) << "seed " << seed;
    EXPECT_EQ(b.side, c.side) << "seed " << seed;
  }
  // Random matching and the kicks of the iterated local search gain about
  // 11 samples a seed here (bench/RESULTS.md); at least 5 a seed in all.
  EXPECT_GE(sum, sum_before + 15);
  // Kicks centred on the separator: 4,742, 4,744 and 4,745 (bench/RESULTS.md,
  // "Separator-centred kicks and a MIP judge"); random centres keep 8 fewer.
  EXPECT_GE(sum, sum_random + 5);
}
#endif

}  // namespace
}  // namespace cleave::test
