/// @file test_fp_harness.cpp
/// @brief The CUDA kernel bodies run on the CPU by kernels/tile_harness.hpp,
/// block by block with threads in lockstep phases, against the CPU backend:
/// the fingerprint tile kernel (popcounts, threshold, shared histogram,
/// compaction) and the embedding-cosine threshold kernel, on diagonal and
/// off-diagonal tiles with ragged edges, plus the overflow protocol.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "cleave/embedding.hpp"
#include "common/sorted_edges.hpp"
#include "kernels/cosine_kernel.hpp"
#include "kernels/fingerprint_kernel.hpp"
#include "kernels/tile_harness.hpp"
#include "similarity/fp_computer.hpp"

using namespace cleave;
using namespace cleave::kernels;
using namespace cleave::similarity_detail;

namespace {

Fingerprints random_fps(std::size_t n, uint32_t n_bits, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Fingerprints f;
  f.n_bits = n_bits;
  f.words_per_fp = (n_bits + 63) / 64;
  f.words.assign(n * f.words_per_fp, 0);
  std::vector<uint64_t> core(f.words_per_fp);
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 5 == 0)
      for (auto& w : core) w = rng() & rng() & rng();
    for (uint32_t w = 0; w < f.words_per_fp; ++w) {
      uint64_t x = (core[w] & (rng() | rng())) | (rng() & rng() & rng() & rng());
      if (w + 1 == f.words_per_fp && n_bits % 64) x &= (uint64_t{1} << (n_bits % 64)) - 1;
      f.words[i * f.words_per_fp + w] = i % 17 == 4 ? 0 : x;
    }
  }
  return f;
}

using cleave::test::Edges;
using cleave::test::sorted;

/// Device-style output buffers on the host.
struct HostOut {
  std::vector<uint32_t> u, v;
  std::vector<float> w;
  unsigned long long count = 0;
  std::vector<unsigned long long> hist;
  HostOut(std::size_t capacity, uint32_t bins)
      : u(capacity), v(capacity), w(capacity), hist(bins) {}
  EdgeOut view() { return EdgeOut{u.data(), v.data(), w.data(), &count, u.size(), hist.data()}; }
  [[nodiscard]] std::vector<Edge> edges() const {
    std::vector<Edge> e;
    for (std::size_t k = 0; k < std::min<std::size_t>(count, u.size()); ++k)
      e.push_back({u[k], v[k], w[k]});
    return e;
  }
};

void expect_histogram(const HostOut& out, const Histogram& h) {
  ASSERT_EQ(out.hist.size(), h.counts.size());
  for (std::size_t b = 0; b < h.counts.size(); ++b)
    ASSERT_EQ(out.hist[b], h.counts[b]) << "bin " << b;
}

const std::vector<Tile> kTiles = {
    {0, 150, 0, 150, 0},      // diagonal, ragged
    {0, 64, 64, 200, 1},      // off-diagonal, one block row
    {64, 130, 30, 201, 2},    // overlapping the diagonal, ragged on both sides
    {100, 201, 100, 201, 3},  // diagonal ending at n
    {0, 1, 1, 2, 4},          // a single pair
};

}  // namespace

TEST(FpHarness, FingerprintKernelEqualsCpuBackend) {
  for (uint32_t bits : {64u, 200u, 1024u, 2048u, 2049u}) {
    const auto f = random_fps(201, bits, bits);
    std::vector<uint32_t> pc(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) pc[i] = popcount_row(f.row(i), f.words_per_fp);
    for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine}) {
      auto cpu = make_fingerprint_cpu(f, m, 0.35, SimdPath::scalar);
      for (const Tile& t : kTiles) {
        SCOPED_TRACE(fmt::format("{} {} bits, tile {}", measure_name(m), bits, t.index));
        TileResult want;
        want.histogram = cpu->histogram();
        cpu->compute(t, want);

        HostOut out(4096, static_cast<uint32_t>(want.histogram.counts.size()));
        FpTileParams p;
        p.rows = f.row(t.row0);
        p.cols = f.row(t.col0);
        p.row_pc = pc.data() + t.row0;
        p.col_pc = pc.data() + t.col0;
        p.row0 = t.row0;
        p.col0 = t.col0;
        p.n_rows = static_cast<uint32_t>(t.row1 - t.row0);
        p.n_cols = static_cast<uint32_t>(t.col1 - t.col0);
        p.words = f.words_per_fp;
        const FinishTables tables =
            make_finish_tables(bit_measure(m), 0.35, hist_spec(want.histogram), f.words_per_fp);
        p.fin = tables.view;
        p.out = out.view();
        with_bit_measure(bit_measure(m), [&](auto op) {
          const FingerprintTileBody<decltype(op)> body{p};
          run_on_host(body, body.grid(), body.kThreads);
          return 0;
        });
        ASSERT_LE(out.count, out.u.size());
        EXPECT_EQ(sorted(out.edges()), sorted(want.edges));
        expect_histogram(out, want.histogram);
        if (t.index == 0) EXPECT_GT(want.edges.size(), 10u) << "too few edges to be meaningful";
      }
    }
  }
}

namespace {

/// Runs the fingerprint body over tile t and compares edges and histogram with the CPU backend.
void expect_kernel_equals_cpu(const Fingerprints& f, Measure m, double threshold, const Tile& t) {
  std::vector<uint32_t> pc(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) pc[i] = popcount_row(f.row(i), f.words_per_fp);
  auto cpu = make_fingerprint_cpu(f, m, threshold, SimdPath::scalar);
  TileResult want;
  want.histogram = cpu->histogram();
  cpu->compute(t, want);
  HostOut out(32768, static_cast<uint32_t>(want.histogram.counts.size()));
  const FinishTables tables =
      make_finish_tables(bit_measure(m), threshold, hist_spec(want.histogram), f.words_per_fp);
  FpTileParams p{f.row(t.row0),
                 f.row(t.col0),
                 pc.data() + t.row0,
                 pc.data() + t.col0,
                 t.row0,
                 t.col0,
                 static_cast<uint32_t>(t.row1 - t.row0),
                 static_cast<uint32_t>(t.col1 - t.col0),
                 f.words_per_fp,
                 tables.view,
                 out.view()};
  with_bit_measure(bit_measure(m), [&](auto op) {
    const FingerprintTileBody<decltype(op)> body{p};
    run_on_host(body, body.grid(), body.kThreads);
    return 0;
  });
  ASSERT_LE(out.count, out.u.size());
  EXPECT_EQ(sorted(out.edges()), sorted(want.edges));
  expect_histogram(out, want.histogram);
}

}  // namespace

// Thresholds that similarities of small integers hit exactly or round onto
// (1/10 rounds up to the double 0.1): the integer tables must decide them as
// the CPU's double comparison does.
TEST(FpHarness, FingerprintKernelDecidesTiesLikeCpu) {
  for (uint32_t bits : {64u, 130u}) {
    const auto f = random_fps(150, bits, bits + 7);
    for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine})
      for (double t : {0.1, 0.25, 0.5, 0.7, 1.0 / 3.0, 0.0, 1.0}) {
        SCOPED_TRACE(fmt::format("{} {} bits, threshold {}", measure_name(m), bits, t));
        expect_kernel_equals_cpu(f, m, t, Tile{0, 150, 0, 150, 0});
      }
  }
}

// The integer finish against the double one for every small (|a|, |b|, |a & b|).
TEST(FpHarness, IntegerFinishEqualsDoubleFinish) {
  const HistSpec hist{};
  for (BitMeasure m : {BitMeasure::tanimoto, BitMeasure::dice, BitMeasure::cosine})
    for (double t : {0.1, 0.35, 0.5, 0.7, 1.0 / 3.0}) {
      const FinishTables tables = make_finish_tables(m, t, hist, 2);  // keys up to 256
      with_bit_measure(m, [&](auto op) {
        using Op = decltype(op);
        using Finish = typename FinishOf<Op>::type;
        for (uint32_t a = 0; a <= 128; ++a)
          for (uint32_t b = 0; b <= a; ++b)
            for (uint32_t c = 0; c <= b; ++c) {
              const double s = Op::finish(a, b, c);
              const PairFinish d = Finish::decide(a, b, c, tables.view);
              if (d.hit != (s >= t) || d.bin != hist.bin(s)) {
                ADD_FAILURE() << "measure " << static_cast<int>(m) << " t " << t << " a " << a
                              << " b " << b << " c " << c;
                return 0;
              }
              if (Finish::weight(a, b, c) != static_cast<float>(s)) {
                ADD_FAILURE() << "weight of a " << a << " b " << b << " c " << c;
                return 0;
              }
            }
        return 0;
      });
    }
}

TEST(FpHarness, OverflowReportsTheNeededRoom) {
  const auto f = random_fps(130, 256, 3);
  std::vector<uint32_t> pc(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) pc[i] = popcount_row(f.row(i), f.words_per_fp);
  auto cpu = make_fingerprint_cpu(f, Measure::tanimoto, 0.1, SimdPath::scalar);
  const Tile t{0, 130, 0, 130, 0};
  TileResult want;
  want.histogram = cpu->histogram();
  cpu->compute(t, want);
  ASSERT_GT(want.edges.size(), 100u);
  HostOut out(37, 1000);
  const FinishTables tables =
      make_finish_tables(BitMeasure::tanimoto, 0.1, HistSpec{}, f.words_per_fp);
  FpTileParams p{f.row(0), f.row(0), pc.data(),      pc.data(),   0,         0,
                 130,      130,      f.words_per_fp, tables.view, out.view()};
  const FingerprintTileBody<TanimotoOp> body{p};
  run_on_host(body, body.grid(), body.kThreads);
  EXPECT_EQ(out.count, want.edges.size());  // the room a retry needs
  // What fits was written, and each one is a real edge.
  const Edges all = sorted(want.edges);
  for (const auto& e : sorted(out.edges()))
    EXPECT_TRUE(std::binary_search(all.begin(), all.end(), e));
  expect_histogram(out, want.histogram);
}

TEST(FpHarness, CosineKernelEqualsCpuBackend) {
  std::mt19937_64 rng(11);
  std::normal_distribution<float> normal;
  EmbeddingSet set;
  set.n = 203;
  set.dim = 37;
  set.values.resize(set.n * set.dim);
  for (uint64_t i = 0; i < set.n; ++i) {
    const float shift = static_cast<float>(i % 4);
    for (uint32_t k = 0; k < set.dim; ++k)
      set.values[i * set.dim + k] = normal(rng) + (k % 4 == i % 4 ? shift : 0.f);
  }
  const std::vector<float> unit = unit_rows(set);
  auto cpu = make_embedding_cpu(set, 0.3);
  for (const Tile& t : kTiles) {
    SCOPED_TRACE(fmt::format("tile {}", t.index));
    TileResult want;
    want.histogram = cpu->histogram();
    cpu->compute(t, want);
    const auto rows = static_cast<uint32_t>(t.row1 - t.row0);
    const auto cols = static_cast<uint32_t>(t.col1 - t.col0);
    std::vector<float> dots(static_cast<std::size_t>(rows) * cols);
    for (uint32_t r = 0; r < rows; ++r)
      cosine_dots(unit.data() + (t.row0 + r) * set.dim, unit.data() + t.col0 * set.dim, cols,
                  set.dim, dots.data() + static_cast<std::size_t>(r) * cols);
    HostOut out(8192, static_cast<uint32_t>(want.histogram.counts.size()));
    CosineTileParams p;
    p.dots = dots.data();
    p.ld = cols;
    p.row0 = t.row0;
    p.col0 = t.col0;
    p.n_rows = rows;
    p.n_cols = cols;
    const CosineFinishTables tables = make_cosine_finish(hist_spec(want.histogram), 0.3);
    p.fin = tables.view;
    p.out = out.view();
    const CosineThresholdBody body{p};
    run_on_host(body, body.grid(), body.kThreads);
    EXPECT_EQ(sorted(out.edges()), sorted(want.edges));
    expect_histogram(out, want.histogram);
    if (t.index == 0) EXPECT_GT(want.edges.size(), 10u);
  }
}

// The float finish of embedding cosine against HistSpec::bin and the double
// threshold, on a sweep of floats over [-1, 1], every bin edge and its
// neighbours, and floats next to the threshold.
TEST(FpHarness, CosineFloatFinishEqualsDoubleFinish) {
  const Histogram h = embedding_histogram();
  const HistSpec spec = hist_spec(h);
  for (double t : {0.3, -0.25, 0.1, 1.0}) {
    const CosineFinishTables tables = make_cosine_finish(spec, t);
    const CosineFinish& f = tables.view;
    std::vector<float> probe;
    for (float s = -1.f; s <= 1.f; s += 1.0e-4f) probe.push_back(s);
    for (uint32_t k = 1; k < spec.bins; ++k)
      for (float e = tables.edge[k], d = 0; d < 3; ++d) {
        probe.push_back(e);
        e = std::nextafter(e, -2.f);
      }
    float near = static_cast<float>(t);
    for (int d = 0; d < 3; ++d) near = std::nextafter(near, -2.f);
    for (int d = 0; d < 6; ++d, near = std::nextafter(near, 2.f)) probe.push_back(near);
    probe.push_back(1.5f);  // dots past [-1, 1] clamp
    probe.push_back(-1.5f);
    for (float dot : probe) {
      const float s = CosineFinish::similarity(dot);
      const double want = EmbeddingCosineOp::finish(dot);
      ASSERT_EQ(static_cast<double>(s), want) << dot;
      ASSERT_EQ(f.bin(s), spec.bin(want)) << "dot " << dot << " threshold " << t;
      ASSERT_EQ(f.hit(s), want >= t) << "dot " << dot << " threshold " << t;
    }
  }
}

// A tile wider than one block's columns, so blocks tile it in two directions.
TEST(FpHarness, CosineKernelCoversWideTiles) {
  std::mt19937_64 rng(5);
  std::normal_distribution<float> normal;
  EmbeddingSet set;
  set.n = 2600;
  set.dim = 4;
  set.values.resize(set.n * set.dim);
  for (float& v : set.values) v = normal(rng);
  const std::vector<float> unit = unit_rows(set);
  auto cpu = make_embedding_cpu(set, 0.5);
  const Tile t{0, 11, 0, 2600, 0};
  TileResult want;
  want.histogram = cpu->histogram();
  cpu->compute(t, want);
  const auto cols = static_cast<uint32_t>(t.col1 - t.col0);
  std::vector<float> dots(std::size_t{11} * cols);
  for (uint32_t r = 0; r < 11; ++r)
    cosine_dots(unit.data() + r * set.dim, unit.data(), cols, set.dim,
                dots.data() + std::size_t{r} * cols);
  HostOut out(32768, static_cast<uint32_t>(want.histogram.counts.size()));
  const CosineFinishTables tables = make_cosine_finish(hist_spec(want.histogram), 0.5);
  CosineTileParams p;
  p.dots = dots.data();
  p.ld = cols;
  p.n_rows = 11;
  p.n_cols = cols;
  p.fin = tables.view;
  p.out = out.view();
  const CosineThresholdBody body{p};
  ASSERT_GT(body.blocks_across(), 2u);
  run_on_host(body, body.grid(), body.kThreads);
  EXPECT_EQ(sorted(out.edges()), sorted(want.edges));
  expect_histogram(out, want.histogram);
  EXPECT_GT(want.edges.size(), 1000u);
}
