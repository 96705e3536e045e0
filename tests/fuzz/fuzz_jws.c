/* libFuzzer: JWS compact serializations checked against a statement. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jws.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char stmt[] = "{\"actor\":{\"mbox\":\"mailto:a@b.c\"},"
	    "\"verb\":{\"id\":\"http://x/v\"},\"object\":{\"id\":\"http://x/o\"}}";
	static json *st;
	char err[256], *copy;

	if (st == NULL && json_parse(stmt, strlen(stmt), 8, &st, NULL, 0) != 0)
		abort();
	copy = xmemdup(data, size);
	jws_verify(copy, size, st, err, sizeof(err));
	free(copy);
	return 0;
}
