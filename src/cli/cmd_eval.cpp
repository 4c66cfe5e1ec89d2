// `cleave baseline` and `cleave auspc`.
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "cleave/util.hpp"
#include "cli/commands.hpp"

namespace cleave::cli {

std::vector<OptionSpec> baseline_cmd_options() {
  auto o = input_options();
  o.push_back({"splits", "DIR", "split set written by cleave split", ""});
  o.push_back(
      {"graph", "GRAPH", "similarity source for inputs without fingerprints (DMS, pairs)", ""});
  o.push_back({"k", "K", "neighbours averaged per prediction", "5"});
  o.push_back({"measure", "NAME", "fingerprint similarity: tanimoto, dice or cosine", "tanimoto"});
  o.push_back({"out", "CSV", "scores file (sp,repeat,metric,score,nn_maxsim)", ""});
  for (auto& c : common_options()) o.push_back(c);
  return o;
}

std::vector<OptionSpec> auspc_cmd_options() {
  auto o = std::vector<OptionSpec>{
      {"scores", "CSV", "scores per split: columns sp, repeat, score and optional metric", ""},
      {"stats", "TSV", "stats.tsv of the split set, for the curve against measured overlap", ""},
      {"overlap", "COLUMN", "overlap column of stats.tsv to plot against", "overlap_frac"},
      {"bootstrap", "B", "bootstrap resamples for the interval (0 = none)", "1000"},
      {"seed", "S", "seed of the bootstrap", "0"},
      {"out", "DIR", "directory for auspc.tsv, spc.tsv, spc.svg and report.html", ""}};
  o.push_back({"quiet", "", "print nothing on success", ""});
  return o;
}

namespace {

std::vector<BaselineScore> run_baseline(const Args& a, const Dataset& in, const Graph* graph,
                                        const std::filesystem::path& splits) {
  CLEAVE_EXPECTS(in.samples.has_labels(),
                 "{}: the baseline needs labels (a label column, --label-column or --labels)",
                 in.path.string());
  BaselineOptions opt;
  opt.k = static_cast<int>(a.integer("k", 1, 1 << 20));
  opt.measure = measure_from_name(a.str_or("measure", "tanimoto"));
  opt.progress = !Progress::quiet();
  if (in.fps) return knn_baseline(in.samples, *in.fps, splits, opt);
  if (graph) return knn_baseline(in.samples, *graph, splits, opt);
  if (in.pairs_graph) return knn_baseline(in.samples, *in.pairs_graph, splits, opt);
  CLEAVE_FAIL(invalid_argument,
              "{}: this input has no fingerprints: give --graph with its overlap graph",
              in.path.string());
}

void print_results(const std::vector<MetricResult>& results) {
  for (const auto& r : results) {
    std::printf("%-10s AUSPC %.4f  (95%% bootstrap interval %.4f to %.4f, %zu values of p)\n",
                r.metric.c_str(), r.auspc, r.ci_low, r.ci_high, r.n_points());
  }
}

}  // namespace

std::vector<BaselineScore> baseline_scores(const Args& a, const Dataset& in, const Graph* graph,
                                           const std::filesystem::path& splits) {
  return run_baseline(a, in, graph, splits);
}

void print_evaluation(const std::vector<MetricResult>& results) {
  print_results(results);
}

int cmd_baseline(const Args& a) {
  apply_common(a);
  Dataset in = load_input(a);
  std::optional<Graph> g;
  if (a.has("graph")) g = Graph::load(a.str("graph"));
  auto rows = run_baseline(a, in, g ? &*g : nullptr, a.str("splits"));
  write_scores(a.str("out"), rows);
  std::printf("wrote %zu scores to %s\n", rows.size(), a.str("out").c_str());
  return 0;
}

int cmd_auspc(const Args& a) {
  EvalOptions opt;
  opt.bootstrap = static_cast<int>(a.integer("bootstrap", 0, 1000000));
  opt.seed = a.u64s("seed").at(0);
  opt.overlap_column = a.str("overlap");
  auto scores = read_scores(a.str("scores"));
  std::vector<SplitStatsRow> stats;
  if (a.has("stats")) stats = read_split_stats(a.str("stats"));
  auto results = evaluate(scores, stats, opt);
  write_evaluation(a.str("out"), results);
  if (!a.flag("quiet")) {
    print_results(results);
    std::printf("report: %s\n", (std::filesystem::path(a.str("out")) / "report.html").c_str());
  }
  return 0;
}

}  // namespace cleave::cli
