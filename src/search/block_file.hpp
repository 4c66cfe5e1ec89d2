#pragma once
// One finished block of a query search on disk: the per-query results of a
// run of consecutive queries, self-checking.
//
// Layout (native little-endian): BlockFileHeader | u64 offsets[rows + 1] |
// u32 nearest[rows] | f64 max_similarity[rows] | u32 hit targets[n_hits] |
// f64 hit similarities[n_hits] | u64 checksum of everything before it.
// Written under a temporary name, fsync'ed and renamed (AtomicFile), so a
// kill leaves either no file or a whole one.
#include <cstdint>
#include <filesystem>
#include <string>

#include "cleave/search.hpp"

namespace cleave::detail {

/// What a block file must match to be used: its run and its rows.
struct BlockFileKey {
  uint64_t run_key = 0;  ///< SearchCheckpointParams::digest()
  uint64_t index = 0;    ///< block number
  uint64_t row0 = 0, row1 = 0;
};

/// Writes a block's results (offsets relative to the block) durably.
void write_block_file(const std::filesystem::path& path, const BlockFileKey& key,
                      const SearchResult& block);

/// @brief The outcome of reading a block file.
struct BlockFileRead {
  bool ok = false;
  std::string problem;  ///< why not ok: missing, short, checksum, other run
};

/// Reads and verifies a block file into `block` when given (left empty when
/// the file is bad), or only verifies it.
BlockFileRead read_block_file(const std::filesystem::path& path, const BlockFileKey& key,
                              SearchResult* block);

}  // namespace cleave::detail
