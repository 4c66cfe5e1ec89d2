/// @file test_output.cpp
/// @brief Split sets on disk: layout, atomic replacement, and byte-identical
/// output on 1 and 2 threads.
#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cleave/error.hpp"
#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "cleave/version.hpp"
#include "split_test_util.hpp"

namespace cleave::test {
namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = slurp(e.path());
  return files;
}

class Output : public ::testing::Test {
 protected:
  void SetUp() override {
    Progress::set_quiet(true);
    dir_ = fs::temp_directory_path() /
           ("cleave_split_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override {
    set_num_threads(0);
    fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_F(Output, SameFilesOnOneAndTwoThreads) {
  // Large enough that the rounds run on the parallel policy.
  const Graph g = random_graph(120000, 600000);
  for (bool weighted : {false, true}) {
    SplitOptions opt;
    opt.weighted = weighted;
    opt.backend = Backend::cpu;
    const std::vector<double> ps{0.0, 0.1, 0.5, 0.9, 1.0};
    set_num_threads(1);
    ASSERT_EQ(omp_get_max_threads(), 1);
    const auto one = sweep(g, ps, {3, 4}, opt, false);
    write_split_set(dir_ / "one", g, one, opt, R"({"test": 1})");
    set_num_threads(2);
    ASSERT_EQ(omp_get_max_threads(), 2);
    const auto two = sweep(g, ps, {3, 4}, opt, false);
    write_split_set(dir_ / "two", g, two, opt, R"({"test": 1})");
    const auto a = tree(dir_ / "one"), b = tree(dir_ / "two");
    EXPECT_GT(a.size(), 15u);
    EXPECT_EQ(a, b) << "weighted=" << weighted;
  }
}

TEST_F(Output, LayoutAndReplacement) {
  const TestGraph tg = mixed_graph(22);
  SplitOptions opt;
  opt.backend = Backend::cpu;
  auto splits = sweep(tg.g, {0.0, 0.5, 1.0}, {1, 2}, opt, false);
  // Make one invalid by hand: it must be listed but get no folder.
  splits[1].valid = false;
  const fs::path out = dir_ / "set";
  write_split_set(out, tg.g, splits, opt, R"({"graph": "g.cleave"})");
  const std::string stats = slurp(out / "stats.tsv");
  EXPECT_EQ(stats.substr(0, stats.find('\n')),
            "sp\trepeat\tseed\tvalid\tkept\tkept_units\ttrain\ttest\toverlap_frac\t"
            "overlap_maxsim\toverlap_meansim");
  EXPECT_EQ(std::count(stats.begin(), stats.end(), '\n'), 7);
  EXPECT_NE(stats.find("\n0.00\t1\t2\t0\t"), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "sp_0.00_r0" / "train.txt"));
  EXPECT_FALSE(fs::exists(out / "sp_0.00_r1"));
  EXPECT_TRUE(fs::exists(out / "sp_1.00_r1" / "test.txt"));
  const std::string test = slurp(out / "sp_0.50_r0" / "test.txt");
  EXPECT_EQ(static_cast<uint64_t>(std::count(test.begin(), test.end(), '\n')), splits[2].test);
  EXPECT_EQ(test.substr(0, 1), "s");
  const std::string manifest = slurp(out / "manifest.json");
  EXPECT_NE(manifest.find(cleave_version_string()), std::string::npos);
  EXPECT_NE(manifest.find(R"("inputs": {"graph": "g.cleave"})"), std::string::npos);
  EXPECT_NE(manifest.find(R"("seeds": [1, 2])"), std::string::npos);

  // Rewriting replaces the whole set and leaves no temporary behind.
  write_split_set(out, tg.g, {splits[0]}, opt, "");
  EXPECT_FALSE(fs::exists(out / "sp_1.00_r1"));
  EXPECT_TRUE(fs::exists(out / "sp_0.00_r0" / "train.txt"));
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename(), "set") << e.path();
  EXPECT_EQ(split_dir_name(0.05, 2), "sp_0.05_r2");
}

TEST(Backends, NamesAndFallback) {
  EXPECT_EQ(backend_from_name("cpu"), Backend::cpu);
  EXPECT_EQ(backend_from_name("cuda"), Backend::cuda);
  EXPECT_EQ(backend_from_name("auto"), Backend::automatic);
  EXPECT_THROW(backend_from_name("tpu"), cleave::error);
  EXPECT_EQ(resolve_backend(Backend::cpu), Backend::cpu);
  std::vector<std::string> warnings;
  set_warning_sink([&](const std::string& w) { warnings.push_back(w); });
  const Backend b = resolve_backend(Backend::cuda);
  resolve_backend(Backend::automatic);
  set_warning_sink(nullptr);
  if (cuda_available()) {
    EXPECT_EQ(b, Backend::cuda);
    EXPECT_TRUE(cuda_problem().empty());
  } else {
    EXPECT_EQ(b, Backend::cpu);
    // One message per process, saying why (another test may have had it).
    EXPECT_FALSE(cuda_problem().empty());
    EXPECT_LE(warnings.size(), 1u);
    for (const auto& w : warnings) EXPECT_NE(w.find(cuda_problem()), std::string::npos);
  }
  EXPECT_EQ(default_sweep().size(), 21u);
  EXPECT_EQ(default_sweep()[1], 0.05);
}

}  // namespace
}  // namespace cleave::test
