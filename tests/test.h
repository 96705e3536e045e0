/* test: a tiny harness.  ok(cond, fmt, ...) records one check and prints
 * file:line and the message when it fails; test_done() prints the closing
 * line "N passed, N failed" and returns the exit status. */
#ifndef LRS_TEST_H
#define LRS_TEST_H

#include <stdio.h>

extern int test_passed, test_failed;

#define ok(cond, ...) do {						\
	if (cond)							\
		test_passed++;						\
	else {								\
		test_failed++;						\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define TEST_MAIN_DEFS int test_passed, test_failed;

static inline int
test_done(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif
