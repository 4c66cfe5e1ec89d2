/// @file partition_folds.cpp
/// @brief K folds with no edge between any two: the min-cut partitioner's
/// cut applied K - 1 times, fold k cut off the rest in turn.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/partition.hpp"
#include "kernels/hash.hpp"
#include "split/partition_internal.hpp"

namespace cleave {

SplitResult partition_folds(const Graph& g, uint32_t folds, const PartitionOptions& opt,
                            uint64_t seed, int repeat) {
  CLEAVE_EXPECTS(folds >= 2 && folds <= 100, "folds must be 2 to 100, got {}", folds);
  CLEAVE_EXPECTS(g.num_nodes() < std::numeric_limits<uint32_t>::max(),
                 "the partitioner handles fewer than 2^32 samples");
  SplitResult r;
  r.p = 0.0;
  r.repeat = repeat;
  r.seed = seed;
  r.engine = "graph";
  // Each cut asks for an absolute fold size; later cuts remove samples from
  // the rest, so attempts re-aim that size at (kept so far) / K and keep the
  // attempt whose folds are most even.
  double want = static_cast<double>(g.num_nodes()) / folds;
  double best_dev = -1;
  std::vector<int8_t> side;
  std::vector<uint64_t> size(folds, 0);
  for (int attempt = 0; attempt < 4; ++attempt) {
    side.assign(g.num_nodes(), 0);
    for (uint32_t k = 1; k < folds; ++k) {
      double rest = 0;
      for (int8_t f : side) rest += f == 0 ? 1 : 0;
      const double share = std::clamp(want / std::max(rest, 1.0), 0.01, 0.95);
      detail::split_off(g, side, 0, static_cast<int8_t>(k), share, opt.tolerance,
                        kernels::counter_hash(seed, 0x666f6c64ULL, k), opt.tries);
    }
    detail::refine_dropped(g, side, 0);
    std::vector<uint64_t> sz(folds, 0);
    double kept = 0;
    for (int8_t f : side)
      if (f >= 0) {
        ++sz[static_cast<std::size_t>(f)];
        kept += 1;
      }
    double dev = 0;
    for (uint64_t c : sz) dev = std::max(dev, std::abs(static_cast<double>(c) - kept / folds));
    if (best_dev < 0 || dev < best_dev) {
      best_dev = dev;
      r.side = side;
      size = sz;
    }
    if (dev <= detail::slack(opt.tolerance, kept)) break;
    // The rest (fold 0) also takes back the samples refinement returns: hand
    // its excess over an even share to the cut folds.
    want += (static_cast<double>(sz[0]) - kept / folds) / static_cast<double>(folds - 1);
  }
  r.kept = 0;
  for (uint64_t c : size) r.kept += c;
  r.kept_units = r.kept;
  r.valid = std::all_of(size.begin(), size.end(), [](uint64_t c) { return c > 0; });
  r.overlap = Overlap{};
  return r;
}

}  // namespace cleave
