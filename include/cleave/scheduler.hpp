#pragma once
/// @file scheduler.hpp
/// @brief The all-pairs tile scheduler, shared by every measure and backend.
///
/// The upper triangle of the n x n pair matrix is cut into square tiles of
/// `tile` rows; a PairComputer fills one tile at a time with the pairs whose
/// similarity is >= the threshold and the histogram of all the tile's pairs.
/// The scheduler sizes tiles from the memory budget, runs tiles (in parallel
/// when the computer allows), records finished tiles in a checkpoint so a
/// killed job resumes without redoing them, streams edges to disk when they
/// would not fit in memory, shows progress with an ETA, and merges everything
/// in tile order so the graph is identical on any thread count, backend or
/// resume history.
///
/// Tile order: row blocks b_r <= column blocks b_c, row-major (b_r = 0 first,
/// then b_c ascending); Tile::index is the position in that order. A diagonal
/// tile (b_r == b_c, so row0 == col0) covers the square block but contains
/// only its pairs with i < j: the computer must skip i >= j there. The
/// scheduler checks every tile result (edges inside the tile with u < v,
/// histogram total == the tile's pair count) and throws errc::internal when a
/// computer breaks this contract.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cleave/graph.hpp"

namespace cleave {

/// Pairs (i, j) with row0 <= i < row1, col0 <= j < col1 and i < j.
/// Either row0 == col0 and row1 == col1 (a diagonal tile: only i < j counts,
/// s(s-1)/2 pairs for s rows) or row1 <= col0 (every pair in the block counts).
struct Tile {
  uint64_t row0 = 0, row1 = 0, col0 = 0, col1 = 0;
  uint64_t index = 0;  ///< position in the scheduler's tile order
  [[nodiscard]] bool diagonal() const { return row0 == col0; }
  /// Number of pairs (i < j) in the tile.
  [[nodiscard]] uint64_t pairs() const {
    uint64_t r = row1 - row0;
    return diagonal() ? r * (r - 1) / 2 : r * (col1 - col0);
  }
};

/// What one tile produced: edges (u < v, any order) and the histogram of
/// every pair in the tile (same bins and range as PairComputer::histogram()).
struct TileResult {
  std::vector<Edge> edges;
  Histogram histogram;
};

/// @brief One similarity measure on one backend, as the scheduler sees it.
///
/// compute() must be deterministic (the same tile gives the same edges and
/// histogram every time): a resumed run mixes tiles from several processes
/// and must equal an uninterrupted one.
class PairComputer {
 public:
  virtual ~PairComputer() = default;
  /// Number of samples.
  [[nodiscard]] virtual uint64_t size() const = 0;
  [[nodiscard]] virtual Measure measure() const = 0;
  /// Edge when similarity >= threshold.
  [[nodiscard]] virtual double threshold() const = 0;
  /// An empty histogram with the measure's bins and range.
  [[nodiscard]] virtual Histogram histogram() const { return Histogram{}; }
  /// Checksum of the features and parameters (a checkpoint from other inputs
  /// is refused).
  [[nodiscard]] virtual uint64_t input_checksum() const = 0;
  /// Working memory one tile of `tile` x `tile` pairs needs (host or device),
  /// including its result buffers. Must not decrease as `tile` grows.
  [[nodiscard]] virtual uint64_t tile_bytes(uint64_t tile) const = 0;
  /// Whether compute() may be called from several threads at once (on
  /// different tiles). When false, tiles are handed over one at a time and a
  /// backend that overlaps work (a GPU with streams) does so internally.
  [[nodiscard]] virtual bool concurrent() const { return true; }
  /// Most compute() calls at once when concurrent(); 0 = as many as threads.
  /// A GPU backend with a pool of per-tile contexts (stream, pinned buffers)
  /// reports the pool's size, so one tile's kernels run while another's
  /// edges are copied back and harvested.
  [[nodiscard]] virtual uint64_t max_in_flight() const { return 0; }
  /// Device memory one tile in flight needs (0: the backend has no device).
  /// Must not decrease as `tile` grows.
  [[nodiscard]] virtual uint64_t device_tile_bytes(uint64_t /*tile*/) const { return 0; }
  /// Device memory the tiles in flight may use (0: no device limit), e.g.
  /// the free memory cudaMemGetInfo reported once the inputs were resident.
  [[nodiscard]] virtual uint64_t device_budget() const { return 0; }
  /// Fills `out` for one tile. The scheduler hands `out` over with no edges
  /// and `histogram()`'s empty histogram. On a diagonal tile only pairs
  /// i < j are counted and reported.
  virtual void compute(const Tile& tile, TileResult& out) = 0;
};

/// @brief What a run did (for logs and tests).
struct ScheduleReport {
  uint64_t tile = 0;            ///< tile side in rows
  uint64_t tiles = 0;           ///< tiles in the triangle
  uint64_t in_flight = 0;       ///< tiles computed at once
  uint64_t tiles_computed = 0;  ///< compute() calls that finished in this run
  uint64_t tiles_resumed = 0;   ///< finished tiles taken from a checkpoint
  uint64_t tiles_spilled = 0;   ///< tiles whose edges did not stay in memory (read back from disk)
  uint64_t tiles_repaired = 0;  ///< checkpointed tiles whose file was bad, recomputed
  uint64_t edges = 0;           ///< edges in the graph
  uint64_t memory_budget = 0;   ///< bytes, after resolving max_memory = 0
};

struct ScheduleOptions {
  /// Memory budget in bytes for tiles in flight plus edges held in memory;
  /// 0 = a quarter of physical memory. The final graph (built in memory) must
  /// fit in it too: about 28 bytes per edge plus 16 per node.
  uint64_t max_memory = 0;
  /// Tile side in rows; 0 = chosen from max_memory and tile_bytes() (or the
  /// checkpoint's side when resuming).
  uint64_t tile = 0;
  /// Directory for the checkpoint and edge spill files; empty = no
  /// checkpoint (and spills go to the system temporary directory). Created
  /// when missing; cleave's files in it are removed once the graph is built.
  /// One run at a time may use it (a lock file enforces this).
  std::filesystem::path work_dir;
  bool progress = true;
  std::string progress_label = "all pairs";
  /// When set, filled with what the run did.
  ScheduleReport* report = nullptr;
};

/// @brief Runs every tile and returns the graph (ids unset, meta filled:
/// measure, threshold, n_pairs = n(n-1)/2, histogram, input_checksum).
///
/// Throws errc::out_of_memory (with the bytes needed) when not even one
/// smallest tile fits in the budget or the graph would not; errc::invalid_argument
/// when work_dir holds a checkpoint of other inputs or parameters, or is in
/// use; errc::format when the checkpoint file is corrupt; errc::internal when
/// the computer breaks its contract. Exceptions from compute() propagate after
/// the tiles in flight finish; with a work_dir, every finished tile is kept.
Graph run_all_pairs(PairComputer& computer, const ScheduleOptions& opt);

}  // namespace cleave
