/// @file test_embed_lowp.cpp
/// @brief The lower-precision GEMM path of embedding cosine without a GPU:
/// a TF32 or BF16 GEMM emulated on the CPU (inputs rounded to nearest even
/// as the hardware does, exact products, FP32 sums in two orders, one of
/// them truncating like tensor cores), then the CUDA threshold kernel under
/// the tile harness at the candidate threshold and recheck_candidates, the
/// functions embed_cuda.cu calls. Edges and weights must equal the CPU
/// backend's on real protein embeddings and on an adversarial set whose
/// pairs all lie within 1e-3 of the threshold; with the bound cut to zero
/// the same comparison must find differences.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <random>
#include <vector>

#include "cleave/embedding.hpp"
#include "cleave/error.hpp"
#include "cleave/sequence.hpp"
#include "cleave/util.hpp"
#include "common/real_data.hpp"
#include "common/sorted_edges.hpp"
#include "kernels/cosine_kernel.hpp"
#include "kernels/tile_harness.hpp"
#include "similarity/fp_computer.hpp"

using namespace cleave;
using namespace cleave::kernels;
using namespace cleave::similarity_detail;

namespace {

using cleave::test::sorted;

/// How the emulated GEMM sums the (exact) products of one dot product.
enum class Sum {
  nearest,  ///< one FP32 accumulator, k in order, rounding to nearest
  blocks,   ///< blocks of 8 products added exactly to the accumulator, then
            ///< truncated to FP32 (tensor-core style, Fasi et al. 2021)
};

float toward_zero(double x) {
  float f = static_cast<float>(x);
  if (std::fabs(static_cast<double>(f)) > std::fabs(x)) f = std::nextafter(f, 0.f);
  return f;
}

float emulated_dot(const float* a, const float* b, uint32_t dim, Sum sum) {
  if (sum == Sum::nearest) {
    float s = 0;
    for (uint32_t k = 0; k < dim; ++k) s += a[k] * b[k];  // the product is exact
    return s;
  }
  float acc = 0;
  for (uint32_t k0 = 0; k0 < dim; k0 += 8) {
    double block = acc;  // 8 products of <= 22 bits and the accumulator: exact in double
    for (uint32_t k = k0; k < std::min(dim, k0 + 8); ++k)
      block += static_cast<double>(a[k]) * static_cast<double>(b[k]);
    acc = toward_zero(block);
  }
  return acc;
}

/// Device-style output buffers on the host.
struct HostOut {
  std::vector<uint32_t> u, v;
  std::vector<float> w;
  unsigned long long count = 0;
  std::vector<unsigned long long> hist;
  HostOut(std::size_t capacity, uint32_t bins)
      : u(capacity), v(capacity), w(capacity), hist(bins) {}
  EdgeOut view() { return EdgeOut{u.data(), v.data(), w.data(), &count, u.size(), hist.data()}; }
};

struct Outcome {
  uint64_t pairs = 0, candidates = 0, edges = 0;
  uint64_t differences = 0;  ///< edges or weights unlike the CPU backend's, histogram bins
  double max_error = 0;      ///< max |emulated dot - CPU dot| over all pairs
};

/// The emulated low-precision pass with `bound`, tile by tile, against the
/// CPU backend's tiles. Counts every difference instead of stopping.
Outcome run_emulated(const EmbeddingSet& set, double threshold, GemmPrecision p, Sum sum,
                     double bound, uint64_t tile = 400) {
  const std::vector<float> unit = unit_rows(set);
  const std::vector<float> in = gemm_inputs(unit, p);
  auto cpu = make_embedding_cpu(set, threshold);
  const Histogram h0 = cpu->histogram();
  const HistSpec spec = hist_spec(h0);
  CosineFinishTables tables = make_cosine_finish(spec, threshold);
  tables.view.threshold = candidate_threshold(threshold, bound);
  const uint32_t exact_from = spec.bin(threshold) + 1;  // bins wholly above the threshold
  Outcome o;
  uint64_t index = 0;
  for (uint64_t r0 = 0; r0 < set.n; r0 += tile) {
    for (uint64_t c0 = r0; c0 < set.n; c0 += tile) {
      const Tile t{r0, std::min(set.n, r0 + tile), c0, std::min(set.n, c0 + tile), index++};
      TileResult want;
      want.histogram = h0;
      cpu->compute(t, want);
      const auto rows = static_cast<uint32_t>(t.row1 - t.row0);
      const auto cols = static_cast<uint32_t>(t.col1 - t.col0);
      std::vector<float> dots(std::size_t{rows} * cols);
      for (uint32_t r = 0; r < rows; ++r)
        for (uint32_t c = 0; c < cols; ++c) {
          const uint64_t i = t.row0 + r, j = t.col0 + c;
          const float d =
              emulated_dot(in.data() + i * set.dim, in.data() + j * set.dim, set.dim, sum);
          dots[std::size_t{r} * cols + c] = d;
          if (i < j) {
            float exact = 0;
            cosine_dots(unit.data() + i * set.dim, unit.data() + j * set.dim, 1, set.dim, &exact);
            o.max_error = std::max(o.max_error, std::fabs(static_cast<double>(d) - exact));
            ++o.pairs;
          }
        }
      HostOut out(std::size_t{rows} * cols + 1, spec.bins);
      CosineTileParams prm;
      prm.dots = dots.data();
      prm.ld = cols;
      prm.row0 = t.row0;
      prm.col0 = t.col0;
      prm.n_rows = rows;
      prm.n_cols = cols;
      prm.fin = tables.view;
      prm.out = out.view();
      const CosineThresholdBody body{prm};
      run_on_host(body, body.grid(), body.kThreads);
      std::vector<Edge> edges;
      for (std::size_t k = 0; k < out.count; ++k) edges.push_back({out.u[k], out.v[k], out.w[k]});
      std::vector<uint64_t> hist(out.hist.begin(), out.hist.end());
      o.candidates += recheck_candidates(unit.data(), set.dim, spec, threshold, edges, 0, hist);
      o.edges += want.edges.size();
      const auto got = sorted(edges), expect = sorted(want.edges);
      std::vector<std::tuple<uint32_t, uint32_t, float>> diff;
      std::set_symmetric_difference(got.begin(), got.end(), expect.begin(), expect.end(),
                                    std::back_inserter(diff));
      o.differences += diff.size();
      uint64_t total = 0, want_total = 0;
      for (uint32_t b = 0; b < spec.bins; ++b) {
        total += hist[b];
        want_total += want.histogram.counts[b];
        if (b >= exact_from && hist[b] != want.histogram.counts[b]) ++o.differences;
      }
      if (total != want_total) ++o.differences;
    }
  }
  return o;
}

EmbeddingSet from_rows(uint64_t n, uint32_t dim, std::vector<float> values, const char* name) {
  EmbeddingSet s;
  s.n = n;
  s.dim = dim;
  s.values = std::move(values);
  s.source = name;
  s.checksum = embedding_checksum(s);
  return s;
}

/// Real embeddings: dipeptide composition (400 counts) of the 1,199 FLIP
/// binding-site proteins (UniProt), a k-mer spectrum embedding.
EmbeddingSet real_embeddings() {
  const Sequences seqs =
      read_fasta(test::real_data("proteins/flip_bind_uniprot_minus_heldout.fasta"));
  const uint32_t a = 20;  // the 20 standard residues come first (kBlosum62Letters)
  std::vector<float> v(seqs.size() * a * a, 0.f);
  for (std::size_t k = 0; k < seqs.size(); ++k) {
    const uint8_t* r = seqs.data(k);
    for (uint32_t i = 0; i + 1 < seqs.length(k); ++i)
      if (r[i] < a && r[i + 1] < a) v[k * a * a + r[i] * a + r[i + 1]] += 1.f;
  }
  return from_rows(seqs.size(), a * a, std::move(v), "flip_bind dipeptides");
}

/// n - 1 rows whose pairwise cosines are all sqrt((t + e_i)(t + e_j)) with
/// |e| <= 1e-3: row i = sqrt(t + e_i) b + sqrt(1 - t - e_i) w_i with b and
/// the w_i orthonormal, then rotated by a random orthogonal matrix so that
/// every row is dense.
EmbeddingSet adversarial(uint32_t dim, double t, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> jitter(-1e-3, 1e-3);
  // Random orthogonal Q by modified Gram-Schmidt on Gaussian columns.
  std::vector<double> q(std::size_t{dim} * dim);
  for (auto& x : q) x = normal(rng);
  for (uint32_t c = 0; c < dim; ++c) {
    double* col = q.data() + std::size_t{c} * dim;
    for (uint32_t p = 0; p < c; ++p) {
      const double* prev = q.data() + std::size_t{p} * dim;
      double d = 0;
      for (uint32_t k = 0; k < dim; ++k) d += col[k] * prev[k];
      for (uint32_t k = 0; k < dim; ++k) col[k] -= d * prev[k];
    }
    double norm = 0;
    for (uint32_t k = 0; k < dim; ++k) norm += col[k] * col[k];
    for (uint32_t k = 0; k < dim; ++k) col[k] /= std::sqrt(norm);
  }
  const uint32_t n = dim - 1;
  std::vector<float> v(std::size_t{n} * dim);
  for (uint32_t i = 0; i < n; ++i) {
    const double c = t + jitter(rng);
    // row = sqrt(c) Q e_0 + sqrt(1 - c) Q e_{i+1}, scaled by a random factor.
    const double scale = 0.5 + std::fabs(normal(rng));
    for (uint32_t k = 0; k < dim; ++k)
      v[std::size_t{i} * dim + k] = static_cast<float>(
          scale * (std::sqrt(c) * q[k] + std::sqrt(1 - c) * q[std::size_t{i + 1} * dim + k]));
  }
  return from_rows(n, dim, std::move(v), "adversarial");
}

}  // namespace

TEST(EmbedLowp, RoundingIsNearestEven) {
  // Against a definition: the nearest of the two neighbours with `keep`
  // significand bits in double, ties to the even one.
  std::mt19937_64 rng(3);
  std::vector<float> xs = {0.f, -0.f, 1.f, -1.f, 1e-40f, -3e-39f, 0.999999f, 1.f / 3};
  for (int k = 0; k < 200000; ++k) {
    uint32_t b = static_cast<uint32_t>(rng());
    if (k % 3 == 0) b = (b & 0xffff0000u) | 0x8000u;  // a BF16 tie
    if (k % 3 == 1) b = (b & 0xffffe000u) | 0x1000u;  // a TF32 tie
    b &= 0xbfffffffu;  // exponents below 128: finite, far from overflow
    float x;
    std::memcpy(&x, &b, sizeof x);
    xs.push_back(x);
  }
  for (GemmPrecision p : {GemmPrecision::tf32, GemmPrecision::bf16}) {
    const int keep = p == GemmPrecision::tf32 ? 10 : 7;
    for (float x : xs) {
      const double ax = std::fabs(static_cast<double>(x));
      // Spacing of the format at |x| (subnormal floats share 2^-126's exponent).
      const int e = ax < 0x1p-126 ? -126 : std::ilogb(ax);
      const double ulp = std::ldexp(1.0, e - keep);
      const double lo = std::floor(ax / ulp) * ulp, hi = lo + ulp;
      double want = ax - lo < hi - ax ? lo : (hi - ax < ax - lo ? hi : 0);
      if (ax - lo == hi - ax) want = std::fmod(lo / ulp, 2.0) == 0 ? lo : hi;
      want = std::copysign(want, static_cast<double>(x));
      ASSERT_EQ(static_cast<double>(round_to_gemm_input(x, p)), want)
          << gemm_precision_name(p) << " " << x;
    }
  }
  EXPECT_EQ(round_to_gemm_input(0.1f, GemmPrecision::fp32), 0.1f);
}

TEST(EmbedLowp, BoundAndCandidateThreshold) {
  // The input term dominates: 2u plus the accumulation terms.
  const double tf = gemm_error_bound(GemmPrecision::tf32, 1024);
  const double bf = gemm_error_bound(GemmPrecision::bf16, 1024);
  EXPECT_GT(tf, 2 * 0x1p-11);
  EXPECT_LT(tf, 1.3e-3);
  EXPECT_GT(bf, 2 * 0x1p-8);
  EXPECT_LT(bf, 8.2e-3);
  EXPECT_LT(gemm_error_bound(GemmPrecision::tf32, 64), tf);
  // The candidate threshold is a float at or below threshold - bound.
  for (double t : {0.9, 0.5, 0.3000000001, 1.0})
    for (double b : {tf, bf, 0.0}) {
      const float c = candidate_threshold(t, b);
      EXPECT_LE(static_cast<double>(c), t - b);
      EXPECT_GT(static_cast<double>(std::nextafter(c, 2.f)), t - b);
    }
  EXPECT_EQ(candidate_threshold(0.01, 2.0), -1.f);
}

// The real set, both formats, both summation orders: edges, weights, total
// and the bins above the threshold equal the CPU backend's.
TEST(EmbedLowp, EmulatedGemmEqualsCpuOnRealEmbeddings) {
  const EmbeddingSet set = real_embeddings();
  ASSERT_EQ(set.n, 1199u);
  const double t = 0.5;
  for (GemmPrecision p : {GemmPrecision::tf32, GemmPrecision::bf16})
    for (Sum sum : {Sum::nearest, Sum::blocks}) {
      SCOPED_TRACE(fmt::format("{} sum {}", gemm_precision_name(p), static_cast<int>(sum)));
      const double bound = gemm_error_bound(p, set.dim);
      const Outcome o = run_emulated(set, t, p, sum, bound);
      EXPECT_EQ(o.differences, 0u);
      EXPECT_LE(o.max_error, bound);
      EXPECT_GT(o.edges, 10000u);
      EXPECT_EQ(o.pairs, set.n * (set.n - 1) / 2);
      std::printf(
          "%s sum %d: bound %.3e, max error %.3e, %llu pairs, %llu edges, %llu candidates "
          "(%.3f%% of pairs, %.3f per edge)\n",
          gemm_precision_name(p), static_cast<int>(sum), bound, o.max_error,
          static_cast<unsigned long long>(o.pairs), static_cast<unsigned long long>(o.edges),
          static_cast<unsigned long long>(o.candidates), 100.0 * o.candidates / o.pairs,
          static_cast<double>(o.candidates) / o.edges);
    }
}

TEST(EmbedLowp, EmulatedGemmEqualsCpuNearTheThreshold) {
  const EmbeddingSet set = adversarial(256, 0.8, 9);
  for (GemmPrecision p : {GemmPrecision::tf32, GemmPrecision::bf16})
    for (Sum sum : {Sum::nearest, Sum::blocks}) {
      SCOPED_TRACE(fmt::format("{} sum {}", gemm_precision_name(p), static_cast<int>(sum)));
      const Outcome o = run_emulated(set, 0.8, p, sum, gemm_error_bound(p, set.dim), 128);
      EXPECT_EQ(o.differences, 0u);
      // Edges on both sides of the threshold: about half the pairs.
      EXPECT_GT(o.edges, o.pairs / 4);
      EXPECT_LT(o.edges, o.pairs * 3 / 4);
      EXPECT_GT(o.candidates, o.edges);
    }
}

// The comparisons above have teeth: with the bound cut to 0 (adversarial
// set: hundreds of differences) or to a tenth (real set) the
// emulated GEMM loses edges or weights near the threshold.
TEST(EmbedLowp, TooSmallBoundIsCaught) {
  const EmbeddingSet adv = adversarial(256, 0.8, 9);
  for (GemmPrecision p : {GemmPrecision::tf32, GemmPrecision::bf16}) {
    SCOPED_TRACE(gemm_precision_name(p));
    EXPECT_GT(run_emulated(adv, 0.8, p, Sum::blocks, 0.0, 128).differences, 100u);
  }
  // On the real set a tenth of the bound already loses edges (measured: 4
  // TF32, 47 BF16; a quarter of it 0 and 1).
  const EmbeddingSet real = real_embeddings();
  for (GemmPrecision p : {GemmPrecision::tf32, GemmPrecision::bf16}) {
    SCOPED_TRACE(gemm_precision_name(p));
    EXPECT_GT(
        run_emulated(real, 0.5, p, Sum::nearest, gemm_error_bound(p, real.dim) / 10).differences,
        0u);
  }
}

// The cpu backend accepts the option and computes in fp32: the same graph.
TEST(EmbedLowp, CpuBackendComputesInFp32) {
  const EmbeddingSet set = adversarial(64, 0.8, 2);
  SimilarityOptions o;
  o.measure = Measure::cosine;
  o.threshold = 0.8;
  o.backend = Backend::cpu;
  o.progress = false;
  const Graph a = embedding_graph(set, o);
  o.gemm_precision = GemmPrecision::bf16;
  const Graph b = embedding_graph(set, o);
  ASSERT_GT(a.num_edges(), 0u);
  EXPECT_TRUE(std::ranges::equal(a.columns(), b.columns()));
  EXPECT_TRUE(std::ranges::equal(a.weights(), b.weights()));
  EXPECT_EQ(a.meta().histogram.counts, b.meta().histogram.counts);
  EXPECT_EQ(gemm_precision_from_name("tf32"), GemmPrecision::tf32);
  EXPECT_THROW((void)gemm_precision_from_name("fp16"), cleave::error);
}
