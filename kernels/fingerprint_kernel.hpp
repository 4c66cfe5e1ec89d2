#pragma once
/// @file fingerprint_kernel.hpp
/// @brief The fused all-pairs kernel body for bit fingerprints: shared-memory
/// tiles of words, popcounts of a & b, the measure's finish, the threshold,
/// a per-block shared histogram and block-aggregated compaction of edges.
///
/// A block of kThreads threads covers kBlockRows x kBlockCols pairs; thread t
/// owns rows (t / 16) + 16 i and columns (t % 16) + 16 j, i, j < 4, so the
/// threads of a warp read different shared-memory words. Fingerprint words
/// stream through shared memory kChunkWords at a time (a 4-word chunk of 64
/// rows and 64 columns is 4 KiB). Phases (each ends at a barrier):
///   2c     load chunk c of the rows and columns (zero beyond the edges);
///          at c = 0 also clear the shared histogram
///   2c+1   accumulate |a & b| of the chunk
///   2C     finish, histogram (shared atomics), count edges per thread
///   2C+1   thread 0 reserves the block's output range; histogram flushed
///   2C+2   write edges
#include <cstddef>
#include <cstdint>

#include "kernels/fingerprint_common.hpp"
#include "kernels/fingerprint_ops.hpp"

namespace cleave::kernels {

/// One launch: rows [row0, row0 + n_rows) against columns
/// [col0, col0 + n_cols), pairs with global row < global column.
struct FpTileParams {
  const uint64_t* rows = nullptr;  ///< n_rows x words
  const uint64_t* cols = nullptr;  ///< n_cols x words
  const uint32_t* row_pc = nullptr;
  const uint32_t* col_pc = nullptr;
  uint64_t row0 = 0, col0 = 0;
  uint32_t n_rows = 0, n_cols = 0, words = 0;
  double threshold = 1.0;
  HistSpec hist;
  EdgeOut out;
};

template <class Op>
struct FingerprintTileBody {
  static constexpr uint32_t kThreads = 256;
  static constexpr uint32_t kSide = 16;  ///< threads per block side
  static constexpr uint32_t kMicro = 4;  ///< pairs per thread per side
  static constexpr uint32_t kBlockRows = kSide * kMicro;
  static constexpr uint32_t kBlockCols = kSide * kMicro;
  static constexpr uint32_t kChunkWords = 4;

  struct Locals {
    uint32_t common[kMicro][kMicro];
  };

  FpTileParams p;

  [[nodiscard]] CLEAVE_HD uint32_t chunks() const {
    return (p.words + kChunkWords - 1) / kChunkWords;
  }
  [[nodiscard]] CLEAVE_HD uint32_t blocks_across() const {
    return (p.n_cols + kBlockCols - 1) / kBlockCols;
  }
  [[nodiscard]] CLEAVE_HD uint32_t grid() const {
    return ((p.n_rows + kBlockRows - 1) / kBlockRows) * blocks_across();
  }
  [[nodiscard]] CLEAVE_HD uint32_t num_phases() const { return 2 * chunks() + 3; }
  [[nodiscard]] CLEAVE_HD std::size_t shared_bytes() const {
    return sizeof(uint64_t) * kChunkWords * (kBlockRows + kBlockCols) + sizeof(unsigned long long) +
           sizeof(uint32_t) * (kThreads + p.hist.bins);
  }

  struct Shared {
    uint64_t* a;  ///< [kBlockRows][kChunkWords]
    uint64_t* b;  ///< [kBlockCols][kChunkWords]
    unsigned long long* base;
    uint32_t* counts;  ///< [kThreads]
    uint32_t* hist;    ///< [bins]
  };
  CLEAVE_HD CLEAVE_INLINE Shared shared(void* smem) const {
    Shared s;
    s.a = static_cast<uint64_t*>(smem);
    s.b = s.a + kBlockRows * kChunkWords;
    s.base = reinterpret_cast<unsigned long long*>(s.b + kBlockCols * kChunkWords);
    s.counts = reinterpret_cast<uint32_t*>(s.base + 1);
    s.hist = s.counts + kThreads;
    return s;
  }

  /// Calls f(i, j, row in tile, column in tile, global row, global column)
  /// for every pair of the thread that lies in the tile and above the diagonal.
  template <class F>
  CLEAVE_HD CLEAVE_INLINE void for_pairs(const BlockCtx& ctx, F&& f) const {
    const uint32_t br = (ctx.block / blocks_across()) * kBlockRows;
    const uint32_t bc = (ctx.block % blocks_across()) * kBlockCols;
    for (uint32_t i = 0; i < kMicro; ++i) {
      const uint32_t r = br + ctx.thread / kSide + kSide * i;
      if (r >= p.n_rows) break;
      for (uint32_t j = 0; j < kMicro; ++j) {
        const uint32_t c = bc + ctx.thread % kSide + kSide * j;
        if (c >= p.n_cols) break;
        const uint64_t gi = p.row0 + r, gj = p.col0 + c;
        if (gi < gj) f(i, j, r, c, gi, gj);
      }
    }
  }

  CLEAVE_HD void phase(uint32_t ph, const BlockCtx& ctx, Locals& loc) const {
    const Shared s = shared(ctx.smem);
    const uint32_t n_chunks = chunks();
    const uint32_t br = (ctx.block / blocks_across()) * kBlockRows;
    const uint32_t bc = (ctx.block % blocks_across()) * kBlockCols;
    if (ph < 2 * n_chunks && ph % 2 == 0) {  // load a chunk
      const uint32_t w0 = (ph / 2) * kChunkWords;
      if (ph == 0) {
        for (uint32_t b = ctx.thread; b < p.hist.bins; b += ctx.block_dim) s.hist[b] = 0;
        for (uint32_t i = 0; i < kMicro; ++i)
          for (uint32_t j = 0; j < kMicro; ++j) loc.common[i][j] = 0;
      }
      for (uint32_t e = ctx.thread; e < kBlockRows * kChunkWords; e += ctx.block_dim) {
        const uint32_t r = e / kChunkWords, w = w0 + e % kChunkWords;
        s.a[e] = (br + r < p.n_rows && w < p.words)
                     ? p.rows[static_cast<uint64_t>(br + r) * p.words + w]
                     : 0;
        s.b[e] = (bc + r < p.n_cols && w < p.words)
                     ? p.cols[static_cast<uint64_t>(bc + r) * p.words + w]
                     : 0;
      }
    } else if (ph < 2 * n_chunks) {  // accumulate the chunk
      const uint32_t tr = ctx.thread / kSide, tc = ctx.thread % kSide;
      for (uint32_t k = 0; k < kChunkWords; ++k)
        for (uint32_t i = 0; i < kMicro; ++i) {
          const uint64_t a = s.a[(tr + kSide * i) * kChunkWords + k];
          for (uint32_t j = 0; j < kMicro; ++j)
            Op::accumulate(loc.common[i][j], a, s.b[(tc + kSide * j) * kChunkWords + k]);
        }
    } else if (ph == 2 * n_chunks) {  // finish, histogram, count
      uint32_t n = 0;
      for_pairs(ctx, [&](uint32_t i, uint32_t j, uint32_t r, uint32_t c, uint64_t, uint64_t) {
        const double sim = Op::finish(p.row_pc[r], p.col_pc[c], loc.common[i][j]);
        atomic_add_u32(s.hist + p.hist.bin(sim), 1);
        n += sim >= p.threshold;
      });
      s.counts[ctx.thread] = n;
    } else if (ph == 2 * n_chunks + 1) {  // reserve output, flush histogram
      BlockCompaction{s.counts, s.base}.reserve(ctx, p.out);
      flush_histogram(ctx, s.hist, p.hist.bins, p.out.hist);
    } else {  // write edges
      const BlockCompaction bc_out{s.counts, s.base};
      uint32_t k = 0;
      for_pairs(ctx, [&](uint32_t i, uint32_t j, uint32_t r, uint32_t c, uint64_t gi, uint64_t gj) {
        const double sim = Op::finish(p.row_pc[r], p.col_pc[c], loc.common[i][j]);
        if (sim >= p.threshold)
          bc_out.write(ctx, p.out, k++, static_cast<uint32_t>(gi), static_cast<uint32_t>(gj),
                       static_cast<float>(sim));
      });
    }
  }
};

}  // namespace cleave::kernels
