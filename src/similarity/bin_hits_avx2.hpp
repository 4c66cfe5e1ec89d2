#pragma once
/// @file bin_hits_avx2.hpp
/// @brief The end of the CPU finishing passes, four similarities at a time
/// with AVX2: the histogram bin (kernels::HistSpec::bin to the bit) and the
/// threshold test (s >= threshold in double), for the fingerprint and the
/// embedding backends. Only for functions compiled with target("avx2").
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstdint>

#include "kernels/fingerprint_common.hpp"

namespace cleave::similarity_detail {

/// Broadcast constants of one histogram and threshold.
struct BinHits4 {
  __m256d zero, thr, lo, width, bins;
  __m128i last_bin;
  /// The histogram spans [0, 1], where (s - 0) / 1 * bins is exactly s * bins.
  bool unit;
};

__attribute__((target("avx2"))) inline BinHits4 make_bin_hits4(const kernels::HistSpec& h,
                                                               double threshold) {
  return BinHits4{_mm256_setzero_pd(),
                  _mm256_set1_pd(threshold),
                  _mm256_set1_pd(h.lo),
                  _mm256_set1_pd(h.hi - h.lo),
                  _mm256_set1_pd(static_cast<double>(h.bins)),
                  _mm_set1_epi32(static_cast<int>(h.bins - 1)),
                  h.lo == 0.0 && h.hi == 1.0};
}

/// Counts the four similarities s (pairs k .. k + 3) in hist and appends
/// those >= threshold to hit_k / hit_s at m, in order; returns the new m.
__attribute__((target("avx2"))) inline uint32_t bin_hits4(const BinHits4& c, __m256d s, uint32_t k,
                                                          uint64_t* hist, uint32_t* hit_k,
                                                          double* hit_s, uint32_t m) {
  __m256d t = c.unit ? _mm256_mul_pd(s, c.bins)
                     : _mm256_mul_pd(_mm256_div_pd(_mm256_sub_pd(s, c.lo), c.width), c.bins);
  // HistSpec::bin: not above 0 (or NaN) -> 0, truncate, at most bins - 1.
  t = _mm256_min_pd(_mm256_max_pd(t, c.zero), c.bins);
  alignas(16) uint32_t bin[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(bin),
                  _mm_min_epu32(_mm256_cvttpd_epi32(t), c.last_bin));
  ++hist[bin[0]];
  ++hist[bin[1]];
  ++hist[bin[2]];
  ++hist[bin[3]];
  int mask = _mm256_movemask_pd(_mm256_cmp_pd(s, c.thr, _CMP_GE_OQ));
  if (mask != 0) {
    alignas(32) double sv[4];
    _mm256_store_pd(sv, s);
    while (mask != 0) {
      const int l = __builtin_ctz(static_cast<unsigned>(mask));
      hit_k[m] = k + static_cast<uint32_t>(l);
      hit_s[m] = sv[l];
      ++m;
      mask &= mask - 1;
    }
  }
  return m;
}

}  // namespace cleave::similarity_detail
#endif
