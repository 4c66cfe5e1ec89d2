#pragma once
/// @file util.hpp
/// @brief Small shared services: crash-safe output files, checksums,
/// progress reporting, thread-count control.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace cleave {

/// @brief A file written under a temporary name in the same directory and
/// renamed over the target only by commit(); destroyed uncommitted, the
/// temporary is removed, so a failed or killed run never leaves a partial
/// file that looks complete.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target, bool binary = false);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// The stdio stream to write to.
  [[nodiscard]] std::FILE* stream() { return f_; }
  void write(std::string_view s);
  void write(const void* data, std::size_t bytes);
  /// Flushes, fsyncs (unless sync is false: the caller then makes the data
  /// durable itself, e.g. with sync_filesystem) and renames into place;
  /// throws errc::io on failure.
  void commit(bool sync = true);
  [[nodiscard]] const std::filesystem::path& target() const { return target_; }

 private:
  std::filesystem::path target_, tmp_;
  std::FILE* f_ = nullptr;
};

/// Writes a whole file atomically (see AtomicFile::commit for sync).
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       bool sync = true);

/// Flushes every written file of the filesystem holding `path` to disk (one
/// syncfs instead of an fsync per file, for sets of many small files).
void sync_filesystem(const std::filesystem::path& path);

/// @brief Streaming 64-bit checksum (FNV-1a over 8-byte words, then mixed);
/// used for input fingerprints in graph headers and manifests.
class Checksum {
 public:
  void update(const void* data, std::size_t bytes);
  void update(std::string_view s) { update(s.data(), s.size()); }
  template <class T>
  void update_value(const T& v) {
    update(&v, sizeof(T));
  }
  [[nodiscard]] uint64_t digest() const;

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
  uint64_t n_ = 0;
};

/// The body of a JSON string literal for s (quotes, backslashes and control
/// characters escaped; no surrounding quotes).
std::string json_escape(std::string_view s);

/// Checksum of a whole file's bytes (streamed).
uint64_t checksum_file(const std::filesystem::path& path);
/// 16 lowercase hex digits.
std::string hex64(uint64_t v);

struct CallHooks;

/// @brief Progress of a long stage: a bar on a terminal, plain lines in a log
/// (at most one every few seconds), nothing when quiet.
class Progress {
 public:
  Progress(std::string label, uint64_t total);
  ~Progress();
  /// Thread-safe; cheap enough to call per tile or per split.
  void advance(uint64_t n = 1);
  void finish();
  /// Globally silence progress output (tests, --quiet).
  static void set_quiet(bool quiet);
  static bool quiet();

 private:
  void draw(bool final);
  std::string label_;
  uint64_t total_;
  uint64_t done_ = 0;
  double start_;
  double last_draw_ = -1.0;
  bool tty_;
  bool finished_ = false;
  const CallHooks* hooks_;  ///< of the thread that made the bar
};

/// Warnings go through one place so the CLI, the C API and tests can capture them.
using WarningSink = std::function<void(const std::string&)>;
void set_warning_sink(WarningSink sink);
/// To the calling thread's CallHooks::log when installed, else the sink, else stderr.
void warn(const std::string& message);

/// @brief Hooks of one library call (the C API installs them for every
/// call): progress bars made on the calling thread report to `progress`
/// instead of stderr (nothing is printed while hooks are installed, unless
/// `bars`), warn() on that thread goes to `log`, and long loops (tiles of
/// all-pairs work, rows of sequence alignment, splits, partitions) stop
/// with errc::cancelled once `cancelled` returns true. Any member may be
/// empty. `cancelled` is polled on the calling thread, and may also be
/// polled on the worker threads of a tile scheduler.
struct CallHooks {
  std::function<void(const std::string& stage, uint64_t done, uint64_t total)> progress;
  std::function<bool()> cancelled;
  std::function<void(const std::string&)> log;
  /// Without a `progress` callback: bars on stderr as when no hooks are
  /// installed (a Context with progress on and only other hooks).
  bool bars = false;
};

/// Installs hooks on the calling thread for the scope's lifetime (nests:
/// the previous hooks come back on destruction). nullptr installs none.
class ScopedCallHooks {
 public:
  explicit ScopedCallHooks(const CallHooks* hooks);
  ~ScopedCallHooks();
  ScopedCallHooks(const ScopedCallHooks&) = delete;
  ScopedCallHooks& operator=(const ScopedCallHooks&) = delete;

 private:
  const CallHooks* previous_;
};

/// The hooks installed on the calling thread (nullptr when none). Code that
/// hands work to other threads captures this pointer first.
const CallHooks* current_call_hooks();

/// Throws errc::cancelled when hooks ask to stop (hooks may be nullptr).
void check_cancelled(const CallHooks* hooks);

/// Sets the OpenMP thread count for cleave's parallel regions (0 = all cores).
void set_num_threads(int n);
int num_threads();

/// @brief Sets cleave's thread count for one call (threads > 0; 0 leaves
/// it) and restores the previous count when it ends.
class ThreadCountScope {
 public:
  explicit ThreadCountScope(int threads) : before_(num_threads()), set_(threads > 0) {
    if (set_) set_num_threads(threads);
  }
  ~ThreadCountScope() {
    if (set_) set_num_threads(before_);
  }
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int before_;
  bool set_;
};

}  // namespace cleave
