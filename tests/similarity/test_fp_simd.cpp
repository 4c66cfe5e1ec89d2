/// @file test_fp_simd.cpp
/// @brief The CPU fingerprint popcount paths (scalar POPCNT, AVX2, AVX-512
/// VPOPCNTDQ where the CPU has it) against a bit-by-bit loop and against each
/// other through fingerprint_graph, on lengths of 64 to 4096 bits including
/// partial last words and word counts that leave SIMD tails.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/similarity.hpp"
#include "similarity/fp_popcount.hpp"

using namespace cleave;
using namespace cleave::similarity_detail;

namespace {

/// n random fingerprints of n_bits bits (bits past n_bits zero), densities
/// varying by row, some empty and some full.
Fingerprints random_fps(std::size_t n, uint32_t n_bits, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Fingerprints f;
  f.n_bits = n_bits;
  f.words_per_fp = (n_bits + 63) / 64;
  f.words.assign(n * f.words_per_fp, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const uint32_t density = i % 11 == 3 ? 0 : (i % 13 == 5 ? 100 : 2 + rng() % 40);
    for (uint32_t b = 0; b < n_bits; ++b)
      if (rng() % 100 < density) f.words[i * f.words_per_fp + b / 64] |= uint64_t{1} << (b % 64);
  }
  return f;
}

uint32_t brute_common(const Fingerprints& f, std::size_t i, std::size_t j) {
  uint32_t c = 0;
  for (uint32_t k = 0; k < f.n_bits; ++k)
    c += ((f.row(i)[k / 64] >> (k % 64)) & 1) && ((f.row(j)[k / 64] >> (k % 64)) & 1);
  return c;
}

std::vector<SimdPath> supported_paths() {
  std::vector<SimdPath> out;
  for (SimdPath p : {SimdPath::scalar, SimdPath::avx2, SimdPath::avx512})
    if (simd_path_supported(p)) out.push_back(p);
  return out;
}

/// Sets CLEAVE_SIMD for the scope.
class SimdEnv {
 public:
  explicit SimdEnv(const char* value) { ::setenv("CLEAVE_SIMD", value, 1); }
  ~SimdEnv() { ::unsetenv("CLEAVE_SIMD"); }
  SimdEnv(const SimdEnv&) = delete;
  SimdEnv& operator=(const SimdEnv&) = delete;
};

const std::vector<uint32_t> kLengths = {64,  100,  128,  192,  200,  256,  320,  511,  512,
                                        576, 1000, 1024, 1088, 2000, 2048, 2049, 4000, 4096};

}  // namespace

TEST(FpSimd, EveryPathCountsLikeABitLoop) {
  const auto paths = supported_paths();
  ASSERT_GE(paths.size(), 1u);
  for (uint32_t bits : kLengths) {
    const auto f = random_fps(40, bits, bits);
    for (SimdPath p : paths) {
      SCOPED_TRACE(std::string(simd_path_name(p)) + " " + std::to_string(bits) + " bits");
      const AndPopcountFn fn = and_popcount_kernel(p);
      for (std::size_t i = 0; i < f.size(); ++i) {
        std::vector<uint32_t> got(f.size() - i, 0xdeadbeef);
        fn(f.row(i), f.row(i), static_cast<uint32_t>(got.size()), f.words_per_fp, got.data());
        for (std::size_t k = 0; k < got.size(); ++k)
          ASSERT_EQ(got[k], brute_common(f, i, i + k)) << "pair " << i << "," << i + k;
      }
      for (std::size_t i = 0; i < f.size(); ++i) {
        uint32_t want = 0;
        for (uint32_t k = 0; k < bits; ++k) want += (f.row(i)[k / 64] >> (k % 64)) & 1;
        ASSERT_EQ(popcount_row(f.row(i), f.words_per_fp), want);
      }
    }
  }
}

TEST(FpSimd, GraphsAreBitIdenticalOnEveryPath) {
  const auto paths = supported_paths();
  for (uint32_t bits : {64u, 200u, 512u, 1000u, 1024u, 2048u, 4096u}) {
    const auto f = random_fps(300, bits, 1000 + bits);
    for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine}) {
      SimilarityOptions o;
      o.measure = m;
      o.threshold = 0.2;
      o.progress = false;
      o.backend = Backend::cpu;
      o.tile = 64;  // several tiles, the last one partial
      std::vector<Graph> graphs;
      for (SimdPath p : paths) {
        const SimdEnv env(simd_path_name(p));
        graphs.push_back(fingerprint_graph(f, o));
      }
      // The bit loop decides each pair on its own.
      uint64_t want_edges = 0;
      for (std::size_t i = 0; i < f.size(); ++i)
        for (std::size_t j = i + 1; j < f.size(); ++j)
          want_edges += fingerprint_similarity(m, f.row(i), f.row(j), f.words_per_fp) >= 0.2;
      ASSERT_GT(want_edges, 0u);
      for (std::size_t k = 0; k < graphs.size(); ++k) {
        SCOPED_TRACE(std::string(simd_path_name(paths[k])) + " " + measure_name(m) + " " +
                     std::to_string(bits));
        const Graph& g = graphs[k];
        EXPECT_EQ(g.num_edges(), want_edges);
        EXPECT_TRUE(std::ranges::equal(g.offsets(), graphs[0].offsets()));
        EXPECT_TRUE(std::ranges::equal(g.columns(), graphs[0].columns()));
        EXPECT_TRUE(std::ranges::equal(g.weights(), graphs[0].weights()));
        EXPECT_EQ(g.meta().histogram.counts, graphs[0].meta().histogram.counts);
        // Every fifth edge's weight against the bit loop.
        for (uint32_t u = 0; u < g.num_nodes(); ++u)
          for (uint64_t e = g.offsets()[u] + u % 5; e < g.offsets()[u + 1]; e += 5) {
            const uint32_t v = g.columns()[e];
            const uint32_t c = brute_common(f, u, v);
            const uint32_t a = brute_common(f, u, u), b = brute_common(f, v, v);
            const double s =
                m == Measure::tanimoto ? (a + b - c == 0 ? 1.0 : double(c) / (a + b - c))
                : m == Measure::dice   ? (a + b == 0 ? 0.0 : 2.0 * c / (a + b))
                                       : (a * b == 0 ? 0.0 : c / std::sqrt(double(a) * b));
            ASSERT_EQ(g.weights()[e], static_cast<float>(s));
          }
      }
    }
  }
}

namespace {

/// The finishing pass as plainly as it can be said: the functor, the
/// histogram's bin, the threshold.
uint32_t reference_finish(const FinishSpec& f, uint32_t pa, const std::vector<uint32_t>& pb,
                          const std::vector<uint32_t>& common, std::vector<uint64_t>& hist,
                          std::vector<uint32_t>& hit_k, std::vector<double>& hit_s) {
  return kernels::with_bit_measure(f.measure, [&](auto op) {
    uint32_t m = 0;
    for (uint32_t k = 0; k < pb.size(); ++k) {
      const double s = decltype(op)::finish(pa, pb[k], common[k]);
      ++hist[f.hist.bin(s)];
      if (s >= f.threshold) {
        hit_k[m] = k;
        hit_s[m++] = s;
      }
    }
    return m;
  });
}

}  // namespace

// The dispatched finishing passes (the AVX2 one counts Tanimoto and Dice pairs
// in a (key, common) table and picks hit candidates with a float margin)
// against the plain loop: rows with empty fingerprints (0/0), ratios exactly
// at the threshold, keys and counts past the table, lengths that are not a
// multiple of 8, a histogram over [0, 1] and one over another range.
TEST(FpSimd, FinishPassesMatchThePlainLoop) {
  std::mt19937_64 rng(99);
  for (SimdPath p : supported_paths()) {
    const FinishFn fn = finish_kernel(p);
    for (auto measure :
         {kernels::BitMeasure::tanimoto, kernels::BitMeasure::dice, kernels::BitMeasure::cosine})
      for (double threshold : {0.0, 0.4, 0.5, 0.55, 1.0})
        for (auto range : {std::pair{0.0, 1.0}, std::pair{0.2, 0.9}}) {
          SCOPED_TRACE(std::string(simd_path_name(p)) + " measure " +
                       std::to_string(static_cast<int>(measure)) + " t " +
                       std::to_string(threshold) + " lo " + std::to_string(range.first));
          FinishSpec spec{measure, threshold, kernels::HistSpec{range.first, range.second, 100}};
          FinishScratch scratch(spec);
          std::vector<uint64_t> want_hist(100, 0);
          for (uint32_t row = 0; row < 60; ++row) {
            // Small popcounts (the table), large ones (past it), and zeros.
            const uint32_t cap = row % 3 == 0 ? 600 : (row % 3 == 1 ? 150 : 12);
            const uint32_t pa = row % 7 == 0 ? 0 : static_cast<uint32_t>(rng() % cap);
            const uint32_t n = 1 + static_cast<uint32_t>(rng() % 77);
            std::vector<uint32_t> pb(n), common(n);
            for (uint32_t k = 0; k < n; ++k) {
              pb[k] = k % 11 == 0 ? 0 : static_cast<uint32_t>(rng() % cap);
              const uint32_t most = std::min(pa, pb[k]);
              // Small counts make exact ratios such as 1/2 and 2/5 common.
              common[k] = most ? static_cast<uint32_t>(rng() % (most + 1)) : 0;
              if (k % 9 == 4) pb[k] = pa, common[k] = pa;  // identical: similarity 1
            }
            std::vector<uint32_t> want_k(n), got_k(n);
            std::vector<double> want_s(n), got_s(n);
            const uint32_t want = reference_finish(spec, pa, pb, common, want_hist, want_k, want_s);
            const uint32_t got =
                fn(spec, pa, pb.data(), common.data(), n, scratch, got_k.data(), got_s.data());
            ASSERT_EQ(got, want) << "row " << row;
            for (uint32_t h = 0; h < got; ++h) {
              ASSERT_EQ(got_k[h], want_k[h]) << "row " << row;
              ASSERT_EQ(got_s[h], want_s[h]) << "row " << row;
            }
          }
          scratch.flush(spec);
          EXPECT_EQ(scratch.hist, want_hist);
        }
  }
}

// A full table is flushed before its 32-bit counts could wrap.
TEST(FpSimd, FinishTableFlushesBeforeItsCountsWrap) {
  for (SimdPath p : supported_paths()) {
    // |a| = |b| = 10, |a & b| = 5: Tanimoto 5 / 15, a hit at threshold 0.3.
    const FinishSpec spec{kernels::BitMeasure::tanimoto, 0.3, kernels::HistSpec{}};
    FinishScratch scratch(spec);
    const std::vector<uint32_t> pb(64, 10), common(64, 5);
    std::vector<uint32_t> hit_k(64);
    std::vector<double> hit_s(64);
    const FinishFn fn = finish_kernel(p);
    const auto hist_total = [&] {
      uint64_t t = 0;
      for (uint64_t c : scratch.hist) t += c;
      return t;
    };
    for (uint64_t round = 0; round < 3; ++round) {
      // Pretend the table is nearly full: the call must first move the
      // earlier rounds' pairs out of it into the histogram.
      if (!scratch.table.empty()) scratch.in_table = UINT32_MAX - 10;
      EXPECT_EQ(fn(spec, 10, pb.data(), common.data(), 64, scratch, hit_k.data(), hit_s.data()),
                64u);
      EXPECT_GE(hist_total(), 64 * round) << simd_path_name(p) << " round " << round;
    }
    scratch.flush(spec);
    EXPECT_EQ(scratch.hist[kernels::HistSpec{}.bin(5.0 / 15.0)], 3u * 64);
    EXPECT_EQ(hist_total(), 3u * 64);
  }
}

TEST(FpSimd, ForcingAPathIsChecked) {
  {
    const SimdEnv env("scalar");
    EXPECT_EQ(simd_path_selected(), SimdPath::scalar);
  }
  {
    const SimdEnv env("sse9");
    EXPECT_THROW((void)simd_path_selected(), cleave::error);
  }
  if (!simd_path_supported(SimdPath::avx512)) {
    const SimdEnv env("avx512");
    EXPECT_THROW((void)simd_path_selected(), cleave::error);
  }
  // Unforced: the widest path this CPU has.
  const SimdPath best = simd_path_selected();
  EXPECT_TRUE(simd_path_supported(best));
  if (simd_path_supported(SimdPath::avx2)) EXPECT_NE(best, SimdPath::scalar);
}
