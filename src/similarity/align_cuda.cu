/// @file align_cuda.cu
/// @brief The cuda sequence backend: one thread per pair over a tile
/// (kernels/align_tile.hpp), statistics copied back and turned into
/// identities on the host exactly as on the cpu backend.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/align_tile.hpp"
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

template <class T>
struct DeviceBuffer {
  T* ptr = nullptr;
  std::size_t n = 0;
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (ptr) cudaFree(ptr);
  }
  void reserve(std::size_t count) {
    if (count <= n) return;
    if (ptr) cudaFree(ptr);
    ptr = nullptr;
    n = 0;
    CLEAVE_ALIGN_CUDA_CHECK(cudaMalloc(&ptr, std::max<std::size_t>(count, 1) * sizeof(T)));
    n = count;
  }
};

constexpr uint32_t kBlock = 128;
/// Scratch for the DP columns of all threads.
constexpr uint64_t kScratchBytes = uint64_t{512} << 20;

class CudaSequenceComputer final : public SequenceComputerBase {
 public:
  CudaSequenceComputer(const Sequences& seqs, const AlignOptions& opt)
      : SequenceComputerBase(seqs, opt) {
    residues_.reserve(seqs.residues.size());
    offsets_.reserve(seqs.offsets.size());
    CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpy(residues_.ptr, seqs.residues.data(), seqs.residues.size(),
                                       cudaMemcpyHostToDevice));
    CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpy(offsets_.ptr, seqs.offsets.data(),
                                       seqs.offsets.size() * sizeof(uint64_t),
                                       cudaMemcpyHostToDevice));
    const uint64_t per_thread = (uint64_t{max_len_} + 1) * sizeof(kernels::DpCell);
    const uint64_t threads = std::clamp<uint64_t>(kScratchBytes / per_thread, kBlock, 1 << 16);
    grid_ = static_cast<uint32_t>(threads / kBlock);
    work_.reserve((uint64_t{max_len_} + 1) * grid_ * kBlock);
  }
  [[nodiscard]] bool concurrent() const override { return false; }
  [[nodiscard]] uint64_t tile_bytes(uint64_t tile) const override {
    return tile * tile * (sizeof(kernels::AlignStats) + sizeof(Edge) / 4);
  }
  void compute(const Tile& tile, TileResult& out) override {
    const uint64_t pairs = (tile.row1 - tile.row0) * (tile.col1 - tile.col0);
    if (pairs == 0) return;
    out_.reserve(pairs);
    kernels::AlignTileJob job;
    job.residues = residues_.ptr;
    job.offsets = offsets_.ptr;
    job.row0 = tile.row0;
    job.row1 = tile.row1;
    job.col0 = tile.col0;
    job.col1 = tile.col1;
    job.sc = sc_;
    job.local = opt_.mode == AlignMode::local;
    job.work = work_.ptr;
    job.out = out_.ptr;
    const auto blocks =
        static_cast<uint32_t>(std::min<uint64_t>(grid_, (pairs + kBlock - 1) / kBlock));
    // The grid-stride loop needs the scratch laid out for the launched grid.
    align_tile_kernel<<<blocks, kBlock>>>(job);
    CLEAVE_ALIGN_CUDA_CHECK(cudaGetLastError());
    host_.resize(pairs);
    CLEAVE_ALIGN_CUDA_CHECK(cudaMemcpy(host_.data(), out_.ptr, pairs * sizeof(kernels::AlignStats),
                                       cudaMemcpyDeviceToHost));
    const uint64_t width = tile.col1 - tile.col0;
    for (uint64_t i = tile.row0; i < tile.row1; ++i)
      for (uint64_t j = std::max(tile.col0, i + 1); j < tile.col1; ++j)
        record_pair(seqs_, i, j, host_[(i - tile.row0) * width + (j - tile.col0)], opt_, out);
  }

 private:
  uint32_t grid_ = 1;
  DeviceBuffer<uint8_t> residues_;
  DeviceBuffer<uint64_t> offsets_;
  DeviceBuffer<kernels::DpCell> work_;
  DeviceBuffer<kernels::AlignStats> out_;
  std::vector<kernels::AlignStats> host_;
};

}  // namespace

std::unique_ptr<PairComputer> make_cuda_computer(const Sequences& seqs, const AlignOptions& opt) {
  return std::make_unique<CudaSequenceComputer>(seqs, opt);
}

}  // namespace cleave::align_detail
