/// @file test_paired_c_api.cpp
/// @brief Paired data through the C API (cleave_paired_splits): the splits
/// equal the C++ library's (read_paired / read_protein_pairs, the entity
/// graphs built here, paired_sweep / paired_partition / ppi_*) side for side;
/// cleave_splits_write writes the same files as `cleave paired`; no test pair
/// shares a similar entity with a train pair on the cold side(s) at p = 1 and
/// in partitions; bad columns, unknown FASTA ids and options of the other
/// kind or method give an error status and a message naming file and line.
/// Inputs: tests/data/paired_dt.csv (46 molecules x 3 of 40 targets),
/// paired_ppi.csv (100 pairs of the same 40 proteins), paired_targets.fasta
/// (8 families of 5, increasingly mutated).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cleave/cleave.h"
#include "cleave/dataset.hpp"
#include "cleave/paired.hpp"
#include "cleave/similarity.hpp"

using namespace cleave;
namespace fs = std::filesystem;

namespace {

const fs::path kData = CLEAVE_TEST_DATA;
const std::string kDt = (kData / "paired_dt.csv").string();
const std::string kPpi = (kData / "paired_ppi.csv").string();
const std::string kFasta = (kData / "paired_targets.fasta").string();
const std::vector<double> kPs = {0.0, 0.5, 1.0};
const std::vector<uint64_t> kSeeds = {1, 2};

/// Every split of a C API handle: info and one side per pair.
struct CSplit {
  cleave_split_info info;
  std::vector<int8_t> side;
};

std::vector<CSplit> read_handle(cleave_splits s, uint64_t n_pairs) {
  std::vector<CSplit> out;
  size_t count = 0;
  EXPECT_EQ(cleave_splits_count(s, &count), CLEAVE_OK);
  for (size_t k = 0; k < count; ++k) {
    CSplit c;
    EXPECT_EQ(cleave_splits_info(s, k, &c.info), CLEAVE_OK);
    c.side.resize(n_pairs);
    EXPECT_EQ(cleave_splits_assignment(s, k, c.side.data(), n_pairs), CLEAVE_OK)
        << cleave_last_error();
    out.push_back(std::move(c));
  }
  return out;
}

/// The C API's splits equal the library's, side for side.
void expect_same(const std::vector<CSplit>& c, const std::vector<SplitResult>& lib) {
  ASSERT_EQ(c.size(), lib.size());
  std::size_t valid = 0;
  for (std::size_t k = 0; k < lib.size(); ++k) {
    const SplitResult& r = lib[k];
    EXPECT_EQ(c[k].info.valid, r.valid ? 1 : 0) << k;
    EXPECT_EQ(c[k].info.p, r.p) << k;
    EXPECT_EQ(c[k].info.seed, r.seed) << k;
    EXPECT_EQ(c[k].info.repeat, r.repeat) << k;
    EXPECT_EQ(c[k].info.kept, r.kept) << k;
    EXPECT_EQ(c[k].info.train, r.train) << k;
    EXPECT_EQ(c[k].info.test, r.test) << k;
    EXPECT_EQ(c[k].info.overlap_frac, r.overlap.frac) << k;
    EXPECT_EQ(c[k].info.overlap_maxsim, r.overlap.maxsim) << k;
    if (r.side.empty()) continue;
    valid += r.valid;
    ASSERT_EQ(c[k].side.size(), r.side.size());
    for (std::size_t i = 0; i < r.side.size(); ++i)
      ASSERT_EQ(c[k].side[i], r.side[i]) << "split " << k << " pair " << i;
  }
  EXPECT_GT(valid, 0u) << "the test input makes no valid split";
}

/// Entities a and b are the same or neighbours in g.
bool similar(const Graph& g, uint32_t a, uint32_t b) {
  if (a == b) return true;
  const auto off = g.offsets();
  const auto col = g.columns();
  for (uint64_t e = off[a]; e < off[a + 1]; ++e)
    if (col[e] == b) return true;
  return false;
}

Graph drug_graph(const PairedData& d) {
  SimilarityOptions so;
  so.threshold = 0.4;
  so.progress = false;
  return fingerprint_graph(d.drug_fps, so);
}

Graph identity_graph(const Sequences& s) {
  Context ctx;
  ctx.progress = false;
  return sequence_graph(s, align_options(SequenceSettings{}, s.alphabet, ctx));
}

cleave_paired_options dt_options(const char* cold, const char* method) {
  cleave_paired_options o;
  cleave_paired_options_init(&o);
  o.cold = cold;
  o.method = method;
  o.fasta = kFasta.c_str();
  return o;
}

cleave_paired_options ppi_options(const char* cold, const char* method) {
  cleave_paired_options o;
  cleave_paired_options_init(&o);
  o.kind = "protein-protein";
  o.cold = cold;
  o.method = method;
  o.fasta = kFasta.c_str();
  return o;
}

/// No test pair shares a similar drug (cold drug or both) or target (cold
/// target or both) with a train pair.
void expect_no_leak(const PairedData& d, const Graph& gd, const Graph& gt, ColdSide cold,
                    const std::vector<int8_t>& side) {
  for (std::size_t i = 0; i < side.size(); ++i) {
    if (side[i] != kTest) continue;
    for (std::size_t j = 0; j < side.size(); ++j) {
      if (side[j] != kTrain) continue;
      if (cold != ColdSide::target)
        ASSERT_FALSE(similar(gd, d.drug[i], d.drug[j])) << "test " << i << " train " << j;
      if (cold != ColdSide::drug)
        ASSERT_FALSE(similar(gt, d.target[i], d.target[j])) << "test " << i << " train " << j;
    }
  }
}

/// Cold both: no protein of a test pair is similar to a protein of a train
/// pair; cold one: every test pair has a protein unlike all train proteins.
void expect_no_leak(const ProteinPairs& d, const Graph& g, PpiCold cold,
                    const std::vector<int8_t>& side) {
  std::set<uint32_t> train;
  for (std::size_t j = 0; j < side.size(); ++j)
    if (side[j] == kTrain) train.insert({d.a[j], d.b[j]});
  const auto seen = [&](uint32_t p) {
    for (uint32_t t : train)
      if (similar(g, p, t)) return true;
    return false;
  };
  for (std::size_t i = 0; i < side.size(); ++i) {
    if (side[i] != kTest) continue;
    const bool sa = seen(d.a[i]), sb = seen(d.b[i]);
    if (cold == PpiCold::both)
      EXPECT_TRUE(!sa && !sb) << "test pair " << i;
    else
      EXPECT_TRUE(!sa || !sb) << "test pair " << i;
  }
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Every file under a equals the one under b, and b has no others.
void expect_same_tree(const fs::path& a, const fs::path& b) {
  std::size_t na = 0, nb = 0;
  for (const auto& e : fs::recursive_directory_iterator(a)) {
    if (!e.is_regular_file()) continue;
    ++na;
    const fs::path rel = fs::relative(e.path(), a);
    ASSERT_TRUE(fs::exists(b / rel)) << rel;
    EXPECT_EQ(slurp(e.path()), slurp(b / rel)) << rel;
  }
  for (const auto& e : fs::recursive_directory_iterator(b)) nb += e.is_regular_file();
  EXPECT_EQ(na, nb);
  EXPECT_GT(na, 2u);
}

fs::path scratch(const std::string& name) {
  const fs::path p = fs::temp_directory_path() /
                     ("cleave_paired_c_api_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  return p;
}

}  // namespace

#ifdef CLEAVE_HAVE_RDKIT
TEST(PairedCApi, DrugTargetSweepEqualsLibrary) {
  PairedReadOptions ro;
  ro.target_fasta = kFasta;
  const PairedData d = read_paired(kDt, ro);
  const Graph gd = drug_graph(d), gt = identity_graph(d.targets);
  SplitOptions so;  // test 0.2, min_kept 5
  for (const char* name : {"drug", "target", "both"}) {
    const ColdSide cold = cold_side_from_name(name);
    const cleave_paired_options o = dt_options(name, nullptr);
    cleave_splits s = nullptr;
    ASSERT_EQ(cleave_paired_splits(kDt.c_str(), &o, kPs.data(), kPs.size(), kSeeds.data(),
                                   kSeeds.size(), &s),
              CLEAVE_OK)
        << cleave_last_error();
    const auto c = read_handle(s, d.pairs.size());
    expect_same(c, paired_sweep(d, &gd, &gt, cold, kPs, kSeeds, so));
    for (const CSplit& k : c)
      if (k.info.valid && k.info.p == 1.0) expect_no_leak(d, gd, gt, cold, k.side);
    cleave_splits_destroy(s);
  }
}

TEST(PairedCApi, DrugTargetPartitionEqualsLibrary) {
  PairedReadOptions ro;
  ro.target_fasta = kFasta;
  const PairedData d = read_paired(kDt, ro);
  const Graph gd = drug_graph(d), gt = identity_graph(d.targets);
  for (const char* name : {"drug", "target", "both"}) {
    const ColdSide cold = cold_side_from_name(name);
    const cleave_paired_options o = dt_options(name, "partition");
    cleave_splits s = nullptr;
    ASSERT_EQ(cleave_paired_splits(kDt.c_str(), &o, nullptr, 0, kSeeds.data(), kSeeds.size(), &s),
              CLEAVE_OK)
        << cleave_last_error();
    const auto c = read_handle(s, d.pairs.size());
    expect_same(c, paired_partition(d, &gd, &gt, cold, PartitionOptions{}, kSeeds));
    for (const CSplit& k : c) {
      if (!k.info.valid) continue;
      EXPECT_EQ(k.info.overlap_frac, 0.0);
      expect_no_leak(d, gd, gt, cold, k.side);
    }
    cleave_splits_destroy(s);
  }
}

TEST(PairedCApi, WritesWhatTheCliWrites) {
  const fs::path cli = scratch("cli"), api = scratch("api");
  for (const char* method : {"spectra", "partition"}) {
    const std::string m = method;
    const std::string cmd = std::string(CLEAVE_BINARY) + " paired --quiet --input " + kDt +
                            " --target-fasta " + kFasta + " --cold both --method " + m +
                            " --seeds 1,2" + (m == "spectra" ? " --sp 0,0.5,1" : "") + " --out " +
                            cli.string() + " > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const cleave_paired_options o = dt_options("both", method);
    cleave_splits s = nullptr;
    ASSERT_EQ(
        cleave_paired_splits(kDt.c_str(), &o, m == "spectra" ? kPs.data() : nullptr,
                             m == "spectra" ? kPs.size() : 0, kSeeds.data(), kSeeds.size(), &s),
        CLEAVE_OK)
        << cleave_last_error();
    ASSERT_EQ(cleave_splits_write(s, api.string().c_str()), CLEAVE_OK) << cleave_last_error();
    cleave_splits_destroy(s);
    expect_same_tree(cli, api);
    fs::remove_all(cli);
    fs::remove_all(api);
  }
}

TEST(PairedCApi, BadInputNamesFileAndLine) {
  cleave_paired_options o = dt_options("drug", nullptr);
  o.drug_column = "nope";
  cleave_splits s = nullptr;
  const double p1 = 1.0;
  const uint64_t seed = 1;
  EXPECT_EQ(cleave_paired_splits(kDt.c_str(), &o, &p1, 1, &seed, 1, &s), CLEAVE_ERROR_FORMAT);
  EXPECT_EQ(s, nullptr);
  EXPECT_NE(std::string(cleave_last_error()).find("paired_dt.csv:1: no column 'nope'"),
            std::string::npos)
      << cleave_last_error();

  const fs::path dir = scratch("bad");
  fs::create_directories(dir);
  const fs::path csv = dir / "unknown.csv";
  std::ofstream(csv) << "id,smiles,target\np1,CCO,T0a\np2,CCN,T9z\n";
  o = dt_options("target", nullptr);
  EXPECT_EQ(cleave_paired_splits(csv.string().c_str(), &o, &p1, 1, &seed, 1, &s),
            CLEAVE_ERROR_FORMAT);
  EXPECT_NE(std::string(cleave_last_error()).find("unknown.csv:3: target 'T9z' is not in"),
            std::string::npos)
      << cleave_last_error();
  fs::remove_all(dir);
}
#endif  // CLEAVE_HAVE_RDKIT

TEST(PairedCApi, ProteinPairsEqualLibrary) {
  ProteinPairsReadOptions ro;
  ro.fasta = kFasta;
  const ProteinPairs d = read_protein_pairs(kPpi, ro);
  const Graph g = identity_graph(d.proteins);
  for (const char* name : {"one", "both"}) {
    const PpiCold cold = ppi_cold_from_name(name);
    cleave_paired_options o = ppi_options(name, "sweep");
    cleave_splits s = nullptr;
    ASSERT_EQ(cleave_paired_splits(kPpi.c_str(), &o, kPs.data(), kPs.size(), kSeeds.data(),
                                   kSeeds.size(), &s),
              CLEAVE_OK)
        << cleave_last_error();
    auto c = read_handle(s, d.pairs.size());
    expect_same(c, ppi_sweep(d, g, cold, kPs, kSeeds, SplitOptions{}));
    for (const CSplit& k : c)
      if (k.info.valid && k.info.p == 1.0) expect_no_leak(d, g, cold, k.side);
    cleave_splits_destroy(s);

    o = ppi_options(name, "partition");
    ASSERT_EQ(cleave_paired_splits(kPpi.c_str(), &o, nullptr, 0, kSeeds.data(), kSeeds.size(), &s),
              CLEAVE_OK)
        << cleave_last_error();
    c = read_handle(s, d.pairs.size());
    expect_same(c, ppi_partition(d, g, cold, PartitionOptions{}, kSeeds));
    for (const CSplit& k : c)
      if (k.info.valid) expect_no_leak(d, g, cold, k.side);
    cleave_splits_destroy(s);
  }
}

TEST(PairedCApi, ProteinPairsBadInput) {
  const fs::path dir = scratch("ppibad");
  fs::create_directories(dir);
  const fs::path csv = dir / "pp.csv";
  std::ofstream(csv) << "id,protein_a,protein_b\nx1,T0a,T1a\nx2,T0b,nope\n";
  const uint64_t seed = 1;
  cleave_paired_options o = ppi_options("both", "partition");
  cleave_splits s = nullptr;
  EXPECT_EQ(cleave_paired_splits(csv.string().c_str(), &o, nullptr, 0, &seed, 1, &s),
            CLEAVE_ERROR_FORMAT);
  EXPECT_NE(std::string(cleave_last_error()).find("pp.csv:3: protein 'nope' is not in"),
            std::string::npos)
      << cleave_last_error();
  o.protein_b_column = "b";
  EXPECT_EQ(cleave_paired_splits(kPpi.c_str(), &o, nullptr, 0, &seed, 1, &s), CLEAVE_ERROR_FORMAT);
  EXPECT_NE(std::string(cleave_last_error()).find("paired_ppi.csv:1: no column 'b'"),
            std::string::npos)
      << cleave_last_error();
  fs::remove_all(dir);
}

TEST(PairedCApi, RefusesOptionsThatDoNotApply) {
  const double p1 = 1.0;
  const uint64_t seed = 1;
  cleave_splits s = nullptr;
  const auto status = [&](const cleave_paired_options& o, const double* ps, size_t n_ps) {
    return cleave_paired_splits(kPpi.c_str(), &o, ps, n_ps, &seed, 1, &s);
  };
  cleave_paired_options o = ppi_options(nullptr, nullptr);
  o.fasta = nullptr;
  EXPECT_EQ(status(o, &p1, 1), CLEAVE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(cleave_last_error()).find("need fasta"), std::string::npos);
  o = ppi_options("drug", nullptr);  // a drug-target cold side
  EXPECT_EQ(status(o, &p1, 1), CLEAVE_ERROR_INVALID_ARGUMENT);
  o = ppi_options(nullptr, nullptr);
  o.drug_threshold = 0.5;
  EXPECT_EQ(status(o, &p1, 1), CLEAVE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(cleave_last_error()).find("drug_threshold is for drug-target"),
            std::string::npos);
  o = ppi_options(nullptr, nullptr);
  o.tolerance = 0.1;  // partition only
  EXPECT_EQ(status(o, &p1, 1), CLEAVE_ERROR_INVALID_ARGUMENT);
  o = ppi_options(nullptr, "partition");
  o.min_kept = 0;  // spectra only
  EXPECT_EQ(status(o, nullptr, 0), CLEAVE_ERROR_INVALID_ARGUMENT);
  o = ppi_options(nullptr, "partition");
  EXPECT_EQ(status(o, &p1, 1), CLEAVE_ERROR_INVALID_ARGUMENT);  // partition takes no p
  o = ppi_options(nullptr, nullptr);
  EXPECT_EQ(status(o, nullptr, 0), CLEAVE_ERROR_INVALID_ARGUMENT);  // the sweep needs p
  o = dt_options("drug", nullptr);  // cold drug builds no target graph
  o.identity_threshold = 0.5;
  EXPECT_EQ(cleave_paired_splits(kDt.c_str(), &o, &p1, 1, &seed, 1, &s),
            CLEAVE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(cleave_last_error()).find("identity_threshold sets the target graph"),
            std::string::npos);
  o = ppi_options(nullptr, "bisect");
  EXPECT_EQ(status(o, &p1, 1), CLEAVE_ERROR_INVALID_ARGUMENT);
  o = ppi_options(nullptr, nullptr);
  o.struct_size = 8;
  EXPECT_EQ(status(o, &p1, 1), CLEAVE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(s, nullptr);
}
