#pragma once
/// @file cosine_kernel.hpp
/// @brief The fused threshold kernel body for embedding cosine: it reads a
/// tile of dot products of unit rows (from cuBLAS sgemm on the device, or
/// from the CPU backend under the harness), and in one pass builds the
/// per-block shared histogram, applies the threshold and compacts the edges.
///
/// Block b covers kRowsPerBlock rows of the tile; thread t visits the
/// elements t, t + blockDim, ... of that slab in row-major order. Phases:
///   0  clear the shared histogram
///   1  finish, histogram (shared atomics), count edges per thread
///   2  thread 0 reserves the block's output range; histogram flushed
///   3  write edges (the similarities are read again rather than kept)
#include <cstddef>
#include <cstdint>

#include "kernels/cosine_ops.hpp"
#include "kernels/fingerprint_common.hpp"

namespace cleave::kernels {

/// Rows [row0, row0 + n_rows) against columns [col0, col0 + n_cols):
/// dot(r, c) = dots[r * ld + c]; pairs with global row < global column.
struct CosineTileParams {
  const float* dots = nullptr;
  uint64_t ld = 0;
  uint64_t row0 = 0, col0 = 0;
  uint32_t n_rows = 0, n_cols = 0;
  double threshold = 1.0;
  HistSpec hist;
  EdgeOut out;
};

struct CosineThresholdBody {
  static constexpr uint32_t kThreads = 256;
  static constexpr uint32_t kRowsPerBlock = 8;

  struct Locals {
    uint32_t unused;
  };

  CosineTileParams p;

  [[nodiscard]] CLEAVE_HD uint32_t grid() const {
    return (p.n_rows + kRowsPerBlock - 1) / kRowsPerBlock;
  }
  [[nodiscard]] CLEAVE_HD uint32_t num_phases() const { return 4; }
  [[nodiscard]] CLEAVE_HD std::size_t shared_bytes() const {
    return sizeof(unsigned long long) + sizeof(uint32_t) * (kThreads + p.hist.bins);
  }

  template <class F>
  CLEAVE_HD CLEAVE_INLINE void for_pairs(const BlockCtx& ctx, F&& f) const {
    const uint32_t r0 = ctx.block * kRowsPerBlock;
    const uint32_t rows = p.n_rows - r0 < kRowsPerBlock ? p.n_rows - r0 : kRowsPerBlock;
    const uint64_t count = static_cast<uint64_t>(rows) * p.n_cols;
    for (uint64_t e = ctx.thread; e < count; e += ctx.block_dim) {
      const uint32_t r = r0 + static_cast<uint32_t>(e / p.n_cols);
      const uint32_t c = static_cast<uint32_t>(e % p.n_cols);
      const uint64_t gi = p.row0 + r, gj = p.col0 + c;
      if (gi < gj) f(gi, gj, EmbeddingCosineOp::finish(p.dots[r * p.ld + c]));
    }
  }

  CLEAVE_HD void phase(uint32_t ph, const BlockCtx& ctx, Locals&) const {
    unsigned long long* base = static_cast<unsigned long long*>(ctx.smem);
    uint32_t* counts = reinterpret_cast<uint32_t*>(base + 1);
    uint32_t* hist = counts + kThreads;
    const BlockCompaction compaction{counts, base};
    if (ph == 0) {
      for (uint32_t b = ctx.thread; b < p.hist.bins; b += ctx.block_dim) hist[b] = 0;
    } else if (ph == 1) {
      uint32_t n = 0;
      for_pairs(ctx, [&](uint64_t, uint64_t, double sim) {
        atomic_add_u32(hist + p.hist.bin(sim), 1);
        n += sim >= p.threshold;
      });
      counts[ctx.thread] = n;
    } else if (ph == 2) {
      compaction.reserve(ctx, p.out);
      flush_histogram(ctx, hist, p.hist.bins, p.out.hist);
    } else {
      uint32_t k = 0;
      for_pairs(ctx, [&](uint64_t gi, uint64_t gj, double sim) {
        if (sim >= p.threshold)
          compaction.write(ctx, p.out, k++, static_cast<uint32_t>(gi), static_cast<uint32_t>(gj),
                           static_cast<float>(sim));
      });
    }
  }
};

}  // namespace cleave::kernels
