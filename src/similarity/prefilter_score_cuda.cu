/// @file prefilter_score_cuda.cu
/// @brief The CUDA scorer of the prefilter's diagonal events
/// (kernels/prefilter_score.hpp): residues uploaded once; two slots, each
/// with its own non-blocking stream, device buffers and pinned mirrors, so
/// that one launch's events are copied up while the other slot's kernels
/// run and its verdicts come back. A launch is the ungapped stage over its
/// events, the selection of those that passed (cub::DeviceSelect), and the
/// banded stage over the selected ones, all on the slot's stream.
#include <cuda_runtime.h>
#include <thrust/iterator/counting_iterator.h>

#include <algorithm>
#include <cstring>
#include <cub/device/device_select.cuh>

#include "kernels/fingerprint_launch.cuh"
#include "kernels/prefilter_score.hpp"
#include "similarity/device_sequences.cuh"
#include "similarity/prefilter_score_cuda.hpp"

namespace cleave::align_detail {

namespace {

class CudaEventScorer final : public EventScorer {
 public:
  CudaEventScorer(const Sequences& seqs, const kernels::EventScoreJob& job)
      : job_(job), dev_(seqs) {
    for (Slot& s : slots_) {
      s.events.reserve(kLaunch);
      s.verdicts.reserve(kLaunch);
      s.selected.reserve(kLaunch);
      s.n_selected.reserve(1);
      s.h_events.reserve(kLaunch);
      s.h_verdicts.reserve(kLaunch);
    }
    job_.residues = dev_.residues.get();
    job_.offsets = dev_.offsets.get();
  }
  CudaEventScorer(const CudaEventScorer&) = delete;
  CudaEventScorer& operator=(const CudaEventScorer&) = delete;

  void score(const std::vector<kernels::PrefilterEvent>& events,
             std::vector<uint8_t>& verdicts) override {
    verdicts.resize(events.size());
    std::size_t launch = 0;
    for (std::size_t k0 = 0; k0 < events.size(); k0 += kLaunch, ++launch) {
      Slot& s = slots_[launch % kSlots];
      drain(s, verdicts);  // its last launch, two launches ago
      s.first = k0;
      s.count = std::min(kLaunch, events.size() - k0);
      std::memcpy(s.h_events.get(), events.data() + k0, s.count * sizeof(kernels::PrefilterEvent));
      CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.events.get(), s.h_events.get(),
                                           s.count * sizeof(kernels::PrefilterEvent),
                                           cudaMemcpyHostToDevice, s.stream.get()));
      kernels::EventScoreJob job = job_;
      job.events = s.events.get();
      job.n_events = static_cast<uint32_t>(s.count);
      job.verdicts = s.verdicts.get();
      kernels::launch_body(kernels::EventScoreBody<false>{job}, s.stream.get());
      if (job_.min_gapped > 0) {
        // The events that passed (verdict kEventUngapped), in order.
        std::size_t temp = 0;
        CLEAVE_FP_CUDA_CHECK(cub::DeviceSelect::Flagged(
            nullptr, temp, thrust::counting_iterator<uint32_t>(0), s.verdicts.get(),
            s.selected.get(), s.n_selected.get(), static_cast<int64_t>(s.count), s.stream.get()));
        s.temp.reserve(std::max<std::size_t>(temp, 1));
        CLEAVE_FP_CUDA_CHECK(cub::DeviceSelect::Flagged(
            s.temp.get(), temp, thrust::counting_iterator<uint32_t>(0), s.verdicts.get(),
            s.selected.get(), s.n_selected.get(), static_cast<int64_t>(s.count), s.stream.get()));
        job.selected = s.selected.get();
        job.n_selected = s.n_selected.get();
        kernels::launch_body(kernels::EventScoreBody<true>{job}, s.stream.get());
      }
      CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_verdicts.get(), s.verdicts.get(), s.count,
                                           cudaMemcpyDeviceToHost, s.stream.get()));
      s.pending = true;
    }
    for (Slot& s : slots_) drain(s, verdicts);
  }

 private:
  static constexpr uint32_t kSlots = 2;
  static constexpr std::size_t kLaunch = std::size_t{1} << 22;  ///< events a launch (64 MiB)

  struct Slot {
    kernels::DeviceArray<kernels::PrefilterEvent> events;
    kernels::DeviceArray<uint8_t> verdicts;
    kernels::DeviceArray<uint32_t> selected;  ///< events that passed the ungapped stage
    kernels::DeviceArray<uint32_t> n_selected;
    kernels::DeviceArray<unsigned char> temp;  ///< cub's scratch
    kernels::PinnedArray<kernels::PrefilterEvent> h_events;
    kernels::PinnedArray<uint8_t> h_verdicts;
    std::size_t first = 0, count = 0;  ///< the launch in flight
    bool pending = false;
    DrainedStream stream;  ///< last: drained before the buffers go
  };

  /// Waits for the slot's launch and copies its verdicts into place.
  static void drain(Slot& s, std::vector<uint8_t>& verdicts) {
    if (!s.pending) return;
    CLEAVE_FP_CUDA_CHECK(cudaStreamSynchronize(s.stream.get()));
    std::memcpy(verdicts.data() + s.first, s.h_verdicts.get(), s.count);
    s.pending = false;
  }

  kernels::EventScoreJob job_;
  DeviceSequences dev_;
  Slot slots_[kSlots];  ///< last: their streams drain before dev_ goes
};

}  // namespace

std::unique_ptr<EventScorer> make_cuda_event_scorer(const Sequences& seqs,
                                                    const kernels::EventScoreJob& job) {
  return std::make_unique<CudaEventScorer>(seqs, job);
}

}  // namespace cleave::align_detail
