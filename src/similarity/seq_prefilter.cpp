/// @file seq_prefilter.cpp
/// @brief The seed index (codes of every spaced seed, counting-sorted into
/// buckets), the per-query scan for two hits on one diagonal, and the
/// ungapped score of each hit diagonal.
#include "similarity/seq_prefilter.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CLEAVE_BAND_AVX2 1
#endif
#ifdef __linux__
#include <sys/mman.h>
#endif
#include <cstdlib>
#include <new>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "scheduler/plan.hpp"
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

/// How many earlier seed hits of a pair a new hit is compared with: enough
/// that random hits of the same target between two hits on one diagonal
/// rarely push the first out of memory.
constexpr int kHitMemory = 4;

/// Per target, what the scan of the current query saw last, in 16 bytes
/// when every sequence is shorter than 2^15 (D = int16_t: each diagonal and
/// query position fits), else in 28 (D = int32_t). The scan meets a
/// target's hits in query-position order, so the hits at the current
/// position are the newest ones: instead of the position of each of the
/// last kHitMemory hits, the newest position and a mask of the ring slots
/// that hold hits at it say exactly which earlier hits lie at another
/// position. The per-target memory is the scan's random access (one load
/// per seed hit); at 48 bytes a target, 20,000 targets filled about 1 MiB
/// per thread, the whole L2 of the machine measured (bench/RESULTS.md
/// section 8). MMseqs2's prefilter (Steinegger and Soding 2017) likewise
/// keeps 16-bit diagonals in its per-target counters and gathers hits in
/// cache-sized bins.
template <typename D>
struct Track {
  D d[kHitMemory];  ///< diagonals of the last hits, hit h in slot h % kHitMemory
  D last_x;         ///< query position of the newest hit
  D cand_d;         ///< diagonal of the last (pair, diagonal) event
  /// Bits 0-2: hits seen, counted 0..7 with 8 folded to 4 (the slot of the
  /// next hit is the count mod kHitMemory, min(count, 4) slots are filled);
  /// bits 3-6: slots holding hits at last_x; bit 7: an event was recorded;
  /// bits 8-31: the stamp, the fields belong to the scan whose stamp it is.
  uint32_t meta = 0;
};
static_assert(sizeof(Track<int16_t>) == 16);

constexpr uint32_t kCountMask = 7, kSameShift = 3, kHasCand = 0x80, kStampShift = 8;
constexpr uint32_t kStampEnd = uint32_t{1} << (32 - kStampShift);

/// Bytes of per-target memory one block of the scan covers: the hits of a
/// query are gathered for the targets of one block at a time, so the
/// memory they touch stays in the L2 cache whatever the number of targets.
constexpr std::size_t kBlockBytes = std::size_t{256} << 10;

using Event = UngappedEvent;

/// How far ahead the scan prefetches: postings of the (position, pattern)
/// slot this many slots on, and the target window of the event this many
/// events on (its sequence's offset twice as far). Hints only: nothing
/// found depends on them.
constexpr std::size_t kSlotsAhead = 8, kEventsAhead = 8;

/// A seed pattern's shape: offsets of its '1' positions, its span and its
/// number of codes.
struct SeedShape {
  std::vector<uint32_t> care;
  uint32_t span = 0;
  uint64_t n_codes = 0;
};

SeedShape seed_shape(const SeedAlphabet& al, const std::string& pattern) {
  SeedShape sh;
  sh.span = static_cast<uint32_t>(pattern.size());
  for (uint32_t k = 0; k < sh.span; ++k)
    if (pattern[k] == '1') sh.care.push_back(k);
  const bool only_01 = pattern.find_first_not_of("01") == std::string::npos;
  CLEAVE_EXPECTS(only_01 && !sh.care.empty() && pattern.front() == '1' &&
                     std::pow(double(al.size), double(sh.care.size())) <= double(kMaxCodes),
                 "seed pattern '{}' is not usable with an alphabet of {} letters", pattern,
                 al.size);
  sh.n_codes = static_cast<uint64_t>(std::llround(std::pow(al.size, sh.care.size())));
  return sh;
}

/// Seed codes of every position of sequences [t0, t1) for one shape, from
/// the first residue of t0 on.
std::vector<uint32_t> input_codes(const Sequences& seqs, const SeedAlphabet& al,
                                  const SeedShape& sh, int threads, uint32_t t0, uint32_t t1) {
  const uint64_t base = seqs.offsets[t0];
  std::vector<uint32_t> codes(seqs.offsets[t1] - base);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64)
  for (int64_t i = t0; i < int64_t{t1}; ++i)
    seed_codes(seqs.data(i), seqs.length(i), al, sh.care, sh.span,
               codes.data() + (seqs.offsets[i] - base));
  return codes;
}

/// Storage for the seed index's arrays, asking Linux for transparent huge
/// pages where they are large. The scan reads each (position, pattern)
/// slot's postings at a random place of an index that reaches gigabytes
/// (12 GiB for a million proteins), where with 4 KiB pages a slot's first
/// read also misses the TLB; with 2 MiB pages the scan of 100,000 proteins
/// took about 14% less CPU (bench/RESULTS.md section 8). Elsewhere, or
/// when the system grants no huge pages, it is plain memory.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHuge = std::size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  explicit HugePageAllocator(const HugePageAllocator<U>& /*other*/) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) return static_cast<T*>(::operator new(bytes));
    const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, rounded);
    if (p == nullptr) throw std::bad_alloc();
#ifdef __linux__
    madvise(p, rounded, MADV_HUGEPAGE);  // a hint: refused, the pages stay small
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) {
    if (n * sizeof(T) < kHuge)
      ::operator delete(p);
    else
      std::free(p);
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>& /*other*/) const {
    return true;
  }
};
template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

/// Postings of one seed pattern: the codes of every position of the
/// indexed sequences, counting-sorted into buckets, each in (sequence,
/// position) order. The codes themselves are not kept (4 bytes a residue a
/// pattern): the scan computes those of each query.
struct SeedIndex {
  SeedShape shape;
  HugeVector<uint64_t> start;  ///< bucket c is [start[c], start[c + 1])
  HugeVector<uint32_t> seq, pos;
};

/// The index of sequences [t0, t1) (a slice of the targets).
SeedIndex build_index(const Sequences& seqs, const SeedAlphabet& al, const std::string& pattern,
                      int threads, uint32_t t0, uint32_t t1) {
  SeedIndex ix;
  ix.shape = seed_shape(al, pattern);
  const uint64_t n_codes = ix.shape.n_codes;
  const std::vector<uint32_t> codes = input_codes(seqs, al, ix.shape, threads, t0, t1);
  ix.start.assign(n_codes + 1, 0);
  for (uint32_t c : codes)
    if (c != kNoCode) ++ix.start[c + 1];
  for (uint64_t c = 0; c < n_codes; ++c) ix.start[c + 1] += ix.start[c];
  ix.seq.resize(ix.start.back());
  ix.pos.resize(ix.start.back());
  std::vector<uint64_t> fill(ix.start.begin(), ix.start.end() - 1);
  const uint64_t base = seqs.offsets[t0];
  for (uint32_t i = t0; i < t1; ++i) {
    const uint32_t* ci = codes.data() + (seqs.offsets[i] - base);
    for (uint32_t x = 0; x < seqs.length(i); ++x) {
      if (ci[x] == kNoCode) continue;
      const uint64_t slot = fill[ci[x]]++;
      ix.seq[slot] = i;
      ix.pos[slot] = x;
    }
  }
  return ix;
}

/// One thread's search for two hits on one diagonal. The hits of a query
/// come in query-position order, every pattern at each position, and for
/// each the bucket's postings in (target, position) order; what a target
/// sees depends only on its own hits in that order, so the scan may visit
/// the targets in blocks (every position of the query against the targets
/// of one block, then the next block) without changing a single event.
template <typename D>
class HitScan {
 public:
  using Length = std::make_unsigned_t<D>;

  HitScan(const Sequences& seqs, const SeedAlphabet& al, const std::vector<SeedIndex>& index,
          const PrefilterParams& p, uint32_t block)
      : seqs_(seqs),
        al_(al),
        index_(index),
        p_(p),
        block_(block),
        track_(seqs.size()),
        len_(seqs.size()) {
    for (std::size_t j = 0; j < seqs.size(); ++j) {
      len_[j] = static_cast<Length>(seqs.length(j));
      max_len_ = std::max(max_len_, seqs.length(j));
    }
  }

  /// Appends the (pair, diagonal) events of query i against the targets
  /// j >= first to `events`; counts the seed hits within the length bound.
  void run(int64_t i, uint32_t first, std::vector<Event>& events, uint64_t& seed_hits) {
    if (++stamp_ == kStampEnd) {  // every stamp used: forget them all
      for (Track<D>& t : track_) t.meta = 0;
      stamp_ = 1;
    }
    const uint32_t ni = seqs_.length(static_cast<std::size_t>(i));
    // The lengths nj that pass the length bound form one interval [lo, hi]
    // (the bound only rises as nj moves away from ni); the same test as
    // ever, found by bisection, then one comparison per hit.
    const auto fits = [&](uint32_t nj) {
      return !(std::min(ni, nj) < p_.length_ratio * std::max(ni, nj));
    };
    if (ni == 0 || !fits(ni)) return;
    uint32_t a = 0, b = ni;  // the first that fits in [0, ni]
    while (a < b) {
      const uint32_t mid = a + (b - a) / 2;
      fits(mid) ? b = mid : a = mid + 1;
    }
    const uint32_t lo = a;
    a = ni, b = max_len_;  // the last that fits in [ni, longest]
    while (a < b) {
      const uint32_t mid = b - (b - a) / 2;
      fits(mid) ? a = mid : b = mid - 1;
    }
    const uint32_t hi = a;
    // Per (position, pattern), the postings of targets >= first still to
    // visit: [cur, end).
    const std::size_t np = index_.size();
    cur_.resize(std::size_t{ni} * np);
    end_.resize(std::size_t{ni} * np);
    codes_.resize(std::size_t{ni} * np);
    for (std::size_t q = 0; q < np; ++q)
      seed_codes(seqs_.data(static_cast<std::size_t>(i)), ni, al_, index_[q].shape.care,
                 index_[q].shape.span, codes_.data() + q * ni);
    for (uint32_t x = 0; x < ni; ++x)
      for (std::size_t q = 0; q < np; ++q) {
        const SeedIndex& ix = index_[q];
        const uint32_t c = codes_[q * ni + x];
        const std::size_t slot = x * np + q;
        if (c == kNoCode) {
          cur_[slot] = end_[slot] = 0;
          continue;
        }
        const auto from = ix.seq.begin() + static_cast<int64_t>(ix.start[c]);
        const auto to = ix.seq.begin() + static_cast<int64_t>(ix.start[c + 1]);
        cur_[slot] = static_cast<uint64_t>(std::lower_bound(from, to, first) - ix.seq.begin());
        end_[slot] = ix.start[c + 1];
      }
    const uint64_t n = seqs_.size();
    const int32_t band = p_.band;
    for (uint64_t j0 = first; j0 < n; j0 += block_) {
      const auto j1 = static_cast<uint32_t>(std::min<uint64_t>(n, j0 + block_));
      for (uint32_t x = 0; x < ni; ++x)
        for (std::size_t q = 0; q < np; ++q) {
          const std::size_t slot = x * np + q;
          // Each slot's postings lie somewhere in an index of gigabytes:
          // ask for a later slot's while this one is read.
          if (const std::size_t ahead = slot + kSlotsAhead; ahead < std::size_t{ni} * np) {
            const std::size_t qa = ahead % np;
            __builtin_prefetch(index_[qa].seq.data() + cur_[ahead]);
            __builtin_prefetch(index_[qa].pos.data() + cur_[ahead]);
          }
          const uint32_t* seq = index_[q].seq.data();
          const uint32_t* pos = index_[q].pos.data();
          uint64_t k = cur_[slot];
          const uint64_t e = end_[slot];
          for (; k < e && seq[k] < j1; ++k) {
            const uint32_t j = seq[k];
            if (static_cast<uint32_t>(len_[j]) - lo > hi - lo) continue;
            ++seed_hits;
            const int32_t d = static_cast<int32_t>(x) - static_cast<int32_t>(pos[k]);
            hit(track_[j], j, d, x, band, events);
          }
          cur_[slot] = k;
        }
    }
  }

 private:
  /// One seed hit (x, d) of target j: the rule of the old per-target ring
  /// (an earlier hit among the last kHitMemory at another query position
  /// within `band` diagonals makes a diagonal hit; it is an event unless
  /// within `band` of the last event's diagonal), on the compact memory.
  void hit(Track<D>& t, uint32_t j, int32_t d, uint32_t x, int32_t band,
           std::vector<Event>& events) const {
    uint32_t m = t.meta;
    if ((m >> kStampShift) != stamp_) m = stamp_ << kStampShift;
    const uint32_t count = m & kCountMask;
    const auto xd = static_cast<D>(x);
    // Slots holding hits at this very position: the newest ones.
    const uint32_t here = count != 0 && t.last_x == xd ? (m >> kSameShift) & 0xF : 0;
    const uint32_t seen = std::min<uint32_t>(count, kHitMemory);
    bool twice = false;
    for (uint32_t r = 0; r < seen; ++r)
      twice = twice || (((here >> r) & 1) == 0 && std::abs(d - int32_t{t.d[r]}) <= band);
    if (twice && ((m & kHasCand) == 0 || std::abs(d - int32_t{t.cand_d}) > band)) {
      events.push_back({j, d, static_cast<int32_t>(x)});
      t.cand_d = static_cast<D>(d);
      m |= kHasCand;
    }
    const uint32_t slot = count % kHitMemory;
    t.d[slot] = static_cast<D>(d);
    t.last_x = xd;
    const uint32_t next = count + 1 == 2 * kHitMemory ? kHitMemory : count + 1;
    t.meta = (m & ~(kHasCand - 1)) | ((here | (1u << slot)) << kSameShift) | next;
  }

  const Sequences& seqs_;
  const SeedAlphabet& al_;
  const std::vector<SeedIndex>& index_;
  const PrefilterParams& p_;
  uint32_t block_;
  std::vector<Track<D>> track_;
  std::vector<Length> len_;
  uint32_t max_len_ = 0;
  std::vector<uint64_t> cur_, end_;
  std::vector<uint32_t> codes_;  ///< the query's codes, pattern-major
  uint32_t stamp_ = 0;
};

}  // namespace

/// The kernel's function (prefilter_score.hpp), shared with the GPU.
int32_t ungapped_best(const uint8_t* a, int32_t na, const uint8_t* b, int32_t nb, int32_t d,
                      int32_t x, int32_t w, const kernels::ScoreScheme& sc, int32_t enough) {
  return kernels::ungapped_window_best(a, na, b, nb, d, x, w, sc.m, sc.size, enough);
}

/// Smith-Waterman in a band, stopped after the first row where the best
/// reaches `enough`.
int32_t banded_local(const uint8_t* a, int32_t na, const uint8_t* b, int32_t nb, int32_t d,
                     int32_t w, const kernels::ScoreScheme& sc, int32_t enough,
                     std::vector<int32_t>& buf) {
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
    // Cells k of this row with y = y0 + k inside b: [klo, khi). Those
    // outside hold H = 0 and no gap state; they lie at the row's ends, so
    // the left neighbour of the first inside cell is one of them. h[width]
    // and f[width] stay 0 and -inf: the cell above the last one.
    const int32_t y0 = x - d - w;
    const int32_t klo = std::clamp(-y0, 0, width), khi = std::clamp(nb - y0, klo, width);
    for (int32_t k = 0; k < klo; ++k) h[k] = 0, f[k] = kernels::kNegInf32;
    const int8_t* row = sc.m + a[x] * sc.size;
    int32_t e = kernels::kNegInf32, left = 0;
    for (int32_t k = klo; k < khi; ++k) {
      const int32_t hd = h[k];                                       // (x - 1, y - 1)
      const int32_t fv = std::max(h[k + 1] - open, f[k + 1] - ext);  // from (x - 1, y)
      e = std::max(left - open, e - ext);
      const int32_t v = std::max({0, hd + row[b[y0 + k]], e, fv});
      h[k] = v;
      f[k] = fv;
      left = v;
      best = std::max(best, v);
    }
    for (int32_t k = khi; k < width; ++k) h[k] = 0, f[k] = kernels::kNegInf32;
    if (best >= enough) break;
  }
  return best;
}

void band_profile(const uint8_t* a, int32_t na, const kernels::ScoreScheme& sc,
                  std::vector<int16_t>& prof) {
  const int32_t stride = na + 2 * kBandPad;
  prof.assign(static_cast<std::size_t>(sc.size) * static_cast<std::size_t>(stride), 0);
  for (int32_t r = 0; r < sc.size; ++r)
    for (int32_t x = 0; x < na; ++x)
      prof[static_cast<std::size_t>(r) * static_cast<std::size_t>(stride) + kBandPad + x] =
          sc.m[a[x] * sc.size + r];
}

bool band_simd_fits(int32_t w, const kernels::ScoreScheme& sc, int32_t enough) {
#ifdef CLEAVE_BAND_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2 && w >= 0 && w <= kBandSimdMaxW && enough >= 1 && enough <= kBandSimdMaxBar &&
         sc.gap_open >= 0 && sc.gap_extend >= 0 && sc.gap_open <= 4000 && sc.gap_extend <= 4000;
#else
  (void)w, (void)sc, (void)enough;
  return false;
#endif
}

#ifdef CLEAVE_BAND_AVX2
namespace {

/// Lanes moved s places up (lane k to k + s), zeros shifted in.
template <int S>
__attribute__((target("avx2"))) inline __m256i lanes_up(__m256i v) {
  const __m256i lo = _mm256_permute2x128_si256(v, v, 0x08);  // [0, low half]
  if constexpr (S == 8)
    return lo;
  else
    return _mm256_alignr_epi8(v, lo, 16 - 2 * S);
}

/// Lanes moved one place down (lane k + 1 to k), `top` into lane 15.
__attribute__((target("avx2"))) inline __m256i lanes_down1(__m256i v, int16_t top) {
  const __m256i hi = _mm256_permute2x128_si256(v, v, 0x81);  // [high half, 0]
  return _mm256_insert_epi16(_mm256_alignr_epi8(hi, v, 2), top, 15);
}

}  // namespace

__attribute__((target("avx2"))) int32_t banded_local_avx2(const int16_t* prof, int32_t na,
                                                          const uint8_t* b, int32_t nb, int32_t d,
                                                          int32_t w, const kernels::ScoreScheme& sc,
                                                          int32_t enough) {
  CLEAVE_EXPECTS(band_simd_fits(w, sc, enough), "banded_local_avx2 does not fit these arguments");
  const int32_t width = 2 * w + 1, stride = na + 2 * kBandPad;
  const int16_t neg = std::numeric_limits<int16_t>::min();
  const __m256i zero = _mm256_setzero_si256(), vneg = _mm256_set1_epi16(neg);
  const __m256i open = _mm256_set1_epi16(static_cast<int16_t>(sc.gap_open));
  const __m256i ext = _mm256_set1_epi16(static_cast<int16_t>(sc.gap_extend));
  // Along a row a gap extends at min(open, extend) a cell: E of cell k is
  // max(H - open, E - extend) of cell k - 1, and H >= E there.
  const int16_t step = static_cast<int16_t>(std::min(sc.gap_open, sc.gap_extend));
  const __m256i step1 = _mm256_set1_epi16(step), step2 = _mm256_set1_epi16(int16_t(2 * step)),
                step4 = _mm256_set1_epi16(int16_t(4 * step)),
                step8 = _mm256_set1_epi16(int16_t(8 * step));
  const __m256i bar = _mm256_set1_epi16(static_cast<int16_t>(enough - 1));
  const __m256i lane = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m256i h = zero, f = vneg, top = zero;
  int32_t h16 = 0, f16 = neg, top16 = 0;  // cell 16 (only when the band is 17 wide)
  const int32_t y0 = std::max(0, -d - w), y1 = std::min(nb, na - d + w);
  for (int32_t y = y0; y < y1; ++y) {
    // Row y holds x = x0 + k; the cell above cell k (y - 1) is k + 1 of the
    // previous row, its diagonal predecessor k.
    const int32_t x0 = y + d - w;
    const int32_t klo = std::clamp(-x0, 0, width), khi = std::clamp(na - x0, klo, width);
    const int16_t* s = prof + b[y] * stride + kBandPad + x0;
    const __m256i inside =
        _mm256_and_si256(_mm256_cmpgt_epi16(lane, _mm256_set1_epi16(int16_t(klo - 1))),
                         _mm256_cmpgt_epi16(_mm256_set1_epi16(int16_t(khi)), lane));
    const __m256i hu = lanes_down1(h, static_cast<int16_t>(h16));
    const __m256i fu = lanes_down1(f, static_cast<int16_t>(f16));
    const __m256i fv = _mm256_max_epi16(_mm256_subs_epi16(hu, open), _mm256_subs_epi16(fu, ext));
    __m256i t = _mm256_max_epi16(
        _mm256_max_epi16(
            zero, _mm256_adds_epi16(h, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)))),
        fv);
    t = _mm256_and_si256(t, inside);
    // The gap along the row as a prefix maximum in log2(16) steps, after
    // the rest of the row (the scan of Khajeh-Saeed et al. 2010 and
    // parasail's "scan", Daily 2016): p[k] = max over j <= k of
    // t[j] - (k - j) step, and E of cell k + 1 is p[k] - open.
    __m256i p = _mm256_max_epi16(t, _mm256_subs_epi16(lanes_up<1>(t), step1));
    p = _mm256_max_epi16(p, _mm256_subs_epi16(lanes_up<2>(p), step2));
    p = _mm256_max_epi16(p, _mm256_subs_epi16(lanes_up<4>(p), step4));
    p = _mm256_max_epi16(p, _mm256_subs_epi16(lanes_up<8>(p), step8));
    const __m256i e = _mm256_subs_epi16(lanes_up<1>(p), open);
    h = _mm256_and_si256(_mm256_max_epi16(t, e), inside);
    f = _mm256_blendv_epi8(vneg, fv, inside);
    if (width == 17) {
      if (klo <= 16 && 16 < khi) {
        // Above it is outside the band (H = 0, no gap state): F = -open.
        const int32_t t16 = std::max({0, h16 + s[16], -sc.gap_open});
        const int32_t e16 = _mm256_extract_epi16(p, 15) - sc.gap_open;
        h16 = std::max(t16, e16);
        f16 = -sc.gap_open;
        top16 = std::max(top16, h16);
      } else {
        h16 = 0, f16 = neg;
      }
    }
    top = _mm256_max_epi16(top, h);
    if (_mm256_movemask_epi8(_mm256_cmpgt_epi16(h, bar)) != 0 || h16 >= enough) break;
  }
  alignas(32) int16_t lanes[16];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), top);
  int32_t best = top16;
  for (int16_t v : lanes) best = std::max<int32_t>(best, v);
  return best;
}

__attribute__((target("avx2"))) void ungapped_passes_avx2(
    const int16_t* prof, const Sequences& seqs, uint32_t i, const kernels::ScoreScheme& sc,
    const UngappedEvent* events, std::size_t n, int32_t w, int32_t enough, uint8_t* pass) {
  const auto na = static_cast<int32_t>(seqs.length(i));
  const int32_t stride = na + 2 * kBandPad;
  // Profile indices are 32-bit lanes: a query of some 89 M residues would
  // not fit them, and goes one event at a time.
  const bool narrow = int64_t{stride} * kernels::ScoreScheme::kMaxAlphabet < INT32_MAX;
  const auto* residues = reinterpret_cast<const int*>(seqs.residues.data());
  const auto* scores = reinterpret_cast<const int*>(prof);
  const uint64_t total = seqs.residues.size();
  const __m256i zero = _mm256_setzero_si256(), byte = _mm256_set1_epi32(0xFF);
  const __m256i vstride = _mm256_set1_epi32(stride);
  for (std::size_t e0 = 0; e0 < n; e0 += 8) {
    const std::size_t lanes = std::min<std::size_t>(8, n - e0);
    // Each event's target window is a random place in the residues (a
    // miss per event at a million sequences): ask for the next batch's
    // windows, and the offsets of the one after it, now.
    for (std::size_t k = e0 + 16; k < std::min(n, e0 + 24); ++k)
      __builtin_prefetch(&seqs.offsets[events[k].j]);
    for (std::size_t k = e0 + 8; k < std::min(n, e0 + 16); ++k) {
      const int64_t from =
          std::clamp<int64_t>(seqs.offsets[events[k].j] + events[k].x - w - events[k].d, 0,
                              static_cast<int64_t>(total) - 1);
      __builtin_prefetch(seqs.residues.data() + from);
      __builtin_prefetch(seqs.residues.data() + std::min<int64_t>(from + 64, total - 1));
    }
    alignas(32) int32_t bpos[8] = {}, ppos[8] = {}, len[8] = {};
    int32_t longest = 0;
    bool fits = narrow;
    for (std::size_t l = 0; l < lanes; ++l) {
      const UngappedEvent& ev = events[e0 + l];
      const auto nb = static_cast<int32_t>(seqs.length(ev.j));
      const kernels::UngappedWindow win = kernels::ungapped_window(na, nb, ev.d, ev.x, w);
      len[l] = win.x1 - win.x0;
      // Its residues are read 4 bytes at a time, up to 3 past the window.
      const uint64_t at = seqs.offsets[ev.j] + static_cast<uint64_t>(win.x0 - ev.d);
      const uint64_t past = at + static_cast<uint64_t>(len[l]) + 3;
      fits = fits && past <= total && past <= uint64_t{INT32_MAX};
      bpos[l] = static_cast<int32_t>(at);
      ppos[l] = kBandPad + win.x0;
      longest = std::max(longest, len[l]);
    }
    if (!fits) {
      // Near the end of the residues, past 2^31 of them or a query too
      // long for 32-bit profile indices: one at a time.
      for (std::size_t l = 0; l < lanes; ++l) {
        const UngappedEvent& ev = events[e0 + l];
        pass[e0 + l] = ungapped_best(seqs.data(i), na, seqs.data(ev.j),
                                     static_cast<int32_t>(seqs.length(ev.j)), ev.d, ev.x, w, sc,
                                     enough) >= enough;
      }
      continue;
    }
    const __m256i vlen = _mm256_load_si256(reinterpret_cast<const __m256i*>(len));
    const __m256i vb = _mm256_load_si256(reinterpret_cast<const __m256i*>(bpos));
    const __m256i vp = _mm256_load_si256(reinterpret_cast<const __m256i*>(ppos));
    __m256i run = zero, best = zero;
    // Kadane in 8 lanes, one event a lane: every 4 columns one gather of
    // each lane's next 4 target residues, then per column one gather of
    // the score from the query profile (row: target residue, column: query
    // position). Lanes past their window add nothing (masked to 0).
    for (int32_t t = 0; t < longest; t += 4) {
      const __m256i vt = _mm256_set1_epi32(t);
      const __m256i live = _mm256_cmpgt_epi32(vlen, vt);
      const __m256i words =
          _mm256_mask_i32gather_epi32(zero, residues, _mm256_add_epi32(vb, vt), live, 1);
      for (int32_t u = 0; u < 4 && t + u < longest; ++u) {
        const __m256i col = _mm256_set1_epi32(t + u);
        const __m256i on = _mm256_cmpgt_epi32(vlen, col);
        const __m256i r = _mm256_and_si256(_mm256_srli_epi32(words, 8 * u), byte);
        const __m256i idx =
            _mm256_add_epi32(_mm256_mullo_epi32(r, vstride), _mm256_add_epi32(vp, col));
        // 4 bytes at the int16 score (the next int16 is in the row or its
        // padding), sign-extended from the low half.
        __m256i sc = _mm256_mask_i32gather_epi32(zero, scores, idx, on, 2);
        sc = _mm256_srai_epi32(_mm256_slli_epi32(sc, 16), 16);
        run = _mm256_max_epi32(zero, _mm256_add_epi32(run, sc));
        best = _mm256_max_epi32(best, run);
      }
    }
    alignas(32) int32_t out[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), best);
    for (std::size_t l = 0; l < lanes; ++l) pass[e0 + l] = out[l] >= enough;
  }
}
#endif

namespace {

/// DP cells spent on short pairs without seeds: 1.6e9 at the default
/// sensitivity 5 (about a CPU second), doubling with each step.
uint64_t short_budget(double sensitivity) {
  return static_cast<uint64_t>(std::ldexp(1e8, static_cast<int>(std::lround(sensitivity)) - 1));
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
  // Weight-6 shapes for large inputs: six of them found 0.997 (real) and
  // 0.968 (generated) of the edges at identity 0.3 where the three
  // weight-5 ones found 0.997 and 0.984, with 3.2x fewer seed hits.
  const std::vector<std::string> w6 = {"11011011",   "111010011",  "1100110101",
                                       "1011100101", "1101000111", "110100111"};
  if (sensitivity >= 7) {
    p.patterns = {"11011"};
  } else if (sensitivity >= 5) {
    p.patterns = {"1101101", "1110011", "11001011"};
    p.large_patterns = w6;
  } else if (sensitivity >= 3) {
    p.patterns = {"1101101", "1110011"};
    p.large_patterns.assign(w6.begin(), w6.begin() + 4);
  } else {
    p.patterns = {"11011011"};
  }
  // 1e10 chance hits cost the scan and its scores some 10 CPU-minutes.
  if (!p.large_patterns.empty())
    p.hit_budget =
        static_cast<uint64_t>(std::ldexp(1e10, static_cast<int>(std::lround(sensitivity)) - 5));
  p.band = 1;
  p.min_ungapped = 32;
  p.min_gapped = static_cast<int32_t>(std::lround(75 - 3 * sensitivity));
  // Proteins up to 100 residues: at identity 0.3 such a pair shares few
  // seeds (the misses of the default on real proteins are nearly all
  // pairs of 30 to 100 residues; bench/RESULTS.md section 8).
  p.short_max = 100;
  p.short_cells = short_budget(sensitivity);
  return p;
}

uint64_t seed_hit_estimate(const Sequences& seqs, bool reduce,
                           const std::vector<std::string>& patterns, PrefilterRange range) {
  const auto al = seed_alphabet(seqs.alphabet, reduce);
  const auto n = static_cast<uint32_t>(seqs.size());
  const uint32_t rows = std::min(n, range.rows_end);
  // A search: rows [0, rows) against columns [cols_begin, n); else every
  // sequence in one histogram.
  const bool disjoint = range.cols_begin >= rows;
  uint64_t total = 0;
  std::vector<uint32_t> codes;
  for (const auto& pattern : patterns) {
    const SeedShape sh = seed_shape(al, pattern);
    std::vector<uint64_t> rows_of(sh.n_codes, 0), cols_of(disjoint ? sh.n_codes : 0, 0);
    for (uint32_t i = 0; i < n; ++i) {
      const bool row = !disjoint || i < rows, col = disjoint && i >= range.cols_begin;
      if (!row && !col) continue;
      codes.resize(seqs.length(i));
      seed_codes(seqs.data(i), seqs.length(i), al, sh.care, sh.span, codes.data());
      for (uint32_t c : codes)
        if (c != kNoCode) ++(row ? rows_of : cols_of)[c];
    }
    for (uint64_t c = 0; c < sh.n_codes; ++c)
      total +=
          disjoint ? rows_of[c] * cols_of[c] : rows_of[c] * (rows_of[c] - (rows_of[c] > 0)) / 2;
  }
  return total;
}

PrefilterParams settle_seeds(const Sequences& seqs, PrefilterParams p, PrefilterRange range,
                             uint64_t* estimate) {
  uint64_t hits = 0;
  if (!p.large_patterns.empty()) {
    hits = seed_hit_estimate(seqs, p.reduce, p.patterns, range);
    if (hits > p.hit_budget) p.patterns = p.large_patterns;
    p.large_patterns.clear();
  }
  if (estimate) *estimate = hits;
  return p;
}

uint32_t short_pair_length(const Sequences& seqs, uint64_t budget) {
  std::vector<uint32_t> len(seqs.size());
  for (std::size_t k = 0; k < seqs.size(); ++k) len[k] = seqs.length(k);
  std::sort(len.begin(), len.end());
  // The cells of the pairs among the shortest m sequences grow by
  // n_m * (n_0 + ... + n_{m-1}); a length qualifies once every sequence of
  // that length is in. Stops at the first overflow or excess.
  uint64_t sum = 0, cells = 0, add = 0;
  uint32_t best = 0;
  for (std::size_t k = 0; k < len.size(); ++k) {
    if (__builtin_mul_overflow(uint64_t{len[k]}, sum, &add) ||
        __builtin_add_overflow(cells, add, &cells) || cells > budget)
      break;
    sum += len[k];
    if (k + 1 == len.size() || len[k + 1] != len[k]) best = len[k];
  }
  return best;
}

/// Where scan_row() and finish_row() of one thread work: its hit memory
/// (made on first use, kept for the scan's life: its stamps carry over),
/// its stage counts and scratch.
struct RowWorker {
  HitScan<int16_t>* scan16 = nullptr;
  HitScan<int32_t>* scan32 = nullptr;
  PrefilterCounts counts;
  std::vector<uint32_t> short_js, merged;
};

/// What a scan keeps from one call to the next: the index, the short
/// sequences and one hit memory per thread (its stamps carry over).
struct CandidateScan::Impl {
  Impl(const Sequences& s, const kernels::ScoreScheme& scheme, PrefilterParams params, int t,
       TargetSlice sl)
      : seqs(s),
        sc(scheme),
        p(std::move(params)),
        al(seed_alphabet(s.alphabet, p.reduce)),
        threads(t),
        slice(sl) {}
  const Sequences& seqs;
  const kernels::ScoreScheme& sc;
  const PrefilterParams p;
  const SeedAlphabet al;
  const int threads;
  const TargetSlice slice;  ///< the indexed targets
  std::vector<SeedIndex> index;
  bool narrow = true;  ///< every sequence shorter than 2^15: the 16-bit hit memory
  uint32_t short_len = 0;
  std::vector<uint32_t> shorts;  ///< ascending: the slice's sequences whose pairs skip the seeds
  std::vector<std::unique_ptr<HitScan<int16_t>>> scan16;
  std::vector<std::unique_ptr<HitScan<int32_t>>> scan32;
  EventScorer* scorer = nullptr;  ///< scores the events instead of the threads (set_scorer)

  RowWorker worker(std::size_t t);
  [[nodiscard]] uint32_t first_target(uint32_t i, uint32_t cols_begin) const;
  void scan_row(RowWorker& w, uint32_t i, uint32_t first, std::vector<Event>& events) const;
  void finish_row(RowWorker& w, uint32_t i, uint32_t first, std::vector<uint32_t>& pass,
                  std::vector<uint32_t>& out) const;
  void rows_on_cpu(const std::vector<uint32_t>& rows, uint32_t cols_begin, Progress* bar,
                   std::vector<std::vector<uint32_t>>& found, PrefilterCounts& total);
  void rows_scored(const std::vector<uint32_t>& rows, uint32_t cols_begin, Progress* bar,
                   std::vector<std::vector<uint32_t>>& found, PrefilterCounts& total);
};

CandidateScan::CandidateScan(const Sequences& seqs, const kernels::ScoreScheme& sc,
                             PrefilterParams settled, int threads, TargetSlice slice) {
  CLEAVE_EXPECTS(!settled.patterns.empty(), "the prefilter needs at least one seed pattern");
  if (threads <= 0) threads = omp_get_max_threads();
  slice.end = static_cast<uint32_t>(std::min<uint64_t>(slice.end, seqs.size()));
  slice.begin = std::min(slice.begin, slice.end);
  impl_ = std::make_unique<Impl>(seqs, sc, std::move(settled), threads, slice);
  Impl& m = *impl_;
  const CallHooks* hooks = current_call_hooks();
  for (const auto& pattern : m.p.patterns) {
    check_cancelled(hooks);
    m.index.push_back(build_index(seqs, m.al, pattern, threads, slice.begin, slice.end));
  }
  const auto n = static_cast<int64_t>(seqs.size());
  // Every diagonal and query position fits 16 bits when every sequence
  // is shorter than 2^15; else the 32-bit memory.
  uint32_t longest = 0;
  for (int64_t i = 0; i < n; ++i) longest = std::max(longest, seqs.length(i));
  m.narrow = longest <= uint32_t{std::numeric_limits<int16_t>::max()};
  m.short_len = m.p.short_max > 0 && m.p.short_cells > 0
                    ? std::min(m.p.short_max, short_pair_length(seqs, m.p.short_cells))
                    : 0;
  if (m.short_len > 0)
    for (uint32_t j = slice.begin; j < slice.end; ++j)
      if (seqs.length(j) <= m.short_len) m.shorts.push_back(j);
  m.scan16.resize(static_cast<std::size_t>(threads));
  m.scan32.resize(static_cast<std::size_t>(threads));
}

CandidateScan::~CandidateScan() = default;

const PrefilterParams& CandidateScan::params() const {
  return impl_->p;
}

std::vector<uint32_t> CandidateScan::share_rows(uint64_t n, PrefilterRange range) {
  std::vector<uint32_t> rows;
  const uint64_t end = std::min<uint64_t>(n, range.rows_end);
  for (uint64_t i = 0; i < end; ++i)
    if (range.parts <= 1 || in_share(static_cast<int64_t>(i), range.part, range.parts))
      rows.push_back(static_cast<uint32_t>(i));
  return rows;
}

RowWorker CandidateScan::Impl::worker(std::size_t t) {
  const auto block = [&](std::size_t bytes) {
    return static_cast<uint32_t>(p.scan_block > 0 ? p.scan_block
                                                  : std::max<std::size_t>(1, kBlockBytes / bytes));
  };
  RowWorker w;
  if (narrow) {
    if (!scan16[t])
      scan16[t] =
          std::make_unique<HitScan<int16_t>>(seqs, al, index, p, block(sizeof(Track<int16_t>)));
    w.scan16 = scan16[t].get();
  } else {
    if (!scan32[t])
      scan32[t] =
          std::make_unique<HitScan<int32_t>>(seqs, al, index, p, block(sizeof(Track<int32_t>)));
    w.scan32 = scan32[t].get();
  }
  return w;
}

/// The first target row i meets: past i, the columns' start and the slice's.
uint32_t CandidateScan::Impl::first_target(uint32_t i, uint32_t cols_begin) const {
  return std::max({i + 1, cols_begin, slice.begin});
}

/// Row i's diagonal events (not sorted) in `events`.
void CandidateScan::Impl::scan_row(RowWorker& w, uint32_t i, uint32_t first,
                                   std::vector<Event>& events) const {
  events.clear();
  if (first >= slice.end) return;  // no target of this slice lies past the row
  if (w.scan16)
    w.scan16->run(i, first, events, w.counts.seed_hits);
  else
    w.scan32->run(i, first, events, w.counts.seed_hits);
  w.counts.diagonal_hits += events.size();
}

/// Row i's candidates from its passing targets `pass` (ascending,
/// distinct) and its short partners: into `out`.
void CandidateScan::Impl::finish_row(RowWorker& w, uint32_t i, uint32_t first,
                                     std::vector<uint32_t>& pass,
                                     std::vector<uint32_t>& out) const {
  const uint32_t ni = seqs.length(i);
  if (ni <= short_len && ni > 0) {
    // Every short partner within the length bound, seeds or not.
    w.short_js.clear();
    for (auto it = std::lower_bound(shorts.begin(), shorts.end(), first); it != shorts.end();
         ++it) {
      const uint32_t nj = seqs.length(*it);
      if (nj > 0 && !(std::min(ni, nj) < p.length_ratio * std::max(ni, nj)))
        w.short_js.push_back(*it);
    }
    w.counts.short_pairs += w.short_js.size();
    w.merged.clear();
    std::set_union(pass.begin(), pass.end(), w.short_js.begin(), w.short_js.end(),
                   std::back_inserter(w.merged));
    pass.swap(w.merged);
  }
  w.counts.candidates += pass.size();
  out = pass;
}

namespace {

void add_counts(PrefilterCounts& total, const PrefilterCounts& c) {
  total.seed_hits += c.seed_hits;
  total.diagonal_hits += c.diagonal_hits;
  total.ungapped += c.ungapped;
  total.candidates += c.candidates;
  total.short_pairs += c.short_pairs;
}

}  // namespace

/// The scores of every row's events on the scan's own threads, each row
/// stopping at a target's first passing event.
void CandidateScan::Impl::rows_on_cpu(const std::vector<uint32_t>& rows, uint32_t cols_begin,
                                      Progress* bar, std::vector<std::vector<uint32_t>>& found,
                                      PrefilterCounts& total) {
  const auto nr = static_cast<int64_t>(rows.size());
  // Rows are independent (found[k] is row k's alone): skipping the rest
  // once cancelled changes nothing that is kept.
  ParallelCancel cancel;
#pragma omp parallel num_threads(threads)
  {
    RowWorker w = worker(static_cast<std::size_t>(omp_get_thread_num()));
    std::vector<Event> events;
    std::vector<uint32_t> pass;
    std::vector<int16_t> prof;
    std::vector<int32_t> band_buf;
    std::vector<uint8_t> ungapped;  // the verdicts of the AVX2 lanes
#ifdef CLEAVE_BAND_AVX2
    const bool simd = p.min_gapped > 0 && band_simd_fits(p.gapped_band, sc, p.min_gapped);
    static const bool avx2 = __builtin_cpu_supports("avx2");
    const bool simd_ungapped = avx2 && p.min_ungapped >= 1;
#else
    const bool simd_ungapped = false;
#endif
#pragma omp for schedule(dynamic, 16)
    for (int64_t k = 0; k < nr; ++k) {
      if (cancel.stopped()) continue;
      const uint32_t i = rows[static_cast<std::size_t>(k)];
      const uint32_t first = first_target(i, cols_begin);
      const uint32_t ni = seqs.length(i);
      scan_row(w, i, first, events);
      // A pair passes on its first event, in (target, diagonal, position)
      // order, that clears both scores.
      std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return a.j != b.j ? a.j < b.j : a.d != b.d ? a.d < b.d : a.x < b.x;
      });
      pass.clear();
      const uint8_t* a = seqs.data(i);
      [[maybe_unused]] bool have_prof = false;  // the query's profile, made at its first use
#ifdef CLEAVE_BAND_AVX2
      if (simd_ungapped && !events.empty()) {
        band_profile(a, static_cast<int32_t>(ni), sc, prof), have_prof = true;
        ungapped.resize(events.size());
        ungapped_passes_avx2(prof.data(), seqs, i, sc, events.data(), events.size(), p.window,
                             p.min_ungapped, ungapped.data());
      }
#endif
      for (std::size_t e = 0; e < events.size(); ++e) {
        // Each event's target is a random place in the residues (a miss
        // per event at a million sequences): ask for later ones now (the
        // AVX2 lanes ask for their own).
        if (!simd_ungapped && e + 2 * kEventsAhead < events.size())
          __builtin_prefetch(&seqs.offsets[events[e + 2 * kEventsAhead].j]);
        if (!simd_ungapped && e + kEventsAhead < events.size()) {
          const Event& later = events[e + kEventsAhead];
          const int64_t nl = seqs.length(later.j);
          const int64_t from = std::clamp<int64_t>(int64_t{later.x} - p.window - later.d, 0,
                                                   std::max<int64_t>(0, nl - 1));
          const uint8_t* at = seqs.data(later.j) + from;
          for (int64_t line = 0; line <= std::min<int64_t>(2 * p.window, nl - 1 - from); line += 64)
            __builtin_prefetch(at + line);
        }
        const Event& ev = events[e];
        if (!pass.empty() && pass.back() == ev.j) continue;
        const uint8_t* b = seqs.data(ev.j);
        const auto nb = static_cast<int32_t>(seqs.length(ev.j));
        if (simd_ungapped ? ungapped[e] == 0
                          : ungapped_best(a, static_cast<int32_t>(ni), b, nb, ev.d, ev.x, p.window,
                                          sc, p.min_ungapped) < p.min_ungapped)
          continue;
        ++w.counts.ungapped;
        if (p.min_gapped > 0) {
          int32_t gapped;
#ifdef CLEAVE_BAND_AVX2
          if (simd) {
            if (!have_prof) band_profile(a, static_cast<int32_t>(ni), sc, prof), have_prof = true;
            gapped = banded_local_avx2(prof.data(), static_cast<int32_t>(ni), b, nb, ev.d,
                                       p.gapped_band, sc, p.min_gapped);
          } else
#endif
            gapped = banded_local(a, static_cast<int32_t>(ni), b, nb, ev.d, p.gapped_band, sc,
                                  p.min_gapped, band_buf);
          if (gapped < p.min_gapped) continue;
        }
        pass.push_back(ev.j);
      }
      finish_row(w, i, first, pass, found[static_cast<std::size_t>(k)]);
      if (bar) bar->advance();
    }
#pragma omp critical
    add_counts(total, w.counts);
  }
  cancel.check();
}

/// Rows in batches: each batch's rows scanned on the threads, every event
/// of the batch scored in one call to the scorer, then each row's passing
/// targets collected. A batch holds enough rows to keep every thread busy
/// and the events of a million-protein input within some hundreds of MB
/// (about 10^5 events a row there, 16 bytes each).
void CandidateScan::Impl::rows_scored(const std::vector<uint32_t>& rows, uint32_t cols_begin,
                                      Progress* bar, std::vector<std::vector<uint32_t>>& found,
                                      PrefilterCounts& total) {
  const std::size_t batch = std::max<std::size_t>(32, 8 * static_cast<std::size_t>(threads));
  std::vector<std::vector<Event>> events(std::min(batch, rows.size()));
  std::vector<kernels::PrefilterEvent> flat;
  std::vector<uint8_t> verdicts;
  std::vector<uint64_t> start;
  for (std::size_t b0 = 0; b0 < rows.size(); b0 += batch) {
    const std::size_t b1 = std::min(rows.size(), b0 + batch);
    const auto nb = static_cast<int64_t>(b1 - b0);
    ParallelCancel cancel;
    std::vector<RowWorker> workers(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
    {
      const auto t = static_cast<std::size_t>(omp_get_thread_num());
      workers[t] = worker(t);
#pragma omp for schedule(dynamic, 4)
      for (int64_t k = 0; k < nb; ++k) {
        if (cancel.stopped()) continue;
        const uint32_t i = rows[b0 + static_cast<std::size_t>(k)];
        scan_row(workers[t], i, first_target(i, cols_begin), events[static_cast<std::size_t>(k)]);
      }
    }
    cancel.check();
    // The batch's events in one array, each row's at start[k]; the copy and
    // the collection after the scores run on every thread, so the threads
    // do not wait on one of them between scans.
    start.assign(1, 0);
    for (int64_t k = 0; k < nb; ++k)
      start.push_back(start.back() + events[static_cast<std::size_t>(k)].size());
    flat.resize(start.back());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4)
    for (int64_t k = 0; k < nb; ++k) {
      const uint32_t i = rows[b0 + static_cast<std::size_t>(k)];
      kernels::PrefilterEvent* out = flat.data() + start[static_cast<std::size_t>(k)];
      for (const Event& ev : events[static_cast<std::size_t>(k)]) *out++ = {i, ev.j, ev.d, ev.x};
    }
    scorer->score(flat, verdicts);
    CLEAVE_EXPECTS(verdicts.size() == flat.size(), "the event scorer returned {} verdicts for {}",
                   verdicts.size(), flat.size());
    // Each row's targets with a passing event, ascending and distinct.
#pragma omp parallel num_threads(threads)
    {
      RowWorker& w = workers[static_cast<std::size_t>(omp_get_thread_num())];
      std::vector<uint32_t> pass;
#pragma omp for schedule(dynamic, 4)
      for (int64_t k = 0; k < nb; ++k) {
        const uint32_t i = rows[b0 + static_cast<std::size_t>(k)];
        pass.clear();
        for (uint64_t e = start[static_cast<std::size_t>(k)];
             e < start[static_cast<std::size_t>(k) + 1]; ++e) {
          w.counts.ungapped += (verdicts[e] & kernels::kEventUngapped) != 0;
          if ((verdicts[e] & kernels::kEventGapped) != 0) pass.push_back(flat[e].j);
        }
        std::sort(pass.begin(), pass.end());
        pass.erase(std::unique(pass.begin(), pass.end()), pass.end());
        finish_row(w, i, first_target(i, cols_begin), pass,
                   found[b0 + static_cast<std::size_t>(k)]);
        if (bar) bar->advance();
      }
    }
    for (const RowWorker& r : workers) add_counts(total, r.counts);
  }
}

Candidates CandidateScan::rows(const std::vector<uint32_t>& rows, uint32_t cols_begin,
                               Progress* bar, PrefilterCounts* counts) {
  Impl& m = *impl_;
  CLEAVE_EXPECTS(std::is_sorted(rows.begin(), rows.end()) &&
                     std::adjacent_find(rows.begin(), rows.end()) == rows.end() &&
                     (rows.empty() || rows.back() < m.seqs.size()),
                 "the rows of a prefilter scan must be distinct sequences in ascending order");
  std::vector<std::vector<uint32_t>> found(rows.size());
  PrefilterCounts total;
  if (m.scorer)
    m.rows_scored(rows, cols_begin, bar, found, total);
  else
    m.rows_on_cpu(rows, cols_begin, bar, found, total);
  if (counts) *counts = total;
  Candidates c;
  c.offsets.assign(m.seqs.size() + 1, 0);
  for (std::size_t k = 0; k < rows.size(); ++k) c.offsets[rows[k] + 1] = found[k].size();
  for (std::size_t i = 0; i < m.seqs.size(); ++i) c.offsets[i + 1] += c.offsets[i];
  c.cols.reserve(c.offsets.back());
  for (auto& f : found) c.cols.insert(c.cols.end(), f.begin(), f.end());
  return c;
}

void CandidateScan::set_scorer(EventScorer* scorer) {
  CLEAVE_EXPECTS(scorer == nullptr || event_kernel_fits(impl_->p),
                 "the event scorer does not fit these prefilter settings (banded half-width {})",
                 impl_->p.gapped_band);
  impl_->scorer = scorer;
}

bool event_kernel_fits(const PrefilterParams& p) {
  return p.min_gapped <= 0 || p.gapped_band == kernels::kEventBandW;
}

kernels::EventScoreJob event_score_job(const PrefilterParams& p, const kernels::ScoreScheme& sc) {
  kernels::EventScoreJob job;
  job.sc = sc;
  job.window = p.window;
  job.min_ungapped = p.min_ungapped;
  job.min_gapped = p.min_gapped;
  return job;
}

uint64_t CandidateScan::fixed_bytes(const Sequences& seqs, const PrefilterParams& settled,
                                    int threads) {
  if (threads <= 0) threads = omp_get_max_threads();
  const auto al = seed_alphabet(seqs.alphabet, settled.reduce);
  uint32_t longest = 0;
  for (std::size_t i = 0; i < seqs.size(); ++i) longest = std::max(longest, seqs.length(i));
  const bool narrow = longest <= uint32_t{std::numeric_limits<int16_t>::max()};
  // Per thread: a hit memory and a length per target.
  const uint64_t per_target = narrow ? sizeof(Track<int16_t>) + sizeof(uint16_t)
                                     : sizeof(Track<int32_t>) + sizeof(uint32_t);
  uint64_t bytes = static_cast<uint64_t>(threads) * per_target * seqs.size();
  for (const auto& pattern : settled.patterns)
    bytes += (seed_shape(al, pattern).n_codes + 1) * sizeof(uint64_t);  // bucket starts
  return bytes;
}

uint64_t CandidateScan::residue_bytes(const PrefilterParams& settled) {
  // Every shape's postings (sequence and position), and one shape's codes
  // while that shape is sorted into its buckets.
  return settled.patterns.size() * 2 * sizeof(uint32_t) + sizeof(uint32_t);
}

std::vector<TargetSlice> CandidateScan::split(const Sequences& seqs, uint32_t count,
                                              TargetSlice within) {
  // Slice k ends at the first sequence whose residues (from the range's
  // start) reach k/count of the range's.
  const uint64_t first = within.begin;
  const uint64_t last = std::min<uint64_t>(within.end, seqs.size());
  const uint64_t n = last > first ? last - first : 0;
  const uint64_t base = seqs.offsets[first];
  const uint64_t total = n ? seqs.offsets[last] - base : 0;
  count = static_cast<uint32_t>(std::clamp<uint64_t>(count, 1, std::max<uint64_t>(n, 1)));
  std::vector<TargetSlice> out;
  uint64_t begin = 0;
  for (uint32_t k = 1; k <= count && begin < n; ++k) {
    const uint64_t goal = total / count * k + total % count * k / count;  // floor(total k / count)
    // At least one sequence a slice, and one left for each later slice.
    uint64_t end = begin + 1;
    while (end < n - (count - k) && seqs.offsets[first + end] - base < goal) ++end;
    if (k == count) end = n;
    out.push_back({static_cast<uint32_t>(first + begin), static_cast<uint32_t>(first + end)});
    begin = end;
  }
  return out;
}

uint64_t CandidateScan::slice_bytes(const Sequences& seqs, const PrefilterParams& settled,
                                    int threads, TargetSlice slice) {
  return fixed_bytes(seqs, settled, threads) +
         residue_bytes(settled) * (seqs.offsets[slice.end] - seqs.offsets[slice.begin]);
}

uint32_t CandidateScan::slice_count(const Sequences& seqs, const PrefilterParams& settled,
                                    int threads, uint64_t budget, TargetSlice within) {
  if (threads <= 0) threads = omp_get_max_threads();
  const uint64_t first = within.begin;
  const uint64_t last = std::min<uint64_t>(within.end, seqs.size());
  const uint64_t n = last > first ? last - first : 0;
  const uint64_t fixed = fixed_bytes(seqs, settled, threads);
  const uint64_t per = residue_bytes(settled);
  uint64_t longest = 0;
  for (uint64_t i = first; i < last; ++i) longest = std::max<uint64_t>(longest, seqs.length(i));
  const uint64_t whole = fixed + per * (n ? seqs.offsets[last] - seqs.offsets[first] : 0);
  if (whole <= budget || n == 0) return 1;
  const uint64_t least = fixed + per * longest;
  if (budget < least)
    CLEAVE_FAIL(out_of_memory,
                "the sequence prefilter needs at least {} ({} of scan state for {} threads and "
                "{} sequences, and {} bytes a residue of the longest sequence in the index) but "
                "the memory budget is {}; raise --max-memory (the whole index would take {})",
                detail::format_bytes(least), detail::format_bytes(fixed), threads, seqs.size(), per,
                detail::format_bytes(budget), detail::format_bytes(whole));
  // The fewest equal slices whose largest fits (more when long sequences
  // make the slices uneven; n slices of one sequence each always fit).
  auto count = static_cast<uint32_t>((whole - fixed + (budget - fixed) - 1) / (budget - fixed));
  for (;; ++count) {
    bool fit = true;
    for (const TargetSlice& sl : split(seqs, count, within))
      fit = fit && fixed + per * (seqs.offsets[sl.end] - seqs.offsets[sl.begin]) <= budget;
    if (fit || count >= n) return count;
  }
}

Candidates prefilter_candidates(const Sequences& seqs, const kernels::ScoreScheme& sc,
                                const PrefilterParams& asked, int threads, bool progress,
                                PrefilterCounts* counts, PrefilterRange range) {
  CandidateScan scan(seqs, sc, settle_seeds(seqs, asked, range), threads);
  const std::vector<uint32_t> rows = CandidateScan::share_rows(seqs.size(), range);
  Progress bar("sequence prefilter", rows.size());
  Candidates c = scan.rows(rows, range.cols_begin, progress ? &bar : nullptr, counts);
  bar.finish();
  return c;
}

}  // namespace cleave::align_detail
