/* chunked: a decoder of the chunked transfer coding. */
#include "chunked.h"
#include "hex.h"
#include "reqhead.h"

enum {
	S_SIZE,		/* hex digits of a chunk size */
	S_EXT,		/* the rest of a chunk-size line (extensions) */
	S_SIZE_LF,	/* the LF after a chunk-size line's CR */
	S_DATA,		/* chunk data */
	S_DATA_CR,	/* the CRLF after chunk data */
	S_DATA_LF,
	S_TRAILER,	/* at the start of a trailer line or the last line */
	S_TRAILER_LINE,	/* inside a trailer line */
	S_END_LF,	/* the LF of the last line */
	S_DONE,
	S_ERROR
};

/* The chunk-size line is over: on to its data, or to the trailers. */
static int
size_done(struct chunked *c, const struct buf *out, size_t max)
{
	if (c->digits == 0)
		return CHUNKED_EBAD;
	if (c->left > max || out->len > max - c->left)
		return CHUNKED_ETOOBIG;
	c->state = c->left ? S_DATA : S_TRAILER;
	c->digits = 0;
	return 0;
}

/* One byte of framing (not chunk data). */
static int
step(struct chunked *c, int ch, const struct buf *out, size_t max)
{
	int d;

	switch (c->state) {
	case S_SIZE:
		if ((d = hex_digit(ch)) >= 0 && c->digits < 15) {
			c->left = c->left * 16 + (uint64_t)d;
			c->digits++;
			return 0;
		}
		if (d >= 0)
			return CHUNKED_ETOOBIG;
		if (c->digits && (ch == ';' || ch == ' ' || ch == '\t')) {
			c->state = S_EXT;
			c->linelen = 0;
			return 0;
		}
		if (ch == '\r') {
			c->state = S_SIZE_LF;
			return 0;
		}
		return ch == '\n' ? size_done(c, out, max) : CHUNKED_EBAD;
	case S_EXT:
		if (++c->linelen > CHUNKED_MAX_LINE)
			return CHUNKED_EBAD;
		if (ch == '\n')
			return size_done(c, out, max);
		return 0;
	case S_SIZE_LF:
		return ch == '\n' ? size_done(c, out, max) : CHUNKED_EBAD;
	case S_DATA_CR:
		c->state = ch == '\r' ? S_DATA_LF : S_SIZE;
		return ch == '\r' || ch == '\n' ? 0 : CHUNKED_EBAD;
	case S_DATA_LF:
		c->state = S_SIZE;
		return ch == '\n' ? 0 : CHUNKED_EBAD;
	case S_TRAILER:
		if (ch == '\r' || ch == '\n') {
			c->state = ch == '\r' ? S_END_LF : S_DONE;
			return 0;
		}
		c->state = S_TRAILER_LINE;
		c->linelen = 0;
		/* FALLTHROUGH */
	case S_TRAILER_LINE:
		if (++c->linelen > CHUNKED_MAX_LINE ||
		    ++c->trailers > REQHEAD_MAX_BYTES)
			return CHUNKED_EBAD;
		if (ch == '\n')
			c->state = S_TRAILER;
		return 0;
	case S_END_LF:
		c->state = S_DONE;
		return ch == '\n' ? 0 : CHUNKED_EBAD;
	default:
		return CHUNKED_EBAD;
	}
}

int
chunked_decode(struct chunked *c, const char *in, size_t len,
    struct buf *out, size_t max, size_t *used)
{
	size_t i = 0, n;
	int rc;

	while (i < len && c->state != S_DONE) {
		if (c->state == S_DATA) {
			n = len - i < c->left ? len - i : (size_t)c->left;
			buf_add(out, in + i, n);
			i += n;
			if ((c->left -= n) == 0)
				c->state = S_DATA_CR;
			continue;
		}
		if ((rc = step(c, (unsigned char)in[i++], out, max)) != 0) {
			c->state = S_ERROR;
			*used = i;
			return rc;
		}
	}
	*used = i;
	return c->state == S_DONE ? CHUNKED_DONE : CHUNKED_MORE;
}
