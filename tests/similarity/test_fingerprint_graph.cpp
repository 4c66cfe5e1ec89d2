/// @file test_fingerprint_graph.cpp
/// @brief All-pairs fingerprint graphs against a direct double loop, exact
/// threshold ties, and independence from the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>

#include "cleave/error.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"

using namespace cleave;

namespace {

Fingerprints make_fps(uint32_t n_bits, const std::vector<std::vector<uint32_t>>& on) {
  Fingerprints f;
  f.n_bits = n_bits;
  f.words_per_fp = (n_bits + 63) / 64;
  f.words.assign(on.size() * f.words_per_fp, 0);
  for (std::size_t i = 0; i < on.size(); ++i)
    for (uint32_t b : on[i]) f.words[i * f.words_per_fp + b / 64] |= uint64_t{1} << (b % 64);
  return f;
}

/// Random fingerprints whose densities vary by row, so that pair
/// similarities spread over [0, 1].
Fingerprints random_fps(std::size_t n, uint32_t n_bits, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint32_t>> on(n);
  // Rows come in families sharing a core, so that many pairs are similar.
  std::vector<uint32_t> core;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 7 == 0) {
      core.clear();
      for (uint32_t b = 0; b < n_bits; ++b)
        if (rng() % 5 == 0) core.push_back(b);
    }
    const double p = 0.005 + 0.1 * static_cast<double>(rng() % 100) / 100.0;
    for (uint32_t b = 0; b < n_bits; ++b) {
      const bool in_core = std::binary_search(core.begin(), core.end(), b);
      const double u = static_cast<double>(rng() % 10000) / 10000.0;
      if ((in_core && u < 0.95) || (!in_core && u < p)) on[i].push_back(b);
    }
  }
  on[n / 2].clear();  // an empty fingerprint
  if (n > 3) on[n / 3].clear();
  return make_fps(n_bits, on);
}

double direct(Measure m, const Fingerprints& f, std::size_t i, std::size_t j) {
  double a = 0, b = 0, c = 0;
  for (uint32_t k = 0; k < f.n_bits; ++k) {
    const bool x = (f.row(i)[k / 64] >> (k % 64)) & 1;
    const bool y = (f.row(j)[k / 64] >> (k % 64)) & 1;
    a += x;
    b += y;
    c += x && y;
  }
  switch (m) {
    case Measure::tanimoto:
      return a + b - c == 0 ? 1.0 : c / (a + b - c);
    case Measure::dice:
      return a + b == 0 ? 0.0 : 2 * c / (a + b);
    default:
      return a * b == 0 ? 0.0 : c / std::sqrt(a * b);
  }
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

SimilarityOptions options(Measure m, double t, int threads = 0) {
  SimilarityOptions o;
  o.measure = m;
  o.threshold = t;
  o.threads = threads;
  o.progress = false;
  return o;
}

}  // namespace

TEST(FingerprintSimilarity, KnownValues) {
  auto f = make_fps(130, {{0, 1, 2, 3}, {2, 3, 4, 5}, {}, {}, {0, 64, 129}});
  EXPECT_DOUBLE_EQ(fingerprint_similarity(Measure::tanimoto, f.row(0), f.row(1), 3), 2.0 / 6);
  EXPECT_DOUBLE_EQ(fingerprint_similarity(Measure::dice, f.row(0), f.row(1), 3), 0.5);
  EXPECT_DOUBLE_EQ(fingerprint_similarity(Measure::cosine, f.row(0), f.row(1), 3), 0.5);
  // Empty fingerprints as in RDKit: Tanimoto 1, Dice and cosine 0.
  EXPECT_EQ(fingerprint_similarity(Measure::tanimoto, f.row(2), f.row(3), 3), 1.0);
  EXPECT_EQ(fingerprint_similarity(Measure::dice, f.row(2), f.row(3), 3), 0.0);
  EXPECT_EQ(fingerprint_similarity(Measure::cosine, f.row(2), f.row(3), 3), 0.0);
  EXPECT_EQ(fingerprint_similarity(Measure::tanimoto, f.row(0), f.row(2), 3), 0.0);
  EXPECT_DOUBLE_EQ(fingerprint_similarity(Measure::tanimoto, f.row(0), f.row(4), 3), 1.0 / 6);
  EXPECT_THROW((void)fingerprint_similarity(Measure::mutation, f.row(0), f.row(1), 3),
               cleave::error);
}

TEST(FingerprintGraph, MatchesDirectLoopForEveryMeasure) {
  // 600 rows: three row blocks of the tile loop, the last one partial;
  // 200 bits: the last word partial.
  const auto f = random_fps(600, 200, 42);
  for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine}) {
    for (double t : {0.3, 0.5, 0.7}) {
      SCOPED_TRACE(std::string(measure_name(m)) + " " + std::to_string(t));
      Graph g = fingerprint_graph(f, options(m, t, 2));
      EdgeList want;
      Histogram h;
      for (std::size_t i = 0; i < f.size(); ++i)
        for (std::size_t j = i + 1; j < f.size(); ++j) {
          const double s = direct(m, f, i, j);
          ASSERT_EQ(s, fingerprint_similarity(m, f.row(i), f.row(j), f.words_per_fp));
          h.add(s);
          if (s >= t)
            want.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(j),
                              static_cast<float>(s));
        }
      ASSERT_GT(want.size(), 100u) << "test data too sparse to be meaningful";
      ASSERT_LT(want.size(), f.size() * (f.size() - 1) / 2);
      EXPECT_EQ(edges_of(g), want);
      EXPECT_EQ(g.num_nodes(), f.size());
      EXPECT_EQ(g.meta().measure, m);
      EXPECT_EQ(g.meta().threshold, t);
      EXPECT_EQ(g.meta().n_pairs, f.size() * (f.size() - 1) / 2);
      EXPECT_EQ(g.meta().histogram.counts, h.counts);
    }
  }
}

TEST(FingerprintGraph, ExactThresholdTiesAreEdges) {
  // Tanimoto {0,1} vs {0,1,2,3} = 2/4; Dice {0,1} vs {0..5} = 4/8;
  // cosine {0} vs {0..3} = 1/2: all exactly 0.5.
  struct Case {
    Measure m;
    std::vector<std::vector<uint32_t>> on;
  };
  const std::vector<Case> cases = {
      {Measure::tanimoto, {{0, 1}, {0, 1, 2, 3}, {100, 101}}},
      {Measure::dice, {{0, 1}, {0, 1, 2, 3, 4, 5}, {100, 101}}},
      {Measure::cosine, {{0}, {0, 1, 2, 3}, {100, 101}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(measure_name(c.m));
    auto f = make_fps(2048, c.on);
    ASSERT_EQ(fingerprint_similarity(c.m, f.row(0), f.row(1), f.words_per_fp), 0.5);
    Graph at = fingerprint_graph(f, options(c.m, 0.5));
    EXPECT_EQ(edges_of(at), (EdgeList{{0, 1, 0.5f}}));
    Graph above = fingerprint_graph(f, options(c.m, std::nextafter(0.5, 1.0)));
    EXPECT_EQ(above.num_edges(), 0u);
    EXPECT_EQ(above.meta().histogram.total(), 3u);
  }
}

TEST(FingerprintGraph, SameResultForAnyThreadCount) {
  const auto f = random_fps(700, 256, 7);
  const int before = num_threads();
  set_num_threads(1);
  Graph one = fingerprint_graph(f, options(Measure::tanimoto, 0.4));
  set_num_threads(2);
  Graph two = fingerprint_graph(f, options(Measure::tanimoto, 0.4));
  set_num_threads(before);
  Graph three = fingerprint_graph(f, options(Measure::tanimoto, 0.4, 3));
  for (const Graph* g : {&two, &three}) {
    EXPECT_TRUE(std::ranges::equal(one.offsets(), g->offsets()));
    EXPECT_TRUE(std::ranges::equal(one.columns(), g->columns()));
    EXPECT_TRUE(std::ranges::equal(one.weights(), g->weights()));
    EXPECT_EQ(one.meta().histogram.counts, g->meta().histogram.counts);
    EXPECT_EQ(one.meta().input_checksum, g->meta().input_checksum);
  }
  EXPECT_GT(one.num_edges(), 0u);
  EXPECT_NE(one.meta().input_checksum,
            fingerprint_graph(f, options(Measure::tanimoto, 0.5)).meta().input_checksum);
  EXPECT_NE(one.meta().input_checksum,
            fingerprint_graph(f, options(Measure::dice, 0.4)).meta().input_checksum);
}

TEST(FingerprintGraph, SmallAndInvalidInputs) {
  auto single = make_fps(64, {{1, 2}});
  Graph g = fingerprint_graph(single, options(Measure::tanimoto, 0.5));
  EXPECT_EQ(g.num_nodes(), 1u);
  EXPECT_EQ(g.num_edges(), 0u);
  EXPECT_EQ(g.meta().n_pairs, 0u);

  Fingerprints none;
  none.n_bits = 64;
  none.words_per_fp = 1;
  EXPECT_THROW((void)fingerprint_graph(none, options(Measure::tanimoto, 0.5)), cleave::error);
  EXPECT_THROW((void)fingerprint_graph(single, options(Measure::tanimoto, 0.0)), cleave::error);
  EXPECT_THROW((void)fingerprint_graph(single, options(Measure::tanimoto, NAN)), cleave::error);
  EXPECT_THROW((void)fingerprint_graph(single, options(Measure::identity, 0.5)), cleave::error);
}
