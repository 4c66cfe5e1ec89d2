// The SVG plot and the files written by write_evaluation.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cleave/eval.hpp"
#include "eval_test_util.hpp"

namespace cleave {
namespace {

// Checks that every element is closed in order, attribute quotes balance,
// and every '&' starts an entity. Returns "" when well-formed.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> stack;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      auto semi = s.find(';', i);
      if (semi == std::string::npos || semi - i > 8) return "bare & at " + std::to_string(i);
      continue;
    }
    if (s[i] == '>') return "stray > at " + std::to_string(i);
    if (s[i] != '<') continue;
    std::size_t end = i + 1;
    bool in_quote = false;
    while (end < s.size() && (in_quote || s[end] != '>')) {
      if (s[end] == '"') in_quote = !in_quote;
      if (!in_quote && s[end] == '<') return "< inside a tag at " + std::to_string(end);
      ++end;
    }
    if (end == s.size()) return "unterminated tag at " + std::to_string(i);
    std::string tag = s.substr(i + 1, end - i - 1);
    i = end;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '!' || tag[0] == '?') continue;
    if (tag[0] == '/') {
      std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) return "unbalanced </" + name + ">";
      stack.pop_back();
      continue;
    }
    if (tag.back() == '/') continue;
    stack.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

std::vector<MetricResult> sample_results(bool with_stats) {
  std::vector<ScoreRow> rows;
  std::vector<SplitStatsRow> stats;
  for (int i = 0; i <= 10; ++i)
    for (int r = 0; r < 3; ++r) {
      double p = i / 10.0;
      rows.push_back({"spearman", p, r, 0.8 - 0.5 * p + 0.02 * (r - 1)});
      rows.push_back({"r2 <&>", p, r, 0.6 - 0.6 * p * p + 0.03 * (r - 1)});
      SplitStatsRow s;
      s.sp = p;
      s.repeat = r;
      s.valid = true;
      s.overlap["overlap_frac"] = 0.95 - 0.9 * p + 0.01 * r;
      stats.push_back(s);
    }
  EvalOptions opt;
  opt.bootstrap = 200;
  return evaluate(rows, with_stats ? stats : std::vector<SplitStatsRow>{}, opt);
}

TEST(Svg, IsWellFormedAndShowsAuspc) {
  for (bool with_stats : {true, false}) {
    auto res = sample_results(with_stats);
    std::string svg = render_spc_svg(res);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_EQ(xml_problem(svg), "");
    char expect[64];
    std::snprintf(expect, sizeof expect, "AUSPC %.4f", res[0].auspc);
    EXPECT_NE(svg.find(expect), std::string::npos) << expect;
    EXPECT_NE(svg.find("r2 &lt;&amp;&gt;"), std::string::npos);
    EXPECT_NE(svg.find("spectral parameter p"), std::string::npos);
    EXPECT_EQ(svg.find("measured overlap") != std::string::npos, with_stats);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
  }
}

TEST(Svg, SelfCheckCatchesBrokenMarkup) {
  EXPECT_NE(xml_problem("<svg><g></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a & b</text></svg>"), "");
  EXPECT_EQ(xml_problem("<svg><g a=\"1\"/><text>a &amp; b</text></svg>"), "");
}

TEST(WriteEvaluation, WritesAllFiles) {
  test::ScratchDir dir;
  auto res = sample_results(true);
  auto out = dir.path() / "eval" / "nested";
  write_evaluation(out, res);
  std::string auspc = test::read_text(out / "auspc.tsv");
  EXPECT_EQ(auspc.rfind("metric\tauspc\tci_low\tci_high\tn_points\t", 0), 0u) << auspc;
  EXPECT_NE(auspc.find("spearman\t" + fmt::format("{}", res[0].auspc) + "\t"), std::string::npos)
      << auspc;
  std::string spc = test::read_text(out / "spc.tsv");
  EXPECT_EQ(spc.rfind("metric\tsp\tmean\tsd\tn\toverlap\n", 0), 0u);
  EXPECT_EQ(std::count(spc.begin(), spc.end(), '\n'), 1 + 2 * 11);
  std::string svg = test::read_text(out / "spc.svg");
  EXPECT_EQ(svg, render_spc_svg(res));
  std::string html = test::read_text(out / "report.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find(svg), std::string::npos);
  EXPECT_NE(html.find("trapezoidal"), std::string::npos);
  EXPECT_EQ(xml_problem(html.substr(html.find("<html"))), "");
  for (const auto& e : std::filesystem::directory_iterator(out))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

}  // namespace
}  // namespace cleave
