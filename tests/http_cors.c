/* HTTP tests of CORS: by default any origin may call (its Origin is
 * echoed, "*" without one); with --cors-origins only the origins listed
 * may, for preflights and simple requests alike, and others get 403 with
 * no Access-Control-Allow-Origin; a bad list stops the server at start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "buf.h"
#include "httpc.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

#define PREFLIGHT_ASK	"Access-Control-Request-Method: POST\r\n" \
	"Access-Control-Request-Headers: authorization, x-experience-api-version, content-type\r\n"

/* A request from origin (NULL: none); the status, r filled. */
static int
from(int port, const char *method, const char *path, const char *origin,
    const char *extra, struct httpc_resp *r)
{
	struct buf h = BUF_INIT;
	int st;

	httpc_resp_free(r);
	if (origin)
		buf_printf(&h, "Origin: %s\r\n", origin);
	if (extra)
		buf_puts(&h, extra);
	st = httpc_xapi(port, "1.0.3", method, path, h.p, NULL, 0, r) == 0 ?
	    r->status : -1;
	buf_free(&h);
	return st;
}

static int
header_is(const struct httpc_resp *r, const char *name, const char *want)
{
	const char *v = httpc_header(r, name);

	return want ? v && strcmp(v, want) == 0 : v == NULL;
}

static void
test_open(void)
{
	struct srv s = SRV_INIT;
	struct httpc_resp r = { 0 };

	if (srv_start(&s, NULL) != 0) {
		ok(0, "the server starts");
		return;
	}
	ok(from(s.port, "OPTIONS", "/xapi/statements", "https://any.example",
	    PREFLIGHT_ASK, &r) == 200 &&
	    header_is(&r, "Access-Control-Allow-Origin", "https://any.example") &&
	    strstr(httpc_header(&r, "Access-Control-Allow-Headers"),
	    "X-Experience-API-Version") && strstr(httpc_header(&r,
	    "Access-Control-Allow-Methods"), "POST"),
	    "by default a preflight from any origin is allowed");
	ok(from(s.port, "GET", "/xapi/statements?limit=1", "https://any.example",
	    NULL, &r) == 200 &&
	    header_is(&r, "Access-Control-Allow-Origin", "https://any.example") &&
	    header_is(&r, "Vary", "Origin") &&
	    strstr(httpc_header(&r, "Access-Control-Expose-Headers"), "ETag"),
	    "and so is a request, its origin echoed");
	ok(from(s.port, "GET", "/xapi/about", NULL, NULL, &r) == 200 &&
	    header_is(&r, "Access-Control-Allow-Origin", "*"),
	    "without an Origin the answer allows *");
	httpc_resp_free(&r);
	ok(srv_stop(&s, 1) == 0, "the server stops cleanly");
}

static void
test_list(void)
{
	struct srv s = SRV_INIT;
	struct httpc_resp r = { 0 };

	if (srv_start(&s, "--cors-origins https://a.example,https://B.example:8443") != 0) {
		ok(0, "the server starts with a list");
		return;
	}
	ok(from(s.port, "OPTIONS", "/xapi/statements", "https://a.example",
	    PREFLIGHT_ASK, &r) == 200 &&
	    header_is(&r, "Access-Control-Allow-Origin", "https://a.example"),
	    "a preflight from a listed origin is allowed");
	ok(from(s.port, "GET", "/xapi/statements?limit=1", "https://b.example:8443",
	    NULL, &r) == 200 &&
	    header_is(&r, "Access-Control-Allow-Origin", "https://b.example:8443"),
	    "a request from a listed origin (case aside) is allowed");
	ok(from(s.port, "OPTIONS", "/xapi/statements", "https://evil.example",
	    PREFLIGHT_ASK, &r) == 403 &&
	    header_is(&r, "Access-Control-Allow-Origin", NULL) &&
	    !httpc_header(&r, "Access-Control-Allow-Methods") &&
	    httpc_error_body(&r) && strstr(r.body, "https://evil.example"),
	    "a preflight from another origin: 403 naming it, nothing allowed");
	ok(from(s.port, "GET", "/xapi/statements?limit=1", "https://evil.example",
	    NULL, &r) == 403 && header_is(&r, "Access-Control-Allow-Origin", NULL),
	    "a simple request from another origin: 403");
	ok(from(s.port, "GET", "/xapi/about", "https://b.example", NULL, &r) == 403,
	    "the port is part of the origin");
	ok(from(s.port, "GET", "/xapi/statements?limit=1", NULL, NULL, &r) == 200 &&
	    header_is(&r, "Access-Control-Allow-Origin", NULL),
	    "a request with no Origin (not a browser) is served, allowing no origin");
	httpc_resp_free(&r);
	ok(srv_stop(&s, 1) == 0, "the server stops cleanly");
}

static void
test_bad_list(void)
{
	char dir[] = "/tmp/lrsd-cors.XXXXXX", cmd[1024], line[512];
	FILE *f;
	int st, named = 0;

	if (mkdtemp(dir) == NULL) {
		ok(0, "a temporary directory");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s serve --listen 127.0.0.1:0 --data %s "
	    "--admin test:testsecret1 --cors-origins 'https://a.example/path' "
	    ">%s/log 2>&1", getenv("LRSD"), dir, dir);
	st = system(cmd);
	snprintf(cmd, sizeof(cmd), "%s/log", dir);
	if ((f = fopen(cmd, "r")) != NULL) {
		while (fgets(line, sizeof(line), f))
			named |= strstr(line, "--cors-origins") != NULL;
		fclose(f);
	}
	ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) != 0 && named,
	    "a list with a path in it stops the server at start, naming the option");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "the temporary directory is removed");
}

int
main(void)
{
	test_open();
	test_list();
	test_bad_list();
	return test_done();
}
