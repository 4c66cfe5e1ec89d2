/// @file partition.cpp
/// @brief The min-cut partitioner (see partition.hpp): component packing, a
/// METIS cut of the largest component, removal of an exact minimum vertex
/// cover of the cut, refinement and rebalancing; validation sides by cutting
/// train again.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/partition.hpp"
#include "cleave/util.hpp"
#include "kernels/hash.hpp"
#include "split/partition_internal.hpp"

namespace cleave {

namespace detail {

namespace {

constexpr uint32_t kNoComp = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kStreamPack = 0x7061636bULL;   // "pack"
constexpr uint64_t kStreamMetis = 0x6d657473ULL;  // "mets"
constexpr uint64_t kStreamKick = 0x6b69636bULL;   // "kick"

/// Connected components of the subgraph induced by the samples on one side;
/// members of component c are members[begin[c] .. begin[c + 1]), ascending.
struct SideComponents {
  std::vector<uint32_t> label;  ///< per node; kNoComp when not on the side
  std::vector<uint32_t> members;
  std::vector<uint64_t> begin{0};
  [[nodiscard]] uint64_t count() const { return begin.size() - 1; }
  [[nodiscard]] uint64_t size(uint64_t c) const { return begin[c + 1] - begin[c]; }
  [[nodiscard]] std::span<const uint32_t> of(uint64_t c) const {
    return {members.data() + begin[c], size(c)};
  }
};

SideComponents side_components(const Graph& g, const std::vector<int8_t>& side, int8_t s) {
  const uint64_t n = g.num_nodes();
  const auto offs = g.offsets();
  const auto cols = g.columns();
  SideComponents out;
  out.label.assign(n, kNoComp);
  for (uint64_t root = 0; root < n; ++root) {
    if (side[root] != s || out.label[root] != kNoComp) continue;
    const auto c = static_cast<uint32_t>(out.count());
    const uint64_t first = out.members.size();
    out.label[root] = c;
    out.members.push_back(static_cast<uint32_t>(root));
    for (uint64_t h = first; h < out.members.size(); ++h) {
      const uint32_t v = out.members[h];
      for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
        const uint32_t w = cols[e];
        if (side[w] != s || out.label[w] != kNoComp) continue;
        out.label[w] = c;
        out.members.push_back(w);
      }
    }
    std::sort(out.members.begin() + static_cast<std::ptrdiff_t>(first), out.members.end());
    out.begin.push_back(out.members.size());
  }
  return out;
}

/// Greedy packing of whole components up to `limit` samples: first in a
/// seeded random order (so repeats differ), then largest first to fill the
/// rest. Returns the samples packed; chosen[c] marks the components.
double pack(const SideComponents& sc, const std::vector<uint64_t>& candidates, double limit,
            uint64_t seed, std::vector<uint8_t>& chosen) {
  chosen.assign(sc.count(), 0);
  std::vector<uint64_t> order = candidates;
  auto key = [&](uint64_t c) { return kernels::counter_hash(seed, kStreamPack, sc.of(c)[0]); };
  std::sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) { return key(a) < key(b); });
  double filled = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (uint64_t c : order) {
      if (chosen[c] || filled + static_cast<double>(sc.size(c)) > limit + 0.5) continue;
      chosen[c] = 1;
      filled += static_cast<double>(sc.size(c));
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](uint64_t a, uint64_t b) { return sc.size(a) > sc.size(b); });
  }
  return filled;
}

/// The cut of one bisection: which members stay, move, or are removed.
struct Cut {
  std::vector<int8_t> local;  ///< per member of the component: from, to or kDropped
  uint64_t removed = std::numeric_limits<uint64_t>::max();
};

/// Bisects the component with METIS and removes an exact minimum vertex cover
/// of the edges between the parts.
Cut cut_component(const MetisBisector& mb, double share, uint64_t seed, int8_t from, int8_t to) {
  std::vector<uint8_t> part;
  mb.bisect(share, seed, part);
  const auto xadj = mb.xadj();
  const auto adjncy = mb.adjncy();
  const std::size_t n = mb.size();
  // Bipartite cut graph: left = moved members touching a stayer, right =
  // stayers touching a moved member (both numbered densely).
  constexpr uint32_t kUnset = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> id(n, kUnset);
  std::vector<uint32_t> left_of, right_of;
  std::vector<uint64_t> boff{0};
  std::vector<uint32_t> badj;
  for (std::size_t i = 0; i < n; ++i) {
    if (!part[i]) continue;
    const uint64_t start = badj.size();
    for (auto e = xadj[i]; e < xadj[i + 1]; ++e) {
      const auto j = static_cast<std::size_t>(adjncy[static_cast<std::size_t>(e)]);
      if (part[j]) continue;
      if (id[j] == kUnset) {
        id[j] = static_cast<uint32_t>(right_of.size());
        right_of.push_back(static_cast<uint32_t>(j));
      }
      badj.push_back(id[j]);
    }
    if (badj.size() == start) continue;
    left_of.push_back(static_cast<uint32_t>(i));
    boff.push_back(badj.size());
  }
  const BipartiteCover cover = min_vertex_cover(static_cast<uint32_t>(left_of.size()),
                                                static_cast<uint32_t>(right_of.size()), boff, badj);
  Cut cut;
  cut.local.resize(n);
  for (std::size_t i = 0; i < n; ++i) cut.local[i] = part[i] ? to : from;
  for (uint32_t l : cover.left) cut.local[left_of[l]] = kDropped;
  for (uint32_t r : cover.right) cut.local[right_of[r]] = kDropped;
  cut.removed = cover.left.size() + cover.right.size();
  return cut;
}

/// METIS tries per round, by the size of the component's adjacency: many on
/// small components, one on huge ones.
uint64_t auto_tries(std::size_t adjacency) {
  return std::clamp<uint64_t>(4'000'000 / std::max<std::size_t>(adjacency, 1), 1, 8);
}

/// Moves whole untouched components between `from` and `to` until the share
/// of `to` among the kept samples of `comps` is within tolerance, or no move
/// helps. Each move takes the component whose size is closest to the error.
void rebalance(const SideComponents& sc, const std::vector<uint64_t>& movable,
               std::vector<int8_t>& side, int8_t from, int8_t to, double fraction,
               double tolerance) {
  double kept = 0, on_to = 0;
  for (uint32_t v : sc.members) {
    kept += side[v] != kDropped ? 1 : 0;
    on_to += side[v] == to ? 1 : 0;
  }
  std::set<std::pair<uint64_t, uint64_t>> pool[2];  // (size, component) on from / on to
  for (uint64_t c : movable) pool[side[sc.of(c)[0]] == to ? 1 : 0].insert({sc.size(c), c});
  for (uint64_t step = 0; step < sc.count(); ++step) {
    const double e = on_to - fraction * kept;
    if (std::abs(e) <= slack(tolerance, kept)) break;
    auto& src = pool[e > 0 ? 1 : 0];
    const double want = std::abs(e);
    // The candidates just below and above the error; a move must shrink it.
    auto it = src.lower_bound({static_cast<uint64_t>(want), 0});
    std::optional<std::pair<uint64_t, uint64_t>> best;
    auto consider = [&](const std::pair<uint64_t, uint64_t>& p) {
      const double s = static_cast<double>(p.first);
      if (s >= 2 * want) return;
      if (!best || std::abs(want - s) < std::abs(want - static_cast<double>(best->first))) best = p;
    };
    if (it != src.end()) consider(*it);
    if (it != src.begin()) consider(*std::prev(it));
    if (!best) break;
    src.erase(*best);
    const int8_t dest = e > 0 ? from : to;
    for (uint32_t v : sc.of(best->second)) side[v] = dest;
    on_to += (e > 0 ? -1.0 : 1.0) * static_cast<double>(best->first);
    pool[e > 0 ? 0 : 1].insert(*best);
  }
}

/// Moves the boundary when whole components could not fix the fraction:
/// a sample of the oversized side next to a removed one crosses to the other
/// side, and its neighbours left behind are removed instead (cheapest moves
/// first, like a vertex-separator FM pass); refinement then returns removed
/// samples that touch one side only.
void shift_boundary(const Graph& g, const SideComponents& sc, std::vector<int8_t>& side,
                    int8_t from, int8_t to, double fraction, double tolerance) {
  const auto offs = g.offsets();
  const auto cols = g.columns();
  auto cost_of = [&](uint32_t v, int8_t src, bool& boundary) {
    uint64_t c = 0;
    boundary = false;
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
      const int8_t s = side[cols[e]];
      boundary |= s == kDropped;
      c += s == src ? 1 : 0;
    }
    return c;
  };
  for (int iter = 0; iter < 64; ++iter) {
    double kept = 0, on_to = 0;
    for (uint32_t v : sc.members) {
      kept += side[v] != kDropped ? 1 : 0;
      on_to += side[v] == to ? 1 : 0;
    }
    double e = on_to - fraction * kept;
    if (std::abs(e) <= slack(tolerance, kept)) return;
    const int8_t src = e > 0 ? to : from;
    const int8_t dest = e > 0 ? from : to;
    std::vector<std::pair<uint64_t, uint32_t>> cand;
    for (uint32_t v : sc.members) {
      if (side[v] != src) continue;
      bool boundary = false;
      const uint64_t c = cost_of(v, src, boundary);
      if (boundary) cand.emplace_back(c, v);
    }
    if (cand.empty()) return;
    std::sort(cand.begin(), cand.end());
    const bool shrink_to = src == to;
    for (auto [c0, v] : cand) {
      if (std::abs(e) <= 0.5 * slack(tolerance, kept)) break;
      bool boundary = false;
      if (side[v] != src || cost_of(v, src, boundary) > c0) continue;
      side[v] = dest;
      for (uint64_t k = offs[v]; k < offs[v + 1]; ++k)
        if (side[cols[k]] == src) side[cols[k]] = kDropped;
      const auto c = static_cast<double>(c0);
      on_to += shrink_to ? -(1.0 + c) : 1.0;
      kept -= c;
      e = on_to - fraction * kept;
    }
    refine_dropped(g, side, dest);
  }
}

}  // namespace

void refine_dropped(const Graph& g, std::vector<int8_t>& side, int8_t lonely,
                    const std::function<bool(int8_t)>& admit) {
  const auto offs = g.offsets();
  const auto cols = g.columns();
  std::vector<uint32_t> work;
  for (uint64_t v = 0; v < side.size(); ++v)
    if (side[v] == kDropped) work.push_back(static_cast<uint32_t>(v));
  // Each pass tries every dropped sample in node order; a sample put back can
  // free a neighbour, so passes repeat until one changes nothing.
  for (bool changed = true; changed;) {
    changed = false;
    std::size_t keep = 0;
    for (uint32_t v : work) {
      int8_t seen = kDropped;
      bool mixed = false;
      for (uint64_t e = offs[v]; e < offs[v + 1] && !mixed; ++e) {
        const int8_t s = side[cols[e]];
        if (s == kDropped) continue;
        if (seen == kDropped)
          seen = s;
        else if (s != seen)
          mixed = true;
      }
      const int8_t dest = seen == kDropped ? lonely : seen;
      if (mixed || (admit && !admit(dest))) {
        work[keep++] = v;
        continue;
      }
      side[v] = dest;
      changed = true;
    }
    work.resize(keep);
  }
}

/// Vertex-separator refinement in the manner of Fiduccia & Mattheyses (DAC
/// 1982), as node separators are refined by Ashcraft & Liu (1994),
/// Hendrickson & Rothberg (SIAM J. Sci. Comput. 1998) and METIS: a removed
/// sample joins a side and its kept neighbours on the other side are removed
/// instead (gain = 1 - their number). Each pass moves every removed sample at
/// most once (locked after its move), best gain first (ties: node order),
/// negative gains allowed, within the fraction's tolerance, and keeps the
/// best prefix of its moves; passes repeat until one keeps no more.
void refine_separator(const Graph& g, std::span<const uint32_t> members,
                      std::span<const uint32_t> nodes, std::vector<int8_t>& side, int8_t from,
                      int8_t to, double fraction, double tolerance) {
  const auto offs = g.offsets();
  const auto cols = g.columns();
  double kept = 0, on_to = 0;
  for (uint32_t v : members) {
    kept += side[v] != kDropped ? 1 : 0;
    on_to += side[v] == to ? 1 : 0;
  }
  auto within = [&](double k, double t) {
    return std::abs(t - fraction * k) <= slack(tolerance, k);
  };
  uint64_t work = 0;  // adjacency entries read: the passes stop past a budget
  // Kept neighbours v would push out by joining side s; a neighbour on a
  // third side (an earlier cut's) forbids the move: only this cut's samples
  // may change.
  constexpr uint64_t kForbidden = 1U << 20;
  auto opposite_count = [&](uint32_t v, int8_t s) {
    work += offs[v + 1] - offs[v];
    uint64_t c = 0;
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
      const int8_t o = side[cols[e]];
      if (o == kDropped || o == s) continue;
      if (o != from && o != to) return kForbidden;
      ++c;
    }
    return c;
  };

  struct Move {
    uint32_t v;
    int8_t s;
    std::vector<uint32_t> dropped;  ///< each was on the side opposite s
  };
  std::vector<uint8_t> locked(g.num_nodes(), 0);
  for (int pass = 0; pass < 16; ++pass) {
    std::vector<uint32_t> sep;
    for (uint32_t v : nodes)
      if (side[v] == kDropped) sep.push_back(v);
    if (sep.empty()) return;
    std::vector<Move> log;
    double gain_sum = 0, best_sum = 0;
    std::size_t best_len = 0;
    const std::size_t max_moves = std::min<std::size_t>(2 * sep.size() + 16, 4096);
    for (std::size_t step = 0; step < max_moves; ++step) {
      // The best unlocked move (gain, then fewer removals, then node order).
      int64_t best_gain = std::numeric_limits<int64_t>::min();
      uint32_t bv = 0;
      int8_t bs = from;
      bool found = false;
      for (uint32_t v : sep) {
        if (side[v] != kDropped || locked[v]) continue;
        for (int8_t s : {from, to}) {
          const auto c = static_cast<int64_t>(opposite_count(v, s));
          const double k2 = kept + 1.0 - static_cast<double>(c);
          const double t2 = s == to ? on_to + 1.0 : on_to - static_cast<double>(c);
          if (!within(k2, t2) && within(kept, on_to)) continue;
          if (1 - c > best_gain) {
            best_gain = 1 - c;
            bv = v;
            bs = s;
            found = true;
          }
        }
      }
      if (!found || best_gain < -8 || work > 400'000'000) break;
      Move m{bv, bs, {}};
      side[bv] = bs;
      locked[bv] = 1;
      for (uint64_t e = offs[bv]; e < offs[bv + 1]; ++e) {
        const uint32_t u = cols[e];
        if (side[u] == kDropped || side[u] == bs) continue;
        if (side[u] == to) on_to -= 1;
        side[u] = kDropped;
        m.dropped.push_back(u);
        sep.push_back(u);
      }
      kept += 1.0 - static_cast<double>(m.dropped.size());
      if (bs == to) on_to += 1;
      log.push_back(std::move(m));
      gain_sum += static_cast<double>(best_gain);
      if (gain_sum > best_sum && within(kept, on_to)) {
        best_sum = gain_sum;
        best_len = log.size();
      }
    }
    // Undo the moves after the best prefix, last first.
    for (std::size_t i = log.size(); i > best_len; --i) {
      const Move& m = log[i - 1];
      const int8_t other = m.s == to ? from : to;
      for (uint32_t u : m.dropped) side[u] = other;
      side[m.v] = kDropped;
    }
    for (const Move& m : log) locked[m.v] = 0;
    if (best_len == 0) return;
    kept = on_to = 0;
    for (uint32_t v : members) {
      kept += side[v] != kDropped ? 1 : 0;
      on_to += side[v] == to ? 1 : 0;
    }
  }
}

namespace {

/// One kick of split_off's iterated local search (see there): `ball` goes to
/// side `dest`, its neighbours on the other side are removed, the boundary is
/// shifted back into tolerance and the separator refined; `best` and
/// `best_kept` are replaced when that keeps more within tolerance. `side` is
/// scratch.
void try_kick(const Graph& g, const SideComponents& sc, std::span<const uint32_t> nodes,
              std::span<const uint32_t> ball, int8_t dest, std::vector<int8_t>& best,
              double& best_kept, std::vector<int8_t>& side, int8_t from, int8_t to, double fraction,
              double tolerance) {
  const auto offs = g.offsets();
  const auto cols = g.columns();
  const int8_t other = dest == to ? from : to;
  side = best;
  // A removed member of the largest component may touch a third side (an
  // earlier cut's sample that a put-back returned): it stays removed. The
  // others conflict only with their neighbours on `other`.
  auto third = [&](uint32_t v) {
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
      const int8_t o = side[cols[e]];
      if (o != kDropped && o != from && o != to) return true;
    }
    return false;
  };
  for (uint32_t v : ball)
    if (!third(v)) side[v] = dest;
  for (uint32_t v : ball) {
    if (side[v] != dest) continue;
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e)
      if (side[cols[e]] == other) side[cols[e]] = kDropped;
  }
  refine_dropped(g, side, from);
  shift_boundary(g, sc, side, from, to, fraction, tolerance);
  refine_separator(g, sc.members, nodes, side, from, to, fraction, tolerance);
  double kept = 0, on_to = 0;
  for (uint32_t v : sc.members) {
    kept += side[v] != kDropped ? 1 : 0;
    on_to += side[v] == to ? 1 : 0;
  }
  const bool ok =
      std::abs(on_to - fraction * kept) <= slack(tolerance, kept) && on_to > 0 && on_to < kept;
  if (ok && kept > best_kept) {
    best.swap(side);
    best_kept = kept;
  }
}

/// The kicks of split_off's iterated local search: breadth-first balls of 1
/// to 10 samples of the largest component, each centred on a sample removed
/// by the best split so far (the separator: a ball there reshapes the
/// boundary, one deep inside a side rarely helps).
void kick_and_refine(const Graph& g, const SideComponents& sc, std::span<const uint32_t> nodes,
                     std::vector<int8_t>& best, double& best_kept, int8_t from, int8_t to,
                     double fraction, double tolerance, uint64_t seed) {
  constexpr int kKicks = 64;
  constexpr uint64_t kBall = 10;  // samples in a kick, at most
  const auto offs = g.offsets();
  const auto cols = g.columns();
  std::vector<uint8_t> in_ball(g.num_nodes(), 0), in_nodes(g.num_nodes(), 0);
  for (uint32_t v : nodes) in_nodes[v] = 1;
  std::vector<int8_t> side;
  std::vector<uint32_t> ball, sep;
  for (int kick = 0; kick < kKicks; ++kick) {
    const uint64_t h = kernels::counter_hash(seed, kStreamKick, static_cast<uint64_t>(kick));
    const int8_t dest = (h >> 32) & 1 ? to : from;
    const uint64_t want = 1 + (h >> 40) % kBall;
    sep.clear();
    for (uint32_t v : nodes)
      if (best[v] == kDropped) sep.push_back(v);
    ball.assign(1, sep.empty() ? nodes[h % nodes.size()] : sep[(h >> 8) % sep.size()]);
    in_ball[ball[0]] = 1;
    for (std::size_t i = 0; i < ball.size() && ball.size() < want; ++i)
      for (uint64_t e = offs[ball[i]]; e < offs[ball[i] + 1] && ball.size() < want; ++e) {
        const uint32_t w = cols[e];
        if (!in_nodes[w] || in_ball[w]) continue;
        in_ball[w] = 1;
        ball.push_back(w);
      }
    for (uint32_t v : ball) in_ball[v] = 0;
    try_kick(g, sc, nodes, ball, dest, best, best_kept, side, from, to, fraction, tolerance);
  }
}

}  // namespace

void split_off(const Graph& g, std::vector<int8_t>& side, int8_t from, int8_t to, double fraction,
               double tolerance, uint64_t seed, uint32_t tries) {
  CLEAVE_EXPECTS(fraction > 0.0 && fraction < 1.0, "partition fraction must be in (0, 1), got {}",
                 fraction);
  CLEAVE_EXPECTS(tolerance >= 0.0 && tolerance < 1.0,
                 "partition tolerance must be in [0, 1), got {}", tolerance);
  const SideComponents sc = side_components(g, side, from);
  const auto total = static_cast<double>(sc.members.size());
  if (sc.count() == 0) return;
  const double target = fraction * total;
  std::vector<uint64_t> all(sc.count());
  for (uint64_t c = 0; c < sc.count(); ++c) all[c] = c;
  std::vector<uint8_t> chosen;

  // (a) Whole components only: nothing removed when they reach the target.
  const double filled = pack(sc, all, target, seed, chosen);
  if (std::abs(filled - target) <= slack(tolerance, total)) {
    for (uint64_t c = 0; c < sc.count(); ++c)
      if (chosen[c])
        for (uint32_t v : sc.of(c)) side[v] = to;
    return;
  }

  // (b) Cut the largest component for what the others cannot supply.
  uint64_t giant = 0;
  for (uint64_t c = 1; c < sc.count(); ++c)
    if (sc.size(c) > sc.size(giant)) giant = c;
  std::vector<uint64_t> others;
  for (uint64_t c = 0; c < sc.count(); ++c)
    if (c != giant) others.push_back(c);
  const double packed = pack(sc, others, target, seed, chosen);
  const auto nodes = sc.of(giant);
  const MetisBisector mb(g, nodes);
  const auto gsize = static_cast<double>(nodes.size());
  double share = std::clamp((target - packed) / gsize, 0.0, 1.0);
  const uint64_t n_tries = tries > 0 ? tries : auto_tries(mb.adjncy().size());
  // Rounds search the share asked of METIS: removal and rebalancing move the
  // fraction, so each round corrects by what the last one missed, inside a
  // bracket that halves when the correction would leave it.
  const int rounds = mb.adjncy().size() > 20'000'000 ? 4 : 8;
  double lo = 0.0, hi = 1.0;

  const std::vector<int8_t> original = side;
  std::vector<int8_t> best;
  double best_kept = -1, best_err = 0;
  // After the first round within tolerance, `extra` more rounds start METIS
  // from other seeds at the share that worked and keep the most samples:
  // separator refinement ends in a local optimum that depends on its start.
  const int extra = mb.adjncy().size() <= 1'000'000 ? 3 : 0;
  int ok_rounds = 0;
  for (int round = 0; round < rounds + extra; ++round) {
    Cut cut;
    for (uint64_t t = 0; t < n_tries; ++t) {
      Cut c =
          cut_component(mb, share, kernels::counter_hash(seed, kStreamMetis, round, t), from, to);
      if (c.removed < cut.removed) cut = std::move(c);
    }
    side = original;
    for (uint64_t c : others)
      if (chosen[c])
        for (uint32_t v : sc.of(c)) side[v] = to;
    for (std::size_t i = 0; i < nodes.size(); ++i) side[nodes[i]] = cut.local[i];
    // (d) Refinement, then whole components across to meet the fraction.
    refine_dropped(g, side, from);
    rebalance(sc, others, side, from, to, fraction, tolerance);
    shift_boundary(g, sc, side, from, to, fraction, tolerance);
    if (mb.adjncy().size() <= 4'000'000)
      refine_separator(g, sc.members, nodes, side, from, to, fraction, tolerance);
    double kept = 0, on_to = 0, giant_to = 0;
    for (uint32_t v : sc.members) {
      kept += side[v] != kDropped ? 1 : 0;
      on_to += side[v] == to ? 1 : 0;
    }
    for (uint32_t v : nodes) giant_to += side[v] == to ? 1 : 0;
    const double signed_err = on_to - fraction * kept;
    const double err = std::abs(signed_err);
    const bool ok = err <= slack(tolerance, kept) && on_to > 0 && on_to < kept;
    const bool best_ok = best_kept >= 0 && best_err <= slack(tolerance, best_kept);
    if (best_kept < 0 || (ok && !best_ok) ||
        (ok == best_ok && (ok ? kept > best_kept : err < best_err))) {
      best = side;
      best_kept = kept;
      best_err = err;
    }
    if (ok && ++ok_rounds > extra) break;
    if (ok) continue;  // the share worked: the next round tries other seeds
    (signed_err > 0 ? hi : lo) = share;
    const double need = giant_to - signed_err;
    double next = giant_to > 0 ? share * need / giant_to : share + need / gsize;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    share = next;
  }
  // (e) Iterated local search (Lourenço, Martin & Stützle, "Iterated local
  // search", Handbook of Metaheuristics 2003) around the best cut: a kick
  // puts a small breadth-first ball of the largest component, centred on a
  // removed sample, on one side (its neighbours on the other side are
  // removed), the boundary is shifted back into tolerance and the separator
  // refined; the result replaces the best only when it keeps more within
  // tolerance. Components up to the size that gets the extra METIS rounds.
  const bool best_ok = best_kept >= 0 && best_err <= slack(tolerance, best_kept);
  if (best_ok && extra > 0)
    kick_and_refine(g, sc, nodes, best, best_kept, from, to, fraction, tolerance, seed);
  side = std::move(best);
}

}  // namespace detail

SplitResult partition_split(const Graph& g, const PartitionOptions& opt, uint64_t seed,
                            int repeat) {
  CLEAVE_EXPECTS(opt.test_fraction > 0.0 && opt.test_fraction < 1.0,
                 "test fraction must be strictly between 0 and 1, got {}", opt.test_fraction);
  CLEAVE_EXPECTS(opt.valid_fraction >= 0.0 && opt.test_fraction + opt.valid_fraction < 1.0,
                 "validation fraction must be >= 0 and leave room for train, got {}",
                 opt.valid_fraction);
  CLEAVE_EXPECTS(g.num_nodes() < std::numeric_limits<uint32_t>::max(),
                 "the partitioner handles fewer than 2^32 samples");
  SplitResult r;
  r.p = 0.0;
  r.repeat = repeat;
  r.seed = seed;
  // Removal in the validation cut shrinks the kept total after the test cut
  // was sized: a few attempts rescale the fractions asked by what was missed.
  double ask_test = opt.test_fraction, ask_valid = opt.valid_fraction;
  for (int attempt = 0; attempt < 3; ++attempt) {
    r.side.assign(g.num_nodes(), kTrain);
    detail::split_off(g, r.side, kTrain, kTest, ask_test, opt.tolerance, seed, opt.tries);
    if (opt.valid_fraction > 0.0)
      detail::split_off(g, r.side, kTrain, kValidation, ask_valid / (1.0 - ask_test), opt.tolerance,
                        kernels::mix64(seed ^ 0x76616c6964ULL), opt.tries);
    r.train = r.test = r.validation = 0;
    for (int8_t s : r.side) {
      r.train += s == kTrain ? 1 : 0;
      r.test += s == kTest ? 1 : 0;
      r.validation += s == kValidation ? 1 : 0;
    }
    auto within = [&](uint64_t train, uint64_t test, uint64_t valid) {
      const auto k = static_cast<double>(train + test + valid);
      const double sl = detail::slack(opt.tolerance, k);
      return std::abs(static_cast<double>(test) - opt.test_fraction * k) <= sl &&
             std::abs(static_cast<double>(valid) - opt.valid_fraction * k) <= sl;
    };
    // Samples put back must not take fractions that were within tolerance
    // out of it (the cuts' refinement leaves such samples out on purpose).
    const bool cut_ok = within(r.train, r.test, r.validation);
    detail::refine_dropped(g, r.side, kTrain, [&](int8_t s) {
      const uint64_t tr = r.train + (s == kTrain ? 1 : 0);
      const uint64_t te = r.test + (s == kTest ? 1 : 0);
      const uint64_t va = r.validation + (s == kValidation ? 1 : 0);
      if (cut_ok && !within(tr, te, va)) return false;
      r.train = tr;
      r.test = te;
      r.validation = va;
      return true;
    });
    const auto kept = static_cast<double>(r.train + r.test + r.validation);
    const double tf = static_cast<double>(r.test) / std::max(kept, 1.0);
    const double vf = static_cast<double>(r.validation) / std::max(kept, 1.0);
    const bool test_ok =
        std::abs(tf - opt.test_fraction) * kept <= detail::slack(opt.tolerance, kept);
    const bool valid_ok =
        std::abs(vf - opt.valid_fraction) * kept <= detail::slack(opt.tolerance, kept);
    if (opt.valid_fraction == 0.0 || (test_ok && valid_ok)) break;
    ask_test = std::clamp(tf > 0 ? ask_test * opt.test_fraction / tf : 2 * ask_test, 0.01, 0.9);
    ask_valid = std::clamp(vf > 0 ? ask_valid * opt.valid_fraction / vf : 2 * ask_valid, 0.01,
                           0.95 - ask_test);
  }
  r.engine = "graph";
  std::vector<int8_t> by_mut;
  if (opt.mutation_aware && opt.valid_fraction == 0.0 &&
      detail::split_by_mutations(g, r.side, opt.test_fraction, opt.tolerance, seed, by_mut)) {
    detail::refine_dropped(g, by_mut, kTrain);
    double k2 = 0, t2 = 0;
    for (int8_t s : by_mut) {
      k2 += s != kDropped ? 1 : 0;
      t2 += s == kTest ? 1 : 0;
    }
    const auto k1 = static_cast<double>(r.train + r.test);
    const auto t1 = static_cast<double>(r.test);
    const double err1 = std::abs(t1 - opt.test_fraction * k1);
    const double err2 = std::abs(t2 - opt.test_fraction * k2);
    const bool ok1 = err1 <= detail::slack(opt.tolerance, k1) && t1 > 0;
    const bool ok2 = err2 <= detail::slack(opt.tolerance, k2) && t2 > 0;
    if ((ok2 && !ok1) || (ok2 == ok1 && (ok1 ? k2 > k1 : err2 / k2 < err1 / k1))) {
      r.side = std::move(by_mut);
      r.engine = "mutations";
      r.train = r.test = 0;
      for (int8_t s : r.side) {
        r.train += s == kTrain ? 1 : 0;
        r.test += s == kTest ? 1 : 0;
      }
    }
  }
  r.kept = r.kept_units = r.train + r.test + r.validation;
  r.valid = r.train > 0 && r.test > 0 && (opt.valid_fraction == 0.0 || r.validation > 0);
  r.overlap = measure_overlap(g, r.side);
  return r;
}

std::vector<SplitResult> partition_splits(const Graph& g, const PartitionOptions& opt,
                                          const std::vector<uint64_t>& seeds, bool progress) {
  std::optional<Progress> bar;
  if (progress) bar.emplace("partitions", seeds.size());
  std::vector<SplitResult> out;
  const CallHooks* hooks = current_call_hooks();
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    check_cancelled(hooks);
    out.push_back(partition_split(g, opt, seeds[i], static_cast<int>(i)));
    if (bar) bar->advance();
  }
  if (bar) bar->finish();
  return out;
}

SplitSetLayout partition_layout(const PartitionOptions& opt) {
  SplitSetLayout l;
  l.key = "target";
  l.dir_prefix = "ov";
  l.validation = true;
  l.method = "partition";
  l.options_json = fmt::format(
      "{{\"test_fraction\": {}, \"valid_fraction\": {}, \"tolerance\": {}, \"tries\": {}, "
      "\"engine\": \"metis\"}}",
      opt.test_fraction, opt.valid_fraction, opt.tolerance, opt.tries);
  return l;
}

}  // namespace cleave
