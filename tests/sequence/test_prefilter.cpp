/// @file test_prefilter.cpp
/// @brief The seed prefilter against a direct restatement of its rules (every
/// seed pair of every sequence pair enumerated, no index, no per-target
/// state), the exact length bound, thread independence, the prefiltered
/// graph against the exhaustive one on real proteins, and a Context's cancel
/// hook polled while the prefilter and its alignments run, and per row of an
/// exhaustive tile.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cleave/context.hpp"
#include "cleave/dataset.hpp"
#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "seq_test_util.hpp"
#include "similarity/align_common.hpp"
#include "similarity/seq_prefilter.hpp"

using namespace cleave;

namespace {

/// Seed code of window x of s for one pattern, or -1 where it holds a
/// residue that breaks seeds. Reduced letters by group, written out again.
long long direct_code(const Sequences& s, const std::string& letters, uint32_t x,
                      const std::string& pattern) {
  if (x + pattern.size() > letters.size()) return -1;
  static const char* kGroups[] = {"LVIM", "C", "A", "G", "ST", "P", "FYW", "EDNQBZ", "KR", "H"};
  long long code = 0;
  for (std::size_t k = 0; k < pattern.size(); ++k) {
    if (pattern[k] != '1') continue;
    const char c = letters[x + k];
    int r = -1;
    if (s.alphabet == Alphabet::dna) {
      const auto at = std::string("ACGT").find(c);
      r = at == std::string::npos ? -1 : static_cast<int>(at);
    } else {
      for (int g = 0; g < 10; ++g)
        if (std::string(kGroups[g]).find(c) != std::string::npos) r = g;
    }
    if (r < 0) return -1;
    code = code * (s.alphabet == Alphabet::dna ? 4 : 10) + r;
  }
  return code;
}

/// Seed codes of every sequence, per pattern: at each position, and the
/// positions of each code in increasing order.
struct DirectCodes {
  std::vector<std::vector<std::vector<long long>>> at;  ///< [sequence][pattern][position]
  std::vector<std::vector<std::map<long long, std::vector<uint32_t>>>> where;
};

DirectCodes direct_codes(const Sequences& s, const std::vector<std::string>& patterns) {
  DirectCodes c;
  c.at.resize(s.size());
  c.where.resize(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::string letters = s.letters(i);
    for (const auto& pattern : patterns) {
      auto& at = c.at[i].emplace_back();
      auto& where = c.where[i].emplace_back();
      for (uint32_t x = 0; x < s.length(i); ++x) {
        at.push_back(direct_code(s, letters, x, pattern));
        if (at.back() >= 0) where[at.back()].push_back(x);
      }
    }
  }
  return c;
}

/// Best ungapped segment on diagonal d, every start and end tried, within
/// the 2w + 1 positions around x, moved inside the diagonal.
int32_t direct_ungapped(const Sequences& s, std::size_t i, std::size_t j, int32_t d, int32_t x,
                        int32_t w, const kernels::ScoreScheme& sc) {
  // The diagonal's positions of i, then the window moved to fit.
  std::vector<int32_t> rows;
  for (int32_t r = 0; r < static_cast<int32_t>(s.length(i)); ++r)
    if (r - d >= 0 && r - d < static_cast<int32_t>(s.length(j))) rows.push_back(r);
  int32_t lo = x - w, hi = x + w + 1;
  while (lo < rows.front() && hi < rows.back() + 1) ++lo, ++hi;
  while (hi > rows.back() + 1 && lo > rows.front()) --lo, --hi;
  lo = std::max(lo, rows.front());
  hi = std::min(hi, rows.back() + 1);
  int32_t best = 0;
  for (int32_t x0 = lo; x0 < hi; ++x0) {
    int32_t run = 0;
    for (int32_t x = x0; x < hi; ++x) {
      const int32_t y = x - d;
      if (x < 0 || x >= static_cast<int32_t>(s.length(i)) || y < 0 ||
          y >= static_cast<int32_t>(s.length(j)))
        break;
      run += sc.score(s.data(i)[x], s.data(j)[y]);
      best = std::max(best, run);
    }
  }
  return best;
}

/// Smith-Waterman on full matrices with every cell more than w diagonals
/// from d forbidden (H = 0, no gap state there).
int32_t direct_banded(const Sequences& s, std::size_t i, std::size_t j, int32_t d, int32_t w,
                      const kernels::ScoreScheme& sc) {
  const int32_t n1 = static_cast<int32_t>(s.length(i)), n2 = static_cast<int32_t>(s.length(j));
  const int32_t neg = kernels::kNegInf32;
  std::vector<std::vector<int32_t>> h(n1 + 1, std::vector<int32_t>(n2 + 1, 0)), e = h, f = h;
  int32_t best = 0;
  for (int32_t x = 0; x <= n1; ++x)
    for (int32_t y = 0; y <= n2; ++y) {
      e[x][y] = f[x][y] = neg;
      if (x == 0 || y == 0 || std::abs((x - 1) - (y - 1) - d) > w) continue;
      f[x][y] = std::max(h[x - 1][y] - sc.gap_open, f[x - 1][y] - sc.gap_extend);
      e[x][y] = std::max(h[x][y - 1] - sc.gap_open, e[x][y - 1] - sc.gap_extend);
      h[x][y] = std::max(
          {0, h[x - 1][y - 1] + sc.score(s.data(i)[x - 1], s.data(j)[y - 1]), e[x][y], f[x][y]});
      best = std::max(best, h[x][y]);
    }
  return best;
}

/// The rules of seq_prefilter.hpp for one pair: seed hits in (query
/// position, pattern, target position) order; a hit is a diagonal hit when
/// one of the pair's 4 hits before it lies at another query position within
/// `band` diagonals, and it is an event unless it lies within `band` of the
/// previous event's diagonal; the pair passes when an event's ungapped score
/// (in the window around it) and banded score both reach their bars.
bool direct_candidate(const Sequences& s, std::size_t i, std::size_t j,
                      const align_detail::PrefilterParams& p, const kernels::ScoreScheme& sc,
                      const DirectCodes& codes, align_detail::PrefilterCounts& counts) {
  const uint32_t ni = s.length(i), nj = s.length(j);
  if (std::min(ni, nj) < p.length_ratio * std::max(ni, nj)) return false;
  struct Hit {
    int32_t x, d;
  };
  std::vector<Hit> hits;
  for (uint32_t x = 0; x < ni; ++x)
    for (std::size_t q = 0; q < p.patterns.size(); ++q) {
      const long long cx = codes.at[i][q][x];
      if (cx < 0) continue;
      const auto at = codes.where[j][q].find(cx);
      if (at == codes.where[j][q].end()) continue;
      for (uint32_t y : at->second)
        hits.push_back(
            {static_cast<int32_t>(x), static_cast<int32_t>(x) - static_cast<int32_t>(y)});
    }
  counts.seed_hits += hits.size();
  bool have_event = false, pass = false;
  int32_t event_d = 0;
  for (std::size_t h = 0; h < hits.size(); ++h) {
    const Hit& b = hits[h];
    bool twice = false;
    for (std::size_t r = h >= 4 ? h - 4 : 0; r < h; ++r)
      twice = twice || (hits[r].x != b.x && std::abs(b.d - hits[r].d) <= p.band);
    if (!twice || (have_event && std::abs(b.d - event_d) <= p.band)) continue;
    have_event = true;
    event_d = b.d;
    ++counts.diagonal_hits;
    pass = pass ||
           (direct_ungapped(s, i, j, b.d, b.x, p.window, sc) >= p.min_ungapped &&
            (p.min_gapped == 0 || direct_banded(s, i, j, b.d, p.gapped_band, sc) >= p.min_gapped));
  }
  return pass;
}

/// The short-pair length of seq_prefilter.hpp by brute force: every
/// distinct length L in turn, the cells of every pair of sequences of at
/// most L residues summed pair by pair.
uint32_t direct_pair_length(const Sequences& s, uint64_t budget) {
  std::set<uint32_t> lengths;
  for (std::size_t i = 0; i < s.size(); ++i) lengths.insert(s.length(i));
  uint32_t best = 0;
  for (uint32_t L : lengths) {
    uint64_t cells = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t j = i + 1; j < s.size(); ++j)
        if (s.length(i) <= L && s.length(j) <= L) cells += uint64_t{s.length(i)} * s.length(j);
    if (cells > budget) break;
    best = L;
  }
  return best;
}

uint32_t direct_short_length(const Sequences& s, const align_detail::PrefilterParams& p) {
  if (p.short_max == 0 || p.short_cells == 0) return 0;
  return std::min(direct_pair_length(s, p.short_cells), p.short_max);
}

/// Whether (i, j) is a short pair: both non-empty, both at most the short
/// length, within the length bound.
bool direct_short(const Sequences& s, std::size_t i, std::size_t j, uint32_t short_len,
                  const align_detail::PrefilterParams& p) {
  const uint32_t ni = s.length(i), nj = s.length(j);
  return ni > 0 && nj > 0 && ni <= short_len && nj <= short_len &&
         !(std::min(ni, nj) < p.length_ratio * std::max(ni, nj));
}

void expect_direct(const Sequences& s, const align_detail::PrefilterParams& p) {
  AlignOptions opt;
  const auto sc = align_detail::make_scheme(s.alphabet, opt);
  align_detail::PrefilterCounts counts;
  const auto c = align_detail::prefilter_candidates(s, sc, p, 2, false, &counts);
  ASSERT_EQ(c.offsets.size(), s.size() + 1);
  EXPECT_EQ(counts.candidates, c.count());
  const DirectCodes codes = direct_codes(s, p.patterns);
  align_detail::PrefilterCounts direct;
  const uint32_t short_len = direct_short_length(s, p);
  uint64_t found = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::vector<uint32_t> want;
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      const bool seeded = direct_candidate(s, i, j, p, sc, codes, direct);
      if (direct_short(s, i, j, short_len, p)) ++direct.short_pairs;
      if (seeded || direct_short(s, i, j, short_len, p)) want.push_back(static_cast<uint32_t>(j));
    }
    const std::vector<uint32_t> got(c.cols.begin() + static_cast<int64_t>(c.offsets[i]),
                                    c.cols.begin() + static_cast<int64_t>(c.offsets[i + 1]));
    ASSERT_EQ(got, want) << "query " << i << " seeds " << p.patterns.size();
    found += got.size();
  }
  // Every seed hit and every (pair, diagonal) event, not only the outcome.
  EXPECT_EQ(counts.seed_hits, direct.seed_hits);
  EXPECT_EQ(counts.diagonal_hits, direct.diagonal_hits);
  EXPECT_EQ(counts.short_pairs, direct.short_pairs);
  EXPECT_GT(found, 0u) << "the test data makes no candidate at all";
  EXPECT_LT(found, s.size() * (s.size() - 1) / 2) << "the filter drops nothing";
  // The same on one thread, and with the targets scanned in small blocks.
  const auto one = align_detail::prefilter_candidates(s, sc, p, 1, false);
  EXPECT_EQ(one.cols, c.cols);
  EXPECT_EQ(one.offsets, c.offsets);
  for (uint32_t block : {1u, 3u}) {
    auto pb = p;
    pb.scan_block = block;
    const auto b = align_detail::prefilter_candidates(s, sc, pb, 2, false);
    EXPECT_EQ(b.cols, c.cols) << "block " << block;
    EXPECT_EQ(b.offsets, c.offsets) << "block " << block;
  }
}

/// The sequences of s, then `extra` (letters), as one set.
Sequences with_extra(const Sequences& s, const std::vector<std::string>& extra) {
  std::vector<std::string> ids, seqs;
  for (std::size_t i = 0; i < s.size(); ++i) {
    ids.push_back("s" + std::to_string(i));
    seqs.push_back(s.letters(i));
  }
  for (const auto& e : extra) {
    ids.push_back("x" + std::to_string(ids.size()));
    seqs.push_back(e);
  }
  FastaReadOptions opt;
  opt.alphabet = s.alphabet;
  return sequences_from_strings(ids, seqs, opt);
}

/// A copy of `base` with about one residue in `every` substituted.
std::string mutated(const std::string& base, std::mt19937_64& rng, unsigned every) {
  static const std::string kLetters = "ACDEFGHIKLMNPQRSTVWY";
  std::string s = base;
  for (char& c : s)
    if (rng() % every == 0) c = kLetters[rng() % kLetters.size()];
  return s;
}

/// A random protein of n residues followed, before and after it, by
/// mutated copies of its first and last 150 residues: hits on diagonals
/// within a few residues of +-(n - 150) and near 0.
Sequences long_set(uint32_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  static const std::string kLetters = "ACDEFGHIKLMNPQRSTVWY";
  std::string big;
  for (uint32_t x = 0; x < n; ++x) big += kLetters[rng() % kLetters.size()];
  const std::string head = big.substr(0, 150), tail = big.substr(n - 150);
  std::string other;
  for (int x = 0; x < 150; ++x) other += kLetters[rng() % kLetters.size()];
  const std::vector<std::string> seqs = {mutated(tail, rng, 8), big, mutated(head, rng, 8),
                                         mutated(tail, rng, 6), other};
  std::vector<std::string> ids;
  for (std::size_t k = 0; k < seqs.size(); ++k) ids.push_back("l" + std::to_string(k));
  FastaReadOptions opt;
  opt.alphabet = Alphabet::protein;
  return sequences_from_strings(ids, seqs, opt);
}

}  // namespace

TEST(SeqPrefilter, EqualsDirectRulesProtein) {
  // Families of mutated copies with indels, X breaking seeds, B/Z reduced.
  const auto s =
      seqtest::random_sequences(36, 8, 70, "ARNDCQEGHILKMFPSTWYVBZX", Alphabet::protein, 31);
  for (double sens : {1.0, 3.0, 5.0, 9.0}) {
    auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, sens);
    p.short_max = 0;  // the seed rules alone
    // The random families score low; bars that keep the test selective.
    p.min_ungapped = 12;
    p.min_gapped = 25;
    p.window = 10;
    p.gapped_band = 3;
    expect_direct(s, p);
  }
  auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::aligned, 0.3, 5.0);
  p.short_max = 0;  // the seed rules alone
  EXPECT_EQ(p.length_ratio, 0.0);
  p.band = 0;
  p.min_ungapped = 0;
  p.min_gapped = 0;
  expect_direct(s, p);
}

TEST(SeqPrefilter, ShortPairsSkipTheSeeds) {
  // Families of 20 to 200 residues; the budget admits the pairs of the
  // shorter part only: exactly those pairs are added to what the seeds
  // pass, the same on 1 and 2 threads and in any scan block.
  const auto s =
      seqtest::random_sequences(60, 20, 200, "ACDEFGHIKLMNPQRSTVWY", Alphabet::protein, 38);
  auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 5.0);
  EXPECT_EQ(p.short_max, 100u);
  EXPECT_GT(p.short_cells, 0u);
  p.short_cells = 300'000;
  const uint32_t L = direct_short_length(s, p);
  uint32_t shortest = UINT32_MAX;
  for (std::size_t i = 0; i < s.size(); ++i) shortest = std::min(shortest, s.length(i));
  ASSERT_GT(L, shortest) << "the budget admits no pair";
  ASSERT_LT(L, 100u) << "the budget is not what limits the short length";
  EXPECT_EQ(align_detail::short_pair_length(s, p.short_cells), L);
  expect_direct(s, p);
  // Some short pair is a candidate that the seeds alone do not pass.
  auto seeds_only = p;
  seeds_only.short_max = 0;
  const auto sc = align_detail::make_scheme(s.alphabet, AlignOptions{});
  align_detail::PrefilterCounts with, without;
  const auto c = align_detail::prefilter_candidates(s, sc, p, 2, false, &with);
  const auto c0 = align_detail::prefilter_candidates(s, sc, seeds_only, 2, false, &without);
  EXPECT_GT(with.short_pairs, 0u);
  EXPECT_EQ(without.short_pairs, 0u);
  EXPECT_GT(c.count(), c0.count());
  EXPECT_EQ(with.seed_hits, without.seed_hits);
  // short_pair_length against the brute force at and around each cost.
  for (uint64_t budget : {uint64_t{0}, uint64_t{399}, uint64_t{400}, uint64_t{1'000'000},
                          uint64_t{3'000'000}, uint64_t{1} << 40})
    EXPECT_EQ(align_detail::short_pair_length(s, budget), direct_pair_length(s, budget)) << budget;
}

TEST(SeqPrefilter, LargeInputsTakeHeavierSeeds) {
  const auto s =
      seqtest::random_sequences(40, 10, 80, "ARNDCQEGHILKMFPSTWYVBZX", Alphabet::protein, 40);
  const auto sc = align_detail::make_scheme(s.alphabet, AlignOptions{});
  // The settings: weight-6 shapes beside the weight-5 ones at sensitivity 3
  // to 6, budgets doubling with the knob; none at the ends of the scale.
  for (double sens : {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 9.0}) {
    const auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, sens);
    if (sens < 3 || sens >= 7) {
      EXPECT_TRUE(p.large_patterns.empty()) << sens;
      continue;
    }
    EXPECT_EQ(p.large_patterns.size(), sens >= 5 ? 6u : 4u) << sens;
    EXPECT_EQ(p.large_patterns.size(), 2 * p.patterns.size()) << sens;
    for (const auto& pattern : p.large_patterns)
      EXPECT_EQ(std::count(pattern.begin(), pattern.end(), '1'), 6) << pattern;
    EXPECT_EQ(p.hit_budget, static_cast<uint64_t>(std::ldexp(1e10, int(sens) - 5))) << sens;
  }
  EXPECT_TRUE(align_detail::prefilter_params(Alphabet::dna, IdentityKind::full, 0.9, 5.0)
                  .large_patterns.empty());

  auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 5.0);
  p.short_max = 0;  // the seed rules alone
  p.min_ungapped = 12;
  p.min_gapped = 25;
  p.window = 10;
  p.gapped_band = 3;
  // The estimate against every pair of positions compared code by code:
  // of the whole input (pairs within a sequence too), and of queries
  // against targets as a search stores them.
  const DirectCodes codes = direct_codes(s, p.patterns);
  const uint32_t nq = 15;
  uint64_t all = 0, cross = 0;
  for (std::size_t q = 0; q < p.patterns.size(); ++q)
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t j = i; j < s.size(); ++j)
        for (uint32_t x = 0; x < s.length(i); ++x)
          for (uint32_t y = i == j ? x + 1 : 0; y < s.length(j); ++y) {
            const long long a = codes.at[i][q][x];
            if (a < 0 || a != codes.at[j][q][y]) continue;
            ++all;
            cross += i < nq && j >= nq;
          }
  ASSERT_GT(cross, 0u);
  EXPECT_EQ(align_detail::seed_hit_estimate(s, true, p.patterns), all);
  EXPECT_EQ(align_detail::seed_hit_estimate(s, true, p.patterns, {nq, nq}), cross);
  // An upper estimate of the hits the scan makes.
  align_detail::PrefilterCounts counts;
  auto defaults = p;
  defaults.large_patterns.clear();
  align_detail::prefilter_candidates(s, sc, defaults, 2, false, &counts);
  EXPECT_GE(all, counts.seed_hits);
  EXPECT_GT(counts.seed_hits, 0u);

  // The choice: the default seeds up to the budget, the large ones past it.
  uint64_t estimate = 0;
  p.hit_budget = all;
  auto settled = align_detail::settle_seeds(s, p, {}, &estimate);
  EXPECT_EQ(estimate, all);
  EXPECT_EQ(settled.patterns, p.patterns);
  EXPECT_TRUE(settled.large_patterns.empty());
  p.hit_budget = all - 1;
  settled = align_detail::settle_seeds(s, p);
  EXPECT_EQ(settled.patterns, p.large_patterns);
  // The candidates past the budget are those of the large seeds as the only
  // seeds, which are the direct rules' with those seeds.
  auto large = p;
  large.patterns = p.large_patterns;
  large.large_patterns.clear();
  const auto c = align_detail::prefilter_candidates(s, sc, p, 2, false);
  const auto want = align_detail::prefilter_candidates(s, sc, large, 1, false);
  EXPECT_EQ(c.cols, want.cols);
  EXPECT_EQ(c.offsets, want.offsets);
  expect_direct(s, large);
  // And up to it, the default seeds'.
  p.hit_budget = all;
  const auto d = align_detail::prefilter_candidates(s, sc, p, 2, false);
  const auto d_want = align_detail::prefilter_candidates(s, sc, defaults, 2, false);
  EXPECT_EQ(d.cols, d_want.cols);
  EXPECT_NE(d.cols, c.cols) << "the two seed sets make the same candidates here";
}

TEST(SeqPrefilter, EqualsDirectRulesDna) {
  const auto s = seqtest::random_sequences(30, 10, 90, "ACGTN", Alphabet::dna, 32);
  for (double sens : {1.0, 9.0}) {
    auto p = align_detail::prefilter_params(Alphabet::dna, IdentityKind::full, 0.8, sens);
    p.patterns = {"1111011", "110111"};
    p.min_ungapped = 10;
    p.min_gapped = sens > 5 ? 20 : 0;
    expect_direct(s, p);
  }
}

TEST(SeqPrefilter, DiagonalScoresEqualFullMatrices) {
  // Both scores on every diagonal of short pairs (down to one residue),
  // bands reaching past either end, against the restatements; and stopped
  // at a bar (1, exactly the best, one above it), the same verdict with the
  // exact best below it. The banded score both ways: banded_local, the
  // scalar reference, and the AVX2 lanes on the query profile (where the
  // machine has AVX2; "no bar" is its largest bar there, far above any
  // score of these pairs).
  const std::string letters = "ACDEFGHIKLMNPQRSTVWY";
  int64_t simd_runs = 0;
  for (const auto& s : {seqtest::random_sequences(12, 5, 40, letters, Alphabet::protein, 38),
                        seqtest::random_sequences(10, 1, 4, letters, Alphabet::protein, 39)}) {
    std::vector<int32_t> buf;
    // Default costs, an extension dearer than an opening, and equal ones.
    for (auto [open, ext] : {std::pair{-1, -1}, std::pair{1, 5}, std::pair{3, 3}}) {
      AlignOptions opt;
      opt.gap_open = open;
      opt.gap_extend = ext;
      const auto sc = align_detail::make_scheme(s.alphabet, opt);
      std::vector<int16_t> prof;
      for (std::size_t i = 0; i < s.size(); ++i)
        for (std::size_t j = 0; j < s.size(); ++j) {
          const auto ni = static_cast<int32_t>(s.length(i)), nj = static_cast<int32_t>(s.length(j));
          align_detail::band_profile(s.data(i), ni, sc, prof);
          // The score of one way, 0 the reference, 1 the AVX2 lanes.
          const auto banded = [&](int way, int32_t d, int32_t w, int32_t bar) {
#if defined(__x86_64__) && defined(__GNUC__)
            if (way == 1)
              return align_detail::banded_local_avx2(prof.data(), ni, s.data(j), nj, d, w, sc,
                                                     std::min(bar, align_detail::kBandSimdMaxBar));
#endif
            return align_detail::banded_local(s.data(i), ni, s.data(j), nj, d, w, sc, bar, buf);
          };
          for (int32_t d = -nj + 1; d < ni; ++d)
            for (int32_t w : {0, 1, 3, 8}) {
              const int32_t want = direct_banded(s, i, j, d, w, sc);
              for (int way = 0; way < 2; ++way) {
                if (way == 1 && !align_detail::band_simd_fits(w, sc, 1)) continue;
                simd_runs += way;
                const int32_t full = banded(way, d, w, INT32_MAX);
                ASSERT_EQ(full, want) << way << ": " << i << " " << j << " " << d << " " << w;
                for (int32_t bar : {1, full, full + 1}) {
                  if (way == 1 && bar < 1) continue;
                  const int32_t got = banded(way, d, w, bar);
                  ASSERT_EQ(got >= bar, full >= bar) << way << ": " << bar;
                  if (full < bar) ASSERT_EQ(got, full) << way << ": " << bar;
                }
              }
              const int32_t x = std::clamp(d + w, 0, ni - 1);
              const int32_t ung =
                  align_detail::ungapped_best(s.data(i), ni, s.data(j), nj, d, x, w, sc, INT32_MAX);
              ASSERT_EQ(ung, direct_ungapped(s, i, j, d, x, w, sc)) << i << " " << j << " " << d;
              for (int32_t bar : {1, ung, ung + 1}) {
                const int32_t got =
                    align_detail::ungapped_best(s.data(i), ni, s.data(j), nj, d, x, w, sc, bar);
                ASSERT_EQ(got >= bar, ung >= bar);
                if (ung < bar) ASSERT_EQ(got, ung);
              }
            }
        }
    }
  }
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2")) EXPECT_GT(simd_runs, 0);
#endif
}

TEST(SeqPrefilter, RepeatsEqualDirectRules) {
  // Low-complexity sequences give a target many hits at one query position
  // (every pattern, every repeat) and push hits out of the 4-hit memory:
  // which earlier hits lie at another position must stay exact.
  const auto base =
      seqtest::random_sequences(24, 20, 60, "ACDEFGHIKLMNPQRSTVWY", Alphabet::protein, 35);
  std::string lv, st, mixed;
  for (int k = 0; k < 12; ++k) lv += "LLVIM", st += "STSTG", mixed += k % 3 ? "LVKR" : "STAP";
  const auto s = with_extra(base, {lv, lv.substr(3) + "KRKR", st, st + lv.substr(0, 20), mixed,
                                   mixed.substr(2) + st.substr(0, 10)});
  for (int32_t band : {0, 1, 2}) {
    auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::aligned, 0.3, 5.0);
    p.short_max = 0;  // the seed rules alone
    p.band = band;
    p.min_ungapped = 12;
    p.min_gapped = 25;
    p.window = 10;
    p.gapped_band = 3;
    expect_direct(s, p);
  }
}

TEST(SeqPrefilter, LongSequencesEqualDirectRules) {
  // 32,767 residues: the longest kept in 16-bit diagonals and positions,
  // hits near both ends of that range; 32,768 and 70,000 (past 2^16): the
  // 32-bit memory. The rules are the same in all three.
  for (uint32_t n : {32767u, 32768u, 70000u}) {
    const auto s = long_set(n, 36 + n);
    auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::aligned, 0.3, 5.0);
    p.min_ungapped = 60;
    p.min_gapped = 0;  // the full-matrix restatement of the banded score is too slow here
    expect_direct(s, p);
    // The pairs of the long sequence with the copies of its ends (a
    // random 150 residues may meet it too, by chance).
    const auto sc = align_detail::make_scheme(s.alphabet, AlignOptions{});
    const auto c = align_detail::prefilter_candidates(s, sc, p, 1, false);
    const auto has = [&](uint32_t i, uint32_t j) {
      return std::find(c.cols.begin() + static_cast<int64_t>(c.offsets[i]),
                       c.cols.begin() + static_cast<int64_t>(c.offsets[i + 1]),
                       j) != c.cols.begin() + static_cast<int64_t>(c.offsets[i + 1]);
    };
    EXPECT_TRUE(has(0, 1) && has(1, 2) && has(1, 3) && has(0, 3)) << n;
  }
}

TEST(SeqPrefilter, TargetBlocksLeaveEveryCountAlone) {
  // Blocks of any size, also cut inside a run of one target's postings and
  // with a query range as search sets it: the same candidates and counts.
  const auto s =
      seqtest::random_sequences(300, 15, 90, "ARNDCQEGHILKMFPSTWYVBZX", Alphabet::protein, 37);
  const auto sc = align_detail::make_scheme(s.alphabet, AlignOptions{});
  auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 9.0);
  p.short_max = 0;  // the seed rules alone
  p.min_ungapped = 12;
  p.min_gapped = 25;
  for (align_detail::PrefilterRange range :
       {align_detail::PrefilterRange{}, align_detail::PrefilterRange{120, 120, 0, 1},
        align_detail::PrefilterRange{UINT32_MAX, 0, 1, 2}}) {
    align_detail::PrefilterCounts want;
    const auto c = align_detail::prefilter_candidates(s, sc, p, 2, false, &want, range);
    ASSERT_GT(c.count(), 0u);
    for (uint32_t block : {1u, 2u, 7u, 64u, 299u, 300u}) {
      auto pb = p;
      pb.scan_block = block;
      align_detail::PrefilterCounts got;
      const auto b = align_detail::prefilter_candidates(s, sc, pb, 2, false, &got, range);
      EXPECT_EQ(b.cols, c.cols) << block;
      EXPECT_EQ(b.offsets, c.offsets) << block;
      EXPECT_EQ(got.seed_hits, want.seed_hits) << block;
      EXPECT_EQ(got.diagonal_hits, want.diagonal_hits) << block;
      EXPECT_EQ(got.ungapped, want.ungapped) << block;
      EXPECT_EQ(got.candidates, want.candidates) << block;
    }
  }
}

TEST(SeqPrefilter, LengthBoundIsExactForFullIdentity) {
  // A pair whose shorter/longer ratio is below the threshold cannot reach
  // it: matches <= shorter length, columns >= longer length.
  const auto s =
      seqtest::random_sequences(40, 5, 120, "ACDEFGHIKLMNPQRSTVWY", Alphabet::protein, 33);
  AlignOptions opt;
  opt.identity = IdentityKind::full;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      const double ratio =
          double(std::min(s.length(i), s.length(j))) / double(std::max(s.length(i), s.length(j)));
      const auto r = align_pair(s, i, j, opt);
      EXPECT_LE(alignment_identity(r, s.length(i), s.length(j), IdentityKind::full), ratio);
    }
  const auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.45, 5.0);
  EXPECT_EQ(p.length_ratio, 0.45);
}

TEST(SeqPrefilter, RejectsBadSettings) {
  EXPECT_THROW(align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 0.5),
               cleave::error);
  EXPECT_THROW(align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 10.0),
               cleave::error);
  const auto s = seqtest::random_sequences(4, 10, 20, "ACDE", Alphabet::protein, 34);
  const auto sc = align_detail::make_scheme(s.alphabet, AlignOptions{});
  auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 5.0);
  p.patterns = {"11111111"};  // 10^8 codes: more than a dense index holds
  EXPECT_THROW(align_detail::prefilter_candidates(s, sc, p, 1, false), cleave::error);
  p.patterns = {"0111"};
  EXPECT_THROW(align_detail::prefilter_candidates(s, sc, p, 1, false), cleave::error);
  p.patterns = {"1x1"};
  EXPECT_THROW(align_detail::prefilter_candidates(s, sc, p, 1, false), cleave::error);
  p.patterns.clear();
  EXPECT_THROW(align_detail::prefilter_candidates(s, sc, p, 1, false), cleave::error);
}

TEST(SeqPrefilter, GraphOnRealProteinsKeepsExhaustiveEdges) {
  const auto path = cleave::test::real_data("proteins/pfam_Pkinase_seed_ungapped.fasta");
  const auto path2 = cleave::test::real_data("proteins/hmmer_globins45.fasta");
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  ASSERT_TRUE(std::filesystem::exists(path2)) << path2;
  Progress::set_quiet(true);
  for (const auto& file : {path, path2}) {
    const Sequences s = read_fasta(file);
    AlignOptions opt;
    opt.backend = Backend::cpu;
    opt.progress = false;
    opt.threshold = 0.3;
    opt.search = SearchMode::exhaustive;
    const Graph full = sequence_graph(s, opt);
    opt.search = SearchMode::prefilter;
    const Graph pre = sequence_graph(s, opt);
    ASSERT_GT(full.num_edges(), 10u);
    EXPECT_EQ(pre.meta().n_pairs, full.meta().n_pairs);
    EXPECT_EQ(pre.meta().histogram.total(), full.meta().n_pairs);
    // Every prefiltered edge is an exhaustive edge with the same weight;
    // these families are close, so (nearly) every edge is found.
    std::map<std::pair<uint64_t, uint64_t>, float> want;
    for (uint64_t u = 0; u < full.num_nodes(); ++u)
      for (uint64_t e = full.offsets()[u]; e < full.offsets()[u + 1]; ++e)
        want[{u, full.columns()[e]}] = full.weights()[e];
    for (uint64_t u = 0; u < pre.num_nodes(); ++u)
      for (uint64_t e = pre.offsets()[u]; e < pre.offsets()[u + 1]; ++e) {
        const auto it = want.find({u, pre.columns()[e]});
        ASSERT_NE(it, want.end());
        EXPECT_EQ(it->second, pre.weights()[e]);
      }
    EXPECT_GE(double(pre.num_edges()), 0.95 * double(full.num_edges())) << file;
    // Search automatic picks the exhaustive path for inputs this small.
    opt.search = SearchMode::automatic;
    EXPECT_EQ(sequence_graph(s, opt).num_edges(), full.num_edges());
  }
}

namespace {

void expect_same_graph(const Graph& a, const Graph& b) {
  ASSERT_EQ(a.num_nodes(), b.num_nodes());
  ASSERT_EQ(a.num_edges(), b.num_edges());
  EXPECT_TRUE(std::equal(a.offsets().begin(), a.offsets().end(), b.offsets().begin()));
  EXPECT_TRUE(std::equal(a.columns().begin(), a.columns().end(), b.columns().begin()));
  EXPECT_TRUE(std::equal(a.weights().begin(), a.weights().end(), b.weights().begin()));
  EXPECT_EQ(a.meta().histogram.counts, b.meta().histogram.counts);
  EXPECT_EQ(a.meta().parameters, b.meta().parameters);
  EXPECT_EQ(a.ids(), b.ids());
}

/// Builds the graph with a hook that cancels on its stop_at-th poll; the
/// polls made.
uint64_t cancelled_build(const Dataset& data, const DatasetOptions& o, Context ctx,
                         uint64_t stop_at) {
  std::atomic<uint64_t> polls{0};
  ctx.cancelled = [&] { return ++polls >= stop_at; };
  try {
    dataset_graph(data, o, ctx);
    ADD_FAILURE() << "not cancelled at poll " << stop_at;
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), errc::cancelled) << e.what();
  }
  return polls.load();
}

}  // namespace

TEST(SeqPrefilter, CancelHookStopsAPrefilteredGraph) {
  Progress::set_quiet(true);
  const Sequences s =
      seqtest::random_sequences(500, 60, 160, "ACDEFGHIKLMNPQRSTVWY", Alphabet::protein, 71);
  std::vector<std::string> ids, letters;
  for (std::size_t k = 0; k < s.size(); ++k) {
    ids.push_back(s.samples.ids[k]);
    letters.push_back(s.letters(k));
  }
  DatasetOptions o;
  o.sequences.search = SearchMode::prefilter;
  Context plain;
  plain.backend = Backend::cpu;
  plain.threads = 1;  // one thread: every row is polled, so the count is fixed
  plain.progress = false;
  const Dataset data = dataset_from_sequences(letters, ids, o, plain);
  const Graph want = dataset_graph(data, o, plain);
  ASSERT_GT(want.num_edges(), 10u);

  // A hook that never cancels changes nothing, on one thread or two.
  for (int threads : {1, 2}) {
    std::atomic<uint64_t> polls{0};
    Context ctx = plain;
    ctx.threads = threads;
    ctx.cancelled = [&] {
      ++polls;
      return false;
    };
    expect_same_graph(dataset_graph(data, o, ctx), want);
    // Once on entry, once per seed pattern, then per row of the prefilter
    // and of the alignment of its candidates (all rows on one thread).
    if (threads == 1) EXPECT_EQ(polls.load(), 1 + 3 + 2 * s.size());
    EXPECT_GT(polls.load(), 1 + 3);  // thread 0 polls the rows it takes
  }
  // Cancelled in the seed index, the prefilter's scan, the alignments and
  // at the last row: errc::cancelled, and no poll after the one that said so.
  const uint64_t total = 1 + 3 + 2 * s.size();
  for (uint64_t stop_at : {uint64_t{2}, uint64_t{5}, total / 2, total - 1, total})
    EXPECT_EQ(cancelled_build(data, o, plain, stop_at), stop_at);
  Context two = plain;
  two.threads = 2;
  EXPECT_EQ(cancelled_build(data, o, two, 6), 6u);
}

TEST(SeqCancel, ExhaustiveTilesPollPerRow) {
  // The tile scheduler polls per tile, the CPU aligner once per row of a
  // tile, so a cancel lands within a tile.
  Progress::set_quiet(true);
  const Sequences s =
      seqtest::random_sequences(300, 40, 90, "ACDEFGHIKLMNPQRSTVWY", Alphabet::protein, 5);
  std::vector<std::string> letters;
  for (std::size_t k = 0; k < s.size(); ++k) letters.push_back(s.letters(k));
  DatasetOptions o;
  o.sequences.search = SearchMode::exhaustive;
  Context ctx;
  ctx.backend = Backend::cpu;
  ctx.threads = 1;
  ctx.progress = false;
  const Dataset data = dataset_from_sequences(letters, {}, o, ctx);
  const Graph want = dataset_graph(data, o, ctx);
  std::atomic<uint64_t> polls{0};
  Context counted = ctx;
  counted.cancelled = [&] {
    ++polls;
    return false;
  };
  expect_same_graph(dataset_graph(data, o, counted), want);
  const uint64_t total = polls.load();
  EXPECT_GE(total, s.size());
  // Workers of the tile scheduler poll too: a few polls may follow the stop.
  const uint64_t at = cancelled_build(data, o, ctx, total / 2);
  EXPECT_GE(at, total / 2);
  EXPECT_LT(at, total);
}

namespace {

/// The files cleave left in a work directory.
std::vector<std::string> listing(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// A prefiltered graph with checkpoints: random proteins (eight chunks of
/// 64 rows), the graph without a work directory, and helpers to interrupt
/// and resume a build in `work`.
class PrefilterResume : public ::testing::Test {
 protected:
  void SetUp() override {
    Progress::set_quiet(true);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("cleave-prefilter-resume-{}-{}", info->name(), ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    work_ = dir_ / "work";
    const Sequences s =
        seqtest::random_sequences(500, 60, 160, "ACDEFGHIKLMNPQRSTVWY", Alphabet::protein, 71);
    std::vector<std::string> ids, letters;
    for (std::size_t k = 0; k < s.size(); ++k) {
      ids.push_back(s.samples.ids[k]);
      letters.push_back(s.letters(k));
    }
    o_.sequences.search = SearchMode::prefilter;
    plain_.backend = Backend::cpu;
    plain_.threads = 2;
    plain_.progress = false;
    data_ = dataset_from_sequences(letters, ids, o_, plain_);
    want_ = dataset_graph(data_, o_, plain_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// A context that checkpoints into work_, on `threads` threads, with its
  /// progress stages and warnings recorded.
  Context checkpointed(int threads) {
    Context c = plain_;
    c.threads = threads;
    c.work_dir = work_;
    c.progress = true;
    c.on_progress = [this](const std::string& stage, uint64_t, uint64_t) {
      if (stages_.empty() || stages_.back() != stage) stages_.push_back(stage);
    };
    c.log = [this](const std::string& w) { warnings_.push_back(w); };
    return c;
  }
  /// Interrupts a one-thread build at its stop_at-th cancel poll.
  void interrupt(uint64_t stop_at, const DatasetOptions& o) {
    interrupt(stop_at, o, checkpointed(1));
  }
  /// The same with the given context (its work directory and budget).
  void interrupt(uint64_t stop_at, const DatasetOptions& o, Context c) {
    std::atomic<uint64_t> polls{0};
    c.cancelled = [&] { return ++polls >= stop_at; };
    try {
      dataset_graph(data_, o, c);
      ADD_FAILURE() << "not cancelled at poll " << stop_at;
    } catch (const cleave::error& e) {
      EXPECT_EQ(e.code(), errc::cancelled) << e.what();
    }
  }
  /// Tile files in the work directory.
  std::vector<std::string> tiles() const {
    std::vector<std::string> t;
    for (const auto& name : listing(work_))
      if (name.starts_with("cleave-tile-")) t.push_back(name);
    return t;
  }

  std::filesystem::path dir_, work_;
  DatasetOptions o_;
  Context plain_;
  Dataset data_;
  Graph want_;
  std::vector<std::string> stages_, warnings_;
};

}  // namespace

TEST_F(PrefilterResume, WorkDirGivesTheSameGraph) {
  ASSERT_GT(want_.num_edges(), 10u);
  for (int threads : {1, 2}) {
    stages_.clear();
    expect_same_graph(dataset_graph(data_, o_, checkpointed(threads)), want_);
    // Chunks of rows, one bar for both stages; nothing left behind.
    EXPECT_EQ(stages_, std::vector<std::string>{"sequence identity, prefiltered"});
    EXPECT_TRUE(listing(work_).empty()) << fmt::format("{}", fmt::join(listing(work_), " "));
    EXPECT_TRUE(warnings_.empty());
  }
}

TEST_F(PrefilterResume, InterruptedBuildResumesItsFinishedTiles) {
  // One uncancelled build on one thread polls a fixed number of times:
  // once on entry, once per seed pattern, then per row of each stage.
  std::atomic<uint64_t> polls{0};
  Context counted = checkpointed(1);
  counted.cancelled = [&] {
    ++polls;
    return false;
  };
  expect_same_graph(dataset_graph(data_, o_, counted), want_);
  const uint64_t total = polls.load();
  EXPECT_EQ(total, 1 + 3 + 2 * data_.samples.size());
  for (uint64_t stop_at : {total / 4, total / 2, total - 1}) {
    interrupt(stop_at, o_);
    const auto done = tiles();
    ASSERT_TRUE(std::filesystem::exists(work_ / "cleave-checkpoint.txt"));
    // Chunks mix rows from the whole input, so each holds a share of the
    // work: a quarter of the polls finishes about a quarter of the 8 tiles.
    EXPECT_GE(done.size(), stop_at == total / 4 ? 1u : 3u);
    EXPECT_LT(done.size(), 8u);
    stages_.clear();
    expect_same_graph(dataset_graph(data_, o_, checkpointed(2)), want_);
    EXPECT_EQ(stages_,
              std::vector<std::string>{fmt::format(
                  "sequence identity, prefiltered (resumed: {} of 8 tiles done)", done.size())});
    EXPECT_TRUE(listing(work_).empty());
  }
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(PrefilterResume, DamagedTileIsComputedAgain) {
  interrupt(600, o_);
  const auto done = tiles();
  ASSERT_GE(done.size(), 2u);
  // One tile file cut short, one with a flipped byte in its edges.
  std::filesystem::resize_file(work_ / done[0], 40);
  {
    std::fstream f(work_ / done[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  expect_same_graph(dataset_graph(data_, o_, checkpointed(2)), want_);
  ASSERT_EQ(warnings_.size(), 2u);
  for (const auto& w : warnings_) EXPECT_NE(w.find("computing tile"), std::string::npos) << w;
  EXPECT_EQ(stages_.back(), fmt::format("sequence identity, prefiltered (resumed: {} of 8 tiles "
                                        "done)",
                                        done.size() - 2));
}

TEST_F(PrefilterResume, ForeignCheckpointIsRefused) {
  interrupt(600, o_);
  const auto done = tiles();
  ASSERT_GE(done.size(), 1u);
  // Another threshold, another sensitivity, an exhaustive build: each its
  // own parameters, refused naming the checkpoint, which stays as it was.
  DatasetOptions threshold = o_, sensitivity = o_, exhaustive = o_;
  threshold.sequences.threshold = 0.35;
  sensitivity.sequences.sensitivity = 6;
  exhaustive.sequences.search = SearchMode::exhaustive;
  for (const DatasetOptions* other : {&threshold, &sensitivity, &exhaustive}) {
    try {
      dataset_graph(data_, *other, checkpointed(2));
      ADD_FAILURE() << "a foreign checkpoint was used";
    } catch (const cleave::error& e) {
      EXPECT_EQ(e.code(), errc::invalid_argument);
      EXPECT_NE(std::string(e.what()).find((work_ / "cleave-checkpoint.txt").string()),
                std::string::npos)
          << e.what();
    }
    EXPECT_EQ(tiles(), done);
  }
  expect_same_graph(dataset_graph(data_, o_, checkpointed(1)), want_);
}

TEST(SeqPrefilter, SlicesOfTheTargetsGiveTheSameCandidates) {
  // An index over a slice of the targets finds, for every row, exactly
  // the whole index's candidates that lie in the slice, with the stage
  // counts adding up; short pairs included (lengths 20 to 200).
  const auto s =
      seqtest::random_sequences(240, 20, 200, "ACDEFGHIKLMNPQRSTVWY", Alphabet::protein, 38);
  auto p = align_detail::prefilter_params(Alphabet::protein, IdentityKind::full, 0.3, 5.0);
  p.short_cells = 300'000;
  const auto sc = align_detail::make_scheme(s.alphabet, AlignOptions{});
  align_detail::PrefilterCounts want_counts;
  const auto want = align_detail::prefilter_candidates(s, sc, p, 2, false, &want_counts);
  ASSERT_GT(want_counts.short_pairs, 0u);
  ASSERT_GT(want.count(), want_counts.short_pairs);
  using align_detail::CandidateScan;
  const auto all_rows = CandidateScan::share_rows(s.size(), {});
  for (uint32_t count : {1u, 2u, 3u, 7u, 20u, 500u}) {
    // 500 asks more slices than there are sequences: one sequence each,
    // but the scan of all 240 is only done for the smaller counts.
    const auto slices = CandidateScan::split(s, count);
    // Consecutive, covering every sequence, never empty.
    ASSERT_EQ(slices.size(), std::min<std::size_t>(count, s.size()));
    for (std::size_t k = 0; k < slices.size(); ++k) {
      EXPECT_EQ(slices[k].begin, k == 0 ? 0u : slices[k - 1].end);
      EXPECT_LT(slices[k].begin, slices[k].end);
    }
    EXPECT_EQ(slices.back().end, s.size());
    if (count > 20) continue;
    std::vector<std::vector<uint32_t>> got(s.size());
    align_detail::PrefilterCounts sum;
    for (const auto& sl : slices) {
      CandidateScan scan(s, sc, p, 2, sl);
      align_detail::PrefilterCounts c;
      const auto part = scan.rows(all_rows, 0, nullptr, &c);
      for (std::size_t i = 0; i < s.size(); ++i)
        for (uint64_t e = part.offsets[i]; e < part.offsets[i + 1]; ++e) {
          EXPECT_GE(part.cols[e], sl.begin);
          EXPECT_LT(part.cols[e], sl.end);
          got[i].push_back(part.cols[e]);
        }
      sum.seed_hits += c.seed_hits;
      sum.diagonal_hits += c.diagonal_hits;
      sum.ungapped += c.ungapped;
      sum.candidates += c.candidates;
      sum.short_pairs += c.short_pairs;
    }
    for (std::size_t i = 0; i < s.size(); ++i)
      ASSERT_TRUE(std::equal(got[i].begin(), got[i].end(), want.cols.begin() + want.offsets[i],
                             want.cols.begin() + want.offsets[i + 1]) &&
                  got[i].size() == want.offsets[i + 1] - want.offsets[i])
          << "row " << i << " with " << count << " slices";
    EXPECT_EQ(sum.seed_hits, want_counts.seed_hits) << count;
    EXPECT_EQ(sum.diagonal_hits, want_counts.diagonal_hits) << count;
    EXPECT_EQ(sum.ungapped, want_counts.ungapped) << count;
    EXPECT_EQ(sum.candidates, want_counts.candidates) << count;
    EXPECT_EQ(sum.short_pairs, want_counts.short_pairs) << count;
  }
  // The fewest slices that fit a budget: each fits, one fewer would not.
  const uint64_t whole = CandidateScan::slice_bytes(s, p, 2, {0, uint32_t(s.size())});
  const uint64_t fixed = CandidateScan::fixed_bytes(s, p, 2);
  EXPECT_EQ(CandidateScan::slice_count(s, p, 2, whole), 1u);
  for (uint64_t budget : {whole - 1, fixed + (whole - fixed) / 2, fixed + (whole - fixed) / 9}) {
    const uint32_t k = CandidateScan::slice_count(s, p, 2, budget);
    EXPECT_GT(k, 1u);
    for (const auto& sl : CandidateScan::split(s, k))
      EXPECT_LE(CandidateScan::slice_bytes(s, p, 2, sl), budget);
    bool fewer_fit = true;
    for (const auto& sl : CandidateScan::split(s, k - 1))
      fewer_fit = fewer_fit && CandidateScan::slice_bytes(s, p, 2, sl) <= budget;
    EXPECT_FALSE(fewer_fit) << budget;
  }
  // Slices of a range of the targets (a search's targets after its
  // queries): consecutive, covering exactly the range, each fitting.
  const align_detail::TargetSlice within{100, 180};
  const uint64_t range_whole = CandidateScan::slice_bytes(s, p, 2, within);
  EXPECT_EQ(CandidateScan::slice_count(s, p, 2, range_whole, within), 1u);
  const uint64_t range_budget = fixed + (range_whole - fixed) / 4;
  const uint32_t k = CandidateScan::slice_count(s, p, 2, range_budget, within);
  EXPECT_GE(k, 4u);
  const auto in_range = CandidateScan::split(s, k, within);
  ASSERT_EQ(in_range.size(), k);
  for (std::size_t j = 0; j < in_range.size(); ++j) {
    EXPECT_EQ(in_range[j].begin, j == 0 ? within.begin : in_range[j - 1].end);
    EXPECT_LT(in_range[j].begin, in_range[j].end);
    EXPECT_LE(CandidateScan::slice_bytes(s, p, 2, in_range[j]), range_budget);
  }
  EXPECT_EQ(in_range.back().end, within.end);
  // Below one sequence's slice: refused, saying what is needed.
  try {
    uint32_t longest = 0;
    for (std::size_t i = 0; i < s.size(); ++i) longest = std::max(longest, s.length(i));
    (void)CandidateScan::slice_count(s, p, 2,
                                     fixed + (longest - 1) * CandidateScan::residue_bytes(p));
    ADD_FAILURE() << "a budget below the scan state was accepted";
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), errc::out_of_memory);
    EXPECT_NE(std::string(e.what()).find("raise --max-memory"), std::string::npos) << e.what();
  }
}

TEST_F(PrefilterResume, SmallBudgetIndexesInSlices) {
  // A budget that holds about a third of the index: the graph is built
  // against slices of the targets and equals the one-pass graph, also
  // after an interrupted build resumes.
  const Sequences& s = *data_.sequences;
  AlignOptions a;
  a.threshold = 0.3;
  const auto p = align_detail::settle_seeds(
      s, align_detail::prefilter_params(s.alphabet, resolved_identity(a), 0.3, 5.0));
  using align_detail::CandidateScan;
  const uint64_t whole = CandidateScan::slice_bytes(s, p, 2, {0, uint32_t(s.size())});
  const uint64_t fixed = CandidateScan::fixed_bytes(s, p, 2);
  Context c = checkpointed(2);
  c.work_dir.clear();
  c.max_memory = fixed + (whole - fixed) * 2 / 5;
  const uint32_t k = CandidateScan::slice_count(s, p, 2, c.max_memory);
  ASSERT_GE(k, 3u);
  expect_same_graph(dataset_graph(data_, o_, c), want_);
  EXPECT_EQ(stages_,
            std::vector<std::string>{fmt::format("sequence identity, prefiltered against {} index "
                                                 "slices",
                                                 k)});
  // With checkpoints: 8 chunks of rows for each slice, resumed under the
  // same budget and under one with room for the whole index (the
  // checkpoint's slices are kept).
  Context resume = c;
  resume.work_dir = work_;
  Context roomy = resume;
  roomy.max_memory = 0;  // a quarter of RAM
  for (const Context* rerun : {&resume, &roomy}) {
    interrupt(600, o_, resume);
    const auto done = tiles();
    ASSERT_GE(done.size(), 1u);
    ASSERT_LT(done.size(), 8u * k);
    stages_.clear();
    expect_same_graph(dataset_graph(data_, o_, *rerun), want_);
    EXPECT_EQ(stages_.back(),
              fmt::format("sequence identity, prefiltered against {} index slices (resumed: {} "
                          "of {} tiles done)",
                          k, done.size(), 8 * k));
  }
  // A checkpoint whose slices no longer fit the budget is refused.
  interrupt(600, o_, resume);
  ASSERT_FALSE(tiles().empty());
  Context tight = resume;
  tight.max_memory = fixed + (whole - fixed) / (4 * k);
  try {
    dataset_graph(data_, o_, tight);
    ADD_FAILURE() << "slices over the budget were used";
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), errc::out_of_memory);
    EXPECT_NE(std::string(e.what()).find("slices of the seed index (those of the checkpoint in " +
                                         work_.string()),
              std::string::npos)
        << e.what();
  }
}
