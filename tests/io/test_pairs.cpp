/// @file test_pairs.cpp
/// @brief Precomputed pairs files read into graphs.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "cleave/io.hpp"
#include "io/io_test_util.hpp"

using namespace cleave;
using cleave::test::expect_error_at;
using cleave::test::ScratchDir;

namespace {

std::set<std::tuple<uint32_t, uint32_t, float>> edges_of(const Graph& g) {
  std::set<std::tuple<uint32_t, uint32_t, float>> out;
  auto off = g.offsets();
  auto col = g.columns();
  auto w = g.weights();
  for (uint32_t u = 0; u < g.num_nodes(); ++u)
    for (uint64_t k = off[u]; k < off[u + 1]; ++k)
      if (u < col[k]) out.emplace(u, col[k], w[k]);
  return out;
}

}  // namespace

TEST(Pairs, ReadsWithIdsFile) {
  ScratchDir dir;
  auto ids = dir.write("ids.txt", "a\nb\nc\nd\ne\n");
  auto p = dir.write("p.tsv",
                     "i\tj\tvalue\n0\t1\t0.5\n# comment\n2 3   0.25\n3\t2\t0.25\n1\t2\t0.75\n"
                     "\n0\t4\t0.49\n");
  auto g = read_pairs_graph(p, ids, 0.5);
  EXPECT_EQ(g.num_nodes(), 5u);
  EXPECT_EQ(g.ids(), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(edges_of(g),
            (std::set<std::tuple<uint32_t, uint32_t, float>>{{0, 1, 0.5f}, {1, 2, 0.75f}}));
  EXPECT_EQ(g.meta().measure, Measure::precomputed);
  EXPECT_EQ(g.meta().threshold, 0.5);
  EXPECT_EQ(g.meta().n_pairs, 4u);  // the repeated (2, 3) counts once
  EXPECT_EQ(g.meta().histogram.total(), 4u);
  Histogram h;
  for (double v : {0.5, 0.25, 0.75, 0.49}) h.add(v);
  EXPECT_EQ(g.meta().histogram.counts, h.counts);
  EXPECT_NE(g.meta().input_checksum, read_pairs_graph(p, ids, 0.6).meta().input_checksum);
}

TEST(Pairs, WithoutIdsNodesAreIndices) {
  ScratchDir dir;
  auto p = dir.write("p.txt", "0 3 0.9\n1 0 0.1\n");
  auto g = read_pairs_graph(p, {}, 0.4);
  EXPECT_EQ(g.num_nodes(), 4u);
  EXPECT_EQ(g.ids(), (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(g.num_edges(), 1u);
  EXPECT_EQ(g.degree(2), 0u);
}

TEST(Pairs, ValuesOutsideUnitRangeWidenTheHistogram) {
  ScratchDir dir;
  auto p = dir.write("p.txt", "0 1 -2\n1 2 3.5\n0 2 1\n");
  auto g = read_pairs_graph(p, {}, 1.0);
  EXPECT_EQ(g.meta().histogram.lo, -2.0);
  EXPECT_EQ(g.meta().histogram.hi, 3.5);
  EXPECT_EQ(g.meta().histogram.total(), 3u);
  EXPECT_EQ(g.num_edges(), 2u);
}

TEST(Pairs, ConflictFixture) {
  auto p = cleave::test::test_data("io_pairs_conflict.tsv");
  expect_error_at([&] { (void)read_pairs_graph(p, {}, 0.5); }, errc::format, p, 4,
                  {"pair (0, 1)", "different value", "line 1"});
}

TEST(Pairs, BadInputNamesLine) {
  ScratchDir dir;
  auto ids = dir.write("ids.txt", "a\nb\nc\n");
  struct Case {
    std::string text;
    uint64_t line;
    std::string part;
    bool with_ids;
  };
  const std::vector<Case> cases = {
      {"0\t1\t0.5\n2\t2\t0.5\n", 2, "with itself", false},
      {"0\t1\t0.5\nx\t2\t0.5\n", 2, "'x' is not a 0-based sample index", false},
      {"0\t1\t0.5\n1\t-2\t0.5\n", 2, "'-2'", false},
      {"0\t1\t0.5\n1\t2\thigh\n", 2, "'high' is not a finite number", false},
      {"0\t1\t0.5\n1\t2\tnan\n", 2, "not a finite number", false},
      {"0\t1\n", 1, "found 2 fields", false},
      {"0\t1\t0.5\n1\t3\t0.5\n", 2, "index 3 is out of range", true},
      {"0\t1\t0.5\n1\t2\t0.5\n3\t4\t0.1\n4\t3\t0.2\n1\t0\t0.6\n", 4, "pair (3, 4)", false},
      {"", 1, "no pairs", false},
      {"i j value\n", 1, "no pairs", false},
  };
  int k = 0;
  for (const auto& c : cases) {
    auto p = dir.write("bad" + std::to_string(k++) + ".tsv", c.text);
    SCOPED_TRACE(c.text);
    expect_error_at([&] { (void)read_pairs_graph(p, c.with_ids ? ids : "", 0.5); }, errc::format, p,
                    c.line, {c.part});
  }
}
