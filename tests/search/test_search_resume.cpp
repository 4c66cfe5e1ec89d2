/// @file test_search_resume.cpp
/// @brief Query blocks of search() and search_within(): results identical
/// for every block size and thread count, an interrupted search (an
/// exception from the sink, the cancel hook) resumed from its work
/// directory equal to an uninterrupted one with finished blocks not
/// computed again, damaged or missing block files computed again, foreign
/// checkpoints refused naming the file, and the memory budget.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cleave/embedding.hpp"
#include "cleave/error.hpp"
#include "cleave/search.hpp"
#include "cleave/sequence.hpp"
#include "cleave/util.hpp"
#include "scheduler/work_dir.hpp"

using namespace cleave;
namespace fs = std::filesystem;

namespace {

Fingerprints fps(uint64_t n, uint32_t bits, uint32_t seed) {
  Fingerprints f;
  f.n_bits = bits;
  f.words_per_fp = bits / 64;
  f.words.resize(n * f.words_per_fp);
  std::mt19937_64 rng(seed);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t* row = f.words.data() + i * f.words_per_fp;
    if (i >= 4 && i % 4 == 0) {  // exact copies: ties
      const uint64_t src = rng() % i;
      std::copy(f.row(src), f.row(src) + f.words_per_fp, row);
      continue;
    }
    for (uint32_t w = 0; w < f.words_per_fp; ++w) row[w] = rng() & rng() & rng();
  }
  return f;
}

EmbeddingSet embeddings(uint64_t n, uint32_t dim, uint32_t seed) {
  EmbeddingSet e;
  e.n = n;
  e.dim = dim;
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd;
  for (uint64_t k = 0; k < n * dim; ++k) e.values.push_back(nd(rng) + (k % 3 == 0 ? 1.0f : 0));
  return e;
}

/// Families of mutated random proteins, so identities spread; members with
/// (m % every == pick) only, when every > 0.
Sequences proteins(int families, int members, uint32_t seed, int every = 0, int pick = 0) {
  const std::string aa = "ACDEFGHIKLMNPQRSTVWY";
  std::mt19937 rng(seed);
  std::vector<std::string> ids, seqs;
  for (int fam = 0; fam < families; ++fam) {
    std::string root;
    for (int k = 0; k < 40 + 7 * fam; ++k) root += aa[rng() % aa.size()];
    for (int m = 0; m < members; ++m) {
      std::string s;
      for (char c : root) {
        const unsigned r = rng() % 100;
        if (r < static_cast<unsigned>(6 * m))
          s += aa[rng() % aa.size()];
        else if (r < static_cast<unsigned>(6 * m) + 2)
          continue;
        else
          s += c;
      }
      if (every > 0 && m % every != pick) continue;
      ids.push_back("s" + std::to_string(seed) + "_" + std::to_string(fam) + "_" +
                    std::to_string(m));
      seqs.push_back(s);
    }
  }
  return sequences_from_strings(ids, seqs);
}

/// A result as bytes, so "identical" means bit for bit.
std::string bytes(const SearchResult& r) {
  std::string s;
  auto put = [&](const void* p, std::size_t n) { s.append(static_cast<const char*>(p), n); };
  put(r.offsets.data(), r.offsets.size() * sizeof(uint64_t));
  put(r.nearest.data(), r.nearest.size() * sizeof(uint32_t));
  put(r.max_similarity.data(), r.max_similarity.size() * sizeof(double));
  for (const SearchHit& h : r.hits) {
    put(&h.target, sizeof h.target);
    put(&h.similarity, sizeof h.similarity);
  }
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

/// One search case: queries against targets, or lists within one dataset.
struct Case {
  std::string name;
  FeatureView q, t;
  bool within = false;
  std::vector<uint32_t> qlist, tlist;
  SearchOptions opt;
  std::vector<uint64_t> rank;

  [[nodiscard]] uint64_t queries() const { return within ? qlist.size() : q.size(); }
  void run(const SearchOptions& o, const SearchSink& sink) const {
    if (within)
      search_within_blocks(q, qlist, tlist, o, rank, sink);
    else
      search_blocks(q, t, o, rank, sink);
  }
  [[nodiscard]] SearchResult all(const SearchOptions& o) const {
    return within ? search_within(q, qlist, tlist, o, rank) : search(q, t, o, rank);
  }
};

class SearchBlocks : public ::testing::Test {
 protected:
  void SetUp() override {
    Progress::set_quiet(true);
    dir_ = fs::temp_directory_path() /
           ("cleave_search_blocks_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    work_ = dir_ / "work";
    set_warning_sink([this](const std::string& w) { warnings_.push_back(w); });

    fq_ = fps(37, 256, 1);
    ft_ = fps(150, 256, 2);
    eq_ = embeddings(29, 12, 3);
    et_ = embeddings(80, 12, 4);
    sq_ = proteins(4, 9, 5, 3, 0);  // queries and targets of the same families
    st_ = proteins(4, 9, 5, 3, 1);
    f_all_ = fps(140, 256, 7);
    s_all_ = proteins(5, 6, 8);
  }
  void TearDown() override {
    set_warning_sink(nullptr);
    fs::remove_all(dir_);
  }

  /// Every kind: fingerprints (threshold, top k with ranks), embeddings,
  /// sequences (exhaustive and prefilter), and lists within one dataset.
  std::vector<Case> cases() {
    std::vector<Case> out;
    {
      Case c{"fingerprints threshold", FeatureView{&fq_}, FeatureView{&ft_}};
      c.opt.threshold = 0.2;
      out.push_back(c);
      Case k{"fingerprints top", FeatureView{&fq_}, FeatureView{&ft_}};
      k.opt.threshold = 0.1;
      k.opt.top = 3;
      for (uint64_t j = 0; j < ft_.size(); ++j) k.rank.push_back((j * 37) % ft_.size());
      out.push_back(k);
    }
    {
      Case c{"embeddings", FeatureView{nullptr, &eq_}, FeatureView{nullptr, &et_}};
      c.opt.measure = Measure::cosine;
      c.opt.threshold = 0.2;
      out.push_back(c);
    }
    for (const SearchMode mode : {SearchMode::exhaustive, SearchMode::prefilter}) {
      Case c{mode == SearchMode::exhaustive ? "sequences exhaustive" : "sequences prefilter",
             FeatureView{nullptr, nullptr, &sq_}, FeatureView{nullptr, nullptr, &st_}};
      c.opt.measure = Measure::identity;
      c.opt.align.search = mode;
      c.opt.threshold = 0.3;
      out.push_back(c);
    }
    {
      Case c{"fingerprints within", FeatureView{&f_all_}, FeatureView{&f_all_}, true};
      for (uint32_t i = 0; i < f_all_.size(); ++i) (i % 3 == 1 ? c.qlist : c.tlist).push_back(i);
      std::reverse(c.qlist.begin(), c.qlist.end());  // blocks are runs of the caller's order
      c.opt.threshold = 0.2;
      out.push_back(c);
    }
    for (const SearchMode mode : {SearchMode::exhaustive, SearchMode::prefilter}) {
      Case c{mode == SearchMode::exhaustive ? "sequences within" : "sequences within prefilter",
             FeatureView{nullptr, nullptr, &s_all_}, FeatureView{nullptr, nullptr, &s_all_}, true};
      for (uint32_t i = 0; i < s_all_.size(); ++i) (i % 3 == 0 ? c.qlist : c.tlist).push_back(i);
      c.opt.measure = Measure::identity;
      c.opt.align.search = mode;
      c.opt.threshold = 0.25;
      out.push_back(c);
    }
    return out;
  }

  /// Collects blocks, checking they come in order and cover every query.
  struct Collector {
    SearchResult r;
    uint64_t next = 0, blocks = 0;
    Collector() { r.offsets.push_back(0); }
    void add(uint64_t first, const SearchResult& b) {
      EXPECT_EQ(first, next) << "blocks out of order";
      next = first + b.nearest.size();
      ++blocks;
      for (std::size_t k = 1; k < b.offsets.size(); ++k)
        r.offsets.push_back(r.hits.size() + b.offsets[k]);
      r.hits.insert(r.hits.end(), b.hits.begin(), b.hits.end());
      r.nearest.insert(r.nearest.end(), b.nearest.begin(), b.nearest.end());
      r.max_similarity.insert(r.max_similarity.end(), b.max_similarity.begin(),
                              b.max_similarity.end());
    }
  };

  /// The reference: one block, one thread, no work directory.
  std::string reference(const Case& c) {
    ThreadGuard g(1);
    SearchOptions o = c.opt;
    o.block_rows = std::max<uint64_t>(1, c.queries());
    const SearchResult r = c.all(o);
    EXPECT_EQ(r.offsets.size(), c.queries() + 1) << c.name;
    EXPECT_GT(r.hits.size(), 0U) << c.name << ": a case without hits tests little";
    return bytes(r);
  }

  /// Runs c with a work directory and `rows` queries a block, stopping
  /// (an exception from the sink) after `k` blocks have been handed out.
  void interrupt_after(const Case& c, uint64_t rows, uint64_t k) {
    SearchOptions o = c.opt;
    o.work_dir = work_;
    o.block_rows = rows;
    uint64_t seen = 0;
    EXPECT_THROW(c.run(o,
                       [&](uint64_t, const SearchResult&) {
                         if (++seen == k) throw std::runtime_error("interrupted");
                       }),
                 std::runtime_error);
    EXPECT_TRUE(fs::exists(work_ / "cleave-checkpoint.txt")) << c.name;
  }

  /// Resumes c from the work directory (block size from the checkpoint).
  SearchResult resume(const Case& c, SearchReport& rep) {
    SearchOptions o = c.opt;
    o.work_dir = work_;
    o.report = &rep;
    Collector col;
    c.run(o, [&](uint64_t f, const SearchResult& b) { col.add(f, b); });
    EXPECT_EQ(col.next, c.queries());
    EXPECT_EQ(col.blocks, rep.blocks);
    return col.r;
  }

  fs::path dir_, work_;
  std::vector<std::string> warnings_;
  Fingerprints fq_, ft_, f_all_;
  EmbeddingSet eq_, et_;
  Sequences sq_, st_, s_all_;
};

/// c under a memory budget.
Case SlicedCase(Case c, uint64_t budget) {
  c.opt.max_memory = budget;
  return c;
}

TEST_F(SearchBlocks, IdenticalForEveryBlockSizeAndThreadCount) {
  for (const Case& c : cases()) {
    const std::string want = reference(c);
    for (const int threads : {1, 2})
      for (const uint64_t rows : {0, 1, 3, 7}) {
        ThreadGuard g(threads);
        SearchOptions o = c.opt;
        o.block_rows = rows;
        SearchReport rep;
        o.report = &rep;
        Collector col;
        c.run(o, [&](uint64_t f, const SearchResult& b) { col.add(f, b); });
        EXPECT_EQ(bytes(col.r), want)
            << c.name << ", " << rows << " rows, " << threads << " threads";
        if (rows > 0) EXPECT_EQ(rep.blocks, (c.queries() + rows - 1) / rows) << c.name;
        EXPECT_EQ(rep.blocks_computed, rep.blocks);
        // search() and search_within() collect the same blocks.
        EXPECT_EQ(bytes(c.all(o)), want) << c.name;
        // With a work directory: the same, and nothing left behind.
        o.work_dir = work_;
        EXPECT_EQ(bytes(c.all(o)), want) << c.name << " with a work directory";
        EXPECT_FALSE(fs::exists(work_ / "cleave-checkpoint.txt"));
        for (const auto& e : fs::directory_iterator(work_))
          ADD_FAILURE() << "left in the work directory: " << e.path();
      }
  }
}

TEST_F(SearchBlocks, InterruptedAndResumedEqualsUninterrupted) {
  for (const Case& c : cases()) {
    const std::string want = reference(c);
    for (const int threads : {1, 2}) {
      ThreadGuard g(threads);
      const uint64_t rows = 4, blocks = (c.queries() + rows - 1) / rows;
      ASSERT_GE(blocks, 3U) << c.name;
      interrupt_after(c, rows, 2);
      SearchReport rep;
      const SearchResult r = resume(c, rep);
      EXPECT_EQ(bytes(r), want) << c.name << ", " << threads << " threads";
      EXPECT_EQ(rep.block_rows, rows) << "the resumed run keeps the checkpoint's blocks";
      EXPECT_EQ(rep.blocks, blocks);
      EXPECT_EQ(rep.blocks_resumed, 2U) << c.name;
      EXPECT_EQ(rep.blocks_computed, blocks - 2) << c.name;
      EXPECT_EQ(rep.blocks_repaired, 0U);
      EXPECT_FALSE(fs::exists(work_ / "cleave-checkpoint.txt")) << "removed on success";
      EXPECT_TRUE(warnings_.empty());
    }
  }
}

TEST_F(SearchBlocks, CancelHookKeepsFinishedBlocks) {
  for (const Case& c : cases()) {
    const std::string want = reference(c);
    SearchOptions o = c.opt;
    o.work_dir = work_;
    o.block_rows = 3;
    uint64_t seen = 0;
    CallHooks hooks;
    hooks.cancelled = [&] { return seen >= 3; };
    {
      ScopedCallHooks scope(&hooks);
      try {
        c.run(o, [&](uint64_t, const SearchResult&) { ++seen; });
        ADD_FAILURE() << c.name << ": not cancelled";
      } catch (const error& e) {
        EXPECT_EQ(e.code(), errc::cancelled) << e.what();
      }
    }
    SearchReport rep;
    EXPECT_EQ(bytes(resume(c, rep)), want) << c.name;
    EXPECT_EQ(rep.blocks_resumed, 3U) << c.name;
    EXPECT_EQ(rep.blocks_computed, rep.blocks - 3) << c.name;
  }
}

TEST_F(SearchBlocks, DamagedAndMissingBlockFilesAreComputedAgain) {
  const std::vector<Case> all = cases();
  for (const Case* c : {&all[0], &all[1], &all[4], &all[6]}) {
    const std::string want = reference(*c);
    interrupt_after(*c, 4, 3);
    // Block 0 loses its tail, block 1 has a byte flipped, block 2 is gone.
    const fs::path b0 = work_ / "cleave-block-00000000.bin",
                   b1 = work_ / "cleave-block-00000001.bin",
                   b2 = work_ / "cleave-block-00000002.bin";
    ASSERT_TRUE(fs::exists(b0) && fs::exists(b1) && fs::exists(b2)) << c->name;
    fs::resize_file(b0, fs::file_size(b0) - 5);
    {
      std::fstream f(b1, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(70);
      char x = 0;
      f.read(&x, 1);
      x = static_cast<char>(x ^ 0x10);
      f.seekp(70);
      f.write(&x, 1);
    }
    fs::remove(b2);
    warnings_.clear();
    SearchReport rep;
    EXPECT_EQ(bytes(resume(*c, rep)), want) << c->name;
    EXPECT_EQ(rep.blocks_resumed, 0U) << c->name;
    EXPECT_EQ(rep.blocks_repaired, 3U) << c->name;
    EXPECT_EQ(rep.blocks_computed, rep.blocks);
    ASSERT_EQ(warnings_.size(), 3U);
    EXPECT_NE(warnings_[0].find(b0.string()), std::string::npos) << warnings_[0];
    EXPECT_NE(warnings_[1].find("checksum"), std::string::npos) << warnings_[1];
    EXPECT_NE(warnings_[2].find(b2.string()), std::string::npos) << warnings_[2];
  }
}

TEST_F(SearchBlocks, ForeignCheckpointIsRefusedNamingIt) {
  const std::vector<Case> all = cases();
  const Case& c = all[0];
  interrupt_after(c, 4, 2);
  const std::string cp = (work_ / "cleave-checkpoint.txt").string();
  const auto refused = [&](const Case& other, const SearchOptions& o, const char* what) {
    try {
      (void)other.all(o);
      ADD_FAILURE() << what << ": not refused";
    } catch (const error& e) {
      EXPECT_EQ(e.code(), errc::invalid_argument) << what;
      EXPECT_NE(std::string(e.what()).find(cp), std::string::npos) << what << ": " << e.what();
    }
  };
  SearchOptions o = c.opt;
  o.work_dir = work_;
  SearchOptions other_threshold = o;
  other_threshold.threshold = 0.25;
  refused(c, other_threshold, "another threshold");
  SearchOptions other_top = o;
  other_top.top = 2;
  refused(c, other_top, "another top");
  SearchOptions other_measure = o;
  other_measure.measure = Measure::dice;
  refused(c, other_measure, "another measure");
  SearchOptions other_rows = o;
  other_rows.block_rows = 5;
  refused(c, other_rows, "another block size");
  Fingerprints changed = ft_;
  changed.words[3] ^= 1;
  Case other_targets = c;
  other_targets.t = FeatureView{&changed};
  refused(other_targets, o, "other targets");
  Case ranked = c;
  ranked.rank.assign(ft_.size(), 0);
  ranked.rank[0] = 1;
  refused(ranked, o, "other target ranks");
  // The all-pairs scheduler refuses a search's checkpoint, naming it.
  {
    const detail::WorkDir w(work_);
    try {
      (void)w.load();
      ADD_FAILURE() << "a graph build read a search checkpoint";
    } catch (const error& e) {
      EXPECT_EQ(e.code(), errc::invalid_argument);
      EXPECT_NE(std::string(e.what()).find(cp), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("cleave search or audit"), std::string::npos)
          << e.what();
    }
  }
  // The checkpoint is untouched by the refusals: the right run resumes.
  SearchReport rep;
  EXPECT_EQ(bytes(resume(c, rep)), reference(c));
  EXPECT_EQ(rep.blocks_resumed, 2U);
}

TEST_F(SearchBlocks, BlockSizeFollowsTheMemoryBudget) {
  const std::vector<Case> all = cases();
  const Case& c = all[0];
  const std::string want = reference(c);
  ThreadGuard g(1);
  SearchOptions o = c.opt;
  SearchReport big, small;
  o.report = &big;
  EXPECT_EQ(bytes(c.all(o)), want);
  EXPECT_EQ(big.blocks, 1U);  // 37 queries: one block under the default budget
  // Room for the targets and a few queries' working memory.
  o.max_memory = 150 * 40 + 2 * 4 * (40 + 256 / 8 + 24);
  o.report = &small;
  EXPECT_EQ(bytes(c.all(o)), want);
  EXPECT_GT(small.blocks, 4U);
  EXPECT_EQ(small.memory_budget, o.max_memory);
  // Not even the targets fit: refused, stating the need.
  o.max_memory = 1000;
  try {
    (void)c.all(o);
    ADD_FAILURE() << "a budget of 1000 bytes was accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::out_of_memory);
    EXPECT_NE(std::string(e.what()).find("needs at least"), std::string::npos) << e.what();
  }
}

TEST_F(SearchBlocks, SlicedTargetIndexGivesTheSameHits) {
  // The prefiltered cases: under a budget that cannot hold the targets'
  // whole seed index, the index is sliced (and every block scans each
  // slice), with the hits of the whole index, also when interrupted and
  // resumed; a budget too small for one sequence's slice is refused.
  for (const Case& c : cases()) {
    if (c.opt.align.search != SearchMode::prefilter) continue;
    const std::string want = reference(c);
    for (const int threads : {1, 2}) {
      ThreadGuard g(threads);
      SearchOptions o = c.opt;
      SearchReport rep;
      o.report = &rep;
      o.block_rows = 4;
      EXPECT_EQ(bytes(c.all(o)), want) << c.name;
      EXPECT_EQ(rep.index_slices, 1U) << c.name << ": the default budget holds the whole index";
      // Bisect the budget (the index's fixed part dominates at this size)
      // for one that slices the index at least 3 ways.
      auto slices_at = [&](uint64_t budget) -> int64_t {
        o.max_memory = budget;
        try {
          EXPECT_EQ(bytes(c.all(o)), want) << c.name << ", budget " << budget;
          return static_cast<int64_t>(rep.index_slices);
        } catch (const error& e) {
          EXPECT_EQ(e.code(), errc::out_of_memory) << e.what();
          EXPECT_NE(std::string(e.what()).find("prefilter"), std::string::npos) << e.what();
          return -1;
        }
      };
      uint64_t lo = 1000, hi = uint64_t{1} << 32, budget = 0;
      ASSERT_EQ(slices_at(lo), -1);
      ASSERT_EQ(slices_at(hi), 1);
      while (budget == 0 && hi - lo > 1) {
        const uint64_t mid = lo + (hi - lo) / 2;
        const int64_t k = slices_at(mid);
        if (k < 0)
          lo = mid;
        else if (k < 3)
          hi = mid;
        else
          budget = mid;
      }
      ASSERT_GT(budget, 0U) << c.name << ": no budget slices the index 3 ways";
      // Interrupted after 2 blocks and resumed under the same budget.
      interrupt_after(SlicedCase(c, budget), 4, 2);
      SearchReport resumed;
      EXPECT_EQ(bytes(resume(SlicedCase(c, budget), resumed)), want) << c.name;
      EXPECT_EQ(resumed.blocks_resumed, 2U);
      EXPECT_GE(resumed.index_slices, 3U);
    }
  }
}

TEST_F(SearchBlocks, AuditWithAWorkDirectoryEqualsWithout) {
  Samples samples;
  for (uint32_t i = 0; i < f_all_.size(); ++i) samples.ids.push_back("m" + std::to_string(i));
  SplitAssignment split;
  split.name = "s";
  for (uint32_t i = 0; i < f_all_.size(); ++i)
    split.side.push_back(i % 4 == 0 ? SplitSide::test
                                    : (i % 4 == 1 ? SplitSide::validation : SplitSide::train));
  AuditOptions opt;
  opt.threshold = 0.2;
  const AuditResult a = audit(FeatureView{&f_all_}, samples, split, opt);
  opt.search.work_dir = work_;
  opt.search.block_rows = 5;
  const AuditResult b = audit(FeatureView{&f_all_}, samples, split, opt);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (std::size_t k = 0; k < a.rows.size(); ++k) {
    EXPECT_EQ(a.rows[k].sample, b.rows[k].sample);
    EXPECT_EQ(a.rows[k].nearest, b.rows[k].nearest);
    EXPECT_EQ(std::memcmp(&a.rows[k].max_similarity, &b.rows[k].max_similarity, sizeof(double)), 0);
  }
  ASSERT_EQ(a.summaries.size(), 2U);
  ASSERT_EQ(b.summaries.size(), 2U);
  for (std::size_t s = 0; s < 2; ++s) {
    EXPECT_EQ(a.summaries[s].samples, b.summaries[s].samples);
    EXPECT_EQ(a.summaries[s].overlap_frac, b.summaries[s].overlap_frac);
    EXPECT_EQ(a.summaries[s].overlap_maxsim, b.summaries[s].overlap_maxsim);
    EXPECT_EQ(a.summaries[s].overlap_meansim, b.summaries[s].overlap_meansim);
    EXPECT_EQ(a.summaries[s].frac_at_level, b.summaries[s].frac_at_level);
  }
  EXPECT_FALSE(fs::exists(work_ / "cleave-checkpoint.txt"));
}

}  // namespace
