/* HTTP tests of the Statements resource (/xapi/statements), run against a
 * real lrsd for both xAPI 1.0.3 and 2.0.0: PUT, POST, GET (single and
 * queries, every filter, formats, attachments, paging), HEAD, voiding,
 * what the LRS sets, every kind of bad input (each a 4xx with a JSON body
 * and nothing stored), the body limit and a restart on the same data. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "httpc.h"
#include "json.h"
#include "srv.h"
#include "test.h"
#include "xalloc.h"

TEST_MAIN_DEFS

#define STMTS		"/xapi/statements"
#define EX		"http://example.com/"
#define VOIDED		"http://adlnet.gov/expapi/verbs/voided"
#define SIG_USAGE	"http://adlnet.gov/expapi/attachments/signature"

/* The text attachment and its SHA-256 (computed once, offline). */
#define ATT_TEXT	"Here is a simple text attachment.\n"
#define ATT_SHA2	"7e482bbdd9eb7c38df117adb814b4d46363716c6102a0d8e946ab6e96acfb936"
#define BOUNDARY	"xapi-test-boundary-7d2f0c"

static struct srv srv = SRV_INIT;
static const char *ver;		/* the version under test; NULL: no header */

/* ok() that names the version under test when it fails. */
#define chk(cond, ...) do {						\
	int chk_ok_ = (cond) ? 1 : 0;					\
	if (!chk_ok_)							\
		fprintf(stderr, "[%s] ", ver ? ver : "no version");	\
	ok(chk_ok_, __VA_ARGS__);					\
} while (0)

/* Strings made while a scenario runs; freed together by gc(). */
static char	**kept;
static size_t	  nkept;

static char *
keep(char *s)
{
	kept = xrealloc(kept, (nkept + 1) * sizeof(*kept));
	kept[nkept++] = s;
	return s;
}

static void
gc(void)
{
	while (nkept > 0)
		free(kept[--nkept]);
	free(kept);
	kept = NULL;
}

static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static const char *
fmt(const char *f, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, f);
	buf_vprintf(&b, f, ap);
	va_end(ap);
	buf_add(&b, "", 0);	/* terminated even when empty */
	return keep(buf_detach(&b, NULL));
}

static const char *
uuid(void)
{
	char u[37];

	return keep(xstrdup(httpc_uuid(u)));
}

/* s in upper case (a UUID as some clients send it). */
static const char *
upcase(const char *s)
{
	char *u = keep(xstrdup(s)), *p;

	for (p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	return u;
}

/* A token unique in this process, for IRIs and mailboxes. */
static const char *
uniq(void)
{
	static int seq;

	return fmt("%ld-%d", (long)getpid(), ++seq);
}

static const char *
enc(const char *s)
{
	struct buf b = BUF_INIT;

	httpc_urlencode(s, &b);
	buf_add(&b, "", 0);	/* terminated even when empty */
	return keep(buf_detach(&b, NULL));
}

static const char *
agent(const char *who)
{
	return fmt("{\"objectType\":\"Agent\",\"mbox\":\"mailto:%s@example.com\"}",
	    who);
}

static const char *
agent_q(const char *who)
{
	return enc(fmt("{\"mbox\":\"mailto:%s@example.com\"}", who));
}

static const char *
verb_id(const char *name)
{
	return fmt(EX "verbs/%s", name);
}

static const char *
verb(const char *name)
{
	return fmt("{\"id\":\"" EX "verbs/%s\",\"display\":{\"en-US\":\"%s\"}}",
	    name, name);
}

static const char *
act_id(const char *name)
{
	return fmt(EX "activities/%s", name);
}

static const char *
activity(const char *name)
{
	return fmt("{\"objectType\":\"Activity\",\"id\":\"" EX
	    "activities/%s\"}", name);
}

/* JSON text of a statement; id may be NULL, more adds members. */
static const char *
stmt(const char *id, const char *actor, const char *vb, const char *object,
    const char *more)
{
	struct buf b = BUF_INIT;

	buf_putc(&b, '{');
	if (id != NULL)
		buf_printf(&b, "\"id\":\"%s\",", id);
	buf_printf(&b, "\"actor\":%s,\"verb\":%s,\"object\":%s", actor, vb,
	    object);
	if (more != NULL)
		buf_printf(&b, ",%s", more);
	buf_putc(&b, '}');
	return keep(buf_detach(&b, NULL));
}

/* A plain statement with a fresh actor, verb and activity. */
static const char *
simple(const char *id)
{
	const char *u = uniq();

	return stmt(id, agent(fmt("s-%s", u)), verb(fmt("did-%s", u)),
	    activity(fmt("a-%s", u)), NULL);
}

/* Send a request as the version under test; r is released first. */
static int
call(const char *method, const char *path, const char *extra,
    const char *body, size_t len, struct httpc_resp *r)
{
	httpc_resp_free(r);
	if (httpc_xapi(srv.port, ver, method, path, extra, body, len, r) != 0)
		r->status = -1;
	return r->status;
}

static int
post(const char *body, struct httpc_resp *r)
{
	return call("POST", STMTS, NULL, body, (size_t)-1, r);
}

static int
put(const char *id, const char *body, struct httpc_resp *r)
{
	return call("PUT", id == NULL ? STMTS : fmt(STMTS "?statementId=%s",
	    id), NULL, body, (size_t)-1, r);
}

static int
get(const char *param, const char *id, struct httpc_resp *r)
{
	return call("GET", fmt(STMTS "?%s=%s", param, id), NULL, NULL, 0, r);
}

/* The status of GET statementId=id. */
static int
status_of(const char *id)
{
	struct httpc_resp r = { 0 };
	int st;

	st = get("statementId", id, &r);
	httpc_resp_free(&r);
	return st;
}

#define expect_err(r, code, what) expect_err_at(__LINE__, r, code, what)

static void
expect_err_at(int line, struct httpc_resp *r, int code, const char *what)
{
	chk(r->status == code, "line %d: %s: want %d, got %d %.300s", line,
	    what, code, r->status, r->body);
	chk(r->status != code || httpc_error_body(r),
	    "line %d: %s: %d without a JSON error body: %.300s", line, what,
	    code, r->body);
	chk(r->status < 0 || httpc_header(r, "X-Experience-API-Version") !=
	    NULL, "line %d: %s: the error lacks X-Experience-API-Version",
	    line, what);
}

#define not_stored(id, what) not_stored_at(__LINE__, id, what)

static void
not_stored_at(int line, const char *id, const char *what)
{
	struct httpc_resp r = { 0 };

	get("statementId", id, &r);
	chk(r.status == 404, "line %d: %s: statement %s should not be stored "
	    "(GET gave %d)", line, what, id, r.status);
	get("voidedStatementId", id, &r);
	chk(r.status == 404, "line %d: %s: statement %s should not be stored "
	    "as voided (GET gave %d)", line, what, id, r.status);
	httpc_resp_free(&r);
}

/* GET STMTS?qs and every page its "more" names; a new array of all the
 * statements, or NULL when a page is not a 200 StatementResult. */
static json *
query(const char *qs, const char *extra)
{
	struct httpc_resp r = { 0 };
	struct buf path = BUF_INIT;
	json *all = json_new(JSON_ARRAY), *j, *st, *more;
	size_t i;
	int pages;

	buf_printf(&path, STMTS "?%s", qs);
	for (pages = 0; pages < 100; pages++) {
		call("GET", path.p, extra, NULL, 0, &r);
		j = httpc_json(&r);
		st = json_get(j, "statements");
		if (r.status != 200 || st == NULL || st->type != JSON_ARRAY) {
			chk(0, "query %s: want a StatementResult, got %d %.300s",
			    path.p, r.status, r.body);
			json_free(all);
			all = NULL;
			break;
		}
		chk(httpc_ts(httpc_header(&r,
		    "X-Experience-API-Consistent-Through")) > 0,
		    "query %s: X-Experience-API-Consistent-Through missing or "
		    "not a timestamp", path.p);
		for (i = 0; i < st->n; i++)
			json_push(all, json_clone(st->vals[i]));
		more = json_get(j, "more");
		if (more == NULL || (more->type == JSON_STRING &&
		    more->len == 0))
			break;
		if (more->type != JSON_STRING || more->str[0] != '/') {
			chk(0, "query %s: more is not a relative IRL", path.p);
			break;
		}
		buf_reset(&path);
		httpc_more_path(more->str, &path);
	}
	httpc_resp_free(&r);
	buf_free(&path);
	return all;
}

static int
has(const json *stmts, const char *id)
{
	size_t i;

	for (i = 0; stmts != NULL && i < stmts->n; i++)
		if (json_is_str(json_get(stmts->vals[i], "id"), id))
			return 1;
	return 0;
}

/* Which of ids[0..n-1] the query returns, as bits; *others counts the
 * statements it returns that are none of them.  -1 on failure. */
static long
query_mask(const char *qs, const char **ids, int n, int *others)
{
	json *all = query(qs, NULL);
	long mask = 0;
	size_t i;
	int k, found;

	*others = 0;
	if (all == NULL)
		return -1;
	for (i = 0; i < all->n; i++) {
		found = 0;
		for (k = 0; k < n; k++)
			if (json_is_str(json_get(all->vals[i], "id"), ids[k])) {
				mask |= 1L << k;
				found = 1;
			}
		if (!found)
			(*others)++;
	}
	json_free(all);
	return mask;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The ids answered to a POST, as a JSON array owned by r, or NULL. */
static json *
post_ids(struct httpc_resp *r)
{
	json *j = httpc_json(r);

	return j != NULL && j->type == JSON_ARRAY ? j : NULL;
}

/* PUT: 204, same statement again 204, a different one 409, no or a
 * mismatched statementId 400. */
static void
test_put(void)
{
	struct httpc_resp r = { 0 };
	const char *id = uuid(), *id2 = uuid(), *id3 = uuid(), *u = uniq();
	const char *s, *other;
	json *j;

	s = stmt(id, agent(fmt("put-%s", u)), verb(fmt("put-%s", u)),
	    activity(fmt("put-%s", u)), NULL);
	chk(put(id, s, &r) == 204, "PUT: want 204, got %d %.300s", r.status,
	    r.body);
	chk(r.len == 0, "PUT 204 has a body");
	chk(httpc_header(&r, "X-Experience-API-Version") != NULL,
	    "PUT response lacks X-Experience-API-Version");
	chk(put(id, s, &r) == 204, "PUT same id, same statement: want 204, "
	    "got %d %.300s", r.status, r.body);
	/* Without the id in the body, the statementId names it. */
	chk(put(id2, stmt(NULL, agent(fmt("put-%s", u)), verb(fmt("put-%s",
	    u)), activity(fmt("put-%s", u)), NULL), &r) == 204,
	    "PUT without id in the body: want 204, got %d %.300s", r.status,
	    r.body);
	chk(status_of(id2) == 200, "PUT without id in the body is not stored "
	    "under statementId");

	other = stmt(id, agent(fmt("put-%s", u)), verb(fmt("other-%s", u)),
	    activity(fmt("put-%s", u)), NULL);
	put(id, other, &r);
	expect_err(&r, 409, "PUT same id, different statement");
	get("statementId", id, &r);
	j = httpc_json(&r);
	chk(r.status == 200 && json_is_str(json_get(json_get(j, "verb"), "id"),
	    verb_id(fmt("put-%s", u))), "a 409 changed the stored statement: "
	    "%.300s", r.body);

	put(NULL, simple(id3), &r);
	expect_err(&r, 400, "PUT without statementId");
	not_stored(id3, "PUT without statementId");

	put(id3, simple(uuid()), &r);
	expect_err(&r, 400, "PUT with statementId unlike the statement's id");
	not_stored(id3, "PUT with mismatched id");

	put("not-a-uuid", simple(NULL), &r);
	expect_err(&r, 400, "PUT with statementId not a UUID");

	call("PUT", fmt(STMTS "?StatementId=%s", id3), NULL, simple(id3),
	    (size_t)-1, &r);
	expect_err(&r, 400, "PUT with a parameter name in the wrong case");
	not_stored(id3, "PUT StatementId");
	httpc_resp_free(&r);
}

/* What the LRS must set: id, stored, authority, version, timestamp. */
static void
check_lrs_set(const json *st, const char *id, const char *what)
{
	const json *auth;
	const char *v;
	int64_t stored, now = (int64_t)time(NULL) * 1000000;

	chk(json_is_str(json_get(st, "id"), id), "%s: id is not %s", what, id);
	stored = httpc_ts(json_get_str(st, "stored"));
	chk(stored > 0 && stored > now - 600000000LL &&
	    stored < now + 600000000LL, "%s: stored missing or not now: %s",
	    what, json_get_str(st, "stored") ? json_get_str(st, "stored") :
	    "(none)");
	chk(httpc_ts(json_get_str(st, "timestamp")) > 0,
	    "%s: timestamp missing or not a timestamp", what);
	auth = json_get(st, "authority");
	chk(auth != NULL && auth->type == JSON_OBJECT &&
	    (json_get(auth, "objectType") == NULL ||
	    json_is_str(json_get(auth, "objectType"), "Agent") ||
	    json_is_str(json_get(auth, "objectType"), "Group")),
	    "%s: authority missing or not an Agent or Group", what);
	v = json_get_str(st, "version");
	chk(v != NULL && strncmp(v, ver[0] == '1' ? "1.0." : "2.0.", 4) == 0,
	    "%s: version %s for a %s statement", what, v ? v : "(none)", ver);
}

/* POST: one statement, an array, ids returned in order, atomic batches,
 * duplicate ids, conflicts. */
static void
test_post(void)
{
	struct httpc_resp r = { 0 };
	const char *a = uuid(), *b = uuid(), *c = uuid(), *d = uuid();
	const char *s, *gen = NULL, *ids[3] = { NULL, NULL, NULL };
	json *j;
	size_t i;

	/* One statement without id. */
	chk(post(simple(NULL), &r) == 200, "POST one: want 200, got %d %.300s",
	    r.status, r.body);
	j = post_ids(&r);
	chk(j != NULL && j->n == 1 && j->vals[0]->type == JSON_STRING &&
	    httpc_is_uuid(j->vals[0]->str), "POST one: want [id], got %.300s",
	    r.body);
	if (j != NULL && j->n == 1 && j->vals[0]->type == JSON_STRING)
		gen = fmt("%s", j->vals[0]->str);
	chk(httpc_header(&r, "X-Experience-API-Version") != NULL,
	    "POST response lacks X-Experience-API-Version");
	if (gen != NULL) {
		get("statementId", gen, &r);
		chk(r.status == 200, "GET the posted statement: %d", r.status);
		if (r.status == 200)
			check_lrs_set(httpc_json(&r), gen, "POST without id");
	}

	/* An array: ids in order, the given one kept. */
	s = fmt("[%s,%s,%s]", simple(a), simple(NULL), simple(NULL));
	chk(post(s, &r) == 200, "POST array: want 200, got %d %.300s",
	    r.status, r.body);
	j = post_ids(&r);
	chk(j != NULL && j->n == 3, "POST array: want 3 ids, got %.300s",
	    r.body);
	for (i = 0; j != NULL && i < j->n && i < 3; i++) {
		chk(j->vals[i]->type == JSON_STRING &&
		    httpc_is_uuid(j->vals[i]->str), "POST array: id %zu is "
		    "not a UUID", i);
		if (j->vals[i]->type == JSON_STRING)
			ids[i] = fmt("%s", j->vals[i]->str);
	}
	chk(ids[0] != NULL && strcmp(ids[0], a) == 0,
	    "POST array: first id is not the statement's own");
	chk(ids[1] != NULL && ids[2] != NULL && strcmp(ids[1], ids[2]) != 0,
	    "POST array: generated ids are not distinct");
	for (i = 0; i < 3; i++)
		chk(ids[i] != NULL && status_of(ids[i]) == 200,
		    "POST array: statement %zu not retrievable", i);

	/* Same id, equivalent statement: accepted; different: 409. */
	s = simple(b);
	chk(post(s, &r) == 200, "POST b: %d %.300s", r.status, r.body);
	chk(post(s, &r) == 200, "POST an equivalent statement again: want "
	    "200, got %d %.300s", r.status, r.body);
	post(simple(b), &r);
	expect_err(&r, 409, "POST existing id with a different statement");

	/* Atomic batches. */
	s = fmt("[%s,%s]", simple(c), fmt("{\"id\":\"%s\",\"actor\":%s,"
	    "\"object\":%s}", d, agent("nobody"), activity("x")));
	post(s, &r);
	expect_err(&r, 400, "POST a batch with one statement lacking a verb");
	not_stored(c, "the good statement of a rejected batch");
	not_stored(d, "the bad statement of a rejected batch");

	s = fmt("[%s,%s]", simple(c), simple(b));
	post(s, &r);
	expect_err(&r, 409, "POST a batch with one conflicting statement");
	not_stored(c, "the good statement of a conflicting batch");

	s = simple(d);
	post(fmt("[%s,%s]", s, s), &r);
	expect_err(&r, 400, "POST a batch naming one id twice");
	not_stored(d, "a statement posted twice in one batch");

	s = fmt("[%s,%s]", simple(c), simple(uuid()));
	chk(post(s, &r) == 200, "POST a batch of two: %d %.300s", r.status,
	    r.body);
	chk(status_of(c) == 200, "the first of a good batch is stored");
	httpc_resp_free(&r);
}

/* GET of one statement and HEAD: headers, 404, bad parameter mixes. */
static void
test_get_one(void)
{
	struct httpc_resp r = { 0 };
	const char *id = uuid(), *u = uniq(), *ct, *path;
	int64_t lm, stored;
	json *j;
	size_t len;

	put(id, stmt(id, agent(fmt("g-%s", u)), verb(fmt("g-%s", u)),
	    activity(fmt("g-%s", u)), NULL), &r);
	chk(r.status == 204, "PUT for GET: %d %.300s", r.status, r.body);

	path = fmt(STMTS "?statementId=%s", id);
	chk(call("GET", path, NULL, NULL, 0, &r) == 200, "GET: %d %.300s",
	    r.status, r.body);
	j = httpc_json(&r);
	chk(j != NULL && json_is_str(json_get(j, "id"), id),
	    "GET returns the statement: %.300s", r.body);
	ct = httpc_header(&r, "Content-Type");
	chk(ct != NULL && strncmp(ct, "application/json", 16) == 0,
	    "GET Content-Type is %s", ct ? ct : "(none)");
	chk(httpc_header(&r, "X-Experience-API-Version") != NULL &&
	    strncmp(httpc_header(&r, "X-Experience-API-Version"),
	    ver[0] == '1' ? "1.0" : "2.0", 3) == 0,
	    "GET X-Experience-API-Version is %s",
	    httpc_header(&r, "X-Experience-API-Version") ?
	    httpc_header(&r, "X-Experience-API-Version") : "(none)");
	chk(httpc_ts(httpc_header(&r, "X-Experience-API-Consistent-Through"))
	    > 0, "GET X-Experience-API-Consistent-Through missing or bad");
	lm = httpc_httpdate(httpc_header(&r, "Last-Modified"));
	stored = httpc_ts(json_get_str(j, "stored"));
	chk(lm > 0, "GET Last-Modified missing or not an HTTP date: %s",
	    httpc_header(&r, "Last-Modified") ?
	    httpc_header(&r, "Last-Modified") : "(none)");
	chk(stored > 0 && lm == stored / 1000000,
	    "Last-Modified does not match stored to the second");
	len = r.len;

	chk(call("HEAD", path, NULL, NULL, 0, &r) == 200, "HEAD: %d",
	    r.status);
	chk(r.len == 0, "HEAD has a body");
	chk(httpc_header(&r, "X-Experience-API-Version") != NULL &&
	    httpc_header(&r, "X-Experience-API-Consistent-Through") != NULL &&
	    httpc_header(&r, "Last-Modified") != NULL,
	    "HEAD lacks the headers of GET");
	chk(httpc_header(&r, "Content-Length") == NULL ||
	    strtoul(httpc_header(&r, "Content-Length"), NULL, 10) == len,
	    "HEAD Content-Length is not GET's");
	chk(call("HEAD", fmt(STMTS "?verb=%s", enc(verb_id(fmt("g-%s", u)))),
	    NULL, NULL, 0, &r) == 200 && r.len == 0 &&
	    httpc_header(&r, "X-Experience-API-Consistent-Through") != NULL,
	    "HEAD of a query: %d", r.status);
	chk(call("HEAD", fmt(STMTS "?statementId=%s", uuid()), NULL, NULL, 0,
	    &r) == 404 && r.len == 0, "HEAD of an unknown statement: %d",
	    r.status);

	get("statementId", uuid(), &r);
	expect_err(&r, 404, "GET an unknown statementId");
	get("statementId", "not-a-uuid", &r);
	chk(r.status == 400 || r.status == 404, "GET statementId=not-a-uuid: "
	    "%d", r.status);
	call("GET", fmt(STMTS "?statementId=%s&voidedStatementId=%s", id, id),
	    NULL, NULL, 0, &r);
	expect_err(&r, 400, "GET with statementId and voidedStatementId");
	call("GET", fmt(STMTS "?statementId=%s&verb=%s", id,
	    enc(verb_id(fmt("g-%s", u)))), NULL, NULL, 0, &r);
	expect_err(&r, 400, "GET with statementId and verb");
	call("GET", fmt(STMTS "?statementId=%s&agent=%s", id,
	    agent_q(fmt("g-%s", u))), NULL, NULL, 0, &r);
	expect_err(&r, 400, "GET with statementId and agent");
	chk(call("GET", fmt(STMTS "?statementId=%s&format=ids&"
	    "attachments=false", id), NULL, NULL, 0, &r) == 200,
	    "GET statementId with format and attachments: %d %.300s",
	    r.status, r.body);

	call("GET", fmt(STMTS "?foo=bar"), NULL, NULL, 0, &r);
	expect_err(&r, 400, "GET with an unknown parameter");
	call("GET", fmt(STMTS "?Verb=%s", enc(verb_id(fmt("g-%s", u)))), NULL,
	    NULL, 0, &r);
	expect_err(&r, 400, "GET with a parameter name in the wrong case");
	call("GET", STMTS "?agent=not-json", NULL, NULL, 0, &r);
	expect_err(&r, 400, "GET with agent not JSON");
	call("GET", fmt(STMTS "?agent=%s", enc("{\"mbox\":\"x@y\"}")), NULL,
	    NULL, 0, &r);
	expect_err(&r, 400, "GET with agent mbox not mailto");
	call("GET", STMTS "?since=yesterday", NULL, NULL, 0, &r);
	expect_err(&r, 400, "GET with since not a timestamp");
	call("GET", STMTS "?format=pretty", NULL, NULL, 0, &r);
	expect_err(&r, 400, "GET with an unknown format");
	call("GET", STMTS "?limit=-1", NULL, NULL, 0, &r);
	expect_err(&r, 400, "GET with a negative limit");
	httpc_resp_free(&r);
}

/* Voiding: the target leaves statementId and queries, stays under
 * voidedStatementId. */
static void
test_void(void)
{
	struct httpc_resp r = { 0 };
	const char *t = uuid(), *v = uuid(), *w = uuid(), *u = uniq();
	const char *who = fmt("void-%s", u);
	json *all, *j;

	put(t, stmt(t, agent(who), verb(fmt("v-%s", u)),
	    activity(fmt("v-%s", u)), NULL), &r);
	chk(r.status == 204, "PUT target: %d %.300s", r.status, r.body);
	chk(post(stmt(v, agent(who), fmt("{\"id\":\"%s\",\"display\":"
	    "{\"en-US\":\"voided\"}}", VOIDED), fmt("{\"objectType\":"
	    "\"StatementRef\",\"id\":\"%s\"}", t), NULL), &r) == 200,
	    "POST voiding statement: %d %.300s", r.status, r.body);

	get("statementId", t, &r);
	expect_err(&r, 404, "GET statementId of a voided statement");
	chk(get("voidedStatementId", t, &r) == 200, "GET voidedStatementId "
	    "of a voided statement: %d %.300s", r.status, r.body);
	j = httpc_json(&r);
	chk(json_is_str(json_get(j, "id"), t), "voidedStatementId returns "
	    "the voided statement");
	chk(httpc_header(&r, "Last-Modified") != NULL &&
	    httpc_header(&r, "X-Experience-API-Consistent-Through") != NULL,
	    "voidedStatementId lacks Last-Modified or Consistent-Through");
	get("voidedStatementId", v, &r);
	expect_err(&r, 404, "GET voidedStatementId of a statement not voided");
	chk(get("statementId", v, &r) == 200, "the voiding statement is "
	    "retrievable: %d", r.status);

	all = query(fmt("agent=%s", agent_q(who)), NULL);
	chk(all != NULL && !has(all, t) && has(all, v),
	    "a query returns the voiding statement and not the voided one");
	json_free(all);

	/* Voiding needs a StatementRef object. */
	post(stmt(w, agent(who), fmt("{\"id\":\"%s\"}", VOIDED),
	    activity(fmt("v-%s", u)), NULL), &r);
	expect_err(&r, 400, "a voiding statement whose object is an Activity");
	not_stored(w, "bad voiding statement");
	httpc_resp_free(&r);
}

/* Filters of a query. */
static void
test_query(void)
{
	struct httpc_resp r = { 0 };
	const char *u = uniq(), *A = fmt("qa-%s", u), *B = fmt("qb-%s", u);
	const char *C = fmt("qc-%s", u), *V1 = fmt("q1-%s", u);
	const char *V2 = fmt("q2-%s", u), *X1 = fmt("x1-%s", u);
	const char *X2 = fmt("x2-%s", u), *X3 = fmt("x3-%s", u);
	const char *R1 = uuid(), *R2 = uuid(), *id[5], *st[5], *stored[5];
	const char *qs;
	int64_t ts[5];
	long m, want;
	int i, others;
	json *all;
	size_t k;

	for (i = 0; i < 5; i++)
		id[i] = uuid();
	st[0] = stmt(id[0], agent(A), verb(V1), activity(X1),
	    fmt("\"context\":{\"registration\":\"%s\",\"instructor\":%s,"
	    "\"contextActivities\":{\"parent\":[{\"id\":\"%s\"}]}}", R1,
	    agent(C), act_id(X2)));
	st[1] = stmt(id[1], agent(A), verb(V2), activity(X2), NULL);
	/* Sent upper-case: a UUID's case never matters. */
	st[2] = stmt(id[2], agent(B), verb(V1), activity(X1),
	    fmt("\"context\":{\"registration\":\"%s\"}", upcase(R2)));
	st[3] = stmt(id[3], agent(B), verb(V2), agent(A), NULL);
	st[4] = stmt(id[4], agent(B), verb(V1),
	    fmt("{\"objectType\":\"SubStatement\",\"actor\":%s,\"verb\":%s,"
	    "\"object\":%s}", agent(A), verb(V2), activity(X3)), NULL);
	for (i = 0; i < 5; i++) {
		chk(post(st[i], &r) == 200, "POST query statement %d: %d "
		    "%.300s", i, r.status, r.body);
		sleep_ms(3);
	}
	for (i = 0; i < 5; i++) {
		get("statementId", id[i], &r);
		stored[i] = fmt("%s", json_get_str(httpc_json(&r), "stored") ?
		    json_get_str(httpc_json(&r), "stored") : "");
		ts[i] = httpc_ts(stored[i]);
		chk(ts[i] > 0, "statement %d has no stored", i);
	}

#define Q(qsv, wantv, what) do {					\
	m = query_mask((qsv), id, 5, &others);				\
	chk(m == (wantv) && others == 0, "query %s (%s): want set %lx, "	\
	    "got %lx and %d others", what, (qsv), (long)(wantv), m, others); \
} while (0)
	Q(fmt("agent=%s", agent_q(A)), 0x0bL, "agent as actor or object");
	Q(fmt("agent=%s&related_agents=true", agent_q(A)), 0x1bL,
	    "related_agents reaches a SubStatement");
	Q(fmt("agent=%s", agent_q(C)), 0L, "an instructor is not the actor");
	Q(fmt("agent=%s&related_agents=true", agent_q(C)), 0x01L,
	    "related_agents reaches the instructor");
	Q(fmt("verb=%s", enc(verb_id(V1))), 0x15L, "verb");
	Q(fmt("verb=%s", enc(verb_id(V2))), 0x0aL,
	    "verb ignores a SubStatement's verb");
	Q(fmt("activity=%s", enc(act_id(X1))), 0x05L, "activity");
	Q(fmt("activity=%s", enc(act_id(X2))), 0x02L,
	    "activity ignores context activities");
	Q(fmt("activity=%s&related_activities=true", enc(act_id(X2))), 0x03L,
	    "related_activities reaches context activities");
	Q(fmt("activity=%s", enc(act_id(X3))), 0L,
	    "activity ignores a SubStatement's object");
	Q(fmt("activity=%s&related_activities=true", enc(act_id(X3))), 0x10L,
	    "related_activities reaches a SubStatement's object");
	Q(fmt("registration=%s", R1), 0x01L, "registration");
	Q(fmt("registration=%s", R2), 0x04L,
	    "registration sent upper-case, asked lower-case");
	Q(fmt("registration=%s", upcase(R2)), 0x04L,
	    "registration sent and asked upper-case");
	Q(fmt("registration=%s", upcase(R1)), 0x01L,
	    "registration sent lower-case, asked upper-case");
	Q(fmt("agent=%s&verb=%s", agent_q(A), enc(verb_id(V1))), 0x01L,
	    "agent and verb");
	Q(fmt("agent=%s&activity=%s", agent_q(B), enc(act_id(X1))), 0x04L,
	    "agent and activity");
	Q(fmt("agent=%s", enc(fmt("{\"objectType\":\"Agent\",\"mbox\":"
	    "\"mailto:%s@example.com\"}", B))), 0x1cL,
	    "agent with objectType");

	/* since is exclusive, until inclusive. */
	want = 0;
	for (i = 0; i < 5; i++)
		if (i % 2 == 0 && ts[i] > ts[0])
			want |= 1L << i;
	Q(fmt("verb=%s&since=%s", enc(verb_id(V1)), enc(stored[0])), want,
	    "since");
	want = 0;
	for (i = 0; i < 5; i++)
		if (i % 2 == 0 && ts[i] <= ts[2])
			want |= 1L << i;
	Q(fmt("verb=%s&until=%s", enc(verb_id(V1)), enc(stored[2])), want,
	    "until");
	Q(fmt("verb=%s&since=%s", enc(verb_id(V1)),
	    enc("2000-01-01T00:00:00+01:00")), 0x15L, "since with an offset");
	Q(fmt("verb=%s&until=%s", enc(verb_id(V1)),
	    enc("2000-01-01T00:00:00Z")), 0L, "until before everything");
#undef Q

	/* limit and order. */
	qs = fmt(STMTS "?verb=%s&limit=2", enc(verb_id(V1)));
	chk(call("GET", qs, NULL, NULL, 0, &r) == 200, "limit=2: %d",
	    r.status);
	all = json_get(httpc_json(&r), "statements");
	chk(all != NULL && all->n == 2, "limit=2 gives 2 statements");
	chk(json_get_str(httpc_json(&r), "more") != NULL &&
	    json_get_str(httpc_json(&r), "more")[0] != '\0',
	    "limit=2 of 3 gives a more IRL");
	if (all != NULL && all->n == 2)
		chk(httpc_ts(json_get_str(all->vals[0], "stored")) >=
		    httpc_ts(json_get_str(all->vals[1], "stored")),
		    "results are newest first by default");
	qs = fmt("verb=%s&ascending=true", enc(verb_id(V1)));
	all = query(qs, NULL);
	chk(all != NULL && all->n == 3, "ascending query gives 3");
	for (k = 1; all != NULL && k < all->n; k++)
		chk(httpc_ts(json_get_str(all->vals[k - 1], "stored")) <=
		    httpc_ts(json_get_str(all->vals[k], "stored")),
		    "ascending=true is oldest first");
	json_free(all);
	qs = fmt("verb=%s&ascending=false", enc(verb_id(V1)));
	all = query(qs, NULL);
	for (k = 1; all != NULL && k < all->n; k++)
		chk(httpc_ts(json_get_str(all->vals[k - 1], "stored")) >=
		    httpc_ts(json_get_str(all->vals[k], "stored")),
		    "ascending=false is newest first");
	json_free(all);
	httpc_resp_free(&r);
}

/* The statement model of test_combined: who did what, as indexes. */
#define CB_N		40	/* statements, then two voiding ones */
#define CB_VOIDED_A	8	/* the statements the last two void */
#define CB_VOIDED_B	21

struct cb_stmt {
	int	actor, objagent, verb, act, reg, instructor, parent;
	int	ref;		/* the statement it voids, -1: none */
};

/* A combined query: -1 where a filter is not given. */
struct cb_query {
	int	agent, related_agent, verb, act, related_act, reg;
	int	after, upto;	/* since stmt after, until stmt upto */
};

static void
cb_model(struct cb_stmt s[CB_N + 2])
{
	int i;

	for (i = 0; i < CB_N; i++) {
		s[i].actor = i % 3;
		s[i].objagent = i % 7 == 3 ? (i + 1) % 3 : -1;
		s[i].verb = (i / 2) % 3;
		s[i].act = s[i].objagent < 0 ? (i / 3) % 4 : -1;
		s[i].reg = i % 5 == 4 ? -1 : (i / 4) % 2;
		s[i].instructor = i % 4 == 1 ? 3 : -1;
		s[i].parent = i % 6 == 0 ? 3 : -1;
		s[i].ref = -1;
	}
	for (i = CB_N; i < CB_N + 2; i++) {
		s[i].actor = 4;
		s[i].objagent = s[i].act = s[i].reg = -1;
		s[i].instructor = s[i].parent = -1;
		s[i].verb = 3;	/* voided */
		s[i].ref = i == CB_N ? CB_VOIDED_A : CB_VOIDED_B;
	}
}

/* Whether statement i carries the key of filter (what, v), itself or
 * through the statement it refers to (the store gives a StatementRef its
 * target's keys). */
static int
cb_key(const struct cb_stmt *s, int i, char what, int v)
{
	const struct cb_stmt *t = &s[i];
	int own = 0;

	switch (what) {
	case 'a': own = t->actor == v || t->objagent == v; break;
	case 'A': own = t->actor == v || t->objagent == v ||
	    t->instructor == v; break;
	case 'v': own = t->verb == v; break;
	case 'o': own = t->act == v; break;
	case 'O': own = t->act == v || t->parent == v; break;
	case 'r': own = t->reg == v; break;
	}
	return own || (t->ref >= 0 && cb_key(s, t->ref, what, v));
}

static int
cb_matches(const struct cb_stmt *s, int i, const struct cb_query *q)
{
	if (i == CB_VOIDED_A || i == CB_VOIDED_B)
		return 0;
	return (q->agent < 0 || cb_key(s, i, 'a', q->agent)) &&
	    (q->related_agent < 0 || cb_key(s, i, 'A', q->related_agent)) &&
	    (q->verb < 0 || cb_key(s, i, 'v', q->verb)) &&
	    (q->act < 0 || cb_key(s, i, 'o', q->act)) &&
	    (q->related_act < 0 || cb_key(s, i, 'O', q->related_act)) &&
	    (q->reg < 0 || cb_key(s, i, 'r', q->reg)) &&
	    (q->after < 0 || i > q->after) && (q->upto < 0 || i <= q->upto);
}

/* Every page of STMTS?qs&limit=limit: the ids in the order served into
 * ids (at most max), their count, or -1 when a page is bad or too big. */
static int
cb_walk(const char *qs, int limit, const char **ids, int max)
{
	struct httpc_resp r = { 0 };
	struct buf path = BUF_INIT;
	json *j, *st, *more;
	int n = 0, pages;
	size_t i;

	buf_printf(&path, STMTS "?%s&limit=%d", qs, limit);
	for (pages = 0; pages < 4 * max; pages++) {
		call("GET", path.p, NULL, NULL, 0, &r);
		j = httpc_json(&r);
		st = json_get(j, "statements");
		if (r.status != 200 || st == NULL || st->type != JSON_ARRAY ||
		    st->n > (size_t)limit) {
			n = -1;
			break;
		}
		for (i = 0; i < st->n && n < max; i++)
			ids[n++] = fmt("%s", json_get_str(st->vals[i], "id") ?
			    json_get_str(st->vals[i], "id") : "");
		more = json_get(j, "more");
		if (more == NULL || more->type != JSON_STRING || more->len == 0)
			break;
		buf_reset(&path);
		httpc_more_path(more->str, &path);
	}
	buf_free(&path);
	httpc_resp_free(&r);
	return n;
}

/* Statement i of test_combined as JSON: ids, the registrations and the
 * token u name everything. */
static const char *
cb_json(const struct cb_stmt *s, int i, const char **id, const char **reg,
    const char *u)
{
	static const char *who[] = { "p0", "p1", "p2", "inst", "voider" };
	const struct cb_stmt *t = &s[i];
	const char *obj, *ctx;

	if (t->ref >= 0)
		return stmt(id[i], agent(fmt("cb-%s-%s", who[t->actor], u)),
		    fmt("{\"id\":\"%s\"}", VOIDED), fmt("{\"objectType\":"
		    "\"StatementRef\",\"id\":\"%s\"}", id[t->ref]), NULL);
	obj = t->objagent >= 0 ? agent(fmt("cb-%s-%s", who[t->objagent], u)) :
	    activity(fmt("cb-%d-%s", t->act, u));
	ctx = fmt("\"context\":{%s%s%s\"language\":\"en-US\"}",
	    t->reg < 0 ? "" : fmt("\"registration\":\"%s\",", reg[t->reg]),
	    t->instructor < 0 ? "" : fmt("\"instructor\":%s,",
	    agent(fmt("cb-%s-%s", who[t->instructor], u))), t->parent < 0 ?
	    "" : fmt("\"contextActivities\":{\"parent\":[{\"id\":"
	    "\"%s\"}]},", act_id(fmt("cb-%d-%s", t->parent, u))));
	return stmt(id[i], agent(fmt("cb-%s-%s", who[t->actor], u)),
	    verb(fmt("cb-%d-%s", t->verb, u)), obj, ctx);
}

/* The query string of q, each parameter after a '&' (limit and
 * ascending go first). */
static const char *
cb_qs(const struct cb_query *q, const char **reg, const char **stored,
    const char *u)
{
	static const char *who[] = { "p0", "p1", "p2", "inst", "voider" };
	struct buf b = BUF_INIT;
	int ag = q->agent >= 0 ? q->agent : q->related_agent;
	int act = q->act >= 0 ? q->act : q->related_act;

	buf_add(&b, "", 0);	/* terminated even when empty */
	if (ag >= 0)
		buf_printf(&b, "&agent=%s%s", agent_q(fmt("cb-%s-%s", who[ag],
		    u)), q->related_agent >= 0 ? "&related_agents=true" : "");
	if (q->verb >= 0)
		buf_printf(&b, "&verb=%s", enc(verb_id(fmt("cb-%d-%s", q->verb,
		    u))));
	if (act >= 0)
		buf_printf(&b, "&activity=%s%s", enc(act_id(fmt("cb-%d-%s",
		    act, u))), q->related_act >= 0 ?
		    "&related_activities=true" : "");
	if (q->reg >= 0)
		buf_printf(&b, "&registration=%s", reg[q->reg]);
	if (q->after >= 0)
		buf_printf(&b, "&since=%s", enc(stored[q->after]));
	if (q->upto >= 0)
		buf_printf(&b, "&until=%s", enc(stored[q->upto]));
	return keep(buf_detach(&b, NULL));
}

/* Combined filters: the pairs the spec allows and three at once, with
 * since and until, in both orders, paged two and three at a time, give
 * exactly the statements matching all of them, in stored order, each
 * once.  The filters interleave unevenly and two matching statements are
 * voided (their voiding statements match through the StatementRef). */
static void
test_combined(void)
{
	/* agent, related_agent, verb, act, related_act, reg, after, upto */
	static const struct cb_query cq[] = {
		{ 0, -1, 1, -1, -1, -1, -1, -1 },
		{ 1, -1, 2, -1, -1, -1, -1, -1 },
		{ 2, -1, 0, -1, -1, -1, -1, -1 },
		{ 0, -1, -1, 2, -1, -1, -1, -1 },
		{ -1, -1, 1, 1, -1, -1, -1, -1 },
		{ 1, -1, -1, -1, -1, 0, -1, -1 },
		{ 0, -1, 1, 1, -1, -1, -1, -1 },
		{ -1, 3, 0, -1, -1, -1, -1, -1 },
		{ -1, 1, 2, -1, -1, -1, -1, -1 },
		{ 2, -1, -1, -1, 3, -1, -1, -1 },
		{ -1, -1, 1, -1, 3, 1, -1, -1 },
		{ 0, -1, 1, -1, -1, -1, 15, -1 },
		{ 1, -1, -1, -1, -1, 1, -1, 24 },
		{ -1, -1, 0, 2, -1, -1, 5, 30 },
		{ 1, -1, 2, -1, -1, 0, -1, -1 },
	};
	struct httpc_resp r = { 0 };
	struct cb_stmt s[CB_N + 2];
	const char *u = uniq(), *id[CB_N + 2], *stored[CB_N + 2], *reg[2];
	const char *got[CB_N + 2], *want[CB_N + 2], *qs;
	size_t c;
	int i, n, nwant, asc, limit, same, empty = 0;

	cb_model(s);
	reg[0] = uuid();
	reg[1] = uuid();
	for (i = 0; i < CB_N + 2; i++)
		id[i] = uuid();
	for (i = 0; i < CB_N + 2; i++) {
		chk(post(cb_json(s, i, id, reg, u), &r) == 200,
		    "POST combined statement %d: %d %.300s", i, r.status,
		    r.body);
		get("statementId", id[i], &r);
		stored[i] = fmt("%s", json_get_str(httpc_json(&r), "stored") ?
		    json_get_str(httpc_json(&r), "stored") : "");
		/* since and until tell statements apart by stored time. */
		sleep_ms(2);
	}
	for (c = 0; c < sizeof(cq) / sizeof(cq[0]); c++) {
		qs = cb_qs(&cq[c], reg, stored, u);
		for (asc = 0; asc < 2; asc++) {
			nwant = 0;
			for (i = 0; i < CB_N + 2; i++) {
				n = asc ? i : CB_N + 1 - i;
				if (cb_matches(s, n, &cq[c]))
					want[nwant++] = id[n];
			}
			empty += nwant == 0;
			for (limit = 2; limit <= 3; limit++) {
				n = cb_walk(fmt("ascending=%s%s", asc ?
				    "true" : "false", qs), limit, got,
				    CB_N + 2);
				same = n == nwant;
				for (i = 0; same && i < n; i++)
					same = strcmp(got[i], want[i]) == 0;
				chk(same, "combined query %zu (%s, "
				    "ascending=%d, limit=%d): want %d "
				    "statements in order, got %d%s", c, qs,
				    asc, limit, nwant, n, n == nwant ?
				    " out of order" : "");
			}
		}
	}
	chk(empty == 0, "every combined query has matches (%d do not)",
	    empty);
	httpc_resp_free(&r);
}

/* format=ids|exact|canonical. */
static void
test_format(void)
{
	struct httpc_resp r = { 0 };
	const char *u = uniq(), *id = uuid(), *vid = verb_id(fmt("f-%s", u));
	json *st, *vb, *obj, *act;

	put(id, fmt("{\"id\":\"%s\",\"actor\":{\"objectType\":\"Agent\","
	    "\"name\":\"Format Person\",\"mbox\":\"mailto:f-%s@example.com\"},"
	    "\"verb\":{\"id\":\"%s\",\"display\":{\"en-US\":\"did\","
	    "\"fr\":\"a fait\"}},\"object\":{\"objectType\":\"Activity\","
	    "\"id\":\"%s\",\"definition\":{\"name\":{\"en-US\":\"Thing\","
	    "\"fr\":\"Chose\"},\"description\":{\"en-US\":\"A thing\","
	    "\"fr\":\"Une chose\"}}}}", id, u, vid, act_id(fmt("f-%s", u))),
	    &r);
	chk(r.status == 204, "PUT for format: %d %.300s", r.status, r.body);

	call("GET", fmt(STMTS "?verb=%s&format=ids", enc(vid)), NULL, NULL, 0,
	    &r);
	st = json_get(httpc_json(&r), "statements");
	st = st != NULL && st->n == 1 ? st->vals[0] : NULL;
	chk(st != NULL, "format=ids: want one statement, got %d %.300s",
	    r.status, r.body);
	vb = json_get(st, "verb");
	obj = json_get(st, "object");
	act = json_get(st, "actor");
	chk(vb != NULL && json_get(vb, "id") != NULL &&
	    json_get(vb, "display") == NULL, "format=ids keeps the verb's id "
	    "only");
	chk(obj != NULL && json_get(obj, "id") != NULL &&
	    json_get(obj, "definition") == NULL,
	    "format=ids keeps the activity's id only");
	chk(act != NULL && json_get(act, "mbox") != NULL &&
	    json_get(act, "name") == NULL, "format=ids drops the agent's name");

	call("GET", fmt(STMTS "?verb=%s&format=exact", enc(vid)), NULL, NULL,
	    0, &r);
	st = json_get(httpc_json(&r), "statements");
	st = st != NULL && st->n == 1 ? st->vals[0] : NULL;
	vb = json_get(json_get(st, "verb"), "display");
	chk(vb != NULL && vb->n == 2, "format=exact keeps every language");
	chk(json_get(json_get(st, "actor"), "name") != NULL,
	    "format=exact keeps the agent's name");

	call("GET", fmt(STMTS "?verb=%s&format=canonical", enc(vid)),
	    "Accept-Language: fr\r\n", NULL, 0, &r);
	st = json_get(httpc_json(&r), "statements");
	st = st != NULL && st->n == 1 ? st->vals[0] : NULL;
	chk(st != NULL, "format=canonical: %d %.300s", r.status, r.body);
	vb = json_get(json_get(st, "verb"), "display");
	chk(vb != NULL && vb->n == 1 && json_get(vb, "fr") != NULL,
	    "format=canonical with Accept-Language fr: verb display %.300s",
	    r.body);
	obj = json_get(json_get(json_get(st, "object"), "definition"), "name");
	chk(obj != NULL && obj->n == 1, "format=canonical keeps one language "
	    "of the activity name");

	call("GET", fmt(STMTS "?statementId=%s&format=ids", id), NULL, NULL, 0,
	    &r);
	chk(r.status == 200 && json_get(json_get(httpc_json(&r), "verb"),
	    "display") == NULL, "statementId with format=ids");
	httpc_resp_free(&r);
}

/* A multipart body: the statement part, then an attachment part whose
 * headers are given (NULL: no attachment part); close adds the closing
 * delimiter. */
static const char *
multipart(const char *st, const char *att_headers, const char *att,
    size_t att_len, int close)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "--" BOUNDARY "\r\nContent-Type: application/json\r\n"
	    "\r\n%s\r\n", st);
	if (att_headers != NULL) {
		buf_printf(&b, "--" BOUNDARY "\r\n%s\r\n", att_headers);
		buf_add(&b, att, att_len);
		buf_puts(&b, "\r\n");
	}
	if (close)
		buf_puts(&b, "--" BOUNDARY "--\r\n");
	return keep(buf_detach(&b, NULL));
}

#define MP_TYPE		"Content-Type: multipart/mixed; boundary=" BOUNDARY "\r\n"
#define ATT_HEADERS	"Content-Type: text/plain\r\n" \
			"Content-Transfer-Encoding: binary\r\n" \
			"X-Experience-API-Hash: " ATT_SHA2 "\r\n"

static const char *
att_stmt(const char *id, const char *u, const char *sha2)
{
	return stmt(id, agent(fmt("att-%s", u)), verb(fmt("att-%s", u)),
	    activity(fmt("att-%s", u)), fmt("\"attachments\":[{\"usageType\":"
	    "\"" EX "attachment-usage/test\",\"display\":{\"en-US\":\"A text\"},"
	    "\"contentType\":\"text/plain\",\"length\":%zu,\"sha2\":\"%s\"}]",
	    strlen(ATT_TEXT), sha2));
}

static int
post_mp(const char *body, const char *ctype_header, struct httpc_resp *r)
{
	return call("POST", STMTS, ctype_header, body, (size_t)-1, r);
}

/* Attachments: multipart POST, attachments=true responses, and every
 * malformed multipart request. */
static void
test_attachments(void)
{
	struct httpc_resp r = { 0 };
	struct httpc_part parts[4];
	const char *u = uniq(), *id = uuid(), *bad, *ct, *body;
	char h[200];
	json *j;
	int n;

	body = multipart(att_stmt(id, u, ATT_SHA2), ATT_HEADERS, ATT_TEXT,
	    strlen(ATT_TEXT), 1);
	chk(post_mp(body, MP_TYPE, &r) == 200, "POST multipart with an "
	    "attachment: %d %.300s", r.status, r.body);

	chk(call("GET", fmt(STMTS "?statementId=%s&attachments=true", id),
	    NULL, NULL, 0, &r) == 200, "GET attachments=true: %d", r.status);
	ct = httpc_header(&r, "Content-Type");
	chk(ct != NULL && strncmp(ct, "multipart/mixed", 15) == 0,
	    "attachments=true answers multipart/mixed, not %s",
	    ct ? ct : "(none)");
	n = httpc_multipart(ct, r.body, r.len, parts, 4);
	chk(n == 2, "attachments=true: want 2 parts, got %d", n);
	if (n == 2) {
		chk(httpc_part_header(&parts[0], "Content-Type", h, sizeof(h))
		    != NULL && strncmp(h, "application/json", 16) == 0,
		    "the first part is application/json");
		j = NULL;
		json_parse(parts[0].body, parts[0].len, 64, &j, NULL, 0);
		chk(json_is_str(json_get(j, "id"), id), "the first part is the "
		    "statement");
		json_free(j);
		chk(httpc_part_header(&parts[1], "X-Experience-API-Hash", h,
		    sizeof(h)) != NULL && strcmp(h, ATT_SHA2) == 0,
		    "the attachment part names its hash");
		chk(httpc_part_header(&parts[1], "Content-Transfer-Encoding",
		    h, sizeof(h)) != NULL && strcasecmp(h, "binary") == 0,
		    "the attachment part says Content-Transfer-Encoding: binary");
		chk(parts[1].len == strlen(ATT_TEXT) &&
		    memcmp(parts[1].body, ATT_TEXT, parts[1].len) == 0,
		    "the attachment part holds the bytes sent");
	}

	chk(call("GET", fmt(STMTS "?verb=%s&attachments=true",
	    enc(verb_id(fmt("att-%s", u)))), NULL, NULL, 0, &r) == 200,
	    "query attachments=true: %d", r.status);
	ct = httpc_header(&r, "Content-Type");
	n = httpc_multipart(ct, r.body, r.len, parts, 4);
	chk(n == 2, "query attachments=true: want 2 parts, got %d", n);
	if (n == 2) {
		j = NULL;
		json_parse(parts[0].body, parts[0].len, 64, &j, NULL, 0);
		chk(json_get(j, "statements") != NULL &&
		    json_get(j, "statements")->n == 1,
		    "the first part is the StatementResult");
		json_free(j);
	}
	chk(call("GET", fmt(STMTS "?statementId=%s", id), NULL, NULL, 0, &r)
	    == 200 && httpc_header(&r, "Content-Type") != NULL &&
	    strncmp(httpc_header(&r, "Content-Type"), "application/json", 16)
	    == 0, "without attachments=true the answer is JSON");

	/* Malformed requests, each refused with nothing stored. */
	bad = uuid();
	body = multipart(att_stmt(bad, u, ATT_SHA2), "Content-Type: text/plain"
	    "\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: "
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    "\r\n", ATT_TEXT, strlen(ATT_TEXT), 1);
	post_mp(body, MP_TYPE, &r);
	expect_err(&r, 400, "an attachment part whose hash the statement "
	    "does not name");
	not_stored(bad, "hash mismatch");

	bad = uuid();
	body = multipart(att_stmt(bad, u, "1111111111111111111111111111111111"
	    "111111111111111111111111111111"), ATT_HEADERS, ATT_TEXT,
	    strlen(ATT_TEXT), 1);
	post_mp(body, MP_TYPE, &r);
	expect_err(&r, 400, "a statement whose sha2 no part has");
	not_stored(bad, "sha2 mismatch");

	bad = uuid();
	body = multipart(att_stmt(bad, u, ATT_SHA2), "Content-Type: text/plain"
	    "\r\nContent-Transfer-Encoding: binary\r\n", ATT_TEXT,
	    strlen(ATT_TEXT), 1);
	post_mp(body, MP_TYPE, &r);
	expect_err(&r, 400, "an attachment part without X-Experience-API-Hash");
	not_stored(bad, "no hash header");

	bad = uuid();
	body = multipart(att_stmt(bad, u, ATT_SHA2), NULL, NULL, 0, 1);
	post_mp(body, MP_TYPE, &r);
	expect_err(&r, 400, "an attachment without fileUrl and without part");
	not_stored(bad, "missing part");

	bad = uuid();
	body = multipart(att_stmt(bad, u, ATT_SHA2), ATT_HEADERS, ATT_TEXT,
	    strlen(ATT_TEXT), 0);
	post_mp(body, MP_TYPE, &r);
	expect_err(&r, 400, "a multipart body without closing delimiter");
	not_stored(bad, "unterminated multipart");

	bad = uuid();
	body = multipart(att_stmt(bad, u, ATT_SHA2), ATT_HEADERS, ATT_TEXT,
	    strlen(ATT_TEXT), 1);
	call("POST", STMTS, MP_TYPE, body, strlen(body) / 2, &r);
	expect_err(&r, 400, "a multipart body cut in half");
	not_stored(bad, "truncated multipart");

	bad = uuid();
	post_mp(body = multipart(att_stmt(bad, u, ATT_SHA2), ATT_HEADERS,
	    ATT_TEXT, strlen(ATT_TEXT), 1), "Content-Type: multipart/mixed\r\n",
	    &r);
	expect_err(&r, 400, "multipart/mixed without a boundary");
	not_stored(bad, "no boundary");

	post_mp(body, "Content-Type: multipart/mixed; boundary=other-one\r\n",
	    &r);
	expect_err(&r, 400, "multipart/mixed with the wrong boundary");
	not_stored(bad, "wrong boundary");

	post_mp(body, "Content-Type: application/json\r\n", &r);
	expect_err(&r, 400, "a multipart body labelled application/json");
	not_stored(bad, "mislabelled multipart");

	body = multipart(att_stmt(bad, u, ATT_SHA2), ATT_HEADERS, ATT_TEXT,
	    strlen(ATT_TEXT), 1);
	body = fmt("--" BOUNDARY "\r\nContent-Type: text/plain\r\n%s",
	    body + strlen("--" BOUNDARY "\r\nContent-Type: application/json"
	    "\r\n"));
	post_mp(body, MP_TYPE, &r);
	expect_err(&r, 400, "a first part that is not application/json");
	not_stored(bad, "first part text/plain");

	/* Without a part, an attachment needs a fileUrl. */
	bad = uuid();
	post(att_stmt(bad, u, ATT_SHA2), &r);
	expect_err(&r, 400, "JSON POST of an attachment without fileUrl");
	not_stored(bad, "attachment without fileUrl nor part");
	id = uuid();
	chk(post(stmt(id, agent(fmt("att-%s", u)), verb(fmt("url-%s", u)),
	    activity(fmt("att-%s", u)), fmt("\"attachments\":[{\"usageType\":"
	    "\"" EX "attachment-usage/test\",\"display\":{\"en-US\":\"A "
	    "text\"},\"contentType\":\"text/plain\",\"length\":34,"
	    "\"sha2\":\"%s\",\"fileUrl\":\"" EX "files/a.txt\"}]", ATT_SHA2)),
	    &r) == 200, "JSON POST of an attachment with fileUrl: %d %.300s",
	    r.status, r.body);

	/* Two statements of a batch may share one part. */
	id = uuid();
	bad = uuid();
	body = multipart(fmt("[%s,%s]", att_stmt(id, u, ATT_SHA2),
	    att_stmt(bad, u, ATT_SHA2)), ATT_HEADERS, ATT_TEXT,
	    strlen(ATT_TEXT), 1);
	chk(post_mp(body, MP_TYPE, &r) == 200, "a batch of two statements "
	    "sharing one attachment part: %d %.300s", r.status, r.body);
	chk(status_of(id) == 200 && status_of(bad) == 200,
	    "both statements sharing a part are stored");
	httpc_resp_free(&r);
}

/* Signed statements, from fixtures made with openssl (see
 * tests/data/http/gen-signed.py). */
static void
test_signed(void)
{
	struct httpc_resp r = { 0 };
	json *fx = NULL, *cases, *c, *st, *atts, *a;
	char *text, err[200];
	const char *jws, *body;
	size_t len, i;
	int want;

	text = NULL;
	{
		FILE *f = fopen("tests/data/http/signed.json", "r");
		struct buf b = BUF_INIT;
		char chunk[4096];
		size_t got;

		if (f != NULL) {
			while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
				buf_add(&b, chunk, got);
			fclose(f);
			text = buf_detach(&b, &len);
		}
	}
	chk(text != NULL, "fixture tests/data/http/signed.json missing "
	    "(run from the top of the tree)");
	if (text == NULL)
		return;
	json_parse(text, len, 64, &fx, err, sizeof(err));
	free(text);
	cases = json_get(fx, ver);
	chk(cases != NULL && cases->type == JSON_ARRAY, "fixture has no %s",
	    ver);
	for (i = 0; cases != NULL && i < cases->n; i++) {
		c = cases->vals[i];
		jws = json_get_str(c, "jws");
		want = (int)json_get(c, "expect")->num;
		st = json_clone(json_get(c, "statement"));
		atts = json_new(JSON_ARRAY);
		a = json_new(JSON_OBJECT);
		json_set(a, "usageType", json_new_str(SIG_USAGE));
		json_set(a, "display", json_new(JSON_OBJECT));
		json_set(json_get(a, "display"), "en-US",
		    json_new_str("signature"));
		json_set(a, "contentType",
		    json_new_str("application/octet-stream"));
		json_set(a, "length", json_clone(json_get(c, "length")));
		json_set(a, "sha2", json_clone(json_get(c, "sha2")));
		json_push(atts, a);
		json_set(st, "attachments", atts);
		body = keep(json_to_string(st, NULL));
		body = multipart(body, fmt("Content-Type: application/octet-stream"
		    "\r\nContent-Transfer-Encoding: binary\r\n"
		    "X-Experience-API-Hash: %s\r\n", json_get_str(c, "sha2")),
		    jws, strlen(jws), 1);
		post_mp(body, MP_TYPE, &r);
		if (want == 200)
			chk(r.status == 200, "signed statement (%s): want 200, "
			    "got %d %.300s", json_get_str(c, "name"), r.status,
			    r.body);
		else {
			expect_err(&r, want, json_get_str(c, "name"));
			not_stored(json_get_str(st, "id"),
			    json_get_str(c, "name"));
		}
		json_free(st);
	}
	json_free(fx);
	httpc_resp_free(&r);
}

/* Paging with "more" while statements keep arriving: no duplicates and
 * no statement of the first query missing. */
static void
test_paging(int ascending)
{
	struct httpc_resp r = { 0 };
	const char *u = uniq(), *vb = verb(fmt("page-%s", u)), *ids[20];
	const char *seen[64], *got;
	struct buf path = BUF_INIT;
	json *j, *st, *more;
	size_t i, k;
	int nseen = 0, pages = 0, dup = 0, extra = 0, n;

	for (n = 0; n < 7; n++) {
		ids[n] = uuid();
		chk(post(stmt(ids[n], agent(fmt("page-%s", u)), vb,
		    activity(fmt("page-%s-%d", u, n)), NULL), &r) == 200,
		    "POST page statement: %d", r.status);
	}
	buf_printf(&path, STMTS "?verb=%s&limit=3&ascending=%s",
	    enc(verb_id(fmt("page-%s", u))), ascending ? "true" : "false");
	for (;;) {
		call("GET", path.p, NULL, NULL, 0, &r);
		j = httpc_json(&r);
		st = json_get(j, "statements");
		if (r.status != 200 || st == NULL || st->type != JSON_ARRAY) {
			chk(0, "paging: GET %s gave %d %.300s", path.p, r.status,
			    r.body);
			break;
		}
		chk(st->n <= 3, "paging: a page holds more than limit");
		for (i = 0; i < st->n; i++) {
			got = json_get_str(st->vals[i], "id");
			if (got == NULL)
				continue;
			for (k = 0; k < (size_t)nseen; k++)
				if (strcmp(seen[k], got) == 0)
					dup++;
			if (nseen < 64)
				seen[nseen++] = fmt("%s", got);
		}
		pages++;
		more = json_get(j, "more");
		if (more == NULL || more->type != JSON_STRING || more->len == 0
		    || pages > 20)
			break;
		buf_reset(&path);
		httpc_more_path(more->str, &path);
		/* New statements arrive between pages. */
		for (k = 0; pages <= 2 && k < 2; k++) {
			ids[n + extra] = uuid();
			chk(post(stmt(ids[n + extra], agent(fmt("page-%s", u)),
			    vb, activity("page-late"), NULL), &r) == 200,
			    "POST between pages: %d", r.status);
			extra++;
		}
	}
	chk(dup == 0, "paging (ascending=%d): %d statements seen twice",
	    ascending, dup);
	for (k = 0; k < 7; k++) {
		int found = 0;

		for (i = 0; i < (size_t)nseen; i++)
			if (strcmp(seen[i], ids[k]) == 0)
				found = 1;
		chk(found, "paging (ascending=%d): statement %zu of the first "
		    "query never came", ascending, k);
	}
	chk(pages >= 3, "paging: 7 statements with limit 3 took %d pages",
	    pages);
	buf_free(&path);
	httpc_resp_free(&r);
}

/* Bad input: each a 4xx with a JSON error body and nothing stored. */
static void
test_bad_input(void)
{
	static const struct {
		const char	*what;
		const char	*body;	/* %1$s is the id */
	} bad[] = {
		{ "malformed JSON", "{\"id\":\"%1$s\",\"actor\":" },
		{ "a trailing comma", "{\"id\":\"%1$s\",\"actor\":{\"mbox\":"
		    "\"mailto:a@example.com\"},\"verb\":{\"id\":\"http://e.com/v\""
		    "},\"object\":{\"id\":\"http://e.com/a\"},}" },
		{ "verb as a string", "{\"id\":\"%1$s\",\"actor\":{\"mbox\":"
		    "\"mailto:a@example.com\"},\"verb\":\"http://e.com/v\","
		    "\"object\":{\"id\":\"http://e.com/a\"}}" },
		{ "mbox as a number", "{\"id\":\"%1$s\",\"actor\":{\"mbox\":42},"
		    "\"verb\":{\"id\":\"http://e.com/v\"},\"object\":{\"id\":"
		    "\"http://e.com/a\"}}" },
		{ "scaled score as a string", "{\"id\":\"%1$s\",\"actor\":"
		    "{\"mbox\":\"mailto:a@example.com\"},\"verb\":{\"id\":"
		    "\"http://e.com/v\"},\"object\":{\"id\":\"http://e.com/a\"},"
		    "\"result\":{\"score\":{\"scaled\":\"high\"}}}" },
		{ "an unknown property", "{\"id\":\"%1$s\",\"actor\":{\"mbox\":"
		    "\"mailto:a@example.com\"},\"verb\":{\"id\":\"http://e.com/v\""
		    "},\"object\":{\"id\":\"http://e.com/a\"},\"foo\":1}" },
		{ "invalid UTF-8", "{\"id\":\"%1$s\",\"actor\":{\"mbox\":"
		    "\"mailto:a@example.com\"},\"verb\":{\"id\":\"http://e.com/v\","
		    "\"display\":{\"en-US\":\"\xff\xfe\xc3\"}},\"object\":{\"id\":"
		    "\"http://e.com/a\"}}" },
		{ "a timestamp that is no date", "{\"id\":\"%1$s\",\"actor\":"
		    "{\"mbox\":\"mailto:a@example.com\"},\"verb\":{\"id\":"
		    "\"http://e.com/v\"},\"object\":{\"id\":\"http://e.com/a\"},"
		    "\"timestamp\":\"yesterday\"}" },
		{ "no actor", "{\"id\":\"%1$s\",\"verb\":{\"id\":"
		    "\"http://e.com/v\"},\"object\":{\"id\":\"http://e.com/a\"}}" },
		{ "an array holding a number", "[{\"id\":\"%1$s\",\"actor\":"
		    "{\"mbox\":\"mailto:a@example.com\"},\"verb\":{\"id\":"
		    "\"http://e.com/v\"},\"object\":{\"id\":\"http://e.com/a\"}},"
		    "7]" },
		{ "a duplicate member name", "{\"id\":\"%1$s\",\"actor\":"
		    "{\"mbox\":\"mailto:a@example.com\"},\"verb\":{\"id\":"
		    "\"http://e.com/v\"},\"verb\":{\"id\":\"http://e.com/w\"},"
		    "\"object\":{\"id\":\"http://e.com/a\"}}" },
		{ "a JSON string", "\"%1$s\"" },
		{ "null", "null" },
		{ "an empty body", "" },
	};
	struct httpc_resp r = { 0 };
	struct buf b = BUF_INIT;
	const char *id, *body, *saved = ver;
	size_t i;
	int d;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		id = uuid();
		buf_reset(&b);
		buf_printf(&b, bad[i].body, id);
		body = fmt("%s", b.p ? b.p : "");
		post(body, &r);
		expect_err(&r, 400, fmt("POST %s", bad[i].what));
		not_stored(id, bad[i].what);
		put(id, body, &r);
		expect_err(&r, 400, fmt("PUT %s", bad[i].what));
		not_stored(id, bad[i].what);
	}

	/* Nesting deeper than any parser limit, inside an extension. */
	id = uuid();
	buf_reset(&b);
	buf_printf(&b, "{\"id\":\"%s\",\"actor\":%s,\"verb\":%s,\"object\":%s,"
	    "\"result\":{\"extensions\":{\"" EX "ext/deep\":", id,
	    agent("deep"), verb("deep"), activity("deep"));
	for (d = 0; d < 5000; d++)
		buf_putc(&b, '[');
	for (d = 0; d < 5000; d++)
		buf_putc(&b, ']');
	buf_puts(&b, "}}}");
	post(b.p, &r);
	expect_err(&r, 400, "a statement nested 5000 deep");
	not_stored(id, "deep nesting");

	/* Versions. */
	id = uuid();
	body = simple(id);
	ver = NULL;
	post(body, &r);
	expect_err(&r, 400, "POST without X-Experience-API-Version");
	put(id, body, &r);
	expect_err(&r, 400, "PUT without X-Experience-API-Version");
	get("statementId", id, &r);
	expect_err(&r, 400, "GET without X-Experience-API-Version");
	ver = "3.0.0";
	post(body, &r);
	expect_err(&r, 400, "POST with version 3.0.0");
	ver = "0.95";
	post(body, &r);
	expect_err(&r, 400, "POST with version 0.95");
	ver = "1.0.3, 2.0.0";
	post(body, &r);
	expect_err(&r, 400, "POST with a list of versions");
	ver = saved;
	not_stored(id, "statements with a bad version header");

	/* A statement whose own version is not of this major version. */
	id = uuid();
	post(stmt(id, agent("badver"), verb("badver"), activity("badver"),
	    "\"version\":\"0.9\""), &r);
	expect_err(&r, 400, "a statement with version 0.9");
	not_stored(id, "version 0.9");

	buf_free(&b);
	httpc_resp_free(&r);
}

/* The LRS sets id, stored, authority, version; a client's version is kept. */
static void
test_lrs_sets(void)
{
	struct httpc_resp r = { 0 };
	const char *id = uuid(), *v = ver[0] == '1' ? "1.0.3" : "2.0.0";
	json *j;

	chk(put(id, simple(id), &r) == 204, "PUT: %d %.300s", r.status,
	    r.body);
	get("statementId", id, &r);
	j = httpc_json(&r);
	check_lrs_set(j, id, "PUT without stored/authority/version");

	id = uuid();
	chk(post(stmt(id, agent("withver"), verb("withver"),
	    activity("withver"), fmt("\"version\":\"%s\"", v)), &r) == 200,
	    "POST with version %s: %d %.300s", v, r.status, r.body);
	get("statementId", id, &r);
	chk(json_is_str(json_get(httpc_json(&r), "version"), v),
	    "a statement keeps the version it was sent with: %.300s", r.body);
	httpc_resp_free(&r);
}

/* A statement comes back as it was sent (format=exact): Unicode, escapes,
 * numbers, extensions, context. */
static void
test_roundtrip(void)
{
	struct httpc_resp r = { 0 };
	const char *id = uuid(), *sent;
	static const char *keys[] = { "actor", "verb", "object", "result",
	    "context", "timestamp" };
	json *a = NULL, *b;
	size_t i;

	sent = fmt("{\"id\":\"%s\",\"actor\":{\"objectType\":\"Agent\","
	    "\"name\":\"J\u00f6rg \\\"Q\\\" \u65e5\u672c\",\"mbox\":"
	    "\"mailto:rt-%s@example.com\"},\"verb\":{\"id\":\"" EX
	    "verbs/rt\",\"display\":{\"ja-JP\":\"\u2713 \u65e5\u672c\u8a9e\","
	    "\"en-US\":\"tab\\tnl\\n\"}},\"object\":{\"objectType\":"
	    "\"Activity\",\"id\":\"" EX "activities/rt\",\"definition\":{"
	    "\"type\":\"http://adlnet.gov/expapi/activities/cmi.interaction\","
	    "\"interactionType\":\"choice\",\"correctResponsesPattern\":"
	    "[\"a[,]b\"],\"choices\":[{\"id\":\"a\",\"description\":{"
	    "\"en-US\":\"A\"}},{\"id\":\"b\",\"description\":{\"en-US\":"
	    "\"B\"}}]}},\"result\":{\"score\":{\"scaled\":0.5,\"raw\":1.5e1,"
	    "\"min\":-3,\"max\":100},\"success\":true,\"completion\":false,"
	    "\"response\":\"a[,]b\",\"duration\":\"PT1H2M3.5S\",\"extensions\":"
	    "{\"" EX "ext/x\":{\"n\":[1,2.25,null,true,{\"deep\":\"\u00e9\"}]}}},"
	    "\"context\":{\"registration\":\"%s\",\"language\":\"ja-JP\","
	    "\"platform\":\"test\",\"statement\":{\"objectType\":"
	    "\"StatementRef\",\"id\":\"%s\"},\"extensions\":{\"" EX
	    "ext/c\":\"\\u0000nul\"}},\"timestamp\":\"2020-02-29T23:59:59.123Z\"}",
	    id, uniq(), uuid(), uuid());
	chk(put(id, sent, &r) == 204, "PUT round-trip statement: %d %.300s",
	    r.status, r.body);
	json_parse(sent, strlen(sent), 64, &a, NULL, 0);
	chk(a != NULL, "the round-trip statement is JSON");
	call("GET", fmt(STMTS "?statementId=%s&format=exact", id), NULL, NULL,
	    0, &r);
	b = httpc_json(&r);
	for (i = 0; a != NULL && i < sizeof(keys) / sizeof(keys[0]); i++)
		chk(json_equal(json_get(a, keys[i]), json_get(b, keys[i])),
		    "%s comes back as sent: %.600s", keys[i], r.body);
	json_free(a);
	httpc_resp_free(&r);
}

/* A body over --max-body is refused with 413 and nothing stored. */
static void
test_body_limit(void)
{
	struct srv small = SRV_INIT;
	struct httpc_resp r = { 0 };
	struct buf b = BUF_INIT;
	const char *id = uuid();
	int port = srv.port;

	if (srv_start(&small, "--max-body 65536") != 0) {
		chk(0, "server with --max-body 65536 does not start");
		return;
	}
	srv.port = small.port;
	buf_printf(&b, "{\"id\":\"%s\",\"actor\":%s,\"verb\":%s,\"object\":%s,"
	    "\"result\":{\"response\":\"", id, agent("big"), verb("big"),
	    activity("big"));
	while (b.len < 100000)
		buf_puts(&b, "0123456789abcdef");
	buf_puts(&b, "\"}}");
	call("POST", STMTS, NULL, b.p, b.len, &r);
	expect_err(&r, 413, "POST of 100 kB to a server limited to 64 kB");
	call("PUT", fmt(STMTS "?statementId=%s", id), NULL, b.p, b.len, &r);
	expect_err(&r, 413, "PUT of 100 kB to a server limited to 64 kB");
	not_stored(id, "a body over the limit");
	chk(post(simple(NULL), &r) == 200, "a small POST still works after "
	    "413: %d %.300s", r.status, r.body);
	srv.port = port;
	chk(srv_stop(&small, 1) == 0, "the small server stops cleanly");
	buf_free(&b);
	httpc_resp_free(&r);
}

/* Every acknowledged statement survives a restart on the same data. */
static void
test_restart(void)
{
	struct httpc_resp r = { 0 };
	struct buf b = BUF_INIT;
	const char *ids[16], *u = uniq(), *vb = verb(fmt("rs-%s", u));
	json *all;
	int i;

	buf_putc(&b, '[');
	for (i = 0; i < 10; i++) {
		ids[i] = uuid();
		buf_printf(&b, "%s%s", i ? "," : "", stmt(ids[i],
		    agent(fmt("rs-%s", u)), vb, activity(fmt("rs-%d", i)),
		    NULL));
	}
	buf_putc(&b, ']');
	chk(post(b.p, &r) == 200, "POST restart batch: %d %.300s", r.status,
	    r.body);
	for (; i < 16; i++) {
		ids[i] = uuid();
		chk(put(ids[i], stmt(ids[i], agent(fmt("rs-%s", u)), vb,
		    activity(fmt("rs-%d", i)), NULL), &r) == 204,
		    "PUT restart statement: %d", r.status);
	}
	chk(srv_restart(&srv) == 0, "the server stops cleanly and starts "
	    "again on the same data");
	if (srv.pid == 0) {
		srv_dump_log(&srv);
		buf_free(&b);
		httpc_resp_free(&r);
		return;
	}
	for (i = 0; i < 16; i++)
		chk(status_of(ids[i]) == 200, "statement %d lost by a restart",
		    i);
	all = query(fmt("verb=%s", enc(verb_id(fmt("rs-%s", u)))), NULL);
	chk(all != NULL && all->n == 16, "a query after restart finds %zu of "
	    "16", all ? all->n : 0);
	json_free(all);
	buf_free(&b);
	httpc_resp_free(&r);
}

int
main(void)
{
	static const char *versions[] = { "1.0.3", "2.0.0" };
	size_t i;

	if (srv_start(&srv, NULL) != 0) {
		ok(0, "the server starts");
		return test_done();
	}
	for (i = 0; i < 2; i++) {
		ver = versions[i];
		test_put();
		test_post();
		test_get_one();
		test_void();
		test_query();
		test_combined();
		test_format();
		test_attachments();
		test_signed();
		test_paging(0);
		test_paging(1);
		test_bad_input();
		test_lrs_sets();
		test_roundtrip();
		gc();
	}
	ver = versions[1];
	test_body_limit();
	ver = versions[0];
	test_restart();
	gc();
	if (test_failed)
		srv_dump_log(&srv);
	chk(srv_stop(&srv, 1) == 0, "the server stops cleanly on SIGTERM");
	return test_done();
}
