#pragma once
/// @file real_data.hpp
/// @brief Where the tests find real molecules, proteins, DNA and DMS data:
/// CLEAVE_REAL_DATA is ../shared/data when that folder exists and otherwise
/// tests/data/real, the files of it the tests read (tests/CMakeLists.txt,
/// tests/data/real/PROVENANCE.md). Either way the data is there, so a test
/// that misses a file fails instead of skipping.
#include <filesystem>
#include <string>

namespace cleave::test {

/// Path of the real data file `rel` (as "proteins/hmmer_globins45.fasta"),
/// or of `rel` + ".gz" when only that exists: tests/data/real keeps the 18S
/// FASTA gzip-compressed, and cleave reads gzip FASTA directly.
inline std::filesystem::path real_data(const std::string& rel) {
  const std::filesystem::path p = std::filesystem::path(CLEAVE_REAL_DATA) / rel;
  if (std::filesystem::exists(p)) return p;
  std::filesystem::path gz = p;
  gz += ".gz";
  return std::filesystem::exists(gz) ? gz : p;
}

}  // namespace cleave::test
