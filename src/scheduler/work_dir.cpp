// Work directory: lock, checkpoint file and tile file names.
//
// The checkpoint is a short text file, replaced atomically (AtomicFile,
// fsync, rename, directory fsync) after each tile file is durable, so a kill
// at any instant leaves a checkpoint that lists only whole tiles.
#include "scheduler/work_dir.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "dist/comm.hpp"
#include "scheduler/tile_file.hpp"

namespace cleave::detail {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCheckpoint = "cleave-checkpoint.txt";
constexpr const char* kTilePrefix = "cleave-tile-";
constexpr const char* kLock = "cleave.lock";
constexpr const char* kHeading = "cleave all-pairs checkpoint v1";
constexpr const char* kSearchHeading = "cleave search checkpoint v1";
constexpr const char* kBlockPrefix = "cleave-block-";

// Finished tiles as ranges: "0-41,43,45-50" (tiles finish roughly in order).
std::string encode_ranges(const std::vector<uint8_t>& done) {
  std::string out;
  for (std::size_t i = 0; i < done.size();) {
    if (!done[i]) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j + 1 < done.size() && done[j + 1]) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", i) : fmt::format("{}-{}", i, j);
    i = j + 1;
  }
  return out.empty() ? "-" : out;
}

bool decode_ranges(const std::string& s, std::vector<uint8_t>& done) {
  if (s == "-") return true;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    uint64_t a = std::strtoull(item.c_str(), &end, 10), b = a;
    if (end == item.c_str()) return false;
    if (*end == '-') {
      const char* start = end + 1;
      b = std::strtoull(start, &end, 10);
      if (end == start) return false;
    }
    if (*end != '\0' || a > b || b >= done.size()) return false;
    for (uint64_t i = a; i <= b; ++i) done[i] = 1;
  }
  return true;
}

}  // namespace

uint64_t SearchCheckpointParams::digest() const {
  Checksum c;
  c.update_value(input_checksum);
  c.update_value(threshold);
  c.update_value(top);
  c.update_value(queries);
  c.update_value(targets);
  c.update_value(block_rows);
  c.update_value(blocks);
  return c.digest();
}

uint64_t CheckpointParams::digest() const {
  Checksum c;
  c.update_value(input_checksum);
  c.update_value(static_cast<uint32_t>(measure));
  c.update_value(threshold);
  c.update_value(n);
  c.update_value(side);
  c.update_value(tiles);
  c.update_value(bins);
  c.update_value(lo);
  c.update_value(hi);
  return c.digest();
}

WorkDir::WorkDir(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (!fs::is_directory(dir_))
    CLEAVE_FAIL(io, "cannot create work directory {}: {}", dir_.string(), ec.message());
  fs::path lock = dir_ / kLock;
  lock_fd_ = ::open(lock.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) CLEAVE_FAIL(io, "cannot create {}: {}", lock.string(), std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    CLEAVE_FAIL(invalid_argument,
                "work directory {} is in use by another cleave run; wait for it or use another "
                "work directory",
                dir_.string());
  }
}

WorkDir WorkDir::temporary() {
  // mkdtemp fills in the six trailing placeholder characters.
  std::string tmpl = (fs::temp_directory_path() / "cleave-spill-").string() + std::string(6, 'X');
  if (::mkdtemp(tmpl.data()) == nullptr)
    CLEAVE_FAIL(io, "cannot create a spill directory under {}: {}",
                fs::temp_directory_path().string(), std::strerror(errno));
  WorkDir w;
  w.dir_ = tmpl;
  w.temporary_ = true;
  return w;
}

WorkDir WorkDir::attach(fs::path dir) {
  WorkDir w;
  w.dir_ = std::move(dir);
  return w;
}

WorkDir WorkDir::for_rank(fs::path dir) {
  return dist::is_root() ? WorkDir(std::move(dir)) : attach(std::move(dir));
}

WorkDir::WorkDir(WorkDir&& o) noexcept
    : dir_(std::move(o.dir_)),
      lock_fd_(o.lock_fd_),
      temporary_(o.temporary_),
      cleared_(o.cleared_) {
  o.lock_fd_ = -1;
  o.temporary_ = false;
  o.dir_.clear();
}

WorkDir::~WorkDir() {
  std::error_code ec;
  if (temporary_) fs::remove_all(dir_, ec);
  if (cleared_ && !temporary_) fs::remove(dir_ / kLock, ec);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

fs::path WorkDir::checkpoint_path() const {
  return dir_ / kCheckpoint;
}

fs::path WorkDir::tile_path(uint64_t index) const {
  return dir_ / fmt::format("{}{:08}.bin", kTilePrefix, index);
}

fs::path WorkDir::block_path(uint64_t index) const {
  return dir_ / fmt::format("{}{:08}.bin", kBlockPrefix, index);
}

void CheckpointText::corrupt(const std::string& why) const {
  CLEAVE_FAIL(format, "{}: corrupt checkpoint ({}); remove it to start over", path.string(), why);
}

const std::string& CheckpointText::get(const char* key) const {
  auto it = kv.find(key);
  if (it == kv.end()) corrupt(std::string("no '") + key + "' line");
  return it->second;
}

std::optional<CheckpointText> WorkDir::read_checkpoint(const char* heading) const {
  fs::path path = checkpoint_path();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (fs::exists(path)) CLEAVE_FAIL(io, "cannot read {}", path.string());
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  auto corrupt = [&](const std::string& why) {
    CLEAVE_FAIL(format, "{}: corrupt checkpoint ({}); remove it to start over", path.string(), why);
  };
  std::size_t cut = text.rfind("checksum ");
  if (cut == std::string::npos || (cut > 0 && text[cut - 1] != '\n')) corrupt("no checksum line");
  Checksum c;
  c.update(std::string_view(text).substr(0, cut));
  if (text.substr(cut) != "checksum " + hex64(c.digest()) + "\n") corrupt("checksum mismatch");
  std::stringstream lines(text.substr(0, cut));
  std::string line;
  if (!std::getline(lines, line)) corrupt("unknown heading");
  if (line != heading) {
    // A whole checkpoint of the other kind of run: refused, not corrupt.
    const bool graph = line == kHeading, search = line == kSearchHeading;
    if (graph || search)
      CLEAVE_FAIL(invalid_argument,
                  "checkpoint {} was made by {}, not by this {}; remove it or use another work "
                  "directory",
                  path.string(), graph ? "a graph build" : "cleave search or audit",
                  graph ? "search" : "graph build");
    corrupt("unknown heading");
  }
  CheckpointText out;
  out.path = path;
  while (std::getline(lines, line)) {
    auto sp = line.find(' ');
    if (sp == std::string::npos) corrupt("malformed line '" + line + "'");
    out.kv[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return out;
}

void WorkDir::write_checkpoint(const char* heading, const std::string& body) const {
  std::string text = std::string(heading) + "\n" + body;
  Checksum c;
  c.update(text);
  text += fmt::format("checksum {}\n", hex64(c.digest()));
  write_file_atomic(checkpoint_path(), text);
  fsync_directory(dir_);
}

std::optional<CheckpointState> WorkDir::load() const {
  std::optional<CheckpointText> text = read_checkpoint(kHeading);
  if (!text) return std::nullopt;
  const auto corrupt = [&](const std::string& why) { text->corrupt(why); };
  const auto get = [&](const char* k) -> const std::string& { return text->get(k); };
  CheckpointState st;
  CheckpointParams& p = st.params;
  try {
    p.input_checksum = std::stoull(get("input_checksum"), nullptr, 16);
    p.measure = measure_from_name(get("measure"));
    p.threshold = std::stod(get("threshold"));
    p.n = std::stoull(get("n"));
    p.side = std::stoull(get("tile"));
    p.tiles = std::stoull(get("tiles"));
    std::stringstream h(get("histogram"));
    if (!(h >> p.bins >> p.lo >> p.hi)) corrupt("malformed histogram line");
  } catch (const std::logic_error&) {
    corrupt("malformed value");
  }
  st.done.assign(p.tiles, 0);
  if (!decode_ranges(get("done"), st.done)) corrupt("malformed done list");
  return st;
}

void WorkDir::save(const CheckpointState& st) const {
  const CheckpointParams& p = st.params;
  write_checkpoint(kHeading,
                   fmt::format("input_checksum {}\nmeasure {}\nthreshold {}\nn {}\ntile {}\ntiles "
                               "{}\nhistogram {} {} {}\ndone {}\n",
                               hex64(p.input_checksum), measure_name(p.measure), p.threshold, p.n,
                               p.side, p.tiles, p.bins, p.lo, p.hi, encode_ranges(st.done)));
}

void WorkDir::check_params(const CheckpointParams& found, const CheckpointParams& want) const {
  auto refuse = [&](const char* what, const std::string& had, const std::string& now) {
    CLEAVE_FAIL(invalid_argument,
                "checkpoint {} was made with another {} ({}; this run has {}); remove it or use "
                "another work directory",
                checkpoint_path().string(), what, had, now);
  };
  if (found.input_checksum != want.input_checksum)
    refuse("input (features and parameters)", "checksum " + hex64(found.input_checksum),
           hex64(want.input_checksum));
  if (found.measure != want.measure)
    refuse("measure", measure_name(found.measure), measure_name(want.measure));
  if (found.threshold != want.threshold)
    refuse("threshold", fmt::format("{}", found.threshold), fmt::format("{}", want.threshold));
  if (found.n != want.n)
    refuse("sample count", fmt::format("{}", found.n), fmt::format("{}", want.n));
  if (found.side != want.side || found.tiles != want.tiles)
    refuse("tile side", fmt::format("{} rows", found.side), fmt::format("{} rows", want.side));
  if (found.bins != want.bins || found.lo != want.lo || found.hi != want.hi)
    refuse("histogram", fmt::format("{} bins over [{}, {}]", found.bins, found.lo, found.hi),
           fmt::format("{} bins over [{}, {}]", want.bins, want.lo, want.hi));
}

std::optional<SearchCheckpointState> WorkDir::load_search() const {
  std::optional<CheckpointText> text = read_checkpoint(kSearchHeading);
  if (!text) return std::nullopt;
  const auto corrupt = [&](const std::string& why) { text->corrupt(why); };
  const auto get = [&](const char* k) -> const std::string& { return text->get(k); };
  SearchCheckpointState st;
  SearchCheckpointParams& p = st.params;
  try {
    p.input_checksum = std::stoull(get("input_checksum"), nullptr, 16);
    // The threshold is stored as its bits: -inf and every double come back exactly.
    const uint64_t bits = std::stoull(get("threshold_bits"), nullptr, 16);
    std::memcpy(&p.threshold, &bits, sizeof bits);
    p.top = std::stoull(get("top"));
    p.queries = std::stoull(get("queries"));
    p.targets = std::stoull(get("targets"));
    p.block_rows = std::stoull(get("block_rows"));
    p.blocks = std::stoull(get("blocks"));
  } catch (const std::logic_error&) {
    corrupt("malformed value");
  }
  if (p.blocks > (uint64_t{1} << 32)) corrupt("implausible block count");
  st.done.assign(p.blocks, 0);
  if (!decode_ranges(get("done"), st.done)) corrupt("malformed done list");
  return st;
}

void WorkDir::save_search(const SearchCheckpointState& st) const {
  const SearchCheckpointParams& p = st.params;
  uint64_t bits = 0;
  std::memcpy(&bits, &p.threshold, sizeof bits);
  write_checkpoint(kSearchHeading,
                   fmt::format("input_checksum {}\nthreshold {}\nthreshold_bits {}\ntop {}\n"
                               "queries {}\ntargets {}\nblock_rows {}\nblocks {}\ndone {}\n",
                               hex64(p.input_checksum), p.threshold, hex64(bits), p.top, p.queries,
                               p.targets, p.block_rows, p.blocks, encode_ranges(st.done)));
}

void WorkDir::check_search_params(const SearchCheckpointParams& found,
                                  const SearchCheckpointParams& want) const {
  auto refuse = [&](const char* what, const std::string& had, const std::string& now) {
    CLEAVE_FAIL(invalid_argument,
                "checkpoint {} was made with another {} ({}; this run has {}); remove it or use "
                "another work directory",
                checkpoint_path().string(), what, had, now);
  };
  if (found.queries != want.queries || found.targets != want.targets)
    refuse("input size", fmt::format("{} queries, {} targets", found.queries, found.targets),
           fmt::format("{} queries, {} targets", want.queries, want.targets));
  if (found.input_checksum != want.input_checksum)
    refuse("input (features, measure, alignment settings or target ranks)",
           "checksum " + hex64(found.input_checksum), hex64(want.input_checksum));
  if (std::memcmp(&found.threshold, &want.threshold, sizeof found.threshold) != 0)
    refuse("threshold", fmt::format("{}", found.threshold), fmt::format("{}", want.threshold));
  if (found.top != want.top)
    refuse("top", fmt::format("{}", found.top), fmt::format("{}", want.top));
  if (found.block_rows != want.block_rows || found.blocks != want.blocks)
    refuse("block size", fmt::format("{} queries", found.block_rows),
           fmt::format("{} queries", want.block_rows));
}

void WorkDir::clear(bool finished) {
  std::error_code ec;
  fs::remove(checkpoint_path(), ec);
  if (!temporary_) fsync_directory(dir_);
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(kTilePrefix) || name.starts_with(kBlockPrefix) ||
        name.starts_with(kCheckpoint))
      fs::remove(entry.path(), ec);
  }
  cleared_ = cleared_ || finished;
}

// Rank 0 writes a token into the work directory; every rank must read it
// back, or the directory is not one file system they share.
void check_shared_work_dir(const WorkDir& work) {
  const fs::path token = work.checkpoint_path().string() + ".ranks";
  dist::Bytes b;
  if (dist::is_root()) {
    std::string text = fmt::format(
        "{:x}-{:x}", static_cast<uint64_t>(::getpid()),
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    write_file_atomic(token, text);
    b.assign(text.begin(), text.end());
  }
  dist::broadcast(b);
  uint64_t blind = 0;
  if (!dist::is_root()) {
    std::ifstream in(token, std::ios::binary);
    std::string seen((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    blind = seen == std::string(b.begin(), b.end()) ? 0 : 1;
  }
  blind = dist::sum(blind);
  std::error_code ec;
  if (dist::is_root()) fs::remove(token, ec);
  CLEAVE_EXPECTS(blind == 0,
                 "{} of {} ranks do not see work directory {} as rank 0 does: --work-dir must "
                 "be on a file system every rank shares",
                 blind, dist::size(), work.dir().string());
}

}  // namespace cleave::detail
