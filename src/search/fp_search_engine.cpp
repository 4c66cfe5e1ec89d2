/// @file fp_search_engine.cpp
/// @brief Host side of the fingerprint search kernel (fp_search_engine.hpp):
/// the engine that runs the body under the CPU harness, the backend's
/// engine factory, and the per-block passes and merges.
#include "search/fp_search_engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cleave/error.hpp"
#include "cleave/split.hpp"
#include "kernels/tile_harness.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave::search_detail {

namespace {

using kernels::BitMeasure;
using kernels::kSearchNone;
using kernels::SearchBest;
using kernels::SearchTileBody;
using kernels::SearchTileParams;

/// Runs the body block by block on the CPU, slab by slab as the device
/// engine launches it (the same slab sizes), rerunning a slab whose hits
/// overflow, so the harness covers the overflow path too.
class HarnessEngine final : public FpSearchEngine {
 public:
  HarnessEngine(const FpTargets& t, BitMeasure m, double threshold)
      : t_(t),
        measure_(m),
        tables_(similarity_detail::make_finish_tables(m, threshold, kernels::HistSpec{0.0, 1.0, 1},
                                                      std::max<uint32_t>(t.words_per_fp, 1))) {}

  void run(const FpPass& pass, const FpPassSink& sink) override {
    constexpr uint32_t kTile = SearchTileBody<kernels::TanimotoOp>::kBlockCols;
    for (uint32_t r0 = 0; r0 < pass.n; r0 += kSlabRows) {
      const uint32_t rows = std::min(kSlabRows, pass.n - r0);
      for (uint32_t c0 = 0; c0 < t_.n; c0 += kSlabCols) {
        const uint32_t cols = std::min(kSlabCols, t_.n - c0);
        const uint32_t blocks = (cols + kTile - 1) / kTile;
        SearchTileParams p;
        p.rows = pass.words + uint64_t{r0} * t_.words_per_fp;
        p.cols = t_.words + uint64_t{c0} * t_.words_per_fp;
        p.row_pc = pass.pop + r0;
        p.col_pc = t_.pop + c0;
        p.row0 = r0;
        p.col0 = c0;
        p.n_rows = rows;
        p.n_cols = cols;
        p.words = t_.words_per_fp;
        best_.assign(uint64_t{rows} * blocks, SearchBest{0xA5A5A5A5u, 0xA5A5A5A5u});
        p.best = best_.data();
        p.best_stride = blocks;
        p.emit = pass.emit;
        p.fin = tables_.view;
        if (pass.floor_pb != nullptr) {
          p.floor_pb = pass.floor_pb + r0;
          p.floor_c = pass.floor_c + r0;
        }
        for (;;) {
          count_ = 0;
          p.out = {q_.data(), t_out_.data(), c_.data(), &count_, q_.size()};
          launch(p);
          if (count_ <= q_.size()) break;
          q_.resize(count_);
          t_out_.resize(count_);
          c_.resize(count_);
        }
        if (pass.row_best) {
          kernels::SearchRowBestParams rb{best_.data(), blocks, rows, p.row_pc, t_.pop, nullptr};
          row_best_.assign(rows, SearchBest{0xA5A5A5A5u, 0xA5A5A5A5u});
          rb.out = row_best_.data();
          kernels::with_bit_measure(measure_, [&](auto op) {
            const kernels::SearchRowBestBody<decltype(op)> body{rb};
            kernels::run_on_host(body, body.grid(), body.kThreads);
            return 0;
          });
          sink.bests(r0, rows, c0 / kTile, 1, row_best_.data());
        } else {
          sink.bests(r0, rows, c0 / kTile, blocks, best_.data());
        }
        if (count_ > 0) sink.hits(count_, q_.data(), t_out_.data(), c_.data());
      }
    }
  }

 private:
  void launch(const SearchTileParams& p) const {
    kernels::with_bit_measure(measure_, [&](auto op) {
      const SearchTileBody<decltype(op)> body{p};
      kernels::run_on_host(body, body.grid(), body.kThreads);
      return 0;
    });
  }

  FpTargets t_;
  BitMeasure measure_;
  similarity_detail::FinishTables tables_;
  std::vector<SearchBest> best_, row_best_;
  // Starts small so the tests meet the overflow rerun.
  std::vector<uint32_t> q_ = std::vector<uint32_t>(64), t_out_ = std::vector<uint32_t>(64),
                        c_ = std::vector<uint32_t>(64);
  unsigned long long count_ = 0;
};

/// A pair as the host ranks it: similarity, then target position.
struct Cand {
  double sim;
  uint32_t pos;
  uint32_t common;
};

bool better(const Cand& x, const Cand& y) {
  return x.sim > y.sim || (x.sim == y.sim && x.pos < y.pos);
}

/// Keeps the `top` best of a list (all when top is 0), best first when `sort`.
void keep_best(std::vector<Cand>& h, uint32_t top, bool sort) {
  if (top > 0 && h.size() > top) {
    std::nth_element(h.begin(), h.begin() + top, h.end(), better);
    h.resize(top);
  }
  if (sort) std::sort(h.begin(), h.end(), better);
}

}  // namespace

std::unique_ptr<FpSearchEngine> make_fp_search_harness(const FpTargets& targets, BitMeasure measure,
                                                       double threshold) {
  return std::make_unique<HarnessEngine>(targets, measure, threshold);
}

FpEngineFactory fp_engine_factory(Backend backend) {
  if (backend != Backend::cuda) return {};
  if (!cuda_available())
    CLEAVE_FAIL(cuda,
                "--backend cuda: {}; search and audit run on the cpu backend with "
                "--backend cpu or auto",
                cuda_problem());
#if CLEAVE_HAVE_CUDA
  return make_fp_search_cuda;
#else
  CLEAVE_FAIL(cuda, "this build has no CUDA support");
#endif
}

SearchResult fp_search_block(FpSearchEngine& engine, const FpTargets& targets,
                             const std::vector<uint32_t>& target_of, const uint64_t* words,
                             const uint32_t* pop, const std::vector<uint32_t>& row,
                             BitMeasure measure, uint32_t top) {
  const auto nq = static_cast<uint32_t>(row.size());
  const auto finish = [&](uint32_t pa, uint32_t pb, uint32_t c) {
    return kernels::with_bit_measure(measure, [&](auto op) { return op.finish(pa, pb, c); });
  };
  std::vector<Cand> nearest(nq, Cand{-std::numeric_limits<double>::infinity(), kSearchNone, 0});
  std::vector<std::vector<Cand>> tile_best(top > 0 ? nq : 0);
  std::vector<std::vector<Cand>> hits(nq);
  FpPassSink sink;
  sink.bests = [&](uint32_t row0, uint32_t rows, uint32_t, uint32_t blocks, const SearchBest* b) {
    for (uint32_t r = 0; r < rows; ++r)
      for (uint32_t k = 0; k < blocks; ++k) {
        const SearchBest& e = b[uint64_t{r} * blocks + k];
        if (e.target == kSearchNone) continue;
        const uint32_t q = row0 + r;
        const Cand c{finish(pop[q], targets.pop[e.target], e.common), e.target, e.common};
        if (nearest[q].pos == kSearchNone || better(c, nearest[q])) nearest[q] = c;
        if (top > 0) {
          tile_best[q].push_back(c);
          if (tile_best[q].size() >= 4 * uint64_t{top}) keep_best(tile_best[q], top, false);
        }
      }
  };
  sink.hits = [&](uint64_t n, const uint32_t* q, const uint32_t* t, const uint32_t* common) {
    for (uint64_t k = 0; k < n; ++k) {
      auto& h = hits[q[k]];
      h.push_back({finish(pop[q[k]], targets.pop[t[k]], common[k]), t[k], common[k]});
      if (top > 0 && h.size() >= 4 * uint64_t{top}) keep_best(h, top, false);
    }
  };
  FpPass pass{words, pop, nq, top == 0, top == 0, nullptr, nullptr};
  engine.run(pass, sink);
  if (top > 0) {
    // The k-th best tile best is a floor for the top k (see the header).
    std::vector<uint32_t> floor_pb(nq, kSearchNone), floor_c(nq, 0);
    for (uint32_t q = 0; q < nq; ++q) {
      auto& tb = tile_best[q];
      if (tb.size() < top) continue;
      keep_best(tb, top, false);
      const Cand& f = *std::min_element(tb.begin(), tb.end(),
                                        [](const Cand& x, const Cand& y) { return better(y, x); });
      floor_pb[q] = targets.pop[f.pos];
      floor_c[q] = f.common;
    }
    tile_best.clear();
    sink.bests = [](uint32_t, uint32_t, uint32_t, uint32_t, const SearchBest*) {};
    pass.emit = true;
    pass.row_best = true;  // its bests are not used
    pass.floor_pb = floor_pb.data();
    pass.floor_c = floor_c.data();
    engine.run(pass, sink);
  }
  SearchResult r;
  r.offsets.assign(uint64_t{nq} + 1, 0);
  r.nearest.assign(nq, SearchResult::kNone);
  r.max_similarity.assign(nq, std::nan(""));
  // Rows in result order: row[k] is query k's row.
  std::vector<uint32_t> at(nq);
  for (uint32_t k = 0; k < nq; ++k) at[row[k]] = k;
  for (uint32_t out = 0; out < nq; ++out) {
    const uint32_t q = at[out];
    if (nearest[q].pos != kSearchNone) {
      r.nearest[out] = target_of[nearest[q].pos];
      r.max_similarity[out] = nearest[q].sim;
    }
    auto& h = hits[q];
    keep_best(h, top, true);
    for (const Cand& c : h) r.hits.push_back({target_of[c.pos], c.sim});
    r.offsets[out + 1] = r.hits.size();
    std::vector<Cand>().swap(h);
  }
  return r;
}

}  // namespace cleave::search_detail
