/// @file fp_popcount.cpp
/// @brief The popcount kernels of fp_popcount.hpp and their dispatch.
#include "similarity/fp_popcount.hpp"

#include <cstdlib>
#include <string>
#include <type_traits>

#include "cleave/error.hpp"
#include "kernels/fingerprint_ops.hpp"
#include "similarity/bin_hits_avx2.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CLEAVE_X86 1
#else
#define CLEAVE_X86 0
#endif

namespace cleave::similarity_detail {

namespace {

/// The scalar loop, compiled twice: for any x86-64 and with POPCNT.
__attribute__((always_inline)) inline void and_popcount_scalar_body(const uint64_t* a,
                                                                    const uint64_t* bs, uint32_t n,
                                                                    uint32_t words, uint32_t* out) {
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

void and_popcount_scalar(const uint64_t* a, const uint64_t* bs, uint32_t n, uint32_t words,
                         uint32_t* out) {
  and_popcount_scalar_body(a, bs, n, words, out);
}

#if CLEAVE_X86
__attribute__((target("popcnt"))) void and_popcount_popcnt(const uint64_t* a, const uint64_t* bs,
                                                           uint32_t n, uint32_t words,
                                                           uint32_t* out) {
  and_popcount_scalar_body(a, bs, n, words, out);
}
#endif

/// Pair k the plain way: the functor, the bin, the threshold (m: hits so far).
template <class Op>
inline void finish_one(const FinishSpec& f, uint32_t pa, const uint32_t* pb, const uint32_t* common,
                       uint32_t k, uint64_t* hist, uint32_t* hit_k, double* hit_s, uint32_t& m) {
  const double s = Op::finish(pa, pb[k], common[k]);
  ++hist[f.hist.bin(s)];
  if (s >= f.threshold) {
    hit_k[m] = k;
    hit_s[m] = s;
    ++m;
  }
}

template <class Op>
uint32_t finish_scalar_op(const FinishSpec& f, uint32_t pa, const uint32_t* pb,
                          const uint32_t* common, uint32_t n, uint64_t* hist, uint32_t* hit_k,
                          double* hit_s) {
  uint32_t m = 0;
  for (uint32_t k = 0; k < n; ++k) finish_one<Op>(f, pa, pb, common, k, hist, hit_k, hit_s, m);
  return m;
}

uint32_t finish_scalar(const FinishSpec& f, uint32_t pa, const uint32_t* pb, const uint32_t* common,
                       uint32_t n, FinishScratch& scratch, uint32_t* hit_k, double* hit_s) {
  return kernels::with_bit_measure(f.measure, [&](auto op) {
    return finish_scalar_op<decltype(op)>(f, pa, pb, common, n, scratch.hist.data(), hit_k, hit_s);
  });
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

/// Per byte, the popcount of b & q given q's pre-masked nibbles ql = q & 0x0f
/// and qh = (q >> 4) & 0x0f.
__attribute__((target("avx2"))) inline __m256i popcount_masked(__m256i b, __m256i ql, __m256i qh) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                       1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  return _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(b, ql)),
                         _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(b, 4), qh)));
}

/// Four words from p (unaligned).
__attribute__((target("avx2"))) inline __m256i load4(const uint64_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

/// |a & b| of one pair over `vecs` full 256-bit vectors (vecs <= 31), plus
/// nothing of the tail words.
__attribute__((target("avx2"))) inline uint64_t and_popcount_one_avx2(const uint64_t* a,
                                                                      const uint64_t* b,
                                                                      uint32_t vecs) {
  __m256i acc = _mm256_setzero_si256();
  for (uint32_t v = 0; v < vecs; ++v) {
    const __m256i x =
        _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 4 * v)),
                         _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 4 * v)));
    acc = _mm256_add_epi8(acc, popcount_bytes(x));
  }
  const __m256i sad = _mm256_sad_epu8(acc, _mm256_setzero_si256());
  const __m128i t = _mm_add_epi64(_mm256_castsi256_si128(sad), _mm256_extracti128_si256(sad, 1));
  return static_cast<uint64_t>(_mm_cvtsi128_si64(t)) +
         static_cast<uint64_t>(_mm_extract_epi64(t, 1));
}

/// Byte counters hold at most 8 per vector, so 31 vectors (7936 bits) fit in
/// a byte; longer fingerprints take the chunked path below.
constexpr uint32_t kMaxBatchedVecs = 31;

/// Four targets per pass. The first VV vectors of each pair go through the
/// AVX2 nibble lookup with byte counters per target; the remaining words
/// (SW at compile time, or whatever VV leaves when VV == 0 means "all full
/// vectors, count read at run time") go through scalar POPCNT, which runs on
/// the integer ALUs beside the vector pipes. The query's nibbles and scalar
/// words stay in registers when VV and SW are small constants. The four SADs
/// are packed into 16-bit fields (each count <= 7936) and summed across lanes
/// together, so the horizontal reduction is paid once per four pairs.
template <uint32_t VV, uint32_t SW>
__attribute__((target("avx2,popcnt"))) void and_popcount_avx2_batched(const uint64_t* a,
                                                                      const uint64_t* bs,
                                                                      uint32_t n, uint32_t words,
                                                                      uint32_t* out) {
  const uint32_t vecs = VV > 0 ? VV : words / 4;
  const uint32_t tail = 4 * vecs;
  // The query's low and high nibbles, pre-masked: (q & b) & 0x0f ==
  // b & (q & 0x0f) and ((q & b) >> 4) & 0x0f == (b >> 4) & ((q >> 4) & 0x0f),
  // which saves one AND per vector and target.
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i qlo[VV > 0 ? VV : 1], qhi[VV > 0 ? VV : 1];
  if constexpr (VV > 0)
    for (uint32_t v = 0; v < VV; ++v) {
      qlo[v] = _mm256_and_si256(load4(a + 4 * v), low);
      qhi[v] = _mm256_and_si256(_mm256_srli_epi16(load4(a + 4 * v), 4), low);
    }
  uint64_t qs[SW > 0 ? SW : 1];
  if constexpr (SW > 0)
    for (uint32_t w = 0; w < SW; ++w) qs[w] = a[tail + w];
  const __m256i zero = _mm256_setzero_si256();
  uint32_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const uint64_t* b0 = bs + static_cast<uint64_t>(j) * words;
    const uint64_t* b1 = b0 + words;
    const uint64_t* b2 = b1 + words;
    const uint64_t* b3 = b2 + words;
    __m256i c0 = zero, c1 = zero, c2 = zero, c3 = zero;
    for (uint32_t v = 0; v < vecs; ++v) {
      __m256i ql, qh;
      if constexpr (VV > 0) {
        ql = qlo[v];
        qh = qhi[v];
      } else {
        ql = _mm256_and_si256(load4(a + 4 * v), low);
        qh = _mm256_and_si256(_mm256_srli_epi16(load4(a + 4 * v), 4), low);
      }
      c0 = _mm256_add_epi8(c0, popcount_masked(load4(b0 + 4 * v), ql, qh));
      c1 = _mm256_add_epi8(c1, popcount_masked(load4(b1 + 4 * v), ql, qh));
      c2 = _mm256_add_epi8(c2, popcount_masked(load4(b2 + 4 * v), ql, qh));
      c3 = _mm256_add_epi8(c3, popcount_masked(load4(b3 + 4 * v), ql, qh));
    }
    // Each 64-bit lane of a SAD is <= 8 * 248: pack the four into 16-bit fields.
    __m256i x = _mm256_sad_epu8(c0, zero);
    x = _mm256_or_si256(x, _mm256_slli_epi64(_mm256_sad_epu8(c1, zero), 16));
    x = _mm256_or_si256(x, _mm256_slli_epi64(_mm256_sad_epu8(c2, zero), 32));
    x = _mm256_or_si256(x, _mm256_slli_epi64(_mm256_sad_epu8(c3, zero), 48));
    __m128i y = _mm_add_epi16(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
    y = _mm_add_epi16(y, _mm_unpackhi_epi64(y, y));
    __m128i counts = _mm_cvtepu16_epi32(y);
    if (tail < words) {
      uint64_t e0 = 0, e1 = 0, e2 = 0, e3 = 0;
      if constexpr (SW > 0) {
        for (uint32_t w = 0; w < SW; ++w) {
          e0 += static_cast<uint64_t>(__builtin_popcountll(qs[w] & b0[tail + w]));
          e1 += static_cast<uint64_t>(__builtin_popcountll(qs[w] & b1[tail + w]));
          e2 += static_cast<uint64_t>(__builtin_popcountll(qs[w] & b2[tail + w]));
          e3 += static_cast<uint64_t>(__builtin_popcountll(qs[w] & b3[tail + w]));
        }
      } else {
        for (uint32_t w = tail; w < words; ++w) {
          e0 += static_cast<uint64_t>(__builtin_popcountll(a[w] & b0[w]));
          e1 += static_cast<uint64_t>(__builtin_popcountll(a[w] & b1[w]));
          e2 += static_cast<uint64_t>(__builtin_popcountll(a[w] & b2[w]));
          e3 += static_cast<uint64_t>(__builtin_popcountll(a[w] & b3[w]));
        }
      }
      counts = _mm_add_epi32(counts, _mm_setr_epi32(static_cast<int>(e0), static_cast<int>(e1),
                                                    static_cast<int>(e2), static_cast<int>(e3)));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j), counts);
  }
  for (; j < n; ++j) {
    const uint64_t* b = bs + static_cast<uint64_t>(j) * words;
    uint64_t c = and_popcount_one_avx2(a, b, vecs);
    for (uint32_t w = tail; w < words; ++w)
      c += static_cast<uint64_t>(__builtin_popcountll(a[w] & b[w]));
    out[j] = static_cast<uint32_t>(c);
  }
}

/// Fingerprints longer than 31 vectors: one pair at a time, the byte
/// counters flushed every 31 vectors.
__attribute__((target("avx2"))) void and_popcount_avx2_long(const uint64_t* a, const uint64_t* bs,
                                                            uint32_t n, uint32_t words,
                                                            uint32_t* out) {
  const uint32_t vecs = words / 4;
  for (uint32_t j = 0; j < n; ++j) {
    const uint64_t* b = bs + static_cast<uint64_t>(j) * words;
    uint64_t c = 0;
    for (uint32_t v = 0; v < vecs; v += kMaxBatchedVecs) {
      const uint32_t chunk = vecs - v < kMaxBatchedVecs ? vecs - v : kMaxBatchedVecs;
      c += and_popcount_one_avx2(a + 4 * v, b + 4 * v, chunk);
    }
    for (uint32_t w = 4 * vecs; w < words; ++w) c += kernels::popcount64(a[w] & b[w]);
    out[j] = static_cast<uint32_t>(c);
  }
}

void and_popcount_avx2(const uint64_t* a, const uint64_t* bs, uint32_t n, uint32_t words,
                       uint32_t* out) {
  // Splits for the common lengths, measured on Zen 3 (perf stat, cycles per
  // pair of the popcount pass): 1024 bits, 3 vectors + 4 scalar words 11.6
  // against 13.0 all-vector; 2048 bits, all-vector 22.5 against 27.8 for 5
  // vectors + 12 words. Other lengths: all full vectors, the rest scalar.
  switch (words) {
    case 8:
      return and_popcount_avx2_batched<2, 0>(a, bs, n, words, out);
    case 16:
      return and_popcount_avx2_batched<3, 4>(a, bs, n, words, out);
    case 32:
      return and_popcount_avx2_batched<8, 0>(a, bs, n, words, out);
    default:
      break;
  }
  if (words < 4) return and_popcount_popcnt(a, bs, n, words, out);
  if (words / 4 <= kMaxBatchedVecs) return and_popcount_avx2_batched<0, 0>(a, bs, n, words, out);
  return and_popcount_avx2_long(a, bs, n, words, out);
}

/// Bit cosine, four pairs at a time: |a| |b| is no small key, so each pair
/// is finished directly, with the IEEE operations of BitCosineOp::finish
/// (int to double, a product, a correctly rounded sqrt, one division; no
/// FMA), so similarities, bins and hits are bit-identical to it.
__attribute__((target("avx2"))) uint32_t finish_avx2_cosine(const FinishSpec& f, uint32_t pa,
                                                            const uint32_t* pb,
                                                            const uint32_t* common, uint32_t n,
                                                            uint64_t* hist, uint32_t* hit_k,
                                                            double* hit_s) {
  const BinHits4 bh = make_bin_hits4(f.hist, f.threshold);
  const __m256d da = _mm256_set1_pd(static_cast<double>(pa));
  uint32_t k = 0, m = 0;
  for (; k + 4 <= n; k += 4) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(common + k));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pb + k));
    const __m256d ab = _mm256_mul_pd(da, _mm256_cvtepi32_pd(b));
    const __m256d s = _mm256_blendv_pd(_mm256_div_pd(_mm256_cvtepi32_pd(c), _mm256_sqrt_pd(ab)),
                                       bh.zero, _mm256_cmp_pd(ab, bh.zero, _CMP_EQ_OQ));
    m = bin_hits4(bh, s, k, hist, hit_k, hit_s, m);
  }
  if (k < n) {
    // The last n % 4 pairs one by one; their hit positions are relative to k.
    const uint32_t tail = finish_scalar_op<kernels::BitCosineOp>(f, pa, pb + k, common + k, n - k,
                                                                 hist, hit_k + m, hit_s + m);
    for (uint32_t h = m; h < m + tail; ++h) hit_k[h] += k;
    m += tail;
  }
  return m;
}

/// Tanimoto and Dice through the scratch table, eight pairs at a time: the
/// key (|a | b| or |a| + |b|) and |a & b| of each pair give a table index
/// and one increment; no division. Hits need the exact double comparison,
/// so a float test with a wide margin picks candidates (it cannot miss one:
/// with key < 256 its rounding error is below 1e-4, the margin is 0.01) and
/// each candidate is decided by the functor. Pairs outside the table go the
/// direct way.
template <kernels::BitMeasure M>
__attribute__((target("avx2"))) uint32_t finish_avx2_table(const FinishSpec& f, uint32_t pa,
                                                           const uint32_t* pb,
                                                           const uint32_t* common, uint32_t n,
                                                           FinishScratch& scratch, uint32_t* hit_k,
                                                           double* hit_s) {
  using Op =
      std::conditional_t<M == kernels::BitMeasure::dice, kernels::DiceOp, kernels::TanimotoOp>;
  constexpr bool kTanimoto = M == kernels::BitMeasure::tanimoto;
  if (scratch.in_table + n > UINT32_MAX) scratch.flush(f);
  scratch.in_table += n;
  uint32_t* table = scratch.table.data();
  uint64_t* hist = scratch.hist.data();
  const __m256i va = _mm256_set1_epi32(static_cast<int>(pa));
  const __m256i key_limit = _mm256_set1_epi32(static_cast<int>(FinishScratch::kKeys - 1));
  const __m256i common_limit = _mm256_set1_epi32(static_cast<int>(FinishScratch::kCommons - 1));
  // Candidate: scale * c + 0.01 >= t * key, i.e. c / key >= t (Tanimoto) or
  // 2c / key >= t (Dice) up to the margin.
  const __m256 scale = _mm256_set1_ps(kTanimoto ? 1.0f : 2.0f);
  const __m256 t = _mm256_set1_ps(static_cast<float>(f.threshold));
  const __m256 margin = _mm256_set1_ps(0.01f);
  const auto direct = [&](uint32_t k, uint32_t& m) {
    finish_one<Op>(f, pa, pb, common, k, hist, hit_k, hit_s, m);
  };
  uint32_t k = 0, m = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(common + k));
    const __m256i sum =
        _mm256_add_epi32(va, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pb + k)));
    const __m256i key = kTanimoto ? _mm256_sub_epi32(sum, c) : sum;
    const int outside = _mm256_movemask_ps(_mm256_castsi256_ps(
        _mm256_or_si256(_mm256_cmpgt_epi32(key, key_limit), _mm256_cmpgt_epi32(c, common_limit))));
    const int candidate = _mm256_movemask_ps(
        _mm256_cmp_ps(_mm256_add_ps(_mm256_mul_ps(scale, _mm256_cvtepi32_ps(c)), margin),
                      _mm256_mul_ps(t, _mm256_cvtepi32_ps(key)), _CMP_GE_OQ));
    alignas(32) uint32_t idx[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(idx),
                       _mm256_add_epi32(_mm256_slli_epi32(key, 7), c));  // kCommons == 128
    if ((outside | candidate) == 0) {
      for (uint32_t l = 0; l < 8; ++l) ++table[idx[l]];
      continue;
    }
    for (uint32_t l = 0; l < 8; ++l) {
      if ((outside >> l) & 1) {
        --scratch.in_table;
        direct(k + l, m);
        continue;
      }
      ++table[idx[l]];
      if ((candidate >> l) & 1) {
        const double s = Op::finish(pa, pb[k + l], common[k + l]);
        if (s >= f.threshold) {
          hit_k[m] = k + l;
          hit_s[m] = s;
          ++m;
        }
      }
    }
  }
  for (; k < n; ++k) {
    --scratch.in_table;
    direct(k, m);
  }
  return m;
}

uint32_t finish_avx2(const FinishSpec& f, uint32_t pa, const uint32_t* pb, const uint32_t* common,
                     uint32_t n, FinishScratch& scratch, uint32_t* hit_k, double* hit_s) {
  uint64_t* hist = scratch.hist.data();
  switch (f.measure) {
    case kernels::BitMeasure::dice:
      return finish_avx2_table<kernels::BitMeasure::dice>(f, pa, pb, common, n, scratch, hit_k,
                                                          hit_s);
    case kernels::BitMeasure::cosine:
      return finish_avx2_cosine(f, pa, pb, common, n, hist, hit_k, hit_s);
    default:
      return finish_avx2_table<kernels::BitMeasure::tanimoto>(f, pa, pb, common, n, scratch, hit_k,
                                                              hit_s);
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
  if (__builtin_cpu_supports("popcnt")) return &and_popcount_popcnt;
#endif
  return &and_popcount_scalar;
}

FinishScratch::FinishScratch(const FinishSpec& spec)
    : hist(spec.hist.bins, 0),
      table(spec.measure == kernels::BitMeasure::cosine ? 0 : kKeys * kCommons, 0) {}

void FinishScratch::flush(const FinishSpec& spec) {
  if (in_table == 0) return;
  kernels::with_bit_measure(spec.measure, [&](auto op) {
    using Op = decltype(op);
    if constexpr (!std::is_same_v<Op, kernels::BitCosineOp>) {
      for (uint32_t key = 0; key < kKeys; ++key)
        for (uint32_t c = 0; c < kCommons; ++c) {
          uint32_t& count = table[key * kCommons + c];
          if (count == 0) continue;
          double s;
          if constexpr (std::is_same_v<Op, kernels::TanimotoOp>) {
            s = Op::from_common_union(c, key);
          } else {
            s = Op::from_common_sum(c, key);
          }
          hist[spec.hist.bin(s)] += count;
          count = 0;
        }
    }
    return 0;
  });
  in_table = 0;
}

FinishFn finish_kernel(SimdPath p) {
  CLEAVE_EXPECTS(simd_path_supported(p), "SIMD path {} is not supported on this CPU",
                 simd_path_name(p));
#if CLEAVE_X86
  // Every AVX-512 CPU has AVX2; the finishing pass gains nothing from wider lanes.
  if (p != SimdPath::scalar) return &finish_avx2;
#endif
  return &finish_scalar;
}

uint32_t popcount_row(const uint64_t* a, uint32_t words) {
  uint32_t c = 0;
  for (uint32_t w = 0; w < words; ++w) c += kernels::popcount64(a[w]);
  return c;
}

}  // namespace cleave::similarity_detail
