#pragma once
/// @file split_test_util.hpp
/// @brief Test graphs and an independent, deliberately simple sequential
/// restatement of spectrae's run_independent_set, for distribution tests.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cleave/graph.hpp"
#include "kernels/hash.hpp"

namespace cleave::test {

/// A graph plus the explicit list of every pair similarity (zeros and other
/// sub-threshold values included), as spectrae's weighted mode sees it.
struct TestGraph {
  Graph g;
  std::vector<double> distribution;  ///< sorted, size n(n-1)/2
};

/// Builds a graph from pairs; `sim` holds a value for every pair i<j in
/// row-major order; pairs >= threshold become edges.
inline TestGraph graph_from_similarities(uint64_t n, const std::vector<float>& sim,
                                         double threshold) {
  std::vector<Edge> edges;
  std::vector<double> dist;
  dist.reserve(sim.size());
  uint64_t k = 0;
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t j = i + 1; j < n; ++j, ++k) {
      dist.push_back(sim[k]);
      if (sim[k] >= threshold) edges.push_back({i, j, sim[k]});
    }
  std::sort(dist.begin(), dist.end());
  GraphMeta meta;
  meta.measure = Measure::precomputed;
  meta.threshold = threshold;
  meta.n_pairs = n * (n - 1) / 2;
  std::vector<std::string> ids;
  for (uint64_t v = 0; v < n; ++v) ids.push_back("s" + std::to_string(v));
  return {Graph::from_edges(n, std::move(edges), meta, std::move(ids)), std::move(dist)};
}

/// Erdős–Rényi part (n_er nodes, edge probability q), then clique components
/// of the given sizes, components with hubs, and isolated nodes. Edge weights
/// are uniform in [0.5, 1), other pairs uniform in [0, 0.5).
inline TestGraph mixed_graph(uint64_t seed, uint32_t n_er = 200, double q = 0.02,
                             std::vector<uint32_t> cliques = {2, 2, 3, 4, 5},
                             uint32_t isolated = 20) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> hi(0.5f, 1.0f), lo(0.0f, 0.5f);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  // Hub components: a star with a chord (one hub), and two hubs over a path.
  const uint32_t star = 7, twohub = 6;
  uint32_t n = n_er + star + twohub + isolated;
  for (uint32_t c : cliques) n += c;
  std::vector<std::vector<bool>> adj(n, std::vector<bool>(n, false));
  auto link = [&](uint32_t a, uint32_t b) { adj[a][b] = adj[b][a] = true; };
  for (uint32_t i = 0; i < n_er; ++i)
    for (uint32_t j = i + 1; j < n_er; ++j)
      if (u01(rng) < q) link(i, j);
  uint32_t base = n_er;
  for (uint32_t c : cliques) {
    for (uint32_t i = 0; i < c; ++i)
      for (uint32_t j = i + 1; j < c; ++j) link(base + i, base + j);
    base += c;
  }
  for (uint32_t i = 1; i < star; ++i) link(base, base + i);
  link(base + 1, base + 2);
  base += star;
  for (uint32_t i = 2; i < twohub; ++i) {
    link(base, base + i);
    link(base + 1, base + i);
    if (i + 1 < twohub) link(base + i, base + i + 1);
  }
  link(base, base + 1);
  std::vector<float> sim;
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t j = i + 1; j < n; ++j) sim.push_back(adj[i][j] ? hi(rng) : lo(rng));
  return graph_from_similarities(n, sim, 0.5);
}

/// A random graph: `edges` endpoints drawn by counter hash (duplicates merge).
inline Graph random_graph(uint64_t n, uint64_t edges) {
  std::vector<Edge> e(edges);
#pragma omp parallel for
  for (int64_t k = 0; k < static_cast<int64_t>(edges); ++k) {
    const uint64_t h = kernels::counter_hash(99, 1, k);
    const auto u = static_cast<uint32_t>(h % n);
    const auto v = static_cast<uint32_t>((h >> 32) % n);
    e[k] = {u, v == u ? static_cast<uint32_t>((v + 1) % n) : v,
            static_cast<float>(0.3 + 0.7 * kernels::to_unit(kernels::counter_hash(99, 2, k)))};
  }
  GraphMeta meta;
  meta.threshold = 0.3;
  meta.n_pairs = n * (n - 1) / 2;
  return Graph::from_edges(n, std::move(e), meta);
}

/// scipy.stats.percentileofscore(distribution, w, kind='rank') written out.
inline double percentile_of(const std::vector<double>& sorted, double w) {
  const auto left =
      static_cast<uint64_t>(std::lower_bound(sorted.begin(), sorted.end(), w) - sorted.begin());
  const auto right =
      static_cast<uint64_t>(std::upper_bound(sorted.begin(), sorted.end(), w) - sorted.begin());
  return static_cast<double>(left + right + (right > left ? 1 : 0)) *
         (50.0 / static_cast<double>(sorted.size()));
}

/// @brief spectrae's run_independent_set, restated plainly: returns the
/// number of units kept (clique units count one). `compat` = spectrae's own
/// graph (only nodes with edges; hubs deleted); otherwise cleave's default.
inline uint64_t reference_kept_units(const TestGraph& tg, double p, bool weighted, bool compat,
                                     std::mt19937_64& rng) {
  const Graph& g = tg.g;
  const uint64_t n = g.num_nodes();
  const auto off = g.offsets();
  const auto col = g.columns();
  const auto wt = g.weights();
  std::vector<bool> present(n, true);
  if (compat)
    for (uint64_t v = 0; v < n; ++v) present[v] = g.degree(v) > 0;
  auto live_degree = [&](uint64_t v) {
    uint64_t d = 0;
    for (uint64_t e = off[v]; e < off[v + 1]; ++e) d += present[col[e]] ? 1 : 0;
    return d;
  };
  uint64_t units = 0;
  if (!weighted) {
    // Components by breadth-first search over present nodes.
    std::vector<int> seen(n, 0);
    for (uint64_t s = 0; s < n; ++s) {
      if (!present[s] || seen[s]) continue;
      std::vector<uint64_t> comp{s};
      seen[s] = 1;
      for (std::size_t i = 0; i < comp.size(); ++i)
        for (uint64_t e = off[comp[i]]; e < off[comp[i] + 1]; ++e)
          if (present[col[e]] && !seen[col[e]]) {
            seen[col[e]] = 1;
            comp.push_back(col[e]);
          }
      if (comp.size() < 2) continue;
      uint64_t deg_sum = 0;
      for (uint64_t v : comp) deg_sum += live_degree(v);
      if (deg_sum == comp.size() * (comp.size() - 1)) {
        ++units;
        for (uint64_t v : comp) present[v] = false;
      } else if (compat) {
        // As spectrae: visit in a random order, test with live degrees and size.
        std::shuffle(comp.begin(), comp.end(), rng);
        uint64_t size = comp.size();
        for (uint64_t v : comp)
          if (live_degree(v) == size - 1) {
            present[v] = false;
            --size;
          }
      }
    }
  }
  std::vector<uint64_t> nodes;
  uint64_t edges2 = 0;
  for (uint64_t v = 0; v < n; ++v)
    if (present[v]) {
      nodes.push_back(v);
      edges2 += live_degree(v);
    }
  std::vector<std::size_t> pos(n);
  for (std::size_t i = 0; i < nodes.size(); ++i) pos[nodes[i]] = i;
  auto remove = [&](uint64_t v) {
    edges2 -= 2 * live_degree(v);
    present[v] = false;
    const std::size_t i = pos[v];
    nodes[i] = nodes.back();
    pos[nodes[i]] = i;
    nodes.pop_back();
  };
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  while (edges2 > 0) {  // spectrae: while not nx.is_empty(G) (G has edges)
    const uint64_t chosen =
        nodes[std::uniform_int_distribution<std::size_t>(0, nodes.size() - 1)(rng)];
    ++units;
    std::vector<uint64_t> doomed;
    for (uint64_t e = off[chosen]; e < off[chosen + 1]; ++e) {
      const uint64_t u = col[e];
      if (!present[u]) continue;
      bool del;
      if (p == 1.0)
        del = true;
      else if (weighted)
        del = u01(rng) < p && (1 - p) * 100 < percentile_of(tg.distribution, wt[e]);
      else
        del = p != 0.0 && u01(rng) < p;
      if (del) doomed.push_back(u);
    }
    for (uint64_t u : doomed) remove(u);
    remove(chosen);
  }
  return units + nodes.size();
}

/// A small real graph: Pfam/HMMER protein families (181 sequences) from
/// data_dir, similarity = Jaccard of 3-mer sets. Empty when the files are
/// absent.
inline TestGraph protein_kmer_graph(const std::string& data_dir, double threshold) {
  std::vector<std::string> seqs;
  for (const char* f :
       {"proteins/pfam_fn3_seed_ungapped.fasta", "proteins/pfam_Pkinase_seed_ungapped.fasta",
        "proteins/hmmer_globins45.fasta"}) {
    std::ifstream in(data_dir + "/" + f);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      if (line[0] == '>')
        seqs.emplace_back();
      else if (!seqs.empty())
        seqs.back() += line;
    }
  }
  const uint64_t n = seqs.size();
  std::vector<std::set<std::string>> kmers(n);
  for (uint64_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k + 3 <= seqs[i].size(); ++k) kmers[i].insert(seqs[i].substr(k, 3));
  std::vector<float> sim;
  for (uint64_t i = 0; i < n; ++i)
    for (uint64_t j = i + 1; j < n; ++j) {
      std::size_t common = 0;
      for (const auto& k : kmers[i]) common += kmers[j].count(k);
      const std::size_t uni = kmers[i].size() + kmers[j].size() - common;
      sim.push_back(uni ? static_cast<float>(static_cast<double>(common) / uni) : 0.0f);
    }
  return graph_from_similarities(n, sim, threshold);
}

}  // namespace cleave::test
