#pragma once
/// @file text.hpp
/// @brief Internal helpers shared by the readers: a streaming line reader
/// that counts 1-based lines, an RFC 4180 CSV record reader with header
/// lookup, and strict number parsing.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cleave::io_detail {

/// Reads a text file line by line; strips the line terminator (LF or CRLF)
/// and a UTF-8 byte order mark on the first line. Throws errc::io when the
/// file cannot be opened or read, errc::format (naming file and line) for a
/// NUL byte in a line or a line longer than max_line_length().
class LineReader {
 public:
  explicit LineReader(const std::filesystem::path& path);
  /// Next line into `line`; false at end of file.
  bool next(std::string& line);
  /// 1-based number of the line last returned (0 before the first).
  [[nodiscard]] uint64_t line_no() const { return line_no_; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  bool fill();
  std::ifstream in_;
  std::string name_;
  uint64_t line_no_ = 0;
  std::vector<char> buf_;
  std::size_t pos_ = 0, end_ = 0;
};

/// Throws errc::format naming source and line when `line` holds a NUL byte
/// (a binary file, or text cut short by C string handling downstream).
void check_no_nul(std::string_view line, const std::string& source, uint64_t line_no);
/// Throws errc::format naming source and line when a line of `bytes` bytes
/// is over max_line_length().
void check_line_length(std::size_t bytes, const std::string& source, uint64_t line_no);

/// Splits one CSV line into fields (RFC 4180: fields may be quoted with '"',
/// a doubled quote inside quotes is one quote). When the line ends inside a
/// quoted field, returns false and `fields` holds the fields so far with the
/// open field last; call again with `continuing` = true and the next physical
/// line to finish the record (the newline is kept in the field). Throws
/// std::invalid_argument on text after a closing quote.
bool split_csv_line(std::string_view line, char delim, std::vector<std::string>& fields,
                    bool continuing = false);

/// Removes leading and trailing ASCII whitespace.
std::string_view trim(std::string_view s);

/// Splits on runs of spaces and tabs.
std::vector<std::string_view> split_whitespace(std::string_view s);

/// Parses a whole string (after trimming) as a finite double.
std::optional<double> parse_double(std::string_view s);
/// Parses a whole string (after trimming) as an unsigned 64-bit integer.
std::optional<uint64_t> parse_u64(std::string_view s);

/// @brief Reads CSV records (header first), skipping blank lines, and checks
/// that every record has as many fields as the header.
class CsvReader {
 public:
  /// delim ',' for .csv, '\t' for .tsv. Reads the header; an empty file is a
  /// format error.
  CsvReader(const std::filesystem::path& path, char delim = ',');

  /// Next data record; false at end of file.
  bool next(std::vector<std::string>& fields);
  /// 1-based line where the last record (or the header) started.
  [[nodiscard]] uint64_t line_no() const { return record_line_; }
  /// 1-based number of the last physical line read.
  [[nodiscard]] uint64_t last_line() const { return lines_.line_no(); }
  [[nodiscard]] const std::string& name() const { return lines_.name(); }
  [[nodiscard]] const std::vector<std::string>& header() const { return header_; }
  [[nodiscard]] uint64_t header_line() const { return header_line_; }

  /// Index of the column named `name`, if any.
  [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const;
  /// The first of `candidates` that is a column.
  [[nodiscard]] std::optional<std::size_t> find_any(
      std::initializer_list<std::string_view> candidates) const;
  /// Index of the column named `name`; otherwise a format error naming the
  /// file, the header line, `what` and the available columns.
  [[nodiscard]] std::size_t require(std::string_view name, std::string_view what) const;
  /// "a, b, c" for error messages.
  [[nodiscard]] std::string columns_list() const;

 private:
  bool read_record(std::vector<std::string>& fields);
  LineReader lines_;
  char delim_;
  std::vector<std::string> header_;
  uint64_t header_line_ = 0;
  uint64_t record_line_ = 0;
  std::string buf_;
};

/// Lower-case extension of a path, with the dot (".csv").
std::string lower_extension(const std::filesystem::path& path);

}  // namespace cleave::io_detail
