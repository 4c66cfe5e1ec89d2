/// @file prepare.cpp
/// @brief Pre-pass and weight percentiles (see prepare.hpp).
#ifndef THRUST_DEVICE_SYSTEM
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_OMP
#endif
#include "split/prepare.hpp"

#include <thrust/sort.h>
#include <thrust/system/omp/execution_policy.h>

#include <algorithm>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "kernels/mis.hpp"

namespace cleave::detail {

uint64_t distribution_size(const Graph& g) {
  const uint64_t n = g.num_nodes();
  const uint64_t m = g.num_edges();
  uint64_t pairs = g.meta().n_pairs;
  if (pairs == 0) pairs = n * (n - 1) / 2;
  return std::max(pairs, m);
}

std::vector<double> edge_percentiles(const Graph& g) {
  const auto off = g.offsets();
  const auto col = g.columns();
  const auto w = g.weights();
  const uint64_t n = g.num_nodes();
  const uint64_t m = g.num_edges();
  const uint64_t pairs = distribution_size(g);
  if (g.meta().n_pairs != 0 && g.meta().n_pairs < m)
    warn(
        fmt::format("graph metadata counts {} pairs but has {} edges; ranking weights among "
                    "the edges only",
                    g.meta().n_pairs, m));

  // Each undirected edge once (the entry with u < v).
  std::vector<float> sorted;
  sorted.reserve(m);
  for (uint64_t v = 0; v < n; ++v)
    for (uint64_t e = off[v]; e < off[v + 1]; ++e)
      if (col[e] > v) sorted.push_back(w[e]);
  thrust::sort(thrust::omp::par, sorted.begin(), sorted.end());

  const uint64_t below = pairs - m;  // pairs that are not edges: all below the threshold
  const double scale = 50.0 / static_cast<double>(pairs);
  std::vector<double> pct(col.size());
  const auto entries = static_cast<int64_t>(col.size());
#pragma omp parallel for schedule(static)
  for (int64_t e = 0; e < entries; ++e) {
    const float x = w[static_cast<std::size_t>(e)];
    const uint64_t left =
        below +
        static_cast<uint64_t>(std::lower_bound(sorted.begin(), sorted.end(), x) - sorted.begin());
    const uint64_t right =
        below +
        static_cast<uint64_t>(std::upper_bound(sorted.begin(), sorted.end(), x) - sorted.begin());
    pct[static_cast<std::size_t>(e)] =
        static_cast<double>(left + right + (right > left ? 1 : 0)) * scale;
  }
  return pct;
}

PreparedGraph prepare_graph(const Graph& g, const SplitOptions& opt) {
  CLEAVE_EXPECTS(opt.test_fraction >= 0.0 && opt.test_fraction < 1.0,
                 "test fraction must be in [0, 1), got {}", opt.test_fraction);
  CLEAVE_EXPECTS(g.num_nodes() < (uint64_t{1} << 32) - 1, "too many nodes for a split: {}",
                 g.num_nodes());
  PreparedGraph prep;
  prep.graph = &g;
  prep.weighted = opt.weighted;
  prep.test_fraction = opt.test_fraction;
  prep.min_kept = opt.min_kept;
  const uint64_t n = g.num_nodes();
  prep.initial_status.assign(n, kernels::kUndecided);
  prep.initial_side.assign(n, kDropped);

  if (opt.compat_spectrae) {
    // spectrae builds its graph from edges: a sample with none is in no split.
    for (uint64_t v = 0; v < n; ++v)
      if (g.degree(v) == 0) prep.initial_status[v] = kernels::kAbsent;
  }
  if (!opt.weighted) {
    // Clique components go whole to train. In spectrae's pre-pass every node
    // adjacent to the rest of its (non-clique) component is deleted; deleting
    // one such hub lowers the size and every other node's degree by one, so
    // hubs stay hubs and the others stay non-hubs: the set does not depend on
    // the order spectrae visits the nodes in.
    const Components comp = connected_components(g);
    for (uint32_t c = 0; c < comp.size.size(); ++c)
      if (comp.size[c] >= 2 && comp.is_clique(c)) {
        ++prep.clique_units;
        prep.clique_members += comp.size[c];
      }
    for (uint64_t v = 0; v < n; ++v) {
      const uint32_t c = comp.label[v];
      const uint64_t size = comp.size[c];
      if (size < 2) continue;
      if (comp.is_clique(c)) {
        prep.initial_status[v] = kernels::kAbsent;
        prep.initial_side[v] = kTrain;
      } else if (opt.compat_spectrae && g.degree(v) == size - 1) {
        prep.initial_status[v] = kernels::kAbsent;
      }
    }
  } else {
    prep.percentile = edge_percentiles(g);
  }
  return prep;
}

}  // namespace cleave::detail
