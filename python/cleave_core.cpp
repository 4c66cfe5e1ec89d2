// cleave._core: the nanobind module under the Python package `cleave`.
//
// Every input kind calls the library's public C++ API (include/cleave/*.hpp).
// Graphs come from its dataset entry points (cleave/dataset.hpp), as the CLI
// and the C API do: dataset_from_smiles, dataset_from_sequences and
// dataset_from_embeddings for data in memory, load_dataset / graph_from_file
// for FASTA, NPY, DMS and pairs files, then dataset_graph, so that defaults,
// validation and messages are the library's. Bit fingerprints in memory,
// which have no such entry point, become a Dataset here and go through
// dataset_graph too; Graph.from_edges uses Graph::from_edges. Splits use
// Partitioner, partition_split and evaluate. Nothing here uses src/cli.
//
// Long calls release the GIL. A graph build runs with a Context whose cancel
// hook, polled by the library on the calling thread (between tiles, rows of
// a CPU alignment tile, rows of the sequence prefilter and its alignments),
// briefly takes the GIL to run PyErr_CheckSignals: Ctrl-C stops the build
// with errc::cancelled and the KeyboardInterrupt is raised in its place. The
// sweep runs in chunks of splits and checks for Ctrl-C between chunks.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cleave/context.hpp"
#include "cleave/dataset.hpp"
#include "cleave/embedding.hpp"
#include "cleave/error.hpp"
#include "cleave/eval.hpp"
#include "cleave/graph.hpp"
#include "cleave/io.hpp"
#include "cleave/paired.hpp"
#include "cleave/partition.hpp"
#include "cleave/search.hpp"
#include "cleave/sequence.hpp"
#include "cleave/similarity.hpp"
#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "cleave/version.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

// ------------------------------------------------------------ CLI ranges
// The CLI keeps these ranges of `cleave partition` in src/cli only
// (cmd_partition.cpp); mirrored here until the library owns them. Graph
// defaults and ranges are the library's (include/cleave/dataset.hpp).
namespace cli {
constexpr double kMaxTolerance = 0.5;  // partition --tolerance range 0..0.5
constexpr uint32_t kMaxTries = 1000;   // partition --tries range 0..1000
}  // namespace cli

// ------------------------------------------------------------ numpy helpers

template <class T>
using Array1 = nb::ndarray<nb::numpy, T, nb::ndim<1>>;

/// A 1-D numpy array that owns `v`.
template <class T>
Array1<T> to_numpy(std::vector<T> v) {
  auto* heap = new std::vector<T>(std::move(v));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return Array1<T>(heap->data(), {heap->size()}, owner);
}

/// A C-contiguous numpy array of T made from any array-like, held alive.
template <class T>
struct InArray {
  nb::object array;
  const T* data = nullptr;
  std::vector<std::size_t> shape;
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 1;
    for (auto s : shape) n *= s;
    return n;
  }
};

/// numpy.ascontiguousarray(obj, dtype) checked to have `ndim` dimensions;
/// ValueError naming `what` otherwise.
template <class T>
InArray<T> contiguous(const nb::handle& obj, const char* dtype, std::size_t ndim,
                      const char* what) {
  nb::module_ np = nb::module_::import_("numpy");
  InArray<T> a;
  a.array = np.attr("ascontiguousarray")(obj, "dtype"_a = dtype);
  const auto nd = nb::cast<std::size_t>(a.array.attr("ndim"));
  if (nd != ndim)
    throw nb::value_error(
        fmt::format("{} must be a {}-D array, got {} dimensions", what, ndim, nd).c_str());
  a.shape = nb::cast<std::vector<std::size_t>>(a.array.attr("shape"));
  a.data = reinterpret_cast<const T*>(nb::cast<uintptr_t>(a.array.attr("ctypes").attr("data")));
  return a;
}

// ------------------------------------------------------------ calls into the library

/// Warnings the library raises during a call, gathered while the GIL is
/// released (they may come from worker threads) and turned into Python
/// warnings (cleave.CleaveWarning) once it is held again.
std::mutex g_warn_mutex;
std::vector<std::string> g_warnings;
PyObject* g_warning_category = nullptr;

void flush_warnings() {
  std::vector<std::string> w;
  {
    std::lock_guard<std::mutex> lock(g_warn_mutex);
    w.swap(g_warnings);
  }
  for (const auto& m : w)
    if (PyErr_WarnEx(g_warning_category ? g_warning_category : PyExc_UserWarning, m.c_str(), 1) !=
        0)
      throw nb::python_error();
}

/// Runs f with the GIL released; library warnings become Python warnings.
template <class F>
auto without_gil(F&& f) {
  using R = decltype(f());
  std::optional<R> out;
  try {
    nb::gil_scoped_release release;
    out.emplace(f());
  } catch (...) {
    try {
      flush_warnings();  // what the library said before it failed
    } catch (...) {
    }
    throw;
  }
  flush_warnings();
  return std::move(*out);
}

/// Raises KeyboardInterrupt (or whatever a signal handler raised) when a
/// signal arrived; call with the GIL held.
void check_signals() {
  if (PyErr_CheckSignals() != 0) throw nb::python_error();
}

std::string path_string(const nb::object& p) {
  return nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(p));
}

cleave::Backend parse_backend(const std::string& name) {
  return cleave::backend_from_name(name);
}

void queue_warning(const std::string& message) {
  std::lock_guard<std::mutex> lock(g_warn_mutex);
  g_warnings.push_back(message);
}

/// @brief Ctrl-C during a graph build. The build runs without the GIL and
/// polls the Context's cancel hook on the calling thread; the hook takes the
/// GIL (at most every 50 ms) to run Python's signal handlers, and when one
/// raised (KeyboardInterrupt) it keeps that error and answers true, so that
/// the library stops with errc::cancelled and the error is raised instead.
class Interrupt {
 public:
  /// The hook: polled on the thread that made this object, and answered
  /// from the flag on any other (a tile scheduler's workers).
  bool poll() {
    if (std::this_thread::get_id() != owner_ || raised_.load()) return raised_.load();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(50)) return false;
    last_ = now;
    nb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      error_.emplace();  // takes the raised exception from the thread state
      raised_ = true;
    }
    return raised_.load();
  }

  /// Raises the kept error (call with the GIL held); nothing when none.
  void raise_if_interrupted() {
    if (!error_) return;
    nb::python_error e = std::move(*error_);
    error_.reset();
    throw e;
  }

 private:
  std::thread::id owner_ = std::this_thread::get_id();
  std::chrono::steady_clock::time_point last_{};
  std::atomic<bool> raised_{false};
  std::optional<nb::python_error> error_;
};

/// @brief One call into the library's dataset entry points: the Context
/// (backend, memory budget, checkpoint folder, progress bars on stderr),
/// its warnings as CleaveWarning and its cancel hook on Ctrl-C.
class Call {
 public:
  Call(const std::string& backend, uint64_t max_memory, bool progress,
       const std::optional<std::string>& work_dir = std::nullopt) {
    ctx.backend = parse_backend(backend);
    ctx.max_memory = max_memory;
    if (work_dir) ctx.work_dir = *work_dir;
    ctx.progress = progress;
    ctx.log = queue_warning;
    ctx.cancelled = [this] { return interrupt_.poll(); };
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  /// f() without the GIL; KeyboardInterrupt when Ctrl-C cancelled it.
  template <class F>
  auto run(F&& f) {
    try {
      return without_gil(std::forward<F>(f));
    } catch (const cleave::error& e) {
      if (e.code() == cleave::errc::cancelled) interrupt_.raise_if_interrupted();
      throw;
    }
  }

  cleave::Context ctx;

 private:
  Interrupt interrupt_;
};

std::vector<std::string> ids_or_empty(const std::optional<std::vector<std::string>>& ids) {
  return ids ? *ids : std::vector<std::string>{};
}

// ------------------------------------------------------------ graph constructors

cleave::Graph from_smiles(const std::vector<std::string>& smiles,
                          const std::optional<std::vector<std::string>>& ids, double threshold,
                          unsigned radius, unsigned nbits, const std::string& measure, bool strict,
                          const std::string& backend, uint64_t max_memory, bool progress) {
  cleave::DatasetOptions o;
  o.molecules.radius = radius;
  o.molecules.n_bits = nbits;
  o.molecules.strict = strict;
  o.molecules.measure = cleave::measure_from_name(measure);
  o.molecules.threshold = threshold;
  Call call(backend, max_memory, progress);
  return call.run([&] {
    const auto data = cleave::dataset_from_smiles(smiles, ids_or_empty(ids), o, call.ctx);
    return cleave::dataset_graph(data, o, call.ctx);
  });
}

cleave::Graph from_fingerprints(const nb::handle& bits_in,
                                const std::optional<std::vector<std::string>>& ids,
                                double threshold, const std::string& measure,
                                const std::string& backend, uint64_t max_memory, bool progress) {
  nb::module_ np = nb::module_::import_("numpy");
  nb::object raw = np.attr("asarray")(bits_in);
  nb::object ok = np.attr("logical_or")(np.attr("equal")(raw, 0), np.attr("equal")(raw, 1));
  const int all_ok = PyObject_IsTrue(np.attr("all")(ok).ptr());
  if (all_ok < 0) throw nb::python_error();
  if (!all_ok) throw nb::value_error("fingerprint values must be 0 or 1 (or bool)");
  auto bits = contiguous<uint8_t>(raw, "uint8", 2, "fingerprints");
  const std::size_t n = bits.shape[0], nbits = bits.shape[1];
  if (nbits == 0 || nbits > std::numeric_limits<uint32_t>::max())
    throw nb::value_error("fingerprints need at least one bit column");
  // The library has no in-memory entry point for bits: the dataset is made
  // here, as the FPS reader makes it, and dataset_graph does the rest.
  cleave::Dataset data;
  data.format = cleave::InputFormat::fps;
  data.samples.ids = cleave::checked_sample_ids(ids_or_empty(ids), n);
  if (n < 2) throw nb::value_error(fmt::format("needs at least 2 samples, found {}", n).c_str());
  cleave::Fingerprints fps;
  fps.n_bits = static_cast<uint32_t>(nbits);
  fps.words_per_fp = static_cast<uint32_t>((nbits + 63) / 64);
  fps.words.assign(n * fps.words_per_fp, 0);
  const uint8_t* d = bits.data;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t b = 0; b < nbits; ++b)
      if (d[i * nbits + b]) fps.words[i * fps.words_per_fp + b / 64] |= uint64_t{1} << (b % 64);
  cleave::Checksum c;
  c.update_value(n);
  c.update_value(fps.n_bits);
  c.update(fps.words.data(), fps.words.size() * sizeof(uint64_t));
  data.samples.checksum = c.digest();
  data.fps = std::move(fps);
  cleave::DatasetOptions o;
  o.molecules.measure = cleave::measure_from_name(measure);
  o.molecules.threshold = threshold;
  Call call(backend, max_memory, progress);
  return call.run([&] { return cleave::dataset_graph(data, o, call.ctx); });
}

/// The GEMM precision by name (fp32, tf32, bf16), else ValueError.
cleave::GemmPrecision gemm_precision(const std::string& name) {
  try {
    return cleave::gemm_precision_from_name(name);
  } catch (const cleave::error& e) {
    throw nb::value_error(e.what());
  }
}

cleave::Graph from_embeddings(const nb::handle& x_in,
                              const std::optional<std::vector<std::string>>& ids, double threshold,
                              const std::string& gemm, const std::string& backend,
                              uint64_t max_memory, bool progress) {
  auto x = contiguous<float>(x_in, "float32", 2, "embeddings");
  const std::size_t n = x.shape[0], dim = x.shape[1];
  if (dim == 0 || dim > std::numeric_limits<uint32_t>::max())
    throw nb::value_error("embeddings need 1 to 2^32 - 1 columns");
  cleave::DatasetOptions o;
  o.embeddings.threshold = threshold;
  o.embeddings.gemm_precision = gemm_precision(gemm);
  Call call(backend, max_memory, progress);
  return call.run([&] {
    const auto data =
        cleave::dataset_from_embeddings(x.data, n, static_cast<uint32_t>(dim), ids_or_empty(ids));
    return cleave::dataset_graph(data, o, call.ctx);
  });
}

cleave::Graph from_npy(const nb::object& path, const std::optional<std::vector<std::string>>& ids,
                       double threshold, const std::string& gemm, const std::string& backend,
                       uint64_t max_memory, bool progress) {
  const std::string p = path_string(path);
  cleave::DatasetOptions o;
  o.format = cleave::InputFormat::npy;
  o.embeddings.threshold = threshold;
  o.embeddings.gemm_precision = gemm_precision(gemm);
  Call call(backend, max_memory, progress);
  return call.run([&] {
    cleave::Dataset data = cleave::load_dataset(p, o, call.ctx);
    if (ids) data.samples.ids = cleave::checked_sample_ids(*ids, data.samples.size());
    return cleave::dataset_graph(data, o, call.ctx);
  });
}

struct AlignArgs {
  std::optional<double> threshold;
  std::string align, identity, search;
  std::optional<int> gap_open, gap_extend;
  int match, mismatch;
  std::optional<double> sensitivity;
  std::string backend;
  uint64_t max_memory;
  std::optional<std::string> work_dir;
  bool progress;
};

/// A gap cost argument: None is the library's "alphabet's default" (-1).
int gap_cost(const std::optional<int>& v, const char* name) {
  if (!v) return -1;
  if (*v < 0)
    throw nb::value_error(
        fmt::format("{} must be >= 0 (None: the alphabet's default), got {}", name, *v).c_str());
  return *v;
}

cleave::DatasetOptions sequence_options(const std::string& alphabet, const std::string& invalid,
                                        const AlignArgs& a) {
  cleave::DatasetOptions o;
  cleave::SequenceSettings& s = o.sequences;
  s.alphabet = cleave::alphabet_from_name(alphabet);
  s.invalid = cleave::invalid_residue_from_name(invalid);
  s.mode = cleave::align_mode_from_name(a.align);
  s.gap_open = gap_cost(a.gap_open, "gap_open");
  s.gap_extend = gap_cost(a.gap_extend, "gap_extend");
  s.match = a.match;
  s.mismatch = a.mismatch;
  s.identity = cleave::identity_kind_from_name(a.identity);
  s.search = cleave::search_mode_from_name(a.search);
  if (a.sensitivity) {
    // As the CLI's --sensitivity with --exhaustive: a setting that would do nothing.
    if (s.search == cleave::SearchMode::exhaustive)
      throw nb::value_error("sensitivity sets the prefilter, which search='exhaustive' turns off");
    s.sensitivity = *a.sensitivity;
  }
  s.threshold = a.threshold;
  return o;
}

cleave::Graph from_fasta(const nb::object& path, const std::string& alphabet,
                         const std::string& invalid, const AlignArgs& a) {
  const std::string p = path_string(path);
  cleave::DatasetOptions o = sequence_options(alphabet, invalid, a);
  o.format = cleave::InputFormat::fasta;
  Call call(a.backend, a.max_memory, a.progress, a.work_dir);
  return call.run([&] { return cleave::graph_from_file(p, o, call.ctx); });
}

cleave::Graph from_sequences(const std::vector<std::string>& seqs,
                             const std::optional<std::vector<std::string>>& ids,
                             const std::string& alphabet, const std::string& invalid,
                             const AlignArgs& a) {
  const cleave::DatasetOptions o = sequence_options(alphabet, invalid, a);
  Call call(a.backend, a.max_memory, a.progress, a.work_dir);
  return call.run([&] {
    const auto data = cleave::dataset_from_sequences(seqs, ids_or_empty(ids), o, call.ctx);
    return cleave::dataset_graph(data, o, call.ctx);
  });
}

cleave::Graph from_dms(const nb::object& path, const std::string& mutant_column,
                       const std::optional<std::string>& label_column) {
  const std::string p = path_string(path);
  cleave::DatasetOptions o;
  o.format = cleave::InputFormat::dms;
  o.mutations.mutant_column = mutant_column;
  if (label_column) o.labels.column = *label_column;
  Call call("auto", 0, false);
  return call.run([&] { return cleave::graph_from_file(p, o, call.ctx); });
}

cleave::Graph from_pairs(const nb::object& path, const std::optional<nb::object>& ids_file,
                         std::optional<double> threshold) {
  const std::string p = path_string(path);
  cleave::DatasetOptions o;
  o.format = cleave::InputFormat::pairs;
  o.pairs.threshold = threshold;
  if (ids_file) o.labels.ids_file = path_string(*ids_file);
  Call call("auto", 0, false);
  return call.run([&] { return cleave::graph_from_file(p, o, call.ctx); });
}

cleave::Graph from_edges(uint64_t n, const nb::handle& u_in, const nb::handle& v_in,
                         const std::optional<nb::object>& w_in,
                         const std::optional<std::vector<std::string>>& ids_in) {
  auto u = contiguous<int64_t>(u_in, "int64", 1, "u");
  auto v = contiguous<int64_t>(v_in, "int64", 1, "v");
  std::optional<InArray<double>> w;
  if (w_in && !w_in->is_none()) w = contiguous<double>(*w_in, "float64", 1, "w");
  const std::size_t m = u.shape[0];
  if (v.shape[0] != m || (w && w->shape[0] != m))
    throw nb::value_error("u, v and w must have the same length");
  if (n < 1 || n >= (uint64_t{1} << 32)) throw nb::value_error("n must be in [1, 2^32 - 1]");
  auto ids = cleave::checked_sample_ids(ids_in ? *ids_in : std::vector<std::string>{}, n);
  std::vector<cleave::Edge> edges;
  edges.reserve(m);
  cleave::GraphMeta meta;
  meta.measure = cleave::Measure::precomputed;
  double lo = 0.0, hi = 1.0, tmin = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < m; ++k) {
    const int64_t a = u.data[k], b = v.data[k];
    if (a < 0 || b < 0 || static_cast<uint64_t>(a) >= n || static_cast<uint64_t>(b) >= n)
      throw nb::value_error(("edge " + std::to_string(k) + " (" + std::to_string(a) + ", " +
                             std::to_string(b) + ") has a node outside [0, " + std::to_string(n) +
                             ")")
                                .c_str());
    const double x = w ? w->data[k] : 1.0;
    if (!std::isfinite(x))
      throw nb::value_error(
          ("edge " + std::to_string(k) + " has a weight that is not finite").c_str());
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    if (a != b) tmin = std::min(tmin, x);
    edges.push_back({static_cast<uint32_t>(a), static_cast<uint32_t>(b), static_cast<float>(x)});
  }
  // As a pairs file: the similarity distribution is the listed pairs, and the
  // threshold the least edge weight (every edge satisfies weight >= it).
  meta.histogram.lo = lo;
  meta.histogram.hi = hi;
  for (const auto& e : edges)
    if (e.u != e.v) meta.histogram.add(e.w);
  meta.n_pairs = meta.histogram.total();
  meta.threshold = std::isfinite(tmin) ? tmin : 0.0;
  cleave::Checksum c;
  c.update_value(n);
  for (const auto& e : edges) {
    c.update_value(e.u);
    c.update_value(e.v);
    c.update_value(e.w);
  }
  meta.input_checksum = c.digest();
  meta.parameters = fmt::format(
      "{{\"input\": {{\"source\": \"edges\", \"samples\": {}}}, \"measure\": \"precomputed\"}}", n);
  return cleave::Graph::from_edges(n, std::move(edges), std::move(meta), std::move(ids));
}

// ------------------------------------------------------------ splits

/// One split, with the graph's node count for the index arrays.
struct Split {
  cleave::SplitResult r;
  std::string kind = "sp";  // "sp" (SPECTRA) or "target" (min-cut)

  [[nodiscard]] Array1<int64_t> members(int8_t side) const {
    std::vector<int64_t> out;
    if (!r.valid) return to_numpy(std::move(out));
    for (std::size_t v = 0; v < r.side.size(); ++v)
      if (r.side[v] == side) out.push_back(static_cast<int64_t>(v));
    return to_numpy(std::move(out));
  }
};

/// A set of splits of one graph, as `cleave split` or `cleave partition` makes them.
struct SplitSet {
  cleave::Graph graph;
  std::vector<cleave::SplitResult> splits;
  cleave::SplitSetLayout layout;
  std::string kind = "sp";
  /// The manifest's inputs; empty: the graph's checksum and parameters.
  std::string inputs_json;
};

std::vector<double> check_ps(const std::vector<double>& ps) {
  if (ps.empty()) throw nb::value_error("sp needs at least one value");
  for (double p : ps)
    if (!(p >= 0.0 && p <= 1.0))
      throw nb::value_error(fmt::format("spectral parameter must be in [0, 1], got {}", p).c_str());
  for (std::size_t i = 0; i < ps.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (cleave::split_dir_name(ps[i], 0) == cleave::split_dir_name(ps[j], 0))
        throw nb::value_error(
            fmt::format("sp: {} and {} are the same value at two decimals", ps[j], ps[i]).c_str());
  return ps;
}

std::string split_options_json(const cleave::SplitOptions& o) {
  return fmt::format(
      "{{\"test_fraction\": {}, \"weighted\": {}, \"compat_spectrae\": {}, \"min_kept\": {}, "
      "\"backend\": \"{}\"}}",
      o.test_fraction, o.weighted, o.compat_spectrae, o.min_kept, cleave::backend_name(o.backend));
}

SplitSet spectra_splits(const cleave::Graph& g, const std::optional<std::vector<double>>& sp,
                        const std::vector<uint64_t>& seeds, double test_fraction, bool weighted,
                        bool compat_spectrae, uint64_t min_kept, const std::string& backend) {
  const std::vector<double> ps = check_ps(sp ? *sp : cleave::default_sweep());
  if (seeds.empty()) throw nb::value_error("seeds needs at least one seed");
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw nb::value_error(
        fmt::format("test_fraction must be strictly between 0 and 1 (got {})", test_fraction)
            .c_str());
  cleave::SplitOptions opt;
  opt.test_fraction = test_fraction;
  opt.weighted = weighted;
  opt.compat_spectrae = compat_spectrae;
  opt.min_kept = min_kept;
  opt.backend = parse_backend(backend);
  std::optional<cleave::Partitioner> part;
  without_gil([&] {
    part.emplace(g, opt);
    return 0;
  });
  // Chunks of whole p values, so that Ctrl-C is checked between chunks. The
  // first chunk holds about 4 splits a thread; the rest are sized from its
  // time to take about a second each (at least 16 splits a thread, so the
  // threads of split_all stay busy: each chunk end idles a thread for under
  // one split) and share the remaining p values evenly.
  const std::size_t threads = static_cast<std::size_t>(std::max(1, cleave::num_threads()));
  const std::size_t n_seeds = seeds.size();
  SplitSet out;
  out.graph = g;
  out.splits.reserve(ps.size() * n_seeds);
  std::size_t next = 0;
  std::size_t chunk_ps = std::max<std::size_t>(1, (4 * threads + n_seeds - 1) / n_seeds);
  while (next < ps.size()) {
    check_signals();
    const std::size_t end = std::min(ps.size(), next + chunk_ps);
    std::vector<double> chunk(ps.begin() + static_cast<std::ptrdiff_t>(next),
                              ps.begin() + static_cast<std::ptrdiff_t>(end));
    const auto t0 = std::chrono::steady_clock::now();
    auto res = without_gil([&] { return part->split_all(chunk, seeds, {}); });
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& r : res) out.splits.push_back(std::move(r));
    next = end;
    if (next >= ps.size()) break;
    const double per_p = std::max(secs / static_cast<double>(chunk.size()), 1e-9);
    const std::size_t by_time = static_cast<std::size_t>(1.0 / per_p);
    const std::size_t by_threads = (16 * threads + n_seeds - 1) / n_seeds;
    const std::size_t want = std::max<std::size_t>({1, by_time, by_threads});
    const std::size_t left = ps.size() - next;
    const std::size_t n_chunks = (left + want - 1) / want;
    chunk_ps = (left + n_chunks - 1) / n_chunks;
  }
  check_signals();
  out.layout.options_json = split_options_json(opt);
  return out;
}

SplitSet partition(const cleave::Graph& g, double test_fraction, double valid_fraction,
                   const std::vector<uint64_t>& seeds, const std::vector<double>& target_overlap,
                   double tolerance, uint32_t tries, bool mutation_aware,
                   const std::optional<std::vector<double>>& labels, bool stratify,
                   const std::optional<uint32_t>& strata) {
  if (seeds.empty()) throw nb::value_error("seeds needs at least one seed");
  if (!labels && stratify) throw nb::value_error("stratify needs labels (one per graph node)");
  if (!labels && strata) throw nb::value_error("strata needs labels (one per graph node)");
  if (labels && labels->size() != g.num_nodes())
    throw nb::value_error(
        fmt::format("{} labels for a graph of {} nodes", labels->size(), g.num_nodes()).c_str());
  if (strata && (*strata < 2 || *strata > 100))
    throw nb::value_error(fmt::format("strata must be in [2, 100], got {}", *strata).c_str());
  if (stratify)
    for (double t : target_overlap)
      if (t != 0.0)
        throw nb::value_error(
            fmt::format("stratify applies to zero-overlap splits only (target_overlap {} moves "
                        "single samples after stratification and would undo it)",
                        t)
                .c_str());
  if (target_overlap.empty()) throw nb::value_error("target_overlap needs at least one value");
  for (std::size_t i = 0; i < target_overlap.size(); ++i) {
    const double t = target_overlap[i];
    if (!(t >= 0.0 && t <= 1.0))
      throw nb::value_error(fmt::format("target_overlap must be in [0, 1], got {}", t).c_str());
    for (std::size_t j = 0; j < i; ++j)
      if (cleave::split_dir_name(t, 0, "ov") == cleave::split_dir_name(target_overlap[j], 0, "ov"))
        throw nb::value_error(fmt::format("target_overlap: {} and {} are the same value at two "
                                          "decimals",
                                          target_overlap[j], t)
                                  .c_str());
  }
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw nb::value_error("test_fraction must be strictly between 0 and 1");
  if (!(valid_fraction >= 0.0 && valid_fraction + test_fraction < 1.0))
    throw nb::value_error("valid_fraction must be >= 0 with test_fraction + valid_fraction < 1");
  if (!(tolerance >= 0.0 && tolerance <= cli::kMaxTolerance))
    throw nb::value_error("tolerance must be in [0, 0.5]");
  if (tries > cli::kMaxTries) throw nb::value_error("tries must be in [0, 1000]");
  cleave::PartitionOptions opt;
  opt.test_fraction = test_fraction;
  opt.valid_fraction = valid_fraction;
  opt.tolerance = tolerance;
  opt.tries = tries;
  opt.mutation_aware = mutation_aware;
  std::optional<cleave::Strata> st;
  if (labels) {
    st = cleave::make_strata(*labels, g.ids(), strata.value_or(5));
    if (st->classes && strata)
      throw nb::value_error(fmt::format("strata: the labels are {} classes (integers, at most {} "
                                        "values); quantile bins are for numeric labels",
                                        st->size(), cleave::Strata::kMaxClasses)
                                .c_str());
  }
  // As `cleave partition`: a zero-overlap split per seed, then one per
  // (target, seed), target-major, moved from it to the target overlap.
  std::vector<cleave::SplitResult> zero;
  for (std::size_t k = 0; k < seeds.size(); ++k) {
    check_signals();
    zero.push_back(without_gil([&] {
      cleave::SplitResult z = cleave::partition_split(g, opt, seeds[k], static_cast<int>(k));
      if (stratify) cleave::stratify_split(g, z, *st, opt);
      return z;
    }));
  }
  SplitSet out;
  out.graph = g;
  out.kind = "target";
  for (double t : target_overlap)
    for (const auto& z : zero) {
      check_signals();
      out.splits.push_back(without_gil(
          [&] { return cleave::partition_with_overlap(g, z, t, test_fraction, z.seed); }));
    }
  out.layout.key = "target";
  out.layout.dir_prefix = "ov";
  out.layout.validation = true;  // as cleave partition: stats.tsv always has the column
  out.layout.method = "partition";
  out.layout.options_json = fmt::format(
      "{{\"test_fraction\": {}, \"valid_fraction\": {}, \"tolerance\": {}, \"tries\": {}, "
      "\"mutation_aware\": {}",
      test_fraction, valid_fraction, tolerance, tries, mutation_aware);
  if (st) {
    // As `cleave partition --labels`: strata.tsv beside stats.tsv, and the
    // manifest says how the sides were chosen.
    out.layout.extra_files.emplace_back("strata.tsv",
                                        cleave::strata_tsv(out.splits, *st, out.layout));
    out.layout.options_json +=
        fmt::format(", \"stratify\": {}, \"strata\": {}", stratify,
                    st->classes ? std::string("\"classes\"") : fmt::format("{}", st->size()));
  }
  out.layout.options_json += "}";
  return out;
}

/// Refuses an argument given (not None) that the kind of pairs or the method
/// does not use.
template <class T>
void refuse_given(const std::optional<T>& v, const char* name, const char* why) {
  if (v) throw nb::value_error(fmt::format("{} {}", name, why).c_str());
}

SplitSet paired_splits(
    const nb::object& csv, const std::string& kind, const std::optional<std::string>& cold,
    const std::string& method, const std::optional<std::vector<double>>& sp,
    const std::vector<uint64_t>& seeds, const std::optional<nb::object>& fasta,
    double test_fraction, const std::optional<std::string>& id_column,
    const std::optional<std::string>& label_column, const std::optional<std::string>& drug_column,
    const std::optional<std::string>& target_column, const std::optional<double>& drug_threshold,
    const std::optional<unsigned>& radius, const std::optional<unsigned>& nbits,
    const std::optional<std::string>& protein_a_column,
    const std::optional<std::string>& protein_b_column,
    const std::optional<double>& identity_threshold, const std::optional<std::string>& align,
    const std::optional<std::string>& identity, const std::optional<std::string>& search,
    const std::optional<double>& sensitivity, const std::optional<bool>& weighted,
    const std::optional<uint64_t>& min_kept, const std::optional<double>& tolerance,
    const std::optional<uint32_t>& tries, const std::string& backend, uint64_t max_memory,
    bool progress) {
  cleave::PairedSplitOptions o;
  if (kind != "drug-target" && kind != "protein-protein")
    throw nb::value_error(
        fmt::format("kind must be 'drug-target' or 'protein-protein', got '{}'", kind).c_str());
  o.protein_pairs = kind == "protein-protein";
  if (method != "sweep" && method != "spectra" && method != "partition")
    throw nb::value_error(
        fmt::format("method must be 'sweep' (or 'spectra') or 'partition', got '{}'", method)
            .c_str());
  o.partition = method == "partition";
  if (cold) {
    o.cold = *cold;
    if (o.protein_pairs)
      cleave::ppi_cold_from_name(o.cold);
    else
      cleave::cold_side_from_name(o.cold);
  }
  if (seeds.empty()) throw nb::value_error("seeds needs at least one seed");
  o.seeds = seeds;
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw nb::value_error(
        fmt::format("test_fraction must be strictly between 0 and 1 (got {})", test_fraction)
            .c_str());
  o.sweep.test_fraction = test_fraction;
  o.sweep.backend = parse_backend(backend);
  if (o.partition) {
    const char* why = "applies to method='sweep' only";
    refuse_given(sp, "sp", why);
    refuse_given(weighted, "weighted", why);
    refuse_given(min_kept, "min_kept", why);
    if (tolerance) {
      if (!(*tolerance >= 0.0 && *tolerance <= cli::kMaxTolerance))
        throw nb::value_error("tolerance must be in [0, 0.5]");
      o.part.tolerance = *tolerance;
    }
    if (tries) {
      if (*tries > cli::kMaxTries) throw nb::value_error("tries must be in [0, 1000]");
      o.part.tries = *tries;
    }
  } else {
    const char* why = "needs method='partition'";
    refuse_given(tolerance, "tolerance", why);
    refuse_given(tries, "tries", why);
    o.ps = check_ps(sp ? *sp : cleave::default_sweep());
    if (weighted) o.sweep.weighted = *weighted;
    if (min_kept) o.sweep.min_kept = *min_kept;
  }
  const std::string path = path_string(csv);
  if (o.protein_pairs) {
    const char* why = "is for kind='drug-target'";
    refuse_given(drug_column, "drug_column", why);
    refuse_given(target_column, "target_column", why);
    refuse_given(drug_threshold, "drug_threshold", why);
    refuse_given(radius, "radius", why);
    refuse_given(nbits, "nbits", why);
    if (!fasta)
      throw nb::value_error("kind='protein-protein' needs fasta (the FASTA of both id columns)");
    cleave::ProteinPairsReadOptions& r = o.protein;
    r.fasta = path_string(*fasta);
    if (protein_a_column) r.a_column = *protein_a_column;
    if (protein_b_column) r.b_column = *protein_b_column;
    if (id_column) r.id_column = *id_column;
    if (label_column) r.label_column = *label_column;
  } else {
    const char* why = "is for kind='protein-protein'";
    refuse_given(protein_a_column, "protein_a_column", why);
    refuse_given(protein_b_column, "protein_b_column", why);
    cleave::PairedReadOptions& r = o.drug_target;
    if (fasta) r.target_fasta = path_string(*fasta);
    if (drug_column) r.drug_column = *drug_column;
    if (target_column) r.target_column = *target_column;
    if (id_column) r.id_column = *id_column;
    if (label_column) r.label_column = *label_column;
    if (radius) {
      if (*radius > 16) throw nb::value_error("radius must be in [0, 16]");
      r.radius = *radius;
    }
    if (nbits) {
      if (*nbits < 8 || *nbits > (1u << 20)) throw nb::value_error("nbits must be in [8, 2^20]");
      r.n_bits = *nbits;
    }
    if (drug_threshold) {
      if (!(*drug_threshold >= 0.0 && *drug_threshold <= 1.0))
        throw nb::value_error("drug_threshold must be in [0, 1]");
      o.drug_threshold = *drug_threshold;
    }
  }
  if (!o.protein_pairs && (o.cold.empty() || o.cold == "drug")) {
    const char* why = "sets the target graph, which cold='drug' does not build";
    refuse_given(identity_threshold, "identity_threshold", why);
    refuse_given(align, "align", why);
    refuse_given(identity, "identity", why);
    refuse_given(search, "search", why);
    refuse_given(sensitivity, "sensitivity", why);
  }
  cleave::SequenceSettings& q = o.sequences;
  if (identity_threshold) {
    if (!(*identity_threshold >= 0.0 && *identity_threshold <= 1.0))
      throw nb::value_error("identity_threshold must be in [0, 1]");
    q.threshold = *identity_threshold;
  }
  if (align) q.mode = cleave::align_mode_from_name(*align);
  if (identity) q.identity = cleave::identity_kind_from_name(*identity);
  if (search) q.search = cleave::search_mode_from_name(*search);
  if (sensitivity) {
    if (q.search == cleave::SearchMode::exhaustive)
      throw nb::value_error("sensitivity sets the prefilter, which search='exhaustive' turns off");
    q.sensitivity = *sensitivity;
  }
  Call call(backend, max_memory, progress);
  cleave::PairedSplitSet set = call.run([&] { return cleave::paired_splits(path, o, call.ctx); });
  SplitSet out;
  out.graph = std::move(set.nodes);
  out.splits = std::move(set.splits);
  out.layout = std::move(set.layout);
  out.kind = o.partition ? "target" : "sp";
  out.inputs_json = std::move(set.inputs_json);
  return out;
}

// ------------------------------------------------------------ search and audit

/// Every query's hits, as cleave.search returns them.
struct SearchHits {
  std::vector<std::string> query_ids, target_ids;
  cleave::SearchResult result;
  std::vector<int64_t> nearest;  ///< result.nearest with -1 for none, as numpy sees it

  SearchHits(cleave::SearchResult r, std::vector<std::string> q, std::vector<std::string> t)
      : query_ids(std::move(q)), target_ids(std::move(t)), result(std::move(r)) {
    nearest.reserve(result.nearest.size());
    for (const uint32_t n : result.nearest)
      nearest.push_back(n == cleave::SearchResult::kNone ? -1 : static_cast<int64_t>(n));
  }
};

/// A read-only numpy view of v, kept alive by the object that owns v
/// (return it with rv_policy::reference_internal).
template <class T>
nb::ndarray<nb::numpy, const T, nb::ndim<1>> view(const std::vector<T>& v) {
  return nb::ndarray<nb::numpy, const T, nb::ndim<1>>(v.data(), {v.size()}, nb::handle());
}

/// A read-only numpy view of one field of every hit, strided over the hits
/// themselves (no copy of the columns), kept alive as view()'s.
template <class T>
nb::ndarray<nb::numpy, const T, nb::ndim<1>> hit_field(const std::vector<cleave::SearchHit>& hits,
                                                       std::size_t offset) {
  static_assert(sizeof(cleave::SearchHit) % sizeof(T) == 0);
  const auto* first = reinterpret_cast<const char*>(hits.data()) + offset;
  return nb::ndarray<nb::numpy, const T, nb::ndim<1>>(
      first, {hits.size()}, nb::handle(),
      {static_cast<int64_t>(sizeof(cleave::SearchHit) / sizeof(T))});
}

/// What shapes a search's pair similarity, from the Python arguments: the
/// dataset settings of both files (fingerprint measure, FASTA reading and
/// alignment) plus the memory budget and checkpoint folder of the Call.
struct SearchArgs {
  std::optional<std::string> measure;
  std::string alphabet, invalid;
  AlignArgs align;
  uint64_t block_rows;
};

cleave::DatasetOptions search_dataset_options(const SearchArgs& a) {
  cleave::DatasetOptions o = sequence_options(a.alphabet, a.invalid, a.align);
  if (a.measure) o.molecules.measure = cleave::measure_from_name(*a.measure);
  o.min_samples = 1;
  return o;
}

/// The search settings of features f, refusing a measure that does not apply.
cleave::SearchOptions search_options_of(const SearchArgs& a, const cleave::DatasetOptions& o,
                                        const cleave::FeatureView& f, const cleave::Context& ctx) {
  if (a.measure && f.sequences)
    throw nb::value_error("measure applies to fingerprints and embeddings, not sequences");
  if (a.measure && f.embeddings && *a.measure != "cosine")
    throw nb::value_error("embeddings are compared by cosine similarity only");
  cleave::SearchOptions so = cleave::search_settings(o, f, ctx);
  so.block_rows = a.block_rows;
  return so;
}

/// A threshold in the measure's range ([-1, 1] for embeddings, else [0, 1]).
double checked_threshold(double t, const cleave::FeatureView& f) {
  const double lo = f.embeddings ? -1.0 : 0.0;
  if (!(t >= lo && t <= 1.0))
    throw nb::value_error(fmt::format("threshold must be in [{}, 1], got {}", lo, t).c_str());
  return t;
}

SearchHits search(const nb::object& query, const nb::object& target,
                  const std::optional<double>& threshold, uint32_t top, const SearchArgs& a) {
  if (!threshold && top == 0) throw nb::value_error("give a threshold, top > 0 or both");
  const std::string qp = path_string(query), tp = path_string(target);
  const cleave::DatasetOptions o = search_dataset_options(a);
  Call call(a.align.backend, a.align.max_memory, a.align.progress, a.align.work_dir);
  return call.run([&] {
    const cleave::Dataset q = cleave::load_dataset(qp, o, call.ctx);
    const cleave::Dataset t = cleave::load_dataset(tp, o, call.ctx);
    const cleave::FeatureView fq = cleave::dataset_features(q), ft = cleave::dataset_features(t);
    cleave::SearchOptions so = search_options_of(a, o, fq, call.ctx);
    if (threshold) so.threshold = checked_threshold(*threshold, fq);
    so.top = top;
    return SearchHits(cleave::search(fq, ft, so, cleave::id_ranks(t.samples.ids)), q.samples.ids,
                      t.samples.ids);
  });
}

/// One audited split as a dict: name, summary rows (one per side) and the
/// nearest reference sample of each audited sample.
nb::dict audit_dict(const cleave::AuditResult& r, const cleave::Samples& samples) {
  nb::list summary;
  for (const cleave::AuditSummary& s : r.summaries) {
    nb::dict row;
    row["side"] = cleave::split_side_name(s.side);
    row["samples"] = s.samples;
    row["reference"] = s.reference;
    nb::dict frac;
    for (std::size_t k = 0; k < r.levels.size(); ++k)
      frac[nb::float_(r.levels[k])] = s.frac_at_level[k];
    row["frac_ge"] = frac;
    row["mean_max_similarity"] = s.mean_max_similarity;
    row["overlap_frac"] = s.overlap_frac;
    row["overlap_maxsim"] = s.overlap_maxsim;
    row["overlap_meansim"] = s.overlap_meansim;
    summary.append(row);
  }
  nb::list ids, sides, nearest;
  std::vector<double> sim;
  for (const cleave::AuditRow& row : r.rows) {
    ids.append(samples.ids[row.sample]);
    sides.append(cleave::split_side_name(row.side));
    if (row.nearest == cleave::SearchResult::kNone)
      nearest.append(nb::none());
    else
      nearest.append(samples.ids[row.nearest]);
    sim.push_back(row.max_similarity);
  }
  nb::dict near;
  near["id"] = ids;
  near["side"] = sides;
  near["nearest_train_id"] = nearest;
  near["max_similarity"] = to_numpy(std::move(sim));
  nb::dict d;
  d["name"] = r.name;
  d["summary"] = summary;
  d["nearest"] = near;
  return d;
}

nb::list audit(const nb::object& input, const nb::object& split,
               const std::optional<nb::object>& out, const std::optional<double>& threshold,
               const std::optional<std::vector<double>>& levels, const std::string& against,
               const std::string& split_column, const std::optional<std::string>& split_id_column,
               const SearchArgs& a) {
  if (against != "train" && against != "train,validation")
    throw nb::value_error(
        fmt::format("against must be 'train' or 'train,validation', got '{}'", against).c_str());
  if (levels) {
    if (levels->empty()) throw nb::value_error("levels needs at least one level");
    for (const double l : *levels)
      if (!(l >= -1.0 && l <= 1.0))
        throw nb::value_error(fmt::format("levels must be in [-1, 1], got {}", l).c_str());
  }
  const std::string ip = path_string(input), sp = path_string(split);
  const std::optional<std::string> op =
      out ? std::optional<std::string>(path_string(*out)) : std::nullopt;
  cleave::DatasetOptions o = search_dataset_options(a);
  o.min_samples = 2;
  Call call(a.align.backend, a.align.max_memory, a.align.progress, a.align.work_dir);
  cleave::Samples samples;
  std::vector<cleave::AuditResult> audits = call.run([&] {
    const cleave::Dataset data = cleave::load_dataset(ip, o, call.ctx);
    const cleave::FeatureView f = cleave::dataset_features(data);
    cleave::AuditOptions ao;
    ao.search = search_options_of(a, o, f, call.ctx);
    ao.threshold =
        threshold ? checked_threshold(*threshold, f) : cleave::default_search_threshold(f);
    if (levels) ao.levels = *levels;
    ao.against_validation = against == "train,validation";
    const auto splits =
        cleave::read_splits(sp, data.samples, split_column, split_id_column.value_or(""));
    auto r = cleave::audit_splits(f, data.samples, splits, ao);
    if (op) cleave::write_audit(*op, data.samples, r, ao);
    samples = data.samples;
    return r;
  });
  nb::list result;
  for (const cleave::AuditResult& r : audits) result.append(audit_dict(r, samples));
  return result;
}

double auspc(const std::vector<double>& sp, const std::vector<double>& scores) {
  if (sp.size() != scores.size())
    throw nb::value_error(
        fmt::format("sp has {} values and scores {}", sp.size(), scores.size()).c_str());
  std::vector<cleave::ScoreRow> rows;
  std::unordered_map<long long, int> repeats;
  for (std::size_t i = 0; i < sp.size(); ++i) {
    if (!(sp[i] >= 0.0 && sp[i] <= 1.0))
      throw nb::value_error(fmt::format("sp must be in [0, 1], got {}", sp[i]).c_str());
    cleave::ScoreRow r;
    r.sp = sp[i];
    r.repeat = repeats[std::llround(sp[i] * 1e9)]++;
    r.score = scores[i];
    rows.push_back(r);
  }
  cleave::EvalOptions opt;
  opt.bootstrap = 0;
  auto res = cleave::evaluate(rows, {}, opt);
  return res.at(0).auspc;
}

}  // namespace

NB_MODULE(_core, m) {
  m.doc() = "cleave's C++ core (use the package `cleave`, which re-exports it).";

  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const cleave::error& e) {
      PyObject* type = PyExc_RuntimeError;
      switch (e.code()) {
        case cleave::errc::invalid_argument:
        case cleave::errc::format:
          type = PyExc_ValueError;
          break;
        case cleave::errc::io:
          type = PyExc_OSError;
          break;
        case cleave::errc::out_of_memory:
          type = PyExc_MemoryError;
          break;
        case cleave::errc::cancelled:  // a cancel hook (Call keeps the KeyboardInterrupt)
          type = PyExc_KeyboardInterrupt;
          break;
        case cleave::errc::internal:
        case cleave::errc::cuda:
          type = PyExc_RuntimeError;
          break;
      }
      PyErr_SetString(type, e.what());
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  g_warning_category =
      PyErr_NewExceptionWithDoc("cleave._core.CleaveWarning",
                                "A warning from the cleave library (skipped input records, "
                                "a CUDA fallback, a graph too dense for SPECTRA).",
                                PyExc_UserWarning, nullptr);
  m.attr("CleaveWarning") = nb::handle(g_warning_category);
  cleave::set_warning_sink(queue_warning);

  m.attr("__version__") = cleave::cleave_version_string();
  m.attr("DEFAULT_SEEDS") = nb::tuple(nb::cast(cleave::default_seeds()));
  m.attr("DEFAULT_SP") = nb::tuple(nb::cast(cleave::default_sweep()));

  m.def("set_num_threads", &cleave::set_num_threads, "n"_a,
        "Sets the worker threads of cleave's parallel work (0 = all cores; the CLI's --threads).");
  m.def("num_threads", &cleave::num_threads, "The worker threads cleave's parallel work uses.");
  m.def("cuda_available", &cleave::cuda_available,
        "True when this build has CUDA and a device is usable now.");
  m.def("have_rdkit", &cleave::have_rdkit, "True when this build reads SMILES (RDKit).");

  nb::class_<cleave::Graph>(
      m, "Graph",
      "An undirected overlap graph: one node a sample, an edge between two samples whose "
      "similarity reaches the threshold, weighted by that similarity.\n\n"
      "Build one with a ``from_*`` constructor or ``Graph.load``. Every constructor releases the "
      "GIL while it works and honours Ctrl-C while it compares samples (between tiles of "
      "all-pairs work and rows of sequence alignment): the build stops and "
      "KeyboardInterrupt is raised. Bad arguments or input raise ValueError, unreadable files "
      "OSError, both with the library's message.")
      .def_prop_ro("n_nodes", &cleave::Graph::num_nodes, "Number of nodes (samples).")
      .def_prop_ro("n_edges", &cleave::Graph::num_edges, "Number of undirected edges.")
      .def_prop_ro(
          "ids", [](const cleave::Graph& g) { return g.ids(); },
          "Sample ids (list of str): ids[k] names node k.")
      .def_prop_ro(
          "measure", [](const cleave::Graph& g) { return cleave::measure_name(g.meta().measure); },
          "How samples were compared: tanimoto, dice, cosine, identity, mutation or precomputed.")
      .def_prop_ro(
          "threshold", [](const cleave::Graph& g) { return g.meta().threshold; },
          "An edge joins two samples when their similarity >= threshold.")
      .def_prop_ro(
          "n_pairs", [](const cleave::Graph& g) { return g.meta().n_pairs; },
          "Pairs in the similarity distribution (n(n-1)/2 for all-pairs measures).")
      .def_prop_ro(
          "parameters", [](const cleave::Graph& g) { return g.meta().parameters; },
          "The parameters that made the graph, as a JSON text.")
      .def(
          "edges",
          [](const cleave::Graph& g) {
            std::vector<int64_t> u, v;
            std::vector<float> w;
            u.reserve(g.num_edges());
            v.reserve(g.num_edges());
            w.reserve(g.num_edges());
            auto off = g.offsets();
            auto col = g.columns();
            auto wt = g.weights();
            for (uint64_t a = 0; a < g.num_nodes(); ++a)
              for (uint64_t e = off[a]; e < off[a + 1]; ++e)
                if (col[e] > a) {
                  u.push_back(static_cast<int64_t>(a));
                  v.push_back(col[e]);
                  w.push_back(wt[e]);
                }
            return std::make_tuple(to_numpy(std::move(u)), to_numpy(std::move(v)),
                                   to_numpy(std::move(w)));
          },
          "The edges as three numpy arrays (u int64, v int64, w float32), u < v, sorted by "
          "(u, v): the edges `cleave edges` prints, by node index.")
      .def(
          "degrees",
          [](const cleave::Graph& g) {
            std::vector<int64_t> d(g.num_nodes());
            for (uint64_t v = 0; v < g.num_nodes(); ++v) d[v] = static_cast<int64_t>(g.degree(v));
            return to_numpy(std::move(d));
          },
          "Degree of every node (int64 numpy array).")
      .def(
          "save",
          [](const cleave::Graph& g, const nb::object& path) {
            const std::string p = path_string(path);
            without_gil([&] {
              g.save(p);
              return 0;
            });
          },
          "path"_a,
          "Writes the graph file (and path + '.ids') atomically, as `cleave graph --out` does; "
          "`cleave split --graph` reads it.")
      .def_static(
          "load",
          [](const nb::object& path, bool mmap) {
            const std::string p = path_string(path);
            return without_gil([&] { return cleave::Graph::load(p, mmap); });
          },
          "path"_a, "mmap"_a = true,
          "Reads a graph file written by `cleave graph` or Graph.save (checksums verified; "
          "mapped into memory when mmap).")
      .def("__repr__",
           [](const cleave::Graph& g) {
             return fmt::format("<cleave.Graph: {} nodes, {} edges, {} >= {}>", g.num_nodes(),
                                g.num_edges(), cleave::measure_name(g.meta().measure),
                                g.meta().threshold);
           })
      .def_static("from_smiles", &from_smiles, "smiles"_a, "ids"_a = nb::none(),
                  "threshold"_a = cleave::kDefaultFingerprintThreshold,
                  "radius"_a = cleave::MoleculeSettings{}.radius,
                  "nbits"_a = cleave::MoleculeSettings{}.n_bits, "measure"_a = "tanimoto",
                  "strict"_a = false, "backend"_a = "auto", "max_memory"_a = 0,
                  "progress"_a = false,
                  "Graph of molecules given as SMILES strings: RDKit Morgan bit fingerprints "
                  "(radius, nbits) compared by measure (tanimoto, dice or cosine); an edge "
                  "when similarity >= threshold. The defaults are `cleave graph`'s.\n\n"
                  "ids default to '0'..'n-1'. Unparseable or empty SMILES are skipped with a "
                  "CleaveWarning (node indices then follow the kept molecules: see ids) unless "
                  "strict, which raises ValueError. backend: auto, cpu or cuda; max_memory: "
                  "bytes for the all-pairs work (0 = a quarter of RAM).")
      .def_static("from_fingerprints", &from_fingerprints, "bits"_a, "ids"_a = nb::none(),
                  "threshold"_a = cleave::kDefaultFingerprintThreshold, "measure"_a = "tanimoto",
                  "backend"_a = "auto", "max_memory"_a = 0, "progress"_a = false,
                  "Graph of bit fingerprints: a 2-D array (n samples x n bits) of 0/1 values "
                  "(bool or integer; e.g. RDKit's ConvertToNumpyArray rows), compared by "
                  "measure (tanimoto, dice or cosine). ids default to '0'..'n-1'.")
      .def_static("from_embeddings", &from_embeddings, "x"_a, "ids"_a = nb::none(),
                  "threshold"_a = cleave::kDefaultEmbeddingThreshold, "gemm_precision"_a = "fp32",
                  "backend"_a = "auto", "max_memory"_a = 0, "progress"_a = false,
                  "Graph of dense embeddings (2-D float array, one row a sample, converted to "
                  "float32) by cosine similarity; an edge when cosine >= threshold (default "
                  "0.9, as `cleave graph` on NPY input). Rows with NaN, infinity or zero norm "
                  "raise ValueError. ids default to '0'..'n-1'. gemm_precision (fp32, tf32 or "
                  "bf16) sets the CUDA backend's GEMM inputs; edges and weights are the same "
                  "for each (`--gemm-precision`), the cpu backend computes in fp32.")
      .def_static("from_npy", &from_npy, "path"_a, "ids"_a = nb::none(),
                  "threshold"_a = cleave::kDefaultEmbeddingThreshold, "gemm_precision"_a = "fp32",
                  "backend"_a = "auto", "max_memory"_a = 0, "progress"_a = false,
                  "Graph of the embeddings in a .npy file (float32 or float16, C order), as "
                  "`cleave graph --input FILE.npy` (gemm_precision as in from_embeddings).")
      .def_static(
          "from_fasta",
          [](const nb::object& path, std::optional<double> threshold, const std::string& alphabet,
             const std::string& invalid, const std::string& align, std::optional<int> gap_open,
             std::optional<int> gap_extend, int match, int mismatch, const std::string& identity,
             const std::string& search, std::optional<double> sensitivity,
             const std::string& backend, uint64_t max_memory,
             const std::optional<std::string>& work_dir, bool progress) {
            return from_fasta(
                path, alphabet, invalid,
                AlignArgs{threshold, align, identity, search, gap_open, gap_extend, match, mismatch,
                          sensitivity, backend, max_memory, work_dir, progress});
          },
          "path"_a, "threshold"_a = nb::none(), "alphabet"_a = "auto", "invalid"_a = "error",
          "align"_a = "global", "gap_open"_a = nb::none(), "gap_extend"_a = nb::none(),
          "match"_a = cleave::SequenceSettings{}.match,
          "mismatch"_a = cleave::SequenceSettings{}.mismatch, "identity"_a = "auto",
          "search"_a = "auto", "sensitivity"_a = nb::none(), "backend"_a = "auto",
          "max_memory"_a = 0, "work_dir"_a = nb::none(), "progress"_a = false,
          "Graph of the sequences in a FASTA file (plain or gzip) by pairwise alignment "
          "identity, as `cleave graph --input FILE.fasta`: an edge when identity >= threshold "
          "(None: 0.3 for proteins, 0.9 for DNA).\n\n"
          "alphabet: auto, protein or dna; invalid: error, replace or skip (residues outside "
          "the alphabet); align: global or local; gap_open/gap_extend: None for the "
          "alphabet's default (11/1 protein, 5/2 DNA); match/mismatch: DNA scores; identity: "
          "auto, full, aligned or shorter; search: auto, exhaustive or prefilter; sensitivity: "
          "prefilter sensitivity 1..9 (None: 5); work_dir: checkpoint folder for exhaustive "
          "runs.")
      .def_static(
          "from_sequences",
          [](const std::vector<std::string>& seqs,
             const std::optional<std::vector<std::string>>& ids, std::optional<double> threshold,
             const std::string& alphabet, const std::string& invalid, const std::string& align,
             std::optional<int> gap_open, std::optional<int> gap_extend, int match, int mismatch,
             const std::string& identity, const std::string& search,
             std::optional<double> sensitivity, const std::string& backend, uint64_t max_memory,
             const std::optional<std::string>& work_dir, bool progress) {
            return from_sequences(
                seqs, ids, alphabet, invalid,
                AlignArgs{threshold, align, identity, search, gap_open, gap_extend, match, mismatch,
                          sensitivity, backend, max_memory, work_dir, progress});
          },
          "sequences"_a, "ids"_a = nb::none(), "threshold"_a = nb::none(), "alphabet"_a = "auto",
          "invalid"_a = "error", "align"_a = "global", "gap_open"_a = nb::none(),
          "gap_extend"_a = nb::none(), "match"_a = cleave::SequenceSettings{}.match,
          "mismatch"_a = cleave::SequenceSettings{}.mismatch, "identity"_a = "auto",
          "search"_a = "auto", "sensitivity"_a = nb::none(), "backend"_a = "auto",
          "max_memory"_a = 0, "work_dir"_a = nb::none(), "progress"_a = false,
          "Graph of protein or DNA sequences given as strings (ids default to '0'..'n-1'); "
          "the options and defaults of from_fasta.")
      .def_static("from_dms", &from_dms, "path"_a, "mutant_column"_a = "mutant",
                  "label_column"_a = nb::none(),
                  "Graph of a deep mutational scan CSV (ProteinGym style, a `mutant` column "
                  "such as 'A23C:D45E'), as `cleave graph --input FILE --format dms`: an edge "
                  "when two variants share a mutation, weighted by the Jaccard index of their "
                  "mutation sets.")
      .def_static("from_pairs", &from_pairs, "path"_a, "ids"_a = nb::none(),
                  "threshold"_a = nb::none(),
                  "Graph of precomputed similarities ('i<TAB>j<TAB>value' lines, 0-based) with "
                  "an optional ids file, as `cleave graph --format pairs`: an edge when value >= "
                  "threshold (None: > 0).")
      .def_static("from_edges", &from_edges, "n"_a, "u"_a, "v"_a, "w"_a = nb::none(),
                  "ids"_a = nb::none(),
                  "Graph of n nodes with the given undirected edges (u[k], v[k]) and weights "
                  "w[k] (None: 1.0). Duplicates keep the largest weight; self loops are "
                  "dropped. The similarity distribution used by weighted splits is the listed "
                  "weights, as for a pairs file.");

  nb::class_<Split>(m, "Split",
                    "One split: train and test node indices and what the sweep measured.")
      .def_prop_ro(
          "sp", [](const Split& s) { return s.r.p; },
          "Spectral parameter p of a SPECTRA split (target overlap of a min-cut partition).")
      .def_prop_ro(
          "seed", [](const Split& s) { return s.r.seed; }, "Seed of the split.")
      .def_prop_ro(
          "repeat", [](const Split& s) { return s.r.repeat; }, "Repeat: the seed's position.")
      .def_prop_ro(
          "valid", [](const Split& s) { return s.r.valid; },
          "False when too few samples were kept: then train and test are empty.")
      .def_prop_ro(
          "kept", [](const Split& s) { return s.r.kept; }, "Samples kept.")
      .def_prop_ro(
          "kept_units", [](const Split& s) { return s.r.kept_units; },
          "Singles plus clique units kept.")
      .def_prop_ro(
          "n_train", [](const Split& s) { return s.r.valid ? s.r.train : 0; }, "Train samples.")
      .def_prop_ro(
          "n_test", [](const Split& s) { return s.r.valid ? s.r.test : 0; }, "Test samples.")
      .def_prop_ro(
          "overlap_frac", [](const Split& s) { return s.r.valid ? s.r.overlap.frac : 0.0; },
          "Fraction of test samples with at least one train neighbour.")
      .def_prop_ro(
          "overlap_maxsim", [](const Split& s) { return s.r.valid ? s.r.overlap.maxsim : 0.0; },
          "Mean over test of the largest similarity to train.")
      .def_prop_ro(
          "overlap_meansim", [](const Split& s) { return s.r.valid ? s.r.overlap.meansim : 0.0; },
          "Mean similarity over all train x test pairs.")
      .def_prop_ro(
          "train", [](const Split& s) { return s.members(cleave::kTrain); },
          nb::rv_policy::automatic,
          "Train node indices (int64 numpy array, ascending) into the graph's nodes.")
      .def_prop_ro(
          "test", [](const Split& s) { return s.members(cleave::kTest); }, nb::rv_policy::automatic,
          "Test node indices (int64 numpy array, ascending).")
      .def_prop_ro(
          "validation", [](const Split& s) { return s.members(cleave::kValidation); },
          nb::rv_policy::automatic,
          "Validation node indices (min-cut partitions with valid_fraction > 0; else empty).")
      .def_prop_ro(
          "side",
          [](const Split& s) {
            std::vector<int8_t> side = s.r.side;
            return to_numpy(std::move(side));
          },
          nb::rv_policy::automatic,
          "Per node: 0 train, 1 test, 2 validation, -1 dropped (int8 numpy array).")
      .def("__repr__", [](const Split& s) {
        return fmt::format("<cleave.Split {}={:.2f} repeat={} seed={} {}: train {}, test {}>",
                           s.kind, s.r.p, s.r.repeat, s.r.seed, s.r.valid ? "valid" : "invalid",
                           s.r.valid ? s.r.train : 0, s.r.valid ? s.r.test : 0);
      });

  nb::class_<SplitSet>(
      m, "SplitSet",
      "The splits of one graph, p-major then repeat (as the rows of stats.tsv); a sequence of "
      "Split.")
      .def(
          "__len__", [](const SplitSet& s) { return s.splits.size(); },
          "Number of splits, valid or not (len(sp) x len(seeds) for a sweep).")
      .def(
          "__getitem__",
          [](const SplitSet& s, int64_t i) {
            const auto n = static_cast<int64_t>(s.splits.size());
            if (i < 0) i += n;
            if (i < 0 || i >= n) throw nb::index_error("split index out of range");
            return Split{s.splits[static_cast<std::size_t>(i)], s.kind};
          },
          "i"_a, "Split i (negative i counts from the end); IndexError when out of range.")
      .def_prop_ro(
          "graph", [](const SplitSet& s) { return s.graph; }, "The graph the splits were made on.")
      .def_prop_ro(
          "key", [](const SplitSet& s) { return s.layout.key; },
          "First column of stats.tsv: 'sp' (SPECTRA) or 'target' (min-cut partitions).")
      .def(
          "_columns",
          [](const SplitSet& s) {
            nb::dict d;
            std::vector<double> key;
            std::vector<int64_t> repeat, kept, kept_units, train, validation, test;
            std::vector<uint64_t> seed;
            std::vector<bool> valid;
            std::vector<double> frac, maxsim, meansim;
            for (const auto& r : s.splits) {
              // Values as stats.tsv holds them (p to two decimals, overlaps to six).
              key.push_back(std::stod(fmt::format("{:.2f}", r.p)));
              repeat.push_back(r.repeat);
              seed.push_back(r.seed);
              valid.push_back(r.valid);
              kept.push_back(static_cast<int64_t>(r.kept));
              kept_units.push_back(static_cast<int64_t>(r.kept_units));
              train.push_back(r.valid ? static_cast<int64_t>(r.train) : 0);
              validation.push_back(r.valid ? static_cast<int64_t>(r.validation) : 0);
              test.push_back(r.valid ? static_cast<int64_t>(r.test) : 0);
              frac.push_back(r.valid ? std::stod(fmt::format("{:.6f}", r.overlap.frac)) : 0.0);
              maxsim.push_back(r.valid ? std::stod(fmt::format("{:.6f}", r.overlap.maxsim)) : 0.0);
              meansim.push_back(r.valid ? std::stod(fmt::format("{:.6f}", r.overlap.meansim))
                                        : 0.0);
            }
            d[s.layout.key.c_str()] = key;
            d["repeat"] = repeat;
            d["seed"] = seed;
            d["valid"] = valid;
            d["kept"] = kept;
            d["kept_units"] = kept_units;
            d["train"] = train;
            if (s.layout.validation) d["validation"] = validation;
            d["test"] = test;
            d["overlap_frac"] = frac;
            d["overlap_maxsim"] = maxsim;
            d["overlap_meansim"] = meansim;
            return d;
          },
          "The columns of stats.tsv, in its order, as lists (to_frame builds on this).")
      .def(
          "to_frame",
          [](nb::handle self) {
            nb::module_ pd = nb::module_::import_("pandas");
            nb::object frame = pd.attr("DataFrame")(self.attr("_columns")());
            frame["seed"] = frame["seed"].attr("astype")("uint64");
            frame["valid"] = frame["valid"].attr("astype")("bool");
            return frame;
          },
          "The split set as a pandas DataFrame with the columns of stats.tsv: sp (target for "
          "min-cut partitions), repeat, seed, valid, kept, kept_units, train (validation), "
          "test, overlap_frac, overlap_maxsim, overlap_meansim; one row a split, values rounded "
          "as stats.tsv writes them.")
      .def(
          "__iter__",
          [](const SplitSet& s) {
            nb::list items;
            for (const auto& r : s.splits) items.append(nb::cast(Split{r, s.kind}));
            return nb::iter(items);
          },
          "Iterates over the splits in order.")
      .def(
          "write",
          [](const SplitSet& s, const nb::object& dir) {
            const std::string p = path_string(dir);
            without_gil([&] {
              const std::string inputs =
                  !s.inputs_json.empty()
                      ? s.inputs_json
                      : fmt::format(
                            "{{\"graph\": {{\"checksum\": \"{}\", \"parameters\": {}}}}}",
                            cleave::hex64(s.graph.meta().input_checksum),
                            s.graph.meta().parameters.empty() ? "{}" : s.graph.meta().parameters);
              cleave::write_split_set(p, s.graph, s.splits, s.layout, inputs);
              return 0;
            });
          },
          "dir"_a,
          "Writes the split set as `cleave split` (or `cleave partition`) does: dir/stats.tsv, "
          "one folder sp_<p>_r<k> (ov_<t>_r<k>) per valid split with train.txt and test.txt "
          "(ids), and dir/manifest.json; assembled aside and renamed into place whole.");

  m.def("spectra_splits", &spectra_splits, "graph"_a, "sp"_a = nb::none(),
        "seeds"_a = cleave::default_seeds(),
        "test_fraction"_a = cleave::SplitOptions{}.test_fraction, "weighted"_a = false,
        "compat_spectrae"_a = false, "min_kept"_a = cleave::SplitOptions{}.min_kept,
        "backend"_a = "auto",
        "The SPECTRA split spectrum of a graph, as `cleave split`: one split for every "
        "(p, seed), p-major. sp: spectral parameters in [0, 1] (None: 0.00, 0.05, ..., 1.00); "
        "seeds: one per repeat (default 42, 44, 46); test_fraction of the kept samples go to "
        "test; weighted: delete a neighbour only through a high-percentile edge; "
        "compat_spectrae: reproduce spectrae exactly; min_kept: no split when this many or "
        "fewer samples are kept; backend: auto, cpu or cuda.\n\n"
        "Releases the GIL; Ctrl-C is honoured between chunks of splits.");
  m.def("partition", &partition, "graph"_a,
        "test_fraction"_a = cleave::PartitionOptions{}.test_fraction,
        "valid_fraction"_a = cleave::PartitionOptions{}.valid_fraction,
        "seeds"_a = cleave::default_seeds(), "target_overlap"_a = std::vector<double>{0.0},
        "tolerance"_a = cleave::PartitionOptions{}.tolerance,
        "tries"_a = cleave::PartitionOptions{}.tries,
        "mutation_aware"_a = cleave::PartitionOptions{}.mutation_aware, "labels"_a = nb::none(),
        "stratify"_a = false, "strata"_a = nb::none(),
        "Leakage-free splits by minimum cut, as `cleave partition`: no edge between train, "
        "test and validation, removing as few samples as possible; one split per (target, "
        "seed), target-major. target_overlap: overlap_frac to reach by moving samples from the "
        "zero-overlap split (default 0 only); tries: METIS bisections per cut (0: by size); "
        "mutation_aware: on mutation graphs also solve on mutations and keep the better. "
        "labels: one number per graph node; with them, write() adds strata.tsv (each side's "
        "label distribution: classes when the labels are at most 20 distinct integers, else "
        "`strata` quantile bins, default 5). stratify: move whole kept components between "
        "sides so that each side's label distribution follows the whole (zero-overlap splits "
        "only; kept samples unchanged), as `cleave partition --stratify`.");
  m.def("paired_splits", &paired_splits, "csv"_a, "kind"_a = "drug-target", "cold"_a = nb::none(),
        "method"_a = "sweep", "sp"_a = nb::none(), "seeds"_a = cleave::default_seeds(),
        "fasta"_a = nb::none(), "test_fraction"_a = cleave::SplitOptions{}.test_fraction,
        "id_column"_a = nb::none(), "label_column"_a = nb::none(), "drug_column"_a = nb::none(),
        "target_column"_a = nb::none(), "drug_threshold"_a = nb::none(), "radius"_a = nb::none(),
        "nbits"_a = nb::none(), "protein_a_column"_a = nb::none(),
        "protein_b_column"_a = nb::none(), "identity_threshold"_a = nb::none(),
        "align"_a = nb::none(), "identity"_a = nb::none(), "search"_a = nb::none(),
        "sensitivity"_a = nb::none(), "weighted"_a = nb::none(), "min_kept"_a = nb::none(),
        "tolerance"_a = nb::none(), "tries"_a = nb::none(), "backend"_a = "auto",
        "max_memory"_a = 0, "progress"_a = false,
        "Splits of paired data read from a CSV (one row a pair), cold on one or both sides, as "
        "`cleave paired`. The split set's nodes are the pairs in file order (graph.ids: the "
        "pair ids), so each split's train/test index the rows.\n\n"
        "kind: 'drug-target' (a SMILES column and a target column) or 'protein-protein' (two "
        "columns of protein ids of `fasta`). cold: drug-target 'drug' (default: test drugs "
        "unlike every train drug), 'target' or 'both'; protein-protein 'one' (every test pair "
        "has a protein unlike all train proteins) or 'both' (default). method: 'sweep' (the "
        "SPECTRA sweep over sp x seeds, p-major; at p = 1 no test pair shares a similar entity "
        "with a train pair on the cold side(s)) or 'partition' (one zero-overlap min-cut split "
        "per seed). fasta: drug-target, the target column holds ids of this FASTA (None: it "
        "holds sequences); protein-protein, required. Drugs are similar at Morgan (radius, "
        "nbits; default 2, 2048) Tanimoto >= drug_threshold (0.4); targets and proteins at "
        "alignment identity >= identity_threshold (None: 0.3 protein, 0.9 DNA; align, "
        "identity, search, sensitivity as for graphs, None for their defaults; not with "
        "cold='drug', which builds no target graph). id_column / label_column: None for "
        "'id' / 'label' when present. Sweep only: sp (None: 0.00, 0.05, ..., 1.00), weighted, "
        "min_kept (default 5); partition only: tolerance (0.02), tries (0: by size); an "
        "argument of the other kind or method raises ValueError. A bad row, a missing column "
        "or an id not in the FASTA raises ValueError naming file and line. write() writes the "
        "split set `cleave paired` writes.");
  nb::class_<SearchHits>(
      m, "SearchHits",
      "What cleave.search found: every query's hits (targets with their similarity, best "
      "first, ties by target id) and its nearest target.")
      .def_prop_ro(
          "query_ids", [](const SearchHits& h) { return h.query_ids; }, "Query ids (list of str).")
      .def_prop_ro(
          "target_ids", [](const SearchHits& h) { return h.target_ids; },
          "Target ids (list of str).")
      .def_prop_ro(
          "offsets", [](const SearchHits& h) { return view(h.result.offsets); },
          nb::rv_policy::reference_internal,
          "uint64 array of n_queries + 1 (read-only): the hits of query q are entries "
          "offsets[q] to offsets[q + 1] - 1 of targets and similarity.")
      .def_prop_ro(
          "targets",
          [](const SearchHits& h) {
            return hit_field<uint32_t>(h.result.hits, offsetof(cleave::SearchHit, target));
          },
          nb::rv_policy::reference_internal,
          "uint32 array (read-only): each hit's target, an index into target_ids.")
      .def_prop_ro(
          "similarity",
          [](const SearchHits& h) {
            return hit_field<double>(h.result.hits, offsetof(cleave::SearchHit, similarity));
          },
          nb::rv_policy::reference_internal,
          "float64 array (read-only): each hit's similarity, exact (the graph's weight before "
          "rounding to float32).")
      .def_prop_ro(
          "nearest", [](const SearchHits& h) { return view(h.nearest); },
          nb::rv_policy::reference_internal,
          "int64 array (read-only): each query's most similar target (ties by id), -1 without "
          "targets.")
      .def_prop_ro(
          "max_similarity", [](const SearchHits& h) { return view(h.result.max_similarity); },
          nb::rv_policy::reference_internal,
          "float64 array (read-only): each query's similarity to its nearest target (NaN "
          "without targets).")
      .def(
          "__len__", [](const SearchHits& h) { return h.result.hits.size(); }, "Number of hits.")
      .def(
          "to_frame",
          [](const SearchHits& h) {
            nb::list q, t;
            std::vector<double> v;
            v.reserve(h.result.hits.size());
            for (std::size_t k = 0; k + 1 < h.result.offsets.size(); ++k)
              for (uint64_t e = h.result.offsets[k]; e < h.result.offsets[k + 1]; ++e) {
                q.append(h.query_ids[k]);
                t.append(h.target_ids[h.result.hits[e].target]);
                v.push_back(h.result.hits[e].similarity);
              }
            nb::dict d;
            d["query_id"] = q;
            d["target_id"] = t;
            d["similarity"] = to_numpy(std::move(v));
            return nb::module_::import_("pandas").attr("DataFrame")(d);
          },
          "The hits as a pandas DataFrame with the columns of `cleave search`'s TSV: query_id, "
          "target_id, similarity; sorted by query, then by descending similarity.")
      .def(
          "write",
          [](const SearchHits& h, const nb::object& path) {
            const std::string p = path_string(path);
            without_gil([&] {
              cleave::AtomicFile file(p);
              std::fputs(cleave::kHitsHeader, file.stream());
              cleave::write_hits(file.stream(), h.query_ids, 0, h.target_ids, h.result);
              file.commit();
              return 0;
            });
          },
          "path"_a,
          "Writes the TSV `cleave search` writes, to a temporary name renamed into place.");

  m.def(
      "search",
      [](const nb::object& query, const nb::object& target, std::optional<double> threshold,
         uint32_t top, const std::optional<std::string>& measure, const std::string& alphabet,
         const std::string& invalid, const std::string& align, std::optional<int> gap_open,
         std::optional<int> gap_extend, int match, int mismatch, const std::string& identity,
         const std::string& search_mode, std::optional<double> sensitivity,
         const std::string& backend, uint64_t max_memory,
         const std::optional<std::string>& work_dir, uint64_t block_rows, bool progress) {
        return search(query, target, threshold, top,
                      SearchArgs{measure, alphabet, invalid,
                                 AlignArgs{std::nullopt, align, identity, search_mode, gap_open,
                                           gap_extend, match, mismatch, sensitivity, backend,
                                           max_memory, work_dir, progress},
                                 block_rows});
      },
      "query"_a, "target"_a, "threshold"_a = nb::none(), "top"_a = 0, "measure"_a = nb::none(),
      "alphabet"_a = "auto", "invalid"_a = "error", "align"_a = "global", "gap_open"_a = nb::none(),
      "gap_extend"_a = nb::none(), "match"_a = cleave::SequenceSettings{}.match,
      "mismatch"_a = cleave::SequenceSettings{}.mismatch, "identity"_a = "auto",
      "search"_a = "auto", "sensitivity"_a = nb::none(), "backend"_a = "auto", "max_memory"_a = 0,
      "work_dir"_a = nb::none(), "block_rows"_a = 0, "progress"_a = false,
      "Every query of one dataset file against every target of another, exact, as `cleave "
      "search`: both files hold features of one kind (SMILES/FPS fingerprints, FASTA "
      "sequences or NPY embeddings), compared as the graph compares them. threshold: keep "
      "targets with similarity >= threshold; top: keep only each query's top best (ties by "
      "target id); give either or both. measure: tanimoto (default), dice or cosine for "
      "fingerprints. The sequence arguments are those of Graph.from_fasta (search: auto, "
      "exhaustive or prefilter). backend: auto or cpu, or cuda for fingerprints on the GPU (same "
      "results; auto stays on the cpu until the kernel has been validated on a device). "
      "max_memory: bytes for one block of queries (0: a quarter of "
      "RAM); work_dir: checkpoint folder, so an interrupted search resumes; block_rows: "
      "queries per block (0: from max_memory). Returns SearchHits. Releases the GIL; Ctrl-C "
      "stops it with KeyboardInterrupt.");
  m.def(
      "audit",
      [](const nb::object& input, const nb::object& split, const std::optional<nb::object>& out,
         std::optional<double> threshold, const std::optional<std::vector<double>>& levels,
         const std::string& against, const std::string& split_column,
         const std::optional<std::string>& split_id_column,
         const std::optional<std::string>& measure, const std::string& alphabet,
         const std::string& invalid, const std::string& align, std::optional<int> gap_open,
         std::optional<int> gap_extend, int match, int mismatch, const std::string& identity,
         const std::string& search_mode, std::optional<double> sensitivity,
         const std::string& backend, uint64_t max_memory,
         const std::optional<std::string>& work_dir, uint64_t block_rows, bool progress) {
        return audit(input, split, out, threshold, levels, against, split_column, split_id_column,
                     SearchArgs{measure, alphabet, invalid,
                                AlignArgs{std::nullopt, align, identity, search_mode, gap_open,
                                          gap_extend, match, mismatch, sensitivity, backend,
                                          max_memory, work_dir, progress},
                                block_rows});
      },
      "input"_a, "split"_a, "out"_a = nb::none(), "threshold"_a = nb::none(),
      "levels"_a = nb::none(), "against"_a = "train", "split_column"_a = "split",
      "split_id_column"_a = nb::none(), "measure"_a = nb::none(), "alphabet"_a = "auto",
      "invalid"_a = "error", "align"_a = "global", "gap_open"_a = nb::none(),
      "gap_extend"_a = nb::none(), "match"_a = cleave::SequenceSettings{}.match,
      "mismatch"_a = cleave::SequenceSettings{}.mismatch, "identity"_a = "auto",
      "search"_a = "auto", "sensitivity"_a = nb::none(), "backend"_a = "auto", "max_memory"_a = 0,
      "work_dir"_a = nb::none(), "block_rows"_a = 0, "progress"_a = false,
      "Audits an existing split of a dataset file, as `cleave audit`: each test (and "
      "validation) sample's nearest reference sample and their exact similarity. split: a "
      "folder with train.txt and test.txt (validation.txt optional), a CSV whose column "
      "split_column holds train/valid/test (ids in split_id_column, default the first), or a "
      "split set of `cleave split` / `cleave partition` (every split audited). threshold: "
      "the graph threshold of the overlap columns (None: the graph default for the kind); "
      "levels: similarities for the frac_ge fractions (None: 0.3, 0.4, ..., 1.0); against: "
      "'train' or 'train,validation'. out: also write nearest.tsv, summary.tsv and "
      "report.html there. The similarity and block arguments are those of search(). Returns "
      "one dict per split: name, summary (a dict per side: side, samples, reference, frac_ge "
      "{level: fraction}, mean_max_similarity, overlap_frac, overlap_maxsim, "
      "overlap_meansim) and nearest (id, side, nearest_train_id with None when there is no "
      "reference sample, max_similarity as a numpy array). Unknown or repeated ids in the "
      "split raise ValueError naming file and line.");
  m.def("auspc", &auspc, "sp"_a, "scores"_a,
        "Area under the spectral performance curve: scores are averaged per spectral "
        "parameter (repeats), then integrated by the trapezoid rule over [min sp, max sp]; "
        "NaN scores are left out. As `cleave auspc` reports it (auspc column).");
}
