#pragma once
/// @file sequence.hpp
/// @brief Protein and DNA sequences: the FASTA reader, pairwise alignment
/// identity (global or local, affine gaps, computed inside the DP without a
/// traceback, as parasail's nw_stats / sw_stats do) and the sequence
/// similarity graph (exhaustive or behind a k-mer prefilter).
///
/// Residue rules (FASTA input; lower case is upper-cased first):
///  - protein: the 20 standard amino acids plus B, Z, X and '*' keep their
///    own index (BLOSUM62 scores them); U (selenocysteine) reads as C and
///    O (pyrrolysine) as K, the residues they derive from; J (I or L) reads
///    as X. Index order: A R N D C Q E G H I L K M F P S T W Y V B Z X *.
///  - DNA: A C G T; U reads as T; the IUPAC ambiguity codes
///    R Y S W K M B D H V N read as N. Index order: A C G T N.
///  - Any other character is invalid and handled by InvalidResidue; '-' and
///    '.' (alignment gaps) are invalid too. Whitespace and digits inside
///    sequence lines are ignored.
///  - Alphabet detection: DNA when every letter is A C G T U or an IUPAC
///    code and at least 90% are A C G T U (over the whole file); protein
///    otherwise.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cleave/graph.hpp"
#include "cleave/io.hpp"
#include "cleave/scheduler.hpp"
#include "cleave/split.hpp"

namespace cleave {

enum class Alphabet : uint8_t { automatic = 0, protein = 1, dna = 2 };
const char* alphabet_name(Alphabet a);
/// "auto", "protein" or "dna"; throws invalid_argument otherwise.
Alphabet alphabet_from_name(const std::string& name);
/// Residue letters in index order ("ARNDCQEGHILKMFPSTWYVBZX*" or "ACGTN").
const char* alphabet_letters(Alphabet a);

/// What to do with a character that is no residue of the alphabet.
enum class InvalidResidue : uint8_t {
  error = 0,    ///< format error naming file, line and character
  replace = 1,  ///< read it as X (protein) or N (DNA) and count it
  skip = 2,     ///< drop the whole record and count it
};
/// "error", "replace" or "skip"; throws invalid_argument otherwise.
InvalidResidue invalid_residue_from_name(const std::string& name);

struct FastaReadOptions {
  Alphabet alphabet = Alphabet::automatic;
  InvalidResidue invalid = InvalidResidue::error;
};

/// @brief Sequences in input order, packed: residue indices of sequence k
/// are residues[offsets[k] .. offsets[k+1]).
struct Sequences {
  Samples samples;  ///< ids (first word of each header), input checksum
  Alphabet alphabet = Alphabet::protein;
  std::vector<uint8_t> residues;
  std::vector<uint64_t> offsets{0};
  std::size_t n_skipped = 0;               ///< records dropped (InvalidResidue::skip)
  std::size_t n_replaced = 0;              ///< residues replaced (InvalidResidue::replace)
  std::vector<std::string> skipped_notes;  ///< "file:line: id: reason" for the first few

  [[nodiscard]] std::size_t size() const { return offsets.size() - 1; }
  [[nodiscard]] uint32_t length(std::size_t k) const {
    return static_cast<uint32_t>(offsets[k + 1] - offsets[k]);
  }
  [[nodiscard]] const uint8_t* data(std::size_t k) const { return residues.data() + offsets[k]; }
  /// Sequence k as letters (index order of alphabet_letters).
  [[nodiscard]] std::string letters(std::size_t k) const;
};

/// Reads FASTA, plain or gzip-compressed (detected by its magic bytes),
/// streaming. Ids are the first whitespace-separated word of each header;
/// sequences may span lines. Errors (errc::format, "file:line: ..."): no
/// '>' before the first sequence line, an empty id, an empty sequence, a
/// duplicate id, an invalid character (policy error), a corrupt or
/// truncated gzip stream, no records at all. errc::io when unreadable.
Sequences read_fasta(const std::filesystem::path& path, const FastaReadOptions& opt = {});

/// Builds Sequences from letters in memory (tests, C API); the same residue
/// rules and policies as read_fasta, with "<memory>" and the record number
/// in messages.
Sequences sequences_from_strings(const std::vector<std::string>& ids,
                                 const std::vector<std::string>& seqs,
                                 const FastaReadOptions& opt = {});

enum class AlignMode : uint8_t {
  global = 0,  ///< Needleman-Wunsch with end gaps penalised (parasail nw)
  local = 1,   ///< Smith-Waterman (parasail sw)
};
/// "global"/"nw" or "local"/"sw"; throws invalid_argument otherwise.
AlignMode align_mode_from_name(const std::string& name);

/// Denominator of the identity (the numerator is always the number of
/// identical aligned columns).
enum class IdentityKind : uint8_t {
  /// Over the columns of the optimal path as parasail's nw_stats / sw_stats
  /// count them: for global alignment leading end gaps are left out and
  /// trailing ones counted; for local alignment the aligned region. This was
  /// cleave's default before 0.3 ("spectra" is accepted as its old name).
  aligned = 0,
  shorter = 1,  ///< over the length of the shorter sequence (CD-HIT's -G 1 definition)
  /// Over every column of the global alignment, end gaps included (EMBOSS
  /// needle's identity, which GraphPart uses). A pair of lengths m <= n can
  /// reach at most m / n, an exact bound the prefilter applies. Global only.
  full = 2,
  /// full for global alignment, aligned for local alignment (the default).
  automatic = 3,
};
/// "aligned" (or "spectra"), "shorter" (or "cdhit"), "full" (or "needle"),
/// "auto"; throws invalid_argument otherwise.
IdentityKind identity_kind_from_name(const std::string& name);
/// The canonical name of a kind.
const char* identity_kind_name(IdentityKind k);

/// The CLI's identity threshold when none is given: 0.3 for proteins
/// (SPECTRA's), 0.9 for DNA. Every pair of a marker gene such as 18S V4 is
/// homologous, and its full identities lie mostly between 0.6 and 0.85
/// (measured on the bundled amplicons), so 0.3 would join everything; 0.9
/// sits above that bulk, stricter against leakage than the 0.97 of
/// species-level OTUs, which users can still ask for.
double default_identity_threshold(Alphabet a);

/// How the pairs to align are chosen.
enum class SearchMode : uint8_t { automatic = 0, exhaustive = 1, prefilter = 2 };
/// "auto", "exhaustive" or "prefilter"; throws invalid_argument otherwise.
SearchMode search_mode_from_name(const std::string& name);
const char* search_mode_name(SearchMode m);

/// @brief Alignment and graph parameters.
///
/// Gaps follow parasail's convention: a gap of k residues costs
/// gap_open + (k - 1) * gap_extend (so parasail's open/extend are passed
/// unchanged; BLAST's "open 11 extend 1" is gap_open 12 here). Defaults:
/// proteins BLOSUM62, open 11, extend 1; DNA match +2, mismatch -3, open 5,
/// extend 2 (any two residues of A C G T N score match when equal,
/// mismatch otherwise, as parasail.matrix_create("ACGTN", 2, -3)).
struct AlignOptions {
  AlignMode mode = AlignMode::global;
  int gap_open = -1;    ///< < 0: default for the alphabet
  int gap_extend = -1;  ///< < 0: default for the alphabet
  int match = 2;        ///< DNA only
  int mismatch = -3;    ///< DNA only
  IdentityKind identity = IdentityKind::automatic;
  /// Edge when identity >= threshold (compared in double).
  double threshold = 0.3;
  /// Which pairs are aligned: every pair (exhaustive, through the tile
  /// scheduler: resumable from work_dir), or the candidates of the seed
  /// prefilter (similarity/seq_prefilter.hpp; pairs it drops count as
  /// identity 0 in the histogram, and n_pairs stays n(n-1)/2). automatic:
  /// exhaustive while all pairs cost at most exhaustive_cells DP cells.
  SearchMode search = SearchMode::automatic;
  /// Prefilter sensitivity in [1, 9]: higher finds more distant pairs at
  /// more cost; the default's recall is measured in bench/RESULTS.md. At
  /// 3 to 6, inputs whose default seeds would make more than 1e10 chance
  /// hits (doubling per step) take heavier seeds (seq_prefilter.hpp).
  double sensitivity = 5.0;
  uint64_t exhaustive_cells = uint64_t{20} * 1000 * 1000 * 1000;
  Backend backend = Backend::automatic;
  int threads = 0;  ///< 0 = all cores
  bool progress = true;
  uint64_t max_memory = 0;         ///< scheduler budget (exhaustive mode)
  std::filesystem::path work_dir;  ///< checkpoint directory (exhaustive mode)
};

/// Score, identical aligned columns and alignment length of one alignment.
/// Length counts the columns of the optimal path as parasail's stats
/// functions do; for global alignment that excludes gaps at the start of
/// either sequence (a parasail convention cleave keeps so that identities
/// agree with parasail's exactly) and includes gaps at the end.
struct AlignResult {
  int32_t score = 0;
  int32_t matches = 0;
  int32_t length = 0;
};

/// Aligns sequence i (parasail's s1) with sequence j (s2), scalar code.
AlignResult align_pair(const Sequences& seqs, std::size_t i, std::size_t j,
                       const AlignOptions& opt);
/// The identity kind opt.identity stands for (automatic resolved by the
/// mode); throws invalid_argument for full with local alignment.
IdentityKind resolved_identity(const AlignOptions& opt);

/// Identity of a result: 0 when the denominator is 0. For full, r must come
/// from a scheme that counts leading gaps (align_pair does so when
/// opt.identity resolves to full).
double alignment_identity(const AlignResult& r, uint32_t len_i, uint32_t len_j, IdentityKind kind);

/// The pair computer of the tile scheduler for sequences: cpu (AVX2
/// inter-sequence SIMD, int16 lanes, int32 lanes for long pairs) or cuda
/// (one thread per pair; concurrent() false). Pair (i, j), i < j, aligns
/// i as s1 and j as s2.
std::unique_ptr<PairComputer> make_sequence_computer(const Sequences& seqs,
                                                     const AlignOptions& opt);

/// The sequence identity graph (measure identity): every pair through the
/// tile scheduler (checkpoints in work_dir, resumable) or only the
/// prefilter's candidates (in memory), as opt.search says. Ids are
/// set from seqs. Identical on any thread count and on cpu and cuda.
Graph sequence_graph(const Sequences& seqs, const AlignOptions& opt);

}  // namespace cleave
