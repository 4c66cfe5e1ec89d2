#pragma once
/// @file bit_measures.hpp
/// @brief Per-pair math of the bit-fingerprint measures from popcounts, as
/// `CLEAVE_HD` functors so the CPU tile loop and a CUDA kernel share them.
///
/// Each functor maps (|a|, |b|, |a & b|) to a double exactly as RDKit's
/// DataStructs does (one division of exact integers), so thresholds such as
/// a Tanimoto of exactly 0.5 compare identically everywhere. Empty
/// fingerprints follow RDKit: Tanimoto(empty, empty) = 1, Dice and cosine 0.
#include <cmath>
#include <cstdint>

#include "kernels/macros.hpp"

namespace cleave::similarity_detail {

struct TanimotoOp {
  CLEAVE_HD CLEAVE_INLINE double operator()(uint32_t a, uint32_t b, uint32_t c) const {
    const uint32_t u = a + b - c;
    return u == 0 ? 1.0 : static_cast<double>(c) / static_cast<double>(u);
  }
};

struct DiceOp {
  CLEAVE_HD CLEAVE_INLINE double operator()(uint32_t a, uint32_t b, uint32_t c) const {
    const uint32_t s = a + b;
    return s == 0 ? 0.0 : 2.0 * static_cast<double>(c) / static_cast<double>(s);
  }
};

struct CosineOp {
  CLEAVE_HD CLEAVE_INLINE double operator()(uint32_t a, uint32_t b, uint32_t c) const {
    const double ab = static_cast<double>(a) * static_cast<double>(b);
    return ab == 0 ? 0.0 : static_cast<double>(c) / sqrt(ab);
  }
};

/// Number of set bits in a 64-bit word.
CLEAVE_HD CLEAVE_INLINE uint32_t popcount64(uint64_t x) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint32_t>(__popcll(x));
#else
  return static_cast<uint32_t>(__builtin_popcountll(x));
#endif
}

/// |a & b| over `words` words.
CLEAVE_HD CLEAVE_INLINE uint32_t common_bits(const uint64_t* a, const uint64_t* b, uint32_t words) {
  uint32_t c = 0;
  for (uint32_t w = 0; w < words; ++w) c += popcount64(a[w] & b[w]);
  return c;
}

}  // namespace cleave::similarity_detail
