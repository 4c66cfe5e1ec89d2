#pragma once
/// @file engine.hpp
/// @brief Internal interface between the Partitioner (host code) and the
/// Thrust implementations of the split (OpenMP system, CUDA system). Host-only:
/// no CUDA or Thrust types appear here.
#include <cstdint>
#include <memory>
#include <vector>

#include "cleave/graph.hpp"
#include "cleave/split.hpp"

namespace cleave::detail {

/// @brief What the Partitioner computes once per graph and options.
struct PreparedGraph {
  const Graph* graph = nullptr;
  bool weighted = false;
  double test_fraction = 0.2;
  uint64_t min_kept = 5;
  /// Per node: kUndecided (takes part in the random process) or kAbsent.
  std::vector<uint8_t> initial_status;
  /// Per node: kTrain for members of clique units, kDropped otherwise.
  std::vector<int8_t> initial_side;
  uint64_t clique_units = 0;
  uint64_t clique_members = 0;
  /// Weighted mode: percentile rank of each CSR entry's weight among all pairs.
  std::vector<double> percentile;
};

/// @brief Runs one split on one Thrust system.
class MisEngine {
 public:
  virtual ~MisEngine() = default;
  /// Fills every field of the result but p, repeat and seed.
  virtual void run(double p, uint64_t seed, SplitResult& out) const = 0;
};

/// The OpenMP system (always built); views the graph's host arrays.
std::unique_ptr<MisEngine> make_omp_engine(const PreparedGraph& prep);
/// The same Thrust code with thrust::seq: one split per thread.
std::unique_ptr<MisEngine> make_seq_engine(const PreparedGraph& prep);
#if CLEAVE_HAVE_CUDA
/// The CUDA system; uploads the CSR once.
std::unique_ptr<MisEngine> make_cuda_engine(const PreparedGraph& prep);
/// Empty when a device exists and the build carries a kernel image it can
/// run (probed with cudaFuncGetAttributes on the fingerprint tile kernel);
/// otherwise why the cuda backend cannot run, in one sentence.
std::string cuda_device_problem();
#endif

/// Distinct OpenMP threads that ran a Thrust OMP-system for_each over many
/// items (a check that Thrust's OMP system really runs in parallel).
int omp_system_threads_used();

/// Number of kept singles that go to test: ceil(fraction * singles), as
/// sklearn's train_test_split rounds, guarded against float error.
uint64_t test_count(double test_fraction, uint64_t singles);

}  // namespace cleave::detail
