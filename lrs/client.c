/* client: a small blocking HTTP/1.1 client for the command line. */
#include "client.h"

#include "base64.h"
#include "chunked.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* The largest reply read. */
#define REPLY_MAX	((size_t)64 << 20)

int
client_url_parse(const char *url, struct client_url *u, char *err,
    size_t errlen)
{
	const char *h, *end, *slash, *colon = NULL;
	size_t hl, pl;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "http://", 7) != 0) {
		snprintf(err, errlen, "'%s' is not an http:// URL%s", url,
		    strncmp(url, "https://", 8) == 0 ?
		    " (https is not spoken: use http on a trusted network or a local TLS proxy)" : "");
		return CLIENT_EURL;
	}
	h = url + 7;
	slash = h + strcspn(h, "/?#");
	if (*h == '[') {
		if ((end = memchr(h, ']', (size_t)(slash - h))) == NULL)
			goto bad;
		h++;
		hl = (size_t)(end - h);
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(slash - h));
		hl = (size_t)((colon ? colon : slash) - h);
	}
	if (hl == 0 || hl >= sizeof(u->host))
		goto bad;
	memcpy(u->host, h, hl);
	pl = colon ? (size_t)(slash - colon - 1) : 2;
	if (colon && (pl == 0 || pl >= sizeof(u->port) ||
	    strspn(colon + 1, "0123456789") < pl))
		goto bad;
	memcpy(u->port, colon ? colon + 1 : "80", pl);
	if (*slash == '?' || *slash == '#' || strlen(slash) >= sizeof(u->base))
		goto bad;
	snprintf(u->base, sizeof(u->base), "%s", slash);
	pl = strlen(u->base);
	while (pl && u->base[pl - 1] == '/')
		u->base[--pl] = '\0';
	return CLIENT_OK;
bad:
	snprintf(err, errlen, "'%s' is not http://HOST[:PORT][/PATH]", url);
	return CLIENT_EURL;
}

/* A connected socket to u, or -1 with err. */
static int
dial(const struct client_url *u, int timeout, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = { timeout, 0 };
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(u->host, u->port, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", u->host,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		rc = errno;
		close(fd);
		fd = -1;
		errno = rc;
	}
	if (fd < 0)
		snprintf(err, errlen, "cannot connect to %s port %s: %s",
		    u->host, u->port, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n) {
		k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The request head of r into h. */
static void
head(const struct client_url *u, const struct client_req *r, struct buf *h)
{
	struct buf cred = BUF_INIT;
	char *b64;

	buf_printf(h, "%s %s%s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
	    "Connection: close\r\nContent-Length: %zu\r\n", r->method,
	    u->base, r->target, strchr(u->host, ':') ? "[" : "", u->host,
	    strchr(u->host, ':') ? "]" : "", u->port, r->len);
	if (r->user) {
		buf_printf(&cred, "%s:%s", r->user, r->password);
		b64 = base64_encode(cred.p, cred.len, 0);
		buf_printf(h, "Authorization: Basic %s\r\n", b64);
		free(b64);
		buf_free(&cred);
	}
	if (r->headers)
		buf_puts(h, r->headers);
	buf_puts(h, "\r\n");
}

/* The whole reply on fd into in (the server closes the connection). */
static int
receive(int fd, struct buf *in, char *err, size_t errlen)
{
	ssize_t k;

	for (;;) {
		buf_grow(in, 65536);
		k = recv(fd, in->p + in->len, 65536, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(err, errlen, "cannot read the reply: %s",
			    errno == EAGAIN ? "timed out" : strerror(errno));
			return CLIENT_ENET;
		}
		if (k == 0)
			return CLIENT_OK;
		in->len += (size_t)k;
		if (in->len > REPLY_MAX) {
			snprintf(err, errlen, "the reply passes %zu bytes",
			    REPLY_MAX);
			return CLIENT_EREPLY;
		}
	}
}

/* Nonzero when the head (up to end) has header name with value v. */
static int
has_header(const char *p, const char *end, const char *name, const char *v)
{
	const char *line = strstr(p, "\r\n");
	size_t nl = strlen(name);

	while (line && line < end) {
		line += 2;
		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			line += nl + 1;
			line += strspn(line, " \t");
			return strncasecmp(line, v, strlen(v)) == 0;
		}
		line = strstr(line, "\r\n");
	}
	return 0;
}

/* Parse the reply in in: status and body. */
static int
parse_reply(struct buf *in, int *status, struct buf *body, char *err,
    size_t errlen)
{
	struct chunked c = CHUNKED_INIT;
	const char *end;
	size_t used, off;

	buf_putc(in, '\0');
	in->len--;
	end = strstr(in->p, "\r\n\r\n");
	if (end == NULL || sscanf(in->p, "HTTP/1.%*d %d", status) != 1) {
		snprintf(err, errlen, "the reply is not HTTP");
		return CLIENT_EREPLY;
	}
	off = (size_t)(end + 4 - in->p);
	if (!has_header(in->p, end, "Transfer-Encoding", "chunked")) {
		buf_add(body, in->p + off, in->len - off);
		return CLIENT_OK;
	}
	if (chunked_decode(&c, in->p + off, in->len - off, body, REPLY_MAX,
	    &used) != CHUNKED_DONE) {
		snprintf(err, errlen, "the reply's chunked body is cut short or bad");
		return CLIENT_EREPLY;
	}
	return CLIENT_OK;
}

int
client_request(const struct client_url *u, const struct client_req *r,
    int *status, struct buf *body, char *err, size_t errlen)
{
	struct buf h = BUF_INIT, in = BUF_INIT;
	int fd, rc = CLIENT_ENET;

	if ((fd = dial(u, r->timeout, err, errlen)) < 0)
		return CLIENT_ENET;
	head(u, r, &h);
	if (send_all(fd, h.p, h.len) != 0 ||
	    send_all(fd, r->body, r->len) != 0) {
		/* The server may have replied early (413) and closed. */
		if (receive(fd, &in, err, errlen) != CLIENT_OK || in.len == 0) {
			snprintf(err, errlen, "cannot send to %s port %s: %s",
			    u->host, u->port, strerror(errno));
			goto out;
		}
	} else if ((rc = receive(fd, &in, err, errlen)) != CLIENT_OK)
		goto out;
	rc = parse_reply(&in, status, body, err, errlen);
out:
	close(fd);
	buf_free(&h);
	buf_free(&in);
	return rc;
}
