/// @file partition_strata.cpp
/// @brief Stratified zero-overlap splits: the kept components of a min-cut
/// split ("units") are reassigned between sides so that each side's label
/// distribution follows the whole, with nothing removed.
///
/// In a zero-overlap split no edge joins two sides, so every connected
/// component of the graph induced on the kept samples lies on one side and
/// may move to any other without creating an edge. Choosing the sides of the
/// units is a packing problem: sizes within tolerance of the fractions, and
/// per stratum counts close to size(side) * share(stratum). A local search
/// does it: first-improvement moves (one unit to another side), then swaps
/// (two units of different sides exchange them; candidates are the units of
/// the other side grouped by size and stratum counts, nearest size first),
/// repeated until a pass improves nothing. Each evaluation costs O(strata).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/partition.hpp"
#include "kernels/hash.hpp"
#include "split/partition_internal.hpp"

namespace cleave {

namespace {

constexpr uint64_t kStreamStrata = 0x73747261ULL;  // "stra"
constexpr int kMaxPasses = 64;
constexpr int kSwapCandidates = 24;  ///< unit groups tried per unit in a swap pass
constexpr double kEps = 1e-9;
/// Weight of a side's distance from its target size in the objective, per
/// sample, against 1 per sample of stratum imbalance: a tie-breaker.
constexpr double kSizeWeight = 0.05;

/// Connected components of the graph induced on the kept samples, with
/// their size and sparse stratum counts.
struct Units {
  std::vector<uint32_t> of;  ///< unit of each kept node (unused for dropped)
  std::vector<uint32_t> size;
  std::vector<int8_t> side;
  std::vector<uint32_t> first;                      ///< smallest node of each unit
  std::vector<uint64_t> offsets;                    ///< CSR into comp
  std::vector<std::pair<uint32_t, uint32_t>> comp;  ///< (stratum, count), by stratum
};

Units find_units(const Graph& g, std::span<const int8_t> side, const Strata& st) {
  const uint64_t n = g.num_nodes();
  const auto offs = g.offsets();
  const auto cols = g.columns();
  constexpr uint32_t kNone = ~0u;
  Units u;
  u.of.assign(n, kNone);
  std::vector<uint32_t> stack, members;
  std::vector<uint32_t> tally(st.size(), 0);
  u.offsets.push_back(0);
  for (uint64_t s = 0; s < n; ++s) {
    if (side[s] == kDropped || u.of[s] != kNone) continue;
    const auto id = static_cast<uint32_t>(u.size.size());
    members.clear();
    stack.assign(1, static_cast<uint32_t>(s));
    u.of[s] = id;
    while (!stack.empty()) {
      const uint32_t v = stack.back();
      stack.pop_back();
      members.push_back(v);
      for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
        const uint32_t w = cols[e];
        if (side[w] == kDropped || u.of[w] != kNone) continue;
        CLEAVE_EXPECTS(side[w] == side[v], "stratify: nodes {} and {} are joined across sides", v,
                       w);
        u.of[w] = id;
        stack.push_back(w);
      }
    }
    u.size.push_back(static_cast<uint32_t>(members.size()));
    u.side.push_back(side[s]);
    u.first.push_back(static_cast<uint32_t>(s));
    for (uint32_t v : members) ++tally[st.of[v]];
    for (uint32_t k = 0; k < st.size(); ++k)
      if (tally[k] > 0) {
        u.comp.emplace_back(k, tally[k]);
        tally[k] = 0;
      }
    u.offsets.push_back(u.comp.size());
  }
  return u;
}

class Search {
 public:
  Search(Units& u, std::span<const double> fractions, std::size_t strata, double tolerance)
      : u_(u), sides_(fractions.size()), k_(strata) {
    n_.assign(sides_, 0.0);
    cnt_.assign(sides_ * k_, 0.0);
    std::vector<double> total(k_, 0.0);
    double kept = 0;
    for (std::size_t i = 0; i < u_.size.size(); ++i) {
      const auto s = static_cast<std::size_t>(u_.side[i]);
      n_[s] += u_.size[i];
      kept += u_.size[i];
      for (uint64_t c = u_.offsets[i]; c < u_.offsets[i + 1]; ++c) {
        cnt_[s * k_ + u_.comp[c].first] += u_.comp[c].second;
        total[u_.comp[c].first] += u_.comp[c].second;
      }
    }
    share_.resize(k_);
    for (std::size_t k = 0; k < k_; ++k) share_[k] = kept > 0 ? total[k] / kept : 0.0;
    target_.resize(sides_);
    weight_.resize(sides_);
    for (std::size_t s = 0; s < sides_; ++s) {
      target_[s] = fractions[s] * kept;
      weight_[s] = 1.0 / std::max(1.0, target_[s]);
    }
    slack_ = detail::slack(tolerance, kept);
    row_.resize(k_);
  }

  /// Moves, then swaps, until a pass improves nothing; `order` lists units.
  void run(const std::vector<uint32_t>& order) {
    build_groups();
    for (int pass = 0; pass < kMaxPasses; ++pass) {
      bool improved = false;
      for (uint32_t i : order) improved |= try_move(i);
      for (uint32_t i : order) improved |= try_swap(i);
      if (!improved) break;
    }
  }

 private:
  /// Cost of side s with unit a removed (sign -1) or added (+1), and unit b
  /// with the opposite sign (b may be kNoUnit).
  double cost(std::size_t s, uint32_t a, double sign, uint32_t b) {
    std::copy(cnt_.begin() + static_cast<std::ptrdiff_t>(s * k_),
              cnt_.begin() + static_cast<std::ptrdiff_t>((s + 1) * k_), row_.begin());
    double n = n_[s];
    auto apply = [&](uint32_t unit, double sg) {
      if (unit == kNoUnit) return;
      n += sg * u_.size[unit];
      for (uint64_t c = u_.offsets[unit]; c < u_.offsets[unit + 1]; ++c)
        row_[u_.comp[c].first] += sg * u_.comp[c].second;
    };
    apply(a, sign);
    apply(b, -sign);
    // The size term breaks ties between equally balanced assignments in
    // favour of sizes nearer their targets.
    double sum = kSizeWeight * std::abs(n - target_[s]);
    for (std::size_t k = 0; k < k_; ++k) sum += std::abs(row_[k] - n * share_[k]);
    return sum * weight_[s];
  }

  double cost(std::size_t s) { return cost(s, kNoUnit, 0.0, kNoUnit); }

  [[nodiscard]] bool feasible(std::size_t s, double n_after) const {
    if (n_after < 1.0 && target_[s] > 0.0) return false;
    const double off = std::abs(n_after - target_[s]);
    return off <= slack_ + kEps || off <= std::abs(n_[s] - target_[s]) + kEps;
  }

  void shift(uint32_t unit, std::size_t from, std::size_t to) {
    n_[from] -= u_.size[unit];
    n_[to] += u_.size[unit];
    for (uint64_t c = u_.offsets[unit]; c < u_.offsets[unit + 1]; ++c) {
      cnt_[from * k_ + u_.comp[c].first] -= u_.comp[c].second;
      cnt_[to * k_ + u_.comp[c].first] += u_.comp[c].second;
    }
    u_.side[unit] = static_cast<int8_t>(to);
    members_[group_key(group_[unit], to)].push_back(unit);
  }

  bool try_move(uint32_t i) {
    const auto a = static_cast<std::size_t>(u_.side[i]);
    const double size = u_.size[i];
    if (!feasible(a, n_[a] - size)) return false;
    const double before_a = cost(a);
    const double after_a = cost(a, i, -1.0, kNoUnit);
    double best = -kEps;
    std::size_t best_side = a;
    for (std::size_t b = 0; b < sides_; ++b) {
      if (b == a || !feasible(b, n_[b] + size)) continue;
      const double d = after_a - before_a + cost(b, i, 1.0, kNoUnit) - cost(b);
      if (d < best) {
        best = d;
        best_side = b;
      }
    }
    if (best_side == a) return false;
    shift(i, a, best_side);
    return true;
  }

  bool try_swap(uint32_t i) {
    const auto a = static_cast<std::size_t>(u_.side[i]);
    const double before_a = cost(a);
    double best = -kEps;
    uint32_t best_unit = kNoUnit;
    std::size_t best_side = a;
    const uint32_t gi = group_[i];
    for (std::size_t b = 0; b < sides_; ++b) {
      if (b == a) continue;
      const double before = before_a + cost(b);
      // Groups in order of size distance from unit i's (groups are numbered
      // by size), skipping i's own.
      std::ptrdiff_t lo = static_cast<std::ptrdiff_t>(gi) - 1, hi = lo + 2;
      const auto last = static_cast<std::ptrdiff_t>(group_size_.size());
      for (int tried = 0, scanned = 0;
           tried < kSwapCandidates && scanned < 8 * kSwapCandidates && (lo >= 0 || hi < last);
           ++scanned) {
        std::ptrdiff_t pick;
        if (lo < 0)
          pick = hi++;
        else if (hi >= last)
          pick = lo--;
        else
          pick = group_size_[static_cast<std::size_t>(hi)] - u_.size[i] <
                         u_.size[i] - group_size_[static_cast<std::size_t>(lo)]
                     ? hi++
                     : lo--;
        const uint32_t j = member(static_cast<uint32_t>(pick), b);
        if (j == kNoUnit) continue;
        ++tried;
        const double diff = static_cast<double>(u_.size[j]) - u_.size[i];
        if (!feasible(a, n_[a] + diff) || !feasible(b, n_[b] - diff)) continue;
        const double d = cost(a, i, -1.0, j) + cost(b, i, 1.0, j) - before;
        if (d < best) {
          best = d;
          best_unit = j;
          best_side = b;
        }
      }
    }
    if (best_unit == kNoUnit) return false;
    shift(i, a, best_side);
    shift(best_unit, best_side, a);
    return true;
  }

  /// Groups units by (size, stratum counts): units of a group are
  /// interchangeable, so a swap tries one per group and side.
  void build_groups() {
    std::map<std::pair<uint32_t, std::vector<std::pair<uint32_t, uint32_t>>>, uint32_t> ids;
    group_.resize(u_.size.size());
    for (std::size_t i = 0; i < u_.size.size(); ++i) {
      std::vector<std::pair<uint32_t, uint32_t>> c(
          u_.comp.begin() + static_cast<std::ptrdiff_t>(u_.offsets[i]),
          u_.comp.begin() + static_cast<std::ptrdiff_t>(u_.offsets[i + 1]));
      auto [it, fresh] =
          ids.emplace(std::make_pair(u_.size[i], std::move(c)), static_cast<uint32_t>(ids.size()));
      group_[i] = it->second;
    }
    // Ids were given by arrival; renumber in key order (size first).
    std::vector<uint32_t> rank(ids.size());
    group_size_.assign(ids.size(), 0);
    uint32_t r = 0;
    for (const auto& [key, id] : ids) {
      rank[id] = r;
      group_size_[r] = key.first;
      ++r;
    }
    for (auto& gid : group_) gid = rank[gid];
    for (uint32_t i = 0; i < u_.size.size(); ++i)
      members_[group_key(group_[i], static_cast<std::size_t>(u_.side[i]))].push_back(i);
  }

  [[nodiscard]] uint64_t group_key(uint32_t group, std::size_t side) const {
    return static_cast<uint64_t>(group) * sides_ + side;
  }

  /// A unit of the group now on side b (stale entries are dropped lazily).
  uint32_t member(uint32_t group, std::size_t b) {
    auto it = members_.find(group_key(group, b));
    if (it == members_.end()) return kNoUnit;
    auto& list = it->second;
    while (!list.empty() && static_cast<std::size_t>(u_.side[list.back()]) != b) list.pop_back();
    return list.empty() ? kNoUnit : list.back();
  }

  static constexpr uint32_t kNoUnit = ~0u;
  Units& u_;
  std::size_t sides_, k_;
  std::vector<double> n_, cnt_, share_, target_, weight_, row_;
  double slack_ = 1.0;
  std::vector<uint32_t> group_, group_size_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> members_;
};

void stratify_sides(const Graph& g, std::vector<int8_t>& side, std::span<const double> fractions,
                    const Strata& st, double tolerance, uint64_t seed) {
  CLEAVE_EXPECTS(st.of.size() == g.num_nodes(), "stratify: {} strata for a graph of {} nodes",
                 st.of.size(), g.num_nodes());
  CLEAVE_EXPECTS(side.size() == g.num_nodes(), "stratify: {} sides for a graph of {} nodes",
                 side.size(), g.num_nodes());
  for (int8_t s : side)
    CLEAVE_EXPECTS(s == kDropped || (s >= 0 && static_cast<std::size_t>(s) < fractions.size()),
                   "stratify: side {} out of range", s);
  Units u = find_units(g, side, st);
  if (u.size.empty() || st.size() < 2) return;
  // Large units first (the small ones then fill in), ties in a seeded order.
  std::vector<uint32_t> order(u.size.size());
  std::iota(order.begin(), order.end(), 0u);
  std::vector<uint64_t> key(u.size.size());
  for (std::size_t i = 0; i < key.size(); ++i)
    key[i] = kernels::counter_hash(seed, kStreamStrata, u.first[i], 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (u.size[a] != u.size[b]) return u.size[a] > u.size[b];
    if (key[a] != key[b]) return key[a] < key[b];
    return a < b;
  });
  Search search(u, fractions, st.size(), tolerance);
  search.run(order);
  for (uint64_t v = 0; v < side.size(); ++v)
    if (side[v] != kDropped) side[v] = u.side[u.of[v]];
}

}  // namespace

std::string Strata::name(std::size_t s) const {
  if (classes) return fmt::format("{:.6g}", lower.at(s));
  return fmt::format("q{}", s + 1);
}

Strata make_strata(std::span<const double> labels, const std::vector<std::string>& ids,
                   uint32_t bins) {
  CLEAVE_EXPECTS(bins >= 2 && bins <= 100, "strata: 2 to 100 quantile bins (got {})", bins);
  CLEAVE_EXPECTS(ids.size() == labels.size(), "strata: {} labels for {} ids", labels.size(),
                 ids.size());
  CLEAVE_EXPECTS(!labels.empty(), "strata: no labels");
  std::vector<double> sorted(labels.begin(), labels.end());
  for (std::size_t i = 0; i < labels.size(); ++i)
    CLEAVE_EXPECTS(std::isfinite(labels[i]),
                   "strata: sample '{}' has label {}, not a finite number", ids[i], labels[i]);
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> distinct = sorted;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  Strata st;
  st.classes =
      distinct.size() <= Strata::kMaxClasses &&
      std::all_of(distinct.begin(), distinct.end(), [](double x) { return x == std::round(x); });
  std::vector<double> edges;  // a label x is in stratum #edges <= x
  if (st.classes) {
    edges.assign(distinct.begin() + 1, distinct.end());
  } else {
    const std::size_t n = sorted.size();
    for (uint32_t k = 1; k < bins; ++k) {
      const double e = sorted[std::min(n - 1, k * n / bins)];
      if (e > sorted.front() && (edges.empty() || e > edges.back())) edges.push_back(e);
    }
  }
  const std::size_t k = edges.size() + 1;
  st.lower.assign(k, std::numeric_limits<double>::infinity());
  st.upper.assign(k, -std::numeric_limits<double>::infinity());
  st.of.resize(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto s = static_cast<uint32_t>(std::upper_bound(edges.begin(), edges.end(), labels[i]) -
                                         edges.begin());
    st.of[i] = s;
    st.lower[s] = std::min(st.lower[s], labels[i]);
    st.upper[s] = std::max(st.upper[s], labels[i]);
  }
  return st;
}

void stratify_split(const Graph& g, SplitResult& r, const Strata& strata,
                    const PartitionOptions& opt) {
  if (!r.valid) return;
  const double f[3] = {1.0 - opt.test_fraction - opt.valid_fraction, opt.test_fraction,
                       opt.valid_fraction};
  stratify_sides(g, r.side, std::span<const double>(f, opt.valid_fraction > 0 ? 3 : 2), strata,
                 opt.tolerance, r.seed);
  r.train = r.test = r.validation = 0;
  for (int8_t s : r.side) {
    r.train += s == kTrain;
    r.test += s == kTest;
    r.validation += s == kValidation;
  }
  r.overlap = measure_overlap(g, r.side);
}

void stratify_folds(const Graph& g, SplitResult& r, uint32_t folds, const Strata& strata,
                    double tolerance) {
  if (!r.valid) return;
  CLEAVE_EXPECTS(folds >= 2 && folds <= 100, "stratify: 2 to 100 folds (got {})", folds);
  const std::vector<double> f(folds, 1.0 / folds);
  stratify_sides(g, r.side, f, strata, tolerance, r.seed);
}

std::vector<uint64_t> strata_counts(std::span<const int8_t> side, std::size_t sides,
                                    const Strata& strata) {
  CLEAVE_EXPECTS(side.size() == strata.of.size(), "strata: {} sides for {} labels", side.size(),
                 strata.of.size());
  std::vector<uint64_t> c(sides * strata.size(), 0);
  for (std::size_t v = 0; v < side.size(); ++v)
    if (side[v] >= 0 && static_cast<std::size_t>(side[v]) < sides)
      ++c[static_cast<std::size_t>(side[v]) * strata.size() + strata.of[v]];
  return c;
}

double max_strata_difference(std::span<const int8_t> side, std::size_t sides,
                             const Strata& strata) {
  const auto c = strata_counts(side, sides, strata);
  const std::size_t k = strata.size();
  std::vector<double> total(k, 0.0), n(sides, 0.0);
  double kept = 0;
  for (std::size_t s = 0; s < sides; ++s)
    for (std::size_t j = 0; j < k; ++j) {
      total[j] += static_cast<double>(c[s * k + j]);
      n[s] += static_cast<double>(c[s * k + j]);
      kept += static_cast<double>(c[s * k + j]);
    }
  double worst = 0;
  for (std::size_t s = 0; s < sides; ++s) {
    if (n[s] == 0) continue;
    for (std::size_t j = 0; j < k; ++j)
      worst = std::max(worst, std::abs(static_cast<double>(c[s * k + j]) / n[s] - total[j] / kept));
  }
  return worst;
}

std::string strata_tsv(const std::vector<SplitResult>& splits, const Strata& st,
                       const SplitSetLayout& layout) {
  std::string out = "split\tside\tstratum\tlower\tupper\tcount\tfraction\n";
  const std::size_t sides = layout.folds > 0 ? static_cast<std::size_t>(layout.folds) : 3;
  const std::size_t k = st.size();
  auto side_name = [&](std::size_t s) -> std::string {
    if (layout.folds > 0) return fmt::format("fold_{}", s);
    return s == 0 ? "train" : s == 1 ? "test" : "validation";
  };
  for (const auto& r : splits) {
    if (!r.valid) continue;
    const std::string name = split_dir_name(r.p, r.repeat, layout.dir_prefix);
    const auto c = strata_counts(r.side, sides, st);
    std::vector<uint64_t> all(k, 0);
    for (std::size_t s = 0; s < sides; ++s)
      for (std::size_t j = 0; j < k; ++j) all[j] += c[s * k + j];
    auto rows = [&](const std::string& side, const uint64_t* counts) {
      uint64_t n = 0;
      for (std::size_t j = 0; j < k; ++j) n += counts[j];
      if (n == 0) return;
      for (std::size_t j = 0; j < k; ++j)
        out += fmt::format("{}\t{}\t{}\t{:.6g}\t{:.6g}\t{}\t{:.6f}\n", name, side, st.name(j),
                           st.lower[j], st.upper[j], counts[j],
                           static_cast<double>(counts[j]) / static_cast<double>(n));
    };
    rows("all", all.data());
    for (std::size_t s = 0; s < sides; ++s) rows(side_name(s), c.data() + s * k);
  }
  return out;
}

}  // namespace cleave
