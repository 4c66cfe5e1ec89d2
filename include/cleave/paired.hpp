#pragma once
/// @file paired.hpp
/// @brief Splits of paired data (drug-target affinity, ligand-protein
/// pairs): cold-drug, cold-target and cold-both spectra.
///
/// A pair's neighbours are the pairs that share a similar entity on the cold
/// side(s): a similar (or the same) drug for cold-drug, target for
/// cold-target, either for cold-both. Such a pair graph has a clique per
/// entity (sum of squared pair counts edges), so cleave never builds it:
/// the SPECTRA sweep runs on each entity's graph and the sides are lifted
/// to the pairs. Cold-drug: a pair takes its drug's side. Cold-both: a pair
/// is train when its drug and its target are both train, test when both are
/// test, and dropped otherwise (the two-dimensional split of DataSAIL,
/// Joeres et al. 2023, at every p); each entity's test fraction f is chosen
/// so that f^2 / (f^2 + (1 - f)^2) equals the requested pair test fraction.
/// At p = 1 no test pair has a train pair neighbour on the cold side(s).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cleave/graph.hpp"
#include "cleave/io.hpp"
#include "cleave/sequence.hpp"
#include "cleave/split.hpp"

namespace cleave {

enum class ColdSide { drug, target, both };
const char* cold_side_name(ColdSide c);
/// drug, target or both; throws invalid_argument otherwise.
ColdSide cold_side_from_name(const std::string& name);

/// @brief Pairs with their two entities: drugs (SMILES, Morgan
/// fingerprints) and targets (protein sequences), each listed once.
struct PairedData {
  Samples pairs;                      ///< one sample per input row
  std::vector<uint32_t> drug;         ///< per pair: index into drug_ids / drug_fps
  std::vector<uint32_t> target;       ///< per pair: index into targets
  std::vector<std::string> drug_ids;  ///< the drugs' SMILES, as written
  Fingerprints drug_fps;
  Sequences targets;  ///< ids: the FASTA ids, or t1, t2, ... for inline sequences
};

struct PairedReadOptions {
  std::string id_column;  ///< empty: "id" when present, else row numbers
  std::string drug_column = "smiles";
  std::string target_column = "target";
  std::string label_column;  ///< empty: "label" when present; "-": none
  /// Target column holds ids of this FASTA; empty: it holds the sequences.
  std::filesystem::path target_fasta;
  unsigned radius = 2;
  unsigned n_bits = 2048;
};

/// @brief Reads a CSV of pairs (one row per pair).
/// @throws cleave::error errc::format naming file:line for a missing
///   column, an unparseable SMILES, a target id not in the FASTA, a bad
///   sequence or label, or a duplicate pair id.
PairedData read_paired(const std::filesystem::path& csv, const PairedReadOptions& opt);

/// @brief Every (p, seed) of the sweep for paired data, p-major; sides per
/// pair (kTrain, kTest, kDropped) and the overlap measured between pairs:
/// a pair's similarity to another is that of their drugs (cold-drug), their
/// targets (cold-target) or the larger of the two (cold-both), 1 for a
/// shared entity and 0 below the entity graph's threshold.
/// @param drug_graph over PairedData::drug_ids (cold drug and both)
/// @param target_graph over PairedData::targets (cold target and both)
std::vector<SplitResult> paired_sweep(const PairedData& d, const Graph* drug_graph,
                                      const Graph* target_graph, ColdSide cold,
                                      const std::vector<double>& ps,
                                      const std::vector<uint64_t>& seeds, const SplitOptions& opt);

/// The pairs as the nodes of an edgeless graph (ids, no edges), the shape
/// write_split_set takes.
Graph pair_nodes(const PairedData& d, const std::string& parameters_json);

}  // namespace cleave
