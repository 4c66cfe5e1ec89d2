/// @file audit.cpp
/// @brief Audit of an existing split (search.hpp): reading the split (id
/// lists, a CSV column, or a whole split set), the nearest reference sample
/// of every test and validation sample by exact search, and the summary and
/// report files.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/search.hpp"
#include "cleave/util.hpp"
#include "eval/text.hpp"

namespace cleave {

namespace {

namespace fs = std::filesystem;
using detail::eval::LineReader;

/// Sample index by id.
std::unordered_map<std::string, uint32_t> id_index(const Samples& samples) {
  std::unordered_map<std::string, uint32_t> m;
  m.reserve(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i)
    m.emplace(samples.ids[i], static_cast<uint32_t>(i));
  return m;
}

/// Where each sample was named first, for "named twice" messages.
struct Named {
  std::vector<std::string> where;  ///< "file:line", empty when not named
};

void assign(SplitAssignment& s, Named& named, const std::unordered_map<std::string, uint32_t>& ids,
            const std::string& id, SplitSide side, const fs::path& file, std::size_t line) {
  const auto it = ids.find(id);
  if (it == ids.end())
    throw error(errc::format,
                fmt::format("{}:{}: id '{}' is not in the dataset", file.string(), line, id));
  std::string& first = named.where[it->second];
  if (!first.empty())
    throw error(errc::format, fmt::format("{}:{}: id '{}' is named twice (first at {})",
                                          file.string(), line, id, first));
  first = fmt::format("{}:{}", file.string(), line);
  s.side[it->second] = side;
}

void read_id_list(const fs::path& file, SplitSide side, SplitAssignment& s, Named& named,
                  const std::unordered_map<std::string, uint32_t>& ids) {
  LineReader in(file);
  std::string line;
  while (in.next(line)) {
    const std::string_view id = detail::eval::trim(line);
    if (id.empty()) continue;
    assign(s, named, ids, std::string(id), side, file, in.line_no());
  }
}

SplitSide side_from_label(std::string label) {
  std::transform(label.begin(), label.end(), label.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (label == "train") return SplitSide::train;
  if (label == "test") return SplitSide::test;
  if (label == "valid" || label == "validation" || label == "val") return SplitSide::validation;
  return SplitSide::none;
}

SplitAssignment read_split_csv(const fs::path& file, const Samples& samples,
                               const std::string& column, const std::string& id_column) {
  SplitAssignment s;
  s.name = file.stem().string();
  s.side.assign(samples.size(), SplitSide::none);
  Named named{std::vector<std::string>(samples.size())};
  const auto ids = id_index(samples);
  LineReader in(file);
  std::string line;
  if (!in.next(line))
    throw error(errc::format, fmt::format("{}:1: the split file is empty", file.string()));
  const auto header = detail::eval::split_csv(line);
  if (!header)
    throw error(errc::format, fmt::format("{}:1: unterminated quote in the header", file.string()));
  const auto find = [&](const std::string& name) -> std::size_t {
    for (std::size_t k = 0; k < header->size(); ++k)
      if (detail::eval::trim((*header)[k]) == name) return k;
    throw error(errc::format,
                fmt::format("{}:1: no column '{}' in the header", file.string(), name));
  };
  const std::size_t col = find(column);
  const std::size_t id_col = id_column.empty() ? 0 : find(id_column);
  CLEAVE_EXPECTS(col != id_col, "{}: the split column '{}' is also the id column", file.string(),
                 column);
  while (in.next(line)) {
    if (detail::eval::trim(line).empty()) continue;
    const auto f = detail::eval::split_csv(line);
    if (!f)
      throw error(errc::format,
                  fmt::format("{}:{}: unterminated quote", file.string(), in.line_no()));
    if (f->size() <= std::max(col, id_col))
      throw error(errc::format, fmt::format("{}:{}: {} fields, the header has {}", file.string(),
                                            in.line_no(), f->size(), header->size()));
    const std::string label(detail::eval::trim((*f)[col]));
    const SplitSide side = side_from_label(label);
    if (side == SplitSide::none)
      throw error(errc::format,
                  fmt::format("{}:{}: side '{}' is none of train, valid, validation, test",
                              file.string(), in.line_no(), label));
    assign(s, named, ids, std::string(detail::eval::trim((*f)[id_col])), side, file, in.line_no());
  }
  return s;
}

bool is_split_folder(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "train.txt", ec) && fs::is_regular_file(dir / "test.txt", ec);
}

SplitAssignment read_split_folder(const fs::path& dir, const Samples& samples) {
  SplitAssignment s;
  fs::path norm = fs::absolute(dir).lexically_normal();
  if (norm.filename().empty()) norm = norm.parent_path();
  s.name = norm.filename().string();
  s.side.assign(samples.size(), SplitSide::none);
  Named named{std::vector<std::string>(samples.size())};
  const auto ids = id_index(samples);
  read_id_list(dir / "train.txt", SplitSide::train, s, named, ids);
  std::error_code ec;
  if (fs::is_regular_file(dir / "validation.txt", ec))
    read_id_list(dir / "validation.txt", SplitSide::validation, s, named, ids);
  read_id_list(dir / "test.txt", SplitSide::test, s, named, ids);
  return s;
}

/// Similarity rounded as a graph weight is.
double as_weight(double s) {
  return static_cast<double>(static_cast<float>(s));
}

std::string sim_text(double s) {
  return std::isnan(s) ? "NA" : fmt::format("{:.6f}", s);
}

}  // namespace

const char* split_side_name(SplitSide s) {
  switch (s) {
    case SplitSide::train:
      return "train";
    case SplitSide::validation:
      return "validation";
    case SplitSide::test:
      return "test";
    default:
      return "none";
  }
}

SplitAssignment read_split(const fs::path& path, const Samples& samples, const std::string& column,
                           const std::string& id_column) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    CLEAVE_EXPECTS(is_split_folder(path), "{}: a split folder needs train.txt and test.txt",
                   path.string());
    return read_split_folder(path, samples);
  }
  CLEAVE_EXPECTS(fs::is_regular_file(path, ec), "cannot read split {}: no such file or folder",
                 path.string());
  return read_split_csv(path, samples, column, id_column);
}

std::vector<SplitAssignment> read_splits(const fs::path& path, const Samples& samples,
                                         const std::string& column, const std::string& id_column) {
  std::error_code ec;
  if (fs::is_directory(path, ec) && !is_split_folder(path)) {
    CLEAVE_EXPECTS(fs::is_regular_file(path / "stats.tsv", ec),
                   "{}: neither a split (train.txt and test.txt) nor a split set (stats.tsv)",
                   path.string());
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(path))
      if (e.is_directory() && is_split_folder(e.path())) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    CLEAVE_EXPECTS(!dirs.empty(), "{}: the split set holds no split folder", path.string());
    std::vector<SplitAssignment> out;
    out.reserve(dirs.size());
    for (const auto& d : dirs) out.push_back(read_split_folder(d, samples));
    return out;
  }
  return {read_split(path, samples, column, id_column)};
}

AuditResult audit(const FeatureView& data, const Samples& samples, const SplitAssignment& split,
                  const AuditOptions& opt) {
  const uint64_t n = data.size();
  CLEAVE_EXPECTS(samples.size() == n, "{} ids for {} samples", samples.size(), n);
  CLEAVE_EXPECTS(split.side.size() == n, "the split covers {} samples, the dataset has {}",
                 split.side.size(), n);
  CLEAVE_EXPECTS(std::isfinite(opt.threshold), "the audit threshold must be a number");
  for (double l : opt.levels)
    CLEAVE_EXPECTS(std::isfinite(l), "audit levels must be numbers, got {}", l);
  std::vector<uint32_t> reference, audited;
  for (uint32_t i = 0; i < n; ++i) {
    const SplitSide s = split.side[i];
    if (s == SplitSide::train || (opt.against_validation && s == SplitSide::validation))
      reference.push_back(i);
  }
  // Test samples, then validation ones, each in index order.
  for (const SplitSide want : {SplitSide::test, SplitSide::validation}) {
    if (want == SplitSide::validation && opt.against_validation) continue;
    for (uint32_t i = 0; i < n; ++i)
      if (split.side[i] == want) audited.push_back(i);
  }
  // Ties of the nearest sample go to the smaller id.
  std::vector<uint32_t> by_id(reference.size());
  std::iota(by_id.begin(), by_id.end(), 0U);
  std::sort(by_id.begin(), by_id.end(), [&](uint32_t a, uint32_t b) {
    return samples.ids[reference[a]] < samples.ids[reference[b]];
  });
  std::vector<uint64_t> rank(reference.size());
  for (std::size_t k = 0; k < by_id.size(); ++k) rank[by_id[k]] = k;

  SearchOptions so = opt.search;
  so.threshold = opt.threshold;
  so.top = 0;
  so.progress_label = "audit " + split.name;

  AuditResult out;
  out.name = split.name;
  out.levels = opt.levels;
  out.rows.reserve(audited.size());
  // Per side (test, validation), accumulated as the search's blocks arrive
  // in query order, so every sum adds in the order of the audited samples.
  struct Sums {
    AuditSummary s;
    double sum_max = 0, sum_overlap_max = 0, sum_all = 0;
    uint64_t touching = 0;
  };
  Sums sums[2];
  for (int k = 0; k < 2; ++k) {
    sums[k].s.side = k == 0 ? SplitSide::test : SplitSide::validation;
    sums[k].s.reference = reference.size();
    sums[k].s.frac_at_level.assign(opt.levels.size(), 0.0);
  }
  std::vector<std::pair<uint32_t, double>> w;
  search_within_blocks(
      data, audited, reference, so, rank, [&](uint64_t first, const SearchResult& r) {
        for (std::size_t k = 0; k < r.nearest.size(); ++k) {
          const uint32_t sample = audited[first + k];
          AuditRow row;
          row.sample = sample;
          row.side = split.side[sample];
          row.nearest =
              r.nearest[k] == SearchResult::kNone ? SearchResult::kNone : reference[r.nearest[k]];
          row.max_similarity = r.max_similarity[k];
          out.rows.push_back(row);
          Sums& x = sums[row.side == SplitSide::test ? 0 : 1];
          ++x.s.samples;
          const double m = r.max_similarity[k];
          x.sum_max += m;
          for (std::size_t l = 0; l < opt.levels.size(); ++l)
            if (m >= opt.levels[l]) x.s.frac_at_level[l] += 1;
          if (r.offsets[k + 1] > r.offsets[k]) {
            ++x.touching;
            // Hits come best first: the first is the largest weight.
            x.sum_overlap_max += as_weight(r.hits[r.offsets[k]].similarity);
            // Summed in target order, as a graph's adjacency lists are.
            w.clear();
            for (uint64_t h = r.offsets[k]; h < r.offsets[k + 1]; ++h)
              w.emplace_back(reference[r.hits[h].target], as_weight(r.hits[h].similarity));
            std::sort(w.begin(), w.end());
            for (const auto& e : w) x.sum_all += e.second;
          }
        }
      });
  for (Sums& x : sums) {
    AuditSummary& s = x.s;
    const SplitSide side = s.side;
    const double sum_max = x.sum_max, sum_overlap_max = x.sum_overlap_max, sum_all = x.sum_all;
    const uint64_t touching = x.touching;
    if (side == SplitSide::validation && s.samples == 0) continue;
    if (s.samples > 0) {
      const auto ns = static_cast<double>(s.samples);
      for (double& f : s.frac_at_level) f /= ns;
      s.mean_max_similarity = s.reference > 0 ? sum_max / ns : std::nan("");
      s.overlap_frac = static_cast<double>(touching) / ns;
      s.overlap_maxsim = sum_overlap_max / ns;
      if (s.reference > 0) s.overlap_meansim = sum_all / (static_cast<double>(s.reference) * ns);
    } else {
      s.mean_max_similarity = std::nan("");
    }
    out.summaries.push_back(std::move(s));
  }
  return out;
}

namespace {

std::string nearest_tsv(const Samples& samples, const AuditResult& a) {
  std::string t = "id\tside\tnearest_train_id\tmax_similarity\n";
  for (const AuditRow& r : a.rows)
    t += fmt::format("{}\t{}\t{}\t{}\n", samples.ids[r.sample], split_side_name(r.side),
                     r.nearest == SearchResult::kNone ? "NA" : samples.ids[r.nearest],
                     sim_text(r.max_similarity));
  return t;
}

std::string level_name(double l) {
  return fmt::format("frac_ge_{:.2f}", l);
}

/// Bars of the max-similarity histogram of one side, as inline SVG.
std::string histogram_svg(const AuditResult& a, SplitSide side, double lo, double hi) {
  constexpr int kBins = 20;
  std::vector<uint64_t> counts(kBins, 0);
  uint64_t peak = 1;
  for (const AuditRow& r : a.rows) {
    if (r.side != side || std::isnan(r.max_similarity)) continue;
    int b = static_cast<int>((r.max_similarity - lo) / (hi - lo) * kBins);
    b = std::clamp(b, 0, kBins - 1);
    peak = std::max(peak, ++counts[static_cast<std::size_t>(b)]);
  }
  constexpr double kW = 480, kH = 160, kPad = 30;
  std::string s =
      fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img">)",
                  kW + 2 * kPad, kH + 2 * kPad);
  const double bw = kW / kBins;
  for (int b = 0; b < kBins; ++b) {
    const double h =
        kH * static_cast<double>(counts[static_cast<std::size_t>(b)]) / static_cast<double>(peak);
    s += fmt::format(
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#4477aa"><title>{:.2f}-{:.2f}: {}</title></rect>)",
        kPad + b * bw + 1, kPad + kH - h, bw - 2, h, lo + (hi - lo) * b / kBins,
        lo + (hi - lo) * (b + 1) / kBins, counts[static_cast<std::size_t>(b)]);
  }
  s += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#333"/>)", kPad, kPad + kH,
                   kPad + kW);
  s += fmt::format(R"(<text x="{}" y="{}" font-size="11">{:.2f}</text>)", kPad - 8, kPad + kH + 14,
                   lo);
  s += fmt::format(R"(<text x="{}" y="{}" font-size="11">{:.2f}</text>)", kPad + kW - 16,
                   kPad + kH + 14, hi);
  s += fmt::format(R"(<text x="{}" y="{}" font-size="11">max similarity to the reference</text>)",
                   kPad + kW / 2 - 90, kPad + kH + 26);
  s += fmt::format(R"(<text x="{}" y="{}" font-size="11">{} samples at most</text>)", kPad,
                   kPad - 8, peak);
  return s + "</svg>\n";
}

std::string report_html(const std::vector<AuditResult>& audits, const AuditOptions& opt) {
  using detail::eval::xml_escape;
  std::string h = R"(<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>cleave audit</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head>
<body>
<h1>Split audit</h1>
)";
  h += fmt::format(
      "<p>Each test (and validation) sample's largest similarity to any {} sample, computed "
      "exactly over all pairs. Overlap columns use the graph threshold {}.</p>\n",
      opt.against_validation ? "train or validation" : "train", opt.threshold);
  const double lo = opt.search.measure == Measure::cosine ? -1.0 : 0.0;
  for (const AuditResult& a : audits) {
    h += fmt::format("<h2>{}</h2>\n<table><tr><th>side</th><th>samples</th><th>reference</th>",
                     xml_escape(a.name));
    for (double l : a.levels) h += fmt::format("<th>&ge; {:.2f}</th>", l);
    h += "<th>mean max</th><th>overlap_frac</th></tr>\n";
    for (const AuditSummary& s : a.summaries) {
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td>", split_side_name(s.side), s.samples,
                       s.reference);
      for (double f : s.frac_at_level) h += fmt::format("<td>{:.3f}</td>", f);
      h += fmt::format("<td>{}</td><td>{:.3f}</td></tr>\n", sim_text(s.mean_max_similarity),
                       s.overlap_frac);
    }
    h += "</table>\n";
    for (const AuditSummary& s : a.summaries)
      h += fmt::format("<h3>{}: max similarity</h3>\n", split_side_name(s.side)) +
           histogram_svg(a, s.side, lo, 1.0);
  }
  return h + "<p>Written by cleave.</p>\n</body>\n</html>\n";
}

}  // namespace

void write_audit(const fs::path& dir, const Samples& samples,
                 const std::vector<AuditResult>& audits, const AuditOptions& opt) {
  CLEAVE_EXPECTS(!audits.empty(), "nothing to write: no split was audited");
  fs::create_directories(dir);
  const bool many = audits.size() > 1;
  std::string summary = many ? "split\t" : "";
  summary += "side\tsamples\treference";
  for (double l : opt.levels) summary.append("\t").append(level_name(l));
  summary += "\tmean_max_similarity\toverlap_frac\toverlap_maxsim\toverlap_meansim\n";
  for (const AuditResult& a : audits) {
    if (many) {
      fs::create_directories(dir / a.name);
      write_file_atomic(dir / a.name / "nearest.tsv", nearest_tsv(samples, a));
    } else {
      write_file_atomic(dir / "nearest.tsv", nearest_tsv(samples, a));
    }
    for (const AuditSummary& s : a.summaries) {
      if (many) summary += a.name + "\t";
      summary += fmt::format("{}\t{}\t{}", split_side_name(s.side), s.samples, s.reference);
      for (double f : s.frac_at_level) summary += fmt::format("\t{:.6f}", f);
      summary += fmt::format("\t{}\t{:.6f}\t{:.6f}\t{:.6f}\n", sim_text(s.mean_max_similarity),
                             s.overlap_frac, s.overlap_maxsim, s.overlap_meansim);
    }
  }
  write_file_atomic(dir / "summary.tsv", summary);
  write_file_atomic(dir / "report.html", report_html(audits, opt));
}

}  // namespace cleave
