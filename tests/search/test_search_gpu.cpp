/// @file test_search_gpu.cpp
/// @brief The fingerprint search kernel (kernels/search_kernel.hpp) against
/// the CPU search: run under the CPU harness (tile_harness.hpp) through the
/// very host passes the CUDA engine feeds (fp_search_engine.hpp), on random
/// fingerprints with exact ties and on real molecules, for the three bit
/// measures, thresholds at attainable similarities, top k, empty sides, one
/// query, target ranks, blocks, a checkpoint resumed, and launches split
/// over column slabs; results must equal search() on the cpu backend bit
/// for bit. GpuSearch.* run the CUDA engine and skip without a device.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/io.hpp"
#include "cleave/search.hpp"
#include "cleave/similarity.hpp"
#include "cleave/split.hpp"
#include "common/real_data.hpp"
#include "search/fp_search_engine.hpp"

using namespace cleave;
namespace fs = std::filesystem;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// n random fingerprints; every fourth a copy of an earlier one (exact
/// ties), some empty (Tanimoto 1 against each other), density varied.
Fingerprints random_fps(uint64_t n, uint32_t bits, uint32_t seed) {
  Fingerprints f;
  f.n_bits = bits;
  f.words_per_fp = bits / 64;
  f.words.assign(n * f.words_per_fp, 0);
  std::mt19937_64 rng(seed);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t* row = f.words.data() + i * f.words_per_fp;
    if (i >= 4 && i % 4 == 0) {
      const uint64_t src = rng() % i;
      std::copy(f.row(src), f.row(src) + f.words_per_fp, row);
      continue;
    }
    if (i % 37 == 3) continue;  // empty
    const int sparse = static_cast<int>(i % 3);
    for (uint32_t w = 0; w < f.words_per_fp; ++w) {
      uint64_t x = rng();
      for (int k = 0; k < sparse; ++k) x &= rng();
      row[w] = x;
    }
  }
  return f;
}

Fingerprints rows_of(const Fingerprints& f, uint64_t from, uint64_t to) {
  Fingerprints out;
  out.n_bits = f.n_bits;
  out.words_per_fp = f.words_per_fp;
  out.words.assign(f.words.begin() + static_cast<std::ptrdiff_t>(from * f.words_per_fp),
                   f.words.begin() + static_cast<std::ptrdiff_t>(to * f.words_per_fp));
  return out;
}

void expect_same(const SearchResult& got, const SearchResult& want, const std::string& what) {
  ASSERT_EQ(got.offsets, want.offsets) << what;
  ASSERT_EQ(got.nearest, want.nearest) << what;
  ASSERT_EQ(got.max_similarity.size(), want.max_similarity.size()) << what;
  for (std::size_t q = 0; q < want.max_similarity.size(); ++q) {
    if (std::isnan(want.max_similarity[q])) {
      EXPECT_TRUE(std::isnan(got.max_similarity[q])) << what << " query " << q;
    } else {
      EXPECT_EQ(got.max_similarity[q], want.max_similarity[q]) << what << " query " << q;
    }
  }
  ASSERT_EQ(got.hits.size(), want.hits.size()) << what;
  for (std::size_t k = 0; k < want.hits.size(); ++k) {
    ASSERT_EQ(got.hits[k].target, want.hits[k].target) << what << " hit " << k;
    ASSERT_EQ(got.hits[k].similarity, want.hits[k].similarity) << what << " hit " << k;
  }
}

const search_detail::FpEngineFactory kHarness = search_detail::make_fp_search_harness;

/// Some similarities that occur among the pairs (thresholds exactly at an
/// attainable value, where >= must go the CPU's way).
std::vector<double> attained(const Fingerprints& q, const Fingerprints& t, Measure m) {
  std::set<double> s;
  for (uint64_t i = 0; i < std::min<uint64_t>(q.size(), 3); ++i)
    for (uint64_t j = 0; j < t.size(); j += 7)
      s.insert(fingerprint_similarity(m, q.row(i), t.row(j), q.words_per_fp));
  std::vector<double> v(s.begin(), s.end());
  return {v[v.size() / 4], v[v.size() / 2], v[3 * v.size() / 4]};
}

/// search() on the harness equals search() on the cpu backend for every
/// measure, threshold and top given.
void check_search(const Fingerprints& q, const Fingerprints& t, const std::vector<uint64_t>& rank,
                  const std::vector<uint32_t>& tops, uint64_t block_rows = 0) {
  for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine}) {
    std::vector<double> thresholds = {-kInf, 0.0, 0.3, 1.0};
    if (q.size() > 0 && t.size() > 0)
      for (double a : attained(q, t, m)) thresholds.push_back(a);
    for (double th : thresholds)
      for (uint32_t top : tops) {
        if (th == -kInf && top == 0) continue;
        SearchOptions opt;
        opt.measure = m;
        opt.threshold = th;
        opt.top = top;
        opt.block_rows = block_rows;
        opt.backend = Backend::cpu;
        const SearchResult want = search(FeatureView{&q}, FeatureView{&t}, opt, rank);
        const SearchResult got =
            search_detail::search_on(FeatureView{&q}, FeatureView{&t}, opt, rank, kHarness);
        expect_same(got, want, fmt::format("{} threshold {} top {}", measure_name(m), th, top));
        if (::testing::Test::HasFatalFailure()) return;
      }
  }
}

}  // namespace

TEST(SearchKernel, RandomWithTiesEqualsCpu) {
  const Fingerprints q = random_fps(70, 256, 11), t = random_fps(203, 256, 12);
  check_search(q, t, {}, {0, 1, 3, 5});
}

TEST(SearchKernel, RanksDecideTies) {
  const Fingerprints q = random_fps(20, 128, 13), t = random_fps(150, 128, 14);
  std::vector<uint64_t> rank(t.size());
  for (std::size_t k = 0; k < rank.size(); ++k)
    rank[k] = (rank.size() - k) / 2;  // ties in rank too
  check_search(q, t, rank, {0, 1, 4});
}

TEST(SearchKernel, OddWordCountsAndOneQuery) {
  // 3 words: rows not 16-byte aligned (the scalar load path); 5 words: a
  // partial chunk.
  for (uint32_t bits : {192U, 320U}) {
    const Fingerprints all = random_fps(91, bits, 15 + bits);
    check_search(rows_of(all, 0, 1), rows_of(all, 1, 91), {}, {0, 2});
  }
}

TEST(SearchKernel, EmptySides) {
  const Fingerprints q = random_fps(5, 128, 16);
  Fingerprints none;
  none.n_bits = 128;
  none.words_per_fp = 2;
  check_search(q, none, {}, {0, 3});
  check_search(none, q, {}, {0, 3});
}

TEST(SearchKernel, TopKLargerThanTheTileBests) {
  // 130 targets give each query three tile bests: top 5 and 200 find no
  // floor and take every pair, top 2 takes the floor.
  const Fingerprints q = random_fps(9, 128, 17), t = random_fps(130, 128, 18);
  check_search(q, t, {}, {2, 5, 200});
}

TEST(SearchKernel, BlocksAndResumeEqualCpu) {
  const Fingerprints q = random_fps(150, 256, 19), t = random_fps(170, 256, 20);
  check_search(q, t, {}, {0, 3}, 16);
  // A CPU run stopped after three blocks, resumed on the harness engine.
  const fs::path dir = fs::temp_directory_path() / fmt::format("cleave_search_gpu_{}", ::getpid());
  fs::remove_all(dir);
  SearchOptions opt;
  opt.threshold = 0.35;
  opt.top = 4;
  opt.block_rows = 20;
  opt.work_dir = dir;
  opt.backend = Backend::cpu;
  int seen = 0;
  EXPECT_THROW(search_blocks(FeatureView{&q}, FeatureView{&t}, opt, {},
                             [&](uint64_t, const SearchResult&) {
                               if (++seen == 3) throw std::runtime_error("stop");
                             }),
               std::runtime_error);
  SearchReport rep;
  opt.report = &rep;
  const SearchResult got =
      search_detail::search_on(FeatureView{&q}, FeatureView{&t}, opt, {}, kHarness);
  EXPECT_EQ(rep.blocks_resumed, 3U);
  EXPECT_EQ(rep.blocks_computed, rep.blocks - 3);
  opt.work_dir.clear();
  opt.report = nullptr;
  expect_same(got, search(FeatureView{&q}, FeatureView{&t}, opt), "resumed");
  fs::remove_all(dir);
}

TEST(SearchKernel, WithinOneDatasetEqualsCpu) {
  const Fingerprints f = random_fps(260, 256, 21);
  std::vector<uint32_t> qs, ts;
  for (uint32_t k = 0; k < f.size(); ++k) (k % 3 == 1 ? qs : ts).push_back(k);
  std::reverse(qs.begin(), qs.end());  // rows in a caller's order, not the index order
  std::vector<uint64_t> rank(ts.size());
  for (std::size_t k = 0; k < rank.size(); ++k) rank[k] = (k * 7) % rank.size();
  for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine})
    for (uint32_t top : {0U, 2U}) {
      SearchOptions opt;
      opt.measure = m;
      opt.threshold = 0.3;
      opt.top = top;
      opt.block_rows = 25;
      opt.backend = Backend::cpu;
      expect_same(search_detail::search_within_on(FeatureView{&f}, qs, ts, opt, rank, kHarness),
                  search_within(FeatureView{&f}, qs, ts, opt, rank),
                  fmt::format("within {} top {}", measure_name(m), top));
    }
}

TEST(SearchKernel, LaunchesSplitOverColumnSlabs) {
  // More targets than one launch takes (kSlabCols): tile bests of the
  // second slab must land at their own column blocks.
  const uint64_t n = search_detail::kSlabCols + 300;
  const Fingerprints t = random_fps(n, 128, 22), q = random_fps(3, 128, 23);
  for (uint32_t top : {0U, 2U}) {
    SearchOptions opt;
    opt.threshold = 0.6;
    opt.top = top;
    opt.backend = Backend::cpu;
    expect_same(search_detail::search_on(FeatureView{&q}, FeatureView{&t}, opt, {}, kHarness),
                search(FeatureView{&q}, FeatureView{&t}, opt), fmt::format("slabs top {}", top));
  }
}

#if CLEAVE_HAVE_RDKIT
TEST(SearchKernel, RealMoleculesEqualCpu) {
  const MoleculeSet m = read_molecules(test::real_data("molecules/moleculenet_esol.csv"), {});
  ASSERT_GT(m.fps.size(), 400U);
  const Fingerprints q = rows_of(m.fps, 0, 120), t = rows_of(m.fps, 120, 520);
  check_search(q, t, {}, {0, 1, 10});
}
#endif

TEST(SearchBackend, CudaRefusesEmbeddingsAndSequences) {
  EmbeddingSet e;
  e.n = 2;
  e.dim = 2;
  e.values = {1, 0, 0, 1};
  SearchOptions opt;
  opt.measure = Measure::cosine;
  opt.threshold = 0.5;
  opt.backend = Backend::cuda;
  try {
    (void)search(FeatureView{nullptr, &e}, FeatureView{nullptr, &e}, opt);
    FAIL() << "no error";
  } catch (const error& err) {
    EXPECT_EQ(err.code(), errc::invalid_argument);
    EXPECT_NE(std::string(err.what()).find("cpu backend only"), std::string::npos) << err.what();
  }
}

TEST(SearchBackend, CudaWithoutDeviceFailsClearly) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is usable";
  const Fingerprints q = random_fps(3, 128, 24);
  SearchOptions opt;
  opt.threshold = 0.5;
  opt.backend = Backend::cuda;
  try {
    (void)search(FeatureView{&q}, FeatureView{&q}, opt);
    FAIL() << "no error";
  } catch (const error& err) {
    EXPECT_EQ(err.code(), errc::cuda);
    EXPECT_NE(std::string(err.what()).find("--backend cuda"), std::string::npos) << err.what();
  }
}

TEST(SearchBackend, AutoStaysOnTheCpu) {
  // automatic must not reach for the device: it equals cpu and never throws.
  const Fingerprints q = random_fps(10, 128, 25), t = random_fps(40, 128, 26);
  SearchOptions opt;
  opt.threshold = 0.3;
  opt.top = 2;
  const SearchResult a = search(FeatureView{&q}, FeatureView{&t}, opt);
  opt.backend = Backend::cpu;
  expect_same(a, search(FeatureView{&q}, FeatureView{&t}, opt), "auto");
}

TEST(GpuSearch, SmallEqualsCpu) {
  // Small enough for compute-sanitizer (scripts/gpu-check.sh); odd sizes.
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  const Fingerprints q = random_fps(41, 192, 31), t = random_fps(301, 192, 32);
  for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine})
    for (uint32_t top : {0U, 3U}) {
      SearchOptions opt;
      opt.measure = m;
      opt.threshold = 0.3;
      opt.top = top;
      opt.backend = Backend::cpu;
      const SearchResult want = search(FeatureView{&q}, FeatureView{&t}, opt);
      opt.backend = Backend::cuda;
      expect_same(search(FeatureView{&q}, FeatureView{&t}, opt), want,
                  fmt::format("small {} top {}", measure_name(m), top));
    }
}

TEST(GpuSearch, CudaEqualsCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  const Fingerprints q = random_fps(300, 1024, 27), t = random_fps(5000, 1024, 28);
  std::vector<uint64_t> rank(t.size());
  for (std::size_t k = 0; k < rank.size(); ++k) rank[k] = (rank.size() - k) / 3;
  for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine})
    for (uint32_t top : {0U, 1U, 10U}) {
      SearchOptions opt;
      opt.measure = m;
      opt.threshold = top == 0 ? 0.3 : -kInf;
      opt.top = top;
      opt.block_rows = 128;
      opt.backend = Backend::cpu;
      const SearchResult want = search(FeatureView{&q}, FeatureView{&t}, opt, rank);
      opt.backend = Backend::cuda;
      expect_same(search(FeatureView{&q}, FeatureView{&t}, opt, rank), want,
                  fmt::format("cuda {} top {}", measure_name(m), top));
    }
}

TEST(GpuSearch, WithinOneDatasetEqualsCpu) {
  // The audit's path: index lists into one dataset, ranks, blocks.
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  const Fingerprints f = random_fps(3000, 512, 33);
  std::vector<uint32_t> qs, ts;
  for (uint32_t k = 0; k < f.size(); ++k) (k % 4 == 1 ? qs : ts).push_back(k);
  std::vector<uint64_t> rank(ts.size());
  for (std::size_t k = 0; k < rank.size(); ++k) rank[k] = (k * 7) % rank.size();
  for (uint32_t top : {0U, 4U}) {
    SearchOptions opt;
    opt.threshold = 0.3;
    opt.top = top;
    opt.block_rows = 200;
    opt.backend = Backend::cpu;
    const SearchResult want = search_within(FeatureView{&f}, qs, ts, opt, rank);
    opt.backend = Backend::cuda;
    expect_same(search_within(FeatureView{&f}, qs, ts, opt, rank), want,
                fmt::format("within top {}", top));
  }
}

TEST(GpuSearch, CudaOverflowAndSlabsEqualCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  // Every pair a hit (threshold 0) overflows the first hit buffers; more
  // targets than one launch's columns.
  const Fingerprints q = random_fps(40, 256, 29),
                     t = random_fps(search_detail::kSlabCols + 1000, 256, 30);
  SearchOptions opt;
  opt.threshold = 0.0;
  opt.backend = Backend::cpu;
  const SearchResult want = search(FeatureView{&q}, FeatureView{&t}, opt);
  opt.backend = Backend::cuda;
  expect_same(search(FeatureView{&q}, FeatureView{&t}, opt), want, "overflow");
}

#if CLEAVE_HAVE_RDKIT
TEST(GpuSearch, RealMoleculesCudaEqualsCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  const MoleculeSet m = read_molecules(test::real_data("molecules/rdkit_nci_first5k.csv"), {});
  const Fingerprints q = rows_of(m.fps, 0, 1000), t = rows_of(m.fps, 1000, m.fps.size());
  for (Measure meas : {Measure::tanimoto, Measure::dice, Measure::cosine})
    for (uint32_t top : {0U, 5U}) {
      SearchOptions opt;
      opt.measure = meas;
      opt.threshold = 0.4;
      opt.top = top;
      opt.backend = Backend::cpu;
      const SearchResult want = search(FeatureView{&q}, FeatureView{&t}, opt);
      opt.backend = Backend::cuda;
      expect_same(search(FeatureView{&q}, FeatureView{&t}, opt), want,
                  fmt::format("nci {} top {}", measure_name(meas), top));
    }
}
#endif
