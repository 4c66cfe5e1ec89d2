#pragma once
/// @file fingerprint_finish.hpp
/// @brief The fingerprint tile kernel's finish step without FP64: whether a
/// pair is an edge and its histogram bin, decided from |a|, |b| and |a & b|
/// so that both equal what the CPU backend computes in double (the measure's
/// finish(), `s >= threshold`, HistSpec::bin) for every input.
///
/// Tanimoto and Dice are ratios s = RN(num / key) of integers (num = c, key
/// = |a| + |b| - c; num = 2c, key = |a| + |b|), RN being the double
/// division. Since RN is monotone, `s >= threshold` holds exactly when c is
/// at least the smallest such c for that key: a table built on the host with
/// the measure's own finish() (src/similarity/fp_finish.cpp), so ties at the
/// threshold go the way the CPU backend's double comparison goes.
///
/// The bin (histogram over [0, 1]) is q = floor(num * bins / key) in integer
/// arithmetic unless num * bins is a multiple of key. Otherwise num / key
/// lies at least 1 / key away from every bin edge, far beyond the double
/// error of the CPU's RN(RN(num / key) * bins) (under 1e-12 for keys below
/// 2^20), so both truncate to q. When the remainder is 0, num / key equals
/// q / bins as rationals, so the CPU's double is RN(q / bins) whatever num
/// and key are: its bin comes from a table of bins + 1 entries.
///
/// Cosine, c / sqrt(|a| |b|), is irrational in general: the bin is the
/// largest k with k^2 |a| |b| <= c^2 bins^2 (exact 64-bit integers, from a
/// float estimate) and the threshold is tested in float with a margin wide
/// enough for its error. Only pairs within the margin of the threshold or
/// exactly on a bin edge (c^2 bins^2 = k^2 |a| |b|) take the double finish,
/// which keeps the result exact and FP64 off the common path.
#include <cstdint>

#include "kernels/fingerprint_common.hpp"
#include "kernels/fingerprint_ops.hpp"

#if !defined(__CUDA_ARCH__)
#include <cmath>
#endif

namespace cleave::kernels {

/// What the integer finish of one launch needs (tables live where the
/// kernel can read them: device memory, or host memory under the harness).
struct IntFinish {
  /// Tanimoto, Dice: [0, max key]: the smallest |a & b| that makes an edge
  /// for that key (a value above any possible count when none does).
  const uint32_t* hit_from = nullptr;
  /// [0, bins]: HistSpec::bin of the double k / bins.
  const uint32_t* exact_bin = nullptr;
  uint32_t bins = 1000;
  uint32_t empty_bin = 0;   ///< the bin of a pair whose key (or |a| |b|) is 0
  bool empty_hit = false;   ///< whether such a pair is an edge
  uint32_t zero_bin = 0;    ///< cosine: the bin of similarity 0 (c = 0)
  bool zero_hit = false;    ///< cosine: whether similarity 0 is an edge
  float threshold_f = 1.f;  ///< cosine: the threshold rounded to float
  double threshold = 1.0;   ///< cosine: exact double finish near the threshold
  HistSpec hist;            ///< cosine: exact double finish on a bin edge
};

/// An edge or not, and the histogram bin, of one pair.
struct PairFinish {
  bool hit;
  uint32_t bin;
};

/// x / y correctly rounded in float (x, y < 2^24, so exact as floats).
/// Equals the float of the double quotient: num / key is never within a
/// double rounding of a float midpoint for keys below 2^24.
CLEAVE_HD CLEAVE_INLINE float ratio_f32(uint32_t x, uint32_t y) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(static_cast<float>(x), static_cast<float>(y));
#else
  return static_cast<float>(x) / static_cast<float>(y);
#endif
}

/// Bin of RN(num / key) over [0, 1] (key > 0, num <= key, num * bins < 2^32).
CLEAVE_HD CLEAVE_INLINE uint32_t ratio_bin(uint32_t num, uint32_t key, const IntFinish& f) {
  const uint32_t scaled = num * f.bins;
  const uint32_t q = scaled / key;
  if (scaled - q * key == 0) return f.exact_bin[q];
  return q < f.bins ? q : f.bins - 1;
}

/// Reads a table entry through the read-only cache on the device.
CLEAVE_HD CLEAVE_INLINE uint32_t load_ro(const uint32_t* p) {
#if defined(__CUDA_ARCH__)
  return __ldg(p);
#else
  return *p;
#endif
}

/// The integer finish of TanimotoOp.
struct TanimotoFinish {
  using Op = TanimotoOp;
  CLEAVE_HD CLEAVE_INLINE static PairFinish decide(uint32_t a, uint32_t b, uint32_t c,
                                                   const IntFinish& f) {
    const uint32_t key = a + b - c;
    if (key == 0) return {f.empty_hit, f.empty_bin};
    return {c >= load_ro(f.hit_from + key), ratio_bin(c, key, f)};
  }
  /// The edge weight: float of the CPU's double similarity.
  CLEAVE_HD CLEAVE_INLINE static float weight(uint32_t a, uint32_t b, uint32_t c) {
    const uint32_t key = a + b - c;
    return key == 0 ? 1.f : ratio_f32(c, key);
  }
};

/// The integer finish of DiceOp.
struct DiceFinish {
  using Op = DiceOp;
  CLEAVE_HD CLEAVE_INLINE static PairFinish decide(uint32_t a, uint32_t b, uint32_t c,
                                                   const IntFinish& f) {
    const uint32_t key = a + b;
    if (key == 0) return {f.empty_hit, f.empty_bin};
    return {c >= load_ro(f.hit_from + key), ratio_bin(2 * c, key, f)};
  }
  CLEAVE_HD CLEAVE_INLINE static float weight(uint32_t a, uint32_t b, uint32_t c) {
    const uint32_t key = a + b;
    return key == 0 ? 0.f : ratio_f32(2 * c, key);
  }
};

/// The float-and-integer finish of BitCosineOp, exact through a cold path.
struct BitCosineFinish {
  using Op = BitCosineOp;
  /// Bound on |float estimate - exact similarity| is about 3e-7 (rsqrtf
  /// within 2 ulp, two roundings); the margin leaves a wide reserve.
  static constexpr float kMargin = 1e-5f;

  CLEAVE_HD CLEAVE_INLINE static PairFinish decide(uint32_t a, uint32_t b, uint32_t c,
                                                   const IntFinish& f) {
    const uint64_t ab = static_cast<uint64_t>(a) * b;
    if (ab == 0) return {f.empty_hit, f.empty_bin};
    if (c == 0) return {f.zero_hit, f.zero_bin};
    const float s = static_cast<float>(c) * rsqrt_f32(static_cast<float>(ab));
    const float d = s - f.threshold_f;
    bool exact = d <= kMargin && d >= -kMargin;
    // Largest k with k^2 ab <= c^2 bins^2, from the estimate.
    const uint64_t lhs = static_cast<uint64_t>(c) * c * f.bins * f.bins;
    uint64_t k = static_cast<uint64_t>(s * static_cast<float>(f.bins));
    while (k > 0 && k * k * ab > lhs) --k;
    while ((k + 1) * (k + 1) * ab <= lhs) ++k;
    exact = exact || k * k * ab == lhs;
    if (exact) {
      const double sd = Op::finish(a, b, c);
      return {sd >= f.threshold, f.hist.bin(sd)};
    }
    return {d > 0, k < f.bins ? static_cast<uint32_t>(k) : f.bins - 1};
  }
  /// One double finish per edge: the weight must be the float of the CPU's double.
  CLEAVE_HD CLEAVE_INLINE static float weight(uint32_t a, uint32_t b, uint32_t c) {
    return static_cast<float>(Op::finish(a, b, c));
  }

 private:
  CLEAVE_HD CLEAVE_INLINE static float rsqrt_f32(float x) {
#if defined(__CUDA_ARCH__)
    return rsqrtf(x);
#else
    return 1.f / std::sqrt(x);
#endif
  }
};

/// The finish of a measure's functor.
template <class Op>
struct FinishOf;
template <>
struct FinishOf<TanimotoOp> {
  using type = TanimotoFinish;
};
template <>
struct FinishOf<DiceOp> {
  using type = DiceFinish;
};
template <>
struct FinishOf<BitCosineOp> {
  using type = BitCosineFinish;
};

}  // namespace cleave::kernels
