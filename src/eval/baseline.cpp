/// @file baseline.cpp
/// @brief The nearest-neighbour baseline scored on every valid split of a
/// split set, and the scores CSV it writes.
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "eval/text.hpp"

namespace cleave {

namespace {

using Predictor =
    std::function<KnnPrediction(std::span<const uint32_t> train, std::span<const uint32_t> test)>;

// Reads one id per line and maps each to its sample index.
std::vector<uint32_t> read_split_ids(const std::filesystem::path& path,
                                     const std::unordered_map<std::string, uint32_t>& index) {
  detail::eval::LineReader in(path);
  std::vector<uint32_t> out;
  std::string line;
  while (in.next(line)) {
    auto id = detail::eval::trim(line);
    if (id.empty()) continue;
    auto it = index.find(std::string(id));
    if (it == index.end())
      CLEAVE_FORMAT_ERROR(path.string(), in.line_no(), "unknown sample id '{}'", id);
    out.push_back(it->second);
  }
  return out;
}

std::vector<BaselineScore> run_baseline(const Samples& samples,
                                        const std::filesystem::path& split_dir,
                                        const BaselineOptions& opt, const Predictor& predict) {
  CLEAVE_EXPECTS(samples.has_labels(), "the baseline needs labelled samples");
  CLEAVE_EXPECTS(samples.labels.size() == samples.size(), "{} labels for {} samples",
                 samples.labels.size(), samples.size());
  bool binary = true;
  for (double l : samples.labels)
    if (!std::isnan(l) && l != 0.0 && l != 1.0) binary = false;
  std::unordered_map<std::string, uint32_t> index;
  index.reserve(samples.size());
  for (uint32_t i = 0; i < samples.size(); ++i) index.emplace(samples.ids[i], i);

  auto stats = read_split_stats(split_dir / "stats.tsv");
  std::size_t n_valid = 0;
  for (const auto& s : stats) n_valid += s.valid;
  std::optional<Progress> progress;
  if (opt.progress) progress.emplace("baseline", n_valid);
  std::vector<BaselineScore> out;
  std::size_t undefined = 0;
  for (const auto& s : stats) {
    if (!s.valid) continue;
    const auto dir = split_dir / split_dir_name(s.sp, s.repeat, s.dir_prefix);
    auto train = read_split_ids(dir / "train.txt", index);
    auto test = read_split_ids(dir / "test.txt", index);
    KnnPrediction pr = predict(train, test);

    std::vector<double> truth, pred;
    double maxsim_sum = 0;
    for (std::size_t t = 0; t < test.size(); ++t) {
      maxsim_sum += pr.maxsim[t];
      double y = samples.labels[test[t]];
      if (std::isnan(y)) continue;
      truth.push_back(y);
      pred.push_back(pr.pred[t]);
    }
    const double nn_maxsim =
        test.empty() ? std::nan("") : maxsim_sum / static_cast<double>(test.size());
    auto add = [&](const char* metric, double v) {
      undefined += std::isnan(v);
      out.push_back({metric, s.sp, s.repeat, v, nn_maxsim});
    };
    if (binary) {
      add("auroc", auroc(truth, pred));
    } else {
      add("spearman", spearman(truth, pred));
      add("r2", r2_score(truth, pred));
    }
    if (progress) progress->advance();
  }
  if (progress) progress->finish();
  if (undefined > 0)
    warn(
        fmt::format("baseline: {} score(s) undefined (constant predictions or one class in the "
                    "test set), written as nan",
                    undefined));
  return out;
}

}  // namespace

std::vector<BaselineScore> knn_baseline(const Samples& samples, const Fingerprints& fps,
                                        const std::filesystem::path& split_dir,
                                        const BaselineOptions& opt) {
  CLEAVE_EXPECTS(fps.size() == samples.size(), "{} fingerprints for {} samples", fps.size(),
                 samples.size());
  return run_baseline(samples, split_dir, opt, [&](auto train, auto test) {
    return knn_predict(fps, samples.labels, train, test, opt);
  });
}

std::vector<BaselineScore> knn_baseline(const Samples& samples, const Graph& g,
                                        const std::filesystem::path& split_dir,
                                        const BaselineOptions& opt) {
  CLEAVE_EXPECTS(g.num_nodes() == samples.size(), "graph has {} nodes for {} samples",
                 g.num_nodes(), samples.size());
  return run_baseline(samples, split_dir, opt, [&](auto train, auto test) {
    return knn_predict(g, samples.labels, train, test, opt);
  });
}

void write_scores(const std::filesystem::path& path, const std::vector<BaselineScore>& rows) {
  std::string text = "sp,repeat,metric,score,nn_maxsim\n";
  for (const auto& r : rows) {
    std::string metric = r.metric;
    if (metric.find_first_of(",\"") != std::string::npos) {
      std::string q = "\"";
      for (char c : metric) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      metric = q + "\"";
    }
    text += fmt::format("{},{},{},{},{}\n", detail::eval::num(r.sp), r.repeat, metric,
                        detail::eval::num(r.score), detail::eval::num(r.nn_maxsim));
  }
  write_file_atomic(path, text);
}

std::vector<ScoreRow> to_score_rows(const std::vector<BaselineScore>& rows) {
  std::vector<ScoreRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back({r.metric, r.sp, r.repeat, r.score});
  return out;
}

}  // namespace cleave
