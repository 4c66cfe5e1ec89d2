#pragma once
/// @file mis.hpp
/// @brief Per-node and per-edge logic of the SPECTRA split, shared by the
/// OpenMP and CUDA Thrust systems (CLEAVE_HD functors over raw pointers).
///
/// The kept set is the lexicographically-first maximal independent set (LFMIS)
/// of the graph of "active" edges under a random node order, computed in
/// parallel rounds as in Blelloch, Fineman & Shun, "Greedy sequential maximal
/// independent set and matching are parallel on average", SPAA 2012: a node
/// joins the set once every earlier active neighbour is out, and leaves it as
/// soon as one earlier active neighbour is in. Every random number is a
/// counter_hash of (seed, stream, node or edge, p), so the result does not
/// depend on the schedule, the thread count or the backend.
#include <cstdint>

#include "kernels/hash.hpp"
#include "kernels/macros.hpp"

namespace cleave::kernels {

/// Hash streams: one per use, so draws never collide.
inline constexpr uint64_t kStreamOrder = 0x6f72646572ULL;  // node ranks
inline constexpr uint64_t kStreamEdge = 0x65646765ULL;     // edge coins
inline constexpr uint64_t kStreamTest = 0x74657374ULL;     // train/test draw

/// Node status during the rounds.
enum : uint8_t { kUndecided = 0, kIn = 1, kOut = 2, kAbsent = 3 };

/// The spectral parameter as an integer key (micro-units) for hashing.
CLEAVE_HD CLEAVE_INLINE uint64_t p_key_of(double p) {
  return static_cast<uint64_t>(static_cast<int64_t>(p * 1e6 + (p >= 0 ? 0.5 : -0.5)));
}

/// True when node u (key ku) comes before node v (key kv) in the random order.
CLEAVE_HD CLEAVE_INLINE bool ranked_before(uint64_t ku, uint32_t u, uint64_t kv, uint32_t v) {
  return ku < kv || (ku == kv && u < v);
}

/// @brief Random rank key of a node.
struct NodeKey {
  uint64_t seed, p_key;
  CLEAVE_HD uint64_t operator()(uint32_t v) const {
    return counter_hash(seed, kStreamOrder, v, p_key);
  }
};

/// @brief Random key of a kept single; the smallest keys go to test.
struct TestKey {
  uint64_t seed, p_key;
  CLEAVE_HD uint64_t operator()(uint32_t v) const {
    return counter_hash(seed, kStreamTest, v, p_key);
  }
};

/// @brief Whether the deletion along edge (u, v) would happen.
///
/// Binary: with probability p (always at p >= 1, never at p <= 0). Weighted:
/// always at p == 1; otherwise with probability p and only when the edge's
/// percentile rank among all pair similarities exceeds (1 - p) * 100.
struct EdgeActivity {
  enum Mode : uint32_t { never = 0, always = 1, coin = 2, coin_and_rank = 3 };
  uint64_t seed = 0;
  uint64_t p_shift = 0;  ///< p_key << 32, mixed into the edge counter
  double p = 0;
  double rank_floor = 0;        ///< (1 - p) * 100
  const double* pct = nullptr;  ///< percentile per CSR entry (weighted)
  Mode mode = never;

  static EdgeActivity make(double p, uint64_t seed, bool weighted, const double* pct) {
    EdgeActivity a;
    a.seed = seed;
    a.p = p;
    a.p_shift = p_key_of(p) << 32;
    a.rank_floor = (1.0 - p) * 100.0;
    a.pct = pct;
    if (weighted) {
      a.mode = p == 1.0 ? always : coin_and_rank;
    } else {
      a.mode = p >= 1.0 ? always : (p <= 0.0 ? never : coin);
    }
    return a;
  }
  /// Edge between u and v stored at CSR entry e (either direction).
  CLEAVE_HD bool operator()(uint32_t u, uint32_t v, uint64_t e) const {
    if (mode == always) return true;
    if (mode == never) return false;
    if (mode == coin_and_rank && !(rank_floor < pct[e])) return false;
    uint32_t lo = u < v ? u : v;
    uint32_t hi = u < v ? v : u;
    return to_unit(counter_hash(seed, kStreamEdge, lo, static_cast<uint64_t>(hi) ^ p_shift)) < p;
  }
};

/// @brief One Jacobi round of the parallel LFMIS for node v: reads the
/// statuses of the previous round and returns v's new status.
///
/// cursor[v] (initially offsets[v]) is the first row entry that may still
/// matter: every entry before it is a later or inactive neighbour, or one that
/// is out or absent, none of which can change. A round resumes at the cursor
/// and stops at the first earlier active neighbour that is still undecided
/// (v must wait for it anyway), so each row entry is examined O(1) times over
/// the whole split instead of once per round.
struct MisDecide {
  const uint64_t* offsets;
  const uint32_t* columns;
  const uint8_t* status;
  const uint64_t* key;
  uint64_t* cursor;
  EdgeActivity active;

  CLEAVE_HD uint8_t operator()(uint32_t v) const {
    if (active.mode == EdgeActivity::never) return kIn;  // no edge can delete anyone
    const uint64_t kv = key[v];
    const uint64_t end = offsets[v + 1];
    for (uint64_t e = cursor[v]; e < end; ++e) {
      const uint32_t u = columns[e];
      const uint8_t s = status[u];
      if (s == kOut || s == kAbsent) continue;
      if (!ranked_before(key[u], u, kv, v)) continue;
      if (!active(u, v, e)) continue;
      if (s == kIn) return kOut;
      cursor[v] = e;  // blocked by an undecided earlier neighbour: wait for it
      return kUndecided;
    }
    return kIn;
  }
};

/// @brief True for a node whose status equals `value`.
struct HasStatus {
  const uint8_t* status;
  uint8_t value;
  CLEAVE_HD bool operator()(uint32_t v) const { return status[v] == value; }
};

/// @brief Sets side[v] = value.
struct SetSide {
  int8_t* side;
  int8_t value;
  CLEAVE_HD void operator()(uint32_t v) const { side[v] = value; }
};

/// @brief Overlap contribution of one test node: does it touch train, the
/// largest similarity to train, and the sum of similarities to train.
struct OverlapTerm {
  double maxsim;
  double sumsim;
  uint32_t touches;
};

struct OverlapOf {
  const uint64_t* offsets;
  const uint32_t* columns;
  const float* weights;
  const int8_t* side;
  int8_t train;
  CLEAVE_HD OverlapTerm operator()(uint32_t v) const {
    OverlapTerm t{0.0, 0.0, 0u};
    for (uint64_t e = offsets[v], end = offsets[v + 1]; e < end; ++e) {
      if (side[columns[e]] != train) continue;
      const double w = weights[e];
      t.maxsim = (t.touches == 0u || w > t.maxsim) ? w : t.maxsim;
      t.sumsim += w;
      t.touches = 1u;
    }
    return t;
  }
};

}  // namespace cleave::kernels
