/// @file partitioner.cpp
/// @brief Partitioner (prepare once, split many times) and the sweep.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <functional>
#include <new>
#include <optional>
#include <stdexcept>

#include "cleave/error.hpp"
#include "cleave/split.hpp"
#include "cleave/util.hpp"
#include "dist/bytes.hpp"
#include "dist/work_loop.hpp"
#include "kernels/hash.hpp"
#include "kernels/mis.hpp"
#include "split/engine.hpp"
#include "split/prepare.hpp"

namespace cleave {

namespace {
constexpr uint64_t kStreamValidation = 0x76616c69ULL;  // "vali"
}  // namespace

namespace detail {
uint64_t test_count(double test_fraction, uint64_t singles) {
  // sklearn's train_test_split: n_test = ceil(test_size * n_samples), in double.
  return static_cast<uint64_t>(std::ceil(test_fraction * static_cast<double>(singles)));
}
}  // namespace detail

uint64_t validation_count(double valid_fraction, const SplitResult& s) {
  return detail::test_count(valid_fraction, s.kept);
}

struct Partitioner::Impl {
  SplitOptions opt;
  Backend backend = Backend::cpu;
  detail::PreparedGraph prep;
  std::unique_ptr<detail::MisEngine> engine;
  std::unique_ptr<detail::MisEngine> serial;  ///< cpu only: one split per thread

  /// Moves the validation samples of a finished split off train (see
  /// SplitOptions::valid_fraction); on the host, so every backend agrees.
  void carve_validation(SplitResult& r) const {
    if (opt.valid_fraction <= 0.0 || !r.valid) return;
    const Graph& g = *prep.graph;
    const auto offs = g.offsets();
    const auto cols = g.columns();
    const uint64_t want = validation_count(opt.valid_fraction, r);
    const uint64_t pk = kernels::p_key_of(r.p);
    std::vector<std::pair<uint64_t, uint32_t>> pool;
    for (uint64_t v = 0; v < r.side.size(); ++v) {
      // Clique members are train by construction and keep their clique.
      if (r.side[v] != kTrain || prep.initial_side[v] == kTrain) continue;
      bool alone = true;
      for (uint64_t e = offs[v]; e < offs[v + 1] && alone; ++e) alone = r.side[cols[e]] == kDropped;
      if (alone)
        pool.emplace_back(kernels::counter_hash(r.seed, kStreamValidation, pk, v),
                          static_cast<uint32_t>(v));
    }
    const auto take = static_cast<std::size_t>(std::min<uint64_t>(want, pool.size()));
    std::partial_sort(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(take), pool.end());
    for (std::size_t i = 0; i < take; ++i) r.side[pool[i].second] = kValidation;
    // Validation touches no test sample: overlap_frac and maxsim stay; the
    // mean over train x test pairs loses the pairs of the moved samples,
    // which were all 0.
    const auto train_before = static_cast<double>(r.train);
    r.validation = take;
    r.train -= take;
    r.overlap.meansim =
        r.train > 0 ? r.overlap.meansim * train_before / static_cast<double>(r.train) : 0.0;
    r.valid = r.train > 0;
  }
};

Partitioner::Partitioner(const Graph& g, SplitOptions opt) : impl_(std::make_unique<Impl>()) {
  impl_->opt = opt;
  impl_->backend = resolve_backend(opt.backend);
  impl_->prep = detail::prepare_graph(g, opt);
#if CLEAVE_HAVE_CUDA
  if (impl_->backend == Backend::cuda) {
    try {
      impl_->engine = detail::make_cuda_engine(impl_->prep);
    } catch (const std::bad_alloc&) {
      CLEAVE_FAIL(out_of_memory, "the graph does not fit in GPU memory");
    } catch (const std::runtime_error& e) {
      CLEAVE_FAIL(cuda, "CUDA failure while uploading the graph: {}", e.what());
    }
  }
#endif
  if (!impl_->engine) {
    impl_->backend = Backend::cpu;
    impl_->engine = detail::make_omp_engine(impl_->prep);
    impl_->serial = detail::make_seq_engine(impl_->prep);
  }
}

Partitioner::~Partitioner() = default;
Partitioner::Partitioner(Partitioner&&) noexcept = default;

SplitResult Partitioner::split(double p, uint64_t seed, int repeat) const {
  CLEAVE_EXPECTS(p >= 0.0 && p <= 1.0, "spectral parameter must be in [0, 1], got {}", p);
  SplitResult r;
  r.p = p;
  r.repeat = repeat;
  r.seed = seed;
  if (impl_->backend == Backend::cpu) {
    impl_->engine->run(p, seed, r);
    impl_->carve_validation(r);
    return r;
  }
  try {
    impl_->engine->run(p, seed, r);
    impl_->carve_validation(r);
  } catch (const std::bad_alloc&) {
    CLEAVE_FAIL(out_of_memory, "out of GPU memory in split p={} seed={}", p, seed);
  } catch (const std::runtime_error& e) {
    CLEAVE_FAIL(cuda, "CUDA failure in split p={} seed={}: {}", p, seed, e.what());
  }
  return r;
}

std::vector<SplitResult> Partitioner::split_all(const std::vector<double>& ps,
                                                const std::vector<uint64_t>& seeds,
                                                const std::function<void()>& advance) const {
  for (double p : ps)
    CLEAVE_EXPECTS(p >= 0.0 && p <= 1.0, "spectral parameter must be in [0, 1], got {}", p);
  const std::size_t total = ps.size() * seeds.size();
  std::vector<SplitResult> out(total);
  for (std::size_t i = 0; i < total; ++i) {
    out[i].p = ps[i / seeds.size()];
    out[i].repeat = static_cast<int>(i % seeds.size());
    out[i].seed = seeds[i % seeds.size()];
  }
  const int threads = num_threads();
  const CallHooks* hooks = current_call_hooks();
  if (dist::size() > 1) {
    split_over_ranks(out, threads, advance);
    return out;
  }
  if (impl_->backend != Backend::cpu || threads < 2 || total < 2) {
    for (auto& r : out) {
      check_cancelled(hooks);
      r = split(r.p, r.seed, r.repeat);
      if (advance) advance();
    }
    return out;
  }
  // One split per thread: the same Thrust code under thrust::seq, no barrier
  // per round. Each split is a pure function of (graph, p, seed), so the
  // results do not depend on which thread ran it.
  std::exception_ptr failure;
  std::atomic<bool> failed{false};  // the splits not started are skipped
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (int64_t i = 0; i < static_cast<int64_t>(total); ++i) {
    if (failed.load(std::memory_order_relaxed)) continue;
    try {
      check_cancelled(hooks);
      auto& r = out[static_cast<std::size_t>(i)];
      impl_->serial->run(r.p, r.seed, r);
      impl_->carve_validation(r);
      if (advance) advance();
    } catch (...) {
#pragma omp critical(cleave_split_all)
      if (!failure) failure = std::current_exception();
      failed = true;
    }
  }
  if (failure) std::rethrow_exception(failure);
  return out;
}

namespace {

dist::Bytes encode_split(const SplitResult& r) {
  dist::Writer w;
  w.put(r.valid);
  w.put(r.kept);
  w.put(r.kept_units);
  w.put(r.train);
  w.put(r.test);
  w.put(r.validation);
  w.put_string(r.engine);
  w.put(r.overlap);
  w.put_vector(r.side);
  w.put(r.rounds);
  return w.take();
}

void decode_split(const dist::Bytes& b, SplitResult& r) {
  dist::Reader rd(b);
  r.valid = rd.get<bool>();
  r.kept = rd.get<uint64_t>();
  r.kept_units = rd.get<uint64_t>();
  r.train = rd.get<uint64_t>();
  r.test = rd.get<uint64_t>();
  r.validation = rd.get<uint64_t>();
  r.engine = rd.get_string();
  r.overlap = rd.get<Overlap>();
  r.side = rd.get_vector<int8_t>();
  r.rounds = rd.get<uint32_t>();
}

}  // namespace

// Over ranks: rank 0 hands out the (p, seed) pairs in sweep order; each rank
// runs one split per thread (CPU) or one at a time (GPU) and sends it to
// rank 0, which holds every split when this returns. Each split is a pure
// function of (graph, p, seed), so the set is the same on any rank count.
void Partitioner::split_over_ranks(std::vector<SplitResult>& out, int threads,
                                   const std::function<void()>& advance) const {
  const bool per_thread = impl_->backend == Backend::cpu && threads >= 2;
  dist::WorkLoop loop;
  loop.what = "splits";
  if (dist::is_root())
    for (uint64_t i = 0; i < out.size(); ++i) loop.items.push_back(i);
  loop.workers = per_thread ? static_cast<uint64_t>(threads) : 1;
  loop.compute = [&](uint64_t i, bool remote) {
    SplitResult r;
    r.p = out[i].p;
    r.repeat = out[i].repeat;
    r.seed = out[i].seed;
    if (per_thread) {
      impl_->serial->run(r.p, r.seed, r);
      impl_->carve_validation(r);
    } else {
      r = split(r.p, r.seed, r.repeat);
    }
    if (remote) return encode_split(r);
    out[i] = std::move(r);
    if (advance) advance();
    return dist::Bytes{};
  };
  loop.accept = [&](uint64_t i, int source, dist::Bytes&& bytes) {
    CLEAVE_EXPECTS(i < out.size(), "rank {} returned split {} of {}", source, i, out.size());
    decode_split(bytes, out[i]);
    const uint64_t n = impl_->prep.graph->num_nodes();
    CLEAVE_EXPECTS(out[i].side.empty() || out[i].side.size() == n,
                   "rank {}: split {} has {} sides for {} nodes", source, i, out[i].side.size(), n);
    if (advance) advance();
  };
  dist::run_work_loop(loop);
}

Backend Partitioner::backend() const {
  return impl_->backend;
}
const SplitOptions& Partitioner::options() const {
  return impl_->opt;
}

std::vector<double> default_sweep() {
  std::vector<double> ps;
  for (int k = 0; k <= 20; ++k) ps.push_back(k / 20.0);
  return ps;
}

std::vector<uint64_t> default_seeds() {
  return {42, 44, 46};
}

std::vector<SplitResult> sweep(const Graph& g, const std::vector<double>& ps,
                               const std::vector<uint64_t>& seeds, const SplitOptions& opt,
                               bool progress) {
  for (double p : ps)
    CLEAVE_EXPECTS(p >= 0.0 && p <= 1.0, "spectral parameter must be in [0, 1], got {}", p);
  const Partitioner part(g, opt);
  std::optional<Progress> bar;
  if (progress) bar.emplace("splits", ps.size() * seeds.size());
  auto out = part.split_all(ps, seeds, [&] {
    if (bar) bar->advance();
  });
  if (bar) bar->finish();
  return out;
}

}  // namespace cleave
