/// @file search.cpp
/// @brief Exact query-against-target similarity (search.hpp): each side's
/// features gathered into a contiguous block sorted by sample index, so the
/// partners of one first sequence (s1) form a suffix of the other block and
/// run through the backends' batch kernels (popcount runs, dot-product runs,
/// SIMD alignment lanes); per-thread nearest and hit lists merged in a fixed
/// order.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <numeric>
#include <optional>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cleave/error.hpp"
#include "cleave/search.hpp"
#include "cleave/util.hpp"
#include "kernels/align.hpp"
#include "kernels/cosine_ops.hpp"
#include "scheduler/plan.hpp"
#include "scheduler/work_dir.hpp"
#include "search/block_file.hpp"
#include "search/fp_search_engine.hpp"
#include "similarity/align_common.hpp"
#include "similarity/fp_computer.hpp"
#include "similarity/seq_prefilter.hpp"
#include "util/parallel_cancel.hpp"

namespace cleave {

namespace {

using similarity_detail::SimdPath;

/// One side of a search: the samples of a dataset at the given indices,
/// sorted by index, with their features laid out contiguously.
struct Block {
  std::vector<uint32_t> index;  ///< sample index in the dataset, ascending
  std::vector<uint32_t> pos;    ///< position in the caller's list
  // Fingerprints.
  std::vector<uint64_t> words;
  std::vector<uint32_t> pop;
  // Embeddings (unit rows).
  std::vector<float> unit;
  // Sequences.
  std::vector<const uint8_t*> seq;
  std::vector<int32_t> len;

  [[nodiscard]] uint64_t size() const { return index.size(); }
};

/// The kind-specific scorer of one s1 sample against a run of partners.
class Scorer {
 public:
  /// Per-thread buffers of score().
  struct Scratch {
    std::vector<uint32_t> common;
    std::vector<float> dots;
    std::vector<kernels::AlignStats> stats;
    std::vector<const uint8_t*> ptrs;
    std::vector<int32_t> lens;
  };

  Scorer(const FeatureView& a, const FeatureView& b, const SearchOptions& opt) {
    if (a.fps) {
      CLEAVE_EXPECTS(b.fps, "queries and targets must be features of one kind");
      CLEAVE_EXPECTS(a.fps->words_per_fp == b.fps->words_per_fp,
                     "queries have {}-bit fingerprints, targets {}-bit", a.fps->n_bits,
                     b.fps->n_bits);
      words_ = a.fps->words_per_fp;
      measure_ = similarity_detail::bit_measure(opt.measure);
      popcount_ = similarity_detail::and_popcount_kernel(similarity_detail::simd_path_selected());
    } else if (a.embeddings) {
      CLEAVE_EXPECTS(b.embeddings, "queries and targets must be features of one kind");
      CLEAVE_EXPECTS(opt.measure == Measure::cosine, "embeddings are compared by cosine, not {}",
                     measure_name(opt.measure));
      CLEAVE_EXPECTS(a.embeddings->dim == b.embeddings->dim,
                     "queries have {} dimensions, targets {}", a.embeddings->dim,
                     b.embeddings->dim);
      dim_ = a.embeddings->dim;
    } else {
      CLEAVE_EXPECTS(b.sequences, "queries and targets must be features of one kind");
      CLEAVE_EXPECTS(opt.measure == Measure::identity, "sequences are compared by identity, not {}",
                     measure_name(opt.measure));
      CLEAVE_EXPECTS(a.sequences->alphabet == b.sequences->alphabet,
                     "queries are {} sequences, targets {}", alphabet_name(a.sequences->alphabet),
                     alphabet_name(b.sequences->alphabet));
      AlignOptions align = opt.align;
      align.threshold = 0;  // not used here; make_scheme validates it
      sc_ = align_detail::make_scheme(a.sequences->alphabet, align);
      local_ = align.mode == AlignMode::local;
      shorter_ = resolved_identity(align) == IdentityKind::shorter;
      sequences_ = true;
    }
  }

  /// The features of `data` at `index` (ascending), gathered into a block.
  [[nodiscard]] Block gather(const FeatureView& data, std::vector<uint32_t> index,
                             std::vector<uint32_t> pos) const {
    Block b;
    b.index = std::move(index);
    b.pos = std::move(pos);
    const uint64_t n = b.size();
    if (data.fps) {
      b.words.resize(n * words_);
      b.pop.resize(n);
      for (uint64_t k = 0; k < n; ++k) {
        const uint64_t* r = data.fps->row(b.index[k]);
        std::copy(r, r + words_, b.words.begin() + static_cast<std::ptrdiff_t>(k * words_));
        b.pop[k] = similarity_detail::popcount_row(r, words_);
      }
    } else if (data.embeddings) {
      EmbeddingSet sub;
      sub.n = n;
      sub.dim = dim_;
      sub.values.resize(n * dim_);
      for (uint64_t k = 0; k < n; ++k) {
        const float* r = data.embeddings->row(b.index[k]);
        std::copy(r, r + dim_, sub.values.begin() + static_cast<std::ptrdiff_t>(k * dim_));
      }
      // Rows are normalised one by one, so a subset's unit rows equal the
      // whole set's.
      b.unit = similarity_detail::unit_rows(sub);
    } else {
      b.seq.resize(n);
      b.len.resize(n);
      for (uint64_t k = 0; k < n; ++k) {
        b.seq[k] = data.sequences->data(b.index[k]);
        b.len[k] = static_cast<int32_t>(data.sequences->length(b.index[k]));
      }
    }
    return b;
  }

  /// out[k] = similarity of a's sample i (as s1) with b's samples j0 + k, k < n.
  void score(const Block& a, uint64_t i, const Block& b, uint64_t j0, uint64_t n,
             std::vector<double>& out, Scratch& s) const;

  /// Sequences: out[k] = identity of a's sample i (as s1) with b's sample js[k].
  void score_list(const Block& a, uint64_t i, const Block& b, const std::vector<uint32_t>& js,
                  std::vector<double>& out, Scratch& s) const {
    s.ptrs.clear();
    s.lens.clear();
    for (uint32_t j : js) {
      s.ptrs.push_back(b.seq[j]);
      s.lens.push_back(b.len[j]);
    }
    s.stats.assign(js.size(), {});
    align_detail::align_batch(a.seq[i], a.len[i], s.ptrs.data(), s.lens.data(), js.size(), sc_,
                              local_, s.stats.data());
    out.resize(js.size());
    for (std::size_t k = 0; k < js.size(); ++k)
      out[k] = kernels::stats_identity(s.stats[k], a.len[i], s.lens[k], shorter_);
  }

  [[nodiscard]] bool sequences() const { return sequences_; }
  [[nodiscard]] bool fingerprints() const { return words_ > 0; }

  /// Fingerprints: s.common[k] = |a_i & b_{j0+k}| for k < n.
  void counts(const Block& a, uint64_t i, const Block& b, uint64_t j0, uint64_t n,
              Scratch& s) const {
    s.common.resize(n);
    if (n > 0)
      popcount_(a.words.data() + i * words_, b.words.data() + j0 * words_, static_cast<uint32_t>(n),
                words_, s.common.data());
  }
  /// Fingerprints: the similarity of a pair from its counts.
  [[nodiscard]] double finish(uint32_t pa, uint32_t pb, uint32_t c) const {
    return kernels::with_bit_measure(measure_, [&](auto op) { return op.finish(pa, pb, c); });
  }
  /// Fingerprints: false only when the pair's similarity is surely below
  /// `floor` (a division-free test with a margin far above rounding).
  [[nodiscard]] bool may_reach(uint32_t pa, uint32_t pb, uint32_t c, double floor) const {
    constexpr double kMargin = 1e-6;
    const auto dc = static_cast<double>(c);
    switch (measure_) {
      case kernels::BitMeasure::dice:
        return pa + pb == 0 || 2 * dc >= floor * static_cast<double>(pa + pb) - kMargin;
      case kernels::BitMeasure::cosine:
        return floor <= 0 ||
               dc * dc >=
                   floor * floor * static_cast<double>(pa) * static_cast<double>(pb) - kMargin;
      default: {
        const uint32_t u = pa + pb - c;
        return u == 0 || dc >= floor * static_cast<double>(u) - kMargin;
      }
    }
  }
  /// Bytes of one sample's features in a block (for cache blocking).
  [[nodiscard]] uint64_t row_bytes() const {
    if (words_ > 0) return uint64_t{words_} * sizeof(uint64_t);
    if (dim_ > 0) return uint64_t{dim_} * sizeof(float);
    return 512;  // a typical protein's residues
  }
  [[nodiscard]] const kernels::ScoreScheme& scheme() const { return sc_; }

 private:
  uint32_t words_ = 0;
  kernels::BitMeasure measure_ = kernels::BitMeasure::tanimoto;
  similarity_detail::AndPopcountFn popcount_ = nullptr;
  uint32_t dim_ = 0;
  kernels::ScoreScheme sc_{};
  bool local_ = false, shorter_ = false, sequences_ = false;
};

void Scorer::score(const Block& a, uint64_t i, const Block& b, uint64_t j0, uint64_t n,
                   std::vector<double>& out, Scratch& s) const {
  out.resize(n);
  if (n == 0) return;
  if (words_ > 0) {
    s.common.resize(n);
    popcount_(a.words.data() + i * words_, b.words.data() + j0 * words_, static_cast<uint32_t>(n),
              words_, s.common.data());
    const uint32_t pa = a.pop[i];
    kernels::with_bit_measure(measure_, [&](auto op) {
      for (uint64_t k = 0; k < n; ++k) out[k] = op.finish(pa, b.pop[j0 + k], s.common[k]);
      return 0;
    });
  } else if (dim_ > 0) {
    s.dots.resize(n);
    similarity_detail::cosine_dots(a.unit.data() + i * dim_, b.unit.data() + j0 * dim_,
                                   static_cast<uint32_t>(n), dim_, s.dots.data());
    for (uint64_t k = 0; k < n; ++k) out[k] = kernels::EmbeddingCosineOp::finish(s.dots[k]);
  } else {
    s.stats.assign(n, {});
    align_detail::align_batch(a.seq[i], a.len[i], b.seq.data() + j0, b.len.data() + j0, n, sc_,
                              local_, s.stats.data());
    for (uint64_t k = 0; k < n; ++k)
      out[k] = kernels::stats_identity(s.stats[k], a.len[i], b.len[j0 + k], shorter_);
  }
}

/// A hit before the merge: query position, target position, similarity.
struct Candidate {
  uint32_t target;
  double sim;
};

int thread_count() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/// Per-thread results: nearest target and hit list of every query.
struct Partial {
  std::vector<double> best;
  std::vector<uint32_t> nearest;
  std::vector<std::vector<Candidate>> hits;
  Scorer::Scratch scratch;
  std::vector<double> sims;
};

class Searcher {
 public:
  Searcher(uint64_t n_queries, uint64_t n_targets, const SearchOptions& opt,
           const std::vector<uint64_t>& rank)
      : nq_(n_queries), opt_(opt), rank_(rank) {
    CLEAVE_EXPECTS(!std::isnan(opt.threshold), "the search threshold is not a number");
    CLEAVE_EXPECTS(opt.top > 0 || std::isfinite(opt.threshold),
                   "a search needs a threshold, a top k, or both");
    CLEAVE_EXPECTS(rank.empty() || rank.size() == n_targets, "{} target ranks for {} targets",
                   rank.size(), n_targets);
    parts_.resize(static_cast<std::size_t>(thread_count()));
  }

  /// Whether target a ranks before target b (ties of similarity).
  [[nodiscard]] bool before(uint32_t a, uint32_t b) const {
    return rank_.empty() ? a < b : (rank_[a] != rank_[b] ? rank_[a] < rank_[b] : a < b);
  }
  [[nodiscard]] bool better(const Candidate& x, const Candidate& y) const {
    return x.sim > y.sim || (x.sim == y.sim && before(x.target, y.target));
  }

  Partial& partial() {
    Partial& p = parts_[static_cast<std::size_t>(thread_id())];
    if (p.best.empty() && nq_ > 0) {
      p.best.assign(nq_, -std::numeric_limits<double>::infinity());
      p.nearest.assign(nq_, SearchResult::kNone);
      p.hits.resize(nq_);
    }
    return p;
  }

  /// Records the similarity of query q with target t.
  void offer(Partial& p, uint32_t q, uint32_t t, double sim) const {
    if (sim > p.best[q] ||
        (sim == p.best[q] && (p.nearest[q] == SearchResult::kNone || before(t, p.nearest[q])))) {
      p.best[q] = sim;
      p.nearest[q] = t;
    }
    if (sim < opt_.threshold) return;
    auto& h = p.hits[q];
    h.push_back({t, sim});
    if (opt_.top > 0 && h.size() >= 4 * uint64_t{opt_.top}) prune(h);
  }

  /// Keeps the top best of a list, best first.
  void prune(std::vector<Candidate>& h) const {
    const auto by = [this](const Candidate& x, const Candidate& y) { return better(x, y); };
    if (opt_.top > 0 && h.size() > opt_.top) {
      std::nth_element(h.begin(), h.begin() + opt_.top, h.end(), by);
      h.resize(opt_.top);
    }
    std::sort(h.begin(), h.end(), by);
  }

  SearchResult finish() {
    SearchResult r;
    r.offsets.assign(nq_ + 1, 0);
    r.nearest.assign(nq_, SearchResult::kNone);
    r.max_similarity.assign(nq_, std::nan(""));
    std::vector<Candidate> all;
    for (uint64_t q = 0; q < nq_; ++q) {
      all.clear();
      for (Partial& p : parts_) {
        if (p.best.empty()) continue;
        if (p.nearest[q] != SearchResult::kNone &&
            (r.nearest[q] == SearchResult::kNone ||
             better({p.nearest[q], p.best[q]}, {r.nearest[q], r.max_similarity[q]}))) {
          r.nearest[q] = p.nearest[q];
          r.max_similarity[q] = p.best[q];
        }
        all.insert(all.end(), p.hits[q].begin(), p.hits[q].end());
        std::vector<Candidate>().swap(p.hits[q]);
      }
      prune(all);
      for (const Candidate& c : all) r.hits.push_back({c.target, c.sim});
      r.offsets[q + 1] = r.hits.size();
    }
    return r;
  }

 private:
  uint64_t nq_;
  const SearchOptions& opt_;
  const std::vector<uint64_t>& rank_;
  std::vector<Partial> parts_;
};

std::vector<uint32_t> iota_u32(uint64_t n) {
  std::vector<uint32_t> v(n);
  std::iota(v.begin(), v.end(), 0U);
  return v;
}

/// Sorts a list of sample indices, returning (indices, their positions).
std::pair<std::vector<uint32_t>, std::vector<uint32_t>> sorted_with_positions(
    const std::vector<uint32_t>& list) {
  std::vector<uint32_t> pos = iota_u32(list.size());
  std::sort(pos.begin(), pos.end(), [&](uint32_t x, uint32_t y) { return list[x] < list[y]; });
  std::vector<uint32_t> index(list.size());
  for (std::size_t k = 0; k < list.size(); ++k) index[k] = list[pos[k]];
  return {std::move(index), std::move(pos)};
}

/// For every sample of `first` (as s1): its partners in `second`, from the
/// first with a larger sample index (all of them when `all_partners`).
/// `first_is_query` says which side the results belong to. Rows go in
/// groups against chunks of partners small enough to stay in cache while
/// the group's rows pass over them.
void sweep(const Scorer& scorer, const Block& first, const Block& second, bool all_partners,
           bool first_is_query, Searcher& searcher, const SearchOptions& opt, Progress* progress,
           ParallelCancel& cancel) {
  constexpr uint64_t kGroup = 8;
  const uint64_t n = first.size();
  const uint64_t chunk = std::max<uint64_t>(64, (uint64_t{256} << 10) / scorer.row_bytes());
  const auto groups = static_cast<std::ptrdiff_t>((n + kGroup - 1) / kGroup);
#pragma omp parallel
  {
    Partial& p = searcher.partial();
    uint64_t j0[kGroup];
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t g = 0; g < groups; ++g) {
      if (cancel.stopped()) continue;
      const uint64_t i0 = static_cast<uint64_t>(g) * kGroup, i1 = std::min(n, i0 + kGroup);
      uint64_t from = second.size();
      for (uint64_t i = i0; i < i1; ++i) {
        j0[i - i0] =
            all_partners
                ? 0
                : static_cast<uint64_t>(
                      std::upper_bound(second.index.begin(), second.index.end(), first.index[i]) -
                      second.index.begin());
        from = std::min(from, j0[i - i0]);
      }
      for (uint64_t c = from; c < second.size(); c += chunk) {
        const uint64_t c1 = std::min(second.size(), c + chunk);
        for (uint64_t i = i0; i < i1; ++i) {
          const uint64_t b0 = std::max(c, j0[i - i0]);
          if (b0 >= c1) continue;
          const uint32_t a = first.pos[i];
          if (first_is_query && scorer.fingerprints()) {
            // Counts only; a similarity is computed where it can matter.
            scorer.counts(first, i, second, b0, c1 - b0, p.scratch);
            const uint32_t pa = first.pop[i];
            double floor = std::min(opt.threshold, p.best[a]);
            for (uint64_t k = 0; k < c1 - b0; ++k) {
              const uint32_t pb = second.pop[b0 + k], c = p.scratch.common[k];
              if (!scorer.may_reach(pa, pb, c, floor)) continue;
              const double sim = scorer.finish(pa, pb, c);
              if (sim < floor) continue;
              searcher.offer(p, a, second.pos[b0 + k], sim);
              floor = std::min(opt.threshold, p.best[a]);
            }
            continue;
          }
          scorer.score(first, i, second, b0, c1 - b0, p.sims, p.scratch);
          if (!first_is_query) {
            for (uint64_t k = 0; k < c1 - b0; ++k)
              searcher.offer(p, second.pos[b0 + k], a, p.sims[k]);
            continue;
          }
          // A pair below both the threshold and the query's best so far
          // changes nothing: one comparison skips it.
          double floor = std::min(opt.threshold, p.best[a]);
          for (uint64_t k = 0; k < c1 - b0; ++k) {
            if (p.sims[k] < floor) continue;
            searcher.offer(p, a, second.pos[b0 + k], p.sims[k]);
            floor = std::min(opt.threshold, p.best[a]);
          }
        }
      }
      if (progress) progress->advance(i1 - i0);
    }
  }
  cancel.check();
}

/// Whether a sequence search goes through the seed prefilter: as the
/// options say, or (automatic) when every pair would cost more DP cells
/// than the exhaustive limit.
bool use_prefilter(const Scorer& scorer, const Block& q, const Block& t, const AlignOptions& a) {
  if (!scorer.sequences() || a.search == SearchMode::exhaustive) return false;
  if (a.search == SearchMode::prefilter) return true;
  const auto residues = [](const Block& b) {
    uint64_t r = 0;
    for (int32_t l : b.len) r += static_cast<uint64_t>(l);
    return static_cast<double>(r);
  };
  return residues(q) * residues(t) > static_cast<double>(a.exhaustive_cells);
}

/// The seed prefilter of a search: the queries stored first and the
/// targets after them, the seed index over the targets alone (built once),
/// and the queries of each block scanned when the block is computed, so a
/// resumed search does not scan its finished blocks again and only one
/// block's candidates are held. The candidates are those of one scan of
/// every query (CandidateScan: a target's candidates depend on its own
/// seed hits alone).
class TargetPrefilter {
 public:
  /// The prefilter's input (queries, then targets) and settled seeds; the
  /// targets' index is planned to fit `index_budget` bytes, sliced into
  /// consecutive targets when the whole does not (built by build() or,
  /// sliced, one slice at a time in every candidates() call).
  TargetPrefilter(const Scorer& scorer, const Block& q, const Block& t, Alphabet alphabet,
                  const SearchOptions& opt, uint64_t index_budget)
      : scheme_(scorer.scheme()), nq_(static_cast<uint32_t>(q.size())) {
    cat_.alphabet = alphabet;
    for (const Block* b : {&q, &t})
      for (uint64_t k = 0; k < b->size(); ++k) {
        cat_.residues.insert(cat_.residues.end(), b->seq[k], b->seq[k] + b->len[k]);
        cat_.offsets.push_back(cat_.residues.size());
      }
    const double threshold =
        std::isfinite(opt.threshold) ? std::clamp(opt.threshold, 0.0, 1.0) : 0.0;
    const align_detail::PrefilterParams params =
        align_detail::prefilter_params(alphabet, resolved_identity(opt.align), threshold,
                                       opt.align.sensitivity, opt.align.match, opt.align.mismatch);
    settled_ = align_detail::settle_seeds(cat_, params, {nq_, nq_});
    const align_detail::TargetSlice targets{nq_, static_cast<uint32_t>(cat_.size())};
    const uint32_t count = align_detail::CandidateScan::slice_count(cat_, settled_, num_threads(),
                                                                    index_budget, targets);
    slices_ = align_detail::CandidateScan::split(cat_, count, targets);
    for (const align_detail::TargetSlice& sl : slices_)
      index_bytes_ = std::max(index_bytes_, align_detail::CandidateScan::slice_bytes(
                                                cat_, settled_, num_threads(), sl));
  }

  /// Bytes of the prefilter's input (the sequences, copied) and of the
  /// largest index slice.
  [[nodiscard]] static uint64_t input_bytes(const Block& q, const Block& t) {
    uint64_t residues = 0;
    for (const Block* b : {&q, &t})
      for (uint64_t k = 0; k < b->size(); ++k) residues += static_cast<uint64_t>(b->len[k]);
    return residues + (q.size() + t.size() + 1) * sizeof(uint64_t);
  }
  [[nodiscard]] uint64_t bytes() const {
    return cat_.residues.capacity() + cat_.offsets.capacity() * sizeof(uint64_t) + index_bytes_;
  }
  [[nodiscard]] std::size_t slices() const { return slices_.size(); }

  /// Builds the whole index once, when it is not sliced.
  void build() {
    if (slices_.size() == 1 && !scan_)
      scan_ = std::make_unique<align_detail::CandidateScan>(cat_, scheme_, settled_, num_threads(),
                                                            slices_[0]);
  }

  /// Candidate targets (positions in t) of the queries at positions `rows`
  /// of q, in the order given. A target's candidates do not depend on the
  /// slicing (each comes from its own seed hits), so they equal the whole
  /// index's.
  std::vector<std::vector<uint32_t>> candidates(const std::vector<uint32_t>& rows) {
    std::vector<uint32_t> sorted = rows;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::vector<uint32_t>> out(rows.size());
    auto append = [&](align_detail::CandidateScan& scan) {
      const align_detail::Candidates c = scan.rows(sorted, nq_, nullptr, nullptr);
      for (std::size_t k = 0; k < rows.size(); ++k)
        for (uint64_t e = c.offsets[rows[k]]; e < c.offsets[rows[k] + 1]; ++e)
          out[k].push_back(c.cols[e] - nq_);
    };
    build();
    if (scan_) {
      append(*scan_);
    } else {
      // Slices in target order, so each query's candidates stay ascending.
      for (const align_detail::TargetSlice& sl : slices_) {
        check_cancelled(current_call_hooks());
        align_detail::CandidateScan scan(cat_, scheme_, settled_, num_threads(), sl);
        append(scan);
      }
    }
    return out;
  }

 private:
  const kernels::ScoreScheme& scheme_;
  Sequences cat_;
  uint32_t nq_;
  align_detail::PrefilterParams settled_;
  std::vector<align_detail::TargetSlice> slices_;
  uint64_t index_bytes_ = 0;
  std::unique_ptr<align_detail::CandidateScan> scan_;
};

/// Aligns every query with its candidate targets, each pair ordered as the
/// graph orders it (the lower sample index as s1) when `by_index`, else the
/// query first. The pairs with the target first are gathered by target, so
/// that each target meets all its queries in one batch of SIMD lanes rather
/// than one pair a batch; the Searcher's result does not depend on the
/// order of offers.
void sweep_candidates(const Scorer& scorer, const Block& q, const Block& t,
                      const std::vector<std::vector<uint32_t>>& cand, bool by_index,
                      Searcher& searcher, ParallelCancel& cancel) {
  const auto n = static_cast<std::ptrdiff_t>(q.size());
  const auto target_first = [&](std::ptrdiff_t i, uint32_t j) {
    return by_index && !(t.index[j] > q.index[i]);
  };
  std::vector<std::vector<uint32_t>> reversed(by_index ? t.size() : 0);
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (uint32_t j : cand[static_cast<std::size_t>(i)])
      if (target_first(i, j)) reversed[j].push_back(static_cast<uint32_t>(i));
  const auto nr = static_cast<std::ptrdiff_t>(reversed.size());
#pragma omp parallel
  {
    Partial& p = searcher.partial();
    std::vector<uint32_t> after;
#pragma omp for schedule(dynamic, 4) nowait
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      if (cancel.stopped()) continue;
      after.clear();
      for (uint32_t j : cand[static_cast<std::size_t>(i)])
        if (!target_first(i, j)) after.push_back(j);
      scorer.score_list(q, static_cast<uint64_t>(i), t, after, p.sims, p.scratch);
      for (std::size_t k = 0; k < after.size(); ++k)
        searcher.offer(p, q.pos[i], t.pos[after[k]], p.sims[k]);
    }
#pragma omp for schedule(dynamic, 4)
    for (std::ptrdiff_t j = 0; j < nr; ++j) {
      const auto& qs = reversed[static_cast<std::size_t>(j)];
      if (qs.empty() || cancel.stopped()) continue;
      scorer.score_list(t, static_cast<uint64_t>(j), q, qs, p.sims, p.scratch);
      for (std::size_t k = 0; k < qs.size(); ++k)
        searcher.offer(p, q.pos[qs[k]], t.pos[j], p.sims[k]);
    }
  }
  cancel.check();
}

}  // namespace

uint64_t FeatureView::size() const {
  const int kinds = (fps != nullptr) + (embeddings != nullptr) + (sequences != nullptr);
  CLEAVE_EXPECTS(kinds == 1, "a feature view needs exactly one kind of features, got {}", kinds);
  if (fps) return fps->size();
  if (embeddings) return embeddings->n;
  return sequences->size();
}

namespace {

namespace fs = std::filesystem;
using detail::format_bytes;

/// Digest of a dataset's features (the kind, the widths and every value).
void checksum_features(Checksum& c, const FeatureView& v) {
  if (v.fps) {
    c.update("fingerprints");
    c.update_value(v.fps->n_bits);
    c.update_value(v.fps->words_per_fp);
    c.update(v.fps->words.data(), v.fps->words.size() * sizeof(uint64_t));
  } else if (v.embeddings) {
    c.update("embeddings");
    c.update_value(v.embeddings->n);
    c.update_value(v.embeddings->dim);
    c.update(v.embeddings->values.data(), v.embeddings->values.size() * sizeof(float));
  } else {
    c.update("sequences");
    c.update_value(static_cast<int>(v.sequences->alphabet));
    c.update(v.sequences->residues.data(), v.sequences->residues.size());
    c.update(v.sequences->offsets.data(), v.sequences->offsets.size() * sizeof(uint64_t));
  }
}

template <class T>
void checksum_list(Checksum& c, const std::vector<T>& v) {
  c.update_value(static_cast<uint64_t>(v.size()));
  c.update(v.data(), v.size() * sizeof(T));
}

/// One search, query block by query block: queries and targets are whole
/// datasets (search()) or index lists into one (search_within(), `within`).
class SearchRun {
 public:
  SearchRun(const FeatureView& queries, const FeatureView& targets,
            const std::vector<uint32_t>* qlist, const std::vector<uint32_t>* tlist,
            const SearchOptions& opt, const std::vector<uint64_t>& rank,
            search_detail::FpEngineFactory factory)
      : qv_(queries),
        tv_(targets),
        qlist_(qlist),
        tlist_(tlist),
        within_(qlist != nullptr),
        opt_(opt),
        rank_(rank),
        scorer_(queries, targets, opt),
        factory_(std::move(factory)) {
    nq_ = within_ ? qlist->size() : queries.size();
    nt_ = within_ ? tlist->size() : targets.size();
    CLEAVE_EXPECTS(nq_ < SearchResult::kNone && nt_ < SearchResult::kNone,
                   "{} queries and {} targets exceed the 32-bit sample index", nq_, nt_);
    const Searcher check(0, nt_, opt, rank);  // validates threshold, top and ranks
    (void)check;
    CLEAVE_EXPECTS(!factory_ || scorer_.fingerprints(),
                   "--backend cuda: search and audit compute {} on the cpu backend only; use "
                   "--backend cpu or auto",
                   queries.embeddings ? "embeddings" : "sequences");
  }

  void run(const SearchSink& sink);

 private:
  /// Working memory of one query in a block (per-thread state, features, results).
  [[nodiscard]] uint64_t per_query_bytes() const;
  [[nodiscard]] uint64_t auto_rows(uint64_t fixed) const;
  void plan();
  void prepare_prefilter();
  void prepare_engine();
  SearchResult compute(uint64_t b);
  [[nodiscard]] detail::BlockFileKey key(uint64_t b) const {
    return {run_key_, b, b * rows_, std::min(nq_, (b + 1) * rows_)};
  }
  [[nodiscard]] uint64_t input_checksum() const;
  [[nodiscard]] uint64_t result_bytes(const SearchResult& r) const {
    return r.hits.size() * sizeof(SearchHit) +
           r.nearest.size() * (sizeof(uint32_t) + sizeof(double) + sizeof(uint64_t));
  }

  const FeatureView& qv_;
  const FeatureView& tv_;
  const std::vector<uint32_t>* qlist_;
  const std::vector<uint32_t>* tlist_;
  const bool within_;
  const SearchOptions& opt_;
  const std::vector<uint64_t>& rank_;
  const Scorer scorer_;
  /// Fingerprints on a kernel engine (null: the CPU sweep).
  search_detail::FpEngineFactory factory_;
  uint64_t nq_ = 0, nt_ = 0;

  Block t_;      ///< every target
  Block q_all_;  ///< every query, sequences only (pointers): the prefilter's input
  bool prefilter_ = false;
  std::unique_ptr<TargetPrefilter> target_prefilter_;  ///< planned with the memory budget
  std::vector<uint32_t> cand_row_;  ///< query position -> position in q_all_ (once prepared)
  /// The engine's targets in rank order (made for the first block computed).
  std::vector<uint64_t> eng_words_;
  std::vector<uint32_t> eng_pop_, eng_target_;  ///< and each one's position in the caller's list
  search_detail::FpTargets eng_targets_;
  std::unique_ptr<search_detail::FpSearchEngine> engine_;

  uint64_t budget_ = 0, fixed_ = 0, rows_ = 1, blocks_ = 0;
  detail::SearchCheckpointParams params_;
  uint64_t run_key_ = 0;
  std::optional<detail::WorkDir> work_;
  detail::SearchCheckpointState state_;
  std::optional<Progress> progress_;
  SearchReport rep_;
};

uint64_t SearchRun::input_checksum() const {
  Checksum c;
  c.update(within_ ? "within" : "search");
  checksum_features(c, qv_);
  if (within_) {
    checksum_list(c, *qlist_);
    checksum_list(c, *tlist_);
  } else {
    checksum_features(c, tv_);
  }
  c.update_value(static_cast<uint32_t>(opt_.measure));
  const AlignOptions& a = opt_.align;
  if (scorer_.sequences()) {
    c.update_value(static_cast<int>(a.mode));
    c.update_value(a.gap_open);
    c.update_value(a.gap_extend);
    c.update_value(a.match);
    c.update_value(a.mismatch);
    c.update_value(static_cast<int>(a.identity));
    c.update_value(static_cast<int>(a.search));
    c.update_value(a.sensitivity);
    c.update_value(a.exhaustive_cells);
  }
  checksum_list(c, rank_);
  return c.digest();
}

uint64_t SearchRun::per_query_bytes() const {
  const auto threads = static_cast<uint64_t>(std::max(1, num_threads()));
  const uint64_t per_thread = sizeof(double) + sizeof(uint32_t) + sizeof(std::vector<Candidate>) +
                              uint64_t{4} * opt_.top * sizeof(Candidate);
  return threads * per_thread + scorer_.row_bytes() + 3 * sizeof(uint64_t) +
         uint64_t{opt_.top} * sizeof(SearchHit);
}

/// Queries per block when the caller leaves it open: enough groups of rows
/// for every thread, about 64 blocks for a checkpoint's granularity (8
/// without a work directory: each block ends in a serial merge while the
/// other threads wait, which cost a 5k x 5k fingerprint search 40% more CPU
/// at 64 blocks), and no more than half the memory left after the targets
/// allows (the other half is for the block's hits).
uint64_t SearchRun::auto_rows(uint64_t fixed) const {
  const auto threads = static_cast<uint64_t>(std::max(1, num_threads()));
  const uint64_t cap = std::max<uint64_t>(1, (budget_ - fixed) / 2 / per_query_bytes());
  const uint64_t aim = work_ ? 64 : 8;
  uint64_t rows = std::max<uint64_t>(64 * threads, (nq_ + aim - 1) / aim);
  return std::max<uint64_t>(1, std::min({rows, cap, std::max<uint64_t>(nq_, 1)}));
}

void SearchRun::plan() {
  budget_ = opt_.max_memory ? opt_.max_memory : detail::default_memory_budget();
  if (within_) {
    auto [ti, tp] = sorted_with_positions(*tlist_);
    t_ = scorer_.gather(tv_, std::move(ti), std::move(tp));
  } else {
    t_ = scorer_.gather(tv_, iota_u32(nt_), iota_u32(nt_));
  }
  fixed_ = nt_ * (scorer_.row_bytes() + 2 * sizeof(uint32_t));
  if (scorer_.sequences()) {
    if (within_) {
      auto [qi, qp] = sorted_with_positions(*qlist_);
      q_all_ = scorer_.gather(qv_, std::move(qi), std::move(qp));
    } else {
      q_all_ = scorer_.gather(qv_, iota_u32(nq_), iota_u32(nq_));
    }
    prefilter_ = use_prefilter(scorer_, q_all_, t_, opt_.align);
    if (!prefilter_) q_all_ = Block();
  }
  if (prefilter_) {
    // The prefilter's copy of the sequences, and its seed index in half of
    // what is left (the other half for the blocks), sliced when the
    // targets' whole index does not fit there.
    const uint64_t used = fixed_ + TargetPrefilter::input_bytes(q_all_, t_) + per_query_bytes();
    const uint64_t index_budget = budget_ > used ? (budget_ - used) / 2 : 0;
    target_prefilter_ = std::make_unique<TargetPrefilter>(
        scorer_, q_all_, t_, qv_.sequences->alphabet, opt_, index_budget);
    fixed_ += target_prefilter_->bytes();
    rep_.index_slices = target_prefilter_->slices();
  }
  if (const uint64_t need = fixed_ + per_query_bytes(); budget_ < need)
    CLEAVE_FAIL(out_of_memory,
                "the search needs at least {} (the {} targets' features and one query's working "
                "memory) but the memory budget is {}; raise the budget (--max-memory)",
                format_bytes(need), nt_, format_bytes(budget_));
  std::optional<detail::SearchCheckpointState> found;
  if (!opt_.work_dir.empty()) {
    work_.emplace(opt_.work_dir);
    found = work_->load_search();
  }
  rows_ = opt_.block_rows;
  if (rows_ == 0 && found) rows_ = found->params.block_rows;  // resume on the checkpoint's blocks
  if (rows_ == 0) rows_ = auto_rows(fixed_);
  blocks_ = (nq_ + rows_ - 1) / rows_;
  if (work_) {
    params_.input_checksum = input_checksum();
    params_.threshold = opt_.threshold;
    params_.top = opt_.top;
    params_.queries = nq_;
    params_.targets = nt_;
    params_.block_rows = rows_;
    params_.blocks = blocks_;
    run_key_ = params_.digest();
  }
  state_.params = params_;
  state_.done.assign(blocks_, 0);
  if (found) {
    work_->check_search_params(found->params, params_);
    for (uint64_t b = 0; b < blocks_; ++b) {
      if (!found->done[b]) continue;
      const fs::path path = work_->block_path(b);
      const auto rd = detail::read_block_file(path, key(b), nullptr);
      if (!rd.ok) {
        warn(fmt::format("{}: {}; computing block {} again", path.string(), rd.problem, b));
        ++rep_.blocks_repaired;
        continue;
      }
      state_.done[b] = 1;
      ++rep_.blocks_resumed;
    }
  } else if (work_) {
    work_->clear(false);  // block files a killed run wrote before its first checkpoint
  }
}

void SearchRun::prepare_prefilter() {
  if (!prefilter_ || !cand_row_.empty()) return;
  target_prefilter_->build();
  cand_row_.assign(nq_, 0);
  for (uint64_t k = 0; k < q_all_.size(); ++k) cand_row_[q_all_.pos[k]] = static_cast<uint32_t>(k);
}

/// Orders the targets by rank (then position), the kernel's tie order.
void SearchRun::prepare_engine() {
  if (!factory_ || engine_) return;
  const uint32_t words = qv_.fps->words_per_fp;
  std::vector<uint32_t> order = iota_u32(t_.size());
  const auto key = [&](uint32_t k) { return t_.pos[k]; };
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    const uint32_t a = key(x), b = key(y);
    return rank_.empty() ? a < b : (rank_[a] != rank_[b] ? rank_[a] < rank_[b] : a < b);
  });
  eng_words_.resize(t_.words.size());
  eng_pop_.resize(t_.size());
  eng_target_.resize(t_.size());
  for (uint64_t p = 0; p < order.size(); ++p) {
    const uint32_t k = order[p];
    std::copy_n(t_.words.begin() + static_cast<std::ptrdiff_t>(uint64_t{k} * words), words,
                eng_words_.begin() + static_cast<std::ptrdiff_t>(p * words));
    eng_pop_[p] = t_.pop[k];
    eng_target_[p] = t_.pos[k];
  }
  std::vector<uint64_t>().swap(t_.words);  // the engine's copy replaces it (fixed_ counts one)
  eng_targets_ = {eng_words_.data(), eng_pop_.data(), static_cast<uint32_t>(t_.size()), words};
  engine_ = factory_(eng_targets_, similarity_detail::bit_measure(opt_.measure), opt_.threshold);
}

SearchResult SearchRun::compute(uint64_t b) {
  const uint64_t p0 = b * rows_, p1 = std::min(nq_, p0 + rows_), rows = p1 - p0;
  Block q;
  if (within_) {
    const std::vector<uint32_t> list(qlist_->begin() + static_cast<std::ptrdiff_t>(p0),
                                     qlist_->begin() + static_cast<std::ptrdiff_t>(p1));
    auto [qi, qp] = sorted_with_positions(list);
    q = scorer_.gather(qv_, std::move(qi), std::move(qp));
  } else {
    std::vector<uint32_t> index(rows);
    std::iota(index.begin(), index.end(), static_cast<uint32_t>(p0));
    q = scorer_.gather(qv_, std::move(index), iota_u32(rows));
  }
  Searcher searcher(factory_ ? 0 : rows, nt_, opt_, rank_);
  ParallelCancel cancel;
  SearchResult r;
  Progress* progress = progress_ ? &*progress_ : nullptr;
  if (factory_) {
    // Fingerprint pairs are symmetric (the finish of (a, b) is that of
    // (b, a)), so a search within one dataset is the same rectangle.
    prepare_engine();
    r = search_detail::fp_search_block(*engine_, eng_targets_, eng_target_, q.words.data(),
                                       q.pop.data(), q.pos,
                                       similarity_detail::bit_measure(opt_.measure), opt_.top);
    if (progress) progress->advance(rows);
  } else if (prefilter_) {
    std::vector<uint32_t> at(rows);
    for (uint64_t k = 0; k < rows; ++k) at[k] = cand_row_[p0 + q.pos[k]];
    const auto cand = target_prefilter_->candidates(at);
    sweep_candidates(scorer_, q, t_, cand, within_, searcher, cancel);
    if (progress) progress->advance(rows);
  } else {
    // Within one dataset: the pairs with the query first (query index <
    // target index), then the rest with the target first, as the all-pairs
    // graph orders every pair.
    sweep(scorer_, q, t_, !within_, true, searcher, opt_, progress, cancel);
    if (within_) sweep(scorer_, t_, q, false, false, searcher, opt_, progress, cancel);
  }
  if (!factory_) r = searcher.finish();
  if (const uint64_t need = fixed_ + result_bytes(r); need > budget_)
    CLEAVE_FAIL(out_of_memory,
                "block {} of the search ({} queries) has {} hits, which need {} with the targets, "
                "but the memory budget is {}; raise the budget (--max-memory) or the threshold, "
                "or keep the best hits (--top){}",
                b, rows, r.hits.size(), format_bytes(need), format_bytes(budget_),
                work_ ? fmt::format("; finished blocks are kept in {} and will not be computed "
                                    "again",
                                    work_->dir().string())
                      : "");
  return r;
}

void SearchRun::run(const SearchSink& sink) {
  plan();
  uint64_t pending_rows = 0, pending_blocks = 0;
  for (uint64_t b = 0; b < blocks_; ++b)
    if (!state_.done[b]) {
      pending_rows += std::min(nq_, (b + 1) * rows_) - b * rows_;
      ++pending_blocks;
    }
  if (pending_blocks > 0) prepare_prefilter();  // the seed index, before the bar starts
  if (opt_.progress && pending_blocks > 0) {
    std::string label = opt_.progress_label;
    if (rep_.index_slices > 1) label += fmt::format(" against {} index slices", rep_.index_slices);
    if (rep_.blocks_resumed)
      label += fmt::format(" (resumed: {} of {} blocks done)", rep_.blocks_resumed, blocks_);
    // Within one dataset, every block also passes over the targets (the
    // pairs with the target first).
    const uint64_t total =
        pending_rows + (within_ && !prefilter_ && !factory_ ? pending_blocks * t_.size() : 0);
    progress_.emplace(label, total);
  }
  const CallHooks* hooks = current_call_hooks();
  for (uint64_t b = 0; b < blocks_; ++b) {
    check_cancelled(hooks);  // finished blocks stay checkpointed: a rerun resumes
    SearchResult r;
    bool have = false;
    if (state_.done[b]) {
      const fs::path path = work_->block_path(b);
      const auto rd = detail::read_block_file(path, key(b), &r);
      have = rd.ok;
      if (!have) {
        // Damaged since it was checked: compute it again.
        warn(fmt::format("{}: {}; computing block {} again", path.string(), rd.problem, b));
        ++rep_.blocks_repaired;
        state_.done[b] = 0;
        prepare_prefilter();
      }
    }
    if (!have) {
      r = compute(b);
      ++rep_.blocks_computed;
      if (work_) {
        detail::write_block_file(work_->block_path(b), key(b), r);
        state_.done[b] = 1;
        work_->save_search(state_);
      }
    }
    sink(b * rows_, r);
  }
  if (progress_) progress_->finish();
  if (work_) work_->clear(true);
  rep_.blocks = blocks_;
  rep_.block_rows = rows_;
  rep_.memory_budget = budget_;
  if (opt_.report) *opt_.report = rep_;
}

/// Appends blocks into one result.
class Collect {
 public:
  explicit Collect(uint64_t n) {
    r_.offsets.assign(1, 0);
    r_.offsets.reserve(n + 1);
    r_.nearest.reserve(n);
    r_.max_similarity.reserve(n);
  }
  void add(const SearchResult& b) {
    const uint64_t base = r_.hits.size();
    for (std::size_t k = 1; k < b.offsets.size(); ++k) r_.offsets.push_back(base + b.offsets[k]);
    r_.hits.insert(r_.hits.end(), b.hits.begin(), b.hits.end());
    r_.nearest.insert(r_.nearest.end(), b.nearest.begin(), b.nearest.end());
    r_.max_similarity.insert(r_.max_similarity.end(), b.max_similarity.begin(),
                             b.max_similarity.end());
  }
  SearchResult take() { return std::move(r_); }

 private:
  SearchResult r_;
};

/// The engine factory of opt.backend for features v (null: the CPU sweep).
search_detail::FpEngineFactory factory_for(const FeatureView& v, const SearchOptions& opt) {
  if (opt.backend != Backend::cuda) return {};
  CLEAVE_EXPECTS(v.fps != nullptr,
                 "--backend cuda: search and audit compute {} on the cpu backend only; use "
                 "--backend cpu or auto",
                 v.embeddings ? "embeddings" : "sequences");
  return search_detail::fp_engine_factory(Backend::cuda);
}

void run_search(const FeatureView& queries, const FeatureView& targets, const SearchOptions& opt,
                const std::vector<uint64_t>& target_rank, const SearchSink& sink,
                search_detail::FpEngineFactory factory) {
  SearchRun(queries, targets, nullptr, nullptr, opt, target_rank, std::move(factory)).run(sink);
}

void run_search_within(const FeatureView& data, const std::vector<uint32_t>& queries,
                       const std::vector<uint32_t>& targets, const SearchOptions& opt,
                       const std::vector<uint64_t>& target_rank, const SearchSink& sink,
                       search_detail::FpEngineFactory factory) {
  const uint64_t n = data.size();
  std::vector<char> used(n, 0);
  for (const auto* list : {&queries, &targets})
    for (uint32_t i : *list) {
      CLEAVE_EXPECTS(i < n, "sample index {} out of range ({} samples)", i, n);
      CLEAVE_EXPECTS(!used[i], "sample {} is listed twice among queries and targets", i);
      used[i] = 1;
    }
  SearchRun(data, data, &queries, &targets, opt, target_rank, std::move(factory)).run(sink);
}

}  // namespace

void search_blocks(const FeatureView& queries, const FeatureView& targets, const SearchOptions& opt,
                   const std::vector<uint64_t>& target_rank, const SearchSink& sink) {
  run_search(queries, targets, opt, target_rank, sink, factory_for(queries, opt));
}

SearchResult search(const FeatureView& queries, const FeatureView& targets,
                    const SearchOptions& opt, const std::vector<uint64_t>& target_rank) {
  Collect all(queries.size());
  search_blocks(queries, targets, opt, target_rank,
                [&](uint64_t, const SearchResult& b) { all.add(b); });
  return all.take();
}

void search_within_blocks(const FeatureView& data, const std::vector<uint32_t>& queries,
                          const std::vector<uint32_t>& targets, const SearchOptions& opt,
                          const std::vector<uint64_t>& target_rank, const SearchSink& sink) {
  run_search_within(data, queries, targets, opt, target_rank, sink, factory_for(data, opt));
}

SearchResult search_within(const FeatureView& data, const std::vector<uint32_t>& queries,
                           const std::vector<uint32_t>& targets, const SearchOptions& opt,
                           const std::vector<uint64_t>& target_rank) {
  Collect all(queries.size());
  search_within_blocks(data, queries, targets, opt, target_rank,
                       [&](uint64_t, const SearchResult& b) { all.add(b); });
  return all.take();
}

SearchResult search_detail::search_on(const FeatureView& queries, const FeatureView& targets,
                                      const SearchOptions& opt,
                                      const std::vector<uint64_t>& target_rank,
                                      const FpEngineFactory& factory) {
  Collect all(queries.size());
  run_search(
      queries, targets, opt, target_rank, [&](uint64_t, const SearchResult& b) { all.add(b); },
      factory);
  return all.take();
}

SearchResult search_detail::search_within_on(const FeatureView& data,
                                             const std::vector<uint32_t>& queries,
                                             const std::vector<uint32_t>& targets,
                                             const SearchOptions& opt,
                                             const std::vector<uint64_t>& target_rank,
                                             const FpEngineFactory& factory) {
  Collect all(queries.size());
  run_search_within(
      data, queries, targets, opt, target_rank,
      [&](uint64_t, const SearchResult& b) { all.add(b); }, factory);
  return all.take();
}

}  // namespace cleave
