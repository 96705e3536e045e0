/* libFuzzer: the JSON parser and the UTF-8 checks.  Aborts when
 *  - utf8_check() disagrees with a plain decoder written from RFC 3629,
 *  - a parsed tree holds a string that is not UTF-8 or a name with NUL,
 *  - the dump of a tree is not UTF-8 or does not parse back to it,
 *  - json_parse_own (the fast parser of lrsd's own JSON) disagrees with
 *    json_parse: a different tree, or a different verdict where the
 *    grammar or the depth decides. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "utf8.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Well-formed by decoding each sequence to its code point and asking
 * whether that is the shortest form of a scalar value. */
static int
reference_ok(const uint8_t *s, size_t len)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (s[i] < 0x80)
			n = 1, cp = s[i];
		else if ((s[i] & 0xE0) == 0xC0)
			n = 2, cp = s[i] & 0x1F;
		else if ((s[i] & 0xF0) == 0xE0)
			n = 3, cp = s[i] & 0x0F;
		else if ((s[i] & 0xF8) == 0xF0)
			n = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (len - i < n)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min[n] || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n;
	}
	return 1;
}

static void
check_tree(const json *j)
{
	size_t i, off;

	if (j->type == JSON_STRING &&
	    utf8_check(j->str, j->len, &off) != UTF8_OK)
		abort();
	for (i = 0; i < j->n; i++) {
		if (j->type == JSON_OBJECT && utf8_check(j->keys[i],
		    strlen(j->keys[i]), &off) != UTF8_OK)
			abort();
		check_tree(j->vals[i]);
	}
}

/* json_parse_own on the same text: the same tree, spelled the same, when
 * json_parse took it; refused when json_parse refused it for its grammar
 * or depth (what it checks besides, UTF-8 and repeated names, the fast
 * parser leaves alone). */
static void
own_agrees(const char *text, size_t size, int rc, const json *j)
{
	json *o = NULL;
	char *a, *b;
	size_t alen, blen;
	int orc = json_parse_own(text, size, 64, &o);

	if (rc == JSON_OK) {
		if (orc != JSON_OK || !json_equal(j, o))
			abort();
		a = json_to_string(j, &alen);
		b = json_to_string(o, &blen);
		if (alen != blen || memcmp(a, b, alen) != 0)
			abort();
		free(a);
		free(b);
	} else if ((rc == JSON_ESYNTAX || rc == JSON_EDEPTH) && orc == JSON_OK)
		abort();
	json_free(o);
	/* The block parser: what the fast parser gives, in one block. */
	o = NULL;
	if ((json_parse_own_block(text, size, 64, &o) == JSON_OK) !=
	    (orc == JSON_OK))
		abort();
	if (o != NULL) {
		a = json_to_string(o, &alen);
		free(a);
	}
	json_free(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], *copy, *text;
	json *j = NULL, *again = NULL;
	size_t len, off;
	int rc;

	if ((utf8_check((const char *)data, size, &off) == UTF8_OK) !=
	    reference_ok(data, size))
		abort();
	/* An exactly sized copy, so reading past the end is caught. */
	copy = xmemdup(data, size);
	rc = json_parse(copy, size, 64, &j, err, sizeof(err));
	own_agrees(copy, size, rc, j);
	if (rc == JSON_OK) {
		check_tree(j);
		text = json_to_string(j, &len);
		if (utf8_check_json(text, len, &off) != UTF8_OK ||
		    json_parse(text, len, 64, &again, err, sizeof(err)) !=
		    JSON_OK || !json_equal(j, again))
			abort();
		json_free(again);
		free(text);
	}
	json_free(j);
	free(copy);
	return 0;
}
