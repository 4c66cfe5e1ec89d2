/// @file bench_prefilter_sample.cpp
/// @brief Projects the time of `cleave graph` on a FASTA too large to run
/// whole here, from a measured sample of its rows.
///
/// The prefilter's work is per query row (row i meets the targets j > i),
/// and MPI ranks already split it into shares: blocks of 64 rows dealt out
/// in turn (seq_prefilter.hpp, in_share). This driver builds the whole seed
/// index once, as a run would, then scans one share of P and aligns that
/// share's candidates with the graph's own code, timing each stage in CPU
/// and wall seconds. A share holds every P-th block, from the first rows
/// (most later targets) to the last, so P times its cost estimates the
/// whole scan and alignment; the index build is counted once.
///
///   bench_prefilter_sample --input gen1m.fasta --parts 200 --threads 2
///
/// --scan-block N sets the targets per block of the seed scan (default:
/// the scan's own choice, PrefilterParams::scan_block), which changes no
/// candidate, only the time.
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cleave/scheduler.hpp"
#include "cleave/sequence.hpp"
#include "cleave/util.hpp"
#include "similarity/align_common.hpp"
#include "similarity/seq_prefilter.hpp"

namespace {

using namespace cleave;

struct Clock {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = cpu_seconds();

  static double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  }
  /// (wall, cpu) seconds since construction or the last lap.
  std::pair<double, double> lap() {
    const auto now = std::chrono::steady_clock::now();
    const double c = cpu_seconds();
    const std::pair<double, double> r{std::chrono::duration<double>(now - wall).count(), c - cpu};
    wall = now;
    cpu = c;
    return r;
  }
};

[[noreturn]] void usage() {
  std::fprintf(
      stderr,
      "usage: bench_prefilter_sample --input FASTA [--parts P] [--threads T]\n"
      "                              [--sensitivity S] [--threshold X] [--scan-block N]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string input;
  int parts = 100, threads = 2;
  long scan_block = 0;
  AlignOptions opt;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if (k + 1 >= argc) usage();
    const char* v = argv[++k];
    if (a == "--input")
      input = v;
    else if (a == "--parts")
      parts = std::atoi(v);
    else if (a == "--threads")
      threads = std::atoi(v);
    else if (a == "--sensitivity")
      opt.sensitivity = std::atof(v);
    else if (a == "--threshold")
      opt.threshold = std::atof(v);
    else if (a == "--scan-block")
      scan_block = std::atol(v);
    else
      usage();
  }
  if (input.empty() || parts < 1 || threads < 1 || scan_block < 0) usage();
  set_num_threads(threads);
  Progress::set_quiet(true);
  Clock clock;
  const Sequences seqs = read_fasta(input);
  const auto [read_wall, read_cpu] = clock.lap();
  uint64_t residues = seqs.residues.size();
  fmt::print("input: {} sequences, {} residues (mean length {:.0f}); read in {:.1f} s\n",
             seqs.size(), residues, double(residues) / double(seqs.size()), read_wall);

  const auto sc = align_detail::make_scheme(seqs.alphabet, opt);
  const auto asked =
      align_detail::prefilter_params(seqs.alphabet, resolved_identity(opt), opt.threshold,
                                     opt.sensitivity, opt.match, opt.mismatch);
  uint64_t estimate = 0;
  auto params = align_detail::settle_seeds(seqs, asked, {}, &estimate);
  params.scan_block = static_cast<uint32_t>(scan_block);
  const auto [settle_wall, settle_cpu] = clock.lap();
  fmt::print("seeds: {} (estimate of the default seeds' hits {:.3g}, budget {:.3g}); {:.1f} s\n",
             fmt::join(params.patterns, ","), double(estimate), double(asked.hit_budget),
             settle_wall);

  // The index, built once as the graph builds it.
  align_detail::CandidateScan scan(seqs, sc, params, threads);
  const auto [index_wall, index_cpu] = clock.lap();
  fmt::print("index: {:.1f} s wall, {:.1f} CPU-s (counted once)\n", index_wall, index_cpu);

  align_detail::PrefilterCounts counts;
  const auto share =
      align_detail::CandidateScan::share_rows(seqs.size(), {UINT32_MAX, 0, 0, parts});
  const auto cand = scan.rows(share, 0, nullptr, &counts);
  const auto [scan_wall, scan_cpu] = clock.lap();

  // The share's candidates aligned as the graph aligns them.
  std::vector<TileResult> results(static_cast<std::size_t>(threads));
  align_detail::align_candidates(seqs, cand, sc, opt, results, nullptr);
  const auto [align_wall, align_cpu] = clock.lap();
  uint64_t edges = 0;
  for (const auto& r : results) edges += r.edges.size();

  const uint64_t rows = share.size();
  fmt::print(
      "share 1 of {}: {} rows; {} seed hits, {} diagonals, {} ungapped, {} candidates "
      "({} short pairs), {} edges\n",
      parts, rows, counts.seed_hits, counts.diagonal_hits, counts.ungapped, counts.candidates,
      counts.short_pairs, edges);
  fmt::print("share: scan {:.1f} s wall, {:.1f} CPU-s; alignment {:.1f} s wall, {:.1f} CPU-s\n",
             scan_wall, scan_cpu, align_wall, align_cpu);
  const double p = parts;
  const double total_cpu = read_cpu + settle_cpu + index_cpu + p * (scan_cpu + align_cpu);
  const double total_wall = read_wall + settle_wall + index_wall + p * (scan_wall + align_wall);
  fmt::print(
      "projected whole graph on {} threads: {:.0f} s wall ({:.1f} h), {:.0f} CPU-s "
      "({:.1f} CPU-h); seed hits {:.3g}, candidates {:.3g}, edges {:.3g}\n",
      threads, total_wall, total_wall / 3600, total_cpu, total_cpu / 3600,
      p * double(counts.seed_hits), p * double(counts.candidates), p * double(edges));
  return 0;
}
