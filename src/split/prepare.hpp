#pragma once
/// @file prepare.hpp
/// @brief Once-per-graph work of the Partitioner: who takes part in the
/// random process (pre-pass), and the percentile rank of every edge weight
/// among all pair similarities (weighted mode).
#include <cstdint>
#include <vector>

#include "cleave/graph.hpp"
#include "cleave/split.hpp"
#include "split/engine.hpp"

namespace cleave::detail {

/// Participation, clique units and (weighted) percentiles for `opt`.
PreparedGraph prepare_graph(const Graph& g, const SplitOptions& opt);

/// @brief scipy.stats.percentileofscore(all_pairs, w, kind='rank') for the
/// weight of every CSR entry, where all_pairs holds the graph's edges plus
/// (n_pairs - edges) similarities below the threshold:
///   left = #pairs < w, right = #pairs <= w,
///   pct = (left + right + (right > left)) * (50 / n_pairs).
/// n_pairs = 0 in the metadata means all n(n-1)/2 pairs.
std::vector<double> edge_percentiles(const Graph& g);

/// The number of pairs in the similarity distribution used for percentiles.
uint64_t distribution_size(const Graph& g);

}  // namespace cleave::detail
