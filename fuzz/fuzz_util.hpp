#pragma once
// Shared pieces of the libFuzzer targets: the readers take paths, so each
// input is written to a per-process scratch file first. A cleave::error is the
// documented way to reject bad input; anything else escaping (another
// exception, a sanitizer report, a crash) is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "cleave/error.hpp"
#include "cleave/util.hpp"

namespace cleave::fuzz {

/// A scratch path unique to this process (parallel fuzzing jobs never share).
inline std::filesystem::path scratch(const std::string& name) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("cleave-fuzz-" + std::to_string(static_cast<long>(::getpid())));
    std::filesystem::create_directories(d);
    // Removed at exit; the path is leaked on purpose so that it outlives the
    // static destructors that run before atexit handlers registered earlier.
    static const auto* doomed = new std::filesystem::path(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(*doomed, ec);
    });
    return d;
  }();
  return dir / name;
}

/// Writes bytes to path (truncating).
inline void put(const std::filesystem::path& path, std::string_view bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();
  if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

/// Splits the input at its first NUL byte: two files from one input.
inline std::pair<std::string_view, std::string_view> split_nul(const uint8_t* data,
                                                               std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  auto nul = all.find('\0');
  if (nul == std::string_view::npos) return {all, {}};
  return {all.substr(0, nul), all.substr(nul + 1)};
}

/// Runs f; a cleave::error is an accepted rejection of the input.
template <class F>
void expect_clean(F&& f) {
  static const bool quiet = [] {
    Progress::set_quiet(true);
    set_warning_sink([](const std::string&) {});
    return true;
  }();
  (void)quiet;
  try {
    f();
  } catch (const cleave::error&) {
  }
}

}  // namespace cleave::fuzz
