/// @file metrics.cpp
/// @brief Scores of predictions against labels: Spearman's rho, R^2 and AUROC.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"

namespace cleave {

std::vector<double> average_ranks(std::span<const double> v) {
  std::vector<std::size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(),
                   [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i + 1;
    while (j < idx.size() && v[idx[j]] == v[idx[i]]) ++j;
    // Positions i..j-1 hold equal values: ranks i+1..j, average (i+1+j)/2.
    double r = 0.5 * static_cast<double>(i + 1 + j);
    for (std::size_t t = i; t < j; ++t) rank[idx[t]] = r;
    i = j;
  }
  return rank;
}

namespace {

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0 || syy <= 0) return std::nan("");
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

}  // namespace

double spearman(std::span<const double> x, std::span<const double> y) {
  CLEAVE_EXPECTS(x.size() == y.size(), "spearman: {} vs {} values", x.size(), y.size());
  if (x.size() < 2) return std::nan("");
  return pearson(average_ranks(x), average_ranks(y));
}

double r2_score(std::span<const double> truth, std::span<const double> pred) {
  CLEAVE_EXPECTS(truth.size() == pred.size(), "r2: {} vs {} values", truth.size(), pred.size());
  if (truth.size() < 2) return std::nan("");
  double mean =
      std::accumulate(truth.begin(), truth.end(), 0.0) / static_cast<double>(truth.size());
  double ss_res = 0, ss_tot = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    ss_res += (truth[i] - pred[i]) * (truth[i] - pred[i]);
    ss_tot += (truth[i] - mean) * (truth[i] - mean);
  }
  if (ss_tot <= 0) return std::nan("");
  return 1.0 - ss_res / ss_tot;
}

double auroc(std::span<const double> labels, std::span<const double> scores) {
  CLEAVE_EXPECTS(labels.size() == scores.size(), "auroc: {} labels vs {} scores", labels.size(),
                 scores.size());
  std::size_t n_pos = 0;
  for (double l : labels) {
    CLEAVE_EXPECTS(l == 0.0 || l == 1.0, "auroc: labels must be 0 or 1, got {}", l);
    n_pos += l == 1.0;
  }
  const std::size_t n_neg = labels.size() - n_pos;
  if (n_pos == 0 || n_neg == 0) return std::nan("");
  // U = (sum of positive ranks) - n_pos(n_pos+1)/2; average ranks count ties as 1/2.
  std::vector<double> rank = average_ranks(scores);
  double pos_rank_sum = 0;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == 1.0) pos_rank_sum += rank[i];
  const double np = static_cast<double>(n_pos), nn = static_cast<double>(n_neg);
  return (pos_rank_sum - np * (np + 1) / 2) / (np * nn);
}

}  // namespace cleave
