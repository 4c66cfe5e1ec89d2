/// @file fp_popcount.cpp
/// @brief The popcount kernels of fp_popcount.hpp and their dispatch.
#include "similarity/fp_popcount.hpp"

#include <cstdlib>
#include <string>

#include "cleave/error.hpp"
#include "kernels/fingerprint_ops.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CLEAVE_X86 1
#else
#define CLEAVE_X86 0
#endif

namespace cleave::similarity_detail {

namespace {

void and_popcount_scalar(const uint64_t* a, const uint64_t* bs, uint32_t n, uint32_t words,
                         uint32_t* out) {
  for (uint32_t j = 0; j < n; ++j) {
    const uint64_t* b = bs + static_cast<uint64_t>(j) * words;
    // Four independent sums keep the POPCNT units busy.
    uint32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    uint32_t w = 0;
    for (; w + 4 <= words; w += 4) {
      c0 += kernels::popcount64(a[w] & b[w]);
      c1 += kernels::popcount64(a[w + 1] & b[w + 1]);
      c2 += kernels::popcount64(a[w + 2] & b[w + 2]);
      c3 += kernels::popcount64(a[w + 3] & b[w + 3]);
    }
    for (; w < words; ++w) c0 += kernels::popcount64(a[w] & b[w]);
    out[j] = c0 + c1 + c2 + c3;
  }
}

#if CLEAVE_X86

/// Popcount of each byte of v by two 16-entry lookups (one per nibble).
__attribute__((target("avx2"))) inline __m256i popcount_bytes(__m256i v) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                       1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_and_si256(v, low);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
  return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}

__attribute__((target("avx2"))) void and_popcount_avx2(const uint64_t* a, const uint64_t* bs,
                                                       uint32_t n, uint32_t words, uint32_t* out) {
  const uint32_t vecs = words / 4;
  for (uint32_t j = 0; j < n; ++j) {
    const uint64_t* b = bs + static_cast<uint64_t>(j) * words;
    __m256i total = _mm256_setzero_si256();
    uint32_t v = 0;
    while (v < vecs) {
      // Byte counters hold at most 8 per vector: 31 vectors fit in a byte.
      const uint32_t end = v + 31 < vecs ? v + 31 : vecs;
      __m256i acc = _mm256_setzero_si256();
      for (; v < end; ++v) {
        const __m256i x =
            _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 4 * v)),
                             _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 4 * v)));
        acc = _mm256_add_epi8(acc, popcount_bytes(x));
      }
      total = _mm256_add_epi64(total, _mm256_sad_epu8(acc, _mm256_setzero_si256()));
    }
    const __m128i t =
        _mm_add_epi64(_mm256_castsi256_si128(total), _mm256_extracti128_si256(total, 1));
    uint64_t c = static_cast<uint64_t>(_mm_cvtsi128_si64(t)) +
                 static_cast<uint64_t>(_mm_extract_epi64(t, 1));
    for (uint32_t w = 4 * vecs; w < words; ++w) c += kernels::popcount64(a[w] & b[w]);
    out[j] = static_cast<uint32_t>(c);
  }
}

__attribute__((target("avx512f,avx512vpopcntdq"))) void and_popcount_avx512(
    const uint64_t* a, const uint64_t* bs, uint32_t n, uint32_t words, uint32_t* out) {
  const uint32_t vecs = words / 8;
  const uint32_t rest = words % 8;
  const __mmask8 tail = static_cast<__mmask8>((1u << rest) - 1);
  for (uint32_t j = 0; j < n; ++j) {
    const uint64_t* b = bs + static_cast<uint64_t>(j) * words;
    __m512i acc = _mm512_setzero_si512();
    for (uint32_t v = 0; v < vecs; ++v) {
      const __m512i x =
          _mm512_and_si512(_mm512_loadu_si512(a + 8 * v), _mm512_loadu_si512(b + 8 * v));
      acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(x));
    }
    if (rest != 0) {
      const __m512i x = _mm512_and_si512(_mm512_maskz_loadu_epi64(tail, a + 8 * vecs),
                                         _mm512_maskz_loadu_epi64(tail, b + 8 * vecs));
      acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(x));
    }
    alignas(64) uint64_t lanes[8];
    _mm512_store_si512(lanes, acc);
    uint64_t c = 0;
    for (uint64_t l : lanes) c += l;
    out[j] = static_cast<uint32_t>(c);
  }
}

#endif

}  // namespace

const char* simd_path_name(SimdPath p) {
  switch (p) {
    case SimdPath::avx2:
      return "avx2";
    case SimdPath::avx512:
      return "avx512";
    default:
      return "scalar";
  }
}

bool simd_path_supported(SimdPath p) {
#if CLEAVE_X86
  switch (p) {
    case SimdPath::avx2:
      return __builtin_cpu_supports("avx2");
    case SimdPath::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
    default:
      return true;
  }
#else
  return p == SimdPath::scalar;
#endif
}

SimdPath simd_path_selected() {
  const char* env = std::getenv("CLEAVE_SIMD");
  if (env != nullptr && *env != '\0') {
    const std::string name = env;
    SimdPath p;
    if (name == "scalar") {
      p = SimdPath::scalar;
    } else if (name == "avx2") {
      p = SimdPath::avx2;
    } else if (name == "avx512") {
      p = SimdPath::avx512;
    } else {
      CLEAVE_FAIL(invalid_argument, "CLEAVE_SIMD='{}': expected scalar, avx2 or avx512", name);
    }
    CLEAVE_EXPECTS(simd_path_supported(p), "CLEAVE_SIMD={}: this CPU does not support it", name);
    return p;
  }
  if (simd_path_supported(SimdPath::avx512)) return SimdPath::avx512;
  if (simd_path_supported(SimdPath::avx2)) return SimdPath::avx2;
  return SimdPath::scalar;
}

AndPopcountFn and_popcount_kernel(SimdPath p) {
  CLEAVE_EXPECTS(simd_path_supported(p), "SIMD path {} is not supported on this CPU",
                 simd_path_name(p));
#if CLEAVE_X86
  if (p == SimdPath::avx512) return &and_popcount_avx512;
  if (p == SimdPath::avx2) return &and_popcount_avx2;
#endif
  return &and_popcount_scalar;
}

uint32_t popcount_row(const uint64_t* a, uint32_t words) {
  uint32_t c = 0;
  for (uint32_t w = 0; w < words; ++w) c += kernels::popcount64(a[w]);
  return c;
}

}  // namespace cleave::similarity_detail
