// Reading inputs and building graphs, shared by `graph`, `baseline` and `run`.
#include <limits>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"
#include "cli/commands.hpp"

namespace cleave::cli {

std::vector<OptionSpec> common_options() {
  return {{"threads", "N", "worker threads (0 = all cores)", "0"},
          {"quiet", "", "no progress output", ""}};
}

void apply_common(const Args& a) {
  set_num_threads(static_cast<int>(a.integer("threads", 0, 4096)));
  if (a.flag("quiet")) Progress::set_quiet(true);
}

std::vector<OptionSpec> input_options() {
  return {
      {"input", "FILE", "dataset: CSV/SMI of SMILES, FPS fingerprints, DMS CSV, or pairs TSV", ""},
      {"format", "NAME", "auto, csv, smi, fps, dms or pairs", "auto"},
      {"id-column", "NAME", "CSV column of sample ids (auto: id, name, CID, ...)", ""},
      {"smiles-column", "NAME", "CSV column of SMILES (auto: smiles, SMILES, ...)", ""},
      {"label-column", "NAME", "column of numeric labels (CSV, DMS or --labels file)", ""},
      {"labels", "FILE", "CSV joining labels to the input by id (first column = id)", ""},
      {"labels-id-column", "NAME", "id column of the --labels file", ""},
      {"ids", "FILE", "sample ids for a pairs file, one per line", ""},
      {"radius", "R", "Morgan fingerprint radius", "2"},
      {"nbits", "N", "Morgan fingerprint size in bits", "2048"},
      {"strict", "", "fail on an unparseable SMILES instead of skipping it", ""},
  };
}

std::vector<OptionSpec> graph_options() {
  return {
      {"measure", "NAME", "tanimoto, dice or cosine (fingerprints)", "tanimoto"},
      {"threshold", "T",
       "edge when similarity >= T (default 0.4 for fingerprints, > 0 for pairs; not for DMS, "
       "where sharing a mutation makes an edge)",
       ""},
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
  CLEAVE_EXPECTS(!a.has("ids") || in.format == InputFormat::pairs,
                 "--ids applies to pairs input only");
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
    case InputFormat::automatic:
      CLEAVE_FAIL(internal, "input format not resolved");
  }
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
    case InputFormat::automatic:
      break;
  }
  return "auto";
}
}  // namespace

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        else
          out += c;
    }
  }
  return out;
}

std::string input_json(const InputData& in) {
  return fmt::format(
      "{{\"path\": \"{}\", \"format\": \"{}\", \"checksum\": \"{}\", \"samples\": {}, "
      "\"skipped\": {}, \"labels\": {}}}",
      json_escape(std::filesystem::absolute(in.path).string()), format_name(in.format),
      hex64(in.samples.checksum), in.samples.size(), in.n_skipped,
      in.samples.has_labels() ? "\"" + json_escape(in.samples.label_name) + "\"" : "null");
}

uint64_t graph_checksum(const Args& a, const InputData& in) {
  Checksum sum;
  sum.update_value(in.samples.checksum);
  sum.update(format_name(in.format));
  if (in.fps) {
    sum.update(a.str("measure"));
    sum.update_value(a.has("threshold") ? a.real("threshold", 0.0, 1.0) : 0.4);
    sum.update_value(in.fps->n_bits);
    sum.update(a.str_or("radius", "2"));
  } else if (in.pairs_graph) {
    sum.update_value(in.pairs_graph->meta().threshold);
  }
  sum.update(a.str_or("id-column", "") + "\x1f" + a.str_or("smiles-column", ""));
  sum.update_value(in.n_skipped);
  return sum.digest();
}

Graph build_graph(const Args& a, const InputData& in) {
  std::string params;
  Graph g;
  if (in.pairs_graph) {
    CLEAVE_EXPECTS(!a.has("measure"), "--measure does not apply to a pairs file");
    g = *in.pairs_graph;
    params = fmt::format("{{\"input\": {}, \"measure\": \"precomputed\", \"threshold\": {}}}",
                         input_json(in), g.meta().threshold);
  } else if (in.mutations) {
    CLEAVE_EXPECTS(!a.has("threshold") && !a.has("measure"),
                   "--threshold and --measure do not apply to DMS input: two variants are "
                   "similar when they share a mutation");
    g = mutation_graph(*in.mutations);
    params = fmt::format("{{\"input\": {}, \"measure\": \"mutation\"}}", input_json(in));
  } else {
    SimilarityOptions opt;
    opt.measure = measure_from_name(a.str("measure"));
    CLEAVE_EXPECTS(opt.measure == Measure::tanimoto || opt.measure == Measure::dice ||
                       opt.measure == Measure::cosine,
                   "--measure {} does not apply to fingerprints (use tanimoto, dice or cosine)",
                   a.str("measure"));
    opt.threshold = a.has("threshold") ? a.real("threshold", 0.0, 1.0) : 0.4;
    opt.progress = !Progress::quiet();
    g = fingerprint_graph(*in.fps, opt);
    params = fmt::format(
        "{{\"input\": {}, \"measure\": \"{}\", \"threshold\": {}, \"radius\": {}, \"nbits\": {}}}",
        input_json(in), measure_name(opt.measure), opt.threshold, a.str_or("radius", "2"),
        in.fps->n_bits);
  }
  GraphMeta meta = g.meta();
  meta.input_checksum = graph_checksum(a, in);
  meta.parameters = params;
  g.set_meta(std::move(meta));
  g.set_ids(in.samples.ids);
  return g;
}

}  // namespace cleave::cli
