/// @file align_survivor_cuda.cu
/// @brief The CUDA executor of the survivor-alignment kernel
/// (kernels/align_survivor.hpp): residues uploaded once; two slots, each
/// with its own non-blocking stream, device buffers and pinned mirrors, so
/// that while one batch's kernel runs the host fills the other slot's
/// pinned inputs and its copies go up, and a finished batch's statistics
/// come back while the next kernel runs (align_survivor.cpp drives them).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>

#include "kernels/align_survivor.hpp"
#include "kernels/fingerprint_launch.cuh"
#include "similarity/align_survivor.hpp"
#include "similarity/align_survivor_cuda.hpp"
#include "similarity/device_sequences.cuh"

namespace cleave::align_detail {

namespace {

/// Blocks of 128 threads per SM the register budget is set for. The 16-bit
/// kernels (packed statistics) need 59-64 registers: 8 blocks (32 warps,
/// half of sm_90's 64, 64 registers each). The 32-bit kernels need 72-80: 5
/// blocks (up to 102 registers), so ptxas spills nothing; capping them at
/// 64 registers spilled 60-120 bytes a thread (bench/RESULTS.md).
template <class Cell>
inline constexpr int kMinBlocks = kernels::kPackedStats<Cell> ? 8 : 5;

/// Phase 0 (stage matrix and queries), barrier, phase 1 (align).
template <class Body>
__global__ void __launch_bounds__(Body::kThreads, kMinBlocks<typename Body::Cell>)
    survivor_kernel(Body body) {
  extern __shared__ unsigned long long survivor_smem[];
  typename Body::Locals loc;
  const kernels::BlockCtx ctx{blockIdx.x, threadIdx.x, blockDim.x, survivor_smem};
  body.phase(0, ctx, loc);
  __syncthreads();
  body.phase(1, ctx, loc);
}

template <class Body>
void launch(const Body& body, cudaStream_t stream) {
  const uint32_t grid = body.grid();
  if (grid == 0) return;
  survivor_kernel<Body><<<grid, Body::kThreads, body.shared_bytes(), stream>>>(body);
  CLEAVE_FP_CUDA_CHECK(cudaGetLastError());
}

class CudaSurvivorExecutor final : public SurvivorExecutor {
 public:
  CudaSurvivorExecutor(const Sequences& seqs, const kernels::ScoreScheme& sc, bool local)
      : sc_(sc), local_(local), dev_(seqs) {}
  CudaSurvivorExecutor(const CudaSurvivorExecutor&) = delete;
  CudaSurvivorExecutor& operator=(const CudaSurvivorExecutor&) = delete;

  [[nodiscard]] uint32_t slots() const override { return kSlots; }

  void submit(uint32_t slot, const SurvivorBatch& b) override {
    Slot& s = slots_[slot];
    const std::size_t nc = b.chunks.size(), np = b.targets.size();
    s.h_chunks.reserve(nc);
    s.h_targets.reserve(np);
    s.h_out.reserve(np);
    s.chunks.reserve(nc);
    s.targets.reserve(np);
    s.out.reserve(np);
    const uint64_t cell =
        b.wide ? sizeof(kernels::SurvivorCell32) : sizeof(kernels::SurvivorCell16);
    s.work.reserve(std::max<uint64_t>(b.scratch_cells * cell, 1));
    std::memcpy(s.h_chunks.get(), b.chunks.data(), nc * sizeof(kernels::SurvivorChunk));
    std::memcpy(s.h_targets.get(), b.targets.data(), np * sizeof(uint32_t));
    CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.chunks.get(), s.h_chunks.get(),
                                         nc * sizeof(kernels::SurvivorChunk),
                                         cudaMemcpyHostToDevice, s.stream.get()));
    CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.targets.get(), s.h_targets.get(), np * sizeof(uint32_t),
                                         cudaMemcpyHostToDevice, s.stream.get()));
    if (b.wide)
      run<kernels::SurvivorCell32>(s, nc);
    else
      run<kernels::SurvivorCell16>(s, nc);
    CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_out.get(), s.out.get(),
                                         np * sizeof(kernels::AlignStats), cudaMemcpyDeviceToHost,
                                         s.stream.get()));
  }

  const kernels::AlignStats* wait(uint32_t slot) override {
    CLEAVE_FP_CUDA_CHECK(cudaStreamSynchronize(slots_[slot].stream.get()));
    return slots_[slot].h_out.get();
  }

 private:
  static constexpr uint32_t kSlots = 2;

  struct Slot {
    kernels::DeviceArray<kernels::SurvivorChunk> chunks;
    kernels::DeviceArray<uint32_t> targets;
    kernels::DeviceArray<kernels::AlignStats> out;
    kernels::DeviceArray<unsigned char> work;
    kernels::PinnedArray<kernels::SurvivorChunk> h_chunks;
    kernels::PinnedArray<uint32_t> h_targets;
    kernels::PinnedArray<kernels::AlignStats> h_out;
    DrainedStream stream;  ///< last: drained before the buffers go
  };

  template <class Cell>
  void run(Slot& s, std::size_t n_chunks) {
    kernels::SurvivorJob<Cell> job;
    job.residues = dev_.residues.get();
    job.offsets = dev_.offsets.get();
    job.chunks = s.chunks.get();
    job.n_chunks = static_cast<uint32_t>(n_chunks);
    job.targets = s.targets.get();
    job.out = s.out.get();
    job.work = reinterpret_cast<Cell*>(s.work.get());
    job.sc = sc_;
    if (local_)
      launch(kernels::SurvivorBody<true, Cell>{job}, s.stream.get());
    else
      launch(kernels::SurvivorBody<false, Cell>{job}, s.stream.get());
  }

  kernels::ScoreScheme sc_;
  bool local_;
  DeviceSequences dev_;
  Slot slots_[kSlots];  ///< last: their streams drain before dev_ goes
};

}  // namespace

SurvivorLimits cuda_survivor_limits() {
  SurvivorLimits lim;
  // Two slots' columns within a quarter of the free device memory.
  lim.max_scratch_bytes = std::clamp<uint64_t>(kernels::free_device_budget() / 8,
                                               uint64_t{64} << 20, uint64_t{1} << 30);
  return lim;
}

std::unique_ptr<SurvivorExecutor> make_cuda_survivor_executor(const Sequences& seqs,
                                                              const kernels::ScoreScheme& sc,
                                                              bool local) {
  return std::make_unique<CudaSurvivorExecutor>(seqs, sc, local);
}

}  // namespace cleave::align_detail
