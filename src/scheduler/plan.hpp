#pragma once
// Tile geometry and memory sizing for the all-pairs scheduler.
#include <cstdint>
#include <string>

#include "cleave/scheduler.hpp"

namespace cleave::detail {

/// @brief The tiling of the upper triangle of an n x n pair matrix.
struct TilePlan {
  uint64_t n = 0;
  uint64_t side = 0;        ///< rows per tile
  uint64_t blocks = 0;      ///< ceil(n / side)
  uint64_t in_flight = 1;   ///< tiles computed at once
  uint64_t tile_bytes = 0;  ///< working memory of one tile in flight

  [[nodiscard]] uint64_t count() const { return blocks * (blocks + 1) / 2; }
  /// The tile at `index` in row-major order over b_r <= b_c.
  [[nodiscard]] Tile tile(uint64_t index) const;
};

/// A quarter of physical memory (sysconf).
uint64_t default_memory_budget();
/// Peak bytes of Graph::from_edges on n nodes and m edges: the edge list,
/// offsets, both CSR directions and the fill cursors.
uint64_t graph_build_bytes(uint64_t n, uint64_t m);
/// "1.50 GiB (1610612736 bytes)".
std::string format_bytes(uint64_t bytes);

/// Chooses the tile side (or checks `forced_side` when nonzero) and how many
/// tiles run at once, at most `threads`. Tiles in flight get half the budget
/// when that fits the smallest tile, the whole budget otherwise; the rest
/// holds edges. A computer with a device_budget() also needs its tiles in
/// flight to fit there (fewer tiles in flight, then smaller tiles). Throws
/// errc::out_of_memory when one smallest tile does not fit either budget.
/// `balance_threads` (when larger than `threads`): the threads of every rank
/// of a job, which all need tiles to stay busy.
TilePlan plan_tiles(const PairComputer& computer, uint64_t n, uint64_t budget, uint64_t forced_side,
                    uint64_t threads, uint64_t balance_threads = 0);

}  // namespace cleave::detail
