// The all-pairs driver: tiles of the upper triangle computed on a pool of
// cleave's threads, each finished tile checked, kept in memory or spilled to
// a tile file, recorded in the checkpoint, and merged in tile order.
//
// Crash safety follows the write-ahead rule of databases: a tile's file is
// durable (fsync'ed, renamed, directory fsync'ed) before the checkpoint that
// lists it is replaced, so the checkpoint never names a tile that is not on
// disk whole; tile files also carry a checksum, so damage after the fact is
// caught on resume and the tile recomputed.
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "cleave/error.hpp"
#include "cleave/scheduler.hpp"
#include "cleave/util.hpp"
#include "dist/bytes.hpp"
#include "dist/work_loop.hpp"
#include "scheduler/plan.hpp"
#include "scheduler/tile_file.hpp"
#include "scheduler/work_dir.hpp"

namespace cleave {
namespace {

namespace fs = std::filesystem;
using detail::format_bytes;

enum class Where : uint8_t { pending, memory, disk };

// Throws errc::internal when a computer breaks the PairComputer contract.
void check_result(const Tile& t, const TileResult& r, const Histogram& shape) {
  if (r.histogram.counts.size() != shape.counts.size() || r.histogram.lo != shape.lo ||
      r.histogram.hi != shape.hi)
    CLEAVE_FAIL(internal, "tile {}: the pair computer returned a histogram of another shape",
                t.index);
  if (uint64_t total = r.histogram.total(); total != t.pairs())
    CLEAVE_FAIL(internal,
                "tile {} (rows {}..{}, columns {}..{}): the pair computer counted {} pairs, the "
                "tile has {} (a diagonal tile holds only the pairs i < j)",
                t.index, t.row0, t.row1, t.col0, t.col1, total, t.pairs());
  for (const Edge& e : r.edges)
    if (e.u < t.row0 || e.u >= t.row1 || e.v < t.col0 || e.v >= t.col1 || e.u >= e.v)
      CLEAVE_FAIL(internal,
                  "tile {} (rows {}..{}, columns {}..{}): the pair computer returned edge ({}, {}) "
                  "outside the tile or with u >= v",
                  t.index, t.row0, t.row1, t.col0, t.col1, e.u, e.v);
}

class AllPairsRun {
 public:
  AllPairsRun(PairComputer& c, const ScheduleOptions& opt) : c_(c), opt_(opt) {}
  Graph run();

 private:
  void setup(uint64_t n);
  void resume(const std::vector<uint8_t>& done);
  void compute_pending();
  void compute_over_ranks(const std::vector<uint64_t>& pending);
  void finish_tile(const Tile& t, TileResult& r);
  void finish_tile_on_disk(const Tile& t, const Histogram& h, uint64_t edges);
  void save_checkpoint(uint64_t generation);
  std::vector<Edge> merge();
  void check_fits(uint64_t edges) const;
  [[nodiscard]] detail::TileFileKey key(const Tile& t) const { return {run_key_, t}; }

  PairComputer& c_;
  const ScheduleOptions& opt_;
  uint64_t budget_ = 0;
  Histogram shape_;
  detail::TilePlan plan_;
  detail::CheckpointParams params_;
  uint64_t run_key_ = 0;
  std::optional<detail::WorkDir> work_;   // checkpoint and tile files
  std::optional<detail::WorkDir> spill_;  // spilled tiles without a work dir
  std::optional<Progress> progress_;
  ScheduleReport rep_;

  std::mutex mu_;  // guards everything below
  std::vector<Where> where_;
  std::vector<std::vector<Edge>> held_;
  uint64_t held_bytes_ = 0, held_budget_ = 0, edges_ = 0;
  Histogram hist_;
  detail::CheckpointState state_;
  uint64_t generation_ = 0;

  std::mutex save_mu_;  // serializes checkpoint writes
  uint64_t saved_generation_ = 0;
};

void AllPairsRun::check_fits(uint64_t edges) const {
  uint64_t need = detail::graph_build_bytes(plan_.n, edges);
  if (need <= budget_) return;
  CLEAVE_FAIL(out_of_memory,
              "the graph needs at least {} ({} edges{} on {} nodes) but the memory budget is {}; "
              "raise the budget (--max-memory) or the threshold{}",
              format_bytes(need), edges, where_.empty() ? "" : " found so far", plan_.n,
              format_bytes(budget_),
              work_ ? fmt::format("; finished tiles are kept in {} and will not be recomputed",
                                  work_->dir().string())
                    : "");
}

void AllPairsRun::setup(uint64_t n) {
  uint64_t threads = c_.concurrent() ? static_cast<uint64_t>(std::max(1, num_threads())) : 1;
  if (uint64_t cap = c_.max_in_flight(); cap > 0) threads = std::min(threads, cap);
  const bool root = dist::is_root();
  std::optional<detail::CheckpointState> found;
  if (!opt_.work_dir.empty()) {
    // Rank 0 holds the work directory; other ranks write tile files into it.
    work_.emplace(detail::WorkDir::for_rank(opt_.work_dir));
    if (root) found = work_->load();
  }
  uint64_t side = opt_.tile;
  if (found && side == 0) side = found->params.side;  // resume on the checkpoint's tiling
  // Over ranks, rank 0 chooses the side (enough tiles for every rank's
  // threads) and the others plan their tiles in flight for that side.
  const uint64_t all_threads = dist::sum(threads);
  if (root) plan_ = detail::plan_tiles(c_, n, budget_, side, threads, all_threads);
  if (dist::size() > 1) {
    dist::Writer w;
    w.put(plan_.side);
    dist::Bytes b = w.take();
    dist::broadcast(b);
    const auto chosen = dist::Reader(b).get<uint64_t>();
    if (!root) plan_ = detail::plan_tiles(c_, n, budget_, chosen, threads);
  }
  params_ = {c_.input_checksum(), c_.measure(),         c_.threshold(), n,        plan_.side,
             plan_.count(),       shape_.counts.size(), shape_.lo,      shape_.hi};
  run_key_ = params_.digest();
  // Every rank must compute the same tiles of the same inputs.
  if (dist::size() > 1) {
    dist::Writer w;
    w.put(run_key_);
    dist::Bytes b = w.take();
    dist::broadcast(b);
    const uint64_t differ = dist::sum(dist::Reader(b).get<uint64_t>() != run_key_ ? 1 : 0);
    CLEAVE_EXPECTS(differ == 0,
                   "{} of {} ranks read other inputs or parameters than rank 0 (the same input "
                   "file and graph options on every rank, please)",
                   differ, dist::size());
  }
  where_.assign(plan_.count(), Where::pending);
  held_.resize(plan_.count());
  state_.params = params_;
  state_.done.assign(plan_.count(), 0);
  uint64_t in_flight = plan_.in_flight * plan_.tile_bytes;
  held_budget_ = budget_ > in_flight ? budget_ - in_flight : 0;
  if (!root) return;
  if (found) {
    work_->check_params(found->params, params_);
    resume(found->done);
  } else if (work_) {
    work_->clear(false);  // tile files a killed run wrote before its first checkpoint
  }
}

void AllPairsRun::resume(const std::vector<uint8_t>& done) {
  for (uint64_t i = 0; i < done.size(); ++i) {
    if (!done[i]) continue;
    Tile t = plan_.tile(i);
    fs::path path = work_->tile_path(i);
    auto rd = detail::read_tile_file(path, key(t), shape_, nullptr, &hist_);
    if (!rd.ok) {
      warn(fmt::format("{}: {}; computing tile {} again", path.string(), rd.problem, i));
      ++rep_.tiles_repaired;
      continue;
    }
    where_[i] = Where::disk;
    state_.done[i] = 1;
    edges_ += rd.edges;
    ++rep_.tiles_resumed;
  }
  check_fits(edges_);
}

void AllPairsRun::compute_pending() {
  std::vector<uint64_t> pending;
  if (dist::is_root())
    for (uint64_t i = 0; i < where_.size(); ++i)
      if (where_[i] == Where::pending) pending.push_back(i);
  if (opt_.progress && !pending.empty()) {
    std::string label = opt_.progress_label;
    if (rep_.tiles_resumed)
      label += fmt::format(" (resumed: {} of {} tiles done)", rep_.tiles_resumed, plan_.count());
    progress_.emplace(label, pending.size());
  }
  if (dist::size() > 1) {
    compute_over_ranks(pending);  // every rank, even with nothing pending
    return;
  }
  if (pending.empty()) return;
  std::atomic<uint64_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr failure;
  std::mutex failure_mu;
  const CallHooks* hooks = current_call_hooks();  // the workers see the caller's
  auto worker = [&] {
    TileResult r;
    while (!stop.load()) {
      uint64_t k = next.fetch_add(1);
      if (k >= pending.size()) break;
      try {
        check_cancelled(hooks);  // finished tiles stay checkpointed: a rerun resumes
        Tile t = plan_.tile(pending[k]);
        r.edges.clear();
        r.histogram = shape_;
        c_.compute(t, r);
        finish_tile(t, r);
      } catch (...) {
        std::lock_guard lock(failure_mu);
        if (!failure) failure = std::current_exception();
        stop = true;
      }
    }
  };
  // Tiles in flight: the calling thread plus plan_.in_flight - 1 workers.
  uint64_t extra = std::min<uint64_t>(plan_.in_flight, pending.size()) - 1;
  std::vector<std::thread> pool;
  try {
    for (uint64_t i = 0; i < extra; ++i) pool.emplace_back(worker);
  } catch (...) {
    stop = true;
    for (auto& th : pool) th.join();
    throw;
  }
  worker();
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
  if (progress_) progress_->finish();
}

// Tile results between ranks: a flag (1: the tile file is in the shared work
// directory), the histogram counts, then the edge count (on disk) or the edges.
void AllPairsRun::compute_over_ranks(const std::vector<uint64_t>& pending) {
  if (work_) detail::check_shared_work_dir(*work_);
  dist::WorkLoop loop;
  loop.what = "tiles";
  loop.items = pending;
  loop.workers = plan_.in_flight;
  loop.compute = [&](uint64_t index, bool remote) {
    Tile t = plan_.tile(index);
    TileResult r;
    r.histogram = shape_;
    c_.compute(t, r);
    if (!remote) {
      finish_tile(t, r);
      return dist::Bytes{};
    }
    check_result(t, r, shape_);
    dist::Writer w;
    w.put<uint8_t>(work_ ? 1 : 0);
    w.put_vector(r.histogram.counts);
    if (work_) {
      detail::write_tile_file(work_->tile_path(index), key(t), r.edges, r.histogram);
      w.put<uint64_t>(r.edges.size());
    } else {
      w.put_vector(r.edges);
    }
    return w.take();
  };
  loop.accept = [&](uint64_t index, int source, dist::Bytes&& bytes) {
    CLEAVE_EXPECTS(index < where_.size() && where_[index] == Where::pending,
                   "rank {} returned tile {}, which was not handed out", source, index);
    Tile t = plan_.tile(index);
    dist::Reader rd(bytes);
    const bool on_disk = rd.get<uint8_t>() != 0;
    TileResult r;
    r.histogram = shape_;
    r.histogram.counts = rd.get_vector<uint64_t>();
    CLEAVE_EXPECTS(r.histogram.counts.size() == shape_.counts.size(),
                   "rank {}: tile {} has a histogram of another shape", source, index);
    if (on_disk) {
      finish_tile_on_disk(t, r.histogram, rd.get<uint64_t>());
      return;
    }
    r.edges = rd.get_vector<Edge>();
    finish_tile(t, r);
  };
  dist::run_work_loop(loop);
  if (progress_) progress_->finish();
}

void AllPairsRun::finish_tile_on_disk(const Tile& t, const Histogram& h, uint64_t edges) {
  uint64_t generation = 0, total = 0;
  {
    std::lock_guard lock(mu_);
    hist_.merge(h);
    total = edges_ += edges;
    ++rep_.tiles_computed;
    where_[t.index] = Where::disk;
    state_.done[t.index] = 1;
    generation = ++generation_;
  }
  save_checkpoint(generation);
  if (progress_) progress_->advance();
  check_fits(total);
}

void AllPairsRun::finish_tile(const Tile& t, TileResult& r) {
  check_result(t, r, shape_);
  uint64_t bytes = r.edges.size() * sizeof(Edge);
  if (work_) detail::write_tile_file(work_->tile_path(t.index), key(t), r.edges, r.histogram);
  bool keep = false;
  uint64_t edges = 0;
  {
    std::lock_guard lock(mu_);
    hist_.merge(r.histogram);
    edges = edges_ += r.edges.size();
    ++rep_.tiles_computed;
    keep = held_bytes_ + bytes <= held_budget_;
    if (keep) held_bytes_ += bytes;
    if (!keep && !work_ && !spill_) spill_.emplace(detail::WorkDir::temporary());
  }
  if (!keep && !work_)
    detail::write_tile_file(spill_->tile_path(t.index), key(t), r.edges, r.histogram);
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    where_[t.index] = keep ? Where::memory : Where::disk;
    if (keep) held_[t.index] = std::move(r.edges);
    if (!keep) ++rep_.tiles_spilled;
    if (work_) {
      state_.done[t.index] = 1;
      generation = ++generation_;
    }
  }
  if (work_) save_checkpoint(generation);
  if (progress_) progress_->advance();
  check_fits(edges);  // after the bookkeeping, so the tile is not lost
}

void AllPairsRun::save_checkpoint(uint64_t generation) {
  std::lock_guard save_lock(save_mu_);
  if (saved_generation_ >= generation) return;  // a later write already listed this tile
  detail::CheckpointState copy;
  {
    std::lock_guard lock(mu_);
    copy = state_;
    generation = generation_;
  }
  work_->save(copy);
  saved_generation_ = generation;
}

std::vector<Edge> AllPairsRun::merge() {
  std::vector<Edge> all;
  all.reserve(edges_);
  for (uint64_t i = 0; i < where_.size(); ++i) {
    if (where_[i] == Where::memory) {
      all.insert(all.end(), held_[i].begin(), held_[i].end());
      std::vector<Edge>().swap(held_[i]);
      continue;
    }
    Tile t = plan_.tile(i);
    fs::path path = (work_ ? *work_ : *spill_).tile_path(i);
    auto rd = detail::read_tile_file(path, key(t), shape_, &all, nullptr);
    if (rd.ok) continue;
    // Damaged since it was written or checked: compute it again.
    warn(fmt::format("{}: {}; computing tile {} again", path.string(), rd.problem, i));
    TileResult r;
    r.histogram = shape_;
    c_.compute(t, r);
    check_result(t, r, shape_);
    all.insert(all.end(), r.edges.begin(), r.edges.end());
    ++rep_.tiles_repaired;
  }
  return all;
}

Graph AllPairsRun::run() {
  uint64_t n = c_.size();
  budget_ = opt_.max_memory ? opt_.max_memory : detail::default_memory_budget();
  shape_ = c_.histogram();
  CLEAVE_EXPECTS(!shape_.counts.empty() && shape_.lo < shape_.hi,
                 "the pair computer's histogram needs bins and lo < hi");
  std::fill(shape_.counts.begin(), shape_.counts.end(), 0);
  hist_ = shape_;
  plan_.n = n;
  check_fits(0);  // the nodes alone, before any work

  GraphMeta meta;
  meta.measure = c_.measure();
  meta.threshold = c_.threshold();
  meta.n_pairs = n * (n - 1) / 2;
  meta.input_checksum = c_.input_checksum();
  std::vector<Edge> edges;
  if (n >= 2) {
    setup(n);
    compute_pending();
    // Over ranks, rank 0 holds every tile and builds the graph; the others
    // return one with the nodes and no edges.
    if (dist::is_root()) edges = merge();
  }
  meta.histogram = hist_;
  rep_.tile = plan_.side;
  rep_.tiles = plan_.count();
  rep_.in_flight = plan_.in_flight;
  rep_.edges = edges.size();
  rep_.memory_budget = budget_;
  Graph g = Graph::from_edges(n, std::move(edges), std::move(meta));
  if (work_ && dist::is_root()) work_->clear(true);
  if (opt_.report) *opt_.report = rep_;
  return g;
}

}  // namespace

Graph run_all_pairs(PairComputer& computer, const ScheduleOptions& opt) {
  return AllPairsRun(computer, opt).run();
}

}  // namespace cleave
