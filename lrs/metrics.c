/* metrics: request counters and the Prometheus text (metrics.h). */
#include "metrics.h"
#include "xalloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const char *const resources[] = {
	"statements", "activities_state", "activities_profile",
	"agents_profile", "activities", "agents", "about", "tiering",
	"probe", "metrics", "other"
};
#define NRES	(sizeof(resources) / sizeof(resources[0]))
#define R_OTHER	(NRES - 1)

static const char *const methods[] = {
	"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "other"
};
#define NMETH	(sizeof(methods) / sizeof(methods[0]))

#define NSTATUS	500	/* 100 to 599 */

/* Upper bounds of the latency buckets, microseconds. */
static const int64_t lat_le[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};
#define NLAT	(sizeof(lat_le) / sizeof(lat_le[0]))

struct latency {
	_Atomic uint64_t	count[NLAT + 1];	/* not cumulative */
	_Atomic uint64_t	sum_us;
};

struct metrics {
	_Atomic uint64_t	requests[NRES][NMETH][NSTATUS];
	struct latency		latency[NRES];
	_Atomic uint64_t	auth_failures;
	_Atomic uint64_t	rate_limited;
};

metrics *
metrics_new(void)
{
	return xcalloc(1, sizeof(struct metrics));
}

void
metrics_free(metrics *m)
{
	free(m);
}

/* Nonzero when path (without query) is p or p with trailing slashes. */
static int
path_is(const char *path, size_t n, const char *p)
{
	size_t k = strlen(p);

	if (n < k || strncmp(path, p, k) != 0)
		return 0;
	while (k < n && path[k] == '/')
		k++;
	return k == n;
}

static size_t
resource_of(const char *target)
{
	static const char *const xapi[] = {
		"/xapi/statements", "/xapi/activities/state",
		"/xapi/activities/profile", "/xapi/agents/profile",
		"/xapi/activities", "/xapi/agents", "/xapi/about"
	};
	size_t i, n = strcspn(target, "?");

	for (i = 0; i < sizeof(xapi) / sizeof(xapi[0]); i++)
		if (path_is(target, n, xapi[i]))
			return i;
	if (strncmp(target, "/tiering", 8) == 0 &&
	    (n == 8 || target[8] == '/'))
		return 7;
	if (path_is(target, n, "/health") || path_is(target, n, "/ready"))
		return 8;
	if (path_is(target, n, "/metrics"))
		return 9;
	return R_OTHER;
}

static size_t
method_of(const char *method)
{
	size_t i;

	for (i = 0; i + 1 < NMETH; i++)
		if (method && strcmp(method, methods[i]) == 0)
			return i;
	return NMETH - 1;
}

void
metrics_request(metrics *m, const char *target, const char *method,
    int status, int64_t usec)
{
	size_t r = target ? resource_of(target) : R_OTHER, i;
	struct latency *l = &m->latency[r];

	if (status >= 100 && status < 100 + NSTATUS)
		atomic_fetch_add_explicit(&m->requests[r][method_of(method)]
		    [status - 100], 1, memory_order_relaxed);
	if (usec < 0)
		usec = 0;
	for (i = 0; i < NLAT && usec > lat_le[i]; i++)
		;
	atomic_fetch_add_explicit(&l->count[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&l->sum_us, (uint64_t)usec,
	    memory_order_relaxed);
}

void
metrics_auth_failure(metrics *m)
{
	atomic_fetch_add_explicit(&m->auth_failures, 1, memory_order_relaxed);
}

void
metrics_rate_limited(metrics *m)
{
	atomic_fetch_add_explicit(&m->rate_limited, 1, memory_order_relaxed);
}

static uint64_t
get(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void
family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
write_requests(metrics *m, struct buf *out)
{
	size_t r, k, s;
	uint64_t n;

	family(out, "lrsd_http_requests_total", "counter",
	    "Requests answered, by resource, method and status.");
	for (r = 0; r < NRES; r++)
		for (k = 0; k < NMETH; k++)
			for (s = 0; s < NSTATUS; s++)
				if ((n = get(&m->requests[r][k][s])) != 0)
					buf_printf(out, "lrsd_http_requests_total{resource=\"%s\",method=\"%s\",status=\"%zu\"} %llu\n",
					    resources[r], methods[k], s + 100,
					    (unsigned long long)n);
}

static void
write_latency(metrics *m, struct buf *out)
{
	const char *name = "lrsd_http_request_duration_seconds";
	uint64_t c[NLAT + 1], total;
	size_t r, i;

	family(out, name, "histogram",
	    "Time from the whole request in hand to the reply ready, by resource.");
	for (r = 0; r < NRES; r++) {
		for (i = 0, total = 0; i <= NLAT; i++)
			total += c[i] = get(&m->latency[r].count[i]);
		if (total == 0)
			continue;
		for (i = 0, total = 0; i <= NLAT; i++) {
			total += c[i];
			if (i < NLAT)
				buf_printf(out, "%s_bucket{resource=\"%s\",le=\"%g\"} %llu\n",
				    name, resources[r], (double)lat_le[i] / 1e6,
				    (unsigned long long)total);
		}
		buf_printf(out, "%s_bucket{resource=\"%s\",le=\"+Inf\"} %llu\n"
		    "%s_sum{resource=\"%s\"} %.6f\n%s_count{resource=\"%s\"} %llu\n",
		    name, resources[r], (unsigned long long)total, name,
		    resources[r], (double)get(&m->latency[r].sum_us) / 1e6, name,
		    resources[r], (unsigned long long)total);
	}
}

/* A histogram of the store; scale divides its values (1e6: us to s). */
static void
write_hist(const char *name, const char *help, const struct store_hist *h,
    double scale, struct buf *out)
{
	uint64_t total = 0;
	int i;

	family(out, name, "histogram", help);
	for (i = 0; i < STORE_HIST_N; i++) {
		total += h->count[i];
		buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name,
		    (double)h->le[i] / scale, (unsigned long long)total);
	}
	total += h->count[STORE_HIST_N];
	buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n"
	    "%s_count %llu\n", name, (unsigned long long)total, name,
	    (double)h->sum / scale, name, (unsigned long long)total);
}

static void
gauge(struct buf *out, const char *name, const char *help, double v)
{
	family(out, name, "gauge", help);
	buf_printf(out, "%s %.17g\n", name, v);
}

static void
counter(struct buf *out, const char *name, const char *help, uint64_t v)
{
	family(out, name, "counter", help);
	buf_printf(out, "%s %llu\n", name, (unsigned long long)v);
}

static void
write_store(const struct store_health *h, struct buf *out)
{
	gauge(out, "lrsd_statements_stored", "Statements stored (the last sequence number; voided ones and voiding ones count).",
	    (double)h->statements);
	write_hist("lrsd_store_group_commit_size", "Writes (statement batches and other jobs) per group commit.",
	    &h->group_size, 1, out);
	write_hist("lrsd_store_commit_duration_seconds", "Time of each group commit, its fsync included.",
	    &h->commit_us, 1e6, out);
	gauge(out, "lrsd_store_writer_busy_seconds", "How long the writer has been on its current group (0 when idle).",
	    (double)h->writer_busy_us / 1e6);
	gauge(out, "lrsd_map_used_bytes", "Bytes of the LMDB map in use.",
	    (double)h->map_used);
	gauge(out, "lrsd_map_size_bytes", "Size of the LMDB map now.",
	    (double)h->map_size);
	gauge(out, "lrsd_map_max_bytes", "The most the LMDB map may grow to (--map-max).",
	    (double)h->map_max);
	gauge(out, "lrsd_disk_free_bytes", "Bytes free on the disk of the store.",
	    (double)h->disk_free);
}

void
metrics_write(metrics *m, const struct store_health *h,
    const struct probe_lag *lag, int lag_rc, struct buf *out)
{
	write_requests(m, out);
	write_latency(m, out);
	write_store(h, out);
	counter(out, "lrsd_auth_failures_total", "Requests refused for missing or wrong credentials (401).",
	    get(&m->auth_failures));
	counter(out, "lrsd_rate_limited_total", "Requests refused for their rate: failed authentications or connections per address (429).",
	    get(&m->rate_limited));
	if (lag == NULL)
		return;
	gauge(out, "lrsd_tiering_status_ok", "1 when the tiering engine could tell its lag, else 0.",
	    lag_rc == 0);
	if (lag_rc != 0)
		return;
	gauge(out, "lrsd_tiering_behind_statements", "Statements the tiering engine has not applied yet.",
	    (double)lag->behind);
	gauge(out, "lrsd_tiering_lag_seconds", "How long the oldest statement the tiering engine has not applied has waited.",
	    lag->seconds);
	gauge(out, "lrsd_tiering_last_error", "Code of the tiering engine's last failed batch (0 when the last worked).",
	    lag->last_error);
}
