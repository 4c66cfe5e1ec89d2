/// @file partition_cover.cpp
/// @brief Exact minimum vertex cover of a bipartite graph: maximum matching
/// by Hopcroft & Karp ("An n^{5/2} algorithm for maximum matchings in
/// bipartite graphs", SIAM J. Comput. 1973), then König's theorem (König
/// 1931): with Z the vertices reachable from unmatched left vertices by
/// alternating paths, (L \ Z) + (R & Z) is a cover as large as the matching.
#include <algorithm>
#include <limits>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/partition.hpp"

namespace cleave {

namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

struct HopcroftKarp {
  uint32_t nl, nr;
  std::span<const uint64_t> off;
  std::span<const uint32_t> adj;
  std::vector<uint32_t> match_l, match_r, dist, queue;
  std::vector<uint64_t> next;  ///< per left vertex: next edge to try in this phase
  std::vector<uint32_t> stack;

  HopcroftKarp(uint32_t l, uint32_t r, std::span<const uint64_t> o, std::span<const uint32_t> a)
      : nl(l), nr(r), off(o), adj(a), match_l(l, kNone), match_r(r, kNone), dist(l), next(l) {}

  /// Layers the left vertices by alternating distance from the free ones;
  /// true when some free right vertex is reachable.
  bool layer() {
    queue.clear();
    for (uint32_t u = 0; u < nl; ++u) {
      dist[u] = match_l[u] == kNone ? 0 : kNone;
      if (dist[u] == 0) queue.push_back(u);
    }
    bool found = false;
    for (std::size_t h = 0; h < queue.size(); ++h) {
      const uint32_t u = queue[h];
      for (uint64_t e = off[u]; e < off[u + 1]; ++e) {
        const uint32_t w = match_r[adj[e]];
        if (w == kNone)
          found = true;
        else if (dist[w] == kNone) {
          dist[w] = dist[u] + 1;
          queue.push_back(w);
        }
      }
    }
    return found;
  }

  /// Depth-first search along the layers from a free left vertex, without
  /// recursion (paths can be as long as the graph); augments on success.
  bool augment(uint32_t root) {
    stack.assign(1, root);
    while (!stack.empty()) {
      const uint32_t u = stack.back();
      if (next[u] == off[u + 1]) {
        dist[u] = kNone;  // dead end for the rest of this phase
        stack.pop_back();
        continue;
      }
      const uint32_t v = adj[next[u]];
      const uint32_t w = match_r[v];
      if (w == kNone) {
        for (uint32_t x : stack) {
          const uint32_t y = adj[next[x]];
          match_l[x] = y;
          match_r[y] = x;
        }
        return true;
      }
      if (dist[w] != kNone && dist[w] == dist[u] + 1)
        stack.push_back(w);
      else
        ++next[u];
    }
    return false;
  }

  uint64_t run() {
    uint64_t size = 0;
    while (layer()) {
      for (uint32_t u = 0; u < nl; ++u) next[u] = off[u];
      for (uint32_t u = 0; u < nl; ++u)
        if (match_l[u] == kNone && augment(u)) ++size;
    }
    return size;
  }
};

}  // namespace

BipartiteCover min_vertex_cover(uint32_t n_left, uint32_t n_right,
                                std::span<const uint64_t> offsets, std::span<const uint32_t> adj) {
  CLEAVE_EXPECTS(offsets.size() == static_cast<std::size_t>(n_left) + 1,
                 "bipartite graph: {} offsets for {} left vertices", offsets.size(), n_left);
  CLEAVE_EXPECTS(offsets.back() == adj.size(), "bipartite graph: offsets end at {} of {} entries",
                 offsets.back(), adj.size());
  for (uint32_t r : adj)
    CLEAVE_EXPECTS(r < n_right, "bipartite graph: right vertex {} of {}", r, n_right);
  HopcroftKarp hk(n_left, n_right, offsets, adj);
  BipartiteCover cover;
  cover.matching = hk.run();

  // König: alternating reachability from the unmatched left vertices.
  std::vector<uint8_t> seen_l(n_left, 0), seen_r(n_right, 0);
  std::vector<uint32_t> todo;
  for (uint32_t u = 0; u < n_left; ++u)
    if (hk.match_l[u] == kNone) {
      seen_l[u] = 1;
      todo.push_back(u);
    }
  while (!todo.empty()) {
    const uint32_t u = todo.back();
    todo.pop_back();
    for (uint64_t e = offsets[u]; e < offsets[u + 1]; ++e) {
      const uint32_t v = adj[e];
      if (seen_r[v]) continue;
      seen_r[v] = 1;
      const uint32_t w = hk.match_r[v];  // never kNone: the matching is maximum
      if (w != kNone && !seen_l[w]) {
        seen_l[w] = 1;
        todo.push_back(w);
      }
    }
  }
  for (uint32_t u = 0; u < n_left; ++u)
    if (!seen_l[u] && offsets[u + 1] > offsets[u]) cover.left.push_back(u);
  for (uint32_t v = 0; v < n_right; ++v)
    if (seen_r[v]) cover.right.push_back(v);
  CLEAVE_EXPECTS(cover.left.size() + cover.right.size() == cover.matching,
                 "internal: König cover of {} for a matching of {}",
                 cover.left.size() + cover.right.size(), cover.matching);
  return cover;
}

}  // namespace cleave
