/// @file formats.cpp
/// @brief Input format names and detection, and id lists.
#include <algorithm>
#include <unordered_map>

#include "cleave/error.hpp"
#include "cleave/io.hpp"
#include "io/text.hpp"

namespace cleave {

InputFormat input_format_from_name(const std::string& name) {
  if (name.empty() || name == "auto" || name == "automatic") return InputFormat::automatic;
  if (name == "csv") return InputFormat::csv;
  if (name == "smi" || name == "smiles") return InputFormat::smi;
  if (name == "fps") return InputFormat::fps;
  if (name == "dms") return InputFormat::dms;
  if (name == "pairs") return InputFormat::pairs;
  if (name == "fasta" || name == "fa") return InputFormat::fasta;
  if (name == "npy") return InputFormat::npy;
  CLEAVE_FAIL(invalid_argument,
              "unknown input format '{}' (expected auto, csv, smi, fps, dms, pairs, fasta, npy)",
              name);
}

InputFormat detect_format(const std::filesystem::path& path) {
  std::string ext = io_detail::lower_extension(path);
  if (ext == ".gz") ext = io_detail::lower_extension(path.stem());
  if (ext == ".fasta" || ext == ".fa" || ext == ".faa" || ext == ".fna" || ext == ".fas")
    return InputFormat::fasta;
  if (ext == ".npy") return InputFormat::npy;
  if (ext == ".smi" || ext == ".smiles") return InputFormat::smi;
  if (ext == ".fps") return InputFormat::fps;
  if (ext == ".csv") {
    io_detail::CsvReader csv(path);
    return csv.find("mutant") ? InputFormat::dms : InputFormat::csv;
  }
  if (ext == ".tsv" || ext == ".txt") {
    // Pairs when the first data line is three numbers (a header may come first).
    io_detail::LineReader in(path);
    std::string line;
    bool first = true;
    while (in.next(line)) {
      auto tok = io_detail::split_whitespace(line);
      if (tok.empty() || tok[0].front() == '#') continue;
      const bool numeric = tok.size() == 3 && io_detail::parse_u64(tok[0]) &&
                           io_detail::parse_u64(tok[1]) && io_detail::parse_double(tok[2]);
      if (numeric) return InputFormat::pairs;
      if (!first) break;
      first = false;
    }
    if (ext == ".tsv") {
      io_detail::CsvReader csv(path, '\t');
      return csv.find("mutant") ? InputFormat::dms : InputFormat::csv;
    }
  }
  CLEAVE_FAIL(invalid_argument,
              "cannot tell the format of {} from its name or first lines; name it with --format "
              "(csv, smi, fps, dms, pairs, fasta, npy)",
              path.string());
}

std::vector<std::string> read_id_list(const std::filesystem::path& path) {
  io_detail::LineReader in(path);
  std::vector<std::string> ids;
  std::unordered_map<std::string, uint64_t> first_line;
  std::string line;
  while (in.next(line)) {
    std::string id(io_detail::trim(line));
    if (id.empty()) continue;
    auto [it, fresh] = first_line.emplace(id, in.line_no());
    if (!fresh)
      CLEAVE_FORMAT_ERROR(in.name(), in.line_no(), "duplicate id '{}' (first at line {})", id,
                          it->second);
    ids.push_back(std::move(id));
  }
  if (ids.empty()) CLEAVE_FORMAT_ERROR(in.name(), std::max<uint64_t>(1, in.line_no()), "no ids");
  return ids;
}

}  // namespace cleave
