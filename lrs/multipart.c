/* multipart: multipart/mixed bodies (RFC 2046) as xAPI sends them. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "multipart.h"
#include "utf8.h"
#include "xalloc.h"

/* RFC 2046 5.1.1: a boundary is 1 to 70 characters. */
#define BOUNDARY_MAX	70
#define NOSTR		SIZE_MAX

struct hdrs {
	size_t	ct, hash, enc;	/* offsets into the string pool, or NOSTR */
};

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

/* RFC 2045 token characters: any CHAR except SPACE, CTLs and tspecials. */
static int
is_token(int c)
{
	if (c <= 32 || c >= 127)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static const char *
skip_ows(const char *s)
{
	while (is_ows(*s))
		s++;
	return s;
}

/* Nonzero when the media type of Content-Type value ct is type. */
int
multipart_type_is(const char *ct, const char *type)
{
	const char *e;
	size_t n = strlen(type);

	if (ct == NULL)
		return 0;
	ct = skip_ows(ct);
	for (e = ct; *e != '\0' && *e != ';'; e++)
		;
	while (e > ct && is_ows(e[-1]))
		e--;
	return (size_t)(e - ct) == n && strncasecmp(ct, type, n) == 0;
}

/* Find the boundary parameter of a multipart/mixed Content-Type and copy it
 * into out (BOUNDARY_MAX + 1 bytes).  Parameters are name=value or
 * name=quoted-string; a trailing ';' is tolerated since clients send
 * "multipart/mixed;" and the error must then name the boundary. */
static int
get_boundary(const char *ct, char *out, char *err, size_t errlen)
{
	const char *s;
	char val[BOUNDARY_MAX + 2];
	size_t namelen, vlen;
	int found = 0, isb;

	if (ct == NULL || !multipart_type_is(ct, "multipart/mixed")) {
		seterr(err, errlen, "Content-Type is not multipart/mixed");
		return MULTIPART_EINVALID;
	}
	s = strchr(ct, ';');
	while (s != NULL && *s != '\0') {
		if (*s != ';') {
			seterr(err, errlen,
			    "Content-Type: malformed parameters");
			return MULTIPART_EINVALID;
		}
		s = skip_ows(s + 1);
		if (*s == '\0')
			break;
		namelen = 0;
		while (is_token((unsigned char)s[namelen]))
			namelen++;
		if (namelen == 0 || s[namelen] != '=') {
			seterr(err, errlen,
			    "Content-Type: malformed parameter");
			return MULTIPART_EINVALID;
		}
		isb = namelen == 8 && strncasecmp(s, "boundary", 8) == 0;
		s += namelen + 1;
		vlen = 0;
		if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (*s == '\\' && s[1] != '\0')
					s++;
				if (*s == '\0' || *s == '\r' || *s == '\n') {
					seterr(err, errlen, "Content-Type: "
					    "unterminated quoted parameter");
					return MULTIPART_EINVALID;
				}
				if (vlen <= BOUNDARY_MAX)
					val[vlen++] = *s;
			}
			s++;
		} else {
			/* Unquoted: be lenient and take everything up to
			 * ';' or white space, as clients often leave
			 * boundaries holding '=' or '/' unquoted. */
			for (; (unsigned char)*s > 32 && *s != ';' &&
			    *s != 127; s++)
				if (vlen <= BOUNDARY_MAX)
					val[vlen++] = *s;
		}
		s = skip_ows(s);
		if (!isb)
			continue;
		if (found) {
			seterr(err, errlen,
			    "Content-Type: boundary given twice");
			return MULTIPART_EINVALID;
		}
		found = 1;
		if (vlen == 0 || vlen > BOUNDARY_MAX) {
			seterr(err, errlen, "Content-Type: boundary must be "
			    "1 to %d characters", BOUNDARY_MAX);
			return MULTIPART_EINVALID;
		}
		memcpy(out, val, vlen);
		out[vlen] = '\0';
	}
	if (!found) {
		seterr(err, errlen, "Content-Type: multipart/mixed without "
		    "a boundary parameter");
		return MULTIPART_EINVALID;
	}
	return MULTIPART_OK;
}

/* Find the next delimiter ("--" boundary after a CRLF, or at offset 0 when
 * at_start) at or after offset from.  A match counts only when followed by
 * "--" (the close delimiter) or by optional white space and CRLF; a longer
 * string that merely begins with the boundary is data.  On success *crlf is
 * where the delimiter starts (its CRLF, i.e. where the preceding part
 * ends), *next the offset just past the delimiter line, *close whether it
 * was the close delimiter; returns 0, or -1 when there is none. */
static int
find_delim(const char *b, size_t len, size_t from, const char *dash,
    size_t dlen, int at_start, size_t *crlf, size_t *next, int *close)
{
	const char *p;
	size_t o, q;

	while (from < len && (p = memmem(b + from, len - from, dash, dlen))) {
		o = (size_t)(p - b);
		from = o + 1;
		if (o == 0 && at_start)
			*crlf = 0;
		else if (o >= 2 && b[o - 2] == '\r' && b[o - 1] == '\n')
			*crlf = o - 2;
		else
			continue;
		q = o + dlen;
		if (len - q >= 2 && b[q] == '-' && b[q + 1] == '-') {
			*close = 1;
			*next = q + 2;
			return 0;
		}
		while (q < len && is_ows((unsigned char)b[q]))
			q++;
		if (len - q >= 2 && b[q] == '\r' && b[q + 1] == '\n') {
			*close = 0;
			*next = q + 2;
			return 0;
		}
	}
	return -1;
}

/* The end of the line starting at s (before its CRLF) inside [s, end), or
 * NULL when it is not CRLF-terminated or holds a bare CR, LF or NUL. */
static const char *
line_end(const char *s, const char *end)
{
	for (; s < end; s++) {
		if (*s == '\r')
			return end - s >= 2 && s[1] == '\n' ? s : NULL;
		if (*s == '\n' || *s == '\0')
			return NULL;
	}
	return NULL;
}

/* The end of the header line starting at s, as line_end(), and checked:
 * UTF-8 text without control characters but HTAB (RFC 5322 field bodies
 * hold no CTL; RFC 6532 allows UTF-8).  NULL with err set otherwise,
 * the offset counted from base, the start of the body. */
static const char *
header_line(const char *s, const char *end, const char *base, size_t partno,
    char *err, size_t errlen)
{
	const char *le = line_end(s, end);
	size_t off;
	int rc;

	if (le == NULL) {
		seterr(err, errlen, "part %zu: header line not ended by CRLF",
		    partno);
		return NULL;
	}
	if ((rc = utf8_check_line(s, (size_t)(le - s), &off)) != UTF8_OK) {
		seterr(err, errlen, "part %zu: header line holds %s at byte "
		    "%zu of the body", partno, utf8_strerror(rc),
		    (size_t)(s - base) + off);
		return NULL;
	}
	return le;
}

/* Parse the headers of the part in [s, end).  Header lines end in CRLF; an
 * empty line ends them and the rest is the body.  The region may also end
 * right after the last header line: a part with headers and no body.
 * Values of the three headers xAPI uses go into pool; *body, *blen get the
 * body.  Returns 0 or -1 with err set. */
static int
parse_headers(const char *s, const char *end, const char *base, size_t partno,
    struct buf *pool, struct hdrs *h, const char **body, size_t *blen,
    char *err, size_t errlen)
{
	const char *le, *colon, *v, *ve;
	size_t *slot;

	h->ct = h->hash = h->enc = NOSTR;
	while (s < end) {
		if (end - s >= 2 && s[0] == '\r' && s[1] == '\n') {
			s += 2;
			break;
		}
		if ((le = header_line(s, end, base, partno, err,
		    errlen)) == NULL)
			return -1;
		for (colon = s; colon < le && is_token((unsigned char)*colon);
		    colon++)
			;
		if (colon == s || colon == le || *colon != ':') {
			seterr(err, errlen, "part %zu: malformed header line",
			    partno);
			return -1;
		}
		if (colon - s == 12 && strncasecmp(s, "Content-Type", 12) == 0)
			slot = &h->ct;
		else if (colon - s == 21 &&
		    strncasecmp(s, "X-Experience-API-Hash", 21) == 0)
			slot = &h->hash;
		else if (colon - s == 25 &&
		    strncasecmp(s, "Content-Transfer-Encoding", 25) == 0)
			slot = &h->enc;
		else
			slot = NULL;
		if (slot != NULL && *slot != NOSTR) {
			seterr(err, errlen, "part %zu: %.*s given twice",
			    partno, (int)(colon - s), s);
			return -1;
		}
		if (slot != NULL)
			*slot = pool->len;
		/* The value, with folded continuation lines joined by one
		 * space (RFC 5322 unfolding). */
		for (v = colon + 1;;) {
			while (v < le && is_ows((unsigned char)*v))
				v++;
			ve = le;
			while (ve > v && is_ows((unsigned char)ve[-1]))
				ve--;
			if (slot != NULL)
				buf_add(pool, v, (size_t)(ve - v));
			s = le + 2;
			if (s >= end || !is_ows((unsigned char)*s))
				break;
			if ((le = header_line(s, end, base, partno, err,
			    errlen)) == NULL)
				return -1;
			if (slot != NULL)
				buf_putc(pool, ' ');
			v = s;
		}
		if (slot != NULL)
			buf_putc(pool, '\0');
	}
	*body = s;
	*blen = (size_t)(end - s);
	return 0;
}

int
multipart_parse(const char *content_type, const char *body, size_t len,
    struct multipart *mp, char *err, size_t errlen)
{
	char boundary[BOUNDARY_MAX + 1], dash[BOUNDARY_MAX + 3];
	struct buf pool = BUF_INIT;
	struct hdrs *hs = NULL;
	struct multipart_part *parts = NULL;
	size_t dlen, n = 0, cap = 0, i, crlf, next, start;
	int close, rc = MULTIPART_EINVALID;

	memset(mp, 0, sizeof(*mp));
	if (get_boundary(content_type, boundary, err, errlen) != 0)
		return MULTIPART_EINVALID;
	dlen = (size_t)snprintf(dash, sizeof(dash), "--%s", boundary);
	if (body == NULL)
		len = 0;

	/* Whatever precedes the first delimiter is preamble. */
	if (find_delim(body, len, 0, dash, dlen, 1, &crlf, &next,
	    &close) != 0) {
		seterr(err, errlen, "body has no boundary delimiter line");
		goto out;
	}
	if (close) {
		seterr(err, errlen, "body has no parts");
		goto out;
	}
	for (;;) {
		start = next;
		if (find_delim(body, len, start, dash, dlen, 0, &crlf, &next,
		    &close) != 0) {
			seterr(err, errlen, "part %zu: no delimiter after it "
			    "(closing delimiter missing)", n + 1);
			goto out;
		}
		/* A delimiter's CRLF may not overlap the previous one. */
		if (crlf < start) {
			seterr(err, errlen, "part %zu: delimiter shares the "
			    "CRLF of the one before it", n + 1);
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			parts = xrealloc(parts, cap * sizeof(*parts));
			hs = xrealloc(hs, cap * sizeof(*hs));
		}
		memset(&parts[n], 0, sizeof(parts[n]));
		if (parse_headers(body + start, body + crlf, body, n + 1, &pool,
		    &hs[n], &parts[n].body, &parts[n].len, err, errlen) != 0)
			goto out;
		n++;
		if (close)
			break;
	}

	/* The pool has stopped moving: turn offsets into pointers. */
	mp->strings = buf_detach(&pool, NULL);
	for (i = 0; i < n; i++) {
		parts[i].content_type = hs[i].ct == NOSTR ? NULL :
		    mp->strings + hs[i].ct;
		parts[i].hash = hs[i].hash == NOSTR ? NULL :
		    mp->strings + hs[i].hash;
		parts[i].encoding = hs[i].enc == NOSTR ? NULL :
		    mp->strings + hs[i].enc;
	}
	mp->parts = parts;
	mp->n = n;
	parts = NULL;
	rc = MULTIPART_OK;
out:
	free(parts);
	free(hs);
	buf_free(&pool);
	return rc;
}

void
multipart_free(struct multipart *mp)
{
	if (mp == NULL)
		return;
	free(mp->parts);
	free(mp->strings);
	memset(mp, 0, sizeof(*mp));
}

void
multipart_write_part(struct buf *out, const char *boundary,
    const char *content_type, const char *hash, const void *body, size_t len)
{
	size_t off;

	/* A stored value with a CR or LF would forge headers or parts. */
	if (content_type == NULL || utf8_check_line(content_type,
	    strlen(content_type), &off) != UTF8_OK)
		content_type = "application/octet-stream";
	buf_printf(out, "--%s\r\nContent-Type: %s\r\n", boundary,
	    content_type);
	if (hash != NULL)
		buf_printf(out, "Content-Transfer-Encoding: binary\r\n"
		    "X-Experience-API-Hash: %s\r\n", hash);
	buf_puts(out, "\r\n");
	buf_add(out, body, len);
	/* This CRLF belongs to the next delimiter (RFC 2046). */
	buf_puts(out, "\r\n");
}

void
multipart_close(struct buf *out, const char *boundary)
{
	buf_printf(out, "--%s--\r\n", boundary);
}
