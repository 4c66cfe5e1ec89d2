/// @file report.cpp
/// @brief The evaluator's outputs: auspc.tsv, spc.tsv, spc.svg and a
/// self-contained report.html.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "cleave/util.hpp"
#include "eval/text.hpp"

namespace cleave {

namespace {

using detail::eval::fixed;
using detail::eval::num;
using detail::eval::xml_escape;

std::string auspc_tsv(const std::vector<MetricResult>& results) {
  std::string s = "metric\tauspc\tci_low\tci_high\tn_points\tauspc_norm\tp_min\tp_max\tbootstrap\n";
  for (const auto& m : results)
    s += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", m.metric, num(m.auspc), num(m.ci_low),
                     num(m.ci_high), m.n_points(), num(m.auspc_norm), num(m.p_min), num(m.p_max),
                     m.bootstrap);
  return s;
}

std::string spc_tsv(const std::vector<MetricResult>& results) {
  std::string s = "metric\tsp\tmean\tsd\tn\toverlap\n";
  for (const auto& m : results)
    for (const auto& p : m.points)
      s += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\n", m.metric, num(p.sp), num(p.mean), num(p.sd), p.n,
                       num(p.overlap));
  return s;
}

std::string cell(double v, int digits = 4) {
  return std::isnan(v) ? std::string("&#8211;") : fixed(v, digits);
}

std::string report_html(const std::vector<MetricResult>& results, const std::string& svg) {
  std::string h = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>cleave evaluation: spectral performance curves</title>
<style>
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1040px; color: #222; }
table { border-collapse: collapse; margin: 0.8em 0 1.6em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: right; }
th { background: #eef2f7; }
td.name { text-align: left; }
p.note { max-width: 900px; line-height: 1.45; }
</style>
</head>
<body>
<h1>Spectral performance curves</h1>
<p class="note">The spectral performance curve (SPC) is a model's score on train/test splits made at
spectral parameters p from 0 to 1, where a higher p leaves less similarity between the training
and the test samples. AUSPC is the area under the mean curve by the trapezoidal rule, so a model
that keeps its score as the overlap shrinks has a higher AUSPC; the interval is the 2.5th to
97.5th percentile of AUSPC over bootstrap resamples of the repeats at each p.</p>
<h2>Summary</h2>
<table>
<tr><th>metric</th><th>AUSPC</th><th>95% CI</th><th>AUSPC / p-range</th><th>p range</th><th>points</th><th>undefined scores</th></tr>
)";
  for (const auto& m : results)
    h += fmt::format(
        "<tr><td class=\"name\">{}</td><td>{}</td><td>{} &#8211; {}</td><td>{}</td><td>{} &#8211; "
        "{}</td><td>{}</td><td>{}</td></tr>\n",
        xml_escape(m.metric), cell(m.auspc), cell(m.ci_low), cell(m.ci_high), cell(m.auspc_norm),
        cell(m.p_min, 2), cell(m.p_max, 2), m.n_points(), m.n_undefined);
  h += "</table>\n<h2>Curves</h2>\n";
  h += svg;
  h += "<h2>Points</h2>\n<table>\n<tr><th>metric</th><th>p</th><th>mean</th><th>sd</th><th>n</th>"
       "<th>overlap</th><th>test samples</th><th>scores by repeat</th></tr>\n";
  for (const auto& m : results)
    for (const auto& p : m.points) {
      std::string reps;
      for (std::size_t i = 0; i < p.scores.size(); ++i)
        reps += fmt::format("{}r{}: {}", i ? ", " : "", p.repeats[i], fixed(p.scores[i], 4));
      // The test samples behind the point: the range over its repeats.
      std::string tests = "&#8211;";
      if (!p.tests.empty() && *std::max_element(p.tests.begin(), p.tests.end()) > 0) {
        const auto [lo, hi] = std::minmax_element(p.tests.begin(), p.tests.end());
        tests = *lo == *hi ? fmt::format("{}", *lo) : fmt::format("{} &#8211; {}", *lo, *hi);
      }
      h += fmt::format(
          "<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
          "<td>{}</td><td class=\"name\">{}</td></tr>\n",
          xml_escape(m.metric), fixed(p.sp, 2), cell(p.mean), cell(p.sd), p.n, cell(p.overlap),
          tests, reps);
    }
  h += "</table>\n";
  if (!results.empty() && results.front().has_overlap())
    h += fmt::format(
        "<p class=\"note\">Overlap is the split set's column <code>{}</code>, averaged "
        "over the repeats scored at each p.</p>\n",
        xml_escape(results.front().overlap_column));
  h += "<p class=\"note\">Written by cleave.</p>\n</body>\n</html>\n";
  return h;
}

}  // namespace

void write_evaluation(const std::filesystem::path& out_dir,
                      const std::vector<MetricResult>& results) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) CLEAVE_FAIL(io, "cannot create {}: {}", out_dir.string(), ec.message());
  const std::string svg = render_spc_svg(results);
  write_file_atomic(out_dir / "auspc.tsv", auspc_tsv(results));
  write_file_atomic(out_dir / "spc.tsv", spc_tsv(results));
  write_file_atomic(out_dir / "spc.svg", svg);
  write_file_atomic(out_dir / "report.html", report_html(results, svg));
}

}  // namespace cleave
