/* HTTP tests of authentication on the Statements resource, for xAPI 1.0.3
 * and 2.0.0: no, wrong or malformed credentials are refused with 401 and a
 * JSON body, nothing is stored on their behalf, and the About resource
 * needs neither credentials nor a version header. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "httpc.h"
#include "json.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

#define STMTS	"/xapi/statements"

static struct srv srv = SRV_INIT;
static const char *ver;

#define chk(cond, ...) do {						\
	int chk_ok_ = (cond) ? 1 : 0;					\
	if (!chk_ok_)							\
		fprintf(stderr, "[%s] ", ver);				\
	ok(chk_ok_, __VA_ARGS__);					\
} while (0)

/* Send a request with the version under test and the Authorization
 * header auth (NULL: none); r is released first.  Returns the status. */
static int
call_as(const char *auth, const char *method, const char *path,
    const char *body, struct httpc_resp *r)
{
	struct buf h = BUF_INIT;

	httpc_resp_free(r);
	buf_printf(&h, "X-Experience-API-Version: %s\r\n", ver);
	if (auth != NULL)
		buf_printf(&h, "Authorization: %s\r\n", auth);
	if (body != NULL)
		buf_puts(&h, "Content-Type: application/json\r\n");
	if (httpc_request("127.0.0.1", srv.port, method, path, h.p, body,
	    body ? strlen(body) : 0, r) != 0)
		r->status = -1;
	buf_free(&h);
	return r->status;
}

/* A statement with the given id (a fresh actor keeps them apart). */
static void
statement(const char *id, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "{\"id\":\"%s\",\"actor\":{\"objectType\":\"Agent\","
	    "\"mbox\":\"mailto:auth-%s@example.com\"},\"verb\":{\"id\":"
	    "\"http://example.com/verbs/tried\"},\"object\":{\"objectType\":"
	    "\"Activity\",\"id\":\"http://example.com/activities/auth\"}}",
	    id, id);
}

/* The status of GET statementId=id with the right credentials. */
static int
status_of(const char *id)
{
	struct httpc_resp r = { 0 };
	char path[128];
	int st;

	snprintf(path, sizeof(path), STMTS "?statementId=%s", id);
	st = httpc_xapi(srv.port, ver, "GET", path, NULL, NULL, 0, &r) == 0 ?
	    r.status : -1;
	httpc_resp_free(&r);
	return st;
}

static void
test_version(void)
{
	static const struct {
		const char	*what;
		const char	*user, *secret;	/* NULL user: raw header */
		const char	*raw;		/* NULL: no header at all */
	} bad[] = {
		{ "no credentials", NULL, NULL, NULL },
		{ "a wrong secret", SRV_USER, "wrongsecret", NULL },
		{ "an unknown user", "nobody", SRV_SECRET, NULL },
		{ "the secret of another case", SRV_USER, "TESTSECRET1", NULL },
		{ "an empty password", SRV_USER, "", NULL },
		{ "Basic with no colon", NULL, NULL, "Basic dGVzdA==" },
		{ "Basic with bad base64", NULL, NULL, "Basic !!!not-base64!!!" },
		{ "Basic with nothing", NULL, NULL, "Basic " },
		{ "a Bearer token", NULL, NULL, "Bearer dGVzdDp0ZXN0c2VjcmV0MQ==" },
	};
	struct httpc_resp r = { 0 };
	struct buf auth = BUF_INIT, body = BUF_INIT, path = BUF_INIT;
	char id[37];
	const char *a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&auth);
		a = bad[i].raw;
		if (bad[i].user != NULL) {
			httpc_basic(bad[i].user, bad[i].secret, &auth);
			a = auth.p;
		}
		httpc_uuid(id);
		statement(id, &body);
		buf_reset(&path);
		buf_printf(&path, STMTS "?statementId=%s", id);

		call_as(a, "POST", STMTS, body.p, &r);
		chk(r.status == 401, "POST with %s: want 401, got %d %.200s",
		    bad[i].what, r.status, r.body);
		chk(httpc_error_body(&r), "POST with %s: 401 without a JSON "
		    "error body: %.200s", bad[i].what, r.body);
		chk(httpc_header(&r, "WWW-Authenticate") != NULL,
		    "401 to POST with %s lacks WWW-Authenticate", bad[i].what);
		call_as(a, "PUT", path.p, body.p, &r);
		chk(r.status == 401, "PUT with %s: want 401, got %d",
		    bad[i].what, r.status);
		chk(status_of(id) == 404, "a statement sent with %s was stored",
		    bad[i].what);

		call_as(a, "GET", STMTS, NULL, &r);
		chk(r.status == 401 && httpc_error_body(&r),
		    "GET with %s: want 401 and a JSON body, got %d %.200s",
		    bad[i].what, r.status, r.body);
		call_as(a, "HEAD", STMTS, NULL, &r);
		chk(r.status == 401 && r.len == 0,
		    "HEAD with %s: want 401 without a body, got %d",
		    bad[i].what, r.status);
	}

	/* The right credentials work, spelled in any case of "Basic". */
	buf_reset(&auth);
	httpc_basic(SRV_USER, SRV_SECRET, &auth);
	httpc_uuid(id);
	statement(id, &body);
	chk(call_as(auth.p, "POST", STMTS, body.p, &r) == 200,
	    "POST with the right credentials: %d %.200s", r.status, r.body);
	chk(status_of(id) == 200, "the statement is stored");
	chk(call_as(auth.p, "GET", STMTS, NULL, &r) == 200,
	    "GET with the right credentials: %d", r.status);
	memcpy(auth.p, "basic", 5);
	chk(call_as(auth.p, "GET", STMTS, NULL, &r) == 200,
	    "the auth scheme name is case-insensitive: %d", r.status);

	/* The authority of a statement names the credentials. */
	buf_reset(&path);
	buf_printf(&path, STMTS "?statementId=%s", id);
	httpc_resp_free(&r);
	httpc_xapi(srv.port, ver, "GET", path.p, NULL, NULL, 0, &r);
	chk(json_get(httpc_json(&r), "authority") != NULL,
	    "a stored statement has an authority");

	buf_free(&auth);
	buf_free(&body);
	buf_free(&path);
	httpc_resp_free(&r);
}

/* About answers without credentials and without a version header. */
static void
test_about(void)
{
	struct httpc_resp r = { 0 };
	json *v;

	chk(httpc_request("127.0.0.1", srv.port, "GET", "/xapi/about", NULL,
	    NULL, 0, &r) == 0 && r.status == 200,
	    "GET /xapi/about without credentials or version: %d", r.status);
	v = json_get(httpc_json(&r), "version");
	chk(v != NULL && v->type == JSON_ARRAY, "about lists versions");
	httpc_resp_free(&r);
}

int
main(void)
{
	static const char *versions[] = { "1.0.3", "2.0.0" };
	size_t i;

	ver = "-";
	/* These tests send far more wrong credentials than the default
	 * limit per address allows; http_limits tests the limit. */
	if (srv_start(&srv, "--auth-fail-limit 0") != 0) {
		ok(0, "the server starts");
		return test_done();
	}
	test_about();
	for (i = 0; i < 2; i++) {
		ver = versions[i];
		test_version();
	}
	if (test_failed)
		srv_dump_log(&srv);
	ver = "-";
	chk(srv_stop(&srv, 1) == 0, "the server stops cleanly on SIGTERM");
	return test_done();
}
