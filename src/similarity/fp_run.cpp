/// @file fp_run.cpp
/// @brief Runs a similarity PairComputer through the tile scheduler.
#include "cleave/util.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave::similarity_detail {

namespace {

/// Sets cleave's thread count for one call (the scheduler sizes its pool
/// from num_threads()) and restores it.
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : before_(num_threads()), set_(threads > 0) {
    if (set_) set_num_threads(threads);
  }
  ~ThreadScope() {
    if (set_) set_num_threads(before_);
  }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int before_;
  bool set_;
};

}  // namespace

Graph run_pairs(PairComputer& computer, const SimilarityOptions& opt, const char* label) {
  ScheduleOptions so;
  so.max_memory = opt.max_memory;
  so.tile = opt.tile;
  so.work_dir = opt.work_dir;
  so.progress = opt.progress;
  so.progress_label = label;
  const ThreadScope scope(opt.threads);
  return run_all_pairs(computer, so);
}

}  // namespace cleave::similarity_detail
