#pragma once
/// @file fingerprint_ops.hpp
/// @brief Per-pair math of the bit-fingerprint measures, once for both
/// backends: each measure is a stateless `CLEAVE_HD` functor that
/// accumulates |a & b| word by word and finishes from the three popcounts.
///
/// finish() maps (|a|, |b|, |a & b|) to a double exactly as RDKit's
/// DataStructs does (one IEEE division of exact integers, a correctly rounded
/// sqrt for cosine), so host and device agree bit for bit and a similarity of
/// exactly 0.5 compares the same everywhere. Empty fingerprints follow RDKit:
/// Tanimoto(empty, empty) = 1, Dice and cosine 0.
#include <cmath>
#include <cstdint>

#include "kernels/macros.hpp"

namespace cleave::kernels {

/// Number of set bits in a 64-bit word (POPCNT on the host, __popcll on the device).
CLEAVE_HD CLEAVE_INLINE uint32_t popcount64(uint64_t x) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint32_t>(__popcll(x));
#else
  return static_cast<uint32_t>(__builtin_popcountll(x));
#endif
}

/// Shared by the bit measures: |a & b| accumulates one word at a time.
struct BitCommonAccumulate {
  CLEAVE_HD CLEAVE_INLINE static void accumulate(uint32_t& c, uint64_t a, uint64_t b) {
    c += popcount64(a & b);
  }
};

/// |a & b| / |a | b|.
struct TanimotoOp : BitCommonAccumulate {
  /// From |a & b| and |a | b| alone (the CPU backend counts pairs by the two).
  CLEAVE_HD CLEAVE_INLINE static double from_common_union(uint32_t c, uint32_t u) {
    return u == 0 ? 1.0 : static_cast<double>(c) / static_cast<double>(u);
  }
  CLEAVE_HD CLEAVE_INLINE static double finish(uint32_t a, uint32_t b, uint32_t c) {
    return from_common_union(c, a + b - c);
  }
};

/// 2 |a & b| / (|a| + |b|).
struct DiceOp : BitCommonAccumulate {
  /// From |a & b| and |a| + |b| alone.
  CLEAVE_HD CLEAVE_INLINE static double from_common_sum(uint32_t c, uint32_t s) {
    return s == 0 ? 0.0 : 2.0 * static_cast<double>(c) / static_cast<double>(s);
  }
  CLEAVE_HD CLEAVE_INLINE static double finish(uint32_t a, uint32_t b, uint32_t c) {
    return from_common_sum(c, a + b);
  }
};

/// |a & b| / sqrt(|a| |b|).
struct BitCosineOp : BitCommonAccumulate {
  CLEAVE_HD CLEAVE_INLINE static double finish(uint32_t a, uint32_t b, uint32_t c) {
    const double ab = static_cast<double>(a) * static_cast<double>(b);
    return ab == 0 ? 0.0 : static_cast<double>(c) / sqrt(ab);
  }
};

/// The bit measures by number, for code that picks one at run time.
enum class BitMeasure : int { tanimoto = 0, dice = 1, cosine = 2 };

/// Calls f(Op{}) with the functor of measure m.
template <class F>
CLEAVE_HD CLEAVE_INLINE auto with_bit_measure(BitMeasure m, F&& f) {
  switch (m) {
    case BitMeasure::dice:
      return f(DiceOp{});
    case BitMeasure::cosine:
      return f(BitCosineOp{});
    default:
      return f(TanimotoOp{});
  }
}

}  // namespace cleave::kernels
