/// @file bench_large.cpp
/// @brief Times the SPECTRA sweep (21 p x 3 seeds by default) on a large
/// synthetic overlap graph: N nodes, M undirected edges, fixed seed.
///
/// Graph models:
///   er     Erdos-Renyi G(n, m): both ends uniform (duplicates and self loops
///          are dropped by Graph::from_edges, so slightly fewer than M remain).
///   local  "geometric-ish": nodes on a ring, the second end within a window
///          of +-W positions, which gives the clustered neighbourhoods real
///          similarity graphs have.
/// Prints one table: graph build, partitioner preparation, per-split and
/// total sweep seconds, items/s (edges x splits / s) and bytes/s (CSR bytes x
/// splits / s), with the thread count.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cleave/graph.hpp"
#include "cleave/split.hpp"
#include "cleave/util.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// SplitMix64: a small, fixed-seed generator for the synthetic edges.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
  float unit() { return static_cast<float>(next() >> 40) / static_cast<float>(1ULL << 24); }
};

struct Args {
  uint64_t nodes = 1'000'000;
  uint64_t edges = 10'000'000;
  std::string model = "er";
  uint64_t window = 50;
  uint64_t graph_seed = 7;
  int threads = 0;
  bool compat = false;
  bool weighted = false;
  int seeds = 3;
  std::string save;
  cleave::Backend backend = cleave::Backend::cpu;
};

void usage() {
  std::fputs(
      "usage: bench_large [--nodes N] [--edges M] [--model er|local] [--window W]\n"
      "                   [--graph-seed S] [--threads T] [--seeds K] [--compat-spectrae]\n"
      "                   [--weighted] [--save G.cgr] [--backend cpu|cuda|auto]\n"
      "Times the 21-p x K-seed SPECTRA sweep on a synthetic graph (default 1M nodes,\n"
      "10M edges, Erdos-Renyi, 3 seeds, all cores).\n",
      stderr);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--nodes")
      a.nodes = std::stoull(value());
    else if (k == "--edges")
      a.edges = std::stoull(value());
    else if (k == "--model")
      a.model = value();
    else if (k == "--window")
      a.window = std::stoull(value());
    else if (k == "--graph-seed")
      a.graph_seed = std::stoull(value());
    else if (k == "--threads")
      a.threads = std::stoi(value());
    else if (k == "--seeds")
      a.seeds = std::stoi(value());
    else if (k == "--compat-spectrae")
      a.compat = true;
    else if (k == "--weighted")
      a.weighted = true;
    else if (k == "--save")
      a.save = value();
    else if (k == "--backend")
      a.backend = cleave::backend_from_name(value());
    else {
      usage();
      std::exit(k == "--help" || k == "-h" ? 0 : 2);
    }
  }
  if (a.nodes < 2 || a.nodes > UINT32_MAX || (a.model != "er" && a.model != "local") ||
      a.seeds < 1 || a.window < 1) {
    usage();
    std::exit(2);
  }
  return a;
}

std::vector<cleave::Edge> make_edges(const Args& a) {
  SplitMix64 rng{a.graph_seed};
  std::vector<cleave::Edge> edges;
  edges.reserve(a.edges);
  const uint64_t span = 2 * a.window + 1;
  for (uint64_t e = 0; e < a.edges; ++e) {
    uint64_t u = rng.below(a.nodes);
    uint64_t v = 0;
    if (a.model == "er") {
      v = rng.below(a.nodes);
    } else {
      v = (u + a.nodes + rng.below(span) - a.window) % a.nodes;
    }
    // Weights in [0.4, 1): above a Tanimoto-like threshold, as real edges are.
    float w = 0.4f + 0.6f * rng.unit();
    edges.push_back({static_cast<uint32_t>(u), static_cast<uint32_t>(v), w});
  }
  return edges;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  cleave::set_num_threads(a.threads);
  const int threads = cleave::num_threads();

  auto t0 = clock_type::now();
  std::vector<cleave::Edge> edges = make_edges(a);
  const double t_gen = seconds_since(t0);

  t0 = clock_type::now();
  cleave::GraphMeta meta;
  meta.measure = cleave::Measure::precomputed;
  meta.threshold = 0.4;
  meta.n_pairs = a.nodes * (a.nodes - 1) / 2;
  // The pairs that are not edges all lie below the threshold (value 0 here).
  meta.histogram.add(0.0, meta.n_pairs - edges.size());
  for (const auto& e : edges) meta.histogram.add(e.w);
  cleave::Graph g = cleave::Graph::from_edges(a.nodes, std::move(edges), std::move(meta));
  const double t_csr = seconds_since(t0);
  if (!a.save.empty()) g.save(a.save);

  cleave::SplitOptions opt;
  opt.compat_spectrae = a.compat;
  opt.weighted = a.weighted;
  opt.backend = a.backend;

  t0 = clock_type::now();
  cleave::Partitioner part(g, opt);
  const double t_prep = seconds_since(t0);

  const std::vector<double> ps = cleave::default_sweep();
  const std::vector<uint64_t> all_seeds = cleave::default_seeds();
  std::vector<uint64_t> seeds;
  for (int k = 0; k < a.seeds; ++k)
    seeds.push_back(k < static_cast<int>(all_seeds.size()) ? all_seeds[k] : 42 + 2 * k);

  // The sweep as `cleave split` runs it: on the CPU, one split per thread.
  uint64_t kept_p0 = 0, kept_p05 = 0, kept_p1 = 0;
  t0 = clock_type::now();
  const auto results = part.split_all(ps, seeds, {});
  const double t_sweep = seconds_since(t0);
  const uint64_t n_splits = results.size();
  uint64_t rounds_sum = 0, rounds_max = 0;
  for (const auto& res : results) {
    rounds_sum += res.rounds;
    rounds_max = std::max<uint64_t>(rounds_max, res.rounds);
    if (res.repeat != 0) continue;
    if (res.p == 0.0) kept_p0 = res.kept;
    if (res.p == 0.5) kept_p05 = res.kept;
    if (res.p == 1.0) kept_p1 = res.kept;
  }
  // One split alone, for the per-split latency of a single (p, seed).
  t0 = clock_type::now();
  (void)part.split(0.5, seeds[0], 0);
  const double t_one = seconds_since(t0);

  const double m = static_cast<double>(g.num_edges());
  const double csr_bytes =
      static_cast<double>((g.num_nodes() + 1) * sizeof(uint64_t)) + 2.0 * m * (4.0 + 4.0);
  const double per_split = t_sweep / static_cast<double>(n_splits);
  std::printf(
      "# bench_large: model=%s nodes=%llu edges=%llu (after dedup) threads=%d mode=%s%s "
      "backend=%s\n",
      a.model.c_str(), static_cast<unsigned long long>(g.num_nodes()),
      static_cast<unsigned long long>(g.num_edges()), threads,
      a.compat ? "compat-spectrae" : "default", a.weighted ? " weighted" : " binary",
      cleave::backend_name(part.backend()));
  std::printf("%-28s %12s\n", "stage", "value");
  std::printf("%-28s %12.3f\n", "generate edges (s)", t_gen);
  std::printf("%-28s %12.3f\n", "build CSR (s)", t_csr);
  std::printf("%-28s %12.3f\n", "prepare partitioner (s)", t_prep);
  std::printf("%-28s %12llu\n", "splits", static_cast<unsigned long long>(n_splits));
  std::printf("%-28s %12.4f\n", "sweep wall / splits (s)", per_split);
  std::printf("%-28s %12.4f\n", "one split alone, p=0.5 (s)", t_one);
  std::printf("%-28s %12.1f\n", "MIS rounds per split (mean)",
              static_cast<double>(rounds_sum) / static_cast<double>(n_splits));
  std::printf("%-28s %12llu\n", "MIS rounds per split (max)",
              static_cast<unsigned long long>(rounds_max));
  std::printf("%-28s %12.3f\n", "sweep total (s)", t_sweep);
  std::printf("%-28s %12.3f\n", "prepare + sweep (s)", t_prep + t_sweep);
  std::printf("%-28s %12.3e\n", "items/s (edges*splits/s)", m * n_splits / t_sweep);
  std::printf("%-28s %12.3e\n", "bytes/s (CSR*splits/s)", csr_bytes * n_splits / t_sweep);
  std::printf("%-28s %12llu\n", "kept at p=0.00 (seed 1)",
              static_cast<unsigned long long>(kept_p0));
  std::printf("%-28s %12llu\n", "kept at p=0.50 (seed 1)",
              static_cast<unsigned long long>(kept_p05));
  std::printf("%-28s %12llu\n", "kept at p=1.00 (seed 1)",
              static_cast<unsigned long long>(kept_p1));
  return 0;
}
