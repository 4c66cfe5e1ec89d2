#pragma once
/// @file align_simd.hpp
/// @brief Inter-sequence SIMD alignment statistics: one query against W
/// targets at once, one target per vector lane, the DP running down the
/// query inside each target column (the layout of Rognes 2011, "Faster
/// Smith-Waterman database searches with inter-sequence SIMD
/// parallelisation", SWIPE). A lane whose target ends is refilled with the
/// next target at once, so lanes stay busy whatever the lengths. Scores,
/// match counts and lengths share the lane type; the recurrences and tie
/// rules are those of kernels/align.hpp (query = parasail's s1), so results
/// equal the scalar code bit for bit.
///
/// Included only by align_simd_*.cpp, each compiling it for one instruction
/// set inside its own namespace (CLEAVE_SIMD_NS); the code uses no standard
/// library templates, so no inline function is compiled for two targets.
#include <cstddef>
#include <cstdint>

#include "kernels/align.hpp"
#include "similarity/align_common.hpp"

namespace cleave::align_detail::CLEAVE_SIMD_NS {

template <class V, class T, int W>
inline V splat(T x) {
  V v;
  for (int l = 0; l < W; ++l) v[l] = x;
  return v;
}
/// Lane-wise m ? a : b for masks m of all-ones or all-zeros lanes.
template <class V>
inline V sel(V m, V a, V b) {
  return (m & a) | (~m & b);
}
template <class V>
inline V vmax(V a, V b) {
  return sel<V>(a > b, a, b);
}

template <class T, int W, bool kLocal>
void align_lanes(const LaneJob& job) {
  typedef T V __attribute__((vector_size(sizeof(T) * W)));
  struct Cell {
    V h, hm, hl, e, em, el;
  };
  const auto& sc = *job.sc;
  const int32_t nq = job.nq;
  const int32_t A = sc.size;
  Cell* col = static_cast<Cell*>(job.work);
  V* prof = reinterpret_cast<V*>(col + nq + 1);  // A score vectors, then A equality masks
  const T neg = sizeof(T) == 2 ? static_cast<T>(-16384) : static_cast<T>(INT32_MIN / 2);
  const T open = static_cast<T>(sc.gap_open), ext = static_cast<T>(sc.gap_extend);
  const V zero = splat<V, T, W>(0), one = splat<V, T, W>(1), vopen = splat<V, T, W>(open),
          vext = splat<V, T, W>(ext);
  V best = zero, bestm = zero, bestl = zero;

  int64_t lane_t[W];
  int32_t lane_col[W];
  std::size_t next = 0;
  int active = 0;
  const bool lead = !kLocal && sc.count_leading_gaps != 0;
  auto reset_lane = [&](int l) {
    for (int32_t i = 0; i <= nq; ++i) {
      Cell& c = col[i];
      c.h[l] = (kLocal || i == 0) ? T(0) : static_cast<T>(-(open + (i - 1) * ext));
      c.hm[l] = T(0);
      c.hl[l] = lead ? static_cast<T>(i) : T(0);
      c.e[l] = neg;
      c.em[l] = c.el[l] = T(0);
    }
    best[l] = bestm[l] = bestl[l] = T(0);
    lane_col[l] = 0;
  };
  auto load = [&](int l) {
    reset_lane(l);
    if (next < job.n) {
      lane_t[l] = static_cast<int64_t>(next++);
      ++active;
    } else {
      lane_t[l] = -1;
    }
  };
  for (int l = 0; l < W; ++l) load(l);

  int32_t tres[W];
  while (active > 0) {
    V h0 = zero, l0 = zero;
    for (int l = 0; l < W; ++l) {
      if (lane_t[l] < 0) {
        tres[l] = -1;
        continue;
      }
      const int32_t c = ++lane_col[l];
      tres[l] = job.targets[job.order[lane_t[l]]][c - 1];
      if (!kLocal) h0[l] = static_cast<T>(-(open + (c - 1) * ext));
      if (lead) l0[l] = static_cast<T>(c);
    }
    for (int32_t r = 0; r < A; ++r) {
      V s, m;
      for (int l = 0; l < W; ++l) {
        s[l] = tres[l] < 0 ? T(0) : static_cast<T>(sc.m[r * A + tres[l]]);
        m[l] = tres[l] == r ? T(-1) : T(0);
      }
      prof[r] = s;
      prof[A + r] = m;
    }
    Cell& c0 = col[0];
    V dh = c0.h, dm = c0.hm, dl = c0.hl;
    c0.h = h0;
    c0.hm = zero;
    c0.hl = l0;
    V uh = h0, um = zero, ul = l0;
    V f = splat<V, T, W>(neg), fm = zero, fl = zero;
    for (int32_t i = 1; i <= nq; ++i) {
      const int32_t r = job.q[i - 1];
      Cell& c = col[i];
      const V fo = uh - vopen, fe = f - vext, mf = fo > fe;
      f = sel<V>(mf, fo, fe);
      fm = sel<V>(mf, um, fm);
      fl = sel<V>(mf, ul, fl) + one;
      const V eo = c.h - vopen, ee = c.e - vext, me = eo > ee;
      const V e = sel<V>(me, eo, ee), em = sel<V>(me, c.hm, c.em),
              el = sel<V>(me, c.hl, c.el) + one;
      const V hd = dh + prof[r];
      V h = vmax<V>(hd, vmax<V>(e, f));
      if (kLocal) h = vmax<V>(h, zero);
      const V md = h == hd, mff = h == f;
      V hm = sel<V>(md, dm - prof[A + r], sel<V>(mff, fm, em));
      V hl = sel<V>(md, dl + one, sel<V>(mff, fl, el));
      if (kLocal) {
        const V nz = ~(h == zero);
        hm &= nz;
        hl &= nz;
        const V mb = h > best;
        best = sel<V>(mb, h, best);
        bestm = sel<V>(mb, hm, bestm);
        bestl = sel<V>(mb, hl, bestl);
      }
      dh = c.h;
      dm = c.hm;
      dl = c.hl;
      c.h = uh = h;
      c.hm = um = hm;
      c.hl = ul = hl;
      c.e = e;
      c.em = em;
      c.el = el;
    }
    for (int l = 0; l < W; ++l) {
      if (lane_t[l] < 0) continue;
      const uint32_t t = job.order[lane_t[l]];
      if (lane_col[l] != job.lens[t]) continue;
      kernels::AlignStats& o = job.out[t];
      if (kLocal) {
        o = kernels::AlignStats{best[l], bestm[l], bestl[l]};
      } else {
        o = kernels::AlignStats{col[nq].h[l], col[nq].hm[l], col[nq].hl[l]};
      }
      --active;
      load(l);
    }
  }
}

/// Entry point of one instruction set: int16 lanes for the targets listed
/// in order16, int32 lanes for order32.
inline void align_entry(LaneJob job, const uint32_t* order16, std::size_t n16,
                        const uint32_t* order32, std::size_t n32, bool local) {
  job.order = order16;
  job.n = n16;
  if (n16 > 0) {
    if (local)
      align_lanes<int16_t, CLEAVE_SIMD_BYTES / 2, true>(job);
    else
      align_lanes<int16_t, CLEAVE_SIMD_BYTES / 2, false>(job);
  }
  job.order = order32;
  job.n = n32;
  if (n32 > 0) {
    if (local)
      align_lanes<int32_t, CLEAVE_SIMD_BYTES / 4, true>(job);
    else
      align_lanes<int32_t, CLEAVE_SIMD_BYTES / 4, false>(job);
  }
}

}  // namespace cleave::align_detail::CLEAVE_SIMD_NS
