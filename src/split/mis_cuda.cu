/// @file mis_cuda.cu
/// @brief The split on Thrust's CUDA system: the cuda backend. The same
/// algorithm as mis_omp.cpp (mis_impl.inl); the CSR is uploaded once.
#include <cuda_runtime.h>
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/system/cuda/vector.h>

#include <cstddef>
#include <map>
#include <new>

namespace cleave::detail {
namespace {

/// @brief Device temporaries for Thrust's algorithms, kept for reuse: the
/// rounds of one split ask for the same sizes again and again, and a
/// cudaMalloc/cudaFree pair per round costs more than a late round's work.
/// (The caching allocator of Thrust's custom_temporary_allocation example.)
class CachingAllocator {
 public:
  using value_type = char;
  CachingAllocator() = default;
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;
  ~CachingAllocator() {
    for (auto& [bytes, p] : free_) cudaFree(p);
    for (auto& [p, bytes] : used_) cudaFree(p);
  }
  char* allocate(std::ptrdiff_t n) {
    const auto bytes = static_cast<std::size_t>(n);
    char* p = nullptr;
    auto it = free_.lower_bound(bytes);
    if (it != free_.end() && it->first <= 2 * bytes + 4096) {  // reuse a close fit
      p = it->second;
      used_.emplace(p, it->first);
      free_.erase(it);
      return p;
    }
    if (cudaMalloc(reinterpret_cast<void**>(&p), bytes) != cudaSuccess) {
      cudaGetLastError();
      // Give the cache back and try once more before failing.
      for (auto& [b, q] : free_) cudaFree(q);
      free_.clear();
      if (cudaMalloc(reinterpret_cast<void**>(&p), bytes) != cudaSuccess) {
        cudaGetLastError();
        throw std::bad_alloc();
      }
    }
    used_.emplace(p, bytes);
    return p;
  }
  void deallocate(char* p, std::size_t) {
    auto it = used_.find(p);
    free_.emplace(it->second, p);
    used_.erase(it);
  }

 private:
  std::multimap<std::size_t, char*> free_;  ///< size -> block
  std::map<char*, std::size_t> used_;       ///< block -> size
};

struct CudaSystem {
  template <class T>
  using vector = thrust::cuda::vector<T>;
  static auto policy() { return thrust::cuda::par; }
  static constexpr bool kHostMemory = false;
  /// The rounds of one split: no optional synchronisation (each round's
  /// remove_if still waits for its count), temporaries from one cache.
  struct Rounds {
    CachingAllocator cache;
    auto policy() { return thrust::cuda::par_nosync(cache); }
  };
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
