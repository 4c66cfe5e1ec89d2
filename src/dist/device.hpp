#pragma once
// One GPU per rank: which device a rank of a node uses.
#include <string>

namespace cleave::dist {

/// The device index a rank uses: local_rank mod gpus_per_node (0: mod the
/// devices visible), then mod the devices visible, so a --gpus-per-node
/// larger than the node has still names a real device. -1 when no device
/// is visible. Pure, so it is tested without a GPU.
constexpr int rank_device(int local_rank, int gpus_per_node, int visible) {
  if (visible <= 0 || local_rank < 0) return -1;
  const int per_node = gpus_per_node > 0 ? gpus_per_node : visible;
  return (local_rank % per_node) % visible;
}

/// Makes device (local_rank mod gpus_per_node, or mod the devices visible
/// when gpus_per_node is 0) current on the calling thread, before any CUDA
/// work; the scheduler's CUDA computers take the device of the thread that
/// creates them. Returns a line saying which device, or empty when there is
/// no device to choose (CPU build, no GPU).
std::string bind_cuda_device(int local_rank, int gpus_per_node);

}  // namespace cleave::dist
