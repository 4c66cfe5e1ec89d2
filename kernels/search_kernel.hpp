#pragma once
/// @file search_kernel.hpp
/// @brief The query-against-target kernel body for bit fingerprints (the
/// CUDA backend of `cleave search` / `cleave audit`): shared-memory tiles of
/// words and popcounts of a & b as in fingerprint_kernel.hpp, then, per
/// query of the tile, the best target of the tile and the targets that are
/// hits, as integer counts for the host to finish in double.
///
/// Targets are laid out by rank (the host sorts them), so of two targets
/// with equal similarity the one at the lower position wins: every
/// reduction here keeps the first of equals in position order, which is the
/// CPU search's tie rule (search.cpp, Searcher::before).
///
/// Comparisons are exact and agree with the CPU's doubles (SearchOrder):
/// Tanimoto and Dice compare the rationals num / key by 64-bit cross
/// products, which orders them as their doubles RN(num / key) are ordered
/// (RN is monotone, and two different rationals with keys below 2^26 differ
/// by at least 2^-52, so they never round to one double); the threshold test
/// is the integer table of fingerprint_finish.hpp (hit_from, built with the
/// CPU's own finish()). Cosine is irrational: it compares the measure's own
/// double finish (BitCosineOp::finish, IEEE division and square root, as the
/// tile kernel's exact path does). The host turns every reported count into
/// its similarity with the CPU's finish(), so the values are the CPU's.
///
/// A block of kThreads threads covers kBlockRows queries x kBlockCols
/// targets; thread t owns queries (t / 16) + 16 i and targets (t % 16) + 16 j,
/// i, j < 4. Phases (each ends at a barrier; C word chunks):
///   c      0 <= c <= C: load chunk c, accumulate chunk c - 1 (double
///          buffered, as FingerprintTileBody)
///   C+1    per query row of the thread: its best target (first of equals)
///          into shared memory; hits marked and counted
///   C+2    threads t < kBlockRows reduce row t's 16 candidates into the
///          tile's best (SearchBest); every warp scans its hit counts
///   C+3    thread 0 reserves the block's range of the hit output
///   C+4    write hits (query, target position, |a & b|)
/// Hits leave through a preallocated buffer whose count may exceed its
/// capacity (the caller reruns with more room), as EdgeOut does. A second
/// body, SearchRowBestBody, reduces a launch's tile bests to one per query
/// with the same keys and tie rule when no top-k floor needs them.
#include <cstddef>
#include <cstdint>

#include "kernels/fingerprint_common.hpp"
#include "kernels/fingerprint_finish.hpp"
#include "kernels/fingerprint_ops.hpp"

namespace cleave::kernels {

/// No target (an empty tile row), no floor.
inline constexpr uint32_t kSearchNone = 0xffffffffu;

/// The best target of one query in one tile of targets.
struct SearchBest {
  uint32_t target;  ///< position in the rank-ordered targets, kSearchNone: none
  uint32_t common;  ///< |a & b|
};

/// Hits leave a launch here: query row (of the launch's query set), target
/// position and |a & b|; `count` may exceed `capacity` (entries past it are
/// not written).
struct SearchHitOut {
  uint32_t* query = nullptr;
  uint32_t* target = nullptr;
  uint32_t* common = nullptr;
  unsigned long long* count = nullptr;
  unsigned long long capacity = 0;
};

/// Exact comparisons of pairs of one query (popcount pa) for measure Op.
template <class Op>
struct SearchOrder;

/// Tanimoto (num = c, key = |a| + |b| - c) and Dice (num = 2c, key = |a| +
/// |b|): s = RN(num / key), compared as rationals.
template <bool kDice>
struct RatioOrder {
  /// num / den of the pair, den > 0; the empty pair (key 0) as its
  /// finish(): 1 / 1 for Tanimoto, 0 / 1 for Dice.
  struct Key {
    uint64_t num, den;
  };
  CLEAVE_HD CLEAVE_INLINE static Key key(uint32_t pa, uint32_t pb, uint32_t c) {
    const uint32_t k = kDice ? pa + pb : pa + pb - c;
    if (k == 0) return {kDice ? 0u : 1u, 1};
    return {kDice ? 2 * uint64_t{c} : c, k};
  }
  /// -1, 0, 1 as x <, ==, > y (cross products below 2^52).
  CLEAVE_HD CLEAVE_INLINE static int cmp(const Key& x, const Key& y) {
    const uint64_t l = x.num * y.den, r = y.num * x.den;
    return l < r ? -1 : (l > r ? 1 : 0);
  }
  /// sim >= threshold, from the integer table.
  CLEAVE_HD CLEAVE_INLINE static bool reaches(uint32_t pa, uint32_t pb, uint32_t c, const Key&,
                                              const IntFinish& f) {
    const uint32_t k = kDice ? pa + pb : pa + pb - c;
    if (k == 0) return f.empty_hit;
    return c >= load_ro(f.hit_from + k);
  }
};

template <>
struct SearchOrder<TanimotoOp> : RatioOrder<false> {};
template <>
struct SearchOrder<DiceOp> : RatioOrder<true> {};

/// Cosine: the measure's double finish, computed once per pair.
template <>
struct SearchOrder<BitCosineOp> {
  using Key = double;
  CLEAVE_HD CLEAVE_INLINE static Key key(uint32_t pa, uint32_t pb, uint32_t c) {
    return BitCosineOp::finish(pa, pb, c);
  }
  CLEAVE_HD CLEAVE_INLINE static int cmp(Key x, Key y) { return x < y ? -1 : (x > y ? 1 : 0); }
  CLEAVE_HD CLEAVE_INLINE static bool reaches(uint32_t, uint32_t, uint32_t, Key k,
                                              const IntFinish& f) {
    return k >= f.threshold;
  }
};

/// One launch: queries [0, n_rows) against targets at positions
/// [col0, col0 + n_cols) of the rank-ordered target set.
struct SearchTileParams {
  const uint64_t* rows = nullptr;    ///< n_rows x words (queries)
  const uint64_t* cols = nullptr;    ///< n_cols x words (targets col0 ..)
  const uint32_t* row_pc = nullptr;  ///< n_rows
  const uint32_t* col_pc = nullptr;  ///< n_cols
  uint32_t row0 = 0;                 ///< query number of rows[0], as reported in hits
  uint32_t col0 = 0;                 ///< position of cols[0]
  uint32_t n_rows = 0, n_cols = 0, words = 0;
  /// Tile bests: best[r * best_stride + column block] for r < n_rows and
  /// column blocks [0, ceil(n_cols / kBlockCols)).
  SearchBest* best = nullptr;
  uint32_t best_stride = 0;
  /// Whether hits are written (otherwise only the bests).
  bool emit = false;
  /// Threshold: Tanimoto, Dice: hit_from and empty_hit; cosine: threshold.
  IntFinish fin;
  /// Per query (n_rows, or null: none): a hit must also be at least as
  /// similar as the pair (floor_pb[r], floor_c[r]); floor_pb[r] ==
  /// kSearchNone: no floor for that query.
  const uint32_t* floor_pb = nullptr;
  const uint32_t* floor_c = nullptr;
  SearchHitOut out;
};

template <class Op>
struct SearchTileBody : PopcountTileShape {
  using Order = SearchOrder<Op>;
  using Key = typename Order::Key;

  struct Locals {
    uint32_t common[kMicro][kMicro];
    uint32_t hits;  ///< bit 4 i + j: pair (i, j) is a hit
  };

  SearchTileParams p;
  CLEAVE_HD explicit SearchTileBody(const SearchTileParams& q) : p(q) {}

  [[nodiscard]] CLEAVE_HD uint32_t chunks() const { return chunks_of(p.words); }
  [[nodiscard]] CLEAVE_HD uint32_t blocks_across() const { return blocks_across_of(p.n_cols); }
  [[nodiscard]] CLEAVE_HD uint32_t grid() const { return grid_of(p.n_rows, p.n_cols); }
  [[nodiscard]] CLEAVE_HD uint32_t num_phases() const { return chunks() + 5; }
  [[nodiscard]] CLEAVE_HD std::size_t shared_bytes() const {
    return kWordBytes + sizeof(unsigned long long) +
           sizeof(uint32_t) * (kWarps + kThreads + 2 * kBlockRows * kSide);
  }

  struct Shared {
    uint64_t* a;  ///< [2][kBlockRows][kChunkWords]
    uint64_t* b;  ///< [2][kBlockCols][kChunkWords]
    unsigned long long* base;
    uint32_t* warp_off;  ///< [kWarps]
    uint32_t* counts;    ///< [kThreads]
    uint32_t* cand_t;    ///< [kBlockRows][kSide]: each thread's best target of a row
    uint32_t* cand_c;    ///< [kBlockRows][kSide]: its |a & b|
  };
  CLEAVE_HD CLEAVE_INLINE Shared shared(void* smem) const {
    Shared s;
    s.a = static_cast<uint64_t*>(smem);
    s.b = s.a + 2 * kChunkTile;
    s.base = reinterpret_cast<unsigned long long*>(s.b + 2 * kChunkTile);
    s.warp_off = reinterpret_cast<uint32_t*>(s.base + 1);
    s.counts = s.warp_off + kWarps;
    s.cand_t = s.counts + kThreads;
    s.cand_c = s.cand_t + kBlockRows * kSide;
    return s;
  }

  CLEAVE_HD void phase(uint32_t ph, const BlockCtx& ctx, Locals& loc) const {
    const Shared s = shared(ctx.smem);
    const uint32_t n_chunks = chunks();
    const uint32_t br = (ctx.block / blocks_across()) * kBlockRows;
    const uint32_t bx = ctx.block % blocks_across();
    const uint32_t bc = bx * kBlockCols;
    const uint32_t tr = ctx.thread / kSide, tc = ctx.thread % kSide;
    if (ph <= n_chunks) {  // load chunk ph, accumulate chunk ph - 1
      load_and_accumulate<Op>(p, ph, ctx, br, bc, s.a, s.b, loc.common);
    } else if (ph == n_chunks + 1) {  // per-row candidates, hits
      uint32_t n = 0, hits = 0;
      for (uint32_t i = 0; i < kMicro; ++i) {
        const uint32_t lr = tr + kSide * i, r = br + lr;
        uint32_t best_t = kSearchNone, best_c = 0;
        if (r < p.n_rows) {
          const uint32_t pa = p.row_pc[r];
          const bool floored = p.floor_pb != nullptr && p.floor_pb[r] != kSearchNone;
          const Key floor = floored ? Order::key(pa, p.floor_pb[r], p.floor_c[r]) : Key{};
          Key best{};
          // Columns ascend with j: a later column replaces only a strictly better one.
          for (uint32_t j = 0; j < kMicro; ++j) {
            const uint32_t c = bc + tc + kSide * j;
            if (c >= p.n_cols) break;
            const uint32_t common = loc.common[i][j], pb = p.col_pc[c];
            const Key k = Order::key(pa, pb, common);
            if (best_t == kSearchNone || Order::cmp(k, best) > 0) {
              best_t = c;
              best_c = common;
              best = k;
            }
            if (p.emit && Order::reaches(pa, pb, common, k, p.fin) &&
                (!floored || Order::cmp(k, floor) >= 0)) {
              ++n;
              hits |= 1u << (kMicro * i + j);
            }
          }
        }
        s.cand_t[lr * kSide + tc] = best_t;
        s.cand_c[lr * kSide + tc] = best_c;
      }
      loc.hits = hits;
      s.counts[ctx.thread] = n;
    } else if (ph == n_chunks + 2) {  // tile bests; scan hit counts
      if (ctx.thread < kBlockRows && br + ctx.thread < p.n_rows) {
        const uint32_t r = br + ctx.thread, pa = p.row_pc[r];
        uint32_t best_t = kSearchNone, best_c = 0;
        Key best{};
        for (uint32_t k = 0; k < kSide; ++k) {
          const uint32_t t = s.cand_t[ctx.thread * kSide + k], c = s.cand_c[ctx.thread * kSide + k];
          if (t == kSearchNone) continue;
          const Key x = Order::key(pa, p.col_pc[t], c);
          const int d = best_t == kSearchNone ? 1 : Order::cmp(x, best);
          if (d > 0 || (d == 0 && t < best_t)) {
            best_t = t;
            best_c = c;
            best = x;
          }
        }
        SearchBest& out = p.best[static_cast<uint64_t>(r) * p.best_stride + bx];
        out.target = best_t == kSearchNone ? kSearchNone : p.col0 + best_t;
        out.common = best_c;
      }
      compaction(s).scan_warps(ctx);
    } else if (ph == n_chunks + 3) {  // reserve the block's hit range
      if (ctx.thread == 0) {
        uint32_t sum = 0;
        for (uint32_t w = 0; w < kWarps; ++w) {
          const uint32_t total = s.warp_off[w];
          s.warp_off[w] = sum;
          sum += total;
        }
        *s.base = sum == 0 ? 0 : atomic_add_u64(p.out.count, sum);
      }
    } else {  // write hits
      if (loc.hits == 0) return;
      unsigned long long at = compaction(s).first(ctx);
      for (uint32_t i = 0; i < kMicro; ++i)
        for (uint32_t j = 0; j < kMicro; ++j) {
          if (((loc.hits >> (kMicro * i + j)) & 1) == 0) continue;
          if (at < p.out.capacity) {
            p.out.query[at] = p.row0 + br + tr + kSide * i;
            p.out.target[at] = p.col0 + bc + tc + kSide * j;
            p.out.common[at] = loc.common[i][j];
          }
          ++at;
        }
    }
  }

  CLEAVE_HD CLEAVE_INLINE static BlockCompaction compaction(const Shared& s) {
    return BlockCompaction{s.counts, s.warp_off, s.base};
  }
};

/// Reduces the tile bests of each query of a launch to one (the first of
/// equals in position order), so the host finishes one pair per query and
/// launch instead of one per 64 targets. One thread per query, one phase.
struct SearchRowBestParams {
  const SearchBest* best = nullptr;  ///< n_rows x stride tile bests (SearchTileParams::best)
  uint32_t stride = 0;
  uint32_t n_rows = 0;
  const uint32_t* row_pc = nullptr;  ///< n_rows
  const uint32_t* pop = nullptr;     ///< popcounts by target position (from position 0)
  SearchBest* out = nullptr;         ///< n_rows
};

template <class Op>
struct SearchRowBestBody {
  using Order = SearchOrder<Op>;
  using Key = typename Order::Key;
  static constexpr uint32_t kThreads = 256;
  struct Locals {
    uint32_t unused;
  };

  SearchRowBestParams p;

  [[nodiscard]] CLEAVE_HD uint32_t grid() const { return (p.n_rows + kThreads - 1) / kThreads; }
  [[nodiscard]] CLEAVE_HD uint32_t num_phases() const { return 1; }
  [[nodiscard]] CLEAVE_HD std::size_t shared_bytes() const { return 0; }

  CLEAVE_HD void phase(uint32_t, const BlockCtx& ctx, Locals&) const {
    const uint32_t r = ctx.block * ctx.block_dim + ctx.thread;
    if (r >= p.n_rows) return;
    const uint32_t pa = p.row_pc[r];
    SearchBest best{kSearchNone, 0};
    Key best_key{};
    for (uint32_t k = 0; k < p.stride; ++k) {
      const SearchBest e = p.best[static_cast<uint64_t>(r) * p.stride + k];
      if (e.target == kSearchNone) continue;
      const Key x = Order::key(pa, p.pop[e.target], e.common);
      const int d = best.target == kSearchNone ? 1 : Order::cmp(x, best_key);
      if (d > 0 || (d == 0 && e.target < best.target)) {
        best = e;
        best_key = x;
      }
    }
    p.out[r] = best;
  }
};

}  // namespace cleave::kernels
