// `cleave search` (queries against targets) and `cleave audit` (an existing
// split's test samples against its train samples): exact similarity over
// every pair, with the graph's per-pair arithmetic.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include <fmt/format.h>

#include "cleave/augood.hpp"
#include "cleave/error.hpp"
#include "cleave/search.hpp"
#include "cleave/util.hpp"
#include "cli/commands.hpp"
#include "cli/lock.hpp"

namespace cleave::cli {

namespace {

/// Options that shape the similarity of a pair (measure and alignment).
std::vector<OptionSpec> measure_options() {
  std::vector<OptionSpec> out;
  for (const OptionSpec& o : graph_options())
    if (o.name == "measure" || o.name == "align" || o.name == "gap-open" ||
        o.name == "gap-extend" || o.name == "match" || o.name == "mismatch" ||
        o.name == "identity" || o.name == "exhaustive" || o.name == "prefilter" ||
        o.name == "sensitivity")
      out.push_back(o);
  return out;
}

/// Input options without --input (search reads --query and --target).
std::vector<OptionSpec> reader_options() {
  std::vector<OptionSpec> out;
  for (const OptionSpec& o : input_options())
    if (o.name != "input") out.push_back(o);
  return out;
}

/// Measure and alignment settings from the options, for features f.
SearchOptions search_options_from(const Args& a, const FeatureView& f) {
  check_sequence_options(a, f.sequences != nullptr);
  CLEAVE_EXPECTS(!a.has("measure") || !f.sequences, "--measure applies to fingerprints only");
  CLEAVE_EXPECTS(!f.embeddings || !a.has("measure") || a.str("measure") == "cosine",
                 "embeddings are compared by cosine similarity only");
  DatasetOptions d;
  if (f.sequences) d.sequences = sequence_settings(a);
  if (a.has("measure")) d.molecules.measure = measure_from_name(a.str("measure"));
  Context ctx;
  ctx.progress = !Progress::quiet();
  SearchOptions o = search_settings(d, f, ctx);
  o.backend = backend_from_name(a.str("backend"));
  return o;
}

/// --backend of search and audit.
std::vector<OptionSpec> backend_options() {
  return {{"backend", "NAME",
           "auto, cpu or cuda. cuda: fingerprints on the GPU's query x target kernel, results "
           "identical to cpu (fails without a usable device; embeddings and sequences are cpu "
           "only). auto: cpu, since no run on a device has validated the kernel yet",
           "auto"}};
}

/// Memory budget, work directory and block size of a search.
std::vector<OptionSpec> block_options() {
  return {{"max-memory", "SIZE",
           "memory budget, e.g. 8G (default: a quarter of RAM): sets how many queries go in one "
           "block; results are written block by block, so only one block's hits are held",
           ""},
          {"work-dir", "DIR",
           "checkpoint directory: each finished block of queries is kept there, and a rerun "
           "with the same inputs and options resumes from it; emptied on success",
           ""},
          {"block-rows", "N",
           "queries per block (default: from --max-memory and --threads; a resumed run keeps its "
           "checkpoint's)",
           ""}};
}

/// Applies --max-memory, --work-dir and --block-rows to o.
void apply_block_options(const Args& a, SearchOptions& o) {
  if (a.has("max-memory")) o.max_memory = parse_size("max-memory", a.str("max-memory"));
  if (a.has("work-dir")) o.work_dir = a.str("work-dir");
  if (a.has("block-rows"))
    o.block_rows = static_cast<uint64_t>(a.integer("block-rows", 1, 1L << 32));
}

double threshold_from(const Args& a, const FeatureView& f) {
  return a.real("threshold", f.embeddings ? -1.0 : 0.0, 1.0);
}

}  // namespace

std::vector<OptionSpec> search_cmd_options() {
  return join({{{"query", "FILE", "query dataset (any format with features)", ""},
                {"target", "FILE", "target dataset, the same kind of features", ""},
                {"out", "FILE", "hits TSV: query_id target_id similarity", ""},
                {"threshold", "T", "report targets with similarity >= T", ""},
                {"top", "K", "report the K most similar targets of each query", ""}},
               reader_options(),
               measure_options(),
               block_options(),
               backend_options(),
               common_options()});
}

std::vector<OptionSpec> audit_cmd_options() {
  return join({input_options(),
               {{"split", "PATH",
                 "the split: a folder with train.txt and test.txt (validation.txt optional), a "
                 "CSV with a split column, or a split set from cleave split/partition",
                 ""},
                {"split-column", "NAME", "CSV split: column of train/valid/test", "split"},
                {"split-id-column", "NAME", "CSV split: column of ids (default: the first)", ""},
                {"out", "DIR", "directory for nearest.tsv, summary.tsv and report.html", ""},
                {"threshold", "T",
                 "graph threshold of the overlap columns (the graph defaults: 0.4 fingerprints, "
                 "0.3 proteins, 0.9 DNA, 0.9 cosine)",
                 ""},
                {"levels", "LIST", "similarity levels for the frac_ge columns, comma separated",
                 "0.3,0.4,...,1.0"},
                {"against", "SIDES", "reference side: train, or train,validation", "train"}},
               measure_options(),
               block_options(),
               backend_options(),
               common_options()});
}

int cmd_search(const Args& a) {
  apply_common(a);
  CLEAVE_EXPECTS(a.has("threshold") || a.has("top"), "give --threshold, --top or both");
  const std::string out = a.str("out");
  const OutputLock lock = lock_output_file(out);
  const Dataset q = load_input(a, a.str("query"), 1);
  const Dataset t = load_input(a, a.str("target"), 1);
  const FeatureView fq = dataset_features(q), ft = dataset_features(t);
  SearchOptions opt = search_options_from(a, fq);
  if (a.has("threshold")) opt.threshold = threshold_from(a, fq);
  if (a.has("top")) opt.top = static_cast<uint32_t>(a.integer("top", 1, 1L << 30));
  // Ties between targets go to the smaller id.
  const auto& tid = t.samples.ids;
  const std::vector<uint64_t> rank = id_ranks(tid);
  apply_block_options(a, opt);
  // Hits go out block by block as the search finishes them; the file
  // appears, whole, only once every block is written.
  AtomicFile file(out);
  std::FILE* f = file.stream();
  std::fputs(kHitsHeader, f);
  uint64_t hits = 0;
  search_blocks(fq, ft, opt, rank, [&](uint64_t first, const SearchResult& r) {
    write_hits(f, q.samples.ids, first, tid, r);
    hits += r.hits.size();
  });
  file.commit();
  std::printf("wrote %s: %llu hits of %zu queries against %zu targets\n", out.c_str(),
              static_cast<unsigned long long>(hits), q.samples.size(), tid.size());
  return 0;
}

int cmd_audit(const Args& a) {
  apply_common(a);
  const std::string out = a.str("out");
  const Dataset in = load_input(a);
  const FeatureView f = dataset_features(in);
  AuditOptions opt;
  opt.search = search_options_from(a, f);
  opt.threshold = a.has("threshold") ? threshold_from(a, f) : default_search_threshold(f);
  if (a.has("levels")) opt.levels = a.reals("levels", -1.0, 1.0);
  const std::string against = a.str("against");
  CLEAVE_EXPECTS(against == "train" || against == "train,validation",
                 "option --against: expected train or train,validation, got '{}'", against);
  opt.against_validation = against == "train,validation";
  const std::vector<SplitAssignment> splits = read_splits(
      a.str("split"), in.samples, a.str("split-column"), a.str_or("split-id-column", ""));
  apply_block_options(a, opt.search);
  const std::vector<AuditResult> audits = audit_splits(f, in.samples, splits, opt);
  // The output folder appears only once the audit has succeeded.
  const OutputLock lock = lock_output_dir(out);
  write_audit(out, in.samples, audits, opt);
  for (const AuditResult& r : audits)
    for (const AuditSummary& s : r.summaries)
      std::printf("%s %s: %llu samples, %.1f%% with a reference neighbour >= %g, mean max %s\n",
                  r.name.c_str(), split_side_name(s.side),
                  static_cast<unsigned long long>(s.samples), 100 * s.overlap_frac, opt.threshold,
                  std::isnan(s.mean_max_similarity)
                      ? "NA"
                      : fmt::format("{:.3f}", s.mean_max_similarity).c_str());
  std::printf("wrote %s/summary.tsv, nearest.tsv and report.html\n", out.c_str());
  return 0;
}

std::vector<OptionSpec> augood_cmd_options() {
  return {{"curve", "CSV",
           "model scores at similarity thresholds: columns threshold, score, "
           "optional metric",
           ""},
          {"deployment", "TSV",
           "each deployment sample's max similarity to the training data, e.g. the "
           "nearest.tsv of cleave audit",
           ""},
          {"column", "NAME", "column of --deployment holding the similarity", "max_similarity"},
          {"out", "FILE", "also write the GOOD curve as TSV", ""}};
}

int cmd_augood(const Args& a) {
  std::vector<double> thresholds, scores;
  std::vector<std::string> metrics;
  read_good_curve(a.str("curve"), thresholds, scores, metrics);
  const auto deployment = read_similarity_column(a.str("deployment"), a.str("column"));
  const auto results = au_good(thresholds, scores, metrics, deployment);
  std::string tsv = "metric\tthreshold\tscore\trows\tdeployed\tweight\tgood\n";
  for (const GoodResult& r : results) {
    for (const GoodPoint& p : r.points)
      tsv += fmt::format("{}\t{}\t{:.6f}\t{}\t{}\t{:.6f}\t{:.6f}\n", r.metric, p.threshold, p.score,
                         p.rows, p.deployed, p.weight, p.weight * p.score);
    std::printf(
        "%s: AU-GOOD %.4f (%llu deployment samples above the largest threshold, "
        "not weighted)\n",
        r.metric.c_str(), r.au_good, static_cast<unsigned long long>(r.outside));
  }
  if (a.has("out")) write_file_atomic(a.str("out"), tsv);
  return 0;
}

}  // namespace cleave::cli
