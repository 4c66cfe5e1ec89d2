#pragma once
/// @file dataset.hpp
/// @brief A dataset of any supported kind, from a file or from memory, to its
/// overlap graph: the one place where input formats, their defaults and the
/// validation of graph settings live. The CLI and the C API both call it.
///
/// Kinds and their graphs:
///  - SMILES (CSV, SMI) and FPS fingerprints: Morgan bit fingerprints,
///    Tanimoto (or Dice, cosine) similarity, default threshold 0.4;
///  - FASTA (protein or DNA): alignment identity, default threshold 0.3 for
///    proteins and 0.9 for DNA (default_identity_threshold);
///  - NPY embeddings: cosine similarity, default threshold 0.9;
///  - DMS (deep mutational scans): an edge when two variants share a
///    mutation (no threshold);
///  - pairs (precomputed "i j value"): an edge when value >= threshold,
///    default: any value > 0.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cleave/context.hpp"
#include "cleave/embedding.hpp"
#include "cleave/graph.hpp"
#include "cleave/io.hpp"
#include "cleave/sequence.hpp"

namespace cleave {

/// @brief SMILES and fingerprint inputs (CSV, SMI, FPS, in-memory SMILES).
struct MoleculeSettings {
  std::string id_column;      ///< CSV: empty = auto (id, name, CID, ...) or row number
  std::string smiles_column;  ///< CSV: empty = auto (smiles, SMILES, ...)
  unsigned radius = 2;        ///< Morgan radius, 0 to 16
  unsigned n_bits = 2048;     ///< Morgan size in bits, 8 to 2^20
  /// false: skip unparseable SMILES (counted, warned about); true: fail.
  bool strict = false;
  /// A longer SMILES is an error (io.hpp: kDefaultMaxSmilesLength).
  std::size_t max_smiles_length = kDefaultMaxSmilesLength;
  Measure measure = Measure::tanimoto;  ///< tanimoto, dice or cosine
  std::optional<double> threshold;      ///< in (0, 1]; default 0.4
};

/// @brief FASTA and in-memory sequences: reading rules and alignment.
struct SequenceSettings {
  Alphabet alphabet = Alphabet::automatic;
  InvalidResidue invalid = InvalidResidue::error;
  AlignMode mode = AlignMode::global;
  int gap_open = -1;    ///< < 0: the alphabet's default (11 protein, 5 DNA)
  int gap_extend = -1;  ///< < 0: the alphabet's default (1 protein, 2 DNA)
  int match = 2;        ///< DNA only
  int mismatch = -3;    ///< DNA only
  IdentityKind identity = IdentityKind::automatic;
  SearchMode search = SearchMode::automatic;
  double sensitivity = 5.0;         ///< prefilter, 1 to 9
  std::optional<double> threshold;  ///< in [0, 1]; default by alphabet
};

/// @brief NPY and in-memory embeddings (float32 rows).
struct EmbeddingSettings {
  std::optional<double> threshold;  ///< cosine in (0, 1]; default 0.9
  /// The CUDA backend's GEMM inputs (fp32, tf32 or bf16); the graph is the
  /// same for each (see GemmPrecision), the cpu backend computes in fp32.
  GemmPrecision gemm_precision = GemmPrecision::fp32;
};

/// @brief Deep mutational scans (ProteinGym-style CSV).
struct MutationSettings {
  std::string mutant_column = "mutant";
};

/// @brief Precomputed pairs files.
struct PairsSettings {
  std::optional<double> threshold;  ///< default: every listed value > 0
};

/// @brief Labels and ids that come from beside the input.
struct LabelSettings {
  /// Column of numeric labels: in the input (CSV, SMI, DMS) or in `file`.
  /// Empty: auto ("label" in SMILES CSV, DMS_score in DMS, the second
  /// column of `file`).
  std::string column;
  std::filesystem::path file;  ///< CSV joining labels by id (empty: none)
  std::string id_column;       ///< id column of `file` (empty: the first)
  /// One id per line for inputs without ids (pairs, NPY, embeddings).
  std::filesystem::path ids_file;
};

/// @brief How to read a dataset and build its graph: the format and one
/// group of settings per kind (only the input's kind is used).
struct DatasetOptions {
  InputFormat format = InputFormat::automatic;
  MoleculeSettings molecules;
  SequenceSettings sequences;
  EmbeddingSettings embeddings;
  MutationSettings mutations;
  PairsSettings pairs;
  LabelSettings labels;
  /// Fewer samples is an error: a graph needs 2; a search's queries may be 1.
  std::size_t min_samples = 2;
};

/// @brief What a dataset holds: samples plus the features of its kind.
struct Dataset {
  InputFormat format = InputFormat::automatic;
  std::filesystem::path path;  ///< empty when built in memory
  Samples samples;
  std::optional<Fingerprints> fps;
  std::optional<MutationSet> mutations;
  std::optional<Graph> pairs_graph;  ///< a pairs file is already a graph
  std::optional<Sequences> sequences;
  std::optional<EmbeddingSet> embeddings;
  std::size_t n_skipped = 0;  ///< records skipped (unparseable SMILES, FASTA policy skip)
};

/// The graph's similarity threshold when none is given: fingerprints
/// (Tanimoto, Dice, cosine of bits) and embeddings (cosine). Sequences
/// default by alphabet (default_identity_threshold).
inline constexpr double kDefaultFingerprintThreshold = 0.4;
inline constexpr double kDefaultEmbeddingThreshold = 0.9;

/// The alignment options of sequence settings for sequences of `alphabet`,
/// run as ctx says: the gap and score limits are checked here (errc::
/// invalid_argument), and an unset threshold becomes the alphabet's default.
/// `cleave graph`, search, audit and paired targets all go through it.
AlignOptions align_options(const SequenceSettings& s, Alphabet alphabet, const Context& ctx = {});

/// "csv", "smi", "fps", "dms", "pairs", "fasta", "npy" ("auto" for automatic).
const char* input_format_name(InputFormat f);

/// Reads a dataset file (format from opt.format, or detected). Skipped
/// records are reported through ctx.warn. Throws errc::io when unreadable,
/// errc::format for bad content, errc::invalid_argument for bad settings;
/// fewer than 2 samples is an error.
Dataset load_dataset(const std::filesystem::path& path, const DatasetOptions& opt,
                     const Context& ctx = {});

/// The ids of n samples given in memory: "0", "1", ... when ids is empty;
/// otherwise exactly n (errc::invalid_argument), each non-empty, without
/// line breaks, and unique (errc::format naming "<memory>" and the 1-based
/// record, as the readers do).
std::vector<std::string> checked_sample_ids(std::vector<std::string> ids, std::size_t n);

/// Datasets from memory, one entry per sample. ids may be empty (then "0",
/// "1", ...); otherwise checked_sample_ids' rules hold. The rules, settings and
/// checks of the file readers (opt.molecules, opt.sequences), with messages
/// naming "<memory>" and the 1-based record. format is csv for SMILES,
/// fasta for sequences, npy for embeddings.
Dataset dataset_from_smiles(const std::vector<std::string>& smiles, std::vector<std::string> ids,
                            const DatasetOptions& opt, const Context& ctx = {});
Dataset dataset_from_sequences(const std::vector<std::string>& sequences,
                               std::vector<std::string> ids, const DatasetOptions& opt,
                               const Context& ctx = {});
/// n rows of dim float32 values, row-major (copied; finite, nonzero rows).
Dataset dataset_from_embeddings(const float* values, uint64_t n, uint32_t dim,
                                std::vector<std::string> ids);

/// The overlap graph of a dataset with the settings of its kind, run as ctx
/// says. Sets the graph's ids, and meta.parameters to a JSON object naming
/// the input and every setting that shaped the graph.
Graph dataset_graph(const Dataset& data, const DatasetOptions& opt, const Context& ctx = {});

/// load_dataset, then dataset_graph.
Graph graph_from_file(const std::filesystem::path& path, const DatasetOptions& opt,
                      const Context& ctx = {});

/// JSON object describing a dataset (path, format, checksum, counts).
std::string dataset_json(const Dataset& data);

}  // namespace cleave
