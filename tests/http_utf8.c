/* HTTP tests of strict text against a real lrsd: every malformed UTF-8
 * sequence and unpaired \u surrogate escape, sent in statements (PUT, POST,
 * a batch, multipart), documents, query parameters, headers and the
 * alternate-syntax form, gets a 400 whose message names the problem, and
 * nothing is stored (a GET afterwards finds nothing).  The valid edge
 * cases are stored and served back byte for byte. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "httpc.h"
#include "json.h"
#include "srv.h"
#include "test.h"
#include "xalloc.h"

TEST_MAIN_DEFS

#define STMTS	"/xapi/statements"
#define STATE	"/xapi/activities/state"
#define ACT	"http://example.com/utf8"
#define BOUNDARY "utf8-test-boundary"
#define MP_TYPE	"Content-Type: multipart/mixed; boundary=" BOUNDARY "\r\n"
#define FORM	"Content-Type: application/x-www-form-urlencoded\r\n"
/* SHA-256 of "abc". */
#define ABC_SHA2 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static struct srv srv = SRV_INIT;
static const char *ver;		/* the xAPI version under test */

#define chk(cond, ...) do {						\
	int chk_ok_ = (cond) ? 1 : 0;					\
	if (!chk_ok_)							\
		fprintf(stderr, "[%s] ", ver);				\
	ok(chk_ok_, __VA_ARGS__);					\
} while (0)

/* Text that must be refused, as written inside a JSON string, and what
 * the message must say.  The first NBYTES are bad bytes, which can also
 * be percent-encoded into a query; the rest are bad escapes. */
static const struct bad {
	const char	*name;
	const char	*text;
	const char	*want;
} bads[] = {
	{ "C0 AF (overlong '/')", "\xc0\xaf", "overlong" },
	{ "E0 80 AF (overlong '/')", "\xe0\x80\xaf", "overlong" },
	{ "ED A0 80 (U+D800 encoded)", "\xed\xa0\x80", "surrogate" },
	{ "F4 90 80 80 (U+110000)", "\xf4\x90\x80\x80", "above U+10FFFF" },
	{ "E2 82 (cut short)", "\xe2\x82", "cut short" },
	{ "FF", "\xff", "F8..FF" },
	{ "a lone \\uDC00", "\\uDC00", "low surrogate" },
	{ "\\uD800 then x", "\\uD800x", "high surrogate" },
	{ "\\uD800\\u0041", "\\uD800\\u0041", "high surrogate" },
};
#define NBADS	(sizeof(bads) / sizeof(bads[0]))
#define NBYTES	6

/* Strings made while a test runs, freed together by gc(). */
static char	**kept;
static size_t	  nkept;

static const char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static const char *
fmt(const char *f, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, f);
	buf_vprintf(&b, f, ap);
	va_end(ap);
	buf_add(&b, "", 0);
	kept = xrealloc(kept, (nkept + 1) * sizeof(*kept));
	return kept[nkept++] = buf_detach(&b, NULL);
}

static const char *
enc(const char *s)
{
	struct buf b = BUF_INIT;

	httpc_urlencode(s, &b);
	buf_add(&b, "", 0);
	kept = xrealloc(kept, (nkept + 1) * sizeof(*kept));
	return kept[nkept++] = buf_detach(&b, NULL);
}

static const char *
uuid(void)
{
	char u[37];

	return fmt("%s", httpc_uuid(u));
}

static void
gc(void)
{
	while (nkept > 0)
		free(kept[--nkept]);
	free(kept);
	kept = NULL;
}

static int
call(const char *method, const char *path, const char *extra,
    const void *body, size_t len, struct httpc_resp *r)
{
	httpc_resp_free(r);
	if (httpc_xapi(srv.port, ver, method, path, extra, body, len, r) != 0)
		r->status = -1;
	return r->status;
}

/* A 1.0.3 alternate-syntax request: POST path?method=m with a form. */
static int
call_form(const char *path, const char *m, const char *form,
    struct httpc_resp *r)
{
	struct buf auth = BUF_INIT, b = BUF_INIT;
	int rc;

	httpc_basic(SRV_USER, SRV_SECRET, &auth);
	buf_printf(&b, "%s&X-Experience-API-Version=1.0.3&Authorization=",
	    form);
	httpc_urlencode(auth.p, &b);
	httpc_resp_free(r);
	rc = httpc_request("127.0.0.1", srv.port, "POST", fmt("%s?method=%s",
	    path, m), FORM, b.p, b.len, r);
	buf_free(&auth);
	buf_free(&b);
	return rc == 0 ? r->status : -1;
}

#define refused(r, want, what) refused_at(__LINE__, r, want, what)

/* r is a 400 with a JSON error whose message holds want. */
static void
refused_at(int line, struct httpc_resp *r, const char *want, const char *what)
{
	const char *msg = json_get_str(httpc_json(r), "message");

	chk(r->status == 400, "line %d: %s: want 400, got %d %.300s", line,
	    what, r->status, r->body);
	chk(msg != NULL && strstr(msg, want) != NULL, "line %d: %s: the "
	    "message should say '%s': %.300s", line, what, want, r->body);
}

#define refused_at_byte(r, want, what) do {				\
	refused(r, want, what);						\
	chk(strstr((r)->body, "byte") != NULL, "line %d: %s: the message "\
	    "should say where: %.300s", __LINE__, what, (r)->body);	\
} while (0)

static void
stmt_absent(const char *id, const char *what)
{
	struct httpc_resp r = { 0 };

	chk(call("GET", fmt(STMTS "?statementId=%s", id), NULL, NULL, 0, &r)
	    == 404, "%s: statement %s should not be stored (GET gave %d)",
	    what, id, r.status);
	httpc_resp_free(&r);
}

/* A statement whose verb display is text (put into a JSON string as it
 * is) and, when more is not NULL, more members. */
static const char *
stmt(const char *id, const char *text, const char *more)
{
	return fmt("{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:utf8@example."
	    "com\"},\"verb\":{\"id\":\"http://example.com/v\",\"display\":"
	    "{\"en-US\":\"%s\"}},\"object\":{\"id\":\"" ACT "\"}%s%s}", id,
	    text, more ? "," : "", more ? more : "");
}

/* Each bad sequence in a PUT, a POST, and a batch with a good one. */
static void
test_statements(void)
{
	struct httpc_resp r = { 0 };
	const char *id, *good;
	size_t i;

	for (i = 0; i < NBADS; i++) {
		id = uuid();
		call("PUT", fmt(STMTS "?statementId=%s", id), NULL,
		    stmt(id, fmt("x%sy", bads[i].text), NULL), (size_t)-1,
		    &r);
		refused_at_byte(&r, bads[i].want, fmt("PUT %s", bads[i].name));
		stmt_absent(id, bads[i].name);

		call("POST", STMTS, NULL, stmt(id, bads[i].text, NULL),
		    (size_t)-1, &r);
		refused_at_byte(&r, bads[i].want, fmt("POST %s", bads[i].name));
		stmt_absent(id, bads[i].name);

		good = uuid();
		call("POST", STMTS, NULL, fmt("[%s,%s]", stmt(good, "fine",
		    NULL), stmt(id, bads[i].text, NULL)), (size_t)-1, &r);
		refused_at_byte(&r, bads[i].want, fmt("a batch with %s",
		    bads[i].name));
		stmt_absent(good, "the good statement of a refused batch");
		stmt_absent(id, bads[i].name);
	}
	httpc_resp_free(&r);
}

/* "\u0000" in a member name is refused; in a value it is a character that
 * is kept, and the same statement sent again is the same statement. */
static void
test_nul(void)
{
	struct httpc_resp r = { 0 };
	const char *id = uuid(), *sent;
	json *ext;

	sent = stmt(id, "n", "\"result\":{\"extensions\":{\"http://example."
	    "com/x\\u0000\":1,\"http://example.com/x\":2}}");
	call("PUT", fmt(STMTS "?statementId=%s", id), NULL, sent, (size_t)-1,
	    &r);
	refused_at_byte(&r, "\\u0000", "\\u0000 in a member name");
	stmt_absent(id, "\\u0000 in a member name");

	sent = stmt(id, "a\\u0000b", "\"result\":{\"extensions\":{\"http://"
	    "example.com/x\":\"\\u0000\"}}");
	chk(call("PUT", fmt(STMTS "?statementId=%s", id), NULL, sent,
	    (size_t)-1, &r) == 204, "\\u0000 in values is stored: %d %.300s",
	    r.status, r.body);
	chk(call("GET", fmt(STMTS "?statementId=%s", id), NULL, NULL, 0, &r)
	    == 200, "GET the statement with \\u0000: %d", r.status);
	ext = json_get(json_get(json_get(httpc_json(&r), "result"),
	    "extensions"), "http://example.com/x");
	chk(ext != NULL && ext->type == JSON_STRING && ext->len == 1 &&
	    ext->str[0] == '\0', "\\u0000 comes back as \\u0000: %.300s",
	    r.body);
	chk(call("PUT", fmt(STMTS "?statementId=%s", id), NULL, sent,
	    (size_t)-1, &r) == 204, "the same statement again is no conflict: "
	    "%d %.300s", r.status, r.body);
	httpc_resp_free(&r);
}

/* The edges of the valid range are stored and served back exactly. */
static void
test_valid_edges(void)
{
	static const struct {
		const char	*name;
		const char	*sent;	/* inside a JSON string */
		const char	*want;	/* the bytes served back */
	} good[] = {
		{ "U+007F and U+0080", "\\u007f\xc2\x80", "\x7f\xc2\x80" },
		{ "U+FFFF", "\xef\xbf\xbf", "\xef\xbf\xbf" },
		{ "U+10FFFF", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },
		{ "U+10FFFF escaped", "\\uDBFF\\uDFFF", "\xf4\x8f\xbf\xbf" },
		{ "an emoji", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "an emoji escaped", "\\ud83d\\ude00", "\xf0\x9f\x98\x80" },
	};
	struct httpc_resp r = { 0 };
	const char *id;
	size_t i;
	json *d;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		id = uuid();
		chk(call("PUT", fmt(STMTS "?statementId=%s", id), NULL,
		    stmt(id, good[i].sent, NULL), (size_t)-1, &r) == 204,
		    "%s is stored: %d %.300s", good[i].name, r.status, r.body);
		call("GET", fmt(STMTS "?statementId=%s", id), NULL, NULL, 0,
		    &r);
		d = json_get(json_get(json_get(httpc_json(&r), "verb"),
		    "display"), "en-US");
		chk(d != NULL && d->len == strlen(good[i].want) &&
		    memcmp(d->str, good[i].want, d->len) == 0,
		    "%s comes back as sent: %.300s", good[i].name, r.body);
	}
	httpc_resp_free(&r);
}

/* A multipart body: the statement, then one attachment part with the
 * given headers holding "abc". */
static const char *
multipart(const char *st, const char *att_headers)
{
	return fmt("--" BOUNDARY "\r\nContent-Type: application/json\r\n\r\n"
	    "%s\r\n--" BOUNDARY "\r\n%s\r\nabc\r\n--" BOUNDARY "--\r\n", st,
	    att_headers);
}

static const char *
att_stmt(const char *id, const char *ctype)
{
	return stmt(id, "att", fmt("\"attachments\":[{\"usageType\":"
	    "\"http://example.com/usage\",\"display\":{\"en-US\":\"a\"},"
	    "\"contentType\":\"%s\",\"length\":3,\"sha2\":\"" ABC_SHA2 "\"}]",
	    ctype));
}

/* A contentType that would break the reply's part headers, and part
 * headers that are not UTF-8 text. */
static void
test_attachments(void)
{
	static const char ok_headers[] = "Content-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: binary\r\n"
	    "X-Experience-API-Hash: " ABC_SHA2 "\r\n";
	struct httpc_resp r = { 0 };
	const char *id;

	id = uuid();
	call("POST", STMTS, MP_TYPE, multipart(att_stmt(id, "text/plain; "
	    "a=b\\r\\n\\r\\nforged\\r\\n--" BOUNDARY "\\r\\nContent-Type: "
	    "x/y"), ok_headers), (size_t)-1, &r);
	refused_at_byte(&r, "contentType: holds a control character",
	    "CR LF in an attachment contentType");
	stmt_absent(id, "CR LF in an attachment contentType");

	id = uuid();
	call("POST", STMTS, MP_TYPE, multipart(att_stmt(id, "text/plain"),
	    fmt("%sX-Note: \xc0\xaf\r\n", ok_headers)), (size_t)-1, &r);
	refused_at_byte(&r, "overlong", "an overlong sequence in a part "
	    "header");
	stmt_absent(id, "an overlong sequence in a part header");

	id = uuid();
	call("POST", STMTS, MP_TYPE, multipart(att_stmt(id, "text/plain"),
	    fmt("%sX-Note: a\x1b[2J\r\n", ok_headers)), (size_t)-1, &r);
	refused_at_byte(&r, "control character", "ESC in a part header");
	stmt_absent(id, "ESC in a part header");

	id = uuid();
	chk(call("POST", STMTS, MP_TYPE, multipart(att_stmt(id, "text/plain; "
	    "charset=utf-8"), fmt("%sX-Note: caf\xc3\xa9\r\n", ok_headers)),
	    (size_t)-1, &r) == 200, "UTF-8 text in a part header is fine: %d "
	    "%.300s", r.status, r.body);
	httpc_resp_free(&r);
}

static const char *
state_url(const char *state_id)
{
	return fmt(STATE "?activityId=%s&agent=%s&stateId=%s", enc(ACT),
	    enc("{\"mbox\":\"mailto:utf8@example.com\"}"), state_id);
}

/* The state ids stored for ACT and the test agent. */
static size_t
state_count(void)
{
	struct httpc_resp r = { 0 };
	json *j;
	size_t n = (size_t)-1;

	if (call("GET", fmt(STATE "?activityId=%s&agent=%s", enc(ACT),
	    enc("{\"mbox\":\"mailto:utf8@example.com\"}")), NULL, NULL, 0,
	    &r) == 200 && (j = httpc_json(&r)) != NULL &&
	    j->type == JSON_ARRAY)
		n = j->n;
	httpc_resp_free(&r);
	return n;
}

/* JSON documents are text; documents of other types are bytes. */
static void
test_documents(void)
{
	struct httpc_resp r = { 0 };
	const char *u;
	size_t i;

	for (i = 0; i < NBADS; i++) {
		u = state_url(fmt("doc%zu", i));
		call("PUT", u, NULL, fmt("{\"k\":\"%s\"}", bads[i].text),
		    (size_t)-1, &r);
		refused_at_byte(&r, bads[i].want, fmt("PUT a JSON document "
		    "with %s", bads[i].name));
		call("POST", u, NULL, fmt("{\"%s\":1}", bads[i].text),
		    (size_t)-1, &r);
		refused_at_byte(&r, bads[i].want, fmt("POST a JSON document "
		    "with %s in a member name", bads[i].name));
		chk(call("GET", u, NULL, NULL, 0, &r) == 404, "%s: nothing "
		    "stored (GET gave %d)", bads[i].name, r.status);
	}
	call("PUT", state_url("nulname"), NULL, "{\"a\\u0000\":1}",
	    (size_t)-1, &r);
	refused_at_byte(&r, "\\u0000", "\\u0000 in a document's member name");
	chk(state_count() == 0, "no document stored");
	chk(call("PUT", state_url("bytes"), "Content-Type: application/"
	    "octet-stream\r\n", "\xc0\xaf\xff", 3, &r) == 204, "bytes that are "
	    "not UTF-8 are a fine octet-stream document: %d", r.status);
	chk(call("GET", state_url("bytes"), NULL, NULL, 0, &r) == 200 &&
	    r.len == 3 && memcmp(r.body, "\xc0\xaf\xff", 3) == 0,
	    "and come back as they were sent");
	chk(call("DELETE", state_url("bytes"), NULL, NULL, 0, &r) == 204,
	    "DELETE the octet-stream document: %d", r.status);
	httpc_resp_free(&r);
}

/* Query parameters, percent-decoded, and the JSON some of them hold. */
static void
test_params(void)
{
	struct httpc_resp r = { 0 };
	const char *agent;
	size_t i;

	for (i = 0; i < NBYTES; i++) {
		call("PUT", state_url(enc(fmt("s%s", bads[i].text))), NULL,
		    "{}", 2, &r);
		refused_at_byte(&r, "parameter 'stateId': ",
		    fmt("stateId with %s", bads[i].name));
		refused(&r, bads[i].want, fmt("stateId with %s",
		    bads[i].name));
		call("GET", fmt(STMTS "?verb=%s", enc(fmt("http://example.com/"
		    "%s", bads[i].text))), NULL, NULL, 0, &r);
		refused_at_byte(&r, bads[i].want, fmt("verb with %s",
		    bads[i].name));
	}
	chk(state_count() == 0, "no document stored");
	for (i = 0; i < NBADS; i++) {
		agent = fmt("{\"account\":{\"homePage\":\"http://example.com\","
		    "\"name\":\"%s\"}}", bads[i].text);
		call("GET", fmt(STMTS "?agent=%s", enc(agent)), NULL, NULL, 0,
		    &r);
		refused_at_byte(&r, bads[i].want, fmt("an agent parameter with "
		    "%s", bads[i].name));
	}
	call("GET", fmt(STMTS "?statementId=%s%%00x", uuid()), NULL, NULL, 0,
	    &r);
	refused_at_byte(&r, "NUL", "%00 in statementId");
	call("PUT", state_url("a%00b"), NULL, "{}", 2, &r);
	refused_at_byte(&r, "NUL", "%00 in stateId");
	chk(state_count() == 0, "no document stored");
	httpc_resp_free(&r);
}

/* Header values: what lrsd parses and stores must be UTF-8 text. */
static void
test_headers(void)
{
	struct httpc_resp r = { 0 };

	call("PUT", state_url("hdr"), "Content-Type: text/pl\xc0\xaf" "ain\r\n",
	    "x", 1, &r);
	refused_at_byte(&r, "header Content-Type holds invalid UTF-8 (an "
	    "overlong encoding)", "an overlong Content-Type");
	call("PUT", state_url("hdr"), "Content-Type: text/plain; a=\xed\xa0"
	    "\x80\r\n", "x", 1, &r);
	refused_at_byte(&r, "surrogate", "a surrogate in Content-Type");
	call("PUT", state_url("hdr"), "If-Match: \"\xf4\x90\x80\x80\"\r\n",
	    "{}", 2, &r);
	refused_at_byte(&r, "header If-Match holds invalid UTF-8 (a code point "
	    "above U+10FFFF)", "every header lrsd reads is checked");
	chk(state_count() == 0, "no document stored");
	/* One it never reads is opaque (RFC 9110 obs-text, e.g. Latin-1). */
	chk(call("PUT", state_url("hdr"), "User-Agent: caf\xe9\r\n"
	    "X-Note: caf\xc3\xa9\r\n", "{}", 2, &r) == 204,
	    "a header lrsd does not read passes: %d %.300s", r.status, r.body);
	chk(call("DELETE", state_url("hdr"), NULL, NULL, 0, &r) == 204,
	    "DELETE it again: %d", r.status);
	httpc_resp_free(&r);
}

/* The 1.0.3 alternate request syntax: the form is checked like a query. */
static void
test_alternate(void)
{
	struct httpc_resp r = { 0 };
	const char *id = uuid(), *agent;

	agent = enc("{\"mbox\":\"mailto:utf8@example.com\"}");
	call_form(STMTS, "PUT", fmt("statementId=%s&content=%s", id,
	    enc(stmt(id, "\xc0\xaf", NULL))), &r);
	refused_at_byte(&r, "parameter 'content': invalid UTF-8 (an overlong "
	    "encoding)", "an overlong sequence in a form's content");
	stmt_absent(id, "an overlong sequence in a form's content");

	call_form(STMTS, "PUT", fmt("statementId=%s&content=%s%%00", id,
	    enc(stmt(id, "x", NULL))), &r);
	refused_at_byte(&r, "parameter 'content': a NUL byte", "%00 after a "
	    "form's content");
	stmt_absent(id, "%00 after a form's content");

	call_form(STMTS, "PUT", fmt("statementId=%s&content=%s", id,
	    enc(stmt(id, "\\uDC00", NULL))), &r);
	refused_at_byte(&r, "low surrogate", "a lone \\uDC00 in a form's "
	    "content");
	stmt_absent(id, "a lone \\uDC00 in a form's content");

	call_form(STATE, "PUT", fmt("activityId=%s&agent=%s&stateId=alt&"
	    "Content-Type=text%%2Fplain%%0D%%0AX-Forged%%3A%%201&content=x",
	    enc(ACT), agent), &r);
	refused_at_byte(&r, "Content-Type holds a control character",
	    "CR LF in a form's Content-Type");
	chk(state_count() == 0, "no document stored");
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
		test_statements();
		test_nul();
		test_valid_edges();
		test_attachments();
		test_documents();
		test_params();
		test_headers();
		gc();
	}
	ver = versions[0];
	test_alternate();
	gc();
	if (test_failed)
		srv_dump_log(&srv);
	chk(srv_stop(&srv, 1) == 0, "the server stops cleanly on SIGTERM");
	return test_done();
}
