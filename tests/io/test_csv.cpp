/// @file test_csv.cpp
/// @brief CSV splitting (RFC 4180), header lookup, number parsing.
#include <gtest/gtest.h>

#include "io/io_test_util.hpp"
#include "io/text.hpp"

using namespace cleave;
using namespace cleave::io_detail;
using cleave::test::ScratchDir;

namespace {

std::vector<std::string> split(std::string_view line, char delim = ',') {
  std::vector<std::string> f;
  EXPECT_TRUE(split_csv_line(line, delim, f));
  return f;
}

}  // namespace

TEST(CsvSplit, PlainAndEmptyFields) {
  EXPECT_EQ(split("a,b,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split("a,,c,"), (std::vector<std::string>{"a", "", "c", ""}));
  EXPECT_EQ(split(""), (std::vector<std::string>{""}));
  EXPECT_EQ(split("x\ty", '\t'), (std::vector<std::string>{"x", "y"}));
}

TEST(CsvSplit, Quotes) {
  EXPECT_EQ(split(R"("a,b",c)"), (std::vector<std::string>{"a,b", "c"}));
  EXPECT_EQ(split(R"("say ""hi""",2)"), (std::vector<std::string>{R"(say "hi")", "2"}));
  EXPECT_EQ(split(R"("",x)"), (std::vector<std::string>{"", "x"}));
  EXPECT_EQ(split(R"(a,"b" ,c)"), (std::vector<std::string>{"a", "b", "c"}));
  // A quote inside an unquoted field is kept as text.
  EXPECT_EQ(split(R"(ab"c,d)"), (std::vector<std::string>{R"(ab"c)", "d"}));
  std::vector<std::string> f;
  EXPECT_THROW(split_csv_line(R"("a"b,c)", ',', f), std::invalid_argument);
}

TEST(CsvSplit, QuotedFieldAcrossLines) {
  std::vector<std::string> f;
  EXPECT_FALSE(split_csv_line(R"(1,"first)", ',', f));
  EXPECT_TRUE(split_csv_line(R"(second",3)", ',', f, true));
  EXPECT_EQ(f, (std::vector<std::string>{"1", "first\nsecond", "3"}));
}

TEST(CsvReader, RecordsHeaderAndLineNumbers) {
  ScratchDir dir;
  auto p = dir.write("a.csv",
                     "\xEF\xBB\xBFid,\"smi les\",label\r\n\r\nx,\"C,C\",1\r\n"
                     "y,\"multi\nline\",2\nz,CC,3\n");
  CsvReader csv(p);
  EXPECT_EQ(csv.header(), (std::vector<std::string>{"id", "smi les", "label"}));
  EXPECT_EQ(csv.find("smi les"), std::optional<std::size_t>(1));
  EXPECT_EQ(csv.find_any({"nope", "label"}), std::optional<std::size_t>(2));
  std::vector<std::string> f;
  ASSERT_TRUE(csv.next(f));
  EXPECT_EQ(f[1], "C,C");
  EXPECT_EQ(csv.line_no(), 3u);
  ASSERT_TRUE(csv.next(f));
  EXPECT_EQ(f[1], "multi\nline");
  EXPECT_EQ(csv.line_no(), 4u);
  ASSERT_TRUE(csv.next(f));
  EXPECT_EQ(f[0], "z");
  EXPECT_EQ(csv.line_no(), 6u);
  EXPECT_FALSE(csv.next(f));
}

TEST(CsvReader, MissingColumnListsAvailable) {
  ScratchDir dir;
  auto p = dir.write("a.csv", "id,smiles\nx,C\n");
  CsvReader csv(p);
  cleave::test::expect_error_at([&] { (void)csv.require("weight", "label"); }, errc::format, p, 1,
                                {"'weight'", "available columns: id, smiles"});
}

TEST(CsvReader, BadRecordsNameFileAndLine) {
  ScratchDir dir;
  auto p = dir.write("fields.csv", "a,b\n1,2\n1,2,3\n");
  cleave::test::expect_error_at(
      [&] {
        CsvReader csv(p);
        std::vector<std::string> f;
        while (csv.next(f)) {
        }
      },
      errc::format, p, 3, {"expected 2 fields", "found 3"});

  auto q = dir.write("quote.csv", "a,b\n1,2\n\"open,2\n3,4\n");
  cleave::test::expect_error_at(
      [&] {
        CsvReader csv(q);
        std::vector<std::string> f;
        while (csv.next(f)) {
        }
      },
      errc::format, q, 3, {"never closed"});

  auto r = dir.write("after.csv", "a,b\n1,2\n\"x\"y,2\n");
  cleave::test::expect_error_at(
      [&] {
        CsvReader csv(r);
        std::vector<std::string> f;
        while (csv.next(f)) {
        }
      },
      errc::format, r, 3, {"closing quote"});

  auto e = dir.write("empty.csv", "");
  cleave::test::expect_error_at([&] { CsvReader csv(e); }, errc::format, e, 1, {"empty"});
}

TEST(CsvReader, MissingFileIsIoError) {
  cleave::test::expect_error([] { CsvReader csv("/nonexistent/cleave/x.csv"); }, errc::io,
                             {"/nonexistent/cleave/x.csv"});
}

TEST(Numbers, ParseDoubleAndIndex) {
  EXPECT_EQ(parse_double(" -1.25 "), std::optional<double>(-1.25));
  EXPECT_EQ(parse_double("+3e2"), std::optional<double>(300.0));
  EXPECT_FALSE(parse_double(""));
  EXPECT_FALSE(parse_double("1.5x"));
  EXPECT_FALSE(parse_double("nan"));
  EXPECT_FALSE(parse_double("inf"));
  EXPECT_EQ(parse_u64("42"), std::optional<uint64_t>(42));
  EXPECT_FALSE(parse_u64("-1"));
  EXPECT_FALSE(parse_u64("1.0"));
  EXPECT_EQ(split_whitespace(" a\t b  c "), (std::vector<std::string_view>{"a", "b", "c"}));
}
