/// @file knn.cpp
/// @brief k-nearest-neighbour prediction for one split, from exact
/// fingerprint similarity or from overlap-graph neighbours.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "cleave/similarity.hpp"

namespace cleave {

namespace {

// The k best (similarity, index) pairs offered so far: higher similarity
// first, ties to the lower index.
class TopK {
 public:
  explicit TopK(std::size_t k) : k_(k) { best_.reserve(k + 1); }
  void offer(double sim, uint32_t idx) {
    if (best_.size() == k_ && !better(sim, idx, best_.back())) return;
    auto pos = std::find_if(best_.begin(), best_.end(),
                            [&](const auto& e) { return better(sim, idx, e); });
    best_.insert(pos, {sim, idx});
    if (best_.size() > k_) best_.pop_back();
  }
  [[nodiscard]] const std::vector<std::pair<double, uint32_t>>& best() const { return best_; }

 private:
  static bool better(double sim, uint32_t idx, const std::pair<double, uint32_t>& e) {
    return sim > e.first || (sim == e.first && idx < e.second);
  }
  std::size_t k_;
  std::vector<std::pair<double, uint32_t>> best_;
};

// Similarity-weighted mean label of the neighbours; plain mean when every
// weight is 0; `fallback` when there is no neighbour.
double weighted_label(const TopK& top, std::span<const double> labels, double fallback) {
  const auto& b = top.best();
  if (b.empty()) return fallback;
  double wsum = 0, wy = 0, ysum = 0;
  for (const auto& [sim, idx] : b) {
    wsum += sim;
    wy += sim * labels[idx];
    ysum += labels[idx];
  }
  return wsum > 0 ? wy / wsum : ysum / static_cast<double>(b.size());
}

int thread_count(int requested) {
#ifdef _OPENMP
  return requested > 0 ? requested : omp_get_max_threads();
#else
  (void)requested;
  return 1;
#endif
}

void check_split(std::size_t n, std::span<const double> labels, std::span<const uint32_t> train,
                 std::span<const uint32_t> test, const BaselineOptions& opt) {
  CLEAVE_EXPECTS(opt.k >= 1, "k must be >= 1, got {}", opt.k);
  CLEAVE_EXPECTS(labels.size() == n, "{} labels for {} samples", labels.size(), n);
  for (uint32_t i : train) CLEAVE_EXPECTS(i < n, "train index {} out of range ({})", i, n);
  for (uint32_t i : test) CLEAVE_EXPECTS(i < n, "test index {} out of range ({})", i, n);
  bool any =
      std::any_of(train.begin(), train.end(), [&](uint32_t i) { return !std::isnan(labels[i]); });
  CLEAVE_EXPECTS(any, "the split has no labelled train sample");
}

double train_mean(std::span<const double> labels, std::span<const uint32_t> train) {
  double s = 0;
  std::size_t n = 0;
  for (uint32_t i : train)
    if (!std::isnan(labels[i])) {
      s += labels[i];
      ++n;
    }
  return s / static_cast<double>(n);
}

}  // namespace

KnnPrediction knn_predict(const Fingerprints& fps, std::span<const double> labels,
                          std::span<const uint32_t> train, std::span<const uint32_t> test,
                          const BaselineOptions& opt) {
  check_split(fps.size(), labels, train, test, opt);
  std::vector<uint32_t> tr(train.begin(), train.end());
  std::sort(tr.begin(), tr.end());
  const double fallback = train_mean(labels, tr);
  KnnPrediction out;
  out.pred.resize(test.size());
  out.maxsim.resize(test.size());
  const auto nt = static_cast<std::ptrdiff_t>(test.size());
#pragma omp parallel for schedule(dynamic, 16) num_threads(thread_count(opt.threads))
  for (std::ptrdiff_t t = 0; t < nt; ++t) {
    const uint64_t* a = fps.row(test[t]);
    TopK top(static_cast<std::size_t>(opt.k));
    double maxsim = 0;
    for (uint32_t j : tr) {
      double s = fingerprint_similarity(opt.measure, a, fps.row(j), fps.words_per_fp);
      maxsim = std::max(maxsim, s);
      if (!std::isnan(labels[j])) top.offer(s, j);
    }
    out.pred[t] = weighted_label(top, labels, fallback);
    out.maxsim[t] = tr.empty() ? 0.0 : maxsim;
  }
  return out;
}

KnnPrediction knn_predict(const Graph& g, std::span<const double> labels,
                          std::span<const uint32_t> train, std::span<const uint32_t> test,
                          const BaselineOptions& opt) {
  check_split(g.num_nodes(), labels, train, test, opt);
  std::vector<char> in_train(g.num_nodes(), 0);
  for (uint32_t i : train) in_train[i] = 1;
  const double fallback = train_mean(labels, train);
  const auto off = g.offsets();
  const auto col = g.columns();
  const auto w = g.weights();
  KnnPrediction out;
  out.pred.resize(test.size());
  out.maxsim.resize(test.size());
  const auto nt = static_cast<std::ptrdiff_t>(test.size());
#pragma omp parallel for schedule(dynamic, 64) num_threads(thread_count(opt.threads))
  for (std::ptrdiff_t t = 0; t < nt; ++t) {
    const uint32_t v = test[t];
    TopK top(static_cast<std::size_t>(opt.k));
    double maxsim = 0;
    for (uint64_t e = off[v]; e < off[v + 1]; ++e) {
      const uint32_t j = col[e];
      if (!in_train[j]) continue;
      maxsim = std::max(maxsim, static_cast<double>(w[e]));
      if (!std::isnan(labels[j])) top.offer(w[e], j);
    }
    out.pred[t] = weighted_label(top, labels, fallback);
    out.maxsim[t] = maxsim;
  }
  return out;
}

}  // namespace cleave
