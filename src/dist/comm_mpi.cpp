// Ranks over MPI. MPI starts only when a launcher started the process
// (mpirun and srun leave their rank in the environment), so a plain
// `cleave ...` of an MPI build never touches MPI. Threads: only one thread
// of a rank calls MPI at a time (MPI_THREAD_SERIALIZED): the main thread, or
// during a work loop (work_loop.cpp) its communication thread.
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "dist/comm.hpp"
#if CLEAVE_HAVE_CUDA
#include "dist/device.hpp"
#endif

namespace cleave::dist {
namespace {

bool g_started = false;
int g_rank = 0, g_size = 1, g_local = 0;
MPI_Comm g_comm = MPI_COMM_NULL;  ///< point to point (send, poll)
MPI_Comm g_coll = MPI_COMM_NULL;  ///< gather's messages, never matched by poll
std::atomic<int> g_solo{0};
Traffic g_traffic;

/// Messages and broadcasts larger than this go in pieces (MPI counts are int).
constexpr uint64_t kChunk = uint64_t{1} << 30;
constexpr int kGatherTag = 32000;

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

bool active() {
  return g_started && g_size > 1 && g_solo.load() == 0;
}

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  CLEAVE_FAIL(internal, "{} failed: {}", what, std::string(text, static_cast<std::size_t>(len)));
}

}  // namespace

bool built_with_mpi() {
  return true;
}

void init(int* argc, char*** argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    std::fprintf(stderr, "cleave: error: MPI_Init_thread failed\n");
    std::exit(1);
  }
  g_started = true;
  MPI_Comm_dup(MPI_COMM_WORLD, &g_comm);
  MPI_Comm_dup(MPI_COMM_WORLD, &g_coll);
  MPI_Comm_set_errhandler(g_comm, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(g_coll, MPI_ERRORS_RETURN);
  MPI_Comm_rank(g_comm, &g_rank);
  MPI_Comm_size(g_comm, &g_size);
  MPI_Comm node;
  MPI_Comm_split_type(g_comm, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &g_local);
  MPI_Comm_free(&node);
  if (provided < MPI_THREAD_SERIALIZED) {
    if (g_rank == 0)
      std::fprintf(stderr,
                   "cleave: error: this MPI library gives no MPI_THREAD_SERIALIZED support, "
                   "which cleave's ranks need\n");
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  if (g_rank != 0) {
    Progress::set_quiet(true);
    set_warning_sink([](const std::string&) {});
  }
}

void select_device(int gpus_per_node) {
#if CLEAVE_HAVE_CUDA
  if (g_started && g_size > 1) (void)bind_cuda_device(g_local, gpus_per_node);
#else
  (void)gpus_per_node;
#endif
}

void finalize() {
  if (!g_started) return;
  MPI_Comm_free(&g_comm);
  MPI_Comm_free(&g_coll);
  MPI_Finalize();
  g_started = false;
}

int rank() {
  return active() ? g_rank : 0;
}
int size() {
  return active() ? g_size : 1;
}
int local_rank() {
  return g_local;
}

[[noreturn]] void abort(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  if (g_started) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

Solo::Solo() {
  CLEAVE_EXPECTS(!g_started || g_rank == 0, "only rank 0 runs alone");
  ++g_solo;
}
Solo::~Solo() {
  --g_solo;
}

void broadcast(Bytes& bytes) {
  if (!active()) return;
  uint64_t n = bytes.size();
  check(MPI_Bcast(&n, 1, MPI_UINT64_T, 0, g_comm), "MPI_Bcast");
  bytes.resize(n);
  for (uint64_t at = 0; at < n; at += kChunk) {
    const auto part = static_cast<int>(std::min(kChunk, n - at));
    check(MPI_Bcast(bytes.data() + at, part, MPI_BYTE, 0, g_comm), "MPI_Bcast");
  }
  if (g_rank == 0) {
    g_traffic.bytes_sent += n * static_cast<uint64_t>(g_size - 1);
  } else {
    g_traffic.bytes_received += n;
  }
}

uint64_t sum(uint64_t value) {
  if (!active()) return value;
  uint64_t out = 0;
  check(MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, MPI_SUM, g_comm), "MPI_Allreduce");
  return out;
}

uint64_t max(uint64_t value) {
  if (!active()) return value;
  uint64_t out = 0;
  check(MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, MPI_MAX, g_comm), "MPI_Allreduce");
  return out;
}

std::vector<Bytes> gather(const Bytes& bytes) {
  if (!active()) return {bytes};
  // Point to point in pieces, rank by rank: no int count limit, and rank 0
  // holds one rank's share in flight at a time.
  if (g_rank != 0) {
    uint64_t n = bytes.size();
    check(MPI_Send(&n, 1, MPI_UINT64_T, 0, kGatherTag, g_coll), "MPI_Send");
    for (uint64_t at = 0; at < n; at += kChunk)
      check(MPI_Send(bytes.data() + at, static_cast<int>(std::min(kChunk, n - at)), MPI_BYTE, 0,
                     kGatherTag, g_coll),
            "MPI_Send");
    g_traffic.messages_sent += 1;
    g_traffic.bytes_sent += n;
    return {};
  }
  std::vector<Bytes> all(static_cast<std::size_t>(g_size));
  all[0] = bytes;
  for (int r = 1; r < g_size; ++r) {
    uint64_t n = 0;
    check(MPI_Recv(&n, 1, MPI_UINT64_T, r, kGatherTag, g_coll, MPI_STATUS_IGNORE), "MPI_Recv");
    Bytes& b = all[static_cast<std::size_t>(r)];
    b.resize(n);
    for (uint64_t at = 0; at < n; at += kChunk)
      check(MPI_Recv(b.data() + at, static_cast<int>(std::min(kChunk, n - at)), MPI_BYTE, r,
                     kGatherTag, g_coll, MPI_STATUS_IGNORE),
            "MPI_Recv");
    g_traffic.messages_received += 1;
    g_traffic.bytes_received += n;
  }
  return all;
}

void send(int dest, int tag, const Bytes& bytes) {
  CLEAVE_EXPECTS(active(), "no other rank to send to");
  CLEAVE_EXPECTS(bytes.size() < kChunk,
                 "a message of {} bytes to rank {} is over the 1 GiB a message may carry; use "
                 "a smaller --max-memory (smaller tiles) or a higher threshold",
                 bytes.size(), dest);
  check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, g_comm),
        "MPI_Send");
  ++g_traffic.messages_sent;
  g_traffic.bytes_sent += bytes.size();
}

bool poll(Message& out) {
  if (!active()) return false;
  int flag = 0;
  MPI_Status st;
  check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, g_comm, &flag, &st), "MPI_Iprobe");
  if (!flag) return false;
  int count = 0;
  MPI_Get_count(&st, MPI_BYTE, &count);
  out.source = st.MPI_SOURCE;
  out.tag = st.MPI_TAG;
  out.bytes.resize(static_cast<std::size_t>(count));
  check(MPI_Recv(out.bytes.data(), count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, g_comm,
                 MPI_STATUS_IGNORE),
        "MPI_Recv");
  ++g_traffic.messages_received;
  g_traffic.bytes_received += static_cast<uint64_t>(count);
  return true;
}

Traffic traffic() {
  return g_traffic;
}

}  // namespace cleave::dist
