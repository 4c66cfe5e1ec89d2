/// @file test_formats.cpp
/// @brief Format names, detection and id lists.
#include <gtest/gtest.h>

#include "cleave/io.hpp"
#include "io/io_test_util.hpp"

using namespace cleave;
using cleave::test::expect_error_at;
using cleave::test::ScratchDir;

TEST(Formats, Names) {
  EXPECT_EQ(input_format_from_name("auto"), InputFormat::automatic);
  EXPECT_EQ(input_format_from_name("csv"), InputFormat::csv);
  EXPECT_EQ(input_format_from_name("smi"), InputFormat::smi);
  EXPECT_EQ(input_format_from_name("smiles"), InputFormat::smi);
  EXPECT_EQ(input_format_from_name("fps"), InputFormat::fps);
  EXPECT_EQ(input_format_from_name("dms"), InputFormat::dms);
  EXPECT_EQ(input_format_from_name("pairs"), InputFormat::pairs);
  cleave::test::expect_error([] { (void)input_format_from_name("sdf"); }, errc::invalid_argument,
                             {"'sdf'", "csv, smi, fps, dms, pairs"});
}

TEST(Formats, Detect) {
  ScratchDir dir;
  EXPECT_EQ(detect_format(dir.write("a.csv", "id,smiles\nx,C\n")), InputFormat::csv);
  EXPECT_EQ(detect_format(dir.write("b.CSV", "\"mutant\",DMS_score\nA1C,1\n")), InputFormat::dms);
  EXPECT_EQ(detect_format(dir.write("c.smi", "C x\n")), InputFormat::smi);
  EXPECT_EQ(detect_format(dir.write("c.smiles", "C x\n")), InputFormat::smi);
  EXPECT_EQ(detect_format(dir.write("d.fps", "#FPS1\n")), InputFormat::fps);
  EXPECT_EQ(detect_format(dir.write("e.tsv", "i\tj\tvalue\n0\t1\t0.5\n")), InputFormat::pairs);
  EXPECT_EQ(detect_format(dir.write("f.txt", "# pairs\n0 1 0.5\n")), InputFormat::pairs);
  EXPECT_EQ(detect_format(dir.write("g.tsv", "id\tsmiles\nx\tC\n")), InputFormat::csv);
  cleave::test::expect_error([&] { (void)detect_format(dir.write("h.txt", "hello world\nfoo\n")); },
                             errc::invalid_argument, {"h.txt"});
  cleave::test::expect_error([&] { (void)detect_format(dir.write("i.sdf", "x\n")); },
                             errc::invalid_argument, {"i.sdf"});
}

TEST(Formats, DetectRealData) {
  auto esol = cleave::test::real_data("molecules/moleculenet_esol.csv");
  auto gb1 = cleave::test::real_data("dms/GB1_Wu_2016_FLIP_subset.csv");
  ASSERT_TRUE(std::filesystem::exists(esol)) << esol;
  ASSERT_TRUE(std::filesystem::exists(gb1)) << gb1;
  EXPECT_EQ(detect_format(esol), InputFormat::csv);
  EXPECT_EQ(detect_format(gb1), InputFormat::dms);
}

TEST(IdList, ReadsTrimsAndRejects) {
  ScratchDir dir;
  auto p = dir.write("ids.txt", "a\r\n  b  \n\nc d\n");
  EXPECT_EQ(read_id_list(p), (std::vector<std::string>{"a", "b", "c d"}));
  auto dup = dir.write("dup.txt", "a\nb\n\na\n");
  expect_error_at([&] { (void)read_id_list(dup); }, errc::format, dup, 4,
                  {"duplicate id 'a' (first at line 1)"});
  auto empty = dir.write("empty.txt", "\n\n");
  expect_error_at([&] { (void)read_id_list(empty); }, errc::format, empty, 2, {"no ids"});
  cleave::test::expect_error([] { (void)read_id_list("/nonexistent/ids.txt"); }, errc::io);
}
