/// @file fingerprint.cpp
/// @brief All-pairs bit-fingerprint similarity: picks the backend's
/// PairComputer (fp_cpu.cpp, fp_cuda.cu) and runs it through the tile
/// scheduler, which records the histogram of every pair.
#include <cmath>

#include "cleave/error.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave {

using namespace similarity_detail;

double fingerprint_similarity(Measure m, const uint64_t* a, const uint64_t* b, uint32_t words) {
  const kernels::BitMeasure kind = bit_measure(m);
  uint32_t c = 0;
  kernels::BitCommonAccumulate acc;
  for (uint32_t w = 0; w < words; ++w) acc.accumulate(c, a[w], b[w]);
  const uint32_t na = popcount_row(a, words), nb = popcount_row(b, words);
  return kernels::with_bit_measure(kind, [&](auto op) { return op.finish(na, nb, c); });
}

Graph fingerprint_graph(const Fingerprints& fps, const SimilarityOptions& opt) {
  (void)bit_measure(opt.measure);  // rejects measures that do not apply
  CLEAVE_EXPECTS(std::isfinite(opt.threshold) && opt.threshold > 0,
                 "similarity threshold must be a positive number, got {}", opt.threshold);
  const uint64_t n = fps.size();
  CLEAVE_EXPECTS(n > 0, "no fingerprints to compare");
  CLEAVE_EXPECTS(fps.words_per_fp > 0 && fps.words.size() == n * fps.words_per_fp,
                 "fingerprint words do not form whole rows");
  CLEAVE_EXPECTS(n < (uint64_t{1} << 32) - 1, "{} fingerprints exceed the 32-bit node index", n);

  std::unique_ptr<PairComputer> computer;
#if CLEAVE_HAVE_CUDA
  if (resolve_backend(opt.backend) == Backend::cuda)
    computer = make_fingerprint_cuda(fps, opt.measure, opt.threshold);
#endif
  if (!computer)
    computer = make_fingerprint_cpu(fps, opt.measure, opt.threshold, simd_path_selected());
  Graph g = run_pairs(*computer, opt, "similarity");
  GraphMeta meta = g.meta();
  meta.parameters = fmt::format(R"({{"measure":"{}","threshold":{},"n_bits":{}}})",
                                measure_name(opt.measure), opt.threshold, fps.n_bits);
  g.set_meta(std::move(meta));
  return g;
}

}  // namespace cleave
