/// @file paired_run.cpp
/// @brief Whole paired runs (paired.hpp): the entity graphs, the manifest's
/// parameters and layout, and paired_splits, which `cleave paired`, the C API
/// and the Python module share.
#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/paired.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"

namespace cleave {

PairedGraphs paired_graphs(const PairedData& d, ColdSide cold, double drug_threshold,
                           const SequenceSettings& targets, const Context& ctx) {
  CLEAVE_EXPECTS(drug_threshold >= 0 && drug_threshold <= 1,
                 "drug threshold must be in [0, 1] (got {})", drug_threshold);
  PairedGraphs g;
  g.drug_threshold = drug_threshold;
  if (cold != ColdSide::target) {
    SimilarityOptions so;
    so.threshold = drug_threshold;
    so.progress = ctx.progress;
    so.backend = ctx.backend;
    so.threads = ctx.threads;
    so.max_memory = ctx.max_memory;
    g.drug = fingerprint_graph(d.drug_fps, so);
  }
  if (cold != ColdSide::drug) {
    const AlignOptions ao = align_options(targets, d.targets.alphabet, ctx);
    g.target_threshold = ao.threshold;
    g.target = sequence_graph(d.targets, ao);
  }
  return g;
}

std::string paired_parameters_json(const PairedData& d, const PairedGraphs& g, ColdSide cold) {
  return fmt::format(
      "{{\"cold\": \"{}\", \"pairs\": {}, \"drugs\": {}, \"targets\": {}, \"drug_edges\": {}, "
      "\"target_edges\": {}, \"drug_threshold\": {}, \"target_threshold\": {}}}",
      cold_side_name(cold), d.pairs.size(), d.drug_ids.size(), d.targets.size(),
      g.drug ? g.drug->num_edges() : 0, g.target ? g.target->num_edges() : 0, g.drug_threshold,
      g.target_threshold);
}

Graph ppi_graph(const ProteinPairs& d, const SequenceSettings& s, const Context& ctx,
                double* threshold) {
  const AlignOptions ao = align_options(s, d.proteins.alphabet, ctx);
  if (threshold) *threshold = ao.threshold;
  return sequence_graph(d.proteins, ao);
}

std::string ppi_parameters_json(const ProteinPairs& d, const Graph& g, double threshold,
                                PpiCold cold) {
  return fmt::format(
      "{{\"pairs\": \"protein-protein\", \"cold\": \"{}\", \"n_pairs\": {}, \"proteins\": {}, "
      "\"protein_edges\": {}, \"protein_threshold\": {}}}",
      ppi_cold_name(cold), d.pairs.size(), d.proteins.size(), g.num_edges(), threshold);
}

SplitSetLayout paired_layout(bool partition, const SplitOptions& sweep,
                             const PartitionOptions& part, const std::string& what,
                             const std::string& cold) {
  SplitSetLayout layout;
  if (partition) {
    layout = partition_layout(part);  // a validation column of zeros, as cleave partition
    layout.options_json.pop_back();
    layout.options_json += fmt::format(", \"cold\": \"{}\"}}", cold);
  } else {
    layout.options_json = fmt::format(
        "{{\"cold\": \"{}\", \"test_fraction\": {}, \"weighted\": {}, \"min_kept\": {}}}", cold,
        sweep.test_fraction, sweep.weighted ? "true" : "false", sweep.min_kept);
  }
  layout.method = fmt::format("{}-{}-cold-{}", partition ? "partition" : "spectra", what, cold);
  return layout;
}

std::string paired_inputs_json(const std::filesystem::path& csv, uint64_t checksum,
                               const std::string& parameters_json) {
  return fmt::format(
      "{{\"pairs\": {{\"path\": \"{}\", \"checksum\": \"{}\", \"parameters\": {}}}}}",
      json_escape(std::filesystem::absolute(csv).string()), hex64(checksum), parameters_json);
}

namespace {

void check_method(const PairedSplitOptions& opt) {
  CLEAVE_EXPECTS(!opt.seeds.empty(), "paired splits need at least one seed");
  CLEAVE_EXPECTS(opt.sweep.test_fraction > 0 && opt.sweep.test_fraction < 1,
                 "test fraction must be strictly between 0 and 1 (got {})",
                 opt.sweep.test_fraction);
  if (opt.partition) {
    CLEAVE_EXPECTS(opt.ps.empty(), "values of p apply to the sweep only, not to partitions");
    CLEAVE_EXPECTS(opt.part.tolerance >= 0 && opt.part.tolerance <= 0.5,
                   "tolerance must be in [0, 0.5] (got {})", opt.part.tolerance);
    CLEAVE_EXPECTS(opt.part.tries <= 1000, "tries must be in [0, 1000] (got {})", opt.part.tries);
  } else {
    CLEAVE_EXPECTS(!opt.ps.empty(), "the sweep needs at least one value of p");
    for (std::size_t i = 0; i < opt.ps.size(); ++i) {
      CLEAVE_EXPECTS(opt.ps[i] >= 0 && opt.ps[i] <= 1, "p = {} is outside [0, 1]", opt.ps[i]);
      for (std::size_t j = 0; j < i; ++j)
        CLEAVE_EXPECTS(split_dir_name(opt.ps[i], 0) != split_dir_name(opt.ps[j], 0),
                       "p: {} and {} are the same value at two decimals", opt.ps[j], opt.ps[i]);
    }
  }
}

}  // namespace

PairedSplitSet paired_splits(const std::filesystem::path& csv, const PairedSplitOptions& opt,
                             const Context& ctx) {
  check_method(opt);
  PartitionOptions part = opt.part;
  part.test_fraction = opt.sweep.test_fraction;
  part.valid_fraction = 0;
  PairedSplitSet out;
  if (opt.protein_pairs) {
    const PpiCold cold = ppi_cold_from_name(opt.cold.empty() ? "both" : opt.cold);
    const ProteinPairs d = read_protein_pairs(csv, opt.protein);
    double threshold = 0;
    const Graph g = ppi_graph(d, opt.sequences, ctx, &threshold);
    out.splits = opt.partition ? ppi_partition(d, g, cold, part, opt.seeds)
                               : ppi_sweep(d, g, cold, opt.ps, opt.seeds, opt.sweep);
    out.parameters_json = ppi_parameters_json(d, g, threshold, cold);
    out.layout = paired_layout(opt.partition, opt.sweep, part, "ppi", ppi_cold_name(cold));
    out.nodes = pair_nodes(d, out.parameters_json);
    out.inputs_json = paired_inputs_json(csv, d.pairs.checksum, out.parameters_json);
    out.description = fmt::format("{} protein pairs ({} proteins), cold {}", d.pairs.size(),
                                  d.proteins.size(), ppi_cold_name(cold));
    return out;
  }
  const ColdSide cold = cold_side_from_name(opt.cold.empty() ? "drug" : opt.cold);
  const PairedData d = read_paired(csv, opt.drug_target);
  const PairedGraphs g = paired_graphs(d, cold, opt.drug_threshold, opt.sequences, ctx);
  out.splits =
      opt.partition
          ? paired_partition(d, g.drug_graph(), g.target_graph(), cold, part, opt.seeds)
          : paired_sweep(d, g.drug_graph(), g.target_graph(), cold, opt.ps, opt.seeds, opt.sweep);
  out.parameters_json = paired_parameters_json(d, g, cold);
  out.layout = paired_layout(opt.partition, opt.sweep, part, "paired", cold_side_name(cold));
  out.nodes = pair_nodes(d, out.parameters_json);
  out.inputs_json = paired_inputs_json(csv, d.pairs.checksum, out.parameters_json);
  out.description = fmt::format("{} pairs ({} drugs, {} targets), cold {}", d.pairs.size(),
                                d.drug_ids.size(), d.targets.size(), cold_side_name(cold));
  return out;
}

}  // namespace cleave
