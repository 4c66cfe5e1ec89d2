#pragma once
/// @file io_test_util.hpp
/// @brief Helpers for reader tests: a scratch directory and an assertion
/// that an error has the right code and names file and line.
#include <gtest/gtest.h>

#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "cleave/error.hpp"
#include "common/real_data.hpp"

namespace cleave::test {

/// A fresh directory under the system temp folder, removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("cleave_io_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  /// Writes `content` to `name` inside the directory and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  [[nodiscard]] const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

/// Runs f, expects a cleave::error with `code` whose message holds
/// "<file>:<line>:" and every one of `parts`.
template <class F>
void expect_error_at(F&& f, errc code, const std::filesystem::path& file, uint64_t line,
                     std::initializer_list<std::string> parts = {}) {
  try {
    f();
    ADD_FAILURE() << "expected an error at " << file.string() << ":" << line;
  } catch (const cleave::error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(code)) << msg;
    const std::string where = file.string() + ":" + std::to_string(line) + ":";
    EXPECT_NE(msg.find(where), std::string::npos) << "message lacks '" << where << "': " << msg;
    for (const auto& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "message lacks '" << p << "': " << msg;
  }
}

/// Runs f, expects a cleave::error with `code` whose message holds every part.
template <class F>
void expect_error(F&& f, errc code, std::initializer_list<std::string> parts = {}) {
  try {
    f();
    ADD_FAILURE() << "expected an error";
  } catch (const cleave::error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(code)) << msg;
    for (const auto& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "message lacks '" << p << "': " << msg;
  }
}

inline std::filesystem::path test_data(const std::string& name) {
  return std::filesystem::path(CLEAVE_TEST_DATA) / name;
}

}  // namespace cleave::test
