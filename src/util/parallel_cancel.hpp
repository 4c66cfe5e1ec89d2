#pragma once
/// @file parallel_cancel.hpp
/// @brief The calling thread's cancel hook (CallHooks::cancelled) polled
/// inside an OpenMP parallel region: hooks are per thread, so only the
/// thread that entered the region (OpenMP thread 0) calls the hook, and every
/// thread of the team sees its answer through a shared flag.
#include <omp.h>

#include <atomic>
#include <exception>

#include "cleave/error.hpp"
#include "cleave/util.hpp"

namespace cleave {

class ParallelCancel {
 public:
  /// Captures the hooks of the calling thread: make it before the region.
  ParallelCancel() : hooks_(current_call_hooks()) {}

  /// Once per work item, inside the region: true once the hook asked to
  /// stop (then the item and every later one are skipped). Thread 0 polls.
  bool stopped() noexcept {
    if (hooks_ && hooks_->cancelled && omp_get_thread_num() == 0 &&
        !stop_.load(std::memory_order_relaxed)) {
      try {
        if (hooks_->cancelled()) stop_.store(true, std::memory_order_relaxed);
      } catch (...) {
        error_ = std::current_exception();  // only thread 0 writes it
        stop_.store(true, std::memory_order_relaxed);
      }
    }
    return stop_.load(std::memory_order_relaxed);
  }

  /// After the region: what the hook threw, or errc::cancelled when it
  /// asked to stop; nothing otherwise.
  void check() const {
    if (error_) std::rethrow_exception(error_);
    if (stop_.load()) CLEAVE_FAIL(cancelled, "cancelled");
  }

 private:
  const CallHooks* hooks_;
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

}  // namespace cleave
