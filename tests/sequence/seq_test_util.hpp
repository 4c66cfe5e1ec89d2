#pragma once
/// @file seq_test_util.hpp
/// @brief Random sequences and a brute-force full-matrix Gotoh with the
/// parasail statistics rules, written independently of kernels/align.hpp
/// (three full matrices, parasail's loop order: s1 outer, s2 inner).
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cleave/sequence.hpp"
#include "common/real_data.hpp"
#include "kernels/align.hpp"

namespace seqtest {

/// Random letters over `letters`, lengths in [lo, hi]; families of mutated
/// copies so that similar pairs, gaps and ties all occur.
inline cleave::Sequences random_sequences(std::size_t n, uint32_t lo, uint32_t hi,
                                          const std::string& letters, cleave::Alphabet a,
                                          uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> ids, seqs;
  std::string base;
  for (std::size_t k = 0; k < n; ++k) {
    const uint32_t len = lo + static_cast<uint32_t>(rng() % (hi - lo + 1));
    std::string s;
    if (k % 3 == 0 || base.empty()) {
      for (uint32_t x = 0; x < len; ++x) s += letters[rng() % letters.size()];
      base = s;
    } else {
      for (char c : base) {
        const auto u = rng() % 10;
        if (u == 0) continue;                               // deletion
        s += u == 1 ? letters[rng() % letters.size()] : c;  // substitution
        if (u == 2) s += letters[rng() % letters.size()];   // insertion
      }
      if (s.empty()) s = base;
    }
    ids.push_back("s" + std::to_string(k));
    seqs.push_back(s);
  }
  cleave::FastaReadOptions opt;
  opt.alphabet = a;
  return cleave::sequences_from_strings(ids, seqs, opt);
}

struct Cell {
  int32_t h, hm, hl, e, em, el, f, fm, fl;
};

/// parasail nw_stats / sw_stats semantics on full matrices (with
/// sc.count_leading_gaps, the boundary cells carry their gap columns).
inline cleave::kernels::AlignStats brute_force(const uint8_t* s1, int32_t n1, const uint8_t* s2,
                                               int32_t n2, const cleave::kernels::ScoreScheme& sc,
                                               bool local) {
  const int32_t neg = INT32_MIN / 2, o = sc.gap_open, x = sc.gap_extend;
  std::vector<std::vector<Cell>> m(n1 + 1, std::vector<Cell>(n2 + 1));
  for (int32_t i = 0; i <= n1; ++i)
    for (int32_t j = 0; j <= n2; ++j) {
      Cell& c = m[i][j];
      c = Cell{0, 0, 0, neg, 0, 0, neg, 0, 0};
      if (!local && (i == 0) != (j == 0)) {
        c.h = -o - (std::max(i, j) - 1) * x;
        if (sc.count_leading_gaps) c.hl = std::max(i, j);  // every column counted
      }
    }
  cleave::kernels::AlignStats best{0, 0, 0};
  int32_t best_j = INT32_MAX;
  for (int32_t i = 1; i <= n1; ++i)
    for (int32_t j = 1; j <= n2; ++j) {
      Cell& c = m[i][j];
      const Cell& up = m[i - 1][j];
      const Cell& left = m[i][j - 1];
      const Cell& dg = m[i - 1][j - 1];
      // F: vertical (consumes s1); E: horizontal (consumes s2).
      if (up.h - o > up.f - x) {
        c.f = up.h - o, c.fm = up.hm, c.fl = up.hl + 1;
      } else {
        c.f = up.f - x, c.fm = up.fm, c.fl = up.fl + 1;
      }
      if (left.h - o > left.e - x) {
        c.e = left.h - o, c.em = left.hm, c.el = left.hl + 1;
      } else {
        c.e = left.e - x, c.em = left.em, c.el = left.el + 1;
      }
      const int32_t d = dg.h + sc.score(s1[i - 1], s2[j - 1]);
      c.h = std::max({d, c.e, c.f, local ? 0 : neg});
      if (c.h == d) {
        c.hm = dg.hm + (s1[i - 1] == s2[j - 1]);
        c.hl = dg.hl + 1;
      } else if (c.h == c.f) {
        c.hm = c.fm, c.hl = c.fl;
      } else {
        c.hm = c.em, c.hl = c.el;
      }
      if (local && c.h == 0) c.hm = c.hl = 0;
      if (local && (c.h > best.score || (c.h == best.score && j < best_j))) {
        best = {c.h, c.hm, c.hl};
        best_j = j;
      }
    }
  if (local) return best;
  return {m[n1][n2].h, m[n1][n2].hm, m[n1][n2].hl};
}

inline std::filesystem::path test_data() {
  return CLEAVE_TEST_DATA;
}

}  // namespace seqtest
