#pragma once
/// @file prefilter_score.hpp
/// @brief The prefilter's two scores of a diagonal event (query i, target
/// j, diagonal d, query position x): the best ungapped segment in a window
/// around the hit and the best local alignment in a band around the
/// diagonal (seq_prefilter.hpp). Shared by the CPU scan and the CUDA kernel
/// that scores a batch of events in two stages, one thread an event
/// (EventScoreBody, written for explicit block and thread indices so the
/// tests run it on the CPU, tile_harness.hpp).
///
/// At a million proteins the two scores take about half of the prefilter's
/// CPU time (bench/RESULTS.md section 8) and are independent per event:
/// what suits a GPU. The seed scan that makes the events stays on the CPU.
/// A pair is a candidate when any of its events passes both scores, which
/// the CPU decides on the first passing event in (target, diagonal,
/// position) order; that order only tells the CPU where to stop, so every
/// event scored at once gives the same candidates.
#include <cstdint>

#include "kernels/align.hpp"
#include "kernels/fingerprint_common.hpp"
#include "kernels/macros.hpp"

namespace cleave::kernels {

/// One diagonal event of the seed scan: 16 bytes.
struct PrefilterEvent {
  uint32_t i;  ///< query
  uint32_t j;  ///< target
  int32_t d;   ///< diagonal: position x of i faces x - d of j
  int32_t x;   ///< query position of the second seed hit
};

/// Verdict bits of an event.
inline constexpr uint8_t kEventUngapped = 1, kEventGapped = 2;

CLEAVE_HD CLEAVE_INLINE int32_t imax(int32_t a, int32_t b) {
  return a > b ? a : b;
}
CLEAVE_HD CLEAVE_INLINE int32_t imin(int32_t a, int32_t b) {
  return a < b ? a : b;
}

/// The query positions [x0, x1) of the window of 2w + 1 positions of
/// diagonal d (position x of a faces x - d of b) centred on x, shifted to
/// lie inside the diagonal where it is long enough (empty when the
/// diagonal holds no cell).
struct UngappedWindow {
  int32_t x0, x1;
};
CLEAVE_HD CLEAVE_INLINE UngappedWindow ungapped_window(int32_t na, int32_t nb, int32_t d, int32_t x,
                                                       int32_t w) {
  const int32_t lo = imax(0, d), hi = imin(na, nb + d);  // the diagonal's rows
  int32_t x0 = x - w, x1 = x + w + 1;
  if (x0 < lo) x1 += lo - x0, x0 = lo;
  if (x1 > hi) x0 -= x1 - hi, x1 = hi;
  x0 = imax(x0, lo);
  return {x0, imax(x0, x1)};
}

/// Kadane's maximum subarray along that window; the best only grows, so
/// the scan stops as soon as it reaches `enough` (then the value is some
/// score >= enough, below it the best itself). `m` is the substitution
/// matrix, `size` letters a row.
CLEAVE_HD CLEAVE_INLINE int32_t ungapped_window_best(const uint8_t* a, int32_t na, const uint8_t* b,
                                                     int32_t nb, int32_t d, int32_t x, int32_t w,
                                                     const int8_t* m, int32_t size,
                                                     int32_t enough) {
  const UngappedWindow win = ungapped_window(na, nb, d, x, w);
  int32_t run = 0, best = 0;
  for (int32_t y = win.x0; y < win.x1; ++y) {
    run += m[a[y] * size + b[y - d]];
    if (run < 0) run = 0;
    if (run > best) best = run;
    if (best >= enough) break;
  }
  return best;
}

/// Smith-Waterman (affine gaps, parasail's costs: a gap of k columns costs
/// open + (k - 1) extend) over the cells within W diagonals of diagonal d,
/// stopped after the first row where the best reaches `enough`: the cells
/// of the CPU's banded_local with the band's 2W + 1 cells in registers
/// (W fixed at compile time, so nothing is indexed at run time). Row x of
/// a holds y = x - d - W + k of b, k in [0, 2W]; the previous row's k is
/// the diagonal predecessor, its k + 1 the cell above.
template <int W>
CLEAVE_HD CLEAVE_INLINE int32_t banded_local_fixed(const uint8_t* a, int32_t na, const uint8_t* b,
                                                   int32_t nb, int32_t d, const int8_t* m,
                                                   int32_t size, int32_t open, int32_t ext,
                                                   int32_t enough) {
  constexpr int kWidth = 2 * W + 1;
  int32_t h[kWidth + 1], f[kWidth + 1];
#pragma unroll
  for (int k = 0; k <= kWidth; ++k) h[k] = 0, f[k] = kNegInf32;
  int32_t best = 0;
  const int32_t x0 = imax(0, d - W), x1 = imin(na, nb + d + W);
  for (int32_t x = x0; x < x1; ++x) {
    // Cells outside b hold H = 0 and no gap state; the left neighbour of
    // the first cell inside is one of them, and h[kWidth], f[kWidth] stay
    // 0 and -inf (the cell above the last one).
    const int32_t y0 = x - d - W;
    const int8_t* row = m + a[x] * size;
    int32_t e = kNegInf32, left = 0;
#pragma unroll
    for (int k = 0; k < kWidth; ++k) {
      const int32_t y = y0 + k;
      if (y >= 0 && y < nb) {
        const int32_t fv = imax(h[k + 1] - open, f[k + 1] - ext);  // from (x - 1, y)
        e = imax(left - open, e - ext);
        const int32_t v = imax(imax(0, h[k] + row[b[y]]), imax(e, fv));
        h[k] = v;
        f[k] = fv;
        left = v;
        best = imax(best, v);
      } else {
        h[k] = 0, f[k] = kNegInf32;
        e = kNegInf32, left = 0;
      }
    }
    if (best >= enough) break;
  }
  return best;
}

/// The band half-width the kernel is compiled for: the protein default
/// (prefilter_params); other widths score on the CPU.
inline constexpr int kEventBandW = 8;

/// What the two stages of the event kernel read and write.
struct EventScoreJob {
  const uint8_t* residues = nullptr;  ///< every sequence, concatenated
  const uint64_t* offsets = nullptr;  ///< sequence s is residues[offsets[s], offsets[s + 1])
  const PrefilterEvent* events = nullptr;
  uint32_t n_events = 0;
  uint8_t* verdicts = nullptr;  ///< kEventUngapped | kEventGapped per event
  /// Stage 2 only: the events that passed the ungapped score, at most
  /// n_events of them; how many, in device memory (the selection runs on
  /// the device, so its count need not come back to the host first).
  const uint32_t* selected = nullptr;
  const uint32_t* n_selected = nullptr;
  ScoreScheme sc;
  int32_t window = 0;        ///< ungapped window half-width
  int32_t min_ungapped = 0;  ///< the ungapped score to reach
  int32_t min_gapped = 0;    ///< the banded score to reach (0: no banded stage)
};

/// Copies the substitution matrix to shared memory: the lanes read it at
/// their own indices, which the constant bank would serialise.
CLEAVE_HD CLEAVE_INLINE void stage_matrix(const EventScoreJob& job, const BlockCtx& ctx) {
  auto* m = static_cast<int8_t*>(ctx.smem);
  constexpr uint32_t kCells = ScoreScheme::kMaxAlphabet * ScoreScheme::kMaxAlphabet;
  for (uint32_t c = ctx.thread; c < kCells; c += ctx.block_dim) m[c] = job.sc.m[c];
}

/// The two sequences of event e.
struct EventPair {
  const uint8_t* a;
  const uint8_t* b;
  int32_t na, nb;
  PrefilterEvent ev;
};
CLEAVE_HD CLEAVE_INLINE EventPair event_pair(const EventScoreJob& job, uint32_t e) {
  const PrefilterEvent ev = job.events[e];
  const uint64_t ai = job.offsets[ev.i], aj = job.offsets[ev.j];
  return {job.residues + ai, job.residues + aj, static_cast<int32_t>(job.offsets[ev.i + 1] - ai),
          static_cast<int32_t>(job.offsets[ev.j + 1] - aj), ev};
}

/// The event kernel in two stages, so that the warps of each run one kind
/// of work: stage 1 (kBanded false) gives every event its ungapped
/// verdict, one thread an event; the device then selects the events that
/// passed (some 7% of them at a million proteins) and stage 2 (kBanded
/// true) runs the banded score of those, one thread a selected event. In
/// one pass, nine warps in ten would hold a lane that runs the banded
/// score (1 - 0.93^32) while the other 31 wait. Each stage: phase 0 stages
/// the matrix, phase 1 scores.
template <bool kBanded>
struct EventScoreBody {
  static constexpr uint32_t kThreads = 128;
  struct Locals {};
  EventScoreJob job;

  /// Stage 2 is sized for every event to be selected; threads past the
  /// selected count return at once.
  [[nodiscard]] uint32_t grid() const { return (job.n_events + kThreads - 1) / kThreads; }
  [[nodiscard]] CLEAVE_HD uint32_t num_phases() const { return 2; }
  [[nodiscard]] std::size_t shared_bytes() const {
    return sizeof(int8_t) * ScoreScheme::kMaxAlphabet * ScoreScheme::kMaxAlphabet;
  }

  CLEAVE_HD void phase(uint32_t p, const BlockCtx& ctx, Locals& /*loc*/) const {
    if (p == 0) return stage_matrix(job, ctx);
    const int8_t* m = static_cast<const int8_t*>(ctx.smem);
    const uint64_t t = uint64_t{ctx.block} * ctx.block_dim + ctx.thread;
    if constexpr (kBanded) {
      if (t >= *job.n_selected) return;
      const uint32_t e = job.selected[t];
      const EventPair q = event_pair(job, e);
      if (banded_local_fixed<kEventBandW>(q.a, q.na, q.b, q.nb, q.ev.d, m, job.sc.size,
                                          job.sc.gap_open, job.sc.gap_extend,
                                          job.min_gapped) >= job.min_gapped)
        job.verdicts[e] |= kEventGapped;
    } else {
      if (t >= job.n_events) return;
      const EventPair q = event_pair(job, static_cast<uint32_t>(t));
      uint8_t verdict = 0;
      if (ungapped_window_best(q.a, q.na, q.b, q.nb, q.ev.d, q.ev.x, job.window, m, job.sc.size,
                               job.min_ungapped) >= job.min_ungapped)
        verdict = job.min_gapped > 0 ? kEventUngapped : kEventUngapped | kEventGapped;
      job.verdicts[t] = verdict;
    }
  }
};

}  // namespace cleave::kernels
