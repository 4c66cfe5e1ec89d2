/* Plain-C test of C API misuse: NULL, destroyed, foreign and mistyped
 * handles, calls in the wrong order, bad option structs and out-of-range
 * values. Every case must return an error status with a message and never
 * crash (run it under ASan to see that no freed memory is touched). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleave/cleave.h"

#include "c_check.h"

static int cases = 0;

/* The call fails with the status and its message mentions `word`. */
static void expect_error(cleave_status got, cleave_status want, const char* word, int line) {
  ++cases;
  if (got != want) {
    fprintf(stderr, "line %d: status %d, expected %d (%s)\n", line, (int)got, (int)want,
            cleave_last_error());
    ++failures;
  } else if (strlen(cleave_last_error()) == 0 || (word && !strstr(cleave_last_error(), word))) {
    fprintf(stderr, "line %d: message '%s' lacks '%s'\n", line, cleave_last_error(),
            word ? word : "");
    ++failures;
  }
}
#define EXPECT_ERROR(call, want, word) expect_error((call), (want), (word), __LINE__)

static cleave_graph small_graph(void) {
  uint32_t u[6] = {0, 1, 2, 3, 4, 5}, v[6] = {1, 2, 3, 4, 5, 6};
  cleave_graph g = NULL;
  CHECK(cleave_graph_from_edges(12, 6, u, v, NULL, 0.5, 0, &g) == CLEAVE_OK);
  CHECK(g != NULL);
  return g;
}

int main(void) {
  const cleave_status INVALID = CLEAVE_ERROR_INVALID_ARGUMENT;
  cleave_split_options opt;
  cleave_split_options_init(&opt);
  double ps[2] = {0.0, 1.0};
  uint64_t seeds[1] = {7};
  uint64_t n = 0, m = 0;
  size_t count = 0;
  char buf[16];
  int8_t side[12];
  cleave_split_info info;

  /* NULL handles everywhere. */
  EXPECT_ERROR(cleave_graph_size(NULL, &n, &m), INVALID, "NULL");
  EXPECT_ERROR(cleave_graph_id(NULL, 0, buf, sizeof buf), INVALID, "NULL");
  EXPECT_ERROR(cleave_graph_save(NULL, "/tmp/x.cgr"), INVALID, "NULL");
  EXPECT_ERROR(cleave_sweep(NULL, &opt, ps, 2, seeds, 1, NULL), INVALID, NULL);
  cleave_splits s = (cleave_splits)0x1;
  EXPECT_ERROR(cleave_sweep(NULL, &opt, ps, 2, seeds, 1, &s), INVALID, "NULL");
  CHECK(s == NULL); /* out-parameters are cleared on failure */
  EXPECT_ERROR(cleave_splits_count(NULL, &count), INVALID, "NULL");
  EXPECT_ERROR(cleave_splits_info(NULL, 0, &info), INVALID, "NULL");
  EXPECT_ERROR(cleave_splits_assignment(NULL, 0, side, 12), INVALID, "NULL");
  EXPECT_ERROR(cleave_splits_write(NULL, "/tmp/never"), INVALID, "NULL");
  cleave_graph_destroy(NULL);
  cleave_splits_destroy(NULL);
  cleave_split_options_init(NULL);

  /* NULL output and input arguments. */
  cleave_graph g2 = (cleave_graph)0x1;
  EXPECT_ERROR(cleave_graph_load(NULL, &g2), INVALID, "path");
  CHECK(g2 == NULL);
  cleave_graph g = small_graph();
  EXPECT_ERROR(cleave_graph_load("/tmp/x.cgr", NULL), INVALID, "out");
  EXPECT_ERROR(cleave_graph_from_file(NULL, "auto", -1, NULL), INVALID, "out");
  EXPECT_ERROR(cleave_graph_from_file(NULL, "auto", -1, &g2), INVALID, "path");
  EXPECT_ERROR(cleave_graph_from_file("/nonexistent.csv", "nosuchformat", -1, &g2), INVALID,
               "nosuchformat");
  EXPECT_ERROR(cleave_graph_save(g, NULL), INVALID, "path");
  EXPECT_ERROR(cleave_graph_id(g, 0, NULL, 4), INVALID, "buffer");
  EXPECT_ERROR(cleave_graph_id(g, 0, buf, 0), INVALID, "buffer");
  EXPECT_ERROR(cleave_graph_id(g, 12, buf, sizeof buf), INVALID, "out of range");
  EXPECT_ERROR(cleave_graph_from_edges(4, 2, NULL, NULL, NULL, 0.5, 0, &g2), INVALID, "NULL");
  EXPECT_ERROR(cleave_graph_from_edges(~0ull, 0, NULL, NULL, NULL, 0.5, 0, &g2), INVALID,
               "n_nodes");
  EXPECT_ERROR(cleave_graph_from_edges(4, 0, NULL, NULL, NULL, NAN, 0, &g2), INVALID, "NaN");
  uint64_t words[2] = {1, 3};
  EXPECT_ERROR(cleave_graph_from_fingerprints(2, 1, NULL, 0.5, &g2), INVALID, "word");
  EXPECT_ERROR(cleave_graph_from_fingerprints(2, 1, words, 1.5, &g2), INVALID, "threshold");
  EXPECT_ERROR(cleave_graph_from_fingerprints(2, 1, words, NAN, &g2), INVALID, "threshold");
  EXPECT_ERROR(cleave_graph_from_fingerprints(~0ull, 1u << 30, words, 0.5, &g2), INVALID,
               "too many");
  CHECK(g2 == NULL);

  /* Bad options and values for a sweep. */
  EXPECT_ERROR(cleave_sweep(g, NULL, ps, 2, seeds, 1, &s), INVALID, "options");
  cleave_split_options bad = opt;
  bad.struct_size = 0;
  EXPECT_ERROR(cleave_sweep(g, &bad, ps, 2, seeds, 1, &s), INVALID, "struct_size");
  bad.struct_size = sizeof bad + 64; /* from a newer header */
  EXPECT_ERROR(cleave_sweep(g, &bad, ps, 2, seeds, 1, &s), INVALID, "struct_size");
  bad = opt;
  bad.test_fraction = 1.0;
  EXPECT_ERROR(cleave_sweep(g, &bad, ps, 2, seeds, 1, &s), INVALID, "test_fraction");
  bad.test_fraction = NAN;
  EXPECT_ERROR(cleave_sweep(g, &bad, ps, 2, seeds, 1, &s), INVALID, "test_fraction");
  bad = opt;
  bad.backend = 7;
  EXPECT_ERROR(cleave_sweep(g, &bad, ps, 2, seeds, 1, &s), INVALID, "backend");
  bad = opt;
  bad.threads = -3;
  EXPECT_ERROR(cleave_sweep(g, &bad, ps, 2, seeds, 1, &s), INVALID, "threads");
  double bad_ps[2] = {0.5, NAN};
  EXPECT_ERROR(cleave_sweep(g, &opt, bad_ps, 2, seeds, 1, &s), INVALID, "outside");
  bad_ps[1] = 1.5;
  EXPECT_ERROR(cleave_sweep(g, &opt, bad_ps, 2, seeds, 1, &s), INVALID, "outside");
  EXPECT_ERROR(cleave_sweep(g, &opt, ps, 0, seeds, 1, &s), INVALID, "at least one");
  EXPECT_ERROR(cleave_sweep(g, &opt, ps, 2, NULL, 1, &s), INVALID, "at least one");
  CHECK(s == NULL);

  /* A good sweep, then out-of-range queries on it. */
  CHECK(cleave_sweep(g, &opt, ps, 2, seeds, 1, &s) == CLEAVE_OK && s != NULL);
  CHECK(cleave_splits_count(s, &count) == CLEAVE_OK && count == 2);
  EXPECT_ERROR(cleave_splits_count(s, NULL), INVALID, "count");
  EXPECT_ERROR(cleave_splits_info(s, 2, &info), INVALID, "out of range");
  EXPECT_ERROR(cleave_splits_info(s, 0, NULL), INVALID, "info");
  EXPECT_ERROR(cleave_splits_assignment(s, 0, side, 11), INVALID, "nodes");
  EXPECT_ERROR(cleave_splits_assignment(s, 0, NULL, 12), INVALID, "side");
  EXPECT_ERROR(cleave_splits_write(s, NULL), INVALID, "dir");

  /* Mistyped handles: a graph where splits are expected and back. */
  EXPECT_ERROR(cleave_splits_count((cleave_splits)(void*)g, &count), INVALID, "splits handle");
  EXPECT_ERROR(cleave_graph_size((cleave_graph)(void*)s, &n, &m), INVALID, "graph handle");
  /* Foreign pointers (never handed out by the library). */
  char junk[256];
  memset(junk, 0x5a, sizeof junk);
  EXPECT_ERROR(cleave_graph_size((cleave_graph)(void*)junk, &n, &m), INVALID, "graph handle");
  EXPECT_ERROR(cleave_splits_count((cleave_splits)(void*)junk, &count), INVALID, "splits handle");
  cleave_graph_destroy((cleave_graph)(void*)junk); /* a no-op, not a free() */
  cleave_splits_destroy((cleave_splits)(void*)junk);

  /* Destroy the graph first: the splits stay usable (they share its data). */
  cleave_graph_destroy(g);
  EXPECT_ERROR(cleave_graph_size(g, &n, &m), INVALID, "destroyed");
  EXPECT_ERROR(cleave_sweep(g, &opt, ps, 2, seeds, 1, &s), INVALID, "destroyed");
  CHECK(s == NULL);
  cleave_graph_destroy(g); /* twice: a no-op */
  g = small_graph();
  CHECK(cleave_sweep(g, &opt, ps, 2, seeds, 1, &s) == CLEAVE_OK);
  cleave_graph_destroy(g);
  CHECK(cleave_splits_assignment(s, 1, side, 12) == CLEAVE_OK);
  cleave_splits_destroy(s);
  EXPECT_ERROR(cleave_splits_count(s, &count), INVALID, "destroyed");
  EXPECT_ERROR(cleave_splits_info(s, 0, &info), INVALID, "destroyed");
  EXPECT_ERROR(cleave_splits_write(s, "/tmp/never"), INVALID, "destroyed");
  cleave_splits_destroy(s);

  /* Evaluation with bad values. */
  double p3[3] = {0.0, 0.5, 1.0}, sc[3] = {1.0, 0.5, 0.0}, a = 0;
  EXPECT_ERROR(cleave_auspc(p3, sc, 3, NULL), INVALID, "auspc");
  EXPECT_ERROR(cleave_auspc(NULL, sc, 3, &a), INVALID, "two");
  EXPECT_ERROR(cleave_auspc(p3, sc, 1, &a), INVALID, "two");
  p3[1] = -0.5;
  EXPECT_ERROR(cleave_auspc(p3, sc, 3, &a), INVALID, "outside");
  p3[1] = 0.0;
  p3[2] = 0.0;
  EXPECT_ERROR(cleave_auspc(p3, sc, 3, &a), INVALID, "two or more");

  /* A success clears the message. */
  CHECK(cleave_version(NULL, NULL, NULL) != NULL);
  g = small_graph();
  CHECK(strlen(cleave_last_error()) == 0);
  cleave_graph_destroy(g);

  if (failures) {
    fprintf(stderr, "%d of %d misuse checks failed\n", failures, cases);
    return 1;
  }
  printf("c api misuse: %d cases, all rejected cleanly\n", cases);
  return 0;
}
