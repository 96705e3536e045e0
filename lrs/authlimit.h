/* authlimit: how many failed authentications each client address may
 * make, so that guessing secrets, and the password hashes each guess
 * costs, stay bounded.
 *
 * Each address may fail `limit` times at once, and one more time each
 * window/limit seconds after that (a token bucket, kept as the time its
 * debt is paid off).  Successes are not counted.  The table has a fixed
 * number of slots (AUTHLIMIT_SLOTS); when the slots an address hashes to
 * are all taken by addresses still in debt, the one closest to paid off
 * is forgotten.  Safe to use from many threads at once.
 */
#ifndef LRS_AUTHLIMIT_H
#define LRS_AUTHLIMIT_H

#include <stdint.h>

#include "addr.h"

#define AUTHLIMIT_SLOTS	4096	/* addresses remembered at most */

enum {
	AUTHLIMIT_OK = 0,
	AUTHLIMIT_EBLOCKED = -1	/* no more failures allowed for now */
};

typedef struct authlimit authlimit;

/* A limiter allowing limit failures per window_s seconds and address
 * (limit 0: never blocks).  Freed with authlimit_free. */
authlimit *authlimit_new(int limit, int window_s);
void	authlimit_free(authlimit *al);

/* AUTHLIMIT_OK when a may try to authenticate at now_ms (any monotonic
 * milliseconds); AUTHLIMIT_EBLOCKED with *retry_s, the whole seconds
 * (at least 1) until it may, when not. */
int	authlimit_check(authlimit *al, const struct addr *a, int64_t now_ms,
	    int *retry_s);
/* Count one failed authentication from a at now_ms. */
void	authlimit_fail(authlimit *al, const struct addr *a, int64_t now_ms);

#endif
