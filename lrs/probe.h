/* probe: the answers of GET /health and GET /ready.
 *
 * /health says the process answers; /ready says it can take writes now:
 * the writer is not stuck on one group, the map and the disk have room,
 * and the followers of the store (the tiering engine, forwarding: through
 * callbacks so that lrs/ needs no tiering/ header) are not too far behind.  Both are
 * cheap (no write, one short read) and need no credential.
 */
#ifndef LRS_PROBE_H
#define LRS_PROBE_H

#include <stdint.h>

#include "http.h"
#include "store.h"

/* How far a follower of the store is behind the log. */
struct probe_lag {
	uint64_t	behind;		/* statements not yet applied */
	double		seconds;	/* how long the oldest has waited */
	int		last_error;	/* of its last batch, 0 when it worked */
};

/* Fills *out; 0, or nonzero when the follower cannot say (then not
 * ready). */
typedef int (*probe_lag_fn)(void *arg, struct probe_lag *out);

/* When /ready says no. */
struct probe_limits {
	int64_t		writer_stall_us;	/* writer on one group longer */
	uint64_t	min_free;		/* less map headroom or disk */
	double		max_lag;		/* follower behind longer (s) */
};

/* A follower /ready asks about. */
struct probe_follower {
	const char	*name;		/* figures NAME_behind, NAME_lag_seconds */
	const char	*what;		/* in reasons: "the tiering engine" */
	int		 errors;	/* a failed last batch: not ready */
	probe_lag_fn	 fn;
	void		*arg;
};

/* GET /health: 200 {"status":"ok"}. */
void	probe_health(struct http_resp *resp);
/* GET /ready: 200 {"status":"ready", ...figures} or 503 {"status":
 * "not ready", "reasons": [...], ...figures} with Retry-After, asking the
 * n followers fl.  Returns 0 when ready, -1 when not. */
int	probe_ready(store *st, const struct probe_limits *lim,
	    const struct probe_follower *fl, size_t n, struct http_resp *resp);

#endif
