#pragma once
/// @file seq_prefilter.hpp
/// @brief Candidate pairs for the sequence identity graph: a spaced-seed
/// index over a reduced alphabet, two seed hits on one diagonal, an
/// ungapped diagonal score, and the exact length bound of the identity in
/// use. Only the survivors are aligned, exactly.
///
/// The stages follow the design of MMseqs2's prefilter (Steinegger and
/// Soding 2017, Nat. Biotechnol. 35:1026: k-mer matches, two hits on one
/// diagonal, an ungapped score before any gapped alignment) and DIAMOND's
/// reduced-alphabet spaced seeds (Buchfink, Xie and Huson 2015, Nat.
/// Methods 12:59); the protein alphabet is the 10-letter reduction of
/// Murphy, Wallqvist and Levy 2000 (Protein Eng. 13:149), spaced seeds as in
/// PatternHunter (Ma, Tromp and Li 2002, Bioinformatics 18:440).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cleave/scheduler.hpp"
#include "cleave/sequence.hpp"
#include "cleave/util.hpp"
#include "kernels/align.hpp"
#include "kernels/prefilter_score.hpp"

namespace cleave::align_detail {

/// @brief The prefilter's settings, derived from the alphabet, the identity
/// definition, the threshold and the sensitivity knob.
struct PrefilterParams {
  /// Spaced seeds, '1' a position that counts and '0' one that does not;
  /// hits of every pattern feed the same diagonals.
  std::vector<std::string> patterns;
  bool reduce = false;        ///< proteins: the 10-letter alphabet, else residues as they are
  int32_t band = 0;           ///< two hits within this many diagonals count as one diagonal
  int32_t window = 0;         ///< the ungapped score looks this far either side of the hit
  int32_t min_ungapped = 0;   ///< best ungapped segment score in that window, at least
  int32_t gapped_band = 0;    ///< half-width of the banded local alignment on the hit diagonal
  int32_t min_gapped = 0;     ///< its score, at least (0: no banded stage)
  double length_ratio = 0.0;  ///< pairs with shorter/longer below this cannot reach the threshold
  /// Pairs of short sequences are candidates without any seed (within the
  /// length bound): the pairs among the sequences of at most
  /// min(short_max, short_pair_length(seqs, short_cells)) residues, that is
  /// at most short_max residues and no more pairs than cost short_cells DP
  /// cells in all (either 0: none). At low identity two seed hits on one
  /// diagonal are rare in a short pair, which is where the seeds lose most
  /// of their recall, and such pairs are the cheapest to align.
  uint32_t short_max = 0;
  uint64_t short_cells = 0;
  /// Heavier seeds for large inputs: used in place of `patterns` when those
  /// would make more than `hit_budget` seed hits (seed_hit_estimate); empty:
  /// never. Chance seed hits grow with the square of the input, and with
  /// them the cost of the scan and of the scores after it; weight-6 seeds
  /// make about a sixth of the chance hits of weight-5 ones, and twice as
  /// many shapes keep most of the recall (bench/RESULTS.md section 8).
  std::vector<std::string> large_patterns;
  uint64_t hit_budget = 0;
  /// Targets per block of the seed scan (0: as many as keep the scan's
  /// per-target memory within the L2 cache). The candidates do not depend
  /// on it; tests set small blocks to check exactly that.
  uint32_t scan_block = 0;
};

/// Settings for a sensitivity in [1, 9] (higher finds more distant pairs
/// and costs more; see README "Sequence identity at scale" for the measured
/// recall of each value). The length ratio is the threshold when the
/// identity is full (matches <= shorter length, columns >= longer) and 0
/// otherwise, where no length bound is exact. DNA pairs must also score, in
/// the window around a diagonal hit, a share of what an ungapped stretch at
/// the threshold identity scores with these match and mismatch scores.
PrefilterParams prefilter_params(Alphabet alphabet, IdentityKind identity, double threshold,
                                 double sensitivity, int32_t dna_match = 2,
                                 int32_t dna_mismatch = -3);

/// The longest length L such that aligning every pair of the sequences of
/// at most L residues costs at most `budget` DP cells (sum of n_i n_j over
/// those pairs); 0 when no pair fits. Depends only on the lengths.
uint32_t short_pair_length(const Sequences& seqs, uint64_t budget);

/// Candidates j > i of every i, CSR: cols[offsets[i] .. offsets[i+1]), sorted.
struct Candidates {
  std::vector<uint64_t> offsets;
  std::vector<uint32_t> cols;
  [[nodiscard]] uint64_t count() const { return cols.size(); }
};

/// Counts of each stage, for the log and the benchmarks.
struct PrefilterCounts {
  uint64_t seed_hits = 0;      ///< seed matches i < j within the length bound
  uint64_t diagonal_hits = 0;  ///< (pair, diagonal) with two hits
  uint64_t ungapped = 0;       ///< of those, passing the ungapped score
  uint64_t candidates = 0;     ///< pairs passing the banded alignment score, or short pairs
  uint64_t short_pairs = 0;    ///< pairs of short sequences taken without seeds
};

/// Which pairs (i, j), i < j, the prefilter looks at: rows i < rows_end
/// against columns j >= cols_begin, and of those rows only share `part` of
/// `parts` (in_share; MPI ranks). The defaults cover every pair; a search
/// of queries against targets stores the queries first and sets rows_end
/// and cols_begin to the number of queries.
struct PrefilterRange {
  uint32_t rows_end = UINT32_MAX;
  uint32_t cols_begin = 0;
  int part = 0;
  int parts = 1;
};

/// Pairs of seed positions that share a code, summed over the patterns:
/// the seed hits those patterns make before the length bound, counted from
/// one histogram of codes per pattern. When the rows and columns of `range`
/// are disjoint (a search), the pairs of a row position with a column
/// position; otherwise every pair of positions of the input (pairs within
/// one sequence included: an upper estimate). The same for every part of
/// the range.
uint64_t seed_hit_estimate(const Sequences& seqs, bool reduce,
                           const std::vector<std::string>& patterns, PrefilterRange range = {});

/// `p` with its seeds settled for this input: `large_patterns` in place of
/// `patterns` when the estimate of `patterns` exceeds `hit_budget`, and
/// `large_patterns` cleared either way (`estimate`, when given, receives
/// the estimate of the default patterns; 0 when there is no choice to make).
PrefilterParams settle_seeds(const Sequences& seqs, PrefilterParams p, PrefilterRange range = {},
                             uint64_t* estimate = nullptr);

/// Best score of an ungapped segment on diagonal d (position x of a faces
/// x - d of b) within the window of 2w + 1 positions centred on x, shifted
/// to lie inside the diagonal where it is long enough. Only whether it
/// reaches `enough` matters: once it does, the value returned is some score
/// >= enough; below it, the best itself.
int32_t ungapped_best(const uint8_t* a, int32_t na, const uint8_t* b, int32_t nb, int32_t d,
                      int32_t x, int32_t w, const kernels::ScoreScheme& sc, int32_t enough);

/// Best local alignment score (affine gaps, parasail's costs) of the cells
/// within `w` diagonals of diagonal d, with `enough` as for ungapped_best.
/// `buf` is scratch.
int32_t banded_local(const uint8_t* a, int32_t na, const uint8_t* b, int32_t nb, int32_t d,
                     int32_t w, const kernels::ScoreScheme& sc, int32_t enough,
                     std::vector<int32_t>& buf);

/// The banded score with the band's cells in AVX2 lanes (int16), rows
/// along b and the band's cells along a, so that the scores of one row are
/// one load from a query profile of a (Rognes and Seeberg 2000; Farrar
/// 2007): prof[r * (na + 2 kBandPad) + kBandPad + x] = score(a[x], r),
/// zero in the padding. The cells are those of banded_local transposed,
/// which have the same H, so the verdict at `enough` and the best below it
/// are banded_local's (past it, the value is another score >= enough).
/// Only where band_simd_fits: AVX2 present, w <= kBandSimdMaxW (cells 0-15
/// in lanes, cell 16 in a scalar) and 1 <= enough <= kBandSimdMaxBar
/// (no cell before the stop exceeds enough + 127, inside int16), gap
/// costs in [0, 4000] (8 extensions fit int16).
constexpr int32_t kBandPad = 16, kBandSimdMaxW = 8, kBandSimdMaxBar = 16384;
void band_profile(const uint8_t* a, int32_t na, const kernels::ScoreScheme& sc,
                  std::vector<int16_t>& prof);
bool band_simd_fits(int32_t w, const kernels::ScoreScheme& sc, int32_t enough);
#if defined(__x86_64__) && defined(__GNUC__)
int32_t banded_local_avx2(const int16_t* prof, int32_t na, const uint8_t* b, int32_t nb, int32_t d,
                          int32_t w, const kernels::ScoreScheme& sc, int32_t enough);
#endif

/// @brief Scores a batch of the scan's diagonal events all at once,
/// somewhere other than the scan's threads: the CUDA backend's kernel
/// (kernels/prefilter_score.hpp, one thread an event). The candidates are
/// the CPU's (a pair passes when any of its events passes both scores);
/// PrefilterCounts::ungapped then counts every event that passes the
/// ungapped score, where the CPU stops at a pair's first passing event.
class EventScorer {
 public:
  virtual ~EventScorer() = default;
  /// verdicts[k] (kernels::kEventUngapped | kEventGapped) of events[k];
  /// `verdicts` is resized to the events.
  virtual void score(const std::vector<kernels::PrefilterEvent>& events,
                     std::vector<uint8_t>& verdicts) = 0;
};

/// Whether the event kernel scores these settings: a banded stage of its
/// half-width (kernels::kEventBandW, the protein default) or none, and
/// every sequence short enough for 32-bit positions.
bool event_kernel_fits(const PrefilterParams& p);

/// The event kernel's settings for `p` and `sc` (residues, events and
/// verdicts are the caller's to fill in).
kernels::EventScoreJob event_score_job(const PrefilterParams& p, const kernels::ScoreScheme& sc);

/// A diagonal event of one query: target j, diagonal d, query position x
/// of the second seed hit.
struct UngappedEvent {
  uint32_t j;
  int32_t d;
  int32_t x;
};

#if defined(__x86_64__) && defined(__GNUC__)
/// Whether each of the n events of query i (`prof` its profile from
/// band_profile with `sc`) passes the ungapped score, pass[k] =
/// ungapped_best(...) >= enough for events[k], eight events at a time in
/// AVX2 lanes (one event a lane, the target residues and the scores
/// gathered; a batch whose 32-bit indices could overflow goes through
/// ungapped_best). Requires AVX2 (__builtin_cpu_supports) and enough >= 1.
void ungapped_passes_avx2(const int16_t* prof, const Sequences& seqs, uint32_t i,
                          const kernels::ScoreScheme& sc, const UngappedEvent* events,
                          std::size_t n, int32_t w, int32_t enough, uint8_t* pass);
#endif

/// Query rows a rank scans: blocks of kShareBlock rows dealt out to the
/// ranks in turn, so early rows (the ones with the most later sequences to
/// meet) are spread over every rank.
constexpr int64_t kShareBlock = 64;
inline bool in_share(int64_t row, int part, int parts) {
  return (row / kShareBlock) % parts == part;
}

/// Consecutive sequences [begin, end): the targets one index holds.
struct TargetSlice {
  uint32_t begin = 0;
  uint32_t end = UINT32_MAX;
};

/// @brief The seed index of one input (or of a slice of its targets),
/// built once, and scans of any rows against it. A long run scans its rows
/// in chunks (the graph's checkpoints, MPI shares) without building the
/// index again; the candidates of a row do not depend on which call scans
/// it. An input whose index exceeds the memory budget is indexed in slices
/// of targets, one at a time: what a target meets depends only on its own
/// seed hits, so the candidates of row i from slice s are exactly those of
/// the whole index that lie in s.
class CandidateScan {
 public:
  /// Builds the index of `settled` (seeds already settled: settle_seeds)
  /// over the targets in `slice` on `threads` threads (0: OpenMP's
  /// default). `seqs` and `sc` must outlive the scan.
  CandidateScan(const Sequences& seqs, const kernels::ScoreScheme& sc, PrefilterParams settled,
                int threads, TargetSlice slice = {});
  ~CandidateScan();
  CandidateScan(const CandidateScan&) = delete;
  CandidateScan& operator=(const CandidateScan&) = delete;

  /// Candidates j > i, j >= cols_begin, j in the slice, of the given rows
  /// (distinct, in ascending order; every other row has none). Advances `bar` once a
  /// row when given; adds nothing to `counts` but sets it to this call's.
  Candidates rows(const std::vector<uint32_t>& rows, uint32_t cols_begin, Progress* bar,
                  PrefilterCounts* counts);

  [[nodiscard]] const PrefilterParams& params() const;

  /// Scores the events of later rows() calls with `scorer` (null: on the
  /// scan's own threads, the default). The rows are then scanned in
  /// batches, each batch's events scored in one call; the candidates are
  /// the same. Requires event_kernel_fits(params()); `scorer` must outlive
  /// the calls.
  void set_scorer(EventScorer* scorer);

  /// The rows of `range` in an input of n sequences: i < rows_end, in
  /// share `part` of `parts`.
  static std::vector<uint32_t> share_rows(uint64_t n, PrefilterRange range);

  /// Memory of a scan on `threads` threads that does not depend on the
  /// slice (per-thread hit memories, bucket starts), and per indexed residue.
  static uint64_t fixed_bytes(const Sequences& seqs, const PrefilterParams& settled, int threads);
  static uint64_t residue_bytes(const PrefilterParams& settled);
  /// Bytes of a scan whose index holds `slice`.
  static uint64_t slice_bytes(const Sequences& seqs, const PrefilterParams& settled, int threads,
                              TargetSlice slice);
  /// min(count, n) slices of consecutive targets of `within` (default:
  /// every sequence), none empty, with about equal residues; depends on
  /// nothing else.
  static std::vector<TargetSlice> split(const Sequences& seqs, uint32_t count,
                                        TargetSlice within = {});
  /// The fewest slices (split) of `within` whose scans each fit `budget`
  /// bytes: 1 when its whole index fits. Throws errc::out_of_memory, saying
  /// what is needed, when not even one sequence's slice fits.
  static uint32_t slice_count(const Sequences& seqs, const PrefilterParams& settled, int threads,
                              uint64_t budget, TargetSlice within = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Candidate pairs (rows outside the range have none), with the seeds
/// settled first (settle_seeds) when `p` offers large ones. The result is
/// the same for any thread count.
Candidates prefilter_candidates(const Sequences& seqs, const kernels::ScoreScheme& sc,
                                const PrefilterParams& p, int threads, bool progress,
                                PrefilterCounts* counts = nullptr, PrefilterRange range = {});

/// Aligns every row's candidates as the sequence graph does (row i as s1,
/// its candidates in one batch of SIMD lanes) on results.size() threads,
/// recording each pair in its thread's results; advances `progress` (when
/// given) once a row. Only the given `rows` when not null, else every row.
/// Rows go to threads dynamically, so the caller merges the results
/// order-free. Throws when the call's cancel hook fires.
void align_candidates(const Sequences& seqs, const Candidates& cand, const kernels::ScoreScheme& sc,
                      const AlignOptions& opt, std::vector<TileResult>& results, Progress* progress,
                      const std::vector<uint32_t>* rows = nullptr);

}  // namespace cleave::align_detail
