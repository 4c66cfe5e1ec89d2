/// @file augood.cpp
/// @brief AU-GOOD (augood.hpp): the curve's bins weighted by a deployment
/// set's similarity distribution, and the readers of its two inputs.
#include "cleave/augood.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "eval/text.hpp"

namespace cleave {

namespace {

using detail::eval::LineReader;

[[noreturn]] void format_error(const std::filesystem::path& f, std::size_t line,
                               const std::string& what) {
  throw error(errc::format, fmt::format("{}:{}: {}", f.string(), line, what));
}

}  // namespace

std::vector<GoodResult> au_good(const std::vector<double>& thresholds,
                                const std::vector<double>& scores,
                                const std::vector<std::string>& metrics,
                                const std::vector<double>& deployment) {
  CLEAVE_EXPECTS(
      thresholds.size() == scores.size() && (metrics.empty() || metrics.size() == scores.size()),
      "{} thresholds, {} scores and {} metric names", thresholds.size(), scores.size(),
      metrics.size());
  CLEAVE_EXPECTS(!scores.empty(), "the curve has no point");
  // Metrics in order of first appearance; per metric, threshold -> (sum, rows).
  std::vector<std::string> order;
  std::map<std::string, std::map<double, std::pair<double, uint64_t>>> by;
  for (std::size_t k = 0; k < scores.size(); ++k) {
    CLEAVE_EXPECTS(std::isfinite(thresholds[k]) && std::isfinite(scores[k]),
                   "curve row {}: threshold {} and score {} must be numbers", k + 1, thresholds[k],
                   scores[k]);
    const std::string m = metrics.empty() ? "score" : metrics[k];
    if (!by.count(m)) order.push_back(m);
    auto& cell = by[m][thresholds[k]];
    cell.first += scores[k];
    ++cell.second;
  }
  std::vector<double> sims;
  for (double m : deployment)
    if (!std::isnan(m)) sims.push_back(m);
  std::sort(sims.begin(), sims.end());
  std::vector<GoodResult> out;
  for (const std::string& m : order) {
    GoodResult r;
    r.metric = m;
    double lo = -std::numeric_limits<double>::infinity();
    uint64_t inside = 0;
    for (const auto& [t, cell] : by[m]) {
      GoodPoint p;
      p.threshold = t;
      p.rows = cell.second;
      p.score = cell.first / static_cast<double>(cell.second);
      // Samples with lo < sim <= t.
      p.deployed = static_cast<uint64_t>(std::upper_bound(sims.begin(), sims.end(), t) -
                                         std::upper_bound(sims.begin(), sims.end(), lo));
      inside += p.deployed;
      lo = t;
      r.points.push_back(p);
    }
    r.outside = sims.size() - inside;
    CLEAVE_EXPECTS(inside > 0,
                   "none of the {} deployment samples is at or below the curve's largest "
                   "threshold {}",
                   sims.size(), lo);
    for (GoodPoint& p : r.points) {
      p.weight = static_cast<double>(p.deployed) / static_cast<double>(inside);
      r.au_good += p.weight * p.score;
    }
    out.push_back(std::move(r));
  }
  return out;
}

void read_good_curve(const std::filesystem::path& path, std::vector<double>& thresholds,
                     std::vector<double>& scores, std::vector<std::string>& metrics) {
  LineReader in(path);
  std::string line;
  if (!in.next(line)) format_error(path, 1, "the curve file is empty");
  const auto header = detail::eval::split_csv(line);
  if (!header) format_error(path, 1, "unterminated quote in the header");
  std::size_t tc = header->size(), sc = header->size(), mc = header->size();
  for (std::size_t k = 0; k < header->size(); ++k) {
    const auto name = detail::eval::trim((*header)[k]);
    if (name == "threshold") tc = k;
    if (name == "score") sc = k;
    if (name == "metric") mc = k;
  }
  if (tc == header->size() || sc == header->size())
    format_error(path, 1, "the header needs columns threshold and score");
  thresholds.clear();
  scores.clear();
  metrics.clear();
  while (in.next(line)) {
    if (detail::eval::trim(line).empty()) continue;
    const auto f = detail::eval::split_csv(line);
    if (!f || f->size() != header->size())
      format_error(path, in.line_no(), fmt::format("expected {} fields", header->size()));
    const auto t = detail::eval::parse_double((*f)[tc]);
    const auto s = detail::eval::parse_double((*f)[sc]);
    if (!t || !std::isfinite(*t))
      format_error(path, in.line_no(), fmt::format("threshold '{}' is not a number", (*f)[tc]));
    if (!s || !std::isfinite(*s))
      format_error(path, in.line_no(), fmt::format("score '{}' is not a number", (*f)[sc]));
    thresholds.push_back(*t);
    scores.push_back(*s);
    if (mc < header->size()) metrics.emplace_back(detail::eval::trim((*f)[mc]));
  }
  if (scores.empty()) format_error(path, 2, "the curve has no rows");
}

std::vector<double> read_similarity_column(const std::filesystem::path& path,
                                           const std::string& column) {
  LineReader in(path);
  std::string line;
  if (!in.next(line)) format_error(path, 1, "the file is empty");
  const auto header = detail::eval::split_tabs(line);
  std::size_t c = header.size();
  for (std::size_t k = 0; k < header.size(); ++k)
    if (detail::eval::trim(header[k]) == column) c = k;
  if (c == header.size()) format_error(path, 1, fmt::format("no column '{}'", column));
  std::vector<double> out;
  while (in.next(line)) {
    if (detail::eval::trim(line).empty()) continue;
    const auto f = detail::eval::split_tabs(line);
    if (f.size() != header.size())
      format_error(path, in.line_no(), fmt::format("expected {} fields", header.size()));
    const auto v = detail::eval::trim(f[c]);
    if (v == "NA") {
      out.push_back(std::nan(""));
      continue;
    }
    const auto d = detail::eval::parse_double(v);
    if (!d || std::isnan(*d))
      format_error(path, in.line_no(), fmt::format("'{}' is not a similarity", v));
    out.push_back(*d);
  }
  return out;
}

}  // namespace cleave
