/* feed: GET /feed (feed.h). */
#include "feed.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "stmtfmt.h"
#include "xalloc.h"

/* A held request looks at the store and the stop flag this often. */
#define FEED_SLICE_MS	250

struct feed {
	store		*st;
	int		 max_waiting;
	atomic_int	 waiting;
	atomic_int	 stopping;
};

/* What one request asks. */
struct feed_args {
	uint64_t	after;
	long		limit;
	long		wait;		/* seconds */
	int		ids;		/* format=ids */
};

feed *
feed_new(store *st, int max_waiting)
{
	feed *f = xcalloc(1, sizeof(*f));

	f->st = st;
	f->max_waiting = max_waiting < 1 ? 1 : max_waiting;
	return f;
}

void
feed_stop(feed *f)
{
	if (f)
		atomic_store(&f->stopping, 1);
}

void
feed_free(feed *f)
{
	free(f);
}

/* A decimal number in [0, max] into *out; -1 when s is none. */
static int
parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end != '\0' || *out > max ? -1 : 0;
}

/* The parameters into *a; 400 (and -1) naming the bad one. */
static int
parse_args(struct http_req *req, struct feed_args *a, struct http_resp *resp)
{
	static const char *const allowed[] = { "after", "limit", "wait",
	    "format", NULL };
	unsigned long long v;
	const char *s;

	memset(a, 0, sizeof(*a));
	a->limit = FEED_LIMIT_DEF;
	if (http_only_params(req, allowed, resp) != 0)
		return -1;
	if ((s = params_get(&req->q, "after")) != NULL) {
		if (parse_num(s, UINT64_MAX, &v) != 0)
			goto bad_after;
		a->after = v;
	}
	if ((s = params_get(&req->q, "limit")) != NULL) {
		if (parse_num(s, FEED_LIMIT_MAX, &v) != 0 || v == 0) {
			http_error(resp, 400, "limit must be a whole number from "
			    "1 to %d, not '%s'", FEED_LIMIT_MAX, s);
			return -1;
		}
		a->limit = (long)v;
	}
	if ((s = params_get(&req->q, "wait")) != NULL) {
		if (parse_num(s, FEED_WAIT_MAX, &v) != 0) {
			http_error(resp, 400, "wait must be a whole number of "
			    "seconds from 0 to %d, not '%s'", FEED_WAIT_MAX, s);
			return -1;
		}
		a->wait = (long)v;
	}
	if ((s = params_get(&req->q, "format")) != NULL) {
		if (strcmp(s, "ids") != 0 && strcmp(s, "exact") != 0) {
			http_error(resp, 400, "format must be exact or ids, "
			    "not '%s'", s);
			return -1;
		}
		a->ids = strcmp(s, "ids") == 0;
	}
	return 0;
bad_after:
	http_error(resp, 400, "after must be a sequence number (a whole "
	    "number, 0 for the beginning), not '%s'", s);
	return -1;
}

/* One line for entry e into out; -1 when its stored text is not JSON. */
static int
put_line(const struct store_entry *e, int ids, struct buf *out)
{
	json *st = NULL, *view;

	buf_printf(out, "{\"seq\":%llu,\"voided\":%s,\"statement\":",
	    (unsigned long long)e->seq, e->voided_by ? "true" : "false");
	if (!ids)
		buf_add(out, e->text, e->len);
	else {
		if (json_parse(e->text, e->len, 64, &st, NULL, 0) != 0)
			return -1;
		view = stmtfmt_ids(st);
		json_dump(view, out);
		json_free(view);
		json_free(st);
	}
	buf_puts(out, "}\n");
	return 0;
}

/* Lines for the statements after a->after (up to a->limit) into out;
 * *scanned gets the last sequence number looked at (holes included) and
 * *last the store's.  STORE_* codes. */
static int
read_lines(feed *f, const struct feed_args *a, struct buf *out,
    uint64_t *scanned, uint64_t *last)
{
	store_read *rd = NULL;
	struct store_entry e;
	uint64_t seq;
	long n = 0;
	int rc;

	*scanned = a->after;
	if ((rc = store_read_begin(f->st, &rd)) != STORE_OK)
		return rc;
	*last = store_last_seq(rd);
	for (seq = a->after + 1; seq <= *last && n < a->limit; seq++) {
		rc = store_entry_at(store_read_txn(rd), f->st, seq, &e);
		if (rc == STORE_ENOTFOUND) {
			*scanned = seq;		/* deleted since: a hole */
			continue;
		}
		if (rc == STORE_OK && put_line(&e, a->ids, out) != 0)
			rc = STORE_ECORRUPT;
		if (rc != STORE_OK)
			break;
		*scanned = seq;
		n++;
	}
	store_read_end(rd);
	return rc == STORE_ENOTFOUND ? STORE_OK : rc;
}

/* Hold the request until a statement after seq is committed, wait
 * seconds pass or the feed stops. */
static void
hold(feed *f, uint64_t seq, long wait)
{
	int64_t left = wait * 1000;
	uint64_t last;
	int rc;

	while (left > 0 && !atomic_load(&f->stopping)) {
		rc = store_wait(f->st, seq, left < FEED_SLICE_MS ? (int)left :
		    FEED_SLICE_MS, &last);
		if (rc != STORE_ETIMEDOUT)
			return;
		left -= FEED_SLICE_MS;
	}
}

/* Whether req may read every statement. */
static int
may_read(const struct http_req *req)
{
	return (req->cred.scopes & (CRED_STATEMENTS_READ | CRED_ALL_READ |
	    CRED_ALL)) != 0;
}

/* Take one of the places for a held request; -1 when none is free. */
static int
wait_begin(feed *f)
{
	if (atomic_fetch_add(&f->waiting, 1) < f->max_waiting)
		return 0;
	atomic_fetch_sub(&f->waiting, 1);
	return -1;
}

static void
answer(feed *f, const struct feed_args *a, struct http_resp *resp)
{
	uint64_t scanned, last;
	int rc, held = 0;

	rc = read_lines(f, a, &resp->body, &scanned, &last);
	if (rc == STORE_OK && resp->body.len == 0 && scanned == last &&
	    a->wait > 0) {
		if (wait_begin(f) != 0) {
			http_error(resp, 503, "%d requests are waiting on the "
			    "feed already; retry, or poll without wait",
			    f->max_waiting);
			http_add_header(resp, "Retry-After", "1");
			return;
		}
		held = 1;
		hold(f, last > a->after ? last : a->after, a->wait);
		atomic_fetch_sub(&f->waiting, 1);
		rc = read_lines(f, a, &resp->body, &scanned, &last);
	}
	if (rc != STORE_OK) {
		buf_reset(&resp->body);
		http_error(resp, rc == STORE_ECORRUPT ? 500 : 503,
		    "cannot read the feed: %s", store_strerror(rc));
		if (rc != STORE_ECORRUPT)
			http_add_header(resp, "Retry-After", "1");
		return;
	}
	resp->status = 200;
	http_set_type(resp, "application/x-ndjson");
	http_add_header(resp, "X-Lrsd-Feed-Last", "%llu",
	    (unsigned long long)scanned);
	http_add_header(resp, "X-Lrsd-Store-Last", "%llu",
	    (unsigned long long)last);
	if (held)
		http_add_header(resp, "X-Lrsd-Feed-Held", "1");
}

void
feed_http(void *arg, struct http_req *req, struct http_resp *resp)
{
	feed *f = arg;
	struct feed_args a;

	if (req->path[0] != '/' || req->path[1] != '\0') {
		http_error(resp, 404, "no feed resource at /feed%s", req->path);
		return;
	}
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		http_error(resp, 405, "/feed allows GET and HEAD");
		return;
	}
	if (!may_read(req)) {
		http_error(resp, 403, "credential '%s' has no scope to read every "
		    "statement (statements/read, all/read or all) for /feed",
		    req->cred.key);
		return;
	}
	if (parse_args(req, &a, resp) != 0)
		return;
	answer(f, &a, resp);
}
