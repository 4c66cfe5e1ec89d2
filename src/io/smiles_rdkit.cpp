/// @file smiles_rdkit.cpp
/// @brief RDKit Morgan (ECFP-like) bit fingerprints from SMILES.
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <RDGeneral/RDLog.h>

#include <algorithm>
#include <exception>
#include <memory>

#include "io/morgan.hpp"

namespace cleave::io_detail {

RdkitQuiet::RdkitQuiet() : state_(new RDLog::LogStateSetter()) {}

RdkitQuiet::~RdkitQuiet() {
  delete static_cast<RDLog::LogStateSetter*>(state_);
}

namespace {

std::string fingerprint_one(const std::string& smiles, unsigned radius, unsigned n_bits,
                            uint64_t* row) {
  std::unique_ptr<RDKit::RWMol> mol;
  try {
    mol.reset(RDKit::SmilesToMol(smiles));
  } catch (const std::exception& e) {
    return std::string("unparseable SMILES (") + e.what() + ")";
  }
  if (!mol) return "unparseable SMILES";
  std::unique_ptr<ExplicitBitVect> fp;
  try {
    fp.reset(RDKit::MorganFingerprints::getFingerprintAsBitVect(*mol, radius, n_bits));
  } catch (const std::exception& e) {
    return std::string("Morgan fingerprint failed (") + e.what() + ")";
  }
  if (!fp) return "Morgan fingerprint failed";
  std::vector<int> on;
  fp->getOnBits(on);
  for (int b : on) {
    auto k = static_cast<uint32_t>(b);
    row[k / 64] |= uint64_t{1} << (k % 64);
  }
  return {};
}

}  // namespace

void morgan_batch(const std::vector<std::string>& smiles, unsigned radius, unsigned n_bits,
                  uint32_t words_per_fp, uint64_t* out, std::vector<std::string>& failure) {
  const auto n = static_cast<int64_t>(smiles.size());
  failure.assign(smiles.size(), std::string());
  std::fill(out, out + smiles.size() * words_per_fp, uint64_t{0});
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t k = 0; k < n; ++k) {
    try {
      failure[k] = fingerprint_one(smiles[k], radius, n_bits, out + k * words_per_fp);
    } catch (...) {
      failure[k] = "unparseable SMILES (unexpected RDKit failure)";
    }
  }
}

}  // namespace cleave::io_detail
