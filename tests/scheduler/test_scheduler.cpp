// The all-pairs scheduler against brute force: tiling, thread counts, tile
// sizes, spilling, memory budgets and the PairComputer contract.
#include <cstdlib>
#include <set>

#include <gtest/gtest.h>

#include "cleave/error.hpp"
#include "scheduler/synthetic_computer.hpp"

namespace fs = std::filesystem;
using cleave::ScheduleOptions;
using cleave::ScheduleReport;
using sched_test::HashComputer;

namespace {

class Scheduler : public ::testing::Test {
 protected:
  void SetUp() override {
    cleave::Progress::set_quiet(true);
    dir_ = sched_test::test_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    threads_ = cleave::num_threads();
  }
  void TearDown() override {
    cleave::set_num_threads(threads_);
    fs::remove_all(dir_);
  }
  std::string bytes(const cleave::Graph& g) { return sched_test::saved_bytes(g, dir_); }

  fs::path dir_;
  int threads_ = 1;
};

ScheduleOptions with_tile(uint64_t tile) {
  ScheduleOptions o;
  o.tile = tile;
  o.progress = false;
  return o;
}

cleave::errc code_of(const std::function<void()>& f, std::string* message) {
  try {
    f();
  } catch (const cleave::error& e) {
    *message = e.what();
    return e.code();
  }
  return cleave::errc{};
}

TEST_F(Scheduler, MatchesBruteForceForEveryTiling) {
  cleave::set_num_threads(2);
  for (uint64_t n : {2, 3, 17, 64, 65, 130}) {
    for (uint64_t tile : {1, 7, 16, 64, 200}) {
      SCOPED_TRACE(::testing::Message() << "n=" << n << " tile=" << tile);
      HashComputer c(n, n * 31 + tile, 0.8);
      ScheduleReport rep;
      auto opt = with_tile(tile);
      opt.report = &rep;
      cleave::Graph g = cleave::run_all_pairs(c, opt);
      EXPECT_EQ(bytes(g), bytes(c.brute_force()));
      EXPECT_EQ(g.meta().histogram.total(), n * (n - 1) / 2);
      EXPECT_EQ(g.meta().n_pairs, n * (n - 1) / 2);
      EXPECT_EQ(g.meta().input_checksum, c.input_checksum());
      // Every tile of the upper triangle exactly once, indexed in row-major order.
      uint64_t side = std::min(tile, n), blocks = (n + side - 1) / side;
      EXPECT_EQ(rep.tile, side);
      ASSERT_EQ(rep.tiles, blocks * (blocks + 1) / 2);
      auto tiles = c.tiles();
      ASSERT_EQ(tiles.size(), rep.tiles);
      std::sort(tiles.begin(), tiles.end(),
                [](const auto& a, const auto& b) { return a.index < b.index; });
      uint64_t k = 0;
      for (uint64_t br = 0; br < blocks; ++br)
        for (uint64_t bc = br; bc < blocks; ++bc, ++k) {
          ASSERT_EQ(tiles[k].index, k);
          EXPECT_EQ(tiles[k].row0, br * side);
          EXPECT_EQ(tiles[k].col0, bc * side);
          EXPECT_EQ(tiles[k].row1, std::min(n, (br + 1) * side));
          EXPECT_EQ(tiles[k].col1, std::min(n, (bc + 1) * side));
        }
    }
  }
}

TEST_F(Scheduler, SameBytesOnAnyThreadCountAndTileSize) {
  std::string first;
  for (int threads : {1, 2}) {
    for (uint64_t tile : {0, 16, 64, 100, 300}) {
      SCOPED_TRACE(::testing::Message() << "threads=" << threads << " tile=" << tile);
      cleave::set_num_threads(threads);
      HashComputer c(300, 5);
      c.delay_us = threads == 2 ? 200 : 0;  // let tiles finish out of order
      std::string b = bytes(cleave::run_all_pairs(c, with_tile(tile)));
      if (first.empty()) first = b;
      EXPECT_EQ(b, first);
      EXPECT_LE(c.max_active(), threads);
    }
  }
  HashComputer c(300, 5);
  EXPECT_EQ(bytes(c.brute_force()), first);
}

TEST_F(Scheduler, SerialComputerGetsOneTileAtATime) {
  cleave::set_num_threads(2);
  HashComputer c(200, 9);
  c.parallel = false;
  c.delay_us = 300;
  ScheduleReport rep;
  auto opt = with_tile(16);
  opt.report = &rep;
  std::string b = bytes(cleave::run_all_pairs(c, opt));
  EXPECT_EQ(c.max_active(), 1);
  EXPECT_EQ(rep.in_flight, 1u);
  EXPECT_EQ(b, bytes(c.brute_force()));
}

TEST_F(Scheduler, MaxInFlightCapsConcurrentTiles) {
  // A GPU-like computer with two per-tile contexts on a machine with 8 threads.
  HashComputer ref(300, 11);
  std::string want = bytes(ref.brute_force());
  for (uint64_t cap : {1, 2}) {
    SCOPED_TRACE(::testing::Message() << "max_in_flight=" << cap);
    cleave::set_num_threads(8);
    HashComputer c(300, 11);
    c.in_flight_cap = cap;
    c.delay_us = 300;  // tiles overlap and finish out of order
    ScheduleReport rep;
    auto opt = with_tile(16);
    opt.report = &rep;
    EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), want);
    EXPECT_EQ(rep.in_flight, cap);
    EXPECT_LE(c.max_active(), static_cast<int>(cap));
    EXPECT_GE(c.max_active(), 1);
  }
  // The cap never raises the thread count.
  cleave::set_num_threads(1);
  HashComputer c(300, 11);
  c.in_flight_cap = 2;
  ScheduleReport rep;
  auto opt = with_tile(16);
  opt.report = &rep;
  EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), want);
  EXPECT_EQ(rep.in_flight, 1u);
}

TEST_F(Scheduler, DeviceMemoryShrinksTiles) {
  cleave::set_num_threads(2);
  HashComputer host_only(2000, 2, 0.99);
  host_only.per_pair_bytes = 64;
  host_only.in_flight_cap = 2;
  ScheduleReport host_rep;
  auto opt = with_tile(0);
  opt.max_memory = 16ull << 20;
  opt.report = &host_rep;
  std::string want = bytes(cleave::run_all_pairs(host_only, opt));
  EXPECT_EQ(host_rep.tile, 256u);  // from the host budget alone

  // The device holds 2 tiles of 128 rows at 16 bytes a pair, not of 256.
  HashComputer c(2000, 2, 0.99);
  c.per_pair_bytes = 64;
  c.in_flight_cap = 2;
  c.device_per_pair = 16;
  c.device_limit = 2 * 128 * 128 * 16 + 1000;
  ScheduleReport rep;
  opt.report = &rep;
  EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), want);
  EXPECT_EQ(rep.tile, 128u);
  EXPECT_EQ(rep.in_flight, 2u);
  EXPECT_LE(rep.in_flight * c.device_tile_bytes(rep.tile), c.device_limit);

  // One tile of 64 rows fits the device, two do not: one tile at a time.
  c.device_limit = 64 * 64 * 16 + 1000;
  EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), want);
  EXPECT_EQ(rep.tile, 64u);
  EXPECT_EQ(rep.in_flight, 1u);

  // Not even one smallest tile: out of memory, naming the device.
  c.device_limit = 1000;
  std::string msg;
  EXPECT_EQ(code_of([&] { cleave::run_all_pairs(c, opt); }, &msg), cleave::errc::out_of_memory);
  EXPECT_NE(msg.find("device memory"), std::string::npos) << msg;
}

TEST_F(Scheduler, TileSideFromTheBudget) {
  cleave::set_num_threads(2);
  // Small inputs: one tile covers everything.
  {
    HashComputer c(40, 1);
    ScheduleReport rep;
    auto opt = with_tile(0);
    opt.report = &rep;
    EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), bytes(c.brute_force()));
    EXPECT_EQ(rep.tile, 40u);
    EXPECT_EQ(rep.tiles, 1u);
  }
  // A budget that fits two tiles in flight of a few hundred rows.
  HashComputer c(2000, 2, 0.99);
  c.per_pair_bytes = 64;
  ScheduleReport rep;
  auto opt = with_tile(0);
  opt.max_memory = 16ull << 20;
  opt.report = &rep;
  EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), bytes(c.brute_force()));
  EXPECT_EQ(rep.tile, 256u);  // 2 x 256^2 x 64 bytes = half the budget
  EXPECT_EQ(rep.tile % 64, 0u);
  EXPECT_EQ(rep.in_flight, 2u);
  EXPECT_LE(rep.in_flight * c.tile_bytes(rep.tile), opt.max_memory);
  EXPECT_GT(2 * c.tile_bytes(rep.tile + 64), opt.max_memory / 2);  // not needlessly small
  EXPECT_EQ(rep.memory_budget, opt.max_memory);
}

TEST_F(Scheduler, SpillingGivesTheSameGraph) {
  cleave::set_num_threads(2);
  HashComputer ref(300, 4);
  std::string want = bytes(ref.brute_force());
  // A private temporary directory: other cleave processes (tests run in
  // parallel) make and remove spill directories in the shared one.
  const fs::path tmp = dir_ / "tmp";
  fs::create_directories(tmp);
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved = old_tmpdir ? old_tmpdir : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  struct Restore {
    bool had;
    std::string value;
    ~Restore() {
      if (had)
        ::setenv("TMPDIR", value.c_str(), 1);
      else
        ::unsetenv("TMPDIR");
    }
  } restore{old_tmpdir != nullptr, saved};
  ASSERT_EQ(fs::temp_directory_path(), tmp);
  auto spill_dirs = [] {
    std::set<std::string> s;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path()))
      if (e.path().filename().string().starts_with("cleave-spill-")) s.insert(e.path());
    return s;
  };
  auto before = spill_dirs();
  ASSERT_TRUE(before.empty());
  for (bool checkpoint : {false, true}) {
    SCOPED_TRACE(checkpoint ? "with work dir" : "spill to temp");
    HashComputer c(300, 4);
    // Tiles in flight take nearly all of the budget, so edges cannot stay
    // in memory, while the final graph (about 130 KB) still fits.
    c.per_pair_bytes = 0;
    c.fixed_bytes = 195 << 10;
    ScheduleReport rep;
    auto opt = with_tile(32);
    opt.max_memory = 400 << 10;
    opt.report = &rep;
    if (checkpoint) opt.work_dir = dir_ / "work";
    EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), want);
    EXPECT_GT(rep.tiles_spilled, rep.tiles / 2);
    EXPECT_LT(rep.tiles_spilled, rep.tiles);  // the first tiles fit
    if (checkpoint) EXPECT_TRUE(sched_test::listing(opt.work_dir).empty());
  }
  EXPECT_EQ(spill_dirs(), before);
}

TEST_F(Scheduler, OutOfMemoryNamesTheBytesNeeded) {
  cleave::set_num_threads(1);
  std::string msg;
  HashComputer c(300, 3);
  auto opt = with_tile(0);
  opt.max_memory = 100;
  EXPECT_EQ(code_of([&] { (void)cleave::run_all_pairs(c, opt); }, &msg),
            cleave::errc::out_of_memory);
  EXPECT_NE(msg.find("the memory budget is 100 bytes"), std::string::npos) << msg;
  EXPECT_TRUE(c.tiles().empty());  // refused before any work

  c.per_pair_bytes = 0;
  c.fixed_bytes = 1 << 20;  // the nodes fit, one tile does not
  opt.max_memory = 512 << 10;
  EXPECT_EQ(code_of([&] { (void)cleave::run_all_pairs(c, opt); }, &msg),
            cleave::errc::out_of_memory);
  EXPECT_NE(msg.find("one tile of 64 rows needs 1.00 MiB"), std::string::npos) << msg;
  EXPECT_TRUE(c.tiles().empty());
}

TEST_F(Scheduler, GraphTooLargeIsDetectedAndResumable) {
  cleave::set_num_threads(1);
  // Threshold 0: all 44850 pairs are edges, about 1.2 MiB of graph.
  HashComputer c(300, 3, 0.0);
  auto opt = with_tile(32);
  opt.max_memory = 256 << 10;
  opt.work_dir = dir_ / "work";
  std::string msg;
  EXPECT_EQ(code_of([&] { (void)cleave::run_all_pairs(c, opt); }, &msg),
            cleave::errc::out_of_memory);
  EXPECT_NE(msg.find("edges found so far"), std::string::npos) << msg;
  EXPECT_NE(msg.find(opt.work_dir.string()), std::string::npos) << msg;
  EXPECT_LT(c.tiles().size(), 55u);  // stopped early

  HashComputer again(300, 3, 0.0);
  ScheduleReport rep;
  opt.max_memory = 8 << 20;
  opt.report = &rep;
  EXPECT_EQ(bytes(cleave::run_all_pairs(again, opt)), bytes(again.brute_force()));
  EXPECT_EQ(rep.tiles_resumed, c.tiles().size());
  EXPECT_EQ(again.tiles().size(), rep.tiles - rep.tiles_resumed);
}

TEST_F(Scheduler, ComputerThatIgnoresIBelowJIsCaught) {
  HashComputer c(50, 3);
  c.filter_diagonal = false;
  std::string msg;
  EXPECT_EQ(code_of([&] { (void)cleave::run_all_pairs(c, with_tile(16)); }, &msg),
            cleave::errc::internal);
  EXPECT_NE(msg.find("only the pairs i < j"), std::string::npos) << msg;
}

TEST_F(Scheduler, TinyInputs) {
  for (uint64_t n : {0, 1}) {
    HashComputer c(n, 1);
    cleave::Graph g = cleave::run_all_pairs(c, with_tile(0));
    EXPECT_EQ(g.num_nodes(), n);
    EXPECT_EQ(g.num_edges(), 0u);
    EXPECT_EQ(g.meta().n_pairs, 0u);
    EXPECT_TRUE(c.tiles().empty());
  }
}

}  // namespace
