/* Plain-C test of search and audit through the C API (cleave_search,
 * cleave_audit): generated 64-bit fingerprints in FPS files with repeated
 * rows (ties), every result checked against a brute-force Tanimoto written
 * here (hits at a threshold, the top k, the nearest target with ties by
 * id, ids, the TSV file), the audit's nearest.tsv against the same brute
 * force, a split naming an unknown id rejected with file and line, misuse,
 * and that nothing is printed to stderr. Exits non-zero on a failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleave/cleave.h"

#include "c_check.h"

enum { NQ = 23, NT = 61, TOP = 4 };
static uint64_t qfp[NQ], tfp[NT];

static uint64_t lcg_state = 12345;
static uint64_t next_word(void) {
  /* Sparse words (about 16 bits set) so that similarities spread out. */
  uint64_t w = 0;
  for (int k = 0; k < 3; ++k) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    w = k == 0 ? lcg_state : (w & lcg_state);
  }
  return w | 1; /* never empty */
}

static double tanimoto(uint64_t a, uint64_t b) {
  const int c = __builtin_popcountll(a & b);
  const int u = __builtin_popcountll(a) + __builtin_popcountll(b) - c;
  return (double)c / (double)u;
}

/* Writes n fingerprints as an FPS file (bytes least significant first),
 * ids prefix%02d. */
static void write_fps(const char* path, const uint64_t* fp, int n, const char* prefix) {
  FILE* f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs("#FPS1\n#num_bits=64\n", f);
  for (int i = 0; i < n; ++i) {
    for (int b = 0; b < 8; ++b) fprintf(f, "%02x", (unsigned)((fp[i] >> (8 * b)) & 0xff));
    fprintf(f, "\t%s%02d\n", prefix, i);
  }
  fclose(f);
}

/* Whether target x beats target y for query q: higher similarity, then the
 * smaller id (ids t00, t01, ... sort as their indices). */
static int better(int q, int x, int y) {
  const double sx = tanimoto(qfp[q], tfp[x]), sy = tanimoto(qfp[q], tfp[y]);
  return sx > sy || (sx == sy && x < y);
}

/* The hits of query q at threshold t (or the top k when k > 0), best first. */
static int brute_hits(int q, double t, int k, int* out) {
  int n = 0;
  for (int j = 0; j < NT; ++j) {
    if (!(tanimoto(qfp[q], tfp[j]) >= t)) continue;
    int pos = n++;
    while (pos > 0 && better(q, j, out[pos - 1])) {
      out[pos] = out[pos - 1];
      --pos;
    }
    out[pos] = j;
  }
  return k > 0 && n > k ? k : n;
}

/* Checks a search's hits against brute_hits(threshold t, top k). */
static void check_hits(cleave_hits h, double t, int k) {
  uint64_t nq = 0, nt = 0, nh = 0;
  CHECK(cleave_hits_size(h, &nq, &nt, &nh) == CLEAVE_OK && nq == NQ && nt == NT);
  uint64_t offsets[NQ + 1];
  uint32_t* targets = malloc((nh + 1) * sizeof *targets);
  double* sim = malloc((nh + 1) * sizeof *sim);
  CHECK(cleave_hits_get(h, offsets, targets, sim) == CLEAVE_OK);
  CHECK(offsets[0] == 0 && offsets[NQ] == nh);
  int want[NT];
  for (int q = 0; q < NQ; ++q) {
    const int n = brute_hits(q, t, k, want);
    CHECK(offsets[q + 1] - offsets[q] == (uint64_t)n);
    if (offsets[q + 1] - offsets[q] != (uint64_t)n) continue;
    for (int m = 0; m < n; ++m) {
      CHECK(targets[offsets[q] + m] == (uint32_t)want[m]);
      CHECK(fabs(sim[offsets[q] + m] - tanimoto(qfp[q], tfp[want[m]])) < 1e-12);
    }
  }
  /* The nearest target: the best of all, whatever the threshold. */
  uint32_t nearest[NQ];
  double best[NQ];
  CHECK(cleave_hits_nearest(h, nearest, best) == CLEAVE_OK);
  for (int q = 0; q < NQ; ++q) {
    int b = 0;
    for (int j = 1; j < NT; ++j)
      if (better(q, j, b)) b = j;
    CHECK(nearest[q] == (uint32_t)b && fabs(best[q] - tanimoto(qfp[q], tfp[b])) < 1e-12);
  }
  free(targets);
  free(sim);
}

static int count_lines(const char* path) {
  FILE* f = fopen(path, "r");
  if (!f) return -1;
  int n = 0;
  char line[512];
  while (fgets(line, sizeof line, f)) ++n;
  fclose(f);
  return n;
}

int main(void) {
  const quiet_stderr quiet = quiet_begin();
  for (int i = 0; i < NQ; ++i) qfp[i] = next_word();
  for (int j = 0; j < NT; ++j) tfp[j] = next_word();
  /* Ties: repeated targets, and a query equal to a target. */
  tfp[40] = tfp[7];
  tfp[52] = tfp[7];
  tfp[33] = tfp[12];
  qfp[3] = tfp[52];

  char dir[] = "cleave_search_XXXXXX"; /* in the working directory (the build tree) */
  CHECK(mkdtemp(dir) != NULL);
  char qpath[256], tpath[256], out[256];
  snprintf(qpath, sizeof qpath, "%s/q.fps", dir);
  snprintf(tpath, sizeof tpath, "%s/t.fps", dir);
  write_fps(qpath, qfp, NQ, "q");
  write_fps(tpath, tfp, NT, "t");

  cleave_search_options opt;
  cleave_search_options_init(&opt);
  CHECK(opt.struct_size == sizeof opt && isnan(opt.threshold) && opt.top == 0 &&
        opt.block_rows == 0);
  cleave_context ctx;
  cleave_context_init(&ctx);
  ctx.threads = 2;
  cleave_hits h = NULL;

  /* A threshold: every hit; blocks of 5 queries give the same. */
  opt.threshold = 0.3;
  EXPECT(cleave_search(qpath, tpath, NULL, &opt, &ctx, &h), CLEAVE_OK, NULL);
  check_hits(h, 0.3, 0);
  char id[16];
  CHECK(cleave_hits_query_id(h, 3, id, sizeof id) == CLEAVE_OK && strcmp(id, "q03") == 0);
  CHECK(cleave_hits_target_id(h, 52, id, sizeof id) == CLEAVE_OK && strcmp(id, "t52") == 0);
  EXPECT(cleave_hits_target_id(h, NT, id, sizeof id), CLEAVE_ERROR_INVALID_ARGUMENT,
         "out of range");
  uint64_t nh = 0;
  CHECK(cleave_hits_size(h, NULL, NULL, &nh) == CLEAVE_OK && nh > 0);
  snprintf(out, sizeof out, "%s/hits.tsv", dir);
  EXPECT(cleave_hits_write(h, out), CLEAVE_OK, NULL);
  CHECK(count_lines(out) == (int)nh + 1);
  cleave_hits_destroy(h);
  EXPECT(cleave_hits_size(h, NULL, NULL, &nh), CLEAVE_ERROR_INVALID_ARGUMENT, "live hits");
  cleave_hits_destroy(h); /* a second destroy is a no-op */
  h = NULL;
  opt.block_rows = 5;
  EXPECT(cleave_search(qpath, tpath, NULL, &opt, &ctx, &h), CLEAVE_OK, NULL);
  check_hits(h, 0.3, 0);
  cleave_hits_destroy(h);
  h = NULL;

  /* The top k alone, and with a threshold. */
  opt.threshold = NAN;
  opt.top = TOP;
  EXPECT(cleave_search(qpath, tpath, NULL, &opt, &ctx, &h), CLEAVE_OK, NULL);
  check_hits(h, -1.0, TOP);
  cleave_hits_destroy(h);
  h = NULL;
  opt.threshold = 0.4;
  EXPECT(cleave_search(qpath, tpath, NULL, &opt, &ctx, &h), CLEAVE_OK, NULL);
  check_hits(h, 0.4, TOP);
  cleave_hits_destroy(h);
  h = NULL;

  /* Misuse. */
  opt.threshold = NAN;
  opt.top = 0;
  EXPECT(cleave_search(qpath, tpath, NULL, &opt, &ctx, &h), CLEAVE_ERROR_INVALID_ARGUMENT,
         "threshold");
  opt.threshold = 1.5;
  EXPECT(cleave_search(qpath, tpath, NULL, &opt, &ctx, &h), CLEAVE_ERROR_INVALID_ARGUMENT,
         "outside");
  opt.threshold = 0.3;
  EXPECT(cleave_search(qpath, tpath, NULL, NULL, &ctx, &h), CLEAVE_ERROR_INVALID_ARGUMENT,
         "cleave_search_options_init");
  EXPECT(cleave_search(NULL, tpath, NULL, &opt, &ctx, &h), CLEAVE_ERROR_INVALID_ARGUMENT,
         "query_path");
  EXPECT(cleave_search(qpath, tpath, NULL, &opt, &ctx, NULL), CLEAVE_ERROR_INVALID_ARGUMENT, "out");
  EXPECT(cleave_search(qpath, CLEAVE_TEST_DATA "/no_such.fps", NULL, &opt, &ctx, &h),
         CLEAVE_ERROR_IO, "no_such.fps");
  EXPECT(cleave_search(qpath, CLEAVE_TEST_DATA "/seq_proteins.fasta", NULL, &opt, &ctx, &h),
         CLEAVE_ERROR_INVALID_ARGUMENT, "one kind");
  CHECK(h == NULL);
  EXPECT(cleave_hits_write(NULL, out), CLEAVE_ERROR_INVALID_ARGUMENT, "NULL");

  /* Audit: the targets split into train (even) and test (odd); each test
   * sample's nearest train sample as brute force finds it. */
  char split[256], path[256], audit[256];
  snprintf(split, sizeof split, "%s/split", dir);
  CHECK(mkdir(split, 0755) == 0);
  FILE* tr;
  FILE* te;
  snprintf(path, sizeof path, "%s/train.txt", split);
  tr = fopen(path, "w");
  snprintf(path, sizeof path, "%s/test.txt", split);
  te = fopen(path, "w");
  CHECK(tr && te);
  for (int j = 0; j < NT; ++j) fprintf(j % 2 ? te : tr, "t%02d\n", j);
  fclose(tr);
  fclose(te);
  cleave_audit_options aopt;
  cleave_audit_options_init(&aopt);
  CHECK(aopt.struct_size == sizeof aopt && isnan(aopt.threshold) && aopt.levels == NULL &&
        aopt.against_validation == 0);
  snprintf(audit, sizeof audit, "%s/audit", dir);
  EXPECT(cleave_audit(tpath, split, NULL, &aopt, &ctx, audit), CLEAVE_OK, NULL);
  snprintf(path, sizeof path, "%s/nearest.tsv", audit);
  FILE* f = fopen(path, "r");
  CHECK(f != NULL);
  int rows = 0;
  if (f) {
    char line[256];
    CHECK(fgets(line, sizeof line, f) != NULL); /* header */
    char sid[16], side[16], nid[16];
    double sim = 0;
    while (fscanf(f, "%15s %15s %15s %lf", sid, side, nid, &sim) == 4) {
      const int j = atoi(sid + 1);
      int b = -1;
      for (int k = 0; k < NT; k += 2) {
        const double s = tanimoto(tfp[j], tfp[k]);
        if (b < 0 || s > tanimoto(tfp[j], tfp[b])) b = k;
      }
      CHECK(j % 2 == 1 && strcmp(side, "test") == 0 && atoi(nid + 1) == b);
      CHECK(fabs(sim - tanimoto(tfp[j], tfp[b])) < 1e-6);
      ++rows;
    }
    fclose(f);
  }
  CHECK(rows == NT / 2);
  snprintf(path, sizeof path, "%s/summary.tsv", audit);
  CHECK(count_lines(path) == 2);
  const double levels[2] = {0.5, 0.9};
  aopt.levels = levels;
  EXPECT(cleave_audit(tpath, split, NULL, &aopt, &ctx, audit), CLEAVE_ERROR_INVALID_ARGUMENT,
         "n_levels");
  aopt.n_levels = 2;
  EXPECT(cleave_audit(tpath, split, NULL, &aopt, &ctx, audit), CLEAVE_OK, NULL);
  /* An unknown id: file and line. */
  snprintf(path, sizeof path, "%s/test.txt", split);
  f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) {
    fputs("t01\nnope\n", f);
    fclose(f);
  }
  EXPECT(cleave_audit(tpath, split, NULL, &aopt, &ctx, audit), CLEAVE_ERROR_FORMAT,
         "test.txt:2: id 'nope'");
  EXPECT(cleave_audit(tpath, split, NULL, NULL, &ctx, audit), CLEAVE_ERROR_INVALID_ARGUMENT,
         "cleave_audit_options_init");

  /* Tidy up the temporary folder. */
  const char* names[] = {"audit/nearest.tsv",
                         "audit/summary.tsv",
                         "audit/report.html",
                         "split/train.txt",
                         "split/test.txt",
                         "hits.tsv",
                         "q.fps",
                         "t.fps"};
  for (size_t k = 0; k < sizeof names / sizeof *names; ++k) {
    snprintf(path, sizeof path, "%s/%s", dir, names[k]);
    remove(path);
  }
  rmdir(audit);
  rmdir(split);
  rmdir(dir);
  quiet_end(quiet);
  return finish("c api search");
}
