// Tile geometry and memory sizing: the tile side is the largest that lets the
// tiles in flight share the budget (after nvMolKit's similarity.cpp, which
// sizes tiles from free memory and a user cap), clamped to 64..65536 rows.
#include "scheduler/plan.hpp"

#include <algorithm>

#include <unistd.h>

#include <fmt/format.h>

#include "cleave/error.hpp"

namespace cleave::detail {
namespace {

constexpr uint64_t kMinSide = 64;
constexpr uint64_t kMaxSide = 65536;
constexpr uint64_t kTilesPerThread = 4;  // load balance when tiles run in parallel

uint64_t blocks_for(uint64_t n, uint64_t side) {
  return (n + side - 1) / side;
}

// Whether k tiles of `bytes` fit in `budget`, without overflow.
bool fits(uint64_t bytes, uint64_t k, uint64_t budget) {
  return bytes <= budget / k;
}

}  // namespace

Tile TilePlan::tile(uint64_t index) const {
  // Row r starts at offset(r) = r * blocks - r (r - 1) / 2; find the last row
  // whose offset is <= index.
  auto offset = [this](uint64_t r) { return r * blocks - r * (r - 1) / 2; };
  uint64_t lo = 0, hi = blocks - 1;
  while (lo < hi) {
    uint64_t mid = (lo + hi + 1) / 2;
    if (offset(mid) <= index) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  uint64_t br = lo, bc = br + (index - offset(br));
  Tile t;
  t.row0 = br * side;
  t.row1 = std::min(n, t.row0 + side);
  t.col0 = bc * side;
  t.col1 = std::min(n, t.col0 + side);
  t.index = index;
  return t;
}

uint64_t default_memory_budget() {
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return uint64_t{1} << 32;  // unknown: assume 16 GiB of RAM
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 4;
}

uint64_t graph_build_bytes(uint64_t n, uint64_t m) {
  return m * sizeof(Edge) + 2 * m * (sizeof(uint32_t) + sizeof(float)) +
         (2 * n + 1) * sizeof(uint64_t);
}

std::string format_bytes(uint64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return fmt::format("{} bytes", bytes);
  return fmt::format("{:.2f} {} ({} bytes)", v, units[u], bytes);
}

TilePlan plan_tiles(const PairComputer& computer, uint64_t n, uint64_t budget, uint64_t forced_side,
                    uint64_t threads, uint64_t balance_threads) {
  CLEAVE_EXPECTS(n >= 2, "tiling needs at least two samples");
  TilePlan plan;
  plan.n = n;
  threads = std::max<uint64_t>(threads, 1);
  uint64_t lo = std::min(kMinSide, n);
  uint64_t hi = std::min(kMaxSide, n);
  if (forced_side) lo = hi = std::min(forced_side, n);
  uint64_t min_bytes = computer.tile_bytes(lo);
  if (!fits(min_bytes, 1, budget))
    CLEAVE_FAIL(out_of_memory,
                "one tile of {} rows needs {} of working memory but the memory budget is {}; "
                "raise the budget (--max-memory) to at least {}{}",
                lo, format_bytes(min_bytes), format_bytes(budget), format_bytes(min_bytes),
                forced_side ? " or use a smaller tile" : "");

  // Enough tiles to keep every thread busy, unless that makes tiles tiny.
  const uint64_t balance = std::max(threads, balance_threads);
  if (balance > 1 && !forced_side) {
    uint64_t want = kTilesPerThread * balance, b = 1;
    while (b * (b + 1) / 2 < want) ++b;
    hi = std::max(lo, std::min(hi, (n + b - 1) / b));
  }
  // Tiles in flight get half the budget when the smallest tile fits there.
  uint64_t tile_budget = fits(min_bytes, threads, budget / 2) ? budget / 2 : budget;
  uint64_t k = threads;
  while (k > 1 && !fits(min_bytes, k, tile_budget)) --k;
  // A device backend's tiles in flight must also fit its device memory.
  const uint64_t device_budget = computer.device_budget();
  auto device_fits = [&](uint64_t side, uint64_t tiles) {
    return device_budget == 0 || fits(computer.device_tile_bytes(side), tiles, device_budget);
  };
  if (!device_fits(lo, 1))
    CLEAVE_FAIL(out_of_memory,
                "one tile of {} rows needs {} of device memory but {} is free on the device; "
                "free device memory or use {}",
                lo, format_bytes(computer.device_tile_bytes(lo)), format_bytes(device_budget),
                forced_side ? "a smaller tile" : "the cpu backend");
  while (k > 1 && !device_fits(lo, k)) --k;
  // Largest side in [lo, hi] whose k tiles fit (tile_bytes is non-decreasing).
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo + 1) / 2;
    if (fits(computer.tile_bytes(mid), k, tile_budget) && device_fits(mid, k)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  plan.side = lo;
  if (!forced_side && plan.side < n && plan.side > kMinSide)
    plan.side -= plan.side % kMinSide;  // whole warps/blocks for device backends
  plan.blocks = blocks_for(n, plan.side);
  plan.in_flight = std::min(k, plan.count());
  plan.tile_bytes = computer.tile_bytes(plan.side);
  return plan;
}

}  // namespace cleave::detail
