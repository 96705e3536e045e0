/* Unit tests of the learner's memo: an entry is found only for an equal
 * input of the same kind, with its key and bytes; a later put on the
 * same slot replaces it; large canonical objects are not kept. */
#include <stdlib.h>
#include <string.h>

#include "learnmemo.h"
#include "test.h"

TEST_MAIN_DEFS

static json *
parse(const char *s)
{
	json *j = NULL;

	json_parse(s, strlen(s), 64, &j, NULL, 0);
	return j;
}

int
main(void)
{
	learnmemo *m = learnmemo_new(1);	/* every name on one slot */
	json *a = parse("{\"id\":\"http://a\",\"definition\":{\"type\":\"t\"}}");
	json *a2 = parse("{\"definition\":{\"type\":\"t\"},\"id\":\"http://a\"}");
	json *b = parse("{\"id\":\"http://a\",\"definition\":{\"type\":\"u\"}}");
	uint8_t ka[LEARNMEMO_KEY_LEN], k[LEARNMEMO_KEY_LEN];
	char *big;
	void *bytes = NULL;
	size_t len = 0;

	memset(ka, 7, sizeof(ka));
	ok(!learnmemo_find(m, 1, "http://a", 8, a, k, &bytes, &len),
	    "empty memo finds nothing");
	learnmemo_put(m, 1, "http://a", 8, a, ka, "{\"x\":1}", 7);
	ok(learnmemo_find(m, 1, "http://a", 8, a2, k, &bytes, &len) &&
	    memcmp(k, ka, sizeof(k)) == 0 && len == 7 &&
	    memcmp(bytes, "{\"x\":1}", 7) == 0, "equal input found");
	free(bytes);
	ok(!learnmemo_find(m, 2, "http://a", 8, a, k, &bytes, &len),
	    "other kind not found");
	ok(!learnmemo_find(m, 1, "http://a", 8, b, k, &bytes, &len),
	    "other input not found");
	learnmemo_put(m, 1, "http://b", 8, b, ka, "{}", 2);
	ok(!learnmemo_find(m, 1, "http://a", 8, a, k, &bytes, &len),
	    "replaced on its slot");
	ok(learnmemo_find(m, 1, "http://b", 8, b, k, &bytes, &len) &&
	    len == 2, "the new one found");
	free(bytes);
	big = calloc(1, LEARNMEMO_MAX_BYTES + 1);
	memset(big, 'x', LEARNMEMO_MAX_BYTES + 1);
	learnmemo_put(m, 1, "http://a", 8, a, ka, big, LEARNMEMO_MAX_BYTES + 1);
	ok(!learnmemo_find(m, 1, "http://a", 8, a, k, &bytes, &len),
	    "too large: not kept");
	free(big);
	json_free(a);
	json_free(a2);
	json_free(b);
	learnmemo_free(m);
	return test_done();
}
