/// @file seq_prefilter.cpp
/// @brief The seed index (codes of every spaced seed, counting-sorted into
/// buckets), the per-query scan for two hits on one diagonal, and the
/// ungapped score of each hit diagonal.
#include "similarity/seq_prefilter.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "util/parallel_cancel.hpp"

namespace cleave::align_detail {

namespace {

constexpr uint8_t kNone = 255;
constexpr uint32_t kNoCode = std::numeric_limits<uint32_t>::max();
/// Murphy et al.'s 10 groups over the BLOSUM62 index order
/// A R N D C Q E G H I L K M F P S T W Y V B Z X *: (LVIM) (C) (A) (G) (ST)
/// (P) (FYW) (EDNQ, with B and Z) (KR) (H); X and * break seeds.
constexpr uint8_t kMurphy10[24] = {2, 8, 7, 7, 1, 7, 7, 3, 9, 0, 0,     8,
                                   0, 6, 5, 4, 4, 6, 6, 0, 7, 7, kNone, kNone};
/// The code space of a seed index is kept dense: at most 2^24 buckets.
constexpr uint64_t kMaxCodes = uint64_t{1} << 24;

struct SeedAlphabet {
  uint8_t map[256];
  uint32_t size = 0;
};

SeedAlphabet seed_alphabet(Alphabet a, bool reduce) {
  SeedAlphabet s;
  std::fill(std::begin(s.map), std::end(s.map), kNone);
  if (a == Alphabet::dna) {
    for (uint8_t r = 0; r < 4; ++r) s.map[r] = r;  // N (4) breaks seeds
    s.size = 4;
  } else if (reduce) {
    std::copy(std::begin(kMurphy10), std::end(kMurphy10), s.map);
    s.size = 10;
  } else {
    for (uint8_t r = 0; r < 20; ++r) s.map[r] = r;  // B Z X * break seeds
    s.size = 20;
  }
  return s;
}

/// Seed codes of every start position of one sequence (kNoCode where the
/// window runs off the end or holds a residue outside the seed alphabet).
void seed_codes(const uint8_t* s, uint32_t n, const SeedAlphabet& al,
                const std::vector<uint32_t>& care, uint32_t span, uint32_t* out) {
  for (uint32_t p = 0; p < n; ++p) {
    uint32_t code = 0;
    bool ok = p + span <= n;
    for (std::size_t c = 0; ok && c < care.size(); ++c) {
      const uint8_t r = al.map[s[p + care[c]]];
      ok = r != kNone;
      code = code * al.size + r;
    }
    out[p] = ok ? code : kNoCode;
  }
}

/// Best score of an ungapped segment on diagonal d (position x of a faces
/// x - d of b) within the window of 2w + 1 positions centred on x, shifted
/// to lie inside the diagonal where it is long enough: Kadane's maximum
/// subarray.
int32_t ungapped_best(const uint8_t* a, int32_t na, const uint8_t* b, int32_t nb, int32_t d,
                      int32_t x, int32_t w, const kernels::ScoreScheme& sc) {
  const int32_t lo = std::max(0, d), hi = std::min(na, nb + d);  // the diagonal's rows
  int32_t x0 = x - w, x1 = x + w + 1;
  if (x0 < lo) x1 += lo - x0, x0 = lo;
  if (x1 > hi) x0 -= x1 - hi, x1 = hi;
  x0 = std::max(x0, lo);
  int32_t run = 0, best = 0;
  for (int32_t y = x0; y < x1; ++y) {
    run += sc.score(a[y], b[y - d]);
    if (run < 0) run = 0;
    if (run > best) best = run;
  }
  return best;
}

/// Best local alignment score (affine gaps, parasail's costs) of the
/// cells within `w` diagonals of diagonal d: Smith-Waterman in a band.
int32_t banded_local(const uint8_t* a, int32_t na, const uint8_t* b, int32_t nb, int32_t d,
                     int32_t w, const kernels::ScoreScheme& sc, std::vector<int32_t>& buf) {
  // Row x holds y = x - d - w + k, k in [0, 2w]; the previous row's k is
  // the diagonal predecessor, its k + 1 the cell above.
  const int32_t width = 2 * w + 1;
  buf.assign(static_cast<std::size_t>(2 * (width + 1)), 0);
  int32_t* h = buf.data();              // H of the previous row, then this one
  int32_t* f = buf.data() + width + 1;  // vertical gap state
  for (int32_t k = 0; k <= width; ++k) f[k] = kernels::kNegInf32;
  const int32_t open = sc.gap_open, ext = sc.gap_extend;
  int32_t best = 0;
  const int32_t x0 = std::max(0, d - w), x1 = std::min(na, nb + d + w);
  for (int32_t x = x0; x < x1; ++x) {
    int32_t e = kernels::kNegInf32, left = 0;
    for (int32_t k = 0; k < width; ++k) {
      const int32_t y = x - d - w + k;
      const int32_t hd = h[k];  // (x - 1, y - 1)
      if (y < 0 || y >= nb) {
        h[k] = 0;
        f[k] = kernels::kNegInf32;
        left = 0;
        e = kernels::kNegInf32;
        continue;
      }
      const int32_t up = k + 1 < width ? h[k + 1] : 0;  // (x - 1, y), read before it is overwritten
      const int32_t fu = k + 1 < width ? f[k + 1] : kernels::kNegInf32;
      const int32_t fv = std::max(up - open, fu - ext);
      e = std::max(left - open, e - ext);
      int32_t v = std::max({0, hd + sc.score(a[x], b[y]), e, fv});
      h[k] = v;
      f[k] = fv;
      left = v;
      best = std::max(best, v);
    }
  }
  return best;
}

/// How many earlier seed hits of a pair a new hit is compared with: enough
/// that random hits of the same target between two hits on one diagonal
/// rarely push the first out of memory.
constexpr int kHitMemory = 4;

/// Per target, what the scan of the current query saw last.
struct Track {
  uint32_t stamp = 0;  ///< query + 1 when the fields belong to this query
  uint32_t n = 0;      ///< hits seen (the ring holds the last kHitMemory)
  int32_t d[kHitMemory];
  uint32_t x[kHitMemory];
  int32_t cand_d = 0;  ///< diagonal of the last (pair, diagonal) event
  bool has_cand = false;
};

struct Event {
  uint32_t j;
  int32_t d;
  int32_t x;  ///< query position of the second hit
};

/// Postings of one seed pattern: codes of every position, counting-sorted
/// into buckets, each in (sequence, position) order.
struct SeedIndex {
  std::vector<uint32_t> care;  ///< offsets of the '1' positions
  uint32_t span = 0;
  std::vector<uint32_t> codes;  ///< per residue position of the input
  std::vector<uint64_t> start;  ///< bucket c is [start[c], start[c + 1])
  std::vector<uint32_t> seq, pos;
};

SeedIndex build_index(const Sequences& seqs, const SeedAlphabet& al, const std::string& pattern,
                      int threads) {
  SeedIndex ix;
  ix.span = static_cast<uint32_t>(pattern.size());
  for (uint32_t k = 0; k < ix.span; ++k)
    if (pattern[k] == '1') ix.care.push_back(k);
  const bool only_01 = pattern.find_first_not_of("01") == std::string::npos;
  CLEAVE_EXPECTS(only_01 && !ix.care.empty() && pattern.front() == '1' &&
                     std::pow(double(al.size), double(ix.care.size())) <= double(kMaxCodes),
                 "seed pattern '{}' is not usable with an alphabet of {} letters", pattern,
                 al.size);
  const auto n_codes = static_cast<uint64_t>(std::llround(std::pow(al.size, ix.care.size())));
  const auto n = static_cast<int64_t>(seqs.size());
  ix.codes.resize(seqs.residues.size());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64)
  for (int64_t i = 0; i < n; ++i)
    seed_codes(seqs.data(i), seqs.length(i), al, ix.care, ix.span,
               ix.codes.data() + seqs.offsets[i]);
  ix.start.assign(n_codes + 1, 0);
  for (uint32_t c : ix.codes)
    if (c != kNoCode) ++ix.start[c + 1];
  for (uint64_t c = 0; c < n_codes; ++c) ix.start[c + 1] += ix.start[c];
  ix.seq.resize(ix.start.back());
  ix.pos.resize(ix.start.back());
  std::vector<uint64_t> fill(ix.start.begin(), ix.start.end() - 1);
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t* ci = ix.codes.data() + seqs.offsets[i];
    for (uint32_t x = 0; x < seqs.length(i); ++x) {
      if (ci[x] == kNoCode) continue;
      const uint64_t slot = fill[ci[x]]++;
      ix.seq[slot] = static_cast<uint32_t>(i);
      ix.pos[slot] = x;
    }
  }
  return ix;
}

}  // namespace

PrefilterParams prefilter_params(Alphabet alphabet, IdentityKind identity, double threshold,
                                 double sensitivity, int32_t dna_match, int32_t dna_mismatch) {
  CLEAVE_EXPECTS(sensitivity >= 1.0 && sensitivity <= 9.0, "sensitivity must lie in [1, 9], got {}",
                 sensitivity);
  PrefilterParams p;
  p.length_ratio = identity == IdentityKind::full ? threshold : 0.0;
  p.window = 48;
  p.gapped_band = 8;
  if (alphabet == Alphabet::dna) {
    // Contiguous k-mers; at high identity longer ones are both safe and
    // far more selective.
    const int k = sensitivity >= 7 ? 9 : sensitivity >= 4 ? 11 : 12;
    p.patterns = {
        std::string(static_cast<std::size_t>(threshold >= 0.9 ? k : std::min(k, 10)), '1')};
    p.band = 2;
    // Marker genes are homologous throughout, so seeds alone pass nearly
    // every pair; what tells pairs at the threshold from the bulk is the
    // ungapped score near the hit.
    const double per_column = threshold * dna_match + (1 - threshold) * dna_mismatch;
    const double share = 0.4;
    p.min_ungapped = std::max<int32_t>(
        30, static_cast<int32_t>(std::lround(share * (2 * p.window + 1) * per_column)));
    p.min_gapped = 0;
    return p;
  }
  // Proteins: spaced seeds over the 10-letter alphabet; lighter seeds and
  // more shapes find more distant pairs at more cost (recall of each
  // setting on real proteins: bench/RESULTS.md).
  p.reduce = true;
  if (sensitivity >= 7)
    p.patterns = {"11011"};
  else if (sensitivity >= 5)
    p.patterns = {"1101101", "1110011", "11001011"};
  else if (sensitivity >= 3)
    p.patterns = {"1101101", "1110011"};
  else
    p.patterns = {"11011011"};
  p.band = 1;
  p.min_ungapped = 32;
  p.min_gapped = static_cast<int32_t>(std::lround(75 - 3 * sensitivity));
  return p;
}

Candidates prefilter_candidates(const Sequences& seqs, const kernels::ScoreScheme& sc,
                                const PrefilterParams& p, int threads, bool progress,
                                PrefilterCounts* counts, PrefilterRange range) {
  const auto al = seed_alphabet(seqs.alphabet, p.reduce);
  CLEAVE_EXPECTS(!p.patterns.empty(), "the prefilter needs at least one seed pattern");
  if (threads <= 0) threads = omp_get_max_threads();
  const CallHooks* hooks = current_call_hooks();
  std::vector<SeedIndex> index;
  for (const auto& pattern : p.patterns) {
    check_cancelled(hooks);
    index.push_back(build_index(seqs, al, pattern, threads));
  }
  const auto n = static_cast<int64_t>(seqs.size());
  const int64_t rows = std::min<int64_t>(n, range.rows_end);

  std::vector<std::vector<uint32_t>> found(static_cast<std::size_t>(n));
  PrefilterCounts total;
  Progress bar("sequence prefilter", static_cast<uint64_t>(rows));
  // Rows are independent (found[i] is row i's alone): skipping the rest
  // once cancelled changes nothing that is kept.
  ParallelCancel cancel;
#pragma omp parallel num_threads(threads)
  {
    std::vector<Track> track(static_cast<std::size_t>(n));
    std::vector<Event> events;
    std::vector<uint32_t> pass;
    std::vector<int32_t> band_buf;
    PrefilterCounts mine;
#pragma omp for schedule(dynamic, 16)
    for (int64_t i = 0; i < rows; ++i) {
      if (cancel.stopped()) continue;
      if (range.parts > 1 && !in_share(i, range.part, range.parts)) {
        if (progress) bar.advance();
        continue;
      }
      // Postings from this sequence on (a bucket is sorted by sequence).
      const auto first = std::max(static_cast<uint32_t>(i + 1), range.cols_begin);
      const auto stamp = static_cast<uint32_t>(i + 1);
      const uint32_t ni = seqs.length(i);
      events.clear();
      // Hits in query-position order, every pattern at each position.
      for (uint32_t x = 0; x < ni; ++x) {
        for (const SeedIndex& ix : index) {
          const uint32_t c = ix.codes[seqs.offsets[i] + x];
          if (c == kNoCode) continue;
          const uint64_t e = ix.start[c + 1];
          uint64_t k = static_cast<uint64_t>(
              std::lower_bound(ix.seq.begin() + static_cast<int64_t>(ix.start[c]),
                               ix.seq.begin() + static_cast<int64_t>(e), first) -
              ix.seq.begin());
          for (; k < e; ++k) {
            const uint32_t j = ix.seq[k];
            const uint32_t nj = seqs.length(j);
            if (std::min(ni, nj) < p.length_ratio * std::max(ni, nj)) continue;
            ++mine.seed_hits;
            const int32_t d = static_cast<int32_t>(x) - static_cast<int32_t>(ix.pos[k]);
            Track& t = track[j];
            if (t.stamp != stamp) {
              t.stamp = stamp;
              t.n = 0;
              t.has_cand = false;
            }
            bool twice = false;
            const uint32_t seen = std::min<uint32_t>(t.n, kHitMemory);
            for (uint32_t r = 0; r < seen; ++r)
              twice = twice || (x != t.x[r] && std::abs(d - t.d[r]) <= p.band);
            if (twice && (!t.has_cand || std::abs(d - t.cand_d) > p.band)) {
              events.push_back({j, d, static_cast<int32_t>(x)});
              t.cand_d = d;
              t.has_cand = true;
            }
            t.d[t.n % kHitMemory] = d;
            t.x[t.n % kHitMemory] = x;
            ++t.n;
          }
        }
      }
      mine.diagonal_hits += events.size();
      // A pair passes on its first event, in (target, diagonal, position)
      // order, that clears both scores.
      std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return a.j != b.j ? a.j < b.j : a.d != b.d ? a.d < b.d : a.x < b.x;
      });
      pass.clear();
      const uint8_t* a = seqs.data(i);
      for (const Event& ev : events) {
        if (!pass.empty() && pass.back() == ev.j) continue;
        const uint8_t* b = seqs.data(ev.j);
        const auto nb = static_cast<int32_t>(seqs.length(ev.j));
        if (ungapped_best(a, static_cast<int32_t>(ni), b, nb, ev.d, ev.x, p.window, sc) <
            p.min_ungapped)
          continue;
        ++mine.ungapped;
        if (p.min_gapped > 0 && banded_local(a, static_cast<int32_t>(ni), b, nb, ev.d,
                                             p.gapped_band, sc, band_buf) < p.min_gapped)
          continue;
        pass.push_back(ev.j);
      }
      mine.candidates += pass.size();
      found[static_cast<std::size_t>(i)] = pass;
      if (progress) bar.advance();
    }
#pragma omp critical
    {
      total.seed_hits += mine.seed_hits;
      total.diagonal_hits += mine.diagonal_hits;
      total.ungapped += mine.ungapped;
      total.candidates += mine.candidates;
    }
  }
  cancel.check();
  bar.finish();
  if (counts) *counts = total;
  Candidates c;
  c.offsets.assign(static_cast<std::size_t>(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i) c.offsets[i + 1] = c.offsets[i] + found[i].size();
  c.cols.reserve(c.offsets.back());
  for (auto& f : found) c.cols.insert(c.cols.end(), f.begin(), f.end());
  return c;
}

}  // namespace cleave::align_detail
