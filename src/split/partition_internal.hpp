#pragma once
/// @file partition_internal.hpp
/// @brief Internal steps of the min-cut partitioner (partition.cpp) and its
/// METIS adapter (partition_metis.cpp). Not part of the public API.
#include <metis.h>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "cleave/graph.hpp"

namespace cleave::detail {

/// Samples a side may be off its target: the tolerance, or on small sets one
/// sample (a fraction of a sample cannot be met).
inline double slack(double tolerance, double kept) {
  return tolerance * kept > 1.0 ? tolerance * kept : 1.0;
}

/// @brief The subgraph induced by some nodes, in METIS's CSR, built once and
/// bisected many times (seeds, target shares).
class MetisBisector {
 public:
  /// @param nodes the subgraph's nodes, ascending; local index = position.
  MetisBisector(const Graph& g, std::span<const uint32_t> nodes);
  /// part[i] = 1 for about `share` of the nodes (METIS target part weights);
  /// returns the edge cut.
  int64_t bisect(double share, uint64_t seed, std::vector<uint8_t>& part) const;
  [[nodiscard]] std::size_t size() const { return xadj_.size() - 1; }
  [[nodiscard]] std::span<const idx_t> xadj() const { return xadj_; }
  [[nodiscard]] std::span<const idx_t> adjncy() const { return adjncy_; }

 private:
  std::vector<idx_t> xadj_;
  std::vector<idx_t> adjncy_;
};

/// @brief Moves about `fraction` of the kept samples now on side `from` to
/// side `to`, leaving no edge between the two; samples on the cut become
/// kDropped. Samples on other sides are not touched.
void split_off(const Graph& g, std::vector<int8_t>& side, int8_t from, int8_t to, double fraction,
               double tolerance, uint64_t seed, uint32_t tries);

/// @brief Puts back every dropped sample whose kept neighbours all lie on one
/// side (until nothing changes); one with no kept neighbour goes to `lonely`.
/// When `admit` is given, a sample is put back on side s only if admit(s)
/// returns true (it then counts the sample as added there).
void refine_dropped(const Graph& g, std::vector<int8_t>& side, int8_t lonely,
                    const std::function<bool(int8_t)>& admit = {});

/// @brief Vertex-separator refinement of one cut (see partition.cpp): moves
/// removed samples among `nodes` to side `from` or `to`, removing their kept
/// neighbours on the other side, while the share of `to` among the kept
/// samples of `members` stays within tolerance; never lowers that kept count
/// when it starts within tolerance, and leaves no edge between the sides.
void refine_separator(const Graph& g, std::span<const uint32_t> members,
                      std::span<const uint32_t> nodes, std::vector<int8_t>& side, int8_t from,
                      int8_t to, double fraction, double tolerance);

/// @brief The formulation on mutations (graphs of measure `mutation`, whose
/// ids list mutations as "A23C:D45E"): each mutation gets a side and a
/// variant is kept when all its mutations agree. `graph_side` (the graph
/// cut's answer) seeds one start. Returns false when the graph is not a
/// mutation graph; otherwise fills `side` (kTrain, kTest, kDropped).
bool split_by_mutations(const Graph& g, const std::vector<int8_t>& graph_side, double fraction,
                        double tolerance, uint64_t seed, std::vector<int8_t>& side);

}  // namespace cleave::detail
