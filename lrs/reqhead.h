/* reqhead: the head of one HTTP/1.x request, parsed strictly.
 *
 * Strict because lrsd is the last word on where a request ends: anything
 * that two parsers could frame differently (two Content-Lengths, a length
 * with Transfer-Encoding, "12x", a header folded over lines, a blank
 * before a colon) is refused, never guessed at, so no request can hide
 * another in its body.
 *
 *	size_t from = 0, end;
 *	rc = reqhead_end(buf, len, &from, &end);	// again as bytes arrive
 *	if (rc == 0) rc = reqhead_parse(buf, end, &h, err, sizeof(err));
 *	if (rc) reply reqhead_status(rc) with err, then close
 */
#ifndef LRS_REQHEAD_H
#define LRS_REQHEAD_H

#include <stddef.h>
#include <stdint.h>

#define REQHEAD_MAX_LINE	8192	/* request line without CRLF: else 414 */
#define REQHEAD_MAX_FIELDS	100	/* header fields: else 431 */
#define REQHEAD_MAX_BYTES	32768	/* the whole head: else 431 */

enum {
	REQHEAD_OK = 0,
	REQHEAD_EPARTIAL = -1,	/* reqhead_end: the head is not complete yet */
	REQHEAD_EBAD = -2,	/* malformed or ambiguous: 400 */
	REQHEAD_ELINE = -3,	/* request line too long: 414 */
	REQHEAD_EFIELDS = -4,	/* too many header fields or bytes: 431 */
	REQHEAD_EVERSION = -5,	/* not HTTP/1.0 or 1.1: 505 */
	REQHEAD_ECODING = -6,	/* a transfer coding other than chunked: 501 */
	REQHEAD_EEXPECT = -7	/* an Expect other than 100-continue: 417 */
};

struct reqhead_field {
	const char	*name;		/* as sent, NUL-terminated */
	const char	*value;		/* blanks around it removed */
};

struct reqhead {
	const char		*method;	/* a token: "GET" */
	const char		*target;	/* "/path?query" (absolute-form
						 * reduced to it), or "*" */
	int			 minor;		/* HTTP/1.minor: 0 or 1 */
	struct reqhead_field	 fields[REQHEAD_MAX_FIELDS];
	size_t			 nfields;
	uint64_t		 length;	/* Content-Length; 0 when none;
						 * UINT64_MAX when it has more
						 * than 18 digits */
	int			 chunked;	/* Transfer-Encoding: chunked */
	int			 keep_alive;	/* the client allows another
						 * request on the connection */
	int			 expect_continue; /* Expect: 100-continue */
};

/* Find the end of the head at buf (len bytes so far), skipping nothing:
 * call it again with the same *from (0 at first) each time more bytes
 * arrive.  0 with *end the length of the head up to and including its
 * blank line; REQHEAD_EPARTIAL while there is none yet; REQHEAD_ELINE as
 * soon as the request line is over REQHEAD_MAX_LINE, REQHEAD_EFIELDS as
 * soon as the head is over REQHEAD_MAX_BYTES. */
int	reqhead_end(const char *buf, size_t len, size_t *from, size_t *end);

/* Parse the complete head buf (len bytes, as reqhead_end found them) in
 * place: NULs are written into buf, and h points into it (valid while buf
 * is).  Refuses, with a message naming the problem in err: a malformed
 * request line or field, obsolete line folding, a blank before a colon,
 * control characters in a value, more than one Content-Length or
 * Transfer-Encoding, a Content-Length that is not all digits,
 * Content-Length together with Transfer-Encoding, Transfer-Encoding in an
 * HTTP/1.0 request, no Host or more than one on HTTP/1.1 (REQHEAD_EBAD);
 * too many fields (REQHEAD_EFIELDS); another HTTP version
 * (REQHEAD_EVERSION); a transfer coding but chunked (REQHEAD_ECODING); an
 * unknown expectation (REQHEAD_EEXPECT). */
int	reqhead_parse(char *buf, size_t len, struct reqhead *h, char *err,
	    size_t errlen);

/* The value of the first field called name (case-insensitive), or NULL. */
const char *reqhead_get(const struct reqhead *h, const char *name);

/* The HTTP status that answers a REQHEAD_E* code (400, 414, ...). */
int	reqhead_status(int rc);

#endif
