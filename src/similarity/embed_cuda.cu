/// @file embed_cuda.cu
/// @brief The CUDA embedding-cosine PairComputer: unit rows resident on the
/// device; each tile runs as slabs of rows: a GEMM of the slab against the
/// tile's columns (cuBLAS sgemm when the build links cuBLAS,
/// CLEAVE_HAVE_CUBLAS; otherwise a shared-memory tiled kernel), then the
/// fused threshold/histogram/compaction kernel of kernels/cosine_kernel.hpp,
/// on two streams with pinned double-buffered output. Each stream has its
/// own cuBLAS handle and workspace, so the two slabs' GEMMs can overlap.
/// Two tiles run at once, each on its own context (pipeline, dot buffers,
/// cuBLAS handles) from a pool, so one tile's GEMMs and kernels overlap the
/// other's harvest.
///
/// With GemmPrecision tf32 or bf16 the GEMM takes the unit rows rounded on
/// the host (round_to_gemm_input) and runs on tensor cores (cublasGemmEx,
/// CUBLAS_COMPUTE_32F_FAST_TF32, or BF16 inputs with FP32 compute); the
/// threshold kernel passes every pair within the bound of embed_lowp.cpp of
/// the threshold, and the host re-checks those candidates in the CPU
/// backend's arithmetic once the tile is drained (recheck_candidates), so
/// edges and weights are the CPU backend's.
#include <cuda_runtime.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "kernels/cosine_kernel.hpp"
#include "kernels/fingerprint_launch.cuh"
#include "similarity/fp_computer.hpp"

#if CLEAVE_HAVE_CUBLAS
#include <cublas_v2.h>
#include <cuda_bf16.h>
#endif

namespace cleave::similarity_detail {

namespace {

using namespace kernels;

#if !CLEAVE_HAVE_CUBLAS
constexpr uint32_t kGemmTile = 16;

/// dots[r * ld + c] = rows[r] . cols[c] (row-major unit rows of `dim`).
__global__ void dot_tile_kernel(const float* rows, const float* cols, uint32_t n_rows,
                                uint32_t n_cols, uint32_t dim, float* dots, uint64_t ld) {
  __shared__ float a[kGemmTile][kGemmTile + 1];
  __shared__ float b[kGemmTile][kGemmTile + 1];
  const uint32_t r = blockIdx.y * kGemmTile + threadIdx.y;
  const uint32_t c = blockIdx.x * kGemmTile + threadIdx.x;
  float acc = 0.0f;
  for (uint32_t k0 = 0; k0 < dim; k0 += kGemmTile) {
    const uint32_t ar = blockIdx.y * kGemmTile + threadIdx.y,
                   bc = blockIdx.x * kGemmTile + threadIdx.y;
    const uint32_t k = k0 + threadIdx.x;
    a[threadIdx.y][threadIdx.x] = (ar < n_rows && k < dim) ? rows[uint64_t{ar} * dim + k] : 0.0f;
    b[threadIdx.y][threadIdx.x] = (bc < n_cols && k < dim) ? cols[uint64_t{bc} * dim + k] : 0.0f;
    __syncthreads();
#pragma unroll
    for (uint32_t kk = 0; kk < kGemmTile; ++kk)
      acc = fmaf(a[threadIdx.y][kk], b[threadIdx.x][kk], acc);
    __syncthreads();
  }
  if (r < n_rows && c < n_cols) dots[uint64_t{r} * ld + c] = acc;
}
#endif

class EmbeddingCuda final : public PairComputer {
 public:
  EmbeddingCuda(const EmbeddingSet& set, double threshold, GemmPrecision precision)
      : n_(set.n),
        dim_(set.dim),
        threshold_(threshold),
        precision_(precision),
        pool_(kTilesInFlight, [] { return std::make_unique<Context>(); }) {
    std::vector<float> unit = unit_rows(set);
#if !CLEAVE_HAVE_CUBLAS
    if (precision_ != GemmPrecision::fp32)
      raise_cuda_error(__FILE__, __LINE__,
                       "GEMM precision tf32 or bf16 needs cuBLAS, which this build lacks", true);
#endif
    if (precision_ == GemmPrecision::bf16) {
#if CLEAVE_HAVE_CUBLAS
      // Rounded on the host to nearest even; the conversion to bf16 is then exact.
      std::vector<__nv_bfloat16> half(unit.size());
      for (std::size_t k = 0; k < unit.size(); ++k)
        half[k] = __float2bfloat16_rn(round_to_gemm_input(unit[k], precision_));
      bf16_dev_.reserve(half.size());
      CLEAVE_FP_CUDA_CHECK(cudaMemcpy(bf16_dev_.get(), half.data(),
                                      half.size() * sizeof(__nv_bfloat16), cudaMemcpyHostToDevice));
#endif
    } else {
      const std::vector<float> in =
          precision_ == GemmPrecision::fp32 ? unit : gemm_inputs(unit, precision_);
      unit_dev_.reserve(in.size());
      CLEAVE_FP_CUDA_CHECK(cudaMemcpy(unit_dev_.get(), in.data(), in.size() * sizeof(float),
                                      cudaMemcpyHostToDevice));
    }
    if (precision_ != GemmPrecision::fp32) unit_host_ = std::move(unit);
    // The same checksum as the cpu computer: a checkpoint resumes on either.
    checksum_ = make_embedding_cpu(set, threshold)->input_checksum();
    const CosineFinishTables tables = make_cosine_finish(hist_spec(histogram()), threshold);
    fin_ = tables.view;
    edge_dev_.reserve(tables.edge.size());
    CLEAVE_FP_CUDA_CHECK(cudaMemcpy(edge_dev_.get(), tables.edge.data(),
                                    tables.edge.size() * sizeof(float), cudaMemcpyHostToDevice));
    fin_.edge = edge_dev_.get();
    if (precision_ != GemmPrecision::fp32)
      fin_.threshold = candidate_threshold(threshold, gemm_error_bound(precision_, dim_));
    device_budget_ = free_device_budget();
  }
  EmbeddingCuda(const EmbeddingCuda&) = delete;
  EmbeddingCuda& operator=(const EmbeddingCuda&) = delete;

  [[nodiscard]] uint64_t size() const override {
    return n_;
  }
  [[nodiscard]] Measure measure() const override {
    return Measure::cosine;
  }
  [[nodiscard]] double threshold() const override {
    return threshold_;
  }
  [[nodiscard]] Histogram histogram() const override {
    return embedding_histogram();
  }
  [[nodiscard]] uint64_t input_checksum() const override {
    return checksum_;
  }
  [[nodiscard]] bool concurrent() const override {
    return true;
  }
  [[nodiscard]] uint64_t max_in_flight() const override {
    return kTilesInFlight;
  }
  [[nodiscard]] uint64_t tile_bytes(uint64_t tile) const override {
    return tile * tile / 16 * sizeof(Edge) + 4 * sizeof(Histogram);
  }
  /// One context: its pipeline (slots sized for a slab's edges at the
  /// density tile_bytes assumes), two slabs of dot products and, with
  /// cuBLAS, two workspaces.
  [[nodiscard]] uint64_t device_tile_bytes(uint64_t tile) const override {
    // A monotone bound on slab_rows(tile) * tile, the dot products of a slab.
    const uint64_t dots = std::max(std::min<uint64_t>(4096 * tile, uint64_t{1} << 24),
                                   uint64_t{CosineThresholdBody::kRowsPerBlock} * tile);
    uint64_t bytes =
        slab_pipeline_bytes(dots / 16, 2 * Histogram::kDefaultBins) + 2 * dots * sizeof(float);
#if CLEAVE_HAVE_CUBLAS
    bytes += SlabPipeline::kSlots * kBlasWorkspace;
#endif
    return bytes;
  }
  [[nodiscard]] uint64_t device_budget() const override {
    return device_budget_;
  }

  void compute(const Tile& t, TileResult& out) override {
    if (out.histogram.counts.size() != 2 * Histogram::kDefaultBins) out.histogram = histogram();
    const HistSpec hist = hist_spec(out.histogram);
    if (hist.lo != -1.0 || hist.hi != 1.0 || hist.bins != fin_.bins)
      raise_cuda_error(__FILE__, __LINE__, "a tile's histogram differs from the kernel's table",
                       true);
    const uint64_t cols = t.col1 - t.col0;
    const uint64_t slab = slab_rows(cols);
    const std::size_t first = out.edges.size();
    auto ctx = pool_.acquire();
    for (uint64_t r0 = t.row0; r0 < t.row1; r0 += slab) {
      const uint64_t r1 = std::min(t.row1, r0 + slab);
      const uint64_t c0 = std::max(t.col0, r0 + 1);
      if (c0 >= t.col1) break;
      float* dots = ctx->dots[ctx->slot++ % 2].get(slab * cols);
      CosineTileParams p;
      p.dots = dots;
      p.ld = t.col1 - c0;
      p.row0 = r0;
      p.col0 = c0;
      p.n_rows = static_cast<uint32_t>(r1 - r0);
      p.n_cols = static_cast<uint32_t>(t.col1 - c0);
      p.fin = fin_;
      ctx->pipeline.submit(SlabLaunch{this, &*ctx, p, dots}, out);
    }
    ctx->pipeline.drain(out);
    if (precision_ != GemmPrecision::fp32)
      recheck_candidates(unit_host_.data(), dim_, hist, threshold_, out.edges, first,
                         out.histogram.counts);
  }

 private:
  static constexpr uint32_t kTilesInFlight = 2;

  /// Slabs of rows whose dot products take at most 64 MiB per stream (the
  /// threshold kernel's blocks tile a slab in both directions, so a wide,
  /// short slab still fills the GPU).
  static uint64_t slab_rows(uint64_t cols) {
    return std::clamp<uint64_t>((uint64_t{1} << 24) / std::max<uint64_t>(cols, 1) /
                                    CosineThresholdBody::kRowsPerBlock *
                                    CosineThresholdBody::kRowsPerBlock,
                                CosineThresholdBody::kRowsPerBlock, 4096);
  }

  /// A device buffer for one slot's dot products (grows on demand; a slot's
  /// previous slab is harvested before the slot is reused).
  struct DotBuffer {
    DeviceArray<float> a;
    float* get(uint64_t count) {
      a.reserve(count);
      return a.get();
    }
  };

#if CLEAVE_HAVE_CUBLAS
  /// cuBLAS's recommended workspace on Hopper (32 MiB; 4 MiB suffices before).
  static constexpr std::size_t kBlasWorkspace = std::size_t{32} << 20;
  /// One handle and workspace per pipeline stream.
  struct Blas {
    cudaStream_t stream = nullptr;
    cublasHandle_t handle = nullptr;
    DeviceArray<unsigned char> workspace;
  };
#endif

  /// What one tile in flight owns: the slab pipeline, the dot products of
  /// its two slabs in flight and a cuBLAS handle per stream.
  struct Context {
    SlabPipeline pipeline{2 * Histogram::kDefaultBins};
    DotBuffer dots[2];
    uint64_t slot = 0;
#if CLEAVE_HAVE_CUBLAS
    Blas blas[SlabPipeline::kSlots];
#endif
    Context() {
#if CLEAVE_HAVE_CUBLAS
      for (uint32_t k = 0; k < SlabPipeline::kSlots; ++k) {
        Blas& b = blas[k];
        b.stream = pipeline.stream(k);
        b.workspace.reserve(kBlasWorkspace);
        if (cublasCreate(&b.handle) != CUBLAS_STATUS_SUCCESS ||
            cublasSetStream(b.handle, b.stream) != CUBLAS_STATUS_SUCCESS ||
            cublasSetWorkspace(b.handle, b.workspace.get(), kBlasWorkspace) !=
                CUBLAS_STATUS_SUCCESS) {
          release_blas();
          raise_cuda_error(__FILE__, __LINE__, "creating a cuBLAS handle for a stream failed");
        }
      }
#endif
    }
    ~Context() {
#if CLEAVE_HAVE_CUBLAS
      release_blas();
#endif
    }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
#if CLEAVE_HAVE_CUBLAS
    void release_blas() {
      for (Blas& b : blas)
        if (b.handle) {
          cublasDestroy(b.handle);
          b.handle = nullptr;
        }
    }
#endif
  };

  /// One slab: its GEMM, then the fused threshold kernel.
  struct SlabLaunch {
    EmbeddingCuda* self;
    Context* ctx;
    CosineTileParams p;
    float* dots;
    void operator()(const EdgeOut& o, cudaStream_t stream) const {
      self->gemm(*ctx, p, dots, stream);
      CosineTileParams q = p;
      q.out = o;
      launch_body(CosineThresholdBody{q}, stream);
    }
  };

  void gemm(const Context& ctx, const CosineTileParams& p, float* dots, cudaStream_t stream) {
#if CLEAVE_HAVE_CUBLAS
    // Column-major view: dots^T (n_cols x n_rows) = cols^T * rows, where the
    // row-major unit rows are a dim x n column-major matrix.
    const float one = 1.0f, zero = 0.0f;
    cublasHandle_t handle = nullptr;
    for (const Blas& b : ctx.blas)
      if (b.stream == stream) handle = b.handle;
    if (handle == nullptr)
      raise_cuda_error(__FILE__, __LINE__, "no cuBLAS handle for a stream", true);
    const int m = static_cast<int>(p.n_cols), n = static_cast<int>(p.n_rows),
              k = static_cast<int>(dim_), ld = static_cast<int>(p.ld);
    cublasStatus_t status;
    if (precision_ == GemmPrecision::fp32) {
      const float* rows = unit_dev_.get() + p.row0 * dim_;
      const float* cols = unit_dev_.get() + p.col0 * dim_;
      status = cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, cols, k, rows, k, &zero,
                           dots, ld);
    } else if (precision_ == GemmPrecision::tf32) {
      const float* rows = unit_dev_.get() + p.row0 * dim_;
      const float* cols = unit_dev_.get() + p.col0 * dim_;
      status = cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, cols, CUDA_R_32F, k,
                            rows, CUDA_R_32F, k, &zero, dots, CUDA_R_32F, ld,
                            CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_GEMM_DEFAULT);
    } else {
      const __nv_bfloat16* rows = bf16_dev_.get() + p.row0 * dim_;
      const __nv_bfloat16* cols = bf16_dev_.get() + p.col0 * dim_;
      status = cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, cols, CUDA_R_16BF, k,
                            rows, CUDA_R_16BF, k, &zero, dots, CUDA_R_32F, ld, CUBLAS_COMPUTE_32F,
                            CUBLAS_GEMM_DEFAULT);
    }
    if (status != CUBLAS_STATUS_SUCCESS)
      raise_cuda_error(__FILE__, __LINE__,
                       std::string("cuBLAS GEMM (") + gemm_precision_name(precision_) +
                           ") failed: status " + std::to_string(static_cast<int>(status)));
#else
    const float* rows = unit_dev_.get() + p.row0 * dim_;
    const float* cols = unit_dev_.get() + p.col0 * dim_;
    (void)ctx;
    const dim3 block(kGemmTile, kGemmTile);
    const dim3 grid((p.n_cols + kGemmTile - 1) / kGemmTile, (p.n_rows + kGemmTile - 1) / kGemmTile);
    // clang-format off
    dot_tile_kernel<<<grid, block, 0, stream>>>(rows, cols, p.n_rows, p.n_cols, dim_, dots, p.ld);
    // clang-format on
    CLEAVE_FP_CUDA_CHECK(cudaGetLastError());
#endif
  }

  uint64_t n_;
  uint32_t dim_;
  double threshold_;
  GemmPrecision precision_;
  uint64_t checksum_ = 0;
  DeviceArray<float> unit_dev_;  ///< fp32 and tf32: the GEMM's inputs
#if CLEAVE_HAVE_CUBLAS
  DeviceArray<__nv_bfloat16> bf16_dev_;  ///< bf16: the GEMM's inputs
#endif
  std::vector<float> unit_host_;  ///< tf32 and bf16: unit rows for the re-check
  CosineFinish fin_;
  DeviceArray<float> edge_dev_;
  uint64_t device_budget_ = 0;
  ContextPool<Context> pool_;  // last: its streams finish before the inputs go
};

}  // namespace

std::unique_ptr<PairComputer> make_embedding_cuda(const EmbeddingSet& set, double threshold,
                                                  GemmPrecision precision) {
  return std::make_unique<EmbeddingCuda>(set, threshold, precision);
}

}  // namespace cleave::similarity_detail
