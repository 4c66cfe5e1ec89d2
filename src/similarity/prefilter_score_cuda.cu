/// @file prefilter_score_cuda.cu
/// @brief The CUDA scorer of the prefilter's diagonal events
/// (kernels/prefilter_score.hpp): residues uploaded once; two slots, each
/// with its own non-blocking stream, device buffers and pinned mirrors, so
/// that one launch's events are copied up while the other slot's kernel
/// runs and its verdicts come back.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>

#include "kernels/fingerprint_launch.cuh"
#include "kernels/prefilter_score.hpp"
#include "similarity/prefilter_score_cuda.hpp"

namespace cleave::align_detail {

namespace {

class CudaEventScorer final : public EventScorer {
 public:
  CudaEventScorer(const Sequences& seqs, const kernels::EventScoreJob& job) : job_(job) {
    residues_.reserve(std::max<std::size_t>(seqs.residues.size(), 1));
    offsets_.reserve(seqs.offsets.size());
    if (!seqs.residues.empty())
      CLEAVE_FP_CUDA_CHECK(cudaMemcpy(residues_.get(), seqs.residues.data(), seqs.residues.size(),
                                      cudaMemcpyHostToDevice));
    CLEAVE_FP_CUDA_CHECK(cudaMemcpy(offsets_.get(), seqs.offsets.data(),
                                    seqs.offsets.size() * sizeof(uint64_t),
                                    cudaMemcpyHostToDevice));
    for (Slot& s : slots_) {
      CLEAVE_FP_CUDA_CHECK(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
      s.events.reserve(kLaunch);
      s.verdicts.reserve(kLaunch);
      s.h_events.reserve(kLaunch);
      s.h_verdicts.reserve(kLaunch);
    }
    job_.residues = residues_.get();
    job_.offsets = offsets_.get();
  }
  CudaEventScorer(const CudaEventScorer&) = delete;
  CudaEventScorer& operator=(const CudaEventScorer&) = delete;
  ~CudaEventScorer() override {
    for (Slot& s : slots_)
      if (s.stream) {
        cudaStreamSynchronize(s.stream);
        cudaStreamDestroy(s.stream);
      }
  }

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
                                           cudaMemcpyHostToDevice, s.stream));
      kernels::EventScoreBody body{job_};
      body.job.events = s.events.get();
      body.job.n_events = static_cast<uint32_t>(s.count);
      body.job.verdicts = s.verdicts.get();
      kernels::launch_body(body, s.stream);  // phase 0, barrier, phase 1
      CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_verdicts.get(), s.verdicts.get(), s.count,
                                           cudaMemcpyDeviceToHost, s.stream));
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
    kernels::PinnedArray<kernels::PrefilterEvent> h_events;
    kernels::PinnedArray<uint8_t> h_verdicts;
    cudaStream_t stream = nullptr;
    std::size_t first = 0, count = 0;  ///< the launch in flight
    bool pending = false;
  };

  /// Waits for the slot's launch and copies its verdicts into place.
  static void drain(Slot& s, std::vector<uint8_t>& verdicts) {
    if (!s.pending) return;
    CLEAVE_FP_CUDA_CHECK(cudaStreamSynchronize(s.stream));
    std::memcpy(verdicts.data() + s.first, s.h_verdicts.get(), s.count);
    s.pending = false;
  }

  kernels::EventScoreJob job_;
  kernels::DeviceArray<uint8_t> residues_;
  kernels::DeviceArray<uint64_t> offsets_;
  Slot slots_[kSlots];  ///< last: the destructor drains their streams first
};

}  // namespace

std::unique_ptr<EventScorer> make_cuda_event_scorer(const Sequences& seqs,
                                                    const kernels::EventScoreJob& job) {
  return std::make_unique<CudaEventScorer>(seqs, job);
}

}  // namespace cleave::align_detail
