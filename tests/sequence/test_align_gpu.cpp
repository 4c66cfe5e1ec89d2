/// @file test_align_gpu.cpp
/// @brief The cuda backend of sequence graphs against cpu (label `gpu`:
/// skips when this build has no CUDA or no device is usable).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>

#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "seq_test_util.hpp"
#include "similarity/align_common.hpp"
#include "similarity/seq_prefilter.hpp"
#if CLEAVE_HAVE_CUDA
#include "similarity/align_survivor_cuda.hpp"
#endif

using namespace cleave;

namespace {

void expect_same_graph(const Graph& c, const Graph& g) {
  EXPECT_TRUE(std::ranges::equal(c.offsets(), g.offsets()));
  EXPECT_TRUE(std::ranges::equal(c.columns(), g.columns()));
  EXPECT_TRUE(std::ranges::equal(c.weights(), g.weights()));
  EXPECT_EQ(c.meta().histogram.counts, g.meta().histogram.counts);
  EXPECT_EQ(c.meta().input_checksum, g.meta().input_checksum);
}

/// Builds the graph of s with opt on the CPU, then on the GPU (with a budget
/// of gpu_max_memory bytes when nonzero), and compares them.
void expect_backends_agree(const Sequences& s, AlignOptions opt, uint64_t gpu_max_memory = 0) {
  opt.progress = false;
  opt.backend = Backend::cpu;
  const Graph c = sequence_graph(s, opt);
  opt.backend = Backend::cuda;
  if (gpu_max_memory != 0) opt.max_memory = gpu_max_memory;
  const Graph g = sequence_graph(s, opt);
  ASSERT_GT(c.num_edges(), 0u);
  expect_same_graph(c, g);
}

}  // namespace

TEST(GpuSequence, CudaMatchesCpuExactly) {
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  Progress::set_quiet(true);
  const auto prot =
      seqtest::random_sequences(300, 20, 200, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 21);
  const auto dna = seqtest::random_sequences(300, 20, 300, "ACGTN", Alphabet::dna, 22);
  for (const Sequences* s : {&prot, &dna})
    for (int mode = 0; mode < 2; ++mode)
      for (IdentityKind kind : {IdentityKind::aligned, IdentityKind::shorter, IdentityKind::full}) {
        if (mode == 1 && kind == IdentityKind::full) continue;  // global only
        SCOPED_TRACE(fmt::format("{} {} {}", s == &dna ? "dna" : "protein",
                                 mode ? "local" : "global", identity_kind_name(kind)));
        AlignOptions opt;
        opt.mode = mode ? AlignMode::local : AlignMode::global;
        opt.identity = kind;
        opt.threshold = 0.5;
        expect_backends_agree(*s, opt);
      }
}

TEST(GpuSequence, SeveralTilesMatchCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  Progress::set_quiet(true);
  const auto s =
      seqtest::random_sequences(300, 20, 200, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 21);
  AlignOptions opt;
  opt.threshold = 0.5;
  // A budget below the input's: several tiles, off-diagonal ones too.
  expect_backends_agree(s, opt, 1 << 20);
}

TEST(GpuSequence, ManyEdgesOverflowAndRetry) {
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  Progress::set_quiet(true);
  // Threshold 0: every pair is an edge, more than the first guess of the
  // edge buffers (a quarter of the pairs), so the retry path runs.
  const auto s =
      seqtest::random_sequences(400, 10, 120, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 23);
  AlignOptions opt;
  opt.threshold = 0.0;
  expect_backends_agree(s, opt);
}

// Two tiles in flight (each on its own stream, scratch and buffers) or one:
// the same graph as the CPU backend, on one thread and on four.
TEST(GpuSequence, TilesInFlightMatchCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  Progress::set_quiet(true);
  const auto s =
      seqtest::random_sequences(500, 20, 200, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 24);
  AlignOptions opt;
  opt.threshold = 0.4;
  opt.progress = false;
  opt.search = SearchMode::exhaustive;
  opt.max_memory = 1 << 20;  // many tiles, so two run at once
  opt.backend = Backend::cpu;
  const Graph c = sequence_graph(s, opt);
  ASSERT_GT(c.num_edges(), 0u);
  opt.backend = Backend::cuda;
  for (int th : {1, 4}) {
    SCOPED_TRACE(fmt::format("{} threads", th));
    opt.threads = th;
    expect_same_graph(c, sequence_graph(s, opt));
  }
}

// The prefiltered graph with its survivors aligned by the survivor kernel
// (backend cuda by name) against the CPU's SIMD lanes.
TEST(GpuSequence, PrefilteredGraphMatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  Progress::set_quiet(true);
  const auto prot =
      seqtest::random_sequences(400, 20, 400, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 41);
  const auto dna = seqtest::random_sequences(400, 20, 600, "ACGTN", Alphabet::dna, 42);
  for (const Sequences* s : {&prot, &dna})
    for (int mode = 0; mode < 2; ++mode) {
      SCOPED_TRACE(fmt::format("{} {}", s == &dna ? "dna" : "protein", mode ? "local" : "global"));
      AlignOptions opt;
      opt.mode = mode ? AlignMode::local : AlignMode::global;
      opt.threshold = 0.5;
      opt.search = SearchMode::prefilter;
      expect_backends_agree(*s, opt);
    }
}

#if CLEAVE_HAVE_CUDA
// The kernel itself on every pair of sequences of 1 to 5000 residues (16-
// and 32-bit columns, queries in shared and in global memory) against
// align_candidates, histogram and edges exactly.
TEST(GpuSequence, SurvivorKernelMatchesAlignCandidates) {
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  const auto s =
      seqtest::random_sequences(120, 1, 5000, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 43);
  align_detail::Candidates cand;
  cand.offsets.push_back(0);
  for (uint32_t i = 0; i < s.size(); ++i) {
    for (uint32_t j = i + 1; j < s.size(); ++j) cand.cols.push_back(j);
    cand.offsets.push_back(cand.cols.size());
  }
  for (int mode = 0; mode < 2; ++mode) {
    SCOPED_TRACE(mode ? "local" : "global");
    AlignOptions opt;
    opt.mode = mode ? AlignMode::local : AlignMode::global;
    opt.threshold = 0.0;  // every pair an edge: each pair's identity compared
    const auto sc = align_detail::make_scheme(s.alphabet, opt);
    std::vector<TileResult> cpu(2), gpu(1);
    align_detail::align_candidates(s, cand, sc, opt, cpu, nullptr);
    align_detail::align_candidates_cuda(s, cand, sc, opt, gpu, nullptr);
    auto edges = [](const std::vector<TileResult>& r) {
      std::vector<std::tuple<uint32_t, uint32_t, float>> e;
      for (const auto& t : r)
        for (const auto& x : t.edges) e.emplace_back(x.u, x.v, x.w);
      std::sort(e.begin(), e.end());
      return e;
    };
    auto hist = cpu[0].histogram;
    hist.merge(cpu[1].histogram);
    EXPECT_EQ(hist.counts, gpu[0].histogram.counts);
    EXPECT_EQ(edges(cpu), edges(gpu));
    EXPECT_EQ(edges(gpu).size(), cand.count());
  }
}
#endif
