#pragma once
/// @file error.hpp
/// @brief The one exception type of the library and the checking macros.
///
/// The library throws; it never exits. The CLI and the C API turn exceptions
/// into exit codes and status codes.
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace cleave {

/// Kinds of failure; the C API maps them to status codes.
enum class errc : int {
  invalid_argument = 1,  ///< a bad parameter or option
  io = 2,                ///< a file could not be opened, read or written
  format = 3,            ///< malformed input (names file and line)
  out_of_memory = 4,     ///< a memory budget cannot be met
  internal = 5,          ///< a broken invariant (a bug)
  cuda = 6,              ///< a CUDA runtime failure
  cancelled = 7,         ///< the caller asked a long call to stop (CallHooks::cancelled)
};

/// @brief The exception thrown by every part of cleave.
class error : public std::runtime_error {
 public:
  error(errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
  [[nodiscard]] errc code() const noexcept { return code_; }

 private:
  errc code_;
};

namespace detail {
[[noreturn]] inline void raise(errc code, const char* file, int line, const std::string& msg) {
#ifdef NDEBUG
  (void)file;
  (void)line;
  throw error(code, msg);
#else
  // Plain concatenation: nvcc compiles this header too and rejects some of
  // fmt's compile-time format checks.
  throw error(code, msg + " [" + file + ":" + std::to_string(line) + "]");
#endif
}
}  // namespace detail
}  // namespace cleave

/// Throws cleave::error(invalid_argument) with a formatted message unless cond holds.
#define CLEAVE_EXPECTS(cond, ...)                                                   \
  do {                                                                              \
    if (!(cond))                                                                    \
      ::cleave::detail::raise(::cleave::errc::invalid_argument, __FILE__, __LINE__, \
                              ::fmt::format(__VA_ARGS__));                          \
  } while (0)

/// Throws cleave::error with the given code and a formatted message.
#define CLEAVE_FAIL(code, ...) \
  ::cleave::detail::raise(::cleave::errc::code, __FILE__, __LINE__, ::fmt::format(__VA_ARGS__))

/// Throws a format error that names the file and the 1-based line.
#define CLEAVE_FORMAT_ERROR(path, line, ...)                          \
  ::cleave::detail::raise(::cleave::errc::format, __FILE__, __LINE__, \
                          ::fmt::format("{}:{}: {}", (path), (line), ::fmt::format(__VA_ARGS__)))
