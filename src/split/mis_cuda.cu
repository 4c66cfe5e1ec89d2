/// @file mis_cuda.cu
/// @brief The split on Thrust's CUDA system: the cuda backend. The same
/// algorithm as mis_omp.cpp (mis_impl.inl); the CSR is uploaded once.
#include <cuda_runtime.h>
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/system/cuda/vector.h>

namespace cleave::detail {
namespace {
struct CudaSystem {
  template <class T>
  using vector = thrust::cuda::vector<T>;
  static auto policy() { return thrust::cuda::par; }
  static constexpr bool kHostMemory = false;
};
}  // namespace
}  // namespace cleave::detail

#include "split/mis_impl.inl"

#include <string>

#include "cleave/version.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave::detail {

std::unique_ptr<MisEngine> make_cuda_engine(const PreparedGraph& prep) {
  return std::make_unique<ThrustEngine<CudaSystem>>(prep);
}

std::string cuda_device_problem() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the error
    return std::string("no usable CUDA device (") + cudaGetErrorString(err) + ")";
  }
  if (count == 0) return "no CUDA device";
  // A real kernel of this build: loading it fails when no image (SASS for
  // the device, or PTX it can JIT) matches the device. All CUDA sources are
  // compiled for the same architecture list.
  const auto probe = static_cast<cudaError_t>(similarity_detail::probe_fingerprint_kernel());
  if (probe == cudaSuccess) return {};
  cudaGetLastError();
  int dev = 0;
  cudaDeviceProp prop{};
  std::string gpu = "the GPU";
  if (cudaGetDevice(&dev) == cudaSuccess && cudaGetDeviceProperties(&prop, dev) == cudaSuccess)
    gpu = std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
          std::to_string(prop.minor) + ")";
  cudaGetLastError();
  const std::string archs = cleave_cuda_architectures();
  if (probe == cudaErrorNoKernelImageForDevice || probe == cudaErrorInvalidDeviceFunction ||
      probe == cudaErrorUnsupportedPtxVersion)
    return gpu + " has no kernel image in this build (built for CUDA architectures " + archs +
           "; rebuild with -DCLEAVE_CUDA_ARCHITECTURES=" + std::to_string(prop.major) +
           std::to_string(prop.minor) + ")";
  return gpu + " cannot load this build's kernels (" + cudaGetErrorString(probe) + ")";
}

}  // namespace cleave::detail
