#pragma once
/// @file align_tile.hpp
/// @brief Body of the CUDA tile kernel for sequence alignment, written for
/// explicit block and thread indices so that tests run it on the CPU block
/// by block. One thread aligns one pair at a time (grid-stride over the
/// tile's pairs) with its DP column in global scratch, swept once per strip
/// of kAlignStrip outer positions held in registers, interleaved across
/// threads (cell k of thread t at work[k * n_threads + t]) so that a warp's
/// accesses are coalesced. Each pair's identity goes into the global
/// histogram; pairs at or above the threshold claim an edge slot with one
/// atomic (edges are rare next to the cost of a DP).
#include <cstdint>

#include "kernels/align.hpp"
#include "kernels/fingerprint_common.hpp"
#include "kernels/macros.hpp"

namespace cleave::kernels {

struct AlignTileJob {
  const uint8_t* residues = nullptr;
  const uint64_t* offsets = nullptr;
  uint64_t row0 = 0, row1 = 0, col0 = 0, col1 = 0;
  ScoreScheme sc;
  bool local = false;
  bool shorter = false;  ///< identity over the shorter sequence, else over the alignment
  double threshold = 1.0;
  HistSpec hist;
  DpCell* work = nullptr;  ///< (max length + 1) * n_threads cells
  EdgeOut out;             ///< pairs i < j: all in hist, id >= threshold as edges
};

/// Outer positions a thread keeps in registers per pass over its column
/// (align_stats' kStrip): the global scratch is read and written once per
/// 8 positions.
inline constexpr int kAlignStrip = 8;

/// Work of thread `thread` of block `block` in a grid of `grid_dim` blocks
/// of `block_dim` threads.
CLEAVE_HD inline void align_tile_body(const AlignTileJob& job, uint32_t block, uint32_t thread,
                                      uint32_t block_dim, uint32_t grid_dim) {
  const uint64_t width = job.col1 - job.col0;
  const uint64_t total = (job.row1 - job.row0) * width;
  const uint64_t n_threads = uint64_t{block_dim} * grid_dim;
  const uint64_t t = uint64_t{block} * block_dim + thread;
  DpCell* col = job.work + t;
  for (uint64_t p = t; p < total; p += n_threads) {
    const uint64_t i = job.row0 + p / width, j = job.col0 + p % width;
    if (i >= j) continue;
    const uint8_t* s1 = job.residues + job.offsets[i];
    const uint8_t* s2 = job.residues + job.offsets[j];
    const auto n1 = static_cast<int32_t>(job.offsets[i + 1] - job.offsets[i]);
    const auto n2 = static_cast<int32_t>(job.offsets[j + 1] - job.offsets[j]);
    const AlignStats s = job.local
                             ? align_stats<true, kAlignStrip>(s1, n1, s2, n2, job.sc, col,
                                                              static_cast<int64_t>(n_threads))
                             : align_stats<false, kAlignStrip>(s1, n1, s2, n2, job.sc, col,
                                                               static_cast<int64_t>(n_threads));
    const double id = stats_identity(s, n1, n2, job.shorter);
    atomic_add_u64(job.out.hist + job.hist.bin(id), 1);
    if (id >= job.threshold) {
      const unsigned long long slot = atomic_add_u64(job.out.count, 1);
      if (slot < job.out.capacity) {
        job.out.u[slot] = static_cast<uint32_t>(i);
        job.out.v[slot] = static_cast<uint32_t>(j);
        job.out.w[slot] = static_cast<float>(id);
      }
    }
  }
}

}  // namespace cleave::kernels
