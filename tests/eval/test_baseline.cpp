// The k-NN baseline: hand-made fingerprints against brute force, graph
// neighbours, a whole split set, and the scores CSV round trip.
#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "eval_test_util.hpp"

namespace cleave {
namespace {

Fingerprints one_word(const std::vector<uint64_t>& words) {
  Fingerprints f;
  f.n_bits = 64;
  f.words_per_fp = 1;
  f.words = words;
  return f;
}

double tanimoto(uint64_t a, uint64_t b) {
  int u = std::popcount(a | b);
  return u == 0 ? 0.0 : static_cast<double>(std::popcount(a & b)) / u;
}

// Brute force: sort every train sample by (similarity desc, index asc).
double brute_knn(const Fingerprints& f, const std::vector<double>& y,
                 const std::vector<uint32_t>& train, uint32_t t, int k) {
  std::vector<std::pair<double, uint32_t>> all;
  for (uint32_t j : train) all.emplace_back(tanimoto(f.words[t], f.words[j]), j);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  all.resize(std::min<std::size_t>(all.size(), static_cast<std::size_t>(k)));
  double w = 0, wy = 0, s = 0;
  for (auto [sim, j] : all) w += sim, wy += sim * y[j], s += y[j];
  return w > 0 ? wy / w : s / static_cast<double>(all.size());
}

TEST(KnnPredict, HandMadeFingerprints) {
  //                  0       1       2       3         4 (test)  5 (test)    6 (test)
  auto f = one_word({0b1111, 0b0011, 0b1100, 0b110000, 0b0111, 0b11000000, 0b1010});
  std::vector<double> y{1, 2, 3, 4, 0, 0, 0};
  std::vector<uint32_t> train{3, 1, 0, 2}, test{4, 5, 6};
  BaselineOptions opt;
  opt.k = 2;
  auto pr = knn_predict(f, y, train, test, opt);
  // 4: 0 (3/4) and 1 (2/3) -> (3/4 + 4/3) / (3/4 + 2/3) = 25/17.
  EXPECT_NEAR(pr.pred[0], 25.0 / 17.0, 1e-15);
  EXPECT_DOUBLE_EQ(pr.maxsim[0], 0.75);
  // 5: no bit shared: the two lowest indices, plain mean.
  EXPECT_DOUBLE_EQ(pr.pred[1], 1.5);
  EXPECT_EQ(pr.maxsim[1], 0.0);
  // 6: 0 (1/2), then 1 and 2 tie at 1/3: the lower index wins -> 7/5.
  EXPECT_NEAR(pr.pred[2], 1.4, 1e-15);
  opt.k = 100;  // more than the train set: all of it
  pr = knn_predict(f, y, train, test, opt);
  EXPECT_NEAR(pr.pred[0], (0.75 * 1 + 2.0 / 3 * 2 + 0.25 * 3) / (0.75 + 2.0 / 3 + 0.25), 1e-15);
  opt.k = 0;
  EXPECT_THROW(knn_predict(f, y, train, test, opt), error);
}

TEST(KnnPredict, MatchesBruteForceOnRandomFingerprints) {
  std::mt19937_64 rng(11);
  std::vector<uint64_t> words(300);
  // Sparse, never empty (the empty-vs-empty convention is the measure's
  // business), so that ties and zero similarities both occur.
  for (auto& w : words) w = (rng() & rng() & rng() & 0xffffULL) | (1ULL << (rng() % 16));
  auto f = one_word(words);
  std::vector<double> y(words.size());
  for (auto& v : y) v = static_cast<double>(rng() % 1000) / 100.0;
  std::vector<uint32_t> train, test;
  for (uint32_t i = 0; i < words.size(); ++i) (rng() % 4 == 0 ? test : train).push_back(i);
  for (int k : {1, 3, 5, 17}) {
    BaselineOptions opt;
    opt.k = k;
    opt.threads = 2;
    auto pr = knn_predict(f, y, train, test, opt);
    for (std::size_t t = 0; t < test.size(); ++t) {
      ASSERT_NEAR(pr.pred[t], brute_knn(f, y, train, test[t], k), 1e-12) << "k=" << k;
      double best = 0;
      for (uint32_t j : train) best = std::max(best, tanimoto(words[test[t]], words[j]));
      ASSERT_EQ(pr.maxsim[t], best);
    }
  }
}

TEST(KnnPredict, GraphNeighboursOnly) {
  // 0,1,2 train; 3,4 test. 3 ~ 0 (0.9), 3 ~ 1 (0.5), 3 ~ 4 (0.99, test); 4 has no train neighbour.
  GraphMeta meta;
  meta.threshold = 0.4;
  auto g = Graph::from_edges(5, {{0, 3, 0.9f}, {3, 1, 0.5f}, {3, 4, 0.99f}}, meta);
  std::vector<double> y{1, 3, 8, 0, 0};
  std::vector<uint32_t> train{0, 1, 2}, test{3, 4};
  BaselineOptions opt;
  opt.k = 5;
  auto pr = knn_predict(g, y, train, test, opt);
  const double w0 = 0.9f, w1 = 0.5f;
  EXPECT_NEAR(pr.pred[0], (w0 * 1 + w1 * 3) / (w0 + w1), 1e-12);
  EXPECT_DOUBLE_EQ(pr.maxsim[0], w0);
  EXPECT_DOUBLE_EQ(pr.pred[1], 4.0);  // train mean
  EXPECT_EQ(pr.maxsim[1], 0.0);
  opt.k = 1;
  EXPECT_DOUBLE_EQ(knn_predict(g, y, train, test, opt).pred[0], 1.0);
}

// A split set with one valid split at p = 0.5 and an invalid one at p = 0.9.
void write_split_set(const test::ScratchDir& dir, const std::string& train,
                     const std::string& test) {
  dir.write("splits/stats.tsv",
            "sp\trepeat\tseed\tvalid\tkept\ttrain\ttest\toverlap_frac\toverlap_maxsim\t"
            "overlap_meansim\n"
            "0.50\t0\t1\t1\t7\t4\t3\t0.5\t0.5\t0.1\n"
            "0.90\t1\t2\t0\t1\t0\t0\t0\t0\t0\n");
  dir.write("splits/sp_0.50_r0/train.txt", train);
  dir.write("splits/sp_0.50_r0/test.txt", test);
}

Samples make_samples(std::vector<double> labels) {
  Samples s;
  for (std::size_t i = 0; i < labels.size(); ++i) s.ids.push_back("m" + std::to_string(i));
  s.labels = std::move(labels);
  return s;
}

TEST(KnnBaseline, ScoresEveryValidSplit) {
  test::ScratchDir dir;
  write_split_set(dir, "m3\nm1\nm0\nm2\n", "m4\nm6\n\nm5\n");
  auto f = one_word({0b1111, 0b0011, 0b1100, 0b110000, 0b0111, 0b11000000, 0b1010});
  auto s = make_samples({1, 2, 3, 4, 2.5, 0.5, 1.0});
  BaselineOptions opt;
  opt.k = 2;
  opt.progress = false;
  auto rows = knn_baseline(s, f, dir.path() / "splits", opt);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].metric, "spearman");
  EXPECT_EQ(rows[1].metric, "r2");
  EXPECT_EQ(rows[0].sp, 0.5);
  EXPECT_EQ(rows[0].repeat, 0);
  std::vector<double> truth{2.5, 1.0, 0.5}, pred{25.0 / 17.0, 1.4, 1.5};
  EXPECT_NEAR(rows[0].score, spearman(truth, pred), 1e-12);
  EXPECT_NEAR(rows[1].score, r2_score(truth, pred), 1e-12);
  EXPECT_NEAR(rows[0].nn_maxsim, (0.75 + 0.0 + 0.5) / 3, 1e-12);
}

TEST(KnnBaseline, BinaryLabelsGiveAurocAndUndefinedIsNan) {
  test::ScratchDir dir;
  write_split_set(dir, "m0\nm1\nm2\nm3\n", "m4\nm5\nm6\n");
  auto f = one_word({0b1111, 0b0011, 0b1100, 0b110000, 0b0111, 0b11000000, 0b1010});
  BaselineOptions opt;
  opt.progress = false;
  auto rows = knn_baseline(make_samples({1, 0, 0, 1, 1, 0, 1}), f, dir.path() / "splits", opt);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].metric, "auroc");
  EXPECT_FALSE(std::isnan(rows[0].score));
  test::WarningCapture w;
  rows = knn_baseline(make_samples({1, 0, 0, 1, 1, 1, 1}), f, dir.path() / "splits", opt);
  EXPECT_TRUE(std::isnan(rows[0].score));
  EXPECT_TRUE(w.any_contains("undefined"));
}

TEST(KnnBaseline, UnknownIdNamesFileAndLine) {
  test::ScratchDir dir;
  write_split_set(dir, "m0\nm1\nm2\nm3\n", "m4\nzzz\n");
  auto f = one_word({1, 2, 3, 4, 5, 6, 7});
  BaselineOptions opt;
  opt.progress = false;
  try {
    knn_baseline(make_samples({1, 2, 3, 4, 5, 6, 7}), f, dir.path() / "splits", opt);
    ADD_FAILURE();
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::format);
    EXPECT_NE(std::string(e.what()).find("test.txt:2:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("zzz"), std::string::npos) << e.what();
  }
}

TEST(KnnBaseline, ScoresCsvRoundTrip) {
  test::ScratchDir dir;
  std::vector<BaselineScore> rows{{"spearman", 0.05, 0, 0.25, 0.7},
                                  {"spearman", 0.05, 1, std::nan(""), 0.6},
                                  {"r2", 1.0, 2, -0.125, 0.1}};
  auto p = dir.path() / "scores.csv";
  write_scores(p, rows);
  EXPECT_EQ(test::read_text(p).rfind("sp,repeat,metric,score,nn_maxsim\n", 0), 0u);
  auto back = read_scores(p);
  ASSERT_EQ(back.size(), 3u);
  auto expect = to_score_rows(rows);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back[i].metric, expect[i].metric);
    EXPECT_EQ(back[i].sp, expect[i].sp);
    EXPECT_EQ(back[i].repeat, expect[i].repeat);
    EXPECT_EQ(std::isnan(back[i].score), std::isnan(expect[i].score));
    if (!std::isnan(expect[i].score)) EXPECT_EQ(back[i].score, expect[i].score);
  }
}

}  // namespace
}  // namespace cleave
