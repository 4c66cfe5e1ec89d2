// Checkpoint and resume: crashes (an exception, and kill -9 of a child
// process at varied moments), refusal of foreign checkpoints, and damaged
// tile and checkpoint files. A resumed graph must be byte-identical to an
// uninterrupted one, and finished tiles must not be computed again.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "cleave/error.hpp"
#include "scheduler/synthetic_computer.hpp"

namespace fs = std::filesystem;
using cleave::ScheduleOptions;
using cleave::ScheduleReport;
using sched_test::HashComputer;

namespace {

constexpr uint64_t kN = 200;  // with 16-row tiles: 13 blocks, 91 tiles
constexpr uint64_t kSeed = 11;

class Resume : public ::testing::Test {
 protected:
  void SetUp() override {
    cleave::Progress::set_quiet(true);
    dir_ = sched_test::test_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    work_ = dir_ / "work";
    threads_ = cleave::num_threads();
    HashComputer ref(kN, kSeed);
    want_ = bytes(ref.brute_force());
    cleave::set_warning_sink([this](const std::string& w) { warnings_.push_back(w); });
  }
  void TearDown() override {
    cleave::set_warning_sink(nullptr);
    cleave::set_num_threads(threads_);
    fs::remove_all(dir_);
  }
  std::string bytes(const cleave::Graph& g) { return sched_test::saved_bytes(g, dir_); }
  ScheduleOptions options(uint64_t tile = 16) {
    ScheduleOptions o;
    o.tile = tile;
    o.work_dir = work_;
    o.progress = false;
    return o;
  }
  // Runs a computer that crashes after `k` tiles; returns the tiles it finished.
  std::vector<cleave::Tile> crash_after(int64_t k, uint64_t seed = kSeed, double threshold = 0.9) {
    HashComputer c(kN, seed, threshold);
    c.fail_after = k;
    EXPECT_THROW((void)cleave::run_all_pairs(c, options()), std::runtime_error);
    EXPECT_TRUE(fs::exists(work_ / "cleave-checkpoint.txt"));
    return c.tiles();
  }

  fs::path dir_, work_;
  std::string want_;
  std::vector<std::string> warnings_;
  int threads_ = 1;
};

std::set<uint64_t> indices(const std::vector<cleave::Tile>& tiles) {
  std::set<uint64_t> s;
  for (const auto& t : tiles) s.insert(t.index);
  return s;
}

void damage(const fs::path& p, std::size_t offset) {
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << p;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x21);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

fs::path tile_file(const fs::path& work, uint64_t index) {
  char name[64];
  std::snprintf(name, sizeof name, "cleave-tile-%08llu.bin",
                static_cast<unsigned long long>(index));
  return work / name;
}

TEST_F(Resume, AfterACrashFinishedTilesAreNotRecomputed) {
  for (int threads : {1, 2}) {
    SCOPED_TRACE(::testing::Message() << "threads=" << threads);
    cleave::set_num_threads(threads);
    auto first = crash_after(5);
    if (threads == 1) ASSERT_EQ(first.size(), 5u);
    HashComputer c(kN, kSeed);
    ScheduleReport rep;
    auto opt = options();
    opt.report = &rep;
    EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), want_);
    EXPECT_EQ(rep.tiles, 91u);
    EXPECT_EQ(rep.tiles_resumed, first.size());
    EXPECT_EQ(c.tiles().size() + first.size(), rep.tiles);  // each tile computed once
    auto a = indices(first), b = indices(c.tiles());
    for (uint64_t i : a) EXPECT_EQ(b.count(i), 0u) << "tile " << i << " computed twice";
    EXPECT_TRUE(sched_test::listing(work_).empty());  // work files removed
    EXPECT_TRUE(warnings_.empty());
  }
}

TEST_F(Resume, SeveralCrashesInARow) {
  cleave::set_num_threads(2);
  uint64_t finished = 0;
  for (int64_t k : {3, 0, 7, 20}) {
    HashComputer c(kN, kSeed);
    c.fail_after = k;
    EXPECT_THROW((void)cleave::run_all_pairs(c, options()), std::runtime_error);
    finished += c.tiles().size();
  }
  HashComputer c(kN, kSeed);
  ScheduleReport rep;
  auto opt = options();
  opt.report = &rep;
  EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), want_);
  EXPECT_EQ(rep.tiles_resumed, finished);
  EXPECT_EQ(c.tiles().size() + finished, 91u);
}

TEST_F(Resume, AdoptsTheCheckpointTileSideWhenNoneIsGiven) {
  // On two threads the automatic side is 128 rows (load balance); on one it
  // would be the whole input. The resumed run keeps the checkpoint's tiling.
  HashComputer first(600, kSeed);
  first.fail_after = 2;
  cleave::set_num_threads(2);
  EXPECT_THROW((void)cleave::run_all_pairs(first, options(0)), std::runtime_error);
  cleave::set_num_threads(1);
  HashComputer c(600, kSeed);
  ScheduleReport rep;
  auto opt = options(0);
  opt.report = &rep;
  EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), bytes(c.brute_force()));
  EXPECT_EQ(rep.tile, 128u);
  EXPECT_EQ(rep.tiles_resumed, first.tiles().size());
  EXPECT_GT(rep.tiles_resumed, 0u);
}

TEST_F(Resume, CheckpointOfOtherInputsIsRefused) {
  cleave::set_num_threads(1);
  crash_after(4);
  auto refused = [&](HashComputer& c, ScheduleOptions opt, const char* what) {
    SCOPED_TRACE(what);
    try {
      (void)cleave::run_all_pairs(c, opt);
      ADD_FAILURE() << "a foreign checkpoint was used";
    } catch (const cleave::error& e) {
      EXPECT_EQ(e.code(), cleave::errc::invalid_argument);
      std::string msg = e.what();
      EXPECT_NE(msg.find((work_ / "cleave-checkpoint.txt").string()), std::string::npos) << msg;
      EXPECT_NE(msg.find("remove it or use another work directory"), std::string::npos) << msg;
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
    }
    EXPECT_TRUE(c.tiles().empty());
  };
  HashComputer other_input(kN, kSeed + 1);
  refused(other_input, options(), "input");
  HashComputer other_threshold(kN, kSeed, 0.8);
  refused(other_threshold, options(), "threshold");
  HashComputer other_n(kN + 1, kSeed);
  refused(other_n, options(), "input");
  HashComputer same(kN, kSeed);
  refused(same, options(32), "tile side");
  // The checkpoint is left alone, and still resumes with the right inputs.
  ScheduleReport rep;
  auto opt = options();
  opt.report = &rep;
  EXPECT_EQ(bytes(cleave::run_all_pairs(same, opt)), want_);
  EXPECT_EQ(rep.tiles_resumed, 4u);
}

TEST_F(Resume, DamagedTileFilesAreRecomputed) {
  cleave::set_num_threads(1);
  auto first = crash_after(6);
  ASSERT_EQ(first.size(), 6u);
  damage(tile_file(work_, 2), 200);           // a flipped bit among the edges
  fs::resize_file(tile_file(work_, 4), 100);  // a torn file
  damage(tile_file(work_, 5), 30);            // header: claims another tile
  fs::remove(tile_file(work_, 1));            // lost
  HashComputer c(kN, kSeed);
  ScheduleReport rep;
  auto opt = options();
  opt.report = &rep;
  EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), want_);
  EXPECT_EQ(rep.tiles_repaired, 4u);
  EXPECT_EQ(rep.tiles_resumed, 2u);
  auto again = indices(c.tiles());
  for (uint64_t i : {1, 2, 4, 5}) EXPECT_EQ(again.count(i), 1u) << i;
  for (uint64_t i : {0, 3}) EXPECT_EQ(again.count(i), 0u) << i;
  ASSERT_EQ(warnings_.size(), 4u);
  EXPECT_NE(warnings_[1].find("checksum mismatch"), std::string::npos) << warnings_[1];
  EXPECT_NE(warnings_[2].find("cleave-tile-00000004.bin"), std::string::npos) << warnings_[2];
}

TEST_F(Resume, DamagedCheckpointIsAFormatError) {
  cleave::set_num_threads(1);
  crash_after(3);
  damage(work_ / "cleave-checkpoint.txt", 40);
  HashComputer c(kN, kSeed);
  try {
    (void)cleave::run_all_pairs(c, options());
    ADD_FAILURE() << "a damaged checkpoint was used";
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), cleave::errc::format);
    EXPECT_NE(std::string(e.what()).find("cleave-checkpoint.txt"), std::string::npos);
  }
  EXPECT_TRUE(c.tiles().empty());
}

TEST_F(Resume, StaleFilesWithoutACheckpointAreIgnored) {
  fs::create_directories(work_);
  std::ofstream(tile_file(work_, 3)) << "garbage";
  std::ofstream(work_ / "cleave-tile-00000007.bin.tmp-99") << "half written";
  std::ofstream(work_ / "keep.txt") << "not ours";
  HashComputer c(kN, kSeed);
  EXPECT_EQ(bytes(cleave::run_all_pairs(c, options())), want_);
  EXPECT_EQ(c.tiles().size(), 91u);
  EXPECT_EQ(sched_test::listing(work_), std::vector<std::string>{"keep.txt"});
}

TEST_F(Resume, WorkDirInUseIsRefused) {
  fs::create_directories(work_);
  int fd = ::open((work_ / "cleave.lock").c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  HashComputer c(kN, kSeed);
  try {
    (void)cleave::run_all_pairs(c, options());
    ADD_FAILURE() << "ran in a locked work directory";
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), cleave::errc::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
  ::close(fd);
  EXPECT_EQ(bytes(cleave::run_all_pairs(c, options())), want_);
}

// kill -9 of a child process in the middle of a run, at several moments: the
// parent resumes and must get the uninterrupted graph.
TEST_F(Resume, SurvivesSigkill) {
  cleave::set_num_threads(2);
  const uint64_t n = 300, tiles = 190;  // 16-row tiles: 19 blocks
  HashComputer ref(n, kSeed);
  std::string want = bytes(ref.brute_force());
  // Milliseconds after the first checkpoint appears; -1: right after fork.
  const int delays_ms[] = {-1, 0, 3, 10, 25, 60};
  int interrupted = 0;
  for (int delay : delays_ms) {
    SCOPED_TRACE(::testing::Message() << "delay " << delay << " ms");
    fs::remove_all(work_);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int rc = 0;
      try {
        HashComputer slow(n, kSeed);
        slow.delay_us = 2000;
        (void)cleave::run_all_pairs(slow, options());
      } catch (...) {
        rc = 3;
      }
      ::_exit(rc);
    }
    if (delay >= 0) {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (!fs::exists(work_ / "cleave-checkpoint.txt") &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    if (!killed) EXPECT_EQ(WEXITSTATUS(status), 0);

    HashComputer c(n, kSeed);
    ScheduleReport rep;
    auto opt = options();
    opt.report = &rep;
    EXPECT_EQ(bytes(cleave::run_all_pairs(c, opt)), want);
    EXPECT_EQ(c.tiles().size() + rep.tiles_resumed, tiles);
    EXPECT_EQ(rep.tiles_repaired, 0u);
    EXPECT_TRUE(sched_test::listing(work_).empty());
    if (killed && rep.tiles_resumed > 0 && rep.tiles_resumed < tiles) ++interrupted;
  }
  EXPECT_GE(interrupted, 3) << "too few runs were killed part-way";
}

}  // namespace
