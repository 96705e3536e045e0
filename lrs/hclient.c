/* hclient: outgoing HTTP/1.1 requests (hclient.h). */
#include "hclient.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "mono.h"

const char *
hclient_strerror(int rc)
{
	switch (rc) {
	case HCLIENT_OK: return "success";
	case HCLIENT_EURL: return "not an http:// URL";
	case HCLIENT_ERESOLVE: return "the host name does not resolve";
	case HCLIENT_ECONNECT: return "cannot connect";
	case HCLIENT_ETIMEDOUT: return "timed out";
	case HCLIENT_EIO: return "the connection failed or closed early";
	case HCLIENT_EPROTO: return "the answer is not HTTP/1.x";
	default: return "unknown error";
	}
}

static int
url_err(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return HCLIENT_EURL;
}

/* Split "host[:port]" (host may be "[v6]") of n bytes into out. */
static int
parse_authority(const char *a, size_t n, struct hclient_url *out, char *err,
    size_t errlen)
{
	const char *port = NULL, *h = a, *he;
	size_t i;

	if (n > 0 && a[0] == '[') {
		if ((he = memchr(a, ']', n)) == NULL)
			return url_err(err, errlen, "the URL's IPv6 host lacks ']'");
		h = a + 1;
		if (he + 1 < a + n) {
			if (he[1] != ':')
				return url_err(err, errlen, "junk after the URL's IPv6 host");
			port = he + 2;
		}
	} else {
		he = memchr(a, ':', n);
		if (he)
			port = he + 1;
		else
			he = a + n;
	}
	if (he == h || (size_t)(he - h) >= sizeof(out->host))
		return url_err(err, errlen, "the URL has no host, or a too long one");
	memcpy(out->host, h, (size_t)(he - h));
	out->host[he - h] = '\0';
	if (port == NULL) {
		strcpy(out->port, "80");
		return HCLIENT_OK;
	}
	n -= (size_t)(port - a);
	if (n == 0 || n > 5)
		return url_err(err, errlen, "the URL's port must be 1 to 65535");
	for (i = 0; i < n; i++)
		if (port[i] < '0' || port[i] > '9')
			return url_err(err, errlen, "the URL's port must be a number");
	memcpy(out->port, port, n);
	out->port[n] = '\0';
	if (atoi(out->port) < 1 || atoi(out->port) > 65535)
		return url_err(err, errlen, "the URL's port must be 1 to 65535");
	return HCLIENT_OK;
}

int
hclient_parse_url(const char *url, struct hclient_url *out, char *err,
    size_t errlen)
{
	const char *a, *slash;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, "https://", 8) == 0)
		return url_err(err, errlen, "https:// URLs are not supported "
		    "(no TLS): use http://, e.g. through a TLS proxy on loopback");
	if (strncmp(url, "http://", 7) != 0)
		return url_err(err, errlen, "the URL must begin with http://");
	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
			return url_err(err, errlen, "the URL holds a blank or a "
			    "control character");
	a = url + 7;
	slash = strchr(a, '/');
	if (memchr(a, '@', slash ? (size_t)(slash - a) : strlen(a)))
		return url_err(err, errlen, "the URL must not carry user:password "
		    "(give username and password)");
	if ((rc = parse_authority(a, slash ? (size_t)(slash - a) : strlen(a),
	    out, err, errlen)) != HCLIENT_OK)
		return rc;
	if (slash == NULL)
		slash = "/";
	if (strlen(slash) >= sizeof(out->path))
		return url_err(err, errlen, "the URL's path is too long");
	strcpy(out->path, slash);
	return HCLIENT_OK;
}

/* Wait for events on fd until the deadline; HCLIENT_ETIMEDOUT. */
static int
wait_fd(int fd, short events, int64_t until)
{
	struct pollfd p = { fd, events, 0 };
	int64_t left;
	int n;

	for (;;) {
		if ((left = until - mono_ms()) <= 0)
			return HCLIENT_ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return HCLIENT_OK;
		if (n < 0 && errno != EINTR)
			return HCLIENT_EIO;
	}
}

/* Connect to one address within the deadline; the socket or an error. */
static int
connect_one(const struct addrinfo *ai, int64_t until, int *fd)
{
	int s, rc, soerr = 0;
	socklen_t sl = sizeof(soerr);

	s = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (s < 0)
		return HCLIENT_ECONNECT;
	if (connect(s, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			close(s);
			return HCLIENT_ECONNECT;
		}
		if ((rc = wait_fd(s, POLLOUT, until)) != HCLIENT_OK) {
			close(s);
			return rc;
		}
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 ||
		    soerr != 0) {
			close(s);
			return HCLIENT_ECONNECT;
		}
	}
	*fd = s;
	return HCLIENT_OK;
}

static int
dial(const struct hclient_url *u, int64_t until, int *fd)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc = HCLIENT_ECONNECT;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(u->host, u->port, &hints, &res) != 0)
		return HCLIENT_ERESOLVE;
	for (ai = res; ai; ai = ai->ai_next)
		if ((rc = connect_one(ai, until, fd)) == HCLIENT_OK ||
		    rc == HCLIENT_ETIMEDOUT)
			break;
	freeaddrinfo(res);
	return rc;
}

static int
send_all(int fd, const char *p, size_t n, int64_t until)
{
	ssize_t w;
	int rc;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return HCLIENT_EIO;
		if ((rc = wait_fd(fd, POLLOUT, until)) != HCLIENT_OK)
			return rc;
	}
	return HCLIENT_OK;
}

/* Read until the head and the body's first bytes are in (or the peer
 * closes, or 8 KiB came), then parse the status. */
static int
read_status(int fd, int64_t until, struct hclient_resp *out)
{
	char in[8192], *head_end;
	size_t n = 0, blen;
	ssize_t r;
	int rc;

	for (;;) {
		r = recv(fd, in + n, sizeof(in) - 1 - n, 0);
		if (r > 0) {
			n += (size_t)r;
			in[n] = '\0';
			head_end = strstr(in, "\r\n\r\n");
			if ((head_end && n - (size_t)(head_end + 4 - in) >=
			    sizeof(out->body) - 1) || n == sizeof(in) - 1)
				break;
			continue;
		}
		if (r == 0)
			break;
		if (errno != EAGAIN && errno != EINTR) {
			/* A reset after a whole head still told us. */
			if (n && strstr(in, "\r\n\r\n"))
				break;
			return HCLIENT_EIO;
		}
		if ((rc = wait_fd(fd, POLLIN, until)) != HCLIENT_OK) {
			if (n && strstr(in, "\r\n\r\n"))
				break;
			return rc;
		}
	}
	in[n] = '\0';
	if (n < 12 || strncmp(in, "HTTP/1.", 7) != 0 || in[8] != ' ' ||
	    in[9] < '1' || in[9] > '5')
		return n ? HCLIENT_EPROTO : HCLIENT_EIO;
	out->status = (in[9] - '0') * 100 + (in[10] - '0') * 10 + (in[11] - '0');
	if ((head_end = strstr(in, "\r\n\r\n")) != NULL) {
		blen = n - (size_t)(head_end + 4 - in);
		if (blen >= sizeof(out->body))
			blen = sizeof(out->body) - 1;
		memcpy(out->body, head_end + 4, blen);
		out->body[blen] = '\0';
	}
	return HCLIENT_OK;
}

int
hclient_post(const struct hclient_url *u, const char *headers,
    const void *body, size_t len, int timeout_ms, struct hclient_resp *out)
{
	struct buf req = BUF_INIT;
	int64_t until = mono_ms() + timeout_ms;
	int fd = -1, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = dial(u, until, &fd)) != HCLIENT_OK)
		goto out;
	buf_printf(&req, "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
	    "Connection: close\r\nContent-Length: %zu\r\n%s\r\n", u->path,
	    strchr(u->host, ':') ? "[" : "", u->host,
	    strchr(u->host, ':') ? "]" : "", u->port, len,
	    headers ? headers : "");
	buf_add(&req, body, len);
	if ((rc = send_all(fd, req.p, req.len, until)) != HCLIENT_OK)
		goto out;
	rc = read_status(fd, until, out);
out:
	if (fd >= 0)
		close(fd);
	buf_free(&req);
	return rc;
}
