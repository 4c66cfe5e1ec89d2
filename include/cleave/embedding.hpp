#pragma once
/// @file embedding.hpp
/// @brief Dense embeddings: the NPY reader and the all-pairs cosine graph.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cleave/graph.hpp"
#include "cleave/similarity.hpp"

namespace cleave {

/// n rows of dim float32 values, row-major, as read.
struct EmbeddingSet {
  uint64_t n = 0;
  uint32_t dim = 0;
  std::vector<float> values;
  uint64_t checksum = 0;  ///< of the values (and shape)
  std::string source;     ///< file name, for messages ("<memory>" when built by hand)
  [[nodiscard]] std::size_t size() const { return n; }
  [[nodiscard]] const float* row(std::size_t i) const { return values.data() + i * dim; }
};

/// Reads a NumPy .npy file (format versions 1, 2 and 3): a 2-D array of
/// little-endian float32 ('<f4') or float16 ('<f2', converted to float32) in
/// C order. Fortran order, other dtypes or shapes, truncated data, and rows
/// holding NaN or infinity or of zero norm are format errors naming the file
/// (and the 0-based row).
EmbeddingSet read_npy(const std::filesystem::path& path);

/// Checks what read_npy checks on a set built in memory (sizes, finite
/// values, nonzero rows); throws errc::format naming set.source and the row.
void validate_embeddings(const EmbeddingSet& set);
/// Checksum of shape and values (EmbeddingSet::checksum).
uint64_t embedding_checksum(const EmbeddingSet& set);

/// Cosine similarity of all pairs i < j of rows (normalised to unit length
/// first): edge when similarity >= opt.threshold (> 0), compared in double.
/// The histogram covers [-1, 1] in 2000 bins. Runs through the tile
/// scheduler on opt.backend (cpu: blocked FMA dot products with a fixed
/// summation order, the same on any thread count and SIMD path; cuda:
/// sgemm per tile and a fused threshold kernel; with opt.gemm_precision
/// tf32 or bf16 a tensor-core GEMM whose candidates are re-checked with the
/// cpu backend's arithmetic, so edges and weights equal the cpu backend's).
/// Within 1e-5 of a double-precision reference. Ids are left to the caller.
Graph embedding_graph(const EmbeddingSet& set, const SimilarityOptions& opt);

}  // namespace cleave
