/* metrics: counters of the HTTP layer and the text of GET /metrics.
 *
 * The server counts every answered request (by resource, method and
 * status, with its time), failed authentications and rate-limited
 * requests, all with relaxed atomics, no lock.  metrics_write turns them,
 * with the store's figures (store_health_get) and the tiering lag, into
 * the Prometheus text format (version 0.0.4).
 */
#ifndef LRS_METRICS_H
#define LRS_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "probe.h"
#include "store.h"

typedef struct metrics metrics;

/* A new set of counters, all zero; release with metrics_free. */
metrics	*metrics_new(void);
void	 metrics_free(metrics *m);
/* Count one answered request: target as sent (its path decides the
 * resource: statements, activities_state, ..., tiering, probe, metrics,
 * other), the method on the wire, the status and the microseconds it took. */
void	 metrics_request(metrics *m, const char *target, const char *method,
	    int status, int64_t usec);
/* Count a request refused for a wrong credential / for its rate. */
void	 metrics_auth_failure(metrics *m);
void	 metrics_rate_limited(metrics *m);
/* Append the exposition text to out: the counters, h, and lag (NULL when
 * there is no tiering engine; lag_rc its callback's answer, nonzero when
 * the engine could not tell). */
void	 metrics_write(metrics *m, const struct store_health *h,
	    const struct probe_lag *lag, int lag_rc, struct buf *out);

#endif
