/// @file align_simd_generic.cpp
/// @brief The inter-sequence SIMD kernel for the baseline instruction set
/// (16-byte vectors: 8 int16 or 4 int32 lanes; SSE2 on x86-64, NEON on ARM).
#include <cstddef>
#include <cstdint>

#include "kernels/align.hpp"
#include "similarity/align_common.hpp"

#define CLEAVE_SIMD_NS generic
#define CLEAVE_SIMD_BYTES 16
#include "similarity/align_simd.hpp"

namespace cleave::align_detail {
void align_entry_generic(LaneJob job, const uint32_t* order16, std::size_t n16,
                         const uint32_t* order32, std::size_t n32, bool local) {
  generic::align_entry(job, order16, n16, order32, n32, local);
}
}  // namespace cleave::align_detail
