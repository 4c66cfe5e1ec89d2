/// @file test_prefilter_score.cpp
/// @brief The event-scoring kernel (kernels/prefilter_score.hpp) run on the
/// CPU: its banded score against the CPU's banded_local, and the prefilter
/// with every event scored by the kernel body (tile_harness.hpp) against
/// the CPU's own scoring: the same candidates, on real and generated
/// proteins and on DNA. The Gpu* test compares the device with the body.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/split.hpp"
#include "common/real_data.hpp"
#include "kernels/prefilter_score.hpp"
#include "kernels/tile_harness.hpp"
#include "seq_test_util.hpp"
#include "similarity/align_common.hpp"
#include "similarity/seq_prefilter.hpp"
#if CLEAVE_HAVE_CUDA
#include "similarity/prefilter_score_cuda.hpp"
#endif

using namespace cleave;
using align_detail::PrefilterCounts;

namespace {

/// The kernel body on the CPU, block by block; counts its calls.
class HostEventScorer final : public align_detail::EventScorer {
 public:
  HostEventScorer(const Sequences& seqs, const kernels::EventScoreJob& job) : job_(job) {
    job_.residues = seqs.residues.data();
    job_.offsets = seqs.offsets.data();
  }
  void score(const std::vector<kernels::PrefilterEvent>& events,
             std::vector<uint8_t>& verdicts) override {
    // Poisoned: a verdict the body does not write fails the comparison.
    verdicts.assign(events.size(), 0xEE);
    kernels::EventScoreJob job = job_;
    job.events = events.data();
    job.n_events = static_cast<uint32_t>(events.size());
    job.verdicts = verdicts.data();
    const kernels::EventScoreBody<false> ungapped{job};
    kernels::run_on_host(ungapped, ungapped.grid(), ungapped.kThreads);
    if (job.min_gapped > 0) {
      // The device's selection (cub::DeviceSelect::Flagged), in order.
      std::vector<uint32_t> selected;
      for (uint32_t e = 0; e < events.size(); ++e)
        if (verdicts[e] != 0) selected.push_back(e);
      const auto n_selected = static_cast<uint32_t>(selected.size());
      job.selected = selected.data();
      job.n_selected = &n_selected;
      const kernels::EventScoreBody<true> banded{job};
      kernels::run_on_host(banded, banded.grid(), banded.kThreads);
      banded_runs += n_selected;
    }
    ++calls;
    scored += events.size();
  }
  int calls = 0;
  uint64_t scored = 0, banded_runs = 0;

 private:
  kernels::EventScoreJob job_;
};

/// Families of proteins: random roots, each with mutated copies (about one
/// residue in `every` substituted, an occasional indel), shuffled.
Sequences protein_families(int roots, int copies, unsigned every, uint64_t seed) {
  std::mt19937_64 rng(seed);
  static const std::string kLetters = "ACDEFGHIKLMNPQRSTVWY";
  std::vector<std::string> seqs;
  for (int r = 0; r < roots; ++r) {
    std::string root;
    const auto n = 40 + rng() % 400;
    for (uint64_t x = 0; x < n; ++x) root += kLetters[rng() % kLetters.size()];
    seqs.push_back(root);
    for (int c = 0; c < copies; ++c) {
      std::string s;
      for (char ch : root) {
        const auto roll = rng() % (every * 8);
        if (roll == 0) continue;                                // deletion
        if (roll == 1) s += kLetters[rng() % kLetters.size()];  // insertion
        s += rng() % every == 0 ? kLetters[rng() % kLetters.size()] : ch;
      }
      seqs.push_back(s);
    }
  }
  std::shuffle(seqs.begin(), seqs.end(), rng);
  std::vector<std::string> ids;
  for (std::size_t k = 0; k < seqs.size(); ++k) ids.push_back(fmt::format("f{}", k));
  FastaReadOptions opt;
  opt.alphabet = Alphabet::protein;
  return sequences_from_strings(ids, seqs, opt);
}

/// Candidates and counts of every row, scored on the CPU or by `scorer`.
align_detail::Candidates scan_all(const Sequences& s, const kernels::ScoreScheme& sc,
                                  const align_detail::PrefilterParams& p, int threads,
                                  align_detail::EventScorer* scorer, PrefilterCounts* counts) {
  align_detail::CandidateScan scan(s, sc, p, threads);
  scan.set_scorer(scorer);
  const auto rows = align_detail::CandidateScan::share_rows(s.size(), {});
  return scan.rows(rows, 0, nullptr, counts);
}

/// The kernel body scores every event: the same candidates and stage
/// counts as the CPU, except that it counts every ungapped pass (the CPU
/// stops at a pair's first passing event), on 1 and 2 threads.
void expect_body_agrees(const Sequences& s, align_detail::PrefilterParams p) {
  const auto sc = align_detail::make_scheme(s.alphabet, AlignOptions{});
  PrefilterCounts want;
  const auto cpu = scan_all(s, sc, p, 2, nullptr, &want);
  ASSERT_GT(want.candidates - want.short_pairs, 0u) << "no seeded candidate: nothing compared";
  for (int threads : {1, 2}) {
    SCOPED_TRACE(fmt::format("{} threads", threads));
    HostEventScorer scorer(s, align_detail::event_score_job(p, sc));
    PrefilterCounts got;
    const auto body = scan_all(s, sc, p, threads, &scorer, &got);
    EXPECT_EQ(body.offsets, cpu.offsets);
    EXPECT_EQ(body.cols, cpu.cols);
    EXPECT_EQ(got.seed_hits, want.seed_hits);
    EXPECT_EQ(got.diagonal_hits, want.diagonal_hits);
    EXPECT_EQ(got.candidates, want.candidates);
    EXPECT_EQ(got.short_pairs, want.short_pairs);
    EXPECT_GE(got.ungapped, want.ungapped);
    EXPECT_EQ(scorer.scored, want.diagonal_hits);  // every event, once
    EXPECT_EQ(scorer.banded_runs, p.min_gapped > 0 ? got.ungapped : 0);
    // More rows than one batch holds: several calls.
    if (s.size() > 64) EXPECT_GT(scorer.calls, 1);
  }
}

}  // namespace

TEST(PrefilterScore, BandedFixedEqualsBandedLocal) {
  // Every diagonal of related and unrelated pairs (the band running off
  // either end), at bars that stop early and one that never does.
  const auto fam = protein_families(6, 3, 4, 51);
  const auto sc = align_detail::make_scheme(Alphabet::protein, AlignOptions{});
  std::vector<int32_t> buf;
  uint64_t compared = 0, stopped = 0;
  for (uint32_t i = 0; i < fam.size(); ++i)
    for (uint32_t j = 0; j < fam.size(); j += 3) {
      const auto ni = static_cast<int32_t>(fam.length(i)), nj = static_cast<int32_t>(fam.length(j));
      for (int32_t d = -nj - 10; d <= ni + 10; d += 7)
        for (int32_t bar : {25, 60, INT32_MAX}) {
          const int32_t want = align_detail::banded_local(fam.data(i), ni, fam.data(j), nj, d,
                                                          kernels::kEventBandW, sc, bar, buf);
          const int32_t got = kernels::banded_local_fixed<kernels::kEventBandW>(
              fam.data(i), ni, fam.data(j), nj, d, sc.m, sc.size, sc.gap_open, sc.gap_extend, bar);
          ASSERT_EQ(got, want) << i << " " << j << " d " << d << " bar " << bar;
          ++compared;
          stopped += bar != INT32_MAX && want >= bar;
        }
    }
  EXPECT_GT(compared, 10000u);
  EXPECT_GT(stopped, 100u) << "no early stop compared";
}

#if defined(__x86_64__) && defined(__GNUC__)
TEST(PrefilterScore, AvxUngappedEqualsScalar) {
  if (!__builtin_cpu_supports("avx2")) GTEST_SKIP() << "no AVX2";
  // Random events of every query (windows cut by either end of the
  // diagonal, empty diagonals, the last sequence's window at the end of
  // the residues), batches of any size, at bars that pass some and most.
  const auto fam = protein_families(8, 3, 4, 58);
  const auto sc = align_detail::make_scheme(Alphabet::protein, AlignOptions{});
  std::mt19937_64 rng(59);
  uint64_t compared = 0, passed = 0;
  std::vector<int16_t> prof;
  for (uint32_t i = 0; i < fam.size(); ++i) {
    const auto ni = static_cast<int32_t>(fam.length(i));
    align_detail::band_profile(fam.data(i), ni, sc, prof);
    std::vector<align_detail::UngappedEvent> events;
    for (int k = 0; k < 61; ++k) {
      const auto j = static_cast<uint32_t>(k < 5 ? fam.size() - 1 : rng() % fam.size());
      const auto nj = static_cast<int32_t>(fam.length(j));
      const int32_t d = static_cast<int32_t>(rng() % static_cast<uint64_t>(ni + nj + 20)) - nj - 10;
      const int32_t x = static_cast<int32_t>(rng() % static_cast<uint64_t>(ni));
      events.push_back({j, d, x});
    }
    for (int32_t w : {48, 3}) {
      for (int32_t bar : {1, 20, 32, 60}) {
        std::vector<uint8_t> got(events.size(), 7);
        align_detail::ungapped_passes_avx2(prof.data(), fam, i, sc, events.data(), events.size(), w,
                                           bar, got.data());
        for (std::size_t k = 0; k < events.size(); ++k) {
          const auto& ev = events[k];
          const bool want = align_detail::ungapped_best(fam.data(i), ni, fam.data(ev.j),
                                                        static_cast<int32_t>(fam.length(ev.j)),
                                                        ev.d, ev.x, w, sc, bar) >= bar;
          ASSERT_EQ(got[k], want ? 1 : 0) << i << " event " << k << " w " << w << " bar " << bar;
          ++compared;
          passed += want;
        }
      }
    }
  }
  EXPECT_GT(compared, 10000u);
  EXPECT_GT(passed, compared / 10);
  EXPECT_LT(passed, compared - compared / 10);
}
#endif

TEST(PrefilterScore, KernelBodyGivesTheCpuCandidatesGenerated) {
  const auto fam = protein_families(40, 4, 5, 52);
  auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 5.0);
  p.short_max = 0;  // the seeded candidates alone
  expect_body_agrees(fam, p);
  // With short pairs, and tiny target blocks of the scan.
  p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 7.0);
  p.scan_block = 5;
  expect_body_agrees(fam, p);
}

TEST(PrefilterScore, KernelBodyGivesTheCpuCandidatesReal) {
  for (const char* rel :
       {"proteins/pfam_Pkinase_seed_ungapped.fasta", "proteins/hmmer_globins45.fasta"}) {
    SCOPED_TRACE(rel);
    const auto path = cleave::test::real_data(rel);
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    const Sequences s = read_fasta(path);
    auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 5.0);
    p.short_max = 0;
    expect_body_agrees(s, p);
  }
}

TEST(PrefilterScore, KernelBodyGivesTheCpuCandidatesDna) {
  // No banded stage for DNA: the ungapped score decides.
  const auto s = seqtest::random_sequences(150, 200, 400, "ACGT", Alphabet::dna, 53);
  std::vector<std::string> ids, seqs;
  std::mt19937_64 rng(54);
  for (std::size_t k = 0; k < s.size(); ++k) {
    std::string t = s.letters(k);
    ids.push_back(fmt::format("d{}", k));
    seqs.push_back(t);
    for (char& c : t)
      if (rng() % 12 == 0) c = "ACGT"[rng() % 4];
    ids.push_back(fmt::format("m{}", k));
    seqs.push_back(t);
  }
  FastaReadOptions opt;
  opt.alphabet = Alphabet::dna;
  const auto dna = sequences_from_strings(ids, seqs, opt);
  const auto p = align_detail::prefilter_params(Alphabet::dna, IdentityKind::full, 0.8, 5.0);
  ASSERT_EQ(p.min_gapped, 0);
  expect_body_agrees(dna, p);
}

TEST(PrefilterScore, ScorerOnlyForTheKernelsBand) {
  const auto fam = protein_families(3, 2, 5, 55);
  const auto sc = align_detail::make_scheme(Alphabet::protein, AlignOptions{});
  auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 5.0);
  EXPECT_TRUE(align_detail::event_kernel_fits(p));
  p.gapped_band = kernels::kEventBandW - 1;
  EXPECT_FALSE(align_detail::event_kernel_fits(p));
  HostEventScorer scorer(fam, align_detail::event_score_job(p, sc));
  align_detail::CandidateScan scan(fam, sc, p, 1);
  EXPECT_THROW(scan.set_scorer(&scorer), cleave::error);
  scan.set_scorer(nullptr);  // back to the CPU: always allowed
  p.min_gapped = 0;          // no banded stage: any band fits
  EXPECT_TRUE(align_detail::event_kernel_fits(p));
}

#if CLEAVE_HAVE_CUDA
// The device's verdicts against the body's on the events of a real scan
// and on random events past one launch (2^22), the band off both ends.
TEST(GpuPrefilterScore, CudaVerdictsEqualTheKernelBody) {
  if (!cuda_available()) GTEST_SKIP() << "no usable CUDA device";
  const auto fam = protein_families(60, 4, 5, 56);
  const auto sc = align_detail::make_scheme(Alphabet::protein, AlignOptions{});
  auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 5.0);
  const auto job = align_detail::event_score_job(p, sc);
  std::mt19937_64 rng(57);
  std::vector<kernels::PrefilterEvent> events((std::size_t{1} << 22) + 12345);
  for (auto& e : events) {
    e.i = static_cast<uint32_t>(rng() % fam.size());
    e.j = static_cast<uint32_t>(rng() % fam.size());
    const auto ni = static_cast<int32_t>(fam.length(e.i)),
               nj = static_cast<int32_t>(fam.length(e.j));
    e.d = static_cast<int32_t>(rng() % static_cast<uint64_t>(ni + nj)) - nj;
    e.x = static_cast<int32_t>(rng() % static_cast<uint64_t>(ni));
  }
  HostEventScorer host(fam, job);
  const auto gpu = align_detail::make_cuda_event_scorer(fam, job);
  std::vector<uint8_t> want, got;
  host.score(events, want);
  gpu->score(events, got);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
  EXPECT_GT(std::count(want.begin(), want.end(), kernels::kEventUngapped | kernels::kEventGapped),
            0);
  // And the whole scan through the device.
  PrefilterCounts a, b;
  const auto cpu = scan_all(fam, sc, p, 2, nullptr, &a);
  const auto dev = scan_all(fam, sc, p, 2, gpu.get(), &b);
  EXPECT_EQ(dev.offsets, cpu.offsets);
  EXPECT_EQ(dev.cols, cpu.cols);
}
#endif
