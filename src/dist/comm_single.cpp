// One rank: a build without MPI. Every collective is the identity and no
// message ever arrives.
#include <cstdlib>

#include "cleave/error.hpp"
#include "dist/comm.hpp"

namespace cleave::dist {

bool built_with_mpi() {
  return false;
}
void init(int* /*argc*/, char*** /*argv*/) {}
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
