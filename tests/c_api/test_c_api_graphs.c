/* Plain-C test of graph building through the C API: graphs from SMILES,
 * sequence and embedding arrays and from dataset files of every format with
 * full options; the context's log and progress callbacks (and that nothing
 * is printed to stderr), the cancel flag, k-fold partitions, and misuse of
 * each new call. Exits non-zero on the first failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleave/cleave.h"

#include "c_check.h"

static int logged = 0;
static char last_log[512];
static void on_log(const char* message, void* user) {
  ++*(int*)user;
  snprintf(last_log, sizeof last_log, "%s", message);
}

static int progress_calls = 0, progress_done = 0;
static void on_progress(const char* stage, uint64_t done, uint64_t total, void* user) {
  (void)user;
  CHECK(stage != NULL && strlen(stage) > 0 && done <= total);
  ++progress_calls;
  if (done == total && total > 0) progress_done = 1;
}

/* Sets the flag it is given on the first report: cancel mid-call. */
static void cancel_on_progress(const char* stage, uint64_t done, uint64_t total, void* user) {
  (void)stage, (void)done, (void)total;
  __atomic_store_n((int*)user, 1, __ATOMIC_RELAXED); /* read by the library's threads */
}

static uint64_t edges_of(cleave_graph g) {
  uint64_t n = 0, m = 0;
  CHECK(cleave_graph_size(g, &n, &m) == CLEAVE_OK);
  return m;
}

/* A graph whose node count and ids are as given. */
static void check_nodes(cleave_graph g, uint64_t n, const char* first_id) {
  uint64_t nn = 0, m = 0;
  char buf[64];
  CHECK(cleave_graph_size(g, &nn, &m) == CLEAVE_OK && nn == n);
  CHECK(cleave_graph_id(g, 0, buf, sizeof buf) == CLEAVE_OK && strcmp(buf, first_id) == 0);
}

int main(void) {
  /* Everything the library might print goes to a file, checked empty at the end. */
  const quiet_stderr quiet = quiet_begin();

  cleave_context ctx;
  cleave_context_init(&ctx);
  CHECK(ctx.struct_size == sizeof ctx && ctx.backend == 0 && ctx.log == NULL);
  ctx.log = on_log;
  ctx.log_user = &logged;
  cleave_graph_options opt;
  cleave_graph_options_init(&opt);
  CHECK(opt.struct_size == sizeof opt && isnan(opt.threshold) && opt.radius == 2 &&
        opt.nbits == 2048 && opt.gap_open < 0 && opt.sensitivity == 5.0 &&
        opt.gemm_precision == NULL);

  /* CUDA asked for: on a machine without a device the fallback warning goes
   * to the log callback, never to stderr. */
  {
    const float emb[8] = {1, 0, 0.9f, 0.1f, 0, 1, 0.1f, 0.9f};
    cleave_context cuda = ctx;
    cuda.backend = 2;
    cleave_graph g = NULL;
    CHECK(cleave_graph_from_embeddings(4, 2, emb, NULL, &opt, &cuda, &g) == CLEAVE_OK);
    CHECK(edges_of(g) == 2); /* (0,1) and (2,3) have cosine > 0.9 */
    check_nodes(g, 4, "0");
    cleave_graph_destroy(g);
  }

  /* ---- embeddings: threshold, ids, bad rows */
  {
    const float emb[8] = {1, 0, 0.9f, 0.1f, 0, 1, -1, 0};
    const char* ids[4] = {"a", "b", "c", "d"};
    cleave_graph g = NULL;
    cleave_graph_options o = opt;
    o.threshold = 0.05;
    CHECK(cleave_graph_from_embeddings(4, 2, emb, ids, &o, &ctx, &g) == CLEAVE_OK);
    CHECK(edges_of(g) == 2); /* (a, b) at 0.99 and (b, c) at 0.11; the rest <= 0 */
    check_nodes(g, 4, "a");
    cleave_graph_destroy(g);
    const float zero_row[4] = {1, 0, 0, 0};
    g = (cleave_graph)0x1;
    EXPECT(cleave_graph_from_embeddings(2, 2, zero_row, NULL, &opt, &ctx, &g), CLEAVE_ERROR_FORMAT,
           "row 1 has zero norm");
    CHECK(g == NULL);
    const float nan_row[4] = {1, 0, NAN, 1};
    EXPECT(cleave_graph_from_embeddings(2, 2, nan_row, NULL, &opt, &ctx, &g), CLEAVE_ERROR_FORMAT,
           "non-finite");
    EXPECT(cleave_graph_from_embeddings(2, 2, NULL, NULL, &opt, &ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "NULL");
    EXPECT(cleave_graph_from_embeddings(2, 0, emb, NULL, &opt, &ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "dim");
    EXPECT(cleave_graph_from_embeddings(1, 2, emb, NULL, &opt, &ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "at least 2");
    o.threshold = 1.5;
    EXPECT(cleave_graph_from_embeddings(4, 2, emb, NULL, &o, &ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "threshold");
    o.threshold = -0.5; /* edges are pairs >= a positive threshold */
    EXPECT(cleave_graph_from_embeddings(4, 2, emb, NULL, &o, &ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "threshold must be in (0, 1]");
    /* GEMM precision: bf16 gives the same edges (the cpu backend computes in
       fp32; the cuda one re-checks in fp32); an unknown name is an error */
    o = opt;
    o.threshold = 0.05;
    o.gemm_precision = "bf16";
    CHECK(cleave_graph_from_embeddings(4, 2, emb, ids, &o, &ctx, &g) == CLEAVE_OK);
    CHECK(edges_of(g) == 2);
    cleave_graph_destroy(g);
    o.gemm_precision = "fp16";
    EXPECT(cleave_graph_from_embeddings(4, 2, emb, ids, &o, &ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "unknown GEMM precision 'fp16'");
  }

  /* ---- sequences: alphabets, policies, options */
  {
    const char* prot[4] = {"MKTAYIAKQRQISFVKSHFS", "MKTAYIAKQRQISFVKSHFA", "WWWWWWWWPPPPPPPP",
                           "MKTAYIAKQRQISFVKSHFS"};
    cleave_graph g = NULL;
    CHECK(cleave_graph_from_sequences(4, prot, NULL, &opt, &ctx, &g) == CLEAVE_OK);
    CHECK(edges_of(g) == 3); /* 0, 1 and 3 at identity >= 0.95; 2 alone */
    cleave_graph_destroy(g);
    cleave_graph_options o = opt;
    o.align = "global";
    o.identity = "shorter";
    o.threshold = 0.99;
    o.search = "exhaustive";
    CHECK(cleave_graph_from_sequences(4, prot, NULL, &o, &ctx, &g) == CLEAVE_OK);
    CHECK(edges_of(g) == 1); /* only the identical pair 0-3 */
    cleave_graph_destroy(g);
    const char* dna[3] = {"ACGTACGTACGTACGTACGT", "ACGTACGTACGTACGTACGA", "TTTTGGGGCCCCAAAATTTT"};
    o = opt;
    o.alphabet = "dna";
    CHECK(cleave_graph_from_sequences(3, dna, NULL, &o, &ctx, &g) == CLEAVE_OK);
    CHECK(edges_of(g) == 1); /* identity 0.95 >= the DNA default 0.9 */
    cleave_graph_destroy(g);
    o.alphabet = "klingon";
    EXPECT(cleave_graph_from_sequences(3, dna, NULL, &o, &ctx, &g), CLEAVE_ERROR_INVALID_ARGUMENT,
           "klingon");
    CHECK(g == NULL);
    o.alphabet = "dna";
    o.match = 5000;
    EXPECT(cleave_graph_from_sequences(3, dna, NULL, &o, &ctx, &g), CLEAVE_ERROR_INVALID_ARGUMENT,
           "match");
    const char* bad[3] = {"MKTAYIAKQR", "MKTA-YIAKQR", "MKTAYIAKQQ"};
    EXPECT(cleave_graph_from_sequences(3, bad, NULL, &opt, &ctx, &g), CLEAVE_ERROR_FORMAT,
           "<memory>:2");
    o = opt;
    o.invalid = "skip";
    logged = 0;
    CHECK(cleave_graph_from_sequences(3, bad, NULL, &o, &ctx, &g) == CLEAVE_OK);
    check_nodes(g, 2, "0");
    CHECK(logged == 1 && strstr(last_log, "1 records skipped") != NULL);
    cleave_graph_destroy(g);
    o.invalid = "sometimes";
    EXPECT(cleave_graph_from_sequences(3, bad, NULL, &o, &ctx, &g), CLEAVE_ERROR_INVALID_ARGUMENT,
           "sometimes");
    o = opt;
    o.identity = "full";
    o.align = "local";
    EXPECT(cleave_graph_from_sequences(4, prot, NULL, &o, &ctx, &g), CLEAVE_ERROR_INVALID_ARGUMENT,
           "full");
    const char* with_null[2] = {"MKT", NULL};
    EXPECT(cleave_graph_from_sequences(2, with_null, NULL, &opt, &ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "sequences[1] is NULL");
    EXPECT(cleave_graph_from_sequences(2, NULL, NULL, &opt, &ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "NULL");
    const char* same_ids[3] = {"x", "x", "y"};
    EXPECT(cleave_graph_from_sequences(3, dna, same_ids, &opt, &ctx, &g), CLEAVE_ERROR_FORMAT,
           "duplicate");
  }

#ifdef CLEAVE_HAVE_RDKIT
  /* ---- SMILES: the same graph as the CSV file of the same molecules */
  {
    const char* smi[5] = {"CCO", "CCCO", "c1ccccc1", "c1ccccc1C", "CC(=O)O"};
    const char* ids[5] = {"ethanol", "propanol", "benzene", "toluene", "acetic"};
    char csv[] = "cleave_c_smiles_XXXXXX"; /* in the test's working directory */
    int fd = mkstemp(csv);
    FILE* f = fdopen(fd, "w");
    fprintf(f, "id,smiles\n");
    for (int i = 0; i < 5; ++i) fprintf(f, "%s,%s\n", ids[i], smi[i]);
    fclose(f);
    cleave_graph_options o = opt;
    o.threshold = 0.2;
    o.format = "csv";
    cleave_graph a = NULL, b = NULL;
    CHECK(cleave_graph_from_smiles(5, smi, ids, &o, &ctx, &a) == CLEAVE_OK);
    CHECK(cleave_graph_from_file_ex(csv, &o, &ctx, &b) == CLEAVE_OK);
    CHECK(edges_of(a) == edges_of(b) && edges_of(a) > 0);
    check_nodes(a, 5, "ethanol");
    cleave_graph_destroy(a);
    cleave_graph_destroy(b);
    o.measure = "dice";
    o.radius = 1;
    o.nbits = 512;
    CHECK(cleave_graph_from_smiles(5, smi, NULL, &o, &ctx, &a) == CLEAVE_OK);
    check_nodes(a, 5, "0");
    cleave_graph_destroy(a);
    remove(csv);
    /* An unparseable SMILES: skipped with a warning to the log, or an error when strict. */
    const char* broken[3] = {"CCO", "C1CC(", "CCN"};
    logged = 0;
    CHECK(cleave_graph_from_smiles(3, broken, NULL, &opt, &ctx, &a) == CLEAVE_OK);
    check_nodes(a, 2, "0");
    CHECK(logged == 1 && strstr(last_log, "skipped 1 unparseable SMILES") != NULL);
    cleave_graph_destroy(a);
    o = opt;
    o.strict = 1;
    EXPECT(cleave_graph_from_smiles(3, broken, NULL, &o, &ctx, &a), CLEAVE_ERROR_FORMAT,
           "<memory>:2");
    o = opt;
    o.measure = "mutation";
    EXPECT(cleave_graph_from_smiles(3, smi, NULL, &o, &ctx, &a), CLEAVE_ERROR_INVALID_ARGUMENT,
           "measure");
    o = opt;
    o.nbits = 4;
    EXPECT(cleave_graph_from_smiles(3, smi, NULL, &o, &ctx, &a), CLEAVE_ERROR_INVALID_ARGUMENT,
           "bits");
    EXPECT(cleave_graph_from_smiles(3, NULL, NULL, &opt, &ctx, &a), CLEAVE_ERROR_INVALID_ARGUMENT,
           "smiles is NULL");
    o = opt;
    o.max_smiles_length = 3; /* "CCCO" is longer */
    EXPECT(cleave_graph_from_smiles(3, smi, NULL, &o, &ctx, &a), CLEAVE_ERROR_FORMAT,
           "<memory>:2: SMILES of 4 characters is longer than the limit of 3");
    CHECK(a == NULL);
  }
#endif

  /* ---- files of every format, with options */
  {
    cleave_graph g = NULL;
    cleave_graph_options o = opt;
    CHECK(cleave_graph_from_file_ex(CLEAVE_TEST_DATA "/seq_proteins.fasta", &o, &ctx, &g) ==
          CLEAVE_OK);
    check_nodes(g, 3, "sp|P1|first");
    cleave_graph_destroy(g);
    CHECK(cleave_graph_from_file(CLEAVE_TEST_DATA "/seq_dna.fasta", "fasta", -1, &g) == CLEAVE_OK);
    cleave_graph_destroy(g);
    o.threshold = 0.01;
    CHECK(cleave_graph_from_file_ex(CLEAVE_TEST_DATA "/npy_f4.npy", &o, &ctx, &g) == CLEAVE_OK);
    cleave_graph_destroy(g);
    o = opt;
    o.alphabet = "protein";
    o.format = "fasta";
    o.gap_open = 10;
    o.gap_extend = 2;
    CHECK(cleave_graph_from_file_ex(CLEAVE_TEST_DATA "/seq_proteins.fasta", &o, NULL, &g) ==
          CLEAVE_OK);
    cleave_graph_destroy(g);
    o.format = "xml";
    EXPECT(cleave_graph_from_file_ex(CLEAVE_TEST_DATA "/seq_proteins.fasta", &o, &ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "xml");
    EXPECT(cleave_graph_from_file_ex(CLEAVE_TEST_DATA "/seq_bad_residue.fasta", &opt, &ctx, &g),
           CLEAVE_ERROR_FORMAT, "seq_bad_residue.fasta:");
    EXPECT(cleave_graph_from_file_ex(NULL, &opt, &ctx, &g), CLEAVE_ERROR_INVALID_ARGUMENT, "path");
    EXPECT(cleave_graph_from_file(CLEAVE_TEST_DATA "/npy_f4.npy", "npy", NAN, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "NaN");
    cleave_graph_options bad = opt;
    bad.struct_size = 8;
    EXPECT(cleave_graph_from_file_ex(CLEAVE_TEST_DATA "/npy_f4.npy", &bad, &ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "struct_size");
    cleave_context bad_ctx = ctx;
    bad_ctx.struct_size = 3;
    EXPECT(cleave_graph_from_file_ex(CLEAVE_TEST_DATA "/npy_f4.npy", &opt, &bad_ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "context struct_size");
    bad_ctx = ctx;
    bad_ctx.threads = -1;
    EXPECT(cleave_graph_from_file_ex(CLEAVE_TEST_DATA "/npy_f4.npy", &opt, &bad_ctx, &g),
           CLEAVE_ERROR_INVALID_ARGUMENT, "threads");
    CHECK(g == NULL);
    /* The line length limit, process-wide. */
    cleave_set_max_line_length(16);
    EXPECT(cleave_graph_from_file_ex(CLEAVE_TEST_DATA "/seq_proteins.fasta", &opt, &ctx, &g),
           CLEAVE_ERROR_FORMAT, "seq_proteins.fasta:1: line longer than 16 bytes");
    cleave_set_max_line_length(0);
    CHECK(cleave_graph_from_file_ex(CLEAVE_TEST_DATA "/seq_proteins.fasta", &opt, &ctx, &g) ==
          CLEAVE_OK);
    cleave_graph_destroy(g);
  }

  /* ---- progress and cancel on a sweep of a 400-node embedding graph */
  {
    enum { N = 400, D = 8 };
    float* emb = malloc(sizeof(float) * N * D);
    unsigned s = 7;
    for (int i = 0; i < N * D; ++i) {
      s = s * 1103515245u + 12345u;
      emb[i] = (float)((s >> 8) % 1000) / 1000.0f + 0.01f;
    }
    cleave_context c = ctx;
    c.progress = on_progress;
    cleave_graph g = NULL;
    cleave_graph_options o = opt;
    o.threshold = 0.95;
    CHECK(cleave_graph_from_embeddings(N, D, emb, NULL, &o, &c, &g) == CLEAVE_OK);
    CHECK(progress_calls > 0 && progress_done); /* the tiles' stage */
    double ps[21];
    for (int i = 0; i <= 20; ++i) ps[i] = i / 20.0;
    uint64_t seeds[3] = {42, 44, 46};
    cleave_split_options so;
    cleave_split_options_init(&so);
    CHECK(so.context == NULL);
    so.context = &c;
    cleave_splits sp = NULL;
    progress_calls = progress_done = 0;
    CHECK(cleave_sweep(g, &so, ps, 21, seeds, 3, &sp) == CLEAVE_OK);
    CHECK(progress_calls > 0 && progress_done);
    cleave_splits_destroy(sp);

    volatile int stop = 1; /* set before the call */
    c.cancel = &stop;
    sp = (cleave_splits)0x1;
    EXPECT(cleave_sweep(g, &so, ps, 21, seeds, 3, &sp), CLEAVE_ERROR_CANCELLED, "cancel");
    CHECK(sp == NULL);
    cleave_graph g2 = (cleave_graph)0x1;
    EXPECT(cleave_graph_from_embeddings(N, D, emb, NULL, &o, &c, &g2), CLEAVE_ERROR_CANCELLED,
           "cancel");
    CHECK(g2 == NULL);
    stop = 0; /* set by the first progress report, mid-sweep */
    c.progress = cancel_on_progress;
    c.progress_user = (void*)&stop;
    EXPECT(cleave_sweep(g, &so, ps, 21, seeds, 3, &sp), CLEAVE_ERROR_CANCELLED, "cancel");
    CHECK(stop == 1 && sp == NULL);
    stop = 0;
    c.progress = NULL;
    CHECK(cleave_sweep(g, &so, ps, 21, seeds, 3, &sp) == CLEAVE_OK); /* flag clear: runs */
    cleave_splits_destroy(sp);

    /* k-fold partitions: no edge between two folds. */
    cleave_partition_options po;
    cleave_partition_options_init(&po);
    CHECK(po.folds == 0 && po.context == NULL);
    po.folds = 3;
    po.context = &c;
    double zero = 0.0;
    CHECK(cleave_partition(g, &po, &zero, 1, seeds, 2, &sp) == CLEAVE_OK);
    size_t count = 0;
    CHECK(cleave_splits_count(sp, &count) == CLEAVE_OK && count == 2);
    int8_t* side = malloc(N);
    CHECK(cleave_splits_assignment(sp, 0, side, N) == CLEAVE_OK);
    int used[3] = {0, 0, 0};
    for (int i = 0; i < N; ++i) {
      CHECK(side[i] >= -1 && side[i] <= 2);
      if (side[i] >= 0) used[side[i]] = 1;
    }
    CHECK(used[0] && used[1] && used[2]);
    cleave_splits_destroy(sp);
    free(side);
    /* Stratified folds: the same kept samples, and strata.tsv in the set. */
    double* lab = malloc(N * sizeof(double));
    for (int i = 0; i < N; ++i) lab[i] = (double)(i % 3 == 0);
    int8_t* plain = malloc(N);
    CHECK(cleave_partition(g, &po, &zero, 1, seeds, 1, &sp) == CLEAVE_OK);
    CHECK(cleave_splits_assignment(sp, 0, plain, N) == CLEAVE_OK);
    cleave_splits_destroy(sp);
    po.labels = lab;
    po.stratify = 1;
    CHECK(cleave_partition(g, &po, &zero, 1, seeds, 1, &sp) == CLEAVE_OK);
    int8_t* strat = malloc(N);
    CHECK(cleave_splits_assignment(sp, 0, strat, N) == CLEAVE_OK);
    for (int i = 0; i < N; ++i) CHECK((plain[i] < 0) == (strat[i] < 0));
    char dir[] = "cleave_c_strata_XXXXXX"; /* in the test's working directory */
    CHECK(mkdtemp(dir) != NULL);
    char set[sizeof dir + 8], tsv[sizeof dir + 24];
    snprintf(set, sizeof set, "%s/set", dir);
    snprintf(tsv, sizeof tsv, "%s/set/strata.tsv", dir);
    CHECK(cleave_splits_write(sp, set) == CLEAVE_OK);
    FILE* f = fopen(tsv, "r");
    char head[64] = {0};
    CHECK(f != NULL && fgets(head, sizeof head, f) != NULL);
    CHECK(strcmp(head, "split\tside\tstratum\tlower\tupper\tcount\tfraction\n") == 0);
    if (f) fclose(f);
    cleave_splits_destroy(sp);
    char rm[sizeof dir + 16];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    CHECK(system(rm) == 0);
    po.labels = NULL;
    EXPECT(cleave_partition(g, &po, &zero, 1, seeds, 1, &sp), CLEAVE_ERROR_INVALID_ARGUMENT,
           "needs labels");
    po.stratify = 0;
    free(lab);
    free(plain);
    free(strat);
    po.folds = 1;
    EXPECT(cleave_partition(g, &po, &zero, 1, seeds, 2, &sp), CLEAVE_ERROR_INVALID_ARGUMENT,
           "folds");
    po.folds = 3;
    double two[2] = {0.0, 0.5};
    EXPECT(cleave_partition(g, &po, two, 2, seeds, 2, &sp), CLEAVE_ERROR_INVALID_ARGUMENT,
           "target 0");
    stop = 1;
    po.folds = 0;
    EXPECT(cleave_partition(g, &po, &zero, 1, seeds, 2, &sp), CLEAVE_ERROR_CANCELLED, "cancel");
    cleave_graph_destroy(g);
    free(emb);
  }

  quiet_end(quiet);
  return finish("c api graphs");
}
