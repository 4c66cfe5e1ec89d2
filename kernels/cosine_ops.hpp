#pragma once
/// @file cosine_ops.hpp
/// @brief Per-pair math of embedding cosine, once for both backends: rows are
/// normalised to unit length up front, so the similarity of a pair is the
/// float dot product of its rows, clamped to [-1, 1] against rounding and
/// compared with the threshold in double.
#include <cmath>
#include <cstdint>

#include "kernels/macros.hpp"

namespace cleave::kernels {

/// Lanes of the fixed-order dot product: the CPU backend accumulates element
/// k into lane k % kCosineLanes with fused multiply-adds and sums the lanes
/// pairwise, on every SIMD path, so its results do not depend on the path.
inline constexpr uint32_t kCosineLanes = 8;

struct EmbeddingCosineOp {
  CLEAVE_HD CLEAVE_INLINE static void accumulate(float& acc, float a, float b) {
    acc = fmaf(a, b, acc);
  }
  /// Similarity from the dot product of two unit rows.
  CLEAVE_HD CLEAVE_INLINE static double finish(float dot) {
    const double s = static_cast<double>(dot);
    return s > 1.0 ? 1.0 : (s < -1.0 ? -1.0 : s);
  }
};

}  // namespace cleave::kernels
