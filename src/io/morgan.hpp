#pragma once
/// @file morgan.hpp
/// @brief Internal: SMILES to packed Morgan bit fingerprints for a batch,
/// implemented with RDKit in smiles_rdkit.cpp (a fallback that throws lives
/// in molecules.cpp when cleave is built without RDKit).
#include <cstdint>
#include <string>
#include <vector>

namespace cleave::io_detail {

/// @brief Silences RDKit's logs while alive (restores them afterwards), so
/// bad SMILES are reported by cleave alone.
class RdkitQuiet {
 public:
  RdkitQuiet();
  ~RdkitQuiet();
  RdkitQuiet(const RdkitQuiet&) = delete;
  RdkitQuiet& operator=(const RdkitQuiet&) = delete;

 private:
  void* state_ = nullptr;
};

/// Fingerprints smiles[k] into out[k * words_per_fp ...] (bit b of the
/// fingerprint = bit b % 64 of word b / 64; rows are zeroed first). failure[k]
/// is empty on success, else the reason. Runs in parallel over the batch.
void morgan_batch(const std::vector<std::string>& smiles, unsigned radius, unsigned n_bits,
                  uint32_t words_per_fp, uint64_t* out, std::vector<std::string>& failure);

}  // namespace cleave::io_detail
