/// @file test_molecules.cpp
/// @brief SMILES input: CSV and SMI parsing, column detection, label joins,
/// bad input with file and line, and the real MoleculeNet sets.
#include <gtest/gtest.h>

#include "cleave/io.hpp"
#include "io/io_test_util.hpp"

using namespace cleave;
using cleave::test::expect_error_at;
using cleave::test::ScratchDir;

namespace {

std::vector<uint64_t> row_of(const Fingerprints& f, std::size_t i) {
  return {f.row(i), f.row(i) + f.words_per_fp};
}

std::size_t popcount(const std::vector<uint64_t>& w) {
  std::size_t c = 0;
  for (auto x : w) c += static_cast<std::size_t>(__builtin_popcountll(x));
  return c;
}

class Molecules : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_rdkit()) GTEST_SKIP() << "built without RDKit";
  }
  ScratchDir dir;
};

}  // namespace

TEST(MoleculesNoRdkit, ClearErrorWithoutRdkit) {
  if (have_rdkit()) GTEST_SKIP() << "built with RDKit";
  ScratchDir dir;
  auto p = dir.write("a.csv", "id,smiles\na,CCO\n");
  cleave::test::expect_error([&] { (void)read_molecules(p, {}); }, errc::invalid_argument,
                             {"RDKit"});
}

TEST_F(Molecules, CsvWithQuotesIdsAndLabels) {
  auto p = dir.write("m.csv",
                     "name,SMILES,label\n\"ethanol, abs\",CCO,1.5\nbenzene,\"c1ccccc1\",-2\n"
                     "ethanol2, CCO ,3e1\n");
  auto m = read_molecules(p, {});
  ASSERT_EQ(m.samples.size(), 3u);
  EXPECT_EQ(m.samples.ids, (std::vector<std::string>{"ethanol, abs", "benzene", "ethanol2"}));
  EXPECT_EQ(m.samples.labels, (std::vector<double>{1.5, -2.0, 30.0}));
  EXPECT_EQ(m.samples.label_name, "label");
  EXPECT_EQ(m.fps.n_bits, 2048u);
  EXPECT_EQ(m.fps.words_per_fp, 32u);
  EXPECT_EQ(m.fps.size(), 3u);
  EXPECT_EQ(row_of(m.fps, 0), row_of(m.fps, 2));  // same molecule, same bits
  EXPECT_NE(row_of(m.fps, 0), row_of(m.fps, 1));
  EXPECT_GT(popcount(row_of(m.fps, 1)), 0u);
  EXPECT_EQ(m.n_skipped, 0u);
  EXPECT_NE(m.samples.checksum, 0u);
}

TEST_F(Molecules, ColumnDetectionAndOptions) {
  auto p = dir.write("m.csv", "canonical_smiles,y,z\nCCO,1,7\nCCN,2,8\n");
  auto m = read_molecules(p, {});
  EXPECT_EQ(m.samples.ids, (std::vector<std::string>{"row1", "row2"}));
  EXPECT_FALSE(m.samples.has_labels());

  MoleculeReadOptions opt;
  opt.label_column = "z";
  opt.id_column = "y";
  opt.n_bits = 100;
  opt.radius = 1;
  m = read_molecules(p, opt);
  EXPECT_EQ(m.samples.ids, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(m.samples.labels, (std::vector<double>{7, 8}));
  EXPECT_EQ(m.samples.label_name, "z");
  EXPECT_EQ(m.fps.words_per_fp, 2u);
  for (std::size_t i = 0; i < m.fps.size(); ++i)
    EXPECT_EQ(m.fps.row(i)[1] >> 36, 0u) << "bits beyond n_bits are set";

  auto q = dir.write("l.csv", "smiles,label\nCCO,1\n");
  opt = {};
  opt.label_column = "-";
  EXPECT_FALSE(read_molecules(q, opt).samples.has_labels());
  EXPECT_TRUE(read_molecules(q, {}).samples.has_labels());
}

TEST_F(Molecules, WrongColumnNames) {
  auto p = dir.write("m.csv", "id,structure\na,CCO\n");
  expect_error_at([&] { (void)read_molecules(p, {}); }, errc::format, p, 1,
                  {"no SMILES column", "available columns: id, structure"});
  MoleculeReadOptions opt;
  opt.smiles_column = "structure";
  opt.id_column = "ident";
  expect_error_at([&] { (void)read_molecules(p, opt); }, errc::format, p, 1,
                  {"'ident'", "available columns: id, structure"});
  opt.id_column.clear();
  opt.label_column = "pIC50";
  expect_error_at([&] { (void)read_molecules(p, opt); }, errc::format, p, 1, {"'pIC50'"});
}

TEST_F(Molecules, BadLabelNamesLine) {
  auto p = cleave::test::test_data("io_bad_label.csv");
  expect_error_at([&] { (void)read_molecules(p, {}); }, errc::format, p, 4,
                  {"'abc'", "not a number"});
}

TEST_F(Molecules, DuplicateIdNamesBothLines) {
  auto p = cleave::test::test_data("io_duplicate_id.csv");
  expect_error_at([&] { (void)read_molecules(p, {}); }, errc::format, p, 5,
                  {"duplicate id 'm1'", "line 2"});
}

TEST_F(Molecules, BadSmilesSkippedOrStrict) {
  auto p = cleave::test::test_data("io_bad_smiles.csv");
  auto m = read_molecules(p, {});
  EXPECT_EQ(m.samples.ids, (std::vector<std::string>{"m1", "m3", "m5"}));
  EXPECT_EQ(m.n_skipped, 2u);
  ASSERT_EQ(m.skipped_notes.size(), 2u);
  EXPECT_NE(m.skipped_notes[0].find(p.string() + ":3: m2: unparseable SMILES"), std::string::npos)
      << m.skipped_notes[0];
  EXPECT_NE(m.skipped_notes[1].find(p.string() + ":5: m4:"), std::string::npos)
      << m.skipped_notes[1];
  MoleculeReadOptions strict;
  strict.strict = true;
  expect_error_at([&] { (void)read_molecules(p, strict); }, errc::format, p, 3,
                  {"m2", "unparseable SMILES"});
}

TEST_F(Molecules, FirstBadLineWinsAcrossKindsOfError) {
  // An unparseable SMILES on line 3 comes before a duplicate id on line 5.
  auto p = dir.write("m.csv", "id,smiles\na,CCO\nb,C1CC\nc,CCN\na,CCC\n");
  MoleculeReadOptions strict;
  strict.strict = true;
  expect_error_at([&] { (void)read_molecules(p, strict); }, errc::format, p, 3, {"b"});
  expect_error_at([&] { (void)read_molecules(p, {}); }, errc::format, p, 5, {"duplicate id"});
}

TEST_F(Molecules, EmptyInputs) {
  auto e = dir.write("e.csv", "");
  expect_error_at([&] { (void)read_molecules(e, {}); }, errc::format, e, 1, {"empty"});
  auto h = dir.write("h.csv", "id,smiles\n\n");
  expect_error_at([&] { (void)read_molecules(h, {}); }, errc::format, h, 2, {"no data rows"});
  auto s = dir.write("h.smi", "SMILES id\n");
  expect_error_at([&] { (void)read_molecules(s, {}); }, errc::format, s, 1, {"no data rows"});
  auto bad = dir.write("bad.smi", "C1CC x\n");
  expect_error_at([&] { (void)read_molecules(bad, {}); }, errc::format, bad, 1,
                  {"none of the 1 SMILES"});
  auto empty_id = dir.write("ei.csv", "id,smiles\n ,CCO\n");
  expect_error_at([&] { (void)read_molecules(empty_id, {}); }, errc::format, empty_id, 2,
                  {"empty id"});
}

TEST_F(Molecules, SmiFiles) {
  auto p = dir.write("m.smi", "SMILES Name\nCCO ethanol\n\nc1ccccc1\tbenzene extra\nCCN\n");
  auto m = read_molecules(p, {});
  EXPECT_EQ(m.samples.ids, (std::vector<std::string>{"ethanol", "benzene", "row3"}));
  EXPECT_FALSE(m.samples.has_labels());
  auto c = dir.write("m.csv", "id,smiles\nethanol,CCO\nbenzene,c1ccccc1\nrow3,CCN\n");
  auto mc = read_molecules(c, {});
  EXPECT_EQ(m.fps.words, mc.fps.words);

  auto dup = dir.write("d.smi", "CCO a\nCCN b\nCCC a\n");
  expect_error_at([&] { (void)read_molecules(dup, {}); }, errc::format, dup, 3,
                  {"duplicate id 'a'", "line 1"});
}

TEST_F(Molecules, LabelsFileJoin) {
  auto p = dir.write("m.csv", "id,smiles,label\na,CCO,1\nb,CCN,2\nc,C1CC,3\n");
  auto l = dir.write("labels.csv", "compound,activity,other\nb,20,0\nzz,5,0\na,10,0\n");
  MoleculeReadOptions opt;
  opt.labels_file = l;
  auto m = read_molecules(p, opt);
  EXPECT_EQ(m.samples.ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(m.samples.labels, (std::vector<double>{10, 20}));
  EXPECT_EQ(m.samples.label_name, "activity");

  opt.label_column = "other";
  opt.labels_id_column = "compound";
  m = read_molecules(p, opt);
  EXPECT_EQ(m.samples.labels, (std::vector<double>{0, 0}));

  auto missing = dir.write("l2.csv", "id,y\na,1\n");
  opt = {};
  opt.labels_file = missing;
  expect_error_at([&] { (void)read_molecules(p, opt); }, errc::format, p, 3,
                  {"id 'b' has no label", missing.string()});

  auto dup = dir.write("l3.csv", "id,y\na,1\nb,2\na,3\n");
  opt.labels_file = dup;
  expect_error_at([&] { (void)read_molecules(p, opt); }, errc::format, dup, 4,
                  {"duplicate id 'a'", "line 2"});

  auto bad = dir.write("l4.csv", "id,y\na,1\nb,x\n");
  opt.labels_file = bad;
  expect_error_at([&] { (void)read_molecules(p, opt); }, errc::format, bad, 3, {"not a number"});

  auto one = dir.write("l5.csv", "id\na\n");
  opt.labels_file = one;
  expect_error_at([&] { (void)read_molecules(p, opt); }, errc::format, one, 1,
                  {"available columns: id"});
}

TEST_F(Molecules, ManyRowsKeepOrderAcrossBatches) {
  std::string csv = "id,smiles\n";
  const int n = 5000;  // more than one fingerprint batch
  for (int i = 0; i < n; ++i)
    csv += "m" + std::to_string(i) + "," + std::string(1 + i % 25, 'C') + "\n";
  auto p = dir.write("many.csv", csv);
  auto m = read_molecules(p, {});
  ASSERT_EQ(m.samples.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(m.samples.ids[i], "m" + std::to_string(i));
  for (int i = 0; i + 25 < n; i += 97) EXPECT_EQ(row_of(m.fps, i), row_of(m.fps, i + 25));
  EXPECT_NE(row_of(m.fps, 0), row_of(m.fps, 1));
}

TEST_F(Molecules, RealEsol) {
  auto p = cleave::test::real_data("molecules/moleculenet_esol.csv");
  ASSERT_TRUE(std::filesystem::exists(p)) << p;
  auto m = read_molecules(p, {});
  EXPECT_EQ(m.samples.size(), 1128u);
  EXPECT_EQ(m.n_skipped, 0u);
  ASSERT_TRUE(m.samples.has_labels());
  EXPECT_EQ(m.samples.ids.front(), "ESOL_0001");
  EXPECT_DOUBLE_EQ(m.samples.labels.front(), -0.77);
}

TEST_F(Molecules, RealClintoxSkipsSixUnlessStrict) {
  auto p = cleave::test::real_data("molecules/moleculenet_clintox.csv");
  ASSERT_TRUE(std::filesystem::exists(p)) << p;
  auto m = read_molecules(p, {});
  EXPECT_EQ(m.n_skipped, 6u);
  EXPECT_EQ(m.samples.size(), 1484u - 6u);
  EXPECT_EQ(m.skipped_notes.size(), 6u);
  MoleculeReadOptions strict;
  strict.strict = true;
  cleave::test::expect_error([&] { (void)read_molecules(p, strict); }, errc::format,
                             {p.string() + ":", "unparseable SMILES"});
}
