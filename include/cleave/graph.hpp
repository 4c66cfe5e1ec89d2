#pragma once
/// @file graph.hpp
/// @brief The overlap graph: undirected, weighted CSR plus the metadata that
/// made it, stored in a versioned, checksummed, memory-mappable file.
///
/// File layout (little-endian, every section 64-byte aligned; see
/// docs/graph-format.md):
///   GraphFileHeader | histogram u64[bins] | offsets u64[n+1] |
///   columns u32[2m] | weights f32[2m] | parameters (UTF-8 JSON text)
/// Sample ids live in a sidecar text file `<graph>.ids`, one per line, line
/// k naming node k.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace cleave {

/// How two samples were compared.
enum class Measure : uint32_t {
  tanimoto = 1,     ///< bit fingerprints, |a&b| / |a|b|
  dice = 2,         ///< bit fingerprints, 2|a&b| / (|a|+|b|)
  cosine = 3,       ///< bit fingerprints or embeddings
  mutation = 4,     ///< mutation sets: edge when one mutation is shared; weight = Jaccard
  precomputed = 5,  ///< values read from a pairs file
  identity = 6,     ///< sequence alignment identity
};
const char* measure_name(Measure m);
/// Parses a name as printed by measure_name; throws invalid_argument.
Measure measure_from_name(const std::string& name);

/// @brief Counts of all pair similarities (not only edges) in equal bins over [lo, hi].
struct Histogram {
  static constexpr uint32_t kDefaultBins = 1000;
  double lo = 0.0;
  double hi = 1.0;
  std::vector<uint64_t> counts = std::vector<uint64_t>(kDefaultBins, 0);

  [[nodiscard]] uint32_t bin_of(double v) const {
    double t = (v - lo) / (hi - lo) * static_cast<double>(counts.size());
    if (!(t > 0)) return 0;
    auto b = static_cast<uint64_t>(t);
    return b >= counts.size() ? static_cast<uint32_t>(counts.size() - 1) : static_cast<uint32_t>(b);
  }
  void add(double v, uint64_t n = 1) { counts[bin_of(v)] += n; }
  void merge(const Histogram& o);
  [[nodiscard]] uint64_t total() const;
};

/// @brief What made a graph: measure, threshold, the distribution of all
/// pair similarities, and checksums of inputs and parameters.
struct GraphMeta {
  Measure measure = Measure::tanimoto;
  /// Edge when similarity >= threshold (compared exactly, in double).
  double threshold = 0.0;
  /// Number of pairs in the similarity distribution (n(n-1)/2 for all-pairs
  /// measures; the distinct pairs listed, for a pairs file). The pairs that
  /// are not edges all lie below the threshold, which lets weighted mode rank
  /// edge weights among ALL pairs exactly.
  uint64_t n_pairs = 0;
  /// Checksum of the inputs and the parameters that made the graph.
  uint64_t input_checksum = 0;
  Histogram histogram;
  /// Free-form JSON object with the parameters (for reports and manifests).
  std::string parameters = "{}";
};

/// One undirected edge, u != v.
struct Edge {
  uint32_t u;
  uint32_t v;
  float w;
};

/// @brief Immutable CSR graph; both directions stored, each row sorted by
/// column. Owns its arrays or views a memory-mapped file.
class Graph {
 public:
  Graph();
  /// Builds from undirected edges (either orientation; duplicates keep the
  /// largest weight; self loops are dropped). n = number of samples.
  static Graph from_edges(uint64_t n, std::vector<Edge> edges, GraphMeta meta,
                          std::vector<std::string> ids = {});

  [[nodiscard]] uint64_t num_nodes() const { return n_; }
  /// Undirected edge count (each stored twice).
  [[nodiscard]] uint64_t num_edges() const { return adj_count_ / 2; }
  [[nodiscard]] std::span<const uint64_t> offsets() const { return {offsets_, n_ + 1}; }
  [[nodiscard]] std::span<const uint32_t> columns() const { return {cols_, adj_count_}; }
  [[nodiscard]] std::span<const float> weights() const { return {weights_, adj_count_}; }
  [[nodiscard]] uint64_t degree(uint64_t v) const { return offsets_[v + 1] - offsets_[v]; }
  [[nodiscard]] const GraphMeta& meta() const { return meta_; }
  /// Sample ids (empty strings are never stored; missing ids read as "<index>").
  [[nodiscard]] const std::vector<std::string>& ids() const { return ids_; }
  void set_ids(std::vector<std::string> ids);
  /// Replaces the metadata (the CSR is unchanged).
  void set_meta(GraphMeta meta) { meta_ = std::move(meta); }

  /// Writes `path` and `path.ids` atomically.
  void save(const std::filesystem::path& path) const;
  /// Validates magic, version, sizes and checksums; maps the file when mmap.
  static Graph load(const std::filesystem::path& path, bool mmap = true);

 private:
  uint64_t n_ = 0;
  uint64_t adj_count_ = 0;
  const uint64_t* offsets_ = nullptr;
  const uint32_t* cols_ = nullptr;
  const float* weights_ = nullptr;
  GraphMeta meta_;
  std::vector<std::string> ids_;
  std::shared_ptr<const void> storage_;  // owned vectors or the mapping
};

/// @brief Connected components by union-find: label per node (0..k-1, in
/// order of each component's smallest node) and sizes.
struct Components {
  std::vector<uint32_t> label;
  std::vector<uint64_t> size;
  std::vector<uint64_t> edges;  ///< undirected edges inside each component
  [[nodiscard]] bool is_clique(uint32_t c) const { return edges[c] == size[c] * (size[c] - 1) / 2; }
};
Components connected_components(const Graph& g);

/// @brief Summary printed by `cleave stats`.
struct GraphStats {
  uint64_t nodes = 0, edges = 0, isolated = 0, components = 0, clique_components = 0,
           largest_component = 0, max_degree = 0;
  double density = 0, mean_degree = 0, median_degree = 0;
  std::vector<std::pair<uint64_t, uint64_t>>
      degree_histogram;  ///< (degree bucket lower bound, count)
};
GraphStats graph_stats(const Graph& g);
std::string format_stats(const Graph& g, const GraphStats& s);

}  // namespace cleave
