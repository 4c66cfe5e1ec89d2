/// @file test_backends.cpp
/// @brief The cuda backend against cpu (label `gpu`: skips without a device),
/// and an opt-in timing of a default sweep on a large random graph.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "kernels/hash.hpp"
#include "split_test_util.hpp"

namespace cleave::test {
namespace {

void expect_same(const SplitResult& a, const SplitResult& b) {
  EXPECT_EQ(a.valid, b.valid);
  EXPECT_EQ(a.kept, b.kept);
  EXPECT_EQ(a.kept_units, b.kept_units);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.test, b.test);
  EXPECT_EQ(a.side, b.side);
  EXPECT_EQ(a.overlap.frac, b.overlap.frac);
  EXPECT_EQ(a.overlap.maxsim, b.overlap.maxsim);
  EXPECT_EQ(a.overlap.meansim, b.overlap.meansim);
  EXPECT_EQ(a.rounds, b.rounds);  // Jacobi rounds: the same on every system
}

TEST(GpuSplit, CudaMatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << cuda_problem();
  Progress::set_quiet(true);
  const TestGraph tg = mixed_graph(31, 2000, 0.004);
  for (bool weighted : {false, true})
    for (bool compat : {false, true}) {
      SplitOptions cpu, gpu;
      cpu.weighted = gpu.weighted = weighted;
      cpu.compat_spectrae = gpu.compat_spectrae = compat;
      cpu.backend = Backend::cpu;
      gpu.backend = Backend::cuda;
      const Partitioner a(tg.g, cpu), b(tg.g, gpu);
      ASSERT_EQ(b.backend(), Backend::cuda);
      for (double p : default_sweep())
        for (uint64_t seed : {0, 1, 2}) {
          SCOPED_TRACE(testing::Message() << "p=" << p << " seed=" << seed
                                          << " weighted=" << weighted << " compat=" << compat);
          expect_same(a.split(p, seed), b.split(p, seed));
        }
    }
}

/// Opt-in: CLEAVE_SPLIT_TIMING=1 [CLEAVE_SPLIT_TIMING_NODES, _EDGES] times a
/// default sweep (21 p x 3 seeds) per backend. Prints; asserts nothing.
TEST(SplitTiming, DefaultSweepOnRandomGraph) {
  if (!std::getenv("CLEAVE_SPLIT_TIMING")) GTEST_SKIP() << "set CLEAVE_SPLIT_TIMING=1 to run";
  auto env = [](const char* k, uint64_t d) {
    const char* v = std::getenv(k);
    return v ? std::strtoull(v, nullptr, 10) : d;
  };
  const uint64_t n = env("CLEAVE_SPLIT_TIMING_NODES", 1000000);
  const uint64_t m = env("CLEAVE_SPLIT_TIMING_EDGES", 10000000);
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  const Graph g = random_graph(n, m);
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::printf("graph: %llu nodes, %llu edges, built in %.2f s, %d threads\n",
              static_cast<unsigned long long>(g.num_nodes()),
              static_cast<unsigned long long>(g.num_edges()), secs(t0, clock::now()),
              num_threads());
  Progress::set_quiet(true);
  std::vector<Backend> backends{Backend::cpu};
  if (cuda_available()) backends.push_back(Backend::cuda);
  for (Backend b : backends)
    for (bool weighted : {false, true}) {
      SplitOptions opt;
      opt.backend = b;
      opt.weighted = weighted;
      t0 = clock::now();
      const Partitioner part(g, opt);
      const double prep = secs(t0, clock::now());
      t0 = clock::now();
      uint64_t kept_sum = 0, rounds_sum = 0;
      for (const auto& r : part.split_all(default_sweep(), default_seeds(), {})) {
        kept_sum += r.kept;
        rounds_sum += r.rounds;
      }
      const double run = secs(t0, clock::now());
      std::printf(
          "%s %s: prepare %.2f s, 63 splits %.2f s (%.3f s/split), mean kept %.0f, "
          "mean rounds %.1f\n",
          backend_name(b), weighted ? "weighted" : "binary", prep, run, run / 63, kept_sum / 63.0,
          rounds_sum / 63.0);
    }
}

}  // namespace
}  // namespace cleave::test
