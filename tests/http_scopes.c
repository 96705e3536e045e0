/* HTTP tests of credential scopes and of the credential command: what a
 * scope allows, statements/read/mine, and that a revoke by the command
 * (another process) takes effect on the server's next request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "httpc.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

static struct srv s = SRV_INIT;

/* Run "lrsd credential ARGS --data DIR"; returns its exit status. */
static int
credential(const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s credential %s --data %s >/dev/null 2>&1",
	    getenv("LRSD"), args, s.data);
	return system(cmd);
}

/* One request as user:secret; returns the status (or -1). */
static int
as(const char *user, const char *secret, const char *method, const char *path,
    const char *body, struct httpc_resp *out)
{
	struct buf h = BUF_INIT;
	int rc;

	buf_puts(&h, "Authorization: ");
	httpc_basic(user, secret, &h);
	buf_puts(&h, "\r\nX-Experience-API-Version: 1.0.3\r\n");
	if (body)
		buf_puts(&h, "Content-Type: application/json\r\n");
	rc = httpc_request("127.0.0.1", s.port, method, path, h.p, body,
	    body ? strlen(body) : 0, out);
	buf_free(&h);
	return rc == HTTPC_OK ? out->status : -1;
}

static const char stmt_a[] = "{\"actor\":{\"mbox\":\"mailto:scope-a@example.com\"},"
    "\"verb\":{\"id\":\"http://example.com/scoped\"},\"object\":{\"id\":\"http://example.com/a\"}}";
static const char stmt_b[] = "{\"actor\":{\"mbox\":\"mailto:scope-b@example.com\"},"
    "\"verb\":{\"id\":\"http://example.com/scoped\"},\"object\":{\"id\":\"http://example.com/b\"}}";

int
main(void)
{
	struct httpc_resp r = { 0 };
	json *j;
	int st;

	if (srv_start(&s, NULL) != 0) {
		ok(0, "server starts");
		return test_done();
	}
	ok(credential("add writer writersecret1 --scopes statements/write") == 0,
	    "credential add with one scope");
	ok(credential("add mine minesecret12 --scopes statements/write,statements/read/mine") == 0,
	    "credential add with read/mine");
	ok(credential("add bad badsecret123 --scopes statements/fly") != 0,
	    "an unknown scope is refused");
	ok(credential("add writer othersecret1") != 0, "a taken key is refused");

	st = as("writer", "writersecret1", "POST", "/xapi/statements", stmt_a, &r);
	ok(st == 200, "statements/write may POST (%d)", st);
	httpc_resp_free(&r);
	st = as("writer", "writersecret1", "GET", "/xapi/statements", NULL, &r);
	ok(st == 403 && httpc_error_body(&r), "statements/write may not GET (%d)", st);
	httpc_resp_free(&r);
	st = as("writer", "writersecret1", "GET", "/xapi/activities/state?activityId=http://x/y&agent=%7B%22mbox%22%3A%22mailto%3Aa%40b.c%22%7D&stateId=s", NULL, &r);
	ok(st == 403, "statements/write may not read state (%d)", st);
	httpc_resp_free(&r);

	st = as("mine", "minesecret12", "POST", "/xapi/statements", stmt_b, &r);
	ok(st == 200, "read/mine credential posts (%d)", st);
	httpc_resp_free(&r);
	st = as("mine", "minesecret12", "GET",
	    "/xapi/statements?verb=http%3A%2F%2Fexample.com%2Fscoped", NULL, &r);
	j = httpc_json(&r);
	ok(st == 200 && j && json_get(j, "statements") &&
	    json_get(j, "statements")->n == 1 &&
	    strstr(r.body, "scope-b@example.com") && !strstr(r.body, "scope-a@example.com"),
	    "statements/read/mine sees only its own statements (%d): %s", st, r.body);
	httpc_resp_free(&r);
	st = as(SRV_USER, SRV_SECRET, "GET",
	    "/xapi/statements?verb=http%3A%2F%2Fexample.com%2Fscoped", NULL, &r);
	j = httpc_json(&r);
	ok(st == 200 && j && json_get(j, "statements") &&
	    json_get(j, "statements")->n == 2, "the admin sees both (%d)", st);
	httpc_resp_free(&r);

	/* A revoke from another process: the cached credential stops working. */
	ok(credential("revoke writer") == 0, "credential revoke");
	st = as("writer", "writersecret1", "POST", "/xapi/statements", stmt_a, &r);
	ok(st == 401, "a revoked credential is refused at once (%d)", st);
	httpc_resp_free(&r);
	ok(credential("revoke writer") != 0, "revoking twice fails");

	ok(srv_stop(&s, 1) == 0, "server stops cleanly");
	return test_done();
}
