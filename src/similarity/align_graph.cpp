/// @file align_graph.cpp
/// @brief The sequence identity graph: every pair through the tile
/// scheduler, or only the k-mer candidates.
#include <omp.h>

#include <algorithm>
#include <optional>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "dist/bytes.hpp"
#include "similarity/align_common.hpp"
#include "similarity/seq_prefilter.hpp"
#include "util/parallel_cancel.hpp"

#if CLEAVE_HAVE_CUDA
#include "similarity/align_cuda.hpp"
#include "similarity/align_survivor_cuda.hpp"
#endif

namespace cleave {

namespace {

/// Whether aligning every pair costs at most `budget` DP cells.
bool exhaustive_is_cheap(const Sequences& seqs, uint64_t budget) {
  // sum over i < j of n_i n_j = ((sum n)^2 - sum n^2) / 2
  double sum = 0, sq = 0;
  for (std::size_t k = 0; k < seqs.size(); ++k) {
    const double l = seqs.length(k);
    sum += l;
    sq += l * l;
  }
  return (sum * sum - sq) / 2 <= static_cast<double>(budget);
}

/// The prefilter's settings for this input, the seeds settled.
struct SettledPrefilter {
  align_detail::PrefilterParams params;
  uint64_t hit_budget = 0;    ///< as asked (0: no seed choice)
  uint64_t hit_estimate = 0;  ///< of the default seeds (0: no seed choice)
};

SettledPrefilter settled_prefilter(const Sequences& seqs, const AlignOptions& opt) {
  SettledPrefilter s;
  const auto asked =
      align_detail::prefilter_params(seqs.alphabet, resolved_identity(opt), opt.threshold,
                                     opt.sensitivity, opt.match, opt.mismatch);
  s.hit_budget = asked.large_patterns.empty() ? 0 : asked.hit_budget;
  s.params = align_detail::settle_seeds(seqs, asked, {}, &s.hit_estimate);
  return s;
}

std::string parameters_json(const Sequences& seqs, const AlignOptions& opt,
                            const kernels::ScoreScheme& sc, const SettledPrefilter* pre) {
  std::string search = "\"exhaustive\"";
  if (pre) {
    const auto& p = pre->params;
    search = fmt::format(
        "{{\"prefilter\": {{\"sensitivity\": {}, \"seeds\": \"{}\", \"reduced_alphabet\": "
        "{}, \"band\": {}, \"window\": {}, \"min_ungapped\": {}, \"gapped_band\": {}, "
        "\"min_gapped\": {}, \"length_ratio\": {}, \"short_max\": {}, \"short_cells\": {}, "
        "\"hit_budget\": {}, \"hit_estimate\": {}}}}}",
        opt.sensitivity, fmt::join(p.patterns, ","), p.reduce ? "true" : "false", p.band, p.window,
        p.min_ungapped, p.gapped_band, p.min_gapped, p.length_ratio, p.short_max, p.short_cells,
        pre->hit_budget, pre->hit_estimate);
  }
  return fmt::format(
      "{{\"alphabet\": \"{}\", \"align\": \"{}\", \"gap_open\": {}, \"gap_extend\": {}, "
      "\"scores\": \"{}\", \"identity\": \"{}\", \"search\": {}}}",
      alphabet_name(seqs.alphabet), opt.mode == AlignMode::local ? "local" : "global", sc.gap_open,
      sc.gap_extend,
      seqs.alphabet == Alphabet::dna ? fmt::format("match {} mismatch {}", opt.match, opt.mismatch)
                                     : std::string("blosum62"),
      identity_kind_name(resolved_identity(opt)), search);
}

Graph prefiltered_graph(const Sequences& seqs, const AlignOptions& opt,
                        const align_detail::PrefilterParams& params) {
  const auto sc = align_detail::make_scheme(seqs.alphabet, opt);
  const int threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
  // Over ranks, each scans and aligns its share of the query rows; rank 0
  // gathers the edges and histograms (every rank builds the whole index).
  const int part = dist::rank(), parts = dist::size();
  align_detail::PrefilterCounts counts;
  const auto cand = align_detail::prefilter_candidates(seqs, sc, params, threads, opt.progress,
                                                       &counts, {UINT32_MAX, 0, part, parts});
  const uint64_t my_candidates = cand.count();
  counts.seed_hits = dist::sum(counts.seed_hits);
  counts.diagonal_hits = dist::sum(counts.diagonal_hits);
  counts.ungapped = dist::sum(counts.ungapped);
  counts.candidates = dist::sum(counts.candidates);
  counts.short_pairs = dist::sum(counts.short_pairs);
  const auto n = static_cast<int64_t>(seqs.size());
  std::vector<TileResult> results(static_cast<std::size_t>(threads));
  Progress progress(
      fmt::format("sequence identity (seeds {}: {} seed hits, {} diagonals, {} "
                  "ungapped, {} candidate pairs, {} of them short pairs taken "
                  "without seeds)",
                  fmt::join(params.patterns, ","), counts.seed_hits, counts.diagonal_hits,
                  counts.ungapped, counts.candidates, counts.short_pairs),
      static_cast<uint64_t>(n));
  align_detail::align_candidates(seqs, cand, sc, opt, results, opt.progress ? &progress : nullptr);
  progress.finish();
  GraphMeta meta;
  meta.measure = Measure::identity;
  meta.threshold = opt.threshold;
  meta.n_pairs = static_cast<uint64_t>(n) * static_cast<uint64_t>(n - 1) / 2;
  meta.input_checksum = align_detail::sequences_checksum(seqs, opt);
  std::vector<Edge> edges;
  for (auto& p : results) {
    meta.histogram.merge(p.histogram);
    edges.insert(edges.end(), p.edges.begin(), p.edges.end());
  }
  uint64_t candidates = my_candidates;
  if (parts > 1) {
    dist::Writer w;
    w.put_vector(meta.histogram.counts);
    w.put_vector(edges);
    const auto shares = dist::gather(w.take());
    if (part != 0) return Graph::from_edges(seqs.size(), {}, std::move(meta), seqs.samples.ids);
    candidates = counts.candidates;
    for (std::size_t r = 1; r < shares.size(); ++r) {
      dist::Reader rd(shares[r]);
      Histogram h = meta.histogram;
      h.counts = rd.get_vector<uint64_t>();
      meta.histogram.merge(h);
      const auto more = rd.get_vector<Edge>();
      edges.insert(edges.end(), more.begin(), more.end());
    }
  }
  // Pairs that were not candidates count as identity 0.
  meta.histogram.add(0.0, meta.n_pairs - candidates);
  std::sort(edges.begin(), edges.end(),
            [](const Edge& a, const Edge& b) { return a.u != b.u ? a.u < b.u : a.v < b.v; });
  return Graph::from_edges(seqs.size(), std::move(edges), std::move(meta), seqs.samples.ids);
}

}  // namespace

namespace align_detail {

void align_candidates(const Sequences& seqs, const Candidates& cand, const kernels::ScoreScheme& sc,
                      const AlignOptions& opt, std::vector<TileResult>& results,
                      Progress* progress) {
#if CLEAVE_HAVE_CUDA
  // The survivor-alignment kernel, when the cuda backend is asked for by
  // name (automatic stays on the CPU until it has run on a device).
  if (opt.backend == Backend::cuda && resolve_backend(opt.backend) == Backend::cuda)
    return align_candidates_cuda(seqs, cand, sc, opt, results, progress);
#endif
  const auto n = static_cast<int64_t>(seqs.size());
  // Rows add to their thread's results, which the caller merges order-free:
  // skipped rows only matter when cancelled.
  ParallelCancel cancel;
  const auto threads = static_cast<int>(results.size());
#pragma omp parallel num_threads(threads)
  {
    TileResult& mine = results[static_cast<std::size_t>(omp_get_thread_num())];
    std::vector<const uint8_t*> ptrs;
    std::vector<int32_t> lens;
    std::vector<kernels::AlignStats> stats;
#pragma omp for schedule(dynamic, 8)
    for (int64_t i = 0; i < n; ++i) {
      if (cancel.stopped()) continue;
      const uint64_t b = cand.offsets[i], e = cand.offsets[i + 1];
      ptrs.clear();
      lens.clear();
      for (uint64_t c = b; c < e; ++c) {
        ptrs.push_back(seqs.data(cand.cols[c]));
        lens.push_back(static_cast<int32_t>(seqs.length(cand.cols[c])));
      }
      stats.assign(ptrs.size(), {});
      align_batch(seqs.data(i), static_cast<int32_t>(seqs.length(i)), ptrs.data(), lens.data(),
                  ptrs.size(), sc, opt.mode == AlignMode::local, stats.data());
      for (uint64_t c = b; c < e; ++c)
        record_pair(seqs, static_cast<uint64_t>(i), cand.cols[c], stats[c - b], opt, mine);
      if (progress) progress->advance();
    }
  }
  cancel.check();
}

}  // namespace align_detail

std::unique_ptr<PairComputer> make_sequence_computer(const Sequences& seqs,
                                                     const AlignOptions& opt) {
#if CLEAVE_HAVE_CUDA
  if (resolve_backend(opt.backend) == Backend::cuda)
    return align_detail::make_cuda_computer(seqs, opt);
#else
  if (opt.backend == Backend::cuda) resolve_backend(opt.backend);  // warns, falls back
#endif
  return align_detail::make_cpu_computer(seqs, opt);
}

Graph sequence_graph(const Sequences& seqs, const AlignOptions& opt) {
  CLEAVE_EXPECTS(seqs.size() >= 2, "a sequence graph needs at least 2 sequences, got {}",
                 seqs.size());
  const auto sc = align_detail::make_scheme(seqs.alphabet, opt);
  Graph g;
  const bool prefiltered =
      opt.search == SearchMode::prefilter ||
      (opt.search == SearchMode::automatic && !exhaustive_is_cheap(seqs, opt.exhaustive_cells));
  std::optional<SettledPrefilter> pre;
  if (prefiltered) {
    if (!opt.work_dir.empty())
      warn("the prefilter keeps no checkpoints: the work directory serves exhaustive runs only");
    pre = settled_prefilter(seqs, opt);
    g = prefiltered_graph(seqs, opt, pre->params);
  } else {
    auto computer = make_sequence_computer(seqs, opt);
    ScheduleOptions so;
    so.max_memory = opt.max_memory;
    so.work_dir = opt.work_dir;
    so.progress = opt.progress;
    so.progress_label = "sequence identity";
    g = run_all_pairs(*computer, so);
    g.set_ids(seqs.samples.ids);
  }
  GraphMeta meta = g.meta();
  meta.parameters = parameters_json(seqs, opt, sc, pre ? &*pre : nullptr);
  g.set_meta(std::move(meta));
  return g;
}

}  // namespace cleave
