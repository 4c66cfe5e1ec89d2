/// @file dms.cpp
/// @brief Deep mutational scan CSV: mutation barcodes per variant.
#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "cleave/error.hpp"
#include "cleave/io.hpp"
#include "cleave/util.hpp"
#include "io/text.hpp"

namespace cleave {

namespace {

bool is_residue(char c) {
  return c >= 'A' && c <= 'Z';
}

/// Parses "A23C" (wild-type residue, 1-based position, mutant residue or '*'
/// for a stop); returns the position or 0 when the token is malformed.
uint64_t parse_token(std::string_view t) {
  if (t.size() < 3 || !is_residue(t.front())) return 0;
  const char mt = t.back();
  if (!is_residue(mt) && mt != '*') return 0;
  auto pos = io_detail::parse_u64(t.substr(1, t.size() - 2));
  if (!pos || t[1] == '+' || t[1] == ' ') return 0;
  for (char c : t.substr(1, t.size() - 2))
    if (c < '0' || c > '9') return 0;
  return *pos;
}

struct Interned {
  uint64_t position;
  std::string name;
};

}  // namespace

MutationSet read_dms(const std::filesystem::path& path, const DmsReadOptions& opt) {
  io_detail::CsvReader csv(path, io_detail::lower_extension(path) == ".tsv" ? '\t' : ',');
  CLEAVE_EXPECTS(!opt.mutant_column.empty(), "the mutant column name is empty");
  const std::size_t mut_col = csv.require(opt.mutant_column, "mutant");
  std::optional<std::size_t> label_col;
  if (!opt.label_column.empty() && opt.label_column != "-")
    label_col = csv.require(opt.label_column, "label");
  else if (opt.label_column.empty())
    label_col = csv.find("DMS_score");

  MutationSet out;
  if (label_col) out.samples.label_name = csv.header()[*label_col];
  out.offsets.push_back(0);
  std::unordered_map<std::string, uint32_t> intern;
  std::vector<Interned> names;
  std::unordered_map<std::string, uint64_t> first_line;
  std::vector<std::string> f;
  std::vector<std::pair<uint64_t, uint32_t>> tokens;  // (position, id) of one variant
  while (csv.next(f)) {
    const uint64_t line = csv.line_no();
    std::string mutant(io_detail::trim(f[mut_col]));
    if (mutant.empty()) CLEAVE_FORMAT_ERROR(csv.name(), line, "empty mutant");
    tokens.clear();
    std::string_view rest(mutant);
    for (;;) {
      const std::size_t colon = rest.find(':');
      std::string_view tok = rest.substr(0, colon);
      const uint64_t pos = parse_token(tok);
      if (pos == 0)
        CLEAVE_FORMAT_ERROR(csv.name(), line,
                            "bad mutation '{}' in '{}' (expected e.g. A23C: wild-type residue, "
                            "1-based position, mutant residue or *)",
                            tok, mutant);
      auto [it, fresh] = intern.emplace(std::string(tok), static_cast<uint32_t>(names.size()));
      if (fresh) names.push_back({pos, std::string(tok)});
      for (const auto& [p, id] : tokens)
        if (p == pos)
          CLEAVE_FORMAT_ERROR(csv.name(), line, "position {} is mutated twice in '{}'", pos,
                              mutant);
      tokens.emplace_back(pos, it->second);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
    if (label_col) {
      auto v = io_detail::parse_double(f[*label_col]);
      if (!v)
        CLEAVE_FORMAT_ERROR(csv.name(), line, "label '{}' in column '{}' is not a number",
                            f[*label_col], out.samples.label_name);
      out.samples.labels.push_back(*v);
    }
    auto [it, fresh] = first_line.emplace(mutant, line);
    if (!fresh)
      CLEAVE_FORMAT_ERROR(csv.name(), line, "duplicate mutant '{}' (first at line {})", mutant,
                          it->second);
    for (const auto& t : tokens) out.mutation_ids.push_back(t.second);
    out.offsets.push_back(out.mutation_ids.size());
    out.samples.ids.push_back(std::move(mutant));
  }
  if (out.samples.ids.empty())
    CLEAVE_FORMAT_ERROR(csv.name(), std::max<uint64_t>(1, csv.last_line()), "no data rows");

  // Number mutations by (position, name) so ids do not depend on row order.
  std::vector<uint32_t> order(names.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return names[a].position != names[b].position ? names[a].position < names[b].position
                                                  : names[a].name < names[b].name;
  });
  std::vector<uint32_t> remap(names.size());
  out.mutation_names.resize(names.size());
  for (uint32_t k = 0; k < order.size(); ++k) {
    remap[order[k]] = k;
    out.mutation_names[k] = std::move(names[order[k]].name);
  }
  for (auto& m : out.mutation_ids) m = remap[m];
  for (std::size_t i = 0; i + 1 < out.offsets.size(); ++i)
    std::sort(out.mutation_ids.begin() + static_cast<std::ptrdiff_t>(out.offsets[i]),
              out.mutation_ids.begin() + static_cast<std::ptrdiff_t>(out.offsets[i + 1]));
  out.samples.checksum = checksum_file(path);
  return out;
}

}  // namespace cleave
