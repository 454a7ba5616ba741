/* A tiny test harness for the C tests of procode: CHECK counts passes and
 * failures, main prints "N passed, M failed" and fails when M > 0. */
#ifndef PROCODE_CHECK_H
#define PROCODE_CHECK_H

#include <stdio.h>
#include <string.h>

#include "procode.h"

static int checks_passed = 0;
static int checks_failed = 0;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (cond) {                                                              \
      checks_passed++;                                                       \
    } else {                                                                 \
      checks_failed++;                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,      \
              #cond);                                                        \
    }                                                                        \
  } while (0)

/* Checks a call's result; on a mismatch prints both names and the message. */
#define EXPECT(expected, call)                                               \
  do {                                                                       \
    procode_result got_ = (call);                                            \
    if (got_ == (expected)) {                                                \
      checks_passed++;                                                       \
    } else {                                                                 \
      char msg_[512];                                                        \
      procode_last_error_message(msg_, sizeof msg_, NULL);                   \
      checks_failed++;                                                       \
      fprintf(stderr, "%s:%d: %s: expected %s, got %s (%s)\n", __FILE__,     \
              __LINE__, #call, procode_result_name(expected),                \
              procode_result_name(got_), msg_);                              \
    }                                                                        \
  } while (0)

#define CHECK_STR(actual, expected)                                          \
  do {                                                                       \
    const char *a_ = (actual);                                               \
    if (a_ != NULL && strcmp(a_, (expected)) == 0) {                         \
      checks_passed++;                                                       \
    } else {                                                                 \
      checks_failed++;                                                       \
      fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__,    \
              __LINE__, #actual, a_ ? a_ : "(null)", (expected));            \
    }                                                                        \
  } while (0)

/* The last error message contains `needle`. */
#define CHECK_MESSAGE_HAS(needle)                                            \
  do {                                                                       \
    char m_[1024];                                                           \
    procode_last_error_message(m_, sizeof m_, NULL);                         \
    if (strstr(m_, (needle)) != NULL) {                                      \
      checks_passed++;                                                       \
    } else {                                                                 \
      checks_failed++;                                                       \
      fprintf(stderr, "%s:%d: last error \"%s\" lacks \"%s\"\n", __FILE__,   \
              __LINE__, m_, (needle));                                       \
    }                                                                        \
  } while (0)

/* A JSON string contains `needle`. */
#define CHECK_HAS(haystack, needle)                                          \
  do {                                                                       \
    const char *h_ = (haystack);                                             \
    if (h_ != NULL && strstr(h_, (needle)) != NULL) {                        \
      checks_passed++;                                                       \
    } else {                                                                 \
      checks_failed++;                                                       \
      fprintf(stderr, "%s:%d: %s lacks \"%s\"\n", __FILE__, __LINE__,        \
              #haystack, (needle));                                          \
    }                                                                        \
  } while (0)

static int check_summary(const char *name) {
  printf("%s: %d passed, %d failed\n", name, checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}

#endif
