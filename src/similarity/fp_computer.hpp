#pragma once
/// @file fp_computer.hpp
/// @brief The fingerprint and embedding PairComputers (scheduler.hpp), one
/// per backend, behind factory functions; the CUDA ones exist only in CUDA
/// builds (CLEAVE_HAVE_CUDA).
#include <cstdint>
#include <memory>
#include <vector>

#include "cleave/embedding.hpp"
#include "cleave/io.hpp"
#include "cleave/scheduler.hpp"
#include "cleave/similarity.hpp"
#include "kernels/cosine_kernel.hpp"
#include "kernels/fingerprint_common.hpp"
#include "kernels/fingerprint_finish.hpp"
#include "kernels/fingerprint_ops.hpp"
#include "similarity/fp_popcount.hpp"

namespace cleave::similarity_detail {

/// Tanimoto, dice or cosine as a kernel measure; other measures throw invalid_argument.
kernels::BitMeasure bit_measure(Measure m);

/// Checksum of the fingerprints, measure and threshold (the graph header's).
uint64_t fingerprint_checksum(const Fingerprints& fps, Measure m, double threshold);

/// Histogram binning of a PairComputer's histogram(), for the kernels.
kernels::HistSpec hist_spec(const Histogram& h);

/// @brief The tables of the fingerprint kernel's integer finish
/// (kernels/fingerprint_finish.hpp) and a view of them.
struct FinishTables {
  std::vector<uint32_t> hit_from;   ///< Tanimoto, Dice: [0, 128 words]
  std::vector<uint32_t> exact_bin;  ///< [0, bins]
  kernels::IntFinish view;          ///< points into the two vectors
  FinishTables() = default;
  FinishTables(const FinishTables&) = delete;
  FinishTables& operator=(const FinishTables&) = delete;
  FinishTables(FinishTables&&) = default;
  FinishTables& operator=(FinishTables&&) = default;
};

/// The integer finish of measure m at `threshold` for fingerprints of
/// `words` words, from the CPU backend's own finish functions; the histogram
/// must span [0, 1] (invalid_argument otherwise).
FinishTables make_finish_tables(kernels::BitMeasure m, double threshold,
                                const kernels::HistSpec& hist, uint32_t words);

/// @brief The bin edges of the embedding-cosine kernel's float finish
/// (kernels/cosine_kernel.hpp) and a view of them.
struct CosineFinishTables {
  std::vector<float> edge;     ///< [0, bins): smallest float of each bin
  kernels::CosineFinish view;  ///< points into edge
  CosineFinishTables() = default;
  CosineFinishTables(const CosineFinishTables&) = delete;
  CosineFinishTables& operator=(const CosineFinishTables&) = delete;
  CosineFinishTables(CosineFinishTables&&) = default;
  CosineFinishTables& operator=(CosineFinishTables&&) = default;
};

/// The float finish of embedding cosine for histogram `hist` and `threshold`,
/// from HistSpec::bin itself.
CosineFinishTables make_cosine_finish(const kernels::HistSpec& hist, double threshold);

/// CPU: cache-blocked tiles over the dispatched popcount kernel; concurrent.
std::unique_ptr<PairComputer> make_fingerprint_cpu(const Fingerprints& fps, Measure m,
                                                   double threshold, SimdPath path);

/// CPU embedding cosine over unit rows; concurrent.
std::unique_ptr<PairComputer> make_embedding_cpu(const EmbeddingSet& set, double threshold);

/// Rows scaled to unit length (norm in double, rounded to float).
std::vector<float> unit_rows(const EmbeddingSet& set);

/// out[j] = a . bs[j] for j < n consecutive rows of `dim` floats, in the CPU
/// backend's fixed summation order (kernels/cosine_ops.hpp).
void cosine_dots(const float* a, const float* bs, uint32_t n, uint32_t dim, float* out);

/// Lower-precision GEMM for embedding cosine (embed_lowp.cpp, where the
/// bound is derived). Unit roundoff of the GEMM's input format: 2^-11 TF32,
/// 2^-8 BF16, 0 FP32.
double gemm_input_roundoff(GemmPrecision p);
/// A rigorous bound on |GEMM dot - CPU backend dot| of two unit rows of
/// `dim` floats, the GEMM's inputs rounded by round_to_gemm_input and summed
/// in FP32 in any order (tensor-core truncation allowed).
double gemm_error_bound(GemmPrecision p, uint32_t dim);
/// x rounded to nearest, ties to even, to the format's significand (TF32:
/// 10 bits after the point, BF16: 7), as a float; fp32 returns x.
float round_to_gemm_input(float x, GemmPrecision p);
/// round_to_gemm_input of every element.
std::vector<float> gemm_inputs(const std::vector<float>& unit, GemmPrecision p);
/// The largest float <= threshold - bound (-1 when that is <= -1): the
/// threshold of the GEMM pass.
float candidate_threshold(double threshold, double bound);
/// Re-checks candidates edges[first ..) (weights: their GEMM similarity, as
/// the cosine kernel writes them, already counted in hist): recomputes each
/// pair's similarity over `unit` with the CPU backend's arithmetic, moves
/// its count to the exact bin, and keeps it, with the exact weight, when it
/// reaches `threshold` (order kept). Returns the number of candidates.
uint64_t recheck_candidates(const float* unit, uint32_t dim, const kernels::HistSpec& spec,
                            double threshold, std::vector<Edge>& edges, std::size_t first,
                            std::vector<uint64_t>& hist);

/// Runs a computer through the tile scheduler with the options' budget,
/// tile, work directory, progress and threads.
Graph run_pairs(PairComputer& computer, const SimilarityOptions& opt, const char* label);

/// The empty histogram of embedding cosine: 2000 bins over [-1, 1].
Histogram embedding_histogram();

#if CLEAVE_HAVE_CUDA
/// CUDA: fingerprints resident on the device, the fused tile kernel
/// (fingerprint_kernel.hpp), two streams with pinned double-buffered output;
/// two tiles in flight (a pool of pipelines), sized by free device memory too.
std::unique_ptr<PairComputer> make_fingerprint_cuda(const Fingerprints& fps, Measure m,
                                                    double threshold);
/// CUDA: unit rows resident on the device, sgemm per slab then the fused
/// threshold kernel (cosine_kernel.hpp); two tiles in flight like the above.
/// precision: the GEMM's inputs; tf32 and bf16 re-check their candidates
/// (recheck_candidates), so edges and weights equal the CPU backend's.
std::unique_ptr<PairComputer> make_embedding_cuda(const EmbeddingSet& set, double threshold,
                                                  GemmPrecision precision = GemmPrecision::fp32);
/// cudaFuncGetAttributes on the fingerprint tile kernel, as a cudaError_t
/// value: fails when the build has no kernel image the device can run.
int probe_fingerprint_kernel();
#endif

}  // namespace cleave::similarity_detail
