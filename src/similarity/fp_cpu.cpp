/// @file fp_cpu.cpp
/// @brief The CPU fingerprint PairComputer: per-fingerprint popcounts once,
/// then each tile in cache blocks (kRowBlock query rows against a block of
/// targets small enough to stay in L1), |a & b| from the dispatched popcount
/// kernel, then the dispatched finishing pass (similarity by the measure's
/// functor in kernels/fingerprint_ops.hpp, histogram, threshold).
#include <algorithm>
#include <string>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave::similarity_detail {

kernels::BitMeasure bit_measure(Measure m) {
  switch (m) {
    case Measure::tanimoto:
      return kernels::BitMeasure::tanimoto;
    case Measure::dice:
      return kernels::BitMeasure::dice;
    case Measure::cosine:
      return kernels::BitMeasure::cosine;
    default:
      CLEAVE_FAIL(invalid_argument,
                  "measure '{}' does not apply to bit fingerprints (use tanimoto, dice or cosine)",
                  measure_name(m));
  }
}

uint64_t fingerprint_checksum(const Fingerprints& fps, Measure m, double threshold) {
  Checksum c;
  c.update(fps.words.data(), fps.words.size() * sizeof(uint64_t));
  c.update_value(fps.n_bits);
  c.update_value(static_cast<uint32_t>(m));
  c.update_value(threshold);
  return c.digest();
}

kernels::HistSpec hist_spec(const Histogram& h) {
  return kernels::HistSpec{h.lo, h.hi, static_cast<uint32_t>(h.counts.size())};
}

namespace {

class FingerprintCpu final : public PairComputer {
 public:
  FingerprintCpu(const Fingerprints& fps, Measure m, double threshold, SimdPath path)
      : fps_(fps),
        measure_(m),
        kind_(bit_measure(m)),
        threshold_(threshold),
        kernel_(and_popcount_kernel(path)),
        finish_(finish_kernel(path)),
        checksum_(fingerprint_checksum(fps, m, threshold)),
        pc_(fps.size()) {
    for (std::size_t i = 0; i < pc_.size(); ++i)
      pc_[i] = popcount_row(fps.row(i), fps.words_per_fp);
    // Targets of one block fit in half of a 32 KiB L1 data cache.
    const uint64_t row_bytes = uint64_t{8} * fps.words_per_fp;
    col_block_ = static_cast<uint32_t>(std::clamp<uint64_t>(16384 / row_bytes, 8, 512));
  }

  [[nodiscard]] uint64_t size() const override { return fps_.size(); }
  [[nodiscard]] Measure measure() const override { return measure_; }
  [[nodiscard]] double threshold() const override { return threshold_; }
  [[nodiscard]] uint64_t input_checksum() const override { return checksum_; }
  [[nodiscard]] uint64_t tile_bytes(uint64_t tile) const override {
    // Popcount buffer plus a generous allowance for edges (a tile's edges
    // are bounded by the scheduler's budget, not by this estimate).
    return tile * sizeof(uint32_t) + tile * tile / 16 * sizeof(Edge) + 2 * sizeof(Histogram);
  }

  void compute(const Tile& t, TileResult& out) override {
    if (out.histogram.counts.empty()) out.histogram = Histogram{};
    const FinishSpec spec{kind_, threshold_, hist_spec(out.histogram)};
    const uint32_t words = fps_.words_per_fp;
    std::vector<uint32_t> common(col_block_), hit_k(col_block_);
    std::vector<double> hit_s(col_block_);
    FinishScratch scratch(spec);
    for (uint64_t jb = t.col0; jb < t.col1; jb += col_block_) {
      const uint64_t je = std::min<uint64_t>(t.col1, jb + col_block_);
      for (uint64_t ib = t.row0; ib < t.row1; ib += kRowBlock) {
        const uint64_t ie = std::min<uint64_t>(t.row1, ib + kRowBlock);
        for (uint64_t i = ib; i < ie && i + 1 < je; ++i) {
          const uint64_t j0 = std::max(jb, i + 1);
          const auto n = static_cast<uint32_t>(je - j0);
          kernel_(fps_.row(i), fps_.row(j0), n, words, common.data());
          const uint32_t hits = finish_(spec, pc_[i], pc_.data() + j0, common.data(), n, scratch,
                                        hit_k.data(), hit_s.data());
          for (uint32_t h = 0; h < hits; ++h)
            out.edges.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(j0 + hit_k[h]),
                                 static_cast<float>(hit_s[h])});
        }
      }
    }
    scratch.flush(spec);
    for (std::size_t b = 0; b < scratch.hist.size(); ++b)
      out.histogram.counts[b] += scratch.hist[b];
  }

 private:
  static constexpr uint64_t kRowBlock = 16;

  const Fingerprints& fps_;
  Measure measure_;
  kernels::BitMeasure kind_;
  double threshold_;
  AndPopcountFn kernel_;
  FinishFn finish_;
  uint64_t checksum_;
  std::vector<uint32_t> pc_;
  uint32_t col_block_ = 64;
};

}  // namespace

std::unique_ptr<PairComputer> make_fingerprint_cpu(const Fingerprints& fps, Measure m,
                                                   double threshold, SimdPath path) {
  return std::make_unique<FingerprintCpu>(fps, m, threshold, path);
}

}  // namespace cleave::similarity_detail

namespace cleave::kernels {

void raise_cuda_error(const char* file, int line, const std::string& what, bool internal) {
  detail::raise(internal ? errc::internal : errc::cuda, file, line, what);
}

}  // namespace cleave::kernels
