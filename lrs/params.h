/* params: name=value pairs of a query string or a form body
 * (application/x-www-form-urlencoded), percent-decoded.
 */
#ifndef LRS_PARAMS_H
#define LRS_PARAMS_H

#include <stddef.h>

enum {
	PARAMS_OK = 0,
	PARAMS_EINVALID = -1	/* bad percent escape or text, a name given twice */
};

struct params {
	char	**names;
	char	**values;
	size_t	  n;
};

/* Parse s (len bytes; may be NULL) into p, appending to what p holds.
 * Names and values are decoded ('+' is a space, %XX a byte) and must then
 * be well-formed UTF-8 (RFC 3629) without NUL (%00).  A bad escape, bad
 * text or a name that appears twice is PARAMS_EINVALID, with err (errlen
 * bytes) saying what and where; p may then hold the pairs before it.
 * Release with params_free. */
int	params_parse(struct params *p, const char *s, size_t len, char *err,
	    size_t errlen);
/* The value of name, or NULL.  Owned by p. */
const char *params_get(const struct params *p, const char *name);
/* Add name=value (copies both); replaces an existing value. */
void	params_set(struct params *p, const char *name, const char *value);
/* Remove name if present. */
void	params_del(struct params *p, const char *name);
/* Release everything p holds; p is empty again. */
void	params_free(struct params *p);
/* Percent-decode s (len bytes) into a new string (caller frees), '+' as
 * space when plus is nonzero.  NULL on a bad escape. */
char	*params_decode(const char *s, size_t len, int plus, size_t *outlen);
/* Append s percent-encoded for a query string to a NUL-terminated
 * buffer (see buf.h). */
struct buf;
void	params_encode(struct buf *out, const char *s);

#endif
