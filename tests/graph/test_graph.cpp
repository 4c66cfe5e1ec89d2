// The CSR graph, its file format (round trip, corruption, versions) and the
// component/stat summaries, checked against brute force.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "cleave/error.hpp"
#include "cleave/graph.hpp"

namespace fs = std::filesystem;
using cleave::Edge;
using cleave::Graph;
using cleave::GraphMeta;

namespace {

/// A fresh directory for one test, removed with what is in it at the end.
struct TempDir {
  fs::path path =
      fs::temp_directory_path() /
      ("cleave_graph_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
       "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path operator/(const fs::path& name) const { return path / name; }
};

std::vector<Edge> random_edges(uint32_t n, std::size_t m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> node(0, n - 1);
  std::uniform_real_distribution<float> w(0.3f, 1.0f);
  std::vector<Edge> e;
  for (std::size_t i = 0; i < m; ++i) e.push_back({node(rng), node(rng), w(rng)});
  return e;
}

GraphMeta meta_for(uint64_t n) {
  GraphMeta m;
  m.measure = cleave::Measure::tanimoto;
  m.threshold = 0.3;
  m.n_pairs = n * (n - 1) / 2;
  m.input_checksum = 0x1234;
  m.parameters = R"({"test": true})";
  m.histogram.add(0.1, 5);
  m.histogram.add(0.5, 2);
  return m;
}

void flip_byte(const fs::path& p, std::size_t offset) {
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

void expect_format_error(const fs::path& p, const std::string& needle) {
  try {
    (void)Graph::load(p);
    FAIL() << "loading " << p << " should fail";
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), cleave::errc::format) << e.what();
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Graph, FromEdgesMatchesBruteForce) {
  const uint32_t n = 300;
  auto edges = random_edges(n, 3000, 1);
  std::map<std::pair<uint32_t, uint32_t>, float> want;
  for (auto e : edges) {
    if (e.u == e.v) continue;
    auto key = std::minmax(e.u, e.v);
    auto [it, fresh] = want.emplace(std::pair{key.first, key.second}, e.w);
    if (!fresh) it->second = std::max(it->second, e.w);  // duplicates keep the largest
  }
  Graph g = Graph::from_edges(n, edges, meta_for(n));
  EXPECT_EQ(g.num_nodes(), n);
  EXPECT_EQ(g.num_edges(), want.size());
  auto offs = g.offsets();
  auto cols = g.columns();
  auto w = g.weights();
  std::size_t seen = 0;
  for (uint32_t v = 0; v < n; ++v) {
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
      if (e > offs[v]) EXPECT_LT(cols[e - 1], cols[e]);
      auto key = std::minmax(v, cols[e]);
      auto it = want.find({key.first, key.second});
      ASSERT_NE(it, want.end());
      EXPECT_EQ(it->second, w[e]);
      ++seen;
    }
  }
  EXPECT_EQ(seen, 2 * want.size());
  EXPECT_EQ(g.ids().size(), n);
  EXPECT_EQ(g.ids()[7], "7");
}

TEST(Graph, RejectsOutOfRangeEdges) {
  EXPECT_THROW(Graph::from_edges(3, {{0, 3, 1.0f}}, meta_for(3)), cleave::error);
}

TEST(GraphFile, RoundTripIsExactWithAndWithoutMmap) {
  const TempDir dir;
  const uint32_t n = 500;
  std::vector<std::string> ids;
  for (uint32_t i = 0; i < n; ++i) ids.push_back("mol_" + std::to_string(i));
  Graph g = Graph::from_edges(n, random_edges(n, 4000, 2), meta_for(n), ids);
  g.save(dir / "g.cgr");
  EXPECT_TRUE(fs::exists(dir / "g.cgr.ids"));
  for (bool mmap : {true, false}) {
    Graph h = Graph::load(dir / "g.cgr", mmap);
    ASSERT_EQ(h.num_nodes(), g.num_nodes());
    ASSERT_EQ(h.num_edges(), g.num_edges());
    EXPECT_TRUE(std::equal(g.offsets().begin(), g.offsets().end(), h.offsets().begin()));
    EXPECT_TRUE(std::equal(g.columns().begin(), g.columns().end(), h.columns().begin()));
    EXPECT_TRUE(std::equal(g.weights().begin(), g.weights().end(), h.weights().begin()));
    EXPECT_EQ(h.ids(), ids);
    EXPECT_EQ(h.meta().threshold, 0.3);
    EXPECT_EQ(h.meta().n_pairs, g.meta().n_pairs);
    EXPECT_EQ(h.meta().input_checksum, 0x1234u);
    EXPECT_EQ(h.meta().parameters, R"({"test": true})");
    EXPECT_EQ(h.meta().histogram.counts, g.meta().histogram.counts);
    EXPECT_EQ(h.meta().measure, cleave::Measure::tanimoto);
  }
  // No temporary files are left behind.
  for (const auto& e : fs::directory_iterator(dir.path))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(GraphFile, DetectsCorruptionTruncationAndVersions) {
  const TempDir dir;
  const uint32_t n = 200;
  Graph g = Graph::from_edges(n, random_edges(n, 1000, 3), meta_for(n));
  g.save(dir / "g.cgr");
  const auto size = fs::file_size(dir / "g.cgr");
  auto copy = [&](const std::string& name) {
    fs::copy_file(dir / "g.cgr", dir / name);
    fs::copy_file(dir / "g.cgr.ids", dir / (name + ".ids"));
    return dir / name;
  };
  // A flipped byte in every section is caught by the data checksum.
  for (std::size_t off :
       {std::size_t{300}, static_cast<std::size_t>(size / 2), static_cast<std::size_t>(size - 3)}) {
    auto p = copy("flip" + std::to_string(off) + ".cgr");
    flip_byte(p, off);
    expect_format_error(p, "checksum");
  }
  auto hdr = copy("hdr.cgr");
  flip_byte(hdr, 20);  // n_nodes
  expect_format_error(hdr, "header checksum");
  auto trunc = copy("trunc.cgr");
  fs::resize_file(trunc, size - 100);
  expect_format_error(trunc, "truncated");
  auto tiny = copy("tiny.cgr");
  fs::resize_file(tiny, 10);
  expect_format_error(tiny, "too short");
  auto magic = copy("magic.cgr");
  flip_byte(magic, 0);
  expect_format_error(magic, "magic");
  auto ver = copy("ver.cgr");
  {
    std::fstream f(ver, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8);
    uint32_t v = 2;
    f.write(reinterpret_cast<const char*>(&v), 4);
  }
  expect_format_error(ver, "version 2");
  // The ids sidecar must match the node count.
  auto ids = copy("ids.cgr");
  {
    std::ofstream f(dir / "ids.cgr.ids");
    f << "a\nb\n";
  }
  EXPECT_THROW((void)Graph::load(ids), cleave::error);
  // Ids of the right count but not the saved ones (a save killed between its
  // two renames, or a replaced file): refused by the recorded checksum.
  auto other = copy("other.cgr");
  {
    std::ofstream f(dir / "other.cgr.ids");
    for (uint32_t i = 0; i < n; ++i) f << (i == 17 ? "x" : std::to_string(i)) << "\n";
  }
  expect_format_error(other, "not the ones graph");
  // The untouched pair still loads.
  EXPECT_EQ(Graph::load(copy("same.cgr")).ids()[17], "17");
  EXPECT_THROW((void)Graph::load(dir / "absent.cgr"), cleave::error);
}

TEST(GraphStats, ComponentsAndCliquesMatchBruteForce) {
  // Components: a triangle (clique), a path of 4 (not a clique), an edge
  // (clique of 2), and 3 isolated nodes.
  std::vector<Edge> e = {{0, 1, 1}, {1, 2, 1}, {0, 2, 1}, {3, 4, 1},
                         {4, 5, 1}, {5, 6, 1}, {7, 8, 1}};
  Graph g = Graph::from_edges(12, e, meta_for(12));
  auto c = cleave::connected_components(g);
  ASSERT_EQ(c.size.size(), 6u);
  EXPECT_EQ(c.label[0], c.label[2]);
  EXPECT_NE(c.label[0], c.label[3]);
  EXPECT_TRUE(c.is_clique(c.label[0]));
  EXPECT_FALSE(c.is_clique(c.label[3]));
  EXPECT_TRUE(c.is_clique(c.label[7]));
  auto s = cleave::graph_stats(g);
  EXPECT_EQ(s.nodes, 12u);
  EXPECT_EQ(s.edges, 7u);
  EXPECT_EQ(s.isolated, 3u);
  EXPECT_EQ(s.components, 6u);
  EXPECT_EQ(s.clique_components, 2u);  // the triangle and the single edge
  EXPECT_EQ(s.largest_component, 4u);
  EXPECT_EQ(s.max_degree, 2u);
  EXPECT_NEAR(s.density, 7.0 / 66.0, 1e-12);
  auto text = cleave::format_stats(g, s);
  EXPECT_NE(text.find("nodes            12"), std::string::npos) << text;
  EXPECT_NE(text.find("2 non-trivial cliques"), std::string::npos) << text;
}

TEST(GraphStats, RandomComponentsAgreeWithBfs) {
  const uint32_t n = 2000;
  Graph g = Graph::from_edges(n, random_edges(n, 1500, 4), meta_for(n));
  auto c = cleave::connected_components(g);
  std::vector<int> bfs(n, -1);
  int k = 0;
  for (uint32_t s = 0; s < n; ++s) {
    if (bfs[s] >= 0) continue;
    std::vector<uint32_t> q = {s};
    bfs[s] = k;
    for (std::size_t i = 0; i < q.size(); ++i)
      for (uint64_t e = g.offsets()[q[i]]; e < g.offsets()[q[i] + 1]; ++e)
        if (bfs[g.columns()[e]] < 0) {
          bfs[g.columns()[e]] = k;
          q.push_back(g.columns()[e]);
        }
    ++k;
  }
  ASSERT_EQ(c.size.size(), static_cast<std::size_t>(k));
  for (uint32_t v = 0; v < n; ++v) EXPECT_EQ(static_cast<int>(c.label[v]), bfs[v]);
}
