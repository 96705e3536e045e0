/* libFuzzer: multipart/mixed bodies.  The first line of the input is the
 * Content-Type header, the rest the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct multipart mp;
	char err[256], *ct, *body;
	size_t blen, i;

	if (nl == NULL)
		return 0;
	ct = xstrndup((const char *)data, (size_t)(nl - data));
	blen = size - (size_t)(nl - data) - 1;
	/* An exactly sized copy, so reading past the end is caught. */
	body = xmemdup(nl + 1, blen);
	if (multipart_parse(ct, body, blen, &mp, err, sizeof(err)) == MULTIPART_OK) {
		for (i = 0; i < mp.n; i++)
			if (mp.parts[i].body < body ||
			    mp.parts[i].body + mp.parts[i].len > body + blen)
				abort();
		multipart_free(&mp);
	}
	free(body);
	free(ct);
	return 0;
}
