/* server: httpd in front, resource handlers behind.
 *
 * Every request has arrived whole (bounded by --max-body, under httpd's
 * deadlines) before any handler runs, and every reply is written after the
 * handler has closed its LMDB transaction.  Errors are JSON
 * {"error", "message"} with a 4xx/5xx.
 */
#include "server.h"
#include "accesslog.h"
#include "altsyntax.h"
#include "authlimit.h"
#include "cors.h"
#include "http.h"
#include "httpd.h"
#include "iso8601.h"
#include "log.h"
#include "metrics.h"
#include "mono.h"
#include "openapi.h"
#include "probe.h"
#include "resource.h"
#include "utf8.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define XAPI_ROOT "/xapi"
#define CORS_METHODS "GET, PUT, POST, DELETE, HEAD, OPTIONS"
#define CORS_HEADERS "Authorization, X-Experience-API-Version, If-Match, " \
	"If-None-Match, Content-Type, Content-Length, Accept-Language"

struct server;

struct mount {
	struct server	*sv;
	char		 prefix[64];
	server_handler	 fn;
	void		*arg;
	int		 public;	/* no credential needed */
};

struct server {
	httpd			*hd;
	struct mount		 mounts[8];
	atomic_int		 nmounts;
	const struct config	*cfg;
	store			*st;
	docstore		*ds;
	cred_store		*cs;
	cors			*cors;
	authlimit		*al;
	struct addr_net		 proxies[16];	/* --trusted-proxies */
	int			 nproxies;
	struct probe_limits	 ready;		/* --ready-* */
	probe_lag_fn		 lag;		/* NULL: no tiering */
	void			*lag_arg;
	struct probe_follower	 followers[4];	/* /ready asks them */
	size_t			 nfollowers;
	server_metrics_fn	 more_metrics[4];	/* /metrics adds theirs */
	void			*more_metrics_arg[4];
	int			 nmore_metrics;
	struct reqid		 ids;
	metrics			*m;
	struct addr_net		 metrics_allow[16];	/* --metrics-allow */
	int			 nmetrics_allow;
	enum accesslog_format	 log_format;
	const char		*home;		/* where GET / redirects; NULL: 404 */
};

static void
add_req_header(struct http_req *req, const char *name, const char *value)
{
	req->headers = xrealloc(req->headers,
	    (req->nheaders + 1) * sizeof(*req->headers));
	req->headers[req->nheaders].name = xstrdup(name);
	req->headers[req->nheaders++].value = xstrdup(value);
}

/* The version the request speaks, from X-Experience-API-Version, into
 * req->v.  A request without the header is by the 1.0.3 spec a 0.9
 * request (XAPI_V09); one naming a version this LRS does not serve is
 * answered as 1.0.3.  0 when the version is served, -1 when not. */
static int
request_version(struct http_req *req)
{
	const char *h = http_header(req, "X-Experience-API-Version");

	if (h == NULL) {
		req->v = XAPI_V09;
		return -1;
	}
	if (strcmp(h, "1.0") == 0 || strcmp(h, "1.0.0") == 0 ||
	    strcmp(h, "1.0.1") == 0 || strcmp(h, "1.0.2") == 0 ||
	    strcmp(h, "1.0.3") == 0) {
		req->v = XAPI_V1;
		return 0;
	}
	if (strncmp(h, "2.0", 3) == 0 && (h[3] == '\0' || (h[3] == '.' &&
	    h[4] && strspn(h + 4, "0123456789") == strlen(h + 4)))) {
		req->v = XAPI_V2;
		return 0;
	}
	req->v = XAPI_V1;
	return -1;
}

/* The scopes that allow method on path. */
static unsigned
scopes_needed(const char *method, const char *path)
{
	int read = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	if (strcmp(path, "/statements") == 0)
		return read ? CRED_STATEMENTS_READ | CRED_STATEMENTS_READ_MINE |
		    CRED_ALL_READ | CRED_ALL :
		    CRED_STATEMENTS_WRITE | CRED_ALL;
	if (strcmp(path, "/activities/state") == 0)
		return CRED_STATE | CRED_ALL | (read ? CRED_ALL_READ : 0);
	if (strcmp(path, "/activities/profile") == 0 ||
	    strcmp(path, "/agents/profile") == 0)
		return CRED_PROFILE | CRED_ALL | (read ? CRED_ALL_READ : 0);
	return CRED_ALL | CRED_ALL_READ | CRED_DEFINE | CRED_PROFILE |
	    CRED_STATE | CRED_STATEMENTS_READ;
}

static void
about(struct http_req *req, struct http_resp *resp)
{
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		http_error(resp, 405, "/about allows GET and HEAD");
		return;
	}
	resp->status = 200;
	buf_puts(&resp->body, "{\"version\":[\"1.0.0\",\"1.0.1\",\"1.0.2\","
	    "\"1.0.3\",\"2.0.0\"],\"extensions\":{}}");
}

static void
route(struct http_req *req, struct http_resp *resp)
{
	const char *p = req->path;

	if (strcmp(p, "/statements") == 0)
		statements_handle(req, resp);
	else if (strcmp(p, "/activities/state") == 0 ||
	    strcmp(p, "/activities/profile") == 0 ||
	    strcmp(p, "/agents/profile") == 0)
		documents_handle(req, resp);
	else if (strcmp(p, "/activities") == 0)
		activities_handle(req, resp);
	else if (strcmp(p, "/agents") == 0)
		agents_handle(req, resp);
	else
		http_error(resp, 404, "no xAPI resource at %s%s", XAPI_ROOT, p);
}


/* Nonzero when target's path is prefix or lies below it. */
static int
under(const char *target, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(target, prefix, n) == 0 &&
	    (target[n] == '\0' || target[n] == '/' || target[n] == '?');
}

/* Vary, and the Access-Control-* headers when origin may read replies. */
static void
cors_headers(const server *sv, const char *origin, struct buf *out)
{
	const char *allow = cors_allow(sv->cors, origin);

	buf_puts(out, "Vary: Origin\r\n");
	if (allow == NULL)
		return;
	buf_printf(out, "Access-Control-Allow-Origin: %s\r\n", allow);
	buf_puts(out, "Access-Control-Expose-Headers: ETag, Last-Modified, "
	    "Content-Type, X-Experience-API-Version, "
	    "X-Experience-API-Consistent-Through\r\n");
}

/* "name: value" and CRLF onto out: the fields of every reply, without
 * printf's parsing of a format (half the instructions of a reply's
 * head). */
static void
put_field(struct buf *out, const char *name, const char *value)
{
	buf_puts(out, name);
	buf_add(out, ": ", 2);
	buf_puts(out, value);
	buf_add(out, "\r\n", 2);
}

/* The whole reply, head and body, onto out; "Connection: close" when the
 * connection closes after it. */
static void
write_reply(const server *sv, struct http_req *req, struct http_resp *resp,
    const char *method, int close, struct buf *out)
{
	char stamp[32], date[40], num[24];
	int head = strcmp(method, "HEAD") == 0;
	int nobody = resp->status == 204 || resp->status == 304;

	buf_printf(out, "HTTP/1.1 %d %s\r\n", resp->status,
	    http_reason(resp->status));
	put_field(out, "Date", http_date(iso8601_now(), date));
	put_field(out, "X-Experience-API-Version", req->v == XAPI_V2 ?
	    "2.0.0" : req->v == XAPI_V1 ? "1.0.3" : "0.9");
	put_field(out, "X-Experience-API-Consistent-Through",
	    iso8601_format(req->st ? store_consistent_through(req->st) :
	    iso8601_now(), stamp));
	cors_headers(sv, http_header(req, "Origin"), out);
	buf_puts(out, "Cache-Control: no-cache\r\n");
	if (req->id[0])
		put_field(out, "X-Request-Id", req->id);
	/* A page's script (X-Requested-With) handles a 401 itself: a
	 * challenge would make the browser pop up its own sign-in. */
	if (resp->status == 401 && http_header(req, "X-Requested-With") == NULL)
		buf_puts(out, "WWW-Authenticate: Basic realm=\"xAPI\"\r\n");
	if (resp->headers.len)
		buf_add(out, resp->headers.p, resp->headers.len);
	if (!nobody) {
		put_field(out, "Content-Type", resp->content_type ?
		    resp->content_type : "application/json; charset=utf-8");
		snprintf(num, sizeof(num), "%zu", resp->body.len);
		put_field(out, "Content-Length", num);
	}
	if (close)
		buf_puts(out, "Connection: close\r\n");
	buf_puts(out, "\r\n");
	if (!head && !nobody && resp->body.len)
		buf_add(out, resp->body.p, resp->body.len);
}

/* The request headers lrsd reads (handlers parse them, some are stored
 * or echoed).  Others pass as opaque bytes, as RFC 9110 lets a recipient
 * treat them: a Latin-1 User-Agent is no reason to refuse a request. */
static const char *const read_headers[] = {
	"Accept-Language", "Authorization", "Content-Type", "Host",
	"If-Match", "If-None-Match", "Origin", "X-Experience-API-Version",
	"Access-Control-Request-Headers", "Access-Control-Request-Method",
	NULL
};

static int
is_read_header(const char *name)
{
	size_t i;

	for (i = 0; read_headers[i]; i++)
		if (strcasecmp(name, read_headers[i]) == 0)
			return 1;
	return 0;
}

/* 400 unless every request header lrsd reads is UTF-8 text without
 * control characters but HTAB. */
static int
check_headers(const struct reqhead *h, struct http_resp *resp)
{
	const char *name, *v;
	size_t i, off;
	int rc;

	for (i = 0; i < h->nfields; i++) {
		name = h->fields[i].name;
		v = h->fields[i].value;
		if (!is_read_header(name))
			continue;
		if ((rc = utf8_check_line(v, strlen(v), &off)) != 0) {
			http_error(resp, 400, "header %s holds %s at byte %zu "
			    "of its value", name, utf8_strerror(rc), off);
			return -1;
		}
	}
	return 0;
}

static void
copy_headers(const struct reqhead *h, struct http_req *req)
{
	size_t i;

	for (i = 0; i < h->nfields; i++)
		add_req_header(req, h->fields[i].name, h->fields[i].value);
}

/* Fill req from the request: path below root, headers, query, body, and
 * the alternate request syntax resolved (its content goes to body).  -1
 * with resp set on a bad request. */
static int
read_request(const struct httpd_req *hreq, const char *root,
    struct http_req *req, struct buf *body, struct http_resp *resp)
{
	const char *target = hreq->head->target + strlen(root);
	const char *query = strchr(target, '?');
	char err[256], *p;
	size_t n;

	/* A trailing slash names the same resource. */
	n = query ? (size_t)(query - target) : strlen(target);
	p = n ? xstrndup(target, n) : xstrdup("/");
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	req->path = p;
	copy_headers(hreq->head, req);
	request_version(req);
	if (check_headers(hreq->head, resp) != 0)
		return -1;
	if (strcmp(req->method, "OPTIONS") == 0)
		return 0;
	if (params_parse(&req->q, query ? query + 1 : NULL, query ?
	    strlen(query + 1) : 0, err, sizeof(err)) != 0) {
		http_error(resp, 400, "%s", err);
		return -1;
	}
	req->body = hreq->body;
	req->len = hreq->len;
	if (strcmp(root, XAPI_ROOT) != 0 ||
	    params_get(&req->q, "method") == NULL)
		return 0;
	if (req->v == XAPI_V2) {
		http_error(resp, 400, "xAPI 2.0.0 has no alternate request syntax (method parameter)");
		return -1;
	}
	if (altsyntax_rewrite(req, body, resp) != 0)
		return -1;
	/* The form may carry the version header. */
	request_version(req);
	return 0;
}

/* 403 when the request comes from a web origin not allowed to call. */
static int
check_origin(const server *sv, struct http_req *req, struct http_resp *resp)
{
	const char *origin = http_header(req, "Origin");

	if (origin == NULL || cors_allow(sv->cors, origin) != NULL)
		return 0;
	http_error(resp, 403, "origin '%s' may not call this LRS (see --cors-origins)",
	    origin);
	return -1;
}

/* The client the request speaks for, into *key and text: the peer, or
 * when the peer is a trusted proxy, the address it appended last to
 * X-Forwarded-For (earlier ones are the client's to invent). */
static void
client_of(const server *sv, const struct httpd_req *hreq,
    const struct http_req *req, struct addr *key, char text[ADDR_TEXT_MAX])
{
	const char *xff = NULL, *last;
	size_t i, n;
	int k;

	*key = hreq->peer;
	snprintf(text, ADDR_TEXT_MAX, "%s", hreq->peer_text);
	for (k = 0; k < sv->nproxies && !addr_in_net(&hreq->peer,
	    &sv->proxies[k]); k++)
		;
	if (k == sv->nproxies)
		return;
	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, "X-Forwarded-For") == 0)
			xff = req->headers[i].value;
	if (xff == NULL)
		return;
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	last += strspn(last, " \t");
	n = strcspn(last, " \t");
	if (n == 0 || n >= ADDR_TEXT_MAX)
		return;
	memcpy(text, last, n);
	text[n] = '\0';
	if (addr_parse(text, key) != 0) {
		*key = hreq->peer;
		snprintf(text, ADDR_TEXT_MAX, "%s", hreq->peer_text);
	}
}

/* The credential into req->cred: 401 when wrong, 429 (before any password
 * hash is computed) while its client has failed too often, 503 when it
 * cannot be checked now (that is no answer about it). */
static int
authenticate(server *sv, const struct httpd_req *hreq, struct http_req *req,
    struct http_resp *resp)
{
	const char *auth = http_header(req, "Authorization");
	int64_t now = mono_ms();
	char text[ADDR_TEXT_MAX];
	struct addr client;
	int retry, rc;

	client_of(sv, hreq, req, &client, text);
	if (authlimit_check(sv->al, &client, now, &retry) != AUTHLIMIT_OK) {
		/* A header verified before costs no hash and guesses nothing:
		 * a client sharing the address with a guesser keeps working. */
		if (auth != NULL &&
		    cred_check_known(sv->cs, auth, &req->cred) == CRED_OK)
			return 0;
		metrics_rate_limited(sv->m);
		http_error(resp, 429, "too many failed authentications from %s; try again in %d s",
		    text, retry);
		http_add_header(resp, "Retry-After", "%d", retry);
		return -1;
	}
	rc = cred_check(sv->cs, auth, &req->cred);
	if (rc == CRED_EDENIED) {
		metrics_auth_failure(sv->m);
		if (auth != NULL)
			authlimit_fail(sv->al, &client, now);
		http_error(resp, 401, "missing or wrong credentials (HTTP Basic)");
		return -1;
	}
	if (rc != CRED_OK) {
		http_error(resp, 503, "cannot check credentials: %s",
		    cred_strerror(rc));
		http_add_header(resp, "Retry-After", "1");
		return -1;
	}
	return 0;
}

/* Version, credential and scope: 0 when the request may go on. */
static int
check_access(server *sv, const struct httpd_req *hreq, struct http_req *req,
    struct http_resp *resp)
{
	const char *vh;

	if (authenticate(sv, hreq, req, resp) != 0)
		return -1;
	if (request_version(req) != 0) {
		if ((vh = http_header(req, "X-Experience-API-Version")) != NULL)
			http_error(resp, 400, "X-Experience-API-Version '%s' is not supported (1.0.0-1.0.3, 2.0.x)", vh);
		else
			http_error(resp, 400, "the X-Experience-API-Version header is required (a request without it is an xAPI 0.9 request, which this LRS does not serve)");
		return -1;
	}
	if (!(req->cred.scopes & scopes_needed(req->method, req->path))) {
		http_error(resp, 403, "credential '%s' has no scope for %s %s",
		    req->cred.key, req->method, req->path);
		return -1;
	}
	return 0;
}

static void
preflight(struct http_resp *resp)
{
	resp->status = 200;
	http_add_header(resp, "Access-Control-Allow-Methods", CORS_METHODS);
	http_add_header(resp, "Access-Control-Allow-Headers", CORS_HEADERS);
	http_add_header(resp, "Access-Control-Max-Age", "86400");
	http_set_type(resp, "text/plain");
}

static void
req_free(struct http_req *req)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->headers);
	free((char *)req->path);
	params_free(&req->q);
}

/* The request's id: the client's X-Request-Id when sane, else a new one. */
static void
request_id(server *sv, struct http_req *req)
{
	const char *in = http_header(req, "X-Request-Id");

	if (reqid_valid(in))
		snprintf(req->id, sizeof(req->id), "%s", in);
	else
		reqid_next(&sv->ids, req->id);
}

/* The access-log line of a request answered with len bytes. */
static void
access_log(const server *sv, const struct httpd_req *hreq,
    const struct http_req *req, int status, size_t len)
{
	struct accesslog_entry e;
	struct buf line = BUF_INIT;
	struct addr client;
	char text[ADDR_TEXT_MAX];

	/* Behind a trusted proxy, the client it forwarded for. */
	client_of(sv, hreq, req, &client, text);
	e.time_us = req->started;
	e.id = req->id;
	e.peer = text;
	e.method = hreq->head ? hreq->head->method : NULL;
	e.target = hreq->head ? hreq->head->target : NULL;
	e.cred = req->cred.key;
	e.status = status;
	e.bytes = len;
	e.usec = iso8601_now() - req->started;
	accesslog_line(&e, sv->log_format, &line);
	buf_putc(&line, '\0');
	log_line(line.p);
	buf_free(&line);
}

/* The --verbose (or error) line of a reply, its query masked as in the
 * access log. */
static void
log_reply(const struct httpd_req *hreq, const struct http_req *req,
    const struct http_resp *resp)
{
	struct buf target = BUF_INIT;

	accesslog_target(hreq->head ? hreq->head->target : "-", &target);
	buf_putc(&target, '\0');
	log_msg(resp->status >= 500 ? LOG_ERR : LOG_INFO, "%s %s %s %s -> %d %s",
	    req->id, hreq->peer_text, req->method, target.p, resp->status,
	    resp->status >= 400 && resp->body.p ? resp->body.p : "");
	buf_free(&target);
}

/* Release what req and resp hold. */
static void
exchange_free(struct http_req *req, struct http_resp *resp)
{
	req_free(req);
	buf_free(&resp->body);
	buf_free(&resp->headers);
	free(resp->content_type);
}

/* Write the reply, log it, release the request. */
static void
finish(server *sv, const struct httpd_req *hreq, struct http_req *req,
    struct http_resp *resp, const char *wire, int close, struct buf *out)
{
	size_t before = out->len;

	if (resp->status == 0)
		http_error(resp, 500, "no reply");
	request_id(sv, req);
	write_reply(sv, req, resp, wire, close, out);
	metrics_request(sv->m, hreq->head ? hreq->head->target : NULL, wire,
	    resp->status, iso8601_now() - req->started);
	if (sv->cfg->access_log)
		access_log(sv, hreq, req, resp->status, out->len - before);
	if (sv->cfg->verbose || resp->status >= 500)
		log_reply(hreq, req, resp);
	exchange_free(req, resp);
}

static void
req_init(server *sv, const char *method, struct http_req *req,
    struct http_resp *resp)
{
	memset(req, 0, sizeof(*req));
	memset(resp, 0, sizeof(*resp));
	req->st = sv->st;
	req->ds = sv->ds;
	req->cfg = sv->cfg;
	req->method = method;
	req->started = iso8601_now();
}

/* A request under /xapi. */
static void
handle(server *sv, const struct httpd_req *hreq, struct buf *out, int close)
{
	const char *wire = hreq->head->method;	/* the method on the wire */
	struct http_req req;
	struct http_resp resp;
	struct buf body = BUF_INIT;
	char *alt_method = NULL;

	req_init(sv, wire, &req, &resp);
	if (read_request(hreq, XAPI_ROOT, &req, &body, &resp) != 0)
		goto reply;
	if (req.method != wire) {
		/* Alternate syntax: the request is a POST on the wire. */
		alt_method = (char *)req.method;
		wire = strcmp(alt_method, "HEAD") == 0 ? "HEAD" : "POST";
	}
	if (check_origin(sv, &req, &resp) != 0)
		goto reply;
	/* /about and preflights need no version: a request without one
	 * is answered as the newest version. */
	if (strcmp(req.method, "OPTIONS") == 0 || strcmp(req.path, "/about") == 0) {
		if (req.v == XAPI_V09)
			req.v = XAPI_V2;
		if (strcmp(req.method, "OPTIONS") == 0)
			preflight(&resp);
		else
			about(&req, &resp);
		goto reply;
	}
	if (check_access(sv, hreq, &req, &resp) != 0)
		goto reply;
	route(&req, &resp);
reply:
	finish(sv, hreq, &req, &resp, wire, close, out);
	free(alt_method);
	buf_free(&body);
}

/* A request under a mounted prefix: read, authenticate, hand over.  The
 * version header is not needed there; replies are labelled 2.0.0. */
static void
handle_mount(struct mount *m, const struct httpd_req *hreq, struct buf *out,
    int close)
{
	server *sv = m->sv;
	struct http_req req;
	struct http_resp resp;
	struct buf body = BUF_INIT;

	req_init(sv, hreq->head->method, &req, &resp);
	if (read_request(hreq, m->prefix, &req, &body, &resp) != 0 ||
	    check_origin(sv, &req, &resp) != 0)
		goto reply;
	req.v = XAPI_V2;
	if (strcmp(req.method, "OPTIONS") == 0) {
		preflight(&resp);
		goto reply;
	}
	if (!m->public && authenticate(sv, hreq, &req, &resp) != 0)
		goto reply;
	m->fn(m->arg, &req, &resp);
reply:
	req.v = XAPI_V2;
	finish(sv, hreq, &req, &resp, hreq->head->method, close, out);
	buf_free(&body);
}

/* Start a reply outside /xapi and the mounts: no credential, no
 * version header. */
static void
plain_start(server *sv, const struct httpd_req *hreq, struct http_req *req,
    struct http_resp *resp)
{
	req_init(sv, hreq->head->method, req, resp);
	copy_headers(hreq->head, req);
	req->v = XAPI_V2;
	req->st = NULL;
}

/* GET /openapi.json: the API's description, for anyone (no credentials:
 * it says what exists, nothing of what is stored). */
static void
describe(server *sv, const struct httpd_req *hreq, struct buf *out,
    int close)
{
	struct http_req req;
	struct http_resp resp;

	plain_start(sv, hreq, &req, &resp);
	if (strcmp(req.method, "GET") != 0 && strcmp(req.method, "HEAD") != 0)
		http_error(&resp, 405, "/openapi.json allows GET and HEAD");
	else {
		resp.status = 200;
		buf_puts(&resp.body, openapi_text());
	}
	finish(sv, hreq, &req, &resp, req.method, close, out);
}

/* Anything outside /xapi and the mounts. */
static void
not_found(server *sv, const struct httpd_req *hreq, struct buf *out,
    int close)
{
	struct http_req req;
	struct http_resp resp;

	plain_start(sv, hreq, &req, &resp);
	http_error(&resp, 404, "the xAPI endpoint is %s", XAPI_ROOT);
	finish(sv, hreq, &req, &resp, req.method, close, out);
}

/* GET /health or /ready: no credential, no version header. */
static void
probe(server *sv, const struct httpd_req *hreq, int ready, struct buf *out,
    int close)
{
	struct http_req req;
	struct http_resp resp;
	const char *m = hreq->head->method;

	plain_start(sv, hreq, &req, &resp);
	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0)
		http_error(&resp, 405, "%s allows GET and HEAD",
		    ready ? "/ready" : "/health");
	else if (ready)
		probe_ready(sv->st, &sv->ready, sv->followers, sv->nfollowers,
		    &resp);
	else
		probe_health(&resp);
	finish(sv, hreq, &req, &resp, m, close, out);
}

/* 0 when the client may read /metrics: its address is allowed, or its
 * credential has scope all. */
static int
metrics_access(server *sv, const struct httpd_req *hreq, struct http_req *req,
    struct http_resp *resp)
{
	char text[ADDR_TEXT_MAX];
	struct addr client;
	int k;

	client_of(sv, hreq, req, &client, text);
	for (k = 0; k < sv->nmetrics_allow; k++)
		if (addr_in_net(&client, &sv->metrics_allow[k]))
			return 0;
	if (authenticate(sv, hreq, req, resp) != 0)
		return -1;
	if (!(req->cred.scopes & CRED_ALL)) {
		http_error(resp, 403, "credential '%s' has no scope all for /metrics",
		    req->cred.key);
		return -1;
	}
	return 0;
}

/* The exposition text of GET /metrics into resp. */
static void
metrics_reply(server *sv, struct http_resp *resp)
{
	struct store_health h;
	struct probe_lag lag;
	int rc, k, lag_rc = 0;

	if ((rc = store_health_get(sv->st, &h)) != STORE_OK) {
		http_error(resp, 503, "cannot read the store's figures: %s",
		    store_strerror(rc));
		http_add_header(resp, "Retry-After", "1");
		return;
	}
	if (sv->lag)
		lag_rc = sv->lag(sv->lag_arg, &lag);
	metrics_write(sv->m, &h, sv->lag ? &lag : NULL, lag_rc, &resp->body);
	for (k = 0; k < sv->nmore_metrics; k++)
		sv->more_metrics[k](sv->more_metrics_arg[k], &resp->body);
	resp->status = 200;
	http_set_type(resp, "text/plain; version=0.0.4; charset=utf-8");
}

/* GET /metrics: the admin credential or an address of --metrics-allow. */
static void
metrics_endpoint(server *sv, const struct httpd_req *hreq, struct buf *out,
    int close)
{
	struct http_req req;
	struct http_resp resp;
	struct buf body = BUF_INIT;
	const char *m = hreq->head->method;

	req_init(sv, m, &req, &resp);
	req.v = XAPI_V2;
	if (read_request(hreq, "/metrics", &req, &body, &resp) != 0)
		goto reply;
	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
		http_error(&resp, 405, "/metrics allows GET and HEAD");
		goto reply;
	}
	if (metrics_access(sv, hreq, &req, &resp) == 0)
		metrics_reply(sv, &resp);
reply:
	req.v = XAPI_V2;
	finish(sv, hreq, &req, &resp, m, close, out);
	buf_free(&body);
}

/* GET / (server_set_home): a redirect to the home page. */
static void
home(server *sv, const struct httpd_req *hreq, struct buf *out, int close)
{
	struct http_req req;
	struct http_resp resp;

	plain_start(sv, hreq, &req, &resp);
	if (strcmp(req.method, "GET") != 0 && strcmp(req.method, "HEAD") != 0)
		http_error(&resp, 405, "/ allows GET and HEAD");
	else {
		resp.status = 302;
		http_add_header(&resp, "Location", "%s", sv->home);
		http_set_type(&resp, "text/plain; charset=utf-8");
		buf_printf(&resp.body, "see %s\n", sv->home);
	}
	finish(sv, hreq, &req, &resp, req.method, close, out);
}

/* The path of target without its query. */
static int
is_path(const char *target, const char *path)
{
	size_t n = strlen(path);

	return strncmp(target, path, n) == 0 &&
	    (target[n] == '\0' || target[n] == '?');
}

/* httpd's handler. */
static void
dispatch(void *arg, const struct httpd_req *hreq, struct buf *out, int *close)
{
	server *sv = arg;
	const char *target = hreq->head->target;
	int i, n = atomic_load(&sv->nmounts);

	if (under(target, XAPI_ROOT)) {
		handle(sv, hreq, out, *close);
		return;
	}
	if (is_path(target, "/health") || is_path(target, "/ready")) {
		probe(sv, hreq, target[1] == 'r', out, *close);
		return;
	}
	if (is_path(target, "/metrics")) {
		metrics_endpoint(sv, hreq, out, *close);
		return;
	}
	for (i = 0; i < n; i++)
		if (under(target, sv->mounts[i].prefix)) {
			handle_mount(&sv->mounts[i], hreq, out, *close);
			return;
		}
	if (sv->home && is_path(target, "/")) {
		home(sv, hreq, out, *close);
		return;
	}
	if (under(target, "/openapi.json") &&
	    target[strlen("/openapi.json")] != '/')
		describe(sv, hreq, out, *close);
	else
		not_found(sv, hreq, out, *close);
}

/* httpd's refusals (bad framing, limits, timeouts): quick, no LMDB, and
 * a log line only with --verbose (a flood of bad requests must not become
 * a flood of log lines). */
static void
refuse(void *arg, const struct httpd_req *hreq, int status, const char *msg,
    struct buf *out)
{
	server *sv = arg;
	struct http_req req;
	struct http_resp resp;
	size_t before;

	req_init(sv, hreq->head ? hreq->head->method : "GET", &req, &resp);
	req.st = NULL;
	if (hreq->head)
		copy_headers(hreq->head, &req);
	if (request_version(&req) != 0 && req.v == XAPI_V09)
		req.v = XAPI_V2;
	http_error(&resp, status, "%s", msg);
	if (status == 429 || status == 503)
		http_add_header(&resp, "Retry-After", "1");
	request_id(sv, &req);
	before = out->len;
	write_reply(sv, &req, &resp, req.method, 1, out);
	if (status == 429)
		metrics_rate_limited(sv->m);
	metrics_request(sv->m, hreq->head ? hreq->head->target : NULL,
	    req.method, status, iso8601_now() - req.started);
	if (sv->cfg->access_log)
		access_log(sv, hreq, &req, status, out->len - before);
	if (sv->cfg->verbose)
		log_msg(LOG_INFO, "%s %s refused: %d %s", req.id, hreq->peer_text,
		    status, msg);
	exchange_free(&req, &resp);
}

static int
mount(server *sv, const char *prefix, server_handler fn, void *arg,
    int public)
{
	struct mount *m;
	int n = atomic_load(&sv->nmounts);

	if (n == (int)(sizeof(sv->mounts) / sizeof(sv->mounts[0])) ||
	    prefix[0] != '/' || strlen(prefix) >= sizeof(m->prefix) ||
	    under(prefix, XAPI_ROOT))
		return -1;
	m = &sv->mounts[n];
	snprintf(m->prefix, sizeof(m->prefix), "%s", prefix);
	m->fn = fn;
	m->arg = arg;
	m->sv = sv;
	m->public = public;
	/* Workers read the count: the mount is whole before it counts. */
	atomic_store(&sv->nmounts, n + 1);
	return 0;
}

int
server_mount(server *sv, const char *prefix, server_handler fn, void *arg)
{
	return mount(sv, prefix, fn, arg, 0);
}

int
server_mount_public(server *sv, const char *prefix, server_handler fn,
    void *arg)
{
	return mount(sv, prefix, fn, arg, 1);
}

void
server_set_home(server *sv, const char *location)
{
	sv->home = location;
}

/* A list of networks (flag names it in err) into nets (at most max). */
static int
parse_nets(const char *flag, const char *list, struct addr_net *nets,
    int max, int *n, char *err, size_t errlen)
{
	char *copy = xstrdup(list), *item, *save = NULL;
	int rc = 0;

	for (item = strtok_r(copy, ", \t", &save); item && rc == 0;
	    item = strtok_r(NULL, ", \t", &save)) {
		if (*n == max) {
			snprintf(err, errlen, "--%s: more than %d networks",
			    flag, max);
			rc = -1;
		} else if (addr_parse_net(item, &nets[(*n)++]) != 0) {
			snprintf(err, errlen, "--%s: '%s' is not an address or network",
			    flag, item);
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

int
server_start(const struct config *cfg, store *st, docstore *ds,
    cred_store *cs, server **out, char *err, size_t errlen)
{
	struct httpd_config hc;
	server *sv = xcalloc(1, sizeof(*sv));
	char why[200];

	sv->cfg = cfg;
	sv->st = st;
	sv->ds = ds;
	sv->cs = cs;
	if (cors_parse(cfg->cors_origins, &sv->cors, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "--cors-origins: %s", why);
		goto fail;
	}
	if (parse_nets("trusted-proxies", cfg->trusted_proxies, sv->proxies,
	    (int)(sizeof(sv->proxies) / sizeof(sv->proxies[0])),
	    &sv->nproxies, err, errlen) != 0 ||
	    parse_nets("metrics-allow", cfg->metrics_allow, sv->metrics_allow,
	    (int)(sizeof(sv->metrics_allow) / sizeof(sv->metrics_allow[0])),
	    &sv->nmetrics_allow, err, errlen) != 0)
		goto fail;
	if (accesslog_format_parse(cfg->log_format, &sv->log_format) != 0) {
		snprintf(err, errlen, "--log-format: '%s' is neither plain nor json",
		    cfg->log_format);
		goto fail;
	}
	if (reqid_init(&sv->ids) != 0) {
		snprintf(err, errlen, "cannot make request ids: the random generator (libcrypto RAND_bytes) failed");
		goto fail;
	}
	sv->ready.writer_stall_us = (int64_t)cfg->ready_writer_stall * 1000000;
	sv->ready.min_free = cfg->ready_min_free;
	sv->ready.max_lag = cfg->ready_max_lag;
	sv->m = metrics_new();
	sv->al = authlimit_new(cfg->auth_fail_limit, cfg->auth_fail_window);
	memset(&hc, 0, sizeof(hc));
	hc.listen = cfg->listen;
	hc.threads = cfg->threads;
	hc.max_conns = cfg->max_conns;
	hc.max_per_addr = cfg->max_per_addr;
	hc.header_ms = cfg->header_ms;
	hc.body_ms = cfg->body_ms;
	hc.idle_ms = cfg->idle_ms;
	hc.write_ms = cfg->write_ms;
	hc.max_body = cfg->max_body;
	hc.handle = dispatch;
	hc.refuse = refuse;
	hc.arg = sv;
	if (httpd_start(&hc, &sv->hd, err, errlen) != 0)
		goto fail;
	if (httpd_max_conns(sv->hd) < cfg->max_conns)
		log_msg(LOG_WARN, "--max-connections lowered to %d by the limit of open files",
		    httpd_max_conns(sv->hd));
	*out = sv;
	return 0;
fail:
	server_stop(sv);
	return -1;
}

void
server_set_lag(server *sv, probe_lag_fn fn, void *arg)
{
	sv->lag = fn;
	sv->lag_arg = arg;
	server_add_lag(sv, "tiering", "the tiering engine", 1, fn, arg);
}

int
server_add_lag(server *sv, const char *name, const char *what, int errors,
    probe_lag_fn fn, void *arg)
{
	struct probe_follower *p;

	if (sv->nfollowers == sizeof(sv->followers) / sizeof(sv->followers[0]))
		return -1;
	p = &sv->followers[sv->nfollowers++];
	p->name = name;
	p->what = what;
	p->errors = errors;
	p->fn = fn;
	p->arg = arg;
	return 0;
}

int
server_add_metrics(server *sv, server_metrics_fn fn, void *arg)
{
	if (sv->nmore_metrics == 4)
		return -1;
	sv->more_metrics[sv->nmore_metrics] = fn;
	sv->more_metrics_arg[sv->nmore_metrics++] = arg;
	return 0;
}

void
server_open(server *sv)
{
	httpd_open(sv->hd);
}

void
server_stop(server *sv)
{
	if (sv == NULL)
		return;
	httpd_stop(sv->hd);
	cors_free(sv->cors);
	authlimit_free(sv->al);
	metrics_free(sv->m);
	free(sv);
}
