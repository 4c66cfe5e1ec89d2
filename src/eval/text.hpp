#pragma once
/// @file text.hpp
/// @brief Internal text helpers of the evaluator: reading delimited lines,
/// strict number parsing, number formatting and XML escaping.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cleave::detail::eval {

/// Reads a text file line by line with 1-based line numbers; strips "\r".
class LineReader {
 public:
  explicit LineReader(const std::filesystem::path& path);
  /// False at end of file.
  bool next(std::string& line);
  [[nodiscard]] std::size_t line_no() const { return line_no_; }

 private:
  std::ifstream in_;
  std::size_t line_no_ = 0;
};

/// Removes leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);

/// Splits one CSV line (comma, RFC 4180 double quotes within the line).
/// Returns nullopt on an unterminated quote.
std::optional<std::vector<std::string>> split_csv(std::string_view line);

/// Splits on tabs.
std::vector<std::string> split_tabs(std::string_view line);

/// Strict parses of a whole (trimmed) field.
std::optional<double> parse_double(std::string_view s);  ///< accepts "nan"
std::optional<int64_t> parse_int(std::string_view s);
std::optional<uint64_t> parse_uint(std::string_view s);

/// Shortest round-trip text of a double ("nan" for NaN).
std::string num(double v);
/// Fixed-precision text ("nan" for NaN).
std::string fixed(double v, int digits);

/// Escapes &, <, >, " and ' for XML / HTML text and attributes.
std::string xml_escape(std::string_view s);

/// Key that identifies a spectral parameter up to printing precision.
inline int64_t sp_key(double sp) {
  return static_cast<int64_t>(sp * 1e6 + (sp >= 0 ? 0.5 : -0.5));
}

}  // namespace cleave::detail::eval
