/// @file partition_target.cpp
/// @brief A spectrum from a zero-overlap split: samples moved so that the
/// fraction of test samples with a train neighbour (SPECTRA's overlap_frac)
/// reaches a target, keeping every sample the target allows. Removed samples
/// (all of them touch train) go to test first, which puts them back; then
/// train samples with a train neighbour trade places with test samples that
/// touch nothing, so the test share stays near its fraction.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/partition.hpp"
#include "kernels/hash.hpp"

namespace cleave {

namespace {

constexpr uint64_t kStreamTarget = 0x74677421ULL;

struct Counts {
  double kept = 0, test = 0;
};

Counts count(const std::vector<int8_t>& side) {
  Counts c;
  for (int8_t s : side) {
    c.kept += (s == kTrain || s == kTest) ? 1 : 0;
    c.test += s == kTest ? 1 : 0;
  }
  return c;
}

}  // namespace

SplitResult partition_with_overlap(const Graph& g, const SplitResult& zero, double target,
                                   double test_fraction, uint64_t seed) {
  CLEAVE_EXPECTS(target >= 0.0 && target <= 1.0, "target overlap must be in [0, 1], got {}",
                 target);
  CLEAVE_EXPECTS(zero.side.size() == g.num_nodes(), "split of {} samples for a graph of {}",
                 zero.side.size(), g.num_nodes());
  SplitResult r = zero;
  r.p = target;
  if (target == 0.0 || !zero.valid) return r;
  const auto offs = g.offsets();
  const auto cols = g.columns();
  std::vector<int8_t>& side = r.side;
  auto touches = [&](uint32_t v, int8_t s) {
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e)
      if (side[cols[e]] == s) return true;
    return false;
  };
  // A seeded visiting order: which samples move differs between repeats.
  std::vector<uint32_t> order(g.num_nodes());
  for (uint32_t v = 0; v < order.size(); ++v) order[v] = v;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return kernels::counter_hash(seed, kStreamTarget, a) <
           kernels::counter_hash(seed, kStreamTarget, b);
  });
  const double aim = 0.01;  // stop inside half the 0.02 tolerance when possible
  std::size_t batch = 0;
  for (int iter = 0; iter < 200; ++iter) {
    const double frac = measure_overlap(g, side).frac;
    const Counts c = count(side);
    if (frac >= target - aim && frac <= target + aim) break;
    if (frac > target + aim) break;  // overshoot was undone below; take what is there
    const double need = std::max(1.0, (target - frac) * c.test);
    if (batch == 0) batch = static_cast<std::size_t>(std::ceil(need / 2));
    batch = std::min(batch, static_cast<std::size_t>(std::ceil(need)));
    const std::vector<int8_t> before = side;
    std::size_t moved = 0;
    // Removed samples first: each joins test with a train neighbour (never
    // one next to validation, which would join those sides).
    for (uint32_t v : order) {
      if (moved >= batch) break;
      if (side[v] != kDropped || !touches(v, kTrain) || touches(v, kValidation)) continue;
      side[v] = kTest;
      ++moved;
    }
    for (uint32_t v : order) {
      if (moved >= batch) break;
      if (side[v] != kTrain || !touches(v, kTrain)) continue;
      side[v] = kTest;
      ++moved;
    }
    // Test samples touching no train go to train until the share is back.
    Counts now = count(side);
    for (uint32_t v : order) {
      if (now.test <= test_fraction * now.kept + 0.5) break;
      if (side[v] != kTest || touches(v, kTrain)) continue;
      side[v] = kTrain;
      now.test -= 1;
    }
    if (moved == 0) break;  // nothing left to move
    const double after = measure_overlap(g, side).frac;
    if (after > target + 0.02) {
      // Overshoot: redo with a smaller batch; a single move that still
      // overshoots is kept only when it lands closer to the target.
      if (batch == 1) {
        if (after - target >= target - frac) side = before;
        break;
      }
      side = before;
      batch /= 2;
    }
  }
  r.train = r.test = 0;
  for (int8_t s : side) {
    r.train += s == kTrain ? 1 : 0;
    r.test += s == kTest ? 1 : 0;
  }
  r.kept = r.kept_units = r.train + r.test + r.validation;
  r.valid = r.train > 0 && r.test > 0;
  r.overlap = measure_overlap(g, side);
  return r;
}

}  // namespace cleave
