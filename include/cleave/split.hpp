#pragma once
/// @file split.hpp
/// @brief SPECTRA splits: the spectral-parameter sweep over an overlap graph.
///
/// Semantics (DESIGN.md): binary mode pre-pass (clique components go whole to
/// train; in spectrae-compatible mode nodes adjacent to their whole component
/// are deleted), then the lexicographically-first maximal independent set
/// under a random order of the graph whose edges are each kept with
/// probability p (weighted mode: and whose weight's percentile among all pair
/// similarities exceeds (1-p)*100). Kept singles split train/test at random.
/// All randomness is counter-based: output depends on (graph, p, seed, options) only.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cleave/graph.hpp"

namespace cleave {

enum class Backend { automatic, cpu, cuda };
const char* backend_name(Backend b);
Backend backend_from_name(const std::string& name);
/// True when this build has CUDA and a device is usable now.
bool cuda_available();
/// @brief Empty when cuda_available(); otherwise why not, in one sentence
/// (no device, no kernel image for it in this build, no CUDA in the build).
const std::string& cuda_problem();
/// Resolves automatic; falls back to cpu (with a warning) when cuda is asked
/// for but unavailable.
Backend resolve_backend(Backend requested);

struct SplitOptions {
  double test_fraction = 0.2;
  bool weighted = false;
  /// Reproduce spectrae: only nodes with an edge take part, and in binary mode
  /// nodes adjacent to all of their component are deleted at every p.
  bool compat_spectrae = false;
  /// No split when this many or fewer units (singles + clique units) are kept.
  uint64_t min_kept = 5;
  Backend backend = Backend::automatic;
  /// Validation side (0: none): validation_count(valid_fraction, split)
  /// samples carved from train at each p, chosen at random (seeded) among
  /// the kept singles on train with no edge in the whole graph to any other
  /// kept sample, so validation touches neither train nor test at any p.
  /// Fewer when fewer qualify (at p = 1 every kept single does); train/test
  /// are otherwise those of the split without validation.
  double valid_fraction = 0.0;
};

/// Side of a sample in one split (validation: min-cut partitions only).
enum : int8_t { kDropped = -1, kTrain = 0, kTest = 1, kValidation = 2 };

/// Cross-split overlap, measured on the graph (similarities below the
/// threshold count as 0).
struct Overlap {
  double frac = 0;     ///< fraction of test samples with >= 1 train neighbour
  double maxsim = 0;   ///< mean over test of the max similarity to train
  double meansim = 0;  ///< mean similarity over all train x test pairs
};

struct SplitResult {
  double p = 0;
  int repeat = 0;
  uint64_t seed = 0;
  bool valid = false;       ///< false: too few samples kept (no split)
  uint64_t kept = 0;        ///< samples kept (clique members included)
  uint64_t kept_units = 0;  ///< singles + clique units
  uint64_t train = 0, test = 0;
  uint64_t validation = 0;  ///< min-cut partitions with a validation side only
  /// Min-cut partitions: the formulation that made the split, "graph" (a
  /// cut of the graph) or "mutations" (sides given to mutations).
  std::string engine;
  Overlap overlap;
  /// Min-cut spectrum (partition_with_overlap): overlap_frac is within the
  /// tolerance of the target p. Always true for the SPECTRA sweep.
  bool reached = true;
  std::vector<int8_t> side;  ///< per node: kTrain, kTest or kDropped
  /// Parallel rounds the independent-set pass took (a diagnostic: the
  /// result does not depend on it).
  uint32_t rounds = 0;
};

/// @brief Prepares a graph once (pre-pass, weight percentiles) and makes any
/// number of splits from it on the chosen backend.
class Partitioner {
 public:
  Partitioner(const Graph& g, SplitOptions opt);
  ~Partitioner();
  Partitioner(Partitioner&&) noexcept;
  [[nodiscard]] SplitResult split(double p, uint64_t seed, int repeat = 0) const;
  /// Every (p, seed), p-major, repeat = seed position. On the CPU backend with
  /// several threads the splits run side by side (one per thread); the
  /// results are the same as split() one by one. `advance` (may be empty) is
  /// called once per finished split, from any thread. In a job of several
  /// ranks (mpirun) every rank calls it: the splits are computed over the
  /// ranks and rank 0 returns all of them (the others an incomplete list).
  [[nodiscard]] std::vector<SplitResult> split_all(const std::vector<double>& ps,
                                                   const std::vector<uint64_t>& seeds,
                                                   const std::function<void()>& advance) const;
  [[nodiscard]] Backend backend() const;
  [[nodiscard]] const SplitOptions& options() const;

 private:
  void split_over_ranks(std::vector<SplitResult>& out, int threads,
                        const std::function<void()>& advance) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Validation samples a sweep split asks for: ceil(valid_fraction * kept).
uint64_t validation_count(double valid_fraction, const SplitResult& s);

/// p = 0.00, 0.05, ..., 1.00.
std::vector<double> default_sweep();
/// Seeds of the default three repeats.
std::vector<uint64_t> default_seeds();

/// Every (p, seed) of the sweep, repeats numbered by seed position.
std::vector<SplitResult> sweep(const Graph& g, const std::vector<double>& ps,
                               const std::vector<uint64_t>& seeds, const SplitOptions& opt,
                               bool progress = true);

/// Writes OUT/stats.tsv, OUT/sp_<p>_r<k>/{train,test}.txt and OUT/manifest.json
/// (each file atomically). manifest_extra is merged into the manifest JSON.
void write_split_set(const std::filesystem::path& out_dir, const Graph& g,
                     const std::vector<SplitResult>& splits, const SplitOptions& opt,
                     const std::string& manifest_inputs_json);

/// @brief How a split set names its splits: the SPECTRA sweep keys them by
/// p (`sp`, folders `sp_<p>_r<k>`); the min-cut partitioner by target
/// overlap (`target`, folders `ov_<t>_r<k>`, with a validation column).
struct SplitSetLayout {
  std::string key = "sp";         ///< first column of stats.tsv
  std::string dir_prefix = "sp";  ///< folder name prefix
  bool validation = false;        ///< a validation column (validation.txt: when not empty)
  std::string method = "spectra";
  std::string options_json;  ///< the manifest's "options" object
  /// K > 0: k-fold sets; side[v] is the fold (0..K-1) or kDropped, folders
  /// hold fold_<k>.txt and stats.tsv has one fold_<k> count column per fold.
  int folds = 0;
  /// More files of the set (name in the set's folder, content), written with
  /// the rest: e.g. strata.tsv of min-cut partitions with labels.
  std::vector<std::pair<std::string, std::string>> extra_files;
};

/// @brief Writes a split set with the given layout (stats.tsv, one folder per
/// valid split, manifest.json), assembled in a temporary folder and renamed
/// into place whole.
void write_split_set(const std::filesystem::path& out_dir, const Graph& g,
                     const std::vector<SplitResult>& splits, const SplitSetLayout& layout,
                     const std::string& manifest_inputs_json);

/// Directory name of a split: "sp_0.50_r1" (or with another prefix).
std::string split_dir_name(double p, int repeat, const std::string& prefix = "sp");

}  // namespace cleave
