/// @file test_search.cpp
/// @brief Query-against-target search and split audits against brute force:
/// every pair scored one at a time by the library's scalar per-pair
/// functions (fingerprint_similarity, align_pair), and against the all-pairs
/// graph for pairs inside one dataset; ties, empty sides, thread counts, and
/// split files with unknown or duplicate ids.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cleave/augood.hpp"
#include "cleave/embedding.hpp"
#include "cleave/error.hpp"
#include "cleave/search.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"

using namespace cleave;
namespace fs = std::filesystem;

namespace {

/// n random fingerprints of `bits` bits, with every fifth a copy of an
/// earlier one (exact ties) and sparse density so similarities spread.
Fingerprints random_fps(uint64_t n, uint32_t bits, uint32_t seed) {
  Fingerprints f;
  f.n_bits = bits;
  f.words_per_fp = bits / 64;
  f.words.resize(n * f.words_per_fp);
  std::mt19937_64 rng(seed);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t* row = f.words.data() + i * f.words_per_fp;
    if (i >= 5 && i % 5 == 0) {
      const uint64_t src = rng() % i;
      std::copy(f.row(src), f.row(src) + f.words_per_fp, row);
      continue;
    }
    for (uint32_t w = 0; w < f.words_per_fp; ++w) row[w] = rng() & rng() & rng();
  }
  return f;
}

struct Pair {
  uint32_t target;
  double sim;
};

/// Brute force: every target's similarity, sorted best first (ties by rank).
std::vector<Pair> brute_sorted(const std::vector<double>& sims, const std::vector<uint64_t>& rank) {
  std::vector<Pair> all;
  for (uint32_t t = 0; t < sims.size(); ++t) all.push_back({t, sims[t]});
  std::sort(all.begin(), all.end(), [&](const Pair& a, const Pair& b) {
    if (a.sim != b.sim) return a.sim > b.sim;
    return rank.empty() ? a.target < b.target : rank[a.target] < rank[b.target];
  });
  return all;
}

/// Checks a result against per-pair similarities sims[q][t].
void expect_matches(const SearchResult& r, const std::vector<std::vector<double>>& sims,
                    const SearchOptions& opt, const std::vector<uint64_t>& rank) {
  ASSERT_EQ(r.offsets.size(), sims.size() + 1);
  for (std::size_t q = 0; q < sims.size(); ++q) {
    const auto sorted = brute_sorted(sims[q], rank);
    if (sorted.empty()) {
      EXPECT_EQ(r.nearest[q], SearchResult::kNone);
      EXPECT_TRUE(std::isnan(r.max_similarity[q]));
    } else {
      EXPECT_EQ(r.nearest[q], sorted[0].target) << "query " << q;
      EXPECT_EQ(r.max_similarity[q], sorted[0].sim) << "query " << q;
    }
    std::vector<Pair> want;
    for (const Pair& p : sorted)
      if (p.sim >= opt.threshold && (opt.top == 0 || want.size() < opt.top)) want.push_back(p);
    ASSERT_EQ(r.offsets[q + 1] - r.offsets[q], want.size()) << "query " << q;
    for (std::size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(r.hits[r.offsets[q] + k].target, want[k].target) << "query " << q << " hit " << k;
      EXPECT_EQ(r.hits[r.offsets[q] + k].similarity, want[k].sim) << "query " << q << " hit " << k;
    }
  }
}

std::vector<std::vector<double>> fp_brute(const Fingerprints& q, const Fingerprints& t, Measure m) {
  std::vector<std::vector<double>> s(q.size(), std::vector<double>(t.size()));
  for (std::size_t i = 0; i < q.size(); ++i)
    for (std::size_t j = 0; j < t.size(); ++j)
      s[i][j] = fingerprint_similarity(m, q.row(i), t.row(j), q.words_per_fp);
  return s;
}

class ThreadGuard {
 public:
  explicit ThreadGuard(int n) : saved_(num_threads()) { set_num_threads(n); }
  ~ThreadGuard() { set_num_threads(saved_); }
  ThreadGuard(const ThreadGuard&) = delete;
  ThreadGuard& operator=(const ThreadGuard&) = delete;

 private:
  int saved_;
};

/// Families of related proteins: random roots, copies with substitutions
/// and indels, so identities spread over [0, 1] (the three real proteins of
/// tests/data come first unless left out: one has 3 residues, too short
/// for any seed).
Sequences test_proteins(bool with_real = true) {
  const Sequences real = read_fasta(fs::path(CLEAVE_TEST_DATA) / "seq_proteins.fasta");
  std::vector<std::string> ids, seqs;
  for (std::size_t k = 0; with_real && k < real.size(); ++k) {
    ids.push_back(real.samples.ids[k]);
    seqs.push_back(real.letters(k));
  }
  const std::string aa = "ACDEFGHIKLMNPQRSTVWY";
  std::mt19937 rng(21);
  for (int fam = 0; fam < 4; ++fam) {
    std::string root;
    for (int k = 0; k < 60 + 15 * fam; ++k) root += aa[rng() % aa.size()];
    for (int member = 0; member < 6; ++member) {
      std::string s;
      for (char c : root) {
        const unsigned r = rng() % 100;
        if (r < static_cast<unsigned>(8 * member))
          s += aa[rng() % aa.size()];  // substitution
        else if (r < static_cast<unsigned>(8 * member) + 2)
          continue;  // deletion
        else
          s += c;
        if (rng() % 100 < 2) s += aa[rng() % aa.size()];  // insertion
      }
      ids.push_back("f" + std::to_string(fam) + "_" + std::to_string(member));
      seqs.push_back(s);
    }
  }
  return sequences_from_strings(ids, seqs);
}

}  // namespace

TEST(Search, FingerprintsEqualBruteForceWithTiesAndTopK) {
  const Fingerprints q = random_fps(37, 256, 1), t = random_fps(211, 256, 2);
  // Ranks that reverse the index order, so ties must follow them.
  std::vector<uint64_t> rank(t.size());
  for (std::size_t k = 0; k < rank.size(); ++k) rank[k] = rank.size() - 1 - k;
  for (Measure m : {Measure::tanimoto, Measure::dice, Measure::cosine}) {
    const auto sims = fp_brute(q, t, m);
    for (uint32_t top : {0U, 1U, 3U}) {
      SearchOptions opt;
      opt.measure = m;
      opt.threshold = top == 0 ? 0.2 : -std::numeric_limits<double>::infinity();
      opt.top = top;
      expect_matches(search(FeatureView{&q}, FeatureView{&t}, opt, rank), sims, opt, rank);
      expect_matches(search(FeatureView{&q}, FeatureView{&t}, opt), sims, opt, {});
    }
  }
}

TEST(Search, IdenticalOnOneAndTwoThreads) {
  const Fingerprints q = random_fps(50, 512, 3), t = random_fps(300, 512, 4);
  SearchOptions opt;
  opt.threshold = 0.15;
  opt.top = 5;
  SearchResult a, b;
  {
    ThreadGuard g(1);
    a = search(FeatureView{&q}, FeatureView{&t}, opt);
  }
  {
    ThreadGuard g(2);
    b = search(FeatureView{&q}, FeatureView{&t}, opt);
  }
  ASSERT_EQ(a.hits.size(), b.hits.size());
  EXPECT_EQ(a.offsets, b.offsets);
  EXPECT_EQ(a.nearest, b.nearest);
  for (std::size_t k = 0; k < a.hits.size(); ++k) {
    EXPECT_EQ(a.hits[k].target, b.hits[k].target);
    EXPECT_EQ(a.hits[k].similarity, b.hits[k].similarity);
  }
}

TEST(Search, EmptySides) {
  const Fingerprints q = random_fps(4, 128, 5);
  Fingerprints none;
  none.n_bits = 128;
  none.words_per_fp = 2;
  SearchOptions opt;
  opt.threshold = 0.0;
  const SearchResult r = search(FeatureView{&q}, FeatureView{&none}, opt);
  ASSERT_EQ(r.nearest.size(), 4U);
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(r.nearest[k], SearchResult::kNone);
    EXPECT_TRUE(std::isnan(r.max_similarity[k]));
  }
  EXPECT_TRUE(r.hits.empty());
  const SearchResult e = search(FeatureView{&none}, FeatureView{&q}, opt);
  EXPECT_TRUE(e.nearest.empty());
  EXPECT_EQ(e.offsets.size(), 1U);
}

TEST(Search, RejectsMismatchedInputs) {
  const Fingerprints a = random_fps(3, 128, 6), b = random_fps(3, 256, 7);
  SearchOptions opt;
  opt.threshold = 0.5;
  EXPECT_THROW(search(FeatureView{&a}, FeatureView{&b}, opt), error);
  SearchOptions none;  // neither threshold nor top
  EXPECT_THROW(search(FeatureView{&a}, FeatureView{&a}, none), error);
  opt.measure = Measure::identity;
  EXPECT_THROW(search(FeatureView{&a}, FeatureView{&a}, opt), error);
  const Sequences s = test_proteins();
  EXPECT_THROW(search(FeatureView{&a}, FeatureView{nullptr, nullptr, &s}, opt), error);
}

TEST(Search, SequencesEqualPairwiseAlignment) {
  const Sequences s = test_proteins();
  ASSERT_GE(s.size(), 6U);
  // Queries: the first three; targets: all (a query against itself too).
  Sequences q = s;
  q.offsets.resize(4);
  q.residues.resize(q.offsets.back());
  q.samples.ids.resize(3);
  for (IdentityKind kind : {IdentityKind::full, IdentityKind::shorter}) {
    SearchOptions opt;
    opt.measure = Measure::identity;
    opt.align.identity = kind;
    opt.threshold = 0.0;
    std::vector<std::vector<double>> sims(3, std::vector<double>(s.size()));
    for (uint32_t i = 0; i < 3; ++i)
      for (uint32_t j = 0; j < s.size(); ++j)
        sims[i][j] = alignment_identity(align_pair(s, i, j, opt.align), s.length(i), s.length(j),
                                        resolved_identity(opt.align));
    expect_matches(
        search(FeatureView{nullptr, nullptr, &q}, FeatureView{nullptr, nullptr, &s}, opt), sims,
        opt, {});
  }
}

/// Pairs inside one dataset equal the all-pairs graph: every hit at the
/// graph threshold is an edge with the same weight, and every edge between
/// the sides is a hit.
template <class Build>
void expect_within_equals_graph(const FeatureView& data, SearchOptions opt, double threshold,
                                Build&& build_graph) {
  const Graph g = build_graph();
  const uint64_t n = data.size();
  std::vector<uint32_t> queries, targets;
  std::mt19937 rng(11);
  for (uint32_t i = 0; i < n; ++i) (rng() % 4 == 0 ? queries : targets).push_back(i);
  std::shuffle(queries.begin(), queries.end(), rng);  // any order works
  opt.threshold = threshold;
  const SearchResult r = search_within(data, queries, targets, opt);
  std::map<std::pair<uint32_t, uint32_t>, float> edges;
  for (uint32_t v = 0; v < n; ++v)
    for (uint64_t e = g.offsets()[v]; e < g.offsets()[v + 1]; ++e)
      edges[{v, g.columns()[e]}] = g.weights()[e];
  std::set<uint32_t> is_target(targets.begin(), targets.end());
  for (std::size_t q = 0; q < queries.size(); ++q) {
    uint64_t expected = 0;
    for (uint64_t e = g.offsets()[queries[q]]; e < g.offsets()[queries[q] + 1]; ++e)
      expected += is_target.count(g.columns()[e]);
    ASSERT_EQ(r.offsets[q + 1] - r.offsets[q], expected) << "query " << queries[q];
    for (uint64_t h = r.offsets[q]; h < r.offsets[q + 1]; ++h) {
      const auto it = edges.find({queries[q], targets[r.hits[h].target]});
      ASSERT_NE(it, edges.end());
      EXPECT_EQ(static_cast<float>(r.hits[h].similarity), it->second);
    }
  }
}

TEST(SearchWithin, SequencesEqualTheExhaustiveGraph) {
  const Sequences s = test_proteins();
  SearchOptions opt;
  opt.measure = Measure::identity;
  expect_within_equals_graph(FeatureView{nullptr, nullptr, &s}, opt, 0.2, [&] {
    AlignOptions a;
    a.threshold = 0.2;
    a.search = SearchMode::exhaustive;
    a.progress = false;
    return sequence_graph(s, a);
  });
}

// Equal-score paths are broken by a fixed rule, so swapping s1 and s2 can
// pick a path with other columns: these two low-complexity sequences have
// identity 0.2337 one way round and 0.2361 the other (found by searching
// random repeat families both ways). The graph aligns the lower index as
// s1; search_within must too, also when the query has the higher index.
TEST(SearchWithin, PairsAreAlignedAsTheGraphOrientsThem) {
  const Sequences s = sequences_from_strings(
      {"lo", "hi"}, {"VGASSLASSGASSMRSSYCASYGASSGADSLRASSGASEGASSGASSGAYSGTSSGASSGAMSS",
                     "GSAASAGVAMSAGSPDGTHGSAGSAHLGSAYSFAHSAGSAGSMTWAGSEGSAGRAGSEGSGSAHSHWSA"});
  AlignOptions a;
  a.threshold = 0.2;
  a.search = SearchMode::exhaustive;
  a.progress = false;
  const IdentityKind kind = resolved_identity(a);
  const double forward = alignment_identity(align_pair(s, 0, 1, a), s.length(0), s.length(1), kind);
  const double reverse = alignment_identity(align_pair(s, 1, 0, a), s.length(1), s.length(0), kind);
  ASSERT_NE(static_cast<float>(forward), static_cast<float>(reverse))
      << "the pair no longer depends on orientation; the test below would not catch a swap";
  const Graph g = sequence_graph(s, a);
  ASSERT_EQ(g.num_edges(), 1U);
  EXPECT_EQ(g.weights()[0], static_cast<float>(forward));
  SearchOptions opt;
  opt.measure = Measure::identity;
  opt.align = a;
  opt.threshold = 0.2;
  for (const bool query_high : {true, false}) {
    const std::vector<uint32_t> q = {query_high ? 1U : 0U}, t = {query_high ? 0U : 1U};
    const SearchResult r = search_within(FeatureView{nullptr, nullptr, &s}, q, t, opt);
    ASSERT_EQ(r.hits.size(), 1U);
    EXPECT_EQ(static_cast<float>(r.hits[0].similarity), static_cast<float>(forward))
        << (query_high ? "query with the higher index" : "query with the lower index");
  }
}

TEST(SearchWithin, FingerprintsAndEmbeddingsEqualTheirGraphs) {
  const Fingerprints f = random_fps(120, 256, 8);
  SearchOptions opt;
  expect_within_equals_graph(FeatureView{&f}, opt, 0.25, [&] {
    SimilarityOptions so;
    so.threshold = 0.25;
    so.progress = false;
    so.backend = Backend::cpu;
    return fingerprint_graph(f, so);
  });
  EmbeddingSet e;
  e.n = 90;
  e.dim = 17;
  std::mt19937 rng(9);
  std::normal_distribution<float> nd;
  for (uint64_t k = 0; k < e.n * e.dim; ++k) e.values.push_back(nd(rng) + (k % 3 == 0 ? 1.0f : 0));
  SearchOptions co;
  co.measure = Measure::cosine;
  expect_within_equals_graph(FeatureView{nullptr, &e}, co, 0.3, [&] {
    SimilarityOptions so;
    so.measure = Measure::cosine;
    so.threshold = 0.3;
    so.progress = false;
    so.backend = Backend::cpu;
    return embedding_graph(e, so);
  });
}

TEST(SearchWithin, RejectsAnIndexOnBothSides) {
  const Fingerprints f = random_fps(10, 128, 10);
  SearchOptions opt;
  opt.threshold = 0.5;
  EXPECT_THROW(search_within(FeatureView{&f}, {1, 2}, {2, 3}, opt), error);
  EXPECT_THROW(search_within(FeatureView{&f}, {1, 20}, {3}, opt), error);
}

namespace {

class SplitFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cleave_audit_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (int i = 0; i < 8; ++i) samples_.ids.push_back("m" + std::to_string(i));
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  /// The message of the error read_split throws.
  std::string failure(const fs::path& p) {
    try {
      read_split(p, samples_);
    } catch (const error& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
  Samples samples_;
};

}  // namespace

TEST_F(SplitFiles, ReadsIdListsAndCsv) {
  write("train.txt", "m0\nm1\n\nm2\n");
  write("test.txt", "m3\nm4\n");
  write("validation.txt", "m5\n");
  const SplitAssignment s = read_split(dir_, samples_);
  const std::vector<SplitSide> want = {SplitSide::train, SplitSide::train, SplitSide::train,
                                       SplitSide::test,  SplitSide::test,  SplitSide::validation,
                                       SplitSide::none,  SplitSide::none};
  EXPECT_EQ(s.side, want);
  write("s.csv", "id,fold\nm7,Test\nm6,valid\nm0,train\n");
  const SplitAssignment c = read_split(dir_ / "s.csv", samples_, "fold");
  EXPECT_EQ(c.side[7], SplitSide::test);
  EXPECT_EQ(c.side[6], SplitSide::validation);
  EXPECT_EQ(c.side[0], SplitSide::train);
  EXPECT_EQ(c.side[1], SplitSide::none);
}

TEST_F(SplitFiles, UnknownAndDuplicateIdsNameFileAndLine) {
  write("train.txt", "m0\nm1\n");
  write("test.txt", "m2\nnope\n");
  EXPECT_NE(failure(dir_).find("test.txt:2: id 'nope' is not in the dataset"), std::string::npos)
      << failure(dir_);
  write("test.txt", "m2\nm3\nm1\n");
  EXPECT_NE(failure(dir_).find("test.txt:3: id 'm1' is named twice (first at "), std::string::npos)
      << failure(dir_);
  write("s.csv", "id,split\nm0,train\nm1,holdout\n");
  EXPECT_NE(failure(dir_ / "s.csv").find("s.csv:3: side 'holdout'"), std::string::npos);
  write("s.csv", "id,split\nm0,train\nm0,test\n");
  EXPECT_NE(failure(dir_ / "s.csv").find("s.csv:3: id 'm0' is named twice"), std::string::npos);
  write("s.csv", "id,fold\nm0,train\n");
  EXPECT_NE(failure(dir_ / "s.csv").find("no column 'split'"), std::string::npos);
}

TEST_F(SplitFiles, AuditEqualsBruteForce) {
  Fingerprints f = random_fps(8, 128, 12);
  // m1 is a copy of m0: an exact tie for m4's nearest between m0 and m1 is
  // broken by id.
  std::copy(f.row(0), f.row(0) + 2, f.words.begin() + 2);
  write("train.txt", "m1\nm0\nm2\n");
  write("test.txt", "m4\nm3\n");
  write("validation.txt", "m5\n");
  const SplitAssignment s = read_split(dir_, samples_);
  AuditOptions opt;
  opt.threshold = 0.2;
  opt.levels = {0.1, 0.5};
  const AuditResult a = audit(FeatureView{&f}, samples_, s, opt);
  ASSERT_EQ(a.rows.size(), 3U);  // m3, m4 (test, index order), then m5
  const std::vector<uint32_t> train = {0, 1, 2};
  double mean_max = 0, overlap_max = 0, overlap_sum = 0;
  uint64_t touching = 0;
  for (std::size_t k = 0; k < 3; ++k) {
    const AuditRow& r = a.rows[k];
    EXPECT_EQ(r.sample, k == 0 ? 3U : (k == 1 ? 4U : 5U));
    double best = -1;
    uint32_t arg = 0;
    double row_max = 0, row_sum = 0;
    for (uint32_t t : train) {
      const double v = fingerprint_similarity(Measure::tanimoto, f.row(r.sample), f.row(t), 2);
      if (v > best) {  // train ids in index order are in id order here
        best = v;
        arg = t;
      }
      if (v >= opt.threshold) {
        row_max = std::max(row_max, static_cast<double>(static_cast<float>(v)));
        row_sum += static_cast<float>(v);
      }
    }
    EXPECT_EQ(r.nearest, arg);
    EXPECT_EQ(r.max_similarity, best);
    if (k < 2) {
      mean_max += best;
      overlap_max += row_max;
      overlap_sum += row_sum;
      touching += row_max > 0;
    }
  }
  ASSERT_EQ(a.summaries.size(), 2U);
  const AuditSummary& t = a.summaries[0];
  EXPECT_EQ(t.side, SplitSide::test);
  EXPECT_EQ(t.samples, 2U);
  EXPECT_EQ(t.reference, 3U);
  EXPECT_DOUBLE_EQ(t.mean_max_similarity, mean_max / 2);
  EXPECT_DOUBLE_EQ(t.overlap_frac, static_cast<double>(touching) / 2);
  EXPECT_DOUBLE_EQ(t.overlap_maxsim, overlap_max / 2);
  EXPECT_NEAR(t.overlap_meansim, overlap_sum / 6, 1e-12);
  // Against train and validation: m5 becomes a reference, not audited.
  opt.against_validation = true;
  const AuditResult b = audit(FeatureView{&f}, samples_, s, opt);
  EXPECT_EQ(b.rows.size(), 2U);
  EXPECT_EQ(b.summaries.size(), 1U);
  EXPECT_EQ(b.summaries[0].reference, 4U);
  // An empty train side: no nearest sample.
  write("train.txt", "");
  const AuditResult e =
      audit(FeatureView{&f}, samples_, read_split(dir_, samples_), AuditOptions{});
  for (const AuditRow& r : e.rows) {
    EXPECT_EQ(r.nearest, SearchResult::kNone);
    EXPECT_TRUE(std::isnan(r.max_similarity));
  }
  // The files: written whole, one line per audited sample.
  write_audit(dir_ / "out", samples_, {a}, opt);
  std::ifstream in(dir_ / "out" / "nearest.tsv");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 4);
  EXPECT_TRUE(fs::exists(dir_ / "out" / "summary.tsv"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "report.html"));
}

TEST(Search, SequencePrefilterFindsExactSubsetOfExhaustive) {
  const Sequences s = test_proteins(false);
  SearchOptions ex;
  ex.measure = Measure::identity;
  ex.threshold = 0.5;
  ex.align.search = SearchMode::exhaustive;
  SearchOptions pf = ex;
  pf.align.search = SearchMode::prefilter;
  const FeatureView v{nullptr, nullptr, &s};
  const SearchResult a = search(v, v, ex), b = search(v, v, pf);
  // Every prefiltered hit is an exhaustive hit with the same identity, and
  // on these close families (identity >= 0.5) none is missed.
  ASSERT_EQ(a.offsets, b.offsets);
  for (std::size_t k = 0; k < a.hits.size(); ++k) {
    EXPECT_EQ(a.hits[k].target, b.hits[k].target);
    EXPECT_EQ(a.hits[k].similarity, b.hits[k].similarity);
  }
  // Inside one dataset, the prefiltered audit path equals the graph too.
  expect_within_equals_graph(v, pf, 0.5, [&] {
    AlignOptions o;
    o.threshold = 0.5;
    o.search = SearchMode::exhaustive;
    o.progress = false;
    return sequence_graph(s, o);
  });
}

TEST(AuGood, WeightsTheCurveByTheDeploymentDistribution) {
  // Scores 0.9 at 0.3, 0.6 at 0.5 (mean of two rows), 0.4 at 0.7.
  const std::vector<double> t = {0.5, 0.3, 0.7, 0.5}, s = {0.5, 0.9, 0.4, 0.7};
  // Deployment: 0.1 and 0.3 (<= 0.3), 0.31 (<= 0.5), 0.6 and 0.7 (<= 0.7),
  // 0.95 above the curve, one without a neighbour.
  const std::vector<double> dep = {0.1, 0.3, 0.31, 0.6, 0.7, 0.95, std::nan("")};
  const auto r = au_good(t, s, {}, dep);
  ASSERT_EQ(r.size(), 1U);
  ASSERT_EQ(r[0].points.size(), 3U);
  EXPECT_EQ(r[0].points[1].rows, 2U);
  EXPECT_DOUBLE_EQ(r[0].points[1].score, 0.6);
  EXPECT_EQ(r[0].points[0].deployed, 2U);
  EXPECT_EQ(r[0].points[1].deployed, 1U);
  EXPECT_EQ(r[0].points[2].deployed, 2U);
  EXPECT_EQ(r[0].outside, 1U);
  EXPECT_DOUBLE_EQ(r[0].au_good, (2 * 0.9 + 1 * 0.6 + 2 * 0.4) / 5);
  // Two metrics keep their own curves; nothing inside the curve is an error.
  const auto two = au_good({0.3, 0.3}, {0.5, 0.8}, {"r2", "auroc"}, {0.2});
  ASSERT_EQ(two.size(), 2U);
  EXPECT_EQ(two[1].metric, "auroc");
  EXPECT_DOUBLE_EQ(two[1].au_good, 0.8);
  EXPECT_THROW(au_good({0.3}, {0.5}, {}, {0.9}), error);
  EXPECT_THROW(au_good({0.3}, {0.5, 0.6}, {}, {0.1}), error);
}
