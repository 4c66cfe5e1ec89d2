#pragma once
// The scheduler's files in a work directory: a lock, the checkpoint (which
// tiles are durably finished, and for which inputs) and one file per tile.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cleave/graph.hpp"

namespace cleave::detail {

/// @brief Everything a finished tile depends on; a checkpoint is reused only
/// when all of it matches.
struct CheckpointParams {
  uint64_t input_checksum = 0;
  Measure measure = Measure::tanimoto;
  double threshold = 0;
  uint64_t n = 0;
  uint64_t side = 0;
  uint64_t tiles = 0;
  uint64_t bins = 0;
  double lo = 0, hi = 0;
  /// Stamped into every tile file, so a file from another run is never used.
  [[nodiscard]] uint64_t digest() const;
};

/// @brief What a checkpoint file records.
struct CheckpointState {
  CheckpointParams params;
  std::vector<uint8_t> done;  ///< per tile: 1 when its file was durable
};

/// @brief Everything a finished block of a query search depends on
/// (cleave search and audit).
struct SearchCheckpointParams {
  /// Digest of both inputs' features, the query and target lists, the
  /// measure, the alignment settings and the target ranks.
  uint64_t input_checksum = 0;
  double threshold = 0;
  uint64_t top = 0;
  uint64_t queries = 0, targets = 0;
  uint64_t block_rows = 0, blocks = 0;
  /// Stamped into every block file.
  [[nodiscard]] uint64_t digest() const;
};

/// @brief What a search checkpoint file records.
struct SearchCheckpointState {
  SearchCheckpointParams params;
  std::vector<uint8_t> done;  ///< per block: 1 when its file was durable
};

/// @brief A checkpoint file's lines after its heading, as key and value.
struct CheckpointText {
  std::filesystem::path path;
  std::map<std::string, std::string> kv;
  /// Throws errc::format: the file is corrupt, for the reason given.
  [[noreturn]] void corrupt(const std::string& why) const;
  /// The value of line `key`; corrupt() when there is none.
  [[nodiscard]] const std::string& get(const char* key) const;
};

/// @brief A work directory held for one run (an flock'ed lock file keeps a
/// second process out; the kernel drops it when a process dies).
class WorkDir {
 public:
  /// Creates `dir` when missing and locks it; throws invalid_argument when
  /// another run holds it.
  explicit WorkDir(std::filesystem::path dir);
  /// A fresh private directory under the system temporary directory, removed
  /// with everything in it on destruction.
  static WorkDir temporary();
  /// The directory another rank of the job holds (no lock, nothing created
  /// or removed): where this rank writes its tile files.
  static WorkDir attach(std::filesystem::path dir);
  /// For a run over the ranks of a job: rank 0 holds (creates and locks)
  /// the directory, and the other ranks attach to it.
  static WorkDir for_rank(std::filesystem::path dir);
  ~WorkDir();
  WorkDir(WorkDir&& o) noexcept;
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  WorkDir& operator=(WorkDir&&) = delete;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path checkpoint_path() const;
  [[nodiscard]] std::filesystem::path tile_path(uint64_t index) const;
  /// A search's block file (cleave search and audit).
  [[nodiscard]] std::filesystem::path block_path(uint64_t index) const;

  /// The checkpoint, or nothing when there is none; throws errc::format
  /// (naming the file) when it is corrupt.
  [[nodiscard]] std::optional<CheckpointState> load() const;
  /// Replaces the checkpoint atomically and durably.
  void save(const CheckpointState& state) const;
  /// Refuses (errc::invalid_argument) a checkpoint made for other inputs or
  /// parameters, naming the checkpoint file.
  void check_params(const CheckpointParams& found, const CheckpointParams& want) const;
  /// The same for a search's checkpoint. A checkpoint of the other kind
  /// (graph build or search) is refused (errc::invalid_argument) naming it.
  [[nodiscard]] std::optional<SearchCheckpointState> load_search() const;
  void save_search(const SearchCheckpointState& state) const;
  void check_search_params(const SearchCheckpointParams& found,
                           const SearchCheckpointParams& want) const;
  /// Removes cleave's files: the checkpoint first, then tile and block files and
  /// temporaries left by a killed run. `finished`: the run is complete, so
  /// the lock file goes too on destruction.
  void clear(bool finished);

 private:
  WorkDir() = default;
  /// The checkpoint's lines when its heading is `heading`; nothing without
  /// a checkpoint; errc::format when corrupt.
  [[nodiscard]] std::optional<CheckpointText> read_checkpoint(const char* heading) const;
  /// Writes heading, body and a checksum line atomically and durably.
  void write_checkpoint(const char* heading, const std::string& body) const;
  std::filesystem::path dir_;
  int lock_fd_ = -1;
  bool temporary_ = false;
  bool cleared_ = false;
};

/// Collective over the ranks of a job: rank 0 writes a token into `work`
/// and every rank must read it back, or the directory is not one file
/// system they share (errc::invalid_argument naming the directory).
void check_shared_work_dir(const WorkDir& work);

}  // namespace cleave::detail
