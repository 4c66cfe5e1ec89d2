#pragma once
/// @file partition.hpp
/// @brief Leakage-free splits by minimum cut: train and test (and validation)
/// with no edge between any two sides, removing as few samples as possible.
///
/// Unlike the SPECTRA sweep (an independent set: no edge at all among the
/// kept samples at p = 1), only edges between sides are forbidden, so train
/// may be as connected as it likes. The steps, after GraphPart (Teufel et
/// al., NAR Genomics and Bioinformatics 2023), which also removes samples to
/// separate partitions:
///   1. whole connected components are packed into the new side first;
///   2. when that cannot reach the fraction, the largest component is cut by
///      METIS's multilevel bisection with target part weights (Karypis &
///      Kumar, SIAM J. Sci. Comput. 1998), several seeded tries;
///   3. an exact minimum vertex cover of the cut edges is removed: a maximum
///      matching of the bipartite cut graph (Hopcroft & Karp, SIAM J. Comput.
///      1973) turned into a cover by König's theorem (König 1931);
///   4. refinement: a removed sample whose kept neighbours are all on one side
///      goes back to that side; intact components move between sides to bring
///      the fraction within tolerance.
/// Everything is sequential and seeded: the result depends only on the graph,
/// the options and the seed, never on the thread count.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cleave/graph.hpp"
#include "cleave/split.hpp"

namespace cleave {

/// @brief Options of the min-cut partitioner.
struct PartitionOptions {
  double test_fraction = 0.2;   ///< share of kept samples in test
  double valid_fraction = 0.0;  ///< share of kept samples in validation (0: none)
  /// Accepted |measured - asked| for each fraction (on small sets: one sample).
  double tolerance = 0.02;
  /// METIS bisections tried per cut (the one removing fewest samples wins);
  /// 0 picks by size: more tries on small components, one on huge ones.
  uint32_t tries = 0;
  /// On mutation graphs (deep mutational scans) without a validation side,
  /// also solve the formulation on mutations and keep the better split
  /// (within tolerance first, then more kept); SplitResult::engine says which.
  bool mutation_aware = true;
};

/// The split-set layout of min-cut partitions, as `cleave partition` writes
/// them: column `target`, folders `ov_<t>_r<k>`, a validation column.
SplitSetLayout partition_layout(const PartitionOptions& opt);

/// @brief One zero-overlap split made by the min-cut partitioner.
/// Fills side (kTrain, kTest, kValidation, kDropped), the counts and the
/// overlap; p is 0 (the target overlap), valid is false when a side is empty.
/// @param g the overlap graph
/// @param opt fractions, tolerance and tries
/// @param seed seeds METIS and the packing order; repeats use distinct seeds
/// @param repeat stored in the result
SplitResult partition_split(const Graph& g, const PartitionOptions& opt, uint64_t seed,
                            int repeat = 0);

/// @brief One split per seed (repeat = position of the seed).
std::vector<SplitResult> partition_splits(const Graph& g, const PartitionOptions& opt,
                                          const std::vector<uint64_t>& seeds,
                                          bool progress = false);

/// @brief K folds with no edge between any two (cross-validation): fold k
/// is cut off the rest with share 1/(K-k), as partition_split cuts test.
/// side[v] is the fold (0..K-1) or kDropped; train, test and validation are
/// 0; valid is false when a fold came out empty.
/// @param folds K, 2 to 100
SplitResult partition_folds(const Graph& g, uint32_t folds, const PartitionOptions& opt,
                            uint64_t seed, int repeat = 0);

/// @brief A split whose overlap_frac (fraction of test samples with a train
/// neighbour) is within `tolerance` of `target`, made from a zero-overlap
/// split by moving single samples between train, test and removed: each
/// move is scored exactly (its effect on the touching test samples follows
/// from neighbour counts), the overlap is brought within half the tolerance
/// and the test share within the tolerance, then as many samples as that
/// allows are kept. Validation, and removed samples next to it, never move.
/// p of the result is the target; `reached` says whether the measured
/// overlap_frac is within tolerance (false when the graph allows no closer).
/// @param zero a split from partition_split
/// @param target overlap_frac to reach, in [0, 1]
/// @param test_fraction share of test (of all kept samples) the moves keep
/// @param seed orders ties between equally good moves
/// @param tolerance accepted distance of overlap_frac and of the test share
SplitResult partition_with_overlap(const Graph& g, const SplitResult& zero, double target,
                                   double test_fraction, uint64_t seed, double tolerance = 0.02);

/// @brief Cross-split overlap of any assignment (test against train), with
/// the same per-node terms and the same definitions as the SPECTRA sweep.
Overlap measure_overlap(const Graph& g, std::span<const int8_t> side);

/// @brief A minimum vertex cover of a bipartite graph.
struct BipartiteCover {
  std::vector<uint32_t> left;   ///< covered left vertices, ascending
  std::vector<uint32_t> right;  ///< covered right vertices, ascending
  uint64_t matching = 0;        ///< size of the maximum matching (= cover size)
};

/// @brief Exact minimum vertex cover of a bipartite graph: Hopcroft-Karp
/// maximum matching, then König's alternating-path construction.
/// @param n_left number of left vertices
/// @param n_right number of right vertices
/// @param offsets CSR offsets of the left vertices (n_left + 1 entries)
/// @param adj right neighbours of each left vertex (values < n_right)
BipartiteCover min_vertex_cover(uint32_t n_left, uint32_t n_right,
                                std::span<const uint64_t> offsets, std::span<const uint32_t> adj);

/// @brief Strata of a label: classes when every label is an integer and there
/// are at most kMaxClasses distinct values, otherwise quantile bins of the
/// labels of all samples (ties keep equal labels in one bin, so a bin may be
/// larger than its share and there may be fewer bins than asked).
struct Strata {
  static constexpr std::size_t kMaxClasses = 20;
  bool classes = false;
  std::vector<uint32_t> of;   ///< stratum of each node
  std::vector<double> lower;  ///< smallest label in each stratum
  std::vector<double> upper;  ///< largest label in each stratum
  [[nodiscard]] std::size_t size() const { return lower.size(); }
  /// "0", "1", ... for classes (the label), "q1", "q2", ... for bins.
  [[nodiscard]] std::string name(std::size_t s) const;
};

/// @brief Strata of one label per node. A label that is not finite is an
/// error naming its id (ids: the graph's, one per label).
/// @param bins quantile bins for numeric labels, 2 to 100
Strata make_strata(std::span<const double> labels, const std::vector<std::string>& ids,
                   uint32_t bins = 5);

/// @brief Stratifies a finished zero-overlap split: each connected component
/// of the graph induced on the kept samples lies on one side (no edge joins
/// two sides), so whole components move between sides freely. A seeded local
/// search (moves of one component, swaps of two) lowers
/// sum over sides and strata of |count(side, s) - size(side) * share(s)| /
/// target(side), with share(s) the stratum's share of the kept samples
/// (plus 0.05 per sample of each side's distance from its target size, a
/// tie-breaker), while each side's size stays within the tolerance of its
/// fraction (or no farther off than it was). Nothing is removed or added: kept, and the
/// absence of edges between sides, are unchanged. Sequential, a function of
/// (graph, split, strata, options, r.seed) only.
/// @param r a split from partition_split (target overlap 0)
void stratify_split(const Graph& g, SplitResult& r, const Strata& strata,
                    const PartitionOptions& opt);

/// @brief stratify_split for K folds (partition_folds): every fold's target
/// is 1/K of the kept samples, and the strata per fold follow the whole.
void stratify_folds(const Graph& g, SplitResult& r, uint32_t folds, const Strata& strata,
                    double tolerance);

/// @brief Kept samples per side and stratum: counts[side * strata.size() + s]
/// for side 0..sides-1 (side values of the split: kTrain, kTest, kValidation
/// or a fold).
std::vector<uint64_t> strata_counts(std::span<const int8_t> side, std::size_t sides,
                                    const Strata& strata);

/// @brief Largest |share of stratum s on a side - share of s among all kept
/// samples| over non-empty sides and strata (0 when nothing is kept).
double max_strata_difference(std::span<const int8_t> side, std::size_t sides, const Strata& strata);

/// @brief strata.tsv of a split set: header `split side stratum lower upper
/// count fraction`, then per valid split (folder name) and side (`all`,
/// train, test, validation or fold_<k>; empty sides left out) one row per
/// stratum: kept samples, and their share of the side.
std::string strata_tsv(const std::vector<SplitResult>& splits, const Strata& strata,
                       const SplitSetLayout& layout);

}  // namespace cleave
