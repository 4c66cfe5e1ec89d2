/// @file partition_target.cpp
/// @brief A spectrum from a zero-overlap split: single samples moved between
/// train, test and removed until the fraction of test samples with a train
/// neighbour (SPECTRA's overlap_frac) reaches a target, with the test share
/// kept within tolerance and as many samples kept as the target allows.
///
/// The search is a greedy descent on an exact objective. For a move of one
/// sample the change in touching test samples is known from neighbour counts
/// alone (its own status, and each test neighbour that gains its first or
/// loses its last train neighbour), so every candidate move is scored exactly
/// on the current state: first the distance still to go (overlap beyond half
/// the tolerance plus test share beyond the tolerance, both in samples), then
/// samples kept. A round scores every move, then applies them best first,
/// each re-scored on the state the earlier ones left and taken only when it
/// still improves it; rounds repeat until none does. The steps are one
/// sample each, so the overlap moves by about 1/|test| at a time and any
/// target the graph allows is met; when none is left that improves, the
/// split says so (SplitResult::reached).
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/partition.hpp"
#include "kernels/hash.hpp"
#include "split/partition_internal.hpp"

namespace cleave {

namespace {

constexpr uint64_t kStreamTarget = 0x74677421ULL;

/// Samples kept on train, test and validation, and test samples touching train.
struct State {
  double touching = 0, test = 0, kept = 0;
};

class TargetSearch {
 public:
  TargetSearch(const Graph& g, std::vector<int8_t>& side, double target, double test_fraction,
               double tolerance)
      : offs_(g.offsets()),
        cols_(g.columns()),
        side_(side),
        target_(target),
        fraction_(test_fraction),
        tolerance_(tolerance),
        train_nbrs_(side.size(), 0),
        fixed_(side.size(), 0) {
    const uint64_t n = side.size();
    for (uint64_t v = 0; v < n; ++v) {
      for (uint64_t e = offs_[v]; e < offs_[v + 1]; ++e) {
        const int8_t s = side_[cols_[e]];
        train_nbrs_[v] += s == kTrain ? 1 : 0;
        // Validation never moves, and nothing next to it may join train or
        // test (it would gain an edge to them): such samples stay removed.
        fixed_[v] |= s == kValidation ? 1 : 0;
      }
      fixed_[v] |= side_[v] == kValidation ? 1 : 0;
      if (side_[v] == kDropped) continue;
      state_.kept += 1;
      if (side_[v] != kTest) continue;
      state_.test += 1;
      state_.touching += train_nbrs_[v] > 0 ? 1 : 0;
    }
  }

  /// Distance from the goal in samples: touching test samples beyond half
  /// the tolerance of the target, plus test samples beyond the share's slack.
  [[nodiscard]] double violation(const State& s) const {
    const double aim = 0.5 * tolerance_ * s.test;
    const double over = std::max(0.0, std::abs(s.touching - target_ * s.test) - aim);
    const double share =
        std::max(0.0, std::abs(s.test - fraction_ * s.kept) - detail::slack(tolerance_, s.kept));
    return over + share;
  }

  /// The state after moving v to side b (v is not fixed, b != side[v]).
  [[nodiscard]] State after(uint32_t v, int8_t b) const {
    const int8_t a = side_[v];
    State s = state_;
    const bool touches = train_nbrs_[v] > 0;
    if (a == kTest) {
      s.test -= 1;
      s.touching -= touches ? 1 : 0;
    }
    if (b == kTest) {
      s.test += 1;
      s.touching += touches ? 1 : 0;
    }
    s.kept += (b != kDropped ? 1 : 0) - (a != kDropped ? 1 : 0);
    if (a == kTrain || b == kTrain)
      for (uint64_t e = offs_[v]; e < offs_[v + 1]; ++e) {
        const uint32_t w = cols_[e];
        if (side_[w] != kTest) continue;
        if (a == kTrain && train_nbrs_[w] == 1) s.touching -= 1;
        if (b == kTrain && train_nbrs_[w] == 0) s.touching += 1;
      }
    return s;
  }

  /// True when `next` is closer to the goal than the current state, or as
  /// close and keeps more samples.
  [[nodiscard]] bool better(const State& next) const {
    const double a = violation(next), b = violation(state_);
    if (a < b - 1e-9) return true;
    return a <= b + 1e-9 && next.kept > state_.kept;
  }

  void apply(uint32_t v, int8_t b, const State& next) {
    const int8_t a = side_[v];
    if (a == kTrain || b == kTrain)
      for (uint64_t e = offs_[v]; e < offs_[v + 1]; ++e)
        train_nbrs_[cols_[e]] += (b == kTrain ? 1 : 0) - (a == kTrain ? 1 : 0);
    side_[v] = b;
    state_ = next;
  }

  /// Rounds of scored moves until none improves; when single moves stall
  /// short of the goal, pairs (a move that helps the overlap, then the best
  /// second move on the state it leaves) get the descent going again, on
  /// graphs small enough for that search. The seed orders ties.
  void run(uint64_t seed) {
    // A pair search reads the adjacency once per first move: kept to graphs
    // where that stays cheap (a few million adjacency entries).
    const bool pairs = offs_.back() <= 4'000'000;
    for (int kick = 0; kick < 64; ++kick) {
      descend(seed);
      if (!pairs || violation(state_) <= 1e-9 || !pair_move(seed)) return;
    }
  }

  [[nodiscard]] const State& state() const { return state_; }

 private:
  struct Cand {
    double violation;
    double kept;
    uint64_t key;
    uint32_t v;
    int8_t b;
  };

  [[nodiscard]] uint64_t key(uint64_t seed, uint32_t v, int8_t b) const {
    return kernels::counter_hash(seed, kStreamTarget, v, static_cast<uint64_t>(b + 1));
  }

  void descend(uint64_t seed) {
    const auto n = static_cast<uint32_t>(side_.size());
    std::vector<Cand> cand;
    for (int round = 0; round < 10000; ++round) {
      cand.clear();
      for (uint32_t v = 0; v < n; ++v) {
        if (fixed_[v]) continue;
        for (int8_t b : {kTrain, kTest, kDropped}) {
          if (b == side_[v]) continue;
          const State s = after(v, b);
          if (!better(s)) continue;
          cand.push_back({violation(s), s.kept, key(seed, v, b), v, b});
        }
      }
      if (cand.empty()) return;
      std::sort(cand.begin(), cand.end(), [](const Cand& x, const Cand& y) {
        return std::tie(x.violation, y.kept, x.key) < std::tie(y.violation, x.kept, y.key);
      });
      std::size_t applied = 0;
      for (const Cand& c : cand) {
        if (side_[c.v] == c.b) continue;
        const State s = after(c.v, c.b);
        if (!better(s)) continue;
        apply(c.v, c.b, s);
        ++applied;
      }
      if (applied == 0) return;
    }
  }

  /// The overlap part of the violation alone.
  [[nodiscard]] double overlap_gap(const State& s) const {
    return std::max(0.0, std::abs(s.touching - target_ * s.test) - 0.5 * tolerance_ * s.test);
  }

  /// Tries first moves that shrink the overlap gap most (a bounded number),
  /// each followed by the best second move; applies the first pair that
  /// improves on the current state. False when none does.
  bool pair_move(uint64_t seed) {
    const auto n = static_cast<uint32_t>(side_.size());
    std::vector<Cand> first;
    const double gap = overlap_gap(state_);
    for (uint32_t v = 0; v < n; ++v) {
      if (fixed_[v]) continue;
      for (int8_t b : {kTrain, kTest, kDropped}) {
        if (b == side_[v]) continue;
        const State s = after(v, b);
        if (overlap_gap(s) < gap - 1e-9)
          first.push_back({overlap_gap(s), -s.kept, key(seed, v, b), v, b});
      }
    }
    std::sort(first.begin(), first.end(), [](const Cand& x, const Cand& y) {
      return std::tie(x.violation, x.kept, x.key) < std::tie(y.violation, y.kept, y.key);
    });
    if (first.size() > 32) first.resize(32);
    const State start = state_;
    for (const Cand& f : first) {
      const int8_t back = side_[f.v];
      apply(f.v, f.b, after(f.v, f.b));
      std::optional<Cand> best;
      for (uint32_t v = 0; v < n; ++v) {
        if (fixed_[v] || v == f.v) continue;
        for (int8_t b : {kTrain, kTest, kDropped}) {
          if (b == side_[v]) continue;
          const State s = after(v, b);
          const Cand c{violation(s), s.kept, key(seed, v, b), v, b};
          if (!best || std::tie(c.violation, best->kept, c.key) <
                           std::tie(best->violation, c.kept, best->key))
            best = c;
        }
      }
      if (best) {
        const State s = after(best->v, best->b);
        const State now = state_;
        state_ = start;
        const bool good = better(s);
        state_ = now;
        if (good) {
          apply(best->v, best->b, s);
          return true;
        }
      }
      apply(f.v, back, after(f.v, back));
    }
    return false;
  }

  std::span<const uint64_t> offs_;
  std::span<const uint32_t> cols_;
  std::vector<int8_t>& side_;
  double target_, fraction_, tolerance_;
  std::vector<uint32_t> train_nbrs_;
  std::vector<uint8_t> fixed_;
  State state_;
};

}  // namespace

SplitResult partition_with_overlap(const Graph& g, const SplitResult& zero, double target,
                                   double test_fraction, uint64_t seed, double tolerance) {
  CLEAVE_EXPECTS(target >= 0.0 && target <= 1.0, "target overlap must be in [0, 1], got {}",
                 target);
  CLEAVE_EXPECTS(tolerance >= 0.0 && tolerance < 1.0, "tolerance must be in [0, 1), got {}",
                 tolerance);
  CLEAVE_EXPECTS(zero.side.size() == g.num_nodes(), "split of {} samples for a graph of {}",
                 zero.side.size(), g.num_nodes());
  CLEAVE_EXPECTS(g.num_nodes() < std::numeric_limits<uint32_t>::max(),
                 "the partitioner handles fewer than 2^32 samples");
  SplitResult r = zero;
  r.p = target;
  r.reached = zero.valid && std::abs(zero.overlap.frac - target) <= tolerance + 1e-9;
  if (target == 0.0 || !zero.valid) return r;
  TargetSearch search(g, r.side, target, test_fraction, tolerance);
  search.run(seed);
  r.train = r.test = r.validation = 0;
  for (int8_t s : r.side) {
    r.train += s == kTrain ? 1 : 0;
    r.test += s == kTest ? 1 : 0;
    r.validation += s == kValidation ? 1 : 0;
  }
  r.kept = r.kept_units = r.train + r.test + r.validation;
  r.valid = r.train > 0 && r.test > 0 && (zero.validation == 0 || r.validation > 0);
  r.overlap = measure_overlap(g, r.side);
  r.reached = r.valid && std::abs(r.overlap.frac - target) <= tolerance + 1e-9;
  return r;
}

}  // namespace cleave
