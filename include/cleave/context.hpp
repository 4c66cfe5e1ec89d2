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
#include "cleave/util.hpp"

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
  /// Receives the call's warnings (skipped records, replaced residues, a
  /// CUDA fallback); empty: cleave::warn (stderr unless a sink is set).
  std::function<void(const std::string&)> log;
  /// Progress of each stage (label, done, total) instead of bars on stderr.
  std::function<void(const std::string& stage, uint64_t done, uint64_t total)> on_progress;
  /// Polled between tiles (and rows of a CPU alignment tile), rows of the
  /// sequence prefilter and its alignments, splits and partitions: true
  /// stops the call with errc::cancelled (a resumable graph build keeps its
  /// finished tiles). Called on the calling thread (and on a tile
  /// scheduler's workers).
  std::function<bool()> cancelled;

  /// Sends a warning to log, or to cleave::warn.
  void warn(const std::string& message) const;
};

/// @brief Installs a Context's log, progress and cancel hooks on the calling
/// thread for one library call (see CallHooks); a no-op when it has none.
class ContextScope {
 public:
  explicit ContextScope(const Context& ctx);
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  CallHooks hooks_;
  ScopedCallHooks scope_;
};

}  // namespace cleave
