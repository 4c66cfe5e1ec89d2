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

namespace cleave::detail {

std::unique_ptr<MisEngine> make_cuda_engine(const PreparedGraph& prep) {
  return std::make_unique<ThrustEngine<CudaSystem>>(prep);
}

bool cuda_device_usable() noexcept {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error
    return false;
  }
  return count > 0;
}

}  // namespace cleave::detail
