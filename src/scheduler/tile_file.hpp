#pragma once
// One finished tile on disk: its edges and histogram, self-checking.
//
// Layout (native little-endian): TileFileHeader | Edge[n_edges] |
// u64 counts[bins] | u64 checksum of everything before it. A file is written
// under a temporary name, fsync'ed and renamed (AtomicFile), so a kill leaves
// either no file or a whole one; the checksum catches any other damage.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cleave/scheduler.hpp"
#include "cleave/util.hpp"

namespace cleave::detail {

/// What a tile file must match to be used: the run it belongs to and its tile.
struct TileFileKey {
  uint64_t run_key = 0;  ///< digest of inputs and parameters (CheckpointParams::digest)
  Tile tile;
};

/// Writes `edges` and `histogram` durably (file and directory entry fsync'ed).
void write_tile_file(const std::filesystem::path& path, const TileFileKey& key,
                     const std::vector<Edge>& edges, const Histogram& histogram);

/// @brief The outcome of reading a tile file.
struct TileFileRead {
  bool ok = false;
  std::string problem;  ///< why not ok: missing, short, checksum, other run
  uint64_t edges = 0;
};

/// Reads and verifies a tile file. Edges are appended to `edges` when given
/// (and removed again when the file turns out bad); the histogram is merged
/// into `histogram` when given and the file is good. `shape` gives the
/// expected bins and range.
TileFileRead read_tile_file(const std::filesystem::path& path, const TileFileKey& key,
                            const Histogram& shape, std::vector<Edge>* edges, Histogram* histogram);

/// @brief Reads a self-checking file (tile or search block) front to back:
/// every byte read goes into a checksum that the file's last 8 bytes must
/// equal, with nothing after them.
class ChecksummedReader {
 public:
  explicit ChecksummedReader(const std::filesystem::path& path);
  ~ChecksummedReader();
  ChecksummedReader(const ChecksummedReader&) = delete;
  ChecksummedReader& operator=(const ChecksummedReader&) = delete;
  /// Reads the file's header: empty when done, else why not (the file does
  /// not open, or ends first).
  [[nodiscard]] std::string start(void* header, std::size_t bytes);
  /// Reads `bytes` into `p` (and the checksum); false when the file ends first.
  bool get(void* p, std::size_t bytes);
  /// After the payload: empty when the stored checksum matches and nothing
  /// follows it, else what is wrong.
  [[nodiscard]] std::string finish();

 private:
  std::FILE* f_ = nullptr;
  Checksum sum_;
  std::string open_problem_;
};

/// fsync of a directory, so a rename inside it survives a power cut.
void fsync_directory(const std::filesystem::path& dir);

}  // namespace cleave::detail
