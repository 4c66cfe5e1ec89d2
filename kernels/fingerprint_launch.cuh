#pragma once
/// @file fingerprint_launch.cuh
/// @brief Device side of the fused tile kernels (nvcc only): the __global__
/// wrapper that runs a harness-style body (tile_harness.hpp) phase by phase
/// with barriers, device and pinned buffers, and the slab pipeline both CUDA
/// PairComputers use: two streams, each with its own device output and
/// pinned host mirror, so one slab's kernel runs while the other's edges are
/// copied back; an overflowing slab is run again with room for all its edges.
/// A ContextPool holds several such pipelines (with whatever else a tile
/// needs) so the scheduler can keep more than one tile in flight.
#include <cuda_runtime.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cleave/scheduler.hpp"
#include "kernels/fingerprint_common.hpp"

#define CLEAVE_FP_CUDA_CHECK(call)                                                               \
  do {                                                                                           \
    const cudaError_t err_ = (call);                                                             \
    if (err_ != cudaSuccess)                                                                     \
      ::cleave::kernels::raise_cuda_error(__FILE__, __LINE__,                                    \
                                          std::string(#call) + ": " + cudaGetErrorString(err_)); \
  } while (0)

namespace cleave::kernels {

/// Runs every phase of `body` in each thread, a barrier after each phase.
template <class Body>
__global__ void __launch_bounds__(256) run_body_kernel(Body body) {
  extern __shared__ unsigned long long fp_smem[];
  typename Body::Locals loc;
  const BlockCtx ctx{blockIdx.x, threadIdx.x, blockDim.x, fp_smem};
  const uint32_t phases = body.num_phases();
  for (uint32_t p = 0; p < phases; ++p) {
    body.phase(p, ctx, loc);
    __syncthreads();
  }
}

/// Launches body over body.grid() blocks of Body::kThreads threads on `stream`.
template <class Body>
void launch_body(const Body& body, cudaStream_t stream) {
  const uint32_t grid = body.grid();
  if (grid == 0) return;
  run_body_kernel<Body><<<grid, Body::kThreads, body.shared_bytes(), stream>>>(body);
  CLEAVE_FP_CUDA_CHECK(cudaGetLastError());
}

template <class T>
class DeviceArray {
 public:
  DeviceArray() = default;
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() {
    if (ptr_) cudaFree(ptr_);
  }
  /// At least `count` elements (contents are lost when it grows).
  void reserve(std::size_t count) {
    if (count <= n_) return;
    if (ptr_) cudaFree(ptr_);
    ptr_ = nullptr;
    n_ = 0;
    CLEAVE_FP_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&ptr_), count * sizeof(T)));
    n_ = count;
  }
  [[nodiscard]] T* get() const { return ptr_; }
  [[nodiscard]] std::size_t size() const { return n_; }

 private:
  T* ptr_ = nullptr;
  std::size_t n_ = 0;
};

template <class T>
class PinnedArray {
 public:
  PinnedArray() = default;
  PinnedArray(const PinnedArray&) = delete;
  PinnedArray& operator=(const PinnedArray&) = delete;
  ~PinnedArray() {
    if (ptr_) cudaFreeHost(ptr_);
  }
  void reserve(std::size_t count) {
    if (count <= n_) return;
    if (ptr_) cudaFreeHost(ptr_);
    ptr_ = nullptr;
    n_ = 0;
    CLEAVE_FP_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&ptr_), count * sizeof(T)));
    n_ = count;
  }
  [[nodiscard]] T* get() const { return ptr_; }

 private:
  T* ptr_ = nullptr;
  std::size_t n_ = 0;
};

/// @brief Double-buffered output of slab launches into one TileResult.
class SlabPipeline {
 public:
  /// Enqueues the kernels of one slab writing into `out` on `stream`.
  using Launch = std::function<void(const EdgeOut& out, cudaStream_t stream)>;

  explicit SlabPipeline(uint32_t bins, std::size_t initial_capacity = std::size_t{1} << 20)
      : bins_(bins) {
    for (Slot& s : slots_) {
      CLEAVE_FP_CUDA_CHECK(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
      s.count.reserve(1);
      s.hist.reserve(bins);
      s.h_count.reserve(1);
      s.h_hist.reserve(bins);
      grow(s, initial_capacity);
    }
  }
  SlabPipeline(const SlabPipeline&) = delete;
  SlabPipeline& operator=(const SlabPipeline&) = delete;
  ~SlabPipeline() {
    for (Slot& s : slots_)
      if (s.stream) {
        cudaStreamSynchronize(s.stream);
        cudaStreamDestroy(s.stream);
      }
  }

  static constexpr uint32_t kSlots = 2;
  /// The stream of slot k < kSlots (for per-stream resources such as a BLAS handle).
  [[nodiscard]] cudaStream_t stream(uint32_t k) const { return slots_[k].stream; }

  /// Queues a slab; harvests the older slab of the same slot first.
  void submit(Launch launch, TileResult& result) {
    Slot& s = slots_[next_++ % 2];
    if (s.busy) harvest(s, result);
    s.launch = std::move(launch);
    enqueue(s);
  }
  /// Harvests every queued slab (oldest first) into `result`.
  void drain(TileResult& result) {
    for (uint32_t k = 0; k < 2; ++k) {
      Slot& s = slots_[(next_ + k) % 2];
      if (s.busy) harvest(s, result);
    }
  }

 private:
  struct Slot {
    cudaStream_t stream = nullptr;
    DeviceArray<uint32_t> u, v;
    DeviceArray<float> w;
    DeviceArray<unsigned long long> count, hist;
    PinnedArray<uint32_t> h_u, h_v;
    PinnedArray<float> h_w;
    PinnedArray<unsigned long long> h_count, h_hist;
    std::size_t capacity = 0;
    Launch launch;
    bool busy = false;
  };

  void grow(Slot& s, std::size_t capacity) {
    s.u.reserve(capacity);
    s.v.reserve(capacity);
    s.w.reserve(capacity);
    s.h_u.reserve(capacity);
    s.h_v.reserve(capacity);
    s.h_w.reserve(capacity);
    s.capacity = capacity;
  }

  void enqueue(Slot& s) {
    CLEAVE_FP_CUDA_CHECK(cudaMemsetAsync(s.count.get(), 0, sizeof(unsigned long long), s.stream));
    CLEAVE_FP_CUDA_CHECK(
        cudaMemsetAsync(s.hist.get(), 0, bins_ * sizeof(unsigned long long), s.stream));
    const EdgeOut out{s.u.get(), s.v.get(), s.w.get(), s.count.get(), s.capacity, s.hist.get()};
    s.launch(out, s.stream);
    CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_count.get(), s.count.get(), sizeof(unsigned long long),
                                         cudaMemcpyDeviceToHost, s.stream));
    CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_hist.get(), s.hist.get(),
                                         bins_ * sizeof(unsigned long long), cudaMemcpyDeviceToHost,
                                         s.stream));
    s.busy = true;
  }

  void harvest(Slot& s, TileResult& result) {
    CLEAVE_FP_CUDA_CHECK(cudaStreamSynchronize(s.stream));
    auto count = static_cast<std::size_t>(*s.h_count.get());
    if (count > s.capacity) {  // overflow: run the slab again with room for all
      grow(s, count + count / 4);
      enqueue(s);
      CLEAVE_FP_CUDA_CHECK(cudaStreamSynchronize(s.stream));
      count = static_cast<std::size_t>(*s.h_count.get());
      if (count > s.capacity)
        raise_cuda_error(__FILE__, __LINE__, "a slab's edge count changed between runs", true);
    }
    if (count > 0) {
      CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_u.get(), s.u.get(), count * sizeof(uint32_t),
                                           cudaMemcpyDeviceToHost, s.stream));
      CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_v.get(), s.v.get(), count * sizeof(uint32_t),
                                           cudaMemcpyDeviceToHost, s.stream));
      CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_w.get(), s.w.get(), count * sizeof(float),
                                           cudaMemcpyDeviceToHost, s.stream));
      CLEAVE_FP_CUDA_CHECK(cudaStreamSynchronize(s.stream));
    }
    s.busy = false;
    const std::size_t first = result.edges.size();
    result.edges.resize(first + count);
    for (std::size_t k = 0; k < count; ++k)
      result.edges[first + k] = Edge{s.h_u.get()[k], s.h_v.get()[k], s.h_w.get()[k]};
    for (uint32_t b = 0; b < bins_; ++b) result.histogram.counts[b] += s.h_hist.get()[b];
  }

  uint32_t bins_;
  Slot slots_[2];
  uint64_t next_ = 0;
};

/// @brief Per-tile contexts (a SlabPipeline and scratch buffers) for
/// compute() calls that run at once on different threads: acquire() hands
/// out a free context, creating one while fewer than `capacity` exist, and
/// waits otherwise. Also makes the device current on the calling thread
/// (the one that created the pool), since a scheduler worker starts on
/// device 0.
template <class Ctx>
class ContextPool {
 public:
  using Factory = std::function<std::unique_ptr<Ctx>()>;
  ContextPool(uint32_t capacity, Factory make) : capacity_(capacity), make_(std::move(make)) {
    CLEAVE_FP_CUDA_CHECK(cudaGetDevice(&device_));
  }
  ContextPool(const ContextPool&) = delete;
  ContextPool& operator=(const ContextPool&) = delete;

  /// A context held until the lease ends.
  class Lease {
   public:
    Lease(ContextPool& pool, Ctx* ctx) : pool_(pool), ctx_(ctx) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.release(ctx_); }
    Ctx& operator*() const { return *ctx_; }
    Ctx* operator->() const { return ctx_; }

   private:
    ContextPool& pool_;
    Ctx* ctx_;
  };

  [[nodiscard]] uint32_t capacity() const { return capacity_; }

  Lease acquire() {
    CLEAVE_FP_CUDA_CHECK(cudaSetDevice(device_));
    std::unique_lock lock(mu_);
    for (;;) {
      if (!free_.empty()) {
        Ctx* c = free_.back();
        free_.pop_back();
        return Lease(*this, c);
      }
      if (all_.size() + creating_ < capacity_) {
        ++creating_;
        lock.unlock();
        std::unique_ptr<Ctx> c;
        try {
          c = make_();
        } catch (...) {
          lock.lock();
          --creating_;
          cv_.notify_one();
          throw;
        }
        lock.lock();
        --creating_;
        all_.push_back(std::move(c));
        return Lease(*this, all_.back().get());
      }
      cv_.wait(lock);
    }
  }

 private:
  void release(Ctx* c) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(c);
    }
    cv_.notify_one();
  }

  uint32_t capacity_;
  Factory make_;
  int device_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Ctx>> all_;
  std::vector<Ctx*> free_;
  uint32_t creating_ = 0;
};

/// Free device memory now (cudaMemGetInfo), less a margin for the CUDA
/// runtime and libraries; the budget for tiles in flight.
inline uint64_t free_device_budget() {
  std::size_t free_bytes = 0, total_bytes = 0;
  CLEAVE_FP_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const uint64_t margin = std::max<uint64_t>(uint64_t{256} << 20, total_bytes / 20);
  return free_bytes > margin ? free_bytes - margin : 1;
}

/// Device bytes of one SlabPipeline whose slots hold `edges` edges each.
inline uint64_t slab_pipeline_bytes(uint64_t edges, uint32_t bins) {
  constexpr uint64_t kSlots = 2, kInitial = uint64_t{1} << 20;
  return kSlots * (std::max(edges, kInitial) * (2 * sizeof(uint32_t) + sizeof(float)) +
                   (bins + 1) * sizeof(unsigned long long));
}

}  // namespace cleave::kernels
