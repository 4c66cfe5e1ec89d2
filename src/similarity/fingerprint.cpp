/// @file fingerprint.cpp
/// @brief CPU all-pairs bit-fingerprint similarity over tiles of the upper
/// triangle, with the histogram of every pair.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>
#include <optional>

#include "cleave/error.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"
#include "similarity/bit_measures.hpp"

namespace cleave {

namespace {

using namespace similarity_detail;

constexpr uint64_t kTile = 256;

/// Per-thread output: edges above the threshold and counts of all pairs.
struct Partial {
  std::vector<Edge> edges;
  Histogram hist;
};

/// One tile: rows [i0, i1) against columns [j0, j1), pairs with i < j only.
template <class Op>
void run_tile(const Fingerprints& fps, const std::vector<uint32_t>& pc, uint64_t i0, uint64_t i1,
              uint64_t j0, uint64_t j1, double threshold, Partial& out) {
  const Op op;
  const uint32_t words = fps.words_per_fp;
  for (uint64_t i = i0; i < i1; ++i) {
    const uint64_t* a = fps.row(i);
    for (uint64_t j = std::max(j0, i + 1); j < j1; ++j) {
      const double s = op(pc[i], pc[j], common_bits(a, fps.row(j), words));
      out.hist.add(s);
      if (s >= threshold)
        out.edges.push_back(
            {static_cast<uint32_t>(i), static_cast<uint32_t>(j), static_cast<float>(s)});
    }
  }
}

using TileFn = void (*)(const Fingerprints&, const std::vector<uint32_t>&, uint64_t, uint64_t,
                        uint64_t, uint64_t, double, Partial&);

TileFn tile_function(Measure m) {
  switch (m) {
    case Measure::tanimoto:
      return &run_tile<TanimotoOp>;
    case Measure::dice:
      return &run_tile<DiceOp>;
    case Measure::cosine:
      return &run_tile<CosineOp>;
    default:
      CLEAVE_FAIL(invalid_argument,
                  "measure '{}' does not apply to bit fingerprints (use tanimoto, dice or cosine)",
                  measure_name(m));
  }
}

}  // namespace

double fingerprint_similarity(Measure m, const uint64_t* a, const uint64_t* b, uint32_t words) {
  uint32_t na = 0, nb = 0;
  for (uint32_t w = 0; w < words; ++w) {
    na += popcount64(a[w]);
    nb += popcount64(b[w]);
  }
  const uint32_t c = common_bits(a, b, words);
  switch (m) {
    case Measure::tanimoto:
      return TanimotoOp{}(na, nb, c);
    case Measure::dice:
      return DiceOp{}(na, nb, c);
    case Measure::cosine:
      return CosineOp{}(na, nb, c);
    default:
      CLEAVE_FAIL(invalid_argument,
                  "measure '{}' does not apply to bit fingerprints (use tanimoto, dice or cosine)",
                  measure_name(m));
  }
}

Graph fingerprint_graph(const Fingerprints& fps, const SimilarityOptions& opt) {
  const TileFn tile = tile_function(opt.measure);
  CLEAVE_EXPECTS(std::isfinite(opt.threshold) && opt.threshold > 0,
                 "similarity threshold must be a positive number, got {}", opt.threshold);
  const uint64_t n = fps.size();
  CLEAVE_EXPECTS(n > 0, "no fingerprints to compare");
  CLEAVE_EXPECTS(fps.words_per_fp > 0 && fps.words.size() == n * fps.words_per_fp,
                 "fingerprint words do not form whole rows");
  CLEAVE_EXPECTS(n < (uint64_t{1} << 32) - 1, "{} fingerprints exceed the 32-bit node index", n);

  std::vector<uint32_t> pc(n);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t* r = fps.row(i);
    uint32_t c = 0;
    for (uint32_t w = 0; w < fps.words_per_fp; ++w) c += popcount64(r[w]);
    pc[i] = c;
  }

  // Tiles of the upper triangle, row block by row block.
  const uint64_t blocks = (n + kTile - 1) / kTile;
  std::vector<std::pair<uint32_t, uint32_t>> tiles;
  tiles.reserve(blocks * (blocks + 1) / 2);
  for (uint64_t bi = 0; bi < blocks; ++bi)
    for (uint64_t bj = bi; bj < blocks; ++bj)
      tiles.emplace_back(static_cast<uint32_t>(bi), static_cast<uint32_t>(bj));

  const int threads = std::max(1, opt.threads > 0 ? opt.threads : num_threads());
  std::vector<Partial> parts(static_cast<std::size_t>(threads));
  std::optional<Progress> progress;
  if (opt.progress) progress.emplace("similarity", tiles.size());
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto n_tiles = static_cast<int64_t>(tiles.size());
#pragma omp parallel num_threads(threads)
  {
    Partial& mine = parts[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(dynamic, 1)
    for (int64_t t = 0; t < n_tiles; ++t) {
      try {
        const uint64_t i0 = tiles[t].first * kTile, j0 = tiles[t].second * kTile;
        tile(fps, pc, i0, std::min(n, i0 + kTile), j0, std::min(n, j0 + kTile), opt.threshold,
             mine);
        if (progress) progress->advance();
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
  if (progress) progress->finish();

  // Merge in thread order, then order edges by (u, v): the result does not
  // depend on the schedule or the thread count.
  GraphMeta meta;
  meta.measure = opt.measure;
  meta.threshold = opt.threshold;
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
  std::sort(edges.begin(), edges.end(),
            [](const Edge& a, const Edge& b) { return a.u != b.u ? a.u < b.u : a.v < b.v; });

  Checksum c;
  c.update(fps.words.data(), fps.words.size() * sizeof(uint64_t));
  c.update_value(fps.n_bits);
  c.update_value(static_cast<uint32_t>(opt.measure));
  c.update_value(opt.threshold);
  meta.input_checksum = c.digest();
  meta.parameters = fmt::format(R"({{"measure":"{}","threshold":{},"n_bits":{}}})",
                                measure_name(opt.measure), opt.threshold, fps.n_bits);
  return Graph::from_edges(n, std::move(edges), std::move(meta));
}

}  // namespace cleave
