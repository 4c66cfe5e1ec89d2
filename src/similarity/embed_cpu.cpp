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
#endif

using DotsFn = void (*)(const float*, const float*, uint32_t, uint32_t, uint64_t, float*);

DotsFn dots_kernel(SimdPath path) {
#if defined(__x86_64__)
  if (path != SimdPath::scalar && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return &dots_avx2;
#endif
  (void)path;
  return &dots_portable;
}

class EmbeddingCpu final : public PairComputer {
 public:
  EmbeddingCpu(const EmbeddingSet& set, double threshold)
      : n_(set.n),
        dim_(set.dim),
        threshold_(threshold),
        dots_(dots_kernel(simd_path_selected())),
        unit_(unit_rows(set)) {
    Checksum c;
    c.update_value(set.checksum);
    c.update(set.values.data(), set.values.size() * sizeof(float));
    c.update_value(static_cast<uint32_t>(Measure::cosine));
    c.update_value(threshold);
    checksum_ = c.digest();
    col_block_ = static_cast<uint32_t>(std::clamp<uint64_t>(16384 / (4 * uint64_t{dim_}), 4, 256));
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
    std::vector<float> dots(col_block_);
    for (uint64_t jb = t.col0; jb < t.col1; jb += col_block_) {
      const uint64_t je = std::min<uint64_t>(t.col1, jb + col_block_);
      for (uint64_t i = t.row0; i < t.row1 && i + 1 < je; ++i) {
        const uint64_t j0 = std::max(jb, i + 1);
        const auto n = static_cast<uint32_t>(je - j0);
        dots_(unit(i), unit(j0), n, dim_, dim_, dots.data());
        for (uint32_t k = 0; k < n; ++k) {
          const double s = EmbeddingCosineOp::finish(dots[k]);
          out.histogram.add(s);
          if (s >= threshold_)
            out.edges.push_back(
                {static_cast<uint32_t>(i), static_cast<uint32_t>(j0 + k), static_cast<float>(s)});
        }
      }
    }
  }

  [[nodiscard]] const float* unit(uint64_t i) const { return unit_.data() + i * dim_; }

 private:
  uint64_t n_;
  uint32_t dim_;
  double threshold_;
  DotsFn dots_;
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
