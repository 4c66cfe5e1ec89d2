#pragma once
/// @file align_cuda.hpp
/// @brief Host facade of the cuda sequence backend (no CUDA types).
#include <memory>

#include "cleave/scheduler.hpp"
#include "cleave/sequence.hpp"

namespace cleave::align_detail {

/// Uploads the residues once; each compute() runs one kernel over a tile
/// that computes identities, histogram and edges on the device with the
/// cpu backend's formula, and copies back the edges and the histogram.
/// concurrent() is false.
/// Throws cleave::error(errc::cuda) "what: message" (defined in a .cpp).
[[noreturn]] void throw_cuda_error(const char* what, const char* message);

std::unique_ptr<PairComputer> make_cuda_computer(const Sequences& seqs, const AlignOptions& opt);

}  // namespace cleave::align_detail
