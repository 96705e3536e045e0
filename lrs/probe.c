/* probe: /health and /ready (probe.h). */
#include "probe.h"

#include <stdio.h>
#include <string.h>

void
probe_health(struct http_resp *resp)
{
	resp->status = 200;
	buf_puts(&resp->body, "{\"status\":\"ok\"}");
}

/* One reason into the JSON array text of reasons. */
static void
reason(struct buf *reasons, const char *fmt, const char *what)
{
	if (reasons->len)
		buf_putc(reasons, ',');
	buf_putc(reasons, '"');
	buf_printf(reasons, fmt, what);
	buf_putc(reasons, '"');
}

/* The store's figures and what is wrong with them. */
static void
store_checks(store *st, const struct probe_limits *lim, struct buf *figs,
    struct buf *reasons)
{
	struct store_health h;
	int rc;

	if ((rc = store_health_get(st, &h)) != STORE_OK) {
		reason(reasons, "store: %s", store_strerror(rc));
		return;
	}
	buf_printf(figs, ",\"writer_busy_seconds\":%.3f,\"map_used_bytes\":%zu,"
	    "\"map_max_bytes\":%zu,\"disk_free_bytes\":%llu",
	    (double)h.writer_busy_us / 1e6, h.map_used, h.map_max,
	    (unsigned long long)h.disk_free);
	if (h.writer_busy_us > lim->writer_stall_us)
		reason(reasons, "%s", "the writer has been on one commit too long");
	if (h.map_used > h.map_max || h.map_max - h.map_used < lim->min_free)
		reason(reasons, "%s", "the LMDB map is nearly at --map-max");
	if (h.disk_free < lim->min_free)
		reason(reasons, "%s", "the disk is nearly full");
}

/* The figures of follower fl and what is wrong with them. */
static void
lag_checks(const struct probe_limits *lim, const struct probe_follower *fl,
    struct buf *figs, struct buf *reasons)
{
	struct probe_lag lag;

	if (fl->fn(fl->arg, &lag) != 0) {
		reason(reasons, "%s cannot tell its lag", fl->what);
		return;
	}
	buf_printf(figs, ",\"%s_behind\":%llu,\"%s_lag_seconds\":%.3f",
	    fl->name, (unsigned long long)lag.behind, fl->name, lag.seconds);
	if (lag.seconds > lim->max_lag)
		reason(reasons, "%s is too far behind", fl->what);
	if (fl->errors && lag.last_error != 0)
		reason(reasons, "%s's last batch failed", fl->what);
}

int
probe_ready(store *st, const struct probe_limits *lim,
    const struct probe_follower *fl, size_t n, struct http_resp *resp)
{
	struct buf figs = BUF_INIT, reasons = BUF_INIT;
	size_t i;
	int ready;

	store_checks(st, lim, &figs, &reasons);
	for (i = 0; i < n; i++)
		lag_checks(lim, &fl[i], &figs, &reasons);
	ready = reasons.len == 0;
	resp->status = ready ? 200 : 503;
	buf_printf(&resp->body, "{\"status\":\"%s\"", ready ? "ready" :
	    "not ready");
	if (!ready) {
		buf_printf(&resp->body, ",\"reasons\":[%.*s]", (int)reasons.len,
		    reasons.p);
		http_add_header(resp, "Retry-After", "5");
	}
	if (figs.len)
		buf_add(&resp->body, figs.p, figs.len);
	buf_putc(&resp->body, '}');
	buf_free(&figs);
	buf_free(&reasons);
	return ready ? 0 : -1;
}
