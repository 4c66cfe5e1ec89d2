// Reading inputs and building graphs, shared by `graph`, `baseline` and `run`.
#include <cerrno>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "cleave/embedding.hpp"
#include "cleave/error.hpp"
#include "cleave/sequence.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"
#include "cli/commands.hpp"
#include "dist/comm.hpp"

namespace cleave::cli {

std::vector<OptionSpec> common_options() {
  return {{"threads", "N", "worker threads (0 = all cores)", "0"},
          {"quiet", "", "no progress output", ""},
          {"gpus-per-node", "N",
           "under mpirun/srun: rank uses GPU (local rank mod N); 0 = mod the GPUs it sees", "0"}};
}

void apply_common(const Args& a) {
  set_num_threads(static_cast<int>(a.integer("threads", 0, 4096)));
  if (a.flag("quiet")) Progress::set_quiet(true);
  dist::select_device(static_cast<int>(a.integer("gpus-per-node", 0, 1024)));
}

std::vector<OptionSpec> input_options() {
  return {
      {"input", "FILE",
       "dataset: SMILES CSV/SMI, FPS, DMS CSV, pairs TSV, FASTA (.gz) or NPY embeddings", ""},
      {"format", "NAME", "auto, csv, smi, fps, dms, pairs, fasta or npy", "auto"},
      {"id-column", "NAME", "CSV column of sample ids (auto: id, name, CID, ...)", ""},
      {"smiles-column", "NAME", "CSV column of SMILES (auto: smiles, SMILES, ...)", ""},
      {"label-column", "NAME", "column of numeric labels (CSV, DMS or --labels file)", ""},
      {"labels", "FILE", "CSV joining labels to the input by id (first column = id)", ""},
      {"labels-id-column", "NAME", "id column of the --labels file", ""},
      {"ids", "FILE", "sample ids for a pairs or NPY file, one per line", ""},
      {"radius", "R", "Morgan fingerprint radius", "2"},
      {"nbits", "N", "Morgan fingerprint size in bits", "2048"},
      {"strict", "", "fail on an unparseable SMILES instead of skipping it", ""},
      {"alphabet", "NAME", "FASTA alphabet: auto, protein or dna", "auto"},
      {"invalid", "POLICY",
       "FASTA residues outside the alphabet: error, replace (by X or N) or skip the record",
       "error"},
  };
}

std::vector<OptionSpec> graph_options() {
  return {
      {"measure", "NAME", "tanimoto, dice or cosine (fingerprints)", "tanimoto"},
      {"threshold", "T",
       "edge when similarity >= T (default 0.4 for fingerprints, identity 0.3 for proteins and "
       "0.9 for DNA, 0.9 cosine for NPY, > 0 for pairs; not for DMS, where sharing a mutation "
       "makes an edge)",
       ""},
      {"align", "MODE", "FASTA: global (Needleman-Wunsch) or local (Smith-Waterman)", "global"},
      {"gap-open", "N", "FASTA: cost of a gap's first residue (default 11 protein, 5 DNA)", ""},
      {"gap-extend", "N", "FASTA: cost of each further gap residue (default 1 protein, 2 DNA)", ""},
      {"match", "N", "FASTA DNA: match score", "2"},
      {"mismatch", "N", "FASTA DNA: mismatch score", "-3"},
      {"identity", "KIND",
       "FASTA: identical columns over: full (every column, end gaps too, as EMBOSS needle), "
       "aligned (parasail's stats length; SPECTRA's earlier default), shorter (the shorter "
       "sequence, as CD-HIT); auto = full for global, aligned for local",
       "auto"},
      {"exhaustive", "", "FASTA: align every pair (default: only when that is cheap)", ""},
      {"prefilter", "", "FASTA: align only the seed prefilter's candidates, whatever the size", ""},
      {"sensitivity", "S",
       "FASTA prefilter: 1 (fast) to 9 (finds more distant pairs); recall in bench/RESULTS.md",
       "5"},
      {"max-memory", "SIZE",
       "memory budget for all-pairs work, e.g. 8G (default: a quarter of RAM)", ""},
      {"work-dir", "DIR", "checkpoint directory: a killed graph build resumes from it", ""},
  };
}

InputData load_input(const Args& a) {
  InputData in;
  in.path = a.str("input");
  std::error_code ec;
  CLEAVE_EXPECTS(std::filesystem::is_regular_file(in.path, ec),
                 "cannot read input {}: no such file", in.path.string());
  in.format = input_format_from_name(a.str("format"));
  if (in.format == InputFormat::automatic) in.format = detect_format(in.path);
  const bool molecule_opts = a.has("smiles-column") || a.has("radius") || a.has("nbits");
  CLEAVE_EXPECTS(!molecule_opts || in.format == InputFormat::csv || in.format == InputFormat::smi,
                 "--smiles-column, --radius and --nbits apply to SMILES input only");
  CLEAVE_EXPECTS(!a.has("ids") || in.format == InputFormat::pairs || in.format == InputFormat::npy,
                 "--ids applies to pairs and NPY input only");
  const bool fasta_opts = a.has("alphabet") || a.has("invalid");
  CLEAVE_EXPECTS(!fasta_opts || in.format == InputFormat::fasta,
                 "--alphabet and --invalid apply to FASTA input only");
  const bool no_label_join = in.format == InputFormat::fps || in.format == InputFormat::dms ||
                             in.format == InputFormat::pairs;
  for (const char* o : {"id-column", "strict"})
    CLEAVE_EXPECTS(!no_label_join || !a.has(o), "--{} applies to CSV or SMI input only", o);
  CLEAVE_EXPECTS(!a.has("label-column") || a.has("labels") || in.format == InputFormat::csv ||
                     in.format == InputFormat::smi || in.format == InputFormat::dms,
                 "--label-column needs --labels for this input (it has no label column)");
  switch (in.format) {
    case InputFormat::csv:
    case InputFormat::smi: {
      MoleculeReadOptions opt;
      opt.id_column = a.str_or("id-column", "");
      opt.smiles_column = a.str_or("smiles-column", "");
      opt.label_column = a.str_or("label-column", "");
      opt.labels_file = a.str_or("labels", "");
      opt.labels_id_column = a.str_or("labels-id-column", "");
      opt.radius = static_cast<unsigned>(a.integer("radius", 0, 16));
      opt.n_bits = static_cast<unsigned>(a.integer("nbits", 8, 1 << 20));
      opt.strict = a.flag("strict");
      MoleculeSet m = read_molecules(in.path, opt);
      in.n_skipped = m.n_skipped;
      if (m.n_skipped) {
        std::string notes;
        for (const auto& n : m.skipped_notes) notes += "\n  " + n;
        warn(fmt::format("skipped {} unparseable SMILES (use --strict to fail instead):{}",
                         m.n_skipped, notes));
      }
      in.samples = std::move(m.samples);
      in.fps = std::move(m.fps);
      break;
    }
    case InputFormat::fps: {
      MoleculeSet m = read_fps(in.path);
      in.samples = std::move(m.samples);
      in.fps = std::move(m.fps);
      break;
    }
    case InputFormat::dms: {
      DmsReadOptions opt;
      if (a.has("label-column")) opt.label_column = a.str("label-column");
      MutationSet m = read_dms(in.path, opt);
      in.samples = m.samples;
      in.mutations = std::move(m);
      break;
    }
    case InputFormat::pairs: {
      double t = a.has("threshold") ? a.real("threshold", -1e300, 1e300)
                                    : std::numeric_limits<double>::denorm_min();
      in.pairs_graph = read_pairs_graph(in.path, a.str_or("ids", ""), t);
      in.samples.ids = in.pairs_graph->ids();
      in.samples.checksum = checksum_file(in.path);
      break;
    }
    case InputFormat::fasta: {
      FastaReadOptions opt;
      opt.alphabet = alphabet_from_name(a.str("alphabet"));
      opt.invalid = invalid_residue_from_name(a.str("invalid"));
      Sequences seqs = read_fasta(in.path, opt);
      in.n_skipped = seqs.n_skipped;
      if (seqs.n_skipped || seqs.n_replaced) {
        std::string notes;
        for (const auto& n : seqs.skipped_notes) notes += "\n  " + n;
        warn(fmt::format("{}: {} records skipped, {} residues replaced (--invalid {}){}",
                         in.path.string(), seqs.n_skipped, seqs.n_replaced, a.str("invalid"),
                         notes));
      }
      in.samples = seqs.samples;
      in.sequences = std::move(seqs);
      break;
    }
    case InputFormat::npy: {
      EmbeddingSet emb = read_npy(in.path);
      in.samples.ids.reserve(emb.size());
      for (std::size_t i = 0; i < emb.size(); ++i) in.samples.ids.push_back(std::to_string(i));
      in.samples.checksum = emb.checksum;
      in.embeddings = std::move(emb);
      break;
    }
    case InputFormat::automatic:
      CLEAVE_FAIL(internal, "input format not resolved");
  }
  if (in.format == InputFormat::npy && a.has("ids")) {
    auto ids = read_id_list(a.str("ids"));
    CLEAVE_EXPECTS(ids.size() == in.samples.size(), "{}: {} ids for {} embedding rows",
                   a.str("ids"), ids.size(), in.samples.size());
    in.samples.ids = std::move(ids);
  }
  if (a.has("labels") && in.format != InputFormat::csv && in.format != InputFormat::smi)
    join_labels(in.samples, a.str("labels"), a.str_or("labels-id-column", ""),
                a.str_or("label-column", ""));
  CLEAVE_EXPECTS(in.samples.size() >= 2, "{}: needs at least 2 samples, found {}", in.path.string(),
                 in.samples.size());
  return in;
}

namespace {
const char* format_name(InputFormat f) {
  switch (f) {
    case InputFormat::csv:
      return "csv";
    case InputFormat::smi:
      return "smi";
    case InputFormat::fps:
      return "fps";
    case InputFormat::dms:
      return "dms";
    case InputFormat::pairs:
      return "pairs";
    case InputFormat::fasta:
      return "fasta";
    case InputFormat::npy:
      return "npy";
    case InputFormat::automatic:
      break;
  }
  return "auto";
}
}  // namespace

std::string input_json(const InputData& in) {
  return fmt::format(
      "{{\"path\": \"{}\", \"format\": \"{}\", \"checksum\": \"{}\", \"samples\": {}, "
      "\"skipped\": {}, \"labels\": {}}}",
      json_escape(std::filesystem::absolute(in.path).string()), format_name(in.format),
      hex64(in.samples.checksum), in.samples.size(), in.n_skipped,
      in.samples.has_labels() ? fmt::format("\"{}\"", json_escape(in.samples.label_name))
                              : std::string("null"));
}

uint64_t graph_checksum(const Args& a, const InputData& in) {
  Checksum sum;
  sum.update_value(in.samples.checksum);
  sum.update(format_name(in.format));
  // Every option that shapes the graph, as given or defaulted; the memory
  // budget, work directory and backend change how, not what.
  std::vector<std::string> names = {"radius",  "nbits",     "alphabet",
                                    "invalid", "id-column", "smiles-column"};
  for (const auto& o : graph_options())
    if (o.name != "max-memory" && o.name != "work-dir") names.push_back(o.name);
  for (const auto& name : names) sum.update(name + "=" + a.str_or(name, "") + "\x1f");
  sum.update_value(in.n_skipped);
  return sum.digest();
}

namespace {

uint64_t parse_size(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  CLEAVE_EXPECTS(end != text.c_str() && errno == 0 && v > 0,
                 "option --max-memory: '{}' is not a size (e.g. 512M, 8G)", text);
  std::string unit(end);
  double scale = 1;
  if (unit == "K" || unit == "k" || unit == "KB" || unit == "KiB")
    scale = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MiB")
    scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GiB")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TiB")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    CLEAVE_EXPECTS(unit.empty(), "option --max-memory: unknown unit '{}' (use K, M, G or T)", unit);
  return static_cast<uint64_t>(v * scale);
}

Backend graph_backend(const Args& a) {
  return a.has("backend") ? backend_from_name(a.str("backend")) : Backend::automatic;
}

}  // namespace

Graph build_graph(const Args& a, const InputData& in) {
  std::string params;
  Graph g;
  const uint64_t max_memory = a.has("max-memory") ? parse_size(a.str("max-memory")) : 0;
  const std::string work_dir = a.str_or("work-dir", "");
  const bool fasta = in.sequences.has_value();
  for (const char* o : {"align", "gap-open", "gap-extend", "match", "mismatch", "identity",
                        "exhaustive", "prefilter", "sensitivity"})
    CLEAVE_EXPECTS(fasta || !a.has(o), "--{} applies to FASTA input only", o);
  CLEAVE_EXPECTS(!(a.has("exhaustive") && a.has("prefilter")),
                 "--exhaustive and --prefilter exclude each other");
  CLEAVE_EXPECTS(!(a.has("exhaustive") && a.has("sensitivity")),
                 "--sensitivity sets the prefilter, which --exhaustive turns off");
  CLEAVE_EXPECTS(!a.has("measure") || in.fps || in.embeddings,
                 "--measure applies to fingerprints only");
  if (in.pairs_graph) {
    g = *in.pairs_graph;
    params = fmt::format("{{\"input\": {}, \"measure\": \"precomputed\", \"threshold\": {}}}",
                         input_json(in), g.meta().threshold);
  } else if (in.mutations) {
    CLEAVE_EXPECTS(!a.has("threshold"),
                   "--threshold does not apply to DMS input: two variants are similar when they "
                   "share a mutation");
    g = mutation_graph(*in.mutations);
    params = fmt::format("{{\"input\": {}, \"measure\": \"mutation\"}}", input_json(in));
  } else if (fasta) {
    AlignOptions opt;
    opt.mode = align_mode_from_name(a.str("align"));
    if (a.has("gap-open")) opt.gap_open = static_cast<int>(a.integer("gap-open", 0, 1000));
    if (a.has("gap-extend")) opt.gap_extend = static_cast<int>(a.integer("gap-extend", 0, 1000));
    opt.match = static_cast<int>(a.integer("match", -1000, 1000));
    opt.mismatch = static_cast<int>(a.integer("mismatch", -1000, 1000));
    opt.identity = identity_kind_from_name(a.str("identity"));
    opt.threshold = a.has("threshold") ? a.real("threshold", 0.0, 1.0)
                                       : default_identity_threshold(in.sequences->alphabet);
    opt.search = a.has("exhaustive")  ? SearchMode::exhaustive
                 : a.has("prefilter") ? SearchMode::prefilter
                                      : SearchMode::automatic;
    opt.sensitivity = a.real("sensitivity", 1.0, 9.0);
    opt.backend = graph_backend(a);
    opt.progress = !Progress::quiet();
    opt.max_memory = max_memory;
    opt.work_dir = work_dir;
    g = sequence_graph(*in.sequences, opt);
    params = fmt::format(
        "{{\"input\": {}, \"measure\": \"identity\", \"threshold\": {}, \"align\": \"{}\", "
        "\"identity\": \"{}\", \"search\": \"{}\", \"alignment\": {}}}",
        input_json(in), opt.threshold, a.str("align"), identity_kind_name(resolved_identity(opt)),
        search_mode_name(opt.search), g.meta().parameters.empty() ? "{}" : g.meta().parameters);
  } else {
    SimilarityOptions opt;
    opt.measure = measure_from_name(a.has("measure") ? a.str("measure")
                                                     : (in.embeddings ? "cosine" : "tanimoto"));
    CLEAVE_EXPECTS(!in.embeddings || opt.measure == Measure::cosine,
                   "embeddings are compared by cosine similarity only");
    CLEAVE_EXPECTS(opt.measure == Measure::tanimoto || opt.measure == Measure::dice ||
                       opt.measure == Measure::cosine,
                   "--measure {} does not apply to fingerprints (use tanimoto, dice or cosine)",
                   a.str("measure"));
    opt.threshold = a.has("threshold") ? a.real("threshold", in.embeddings ? -1.0 : 0.0, 1.0)
                                       : (in.embeddings ? 0.9 : 0.4);
    opt.progress = !Progress::quiet();
    opt.backend = graph_backend(a);
    opt.max_memory = max_memory;
    opt.work_dir = work_dir;
    if (in.embeddings) {
      g = embedding_graph(*in.embeddings, opt);
      params =
          fmt::format("{{\"input\": {}, \"measure\": \"cosine\", \"threshold\": {}, \"dim\": {}}}",
                      input_json(in), opt.threshold, in.embeddings->dim);
    } else {
      g = fingerprint_graph(*in.fps, opt);
      params = fmt::format(
          "{{\"input\": {}, \"measure\": \"{}\", \"threshold\": {}, \"radius\": {}, "
          "\"nbits\": {}}}",
          input_json(in), measure_name(opt.measure), opt.threshold, a.str_or("radius", "2"),
          in.fps->n_bits);
    }
  }
  GraphMeta meta = g.meta();
  meta.input_checksum = graph_checksum(a, in);
  meta.parameters = params;
  g.set_meta(std::move(meta));
  g.set_ids(in.samples.ids);
  return g;
}

}  // namespace cleave::cli
