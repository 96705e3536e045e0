/* Unit tests of base64 and base64url. */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "test.h"

TEST_MAIN_DEFS

static int
dec(const char *in, int flags, const char *want)
{
	unsigned char *out;
	size_t n;
	int good;

	if (base64_decode(in, strlen(in), flags, &out, &n) != 0)
		return want == NULL;
	good = want && n == strlen(want) && memcmp(out, want, n) == 0;
	free(out);
	return good;
}

int
main(void)
{
	static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *b64[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *b64u[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
	char *e;
	size_t i;

	for (i = 0; i < 7; i++) {
		e = base64_encode(plain[i], strlen(plain[i]), 0);
		ok(strcmp(e, b64[i]) == 0, "RFC 4648 vector %zu encodes: %s", i, e);
		free(e);
		e = base64_encode(plain[i], strlen(plain[i]), BASE64_URL);
		ok(strcmp(e, b64u[i]) == 0, "base64url vector %zu encodes: %s", i, e);
		free(e);
		ok(dec(b64[i], 0, plain[i]), "vector %zu decodes", i);
		ok(dec(b64u[i], BASE64_URL, plain[i]), "url vector %zu decodes", i);
		ok(dec(b64u[i], 0, plain[i]), "unpadded vector %zu decodes when padding is optional", i);
		if (i > 0)
			ok(dec(b64[i], BASE64_STRICT, plain[i]), "strict vector %zu decodes", i);
	}
	ok(dec("Zg", BASE64_STRICT, NULL), "strict refuses missing padding");
	ok(dec("Zh==", BASE64_STRICT, NULL), "strict refuses nonzero unused bits");
	ok(dec("Zg=a", 0, NULL), "padding inside refused");
	ok(dec("Z===", 0, NULL), "three pads refused");
	ok(dec("Zm9v=", 0, NULL), "pad after a full group refused");
	ok(dec("Z", 0, NULL), "a lone character refused");
	ok(dec("Zg==", BASE64_URL, NULL), "url refuses padding");
	ok(dec("+/==", BASE64_URL, NULL), "url refuses the standard alphabet");
	ok(dec("-_", 0, NULL), "standard refuses the url alphabet");
	ok(dec("Zm 9v", 0, NULL), "whitespace refused");
	{
		unsigned char all[256];
		unsigned char *out;
		size_t n;

		for (i = 0; i < 256; i++)
			all[i] = (unsigned char)i;
		e = base64_encode(all, 256, BASE64_URL);
		ok(base64_decode(e, strlen(e), BASE64_URL, &out, &n) == 0 &&
		    n == 256 && memcmp(out, all, 256) == 0, "all bytes round-trip");
		free(out);
		free(e);
	}
	return test_done();
}
