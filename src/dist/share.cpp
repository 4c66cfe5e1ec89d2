// broadcast_graph: the edges u < v, the ids and the meta, as bytes.
#include "dist/share.hpp"

#include "dist/bytes.hpp"

namespace cleave::dist {

void broadcast_graph(Graph& g) {
  if (size() < 2) return;
  Bytes b;
  if (is_root()) {
    Writer w;
    w.put<uint64_t>(g.num_nodes());
    const auto& ids = g.ids();
    w.put<uint64_t>(ids.size());
    for (const auto& id : ids) w.put_string(id);
    const GraphMeta& m = g.meta();
    w.put(m.measure);
    w.put(m.threshold);
    w.put(m.n_pairs);
    w.put(m.input_checksum);
    w.put(m.histogram.lo);
    w.put(m.histogram.hi);
    w.put_vector(m.histogram.counts);
    w.put_string(m.parameters);
    std::vector<Edge> edges;
    edges.reserve(g.num_edges());
    auto offs = g.offsets();
    auto cols = g.columns();
    auto wts = g.weights();
    for (uint64_t u = 0; u < g.num_nodes(); ++u)
      for (uint64_t e = offs[u]; e < offs[u + 1]; ++e)
        if (cols[e] > u)
          edges.push_back({static_cast<uint32_t>(u), static_cast<uint32_t>(cols[e]), wts[e]});
    w.put_vector(edges);
    b = w.take();
  }
  broadcast(b);
  if (is_root()) return;
  Reader r(b);
  const auto n = r.get<uint64_t>();
  std::vector<std::string> ids(r.get<uint64_t>());
  for (auto& id : ids) id = r.get_string();
  GraphMeta m;
  m.measure = r.get<Measure>();
  m.threshold = r.get<double>();
  m.n_pairs = r.get<uint64_t>();
  m.input_checksum = r.get<uint64_t>();
  m.histogram.lo = r.get<double>();
  m.histogram.hi = r.get<double>();
  m.histogram.counts = r.get_vector<uint64_t>();
  m.parameters = r.get_string();
  g = Graph::from_edges(n, r.get_vector<Edge>(), std::move(m), std::move(ids));
}

}  // namespace cleave::dist
