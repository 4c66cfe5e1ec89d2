/// @file align_cpu.cpp
/// @brief The cpu sequence backend: SIMD batch dispatch (AVX2 when the CPU
/// has it, 16-byte vectors otherwise) and the PairComputer over tiles.
#include <algorithm>
#include <cstring>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "similarity/align_common.hpp"

namespace cleave::align_detail {

namespace {

struct Bounds {
  int32_t smin = 0, smax = 0;
};

Bounds score_bounds(const kernels::ScoreScheme& sc) {
  Bounds b;
  for (int k = 0; k < sc.size * sc.size; ++k) {
    b.smin = std::min<int32_t>(b.smin, sc.m[k]);
    b.smax = std::max<int32_t>(b.smax, sc.m[k]);
  }
  return b;
}

bool have_avx2() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
#else
  return false;
#endif
}

}  // namespace

/// Largest magnitude any DP value (scores, gap states, counters) reaches.
int64_t dp_magnitude(int32_t n1, int32_t n2, const kernels::ScoreScheme& sc) {
  const Bounds b = score_bounds(sc);
  const int64_t step = std::max<int64_t>({-int64_t{b.smin}, sc.gap_extend, 1});
  const int64_t low = 2 * int64_t{sc.gap_open} + sc.gap_extend + (int64_t{n1} + n2) * step;
  const int64_t high = int64_t{std::min(n1, n2)} * b.smax + sc.gap_open;
  return std::max({low, high, int64_t{n1} + n2});
}

bool fits_int16(int32_t n1, int32_t n2, const kernels::ScoreScheme& sc) {
  // The int16 sentinel is -16384; every value must stay well above it.
  return dp_magnitude(n1, n2, sc) < 16000;
}

void align_batch(const uint8_t* q, int32_t nq, const uint8_t* const* targets, const int32_t* lens,
                 std::size_t n_targets, const kernels::ScoreScheme& sc, bool local,
                 kernels::AlignStats* out) {
  thread_local std::vector<uint32_t> order16, order32;
  thread_local std::vector<unsigned char> work;
  order16.clear();
  order32.clear();
  for (std::size_t t = 0; t < n_targets; ++t) {
    if (nq == 0 || lens[t] == 0) {
      out[t] = kernels::AlignStats{};
    } else if (fits_int16(nq, lens[t], sc)) {
      order16.push_back(static_cast<uint32_t>(t));
    } else {
      CLEAVE_EXPECTS(dp_magnitude(nq, lens[t], sc) < (int64_t{1} << 29),
                     "sequences of {} and {} residues are too long to align", nq, lens[t]);
      order32.push_back(static_cast<uint32_t>(t));
    }
  }
  if (order16.empty() && order32.empty()) return;
  const std::size_t bytes = (static_cast<std::size_t>(nq) + 1) * 6 * 32 + 48 * 32 + 64;
  if (work.size() < bytes) work.resize(bytes);
  auto addr = reinterpret_cast<std::uintptr_t>(work.data());
  LaneJob job;
  job.q = q;
  job.nq = nq;
  job.targets = targets;
  job.lens = lens;
  job.sc = &sc;
  job.out = out;
  job.work = reinterpret_cast<void*>((addr + 63) & ~std::uintptr_t{63});
  if (have_avx2())
    align_entry_avx2(job, order16.data(), order16.size(), order32.data(), order32.size(), local);
  else
    align_entry_generic(job, order16.data(), order16.size(), order32.data(), order32.size(), local);
}

namespace {

class CpuSequenceComputer final : public SequenceComputerBase {
 public:
  using SequenceComputerBase::SequenceComputerBase;
  [[nodiscard]] uint64_t tile_bytes(uint64_t tile) const override {
    // Edges (a quarter of the pairs, as a planning figure), per-row
    // statistics and the SIMD working column.
    return tile * tile / 4 * sizeof(Edge) + tile * (sizeof(kernels::AlignStats) + 16) +
           (uint64_t{max_len_} + 1) * 6 * 32 + 4096;
  }
  void compute(const Tile& tile, TileResult& out) override {
    std::vector<const uint8_t*> ptrs;
    std::vector<int32_t> lens;
    std::vector<kernels::AlignStats> stats;
    for (uint64_t i = tile.row0; i < tile.row1; ++i) {
      // A tile of long sequences takes many seconds: the cancel hook is
      // polled per row too (an unfinished tile is never checkpointed).
      check_cancelled(hooks_);
      const uint64_t j0 = std::max(tile.col0, i + 1);
      if (j0 >= tile.col1) continue;
      ptrs.clear();
      lens.clear();
      for (uint64_t j = j0; j < tile.col1; ++j) {
        ptrs.push_back(seqs_.data(j));
        lens.push_back(static_cast<int32_t>(seqs_.length(j)));
      }
      stats.assign(ptrs.size(), {});
      align_batch(seqs_.data(i), static_cast<int32_t>(seqs_.length(i)), ptrs.data(), lens.data(),
                  ptrs.size(), sc_, opt_.mode == AlignMode::local, stats.data());
      for (uint64_t j = j0; j < tile.col1; ++j) record_pair(seqs_, i, j, stats[j - j0], opt_, out);
    }
  }

 private:
  const CallHooks* hooks_ = current_call_hooks();  ///< of the thread that made the computer
};

}  // namespace

std::unique_ptr<PairComputer> make_cpu_computer(const Sequences& seqs, const AlignOptions& opt) {
  return std::make_unique<CpuSequenceComputer>(seqs, opt);
}

}  // namespace cleave::align_detail
