/* chemfp_driver.c: times chemfp's C library (the open-source chemfp 1.6.1
 * from PyPI, whose Python layer is Python 2 only) on an FPS file, for
 * bench_fingerprints.py. Single-threaded (built without OpenMP).
 *
 *   chemfp_driver FPS raw QUERIES   all-pairs rate: the first QUERIES
 *       fingerprints against all of them with no popcount pruning
 *       (chemfp_count_tanimoto_arena with no popcount index and the
 *       smallest threshold), so every pair's Tanimoto is computed;
 *   chemfp_driver FPS nxn T         what `simsearch --NxN --threshold T`
 *       does: sort by popcount, then chemfp_threshold_tanimoto_arena_symmetric
 *       (which prunes with the popcount bound).
 *
 * Prints one line: mode, fingerprints, pairs (the pairs the task covers),
 * seconds (search only, not the load), hits, and chemfp's popcount method. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chemfp.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads the FPS body into a 64-byte aligned arena with rows of `storage`
 * bytes (the fingerprint bytes padded with zeros to a multiple of 64). */
static unsigned char* load_fps(const char* path, int* n_out, int* bytes_out, int* storage_out) {
  FILE* f = fopen(path, "r");
  if (!f) {
    perror(path);
    exit(2);
  }
  size_t cap = 0, n = 0;
  int bytes = -1, storage = 0;
  unsigned char* arena = NULL;
  char* line = NULL;
  size_t line_cap = 0;
  long lineno = 0;
  while (getline(&line, &line_cap, f) > 0) {
    ++lineno;
    if (line[0] == '#' || line[0] == '\n') continue;
    int hex = 0;
    while (isxdigit((unsigned char)line[hex])) ++hex;
    if (hex == 0 || hex % 2 != 0 || (bytes >= 0 && hex / 2 != bytes)) {
      fprintf(stderr, "%s:%ld: bad fingerprint\n", path, lineno);
      exit(2);
    }
    if (bytes < 0) {
      bytes = hex / 2;
      storage = (bytes + 63) / 64 * 64;
    }
    if (n == cap) {
      size_t new_cap = cap ? 2 * cap : 4096;
      unsigned char* grown = aligned_alloc(64, new_cap * (size_t)storage);
      if (!grown) {
        fprintf(stderr, "out of memory\n");
        exit(2);
      }
      if (arena) memcpy(grown, arena, n * (size_t)storage);
      free(arena);
      arena = grown;
      cap = new_cap;
    }
    unsigned char* row = arena + n * (size_t)storage;
    memset(row, 0, (size_t)storage);
    for (int k = 0; k < bytes; ++k)
      row[k] = (unsigned char)(hex_value(line[2 * k]) * 16 + hex_value(line[2 * k + 1]));
    ++n;
  }
  free(line);
  fclose(f);
  *n_out = (int)n;
  *bytes_out = bytes;
  *storage_out = storage;
  return arena;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s FPS raw QUERIES | %s FPS nxn THRESHOLD\n", argv[0], argv[0]);
    return 2;
  }
  int n, bytes, storage;
  unsigned char* arena = load_fps(argv[1], &n, &bytes, &storage);
  const int num_bits = bytes * 8;
  for (int a = 0; a < chemfp_get_num_alignments(); ++a) chemfp_select_fastest_method(a, 5);
  char methods[512] = "";
  for (int a = 0; a < chemfp_get_num_alignments(); ++a) {
    char one[96];
    snprintf(one, sizeof one, "%s%s=%s", a ? "," : "", chemfp_get_alignment_name(a),
             chemfp_get_method_name(chemfp_get_alignment_method(a)));
    strncat(methods, one, sizeof methods - strlen(methods) - 1);
  }

  if (strcmp(argv[2], "raw") == 0) {
    int queries = atoi(argv[3]);
    if (queries <= 0 || queries > n) queries = n;
    int* counts = calloc((size_t)queries, sizeof(int));
    const double t0 = now();
    int err = chemfp_count_tanimoto_arena(1e-12, num_bits, storage, arena, 0, queries, storage,
                                          arena, 0, n, NULL, counts);
    const double dt = now() - t0;
    if (err < 0) {
      fprintf(stderr, "chemfp: %s\n", chemfp_strerror(err));
      return 1;
    }
    long long hits = 0;
    for (int q = 0; q < queries; ++q) hits += counts[q];
    printf("raw %d %lld %.6f %lld %s\n", n, (long long)queries * n, dt, hits, methods);
    return 0;
  }
  if (strcmp(argv[2], "nxn") == 0) {
    const double threshold = atof(argv[3]);
    unsigned char* sorted = aligned_alloc(64, (size_t)n * (size_t)storage);
    int* indices = calloc((size_t)(num_bits + 2), sizeof(int));
    int* popcount = malloc((size_t)n * sizeof(int));
    chemfp_search_result* results = chemfp_alloc_search_results(n);
    const double t0 = now();
    /* The arena chemfp's loader builds: rows by increasing popcount, and
     * indices[p] = first row of popcount p (indices[num_bits + 1] = n). */
    for (int i = 0; i < n; ++i) {
      popcount[i] = (int)chemfp_byte_popcount(bytes, arena + (size_t)i * storage);
      ++indices[popcount[i] + 1];
    }
    for (int p = 1; p <= num_bits + 1; ++p) indices[p] += indices[p - 1];
    int* next = malloc((size_t)(num_bits + 1) * sizeof(int));
    memcpy(next, indices, (size_t)(num_bits + 1) * sizeof(int));
    for (int i = 0; i < n; ++i)
      memcpy(sorted + (size_t)next[popcount[i]]++ * storage, arena + (size_t)i * storage,
             (size_t)storage);
    int err = chemfp_threshold_tanimoto_arena_symmetric(threshold, num_bits, storage, sorted, 0, n,
                                                        0, n, indices, results);
    const double dt = now() - t0;
    if (err < 0) {
      fprintf(stderr, "chemfp: %s\n", chemfp_strerror(err));
      return 1;
    }
    /* The symmetric search reports each pair once (upper triangle). */
    long long hits = 0;
    for (int q = 0; q < n; ++q) hits += chemfp_get_num_hits(results + q);
    printf("nxn %d %lld %.6f %lld %s\n", n, (long long)n * (n - 1) / 2, dt, hits, methods);
    return 0;
  }
  fprintf(stderr, "unknown mode %s\n", argv[2]);
  return 2;
}
