/* A C program that uses only the installed cleave package (cleave.h and
 * libcleave.so): builds the graph of a dataset file, prints its size, runs
 * the default SPECTRA sweep (p = 0.00, 0.05, ..., 1.00; seeds 42, 44, 46, as
 * `cleave split`) and writes the split set.
 * usage: consumer INPUT FORMAT SPLITS_DIR */
#include <stdio.h>
#include <stdlib.h>

#include <cleave/cleave.h>

static int fail(const char* what) {
  fprintf(stderr, "consumer: %s: %s\n", what, cleave_last_error());
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: consumer INPUT FORMAT SPLITS_DIR\n");
    return 2;
  }
  cleave_graph g = NULL;
  if (cleave_graph_from_file(argv[1], argv[2], -1.0, &g) != CLEAVE_OK) return fail(argv[1]);
  uint64_t n = 0, m = 0;
  if (cleave_graph_size(g, &n, &m) != CLEAVE_OK) return fail("size");
  printf("cleave %s: %llu nodes, %llu edges\n", cleave_version(NULL, NULL, NULL),
         (unsigned long long)n, (unsigned long long)m);

  double ps[21];
  for (int i = 0; i <= 20; ++i) ps[i] = i / 20.0;
  const uint64_t seeds[3] = {42, 44, 46};
  cleave_split_options opt;
  cleave_split_options_init(&opt);
  cleave_splits s = NULL;
  if (cleave_sweep(g, &opt, ps, 21, seeds, 3, &s) != CLEAVE_OK) return fail("sweep");
  if (cleave_splits_write(s, argv[3]) != CLEAVE_OK) return fail("write");
  cleave_splits_destroy(s);
  cleave_graph_destroy(g);
  return 0;
}
