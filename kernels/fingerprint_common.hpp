#pragma once
/// @file fingerprint_common.hpp
/// @brief What the fused tile kernels (fingerprint_kernel.hpp,
/// cosine_kernel.hpp) share: the block context they receive explicitly, the
/// histogram binning, the edge output buffer, and atomics that are plain
/// additions when tile_harness.hpp runs a block's threads one after another.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/macros.hpp"

namespace cleave::kernels {

/// Host only: throws cleave::error(errc::cuda), or errc::internal when
/// `internal`. Defined in src/similarity/fp_cpu.cpp, because fmt (behind
/// cleave/error.hpp) does not compile under nvcc.
[[noreturn]] void raise_cuda_error(const char* file, int line, const std::string& what,
                                   bool internal = false);

/// What a CUDA thread reads from built-ins, passed explicitly so the same
/// body runs under the CPU harness. 1-D blocks and grids.
struct BlockCtx {
  uint32_t block;      ///< blockIdx.x
  uint32_t thread;     ///< threadIdx.x
  uint32_t block_dim;  ///< blockDim.x
  void* smem;          ///< dynamic shared memory of the block
};

/// Equal bins over [lo, hi]; bin() is Histogram::bin_of to the bit.
struct HistSpec {
  double lo = 0.0;
  double hi = 1.0;
  uint32_t bins = 1000;
  CLEAVE_HD CLEAVE_INLINE uint32_t bin(double v) const {
    const double t = (v - lo) / (hi - lo) * static_cast<double>(bins);
    if (!(t > 0)) return 0;
    const auto b = static_cast<uint64_t>(t);
    return b >= bins ? bins - 1 : static_cast<uint32_t>(b);
  }
};

/// Edges above the threshold leave a launch through this preallocated
/// buffer; `count` may exceed `capacity` (overflow: the caller retries with
/// more room; entries past capacity are not written).
struct EdgeOut {
  uint32_t* u = nullptr;
  uint32_t* v = nullptr;
  float* w = nullptr;
  unsigned long long* count = nullptr;
  unsigned long long capacity = 0;
  unsigned long long* hist = nullptr;  ///< global histogram (HistSpec::bins counts)
};

CLEAVE_HD CLEAVE_INLINE uint32_t atomic_add_u32(uint32_t* p, uint32_t v) {
#if defined(__CUDA_ARCH__)
  return atomicAdd(p, v);
#else
  const uint32_t old = *p;
  *p = old + v;
  return old;
#endif
}

CLEAVE_HD CLEAVE_INLINE unsigned long long atomic_add_u64(unsigned long long* p,
                                                          unsigned long long v) {
#if defined(__CUDA_ARCH__)
  return atomicAdd(p, v);
#else
  const unsigned long long old = *p;
  *p = old + v;
  return old;
#endif
}

/// The word tiles of the popcount kernels (FingerprintTileBody, the
/// all-pairs tiles, and SearchTileBody, queries x targets): a block of
/// kThreads threads covers kBlockRows rows x kBlockCols columns; thread t
/// owns rows (t / kSide) + kSide i and columns (t % kSide) + kSide j, i, j <
/// kMicro. The words go through shared memory in chunks of kChunkWords,
/// double buffered: phase c loads chunk c while it accumulates chunk c - 1.
/// A body derives from this and keeps its parameters in `p` (rows, cols,
/// n_rows, n_cols, words).
struct PopcountTileShape {
  static constexpr uint32_t kThreads = 256;
  static constexpr uint32_t kWarps = kThreads / 32;
  static constexpr uint32_t kSide = 16;  ///< threads per block side
  static constexpr uint32_t kMicro = 4;  ///< pairs per thread per side
  static constexpr uint32_t kBlockRows = kSide * kMicro;
  static constexpr uint32_t kBlockCols = kSide * kMicro;
  static constexpr uint32_t kChunkWords = 4;
  static constexpr uint32_t kChunkTile = kBlockRows * kChunkWords;  ///< words of one side
  /// Each thread loads one 128-bit pair of words of a chunk.
  static_assert(2 * kChunkTile / 2 == kThreads);
  /// Shared memory of the two sides' double-buffered chunks.
  static constexpr std::size_t kWordBytes = sizeof(uint64_t) * 2 * 2 * kChunkTile;

  /// Word chunks of a row of `words` words.
  CLEAVE_HD CLEAVE_INLINE static uint32_t chunks_of(uint32_t words) {
    return (words + kChunkWords - 1) / kChunkWords;
  }
  CLEAVE_HD CLEAVE_INLINE static uint32_t blocks_across_of(uint32_t n_cols) {
    return (n_cols + kBlockCols - 1) / kBlockCols;
  }
  CLEAVE_HD CLEAVE_INLINE static uint32_t grid_of(uint32_t n_rows, uint32_t n_cols) {
    return ((n_rows + kBlockRows - 1) / kBlockRows) * blocks_across_of(n_cols);
  }

  /// Words w and w + 1 of a row of `words` words: one 128-bit load when
  /// `vec` (16-byte aligned rows), words past the row's end as 0.
  CLEAVE_HD CLEAVE_INLINE static void fetch_pair(const uint64_t* src, uint32_t w, uint32_t words,
                                                 bool vec, uint64_t& x0, uint64_t& x1) {
    if (vec && w < words) {
#if defined(__CUDA_ARCH__)
      const ulonglong2 v = __ldg(reinterpret_cast<const ulonglong2*>(src + w));
      x0 = v.x;
      x1 = v.y;
#else
      x0 = src[w];
      x1 = src[w + 1];
#endif
    } else {
      if (w < words) x0 = src[w];
      if (w + 1 < words) x1 = src[w + 1];
    }
  }

  /// Phase ph <= chunks of the word loop: thread t loads pair of words t of
  /// chunk ph (the rows' kChunkTile / 2 pairs, then the columns') into
  /// buffer ph % 2 of `a` / `b`, and accumulates chunk ph - 1 from the other
  /// buffer into `common` with Op::accumulate (zeroed at phase 0). `br`/`bc`:
  /// the block's first row and column; P holds rows, cols, n_rows, n_cols,
  /// words.
  template <class Op, class P>
  CLEAVE_HD CLEAVE_INLINE static void load_and_accumulate(const P& p, uint32_t ph,
                                                          const BlockCtx& ctx, uint32_t br,
                                                          uint32_t bc, uint64_t* a, uint64_t* b,
                                                          uint32_t (&common)[kMicro][kMicro]) {
    if (ph == 0)
      for (uint32_t i = 0; i < kMicro; ++i)
        for (uint32_t j = 0; j < kMicro; ++j) common[i][j] = 0;
    uint64_t x0 = 0, x1 = 0;
    uint64_t* dst = nullptr;
    if (ph < chunks_of(p.words)) {
      const bool col_side = ctx.thread >= kChunkTile / 2;
      const uint32_t idx = col_side ? ctx.thread - kChunkTile / 2 : ctx.thread;
      const uint32_t r = idx / (kChunkWords / 2), half = idx % (kChunkWords / 2);
      const uint32_t first = col_side ? bc : br;
      dst = (col_side ? b : a) + (ph % 2) * kChunkTile + r * kChunkWords + 2 * half;
      if (first + r < (col_side ? p.n_cols : p.n_rows))
        fetch_pair((col_side ? p.cols : p.rows) + static_cast<uint64_t>(first + r) * p.words,
                   ph * kChunkWords + 2 * half, p.words, p.words % 2 == 0, x0, x1);
    }
    if (ph > 0) {  // the loads above are in flight meanwhile
      const uint64_t* a_buf = a + ((ph - 1) % 2) * kChunkTile;
      const uint64_t* b_buf = b + ((ph - 1) % 2) * kChunkTile;
      const uint32_t tr = ctx.thread / kSide, tc = ctx.thread % kSide;
      for (uint32_t k = 0; k < kChunkWords; ++k)
        for (uint32_t i = 0; i < kMicro; ++i) {
          const uint64_t x = a_buf[(tr + kSide * i) * kChunkWords + k];
          for (uint32_t j = 0; j < kMicro; ++j)
            Op::accumulate(common[i][j], x, b_buf[(tc + kSide * j) * kChunkWords + k]);
        }
    }
    if (dst != nullptr) {
      dst[0] = x0;
      dst[1] = x1;
    }
  }
};

/// Block-level compaction, shared by both kernels, in three phases after
/// each thread has stored its edge count in counts[thread]:
///   scan_warps()  counts become exclusive offsets within each warp and
///                 warp_off[w] the total of warp w (shuffles on the device,
///                 in the manner of CUB's WarpScan; lane 0 in order on the
///                 host, where the threads of a phase run one after another)
///   reserve()     thread 0 turns the warp totals into offsets and claims the
///                 block's range of the output with one atomic
///   write()       where a thread's k-th edge goes
/// Within a block the order is fixed; across blocks it follows the atomic,
/// so callers order edges afterwards. block_dim is a multiple of 32.
struct BlockCompaction {
  uint32_t* counts;          ///< block_dim entries in shared memory
  uint32_t* warp_off;        ///< block_dim / 32 entries in shared memory
  unsigned long long* base;  ///< one entry in shared memory

  CLEAVE_HD CLEAVE_INLINE void scan_warps(const BlockCtx& ctx) const {
    const uint32_t lane = ctx.thread % 32;
#if defined(__CUDA_ARCH__)
    const uint32_t own = counts[ctx.thread];
    uint32_t incl = own;
#pragma unroll
    for (uint32_t d = 1; d < 32; d *= 2) {
      const uint32_t up = __shfl_up_sync(0xffffffffu, incl, d);
      if (lane >= d) incl += up;
    }
    counts[ctx.thread] = incl - own;
    if (lane == 31) warp_off[ctx.thread / 32] = incl;
#else
    if (lane != 0) return;
    uint32_t sum = 0;
    for (uint32_t t = ctx.thread; t < ctx.thread + 32; ++t) {
      const uint32_t c = counts[t];
      counts[t] = sum;
      sum += c;
    }
    warp_off[ctx.thread / 32] = sum;
#endif
  }
  CLEAVE_HD CLEAVE_INLINE void reserve(const BlockCtx& ctx, const EdgeOut& out) const {
    if (ctx.thread != 0) return;
    uint32_t sum = 0;
    for (uint32_t w = 0; w < ctx.block_dim / 32; ++w) {
      const uint32_t total = warp_off[w];
      warp_off[w] = sum;
      sum += total;
    }
    *base = sum == 0 ? 0 : atomic_add_u64(out.count, sum);
  }
  /// The output index of the thread's first edge.
  [[nodiscard]] CLEAVE_HD CLEAVE_INLINE unsigned long long first(const BlockCtx& ctx) const {
    return *base + warp_off[ctx.thread / 32] + counts[ctx.thread];
  }
  /// Writes edge (u, v, w) at `at` when it fits.
  CLEAVE_HD CLEAVE_INLINE static void write(const EdgeOut& out, unsigned long long at, uint32_t u,
                                            uint32_t v, float w) {
    if (at < out.capacity) {
      out.u[at] = u;
      out.v[at] = v;
      out.w[at] = w;
    }
  }
};

/// Adds a block's shared histogram into the global one (nonzero bins only),
/// threads striding over the bins.
CLEAVE_HD CLEAVE_INLINE void flush_histogram(const BlockCtx& ctx, const uint32_t* shist,
                                             uint32_t bins, unsigned long long* hist) {
  for (uint32_t b = ctx.thread; b < bins; b += ctx.block_dim)
    if (shist[b] != 0) atomic_add_u64(hist + b, shist[b]);
}

}  // namespace cleave::kernels
