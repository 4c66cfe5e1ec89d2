// Reading a dataset of any supported format into samples and features.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "cleave/dataset.hpp"
#include "cleave/error.hpp"
#include "cleave/util.hpp"

namespace cleave {

const char* input_format_name(InputFormat f) {
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

namespace {

void check_molecule_settings(const MoleculeSettings& m) {
  CLEAVE_EXPECTS(m.radius <= 16, "Morgan radius must be 0 to 16 (got {})", m.radius);
  CLEAVE_EXPECTS(m.n_bits >= 8 && m.n_bits <= (1u << 20),
                 "Morgan fingerprint size must be 8 to 1048576 bits (got {})", m.n_bits);
}

/// "skipped N unparseable SMILES ..." with the first few notes.
std::string notes_text(const std::vector<std::string>& notes) {
  std::string out;
  for (const auto& n : notes) out += "\n  " + n;
  return out;
}

}  // namespace

Dataset load_dataset(const std::filesystem::path& path, const DatasetOptions& opt,
                     const Context& ctx) {
  const ContextScope scope(ctx);
  Dataset in;
  in.path = path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    CLEAVE_FAIL(io, "cannot read input {}: no such file", path.string());
  in.format = opt.format == InputFormat::automatic ? detect_format(path) : opt.format;
  const LabelSettings& labels = opt.labels;
  switch (in.format) {
    case InputFormat::csv:
    case InputFormat::smi: {
      check_molecule_settings(opt.molecules);
      MoleculeReadOptions r;
      r.id_column = opt.molecules.id_column;
      r.smiles_column = opt.molecules.smiles_column;
      r.label_column = labels.column;
      r.labels_file = labels.file;
      r.labels_id_column = labels.id_column;
      r.radius = opt.molecules.radius;
      r.n_bits = opt.molecules.n_bits;
      r.strict = opt.molecules.strict;
      r.max_smiles_length = opt.molecules.max_smiles_length;
      MoleculeSet m = read_molecules(path, r);
      in.n_skipped = m.n_skipped;
      if (m.n_skipped)
        ctx.warn(fmt::format("skipped {} unparseable SMILES (strict mode fails instead):{}",
                             m.n_skipped, notes_text(m.skipped_notes)));
      in.samples = std::move(m.samples);
      in.fps = std::move(m.fps);
      break;
    }
    case InputFormat::fps: {
      MoleculeSet m = read_fps(path);
      in.samples = std::move(m.samples);
      in.fps = std::move(m.fps);
      break;
    }
    case InputFormat::dms: {
      DmsReadOptions r;
      r.mutant_column = opt.mutations.mutant_column;
      if (labels.file.empty()) r.label_column = labels.column;
      MutationSet m = read_dms(path, r);
      in.samples = m.samples;
      in.mutations = std::move(m);
      break;
    }
    case InputFormat::pairs: {
      const double t = opt.pairs.threshold.value_or(std::numeric_limits<double>::denorm_min());
      CLEAVE_EXPECTS(!std::isnan(t), "the pairs threshold is NaN");
      in.pairs_graph = read_pairs_graph(path, labels.ids_file, t);
      in.samples.ids = in.pairs_graph->ids();
      in.samples.checksum = checksum_file(path);
      break;
    }
    case InputFormat::fasta: {
      FastaReadOptions r;
      r.alphabet = opt.sequences.alphabet;
      r.invalid = opt.sequences.invalid;
      Sequences seqs = read_fasta(path, r);
      in.n_skipped = seqs.n_skipped;
      if (seqs.n_skipped || seqs.n_replaced) {
        const char* policy = seqs.n_skipped ? "skip" : "replace";
        ctx.warn(fmt::format(
            "{}: {} records skipped, {} residues replaced (invalid residues: {}){}", path.string(),
            seqs.n_skipped, seqs.n_replaced, policy, notes_text(seqs.skipped_notes)));
      }
      in.samples = seqs.samples;
      in.sequences = std::move(seqs);
      break;
    }
    case InputFormat::npy: {
      EmbeddingSet emb = read_npy(path);
      in.samples.ids.reserve(emb.size());
      for (std::size_t i = 0; i < emb.size(); ++i) in.samples.ids.push_back(std::to_string(i));
      in.samples.checksum = emb.checksum;
      in.embeddings = std::move(emb);
      break;
    }
    case InputFormat::automatic:
      CLEAVE_FAIL(internal, "input format not resolved");
  }
  if (in.format == InputFormat::npy && !labels.ids_file.empty()) {
    auto ids = read_id_list(labels.ids_file);
    CLEAVE_EXPECTS(ids.size() == in.samples.size(), "{}: {} ids for {} embedding rows",
                   labels.ids_file.string(), ids.size(), in.samples.size());
    in.samples.ids = std::move(ids);
  }
  if (!labels.file.empty() && in.format != InputFormat::csv && in.format != InputFormat::smi)
    join_labels(in.samples, labels.file, labels.id_column, labels.column);
  CLEAVE_EXPECTS(in.samples.size() >= opt.min_samples, "{}: needs at least {} samples, found {}",
                 path.string(), opt.min_samples, in.samples.size());
  return in;
}

std::vector<std::string> checked_sample_ids(std::vector<std::string> ids, std::size_t n) {
  if (ids.empty()) {
    ids.reserve(n);
    for (std::size_t i = 0; i < n; ++i) ids.push_back(std::to_string(i));
    return ids;
  }
  CLEAVE_EXPECTS(ids.size() == n, "{} ids for {} samples", ids.size(), n);
  std::unordered_map<std::string_view, std::size_t> first;
  first.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& id = ids[i];
    if (id.empty()) CLEAVE_FORMAT_ERROR("<memory>", i + 1, "empty id");
    if (id.find_first_of("\n\r") != std::string::npos)
      CLEAVE_FORMAT_ERROR("<memory>", i + 1, "id holds a line break");
    const auto [it, fresh] = first.emplace(id, i);
    if (!fresh)
      CLEAVE_FORMAT_ERROR("<memory>", i + 1, "duplicate id '{}' (first at record {})", id,
                          it->second + 1);
  }
  return ids;
}

namespace {

void check_size(const Dataset& in) {
  CLEAVE_EXPECTS(in.samples.size() >= 2, "<memory>: needs at least 2 samples, found {}",
                 in.samples.size());
}

}  // namespace

Dataset dataset_from_smiles(const std::vector<std::string>& smiles, std::vector<std::string> ids,
                            const DatasetOptions& opt, const Context& ctx) {
  const ContextScope scope(ctx);
  check_molecule_settings(opt.molecules);
  MoleculeReadOptions r;
  r.radius = opt.molecules.radius;
  r.n_bits = opt.molecules.n_bits;
  r.strict = opt.molecules.strict;
  r.max_smiles_length = opt.molecules.max_smiles_length;
  MoleculeSet m =
      molecules_from_smiles(smiles, checked_sample_ids(std::move(ids), smiles.size()), r);
  Dataset in;
  in.format = InputFormat::csv;
  in.n_skipped = m.n_skipped;
  if (m.n_skipped)
    ctx.warn(
        fmt::format("skipped {} unparseable SMILES:{}", m.n_skipped, notes_text(m.skipped_notes)));
  in.samples = std::move(m.samples);
  in.fps = std::move(m.fps);
  check_size(in);
  return in;
}

Dataset dataset_from_sequences(const std::vector<std::string>& sequences,
                               std::vector<std::string> ids, const DatasetOptions& opt,
                               const Context& ctx) {
  const ContextScope scope(ctx);
  FastaReadOptions r;
  r.alphabet = opt.sequences.alphabet;
  r.invalid = opt.sequences.invalid;
  Sequences seqs =
      sequences_from_strings(checked_sample_ids(std::move(ids), sequences.size()), sequences, r);
  Dataset in;
  in.format = InputFormat::fasta;
  in.n_skipped = seqs.n_skipped;
  if (seqs.n_skipped || seqs.n_replaced)
    ctx.warn(fmt::format("<memory>: {} records skipped, {} residues replaced{}", seqs.n_skipped,
                         seqs.n_replaced, notes_text(seqs.skipped_notes)));
  in.samples = seqs.samples;
  in.sequences = std::move(seqs);
  check_size(in);
  return in;
}

Dataset dataset_from_embeddings(const float* values, uint64_t n, uint32_t dim,
                                std::vector<std::string> ids) {
  CLEAVE_EXPECTS(values != nullptr || n == 0, "embedding values are NULL");
  CLEAVE_EXPECTS(dim > 0 && n <= (uint64_t{1} << 32) && n <= SIZE_MAX / sizeof(float) / dim,
                 "{} x {} embeddings are too many (or dim is 0)", n, dim);
  EmbeddingSet emb;
  emb.n = n;
  emb.dim = dim;
  emb.values.assign(values, values + n * dim);
  emb.source = "<memory>";
  validate_embeddings(emb);
  emb.checksum = embedding_checksum(emb);
  Dataset in;
  in.format = InputFormat::npy;
  in.samples.ids = checked_sample_ids(std::move(ids), n);
  in.samples.checksum = emb.checksum;
  in.embeddings = std::move(emb);
  check_size(in);
  return in;
}

std::string dataset_json(const Dataset& in) {
  return fmt::format(
      "{{\"path\": \"{}\", \"format\": \"{}\", \"checksum\": \"{}\", \"samples\": {}, "
      "\"skipped\": {}, \"labels\": {}}}",
      json_escape(in.path.empty() ? std::string("<memory>")
                                  : std::filesystem::absolute(in.path).string()),
      input_format_name(in.format), hex64(in.samples.checksum), in.samples.size(), in.n_skipped,
      in.samples.has_labels() ? fmt::format("\"{}\"", json_escape(in.samples.label_name))
                              : std::string("null"));
}

}  // namespace cleave
