/* HTTP tests of the change feed, GET /feed: statements in the order they
 * were stored, as NDJSON lines, resumable from the X-Lrsd-Feed-Last
 * header, paged by limit, in the ids format, with voided statements
 * marked; a long-poll that wakes when a statement arrives and one that
 * times out empty; the scopes it needs and a 400 JSON error for each bad
 * parameter. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "httpc.h"
#include "json.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

static struct srv srv = SRV_INIT;

#define N	7

static char ids[N + 2][37];	/* posted, in order */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* POST one statement with id (and verb n) to the server; the status. */
static int
post_one(const char *id, int n)
{
	struct httpc_resp r = { 0 };
	char body[512];
	int status;

	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"actor\":{\"mbox\":"
	    "\"mailto:feed@example.com\"},\"verb\":{\"id\":"
	    "\"http://example.com/verbs/v%d\",\"display\":{\"en\":\"v\"}},"
	    "\"object\":{\"id\":\"http://example.com/act/%d\","
	    "\"definition\":{\"name\":{\"en\":\"a\"}}}}", id, n, n);
	if (httpc_xapi(srv.port, "1.0.3", "POST", "/xapi/statements", NULL,
	    body, (size_t)-1, &r) != HTTPC_OK)
		r.status = -1;
	status = r.status;
	httpc_resp_free(&r);
	return status;
}

/* GET /feed?query with the admin's credential into r; the status. */
static int
feed(const char *query, const char *user, struct httpc_resp *r)
{
	struct buf path = BUF_INIT, hdr = BUF_INIT;

	httpc_resp_free(r);
	buf_printf(&path, "/feed%s%s", query[0] ? "?" : "", query);
	buf_puts(&hdr, "Authorization: ");
	httpc_basic(user ? user : SRV_USER, user ? "scoped-secret-1" :
	    SRV_SECRET, &hdr);
	buf_puts(&hdr, "\r\n");
	buf_putc(&path, '\0');
	buf_putc(&hdr, '\0');
	if (httpc_request("127.0.0.1", srv.port, "GET", path.p, hdr.p, NULL,
	    0, r) != HTTPC_OK)
		r->status = -1;
	buf_free(&path);
	buf_free(&hdr);
	return r->status;
}

/* The lines of r's body parsed; *n gets how many.  NULL entries for a
 * line that is not a JSON object. */
static json **
lines_of(const struct httpc_resp *r, size_t *n)
{
	json **out = calloc(r->len + 1, sizeof(*out));
	const char *p = r->body, *nl;

	*n = 0;
	while (p < r->body + r->len) {
		nl = memchr(p, '\n', (size_t)(r->body + r->len - p));
		if (nl == NULL)
			nl = r->body + r->len;
		if (json_parse(p, (size_t)(nl - p), 64, &out[*n], NULL, 0) != 0)
			out[*n] = NULL;
		(*n)++;
		p = nl + 1;
	}
	return out;
}

static void
lines_free(json **l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_free(l[i]);
	free(l);
}

/* Nonzero when line l is sequence number seq carrying statement id. */
static int
line_is(const json *l, double seq, const char *id)
{
	const json *s = json_get(l, "seq");

	return s && s->type == JSON_NUMBER && s->num == seq &&
	    json_is_str(json_get(json_get(l, "statement"), "id"), id);
}

static long
header_num(const struct httpc_resp *r, const char *name)
{
	const char *v = httpc_header(r, name);

	return v ? atol(v) : -1;
}

static void
test_order_and_resume(void)
{
	struct httpc_resp r = { 0 };
	json **l;
	size_t n, i;
	int k;

	ok(feed("", NULL, &r) == 200, "an empty feed is 200 (got %d: %s)", r.status, r.body);
	ok(r.len == 0, "an empty feed has no lines: '%s'", r.body);
	ok(header_num(&r, "X-Lrsd-Feed-Last") == 0, "an empty feed resumes at 0");
	ok(strstr(httpc_header(&r, "Content-Type") ? httpc_header(&r, "Content-Type") : "", "application/x-ndjson") != NULL,
	    "the feed is NDJSON");
	for (k = 0; k < N; k++) {
		httpc_uuid(ids[k]);
		ok(post_one(ids[k], k) == 200, "statement %d stored", k);
	}
	ok(feed("after=0&limit=3", NULL, &r) == 200, "a page of 3 (got %d)", r.status);
	l = lines_of(&r, &n);
	ok(n == 3, "limit=3 gives 3 lines (got %zu)", n);
	for (i = 0; i < n && i < 3; i++)
		ok(line_is(l[i], (double)i + 1, ids[i]), "line %zu is statement %zu in store order", i, i);
	ok(r.body[r.len - 1] == '\n', "every line ends with a newline");
	ok(header_num(&r, "X-Lrsd-Feed-Last") == 3, "the page resumes after 3 (got %ld)", header_num(&r, "X-Lrsd-Feed-Last"));
	ok(header_num(&r, "X-Lrsd-Store-Last") == N, "the store's last sequence number is told");
	lines_free(l, n);
	ok(feed("after=3", NULL, &r) == 200, "the next page");
	l = lines_of(&r, &n);
	ok(n == N - 3, "resuming after 3 gives the %d others (got %zu)", N - 3, n);
	for (i = 0; i < n; i++)
		ok(line_is(l[i], (double)i + 4, ids[i + 3]), "resumed line %zu is statement %zu", i, i + 3);
	lines_free(l, n);
	ok(feed("after=7", NULL, &r) == 200 && r.len == 0, "nothing after the last");
	ok(header_num(&r, "X-Lrsd-Feed-Last") == 7, "an empty page resumes where it was asked");
	ok(feed("after=1&limit=1&format=ids", NULL, &r) == 200, "format=ids");
	l = lines_of(&r, &n);
	ok(n == 1 && line_is(l[0], 2, ids[1]), "format=ids keeps seq and id");
	ok(n == 1 && json_get(json_get(json_get(l[0], "statement"), "verb"), "display") == NULL,
	    "format=ids leaves out the verb's display: %s", r.body);
	lines_free(l, n);
	httpc_resp_free(&r);
}

static void
test_voided(void)
{
	struct httpc_resp r = { 0 };
	char body[512], vid[37];
	json **l;
	size_t n;

	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"actor\":{\"mbox\":"
	    "\"mailto:feed@example.com\"},\"verb\":{\"id\":"
	    "\"http://adlnet.gov/expapi/verbs/voided\"},\"object\":{"
	    "\"objectType\":\"StatementRef\",\"id\":\"%s\"}}",
	    httpc_uuid(vid), ids[0]);
	ok(httpc_xapi(srv.port, "1.0.3", "POST", "/xapi/statements", NULL,
	    body, (size_t)-1, &r) == HTTPC_OK && r.status == 200, "voiding statement stored");
	ok(feed("after=0&limit=1", NULL, &r) == 200, "the feed after voiding");
	l = lines_of(&r, &n);
	ok(n == 1 && json_get(l[0], "voided") &&
	    json_get(l[0], "voided")->type == JSON_TRUE, "a voided statement stays in the feed, marked voided: %s", r.body);
	lines_free(l, n);
	ok(feed("after=7", NULL, &r) == 200, "the voiding statement's page");
	l = lines_of(&r, &n);
	ok(n == 1 && line_is(l[0], 8, vid) && json_get(l[0], "voided")->type == JSON_FALSE,
	    "the voiding statement follows in order, not voided");
	lines_free(l, n);
	httpc_resp_free(&r);
}

static void *
post_later(void *arg)
{
	usleep(600 * 1000);
	post_one(arg, 99);
	return NULL;
}

static void
test_long_poll(void)
{
	struct httpc_resp r = { 0 };
	pthread_t th;
	double t0, took;
	json **l;
	size_t n;

	httpc_uuid(ids[N + 1]);
	t0 = now_s();
	pthread_create(&th, NULL, post_later, ids[N + 1]);
	ok(feed("after=8&wait=10", NULL, &r) == 200, "a long-poll answers 200");
	took = now_s() - t0;
	pthread_join(th, NULL);
	l = lines_of(&r, &n);
	ok(n == 1 && line_is(l[0], 9, ids[N + 1]), "the long-poll brings the statement that arrived: %s", r.body);
	ok(took >= 0.4 && took < 5, "it waited for it and no longer (%.2f s)", took);
	lines_free(l, n);
	t0 = now_s();
	ok(feed("after=9&wait=1", NULL, &r) == 200 && r.len == 0, "a long-poll with nothing new ends empty");
	took = now_s() - t0;
	ok(took >= 0.9 && took < 3, "after its wait (%.2f s)", took);
	ok(header_num(&r, "X-Lrsd-Feed-Last") == 9, "and resumes where it was asked");
	httpc_resp_free(&r);
}

static void
test_bad_params(void)
{
	static const char *const bad[] = { "after=x", "after=-1", "after=1.5",
	    "limit=0", "limit=1001", "limit=ten", "wait=31", "wait=-1",
	    "format=canonical", "since=2020-01-01T00:00:00Z", NULL };
	struct httpc_resp r = { 0 };
	char name[32];
	int i;

	for (i = 0; bad[i]; i++) {
		ok(feed(bad[i], NULL, &r) == 400, "%s is 400 (got %d)", bad[i], r.status);
		ok(httpc_error_body(&r), "%s: a JSON error: %s", bad[i], r.body);
		snprintf(name, sizeof(name), "%.*s",
		    (int)(strchr(bad[i], '=') - bad[i]), bad[i]);
		ok(strstr(r.body, name) != NULL, "the error names %s: %s", name, r.body);
	}
	ok(feed("after=0&wait=1&limit=1000", NULL, &r) == 200, "the largest limit is fine");
	httpc_resp_free(&r);
	ok(httpc_xapi(srv.port, NULL, "POST", "/feed", NULL, "{}", 2, &r) ==
	    HTTPC_OK && r.status == 405, "POST /feed is 405 (got %d)", r.status);
	httpc_resp_free(&r);
	ok(httpc_xapi(srv.port, NULL, "GET", "/feed/x", NULL, NULL, 0, &r) ==
	    HTTPC_OK && r.status == 404, "/feed/x is 404 (got %d)", r.status);
	httpc_resp_free(&r);
}

/* A credential with only scope (made with the lrsd command line). */
static int
add_cred(const char *key, const char *scope)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s credential add %s scoped-secret-1 "
	    "--scopes %s --data %s >/dev/null 2>&1", getenv("LRSD"), key,
	    scope, srv.data);
	return system(cmd);
}

static void
test_scopes(void)
{
	struct httpc_resp r = { 0 };

	ok(add_cred("feed-mine", "statements/read/mine") == 0 &&
	    add_cred("feed-read", "statements/read") == 0 &&
	    add_cred("feed-allread", "all/read") == 0 &&
	    add_cred("feed-write", "statements/write") == 0, "credentials made");
	ok(feed("", "feed-read", &r) == 200, "statements/read may read the feed (got %d)", r.status);
	ok(feed("", "feed-allread", &r) == 200, "all/read may read the feed (got %d)", r.status);
	ok(feed("", "feed-mine", &r) == 403, "statements/read/mine may not: the feed holds everyone's (got %d)", r.status);
	ok(httpc_error_body(&r), "403 is a JSON error");
	ok(feed("", "feed-write", &r) == 403, "statements/write may not (got %d)", r.status);
	httpc_resp_free(&r);
	ok(httpc_request("127.0.0.1", srv.port, "GET", "/feed", NULL, NULL, 0,
	    &r) == HTTPC_OK && r.status == 401, "no credential is 401 (got %d)", r.status);
	httpc_resp_free(&r);
}

int
main(void)
{
	if (srv_start(&srv, "--no-tiering") != 0) {
		ok(0, "server starts");
		return test_done();
	}
	test_order_and_resume();
	test_voided();
	test_long_poll();
	test_bad_params();
	test_scopes();
	ok(srv_stop(&srv, 1) == 0, "the server stops cleanly");
	return test_done();
}
