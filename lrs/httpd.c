/* httpd: the HTTP/1.1 connection engine of the server.
 *
 * A connection moves through these states, all on the event thread but
 * C_WORK, when a worker holds it:
 *
 *	C_IDLE --bytes--> C_HEAD --head--> C_BODY --body--> C_WORK
 *	  ^                                                   |
 *	  +---- keep-alive ------ C_WRITE <--- reply ---------+
 *	                             |
 *	                             +-- close --> C_LINGER --> closed
 *
 * Each state but C_WORK has a deadline; the sweep closes (or answers 408)
 * what passed it.  C_LINGER sends nothing more and reads and drops what
 * the client still sends, for a short while, so that closing does not
 * reset the connection before the client has read the reply.
 */
#include "httpd.h"
#include "chunked.h"
#include "log.h"
#include "xalloc.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK	65536	/* bytes asked of one recv */
#define LINGER_MS	2000	/* to drain a closed connection */
#define SWEEP_MS	100	/* how often deadlines are checked */
#define FD_RESERVE	64	/* descriptors kept for all but connections */
#define PEER_BUCKETS	4096
#define CONTINUE	"HTTP/1.1 100 Continue\r\n\r\n"

enum cstate { C_IDLE, C_HEAD, C_BODY, C_WORK, C_WRITE, C_LINGER, C_DEAD };

struct conn {
	int		 fd;
	int		 slot;		/* index in h->conns */
	enum cstate	 st;
	int64_t		 deadline;	/* ms on the monotonic clock */
	int64_t		 since;		/* when it last went idle */
	int		 served;	/* requests answered */
	int		 watched;	/* fd is in the epoll set */
	int		 eof;		/* the client will send no more */
	struct addr	 peer;
	char		 peer_text[ADDR_TEXT_MAX];
	struct buf	 in;		/* received and not yet used */
	size_t		 scanned;	/* reqhead_end's progress in in */
	char		*raw;		/* the head's bytes; head points here */
	struct reqhead	*head;
	struct chunked	 ch;
	struct buf	 body;
	struct buf	 out;		/* the reply */
	size_t		 sent;
	int		 close;		/* after this reply */
	struct conn	*next;		/* in the work, done or dead list */
};

/* How many connections one address has open. */
struct peer {
	struct addr	 a;
	int		 n;
	struct peer	*next;
};

struct httpd {
	struct httpd_config	 cfg;
	int			 lfd, ep, wakefd;
	int			 listening;	/* lfd is in ep */
	int64_t			 resume;	/* when to listen again */
	struct conn		**conns;	/* by slot; NULL when free */
	int			*free;		/* free slots, a stack */
	int			 nfree, nconns;
	struct peer		*peers[PEER_BUCKETS];
	int64_t			 next_sweep;
	atomic_int		 stopping;
	pthread_t		 loop;
	pthread_t		*workers;
	int			 nworkers;
	pthread_mutex_t		 mu;		/* guards the queues and quit */
	pthread_cond_t		 cv;
	struct conn		*work, *work_tail, *done;
	int			 quit;
	struct conn		*dead;		/* closed, freed after the
						 * events at hand */
	char			 rbuf[READ_CHUNK];	/* for recv */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- connections per address ---------------------------------------- */

static struct peer **
peer_find(httpd *h, const struct addr *a)
{
	struct peer **pp = &h->peers[addr_hash(a) % PEER_BUCKETS];

	while (*pp && !addr_eq(&(*pp)->a, a))
		pp = &(*pp)->next;
	return pp;
}

static int
peer_count(httpd *h, const struct addr *a)
{
	struct peer **pp = peer_find(h, a);

	return *pp ? (*pp)->n : 0;
}

static void
peer_add(httpd *h, const struct addr *a, int delta)
{
	struct peer **pp = peer_find(h, a), *p = *pp;

	if (p == NULL) {
		p = *pp = xcalloc(1, sizeof(*p));
		p->a = *a;
	}
	if ((p->n += delta) <= 0) {
		*pp = p->next;
		free(p);
	}
}

/* ---- connection lifecycle -------------------------------------------- */

/* Wait for events on c (0: none, and out of the set, so that a reset
 * connection does not wake the loop while a worker holds it). */
static void
set_events(httpd *h, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (events == 0) {
		epoll_ctl(h->ep, EPOLL_CTL_DEL, c->fd, NULL);
		c->watched = 0;
	} else if (epoll_ctl(h->ep, c->watched ? EPOLL_CTL_MOD :
	    EPOLL_CTL_ADD, c->fd, &ev) == 0)
		c->watched = 1;
}

static void
request_free(struct conn *c)
{
	free(c->head);
	free(c->raw);
	c->head = NULL;
	c->raw = NULL;
	buf_free(&c->body);
}

/* Close c; its memory goes when the events at hand are handled, since
 * one of them may still name it. */
static void
conn_close(httpd *h, struct conn *c)
{
	close(c->fd);	/* also leaves the epoll set */
	peer_add(h, &c->peer, -1);
	request_free(c);
	buf_free(&c->in);
	buf_free(&c->out);
	h->conns[c->slot] = NULL;
	h->free[h->nfree++] = c->slot;
	h->nconns--;
	c->st = C_DEAD;
	c->next = h->dead;
	h->dead = c;
}

static void
bury(httpd *h)
{
	struct conn *c;

	while ((c = h->dead) != NULL) {
		h->dead = c->next;
		free(c);
	}
}

static void
linger(httpd *h, struct conn *c)
{
	shutdown(c->fd, SHUT_WR);
	buf_free(&c->in);
	c->st = C_LINGER;
	c->since = 0;	/* the first to go when room is needed */
	c->deadline = now_ms() + LINGER_MS;
	set_events(h, c, EPOLLIN);
}

static void advance(httpd *, struct conn *);

/* The reply is out: wait for the next request, or close. */
static void
reply_done(httpd *h, struct conn *c)
{
	buf_free(&c->out);
	c->served++;
	if (c->close || c->eof || atomic_load(&h->stopping)) {
		linger(h, c);
		return;
	}
	c->st = C_IDLE;
	c->since = now_ms();
	c->deadline = c->since + h->cfg.idle_ms;
	set_events(h, c, EPOLLIN);
	if (c->in.len)
		advance(h, c);	/* a pipelined request */
	else
		buf_free(&c->in);
}

static void
send_more(httpd *h, struct conn *c)
{
	ssize_t n;

	while (c->sent < c->out.len) {
		n = send(c->fd, c->out.p + c->sent, c->out.len - c->sent,
		    MSG_NOSIGNAL);
		if (n > 0)
			c->sent += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			set_events(h, c, EPOLLOUT);
			return;
		} else {
			conn_close(h, c);
			return;
		}
	}
	reply_done(h, c);
}

static void
start_write(httpd *h, struct conn *c)
{
	request_free(c);
	c->st = C_WRITE;
	c->sent = 0;
	c->deadline = now_ms() + h->cfg.write_ms;
	send_more(h, c);
}

/* Answer status with a message and close; with_head when c->head was
 * parsed whole (the reply may then use its fields). */
static void
refuse(httpd *h, struct conn *c, int with_head, int status,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
refuse(httpd *h, struct conn *c, int with_head, int status,
    const char *fmt, ...)
{
	struct httpd_req r;
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memset(&r, 0, sizeof(r));
	r.head = with_head ? c->head : NULL;
	r.body = "";
	r.peer = c->peer;
	r.peer_text = c->peer_text;
	buf_reset(&c->out);
	h->cfg.refuse(h->cfg.arg, &r, status, msg, &c->out);
	c->close = 1;
	start_write(h, c);
}

/* ---- reading requests ------------------------------------------------- */

/* Drop the first n bytes of b. */
static void
consume(struct buf *b, size_t n)
{
	if (n == 0)
		return;
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	b->p[b->len] = '\0';
}

/* 1 when c->in held a whole head, now parsed into c->head; 0 when more is
 * needed; -1 when refused. */
static int
head_ready(httpd *h, struct conn *c)
{
	char err[256];
	size_t end;
	int rc;

	rc = reqhead_end(c->in.p, c->in.len, &c->scanned, &end);
	if (rc == REQHEAD_EPARTIAL)
		return 0;
	if (rc != 0) {
		refuse(h, c, 0, reqhead_status(rc), rc == REQHEAD_ELINE ?
		    "request line longer than %d bytes" :
		    "request head larger than %d bytes", rc == REQHEAD_ELINE ?
		    REQHEAD_MAX_LINE : REQHEAD_MAX_BYTES);
		return -1;
	}
	c->raw = xmemdup(c->in.p, end);
	consume(&c->in, end);
	c->head = xmalloc(sizeof(*c->head));
	if ((rc = reqhead_parse(c->raw, end, c->head, err, sizeof(err))) != 0) {
		refuse(h, c, 0, reqhead_status(rc), "%s", err);
		return -1;
	}
	if (c->head->length > h->cfg.max_body) {
		refuse(h, c, 1, 413, "request body of %llu bytes is over the limit of %zu bytes",
		    (unsigned long long)c->head->length, h->cfg.max_body);
		return -1;
	}
	if (c->head->expect_continue && c->in.len == 0 &&
	    (c->head->length || c->head->chunked) &&
	    send(c->fd, CONTINUE, sizeof(CONTINUE) - 1, MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(CONTINUE) - 1) {
		conn_close(h, c);
		return -1;
	}
	c->st = C_BODY;
	c->deadline = now_ms() + h->cfg.body_ms;
	c->ch = (struct chunked)CHUNKED_INIT;
	return 1;
}

/* 1 when the body is whole in c->body, 0 when more is needed, -1 when
 * refused. */
static int
body_ready(httpd *h, struct conn *c)
{
	size_t n;
	int rc;

	if (!c->head->chunked) {
		n = c->head->length - c->body.len;
		if (n > c->in.len)
			n = c->in.len;
		buf_add(&c->body, c->in.p, n);
		consume(&c->in, n);
		return c->body.len == c->head->length;
	}
	rc = chunked_decode(&c->ch, c->in.p, c->in.len, &c->body,
	    h->cfg.max_body, &n);
	consume(&c->in, n);
	if (rc == CHUNKED_DONE)
		return 1;
	if (rc == CHUNKED_MORE)
		return 0;
	if (rc == CHUNKED_ETOOBIG)
		refuse(h, c, 1, 413, "chunked request body is over the limit of %zu bytes",
		    h->cfg.max_body);
	else
		refuse(h, c, 1, 400, "malformed chunked request body");
	return -1;
}

/* Hand a whole request to the workers. */
static void
dispatch(httpd *h, struct conn *c)
{
	c->st = C_WORK;
	set_events(h, c, 0);
	c->next = NULL;
	pthread_mutex_lock(&h->mu);
	if (h->work_tail)
		h->work_tail->next = c;
	else
		h->work = c;
	h->work_tail = c;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* Move c on with what it has received, as far as it goes. */
static void
advance(httpd *h, struct conn *c)
{
	size_t n;

	for (;;) {
		switch (c->st) {
		case C_IDLE:
			/* Blank lines before a request are ignored (RFC 9112
			 * 2.2): some clients send CRLF after a body. */
			n = strspn(c->in.p ? c->in.p : "", "\r\n");
			consume(&c->in, n);
			if (c->in.len == 0)
				return;
			if (c->served)	/* a new one's clock runs since accept */
				c->deadline = now_ms() + h->cfg.header_ms;
			c->st = C_HEAD;
			c->scanned = 0;
			break;
		case C_HEAD:
			if (head_ready(h, c) != 1)
				return;
			break;
		case C_BODY:
			if (body_ready(h, c) == 1)
				dispatch(h, c);
			return;
		default:
			return;
		}
	}
}

/* Read what c's client sent.  Into the event thread's own buffer first,
 * so that a connection holds only the bytes it has received. */
static void
receive(httpd *h, struct conn *c)
{
	ssize_t n;

	n = recv(c->fd, h->rbuf, sizeof(h->rbuf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0 || (n == 0 && c->st == C_LINGER)) {
		conn_close(h, c);
		return;
	}
	if (c->st == C_LINGER)
		return;
	if (n == 0) {
		c->eof = 1;
		advance(h, c);
		/* A request that was whole is answered; any other is not. */
		if (c->st == C_IDLE || c->st == C_HEAD || c->st == C_BODY)
			conn_close(h, c);
		return;
	}
	buf_add(&c->in, h->rbuf, (size_t)n);
	advance(h, c);
}

/* ---- accepting -------------------------------------------------------- */

/* Close the connection idle the longest (one lingering after its last
 * reply first), to make room; 0 when none is idle. */
static int
evict_idle(httpd *h)
{
	struct conn *c, *oldest = NULL;
	int i;

	for (i = 0; i < h->cfg.max_conns; i++)
		if ((c = h->conns[i]) != NULL &&
		    (c->st == C_IDLE || c->st == C_LINGER) &&
		    (oldest == NULL || c->since < oldest->since))
			oldest = c;
	if (oldest == NULL)
		return 0;
	conn_close(h, oldest);
	return 1;
}

/* Answer a connection that will not be served and close it at once. */
static void
turn_away(httpd *h, int fd, const struct addr *a, const char *text,
    int status, const char *msg)
{
	struct httpd_req r;
	struct buf out = BUF_INIT;
	char drain[4096];

	memset(&r, 0, sizeof(r));
	r.body = "";
	r.peer = *a;
	r.peer_text = text;
	h->cfg.refuse(h->cfg.arg, &r, status, msg, &out);
	(void)!send(fd, out.p, out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	/* What the client sent already would make close() reset. */
	while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0)
		;
	shutdown(fd, SHUT_WR);
	close(fd);
	buf_free(&out);
}

static void
conn_new(httpd *h, int fd, const struct sockaddr *sa)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	int one = 1;

	c->fd = fd;
	addr_key(sa, &c->peer);
	addr_text(sa, c->peer_text);
	c->st = C_IDLE;
	c->since = now_ms();
	c->deadline = c->since + h->cfg.header_ms;
	c->watched = 1;
	c->slot = h->free[--h->nfree];
	h->conns[c->slot] = c;
	h->nconns++;
	peer_add(h, &c->peer, 1);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		conn_close(h, c);
}

/* Take one connection the listener holds, or refuse it; 0 when there
 * was none. */
static int
accept_one(httpd *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct addr a;
	char text[ADDR_TEXT_MAX], msg[200];
	int fd;

	fd = accept4(h->lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Out of descriptors: stop listening for a moment
			 * rather than spin on a listener we cannot empty. */
			log_msg(LOG_WARN, "accept: %s; pausing", strerror(errno));
			epoll_ctl(h->ep, EPOLL_CTL_DEL, h->lfd, NULL);
			h->listening = 0;
			h->resume = now_ms() + 100;
		}
		return 0;
	}
	addr_key((struct sockaddr *)&ss, &a);
	addr_text((struct sockaddr *)&ss, text);
	if (h->nconns == h->cfg.max_conns && !evict_idle(h)) {
		snprintf(msg, sizeof(msg), "the server has %d connections open, its limit; try again",
		    h->cfg.max_conns);
		turn_away(h, fd, &a, text, 503, msg);
	} else if (h->cfg.max_per_addr > 0 &&
	    peer_count(h, &a) >= h->cfg.max_per_addr) {
		snprintf(msg, sizeof(msg), "%s has %d connections open, the limit per address",
		    text, h->cfg.max_per_addr);
		turn_away(h, fd, &a, text, 429, msg);
	} else
		conn_new(h, fd, (struct sockaddr *)&ss);
	return 1;
}

/* ---- the event thread ------------------------------------------------- */

/* Deadlines: close or answer what passed its own. */
static void
sweep(httpd *h, int64_t now)
{
	struct conn *c;
	int i;

	for (i = 0; i < h->cfg.max_conns; i++) {
		if ((c = h->conns[i]) == NULL || c->st == C_WORK ||
		    c->deadline > now)
			continue;
		if (c->st == C_HEAD)
			refuse(h, c, 0, 408, "request head not received within %d ms",
			    h->cfg.header_ms);
		else if (c->st == C_BODY)
			refuse(h, c, 1, 408, "request body not received within %d ms",
			    h->cfg.body_ms);
		else
			conn_close(h, c);
	}
	if (!h->listening && h->resume <= now && !atomic_load(&h->stopping)) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &h->lfd };

		if (epoll_ctl(h->ep, EPOLL_CTL_ADD, h->lfd, &ev) == 0)
			h->listening = 1;
	}
}

/* Replies the workers have made: send them. */
static void
take_done(httpd *h)
{
	struct conn *c, *next;
	uint64_t n;

	(void)!read(h->wakefd, &n, sizeof(n));
	pthread_mutex_lock(&h->mu);
	c = h->done;
	h->done = NULL;
	pthread_mutex_unlock(&h->mu);
	for (; c; c = next) {
		next = c->next;
		start_write(h, c);
	}
}

static void
on_event(httpd *h, struct epoll_event *ev)
{
	struct conn *c = ev->data.ptr;
	int i;

	if (ev->data.ptr == &h->lfd) {
		for (i = 0; i < 64 && h->listening && accept_one(h); i++)
			;
		return;
	}
	if (ev->data.ptr == &h->wakefd) {
		take_done(h);
		return;
	}
	if (c->st == C_WRITE)
		send_more(h, c);
	else if (c->st != C_WORK && c->st != C_DEAD)
		receive(h, c);
}

/* Stopping: no new connections, none kept between requests.  1 once no
 * request is in flight or being sent. */
static int
wind_down(httpd *h)
{
	struct conn *c;
	int i, busy = 0;

	if (h->listening) {
		epoll_ctl(h->ep, EPOLL_CTL_DEL, h->lfd, NULL);
		h->listening = 0;
	}
	for (i = 0; i < h->cfg.max_conns; i++) {
		if ((c = h->conns[i]) == NULL)
			continue;
		if (c->st == C_WORK || c->st == C_WRITE)
			busy = 1;
		else
			conn_close(h, c);
	}
	return !busy;
}

static void *
loop_run(void *arg)
{
	httpd *h = arg;
	struct epoll_event ev[64];
	int64_t now;
	int i, n;

	for (;;) {
		now = now_ms();
		if (now >= h->next_sweep) {
			sweep(h, now);
			h->next_sweep = now + SWEEP_MS;
		}
		if (atomic_load(&h->stopping) && wind_down(h))
			break;
		n = epoll_wait(h->ep, ev, 64, h->next_sweep > now ?
		    (int)(h->next_sweep - now) : 0);
		for (i = 0; i < n; i++)
			on_event(h, &ev[i]);
		bury(h);
	}
	bury(h);
	pthread_mutex_lock(&h->mu);
	h->quit = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* ---- workers ---------------------------------------------------------- */

static void
serve(httpd *h, struct conn *c)
{
	struct httpd_req r;
	int close_after = !c->head->keep_alive || c->eof ||
	    atomic_load(&h->stopping);

	r.head = c->head;
	r.body = c->body.p ? c->body.p : "";
	r.len = c->body.len;
	r.peer = c->peer;
	r.peer_text = c->peer_text;
	buf_reset(&c->out);
	h->cfg.handle(h->cfg.arg, &r, &c->out, &close_after);
	c->close = close_after;
}

static void *
worker_run(void *arg)
{
	httpd *h = arg;
	struct conn *c;
	uint64_t one = 1;

	for (;;) {
		pthread_mutex_lock(&h->mu);
		while (h->work == NULL && !h->quit)
			pthread_cond_wait(&h->cv, &h->mu);
		if ((c = h->work) == NULL) {
			pthread_mutex_unlock(&h->mu);
			return NULL;
		}
		if ((h->work = c->next) == NULL)
			h->work_tail = NULL;
		pthread_mutex_unlock(&h->mu);
		serve(h, c);
		pthread_mutex_lock(&h->mu);
		c->next = h->done;
		h->done = c;
		pthread_mutex_unlock(&h->mu);
		(void)!write(h->wakefd, &one, sizeof(one));
	}
}

/* ---- start and stop --------------------------------------------------- */

/* Bind and listen on "HOST:PORT", "[V6]:PORT" or "PORT". */
static int
listen_on(const char *spec, int *out, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char host[256], *port;
	int fd = -1, one = 1, rc;

	snprintf(host, sizeof(host), "%s", spec);
	if ((port = strrchr(host, ':')) != NULL)
		*port++ = '\0';
	else {
		port = host;
		memmove(host + 1, host, strlen(host) + 1);
		port = host + 1;
		host[0] = '\0';
	}
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, SOMAXCONN)) {
		snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	*out = fd;
	return 0;
}

/* As many descriptors as the hard limit allows; the connection cap that
 * leaves FD_RESERVE of them for everything else. */
static int
fd_budget(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return want;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)want + FD_RESERVE > rl.rlim_cur)
		want = rl.rlim_cur > 2 * FD_RESERVE ? (int)(rl.rlim_cur - FD_RESERVE) :
		    FD_RESERVE;
	return want;
}

static void
release(httpd *h)
{
	if (h->lfd >= 0)
		close(h->lfd);
	if (h->ep >= 0)
		close(h->ep);
	if (h->wakefd >= 0)
		close(h->wakefd);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h->workers);
	free(h->conns);
	free(h->free);
	free(h);
}

static int
start_threads(httpd *h, char *err, size_t errlen)
{
	int i;

	h->workers = xcalloc((size_t)h->cfg.threads, sizeof(*h->workers));
	for (i = 0; i < h->cfg.threads; i++) {
		if (pthread_create(&h->workers[i], NULL, worker_run, h) != 0)
			break;
		h->nworkers++;
	}
	if (h->nworkers == h->cfg.threads &&
	    pthread_create(&h->loop, NULL, loop_run, h) == 0)
		return 0;
	snprintf(err, errlen, "cannot start threads: %s", strerror(errno));
	pthread_mutex_lock(&h->mu);
	h->quit = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	for (i = 0; i < h->nworkers; i++)
		pthread_join(h->workers[i], NULL);
	return -1;
}

int
httpd_start(const struct httpd_config *cfg, httpd **out, char *err,
    size_t errlen)
{
	httpd *h = xcalloc(1, sizeof(*h));
	struct epoll_event ev = { .events = EPOLLIN };
	int i;

	h->cfg = *cfg;
	h->cfg.listen = NULL;
	h->cfg.max_conns = fd_budget(cfg->max_conns);
	h->lfd = h->ep = h->wakefd = -1;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->conns = xcalloc((size_t)h->cfg.max_conns, sizeof(*h->conns));
	h->free = xcalloc((size_t)h->cfg.max_conns, sizeof(*h->free));
	for (i = h->cfg.max_conns - 1; i >= 0; i--)
		h->free[h->nfree++] = i;
	if (listen_on(cfg->listen, &h->lfd, err, errlen) != 0)
		goto fail;
	if ((h->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (h->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot set up polling: %s", strerror(errno));
		goto fail;
	}
	ev.data.ptr = &h->lfd;
	epoll_ctl(h->ep, EPOLL_CTL_ADD, h->lfd, &ev);
	h->listening = 1;
	ev.data.ptr = &h->wakefd;
	epoll_ctl(h->ep, EPOLL_CTL_ADD, h->wakefd, &ev);
	if (start_threads(h, err, errlen) != 0)
		goto fail;
	*out = h;
	return 0;
fail:
	release(h);
	return -1;
}

int
httpd_max_conns(const httpd *h)
{
	return h->cfg.max_conns;
}

void
httpd_stop(httpd *h)
{
	uint64_t one = 1;
	int i;

	if (h == NULL)
		return;
	atomic_store(&h->stopping, 1);
	(void)!write(h->wakefd, &one, sizeof(one));
	pthread_join(h->loop, NULL);
	for (i = 0; i < h->nworkers; i++)
		pthread_join(h->workers[i], NULL);
	release(h);
}
