/* bench: load benchmarks of lrsd against a fresh server.
 *
 *	bench LRSD [--seconds S] [--runs R] [--threads T] [--only NAMES]
 *	    [--lrsd-threads N] [--conns C]
 *
 * Starts LRSD serve on a free loopback port with a new data directory,
 * drives it with keep-alive HTTP/1.1 connections for S seconds per run
 * (default 5), runs every scenario R times (default 3) and prints the
 * median of the runs with their spread.  The load generator is wrk-like:
 * T client threads (default: the number of CPUs) each multiplex their
 * share of the scenario's connections with epoll, one request in flight
 * per connection, the next sent as soon as the previous answer is read.
 * Exits 1 when any request of any scenario failed (a non-2xx status, a
 * malformed or missing answer), naming the scenarios.  See tools/bench.md.
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
#include "xalloc.h"

#define USER		"bench"
#define SECRET		"benchsecret1"
#define XAPI_VERSION	"1.0.3"
#define N_LEARNERS	1000
#define N_COURSES	200
#define N_PROGRAMS	10
#define BATCH		100	/* statements per request of post-100 */
#define SEED_MIN	20000	/* statements stored before the reads */
#define STATE_DOCS	50	/* State documents cycled by each connection */
#define STATE_SIZE	1024	/* bytes of each State document */
#define START_TIMEOUT	15	/* seconds to wait for /xapi/about */
#define IO_TIMEOUT	30	/* seconds a request may take before it fails */
#define MAX_CONNS	1024

enum kind {
	K_POST1, K_POST100, K_GET_AGENT, K_GET_ID, K_GET_PAGE, K_STATE
};

struct scenario {
	const char	*name;
	enum kind	 kind;
	int		 conns;		/* default connections */
	const char	*unit;		/* what the rate counts */
	const char	*what;		/* one line for --help */
};

static const struct scenario scenarios[] = {
	{ "post-1", K_POST1, 32, "stmt/s",
	    "POST /xapi/statements, 1 statement per request" },
	{ "post-100", K_POST100, 8, "stmt/s",
	    "POST /xapi/statements, batches of 100" },
	{ "get-agent", K_GET_AGENT, 32, "query/s",
	    "GET ?agent=<1 of 1000>&limit=10" },
	{ "get-id", K_GET_ID, 32, "req/s",
	    "GET ?statementId=<a stored id>" },
	{ "get-page", K_GET_PAGE, 32, "req/s",
	    "GET ?verb=completed&since=..&limit=100" },
	{ "state", K_STATE, 32, "op/s",
	    "PUT then GET /xapi/activities/state (1 KB JSON)" },
};
#define N_SCENARIOS	(sizeof(scenarios) / sizeof(scenarios[0]))

static const char *verbs[] = { "completed", "passed", "experienced" };

/* Settings from the command line. */
static struct {
	const char	*lrsd;
	double		 seconds;
	int		 runs;
	int		 threads;	/* client threads */
	int		 lrsd_threads;
	int		 conns;		/* 0: each scenario's default */
	const char	*only;
} opt = { NULL, 5.0, 3, 0, 64, 0, NULL };

/* The server under test. */
static struct {
	pid_t	pid;
	int	port;
	char	tmp[64];	/* mkdtemp directory: data/ and lrsd.log */
	char	data[96];
	char	log[96];
} srv;

static char auth_header[128];	/* "Authorization: Basic ...\r\n" */
static char since[40];		/* ISO 8601, before anything was stored */

/* Ids of the statements stored so far (16 bytes each), for get-id. */
static struct {
	pthread_mutex_t	 lock;
	unsigned char	*ids;
	size_t		 n, cap;
} stored = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };

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
};

/* One client connection and its request in flight. */
struct conn {
	int		 fd;
	int		 index;		/* 0..conns-1 over the whole run */
	struct buf	 req;
	size_t		 woff;		/* bytes of req sent */
	struct buf	 rb;		/* bytes received, not yet consumed */
	uint64_t	 t0;
	int		 nids;		/* ids in the request (POST) */
	unsigned char	 ids[BATCH][16];
	char		 expect[40];	/* text the body must hold, or "" */
	int		 phase;		/* state: 0 PUT, 1 GET */
	int		 doc;		/* state: document number */
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
	unsigned char	*ids;		/* ids stored by this thread */
	size_t		 nids, capids;
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

/* A random (version 4) UUID as 16 bytes. */
static void
uuid_new(uint64_t s[2], unsigned char u[16])
{
	uint64_t a = rnd(s), b = rnd(s);

	memcpy(u, &a, 8);
	memcpy(u + 8, &b, 8);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
}

static void
uuid_text(const unsigned char u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
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

/* ---- the statements ---------------------------------------------- */

/* The registration of a learner in a course: the same every time. */
static void
registration(unsigned learner, unsigned course, char out[37])
{
	snprintf(out, 37, "%08x-%04x-4%03x-8000-%012x", 0xbe4c0000u + learner,
	    course, learner % 4096, (learner * 7919u + course) & 0xffffffu);
}

/* Append one realistic statement with id u to b. */
static void
statement(struct buf *b, uint64_t s[2], const unsigned char u[16])
{
	char id[37], reg[37], stamp[32];
	unsigned learner = rnd_below(s, N_LEARNERS);
	unsigned course = rnd_below(s, N_COURSES);
	unsigned verb = rnd_below(s, 3);
	unsigned raw = rnd_below(s, 101);
	time_t t = time(NULL) - (time_t)rnd_below(s, 30 * 86400);
	struct tm tm;

	if (verb == 1 && raw < 60)	/* "passed" means it succeeded */
		raw = 60 + raw % 41;
	uuid_text(u, id);
	registration(learner, course, reg);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b,
	    "{\"id\":\"%s\","
	    "\"actor\":{\"objectType\":\"Agent\",\"name\":\"Learner %u\","
	    "\"mbox\":\"mailto:learner%u@example.com\"},"
	    "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/%s\","
	    "\"display\":{\"en-US\":\"%s\"}},",
	    id, learner, learner, verbs[verb], verbs[verb]);
	buf_printf(b,
	    "\"object\":{\"objectType\":\"Activity\","
	    "\"id\":\"http://example.com/courses/course-%03u\","
	    "\"definition\":{\"name\":{\"en-US\":\"Course %u\"},"
	    "\"description\":{\"en-US\":\"Course %u of the bench catalog\"},"
	    "\"type\":\"http://adlnet.gov/expapi/activities/course\"}},",
	    course, course, course);
	buf_printf(b,
	    "\"result\":{\"score\":{\"scaled\":%u.%02u,\"raw\":%u,\"min\":0,"
	    "\"max\":100},\"success\":%s,\"completion\":true,"
	    "\"duration\":\"PT%uM%uS\"},",
	    raw / 100, raw % 100, raw, raw >= 60 ? "true" : "false",
	    5 + rnd_below(s, 55), rnd_below(s, 60));
	buf_printf(b,
	    "\"context\":{\"registration\":\"%s\",\"contextActivities\":"
	    "{\"parent\":[{\"objectType\":\"Activity\","
	    "\"id\":\"http://example.com/programs/program-%u\"}]},"
	    "\"platform\":\"bench\",\"language\":\"en-US\"},"
	    "\"timestamp\":\"%s.%03uZ\"}",
	    reg, course % N_PROGRAMS, stamp, rnd_below(s, 1000));
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

static int
server_start(void)
{
	int attempt, rc;

	if (access(opt.lrsd, X_OK) != 0) {
		fprintf(stderr, "bench: %s: %s\n", opt.lrsd, strerror(errno));
		return -1;
	}
	snprintf(srv.tmp, sizeof(srv.tmp), "/tmp/lrsd-bench.XXXXXX");
	if (mkdtemp(srv.tmp) == NULL) {
		fprintf(stderr, "bench: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	snprintf(srv.data, sizeof(srv.data), "%s/data", srv.tmp);
	snprintf(srv.log, sizeof(srv.log), "%s/lrsd.log", srv.tmp);
	if (mkdir(srv.data, 0700) != 0) {
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

/* SIGTERM, wait (SIGKILL after 10 s), remove the directory.  0 when the
 * server exited cleanly. */
static int
server_stop(void)
{
	int i, st = 0, rc = 0;

	if (srv.pid > 0) {
		kill(srv.pid, SIGTERM);
		for (i = 0; i < 200; i++) {
			if (waitpid(srv.pid, &st, WNOHANG) == srv.pid)
				break;
			sleep_ms(50);
		}
		if (i == 200) {
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
	if (srv.tmp[0])
		nftw(srv.tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	srv.tmp[0] = '\0';
	return rc;
}

/* ---- the requests of each scenario --------------------------------- */

static void
url_agent(struct buf *b, unsigned learner)
{
	buf_printf(b, "%%7B%%22mbox%%22%%3A%%22mailto%%3Alearner%u"
	    "%%40example.com%%22%%7D", learner);
}

/* Build the next request of connection c into c->req. */
static void
build(struct worker *w, struct conn *c)
{
	const struct scenario *sc = w->run->sc;
	struct buf *b = &c->req, *body = &w->body;
	char target[512], id[37];
	unsigned learner, course, i;
	size_t k;

	buf_reset(b);
	buf_reset(body);
	c->nids = 0;
	c->expect[0] = '\0';
	switch (sc->kind) {
	case K_POST1:
		uuid_new(w->rng, c->ids[0]);
		c->nids = 1;
		statement(body, w->rng, c->ids[0]);
		req_head(b, "POST", "/statements");
		req_body(b, "application/json", body->p, body->len);
		break;
	case K_POST100:
		buf_putc(body, '[');
		for (i = 0; i < BATCH; i++) {
			if (i)
				buf_putc(body, ',');
			uuid_new(w->rng, c->ids[i]);
			statement(body, w->rng, c->ids[i]);
		}
		buf_putc(body, ']');
		c->nids = BATCH;
		req_head(b, "POST", "/statements");
		req_body(b, "application/json", body->p, body->len);
		break;
	case K_GET_AGENT:
		buf_puts(body, "/statements?agent=");
		url_agent(body, rnd_below(w->rng, N_LEARNERS));
		buf_puts(body, "&limit=10");
		req_head(b, "GET", body->p);
		req_body(b, NULL, NULL, 0);
		break;
	case K_GET_ID:
		k = (size_t)(rnd(w->rng) % stored.n);
		uuid_text(stored.ids + 16 * k, id);
		snprintf(target, sizeof(target), "/statements?statementId=%s",
		    id);
		snprintf(c->expect, sizeof(c->expect), "%s", id);
		req_head(b, "GET", target);
		req_body(b, NULL, NULL, 0);
		break;
	case K_GET_PAGE:
		snprintf(target, sizeof(target), "/statements?verb=http%%3A%%2F"
		    "%%2Fadlnet.gov%%2Fexpapi%%2Fverbs%%2Fcompleted&since=%s"
		    "&limit=100", since);
		snprintf(c->expect, sizeof(c->expect), "\"statements\"");
		req_head(b, "GET", target);
		req_body(b, NULL, NULL, 0);
		break;
	case K_STATE:
		/* Each connection has its own learner and documents. */
		learner = (unsigned)c->index % N_LEARNERS;
		course = (unsigned)c->doc % N_COURSES;
		buf_printf(body, "/activities/state?activityId=http%%3A%%2F%%2F"
		    "example.com%%2Fcourses%%2Fcourse-%03u&agent=", course);
		url_agent(body, learner);
		buf_printf(body, "&stateId=bench-state-%d", c->doc);
		snprintf(target, sizeof(target), "%s", body->p);
		buf_reset(body);
		if (c->phase == 0) {
			/* About 1 KB of JSON a course player might keep. */
			buf_printf(body, "{\"bookmark\":\"module-%d/page-%u\","
			    "\"progress\":0.%02u,\"attempt\":%u,\"answers\":[",
			    c->doc, rnd_below(w->rng, 40),
			    rnd_below(w->rng, 100), 1 + rnd_below(w->rng, 3));
			for (i = 0; body->len < STATE_SIZE - 60; i++)
				buf_printf(body, "%s{\"q\":%u,\"a\":\"%c\","
				    "\"ok\":%s}", i ? "," : "", i,
				    'a' + rnd_below(w->rng, 4),
				    rnd_below(w->rng, 2) ? "true" : "false");
			buf_puts(body, "],\"pad\":\"");
			while (body->len < STATE_SIZE - 2)
				buf_putc(body, 'x');
			buf_puts(body, "\"}");
			req_head(b, "PUT", target);
			req_body(b, "application/json", body->p, body->len);
		} else {
			snprintf(c->expect, sizeof(c->expect), "\"bookmark\"");
			req_head(b, "GET", target);
			req_body(b, NULL, NULL, 0);
		}
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
	int i, n;

	w->res.bytes += r->total;
	if (r->status < 200 || r->status > 299) {
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
	if (!c->checked && (sc->kind == K_GET_PAGE ||
	    sc->kind == K_GET_AGENT) && r->body_off + r->body_len == r->total) {
		/* Parse one page per connection: enough to know the figures
		 * count real pages, too little to load the client. */
		c->checked = 1;
		n = page_count(body, r->body_len);
		if (sc->kind == K_GET_PAGE ? n != 100 : n < 1 || n > 10) {
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
	if (c->nids) {
		if (w->nids + (size_t)c->nids > w->capids) {
			w->capids = w->capids ? 2 * w->capids : 4096;
			while (w->capids < w->nids + (size_t)c->nids)
				w->capids *= 2;
			w->ids = xrealloc(w->ids, 16 * w->capids);
		}
		for (i = 0; i < c->nids; i++)
			memcpy(w->ids + 16 * w->nids++, c->ids[i], 16);
	}
	if (sc->kind == K_STATE) {
		if (c->phase == 1)
			c->doc = (c->doc + 1) % STATE_DOCS;
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
	pthread_mutex_lock(&stored.lock);
	if (w->nids) {
		if (stored.n + w->nids > stored.cap) {
			stored.cap = stored.n + w->nids + stored.cap / 2;
			stored.ids = xrealloc(stored.ids, 16 * stored.cap);
		}
		memcpy(stored.ids + 16 * stored.n, w->ids, 16 * w->nids);
		stored.n += w->nids;
	}
	pthread_mutex_unlock(&stored.lock);
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
	free(w->ids);
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

/* Store statements in batches until at least n are known, so the reads
 * have something to read whatever ran before them. */
static int
seed(size_t n)
{
	struct buf req = BUF_INIT, in = BUF_INIT, body = BUF_INIT;
	unsigned char ids[BATCH][16];
	struct resp r;
	uint64_t rng[2];
	int fd = -1, rc = -1, i;

	rnd_seed(rng, 7777);
	while (stored.n < n) {
		if (fd < 0 && (fd = tcp_connect(srv.port)) < 0) {
			fprintf(stderr, "bench: seed: cannot connect\n");
			goto out;
		}
		buf_reset(&body);
		buf_reset(&req);
		buf_putc(&body, '[');
		for (i = 0; i < BATCH; i++) {
			if (i)
				buf_putc(&body, ',');
			uuid_new(rng, ids[i]);
			statement(&body, rng, ids[i]);
		}
		buf_putc(&body, ']');
		req_head(&req, "POST", "/statements");
		req_body(&req, "application/json", body.p, body.len);
		if (http_blocking(fd, &req, &in, &r) != 0 ||
		    r.status != 200) {
			fprintf(stderr, "bench: seed: POST failed (HTTP %d)\n",
			    r.status);
			goto out;
		}
		if (r.close) {
			close(fd);
			fd = -1;
		}
		if (stored.n + BATCH > stored.cap) {
			stored.cap = 2 * (stored.n + BATCH);
			stored.ids = xrealloc(stored.ids, 16 * stored.cap);
		}
		memcpy(stored.ids + 16 * stored.n, ids, sizeof(ids));
		stored.n += BATCH;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	buf_free(&req);
	buf_free(&in);
	buf_free(&body);
	return rc;
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

	fprintf(f, "usage: bench LRSD [--seconds S] [--runs R] [--threads T] "
	    "[--only NAME[,NAME..]]\n"
	    "             [--lrsd-threads N] [--conns C]\n"
	    "  --seconds S       length of each run (default 5)\n"
	    "  --runs R          runs per scenario; the median is shown "
	    "(default 3)\n"
	    "  --threads T       client threads (default: number of CPUs)\n"
	    "  --only NAMES      run only these scenarios\n"
	    "  --lrsd-threads N  lrsd --threads (default 64; keep it above "
	    "the connections)\n"
	    "  --conns C         connections of every scenario (default: "
	    "each its own)\n"
	    "scenarios:\n");
	for (i = 0; i < N_SCENARIOS; i++)
		fprintf(f, "  %-10s %2d conns  %s\n", scenarios[i].name,
		    scenarios[i].conns, scenarios[i].what);
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
		} else if (strcmp(argv[i], "--only") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "bench: --only needs a value\n");
				return -1;
			}
			opt.only = argv[++i];
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
		if (!first[0] && res.first_error[0])
			snprintf(first, sizeof(first), "%s", res.first_error);
		if (!server_alive())
			break;
	}
	if (i < opt.runs)
		i++;
	stats(rate, i, &med, &lo, &hi);
	stats(p50, i, &m50, &unused, &unused);
	stats(p99, i, &m99, &unused, &unused);
	stats(mbs, i, &mmb, &unused, &unused);
	printf("%-10s %9s %-7s  p50 %9s  p99 %9s", sc->name,
	    commas((uint64_t)(med + 0.5), a, sizeof(a)), sc->unit,
	    ms_text(m50, l50, sizeof(l50)), ms_text(m99, l99, sizeof(l99)));
	if (sc->kind == K_GET_PAGE)
		printf("  %6.1f MB/s", mmb);
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

int
main(int argc, char **argv)
{
	struct buf failures = BUF_INIT;
	char cpu[200], secs[32], cred[64], n[32];
	time_t t;
	struct tm tm;
	size_t i;
	int rc = 0, failed = 0;

	if (parse_args(argc, argv) != 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	snprintf(cred, sizeof(cred), "%s:%s", USER, SECRET);
	memcpy(auth_header, "Authorization: Basic ", 21);
	base64(cred, strlen(cred), auth_header + 21);
	strcat(auth_header, "\r\n");
	/* Statements are stored from now on: since an hour ago finds all. */
	t = time(NULL) - 3600;
	gmtime_r(&t, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);

	machine(cpu, sizeof(cpu));
	snprintf(secs, sizeof(secs), "%g", opt.seconds);
	printf("lrsd bench: %ld cpus (%s); lrsd --threads %d; %d client "
	    "threads; %s s x %d runs per scenario, median shown\n",
	    sysconf(_SC_NPROCESSORS_ONLN), cpu, opt.lrsd_threads, opt.threads,
	    secs, opt.runs);
	fflush(stdout);
	if (server_start() != 0) {
		server_stop();
		return 2;
	}
	for (i = 0; i < N_SCENARIOS; i++) {
		if (!selected(scenarios[i].name))
			continue;
		if (scenarios[i].kind >= K_GET_AGENT && stored.n < SEED_MIN) {
			if (seed(SEED_MIN) != 0) {
				rc = 2;
				break;
			}
		}
		if (scenarios[i].kind == K_GET_AGENT) {
			printf("(reads over %s stored statements)\n",
			    commas(stored.n, n, sizeof(n)));
			fflush(stdout);
		}
		if (scenario(&scenarios[i], &failures))
			failed = 1;
		if (!server_alive()) {
			rc = 2;
			break;
		}
	}
	if (server_stop() != 0 && rc == 0)
		rc = 2;
	if (failed) {
		printf("errors:\n%s", failures.p);
		if (rc == 0)
			rc = 1;
	}
	buf_free(&failures);
	free(stored.ids);
	return rc;
}
