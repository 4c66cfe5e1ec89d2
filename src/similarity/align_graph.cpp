/// @file align_graph.cpp
/// @brief The sequence identity graph: every pair through the tile
/// scheduler, or only the k-mer candidates.
#include <omp.h>

#include <algorithm>
#include <optional>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "dist/bytes.hpp"
#include "dist/comm.hpp"
#include "scheduler/plan.hpp"
#include "scheduler/tile_file.hpp"
#include "scheduler/work_dir.hpp"
#include "similarity/align_common.hpp"
#include "similarity/seq_prefilter.hpp"
#include "util/parallel_cancel.hpp"

#if CLEAVE_HAVE_CUDA
#include "similarity/align_cuda.hpp"
#include "similarity/align_survivor_cuda.hpp"
#include "similarity/prefilter_score_cuda.hpp"
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

/// Chunks of rows the prefiltered graph scans and aligns one at a time
/// when it keeps checkpoints: enough that a lost chunk costs little, few
/// enough that each fills the threads.
constexpr uint64_t kCheckpointChunks = 256;

/// Chunk c of `chunks` holds the share blocks (kShareBlock rows) b with
/// b % chunks == c, so each chunk mixes early rows (many later partners)
/// with late ones and chunks cost about the same. Rank r computes the
/// chunks c with c % ranks == r: without checkpoints there is one chunk a
/// rank, the rows in_share deals it; with them, the count depends on the
/// input alone, so a job can resume on another number of ranks.
uint64_t chunk_count(uint64_t n, bool checkpoints, int ranks) {
  if (!checkpoints) return static_cast<uint64_t>(ranks);
  const uint64_t blocks = (n + align_detail::kShareBlock - 1) / align_detail::kShareBlock;
  return std::max<uint64_t>(1, std::min(blocks, kCheckpointChunks));
}

/// The prefiltered graph in units of work: a chunk of rows against one
/// slice of the targets (one slice unless the seed index exceeds the memory
/// budget; CandidateScan). Each unit's candidates are scanned and aligned,
/// its edges and histogram kept, and with a work directory written to a
/// durable tile file and recorded in the checkpoint before the next unit
/// starts (the write-ahead rule of run_all_pairs.cpp). A rerun with the
/// same inputs and settings reads the finished units back (a damaged file
/// is computed again) and builds a slice's index only when a unit of it is
/// left. Over ranks, each computes its chunks and rank 0 gathers the edges
/// and histograms.
Graph prefiltered_graph(const Sequences& seqs, const AlignOptions& opt,
                        const align_detail::PrefilterParams& params,
                        const std::string& parameters) {
  using align_detail::CandidateScan;
  const auto sc = align_detail::make_scheme(seqs.alphabet, opt);
  const int threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
  const int part = dist::rank(), parts = dist::size();
  const bool root = dist::is_root();
  const uint64_t n = seqs.size();
  const uint64_t budget = opt.max_memory ? opt.max_memory : detail::default_memory_budget();
  const Histogram shape;

  std::optional<detail::WorkDir> work;
  std::optional<detail::CheckpointState> found;
  if (!opt.work_dir.empty()) {
    // Rank 0 holds the work directory; other ranks write tile files into it.
    work.emplace(detail::WorkDir::for_rank(opt.work_dir));
    if (root) found = work->load();
  }
  const uint64_t chunks = chunk_count(n, work.has_value(), parts);
  Checksum inputs;
  inputs.update_value(align_detail::sequences_checksum(seqs, opt));
  // The settled seeds too: a checkpoint of a cleave whose prefilter chose
  // other seeds for these inputs is not reused.
  inputs.update(parameters);
  // Slices for this budget, or those of a checkpoint of these inputs (any
  // slicing gives the same graph; its tile files are the checkpoint's).
  uint64_t n_slices = CandidateScan::slice_count(seqs, params, threads, budget);
  const bool adopt = found && found->params.input_checksum == inputs.digest() &&
                     found->params.tiles > 0 && found->params.tiles % chunks == 0;
  if (adopt) n_slices = found->params.tiles / chunks;
  if (parts > 1) {
    dist::Writer w;
    w.put(n_slices);
    dist::Bytes b = w.take();
    dist::broadcast(b);
    n_slices = dist::Reader(b).get<uint64_t>();
  }
  const auto slices = CandidateScan::split(seqs, static_cast<uint32_t>(n_slices));
  for (const auto& sl : slices)
    if (const uint64_t need = CandidateScan::slice_bytes(seqs, params, threads, sl); need > budget)
      CLEAVE_FAIL(out_of_memory,
                  "{} slices of the seed index ({}) need {} on {} threads, but the memory budget "
                  "is {}; raise --max-memory{}",
                  n_slices,
                  adopt ? fmt::format("those of the checkpoint in {}", opt.work_dir.string())
                        : std::string("as rank 0 chose them"),
                  detail::format_bytes(need), threads, detail::format_bytes(budget),
                  adopt ? " or use another work directory" : "");
  const uint64_t units = slices.size() * chunks;
  const detail::CheckpointParams cp{inputs.digest(),
                                    Measure::identity,
                                    opt.threshold,
                                    n,
                                    uint64_t{align_detail::kShareBlock},
                                    units,
                                    shape.counts.size(),
                                    shape.lo,
                                    shape.hi};
  const uint64_t run_key = cp.digest();
  detail::CheckpointState state;
  state.params = cp;
  state.done.assign(units, 0);
  if (work) {
    if (parts > 1) detail::check_shared_work_dir(*work);
    if (root) {
      if (found) {
        work->check_params(found->params, cp);
      } else {
        work->clear(false);  // tile files a killed run wrote before its first checkpoint
        work->save(state);
      }
    }
  }
  if (parts > 1) {
    // Every rank must scan the same units of the same inputs; the
    // broadcast also keeps every rank from reading a tile file before
    // rank 0 has vetted the work directory.
    dist::Writer w;
    w.put(run_key);
    dist::Bytes b = w.take();
    dist::broadcast(b);
    const uint64_t differ = dist::sum(dist::Reader(b).get<uint64_t>() != run_key ? 1 : 0);
    CLEAVE_EXPECTS(differ == 0,
                   "{} of {} ranks read other inputs or parameters than rank 0 (the same input "
                   "file and graph options on every rank, please)",
                   differ, parts);
  }
  // Unit u = slice * chunks + chunk: the rows of the chunk, the columns of
  // the slice.
  const auto unit_tile = [&](uint64_t u) {
    const align_detail::TargetSlice& sl = slices[u / chunks];
    return Tile{u % chunks, u % chunks + 1, sl.begin, sl.end, u};
  };

  // This rank's units: read back when finished earlier, else pending.
  std::vector<Edge> edges;
  Histogram hist = shape;
  std::vector<std::vector<uint64_t>> pending(slices.size());  // chunks, per slice
  uint64_t resumed = 0, mine = 0, total_rows = 0;
  for (uint64_t s = 0; s < slices.size(); ++s)
    for (auto c = static_cast<uint64_t>(part); c < chunks; c += static_cast<uint64_t>(parts)) {
      const uint64_t u = s * chunks + c;
      ++mine;
      if (work) {
        // Rank 0's checkpoint lists the units it finished; any tile file
        // (other ranks write theirs too) is vetted by run key and checksum.
        const auto path = work->tile_path(u);
        if (std::filesystem::exists(path)) {
          const auto rd =
              detail::read_tile_file(path, {run_key, unit_tile(u)}, shape, &edges, &hist);
          if (rd.ok) {
            ++resumed;
            state.done[u] = 1;
            continue;
          }
          warn(fmt::format("{}: {}; computing tile {} again", path.string(), rd.problem, u));
        }
      }
      pending[s].push_back(c);
    }
  std::vector<std::vector<uint32_t>> rows(chunks);  // of the pending chunks
  for (const auto& cs : pending)
    for (const uint64_t c : cs) {
      if (rows[c].empty())
        rows[c] = CandidateScan::share_rows(
            n, {UINT32_MAX, 0, static_cast<int>(c), static_cast<int>(chunks)});
      total_rows += rows[c].size();
    }
  // One unit (no checkpoints, one slice): the scan's bar, then the
  // alignment's with the stage counts; several (a unit is a tile to the
  // user): one bar for both stages of every unit.
  const bool single = !work && slices.size() == 1 && pending[0].size() == 1;
  std::optional<Progress> both;
  if (!single && total_rows > 0)
    both.emplace(
        fmt::format("sequence identity, prefiltered{}{}",
                    slices.size() > 1 ? fmt::format(" against {} index slices", slices.size())
                                      : std::string(),
                    resumed ? fmt::format(" (resumed: {} of {} tiles done)", resumed, mine)
                            : std::string()),
        2 * total_rows);
  // The cuda backend by name also scores the scan's diagonal events on the
  // device (kernels/prefilter_score.hpp); the seed scan stays on the CPU.
  std::unique_ptr<align_detail::EventScorer> scorer;
#if CLEAVE_HAVE_CUDA
  if (total_rows > 0 && opt.backend == Backend::cuda &&
      resolve_backend(opt.backend) == Backend::cuda && align_detail::event_kernel_fits(params))
    scorer = align_detail::make_cuda_event_scorer(seqs, align_detail::event_score_job(params, sc));
#endif
  for (uint64_t s = 0; s < slices.size(); ++s) {
    if (pending[s].empty()) continue;
    CandidateScan scan(seqs, sc, params, threads, slices[s]);
    scan.set_scorer(scorer.get());
    for (const uint64_t c : pending[s]) {
      const uint64_t u = s * chunks + c;
      align_detail::PrefilterCounts counts;
      std::optional<Progress> scan_bar;
      if (single) scan_bar.emplace("sequence prefilter", rows[c].size());
      Progress* bar = both ? &*both : &*scan_bar;
      const auto cand = scan.rows(rows[c], 0, opt.progress ? bar : nullptr, &counts);
      if (scan_bar) scan_bar->finish();
      std::optional<Progress> align_bar;
      if (single)
        align_bar.emplace(
            fmt::format("sequence identity (seeds {}: {} seed hits, {} diagonals, {} "
                        "ungapped, {} candidate pairs, {} of them short pairs taken "
                        "without seeds)",
                        fmt::join(params.patterns, ","), counts.seed_hits, counts.diagonal_hits,
                        counts.ungapped, counts.candidates, counts.short_pairs),
            rows[c].size());
      bar = both ? &*both : &*align_bar;
      std::vector<TileResult> results(static_cast<std::size_t>(threads));
      align_detail::align_candidates(seqs, cand, sc, opt, results, opt.progress ? bar : nullptr,
                                     &rows[c]);
      if (align_bar) align_bar->finish();
      TileResult unit;
      unit.histogram = shape;
      for (auto& r : results) {
        unit.histogram.merge(r.histogram);
        unit.edges.insert(unit.edges.end(), r.edges.begin(), r.edges.end());
      }
      // Sorted, so a unit's file is the same bytes on any thread count.
      std::sort(unit.edges.begin(), unit.edges.end(),
                [](const Edge& a, const Edge& b) { return a.u != b.u ? a.u < b.u : a.v < b.v; });
      if (work) {
        detail::write_tile_file(work->tile_path(u), {run_key, unit_tile(u)}, unit.edges,
                                unit.histogram);
        if (root) {
          state.done[u] = 1;
          work->save(state);
        }
      }
      hist.merge(unit.histogram);
      edges.insert(edges.end(), unit.edges.begin(), unit.edges.end());
    }
  }
  if (both) both->finish();

  GraphMeta meta;
  meta.measure = Measure::identity;
  meta.threshold = opt.threshold;
  meta.n_pairs = n * (n - 1) / 2;
  meta.input_checksum = align_detail::sequences_checksum(seqs, opt);
  meta.histogram = hist;
  if (parts > 1) {
    dist::Writer w;
    w.put_vector(meta.histogram.counts);
    w.put_vector(edges);
    const auto shares = dist::gather(w.take());
    if (!root) return Graph::from_edges(n, {}, std::move(meta), seqs.samples.ids);
    for (std::size_t r = 1; r < shares.size(); ++r) {
      dist::Reader rd(shares[r]);
      Histogram h = shape;
      h.counts = rd.get_vector<uint64_t>();
      meta.histogram.merge(h);
      const auto more = rd.get_vector<Edge>();
      edges.insert(edges.end(), more.begin(), more.end());
    }
  }
  // Every candidate pair is in the histogram; the other pairs count as
  // identity 0.
  meta.histogram.add(0.0, meta.n_pairs - meta.histogram.total());
  std::sort(edges.begin(), edges.end(),
            [](const Edge& a, const Edge& b) { return a.u != b.u ? a.u < b.u : a.v < b.v; });
  Graph g = Graph::from_edges(n, std::move(edges), std::move(meta), seqs.samples.ids);
  if (work && root) work->clear(true);
  return g;
}

}  // namespace

namespace align_detail {

void align_candidates(const Sequences& seqs, const Candidates& cand, const kernels::ScoreScheme& sc,
                      const AlignOptions& opt, std::vector<TileResult>& results, Progress* progress,
                      const std::vector<uint32_t>* rows) {
#if CLEAVE_HAVE_CUDA
  // The survivor-alignment kernel, when the cuda backend is asked for by
  // name (automatic stays on the CPU until it has run on a device). Rows
  // without candidates cost it nothing, so a list of rows only changes how
  // the bar advances: once for the list.
  if (opt.backend == Backend::cuda && resolve_backend(opt.backend) == Backend::cuda) {
    align_candidates_cuda(seqs, cand, sc, opt, results, rows ? nullptr : progress);
    if (rows && progress) progress->advance(rows->size());
    return;
  }
#endif
  const auto n = static_cast<int64_t>(rows ? rows->size() : seqs.size());
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
    for (int64_t k = 0; k < n; ++k) {
      if (cancel.stopped()) continue;
      const int64_t i = rows ? (*rows)[static_cast<std::size_t>(k)] : k;
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
    pre = settled_prefilter(seqs, opt);
    g = prefiltered_graph(seqs, opt, pre->params, parameters_json(seqs, opt, sc, &*pre));
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
