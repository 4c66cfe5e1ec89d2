/// @file align_simd_avx2.cpp
/// @brief The inter-sequence SIMD kernel compiled for AVX2 (16 int16 or 8
/// int32 lanes); called only when the CPU reports AVX2.
#include <cstddef>
#include <cstdint>

#include "kernels/align.hpp"
#include "similarity/align_common.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2")
#define CLEAVE_SIMD_NS avx2
#define CLEAVE_SIMD_BYTES 32
#include "similarity/align_simd.hpp"

namespace cleave::align_detail {
void align_entry_avx2(LaneJob job, const uint32_t* order16, std::size_t n16,
                      const uint32_t* order32, std::size_t n32, bool local) {
  avx2::align_entry(job, order16, n16, order32, n32, local);
}
}  // namespace cleave::align_detail
#pragma GCC pop_options
#endif
