/// @file embed_graph.cpp
/// @brief All-pairs embedding cosine through the tile scheduler on the
/// chosen backend (embed_cpu.cpp, embed_cuda.cu).
#include <cmath>

#include "cleave/embedding.hpp"
#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave {

using namespace similarity_detail;

Graph embedding_graph(const EmbeddingSet& set, const SimilarityOptions& opt) {
  CLEAVE_EXPECTS(opt.measure == Measure::cosine,
                 "measure '{}' does not apply to embeddings (use cosine)",
                 measure_name(opt.measure));
  CLEAVE_EXPECTS(std::isfinite(opt.threshold) && opt.threshold > 0,
                 "similarity threshold must be a positive number, got {}", opt.threshold);
  validate_embeddings(set);
  CLEAVE_EXPECTS(set.n < (uint64_t{1} << 32) - 1, "{} embeddings exceed the 32-bit node index",
                 set.n);
  std::unique_ptr<PairComputer> computer;
#if CLEAVE_HAVE_CUDA
  if (resolve_backend(opt.backend) == Backend::cuda)
    computer = make_embedding_cuda(set, opt.threshold, opt.gemm_precision);
#endif
  // The CPU backend computes in FP32 whatever opt.gemm_precision says: the
  // lower precisions exist to be faster on tensor cores, and their graph is
  // the FP32 one (embed_lowp.cpp), so this is the same graph.
  if (!computer) {
    if (opt.gemm_precision != GemmPrecision::fp32)
      warn(
          fmt::format("GEMM precision {} applies to the cuda backend; the cpu backend computes "
                      "in fp32 (the same graph)",
                      gemm_precision_name(opt.gemm_precision)));
    computer = make_embedding_cpu(set, opt.threshold);
  }
  Graph g = run_pairs(*computer, opt, "cosine");
  GraphMeta meta = g.meta();
  meta.parameters =
      fmt::format(R"({{"measure":"cosine","threshold":{},"dim":{}}})", opt.threshold, set.dim);
  g.set_meta(std::move(meta));
  return g;
}

}  // namespace cleave
