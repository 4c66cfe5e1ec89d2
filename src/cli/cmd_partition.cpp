// `cleave partition`: zero-overlap train/test(/validation) splits by minimum
// cut, written in the split-set layout every other command reads:
//
//   OUT/stats.tsv                      target repeat seed valid kept ... overlap_meansim
//   OUT/ov_0.00_r<k>/{train,test}.txt  (+ validation.txt with --valid-fraction)
//   OUT/manifest.json
//   OUT/strata.tsv                     with labels: split side stratum lower upper count fraction
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/io.hpp"
#include "cleave/partition.hpp"
#include "cleave/util.hpp"
#include "cli/commands.hpp"
#include "cli/lock.hpp"

namespace cleave::cli {

std::vector<OptionSpec> partition_options() {
  return {
      {"target-overlap", "LIST",
       "overlap_frac targets, comma separated: 0 is leakage-free; higher targets move samples "
       "from the zero-overlap split",
       "0"},
      {"valid-fraction", "F",
       "fraction of kept samples in a validation side with no edge to train or test (0: none)",
       "0"},
      {"repeats", "N", "N repeats with seeds 42, 44, ... (instead of --seeds)", ""},
      {"tolerance", "F", "accepted distance of each side's fraction from the one asked", "0.02"},
      {"tries", "N", "METIS bisections tried per cut, fewest removals wins (0: by size)", "0"},
      {"stratify", "",
       "keep the label distribution (classes, or quantile bins of a numeric label) close across "
       "sides by moving whole kept components between them (needs labels)",
       ""},
      {"strata", "N",
       "quantile bins of a numeric label for --stratify and strata.tsv (integer labels with at "
       "most 20 values are classes)",
       "5"},
  };
}

std::vector<OptionSpec> partition_cmd_options() {
  std::vector<OptionSpec> o = {
      {"graph", "GRAPH", "graph file written by cleave graph", ""},
      {"out", "DIR", "directory for the split set", ""},
      {"test-fraction", "F", "fraction of kept samples put in test", "0.2"},
      {"seeds", "LIST", "one seed per repeat, comma separated", "42,44,46"},
  };
  for (auto& s : partition_options()) o.push_back(s);
  o.push_back({"labels", "FILE",
               "CSV of labels joined to the graph's ids (first column = id): strata.tsv reports "
               "the label distribution per side; needed by --stratify",
               ""});
  o.push_back(
      {"label-column", "NAME", "label column of the --labels file (default: the second)", ""});
  o.push_back({"labels-id-column", "NAME", "id column of the --labels file", ""});
  o.push_back({"folds", "K",
               "K folds with no edge between any two (fold_<k>.txt) instead of train/test", "0"});
  for (auto& s : common_options()) o.push_back(s);
  return o;
}

PartitionOptions partition_options_from(const Args& a) {
  PartitionOptions o;
  o.test_fraction = a.real("test-fraction", 0.0, 1.0);
  CLEAVE_EXPECTS(o.test_fraction > 0.0 && o.test_fraction < 1.0,
                 "option --test-fraction must be strictly between 0 and 1 (got {})",
                 a.str("test-fraction"));
  o.valid_fraction = a.real("valid-fraction", 0.0, 1.0);
  CLEAVE_EXPECTS(o.test_fraction + o.valid_fraction < 1.0,
                 "options --test-fraction and --valid-fraction leave nothing for train ({} + {})",
                 o.test_fraction, o.valid_fraction);
  o.tolerance = a.real("tolerance", 0.0, 0.5);
  o.tries = static_cast<uint32_t>(a.integer("tries", 0, 1000));
  return o;
}

std::vector<uint64_t> partition_seeds_from(const Args& a) {
  if (!a.has("repeats")) return seeds_from(a);
  CLEAVE_EXPECTS(!a.has("seeds"), "give either --seeds or --repeats, not both");
  const long n = a.integer("repeats", 1, 10000);
  std::vector<uint64_t> seeds;
  for (long k = 0; k < n; ++k) seeds.push_back(42 + 2 * static_cast<uint64_t>(k));
  return seeds;
}

std::vector<double> targets_from(const Args& a) {
  if (!a.has("target-overlap")) return {0.0};
  auto ts = a.reals("target-overlap", 0.0, 1.0);
  for (std::size_t i = 0; i < ts.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      CLEAVE_EXPECTS(split_dir_name(ts[i], 0, "ov") != split_dir_name(ts[j], 0, "ov"),
                     "option --target-overlap: {} and {} are the same value at two decimals", ts[j],
                     ts[i]);
  return ts;
}

std::optional<Strata> strata_from(const Args& a, const Graph& g, const Samples* samples) {
  const bool stratify = a.flag("stratify");
  if (samples == nullptr || !samples->has_labels()) {
    CLEAVE_EXPECTS(!stratify, "option --stratify needs labels ({})",
                   samples ? "a label column, --label-column or --labels" : "--labels FILE");
    CLEAVE_EXPECTS(!a.has("strata"), "option --strata needs labels ({})",
                   samples ? "a label column, --label-column or --labels" : "--labels FILE");
    return std::nullopt;
  }
  CLEAVE_EXPECTS(samples->size() == g.num_nodes(), "{} labels for a graph of {} samples",
                 samples->size(), g.num_nodes());
  Strata st = make_strata(samples->labels, samples->ids,
                          static_cast<uint32_t>(a.integer("strata", 2, 100)));
  CLEAVE_EXPECTS(!st.classes || !a.has("strata"),
                 "option --strata: the labels are {} classes (integers, at most {} values); "
                 "quantile bins are for numeric labels",
                 st.size(), Strata::kMaxClasses);
  return st;
}

std::optional<Strata> strata_from(const Args& a, const Graph& g) {
  CLEAVE_EXPECTS(a.has("labels") || (!a.has("label-column") && !a.has("labels-id-column")),
                 "options --label-column and --labels-id-column need --labels");
  if (!a.has("labels")) return strata_from(a, g, nullptr);
  Samples s;
  s.ids = g.ids();
  join_labels(s, a.str("labels"), a.str_or("labels-id-column", ""), a.str_or("label-column", ""));
  return strata_from(a, g, &s);
}

void check_stratify(const Args& a, const std::vector<double>& targets) {
  if (!a.flag("stratify")) return;
  for (double t : targets)
    CLEAVE_EXPECTS(t == 0.0,
                   "option --stratify applies to zero-overlap splits only (--target-overlap {} "
                   "moves single samples after stratification and would undo it)",
                   t);
}

std::vector<SplitResult> make_partitions(const Graph& g, const PartitionOptions& opt,
                                         const std::vector<uint64_t>& seeds,
                                         const std::vector<double>& targets,
                                         const Strata* stratify) {
  auto zero = partition_splits(g, opt, seeds, !Progress::quiet());
  if (stratify)
    for (auto& z : zero) stratify_split(g, z, *stratify, opt);
  std::vector<SplitResult> splits;
  for (double t : targets)
    for (const auto& z : zero) {
      splits.push_back(partition_with_overlap(g, z, t, opt.test_fraction, z.seed, opt.tolerance));
      const auto& s = splits.back();
      if (s.valid && !s.reached)
        warn(fmt::format(
            "target {:.2f}, seed {}: overlap_frac {:.3f} is as close as single moves get "
            "(stats.tsv: reached 0)",
            t, s.seed, s.overlap.frac));
    }
  for (const auto& s : zero) {
    if (!s.valid) {
      warn(fmt::format("seed {}: no split (a side came out empty)", s.seed));
      continue;
    }
    const double kept = static_cast<double>(s.kept);
    const double tf = static_cast<double>(s.test) / kept;
    const double vf = static_cast<double>(s.validation) / kept;
    const double slack = std::max(opt.tolerance * kept, 1.0);  // as the library counts
    // In samples, with room for rounding: a side one sample off on a small
    // set is within the slack.
    const double test_off = std::abs(static_cast<double>(s.test) - opt.test_fraction * kept);
    const double valid_off =
        std::abs(static_cast<double>(s.validation) - opt.valid_fraction * kept);
    if (test_off > slack + 1e-9 || (opt.valid_fraction > 0 && valid_off > slack + 1e-9))
      warn(fmt::format(
          "seed {}: test fraction {:.3f}, validation fraction {:.3f}: outside the tolerance of "
          "{} (the graph's components allow no closer split)",
          s.seed, tf, vf, opt.tolerance));
  }
  return splits;
}

void add_strata_report(SplitSetLayout& layout, const std::vector<SplitResult>& splits,
                       const Strata& st, bool stratified) {
  std::printf("strata: %zu %s%s (strata.tsv)\n", st.size(),
              st.classes ? "classes" : "quantile bins of the label",
              stratified ? ", stratified" : ", not stratified");
  const std::size_t sides = layout.folds > 0 ? static_cast<std::size_t>(layout.folds) : 3;
  for (const auto& r : splits)
    if (r.valid)
      std::printf("%s: largest difference of a stratum's share on a side from all kept: %.4f\n",
                  split_dir_name(r.p, r.repeat, layout.dir_prefix).c_str(),
                  max_strata_difference(r.side, sides, st));
  layout.extra_files.emplace_back("strata.tsv", strata_tsv(splits, st, layout));
  // The manifest's options say how the sides were chosen.
  CLEAVE_EXPECTS(!layout.options_json.empty() && layout.options_json.back() == '}',
                 "partition options are not a JSON object");
  layout.options_json.pop_back();
  layout.options_json +=
      fmt::format(", \"stratify\": {}, \"strata\": {}}}", stratified,
                  st.classes ? std::string("\"classes\"") : fmt::format("{}", st.size()));
}

void print_partitions(const Graph& g, const std::vector<SplitResult>& splits) {
  std::printf("%-7s %-7s %-6s %-16s %-8s %-11s %-8s %-13s %s\n", "target", "repeat", "seed", "kept",
              "train", "validation", "test", "overlap_frac", "engine");
  for (const auto& s : splits) {
    if (!s.valid) continue;
    std::printf("%-7.2f %-7d %-6llu %-16s %-8llu %-11llu %-8llu %-13.4f %s\n", s.p, s.repeat,
                static_cast<unsigned long long>(s.seed),
                fmt::format("{} ({:.1f}%)", s.kept,
                            100.0 * static_cast<double>(s.kept) /
                                static_cast<double>(std::max<uint64_t>(1, g.num_nodes())))
                    .c_str(),
                static_cast<unsigned long long>(s.train),
                static_cast<unsigned long long>(s.validation),
                static_cast<unsigned long long>(s.test), s.overlap.frac, s.engine.c_str());
  }
}

int cmd_partition(const Args& a) {
  apply_common(a);
  const std::string graph_path = a.str("graph");
  const PartitionOptions opt = partition_options_from(a);
  const auto seeds = partition_seeds_from(a);
  const auto targets = targets_from(a);
  const OutputLock lock = lock_split_dir(a.str("out"));
  const auto folds = static_cast<uint32_t>(a.integer("folds", 0, 100));
  CLEAVE_EXPECTS(folds != 1, "option --folds: at least 2 folds (or 0 for a train/test split)");
  CLEAVE_EXPECTS(folds == 0 || (!a.has("valid-fraction") && !a.has("target-overlap") &&
                                !a.has("test-fraction")),
                 "option --folds replaces --test-fraction, --valid-fraction and --target-overlap");
  check_stratify(a, targets);
  Graph g = Graph::load(graph_path);
  const auto strata = strata_from(a, g);
  const Strata* stratify = a.flag("stratify") ? &*strata : nullptr;
  if (folds > 0) {
    std::vector<SplitResult> splits;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      splits.push_back(partition_folds(g, folds, opt, seeds[i], static_cast<int>(i)));
      if (stratify) stratify_folds(g, splits.back(), folds, *stratify, opt.tolerance);
    }
    SplitSetLayout layout = partition_layout(opt);
    layout.folds = static_cast<int>(folds);
    if (strata) add_strata_report(layout, splits, *strata, stratify != nullptr);
    const std::string inputs =
        fmt::format("{{\"graph\": {{\"path\": \"{}\", \"checksum\": \"{}\", \"parameters\": {}}}}}",
                    json_escape(std::filesystem::absolute(graph_path).string()),
                    hex64(checksum_file(graph_path)), g.meta().parameters);
    write_split_set(a.str("out"), g, splits, layout, inputs);
    for (const auto& s : splits)
      std::printf("repeat %d seed %llu: %llu kept (%.1f%%) in %u folds%s\n", s.repeat,
                  static_cast<unsigned long long>(s.seed), static_cast<unsigned long long>(s.kept),
                  100.0 * static_cast<double>(s.kept) /
                      static_cast<double>(std::max<uint64_t>(1, g.num_nodes())),
                  folds, s.valid ? "" : " (a fold came out empty: no split)");
    std::printf("wrote %zu fold sets to %s\n", splits.size(), a.str("out").c_str());
    return 0;
  }
  const auto splits = make_partitions(g, opt, seeds, targets, stratify);
  const std::string inputs =
      fmt::format("{{\"graph\": {{\"path\": \"{}\", \"checksum\": \"{}\", \"parameters\": {}}}}}",
                  json_escape(std::filesystem::absolute(graph_path).string()),
                  hex64(checksum_file(graph_path)), g.meta().parameters);
  SplitSetLayout layout = partition_layout(opt);
  if (strata) add_strata_report(layout, splits, *strata, stratify != nullptr);
  write_split_set(a.str("out"), g, splits, layout, inputs);
  print_partitions(g, splits);
  std::size_t valid = 0;
  for (const auto& s : splits) valid += s.valid;
  std::printf("wrote %zu of %zu splits to %s\n", valid, splits.size(), a.str("out").c_str());
  return 0;
}

}  // namespace cleave::cli
