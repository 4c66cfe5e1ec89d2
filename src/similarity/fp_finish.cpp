/// @file fp_finish.cpp
/// @brief Host side of the fingerprint kernel's integer finish
/// (kernels/fingerprint_finish.hpp): the tables and constants, computed with
/// the very functions the CPU backend finishes pairs with, so device and CPU
/// decide every tie the same way.
#include <algorithm>
#include <type_traits>

#include "cleave/error.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave::similarity_detail {

namespace {

/// The CPU backend's similarity of a Tanimoto or Dice pair from (c, key).
double ratio_similarity(kernels::BitMeasure m, uint32_t c, uint32_t key) {
  return m == kernels::BitMeasure::dice ? kernels::DiceOp::from_common_sum(c, key)
                                        : kernels::TanimotoOp::from_common_union(c, key);
}

}  // namespace

FinishTables make_finish_tables(kernels::BitMeasure m, double threshold,
                                const kernels::HistSpec& hist, uint32_t words) {
  CLEAVE_EXPECTS(hist.lo == 0.0 && hist.hi == 1.0 && hist.bins > 0,
                 "the fingerprint kernel bins similarities over [0, 1], not [{}, {}]", hist.lo,
                 hist.hi);
  const uint64_t max_key = uint64_t{2} * 64 * words;
  CLEAVE_EXPECTS(max_key * hist.bins < (uint64_t{1} << 32) && max_key < (uint64_t{1} << 24),
                 "{} histogram bins with {}-word fingerprints exceed the kernel's integer range",
                 hist.bins, words);
  FinishTables t;
  t.exact_bin.resize(hist.bins + 1);
  for (uint32_t k = 0; k <= hist.bins; ++k)
    t.exact_bin[k] = hist.bin(static_cast<double>(k) / static_cast<double>(hist.bins));
  kernels::IntFinish& f = t.view;
  f.bins = hist.bins;
  f.hist = hist;
  f.threshold = threshold;
  f.threshold_f = static_cast<float>(threshold);
  f.zero_bin = hist.bin(0.0);
  f.zero_hit = 0.0 >= threshold;
  if (m == kernels::BitMeasure::cosine) {
    f.empty_bin = f.zero_bin;
    f.empty_hit = f.zero_hit;
  } else {
    const double empty = ratio_similarity(m, 0, 0);
    f.empty_bin = hist.bin(empty);
    f.empty_hit = empty >= threshold;
    // The largest count a key admits: c <= key (Tanimoto), 2c <= key (Dice).
    t.hit_from.resize(max_key + 1);
    for (uint32_t key = 0; key <= max_key; ++key) {
      const uint32_t top = m == kernels::BitMeasure::dice ? key / 2 : key;
      // Smallest c in [0, top] with similarity >= threshold (monotone in c).
      uint32_t lo = 0, hi = top + 1;
      while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (key > 0 && ratio_similarity(m, mid, key) >= threshold) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      t.hit_from[key] = key == 0 ? (f.empty_hit ? 0 : 1) : lo;
    }
  }
  f.hit_from = t.hit_from.data();
  f.exact_bin = t.exact_bin.data();
  return t;
}

}  // namespace cleave::similarity_detail
