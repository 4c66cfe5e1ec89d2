/// @file fp_search_cuda.cu
/// @brief The CUDA engine of the fingerprint search (fp_search_engine.hpp):
/// targets (rank order), their popcounts and the threshold table resident
/// on the device; each pass copies its queries once, then launches the body
/// of kernels/search_kernel.hpp in slabs of at most kSlabRows queries x
/// kSlabCols targets on two streams, each with its own device output and
/// pinned host mirror, so one slab's kernel runs while the other's results
/// are copied back; a slab whose hits overflow is run again with room for
/// all of them (as SlabPipeline does for the tile kernel).
#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "kernels/fingerprint_launch.cuh"
#include "kernels/search_kernel.hpp"
#include "search/fp_search_engine.hpp"
#include "similarity/fp_computer.hpp"

namespace cleave::search_detail {

namespace {

using namespace kernels;

class CudaEngine final : public FpSearchEngine {
 public:
  CudaEngine(const FpTargets& t, BitMeasure m, double threshold)
      : n_(t.n), words_(t.words_per_fp), measure_(m) {
    const similarity_detail::FinishTables tables = similarity_detail::make_finish_tables(
        m, threshold, HistSpec{0.0, 1.0, 1}, std::max<uint32_t>(words_, 1));
    fin_ = tables.view;
    hit_from_.reserve(std::max<std::size_t>(tables.hit_from.size(), 1));
    if (!tables.hit_from.empty())
      CLEAVE_FP_CUDA_CHECK(cudaMemcpy(hit_from_.get(), tables.hit_from.data(),
                                      tables.hit_from.size() * sizeof(uint32_t),
                                      cudaMemcpyHostToDevice));
    fin_.hit_from = hit_from_.get();
    fin_.exact_bin = nullptr;  // the search body bins nothing
    words_dev_.reserve(std::max<std::size_t>(uint64_t{n_} * words_, 1));
    pop_dev_.reserve(std::max<uint32_t>(n_, 1));
    if (n_ > 0) {
      CLEAVE_FP_CUDA_CHECK(cudaMemcpy(words_dev_.get(), t.words,
                                      uint64_t{n_} * words_ * sizeof(uint64_t),
                                      cudaMemcpyHostToDevice));
      CLEAVE_FP_CUDA_CHECK(
          cudaMemcpy(pop_dev_.get(), t.pop, n_ * sizeof(uint32_t), cudaMemcpyHostToDevice));
    }
    for (Slot& s : slots_) {
      CLEAVE_FP_CUDA_CHECK(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
      s.count.reserve(1);
      s.h_count.reserve(1);
      grow(s, std::size_t{1} << 20);
    }
  }
  CudaEngine(const CudaEngine&) = delete;
  CudaEngine& operator=(const CudaEngine&) = delete;
  ~CudaEngine() override {
    for (Slot& s : slots_)
      if (s.stream) {
        cudaStreamSynchronize(s.stream);
        cudaStreamDestroy(s.stream);
      }
  }

  void run(const FpPass& pass, const FpPassSink& sink) override {
    if (pass.n == 0 || n_ == 0) return;
    // The pass's queries (and floors) once on the device.
    q_words_.reserve(uint64_t{pass.n} * words_);
    q_pop_.reserve(pass.n);
    CLEAVE_FP_CUDA_CHECK(cudaMemcpy(q_words_.get(), pass.words,
                                    uint64_t{pass.n} * words_ * sizeof(uint64_t),
                                    cudaMemcpyHostToDevice));
    CLEAVE_FP_CUDA_CHECK(
        cudaMemcpy(q_pop_.get(), pass.pop, pass.n * sizeof(uint32_t), cudaMemcpyHostToDevice));
    if (pass.floor_pb != nullptr) {
      floor_pb_.reserve(pass.n);
      floor_c_.reserve(pass.n);
      CLEAVE_FP_CUDA_CHECK(cudaMemcpy(floor_pb_.get(), pass.floor_pb, pass.n * sizeof(uint32_t),
                                      cudaMemcpyHostToDevice));
      CLEAVE_FP_CUDA_CHECK(cudaMemcpy(floor_c_.get(), pass.floor_c, pass.n * sizeof(uint32_t),
                                      cudaMemcpyHostToDevice));
    }
    for (uint32_t r0 = 0; r0 < pass.n; r0 += kSlabRows) {
      const uint32_t rows = std::min(kSlabRows, pass.n - r0);
      for (uint32_t c0 = 0; c0 < n_; c0 += kSlabCols) {
        const uint32_t cols = std::min(kSlabCols, n_ - c0);
        SearchTileParams p;
        p.rows = q_words_.get() + uint64_t{r0} * words_;
        p.cols = words_dev_.get() + uint64_t{c0} * words_;
        p.row_pc = q_pop_.get() + r0;
        p.col_pc = pop_dev_.get() + c0;
        p.row0 = r0;
        p.col0 = c0;
        p.n_rows = rows;
        p.n_cols = cols;
        p.words = words_;
        p.best_stride = (cols + kTile - 1) / kTile;
        p.emit = pass.emit;
        p.fin = fin_;
        if (pass.floor_pb != nullptr) {
          p.floor_pb = floor_pb_.get() + r0;
          p.floor_c = floor_c_.get() + r0;
        }
        Slot& s = slots_[next_++ % 2];
        if (s.busy) harvest(s, sink);
        s.p = p;
        s.row_best = pass.row_best;
        enqueue(s);
      }
    }
    for (uint32_t k = 0; k < 2; ++k) {  // oldest first
      Slot& s = slots_[(next_ + k) % 2];
      if (s.busy) harvest(s, sink);
    }
  }

 private:
  static constexpr uint32_t kTile = SearchTileBody<TanimotoOp>::kBlockCols;
  static constexpr std::size_t kBestEntries = std::size_t{kSlabRows} * (kSlabCols / kTile);

  struct Slot {
    cudaStream_t stream = nullptr;
    DeviceArray<uint32_t> q, t, c;
    DeviceArray<SearchBest> best, row_bests;
    DeviceArray<unsigned long long> count;
    PinnedArray<uint32_t> h_q, h_t, h_c;
    PinnedArray<SearchBest> h_best;  ///< the tile bests, or the row bests when row_best
    PinnedArray<unsigned long long> h_count;
    std::size_t capacity = 0;
    SearchTileParams p;
    bool row_best = false;
    bool busy = false;
  };

  static void grow(Slot& s, std::size_t capacity) {
    for (DeviceArray<uint32_t>* d : {&s.q, &s.t, &s.c}) d->reserve(capacity);
    for (PinnedArray<uint32_t>* h : {&s.h_q, &s.h_t, &s.h_c}) h->reserve(capacity);
    s.best.reserve(kBestEntries);
    s.row_bests.reserve(kSlabRows);
    s.h_best.reserve(kBestEntries);
    s.capacity = capacity;
  }

  void enqueue(Slot& s) {
    CLEAVE_FP_CUDA_CHECK(cudaMemsetAsync(s.count.get(), 0, sizeof(unsigned long long), s.stream));
    SearchTileParams p = s.p;
    p.best = s.best.get();
    p.out = {s.q.get(), s.t.get(), s.c.get(), s.count.get(), s.capacity};
    const SearchRowBestParams rb{p.best,   p.best_stride,  p.n_rows,
                                 p.row_pc, pop_dev_.get(), s.row_bests.get()};
    with_bit_measure(measure_, [&](auto op) {
      using Op = decltype(op);
      launch_body(SearchTileBody<Op>{p}, s.stream);
      if (s.row_best) launch_body(SearchRowBestBody<Op>{rb}, s.stream);
      return 0;
    });
    CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_count.get(), s.count.get(), sizeof(unsigned long long),
                                         cudaMemcpyDeviceToHost, s.stream));
    const uint64_t bests = uint64_t{p.n_rows} * (s.row_best ? 1 : p.best_stride);
    CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_best.get(), s.row_best ? rb.out : p.best,
                                         bests * sizeof(SearchBest), cudaMemcpyDeviceToHost,
                                         s.stream));
    s.busy = true;
  }

  void harvest(Slot& s, const FpPassSink& sink) {
    CLEAVE_FP_CUDA_CHECK(cudaStreamSynchronize(s.stream));
    auto count = static_cast<std::size_t>(*s.h_count.get());
    if (count > s.capacity) {  // overflow: run the slab again with room for every hit
      grow(s, count + count / 4);
      enqueue(s);
      CLEAVE_FP_CUDA_CHECK(cudaStreamSynchronize(s.stream));
      count = static_cast<std::size_t>(*s.h_count.get());
      if (count > s.capacity)
        raise_cuda_error(__FILE__, __LINE__, "a search slab's hit count changed between runs",
                         true);
    }
    if (count > 0) {
      CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_q.get(), s.q.get(), count * sizeof(uint32_t),
                                           cudaMemcpyDeviceToHost, s.stream));
      CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_t.get(), s.t.get(), count * sizeof(uint32_t),
                                           cudaMemcpyDeviceToHost, s.stream));
      CLEAVE_FP_CUDA_CHECK(cudaMemcpyAsync(s.h_c.get(), s.c.get(), count * sizeof(uint32_t),
                                           cudaMemcpyDeviceToHost, s.stream));
      CLEAVE_FP_CUDA_CHECK(cudaStreamSynchronize(s.stream));
    }
    s.busy = false;
    sink.bests(s.p.row0, s.p.n_rows, s.p.col0 / kTile, s.row_best ? 1 : s.p.best_stride,
               s.h_best.get());
    if (count > 0) sink.hits(count, s.h_q.get(), s.h_t.get(), s.h_c.get());
  }

  uint32_t n_, words_;
  BitMeasure measure_;
  IntFinish fin_;
  DeviceArray<uint32_t> hit_from_;
  DeviceArray<uint64_t> words_dev_, q_words_;
  DeviceArray<uint32_t> pop_dev_, q_pop_, floor_pb_, floor_c_;
  Slot slots_[2];
  uint64_t next_ = 0;
};

}  // namespace

std::unique_ptr<FpSearchEngine> make_fp_search_cuda(const FpTargets& targets, BitMeasure measure,
                                                    double threshold) {
  return std::make_unique<CudaEngine>(targets, measure, threshold);
}

}  // namespace cleave::search_detail
