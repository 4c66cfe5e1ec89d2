/// @file test_mutation_graph.cpp
/// @brief Mutation-set graphs against brute force, and on GB1.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <tuple>

#include "cleave/error.hpp"
#include "cleave/similarity.hpp"
#include "common/real_data.hpp"

using namespace cleave;

namespace {

MutationSet make_set(const std::vector<std::vector<uint32_t>>& sets, uint32_t n_mut) {
  MutationSet s;
  s.offsets.push_back(0);
  for (std::size_t i = 0; i < sets.size(); ++i) {
    s.samples.ids.push_back("s" + std::to_string(i));
    s.mutation_ids.insert(s.mutation_ids.end(), sets[i].begin(), sets[i].end());
    s.offsets.push_back(s.mutation_ids.size());
  }
  for (uint32_t m = 0; m < n_mut; ++m)
    s.mutation_names.push_back("A" + std::to_string(m + 1) + "C");
  return s;
}

using EdgeList = std::vector<std::tuple<uint32_t, uint32_t, float>>;

EdgeList edges_of(const Graph& g) {
  EdgeList out;
  auto off = g.offsets();
  auto col = g.columns();
  auto w = g.weights();
  for (uint32_t u = 0; u < g.num_nodes(); ++u)
    for (uint64_t k = off[u]; k < off[u + 1]; ++k)
      if (u < col[k]) out.emplace_back(u, col[k], w[k]);
  return out;
}

}  // namespace

TEST(MutationGraph, MatchesBruteForce) {
  std::mt19937_64 rng(11);
  const uint32_t n_mut = 40;
  std::vector<std::vector<uint32_t>> sets(300);
  for (auto& s : sets) {
    const std::size_t k = rng() % 6;  // 0..5 mutations, some samples empty
    while (s.size() < k) {
      auto m = static_cast<uint32_t>(rng() % n_mut);
      if (std::find(s.begin(), s.end(), m) == s.end()) s.push_back(m);
    }
    std::sort(s.begin(), s.end());
  }
  auto set = make_set(sets, n_mut);
  Graph g = mutation_graph(set, 2);

  EdgeList want;
  Histogram h;
  for (std::size_t i = 0; i < sets.size(); ++i)
    for (std::size_t j = i + 1; j < sets.size(); ++j) {
      std::vector<uint32_t> both;
      std::set_intersection(sets[i].begin(), sets[i].end(), sets[j].begin(), sets[j].end(),
                            std::back_inserter(both));
      const double c = static_cast<double>(both.size());
      const double jac =
          c == 0 ? 0.0 : c / static_cast<double>(sets[i].size() + sets[j].size() - both.size());
      h.add(jac);
      EXPECT_EQ(jac >= g.meta().threshold, c > 0) << i << " " << j;
      if (c > 0)
        want.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(j),
                          static_cast<float>(jac));
    }
  ASSERT_GT(want.size(), 100u);
  EXPECT_EQ(edges_of(g), want);
  EXPECT_EQ(g.meta().measure, Measure::mutation);
  EXPECT_EQ(g.meta().n_pairs, sets.size() * (sets.size() - 1) / 2);
  EXPECT_EQ(g.meta().histogram.counts, h.counts);
  EXPECT_DOUBLE_EQ(g.meta().threshold, 1.0 / 9.0);  // sets of at most 5

  Graph one = mutation_graph(set, 1);
  EXPECT_TRUE(std::ranges::equal(one.columns(), g.columns()));
  EXPECT_TRUE(std::ranges::equal(one.weights(), g.weights()));
  EXPECT_EQ(one.meta().histogram.counts, g.meta().histogram.counts);
  EXPECT_EQ(one.meta().input_checksum, g.meta().input_checksum);
}

TEST(MutationGraph, RejectsInconsistentSets) {
  MutationSet empty;
  empty.offsets = {0};
  EXPECT_THROW((void)mutation_graph(empty), cleave::error);
  auto bad = make_set({{1, 0}}, 2);  // not sorted
  EXPECT_THROW((void)mutation_graph(bad), cleave::error);
  auto out_of_range = make_set({{5}}, 2);
  EXPECT_THROW((void)mutation_graph(out_of_range), cleave::error);
}

TEST(MutationGraph, RealGb1) {
  const std::filesystem::path p = cleave::test::real_data("dms/GB1_Wu_2016_FLIP_subset.csv");
  ASSERT_TRUE(std::filesystem::exists(p)) << p;
  auto set = read_dms(p);
  Graph g = mutation_graph(set);
  const uint64_t n = set.samples.size();
  EXPECT_EQ(g.num_nodes(), n);
  EXPECT_EQ(g.meta().n_pairs, n * (n - 1) / 2);
  EXPECT_EQ(g.meta().histogram.total(), n * (n - 1) / 2);
  EXPECT_GT(g.num_edges(), 0u);
  EXPECT_DOUBLE_EQ(g.meta().threshold, 1.0 / 7.0);  // quadruple mutants
  // Spot check: a sample's neighbours are exactly those sharing a mutation.
  for (uint64_t i : {uint64_t{0}, n / 2, n - 1}) {
    uint64_t deg = 0;
    for (uint64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      bool share = false;
      for (uint64_t a = set.offsets[i]; a < set.offsets[i + 1] && !share; ++a)
        for (uint64_t b = set.offsets[j]; b < set.offsets[j + 1]; ++b)
          share |= set.mutation_ids[a] == set.mutation_ids[b];
      deg += share;
    }
    EXPECT_EQ(g.degree(i), deg) << i;
  }
}
