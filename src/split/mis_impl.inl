/// @file mis_impl.inl
/// @brief The SPECTRA split written once as Thrust code, templated on a
/// system (a vector type, an execution policy and whether its memory is the
/// host's). Included by mis_omp.cpp (Thrust's OpenMP system) and mis_cuda.cu
/// (the CUDA system). Per-node logic lives in kernels/mis.hpp.
///
/// The includer defines the system struct first, e.g.
///   struct OmpSystem { template <class T> using vector = ...; static auto policy(); static
///   constexpr bool kHostMemory; struct Rounds { auto policy(); }; };
/// Rounds lives for one split and gives the policy of its rounds (on the
/// CUDA system: no optional synchronisation, temporaries from a cache).
///
/// A round is two passes over the worklist: decide (reads the statuses of
/// the previous round: a Jacobi round, the same on every system) and a
/// remove_if whose predicate writes each decided status back while it drops
/// the node, so no pass reads a status another thread is writing.
#include <thrust/copy.h>
#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>
#include <thrust/remove.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

#include <vector>

#include "kernels/mis.hpp"
#include "split/engine.hpp"

namespace cleave::detail {
namespace {  // each includer gets its own copy: no cross-TU template clashes

template <class T>
T* raw(T* p) {
  return p;
}
template <class Ptr>
auto raw(Ptr p) {
  return thrust::raw_pointer_cast(p);
}

/// @brief The apply half of a round as remove_if's predicate over (node,
/// decision): writes a decided status and says to drop the node. Calling it
/// twice on an element (allowed to remove_if) writes the same value.
struct ApplyIfDecided {
  uint8_t* status;
  template <class Tuple>
  CLEAVE_HD bool operator()(const Tuple& t) const {
    const uint8_t d = thrust::get<1>(t);
    if (d == kernels::kUndecided) return false;
    status[thrust::get<0>(t)] = d;
    return true;
  }
};

/// @brief One split at a time on system Sys; the graph is uploaded once.
template <class Sys>
class ThrustEngine final : public MisEngine {
  template <class T>
  using vec = typename Sys::template vector<T>;

 public:
  explicit ThrustEngine(const PreparedGraph& prep) : prep_(prep) {
    const Graph& g = *prep.graph;
    n_ = g.num_nodes();
    if constexpr (Sys::kHostMemory) {
      offsets_ptr_ = g.offsets().data();
      columns_ptr_ = g.columns().data();
      weights_ptr_ = g.weights().data();
      pct_ptr_ = prep.percentile.empty() ? nullptr : prep.percentile.data();
    } else {
      offsets_.assign(g.offsets().begin(), g.offsets().end());
      columns_.assign(g.columns().begin(), g.columns().end());
      weights_.assign(g.weights().begin(), g.weights().end());
      pct_.assign(prep.percentile.begin(), prep.percentile.end());
      offsets_ptr_ = raw(offsets_.data());
      columns_ptr_ = raw(columns_.data());
      weights_ptr_ = raw(weights_.data());
      pct_ptr_ = pct_.empty() ? nullptr : raw(pct_.data());
    }
    status0_.assign(prep.initial_status.begin(), prep.initial_status.end());
    side0_.assign(prep.initial_side.begin(), prep.initial_side.end());
    participants_.resize(n_);
    auto end = thrust::copy_if(Sys::policy(), thrust::counting_iterator<uint32_t>(0),
                               thrust::counting_iterator<uint32_t>(static_cast<uint32_t>(n_)),
                               participants_.begin(),
                               kernels::HasStatus{raw(status0_.data()), kernels::kUndecided});
    participants_.resize(static_cast<std::size_t>(end - participants_.begin()));
  }

  void run(double p, uint64_t seed, SplitResult& out) const override {
    const auto pol = Sys::policy();
    const auto first = thrust::counting_iterator<uint32_t>(0);
    const auto last = thrust::counting_iterator<uint32_t>(static_cast<uint32_t>(n_));
    const uint64_t pk = kernels::p_key_of(p);

    // Lexicographically-first MIS by Jacobi rounds over a shrinking worklist.
    vec<uint64_t> key(n_);
    thrust::transform(pol, first, last, key.begin(), kernels::NodeKey{seed, pk});
    vec<uint8_t> status(status0_);
    vec<uint32_t> work(participants_);
    vec<uint8_t> decision(work.size());
    vec<uint64_t> cursor(n_);
    thrust::copy_n(pol, offsets_begin(), n_, cursor.begin());
    const kernels::MisDecide decide{
        offsets_ptr_,       columns_ptr_,
        raw(status.data()), raw(key.data()),
        raw(cursor.data()), kernels::EdgeActivity::make(p, seed, prep_.weighted, pct_ptr_)};
    const ApplyIfDecided apply{raw(status.data())};
    typename Sys::Rounds rounds;
    std::size_t pending = work.size();
    out.rounds = 0;
    while (pending > 0) {
      ++out.rounds;
      on_policy(rounds, pending, [&](auto&& policy) {
        thrust::transform(policy, work.begin(), work.begin() + pending, decision.begin(), decide);
        const auto both = thrust::make_zip_iterator(work.begin(), decision.begin());
        const auto end = thrust::remove_if(policy, both, both + pending, apply);
        pending = static_cast<std::size_t>(end - both);
      });
    }

    // Kept singles, in node order.
    vec<uint32_t> singles(n_);
    auto send = thrust::copy_if(pol, first, last, singles.begin(),
                                kernels::HasStatus{raw(status.data()), kernels::kIn});
    const auto n_singles = static_cast<uint64_t>(send - singles.begin());
    out.kept = n_singles + prep_.clique_members;
    out.kept_units = n_singles + prep_.clique_units;
    out.side.assign(n_, kDropped);
    out.overlap = Overlap{};
    out.train = out.test = 0;
    out.valid = out.kept_units > prep_.min_kept;
    if (!out.valid) return;

    // Test = the n_test singles with the smallest test keys (ties by node).
    const uint64_t n_test = test_count(prep_.test_fraction, n_singles);
    vec<uint64_t> tkey(n_singles);
    thrust::transform(pol, singles.begin(), singles.begin() + n_singles, tkey.begin(),
                      kernels::TestKey{seed, pk});
    thrust::stable_sort_by_key(pol, tkey.begin(), tkey.end(), singles.begin());
    vec<int8_t> side(side0_);
    thrust::for_each(pol, singles.begin(), singles.begin() + n_singles,
                     kernels::SetSide{raw(side.data()), kTrain});
    thrust::for_each(pol, singles.begin(), singles.begin() + n_test,
                     kernels::SetSide{raw(side.data()), kTest});
    thrust::copy(side.begin(), side.end(), out.side.begin());
    out.test = n_test;
    out.train = prep_.clique_members + n_singles - n_test;

    // Overlap: per-test-node terms in parallel, summed in a fixed order on the
    // host so the floating-point result is the same on every system and
    // thread count (a parallel reduction's tree depends on both).
    vec<kernels::OverlapTerm> terms(n_test);
    thrust::transform(
        pol, singles.begin(), singles.begin() + n_test, terms.begin(),
        kernels::OverlapOf{offsets_ptr_, columns_ptr_, weights_ptr_, raw(side.data()), kTrain});
    std::vector<kernels::OverlapTerm> host(n_test);
    thrust::copy(terms.begin(), terms.end(), host.begin());
    uint64_t touching = 0;
    double sum_max = 0, sum_all = 0;
    for (const auto& t : host) {
      touching += t.touches;
      sum_max += t.maxsim;
      sum_all += t.sumsim;
    }
    if (n_test > 0) {
      out.overlap.frac = static_cast<double>(touching) / static_cast<double>(n_test);
      out.overlap.maxsim = sum_max / static_cast<double>(n_test);
      if (out.train > 0)
        out.overlap.meansim =
            sum_all / (static_cast<double>(out.train) * static_cast<double>(n_test));
    }
  }

 private:
  /// Calls f with the system's parallel policy, or, on host memory and for
  /// small inputs, with thrust::seq: the late rounds touch few nodes and a
  /// parallel region per round would cost more than the work (and much more
  /// on an oversubscribed machine). The algorithms used give identical
  /// results under either policy.
  template <class F>
  static void on_policy(typename Sys::Rounds& rounds, std::size_t items, F&& f) {
    if constexpr (Sys::kHostMemory) {
      if (items < kSerialBelow) {
        f(thrust::seq);
        return;
      }
    }
    f(rounds.policy());
  }
  /// Row offsets as an iterator of the system's memory.
  auto offsets_begin() const {
    if constexpr (Sys::kHostMemory)
      return offsets_ptr_;
    else
      return offsets_.begin();
  }
  static constexpr std::size_t kSerialBelow = std::size_t{1} << 14;

  const PreparedGraph& prep_;
  uint64_t n_ = 0;
  vec<uint64_t> offsets_;
  vec<uint32_t> columns_;
  vec<float> weights_;
  vec<double> pct_;
  const uint64_t* offsets_ptr_ = nullptr;
  const uint32_t* columns_ptr_ = nullptr;
  const float* weights_ptr_ = nullptr;
  const double* pct_ptr_ = nullptr;
  vec<uint8_t> status0_;
  vec<int8_t> side0_;
  vec<uint32_t> participants_;
};

}  // namespace
}  // namespace cleave::detail
