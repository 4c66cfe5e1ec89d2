/// @file test_align_survivor.cpp
/// @brief The survivor-alignment kernel (kernels/align_survivor.hpp) run on
/// the CPU: its DP against align_batch pair by pair, its batch plan, and
/// the whole driver with the kernel body run block by block
/// (tile_harness.hpp) against align_candidates, on random and real
/// sequences, global and local, protein and DNA.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <span>
#include <vector>

#include "cleave/error.hpp"
#include "kernels/align_survivor.hpp"
#include "kernels/tile_harness.hpp"
#include "seq_test_util.hpp"
#include "similarity/align_common.hpp"
#include "similarity/align_survivor.hpp"
#include "similarity/seq_prefilter.hpp"

using namespace cleave;
using align_detail::Candidates;

namespace {

/// The kernel body on the CPU, both slots run at submit().
class HostExecutor final : public align_detail::SurvivorExecutor {
 public:
  HostExecutor(const Sequences& seqs, const kernels::ScoreScheme& sc, bool local)
      : seqs_(seqs), sc_(sc), local_(local) {}
  [[nodiscard]] uint32_t slots() const override { return 2; }
  void submit(uint32_t slot, const align_detail::SurvivorBatch& b) override {
    auto& out = out_[slot];
    out.assign(b.targets.size(), kernels::AlignStats{-7, -7, -7});
    ++submitted;
    wide_batches += b.wide ? 1 : 0;
    if (b.wide)
      run<kernels::SurvivorCell32>(b, out);
    else
      run<kernels::SurvivorCell16>(b, out);
  }
  const kernels::AlignStats* wait(uint32_t slot) override { return out_[slot].data(); }

  int submitted = 0, wide_batches = 0;

 private:
  template <class Cell>
  void run(const align_detail::SurvivorBatch& b, std::vector<kernels::AlignStats>& out) const {
    // Poisoned scratch: a column read before it is written fails the test.
    std::vector<Cell> work(b.scratch_cells);
    std::memset(static_cast<void*>(work.data()), 0x5C, work.size() * sizeof(Cell));
    kernels::SurvivorJob<Cell> job;
    job.residues = seqs_.residues.data();
    job.offsets = seqs_.offsets.data();
    job.chunks = b.chunks.data();
    job.n_chunks = static_cast<uint32_t>(b.chunks.size());
    job.targets = b.targets.data();
    job.out = out.data();
    job.work = work.data();
    job.sc = sc_;
    if (local_) {
      const kernels::SurvivorBody<true, Cell> body{job};
      kernels::run_on_host(body, body.grid(), body.kThreads);
    } else {
      const kernels::SurvivorBody<false, Cell> body{job};
      kernels::run_on_host(body, body.grid(), body.kThreads);
    }
  }

  const Sequences& seqs_;
  kernels::ScoreScheme sc_;
  bool local_;
  std::vector<kernels::AlignStats> out_[2];
};

/// Every pair i < j with (i + j) % every == 0 (every = 1: all pairs).
Candidates some_pairs(const Sequences& s, uint32_t every) {
  Candidates c;
  c.offsets.push_back(0);
  for (uint32_t i = 0; i < s.size(); ++i) {
    for (uint32_t j = i + 1; j < s.size(); ++j)
      if ((i + j) % every == 0) c.cols.push_back(j);
    c.offsets.push_back(c.cols.size());
  }
  return c;
}

struct Merged {
  std::vector<uint64_t> hist;
  std::vector<std::tuple<uint32_t, uint32_t, float>> edges;
};

Merged merge(const std::vector<TileResult>& results) {
  Merged m;
  m.hist = results[0].histogram.counts;
  for (std::size_t r = 1; r < results.size(); ++r)
    for (std::size_t b = 0; b < m.hist.size(); ++b) m.hist[b] += results[r].histogram.counts[b];
  for (const auto& r : results)
    for (const auto& e : r.edges) m.edges.emplace_back(e.u, e.v, e.w);
  std::sort(m.edges.begin(), m.edges.end());
  return m;
}

/// align_candidates (CPU, SIMD lanes) and the survivor driver with the
/// kernel body on the CPU give the same histogram and edges; returns the
/// executor's batch counts for the caller's checks.
HostExecutor expect_driver_matches(const Sequences& s, const Candidates& cand,
                                   const AlignOptions& opt,
                                   const align_detail::SurvivorLimits& limits = {}) {
  const auto sc = align_detail::make_scheme(s.alphabet, opt);
  std::vector<TileResult> cpu(2), gpu(1);
  align_detail::align_candidates(s, cand, sc, opt, cpu, nullptr);
  HostExecutor ex(s, sc, opt.mode == AlignMode::local);
  Progress progress("survivors", s.size());
  align_detail::align_candidates_with(ex, s, cand, sc, opt, gpu, &progress, limits);
  progress.finish();
  const Merged a = merge(cpu), b = merge(gpu);
  EXPECT_EQ(a.hist, b.hist);
  EXPECT_EQ(a.edges, b.edges);
  uint64_t total = 0;
  for (auto c : b.hist) total += c;
  EXPECT_EQ(total, cand.count());
  return ex;
}

/// Each batch of the plan run by the kernel body on the CPU: every pair's
/// score, matches and length equal align_batch's (row i as s1).
void expect_batches_match_pairs(const Sequences& s, const Candidates& cand, const AlignOptions& opt,
                                const align_detail::SurvivorLimits& limits = {}) {
  const auto sc = align_detail::make_scheme(s.alphabet, opt);
  const bool local = opt.mode == AlignMode::local;
  HostExecutor ex(s, sc, local);
  uint64_t pairs = 0;
  for (const auto& b : align_detail::plan_survivor_batches(s, cand, sc, limits)) {
    ex.submit(0, b);
    const kernels::AlignStats* got = ex.wait(0);
    for (const auto& c : b.chunks)
      for (uint32_t l = 0; l < c.count; ++l) {
        const uint32_t j = b.targets[c.first + l];
        const uint8_t* t = s.data(j);
        const auto tl = static_cast<int32_t>(s.length(j));
        kernels::AlignStats want;
        align_detail::align_batch(s.data(c.query), static_cast<int32_t>(s.length(c.query)), &t, &tl,
                                  1, sc, local, &want);
        const auto& g = got[c.first + l];
        ASSERT_EQ(g.score, want.score) << c.query << " " << j << (b.wide ? " wide" : "");
        ASSERT_EQ(g.matches, want.matches) << c.query << " " << j << (b.wide ? " wide" : "");
        ASSERT_EQ(g.length, want.length) << c.query << " " << j << (b.wide ? " wide" : "");
        ++pairs;
      }
  }
  EXPECT_EQ(pairs, cand.count());
}

/// survivor_align (both column widths where they apply) against align_batch
/// on every pair (i, j) of s, i as the query.
void expect_step_matches(const Sequences& s, const AlignOptions& opt) {
  const auto sc = align_detail::make_scheme(s.alphabet, opt);
  const bool local = opt.mode == AlignMode::local;
  std::vector<int32_t> mat(sc.m, sc.m + sc.size * sc.size);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto nq = static_cast<int32_t>(s.length(i));
    std::vector<const uint8_t*> ptrs;
    std::vector<int32_t> lens;
    for (std::size_t j = 0; j < s.size(); ++j) {
      ptrs.push_back(s.data(j));
      lens.push_back(static_cast<int32_t>(s.length(j)));
    }
    std::vector<kernels::AlignStats> want(s.size());
    align_detail::align_batch(s.data(i), nq, ptrs.data(), lens.data(), ptrs.size(), sc, local,
                              want.data());
    std::vector<kernels::SurvivorCell32> c32(static_cast<std::size_t>(nq) + 1);
    std::vector<kernels::SurvivorCell16> c16(static_cast<std::size_t>(nq) + 1);
    for (std::size_t j = 0; j < s.size(); ++j) {
      const auto run = [&](auto* col) {
        return local ? kernels::survivor_align<true, kernels::kSurvivorStrip>(
                           s.data(i), nq, s.data(j), lens[j], mat.data(), sc.size, sc.gap_open,
                           sc.gap_extend, sc.count_leading_gaps != 0, col, 1)
                     : kernels::survivor_align<false, kernels::kSurvivorStrip>(
                           s.data(i), nq, s.data(j), lens[j], mat.data(), sc.size, sc.gap_open,
                           sc.gap_extend, sc.count_leading_gaps != 0, col, 1);
      };
      const auto got = run(c32.data());
      ASSERT_EQ(got.score, want[j].score) << i << " " << j;
      ASSERT_EQ(got.matches, want[j].matches) << i << " " << j;
      ASSERT_EQ(got.length, want[j].length) << i << " " << j;
      if (nq > 0 && lens[j] > 0 && align_detail::fits_int16(nq, lens[j], sc)) {
        const auto g16 = run(c16.data());
        ASSERT_EQ(g16.score, want[j].score) << i << " " << j << " int16";
        ASSERT_EQ(g16.matches, want[j].matches) << i << " " << j << " int16";
        ASSERT_EQ(g16.length, want[j].length) << i << " " << j << " int16";
      }
    }
  }
}

/// Random sequences with lengths 1 and 2, very unequal lengths (up to
/// `long_len`) and mutated families.
Sequences mixed_lengths(const std::string& letters, Alphabet a, uint32_t long_len, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> ids, seqs;
  const uint32_t lens[] = {1, 1, 2, 3, 5, 9, 17, 40, 80, 150, long_len / 2, long_len};
  std::string base;
  for (uint32_t k = 0; k < 30; ++k) {
    const uint32_t len = lens[k % std::size(lens)];
    std::string s;
    if (k % 4 == 1 && base.size() >= 2) {
      s = base.substr(rng() % (base.size() / 2));  // a suffix of an earlier one: shared residues
      for (char& c : s)
        if (rng() % 8 == 0) c = letters[rng() % letters.size()];
    } else {
      for (uint32_t x = 0; x < len; ++x) s += letters[rng() % letters.size()];
    }
    if (s.size() > base.size()) base = s;
    ids.push_back("m" + std::to_string(k));
    seqs.push_back(s);
  }
  FastaReadOptions fo;
  fo.alphabet = a;
  return sequences_from_strings(ids, seqs, fo);
}

std::vector<AlignOptions> all_modes() {
  std::vector<AlignOptions> out;
  for (int mode = 0; mode < 2; ++mode)
    for (IdentityKind kind : {IdentityKind::aligned, IdentityKind::shorter, IdentityKind::full}) {
      if (mode == 1 && kind == IdentityKind::full) continue;  // global only
      AlignOptions opt;
      opt.mode = mode ? AlignMode::local : AlignMode::global;
      opt.identity = kind;
      opt.threshold = 0.3;
      opt.progress = false;
      out.push_back(opt);
    }
  return out;
}

}  // namespace

TEST(SurvivorKernel, StepMatchesAlignBatchOnMixedLengths) {
  const auto prot = mixed_lengths("ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 1200, 31);
  const auto dna = mixed_lengths("ACGTN", Alphabet::dna, 1600, 32);
  for (const Sequences* s : {&prot, &dna})
    for (const auto& opt : all_modes()) {
      // The identity kind changes the statistics only through the leading
      // gaps of 'full': 'shorter' runs the same DP as 'aligned'.
      if (opt.identity == IdentityKind::shorter) continue;
      SCOPED_TRACE(fmt::format("{} {} {}", s == &dna ? "dna" : "protein",
                               opt.mode == AlignMode::local ? "local" : "global",
                               identity_kind_name(opt.identity)));
      expect_step_matches(*s, opt);
    }
}

TEST(SurvivorKernel, StepMatchesAlignBatchWithOtherGaps) {
  // Small gap costs make gaps and ties common.
  const auto s = seqtest::random_sequences(40, 1, 60, "ACDW", Alphabet::protein, 33);
  for (int open : {1, 3, 11})
    for (int mode = 0; mode < 2; ++mode) {
      AlignOptions opt;
      opt.mode = mode ? AlignMode::local : AlignMode::global;
      opt.gap_open = open;
      opt.gap_extend = 1;
      SCOPED_TRACE(fmt::format("open {} mode {}", open, mode));
      expect_step_matches(s, opt);
    }
}

TEST(SurvivorKernel, PlanCoversEveryPairOnceInSortedWarps) {
  const auto s =
      seqtest::random_sequences(200, 1, 400, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 34);
  const auto cand = some_pairs(s, 2);
  AlignOptions opt;
  const auto sc = align_detail::make_scheme(s.alphabet, opt);
  align_detail::SurvivorLimits lim;
  lim.max_cells = 2'000'000;
  lim.max_pairs = 300;
  lim.max_scratch_bytes = 1 << 20;
  const auto batches = align_detail::plan_survivor_batches(s, cand, sc, lim);
  ASSERT_GT(batches.size(), 10u);
  std::multiset<std::pair<uint32_t, uint32_t>> seen;
  for (const auto& b : batches) {
    uint64_t scratch = 0, dp = 0;
    for (std::size_t k = 0; k < b.chunks.size(); ++k) {
      const auto& c = b.chunks[k];
      ASSERT_GE(c.count, 1u);
      ASSERT_LE(c.count, kernels::kSurvivorLanes);
      // Columns laid out back to back, each sized from its own query.
      EXPECT_EQ(c.scratch, scratch);
      scratch += (s.length(c.query) + 1) * kernels::kSurvivorLanes;
      uint64_t prev = 0;
      for (uint32_t l = 0; l < c.count; ++l) {
        const uint32_t j = b.targets[c.first + l];
        EXPECT_GE(s.length(j), prev);  // sorted by target length
        prev = s.length(j);
        dp += s.length(c.query) * s.length(j);
        EXPECT_EQ(align_detail::fits_int16(static_cast<int32_t>(s.length(c.query)),
                                           static_cast<int32_t>(s.length(j)), sc) ||
                      b.wide,
                  true);
        seen.emplace(c.query, j);
      }
      if (k > 0) {
        EXPECT_GE(s.length(b.chunks[k - 1].query) *
                      s.length(b.targets[b.chunks[k - 1].first + b.chunks[k - 1].count - 1]),
                  s.length(c.query) * s.length(b.targets[c.first + c.count - 1]));
      }
    }
    EXPECT_EQ(scratch, b.scratch_cells);
    EXPECT_EQ(dp, b.dp_cells);
    if (b.chunks.size() > 1) {
      EXPECT_LE(b.dp_cells, lim.max_cells);
      EXPECT_LE(b.targets.size(), lim.max_pairs);
    }
  }
  std::multiset<std::pair<uint32_t, uint32_t>> want;
  for (uint32_t i = 0; i + 1 < cand.offsets.size(); ++i)
    for (uint64_t c = cand.offsets[i]; c < cand.offsets[i + 1]; ++c) want.emplace(i, cand.cols[c]);
  EXPECT_EQ(seen, want);
}

TEST(SurvivorKernel, HarnessMatchesAlignCandidatesOnRandomSequences) {
  Progress::set_quiet(true);
  const auto prot =
      seqtest::random_sequences(150, 1, 300, "ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 35);
  const auto dna = seqtest::random_sequences(150, 1, 400, "ACGTN", Alphabet::dna, 36);
  align_detail::SurvivorLimits small;  // many launches, both slots reused
  small.max_cells = 3'000'000;
  for (const Sequences* s : {&prot, &dna})
    for (const auto& opt : all_modes()) {
      SCOPED_TRACE(fmt::format("{} {} {}", s == &dna ? "dna" : "protein",
                               opt.mode == AlignMode::local ? "local" : "global",
                               identity_kind_name(opt.identity)));
      const auto cand = some_pairs(*s, 3);
      const auto ex = expect_driver_matches(*s, cand, opt, small);
      EXPECT_GT(ex.submitted, 4);
      // Pair by pair once a mode: the identity kind changes the DP only
      // through full's leading gaps.
      if (opt.identity != IdentityKind::shorter) expect_batches_match_pairs(*s, cand, opt, small);
    }
}

TEST(SurvivorKernel, HarnessMatchesAlignCandidatesWithLongAndShortPairs) {
  Progress::set_quiet(true);
  // Lengths 1 to 4000 against each other: 16-bit and 32-bit warps, queries
  // staged in shared memory and read from global memory.
  const auto prot = mixed_lengths("ARNDCQEGHILKMFPSTWYV", Alphabet::protein, 3000, 37);
  const auto dna = mixed_lengths("ACGT", Alphabet::dna, 4000, 38);
  for (const Sequences* s : {&prot, &dna})
    for (int mode = 0; mode < 2; ++mode) {
      AlignOptions opt;
      opt.mode = mode ? AlignMode::local : AlignMode::global;
      opt.threshold = 0.2;
      SCOPED_TRACE(fmt::format("{} mode {}", s == &dna ? "dna" : "protein", mode));
      const auto cand = some_pairs(*s, 1);
      const auto ex = expect_driver_matches(*s, cand, opt);
      EXPECT_GT(ex.wide_batches, 0);
      EXPECT_LT(ex.wide_batches, ex.submitted);
      expect_batches_match_pairs(*s, cand, opt);
    }
}

/// Built with AddressSanitizer or ThreadSanitizer (CI's reliability
/// stages), where the harness runs some 5x slower.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST(SurvivorKernel, HarnessMatchesAlignCandidatesOnRealPrefilterSurvivors) {
  Progress::set_quiet(true);
  const char* files[] = {"proteins/hmmer_globins45.fasta", "dna/dfam_MADE1_seed_ungapped.fasta",
                         "proteins/pfam_fn3_seed_ungapped.fasta",
                         "proteins/flip_conservation_pdb_minus_heldout.fasta"};
  // Under a sanitizer, one protein and one DNA family: the four sets took
  // 9 of the 19 CPU-minutes these tests cost under ASan.
  const std::size_t n_files = kSanitized ? 2 : std::size(files);
  for (const char* f : std::span(files, n_files)) {
    const auto path = cleave::test::real_data(f);
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    const Sequences s = read_fasta(path);
    for (int mode = 0; mode < 2; ++mode) {
      AlignOptions opt;
      opt.mode = mode ? AlignMode::local : AlignMode::global;
      opt.threshold = 0.3;
      SCOPED_TRACE(fmt::format("{} mode {}", f, mode));
      const auto sc = align_detail::make_scheme(s.alphabet, opt);
      const auto params =
          align_detail::prefilter_params(s.alphabet, resolved_identity(opt), opt.threshold,
                                         opt.sensitivity, opt.match, opt.mismatch);
      const auto cand = align_detail::prefilter_candidates(s, sc, params, 2, false);
      ASSERT_GT(cand.count(), 0u);
      expect_driver_matches(s, cand, opt);
    }
  }
}

TEST(SurvivorKernel, PlanRejectsPairsTooLongToAlign) {
  const auto s = seqtest::random_sequences(3, 300, 300, "ACGT", Alphabet::dna, 39);
  // Past make_scheme's limits: the plan's own check, the one align_batch has.
  auto sc = align_detail::make_scheme(s.alphabet, AlignOptions{});
  sc.gap_extend = 2'000'000;
  EXPECT_THROW(align_detail::plan_survivor_batches(s, some_pairs(s, 1), sc, {}), cleave::error);
}
