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
#include <optional>
#include <string>
#include <vector>

#include "cleave/context.hpp"
#include "cleave/dataset.hpp"
#include "cleave/graph.hpp"
#include "cleave/io.hpp"
#include "cleave/partition.hpp"
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

/// @brief Zero-overlap min-cut partitions of paired data, one per seed
/// (repeat = the seed's position, p = 0): partition_split on each entity's
/// graph (no edge between an entity's train and test sides), lifted to the
/// pairs as paired_sweep lifts the sweep's sides; an entity the cut removed
/// drops its pairs. Cold both: each entity's test fraction f satisfies
/// f^2 / (f^2 + (1 - f)^2) = opt.test_fraction. No test pair has a train
/// pair neighbour on the cold side(s).
std::vector<SplitResult> paired_partition(const PairedData& d, const Graph* drug_graph,
                                          const Graph* target_graph, ColdSide cold,
                                          const PartitionOptions& opt,
                                          const std::vector<uint64_t>& seeds);

/// The pairs as the nodes of an edgeless graph (ids, no edges), the shape
/// write_split_set takes.
Graph pair_nodes(const PairedData& d, const std::string& parameters_json);

/// @brief Cold sides of protein-protein pairs, after the test classes of Park
/// & Marcotte (Nature Methods 2012): a protein is "seen" when a train pair
/// holds it or a protein similar to it (identity at or above the graph's
/// threshold).
///   one:  every test pair has at least one unseen protein (classes C2 and
///         C3: train pairs have both proteins on the train side, test pairs
///         at least one on the test side);
///   both: every test pair has two unseen proteins (C3: both proteins on the
///         test side; pairs with one protein on each side are dropped).
enum class PpiCold { one, both };
const char* ppi_cold_name(PpiCold c);
/// one or both; throws invalid_argument otherwise.
PpiCold ppi_cold_from_name(const std::string& name);

/// @brief Protein-protein pairs: two columns of ids of one FASTA, one graph
/// over the proteins of both columns.
struct ProteinPairs {
  Samples pairs;            ///< one sample per input row
  std::vector<uint32_t> a;  ///< per pair: index into proteins (first column)
  std::vector<uint32_t> b;  ///< per pair: index into proteins (second column)
  Sequences proteins;       ///< the proteins used, in first-use order
};

struct ProteinPairsReadOptions {
  std::string id_column;  ///< empty: "id" when present, else row numbers
  std::string a_column = "protein_a";
  std::string b_column = "protein_b";
  std::string label_column;     ///< empty: "label" when present; "-": none
  std::filesystem::path fasta;  ///< resolves the ids of both columns
};

/// @brief Reads a CSV of protein pairs.
/// @throws cleave::error errc::format naming file:line for a missing
///   column, an id not in the FASTA, a bad label or a duplicate pair id.
ProteinPairs read_protein_pairs(const std::filesystem::path& csv,
                                const ProteinPairsReadOptions& opt);

/// @brief The SPECTRA sweep on the protein graph, lifted to the pairs (p-major,
/// as paired_sweep). A protein's test fraction f gives the pairs' test
/// fraction t: 1 - (1 - f)^2 = t for one, f^2 / (f^2 + (1 - f)^2) = t for
/// both. Overlap between pairs: a test pair's nearest train similarity is
/// the larger (both) or the smaller (one) of its proteins' largest
/// similarity to a protein of a train pair (1 for a shared protein), so
/// overlap_frac is the share of test pairs that break the cold class; the
/// mean over (test, train) pairs takes the largest of the four protein
/// similarities (both), or the smaller of the two test proteins' best match
/// in the train pair (one).
std::vector<SplitResult> ppi_sweep(const ProteinPairs& d, const Graph& g, PpiCold cold,
                                   const std::vector<double>& ps,
                                   const std::vector<uint64_t>& seeds, const SplitOptions& opt);

/// @brief Min-cut partitions of the protein graph lifted to the pairs (as
/// ppi_sweep lifts the sweep), one per seed.
std::vector<SplitResult> ppi_partition(const ProteinPairs& d, const Graph& g, PpiCold cold,
                                       const PartitionOptions& opt,
                                       const std::vector<uint64_t>& seeds);

/// Edgeless graph of the protein pairs for write_split_set.
Graph pair_nodes(const ProteinPairs& d, const std::string& parameters_json);

// ---- whole runs: entity graphs, split sets and their manifests, shared by
// `cleave paired`, the C API and the Python module

/// @brief The entity graphs of a drug-target split: the drugs' Morgan
/// fingerprint graph (Tanimoto >= drug_threshold) for cold drug and both, the
/// targets' identity graph for cold target and both.
struct PairedGraphs {
  std::optional<Graph> drug, target;
  double drug_threshold = 0;    ///< as asked (also when there is no drug graph)
  double target_threshold = 0;  ///< the identity threshold used; 0 without a target graph
  [[nodiscard]] const Graph* drug_graph() const { return drug ? &*drug : nullptr; }
  [[nodiscard]] const Graph* target_graph() const { return target ? &*target : nullptr; }
};

/// @brief Builds the entity graphs cold needs. targets: alignment settings
/// of the target graph (threshold empty: by alphabet); ctx: backend, threads,
/// memory and progress of both graphs.
PairedGraphs paired_graphs(const PairedData& d, ColdSide cold, double drug_threshold,
                           const SequenceSettings& targets, const Context& ctx);

/// The manifest's "parameters" of a drug-target split set.
std::string paired_parameters_json(const PairedData& d, const PairedGraphs& g, ColdSide cold);

/// @brief The proteins' identity graph of protein-protein pairs
/// (s.threshold empty: by alphabet); *threshold receives the one used.
Graph ppi_graph(const ProteinPairs& d, const SequenceSettings& s, const Context& ctx,
                double* threshold);

/// The manifest's "parameters" of a protein-protein split set.
std::string ppi_parameters_json(const ProteinPairs& d, const Graph& g, double threshold,
                                PpiCold cold);

/// @brief Layout of a paired split set: the sweep's sp_<p>_r<k>/ folders, or
/// the min-cut layout of `cleave partition` (ov_0.00_r<k>/, a validation
/// column) with the cold side in its options. what: "paired" (drug-target) or
/// "ppi"; method "<spectra|partition>-<what>-cold-<cold>".
SplitSetLayout paired_layout(bool partition, const SplitOptions& sweep,
                             const PartitionOptions& part, const std::string& what,
                             const std::string& cold);

/// The manifest's "inputs" of a paired split set: the pairs CSV (absolute
/// path), its checksum and the parameters.
std::string paired_inputs_json(const std::filesystem::path& csv, uint64_t checksum,
                               const std::string& parameters_json);

/// @brief Every setting of a paired split from a pairs CSV.
struct PairedSplitOptions {
  bool protein_pairs = false;  ///< false: drug-target pairs; true: protein-protein
  /// drug, target or both (drug-target); one or both (protein-protein);
  /// empty: drug, or both for protein-protein.
  std::string cold;
  bool partition = false;  ///< false: the SPECTRA sweep over ps; true: min-cut partitions
  PairedReadOptions drug_target;
  ProteinPairsReadOptions protein;
  double drug_threshold = 0.4;  ///< drugs: Tanimoto of Morgan fingerprints
  SequenceSettings sequences;   ///< targets or proteins: alignment and identity threshold
  SplitOptions sweep;           ///< test fraction, weighted, min_kept, backend
  PartitionOptions part;        ///< partition: tolerance and tries (test fraction: sweep's)
  std::vector<double> ps;       ///< sweep only
  std::vector<uint64_t> seeds;
};

/// @brief A split set of pairs: nodes are the pairs (edgeless, pair_nodes),
/// one side per pair in each split.
struct PairedSplitSet {
  Graph nodes;
  std::vector<SplitResult> splits;
  SplitSetLayout layout;
  std::string parameters_json;  ///< the manifest's parameters (entity counts, thresholds)
  std::string inputs_json;      ///< the manifest's inputs, as `cleave paired` writes them
  /// "N pairs (D drugs, T targets), cold C" or "N protein pairs (P proteins), cold C"
  std::string description;
};

/// @brief Reads the pairs, builds the entity graph(s) and makes the splits,
/// as `cleave paired` does with the same settings.
/// @throws cleave::error invalid_argument for options that do not fit the
///   kind or the method; format errors of read_paired / read_protein_pairs.
PairedSplitSet paired_splits(const std::filesystem::path& csv, const PairedSplitOptions& opt,
                             const Context& ctx);

}  // namespace cleave
