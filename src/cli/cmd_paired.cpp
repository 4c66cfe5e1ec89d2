// `cleave paired`: SPECTRA spectra of paired data (drug-target pairs) that
// are cold on the drug, the target or both sides.
#include <cstdio>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/paired.hpp"
#include "cleave/similarity.hpp"
#include "cleave/util.hpp"
#include "cli/commands.hpp"
#include "cli/lock.hpp"

namespace cleave::cli {

std::vector<OptionSpec> paired_cmd_options() {
  std::vector<OptionSpec> o = {
      {"input", "FILE", "CSV of pairs: a SMILES column, a target column, optional id and label",
       ""},
      {"out", "DIR", "directory for the split set", ""},
      {"cold", "SIDE",
       "drug (test drugs unlike train drugs), target, or both (test pairs unlike train pairs on "
       "both sides)",
       "drug"},
      {"drug-column", "NAME", "column of the drugs' SMILES", "smiles"},
      {"target-column", "NAME", "column of target sequences, or of ids with --target-fasta",
       "target"},
      {"target-fasta", "FILE", "FASTA holding the targets named in the target column", ""},
      {"id-column", "NAME", "column of pair ids (default: id when present, else r1, r2, ...)", ""},
      {"label-column", "NAME", "column of numeric labels (default: label when present; - none)",
       ""},
      {"drug-threshold", "T", "drugs are similar at Tanimoto >= T (Morgan fingerprints)", "0.4"},
      {"target-threshold", "T",
       "targets are similar at identity >= T (default 0.3 proteins, 0.9 DNA)", ""},
      {"radius", "R", "Morgan fingerprint radius", "2"},
      {"nbits", "N", "Morgan fingerprint size in bits", "2048"},
  };
  for (const OptionSpec& g : graph_options())
    if (g.name == "align" || g.name == "identity" || g.name == "exhaustive" ||
        g.name == "prefilter" || g.name == "sensitivity")
      o.push_back(g);
  for (const OptionSpec& s : split_options()) o.push_back(s);
  for (const OptionSpec& c : common_options()) o.push_back(c);
  return o;
}

int cmd_paired(const Args& a) {
  apply_common(a);
  const ColdSide cold = cold_side_from_name(a.str("cold"));
  const SplitOptions opt = split_options_from(a, false);  // no validation side yet
  const auto ps = sweep_from(a);
  const auto seeds = seeds_from(a);
  PairedReadOptions ro;
  ro.drug_column = a.str("drug-column");
  ro.target_column = a.str("target-column");
  ro.target_fasta = a.str_or("target-fasta", "");
  ro.id_column = a.str_or("id-column", "");
  ro.label_column = a.str_or("label-column", "");
  ro.radius = static_cast<unsigned>(a.integer("radius", 0, 16));
  ro.n_bits = static_cast<unsigned>(a.integer("nbits", 8, 1 << 20));
  const std::string out = a.str("out");
  const OutputLock lock = lock_split_dir(out);
  const PairedData d = read_paired(a.str("input"), ro);
  std::optional<Graph> gd, gt;
  const bool progress = !Progress::quiet();
  double drug_t = a.real("drug-threshold", 0.0, 1.0), target_t = 0;
  if (cold != ColdSide::target) {
    SimilarityOptions so;
    so.threshold = drug_t;
    so.progress = progress;
    gd = fingerprint_graph(d.drug_fps, so);
  }
  if (cold != ColdSide::drug) {
    check_sequence_options(a, true);
    SequenceSettings ss = sequence_settings(a);
    if (a.has("target-threshold")) ss.threshold = a.real("target-threshold", 0.0, 1.0);
    Context ctx;
    ctx.progress = progress;
    const AlignOptions ao = align_options(ss, d.targets.alphabet, ctx);
    target_t = ao.threshold;
    gt = sequence_graph(d.targets, ao);
  }
  const auto splits =
      paired_sweep(d, gd ? &*gd : nullptr, gt ? &*gt : nullptr, cold, ps, seeds, opt);
  const std::string params = fmt::format(
      "{{\"cold\": \"{}\", \"pairs\": {}, \"drugs\": {}, \"targets\": {}, \"drug_edges\": {}, "
      "\"target_edges\": {}, \"drug_threshold\": {}, \"target_threshold\": {}}}",
      cold_side_name(cold), d.pairs.size(), d.drug_ids.size(), d.targets.size(),
      gd ? gd->num_edges() : 0, gt ? gt->num_edges() : 0, drug_t, target_t);
  const Graph nodes = pair_nodes(d, params);
  SplitSetLayout layout;
  layout.method = fmt::format("spectra-paired-cold-{}", cold_side_name(cold));
  layout.options_json = fmt::format(
      "{{\"cold\": \"{}\", \"test_fraction\": {}, \"weighted\": {}, \"min_kept\": {}}}",
      cold_side_name(cold), opt.test_fraction, opt.weighted ? "true" : "false", opt.min_kept);
  const std::string inputs =
      fmt::format("{{\"pairs\": {{\"path\": \"{}\", \"checksum\": \"{}\", \"parameters\": {}}}}}",
                  json_escape(std::filesystem::absolute(a.str("input")).string()),
                  hex64(d.pairs.checksum), params);
  write_split_set(out, nodes, splits, layout, inputs);
  std::size_t valid = 0;
  for (const auto& s : splits) valid += s.valid;
  std::printf("%zu pairs (%zu drugs, %zu targets), cold %s: wrote %zu of %zu splits to %s\n",
              d.pairs.size(), d.drug_ids.size(), d.targets.size(), cold_side_name(cold), valid,
              splits.size(), out.c_str());
  return 0;
}

}  // namespace cleave::cli
