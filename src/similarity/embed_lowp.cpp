/// @file embed_lowp.cpp
/// @brief Lower-precision GEMM for embedding cosine with an exact re-check:
/// the error bound of a TF32 or BF16 dot product of two unit rows against
/// the CPU backend's FP32 one, the candidate threshold it gives, the input
/// rounding, and the re-check of candidates in the CPU backend's own
/// arithmetic (what embed_cuda.cu calls after each tile, and what the tests
/// call on an emulated GEMM).
///
/// The bound. x, y are two unit rows as stored (floats from unit_rows: each
/// element is the double quotient rounded once, so |x|_2 <= nu = 1 + 2^-23),
/// n = dim. Notation of Higham, "Accuracy and Stability of Numerical
/// Algorithms", 2nd ed. (SIAM 2002), sec. 3.1 and Lemma 3.1:
/// gamma_h(u) = h u / (1 - h u).
///
///  d    = x.y, the exact real dot product.
///  dc   = the CPU backend's float: element k goes to lane k % 8 by FMA, then
///         three levels of pairwise adds; each product passes through at most
///         ceil(n/8) + 3 roundings to nearest, so (Higham eq. (3.5) for any
///         order) |dc - d| <= gamma_{ceil(n/8)+3}(2^-24) sum|x_k y_k|
///         <= gamma_{ceil(n/8)+3}(2^-24) nu^2 (Cauchy-Schwarz).
///  x^   = x rounded to the GEMM's input format to nearest (round_to_gemm_input,
///         done here on the host, so the device only sees representable
///         values): |x^_k - x_k| <= u |x_k| + eta, u = 2^-11 (TF32, 11
///         significant bits) or 2^-8 (BF16, 8 bits), eta = 2^-126 for inputs
///         below the normal range (also if the hardware flushes them to 0).
///         Then |sum x^_k y^_k - d| <= (2u + u^2) nu^2 + 2 eta (1 + u) sqrt(n)
///         nu + n eta^2 (expand x^ y^ - x y; |x|_1 <= sqrt(n) |x|_2).
///  dg   = the GPU's float sum of the products x^_k y^_k. Each product is
///         exact in FP32 (11 + 11 or 8 + 8 significant bits <= 24), except
///         below 2^-126 (error <= 2^-126 each). cuBLAS does not document its
///         summation order, and tensor cores accumulate with truncation and
///         align the terms of a block to the largest before adding (Fasi,
///         Higham, Mikaitis and Pranesh, "Numerical behavior of NVIDIA tensor
///         cores", PeerJ Comput. Sci. 7:e330, 2021), so we allow any order
///         and each step an error of 2^-22 (four times FP32's unit roundoff
///         for rounding to nearest: truncation gives < 2^-23, and a block of
///         k terms aligned to the largest loses < (k + 1) 2^-23 of the block's
///         absolute sum, at most half a step per term more than a chain of
///         additions), over at most n + 32 steps per term (a summation tree
///         of depth n - 1, split-K partial sums and the blocks' extra
///         alignment): |dg - sum x^ y^| <= gamma_{n+32}(2^-22) sum|x^_k y^_k|
///         + n 2^-126, with sum|x^ y^| <= (1 + u)^2 nu^2 + 2 eta (1 + u)
///         sqrt(n) nu + n eta^2.
///
/// B = the sum of these three terms plus n 2^-126 for underflow on the CPU
/// side, inflated by a factor 1 + 2^-20 and 2^-40 for the double arithmetic
/// that evaluates it. |dg - dc| <= B, and clamping to [-1, 1] does not
/// increase a difference, so a pair the CPU makes an edge (clamp(dc) >=
/// threshold) has clamp(dg) >= threshold - B. For dim 1024: B = 1.24e-3
/// (TF32), 8.09e-3 (BF16); the terms in u dominate.
///
/// The GPU pass thresholds at the largest float <= threshold - B; every pair
/// it passes is a candidate, recomputed here with the CPU backend's dot
/// product (cosine_dots), finish and bins, and kept when the CPU would keep
/// it, with the CPU's weight. So the edges and their weights are the CPU
/// backend's to the bit. The histogram: every candidate is moved from the
/// bin of its GEMM similarity to the bin of its exact one; pairs below the
/// candidate threshold keep the bin of their GEMM similarity (within B of
/// the exact one). All pairs at or above the threshold are candidates, so
/// the total and every bin whose lower edge is >= the threshold equal the
/// CPU backend's; lower bins may differ (re-checking every pair whose bin
/// could move would re-check nearly all pairs, since B spans one to eight
/// bins of 0.001).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "cleave/error.hpp"
#include "kernels/cosine_ops.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave {

const char* gemm_precision_name(GemmPrecision p) {
  switch (p) {
    case GemmPrecision::fp32:
      return "fp32";
    case GemmPrecision::tf32:
      return "tf32";
    case GemmPrecision::bf16:
      return "bf16";
  }
  return "unknown";
}

GemmPrecision gemm_precision_from_name(const std::string& name) {
  if (name == "fp32") return GemmPrecision::fp32;
  if (name == "tf32") return GemmPrecision::tf32;
  if (name == "bf16") return GemmPrecision::bf16;
  CLEAVE_FAIL(invalid_argument, "unknown GEMM precision '{}' (expected fp32, tf32 or bf16)", name);
}

}  // namespace cleave

namespace cleave::similarity_detail {

namespace {

/// Higham's gamma_h(u); infinity where h u >= 1/2 (no useful bound).
double gamma(double h, double u) {
  const double hu = h * u;
  return hu < 0.5 ? hu / (1.0 - hu) : std::numeric_limits<double>::infinity();
}

/// Significand bits kept (after the point) by an input format.
int kept_bits(GemmPrecision p) {
  switch (p) {
    case GemmPrecision::tf32:
      return 10;
    case GemmPrecision::bf16:
      return 7;
    case GemmPrecision::fp32:
      break;
  }
  return 23;
}

}  // namespace

double gemm_input_roundoff(GemmPrecision p) {
  return p == GemmPrecision::fp32 ? 0.0 : std::ldexp(1.0, -(kept_bits(p) + 1));
}

double gemm_error_bound(GemmPrecision p, uint32_t dim) {
  const double n = dim;
  const double u = gemm_input_roundoff(p);
  const double nu = 1.0 + 0x1p-23;
  const double eta = p == GemmPrecision::fp32 ? 0.0 : 0x1p-126;
  const double l1 = std::sqrt(n) * nu;
  const double input = (2 * u + u * u) * nu * nu + 2 * eta * (1 + u) * l1 + n * eta * eta;
  const double abs_sum = (1 + u) * (1 + u) * nu * nu + 2 * eta * (1 + u) * l1 + n * eta * eta;
  const double gpu = gamma(n + 32, 0x1p-22) * abs_sum;
  const double cpu = gamma(std::ceil(n / 8) + 3, 0x1p-24) * nu * nu;
  const double underflow = 2 * n * 0x1p-126;
  return (input + gpu + cpu + underflow) * (1 + 0x1p-20) + 0x1p-40;
}

float round_to_gemm_input(float x, GemmPrecision p) {
  const int drop = 23 - kept_bits(p);
  if (drop == 0 || !std::isfinite(x)) return x;
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  // Round to nearest, ties to even, on the bit pattern (as __float2bfloat16_rn
  // and cvt.rn.tf32.f32 do); a carry into the exponent is the correct result.
  const uint32_t half = uint32_t{1} << (drop - 1);
  b += half - 1 + ((b >> drop) & 1u);
  b &= ~((uint32_t{1} << drop) - 1);
  float r;
  std::memcpy(&r, &b, sizeof r);
  return r;
}

std::vector<float> gemm_inputs(const std::vector<float>& unit, GemmPrecision p) {
  std::vector<float> out(unit.size());
  std::transform(unit.begin(), unit.end(), out.begin(),
                 [p](float x) { return round_to_gemm_input(x, p); });
  return out;
}

float candidate_threshold(double threshold, double bound) {
  const double lo = threshold - bound;
  if (!(lo > -1.0)) return -1.f;  // every similarity is >= -1 after the clamp
  float c = static_cast<float>(lo);
  if (static_cast<double>(c) > lo) c = std::nextafter(c, -std::numeric_limits<float>::infinity());
  return c;
}

uint64_t recheck_candidates(const float* unit, uint32_t dim, const kernels::HistSpec& spec,
                            double threshold, std::vector<Edge>& edges, std::size_t first,
                            std::vector<uint64_t>& hist) {
  CLEAVE_EXPECTS(hist.size() == spec.bins, "histogram of {} bins, expected {}", hist.size(),
                 spec.bins);
  std::size_t kept = first;
  for (std::size_t k = first; k < edges.size(); ++k) {
    const Edge e = edges[k];
    float dot = 0;
    cosine_dots(unit + uint64_t{e.u} * dim, unit + uint64_t{e.v} * dim, 1, dim, &dot);
    const double s = kernels::EmbeddingCosineOp::finish(dot);
    uint64_t& from = hist[spec.bin(static_cast<double>(e.w))];
    CLEAVE_EXPECTS(from > 0, "a candidate ({}, {}) is missing from its histogram bin", e.u, e.v);
    --from;
    ++hist[spec.bin(s)];
    if (s >= threshold) edges[kept++] = Edge{e.u, e.v, static_cast<float>(s)};
  }
  const uint64_t candidates = edges.size() - first;
  edges.resize(kept);
  return candidates;
}

}  // namespace cleave::similarity_detail
