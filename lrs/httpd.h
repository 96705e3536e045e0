/* httpd: the HTTP/1.1 connection engine of the server.
 *
 * Threads wait on one epoll set; the thread a connection's event goes to
 * reads what has arrived, runs the handler once a request is whole, and
 * sends the reply.  Nothing ever blocks on the network: a connection that
 * is idle, slow to send its head or body, or slow to read its reply waits
 * in the epoll set at the cost of a descriptor and a few hundred bytes,
 * never a thread, and each state has a deadline.  Connections are capped
 * in all and per client address.
 *
 * Framing is strict (reqhead.h): a head that could be read two ways is
 * refused, the connection is closed after the refusal, and nothing that
 * follows it on the connection is read as a request.
 */
#ifndef LRS_HTTPD_H
#define LRS_HTTPD_H

#include <stddef.h>

#include "addr.h"
#include "buf.h"
#include "reqhead.h"

typedef struct httpd httpd;

struct httpd_req {
	const struct reqhead	*head;	/* NULL when refused before a head
					 * was parsed */
	const char		*body;	/* the whole body, decoded */
	size_t			 len;
	struct addr		 peer;	/* the client's address as a key */
	const char		*peer_text;
};

/* Runs on one of the threads: append a whole HTTP response to out.  *close
 * comes in set when the connection will be closed after the reply (the
 * client asked, or the server is stopping); the handler may set it, and
 * sends "Connection: close" when it is set.  All of req is valid only
 * during the call. */
typedef void (*httpd_handler)(void *arg, const struct httpd_req *req,
    struct buf *out, int *close);

/* Must be quick (no I/O, no LMDB: it answers bad framing, caps and
 * timeouts, before any handler would run): append a whole error response with status and message (which names the problem)
 * to out, with "Connection: close"; the connection is closed after it. */
typedef void (*httpd_refuse)(void *arg, const struct httpd_req *req,
    int status, const char *msg, struct buf *out);

struct httpd_config {
	const char	*listen;	/* "HOST:PORT", "[V6]:PORT" or "PORT" */
	int		 threads;	/* threads serving connections; at most
					 * 2 x CPUs (4 at least) wait for events
					 * at once, the others step in while
					 * those are busy in handlers */
	int		 max_conns;	/* connections open at once, in all */
	int		 max_per_addr;	/* ... from one address (addr.h); 0: any */
	int		 header_ms;	/* to receive a head, from its first byte
					 * (or from the accept) */
	int		 body_ms;	/* to receive a body, from its head */
	int		 idle_ms;	/* between requests on a connection */
	int		 write_ms;	/* to send a reply */
	size_t		 max_body;	/* larger bodies get 413 */
	httpd_handler	 handle;
	httpd_refuse	 refuse;
	void		*arg;		/* passed to handle and refuse */
};

/* Listen and start the threads; connections wait in the listen queue
 * until httpd_open.  cfg is copied (cfg->listen need not outlive the
 * call; arg must outlive the server).
 * Raises the soft limit of open files to the hard one; max_conns is
 * lowered to what that limit allows (httpd_max_conns tells).  -1 with err
 * when the address is bad or taken, or a thread cannot start. */
int	httpd_start(const struct httpd_config *cfg, httpd **out, char *err,
	    size_t errlen);
/* Start taking connections. */
void	httpd_open(httpd *h);
/* The connection cap in force (cfg->max_conns, or lower). */
int	httpd_max_conns(const httpd *h);
/* Stop accepting, close connections between requests, let requests in
 * flight finish and their replies go out (each bounded by write_ms), stop
 * the threads and release h.  NULL is a no-op. */
void	httpd_stop(httpd *h);

#endif
