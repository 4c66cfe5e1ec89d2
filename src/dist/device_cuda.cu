// cudaSetDevice for the rank's GPU (dist/device.hpp).
#include <cuda_runtime_api.h>

#include <string>

#include "dist/device.hpp"

namespace cleave::dist {

std::string bind_cuda_device(int local_rank, int gpus_per_node) {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    cudaGetLastError();
    return {};
  }
  const int device = rank_device(local_rank, gpus_per_node, count);
  if (device < 0) return {};
  if (cudaSetDevice(device) != cudaSuccess) {
    cudaGetLastError();
    return "cudaSetDevice(" + std::to_string(device) + ") failed";
  }
  return "local rank " + std::to_string(local_rank) + " uses CUDA device " +
         std::to_string(device) + " of " + std::to_string(count);
}

}  // namespace cleave::dist
