/// @file test_fasta.cpp
/// @brief FASTA reading: residue rules, gzip, alphabet detection and the
/// bad inputs (each message names file and line).
#include <gtest/gtest.h>

#include "cleave/error.hpp"
#include "seq_test_util.hpp"

using namespace cleave;

namespace {

std::string path_of(const char* name) {
  return (seqtest::test_data() / name).string();
}

/// The format error's message, or "" when no error was thrown.
std::string format_error(const char* name, FastaReadOptions opt = {}) {
  try {
    read_fasta(path_of(name), opt);
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), errc::format) << e.what();
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Fasta, ReadsProteinsWithResidueRules) {
  const auto s = read_fasta(path_of("seq_proteins.fasta"));
  EXPECT_EQ(s.alphabet, Alphabet::protein);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s.samples.ids, (std::vector<std::string>{"sp|P1|first", "second", "third"}));
  EXPECT_EQ(s.letters(0), "MKTAYIAKQRQISFVKSHFS");
  // U reads as C, O as K, J as X.
  EXPECT_EQ(s.letters(1), "ACDEFGHIKLMNPQRSTVWYBZX*CKX");
  EXPECT_EQ(s.letters(2), "MK");
  EXPECT_EQ(s.offsets, (std::vector<uint64_t>{0, 20, 47, 49}));
  EXPECT_NE(s.samples.checksum, 0u);
}

TEST(Fasta, GzipEqualsPlain) {
  const auto a = read_fasta(path_of("seq_proteins.fasta"));
  const auto b = read_fasta(path_of("seq_proteins.fasta.gz"));
  EXPECT_EQ(a.residues, b.residues);
  EXPECT_EQ(a.offsets, b.offsets);
  EXPECT_EQ(a.samples.ids, b.samples.ids);
  EXPECT_EQ(a.samples.checksum, b.samples.checksum);
}

TEST(Fasta, DetectsDnaAndMapsAmbiguityCodes) {
  const auto s = read_fasta(path_of("seq_dna.fasta"));
  EXPECT_EQ(s.alphabet, Alphabet::dna);
  EXPECT_EQ(s.letters(0), "ACGTTGCAACGTNNNT");
  FastaReadOptions forced;
  forced.alphabet = Alphabet::protein;
  EXPECT_EQ(read_fasta(path_of("seq_dna.fasta"), forced).alphabet, Alphabet::protein);
  // Too many ambiguity codes: protein.
  const auto p = sequences_from_strings({"x"}, {"ACGTNNNNNN"});
  EXPECT_EQ(p.alphabet, Alphabet::protein);
  // A protein letter under a forced DNA alphabet is invalid.
  forced.alphabet = Alphabet::dna;
  EXPECT_THROW(sequences_from_strings({"x"}, {"ACGTE"}, forced), cleave::error);
}

TEST(Fasta, InvalidResiduePolicies) {
  const std::string msg = format_error("seq_bad_residue.fasta");
  EXPECT_NE(msg.find("seq_bad_residue.fasta:4:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'#'"), std::string::npos) << msg;
  FastaReadOptions opt;
  opt.invalid = InvalidResidue::replace;
  const auto r = read_fasta(path_of("seq_bad_residue.fasta"), opt);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r.letters(1), "MKTAXY");  // digits are ignored, '#' becomes X
  EXPECT_EQ(r.n_replaced, 1u);
  opt.invalid = InvalidResidue::skip;
  const auto k = read_fasta(path_of("seq_bad_residue.fasta"), opt);
  EXPECT_EQ(k.samples.ids, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(k.n_skipped, 1u);
  ASSERT_EQ(k.skipped_notes.size(), 1u);
  EXPECT_NE(k.skipped_notes[0].find(":4: b:"), std::string::npos) << k.skipped_notes[0];
}

TEST(Fasta, BadInputsNameFileAndLine) {
  std::string m = format_error("seq_empty.fasta");
  EXPECT_NE(m.find("seq_empty.fasta:3:"), std::string::npos) << m;
  EXPECT_NE(m.find("empty"), std::string::npos) << m;
  m = format_error("seq_duplicate.fasta");
  EXPECT_NE(m.find("seq_duplicate.fasta:5:"), std::string::npos) << m;
  EXPECT_NE(m.find("duplicate id 'a'"), std::string::npos) << m;
  m = format_error("seq_no_header.fasta");
  EXPECT_NE(m.find("seq_no_header.fasta:1:"), std::string::npos) << m;
  m = format_error("seq_truncated.fasta.gz");
  EXPECT_NE(m.find("seq_truncated.fasta.gz:"), std::string::npos) << m;
  EXPECT_NE(m.find("gzip"), std::string::npos) << m;
  try {
    read_fasta(path_of("seq_does_not_exist.fasta"));
    ADD_FAILURE() << "no error for a missing file";
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), errc::io);
  }
}

TEST(Fasta, RealFiles) {
  const auto path = cleave::test::real_data("proteins/flip_bind_uniprot_minus_heldout.fasta");
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  const auto s = read_fasta(path);
  EXPECT_EQ(s.size(), 1199u);
  EXPECT_EQ(s.alphabet, Alphabet::protein);
  // Plain in ../shared/data, gzip-compressed in tests/data/real.
  const auto d = cleave::test::real_data("dna/vsearch_BioMarKs_top5000_18S_V4.fasta");
  ASSERT_TRUE(std::filesystem::exists(d)) << d;
  const auto n = read_fasta(d);
  EXPECT_EQ(n.size(), 5000u);
  EXPECT_EQ(n.alphabet, Alphabet::dna);
}
