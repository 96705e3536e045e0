/* reqid: the id of a request, echoed in X-Request-Id and the access log.
 *
 * A client or proxy may bring its own (reqid_valid says which are taken);
 * else one is made: a random prefix drawn once per process and a counter,
 * so ids are unique across restarts and cost no random bytes per request.
 */
#ifndef LRS_REQID_H
#define LRS_REQID_H

#include <stdatomic.h>
#include <stdint.h>

#define REQID_MAX	64	/* longest id, without the NUL */

struct reqid {
	char			prefix[17];	/* 16 hex digits */
	atomic_uint_fast64_t	seq;
};

/* Draw the prefix.  -1 when the random generator (libcrypto) fails. */
int	reqid_init(struct reqid *g);
/* The next id into out: "prefix-counter" in hex. */
void	reqid_next(struct reqid *g, char out[REQID_MAX + 1]);
/* Nonzero when s (NULL is not) is an id to take from a client: 1 to
 * REQID_MAX characters of A-Z a-z 0-9 and - _ . : (safe in a log line, a
 * header and JSON without escaping). */
int	reqid_valid(const char *s);

#endif
