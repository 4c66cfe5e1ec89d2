/// @file test_fp_gpu.cpp
/// @brief The cuda backend of fingerprint and embedding graphs against cpu
/// (label `gpu`: skips when this build has no CUDA or no device is usable).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>

#include "cleave/embedding.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"

using namespace cleave;

namespace {

Fingerprints random_fps(std::size_t n, uint32_t n_bits, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Fingerprints f;
  f.n_bits = n_bits;
  f.words_per_fp = (n_bits + 63) / 64;
  f.words.assign(n * f.words_per_fp, 0);
  std::vector<uint64_t> core(f.words_per_fp);
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 6 == 0)
      for (auto& w : core) w = rng() & rng();
    for (uint32_t w = 0; w < f.words_per_fp; ++w) {
      uint64_t x = (core[w] & (rng() | rng())) | (rng() & rng() & rng() & rng());
      if (w + 1 == f.words_per_fp && n_bits % 64) x &= (uint64_t{1} << (n_bits % 64)) - 1;
      f.words[i * f.words_per_fp + w] = x;
    }
  }
  return f;
}

SimilarityOptions options(Measure m, double t, Backend b, uint64_t tile) {
  SimilarityOptions o;
  o.measure = m;
  o.threshold = t;
  o.backend = b;
  o.tile = tile;
  o.progress = false;
  return o;
}

}  // namespace

TEST(GpuFingerprint, CudaMatchesCpuExactly) {
  if (!cuda_available()) GTEST_SKIP() << cuda_problem();
  for (uint32_t bits : {200u, 2048u}) {
    const auto f = random_fps(3001, bits, bits);
    for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine}) {
      for (uint64_t tile : {0ull, 700ull}) {
        SCOPED_TRACE(fmt::format("{} {} bits tile {}", measure_name(m), bits, tile));
        const Graph c = fingerprint_graph(f, options(m, 0.3, Backend::cpu, tile));
        const Graph g = fingerprint_graph(f, options(m, 0.3, Backend::cuda, tile));
        ASSERT_GT(c.num_edges(), 0u);
        EXPECT_TRUE(std::ranges::equal(c.offsets(), g.offsets()));
        EXPECT_TRUE(std::ranges::equal(c.columns(), g.columns()));
        EXPECT_TRUE(std::ranges::equal(c.weights(), g.weights()));
        EXPECT_EQ(c.meta().histogram.counts, g.meta().histogram.counts);
        EXPECT_EQ(c.meta().input_checksum, g.meta().input_checksum);
      }
    }
  }
}

// Short fingerprints make many pairs land exactly on thresholds such as 0.5
// or round onto them (1/10 onto 0.1): the kernel's integer tables and the
// cosine cold path must decide them as the CPU's doubles do.
TEST(GpuFingerprint, TiesAtTheThresholdMatchCpu) {
  if (!cuda_available()) GTEST_SKIP() << cuda_problem();
  const auto f = random_fps(1500, 64, 9);
  for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine})
    for (double t : {0.1, 0.5, 0.7, 1.0 / 3.0}) {
      SCOPED_TRACE(fmt::format("{} threshold {}", measure_name(m), t));
      const Graph c = fingerprint_graph(f, options(m, t, Backend::cpu, 0));
      const Graph g = fingerprint_graph(f, options(m, t, Backend::cuda, 0));
      EXPECT_TRUE(std::ranges::equal(c.offsets(), g.offsets()));
      EXPECT_TRUE(std::ranges::equal(c.columns(), g.columns()));
      EXPECT_TRUE(std::ranges::equal(c.weights(), g.weights()));
      EXPECT_EQ(c.meta().histogram.counts, g.meta().histogram.counts);
    }
}

// The cuda computers keep two tiles in flight, each on its own streams and
// pinned buffers: the graph must not depend on how many ran at once.
TEST(GpuFingerprint, TwoTilesInFlightMatchOneAndCpu) {
  if (!cuda_available()) GTEST_SKIP() << cuda_problem();
  const int threads = num_threads();
  const auto f = random_fps(2600, 1024, 21);
  const Graph c = fingerprint_graph(f, options(Measure::tanimoto, 0.35, Backend::cpu, 320));
  for (int th : {1, 4}) {
    SCOPED_TRACE(fmt::format("{} threads", th));
    set_num_threads(th);
    const Graph g = fingerprint_graph(f, options(Measure::tanimoto, 0.35, Backend::cuda, 320));
    ASSERT_GT(c.num_edges(), 0u);
    EXPECT_TRUE(std::ranges::equal(c.offsets(), g.offsets()));
    EXPECT_TRUE(std::ranges::equal(c.columns(), g.columns()));
    EXPECT_TRUE(std::ranges::equal(c.weights(), g.weights()));
    EXPECT_EQ(c.meta().histogram.counts, g.meta().histogram.counts);
  }
  // Embeddings: the cuda graph is the same on one or two tiles in flight.
  std::mt19937_64 rng(5);
  std::normal_distribution<float> normal;
  EmbeddingSet s;
  s.n = 1500;
  s.dim = 64;
  s.values.resize(s.n * s.dim);
  for (auto& v : s.values) v = normal(rng);
  set_num_threads(1);
  const Graph one = embedding_graph(s, options(Measure::cosine, 0.2, Backend::cuda, 256));
  set_num_threads(4);
  const Graph two = embedding_graph(s, options(Measure::cosine, 0.2, Backend::cuda, 256));
  set_num_threads(threads);
  ASSERT_GT(one.num_edges(), 0u);
  EXPECT_TRUE(std::ranges::equal(one.offsets(), two.offsets()));
  EXPECT_TRUE(std::ranges::equal(one.columns(), two.columns()));
  EXPECT_TRUE(std::ranges::equal(one.weights(), two.weights()));
  EXPECT_EQ(one.meta().histogram.counts, two.meta().histogram.counts);
}

TEST(GpuFingerprint, ManyEdgesOverflowAndRetry) {
  if (!cuda_available()) GTEST_SKIP() << cuda_problem();
  // A low threshold makes most pairs edges: more than the first guess of
  // the output buffer, so the retry path runs.
  const auto f = random_fps(2500, 512, 3);
  const Graph c = fingerprint_graph(f, options(Measure::tanimoto, 0.01, Backend::cpu, 0));
  const Graph g = fingerprint_graph(f, options(Measure::tanimoto, 0.01, Backend::cuda, 0));
  EXPECT_GT(c.num_edges(), 1000000u);
  EXPECT_TRUE(std::ranges::equal(c.columns(), g.columns()));
  EXPECT_TRUE(std::ranges::equal(c.weights(), g.weights()));
  EXPECT_EQ(c.meta().histogram.counts, g.meta().histogram.counts);
}

TEST(GpuEmbedding, CudaMatchesCpuWithinTolerance) {
  if (!cuda_available()) GTEST_SKIP() << cuda_problem();
  std::mt19937_64 rng(4);
  std::normal_distribution<float> normal;
  EmbeddingSet s;
  s.n = 2100;
  s.dim = 129;
  s.values.resize(s.n * s.dim);
  std::vector<float> centre(s.dim);
  for (uint64_t i = 0; i < s.n; ++i) {
    if (i % 8 == 0)
      for (auto& c : centre) c = normal(rng);
    for (uint32_t k = 0; k < s.dim; ++k) s.values[i * s.dim + k] = centre[k] + 0.6f * normal(rng);
  }
  const double t = 0.5;
  const Graph c = embedding_graph(s, options(Measure::cosine, t, Backend::cpu, 0));
  const Graph g = embedding_graph(s, options(Measure::cosine, t, Backend::cuda, 0));
  ASSERT_GT(c.num_edges(), 1000u);
  // Summation orders differ: the same edges except pairs within 1e-5 of the
  // threshold, and weights within 1e-5.
  uint64_t differ = 0;
  for (uint32_t u = 0; u < s.n; ++u) {
    auto cu = c.columns().subspan(c.offsets()[u], c.degree(u));
    auto gu = g.columns().subspan(g.offsets()[u], g.degree(u));
    std::size_t a = 0, b = 0;
    while (a < cu.size() || b < gu.size()) {
      if (a < cu.size() && b < gu.size() && cu[a] == gu[b]) {
        EXPECT_NEAR(c.weights()[c.offsets()[u] + a], g.weights()[g.offsets()[u] + b], 1e-5);
        ++a, ++b;
      } else if (b == gu.size() || (a < cu.size() && cu[a] < gu[b])) {
        EXPECT_NEAR(c.weights()[c.offsets()[u] + a], t, 1e-5);
        ++a, ++differ;
      } else {
        EXPECT_NEAR(g.weights()[g.offsets()[u] + b], t, 1e-5);
        ++b, ++differ;
      }
    }
  }
  EXPECT_LE(differ, 10u);
  EXPECT_EQ(c.meta().histogram.total(), g.meta().histogram.total());
}

// TF32 and BF16 GEMMs on tensor cores, candidates re-checked on the host:
// the edges and weights are the CPU backend's exactly (unlike the fp32
// cuBLAS path above), as are the total and every bin above the threshold.
TEST(GpuEmbedding, LowPrecisionGemmMatchesCpuExactly) {
  if (!cuda_available()) GTEST_SKIP() << cuda_problem();
  std::mt19937_64 rng(6);
  std::normal_distribution<float> normal;
  EmbeddingSet s;
  s.n = 3000;
  s.dim = 384;
  s.values.resize(s.n * s.dim);
  std::vector<float> centre(s.dim);
  for (uint64_t i = 0; i < s.n; ++i) {
    if (i % 10 == 0)
      for (auto& c : centre) c = normal(rng);
    for (uint32_t k = 0; k < s.dim; ++k) s.values[i * s.dim + k] = centre[k] + 0.7f * normal(rng);
  }
  const double t = 0.6;
  const Graph c = embedding_graph(s, options(Measure::cosine, t, Backend::cpu, 0));
  ASSERT_GT(c.num_edges(), 1000u);
  const Histogram& hc = c.meta().histogram;
  const uint32_t bins = static_cast<uint32_t>(hc.counts.size());
  const auto above = static_cast<uint32_t>((t - hc.lo) / (hc.hi - hc.lo) * bins) + 1;
  for (GemmPrecision p : {GemmPrecision::tf32, GemmPrecision::bf16}) {
    for (uint64_t tile : {0ull, 700ull}) {
      SCOPED_TRACE(fmt::format("{} tile {}", gemm_precision_name(p), tile));
      SimilarityOptions o = options(Measure::cosine, t, Backend::cuda, tile);
      o.gemm_precision = p;
      const Graph g = embedding_graph(s, o);
      EXPECT_TRUE(std::ranges::equal(c.offsets(), g.offsets()));
      EXPECT_TRUE(std::ranges::equal(c.columns(), g.columns()));
      EXPECT_TRUE(std::ranges::equal(c.weights(), g.weights()));
      const Histogram& hg = g.meta().histogram;
      EXPECT_EQ(hc.total(), hg.total());
      for (uint32_t b = above; b < bins; ++b) EXPECT_EQ(hc.counts[b], hg.counts[b]) << "bin " << b;
    }
  }
}
