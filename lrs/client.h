/* client: a small blocking HTTP/1.1 client for the command line (lrsd
 * import --url), one request per connection.
 *
 * Plain http:// only (put TLS in front with a proxy on the same host).
 * Library code: it never logs; errors go into the caller's buffer.
 */
#ifndef LRS_CLIENT_H
#define LRS_CLIENT_H

#include <stddef.h>

#include "buf.h"

enum {
	CLIENT_OK = 0,
	CLIENT_EURL = -1,	/* the URL is not http://HOST[:PORT][/PATH] */
	CLIENT_ENET = -2,	/* cannot resolve, connect, send or receive */
	CLIENT_EREPLY = -3	/* the reply is not HTTP as expected */
};

/* Where requests go. */
struct client_url {
	char	host[256];
	char	port[8];
	char	base[1024];	/* the URL's path, without a final '/' */
};

/* Parse url (http://HOST[:PORT][/PATH], HOST may be [IPv6]) into u.
 * CLIENT_EURL with err saying what is wrong. */
int	client_url_parse(const char *url, struct client_url *u, char *err,
	    size_t errlen);

/* One request. */
struct client_req {
	const char	*method;
	const char	*target;	/* below u->base: "/import/statements?x" */
	const char	*user, *password;	/* Basic credentials or NULL */
	const char	*headers;	/* extra "Name: v\r\n" lines or NULL */
	const char	*body;
	size_t		 len;
	int		 timeout;	/* seconds per send or receive */
};

/* Send r to u and read the whole reply: its status into *status and its
 * body (de-chunked) appended to body.  CLIENT_ENET, CLIENT_EREPLY with
 * err saying why. */
int	client_request(const struct client_url *u, const struct client_req *r,
	    int *status, struct buf *body, char *err, size_t errlen);

#endif
