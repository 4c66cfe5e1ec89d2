/// @file partition_metis.cpp
/// @brief The two graph primitives of the min-cut partitioner: a seeded METIS
/// bisection of an induced subgraph with target part weights (Karypis &
/// Kumar, "A fast and high quality multilevel scheme for partitioning
/// irregular graphs", SIAM J. Sci. Comput. 1998), and the overlap of an
/// assignment measured with the SPECTRA sweep's own per-node terms.
#include <algorithm>
#include <limits>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/partition.hpp"
#include "kernels/mis.hpp"
#include "split/partition_internal.hpp"

namespace cleave {

namespace detail {

MetisBisector::MetisBisector(const Graph& g, std::span<const uint32_t> nodes) {
  const std::size_t n = nodes.size();
  CLEAVE_EXPECTS(n < static_cast<std::size_t>(std::numeric_limits<idx_t>::max()),
                 "METIS: {} nodes exceed its index type", n);
  constexpr uint32_t kOut = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> local(g.num_nodes(), kOut);
  for (std::size_t i = 0; i < n; ++i) local[nodes[i]] = static_cast<uint32_t>(i);
  const auto offs = g.offsets();
  const auto cols = g.columns();
  xadj_.assign(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const uint32_t v = nodes[i];
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
      const uint32_t j = local[cols[e]];
      if (j == kOut) continue;
      CLEAVE_EXPECTS(adjncy_.size() < static_cast<std::size_t>(std::numeric_limits<idx_t>::max()),
                     "METIS: the component has more edges than its index type holds");
      adjncy_.push_back(static_cast<idx_t>(j));
    }
    xadj_[i + 1] = static_cast<idx_t>(adjncy_.size());
  }
}

int64_t MetisBisector::bisect(double share, uint64_t seed, std::vector<uint8_t>& part) const {
  const std::size_t n = size();
  part.assign(n, 0);
  if (n < 2) return 0;
  std::vector<idx_t> adjncy = adjncy_;  // METIS takes non-const pointers
  std::vector<idx_t> xadj = xadj_;
  if (adjncy.empty()) adjncy.push_back(0);  // METIS reads adjncy[0] even with no edges
  idx_t nvtxs = static_cast<idx_t>(n), ncon = 1, nparts = 2, edgecut = 0;
  const double s = std::clamp(share, 1e-4, 1.0 - 1e-4);
  real_t tpwgts[2] = {static_cast<real_t>(1.0 - s), static_cast<real_t>(s)};
  real_t ubvec[1] = {static_cast<real_t>(1.01)};
  idx_t options[METIS_NOPTIONS];
  METIS_SetDefaultOptions(options);
  options[METIS_OPTION_NUMBERING] = 0;
  options[METIS_OPTION_SEED] = static_cast<idx_t>(seed & 0x3fffffffU);
  // Random matching when coarsening (METIS_CTYPE_RM) instead of METIS's
  // default sorted heavy-edge matching: the graphs are unweighted, where
  // heavy-edge matching only breaks ties, and the random matchings give the
  // separator refinement starts that end with more samples kept (NCI-5k at
  // Tanimoto >= 0.3, seeds 42 to 51: 4,733.9 kept on average against
  // 4,729.9; bench/RESULTS.md, issue 11).
  options[METIS_OPTION_CTYPE] = METIS_CTYPE_RM;
  std::vector<idx_t> out(n, 0);
  const int rc =
      METIS_PartGraphRecursive(&nvtxs, &ncon, xadj.data(), adjncy.data(), nullptr, nullptr, nullptr,
                               &nparts, tpwgts, ubvec, options, &edgecut, out.data());
  if (rc == METIS_ERROR_MEMORY) CLEAVE_FAIL(out_of_memory, "METIS ran out of memory");
  CLEAVE_EXPECTS(rc == METIS_OK, "METIS_PartGraphRecursive failed (status {}) on {} nodes", rc, n);
  for (std::size_t i = 0; i < n; ++i) part[i] = out[i] == 1 ? 1 : 0;
  return edgecut;
}

}  // namespace detail

Overlap measure_overlap(const Graph& g, std::span<const int8_t> side) {
  CLEAVE_EXPECTS(side.size() == g.num_nodes(), "{} sides for a graph of {} nodes", side.size(),
                 g.num_nodes());
  const kernels::OverlapOf term{g.offsets().data(), g.columns().data(), g.weights().data(),
                                side.data(), kTrain};
  uint64_t n_test = 0, n_train = 0, touching = 0;
  double sum_max = 0, sum_all = 0;
  for (uint64_t v = 0; v < side.size(); ++v) {
    if (side[v] == kTrain) ++n_train;
    if (side[v] != kTest) continue;
    ++n_test;
    const kernels::OverlapTerm t = term(static_cast<uint32_t>(v));
    touching += t.touches;
    sum_max += t.maxsim;
    sum_all += t.sumsim;
  }
  Overlap o;
  if (n_test > 0) {
    o.frac = static_cast<double>(touching) / static_cast<double>(n_test);
    o.maxsim = sum_max / static_cast<double>(n_test);
    if (n_train > 0)
      o.meansim = sum_all / (static_cast<double>(n_train) * static_cast<double>(n_test));
  }
  return o;
}

}  // namespace cleave
