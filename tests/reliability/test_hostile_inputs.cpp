// Replays hostile inputs through every parser and loader: each file under
// tests/data/fuzz/<reader>/ (inputs that once crashed a fuzz target, and
// hand-made hostile cases) must be read or rejected with a cleave::error,
// never crash, hang or throw anything else. Under the asan preset this also
// checks that none of them touches memory it should not.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "cleave/graph.hpp"
#include "cleave/io.hpp"
#include "cleave/util.hpp"
#include "graph/storage.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kCases = fs::path(CLEAVE_TEST_DATA) / "fuzz";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Scratch directory removed at the end of each test.
class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cleave-hostile-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    cleave::Progress::set_quiet(true);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path put(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  fs::path dir_;
};

/// Reads `bytes` with the reader `kind` (the fuzz target's name without
/// "fuzz_"); text before the first NUL is the main file, after it the second.
void read_as(const std::string& kind, const std::string& bytes, const fs::path& dir) {
  auto nul = bytes.find('\0');
  const std::string first = bytes.substr(0, nul);
  const std::string second = nul == std::string::npos ? "" : bytes.substr(nul + 1);
  auto put = [&](const std::string& name, const std::string& b) {
    std::ofstream(dir / name, std::ios::binary) << b;
    return dir / name;
  };
  if (kind == "molecules_csv") {
    cleave::MoleculeReadOptions opt;
    opt.n_bits = 256;
    if (!second.empty()) opt.labels_file = put("labels.csv", second);
    (void)cleave::read_molecules(put("in.csv", first), opt);
  } else if (kind == "molecules_smi") {
    cleave::MoleculeReadOptions opt;
    opt.n_bits = 256;
    (void)cleave::read_molecules(put("in.smi", bytes), opt);
  } else if (kind == "fps") {
    (void)cleave::read_fps(put("in.fps", bytes));
  } else if (kind == "dms") {
    (void)cleave::read_dms(put("in.csv", bytes));
  } else if (kind == "pairs") {
    (void)cleave::read_pairs_graph(put("p.tsv", first),
                                   second.empty() ? fs::path() : put("ids.txt", second), 0.5);
  } else if (kind == "id_list") {
    (void)cleave::read_id_list(put("ids.txt", bytes));
  } else if (kind == "scores") {
    (void)cleave::read_scores(put("scores.csv", bytes));
  } else if (kind == "split_stats") {
    (void)cleave::read_split_stats(put("stats.tsv", bytes));
  } else if (kind == "graph_file") {
    put("g.cgr.ids", second);
    (void)cleave::Graph::load(put("g.cgr", first));
  } else {
    FAIL() << "no reader for " << kind;
  }
}

}  // namespace

TEST_F(Hostile, EveryStoredCaseIsReadOrRejectedCleanly) {
  if (!fs::is_directory(kCases)) GTEST_SKIP() << "no " << kCases;
  int n = 0;
  for (const auto& sub : fs::directory_iterator(kCases)) {
    if (!sub.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(sub.path())) {
      SCOPED_TRACE(file.path().string());
      ++n;
      try {
        read_as(sub.path().filename().string(), slurp(file.path()), dir_);
      } catch (const cleave::error& e) {
        EXPECT_NE(std::string(e.what()), "");
      } catch (const std::exception& e) {
        ADD_FAILURE() << "escaped as " << typeid(e).name() << ": " << e.what();
      }
    }
  }
  EXPECT_GT(n, 0);
}

TEST_F(Hostile, GraphOfANewerFormatVersionIsRefusedByName) {
  auto g = cleave::Graph::from_edges(3, {{0, 1, 0.5f}}, cleave::GraphMeta{}, {"a", "b", "c"});
  const fs::path p = dir_ / "g.cgr";
  g.save(p);
  std::string bytes = slurp(p);
  bytes[8] = 2;  // version field (u32 little-endian at offset 8)
  put("g.cgr", bytes);
  try {
    (void)cleave::Graph::load(p);
    FAIL() << "loaded a version-2 graph";
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), cleave::errc::format);
    EXPECT_NE(std::string(e.what()).find("version 2 is not supported"), std::string::npos)
        << e.what();
  }
}

TEST_F(Hostile, GraphWithAFlippedBitFailsItsChecksum) {
  auto g = cleave::Graph::from_edges(4, {{0, 1, 0.5f}, {2, 3, 0.7f}}, cleave::GraphMeta{},
                                     {"a", "b", "c", "d"});
  const fs::path p = dir_ / "g.cgr";
  g.save(p);
  const std::string good = slurp(p);
  // Every byte after the header, one at a time, flipped: always rejected.
  for (std::size_t i = 256; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    put("g.cgr", bad);
    EXPECT_THROW((void)cleave::Graph::load(p), cleave::error) << "byte " << i;
  }
  // And the header's bytes: rejected as corrupt or by version/magic.
  for (std::size_t i = 0; i < 256; i += 5) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    put("g.cgr", bad);
    EXPECT_THROW((void)cleave::Graph::load(p), cleave::error) << "header byte " << i;
  }
}

TEST_F(Hostile, GraphIdsSidecarMissingShortOrLong) {
  auto g = cleave::Graph::from_edges(3, {{0, 1, 0.5f}}, cleave::GraphMeta{}, {"a", "b", "c"});
  const fs::path p = dir_ / "g.cgr";
  g.save(p);
  const fs::path ids = dir_ / "g.cgr.ids";
  put("g.cgr.ids", "a\nb\n");
  EXPECT_THROW((void)cleave::Graph::load(p), cleave::error);
  put("g.cgr.ids", "a\nb\nc\nd\n");
  EXPECT_THROW((void)cleave::Graph::load(p), cleave::error);
  fs::remove(ids);
  EXPECT_THROW((void)cleave::Graph::load(p), cleave::error);
}

TEST_F(Hostile, TruncatedGraphAtEveryLength) {
  auto g = cleave::Graph::from_edges(5, {{0, 1, 0.5f}, {1, 2, 0.6f}, {3, 4, 0.9f}},
                                     cleave::GraphMeta{}, {"a", "b", "c", "d", "e"});
  const fs::path p = dir_ / "g.cgr";
  g.save(p);
  const std::string good = slurp(p);
  for (std::size_t len = 0; len < good.size(); len += 13) {
    put("g.cgr", good.substr(0, len));
    EXPECT_THROW((void)cleave::Graph::load(p), cleave::error) << "length " << len;
  }
}

namespace {

/// Writes a graph file from a hand-made header and body, with both
/// checksums computed as the writer does, so only the loader's structural
/// checks stand between it and the bytes.
void write_forged_graph(const fs::path& p, cleave::detail::GraphFileHeader h, std::string body) {
  std::memcpy(h.magic, cleave::detail::kGraphMagic, 8);
  h.version = cleave::detail::kGraphVersion;
  h.header_bytes = sizeof h;
  h.file_bytes = sizeof h + body.size();
  cleave::Checksum data;
  data.update(body.data(), body.size());
  h.data_checksum = data.digest();
  h.header_checksum = 0;
  cleave::Checksum head;
  head.update(&h, sizeof h);
  h.header_checksum = head.digest();
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&h), sizeof h);
  out << body;
  std::ofstream(fs::path(p.string() + ".ids")) << "a\nb\n";
}

template <class T>
void put_at(std::string& body, uint64_t file_offset, T v) {
  std::memcpy(body.data() + (file_offset - 256), &v, sizeof v);
}

}  // namespace

// A forged header (checksums recomputed, as fuzz_graph_checked does): 4 *
// adj_count wrapped around 2^64, so the section checks passed for an edge
// count of 2^62 and the row scan read past the end of the mapping (whatever
// page lies there, or SIGBUS) before reporting a bad column. Fixed in
// src/graph/graph_file.cpp by bounding every offset and count by the size.
TEST_F(Hostile, GraphWhoseSectionSizesOverflowIsRejected) {
  cleave::detail::GraphFileHeader h{};
  h.n_nodes = 2;
  h.n_edges = uint64_t{1} << 61;
  h.adj_count = uint64_t{1} << 62;
  h.measure = 1;
  h.hist_bins = 1;
  h.hist_hi = 1.0;
  h.off_hist = 256;
  h.off_offsets = 264;
  h.off_cols = 4092;  // cols[1] falls exactly on the page after the file's end
  h.off_weights = 4096;
  h.off_params = 4096;
  h.params_bytes = 0;
  std::string body(4096 - 256, '\0');
  put_at<uint64_t>(body, 264, 0);
  put_at<uint64_t>(body, 272, 1);
  put_at<uint64_t>(body, 280, h.adj_count);
  put_at<uint32_t>(body, 4092, 1);
  const fs::path p = dir_ / "forged.cgr";
  write_forged_graph(p, h, body);
  try {
    (void)cleave::Graph::load(p);
    ADD_FAILURE() << "loaded a graph of 2^61 edges from 4096 bytes";
  } catch (const cleave::error& e) {
    // Refused from the header alone, before any section is read.
    EXPECT_NE(std::string(e.what()).find("inconsistent section sizes"), std::string::npos)
        << e.what();
  }

  // Offsets far beyond the file whose sums wrap back inside it.
  h.adj_count = 2;
  h.n_edges = 1;
  h.off_hist = ~uint64_t{0} - 7;  // + 8 * bins wraps to 0
  write_forged_graph(p, h, body);
  EXPECT_THROW((void)cleave::Graph::load(p), cleave::error);
  h.off_hist = 256;
  h.params_bytes = ~uint64_t{0} - 4095;  // off_params + params_bytes wraps to the size
  h.off_params = 4096 + 4096;
  write_forged_graph(p, h, body);
  EXPECT_THROW((void)cleave::Graph::load(p), cleave::error);
}

// Found by fuzz_graph_checked in CI: sections that fit the file but start off
// the writer's 64-byte grid. The loader read row offsets in place as uint64_t
// from an odd address (undefined behaviour; UBSan stops there). Refused now
// from the header, before the mapping is read.
TEST_F(Hostile, GraphWithMisalignedSectionsIsRejected) {
  cleave::detail::GraphFileHeader h{};
  h.n_nodes = 2;
  h.n_edges = 1;
  h.adj_count = 2;
  h.measure = 1;
  h.hist_bins = 1;
  h.hist_hi = 1.0;
  h.off_hist = 256;
  h.off_offsets = 265;      // one byte past an 8-byte boundary
  h.off_cols = 265 + 24;    // three row offsets
  h.off_weights = 289 + 8;  // two columns
  h.off_params = 297 + 8;   // two weights
  h.params_bytes = 0;
  std::string body(305 - 256, '\0');
  put_at<uint64_t>(body, 265, 0);
  put_at<uint64_t>(body, 273, 1);
  put_at<uint64_t>(body, 281, 2);
  put_at<uint32_t>(body, 289, 1);
  put_at<uint32_t>(body, 293, 0);
  put_at<float>(body, 297, 0.5f);
  put_at<float>(body, 301, 0.5f);
  const fs::path p = dir_ / "misaligned.cgr";
  write_forged_graph(p, h, body);
  try {
    (void)cleave::Graph::load(p);
    ADD_FAILURE() << "loaded a graph whose row offsets start at an odd byte";
  } catch (const cleave::error& e) {
    EXPECT_NE(std::string(e.what()).find("not aligned"), std::string::npos) << e.what();
  }
}
