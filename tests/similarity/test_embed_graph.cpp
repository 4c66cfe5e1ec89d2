/// @file test_embed_graph.cpp
/// @brief Embedding cosine graphs against a double-precision reference
/// (within 1e-5), identical on every SIMD path and thread count, and the
/// errors for inputs cosine cannot handle.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>

#include "cleave/embedding.hpp"
#include "cleave/error.hpp"

using namespace cleave;

namespace {

/// Clustered rows, so that many pairs are similar; dim not a multiple of 8.
EmbeddingSet clustered(uint64_t n, uint32_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  EmbeddingSet s;
  s.n = n;
  s.dim = dim;
  s.values.resize(n * dim);
  std::vector<double> centre(dim);
  for (uint64_t i = 0; i < n; ++i) {
    if (i % 9 == 0)
      for (auto& c : centre) c = normal(rng);
    const double spread = 0.2 + 0.2 * static_cast<double>(i % 5);
    for (uint32_t k = 0; k < dim; ++k)
      s.values[i * dim + k] = static_cast<float>(centre[k] + spread * normal(rng));
  }
  return s;
}

double reference(const EmbeddingSet& s, uint64_t i, uint64_t j) {
  double ab = 0, aa = 0, bb = 0;
  for (uint32_t k = 0; k < s.dim; ++k) {
    const double a = s.row(i)[k], b = s.row(j)[k];
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  return ab / std::sqrt(aa * bb);
}

SimilarityOptions options(double t, int threads = 0, uint64_t tile = 0) {
  SimilarityOptions o;
  o.measure = Measure::cosine;
  o.threshold = t;
  o.threads = threads;
  o.tile = tile;
  o.progress = false;
  o.backend = Backend::cpu;
  return o;
}

float weight(const Graph& g, uint32_t u, uint32_t v) {
  for (uint64_t e = g.offsets()[u]; e < g.offsets()[u + 1]; ++e)
    if (g.columns()[e] == v) return g.weights()[e];
  return NAN;
}

}  // namespace

TEST(EmbedGraph, MatchesDoubleReference) {
  const auto s = clustered(333, 45, 5);
  const double t = 0.6;
  const Graph g = embedding_graph(s, options(t, 2, 100));
  uint64_t near = 0, edges = 0;
  Histogram h = g.meta().histogram;
  EXPECT_EQ(h.lo, -1.0);
  EXPECT_EQ(h.hi, 1.0);
  EXPECT_EQ(h.total(), s.n * (s.n - 1) / 2);
  for (uint32_t i = 0; i < s.n; ++i)
    for (uint32_t j = i + 1; j < s.n; ++j) {
      const double r = reference(s, i, j);
      const float w = weight(g, i, j);
      if (std::abs(r - t) < 1e-5) {  // too close to call in float
        ++near;
        continue;
      }
      if (r >= t) {
        ++edges;
        ASSERT_FALSE(std::isnan(w)) << "missing edge " << i << "," << j << " cos " << r;
        ASSERT_NEAR(w, r, 1e-5) << i << "," << j;
      } else {
        ASSERT_TRUE(std::isnan(w)) << "extra edge " << i << "," << j << " cos " << r;
      }
    }
  EXPECT_GT(edges, 500u);
  EXPECT_LT(edges, s.n * (s.n - 1) / 2);
  EXPECT_LE(near, 2u);
  EXPECT_EQ(g.meta().measure, Measure::cosine);
  EXPECT_EQ(g.meta().n_pairs, s.n * (s.n - 1) / 2);
}

TEST(EmbedGraph, SameOnEveryThreadCountTileAndSimdPath) {
  const auto s = clustered(260, 70, 9);
  const Graph a = embedding_graph(s, options(0.5, 1, 0));
  std::vector<Graph> others;
  others.push_back(embedding_graph(s, options(0.5, 2, 64)));
  others.push_back(embedding_graph(s, options(0.5, 3, 37)));
  ::setenv("CLEAVE_SIMD", "scalar", 1);
  others.push_back(embedding_graph(s, options(0.5, 2, 0)));
  ::unsetenv("CLEAVE_SIMD");
  ASSERT_GT(a.num_edges(), 0u);
  for (const Graph& b : others) {
    EXPECT_TRUE(std::ranges::equal(a.offsets(), b.offsets()));
    EXPECT_TRUE(std::ranges::equal(a.columns(), b.columns()));
    EXPECT_TRUE(std::ranges::equal(a.weights(), b.weights()));
    EXPECT_EQ(a.meta().histogram.counts, b.meta().histogram.counts);
    EXPECT_EQ(a.meta().input_checksum, b.meta().input_checksum);
  }
  EXPECT_NE(a.meta().input_checksum, embedding_graph(s, options(0.6)).meta().input_checksum);
}

TEST(EmbedGraph, RejectsWhatCosineCannotHandle) {
  auto s = clustered(20, 8, 1);
  SimilarityOptions tanimoto = options(0.5);
  tanimoto.measure = Measure::tanimoto;
  EXPECT_THROW((void)embedding_graph(s, tanimoto), cleave::error);
  EXPECT_THROW((void)embedding_graph(s, options(0.0)), cleave::error);
  for (uint32_t k = 0; k < s.dim; ++k) s.values[7 * s.dim + k] = 0;
  try {
    (void)embedding_graph(s, options(0.5));
    FAIL() << "a zero row was accepted";
  } catch (const cleave::error& e) {
    EXPECT_NE(std::string(e.what()).find("row 7"), std::string::npos) << e.what();
  }
  s.values[7 * s.dim] = NAN;
  EXPECT_THROW((void)embedding_graph(s, options(0.5)), cleave::error);
}
