/* Failures injected into a running server (lrsd-faults, built with the
 * seams of lrs/fault.h; the rule comes from LRSD_FAULT): each is answered
 * with a 5xx and a JSON error naming it, never with a short page, a 401
 * or a silent default, and nothing is stored partially. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <lmdb.h>

#include "httpc.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

static struct srv s = SRV_INIT;

/* Start lrsd-faults with fault rule "site,skip,count,code" (NULL: none)
 * and extra arguments args (NULL: none). */
static int
start_with(const char *rule, const char *args)
{
	if (rule)
		setenv("LRSD_FAULT", rule, 1);
	else
		unsetenv("LRSD_FAULT");
	if (srv_start(&s, args) != 0) {
		ok(0, "lrsd-faults starts with rule %s", rule ? rule : "(none)");
		srv_stop(&s, 1);
		return -1;
	}
	return 0;
}

static int
start(const char *rule)
{
	return start_with(rule, NULL);
}

static void
stop(void)
{
	ok(srv_stop(&s, 1) == 0, "server stops cleanly");
}

static const char *
statement(char *buf, size_t size, const char *verb, int i)
{
	char id[37];

	snprintf(buf, size, "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:"
	    "f@example.com\"},\"verb\":{\"id\":\"http://example.com/%s\"},"
	    "\"object\":{\"id\":\"http://example.com/o/%d\"}}",
	    httpc_uuid(id), verb, i);
	return buf;
}

static int
post(const char *body, struct httpc_resp *r)
{
	memset(r, 0, sizeof(*r));
	if (httpc_xapi(s.port, "2.0.0", "POST", "/xapi/statements", NULL,
	    body, (size_t)-1, r) != 0)
		return -1;
	return r->status;
}

static int
get(const char *path, struct httpc_resp *r)
{
	memset(r, 0, sizeof(*r));
	if (httpc_xapi(s.port, "2.0.0", "GET", path, NULL, NULL, 0, r) != 0)
		return -1;
	return r->status;
}

/* Nonzero when r is a JSON error whose message holds want. */
static int
says(struct httpc_resp *r, const char *want)
{
	const char *m = json_get_str(httpc_json(r), "message");

	return httpc_error_body(r) && m && strstr(m, want) != NULL;
}

/* An index seek that fails after a few statements were read: the query
 * is answered 500 (corrupt data) or 503 (I/O error, retry), not 200 with
 * the statements read so far. */
static void
test_query(void)
{
	struct httpc_resp r;
	char body[512], rule[64];
	int i, fails = 0;

	if (start(NULL) != 0)
		return;
	for (i = 0; i < 8; i++) {
		fails += post(statement(body, sizeof(body), "q", i), &r) != 200;
		httpc_resp_free(&r);
	}
	ok(fails == 0, "8 statements stored");
	/* A restart merges their keys from the index log into the index,
	 * whose cursor the rule fails. */
	snprintf(rule, sizeof(rule), "store.cursor,3,-1,%d", MDB_PAGE_NOTFOUND);
	setenv("LRSD_FAULT", rule, 1);
	ok(srv_restart(&s) == 0, "restarts with rule %s", rule);
	ok(get("/xapi/statements?verb=http%3A%2F%2Fexample.com%2Fq", &r) == 500,
	    "a query whose index read fails is 500, not a short page (%d %s)",
	    r.status, r.body);
	ok(says(&r, "corrupt"), "and says the data is corrupt: %s", r.body);
	httpc_resp_free(&r);
	stop();

	snprintf(rule, sizeof(rule), "store.cursor,0,-1,%d", EIO);
	if (start(rule) != 0)
		return;
	ok(get("/xapi/statements?verb=http%3A%2F%2Fexample.com%2Fq", &r) == 503,
	    "an I/O error of the query is 503 (%d %s)", r.status, r.body);
	ok(httpc_header(&r, "Retry-After") != NULL, "with Retry-After");
	httpc_resp_free(&r);
	stop();
}

/* A credential store that cannot be read answers 503 (try again), not
 * 401: the credentials were not found wrong, they were not checked. */
static void
test_credentials(void)
{
	struct httpc_resp r;
	char rule[64];

	snprintf(rule, sizeof(rule), "cred.fetch,0,-1,%d", EIO);
	if (start(rule) != 0)
		return;
	ok(get("/xapi/statements?limit=1", &r) == 503,
	    "a failing credential store is 503, not 401 (%d %s)", r.status,
	    r.body);
	ok(says(&r, "credential store failed"), "and says so: %s", r.body);
	ok(httpc_header(&r, "WWW-Authenticate") == NULL,
	    "without asking for other credentials");
	httpc_resp_free(&r);
	memset(&r, 0, sizeof(r));
	ok(httpc_request("127.0.0.1", s.port, "GET", "/tiering/status",
	    "Authorization: Basic dGVzdDp0ZXN0c2VjcmV0MQ==\r\n", NULL, 0,
	    &r) == 0 && r.status == 503,
	    "the same under a mounted prefix (%d %s)", r.status, r.body);
	httpc_resp_free(&r);
	stop();
}

#define BOUNDARY	"faults-boundary"
#define ATT_TEXT	"Here is a simple text attachment.\n"
#define ATT_SHA2	"7e482bbdd9eb7c38df117adb814b4d46363716c6102a0d8e946ab6e96acfb936"

/* A statement with one attachment, as a multipart body. */
static const char *
with_attachment(char *buf, size_t size, const char *id)
{
	snprintf(buf, size, "--" BOUNDARY "\r\nContent-Type: application/json"
	    "\r\n\r\n{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:a@example.com\"},"
	    "\"verb\":{\"id\":\"http://example.com/att\"},\"object\":{\"id\":"
	    "\"http://example.com/att\"},\"attachments\":[{\"usageType\":"
	    "\"http://example.com/usage\",\"display\":{\"en-US\":\"A text\"},"
	    "\"contentType\":\"text/plain\",\"length\":34,\"sha2\":\"" ATT_SHA2
	    "\"}]}\r\n--" BOUNDARY "\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: "
	    ATT_SHA2 "\r\n\r\n" ATT_TEXT "\r\n--" BOUNDARY "--\r\n", id);
	return buf;
}

/* libcrypto failing: drawing a multipart boundary, hashing an attachment,
 * making a secret for a new credential.  500 (or a failed command) that
 * names it; nothing stored. */
static void
test_crypto(void)
{
	struct httpc_resp r;
	char body[2048], id[37], path[128], cmd[1024];
	int rc;

	if (start("rand,0,-1,1") != 0)
		return;
	httpc_uuid(id);
	memset(&r, 0, sizeof(r));
	ok(httpc_xapi(s.port, "2.0.0", "POST", "/xapi/statements",
	    "Content-Type: multipart/mixed; boundary=" BOUNDARY "\r\n",
	    with_attachment(body, sizeof(body), id), (size_t)-1, &r) == 0 &&
	    r.status == 200, "a statement with an attachment is stored (%d %s)",
	    r.status, r.body);
	httpc_resp_free(&r);
	snprintf(path, sizeof(path),
	    "/xapi/statements?statementId=%s&attachments=true", id);
	ok(get(path, &r) == 500, "attachments=true without a random boundary "
	    "is 500 (%d %s)", r.status, r.body);
	ok(says(&r, "RAND_bytes"), "and names RAND_bytes: %s", r.body);
	httpc_resp_free(&r);
	/* The command line, on the same data directory. */
	snprintf(cmd, sizeof(cmd), "LRSD_FAULT=rand,0,-1,1 %s credential add "
	    "newkey --data %s > %s/cli.out 2>&1", getenv("LRSD"), s.data, s.tmp);
	rc = system(cmd);
	ok(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 1,
	    "credential add without a random secret fails (status %d)", rc);
	snprintf(cmd, sizeof(cmd), "grep -q 'RAND_bytes' %s/cli.out", s.tmp);
	ok(system(cmd) == 0, "and says why");
	stop();

	if (start("statements.digest,0,-1,1") != 0)
		return;
	httpc_uuid(id);
	memset(&r, 0, sizeof(r));
	ok(httpc_xapi(s.port, "2.0.0", "POST", "/xapi/statements",
	    "Content-Type: multipart/mixed; boundary=" BOUNDARY "\r\n",
	    with_attachment(body, sizeof(body), id), (size_t)-1, &r) == 0 &&
	    r.status == 500, "an attachment whose SHA-2 cannot be computed is "
	    "500, not 400 (%d %s)", r.status, r.body);
	httpc_resp_free(&r);
	snprintf(path, sizeof(path), "/xapi/statements?statementId=%s", id);
	ok(get(path, &r) == 404, "and nothing was stored (%d)", r.status);
	httpc_resp_free(&r);
	stop();
}

/* GET /ready into r: its status, -1 when the request fails. */
static int
ready(struct httpc_resp *r)
{
	memset(r, 0, sizeof(*r));
	if (httpc_request("127.0.0.1", s.port, "GET", "/ready", NULL, NULL, 0,
	    r) != 0)
		return -1;
	return r->status;
}

/* Nonzero when the reasons of a 503 from /ready name word. */
static int
reason_names(struct httpc_resp *r, const char *word)
{
	return httpc_json_strs_have(r, "reasons", word);
}

/* POST one statement from a child process (the writer may hold it up);
 * the child's pid, or -1. */
static pid_t
post_behind(void)
{
	struct httpc_resp r;
	char body[512];
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	_exit(post(statement(body, sizeof(body), "stall", 0), &r) == 200 ?
	    0 : 1);
}

/* A writer held up on one group longer than --ready-writer-stall makes
 * /ready 503 saying so, and ready again once it is done. */
static void
test_ready_writer(void)
{
	struct httpc_resp r;
	int status, i;
	pid_t pid;

	/* Every group waits 3 s; the stall limit is 1 s. */
	if (start_with("store.stall,0,-1,3000",
	    "--no-tiering --ready-writer-stall 1") != 0)
		return;
	ok(ready(&r) == 200, "/ready is 200 while the writer is idle (%d %s)",
	    r.status, r.body);
	httpc_resp_free(&r);
	if ((pid = post_behind()) < 0) {
		ok(0, "fork");
		stop();
		return;
	}
	/* Poll: on a loaded machine the POST may reach the writer late. */
	for (i = 0; i < 60; i++) {
		usleep(100 * 1000);
		if (ready(&r) != 200)
			break;
		httpc_resp_free(&r);
	}
	ok(r.status == 503, "/ready is 503 while the writer is stuck on a "
	    "group (%d %s)", r.status, r.body);
	ok(reason_names(&r, "writer"), "and names the writer: %s", r.body);
	ok(json_get(httpc_json(&r), "writer_busy_seconds") &&
	    json_get(httpc_json(&r), "writer_busy_seconds")->num >= 1.0,
	    "writer_busy_seconds shows how long: %s", r.body);
	httpc_resp_free(&r);
	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the held-up POST is stored");
	ok(ready(&r) == 200, "/ready is 200 again after the group (%d %s)",
	    r.status, r.body);
	httpc_resp_free(&r);
	stop();
}

/* A tiering engine whose batches fail makes /ready 503 naming the
 * failure, and, once its oldest unapplied statement is older than
 * --ready-max-lag, the lag too. */
static void
test_ready_tiering(void)
{
	struct httpc_resp r;
	char rule[64], body[512];

	snprintf(rule, sizeof(rule), "store.follow,0,-1,%d", EIO);
	if (start_with(rule, "--ready-max-lag 1") != 0)
		return;
	ok(post(statement(body, sizeof(body), "lag", 0), &r) == 200,
	    "a statement is stored while the engine fails (%d %s)", r.status,
	    r.body);
	httpc_resp_free(&r);
	usleep(2500 * 1000);
	ok(ready(&r) == 503, "/ready is 503 when the engine cannot apply "
	    "(%d %s)", r.status, r.body);
	ok(reason_names(&r, "last batch failed"),
	    "and names the failed batch: %s", r.body);
	ok(reason_names(&r, "too far behind"), "and the lag: %s", r.body);
	ok(json_get(httpc_json(&r), "tiering_lag_seconds") &&
	    json_get(httpc_json(&r), "tiering_lag_seconds")->num > 1.0,
	    "tiering_lag_seconds shows it: %s", r.body);
	httpc_resp_free(&r);
	stop();
}

int
main(void)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	/* lrsd-faults is built beside this test. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 32);
	if (n <= 0 || (self[n] = '\0', slash = strrchr(self, '/')) == NULL) {
		ok(0, "find lrsd-faults");
		return test_done();
	}
	strcpy(slash + 1, "lrsd-faults");
	setenv("LRSD", self, 1);
	test_query();
	test_credentials();
	test_crypto();
	test_ready_writer();
	test_ready_tiering();
	return test_done();
}
