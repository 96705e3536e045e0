/* multipart: multipart/mixed bodies of xAPI statement requests and
 * responses (RFC 2046 as the xAPI spec profiles it).
 *
 * Parsing never copies the parts: they point into the caller's body and are
 * valid as long as that body is.
 *
 * The parser checks the RFC 2046 framing only.  What xAPI adds on top (the
 * first part is application/json, every later part carries
 * X-Experience-API-Hash and a Content-Transfer-Encoding of binary, each hash
 * names an attachment of the statements) is the caller's to check, with
 * the header values reported here.
 */
#ifndef LRS_MULTIPART_H
#define LRS_MULTIPART_H

#include <stddef.h>

#include "buf.h"

enum {
	MULTIPART_OK = 0,
	MULTIPART_EINVALID = -1	/* malformed body or Content-Type; err says why */
};

struct multipart_part {
	const char	*content_type;	/* copy of the part's Content-Type, or NULL */
	const char	*hash;		/* X-Experience-API-Hash value, or NULL */
	const char	*encoding;	/* Content-Transfer-Encoding value, or NULL */
	const char	*body;		/* points into the caller's body */
	size_t		 len;
};

struct multipart {
	struct multipart_part	*parts;
	size_t			 n;
	char			*strings;	/* owns the header strings */
};

/* Parse body (len bytes) sent with the given Content-Type header value
 * (which must be multipart/mixed with a boundary parameter, 1 to 70
 * characters, token or quoted-string).  Requires at least one part; the
 * delimiter and header lines end in CRLF; the closing delimiter must be
 * present.  A preamble before the first delimiter and an epilogue after
 * the closing one are ignored, as RFC 2046 says.  Header lines must be
 * well-formed UTF-8 without control characters but HTAB (the message
 * gives the byte offset in the body).  Header values are trimmed of
 * surrounding white space; a part naming Content-Type,
 * Content-Transfer-Encoding or X-Experience-API-Hash twice is refused.
 * On success fills *mp (release with multipart_free) and returns
 * MULTIPART_OK; else MULTIPART_EINVALID with a message in err (errlen
 * bytes) and *mp empty. */
int	multipart_parse(const char *content_type, const char *body, size_t len,
	    struct multipart *mp, char *err, size_t errlen);
/* Release what multipart_parse allocated (not the body). */
void	multipart_free(struct multipart *mp);

/* Nonzero when the media type of a Content-Type value (the part before any
 * ';' parameters, white space trimmed) is type, compared without regard to
 * case: multipart_type_is("Application/JSON; charset=utf-8",
 * "application/json") is true.  content_type may be NULL (false). */
int	multipart_type_is(const char *content_type, const char *type);

/* Write one part into out: delimiter line, Content-Type, and when hash is
 * not NULL Content-Transfer-Encoding: binary and X-Experience-API-Hash
 * headers, a blank line and the bytes.  Call multipart_close() after the
 * last part.  A content_type that is NULL or could break the header line
 * (control characters such as CR or LF, or bytes that are not UTF-8:
 * statement validation refuses them, so only a record stored before it
 * did can hold one) is written as application/octet-stream. */
void	multipart_write_part(struct buf *out, const char *boundary,
	    const char *content_type, const char *hash, const void *body,
	    size_t len);
/* Write the closing delimiter. */
void	multipart_close(struct buf *out, const char *boundary);

#endif
