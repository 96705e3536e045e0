/* libFuzzer: request heads and chunked bodies.  Besides crashes, checks
 * that feeding bytes one at a time finds the same end of head and decodes
 * the same body as feeding them all at once: a framing that depends on
 * how the bytes arrive could be used to split a request two ways. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chunked.h"
#include "reqhead.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
heads(const char *in, size_t size)
{
	struct reqhead h;
	char err[256], *copy;
	size_t from = 0, end = 0, from1 = 0, end1 = 0, i;
	int rc, rc1 = REQHEAD_EPARTIAL;

	rc = reqhead_end(in, size, &from, &end);
	for (i = 1; i <= size && rc1 == REQHEAD_EPARTIAL; i++)
		rc1 = reqhead_end(in, i, &from1, &end1);
	if (rc != rc1 || (rc == 0 && end != end1))
		abort();
	if (rc != 0)
		return;
	copy = xmemdup(in, end);
	if (reqhead_parse(copy, end, &h, err, sizeof(err)) == 0 &&
	    (h.nfields > REQHEAD_MAX_FIELDS || (h.chunked &&
	    reqhead_get(&h, "Content-Length") != NULL)))
		abort();
	free(copy);
}

static void
chunks(const char *in, size_t size)
{
	struct chunked a = CHUNKED_INIT, b = CHUNKED_INIT;
	struct buf oa = BUF_INIT, ob = BUF_INIT;
	size_t used, i = 0;
	int ra, rb = CHUNKED_MORE;

	ra = chunked_decode(&a, in, size, &oa, 4096, &used);
	while (i < size && rb == CHUNKED_MORE) {
		rb = chunked_decode(&b, in + i, 1, &ob, 4096, &used);
		i += used;
	}
	if (ra != rb || (ra == CHUNKED_DONE && (oa.len != ob.len ||
	    (oa.len && memcmp(oa.p, ob.p, oa.len) != 0))) || oa.len > 4096)
		abort();
	buf_free(&oa);
	buf_free(&ob);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	heads((const char *)data, size);
	chunks((const char *)data, size);
	return 0;
}
