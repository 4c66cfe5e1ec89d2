#pragma once
/// @file kmer_prefilter.hpp
/// @brief Candidate pairs for alignment from an inverted index of exact
/// k-mers: pairs sharing at least min_shared distinct k-mers.
#include <cstdint>
#include <vector>

#include "cleave/sequence.hpp"

namespace cleave::align_detail {

/// Candidates j > i of every i, CSR: cols[offsets[i] .. offsets[i+1]), sorted.
struct Candidates {
  std::vector<uint64_t> offsets;
  std::vector<uint32_t> cols;
  [[nodiscard]] uint64_t count() const { return cols.size(); }
};

/// k-mers containing X (protein) or N (DNA) are ignored. k must satisfy
/// k * bits(alphabet) <= 64 (k <= 12 for proteins, 21 for DNA). The result
/// is the same for any thread count.
Candidates kmer_candidates(const Sequences& seqs, uint32_t k, uint32_t min_shared, int threads);

}  // namespace cleave::align_detail
