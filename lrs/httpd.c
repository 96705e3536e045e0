/* httpd: the HTTP/1.1 connection engine of the server.
 *
 * Every thread waits on one epoll set, in which each connection is armed
 * one-shot.  The thread an event goes to holds that connection alone: it
 * reads, parses, runs the handler once a request is whole, sends the
 * reply, and arms the connection again for what it waits for next as its
 * very last act (or closes it).  So a request costs one wake-up, and a
 * connection that waits for its client holds no thread.
 *
 *	C_IDLE --bytes--> C_HEAD --head--> C_BODY --body--> C_WORK
 *	  ^                                                   |
 *	  +---- keep-alive ------ C_WRITE <--- reply ---------+
 *	                             |
 *	                             +-- close --> C_LINGER --> C_CLOSED
 *
 * Each state but C_WORK has a deadline.  The sweep (one thread at a time,
 * every SWEEP_MS) never takes a connection from its holder: it shuts the
 * socket's reading side (writing side too for C_WRITE), which wakes the
 * connection with an end of input; whoever handles that sees the
 * deadline passed and answers 408 or closes.  Accepting at the cap
 * evicts the longest idle connection the same way.  C_LINGER sends
 * nothing more and drops what the client still sends, for a short while,
 * so that closing does not reset the connection before the client has
 * read the reply.
 *
 * Connection structures are kept for reuse, never freed before the
 * server stops.  h->mu guards the table, the per-address counts and the
 * listener; the sweep reads a connection's state and deadline (atomics)
 * and shuts its socket only under it, and a socket is closed only under
 * it, so the sweep never touches a descriptor that was reused.
 */
#include "httpd.h"
#include "chunked.h"
#include "log.h"
#include "mono.h"
#include "xalloc.h"

#include <sys/epoll.h>
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
#define SLACK		64	/* table slots beyond the cap, for evictions
				 * in progress */
#define PEER_BUCKETS	4096
#define CONTINUE	"HTTP/1.1 100 Continue\r\n\r\n"

/* C_CLOSED: its socket is closed, its holder still has it; the slot is
 * free only once the holder lets go (release), never under its feet. */
enum cstate { C_FREE, C_IDLE, C_HEAD, C_BODY, C_WORK, C_WRITE, C_LINGER,
    C_CLOSED };

struct conn {
	/* Read by the sweep and the accepting thread, under h->mu. */
	int		 fd;
	int		 slot;
	int		 poked;		/* evicted, closing */
	_Atomic int	 st;		/* enum cstate */
	_Atomic int64_t	 deadline;	/* ms on the monotonic clock */
	_Atomic int64_t	 since;		/* when it last went idle */
	/* Released by a holder before it arms the connection, acquired by
	 * the next: the kernel orders the two, but only this tells C (and
	 * ThreadSanitizer) that the next holder sees all the last one did. */
	atomic_uint	 handoffs;
	/* The holder's alone. */
	int		 served;	/* requests answered */
	int		 eof;		/* no more input (the client's end, or
					 * the sweep's poke) */
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
};

/* How many connections one address has open. */
struct peer {
	struct addr	 a;
	int		 n;
	struct peer	*next;
};

/* One thread, with its own receive buffer. */
struct worker {
	httpd		*h;
	pthread_t	 t;
	char		 rbuf[READ_CHUNK];
};

struct httpd {
	struct httpd_config	 cfg;
	int			 lfd, ep;
	pthread_mutex_t		 mu;
	struct conn		**conns;	/* by slot; NULL until first used */
	int			 nslots;	/* max_conns + SLACK */
	int			*free;		/* free slots, a stack */
	int			 nfree, nconns;
	/* Slots at and above top were never taken: the sweep, ten times a
	 * second, and evictions look below it only (not at all 10,064 slots
	 * of the default cap, 75k instructions each time). */
	int			 top;
	struct peer		*peers[PEER_BUCKETS];
	int			 listening;	/* lfd is armed or being served */
	int64_t			 resume;	/* when to arm it again */
	_Atomic int64_t		 next_sweep;
	atomic_int		 stopping;
	struct worker		*workers;
	int			 nworkers;
	/* Pollers: at most maxpoll threads wait on the epoll set, so that
	 * the ones woken are warm; the others park until every poller is
	 * busy (in a handler that waits, say, for a commit). */
	int			 maxpoll;
	atomic_int		 npolling;
	pthread_mutex_t		 park_mu;
	pthread_cond_t		 park_cv;
	int			 nparked;	/* under park_mu */
};

static int
state(struct conn *c)
{
	return atomic_load(&c->st);
}

/* c moves to st with a new deadline ms from now. */
static void
become(struct conn *c, int st, int ms)
{
	atomic_store(&c->deadline, mono_ms() + ms);
	atomic_store(&c->st, st);
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

/* Arm c for what it waits for now: the holder's last act on it. */
static void
rearm(httpd *h, struct conn *c)
{
	struct epoll_event ev = { .data.ptr = c };
	int fd = c->fd;

	ev.events = (state(c) == C_WRITE ? EPOLLOUT : EPOLLIN) | EPOLLONESHOT;
	/* From here on c is the next holder's: not even c->fd is read. */
	atomic_fetch_add_explicit(&c->handoffs, 1, memory_order_release);
	epoll_ctl(h->ep, EPOLL_CTL_MOD, fd, &ev);
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

static void
conn_close(httpd *h, struct conn *c)
{
	request_free(c);
	buf_free(&c->in);
	buf_free(&c->out);
	pthread_mutex_lock(&h->mu);
	close(c->fd);	/* also leaves the epoll set */
	atomic_store(&c->st, C_CLOSED);
	pthread_mutex_unlock(&h->mu);
}

/* The holder lets go of a closed connection: its slot may be reused. */
static void
release_slot(httpd *h, struct conn *c)
{
	pthread_mutex_lock(&h->mu);
	peer_add(h, &c->peer, -1);
	atomic_store(&c->st, C_FREE);
	h->free[h->nfree++] = c->slot;
	h->nconns--;
	pthread_mutex_unlock(&h->mu);
}

static void
linger(struct conn *c)
{
	shutdown(c->fd, SHUT_WR);
	buf_free(&c->in);
	atomic_store(&c->since, 0);	/* the first to go for room */
	become(c, C_LINGER, LINGER_MS);
}

/* The reply is out: on to the next request, or close. */
static void
reply_done(httpd *h, struct conn *c)
{
	buf_free(&c->out);
	c->served++;
	if (atomic_load(&h->stopping))
		conn_close(h, c);
	else if (c->close || c->eof)
		linger(c);
	else {
		atomic_store(&c->since, mono_ms());
		become(c, C_IDLE, h->cfg.idle_ms);
		if (c->in.len == 0)
			buf_free(&c->in);
	}
}

/* 1 when c->out is all sent, 0 when the socket is full, -1 when the
 * connection failed (and is closed). */
static int
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
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		else {
			conn_close(h, c);
			return -1;
		}
	}
	return 1;
}

/* Reply status with a message, then close; with_head when c->head was
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
	request_free(c);
	c->sent = 0;
	c->close = 1;
	become(c, C_WRITE, h->cfg.write_ms);
}

/* Run the handler on the whole request in c, here, and make its reply
 * the next thing to send. */
static void
serve(httpd *h, struct conn *c)
{
	struct httpd_req r;
	int close_after = !c->head->keep_alive || c->eof ||
	    atomic_load(&h->stopping);

	atomic_store(&c->st, C_WORK);
	r.head = c->head;
	r.body = c->body.p ? c->body.p : "";
	r.len = c->body.len;
	r.peer = c->peer;
	r.peer_text = c->peer_text;
	buf_reset(&c->out);
	h->cfg.handle(h->cfg.arg, &r, &c->out, &close_after);
	request_free(c);
	c->sent = 0;
	c->close = close_after;
	become(c, C_WRITE, h->cfg.write_ms);
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
 * needed; -1 when refused or closed. */
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
	c->ch = (struct chunked)CHUNKED_INIT;
	become(c, C_BODY, h->cfg.body_ms);
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

/* c needs bytes it does not have.  1: wait for them; 0: no more will come
 * and c was refused (408 once its deadline passed) or closed. */
static int
starved(httpd *h, struct conn *c)
{
	int st = state(c);

	if (!c->eof)
		return 1;
	if ((st == C_HEAD || st == C_BODY) &&
	    mono_ms() >= atomic_load(&c->deadline)) {
		if (st == C_HEAD)
			refuse(h, c, 0, 408, "request head not received within %d ms",
			    h->cfg.header_ms);
		else
			refuse(h, c, 1, 408, "request body not received within %d ms",
			    h->cfg.body_ms);
		return 0;
	}
	conn_close(h, c);
	return 0;
}

/* Move c on with what it has received, as far as it goes: parse, serve,
 * send, and again for requests sent ahead. */
static void
advance(httpd *h, struct conn *c)
{
	for (;;) {
		switch (state(c)) {
		case C_IDLE:
			/* Blank lines before a request are ignored (RFC 9112
			 * 2.2): some clients send CRLF after a body. */
			consume(&c->in, strspn(c->in.p ? c->in.p : "", "\r\n"));
			if (c->in.len == 0 && starved(h, c))
				return;
			if (c->in.len == 0)
				break;
			/* A new connection's clock runs since the accept. */
			if (c->served)
				become(c, C_HEAD, h->cfg.header_ms);
			else
				atomic_store(&c->st, C_HEAD);
			c->scanned = 0;
			break;
		case C_HEAD:
			if (head_ready(h, c) == 0 && starved(h, c))
				return;
			break;
		case C_BODY:
			if (body_ready(h, c) == 1)
				serve(h, c);
			else if (state(c) == C_BODY && starved(h, c))
				return;
			break;
		case C_WRITE:
			if (send_more(h, c) != 1)
				return;
			reply_done(h, c);
			break;
		default:	/* C_LINGER, C_CLOSED */
			return;
		}
	}
}

/* Read what c's client sent, into the thread's buffer first so that a
 * connection holds only what it received.  -1 when c was closed. */
static int
receive(struct worker *w, struct conn *c)
{
	ssize_t n;

	n = recv(c->fd, w->rbuf, sizeof(w->rbuf), 0);
	if (n > 0) {
		if (state(c) != C_LINGER)
			buf_add(&c->in, w->rbuf, (size_t)n);
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n < 0 || state(c) == C_LINGER) {
		conn_close(w->h, c);
		return -1;
	}
	c->eof = 1;
	return 0;
}

/* An event on c, which this thread now holds. */
static void
on_conn(struct worker *w, struct conn *c)
{
	(void)atomic_load_explicit(&c->handoffs, memory_order_acquire);
	if (state(c) != C_WRITE && receive(w, c) == 0)
		advance(w->h, c);
	if (state(c) == C_CLOSED)
		release_slot(w->h, c);
	else
		rearm(w->h, c);
}

/* ---- accepting -------------------------------------------------------- */

/* Evict the connection idle the longest (one lingering after its last
 * reply first) to make room; 0 when none is idle.  Under h->mu. */
static int
evict_idle(httpd *h)
{
	struct conn *c, *oldest = NULL;
	int i, st;

	for (i = 0; i < h->top; i++) {
		if ((c = h->conns[i]) == NULL || c->poked)
			continue;
		st = state(c);
		if ((st == C_IDLE || st == C_LINGER) && (oldest == NULL ||
		    atomic_load(&c->since) < atomic_load(&oldest->since)))
			oldest = c;
	}
	if (oldest == NULL)
		return 0;
	oldest->poked = 1;
	shutdown(oldest->fd, SHUT_RDWR);	/* its holder closes it */
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

/* A slot for a new connection from a, or why not (status and msg).  Under
 * h->mu. */
static struct conn *
admit(httpd *h, const struct addr *a, const char *text, int *status,
    char *msg, size_t msglen)
{
	struct conn *c;
	int slot;

	if (h->nconns >= h->cfg.max_conns && (!evict_idle(h) || h->nfree == 0)) {
		*status = 503;
		snprintf(msg, msglen, "the server has %d connections open, its limit; try again",
		    h->cfg.max_conns);
		return NULL;
	}
	if (h->cfg.max_per_addr > 0 && peer_count(h, a) >= h->cfg.max_per_addr) {
		*status = 429;
		snprintf(msg, msglen, "%s has %d connections open, the limit per address",
		    text, h->cfg.max_per_addr);
		return NULL;
	}
	slot = h->free[--h->nfree];
	if (slot >= h->top)
		h->top = slot + 1;
	if ((c = h->conns[slot]) == NULL)
		c = h->conns[slot] = xmalloc(sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->slot = slot;
	c->peer = *a;
	snprintf(c->peer_text, sizeof(c->peer_text), "%s", text);
	atomic_store(&c->since, mono_ms());
	become(c, C_IDLE, h->cfg.header_ms);
	h->nconns++;
	peer_add(h, a, 1);
	return c;
}

/* Take one connection the listener holds, or refuse it; 0 when there
 * was none. */
static int
accept_one(httpd *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };
	struct conn *c;
	struct addr a;
	char text[ADDR_TEXT_MAX], msg[200];
	int fd, one = 1, status = 0;

	fd = accept4(h->lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Out of descriptors: stop listening for a moment
			 * rather than spin on a listener we cannot empty. */
			log_msg(LOG_WARN, "accept: %s; pausing", strerror(errno));
			pthread_mutex_lock(&h->mu);
			h->resume = mono_ms() + 100;
			h->listening = 0;
			pthread_mutex_unlock(&h->mu);
		}
		return 0;
	}
	addr_key((struct sockaddr *)&ss, &a);
	addr_text((struct sockaddr *)&ss, text);
	pthread_mutex_lock(&h->mu);
	if ((c = admit(h, &a, text, &status, msg, sizeof(msg))) != NULL)
		c->fd = fd;
	pthread_mutex_unlock(&h->mu);
	if (c == NULL) {
		turn_away(h, fd, &a, text, status, msg);
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.data.ptr = c;
	atomic_fetch_add_explicit(&c->handoffs, 1, memory_order_release);
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		conn_close(h, c);
		release_slot(h, c);
	}
	return 1;
}

static void
arm_listener(httpd *h)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
	    .data.ptr = &h->lfd };

	epoll_ctl(h->ep, EPOLL_CTL_MOD, h->lfd, &ev);
}

/* The listener's event: take what waits, then listen again. */
static void
on_listener(httpd *h)
{
	int i, again;

	for (i = 0; i < 64 && accept_one(h); i++)
		;
	pthread_mutex_lock(&h->mu);
	again = h->listening && !atomic_load(&h->stopping);
	pthread_mutex_unlock(&h->mu);
	if (again)
		arm_listener(h);
}

/* ---- deadlines and stopping ------------------------------------------ */

/* Wake every connection whose deadline passed by ending its input; its
 * holder answers 408 or closes.  With all set, every connection waiting
 * for its client (stopping). */
static void
sweep(httpd *h, int all)
{
	struct conn *c;
	int64_t now = mono_ms();
	int i, st;

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->top; i++) {
		if ((c = h->conns[i]) == NULL || (st = state(c)) == C_FREE ||
		    st == C_WORK || st == C_CLOSED)
			continue;
		if (st == C_WRITE && atomic_load(&c->deadline) <= now)
			shutdown(c->fd, SHUT_RDWR);
		else if (st != C_WRITE && (all || atomic_load(&c->deadline) <= now))
			shutdown(c->fd, SHUT_RD);
	}
	if (!h->listening && !atomic_load(&h->stopping) && h->resume <= now) {
		h->listening = 1;
		arm_listener(h);
	}
	pthread_mutex_unlock(&h->mu);
}

/* Sweep if it is time and no other thread is at it. */
static void
maybe_sweep(httpd *h)
{
	int64_t now = mono_ms(), next = atomic_load(&h->next_sweep);

	if (now >= next && atomic_compare_exchange_strong(&h->next_sweep,
	    &next, now + SWEEP_MS))
		sweep(h, atomic_load(&h->stopping));
}

static int
connections(httpd *h)
{
	int n;

	pthread_mutex_lock(&h->mu);
	n = h->nconns;
	pthread_mutex_unlock(&h->mu);
	return n;
}

/* Wait (at most SWEEP_MS) to be needed as a poller. */
static void
park(httpd *h)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += SWEEP_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->park_mu);
	h->nparked++;
	pthread_cond_timedwait(&h->park_cv, &h->park_mu, &ts);
	h->nparked--;
	pthread_mutex_unlock(&h->park_mu);
}

/* This thread takes an event: if it was the last poller, wake a parked
 * thread to poll meanwhile. */
static void
hand_over(httpd *h)
{
	if (atomic_load(&h->npolling) > 0)
		return;
	pthread_mutex_lock(&h->park_mu);
	if (h->nparked > 0)
		pthread_cond_signal(&h->park_cv);
	pthread_mutex_unlock(&h->park_mu);
}

static void *
loop_run(void *arg)
{
	struct worker *w = arg;
	httpd *h = w->h;
	struct epoll_event ev;
	int n;

	for (;;) {
		maybe_sweep(h);
		if (atomic_load(&h->stopping) && connections(h) == 0)
			return NULL;
		if (atomic_fetch_add(&h->npolling, 1) >= h->maxpoll) {
			atomic_fetch_sub(&h->npolling, 1);
			park(h);
			continue;
		}
		n = epoll_wait(h->ep, &ev, 1, SWEEP_MS);
		atomic_fetch_sub(&h->npolling, 1);
		if (n != 1)
			continue;
		hand_over(h);
		if (ev.data.ptr == &h->lfd)
			on_listener(h);
		else
			on_conn(w, ev.data.ptr);
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
	int i;

	if (h->lfd >= 0)
		close(h->lfd);
	if (h->ep >= 0)
		close(h->ep);
	pthread_mutex_destroy(&h->mu);
	pthread_mutex_destroy(&h->park_mu);
	pthread_cond_destroy(&h->park_cv);
	for (i = 0; i < h->nslots; i++)
		free(h->conns[i]);
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
		h->workers[i].h = h;
		if (pthread_create(&h->workers[i].t, NULL, loop_run,
		    &h->workers[i]) != 0)
			break;
		h->nworkers++;
	}
	if (h->nworkers == h->cfg.threads)
		return 0;
	snprintf(err, errlen, "cannot start threads: %s", strerror(errno));
	atomic_store(&h->stopping, 1);
	for (i = 0; i < h->nworkers; i++)
		pthread_join(h->workers[i].t, NULL);
	return -1;
}

int
httpd_start(const struct httpd_config *cfg, httpd **out, char *err,
    size_t errlen)
{
	httpd *h = xcalloc(1, sizeof(*h));
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };
	int i;

	h->cfg = *cfg;
	h->cfg.listen = NULL;
	h->cfg.max_conns = fd_budget(cfg->max_conns + SLACK) - SLACK;
	h->nslots = h->cfg.max_conns + SLACK;
	h->lfd = h->ep = -1;
	h->maxpoll = 2 * (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (h->maxpoll < 4)
		h->maxpoll = 4;
	pthread_mutex_init(&h->mu, NULL);
	pthread_mutex_init(&h->park_mu, NULL);
	pthread_cond_init(&h->park_cv, NULL);
	h->conns = xcalloc((size_t)h->nslots, sizeof(*h->conns));
	h->free = xcalloc((size_t)h->nslots, sizeof(*h->free));
	for (i = h->nslots - 1; i >= 0; i--)
		h->free[h->nfree++] = i;
	if (listen_on(cfg->listen, &h->lfd, err, errlen) != 0)
		goto fail;
	if ((h->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot set up polling: %s", strerror(errno));
		goto fail;
	}
	/* In the set but not armed (no events) until httpd_open. */
	ev.events = 0;
	ev.data.ptr = &h->lfd;
	epoll_ctl(h->ep, EPOLL_CTL_ADD, h->lfd, &ev);
	h->resume = INT64_MAX;
	if (start_threads(h, err, errlen) != 0)
		goto fail;
	*out = h;
	return 0;
fail:
	release(h);
	return -1;
}

void
httpd_open(httpd *h)
{
	pthread_mutex_lock(&h->mu);
	h->listening = 1;
	h->resume = 0;
	arm_listener(h);
	pthread_mutex_unlock(&h->mu);
}

int
httpd_max_conns(const httpd *h)
{
	return h->cfg.max_conns;
}

void
httpd_stop(httpd *h)
{
	int i;

	if (h == NULL)
		return;
	atomic_store(&h->stopping, 1);
	/* Threads see it within SWEEP_MS; the listener is not armed again. */
	pthread_mutex_lock(&h->mu);
	h->listening = 0;
	pthread_mutex_unlock(&h->mu);
	epoll_ctl(h->ep, EPOLL_CTL_DEL, h->lfd, NULL);
	for (i = 0; i < h->nworkers; i++)
		pthread_join(h->workers[i].t, NULL);
	release(h);
}
