/* Unit tests of the strict request-head parser and the chunked decoder:
 * every framing that two parsers could read differently is refused with
 * the status that names it. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chunked.h"
#include "reqhead.h"
#include "test.h"

TEST_MAIN_DEFS

static struct reqhead h;
static char err[256];

/* Find the end of text and parse it; the parser's code. */
static int
parse(const char *text)
{
	static char copy[REQHEAD_MAX_BYTES * 2];
	size_t from = 0, end, len = strlen(text);
	int rc;

	memcpy(copy, text, len);
	err[0] = '\0';
	if ((rc = reqhead_end(copy, len, &from, &end)) != 0)
		return rc;
	return reqhead_parse(copy, end, &h, err, sizeof(err));
}

static void
test_good(void)
{
	ok(parse("GET /xapi/about?x=1 HTTP/1.1\r\nHost: a\r\n\r\n") == 0 &&
	    strcmp(h.method, "GET") == 0 &&
	    strcmp(h.target, "/xapi/about?x=1") == 0 && h.minor == 1 &&
	    h.keep_alive && h.length == 0 && !h.chunked && h.nfields == 1,
	    "a plain GET: %s", err);
	ok(parse("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n"
	    "Connection: keep-alive, close\r\n\r\n") == 0 && h.length == 12 &&
	    !h.keep_alive, "a length and Connection: close: %s", err);
	ok(parse("GET / HTTP/1.0\r\n\r\n") == 0 && h.minor == 0 &&
	    !h.keep_alive, "HTTP/1.0 needs no Host and closes: %s", err);
	ok(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") == 0 &&
	    h.keep_alive, "HTTP/1.0 may ask to keep alive");
	ok(parse("PUT /p HTTP/1.1\nHost: a\nTransfer-Encoding: Chunked\n"
	    "Expect: 100-continue\n\n") == 0 && h.chunked &&
	    h.expect_continue, "bare LF lines, chunked, 100-continue: %s", err);
	ok(parse("GET http://lrs.example:8080/xapi/about HTTP/1.1\r\nHost: x\r\n\r\n")
	    == 0 && strcmp(h.target, "/xapi/about") == 0, "absolute-form");
	ok(parse("GET /p HTTP/1.1\r\nHost: a\r\nX-Pad:   v  v \t\r\n\r\n") == 0 &&
	    strcmp(reqhead_get(&h, "x-pad"), "v  v") == 0,
	    "blanks around a value are dropped, inside kept");
	ok(parse("GET /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0123\r\n\r\n")
	    == 0 && h.length == 123, "leading zeros are digits");
	ok(parse("GET /p HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "1234567890123456789\r\n\r\n") == 0 && h.length == UINT64_MAX,
	    "a length of 19 digits is too large, not wrapped");
}

static void
bad(const char *text, int status, const char *what)
{
	int rc = parse(text);

	ok(rc != 0 && reqhead_status(rc) == status && (rc == REQHEAD_ELINE ||
	    rc == REQHEAD_EFIELDS || err[0] != '\0'),
	    "%s: want %d, got rc %d (%s)", what, status, rc, err);
}

static void
test_bad(void)
{
	bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n", 400, "two equal Content-Lengths");
	bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "content-length: 50\r\n\r\n", 400, "two unequal Content-Lengths");
	bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400,
	    "a list as length");
	bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12x\r\n\r\n", 400, "12x");
	bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +12\r\n\r\n", 400, "+12");
	bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, "-1");
	bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400, "empty length");
	bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400, "length and chunked");
	bad("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400, "two Transfer-Encodings");
	bad("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	    501, "another coding");
	bad("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
	    "chunked in HTTP/1.0");
	bad("GET / HTTP/1.1\r\n\r\n", 400, "no Host");
	bad("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts");
	bad("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "blank before the colon");
	bad("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  folded\r\n\r\n", 400, "folding");
	bad("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400, "bare CR in a value");
	bad("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400, "no colon");
	bad("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "two blanks in the request line");
	bad("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/2.0");
	bad("GET / FOO/1.1\r\nHost: a\r\n\r\n", 400, "not HTTP");
	bad("GET xapi HTTP/1.1\r\nHost: a\r\n\r\n", 400, "a relative target");
	bad("GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417, "odd Expect");
	bad("\r\n", 400, "an empty request line");
}

static void
test_limits(void)
{
	struct buf b = BUF_INIT;
	size_t from = 0, end, i;
	char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	int rc;

	buf_puts(&b, "GET /");
	for (i = 0; i < REQHEAD_MAX_LINE; i++)
		buf_putc(&b, 'a');
	rc = reqhead_end(b.p, b.len, &from, &end);
	ok(rc == REQHEAD_ELINE, "a long request line is 414 before its end arrives (%d)", rc);
	buf_reset(&b);
	buf_puts(&b, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < REQHEAD_MAX_FIELDS; i++)
		buf_printf(&b, "X-%zu: 1\r\n", i);
	buf_puts(&b, "\r\n");
	bad(b.p, 431, "too many fields");
	buf_reset(&b);
	buf_puts(&b, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	for (i = 0; i < REQHEAD_MAX_BYTES; i++)
		buf_putc(&b, 'a');
	from = 0;
	rc = reqhead_end(b.p, b.len, &from, &end);
	ok(rc == REQHEAD_EFIELDS, "a head over the byte limit is 431 unfinished (%d)", rc);
	from = 0;
	ok(reqhead_end("GET / HTTP/1.1\r\nHo", 19, &from, &end) ==
	    REQHEAD_EPARTIAL && from == 16, "partial: resumes at the open line");
	ok(reqhead_end("GET / HTTP/1.1\r\nHost: a\r\n\r\nNEXT", 31, &from, &end)
	    == 0 && end == 27, "the end is after the blank line");
	from = 0;
	rc = reqhead_end(nul, sizeof(nul) - 1, &from, &end);
	ok(rc == 0 && reqhead_parse(nul, end, &h, err, sizeof(err)) == REQHEAD_EBAD,
	    "a NUL in the head is refused");
	buf_free(&b);
}

/* Decode text in pieces of step bytes; the code, out the data. */
static int
dechunk(const char *text, size_t step, size_t max, struct buf *out,
    size_t *rest)
{
	struct chunked c = CHUNKED_INIT;
	size_t len = strlen(text), i = 0, n, used;
	int rc = CHUNKED_MORE;

	buf_reset(out);
	while (i < len && rc == CHUNKED_MORE) {
		n = len - i < step ? len - i : step;
		rc = chunked_decode(&c, text + i, n, out, max, &used);
		i += used;
	}
	*rest = len - i;
	return rc;
}

static void
test_chunked(void)
{
	struct buf out = BUF_INIT;
	const char *good = "5;name=v\r\nhello\r\n7\r\n, world\r\n0\r\n"
	    "Trailer: x\r\n\r\nGET /next";
	size_t rest, step;
	int rc;

	for (step = 1; step <= 64; step *= 4) {
		rc = dechunk(good, step, 100, &out, &rest);
		ok(rc == CHUNKED_DONE && out.len == 12 &&
		    memcmp(out.p, "hello, world", 12) == 0 && rest == 9,
		    "decoded in steps of %zu (rc %d, rest %zu)", step, rc, rest);
	}
	ok(dechunk("A\r\n0123456789\r\n0\r\n\r\n", 3, 100, &out, &rest) ==
	    CHUNKED_DONE && out.len == 10, "upper-case hex");
	ok(dechunk("5\r\nhello\r\n0\r\n\r\n", 5, 4, &out, &rest) ==
	    CHUNKED_ETOOBIG, "over max before the data is read");
	ok(dechunk("ffffffffffffffffff\r\n", 4, 100, &out, &rest) ==
	    CHUNKED_ETOOBIG, "a size that would overflow");
	ok(dechunk("5x\r\nhello\r\n0\r\n\r\n", 4, 100, &out, &rest) ==
	    CHUNKED_EBAD, "junk after the size");
	ok(dechunk("\r\nhello\r\n0\r\n\r\n", 4, 100, &out, &rest) ==
	    CHUNKED_EBAD, "no size");
	ok(dechunk("5\r\nhelloXX0\r\n\r\n", 4, 100, &out, &rest) ==
	    CHUNKED_EBAD, "data longer than its size");
	ok(dechunk("5\r\nhel", 4, 100, &out, &rest) == CHUNKED_MORE &&
	    rest == 0, "unfinished: more");
	buf_free(&out);
}

int
main(void)
{
	test_good();
	test_bad();
	test_limits();
	test_chunked();
	return test_done();
}
