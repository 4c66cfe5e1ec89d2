/// @file paired.cpp
/// @brief Paired data (paired.hpp): reading pairs, the entity sweeps lifted
/// to pairs, and the pair-level overlap.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/paired.hpp"
#include "cleave/util.hpp"
#include "eval/text.hpp"
#include "io/morgan.hpp"
#include "kernels/hash.hpp"

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

/// The rows of a CSV of pairs: the header, an optional id column (else
/// r1, r2, ...) and an optional numeric label column ("-": none), both
/// recorded into `pairs` row by row; the entity columns are the caller's.
class PairRows {
 public:
  PairRows(const fs::path& csv, const std::string& id_column, const std::string& label_column,
           Samples& pairs)
      : csv_(csv), in_(csv), pairs_(pairs) {
    if (!in_.next(line_)) format_error(csv_, 1, "the file is empty");
    auto h = split_csv(line_);
    if (!h) format_error(csv_, 1, "unterminated quote in the header");
    header_ = std::move(*h);
    none_ = header_.size();
    id_ = id_column.empty() ? optional_column(header_, "id") : column(header_, id_column, csv_);
    label_ = label_column == "-"    ? none_
             : label_column.empty() ? optional_column(header_, "label")
                                    : column(header_, label_column, csv_);
    if (label_ < none_) pairs_.label_name = std::string(trim(header_[label_]));
  }

  /// The index of a required column.
  std::size_t require(const std::string& name) const { return column(header_, name, csv_); }

  /// The next non-blank row, which must reach column `last`; records its
  /// pair id (unique, non-empty) and label. False at the end of the file.
  bool next(std::size_t last) {
    const std::size_t need = std::max({last, id_ == none_ ? 0 : id_, label_ == none_ ? 0 : label_});
    while (in_.next(line_)) {
      if (trim(line_).empty()) continue;
      auto f = split_csv(line_);
      if (!f) fail("unterminated quote");
      fields_ = std::move(*f);
      if (fields_.size() <= need)
        fail(fmt::format("{} fields, the header has {}", fields_.size(), header_.size()));
      const std::string id =
          id_ < none_ ? std::string(trim(fields_[id_])) : fmt::format("r{}", pairs_.ids.size() + 1);
      if (id.empty()) fail("empty pair id");
      if (!ids_.emplace(id, static_cast<uint32_t>(pairs_.ids.size())).second)
        fail(fmt::format("pair id '{}' appears twice", id));
      if (label_ < none_) {
        const auto v = detail::eval::parse_double(fields_[label_]);
        if (!v) fail(fmt::format("label '{}' is not a number", fields_[label_]));
        pairs_.labels.push_back(*v);
      }
      pairs_.ids.push_back(id);
      return true;
    }
    return false;
  }

  /// Field k of the current row, trimmed.
  [[nodiscard]] std::string field(std::size_t k) const { return std::string(trim(fields_[k])); }
  [[nodiscard]] std::size_t line_no() const { return in_.line_no(); }
  [[noreturn]] void fail(const std::string& what) const { format_error(csv_, line_no(), what); }

 private:
  fs::path csv_;
  LineReader in_;
  Samples& pairs_;
  std::string line_;
  std::vector<std::string> header_, fields_;
  std::size_t none_ = 0, id_ = 0, label_ = 0;
  std::unordered_map<std::string, uint32_t> ids_;
};

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
  PairedData d;
  PairRows rows(csv, opt.id_column, opt.label_column, d.pairs);
  const std::size_t dc = rows.require(opt.drug_column);
  const std::size_t tc = rows.require(opt.target_column);
  std::unordered_map<std::string, uint32_t> drugs, targets;
  std::vector<std::string> target_text;  // inline sequences, in first-seen order
  std::vector<std::size_t> drug_line;
  Sequences fasta;
  std::unordered_map<std::string, uint32_t> fasta_index;
  if (!opt.target_fasta.empty()) {
    fasta = read_fasta(opt.target_fasta);
    for (uint32_t k = 0; k < fasta.size(); ++k) fasta_index.emplace(fasta.samples.ids[k], k);
  }
  std::vector<uint32_t> fasta_of_target;
  while (rows.next(std::max(dc, tc))) {
    const std::string smiles = rows.field(dc);
    const std::string target = rows.field(tc);
    if (smiles.empty()) rows.fail("empty SMILES");
    if (target.empty()) rows.fail("empty target");
    auto [di, dnew] = drugs.emplace(smiles, static_cast<uint32_t>(d.drug_ids.size()));
    if (dnew) {
      d.drug_ids.push_back(smiles);
      drug_line.push_back(rows.line_no());
    }
    auto [ti, tnew] = targets.emplace(target, static_cast<uint32_t>(targets.size()));
    if (tnew) {
      if (!opt.target_fasta.empty()) {
        const auto it = fasta_index.find(target);
        if (it == fasta_index.end())
          rows.fail(fmt::format("target '{}' is not in {}", target, opt.target_fasta.string()));
        fasta_of_target.push_back(it->second);
      } else {
        target_text.push_back(target);
      }
    }
    d.drug.push_back(di->second);
    d.target.push_back(ti->second);
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

namespace {

/// Pair sides of one drug-target split from the entities' splits (either
/// may be null when its side is not cold); overlap left for the caller.
SplitResult lift_drug_target(const PairedData& d, const SplitResult* sd, const SplitResult* st,
                             ColdSide cold, uint64_t min_kept) {
  const SplitResult& ref = sd ? *sd : *st;
  SplitResult r;
  r.p = ref.p;
  r.repeat = ref.repeat;
  r.seed = ref.seed;
  r.engine = ref.engine;
  const std::size_t n = d.pairs.size();
  r.side.assign(n, kDropped);
  const bool entities_valid = (!sd || sd->valid) && (!st || st->valid);
  for (std::size_t p = 0; p < n && entities_valid; ++p) {
    constexpr int8_t dropped = kDropped;  // an int8_t, as the sides are
    const int8_t a = sd ? sd->side[d.drug[p]] : dropped;
    const int8_t b = st ? st->side[d.target[p]] : dropped;
    r.side[p] = cold == ColdSide::drug ? a : cold == ColdSide::target ? b : (a == b ? a : dropped);
  }
  for (int8_t s : r.side) {
    r.train += s == kTrain;
    r.test += s == kTest;
  }
  r.kept = r.kept_units = r.train + r.test;
  r.valid = entities_valid && r.kept > min_kept && r.train > 0 && r.test > 0;
  return r;
}

void check_entity_graphs(const PairedData& d, const Graph* drug_graph, const Graph* target_graph,
                         ColdSide cold) {
  const bool use_d = cold != ColdSide::target, use_t = cold != ColdSide::drug;
  CLEAVE_EXPECTS(!use_d || (drug_graph && drug_graph->num_nodes() == d.drug_ids.size()),
                 "cold {} needs the drug graph over the {} drugs", cold_side_name(cold),
                 d.drug_ids.size());
  CLEAVE_EXPECTS(!use_t || (target_graph && target_graph->num_nodes() == d.targets.size()),
                 "cold {} needs the target graph over the {} targets", cold_side_name(cold),
                 d.targets.size());
}

}  // namespace

std::vector<SplitResult> paired_sweep(const PairedData& d, const Graph* drug_graph,
                                      const Graph* target_graph, ColdSide cold,
                                      const std::vector<double>& ps,
                                      const std::vector<uint64_t>& seeds, const SplitOptions& opt) {
  check_entity_graphs(d, drug_graph, target_graph, cold);
  const bool use_d = cold != ColdSide::target, use_t = cold != ColdSide::drug;
  SplitOptions entity = opt;
  entity.min_kept = 0;  // the pairs' count decides whether a split is made
  if (cold == ColdSide::both) entity.test_fraction = entity_fraction_for_both(opt.test_fraction);
  const auto sides = [&](const Graph* g) {
    return g ? Partitioner(*g, entity).split_all(ps, seeds, {}) : std::vector<SplitResult>{};
  };
  const std::vector<SplitResult> sd = use_d ? sides(drug_graph) : std::vector<SplitResult>{};
  const std::vector<SplitResult> st = use_t ? sides(target_graph) : std::vector<SplitResult>{};
  std::vector<SplitResult> out;
  const std::size_t count = ps.size() * seeds.size();
  for (std::size_t k = 0; k < count; ++k) {
    SplitResult r =
        lift_drug_target(d, use_d ? &sd[k] : nullptr, use_t ? &st[k] : nullptr, cold, opt.min_kept);
    if (r.valid)
      r.overlap = pair_overlap(d, drug_graph, target_graph, cold, r.side, r.train, r.test);
    out.push_back(std::move(r));
  }
  return out;
}

/// A partition lifted to pairs whose test share is re-aimed on the pairs:
/// the entity partition meets its fraction on entities, and entities with
/// many pairs move the pairs' share away from it (a hub target on the test
/// side). `split(f, seed)` partitions with entity test fraction f and lifts.
/// The first try uses f0 (right when pairs spread evenly) and the seed
/// itself; each later one scales f by (asked / measured)^power (1 where a
/// pair follows one entity, 1/2 where both must agree and the share goes
/// with f^2) and takes a seed
/// derived from the seed and the try (where a hub lands depends on the
/// packing order as much as on f; bisecting f with the seed fixed stalled
/// at the f where a hub flips side). Stops once the pairs' share is
/// within `tolerance` of `asked`, after at most 16 tries, keeping the
/// closest valid split (the first on ties), so never worse than the first
/// try. Deterministic: a function of the seed alone; the result keeps it.
template <class Split>
SplitResult aim_pairs(double asked, double tolerance, double f0, double power, uint64_t seed,
                      Split split) {
  std::optional<SplitResult> best;
  double best_gap = std::numeric_limits<double>::infinity();
  double f = f0;
  for (uint64_t attempt = 0; attempt < 16; ++attempt) {
    SplitResult r = split(f, attempt == 0 ? seed : kernels::mix64(seed + attempt));
    r.seed = seed;
    const uint64_t kept = r.train + r.test;
    double share = 0.0;
    if (r.valid && kept > 0) {
      share = static_cast<double>(r.test) / static_cast<double>(kept);
      const double gap = std::abs(share - asked);
      if (gap < best_gap) best = std::move(r), best_gap = gap;
      if (gap <= tolerance) break;
    } else if (!best) {
      best = std::move(r);
    }
    f = std::clamp(share > 0 ? f * std::pow(asked / share, power) : f * 2, 0.005, 0.95);
  }
  return std::move(*best);
}

std::vector<SplitResult> paired_partition(const PairedData& d, const Graph* drug_graph,
                                          const Graph* target_graph, ColdSide cold,
                                          const PartitionOptions& opt,
                                          const std::vector<uint64_t>& seeds) {
  check_entity_graphs(d, drug_graph, target_graph, cold);
  CLEAVE_EXPECTS(opt.valid_fraction == 0.0, "paired partitions have no validation side");
  const bool use_d = cold != ColdSide::target, use_t = cold != ColdSide::drug;
  PartitionOptions entity = opt;
  entity.mutation_aware = false;
  const double f0 =
      cold == ColdSide::both ? entity_fraction_for_both(opt.test_fraction) : opt.test_fraction;
  std::vector<SplitResult> out;
  for (std::size_t k = 0; k < seeds.size(); ++k) {
    const int repeat = static_cast<int>(k);
    SplitResult r =
        aim_pairs(opt.test_fraction, opt.tolerance, f0, cold == ColdSide::both ? 0.5 : 1.0,
                  seeds[k], [&](double f, uint64_t seed) {
                    entity.test_fraction = f;
                    std::optional<SplitResult> sd, st;
                    if (use_d) sd = partition_split(*drug_graph, entity, seed, repeat);
                    if (use_t) st = partition_split(*target_graph, entity, seed, repeat);
                    return lift_drug_target(d, sd ? &*sd : nullptr, st ? &*st : nullptr, cold, 0);
                  });
    r.p = 0;
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

// ---- protein-protein pairs ----

const char* ppi_cold_name(PpiCold c) {
  return c == PpiCold::both ? "both" : "one";
}

PpiCold ppi_cold_from_name(const std::string& name) {
  if (name == "one") return PpiCold::one;
  if (name == "both") return PpiCold::both;
  CLEAVE_FAIL(invalid_argument,
              "cold side of protein pairs must be one or both (drug and target are for "
              "drug-target pairs), got '{}'",
              name);
}

ProteinPairs read_protein_pairs(const fs::path& csv, const ProteinPairsReadOptions& opt) {
  CLEAVE_EXPECTS(!opt.fasta.empty(), "protein pairs need the FASTA that holds their ids");
  ProteinPairs d;
  PairRows rows(csv, opt.id_column, opt.label_column, d.pairs);
  const std::size_t ac = rows.require(opt.a_column);
  const std::size_t bc = rows.require(opt.b_column);
  const Sequences fasta = read_fasta(opt.fasta);
  std::unordered_map<std::string, uint32_t> fasta_index, used;
  for (uint32_t k = 0; k < fasta.size(); ++k) fasta_index.emplace(fasta.samples.ids[k], k);
  std::vector<uint32_t> fasta_of_protein;
  while (rows.next(std::max(ac, bc))) {
    uint32_t idx[2];
    for (int k = 0; k < 2; ++k) {
      const std::string protein = rows.field(k == 0 ? ac : bc);
      if (protein.empty())
        rows.fail(
            fmt::format("empty protein id in column '{}'", k == 0 ? opt.a_column : opt.b_column));
      const auto [it, fresh] = used.emplace(protein, static_cast<uint32_t>(used.size()));
      if (fresh) {
        const auto fi = fasta_index.find(protein);
        if (fi == fasta_index.end())
          rows.fail(fmt::format("protein '{}' is not in {}", protein, opt.fasta.string()));
        fasta_of_protein.push_back(fi->second);
      }
      idx[k] = it->second;
    }
    d.a.push_back(idx[0]);
    d.b.push_back(idx[1]);
  }
  if (d.pairs.ids.empty()) format_error(csv, rows.line_no(), "no pairs");
  std::vector<std::string> ids, seqs;
  for (uint32_t k : fasta_of_protein) {
    ids.push_back(fasta.samples.ids[k]);
    seqs.push_back(fasta.letters(k));
  }
  FastaReadOptions fo;
  fo.alphabet = fasta.alphabet;
  d.proteins = sequences_from_strings(ids, seqs, fo);
  d.pairs.checksum = checksum_file(csv);
  return d;
}

namespace {

/// Protein test fraction for a pair test fraction t.
double protein_fraction(PpiCold cold, double t) {
  return cold == PpiCold::both ? entity_fraction_for_both(t) : 1.0 - std::sqrt(1.0 - t);
}

SplitResult lift_protein_pairs(const ProteinPairs& d, const SplitResult& s, PpiCold cold,
                               uint64_t min_kept) {
  SplitResult r;
  r.p = s.p;
  r.repeat = s.repeat;
  r.seed = s.seed;
  r.engine = s.engine;
  const std::size_t n = d.pairs.size();
  r.side.assign(n, kDropped);
  for (std::size_t p = 0; p < n && s.valid; ++p) {
    const int8_t a = s.side[d.a[p]], b = s.side[d.b[p]];
    if (a == kDropped || b == kDropped) continue;  // a removed protein drops its pairs
    if (a == kTrain && b == kTrain)
      r.side[p] = kTrain;
    else if (cold == PpiCold::one || a == b)
      r.side[p] = kTest;  // one: at least one test protein; both: two
  }
  for (int8_t x : r.side) {
    r.train += x == kTrain;
    r.test += x == kTest;
  }
  r.kept = r.kept_units = r.train + r.test;
  r.valid = s.valid && r.kept > min_kept && r.train > 0 && r.test > 0;
  return r;
}

/// Pair-level overlap of protein pairs (ppi_sweep's definitions).
Overlap ppi_overlap(const ProteinPairs& d, const Graph& g, PpiCold cold,
                    const std::vector<int8_t>& side, uint64_t n_train, uint64_t n_test) {
  Overlap o;
  if (n_test == 0) return o;
  const std::size_t np = d.proteins.size();
  // Train pairs of each protein (a homodimer listed once).
  std::vector<std::vector<uint32_t>> train_of(np);
  for (uint32_t p = 0; p < side.size(); ++p) {
    if (side[p] != kTrain) continue;
    train_of[d.a[p]].push_back(p);
    if (d.b[p] != d.a[p]) train_of[d.b[p]].push_back(p);
  }
  SideCounts c{std::vector<uint64_t>(np, 0), std::vector<uint64_t>(np, 0)};
  for (std::size_t v = 0; v < np; ++v) c.train[v] = train_of[v].size();
  const std::vector<double> best = best_train(g, c);
  const auto off = g.offsets();
  const auto col = g.columns();
  uint64_t touching = 0;
  double sum_max = 0, sum = 0;
  std::vector<uint32_t> stamp(side.size(), UINT32_MAX);
  for (uint32_t p = 0; p < side.size(); ++p) {
    if (side[p] != kTest) continue;
    const uint32_t a = d.a[p], b = d.b[p];
    const double m =
        cold == PpiCold::both ? std::max(best[a], best[b]) : std::min(best[a], best[b]);
    touching += m > 0;
    sum_max += m;
    if (n_train == 0) continue;
    // Train pairs q with a positive similarity to p hold a protein similar
    // to a (one: necessarily; both: or to b).
    const auto visit_from = [&](uint32_t x) {
      const auto visit = [&](uint32_t y) {
        for (uint32_t q : train_of[y]) {
          if (stamp[q] == p) continue;
          stamp[q] = p;
          const uint32_t qa = d.a[q], qb = d.b[q];
          const double sa = std::max(edge_weight(g, a, qa), edge_weight(g, a, qb));
          const double sb = std::max(edge_weight(g, b, qa), edge_weight(g, b, qb));
          sum += cold == PpiCold::both ? std::max(sa, sb) : std::min(sa, sb);
        }
      };
      visit(x);
      for (uint64_t e = off[x]; e < off[x + 1]; ++e) visit(col[e]);
    };
    visit_from(a);
    if (cold == PpiCold::both) visit_from(b);
  }
  const auto nt = static_cast<double>(n_test);
  o.frac = static_cast<double>(touching) / nt;
  o.maxsim = sum_max / nt;
  if (n_train > 0) o.meansim = sum / (static_cast<double>(n_train) * nt);
  return o;
}

}  // namespace

std::vector<SplitResult> ppi_sweep(const ProteinPairs& d, const Graph& g, PpiCold cold,
                                   const std::vector<double>& ps,
                                   const std::vector<uint64_t>& seeds, const SplitOptions& opt) {
  CLEAVE_EXPECTS(g.num_nodes() == d.proteins.size(), "the protein graph has {} nodes, not {}",
                 g.num_nodes(), d.proteins.size());
  SplitOptions entity = opt;
  entity.min_kept = 0;
  entity.test_fraction = protein_fraction(cold, opt.test_fraction);
  const auto sides = Partitioner(g, entity).split_all(ps, seeds, {});
  std::vector<SplitResult> out;
  for (const SplitResult& s : sides) {
    SplitResult r = lift_protein_pairs(d, s, cold, opt.min_kept);
    if (r.valid) r.overlap = ppi_overlap(d, g, cold, r.side, r.train, r.test);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<SplitResult> ppi_partition(const ProteinPairs& d, const Graph& g, PpiCold cold,
                                       const PartitionOptions& opt,
                                       const std::vector<uint64_t>& seeds) {
  CLEAVE_EXPECTS(g.num_nodes() == d.proteins.size(), "the protein graph has {} nodes, not {}",
                 g.num_nodes(), d.proteins.size());
  CLEAVE_EXPECTS(opt.valid_fraction == 0.0, "paired partitions have no validation side");
  PartitionOptions entity = opt;
  entity.mutation_aware = false;
  std::vector<SplitResult> out;
  for (std::size_t k = 0; k < seeds.size(); ++k) {
    SplitResult r =
        aim_pairs(opt.test_fraction, opt.tolerance, protein_fraction(cold, opt.test_fraction),
                  cold == PpiCold::both ? 0.5 : 1.0, seeds[k], [&](double f, uint64_t seed) {
                    entity.test_fraction = f;
                    return lift_protein_pairs(
                        d, partition_split(g, entity, seed, static_cast<int>(k)), cold, 0);
                  });
    r.p = 0;
    if (r.valid) r.overlap = ppi_overlap(d, g, cold, r.side, r.train, r.test);
    out.push_back(std::move(r));
  }
  return out;
}

Graph pair_nodes(const ProteinPairs& d, const std::string& parameters_json) {
  GraphMeta meta;
  meta.measure = Measure::precomputed;
  meta.input_checksum = d.pairs.checksum;
  meta.parameters = parameters_json;
  return Graph::from_edges(d.pairs.size(), {}, std::move(meta), d.pairs.ids);
}

}  // namespace cleave
