#pragma once
// One GPU per rank: which device a rank of a node uses.
#include <string>

namespace cleave::dist {

/// Makes device (local_rank mod gpus_per_node, or mod the devices visible
/// when gpus_per_node is 0) current on the calling thread, before any CUDA
/// work; the scheduler's CUDA computers take the device of the thread that
/// creates them. Returns a line saying which device, or empty when there is
/// no device to choose (CPU build, no GPU).
std::string bind_cuda_device(int local_rank, int gpus_per_node);

}  // namespace cleave::dist
