/* HTTP tests of request framing over raw sockets: every head that two
 * parsers could frame differently is refused with 400 (414, 431, 501,
 * 505 for limits and versions), "Connection: close" and a closed
 * connection, and a request hidden in the body of a refused one is never
 * executed.  Well-formed framings (chunked, pipelined, 100-continue) still
 * work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "httpc.h"
#include "rawc.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

#define AUTH	"Authorization: Basic dGVzdDp0ZXN0c2VjcmV0MQ==\r\n"	/* test:testsecret1 */
#define WAIT_MS	3000

static struct srv srv = SRV_INIT;

/* A complete, authenticated POST of one statement with id: what an
 * attacker hides in a body. */
static void
hidden_post(const char *id, struct buf *out)
{
	struct buf body = BUF_INIT;

	buf_printf(&body, "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:smuggled@example.com\"},"
	    "\"verb\":{\"id\":\"http://example.com/verbs/smuggled\"},"
	    "\"object\":{\"id\":\"http://example.com/activities/smuggled\"}}", id);
	buf_reset(out);
	buf_printf(out, "POST /xapi/statements HTTP/1.1\r\nHost: x\r\n" AUTH
	    "X-Experience-API-Version: 1.0.3\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s", body.len, body.p);
	buf_free(&body);
}

/* The status of GET statementId=id. */
static int
stored(const char *id)
{
	struct httpc_resp r = { 0 };
	char path[128];
	int st;

	snprintf(path, sizeof(path), "/xapi/statements?statementId=%s", id);
	st = httpc_xapi(srv.port, "1.0.3", "GET", path, NULL, NULL, 0, &r) == 0 ?
	    r.status : -1;
	httpc_resp_free(&r);
	return st;
}

/* Send text; the server must answer status once, say it closes, close,
 * and answer nothing else. */
static void
refused(const char *text, size_t len, int status, const char *what)
{
	struct buf out = BUF_INIT;
	int closed = rawc_exchange(srv.port, text, len, WAIT_MS, &out);

	ok(closed == 1, "%s: the connection is closed (%d)", what, closed);
	ok(rawc_status(out.p) == status, "%s: want %d, got: %.200s", what,
	    status, out.p ? out.p : "");
	ok(rawc_responses(out.p) == 1, "%s: one response, got %d", what,
	    rawc_responses(out.p));
	ok(out.p && strstr(out.p, "\r\nConnection: close\r\n") != NULL,
	    "%s: says Connection: close", what);
	ok(out.p && strstr(out.p, "\"message\":\"") != NULL,
	    "%s: a JSON error with a message", what);
	buf_free(&out);
}

/* The detector works: a POST pipelined after a good request is run. */
static void
test_control(void)
{
	struct buf req = BUF_INIT, post = BUF_INIT, out = BUF_INIT;
	char id[37];

	httpc_uuid(id);
	hidden_post(id, &post);
	buf_puts(&req, "GET /xapi/about HTTP/1.1\r\nHost: x\r\n\r\n");
	buf_add(&req, post.p, post.len);
	ok(rawc_exchange(srv.port, req.p, req.len, WAIT_MS, &out) >= 0 &&
	    rawc_responses(out.p) == 2, "two pipelined requests get two replies, got %d",
	    rawc_responses(out.p));
	ok(stored(id) == 200, "a pipelined POST is stored (the check below can fail)");
	buf_free(&req);
	buf_free(&post);
	buf_free(&out);
}

static void
test_smuggling(void)
{
	struct buf req = BUF_INIT, post = BUF_INIT;
	char id[37];

	/* Two lengths: civetweb took the first (0) and ran the body. */
	httpc_uuid(id);
	hidden_post(id, &post);
	buf_printf(&req, "POST /xapi/statements HTTP/1.1\r\nHost: x\r\n" AUTH
	    "X-Experience-API-Version: 1.0.3\r\nContent-Type: application/json\r\n"
	    "Content-Length: 0\r\nContent-Length: %zu\r\n\r\n", post.len);
	buf_add(&req, post.p, post.len);
	refused(req.p, req.len, 400, "two Content-Lengths");
	ok(stored(id) == 404, "the POST hidden behind two lengths is not stored");

	/* A length and chunked: civetweb took chunked and ran the rest. */
	httpc_uuid(id);
	hidden_post(id, &post);
	buf_reset(&req);
	buf_printf(&req, "POST /xapi/statements HTTP/1.1\r\nHost: x\r\n" AUTH
	    "X-Experience-API-Version: 1.0.3\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	    post.len + 5);
	buf_add(&req, post.p, post.len);
	refused(req.p, req.len, 400, "Content-Length with chunked");
	ok(stored(id) == 404, "the POST hidden behind chunked is not stored");

	/* The same in another spelling. */
	httpc_uuid(id);
	hidden_post(id, &post);
	buf_reset(&req);
	buf_printf(&req, "POST /xapi/statements HTTP/1.1\r\nHost: x\r\n" AUTH
	    "X-Experience-API-Version: 1.0.3\r\nContent-Type: application/json\r\n"
	    "transfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n0\r\n\r\n");
	buf_add(&req, post.p, post.len);
	refused(req.p, req.len, 400, "chunked then a length, lower case");
	ok(stored(id) == 404, "the POST hidden behind lower-case headers is not stored");
	buf_free(&req);
	buf_free(&post);
}

static void
test_heads(void)
{
	struct buf b = BUF_INIT;
	int i;

#define REFUSE(text, status, what) refused(text, sizeof(text) - 1, status, what)
	REFUSE("POST /xapi/statements HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n{}{}{}", 400, "unequal lengths");
	REFUSE("POST /xapi/statements HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n",
	    400, "length 12x");
	REFUSE("POST /xapi/statements HTTP/1.1\r\nHost: x\r\nContent-Length: +12\r\n\r\n",
	    400, "length +12");
	REFUSE("GET /xapi/about HTTP/1.1\r\n\r\n", 400, "no Host");
	REFUSE("GET /xapi/about HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts");
	REFUSE("GET /xapi/about HTTP/1.1\r\nHost : a\r\n\r\n", 400, "blank before a colon");
	REFUSE("GET /xapi/about HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", 400,
	    "a folded line");
	REFUSE("POST /xapi/statements HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
	    501, "a coding other than chunked");
	REFUSE("GET /xapi/about HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/2.0");
	REFUSE("POST /xapi/statements HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\n\r\n", 400, "a bad chunk size");
#undef REFUSE
	buf_puts(&b, "GET /xapi/about?x=");
	for (i = 0; i < 9000; i++)
		buf_putc(&b, 'a');
	buf_puts(&b, " HTTP/1.1\r\nHost: x\r\n\r\n");
	refused(b.p, b.len, 414, "a 9000-byte request line");
	buf_reset(&b);
	buf_puts(&b, "GET /xapi/about HTTP/1.1\r\nHost: x\r\n");
	for (i = 0; i < 101; i++)
		buf_printf(&b, "X-Field-%d: %d\r\n", i, i);
	buf_puts(&b, "\r\n");
	refused(b.p, b.len, 431, "101 header fields");
	buf_reset(&b);
	buf_puts(&b, "GET /xapi/about HTTP/1.1\r\nHost: x\r\nX-Big: ");
	for (i = 0; i < 40000; i++)
		buf_putc(&b, 'b');
	buf_puts(&b, "\r\n\r\n");
	refused(b.p, b.len, 431, "a 40000-byte header");
	buf_free(&b);
}

static void
test_good_framing(void)
{
	struct buf req = BUF_INIT, out = BUF_INIT;
	const char *stmt = "{\"actor\":{\"mbox\":\"mailto:chunked@example.com\"},"
	    "\"verb\":{\"id\":\"http://example.com/verbs/sent\"},"
	    "\"object\":{\"id\":\"http://example.com/activities/chunked\"}}";
	size_t half = strlen(stmt) / 2;
	int fd;

	buf_printf(&req, "POST /xapi/statements HTTP/1.1\r\nHost: x\r\n" AUTH
	    "X-Experience-API-Version: 1.0.3\r\nContent-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	    "%zx\r\n%.*s\r\n%zx;ext=1\r\n%s\r\n0\r\n\r\n", half, (int)half, stmt,
	    strlen(stmt) - half, stmt + half);
	ok(rawc_exchange(srv.port, req.p, req.len, WAIT_MS, &out) == 1 &&
	    rawc_status(out.p) == 200, "a chunked POST is stored: %.300s", out.p);
	ok(rawc_exchange(srv.port, "GET /xapi/about HTTP/1.0\r\n\r\n", 28, WAIT_MS,
	    &out) == 1 && rawc_status(out.p) == 200,
	    "HTTP/1.0 needs no Host, and is closed after the reply");

	/* 100-continue: the server asks for the body, then answers. */
	fd = rawc_connect(NULL, srv.port);
	buf_reset(&req);
	buf_printf(&req, "POST /xapi/statements HTTP/1.1\r\nHost: x\r\n" AUTH
	    "X-Experience-API-Version: 1.0.3\r\nContent-Type: application/json\r\n"
	    "Expect: 100-continue\r\nContent-Length: %zu\r\n\r\n", strlen(stmt));
	buf_reset(&out);
	ok(fd >= 0 && rawc_send(fd, req.p, req.len) == 0 &&
	    rawc_read(fd, 500, &out) == 0 && out.p &&
	    strcmp(out.p, "HTTP/1.1 100 Continue\r\n\r\n") == 0,
	    "100 Continue before the body: %s", out.p ? out.p : "");
	buf_reset(&out);
	ok(fd >= 0 && rawc_send(fd, stmt, strlen(stmt)) == 0 &&
	    rawc_read(fd, 500, &out) == 0 && rawc_status(out.p) == 200,
	    "then the reply, and the connection stays open: %.200s", out.p);
	if (fd >= 0)
		close(fd);
	buf_free(&req);
	buf_free(&out);
}

int
main(void)
{
	if (srv_start(&srv, NULL) != 0) {
		ok(0, "the server starts");
		return test_done();
	}
	test_control();
	test_smuggling();
	test_heads();
	test_good_framing();
	if (test_failed)
		srv_dump_log(&srv);
	ok(srv_stop(&srv, 1) == 0, "the server stops cleanly on SIGTERM");
	return test_done();
}
