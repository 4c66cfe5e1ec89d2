#pragma once
/// @file fp_popcount.hpp
/// @brief Run-time dispatched popcount kernels for the CPU fingerprint
/// backend: |a & b_j| of one fingerprint against a run of consecutive ones.
///
/// Paths: AVX-512 VPOPCNTDQ, AVX2 (nibble lookup with vpshufb, Muła, Kurz and
/// Lemire, "Faster population counts using AVX2 instructions", Computer
/// Journal 2018), and scalar POPCNT. Each is chosen only when the CPU has it
/// (__builtin_cpu_supports); the environment variable CLEAVE_SIMD=scalar|avx2|
/// avx512 forces one (tests compare them). Counts are exact integers, so all
/// paths give identical results.
#include <cstdint>

namespace cleave::similarity_detail {

enum class SimdPath { scalar, avx2, avx512 };

const char* simd_path_name(SimdPath p);
/// Whether this CPU (and this build) can run path p.
bool simd_path_supported(SimdPath p);
/// The widest supported path, or the one CLEAVE_SIMD names (an unsupported
/// or unknown name throws invalid_argument).
SimdPath simd_path_selected();

/// out[j] = |a & bs[j]| for j < n, where bs holds n rows of `words` words.
using AndPopcountFn = void (*)(const uint64_t* a, const uint64_t* bs, uint32_t n, uint32_t words,
                               uint32_t* out);
AndPopcountFn and_popcount_kernel(SimdPath p);

/// |a| over `words` words.
uint32_t popcount_row(const uint64_t* a, uint32_t words);

}  // namespace cleave::similarity_detail
