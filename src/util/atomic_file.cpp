// Crash-safe output: write to a temporary sibling, fsync, rename.
#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include "cleave/error.hpp"
#include "cleave/util.hpp"

namespace cleave {

namespace fs = std::filesystem;

AtomicFile::AtomicFile(fs::path target, bool binary) : target_(std::move(target)) {
  fs::path dir = target_.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    CLEAVE_FAIL(io, "cannot write {}: directory {} does not exist", target_.string(), dir.string());
  tmp_ = target_;
  tmp_ += fmt::format(".tmp-{}", static_cast<long>(::getpid()));
  f_ = std::fopen(tmp_.c_str(), binary ? "wb" : "w");
  if (!f_) CLEAVE_FAIL(io, "cannot write {}: {}", target_.string(), std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (f_) {
    std::fclose(f_);
    std::error_code ec;
    fs::remove(tmp_, ec);
  }
}

void AtomicFile::write(std::string_view s) {
  write(s.data(), s.size());
}

void AtomicFile::write(const void* data, std::size_t bytes) {
  if (bytes == 0) return;
  if (std::fwrite(data, 1, bytes, f_) != bytes)
    CLEAVE_FAIL(io, "cannot write {}: {}", target_.string(), std::strerror(errno));
}

void AtomicFile::commit(bool sync) {
  CLEAVE_EXPECTS(f_ != nullptr, "{} committed twice", target_.string());
  bool ok = std::fflush(f_) == 0 && (!sync || ::fsync(::fileno(f_)) == 0);
  int err = errno;
  ok = (std::fclose(f_) == 0) && ok;
  f_ = nullptr;
  if (!ok) {
    std::error_code ec;
    fs::remove(tmp_, ec);
    CLEAVE_FAIL(io, "cannot write {}: {}", target_.string(), std::strerror(err));
  }
  if (std::rename(tmp_.c_str(), target_.c_str()) != 0) {
    err = errno;
    std::error_code ec;
    fs::remove(tmp_, ec);
    CLEAVE_FAIL(io, "cannot rename {} into place: {}", target_.string(), std::strerror(err));
  }
}

void write_file_atomic(const fs::path& path, std::string_view content, bool sync) {
  AtomicFile f(path);
  f.write(content);
  f.commit(sync);
}

void sync_filesystem(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    CLEAVE_FAIL(io, "cannot open {} to flush it: {}", path.string(), std::strerror(errno));
  const int rc = ::syncfs(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) CLEAVE_FAIL(io, "cannot flush {} to disk: {}", path.string(), std::strerror(err));
}

}  // namespace cleave
