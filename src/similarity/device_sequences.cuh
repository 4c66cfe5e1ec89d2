#pragma once
/// @file device_sequences.cuh
/// @brief What the executors of the sequence kernels share (nvcc only):
/// the residues and offsets of the input copied to the device once, and a
/// non-blocking stream that is drained before it is destroyed.
#include <cuda_runtime.h>

#include <algorithm>

#include "cleave/sequence.hpp"
#include "kernels/fingerprint_launch.cuh"

namespace cleave::align_detail {

/// Sequence s is residues[offsets[s], offsets[s + 1]) on the device.
struct DeviceSequences {
  explicit DeviceSequences(const Sequences& seqs) {
    residues.reserve(std::max<std::size_t>(seqs.residues.size(), 1));
    offsets.reserve(seqs.offsets.size());
    if (!seqs.residues.empty())
      CLEAVE_FP_CUDA_CHECK(cudaMemcpy(residues.get(), seqs.residues.data(), seqs.residues.size(),
                                      cudaMemcpyHostToDevice));
    CLEAVE_FP_CUDA_CHECK(cudaMemcpy(offsets.get(), seqs.offsets.data(),
                                    seqs.offsets.size() * sizeof(uint64_t),
                                    cudaMemcpyHostToDevice));
  }
  kernels::DeviceArray<uint8_t> residues;
  kernels::DeviceArray<uint64_t> offsets;
};

/// A non-blocking stream; its work is finished before it is destroyed, so
/// an owner that declares it after the buffers the work uses frees them
/// only once the stream is idle.
class DrainedStream {
 public:
  DrainedStream() { CLEAVE_FP_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  DrainedStream(const DrainedStream&) = delete;
  DrainedStream& operator=(const DrainedStream&) = delete;
  ~DrainedStream() {
    if (s_) {
      cudaStreamSynchronize(s_);
      cudaStreamDestroy(s_);
    }
  }
  [[nodiscard]] cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_ = nullptr;
};

}  // namespace cleave::align_detail
