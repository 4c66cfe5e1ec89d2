/* cleave C API: overlap graphs, SPECTRA split sweeps and AUSPC for C and
 * other languages. No CUDA types; every call returns a status (CLEAVE_OK = 0)
 * and on failure sets a thread-local message read by cleave_last_error().
 * Handles are opaque, created through out-parameters and destroyed by their
 * own destroy call (destroying NULL is a no-op). A NULL, destroyed or foreign
 * handle, or one of the wrong kind, is reported as
 * CLEAVE_ERROR_INVALID_ARGUMENT (the library keeps a registry of live handles
 * and never dereferences one it did not hand out); destroying such a handle
 * again is a no-op. */
#ifndef CLEAVE_CLEAVE_H
#define CLEAVE_CLEAVE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define CLEAVE_API __declspec(dllexport)
#else
#define CLEAVE_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cleave_status {
  CLEAVE_OK = 0,
  CLEAVE_ERROR_INVALID_ARGUMENT = 1,
  CLEAVE_ERROR_IO = 2,
  CLEAVE_ERROR_FORMAT = 3,
  CLEAVE_ERROR_OUT_OF_MEMORY = 4,
  CLEAVE_ERROR_INTERNAL = 5,
  CLEAVE_ERROR_CUDA = 6
} cleave_status;

typedef struct cleave_graph_s* cleave_graph;
typedef struct cleave_splits_s* cleave_splits;

/** Message of the last failed call on this thread ("" when none). */
CLEAVE_API const char* cleave_last_error(void);
/** Version as "MAJOR.MINOR.PATCH", and as numbers (any pointer may be NULL). */
CLEAVE_API const char* cleave_version(int* major, int* minor, int* patch);

/* ---- graphs ---- */

/** Graph from undirected edges (u[i], v[i], w[i]); w may be NULL (weight 1).
 * n_pairs: size of the similarity distribution (0 = n(n-1)/2). */
CLEAVE_API cleave_status cleave_graph_from_edges(uint64_t n_nodes, uint64_t n_edges,
                                                 const uint32_t* u, const uint32_t* v,
                                                 const float* w, double threshold, uint64_t n_pairs,
                                                 cleave_graph* out);
/** Graph of packed bit fingerprints (n rows of words_per_fp uint64 words, bit
 * k in word k/64): edge when Tanimoto similarity >= threshold. */
CLEAVE_API cleave_status cleave_graph_from_fingerprints(uint64_t n, uint32_t words_per_fp,
                                                        const uint64_t* words, double threshold,
                                                        cleave_graph* out);
/** Graph of a dataset file: SMILES CSV/SMI, FPS, DMS CSV or pairs TSV
 * (format "auto", "csv", "smi", "fps", "dms", "pairs"). threshold < 0: the default. */
CLEAVE_API cleave_status cleave_graph_from_file(const char* path, const char* format,
                                                double threshold, cleave_graph* out);
CLEAVE_API cleave_status cleave_graph_load(const char* path, cleave_graph* out);
CLEAVE_API cleave_status cleave_graph_save(cleave_graph g, const char* path);
CLEAVE_API cleave_status cleave_graph_size(cleave_graph g, uint64_t* n_nodes, uint64_t* n_edges);
/** Copies the id of node i (NUL-terminated, truncated to size) into buf. */
CLEAVE_API cleave_status cleave_graph_id(cleave_graph g, uint64_t i, char* buf, size_t size);
CLEAVE_API void cleave_graph_destroy(cleave_graph g);

/* ---- splits ---- */

typedef struct cleave_split_options {
  size_t struct_size;   /**< sizeof(cleave_split_options): set by _init */
  double test_fraction; /**< default 0.2 */
  int weighted;         /**< 0: binary mode (default) */
  int compat_spectrae;  /**< 1: reproduce spectrae (drops isolated samples, hubs) */
  uint64_t min_kept;    /**< no split with this many or fewer kept units; default 5 */
  int backend;          /**< 0 auto, 1 cpu, 2 cuda */
  int threads;          /**< 0 = all cores */
} cleave_split_options;

CLEAVE_API void cleave_split_options_init(cleave_split_options* opt);

/** Every (p, seed) of ps x seeds, p-major; repeat k = seeds[k]. */
CLEAVE_API cleave_status cleave_sweep(cleave_graph g, const cleave_split_options* opt,
                                      const double* ps, size_t n_ps, const uint64_t* seeds,
                                      size_t n_seeds, cleave_splits* out);
CLEAVE_API cleave_status cleave_splits_count(cleave_splits s, size_t* count);

typedef struct cleave_split_info {
  double p;
  int repeat;
  uint64_t seed;
  int valid;
  uint64_t kept, train, test;
  double overlap_frac, overlap_maxsim, overlap_meansim;
} cleave_split_info;

CLEAVE_API cleave_status cleave_splits_info(cleave_splits s, size_t k, cleave_split_info* info);
/** side[i] for every node: 0 train, 1 test, 2 validation (partitions), -1 not
 *  in the split; n = node count. */
CLEAVE_API cleave_status cleave_splits_assignment(cleave_splits s, size_t k, int8_t* side,
                                                  uint64_t n);
/** Writes the split set directory (stats.tsv, sp_<p>_r<k>/, manifest.json). */
CLEAVE_API cleave_status cleave_splits_write(cleave_splits s, const char* dir);
CLEAVE_API void cleave_splits_destroy(cleave_splits s);

/* ---- zero-overlap splits by minimum cut (cleave partition) ---- */

typedef struct cleave_partition_options {
  size_t struct_size;    /**< sizeof(cleave_partition_options): set by _init */
  double test_fraction;  /**< default 0.2 */
  double valid_fraction; /**< default 0: no validation side (side value 2) */
  double tolerance;      /**< accepted distance from each fraction; default 0.02 */
  uint32_t tries;        /**< METIS bisections per cut; 0 = by size (default) */
  int mutation_aware;    /**< 1 (default): on mutation graphs also solve on mutations */
  int threads;           /**< 0 = all cores (results do not depend on it) */
} cleave_partition_options;

CLEAVE_API void cleave_partition_options_init(cleave_partition_options* opt);

/** One zero-overlap split per seed, then one per (target, seed) for every
 *  target overlap_frac in targets (target-major; pass {0} for zero overlap
 *  only). Split info's p is the target. cleave_splits_write writes the
 *  min-cut layout (column `target`, folders ov_<t>_r<k>). */
CLEAVE_API cleave_status cleave_partition(cleave_graph g, const cleave_partition_options* opt,
                                          const double* targets, size_t n_targets,
                                          const uint64_t* seeds, size_t n_seeds,
                                          cleave_splits* out);

/* ---- evaluation ---- */

/** AUSPC: trapezoid of the mean score per p (rows need not be sorted; NaN
 * scores are skipped). */
CLEAVE_API cleave_status cleave_auspc(const double* p, const double* score, size_t n,
                                      double* auspc);

#ifdef __cplusplus
}
#endif
#endif /* CLEAVE_CLEAVE_H */
