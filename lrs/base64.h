/* base64: RFC 4648 base64 and base64url.
 *
 * Used for HTTP Basic credentials (strict base64), JWS (base64url without
 * padding, x5c certificates in base64) and the opaque "more" cursor.
 */
#ifndef LRS_BASE64_H
#define LRS_BASE64_H

#include <stddef.h>

enum {
	BASE64_URL	= 1,	/* the URL alphabet (-_), no '=' padding allowed */
	BASE64_STRICT	= 2	/* padding required and unused bits zero, so a
				 * value has exactly one spelling */
};

/* Decode len bytes of text into a new buffer (*out, caller frees; a NUL
 * follows the *outlen bytes).  Without BASE64_URL, '=' padding is
 * optional unless BASE64_STRICT.  Returns 0, or -1 when in is not such
 * text (then *out is NULL). */
int	base64_decode(const char *in, size_t len, int flags, unsigned char **out,
	    size_t *outlen);
/* Encode len bytes as a new NUL-terminated string (caller frees): with
 * BASE64_URL in the URL alphabet without padding, else padded base64. */
char	*base64_encode(const void *data, size_t len, int flags);

#endif
