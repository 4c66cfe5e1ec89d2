#pragma once
// Exclusive use of an output location by one cleave process at a time, and
// clean-up of what a killed earlier run left behind there.
#include <filesystem>
#include <string>
#include <vector>

namespace cleave::cli {

/// @brief An flock(2) held on a lock file for as long as the object lives.
/// The kernel drops the lock when the process ends however it ends, so a
/// lock left by a killed run is never stale; the file itself stays (removing
/// it would race with a process waiting on it) and records the holder's pid.
class OutputLock {
 public:
  /// Takes the lock on `lock_file` (created if needed) without waiting;
  /// throws invalid_argument naming `what` and the holder's pid when another
  /// process holds it, and io when the file cannot be created.
  OutputLock(const std::filesystem::path& lock_file, const std::filesystem::path& what);
  ~OutputLock();
  OutputLock(OutputLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  OutputLock& operator=(OutputLock&&) = delete;

 private:
  int fd_ = -1;
};

/// Lock for a whole output directory (`cleave run`): DIR/.cleave.lock.
/// Creates DIR. Also removes the temporary files a killed run left in DIR.
OutputLock lock_output_dir(const std::filesystem::path& dir);

/// Lock for a split set directory that is replaced whole by rename
/// (`cleave split`): PARENT/.NAME.cleave.lock, beside it. Also removes the
/// DIR.tmp-PID folders a killed run left, and puts back DIR from DIR.old-PID
/// when a run was killed between moving the old set aside and renaming the
/// new one in.
OutputLock lock_split_dir(const std::filesystem::path& dir);

/// Lock for one output file and its sidecars (`cleave graph`, `cleave
/// fingerprints`): PARENT/.NAME.cleave.lock, beside it; creates PARENT. Also
/// removes the FILE.tmp-PID and FILE<sidecar>.tmp-PID files a killed run
/// left (no other run can be writing them while the lock is held).
OutputLock lock_output_file(const std::filesystem::path& file,
                            const std::vector<std::string>& sidecars = {});

/// Removes what a killed writer of the split set `dir` left beside it (call
/// with the lock held).
void recover_split_dir(const std::filesystem::path& dir);

}  // namespace cleave::cli
