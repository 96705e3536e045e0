/* xalloc: allocation that cannot fail.
 *
 * Every function aborts the process (after one line on stderr) when the
 * system is out of memory, so callers never check for NULL.  Memory is
 * released with free(3).
 */
#ifndef LRS_XALLOC_H
#define LRS_XALLOC_H

#include <stddef.h>

/* malloc(3) that aborts on failure; never returns NULL (n == 0 gives 1 byte). */
void *xmalloc(size_t n);
/* calloc(3) that aborts on failure or on n * size overflow. */
void *xcalloc(size_t n, size_t size);
/* realloc(3) that aborts on failure. */
void *xrealloc(void *p, size_t n);
/* A NUL-terminated copy of s; s may be NULL, giving NULL. Caller frees. */
char *xstrdup(const char *s);
/* A NUL-terminated copy of the first n bytes of s. Caller frees. */
char *xstrndup(const char *s, size_t n);
/* A copy of n bytes of p (not terminated). Caller frees. */
void *xmemdup(const void *p, size_t n);

#endif
