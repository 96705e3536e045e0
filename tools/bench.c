/* bench: load figures of lrsd on an empty store and on a store of a
 * million generated statements.
 *
 *	bench LRSD [--statements N] [--keep DIR] [--seed S] [--no-empty]
 *	    [--seconds S] [--runs R] [--threads T] [--only NAMES]
 *	    [--lrsd-threads N] [--conns C]
 *
 * Starts LRSD serve on a free loopback port and drives it with keep-alive
 * HTTP/1.1 connections: the writes on an empty store; then a preload of
 * statements 0..N-1 of a seeded stream (tools/stmtgen.h; kept in DIR and
 * copied for each run with --keep); then on the preloaded store the
 * writes again, a query by every filter, deep paging and the document
 * resources.  Every scenario runs R times for S seconds (default 3 x 5)
 * and prints the median rate, p50 and p99, and the server's CPU per unit,
 * its bytes written per statement and its memory inside and outside the
 * LMDB maps, read from /proc (tools/procstat.h).  The load generator is
 * wrk-like: T client threads (default: the number of CPUs) each multiplex
 * their share of the connections with epoll, one request in flight per
 * connection.  Exits 1 when any request failed (a non-2xx status, a
 * malformed or missing answer), naming the scenarios; 2 when a server
 * could not start or died.  See tools/bench.md.
 */
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "procstat.h"
#include "stmtgen.h"
#include "xalloc.h"

#define USER		"bench"
#define SECRET		"benchsecret1"
#define XAPI_VERSION	"1.0.3"
#define SEED		20261203	/* the generator's default stream */
#define BATCH		100	/* statements per request of post-100 */
#define LIMIT		50	/* statements per page of the queries */
#define PRELOAD_BATCH	500	/* statements per request of the preload */
#define PRELOAD_CONNS	4
#define PAY_MAX		4	/* payloads in one request, at most */
#define DOCS		50	/* documents cycled by each connection */
#define DOC_SIZE	1024	/* bytes of each document */
#define DEEP_PAGES	2000	/* how deep get-deep pages (at most) */
#define START_TIMEOUT	60	/* seconds to wait for /xapi/about */
#define IO_TIMEOUT	60	/* seconds a request may take before it fails */
#define MAX_CONNS	1024
#define BOUNDARY	"bench-7d1e0c55"

enum kind {
	K_POST1, K_POST100, K_QUERY, K_DOC
};

/* What a K_QUERY scenario asks, what a K_DOC scenario writes. */
enum what {
	Q_AGENT, Q_VERB, Q_ACTIVITY, Q_REGISTRATION, Q_SINCE, Q_UNTIL,
	Q_RELATED_ACT, Q_RELATED_AGENTS, Q_AGENT_VERB, Q_ID, Q_PAGE1, Q_DEEP,
	D_STATE = 0, D_ACTPROF, D_AGENTPROF
};

struct scenario {
	const char	*name;
	enum kind	 kind;
	int		 what;
	int		 conns;		/* default connections */
	const char	*unit;		/* what the rate counts */
	const char	*help;		/* one line for --help */
};

static const struct scenario scenarios[] = {
	{ "post-1x16", K_POST1, 0, 16, "stmt/s",
	    "POST /xapi/statements, 1 statement per request" },
	{ "post-1x64", K_POST1, 0, 64, "stmt/s",
	    "POST /xapi/statements, 1 statement per request" },
	{ "post-100", K_POST100, 0, 8, "stmt/s",
	    "POST /xapi/statements, batches of 100" },
	{ "get-agent", K_QUERY, Q_AGENT, 32, "query/s",
	    "GET ?agent=<an actor>&limit=50" },
	{ "get-verb", K_QUERY, Q_VERB, 32, "query/s",
	    "GET ?verb=<a verb>&limit=50" },
	{ "get-activity", K_QUERY, Q_ACTIVITY, 32, "query/s",
	    "GET ?activity=<an object>&limit=50" },
	{ "get-registration", K_QUERY, Q_REGISTRATION, 32, "query/s",
	    "GET ?registration=<one>&limit=50" },
	{ "get-since", K_QUERY, Q_SINCE, 32, "query/s",
	    "GET ?since=<a stored time>&limit=50" },
	{ "get-until", K_QUERY, Q_UNTIL, 32, "query/s",
	    "GET ?until=<a stored time>&limit=50" },
	{ "get-related-act", K_QUERY, Q_RELATED_ACT, 32, "query/s",
	    "GET ?activity=<a program>&related_activities=true&limit=50" },
	{ "get-related-agents", K_QUERY, Q_RELATED_AGENTS, 32, "query/s",
	    "GET ?agent=<an instructor>&related_agents=true&limit=50" },
	{ "get-agent-verb", K_QUERY, Q_AGENT_VERB, 32, "query/s",
	    "GET ?agent=<an actor>&verb=<its verb>&limit=50" },
	{ "get-id", K_QUERY, Q_ID, 32, "req/s",
	    "GET ?statementId=<a stored id>" },
	{ "get-page1", K_QUERY, Q_PAGE1, 32, "req/s",
	    "GET ?limit=50, the first page of everything" },
	{ "get-deep", K_QUERY, Q_DEEP, 32, "req/s",
	    "GET the more link of page 2,000 of ?limit=50" },
	{ "state", K_DOC, D_STATE, 32, "op/s",
	    "PUT then GET /xapi/activities/state (1 KB JSON)" },
	{ "activity-profile", K_DOC, D_ACTPROF, 32, "op/s",
	    "GET then PUT If-Match /xapi/activities/profile (1 KB)" },
	{ "agent-profile", K_DOC, D_AGENTPROF, 32, "op/s",
	    "GET then PUT If-Match /xapi/agents/profile (1 KB)" },
};
#define N_SCENARIOS	(sizeof(scenarios) / sizeof(scenarios[0]))

/* Settings from the command line. */
static struct {
	const char	*lrsd;
	double		 seconds;
	int		 runs;
	int		 threads;	/* client threads */
	int		 lrsd_threads;
	int		 conns;		/* 0: each scenario's default */
	const char	*only;
	uint64_t	 statements;	/* the preload */
	uint64_t	 seed;
	const char	*keep;		/* preload kept here between runs */
	int		 skip_empty;	/* no phase on an empty store */
	int		 cold;		/* drop the page cache after the copy */
} opt = { NULL, 5.0, 3, 0, 64, 0, NULL, 1000000, SEED, NULL, 0, 0 };

/* The server under test. */
static struct {
	pid_t	pid;
	int	port;
	char	tmp[64];	/* mkdtemp directory: data dirs, lrsd.log */
	char	data[PATH_MAX];	/* the data directory it serves */
	char	log[96];
} srv;

static char auth_header[128];	/* "Authorization: Basic ...\r\n" */

/* What the reads of the loaded store draw from. */
static struct {
	uint64_t	 count;		/* statements 0..count-1 are stored */
	int64_t		 first_ms;	/* stored times of the oldest, newest */
	int64_t		 last_ms;
	char		*deep;		/* get-deep's target */
} reads;

/* The next statement of the stream a POST sends. */
static uint64_t post_next;

/* The figures of one run of one scenario. */
struct result {
	double		 secs;		/* from start until the last answer */
	uint64_t	 requests;	/* answered 2xx */
	uint64_t	 errors;
	uint64_t	 units;		/* statements or requests or ops */
	uint64_t	 bytes;		/* response bytes (headers included) */
	double		 p50, p99;	/* ms */
	int		 starved;	/* connections served < 1/10 the mean */
	char		 first_error[200];
};

/* One run in progress: shared by the client threads. */
struct run {
	const struct scenario	*sc;
	int			 conns;
	int			 threads;
	pthread_barrier_t	 ready;
	uint64_t		 start_ns, end_ns;	/* deadline: end_ns */
	pthread_mutex_t		 lock;
	struct result		 res;
	uint64_t		*lat;	/* all latencies, ns */
	size_t			 nlat, caplat;
	uint64_t		 last_ns;	/* when the last answer came */
	uint64_t		*answered;	/* per connection */
};

/* A parsed response. */
struct resp {
	int	status;
	size_t	total;		/* bytes of the whole response */
	size_t	body_off;	/* where the body starts (Content-Length only) */
	size_t	body_len;
	int	close;		/* Connection: close */
	char	etag[64];	/* the ETag header, quotes included, or "" */
};

/* One client connection and its request in flight. */
struct conn {
	int		 fd;
	int		 index;		/* 0..conns-1 over the whole run */
	struct buf	 req;
	size_t		 woff;		/* bytes of req sent */
	struct buf	 rb;		/* bytes received, not yet consumed */
	uint64_t	 t0;
	char		 expect[40];	/* text the body must hold, or "" */
	int		 phase;		/* documents: 0 first op, 1 second */
	int		 doc;		/* documents: document number */
	char		 etag[64];	/* profiles: the ETag the GET gave */
	int		 want_out;	/* EPOLLOUT is registered */
	int		 checked;	/* its first page was parsed */
	uint64_t	 answered;	/* 2xx answers in this run */
	int		 done;
};

/* What one client thread holds. */
struct worker {
	struct run	*run;
	int		 first, n;	/* its connections: first..first+n-1 */
	uint64_t	 rng[2];
	struct conn	*conns;
	uint64_t	*lat;
	size_t		 nlat, caplat;
	struct result	 res;
	struct buf	 body;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* xorshift128+: fast, and good enough to pick learners and ids. */
static uint64_t
rnd(uint64_t s[2])
{
	uint64_t x = s[0], y = s[1];

	s[0] = y;
	x ^= x << 23;
	s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
	return s[1] + y;
}

static unsigned
rnd_below(uint64_t s[2], unsigned n)
{
	return (unsigned)((rnd(s) >> 11) % n);
}

static void
rnd_seed(uint64_t s[2], uint64_t salt)
{
	int i;

	s[0] = now_ns() ^ (salt * 0x9e3779b97f4a7c15ull) ^ (uint64_t)getpid();
	s[1] = s[0] * 0xbf58476d1ce4e5b9ull + 0x94d049bb133111ebull;
	if (s[0] == 0 && s[1] == 0)
		s[1] = 1;
	for (i = 0; i < 16; i++)
		(void)rnd(s);
}

static void
base64(const char *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 |
		    (unsigned char)in[i + 2];
		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = tab[(v >> 6) & 63];
		*out++ = tab[v & 63];
	}
	if (i < n) {
		v = (unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* 1234567 as "1,234,567". */
static const char *
commas(uint64_t v, char *out, size_t len)
{
	char digits[32];
	size_t n, i, o = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%llu",
	    (unsigned long long)v);
	for (i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

/* A latency in ms with the digits that matter. */
static const char *
ms_text(double ms, char *out, size_t len)
{
	if (ms < 1)
		snprintf(out, len, "%.2f ms", ms);
	else if (ms < 100)
		snprintf(out, len, "%.1f ms", ms);
	else
		snprintf(out, len, "%.0f ms", ms);
	return out;
}

/* ---- HTTP ---------------------------------------------------------- */

static int
tcp_connect(int port)
{
	struct sockaddr_in sa;
	struct timeval tv = { IO_TIMEOUT, 0 };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
ci_prefix(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && strncasecmp(p, word, n) == 0;
}

/* Parse a response from p (len bytes).  1 when it is complete (r filled),
 * 0 when more bytes are needed, -1 when it is not HTTP.  A response with
 * neither Content-Length nor chunked coding ends at EOF: 0 until then
 * (eof nonzero completes it). */
static int
resp_parse(const char *p, size_t len, int eof, struct resp *r)
{
	const char *hend, *line, *eol, *end, *v;
	size_t pos, n;
	long long cl = -1;
	int chunked = 0;
	char *num_end;
	unsigned long long size;

	memset(r, 0, sizeof(*r));
	hend = memmem(p, len, "\r\n\r\n", 4);
	if (hend == NULL)
		return len > 65536 ? -1 : 0;
	end = hend + 2;
	if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0)
		return -1;
	r->status = atoi(p + 9);
	if (r->status < 100 || r->status > 599)
		return -1;
	if (memcmp(p, "HTTP/1.0", 8) == 0)
		r->close = 1;
	line = memchr(p, '\n', (size_t)(end - p)) + 1;
	for (; line < end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (eol == NULL)
			break;
		if (ci_prefix(line, eol, "content-length:")) {
			v = line + 15;
			while (*v == ' ' || *v == '\t')
				v++;
			cl = strtoll(v, &num_end, 10);
			if (num_end == v || cl < 0)
				return -1;
		} else if (ci_prefix(line, eol, "transfer-encoding:")) {
			if (memmem(line, (size_t)(eol - line), "chunked", 7))
				chunked = 1;
		} else if (ci_prefix(line, eol, "connection:")) {
			if (memmem(line, (size_t)(eol - line), "close", 5))
				r->close = 1;
		} else if (ci_prefix(line, eol, "etag:")) {
			for (v = line + 5; *v == ' ' || *v == '\t'; v++)
				;
			n = (size_t)(eol - v);
			while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == ' '))
				n--;
			if (n < sizeof(r->etag)) {
				memcpy(r->etag, v, n);
				r->etag[n] = '\0';
			}
		}
	}
	pos = (size_t)(hend + 4 - p);
	r->body_off = pos;
	if (r->status == 204 || r->status == 304 || r->status < 200) {
		r->total = pos;
		return 1;
	}
	if (chunked) {
		for (;;) {
			eol = memmem(p + pos, len - pos, "\r\n", 2);
			if (eol == NULL)
				return 0;
			size = strtoull(p + pos, &num_end, 16);
			if (num_end == p + pos)
				return -1;
			pos = (size_t)(eol + 2 - p);
			if (size == 0) {
				/* Trailers, then an empty line. */
				for (;;) {
					eol = memmem(p + pos, len - pos,
					    "\r\n", 2);
					if (eol == NULL)
						return 0;
					n = (size_t)(eol - (p + pos));
					pos += n + 2;
					if (n == 0)
						break;
				}
				r->total = pos;
				return 1;
			}
			if (len - pos < size + 2)
				return 0;
			pos += size + 2;
			r->body_len += size;
		}
	}
	if (cl >= 0) {
		if (len - pos < (unsigned long long)cl)
			return 0;
		r->body_len = (size_t)cl;
		r->total = pos + (size_t)cl;
		return 1;
	}
	if (!eof)
		return 0;
	r->body_len = len - pos;
	r->total = len;
	r->close = 1;
	return 1;
}

/* Send all of a request and read its whole response, blocking (used
 * outside the timed runs).  0 with *r and body (the raw response) filled,
 * -1 on a connection error. */
static int
http_blocking(int fd, const struct buf *req, struct buf *in, struct resp *r)
{
	size_t off = 0;
	ssize_t n;
	int rc;

	while (off < req->len) {
		n = send(fd, req->p + off, req->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	buf_reset(in);
	for (;;) {
		rc = resp_parse(in->p ? in->p : "", in->len, 0, r);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return 0;
		buf_grow(in, 65536);
		n = recv(fd, in->p + in->len, in->cap - in->len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			rc = resp_parse(in->p ? in->p : "", in->len, 1, r);
			return rc > 0 ? 0 : -1;
		}
		if (n < 0)
			return -1;
		in->len += (size_t)n;
		in->p[in->len] = '\0';
	}
}

static void
req_head(struct buf *b, const char *method, const char *target)
{
	buf_printf(b, "%s /xapi%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "%sX-Experience-API-Version: " XAPI_VERSION "\r\n",
	    method, target, srv.port, auth_header);
}

/* Finish a request with its body (may be NULL). */
static void
req_body(struct buf *b, const char *type, const char *body, size_t len)
{
	if (body) {
		buf_printf(b, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
		    type, len);
		buf_add(b, body, len);
	} else
		buf_puts(b, "\r\n");
}

/* The bytes a multipart body adds around the statements' JSON. */
static size_t
multipart_extra(const struct stmtgen_payload *pay, int np)
{
	size_t n;
	int i;

	n = strlen("--" BOUNDARY "\r\nContent-Type: application/json"
	    "\r\n\r\n") + strlen("\r\n--" BOUNDARY "--\r\n");
	for (i = 0; i < np; i++)
		n += strlen("\r\n--" BOUNDARY "\r\nContent-Type: text/plain"
		    "\r\nContent-Transfer-Encoding: binary\r\n"
		    "X-Experience-API-Hash: \r\n\r\n") + strlen(pay[i].sha2) +
		    pay[i].len;
	return n;
}

/* A POST of statements first..first+n-1 of the stream into req (body is
 * scratch): a JSON array, or multipart/mixed when one of them carries a
 * payload.  Returns the bytes of statement JSON. */
static size_t
req_post(struct buf *req, struct buf *body, uint64_t first, int n)
{
	struct stmtgen_payload pay[PAY_MAX], one;
	size_t jbytes = 0;
	int i, np = 0;

	buf_reset(body);
	if (n > 1)
		buf_putc(body, '[');
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(body, ',');
		jbytes += stmtgen_statement(opt.seed, first + (uint64_t)i, body,
		    &one);
		if (one.len && np < PAY_MAX)
			pay[np++] = one;
	}
	if (n > 1)
		buf_putc(body, ']');
	req_head(req, "POST", "/statements");
	if (np == 0) {
		req_body(req, "application/json", body->p, body->len);
		return jbytes;
	}
	/* The statements part, then each payload. */
	buf_printf(req, "Content-Type: multipart/mixed; boundary=" BOUNDARY
	    "\r\nContent-Length: %zu\r\n\r\n", body->len +
	    multipart_extra(pay, np));
	buf_puts(req, "--" BOUNDARY "\r\nContent-Type: application/json"
	    "\r\n\r\n");
	buf_add(req, body->p, body->len);
	for (i = 0; i < np; i++) {
		buf_printf(req, "\r\n--" BOUNDARY "\r\nContent-Type: "
		    "text/plain\r\nContent-Transfer-Encoding: binary\r\n"
		    "X-Experience-API-Hash: %s\r\n\r\n", pay[i].sha2);
		buf_add(req, pay[i].data, pay[i].len);
	}
	buf_puts(req, "\r\n--" BOUNDARY "--\r\n");
	return jbytes;
}

/* ---- the server ---------------------------------------------------- */

static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int fd, port = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &salen) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void
dump_log(void)
{
	char line[512];
	FILE *f = fopen(srv.log, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "--- %s\n", srv.log);
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fclose(f);
}

static pid_t
spawn(void)
{
	char listen[64], threads[16];
	char *argv[] = {
		(char *)opt.lrsd, "serve", "--listen", listen, "--data",
		srv.data, "--admin", USER ":" SECRET, "--threads", threads, NULL
	};
	pid_t parent = getpid(), pid;
	int fd;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", srv.port);
	snprintf(threads, sizeof(threads), "%d", opt.lrsd_threads);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid != 0)
		return pid;
	/* The child: never outlive the bench. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	fd = open(srv.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	execv(opt.lrsd, argv);
	fprintf(stderr, "bench: exec %s: %s\n", opt.lrsd, strerror(errno));
	_exit(127);
}

/* 1 when GET /xapi/about answers 200, 0 when the server exited, -1 on
 * timeout. */
static int
wait_ready(void)
{
	struct buf req = BUF_INIT, in = BUF_INIT;
	struct resp r;
	int i, st, fd, ready = -1;

	req_head(&req, "GET", "/about");
	req_body(&req, NULL, NULL, 0);
	for (i = 0; i < START_TIMEOUT * 20; i++) {
		if (waitpid(srv.pid, &st, WNOHANG) == srv.pid) {
			srv.pid = 0;
			ready = 0;
			break;
		}
		if ((fd = tcp_connect(srv.port)) >= 0) {
			if (http_blocking(fd, &req, &in, &r) == 0 &&
			    r.status == 200)
				ready = 1;
			close(fd);
			if (ready == 1)
				break;
		}
		sleep_ms(50);
	}
	buf_free(&req);
	buf_free(&in);
	return ready;
}

/* One authenticated request.  The server caches a verified secret; this
 * keeps its PBKDF2 out of the first run (where 32 connections arriving
 * together on a cold cache would each pay for one). */
static int
warm_auth(void)
{
	struct buf req = BUF_INIT, in = BUF_INIT;
	struct resp r;
	int fd, rc = -1;

	req_head(&req, "GET", "/statements?limit=1");
	req_body(&req, NULL, NULL, 0);
	if ((fd = tcp_connect(srv.port)) >= 0) {
		if (http_blocking(fd, &req, &in, &r) == 0 && r.status == 200)
			rc = 0;
		close(fd);
	}
	if (rc != 0)
		fprintf(stderr, "bench: GET /xapi/statements as " USER
		    " failed\n");
	buf_free(&req);
	buf_free(&in);
	return rc;
}

/* The directory of the data directories and the log. */
static int
tmp_make(void)
{
	snprintf(srv.tmp, sizeof(srv.tmp), "/tmp/lrsd-bench.XXXXXX");
	if (mkdtemp(srv.tmp) == NULL) {
		fprintf(stderr, "bench: mkdtemp: %s\n", strerror(errno));
		srv.tmp[0] = '\0';
		return -1;
	}
	snprintf(srv.log, sizeof(srv.log), "%s/lrsd.log", srv.tmp);
	return 0;
}

/* Start lrsd on the data directory data (made when missing). */
static int
server_start(const char *data)
{
	int attempt, rc;

	if (access(opt.lrsd, X_OK) != 0) {
		fprintf(stderr, "bench: %s: %s\n", opt.lrsd, strerror(errno));
		return -1;
	}
	snprintf(srv.data, sizeof(srv.data), "%s", data);
	if (mkdir(srv.data, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "bench: mkdir %s: %s\n", srv.data,
		    strerror(errno));
		return -1;
	}
	for (attempt = 0; attempt < 3; attempt++) {
		if ((srv.port = free_port()) < 0) {
			fprintf(stderr, "bench: no free port\n");
			return -1;
		}
		if ((srv.pid = spawn()) < 0) {
			fprintf(stderr, "bench: fork: %s\n", strerror(errno));
			srv.pid = 0;
			return -1;
		}
		rc = wait_ready();
		if (rc == 1)
			return warm_auth();
		if (rc < 0) {
			fprintf(stderr, "bench: %s did not answer /xapi/about "
			    "within %d s\n", opt.lrsd, START_TIMEOUT);
			dump_log();
			return -1;
		}
		/* It exited: perhaps someone took the port; try another. */
	}
	fprintf(stderr, "bench: %s exited at start\n", opt.lrsd);
	dump_log();
	return -1;
}

/* Nonzero while the server runs; says so when it died. */
static int
server_alive(void)
{
	int st;

	if (srv.pid > 0 && waitpid(srv.pid, &st, WNOHANG) == srv.pid) {
		srv.pid = 0;
		if (WIFSIGNALED(st))
			fprintf(stderr, "bench: lrsd died of signal %d\n",
			    WTERMSIG(st));
		else
			fprintf(stderr, "bench: lrsd exited with status %d\n",
			    WEXITSTATUS(st));
		dump_log();
	}
	return srv.pid > 0;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* SIGTERM, wait (SIGKILL after 60 s).  0 when the server exited
 * cleanly. */
static int
server_stop(void)
{
	int i, st = 0, rc = 0;

	if (srv.pid > 0) {
		kill(srv.pid, SIGTERM);
		for (i = 0; i < 1200; i++) {
			if (waitpid(srv.pid, &st, WNOHANG) == srv.pid)
				break;
			sleep_ms(50);
		}
		if (i == 1200) {
			fprintf(stderr, "bench: lrsd ignored SIGTERM; "
			    "killing it\n");
			kill(srv.pid, SIGKILL);
			waitpid(srv.pid, &st, 0);
			rc = -1;
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "bench: lrsd stopped badly (status "
			    "0x%x)\n", st);
			dump_log();
			rc = -1;
		}
		srv.pid = 0;
	}
	return rc;
}

/* Remove a directory and everything under it. */
static void
rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the requests of each scenario --------------------------------- */

/* An ISO 8601 UTC time, with milliseconds, from ms since the epoch. */
static void
iso_ms(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[24];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", s, (int)(ms % 1000));
}

/* A stored statement at random, never one the stream voids. */
static uint64_t
stored_one(struct worker *w)
{
	uint64_t i = rnd(w->rng) % reads.count;

	if (i % 500 == 249 && i + 1 < reads.count)
		i++;
	return i;
}

/* The target of the next query of w's scenario into t. */
static void
query_target(struct worker *w, struct conn *c, struct buf *t)
{
	struct stmtgen_pick p;
	char when[32], id[37];
	uint64_t i = stored_one(w);
	int64_t span = reads.last_ms - reads.first_ms;

	stmtgen_pick(opt.seed, i, &p);
	if (w->run->sc->what == Q_REGISTRATION)
		while (!p.registered)
			stmtgen_pick(opt.seed, i = stored_one(w), &p);
	/* A voiding statement's verb is "voided" and a StatementRef is no
	 * Activity: p.verb and p.activity are then not its own, and in a
	 * small store nothing else may have them (an empty page). */
	while (w->run->sc->what != Q_ID && (p.voiding ||
	    (w->run->sc->what == Q_ACTIVITY && p.ref)))
		stmtgen_pick(opt.seed, i = stored_one(w), &p);
	iso_ms(reads.first_ms + (int64_t)(rnd(w->rng) % (uint64_t)(span + 1)),
	    when);
	buf_puts(t, "/statements?");
	switch (w->run->sc->what) {
	case Q_AGENT_VERB:
		buf_puts(t, "verb=");
		stmtgen_q_verb(t, p.verb);
		buf_putc(t, '&');
		/* FALLTHROUGH */
	case Q_AGENT:
		buf_puts(t, "agent=");
		stmtgen_q_agent(t, p.actor);
		break;
	case Q_VERB:
		buf_puts(t, "verb=");
		stmtgen_q_verb(t, p.verb);
		break;
	case Q_ACTIVITY:
		buf_puts(t, "activity=");
		stmtgen_q_activity(t, p.activity);
		break;
	case Q_REGISTRATION:
		buf_puts(t, "registration=");
		stmtgen_q_registration(t, p.actor, p.course);
		break;
	case Q_SINCE:
		buf_printf(t, "since=%s", when);
		break;
	case Q_UNTIL:
		buf_printf(t, "until=%s", when);
		break;
	case Q_RELATED_ACT:
		buf_puts(t, "related_activities=true&activity=");
		stmtgen_q_program(t, p.course);
		break;
	case Q_RELATED_AGENTS:
		buf_puts(t, "related_agents=true&agent=");
		stmtgen_q_instructor(t, rnd_below(w->rng, STMTGEN_COURSES));
		break;
	case Q_ID:
		stmtgen_id(opt.seed, i, id);
		buf_printf(t, "statementId=%s", id);
		snprintf(c->expect, sizeof(c->expect), "%s", id);
		return;
	case Q_DEEP:
		buf_reset(t);
		buf_puts(t, reads.deep);
		snprintf(c->expect, sizeof(c->expect), "\"statements\"");
		return;
	}
	buf_printf(t, "%slimit=%d", t->p[t->len - 1] == '?' ? "" : "&",
	    LIMIT);
	snprintf(c->expect, sizeof(c->expect), "\"statements\"");
}

/* About 1 KB of JSON a course player might keep. */
static void
doc_json(struct worker *w, struct buf *b, int doc)
{
	unsigned i;

	buf_printf(b, "{\"bookmark\":\"module-%d/page-%u\",\"progress\":"
	    "0.%02u,\"attempt\":%u,\"answers\":[", doc,
	    rnd_below(w->rng, 40), rnd_below(w->rng, 100),
	    1 + rnd_below(w->rng, 3));
	for (i = 0; b->len < DOC_SIZE - 60; i++)
		buf_printf(b, "%s{\"q\":%u,\"a\":\"%c\",\"ok\":%s}",
		    i ? "," : "", i, 'a' + rnd_below(w->rng, 4),
		    rnd_below(w->rng, 2) ? "true" : "false");
	buf_puts(b, "],\"pad\":\"");
	while (b->len < DOC_SIZE - 2)
		buf_putc(b, 'x');
	buf_puts(b, "\"}");
}

/* The next document request of c: State is PUT then GET; a profile is
 * read (for its ETag) and then PUT with If-Match, as a careful client
 * does. */
static void
build_doc(struct worker *w, struct conn *c, struct buf *b, struct buf *body)
{
	struct buf t = BUF_INIT;
	unsigned k = (unsigned)c->index % STMTGEN_ACTORS;
	unsigned a = (unsigned)c->doc % STMTGEN_ACTIVITIES;
	int what = w->run->sc->what, put;

	if (what == D_STATE) {
		buf_puts(&t, "/activities/state?stateId=bench-state-");
		buf_printf(&t, "%d&activityId=", c->doc);
		stmtgen_q_activity(&t, a);
		buf_puts(&t, "&agent=");
		stmtgen_q_agent(&t, k);
	} else if (what == D_ACTPROF) {
		buf_printf(&t, "/activities/profile?profileId=bench-%d-%d"
		    "&activityId=", c->index, c->doc);
		stmtgen_q_activity(&t, a);
	} else {
		buf_printf(&t, "/agents/profile?profileId=bench-%d&agent=",
		    c->doc);
		stmtgen_q_agent(&t, k);
	}
	put = what == D_STATE ? c->phase == 0 : c->phase == 1;
	req_head(b, put ? "PUT" : "GET", t.p);
	if (put) {
		if (what != D_STATE && c->etag[0])
			buf_printf(b, "If-Match: %s\r\n", c->etag);
		else if (what != D_STATE)
			buf_puts(b, "If-None-Match: *\r\n");
		doc_json(w, body, c->doc);
		req_body(b, "application/json", body->p, body->len);
	} else {
		if (what == D_STATE)
			snprintf(c->expect, sizeof(c->expect), "\"bookmark\"");
		req_body(b, NULL, NULL, 0);
	}
	buf_free(&t);
}

/* Build the next request of connection c into c->req. */
static void
build(struct worker *w, struct conn *c)
{
	const struct scenario *sc = w->run->sc;
	struct buf *b = &c->req, *body = &w->body;
	int n = sc->kind == K_POST100 ? BATCH : 1;

	buf_reset(b);
	buf_reset(body);
	c->expect[0] = '\0';
	switch (sc->kind) {
	case K_POST1:
	case K_POST100:
		req_post(b, body, __atomic_fetch_add(&post_next, (uint64_t)n,
		    __ATOMIC_RELAXED), n);
		break;
	case K_QUERY:
		query_target(w, c, body);
		req_head(b, "GET", body->p);
		req_body(b, NULL, NULL, 0);
		break;
	case K_DOC:
		build_doc(w, c, b, body);
		break;
	}
}

/* How many units a successful answer of sc counts for. */
static uint64_t
units(const struct scenario *sc)
{
	return sc->kind == K_POST100 ? BATCH : 1;
}

/* ---- the client threads -------------------------------------------- */

static void
note_error(struct worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note_error(struct worker *w, const char *fmt, ...)
{
	va_list ap;
	char *p;

	w->res.errors++;
	if (w->res.first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(w->res.first_error, sizeof(w->res.first_error), fmt, ap);
	va_end(ap);
	for (p = w->res.first_error; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
}

static int
conn_open(struct conn *c, int ep)
{
	struct epoll_event ev;

	c->fd = tcp_connect(srv.port);
	if (c->fd < 0)
		return -1;
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	c->want_out = 0;
	return 0;
}

static void
conn_close(struct conn *c, int ep)
{
	if (c->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
}

/* Send what remains of the request.  0 when all is sent or the socket is
 * full, -1 on error. */
static int
conn_send(struct conn *c)
{
	ssize_t n;

	while (c->woff < c->req.len) {
		n = send(c->fd, c->req.p + c->woff, c->req.len - c->woff,
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		c->woff += (size_t)n;
	}
	return 0;
}

/* Ask epoll for writability only while part of the request waits:
 * level-triggered EPOLLOUT on an idle socket would spin. */
static void
conn_watch(struct conn *c, int ep)
{
	struct epoll_event ev;
	int out = c->woff < c->req.len;

	if (c->fd < 0 || out == c->want_out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = out;
}

/* Start the next request on c, or retire c after the deadline. */
static void
conn_next(struct worker *w, struct conn *c, int ep)
{
	for (;;) {
		if (now_ns() >= w->run->end_ns) {
			conn_close(c, ep);
			c->done = 1;
			return;
		}
		if (c->fd < 0 && conn_open(c, ep) != 0) {
			note_error(w, "cannot connect: %s", strerror(errno));
			sleep_ms(10);
			continue;
		}
		build(w, c);
		c->woff = 0;
		c->t0 = now_ns();
		if (conn_send(c) == 0)
			break;
		note_error(w, "send: %s", strerror(errno));
		conn_close(c, ep);
	}
	conn_watch(c, ep);
}

/* The number of statements in a StatementResult, or -1. */
static int
page_count(const char *body, size_t len)
{
	json *j = NULL, *list;
	int n = -1;

	if (json_parse(body, len, 64, &j, NULL, 0) == JSON_OK &&
	    (list = json_get(j, "statements")) != NULL &&
	    list->type == JSON_ARRAY)
		n = (int)list->n;
	json_free(j);
	return n;
}

/* A complete answer came on c. */
static void
conn_answered(struct worker *w, struct conn *c, const struct resp *r)
{
	const struct scenario *sc = w->run->sc;
	uint64_t t = now_ns();
	const char *body = c->rb.p + r->body_off;
	int n, full, missing;

	w->res.bytes += r->total;
	/* A profile's first GET finds no document yet. */
	missing = sc->kind == K_DOC && sc->what != D_STATE && c->phase == 0 &&
	    r->status == 404;
	if ((r->status < 200 || r->status > 299) && !missing) {
		n = (int)(r->body_len < 120 ? r->body_len : 120);
		note_error(w, "HTTP %d: %.*s", r->status, n, body);
		return;
	}
	if (c->expect[0] && r->body_off + r->body_len == r->total &&
	    memmem(body, r->body_len, c->expect, strlen(c->expect)) == NULL) {
		n = (int)(r->body_len < 120 ? r->body_len : 120);
		note_error(w, "answer without %s: %.*s", c->expect, n, body);
		return;
	}
	if (!c->checked && sc->kind == K_QUERY && sc->what != Q_ID &&
	    r->body_off + r->body_len == r->total) {
		/* Parse one page per connection: enough to know the figures
		 * count real pages, too little to load the client. */
		c->checked = 1;
		n = page_count(body, r->body_len);
		full = sc->what == Q_PAGE1 || sc->what == Q_DEEP;
		if (full ? n != LIMIT : n < 1 || n > LIMIT) {
			note_error(w, "a page of %d statements", n);
			return;
		}
	}
	/* Latencies of successes only: a fast refusal is no figure. */
	if (w->nlat == w->caplat) {
		w->caplat = w->caplat ? 2 * w->caplat : 4096;
		w->lat = xrealloc(w->lat, w->caplat * sizeof(*w->lat));
	}
	w->lat[w->nlat++] = t - c->t0;
	w->res.requests++;
	w->res.units += units(sc);
	c->answered++;
	if (sc->kind == K_DOC) {
		if (c->phase == 0)
			snprintf(c->etag, sizeof(c->etag), "%s",
			    missing ? "" : r->etag);
		if (c->phase == 1)
			c->doc = (c->doc + 1) % DOCS;
		c->phase = !c->phase;
	}
}

/* Read what is there on c; handle its answer once it is complete. */
static void
conn_readable(struct worker *w, struct conn *c, int ep)
{
	struct resp r;
	ssize_t n;
	int eof = 0, rc;

	for (;;) {
		buf_grow(&c->rb, 65536);
		n = recv(c->fd, c->rb.p + c->rb.len, c->rb.cap - c->rb.len - 1,
		    0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			eof = 1;
			break;
		}
		c->rb.len += (size_t)n;
		c->rb.p[c->rb.len] = '\0';
	}
	rc = resp_parse(c->rb.p, c->rb.len, eof, &r);
	if (rc > 0 && c->woff < c->req.len) {
		/* An answer before the whole request was sent (413...). */
		r.close = 1;
	}
	if (rc < 0) {
		note_error(w, "malformed answer: %.60s", c->rb.p);
		buf_reset(&c->rb);
		conn_close(c, ep);
		conn_next(w, c, ep);
		return;
	}
	if (rc == 0) {
		if (eof) {
			note_error(w, "connection closed before the answer");
			buf_reset(&c->rb);
			conn_close(c, ep);
			conn_next(w, c, ep);
		}
		return;
	}
	conn_answered(w, c, &r);
	/* One request in flight: anything after the answer is garbage. */
	buf_reset(&c->rb);
	if (r.close || eof)
		conn_close(c, ep);
	conn_next(w, c, ep);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	struct epoll_event evs[64];
	struct conn *c;
	int ep, i, n, live;
	uint64_t hard_end;

	ep = epoll_create1(EPOLL_CLOEXEC);
	w->conns = xcalloc((size_t)w->n, sizeof(*w->conns));
	for (i = 0; i < w->n; i++) {
		c = &w->conns[i];
		c->index = w->first + i;
		c->fd = -1;
		if (conn_open(c, ep) != 0)
			note_error(w, "cannot connect: %s", strerror(errno));
	}
	pthread_barrier_wait(&run->ready);
	for (i = 0; i < w->n; i++)
		conn_next(w, &w->conns[i], ep);
	hard_end = run->end_ns + (uint64_t)IO_TIMEOUT * 1000000000u;
	for (;;) {
		for (live = 0, i = 0; i < w->n; i++)
			live += !w->conns[i].done;
		if (live == 0)
			break;
		if (now_ns() > hard_end) {
			for (i = 0; i < w->n; i++) {
				if (w->conns[i].done)
					continue;
				note_error(w, "no answer within %d s",
				    IO_TIMEOUT);
				conn_close(&w->conns[i], ep);
				w->conns[i].done = 1;
			}
			break;
		}
		n = epoll_wait(ep, evs, 64, 100);
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if (c->done || c->fd < 0)
				continue;
			if ((evs[i].events & EPOLLOUT) &&
			    c->woff < c->req.len) {
				if (conn_send(c) != 0) {
					note_error(w, "send: %s",
					    strerror(errno));
					conn_close(c, ep);
					conn_next(w, c, ep);
					continue;
				}
				conn_watch(c, ep);
			}
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				conn_readable(w, c, ep);
		}
	}
	pthread_mutex_lock(&run->lock);
	if (w->nlat) {
		if (run->nlat + w->nlat > run->caplat) {
			run->caplat = run->nlat + w->nlat;
			run->lat = xrealloc(run->lat,
			    run->caplat * sizeof(*run->lat));
		}
		memcpy(run->lat + run->nlat, w->lat,
		    w->nlat * sizeof(*w->lat));
		run->nlat += w->nlat;
	}
	run->res.requests += w->res.requests;
	run->res.errors += w->res.errors;
	run->res.units += w->res.units;
	run->res.bytes += w->res.bytes;
	if (!run->res.first_error[0] && w->res.first_error[0])
		memcpy(run->res.first_error, w->res.first_error,
		    sizeof(run->res.first_error));
	if (now_ns() > run->last_ns)
		run->last_ns = now_ns();
	pthread_mutex_unlock(&run->lock);
	for (i = 0; i < w->n; i++)
		run->answered[w->first + i] = w->conns[i].answered;
	for (i = 0; i < w->n; i++) {
		conn_close(&w->conns[i], ep);
		buf_free(&w->conns[i].req);
		buf_free(&w->conns[i].rb);
	}
	close(ep);
	free(w->conns);
	free(w->lat);
	buf_free(&w->body);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
percentile(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1e6;
}

/* One timed run of sc; the figures go to *res. */
static void
run_once(const struct scenario *sc, double seconds, struct result *res)
{
	struct run run;
	struct worker *ws;
	pthread_t *tids;
	int i, per, extra, first = 0;

	memset(&run, 0, sizeof(run));
	run.sc = sc;
	run.conns = opt.conns ? opt.conns : sc->conns;
	run.threads = opt.threads < run.conns ? opt.threads : run.conns;
	pthread_mutex_init(&run.lock, NULL);
	pthread_barrier_init(&run.ready, NULL, (unsigned)run.threads + 1);
	run.answered = xcalloc((size_t)run.conns, sizeof(*run.answered));
	ws = xcalloc((size_t)run.threads, sizeof(*ws));
	tids = xcalloc((size_t)run.threads, sizeof(*tids));
	per = run.conns / run.threads;
	extra = run.conns % run.threads;
	for (i = 0; i < run.threads; i++) {
		ws[i].run = &run;
		ws[i].first = first;
		ws[i].n = per + (i < extra);
		first += ws[i].n;
		rnd_seed(ws[i].rng, (uint64_t)i + 1);
		pthread_create(&tids[i], NULL, worker_main, &ws[i]);
	}
	/* Everyone is connected: start the clock. */
	run.start_ns = now_ns();
	run.end_ns = run.start_ns + (uint64_t)(seconds * 1e9);
	pthread_barrier_wait(&run.ready);
	for (i = 0; i < run.threads; i++)
		pthread_join(tids[i], NULL);
	run.res.secs = (double)(run.last_ns - run.start_ns) / 1e9;
	for (i = 0; i < run.conns; i++)
		if (run.answered[i] * 10 * (uint64_t)run.conns <
		    run.res.requests)
			run.res.starved++;
	qsort(run.lat, run.nlat, sizeof(*run.lat), cmp_u64);
	run.res.p50 = percentile(run.lat, run.nlat, 0.50);
	run.res.p99 = percentile(run.lat, run.nlat, 0.99);
	*res = run.res;
	free(run.lat);
	free(run.answered);
	free(ws);
	free(tids);
	pthread_barrier_destroy(&run.ready);
	pthread_mutex_destroy(&run.lock);
}

/* ---- the report ---------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median, min and max of n values. */
static void
stats(double *v, int n, double *med, double *min, double *max)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	*min = v[0];
	*max = v[n - 1];
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
machine(char *out, size_t len)
{
	char line[256], *p, *e;
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(out, len, "unknown cpu");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) != 0 ||
		    (p = strchr(line, ':')) == NULL)
			continue;
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if ((e = strchr(p, '\n')) != NULL)
			*e = '\0';
		snprintf(out, len, "%s", p);
		break;
	}
	fclose(f);
}

static int
selected(const char *name)
{
	const char *p = opt.only;
	size_t n = strlen(name);

	if (p == NULL)
		return 1;
	while ((p = strstr(p, name)) != NULL) {
		if ((p == opt.only || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
		p += n;
	}
	return 0;
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: bench LRSD [--statements N] [--keep DIR] "
	    "[--seed S] [--no-empty]\n"
	    "             [--seconds S] [--runs R] [--threads T] "
	    "[--only NAME[,NAME..]]\n"
	    "             [--lrsd-threads N] [--conns C]\n"
	    "  --statements N    statements preloaded before the reads "
	    "(default 1000000)\n"
	    "  --keep DIR        keep the preload in DIR/data and reuse it "
	    "(copied for each run)\n"
	    "  --seed S          the generator's stream (default %d)\n"
	    "  --no-empty        skip the writes on an empty store\n"
	    "  --cold            with --keep: sync and drop the page cache "
	    "after the copy\n"
	    "                    (as root), so the server starts as after a "
	    "reboot\n"
	    "  --seconds S       length of each run (default 5)\n"
	    "  --runs R          runs per scenario; the median is shown "
	    "(default 3)\n"
	    "  --threads T       client threads (default: number of CPUs)\n"
	    "  --only NAMES      run only these scenarios\n"
	    "  --lrsd-threads N  lrsd --threads (default 64; keep it above "
	    "the connections)\n"
	    "  --conns C         connections of every scenario (default: "
	    "each its own)\n"
	    "scenarios (the writes run on an empty store and on the preload, "
	    "the rest on the preload):\n", SEED);
	for (i = 0; i < N_SCENARIOS; i++)
		fprintf(f, "  %-18s %2d conns  %s\n", scenarios[i].name,
		    scenarios[i].conns, scenarios[i].help);
}

/* The value of option argv[*i], or NULL (said on stderr). */
static const char *
str_arg(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "bench: %s needs a value\n", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int
num_arg(int argc, char **argv, int *i, double lo, double hi, double *out)
{
	char *end;

	if (*i + 1 >= argc) {
		fprintf(stderr, "bench: %s needs a value\n", argv[*i]);
		return -1;
	}
	*out = strtod(argv[*i + 1], &end);
	if (*end != '\0' || end == argv[*i + 1] || *out < lo || *out > hi) {
		fprintf(stderr, "bench: bad value for %s: '%s'\n", argv[*i],
		    argv[*i + 1]);
		return -1;
	}
	(*i)++;
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	double v;
	size_t k;
	int i, found;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(argv[i], "--seconds") == 0) {
			if (num_arg(argc, argv, &i, 0.1, 3600, &v))
				return -1;
			opt.seconds = v;
		} else if (strcmp(argv[i], "--runs") == 0) {
			if (num_arg(argc, argv, &i, 1, 100, &v))
				return -1;
			opt.runs = (int)v;
		} else if (strcmp(argv[i], "--threads") == 0) {
			if (num_arg(argc, argv, &i, 1, 256, &v))
				return -1;
			opt.threads = (int)v;
		} else if (strcmp(argv[i], "--lrsd-threads") == 0) {
			if (num_arg(argc, argv, &i, 1, 1024, &v))
				return -1;
			opt.lrsd_threads = (int)v;
		} else if (strcmp(argv[i], "--conns") == 0) {
			if (num_arg(argc, argv, &i, 1, MAX_CONNS, &v))
				return -1;
			opt.conns = (int)v;
		} else if (strcmp(argv[i], "--statements") == 0) {
			if (num_arg(argc, argv, &i, 2000, 1e9, &v))
				return -1;
			opt.statements = (uint64_t)v;
		} else if (strcmp(argv[i], "--seed") == 0) {
			if (num_arg(argc, argv, &i, 0, 1e15, &v))
				return -1;
			opt.seed = (uint64_t)v;
		} else if (strcmp(argv[i], "--no-empty") == 0) {
			opt.skip_empty = 1;
		} else if (strcmp(argv[i], "--cold") == 0) {
			opt.cold = 1;
		} else if (strcmp(argv[i], "--keep") == 0) {
			if ((opt.keep = str_arg(argc, argv, &i)) == NULL)
				return -1;
		} else if (strcmp(argv[i], "--only") == 0) {
			if ((opt.only = str_arg(argc, argv, &i)) == NULL)
				return -1;
		} else if (argv[i][0] == '-' || opt.lrsd != NULL) {
			fprintf(stderr, "bench: unexpected argument '%s'\n",
			    argv[i]);
			return -1;
		} else
			opt.lrsd = argv[i];
	}
	if (opt.lrsd == NULL) {
		usage(stderr);
		return -1;
	}
	if (opt.only) {
		for (found = 0, k = 0; k < N_SCENARIOS; k++)
			found += selected(scenarios[k].name);
		if (!found) {
			fprintf(stderr, "bench: --only names no scenario\n");
			usage(stderr);
			return -1;
		}
	}
	if (opt.threads == 0) {
		opt.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
		if (opt.threads < 1)
			opt.threads = 1;
	}
	return 0;
}

/* The most memory the server held outside the LMDB maps in a phase
 * (sampled every 250 ms during the scenarios). */
static struct procstat peak;
static pthread_mutex_t peak_lock = PTHREAD_MUTEX_INITIALIZER;

static void
note_memory(const struct procstat *ps)
{
	pthread_mutex_lock(&peak_lock);
	if (ps->rss - ps->rss_mdb > peak.rss - peak.rss_mdb)
		peak = *ps;
	pthread_mutex_unlock(&peak_lock);
}

static const char *
mb_text(uint64_t bytes, char *out, size_t len)
{
	snprintf(out, len, "%.1f MB", (double)bytes / 1048576.0);
	return out;
}

/* The server's CPU time per unit and, for writes, per statement: the
 * bytes of page cache it dirtied (/proc/PID/io write_bytes, counted when a
 * clean page becomes dirty, in whole folios: on this kernel a 4 KB pwrite
 * into a 16 KB folio counts 16 KB) and the bytes the device wrote
 * (/proc/diskstats: by everyone on the machine), between two readings. */
static void
per_unit(const struct procstat *a, const struct procstat *b, uint64_t disk,
    uint64_t n, const struct scenario *sc)
{
	double cpu;

	if (n == 0)
		return;
	cpu = (double)(b->cpu_us - a->cpu_us) / (double)n;
	printf("  cpu %6.1f us/%s", cpu, sc == NULL || sc->kind <= K_POST100 ?
	    "stmt" : sc->kind == K_DOC ? "op" : "req");
	if (sc != NULL && sc->kind > K_POST100)
		return;
	printf("  dirtied %6.0f B/stmt  device %6.0f B/stmt",
	    (double)(b->write_bytes - a->write_bytes) / (double)n,
	    (double)disk / (double)n);
}

/* Print the server's memory now and the most outside the maps so far. */
static void
memory_line(const char *when)
{
	struct procstat ps;
	char a[32], b[32], c[32], d[32];

	if (procstat_read(srv.pid, &ps) != 0)
		return;
	note_memory(&ps);
	printf("memory %-11s RSS %s, LMDB map pages %s, outside the map %s "
	    "(most in this phase %s)\n", when, mb_text(ps.rss, a, sizeof(a)),
	    mb_text(ps.rss_mdb, b, sizeof(b)),
	    mb_text(ps.rss - ps.rss_mdb, c, sizeof(c)),
	    mb_text(peak.rss - peak.rss_mdb, d, sizeof(d)));
	fflush(stdout);
}

/* Samples the server's memory every 250 ms while a scenario runs. */
static int sampling;

static void *
sampler_main(void *arg)
{
	struct procstat ps;

	(void)arg;
	while (__atomic_load_n(&sampling, __ATOMIC_RELAXED)) {
		if (procstat_read(srv.pid, &ps) == 0)
			note_memory(&ps);
		sleep_ms(250);
	}
	return NULL;
}

/* Run sc opt.runs times and print its line.  Returns the errors. */
static uint64_t
scenario(const struct scenario *sc, struct buf *failures)
{
	double *rate = xcalloc((size_t)opt.runs, sizeof(double));
	double *p50 = xcalloc((size_t)opt.runs, sizeof(double));
	double *p99 = xcalloc((size_t)opt.runs, sizeof(double));
	double *mbs = xcalloc((size_t)opt.runs, sizeof(double));
	double med, lo, hi, m50, m99, mmb, unused;
	struct result res;
	uint64_t errors = 0, requests = 0;
	char a[32], b[32], c[32], l50[24], l99[24], first[200] = "";
	int i, starved = 0, conns = opt.conns ? opt.conns : sc->conns;
	struct procstat ps0, ps1;
	uint64_t units_all = 0, disk0 = 0, disk1 = 0;
	pthread_t sampler;

	procstat_read(srv.pid, &ps0);
	procstat_disk(srv.data, &disk0);
	sampling = 1;
	pthread_create(&sampler, NULL, sampler_main, NULL);
	for (i = 0; i < opt.runs; i++) {
		run_once(sc, opt.seconds, &res);
		rate[i] = res.secs > 0 ? (double)res.units / res.secs : 0;
		mbs[i] = res.secs > 0 ? (double)res.bytes / res.secs / 1e6 : 0;
		p50[i] = res.p50;
		p99[i] = res.p99;
		errors += res.errors;
		if (res.starved > starved)
			starved = res.starved;
		requests += res.requests + res.errors;
		units_all += res.units;
		if (!first[0] && res.first_error[0])
			snprintf(first, sizeof(first), "%s", res.first_error);
		if (!server_alive())
			break;
	}
	if (i < opt.runs)
		i++;
	__atomic_store_n(&sampling, 0, __ATOMIC_RELAXED);
	pthread_join(sampler, NULL);
	if (procstat_read(srv.pid, &ps1) != 0)
		ps1 = ps0;
	if (procstat_disk(srv.data, &disk1) != 0)
		disk1 = disk0;
	note_memory(&ps1);
	stats(rate, i, &med, &lo, &hi);
	stats(p50, i, &m50, &unused, &unused);
	stats(p99, i, &m99, &unused, &unused);
	stats(mbs, i, &mmb, &unused, &unused);
	printf("%-18s %9s %-7s  p50 %8s  p99 %8s", sc->name,
	    commas((uint64_t)(med + 0.5), a, sizeof(a)), sc->unit,
	    ms_text(m50, l50, sizeof(l50)), ms_text(m99, l99, sizeof(l99)));
	per_unit(&ps0, &ps1, disk1 - disk0, units_all, sc);
	if (sc->kind == K_QUERY)
		printf("  %.0f MB/s", mmb);
	printf("   (min %s max %s, %d runs, %d conns)\n",
	    commas((uint64_t)(lo + 0.5), b, sizeof(b)),
	    commas((uint64_t)(hi + 0.5), c, sizeof(c)), i, conns);
	if (starved)
		printf("  (unfair: %d of %d connections got under a tenth of "
		    "the mean share of answers; lrsd --threads too low?)\n",
		    starved, conns);
	fflush(stdout);
	if (errors) {
		buf_printf(failures, "  %s: %s of %s requests failed; first: "
		    "%s\n", sc->name, commas(errors, a, sizeof(a)),
		    commas(requests, b, sizeof(b)), first);
	}
	free(rate);
	free(p50);
	free(p99);
	free(mbs);
	return errors;
}

/* ---- the preload ---------------------------------------------------- */

/* The preload in progress, shared by its connections. */
static struct {
	uint64_t	next;		/* the next statement to send */
	uint64_t	done;		/* statements stored */
	uint64_t	jbytes;		/* bytes of their JSON */
	int		failed;
	char		error[200];
} pre;

static void *
preload_main(void *arg)
{
	struct buf req = BUF_INIT, in = BUF_INIT, body = BUF_INIT;
	struct resp r;
	uint64_t first, n, jbytes;
	int fd = -1;

	(void)arg;
	for (;;) {
		first = __atomic_fetch_add(&pre.next, PRELOAD_BATCH,
		    __ATOMIC_RELAXED);
		if (first >= opt.statements ||
		    __atomic_load_n(&pre.failed, __ATOMIC_RELAXED))
			break;
		n = opt.statements - first < PRELOAD_BATCH ?
		    opt.statements - first : PRELOAD_BATCH;
		if (fd < 0 && (fd = tcp_connect(srv.port)) < 0) {
			snprintf(pre.error, sizeof(pre.error), "connect: %s",
			    strerror(errno));
			goto fail;
		}
		buf_reset(&req);
		jbytes = req_post(&req, &body, first, (int)n);
		if (http_blocking(fd, &req, &in, &r) != 0 || r.status != 200) {
			snprintf(pre.error, sizeof(pre.error), "POST of "
			    "statements %llu..: HTTP %d %.120s",
			    (unsigned long long)first, r.status,
			    in.p ? in.p + r.body_off : "");
			goto fail;
		}
		if (r.close) {
			close(fd);
			fd = -1;
		}
		__atomic_fetch_add(&pre.done, n, __ATOMIC_RELAXED);
		__atomic_fetch_add(&pre.jbytes, jbytes, __ATOMIC_RELAXED);
	}
	goto out;
fail:
	__atomic_store_n(&pre.failed, 1, __ATOMIC_RELAXED);
out:
	if (fd >= 0)
		close(fd);
	buf_free(&req);
	buf_free(&in);
	buf_free(&body);
	return NULL;
}

/* Store statements 0..opt.statements-1 of the stream into the running
 * server, printing progress on stderr and the figures of the whole
 * preload.  *jbytes: bytes of statement JSON posted. */
static int
preload(uint64_t *jbytes)
{
	pthread_t tids[PRELOAD_CONNS];
	struct procstat ps0, ps1;
	uint64_t t0 = now_ns(), shown = 0, done, disk0 = 0, disk1 = 0;
	double secs;
	char a[32], b[32];
	int i;

	memset(&pre, 0, sizeof(pre));
	procstat_read(srv.pid, &ps0);
	procstat_disk(srv.data, &disk0);
	for (i = 0; i < PRELOAD_CONNS; i++)
		pthread_create(&tids[i], NULL, preload_main, NULL);
	while ((done = __atomic_load_n(&pre.done, __ATOMIC_RELAXED)) <
	    opt.statements && !__atomic_load_n(&pre.failed, __ATOMIC_RELAXED)
	    && server_alive()) {
		sleep_ms(200);
		if (procstat_read(srv.pid, &ps1) == 0)
			note_memory(&ps1);
		if (done >= shown + opt.statements / 10) {
			shown = done;
			fprintf(stderr, "bench: preload: %s of %s stored, "
			    "%.0f s\n", commas(done, a, sizeof(a)),
			    commas(opt.statements, b, sizeof(b)),
			    (double)(now_ns() - t0) / 1e9);
		}
	}
	for (i = 0; i < PRELOAD_CONNS; i++)
		pthread_join(tids[i], NULL);
	if (pre.failed || pre.done < opt.statements) {
		fprintf(stderr, "bench: preload failed: %s\n", pre.error);
		return -1;
	}
	secs = (double)(now_ns() - t0) / 1e9;
	procstat_read(srv.pid, &ps1);
	if (procstat_disk(srv.data, &disk1) != 0)
		disk1 = disk0;
	printf("%-18s %9s stmt/s  %s statements in %.0f s", "preload",
	    commas((uint64_t)((double)pre.done / secs), a, sizeof(a)),
	    commas(pre.done, b, sizeof(b)), secs);
	per_unit(&ps0, &ps1, disk1 - disk0, pre.done, NULL);
	printf("  (%d conns, batches of %d)\n", PRELOAD_CONNS,
	    PRELOAD_BATCH);
	fflush(stdout);
	*jbytes = pre.jbytes;
	return 0;
}

/* The record of a kept preload: DIR/preload.txt. */
static int
marker_read(const char *dir, uint64_t *n, uint64_t *seed, uint64_t *jbytes)
{
	char path[PATH_MAX];
	unsigned long long a, b, c;
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/preload.txt", dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(f, "statements %llu seed %llu json %llu", &a, &b, &c) ==
	    3) {
		*n = a;
		*seed = b;
		*jbytes = c;
		rc = 0;
	}
	fclose(f);
	return rc;
}

static int
marker_write(const char *dir, uint64_t jbytes)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/preload.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "statements %llu\nseed %llu\njson %llu\n",
	    (unsigned long long)opt.statements, (unsigned long long)opt.seed,
	    (unsigned long long)jbytes);
	return fclose(f);
}

/* Run cp -a --reflink=auto from to. */
static int
copy_tree(const char *from, const char *to)
{
	char *argv[] = { "cp", "-a", "--reflink=auto", (char *)from,
	    (char *)to, NULL };
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		execvp("cp", argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench: cp -a %s %s failed\n", from, to);
		return -1;
	}
	return 0;
}

/* Write back every dirty page and drop the clean page cache, so the copy
 * just made is read from the device like a store after a reboot, not
 * served from the large folios cp left behind.  Needs root. */
static int
drop_caches(void)
{
	FILE *f;

	sync();
	if ((f = fopen("/proc/sys/vm/drop_caches", "w")) == NULL) {
		fprintf(stderr, "bench: --cold: /proc/sys/vm/drop_caches: %s\n",
		    strerror(errno));
		return -1;
	}
	fputs("1\n", f);
	if (fclose(f) != 0) {
		fprintf(stderr, "bench: --cold: dropping the page cache: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Make the preloaded store in data (DIR/data with --keep, reused when
 * DIR/preload.txt says it holds this preload).  *jbytes: bytes of JSON. */
static int
preload_ready(const char *data, uint64_t *jbytes)
{
	uint64_t n, seed;
	char a[32];
	int rc;

	if (opt.keep && marker_read(opt.keep, &n, &seed, jbytes) == 0) {
		if (n == opt.statements && seed == opt.seed) {
			printf("(preload: %s statements kept in %s)\n",
			    commas(n, a, sizeof(a)), opt.keep);
			return 0;
		}
		fprintf(stderr, "bench: %s holds %llu statements of seed "
		    "%llu, not %llu of %llu: remove it or use another "
		    "--keep\n", opt.keep, (unsigned long long)n,
		    (unsigned long long)seed,
		    (unsigned long long)opt.statements,
		    (unsigned long long)opt.seed);
		return -1;
	}
	if (opt.keep && access(data, F_OK) == 0) {
		fprintf(stderr, "bench: %s exists without %s/preload.txt "
		    "(an interrupted preload?): remove it\n", data, opt.keep);
		return -1;
	}
	if (opt.keep && mkdir(opt.keep, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "bench: mkdir %s: %s\n", opt.keep,
		    strerror(errno));
		return -1;
	}
	if (server_start(data) != 0)
		return -1;
	memset(&peak, 0, sizeof(peak));
	rc = preload(jbytes);
	if (rc == 0)
		memory_line("at the end");
	if (server_stop() != 0)
		rc = -1;
	if (rc == 0 && opt.keep && marker_write(opt.keep, *jbytes) != 0) {
		fprintf(stderr, "bench: cannot write %s/preload.txt\n",
		    opt.keep);
		rc = -1;
	}
	return rc;
}

/* ---- what the reads need -------------------------------------------- */

/* GET target (blocking) into in; 0 when it answered 200. */
static int
get_blocking(const char *target, struct buf *in, struct resp *r)
{
	struct buf req = BUF_INIT;
	int fd, rc = -1;

	req_head(&req, "GET", target);
	req_body(&req, NULL, NULL, 0);
	if ((fd = tcp_connect(srv.port)) >= 0) {
		if (http_blocking(fd, &req, in, r) == 0 && r->status == 200)
			rc = 0;
		close(fd);
	}
	buf_free(&req);
	return rc;
}

/* ms since the epoch of the "stored" of the only statement of a page. */
static int
stored_ms(const char *target, int64_t *ms)
{
	struct buf in = BUF_INIT;
	struct resp r;
	json *j = NULL, *list, *st;
	struct tm tm;
	int msec = 0, rc = -1;

	memset(&tm, 0, sizeof(tm));
	if (get_blocking(target, &in, &r) == 0 &&
	    json_parse(in.p + r.body_off, r.body_len, 64, &j, NULL, 0) ==
	    JSON_OK && (list = json_get(j, "statements")) != NULL &&
	    list->type == JSON_ARRAY && list->n == 1 &&
	    (st = json_get(list->vals[0], "stored")) != NULL &&
	    st->type == JSON_STRING &&
	    sscanf(st->str, "%d-%d-%dT%d:%d:%d.%3d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &msec) >= 6) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		*ms = (int64_t)timegm(&tm) * 1000 + msec;
		rc = 0;
	}
	json_free(j);
	buf_free(&in);
	return rc;
}

/* The "more" link of a page, without its /xapi, into out; "" at the end. */
static int
more_link(const char *body, size_t len, struct buf *out)
{
	json *j = NULL, *more;
	int rc = -1;

	buf_reset(out);
	if (json_parse(body, len, 64, &j, NULL, 0) == JSON_OK &&
	    (more = json_get(j, "more")) != NULL &&
	    more->type == JSON_STRING) {
		buf_puts(out, strncmp(more->str, "/xapi", 5) == 0 ?
		    more->str + 5 : more->str);
		rc = 0;
	}
	json_free(j);
	return rc;
}

/* Page through ?limit=50 to the deepest page get-deep asks for, timing
 * each page, and keep the link to it.  Prints the walk's figures. */
static int
deep_walk(void)
{
	struct buf in = BUF_INIT, link = BUF_INIT;
	struct resp r;
	uint64_t t, first10 = 0, last10 = 0;
	int pages, i, rc = -1;
	char a[32], b[32], c[32];

	pages = (int)(reads.count / LIMIT / 2);
	if (pages > DEEP_PAGES)
		pages = DEEP_PAGES;
	if (pages < 20)
		pages = 20;
	buf_printf(&link, "/statements?limit=%d", LIMIT);
	for (i = 0; i < pages; i++) {
		t = now_ns();
		if (get_blocking(link.p, &in, &r) != 0 ||
		    more_link(in.p + r.body_off, r.body_len, &link) != 0 ||
		    link.len == 0) {
			fprintf(stderr, "bench: paging stopped at page %d\n",
			    i + 1);
			goto out;
		}
		t = now_ns() - t;
		if (i < 10)
			first10 += t;
		if (i >= pages - 10)
			last10 += t;
	}
	reads.deep = xstrdup(link.p);
	printf("paging: %s pages of %d deep; one client, one page at a time: "
	    "pages 1-10 %s each, pages %d-%d %s each\n",
	    commas((uint64_t)pages, a, sizeof(a)), LIMIT,
	    ms_text((double)first10 / 10e6, b, sizeof(b)), pages - 9, pages,
	    ms_text((double)last10 / 10e6, c, sizeof(c)));
	rc = 0;
out:
	buf_free(&in);
	buf_free(&link);
	return rc;
}

/* ---- the phases ------------------------------------------------------ */

/* Run the selected scenarios of kinds lo..hi; 1 when any failed. */
static int
scenarios_run(enum kind lo, enum kind hi, struct buf *failures, int *rc)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < N_SCENARIOS && *rc == 0; i++) {
		if (scenarios[i].kind < lo || scenarios[i].kind > hi ||
		    !selected(scenarios[i].name))
			continue;
		if (scenario(&scenarios[i], failures))
			failed = 1;
		if (!server_alive())
			*rc = 2;
	}
	return failed;
}

static int
any_selected(enum kind lo, enum kind hi)
{
	size_t i;

	for (i = 0; i < N_SCENARIOS; i++)
		if (scenarios[i].kind >= lo && scenarios[i].kind <= hi &&
		    selected(scenarios[i].name))
			return 1;
	return 0;
}

/* The writes on a fresh store. */
static int
phase_empty(struct buf *failures, int *rc)
{
	char data[PATH_MAX];
	int failed;

	if (opt.skip_empty || !any_selected(K_POST1, K_POST100))
		return 0;
	printf("-- on an empty store\n");
	snprintf(data, sizeof(data), "%s/empty", srv.tmp);
	memset(&peak, 0, sizeof(peak));
	if (server_start(data) != 0) {
		*rc = 2;
		return 0;
	}
	post_next = 0;
	failed = scenarios_run(K_POST1, K_POST100, failures, rc);
	memory_line("at the end");
	if (server_stop() != 0)
		*rc = 2;
	rm_tree(data);
	return failed;
}

/* Bytes on disk of the preloaded store, per statement and against the
 * JSON posted. */
static void
storage_line(const char *data, uint64_t jbytes)
{
	uint64_t du;
	char a[32], b[32];

	if (procstat_du(data, &du) != 0)
		return;
	printf("disk: %s statements in %s: %.0f B/stmt on disk (all "
	    "indexes), %.2fx the %.0f B/stmt of JSON posted\n",
	    commas(opt.statements, a, sizeof(a)), mb_text(du, b, sizeof(b)),
	    (double)du / (double)opt.statements, (double)du / (double)jbytes,
	    (double)jbytes / (double)opt.statements);
	fflush(stdout);
}

#define VERB_EXP "http%3A%2F%2Fadlnet.gov%2Fexpapi%2Fverbs%2Fexperienced"

/* What the reads need from the store as preloaded. */
static int
reads_ready(void)
{
	char a[32], b[32];

	/* Statements of the stream only (the tiering engine stores its own
	 * at start): a fifth of them are "experienced". */
	reads.count = opt.statements;
	if (stored_ms("/statements?limit=1&ascending=true&verb=" VERB_EXP,
	    &reads.first_ms) != 0 ||
	    stored_ms("/statements?limit=1&verb=" VERB_EXP,
	    &reads.last_ms) != 0) {
		fprintf(stderr, "bench: cannot read the stored times\n");
		return -1;
	}
	iso_ms(reads.first_ms, a);
	iso_ms(reads.last_ms, b);
	printf("(reads over statements stored from %s to %s)\n", a, b);
	return 0;
}

/* Everything on the preloaded store. */
static int
phase_loaded(const char *kept, uint64_t jbytes, struct buf *failures, int *rc)
{
	char data[PATH_MAX], a[32];
	int failed = 0;

	snprintf(data, sizeof(data), "%s/data", srv.tmp);
	if (opt.keep && (copy_tree(kept, data) != 0 ||
	    (opt.cold && drop_caches() != 0))) {
		*rc = 2;
		return 0;
	}
	printf("-- at %s statements\n", commas(opt.statements, a, sizeof(a)));
	storage_line(data, jbytes);
	memset(&peak, 0, sizeof(peak));
	if (server_start(data) != 0) {
		*rc = 2;
		return 0;
	}
	memory_line("at start");
	/* The reads draw from the preload only: read its stored times
	 * before the writes add to it. */
	if (any_selected(K_QUERY, K_QUERY) && reads_ready() != 0)
		*rc = 2;
	post_next = opt.statements;
	failed |= scenarios_run(K_POST1, K_POST100, failures, rc);
	if (*rc == 0 && any_selected(K_QUERY, K_QUERY)) {
		if (selected("get-deep") && deep_walk() != 0)
			*rc = 2;
		else
			failed |= scenarios_run(K_QUERY, K_QUERY, failures,
			    rc);
	}
	failed |= scenarios_run(K_DOC, K_DOC, failures, rc);
	memory_line("at the end");
	if (server_stop() != 0)
		*rc = 2;
	return failed;
}

int
main(int argc, char **argv)
{
	struct buf failures = BUF_INIT;
	char cpu[200], secs[32], cred[64], kept[PATH_MAX], a[32];
	uint64_t jbytes = 0;
	int rc = 0, failed = 0;

	if (parse_args(argc, argv) != 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	snprintf(cred, sizeof(cred), "%s:%s", USER, SECRET);
	memcpy(auth_header, "Authorization: Basic ", 21);
	base64(cred, strlen(cred), auth_header + 21);
	strcat(auth_header, "\r\n");

	machine(cpu, sizeof(cpu));
	snprintf(secs, sizeof(secs), "%g", opt.seconds);
	printf("lrsd bench: %ld cpus (%s); lrsd --threads %d; %d client "
	    "threads; %s s x %d runs per scenario, median shown; %s "
	    "statements, seed %llu\n", sysconf(_SC_NPROCESSORS_ONLN), cpu,
	    opt.lrsd_threads, opt.threads, secs, opt.runs,
	    commas(opt.statements, a, sizeof(a)),
	    (unsigned long long)opt.seed);
	fflush(stdout);
	if (tmp_make() != 0)
		return 2;
	failed |= phase_empty(&failures, &rc);
	if (rc == 0) {
		if (opt.keep)
			snprintf(kept, sizeof(kept), "%s/data", opt.keep);
		else
			snprintf(kept, sizeof(kept), "%s/data", srv.tmp);
		if (preload_ready(kept, &jbytes) != 0)
			rc = 2;
	}
	if (rc == 0)
		failed |= phase_loaded(kept, jbytes, &failures, &rc);
	if (server_stop() != 0 && rc == 0)
		rc = 2;
	if (rc != 0)
		dump_log();
	rm_tree(srv.tmp);
	if (failed) {
		printf("errors:\n%s", failures.p);
		if (rc == 0)
			rc = 1;
	}
	buf_free(&failures);
	free(reads.deep);
	return rc;
}
