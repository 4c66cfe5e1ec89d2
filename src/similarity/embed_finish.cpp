/// @file embed_finish.cpp
/// @brief Host side of the embedding-cosine kernel's float finish
/// (kernels/cosine_kernel.hpp): the smallest float of each histogram bin and
/// the float form of the threshold, found with the CPU backend's own double
/// binning so the kernel's bins and hits equal the CPU's.
#include <cmath>
#include <cstring>
#include <limits>

#include "cleave/error.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave::similarity_detail {

namespace {

/// Floats in increasing order as unsigned integers, and back.
uint32_t ordered(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}
float from_ordered(uint32_t o) {
  const uint32_t u = (o & 0x80000000u) ? o & 0x7fffffffu : ~o;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace

CosineFinishTables make_cosine_finish(const kernels::HistSpec& hist, double threshold) {
  CLEAVE_EXPECTS(hist.bins > 0 && hist.hi > hist.lo, "invalid histogram [{}, {}] with {} bins",
                 hist.lo, hist.hi, hist.bins);
  CosineFinishTables t;
  t.edge.assign(hist.bins, std::numeric_limits<float>::infinity());
  t.edge[0] = -1.f;
  const uint32_t lo = ordered(-1.f), hi = ordered(1.f);
  for (uint32_t k = 1; k < hist.bins; ++k) {
    if (hist.bin(1.0) < k) break;  // no similarity reaches bin k
    // Smallest float s in [-1, 1] with bin(s) >= k (bin is monotone in s).
    uint32_t a = lo, b = hi;
    while (a < b) {
      const uint32_t mid = a + (b - a) / 2;
      if (hist.bin(static_cast<double>(from_ordered(mid))) >= k) {
        b = mid;
      } else {
        a = mid + 1;
      }
    }
    t.edge[k] = from_ordered(a);
  }
  kernels::CosineFinish& f = t.view;
  f.edge = t.edge.data();
  f.bins = hist.bins;
  f.lo = static_cast<float>(hist.lo);
  f.scale = static_cast<float>(hist.bins / (hist.hi - hist.lo));
  float thr = static_cast<float>(threshold);
  if (static_cast<double>(thr) < threshold)
    thr = std::nextafter(thr, std::numeric_limits<float>::infinity());
  f.threshold = thr;
  return t;
}

}  // namespace cleave::similarity_detail
