/// @file mutation.cpp
/// @brief Mutation-set overlap through an inverted index (mutation ->
/// samples): only pairs that share a mutation are ever touched.
#include <omp.h>

#include <algorithm>
#include <exception>
#include <mutex>

#include "cleave/error.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"

namespace cleave {

Graph mutation_graph(const MutationSet& set, int threads) {
  const uint64_t n = set.samples.size();
  CLEAVE_EXPECTS(n > 0, "no samples to compare");
  CLEAVE_EXPECTS(set.offsets.size() == n + 1 && set.offsets.back() == set.mutation_ids.size(),
                 "mutation offsets do not match {} samples", n);
  CLEAVE_EXPECTS(n < (uint64_t{1} << 32) - 1, "{} samples exceed the 32-bit node index", n);
  const std::size_t n_mut = set.mutation_names.size();
  for (uint64_t i = 0; i < n; ++i)
    for (uint64_t k = set.offsets[i]; k < set.offsets[i + 1]; ++k) {
      CLEAVE_EXPECTS(set.mutation_ids[k] < n_mut, "mutation id {} out of range ({} names)",
                     set.mutation_ids[k], n_mut);
      CLEAVE_EXPECTS(k == set.offsets[i] || set.mutation_ids[k - 1] < set.mutation_ids[k],
                     "mutations of sample {} are not sorted and distinct", i);
    }

  // Inverted index in CSR form; postings ascend by sample.
  std::vector<uint64_t> post_off(n_mut + 1, 0);
  for (uint32_t m : set.mutation_ids) ++post_off[m + 1];
  for (std::size_t m = 0; m < n_mut; ++m) post_off[m + 1] += post_off[m];
  std::vector<uint32_t> postings(set.mutation_ids.size());
  {
    std::vector<uint64_t> fill(post_off.begin(), post_off.end() - 1);
    for (uint64_t i = 0; i < n; ++i)
      for (uint64_t k = set.offsets[i]; k < set.offsets[i + 1]; ++k)
        postings[fill[set.mutation_ids[k]]++] = static_cast<uint32_t>(i);
  }
  uint64_t max_len = 0;
  for (uint64_t i = 0; i < n; ++i) max_len = std::max(max_len, set.offsets[i + 1] - set.offsets[i]);

  const int nt = std::max(1, threads > 0 ? threads : num_threads());
  struct Partial {
    std::vector<Edge> edges;
    Histogram hist;
  };
  std::vector<Partial> parts(static_cast<std::size_t>(nt));
  std::exception_ptr failure;
  std::mutex failure_mutex;
#pragma omp parallel num_threads(nt)
  {
    Partial& mine = parts[static_cast<std::size_t>(omp_get_thread_num())];
    std::vector<uint32_t> shared;
    std::vector<uint32_t> touched;
    try {
      shared.assign(n, 0);
    } catch (...) {
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
#pragma omp for schedule(dynamic, 64)
    for (int64_t ii = 0; ii < static_cast<int64_t>(n); ++ii) {
      if (shared.size() != n) continue;
      try {
        const auto i = static_cast<uint64_t>(ii);
        touched.clear();
        for (uint64_t k = set.offsets[i]; k < set.offsets[i + 1]; ++k) {
          const uint32_t m = set.mutation_ids[k];
          const uint32_t* first = postings.data() + post_off[m];
          const uint32_t* last = postings.data() + post_off[m + 1];
          for (const uint32_t* p = std::upper_bound(first, last, static_cast<uint32_t>(i));
               p != last; ++p) {
            if (shared[*p]++ == 0) touched.push_back(*p);
          }
        }
        std::sort(touched.begin(), touched.end());
        const uint64_t len_i = set.offsets[i + 1] - set.offsets[i];
        for (uint32_t j : touched) {
          const uint64_t len_j = set.offsets[j + 1] - set.offsets[j];
          const double c = shared[j];
          const double jac = c / (static_cast<double>(len_i + len_j) - c);
          mine.hist.add(jac);
          mine.edges.push_back({static_cast<uint32_t>(i), j, static_cast<float>(jac)});
          shared[j] = 0;
        }
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);

  GraphMeta meta;
  meta.measure = Measure::mutation;
  // Sharing one mutation gives a Jaccard of at least 1 / (2L - 1) for sets of
  // at most L mutations, and sharing none gives 0: with this threshold
  // "edge when similarity >= threshold" holds exactly.
  meta.threshold = max_len > 0 ? 1.0 / static_cast<double>(2 * max_len - 1) : 1.0;
  meta.n_pairs = n * (n - 1) / 2;
  std::size_t n_edges = 0;
  for (const auto& p : parts) n_edges += p.edges.size();
  std::vector<Edge> edges;
  edges.reserve(n_edges);
  for (auto& p : parts) {
    edges.insert(edges.end(), p.edges.begin(), p.edges.end());
    std::vector<Edge>().swap(p.edges);
    for (std::size_t b = 0; b < meta.histogram.counts.size(); ++b)
      meta.histogram.counts[b] += p.hist.counts[b];
  }
  meta.histogram.add(0.0, meta.n_pairs - n_edges);
  std::sort(edges.begin(), edges.end(),
            [](const Edge& a, const Edge& b) { return a.u != b.u ? a.u < b.u : a.v < b.v; });

  Checksum c;
  c.update(set.offsets.data(), set.offsets.size() * sizeof(uint64_t));
  c.update(set.mutation_ids.data(), set.mutation_ids.size() * sizeof(uint32_t));
  for (const auto& name : set.mutation_names) {
    c.update(name);
    c.update("\n");
  }
  c.update_value(static_cast<uint32_t>(Measure::mutation));
  meta.input_checksum = c.digest();
  meta.parameters = fmt::format(
      R"({{"measure":"mutation","rule":"at least one shared mutation","weight":"jaccard","mutations":{}}})",
      n_mut);
  return Graph::from_edges(n, std::move(edges), std::move(meta));
}

}  // namespace cleave
