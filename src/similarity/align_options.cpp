/// @file align_options.cpp
/// @brief Names of the sequence options, the scoring schemes, the scalar
/// pair alignment and the checksum of sequence inputs.
#include <algorithm>
#include <cstring>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "kernels/blosum62.hpp"
#include "similarity/align_common.hpp"
#include "similarity/align_cuda.hpp"

namespace cleave {

const char* alphabet_name(Alphabet a) {
  switch (a) {
    case Alphabet::protein:
      return "protein";
    case Alphabet::dna:
      return "dna";
    default:
      return "auto";
  }
}

Alphabet alphabet_from_name(const std::string& name) {
  if (name == "auto" || name == "automatic") return Alphabet::automatic;
  if (name == "protein") return Alphabet::protein;
  if (name == "dna" || name == "nucleotide") return Alphabet::dna;
  CLEAVE_FAIL(invalid_argument, "unknown alphabet '{}' (expected auto, protein or dna)", name);
}

const char* alphabet_letters(Alphabet a) {
  return a == Alphabet::dna ? "ACGTN" : kernels::kBlosum62Letters;
}

InvalidResidue invalid_residue_from_name(const std::string& name) {
  if (name == "error") return InvalidResidue::error;
  if (name == "replace") return InvalidResidue::replace;
  if (name == "skip") return InvalidResidue::skip;
  CLEAVE_FAIL(invalid_argument,
              "unknown invalid-residue policy '{}' (expected error, replace or skip)", name);
}

AlignMode align_mode_from_name(const std::string& name) {
  if (name == "global" || name == "nw") return AlignMode::global;
  if (name == "local" || name == "sw") return AlignMode::local;
  CLEAVE_FAIL(invalid_argument, "unknown alignment '{}' (expected global or local)", name);
}

IdentityKind identity_kind_from_name(const std::string& name) {
  if (name == "aligned" || name == "spectra") return IdentityKind::aligned;
  if (name == "shorter" || name == "cdhit") return IdentityKind::shorter;
  if (name == "full" || name == "needle") return IdentityKind::full;
  if (name == "auto" || name == "automatic") return IdentityKind::automatic;
  CLEAVE_FAIL(invalid_argument, "unknown identity '{}' (expected full, aligned, shorter or auto)",
              name);
}

const char* identity_kind_name(IdentityKind k) {
  switch (k) {
    case IdentityKind::aligned:
      return "aligned";
    case IdentityKind::shorter:
      return "shorter";
    case IdentityKind::full:
      return "full";
    default:
      return "auto";
  }
}

IdentityKind resolved_identity(const AlignOptions& opt) {
  if (opt.identity == IdentityKind::automatic)
    return opt.mode == AlignMode::local ? IdentityKind::aligned : IdentityKind::full;
  CLEAVE_EXPECTS(opt.identity != IdentityKind::full || opt.mode == AlignMode::global,
                 "identity 'full' counts end gaps, which only a global alignment has; with "
                 "local alignment use identity aligned or shorter");
  return opt.identity;
}

double default_identity_threshold(Alphabet a) {
  return a == Alphabet::dna ? 0.9 : 0.3;
}

SearchMode search_mode_from_name(const std::string& name) {
  if (name == "auto" || name == "automatic") return SearchMode::automatic;
  if (name == "exhaustive" || name == "all") return SearchMode::exhaustive;
  if (name == "prefilter") return SearchMode::prefilter;
  CLEAVE_FAIL(invalid_argument, "unknown search '{}' (expected auto, exhaustive or prefilter)",
              name);
}

const char* search_mode_name(SearchMode m) {
  switch (m) {
    case SearchMode::exhaustive:
      return "exhaustive";
    case SearchMode::prefilter:
      return "prefilter";
    default:
      return "auto";
  }
}

double alignment_identity(const AlignResult& r, uint32_t len_i, uint32_t len_j, IdentityKind kind) {
  const kernels::AlignStats s{r.score, r.matches, r.length};
  return kernels::stats_identity(s, static_cast<int32_t>(len_i), static_cast<int32_t>(len_j),
                                 kind == IdentityKind::shorter);
}

AlignResult align_pair(const Sequences& seqs, std::size_t i, std::size_t j,
                       const AlignOptions& opt) {
  CLEAVE_EXPECTS(i < seqs.size() && j < seqs.size(), "sequence index out of range");
  const auto sc = align_detail::make_scheme(seqs.alphabet, opt);
  std::vector<kernels::DpCell> col(std::min(seqs.length(i), seqs.length(j)) + 1);
  const auto n1 = static_cast<int32_t>(seqs.length(i)), n2 = static_cast<int32_t>(seqs.length(j));
  const kernels::AlignStats s =
      opt.mode == AlignMode::local
          ? kernels::align_stats<true>(seqs.data(i), n1, seqs.data(j), n2, sc, col.data())
          : kernels::align_stats<false>(seqs.data(i), n1, seqs.data(j), n2, sc, col.data());
  return AlignResult{s.score, s.matches, s.length};
}

namespace align_detail {

kernels::ScoreScheme make_scheme(Alphabet alphabet, const AlignOptions& opt) {
  CLEAVE_EXPECTS(alphabet == Alphabet::protein || alphabet == Alphabet::dna,
                 "sequences have no alphabet");
  kernels::ScoreScheme sc;
  const bool dna = alphabet == Alphabet::dna;
  sc.gap_open = opt.gap_open >= 0 ? opt.gap_open : (dna ? 5 : 11);
  sc.gap_extend = opt.gap_extend >= 0 ? opt.gap_extend : (dna ? 2 : 1);
  CLEAVE_EXPECTS(sc.gap_open <= 1000 && sc.gap_extend <= 1000,
                 "gap penalties must be at most 1000 (open {}, extend {})", sc.gap_open,
                 sc.gap_extend);
  CLEAVE_EXPECTS(opt.threshold >= 0.0 && opt.threshold <= 1.0,
                 "identity threshold must lie in [0, 1], got {}", opt.threshold);
  if (dna) {
    CLEAVE_EXPECTS(
        opt.match >= -100 && opt.match <= 100 && opt.mismatch >= -100 && opt.mismatch <= 100,
        "match and mismatch scores must lie in [-100, 100]");
    sc.size = 5;
    for (int a = 0; a < 5; ++a)
      for (int b = 0; b < 5; ++b)
        sc.m[a * 5 + b] = static_cast<int8_t>(a == b ? opt.match : opt.mismatch);
  } else {
    sc.size = kernels::kBlosum62Size;
    std::memcpy(sc.m, kernels::kBlosum62, sizeof(kernels::kBlosum62));
  }
  sc.count_leading_gaps = resolved_identity(opt) == IdentityKind::full ? 1 : 0;
  return sc;
}

void throw_cuda_error(const char* what, const char* message) {
  CLEAVE_FAIL(cuda, "{}: {}", what, message);
}

uint64_t sequences_checksum(const Sequences& seqs, const AlignOptions& opt) {
  Checksum c;
  c.update("cleave-sequence-identity-v1");
  c.update(seqs.residues.data(), seqs.residues.size());
  c.update(seqs.offsets.data(), seqs.offsets.size() * sizeof(uint64_t));
  const auto sc = make_scheme(seqs.alphabet, opt);
  c.update_value(static_cast<uint32_t>(seqs.alphabet));
  c.update_value(static_cast<uint32_t>(opt.mode));
  c.update_value(static_cast<uint32_t>(resolved_identity(opt)));
  c.update_value(sc.gap_open);
  c.update_value(sc.gap_extend);
  c.update(sc.m, sizeof(sc.m));
  c.update_value(opt.threshold);
  // The prefilter decides which pairs are aligned, so it is part of the
  // graph's identity; the exhaustive graph does not depend on it.
  c.update_value(static_cast<uint32_t>(opt.search));
  if (opt.search != SearchMode::exhaustive) {
    c.update_value(opt.sensitivity);
    c.update_value(opt.exhaustive_cells);
  }
  return c.digest();
}

}  // namespace align_detail
}  // namespace cleave
