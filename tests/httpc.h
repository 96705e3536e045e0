/* httpc: a tiny HTTP/1.1 client over plain sockets, for tests only.
 *
 * One request per connection ("Connection: close" is always sent), so a
 * response ends at its Content-Length, at the end of its chunked body, or
 * when the server closes.  Every socket operation times out (HTTPC_TIMEOUT
 * seconds) so a hung server fails a test instead of hanging it.
 *
 *	struct httpc_resp r;
 *	if (httpc_xapi(port, "2.0.0", "GET", "/xapi/about", NULL, NULL, 0,
 *	    &r) == 0 && r.status == 200) ...
 *	httpc_resp_free(&r);
 */
#ifndef LRS_HTTPC_H
#define LRS_HTTPC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

#define HTTPC_TIMEOUT	10	/* seconds, for connect, each send and recv */

enum {
	HTTPC_OK = 0,
	HTTPC_ECONNECT = -1,	/* could not connect */
	HTTPC_EIO = -2,		/* send/recv failed or timed out before a response */
	HTTPC_EPROTO = -3	/* the response is not HTTP/1.x as we understand it */
};

struct httpc_resp {
	int	  status;	/* e.g. 200 */
	size_t	  nhdr;
	char	**names;	/* header names as sent */
	char	**values;	/* header values, surrounding blanks trimmed */
	char	 *body;		/* decoded body, NUL-terminated (never NULL) */
	size_t	  len;		/* body length without the NUL */
	json	 *json;		/* body parsed as JSON by httpc_json(), or NULL */
};

/* Send one request to host:port and read the whole response into *out
 * (release with httpc_resp_free, also after an error).  headers is NULL or
 * header lines, each ending in "\r\n"; Host, Connection and (when body is
 * not NULL) Content-Length are added.  A response to HEAD, and 1xx, 204 and
 * 304 responses, have no body.  When the server answers before it has read
 * the whole request (e.g. 413) and closes, the answer is still read.
 * Returns HTTPC_OK or an HTTPC_E* code. */
int	httpc_request(const char *host, int port, const char *method,
	    const char *path, const char *headers, const void *body, size_t len,
	    struct httpc_resp *out);

/* Like httpc_request() to 127.0.0.1:port with the headers an xAPI client
 * sends: Authorization (Basic test:testsecret1), X-Experience-API-Version
 * (version; omitted when NULL) and, when there is a body and extra does not
 * name a Content-Type, "Content-Type: application/json".  extra (NULL or
 * "Name: v\r\n" lines) is added after them.  len (size_t)-1 means
 * strlen(body). */
int	httpc_xapi(int port, const char *version, const char *method,
	    const char *path, const char *extra, const void *body, size_t len,
	    struct httpc_resp *out);

/* The value of the first header named name (case-insensitive) or NULL.
 * The result belongs to r. */
const char *httpc_header(const struct httpc_resp *r, const char *name);

/* The body parsed as JSON (cached in r->json, owned by r), or NULL when it
 * is not JSON. */
json	*httpc_json(struct httpc_resp *r);

/* Nonzero when the body is a JSON object with a string member "message"
 * or "error": what an xAPI error response must carry here. */
int	httpc_error_body(struct httpc_resp *r);

/* Nonzero when member name of the JSON body is an array holding a string
 * that contains word (e.g. the "reasons" of a 503 from /ready). */
int	httpc_json_strs_have(struct httpc_resp *r, const char *name,
	    const char *word);

/* Release what a response holds; *r is zeroed. */
void	httpc_resp_free(struct httpc_resp *r);

/* Append "Basic " and base64 of user:password to out (for the
 * Authorization header of other credentials). */
void	httpc_basic(const char *user, const char *password, struct buf *out);

/* Percent-encode s for a query string value, appending to out. */
void	httpc_urlencode(const char *s, struct buf *out);

/* Write a new random (version 4) UUID into out; returns out. */
char	*httpc_uuid(char out[37]);
/* Nonzero when s is a UUID in its canonical 8-4-4-4-12 hex form. */
int	httpc_is_uuid(const char *s);

/* An ISO 8601 date-time with a zone (2024-01-02T03:04:05.678Z, +hh:mm)
 * as microseconds since the epoch; -1 when s is not one (or NULL). */
int64_t	httpc_ts(const char *s);
/* An HTTP date (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") as seconds
 * since the epoch; -1 when s is not one (or NULL). */
int64_t	httpc_httpdate(const char *s);

/* Append to out the path (and query) of a "more" IRL, which may be
 * absolute ("http://host:port/xapi/...") or relative ("/xapi/..."). */
void	httpc_more_path(const char *more, struct buf *out);

/* One part of a multipart/mixed body; everything points into the body
 * that was split. */
struct httpc_part {
	const char	*headers;	/* the header lines, CRLF separated */
	size_t		 hlen;
	const char	*body;
	size_t		 len;
};

/* Split body (len bytes), sent with Content-Type ctype, which must be
 * multipart/mixed with a boundary, into at most max parts.  Returns the
 * number of parts, or -1 when the body is not such a multipart body
 * (no boundary, no closing delimiter, a part without a blank line). */
int	httpc_multipart(const char *ctype, const char *body, size_t len,
	    struct httpc_part *parts, int max);
/* Copy the value of the header name of part p into out (size bytes);
 * returns out, or NULL when the part has no such header. */
char	*httpc_part_header(const struct httpc_part *p, const char *name,
	    char *out, size_t size);

#endif
