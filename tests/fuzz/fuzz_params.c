/* libFuzzer: query strings, form bodies and base64. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "params.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct params p = { 0 };
	unsigned char *out;
	char err[256], *copy = xmemdup(data, size), *enc;
	size_t n;
	int flags;

	params_parse(&p, copy, size, err, sizeof(err));
	params_free(&p);
	for (flags = 0; flags < 4; flags++)
		if (base64_decode(copy, size, flags, &out, &n) == 0) {
			/* What decodes must encode back to a decodable text. */
			enc = base64_encode(out, n, flags & BASE64_URL);
			free(out);
			if (base64_decode(enc, strlen(enc), flags & BASE64_URL,
			    &out, &n) != 0)
				abort();
			free(out);
			free(enc);
		}
	free(copy);
	return 0;
}
