/* Checks for the plain-C tests: CHECK and EXPECT count failures and never
 * abort; quiet_begin/quiet_end hold the library to printing nothing. */
#ifndef CLEAVE_TESTS_C_CHECK_H
#define CLEAVE_TESTS_C_CHECK_H
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleave/cleave.h"

static int failures = 0;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* A call's status, and a word its error message must hold (NULL: any). */
static inline void expect(cleave_status got, cleave_status want, const char* word, int line) {
  if (got != want || (word && !strstr(cleave_last_error(), word))) {
    fprintf(stderr, "line %d: status %d (expected %d), message '%s' (expected '%s')\n", line,
            (int)got, (int)want, cleave_last_error(), word ? word : "");
    ++failures;
  }
}
#define EXPECT(call, want, word) expect((call), (want), (word), __LINE__)

/* stderr sent to a temporary file between quiet_begin and quiet_end. */
typedef struct quiet_stderr {
  FILE* file;
  int saved;
} quiet_stderr;

static inline quiet_stderr quiet_begin(void) {
  quiet_stderr q;
  q.file = tmpfile();
  CHECK(q.file != NULL);
  fflush(stderr);
  q.saved = dup(2);
  dup2(fileno(q.file), 2);
  return q;
}

/* Restores stderr; what was printed meanwhile (the library's output or a
 * failed check's) is shown and counts as a failure. */
static inline void quiet_end(quiet_stderr q) {
  fflush(stderr);
  dup2(q.saved, 2);
  close(q.saved);
  fseek(q.file, 0, SEEK_END);
  long printed_bytes = ftell(q.file);
  if (printed_bytes != 0) {
    char buf[4096] = {0};
    fseek(q.file, 0, SEEK_SET);
    size_t got = fread(buf, 1, sizeof buf - 1, q.file);
    fprintf(stderr, "the library printed to stderr (or a check failed): %.*s\n", (int)got, buf);
  }
  fclose(q.file);
  CHECK(printed_bytes == 0);
}

/* The test's exit status, with a line saying how it went. */
static inline int finish(const char* name) {
  if (failures) {
    fprintf(stderr, "%s: %d checks failed\n", name, failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

#endif
