#pragma once
// Dynamic work over ranks: rank 0 hands out work items in their order, on
// request, in batches the size of the asking rank's thread pool; every rank
// (rank 0 too) computes items on its own threads and sends each result to
// rank 0, which takes them in as they come. Which rank computes an item
// varies from run to run; what a stage makes of the results must not.
//
// A rank whose item throws tells rank 0, which stops handing out work and
// throws `RankFailed` naming the rank and its error; the CLI prints it and
// ends the job (MPI_Abort), so a failure never leaves ranks waiting.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dist/comm.hpp"

namespace cleave::dist {

/// Thrown on a rank other than 0 after it told rank 0 of its failure: the
/// rank waits for rank 0 to end the job instead of printing a second report.
class ReportedToRoot : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WorkLoop {
  /// What an item is, for rank 0's summary line ("tiles", "splits").
  std::string what = "items";
  /// Rank 0: the items, in the order they are handed out (ignored elsewhere).
  std::vector<uint64_t> items;
  /// Items this rank computes at once (its threads).
  uint64_t workers = 1;
  /// Computes one item, from any of the `workers` threads. On rank 0
  /// (`remote` false) the callee keeps the result itself and returns
  /// nothing; on other ranks it returns the result for `accept`.
  std::function<Bytes(uint64_t item, bool remote)> compute;
  /// Rank 0: a result another rank computed (called from one thread at a
  /// time, concurrently with rank 0's compute calls).
  std::function<void(uint64_t item, int source, Bytes&& result)> accept;
};

/// Runs the loop on every rank (collective); returns when every item is in
/// on rank 0 and every rank has stopped. Rethrows the first failure. Unless
/// progress is quiet, rank 0 then prints one line per rank: items computed,
/// compute seconds, and the bytes it sent and received during the loop.
void run_work_loop(const WorkLoop& loop);

}  // namespace cleave::dist
