/// @file fp_cuda.cu
/// @brief The CUDA fingerprint PairComputer: fingerprints and popcounts
/// resident on the device; each tile runs as slabs of rows through the fused
/// kernel of kernels/fingerprint_kernel.hpp (popcount, integer threshold and
/// histogram tables, shared histogram, compaction) on two streams with pinned
/// double-buffered output. Two tiles run at once, each on its own pipeline
/// from a pool, so one tile's kernels overlap the other's harvest.
#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "kernels/fingerprint_kernel.hpp"
#include "kernels/fingerprint_launch.cuh"
#include "similarity/fp_computer.hpp"

namespace cleave::similarity_detail {

namespace {

using namespace kernels;

class FingerprintCuda final : public PairComputer {
 public:
  FingerprintCuda(const Fingerprints& fps, Measure m, double threshold)
      : n_(fps.size()),
        words_(fps.words_per_fp),
        measure_(m),
        kind_(bit_measure(m)),
        threshold_(threshold),
        checksum_(fingerprint_checksum(fps, m, threshold)),
        pool_(kTilesInFlight,
              [] { return std::make_unique<SlabPipeline>(Histogram::kDefaultBins); }) {
    // The finish tables, built once on the host, live on the device.
    const FinishTables tables =
        make_finish_tables(kind_, threshold, hist_spec(Histogram{}), words_);
    fin_ = tables.view;
    hit_from_dev_.reserve(std::max<std::size_t>(tables.hit_from.size(), 1));
    exact_bin_dev_.reserve(tables.exact_bin.size());
    if (!tables.hit_from.empty())
      CLEAVE_FP_CUDA_CHECK(cudaMemcpy(hit_from_dev_.get(), tables.hit_from.data(),
                                      tables.hit_from.size() * sizeof(uint32_t),
                                      cudaMemcpyHostToDevice));
    CLEAVE_FP_CUDA_CHECK(cudaMemcpy(exact_bin_dev_.get(), tables.exact_bin.data(),
                                    tables.exact_bin.size() * sizeof(uint32_t),
                                    cudaMemcpyHostToDevice));
    fin_.hit_from = hit_from_dev_.get();
    fin_.exact_bin = exact_bin_dev_.get();
    std::vector<uint32_t> pc(n_);
    for (uint64_t i = 0; i < n_; ++i) pc[i] = popcount_row(fps.row(i), words_);
    words_dev_.reserve(fps.words.size());
    pc_dev_.reserve(n_);
    CLEAVE_FP_CUDA_CHECK(cudaMemcpy(words_dev_.get(), fps.words.data(),
                                    fps.words.size() * sizeof(uint64_t), cudaMemcpyHostToDevice));
    CLEAVE_FP_CUDA_CHECK(
        cudaMemcpy(pc_dev_.get(), pc.data(), n_ * sizeof(uint32_t), cudaMemcpyHostToDevice));
    device_budget_ = free_device_budget();
  }

  [[nodiscard]] uint64_t size() const override { return n_; }
  [[nodiscard]] Measure measure() const override { return measure_; }
  [[nodiscard]] double threshold() const override { return threshold_; }
  [[nodiscard]] uint64_t input_checksum() const override { return checksum_; }
  [[nodiscard]] bool concurrent() const override { return true; }
  [[nodiscard]] uint64_t max_in_flight() const override { return kTilesInFlight; }
  [[nodiscard]] uint64_t tile_bytes(uint64_t tile) const override {
    return tile * tile / 16 * sizeof(Edge) + 2 * sizeof(Histogram);
  }
  /// A pipeline whose slots hold a slab's edges at the density tile_bytes
  /// assumes (1/16 of the pairs; a denser slab grows its slot on demand).
  [[nodiscard]] uint64_t device_tile_bytes(uint64_t tile) const override {
    return slab_pipeline_bytes(kSlab * tile / 16, Histogram::kDefaultBins);
  }
  [[nodiscard]] uint64_t device_budget() const override { return device_budget_; }

  void compute(const Tile& t, TileResult& out) override {
    if (out.histogram.counts.empty()) out.histogram = Histogram{};
    const HistSpec hist = hist_spec(out.histogram);
    if (hist.lo != fin_.hist.lo || hist.hi != fin_.hist.hi || hist.bins != fin_.hist.bins)
      raise_cuda_error(__FILE__, __LINE__, "a tile's histogram differs from the kernel's tables",
                       true);
    // Slabs of rows, a multiple of the block height; each slab spans the
    // tile's columns (blocks entirely below the diagonal exit at once).
    auto pipeline = pool_.acquire();
    for (uint64_t r0 = t.row0; r0 < t.row1; r0 += kSlab) {
      const uint64_t r1 = std::min(t.row1, r0 + kSlab);
      const uint64_t c0 = std::max(t.col0, r0 + 1);
      if (c0 >= t.col1) break;
      FpTileParams p;
      p.rows = words_dev_.get() + r0 * words_;
      p.cols = words_dev_.get() + c0 * words_;
      p.row_pc = pc_dev_.get() + r0;
      p.col_pc = pc_dev_.get() + c0;
      p.row0 = r0;
      p.col0 = c0;
      p.n_rows = static_cast<uint32_t>(r1 - r0);
      p.n_cols = static_cast<uint32_t>(t.col1 - c0);
      p.words = words_;
      p.fin = fin_;
      pipeline->submit(SlabLaunch{p, kind_}, out);
    }
    pipeline->drain(out);
  }

 private:
  static constexpr uint32_t kTilesInFlight = 2;
  static constexpr uint64_t kSlab = 16 * FingerprintTileBody<TanimotoOp>::kBlockRows;

  /// One slab: the fused kernel for the measure.
  struct SlabLaunch {
    FpTileParams p;
    BitMeasure kind;
    void operator()(const EdgeOut& o, cudaStream_t stream) const {
      FpTileParams q = p;
      q.out = o;
      switch (kind) {
        case BitMeasure::dice:
          launch_body(FingerprintTileBody<DiceOp>{q}, stream);
          break;
        case BitMeasure::cosine:
          launch_body(FingerprintTileBody<BitCosineOp>{q}, stream);
          break;
        default:
          launch_body(FingerprintTileBody<TanimotoOp>{q}, stream);
      }
    }
  };

  uint64_t n_;
  uint32_t words_;
  Measure measure_;
  BitMeasure kind_;
  double threshold_;
  uint64_t checksum_;
  DeviceArray<uint64_t> words_dev_;
  DeviceArray<uint32_t> pc_dev_;
  IntFinish fin_;
  DeviceArray<uint32_t> hit_from_dev_, exact_bin_dev_;
  uint64_t device_budget_ = 0;
  ContextPool<SlabPipeline> pool_;
};

}  // namespace

int probe_fingerprint_kernel() {
  cudaFuncAttributes attr{};
  return static_cast<int>(
      cudaFuncGetAttributes(&attr, run_body_kernel<FingerprintTileBody<TanimotoOp>>));
}

std::unique_ptr<PairComputer> make_fingerprint_cuda(const Fingerprints& fps, Measure m,
                                                    double threshold) {
  return std::make_unique<FingerprintCuda>(fps, m, threshold);
}

}  // namespace cleave::similarity_detail
