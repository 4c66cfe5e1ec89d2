#pragma once
/// @file fp_search_engine.hpp
/// @brief The fingerprint search on a kernel body (kernels/search_kernel.hpp):
/// an engine runs the body over a block of queries against every target,
/// on the device (fp_search_cuda.cu) or under the CPU harness
/// (tile_harness.hpp, for tests), and fp_search_block() turns what it
/// reports (integer counts) into the CPU search's result for the block.
///
/// Targets go to the engine in rank order (position p: the p-th target by
/// rank, then index), so the kernel's "first of equals" is the CPU's tie
/// rule. Per query, fp_search_block():
///   nearest   the best of the tile bests (one per query and 64 targets;
///             without top, reduced on the device to one per query and
///             launch), each finished in double on the host with the CPU's
///             finish()
///   hits      without top: one pass, the kernel emits the pairs >= the
///             threshold. With top k: a first pass gives the tile bests;
///             the k-th best of them (they are k different targets) is a
///             floor no pair of the true top k lies below, so the second
///             pass emits the pairs >= the threshold and >= that floor
///             (every pair when the query has fewer than k tile bests), and
///             the host keeps the k best, ties by rank. Exact for any k.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "cleave/search.hpp"
#include "kernels/fingerprint_ops.hpp"
#include "kernels/search_kernel.hpp"

namespace cleave::search_detail {

/// Targets of an engine, in rank order.
struct FpTargets {
  const uint64_t* words = nullptr;  ///< n x words
  const uint32_t* pop = nullptr;    ///< n
  uint32_t n = 0;
  uint32_t words_per_fp = 0;
};

/// One pass of the body over a block of queries.
struct FpPass {
  const uint64_t* words = nullptr;  ///< n x words (queries)
  const uint32_t* pop = nullptr;
  uint32_t n = 0;
  bool emit = false;  ///< write hits
  /// Report one best per query and launch (SearchRowBestBody) instead of
  /// one per tile of 64 targets: enough for the nearest target, not for a
  /// top-k floor.
  bool row_best = false;
  const uint32_t* floor_pb = nullptr;  ///< per query or null (SearchTileParams)
  const uint32_t* floor_c = nullptr;
};

/// What a pass reports, slab by slab: for queries [row0, row0 + rows),
/// `blocks` candidates each (best[r * blocks + k]), every one the best
/// target of a tile of 64 targets, or (FpPass::row_best, blocks = 1) of the
/// launch's targets; and hits.
struct FpPassSink {
  std::function<void(uint32_t row0, uint32_t rows, uint32_t block0, uint32_t blocks,
                     const kernels::SearchBest* best)>
      bests;
  std::function<void(uint64_t n, const uint32_t* query, const uint32_t* target,
                     const uint32_t* common)>
      hits;
};

/// Runs the search body; targets and the threshold are fixed at creation.
class FpSearchEngine {
 public:
  virtual ~FpSearchEngine() = default;
  virtual void run(const FpPass& pass, const FpPassSink& sink) = 0;
};

/// Makes an engine for rank-ordered targets, a bit measure and a threshold.
using FpEngineFactory = std::function<std::unique_ptr<FpSearchEngine>(
    const FpTargets& targets, kernels::BitMeasure measure, double threshold)>;

/// Queries per launch and targets per launch (a multiple of the tile width),
/// so a launch's grid and tile bests stay bounded.
inline constexpr uint32_t kSlabRows = 4096;
inline constexpr uint32_t kSlabCols = 64 * 1024;

/// The engine that runs the body under the CPU harness (tests).
std::unique_ptr<FpSearchEngine> make_fp_search_harness(const FpTargets& targets,
                                                       kernels::BitMeasure measure,
                                                       double threshold);

#if CLEAVE_HAVE_CUDA
/// The CUDA engine (fp_search_cuda.cu): targets resident on the device.
std::unique_ptr<FpSearchEngine> make_fp_search_cuda(const FpTargets& targets,
                                                    kernels::BitMeasure measure, double threshold);
#endif

/// The engine factory of a backend: cuda (throws errc::cuda naming why when
/// no device is usable or the build has no CUDA); null for cpu.
FpEngineFactory fp_engine_factory(Backend backend);

/// The search of one block of queries against the targets.
/// queries: words and popcounts of the block's queries, result row of
/// query k is row[k]; target_of[p]: the caller's target number of position
/// p. Returns the result as search() has it for the block (rows by `row`).
SearchResult fp_search_block(FpSearchEngine& engine, const FpTargets& targets,
                             const std::vector<uint32_t>& target_of, const uint64_t* words,
                             const uint32_t* pop, const std::vector<uint32_t>& row,
                             kernels::BitMeasure measure, uint32_t top);

/// search() and search_within() with fingerprints on a given engine factory
/// (the tests run them on make_fp_search_harness).
SearchResult search_on(const FeatureView& queries, const FeatureView& targets,
                       const SearchOptions& opt, const std::vector<uint64_t>& target_rank,
                       const FpEngineFactory& factory);
SearchResult search_within_on(const FeatureView& data, const std::vector<uint32_t>& queries,
                              const std::vector<uint32_t>& targets, const SearchOptions& opt,
                              const std::vector<uint64_t>& target_rank,
                              const FpEngineFactory& factory);

}  // namespace cleave::search_detail
