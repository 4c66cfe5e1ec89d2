#pragma once
/// @file similarity.hpp
/// @brief Builds overlap graphs from features: all-pairs fingerprint
/// similarity (upper triangle, tiled, multithreaded) and mutation sets
/// (inverted index). Both record the histogram of all pair similarities.
#include <cstdint>

#include "cleave/graph.hpp"
#include "cleave/io.hpp"

namespace cleave {

struct SimilarityOptions {
  Measure measure = Measure::tanimoto;
  double threshold = 0.4;
  int threads = 0;  ///< 0 = all cores
  bool progress = true;
};

/// Similarity of two packed fingerprints under a bit measure (tanimoto, dice,
/// cosine), in double from integer popcounts, as RDKit computes it: for two
/// empty fingerprints Tanimoto is 1, Dice and cosine 0. Other measures throw
/// invalid_argument.
double fingerprint_similarity(Measure m, const uint64_t* a, const uint64_t* b, uint32_t words);

/// All pairs i < j: edge when similarity >= threshold (> 0), compared in
/// double. Tiles of the upper triangle run in parallel; the graph (edges,
/// histogram of all n(n-1)/2 pairs, checksum of the fingerprints, measure and
/// threshold) is identical for any thread count. Ids are left to the caller.
Graph fingerprint_graph(const Fingerprints& fps, const SimilarityOptions& opt);

/// Edge when two samples share at least one mutation; weight = Jaccard of
/// their mutation sets; the distribution covers all n(n-1)/2 pairs (pairs
/// sharing nothing count at 0). meta.threshold is 1 / (2L - 1) for sets of at
/// most L mutations, the least Jaccard of a pair sharing one mutation, so
/// "edge when similarity >= threshold" holds. Deterministic for any thread
/// count (threads 0 = all cores).
Graph mutation_graph(const MutationSet& set, int threads = 0);

}  // namespace cleave
