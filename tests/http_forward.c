/* HTTP tests of forwarding (/forwarding): a second lrsd on loopback gets
 * every statement of the first exactly once and in its order although it
 * is SIGKILLed and restarted several times mid-stream, and so is the
 * first (its targets and cursors come back from LMDB); a webhook listener
 * in this test gets signed batches (HMAC-SHA256 checked here) in order,
 * after failures that are retried, and only what the filters let through;
 * a statement the target refuses goes to the dead letters, which can be
 * retried and dropped; attachment payloads travel with their statement; the admin API's errors, scopes and secrecy; the
 * figures in /metrics (promtool) and /ready turning not ready when a
 * target falls too far behind. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "buf.h"
#include "httpc.h"
#include "json.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

static struct srv a = SRV_INIT, b = SRV_INIT;

#define SECRET	"webhook-secret-0123456789"

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A statement with id, verb vN and activity N. */
static void
statement(struct buf *out, const char *id, int verb, int act)
{
	buf_printf(out, "{\"id\":\"%s\",\"actor\":{\"mbox\":"
	    "\"mailto:fwd@example.com\"},\"verb\":{\"id\":"
	    "\"http://example.com/verbs/v%d\"},\"object\":{\"id\":"
	    "\"http://example.com/act/%d\"}}", id, verb, act);
}

/* POST n statements (ids given) to port in one request; the status. */
static int
post_batch(int port, char (*ids)[37], int n, int verb)
{
	struct buf body = BUF_INIT;
	struct httpc_resp r = { 0 };
	int i, status;

	buf_putc(&body, '[');
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&body, ',');
		statement(&body, ids[i], verb, i);
	}
	buf_putc(&body, ']');
	if (httpc_xapi(port, "1.0.3", "POST", "/xapi/statements", NULL,
	    body.p, body.len, &r) != HTTPC_OK)
		r.status = -1;
	status = r.status;
	httpc_resp_free(&r);
	buf_free(&body);
	return status;
}

/* An admin request to port; the status (r holds the answer). */
static int
admin(int port, const char *method, const char *path, const char *body,
    struct httpc_resp *r)
{
	httpc_resp_free(r);
	if (httpc_xapi(port, NULL, method, path, NULL, body, body ?
	    (size_t)-1 : 0, r) != HTTPC_OK)
		r->status = -1;
	return r->status;
}

/* Target id of port a pointing at B's current port. */
static int
put_lrs_target(const char *id, int port, struct httpc_resp *r)
{
	char body[512], path[128];

	snprintf(body, sizeof(body), "{\"kind\":\"lrs\",\"url\":"
	    "\"http://127.0.0.1:%d/xapi/statements\",\"username\":\"%s\","
	    "\"password\":\"%s\",\"version\":\"1.0.3\",\"batchSize\":50,"
	    "\"maxBackoffMs\":300,\"timeoutMs\":3000}", port, SRV_USER,
	    SRV_SECRET);
	snprintf(path, sizeof(path), "/forwarding/targets/%s", id);
	return admin(a.port, "PUT", path, body, r);
}

/* Number member name of target id on A, or -1. */
static double
target_num(const char *id, const char *name)
{
	struct httpc_resp r = { 0 };
	char path[128];
	json *v;
	double d = -1;

	snprintf(path, sizeof(path), "/forwarding/targets/%s", id);
	if (admin(a.port, "GET", path, NULL, &r) == 200 &&
	    (v = json_get(httpc_json(&r), name)) && v->type == JSON_NUMBER)
		d = v->num;
	httpc_resp_free(&r);
	return d;
}

/* Wait (at most secs) until target id's cursor reaches seq. */
static int
caught_up(const char *id, double seq, int secs)
{
	int i;

	for (i = 0; i < secs * 20; i++) {
		if (target_num(id, "cursor") >= seq)
			return 1;
		sleep_ms(50);
	}
	return 0;
}

/* The ids of every statement of port in its store order into ids (at
 * most max); how many, or -1. */
static int
all_ids(int port, char (*ids)[37], int max)
{
	struct httpc_resp r = { 0 };
	struct buf path = BUF_INIT;
	json *list, *more;
	int n = 0;
	size_t i;

	buf_puts(&path, "/xapi/statements?ascending=true&limit=500");
	for (;;) {
		buf_putc(&path, '\0');
		if (httpc_xapi(port, "1.0.3", "GET", path.p, NULL, NULL, 0, &r) !=
		    HTTPC_OK || r.status != 200 || (list = json_get(httpc_json(&r),
		    "statements")) == NULL) {
			n = -1;
			break;
		}
		for (i = 0; i < list->n && n < max; i++)
			snprintf(ids[n++], 37, "%s", json_get_str(list->vals[i], "id"));
		more = json_get(httpc_json(&r), "more");
		if (more == NULL || more->type != JSON_STRING || more->len == 0)
			break;
		buf_reset(&path);
		httpc_more_path(more->str, &path);
		httpc_resp_free(&r);
	}
	httpc_resp_free(&r);
	buf_free(&path);
	return n;
}

/* Kill B at once (SIGKILL, no clean shutdown) and start it again on its
 * data; A's target is pointed at its new port. */
static int
kill_restart_b(void)
{
	struct httpc_resp r = { 0 };
	int st, rc;

	kill(b.pid, SIGKILL);
	waitpid(b.pid, &st, 0);
	b.pid = 0;
	sleep_ms(300);		/* A meets a dead target meanwhile */
	if (srv_start(&b, NULL) != 0)
		return -1;
	rc = put_lrs_target("b", b.port, &r) == 200 ? 0 : -1;
	httpc_resp_free(&r);
	return rc;
}

/* Kill A (the forwarder) at once and start it again on its data: its
 * targets and cursors must come back from LMDB. */
static int
kill_restart_a(void)
{
	int st;

	kill(a.pid, SIGKILL);
	waitpid(a.pid, &st, 0);
	a.pid = 0;
	return srv_start(&a, NULL);
}

#define TOTAL	2000
#define PER	20

static void
test_lrs_with_kills(void)
{
	static char sent[TOTAL][37], got[TOTAL + 10][37];
	struct httpc_resp r = { 0 };
	int i, k, n, kills = 0, akills = 0, dup = 0, order = 1;

	ok(put_lrs_target("b", b.port, &r) == 201, "target b created (got %d: %s)", r.status, r.body);
	for (i = 0; i < TOTAL / PER; i++) {
		for (k = 0; k < PER; k++)
			httpc_uuid(sent[i * PER + k]);
		if (post_batch(a.port, &sent[i * PER], PER, 1) != 200) {
			ok(0, "batch %d stored on A", i);
			return;
		}
		if (i % 20 == 10) {
			ok(kill_restart_b() == 0, "B killed and restarted");
			kills++;
		}
		if (i == 45 || i == 85) {
			ok(kill_restart_a() == 0, "A killed and restarted");
			akills++;
		}
	}
	ok(kills >= 4, "B was killed %d times mid-stream", kills);
	ok(akills == 2, "A was killed twice mid-stream");
	ok(caught_up("b", TOTAL, 60), "A's cursor for b reaches the last statement (%.0f)", target_num("b", "cursor"));
	ok(target_num("b", "behind") == 0, "b is not behind");
	ok(target_num("b", "failures") > 0, "the kills showed as failures (%.0f)", target_num("b", "failures"));
	ok(target_num("b", "deadLetters") == 0, "no dead letters");
	n = all_ids(b.port, got, TOTAL + 10);
	ok(n == TOTAL, "B has %d statements, %d were sent", n, TOTAL);
	for (i = 0; i < n && i < TOTAL; i++)
		if (strcmp(got[i], sent[i]) != 0) {
			order = 0;
			break;
		}
	ok(order, "B stored them in A's order (first difference at %d)", i);
	for (i = 1; i < n; i++)
		for (k = i < 60 ? 0 : i - 60; k < i; k++)
			dup += strcmp(got[i], got[k]) == 0;
	ok(dup == 0, "B has no statement twice");
	/* A's own order, independently: the order the POSTs were answered. */
	n = all_ids(a.port, got, TOTAL + 10);
	ok(n == TOTAL && strcmp(got[0], sent[0]) == 0 &&
	    strcmp(got[TOTAL - 1], sent[TOTAL - 1]) == 0, "A holds them in the order sent");
	ok(admin(a.port, "DELETE", "/forwarding/targets/b", NULL, &r) == 204, "target b deleted (got %d)", r.status);
	ok(admin(a.port, "GET", "/forwarding/targets/b", NULL, &r) == 404, "and gone");
	httpc_resp_free(&r);
}

/* --- a webhook listener --- */

struct hook {
	int		 fd, port;
	int		 fail_first;	/* answer 503 to this many */
	char		 refuse[37];	/* answer 400 to a batch holding it */
	int		 requests, bad_sigs, no_headers;
	double		 seqs[4096];	/* accepted, in order of arrival */
	char		 ids[4096][37];
	int		 n;
	int		 stop;
	pthread_mutex_t	 mu;
};

/* Read one request: its headers (NUL-terminated) and body. */
static int
read_request(int c, struct buf *head, struct buf *body)
{
	char in[65536], *end;
	const char *cl;
	size_t want;
	ssize_t r;

	for (;;) {
		r = recv(c, in, sizeof(in), 0);
		if (r <= 0)
			return -1;
		buf_add(head, in, (size_t)r);
		buf_putc(head, '\0');
		head->len--;
		if ((end = strstr(head->p, "\r\n\r\n")) != NULL)
			break;
	}
	cl = strcasestr(head->p, "\r\nContent-Length:");
	want = cl ? (size_t)atol(cl + 17) : 0;
	buf_add(body, end + 4, head->len - (size_t)(end + 4 - head->p));
	head->len = (size_t)(end - head->p) + 2;
	head->p[head->len] = '\0';
	while (body->len < want) {
		r = recv(c, in, sizeof(in), 0);
		if (r <= 0)
			return -1;
		buf_add(body, in, (size_t)r);
	}
	return 0;
}

/* The value of header name in head into out, or "" when absent. */
static void
header(const char *head, const char *name, char *out, size_t n)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "\r\n%s:", name);
	out[0] = '\0';
	if ((p = strcasestr(head, key)) == NULL)
		return;
	p += strlen(key);
	while (*p == ' ')
		p++;
	e = strstr(p, "\r\n");
	snprintf(out, n, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
}

/* Whether sig is "sha256=" and the HMAC-SHA256 of body under SECRET. */
static int
sig_ok(const char *sig, const struct buf *body)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	char hex[2 * EVP_MAX_MD_SIZE + 8] = "sha256=";

	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET),
	    (const unsigned char *)body->p, body->len, md, &len);
	for (i = 0; i < len; i++)
		snprintf(hex + 7 + 2 * i, 3, "%02x", md[i]);
	return strcmp(sig, hex) == 0;
}

/* Handle one delivery; the status to answer. */
static int
hook_one(struct hook *h, const char *head, const struct buf *body)
{
	char sig[200], deliv[200], ts[64];
	json *doc = NULL, *list;
	size_t i;
	int status = 200;

	header(head, "X-Lrsd-Signature", sig, sizeof(sig));
	header(head, "X-Lrsd-Delivery", deliv, sizeof(deliv));
	header(head, "X-Lrsd-Timestamp", ts, sizeof(ts));
	pthread_mutex_lock(&h->mu);
	h->requests++;
	if (!sig_ok(sig, body))
		h->bad_sigs++;
	if (!deliv[0] || atol(ts) < 1700000000)
		h->no_headers++;
	if (h->requests <= h->fail_first)
		status = 503;
	else if (json_parse(body->p, body->len, 64, &doc, NULL, 0) != 0 ||
	    (list = json_get(doc, "statements")) == NULL)
		status = 400;
	else {
		for (i = 0; i < list->n; i++)
			if (h->refuse[0] && json_is_str(json_get(json_get(
			    list->vals[i], "statement"), "id"), h->refuse))
				status = 400;
		for (i = 0; status == 200 && i < list->n && h->n < 4096; i++) {
			h->seqs[h->n] = json_get(list->vals[i], "seq")->num;
			snprintf(h->ids[h->n++], 37, "%s", json_get_str(
			    json_get(list->vals[i], "statement"), "id"));
		}
	}
	pthread_mutex_unlock(&h->mu);
	json_free(doc);
	return status;
}

static void *
hook_main(void *arg)
{
	struct hook *h = arg;
	struct pollfd p = { h->fd, POLLIN, 0 };
	struct buf head = BUF_INIT, body = BUF_INIT;
	char reply[128];
	int c, status;

	while (!h->stop) {
		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((c = accept(h->fd, NULL, NULL)) < 0)
			continue;
		buf_reset(&head);
		buf_reset(&body);
		if (read_request(c, &head, &body) == 0) {
			status = hook_one(h, head.p, &body);
			snprintf(reply, sizeof(reply), "HTTP/1.1 %d X\r\n"
			    "Content-Length: 2\r\nConnection: close\r\n\r\n{}",
			    status);
			send(c, reply, strlen(reply), MSG_NOSIGNAL);
		}
		close(c);
	}
	buf_free(&head);
	buf_free(&body);
	return NULL;
}

static int
hook_start(struct hook *h, pthread_t *th)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	pthread_mutex_init(&h->mu, NULL);
	h->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(h->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(h->fd, 16) != 0 ||
	    getsockname(h->fd, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	h->port = ntohs(sa.sin_port);
	return pthread_create(th, NULL, hook_main, h);
}

static void
hook_stop(struct hook *h, pthread_t th)
{
	h->stop = 1;
	pthread_join(th, NULL);
	close(h->fd);
	pthread_mutex_destroy(&h->mu);
}

/* The last sequence number of A (from its feed's header). */
static double
a_last(void)
{
	struct httpc_resp r = { 0 };
	double v = -1;

	if (httpc_xapi(a.port, NULL, "GET", "/feed?after=0&limit=1", NULL,
	    NULL, 0, &r) == HTTPC_OK && httpc_header(&r, "X-Lrsd-Store-Last"))
		v = atof(httpc_header(&r, "X-Lrsd-Store-Last"));
	httpc_resp_free(&r);
	return v;
}

static void
test_webhook(void)
{
	static struct hook h;
	static char ids[60][37];
	struct httpc_resp r = { 0 };
	char body[1024];
	pthread_t th;
	double base;
	int i, inorder = 1, verb2 = 1;

	memset(&h, 0, sizeof(h));
	h.fail_first = 3;
	if (hook_start(&h, &th) != 0) {
		ok(0, "the listener starts");
		return;
	}
	base = a_last();
	snprintf(body, sizeof(body), "{\"kind\":\"webhook\",\"url\":"
	    "\"http://127.0.0.1:%d/hook\",\"secret\":\"%s\",\"batchSize\":7,"
	    "\"maxBackoffMs\":200,\"from\":\"now\",\"filters\":{\"verbs\":["
	    "\"http://example.com/verbs/v2\"]}}", h.port, SECRET);
	ok(admin(a.port, "PUT", "/forwarding/targets/hook", body, &r) == 201, "webhook target created (got %d: %s)", r.status, r.body);
	ok(strstr(r.body, SECRET) == NULL, "its secret is not shown: %s", r.body);
	ok(strstr(r.body, "\"hasSecret\":true") != NULL, "only that it has one");
	for (i = 0; i < 60; i++)
		httpc_uuid(ids[i]);
	for (i = 0; i < 6; i++)		/* verbs v1 and v2 in turn */
		ok(post_batch(a.port, &ids[i * 10], 10, 1 + i % 2) == 200, "batch %d stored", i);
	ok(caught_up("hook", base + 60, 30), "the webhook's cursor reaches the end (%.0f of %.0f)", target_num("hook", "cursor"), base + 60);
	pthread_mutex_lock(&h.mu);
	ok(h.n == 30, "the 30 statements with verb v2 arrived, once each (got %d)", h.n);
	for (i = 0; i < h.n && i < 30; i++) {
		if (i && h.seqs[i] <= h.seqs[i - 1])
			inorder = 0;
		if (strcmp(h.ids[i], ids[(i / 10) * 20 + 10 + i % 10]) != 0)
			verb2 = 0;
	}
	ok(inorder, "in increasing sequence order");
	ok(verb2, "exactly the v2 ones, in the order stored");
	ok(h.bad_sigs == 0, "every signature is the HMAC-SHA256 of the body (%d bad of %d)", h.bad_sigs, h.requests);
	ok(h.no_headers == 0, "every request has a delivery id and a timestamp");
	ok(h.requests >= 3 + 30 / 7, "the 3 failures were retried (%d requests)", h.requests);
	pthread_mutex_unlock(&h.mu);
	ok(target_num("hook", "failures") >= 3, "the failures are counted");
	ok(target_num("hook", "delivered") == 30, "30 delivered");

	/* One statement the hook refuses: a dead letter; the rest go on. */
	pthread_mutex_lock(&h.mu);
	h.n = 0;
	pthread_mutex_unlock(&h.mu);
	httpc_uuid(ids[0]);
	httpc_uuid(ids[1]);
	httpc_uuid(ids[2]);
	httpc_uuid(ids[3]);
	httpc_uuid(ids[4]);
	pthread_mutex_lock(&h.mu);
	snprintf(h.refuse, sizeof(h.refuse), "%s", ids[3]);
	pthread_mutex_unlock(&h.mu);
	ok(post_batch(a.port, ids, 5, 2) == 200, "5 more stored");
	ok(caught_up("hook", base + 65, 30), "the webhook gets past the refused one");
	pthread_mutex_lock(&h.mu);
	ok(h.n == 4, "the 4 others arrived (got %d)", h.n);
	ok(h.n == 4 && strcmp(h.ids[2], ids[2]) == 0 && strcmp(h.ids[3], ids[4]) == 0, "in order, without the refused one");
	pthread_mutex_unlock(&h.mu);
	ok(target_num("hook", "deadLetters") == 1, "one dead letter");
	ok(admin(a.port, "GET", "/forwarding/targets/hook/dead-letters", NULL, &r) == 200, "dead letters listed (got %d)", r.status);
	ok(httpc_json(&r) && httpc_json(&r)->type == JSON_ARRAY && httpc_json(&r)->n == 1 &&
	    json_is_str(json_get(httpc_json(&r)->vals[0], "statementId"), ids[3]) &&
	    json_get(httpc_json(&r)->vals[0], "status")->num == 400,
	    "the dead letter names the statement and the 400: %s", r.body);
	snprintf(body, sizeof(body), "/forwarding/targets/hook/dead-letters/%.0f/retry", base + 64);
	pthread_mutex_lock(&h.mu);
	h.refuse[0] = '\0';
	pthread_mutex_unlock(&h.mu);
	ok(admin(a.port, "POST", body, NULL, &r) == 200, "retry the dead letter (got %d: %s)", r.status, r.body);
	for (i = 0; i < 100 && target_num("hook", "deadLetters") != 0; i++)
		sleep_ms(50);
	ok(target_num("hook", "deadLetters") == 0, "once the hook takes it, the dead letter is gone");
	pthread_mutex_lock(&h.mu);
	ok(h.n == 5 && strcmp(h.ids[4], ids[3]) == 0, "the hook got it on the retry");
	pthread_mutex_unlock(&h.mu);
	ok(admin(a.port, "DELETE", "/forwarding/targets/hook", NULL, &r) == 204, "webhook target deleted");
	hook_stop(&h, th);
	httpc_resp_free(&r);
}

/* A target refusing a statement: B has its id with other content. */
static void
test_dead_letters(void)
{
	static char ids[10][37], one[1][37];
	struct httpc_resp r = { 0 };
	struct buf body = BUF_INIT;
	char path[160];
	double base = a_last();
	json *l;

	for (int i = 0; i < 10; i++)
		httpc_uuid(ids[i]);
	memcpy(one[0], ids[4], 37);
	ok(post_batch(b.port, one, 1, 9) == 200, "B holds statement 4 with another verb");
	snprintf(path, sizeof(path), "{\"kind\":\"lrs\",\"url\":"
	    "\"http://127.0.0.1:%d/xapi/statements\",\"username\":\"%s\","
	    "\"password\":\"%s\",\"from\":%.0f}", b.port, SRV_USER, SRV_SECRET,
	    base);
	ok(admin(a.port, "PUT", "/forwarding/targets/dl", path, &r) == 201, "target dl created from now (got %d: %s)", r.status, r.body);
	ok(post_batch(a.port, ids, 10, 1) == 200, "10 statements on A");
	ok(caught_up("dl", base + 10, 30), "dl gets past them");
	ok(target_num("dl", "deadLetters") == 1, "the one B refuses is a dead letter");
	ok(target_num("dl", "delivered") == 9, "the 9 others are delivered (%.0f)", target_num("dl", "delivered"));
	ok(admin(a.port, "GET", "/forwarding/targets/dl/dead-letters?limit=10", NULL, &r) == 200, "dead letters listed");
	l = httpc_json(&r);
	ok(l && l->type == JSON_ARRAY && l->n == 1 && json_get(l->vals[0], "seq")->num == base + 5 &&
	    json_get(l->vals[0], "status")->num == 409, "it is statement %.0f, refused with 409: %s", base + 5, r.body);
	snprintf(path, sizeof(path), "/forwarding/targets/dl/dead-letters/%.0f/retry", base + 5);
	ok(admin(a.port, "POST", path, NULL, &r) == 200, "retry it");
	for (int i = 0; i < 60; i++) {
		admin(a.port, "GET", "/forwarding/targets/dl/dead-letters", NULL, &r);
		l = httpc_json(&r);
		if (l && l->type == JSON_ARRAY && l->n == 1 &&
		    json_get(l->vals[0], "attempts")->num == 2)
			break;
		sleep_ms(50);
	}
	ok(l && l->n == 1 && json_get(l->vals[0], "attempts")->num == 2 &&
	    json_get(l->vals[0], "retry")->type == JSON_FALSE, "refused again, it stays with 2 attempts: %s", r.body);
	snprintf(path, sizeof(path), "/forwarding/targets/dl/dead-letters/%.0f", base + 5);
	ok(admin(a.port, "DELETE", path, NULL, &r) == 200, "drop it (got %d)", r.status);
	ok(admin(a.port, "DELETE", path, NULL, &r) == 404, "dropping it again is 404");
	ok(target_num("dl", "deadLetters") == 0, "no dead letters left");
	ok(admin(a.port, "GET", "/forwarding/targets/dl/dead-letters?limit=0", NULL, &r) == 400, "limit=0 is 400");
	ok(admin(a.port, "GET", "/forwarding/targets/nope/dead-letters", NULL, &r) == 404, "dead letters of no target: 404");
	ok(admin(a.port, "DELETE", "/forwarding/targets/dl", NULL, &r) == 204, "target dl deleted");
	buf_free(&body);
	httpc_resp_free(&r);
}

/* An attachment's payload travels with its statement to an LRS target. */
static void
test_attachments(void)
{
	static const char payload[] = "forwarded attachment payload";
	unsigned char md[32];
	char sha[65], id[37], extra[128], path[160];
	struct buf body = BUF_INIT;
	struct httpc_resp r = { 0 };
	struct httpc_part parts[4];
	double base = a_last();
	int i, np, found = 0;

	SHA256((const unsigned char *)payload, strlen(payload), md);
	for (i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", md[i]);
	snprintf(path, sizeof(path), "{\"kind\":\"lrs\",\"url\":"
	    "\"http://127.0.0.1:%d/xapi/statements\",\"username\":\"%s\","
	    "\"password\":\"%s\",\"from\":\"now\"}", b.port, SRV_USER,
	    SRV_SECRET);
	ok(admin(a.port, "PUT", "/forwarding/targets/att", path, &r) == 201, "target att created");
	buf_printf(&body, "--xyzzy\r\nContent-Type: application/json\r\n\r\n"
	    "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:fwd@example.com\"},"
	    "\"verb\":{\"id\":\"http://example.com/verbs/att\"},\"object\":{"
	    "\"id\":\"http://example.com/act/att\"},\"attachments\":[{"
	    "\"usageType\":\"http://example.com/usage\",\"display\":{\"en\":"
	    "\"a\"},\"contentType\":\"text/plain\",\"length\":%zu,\"sha2\":"
	    "\"%s\"}]}\r\n--xyzzy\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: %s\r\n"
	    "\r\n%s\r\n--xyzzy--\r\n", httpc_uuid(id), strlen(payload), sha,
	    sha, payload);
	snprintf(extra, sizeof(extra), "Content-Type: multipart/mixed; boundary=xyzzy\r\n");
	httpc_resp_free(&r);
	ok(httpc_xapi(a.port, "1.0.3", "POST", "/xapi/statements", extra,
	    body.p, body.len, &r) == HTTPC_OK && r.status == 200, "a statement with an attachment on A (got %d: %s)", r.status, r.body);
	ok(caught_up("att", base + 1, 30), "att gets past it");
	ok(target_num("att", "deadLetters") == 0 && target_num("att", "delivered") == 1,
	    "delivered, not a dead letter");
	snprintf(path, sizeof(path), "/xapi/statements?statementId=%s&attachments=true", id);
	httpc_resp_free(&r);
	ok(httpc_xapi(b.port, "1.0.3", "GET", path, NULL, NULL, 0, &r) == HTTPC_OK &&
	    r.status == 200, "B has the statement (got %d)", r.status);
	np = httpc_multipart(httpc_header(&r, "Content-Type"), r.body, r.len, parts, 4);
	for (i = 1; i < np; i++)
		found |= parts[i].len == strlen(payload) &&
		    memcmp(parts[i].body, payload, parts[i].len) == 0;
	ok(np == 2 && found, "and the attachment's payload (%d parts)", np);
	ok(admin(a.port, "DELETE", "/forwarding/targets/att", NULL, &r) == 204, "target att deleted");
	buf_free(&body);
	httpc_resp_free(&r);
}

static void
test_admin_errors(void)
{
	static const char *const bad[] = {
		"not json",
		"{\"kind\":\"ftp\",\"url\":\"http://127.0.0.1:1/\"}",
		"{\"kind\":\"lrs\"}",
		"{\"kind\":\"lrs\",\"url\":\"https://example.com/xapi/statements\"}",
		"{\"kind\":\"lrs\",\"url\":\"http://127.0.0.1:99999/\"}",
		"{\"kind\":\"lrs\",\"url\":\"http://127.0.0.1:1/\",\"username\":\"u\"}",
		"{\"kind\":\"lrs\",\"url\":\"http://127.0.0.1:1/\",\"color\":1}",
		"{\"kind\":\"lrs\",\"url\":\"http://127.0.0.1:1/\",\"batchSize\":0}",
		"{\"kind\":\"lrs\",\"url\":\"http://127.0.0.1:1/\",\"version\":\"0.9\"}",
		"{\"kind\":\"webhook\",\"url\":\"http://127.0.0.1:1/\",\"secret\":\"short\"}",
		"{\"kind\":\"webhook\",\"url\":\"http://127.0.0.1:1/\",\"secret\":\"0123456789abcdef\",\"filters\":{\"verbs\":\"x\"}}",
		"{\"kind\":\"webhook\",\"url\":\"http://127.0.0.1:1/\",\"secret\":\"0123456789abcdef\",\"filters\":{\"agents\":[{\"name\":\"x\"}]}}",
		"{\"kind\":\"webhook\",\"url\":\"http://127.0.0.1:1/\",\"secret\":\"0123456789abcdef\",\"filters\":{\"colour\":[]}}",
		"{\"kind\":\"lrs\",\"url\":\"http://127.0.0.1:1/\",\"from\":\"yesterday\"}",
		NULL };
	struct httpc_resp r = { 0 };
	struct buf h = BUF_INIT;
	char cmd[1024];
	int i;

	for (i = 0; bad[i]; i++) {
		ok(admin(a.port, "PUT", "/forwarding/targets/bad", bad[i], &r) == 400,
		    "PUT %s is 400 (got %d)", bad[i], r.status);
		ok(httpc_error_body(&r), "with a JSON error: %s", r.body);
	}
	ok(admin(a.port, "GET", "/forwarding/targets/bad", NULL, &r) == 404, "nothing was stored");
	ok(admin(a.port, "PUT", "/forwarding/targets/bad%20id", bad[2], &r) == 400, "a bad id is 400");
	ok(admin(a.port, "GET", "/forwarding/nothing", NULL, &r) == 404, "an unknown path is 404");
	ok(admin(a.port, "POST", "/forwarding/targets", "{}", &r) == 405, "POST /forwarding/targets is 405");
	ok(admin(a.port, "GET", "/forwarding/targets", NULL, &r) == 200 &&
	    httpc_json(&r) && httpc_json(&r)->type == JSON_ARRAY, "the list is a JSON array");
	ok(admin(a.port, "PUT", "/forwarding/targets/keep", "{\"kind\":\"lrs\",\"url\":"
	    "\"http://127.0.0.1:1/x\",\"username\":\"u\",\"password\":\"pw-not-shown\","
	    "\"from\":\"now\"}", &r) == 201, "a target to a closed port");
	ok(strstr(r.body, "pw-not-shown") == NULL, "the password is not shown");
	ok(admin(a.port, "PUT", "/forwarding/targets/keep", "{\"kind\":\"lrs\",\"url\":"
	    "\"http://127.0.0.1:2/x\",\"username\":\"u\"}", &r) == 200, "replaced without its password: 200 (%s)", r.body);
	ok(strstr(r.body, "\"hasPassword\":true") != NULL, "the password was kept");
	ok(admin(a.port, "GET", "/forwarding/targets", NULL, &r) == 200 &&
	    strstr(r.body, "pw-not-shown") == NULL, "the list shows no password");
	snprintf(cmd, sizeof(cmd), "%s credential add fwd-read scoped-secret-1 "
	    "--scopes all/read --data %s >/dev/null 2>&1", getenv("LRSD"), a.data);
	ok(system(cmd) == 0, "an all/read credential");
	buf_puts(&h, "Authorization: ");
	httpc_basic("fwd-read", "scoped-secret-1", &h);
	buf_puts(&h, "\r\n");
	buf_putc(&h, '\0');
	httpc_resp_free(&r);
	ok(httpc_request("127.0.0.1", a.port, "GET", "/forwarding/targets", h.p,
	    NULL, 0, &r) == HTTPC_OK && r.status == 403, "all/read may not see targets (got %d)", r.status);
	buf_free(&h);
	httpc_resp_free(&r);
}

/* Target "keep" points at a closed port: it falls behind. */
static void
test_metrics_ready(void)
{
	static char ids[1][37];
	struct httpc_resp r = { 0 };
	int i;

	httpc_uuid(ids[0]);
	ok(post_batch(a.port, ids, 1, 1) == 200, "one more statement");
	for (i = 0; i < 80; i++) {
		httpc_resp_free(&r);
		if (httpc_request("127.0.0.1", a.port, "GET", "/ready", NULL,
		    NULL, 0, &r) == HTTPC_OK && r.status == 503)
			break;
		sleep_ms(50);
	}
	ok(r.status == 503, "/ready is 503 once a target is behind more than --ready-max-lag (got %d: %s)", r.status, r.body);
	ok(strstr(r.body, "forwarding is too far behind") != NULL, "and says why: %s", r.body);
	ok(strstr(r.body, "\"forwarding_behind\":1") != NULL, "with the figure");
	ok(admin(a.port, "GET", "/metrics", NULL, &r) == 200, "/metrics");
	ok(strstr(r.body, "lrsd_forward_behind_statements{target=\"keep\"} 1") != NULL, "the backlog per target");
	ok(strstr(r.body, "lrsd_forward_lag_seconds{target=\"keep\"}") != NULL, "the lag in seconds");
	ok(strstr(r.body, "lrsd_forward_failures_total{target=\"keep\"}") != NULL, "the failures");
	ok(strstr(r.body, "lrsd_forward_dead_letters{target=\"keep\"} 0") != NULL, "the dead letters");
	ok(srv_promtool_ok(&a, r.body, r.len), "promtool check metrics accepts it");
	ok(admin(a.port, "GET", "/forwarding/targets/keep", NULL, &r) == 200 &&
	    strstr(r.body, "\"lastError\":\"POST http://127.0.0.1:2/x") != NULL, "the last error names the target: %s", r.body);
	ok(admin(a.port, "DELETE", "/forwarding/targets/keep", NULL, &r) == 204, "delete it");
	httpc_resp_free(&r);
	ok(httpc_request("127.0.0.1", a.port, "GET", "/ready", NULL, NULL, 0, &r) == HTTPC_OK &&
	    r.status == 200, "then /ready is 200 again (got %d: %s)", r.status, r.body);
	httpc_resp_free(&r);
}

int
main(void)
{
	if (srv_start(&a, "--no-tiering --ready-max-lag 1") != 0 ||
	    srv_start(&b, "--no-tiering") != 0) {
		ok(0, "servers start");
		return test_done();
	}
	test_lrs_with_kills();
	test_webhook();
	test_dead_letters();
	test_attachments();
	test_admin_errors();
	test_metrics_ready();
	ok(srv_stop(&a, 1) == 0, "A stops cleanly");
	ok(srv_stop(&b, 1) == 0, "B stops cleanly");
	return test_done();
}
