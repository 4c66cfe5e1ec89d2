/// @file test_backends.cpp
/// @brief SIMD lanes == scalar DP (int16 and int32 lanes), the CUDA kernel
/// body run on the CPU block by block == the cpu backend, the k-mer
/// prefilter against a direct count, and the graphs.
#include <gtest/gtest.h>

#include <set>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "kernels/align_tile.hpp"
#include "seq_test_util.hpp"
#include "similarity/align_common.hpp"
#include "similarity/kmer_prefilter.hpp"

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
  for (int mode = 0; mode < 2; ++mode) {
    opt.mode = mode ? AlignMode::local : AlignMode::global;
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
  const auto s = seqtest::random_sequences(23, 1, 90, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 8);
  uint32_t max_len = 0;
  for (std::size_t k = 0; k < s.size(); ++k) max_len = std::max(max_len, s.length(k));
  for (int mode = 0; mode < 2; ++mode) {
    AlignOptions opt;
    opt.mode = mode ? AlignMode::local : AlignMode::global;
    opt.threshold = 0.2;
    kernels::AlignTileJob job;
    job.residues = s.residues.data();
    job.offsets = s.offsets.data();
    job.row0 = 2;
    job.row1 = 17;
    job.col0 = 5;
    job.col1 = 23;
    job.sc = align_detail::make_scheme(s.alphabet, opt);
    job.local = mode == 1;
    const uint32_t grid = 3, block = 4;  // fewer threads than pairs: grid-stride
    std::vector<kernels::DpCell> work((max_len + 1) * grid * block);
    std::vector<kernels::AlignStats> out((job.row1 - job.row0) * (job.col1 - job.col0));
    job.work = work.data();
    job.out = out.data();
    for (uint32_t b = 0; b < grid; ++b)
      for (uint32_t t = 0; t < block; ++t) kernels::align_tile_body(job, b, t, block, grid);
    // The same tile through the cpu PairComputer.
    auto cpu = align_detail::make_cpu_computer(s, opt);
    Tile tile{job.row0, job.row1, job.col0, job.col1, 0};
    TileResult want;
    cpu->compute(tile, want);
    TileResult got;
    const uint64_t w = job.col1 - job.col0;
    for (uint64_t i = job.row0; i < job.row1; ++i)
      for (uint64_t j = std::max(job.col0, i + 1); j < job.col1; ++j) {
        const auto& st = out[(i - job.row0) * w + (j - job.col0)];
        const auto ref = align_pair(s, i, j, opt);
        ASSERT_EQ(st.score, ref.score);
        ASSERT_EQ(st.matches, ref.matches);
        ASSERT_EQ(st.length, ref.length);
        align_detail::record_pair(s, i, j, st, opt, got);
      }
    EXPECT_EQ(got.histogram.counts, want.histogram.counts);
    ASSERT_EQ(got.edges.size(), want.edges.size());
    for (std::size_t e = 0; e < got.edges.size(); ++e) {
      EXPECT_EQ(got.edges[e].u, want.edges[e].u);
      EXPECT_EQ(got.edges[e].v, want.edges[e].v);
      EXPECT_EQ(got.edges[e].w, want.edges[e].w);
    }
    EXPECT_GT(want.edges.size(), 0u);
  }
}

TEST(KmerPrefilter, EqualsDirectCount) {
  const auto s = seqtest::random_sequences(40, 5, 60, "ACDEFGHIKX", Alphabet::protein, 10);
  for (uint32_t k : {2u, 3u}) {
    for (uint32_t min_shared : {1u, 3u}) {
      const auto c = align_detail::kmer_candidates(s, k, min_shared, 2);
      for (std::size_t i = 0; i < s.size(); ++i) {
        std::set<std::string> ki;
        const std::string a = s.letters(i);
        for (std::size_t x = 0; x + k <= a.size(); ++x)
          if (a.substr(x, k).find('X') == std::string::npos) ki.insert(a.substr(x, k));
        std::vector<uint32_t> want;
        for (std::size_t j = i + 1; j < s.size(); ++j) {
          std::set<std::string> kj;
          const std::string b = s.letters(j);
          for (std::size_t x = 0; x + k <= b.size(); ++x) kj.insert(b.substr(x, k));
          uint32_t shared = 0;
          for (const auto& m : ki) shared += kj.count(m);
          if (shared >= min_shared) want.push_back(static_cast<uint32_t>(j));
        }
        const std::vector<uint32_t> got(c.cols.begin() + c.offsets[i],
                                        c.cols.begin() + c.offsets[i + 1]);
        ASSERT_EQ(got, want) << "k " << k << " i " << i;
      }
    }
  }
  EXPECT_THROW(align_detail::kmer_candidates(s, 13, 1, 1), cleave::error);
}

TEST(SequenceGraph, ExhaustiveAndPrefilteredAgreeOnCandidates) {
  Progress::set_quiet(true);
  const auto s =
      seqtest::random_sequences(60, 20, 80, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 12);
  AlignOptions opt;
  opt.backend = Backend::cpu;
  opt.progress = false;
  opt.threshold = 0.5;
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
  opt.kmer = 3;
  const Graph pre = sequence_graph(s, opt);
  EXPECT_EQ(pre.meta().n_pairs, full.meta().n_pairs);
  EXPECT_EQ(pre.meta().histogram.total(), full.meta().n_pairs);
  // Families share many 3-mers: the prefilter keeps every edge here.
  EXPECT_EQ(pre.num_edges(), full.num_edges());
  opt.threads = 1;
  const Graph one = sequence_graph(s, opt);
  EXPECT_EQ(one.meta().histogram.counts, pre.meta().histogram.counts);
  EXPECT_EQ(std::vector<float>(one.weights().begin(), one.weights().end()),
            std::vector<float>(pre.weights().begin(), pre.weights().end()));
}
