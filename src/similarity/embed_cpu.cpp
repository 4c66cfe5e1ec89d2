/// @file embed_cpu.cpp
/// @brief The CPU embedding-cosine PairComputer: rows normalised once (norm
/// in double), then each tile in cache blocks of dot products. Every dot
/// product sums element k into lane k % 8 with fused multiply-adds and adds
/// the lanes pairwise, on the AVX2+FMA path and on the portable path alike,
/// so results are the same on any CPU and thread count.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "kernels/cosine_ops.hpp"
#include "similarity/bin_hits_avx2.hpp"
#include "similarity/fp_computer.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace cleave::similarity_detail {

namespace {

using kernels::EmbeddingCosineOp;
using kernels::kCosineLanes;

float reduce_lanes(const float* l) {
  const float s0 = l[0] + l[4], s1 = l[1] + l[5], s2 = l[2] + l[6], s3 = l[3] + l[7];
  return (s0 + s2) + (s1 + s3);
}

/// out[j] = a . bs[j] for j < n (rows of `dim` floats, `stride` apart).
void dots_portable(const float* a, const float* bs, uint32_t n, uint32_t dim, uint64_t stride,
                   float* out) {
  for (uint32_t j = 0; j < n; ++j) {
    const float* b = bs + j * stride;
    float lanes[kCosineLanes] = {};
    for (uint32_t k = 0; k < dim; ++k)
      EmbeddingCosineOp::accumulate(lanes[k % kCosineLanes], a[k], b[k]);
    out[j] = reduce_lanes(lanes);
  }
}

#if defined(__x86_64__)
/// Lane sums of acc, the tail elements from `full` on, and the reduction.
__attribute__((target("avx2,fma"))) float finish_avx2(const float* a, uint32_t dim, uint32_t full,
                                                      __m256 acc, const float* b) {
  alignas(32) float lanes[kCosineLanes];
  _mm256_store_ps(lanes, acc);
  for (uint32_t k = full; k < dim; ++k)
    EmbeddingCosineOp::accumulate(lanes[k % kCosineLanes], a[k], b[k]);
  return reduce_lanes(lanes);
}

__attribute__((target("avx2,fma"))) void dots_avx2(const float* a, const float* bs, uint32_t n,
                                                   uint32_t dim, uint64_t stride, float* out) {
  const uint32_t full = dim / kCosineLanes * kCosineLanes;
  uint32_t j = 0;
  // Four targets at a time share each load of a.
  for (; j + 4 <= n; j += 4) {
    const float* b0 = bs + j * stride;
    const float* b1 = b0 + stride;
    const float* b2 = b1 + stride;
    const float* b3 = b2 + stride;
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
    for (uint32_t k = 0; k < full; k += kCosineLanes) {
      const __m256 x = _mm256_loadu_ps(a + k);
      c0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b0 + k), c0);
      c1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b1 + k), c1);
      c2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b2 + k), c2);
      c3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b3 + k), c3);
    }
    out[j] = finish_avx2(a, dim, full, c0, b0);
    out[j + 1] = finish_avx2(a, dim, full, c1, b1);
    out[j + 2] = finish_avx2(a, dim, full, c2, b2);
    out[j + 3] = finish_avx2(a, dim, full, c3, b3);
  }
  for (; j < n; ++j) {
    const float* b = bs + j * stride;
    __m256 c = _mm256_setzero_ps();
    for (uint32_t k = 0; k < full; k += kCosineLanes)
      c = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), c);
    out[j] = finish_avx2(a, dim, full, c, b);
  }
}

/// reduce_lanes of four accumulators at once, the same additions in the same
/// order: halves added (lane l + lane l + 4), a 4 x 4 transpose, then
/// (s0 + s2) + (s1 + s3) for each.
__attribute__((target("avx2,fma"))) inline void reduce4_avx2(const __m256 acc[4], float* out) {
  __m128 h[4];
  for (int t = 0; t < 4; ++t)
    h[t] = _mm_add_ps(_mm256_castps256_ps128(acc[t]), _mm256_extractf128_ps(acc[t], 1));
  // Transpose: s[l] holds sum l of each accumulator.
  const __m128 t0 = _mm_unpacklo_ps(h[0], h[1]), t1 = _mm_unpackhi_ps(h[0], h[1]);
  const __m128 t2 = _mm_unpacklo_ps(h[2], h[3]), t3 = _mm_unpackhi_ps(h[2], h[3]);
  const __m128 s0 = _mm_movelh_ps(t0, t2), s1 = _mm_movehl_ps(t2, t0);
  const __m128 s2 = _mm_movelh_ps(t1, t3), s3 = _mm_movehl_ps(t3, t1);
  _mm_storeu_ps(out, _mm_add_ps(_mm_add_ps(s0, s2), _mm_add_ps(s1, s3)));
}

/// Three query rows against four targets per step: twelve independent
/// accumulators hide the FMA latency and each target load serves three
/// rows. Each pair's arithmetic is dots_avx2's (lane k % 8, FMA in k order,
/// the same reduction), so the results are bit-identical.
__attribute__((target("avx2,fma"))) void dots3_avx2(const float* a0, const float* a1,
                                                    const float* a2, const float* bs, uint32_t n,
                                                    uint32_t dim, uint64_t stride, float* out0,
                                                    float* out1, float* out2) {
  const uint32_t full = dim / kCosineLanes * kCosineLanes;
  uint32_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* b[4] = {bs + j * stride, bs + (j + 1) * stride, bs + (j + 2) * stride,
                         bs + (j + 3) * stride};
    __m256 c[3][4];
    for (auto& row : c)
      for (auto& v : row) v = _mm256_setzero_ps();
    for (uint32_t k = 0; k < full; k += kCosineLanes) {
      const __m256 x0 = _mm256_loadu_ps(a0 + k), x1 = _mm256_loadu_ps(a1 + k),
                   x2 = _mm256_loadu_ps(a2 + k);
      for (uint32_t t = 0; t < 4; ++t) {
        const __m256 y = _mm256_loadu_ps(b[t] + k);
        c[0][t] = _mm256_fmadd_ps(x0, y, c[0][t]);
        c[1][t] = _mm256_fmadd_ps(x1, y, c[1][t]);
        c[2][t] = _mm256_fmadd_ps(x2, y, c[2][t]);
      }
    }
    if (full == dim) {
      reduce4_avx2(c[0], out0 + j);
      reduce4_avx2(c[1], out1 + j);
      reduce4_avx2(c[2], out2 + j);
    } else {
      for (uint32_t t = 0; t < 4; ++t) {
        out0[j + t] = finish_avx2(a0, dim, full, c[0][t], b[t]);
        out1[j + t] = finish_avx2(a1, dim, full, c[1][t], b[t]);
        out2[j + t] = finish_avx2(a2, dim, full, c[2][t], b[t]);
      }
    }
  }
  if (j < n) {
    dots_avx2(a0, bs + j * stride, n - j, dim, stride, out0 + j);
    dots_avx2(a1, bs + j * stride, n - j, dim, stride, out1 + j);
    dots_avx2(a2, bs + j * stride, n - j, dim, stride, out2 + j);
  }
}
#endif

/// The finishing pass of one row: s = EmbeddingCosineOp::finish(dots[k]),
/// counted in hist (spec's bins); hits (s >= threshold) to hit_k / hit_s in
/// order. Returns the number of hits.
using CosineFinishFn = uint32_t (*)(const float* dots, uint32_t n, const kernels::HistSpec& spec,
                                    double threshold, uint64_t* hist, uint32_t* hit_k,
                                    double* hit_s);

uint32_t cosine_finish_portable(const float* dots, uint32_t n, const kernels::HistSpec& spec,
                                double threshold, uint64_t* hist, uint32_t* hit_k, double* hit_s) {
  uint32_t m = 0;
  for (uint32_t k = 0; k < n; ++k) {
    const double s = EmbeddingCosineOp::finish(dots[k]);
    ++hist[spec.bin(s)];
    if (s >= threshold) {
      hit_k[m] = k;
      hit_s[m++] = s;
    }
  }
  return m;
}

#if defined(__x86_64__)
/// cosine_finish_portable four at a time: the float to double conversion and
/// the clamp to [-1, 1] are exact, and bin_hits4 is HistSpec::bin to the bit.
__attribute__((target("avx2"))) uint32_t cosine_finish_avx2(const float* dots, uint32_t n,
                                                            const kernels::HistSpec& spec,
                                                            double threshold, uint64_t* hist,
                                                            uint32_t* hit_k, double* hit_s) {
  const BinHits4 bh = make_bin_hits4(spec, threshold);
  const __m256d one = _mm256_set1_pd(1.0), minus_one = _mm256_set1_pd(-1.0);
  uint32_t k = 0, m = 0;
  for (; k + 4 <= n; k += 4) {
    const __m256d d = _mm256_cvtps_pd(_mm_loadu_ps(dots + k));
    __m256d s = _mm256_blendv_pd(d, one, _mm256_cmp_pd(d, one, _CMP_GT_OQ));
    s = _mm256_blendv_pd(s, minus_one, _mm256_cmp_pd(s, minus_one, _CMP_LT_OQ));
    m = bin_hits4(bh, s, k, hist, hit_k, hit_s, m);
  }
  if (k < n) {
    const uint32_t tail =
        cosine_finish_portable(dots + k, n - k, spec, threshold, hist, hit_k + m, hit_s + m);
    for (uint32_t h = m; h < m + tail; ++h) hit_k[h] += k;
    m += tail;
  }
  return m;
}
#endif

using DotsFn = void (*)(const float*, const float*, uint32_t, uint32_t, uint64_t, float*);
using Dots3Fn = void (*)(const float*, const float*, const float*, const float*, uint32_t, uint32_t,
                         uint64_t, float*, float*, float*);

void dots3_portable(const float* a0, const float* a1, const float* a2, const float* bs, uint32_t n,
                    uint32_t dim, uint64_t stride, float* out0, float* out1, float* out2) {
  dots_portable(a0, bs, n, dim, stride, out0);
  dots_portable(a1, bs, n, dim, stride, out1);
  dots_portable(a2, bs, n, dim, stride, out2);
}

bool use_avx2(SimdPath path) {
#if defined(__x86_64__)
  return path != SimdPath::scalar && __builtin_cpu_supports("avx2") &&
         __builtin_cpu_supports("fma");
#else
  (void)path;
  return false;
#endif
}

DotsFn dots_kernel(SimdPath path) {
#if defined(__x86_64__)
  if (use_avx2(path)) return &dots_avx2;
#endif
  return &dots_portable;
}

CosineFinishFn cosine_finish_kernel(SimdPath path) {
#if defined(__x86_64__)
  if (use_avx2(path)) return &cosine_finish_avx2;
#endif
  return &cosine_finish_portable;
}

Dots3Fn dots3_kernel(SimdPath path) {
#if defined(__x86_64__)
  if (use_avx2(path)) return &dots3_avx2;
#endif
  return &dots3_portable;
}

class EmbeddingCpu final : public PairComputer {
 public:
  EmbeddingCpu(const EmbeddingSet& set, double threshold)
      : n_(set.n),
        dim_(set.dim),
        threshold_(threshold),
        dots_(dots_kernel(simd_path_selected())),
        dots3_(dots3_kernel(simd_path_selected())),
        finish_(cosine_finish_kernel(simd_path_selected())),
        unit_(unit_rows(set)) {
    Checksum c;
    c.update_value(set.checksum);
    c.update(set.values.data(), set.values.size() * sizeof(float));
    c.update_value(static_cast<uint32_t>(Measure::cosine));
    c.update_value(threshold);
    checksum_ = c.digest();
    // A block of targets fills a 512 KiB L2 (measured on Zen 3 at 512
    // floats: 128 KiB 17.1, 256 KiB 15.7, 512 KiB 14.6, 1 MiB 14.9 G cycles
    // for 20k rows); three query rows at a time stream past it.
    col_block_ =
        static_cast<uint32_t>(std::clamp<uint64_t>(524288 / (4 * uint64_t{dim_}), 8, 1024));
  }

  [[nodiscard]] uint64_t size() const override { return n_; }
  [[nodiscard]] Measure measure() const override { return Measure::cosine; }
  [[nodiscard]] double threshold() const override { return threshold_; }
  [[nodiscard]] Histogram histogram() const override { return embedding_histogram(); }
  [[nodiscard]] uint64_t input_checksum() const override { return checksum_; }
  [[nodiscard]] uint64_t tile_bytes(uint64_t tile) const override {
    return tile * sizeof(float) + tile * tile / 16 * sizeof(Edge) + 4 * sizeof(Histogram);
  }

  void compute(const Tile& t, TileResult& out) override {
    if (out.histogram.counts.size() != 2 * Histogram::kDefaultBins) out.histogram = histogram();
    std::vector<float> dots(3 * uint64_t{col_block_});
    std::vector<uint32_t> hit_k(col_block_);
    std::vector<double> hit_s(col_block_);
    const kernels::HistSpec spec = hist_spec(out.histogram);
    // Histogram and edges of row i against targets j0, j0 + 1, ... (d[k] for j0 + k).
    const auto finish_row = [&](uint64_t i, uint64_t j0, const float* d, uint64_t n) {
      const uint32_t hits = finish_(d, static_cast<uint32_t>(n), spec, threshold_,
                                    out.histogram.counts.data(), hit_k.data(), hit_s.data());
      for (uint32_t h = 0; h < hits; ++h)
        out.edges.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(j0 + hit_k[h]),
                             static_cast<float>(hit_s[h])});
    };
    for (uint64_t jb = t.col0; jb < t.col1; jb += col_block_) {
      const uint64_t je = std::min<uint64_t>(t.col1, jb + col_block_);
      uint64_t i = t.row0;
      // Rows three at a time against the targets all three need (j >= i + 3);
      // the few pairs before that go one row at a time.
      for (; i + 3 <= t.row1 && i + 3 < je; i += 3) {
        const uint64_t j0 = std::max(jb, i + 3);
        const auto n = static_cast<uint32_t>(je - j0);
        float* row[3];
        for (uint64_t r = 0; r < 3; ++r) {
          const uint64_t first = std::max(jb, i + r + 1);
          row[r] = dots.data() + r * col_block_;
          if (first < j0)
            dots_(unit(i + r), unit(first), static_cast<uint32_t>(j0 - first), dim_, dim_, row[r]);
          row[r] += j0 - first;
        }
        dots3_(unit(i), unit(i + 1), unit(i + 2), unit(j0), n, dim_, dim_, row[0], row[1], row[2]);
        for (uint64_t r = 0; r < 3; ++r) {
          const uint64_t first = std::max(jb, i + r + 1);
          finish_row(i + r, first, dots.data() + r * col_block_, je - first);
        }
      }
      for (; i < t.row1 && i + 1 < je; ++i) {
        const uint64_t j0 = std::max(jb, i + 1);
        dots_(unit(i), unit(j0), static_cast<uint32_t>(je - j0), dim_, dim_, dots.data());
        finish_row(i, j0, dots.data(), je - j0);
      }
    }
  }

  [[nodiscard]] const float* unit(uint64_t i) const { return unit_.data() + i * dim_; }

 private:
  uint64_t n_;
  uint32_t dim_;
  double threshold_;
  DotsFn dots_;
  Dots3Fn dots3_;
  CosineFinishFn finish_;
  std::vector<float> unit_;
  uint64_t checksum_ = 0;
  uint32_t col_block_ = 64;
};

}  // namespace

std::vector<float> unit_rows(const EmbeddingSet& set) {
  std::vector<float> unit(set.values.size());
  for (uint64_t i = 0; i < set.n; ++i) {
    const float* r = set.row(i);
    double norm = 0;
    for (uint32_t k = 0; k < set.dim; ++k) norm += static_cast<double>(r[k]) * r[k];
    const double inv = 1.0 / std::sqrt(norm);
    for (uint32_t k = 0; k < set.dim; ++k)
      unit[i * set.dim + k] = static_cast<float>(static_cast<double>(r[k]) * inv);
  }
  return unit;
}

void cosine_dots(const float* a, const float* bs, uint32_t n, uint32_t dim, float* out) {
  static const DotsFn fn = dots_kernel(simd_path_selected());
  fn(a, bs, n, dim, dim, out);
}

Histogram embedding_histogram() {
  Histogram h;
  h.lo = -1.0;
  h.hi = 1.0;
  h.counts.assign(2 * Histogram::kDefaultBins, 0);
  return h;
}

std::unique_ptr<PairComputer> make_embedding_cpu(const EmbeddingSet& set, double threshold) {
  return std::make_unique<EmbeddingCpu>(set, threshold);
}

}  // namespace cleave::similarity_detail
