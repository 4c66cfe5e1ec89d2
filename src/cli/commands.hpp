#pragma once
// The subcommand table and the pieces the subcommands share.
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "cleave/dataset.hpp"
#include "cleave/embedding.hpp"
#include "cleave/eval.hpp"
#include "cleave/graph.hpp"
#include "cleave/io.hpp"
#include "cleave/partition.hpp"
#include "cleave/sequence.hpp"
#include "cleave/split.hpp"
#include "cli/args.hpp"

namespace cleave::cli {

int run_main(int argc, char** argv);

struct Command {
  const char* name;
  const char* summary;
  std::vector<OptionSpec> (*options)();
  const char* examples;
  int (*run)(const Args&);
};
const std::vector<Command>& commands();

/// Options shared by every command that reads an input dataset.
std::vector<OptionSpec> input_options();
/// Reads --input with the input options (format checks, then load_dataset).
Dataset load_input(const Args& a);
/// The same for a given file (commands that read two, such as search).
/// (min_samples: a search's queries and targets may be a single sample).
Dataset load_input(const Args& a, const std::filesystem::path& path, std::size_t min_samples = 2);
/// Builds the overlap graph of the input (or returns the pairs graph) with
/// dataset_graph; --backend, --max-memory and --work-dir go to its Context.
Graph build_graph(const Args& a, const Dataset& in);
/// The sequence reading and alignment settings given (--alphabet, --align,
/// --gap-open, ..., --exhaustive/--prefilter, --sensitivity); options not
/// given keep the library's defaults. Options a command does not declare
/// count as not given.
SequenceSettings sequence_settings(const Args& a);
/// Refuses alignment options for inputs without sequences, and the option
/// pairs that exclude each other.
void check_sequence_options(const Args& a, bool sequences);
/// Concatenates option tables.
std::vector<OptionSpec> join(std::initializer_list<std::vector<OptionSpec>> parts);
/// The graph options (measure, threshold) for the given input.
std::vector<OptionSpec> graph_options();
/// Options of the sweep and the partitioner.
std::vector<OptionSpec> split_options();
/// The sweep options; `validation`: the command has --valid-fraction.
SplitOptions split_options_from(const Args& a, bool validation = true);
std::vector<double> sweep_from(const Args& a);
std::vector<uint64_t> seeds_from(const Args& a);
/// Warns about graphs on which SPECTRA cannot make a useful spectrum.
void warn_if_dense(const Graph& g, const SplitOptions& opt);

/// "8G", "512M", ... in bytes; `option` names the option in messages.
uint64_t parse_size(const char* option, const std::string& text);

/// Applies --threads and --quiet.
void apply_common(const Args& a);
std::vector<OptionSpec> common_options();

/// Checksum of the input and every parameter that shapes its graph; a graph
/// with this checksum can be reused instead of rebuilt.
uint64_t graph_checksum(const Args& a, const Dataset& in);

/// Options of the min-cut partitioner beyond --test-fraction and --seeds.
std::vector<OptionSpec> partition_options();
PartitionOptions partition_options_from(const Args& a);
/// --seeds, or --repeats N as seeds 42, 44, ...
std::vector<uint64_t> partition_seeds_from(const Args& a);
/// One zero-overlap split per seed, then one per (target, seed), target-major;
/// warns about sides out of tolerance and targets not reached.
/// --target-overlap (default: 0 only).
std::vector<double> targets_from(const Args& a);
/// With `stratify`, each zero-overlap split is stratified (stratify_split).
std::vector<SplitResult> make_partitions(const Graph& g, const PartitionOptions& opt,
                                         const std::vector<uint64_t>& seeds,
                                         const std::vector<double>& targets,
                                         const Strata* stratify = nullptr);
/// Strata of the labels of `samples` (graph node order) with --strata bins;
/// none without labels (then --stratify and --strata are errors).
std::optional<Strata> strata_from(const Args& a, const Graph& g, const Samples* samples);
/// --stratify refuses target overlaps above 0.
void check_stratify(const Args& a, const std::vector<double>& targets);
/// Adds strata.tsv to the layout and prints, per split, the largest
/// difference of a side's stratum share from the overall one.
void add_strata_report(SplitSetLayout& layout, const std::vector<SplitResult>& splits,
                       const Strata& st, bool stratified);
void print_partitions(const Graph& g, const std::vector<SplitResult>& splits);

// Option tables defined next to their subcommands.
std::vector<OptionSpec> partition_cmd_options();
std::vector<OptionSpec> run_cmd_options();
std::vector<OptionSpec> baseline_cmd_options();
std::vector<OptionSpec> auspc_cmd_options();
std::vector<OptionSpec> search_cmd_options();
std::vector<OptionSpec> audit_cmd_options();
std::vector<OptionSpec> paired_cmd_options();
std::vector<OptionSpec> augood_cmd_options();

/// The baseline on a split set (fingerprints, else the given graph).
std::vector<BaselineScore> baseline_scores(const Args& a, const Dataset& in, const Graph* graph,
                                           const std::filesystem::path& splits);
void print_evaluation(const std::vector<MetricResult>& results);

// Subcommands.
int cmd_graph(const Args& a);
int cmd_stats(const Args& a);
int cmd_edges(const Args& a);
int cmd_fingerprints(const Args& a);
int cmd_split(const Args& a);
int cmd_partition(const Args& a);
int cmd_baseline(const Args& a);
int cmd_auspc(const Args& a);
int cmd_run(const Args& a);
int cmd_search(const Args& a);
int cmd_audit(const Args& a);
int cmd_paired(const Args& a);
int cmd_augood(const Args& a);

}  // namespace cleave::cli
