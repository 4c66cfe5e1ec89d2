/// @file align_cuda.cu
/// @brief The cuda sequence backend: one thread per pair over a tile
/// (kernels/align_tile.hpp) computing identity, histogram and threshold on
/// the device with the cpu backend's formula; only the edges and the
/// histogram come back, through pinned buffers on the computer's stream.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "kernels/align_tile.hpp"
#include "kernels/fingerprint_launch.cuh"
#include "similarity/align_common.hpp"
#include "similarity/align_cuda.hpp"

#define CLEAVE_ALIGN_CUDA_CHECK(call) ::cleave::align_detail::check_cuda((call), #call)

namespace cleave::align_detail {

namespace {

/// Throws errc::cuda naming the failed call (through a host .cpp: fmt,
/// used by error.hpp, does not compile under nvcc in C++20).
void check_cuda(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw_cuda_error(what, cudaGetErrorString(err));
}

__global__ void align_tile_kernel(kernels::AlignTileJob job) {
  kernels::align_tile_body(job, blockIdx.x, threadIdx.x, blockDim.x, gridDim.x);
}

/// A stream that waits for the legacy default stream (the uploads).
struct Stream {
  cudaStream_t s = nullptr;
  Stream() { CLEAVE_ALIGN_CUDA_CHECK(cudaStreamCreate(&s)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() {
    if (s) {
      cudaStreamSynchronize(s);
      cudaStreamDestroy(s);
    }
  }
};

constexpr uint32_t kBlock = 128;
/// Scratch for the DP columns of all threads.
constexpr uint64_t kScratchBytes = uint64_t{512} << 20;
/// Bytes of one edge in the device and pinned buffers (u, v, w).
constexpr uint64_t kEdgeBytes = 2 * sizeof(uint32_t) + sizeof(float);

class CudaSequenceComputer final : public SequenceComputerBase {
 public:
  CudaSequenceComputer(const Sequences& seqs, const AlignOptions& opt)
      : SequenceComputerBase(seqs, opt) {
    residues_.reserve(seqs.residues.size());
    offsets_.reserve(seqs.offsets.size());
    CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpy(residues_.get(), seqs.residues.data(), seqs.residues.size(),
                                       cudaMemcpyHostToDevice));
    CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpy(offsets_.get(), seqs.offsets.data(),
                                       seqs.offsets.size() * sizeof(uint64_t),
                                       cudaMemcpyHostToDevice));
    const uint64_t per_thread = (uint64_t{max_len_} + 1) * sizeof(kernels::DpCell);
    const uint64_t threads = std::clamp<uint64_t>(kScratchBytes / per_thread, kBlock, 1 << 16);
    grid_ = static_cast<uint32_t>(threads / kBlock);
    work_.reserve((uint64_t{max_len_} + 1) * grid_ * kBlock);
    count_.reserve(1);
    h_count_.reserve(1);
  }
  [[nodiscard]] bool concurrent() const override { return false; }
  [[nodiscard]] uint64_t tile_bytes(uint64_t tile) const override {
    // Room for edges from a quarter of the pairs (the planning figure; a
    // tile with more grows it) on the device, pinned and in the result, and
    // the histogram on the device and pinned. The DP scratch does not
    // depend on the tile and is allocated once.
    return tile * tile / 4 * (2 * kEdgeBytes + sizeof(Edge)) +
           2 * uint64_t{Histogram::kDefaultBins} * sizeof(unsigned long long);
  }
  void compute(const Tile& tile, TileResult& out) override {
    const uint64_t pairs = (tile.row1 - tile.row0) * (tile.col1 - tile.col0);
    if (pairs == 0) return;
    const auto bins = static_cast<uint32_t>(out.histogram.counts.size());
    hist_.reserve(bins);
    h_hist_.reserve(bins);
    grow(std::max<uint64_t>(pairs / 4, 1));
    kernels::AlignTileJob job;
    job.residues = residues_.get();
    job.offsets = offsets_.get();
    job.row0 = tile.row0;
    job.row1 = tile.row1;
    job.col0 = tile.col0;
    job.col1 = tile.col1;
    job.sc = sc_;
    job.local = opt_.mode == AlignMode::local;
    job.shorter = opt_.identity == IdentityKind::shorter;
    job.threshold = opt_.threshold;
    job.hist = kernels::HistSpec{out.histogram.lo, out.histogram.hi, bins};
    job.work = work_.get();
    // The grid-stride loop needs the scratch laid out for the launched grid.
    const auto blocks =
        static_cast<uint32_t>(std::min<uint64_t>(grid_, (pairs + kBlock - 1) / kBlock));
    uint64_t count = run(job, blocks);
    if (count > capacity_) {  // overflow: run the tile again with room for all its edges
      grow(std::min(count + count / 4, pairs));
      count = run(job, blocks);
      if (count > capacity_)
        kernels::raise_cuda_error(__FILE__, __LINE__, "a tile's edge count changed between runs",
                                  true);
    }
    if (count > 0) {
      CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpyAsync(h_u_.get(), u_.get(), count * sizeof(uint32_t),
                                              cudaMemcpyDeviceToHost, stream_.s));
      CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpyAsync(h_v_.get(), v_.get(), count * sizeof(uint32_t),
                                              cudaMemcpyDeviceToHost, stream_.s));
      CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpyAsync(h_w_.get(), w_.get(), count * sizeof(float),
                                              cudaMemcpyDeviceToHost, stream_.s));
    }
    CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpyAsync(h_hist_.get(), hist_.get(),
                                            bins * sizeof(unsigned long long),
                                            cudaMemcpyDeviceToHost, stream_.s));
    CLEAVE_ALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_.s));
    out.edges.reserve(out.edges.size() + count);
    for (uint64_t k = 0; k < count; ++k)
      out.edges.push_back({h_u_.get()[k], h_v_.get()[k], h_w_.get()[k]});
    for (uint32_t b = 0; b < bins; ++b) out.histogram.counts[b] += h_hist_.get()[b];
  }

 private:
  /// Room for at least `capacity` edges on the device and pinned.
  void grow(uint64_t capacity) {
    if (capacity <= capacity_) return;
    u_.reserve(capacity);
    v_.reserve(capacity);
    w_.reserve(capacity);
    h_u_.reserve(capacity);
    h_v_.reserve(capacity);
    h_w_.reserve(capacity);
    capacity_ = capacity;
  }

  /// Zeroes the count and histogram, runs the kernel on the stream and
  /// returns the number of edges it found (more than capacity_: overflow).
  uint64_t run(kernels::AlignTileJob job, uint32_t blocks) {
    job.out = kernels::EdgeOut{u_.get(), v_.get(), w_.get(), count_.get(), capacity_, hist_.get()};
    CLEAVE_ALIGN_CUDA_CHECK(
        cudaMemsetAsync(count_.get(), 0, sizeof(unsigned long long), stream_.s));
    CLEAVE_ALIGN_CUDA_CHECK(
        cudaMemsetAsync(hist_.get(), 0, job.hist.bins * sizeof(unsigned long long), stream_.s));
    align_tile_kernel<<<blocks, kBlock, 0, stream_.s>>>(job);
    CLEAVE_ALIGN_CUDA_CHECK(cudaGetLastError());
    CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpyAsync(h_count_.get(), count_.get(),
                                            sizeof(unsigned long long), cudaMemcpyDeviceToHost,
                                            stream_.s));
    CLEAVE_ALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_.s));
    return *h_count_.get();
  }

  uint32_t grid_ = 1;
  kernels::DeviceArray<uint8_t> residues_;
  kernels::DeviceArray<uint64_t> offsets_;
  kernels::DeviceArray<kernels::DpCell> work_;
  kernels::DeviceArray<uint32_t> u_, v_;
  kernels::DeviceArray<float> w_;
  kernels::DeviceArray<unsigned long long> count_, hist_;
  kernels::PinnedArray<uint32_t> h_u_, h_v_;
  kernels::PinnedArray<float> h_w_;
  kernels::PinnedArray<unsigned long long> h_count_, h_hist_;
  uint64_t capacity_ = 0;
  Stream stream_;  ///< last: destroyed (and synchronised) before the buffers
};

}  // namespace

std::unique_ptr<PairComputer> make_cuda_computer(const Sequences& seqs, const AlignOptions& opt) {
  return std::make_unique<CudaSequenceComputer>(seqs, opt);
}

}  // namespace cleave::align_detail
