#pragma once
/// @file context.hpp
/// @brief Settings every long call shares, passed together (after
/// raft::resources): which backend, how many threads, the memory budget and
/// checkpoint directory of all-pairs work, progress, and where messages go.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "cleave/split.hpp"

namespace cleave {

/// @brief Where and how a long call runs, and where its messages go.
struct Context {
  /// cpu or cuda; automatic picks cuda when a device is usable.
  Backend backend = Backend::automatic;
  int threads = 0;  ///< worker threads; 0 = the current setting (set_num_threads; all cores)
  /// Memory budget for all-pairs tiles and edges in memory (0 = a quarter
  /// of RAM) and checkpoint directory of a resumable build (empty = none).
  uint64_t max_memory = 0;
  std::filesystem::path work_dir;
  /// Progress bars on stderr (still silenced by Progress::set_quiet).
  bool progress = true;
  /// Receives the call's warnings (skipped records, replaced residues);
  /// empty: cleave::warn (stderr unless a warning sink is set).
  std::function<void(const std::string&)> log;

  /// Sends a warning to log, or to cleave::warn.
  void warn(const std::string& message) const;
};

}  // namespace cleave
