/* libFuzzer: the chunked transfer coding (lrs/chunked.h) against a
 * reference decoder that reads the whole body at once, line by line, as
 * RFC 9112 section 7.1 writes the grammar (with the leniencies the header
 * documents: a bare LF ends a line, extensions and trailers are skipped
 * but bounded).  The first input byte sets the size limit (0 to 1020
 * bytes), the second how the rest is cut into pieces; the decoder fed
 * piece by piece must agree with the reference on the outcome and, when
 * done, on the data and on where the body ends. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chunked.h"
#include "reqhead.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
ref_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The end of a line: *pos moves past CRLF or LF at *pos; 0, CHUNKED_MORE
 * (as -100, so it differs from 0) or CHUNKED_EBAD. */
#define MORE	(-100)
static int
ref_eol(const uint8_t *s, size_t len, size_t *pos)
{
	if (*pos == len)
		return MORE;
	if (s[*pos] == '\n') {
		(*pos)++;
		return 0;
	}
	if (s[*pos] != '\r')
		return CHUNKED_EBAD;
	if (*pos + 1 == len)
		return MORE;
	if (s[*pos + 1] != '\n')
		return CHUNKED_EBAD;
	*pos += 2;
	return 0;
}

/* A line of n bytes that must end with LF within max bytes, starting at
 * pos: 0 and *pos past it, MORE or CHUNKED_EBAD. */
static int
ref_skip(const uint8_t *s, size_t len, size_t *pos, size_t max)
{
	const uint8_t *nl = memchr(s + *pos, '\n', len - *pos);
	size_t n = nl ? (size_t)(nl - (s + *pos)) + 1 : len - *pos;

	if (n > max)
		return CHUNKED_EBAD;
	if (nl == NULL)
		return MORE;
	*pos += n;
	return 0;
}

/* Trailer lines, then the empty line. */
static int
ref_trailers(const uint8_t *s, size_t len, size_t *pos)
{
	size_t total = 0, at;
	int rc;

	for (;;) {
		if (*pos == len)
			return MORE;
		if (s[*pos] == '\r' || s[*pos] == '\n') {
			rc = ref_eol(s, len, pos);
			return rc ? rc : CHUNKED_DONE;
		}
		at = *pos;
		rc = ref_skip(s, len, pos, CHUNKED_MAX_LINE);
		total += (rc == 0 ? *pos : len) - at;
		if (total > REQHEAD_MAX_BYTES)
			return CHUNKED_EBAD;
		if (rc != 0)
			return rc;
	}
}

/* The whole body s decoded into out (at most max bytes): the outcome as
 * chunked_decode() names it, *pos the bytes read when done. */
static int
ref_decode(const uint8_t *s, size_t len, size_t max, struct buf *out,
    size_t *pos)
{
	uint64_t size;
	int digits, d, rc;

	for (*pos = 0;;) {
		for (size = 0, digits = 0; *pos < len &&
		    (d = ref_hex(s[*pos])) >= 0; (*pos)++, digits++) {
			if (digits == 15)
				return CHUNKED_ETOOBIG;
			size = size * 16 + (uint64_t)d;
		}
		if (*pos == len)
			return MORE;
		if (digits && (s[*pos] == ';' || s[*pos] == ' ' ||
		    s[*pos] == '\t')) {
			(*pos)++;
			rc = ref_skip(s, len, pos, CHUNKED_MAX_LINE);
		} else
			rc = ref_eol(s, len, pos);
		if (rc != 0)
			return rc;
		if (digits == 0)
			return CHUNKED_EBAD;
		if (size > max - out->len)
			return CHUNKED_ETOOBIG;
		if (size == 0)
			return ref_trailers(s, len, pos);
		if (len - *pos < size)
			return MORE;
		buf_add(out, s + *pos, (size_t)size);
		*pos += (size_t)size;
		if ((rc = ref_eol(s, len, pos)) != 0)
			return rc;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chunked c = CHUNKED_INIT;
	struct buf got = BUF_INIT, want = BUF_INIT;
	size_t max, at = 0, used = 0, end, piece;
	unsigned seed;
	int rc = CHUNKED_MORE, ref;
	char *s, *p;

	if (size < 2)
		return 0;
	max = (size_t)data[0] << 2;
	seed = data[1];
	s = xmemdup(data + 2, size - 2);
	size -= 2;
	while (at < size && rc == CHUNKED_MORE) {
		seed = seed * 1103515245u + 12345u;
		piece = 1 + (seed >> 16) % 64;
		if (piece > size - at)
			piece = size - at;
		/* Each piece in its own exactly sized copy. */
		p = xmemdup(s + at, piece);
		rc = chunked_decode(&c, p, piece, &got, max, &used);
		free(p);
		if (used > piece || (rc == CHUNKED_MORE && used != piece))
			abort();
		at += used;
	}
	ref = ref_decode((const uint8_t *)s, size, max, &want, &end);
	if (ref == MORE)
		ref = CHUNKED_MORE;
	if (rc != ref || got.len > max)
		abort();
	if (rc == CHUNKED_DONE && (at != end || got.len != want.len ||
	    (got.len && memcmp(got.p, want.p, got.len) != 0)))
		abort();
	buf_free(&got);
	buf_free(&want);
	free(s);
	return 0;
}
