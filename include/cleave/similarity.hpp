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

/// Similarity of two packed fingerprints under a bit measure.
double fingerprint_similarity(Measure m, const uint64_t* a, const uint64_t* b, uint32_t words);

/// All pairs i < j: edge when similarity >= threshold. Deterministic for any
/// thread count.
Graph fingerprint_graph(const Fingerprints& fps, const SimilarityOptions& opt);

/// Edge when two samples share at least one mutation; weight = Jaccard of
/// their mutation sets; the distribution covers all n(n-1)/2 pairs.
Graph mutation_graph(const MutationSet& set, int threads = 0);

}  // namespace cleave
