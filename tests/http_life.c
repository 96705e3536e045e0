/* HTTP tests of the data lifecycle (POST /ops/erase, POST /ops/purge,
 * GET /ops/audit) against a real server.
 *
 * A population of statements (several actors, an instructor, a team, an
 * Agent as object, shared and private attachments, voiding, StatementRefs)
 * and documents is written; what each operation must remove is written
 * down here by hand from that population (never asked of the server).
 * Each dry run must count exactly that, the operation must then remove
 * it, and every query path (agent with and without related_agents, verb,
 * activity, registration, statementId, voidedStatementId, since/until,
 * paging by "more"), the documents, attachments and GET /agents must show
 * no trace of it while everything else stays as it was, also after a
 * restart.  Then the audit trail, bad input (400), scopes (403, 401), and
 * that the tiering engine's follower gets past the holes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "httpc.h"
#include "json.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

#define EX		"http://life.example/"
#define BOUNDARY	"lifeboundary"
#define VOIDED		"http://adlnet.gov/expapi/verbs/voided"

static struct srv srv = SRV_INIT;

/* Strings made with fmt() live until the end of the test. */
static char *kept[4096];
static size_t nkept;

static const char *
keep(char *s)
{
	if (nkept < sizeof(kept) / sizeof(kept[0]))
		kept[nkept++] = s;
	return s;
}

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
	return keep(buf_detach(&b, NULL));
}

static const char *
enc(const char *s)
{
	struct buf b = BUF_INIT;

	httpc_urlencode(s, &b);
	return keep(buf_detach(&b, NULL));
}

/* A request as the admin (test:testsecret1); the status or -1. */
static int
call(const char *method, const char *path, const char *extra,
    const char *body, size_t len, struct httpc_resp *r)
{
	httpc_resp_free(r);
	if (httpc_xapi(srv.port, "1.0.3", method, path, extra, body, len,
	    r) != HTTPC_OK)
		r->status = -1;
	return r->status;
}

/* A request as user:secret with a JSON body; the status or -1. */
static int
call_as(const char *user, const char *secret, const char *method,
    const char *path, const char *body, struct httpc_resp *r)
{
	struct buf h = BUF_INIT;
	int rc;

	httpc_resp_free(r);
	if (user) {
		buf_puts(&h, "Authorization: ");
		httpc_basic(user, secret, &h);
		buf_puts(&h, "\r\n");
	}
	buf_puts(&h, "X-Experience-API-Version: 1.0.3\r\n");
	if (body)
		buf_puts(&h, "Content-Type: application/json\r\n");
	rc = httpc_request("127.0.0.1", srv.port, method, path, h.p, body,
	    body ? strlen(body) : 0, r);
	buf_free(&h);
	return rc == HTTPC_OK ? r->status : -1;
}

static const char *
sha256_hex(const char *data)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n, i;
	char *out = malloc(65);

	EVP_Digest(data, strlen(data), md, &n, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return keep(out);
}

/* --- the population --- */

#define AG_A	"{\"mbox\":\"mailto:alice@life.example\",\"name\":\"Alice\"}"
#define AG_B	"{\"account\":{\"homePage\":\"https://life.example\"," \
		"\"name\":\"bob\"},\"name\":\"Bob\"}"
#define AG_C	"{\"mbox\":\"mailto:carol@life.example\",\"name\":\"Carol\"}"
#define NONAME_A "{\"mbox\":\"mailto:alice@life.example\"}"
#define NONAME_B "{\"account\":{\"homePage\":\"https://life.example\"," \
		"\"name\":\"bob\"}}"
#define AG_D	"{\"mbox\":\"mailto:dave@life.example\"}"
#define AG_E	"{\"mbox\":\"mailto:erin@life.example\"}"
#define AG_F	"{\"mbox\":\"mailto:frank@life.example\"}"

/* The statements by name: s* for the erasure, p* stored before the purge
 * instant, q* after it. */
enum {
	S1, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11, S12, S13, S14,
	P1, P2, P3, P4, P5, Q1, Q2, Q3, Q4, NSTMT
};
static const char *names[NSTMT] = {
	"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
	"s12", "s13", "s14", "p1", "p2", "p3", "p4", "p5", "q1", "q2", "q3",
	"q4"
};
static char ids[NSTMT][37];
static const char *reg1;

/* Attachment payloads: private ones and shared ones. */
static const char *pay_p1 = "private payload of s6";
static const char *pay_pa = "private payload of alice's s9";
static const char *pay_s = "payload shared by s7 and s8";
static const char *pay_p2 = "private payload of p2, purged";
static const char *pay_q = "payload shared by p1 and q1";

/* Statement i with actor, verb (a name under EX "verbs/", or VOIDED),
 * object (JSON) and extra members (",..." or ""). */
static const char *
stmt(int i, const char *actor, const char *verb, const char *object,
    const char *extra)
{
	return fmt("{\"id\":\"%s\",\"actor\":%s,\"verb\":{\"id\":\"%s\"},"
	    "\"object\":%s%s}", ids[i], actor,
	    strcmp(verb, VOIDED) == 0 ? VOIDED : fmt(EX "verbs/%s", verb),
	    object, extra);
}

static const char *
act(int n)
{
	return fmt("{\"id\":\"" EX "act/%d\"}", n);
}

static const char *
ref(int i)
{
	return fmt("{\"objectType\":\"StatementRef\",\"id\":\"%s\"}", ids[i]);
}

static const char *
att_member(const char *payload)
{
	return fmt(",\"attachments\":[{\"usageType\":\"" EX "usage\","
	    "\"display\":{\"en-US\":\"a file\"},\"contentType\":"
	    "\"text/plain\",\"length\":%zu,\"sha2\":\"%s\"}]",
	    strlen(payload), sha256_hex(payload));
}

static void
post(int i, const char *json_text)
{
	struct httpc_resp r = { 0 };

	ok(call("POST", "/xapi/statements", NULL, json_text, (size_t)-1,
	    &r) == 200, "POST %s: %d %.300s", names[i], r.status, r.body);
	httpc_resp_free(&r);
}

/* POST statement i (JSON with one attachment) with its payload. */
static void
post_att(int i, const char *json_text, const char *payload)
{
	struct httpc_resp r = { 0 };
	const char *body;

	body = fmt("--" BOUNDARY "\r\nContent-Type: application/json\r\n\r\n"
	    "%s\r\n--" BOUNDARY "\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: %s"
	    "\r\n\r\n%s\r\n--" BOUNDARY "--\r\n", json_text,
	    sha256_hex(payload), payload);
	ok(call("POST", "/xapi/statements", "Content-Type: multipart/mixed; "
	    "boundary=" BOUNDARY "\r\n", body, (size_t)-1, &r) == 200,
	    "POST %s with its attachment: %d %.300s", names[i], r.status,
	    r.body);
	httpc_resp_free(&r);
}

static void
put_doc(const char *path, const char *body)
{
	struct httpc_resp r = { 0 };

	/* Profiles want a precondition: none exists yet. */
	ok(call("PUT", path, "If-None-Match: *\r\n", body, (size_t)-1,
	    &r) == 204,
	    "PUT %s: %d %.200s", path, r.status, r.body);
	httpc_resp_free(&r);
}

static const char *
state_path(const char *agent, const char *sid, const char *reg)
{
	return fmt("/xapi/activities/state?activityId=%s&agent=%s&stateId=%s%s",
	    enc(EX "act/1"), enc(agent), sid,
	    reg ? fmt("&registration=%s", reg) : "");
}

static const char *
profile_path(const char *agent)
{
	return fmt("/xapi/agents/profile?agent=%s&profileId=prof", enc(agent));
}

#define ACT_PROFILE "/xapi/activities/profile?activityId=" \
		"http%3A%2F%2Flife.example%2Fact%2F1&profileId=ap"

static void
populate_erase(void)
{
	const char *team = "{\"objectType\":\"Group\",\"member\":[" AG_A ","
	    AG_C "]}";

	post(S1, stmt(S1, AG_A, "v1", act(1), fmt(",\"context\":"
	    "{\"registration\":\"%s\"}", reg1)));
	post(S2, stmt(S2, AG_B, "v1", act(1), ",\"context\":{\"instructor\":"
	    AG_A "}"));
	post(S3, stmt(S3, AG_B, "v2", act(2), fmt(",\"context\":{\"team\":%s}",
	    team)));
	post(S4, stmt(S4, AG_C, "v2", "{\"objectType\":\"Agent\","
	    "\"mbox\":\"mailto:alice@life.example\"}", ""));
	post(S5, stmt(S5, AG_B, "v1", act(2), fmt(",\"context\":"
	    "{\"registration\":\"%s\"}", reg1)));
	post_att(S6, stmt(S6, AG_C, "v3", act(3), att_member(pay_p1)), pay_p1);
	post_att(S7, stmt(S7, AG_A, "v2", act(2), att_member(pay_s)), pay_s);
	post_att(S8, stmt(S8, AG_B, "v2", act(2), att_member(pay_s)), pay_s);
	post_att(S9, stmt(S9, AG_A, "v3", act(3), att_member(pay_pa)), pay_pa);
	post(S10, stmt(S10, AG_B, VOIDED, ref(S1), ""));
	post(S14, stmt(S14, AG_D, "v3", act(3), ""));
	post(S11, stmt(S11, AG_A, VOIDED, ref(S14), ""));
	post(S12, stmt(S12, AG_C, "commented", ref(S6), ""));
	post(S13, stmt(S13, AG_C, "commented", ref(S2), ""));

	put_doc(state_path(AG_A, "st1", NULL), "{\"page\":1}");
	put_doc(state_path(AG_A, "st2", reg1), "{\"page\":22}");
	put_doc(profile_path(AG_A), "{\"likes\":\"tea\"}");
	put_doc(state_path(AG_B, "st1", NULL), "{\"page\":3}");
	put_doc(profile_path(AG_B), "{\"likes\":\"coffee\"}");
	put_doc(ACT_PROFILE, "{\"about\":\"act1\"}");
}

/* --- queries --- */

/* The statements of our population GET /xapi/statements?query answers,
 * following "more", as a bit set of names; -1 on failure. */
static long long
query(const char *q)
{
	struct httpc_resp r = { 0 };
	struct buf path = BUF_INIT;
	const json *list, *more;
	long long got = 0;
	size_t i, guard;
	int k;

	buf_printf(&path, "/xapi/statements?%s", q);
	for (guard = 0; guard < 100; guard++) {
		if (call("GET", path.p, NULL, NULL, 0, &r) != 200 ||
		    (list = json_get(httpc_json(&r), "statements")) == NULL ||
		    list->type != JSON_ARRAY) {
			fprintf(stderr, "GET %s: %d %.200s\n", path.p, r.status,
			    r.body);
			got = -1;
			break;
		}
		for (i = 0; i < list->n; i++)
			for (k = 0; k < NSTMT; k++)
				if (json_is_str(json_get(list->vals[i], "id"),
				    ids[k]))
					got |= 1LL << k;
		more = json_get(httpc_json(&r), "more");
		if (more == NULL || more->type != JSON_STRING || more->len == 0)
			break;
		buf_reset(&path);
		httpc_more_path(more->str, &path);
	}
	buf_free(&path);
	httpc_resp_free(&r);
	return got;
}

static const char *
set_text(long long set)
{
	struct buf b = BUF_INIT;
	int k;

	buf_puts(&b, "{");
	for (k = 0; k < NSTMT; k++)
		if (set & (1LL << k))
			buf_printf(&b, " %s", names[k]);
	buf_puts(&b, " }");
	return keep(buf_detach(&b, NULL));
}

#define B(x)	(1LL << (x))

static void
expect(const char *q, long long want)
{
	long long got = query(q);

	ok(got == want, "GET statements?%s: want %s, got %s", q,
	    set_text(want), got < 0 ? "(failure)" : set_text(got));
}

/* The statements of our population GET /feed holds, from the start, as
 * a bit set of names; -1 on failure. */
static long long
feed_set(void)
{
	struct httpc_resp r = { 0 };
	const char *last, *end;
	long long got = 0, after = 0;
	const char *id;
	size_t guard;
	char *line, *nl;
	json *j;
	int k;

	for (guard = 0; guard < 100; guard++) {
		if (call("GET", fmt("/feed?after=%lld&limit=1000", after), NULL,
		    NULL, 0, &r) != 200 ||
		    (last = httpc_header(&r, "X-Lrsd-Feed-Last")) == NULL ||
		    (end = httpc_header(&r, "X-Lrsd-Store-Last")) == NULL) {
			fprintf(stderr, "GET /feed: %d %.200s\n", r.status,
			    r.body);
			got = -1;
			break;
		}
		for (line = r.body; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			j = NULL;
			if (json_parse(line, nl ? (size_t)(nl - line) :
			    strlen(line), 64, &j, NULL, 0) != 0) {
				got = -1;
				break;
			}
			id = json_get_str(json_get(j, "statement"), "id");
			for (k = 0; id && k < NSTMT; k++)
				if (strcmp(id, ids[k]) == 0)
					got |= 1LL << k;
			json_free(j);
		}
		if (got < 0)
			break;
		after = atoll(last);
		if (after >= atoll(end))
			break;
	}
	httpc_resp_free(&r);
	return got;
}

/* After a removal, the change feed serves no statement of our population
 * that is gone (by statementId and voidedStatementId), and every one the
 * statements resource still lists. */
static void
expect_feed_clean(const char *what)
{
	struct httpc_resp r = { 0 };
	long long feed = feed_set(), listed = query("limit=50");
	int k, gone = 0;

	ok(feed >= 0, "GET /feed answers after %s", what);
	for (k = 0; feed > 0 && k < NSTMT; k++)
		if ((feed & (1LL << k)) &&
		    call("GET", fmt("/xapi/statements?statementId=%s", ids[k]),
		    NULL, NULL, 0, &r) == 404 &&
		    call("GET", fmt("/xapi/statements?voidedStatementId=%s",
		    ids[k]), NULL, NULL, 0, &r) == 404) {
			fprintf(stderr, "the feed still holds %s\n", names[k]);
			gone++;
		}
	httpc_resp_free(&r);
	ok(gone == 0, "the feed holds nothing %s removed", what);
	ok(listed >= 0 && (listed & ~feed) == 0,
	    "the feed holds every statement still listed after %s: %s",
	    what, set_text(listed & ~feed));
}

/* statementId / voidedStatementId of statement i: the statuses. */
static void
expect_by_id(int i, int want_plain, int want_voided)
{
	struct httpc_resp r = { 0 };

	ok(call("GET", fmt("/xapi/statements?statementId=%s", ids[i]), NULL,
	    NULL, 0, &r) == want_plain, "statementId=%s: want %d, got %d",
	    names[i], want_plain, r.status);
	ok(call("GET", fmt("/xapi/statements?voidedStatementId=%s", ids[i]),
	    NULL, NULL, 0, &r) == want_voided,
	    "voidedStatementId=%s: want %d, got %d", names[i], want_voided,
	    r.status);
	httpc_resp_free(&r);
}

static int
status_of(const char *method, const char *path)
{
	struct httpc_resp r = { 0 };
	int st = call(method, path, NULL, NULL, 0, &r);

	httpc_resp_free(&r);
	return st;
}

/* The payload of statement i's attachment as GET attachments=true shows
 * it is want. */
static void
expect_payload(int i, const char *want)
{
	struct httpc_resp r = { 0 };
	struct httpc_part parts[4];
	const char *ct;
	int n;

	call("GET", fmt("/xapi/statements?statementId=%s&attachments=true",
	    ids[i]), NULL, NULL, 0, &r);
	ct = httpc_header(&r, "Content-Type");
	n = ct ? httpc_multipart(ct, r.body, r.len, parts, 4) : -1;
	ok(r.status == 200 && n == 2 && parts[1].len == strlen(want) &&
	    memcmp(parts[1].body, want, parts[1].len) == 0,
	    "%s keeps its attachment (status %d, %d parts)", names[i],
	    r.status, n);
	httpc_resp_free(&r);
}

/* The names of GET /xapi/agents for agent (given without a name: the
 * Person then only has what statements told), as one string "a,b". */
static const char *
person_names(const char *agent)
{
	struct httpc_resp r = { 0 };
	struct buf b = BUF_INIT;
	const json *n;
	size_t i;

	if (call("GET", fmt("/xapi/agents?agent=%s", enc(agent)), NULL, NULL,
	    0, &r) == 200 && (n = json_get(httpc_json(&r), "name")) &&
	    n->type == JSON_ARRAY)
		for (i = 0; i < n->n; i++)
			buf_printf(&b, "%s%s", i ? "," : "", n->vals[i]->str);
	else
		buf_puts(&b, "(failure)");
	httpc_resp_free(&r);
	buf_putc(&b, '\0');
	return keep(buf_detach(&b, NULL));
}

/* --- the operations --- */

struct counts {
	long long	statements, attachments, documents, bytes, audit_id;
	int		person;
};

static long long
num(const json *j, const char *key)
{
	const json *v = json_get(j, key);

	return v && v->type == JSON_NUMBER ? (long long)v->num : -1;
}

/* POST /ops/<what> body; the counts (statements -1 on failure). */
static struct counts
op(const char *what, const char *body)
{
	struct httpc_resp r = { 0 };
	struct counts c = { -1, -1, -1, -1, -1, 0 };
	const json *j;

	if (call("POST", fmt("/ops/%s", what), NULL, body, (size_t)-1,
	    &r) == 200 && (j = httpc_json(&r)) != NULL) {
		c.statements = num(j, "statements");
		c.attachments = num(j, "attachments");
		c.documents = num(j, "documents");
		c.bytes = num(j, "bytes");
		c.audit_id = num(j, "audit_id");
		c.person = json_get(j, "person") &&
		    json_get(j, "person")->type == JSON_TRUE;
	} else
		fprintf(stderr, "POST /ops/%s: %d %.300s\n", what, r.status,
		    r.body);
	httpc_resp_free(&r);
	return c;
}

static void
test_erase(void)
{
	const char *erase_a = "{\"agent\":{\"mbox\":"
	    "\"mailto:alice@life.example\"}";
	long long min_bytes;
	struct counts dry, real;
	int i;

	populate_erase();
	/* The population is what this test thinks it is. */
	expect("agent=" "%7B%22mbox%22%3A%22mailto%3Aalice%40life.example%22%7D",
	    B(S4) | B(S7) | B(S9) | B(S10) | B(S11));
	expect("agent=%7B%22mbox%22%3A%22mailto%3Aalice%40life.example%22%7D"
	    "&related_agents=true", B(S2) | B(S3) | B(S4) | B(S7) | B(S9) |
	    B(S10) | B(S11) | B(S13));
	ok(strcmp(person_names(NONAME_A), "Alice") == 0,
	    "GET /agents knows Alice's name before: %s", person_names(NONAME_A));
	expect_by_id(S14, 404, 200);

	/* Erased: s1-s4 (actor, instructor, team member, object), s7, s9
	 * (with attachments), s10 (voids s1), s11 (by Alice, voids s14),
	 * s13 (refers to s2).  Attachments: s9's only (s7's is s8's too).
	 * Documents: two State documents and an Agent Profile. */
	min_bytes = (long long)(strlen(pay_pa) + strlen("{\"page\":1}") +
	    strlen("{\"page\":22}") + strlen("{\"likes\":\"tea\"}"));
	dry = op("erase", fmt("%s,\"dry_run\":true}", erase_a));
	ok(dry.statements == 9, "erase dry run counts 9 statements: %lld",
	    dry.statements);
	ok(dry.attachments == 1, "erase dry run counts 1 attachment: %lld",
	    dry.attachments);
	ok(dry.documents == 3, "erase dry run counts 3 documents: %lld",
	    dry.documents);
	ok(dry.person, "erase dry run finds the Person");
	ok(dry.bytes > min_bytes, "erase dry run counts bytes: %lld",
	    dry.bytes);
	/* A dry run changes nothing. */
	expect_by_id(S2, 200, 404);
	ok(status_of("GET", state_path(AG_A, "st1", NULL)) == 200,
	    "a dry run leaves the documents");

	real = op("erase", fmt("%s}", erase_a));
	ok(real.statements == dry.statements &&
	    real.attachments == dry.attachments &&
	    real.documents == dry.documents && real.bytes == dry.bytes &&
	    real.person == dry.person,
	    "erase removes what its dry run counted (%lld/%lld/%lld/%lld)",
	    real.statements, real.attachments, real.documents, real.bytes);
	ok(real.audit_id == dry.audit_id + 1, "each run has an audit record");

	/* No trace of Alice in any query path. */
	expect("agent=%7B%22mbox%22%3A%22mailto%3Aalice%40life.example%22%7D",
	    0);
	expect("agent=%7B%22mbox%22%3A%22mailto%3Aalice%40life.example%22%7D"
	    "&related_agents=true", 0);
	for (i = 0; i < NSTMT; i++)
		if (i == S1 || i == S2 || i == S3 || i == S4 || i == S7 ||
		    i == S9 || i == S10 || i == S11 || i == S13)
			expect_by_id(i, 404, 404);
	/* Everyone else's statements stay as they were; s14 stays voided
	 * though its voiding statement went. */
	expect_by_id(S5, 200, 404);
	expect_by_id(S14, 404, 200);
	expect(fmt("agent=%s", enc(AG_B)), B(S5) | B(S8));
	expect(fmt("agent=%s&related_agents=true", enc(AG_B)), B(S5) | B(S8));
	expect(fmt("agent=%s&related_agents=true", enc(AG_C)), B(S6) | B(S12));
	expect(fmt("agent=%s", enc(AG_D)), 0);
	expect(fmt("verb=%s", enc(EX "verbs/v1")), B(S5));
	expect(fmt("verb=%s", enc(EX "verbs/v2")), B(S8));
	expect(fmt("verb=%s", enc(EX "verbs/v3")), B(S6) | B(S12));
	expect(fmt("activity=%s", enc(EX "act/1")), 0);
	expect(fmt("activity=%s&related_activities=true", enc(EX "act/1")), 0);
	expect(fmt("activity=%s", enc(EX "act/2")), B(S5) | B(S8));
	expect(fmt("activity=%s", enc(EX "act/3")), B(S6) | B(S12));
	expect(fmt("registration=%s", reg1), B(S5));
	expect("limit=2", B(S5) | B(S6) | B(S8) | B(S12));
	expect("limit=1&ascending=true", B(S5) | B(S6) | B(S8) | B(S12));
	expect("since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z&limit=3",
	    B(S5) | B(S6) | B(S8) | B(S12));
	/* Attachments: the shared one stays with s8. */
	expect_payload(S6, pay_p1);
	expect_payload(S8, pay_s);
	/* Documents and the Person. */
	ok(status_of("GET", state_path(AG_A, "st1", NULL)) == 404,
	    "Alice's State document is gone");
	ok(status_of("GET", state_path(AG_A, "st2", reg1)) == 404,
	    "Alice's State document of a registration is gone");
	ok(status_of("GET", profile_path(AG_A)) == 404,
	    "Alice's Agent Profile is gone");
	ok(status_of("GET", state_path(AG_B, "st1", NULL)) == 200,
	    "Bob's State document stays");
	ok(status_of("GET", profile_path(AG_B)) == 200,
	    "Bob's Agent Profile stays");
	ok(status_of("GET", ACT_PROFILE) == 200, "the Activity Profile stays");
	ok(strcmp(person_names(NONAME_A), "") == 0,
	    "GET /agents no longer knows Alice's name: '%s'",
	    person_names(NONAME_A));
	ok(strcmp(person_names(NONAME_B), "Bob") == 0,
	    "GET /agents still knows Bob: '%s'", person_names(NONAME_B));
	expect_feed_clean("the erase");
	/* Again: nothing left. */
	dry = op("erase", fmt("%s,\"dry_run\":true}", erase_a));
	ok(dry.statements == 0 && dry.documents == 0 && !dry.person,
	    "a second erase finds nothing (%lld)", dry.statements);
}

/* The stored time of statement i, microseconds (-1 on failure). */
static long long
stored_of(int i)
{
	struct httpc_resp r = { 0 };
	long long t = -1;

	if (call("GET", fmt("/xapi/statements?statementId=%s", ids[i]), NULL,
	    NULL, 0, &r) == 200)
		t = httpc_ts(json_get_str(httpc_json(&r), "stored"));
	httpc_resp_free(&r);
	return t;
}

static void
check_after_purge(void)
{
	int i;

	expect("limit=2", B(Q1) | B(Q2) | B(Q4));
	expect("limit=2&ascending=true", B(Q1) | B(Q2) | B(Q4));
	for (i = 0; i < NSTMT; i++)
		if ((i >= S5 && i <= S14 && i != S7 && i != S9 && i != S10 &&
		    i != S11 && i != S13) || (i >= P1 && i <= P5))
			expect_by_id(i, 404, 404);
	/* q3 stays voided though p4, its voiding statement, went. */
	expect_by_id(Q3, 404, 200);
	expect_by_id(Q4, 200, 404);
	/* q4 referred to p5 and no longer matches p5's filters. */
	expect(fmt("agent=%s", enc(AG_F)), 0);
	expect(fmt("agent=%s", enc(AG_E)), B(Q1) | B(Q2) | B(Q4));
	expect(fmt("verb=%s", enc(EX "verbs/v2")), 0);
	expect(fmt("activity=%s", enc(EX "act/2")), 0);
	expect(fmt("verb=%s", enc(EX "verbs/commented")), B(Q4));
	expect(fmt("registration=%s", reg1), 0);
	expect_payload(Q1, pay_q);
	ok(status_of("GET", state_path(AG_B, "st1", NULL)) == 200,
	    "a purge leaves the documents");
}

static void
test_purge(void)
{
	struct counts dry, real;
	long long t;
	char before[80];
	time_t sec;
	struct tm tm;

	/* Stored before the instant: what stayed of the erasure and p1-p5. */
	post_att(P1, stmt(P1, AG_E, "v1", act(1), att_member(pay_q)), pay_q);
	post_att(P2, stmt(P2, AG_E, "v1", act(1), att_member(pay_p2)), pay_p2);
	post(P3, stmt(P3, AG_F, "v1", act(1), ""));
	post(P4, stmt(P4, AG_E, VOIDED, ref(Q3), ""));
	post(P5, stmt(P5, AG_F, "v2", act(2), ""));
	t = stored_of(P5) + 1000;
	usleep(50000);
	post_att(Q1, stmt(Q1, AG_E, "v4", act(4), att_member(pay_q)), pay_q);
	post(Q2, stmt(Q2, AG_E, VOIDED, ref(P3), ""));
	post(Q3, stmt(Q3, AG_F, "v3", act(3), ""));
	post(Q4, stmt(Q4, AG_E, "commented", ref(P5), ""));
	ok(t > 0 && stored_of(Q1) > t, "q1 is stored after the instant");
	/* p4 and q2 void (refer to) Frank's statements: they match too. */
	expect(fmt("agent=%s", enc(AG_F)), B(P4) | B(P5) | B(Q2) | B(Q4));
	expect_by_id(Q3, 404, 200);

	sec = (time_t)(t / 1000000);
	gmtime_r(&sec, &tm);
	snprintf(before, sizeof(before), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(t / 1000 % 1000));

	/* Purged: s5, s6, s8, s12, s14 and p1-p5 (10).  Attachments: s6's,
	 * s8's (s7 is gone) and p2's; p1's stays with q1. */
	dry = op("purge", fmt("{\"before\":\"%s\",\"dry_run\":true}", before));
	ok(dry.statements == 10, "purge dry run counts 10 statements: %lld",
	    dry.statements);
	ok(dry.attachments == 3, "purge dry run counts 3 attachments: %lld",
	    dry.attachments);
	ok(dry.documents == 0, "a purge takes no documents: %lld",
	    dry.documents);
	ok(dry.bytes > (long long)(strlen(pay_p1) + strlen(pay_s) +
	    strlen(pay_p2)), "purge dry run counts bytes: %lld", dry.bytes);
	expect_by_id(S5, 200, 404);

	real = op("purge", fmt("{\"before\":\"%s\"}", before));
	ok(real.statements == dry.statements &&
	    real.attachments == dry.attachments &&
	    real.bytes == dry.bytes,
	    "purge removes what its dry run counted (%lld/%lld/%lld)",
	    real.statements, real.attachments, real.bytes);
	check_after_purge();
	expect_feed_clean("the purge");

	/* Idempotent: again, nothing goes. */
	dry = op("purge", fmt("{\"before\":\"%s\",\"dry_run\":true}", before));
	real = op("purge", fmt("{\"before\":\"%s\"}", before));
	ok(dry.statements == 0 && real.statements == 0 &&
	    real.attachments == 0, "a second purge removes nothing");

	/* After a restart, the same. */
	ok(srv_restart(&srv) == 0, "the server restarts");
	check_after_purge();
}

/* --- audit, bad input, scopes --- */

static void
test_audit(void)
{
	static const char *const want[][2] = {
		{ "erase", "true" }, { "erase", "false" }, { "erase", "true" },
		{ "purge", "true" }, { "purge", "false" }, { "purge", "true" },
		{ "purge", "false" }
	};
	struct httpc_resp r = { 0 };
	const json *recs, *rec, *more;
	size_t i, n = 0;
	int seen_more = 0;
	const char *path = "/ops/audit?limit=4";
	struct buf next = BUF_INIT;

	while (path) {
		if (call("GET", path, NULL, NULL, 0, &r) != 200 ||
		    (recs = json_get(httpc_json(&r), "records")) == NULL) {
			ok(0, "GET %s: %d %.200s", path, r.status, r.body);
			break;
		}
		ok(strstr(r.body, "alice") == NULL,
		    "the audit trail holds no personal data: %.300s", r.body);
		for (i = 0; i < recs->n; i++, n++) {
			rec = recs->vals[i];
			if (n >= sizeof(want) / sizeof(want[0]))
				continue;
			ok(json_is_str(json_get(rec, "action"), want[n][0]) &&
			    (json_get(rec, "dry_run")->type == JSON_TRUE) ==
			    (strcmp(want[n][1], "true") == 0) &&
			    json_is_str(json_get(rec, "who"), SRV_USER) &&
			    json_get(rec, "completed")->type == JSON_TRUE &&
			    num(rec, "id") == (long long)n + 1,
			    "audit record %zu is the %s (dry_run %s) by %s",
			    n + 1, want[n][0], want[n][1], SRV_USER);
			if (strcmp(want[n][0], "erase") == 0)
				ok(json_get_str(rec, "agent_hash") &&
				    strlen(json_get_str(rec, "agent_hash")) == 32,
				    "an erasure's record names a hash of the IFI");
			else
				ok(json_get_str(rec, "before") != NULL,
				    "a purge's record names its instant");
			ok(json_get(rec, "counts") != NULL,
			    "the record has the counts");
		}
		more = json_get(httpc_json(&r), "more");
		path = NULL;
		if (more && more->type == JSON_STRING && more->len) {
			seen_more = 1;
			buf_reset(&next);
			buf_puts(&next, more->str);
			path = next.p;
		}
	}
	ok(n == sizeof(want) / sizeof(want[0]), "%zu audit records, want %zu",
	    n, sizeof(want) / sizeof(want[0]));
	ok(seen_more, "the audit trail pages with more");
	buf_free(&next);
	httpc_resp_free(&r);
}

static void
bad(const char *what, const char *body, const char *word)
{
	struct httpc_resp r = { 0 };
	const char *msg;

	call("POST", fmt("/ops/%s", what), NULL, body, (size_t)-1, &r);
	msg = json_get_str(httpc_json(&r), "message");
	ok(r.status == 400 && msg && strstr(msg, word),
	    "POST /ops/%s %s: want 400 naming '%s', got %d %.200s", what,
	    body, word, r.status, r.body);
	httpc_resp_free(&r);
}

static void
test_bad_input(void)
{
	struct httpc_resp r = { 0 };
	long long before = query("limit=0");

	bad("purge", "{}", "before");
	bad("purge", "{\"before\":\"2025-01-01\"}", "before");
	bad("purge", "{\"before\":\"2025-01-01T00:00:00\"}", "time zone");
	bad("purge", "{\"before\":2025}", "before");
	bad("purge", "{\"before\":\"2999-01-01T00:00:00Z\",\"dry_run\":\"no\"}",
	    "dry_run");
	bad("purge", "{\"before\":\"2999-01-01T00:00:00Z\",\"force\":1}",
	    "unknown member 'force'");
	bad("purge", "not json", "not JSON");
	bad("purge", "[]", "JSON object");
	bad("purge", "", "JSON object");
	bad("erase", "{}", "agent");
	bad("erase", "{\"agent\":\"alice\"}", "agent");
	bad("erase", "{\"agent\":{\"name\":\"nobody\"}}", "agent");
	bad("erase", "{\"agent\":{\"mbox\":\"alice@life.example\"}}", "mbox");
	bad("erase", "{\"agent\":{\"objectType\":\"Group\",\"member\":["
	    AG_E "]}}", "identifier");
	bad("erase", "{\"agent\":" AG_E ",\"dry_run\":1}", "dry_run");
	ok(status_of("GET", "/ops/purge") == 405, "GET /ops/purge is 405");
	ok(status_of("POST", "/ops/audit") == 405, "POST /ops/audit is 405");
	ok(status_of("GET", "/ops/nothing") == 404, "/ops/nothing is 404");
	ok(status_of("GET", "/ops/audit?limit=ten") == 400,
	    "audit limit=ten is 400");
	ok(status_of("GET", "/ops/audit?limit=1001") == 400,
	    "audit limit=1001 is 400");
	ok(status_of("GET", "/ops/audit?user=x") == 400,
	    "an unknown audit parameter is 400");
	ok(query("limit=0") == before, "bad input removed nothing");
	httpc_resp_free(&r);
}

static void
test_scopes(void)
{
	struct httpc_resp r = { 0 };
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s credential add reader readersecret1 "
	    "--scopes statements/read,all/read --data %s >/dev/null 2>&1",
	    getenv("LRSD"), srv.data);
	ok(system(cmd) == 0, "credential add reader");
	ok(call_as("reader", "readersecret1", "POST", "/ops/purge",
	    "{\"before\":\"2999-01-01T00:00:00Z\",\"dry_run\":true}", &r) == 403 &&
	    httpc_error_body(&r), "purge without the scope all is 403 (%d)",
	    r.status);
	ok(call_as("reader", "readersecret1", "POST", "/ops/erase",
	    "{\"agent\":" AG_E ",\"dry_run\":true}", &r) == 403,
	    "erase without the scope all is 403 (%d)", r.status);
	ok(call_as("reader", "readersecret1", "GET", "/ops/audit", NULL,
	    &r) == 403, "audit without the scope all is 403 (%d)", r.status);
	ok(call_as(NULL, NULL, "GET", "/ops/audit", NULL, &r) == 401,
	    "audit without a credential is 401 (%d)", r.status);
	expect(fmt("agent=%s", enc(AG_E)), B(Q1) | B(Q2) | B(Q4));
	httpc_resp_free(&r);
}

/* Run "lrsd ARGS --data DIR" into out (its first line of output); the
 * exit status. */
static int
cli(const char *args, char *out, size_t size)
{
	char cmd[1024];
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s --data %s 2>&1", getenv("LRSD"),
	    args, srv.data);
	out[0] = '\0';
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(out, (int)size, f) == NULL)
		out[0] = '\0';
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* lrsd purge and lrsd erase on the stopped server's data. */
static void
test_cli(void)
{
	char out[512];
	struct httpc_resp r = { 0 };
	const json *recs, *last;

	ok(srv_stop(&srv, 0) == 0, "the server stops");
	ok(cli("purge", out, sizeof(out)) == 2 && strstr(out, "--before"),
	    "lrsd purge without --before: exit 2 naming it: %s", out);
	ok(cli("erase --agent '{\"name\":\"x\"}'", out, sizeof(out)) == 2 &&
	    strstr(out, "identifier"), "lrsd erase without an IFI: exit 2: %s",
	    out);
	/* Left: q1-q4 (q3 voided); q1's attachment. */
	ok(cli("purge --before 2999-01-01T00:00:00Z --dry-run", out,
	    sizeof(out)) == 0 && strstr(out, "would remove): 4 statements, "
	    "1 attachments, 0 documents"), "lrsd purge --dry-run: %s", out);
	/* Frank: q3 only (q2 voided p3, which is gone). */
	ok(cli("erase --agent '" AG_F "'", out, sizeof(out)) == 0 &&
	    strstr(out, "erase: 1 statements, 0 attachments"),
	    "lrsd erase: %s", out);
	ok(cli("purge --before 2999-01-01T00:00:00Z", out, sizeof(out)) == 0 &&
	    strstr(out, "purge: 3 statements, 1 attachments"),
	    "lrsd purge: %s", out);
	ok(srv_start(&srv, "--no-tiering") == 0, "the server starts again");
	expect("limit=2", 0);
	expect_by_id(Q3, 404, 404);
	expect_by_id(Q1, 404, 404);
	if (call("GET", "/ops/audit?after=7", NULL, NULL, 0, &r) == 200 &&
	    (recs = json_get(httpc_json(&r), "records")) && recs->n == 3) {
		last = recs->vals[2];
		ok(json_get_str(last, "who") &&
		    strncmp(json_get_str(last, "who"), "os:", 3) == 0 &&
		    json_is_str(json_get(last, "via"), "cli"),
		    "the command line's runs are audited as the OS user");
	} else
		ok(0, "three audit records from the command line: %.300s",
		    r.body);
	httpc_resp_free(&r);
}

/* With the tiering engine on, its follower gets past removed statements
 * and the engine rebuilds. */
static void
test_tiering(void)
{
	struct httpc_resp r = { 0 };
	const json *j;
	int i, caught = 0;

	ok(srv_start(&srv, NULL) == 0, "a server with the tiering engine");
	for (i = S1; i <= S4; i++)
		httpc_uuid(ids[i]);
	populate_erase();
	op("erase", "{\"agent\":" AG_A "}");
	op("purge", "{\"before\":\"2999-01-01T00:00:00Z\"}");
	post(S14, stmt(S14, AG_D, "v3", act(3), ""));
	for (i = 0; i < 100 && !caught; i++) {
		if (call("GET", "/tiering/status", NULL, NULL, 0, &r) == 200 &&
		    (j = httpc_json(&r)) && num(j, "behind") == 0 &&
		    num(j, "last_error") == 0 && num(j, "last") > 0)
			caught = 1;
		else
			usleep(100000);
	}
	ok(caught, "the tiering follower catches up past the holes: %.200s",
	    r.body);
	ok(status_of("GET", "/ready") == 200, "GET /ready is 200 afterwards");
	httpc_resp_free(&r);
	srv_stop(&srv, 1);
}

int
main(void)
{
	char reg[37];
	size_t i;
	int k;

	for (k = 0; k < NSTMT; k++)
		httpc_uuid(ids[k]);
	reg1 = keep(strdup(httpc_uuid(reg)));
	if (srv_start(&srv, "--no-tiering") != 0) {
		ok(0, "server starts");
		return test_done();
	}
	test_erase();
	test_purge();
	test_bad_input();
	test_audit();
	test_scopes();
	test_cli();
	if (srv_stop(&srv, 1) != 0)
		ok(0, "the server stops cleanly");
	for (k = 0; k < NSTMT; k++)
		httpc_uuid(ids[k]);
	test_tiering();
	for (i = 0; i < nkept; i++)
		free(kept[i]);
	return test_done();
}
