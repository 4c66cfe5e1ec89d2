// A dataset's overlap graph with the settings of its kind: defaults and
// validation of every graph setting, shared by the CLI and the C API.
#include <cmath>

#include <fmt/format.h>

#include "cleave/dataset.hpp"
#include "cleave/error.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"

namespace cleave {

namespace {

/// The threshold given, or the kind's default; in [0, 1], or (0, 1] when
/// it must be positive (all-pairs similarity keeps pairs >= it as edges).
double checked_threshold(const std::optional<double>& t, double fallback, bool positive,
                         const char* what) {
  const double v = t.value_or(fallback);
  CLEAVE_EXPECTS((positive ? v > 0.0 : v >= 0.0) && v <= 1.0,
                 "{} threshold must be in {}0, 1] (got {})", what, positive ? "(" : "[", v);
  return v;
}

SimilarityOptions similarity_options(const Context& ctx) {
  CLEAVE_EXPECTS(ctx.threads >= 0, "threads must be >= 0 (got {})", ctx.threads);
  SimilarityOptions opt;
  opt.threads = ctx.threads;
  opt.progress = ctx.progress;
  opt.backend = ctx.backend;
  opt.max_memory = ctx.max_memory;
  opt.work_dir = ctx.work_dir;
  return opt;
}

Graph sequences_graph(const Dataset& in, const SequenceSettings& s, const Context& ctx,
                      std::string& params) {
  const AlignOptions opt = align_options(s, in.sequences->alphabet, ctx);
  Graph g = sequence_graph(*in.sequences, opt);
  params = fmt::format(
      "{{\"input\": {}, \"measure\": \"identity\", \"threshold\": {}, \"align\": \"{}\", "
      "\"identity\": \"{}\", \"search\": \"{}\", \"alignment\": {}}}",
      dataset_json(in), opt.threshold, opt.mode == AlignMode::local ? "local" : "global",
      identity_kind_name(resolved_identity(opt)), search_mode_name(opt.search),
      g.meta().parameters.empty() ? "{}" : g.meta().parameters);
  return g;
}

}  // namespace

AlignOptions align_options(const SequenceSettings& s, Alphabet alphabet, const Context& ctx) {
  AlignOptions opt;
  opt.mode = s.mode;
  CLEAVE_EXPECTS(s.gap_open <= 1000 && s.gap_extend <= 1000,
                 "gap costs must be at most 1000 (got open {}, extend {})", s.gap_open,
                 s.gap_extend);
  opt.gap_open = s.gap_open;
  opt.gap_extend = s.gap_extend;
  CLEAVE_EXPECTS(std::abs(s.match) <= 1000 && std::abs(s.mismatch) <= 1000,
                 "match and mismatch scores must be within [-1000, 1000]");
  opt.match = s.match;
  opt.mismatch = s.mismatch;
  opt.identity = s.identity;
  opt.threshold =
      checked_threshold(s.threshold, default_identity_threshold(alphabet), false, "the identity");
  opt.search = s.search;
  CLEAVE_EXPECTS(s.sensitivity >= 1.0 && s.sensitivity <= 9.0,
                 "prefilter sensitivity must be in [1, 9] (got {})", s.sensitivity);
  opt.sensitivity = s.sensitivity;
  CLEAVE_EXPECTS(ctx.threads >= 0, "threads must be >= 0 (got {})", ctx.threads);
  opt.backend = ctx.backend;
  opt.threads = ctx.threads;
  opt.progress = ctx.progress;
  opt.max_memory = ctx.max_memory;
  opt.work_dir = ctx.work_dir;
  return opt;
}

Graph dataset_graph(const Dataset& in, const DatasetOptions& o, const Context& ctx) {
  const ContextScope scope(ctx);
  check_cancelled(current_call_hooks());
  std::string params;
  Graph g;
  if (in.pairs_graph) {
    g = *in.pairs_graph;
    params = fmt::format("{{\"input\": {}, \"measure\": \"precomputed\", \"threshold\": {}}}",
                         dataset_json(in), g.meta().threshold);
  } else if (in.mutations) {
    g = mutation_graph(*in.mutations, ctx.threads);
    params = fmt::format("{{\"input\": {}, \"measure\": \"mutation\"}}", dataset_json(in));
  } else if (in.sequences) {
    g = sequences_graph(in, o.sequences, ctx, params);
  } else if (in.embeddings) {
    SimilarityOptions opt = similarity_options(ctx);
    opt.measure = Measure::cosine;
    opt.threshold =
        checked_threshold(o.embeddings.threshold, kDefaultEmbeddingThreshold, true, "the cosine");
    opt.gemm_precision = o.embeddings.gemm_precision;
    g = embedding_graph(*in.embeddings, opt);
    params =
        fmt::format("{{\"input\": {}, \"measure\": \"cosine\", \"threshold\": {}, \"dim\": {}}}",
                    dataset_json(in), opt.threshold, in.embeddings->dim);
  } else if (in.fps) {
    const MoleculeSettings& m = o.molecules;
    SimilarityOptions opt = similarity_options(ctx);
    opt.measure = m.measure;
    CLEAVE_EXPECTS(m.measure == Measure::tanimoto || m.measure == Measure::dice ||
                       m.measure == Measure::cosine,
                   "measure {} does not apply to fingerprints (use tanimoto, dice or cosine)",
                   measure_name(m.measure));
    opt.threshold =
        checked_threshold(m.threshold, kDefaultFingerprintThreshold, true, "the fingerprint");
    g = fingerprint_graph(*in.fps, opt);
    params = fmt::format(
        "{{\"input\": {}, \"measure\": \"{}\", \"threshold\": {}, \"radius\": {}, "
        "\"nbits\": {}}}",
        dataset_json(in), measure_name(opt.measure), opt.threshold, m.radius, in.fps->n_bits);
  } else {
    CLEAVE_FAIL(invalid_argument, "the dataset holds no features to compare");
  }
  GraphMeta meta = g.meta();
  meta.parameters = params;
  g.set_meta(std::move(meta));
  g.set_ids(in.samples.ids);
  return g;
}

Graph graph_from_file(const std::filesystem::path& path, const DatasetOptions& opt,
                      const Context& ctx) {
  return dataset_graph(load_dataset(path, opt, ctx), opt, ctx);
}

}  // namespace cleave
