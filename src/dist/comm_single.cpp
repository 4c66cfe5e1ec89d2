// One rank: a build without MPI. Every collective is the identity and no
// message ever arrives.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cleave/error.hpp"
#include "dist/comm.hpp"

namespace cleave::dist {

bool built_with_mpi() {
  return false;
}
// Started as one of several ranks by an MPI launcher: each copy would run
// the whole job and write the same outputs, so refuse.
void init(int* /*argc*/, char*** /*argv*/) {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* n = std::getenv(v);
    if (n != nullptr && std::atoi(n) > 1) {
      std::fprintf(stderr,
                   "cleave: error: started as one of %s ranks, but this cleave was built "
                   "without MPI; rebuild it with MPI (libopenmpi-dev, -DCLEAVE_MPI=ON) or run "
                   "one process\n",
                   n);
      std::exit(2);
    }
  }
}
void select_device(int /*gpus_per_node*/) {}
void finalize() {}
int rank() {
  return 0;
}
int size() {
  return 1;
}
int local_rank() {
  return 0;
}
[[noreturn]] void abort(int code) {
  std::exit(code);
}
Solo::Solo() = default;
Solo::~Solo() = default;
void broadcast(Bytes& /*bytes*/) {}
uint64_t sum(uint64_t value) {
  return value;
}
uint64_t max(uint64_t value) {
  return value;
}
std::vector<Bytes> gather(const Bytes& bytes) {
  return {bytes};
}
void send(int dest, int /*tag*/, const Bytes& /*bytes*/) {
  CLEAVE_FAIL(internal, "a job of one rank has no rank {} to send to", dest);
}
bool poll(Message& /*out*/) {
  return false;
}
Traffic traffic() {
  return {};
}

}  // namespace cleave::dist
