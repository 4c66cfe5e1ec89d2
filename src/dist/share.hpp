#pragma once
// Graphs between ranks.
#include "cleave/graph.hpp"

namespace cleave::dist {

/// Rank 0's graph (nodes, ids, edges, meta) on every rank (collective; a
/// no-op on one rank). Other ranks rebuild it with Graph::from_edges, which
/// gives the same rows, columns and weights as rank 0's.
void broadcast_graph(Graph& g);

}  // namespace cleave::dist
