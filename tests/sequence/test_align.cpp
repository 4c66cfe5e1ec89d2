/// @file test_align.cpp
/// @brief The per-pair DP against a brute-force full-matrix Gotoh, against
/// parasail's values on real pairs, and the option names.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "cleave/error.hpp"
#include "seq_test_util.hpp"
#include "similarity/align_common.hpp"

using namespace cleave;

namespace {

void expect_brute(const Sequences& s, const AlignOptions& opt) {
  const auto sc = align_detail::make_scheme(s.alphabet, opt);
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j) {
      const auto want = seqtest::brute_force(s.data(i), s.length(i), s.data(j), s.length(j), sc,
                                             opt.mode == AlignMode::local);
      const auto got = align_pair(s, i, j, opt);
      ASSERT_EQ(got.score, want.score)
          << i << " " << j << " " << s.letters(i) << " " << s.letters(j);
      ASSERT_EQ(got.matches, want.matches)
          << i << " " << j << " " << s.letters(i) << " " << s.letters(j);
      ASSERT_EQ(got.length, want.length)
          << i << " " << j << " " << s.letters(i) << " " << s.letters(j);
      // The register-strip form the GPU kernel runs, with strips that divide
      // the lengths and strips that do not.
      std::vector<kernels::DpCell> col(s.length(i) + s.length(j) + 1);
      const bool local = opt.mode == AlignMode::local;
      const auto n1 = static_cast<int32_t>(s.length(i)), n2 = static_cast<int32_t>(s.length(j));
      for (const auto& strip :
           {local ? kernels::align_stats<true, 3>(s.data(i), n1, s.data(j), n2, sc, col.data())
                  : kernels::align_stats<false, 3>(s.data(i), n1, s.data(j), n2, sc, col.data()),
            local ? kernels::align_stats<true, 8>(s.data(i), n1, s.data(j), n2, sc, col.data())
                  : kernels::align_stats<false, 8>(s.data(i), n1, s.data(j), n2, sc, col.data())}) {
        ASSERT_EQ(strip.score, want.score) << i << " " << j << " strip";
        ASSERT_EQ(strip.matches, want.matches) << i << " " << j << " strip";
        ASSERT_EQ(strip.length, want.length) << i << " " << j << " strip";
      }
    }
}

}  // namespace

TEST(AlignDp, MatchesBruteForceGotohOnRandomSequences) {
  // Small alphabets and short sequences give many score ties.
  // Mode 2: global with every column in the length (identity full).
  for (int mode = 0; mode < 3; ++mode) {
    for (auto [open, ext] : {std::pair{11, 1}, {3, 1}, {1, 1}, {5, 2}, {0, 0}}) {
      AlignOptions opt;
      opt.mode = mode == 1 ? AlignMode::local : AlignMode::global;
      opt.identity = mode == 2 ? IdentityKind::full : IdentityKind::aligned;
      opt.gap_open = open;
      opt.gap_extend = ext;
      expect_brute(seqtest::random_sequences(14, 1, 24, "ACDW", Alphabet::protein, 7 + open), opt);
      expect_brute(seqtest::random_sequences(14, 1, 30, "ACGT", Alphabet::dna, 9 + open), opt);
      opt.match = 1;
      opt.mismatch = -1;
      expect_brute(seqtest::random_sequences(10, 1, 20, "AC", Alphabet::dna, 11 + open), opt);
    }
  }
}

TEST(AlignDp, KnownSmallCases) {
  const auto s = sequences_from_strings({"a", "b", "c", "d"}, {"AAAAWW", "WW", "WWAAAA", "W"});
  AlignOptions opt;
  opt.identity = IdentityKind::aligned;
  // parasail: leading end gaps are not counted in the length, trailing are.
  const auto r01 = align_pair(s, 0, 1, opt);
  EXPECT_EQ(r01.score, 8);
  EXPECT_EQ(r01.matches, 2);
  EXPECT_EQ(r01.length, 2);
  const auto r21 = align_pair(s, 2, 1, opt);
  EXPECT_EQ(r21.length, 6);
  // full (the default for global alignment): every column, at both ends.
  for (const auto kind : {IdentityKind::full, IdentityKind::automatic}) {
    opt.identity = kind;
    const auto f01 = align_pair(s, 0, 1, opt);
    EXPECT_EQ(f01.score, 8);
    EXPECT_EQ(f01.matches, 2);
    EXPECT_EQ(f01.length, 6);
    EXPECT_EQ(align_pair(s, 2, 1, opt).length, 6);
    EXPECT_EQ(align_pair(s, 1, 0, opt).length, 6);
    EXPECT_DOUBLE_EQ(alignment_identity(f01, 6, 2, IdentityKind::full), 2.0 / 6.0);
  }
  opt.mode = AlignMode::local;
  opt.identity = IdentityKind::full;
  EXPECT_THROW(align_pair(s, 0, 1, opt), cleave::error);
  opt.identity = IdentityKind::automatic;
  EXPECT_EQ(resolved_identity(opt), IdentityKind::aligned);
  EXPECT_DOUBLE_EQ(alignment_identity(r21, 6, 2, IdentityKind::aligned), 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(alignment_identity(r21, 6, 2, IdentityKind::shorter), 1.0);
  EXPECT_DOUBLE_EQ(alignment_identity(AlignResult{}, 6, 2, IdentityKind::aligned), 0.0);
}

// Values from python3-parasail 1.3.3 (Debian), obtained with
//   r = parasail.nw_stats(s1, s2, open, extend, m)  and  parasail.sw_stats(...)
// (score, matches, length), s1/s2 the upper-cased sequences of the named
// records of ../shared/data (the same records are in tests/data/real);
// m = parasail.blosum62 with open 11 extend 1 for proteins,
// parasail.matrix_create("ACGTN", 2, -3) with open 5 extend 2 for DNA.
struct RefPair {
  const char* file;
  const char* id1;
  const char* id2;
  AlignResult nw, sw;
};
// clang-format off
const RefPair kParasail[] = {
    {"proteins/hmmer_globins45.fasta", "MYG_ESCGI", "MYG_HORSE", {727, 137, 153}, {730, 137, 152}},
    {"proteins/hmmer_globins45.fasta", "MYG_ESCGI", "HBB2_TRICR", {31, 34, 154}, {57, 29, 124}},
    {"proteins/hmmer_globins45.fasta", "MYG_SAISC", "HBA_ANSSE", {88, 36, 153}, {107, 34, 138}},
    {"proteins/hmmer_globins45.fasta", "HBA_MACFA", "HBA_MACSI", {723, 140, 141}, {723, 140, 141}},
    {"proteins/hmmer_globins45.fasta", "HBB_SPETO", "HBB_LARRI", {515, 95, 146}, {515, 95, 146}},
    {"proteins/hmmer_globins45.fasta", "MYG_MOUSE", "MYG_MUSAN", {293, 62, 149}, {310, 62, 148}},
    {"proteins/pfam_fn3_seed_ungapped.fasta", "LAR_DROME/418-503", "TENA_CHICK/1495-1571", {91, 27, 88}, {102, 26, 77}},
    {"proteins/pfam_fn3_seed_ungapped.fasta", "KALM_CHICK/544-641", "MPSF_CHICK/802-887", {41, 21, 98}, {55, 19, 76}},
    {"proteins/pfam_fn3_seed_ungapped.fasta", "PTP10_DROME/124-205", "E1JJF8_DROME/918-1007", {23, 15, 90}, {34, 14, 65}},
    {"proteins/pfam_fn3_seed_ungapped.fasta", "NCAM1_BOVIN/510-597", "FINC_BOVIN/610-692", {40, 23, 94}, {56, 21, 73}},
    {"proteins/pfam_Pkinase_seed_ungapped.fasta", "CDC15_YEAST/25-272", "BYR2_SCHPO/394-658", {405, 95, 266}, {411, 95, 261}},
    {"proteins/pfam_Pkinase_seed_ungapped.fasta", "BYR1_SCHPO/66-320", "KS6A1_MOUSE/407-664", {145, 65, 265}, {152, 56, 214}},
    {"proteins/pfam_Pkinase_seed_ungapped.fasta", "BUR1_YEAST/60-366", "CTK1_YEAST/183-469", {506, 115, 312}, {506, 114, 307}},
    {"dna/dfam_MADE1_seed_ungapped.fasta", "H.sapiens_6.1/113836283-113836209", "H.sapiens_20.1/19570829-19570750", {101, 69, 80}, {114, 67, 73}},
    {"dna/dfam_MADE1_seed_ungapped.fasta", "H.sapiens_X.1/131791847-131791768", "H.sapiens_20.1/38404718-38404797", {105, 69, 80}, {105, 69, 80}},
    {"dna/dfam_MADE1_seed_ungapped.fasta", "H.sapiens_7.1/155664673-155664594", "H.sapiens_6.1/106323847-106323770", {76, 65, 82}, {86, 64, 77}},
    {"dna/dfam_MADE1_seed_ungapped.fasta", "H.sapiens_4.1/4086165-4086087", "H.sapiens_2.1/59626468-59626391", {74, 64, 79}, {84, 64, 78}},
    {"dna/vsearch_BioMarKs_top5000_18S_V4.fasta", "b235271fbc8a6c9d990037857189ee9a;size=22254", "7e02ae2e1e404d4e7c6035a6e374d29d;size=20728", {174, 284, 404}, {181, 283, 400}},
    {"dna/vsearch_BioMarKs_top5000_18S_V4.fasta", "817512aac90b499dbeb9a8c91816a9bf;size=1094", "4706079f6d3ce6087ed886881f3de824;size=36", {392, 318, 393}, {392, 318, 393}},
    {"dna/vsearch_BioMarKs_top5000_18S_V4.fasta", "aecd442213d89e3f43949aee5040a3ed;size=5318", "58a1d64bc24977213e5f83aeb58458f3;size=58", {365, 311, 391}, {365, 311, 391}},
};
// clang-format on

TEST(AlignDp, EqualsParasailOnRealPairs) {
  std::map<std::string, Sequences> files;
  for (const auto& p : kParasail) {
    const auto path = cleave::test::real_data(p.file);
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    if (!files.count(p.file)) files.emplace(p.file, read_fasta(path));
    const Sequences& s = files.at(p.file);
    const auto& ids = s.samples.ids;
    const auto i = std::find(ids.begin(), ids.end(), p.id1) - ids.begin();
    const auto j = std::find(ids.begin(), ids.end(), p.id2) - ids.begin();
    ASSERT_LT(static_cast<std::size_t>(i), ids.size());
    ASSERT_LT(static_cast<std::size_t>(j), ids.size());
    AlignOptions opt;
    opt.identity = IdentityKind::aligned;  // parasail's stats length
    for (int mode = 0; mode < 2; ++mode) {
      opt.mode = mode ? AlignMode::local : AlignMode::global;
      const AlignResult want = mode ? p.sw : p.nw;
      const AlignResult got = align_pair(s, i, j, opt);
      EXPECT_EQ(got.score, want.score) << p.id1 << " " << p.id2 << " mode " << mode;
      EXPECT_EQ(got.matches, want.matches) << p.id1 << " " << p.id2 << " mode " << mode;
      EXPECT_EQ(got.length, want.length) << p.id1 << " " << p.id2 << " mode " << mode;
      // The SIMD path on the same pair.
      const uint8_t* t = s.data(j);
      const auto tl = static_cast<int32_t>(s.length(j));
      kernels::AlignStats st;
      align_detail::align_batch(s.data(i), s.length(i), &t, &tl, 1,
                                align_detail::make_scheme(s.alphabet, opt), mode == 1, &st);
      EXPECT_EQ(st.score, want.score);
      EXPECT_EQ(st.matches, want.matches);
      EXPECT_EQ(st.length, want.length);
    }
    // Counting every column changes the length only, by the leading gaps.
    opt.mode = AlignMode::global;
    opt.identity = IdentityKind::full;
    const AlignResult f = align_pair(s, i, j, opt);
    EXPECT_EQ(f.score, p.nw.score);
    EXPECT_EQ(f.matches, p.nw.matches);
    EXPECT_GE(f.length, p.nw.length);
    EXPECT_GE(f.length, static_cast<int32_t>(std::max(s.length(i), s.length(j))));
  }
}

TEST(AlignOptionsNames, ParseAndReject) {
  EXPECT_EQ(align_mode_from_name("local"), AlignMode::local);
  EXPECT_EQ(align_mode_from_name("nw"), AlignMode::global);
  EXPECT_EQ(identity_kind_from_name("shorter"), IdentityKind::shorter);
  EXPECT_EQ(identity_kind_from_name("cdhit"), IdentityKind::shorter);
  EXPECT_EQ(identity_kind_from_name("spectra"), IdentityKind::aligned);
  EXPECT_EQ(identity_kind_from_name("needle"), IdentityKind::full);
  EXPECT_STREQ(identity_kind_name(IdentityKind::full), "full");
  EXPECT_EQ(invalid_residue_from_name("skip"), InvalidResidue::skip);
  EXPECT_EQ(alphabet_from_name("dna"), Alphabet::dna);
  EXPECT_THROW(align_mode_from_name("semi"), cleave::error);
  EXPECT_THROW(identity_kind_from_name("x"), cleave::error);
  const auto s = sequences_from_strings({"a", "b"}, {"ACD", "ACD"});
  AlignOptions bad;
  bad.threshold = 1.5;
  EXPECT_THROW(align_pair(s, 0, 1, bad), cleave::error);
}
