/// @file align_survivor.cpp
/// @brief The host side of the survivor-alignment kernel: the plan of
/// warps and launches, and the driver that streams them through an
/// executor (align_survivor.hpp).
#include "similarity/align_survivor.hpp"

#include <algorithm>
#include <deque>
#include <utility>

#include "cleave/error.hpp"
#include "similarity/align_common.hpp"
#include "util/parallel_cancel.hpp"

#if CLEAVE_HAVE_CUDA
#include "similarity/align_survivor_cuda.hpp"
#endif

namespace cleave::align_detail {

/// Collects warps into batches of one column width.
class SurvivorBatchBuilder {
  /// One warp before packing: its chunk, its targets and what it costs.
  struct PendingChunk {
    kernels::SurvivorChunk chunk;
    uint64_t warp_cells = 0;  ///< query length x longest target: the warp's time
    uint64_t cells = 0;       ///< its column cells
  };

 public:
  SurvivorBatchBuilder(bool wide, const SurvivorLimits& limits, std::deque<SurvivorBatch>& out)
      : wide_(wide), limits_(limits), out_(out) {}

  /// Adds a warp of `pairs` targets (query length nq), flushing first when
  /// it would pass a cap (a batch always takes at least one warp).
  void add(uint32_t query, int32_t nq, const uint32_t* pairs, uint32_t count, uint64_t dp_cells,
           uint64_t warp_cells) {
    const uint64_t cells = (static_cast<uint64_t>(nq) + 1) * kernels::kSurvivorLanes;
    const uint64_t bytes =
        cells * (wide_ ? sizeof(kernels::SurvivorCell32) : sizeof(kernels::SurvivorCell16));
    if (!chunks_.empty() &&
        (dp_cells_ + dp_cells > limits_.max_cells || targets_.size() + count > limits_.max_pairs ||
         scratch_bytes_ + bytes > limits_.max_scratch_bytes))
      flush();
    PendingChunk p;
    p.chunk.query = query;
    p.chunk.first = static_cast<uint32_t>(targets_.size());
    p.chunk.count = count;
    p.warp_cells = warp_cells;
    p.cells = cells;
    chunks_.push_back(p);
    targets_.insert(targets_.end(), pairs, pairs + count);
    dp_cells_ += dp_cells;
    scratch_bytes_ += bytes;
  }

  /// Emits the batch: warps longest first (the long ones start early and
  /// the short ones fill the tail), targets and columns in that order.
  void flush() {
    if (chunks_.empty()) return;
    std::stable_sort(
        chunks_.begin(), chunks_.end(),
        [](const PendingChunk& a, const PendingChunk& b) { return a.warp_cells > b.warp_cells; });
    SurvivorBatch b;
    b.wide = wide_;
    b.dp_cells = dp_cells_;
    b.chunks.reserve(chunks_.size());
    b.targets.reserve(targets_.size());
    uint64_t scratch = 0;
    for (const PendingChunk& p : chunks_) {
      kernels::SurvivorChunk c = p.chunk;
      const auto from = targets_.begin() + c.first;
      c.first = static_cast<uint32_t>(b.targets.size());
      b.targets.insert(b.targets.end(), from, from + c.count);
      c.scratch = scratch;
      scratch += p.cells;
      b.chunks.push_back(c);
    }
    b.scratch_cells = scratch;
    out_.push_back(std::move(b));
    chunks_.clear();
    targets_.clear();
    dp_cells_ = scratch_bytes_ = 0;
  }

 private:
  bool wide_;
  const SurvivorLimits& limits_;
  std::deque<SurvivorBatch>& out_;
  std::vector<PendingChunk> chunks_;
  std::vector<uint32_t> targets_;
  uint64_t dp_cells_ = 0, scratch_bytes_ = 0;
};

SurvivorPlanner::SurvivorPlanner(const Sequences& seqs, const Candidates& cand,
                                 const kernels::ScoreScheme& sc, const SurvivorLimits& limits)
    : seqs_(seqs),
      cand_(cand),
      sc_(sc),
      limits_(limits),
      narrow_(std::make_unique<SurvivorBatchBuilder>(false, limits_, ready_)),
      wide_(std::make_unique<SurvivorBatchBuilder>(true, limits_, ready_)),
      rows_(cand.offsets.empty() ? 0 : cand.offsets.size() - 1) {}

SurvivorPlanner::~SurvivorPlanner() = default;

bool SurvivorPlanner::next(SurvivorBatch& out) {
  while (ready_.empty() && row_ < rows_) plan_row(row_++);
  if (ready_.empty() && !flushed_) {
    narrow_->flush();
    wide_->flush();
    flushed_ = true;
  }
  if (ready_.empty()) return false;
  out = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

void SurvivorPlanner::plan_row(uint64_t i) {
  const uint64_t b = cand_.offsets[i], e = cand_.offsets[i + 1];
  if (b == e) return;
  const auto nq = static_cast<int32_t>(seqs_.length(i));
  row_targets_.assign(cand_.cols.begin() + static_cast<std::ptrdiff_t>(b),
                      cand_.cols.begin() + static_cast<std::ptrdiff_t>(e));
  auto& row = row_targets_;
  // Lanes of a warp with similar target lengths run nearly the same number
  // of strips (the binning of CUDASW++ 4.0's database sort).
  std::stable_sort(row.begin(), row.end(),
                   [&](uint32_t x, uint32_t y) { return seqs_.length(x) < seqs_.length(y); });
  for (std::size_t k = 0; k < row.size(); k += kernels::kSurvivorLanes) {
    const auto count =
        static_cast<uint32_t>(std::min<std::size_t>(kernels::kSurvivorLanes, row.size() - k));
    const auto longest = static_cast<int32_t>(seqs_.length(row[k + count - 1]));
    uint64_t dp = 0;
    for (uint32_t l = 0; l < count; ++l) {
      const auto nt = static_cast<int32_t>(seqs_.length(row[k + l]));
      if (nq > 0 && nt > 0)
        CLEAVE_EXPECTS(dp_magnitude(nq, nt, sc_) < (int64_t{1} << 29),
                       "sequences of {} and {} residues are too long to align", nq, nt);
      dp += static_cast<uint64_t>(nq) * static_cast<uint64_t>(nt);
    }
    const uint64_t warp = static_cast<uint64_t>(nq) * static_cast<uint64_t>(longest);
    // Targets are sorted: the longest decides whether the warp's column and
    // every DP value fit 16 bits (fits_int16 grows with either length).
    SurvivorBatchBuilder& into = fits_int16(nq, longest, sc_) ? *narrow_ : *wide_;
    into.add(static_cast<uint32_t>(i), nq, row.data() + k, count, dp, warp);
  }
}

std::vector<SurvivorBatch> plan_survivor_batches(const Sequences& seqs, const Candidates& cand,
                                                 const kernels::ScoreScheme& sc,
                                                 const SurvivorLimits& limits) {
  SurvivorPlanner planner(seqs, cand, sc, limits);
  std::vector<SurvivorBatch> out;
  SurvivorBatch b;
  while (planner.next(b)) out.push_back(std::move(b));
  return out;
}

void align_candidates_with(SurvivorExecutor& ex, const Sequences& seqs, const Candidates& cand,
                           const kernels::ScoreScheme& sc, const AlignOptions& opt,
                           std::vector<TileResult>& results, Progress* progress,
                           const SurvivorLimits& limits) {
  CLEAVE_EXPECTS(!results.empty(), "align_candidates needs at least one result slot");
  const uint64_t n = cand.offsets.empty() ? 0 : cand.offsets.size() - 1;
  // Warps left per row (a row's candidates make ceil(count / 32) warps): a
  // row counts as done when its last warp is recorded.
  std::vector<uint32_t> left(n, 0);
  uint64_t idle = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t c = cand.offsets[i + 1] - cand.offsets[i];
    left[i] = static_cast<uint32_t>((c + kernels::kSurvivorLanes - 1) / kernels::kSurvivorLanes);
    idle += left[i] == 0 ? 1 : 0;
  }
  if (progress && idle > 0) progress->advance(idle);
  TileResult& out = results[0];
  const uint32_t slots = std::max<uint32_t>(ex.slots(), 1);
  // The batches in flight, one a slot: the plan is made a batch at a time,
  // while the executor runs the others.
  std::vector<SurvivorBatch> in_slot(slots);
  std::vector<bool> busy(slots, false);
  auto harvest = [&](uint32_t s) {
    if (!busy[s]) return;
    busy[s] = false;
    const SurvivorBatch& b = in_slot[s];
    const kernels::AlignStats* stats = ex.wait(s);
    for (const auto& c : b.chunks) {
      for (uint32_t l = 0; l < c.count; ++l)
        record_pair(seqs, c.query, b.targets[c.first + l], stats[c.first + l], opt, out);
      if (--left[c.query] == 0 && progress) progress->advance();
    }
  };
  ParallelCancel cancel;  // outside a parallel region: this thread polls the hook
  SurvivorPlanner planner(seqs, cand, sc, limits);
  SurvivorBatch next;
  uint32_t s = 0;
  while (planner.next(next)) {
    harvest(s);
    if (cancel.stopped()) break;
    in_slot[s] = std::move(next);
    ex.submit(s, in_slot[s]);
    busy[s] = true;
    s = (s + 1) % slots;
  }
  // Oldest first: slot s holds the batch submitted longest ago.
  for (uint32_t k = 0; k < slots; ++k) harvest((s + k) % slots);
  cancel.check();
}

#if CLEAVE_HAVE_CUDA
void align_candidates_cuda(const Sequences& seqs, const Candidates& cand,
                           const kernels::ScoreScheme& sc, const AlignOptions& opt,
                           std::vector<TileResult>& results, Progress* progress) {
  const auto ex = make_cuda_survivor_executor(seqs, sc, opt.mode == AlignMode::local);
  align_candidates_with(*ex, seqs, cand, sc, opt, results, progress, cuda_survivor_limits());
}
#endif

}  // namespace cleave::align_detail
