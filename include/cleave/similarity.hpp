#pragma once
/// @file similarity.hpp
/// @brief Builds overlap graphs from features: all-pairs fingerprint
/// similarity (upper triangle, tiled, multithreaded) and mutation sets
/// (inverted index). Both record the histogram of all pair similarities.
#include <cstdint>
#include <filesystem>
#include <string>

#include "cleave/graph.hpp"
#include "cleave/io.hpp"
#include "cleave/split.hpp"

namespace cleave {

/// Input precision of the CUDA backend's embedding-cosine GEMM. fp32: cuBLAS
/// sgemm. tf32 / bf16: unit rows rounded (to nearest, ties to even) to TF32
/// or BF16, multiplied on tensor cores with FP32 accumulation; every pair
/// that could reach the threshold under a rigorous error bound is then
/// recomputed with the CPU backend's arithmetic (embed_lowp.cpp), so edges
/// and weights equal the CPU backend's. The CPU backend always computes in
/// FP32 (the same graph by construction).
enum class GemmPrecision : uint8_t { fp32, tf32, bf16 };

const char* gemm_precision_name(GemmPrecision p);
/// "fp32", "tf32" or "bf16"; anything else throws invalid_argument.
GemmPrecision gemm_precision_from_name(const std::string& name);

struct SimilarityOptions {
  Measure measure = Measure::tanimoto;
  double threshold = 0.4;
  int threads = 0;  ///< 0 = all cores
  bool progress = true;
  /// cpu or cuda; automatic picks cuda when a device is usable. A CUDA
  /// build without a usable device falls back to cpu and says so.
  Backend backend = Backend::automatic;
  /// Memory budget for tiles in flight and edges held in memory (0 = the
  /// scheduler's default), tile side (0 = from the budget) and work
  /// directory for checkpoints and spills (empty = none): ScheduleOptions.
  uint64_t max_memory = 0;
  uint64_t tile = 0;
  std::filesystem::path work_dir;
  /// Embedding cosine only: the CUDA GEMM's input precision (see GemmPrecision).
  GemmPrecision gemm_precision = GemmPrecision::fp32;
};

/// Similarity of two packed fingerprints under a bit measure (tanimoto, dice,
/// cosine), in double from integer popcounts, as RDKit computes it: for two
/// empty fingerprints Tanimoto is 1, Dice and cosine 0. Other measures throw
/// invalid_argument.
double fingerprint_similarity(Measure m, const uint64_t* a, const uint64_t* b, uint32_t words);

/// All pairs i < j: edge when similarity >= threshold (> 0), compared in
/// double. Runs through the tile scheduler (run_all_pairs: memory budget,
/// checkpoint in opt.work_dir, resume) on opt.backend: cpu (cache-blocked
/// tiles over AVX-512 VPOPCNTDQ, AVX2 or POPCNT kernels chosen at run time;
/// CLEAVE_SIMD=scalar|avx2|avx512 forces one) or cuda (fused tile kernel).
/// The graph (edges, histogram of all n(n-1)/2 pairs, checksum of the
/// fingerprints, measure and threshold) is identical for any backend, SIMD
/// path and thread count. Ids are left to the caller.
Graph fingerprint_graph(const Fingerprints& fps, const SimilarityOptions& opt);

/// Edge when two samples share at least one mutation; weight = Jaccard of
/// their mutation sets; the distribution covers all n(n-1)/2 pairs (pairs
/// sharing nothing count at 0). meta.threshold is 1 / (2L - 1) for sets of at
/// most L mutations, the least Jaccard of a pair sharing one mutation, so
/// "edge when similarity >= threshold" holds. Deterministic for any thread
/// count (threads 0 = all cores).
Graph mutation_graph(const MutationSet& set, int threads = 0);

}  // namespace cleave
