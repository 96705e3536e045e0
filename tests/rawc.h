/* rawc: raw TCP connections to the server under test, for tests that
 * must send what a well-behaved client never would (two Content-Lengths,
 * half a head) or hold connections open.
 *
 *	struct buf out = BUF_INIT;
 *	closed = rawc_exchange(port, text, strlen(text), 2000, &out);
 *	status = rawc_status(out.p);
 */
#ifndef LRS_RAWC_H
#define LRS_RAWC_H

#include <stddef.h>

#include "buf.h"

/* A blocking TCP connection to 127.0.0.1:port from the local address src
 * (e.g. "127.0.0.2"; NULL: any); -1 on failure. */
int	rawc_connect(const char *src, int port);
/* Send all n bytes; 0, or -1 when the connection failed. */
int	rawc_send(int fd, const void *p, size_t n);
/* Append what arrives on fd to out until the server closes (1) or
 * timeout_ms pass without it closing (0); -1 on a reset. */
int	rawc_read(int fd, int timeout_ms, struct buf *out);
/* Append what arrives on fd to out until it holds a whole response (1),
 * the server closes first (0), or timeout_ms pass (0); -1 on a reset. */
int	rawc_read_response(int fd, int timeout_ms, struct buf *out);
/* Connect, send n bytes of p, then rawc_read into out (reset first) and
 * close.  The result of rawc_read, or -1 when it could not connect. */
int	rawc_exchange(int port, const void *p, size_t n, int timeout_ms,
	    struct buf *out);
/* The status of the first response in text ("HTTP/1.1 400 ..."), or -1. */
int	rawc_status(const char *text);
/* How many whole responses text holds, one after the other. */
int	rawc_responses(const char *text);
/* Raise this process's limit of open files to its hard limit; returns
 * the limit now in force. */
long	rawc_raise_nofile(void);

#endif
