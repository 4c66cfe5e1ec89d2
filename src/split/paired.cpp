/// @file paired.cpp
/// @brief Paired data (paired.hpp): reading pairs, the entity sweeps lifted
/// to pairs, and the pair-level overlap.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/paired.hpp"
#include "cleave/util.hpp"
#include "eval/text.hpp"
#include "io/morgan.hpp"

namespace cleave {

namespace {

namespace fs = std::filesystem;
using detail::eval::LineReader;
using detail::eval::split_csv;
using detail::eval::trim;

[[noreturn]] void format_error(const fs::path& f, std::size_t line, const std::string& what) {
  throw error(errc::format, fmt::format("{}:{}: {}", f.string(), line, what));
}

std::size_t column(const std::vector<std::string>& header, const std::string& name,
                   const fs::path& f) {
  for (std::size_t k = 0; k < header.size(); ++k)
    if (trim(header[k]) == name) return k;
  format_error(f, 1, fmt::format("no column '{}' in the header", name));
}

std::size_t optional_column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t k = 0; k < header.size(); ++k)
    if (trim(header[k]) == name) return k;
  return header.size();
}

/// Test fraction of each entity for a cold-both pair test fraction t:
/// f^2 / (f^2 + (1 - f)^2) = t.
double entity_fraction_for_both(double t) {
  const double r = std::sqrt(t / (1.0 - t));
  return r / (1.0 + r);
}

/// Per entity: how many pairs of each side it has.
struct SideCounts {
  std::vector<uint64_t> train, test;
};

SideCounts count_sides(const std::vector<uint32_t>& entity, std::size_t n_entities,
                       const std::vector<int8_t>& side) {
  SideCounts c{std::vector<uint64_t>(n_entities, 0), std::vector<uint64_t>(n_entities, 0)};
  for (std::size_t p = 0; p < entity.size(); ++p) {
    if (side[p] == kTrain) ++c.train[entity[p]];
    if (side[p] == kTest) ++c.test[entity[p]];
  }
  return c;
}

/// Per entity: the largest similarity to an entity with a train pair (1
/// when it has a train pair itself; 0 without any).
std::vector<double> best_train(const Graph& g, const SideCounts& c) {
  std::vector<double> best(g.num_nodes(), 0.0);
  const auto off = g.offsets();
  const auto col = g.columns();
  const auto w = g.weights();
  for (uint64_t v = 0; v < g.num_nodes(); ++v) {
    if (c.train[v] > 0) best[v] = 1.0;
    for (uint64_t e = off[v]; e < off[v + 1]; ++e)
      if (c.train[col[e]] > 0) best[v] = std::max(best[v], static_cast<double>(w[e]));
  }
  return best;
}

/// Sum over (test pair, train pair) of the similarity of their entities on
/// one side (1 for a shared entity).
double summed_similarity(const Graph& g, const SideCounts& c) {
  const auto off = g.offsets();
  const auto col = g.columns();
  const auto w = g.weights();
  double sum = 0;
  for (uint64_t v = 0; v < g.num_nodes(); ++v) {
    if (c.test[v] == 0) continue;
    double row = static_cast<double>(c.train[v]);
    for (uint64_t e = off[v]; e < off[v + 1]; ++e)
      row += static_cast<double>(w[e]) * static_cast<double>(c.train[col[e]]);
    sum += row * static_cast<double>(c.test[v]);
  }
  return sum;
}

/// Weight of edge (u, v) of g, 1 when u == v, 0 without an edge.
double edge_weight(const Graph& g, uint32_t u, uint32_t v) {
  if (u == v) return 1.0;
  const auto off = g.offsets();
  const auto col = g.columns();
  const auto* b = col.data() + off[u];
  const auto* e = col.data() + off[u + 1];
  const auto* it = std::lower_bound(b, e, v);
  return it != e && *it == v
             ? static_cast<double>(g.weights()[static_cast<std::size_t>(it - col.data())])
             : 0.0;
}

/// The pair-level overlap of a split whose sides are set.
Overlap pair_overlap(const PairedData& d, const Graph* gd, const Graph* gt, ColdSide cold,
                     const std::vector<int8_t>& side, uint64_t n_train, uint64_t n_test) {
  Overlap o;
  if (n_test == 0) return o;
  const bool use_d = cold != ColdSide::target, use_t = cold != ColdSide::drug;
  SideCounts cd, ct;
  std::vector<double> bd, bt;
  if (use_d) {
    cd = count_sides(d.drug, d.drug_ids.size(), side);
    bd = best_train(*gd, cd);
  }
  if (use_t) {
    ct = count_sides(d.target, d.targets.size(), side);
    bt = best_train(*gt, ct);
  }
  uint64_t touching = 0;
  double sum_max = 0;
  for (std::size_t p = 0; p < side.size(); ++p) {
    if (side[p] != kTest) continue;
    double m = 0;
    if (use_d) m = std::max(m, bd[d.drug[p]]);
    if (use_t) m = std::max(m, bt[d.target[p]]);
    touching += m > 0;
    sum_max += m;
  }
  const auto nt = static_cast<double>(n_test);
  o.frac = static_cast<double>(touching) / nt;
  o.maxsim = sum_max / nt;
  if (n_train == 0) return o;
  // Mean over train x test pairs of max(drug similarity, target similarity):
  // the two sums, less the pairs similar on both sides counted twice
  // (max(a, b) = a + b - min(a, b)).
  double sum = 0;
  if (use_d) sum += summed_similarity(*gd, cd);
  if (use_t) sum += summed_similarity(*gt, ct);
  if (use_d && use_t) {
    // Train pairs by drug, to enumerate those similar to a test pair's drug.
    std::vector<std::vector<uint32_t>> train_of_drug(d.drug_ids.size());
    for (uint32_t p = 0; p < side.size(); ++p)
      if (side[p] == kTrain) train_of_drug[d.drug[p]].push_back(p);
    const auto off = gd->offsets();
    const auto col = gd->columns();
    const auto w = gd->weights();
    for (uint32_t p = 0; p < side.size(); ++p) {
      if (side[p] != kTest) continue;
      const uint32_t dp = d.drug[p];
      const auto visit = [&](uint32_t drug2, double wd) {
        for (uint32_t q : train_of_drug[drug2]) {
          const double wt = edge_weight(*gt, d.target[p], d.target[q]);
          if (wt > 0) sum -= std::min(wd, wt);
        }
      };
      visit(dp, 1.0);
      for (uint64_t e = off[dp]; e < off[dp + 1]; ++e) visit(col[e], static_cast<double>(w[e]));
    }
  }
  o.meansim = sum / (static_cast<double>(n_train) * nt);
  return o;
}

}  // namespace

const char* cold_side_name(ColdSide c) {
  switch (c) {
    case ColdSide::target:
      return "target";
    case ColdSide::both:
      return "both";
    default:
      return "drug";
  }
}

ColdSide cold_side_from_name(const std::string& name) {
  if (name == "drug") return ColdSide::drug;
  if (name == "target") return ColdSide::target;
  if (name == "both") return ColdSide::both;
  CLEAVE_FAIL(invalid_argument, "cold side must be drug, target or both, got '{}'", name);
}

PairedData read_paired(const fs::path& csv, const PairedReadOptions& opt) {
  LineReader in(csv);
  std::string line;
  if (!in.next(line)) format_error(csv, 1, "the file is empty");
  const auto header = split_csv(line);
  if (!header) format_error(csv, 1, "unterminated quote in the header");
  const std::size_t dc = column(*header, opt.drug_column, csv);
  const std::size_t tc = column(*header, opt.target_column, csv);
  const std::size_t ic =
      opt.id_column.empty() ? optional_column(*header, "id") : column(*header, opt.id_column, csv);
  const std::size_t lc = opt.label_column == "-"    ? header->size()
                         : opt.label_column.empty() ? optional_column(*header, "label")
                                                    : column(*header, opt.label_column, csv);
  PairedData d;
  if (lc < header->size()) d.pairs.label_name = std::string(trim((*header)[lc]));
  std::unordered_map<std::string, uint32_t> drugs, targets, pair_ids;
  std::vector<std::string> target_text;  // inline sequences, in first-seen order
  std::vector<std::size_t> drug_line;
  Sequences fasta;
  std::unordered_map<std::string, uint32_t> fasta_index;
  if (!opt.target_fasta.empty()) {
    fasta = read_fasta(opt.target_fasta);
    for (uint32_t k = 0; k < fasta.size(); ++k) fasta_index.emplace(fasta.samples.ids[k], k);
  }
  std::vector<uint32_t> fasta_of_target;
  while (in.next(line)) {
    if (trim(line).empty()) continue;
    const auto f = split_csv(line);
    if (!f) format_error(csv, in.line_no(), "unterminated quote");
    const std::size_t need =
        std::max({dc, tc, ic == header->size() ? 0 : ic, lc == header->size() ? 0 : lc});
    if (f->size() <= need)
      format_error(csv, in.line_no(),
                   fmt::format("{} fields, the header has {}", f->size(), header->size()));
    const std::string id = ic < header->size() ? std::string(trim((*f)[ic]))
                                               : fmt::format("r{}", d.pairs.ids.size() + 1);
    if (id.empty()) format_error(csv, in.line_no(), "empty pair id");
    if (!pair_ids.emplace(id, static_cast<uint32_t>(d.pairs.ids.size())).second)
      format_error(csv, in.line_no(), fmt::format("pair id '{}' appears twice", id));
    const std::string smiles(trim((*f)[dc]));
    const std::string target(trim((*f)[tc]));
    if (smiles.empty()) format_error(csv, in.line_no(), "empty SMILES");
    if (target.empty()) format_error(csv, in.line_no(), "empty target");
    auto [di, dnew] = drugs.emplace(smiles, static_cast<uint32_t>(d.drug_ids.size()));
    if (dnew) {
      d.drug_ids.push_back(smiles);
      drug_line.push_back(in.line_no());
    }
    auto [ti, tnew] = targets.emplace(target, static_cast<uint32_t>(targets.size()));
    if (tnew) {
      if (!opt.target_fasta.empty()) {
        const auto it = fasta_index.find(target);
        if (it == fasta_index.end())
          format_error(csv, in.line_no(),
                       fmt::format("target '{}' is not in {}", target, opt.target_fasta.string()));
        fasta_of_target.push_back(it->second);
      } else {
        target_text.push_back(target);
      }
    }
    d.pairs.ids.push_back(id);
    d.drug.push_back(di->second);
    d.target.push_back(ti->second);
    if (lc < header->size()) {
      const auto v = detail::eval::parse_double((*f)[lc]);
      if (!v) format_error(csv, in.line_no(), fmt::format("label '{}' is not a number", (*f)[lc]));
      d.pairs.labels.push_back(*v);
    }
  }
  CLEAVE_EXPECTS(!d.pairs.ids.empty(), "{}: no pairs", csv.string());
  // Drugs: Morgan fingerprints, an unparseable SMILES named by its first line.
  d.drug_fps.n_bits = opt.n_bits;
  d.drug_fps.words_per_fp = (opt.n_bits + 63) / 64;
  d.drug_fps.words.assign(d.drug_ids.size() * d.drug_fps.words_per_fp, 0);
  std::vector<std::string> failure;
  {
    const io_detail::RdkitQuiet quiet;
    io_detail::morgan_batch(d.drug_ids, opt.radius, opt.n_bits, d.drug_fps.words_per_fp,
                            d.drug_fps.words.data(), failure);
  }
  for (std::size_t k = 0; k < failure.size(); ++k)
    if (!failure[k].empty())
      format_error(csv, drug_line[k], fmt::format("SMILES '{}': {}", d.drug_ids[k], failure[k]));
  // Targets: the FASTA's records in first-use order, or the inline sequences.
  if (!opt.target_fasta.empty()) {
    std::vector<std::string> ids, seqs;
    for (uint32_t k : fasta_of_target) {
      ids.push_back(fasta.samples.ids[k]);
      seqs.push_back(fasta.letters(k));
    }
    FastaReadOptions fo;
    fo.alphabet = fasta.alphabet;
    d.targets = sequences_from_strings(ids, seqs, fo);
  } else {
    std::vector<std::string> ids;
    for (std::size_t k = 0; k < target_text.size(); ++k) ids.push_back(fmt::format("t{}", k + 1));
    d.targets = sequences_from_strings(ids, target_text);
  }
  d.pairs.checksum = checksum_file(csv);
  return d;
}

std::vector<SplitResult> paired_sweep(const PairedData& d, const Graph* drug_graph,
                                      const Graph* target_graph, ColdSide cold,
                                      const std::vector<double>& ps,
                                      const std::vector<uint64_t>& seeds, const SplitOptions& opt) {
  const bool use_d = cold != ColdSide::target, use_t = cold != ColdSide::drug;
  CLEAVE_EXPECTS(!use_d || (drug_graph && drug_graph->num_nodes() == d.drug_ids.size()),
                 "cold {} needs the drug graph over the {} drugs", cold_side_name(cold),
                 d.drug_ids.size());
  CLEAVE_EXPECTS(!use_t || (target_graph && target_graph->num_nodes() == d.targets.size()),
                 "cold {} needs the target graph over the {} targets", cold_side_name(cold),
                 d.targets.size());
  SplitOptions entity = opt;
  entity.min_kept = 0;  // the pairs' count decides whether a split is made
  if (cold == ColdSide::both) entity.test_fraction = entity_fraction_for_both(opt.test_fraction);
  const auto sides = [&](const Graph* g) {
    return g ? Partitioner(*g, entity).split_all(ps, seeds, {}) : std::vector<SplitResult>{};
  };
  const std::vector<SplitResult> sd = use_d ? sides(drug_graph) : std::vector<SplitResult>{};
  const std::vector<SplitResult> st = use_t ? sides(target_graph) : std::vector<SplitResult>{};
  const std::size_t n = d.pairs.size();
  std::vector<SplitResult> out;
  const std::size_t count = ps.size() * seeds.size();
  for (std::size_t k = 0; k < count; ++k) {
    const SplitResult& ref = use_d ? sd[k] : st[k];
    SplitResult r;
    r.p = ref.p;
    r.repeat = ref.repeat;
    r.seed = ref.seed;
    r.side.assign(n, kDropped);
    const bool entities_valid = (!use_d || sd[k].valid) && (!use_t || st[k].valid);
    for (std::size_t p = 0; p < n && entities_valid; ++p) {
      constexpr int8_t dropped = kDropped;  // an int8_t, as the sides are
      const int8_t a = use_d ? sd[k].side[d.drug[p]] : dropped;
      const int8_t b = use_t ? st[k].side[d.target[p]] : dropped;
      r.side[p] = cold == ColdSide::drug     ? a
                  : cold == ColdSide::target ? b
                                             : (a == b ? a : dropped);
    }
    for (int8_t s : r.side) {
      r.train += s == kTrain;
      r.test += s == kTest;
    }
    r.kept = r.kept_units = r.train + r.test;
    r.valid = entities_valid && r.kept > opt.min_kept && r.train > 0 && r.test > 0;
    if (r.valid)
      r.overlap = pair_overlap(d, drug_graph, target_graph, cold, r.side, r.train, r.test);
    out.push_back(std::move(r));
  }
  return out;
}

Graph pair_nodes(const PairedData& d, const std::string& parameters_json) {
  GraphMeta meta;
  meta.measure = Measure::precomputed;
  meta.input_checksum = d.pairs.checksum;
  meta.parameters = parameters_json;
  return Graph::from_edges(d.pairs.size(), {}, std::move(meta), d.pairs.ids);
}

}  // namespace cleave
