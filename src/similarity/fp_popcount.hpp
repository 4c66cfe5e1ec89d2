#pragma once
/// @file fp_popcount.hpp
/// @brief Run-time dispatched popcount kernels for the CPU fingerprint
/// backend: |a & b_j| of one fingerprint against a run of consecutive ones.
///
/// Paths: AVX-512 VPOPCNTDQ, AVX2 (nibble lookup with vpshufb, Muła, Kurz and
/// Lemire, "Faster population counts using AVX2 instructions", Computer
/// Journal 2018; four targets per pass against a query held in registers,
/// their byte counts reduced together), and scalar POPCNT. A second
/// dispatched pass (FinishFn) turns counts into similarities, histogram bins
/// and hits, eight or four pairs at a time on AVX2. Each is chosen only when the CPU has it
/// (__builtin_cpu_supports); the environment variable CLEAVE_SIMD=scalar|avx2|
/// avx512 forces one (tests compare them). Counts are exact integers, so all
/// paths give identical results.
#include <cstdint>
#include <vector>

#include "kernels/fingerprint_common.hpp"
#include "kernels/fingerprint_ops.hpp"

namespace cleave::similarity_detail {

enum class SimdPath { scalar, avx2, avx512 };

const char* simd_path_name(SimdPath p);
/// Whether this CPU (and this build) can run path p.
bool simd_path_supported(SimdPath p);
/// The widest supported path, or the one CLEAVE_SIMD names (an unsupported
/// or unknown name throws invalid_argument).
SimdPath simd_path_selected();

/// out[j] = |a & bs[j]| for j < n, where bs holds n rows of `words` words.
using AndPopcountFn = void (*)(const uint64_t* a, const uint64_t* bs, uint32_t n, uint32_t words,
                               uint32_t* out);
AndPopcountFn and_popcount_kernel(SimdPath p);

/// |a| over `words` words.
uint32_t popcount_row(const uint64_t* a, uint32_t words);

/// What the finishing pass needs besides the counts: the measure, the edge
/// threshold and the histogram's binning.
struct FinishSpec {
  kernels::BitMeasure measure = kernels::BitMeasure::tanimoto;
  double threshold = 0.0;
  kernels::HistSpec hist;
};

/// A worker's state for the finishing pass: the histogram counts (spec.hist
/// bins) and, on the AVX2 path for Tanimoto and Dice, counts of pairs by
/// (key, |a & b|), where key is |a | b| (Tanimoto) or |a| + |b| (Dice); the
/// similarity is a function of those two alone, so a pair costs one
/// increment instead of a division, and flush() bins each distinct (key,
/// common) once, with the measure's own functor. Pairs with key >= kKeys or
/// common >= kCommons take the direct path.
struct FinishScratch {
  static constexpr uint32_t kKeys = 256;
  static constexpr uint32_t kCommons = 128;
  std::vector<uint64_t> hist;
  std::vector<uint32_t> table;  ///< kKeys * kCommons counts, index key * kCommons + common
  uint64_t in_table = 0;        ///< pairs counted in table since the last flush

  explicit FinishScratch(const FinishSpec& spec);
  /// Bins the table's pairs into hist and clears the table.
  void flush(const FinishSpec& spec);
};

/// The finishing pass over one query against n targets, after the popcount
/// kernel: for k < n, the pair's similarity s is the measure's functor
/// Op::finish(pa, pb[k], common[k]) bit for bit; it is counted in the
/// histogram (directly or through the scratch table: call flush() before
/// reading scratch.hist), and when s >= threshold, hit_k[m] = k and hit_s[m] =
/// s for the m-th hit, in increasing k. Returns the number of hits (<= n).
using FinishFn = uint32_t (*)(const FinishSpec& spec, uint32_t pa, const uint32_t* pb,
                              const uint32_t* common, uint32_t n, FinishScratch& scratch,
                              uint32_t* hit_k, double* hit_s);
FinishFn finish_kernel(SimdPath p);

}  // namespace cleave::similarity_detail
