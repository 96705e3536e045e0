/* base64: RFC 4648 base64 and base64url. */
#include "base64.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int
value(int c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

int
base64_decode(const char *in, size_t len, int flags, unsigned char **out,
    size_t *outlen)
{
	int url = flags & BASE64_URL;
	unsigned char *o;
	unsigned int acc = 0;
	size_t i, n = 0, bits = 0, full = len;
	int v;

	*out = NULL;
	if (!url) {
		if (flags & BASE64_STRICT && (len == 0 || len % 4 != 0))
			return -1;
		/* At most two '=' and only at the end. */
		if (len > 0 && in[len - 1] == '=')
			len--;
		if (len > 0 && in[len - 1] == '=' && full % 4 == 0)
			len--;
		/* Padding, when present, completes the last group. */
		if (len != full && full % 4 != 0)
			return -1;
	}
	if (len % 4 == 1)
		return -1;
	o = xmalloc(len / 4 * 3 + 3);
	for (i = 0; i < len; i++) {
		if ((v = value((unsigned char)in[i], url)) < 0)
			goto bad;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (flags & BASE64_STRICT && acc != 0)
		goto bad;
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 0;
bad:
	free(o);
	return -1;
}

char *
base64_encode(const void *data, size_t len, int flags)
{
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char urls[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *abc = flags & BASE64_URL ? urls : std;
	const unsigned char *p = data;
	char *out = xmalloc(len / 3 * 4 + 5), *o = out;
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = abc[v >> 18];
		*o++ = abc[v >> 12 & 63];
		*o++ = abc[v >> 6 & 63];
		*o++ = abc[v & 63];
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
		*o++ = abc[v >> 18];
		*o++ = abc[v >> 12 & 63];
		if (i + 1 < len)
			*o++ = abc[v >> 6 & 63];
		else if (!(flags & BASE64_URL))
			*o++ = '=';
		if (!(flags & BASE64_URL))
			*o++ = '=';
	}
	*o = '\0';
	return out;
}
