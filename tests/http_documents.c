/* HTTP tests of the State, Activity Profile and Agent Profile resources
 * and of the Activities and Agents resources, for xAPI 1.0.3 and 2.0.0:
 * store and fetch exact bytes, merge, list with since, delete one and
 * many, the precondition matrix (ETag, If-Match, If-None-Match, 409, 412),
 * parameter errors, size bound, HEAD, CORS preflight, the 1.0.3
 * alternate syntax, canonical Activities and Person objects learned from
 * statements, and documents surviving a restart. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "httpc.h"
#include "json.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

#define STATE	"/xapi/activities/state"
#define APROF	"/xapi/activities/profile"
#define GPROF	"/xapi/agents/profile"
#define ACTS	"/xapi/activities"
#define AGENTS	"/xapi/agents"
#define MAX_DOC	4096

static struct srv srv = SRV_INIT;
static const char *ver;
static int v2;

#define chk(cond, ...) do {						\
	int chk_ok_ = (cond) ? 1 : 0;					\
	if (!chk_ok_)							\
		fprintf(stderr, "[%s] ", ver);				\
	ok(chk_ok_, __VA_ARGS__);					\
} while (0)

/* path?n1=v1&n2=v2... (values percent-encoded; a NULL value skips). */
static const char *
url(struct buf *b, const char *path, ...)
{
	const char *n, *v;
	va_list ap;
	int first = 1;

	buf_reset(b);
	buf_puts(b, path);
	va_start(ap, path);
	while ((n = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v == NULL)
			continue;
		buf_putc(b, first ? '?' : '&');
		first = 0;
		buf_puts(b, n);
		buf_putc(b, '=');
		httpc_urlencode(v, b);
	}
	va_end(ap);
	return b->p;
}

/* One request with the version under test; r is released first.
 * Returns the status (-1 when the request failed). */
static int
call(const char *method, const char *path, const char *extra,
    const void *body, size_t len, struct httpc_resp *r)
{
	httpc_resp_free(r);
	if (httpc_xapi(srv.port, ver, method, path, extra, body, len, r) != 0)
		r->status = -1;
	return r->status;
}

static int
body_is(const struct httpc_resp *r, const char *s)
{
	return r->len == strlen(s) && memcmp(r->body, s, r->len) == 0;
}

static void
sha1_hex(const void *p, size_t n, char out[41])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len, i;

	EVP_Digest(p, n, md, &len, EVP_sha1(), NULL);
	for (i = 0; i < 20; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[40] = '\0';
}

/* Nonzero when the JSON array body holds string s. */
static int
array_has(struct httpc_resp *r, const char *s)
{
	json *j = httpc_json(r);
	size_t i;

	for (i = 0; j && j->type == JSON_ARRAY && i < j->n; i++)
		if (json_is_str(j->vals[i], s))
			return 1;
	return 0;
}

static size_t
array_len(struct httpc_resp *r)
{
	json *j = httpc_json(r);

	return j && j->type == JSON_ARRAY ? j->n : (size_t)-1;
}

static void
test_state(const char *agent)
{
	struct httpc_resp r = { 0 };
	struct buf u = BUF_INIT, h = BUF_INIT;
	char act[128], reg[37], reg2[37], sha[41], etag[64];
	static const char bin[] = { 'b', 0, 1, (char)0xfe, (char)0xff, '\n' };
	int64_t t;

	snprintf(act, sizeof(act), "http://example.com/state/%s", ver);
	httpc_uuid(reg);
	httpc_uuid(reg2);

	/* Binary PUT, exact bytes back with type, ETag, Last-Modified. */
	chk(call("PUT", url(&u, STATE, "activityId", act, "agent", agent,
	    "stateId", "bin", NULL), "Content-Type: application/octet-stream\r\n",
	    bin, sizeof(bin), &r) == 204, "PUT binary state: %d", r.status);
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 &&
	    r.len == sizeof(bin) && memcmp(r.body, bin, sizeof(bin)) == 0,
	    "GET returns the exact bytes");
	chk(httpc_header(&r, "Content-Type") &&
	    strcmp(httpc_header(&r, "Content-Type"), "application/octet-stream") == 0,
	    "GET returns the stored Content-Type");
	sha1_hex(bin, sizeof(bin), sha);
	snprintf(etag, sizeof(etag), "\"%s\"", sha);
	chk(httpc_header(&r, "ETag") && strcmp(httpc_header(&r, "ETag"), etag) == 0,
	    "ETag is the quoted SHA-1 of the content: %s",
	    httpc_header(&r, "ETag") ? httpc_header(&r, "ETag") : "(none)");
	t = httpc_httpdate(httpc_header(&r, "Last-Modified"));
	chk(t > 0, "Last-Modified is an HTTP date");
	chk(call("HEAD", u.p, NULL, NULL, 0, &r) == 200 && r.len == 0 &&
	    httpc_header(&r, "ETag") != NULL, "HEAD: no body, ETag");

	/* POST: JSON onto binary cannot merge. */
	chk(call("POST", u.p, NULL, "{\"a\":1}", (size_t)-1, &r) == 400 &&
	    httpc_error_body(&r), "POST JSON onto binary: 400");
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 && r.len == sizeof(bin),
	    "refused POST changed nothing");

	/* POST merges one level deep. */
	url(&u, STATE, "activityId", act, "agent", agent, "stateId", "json",
	    NULL);
	chk(call("POST", u.p, NULL, "{\"car\":{\"make\":\"Ford\"},\"d\":1}",
	    (size_t)-1, &r) == 204, "POST new JSON state: %d", r.status);
	chk(call("POST", u.p, NULL, "{\"car\":{\"model\":\"Ram\"},\"e\":2}",
	    (size_t)-1, &r) == 204, "POST merges");
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 &&
	    body_is(&r, "{\"car\":{\"model\":\"Ram\"},\"d\":1,\"e\":2}"),
	    "merged document: %s", r.body);
	chk(call("POST", u.p, "Content-Type: text/plain\r\n", "abc", 3, &r) ==
	    400, "POST non-JSON onto JSON: 400");
	chk(call("POST", u.p, NULL, "{\"x\":1}{", (size_t)-1, &r) == 400,
	    "POST invalid JSON: 400");
	chk(call("POST", u.p, NULL, "[1,2]", (size_t)-1, &r) == 400,
	    "POST a JSON array: 400");
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 &&
	    body_is(&r, "{\"car\":{\"model\":\"Ram\"},\"d\":1,\"e\":2}"),
	    "refused POSTs changed nothing");

	/* POST of a non-JSON document where none exists stores it. */
	chk(call("POST", url(&u, STATE, "activityId", act, "agent", agent,
	    "stateId", "text", NULL), "Content-Type: text/plain\r\n", "hello", 5,
	    &r) == 204, "POST new text document");
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 && body_is(&r, "hello"),
	    "text document stored");

	/* Registration keeps documents apart. */
	chk(call("PUT", url(&u, STATE, "activityId", act, "agent", agent,
	    "registration", reg, "stateId", "json", NULL), NULL, "{\"r\":1}",
	    (size_t)-1, &r) == 204, "PUT with registration");
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 && body_is(&r, "{\"r\":1}"),
	    "GET with registration");
	chk(call("PUT", url(&u, STATE, "activityId", act, "agent", agent,
	    "registration", reg2, "stateId", "other", NULL), NULL, "{\"r\":2}",
	    (size_t)-1, &r) == 204, "PUT with a second registration");

	/* Lists. */
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", agent,
	    "registration", reg, NULL), NULL, NULL, 0, &r) == 200 &&
	    array_len(&r) == 1 && array_has(&r, "json"),
	    "list of one registration: %s", r.body);
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", agent, NULL),
	    NULL, NULL, 0, &r) == 200 && array_len(&r) == 4 &&
	    array_has(&r, "bin") && array_has(&r, "json") &&
	    array_has(&r, "text") && array_has(&r, "other"),
	    "list without registration: every state, each id once: %s", r.body);
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", agent,
	    "since", "2000-01-01T00:00:00Z", NULL), NULL, NULL, 0, &r) == 200 &&
	    array_len(&r) == 4, "since in the past: all");
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", agent,
	    "since", "2999-01-01T00:00:00Z", NULL), NULL, NULL, 0, &r) == 200 &&
	    array_len(&r) == 0, "since in the future: none");
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", agent,
	    "since", "yesterday", NULL), NULL, NULL, 0, &r) == 400 &&
	    httpc_error_body(&r), "bad since: 400");

	/* Parameter errors. */
	chk(call("PUT", url(&u, STATE, "agent", agent, "stateId", "x", NULL),
	    NULL, "{}", 2, &r) == 400 && httpc_error_body(&r),
	    "PUT without activityId: 400");
	chk(call("GET", url(&u, STATE, "activityId", act, "stateId", "x", NULL),
	    NULL, NULL, 0, &r) == 400, "GET without agent: 400");
	chk(call("POST", url(&u, STATE, "activityId", act, "agent", agent, NULL),
	    NULL, "{}", 2, &r) == 400, "POST without stateId: 400");
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", "not JSON",
	    "stateId", "x", NULL), NULL, NULL, 0, &r) == 400,
	    "agent not JSON: 400");
	chk(call("GET", url(&u, STATE, "activityId", act, "agent",
	    "{\"name\":\"no ifi\"}", "stateId", "x", NULL), NULL, NULL, 0, &r) ==
	    400, "agent without IFI: 400");
	chk(call("GET", url(&u, STATE, "activityId", act, "agent",
	    "{\"mbox\":\"a@example.com\"}", "stateId", "x", NULL), NULL, NULL, 0,
	    &r) == 400, "agent with a bad mbox: 400");
	chk(call("DELETE", url(&u, STATE, "activityId", act, "agent", agent,
	    "registration", "true", NULL), NULL, NULL, 0, &r) == 400,
	    "registration not a UUID: 400");
	chk(call("GET", url(&u, STATE, "activityId", "not an iri", "agent",
	    agent, NULL), NULL, NULL, 0, &r) == 400, "activityId not an IRI: 400");
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", agent,
	    "stateId", "json", "color", "red", NULL), NULL, NULL, 0, &r) == 400,
	    "unknown parameter: 400");
	chk(call("PUT", url(&u, STATE, "activityId", act, "agent", agent,
	    "stateId", "json", "since", "2000-01-01T00:00:00Z", NULL), NULL, "{}",
	    2, &r) == 400, "since on PUT: 400");
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", agent,
	    "stateId", "none", NULL), NULL, NULL, 0, &r) == 404 &&
	    httpc_error_body(&r), "GET of a missing document: 404");
	chk(call("PATCH", url(&u, STATE, "activityId", act, "agent", agent,
	    "stateId", "json", NULL), NULL, "{}", 2, &r) == 405,
	    "PATCH: 405");

	/* Size bound. */
	{
		char *big = malloc(MAX_DOC + 1);

		memset(big, 'x', MAX_DOC + 1);
		chk(call("PUT", url(&u, STATE, "activityId", act, "agent", agent,
		    "stateId", "big", NULL), "Content-Type: text/plain\r\n", big,
		    MAX_DOC + 1, &r) == 413, "document over --max-doc: 413");
		chk(call("PUT", u.p, "Content-Type: text/plain\r\n", big, MAX_DOC,
		    &r) == 204, "document at --max-doc: 204");
		free(big);
	}

	/* Deletes: one, absent, then every state of a registration, then
	 * all. */
	chk(call("DELETE", url(&u, STATE, "activityId", act, "agent", agent,
	    "stateId", "text", NULL), NULL, NULL, 0, &r) == 204, "DELETE one");
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 404, "deleted: 404");
	chk(call("DELETE", u.p, NULL, NULL, 0, &r) == 204,
	    "DELETE of a missing document: 204");
	chk(call("DELETE", url(&u, STATE, "activityId", act, "agent", agent,
	    "registration", reg, NULL), NULL, NULL, 0, &r) == 204,
	    "DELETE all of a registration");
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", agent, NULL),
	    NULL, NULL, 0, &r) == 200 && array_len(&r) == 4 &&
	    !array_has(&r, "text"), "other registrations stay: %s", r.body);
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", agent,
	    "stateId", "json", NULL), NULL, NULL, 0, &r) == 200 &&
	    r.body[1] == '"' && r.body[2] == 'c', "same id without registration stays");
	chk(call("DELETE", url(&u, STATE, "activityId", act, "agent", agent,
	    NULL), NULL, NULL, 0, &r) == 204, "DELETE all states");
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 && array_len(&r) == 0,
	    "none left");

	/* State concurrency: 1.0.3 lets PUT overwrite without headers; 2.0.0
	 * wants If-Match (409 without). */
	url(&u, STATE, "activityId", act, "agent", agent, "stateId", "cc", NULL);
	chk(call("PUT", u.p, NULL, "{\"v\":1}", (size_t)-1, &r) == 204,
	    "PUT new state without headers");
	chk(call("PUT", u.p, NULL, "{\"v\":2}", (size_t)-1, &r) ==
	    (v2 ? 409 : 204), "PUT over a state without headers: %d", r.status);
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 &&
	    body_is(&r, v2 ? "{\"v\":1}" : "{\"v\":2}"), "state after it");
	buf_reset(&h);
	buf_printf(&h, "If-Match: %s\r\n", httpc_header(&r, "ETag"));
	chk(call("PUT", u.p, h.p, "{\"v\":3}", (size_t)-1, &r) == 204,
	    "PUT over a state with If-Match");
	chk(call("DELETE", u.p, "If-Match: \"0000\"\r\n", NULL, 0, &r) == 412,
	    "DELETE with a stale If-Match: 412");
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200, "still there");

	httpc_resp_free(&r);
	buf_free(&u);
	buf_free(&h);
}

/* The concurrency matrix on a profile resource (path with its scope
 * parameters already in base). */
static void
test_profile(const char *path, const char *scope_name, const char *scope)
{
	struct httpc_resp r = { 0 };
	struct buf u = BUF_INIT, h = BUF_INIT;
	char id[37], tag[64];

	httpc_uuid(id);
	url(&u, path, scope_name, scope, "profileId", id, NULL);
	chk(call("PUT", u.p, NULL, "{\"a\":1}", (size_t)-1, &r) == 400 &&
	    httpc_error_body(&r), "%s: PUT without If-Match/If-None-Match: 400",
	    path);
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 404, "%s: not stored", path);
	chk(call("PUT", u.p, "If-Match: *\r\n", "{\"a\":1}", (size_t)-1, &r) ==
	    412, "%s: If-Match * with no document: 412", path);
	chk(call("PUT", u.p, "If-None-Match: *\r\n", "{\"a\":1}", (size_t)-1,
	    &r) == 204, "%s: If-None-Match * creates", path);
	chk(httpc_header(&r, "ETag") != NULL, "%s: PUT reply has an ETag", path);
	chk(call("PUT", u.p, "If-None-Match: *\r\n", "{\"a\":2}", (size_t)-1,
	    &r) == 412, "%s: If-None-Match * over a document: 412", path);
	chk(call("PUT", u.p, NULL, "{\"a\":3}", (size_t)-1, &r) == 409 &&
	    httpc_error_body(&r), "%s: PUT over a document without headers: 409",
	    path);
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 && body_is(&r, "{\"a\":1}"),
	    "%s: refused PUTs changed nothing", path);
	snprintf(tag, sizeof(tag), "%s", httpc_header(&r, "ETag") ?
	    httpc_header(&r, "ETag") : "\"\"");
	buf_reset(&h);
	buf_printf(&h, "If-None-Match: %s\r\n", tag);
	chk(call("GET", u.p, h.p, NULL, 0, &r) == 304, "%s: GET If-None-Match "
	    "the current ETag: 304", path);
	chk(call("PUT", u.p, "If-Match: \"1111111111111111111111111111111111111111\"\r\n",
	    "{\"a\":4}", (size_t)-1, &r) == 412, "%s: stale If-Match: 412", path);
	chk(call("POST", u.p, "If-Match: \"1234\"\r\n", "{\"b\":1}", (size_t)-1,
	    &r) == 412, "%s: POST with stale If-Match: 412", path);
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 && body_is(&r, "{\"a\":1}"),
	    "%s: failed preconditions changed nothing", path);
	buf_reset(&h);
	buf_printf(&h, "If-Match: %s\r\n", tag);
	chk(call("PUT", u.p, h.p, "{\"a\":5}", (size_t)-1, &r) == 204,
	    "%s: PUT with the current ETag", path);
	chk(call("PUT", u.p, h.p, "{\"a\":6}", (size_t)-1, &r) == 412,
	    "%s: the old ETag no longer matches", path);
	chk(call("POST", u.p, NULL, "{\"b\":1}", (size_t)-1, &r) == 204,
	    "%s: POST without headers merges", path);
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 200 &&
	    body_is(&r, "{\"a\":5,\"b\":1}"), "%s: merged: %s", path, r.body);
	snprintf(tag, sizeof(tag), "%s", httpc_header(&r, "ETag") ?
	    httpc_header(&r, "ETag") : "\"\"");
	chk(call("DELETE", u.p, "If-Match: \"1234\"\r\n", NULL, 0, &r) == 412,
	    "%s: DELETE with stale If-Match: 412", path);
	buf_reset(&h);
	buf_printf(&h, "If-Match: W/%s, %s\r\n", tag, tag);
	chk(call("DELETE", u.p, h.p, NULL, 0, &r) == 204,
	    "%s: DELETE with an ETag list", path);
	chk(call("GET", u.p, NULL, NULL, 0, &r) == 404, "%s: deleted", path);

	/* Lists and errors. */
	chk(call("POST", u.p, NULL, "{\"c\":1}", (size_t)-1, &r) == 204,
	    "%s: POST creates", path);
	chk(call("GET", url(&u, path, scope_name, scope, NULL), NULL, NULL, 0,
	    &r) == 200 && array_has(&r, id), "%s: list has the id", path);
	chk(call("GET", url(&u, path, scope_name, scope, "since",
	    "2999-01-01T00:00:00.000+01:00", NULL), NULL, NULL, 0, &r) == 200 &&
	    array_len(&r) == 0, "%s: since in the future", path);
	chk(call("GET", url(&u, path, scope_name, scope, "since", "true", NULL),
	    NULL, NULL, 0, &r) == 400, "%s: bad since: 400", path);
	chk(call("DELETE", url(&u, path, scope_name, scope, NULL), NULL, NULL, 0,
	    &r) == 400, "%s: DELETE without profileId: 400", path);
	chk(call("PUT", url(&u, path, "profileId", id, NULL), "If-None-Match: *\r\n",
	    "{}", 2, &r) == 400, "%s: missing %s: 400", path, scope_name);
	httpc_resp_free(&r);
	buf_free(&u);
	buf_free(&h);
}

/* Post a statement; 200 expected. */
static int
post_statement(const char *text)
{
	struct httpc_resp r = { 0 };
	int st = call("POST", "/xapi/statements", NULL, text, (size_t)-1, &r);

	if (st != 200)
		fprintf(stderr, "statement refused (%d): %s\n", st, r.body);
	httpc_resp_free(&r);
	return st;
}

static void
test_activities_agents(void)
{
	struct httpc_resp r = { 0 };
	struct buf u = BUF_INIT, s = BUF_INIT;
	char act[128], mbox[128], agent[256];
	json *j = NULL, *name;

	snprintf(act, sizeof(act), "http://example.com/act/%s", ver);
	snprintf(mbox, sizeof(mbox), "mailto:learner-%s@example.com", ver);
	snprintf(agent, sizeof(agent), "{\"mbox\":\"%s\"}", mbox);

	chk(call("GET", url(&u, ACTS, "activityId", act, NULL), NULL, NULL, 0,
	    &r) == 200 && (j = httpc_json(&r)) != NULL &&
	    json_is_str(json_get(j, "objectType"), "Activity") &&
	    json_is_str(json_get(j, "id"), act) && j->n == 2,
	    "unknown activity: a bare Activity object: %s", r.body);
	buf_printf(&s, "[{\"actor\":{\"name\":\"Lee\",\"mbox\":\"%s\"},"
	    "\"verb\":{\"id\":\"http://example.com/v\"},\"object\":{\"id\":\"%s\","
	    "\"definition\":{\"name\":{\"en-US\":\"meeting\"},\"type\":"
	    "\"http://example.com/t/1\"}},\"context\":{\"contextActivities\":"
	    "{\"grouping\":[{\"id\":\"%s/group\",\"definition\":{\"description\":"
	    "{\"en\":\"g\"}}}]}}},"
	    "{\"actor\":{\"name\":\"Lee Smith\",\"mbox\":\"%s\"},"
	    "\"verb\":{\"id\":\"http://example.com/v\"},\"object\":{\"id\":\"%s\","
	    "\"definition\":{\"name\":{\"fr-FR\":\"r\xc3\xa9union\"},\"type\":"
	    "\"http://example.com/t/2\"}}}]", mbox, act, act, mbox, act);
	chk(post_statement(s.p) == 200, "statements stored");
	chk(call("GET", url(&u, ACTS, "activityId", act, NULL), NULL, NULL, 0,
	    &r) == 200 && (j = httpc_json(&r)) != NULL, "known activity");
	name = json_get(json_get(j, "definition"), "name");
	chk(json_is_str(json_get(name, "en-US"), "meeting") &&
	    json_is_str(json_get(name, "fr-FR"), "r\xc3\xa9union"),
	    "canonical definition joins both languages: %s", r.body);
	chk(json_is_str(json_get(json_get(j, "definition"), "type"),
	    "http://example.com/t/2"), "the last type seen wins");
	chk(call("HEAD", u.p, NULL, NULL, 0, &r) == 200 && r.len == 0,
	    "HEAD /activities");
	snprintf(act + strlen(act), sizeof(act) - strlen(act), "/group");
	chk(call("GET", url(&u, ACTS, "activityId", act, NULL), NULL, NULL, 0,
	    &r) == 200 && strstr(r.body, "\"description\"") != NULL,
	    "context activities are learned too: %s", r.body);
	chk(call("GET", ACTS, NULL, NULL, 0, &r) == 400 && httpc_error_body(&r),
	    "/activities without activityId: 400");
	chk(call("GET", url(&u, ACTS, "activityId", act, "x", "y", NULL), NULL,
	    NULL, 0, &r) == 400, "/activities unknown parameter: 400");
	chk(call("POST", url(&u, ACTS, "activityId", act, NULL), NULL, "{}", 2,
	    &r) == 405, "POST /activities: 405");

	chk(call("GET", url(&u, AGENTS, "agent", agent, NULL), NULL, NULL, 0,
	    &r) == 200 && (j = httpc_json(&r)) != NULL &&
	    json_is_str(json_get(j, "objectType"), "Person"),
	    "Person object: %s", r.body);
	name = json_get(j, "name");
	chk(name && name->type == JSON_ARRAY && name->n == 2 &&
	    json_is_str(name->vals[0], "Lee") &&
	    json_is_str(name->vals[1], "Lee Smith"),
	    "Person joins the names seen");
	chk(json_get(j, "mbox") && json_get(j, "mbox")->n == 1 &&
	    json_is_str(json_get(j, "mbox")->vals[0], mbox), "Person mbox");
	chk(call("GET", url(&u, AGENTS, "agent", "{\"name\":\"x\",\"account\":"
	    "{\"homePage\":\"http://example.com\",\"name\":\"never-seen\"}}", NULL),
	    NULL, NULL, 0, &r) == 200 && (j = httpc_json(&r)) != NULL &&
	    json_get(j, "account") && json_get(j, "account")->n == 1 &&
	    json_get(j, "name")->n == 1, "unknown agent: Person of itself: %s",
	    r.body);
	chk(call("HEAD", u.p, NULL, NULL, 0, &r) == 200 && r.len == 0,
	    "HEAD /agents");
	chk(call("GET", AGENTS, NULL, NULL, 0, &r) == 400, "/agents without agent");
	chk(call("GET", url(&u, AGENTS, "agent", "{\"name\":\"Rick\","
	    "\"objectType\":\"Agent\"}", NULL), NULL, NULL, 0, &r) == 400,
	    "/agents with an agent without IFI: 400");
	chk(call("GET", url(&u, AGENTS, "agent", "{\"objectType\":\"Group\","
	    "\"mbox\":\"mailto:g@example.com\"}", NULL), NULL, NULL, 0, &r) == 400,
	    "/agents with a Group: 400");
	httpc_resp_free(&r);
	buf_free(&u);
	buf_free(&s);
}

/* 1.0.3 alternate request syntax: POST ?method=PUT with a form body. */
static void
test_alternate(const char *agent)
{
	struct httpc_resp r = { 0 };
	struct buf b = BUF_INIT, auth = BUF_INIT, u = BUF_INIT;
	const char *act = "http://example.com/alt";

	httpc_basic(SRV_USER, SRV_SECRET, &auth);
	buf_puts(&b, "activityId=");
	httpc_urlencode(act, &b);
	buf_puts(&b, "&agent=");
	httpc_urlencode(agent, &b);
	buf_puts(&b, "&stateId=alt&Authorization=");
	httpc_urlencode(auth.p, &b);
	buf_puts(&b, "&X-Experience-API-Version=1.0.3&Content-Type=application%2Fjson"
	    "&content=");
	httpc_urlencode("{\"alt\":true}", &b);
	if (httpc_request("127.0.0.1", srv.port, "POST",
	    STATE "?method=PUT", "Content-Type: application/x-www-form-urlencoded\r\n",
	    b.p, b.len, &r) != 0)
		r.status = -1;
	chk(r.status == 204, "alternate syntax PUT: %d %s", r.status, r.body);
	chk(call("GET", url(&u, STATE, "activityId", act, "agent", agent,
	    "stateId", "alt", NULL), NULL, NULL, 0, &r) == 200 &&
	    body_is(&r, "{\"alt\":true}") && httpc_header(&r, "Content-Type") &&
	    strcmp(httpc_header(&r, "Content-Type"), "application/json") == 0,
	    "alternate syntax document stored: %s", r.body);
	httpc_resp_free(&r);
	buf_free(&b);
	buf_free(&auth);
	buf_free(&u);
}

static void
test_cors(void)
{
	struct httpc_resp r = { 0 };

	if (httpc_request("127.0.0.1", srv.port, "OPTIONS", STATE,
	    "Origin: http://example.org\r\nAccess-Control-Request-Method: PUT\r\n"
	    "Access-Control-Request-Headers: If-Match, Content-Type\r\n",
	    NULL, 0, &r) != 0)
		r.status = -1;
	ok(r.status == 200 || r.status == 204, "CORS preflight: %d", r.status);
	ok(httpc_header(&r, "Access-Control-Allow-Methods") &&
	    strstr(httpc_header(&r, "Access-Control-Allow-Methods"), "PUT"),
	    "preflight allows PUT");
	ok(httpc_header(&r, "Access-Control-Allow-Headers") &&
	    strcasestr(httpc_header(&r, "Access-Control-Allow-Headers"), "If-Match"),
	    "preflight allows If-Match");
	/* The ETag must be readable by a script of another origin. */
	httpc_resp_free(&r);
	if (httpc_xapi(srv.port, "1.0.3", "GET", STATE "?activityId=x",
	    "Origin: http://example.org\r\n", NULL, 0, &r) != 0)
		r.status = -1;
	ok(httpc_header(&r, "Access-Control-Allow-Origin") != NULL,
	    "replies carry Access-Control-Allow-Origin");
	ok(httpc_header(&r, "Access-Control-Expose-Headers") &&
	    strstr(httpc_header(&r, "Access-Control-Expose-Headers"), "ETag"),
	    "ETag is exposed");
	httpc_resp_free(&r);
}

/* A document survives a restart. */
static void
test_restart(const char *agent)
{
	struct httpc_resp r = { 0 };
	struct buf u = BUF_INIT;

	url(&u, GPROF, "agent", agent, "profileId", "keep", NULL);
	ok(call("PUT", u.p, "If-None-Match: *\r\nContent-Type: text/plain\r\n",
	    "kept", 4, &r) == 204, "PUT before restart");
	ok(srv_restart(&srv) == 0, "server restarts");
	ok(call("GET", u.p, NULL, NULL, 0, &r) == 200 && body_is(&r, "kept"),
	    "document after restart");
	httpc_resp_free(&r);
	buf_free(&u);
}

int
main(void)
{
	static const char *versions[] = { "1.0.3", "2.0.0" };
	const char *agent = "{\"objectType\":\"Agent\",\"account\":"
	    "{\"homePage\":\"http://example.com/agents\",\"name\":\"Rick\"}}";
	char extra[64];
	size_t i;

	snprintf(extra, sizeof(extra), "--max-doc %d", MAX_DOC);
	if (srv_start(&srv, extra) != 0) {
		ok(0, "server starts");
		return test_done();
	}
	for (i = 0; i < 2; i++) {
		ver = versions[i];
		v2 = i == 1;
		test_state(agent);
		test_profile(APROF, "activityId", v2 ?
		    "http://example.com/aprof/2" : "http://example.com/aprof/1");
		test_profile(GPROF, "agent", v2 ?
		    "{\"mbox\":\"mailto:p2@example.com\"}" :
		    "{\"mbox_sha1sum\":\"cd9b00a5611f94eaa7b1661edab976068e364975\"}");
		test_activities_agents();
	}
	ver = "1.0.3";
	test_alternate(agent);
	test_cors();
	test_restart(agent);
	if (test_failed)
		srv_dump_log(&srv);
	ok(srv_stop(&srv, 1) == 0, "server stops cleanly");
	return test_done();
}
