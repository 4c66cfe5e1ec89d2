#pragma once
/// @file cosine_kernel.hpp
/// @brief The fused threshold kernel body for embedding cosine: it reads a
/// tile of dot products of unit rows (from cuBLAS sgemm on the device, or
/// from the CPU backend under the harness), and in one pass builds the
/// per-block shared histogram, applies the threshold and compacts the edges.
///
/// Blocks tile the slab in two dimensions, kRowsPerBlock rows by
/// kColsPerBlock columns, so a wide slab of few rows still gives every SM
/// work; thread t visits columns t, t + kThreads, ... of each of the block's
/// rows (coalesced, no division per element). No FP64: the similarity is the
/// float dot clamped to [-1, 1], exactly the CPU's double of it; the
/// threshold is the smallest float not below the double threshold, and the
/// bin comes from a float estimate corrected against a table of the smallest
/// float of each bin (CosineFinishTables), so it is HistSpec::bin to the bit.
/// Phases:
///   0  clear the shared histogram
///   1  finish, histogram (shared atomics), count edges per thread
///   2  scan the counts within each warp
///   3  thread 0 reserves the block's output range; histogram flushed
///   4  write edges (the similarities are read again rather than kept)
#include <cstddef>
#include <cstdint>

#include "kernels/cosine_ops.hpp"
#include "kernels/fingerprint_common.hpp"

namespace cleave::kernels {

/// What the float finish of embedding cosine needs.
struct CosineFinish {
  /// [0, bins): edge[k] is the smallest float whose CPU bin is k or more
  /// (edge[0] unused); device memory, or host memory under the harness.
  const float* edge = nullptr;
  uint32_t bins = 2000;
  float lo = -1.f;     ///< histogram low end, for the estimate
  float scale = 1e3f;  ///< bins / (hi - lo), for the estimate
  /// The smallest float s with double(s) >= the threshold.
  float threshold = 1.f;

  /// The similarity of a dot product: clamped to [-1, 1] (NaN stays NaN).
  CLEAVE_HD CLEAVE_INLINE static float similarity(float dot) {
    return dot > 1.f ? 1.f : (dot < -1.f ? -1.f : dot);
  }
  /// HistSpec::bin(double(s)) for s = similarity(dot).
  [[nodiscard]] CLEAVE_HD CLEAVE_INLINE uint32_t bin(float s) const {
    if (!(s == s)) return 0;  // NaN: bin 0, as HistSpec::bin
    const float est = (s - lo) * scale;
    uint32_t k =
        est > 0.f ? (est < static_cast<float>(bins) ? static_cast<uint32_t>(est) : bins - 1) : 0;
    while (k > 0 && s < edge[k]) --k;
    while (k + 1 < bins && s >= edge[k + 1]) ++k;
    return k;
  }
  [[nodiscard]] CLEAVE_HD CLEAVE_INLINE bool hit(float s) const { return s >= threshold; }
};

/// Rows [row0, row0 + n_rows) against columns [col0, col0 + n_cols):
/// dot(r, c) = dots[r * ld + c]; pairs with global row < global column.
struct CosineTileParams {
  const float* dots = nullptr;
  uint64_t ld = 0;
  uint64_t row0 = 0, col0 = 0;
  uint32_t n_rows = 0, n_cols = 0;
  CosineFinish fin;
  EdgeOut out;
};

struct CosineThresholdBody {
  static constexpr uint32_t kThreads = 256;
  static constexpr uint32_t kRowsPerBlock = 8;
  static constexpr uint32_t kColsPerBlock = 4 * kThreads;

  struct Locals {
    uint32_t unused;
  };

  CosineTileParams p;

  [[nodiscard]] CLEAVE_HD uint32_t blocks_across() const {
    return (p.n_cols + kColsPerBlock - 1) / kColsPerBlock;
  }
  [[nodiscard]] CLEAVE_HD uint32_t grid() const {
    return (p.n_rows + kRowsPerBlock - 1) / kRowsPerBlock * blocks_across();
  }
  [[nodiscard]] CLEAVE_HD uint32_t num_phases() const { return 5; }
  [[nodiscard]] CLEAVE_HD std::size_t shared_bytes() const {
    return sizeof(unsigned long long) + sizeof(uint32_t) * (kThreads / 32 + kThreads + p.fin.bins);
  }

  /// Calls f(global row, global column, similarity) for the thread's pairs.
  template <class F>
  CLEAVE_HD CLEAVE_INLINE void for_pairs(const BlockCtx& ctx, F&& f) const {
    const uint32_t across = blocks_across();
    const uint32_t r0 = ctx.block / across * kRowsPerBlock;
    const uint32_t c0 = ctx.block % across * kColsPerBlock;
    const uint32_t r_end = p.n_rows - r0 < kRowsPerBlock ? p.n_rows : r0 + kRowsPerBlock;
    const uint32_t c_end = p.n_cols - c0 < kColsPerBlock ? p.n_cols : c0 + kColsPerBlock;
    for (uint32_t r = r0; r < r_end; ++r) {
      const uint64_t gi = p.row0 + r;
      const float* row = p.dots + r * p.ld;
      for (uint32_t c = c0 + ctx.thread; c < c_end; c += ctx.block_dim) {
        const uint64_t gj = p.col0 + c;
        if (gi < gj) f(gi, gj, CosineFinish::similarity(row[c]));
      }
    }
  }

  CLEAVE_HD void phase(uint32_t ph, const BlockCtx& ctx, Locals&) const {
    unsigned long long* base = static_cast<unsigned long long*>(ctx.smem);
    uint32_t* warp_off = reinterpret_cast<uint32_t*>(base + 1);
    uint32_t* counts = warp_off + kThreads / 32;
    uint32_t* hist = counts + kThreads;
    const BlockCompaction compaction{counts, warp_off, base};
    if (ph == 0) {
      for (uint32_t b = ctx.thread; b < p.fin.bins; b += ctx.block_dim) hist[b] = 0;
    } else if (ph == 1) {
      uint32_t n = 0;
      for_pairs(ctx, [&](uint64_t, uint64_t, float s) {
        atomic_add_u32(hist + p.fin.bin(s), 1);
        n += p.fin.hit(s);
      });
      counts[ctx.thread] = n;
    } else if (ph == 2) {
      compaction.scan_warps(ctx);
    } else if (ph == 3) {
      compaction.reserve(ctx, p.out);
      flush_histogram(ctx, hist, p.fin.bins, p.out.hist);
    } else {
      unsigned long long at = compaction.first(ctx);
      for_pairs(ctx, [&](uint64_t gi, uint64_t gj, float s) {
        if (p.fin.hit(s))
          BlockCompaction::write(p.out, at++, static_cast<uint32_t>(gi), static_cast<uint32_t>(gj),
                                 s);
      });
    }
  }
};

}  // namespace cleave::kernels
