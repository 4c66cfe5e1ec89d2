/// @file partition_mutations.cpp
/// @brief The min-cut partitioner's formulation on mutations, for graphs whose
/// edges mean "shares a mutation" (deep mutational scans): each mutation is
/// given a side, and a variant is kept when all its mutations agree. No kept
/// train and test variants can then share a mutation, so none share an edge.
/// The sides are found by hill climbing on single-mutation flips (the kept
/// count, penalised outside the fraction's tolerance) followed by
/// Fiduccia-Mattheyses passes, from several starts, one of them the graph
/// cut's own assignment.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/partition.hpp"
#include "kernels/hash.hpp"
#include "split/partition_internal.hpp"

namespace cleave::detail {

namespace {

constexpr uint64_t kStreamMut = 0x6d757473ULL;  // "muts"
/// Random starts of the local search: on small brute-forced sets 6 starts
/// reached the optimum in 44 of 60 cases, 24 in 55, 64 in 57; on the
/// Abeta-like set of bench/gen_dms.py each start costs about 15 ms.
constexpr uint64_t kRandomStarts = 32;

/// Variants as lists of mutation ids, and the inverted index.
struct MutationIndex {
  std::vector<uint64_t> var_off{0};
  std::vector<uint32_t> var_mut;
  std::vector<uint64_t> mut_off;
  std::vector<uint32_t> mut_var;
  uint32_t n_mut = 0;
};

/// Parses "A23C:D45E" ids; false when an id is not a mutation list.
bool index_from_ids(const Graph& g, MutationIndex& ix) {
  const auto& ids = g.ids();
  if (ids.size() != g.num_nodes()) return false;
  std::unordered_map<std::string, uint32_t> id_of;
  for (const auto& s : ids) {
    std::size_t start = 0;
    while (start <= s.size()) {
      std::size_t colon = s.find(':', start);
      if (colon == std::string::npos) colon = s.size();
      if (colon == start) return false;  // empty token
      const auto [it, fresh] =
          id_of.emplace(s.substr(start, colon - start), static_cast<uint32_t>(id_of.size()));
      ix.var_mut.push_back(it->second);
      start = colon + 1;
    }
    ix.var_off.push_back(ix.var_mut.size());
  }
  ix.n_mut = static_cast<uint32_t>(id_of.size());
  ix.mut_off.assign(ix.n_mut + 1, 0);
  for (uint32_t m : ix.var_mut) ++ix.mut_off[m + 1];
  for (uint32_t m = 0; m < ix.n_mut; ++m) ix.mut_off[m + 1] += ix.mut_off[m];
  ix.mut_var.resize(ix.var_mut.size());
  std::vector<uint64_t> fill(ix.mut_off.begin(), ix.mut_off.end() - 1);
  for (uint32_t v = 0; v + 1 < ix.var_off.size(); ++v)
    for (uint64_t k = ix.var_off[v]; k < ix.var_off[v + 1]; ++k)
      ix.mut_var[fill[ix.var_mut[k]]++] = v;
  return true;
}

/// Hill climbing over mutation sides for one start.
struct Climber {
  const MutationIndex& ix;
  double fraction, tolerance;
  std::vector<uint8_t> mside;  ///< 1 = test
  std::vector<uint32_t> on_test;
  double kept = 0, test = 0;

  [[nodiscard]] uint32_t len(uint32_t v) const {
    return static_cast<uint32_t>(ix.var_off[v + 1] - ix.var_off[v]);
  }
  /// -1 dropped, 0 train, 1 test, from the count of test mutations.
  [[nodiscard]] int state(uint32_t v, uint32_t c) const {
    return c == 0 ? 0 : (c == len(v) ? 1 : -1);
  }
  [[nodiscard]] double score(double k, double t) const {
    const double off = std::abs(t - fraction * k) - std::max(tolerance * k, 1.0);
    return k - 50.0 * std::max(off, 0.0);  // off target costs more than any kept sample
  }
  void start(std::vector<uint8_t> sides) {
    mside = std::move(sides);
    const auto n = static_cast<uint32_t>(ix.var_off.size() - 1);
    on_test.assign(n, 0);
    kept = test = 0;
    for (uint32_t v = 0; v < n; ++v) {
      for (uint64_t k = ix.var_off[v]; k < ix.var_off[v + 1]; ++k)
        on_test[v] += mside[ix.var_mut[k]];
      const int s = state(v, on_test[v]);
      kept += s >= 0 ? 1 : 0;
      test += s == 1 ? 1 : 0;
    }
  }
  /// Change of (kept, test) if mutation m flipped.
  void delta(uint32_t m, double& dk, double& dt) const {
    dk = dt = 0;
    const int step = mside[m] ? -1 : 1;
    for (uint64_t k = ix.mut_off[m]; k < ix.mut_off[m + 1]; ++k) {
      const uint32_t v = ix.mut_var[k];
      const int a = state(v, on_test[v]);
      const int b = state(v, static_cast<uint32_t>(static_cast<int>(on_test[v]) + step));
      dk += (b >= 0 ? 1 : 0) - (a >= 0 ? 1 : 0);
      dt += (b == 1 ? 1 : 0) - (a == 1 ? 1 : 0);
    }
  }
  void flip(uint32_t m, double dk, double dt) {
    const int step = mside[m] ? -1 : 1;
    for (uint64_t k = ix.mut_off[m]; k < ix.mut_off[m + 1]; ++k) {
      auto& c = on_test[ix.mut_var[k]];
      c = static_cast<uint32_t>(static_cast<int>(c) + step);
    }
    mside[m] ^= 1U;
    kept += dk;
    test += dt;
  }
  void climb(uint64_t seed) {
    std::vector<uint32_t> order(ix.n_mut);
    for (uint32_t m = 0; m < ix.n_mut; ++m) order[m] = m;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return kernels::counter_hash(seed, kStreamMut, a) <
             kernels::counter_hash(seed, kStreamMut, b);
    });
    for (int pass = 0; pass < 100; ++pass) {
      bool improved = false;
      for (uint32_t m : order) {
        double dk = 0, dt = 0;
        delta(m, dk, dt);
        if (score(kept + dk, test + dt) > score(kept, test) + 1e-9) {
          flip(m, dk, dt);
          improved = true;
        }
      }
      if (!improved) break;
    }
  }
  /// Fiduccia-Mattheyses passes over the mutation sides (Fiduccia &
  /// Mattheyses, DAC 1982, here on a hypergraph whose nets are the variants):
  /// each pass flips every mutation at most once, the best exact change of
  /// the score first (negative changes allowed, ties to the seeded order),
  /// and keeps the best prefix of its flips; passes repeat while one
  /// improves. Hill climbing stops at the first state no single flip
  /// improves; a pass can cross such a state through worse ones.
  void fm(uint64_t seed) {
    const uint32_t nm = ix.n_mut;
    std::vector<uint64_t> rank(nm);
    for (uint32_t m = 0; m < nm; ++m) rank[m] = kernels::counter_hash(seed, kStreamMut + 64, m);
    std::vector<double> dk(nm), dt(nm);
    std::vector<uint8_t> locked(nm);
    std::vector<uint32_t> touched;
    std::vector<uint32_t> stamp(nm, 0);
    uint32_t epoch = 0;
    auto refresh = [&](uint32_t m) {  // cached deltas of the mutations sharing a variant with m
      ++epoch;
      touched.clear();
      for (uint64_t k = ix.mut_off[m]; k < ix.mut_off[m + 1]; ++k) {
        const uint32_t v = ix.mut_var[k];
        for (uint64_t j = ix.var_off[v]; j < ix.var_off[v + 1]; ++j) {
          const uint32_t o = ix.var_mut[j];
          if (stamp[o] == epoch) continue;
          stamp[o] = epoch;
          touched.push_back(o);
        }
      }
      for (uint32_t o : touched) delta(o, dk[o], dt[o]);
    };
    // Each step scans every mutation: a budget of scanned entries bounds a
    // start on scans with many mutations (on the Abeta-like set of 798 and
    // on GB1 it does not bind: the sides are the same without it).
    uint64_t work = 0;
    constexpr uint64_t kBudget = 40'000'000;
    for (int pass = 0; pass < 32 && work < kBudget; ++pass) {
      for (uint32_t m = 0; m < nm; ++m) delta(m, dk[m], dt[m]);
      std::fill(locked.begin(), locked.end(), 0);
      const double start = score(kept, test);
      double best = start;
      std::size_t best_len = 0;
      std::vector<uint32_t> log;
      for (uint32_t step = 0; step < nm && work < kBudget; ++step) {
        work += nm;
        uint32_t pick = nm;
        double pick_score = 0;
        for (uint32_t m = 0; m < nm; ++m) {
          if (locked[m]) continue;
          const double sc = score(kept + dk[m], test + dt[m]);
          if (pick == nm || sc > pick_score || (sc == pick_score && rank[m] < rank[pick])) {
            pick = m;
            pick_score = sc;
          }
        }
        if (pick == nm) break;
        flip(pick, dk[pick], dt[pick]);
        locked[pick] = 1;
        log.push_back(pick);
        refresh(pick);
        if (score(kept, test) > best + 1e-9) {
          best = score(kept, test);
          best_len = log.size();
        }
        if (log.size() > best_len + 256) break;  // a long run of losses rarely recovers
      }
      for (std::size_t i = log.size(); i > best_len; --i) {
        double a = 0, b = 0;
        delta(log[i - 1], a, b);
        flip(log[i - 1], a, b);
      }
      if (best_len == 0) break;
    }
  }
};

}  // namespace

bool split_by_mutations(const Graph& g, const std::vector<int8_t>& graph_side, double fraction,
                        double tolerance, uint64_t seed, std::vector<int8_t>& side) {
  if (g.meta().measure != Measure::mutation) return false;
  MutationIndex ix;
  if (!index_from_ids(g, ix) || ix.n_mut == 0) return false;
  std::optional<Climber> best;
  double best_score = -1e300;
  auto consider = [&](std::vector<uint8_t> init, uint64_t s) {
    Climber c{ix, fraction, tolerance, {}, {}, 0, 0};
    c.start(std::move(init));
    c.climb(s);
    c.fm(s);
    const double sc = c.score(c.kept, c.test);
    if (sc > best_score) {
      best_score = sc;
      best.emplace(std::move(c));
    }
  };
  // Start 1: each mutation on the side most of its kept variants have in the
  // graph cut. Then kRandomStarts random sides, test with probability q.
  std::vector<uint8_t> init(ix.n_mut, 0);
  for (uint32_t m = 0; m < ix.n_mut; ++m) {
    int64_t bal = 0;
    for (uint64_t k = ix.mut_off[m]; k < ix.mut_off[m + 1]; ++k) {
      const int8_t s = graph_side[ix.mut_var[k]];
      bal += s == kTest ? 1 : (s == kTrain ? -1 : 0);
    }
    init[m] = bal > 0 ? 1 : 0;
  }
  consider(init, seed);
  for (uint64_t t = 0; t < kRandomStarts; ++t) {
    const double q = 0.25 + 0.05 * static_cast<double>(t % 6);
    for (uint32_t m = 0; m < ix.n_mut; ++m)
      init[m] = kernels::to_unit(kernels::counter_hash(seed, kStreamMut + 1 + t, m)) < q ? 1 : 0;
    consider(init, kernels::mix64(seed + t + 1));
  }
  side.assign(g.num_nodes(), kDropped);
  for (uint32_t v = 0; v < g.num_nodes(); ++v) {
    const int s = best->state(v, best->on_test[v]);
    side[v] = s < 0 ? kDropped : (s == 1 ? kTest : kTrain);
  }
  return true;
}

}  // namespace cleave::detail
