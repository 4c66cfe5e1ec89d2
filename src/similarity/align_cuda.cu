/// @file align_cuda.cu
/// @brief The cuda sequence backend: one thread per pair over a tile
/// (kernels/align_tile.hpp) computing identity, histogram and threshold on
/// the device with the cpu backend's formula; only the edges and the
/// histogram come back, through pinned buffers on the tile's stream. Two
/// tiles are in flight, each on its own context from a pool (stream, DP
/// scratch, edge buffers), like the fingerprint and embedding computers.
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
      : SequenceComputerBase(seqs, opt),
        pool_(kTilesInFlight, [this] { return std::make_unique<Context>(work_cells()); }) {
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
    device_budget_ = kernels::free_device_budget();
  }
  CudaSequenceComputer(const CudaSequenceComputer&) = delete;
  CudaSequenceComputer& operator=(const CudaSequenceComputer&) = delete;

  /// Two tiles at once, each on its own context (stream, DP scratch, edge
  /// buffers), so one tile's kernel runs while the other's edges come back
  /// and are appended, as the fingerprint and embedding computers do.
  [[nodiscard]] bool concurrent() const override { return true; }
  [[nodiscard]] uint64_t max_in_flight() const override { return kTilesInFlight; }
  [[nodiscard]] uint64_t tile_bytes(uint64_t tile) const override {
    // Room for edges from a quarter of the pairs (the planning figure; a
    // tile with more grows it) pinned and in the result, and the histogram
    // pinned.
    return tile * tile / 4 * (kEdgeBytes + sizeof(Edge)) +
           2 * uint64_t{Histogram::kDefaultBins} * sizeof(unsigned long long);
  }
  /// One context on the device: the DP scratch, edges from a quarter of the
  /// pairs and the histogram.
  [[nodiscard]] uint64_t device_tile_bytes(uint64_t tile) const override {
    return work_cells() * sizeof(kernels::DpCell) + tile * tile / 4 * kEdgeBytes +
           (2 * uint64_t{Histogram::kDefaultBins} + 1) * sizeof(unsigned long long);
  }
  [[nodiscard]] uint64_t device_budget() const override { return device_budget_; }

  void compute(const Tile& tile, TileResult& out) override {
    const uint64_t pairs = (tile.row1 - tile.row0) * (tile.col1 - tile.col0);
    if (pairs == 0) return;
    const auto bins = static_cast<uint32_t>(out.histogram.counts.size());
    auto ctx = pool_.acquire();
    ctx->hist.reserve(bins);
    ctx->h_hist.reserve(bins);
    ctx->grow(std::max<uint64_t>(pairs / 4, 1));
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
    job.work = ctx->work.get();
    // The grid-stride loop needs the scratch laid out for the launched grid.
    const auto blocks =
        static_cast<uint32_t>(std::min<uint64_t>(grid_, (pairs + kBlock - 1) / kBlock));
    uint64_t count = ctx->run(job, blocks);
    if (count > ctx->capacity) {  // overflow: run the tile again with room for all its edges
      ctx->grow(std::min(count + count / 4, pairs));
      count = ctx->run(job, blocks);
      if (count > ctx->capacity)
        kernels::raise_cuda_error(__FILE__, __LINE__, "a tile's edge count changed between runs",
                                  true);
    }
    const cudaStream_t s = ctx->stream.s;
    if (count > 0) {
      CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpyAsync(ctx->h_u.get(), ctx->u.get(),
                                              count * sizeof(uint32_t), cudaMemcpyDeviceToHost, s));
      CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpyAsync(ctx->h_v.get(), ctx->v.get(),
                                              count * sizeof(uint32_t), cudaMemcpyDeviceToHost, s));
      CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpyAsync(ctx->h_w.get(), ctx->w.get(), count * sizeof(float),
                                              cudaMemcpyDeviceToHost, s));
    }
    CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpyAsync(ctx->h_hist.get(), ctx->hist.get(),
                                            bins * sizeof(unsigned long long),
                                            cudaMemcpyDeviceToHost, s));
    CLEAVE_ALIGN_CUDA_CHECK(cudaStreamSynchronize(s));
    out.edges.reserve(out.edges.size() + count);
    for (uint64_t k = 0; k < count; ++k)
      out.edges.push_back({ctx->h_u.get()[k], ctx->h_v.get()[k], ctx->h_w.get()[k]});
    for (uint32_t b = 0; b < bins; ++b) out.histogram.counts[b] += ctx->h_hist.get()[b];
  }

 private:
  static constexpr uint32_t kTilesInFlight = 2;

  /// DP cells of one context's scratch: a column for every launched thread.
  [[nodiscard]] uint64_t work_cells() const { return (uint64_t{max_len_} + 1) * grid_ * kBlock; }

  /// What one tile in flight owns: its stream, DP scratch and edge buffers.
  struct Context {
    kernels::DeviceArray<kernels::DpCell> work;
    kernels::DeviceArray<uint32_t> u, v;
    kernels::DeviceArray<float> w;
    kernels::DeviceArray<unsigned long long> count, hist;
    kernels::PinnedArray<uint32_t> h_u, h_v;
    kernels::PinnedArray<float> h_w;
    kernels::PinnedArray<unsigned long long> h_count, h_hist;
    uint64_t capacity = 0;
    Stream stream;  ///< last: destroyed (and synchronised) before the buffers

    explicit Context(uint64_t cells) {
      work.reserve(cells);
      count.reserve(1);
      h_count.reserve(1);
    }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    /// Room for at least `n` edges on the device and pinned.
    void grow(uint64_t n) {
      if (n <= capacity) return;
      u.reserve(n);
      v.reserve(n);
      w.reserve(n);
      h_u.reserve(n);
      h_v.reserve(n);
      h_w.reserve(n);
      capacity = n;
    }

    /// Zeroes the count and histogram, runs the kernel on the stream and
    /// returns the number of edges it found (more than capacity: overflow).
    uint64_t run(kernels::AlignTileJob job, uint32_t blocks) {
      job.out = kernels::EdgeOut{u.get(), v.get(), w.get(), count.get(), capacity, hist.get()};
      CLEAVE_ALIGN_CUDA_CHECK(
          cudaMemsetAsync(count.get(), 0, sizeof(unsigned long long), stream.s));
      CLEAVE_ALIGN_CUDA_CHECK(
          cudaMemsetAsync(hist.get(), 0, job.hist.bins * sizeof(unsigned long long), stream.s));
      align_tile_kernel<<<blocks, kBlock, 0, stream.s>>>(job);
      CLEAVE_ALIGN_CUDA_CHECK(cudaGetLastError());
      CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpyAsync(h_count.get(), count.get(),
                                              sizeof(unsigned long long), cudaMemcpyDeviceToHost,
                                              stream.s));
      CLEAVE_ALIGN_CUDA_CHECK(cudaStreamSynchronize(stream.s));
      return *h_count.get();
    }
  };

  uint32_t grid_ = 1;
  uint64_t device_budget_ = 0;
  kernels::DeviceArray<uint8_t> residues_;
  kernels::DeviceArray<uint64_t> offsets_;
  /// Last: its contexts' streams finish before the inputs go.
  kernels::ContextPool<Context> pool_;
};

}  // namespace

std::unique_ptr<PairComputer> make_cuda_computer(const Sequences& seqs, const AlignOptions& opt) {
  return std::make_unique<CudaSequenceComputer>(seqs, opt);
}

}  // namespace cleave::align_detail
