/* reqhead: the head of one HTTP/1.x request, parsed strictly
 * (RFC 9112 sections 2-7, without the leniencies it merely permits). */
#include "reqhead.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A token character (RFC 9110 5.6.2). */
static int
tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static size_t
token_len(const char *s)
{
	size_t n = 0;

	while (tchar((unsigned char)s[n]))
		n++;
	return n;
}

int
reqhead_end(const char *buf, size_t len, size_t *from, size_t *end)
{
	const char *nl;
	size_t n;

	while ((nl = memchr(buf + *from, '\n', len - *from)) != NULL) {
		n = (size_t)(nl - (buf + *from));
		if (n > 0 && nl[-1] == '\r')
			n--;
		if (*from == 0 && n > REQHEAD_MAX_LINE)
			return REQHEAD_ELINE;
		if (n == 0) {
			*end = (size_t)(nl - buf) + 1;
			return *end > REQHEAD_MAX_BYTES ? REQHEAD_EFIELDS : 0;
		}
		*from = (size_t)(nl - buf) + 1;
	}
	if (*from == 0 && len > REQHEAD_MAX_LINE + 1)
		return REQHEAD_ELINE;
	if (len > REQHEAD_MAX_BYTES)
		return REQHEAD_EFIELDS;
	return REQHEAD_EPARTIAL;
}

/* NUL-terminate the line at s (ending in LF or CRLF before end, as
 * reqhead_end made sure) and return the start of the next one. */
static char *
cut_line(char *s, const char *end)
{
	char *nl = memchr(s, '\n', (size_t)(end - s));

	*nl = '\0';
	if (nl > s && nl[-1] == '\r')
		nl[-1] = '\0';
	return nl + 1;
}

/* Reduce an absolute-form target ("http://host/p?q") to "/p?q". */
static int
origin_form(const char *target, const char **out)
{
	const char *p;

	if (target[0] == '/' || strcmp(target, "*") == 0) {
		*out = target;
		return 0;
	}
	if (strncasecmp(target, "http://", 7) == 0)
		p = target + 7;
	else if (strncasecmp(target, "https://", 8) == 0)
		p = target + 8;
	else
		return -1;
	p = strpbrk(p, "/?#");
	if (p && *p != '/')
		return -1;
	*out = p ? p : "/";
	return 0;
}

static int
request_line(char *line, struct reqhead *h, char *err, size_t errlen)
{
	size_t n = token_len(line);
	char *target, *version;

	if (n == 0 || line[n] != ' ')
		goto bad;
	line[n] = '\0';
	h->method = line;
	target = line + n + 1;
	for (n = 0; (unsigned char)target[n] > ' ' && target[n] != 0x7f; n++)
		;
	if (n == 0 || target[n] != ' ')
		goto bad;
	target[n] = '\0';
	version = target + n + 1;
	if (strcmp(version, "HTTP/1.1") == 0 || strcmp(version, "HTTP/1.0") == 0)
		h->minor = version[7] - '0';
	else if (strncmp(version, "HTTP/", 5) == 0 && version[5] >= '0' &&
	    version[5] <= '9' && version[6] == '.' && version[7] >= '0' &&
	    version[7] <= '9' && version[8] == '\0') {
		snprintf(err, errlen, "%s is not served (HTTP/1.0 and HTTP/1.1 are)",
		    version);
		return REQHEAD_EVERSION;
	} else
		goto bad;
	if (origin_form(target, &h->target) != 0) {
		snprintf(err, errlen, "request target '%.80s' is not a path or an absolute http(s) URI",
		    target);
		return REQHEAD_EBAD;
	}
	return 0;
bad:
	snprintf(err, errlen, "malformed request line (METHOD SP target SP HTTP/1.x)");
	return REQHEAD_EBAD;
}

static int
field(char *line, struct reqhead *h, char *err, size_t errlen)
{
	size_t n = token_len(line);
	char *v, *e;

	if (line[0] == ' ' || line[0] == '\t') {
		snprintf(err, errlen, "header field folded over lines (obsolete line folding is refused)");
		return REQHEAD_EBAD;
	}
	if (n == 0 || line[n] != ':') {
		snprintf(err, errlen, "malformed header field '%.40s'%s", line,
		    n > 0 && (line[n] == ' ' || line[n] == '\t') ?
		    " (blank before the colon)" : "");
		return REQHEAD_EBAD;
	}
	if (h->nfields == REQHEAD_MAX_FIELDS) {
		snprintf(err, errlen, "more than %d header fields", REQHEAD_MAX_FIELDS);
		return REQHEAD_EFIELDS;
	}
	line[n] = '\0';
	for (v = line + n + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); )
		*--e = '\0';
	for (e = v; *e; e++)
		if (((unsigned char)*e < ' ' && *e != '\t') || *e == 0x7f) {
			snprintf(err, errlen, "control character in header %s", line);
			return REQHEAD_EBAD;
		}
	h->fields[h->nfields].name = line;
	h->fields[h->nfields++].value = v;
	return 0;
}

/* How many fields are called name; *value gets the last one's value. */
static int
count(const struct reqhead *h, const char *name, const char **value)
{
	size_t i;
	int n = 0;

	*value = NULL;
	for (i = 0; i < h->nfields; i++)
		if (strcasecmp(h->fields[i].name, name) == 0) {
			*value = h->fields[i].value;
			n++;
		}
	return n;
}

/* Nonzero when a Connection field lists option (comma-separated). */
static int
connection_has(const struct reqhead *h, const char *option)
{
	size_t i, n = strlen(option);
	const char *p;

	for (i = 0; i < h->nfields; i++) {
		if (strcasecmp(h->fields[i].name, "Connection") != 0)
			continue;
		for (p = h->fields[i].value; *p; p++) {
			p += strspn(p, " \t,");
			if (strncasecmp(p, option, n) == 0 &&
			    strchr(" \t,", p[n]) != NULL)	/* also p[n] == '\0' */
				return 1;
			p += strcspn(p, ",");
			if (*p == '\0')
				break;
		}
	}
	return 0;
}

static int
content_length(const char *v, struct reqhead *h, char *err, size_t errlen)
{
	size_t n = strspn(v, "0123456789");

	if (n == 0 || v[n] != '\0') {
		snprintf(err, errlen, "Content-Length '%.40s' is not a decimal number", v);
		return REQHEAD_EBAD;
	}
	h->length = 0;
	if (n > 18) {
		h->length = UINT64_MAX;
		return 0;
	}
	for (; *v; v++)
		h->length = h->length * 10 + (uint64_t)(*v - '0');
	return 0;
}

/* Where the body ends, Host, and the connection's fate. */
static int
framing(struct reqhead *h, char *err, size_t errlen)
{
	const char *cl, *te, *host, *expect;
	int ncl = count(h, "Content-Length", &cl);
	int nte = count(h, "Transfer-Encoding", &te);
	int nhost = count(h, "Host", &host);

	if (ncl > 1 || nte > 1) {
		snprintf(err, errlen, "more than one %s header", ncl > 1 ?
		    "Content-Length" : "Transfer-Encoding");
		return REQHEAD_EBAD;
	}
	if (ncl && nte) {
		snprintf(err, errlen, "both Content-Length and Transfer-Encoding: the body's length is ambiguous");
		return REQHEAD_EBAD;
	}
	if (nte && h->minor == 0) {
		snprintf(err, errlen, "Transfer-Encoding in an HTTP/1.0 request");
		return REQHEAD_EBAD;
	}
	if (nte && strcasecmp(te, "chunked") != 0) {
		snprintf(err, errlen, "Transfer-Encoding '%.40s' is not supported (only chunked)", te);
		return REQHEAD_ECODING;
	}
	h->chunked = nte;
	if (ncl && content_length(cl, h, err, errlen) != 0)
		return REQHEAD_EBAD;
	if ((h->minor == 1 && nhost != 1) || nhost > 1) {
		snprintf(err, errlen, nhost ? "more than one Host header" :
		    "an HTTP/1.1 request needs a Host header");
		return REQHEAD_EBAD;
	}
	if (count(h, "Expect", &expect) > 0) {
		if (strcasecmp(expect, "100-continue") != 0) {
			snprintf(err, errlen, "expectation '%.40s' is not supported", expect);
			return REQHEAD_EEXPECT;
		}
		h->expect_continue = h->minor == 1;
	}
	h->keep_alive = !connection_has(h, "close") &&
	    (h->minor == 1 || connection_has(h, "keep-alive"));
	return 0;
}

int
reqhead_parse(char *buf, size_t len, struct reqhead *h, char *err,
    size_t errlen)
{
	char *line = buf, *next;
	int rc;

	memset(h, 0, sizeof(*h));
	if (len == 0 || buf[len - 1] != '\n') {
		snprintf(err, errlen, "incomplete request head");
		return REQHEAD_EBAD;
	}
	/* A NUL would end a C string early and hide what follows it. */
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte in the request head");
		return REQHEAD_EBAD;
	}
	next = cut_line(line, buf + len);
	if ((rc = request_line(line, h, err, errlen)) != 0)
		return rc;
	while (next < buf + len) {
		line = next;
		next = cut_line(line, buf + len);
		if (*line == '\0')	/* the blank line */
			break;
		if ((rc = field(line, h, err, errlen)) != 0)
			return rc;
	}
	return framing(h, err, errlen);
}

const char *
reqhead_get(const struct reqhead *h, const char *name)
{
	const char *v;

	count(h, name, &v);
	return v;
}

int
reqhead_status(int rc)
{
	switch (rc) {
	case REQHEAD_ELINE: return 414;
	case REQHEAD_EFIELDS: return 431;
	case REQHEAD_EVERSION: return 505;
	case REQHEAD_ECODING: return 501;
	case REQHEAD_EEXPECT: return 417;
	default: return 400;
	}
}
