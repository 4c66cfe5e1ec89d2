#pragma once
/// @file align_survivor_cuda.hpp
/// @brief Host facade of the CUDA survivor-alignment executor (no CUDA
/// types; defined in align_survivor_cuda.cu, CUDA builds only).
#include <memory>

#include "cleave/sequence.hpp"
#include "kernels/align.hpp"
#include "similarity/align_survivor.hpp"

namespace cleave::align_detail {

/// Launch caps for this device: the columns of both slots within an eighth
/// of its free memory each, at most 1 GiB a slot.
SurvivorLimits cuda_survivor_limits();

/// Uploads the residues and offsets; batches run on two streams.
std::unique_ptr<SurvivorExecutor> make_cuda_survivor_executor(const Sequences& seqs,
                                                              const kernels::ScoreScheme& sc,
                                                              bool local);

/// align_candidates on the device: the same results (record_pair into
/// results[0]), progress and cancellation.
void align_candidates_cuda(const Sequences& seqs, const Candidates& cand,
                           const kernels::ScoreScheme& sc, const AlignOptions& opt,
                           std::vector<TileResult>& results, Progress* progress);

}  // namespace cleave::align_detail
