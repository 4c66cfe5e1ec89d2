#pragma once
/// @file tile_harness.hpp
/// @brief Runs a kernel body on the CPU, block by block, so logic written for
/// the GPU is tested where no GPU exists (DESIGN.md, "verifying GPU code").
///
/// A body is written as phases separated where the kernel has a
/// __syncthreads(). It provides
///   using Locals = ...;                     // what a thread keeps in registers
///   uint32_t num_phases() const;
///   std::size_t shared_bytes() const;       // dynamic shared memory per block
///   void phase(uint32_t p, const BlockCtx&, Locals&) const;   // CLEAVE_HD
/// On the device, launch_body() (fingerprint_launch.cuh) runs every phase in
/// one thread followed by __syncthreads(); here, each phase runs for every
/// thread of the block in lockstep before the next phase starts, which is
/// exactly the ordering the barriers guarantee. Atomics in the bodies are
/// plain additions on the host (fingerprint_common.hpp).
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/fingerprint_common.hpp"

namespace cleave::kernels {

/// Runs `grid` blocks of `block_dim` threads of `body` sequentially.
template <class Body>
void run_on_host(const Body& body, uint32_t grid, uint32_t block_dim) {
  // Shared memory, 8-byte aligned as the bodies' uint64 tiles need.
  std::vector<uint64_t> smem((body.shared_bytes() + 15) / 8 + 2, 0);
  std::vector<typename Body::Locals> locals(block_dim);
  const uint32_t phases = body.num_phases();
  for (uint32_t b = 0; b < grid; ++b) {
    // Poison shared memory and registers between blocks so a body that reads
    // before it writes fails its test.
    std::memset(smem.data(), 0xA5, smem.size() * sizeof(uint64_t));
    std::memset(static_cast<void*>(locals.data()), 0x5A,
                locals.size() * sizeof(typename Body::Locals));
    for (uint32_t p = 0; p < phases; ++p)
      for (uint32_t t = 0; t < block_dim; ++t)
        body.phase(p, BlockCtx{b, t, block_dim, smem.data()}, locals[t]);
  }
}

}  // namespace cleave::kernels
