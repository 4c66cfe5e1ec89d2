#pragma once
/// @file align_survivor.hpp
/// @brief Aligning the prefilter's candidate pairs in batches on an
/// accelerator (kernels/align_survivor.hpp): the host plan (warps of pairs
/// that share a query, sorted by target length; launches capped by DP
/// cells, pairs and scratch bytes) and the driver that streams the batches
/// through an executor with two slots (the CUDA executor gives each slot
/// its own stream and buffers, so one batch's kernel runs while the other's
/// inputs go up and statistics come back) and records every pair with
/// record_pair, as align_detail::align_candidates does on the CPU.
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "cleave/scheduler.hpp"
#include "cleave/sequence.hpp"
#include "cleave/util.hpp"
#include "kernels/align_survivor.hpp"
#include "similarity/seq_prefilter.hpp"

namespace cleave::align_detail {

/// Caps on one launch.
struct SurvivorLimits {
  /// DP cells (sum of n1 * n2 over its pairs): some 15-30 ms of an H100 at
  /// the kernel's expected rate (bench/RESULTS.md), so no launch runs long.
  uint64_t max_cells = uint64_t{1} << 33;
  uint64_t max_pairs = uint64_t{1} << 20;
  /// Bytes of the warps' DP columns.
  uint64_t max_scratch_bytes = uint64_t{1} << 30;
};

/// The warps of one launch, all with the same column width.
struct SurvivorBatch {
  bool wide = false;  ///< 32-bit columns (else every pair fits int16)
  std::vector<kernels::SurvivorChunk> chunks;
  std::vector<uint32_t> targets;  ///< per pair, chunk-major
  uint64_t scratch_cells = 0;     ///< column cells of all chunks
  uint64_t dp_cells = 0;          ///< sum of n1 * n2
};

class SurvivorBatchBuilder;

/// Cuts each row's candidates (sorted by target length) into warps of up to
/// 32 pairs and packs the warps, row by row, into batches under `limits`
/// (16-bit and 32-bit columns apart); within a batch the warps run longest
/// first. Batches are made one at a time, so only those in flight are held.
/// Throws, as align_batch does, for a pair too long to align.
class SurvivorPlanner {
 public:
  SurvivorPlanner(const Sequences& seqs, const Candidates& cand, const kernels::ScoreScheme& sc,
                  const SurvivorLimits& limits);
  SurvivorPlanner(const SurvivorPlanner&) = delete;
  SurvivorPlanner& operator=(const SurvivorPlanner&) = delete;
  ~SurvivorPlanner();
  /// The next batch into `out`; false once every pair is planned.
  bool next(SurvivorBatch& out);

 private:
  void plan_row(uint64_t i);

  const Sequences& seqs_;
  const Candidates& cand_;
  kernels::ScoreScheme sc_;
  SurvivorLimits limits_;
  std::deque<SurvivorBatch> ready_;
  std::unique_ptr<SurvivorBatchBuilder> narrow_, wide_;
  uint64_t rows_ = 0, row_ = 0;
  bool flushed_ = false;
  std::vector<uint32_t> row_targets_;
};

/// Every batch of a SurvivorPlanner at once.
std::vector<SurvivorBatch> plan_survivor_batches(const Sequences& seqs, const Candidates& cand,
                                                 const kernels::ScoreScheme& sc,
                                                 const SurvivorLimits& limits);

/// Runs batches: submit() starts one in a slot (asynchronously where it
/// can), wait() returns its per-pair statistics (as batch.targets), valid
/// until the slot's next submit().
class SurvivorExecutor {
 public:
  virtual ~SurvivorExecutor() = default;
  [[nodiscard]] virtual uint32_t slots() const = 0;
  virtual void submit(uint32_t slot, const SurvivorBatch& batch) = 0;
  virtual const kernels::AlignStats* wait(uint32_t slot) = 0;
};

/// align_candidates' contract through an executor: every candidate pair
/// recorded (record_pair) in results[0], progress advanced per finished
/// row, the caller's cancel hook polled between batches.
void align_candidates_with(SurvivorExecutor& ex, const Sequences& seqs, const Candidates& cand,
                           const kernels::ScoreScheme& sc, const AlignOptions& opt,
                           std::vector<TileResult>& results, Progress* progress,
                           const SurvivorLimits& limits);

}  // namespace cleave::align_detail
