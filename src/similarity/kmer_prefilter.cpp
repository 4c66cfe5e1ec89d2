/// @file kmer_prefilter.cpp
/// @brief Inverted index of distinct k-mers per sequence, then, for each
/// sequence, a count of the k-mers it shares with every later sequence.
#include "similarity/kmer_prefilter.hpp"

#include <omp.h>

#include <algorithm>

#include "cleave/error.hpp"

namespace cleave::align_detail {

namespace {

struct Posting {
  uint64_t kmer;
  uint32_t seq;
  bool operator<(const Posting& o) const { return kmer != o.kmer ? kmer < o.kmer : seq < o.seq; }
};

/// Distinct k-mers of one sequence (packed `bits` per residue), skipping
/// windows that hold the ambiguity residue.
void sequence_kmers(const uint8_t* s, uint32_t n, uint32_t k, uint32_t bits, uint8_t unknown,
                    std::vector<uint64_t>& out) {
  out.clear();
  const uint64_t mask = k * bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << (k * bits)) - 1;
  uint64_t code = 0;
  uint32_t valid = 0;  // residues since the last ambiguity residue
  for (uint32_t x = 0; x < n; ++x) {
    if (s[x] == unknown) {
      valid = 0;
      code = 0;
      continue;
    }
    code = ((code << bits) | s[x]) & mask;
    if (++valid >= k) out.push_back(code);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace

Candidates kmer_candidates(const Sequences& seqs, uint32_t k, uint32_t min_shared, int threads) {
  const bool dna = seqs.alphabet == Alphabet::dna;
  const uint32_t bits = dna ? 3 : 5;
  const uint8_t unknown = dna ? 4 : 22;  // N, X
  CLEAVE_EXPECTS(k >= 1 && k * bits <= 64, "k-mer length {} out of range (1 to {} for {})", k,
                 64 / bits, dna ? "DNA" : "proteins");
  CLEAVE_EXPECTS(min_shared >= 1, "min_shared_kmers must be at least 1");
  const auto n = static_cast<int64_t>(seqs.size());
  if (threads <= 0) threads = omp_get_max_threads();

  // Per-sequence distinct k-mers, then one sorted posting list.
  std::vector<std::vector<uint64_t>> per(static_cast<std::size_t>(n));
#pragma omp parallel num_threads(threads)
  {
    std::vector<uint64_t> tmp;
#pragma omp for schedule(dynamic, 64)
    for (int64_t i = 0; i < n; ++i) {
      sequence_kmers(seqs.data(i), seqs.length(i), k, bits, unknown, tmp);
      per[i] = tmp;
    }
  }
  std::vector<Posting> postings;
  for (int64_t i = 0; i < n; ++i)
    for (uint64_t km : per[i]) postings.push_back({km, static_cast<uint32_t>(i)});
  std::sort(postings.begin(), postings.end());

  // Each sequence walks the postings of its k-mers and counts later sequences.
  std::vector<std::vector<uint32_t>> found(static_cast<std::size_t>(n));
#pragma omp parallel num_threads(threads)
  {
    std::vector<uint32_t> count(static_cast<std::size_t>(n), 0);
    std::vector<uint32_t> touched;
#pragma omp for schedule(dynamic, 16)
    for (int64_t i = 0; i < n; ++i) {
      touched.clear();
      for (uint64_t km : per[i]) {
        auto it = std::upper_bound(postings.begin(), postings.end(),
                                   Posting{km, static_cast<uint32_t>(i)});
        for (; it != postings.end() && it->kmer == km; ++it) {
          if (count[it->seq]++ == 0) touched.push_back(it->seq);
        }
      }
      std::sort(touched.begin(), touched.end());
      for (uint32_t j : touched) {
        if (count[j] >= min_shared) found[i].push_back(j);
        count[j] = 0;
      }
    }
  }
  Candidates c;
  c.offsets.assign(static_cast<std::size_t>(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i) c.offsets[i + 1] = c.offsets[i] + found[i].size();
  c.cols.reserve(c.offsets.back());
  for (auto& f : found) c.cols.insert(c.cols.end(), f.begin(), f.end());
  return c;
}

}  // namespace cleave::align_detail
