/// @file test_backends.cpp
/// @brief SIMD lanes == scalar DP (int16 and int32 lanes), the CUDA kernel
/// body run on the CPU by kernels/tile_harness.hpp == the cpu backend
/// (edges, histogram, overflow), the k-mer prefilter against a direct
/// count, and the graphs.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "common/sorted_edges.hpp"
#include "kernels/align_tile.hpp"
#include "kernels/tile_harness.hpp"
#include "seq_test_util.hpp"
#include "similarity/align_common.hpp"

using namespace cleave;

namespace {

std::vector<kernels::AlignStats> simd_row(const Sequences& s, std::size_t i,
                                          const kernels::ScoreScheme& sc, bool local) {
  std::vector<const uint8_t*> ptrs;
  std::vector<int32_t> lens;
  for (std::size_t j = 0; j < s.size(); ++j) {
    ptrs.push_back(s.data(j));
    lens.push_back(static_cast<int32_t>(s.length(j)));
  }
  std::vector<kernels::AlignStats> out(s.size());
  align_detail::align_batch(s.data(i), s.length(i), ptrs.data(), lens.data(), ptrs.size(), sc,
                            local, out.data());
  return out;
}

void expect_simd_equals_scalar(const Sequences& s, AlignOptions opt) {
  // Mode 2: global, parasail's length (mode 0 is global with every column).
  for (int mode = 0; mode < 3; ++mode) {
    opt.mode = mode == 1 ? AlignMode::local : AlignMode::global;
    opt.identity = mode == 2 ? IdentityKind::aligned : IdentityKind::automatic;
    const auto sc = align_detail::make_scheme(s.alphabet, opt);
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto row = simd_row(s, i, sc, mode == 1);
      for (std::size_t j = 0; j < s.size(); ++j) {
        const auto want = align_pair(s, i, j, opt);
        ASSERT_EQ(row[j].score, want.score) << i << " " << j << " mode " << mode;
        ASSERT_EQ(row[j].matches, want.matches) << i << " " << j << " mode " << mode;
        ASSERT_EQ(row[j].length, want.length) << i << " " << j << " mode " << mode;
      }
    }
  }
}

using cleave::test::Edges;
using cleave::test::sorted;

/// Device-style edge buffers of `capacity` entries followed by a guard
/// that the kernel body must leave as it was.
struct AlignOut {
  static constexpr std::size_t kGuard = 64;
  static constexpr uint32_t kIndexMark = 0xDEADBEEF;
  static constexpr float kWeightMark = -7.f;
  std::size_t capacity;
  std::vector<uint32_t> u, v;
  std::vector<float> w;
  unsigned long long count = 0;
  std::vector<unsigned long long> hist;
  AlignOut(std::size_t cap, std::size_t bins)
      : capacity(cap),
        u(cap + kGuard, kIndexMark),
        v(cap + kGuard, kIndexMark),
        w(cap + kGuard, kWeightMark),
        hist(bins, 0) {}
  kernels::EdgeOut view() {
    return kernels::EdgeOut{u.data(), v.data(), w.data(), &count, capacity, hist.data()};
  }
  [[nodiscard]] std::vector<uint64_t> histogram() const { return {hist.begin(), hist.end()}; }
  [[nodiscard]] std::vector<Edge> edges() const {
    std::vector<Edge> e;
    for (std::size_t k = 0; k < std::min<std::size_t>(count, capacity); ++k)
      e.push_back({u[k], v[k], w[k]});
    return e;
  }
  void expect_untouched() const {
    for (std::size_t k = capacity; k < u.size(); ++k) {
      EXPECT_EQ(u[k], kIndexMark) << k;
      EXPECT_EQ(v[k], kIndexMark) << k;
      EXPECT_EQ(w[k], kWeightMark) << k;
    }
  }
};

/// align_tile_body as a one-phase body of kernels/tile_harness.hpp.
struct AlignBody {
  struct Locals {};
  kernels::AlignTileJob job;
  uint32_t grid = 1;
  [[nodiscard]] uint32_t num_phases() const { return 1; }
  [[nodiscard]] std::size_t shared_bytes() const { return 0; }
  void phase(uint32_t, const kernels::BlockCtx& ctx, Locals&) const {
    kernels::align_tile_body(job, ctx.block, ctx.thread, ctx.block_dim, grid);
  }
};

/// Runs tile t through the kernel body on the CPU, job fields set as
/// align_cuda.cu sets them.
void run_align_body(const Sequences& s, const AlignOptions& opt, const Tile& t, AlignOut& out,
                    uint32_t grid, uint32_t block) {
  uint32_t max_len = 0;
  for (std::size_t k = 0; k < s.size(); ++k) max_len = std::max(max_len, s.length(k));
  std::vector<kernels::DpCell> work((max_len + 1) * grid * block);
  const Histogram shape;
  AlignBody body;
  body.grid = grid;
  body.job.residues = s.residues.data();
  body.job.offsets = s.offsets.data();
  body.job.row0 = t.row0;
  body.job.row1 = t.row1;
  body.job.col0 = t.col0;
  body.job.col1 = t.col1;
  body.job.sc = align_detail::make_scheme(s.alphabet, opt);
  body.job.local = opt.mode == AlignMode::local;
  body.job.shorter = opt.identity == IdentityKind::shorter;
  body.job.threshold = opt.threshold;
  body.job.hist = kernels::HistSpec{shape.lo, shape.hi, static_cast<uint32_t>(out.hist.size())};
  body.job.work = work.data();
  body.job.out = out.view();
  kernels::run_on_host(body, grid, block);
}

}  // namespace

TEST(AlignSimd, EqualsScalarInt16) {
  // More targets than lanes, very different lengths: lanes are refilled.
  const auto p =
      seqtest::random_sequences(37, 1, 120, "ARNDCQEGHILKMFPSTWYVBZX*", Alphabet::protein, 3);
  expect_simd_equals_scalar(p, AlignOptions{});
  const auto d = seqtest::random_sequences(29, 1, 150, "ACGTN", Alphabet::dna, 4);
  expect_simd_equals_scalar(d, AlignOptions{});
  AlignOptions cheap;
  cheap.gap_open = 1;
  cheap.gap_extend = 0;
  expect_simd_equals_scalar(seqtest::random_sequences(21, 1, 40, "AW", Alphabet::protein, 5),
                            cheap);
}

TEST(AlignSimd, LongPairsUseInt32LanesAndStayExact) {
  const auto s =
      seqtest::random_sequences(5, 2500, 4200, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 6);
  const auto sc = align_detail::make_scheme(s.alphabet, AlignOptions{});
  EXPECT_FALSE(align_detail::fits_int16(s.length(0), s.length(1), sc));
  expect_simd_equals_scalar(s, AlignOptions{});
}

TEST(AlignCudaBody, CpuHarnessEqualsCpuBackend) {
  const auto prot =
      seqtest::random_sequences(23, 1, 90, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 8);
  const auto dna = seqtest::random_sequences(29, 1, 150, "ACGTN", Alphabet::dna, 9);
  for (const Sequences* s : {&prot, &dna}) {
    const uint64_t n = s->size();
    const bool is_dna = s == &dna;
    // Straddling the diagonal, on it, and above it.
    const std::vector<Tile> tiles = {{2, 17, 5, n, 0}, {0, n, 0, n, 1}, {0, 7, 7, n, 2}};
    for (int mode = 0; mode < 2; ++mode)
      for (IdentityKind kind : {IdentityKind::aligned, IdentityKind::shorter, IdentityKind::full}) {
        if (mode == 1 && kind == IdentityKind::full) continue;  // global only
        AlignOptions opt;
        opt.mode = mode ? AlignMode::local : AlignMode::global;
        opt.identity = kind;
        // Local aligned identities run high (short exact DNA matches are
        // 1.0, which tests the >= boundary); each threshold keeps some pairs.
        if (mode == 1 && kind == IdentityKind::aligned)
          opt.threshold = is_dna ? 1.0 : 0.5;
        else
          opt.threshold = is_dna ? 0.6 : 0.3;
        auto cpu = align_detail::make_cpu_computer(*s, opt);
        for (const Tile& t : tiles) {
          TileResult want;
          want.histogram = cpu->histogram();
          cpu->compute(t, want);
          ASSERT_GT(want.edges.size(), 1u);
          ASSERT_LT(want.edges.size(), want.histogram.total()) << "the threshold separates nothing";
          const Edges all = sorted(want.edges);
          // Room for every pair, and room for half the edges (overflow).
          for (const std::size_t capacity :
               {std::size_t{(t.row1 - t.row0) * (t.col1 - t.col0)}, all.size() / 2})
            // Fewer threads than pairs (grid-stride), and idle threads.
            for (const auto& [grid, block] : {std::pair{3u, 4u}, std::pair{2u, 256u}}) {
              SCOPED_TRACE(fmt::format("{} {} {} tile {} capacity {} grid {}x{}",
                                       is_dna ? "dna" : "protein", mode ? "local" : "global",
                                       identity_kind_name(kind), t.index, capacity, grid, block));
              AlignOut out(capacity, want.histogram.counts.size());
              run_align_body(*s, opt, t, out, grid, block);
              EXPECT_EQ(out.count, all.size());  // on overflow, the room a retry needs
              const Edges got = sorted(out.edges());
              if (capacity >= all.size()) {
                EXPECT_EQ(got, all);
              } else {  // what fits was written, each a distinct real edge
                ASSERT_EQ(got.size(), capacity);
                EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end());
                for (const auto& e : got)
                  EXPECT_TRUE(std::binary_search(all.begin(), all.end(), e));
              }
              EXPECT_EQ(out.histogram(), want.histogram.counts);
              out.expect_untouched();
            }
        }
      }
  }
}

TEST(SequenceGraph, ExhaustiveAndPrefilteredAgreeOnCandidates) {
  Progress::set_quiet(true);
  const auto s =
      seqtest::random_sequences(60, 20, 80, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 12);
  AlignOptions opt;
  opt.backend = Backend::cpu;
  opt.progress = false;
  opt.threshold = 0.5;
  opt.search = SearchMode::exhaustive;
  const Graph full = sequence_graph(s, opt);
  EXPECT_EQ(full.meta().n_pairs, 60u * 59u / 2u);
  EXPECT_EQ(full.meta().histogram.total(), 60u * 59u / 2u);
  EXPECT_EQ(full.meta().measure, Measure::identity);
  EXPECT_GT(full.num_edges(), 0u);
  EXPECT_EQ(full.ids().size(), 60u);
  // Every edge is a direct alignment above the threshold.
  for (uint64_t u = 0; u < full.num_nodes(); ++u)
    for (uint64_t e = full.offsets()[u]; e < full.offsets()[u + 1]; ++e) {
      const uint64_t v = full.columns()[e];
      const auto r = align_pair(s, std::min(u, v), std::max(u, v), opt);
      const double id =
          alignment_identity(r, s.length(std::min(u, v)), s.length(std::max(u, v)), opt.identity);
      EXPECT_GE(id, opt.threshold);
      EXPECT_FLOAT_EQ(full.weights()[e], static_cast<float>(id));
    }
  opt.search = SearchMode::prefilter;
  opt.sensitivity = 9;
  const Graph pre = sequence_graph(s, opt);
  EXPECT_EQ(pre.meta().n_pairs, full.meta().n_pairs);
  EXPECT_EQ(pre.meta().histogram.total(), full.meta().n_pairs);
  // Every prefiltered edge is an exhaustive edge (the same alignment);
  // these short, heavily mutated families keep most of their edges.
  std::set<std::pair<uint64_t, uint64_t>> all;
  for (uint64_t u = 0; u < full.num_nodes(); ++u)
    for (uint64_t e = full.offsets()[u]; e < full.offsets()[u + 1]; ++e)
      all.insert({u, full.columns()[e]});
  for (uint64_t u = 0; u < pre.num_nodes(); ++u)
    for (uint64_t e = pre.offsets()[u]; e < pre.offsets()[u + 1]; ++e)
      EXPECT_TRUE(all.count({u, pre.columns()[e]}));
  EXPECT_GE(double(pre.num_edges()), 0.8 * double(full.num_edges()));
  opt.threads = 1;
  const Graph one = sequence_graph(s, opt);
  EXPECT_EQ(one.meta().histogram.counts, pre.meta().histogram.counts);
  EXPECT_EQ(std::vector<float>(one.weights().begin(), one.weights().end()),
            std::vector<float>(pre.weights().begin(), pre.weights().end()));
}
