/* Plain-C test of paired data through the C API (cleave_paired_splits):
 * the options' defaults, protein-protein and drug-target pairs from the
 * vendored CSVs (tests/data/paired_*.csv, paired_targets.fasta) as sweeps
 * and partitions, one side per pair whose counts match the split info, the
 * cold-both invariant at p = 1 checked on the pairs' protein ids (no
 * protein of a test pair appears in a train pair), the context's progress
 * callback and cancel flag, errors naming file and line, and that nothing
 * is printed to stderr. Side-for-side equality with the C++ library and the
 * CLI is tests/split/test_paired_c_api.cpp. Exits non-zero on a failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleave/cleave.h"

#include "c_check.h"

static int progress_calls = 0;
static void on_progress(const char* stage, uint64_t done, uint64_t total, void* user) {
  (void)user;
  CHECK(stage != NULL && done <= total);
  ++progress_calls;
}

static void cancel_on_progress(const char* stage, uint64_t done, uint64_t total, void* user) {
  (void)stage, (void)done, (void)total;
  __atomic_store_n((int*)user, 1, __ATOMIC_RELAXED);
}

enum { MAX_PAIRS = 200 };
static char pa[MAX_PAIRS][16], pb[MAX_PAIRS][16];

/* The protein ids of paired_ppi.csv (id,protein_a,protein_b,label), in row order. */
static int read_ppi(const char* path) {
  FILE* f = fopen(path, "r");
  CHECK(f != NULL);
  if (!f) return 0;
  char line[256];
  int n = 0;
  CHECK(fgets(line, sizeof line, f) != NULL); /* header */
  while (n < MAX_PAIRS && fgets(line, sizeof line, f)) {
    char id[32];
    if (sscanf(line, "%31[^,],%15[^,],%15[^,]", id, pa[n], pb[n]) == 3) ++n;
  }
  fclose(f);
  return n;
}

/* Every valid split's side counts equal its info; with check_cold_both, at
 * p = 1 no protein of a test pair appears in a train pair. Returns the valid
 * splits. */
static size_t check_splits(cleave_splits s, uint64_t n, int check_cold_both) {
  size_t count = 0, valid = 0;
  CHECK(cleave_splits_count(s, &count) == CLEAVE_OK && count > 0);
  int8_t side[MAX_PAIRS];
  for (size_t k = 0; k < count; ++k) {
    cleave_split_info info;
    CHECK(cleave_splits_info(s, k, &info) == CLEAVE_OK);
    if (!info.valid) continue;
    ++valid;
    CHECK(cleave_splits_assignment(s, k, side, n) == CLEAVE_OK);
    uint64_t tr = 0, te = 0;
    for (uint64_t i = 0; i < n; ++i) {
      tr += side[i] == 0;
      te += side[i] == 1;
    }
    CHECK(tr == info.train && te == info.test && tr + te == info.kept);
    if (!check_cold_both || info.p != 1.0) continue;
    CHECK(info.overlap_frac == 0.0);
    for (uint64_t i = 0; i < n; ++i) {
      if (side[i] != 1) continue;
      for (uint64_t j = 0; j < n; ++j) {
        if (side[j] != 0) continue;
        CHECK(strcmp(pa[i], pa[j]) && strcmp(pa[i], pb[j]) && strcmp(pb[i], pa[j]) &&
              strcmp(pb[i], pb[j]));
      }
    }
  }
  /* One side per pair: any other count is refused. */
  CHECK(cleave_splits_assignment(s, 0, side, n - 1) == CLEAVE_ERROR_INVALID_ARGUMENT);
  return valid;
}

int main(void) {
  const quiet_stderr quiet = quiet_begin();

  const char* ppi = CLEAVE_TEST_DATA "/paired_ppi.csv";
  const char* fasta = CLEAVE_TEST_DATA "/paired_targets.fasta";
  const int n_ppi = read_ppi(ppi);
  CHECK(n_ppi == 100);

  cleave_paired_options opt;
  cleave_paired_options_init(&opt);
  CHECK(opt.struct_size == sizeof opt && opt.kind == NULL && opt.cold == NULL &&
        opt.method == NULL && opt.fasta == NULL && opt.drug_threshold == 0.4 && opt.radius == 2 &&
        opt.nbits == 2048 && isnan(opt.identity_threshold) && opt.sensitivity == 5.0 &&
        opt.test_fraction == 0.2 && opt.min_kept == 5 && opt.tolerance == 0.02 && opt.tries == 0 &&
        opt.context == NULL);

  cleave_context ctx;
  cleave_context_init(&ctx);
  ctx.progress = on_progress;
  double ps[3] = {0.0, 0.5, 1.0};
  uint64_t seeds[2] = {1, 2};
  cleave_splits s = NULL;

  /* Protein-protein, cold both (the default): sweep and partition. */
  opt.kind = "protein-protein";
  opt.fasta = fasta;
  opt.context = &ctx;
  EXPECT(cleave_paired_splits(ppi, &opt, ps, 3, seeds, 2, &s), CLEAVE_OK, NULL);
  CHECK(check_splits(s, (uint64_t)n_ppi, 1) > 0);
  CHECK(progress_calls > 0);
  /* The nodes are the pairs, named by the CSV's id column. */
  uint64_t nodes = 0;
  char pair_id[8];
  CHECK(cleave_splits_nodes(s, &nodes) == CLEAVE_OK && nodes == (uint64_t)n_ppi);
  CHECK(cleave_splits_id(s, 1, pair_id, sizeof pair_id) == CLEAVE_OK && strcmp(pair_id, "x2") == 0);
  EXPECT(cleave_splits_id(s, nodes, pair_id, sizeof pair_id), CLEAVE_ERROR_INVALID_ARGUMENT,
         "out of range");
  cleave_splits_destroy(s);
  s = NULL;
  opt.method = "partition";
  EXPECT(cleave_paired_splits(ppi, &opt, NULL, 0, seeds, 2, &s), CLEAVE_OK, NULL);
  CHECK(check_splits(s, (uint64_t)n_ppi, 0) == 2);
  cleave_split_info info;
  CHECK(cleave_splits_info(s, 0, &info) == CLEAVE_OK && info.p == 0.0 && info.seed == 1 &&
        info.overlap_frac == 0.0);
  cleave_splits_destroy(s);
  s = NULL;

  /* Cancelled from the progress callback. */
  int stop = 0;
  ctx.progress = cancel_on_progress;
  ctx.progress_user = &stop;
  ctx.cancel = &stop;
  opt.method = NULL;
  EXPECT(cleave_paired_splits(ppi, &opt, ps, 3, seeds, 2, &s), CLEAVE_ERROR_CANCELLED, "cancel");
  CHECK(s == NULL);
  opt.context = NULL;

  /* Bad input: file and line. */
  char dir[] = "cleave_paired_XXXXXX"; /* in the working directory (the build tree) */
  CHECK(mkdtemp(dir) != NULL);
  char bad[256];
  snprintf(bad, sizeof bad, "%s/pp.csv", dir);
  FILE* f = fopen(bad, "w");
  CHECK(f != NULL);
  fputs("id,protein_a,protein_b\nx1,T0a,T1a\nx2,T0b,nope\n", f);
  fclose(f);
  EXPECT(cleave_paired_splits(bad, &opt, ps, 3, seeds, 2, &s), CLEAVE_ERROR_FORMAT,
         "pp.csv:3: protein 'nope' is not in");
  opt.protein_a_column = "a";
  EXPECT(cleave_paired_splits(ppi, &opt, ps, 3, seeds, 2, &s), CLEAVE_ERROR_FORMAT,
         "paired_ppi.csv:1: no column 'a'");
  opt.protein_a_column = NULL;
  remove(bad);
  rmdir(dir);
  EXPECT(cleave_paired_splits(CLEAVE_TEST_DATA "/no_such.csv", &opt, ps, 3, seeds, 2, &s),
         CLEAVE_ERROR_IO, "no_such.csv");

  /* Misuse. */
  EXPECT(cleave_paired_splits(NULL, &opt, ps, 3, seeds, 2, &s), CLEAVE_ERROR_INVALID_ARGUMENT,
         "csv is NULL");
  EXPECT(cleave_paired_splits(ppi, NULL, ps, 3, seeds, 2, &s), CLEAVE_ERROR_INVALID_ARGUMENT,
         "cleave_paired_options_init");
  EXPECT(cleave_paired_splits(ppi, &opt, ps, 3, seeds, 0, &s), CLEAVE_ERROR_INVALID_ARGUMENT,
         "seed");
  EXPECT(cleave_paired_splits(ppi, &opt, ps, 3, seeds, 2, NULL), CLEAVE_ERROR_INVALID_ARGUMENT,
         "out");
  opt.cold = "sideways";
  EXPECT(cleave_paired_splits(ppi, &opt, ps, 3, seeds, 2, &s), CLEAVE_ERROR_INVALID_ARGUMENT,
         "one or both");
  opt.cold = NULL;
  opt.kind = "rna-rna";
  EXPECT(cleave_paired_splits(ppi, &opt, ps, 3, seeds, 2, &s), CLEAVE_ERROR_INVALID_ARGUMENT,
         "drug-target or protein-protein");
  CHECK(s == NULL);

#ifdef CLEAVE_HAVE_RDKIT
  /* Drug-target, cold target, ids of the FASTA. */
  cleave_paired_options_init(&opt);
  opt.cold = "target";
  opt.fasta = fasta;
  EXPECT(cleave_paired_splits(CLEAVE_TEST_DATA "/paired_dt.csv", &opt, ps, 3, seeds, 2, &s),
         CLEAVE_OK, NULL);
  CHECK(check_splits(s, 138, 0) > 0);
  cleave_splits_destroy(s);
  s = NULL;
  opt.target_column = "nope";
  EXPECT(cleave_paired_splits(CLEAVE_TEST_DATA "/paired_dt.csv", &opt, ps, 3, seeds, 2, &s),
         CLEAVE_ERROR_FORMAT, "paired_dt.csv:1: no column 'nope'");
#endif

  quiet_end(quiet);
  return finish("c api paired");
}
