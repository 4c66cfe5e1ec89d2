/* cleave C API: overlap graphs, SPECTRA split sweeps and AUSPC for C and
 * other languages. No CUDA types; every call returns a status (CLEAVE_OK = 0)
 * and on failure sets a thread-local message read by cleave_last_error().
 * Handles are opaque, created through out-parameters and destroyed by their
 * own destroy call (destroying NULL is a no-op). A NULL, destroyed or foreign
 * handle, or one of the wrong kind, is reported as
 * CLEAVE_ERROR_INVALID_ARGUMENT (the library keeps a registry of live handles
 * and never dereferences one it did not hand out); destroying such a handle
 * again is a no-op.
 *
 * The library prints nothing from inside a call: warnings (skipped records,
 * a CUDA fallback to the CPU) go to the log callback of a cleave_context,
 * or are dropped when there is none; progress goes to its progress callback.
 * Calls that take a context also take NULL for the defaults. */
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
  CLEAVE_ERROR_CUDA = 6,
  CLEAVE_ERROR_CANCELLED = 7 /**< the context's cancel flag was set */
} cleave_status;

typedef struct cleave_graph_s* cleave_graph;
typedef struct cleave_splits_s* cleave_splits;
typedef struct cleave_hits_s* cleave_hits;

/** Message of the last failed call on this thread ("" when none). */
CLEAVE_API const char* cleave_last_error(void);
/** Version as "MAJOR.MINOR.PATCH", and as numbers (any pointer may be NULL). */
CLEAVE_API const char* cleave_version(int* major, int* minor, int* patch);

/* ---- context: shared settings of long calls ---- */

/** Receives one warning (UTF-8, no trailing newline). */
typedef void (*cleave_log_fn)(const char* message, void* user);
/** Progress of a stage ("fingerprint similarity", "splits", ...): done of
 * total units; called at most every 0.1 s and once at the stage's end, from
 * any thread. */
typedef void (*cleave_progress_fn)(const char* stage, uint64_t done, uint64_t total, void* user);

typedef struct cleave_context {
  size_t struct_size;   /**< sizeof(cleave_context): set by _init */
  int backend;          /**< 0 auto (default), 1 cpu, 2 cuda */
  int threads;          /**< 0 = all cores */
  uint64_t max_memory;  /**< bytes for all-pairs work; 0 = a quarter of RAM */
  const char* work_dir; /**< checkpoints of a resumable graph build; NULL = none */
  cleave_log_fn log;    /**< NULL: warnings are dropped */
  void* log_user;
  cleave_progress_fn progress; /**< NULL: no progress reports */
  void* progress_user;
  /** Polled (an atomic load) between tiles of all-pairs work, splits and
   * partitions, from any thread: once *cancel != 0 the call returns
   * CLEAVE_ERROR_CANCELLED (a graph build with work_dir keeps its finished
   * tiles). Set it with an atomic store when other threads run. NULL: none. */
  const volatile int* cancel;
} cleave_context;

CLEAVE_API void cleave_context_init(cleave_context* ctx);

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

/** Every setting of a dataset's graph, as `cleave graph` has them. Strings
 * may be NULL for their default; settings of other kinds are ignored. */
typedef struct cleave_graph_options {
  size_t struct_size;  /**< sizeof(cleave_graph_options): set by _init */
  const char* format;  /**< files: "auto" (default), csv, smi, fps, dms, pairs, fasta, npy */
  double threshold;    /**< NAN (default): 0.4 fingerprints, identity 0.3 protein /
                            0.9 DNA, cosine 0.9, pairs > 0; DMS takes none */
  const char* measure; /**< fingerprints: "tanimoto" (default), "dice", "cosine" */
  /* SMILES */
  const char* id_column;     /**< CSV: NULL = auto (id, name, CID, ...) */
  const char* smiles_column; /**< CSV: NULL = auto (smiles, SMILES, ...) */
  uint32_t radius;           /**< Morgan radius, default 2 */
  uint32_t nbits;            /**< Morgan bits, default 2048 */
  int strict;                /**< 1: an unparseable SMILES is an error; 0 (default): skipped */
  size_t max_smiles_length;  /**< a longer SMILES is a format error; default 10000 */
  /* labels and ids from beside the input */
  const char* label_column;     /**< label column of the input or of labels_file */
  const char* labels_file;      /**< CSV joining labels by id */
  const char* labels_id_column; /**< id column of labels_file (NULL: the first) */
  const char* ids_file;         /**< one id per line for pairs and NPY files */
  /* sequences (FASTA files, cleave_graph_from_sequences) */
  const char* alphabet; /**< "auto" (default), "protein", "dna" */
  const char* invalid;  /**< residues outside it: "error" (default), "replace", "skip" */
  const char* align;    /**< "global" (default) or "local" */
  int gap_open;         /**< < 0 (default): 11 protein, 5 DNA */
  int gap_extend;       /**< < 0 (default): 1 protein, 2 DNA */
  int match;            /**< DNA, default 2 */
  int mismatch;         /**< DNA, default -3 */
  const char* identity; /**< "auto" (default), "full", "aligned", "shorter" */
  const char* search;   /**< "auto" (default), "exhaustive", "prefilter" */
  double sensitivity;   /**< prefilter, 1 to 9, default 5 */
  /* DMS */
  const char* mutant_column; /**< default "mutant" */
  /* embeddings */
  const char* gemm_precision; /**< CUDA GEMM inputs: "fp32" (default, NULL), "tf32" or "bf16";
                                   candidates are re-checked in fp32, so the edges and weights
                                   are the same; the cpu backend computes in fp32 */
} cleave_graph_options;

CLEAVE_API void cleave_graph_options_init(cleave_graph_options* opt);

/** Longest line of text input accepted by every reader (a longer one is a
 * format error naming file and line); 0 restores the default, 64 MiB.
 * Process-wide: set it before reading. */
CLEAVE_API void cleave_set_max_line_length(size_t bytes);

/** Graph of a dataset file with every setting (opt and ctx may be NULL). */
CLEAVE_API cleave_status cleave_graph_from_file_ex(const char* path,
                                                   const cleave_graph_options* opt,
                                                   const cleave_context* ctx, cleave_graph* out);
/** Graph of n SMILES (Morgan fingerprints as opt says); ids may be NULL
 * ("0", "1", ...). An unparseable SMILES is skipped (and warned about)
 * unless opt->strict. */
CLEAVE_API cleave_status cleave_graph_from_smiles(size_t n, const char* const* smiles,
                                                  const char* const* ids,
                                                  const cleave_graph_options* opt,
                                                  const cleave_context* ctx, cleave_graph* out);
/** Graph of n protein or DNA sequences (letters; opt->alphabet, default
 * detected) by alignment identity; ids may be NULL. */
CLEAVE_API cleave_status cleave_graph_from_sequences(size_t n, const char* const* sequences,
                                                     const char* const* ids,
                                                     const cleave_graph_options* opt,
                                                     const cleave_context* ctx, cleave_graph* out);
/** Graph of an n x dim float32 matrix (row-major) by cosine similarity;
 * rows must be finite and nonzero; ids may be NULL. */
CLEAVE_API cleave_status cleave_graph_from_embeddings(uint64_t n, uint32_t dim, const float* values,
                                                      const char* const* ids,
                                                      const cleave_graph_options* opt,
                                                      const cleave_context* ctx, cleave_graph* out);
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
  /** Log, progress and cancel of the sweep (NULL: none); its backend and
   * threads are not used (the fields above are). */
  const cleave_context* context;
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
 *  in the split (k-fold partitions: the fold 0..K-1, or -1); n = node count. */
CLEAVE_API cleave_status cleave_splits_assignment(cleave_splits s, size_t k, int8_t* side,
                                                  uint64_t n);
/** Number of nodes the splits' assignments cover (the graph's nodes; for
 *  paired data, the pairs). */
CLEAVE_API cleave_status cleave_splits_nodes(cleave_splits s, uint64_t* n_nodes);
/** Copies the id of node i (for paired data: pair i's id, as the CSV's id
 *  column or the row number gives it; NUL-terminated, truncated to size)
 *  into buf. */
CLEAVE_API cleave_status cleave_splits_id(cleave_splits s, uint64_t i, char* buf, size_t size);
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
  /** K >= 2: K folds with no edge between any two instead of train/test
   * (side value = fold, 0..K-1; fractions and targets are not used; pass
   * targets {0}); 0 (default): train/test. */
  uint32_t folds;
  const cleave_context* context; /**< log, progress and cancel (NULL: none) */
  /** One numeric label per node (NULL, the default: none). With labels,
   * cleave_splits_write also writes strata.tsv: kept samples per split,
   * side and stratum (classes when the labels are integers with at most 20
   * values, otherwise `strata` quantile bins). */
  const double* labels;
  uint32_t strata; /**< quantile bins for numeric labels, 2 to 100; default 5 */
  /** 1: stratify each zero-overlap split (or fold set) by moving whole kept
   * components between sides, as `cleave partition --stratify`; needs
   * labels and the single target 0. Default 0. */
  int stratify;
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

/* ---- paired data (cleave paired): drug-target and protein-protein pairs ---- */

/** Every setting of a split of pairs read from a CSV, as `cleave paired` has
 * them. Strings may be NULL for their default. A setting of the other kind
 * of pairs, or of the other method, changed from its default is refused. */
typedef struct cleave_paired_options {
  size_t struct_size; /**< sizeof(cleave_paired_options): set by _init */
  const char* kind;   /**< "drug-target" (default) or "protein-protein" */
  /** Drug-target: "drug" (default: test drugs unlike train drugs),
   * "target" or "both"; protein-protein: "one" (every test pair has a
   * protein unlike all train proteins) or "both" (default: both unlike). */
  const char* cold;
  const char* method;       /**< "spectra" (default; also "sweep") or "partition" */
  const char* id_column;    /**< NULL: "id" when present, else r1, r2, ... */
  const char* label_column; /**< NULL: "label" when present; "-": none */
  /** Drug-target: the target column holds ids of this FASTA (NULL: it holds
   * the sequences); protein-protein (required): the FASTA of both columns. */
  const char* fasta;
  /* drug-target */
  const char* drug_column;   /**< column of SMILES, default "smiles" */
  const char* target_column; /**< column of sequences or FASTA ids, default "target" */
  double drug_threshold;     /**< drugs similar at Tanimoto >= this; default 0.4 */
  uint32_t radius;           /**< Morgan radius, default 2 */
  uint32_t nbits;            /**< Morgan bits, default 2048 */
  /* protein-protein */
  const char* protein_a_column; /**< default "protein_a" */
  const char* protein_b_column; /**< default "protein_b" */
  /* targets or proteins: alignment identity (refused with cold drug, which
   * builds no target graph) */
  double identity_threshold; /**< NAN (default): 0.3 protein, 0.9 DNA */
  const char* align;         /**< "global" (default) or "local" */
  const char* identity;      /**< "auto" (default), "full", "aligned", "shorter" */
  const char* search;        /**< "auto" (default), "exhaustive", "prefilter" */
  double sensitivity;        /**< prefilter, 1 to 9, default 5 */
  /* splits */
  double test_fraction; /**< share of kept pairs in test; default 0.2 */
  int weighted;         /**< spectra: 1 = weighted mode; default 0 */
  uint64_t min_kept;    /**< spectra: no split with this many or fewer kept pairs; default 5 */
  double tolerance;     /**< partition: accepted distance from test_fraction; default 0.02 */
  uint32_t tries;       /**< partition: METIS bisections per cut; 0 = by size (default) */
  /** Backend, threads and memory of the entity graphs; log, progress and
   * cancel of the whole call (NULL: the defaults, nothing reported). */
  const cleave_context* context;
} cleave_paired_options;

CLEAVE_API void cleave_paired_options_init(cleave_paired_options* opt);

/** Splits of the pairs in a CSV (one row a pair), cold on the side(s)
 *  opt->cold names, as `cleave paired`: the entity graph(s) (drugs: Morgan
 *  Tanimoto; targets and proteins: alignment identity) are built, split,
 *  and the sides lifted to the pairs. Method spectra: every (p, seed) of
 *  ps x seeds, p-major (at p = 1 no test pair shares a similar entity with
 *  a train pair on the cold side(s)); method partition: one zero-overlap
 *  min-cut split per seed (pass ps = NULL, n_ps = 0; split info's p is 0).
 *  The splits' nodes are the pairs, in file order: cleave_splits_assignment
 *  takes one side per pair, and cleave_splits_write writes the split set
 *  `cleave paired` writes. A bad row, a missing column or a target id not
 *  in the FASTA is CLEAVE_ERROR_FORMAT naming file and line. */
CLEAVE_API cleave_status cleave_paired_splits(const char* csv, const cleave_paired_options* opt,
                                              const double* ps, size_t n_ps, const uint64_t* seeds,
                                              size_t n_seeds, cleave_splits* out);

/* ---- search and audit (cleave search, cleave audit) ---- */

typedef struct cleave_search_options {
  size_t struct_size; /**< sizeof(cleave_search_options): set by _init */
  /** Hits are targets with similarity >= threshold; NAN (default): no
   * threshold, then top must be > 0. */
  double threshold;
  uint32_t top; /**< k > 0: only the k most similar targets of each query; 0 (default): all hits */
  /** Queries per block; 0 (default): chosen from the context's max_memory
   * and threads (a resumed search keeps its checkpoint's). */
  uint64_t block_rows;
} cleave_search_options;

CLEAVE_API void cleave_search_options_init(cleave_search_options* opt);

/** Every query of one dataset file against every target of another, exact,
 *  as `cleave search`: both files are read with data_opt (NULL: the
 *  defaults; its threshold is not used) and must hold features of one kind
 *  (SMILES/FPS fingerprints, FASTA sequences, NPY embeddings), compared as
 *  the graph compares them (data_opt's measure; alignment identity with its
 *  alignment settings; cosine). Ties between targets go to the smaller id.
 *  The context's threads, max_memory, work_dir (each finished block of
 *  queries is kept there and a rerun resumes), progress and cancel apply,
 *  and its backend: 2 (cuda) runs a fingerprint search on the GPU with the
 *  same results (CLEAVE_ERROR_CUDA without a usable device); 0 (auto) and
 *  1 run on the CPU.
 *  Every hit is held in *out; `cleave search` streams hits that would not
 *  fit in memory to a file instead. */
CLEAVE_API cleave_status cleave_search(const char* query_path, const char* target_path,
                                       const cleave_graph_options* data_opt,
                                       const cleave_search_options* opt, const cleave_context* ctx,
                                       cleave_hits* out);
/** Queries, targets and hits of a search (any pointer may be NULL). */
CLEAVE_API cleave_status cleave_hits_size(cleave_hits h, uint64_t* n_queries, uint64_t* n_targets,
                                          uint64_t* n_hits);
/** Every query's hits: those of query q are entries offsets[q] to
 *  offsets[q + 1] - 1 of targets (indices into the target file's samples)
 *  and similarity, by descending similarity, ties by target id. offsets
 *  takes n_queries + 1 values, the others n_hits; any may be NULL. */
CLEAVE_API cleave_status cleave_hits_get(cleave_hits h, uint64_t* offsets, uint32_t* targets,
                                         double* similarity);
/** Each query's nearest target and their similarity (n_queries values
 *  each; either may be NULL): UINT32_MAX and NaN when there are no targets. */
CLEAVE_API cleave_status cleave_hits_nearest(cleave_hits h, uint32_t* nearest,
                                             double* max_similarity);
/** Copies the id of query q (or of target t), as cleave_graph_id does. */
CLEAVE_API cleave_status cleave_hits_query_id(cleave_hits h, uint64_t q, char* buf, size_t size);
CLEAVE_API cleave_status cleave_hits_target_id(cleave_hits h, uint64_t t, char* buf, size_t size);
/** Writes the TSV `cleave search` writes (query_id, target_id, similarity
 *  with six decimals), to a temporary name renamed into place. */
CLEAVE_API cleave_status cleave_hits_write(cleave_hits h, const char* path);
CLEAVE_API void cleave_hits_destroy(cleave_hits h);

typedef struct cleave_audit_options {
  size_t struct_size; /**< sizeof(cleave_audit_options): set by _init */
  /** Graph threshold of the overlap columns (overlap_frac, ...); NAN
   * (default): the graph's default for the kind (0.4 fingerprints, 0.3
   * proteins, 0.9 DNA, 0.9 cosine). */
  double threshold;
  /** Levels of summary.tsv's frac_ge columns; NULL (default): 0.3, 0.4, ..., 1.0. */
  const double* levels;
  size_t n_levels;
  int against_validation;      /**< 1: the reference is train and validation; 0 (default): train */
  const char* split_column;    /**< CSV split: column of train/valid/test; NULL: "split" */
  const char* split_id_column; /**< CSV split: column of ids; NULL: the first */
} cleave_audit_options;

CLEAVE_API void cleave_audit_options_init(cleave_audit_options* opt);

/** Audits an existing split of a dataset file, as `cleave audit`: for each
 *  test (and validation) sample its nearest reference sample and their
 *  similarity, exact. split_path is a folder with train.txt and test.txt
 *  (validation.txt optional), a CSV with a split column, or a split set of
 *  `cleave split` / `cleave partition` (every split audited). Writes
 *  out_dir/nearest.tsv, summary.tsv and report.html. Unknown or repeated
 *  ids are CLEAVE_ERROR_FORMAT naming file and line. The context applies as
 *  for cleave_search (a split set keeps one checkpoint folder per split). */
CLEAVE_API cleave_status cleave_audit(const char* data_path, const char* split_path,
                                      const cleave_graph_options* data_opt,
                                      const cleave_audit_options* opt, const cleave_context* ctx,
                                      const char* out_dir);

/* ---- evaluation ---- */

/** AUSPC: trapezoid of the mean score per p (rows need not be sorted; NaN
 * scores are skipped). */
CLEAVE_API cleave_status cleave_auspc(const double* p, const double* score, size_t n,
                                      double* auspc);

#ifdef __cplusplus
}
#endif
#endif /* CLEAVE_CLEAVE_H */
