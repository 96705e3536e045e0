/* HTTP tests of what clients may hold and how long: idle keep-alive
 * connections and half-sent requests do not starve other clients (a fresh
 * client still gets /xapi/about in under 100 ms with two workers), the
 * per-address and global connection caps, the head, body and idle
 * deadlines, and the per-address limit of failed authentications, which
 * answers 429 before any password is hashed (a credential verified before
 * still passes: it needs no hash).
 *
 * SLOW_CONNS (default 1000) sets how many idle connections, and as many
 * half-sent heads (and a fifth as many half-sent bodies), the first test
 * holds open; raise it to measure. */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "httpc.h"
#include "rawc.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

#define ABOUT		"GET /xapi/about HTTP/1.1\r\nHost: x\r\n\r\n"
#define HALF_HEAD	"POST /xapi/statements HTTP/1.1\r\nHost: x\r\nContent-Le"
#define HALF_BODY	"PUT /xapi/activities/state HTTP/1.1\r\nHost: x\r\n" \
			"Content-Length: 1000\r\n\r\n{\"partial\":"
#define TEST_AUTH	"dGVzdDp0ZXN0c2VjcmV0MQ=="	/* test:testsecret1 */

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Open n connections from src, each sending text; -1 in fds[i] when one
 * could not be opened.  Returns how many were. */
static int
open_many(const char *src, int port, const char *text, int *fds, int n)
{
	int i, opened = 0;

	for (i = 0; i < n; i++) {
		fds[i] = rawc_connect(src, port);
		if (fds[i] >= 0 && text && rawc_send(fds[i], text, strlen(text)) != 0) {
			close(fds[i]);
			fds[i] = -1;
		}
		opened += fds[i] >= 0;
	}
	return opened;
}

static void
close_many(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* The slowest of five fresh GET /xapi/about, in ms; -1 when one fails. */
static double
fresh_about_ms(int port)
{
	struct httpc_resp r;
	double t, worst = 0;
	int i, good;

	for (i = 0; i < 5; i++) {
		t = now_ms();
		good = httpc_request("127.0.0.1", port, "GET", "/xapi/about",
		    NULL, NULL, 0, &r) == HTTPC_OK && r.status == 200;
		t = now_ms() - t;
		httpc_resp_free(&r);
		if (!good)
			return -1;
		if (t > worst)
			worst = t;
	}
	return worst;
}

/* As call_from, with an X-Forwarded-For of xff (NULL: none). */
static int
call_via(const char *src, int port, const char *b64, const char *path,
    const char *xff, struct buf *out)
{
	struct buf req = BUF_INIT, resp = BUF_INIT;
	int fd = rawc_connect(src, port), st = -1;

	buf_printf(&req, "GET %s HTTP/1.1\r\nHost: x\r\nX-Experience-API-Version: 1.0.3\r\n"
	    "Connection: close\r\n", path);
	if (b64)
		buf_printf(&req, "Authorization: Basic %s\r\n", b64);
	if (xff)
		buf_printf(&req, "X-Forwarded-For: %s\r\n", xff);
	buf_puts(&req, "\r\n");
	buf_grow(&resp, 0);
	if (fd >= 0 && rawc_send(fd, req.p, req.len) == 0 &&
	    rawc_read(fd, 5000, &resp) == 1)
		st = rawc_status(resp.p);
	if (fd >= 0)
		close(fd);
	if (out) {
		buf_reset(out);
		buf_add(out, resp.p, resp.len);
	}
	buf_free(&req);
	buf_free(&resp);
	return st;
}

/* One request from src with Basic credentials b64 (NULL: none) on a new
 * connection; the status, -1 on failure.  out (may be NULL) gets the
 * response. */
static int
call_from(const char *src, int port, const char *b64, const char *path,
    struct buf *out)
{
	return call_via(src, port, b64, path, NULL, out);
}

static void
test_slow_clients(void)
{
	struct srv s = SRV_INIT;
	struct buf out = BUF_INIT;
	long nofile = rawc_raise_nofile();
	int n = getenv("SLOW_CONNS") ? atoi(getenv("SLOW_CONNS")) : 1000;
	int nb, *idle, *half, *body, i, got = 0, held;
	char args[300];
	double worst;

	if (n > (nofile - 100) * 10 / 22)
		n = (int)((nofile - 100) * 10 / 22);
	nb = n / 5;
	/* Two workers: were connections to hold workers, two would do. */
	snprintf(args, sizeof(args), "--threads 2 --max-per-address 0 "
	    "--max-connections %d --header-timeout-ms 60000 "
	    "--body-timeout-ms 60000 --idle-timeout-ms 60000", 2 * n + nb + 64);
	if (srv_start(&s, args) != 0) {
		ok(0, "the server starts");
		return;
	}
	idle = calloc((size_t)n, sizeof(int));
	half = calloc((size_t)n, sizeof(int));
	body = calloc((size_t)nb + 1, sizeof(int));
	held = open_many(NULL, s.port, ABOUT, idle, n);
	for (i = 0; i < n; i++) {
		buf_reset(&out);
		got += idle[i] >= 0 && rawc_read_response(idle[i], 5000, &out) == 1 &&
		    rawc_status(out.p) == 200;
	}
	ok(held == n && got == n, "%d keep-alive connections served (%d of %d)",
	    n, got, held);
	held = open_many(NULL, s.port, HALF_HEAD, half, n);
	ok(held == n, "%d half-sent heads open (%d)", n, held);
	held = open_many(NULL, s.port, HALF_BODY, body, nb);
	ok(held == nb, "%d half-sent bodies open (%d)", nb, held);
	worst = fresh_about_ms(s.port);
	ok(worst >= 0 && worst < 100, "with them open a fresh client gets "
	    "/xapi/about in %.1f ms at worst (want < 100)", worst);
	printf("slow clients: %d idle keep-alive + %d half-sent heads + %d "
	    "half-sent bodies held; fresh /xapi/about at worst %.1f ms\n",
	    n, n, nb, worst);
	buf_reset(&out);
	ok(rawc_send(idle[0], ABOUT, strlen(ABOUT)) == 0 &&
	    rawc_read_response(idle[0], 5000, &out) == 1 &&
	    rawc_status(out.p) == 200, "the oldest idle connection is still served");
	close_many(idle, n);
	close_many(half, n);
	close_many(body, nb);
	free(idle);
	free(half);
	free(body);
	buf_free(&out);
	ok(srv_stop(&s, 1) == 0, "the server stops cleanly");
}

static void
test_caps(void)
{
	struct srv s = SRV_INIT;
	struct buf out = BUF_INIT;
	static const char *src[] = { "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5" };
	int fds[16], extra, i, k, rc;

	if (srv_start(&s, "--max-per-address 4 --max-connections 16 "
	    "--header-timeout-ms 60000 --idle-timeout-ms 60000") != 0) {
		ok(0, "the server starts");
		return;
	}
	/* Per address: the fifth from one address is refused. */
	ok(open_many(src[0], s.port, NULL, fds, 4) == 4, "four from 127.0.0.2");
	extra = rawc_connect(src[0], s.port);
	buf_reset(&out);
	rc = extra >= 0 ? rawc_read(extra, 3000, &out) : -1;
	ok(rc == 1 && rawc_status(out.p) == 429 && strstr(out.p, "Retry-After: 1") &&
	    strstr(out.p, "limit per address"), "the fifth gets 429 and is closed: %.200s",
	    out.p ? out.p : "");
	if (extra >= 0)
		close(extra);
	ok(call_from(NULL, s.port, NULL, "/xapi/about", NULL) == 200,
	    "another address is served meanwhile");
	close(fds[0]);
	usleep(200 * 1000);
	ok(call_from(src[0], s.port, NULL, "/xapi/about", NULL) == 200,
	    "after one of its connections closes, the address is served again");
	close_many(fds + 1, 3);
	usleep(200 * 1000);

	/* All 16 idle after a request: a newcomer takes the oldest's place. */
	for (i = 0; i < 16; i++) {
		fds[i] = rawc_connect(src[i / 4], s.port);
		buf_reset(&out);
		if (fds[i] >= 0 && (rawc_send(fds[i], ABOUT, strlen(ABOUT)) != 0 ||
		    rawc_read_response(fds[i], 5000, &out) != 1)) {
			close(fds[i]);
			fds[i] = -1;
		}
		usleep(2000);	/* an order of idleness */
	}
	ok(call_from("127.0.0.6", s.port, NULL, "/xapi/about", NULL) == 200,
	    "at the cap with all idle, a new client is served");
	buf_reset(&out);
	ok(fds[0] >= 0 && rawc_read(fds[0], 3000, &out) == 1 && out.len == 0,
	    "the connection idle the longest was closed to make room");
	close_many(fds, 16);
	usleep(200 * 1000);

	/* All 16 busy sending heads: a newcomer is turned away. */
	for (i = k = 0; i < 16; i++)
		k += open_many(src[i / 4], s.port, HALF_HEAD, fds + i, 1);
	ok(k == 16, "16 half-sent heads open (%d)", k);
	usleep(100 * 1000);
	buf_reset(&out);
	extra = rawc_connect("127.0.0.6", s.port);
	rc = extra >= 0 ? rawc_read(extra, 3000, &out) : -1;
	ok(rc == 1 && rawc_status(out.p) == 503, "at the cap with none idle: 503: %.200s",
	    out.p ? out.p : "");
	if (extra >= 0)
		close(extra);
	close_many(fds, 16);
	buf_free(&out);
	ok(srv_stop(&s, 1) == 0, "the server stops cleanly");
}

/* Send text, then wait for the server to end the connection: the ms it
 * took, and what it said into out; -1 when it did not within 3 s. */
static double
ended_after(int port, const char *text, int drip, struct buf *out)
{
	int fd = rawc_connect(NULL, port), rc = 0;
	double t = now_ms();
	size_t i;

	buf_reset(out);
	if (fd < 0)
		return -1;
	if (drip) {
		/* One byte each 50 ms: still sending, never finishing. */
		for (i = 0; text[i] && rc == 0; i++) {
			if (rawc_send(fd, text + i, 1) != 0)
				break;
			rc = rawc_read(fd, 50, out);
		}
	} else if (text)
		rawc_send(fd, text, strlen(text));
	if (rc == 0)
		rc = rawc_read(fd, 3000, out);
	close(fd);
	return rc == 1 ? now_ms() - t : -1;
}

static void
test_deadlines(void)
{
	struct srv s = SRV_INIT;
	struct buf out = BUF_INIT, slow = BUF_INIT;
	double t;
	int fd, i;

	if (srv_start(&s, "--header-timeout-ms 300 --body-timeout-ms 300 "
	    "--idle-timeout-ms 300") != 0) {
		ok(0, "the server starts");
		return;
	}
	t = ended_after(s.port, HALF_HEAD, 0, &out);
	ok(t >= 250 && rawc_status(out.p) == 408 && strstr(out.p, "head not received"),
	    "half a head: 408 and closed after %.0f ms: %.120s", t, out.p ? out.p : "");
	buf_puts(&slow, "GET /xapi/about HTTP/1.1\r\n");
	for (i = 0; i < 40; i++)
		buf_printf(&slow, "X-%d: y\r\n", i);
	t = ended_after(s.port, slow.p, 1, &out);
	ok(t >= 250 && t < 1500 && rawc_status(out.p) == 408,
	    "a head sent a byte at a time still ends at its deadline (%.0f ms)", t);
	t = ended_after(s.port, NULL, 0, &out);
	ok(t >= 250 && out.len == 0, "a connection that sends nothing is closed "
	    "after %.0f ms without a reply", t);
	t = ended_after(s.port, HALF_BODY, 0, &out);
	ok(t >= 250 && rawc_status(out.p) == 408 && strstr(out.p, "body not received"),
	    "half a body: 408 and closed after %.0f ms", t);
	fd = rawc_connect(NULL, s.port);
	buf_reset(&out);
	ok(fd >= 0 && rawc_send(fd, ABOUT, strlen(ABOUT)) == 0 &&
	    rawc_read_response(fd, 3000, &out) == 1 && rawc_status(out.p) == 200,
	    "a request on a new connection");
	t = now_ms();
	buf_reset(&out);
	ok(fd >= 0 && rawc_read(fd, 3000, &out) == 1 && out.len == 0 &&
	    now_ms() - t >= 250, "then the idle connection is closed after %.0f ms",
	    now_ms() - t);
	if (fd >= 0)
		close(fd);
	buf_free(&out);
	buf_free(&slow);
	ok(srv_stop(&s, 1) == 0, "the server stops cleanly");
}

static void
test_auth_limit(void)
{
	struct srv s = SRV_INIT;
	struct buf out = BUF_INIT, fresh = BUF_INIT, cmd = BUF_INIT;
	const char *wrong = "dGVzdDp3cm9uZ3NlY3JldDE=";	/* test:wrongsecret1 */
	const char *path = "/xapi/statements?limit=1";
	int i, st, good;

	/* A credential that no request has used: its first check would
	 * cost a password hash. */
	if (srv_start(&s, "--auth-fail-limit 3 --auth-fail-window 60 "
	    "--trusted-proxies 127.0.0.9") != 0 ||
	    srv_stop(&s, 0) != 0) {
		ok(0, "the server starts and stops");
		return;
	}
	buf_printf(&cmd, "%s credential add fresh freshsecret1 --data %s >/dev/null",
	    getenv("LRSD"), s.data);
	ok(system(cmd.p) == 0, "a second credential is added");
	if (srv_start(&s, NULL) != 0) {
		ok(0, "the server starts again");
		return;
	}
	httpc_basic("fresh", "freshsecret1", &fresh);
	for (i = good = 0; i < 10; i++)
		good += call_from("127.0.0.3", s.port, TEST_AUTH, path, NULL) == 200;
	ok(good == 10, "successes are served (%d of 10)", good);
	for (i = 0; i < 3; i++) {
		st = call_from("127.0.0.3", s.port, wrong, path, NULL);
		ok(st == 401, "wrong secret %d of 3: 401 (%d)", i + 1, st);
	}
	st = call_from("127.0.0.3", s.port, wrong, path, &out);
	ok(st == 429 && strstr(out.p, "Retry-After: ") &&
	    atoi(strstr(out.p, "Retry-After: ") + 13) >= 1 &&
	    atoi(strstr(out.p, "Retry-After: ") + 13) <= 60 &&
	    strstr(out.p, "\"message\":\"too many failed authentications"),
	    "the fourth failure within the window: 429, Retry-After, JSON: %.400s",
	    out.p ? out.p : "");
	st = call_from("127.0.0.3", s.port, fresh.p + 6, path, NULL);
	ok(st == 429, "a right but never-checked secret from that address is "
	    "refused before it is hashed (%d)", st);
	st = call_from("127.0.0.3", s.port, TEST_AUTH, path, NULL);
	ok(st == 200, "a credential verified before (no hash needed) is still "
	    "served from that address (%d)", st);
	ok(call_from("127.0.0.3", s.port, NULL, "/xapi/about", NULL) == 200,
	    "/about needs no credential and stays open to it");
	st = call_from("127.0.0.4", s.port, fresh.p + 6, path, NULL);
	ok(st == 200, "another address is unaffected (%d)", st);
	for (i = 0; i < 3; i++)
		ok(call_from("127.0.0.4", s.port, wrong, path, NULL) == 401,
		    "another address has its own allowance: failure %d is 401", i + 1);
	ok(call_from("127.0.0.4", s.port, wrong, path, NULL) == 429,
	    "and its own limit");

	/* Behind a trusted proxy, each client has its own allowance. */
	for (i = 0; i < 3; i++)
		ok(call_via("127.0.0.9", s.port, wrong, path, "10.9.9.9, 203.0.113.7",
		    NULL) == 401, "via the proxy, failure %d of 203.0.113.7: 401", i + 1);
	st = call_via("127.0.0.9", s.port, wrong, path, "203.0.113.7", &out);
	ok(st == 429 && strstr(out.p, "from 203.0.113.7"),
	    "via the proxy, the fourth is 429 for the address the proxy saw (%d)", st);
	ok(call_via("127.0.0.9", s.port, TEST_AUTH, path, "203.0.113.8", NULL) == 200,
	    "and the proxy's other clients are served");
	for (i = 0; i < 3; i++)
		call_via("127.0.0.10", s.port, wrong, path, "203.0.113.99", NULL);
	ok(call_via("127.0.0.10", s.port, wrong, path, "203.0.113.98", NULL) == 429,
	    "an untrusted peer's X-Forwarded-For is ignored");
	buf_free(&out);
	buf_free(&fresh);
	buf_free(&cmd);
	ok(srv_stop(&s, 1) == 0, "the server stops cleanly");
}

int
main(void)
{
	test_slow_clients();
	test_caps();
	test_deadlines();
	test_auth_limit();
	return test_done();
}
