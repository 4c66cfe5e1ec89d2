/// @file scores_io.cpp
/// @brief Readers of the evaluator's inputs: the scores CSV and a split
/// set's stats.tsv. Columns are found by name.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "eval/text.hpp"

namespace cleave {

namespace {

using detail::eval::LineReader;

// Column positions by name; -1 when absent.
struct Header {
  std::vector<std::string> names;
  [[nodiscard]] int find(const std::string& name) const {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return static_cast<int>(i);
    return -1;
  }
};

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Reads lines up to the first non-blank one (the header); throws on an empty file.
std::string read_header(LineReader& in, const std::filesystem::path& path) {
  std::string line;
  while (in.next(line))
    if (!detail::eval::trim(line).empty()) return line;
  CLEAVE_FORMAT_ERROR(path.string(), in.line_no() == 0 ? 1 : in.line_no(), "empty file");
}

int require(const Header& h, const std::string& name, const std::filesystem::path& path,
            std::size_t line) {
  int c = h.find(name);
  if (c < 0)
    CLEAVE_FORMAT_ERROR(path.string(), line, "missing column '{}' (header has: {})", name,
                        joined(h.names));
  return c;
}

}  // namespace

std::vector<ScoreRow> read_scores(const std::filesystem::path& path) {
  LineReader in(path);
  std::string line = read_header(in, path);
  const std::size_t header_line = in.line_no();
  auto names = detail::eval::split_csv(line);
  if (!names) CLEAVE_FORMAT_ERROR(path.string(), header_line, "unterminated quote in header");
  Header h{*names};
  const int c_sp = require(h, "sp", path, header_line);
  const int c_rep = require(h, "repeat", path, header_line);
  const int c_score = require(h, "score", path, header_line);
  const int c_metric = h.find("metric");
  const std::size_t need = static_cast<std::size_t>(std::max({c_sp, c_rep, c_score, c_metric})) + 1;

  std::vector<ScoreRow> rows;
  std::map<std::tuple<std::string, int64_t, int>, std::size_t> seen;
  while (in.next(line)) {
    if (detail::eval::trim(line).empty()) continue;
    const std::size_t ln = in.line_no();
    auto f = detail::eval::split_csv(line);
    if (!f) CLEAVE_FORMAT_ERROR(path.string(), ln, "unterminated quote");
    if (f->size() < need)
      CLEAVE_FORMAT_ERROR(path.string(), ln, "expected at least {} fields, found {}", need,
                          f->size());
    ScoreRow r;
    auto sp = detail::eval::parse_double((*f)[c_sp]);
    if (!sp || std::isnan(*sp)) CLEAVE_FORMAT_ERROR(path.string(), ln, "bad sp '{}'", (*f)[c_sp]);
    if (*sp < 0.0 || *sp > 1.0) CLEAVE_FORMAT_ERROR(path.string(), ln, "sp {} outside [0, 1]", *sp);
    auto rep = detail::eval::parse_int((*f)[c_rep]);
    if (!rep || *rep < 0 || *rep > 1'000'000'000)
      CLEAVE_FORMAT_ERROR(path.string(), ln, "bad repeat '{}'", (*f)[c_rep]);
    auto score = detail::eval::parse_double((*f)[c_score]);
    if (!score) CLEAVE_FORMAT_ERROR(path.string(), ln, "bad score '{}'", (*f)[c_score]);
    r.sp = *sp;
    r.repeat = static_cast<int>(*rep);
    r.score = *score;
    if (c_metric >= 0) {
      r.metric = (*f)[c_metric];
      if (r.metric.empty()) CLEAVE_FORMAT_ERROR(path.string(), ln, "empty metric name");
    }
    auto [it, fresh] =
        seen.emplace(std::make_tuple(r.metric, detail::eval::sp_key(r.sp), r.repeat), ln);
    if (!fresh)
      CLEAVE_FORMAT_ERROR(path.string(), ln,
                          "duplicate score for metric '{}', sp {}, repeat {} (first on line {})",
                          r.metric, r.sp, r.repeat, it->second);
    rows.push_back(std::move(r));
  }
  if (rows.empty()) CLEAVE_FORMAT_ERROR(path.string(), in.line_no(), "no score rows");
  return rows;
}

std::vector<SplitStatsRow> read_split_stats(const std::filesystem::path& path) {
  LineReader in(path);
  std::string line = read_header(in, path);
  const std::size_t header_line = in.line_no();
  Header h{detail::eval::split_tabs(line)};
  // A min-cut split set (cleave partition) names its splits by target overlap.
  const bool by_target = h.find("sp") < 0 && h.find("target") >= 0;
  const int c_sp = by_target ? h.find("target") : require(h, "sp", path, header_line);
  const int c_rep = require(h, "repeat", path, header_line);
  const int c_valid = require(h, "valid", path, header_line);
  const int c_seed = h.find("seed");
  const int c_kept = h.find("kept");
  const int c_train = h.find("train");
  const int c_test = h.find("test");
  std::vector<std::pair<int, std::string>> overlap_cols;
  for (std::size_t i = 0; i < h.names.size(); ++i)
    if (h.names[i].rfind("overlap_", 0) == 0)
      overlap_cols.emplace_back(static_cast<int>(i), h.names[i]);

  std::vector<SplitStatsRow> rows;
  while (in.next(line)) {
    if (detail::eval::trim(line).empty()) continue;
    const std::size_t ln = in.line_no();
    auto f = detail::eval::split_tabs(line);
    if (f.size() != h.names.size())
      CLEAVE_FORMAT_ERROR(path.string(), ln, "expected {} fields, found {}", h.names.size(),
                          f.size());
    SplitStatsRow r;
    auto sp = detail::eval::parse_double(f[c_sp]);
    if (!sp || std::isnan(*sp) || *sp < 0.0 || *sp > 1.0)
      CLEAVE_FORMAT_ERROR(path.string(), ln, "bad {} '{}'", by_target ? "target" : "sp", f[c_sp]);
    r.sp = *sp;
    if (by_target) r.dir_prefix = "ov";
    auto rep = detail::eval::parse_int(f[c_rep]);
    if (!rep || *rep < 0 || *rep > 1'000'000'000)
      CLEAVE_FORMAT_ERROR(path.string(), ln, "bad repeat '{}'", f[c_rep]);
    r.repeat = static_cast<int>(*rep);
    const std::string& v = f[c_valid];
    if (v == "1" || v == "true")
      r.valid = true;
    else if (v == "0" || v == "false")
      r.valid = false;
    else
      CLEAVE_FORMAT_ERROR(path.string(), ln, "bad valid '{}' (0 or 1)", v);
    auto count = [&](int c, uint64_t& out, const char* name) {
      if (c < 0) return;
      auto x = detail::eval::parse_uint(f[c]);
      if (!x) CLEAVE_FORMAT_ERROR(path.string(), ln, "bad {} '{}'", name, f[c]);
      out = *x;
    };
    count(c_seed, r.seed, "seed");
    count(c_kept, r.kept, "kept");
    count(c_train, r.train, "train");
    count(c_test, r.test, "test");
    for (const auto& [c, name] : overlap_cols) {
      if (f[c].empty()) {
        r.overlap[name] = std::nan("");
        continue;
      }
      auto x = detail::eval::parse_double(f[c]);
      if (!x) CLEAVE_FORMAT_ERROR(path.string(), ln, "bad {} '{}'", name, f[c]);
      r.overlap[name] = *x;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace cleave
