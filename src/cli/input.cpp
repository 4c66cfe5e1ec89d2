// Reading inputs and building graphs, shared by `graph`, `baseline` and `run`.
#include <cerrno>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "cleave/dataset.hpp"
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
      {"max-line-length", "SIZE", "longest line of text input accepted, e.g. 256M", "64M"},
      {"max-smiles-length", "N", "longest SMILES accepted (characters)", "10000"},
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
       "FASTA prefilter: 1 (fast) to 9 (finds more distant pairs); at 3 to 6, inputs that "
       "would make over 1e10 chance seed hits take heavier seeds; recall in bench/RESULTS.md",
       "5"},
      {"gemm-precision", "P",
       "NPY on the cuda backend: GEMM inputs fp32, tf32 or bf16 (tensor cores); candidates "
       "are re-checked in fp32, so the graph's edges are the same",
       "fp32"},
      {"max-memory", "SIZE",
       "memory budget for all-pairs work, e.g. 8G (default: a quarter of RAM)", ""},
      {"work-dir", "DIR", "checkpoint directory: a killed graph build resumes from it", ""},
  };
}

/// "8G", "512M", ... in bytes; `option` names the option in messages.
uint64_t parse_size(const char* option, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  CLEAVE_EXPECTS(end != text.c_str() && errno == 0 && v > 0,
                 "option --{}: '{}' is not a size (e.g. 512M, 8G)", option, text);
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
    CLEAVE_EXPECTS(unit.empty(), "option --{}: unknown unit '{}' (use K, M, G or T)", option, unit);
  return static_cast<uint64_t>(v * scale);
}

SequenceSettings sequence_settings(const Args& a) {
  SequenceSettings s;
  if (a.has("alphabet")) s.alphabet = alphabet_from_name(a.str("alphabet"));
  if (a.has("invalid")) s.invalid = invalid_residue_from_name(a.str("invalid"));
  if (a.has("align")) s.mode = align_mode_from_name(a.str("align"));
  if (a.has("gap-open")) s.gap_open = static_cast<int>(a.integer("gap-open", 0, 1000));
  if (a.has("gap-extend")) s.gap_extend = static_cast<int>(a.integer("gap-extend", 0, 1000));
  if (a.has("match")) s.match = static_cast<int>(a.integer("match", -1000, 1000));
  if (a.has("mismatch")) s.mismatch = static_cast<int>(a.integer("mismatch", -1000, 1000));
  if (a.has("identity")) s.identity = identity_kind_from_name(a.str("identity"));
  s.search = a.has("exhaustive")  ? SearchMode::exhaustive
             : a.has("prefilter") ? SearchMode::prefilter
                                  : SearchMode::automatic;
  if (a.has("sensitivity")) s.sensitivity = a.real("sensitivity", 1.0, 9.0);
  return s;
}

void check_sequence_options(const Args& a, bool sequences) {
  for (const char* o : {"align", "gap-open", "gap-extend", "match", "mismatch", "identity",
                        "exhaustive", "prefilter", "sensitivity"})
    CLEAVE_EXPECTS(sequences || !a.has(o), "--{} applies to FASTA input only", o);
  CLEAVE_EXPECTS(!(a.has("exhaustive") && a.has("prefilter")),
                 "--exhaustive and --prefilter exclude each other");
  CLEAVE_EXPECTS(!(a.has("exhaustive") && a.has("sensitivity")),
                 "--sensitivity sets the prefilter, which --exhaustive turns off");
}

namespace {

/// The library's dataset settings from the options given; options not given
/// keep the library's defaults (include/cleave/dataset.hpp).
DatasetOptions dataset_options(const Args& a, InputFormat format) {
  DatasetOptions o;
  o.format = format;
  auto text = [&](const char* name, std::string& field) {
    if (a.has(name)) field = a.str(name);
  };
  auto path = [&](const char* name, std::filesystem::path& field) {
    if (a.has(name)) field = a.str(name);
  };
  MoleculeSettings& m = o.molecules;
  text("id-column", m.id_column);
  text("smiles-column", m.smiles_column);
  if (a.has("radius")) m.radius = static_cast<unsigned>(a.integer("radius", 0, 16));
  if (a.has("nbits")) m.n_bits = static_cast<unsigned>(a.integer("nbits", 8, 1 << 20));
  m.strict = a.flag("strict");
  if (a.has("max-smiles-length"))
    m.max_smiles_length = static_cast<std::size_t>(a.integer("max-smiles-length", 1, 1L << 40));
  if (a.has("measure")) m.measure = measure_from_name(a.str("measure"));
  LabelSettings& l = o.labels;
  text("label-column", l.column);
  path("labels", l.file);
  text("labels-id-column", l.id_column);
  path("ids", l.ids_file);
  if (a.has("gemm-precision"))
    o.embeddings.gemm_precision = gemm_precision_from_name(a.str("gemm-precision"));
  SequenceSettings& s = o.sequences;
  s = sequence_settings(a);
  if (a.has("threshold")) {
    switch (format) {
      case InputFormat::pairs:
        o.pairs.threshold = a.real("threshold", -1e300, 1e300);
        break;
      case InputFormat::npy:
        o.embeddings.threshold = a.real("threshold", -1.0, 1.0);
        break;
      case InputFormat::fasta:
        s.threshold = a.real("threshold", 0.0, 1.0);
        break;
      default:
        m.threshold = a.real("threshold", 0.0, 1.0);
    }
  }
  return o;
}

Context context_from(const Args& a) {
  Context ctx;
  if (a.has("backend")) ctx.backend = backend_from_name(a.str("backend"));
  if (a.has("max-memory")) ctx.max_memory = parse_size("max-memory", a.str("max-memory"));
  if (a.has("work-dir")) ctx.work_dir = a.str("work-dir");
  ctx.progress = !Progress::quiet();
  return ctx;
}

}  // namespace

Dataset load_input(const Args& a) {
  return load_input(a, a.str("input"));
}

Dataset load_input(const Args& a, const std::filesystem::path& path, std::size_t min_samples) {
  std::error_code ec;
  CLEAVE_EXPECTS(std::filesystem::is_regular_file(path, ec), "cannot read input {}: no such file",
                 path.string());
  if (a.has("max-line-length"))
    set_max_line_length(parse_size("max-line-length", a.str("max-line-length")));
  InputFormat format = input_format_from_name(a.str("format"));
  if (format == InputFormat::automatic) format = detect_format(path);
  const bool molecule_opts = a.has("smiles-column") || a.has("radius") || a.has("nbits");
  CLEAVE_EXPECTS(!molecule_opts || format == InputFormat::csv || format == InputFormat::smi,
                 "--smiles-column, --radius and --nbits apply to SMILES input only");
  CLEAVE_EXPECTS(!a.has("ids") || format == InputFormat::pairs || format == InputFormat::npy,
                 "--ids applies to pairs and NPY input only");
  CLEAVE_EXPECTS(!a.has("gemm-precision") || format == InputFormat::npy,
                 "--gemm-precision applies to NPY embeddings only");
  const bool fasta_opts = a.has("alphabet") || a.has("invalid");
  CLEAVE_EXPECTS(!fasta_opts || format == InputFormat::fasta,
                 "--alphabet and --invalid apply to FASTA input only");
  const bool no_label_join =
      format == InputFormat::fps || format == InputFormat::dms || format == InputFormat::pairs;
  for (const char* o : {"id-column", "strict"})
    CLEAVE_EXPECTS(!no_label_join || !a.has(o), "--{} applies to CSV or SMI input only", o);
  CLEAVE_EXPECTS(!a.has("label-column") || a.has("labels") || format == InputFormat::csv ||
                     format == InputFormat::smi || format == InputFormat::dms,
                 "--label-column needs --labels for this input (it has no label column)");
  DatasetOptions opt = dataset_options(a, format);
  opt.min_samples = min_samples;
  return load_dataset(path, opt, context_from(a));
}

uint64_t graph_checksum(const Args& a, const Dataset& in) {
  Checksum sum;
  sum.update_value(in.samples.checksum);
  sum.update(input_format_name(in.format));
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

Graph build_graph(const Args& a, const Dataset& in) {
  check_sequence_options(a, in.sequences.has_value());
  CLEAVE_EXPECTS(!a.has("measure") || in.fps || in.embeddings,
                 "--measure applies to fingerprints only");
  CLEAVE_EXPECTS(!in.mutations || !a.has("threshold"),
                 "--threshold does not apply to DMS input: two variants are similar when they "
                 "share a mutation");
  CLEAVE_EXPECTS(!in.embeddings || !a.has("measure") || a.str("measure") == "cosine",
                 "embeddings are compared by cosine similarity only");
  Graph g = dataset_graph(in, dataset_options(a, in.format), context_from(a));
  GraphMeta meta = g.meta();
  meta.input_checksum = graph_checksum(a, in);
  g.set_meta(std::move(meta));
  return g;
}

}  // namespace cleave::cli
