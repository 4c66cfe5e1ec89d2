/// @file csv.cpp
/// @brief Line reading, RFC 4180 CSV splitting and header lookup.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "cleave/error.hpp"
#include "cleave/io.hpp"
#include "io/text.hpp"

namespace cleave {
namespace {
std::atomic<std::size_t> g_max_line{kDefaultMaxLineLength};
}
void set_max_line_length(std::size_t bytes) {
  g_max_line = bytes ? bytes : kDefaultMaxLineLength;
}
std::size_t max_line_length() {
  return g_max_line;
}
}  // namespace cleave

namespace cleave::io_detail {

LineReader::LineReader(const std::filesystem::path& path)
    : in_(path, std::ios::binary), name_(path.string()), buf_(std::size_t{1} << 16) {
  if (!in_) CLEAVE_FAIL(io, "cannot open {}: {}", name_, std::strerror(errno));
}

bool LineReader::fill() {
  in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  if (in_.bad()) CLEAVE_FAIL(io, "{}: read error after line {}", name_, line_no_);
  pos_ = 0;
  end_ = static_cast<std::size_t>(in_.gcount());
  return end_ > 0;
}

bool LineReader::next(std::string& line) {
  // Reads a buffer at a time so that an overlong line is refused before it
  // is held whole.
  line.clear();
  bool any = false;
  for (;;) {
    if (pos_ == end_ && !fill()) break;
    any = true;
    const char* s = buf_.data() + pos_;
    const auto* nl = static_cast<const char*>(std::memchr(s, '\n', end_ - pos_));
    const std::size_t n = nl ? static_cast<std::size_t>(nl - s) : end_ - pos_;
    check_line_length(line.size() + n, name_, line_no_ + 1);
    line.append(s, n);
    pos_ += n;
    if (nl) {
      ++pos_;
      break;
    }
  }
  if (!any) return false;
  ++line_no_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line_no_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
  check_no_nul(line, name_, line_no_);
  return true;
}

void check_no_nul(std::string_view line, const std::string& source, uint64_t line_no) {
  const auto at = line.find('\0');
  if (at != std::string_view::npos)
    CLEAVE_FORMAT_ERROR(source, line_no, "NUL byte at column {}: not a text file?", at + 1);
}

void check_line_length(std::size_t bytes, const std::string& source, uint64_t line_no) {
  if (bytes > max_line_length())
    CLEAVE_FORMAT_ERROR(source, line_no,
                        "line longer than {} bytes, the limit (set_max_line_length, the CLI's "
                        "--max-line-length)",
                        max_line_length());
}

bool split_csv_line(std::string_view line, char delim, std::vector<std::string>& fields,
                    bool continuing) {
  std::size_t i = 0;
  bool in_quotes = false;
  if (continuing) {
    // The last field is an open quoted field: keep the line break.
    fields.back().push_back('\n');
    in_quotes = true;
  } else {
    fields.clear();
    fields.emplace_back();
  }
  while (i < line.size()) {
    char c = line[i];
    std::string& cur = fields.back();
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur.push_back('"');
          i += 2;
          continue;
        }
        in_quotes = false;
        ++i;
        // After a closing quote only spaces and a delimiter may follow.
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && line[i] != delim) ++i;
        if (i < line.size() && line[i] != delim)
          throw std::invalid_argument("unexpected character after a closing quote");
        continue;
      }
      cur.push_back(c);
      ++i;
      continue;
    }
    if (c == delim) {
      fields.emplace_back();
      ++i;
      continue;
    }
    if (c == '"' && trim(cur).empty()) {
      cur.clear();
      in_quotes = true;
      ++i;
      continue;
    }
    cur.push_back(c);
    ++i;
  }
  return !in_quotes;
}

std::string_view trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_whitespace(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<double> parse_double(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

CsvReader::CsvReader(const std::filesystem::path& path, char delim) : lines_(path), delim_(delim) {
  if (!read_record(header_)) CLEAVE_FORMAT_ERROR(name(), 1, "empty file (expected a header line)");
  header_line_ = record_line_;
  for (auto& h : header_) h = std::string(trim(h));
}

bool CsvReader::read_record(std::vector<std::string>& fields) {
  for (;;) {
    if (!lines_.next(buf_)) return false;
    if (trim(buf_).empty()) continue;
    record_line_ = lines_.line_no();
    bool continuing = false;
    for (;;) {
      try {
        if (split_csv_line(buf_, delim_, fields, continuing)) return true;
      } catch (const std::invalid_argument& e) {
        CLEAVE_FORMAT_ERROR(name(), lines_.line_no(), "{}", e.what());
      }
      continuing = true;
      if (!lines_.next(buf_))
        CLEAVE_FORMAT_ERROR(name(), record_line_, "quoted field is never closed");
    }
  }
}

bool CsvReader::next(std::vector<std::string>& fields) {
  if (!read_record(fields)) return false;
  if (fields.size() != header_.size())
    CLEAVE_FORMAT_ERROR(name(), record_line_, "expected {} fields (as in the header), found {}",
                        header_.size(), fields.size());
  return true;
}

std::optional<std::size_t> CsvReader::find(std::string_view name) const {
  auto it = std::find(header_.begin(), header_.end(), name);
  if (it == header_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - header_.begin());
}

std::optional<std::size_t> CsvReader::find_any(
    std::initializer_list<std::string_view> candidates) const {
  for (auto c : candidates)
    if (auto i = find(c)) return i;
  return std::nullopt;
}

std::size_t CsvReader::require(std::string_view col, std::string_view what) const {
  if (auto i = find(col)) return *i;
  CLEAVE_FORMAT_ERROR(name(), header_line_, "no {} column '{}'; available columns: {}", what, col,
                      columns_list());
}

std::string CsvReader::columns_list() const {
  std::string s;
  for (const auto& h : header_) {
    if (!s.empty()) s += ", ";
    s += h;
  }
  return s;
}

std::string lower_extension(const std::filesystem::path& path) {
  std::string e = path.extension().string();
  std::transform(e.begin(), e.end(), e.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

}  // namespace cleave::io_detail
