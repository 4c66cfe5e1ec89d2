#pragma once
/// @file align_common.hpp
/// @brief Internals shared by the sequence backends: the resolved scoring
/// scheme, the per-tile bookkeeping (histogram, edges) and the checksum of
/// sequences and parameters.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "cleave/scheduler.hpp"
#include "cleave/sequence.hpp"
#include "kernels/align.hpp"

namespace cleave::align_detail {

/// Scores and gaps for the alphabet, defaults filled in; validates options.
kernels::ScoreScheme make_scheme(Alphabet alphabet, const AlignOptions& opt);

/// Checksum of the residues, offsets, alphabet and every parameter that
/// changes the graph.
uint64_t sequences_checksum(const Sequences& seqs, const AlignOptions& opt);

/// @brief What every sequence PairComputer shares: the sequences, options,
/// resolved scoring scheme, input checksum and the longest sequence.
class SequenceComputerBase : public PairComputer {
 public:
  SequenceComputerBase(const Sequences& seqs, const AlignOptions& opt)
      : seqs_(seqs),
        opt_(opt),
        sc_(make_scheme(seqs.alphabet, opt)),
        checksum_(sequences_checksum(seqs, opt)) {
    for (std::size_t k = 0; k < seqs.size(); ++k)
      max_len_ = seqs.length(k) > max_len_ ? seqs.length(k) : max_len_;
  }
  [[nodiscard]] uint64_t size() const override { return seqs_.size(); }
  [[nodiscard]] Measure measure() const override { return Measure::identity; }
  [[nodiscard]] double threshold() const override { return opt_.threshold; }
  [[nodiscard]] uint64_t input_checksum() const override { return checksum_; }

 protected:
  const Sequences& seqs_;
  AlignOptions opt_;
  kernels::ScoreScheme sc_;
  uint64_t checksum_;
  uint32_t max_len_ = 0;
};

/// Adds pair (i, j) with statistics s to a tile result.
inline void record_pair(const Sequences& seqs, uint64_t i, uint64_t j, const kernels::AlignStats& s,
                        const AlignOptions& opt, TileResult& out) {
  const double id = kernels::stats_identity(s, static_cast<int32_t>(seqs.length(i)),
                                            static_cast<int32_t>(seqs.length(j)),
                                            opt.identity == IdentityKind::shorter);
  out.histogram.add(id);
  if (id >= opt.threshold)
    out.edges.push_back(
        {static_cast<uint32_t>(i), static_cast<uint32_t>(j), static_cast<float>(id)});
}

/// Arguments of one SIMD batch: query q against targets[order[0..n)].
struct LaneJob {
  const uint8_t* q = nullptr;
  int32_t nq = 0;
  const uint8_t* const* targets = nullptr;
  const int32_t* lens = nullptr;
  const uint32_t* order = nullptr;
  std::size_t n = 0;
  const kernels::ScoreScheme* sc = nullptr;
  kernels::AlignStats* out = nullptr;
  void* work = nullptr;  ///< (nq + 1) * 6 + 48 vectors of 32 bytes, 64-byte aligned
};
void align_entry_avx2(LaneJob job, const uint32_t* order16, std::size_t n16,
                      const uint32_t* order32, std::size_t n32, bool local);
void align_entry_generic(LaneJob job, const uint32_t* order16, std::size_t n16,
                         const uint32_t* order32, std::size_t n32, bool local);

/// The CPU computer (inter-sequence SIMD).
std::unique_ptr<PairComputer> make_cpu_computer(const Sequences& seqs, const AlignOptions& opt);

/// Aligns query q against every target (SIMD lanes; int16, int32 for
/// pairs whose scores could leave int16). q is parasail's s1.
void align_batch(const uint8_t* q, int32_t nq, const uint8_t* const* targets, const int32_t* lens,
                 std::size_t n_targets, const kernels::ScoreScheme& sc, bool local,
                 kernels::AlignStats* out);

/// Largest magnitude any DP value (scores, gap states, counters) of a pair
/// (n1, n2) reaches.
int64_t dp_magnitude(int32_t n1, int32_t n2, const kernels::ScoreScheme& sc);

/// Whether the int16 lanes hold every value of the DP of a pair (n1, n2).
bool fits_int16(int32_t n1, int32_t n2, const kernels::ScoreScheme& sc);

}  // namespace cleave::align_detail
