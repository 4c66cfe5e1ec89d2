#pragma once
/// @file prefilter_score_cuda.hpp
/// @brief Host facade of the CUDA scorer of the prefilter's diagonal events
/// (no CUDA types; defined in prefilter_score_cuda.cu, CUDA builds only).
#include <memory>

#include "cleave/sequence.hpp"
#include "kernels/prefilter_score.hpp"
#include "similarity/seq_prefilter.hpp"

namespace cleave::align_detail {

/// Uploads the residues and offsets of `seqs` once; each score() call
/// scores its events on the device (the two stages of
/// kernels::EventScoreBody) with the settings of `job` (event_score_job),
/// in launches of at most 2^22 events on two streams, so one launch's
/// events go up while the last one runs.
std::unique_ptr<EventScorer> make_cuda_event_scorer(const Sequences& seqs,
                                                    const kernels::EventScoreJob& job);

}  // namespace cleave::align_detail
