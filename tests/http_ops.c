/* HTTP tests of what an operator uses: the probes GET /health and GET
 * /ready (no credential; 503 with its reasons when not ready), request ids
 * (X-Request-Id) and the access log in both formats, which never holds a
 * secret, and GET /metrics: who may read it, that promtool accepts it, and
 * that its counters move with the requests they count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "httpc.h"
#include "json.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

static struct srv srv = SRV_INIT;

/* GET path with no credential and no version header; the status. */
static int
get_bare(const char *method, const char *path, struct httpc_resp *r)
{
	httpc_resp_free(r);
	if (httpc_request("127.0.0.1", srv.port, method, path, NULL, NULL, 0,
	    r) != HTTPC_OK)
		r->status = -1;
	return r->status;
}

/* The number member key of the response's JSON body, or -1. */
static double
num_of(struct httpc_resp *r, const char *key)
{
	json *v = json_get(httpc_json(r), key);

	return v && v->type == JSON_NUMBER ? v->num : -1;
}

/* Nonzero when the reasons of a 503 from /ready name word. */
static int
reason_names(struct httpc_resp *r, const char *word)
{
	return httpc_json_strs_have(r, "reasons", word);
}

static void
test_health(void)
{
	struct httpc_resp r = { 0 };

	ok(get_bare("GET", "/health", &r) == 200, "/health is 200 without a credential (got %d)", r.status);
	ok(json_is_str(json_get(httpc_json(&r), "status"), "ok"),
	    "/health says ok: %s", r.body);
	ok(get_bare("HEAD", "/health", &r) == 200, "HEAD /health is 200");
	ok(get_bare("POST", "/health", &r) == 405, "POST /health is 405 (got %d)", r.status);
	ok(get_bare("GET", "/healthz", &r) == 404, "/healthz is no probe (got %d)", r.status);
	httpc_resp_free(&r);
}

static void
test_ready(void)
{
	struct httpc_resp r = { 0 };

	ok(get_bare("GET", "/ready", &r) == 200, "/ready is 200 without a credential (got %d: %s)", r.status, r.body);
	ok(json_is_str(json_get(httpc_json(&r), "status"), "ready"),
	    "/ready says ready: %s", r.body);
	ok(num_of(&r, "map_used_bytes") > 0, "/ready tells the map in use");
	ok(num_of(&r, "map_max_bytes") >= num_of(&r, "map_used_bytes"),
	    "/ready tells the most the map grows to");
	ok(num_of(&r, "disk_free_bytes") > 0, "/ready tells the free disk");
	ok(num_of(&r, "writer_busy_seconds") >= 0, "/ready tells the writer's state");
	ok(num_of(&r, "tiering_behind") >= 0, "/ready tells the tiering engine's backlog");
	ok(num_of(&r, "tiering_lag_seconds") >= 0, "/ready tells the tiering lag");
	ok(get_bare("GET", "/ready?verbose=1", &r) == 200, "a query does not change the probe");
	ok(get_bare("DELETE", "/ready", &r) == 405, "DELETE /ready is 405 (got %d)", r.status);
	httpc_resp_free(&r);
}

/* A disk that cannot meet --ready-min-free makes /ready 503 with the
 * reason, while /health stays 200. */
static void
test_not_ready(void)
{
	struct httpc_resp r = { 0 };

	ok(srv_stop(&srv, 1) == 0, "the first server stops cleanly");
	if (srv_start(&srv, "--ready-min-free 64T --no-tiering") != 0) {
		ok(0, "the server starts with --ready-min-free 64T");
		return;
	}
	ok(get_bare("GET", "/ready", &r) == 503, "/ready is 503 when the disk is short (got %d)", r.status);
	ok(json_is_str(json_get(httpc_json(&r), "status"), "not ready"),
	    "/ready says not ready: %s", r.body);
	ok(reason_names(&r, "disk"), "the reasons name the disk: %s", r.body);
	ok(reason_names(&r, "map"), "the reasons name the map: %s", r.body);
	ok(httpc_header(&r, "Retry-After") != NULL, "a 503 from /ready has Retry-After");
	ok(num_of(&r, "tiering_behind") < 0, "without tiering no tiering figure");
	ok(get_bare("GET", "/health", &r) == 200, "/health is 200 all the same");
	httpc_resp_free(&r);
}

/* The server's log so far into out (NUL-terminated); -1 when unreadable. */
static int
read_log(struct buf *out)
{
	char chunk[4096];
	FILE *f = fopen(srv.log, "r");
	size_t n;

	buf_reset(out);
	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	fclose(f);
	buf_putc(out, '\0');
	return 0;
}

#define PERSON	"secret-person@example.com"
#define WRONG	"wrongpass-42"

/* Requests whose log lines the test then reads; their ids into ids[3]. */
static void
log_requests(char ids[3][80])
{
	struct httpc_resp r = { 0 };
	struct buf path = BUF_INIT, h = BUF_INIT;
	const char *id;
	int i;

	buf_puts(&path, "/xapi/statements?agent=");
	httpc_urlencode("{\"mbox\":\"mailto:" PERSON "\"}", &path);
	buf_puts(&path, "&limit=1");
	ok(httpc_xapi(srv.port, "2.0.0", "GET", path.p,
	    "X-Request-Id: ops-test-1\r\n", NULL, 0, &r) == HTTPC_OK &&
	    r.status == 200, "a query by agent is 200 (got %d)", r.status);
	snprintf(ids[0], 80, "%s", (id = httpc_header(&r, "X-Request-Id")) ? id : "");
	ok(strcmp(ids[0], "ops-test-1") == 0, "a sane X-Request-Id is echoed (got %s)", ids[0]);
	buf_puts(&h, "X-Experience-API-Version: 2.0.0\r\nAuthorization: ");
	httpc_basic(SRV_USER, WRONG, &h);
	buf_puts(&h, "\r\n");
	httpc_resp_free(&r);
	ok(httpc_request("127.0.0.1", srv.port, "GET", "/xapi/statements",
	    h.p, NULL, 0, &r) == HTTPC_OK && r.status == 401,
	    "a wrong password is 401 (got %d)", r.status);
	snprintf(ids[1], 80, "%s", (id = httpc_header(&r, "X-Request-Id")) ? id : "");
	ok(ids[1][0] != '\0', "a request without an id gets one");
	httpc_resp_free(&r);
	ok(httpc_request("127.0.0.1", srv.port, "GET", "/health",
	    "X-Request-Id: bad id\"\r\n", NULL, 0, &r) == HTTPC_OK &&
	    r.status == 200, "/health answers");
	snprintf(ids[2], 80, "%s", (id = httpc_header(&r, "X-Request-Id")) ? id : "");
	ok(ids[2][0] && strcmp(ids[2], "bad id\"") != 0 &&
	    strcmp(ids[2], ids[1]) != 0, "an id that is not sane is replaced by a new one (got %s)", ids[2]);
	for (i = 0; i < 3; i++)
		ok(strspn(ids[i], "abcdefghijklmnopqrstuvwxyz0123456789-") ==
		    strlen(ids[i]), "id %d is plain text: %s", i, ids[i]);
	httpc_resp_free(&r);
	buf_free(&path);
	buf_free(&h);
}

/* No secret in the log: passwords, their Basic encoding, the person. */
static void
no_secrets(const char *log)
{
	struct buf b = BUF_INIT;

	ok(strstr(log, SRV_SECRET) == NULL, "the log holds no password");
	ok(strstr(log, WRONG) == NULL, "the log holds no wrong password");
	httpc_basic(SRV_USER, SRV_SECRET, &b);
	ok(strstr(log, b.p + 6) == NULL, "the log holds no Basic header");
	buf_reset(&b);
	httpc_basic(SRV_USER, WRONG, &b);
	ok(strstr(log, b.p + 6) == NULL, "the log holds no wrong Basic header");
	ok(strstr(log, "secret-person") == NULL, "the log names no agent");
	buf_free(&b);
}

/* The plain line of id, or NULL; points into log. */
static const char *
plain_line(const char *log, const char *id, char *line, size_t size)
{
	const char *p;
	size_t n;

	for (p = log; (p = strstr(p, " access ")) != NULL; p++)
		if (strncmp(p + 8, id, strlen(id)) == 0 && p[8 + strlen(id)] == ' ') {
			n = strcspn(p, "\n");
			snprintf(line, size, "%.*s", (int)n, p);
			return line;
		}
	return NULL;
}

static void
test_plain_log(void)
{
	char ids[3][80], line[1024];
	struct buf log = BUF_INIT;

	ok(srv_stop(&srv, 1) == 0, "the server stops cleanly");
	/* --verbose: its lines must keep secrets out too. */
	if (srv_start(&srv, "--access-log --verbose") != 0) {
		ok(0, "the server starts with --access-log");
		return;
	}
	log_requests(ids);
	ok(read_log(&log) == 0, "the log can be read");
	ok(plain_line(log.p, ids[0], line, sizeof(line)) &&
	    strstr(line, " 127.0.0.1 " SRV_USER " \"GET /xapi/statements?agent=*&limit=1\" 200 "),
	    "the query's line has client, key, masked path and status: %s", line);
	ok(plain_line(log.p, ids[1], line, sizeof(line)) &&
	    strstr(line, " 127.0.0.1 - \"GET /xapi/statements\" 401 "),
	    "a failed login logs no key: %s", line);
	ok(plain_line(log.p, ids[2], line, sizeof(line)) &&
	    strstr(line, "\"GET /health\" 200 "), "probes are logged: %s", line);
	no_secrets(log.p);
	buf_free(&log);
}

/* The JSON line of id as a tree (caller frees), or NULL. */
static json *
json_line(const char *log, const char *id)
{
	const char *p, *end;
	json *j;

	for (p = log; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "\n");
		if (*p != '{' || json_parse(p, (size_t)(end - p), 4, &j, NULL, 0) != JSON_OK)
			continue;
		if (json_is_str(json_get(j, "id"), id))
			return j;
		json_free(j);
	}
	return NULL;
}

static void
test_json_log(void)
{
	char ids[3][80];
	struct buf log = BUF_INIT;
	json *j;

	ok(srv_stop(&srv, 1) == 0, "the server stops cleanly");
	if (srv_start(&srv, "--access-log --log-format json") != 0) {
		ok(0, "the server starts with --log-format json");
		return;
	}
	log_requests(ids);
	ok(read_log(&log) == 0, "the log can be read");
	j = json_line(log.p, ids[0]);
	ok(j != NULL, "the query has a JSON line");
	ok(json_is_str(json_get(j, "credential"), SRV_USER), "with the key");
	ok(json_is_str(json_get(j, "method"), "GET"), "with the method");
	ok(json_is_str(json_get(j, "target"), "/xapi/statements?agent=*&limit=1"),
	    "with the masked path");
	ok(json_get(j, "status") && json_get(j, "status")->num == 200, "with the status");
	ok(json_get(j, "bytes") && json_get(j, "bytes")->num > 0, "with the bytes");
	ok(json_get(j, "ms") && json_get(j, "ms")->num >= 0, "with the duration");
	ok(json_get_str(j, "time") != NULL, "with the time");
	json_free(j);
	j = json_line(log.p, ids[1]);
	ok(j && json_get(j, "credential") && json_get(j, "credential")->type == JSON_NULL &&
	    json_get(j, "status")->num == 401, "a failed login logs no key");
	json_free(j);
	no_secrets(log.p);
	buf_free(&log);
}

/* GET /metrics with auth (NULL: none); the status. */
static int
get_metrics(const char *user, const char *password, struct httpc_resp *r)
{
	struct buf h = BUF_INIT;

	httpc_resp_free(r);
	if (user) {
		buf_puts(&h, "Authorization: ");
		httpc_basic(user, password, &h);
		buf_puts(&h, "\r\n");
	}
	if (httpc_request("127.0.0.1", srv.port, "GET", "/metrics", h.p,
	    NULL, 0, r) != HTTPC_OK)
		r->status = -1;
	buf_free(&h);
	return r->status;
}

/* The value of sample (name and labels) in a scrape by the admin, 0 when
 * absent, -1 when the scrape fails. */
static double
sample(const char *name)
{
	struct httpc_resp r = { 0 };
	const char *p;
	double v = 0;
	size_t n = strlen(name);

	if (get_metrics(SRV_USER, SRV_SECRET, &r) != 200) {
		httpc_resp_free(&r);
		return -1;
	}
	for (p = r.body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			v = strtod(p + n + 1, NULL);
	httpc_resp_free(&r);
	return v;
}

/* A statement POSTed by the admin; the status. */
static int
post_statement(void)
{
	struct httpc_resp r = { 0 };
	int st;
	static const char *body = "{\"actor\":{\"mbox\":\"mailto:ops@example.com\"},"
	    "\"verb\":{\"id\":\"http://example.com/v\"},\"object\":{\"id\":"
	    "\"http://example.com/o\"}}";

	st = httpc_xapi(srv.port, "2.0.0", "POST", "/xapi/statements", NULL,
	    body, (size_t)-1, &r) == HTTPC_OK ? r.status : -1;
	httpc_resp_free(&r);
	return st;
}

#define POSTS	"lrsd_http_requests_total{resource=\"statements\",method=\"POST\",status=\"200\"}"

static void
test_metrics_access(void)
{
	struct httpc_resp r = { 0 };
	const char *ct;
	char cmd[1024];

	ok(get_metrics(NULL, NULL, &r) == 401, "/metrics without a credential is 401 (got %d)", r.status);
	ok(get_metrics(SRV_USER, WRONG, &r) == 401, "/metrics with a wrong one is 401 (got %d)", r.status);
	snprintf(cmd, sizeof(cmd), "%s credential add --data %s reader readersecret1 "
	    "--scopes statements/read,all/read >/dev/null", getenv("LRSD"), srv.data);
	ok(system(cmd) == 0, "a reader credential is added");
	ok(get_metrics("reader", "readersecret1", &r) == 403,
	    "/metrics with a credential without scope all is 403 (got %d)", r.status);
	ok(get_metrics(SRV_USER, SRV_SECRET, &r) == 200, "/metrics with the admin is 200 (got %d)", r.status);
	ct = httpc_header(&r, "Content-Type");
	ok(ct && strncmp(ct, "text/plain; version=0.0.4", 25) == 0, "in the text format: %s", ct ? ct : "none");
	ok(srv_promtool_ok(&srv, r.body, r.len), "promtool check metrics accepts it");
	ok(strstr(r.body, "lrsd_map_used_bytes ") && strstr(r.body, "lrsd_disk_free_bytes ") &&
	    strstr(r.body, "lrsd_tiering_lag_seconds ") &&
	    strstr(r.body, "lrsd_store_commit_duration_seconds_bucket"),
	    "it tells map, disk, commits and tiering lag");
	httpc_resp_free(&r);
}

static void
test_metrics_move(void)
{
	double posts = sample(POSTS), stored = sample("lrsd_statements_stored");
	double commits = sample("lrsd_store_commit_duration_seconds_count");
	double groups = sample("lrsd_store_group_commit_size_count");
	double fails = sample("lrsd_auth_failures_total");
	double lat = sample("lrsd_http_request_duration_seconds_count{resource=\"statements\"}");
	struct httpc_resp r = { 0 };

	ok(posts >= 0 && stored >= 0 && fails >= 0, "the scrapes work");
	ok(post_statement() == 200, "a statement is stored");
	ok(sample(POSTS) == posts + 1, "the POST is counted by resource, method and status");
	ok(sample("lrsd_http_request_duration_seconds_count{resource=\"statements\"}") == lat + 1,
	    "and its time");
	ok(sample("lrsd_statements_stored") >= stored + 1, "statements stored grew");
	ok(sample("lrsd_store_commit_duration_seconds_count") > commits, "a commit was timed");
	ok(sample("lrsd_store_group_commit_size_count") > groups, "a group was counted");
	ok(get_metrics(SRV_USER, "nope-nope", &r) == 401, "a wrong password is 401");
	ok(sample("lrsd_auth_failures_total") == fails + 1, "and counted as an auth failure");
	httpc_resp_free(&r);
}

/* --metrics-allow lets an address scrape without a credential; requests
 * refused by --auth-fail-limit are counted. */
static void
test_metrics_allow(void)
{
	struct httpc_resp r = { 0 };
	struct buf h = BUF_INIT;
	int i;

	ok(srv_stop(&srv, 1) == 0, "the server stops cleanly");
	if (srv_start(&srv, "--metrics-allow 127.0.0.0/8 --auth-fail-limit 2") != 0) {
		ok(0, "the server starts with --metrics-allow");
		return;
	}
	ok(get_metrics(NULL, NULL, &r) == 200, "an allowed address needs no credential (got %d)", r.status);
	ok(srv_promtool_ok(&srv, r.body, r.len), "promtool accepts a scrape with no traffic");
	buf_puts(&h, "X-Experience-API-Version: 2.0.0\r\nAuthorization: ");
	httpc_basic("someone", "guess-guess", &h);
	buf_puts(&h, "\r\n");
	for (i = 0; i < 3; i++) {
		httpc_resp_free(&r);
		if (httpc_request("127.0.0.1", srv.port, "GET", "/xapi/statements",
		    h.p, NULL, 0, &r) != HTTPC_OK)
			r.status = -1;
	}
	ok(r.status == 429, "the third wrong password is 429 (got %d)", r.status);
	ok(sample("lrsd_rate_limited_total") == 1, "and counted as rate limited");
	ok(sample("lrsd_auth_failures_total") == 2, "the two before as auth failures");
	ok(sample("lrsd_http_requests_total{resource=\"statements\",method=\"GET\",status=\"429\"}") == 1,
	    "the 429 is counted by status");
	buf_free(&h);
	httpc_resp_free(&r);
}

int
main(void)
{
	if (srv_start(&srv, NULL) != 0) {
		ok(0, "the server starts");
		return test_done();
	}
	test_health();
	test_ready();
	test_not_ready();
	test_plain_log();
	test_json_log();
	test_metrics_access();
	test_metrics_move();
	test_metrics_allow();
	if (test_failed)
		srv_dump_log(&srv);
	ok(srv.pid == 0 || srv_stop(&srv, 1) == 0, "the server stops cleanly on SIGTERM");
	return test_done();
}
