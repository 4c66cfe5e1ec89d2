// Graph construction from edge lists, measure names, histogram helpers.
#include <algorithm>
#include <numeric>

#include "cleave/error.hpp"
#include "cleave/graph.hpp"
#include "graph/storage.hpp"

namespace cleave {

const char* measure_name(Measure m) {
  switch (m) {
    case Measure::tanimoto:
      return "tanimoto";
    case Measure::dice:
      return "dice";
    case Measure::cosine:
      return "cosine";
    case Measure::mutation:
      return "mutation";
    case Measure::precomputed:
      return "precomputed";
    case Measure::identity:
      return "identity";
  }
  return "unknown";
}

Measure measure_from_name(const std::string& name) {
  for (auto m : {Measure::tanimoto, Measure::dice, Measure::cosine, Measure::mutation,
                 Measure::precomputed, Measure::identity})
    if (name == measure_name(m)) return m;
  CLEAVE_FAIL(invalid_argument,
              "unknown measure '{}' (expected tanimoto, dice, cosine, mutation, precomputed or "
              "identity)",
              name);
}

void Histogram::merge(const Histogram& o) {
  CLEAVE_EXPECTS(o.counts.size() == counts.size() && o.lo == lo && o.hi == hi,
                 "merging histograms of different shapes");
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += o.counts[i];
}

uint64_t Histogram::total() const {
  return std::accumulate(counts.begin(), counts.end(), uint64_t{0});
}

Graph::Graph() = default;

void Graph::set_ids(std::vector<std::string> ids) {
  CLEAVE_EXPECTS(ids.empty() || ids.size() == n_, "{} ids given for a graph of {} nodes",
                 ids.size(), n_);
  ids_ = std::move(ids);
  if (ids_.empty()) {
    ids_.reserve(n_);
    for (uint64_t i = 0; i < n_; ++i) ids_.push_back(std::to_string(i));
  }
}

Graph Graph::from_edges(uint64_t n, std::vector<Edge> edges, GraphMeta meta,
                        std::vector<std::string> ids) {
  CLEAVE_EXPECTS(n < (uint64_t{1} << 32), "graphs are limited to 2^32 - 1 nodes (got {})", n);
  for (auto& e : edges) {
    CLEAVE_EXPECTS(e.u < n && e.v < n, "edge ({}, {}) out of range for {} nodes", e.u, e.v, n);
    if (e.u > e.v) std::swap(e.u, e.v);
  }
  std::erase_if(edges, [](const Edge& e) { return e.u == e.v; });
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
    return a.u != b.u ? a.u < b.u : a.v != b.v ? a.v < b.v : a.w > b.w;
  });
  edges.erase(std::unique(edges.begin(), edges.end(),
                          [](const Edge& a, const Edge& b) { return a.u == b.u && a.v == b.v; }),
              edges.end());

  auto owned = std::make_shared<detail::OwnedCsr>();
  owned->offsets.assign(n + 1, 0);
  for (const auto& e : edges) {
    ++owned->offsets[e.u + 1];
    ++owned->offsets[e.v + 1];
  }
  std::partial_sum(owned->offsets.begin(), owned->offsets.end(), owned->offsets.begin());
  owned->cols.resize(2 * edges.size());
  owned->weights.resize(2 * edges.size());
  std::vector<uint64_t> fill(owned->offsets.begin(), owned->offsets.end() - 1);
  // Edges are sorted by (u, v), so every row receives its columns in order.
  for (const auto& e : edges) {
    owned->cols[fill[e.u]] = e.v;
    owned->weights[fill[e.u]++] = e.w;
    owned->cols[fill[e.v]] = e.u;
    owned->weights[fill[e.v]++] = e.w;
  }
  Graph g;
  g.n_ = n;
  g.adj_count_ = owned->cols.size();
  g.offsets_ = owned->offsets.data();
  g.cols_ = owned->cols.data();
  g.weights_ = owned->weights.data();
  g.storage_ = owned;
  g.meta_ = std::move(meta);
  g.set_ids(std::move(ids));
  return g;
}

}  // namespace cleave
