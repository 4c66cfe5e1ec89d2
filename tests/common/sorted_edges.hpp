#pragma once
/// @file sorted_edges.hpp
/// @brief Edges as a sorted list of (u, v, w), for tests that compare edge
/// sets whose order a backend does not fix.
#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

#include "cleave/graph.hpp"

namespace cleave::test {

using Edges = std::vector<std::tuple<uint32_t, uint32_t, float>>;

inline Edges sorted(const std::vector<Edge>& in) {
  Edges out;
  for (const Edge& e : in) out.emplace_back(e.u, e.v, e.w);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cleave::test
