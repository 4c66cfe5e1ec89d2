// `cleave run`: the whole pipeline into one output directory.
//
//   OUT/graph.cgr, OUT/graph.cgr.ids   overlap graph (reused when its inputs match)
//   OUT/splits/                        stats.tsv, sp_<p>_r<k>/{train,test}.txt, manifest.json
//                                      (--method partition: ov_0.00_r<k>/, see cmd_partition.cpp)
//   OUT/baseline/scores.csv            nearest-neighbour baseline on every split (with labels)
//   OUT/report/                        auspc.tsv, spc.tsv, spc.svg, report.html
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "cli/commands.hpp"
#include "cli/lock.hpp"
#include "dist/comm.hpp"
#include "dist/share.hpp"

namespace cleave::cli {

namespace fs = std::filesystem;

std::vector<OptionSpec> run_cmd_options() {
  auto o = input_options();
  for (auto& s : graph_options()) o.push_back(s);
  for (auto& s : split_options()) o.push_back(s);
  o.push_back({"method", "NAME",
               "spectra (the sweep over p) or partition (zero-overlap min-cut splits)", "spectra"});
  for (auto& s : partition_options()) o.push_back(s);
  o.push_back({"k", "K", "neighbours averaged by the baseline", "5"});
  o.push_back({"bootstrap", "B", "bootstrap resamples for the AUSPC interval", "1000"});
  o.push_back({"rebuild", "", "rebuild the graph even when OUT/graph.cgr matches the inputs", ""});
  o.push_back({"out", "DIR", "output directory", ""});
  for (auto& s : common_options()) o.push_back(s);
  return o;
}

namespace {

void stage(const char* what) {
  if (!Progress::quiet()) std::fprintf(stderr, "cleave run: %s\n", what);
}

/// The graph of OUT, rebuilt unless a complete one made from the same inputs
/// and parameters is already there (a resumed run skips the longest stage).
/// Over ranks, rank 0 decides and every rank builds when the graph is built;
/// only rank 0 holds the graph on return.
Graph graph_for_run(const Args& a, const Dataset& in, const fs::path& path) {
  std::error_code ec;
  char reuse = 0;
  Graph old;
  if (dist::is_root() && !a.flag("rebuild") && fs::exists(path, ec)) {
    try {
      old = Graph::load(path);
      if (old.meta().input_checksum == graph_checksum(a, in) &&
          old.num_nodes() == in.samples.size()) {
        stage("graph: reusing the graph already built from these inputs");
        reuse = 1;
      } else {
        stage("graph: inputs or parameters changed, rebuilding");
      }
    } catch (const error& e) {
      warn(fmt::format("{} cannot be reused ({}); rebuilding", path.string(), e.what()));
    }
  }
  dist::Bytes flag{reuse};
  dist::broadcast(flag);
  if (flag.at(0)) return old;
  stage("graph: computing all-pairs similarity");
  Graph g = build_graph(a, in);
  if (dist::is_root()) g.save(path);
  return g;
}

}  // namespace

int cmd_run(const Args& a) {
  apply_common(a);
  const fs::path out = a.str("out");
  // Validate every option before the long stages start.
  SplitOptions sopt = split_options_from(a);
  auto ps = sweep_from(a);
  const std::string method = a.str("method");
  CLEAVE_EXPECTS(method == "spectra" || method == "partition",
                 "option --method: unknown method '{}' (spectra or partition)", method);
  const bool by_cut = method == "partition";
  const bool partition_only = a.has("repeats") || a.has("tolerance") || a.has("tries") ||
                              a.has("target-overlap") || a.has("stratify") || a.has("strata");
  CLEAVE_EXPECTS(by_cut || !partition_only,
                 "options --repeats, --tolerance, --tries, --target-overlap, --stratify and "
                 "--strata need --method partition");
  CLEAVE_EXPECTS(!by_cut || !a.has("sp"), "option --sp applies to --method spectra only");
  const PartitionOptions popt = by_cut ? partition_options_from(a) : PartitionOptions{};
  auto seeds = by_cut ? partition_seeds_from(a) : seeds_from(a);
  const auto targets = by_cut ? targets_from(a) : std::vector<double>{};
  if (by_cut) check_stratify(a, targets);
  if (by_cut && a.has("strata")) (void)a.integer("strata", 2, 100);
  (void)a.integer("k", 1, 1 << 20);
  (void)a.integer("bootstrap", 0, 1000000);
  std::error_code ec;
  std::optional<OutputLock> lock;
  if (dist::is_root()) lock.emplace(lock_output_dir(out));

  stage("reading input");
  Dataset in = load_input(a);
  CLEAVE_EXPECTS(!a.flag("stratify") || in.samples.has_labels(),
                 "option --stratify needs labels (a label column, --label-column or --labels)");
  const fs::path graph_path = out / "graph.cgr";
  Graph g = graph_for_run(a, in, graph_path);
  const auto strata = by_cut ? strata_from(a, g, &in.samples) : std::nullopt;
  const Strata* stratify = a.flag("stratify") ? &*strata : nullptr;
  if (dist::is_root()) {
    GraphStats gs = graph_stats(g);
    if (!Progress::quiet())
      std::fprintf(stderr, "cleave run: graph: %llu samples, %llu edges, %llu isolated\n",
                   static_cast<unsigned long long>(gs.nodes),
                   static_cast<unsigned long long>(gs.edges),
                   static_cast<unsigned long long>(gs.isolated));
    if (!by_cut) warn_if_dense(g, sopt);
    if (!Progress::quiet()) {
      if (by_cut)
        std::fprintf(stderr, "cleave run: splits: zero-overlap min-cut partitions (METIS)\n");
      else
        std::fprintf(stderr, "cleave run: splits: SPECTRA sweep on the %s backend\n",
                     backend_name(resolve_backend(sopt.backend)));
    }
  }
  // Over ranks: the SPECTRA sweep runs on every rank, the rest on rank 0.
  std::vector<SplitResult> spectra;
  if (!by_cut) {
    dist::broadcast_graph(g);
    spectra = sweep(g, ps, seeds, sopt, !Progress::quiet());
  }
  if (!dist::is_root()) return 0;
  const dist::Solo solo;
  auto splits = by_cut ? make_partitions(g, popt, seeds, targets, stratify) : std::move(spectra);
  std::string inputs = fmt::format(
      "{{\"input\": {}, \"graph\": {{\"path\": \"{}\", \"checksum\": \"{}\", \"parameters\": "
      "{}}}}}",
      dataset_json(in), json_escape(fs::absolute(graph_path).string()),
      hex64(checksum_file(graph_path)), g.meta().parameters);
  if (by_cut) {
    SplitSetLayout layout = partition_layout(popt);
    if (strata) add_strata_report(layout, splits, *strata, stratify != nullptr);
    write_split_set(out / "splits", g, splits, layout, inputs);
  } else
    write_split_set(out / "splits", g, splits, sopt, inputs);
  std::size_t valid = 0;
  for (const auto& s : splits) valid += s.valid;

  if (by_cut) {
    print_partitions(g, splits);
  } else {
    std::printf("%-6s %-7s %-8s %-8s %-8s %s\n", "sp", "repeat", "kept", "train", "test",
                "overlap_frac");
    for (const auto& s : splits) {
      if (!s.valid) continue;
      std::printf("%-6.2f %-7d %-8llu %-8llu %-8llu %.4f\n", s.p, s.repeat,
                  static_cast<unsigned long long>(s.kept), static_cast<unsigned long long>(s.train),
                  static_cast<unsigned long long>(s.test), s.overlap.frac);
    }
  }
  std::printf("%zu of %zu splits written to %s\n", valid, splits.size(), (out / "splits").c_str());

  if (!in.samples.has_labels()) {
    std::printf("no labels in the input: skipping the baseline and the AUSPC report\n");
    return 0;
  }
  stage("baseline: nearest-neighbour predictor on every split");
  fs::create_directories(out / "baseline", ec);
  auto rows = baseline_scores(a, in, &g, out / "splits");
  write_scores(out / "baseline" / "scores.csv", rows);

  if (by_cut && targets.size() < 2) {
    // One target overlap: a curve needs several, so the baseline's scores
    // are the result.
    std::printf("baseline scores: %s (one target overlap: no spectral curve)\n",
                (out / "baseline" / "scores.csv").c_str());
    return 0;
  }
  stage("report: spectral performance curve and AUSPC");
  EvalOptions eopt;
  eopt.bootstrap = static_cast<int>(a.integer("bootstrap", 0, 1000000));
  auto results =
      evaluate(to_score_rows(rows), read_split_stats(out / "splits" / "stats.tsv"), eopt);
  write_evaluation(out / "report", results);
  print_evaluation(results);
  std::printf("report: %s\n", (out / "report" / "report.html").c_str());
  return 0;
}

}  // namespace cleave::cli
