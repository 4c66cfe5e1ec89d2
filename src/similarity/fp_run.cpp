/// @file fp_run.cpp
/// @brief Runs a similarity PairComputer through the tile scheduler.
#include "cleave/util.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave::similarity_detail {

Graph run_pairs(PairComputer& computer, const SimilarityOptions& opt, const char* label) {
  ScheduleOptions so;
  so.max_memory = opt.max_memory;
  so.tile = opt.tile;
  so.work_dir = opt.work_dir;
  so.progress = opt.progress;
  so.progress_label = label;
  const ThreadCountScope scope(opt.threads);
  return run_all_pairs(computer, so);
}

}  // namespace cleave::similarity_detail
