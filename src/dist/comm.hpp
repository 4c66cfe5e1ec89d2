#pragma once
// Ranks of a job: the few message-passing operations cleave's distributed
// stages need, over MPI (comm_mpi.cpp) or, in a build without MPI or a
// process not started by an MPI launcher, one rank (comm_single.cpp).
//
// Every stage that uses ranks is collective: all ranks call it in the same
// order with the same arguments. Code that only rank 0 runs (writing the
// outputs, the report) opens a Solo scope, inside which the library sees a
// job of one rank and never waits on the others.
#include <cstdint>
#include <string>
#include <vector>

namespace cleave::dist {

/// Whether this build can run over MPI ranks.
bool built_with_mpi();

/// Starts MPI when an MPI launcher (mpirun, srun) started this process and
/// the build has MPI; otherwise the job is this one process. Ranks other
/// than 0 become quiet (no progress bars, no warnings). `gpus_per_node` > 0:
/// a rank uses CUDA device (local rank mod gpus_per_node) when the build
/// has CUDA; 0: local rank mod the devices it sees.
void init(int* argc, char*** argv);
/// Binds this rank to its GPU (see init); a no-op on one rank or without CUDA.
void select_device(int gpus_per_node);
/// Ends MPI after a normal exit of every rank (no-op on one rank).
void finalize();

/// This process's rank and the number of ranks (0 and 1 inside a Solo scope).
int rank();
int size();
inline bool is_root() {
  return rank() == 0;
}
/// Rank within its node (0 without MPI).
int local_rank();

/// Ends the whole job now with `code` (MPI_Abort), after the caller printed
/// why; on one rank, std::exit(code).
[[noreturn]] void abort(int code);

/// While alive, this process runs as a job of one rank (rank 0's output stages).
class Solo {
 public:
  Solo();
  ~Solo();
  Solo(const Solo&) = delete;
  Solo& operator=(const Solo&) = delete;
};

using Bytes = std::vector<char>;

// Collectives (every rank).
/// `bytes` of rank 0 on every rank.
void broadcast(Bytes& bytes);
/// The sum over ranks.
uint64_t sum(uint64_t value);
/// The largest value over ranks.
uint64_t max(uint64_t value);
/// Every rank's bytes on rank 0 (in rank order; rank 0's own first); other ranks get nothing.
std::vector<Bytes> gather(const Bytes& bytes);

// Point to point (outside collectives).
struct Message {
  int source = -1;
  int tag = -1;
  Bytes bytes;
};
void send(int dest, int tag, const Bytes& bytes);
/// A message that has arrived (from any rank, any tag), or none: never waits.
bool poll(Message& out);

/// Counts of what this rank sent and received through this interface.
struct Traffic {
  uint64_t messages_sent = 0, bytes_sent = 0;
  uint64_t messages_received = 0, bytes_received = 0;
};
Traffic traffic();

}  // namespace cleave::dist
