// The work loop (work_loop.hpp). Each rank runs its compute threads plus one
// communication thread, the only one that calls MPI while the loop runs.
//
// Messages to rank 0: want (a batch is asked for), result (item + bytes),
// failed (the error text), finished (this rank has sent its last result).
// Messages from rank 0: batch (items; an empty batch: no work is left).
// MPI keeps the order of messages between two ranks, so `finished` arrives
// after the rank's last result.
#include "dist/work_loop.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <new>
#include <thread>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "dist/bytes.hpp"

namespace cleave::dist {
namespace {

enum Tag : int { kWant = 101, kResult = 102, kFailed = 103, kFinished = 104, kBatch = 105 };

constexpr auto kIdle = std::chrono::microseconds(200);

std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    return "out of memory";
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown error";
  }
}

errc code_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const error& x) {
    return x.code();
  } catch (const std::bad_alloc&) {
    return errc::out_of_memory;
  } catch (...) {
    return errc::internal;
  }
}

/// Shared by a rank's compute threads and its communication thread.
struct State {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<uint64_t> queue;                     ///< items handed to this rank, not yet started
  bool exhausted = false;                         ///< no more items will come
  bool stop = false;                              ///< a failure: compute nothing more
  uint64_t running = 0;                           ///< compute calls in progress
  uint64_t computed = 0;                          ///< items this rank computed
  double seconds = 0;                             ///< compute time, summed over threads
  std::deque<std::pair<uint64_t, Bytes>> outbox;  ///< results to send (ranks > 0)
  std::exception_ptr failure;

  void fail(std::exception_ptr e) {
    std::lock_guard lock(mu);
    if (!failure) failure = std::move(e);
    stop = true;
    cv.notify_all();
  }
};

/// A compute thread: items from the queue until it is empty and exhausted.
void compute_items(const WorkLoop& loop, State& s, bool remote) {
  for (;;) {
    uint64_t item = 0;
    {
      std::unique_lock lock(s.mu);
      s.cv.wait(lock, [&] { return s.stop || !s.queue.empty() || s.exhausted; });
      if (s.stop || s.queue.empty()) return;
      item = s.queue.front();
      s.queue.pop_front();
      ++s.running;
    }
    try {
      const auto t0 = std::chrono::steady_clock::now();
      Bytes out = loop.compute(item, remote);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
      std::lock_guard lock(s.mu);
      if (remote) s.outbox.emplace_back(item, std::move(out));
      ++s.computed;
      s.seconds += took.count();
      --s.running;
      s.cv.notify_all();
    } catch (...) {
      {
        std::lock_guard lock(s.mu);
        --s.running;
      }
      s.fail(std::current_exception());
      return;
    }
  }
}

Bytes encode_items(const std::vector<uint64_t>& items) {
  Writer w;
  w.put_vector(items);
  return w.take();
}

/// Rank 0's communication thread: answers requests, takes results in, and
/// returns once every other rank has finished (or one failed).
void serve(const WorkLoop& loop, State& s) {
  int finished = 0;
  const int others = size() - 1;
  Message m;
  while (finished < others) {
    if (!poll(m)) {
      std::unique_lock lock(s.mu);
      if (s.stop) return;
      s.cv.wait_for(lock, kIdle);
      continue;
    }
    switch (m.tag) {
      case kWant: {
        Reader r(m.bytes);
        const auto want = r.get<uint64_t>();
        std::vector<uint64_t> batch;
        {
          // From the front of rank 0's own queue; after a failure, nothing.
          std::lock_guard lock(s.mu);
          while (!s.stop && batch.size() < want && !s.queue.empty()) {
            batch.push_back(s.queue.front());
            s.queue.pop_front();
          }
        }
        send(m.source, kBatch, encode_items(batch));
        break;
      }
      case kResult: {
        Reader r(m.bytes);
        const auto item = r.get<uint64_t>();
        Bytes rest(m.bytes.begin() + sizeof(uint64_t), m.bytes.end());
        try {
          loop.accept(item, m.source, std::move(rest));
        } catch (...) {
          s.fail(std::current_exception());
          return;
        }
        break;
      }
      case kFailed: {
        Reader r(m.bytes);
        const auto code = r.get<int>();
        const std::string what = r.get_string();
        s.fail(std::make_exception_ptr(
            error(static_cast<errc>(code), fmt::format("rank {}: {}", m.source, what))));
        return;
      }
      case kFinished:
        ++finished;
        break;
      default:
        s.fail(std::make_exception_ptr(error(
            errc::internal, fmt::format("unexpected message {} from rank {}", m.tag, m.source))));
        return;
    }
  }
}

/// A rank > 0's communication thread: asks for batches while its queue runs
/// low, sends results, and reports a failure.
void fetch(const WorkLoop& loop, State& s) {
  bool asked = false, told_failure = false;
  Message m;
  for (;;) {
    std::deque<std::pair<uint64_t, Bytes>> out;
    bool ask = false, done = false;
    std::exception_ptr failure;
    {
      std::unique_lock lock(s.mu);
      if (s.outbox.empty() && !s.stop && (asked || s.exhausted || s.queue.size() >= loop.workers))
        s.cv.wait_for(lock, kIdle, [&] { return !s.outbox.empty() || s.stop; });
      out.swap(s.outbox);
      ask = !asked && !s.exhausted && !s.stop && s.queue.size() < loop.workers;
      failure = s.failure;
      done = s.exhausted && s.queue.empty() && s.running == 0 && s.outbox.empty();
    }
    for (auto& [item, bytes] : out) {
      Writer w;
      w.put(item);
      w.put_raw(bytes);
      send(0, kResult, w.take());
    }
    if (failure && !told_failure) {
      Writer w;
      w.put(static_cast<int>(code_of(failure)));
      w.put_string(describe(failure));
      send(0, kFailed, w.take());
      told_failure = true;
      return;
    }
    if (done && out.empty()) {
      send(0, kFinished, {});
      return;
    }
    if (ask) {
      Writer w;
      w.put<uint64_t>(loop.workers);
      send(0, kWant, w.take());
      asked = true;
    }
    if (asked && poll(m)) {
      CLEAVE_EXPECTS(m.tag == kBatch, "unexpected message {} from rank {}", m.tag, m.source);
      Reader r(m.bytes);
      auto batch = r.get_vector<uint64_t>();
      std::lock_guard lock(s.mu);
      if (batch.empty()) s.exhausted = true;
      for (uint64_t i : batch) s.queue.push_back(i);
      asked = false;
      s.cv.notify_all();
    }
  }
}

/// Rank 0 prints what each rank did (a gather of a few numbers per rank).
void summarize(const WorkLoop& loop, const State& s, const Traffic& before) {
  if (size() < 2) return;
  const Traffic now = traffic();
  Writer w;
  w.put(s.computed);
  w.put(s.seconds);
  w.put(now.messages_sent - before.messages_sent);
  w.put(now.bytes_sent - before.bytes_sent);
  w.put(now.messages_received - before.messages_received);
  w.put(now.bytes_received - before.bytes_received);
  const auto all = gather(w.take());
  if (rank() != 0 || Progress::quiet()) return;
  for (std::size_t r = 0; r < all.size(); ++r) {
    Reader rd(all[r]);
    const auto computed = rd.get<uint64_t>();
    const auto seconds = rd.get<double>();
    const auto msent = rd.get<uint64_t>(), bsent = rd.get<uint64_t>();
    const auto mrecv = rd.get<uint64_t>(), brecv = rd.get<uint64_t>();
    std::fprintf(stderr,
                 "rank %zu of %zu: %llu %s in %.2f s of compute; sent %llu messages, %llu "
                 "bytes; received %llu messages, %llu bytes\n",
                 r, all.size(), static_cast<unsigned long long>(computed), loop.what.c_str(),
                 seconds, static_cast<unsigned long long>(msent),
                 static_cast<unsigned long long>(bsent), static_cast<unsigned long long>(mrecv),
                 static_cast<unsigned long long>(brecv));
  }
}

}  // namespace

void run_work_loop(const WorkLoop& loop) {
  const bool root = rank() == 0;
  const Traffic before = traffic();
  const uint64_t workers = std::max<uint64_t>(loop.workers, 1);
  State s;
  if (root) {
    // One list in order: rank 0's threads take items from its front one at
    // a time, serve() hands other ranks batches from its front.
    s.queue.assign(loop.items.begin(), loop.items.end());
    s.exhausted = true;
  }
  std::exception_ptr comm_failure;
  std::thread comm([&] {
    try {
      if (root) {
        serve(loop, s);
      } else {
        fetch(loop, s);
      }
    } catch (...) {
      comm_failure = std::current_exception();
      s.fail(comm_failure);
    }
  });
  std::vector<std::thread> pool;
  for (uint64_t i = 1; i < workers; ++i) pool.emplace_back([&] { compute_items(loop, s, !root); });
  compute_items(loop, s, !root);
  for (auto& t : pool) t.join();
  comm.join();
  if (s.failure) {
    if (!root && !comm_failure) throw ReportedToRoot(describe(s.failure));
    std::rethrow_exception(s.failure);
  }
  summarize(loop, s, before);
}

}  // namespace cleave::dist
