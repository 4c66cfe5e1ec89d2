// The rank interface as a process of one rank sees it (every build): the
// byte encoding, and the work loop as a thread pool on rank 0. Several ranks
// are tested end to end by tests/cli/mpi_test.sh (label mpi).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>

#include "cleave/error.hpp"
#include "dist/bytes.hpp"
#include "dist/comm.hpp"
#include "dist/device.hpp"
#include "dist/work_loop.hpp"

namespace cleave::dist {
namespace {

TEST(DistBytes, RoundTrip) {
  Writer w;
  w.put<uint8_t>(7);
  w.put<double>(0.25);
  w.put_vector(std::vector<uint64_t>{1, 2, 3});
  w.put_string("tile");
  w.put_vector(std::vector<int8_t>{});
  const Bytes b = w.take();
  Reader r(b);
  EXPECT_EQ(r.get<uint8_t>(), 7);
  EXPECT_EQ(r.get<double>(), 0.25);
  EXPECT_EQ(r.get_vector<uint64_t>(), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(r.get_string(), "tile");
  EXPECT_TRUE(r.get_vector<int8_t>().empty());
  EXPECT_THROW(r.get<uint8_t>(), error);  // nothing left
}

TEST(DistBytes, ShortMessageIsAnErrorNotACrash) {
  Writer w;
  w.put<uint64_t>(1000);  // claims 1000 elements, has none
  const Bytes b = w.take();
  Reader r(b);
  EXPECT_THROW(r.get_vector<uint64_t>(), error);
}

TEST(DistOneRank, IsRootOfOne) {
  EXPECT_EQ(rank(), 0);
  EXPECT_EQ(size(), 1);
  EXPECT_EQ(sum(5), 5u);
  EXPECT_EQ(max(5), 5u);
  Bytes b{'a'};
  broadcast(b);
  EXPECT_EQ(b, Bytes{'a'});
  Message m;
  EXPECT_FALSE(poll(m));
}

TEST(DistWorkLoop, EveryItemOnceOnFourThreads) {
  WorkLoop loop;
  for (uint64_t i = 0; i < 100; ++i) loop.items.push_back(i * 3);
  loop.workers = 4;
  std::mutex mu;
  std::multiset<uint64_t> seen;
  loop.compute = [&](uint64_t item, bool remote) {
    EXPECT_FALSE(remote);
    std::lock_guard lock(mu);
    seen.insert(item);
    return Bytes{};
  };
  loop.accept = [](uint64_t, int, Bytes&&) { FAIL() << "no other rank"; };
  run_work_loop(loop);
  ASSERT_EQ(seen.size(), 100u);
  for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(seen.count(i * 3), 1u);
}

TEST(DistWorkLoop, FailureStopsAndPropagates) {
  WorkLoop loop;
  for (uint64_t i = 0; i < 1000; ++i) loop.items.push_back(i);
  loop.workers = 3;
  std::atomic<uint64_t> calls{0};
  loop.compute = [&](uint64_t item, bool) {
    ++calls;
    if (item == 5) throw error(errc::io, "tile 5 failed");
    return Bytes{};
  };
  try {
    run_work_loop(loop);
    FAIL() << "no exception";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::io);
    EXPECT_STREQ(e.what(), "tile 5 failed");
  }
  // How many items ran before the others saw the failure depends on the
  // scheduler (the failing thread may be preempted); never more than all.
  EXPECT_LE(calls.load(), 1000u);
}

TEST(DistWorkLoop, NoItems) {
  WorkLoop loop;
  loop.workers = 2;
  loop.compute = [](uint64_t, bool) -> Bytes { throw std::logic_error("no item to compute"); };
  EXPECT_NO_THROW(run_work_loop(loop));
}

}  // namespace
}  // namespace cleave::dist

// The GPU a rank binds (device_cuda.cu calls this with the visible count):
// ranks of a node spread round-robin over --gpus-per-node devices, and a
// --gpus-per-node larger than the node has still lands on a visible one.
TEST(DistDevice, RanksSpreadOverTheNodesGpus) {
  using cleave::dist::rank_device;
  // 4 GPUs visible, default (all of them): ranks 0..7 -> 0,1,2,3,0,1,2,3.
  for (int r = 0; r < 8; ++r) EXPECT_EQ(rank_device(r, 0, 4), r % 4) << r;
  // --gpus-per-node 2 on a 4-GPU node: only devices 0 and 1.
  for (int r = 0; r < 6; ++r) EXPECT_EQ(rank_device(r, 2, 4), r % 2) << r;
  // --gpus-per-node 4 but only 2 visible (CUDA_VISIBLE_DEVICES): 0,1,0,1.
  EXPECT_EQ(rank_device(2, 4, 2), 0);
  EXPECT_EQ(rank_device(3, 4, 2), 1);
  // One GPU: every rank shares it.
  for (int r = 0; r < 5; ++r) EXPECT_EQ(rank_device(r, 0, 1), 0);
  // Nothing visible, or no local rank: no device.
  EXPECT_EQ(rank_device(0, 0, 0), -1);
  EXPECT_EQ(rank_device(-1, 2, 4), -1);
}
