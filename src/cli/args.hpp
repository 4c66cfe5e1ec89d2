#pragma once
// A small, strict option parser: every subcommand declares its options; an
// unknown or repeated option, a missing value or an out-of-range number is an
// error that names the option.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cleave::cli {

struct OptionSpec {
  std::string name;        ///< without the leading "--"
  std::string value_name;  ///< empty: a flag without a value
  std::string help;
  std::string default_value;  ///< shown in help; empty = none
};

class Args {
 public:
  Args(std::string command, const std::vector<OptionSpec>& specs, int argc, char** argv);

  [[nodiscard]] bool has(const std::string& name) const { return values_.count(name) != 0; }
  [[nodiscard]] bool flag(const std::string& name) const { return has(name); }
  /// The value, or the spec's default, or throws naming the missing option.
  [[nodiscard]] std::string str(const std::string& name) const;
  [[nodiscard]] std::string str_or(const std::string& name, const std::string& fallback) const;
  [[nodiscard]] double real(const std::string& name, double lo, double hi) const;
  [[nodiscard]] long integer(const std::string& name, long lo, long hi) const;
  [[nodiscard]] std::vector<double> reals(const std::string& name, double lo, double hi) const;
  [[nodiscard]] std::vector<uint64_t> u64s(const std::string& name) const;
  [[nodiscard]] bool help_requested() const { return help_; }

 private:
  [[nodiscard]] const OptionSpec& spec(const std::string& name) const;
  std::string command_;
  std::vector<OptionSpec> specs_;
  std::map<std::string, std::string> values_;
  bool help_ = false;
};

/// Help text for a subcommand: summary, usage, options with defaults, examples.
std::string format_help(const std::string& command, const std::string& summary,
                        const std::vector<OptionSpec>& specs, const std::string& examples);

}  // namespace cleave::cli
