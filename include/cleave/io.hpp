#pragma once
/// @file io.hpp
/// @brief Streaming readers for the input formats. Every reader reports bad
/// input as errc::format naming file and 1-based line, and rejects empty
/// inputs and duplicate ids.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cleave/graph.hpp"

namespace cleave {

/// Bytes in one line of text input (64 MiB unless set): a longer line, in
/// any reader (CSV, SMI, FPS, DMS, pairs, FASTA, ids and labels files), is
/// a format error naming file and line, refused before it is held whole.
/// Process-wide; set it before reading. 0 restores the default.
inline constexpr std::size_t kDefaultMaxLineLength = std::size_t{64} << 20;
void set_max_line_length(std::size_t bytes);
std::size_t max_line_length();

/// Characters in one SMILES (10000 unless set): parsing and fingerprinting
/// grow with it (a 5 MB SMILES took minutes and gigabytes), so a longer one
/// is a format error naming file and line, even when not strict.
inline constexpr std::size_t kDefaultMaxSmilesLength = 10000;

/// Samples in input order: ids, optional numeric labels, input checksum.
struct Samples {
  std::vector<std::string> ids;
  std::vector<double> labels;  ///< empty when the input had no label
  std::string label_name;
  uint64_t checksum = 0;  ///< of the input file(s) bytes
  [[nodiscard]] std::size_t size() const { return ids.size(); }
  [[nodiscard]] bool has_labels() const { return !labels.empty(); }
};

/// Packed bit fingerprints: n rows of words_per_fp little-endian uint64 words.
struct Fingerprints {
  uint32_t n_bits = 0;
  uint32_t words_per_fp = 0;
  std::vector<uint64_t> words;
  [[nodiscard]] std::size_t size() const { return words_per_fp ? words.size() / words_per_fp : 0; }
  [[nodiscard]] const uint64_t* row(std::size_t i) const { return words.data() + i * words_per_fp; }
};

struct MoleculeReadOptions {
  std::string id_column;      ///< empty: auto (id, ID, name, Name, CID, ...) or row number
  std::string smiles_column;  ///< empty: auto (smiles, SMILES, canonical_smiles, ...)
  std::string label_column;   ///< empty: auto ("label" if present) ; "-" none
  /// Optional CSV with a header joining labels by id (first column = id
  /// unless labels_id_column; label = label_column or the second column).
  std::filesystem::path labels_file;
  std::string labels_id_column;
  unsigned radius = 2;
  unsigned n_bits = 2048;
  /// false: skip unparseable SMILES and count them; true: fail on the first.
  bool strict = false;
  std::size_t max_smiles_length = kDefaultMaxSmilesLength;
};

struct MoleculeSet {
  Samples samples;
  Fingerprints fps;
  std::size_t n_skipped = 0;               ///< unparseable SMILES skipped
  std::vector<std::string> skipped_notes;  ///< "file:line: id: reason" for the first few
};

/// Reads CSV (header, comma, RFC 4180 quoting; .tsv is tab-separated) or SMI
/// (.smi/.smiles: whitespace, "SMILES [id]", optional "smiles" header) and
/// computes RDKit Morgan bit fingerprints (bit k in words[k / 64], bit k % 64).
/// Ids default to "row<k>" (k = 1-based data row). Unparseable SMILES are
/// skipped and counted unless strict. Duplicate ids, non-numeric labels,
/// missing columns, samples without a label in labels_file and inputs with
/// no data rows are format errors. Throws invalid_argument when cleave was
/// built without RDKit.
MoleculeSet read_molecules(const std::filesystem::path& path, const MoleculeReadOptions& opt);
bool have_rdkit();

/// SMILES from memory, one per sample, with ids (same count; an empty id
/// becomes row<k>): the rules of read_molecules without columns or a
/// labels file; messages name "<memory>" and the 1-based record.
MoleculeSet molecules_from_smiles(const std::vector<std::string>& smiles,
                                  const std::vector<std::string>& ids,
                                  const MoleculeReadOptions& opt);

/// Joins numeric labels to samples by id from a CSV with a header (id column =
/// id_column or the first; label = label_column or the second). A sample
/// without a label is an error naming it.
void join_labels(Samples& samples, const std::filesystem::path& labels_file,
                 const std::string& id_column = {}, const std::string& label_column = {});

/// Reads a chemfp FPS file ("#FPS1" header lines, then "hex<TAB>id" lines;
/// hex byte k holds bits 8k..8k+7). "#num_bits=N" sets the size, otherwise
/// 4 bits per hex digit. Mixed lengths, bad or odd hex are format errors.
MoleculeSet read_fps(const std::filesystem::path& path);

/// Writes fingerprints as chemfp FPS ("#FPS1", "#num_bits=N", then
/// "hex<TAB>id" lines) atomically. Throws invalid_argument when sizes
/// disagree or an id is empty or holds a tab or newline.
void write_fps(const std::filesystem::path& path, const Samples& samples, const Fingerprints& fps);

/// Deep mutational scan: ProteinGym-style CSV with a `mutant` column
/// ("A23C:D45E"); label = DMS_score (or label_column).
struct MutationSet {
  Samples samples;
  std::vector<uint64_t> offsets;            ///< per sample into mutation_ids (n+1)
  std::vector<uint32_t> mutation_ids;       ///< sorted per sample
  std::vector<std::string> mutation_names;  ///< id -> "A23C"
};
struct DmsReadOptions {
  std::string mutant_column = "mutant";
  std::string label_column;  ///< empty: DMS_score if present
};
MutationSet read_dms(const std::filesystem::path& path, const DmsReadOptions& opt = {});

/// Reads spectrae's precomputed pairs ("i<TAB>j<TAB>value", 0-based) with an
/// optional ids file (one per line). Edge when value >= threshold; the
/// similarity distribution is the distinct pairs listed.
Graph read_pairs_graph(const std::filesystem::path& pairs, const std::filesystem::path& ids_file,
                       double threshold);

/// Input formats known to the CLI.
enum class InputFormat { automatic, csv, smi, fps, dms, pairs, fasta, npy };
InputFormat input_format_from_name(const std::string& name);
/// Guesses from the extension and, for CSV, a `mutant` header column
/// (.csv: csv or dms; .smi/.smiles: smi; .fps: fps; .tsv/.txt: pairs when
/// the first data line is "i j value", a .tsv otherwise is csv or dms).
/// Throws invalid_argument when it cannot tell.
InputFormat detect_format(const std::filesystem::path& path);

/// Reads one id per line (ids files, train.txt/test.txt); surrounding
/// whitespace is trimmed and blank lines skipped; duplicates and an empty
/// list are format errors.
std::vector<std::string> read_id_list(const std::filesystem::path& path);

}  // namespace cleave
