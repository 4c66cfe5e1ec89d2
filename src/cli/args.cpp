#include "cli/args.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "cleave/error.hpp"

namespace cleave::cli {

Args::Args(std::string command, const std::vector<OptionSpec>& specs, int argc, char** argv)
    : command_(std::move(command)), specs_(specs) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    CLEAVE_EXPECTS(a.rfind("--", 0) == 0 && a.size() > 2,
                   "cleave {}: unexpected argument '{}' (options start with --; see cleave {} "
                   "--help)",
                   command_, a, command_);
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const OptionSpec& s = spec(name);
    CLEAVE_EXPECTS(!values_.count(name), "cleave {}: option --{} given twice", command_, name);
    if (s.value_name.empty()) {
      CLEAVE_EXPECTS(!inline_value, "cleave {}: option --{} takes no value", command_, name);
      values_[name].assign(1, '1');  // (GCC 12 warns falsely on a literal here)
    } else {
      if (!inline_value) {
        CLEAVE_EXPECTS(i + 1 < argc, "cleave {}: option --{} needs a value ({})", command_, name,
                       s.value_name);
        value = argv[++i];
      }
      values_[name] = value;
    }
  }
}

const OptionSpec& Args::spec(const std::string& name) const {
  for (const auto& s : specs_)
    if (s.name == name) return s;
  CLEAVE_FAIL(invalid_argument, "cleave {}: unknown option --{} (see cleave {} --help)", command_,
              name, command_);
}

std::string Args::str(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  const auto& s = spec(name);
  CLEAVE_EXPECTS(!s.default_value.empty(), "cleave {}: option --{} is required", command_, name);
  return s.default_value;
}

std::string Args::str_or(const std::string& name, const std::string& fallback) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  const auto& s = spec(name);
  return s.default_value.empty() ? fallback : s.default_value;
}

namespace {
double parse_real(const std::string& cmd, const std::string& name, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  CLEAVE_EXPECTS(!text.empty() && end && *end == '\0' && errno == 0 && std::isfinite(v),
                 "cleave {}: option --{}: '{}' is not a number", cmd, name, text);
  return v;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}
}  // namespace

double Args::real(const std::string& name, double lo, double hi) const {
  double v = parse_real(command_, name, str(name));
  CLEAVE_EXPECTS(v >= lo && v <= hi, "cleave {}: option --{} must be in [{}, {}] (got {})",
                 command_, name, lo, hi, str(name));
  return v;
}

long Args::integer(const std::string& name, long lo, long hi) const {
  const std::string text = str(name);
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text.c_str(), &end, 10);
  CLEAVE_EXPECTS(!text.empty() && end && *end == '\0' && errno == 0,
                 "cleave {}: option --{}: '{}' is not an integer", command_, name, text);
  CLEAVE_EXPECTS(v >= lo && v <= hi, "cleave {}: option --{} must be in [{}, {}] (got {})",
                 command_, name, lo, hi, v);
  return v;
}

std::vector<double> Args::reals(const std::string& name, double lo, double hi) const {
  std::vector<double> out;
  for (const auto& item : split_list(str(name))) {
    double v = parse_real(command_, name, item);
    CLEAVE_EXPECTS(v >= lo && v <= hi, "cleave {}: option --{}: {} is outside [{}, {}]", command_,
                   name, item, lo, hi);
    out.push_back(v);
  }
  return out;
}

std::vector<uint64_t> Args::u64s(const std::string& name) const {
  std::vector<uint64_t> out;
  for (const auto& item : split_list(str(name))) {
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(item.c_str(), &end, 10);
    CLEAVE_EXPECTS(!item.empty() && item[0] != '-' && end && *end == '\0' && errno == 0,
                   "cleave {}: option --{}: '{}' is not a non-negative integer", command_, name,
                   item);
    out.push_back(v);
  }
  return out;
}

std::string format_help(const std::string& command, const std::string& summary,
                        const std::vector<OptionSpec>& specs, const std::string& examples) {
  std::string out = fmt::format("cleave {}: {}\n\nUsage: cleave {} [options]\n\nOptions:\n",
                                command, summary, command);
  for (const auto& s : specs) {
    std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    std::string right = s.help;
    if (!s.default_value.empty()) right += fmt::format(" [default: {}]", s.default_value);
    if (left.size() < 30)
      out += fmt::format("{:<30}{}\n", left, right);
    else
      out += fmt::format("{}\n{:<30}{}\n", left, "", right);
  }
  out += fmt::format("  {:<28}{}\n", "-h, --help", "show this help");
  if (!examples.empty()) out += "\nExamples:\n" + examples;
  return out;
}

}  // namespace cleave::cli
