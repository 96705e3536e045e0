/* chunked: a decoder of the chunked transfer coding (RFC 9112 7.1), fed
 * the bytes of a request body as they arrive.
 *
 *	struct chunked c = CHUNKED_INIT;
 *	rc = chunked_decode(&c, in, len, &body, max, &used);
 *	// drop used bytes of in; rc 1: done, 0: feed more, < 0: refuse
 *
 * Chunk extensions and trailer fields are read and ignored; both are
 * bounded (CHUNKED_MAX_LINE per line, REQHEAD_MAX_BYTES of trailers).
 */
#ifndef LRS_CHUNKED_H
#define LRS_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CHUNKED_MAX_LINE	4096	/* a chunk-size line or trailer line */

enum {
	CHUNKED_DONE = 1,	/* the last chunk and the trailers are read */
	CHUNKED_MORE = 0,	/* every byte was used: feed more */
	CHUNKED_EBAD = -1,	/* not the chunked coding: 400 */
	CHUNKED_ETOOBIG = -2	/* the data would pass max: 413 */
};

struct chunked {
	int		state;
	uint64_t	left;		/* bytes of the current chunk to come */
	int		digits;		/* of the chunk size read so far */
	size_t		linelen;	/* bytes of an extension or trailer line */
	size_t		trailers;	/* bytes of trailers so far */
};

#define CHUNKED_INIT { 0, 0, 0, 0, 0 }

/* Decode in (len bytes) into out, which may hold at most max bytes of
 * data in all.  *used gets how many bytes of in were consumed: all of them
 * unless CHUNKED_DONE, when the rest belongs to the next request.
 * CHUNKED_DONE, CHUNKED_MORE, CHUNKED_EBAD, CHUNKED_ETOOBIG; after an
 * error c is spent. */
int	chunked_decode(struct chunked *c, const char *in, size_t len,
	    struct buf *out, size_t max, size_t *used);

#endif
