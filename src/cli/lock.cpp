// Output locks (flock) and recovery from killed runs.
#include "cli/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cleave/error.hpp"

namespace cleave::cli {

namespace fs = std::filesystem;

namespace {

/// True when name is prefix followed by one or more digits (a pid).
bool is_pid_suffixed(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
  for (std::size_t i = prefix.size(); i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return false;
  return true;
}

fs::path split_target(const fs::path& dir) {
  return dir.has_filename() ? dir : dir.parent_path();
}

}  // namespace

OutputLock::OutputLock(const fs::path& lock_file, const fs::path& what) {
  fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    CLEAVE_FAIL(io, "cannot create the lock file {} for {}: {}", lock_file.string(), what.string(),
                std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char holder[32] = {};
    const ssize_t got = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK)
      CLEAVE_FAIL(io, "cannot lock {}: {}", lock_file.string(), std::strerror(err));
    std::string pid = got > 0 ? std::string(holder, static_cast<std::size_t>(got)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    CLEAVE_FAIL(invalid_argument,
                "{} is in use by another cleave process{} (lock {}); wait for it to finish or "
                "choose another --out",
                what.string(), pid.empty() ? "" : " (pid " + pid + ")", lock_file.string());
  }
  const std::string me = std::to_string(static_cast<long>(::getpid())) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) < 0) {
    // The pid is only for the message of a refused run; the lock holds anyway.
  }
}

OutputLock::~OutputLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

void recover_split_dir(const fs::path& dir) {
  const fs::path out = split_target(dir);
  const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
  const std::string name = out.filename().string();
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) return;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string n = entry.path().filename().string();
    if (is_pid_suffixed(n, name + ".old-")) {
      // Killed between moving the old set aside and renaming the new one in:
      // the old set is complete, so it goes back under its name.
      std::error_code e2;
      if (!fs::exists(out, e2))
        fs::rename(entry.path(), out, e2);
      else
        fs::remove_all(entry.path(), e2);
    } else if (is_pid_suffixed(n, name + ".tmp-")) {
      std::error_code e2;
      fs::remove_all(entry.path(), e2);
    }
  }
}

OutputLock lock_output_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  CLEAVE_EXPECTS(!ec && fs::is_directory(dir), "cannot create output directory {}: {}",
                 dir.string(), ec ? ec.message() : "not a directory");
  OutputLock lock(dir / ".cleave.lock", "output directory " + dir.string());
  // Files written through AtomicFile by a killed run (NAME.tmp-PID).
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string n = entry.path().filename().string();
    auto pos = n.rfind(".tmp-");
    std::error_code e2;
    if (pos != std::string::npos && pos > 0 && is_pid_suffixed(n, n.substr(0, pos + 5)) &&
        entry.is_regular_file(e2))
      fs::remove(entry.path(), e2);
  }
  recover_split_dir(dir / "splits");
  return lock;
}

namespace {

/// PARENT/.NAME.cleave.lock for the output `out` (PARENT created).
OutputLock lock_beside(const fs::path& out, const std::string& what) {
  CLEAVE_EXPECTS(!out.empty(), "empty output path");
  const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(parent, ec);
  CLEAVE_EXPECTS(!ec && fs::is_directory(parent), "cannot create directory {}: {}", parent.string(),
                 ec ? ec.message() : "not a directory");
  std::string lock_name = out.filename().string();
  lock_name.insert(lock_name.begin(), '.');
  lock_name += ".cleave.lock";
  return OutputLock(parent / lock_name, what + " " + out.string());
}

}  // namespace

OutputLock lock_split_dir(const fs::path& dir) {
  const fs::path out = split_target(dir);
  OutputLock lock = lock_beside(out, "split set");
  recover_split_dir(out);
  return lock;
}

OutputLock lock_output_file(const fs::path& file, const std::vector<std::string>& sidecars) {
  OutputLock lock = lock_beside(file, "output");
  const fs::path parent = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::vector<std::string> names{file.filename().string()};
  for (const auto& suffix : sidecars) names.push_back(names[0] + suffix);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string n = entry.path().filename().string();
    std::error_code e2;
    for (const auto& name : names)
      if (is_pid_suffixed(n, name + ".tmp-") && entry.is_regular_file(e2))
        fs::remove(entry.path(), e2);
  }
  return lock;
}

}  // namespace cleave::cli
