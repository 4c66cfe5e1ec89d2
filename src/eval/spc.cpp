/// @file spc.cpp
/// @brief Spectral performance curves, AUSPC by the trapezoidal rule and its
/// percentile bootstrap interval.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "cleave/util.hpp"
#include "eval/text.hpp"

namespace cleave {

namespace {

using detail::eval::sp_key;

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Counter-based draw: a uniform index in [0, n) from (seed, resample, point, draw).
std::size_t draw_index(uint64_t seed, uint64_t b, uint64_t point, uint64_t j, std::size_t n) {
  uint64_t h = splitmix64(seed ^ splitmix64(b ^ splitmix64(point ^ splitmix64(j))));
  auto i =
      static_cast<std::size_t>(static_cast<double>(h >> 11) * 0x1.0p-53 * static_cast<double>(n));
  return i < n ? i : n - 1;
}

// Percentile with linear interpolation between order statistics (numpy's default).
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nan("");
  double pos = q * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  double t = pos - static_cast<double>(lo);
  return sorted[lo] + t * (sorted[hi] - sorted[lo]);
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

SpcPoint make_point(double sp, std::vector<std::pair<int, double>> reps,
                    const std::map<std::pair<int64_t, int>, double>* overlap,
                    const std::map<std::pair<int64_t, int>, uint64_t>* tests,
                    std::size_t& missing_stats) {
  std::sort(reps.begin(), reps.end());
  SpcPoint pt;
  pt.sp = sp;
  pt.n = static_cast<int>(reps.size());
  double osum = 0;
  int on = 0;
  for (const auto& [rep, score] : reps) {
    pt.repeats.push_back(rep);
    pt.scores.push_back(score);
    double o = std::nan("");
    if (overlap) {
      auto it = overlap->find({sp_key(sp), rep});
      if (it == overlap->end())
        ++missing_stats;
      else
        o = it->second;
    }
    pt.overlaps.push_back(o);
    uint64_t nt = 0;
    if (tests) {
      auto it = tests->find({sp_key(sp), rep});
      if (it != tests->end()) nt = it->second;
    }
    pt.tests.push_back(nt);
    if (!std::isnan(o)) {
      osum += o;
      ++on;
    }
  }
  pt.mean = mean_of(pt.scores);
  if (pt.n >= 2) {
    double ss = 0;
    for (double x : pt.scores) ss += (x - pt.mean) * (x - pt.mean);
    pt.sd = std::sqrt(ss / static_cast<double>(pt.n - 1));
  } else {
    pt.sd = std::nan("");
  }
  pt.overlap = on > 0 ? osum / on : std::nan("");
  return pt;
}

}  // namespace

double trapezoid(std::span<const double> x, std::span<const double> y) {
  CLEAVE_EXPECTS(x.size() == y.size(), "trapezoid: {} x values but {} y values", x.size(),
                 y.size());
  double area = 0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    CLEAVE_EXPECTS(x[i] >= x[i - 1], "trapezoid: x must be ascending");
    area += 0.5 * (x[i] - x[i - 1]) * (y[i] + y[i - 1]);
  }
  return area;
}

double auspc_of(const std::vector<SpcPoint>& points) {
  if (points.size() < 2) return std::nan("");
  std::vector<double> x, y;
  for (const auto& p : points) {
    x.push_back(p.sp);
    y.push_back(p.mean);
  }
  return trapezoid(x, y);
}

std::pair<double, double> bootstrap_auspc(const std::vector<SpcPoint>& points, int resamples,
                                          uint64_t seed) {
  const double nan = std::nan("");
  if (resamples < 1 || points.size() < 2) return {nan, nan};
  std::vector<double> x;
  for (const auto& p : points) x.push_back(p.sp);
  std::vector<double> areas(static_cast<std::size_t>(resamples));
#pragma omp parallel for schedule(static)
  for (int b = 0; b < resamples; ++b) {
    std::vector<double> y(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
      const auto& s = points[i].scores;
      double sum = 0;
      for (std::size_t j = 0; j < s.size(); ++j)
        sum += s[draw_index(seed, static_cast<uint64_t>(b), i, j, s.size())];
      y[i] = sum / static_cast<double>(s.size());
    }
    double area = 0;
    for (std::size_t i = 1; i < x.size(); ++i) area += 0.5 * (x[i] - x[i - 1]) * (y[i] + y[i - 1]);
    areas[static_cast<std::size_t>(b)] = area;
  }
  std::sort(areas.begin(), areas.end());
  return {percentile(areas, 0.025), percentile(areas, 0.975)};
}

std::vector<MetricResult> evaluate(const std::vector<ScoreRow>& scores,
                                   const std::vector<SplitStatsRow>& stats,
                                   const EvalOptions& opt) {
  CLEAVE_EXPECTS(opt.bootstrap >= 0, "bootstrap resamples must be >= 0, got {}", opt.bootstrap);
  std::map<std::pair<int64_t, int>, double> overlap;
  std::map<std::pair<int64_t, int>, uint64_t> tests;
  const bool joined = !stats.empty();
  if (joined) {
    std::string available;
    for (const auto& [name, v] : stats.front().overlap) available += " " + name;
    CLEAVE_EXPECTS(stats.front().overlap.count(opt.overlap_column) > 0,
                   "overlap column '{}' is not in the split stats (available:{})",
                   opt.overlap_column, available.empty() ? " none" : available);
    for (const auto& s : stats) {
      overlap[{sp_key(s.sp), s.repeat}] = s.overlap.at(opt.overlap_column);
      tests[{sp_key(s.sp), s.repeat}] = s.test;
    }
  }

  std::vector<std::string> order;
  std::map<std::string, std::map<int64_t, std::pair<double, std::vector<std::pair<int, double>>>>>
      groups;
  std::map<std::string, std::size_t> undefined;
  for (const auto& r : scores) {
    if (!groups.count(r.metric)) order.push_back(r.metric);
    auto& g = groups[r.metric][sp_key(r.sp)];
    g.first = r.sp;
    if (std::isnan(r.score))
      ++undefined[r.metric];
    else
      g.second.emplace_back(r.repeat, r.score);
  }

  std::vector<MetricResult> out;
  for (const auto& metric : order) {
    MetricResult m;
    m.metric = metric;
    m.n_undefined = undefined[metric];
    if (m.n_undefined > 0)
      warn(fmt::format("metric '{}': {} undefined (nan) score(s) skipped", metric, m.n_undefined));
    std::size_t missing_stats = 0;
    for (auto& [key, g] : groups[metric]) {
      if (g.second.empty()) {
        warn(fmt::format("metric '{}': no defined score at sp {}; point dropped", metric, g.first));
        continue;
      }
      m.points.push_back(make_point(g.first, std::move(g.second), joined ? &overlap : nullptr,
                                    joined ? &tests : nullptr, missing_stats));
    }
    if (missing_stats > 0)
      warn(fmt::format("metric '{}': {} score(s) have no row in the split stats", metric,
                       missing_stats));
    if (joined) m.overlap_column = opt.overlap_column;
    const double nan = std::nan("");
    m.auspc = m.auspc_norm = m.ci_low = m.ci_high = m.p_min = m.p_max = nan;
    if (!m.points.empty()) {
      m.p_min = m.points.front().sp;
      m.p_max = m.points.back().sp;
    }
    if (m.points.size() < 2) {
      warn(fmt::format("metric '{}': AUSPC needs scores at two or more values of p", metric));
    } else {
      m.auspc = auspc_of(m.points);
      m.auspc_norm = m.auspc / (m.p_max - m.p_min);
      if (m.p_min > 1e-9 || m.p_max < 1.0 - 1e-9)
        warn(
            fmt::format("metric '{}': the curve covers p in [{}, {}], not [0, 1]; AUSPC is the "
                        "area over that range (auspc_norm divides by its width)",
                        metric, m.p_min, m.p_max));
      std::tie(m.ci_low, m.ci_high) = bootstrap_auspc(m.points, opt.bootstrap, opt.seed);
      m.bootstrap = opt.bootstrap;
    }
    out.push_back(std::move(m));
  }
  bool any = std::any_of(out.begin(), out.end(), [](const auto& m) { return !m.points.empty(); });
  CLEAVE_EXPECTS(any, "no defined scores to evaluate");
  return out;
}

}  // namespace cleave
