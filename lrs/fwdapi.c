/* fwdapi: the /forwarding admin API (fwdapi.h). */
#include "fwdapi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define DEAD_LIMIT_DEF	100
#define DEAD_LIMIT_MAX	1000

/* The path below /forwarding split at '/' (at most 5 segments). */
struct route {
	char	*buf;
	char	*part[6];
	int	 n;
};

static int
split(const char *path, struct route *r)
{
	char *p, *save = NULL;

	memset(r, 0, sizeof(*r));
	r->buf = xstrdup(path);
	for (p = strtok_r(r->buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (r->n == 5)
			return -1;
		r->part[r->n++] = p;
	}
	return 0;
}

static void
fwd_failed(struct http_resp *resp, int rc, const char *id)
{
	if (rc == FWD_ENOTFOUND)
		http_error(resp, 404, "no forwarding target '%s' (or no such "
		    "dead letter)", id);
	else {
		http_error(resp, 503, "forwarding: %s", fwd_strerror(rc));
		http_add_header(resp, "Retry-After", "1");
	}
}

/* A sequence number: a whole number above 0 (0 with zero_ok). */
static int
parse_seq(const char *s, int zero_ok, uint64_t *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end || (*out == 0 && !zero_ok) ? -1 : 0;
}

static void
list_targets(fwd *f, struct http_req *req, struct http_resp *resp)
{
	static const char *const none[] = { NULL };
	int rc;

	if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
		http_error(resp, 405, "/forwarding/targets allows GET and HEAD");
		return;
	}
	if (http_only_params(req, none, resp) != 0)
		return;
	if ((rc = fwd_describe(f, NULL, &resp->body)) != FWD_OK) {
		buf_reset(&resp->body);
		fwd_failed(resp, rc, "");
		return;
	}
	resp->status = 200;
}

static void
put_target(fwd *f, const char *id, struct http_req *req,
    struct http_resp *resp)
{
	char err[320];
	int rc, created;

	if (!http_is_type(http_header(req, "Content-Type"), "application/json")) {
		http_error(resp, 400, "a forwarding target is sent as "
		    "application/json");
		return;
	}
	rc = fwd_put(f, id, req->body, req->len, &created, err, sizeof(err));
	if (rc == FWD_EINVALID || rc == FWD_ELIMIT) {
		http_error(resp, rc == FWD_ELIMIT ? 409 : 400, "%s", err);
		return;
	}
	if (rc != FWD_OK) {
		fwd_failed(resp, rc, id);
		return;
	}
	if ((rc = fwd_describe(f, id, &resp->body)) != FWD_OK) {
		buf_reset(&resp->body);
		fwd_failed(resp, rc, id);
		return;
	}
	resp->status = created ? 201 : 200;
}

static void
one_target(fwd *f, const char *id, struct http_req *req,
    struct http_resp *resp)
{
	int rc;

	if (strcmp(req->method, "PUT") == 0) {
		put_target(f, id, req, resp);
		return;
	}
	if (strcmp(req->method, "DELETE") == 0) {
		if ((rc = fwd_delete(f, id)) != FWD_OK)
			fwd_failed(resp, rc, id);
		else
			resp->status = 204;
		return;
	}
	if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
		http_error(resp, 405, "/forwarding/targets/%s allows GET, PUT "
		    "and DELETE", id);
		return;
	}
	if ((rc = fwd_describe(f, id, &resp->body)) != FWD_OK) {
		buf_reset(&resp->body);
		fwd_failed(resp, rc, id);
		return;
	}
	resp->status = 200;
}

static void
list_dead(fwd *f, const char *id, struct http_req *req,
    struct http_resp *resp)
{
	static const char *const allowed[] = { "after", "limit", NULL };
	const char *a = params_get(&req->q, "after");
	const char *l = params_get(&req->q, "limit");
	uint64_t after = 0, limit = DEAD_LIMIT_DEF;
	int rc;

	if (http_only_params(req, allowed, resp) != 0)
		return;
	if (a && parse_seq(a, 1, &after) != 0) {
		http_error(resp, 400, "after must be a sequence number, not '%s'", a);
		return;
	}
	if (l && (parse_seq(l, 0, &limit) != 0 || limit > DEAD_LIMIT_MAX)) {
		http_error(resp, 400, "limit must be a whole number from 1 to "
		    "%d, not '%s'", DEAD_LIMIT_MAX, l);
		return;
	}
	if ((rc = fwd_dead_list(f, id, after, (size_t)limit, &resp->body)) !=
	    FWD_OK) {
		buf_reset(&resp->body);
		fwd_failed(resp, rc, id);
		return;
	}
	resp->status = 200;
}

/* Retry or drop dead letter seq (0: all) of id. */
static void
act_dead(fwd *f, const char *id, uint64_t seq, int retry,
    struct http_resp *resp)
{
	size_t n;
	int rc;

	rc = retry ? fwd_dead_retry(f, id, seq, &n) :
	    fwd_dead_drop(f, id, seq, &n);
	if (rc != FWD_OK) {
		fwd_failed(resp, rc, id);
		return;
	}
	resp->status = 200;
	buf_printf(&resp->body, "{\"%s\":%zu}", retry ? "retrying" :
	    "dropped", n);
}

/* /targets/{id}/dead-letters[/{seq}][/retry] */
static void
dead_letters(fwd *f, const struct route *r, struct http_req *req,
    struct http_resp *resp)
{
	const char *id = r->part[1];
	int retry = strcmp(r->part[r->n - 1], "retry") == 0;
	uint64_t seq = 0;

	if (r->n - retry == 4 && parse_seq(r->part[3], 0, &seq) != 0) {
		http_error(resp, 404, "no dead letter '%s': dead letters are "
		    "named by their sequence number", r->part[3]);
		return;
	}
	if (retry && strcmp(req->method, "POST") != 0) {
		http_error(resp, 405, "/forwarding/targets/%s/dead-letters/"
		    "retry allows POST", id);
		return;
	}
	if (retry || strcmp(req->method, "DELETE") == 0) {
		act_dead(f, id, seq, retry, resp);
		return;
	}
	if (seq != 0)
		http_error(resp, 405, "/forwarding/targets/%s/dead-letters/%s "
		    "allows DELETE", id, r->part[3]);
	else if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))
		http_error(resp, 405, "/forwarding/targets/%s/dead-letters "
		    "allows GET and DELETE", id);
	else
		list_dead(f, id, req, resp);
}

void
fwdapi_http(void *arg, struct http_req *req, struct http_resp *resp)
{
	fwd *f = arg;
	struct route r;

	if (!(req->cred.scopes & CRED_ALL)) {
		http_error(resp, 403, "credential '%s' has no scope all for "
		    "/forwarding", req->cred.key);
		return;
	}
	if (split(req->path, &r) != 0 || r.n == 0 ||
	    strcmp(r.part[0], "targets") != 0)
		goto none;
	if (r.n == 1)
		list_targets(f, req, resp);
	else if (r.n == 2)
		one_target(f, r.part[1], req, resp);
	else if (strcmp(r.part[2], "dead-letters") == 0 && (r.n == 3 ||
	    r.n == 4 || (r.n == 5 && strcmp(r.part[4], "retry") == 0)))
		dead_letters(f, &r, req, resp);
	else
		goto none;
	free(r.buf);
	return;
none:
	http_error(resp, 404, "no forwarding resource at /forwarding%s",
	    req->path);
	free(r.buf);
}
