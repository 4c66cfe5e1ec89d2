// The subcommand table, dispatch, and the graph-level subcommands.
#include "cli/commands.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "cleave/version.hpp"
#include "cli/lock.hpp"
#include "dist/comm.hpp"
#include "dist/share.hpp"
#include "dist/work_loop.hpp"

namespace cleave::cli {

std::vector<OptionSpec> join(std::initializer_list<std::vector<OptionSpec>> parts) {
  std::vector<OptionSpec> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

namespace {

std::vector<OptionSpec> graph_cmd_options() {
  return join({input_options(),
               graph_options(),
               {{"backend", "NAME", "auto, cpu or cuda", "auto"},
                {"out", "GRAPH", "graph file to write (ids go to GRAPH.ids)", ""}},
               common_options()});
}
std::vector<OptionSpec> stats_cmd_options() {
  return {{"graph", "GRAPH", "graph file written by cleave graph", ""}};
}
std::vector<OptionSpec> edges_cmd_options() {
  return {{"graph", "GRAPH", "graph file written by cleave graph", ""},
          {"out", "FILE", "write here instead of standard output", ""}};
}
std::vector<OptionSpec> fingerprints_cmd_options() {
  return join({input_options(), {{"out", "FILE", "FPS file to write", ""}}, common_options()});
}
std::vector<OptionSpec> split_cmd_options() {
  return join({{{"graph", "GRAPH", "graph file written by cleave graph", ""},
                {"out", "DIR", "directory for the split set", ""}},
               split_options(),
               {{"valid-fraction", "F",
                 "fraction of kept samples in a validation side with no edge to train or test "
                 "(carved from train; fewer when too few qualify)",
                 "0"}},
               common_options()});
}

}  // namespace

std::vector<OptionSpec> split_options() {
  return {
      {"sp", "LIST", "spectral parameters, comma separated", "0.00,0.05,...,1.00"},
      {"seeds", "LIST", "one seed per repeat, comma separated", "42,44,46"},
      {"test-fraction", "F", "fraction of kept samples put in test", "0.2"},
      {"weighted", "", "weighted mode: delete a neighbour only through a high-percentile edge", ""},
      {"compat-spectrae", "", "reproduce spectrae exactly (drops isolated samples and hubs)", ""},
      {"min-kept", "N", "no split when this many or fewer samples are kept", "5"},
      {"backend", "NAME", "auto, cpu or cuda", "auto"},
  };
}

SplitOptions split_options_from(const Args& a, bool validation) {
  SplitOptions o;
  o.test_fraction = a.real("test-fraction", 0.0, 1.0);
  CLEAVE_EXPECTS(o.test_fraction > 0.0 && o.test_fraction < 1.0,
                 "option --test-fraction must be strictly between 0 and 1 (got {})",
                 a.str("test-fraction"));
  o.weighted = a.flag("weighted");
  o.compat_spectrae = a.flag("compat-spectrae");
  o.min_kept = static_cast<uint64_t>(a.integer("min-kept", 0, 1L << 40));
  o.backend = backend_from_name(a.str("backend"));
  o.valid_fraction = validation ? a.real("valid-fraction", 0.0, 1.0) : 0.0;
  CLEAVE_EXPECTS(o.test_fraction + o.valid_fraction < 1.0,
                 "options --test-fraction and --valid-fraction leave nothing for train ({} + {})",
                 o.test_fraction, o.valid_fraction);
  return o;
}

std::vector<double> sweep_from(const Args& a) {
  if (!a.has("sp")) return default_sweep();
  auto ps = a.reals("sp", 0.0, 1.0);
  // Splits are stored by p with two decimals: two values that print alike
  // would share a folder.
  for (std::size_t i = 0; i < ps.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      CLEAVE_EXPECTS(split_dir_name(ps[i], 0) != split_dir_name(ps[j], 0),
                     "option --sp: {} and {} are the same value at two decimals", ps[j], ps[i]);
  return ps;
}

std::vector<uint64_t> seeds_from(const Args& a) {
  auto s = a.u64s("seeds");
  CLEAVE_EXPECTS(!s.empty(), "option --seeds needs at least one seed");
  return s;
}

void warn_if_dense(const Graph& g, const SplitOptions& opt) {
  if (opt.weighted) return;
  const GraphStats s = graph_stats(g);
  if (s.density >= 0.4)
    warn(fmt::format(
        "the graph's density is {:.3f}: most samples are similar to each other, so high p keeps "
        "very few of them (spectrae refuses graphs this dense); consider a higher --threshold",
        s.density));
  if (s.components > 0 && s.isolated == 0 && s.clique_components == s.components)
    warn("every component of the graph is a clique: binary-mode splits put them all in train");
}

int cmd_graph(const Args& a) {
  apply_common(a);
  const std::string out = a.str("out");
  // Over ranks every rank builds its share; rank 0 writes the graph.
  std::optional<OutputLock> lock;
  if (dist::is_root()) lock.emplace(lock_output_file(out, {".ids"}));
  Dataset in = load_input(a);
  Graph g = build_graph(a, in);
  if (!dist::is_root()) return 0;
  const dist::Solo solo;
  g.save(out);
  GraphStats s = graph_stats(g);
  std::printf("wrote %s: %llu nodes, %llu edges (%s >= %g)\n", out.c_str(),
              static_cast<unsigned long long>(s.nodes), static_cast<unsigned long long>(s.edges),
              measure_name(g.meta().measure), g.meta().threshold);
  return 0;
}

int cmd_stats(const Args& a) {
  Graph g = Graph::load(a.str("graph"));
  std::fputs(format_stats(g, graph_stats(g)).c_str(), stdout);
  return 0;
}

int cmd_edges(const Args& a) {
  Graph g = Graph::load(a.str("graph"));
  std::string text;
  auto offs = g.offsets();
  auto cols = g.columns();
  auto w = g.weights();
  const auto& ids = g.ids();
  auto flush = [&](std::FILE* f) {
    if (std::fwrite(text.data(), 1, text.size(), f) != text.size())
      CLEAVE_FAIL(io, "cannot write edges: {}", std::strerror(errno));
    text.clear();
  };
  std::optional<AtomicFile> file;
  if (a.has("out")) file.emplace(a.str("out"));
  std::FILE* f = file ? file->stream() : stdout;
  for (uint64_t v = 0; v < g.num_nodes(); ++v) {
    for (uint64_t e = offs[v]; e < offs[v + 1]; ++e) {
      if (cols[e] <= v) continue;
      text += fmt::format("{}\t{}\t{}\n", ids[v], ids[cols[e]], w[e]);
      if (text.size() > (1 << 20)) flush(f);
    }
  }
  flush(f);
  if (file) file->commit();
  return 0;
}

int cmd_fingerprints(const Args& a) {
  apply_common(a);
  Dataset in = load_input(a);
  CLEAVE_EXPECTS(in.fps.has_value(), "cleave fingerprints needs SMILES or FPS input");
  const OutputLock lock = lock_output_file(a.str("out"));
  write_fps(a.str("out"), in.samples, *in.fps);
  return 0;
}

namespace {
void print_validation(const std::vector<SplitResult>& splits, const SplitOptions& opt) {
  uint64_t lo = UINT64_MAX, hi = 0, short_of = 0;
  for (const auto& s : splits) {
    if (!s.valid) continue;
    lo = std::min(lo, s.validation);
    hi = std::max(hi, s.validation);
    short_of += s.validation < validation_count(opt.valid_fraction, s) ? 1 : 0;
  }
  if (hi == 0 && lo == UINT64_MAX) return;
  std::printf(
      "validation: %llu to %llu samples per split, with no edge to train or test; %llu splits "
      "had fewer qualifying train samples than the fraction asks\n",
      static_cast<unsigned long long>(lo), static_cast<unsigned long long>(hi),
      static_cast<unsigned long long>(short_of));
}
}  // namespace

int cmd_split(const Args& a) {
  apply_common(a);
  const std::string graph_path = a.str("graph");
  SplitOptions opt = split_options_from(a);
  const auto ps = sweep_from(a);
  const auto seeds = seeds_from(a);
  // Over ranks, rank 0 reads the graph and sends it to the others; every
  // rank makes splits; rank 0 writes the set.
  std::optional<OutputLock> lock;
  Graph g;
  if (dist::is_root()) {
    lock.emplace(lock_split_dir(a.str("out")));
    g = Graph::load(graph_path);
    warn_if_dense(g, opt);
  }
  dist::broadcast_graph(g);
  auto splits = sweep(g, ps, seeds, opt, !Progress::quiet());
  if (!dist::is_root()) return 0;
  const dist::Solo solo;
  std::string inputs =
      fmt::format("{{\"graph\": {{\"path\": \"{}\", \"checksum\": \"{}\", \"parameters\": {}}}}}",
                  json_escape(std::filesystem::absolute(graph_path).string()),
                  hex64(checksum_file(graph_path)), g.meta().parameters);
  write_split_set(a.str("out"), g, splits, opt, inputs);
  std::size_t valid = 0;
  for (const auto& s : splits) valid += s.valid;
  if (opt.valid_fraction > 0) print_validation(splits, opt);
  std::printf("wrote %zu splits (%zu of %zu (p, seed) pairs kept more than %llu samples) to %s\n",
              valid, valid, splits.size(), static_cast<unsigned long long>(opt.min_kept),
              a.str("out").c_str());
  return 0;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"run", "the whole pipeline: graph, SPECTRA splits, baseline, AUSPC report", run_cmd_options,
       "  cleave run --input molecules.csv --out results\n"
       "  cleave run --input CHEMBL.smi --labels act.csv --threshold 0.4 --out results\n"
       "  cleave run --input gb1.csv --format dms --out gb1_results\n",
       cmd_run},
      {"graph", "build the overlap graph of a dataset", graph_cmd_options,
       "  cleave graph --input molecules.csv --threshold 0.4 --out mols.cgr\n"
       "  cleave graph --input pairs.tsv --ids ids.txt --format pairs --out mols.cgr\n",
       cmd_graph},
      {"stats", "summarise a graph: nodes, edges, density, components, degrees", stats_cmd_options,
       "  cleave stats --graph mols.cgr\n", cmd_stats},
      {"edges", "print every edge as id_a<TAB>id_b<TAB>similarity", edges_cmd_options,
       "  cleave edges --graph mols.cgr | head\n", cmd_edges},
      {"split", "make the SPECTRA split spectrum of a graph", split_cmd_options,
       "  cleave split --graph mols.cgr --out splits\n"
       "  cleave split --graph mols.cgr --sp 0,0.5,1 --seeds 1,2 --weighted --out splits\n",
       cmd_split},
      {"partition", "zero-overlap splits by minimum cut, removing as few samples as possible",
       partition_cmd_options,
       "  cleave partition --graph mols.cgr --out parts\n"
       "  cleave partition --graph mols.cgr --test-fraction 0.1 --valid-fraction 0.1 --repeats 5 "
       "--out parts\n"
       "  cleave partition --graph mols.cgr --target-overlap 0,0.25,0.5,0.75,1 --out spectrum\n"
       "  cleave partition --graph mols.cgr --labels labels.csv --stratify --out parts\n",
       cmd_partition},
      {"baseline", "score a nearest-neighbour predictor on every split", baseline_cmd_options,
       "  cleave baseline --input molecules.csv --splits splits --out scores.csv\n", cmd_baseline},
      {"auspc", "spectral performance curve and AUSPC from per-split scores", auspc_cmd_options,
       "  cleave auspc --scores scores.csv --stats splits/stats.tsv --out report\n", cmd_auspc},
      {"search", "the most similar targets of every query (exact, all pairs)", search_cmd_options,
       "  cleave search --query new.csv --target library.csv --top 5 --out hits.tsv\n"
       "  cleave search --query q.fasta --target db.fasta --threshold 0.5 --out hits.tsv\n",
       cmd_search},
      {"audit", "how close an existing split's test samples are to its train samples",
       audit_cmd_options,
       "  cleave audit --input molecules.csv --split my_split/ --out audit\n"
       "  cleave audit --input molecules.csv --split assignments.csv --split-column fold --out "
       "audit\n"
       "  cleave audit --input molecules.csv --split splits --out audit_all\n",
       cmd_audit},
      {"paired",
       "splits of drug-target or protein-protein pairs cold on one or both sides (sweep or "
       "min-cut)",
       paired_cmd_options,
       "  cleave paired --input dti.csv --cold drug --out splits_cold_drug\n"
       "  cleave paired --input dti.csv --target-fasta proteins.fasta --cold both --out splits\n"
       "  cleave paired --input dti.csv --cold target --method partition --out splits\n"
       "  cleave paired --pairs protein-protein --input ppi.csv --fasta proteins.fasta --cold one "
       "\\\n"
       "      --out splits\n",
       cmd_paired},
      {"augood", "AU-GOOD: scores at similarity thresholds weighted by a deployment set",
       augood_cmd_options,
       "  cleave audit --input all.csv --split deploy_vs_train/ --out deploy\n"
       "  cleave augood --curve scores_by_threshold.csv --deployment deploy/nearest.tsv\n",
       cmd_augood},
      {"fingerprints", "write the Morgan fingerprints of a SMILES file as FPS",
       fingerprints_cmd_options, "  cleave fingerprints --input molecules.csv --out mols.fps\n",
       cmd_fingerprints},
  };
  return table;
}

namespace {
std::string usage() {
  std::string out = fmt::format(
      "cleave {}: similarity graphs and SPECTRA splits for molecular datasets\n\n"
      "Usage: cleave <command> [options]   (cleave <command> --help for details)\n\nCommands:\n",
      cleave_version_string());
  for (const auto& c : commands()) out += fmt::format("  {:<14}{}\n", c.name, c.summary);
  out += fmt::format("  {:<14}{}\n", "version", "print the version");
  out += "\nExample:\n  cleave run --input molecules.csv --out results\n";
  return out;
}
}  // namespace

namespace {
/// Prints the error; in a job of several ranks, names the rank and ends the
/// whole job (MPI_Abort) so no rank is left waiting for this one.
int fail(const std::string& name, const char* what, int code) {
  const int ranks = dist::size();
  if (ranks > 1) {
    std::fprintf(stderr, "cleave %s: error (rank %d of %d): %s\n", name.c_str(), dist::rank(),
                 ranks, what);
    dist::abort(code);
  }
  std::fprintf(stderr, "cleave %s: error: %s\n", name.c_str(), what);
  return code;
}
}  // namespace

int run_main(int argc, char** argv) {
  // Past a file size limit (ulimit -f), a write fails with EFBIG and is
  // reported, instead of SIGXFSZ killing the process mid-file.
  std::signal(SIGXFSZ, SIG_IGN);
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(usage().c_str(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  if (name == "version" || name == "--version") {
    std::printf("cleave %s\n", cleave_version_string());
    const std::string archs = cleave_cuda_architectures();
    std::printf("cuda architectures: %s\n",
                archs.empty() ? "none (built without CUDA)" : archs.c_str());
    std::printf("mpi: %s\n", dist::built_with_mpi() ? "yes" : "no (built without MPI)");
    return 0;
  }
  // Commands without a distributed stage run on rank 0 alone.
  const bool over_ranks = name == "graph" || name == "split" || name == "run";
  if (dist::size() > 1 && !over_ranks && !dist::is_root()) return 0;
  for (const auto& c : commands()) {
    if (name != c.name) continue;
    std::optional<dist::Solo> solo;
    if (!over_ranks && dist::size() > 1) solo.emplace();
    try {
      auto specs = c.options();
      Args args(name, specs, argc - 2, argv + 2);
      if (args.help_requested()) {
        std::fputs(format_help(name, c.summary, specs, c.examples).c_str(), stdout);
        return 0;
      }
      return c.run(args);
    } catch (const dist::ReportedToRoot&) {
      // Rank 0 prints this rank's error and ends the job; should it not
      // within a minute, this rank does.
      for (int i = 0; i < 600; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      fail(name, "rank 0 did not end the job after this rank's failure", 1);
    } catch (const error& e) {
      return fail(name, e.what(), e.code() == errc::invalid_argument ? 2 : 1);
    } catch (const std::bad_alloc&) {
      return fail(name, "out of memory", 1);
    } catch (const std::exception& e) {
      return fail(name, e.what(), 1);
    }
  }
  std::fprintf(stderr, "cleave: unknown command '%s'\n\n%s", name.c_str(), usage().c_str());
  return 2;
}

}  // namespace cleave::cli
