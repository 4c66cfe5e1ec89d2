/// @file pairs.cpp
/// @brief Precomputed pair similarities ("i<TAB>j<TAB>value", 0-based), the
/// format of spectrae's precalculated files, read into an overlap graph.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cleave/error.hpp"
#include "cleave/io.hpp"
#include "cleave/util.hpp"
#include "io/text.hpp"

namespace cleave {

namespace {

struct Listed {
  uint64_t key;  // (min << 32) | max
  double value;
  uint64_t line;
};

}  // namespace

Graph read_pairs_graph(const std::filesystem::path& pairs, const std::filesystem::path& ids_file,
                       double threshold) {
  CLEAVE_EXPECTS(std::isfinite(threshold), "threshold must be a finite number, got {}", threshold);
  std::vector<std::string> ids;
  const bool have_ids = !ids_file.empty();
  if (have_ids) ids = read_id_list(ids_file);

  io_detail::LineReader in(pairs);
  const std::string& file = in.name();
  std::vector<Listed> listed;
  uint64_t max_index = 0;
  bool first = true;
  std::string line;
  while (in.next(line)) {
    auto tok = io_detail::split_whitespace(line);
    if (tok.empty() || tok[0].front() == '#') continue;
    if (tok.size() != 3)
      CLEAVE_FORMAT_ERROR(file, in.line_no(), "expected 'i<TAB>j<TAB>value', found {} fields",
                          tok.size());
    auto i = io_detail::parse_u64(tok[0]);
    auto j = io_detail::parse_u64(tok[1]);
    auto v = io_detail::parse_double(tok[2]);
    // A first line with no number at all is a header ("i j value").
    if (first && !i && !j && !v) {
      first = false;
      continue;
    }
    first = false;
    if (!i || !j)
      CLEAVE_FORMAT_ERROR(file, in.line_no(), "'{}' is not a 0-based sample index",
                          !i ? tok[0] : tok[1]);
    if (!v) CLEAVE_FORMAT_ERROR(file, in.line_no(), "'{}' is not a finite number", tok[2]);
    if (*i == *j) CLEAVE_FORMAT_ERROR(file, in.line_no(), "pair of sample {} with itself", *i);
    const uint64_t hi = std::max(*i, *j);
    if (have_ids && hi >= ids.size())
      CLEAVE_FORMAT_ERROR(file, in.line_no(), "index {} is out of range: {} lists {} ids", hi,
                          ids_file.string(), ids.size());
    if (hi >= std::numeric_limits<uint32_t>::max())
      CLEAVE_FORMAT_ERROR(file, in.line_no(), "index {} is too large", hi);
    max_index = std::max(max_index, hi);
    listed.push_back({(std::min(*i, *j) << 32) | hi, *v, in.line_no()});
  }
  if (listed.empty()) CLEAVE_FORMAT_ERROR(file, std::max<uint64_t>(1, in.line_no()), "no pairs");

  // Group repeats of a pair; a repeat must carry the same value.
  std::stable_sort(listed.begin(), listed.end(),
                   [](const Listed& a, const Listed& b) { return a.key < b.key; });
  std::size_t distinct = 0;
  const Listed* clash_first = nullptr;  // the conflict found earliest in the file
  Listed clash{};
  for (std::size_t k = 0; k < listed.size(); ++k) {
    if (distinct > 0 && listed[distinct - 1].key == listed[k].key) {
      // The sort is stable, so listed[distinct - 1] is the earlier line.
      if (listed[distinct - 1].value != listed[k].value &&
          (!clash_first || listed[k].line < clash.line)) {
        clash = listed[k];
        clash_first = &listed[distinct - 1];
      }
      continue;
    }
    listed[distinct++] = listed[k];
  }
  if (clash_first)
    CLEAVE_FORMAT_ERROR(file, clash.line,
                        "pair ({}, {}) listed again with a different value ({}; {} at line {})",
                        clash.key >> 32, clash.key & 0xffffffffu, clash.value, clash_first->value,
                        clash_first->line);
  listed.resize(distinct);

  GraphMeta meta;
  meta.measure = Measure::precomputed;
  meta.threshold = threshold;
  meta.n_pairs = distinct;
  double lo = 0.0, hi = 1.0;
  for (const auto& p : listed) {
    lo = std::min(lo, p.value);
    hi = std::max(hi, p.value);
  }
  meta.histogram.lo = lo;
  meta.histogram.hi = hi;
  std::vector<Edge> edges;
  for (const auto& p : listed) {
    meta.histogram.add(p.value);
    if (p.value >= threshold)
      edges.push_back({static_cast<uint32_t>(p.key >> 32),
                       static_cast<uint32_t>(p.key & 0xffffffffu), static_cast<float>(p.value)});
  }
  Checksum c;
  c.update_value(checksum_file(pairs));
  if (have_ids) c.update_value(checksum_file(ids_file));
  c.update_value(static_cast<uint32_t>(Measure::precomputed));
  c.update_value(threshold);
  meta.input_checksum = c.digest();
  meta.parameters = fmt::format(R"({{"measure":"precomputed","threshold":{}}})", threshold);

  const uint64_t n = have_ids ? ids.size() : max_index + 1;
  if (!have_ids) {
    ids.reserve(n);
    for (uint64_t k = 0; k < n; ++k) ids.push_back(std::to_string(k));
  }
  return Graph::from_edges(n, std::move(edges), std::move(meta), std::move(ids));
}

}  // namespace cleave
