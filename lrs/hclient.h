/* hclient: a small HTTP/1.1 client for the server's own outgoing
 * requests (forwarding), over plain TCP sockets.
 *
 * One request per connection ("Connection: close"); every step is bounded
 * by one deadline, so a target that hangs costs at most timeout_ms.  Only
 * http:// URLs: TLS is not supported (put a TLS-terminating proxy on
 * loopback in front of an https target).
 */
#ifndef LRS_HCLIENT_H
#define LRS_HCLIENT_H

#include <stddef.h>

enum {
	HCLIENT_OK = 0,
	HCLIENT_EURL = -1,	/* not an http://host[:port]/path URL */
	HCLIENT_ERESOLVE = -2,	/* the host name does not resolve */
	HCLIENT_ECONNECT = -3,	/* no connection (refused, unreachable) */
	HCLIENT_ETIMEDOUT = -4,	/* the deadline passed */
	HCLIENT_EIO = -5,	/* send or receive failed, or the peer closed
				 * before a whole status line */
	HCLIENT_EPROTO = -6	/* the answer is not HTTP/1.x */
};

/* A parsed target URL. */
struct hclient_url {
	char	host[256];	/* a name, IPv4, or IPv6 without brackets */
	char	port[8];
	char	path[1024];	/* with the query, "/" at least */
};

/* What came back: the status and the first bytes of the body (for error
 * messages), NUL-terminated. */
struct hclient_resp {
	int	status;
	char	body[512];
};

/* Parse url into *out.  HCLIENT_EURL with err naming what is wrong. */
int	hclient_parse_url(const char *url, struct hclient_url *out, char *err,
	    size_t errlen);
/* POST body (len bytes) to u with extra header lines (NULL, or lines each
 * ending "\r\n"; Host, Content-Length and Connection are added) and wait
 * for the status, at most timeout_ms in all.  HCLIENT_* codes. */
int	hclient_post(const struct hclient_url *u, const char *headers,
	    const void *body, size_t len, int timeout_ms,
	    struct hclient_resp *out);
/* Text for an HCLIENT_* code. */
const char *hclient_strerror(int rc);

#endif
