/// @file test_paired_partition.cpp
/// @brief Min-cut partitions of drug-target pairs where one drug holds a
/// large share of the pairs: the test share is met on the pairs (not only
/// on the drugs), and no test pair has a train pair with the same or a
/// similar drug, both checked here on the pairs directly.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "cleave/paired.hpp"
#include "cleave/partition.hpp"
#include "cleave/split.hpp"

using namespace cleave;

namespace {

/// 200 drugs in similar couples (2k, 2k + 1), one target; drug 0 has 300
/// pairs (43% of them), the others 1 to 3.
PairedData hub_pairs() {
  PairedData d;
  for (uint32_t k = 0; k < 200; ++k) d.drug_ids.push_back("d" + std::to_string(k));
  const auto add = [&](uint32_t drug) {
    d.pairs.ids.push_back("p" + std::to_string(d.pairs.ids.size()));
    d.drug.push_back(drug);
    d.target.push_back(0);
  };
  for (int k = 0; k < 300; ++k) add(0);
  for (uint32_t k = 1; k < 200; ++k)
    for (uint32_t m = 0; m < 1 + k % 3; ++m) add(k);
  d.targets = sequences_from_strings({"t1"}, {"ACDEFGHIKL"});
  return d;
}

Graph couples() {
  std::vector<Edge> edges;
  for (uint32_t k = 0; k < 200; k += 2) edges.push_back({k, k + 1, 0.8f});
  GraphMeta meta;
  meta.measure = Measure::precomputed;
  meta.threshold = 0.5;
  return Graph::from_edges(200, std::move(edges), std::move(meta));
}

}  // namespace

TEST(PairedPartition, TestShareIsMetOnThePairs) {
  const PairedData d = hub_pairs();
  const Graph g = couples();
  PartitionOptions opt;  // test 0.2 +- 0.02
  const auto splits = paired_partition(d, &g, nullptr, ColdSide::drug, opt, {1, 2, 3, 4, 5});
  ASSERT_EQ(splits.size(), 5u);
  for (const SplitResult& s : splits) {
    ASSERT_TRUE(s.valid);
    const double kept = static_cast<double>(s.train + s.test);
    EXPECT_NEAR(static_cast<double>(s.test) / kept, 0.2, 0.02 + 1e-9) << "seed " << s.seed;
    // The drugs of each side, and no drug (or its couple) on both.
    std::set<uint32_t> train, test;
    for (std::size_t p = 0; p < d.pairs.size(); ++p) {
      if (s.side[p] == kTrain) train.insert(d.drug[p]);
      if (s.side[p] == kTest) test.insert(d.drug[p]);
    }
    for (uint32_t drug : test) {
      EXPECT_FALSE(train.count(drug)) << drug;
      EXPECT_FALSE(train.count(drug ^ 1u)) << "couple of " << drug;
    }
    // The hub's 300 pairs cannot sit in a 20% test side of 700 pairs.
    EXPECT_EQ(s.side[0], kTrain);
  }
}
