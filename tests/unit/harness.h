/*
 * harness.h - the unit-test harness (after libuv's test/task.h).
 *
 * A test file defines TEST(name) functions and lists them in a table:
 *     TEST(hex_roundtrip) { ... CHECK(x == y); CHECK_STR(a, "b"); }
 *     TEST_MAIN(T(hex_roundtrip), T(other))
 * Each CHECK that fails prints file:line and the expression and marks the
 * test failed (the test goes on, so one run shows every failure).  The
 * binary prints "N passed, N failed" and exits non-zero on any failure;
 * scripts/run-tests adds up the lines of all test binaries.
 */
#ifndef ASSAY_TEST_HARNESS_H
#define ASSAY_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int th_failed_checks;
static const char *th_current;

#define TEST(name) static void test_##name(void)
#define T(name) { #name, test_##name }

#define CHECK(cond) do { if (!(cond)) { th_failed_checks++; \
    fprintf(stderr, "  %s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, \
            th_current, #cond); } } while (0)
#define CHECK_INT(a, b) do { long long th_a = (long long)(a), th_b = (long long)(b); \
    if (th_a != th_b) { th_failed_checks++; \
    fprintf(stderr, "  %s:%d: %s: %s == %lld, expected %lld\n", __FILE__, \
            __LINE__, th_current, #a, th_a, th_b); } } while (0)
#define CHECK_STR(a, b) do { const char *th_a = (a), *th_b = (b); \
    if (!th_a || !th_b || strcmp(th_a, th_b) != 0) { th_failed_checks++; \
    fprintf(stderr, "  %s:%d: %s: %s == \"%s\", expected \"%s\"\n", __FILE__, \
            __LINE__, th_current, #a, th_a ? th_a : "(null)", \
            th_b ? th_b : "(null)"); } } while (0)
#define CHECK_DBL(a, b, tol) do { double th_a = (a), th_b = (b); \
    if (!(th_a - th_b <= (tol) && th_b - th_a <= (tol))) { th_failed_checks++; \
    fprintf(stderr, "  %s:%d: %s: %s == %.17g, expected %.17g\n", __FILE__, \
            __LINE__, th_current, #a, th_a, th_b); } } while (0)

typedef struct { const char *name; void (*fn)(void); } th_case;

static inline int th_run(const char *file, const th_case *cases, size_t n,
                         int argc, char **argv) {
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strstr(cases[i].name, argv[1]) == NULL) continue;
        int before = th_failed_checks;
        th_current = cases[i].name;
        cases[i].fn();
        if (th_failed_checks == before) passed++;
        else { failed++; fprintf(stderr, "FAIL %s: %s\n", file, cases[i].name); }
    }
    printf("%s: %d passed, %d failed\n", file, passed, failed);
    return failed ? 1 : 0;
}

#define TEST_MAIN(...) int main(int argc, char **argv) { \
    static const th_case cases[] = { __VA_ARGS__ }; \
    return th_run(__FILE__, cases, sizeof(cases) / sizeof(cases[0]), argc, argv); }

#endif
