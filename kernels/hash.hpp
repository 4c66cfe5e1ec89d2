#pragma once
/// @file hash.hpp
/// @brief Counter-based randomness: every random number is a pure function of
/// (seed, stream, counter), so results never depend on thread count, schedule
/// or backend. The mixer is SplitMix64's finaliser (Steele, Lea & Flood,
/// "Fast splittable pseudorandom number generators", OOPSLA 2014) applied in a
/// chain, which passes BigCrush on counters.
#include <cstdint>

#include "kernels/macros.hpp"

namespace cleave::kernels {

CLEAVE_HD CLEAVE_INLINE uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A 64-bit random value keyed by (seed, stream, a, b).
CLEAVE_HD CLEAVE_INLINE uint64_t counter_hash(uint64_t seed, uint64_t stream, uint64_t a,
                                              uint64_t b = 0) {
  return mix64(mix64(mix64(mix64(seed) ^ stream) ^ a) ^ b);
}

/// Uniform double in [0, 1) from the top 53 bits.
CLEAVE_HD CLEAVE_INLINE double to_unit(uint64_t h) {
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace cleave::kernels
