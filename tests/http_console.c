/* HTTP tests of what the admin console stands on: GET / redirects to
 * /admin/, the console's files are public with an ETag, a strict
 * Content-Security-Policy and their media types, and /credentials lists,
 * creates (with a secret shown once) and revokes credentials for a
 * credential with scope all, and nobody else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "httpc.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

static struct srv s = SRV_INIT;

/* One request as user:secret (user NULL: none) with extra headers;
 * returns the status (or -1). */
static int
as(const char *user, const char *secret, const char *method, const char *path,
    const char *extra, const char *body, struct httpc_resp *out)
{
	struct buf h = BUF_INIT;
	int rc;

	httpc_resp_free(out);
	if (user) {
		buf_puts(&h, "Authorization: ");
		httpc_basic(user, secret, &h);
		buf_puts(&h, "\r\n");
	}
	if (body)
		buf_puts(&h, "Content-Type: application/json\r\n");
	if (extra)
		buf_puts(&h, extra);
	rc = httpc_request("127.0.0.1", s.port, method, path, h.p, body,
	    body ? strlen(body) : 0, out);
	buf_free(&h);
	return rc == HTTPC_OK ? out->status : -1;
}

static int
admin(const char *method, const char *path, const char *body,
    struct httpc_resp *out)
{
	return as(SRV_USER, SRV_SECRET, method, path, NULL, body, out);
}

static int
has(const char *text, const char *sub)
{
	return text != NULL && strstr(text, sub) != NULL;
}

static void
static_files(void)
{
	struct httpc_resp r = { 0 };
	char etag[128], inm[200];
	const char *v;

	ok(as(NULL, NULL, "GET", "/", NULL, NULL, &r) == 302 &&
	    has(httpc_header(&r, "Location"), "/admin/"),
	    "GET / answers 302 to /admin/ without credentials");
	ok(as(NULL, NULL, "DELETE", "/", NULL, NULL, &r) == 405, "DELETE / is 405");
	ok(as(NULL, NULL, "GET", "/admin/", NULL, NULL, &r) == 200 &&
	    has(httpc_header(&r, "Content-Type"), "text/html") &&
	    has(r.body, "<script type=\"module\" src=\"/admin/js/main.js\">"),
	    "GET /admin/ is the page, without credentials");
	v = httpc_header(&r, "Content-Security-Policy");
	ok(has(v, "default-src 'none'") && has(v, "script-src 'self'") &&
	    !has(v, "unsafe-inline") && !has(v, "unsafe-eval"),
	    "the page comes with a strict Content-Security-Policy");
	ok(as(NULL, NULL, "GET", "/admin", NULL, NULL, &r) == 200 &&
	    has(r.body, "<html"), "GET /admin is the page too");
	ok(as(NULL, NULL, "GET", "/admin/app.css", NULL, NULL, &r) == 200 &&
	    has(httpc_header(&r, "Content-Type"), "text/css"), "app.css is text/css");
	ok(as(NULL, NULL, "GET", "/admin/js/api.js", NULL, NULL, &r) == 200 &&
	    has(httpc_header(&r, "Content-Type"), "text/javascript") &&
	    has(r.body, "sessionStorage"), "js/api.js is JavaScript");
	v = httpc_header(&r, "ETag");
	ok(v && v[0] == '"' && strlen(v) == 34, "…with a quoted ETag");
	snprintf(etag, sizeof(etag), "%s", v ? v : "");
	snprintf(inm, sizeof(inm), "If-None-Match: \"other\", %s\r\n", etag);
	ok(as(NULL, NULL, "GET", "/admin/js/api.js", inm, NULL, &r) == 304 &&
	    r.len == 0, "If-None-Match naming it is 304, no body");
	ok(as(NULL, NULL, "GET", "/admin/js/api.js",
	    "If-None-Match: \"other\"\r\n", NULL, &r) == 200,
	    "If-None-Match naming another is 200");
	ok(as(NULL, NULL, "HEAD", "/admin/js/api.js", NULL, NULL, &r) == 200 &&
	    r.len == 0, "HEAD of a file: 200 without a body");
	ok(as(NULL, NULL, "GET", "/admin/nope.js", NULL, NULL, &r) == 404 &&
	    httpc_error_body(&r), "a file the console lacks: 404 with a JSON error");
	ok(as(NULL, NULL, "GET", "/admin/../lrs/server.c", NULL, NULL, &r) == 404,
	    "no path leaves the embedded files");
	ok(as(NULL, NULL, "POST", "/admin/", NULL, "{}", &r) == 405,
	    "POST to the console is 405");
	ok(as(NULL, NULL, "GET", "/adminx", NULL, NULL, &r) == 404,
	    "/adminx is not the console");
	httpc_resp_free(&r);
}

static void
unauthorized(void)
{
	struct httpc_resp r = { 0 };

	ok(as(NULL, NULL, "GET", "/credentials", NULL, NULL, &r) == 401 &&
	    httpc_header(&r, "WWW-Authenticate") != NULL,
	    "/credentials without credentials: 401 with a Basic challenge");
	ok(as(SRV_USER, "wrong-secret", "GET", "/credentials",
	    "X-Requested-With: XMLHttpRequest\r\n", NULL, &r) == 401 &&
	    httpc_header(&r, "WWW-Authenticate") == NULL,
	    "a page's script (X-Requested-With) gets its 401 without a challenge");
	httpc_resp_free(&r);
}

static void
credentials(void)
{
	struct httpc_resp r = { 0 };
	char secret[64] = "";
	json *j;
	const char *v;

	ok(admin("POST", "/credentials", "{\"key\":\"reader\",\"scopes\":[\"statements/read\"]}",
	    &r) == 201, "POST /credentials: 201");
	j = httpc_json(&r);
	v = json_get_str(j, "secret");
	ok(json_is_str(json_get(j, "key"), "reader") && v && strlen(v) == 32,
	    "…answers the key and a generated 32-digit secret");
	snprintf(secret, sizeof(secret), "%s", v ? v : "");
	ok(has(httpc_header(&r, "Location"), "/credentials/reader"), "…and its Location");
	ok(as("reader", secret, "GET", "/xapi/statements",
	    "X-Experience-API-Version: 1.0.3\r\n", NULL, &r) == 200,
	    "the new credential reads statements");
	ok(as("reader", secret, "GET", "/credentials", NULL, NULL, &r) == 403,
	    "…but may not list credentials (403: no scope all)");
	ok(admin("POST", "/credentials", "{\"key\":\"reader\",\"scopes\":[\"all\"]}", &r) == 409,
	    "a taken key is 409");
	ok(admin("POST", "/credentials", "{\"key\":\"chosen\",\"secret\":\"chosen-secret\",\"scopes\":[\"state\",\"tiering\"]}",
	    &r) == 201 && json_is_str(json_get(httpc_json(&r), "secret"), "chosen-secret"),
	    "a chosen secret is kept");
	ok(as("chosen", "chosen-secret", "GET", "/tiering/status", NULL, NULL, &r) == 200,
	    "…and works, with its scopes");
	ok(admin("GET", "/credentials", NULL, &r) == 200 && (j = httpc_json(&r)) &&
	    j->type == JSON_ARRAY && j->n == 3 &&
	    json_is_str(json_get(j->vals[0], "key"), "chosen") &&
	    json_is_str(json_get(j->vals[2], "key"), "test"),
	    "GET /credentials lists the three, sorted by key");
	ok(!has(r.body, "secret") && !has(r.body, "chosen-secret"),
	    "…and never a secret");
	ok(admin("GET", "/credentials/chosen", NULL, &r) == 200 &&
	    has(r.body, "\"scopes\":[\"state\",\"tiering\"]") && !has(r.body, "secret"),
	    "GET /credentials/{key}: its scopes, no secret");
	ok(admin("GET", "/credentials/absent", NULL, &r) == 404, "an unknown key: 404");

	ok(admin("POST", "/credentials", "{\"scopes\":[\"statements/rite\"]}", &r) == 400 &&
	    has(r.body, "/scopes/0"), "an unknown scope is 400 naming /scopes/0");
	ok(admin("POST", "/credentials", "{\"scopes\":[]}", &r) == 400 &&
	    has(r.body, "/scopes"), "no scope is 400");
	ok(admin("POST", "/credentials", "{\"key\":\"a:b\",\"scopes\":[\"all\"]}", &r) == 400 &&
	    has(r.body, "/key"), "a key with ':' is 400 naming /key");
	ok(admin("POST", "/credentials", "{\"key\":\"lrsd-mine\",\"scopes\":[\"all\"]}", &r) == 400 &&
	    has(r.body, "lrsd-"), "a reserved key is 400");
	ok(admin("POST", "/credentials", "{\"secret\":\"short\",\"scopes\":[\"all\"]}", &r) == 400 &&
	    has(r.body, "/secret"), "a short secret is 400 naming /secret");
	ok(admin("POST", "/credentials", "{\"scopes\":[\"all\"],\"org\":\"x\"}", &r) == 400 &&
	    has(r.body, "/org"), "an unknown member is 400 naming it");
	ok(admin("POST", "/credentials", "[1", &r) == 400, "malformed JSON is 400");
	ok(as(SRV_USER, SRV_SECRET, "POST", "/credentials", "Content-Type: text/plain\r\n",
	    NULL, &r) == 415, "a body that is not JSON is 415");
	ok(admin("GET", "/credentials", NULL, &r) == 200 && (j = httpc_json(&r)) &&
	    j->n == 3, "none of the refused ones was stored");

	ok(admin("DELETE", "/credentials/test", NULL, &r) == 409,
	    "revoking the credential the request uses is 409");
	ok(admin("DELETE", "/credentials/reader", NULL, &r) == 204, "revoke: 204");
	ok(as("reader", secret, "GET", "/xapi/statements",
	    "X-Experience-API-Version: 1.0.3\r\n", NULL, &r) == 401,
	    "…and the revoked credential is refused at once");
	ok(admin("DELETE", "/credentials/reader", NULL, &r) == 404, "a second revoke: 404");
	ok(admin("PUT", "/credentials", "{}", &r) == 405, "PUT /credentials is 405");
	ok(admin("POST", "/credentials/chosen", "{}", &r) == 405,
	    "POST /credentials/{key} is 405");
	httpc_resp_free(&r);
}

int
main(void)
{
	if (srv_start(&s, NULL) != 0) {
		ok(0, "server starts");
		return test_done();
	}
	static_files();
	unauthorized();
	credentials();
	ok(srv_stop(&s, 1) == 0, "the server stops cleanly");
	return test_done();
}
