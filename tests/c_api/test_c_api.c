/* Plain-C test of the C API: builds a graph, runs a sweep, reads splits back,
 * checks invariants and error reporting. Exits non-zero on the first failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleave/cleave.h"

#include "c_check.h"

int main(void) {
  int major = -1, minor = -1, patch = -1;
  const char* v = cleave_version(&major, &minor, &patch);
  CHECK(v != NULL && strlen(v) >= 5);
  CHECK(major >= 0 && minor >= 0 && patch >= 0);

  /* A ring of 60 nodes plus chords: not a clique, every node has neighbours. */
  enum { N = 60 };
  uint32_t u[2 * N], w[2 * N];
  float wt[2 * N];
  uint64_t m = 0;
  for (uint32_t i = 0; i < N; ++i) {
    u[m] = i;
    w[m] = (i + 1) % N;
    wt[m] = 0.5f;
    ++m;
    u[m] = i;
    w[m] = (i + 7) % N;
    wt[m] = 0.8f;
    ++m;
  }
  cleave_graph g = NULL;
  CHECK(cleave_graph_from_edges(N, m, u, w, wt, 0.4, 0, &g) == CLEAVE_OK);
  uint64_t nn = 0, ne = 0;
  CHECK(cleave_graph_size(g, &nn, &ne) == CLEAVE_OK);
  CHECK(nn == N && ne == 2 * N);

  cleave_split_options opt;
  cleave_split_options_init(&opt);
  CHECK(opt.struct_size == sizeof opt && opt.test_fraction == 0.2);
  double ps[3] = {0.0, 0.5, 1.0};
  uint64_t seeds[2] = {42, 44};
  cleave_splits s = NULL;
  CHECK(cleave_sweep(g, &opt, ps, 3, seeds, 2, &s) == CLEAVE_OK);
  size_t count = 0;
  CHECK(cleave_splits_count(s, &count) == CLEAVE_OK && count == 6);
  for (size_t k = 0; k < count; ++k) {
    cleave_split_info info;
    CHECK(cleave_splits_info(s, k, &info) == CLEAVE_OK);
    if (!info.valid) continue;
    int8_t side[N];
    CHECK(cleave_splits_assignment(s, k, side, N) == CLEAVE_OK);
    uint64_t tr = 0, te = 0;
    for (int i = 0; i < N; ++i) {
      tr += side[i] == 0;
      te += side[i] == 1;
    }
    CHECK(tr == info.train && te == info.test);
    if (info.p == 0.0) CHECK(info.kept == N); /* p = 0 keeps everyone */
    if (info.p == 1.0) {
      /* binary mode at p = 1: no edge joins train and test */
      for (uint64_t e = 0; e < m; ++e)
        CHECK(!((side[u[e]] == 0 && side[w[e]] == 1) || (side[u[e]] == 1 && side[w[e]] == 0)));
      CHECK(info.overlap_frac == 0.0);
    }
  }

  /* Zero-overlap partition and one target overlap: no train-test edge at 0. */
  cleave_partition_options popt;
  cleave_partition_options_init(&popt);
  CHECK(popt.struct_size == sizeof popt && popt.test_fraction == 0.2 && popt.tolerance == 0.02);
  double targets[2] = {0.0, 0.5};
  cleave_splits ps2 = NULL;
  CHECK(cleave_partition(g, &popt, targets, 2, seeds, 2, &ps2) == CLEAVE_OK);
  CHECK(cleave_splits_count(ps2, &count) == CLEAVE_OK && count == 4);
  for (size_t k = 0; k < 2; ++k) { /* the target-0 splits come first */
    cleave_split_info info;
    int8_t side[N];
    CHECK(cleave_splits_info(ps2, k, &info) == CLEAVE_OK && info.valid && info.p == 0.0);
    CHECK(cleave_splits_assignment(ps2, k, side, N) == CLEAVE_OK);
    for (uint64_t e = 0; e < m; ++e)
      CHECK(!((side[u[e]] == 0 && side[w[e]] == 1) || (side[u[e]] == 1 && side[w[e]] == 0)));
    CHECK(info.overlap_frac == 0.0 && info.kept > N / 2);
  }
  popt.struct_size = 5;
  cleave_splits ps3 = NULL;
  CHECK(cleave_partition(g, &popt, targets, 2, seeds, 2, &ps3) == CLEAVE_ERROR_INVALID_ARGUMENT);
  CHECK(ps3 == NULL);
  cleave_splits_destroy(ps2);

  /* Errors: a status and a message, never a crash. */
  CHECK(cleave_splits_count(NULL, &count) == CLEAVE_ERROR_INVALID_ARGUMENT);
  CHECK(strlen(cleave_last_error()) > 0);
  cleave_split_options bad = opt;
  bad.struct_size = 3;
  cleave_splits s2 = NULL;
  CHECK(cleave_sweep(g, &bad, ps, 3, seeds, 2, &s2) == CLEAVE_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(cleave_last_error(), "struct_size") != NULL);
  CHECK(s2 == NULL);
  bad = opt;
  bad.test_fraction = 0.0;
  CHECK(cleave_sweep(g, &bad, ps, 3, seeds, 2, &s2) == CLEAVE_ERROR_INVALID_ARGUMENT);
  cleave_graph g2 = NULL;
  CHECK(cleave_graph_load("/nonexistent/graph.cgr", &g2) == CLEAVE_ERROR_IO);
  CHECK(strstr(cleave_last_error(), "/nonexistent/graph.cgr") != NULL);
  CHECK(g2 == NULL);
  uint32_t bu = 0, bv = 99;
  CHECK(cleave_graph_from_edges(10, 1, &bu, &bv, NULL, 0.5, 0, &g2) ==
        CLEAVE_ERROR_INVALID_ARGUMENT);

  /* AUSPC of score = 1 - p on p = 0, 0.5, 1 is 0.5. */
  double p3[3] = {0.0, 0.5, 1.0}, sc[3] = {1.0, 0.5, 0.0}, a = 0;
  CHECK(cleave_auspc(p3, sc, 3, &a) == CLEAVE_OK && fabs(a - 0.5) < 1e-12);

  cleave_splits_destroy(s);
  cleave_graph_destroy(g);
  cleave_graph_destroy(NULL);
  return finish("c api");
}
