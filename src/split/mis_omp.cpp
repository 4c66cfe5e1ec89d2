/// @file mis_omp.cpp
/// @brief The split on Thrust's OpenMP system: the CPU backend (and what CI runs).
#ifndef THRUST_DEVICE_SYSTEM
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_OMP
#endif
#include <omp.h>
#include <thrust/system/omp/execution_policy.h>
#include <thrust/system/omp/vector.h>

#include <vector>

namespace cleave::detail {
namespace {
struct OmpSystem {
  template <class T>
  using vector = thrust::omp::vector<T>;
  static auto policy() { return thrust::omp::par; }
  static constexpr bool kHostMemory = true;
  struct Rounds {
    static auto policy() { return thrust::omp::par; }
  };
};
/// The same algorithm on one thread (thrust::seq), for running many splits
/// side by side: a sweep on the CPU parallelises across splits, which needs no
/// barrier per round.
struct SeqSystem {
  template <class T>
  using vector = std::vector<T>;
  static auto policy() { return thrust::seq; }
  static constexpr bool kHostMemory = true;
  struct Rounds {
    static auto policy() { return thrust::seq; }
  };
};
}  // namespace
}  // namespace cleave::detail

#include "split/mis_impl.inl"

#include <algorithm>

namespace cleave::detail {

std::unique_ptr<MisEngine> make_omp_engine(const PreparedGraph& prep) {
  return std::make_unique<ThrustEngine<OmpSystem>>(prep);
}

std::unique_ptr<MisEngine> make_seq_engine(const PreparedGraph& prep) {
  return std::make_unique<ThrustEngine<SeqSystem>>(prep);
}

namespace {
struct RecordThread {
  int* slot;
  void operator()(uint32_t i) const { slot[i] = omp_get_thread_num(); }
};
}  // namespace

int omp_system_threads_used() {
  std::vector<int> who(1 << 16, -1);
  thrust::for_each(thrust::omp::par, thrust::counting_iterator<uint32_t>(0),
                   thrust::counting_iterator<uint32_t>(static_cast<uint32_t>(who.size())),
                   RecordThread{who.data()});
  std::sort(who.begin(), who.end());
  return static_cast<int>(std::unique(who.begin(), who.end()) - who.begin());
}

}  // namespace cleave::detail
