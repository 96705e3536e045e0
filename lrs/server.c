/* server: civetweb in front, resource handlers behind.
 *
 * Every request is read whole (bounded by --max-body) before any handler
 * runs, and every reply is written after the handler has closed its LMDB
 * transaction.  Errors are JSON {"error", "message"} with a 4xx/5xx.
 */
#include "server.h"
#include "http.h"
#include "iso8601.h"
#include "log.h"
#include "resource.h"
#include "utf8.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <civetweb.h>

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
};

struct server {
	struct mg_context	*ctx;
	struct mount		 mounts[4];
	int			 nmounts;
	const struct config	*cfg;
	store			*st;
	docstore		*ds;
	cred_store		*cs;
};

/* Headers the alternate request syntax may carry as form fields. */
static const char *form_headers[] = {
	"Authorization", "X-Experience-API-Version", "Content-Type",
	"Content-Length", "If-Match", "If-None-Match", NULL
};

static void
add_req_header(struct http_req *req, const char *name, const char *value)
{
	req->headers = xrealloc(req->headers,
	    (req->nheaders + 1) * sizeof(*req->headers));
	req->headers[req->nheaders].name = xstrdup(name);
	req->headers[req->nheaders++].value = xstrdup(value);
}

static void
set_req_header(struct http_req *req, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0) {
			free(req->headers[i].value);
			req->headers[i].value = xstrdup(value);
			return;
		}
	add_req_header(req, name, value);
}

/* Read the body into *out; 413 when it is over the limit. */
static int
read_body(struct mg_connection *conn, const struct mg_request_info *ri,
    size_t max, struct buf *out, struct http_resp *resp)
{
	char chunk[65536];
	int n;

	if (ri->content_length > 0 && (unsigned long long)ri->content_length > max) {
		http_error(resp, 413, "request body of %lld bytes is over the limit of %zu bytes",
		    ri->content_length, max);
		return -1;
	}
	while ((n = mg_read(conn, chunk, sizeof(chunk))) > 0) {
		if (out->len + (size_t)n > max) {
			http_error(resp, 413, "request body is over the limit of %zu bytes", max);
			return -1;
		}
		buf_add(out, chunk, (size_t)n);
	}
	buf_grow(out, 0);
	return 0;
}

/* Rewrite a 1.0.3 alternate-syntax request (POST ?method=X with a form
 * body) into the request it stands for. */
static int
alternate_syntax(struct http_req *req, struct buf *body, struct http_resp *resp)
{
	struct params form = { 0 };
	const char *method = params_get(&req->q, "method");
	char err[200], *content = NULL, *m;
	size_t i, k, clen = 0;
	int rc = -1;

	if (strcmp(req->method, "POST") != 0) {
		http_error(resp, 400, "the method parameter is only allowed with POST");
		goto out;
	}
	if (req->q.n != 1) {
		http_error(resp, 400, "alternate request syntax allows no query parameter but method");
		goto out;
	}
	m = xstrdup(method);
	for (i = 0; m[i]; i++)
		m[i] = (char)toupper((unsigned char)m[i]);
	if (strcmp(m, "GET") && strcmp(m, "PUT") && strcmp(m, "POST") &&
	    strcmp(m, "DELETE") && strcmp(m, "HEAD")) {
		http_error(resp, 400, "method parameter '%s' is not an HTTP method the LRS serves", method);
		free(m);
		goto out;
	}
	if (!http_is_type(http_header(req, "Content-Type"),
	    "application/x-www-form-urlencoded")) {
		http_error(resp, 400, "alternate request syntax needs Content-Type application/x-www-form-urlencoded");
		free(m);
		goto out;
	}
	if (params_parse(&form, body->p, body->len, err, sizeof(err)) != 0) {
		http_error(resp, 400, "%s", err);
		free(m);
		goto out;
	}
	params_free(&req->q);
	req->method = m;	/* freed by the caller via alt_method */
	/* The content is JSON unless the form names another type. */
	set_req_header(req, "Content-Type", "application/json");
	for (i = 0; i < form.n; i++) {
		for (k = 0; form_headers[k]; k++)
			if (strcasecmp(form.names[i], form_headers[k]) == 0)
				break;
		if (form_headers[k])
			set_req_header(req, form_headers[k], form.values[i]);
		else if (strcmp(form.names[i], "content") == 0) {
			content = form.values[i];
			clen = strlen(content);
		} else
			params_set(&req->q, form.names[i], form.values[i]);
	}
	buf_reset(body);
	if (content)
		buf_add(body, content, clen);
	req->body = body->p ? body->p : "";
	req->len = body->len;
	rc = 0;
out:
	params_free(&form);
	return rc;
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

static void
cors_headers(struct mg_connection *conn, struct buf *out)
{
	const char *origin = mg_get_header(conn, "Origin");

	buf_printf(out, "Access-Control-Allow-Origin: %s\r\n",
	    origin && *origin && !strpbrk(origin, "\r\n") ? origin : "*");
	buf_puts(out, "Vary: Origin\r\n"
	    "Access-Control-Expose-Headers: ETag, Last-Modified, Content-Type, "
	    "X-Experience-API-Version, X-Experience-API-Consistent-Through\r\n");
}

static void
write_reply(struct mg_connection *conn, struct http_req *req,
    struct http_resp *resp, const char *method)
{
	struct buf h = BUF_INIT;
	char stamp[32], date[40];
	int head = strcmp(method, "HEAD") == 0;
	int nobody = resp->status == 204 || resp->status == 304;

	buf_printf(&h, "HTTP/1.1 %d %s\r\n", resp->status,
	    http_reason(resp->status));
	buf_printf(&h, "Date: %s\r\n", http_date(iso8601_now(), date));
	buf_printf(&h, "X-Experience-API-Version: %s\r\n",
	    req->v == XAPI_V2 ? "2.0.0" : req->v == XAPI_V1 ? "1.0.3" : "0.9");
	buf_printf(&h, "X-Experience-API-Consistent-Through: %s\r\n",
	    iso8601_format(req->st ? store_consistent_through(req->st) :
	    iso8601_now(), stamp));
	cors_headers(conn, &h);
	buf_puts(&h, "Cache-Control: no-cache\r\n");
	if (resp->status == 401)
		buf_puts(&h, "WWW-Authenticate: Basic realm=\"xAPI\"\r\n");
	if (resp->headers.len)
		buf_add(&h, resp->headers.p, resp->headers.len);
	if (!nobody) {
		buf_printf(&h, "Content-Type: %s\r\n", resp->content_type ?
		    resp->content_type : "application/json; charset=utf-8");
		buf_printf(&h, "Content-Length: %zu\r\n", resp->body.len);
	}
	if (resp->status == 413)
		buf_puts(&h, "Connection: close\r\n");
	buf_puts(&h, "\r\n");
	/* One write: a header segment followed by a body segment would wait
	 * on the client's delayed ACK. */
	if (!head && !nobody && resp->body.len)
		buf_add(&h, resp->body.p, resp->body.len);
	mg_write(conn, h.p, h.len);
	buf_free(&h);
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
check_headers(const struct mg_request_info *ri, struct http_resp *resp)
{
	const char *name, *v;
	size_t off;
	int i, rc;

	for (i = 0; i < ri->num_headers; i++) {
		name = ri->http_headers[i].name;
		v = ri->http_headers[i].value;
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

/* Fill req from the connection: path, headers, query, body, and the
 * alternate request syntax resolved.  -1 with resp set on a bad request. */
static int
read_request(struct mg_connection *conn, server *sv, const char *root,
    struct http_req *req, struct buf *body, struct http_resp *resp)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const char *uri = ri->local_uri_raw ? ri->local_uri_raw : ri->local_uri;
	char err[256], *p;
	size_t n;
	int i;

	/* Below the root; a trailing slash names the same resource. */
	p = xstrdup(*(uri + strlen(root)) ? uri + strlen(root) : "/");
	for (n = strlen(p); n > 1 && p[n - 1] == '/'; )
		p[--n] = '\0';
	req->path = p;
	for (i = 0; i < ri->num_headers; i++)
		add_req_header(req, ri->http_headers[i].name,
		    ri->http_headers[i].value);
	request_version(req);
	if (check_headers(ri, resp) != 0)
		return -1;
	if (strcmp(req->method, "OPTIONS") == 0)
		return 0;
	if (params_parse(&req->q, ri->query_string, ri->query_string ?
	    strlen(ri->query_string) : 0, err, sizeof(err)) != 0) {
		http_error(resp, 400, "%s", err);
		return -1;
	}
	if (read_body(conn, ri, sv->cfg->max_body, body, resp) != 0)
		return -1;
	req->body = body->p ? body->p : "";
	req->len = body->len;
	if (strcmp(root, XAPI_ROOT) != 0 ||
	    params_get(&req->q, "method") == NULL)
		return 0;
	if (req->v == XAPI_V2) {
		http_error(resp, 400, "xAPI 2.0.0 has no alternate request syntax (method parameter)");
		return -1;
	}
	if (alternate_syntax(req, body, resp) != 0)
		return -1;
	/* The form may carry the version header. */
	request_version(req);
	return 0;
}

/* The credential of the request into req->cred: 0, or -1 with resp set
 * (401 for missing or wrong credentials, 503 when they cannot be checked
 * now: that is no answer about them). */
static int
authenticate(server *sv, struct http_req *req, struct http_resp *resp)
{
	int rc;

	rc = cred_check(sv->cs, http_header(req, "Authorization"), &req->cred);
	if (rc == CRED_OK)
		return 0;
	if (rc == CRED_EDENIED)
		http_error(resp, 401, "missing or wrong credentials (HTTP Basic)");
	else {
		http_error(resp, 503, "cannot check credentials: %s",
		    cred_strerror(rc));
		http_add_header(resp, "Retry-After", "1");
	}
	return -1;
}

/* Version, credential and scope: 0 when the request may go on. */
static int
check_access(server *sv, struct http_req *req, struct http_resp *resp)
{
	const char *vh;

	if (authenticate(sv, req, resp) != 0)
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

/* Write the reply, log it, release the request. */
static void
finish(struct mg_connection *conn, server *sv, struct http_req *req,
    struct http_resp *resp, const char *wire)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);

	if (resp->status == 0)
		http_error(resp, 500, "no reply");
	write_reply(conn, req, resp, wire);
	if (sv->cfg->verbose || resp->status >= 500)
		log_msg(resp->status >= 500 ? LOG_ERR : LOG_INFO, "%s %s -> %d %s",
		    req->method, ri->local_uri, resp->status, resp->status >= 400 &&
		    resp->body.p ? resp->body.p : "");
	req_free(req);
	buf_free(&resp->body);
	buf_free(&resp->headers);
	free(resp->content_type);
}

static int
handle(struct mg_connection *conn, void *cbdata)
{
	server *sv = cbdata;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const char *wire = ri->request_method;	/* the method on the wire */
	struct http_req req;
	struct http_resp resp;
	struct buf body = BUF_INIT;
	char *alt_method = NULL;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.st = sv->st;
	req.ds = sv->ds;
	req.cfg = sv->cfg;
	req.method = wire;
	if (read_request(conn, sv, XAPI_ROOT, &req, &body, &resp) != 0)
		goto reply;
	if (req.method != wire) {
		/* Alternate syntax: the request is a POST on the wire. */
		alt_method = (char *)req.method;
		wire = strcmp(alt_method, "HEAD") == 0 ? "HEAD" : "POST";
	}
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
	if (check_access(sv, &req, &resp) != 0)
		goto reply;
	route(&req, &resp);
reply:
	finish(conn, sv, &req, &resp, wire);
	free(alt_method);
	buf_free(&body);
	return resp.status;
}

/* A request under a mounted prefix: read, authenticate, hand over.  The
 * version header is not needed there; replies are labelled 2.0.0. */
static int
handle_mount(struct mg_connection *conn, void *cbdata)
{
	struct mount *m = cbdata;
	server *sv = m->sv;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct http_req req;
	struct http_resp resp;
	struct buf body = BUF_INIT;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.st = sv->st;
	req.ds = sv->ds;
	req.cfg = sv->cfg;
	req.method = ri->request_method;
	if (read_request(conn, sv, m->prefix, &req, &body, &resp) != 0)
		goto reply;
	req.v = XAPI_V2;
	if (strcmp(req.method, "OPTIONS") == 0) {
		preflight(&resp);
		goto reply;
	}
	if (authenticate(sv, &req, &resp) != 0)
		goto reply;
	m->fn(m->arg, &req, &resp);
reply:
	req.v = XAPI_V2;
	finish(conn, sv, &req, &resp, ri->request_method);
	buf_free(&body);
	return resp.status;
}

int
server_mount(server *sv, const char *prefix, server_handler fn, void *arg)
{
	struct mount *m;

	if (sv->nmounts == (int)(sizeof(sv->mounts) / sizeof(sv->mounts[0])) ||
	    prefix[0] != '/' || strlen(prefix) >= sizeof(m->prefix) ||
	    strcmp(prefix, XAPI_ROOT) == 0)
		return -1;
	m = &sv->mounts[sv->nmounts++];
	snprintf(m->prefix, sizeof(m->prefix), "%s", prefix);
	m->fn = fn;
	m->arg = arg;
	m->sv = sv;
	mg_set_request_handler(sv->ctx, m->prefix, handle_mount, m);
	return 0;
}

/* Anything outside /xapi. */
static int
handle_other(struct mg_connection *conn, void *cbdata)
{
	static const char msg[] = "{\"error\":\"Not Found\",\"message\":\"the xAPI endpoint is " XAPI_ROOT "\"}";

	mg_printf(conn, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s", sizeof(msg) - 1, msg);
	return 404;
}

static int
log_message(const struct mg_connection *conn, const char *message)
{
	log_msg(LOG_WARN, "civetweb: %s", message);
	return 1;
}

int
server_start(const struct config *cfg, store *st, docstore *ds,
    cred_store *cs, server **out, char *err, size_t errlen)
{
	struct mg_callbacks cb;
	char threads[16];
	const char *opts[] = {
		"listening_ports", cfg->listen,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"request_timeout_ms", "30000",
		"keep_alive_timeout_ms", "30000",
		"decode_url", "no",
		"tcp_nodelay", "1",
		/* civetweb answers CORS preflights itself, before handlers. */
		"access_control_allow_origin", "*",
		"access_control_allow_methods", CORS_METHODS,
		"access_control_allow_headers", CORS_HEADERS,
		NULL
	};
	server *sv = xcalloc(1, sizeof(*sv));

	snprintf(threads, sizeof(threads), "%d", cfg->threads);
	memset(&cb, 0, sizeof(cb));
	cb.log_message = log_message;
	sv->cfg = cfg;
	sv->st = st;
	sv->ds = ds;
	sv->cs = cs;
	mg_init_library(0);
	sv->ctx = mg_start(&cb, sv, opts);
	if (sv->ctx == NULL) {
		snprintf(err, errlen, "cannot listen on %s (port taken or bad address?)",
		    cfg->listen);
		free(sv);
		return -1;
	}
	mg_set_request_handler(sv->ctx, XAPI_ROOT, handle, sv);
	mg_set_request_handler(sv->ctx, "/", handle_other, sv);
	*out = sv;
	return 0;
}

void
server_stop(server *sv)
{
	if (sv == NULL)
		return;
	mg_stop(sv->ctx);
	free(sv);
}
