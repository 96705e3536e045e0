/* httpc: a tiny HTTP/1.1 client over plain sockets, for tests only. */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "httpc.h"
#include "json.h"
#include "xalloc.h"

#define TEST_USER	"test"
#define TEST_SECRET	"testsecret1"

/* Connect a TCP socket to host:port; -1 on failure. */
static int
dial(const char *host, int port)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = { HTTPC_TIMEOUT, 0 };
	char service[16];
	int fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%d", port);
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Send n bytes.  Stops early, without error, when the server answers or
 * closes before taking everything (a 413 is sent before the body is read):
 * what it said is then read as the response. */
static int
send_all(int fd, const char *p, size_t n)
{
	struct pollfd pfd;
	ssize_t w;
	int rc;

	while (n > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN | POLLOUT;
		pfd.revents = 0;
		rc = poll(&pfd, 1, HTTPC_TIMEOUT * 1000);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return HTTPC_EIO;
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			return 0;
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				continue;
			return 0;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Decode a chunked body from p (n bytes) into out.  1 when the last chunk
 * and the trailers have been seen, 0 when more bytes are needed, -1 when
 * it is not chunked encoding. */
static int
dechunk(const char *p, size_t n, struct buf *out)
{
	const char *end = p + n, *eol;
	unsigned long size;
	char *q;

	buf_reset(out);
	for (;;) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			return 0;
		errno = 0;
		size = strtoul(p, &q, 16);
		if (q == p || errno != 0 || (*q != '\r' && *q != ';' &&
		    *q != ' ' && *q != '\t'))
			return -1;
		p = eol + 2;
		if (size == 0)
			break;
		if ((size_t)(end - p) < size + 2)
			return 0;
		if (p[size] != '\r' || p[size + 1] != '\n')
			return -1;
		buf_add(out, p, size);
		p += size + 2;
	}
	/* Trailer lines, then an empty line. */
	for (;;) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			return 0;
		if (eol == p)
			return 1;
		p = eol + 2;
	}
}

static void
add_header(struct httpc_resp *r, const char *name, size_t nlen,
    const char *val, size_t vlen)
{
	while (vlen > 0 && (*val == ' ' || *val == '\t')) {
		val++;
		vlen--;
	}
	while (vlen > 0 && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
		vlen--;
	r->names = xrealloc(r->names, (r->nhdr + 1) * sizeof(*r->names));
	r->values = xrealloc(r->values, (r->nhdr + 1) * sizeof(*r->values));
	r->names[r->nhdr] = xstrndup(name, nlen);
	r->values[r->nhdr] = xstrndup(val, vlen);
	r->nhdr++;
}

static void
drop_headers(struct httpc_resp *r)
{
	size_t i;

	for (i = 0; i < r->nhdr; i++) {
		free(r->names[i]);
		free(r->values[i]);
	}
	free(r->names);
	free(r->values);
	r->names = r->values = NULL;
	r->nhdr = 0;
}

/* Parse the status line and headers of the head (hlen bytes, without the
 * blank line) into r. */
static int
parse_head(const char *p, size_t hlen, struct httpc_resp *r)
{
	const char *end = p + hlen, *eol, *colon;
	char *q;
	long st;

	drop_headers(r);
	if (hlen < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ')
		return HTTPC_EPROTO;
	st = strtol(p + 9, &q, 10);
	if (q != p + 12 || st < 100 || st > 999)
		return HTTPC_EPROTO;
	r->status = (int)st;
	eol = memmem(p, hlen, "\r\n", 2);
	p = eol == NULL ? end : eol + 2;
	while (p < end) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL)
			return HTTPC_EPROTO;
		add_header(r, p, (size_t)(colon - p), colon + 1,
		    (size_t)(eol - colon - 1));
		p = eol + 2;
	}
	return HTTPC_OK;
}

/* Is the response in in (n bytes) complete?  Fills r when it is.
 * Returns 1 complete, 0 need more, or an HTTPC_E* code. */
static int
try_complete(const char *method, const char *in, size_t n, int eof,
    struct httpc_resp *r, struct buf *body)
{
	const char *hend, *te, *cl;
	size_t hlen, have;
	char *q;
	unsigned long long want;
	int rc;

	for (;;) {
		hend = memmem(in, n, "\r\n\r\n", 4);
		if (hend == NULL)
			return eof ? HTTPC_EPROTO : 0;
		hlen = (size_t)(hend - in);
		if ((rc = parse_head(in, hlen, r)) != HTTPC_OK)
			return rc;
		in = hend + 4;
		n -= hlen + 4;
		/* Skip interim responses such as 100 Continue. */
		if (r->status >= 200)
			break;
	}
	buf_reset(body);
	if (strcmp(method, "HEAD") == 0 || r->status == 204 ||
	    r->status == 304)
		return 1;
	te = httpc_header(r, "Transfer-Encoding");
	if (te != NULL && strcasestr(te, "chunked") != NULL) {
		rc = dechunk(in, n, body);
		if (rc < 0)
			return HTTPC_EPROTO;
		if (rc == 0)
			return eof ? HTTPC_EPROTO : 0;
		return 1;
	}
	cl = httpc_header(r, "Content-Length");
	if (cl != NULL) {
		errno = 0;
		want = strtoull(cl, &q, 10);
		if (q == cl || *q != '\0' || errno != 0)
			return HTTPC_EPROTO;
		have = n < want ? n : (size_t)want;
		if (have < want)
			return eof ? HTTPC_EPROTO : 0;
		buf_add(body, in, have);
		return 1;
	}
	if (!eof)
		return 0;
	buf_add(body, in, n);
	return 1;
}

int
httpc_request(const char *host, int port, const char *method,
    const char *path, const char *headers, const void *body, size_t len,
    struct httpc_resp *out)
{
	struct buf req = BUF_INIT, in = BUF_INIT, dec = BUF_INIT;
	struct pollfd pfd;
	char chunk[16384];
	ssize_t got;
	int fd, rc, eof = 0;

	memset(out, 0, sizeof(*out));
	fd = dial(host, port);
	if (fd < 0) {
		rc = HTTPC_ECONNECT;
		goto out;
	}
	buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Connection: close\r\n", method, path, host, port);
	if (headers != NULL)
		buf_puts(&req, headers);
	if (body != NULL)
		buf_printf(&req, "Content-Length: %zu\r\n", len);
	buf_puts(&req, "\r\n");
	if (body != NULL)
		buf_add(&req, body, len);
	if ((rc = send_all(fd, req.p, req.len)) != 0)
		goto out;

	for (;;) {
		rc = try_complete(method, in.p == NULL ? "" : in.p, in.len,
		    eof, out, &dec);
		if (rc == 1)
			break;
		if (rc < 0)
			goto out;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		rc = poll(&pfd, 1, HTTPC_TIMEOUT * 1000);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			rc = HTTPC_EIO;
			goto out;
		}
		got = recv(fd, chunk, sizeof(chunk), 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && in.len == 0) {
			rc = HTTPC_EIO;
			goto out;
		}
		if (got <= 0)
			eof = 1;
		else
			buf_add(&in, chunk, (size_t)got);
	}
	rc = HTTPC_OK;
	buf_add(&dec, "", 0);	/* terminated even when empty */
	out->len = dec.len;
	out->body = buf_detach(&dec, NULL);
out:
	if (fd >= 0)
		close(fd);
	if (out->body == NULL)
		out->body = xstrdup("");
	buf_free(&req);
	buf_free(&in);
	buf_free(&dec);
	return rc;
}

int
httpc_xapi(int port, const char *version, const char *method,
    const char *path, const char *extra, const void *body, size_t len,
    struct httpc_resp *out)
{
	struct buf h = BUF_INIT;
	int rc;

	buf_puts(&h, "Authorization: ");
	httpc_basic(TEST_USER, TEST_SECRET, &h);
	buf_puts(&h, "\r\n");
	if (version != NULL)
		buf_printf(&h, "X-Experience-API-Version: %s\r\n", version);
	if (body != NULL && (extra == NULL ||
	    strcasestr(extra, "Content-Type:") == NULL))
		buf_puts(&h, "Content-Type: application/json\r\n");
	if (extra != NULL)
		buf_puts(&h, extra);
	if (body != NULL && len == (size_t)-1)
		len = strlen(body);
	rc = httpc_request("127.0.0.1", port, method, path, h.p, body, len,
	    out);
	buf_free(&h);
	return rc;
}

const char *
httpc_header(const struct httpc_resp *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->names[i], name) == 0)
			return r->values[i];
	return NULL;
}

json *
httpc_json(struct httpc_resp *r)
{
	if (r->json == NULL && r->body != NULL)
		json_parse(r->body, r->len, 512, &r->json, NULL, 0);
	return r->json;
}

int
httpc_error_body(struct httpc_resp *r)
{
	json *j = httpc_json(r);
	json *m;

	if (j == NULL || j->type != JSON_OBJECT)
		return 0;
	m = json_get(j, "message");
	if (m != NULL && m->type == JSON_STRING)
		return 1;
	m = json_get(j, "error");
	return m != NULL && m->type == JSON_STRING;
}

int
httpc_json_strs_have(struct httpc_resp *r, const char *name, const char *word)
{
	json *a = json_get(httpc_json(r), name);
	size_t i;

	for (i = 0; a && a->type == JSON_ARRAY && i < a->n; i++)
		if (a->vals[i]->type == JSON_STRING &&
		    strstr(a->vals[i]->str, word))
			return 1;
	return 0;
}

void
httpc_resp_free(struct httpc_resp *r)
{
	drop_headers(r);
	free(r->body);
	json_free(r->json);
	memset(r, 0, sizeof(*r));
}

void
httpc_basic(const char *user, const char *password, struct buf *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf plain = BUF_INIT;
	const unsigned char *p;
	size_t i, n;
	unsigned v;

	buf_printf(&plain, "%s:%s", user, password);
	p = (const unsigned char *)plain.p;
	n = plain.len;
	buf_puts(out, "Basic ");
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		buf_putc(out, tab[v >> 18 & 63]);
		buf_putc(out, tab[v >> 12 & 63]);
		buf_putc(out, tab[v >> 6 & 63]);
		buf_putc(out, tab[v & 63]);
	}
	if (n - i == 1) {
		v = (unsigned)p[i] << 16;
		buf_putc(out, tab[v >> 18 & 63]);
		buf_putc(out, tab[v >> 12 & 63]);
		buf_puts(out, "==");
	} else if (n - i == 2) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		buf_putc(out, tab[v >> 18 & 63]);
		buf_putc(out, tab[v >> 12 & 63]);
		buf_putc(out, tab[v >> 6 & 63]);
		buf_putc(out, '=');
	}
	buf_free(&plain);
}

void
httpc_urlencode(const char *s, struct buf *out)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~')
			buf_putc(out, *p);
		else
			buf_printf(out, "%%%02X", *p);
	}
}

char *
httpc_uuid(char out[37])
{
	static unsigned long long fallback;
	unsigned char b[16];
	ssize_t got = -1;
	int fd, i;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, b, sizeof(b));
		close(fd);
	}
	if (got != (ssize_t)sizeof(b)) {
		/* Unique enough for tests when /dev/urandom is missing. */
		fallback = fallback * 6364136223846793005ULL +
		    (unsigned long long)time(NULL) + (unsigned)getpid();
		for (i = 0; i < 16; i++)
			b[i] = (unsigned char)(fallback >> (i % 8 * 8)) ^
			    (unsigned char)(i * 37);
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return out;
}

int
httpc_is_uuid(const char *s)
{
	int i;

	if (s == NULL || strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

int64_t
httpc_ts(const char *s)
{
	struct tm tm;
	const char *p;
	int64_t us = 0, scale = 100000, off;
	int n = 0, oh, om;
	time_t t;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -1;
	p = s + n;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++) {
			us += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (strcmp(p, "Z") == 0)
		off = 0;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
	    sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
		off = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	else
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	return ((int64_t)t - off) * 1000000 + us;
}

int64_t
httpc_httpdate(const char *s)
{
	struct tm tm;
	const char *end;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	return (int64_t)timegm(&tm);
}

void
httpc_more_path(const char *more, struct buf *out)
{
	const char *p = more;

	if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0) {
		p = strchr(p + 8, '/');
		if (p == NULL)
			p = "/";
	}
	buf_puts(out, p);
}

/* The boundary parameter of a multipart Content-Type into out. */
static int
boundary_of(const char *ctype, char *out, size_t size)
{
	const char *p, *e;
	size_t n;

	if (ctype == NULL || strncasecmp(ctype, "multipart/mixed", 15) != 0)
		return -1;
	p = strcasestr(ctype, "boundary=");
	if (p == NULL)
		return -1;
	p += 9;
	if (*p == '"') {
		p++;
		e = strchr(p, '"');
		if (e == NULL)
			return -1;
	} else
		for (e = p; *e != '\0' && *e != ';' && *e != ' '; e++)
			;
	n = (size_t)(e - p);
	if (n == 0 || n + 1 > size)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
httpc_multipart(const char *ctype, const char *body, size_t len,
    struct httpc_part *parts, int max)
{
	char bnd[200], delim[210];
	const char *p, *end = body + len, *next, *hend;
	size_t dlen;
	int n = 0;

	if (boundary_of(ctype, bnd, sizeof(bnd)) != 0)
		return -1;
	/* Parts end at CRLF--boundary; the first may also start the body. */
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", bnd);
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else {
		p = memmem(body, len, delim, dlen);
		if (p == NULL)
			return -1;
		p += dlen;
	}
	for (;;) {
		/* p is just after a delimiter. */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return n;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return -1;
		p += 2;
		next = memmem(p, (size_t)(end - p), delim, dlen);
		if (next == NULL)
			return -1;
		if (next - p >= 2 && p[0] == '\r' && p[1] == '\n')
			hend = p;	/* no headers */
		else {
			hend = memmem(p, (size_t)(next - p), "\r\n\r\n", 4);
			if (hend == NULL)
				return -1;
			hend += 2;
		}
		if (n < max) {
			parts[n].headers = p;
			parts[n].hlen = (size_t)(hend - p);
			parts[n].body = hend + 2;
			parts[n].len = (size_t)(next - hend - 2);
		}
		n++;
		p = next + dlen;
	}
}

char *
httpc_part_header(const struct httpc_part *p, const char *name, char *out,
    size_t size)
{
	const char *line = p->headers, *end = p->headers + p->hlen, *eol, *v;
	size_t nlen = strlen(name), vlen;

	for (; line < end; line = eol + 2) {
		eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - line) > nlen && line[nlen] == ':' &&
		    strncasecmp(line, name, nlen) == 0) {
			v = line + nlen + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			vlen = (size_t)(eol - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' ||
			    v[vlen - 1] == '\t'))
				vlen--;
			if (vlen + 1 > size)
				vlen = size - 1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return out;
		}
	}
	return NULL;
}
