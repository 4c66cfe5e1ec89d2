// `cleave paired`: splits of paired data that are cold on one or both
// sides: drug-target pairs (cold drug, target or both) and protein-protein
// pairs (cold one or both), as SPECTRA sweeps (sp_<p>_r<k>/) or zero-overlap
// min-cut partitions (--method partition: ov_0.00_r<k>/).
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
      {"input", "FILE",
       "CSV of pairs: a SMILES and a target column (or two protein id columns), optional id and "
       "label",
       ""},
      {"out", "DIR", "directory for the split set", ""},
      {"pairs", "KIND",
       "drug-target (a SMILES and a target column) or protein-protein (two id columns of "
       "--fasta)",
       "drug-target"},
      {"cold", "SIDE",
       "drug-target: drug (test drugs unlike train drugs), target, or both (test pairs unlike "
       "train pairs on both sides); protein-protein: one (every test pair has a protein unlike "
       "all train proteins) or both (both proteins unlike); default drug, or both for "
       "protein-protein",
       ""},
      {"method", "NAME",
       "spectra (the sweep over p) or partition (zero-overlap min-cut splits of each entity's "
       "graph)",
       "spectra"},
      {"drug-column", "NAME", "column of the drugs' SMILES", "smiles"},
      {"target-column", "NAME", "column of target sequences, or of ids with --target-fasta",
       "target"},
      {"target-fasta", "FILE", "FASTA holding the targets named in the target column", ""},
      {"fasta", "FILE", "protein-protein: FASTA holding the proteins of both id columns", ""},
      {"protein-a-column", "NAME", "protein-protein: column of the first protein's ids",
       "protein_a"},
      {"protein-b-column", "NAME", "protein-protein: column of the second protein's ids",
       "protein_b"},
      {"protein-threshold", "T",
       "protein-protein: proteins are similar at identity >= T (default 0.3)", ""},
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
  for (const OptionSpec& p : partition_options())
    if (p.name == "repeats" || p.name == "tolerance" || p.name == "tries") o.push_back(p);
  for (const OptionSpec& c : common_options()) o.push_back(c);
  return o;
}

namespace {

/// Options of one pairs kind, or of one method, refused with the other.
void refuse(const Args& a, std::initializer_list<const char*> names, const std::string& why) {
  for (const char* n : names) CLEAVE_EXPECTS(!a.has(n), "option --{} {}", n, why);
}

struct Method {
  bool partition = false;
  PartitionOptions popt;
  std::vector<uint64_t> seeds;
  std::vector<double> ps;
};

Method method_from(const Args& a, const SplitOptions& opt) {
  Method m;
  const std::string name = a.str("method");
  CLEAVE_EXPECTS(name == "spectra" || name == "partition",
                 "option --method: unknown method '{}' (spectra or partition)", name);
  m.partition = name == "partition";
  if (m.partition) {
    refuse(a, {"sp", "weighted", "min-kept", "compat-spectrae", "backend"},
           "applies to --method spectra only");
    m.popt.test_fraction = opt.test_fraction;
    m.popt.tolerance = a.real("tolerance", 0.0, 0.5);
    m.popt.tries = static_cast<uint32_t>(a.integer("tries", 0, 1000));
    m.seeds = partition_seeds_from(a);
  } else {
    refuse(a, {"repeats", "tolerance", "tries"}, "needs --method partition");
    m.ps = sweep_from(a);
    m.seeds = seeds_from(a);
  }
  return m;
}

std::string kept_summary(const std::vector<SplitResult>& splits, const std::string& prefix) {
  std::string s;
  for (const auto& r : splits)
    if (r.valid)
      s += fmt::format("  {}: {} kept ({} train, {} test), overlap_frac {:.4f}\n",
                       split_dir_name(r.p, r.repeat, prefix), r.kept, r.train, r.test,
                       r.overlap.frac);
  return s;
}

/// Runs the paired split set of `opt` on --input and writes it to --out.
int run_paired(const Args& a, const PairedSplitOptions& opt) {
  const std::string out = a.str("out");
  const OutputLock lock = lock_split_dir(out);
  Context ctx;
  ctx.progress = !Progress::quiet();
  const PairedSplitSet set = paired_splits(a.str("input"), opt, ctx);
  write_split_set(out, set.nodes, set.splits, set.layout, set.inputs_json);
  std::size_t valid = 0;
  for (const auto& s : set.splits) valid += s.valid;
  std::printf("%s: wrote %zu of %zu splits to %s\n%s", set.description.c_str(), valid,
              set.splits.size(), out.c_str(),
              kept_summary(set.splits, set.layout.dir_prefix).c_str());
  return 0;
}

/// The settings of either kind that the method names.
PairedSplitOptions paired_options_from(const Args& a, bool protein_pairs) {
  PairedSplitOptions o;
  o.protein_pairs = protein_pairs;
  o.cold = a.str_or("cold", "");
  o.sweep = split_options_from(a, false);  // no validation side yet
  const Method m = method_from(a, o.sweep);
  o.partition = m.partition;
  o.part = m.popt;
  o.ps = m.ps;
  o.seeds = m.seeds;
  return o;
}

int cmd_protein_pairs(const Args& a) {
  refuse(a,
         {"drug-column", "target-column", "target-fasta", "drug-threshold", "target-threshold",
          "radius", "nbits"},
         "is for --pairs drug-target");
  CLEAVE_EXPECTS(a.has("fasta"), "--pairs protein-protein needs --fasta (the proteins' FASTA)");
  ppi_cold_from_name(a.str_or("cold", "both"));  // a bad name fails before any work
  PairedSplitOptions o = paired_options_from(a, true);
  o.protein.a_column = a.str("protein-a-column");
  o.protein.b_column = a.str("protein-b-column");
  o.protein.fasta = a.str("fasta");
  o.protein.id_column = a.str_or("id-column", "");
  o.protein.label_column = a.str_or("label-column", "");
  check_sequence_options(a, true);
  o.sequences = sequence_settings(a);
  if (a.has("protein-threshold")) o.sequences.threshold = a.real("protein-threshold", 0.0, 1.0);
  return run_paired(a, o);
}

}  // namespace

int cmd_paired(const Args& a) {
  apply_common(a);
  const std::string kind = a.str("pairs");
  CLEAVE_EXPECTS(kind == "drug-target" || kind == "protein-protein",
                 "option --pairs: unknown kind '{}' (drug-target or protein-protein)", kind);
  if (kind == "protein-protein") return cmd_protein_pairs(a);
  refuse(a, {"fasta", "protein-a-column", "protein-b-column", "protein-threshold"},
         "is for --pairs protein-protein");
  const ColdSide cold = cold_side_from_name(a.str_or("cold", "drug"));
  if (cold == ColdSide::drug)
    refuse(a, {"target-threshold", "align", "identity", "exhaustive", "prefilter", "sensitivity"},
           "sets the target graph, which --cold drug does not build");
  PairedSplitOptions o = paired_options_from(a, false);
  PairedReadOptions& ro = o.drug_target;
  ro.drug_column = a.str("drug-column");
  ro.target_column = a.str("target-column");
  ro.target_fasta = a.str_or("target-fasta", "");
  ro.id_column = a.str_or("id-column", "");
  ro.label_column = a.str_or("label-column", "");
  ro.radius = static_cast<unsigned>(a.integer("radius", 0, 16));
  ro.n_bits = static_cast<unsigned>(a.integer("nbits", 8, 1 << 20));
  o.drug_threshold = a.real("drug-threshold", 0.0, 1.0);
  if (cold != ColdSide::drug) {
    check_sequence_options(a, true);
    o.sequences = sequence_settings(a);
    if (a.has("target-threshold")) o.sequences.threshold = a.real("target-threshold", 0.0, 1.0);
  }
  return run_paired(a, o);
}

}  // namespace cleave::cli
