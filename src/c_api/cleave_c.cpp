// The C API: a thin layer over the C++ library; every entry point translates
// exceptions into a status and a thread-local message.
#include "cleave/cleave.h"

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <unordered_map>

#include "cleave/dataset.hpp"
#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "cleave/graph.hpp"
#include "cleave/io.hpp"
#include "cleave/paired.hpp"
#include "cleave/partition.hpp"
#include "cleave/search.hpp"
#include "cleave/similarity.hpp"
#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "cleave/version.hpp"

struct cleave_graph_s {
  cleave::Graph graph;
};

struct cleave_splits_s {
  cleave::Graph graph;  // shares storage with the source graph
  cleave::SplitOptions options;
  std::vector<cleave::SplitResult> splits;
  std::optional<cleave::SplitSetLayout> layout;         // min-cut partitions, paired data
  std::string inputs_json = "{\"source\": \"C API\"}";  // the manifest's inputs
};

struct cleave_hits_s {
  std::vector<std::string> query_ids, target_ids;
  cleave::SearchResult result;
};

namespace {

thread_local std::string g_last_error;

cleave_status status_of(cleave::errc c) {
  switch (c) {
    case cleave::errc::invalid_argument:
      return CLEAVE_ERROR_INVALID_ARGUMENT;
    case cleave::errc::io:
      return CLEAVE_ERROR_IO;
    case cleave::errc::format:
      return CLEAVE_ERROR_FORMAT;
    case cleave::errc::out_of_memory:
      return CLEAVE_ERROR_OUT_OF_MEMORY;
    case cleave::errc::cuda:
      return CLEAVE_ERROR_CUDA;
    case cleave::errc::cancelled:
      return CLEAVE_ERROR_CANCELLED;
    case cleave::errc::internal:
      break;
  }
  return CLEAVE_ERROR_INTERNAL;
}

/// The hooks of a call: the context's log, progress and cancel flag, or
/// none (warnings dropped, nothing printed).
cleave::CallHooks hooks_of(const cleave_context* ctx) {
  cleave::CallHooks h;
  if (!ctx) return h;
  if (ctx->log) {
    auto fn = ctx->log;
    void* user = ctx->log_user;
    h.log = [fn, user](const std::string& m) { fn(m.c_str(), user); };
  }
  if (ctx->progress) {
    auto fn = ctx->progress;
    void* user = ctx->progress_user;
    h.progress = [fn, user](const std::string& stage, uint64_t done, uint64_t total) {
      fn(stage.c_str(), done, total, user);
    };
  }
  if (ctx->cancel) {
    const volatile int* flag = ctx->cancel;
    // Read atomically: the caller may set the flag from another thread.
    h.cancelled = [flag] {
      return __atomic_load_n(const_cast<const int*>(flag), __ATOMIC_RELAXED) != 0;
    };
  }
  return h;
}

void check_context(const cleave_context* ctx) {
  if (!ctx) return;
  CLEAVE_EXPECTS(ctx->struct_size == sizeof(cleave_context),
                 "context struct_size {} is not one this library knows (expected {}); call "
                 "cleave_context_init",
                 ctx->struct_size, sizeof(cleave_context));
  CLEAVE_EXPECTS(ctx->backend >= 0 && ctx->backend <= 2, "context backend must be 0, 1 or 2");
  CLEAVE_EXPECTS(ctx->threads >= 0, "context threads must be >= 0 (got {})", ctx->threads);
}

/// Runs f with the context's hooks installed (so that the library prints
/// nothing), turning every exception into a status and a message. A context
/// with a wrong struct_size is reported before any hook is read.
template <class F>
cleave_status guarded(const cleave_context* ctx, F&& f) noexcept {
  try {
    check_context(ctx);
    const cleave::CallHooks hooks = hooks_of(ctx);
    const cleave::ScopedCallHooks scope(&hooks);
    f();
    g_last_error.clear();
    return CLEAVE_OK;
  } catch (const cleave::error& e) {
    g_last_error = e.what();
    return status_of(e.code());
  } catch (const std::bad_alloc&) {
    g_last_error = "out of memory";
    return CLEAVE_ERROR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    g_last_error = e.what();
    return CLEAVE_ERROR_INTERNAL;
  } catch (...) {
    g_last_error = "unknown error";
    return CLEAVE_ERROR_INTERNAL;
  }
}

template <class F>
cleave_status guarded(F&& f) noexcept {
  return guarded(nullptr, std::forward<F>(f));
}

/// Every live handle, by address, with its kind. A handle is checked here
/// before it is dereferenced, so a NULL, destroyed, foreign or mistyped handle
/// is reported as an error without touching freed memory. (Once destroyed, a
/// handle's address may be reused by a later handle of the same kind; that
/// one is then live and valid.)
enum class handle_kind { graph, splits, hits };
std::mutex g_registry_mutex;
std::unordered_map<const void*, handle_kind>& registry() {
  static auto* live = new std::unordered_map<const void*, handle_kind>;  // outlives atexit
  return *live;
}

template <class H>
H* register_handle(std::unique_ptr<H> h, handle_kind kind) {
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  registry().emplace(h.get(), kind);
  return h.release();
}

bool is_live(const void* h, handle_kind kind) {
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  auto it = registry().find(h);
  return it != registry().end() && it->second == kind;
}

/// Removes h from the registry; false when it was not a live handle of that kind.
bool unregister(const void* h, handle_kind kind) {
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  auto it = registry().find(h);
  if (it == registry().end() || it->second != kind) return false;
  registry().erase(it);
  return true;
}

const cleave::Graph& graph_of(cleave_graph g) {
  CLEAVE_EXPECTS(g != nullptr, "graph handle is NULL");
  CLEAVE_EXPECTS(is_live(g, handle_kind::graph),
                 "not a live graph handle (destroyed, or not made by cleave_graph_*)");
  return g->graph;
}

cleave_splits_s& splits_of(cleave_splits s) {
  CLEAVE_EXPECTS(s != nullptr, "splits handle is NULL");
  CLEAVE_EXPECTS(is_live(s, handle_kind::splits),
                 "not a live splits handle (destroyed, or not made by cleave_sweep)");
  return *s;
}

const cleave_hits_s& hits_of(cleave_hits h) {
  CLEAVE_EXPECTS(h != nullptr, "hits handle is NULL");
  CLEAVE_EXPECTS(is_live(h, handle_kind::hits),
                 "not a live hits handle (destroyed, or not made by cleave_search)");
  return *h;
}

/// Copies ids[i] (NUL-terminated, truncated to size) into buf; `what`
/// names the kind of entry in the range message.
void copy_id(const std::vector<std::string>& ids, uint64_t i, char* buf, size_t size,
             const char* what) {
  CLEAVE_EXPECTS(i < ids.size(), "{} {} out of range ({} {}s)", what, i, ids.size(), what);
  CLEAVE_EXPECTS(buf != nullptr && size > 0, "buffer is NULL or empty");
  const std::string& id = ids[i];
  const std::size_t len = std::min(size - 1, id.size());
  std::memcpy(buf, id.data(), len);
  buf[len] = '\0';
}

template <class T>
void require_out(T* p, const char* name) {
  CLEAVE_EXPECTS(p != nullptr, "output argument {} is NULL", name);
}

cleave_graph wrap(cleave::Graph g) {
  auto h = std::make_unique<cleave_graph_s>();
  h->graph = std::move(g);
  return register_handle(std::move(h), handle_kind::graph);
}

cleave::Context context_of(const cleave_context* ctx) {
  cleave::Context c;
  c.progress = false;  // progress goes to the call's hooks, never to stderr
  if (!ctx) return c;
  c.backend = static_cast<cleave::Backend>(ctx->backend);
  c.threads = ctx->threads;
  c.max_memory = ctx->max_memory;
  if (ctx->work_dir) c.work_dir = ctx->work_dir;
  c.progress = ctx->progress != nullptr;
  return c;
}

/// The library's dataset settings from the C struct (NULL: the defaults).
cleave::DatasetOptions dataset_options(const cleave_graph_options* opt) {
  cleave::DatasetOptions o;
  if (!opt) return o;
  CLEAVE_EXPECTS(opt->struct_size == sizeof(cleave_graph_options),
                 "graph options struct_size {} is not one this library knows (expected {}); "
                 "call cleave_graph_options_init",
                 opt->struct_size, sizeof(cleave_graph_options));
  auto text = [](const char* s, std::string& field) {
    if (s) field = s;
  };
  auto path = [](const char* s, std::filesystem::path& field) {
    if (s) field = s;
  };
  if (opt->format) o.format = cleave::input_format_from_name(opt->format);
  if (!std::isnan(opt->threshold)) {
    o.molecules.threshold = o.sequences.threshold = o.embeddings.threshold = o.pairs.threshold =
        opt->threshold;
  }
  cleave::MoleculeSettings& m = o.molecules;
  if (opt->measure) m.measure = cleave::measure_from_name(opt->measure);
  text(opt->id_column, m.id_column);
  text(opt->smiles_column, m.smiles_column);
  m.radius = opt->radius;
  m.n_bits = opt->nbits;
  m.strict = opt->strict != 0;
  CLEAVE_EXPECTS(opt->max_smiles_length > 0, "max_smiles_length must be > 0");
  m.max_smiles_length = opt->max_smiles_length;
  cleave::LabelSettings& l = o.labels;
  text(opt->label_column, l.column);
  path(opt->labels_file, l.file);
  text(opt->labels_id_column, l.id_column);
  path(opt->ids_file, l.ids_file);
  cleave::SequenceSettings& q = o.sequences;
  if (opt->alphabet) q.alphabet = cleave::alphabet_from_name(opt->alphabet);
  if (opt->invalid) q.invalid = cleave::invalid_residue_from_name(opt->invalid);
  if (opt->align) q.mode = cleave::align_mode_from_name(opt->align);
  q.gap_open = opt->gap_open;
  q.gap_extend = opt->gap_extend;
  q.match = opt->match;
  q.mismatch = opt->mismatch;
  if (opt->identity) q.identity = cleave::identity_kind_from_name(opt->identity);
  if (opt->search) q.search = cleave::search_mode_from_name(opt->search);
  q.sensitivity = opt->sensitivity;
  text(opt->mutant_column, o.mutations.mutant_column);
  if (opt->gemm_precision)
    o.embeddings.gemm_precision = cleave::gemm_precision_from_name(opt->gemm_precision);
  return o;
}

/// n C strings (none NULL) as std::strings.
std::vector<std::string> strings(const char* const* a, size_t n, const char* name) {
  CLEAVE_EXPECTS(a != nullptr, "{} is NULL", name);
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    CLEAVE_EXPECTS(a[i] != nullptr, "{}[{}] is NULL", name, i);
    out.emplace_back(a[i]);
  }
  return out;
}

/// ids, or none (the library numbers the samples) when a is NULL.
std::vector<std::string> optional_strings(const char* const* a, size_t n) {
  return a ? strings(a, n, "ids") : std::vector<std::string>{};
}

/// The library's settings of a paired split from the C struct; refuses
/// settings of the other kind of pairs or the other method.
cleave::PairedSplitOptions paired_options(const cleave_paired_options& o) {
  cleave::PairedSplitOptions p;
  cleave_paired_options d;
  cleave_paired_options_init(&d);
  const std::string kind = o.kind ? o.kind : "drug-target";
  CLEAVE_EXPECTS(kind == "drug-target" || kind == "protein-protein",
                 "kind: unknown kind of pairs '{}' (drug-target or protein-protein)", kind);
  p.protein_pairs = kind == "protein-protein";
  const std::string method = o.method ? o.method : "spectra";
  CLEAVE_EXPECTS(method == "spectra" || method == "sweep" || method == "partition",
                 "method: unknown method '{}' (spectra, sweep or partition)", method);
  p.partition = method == "partition";
  if (o.cold) {
    p.cold = o.cold;
    if (p.protein_pairs)
      cleave::ppi_cold_from_name(p.cold);  // "one or both", before the file is read
    else
      cleave::cold_side_from_name(p.cold);
  }
  const auto refuse = [&](bool changed, const char* field, const std::string& why) {
    CLEAVE_EXPECTS(!changed, "option {} {}", field, why);
  };
  if (p.protein_pairs) {
    const std::string why = "is for drug-target pairs";
    refuse(o.drug_column != nullptr, "drug_column", why);
    refuse(o.target_column != nullptr, "target_column", why);
    refuse(o.drug_threshold != d.drug_threshold, "drug_threshold", why);
    refuse(o.radius != d.radius, "radius", why);
    refuse(o.nbits != d.nbits, "nbits", why);
    CLEAVE_EXPECTS(o.fasta != nullptr,
                   "protein-protein pairs need fasta (the FASTA of both id columns)");
    cleave::ProteinPairsReadOptions& r = p.protein;
    r.fasta = o.fasta;
    if (o.protein_a_column) r.a_column = o.protein_a_column;
    if (o.protein_b_column) r.b_column = o.protein_b_column;
    if (o.id_column) r.id_column = o.id_column;
    if (o.label_column) r.label_column = o.label_column;
  } else {
    const std::string why = "is for protein-protein pairs";
    refuse(o.protein_a_column != nullptr, "protein_a_column", why);
    refuse(o.protein_b_column != nullptr, "protein_b_column", why);
    cleave::PairedReadOptions& r = p.drug_target;
    if (o.fasta) r.target_fasta = o.fasta;
    if (o.drug_column) r.drug_column = o.drug_column;
    if (o.target_column) r.target_column = o.target_column;
    if (o.id_column) r.id_column = o.id_column;
    if (o.label_column) r.label_column = o.label_column;
    CLEAVE_EXPECTS(o.radius <= 16, "radius must be in [0, 16] (got {})", o.radius);
    CLEAVE_EXPECTS(o.nbits >= 8 && o.nbits <= (1u << 20), "nbits must be in [8, 2^20] (got {})",
                   o.nbits);
    r.radius = o.radius;
    r.n_bits = o.nbits;
    CLEAVE_EXPECTS(o.drug_threshold >= 0 && o.drug_threshold <= 1,
                   "drug_threshold must be in [0, 1] (got {})", o.drug_threshold);
    p.drug_threshold = o.drug_threshold;
  }
  if (!p.protein_pairs && (p.cold.empty() || p.cold == "drug")) {
    const std::string why = "sets the target graph, which cold drug does not build";
    refuse(!std::isnan(o.identity_threshold), "identity_threshold", why);
    refuse(o.align != nullptr, "align", why);
    refuse(o.identity != nullptr, "identity", why);
    refuse(o.search != nullptr, "search", why);
    refuse(o.sensitivity != d.sensitivity, "sensitivity", why);
  }
  cleave::SequenceSettings& q = p.sequences;
  if (!std::isnan(o.identity_threshold)) {
    CLEAVE_EXPECTS(o.identity_threshold >= 0 && o.identity_threshold <= 1,
                   "identity_threshold must be in [0, 1] (got {})", o.identity_threshold);
    q.threshold = o.identity_threshold;
  }
  if (o.align) q.mode = cleave::align_mode_from_name(o.align);
  if (o.identity) q.identity = cleave::identity_kind_from_name(o.identity);
  if (o.search) q.search = cleave::search_mode_from_name(o.search);
  CLEAVE_EXPECTS(o.sensitivity >= 1 && o.sensitivity <= 9, "sensitivity must be in [1, 9] (got {})",
                 o.sensitivity);
  q.sensitivity = o.sensitivity;
  CLEAVE_EXPECTS(o.test_fraction > 0 && o.test_fraction < 1,
                 "test_fraction must be strictly between 0 and 1 (got {})", o.test_fraction);
  p.sweep.test_fraction = o.test_fraction;
  if (p.partition) {
    const std::string why = "applies to method spectra only";
    refuse(o.weighted != d.weighted, "weighted", why);
    refuse(o.min_kept != d.min_kept, "min_kept", why);
    p.part.tolerance = o.tolerance;
    p.part.tries = o.tries;
  } else {
    const std::string why = "needs method partition";
    refuse(o.tolerance != d.tolerance, "tolerance", why);
    refuse(o.tries != d.tries, "tries", why);
    p.sweep.weighted = o.weighted != 0;
    p.sweep.min_kept = o.min_kept;
  }
  if (o.context) p.sweep.backend = static_cast<cleave::Backend>(o.context->backend);
  return p;
}

}  // namespace

extern "C" {

const char* cleave_last_error(void) {
  return g_last_error.c_str();
}

const char* cleave_version(int* major, int* minor, int* patch) {
  const char* v = cleave::cleave_version_string();
  int parts[3] = {0, 0, 0};
  std::sscanf(v, "%d.%d.%d", &parts[0], &parts[1], &parts[2]);
  if (major) *major = parts[0];
  if (minor) *minor = parts[1];
  if (patch) *patch = parts[2];
  return v;
}

cleave_status cleave_graph_from_edges(uint64_t n_nodes, uint64_t n_edges, const uint32_t* u,
                                      const uint32_t* v, const float* w, double threshold,
                                      uint64_t n_pairs, cleave_graph* out) {
  return guarded([&] {
    require_out(out, "out");
    *out = nullptr;
    CLEAVE_EXPECTS(n_edges == 0 || (u && v), "edge arrays are NULL");
    CLEAVE_EXPECTS(n_nodes < (uint64_t{1} << 32), "n_nodes {} exceeds 2^32 - 1", n_nodes);
    CLEAVE_EXPECTS(!std::isnan(threshold), "threshold is NaN");
    std::vector<cleave::Edge> edges(n_edges);
    for (uint64_t i = 0; i < n_edges; ++i) edges[i] = {u[i], v[i], w ? w[i] : 1.0f};
    cleave::GraphMeta meta;
    meta.measure = cleave::Measure::precomputed;
    meta.threshold = threshold;
    meta.n_pairs = n_pairs ? n_pairs : n_nodes * (n_nodes ? n_nodes - 1 : 0) / 2;
    auto g = cleave::Graph::from_edges(n_nodes, std::move(edges), meta);
    CLEAVE_EXPECTS(g.num_edges() <= meta.n_pairs, "n_pairs {} is smaller than the {} edges",
                   meta.n_pairs, g.num_edges());
    *out = wrap(std::move(g));
  });
}

cleave_status cleave_graph_from_fingerprints(uint64_t n, uint32_t words_per_fp,
                                             const uint64_t* words, double threshold,
                                             cleave_graph* out) {
  return guarded([&] {
    require_out(out, "out");
    *out = nullptr;
    CLEAVE_EXPECTS(words != nullptr && words_per_fp > 0 && n > 0,
                   "fingerprints need n > 0, words_per_fp > 0 and a word array");
    CLEAVE_EXPECTS(threshold >= 0 && threshold <= 1, "threshold must be in [0, 1] (got {})",
                   threshold);
    CLEAVE_EXPECTS(n < (uint64_t{1} << 32) && n <= SIZE_MAX / 8 / words_per_fp,
                   "{} fingerprints of {} words are too many", n, words_per_fp);
    cleave::Fingerprints fps;
    fps.n_bits = words_per_fp * 64;
    fps.words_per_fp = words_per_fp;
    fps.words.assign(words, words + n * words_per_fp);
    cleave::SimilarityOptions opt;
    opt.threshold = threshold;
    opt.progress = false;
    *out = wrap(cleave::fingerprint_graph(fps, opt));
  });
}

cleave_status cleave_graph_from_file(const char* path, const char* format, double threshold,
                                     cleave_graph* out) {
  if (std::isnan(threshold))
    return guarded([] { CLEAVE_FAIL(invalid_argument, "threshold is NaN"); });
  cleave_graph_options opt;
  cleave_graph_options_init(&opt);
  opt.format = format;
  if (threshold >= 0) opt.threshold = threshold;  // < 0: the default
  return cleave_graph_from_file_ex(path, &opt, nullptr, out);
}

void cleave_set_max_line_length(size_t bytes) {
  cleave::set_max_line_length(bytes);
}

void cleave_context_init(cleave_context* ctx) {
  if (!ctx) return;
  std::memset(ctx, 0, sizeof *ctx);
  ctx->struct_size = sizeof *ctx;
}

void cleave_graph_options_init(cleave_graph_options* opt) {
  if (!opt) return;
  std::memset(opt, 0, sizeof *opt);
  const cleave::DatasetOptions d;
  opt->struct_size = sizeof *opt;
  opt->threshold = NAN;
  opt->radius = d.molecules.radius;
  opt->max_smiles_length = d.molecules.max_smiles_length;
  opt->nbits = d.molecules.n_bits;
  opt->gap_open = d.sequences.gap_open;
  opt->gap_extend = d.sequences.gap_extend;
  opt->match = d.sequences.match;
  opt->mismatch = d.sequences.mismatch;
  opt->sensitivity = d.sequences.sensitivity;
}

cleave_status cleave_graph_from_file_ex(const char* path, const cleave_graph_options* opt,
                                        const cleave_context* ctx, cleave_graph* out) {
  return guarded(ctx, [&] {
    require_out(out, "out");
    *out = nullptr;
    CLEAVE_EXPECTS(path != nullptr, "path is NULL");
    const cleave::DatasetOptions o = dataset_options(opt);
    *out = wrap(cleave::graph_from_file(path, o, context_of(ctx)));
  });
}

cleave_status cleave_graph_from_smiles(size_t n, const char* const* smiles, const char* const* ids,
                                       const cleave_graph_options* opt, const cleave_context* ctx,
                                       cleave_graph* out) {
  return guarded(ctx, [&] {
    require_out(out, "out");
    *out = nullptr;
    const auto o = dataset_options(opt);
    const auto c = context_of(ctx);
    const auto data =
        cleave::dataset_from_smiles(strings(smiles, n, "smiles"), optional_strings(ids, n), o, c);
    *out = wrap(cleave::dataset_graph(data, o, c));
  });
}

cleave_status cleave_graph_from_sequences(size_t n, const char* const* sequences,
                                          const char* const* ids, const cleave_graph_options* opt,
                                          const cleave_context* ctx, cleave_graph* out) {
  return guarded(ctx, [&] {
    require_out(out, "out");
    *out = nullptr;
    const auto o = dataset_options(opt);
    const auto c = context_of(ctx);
    const auto data = cleave::dataset_from_sequences(strings(sequences, n, "sequences"),
                                                     optional_strings(ids, n), o, c);
    *out = wrap(cleave::dataset_graph(data, o, c));
  });
}

cleave_status cleave_graph_from_embeddings(uint64_t n, uint32_t dim, const float* values,
                                           const char* const* ids, const cleave_graph_options* opt,
                                           const cleave_context* ctx, cleave_graph* out) {
  return guarded(ctx, [&] {
    require_out(out, "out");
    *out = nullptr;
    CLEAVE_EXPECTS(values != nullptr, "values is NULL");
    CLEAVE_EXPECTS(n < (uint64_t{1} << 32), "{} embeddings exceed 2^32 - 1", n);
    const auto o = dataset_options(opt);
    const auto c = context_of(ctx);
    const auto data = cleave::dataset_from_embeddings(values, n, dim, optional_strings(ids, n));
    *out = wrap(cleave::dataset_graph(data, o, c));
  });
}

cleave_status cleave_graph_load(const char* path, cleave_graph* out) {
  return guarded([&] {
    require_out(out, "out");
    *out = nullptr;
    CLEAVE_EXPECTS(path != nullptr, "path is NULL");
    *out = wrap(cleave::Graph::load(path));
  });
}

cleave_status cleave_graph_save(cleave_graph g, const char* path) {
  return guarded([&] {
    CLEAVE_EXPECTS(path != nullptr, "path is NULL");
    graph_of(g).save(path);
  });
}

cleave_status cleave_graph_size(cleave_graph g, uint64_t* n_nodes, uint64_t* n_edges) {
  return guarded([&] {
    const auto& gr = graph_of(g);
    if (n_nodes) *n_nodes = gr.num_nodes();
    if (n_edges) *n_edges = gr.num_edges();
  });
}

cleave_status cleave_graph_id(cleave_graph g, uint64_t i, char* buf, size_t size) {
  return guarded([&] { copy_id(graph_of(g).ids(), i, buf, size, "node"); });
}

void cleave_graph_destroy(cleave_graph g) {
  if (g && unregister(g, handle_kind::graph)) delete g;
}

void cleave_split_options_init(cleave_split_options* opt) {
  if (!opt) return;
  std::memset(opt, 0, sizeof *opt);
  opt->struct_size = sizeof *opt;
  opt->test_fraction = 0.2;
  opt->min_kept = 5;
}

cleave_status cleave_sweep(cleave_graph g, const cleave_split_options* opt, const double* ps,
                           size_t n_ps, const uint64_t* seeds, size_t n_seeds, cleave_splits* out) {
  // The context field exists in structs from this header on (older ones end
  // at threads).
  const bool has_context = opt && opt->struct_size == sizeof(cleave_split_options);
  return guarded(has_context ? opt->context : nullptr, [&] {
    require_out(out, "out");
    *out = nullptr;
    const auto& gr = graph_of(g);
    CLEAVE_EXPECTS(opt != nullptr, "options are NULL (use cleave_split_options_init)");
    CLEAVE_EXPECTS(opt->struct_size >= offsetof(cleave_split_options, threads) + sizeof(int) &&
                       opt->struct_size <= sizeof(cleave_split_options),
                   "options struct_size {} is not one this library knows (expected {}); call "
                   "cleave_split_options_init",
                   opt->struct_size, sizeof(cleave_split_options));
    CLEAVE_EXPECTS(ps && n_ps > 0 && seeds && n_seeds > 0, "need at least one p and one seed");
    CLEAVE_EXPECTS(opt->test_fraction > 0 && opt->test_fraction < 1,
                   "test_fraction must be strictly between 0 and 1 (got {})", opt->test_fraction);
    CLEAVE_EXPECTS(opt->backend >= 0 && opt->backend <= 2, "backend must be 0, 1 or 2");
    CLEAVE_EXPECTS(opt->threads >= 0, "threads must be >= 0 (got {})", opt->threads);
    for (size_t i = 0; i < n_ps; ++i)
      CLEAVE_EXPECTS(ps[i] >= 0 && ps[i] <= 1, "p = {} is outside [0, 1]", ps[i]);
    cleave::SplitOptions so;
    so.test_fraction = opt->test_fraction;
    so.weighted = opt->weighted != 0;
    so.compat_spectrae = opt->compat_spectrae != 0;
    so.min_kept = opt->min_kept;
    so.backend = static_cast<cleave::Backend>(opt->backend);
    if (opt->threads > 0) cleave::set_num_threads(opt->threads);
    auto h = std::make_unique<cleave_splits_s>();
    h->graph = gr;
    h->options = so;
    const bool progress = has_context && opt->context && opt->context->progress;
    h->splits = cleave::sweep(gr, std::vector<double>(ps, ps + n_ps),
                              std::vector<uint64_t>(seeds, seeds + n_seeds), so, progress);
    *out = register_handle(std::move(h), handle_kind::splits);
  });
}

void cleave_partition_options_init(cleave_partition_options* opt) {
  if (!opt) return;
  const cleave::PartitionOptions d;
  *opt = cleave_partition_options{sizeof(cleave_partition_options),
                                  d.test_fraction,
                                  d.valid_fraction,
                                  d.tolerance,
                                  d.tries,
                                  d.mutation_aware ? 1 : 0,
                                  0,
                                  0,
                                  nullptr,
                                  nullptr,
                                  5,
                                  0};
}

cleave_status cleave_partition(cleave_graph g, const cleave_partition_options* opt,
                               const double* targets, size_t n_targets, const uint64_t* seeds,
                               size_t n_seeds, cleave_splits* out) {
  const bool sized = opt && opt->struct_size == sizeof(cleave_partition_options);
  return guarded(sized ? opt->context : nullptr, [&] {
    require_out(out, "out");
    *out = nullptr;
    const auto& gr = graph_of(g);
    CLEAVE_EXPECTS(opt != nullptr, "options are NULL (use cleave_partition_options_init)");
    CLEAVE_EXPECTS(opt->struct_size == sizeof(cleave_partition_options),
                   "options struct_size {} is not one this library knows (expected {}); call "
                   "cleave_partition_options_init",
                   opt->struct_size, sizeof(cleave_partition_options));
    CLEAVE_EXPECTS(targets && n_targets > 0 && seeds && n_seeds > 0,
                   "need at least one target and one seed");
    CLEAVE_EXPECTS(opt->threads >= 0, "threads must be >= 0 (got {})", opt->threads);
    for (size_t i = 0; i < n_targets; ++i)
      CLEAVE_EXPECTS(targets[i] >= 0 && targets[i] <= 1, "target {} is outside [0, 1]", targets[i]);
    CLEAVE_EXPECTS(opt->folds != 1 && opt->folds <= 100,
                   "folds must be 0 (train/test) or 2 to 100 (got {})", opt->folds);
    CLEAVE_EXPECTS(opt->folds == 0 || (n_targets == 1 && targets[0] == 0),
                   "k-fold partitions take the single target 0");
    CLEAVE_EXPECTS(!opt->stratify || opt->labels != nullptr, "stratify needs labels");
    CLEAVE_EXPECTS(!opt->stratify || (n_targets == 1 && targets[0] == 0),
                   "stratify takes the single target 0 (moves toward a target overlap would "
                   "undo it)");
    std::optional<cleave::Strata> strata;
    if (opt->labels != nullptr)
      strata = cleave::make_strata(std::span<const double>(opt->labels, gr.num_nodes()), gr.ids(),
                                   opt->strata);
    cleave::PartitionOptions po;
    po.test_fraction = opt->test_fraction;
    po.valid_fraction = opt->valid_fraction;
    po.tolerance = opt->tolerance;
    po.tries = opt->tries;
    po.mutation_aware = opt->mutation_aware != 0;
    if (opt->threads > 0) cleave::set_num_threads(opt->threads);
    auto h = std::make_unique<cleave_splits_s>();
    h->graph = gr;
    h->options.test_fraction = po.test_fraction;
    const bool progress = sized && opt->context && opt->context->progress;
    if (opt->folds > 0) {
      for (size_t i = 0; i < n_seeds; ++i) {
        cleave::check_cancelled(cleave::current_call_hooks());
        h->splits.push_back(
            cleave::partition_folds(gr, opt->folds, po, seeds[i], static_cast<int>(i)));
        if (opt->stratify)
          cleave::stratify_folds(gr, h->splits.back(), opt->folds, *strata, po.tolerance);
      }
    } else {
      auto zero =
          cleave::partition_splits(gr, po, std::vector<uint64_t>(seeds, seeds + n_seeds), progress);
      if (opt->stratify)
        for (auto& z : zero) cleave::stratify_split(gr, z, *strata, po);
      for (size_t i = 0; i < n_targets; ++i)
        for (const auto& z : zero)
          h->splits.push_back(cleave::partition_with_overlap(gr, z, targets[i], po.test_fraction,
                                                             z.seed, po.tolerance));
    }
    cleave::SplitSetLayout layout;
    layout.folds = static_cast<int>(opt->folds);
    layout.key = "target";
    layout.dir_prefix = "ov";
    layout.validation = true;
    layout.method = "partition";
    layout.options_json = fmt::format(
        "{{\"test_fraction\": {}, \"valid_fraction\": {}, \"tolerance\": {}, \"tries\": {}",
        po.test_fraction, po.valid_fraction, po.tolerance, po.tries);
    if (strata) {
      layout.options_json += fmt::format(
          ", \"stratify\": {}, \"strata\": {}", opt->stratify != 0,
          strata->classes ? std::string("\"classes\"") : fmt::format("{}", strata->size()));
      layout.extra_files.emplace_back("strata.tsv", cleave::strata_tsv(h->splits, *strata, layout));
    }
    layout.options_json += "}";
    h->layout = std::move(layout);
    *out = register_handle(std::move(h), handle_kind::splits);
  });
}

void cleave_paired_options_init(cleave_paired_options* opt) {
  if (!opt) return;
  std::memset(opt, 0, sizeof *opt);
  const cleave::PairedSplitOptions d;
  opt->struct_size = sizeof *opt;
  opt->drug_threshold = d.drug_threshold;
  opt->radius = d.drug_target.radius;
  opt->nbits = d.drug_target.n_bits;
  opt->identity_threshold = NAN;
  opt->sensitivity = d.sequences.sensitivity;
  opt->test_fraction = d.sweep.test_fraction;
  opt->min_kept = d.sweep.min_kept;
  opt->tolerance = d.part.tolerance;
  opt->tries = d.part.tries;
}

cleave_status cleave_paired_splits(const char* csv, const cleave_paired_options* opt,
                                   const double* ps, size_t n_ps, const uint64_t* seeds,
                                   size_t n_seeds, cleave_splits* out) {
  const bool sized = opt && opt->struct_size == sizeof(cleave_paired_options);
  return guarded(sized ? opt->context : nullptr, [&] {
    require_out(out, "out");
    *out = nullptr;
    CLEAVE_EXPECTS(csv != nullptr, "csv is NULL");
    CLEAVE_EXPECTS(opt != nullptr, "options are NULL (use cleave_paired_options_init)");
    CLEAVE_EXPECTS(sized,
                   "options struct_size {} is not one this library knows (expected {}); call "
                   "cleave_paired_options_init",
                   opt->struct_size, sizeof(cleave_paired_options));
    cleave::PairedSplitOptions p = paired_options(*opt);
    CLEAVE_EXPECTS(seeds && n_seeds > 0, "need at least one seed");
    p.seeds.assign(seeds, seeds + n_seeds);
    if (p.partition) {
      CLEAVE_EXPECTS(n_ps == 0, "method partition takes no values of p (pass n_ps = 0)");
    } else {
      CLEAVE_EXPECTS(ps && n_ps > 0, "method spectra needs at least one p");
      p.ps.assign(ps, ps + n_ps);
    }
    cleave::PairedSplitSet set = cleave::paired_splits(csv, p, context_of(opt->context));
    auto h = std::make_unique<cleave_splits_s>();
    h->graph = std::move(set.nodes);
    h->options = p.sweep;
    h->splits = std::move(set.splits);
    h->layout = std::move(set.layout);
    h->inputs_json = std::move(set.inputs_json);
    *out = register_handle(std::move(h), handle_kind::splits);
  });
}

cleave_status cleave_splits_count(cleave_splits s, size_t* count) {
  return guarded([&] {
    require_out(count, "count");
    *count = splits_of(s).splits.size();
  });
}

cleave_status cleave_splits_info(cleave_splits s, size_t k, cleave_split_info* info) {
  return guarded([&] {
    require_out(info, "info");
    const auto& all = splits_of(s).splits;
    CLEAVE_EXPECTS(k < all.size(), "split {} out of range ({} splits)", k, all.size());
    const auto& r = all[k];
    *info =
        cleave_split_info{r.p,     r.repeat, r.seed,         r.valid,          r.kept,
                          r.train, r.test,   r.overlap.frac, r.overlap.maxsim, r.overlap.meansim};
  });
}

cleave_status cleave_splits_assignment(cleave_splits s, size_t k, int8_t* side, uint64_t n) {
  return guarded([&] {
    require_out(side, "side");
    const auto& h = splits_of(s);
    CLEAVE_EXPECTS(k < h.splits.size(), "split {} out of range ({} splits)", k, h.splits.size());
    CLEAVE_EXPECTS(n == h.graph.num_nodes(), "side array holds {} entries, graph has {} nodes", n,
                   h.graph.num_nodes());
    const auto& r = h.splits[k];
    if (r.side.empty())
      std::memset(side, -1, n);
    else
      std::memcpy(side, r.side.data(), n);
  });
}

cleave_status cleave_splits_write(cleave_splits s, const char* dir) {
  return guarded([&] {
    CLEAVE_EXPECTS(dir != nullptr, "dir is NULL");
    const auto& h = splits_of(s);
    if (h.layout)
      cleave::write_split_set(dir, h.graph, h.splits, *h.layout, h.inputs_json);
    else
      cleave::write_split_set(dir, h.graph, h.splits, h.options, h.inputs_json);
  });
}

cleave_status cleave_splits_nodes(cleave_splits s, uint64_t* n_nodes) {
  return guarded([&] {
    require_out(n_nodes, "n_nodes");
    *n_nodes = splits_of(s).graph.num_nodes();
  });
}

cleave_status cleave_splits_id(cleave_splits s, uint64_t i, char* buf, size_t size) {
  return guarded([&] { copy_id(splits_of(s).graph.ids(), i, buf, size, "node"); });
}

void cleave_splits_destroy(cleave_splits s) {
  if (s && unregister(s, handle_kind::splits)) delete s;
}

void cleave_search_options_init(cleave_search_options* opt) {
  if (!opt) return;
  std::memset(opt, 0, sizeof *opt);
  opt->struct_size = sizeof *opt;
  opt->threshold = NAN;
}

void cleave_audit_options_init(cleave_audit_options* opt) {
  if (!opt) return;
  std::memset(opt, 0, sizeof *opt);
  opt->struct_size = sizeof *opt;
  opt->threshold = NAN;
}

namespace {

/// A dataset to search: read with the caller's settings, a single query
/// allowed.
cleave::Dataset search_input(const char* path, const char* name, cleave::DatasetOptions o,
                             const cleave::Context& ctx) {
  CLEAVE_EXPECTS(path != nullptr, "{} is NULL", name);
  o.min_samples = 1;
  return cleave::load_dataset(path, o, ctx);
}

}  // namespace

cleave_status cleave_search(const char* query_path, const char* target_path,
                            const cleave_graph_options* data_opt, const cleave_search_options* opt,
                            const cleave_context* ctx, cleave_hits* out) {
  return guarded(ctx, [&] {
    require_out(out, "out");
    *out = nullptr;
    CLEAVE_EXPECTS(opt != nullptr, "options are NULL (use cleave_search_options_init)");
    CLEAVE_EXPECTS(opt->struct_size == sizeof(cleave_search_options),
                   "search options struct_size {} is not one this library knows (expected {}); "
                   "call cleave_search_options_init",
                   opt->struct_size, sizeof(cleave_search_options));
    CLEAVE_EXPECTS(!std::isnan(opt->threshold) || opt->top > 0,
                   "give a threshold, top > 0 or both");
    const cleave::DatasetOptions d = dataset_options(data_opt);
    const cleave::Context c = context_of(ctx);
    const cleave::ThreadCountScope threads(c.threads);
    const cleave::Dataset q = search_input(query_path, "query_path", d, c);
    const cleave::Dataset t = search_input(target_path, "target_path", d, c);
    const cleave::FeatureView fq = cleave::dataset_features(q), ft = cleave::dataset_features(t);
    cleave::SearchOptions so = cleave::search_settings(d, fq, c);
    if (!std::isnan(opt->threshold)) {
      const double lo = fq.embeddings ? -1.0 : 0.0;
      CLEAVE_EXPECTS(opt->threshold >= lo && opt->threshold <= 1.0,
                     "threshold {} is outside [{}, 1]", opt->threshold, lo);
      so.threshold = opt->threshold;
    }
    so.top = opt->top;
    so.block_rows = opt->block_rows;
    auto h = std::make_unique<cleave_hits_s>();
    h->result = cleave::search(fq, ft, so, cleave::id_ranks(t.samples.ids));
    h->query_ids = q.samples.ids;
    h->target_ids = t.samples.ids;
    *out = register_handle(std::move(h), handle_kind::hits);
  });
}

cleave_status cleave_hits_size(cleave_hits h, uint64_t* n_queries, uint64_t* n_targets,
                               uint64_t* n_hits) {
  return guarded([&] {
    const cleave_hits_s& x = hits_of(h);
    if (n_queries) *n_queries = x.query_ids.size();
    if (n_targets) *n_targets = x.target_ids.size();
    if (n_hits) *n_hits = x.result.hits.size();
  });
}

cleave_status cleave_hits_get(cleave_hits h, uint64_t* offsets, uint32_t* targets,
                              double* similarity) {
  return guarded([&] {
    const cleave::SearchResult& r = hits_of(h).result;
    if (offsets) std::copy(r.offsets.begin(), r.offsets.end(), offsets);
    for (std::size_t k = 0; k < r.hits.size(); ++k) {
      if (targets) targets[k] = r.hits[k].target;
      if (similarity) similarity[k] = r.hits[k].similarity;
    }
  });
}

cleave_status cleave_hits_nearest(cleave_hits h, uint32_t* nearest, double* max_similarity) {
  return guarded([&] {
    const cleave::SearchResult& r = hits_of(h).result;
    if (nearest) std::copy(r.nearest.begin(), r.nearest.end(), nearest);
    if (max_similarity) std::copy(r.max_similarity.begin(), r.max_similarity.end(), max_similarity);
  });
}

cleave_status cleave_hits_query_id(cleave_hits h, uint64_t q, char* buf, size_t size) {
  return guarded([&] { copy_id(hits_of(h).query_ids, q, buf, size, "query"); });
}

cleave_status cleave_hits_target_id(cleave_hits h, uint64_t t, char* buf, size_t size) {
  return guarded([&] { copy_id(hits_of(h).target_ids, t, buf, size, "target"); });
}

cleave_status cleave_hits_write(cleave_hits h, const char* path) {
  return guarded([&] {
    CLEAVE_EXPECTS(path != nullptr, "path is NULL");
    const cleave_hits_s& x = hits_of(h);
    cleave::AtomicFile file(path);
    std::fputs(cleave::kHitsHeader, file.stream());
    cleave::write_hits(file.stream(), x.query_ids, 0, x.target_ids, x.result);
    file.commit();
  });
}

void cleave_hits_destroy(cleave_hits h) {
  if (h && unregister(h, handle_kind::hits)) delete h;
}

cleave_status cleave_audit(const char* data_path, const char* split_path,
                           const cleave_graph_options* data_opt, const cleave_audit_options* opt,
                           const cleave_context* ctx, const char* out_dir) {
  return guarded(ctx, [&] {
    CLEAVE_EXPECTS(data_path != nullptr, "data_path is NULL");
    CLEAVE_EXPECTS(split_path != nullptr, "split_path is NULL");
    CLEAVE_EXPECTS(out_dir != nullptr, "out_dir is NULL");
    CLEAVE_EXPECTS(opt != nullptr, "options are NULL (use cleave_audit_options_init)");
    CLEAVE_EXPECTS(opt->struct_size == sizeof(cleave_audit_options),
                   "audit options struct_size {} is not one this library knows (expected {}); "
                   "call cleave_audit_options_init",
                   opt->struct_size, sizeof(cleave_audit_options));
    CLEAVE_EXPECTS((opt->levels != nullptr) == (opt->n_levels > 0),
                   "levels and n_levels must both be given (or NULL and 0)");
    const cleave::DatasetOptions d = dataset_options(data_opt);
    const cleave::Context c = context_of(ctx);
    const cleave::ThreadCountScope threads(c.threads);
    const cleave::Dataset data = cleave::load_dataset(data_path, d, c);
    const cleave::FeatureView f = cleave::dataset_features(data);
    cleave::AuditOptions ao;
    ao.search = cleave::search_settings(d, f, c);
    const double lo = f.embeddings ? -1.0 : 0.0;
    if (!std::isnan(opt->threshold)) {
      CLEAVE_EXPECTS(opt->threshold >= lo && opt->threshold <= 1.0,
                     "threshold {} is outside [{}, 1]", opt->threshold, lo);
      ao.threshold = opt->threshold;
    } else {
      ao.threshold = cleave::default_search_threshold(f);
    }
    if (opt->levels) {
      ao.levels.assign(opt->levels, opt->levels + opt->n_levels);
      for (const double l : ao.levels)
        CLEAVE_EXPECTS(l >= -1.0 && l <= 1.0, "level {} is outside [-1, 1]", l);
    }
    ao.against_validation = opt->against_validation != 0;
    const auto splits = cleave::read_splits(split_path, data.samples,
                                            opt->split_column ? opt->split_column : "split",
                                            opt->split_id_column ? opt->split_id_column : "");
    const auto audits = cleave::audit_splits(f, data.samples, splits, ao);
    cleave::write_audit(out_dir, data.samples, audits, ao);
  });
}

cleave_status cleave_auspc(const double* p, const double* score, size_t n, double* auspc) {
  return guarded([&] {
    require_out(auspc, "auspc");
    CLEAVE_EXPECTS(p && score && n >= 2, "need at least two (p, score) rows");
    std::map<double, std::pair<double, int>> by_p;
    for (size_t i = 0; i < n; ++i) {
      CLEAVE_EXPECTS(p[i] >= 0 && p[i] <= 1, "p = {} is outside [0, 1]", p[i]);
      if (std::isnan(score[i])) continue;
      auto& [sum, cnt] = by_p[p[i]];
      sum += score[i];
      ++cnt;
    }
    std::vector<double> xs, ys;
    for (const auto& [x, sc] : by_p) {
      xs.push_back(x);
      ys.push_back(sc.first / sc.second);
    }
    CLEAVE_EXPECTS(xs.size() >= 2, "need scores at two or more values of p");
    *auspc = cleave::trapezoid(xs, ys);
  });
}

}  // extern "C"
