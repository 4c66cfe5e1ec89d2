// Reading scores CSVs and split stats: good files and each kind of bad input.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "eval_test_util.hpp"

namespace cleave {
namespace {

// Expects read_scores to fail with errc::format naming `where` ("file:line").
void expect_format_error(const test::ScratchDir& dir, const std::string& text,
                         const std::string& where, const std::string& what) {
  auto p = dir.write("bad.csv", text);
  try {
    read_scores(p);
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::format) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.csv:" + where + ":"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(ReadScores, ReadsColumnsByName) {
  test::ScratchDir dir;
  auto p = dir.write("s.csv",
                     "model,score,repeat,sp,metric\r\n"
                     "gnn,0.5,0,0.00,spearman\r\n"
                     "\n"
                     "gnn,nan,1,0.05,spearman\r\n"
                     "gnn, 0.25 ,0,0.05,\"r2\"\r\n");
  auto rows = read_scores(p);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].metric, "spearman");
  EXPECT_EQ(rows[0].sp, 0.0);
  EXPECT_EQ(rows[0].score, 0.5);
  EXPECT_TRUE(std::isnan(rows[1].score));
  EXPECT_EQ(rows[1].repeat, 1);
  EXPECT_EQ(rows[2].metric, "r2");
  EXPECT_EQ(rows[2].score, 0.25);
  EXPECT_EQ(rows[2].sp, 0.05);
}

TEST(ReadScores, MetricDefaultsToScore) {
  test::ScratchDir dir;
  auto rows = read_scores(dir.write("s.csv", "sp,repeat,score\n0.1,0,1\n0.1,1,2\n"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].metric, "score");
}

TEST(ReadScores, BadInputNamesFileAndLine) {
  test::ScratchDir dir;
  expect_format_error(dir, "", "1", "empty file");
  expect_format_error(dir, "\n\n", "2", "empty file");
  expect_format_error(dir, "sp,repeat\n0.1,0\n", "1", "missing column 'score'");
  expect_format_error(dir, "sp,score,metric\n0.1,0,m\n", "1", "missing column 'repeat'");
  expect_format_error(dir, "sp,repeat,score\n", "1", "no score rows");
  expect_format_error(dir, "sp,repeat,score\n0.1,0,0.5\n0.2,0,abc\n", "3", "bad score");
  expect_format_error(dir, "sp,repeat,score\n0.1,0,inf\n", "2", "bad score");
  expect_format_error(dir, "sp,repeat,score\nx,0,0.5\n", "2", "bad sp");
  expect_format_error(dir, "sp,repeat,score\n1.5,0,0.5\n", "2", "outside [0, 1]");
  expect_format_error(dir, "sp,repeat,score\n-0.1,0,0.5\n", "2", "outside [0, 1]");
  expect_format_error(dir, "sp,repeat,score\n0.1,-1,0.5\n", "2", "bad repeat");
  expect_format_error(dir, "sp,repeat,score\n0.1,1.5,0.5\n", "2", "bad repeat");
  expect_format_error(dir, "sp,repeat,score\n0.1,0\n", "2", "fields");
  expect_format_error(dir, "sp,repeat,score,metric\n0.1,0,1,\"a\n", "2", "quote");
  expect_format_error(dir, "sp,repeat,score,metric\n0.1,0,1,a\n0.1,0,1,b\n0.2,0,1,a\n0.10,0,2,a\n",
                      "5", "first on line 2");
}

TEST(ReadScores, MissingFileIsIoError) {
  test::ScratchDir dir;
  try {
    read_scores(dir.path() / "none.csv");
    ADD_FAILURE();
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::io);
  }
}

TEST(ReadSplitStats, ReadsByNameAndKeepsOverlapColumns) {
  test::ScratchDir dir;
  auto p = dir.write("stats.tsv",
                     "sp\trepeat\tseed\tvalid\tkept\ttrain\ttest\toverlap_frac\toverlap_maxsim\t"
                     "overlap_meansim\textra\n"
                     "0.00\t0\t42\t1\t100\t80\t20\t0.9\t0.7\t0.1\tx\n"
                     "0.95\t2\t7\t0\t3\t0\t0\t\t\t\tx\n");
  auto rows = read_split_stats(p);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].seed, 42u);
  EXPECT_TRUE(rows[0].valid);
  EXPECT_EQ(rows[0].kept, 100u);
  EXPECT_EQ(rows[0].train, 80u);
  EXPECT_EQ(rows[0].test, 20u);
  EXPECT_EQ(rows[0].overlap.at("overlap_maxsim"), 0.7);
  EXPECT_EQ(rows[0].overlap.size(), 3u);
  EXPECT_FALSE(rows[1].valid);
  EXPECT_EQ(rows[1].repeat, 2);
  EXPECT_EQ(rows[1].sp, 0.95);
  EXPECT_TRUE(std::isnan(rows[1].overlap.at("overlap_frac")));
}

TEST(ReadSplitStats, BadRowsNameFileAndLine) {
  test::ScratchDir dir;
  auto p = dir.write("stats.tsv", "sp\trepeat\tvalid\n0.1\t0\t1\n0.2\t0\tmaybe\n");
  try {
    read_split_stats(p);
    ADD_FAILURE();
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::format);
    EXPECT_NE(std::string(e.what()).find("stats.tsv:3:"), std::string::npos) << e.what();
  }
  p = dir.write("stats.tsv", "sp\tvalid\n0.1\t1\n");
  EXPECT_THROW(read_split_stats(p), error);
}

}  // namespace
}  // namespace cleave
