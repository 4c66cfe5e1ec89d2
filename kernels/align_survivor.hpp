#pragma once
/// @file align_survivor.hpp
/// @brief Body of the CUDA kernel that aligns the prefilter's survivors
/// (candidate pairs (query i, target j)), written for explicit block and
/// thread indices so that tests run it on the CPU (tile_harness.hpp) and
/// compare it with the CPU backend's align_batch.
///
/// Layout, after the inter-sequence GPU aligners (CUDASW++ 4.0, Schmidt,
/// Kallenborn, Chacon, Hundt, Weyers & Schmidt 2024, "CUDASW++4.0:
/// ultra-fast GPU-based Smith-Waterman protein sequence database search",
/// BMC Bioinformatics 25:342; and the SIMD lanes of Rognes 2011, "Faster
/// Smith-Waterman database searches with inter-sequence SIMD
/// parallelisation", BMC Bioinformatics 12:221):
///  - one thread aligns one pair; a warp holds up to 32 pairs that share
///    their query (one prefilter row's candidates, sorted by target length
///    by the host, so the lanes of a warp run nearly the same number of
///    strips);
///  - the inner DP loop runs along the query, which is the same for the 32
///    lanes: the query residue of a step is warp-uniform, so each lane's
///    substitution score is row[target residue] from one 24-entry row of
///    the matrix in shared memory (the query profile of CUDASW++ and Rognes,
///    read at a uniform row: no bank conflicts, no constant-bank
///    serialisation); the query itself is staged in shared memory once per
///    warp when it fits;
///  - one orientation for every lane (the query inner, the target outer,
///    strips of kStrip target positions in registers): no divergent DP
///    variants. align_stats gives the same statistics in both orientations
///    (its tie rules are mapped), so this equals the CPU's results;
///  - the DP column (query length + 1 cells per lane, interleaved so that
///    the 32 lanes of a warp touch 32 consecutive cells) is sized from the
///    warp's own query; it is stored in 16 bits (SurvivorCell16) when every
///    DP value of every pair of the warp provably fits (align_detail::
///    fits_int16, as the CPU's int16 lanes), else in 32 bits. Scores are
///    32-bit in registers; with the 16-bit column, matches and length
///    travel packed in one register (DpTriple). The 16-bit column halves
///    the memory traffic, which with the ALU bounds this loop
///    (bench/RESULTS.md 8b).
#include <cstdint>

#include "kernels/align.hpp"
#include "kernels/fingerprint_common.hpp"
#include "kernels/macros.hpp"

namespace cleave::kernels {

/// A column cell in 32 bits (the layout of DpCell), 8-byte aligned so that
/// it moves in three 64-bit loads and stores.
struct alignas(8) SurvivorCell32 {
  int32_t h, hm, hl, g, gm, gl;
};

/// A column cell in 16 bits, for pairs whose DP values all lie in
/// (-16000, 16000) and whose lengths sum below 16000 (fits_int16); the gap
/// state's minus infinity is stored as INT16_MIN, which no real value
/// reaches. Three 32-bit words (three coalesced 32-bit loads rather than
/// six 16-bit ones): h | g << 16, hm | hl << 16, gm | gl << 16.
struct SurvivorCell16 {
  uint32_t hg, hml, gml;
};

/// One DP value with its statistics (score, matches, length). With packed
/// statistics (the 16-bit column, where lengths stay below 16000) `m` holds
/// matches | length << 16 and `l` stays 0: one register, one select and one
/// add per statistic update instead of two.
struct DpTriple {
  int32_t h, m, l;
};

/// Whether a column type carries packed statistics.
template <class Cell>
inline constexpr bool kPackedStats = false;

/// Statistics (matches, length) in the representation of DpTriple.
template <bool kPacked>
CLEAVE_HD CLEAVE_INLINE DpTriple dp_value(int32_t h, int32_t m, int32_t l) {
  return kPacked ? DpTriple{h, m | (l << 16), 0} : DpTriple{h, m, l};
}

template <bool kPacked>
CLEAVE_HD CLEAVE_INLINE AlignStats dp_stats(const DpTriple& v) {
  return kPacked
             ? AlignStats{v.h, v.m & 0xFFFF, static_cast<int32_t>(static_cast<uint32_t>(v.m) >> 16)}
             : AlignStats{v.h, v.m, v.l};
}

CLEAVE_HD CLEAVE_INLINE void load_cell(const SurvivorCell32& c, DpTriple& h, DpTriple& g) {
  h = DpTriple{c.h, c.hm, c.hl};
  g = DpTriple{c.g, c.gm, c.gl};
}
CLEAVE_HD CLEAVE_INLINE void store_cell(SurvivorCell32& c, const DpTriple& h, const DpTriple& g) {
  c.h = h.h;
  c.hm = h.m;
  c.hl = h.l;
  c.g = g.h;
  c.gm = g.m;
  c.gl = g.l;
}
template <>
inline constexpr bool kPackedStats<SurvivorCell16> = true;

/// The 16-bit column holds packed statistics as they are in registers.
CLEAVE_HD CLEAVE_INLINE void load_cell(const SurvivorCell16& c, DpTriple& h, DpTriple& g) {
  const SurvivorCell16 w = c;
  const auto gs = static_cast<int32_t>(static_cast<int16_t>(w.hg >> 16));
  h = DpTriple{static_cast<int16_t>(w.hg & 0xFFFFu), static_cast<int32_t>(w.hml), 0};
  g = DpTriple{gs == INT16_MIN ? kNegInf32 : gs, static_cast<int32_t>(w.gml), 0};
}
CLEAVE_HD CLEAVE_INLINE void store_cell(SurvivorCell16& c, const DpTriple& h, const DpTriple& g) {
  const int32_t gs = g.h <= kNegInf32 / 2 ? INT16_MIN : g.h;
  c = SurvivorCell16{(static_cast<uint32_t>(h.h) & 0xFFFFu) | (static_cast<uint32_t>(gs) << 16),
                     static_cast<uint32_t>(h.m), static_cast<uint32_t>(g.m)};
}

/// One DP cell with the query (parasail's s1) inner and the target (s2)
/// outer, the rules of align.hpp: `u` is the cell before along the query
/// (becomes this cell), `r` the running gap that consumes the query, `a`
/// the cell of the previous target position (becomes this cell), `ag` its
/// gap state that consumes the target, `d` the diagonal (becomes the old
/// `a`). `s` is the substitution score, `same` whether the residues are
/// equal. kPacked: statistics packed (DpTriple). Shared by the kernel and
/// the CPU harness.
template <bool kLocal, bool kPacked>
CLEAVE_HD CLEAVE_INLINE void survivor_cell(int32_t s, bool same, int32_t open, int32_t ext,
                                           DpTriple& u, DpTriple& r, DpTriple& a, DpTriple& ag,
                                           DpTriple& d) {
  const int32_t r_open = u.h - open, r_ext = r.h - ext;
  if (r_open > r_ext) {
    r.m = u.m;
    r.l = u.l;
  }
  r.h = r_open > r_ext ? r_open : r_ext;
  if (kPacked)
    r.m += 1 << 16;
  else
    r.l += 1;
  const int32_t g_open = a.h - open, g_ext = ag.h - ext;
  if (g_open > g_ext) {
    ag.m = a.m;
    ag.l = a.l;
  }
  ag.h = g_open > g_ext ? g_open : g_ext;
  if (kPacked)
    ag.m += 1 << 16;
  else
    ag.l += 1;
  const int32_t hd = d.h + s;
  int32_t h = hd > ag.h ? hd : ag.h;
  h = h > r.h ? h : r.h;
  if (kLocal && h < 0) h = 0;
  DpTriple c;
  if (h == hd) {
    c = kPacked ? DpTriple{h, d.m + (1 << 16) + (same ? 1 : 0), 0}
                : DpTriple{h, d.m + (same ? 1 : 0), d.l + 1};
  } else if (h == r.h) {  // the gap that consumes s1 wins ties over the other
    c = DpTriple{h, r.m, r.l};
  } else {
    c = DpTriple{h, ag.m, ag.l};
  }
  if (kLocal && h == 0) c.m = c.l = 0;
  d = a;
  a = c;
  u = c;
}

/// One pass of a strip of target positions x0 .. x0 + rows - 1 over the
/// column (the outer loop of align.hpp's align_oriented, query inner).
/// kFull: rows == kStrip, known at compile time, so the unrolled cells carry
/// no bound checks; the last, partial strip runs with kFull false.
template <bool kLocal, int kStrip, bool kFull, class Cell>
CLEAVE_HD CLEAVE_INLINE void survivor_strip(const uint8_t* q, int32_t nq, const uint8_t* t,
                                            int32_t x0, int32_t rows, const int32_t* mat,
                                            int32_t size, int32_t open, int32_t ext, bool lead,
                                            Cell* col, int64_t stride, DpTriple& best,
                                            int32_t& best_s2) {
  constexpr bool kPacked = kPackedStats<Cell>;
  DpTriple u[kStrip], r[kStrip], d[kStrip];
  int32_t rt[kStrip];
  DpTriple c0h, c0g;
  load_cell(col[0], c0h, c0g);
  for (int k = 0; k < kStrip; ++k) {
    if (!kFull && k >= rows) break;
    const int32_t x = x0 + k;
    rt[k] = t[x - 1];
    d[k] = k == 0 ? c0h : u[k - 1];
    u[k] = dp_value<kPacked>(kLocal ? 0 : -open - (x - 1) * ext, 0, lead ? x : 0);
    r[k] = DpTriple{kNegInf32, 0, 0};
  }
  const int32_t x_last = x0 + (kFull ? kStrip : rows) - 1;
  store_cell(col[0],
             dp_value<kPacked>(kLocal ? 0 : -open - (x_last - 1) * ext, 0, lead ? x_last : 0), c0g);
  for (int32_t y = 1; y <= nq; ++y) {
    Cell& cell = col[y * stride];
    const int32_t rq = q[y - 1];
    const int32_t* row = mat + rq * size;
    DpTriple a, ag;
    load_cell(cell, a, ag);
    for (int k = 0; k < kStrip; ++k) {
      if (!kFull && k >= rows) break;
      survivor_cell<kLocal, kPacked>(row[rt[k]], rt[k] == rq, open, ext, u[k], r[k], a, ag, d[k]);
      if (kLocal) {
        const int32_t s2pos = x0 + k;
        if (a.h > best.h || (a.h == best.h && s2pos < best_s2)) {
          best = a;
          best_s2 = s2pos;
        }
      }
    }
    store_cell(cell, a, ag);
  }
}

/// Statistics of query q (s1, nq residues) against target t (s2, nt), as
/// align_stats gives them, the query inner: the column holds nq + 1 cells
/// at col[k * stride]; `mat` is the substitution matrix as int32, row
/// `size` entries long (in shared memory on the device). kStrip target
/// positions are kept in registers per pass over the column.
template <bool kLocal, int kStrip, class Cell>
CLEAVE_HD AlignStats survivor_align(const uint8_t* q, int32_t nq, const uint8_t* t, int32_t nt,
                                    const int32_t* mat, int32_t size, int32_t open, int32_t ext,
                                    bool lead_gaps, Cell* col, int64_t stride) {
  if (nq == 0 || nt == 0) return AlignStats{};
  constexpr bool kPacked = kPackedStats<Cell>;
  const bool lead = !kLocal && lead_gaps;
  for (int32_t k = 0; k <= nq; ++k)
    store_cell(col[k * stride],
               dp_value<kPacked>((kLocal || k == 0) ? 0 : -open - (k - 1) * ext, 0, lead ? k : 0),
               DpTriple{kNegInf32, 0, 0});
  DpTriple best{0, 0, 0};
  int32_t best_s2 = INT32_MAX;
  int32_t x0 = 1;
  for (; x0 + kStrip - 1 <= nt; x0 += kStrip)
    survivor_strip<kLocal, kStrip, true>(q, nq, t, x0, kStrip, mat, size, open, ext, lead, col,
                                         stride, best, best_s2);
  if (x0 <= nt)
    survivor_strip<kLocal, kStrip, false>(q, nq, t, x0, nt - x0 + 1, mat, size, open, ext, lead,
                                          col, stride, best, best_s2);
  if (kLocal) return dp_stats<kPacked>(best);
  DpTriple h, g;
  load_cell(col[nq * stride], h, g);
  return dp_stats<kPacked>(h);
}

/// One warp's work: up to kSurvivorLanes pairs of query `query`, their
/// targets at targets[first, first + count), their column cells from
/// `scratch` (cell k of lane l at scratch + k * kSurvivorLanes + l).
struct SurvivorChunk {
  uint32_t query = 0;
  uint32_t first = 0;
  uint32_t count = 0;
  uint32_t reserved = 0;
  uint64_t scratch = 0;
};

inline constexpr uint32_t kSurvivorLanes = 32;
/// Warps per block: they share the matrix in shared memory.
inline constexpr uint32_t kSurvivorWarps = 4;
/// Query residues a warp stages in shared memory; longer queries are read
/// from global memory (a warp-uniform address: one broadcast transaction).
inline constexpr uint32_t kSurvivorStage = 1024;
/// Target positions per strip (align_stats' kStrip): the column is read and
/// written once per 4 cells; 4 keeps the 16-bit kernels within 64
/// registers (8 needs 87-93: bench/RESULTS.md 8b).
inline constexpr int kSurvivorStrip = 4;

template <class Cell>
struct SurvivorJob {
  const uint8_t* residues = nullptr;
  const uint64_t* offsets = nullptr;
  const SurvivorChunk* chunks = nullptr;
  uint32_t n_chunks = 0;
  const uint32_t* targets = nullptr;  ///< per pair, chunk-major
  AlignStats* out = nullptr;          ///< per pair, as targets
  Cell* work = nullptr;               ///< the chunks' columns
  ScoreScheme sc;
};

/// The kernel body in the tile_harness form: phase 0 stages the matrix (as
/// int32) and each warp's query in shared memory, phase 1 aligns.
template <bool kLocal, class CellT>
struct SurvivorBody {
  static constexpr uint32_t kThreads = kSurvivorLanes * kSurvivorWarps;
  using Cell = CellT;
  SurvivorJob<Cell> job;
  struct Locals {};

  static constexpr uint32_t kMatrixInts = ScoreScheme::kMaxAlphabet * ScoreScheme::kMaxAlphabet;
  [[nodiscard]] CLEAVE_HD uint32_t num_phases() const { return 2; }
  [[nodiscard]] CLEAVE_HD std::size_t shared_bytes() const {
    return kMatrixInts * sizeof(int32_t) + kSurvivorWarps * kSurvivorStage;
  }
  [[nodiscard]] uint32_t grid() const {
    return (job.n_chunks + kSurvivorWarps - 1) / kSurvivorWarps;
  }

  CLEAVE_HD void phase(uint32_t p, const BlockCtx& ctx, Locals&) const {
    auto* mat = static_cast<int32_t*>(ctx.smem);
    auto* stage = reinterpret_cast<uint8_t*>(mat + kMatrixInts);
    const uint32_t warp = ctx.thread / kSurvivorLanes, lane = ctx.thread % kSurvivorLanes;
    const uint64_t c = uint64_t{ctx.block} * kSurvivorWarps + warp;
    const int32_t size = job.sc.size;
    if (p == 0) {
      for (uint32_t k = ctx.thread; k < static_cast<uint32_t>(size * size); k += ctx.block_dim)
        mat[k] = job.sc.m[k];
      if (c >= job.n_chunks) return;
      const SurvivorChunk& ch = job.chunks[c];
      const uint64_t qb = job.offsets[ch.query], nq = job.offsets[ch.query + 1] - qb;
      if (nq <= kSurvivorStage)
        for (uint64_t k = lane; k < nq; k += kSurvivorLanes)
          stage[warp * kSurvivorStage + k] = job.residues[qb + k];
      return;
    }
    if (c >= job.n_chunks) return;
    const SurvivorChunk& ch = job.chunks[c];
    if (lane >= ch.count) return;
    const uint64_t qb = job.offsets[ch.query];
    const auto nq = static_cast<int32_t>(job.offsets[ch.query + 1] - qb);
    const uint8_t* q = nq <= static_cast<int32_t>(kSurvivorStage) ? stage + warp * kSurvivorStage
                                                                  : job.residues + qb;
    const uint32_t pair = ch.first + lane;
    const uint32_t j = job.targets[pair];
    const uint64_t tb = job.offsets[j];
    const auto nt = static_cast<int32_t>(job.offsets[j + 1] - tb);
    job.out[pair] = survivor_align<kLocal, kSurvivorStrip>(
        q, nq, job.residues + tb, nt, mat, size, job.sc.gap_open, job.sc.gap_extend,
        job.sc.count_leading_gaps != 0, job.work + ch.scratch + lane, kSurvivorLanes);
  }
};

}  // namespace cleave::kernels
