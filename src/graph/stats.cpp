// Connected components and the summary printed by `cleave stats`.
#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "cleave/graph.hpp"

namespace cleave {

namespace {
uint32_t find_root(std::vector<uint32_t>& parent, uint32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}
}  // namespace

Components connected_components(const Graph& g) {
  const uint64_t n = g.num_nodes();
  std::vector<uint32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0u);
  auto offs = g.offsets();
  auto cols = g.columns();
  for (uint64_t v = 0; v < n; ++v) {
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
      uint32_t a = find_root(parent, static_cast<uint32_t>(v)), b = find_root(parent, cols[e]);
      if (a != b) parent[std::max(a, b)] = std::min(a, b);  // root = smallest node
    }
  }
  Components c;
  c.label.assign(n, 0);
  std::vector<uint32_t> label_of_root(n, UINT32_MAX);
  for (uint64_t v = 0; v < n; ++v) {
    uint32_t r = find_root(parent, static_cast<uint32_t>(v));
    if (label_of_root[r] == UINT32_MAX) {
      label_of_root[r] = static_cast<uint32_t>(c.size.size());
      c.size.push_back(0);
      c.edges.push_back(0);
    }
    uint32_t l = label_of_root[r];
    c.label[v] = l;
    ++c.size[l];
    c.edges[l] += g.degree(v);
  }
  for (auto& e : c.edges) e /= 2;
  return c;
}

GraphStats graph_stats(const Graph& g) {
  GraphStats s;
  s.nodes = g.num_nodes();
  s.edges = g.num_edges();
  if (s.nodes > 1)
    s.density = static_cast<double>(s.edges) /
                (static_cast<double>(s.nodes) * static_cast<double>(s.nodes - 1) / 2.0);
  std::vector<uint64_t> deg(s.nodes);
  for (uint64_t v = 0; v < s.nodes; ++v) {
    deg[v] = g.degree(v);
    s.isolated += deg[v] == 0;
    s.max_degree = std::max(s.max_degree, deg[v]);
  }
  s.mean_degree = s.nodes ? 2.0 * static_cast<double>(s.edges) / static_cast<double>(s.nodes) : 0;
  if (s.nodes) {
    std::vector<uint64_t> sorted = deg;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(s.nodes / 2), sorted.end());
    s.median_degree = static_cast<double>(sorted[s.nodes / 2]);
  }
  // Degree buckets: 0, 1, 2-3, 4-7, ... (powers of two).
  std::vector<uint64_t> buckets;
  for (uint64_t d : deg) {
    std::size_t b = d == 0 ? 0 : 1 + static_cast<std::size_t>(63 - __builtin_clzll(d));
    if (buckets.size() <= b) buckets.resize(b + 1, 0);
    ++buckets[b];
  }
  for (std::size_t b = 0; b < buckets.size(); ++b)
    if (buckets[b])
      s.degree_histogram.emplace_back(b == 0 ? 0 : uint64_t{1} << (b - 1), buckets[b]);
  Components c = connected_components(g);
  s.components = c.size.size();
  for (std::size_t i = 0; i < c.size.size(); ++i) {
    s.largest_component = std::max(s.largest_component, c.size[i]);
    s.clique_components += c.size[i] >= 2 && c.is_clique(static_cast<uint32_t>(i));
  }
  return s;
}

std::string format_stats(const Graph& g, const GraphStats& s) {
  const auto& m = g.meta();
  std::string out;
  out += fmt::format("measure          {}\n", measure_name(m.measure));
  out += fmt::format("threshold        {}\n", m.threshold);
  out += fmt::format("nodes            {}\n", s.nodes);
  out += fmt::format("edges            {}\n", s.edges);
  out += fmt::format("density          {:.6g}\n", s.density);
  out += fmt::format("isolated nodes   {}\n", s.isolated);
  out += fmt::format("components       {} (largest {} nodes, {} non-trivial cliques)\n",
                     s.components, s.largest_component, s.clique_components);
  out += fmt::format("degree           mean {:.3f}, median {}, max {}\n", s.mean_degree,
                     s.median_degree, s.max_degree);
  out += "degree histogram\n";
  for (auto [lo, count] : s.degree_histogram) {
    std::string range = lo <= 1 ? fmt::format("{}", lo) : fmt::format("{}-{}", lo, 2 * lo - 1);
    out += fmt::format("  {:>13}  {}\n", range, count);
  }
  out += fmt::format("pairs compared   {}\n", m.n_pairs);
  out += fmt::format("input checksum   {}\n", fmt::format("{:016x}", m.input_checksum));
  return out;
}

}  // namespace cleave
