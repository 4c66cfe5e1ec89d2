/// @file write.cpp
/// @brief Writes a split set: stats.tsv, one folder per valid split, and a
/// manifest; built in a temporary folder and renamed into place whole.
#include <unistd.h>

#include <cmath>
#include <set>
#include <string>

#include "cleave/error.hpp"
#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "cleave/version.hpp"

namespace cleave {
namespace fs = std::filesystem;

namespace {

std::string json_string(std::string_view s) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, falsely) on "\"" + string.
  std::string out(1, '"');
  out += json_escape(s);
  out += '"';
  return out;
}

std::string json_number(double v) {
  return std::isfinite(v) ? fmt::format("{}", v) : "null";
}

std::string sample_id(const Graph& g, uint64_t v) {
  const auto& ids = g.ids();
  return v < ids.size() && !ids[v].empty() ? ids[v] : std::to_string(v);
}

void write_members(const fs::path& path, const Graph& g, const SplitResult& s, int8_t side) {
  std::string text;
  for (uint64_t v = 0; v < s.side.size(); ++v)
    if (s.side[v] == side) {
      text += sample_id(g, v);
      text += '\n';
    }
  write_file_atomic(path, text, /*sync=*/false);  // the whole set is synced once
}

std::string fold_stats_tsv(const std::vector<SplitResult>& splits, const SplitSetLayout& layout) {
  std::string t = layout.key + "\trepeat\tseed\tvalid\tkept\tkept_units";
  for (int k = 0; k < layout.folds; ++k) t += fmt::format("\tfold_{}", k);
  t += '\n';
  for (const auto& s : splits) {
    std::vector<uint64_t> size(static_cast<std::size_t>(layout.folds), 0);
    for (int8_t f : s.side)
      if (f >= 0 && f < layout.folds) ++size[static_cast<std::size_t>(f)];
    t += fmt::format("{:.2f}\t{}\t{}\t{}\t{}\t{}", s.p, s.repeat, s.seed, s.valid ? 1 : 0, s.kept,
                     s.kept_units);
    for (uint64_t c : size) t += fmt::format("\t{}", s.valid ? c : 0);
    t += '\n';
  }
  return t;
}

std::string stats_tsv(const std::vector<SplitResult>& splits, const SplitSetLayout& layout) {
  // Min-cut split sets: `reached` says whether overlap_frac is within the
  // tolerance of the target (1) or as close as the graph allowed (0).
  const bool reached = layout.key == "target";
  std::string t = layout.key + "\trepeat\tseed\tvalid\tkept\tkept_units\ttrain\t" +
                  (layout.validation ? "validation\t" : "") +
                  "test\toverlap_frac\toverlap_maxsim\toverlap_meansim" +
                  (reached ? "\treached" : "") + "\n";
  for (const auto& s : splits) {
    const std::string valid_col =
        layout.validation ? fmt::format("{}\t", s.valid ? s.validation : 0) : "";
    const std::string reached_col =
        reached ? fmt::format("\t{}", s.valid && s.reached ? 1 : 0) : "";
    if (s.valid)
      t += fmt::format("{:.2f}\t{}\t{}\t1\t{}\t{}\t{}\t{}{}\t{:.6f}\t{:.6f}\t{:.6f}{}\n", s.p,
                       s.repeat, s.seed, s.kept, s.kept_units, s.train, valid_col, s.test,
                       s.overlap.frac, s.overlap.maxsim, s.overlap.meansim, reached_col);
    else
      t += fmt::format("{:.2f}\t{}\t{}\t0\t{}\t{}\t0\t{}0\t0\t0\t0{}\n", s.p, s.repeat, s.seed,
                       s.kept, s.kept_units, valid_col, reached_col);
  }
  return t;
}

std::string options_json(const SplitOptions& opt) {
  return fmt::format(
      "{{\"test_fraction\": {}, \"weighted\": {}, \"compat_spectrae\": {}, \"min_kept\": {}, "
      "\"backend\": {}{}}}",
      json_number(opt.test_fraction), opt.weighted, opt.compat_spectrae, opt.min_kept,
      json_string(backend_name(opt.backend)),
      opt.valid_fraction > 0.0
          ? fmt::format(", \"valid_fraction\": {}", json_number(opt.valid_fraction))
          : std::string());
}

std::string manifest_json(const Graph& g, const std::vector<SplitResult>& splits,
                          const SplitSetLayout& layout, const std::string& inputs) {
  std::vector<double> ps;
  std::vector<uint64_t> seeds;
  for (const auto& s : splits) {
    if (ps.empty() || ps.back() != s.p) ps.push_back(s.p);
    if (static_cast<std::size_t>(s.repeat) >= seeds.size()) seeds.resize(s.repeat + 1, 0);
    seeds[s.repeat] = s.seed;
  }
  uint64_t valid = 0;
  for (const auto& s : splits) valid += s.valid ? 1 : 0;
  std::string ps_text, seeds_text;
  for (std::size_t i = 0; i < ps.size(); ++i) ps_text += (i ? ", " : "") + json_number(ps[i]);
  for (std::size_t i = 0; i < seeds.size(); ++i)
    seeds_text += (i ? ", " : "") + std::to_string(seeds[i]);
  const auto& m = g.meta();
  std::string j = "{\n";
  j += fmt::format("  \"tool\": \"cleave\",\n  \"version\": {},\n",
                   json_string(cleave_version_string()));
  j += fmt::format(
      "  \"graph\": {{\"checksum\": \"{}\", \"nodes\": {}, \"edges\": {}, \"threshold\": {}, "
      "\"measure\": {}, \"n_pairs\": {}}},\n",
      hex64(m.input_checksum), g.num_nodes(), g.num_edges(), json_number(m.threshold),
      json_string(measure_name(m.measure)), m.n_pairs);
  if (layout.method != "spectra")
    j += fmt::format("  \"method\": {},\n", json_string(layout.method));
  if (layout.folds > 0) j += fmt::format("  \"folds\": {},\n", layout.folds);
  j += fmt::format("  \"options\": {},\n",
                   layout.options_json.empty() ? std::string("{}") : layout.options_json);
  j += fmt::format("  \"{}\": [{}],\n  \"seeds\": [{}],\n", layout.key == "sp" ? "ps" : "targets",
                   ps_text, seeds_text);
  j += fmt::format("  \"splits\": {},\n  \"valid_splits\": {},\n", splits.size(), valid);
  std::string engines;
  for (const auto& sp : splits)
    if (!sp.engine.empty()) engines += (engines.empty() ? "" : ", ") + json_string(sp.engine);
  if (!engines.empty()) j += fmt::format("  \"engines\": [{}],\n", engines);
  j += fmt::format("  \"inputs\": {}\n}}\n", inputs.empty() ? std::string("{}") : inputs);
  return j;
}

}  // namespace

std::string split_dir_name(double p, int repeat, const std::string& prefix) {
  return fmt::format("{}_{:.2f}_r{}", prefix, p, repeat);
}

void write_split_set(const fs::path& out_dir, const Graph& g,
                     const std::vector<SplitResult>& splits, const SplitOptions& opt,
                     const std::string& manifest_inputs_json) {
  SplitSetLayout layout;
  layout.options_json = options_json(opt);
  layout.validation = opt.valid_fraction > 0.0;
  write_split_set(out_dir, g, splits, layout, manifest_inputs_json);
}

void write_split_set(const fs::path& out_dir, const Graph& g,
                     const std::vector<SplitResult>& splits, const SplitSetLayout& layout,
                     const std::string& manifest_inputs_json) {
  fs::path out = out_dir;
  if (!out.has_filename()) out = out.parent_path();
  CLEAVE_EXPECTS(!out.empty(), "empty output directory");
  std::set<std::string> names;
  for (const auto& s : splits)
    CLEAVE_EXPECTS(names.insert(split_dir_name(s.p, s.repeat, layout.dir_prefix)).second,
                   "two splits share the folder name {}",
                   split_dir_name(s.p, s.repeat, layout.dir_prefix));

  const std::string pid = std::to_string(::getpid());
  const fs::path tmp = out.string() + ".tmp-" + pid;
  const fs::path old = out.string() + ".old-" + pid;
  std::error_code ec;
  try {
    fs::remove_all(tmp);
    if (out.has_parent_path()) fs::create_directories(out.parent_path());
    fs::create_directories(tmp);
    for (const auto& s : splits) {
      if (!s.valid) continue;
      CLEAVE_EXPECTS(s.side.size() == g.num_nodes(), "split p={} seed={} has {} sides for {} nodes",
                     s.p, s.seed, s.side.size(), g.num_nodes());
      const fs::path dir = tmp / split_dir_name(s.p, s.repeat, layout.dir_prefix);
      fs::create_directory(dir);
      if (layout.folds > 0) {
        for (int k = 0; k < layout.folds; ++k)
          write_members(dir / fmt::format("fold_{}.txt", k), g, s, static_cast<int8_t>(k));
        continue;
      }
      write_members(dir / "train.txt", g, s, kTrain);
      write_members(dir / "test.txt", g, s, kTest);
      if (s.validation > 0) write_members(dir / "validation.txt", g, s, kValidation);
    }
    write_file_atomic(tmp / "stats.tsv",
                      layout.folds > 0 ? fold_stats_tsv(splits, layout) : stats_tsv(splits, layout),
                      false);
    write_file_atomic(tmp / "manifest.json", manifest_json(g, splits, layout, manifest_inputs_json),
                      false);
    for (const auto& [name, content] : layout.extra_files)
      write_file_atomic(tmp / name, content, false);
    sync_filesystem(tmp);  // every file durable before the set becomes visible
    // Swap the finished set in; an older set is moved aside first since a
    // directory cannot be renamed over a non-empty one.
    fs::remove_all(old);
    if (fs::exists(out)) fs::rename(out, old);
    fs::rename(tmp, out);
    fs::remove_all(old, ec);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp, ec);
    CLEAVE_FAIL(io, "cannot write split set {}: {}", out.string(), e.what());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace cleave
