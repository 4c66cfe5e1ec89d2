#pragma once
/// @file fingerprint_kernel.hpp
/// @brief The fused all-pairs kernel body for bit fingerprints: shared-memory
/// tiles of words, popcounts of a & b, the measure's integer finish
/// (fingerprint_finish.hpp: no FP64 for Tanimoto and Dice), the threshold,
/// a per-block shared histogram and block-aggregated compaction of edges.
///
/// A block of kThreads threads covers kBlockRows x kBlockCols pairs; thread t
/// owns rows (t / 16) + 16 i and columns (t % 16) + 16 j, i, j < 4, so the
/// threads of a warp read different shared-memory words. Fingerprint words
/// stream through shared memory kChunkWords at a time (a 4-word chunk of 64
/// rows and 64 columns is 4 KiB), loaded 128 bits per thread when rows are
/// 16-byte aligned (an even number of words), into two buffers: while the
/// block accumulates chunk c - 1 from one, its loads of chunk c are in
/// flight into the other, one barrier per chunk. Phases (each ends at a
/// barrier; C chunks):
///   c      0 <= c <= C: load chunk c (if c < C; zero beyond the edges)
///          into buffer c % 2 and accumulate |a & b| of chunk c - 1 (if
///          c > 0) from buffer (c - 1) % 2; at c = 0 also clear the shared
///          histogram
///   C+1    finish, histogram (shared atomics), count edges per thread
///   C+2    exclusive scan of the counts within each warp (shuffles on the
///          device, in the CUB WarpScan manner; lane 0 in order on the host)
///   C+3    thread 0 scans the warp totals and reserves the block's output
///          range with one atomic; histogram flushed
///   C+4    write edges
#include <cstddef>
#include <cstdint>

#include "kernels/fingerprint_common.hpp"
#include "kernels/fingerprint_finish.hpp"
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
  IntFinish fin;  ///< threshold and histogram, as integer tables
  EdgeOut out;
};

template <class Op>
struct FingerprintTileBody : PopcountTileShape {
  using Finish = typename FinishOf<Op>::type;

  struct Locals {
    uint32_t common[kMicro][kMicro];
    uint32_t hits;  ///< bit 4 i + j: pair (i, j) is an edge
  };

  FpTileParams p;
  CLEAVE_HD explicit FingerprintTileBody(const FpTileParams& q) : p(q) {}

  [[nodiscard]] CLEAVE_HD uint32_t chunks() const { return chunks_of(p.words); }
  [[nodiscard]] CLEAVE_HD uint32_t blocks_across() const { return blocks_across_of(p.n_cols); }
  [[nodiscard]] CLEAVE_HD uint32_t grid() const { return grid_of(p.n_rows, p.n_cols); }
  [[nodiscard]] CLEAVE_HD uint32_t num_phases() const { return chunks() + 5; }
  [[nodiscard]] CLEAVE_HD std::size_t shared_bytes() const {
    return kWordBytes + sizeof(unsigned long long) +
           sizeof(uint32_t) * (kWarps + kThreads + p.fin.bins);
  }

  struct Shared {
    uint64_t* a;  ///< [2][kBlockRows][kChunkWords]: two buffers of row words
    uint64_t* b;  ///< [2][kBlockCols][kChunkWords]: two buffers of column words
    unsigned long long* base;
    uint32_t* warp_off;  ///< [kWarps]
    uint32_t* counts;    ///< [kThreads]
    uint32_t* hist;      ///< [bins]
  };
  CLEAVE_HD CLEAVE_INLINE Shared shared(void* smem) const {
    Shared s;
    s.a = static_cast<uint64_t*>(smem);
    s.b = s.a + 2 * kChunkTile;
    s.base = reinterpret_cast<unsigned long long*>(s.b + 2 * kChunkTile);
    s.warp_off = reinterpret_cast<uint32_t*>(s.base + 1);
    s.counts = s.warp_off + kWarps;
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
    if (ph <= n_chunks) {  // load chunk ph, accumulate chunk ph - 1
      if (ph == 0)
        for (uint32_t b = ctx.thread; b < p.fin.bins; b += ctx.block_dim) s.hist[b] = 0;
      load_and_accumulate<Op>(p, ph, ctx, br, bc, s.a, s.b, loc.common);
    } else if (ph == n_chunks + 1) {  // finish, histogram, count
      uint32_t n = 0, hits = 0;
      for_pairs(ctx, [&](uint32_t i, uint32_t j, uint32_t r, uint32_t c, uint64_t, uint64_t) {
        const PairFinish d = Finish::decide(p.row_pc[r], p.col_pc[c], loc.common[i][j], p.fin);
        atomic_add_u32(s.hist + d.bin, 1);
        n += d.hit;
        hits |= static_cast<uint32_t>(d.hit) << (kMicro * i + j);
      });
      loc.hits = hits;
      s.counts[ctx.thread] = n;
    } else if (ph == n_chunks + 2) {  // scan counts within each warp
      compaction(s).scan_warps(ctx);
    } else if (ph == n_chunks + 3) {  // reserve output, flush histogram
      compaction(s).reserve(ctx, p.out);
      flush_histogram(ctx, s.hist, p.fin.bins, p.out.hist);
    } else {  // write edges
      if (loc.hits == 0) return;
      unsigned long long at = compaction(s).first(ctx);
      for_pairs(ctx, [&](uint32_t i, uint32_t j, uint32_t r, uint32_t c, uint64_t gi, uint64_t gj) {
        if (((loc.hits >> (kMicro * i + j)) & 1) == 0) return;
        BlockCompaction::write(p.out, at++, static_cast<uint32_t>(gi), static_cast<uint32_t>(gj),
                               Finish::weight(p.row_pc[r], p.col_pc[c], loc.common[i][j]));
      });
    }
  }

  CLEAVE_HD CLEAVE_INLINE static BlockCompaction compaction(const Shared& s) {
    return BlockCompaction{s.counts, s.warp_off, s.base};
  }
};

}  // namespace cleave::kernels
