/// @file test_dms.cpp
/// @brief Deep mutational scan CSV: mutation tokens, interning, labels,
/// bad input, and the GB1 set.
#include <gtest/gtest.h>

#include <map>

#include "cleave/io.hpp"
#include "io/io_test_util.hpp"

using namespace cleave;
using cleave::test::expect_error_at;
using cleave::test::ScratchDir;

namespace {

std::vector<std::string> mutations_of(const MutationSet& s, std::size_t i) {
  std::vector<std::string> out;
  for (uint64_t k = s.offsets[i]; k < s.offsets[i + 1]; ++k)
    out.push_back(s.mutation_names[s.mutation_ids[k]]);
  return out;
}

}  // namespace

TEST(Dms, ParsesMutantsAndScores) {
  ScratchDir dir;
  auto p = dir.write("d.csv",
                     "mutant,mutated_sequence,DMS_score\n\"D45E:A23C\",SEQ,0.5\nA23C,SEQ,-1\n"
                     "G100*:A23W,SEQ,2e-3\n");
  auto s = read_dms(p);
  ASSERT_EQ(s.samples.size(), 3u);
  EXPECT_EQ(s.samples.ids, (std::vector<std::string>{"D45E:A23C", "A23C", "G100*:A23W"}));
  EXPECT_EQ(s.samples.labels, (std::vector<double>{0.5, -1, 0.002}));
  EXPECT_EQ(s.samples.label_name, "DMS_score");
  // Mutations are numbered by position, then name.
  EXPECT_EQ(s.mutation_names, (std::vector<std::string>{"A23C", "A23W", "D45E", "G100*"}));
  EXPECT_EQ(s.offsets, (std::vector<uint64_t>{0, 2, 3, 5}));
  EXPECT_EQ(s.mutation_ids, (std::vector<uint32_t>{0, 2, 0, 1, 3}));
  EXPECT_EQ(mutations_of(s, 0), (std::vector<std::string>{"A23C", "D45E"}));
}

TEST(Dms, LabelColumnOptionsAndNoScore) {
  ScratchDir dir;
  auto p = dir.write("d.csv", "variant,fitness\nA1C,1\nA1D,2\n");
  DmsReadOptions opt;
  opt.mutant_column = "variant";
  auto s = read_dms(p, opt);
  EXPECT_FALSE(s.samples.has_labels());
  opt.label_column = "fitness";
  s = read_dms(p, opt);
  EXPECT_EQ(s.samples.labels, (std::vector<double>{1, 2}));
  expect_error_at([&] { (void)read_dms(p); }, errc::format, p, 1,
                  {"'mutant'", "available columns: variant, fitness"});
  opt.label_column = "score";
  expect_error_at([&] { (void)read_dms(p, opt); }, errc::format, p, 1, {"'score'"});
}

TEST(Dms, BadTokenFixture) {
  auto p = cleave::test::test_data("io_bad_mutation.csv");
  expect_error_at([&] { (void)read_dms(p); }, errc::format, p, 4, {"bad mutation '3W'"});
}

TEST(Dms, BadInputNamesLine) {
  ScratchDir dir;
  struct Case {
    std::string rows;  // after the header, starting at line 2
    uint64_t line;
    std::string part;
  };
  const std::vector<Case> cases = {
      {"A1C,1\n,2\n", 3, "empty mutant"},
      {"A1C,1\n23C,2\n", 3, "bad mutation '23C'"},
      {"A23,1\n", 2, "bad mutation 'A23'"},
      {"A0C,1\n", 2, "bad mutation 'A0C'"},
      {"a23c,1\n", 2, "bad mutation 'a23c'"},
      {"A2x3C,1\n", 2, "bad mutation 'A2x3C'"},
      {"A-3C,1\n", 2, "bad mutation 'A-3C'"},
      {"A23C:,1\n", 2, "bad mutation ''"},
      {"*23C,1\n", 2, "bad mutation '*23C'"},
      {"A23C:A23D,1\n", 2, "position 23 is mutated twice"},
      {"A1C,1\nB2D,2\nA1C,3\n", 4, "duplicate mutant 'A1C' (first at line 2)"},
      {"A1C,1\nB2D,high\n", 3, "not a number"},
      {"A1C\n", 2, "expected 2 fields"},
      {"", 1, "no data rows"},
  };
  int k = 0;
  for (const auto& c : cases) {
    auto p = dir.write("bad" + std::to_string(k++) + ".csv", "mutant,DMS_score\n" + c.rows);
    SCOPED_TRACE(c.rows);
    expect_error_at([&] { (void)read_dms(p); }, errc::format, p, c.line, {c.part});
  }
}

TEST(Dms, RealGb1) {
  auto p = cleave::test::real_data("dms/GB1_Wu_2016_FLIP_subset.csv");
  ASSERT_TRUE(std::filesystem::exists(p)) << p;
  auto s = read_dms(p);
  ASSERT_EQ(s.samples.size(), 8732u);
  ASSERT_TRUE(s.samples.has_labels());
  std::map<uint64_t, std::size_t> by_size;
  for (std::size_t i = 0; i < s.samples.size(); ++i) ++by_size[s.offsets[i + 1] - s.offsets[i]];
  EXPECT_EQ(by_size, (std::map<uint64_t, std::size_t>{{1, 27}, {2, 396}, {3, 2566}, {4, 5743}}));
  // Four sites, 19 substitutions each at most.
  EXPECT_LE(s.mutation_names.size(), 4u * 19u);
  for (std::size_t i = 0; i < s.samples.size(); ++i)
    for (uint64_t k = s.offsets[i] + 1; k < s.offsets[i + 1]; ++k)
      ASSERT_LT(s.mutation_ids[k - 1], s.mutation_ids[k]);
}
