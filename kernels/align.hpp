#pragma once
/// @file align.hpp
/// @brief Pairwise alignment statistics with affine gaps (Gotoh 1982,
/// "An improved algorithm for matching biological sequences"), global
/// (Needleman-Wunsch) or local (Smith-Waterman), one column of working
/// memory, no traceback: the number of identical columns and the length of
/// the optimal path are carried through the DP next to the scores.
///
/// The statistics follow the convention of parasail's *_stats functions
/// (Daily 2016, "Parasail: SIMD C library for global, semi-global, and local
/// pairwise sequence alignments"), so that identities agree exactly:
///  - a gap of k residues costs open + (k - 1) * extend;
///  - global: the first row and column score -open - (k - 1) * extend but
///    carry zero matches and zero length (so leading end gaps are not in the
///    length), unless ScoreScheme::count_leading_gaps is set: then the
///    boundary cell after k gap columns carries length k and the length is
///    every column of the alignment, end gaps included (EMBOSS needle's
///    denominator); the path and the score are the same either way;
///  - a gap state opens only when opening scores strictly more than
///    extending; a cell takes its statistics from the diagonal when the
///    diagonal reaches its score, else from the gap that consumes s1
///    (vertical), else from the gap that consumes s2;
///  - local: a cell scoring 0 carries zero statistics; the reported cell is
///    the best score, ties going to the smallest s2 position, then the
///    smallest s1 position;
///  - a match is a column whose two residue indices are equal.
/// The DP runs along the shorter sequence (memory O(min(m, n))), with the
/// tie rules mapped so that the result does not depend on the orientation.
#include <cstdint>

#include "kernels/macros.hpp"

namespace cleave::kernels {

/// Substitution scores (symmetric) and gap penalties (positive costs).
struct ScoreScheme {
  static constexpr int kMaxAlphabet = 24;
  int8_t m[kMaxAlphabet * kMaxAlphabet] = {};
  int32_t size = 0;
  int32_t gap_open = 0;
  int32_t gap_extend = 0;
  /// Global only: leading end gaps count in AlignStats::length (then the
  /// length is every column of the alignment).
  int32_t count_leading_gaps = 0;
  CLEAVE_HD CLEAVE_INLINE int32_t score(uint8_t a, uint8_t b) const { return m[a * size + b]; }
};

struct AlignStats {
  int32_t score = 0;
  int32_t matches = 0;
  int32_t length = 0;
};

/// One cell of the working column: best score ending here and the gap state
/// along the outer sequence, each with its statistics.
struct DpCell {
  int32_t h, hm, hl;
  int32_t g, gm, gl;
};

inline constexpr int32_t kNegInf32 = INT32_MIN / 2;

namespace detail {

/// Outer loop over `a` (length na), inner over `b` (length nb); the column
/// holds nb + 1 cells at col[k * stride]. kInnerIsS1: b is parasail's s1
/// (then the running gap consumes s1 and wins ties over the stored gap).
/// The outer loop runs in strips of K positions: the K cells of one inner
/// position are computed one after the other in registers, and the column
/// is read and written once per strip (K times less memory traffic; on the
/// GPU the column lives in global scratch). Within and across strips, cells
/// of equal local score are visited in the order K = 1 visits them, so the
/// statistics do not depend on K.
template <bool kLocal, bool kInnerIsS1, int K>
CLEAVE_HD AlignStats align_oriented(const uint8_t* a, int32_t na, const uint8_t* b, int32_t nb,
                                    const ScoreScheme& sc, DpCell* col, int64_t stride) {
  const int32_t open = sc.gap_open, ext = sc.gap_extend;
  const bool lead = !kLocal && sc.count_leading_gaps != 0;
  for (int32_t k = 0; k <= nb; ++k) {
    DpCell& c = col[k * stride];
    c.h = (kLocal || k == 0) ? 0 : -open - (k - 1) * ext;
    c.hm = 0;
    c.hl = lead ? k : 0;
    c.g = kNegInf32;
    c.gm = c.gl = 0;
  }
  AlignStats best{0, 0, 0};
  int32_t best_s2 = INT32_MAX;
  for (int32_t x0 = 1; x0 <= na; x0 += K) {
    const int32_t rows = na - x0 + 1 < K ? na - x0 + 1 : K;
    // Per strip row x = x0 + k: the cell before along the inner sequence
    // (u*), the running gap (r*), the diagonal (d*) and the residue.
    int32_t uh[K], um[K], ul[K], r[K], rm[K], rl[K], dh[K], dm[K], dl[K];
    uint8_t ra[K];
    DpCell& c0 = col[0];
    for (int k = 0; k < K; ++k) {
      if (k >= rows) break;
      const int32_t x = x0 + k;
      ra[k] = a[x - 1];
      if (k == 0) {
        dh[0] = c0.h;
        dm[0] = c0.hm;
        dl[0] = c0.hl;
      } else {
        dh[k] = uh[k - 1];
        dm[k] = um[k - 1];
        dl[k] = ul[k - 1];
      }
      uh[k] = kLocal ? 0 : -open - (x - 1) * ext;
      um[k] = 0;
      ul[k] = lead ? x : 0;
      r[k] = kNegInf32;
      rm[k] = rl[k] = 0;
    }
    // The boundary cell of the strip's last row (as uh/ul[rows - 1], written
    // out so that no register array is indexed at run time: on the GPU that
    // would move it to local memory).
    const int32_t x_last = x0 + rows - 1;
    c0.h = kLocal ? 0 : -open - (x_last - 1) * ext;
    c0.hm = 0;
    c0.hl = lead ? x_last : 0;
    for (int32_t y = 1; y <= nb; ++y) {
      DpCell& c = col[y * stride];
      const uint8_t rb = b[y - 1];
      // The cell above (outer - 1) and its stored gap, carried down the strip.
      int32_t ah = c.h, ahm = c.hm, ahl = c.hl, ag = c.g, agm = c.gm, agl = c.gl;
      for (int k = 0; k < K; ++k) {
        if (k >= rows) break;
        const int32_t r_open = uh[k] - open, r_ext = r[k] - ext;
        if (r_open > r_ext) {
          rm[k] = um[k];
          rl[k] = ul[k];
        }
        r[k] = r_open > r_ext ? r_open : r_ext;
        rl[k] += 1;
        const int32_t g_open = ah - open, g_ext = ag - ext;
        if (g_open > g_ext) {
          agm = ahm;
          agl = ahl;
        }
        ag = g_open > g_ext ? g_open : g_ext;
        agl += 1;
        const int32_t s = kInnerIsS1 ? sc.score(rb, ra[k]) : sc.score(ra[k], rb);
        const int32_t hd = dh[k] + s;
        int32_t h = hd > ag ? hd : ag;
        h = h > r[k] ? h : r[k];
        if (kLocal && h < 0) h = 0;
        int32_t hm, hl;
        if (h == hd) {
          hm = dm[k] + (ra[k] == rb);
          hl = dl[k] + 1;
        } else if (kInnerIsS1 ? h == r[k] : h == ag) {
          hm = kInnerIsS1 ? rm[k] : agm;
          hl = kInnerIsS1 ? rl[k] : agl;
        } else {
          hm = kInnerIsS1 ? agm : rm[k];
          hl = kInnerIsS1 ? agl : rl[k];
        }
        if (kLocal && h == 0) hm = hl = 0;
        dh[k] = ah;
        dm[k] = ahm;
        dl[k] = ahl;
        ah = uh[k] = h;
        ahm = um[k] = hm;
        ahl = ul[k] = hl;
        if (kLocal) {
          const int32_t s2pos = kInnerIsS1 ? x0 + k : y;
          if (h > best.score || (h == best.score && s2pos < best_s2)) {
            best = AlignStats{h, hm, hl};
            best_s2 = s2pos;
          }
        }
      }
      c.h = ah;
      c.hm = ahm;
      c.hl = ahl;
      c.g = ag;
      c.gm = agm;
      c.gl = agl;
    }
  }
  if (kLocal) return best;
  const DpCell& last = col[nb * stride];
  return AlignStats{last.h, last.hm, last.hl};
}

}  // namespace detail

/// Statistics of the optimal alignment of s1 (n1 residues) with s2 (n2),
/// as parasail's nw_stats (kLocal false) or sw_stats (true). `col` holds
/// min(n1, n2) + 1 cells spaced `stride` apart. Empty input gives zeros.
/// kStrip: outer positions per register strip (the same statistics for any
/// value; the GPU kernel runs 8).
template <bool kLocal, int kStrip = 1>
CLEAVE_HD AlignStats align_stats(const uint8_t* s1, int32_t n1, const uint8_t* s2, int32_t n2,
                                 const ScoreScheme& sc, DpCell* col, int64_t stride = 1) {
  if (n1 == 0 || n2 == 0) return AlignStats{};
  if (n1 <= n2)
    return detail::align_oriented<kLocal, true, kStrip>(s2, n2, s1, n1, sc, col, stride);
  return detail::align_oriented<kLocal, false, kStrip>(s1, n1, s2, n2, sc, col, stride);
}

/// matches / length (aligned, or full when the length counts leading end
/// gaps) or matches / min(n1, n2) (shorter); 0 when the denominator is 0. Computed in double on
/// both backends.
CLEAVE_HD CLEAVE_INLINE double stats_identity(const AlignStats& s, int32_t n1, int32_t n2,
                                              bool shorter) {
  const int32_t d = shorter ? (n1 < n2 ? n1 : n2) : s.length;
  return d > 0 ? static_cast<double>(s.matches) / static_cast<double>(d) : 0.0;
}

}  // namespace cleave::kernels
