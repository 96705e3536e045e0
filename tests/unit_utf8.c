/* Unit tests of the UTF-8 checks: a catalogue of malformed sequences, each
 * named and with the code and offset it must be refused with, and the
 * well-formed edge cases that must pass. */
#include <string.h>

#include "test.h"
#include "utf8.h"

TEST_MAIN_DEFS

struct tcase {
	const char	*name;
	const char	*s;
	size_t		 len;	/* sizeof - 1, so NUL bytes may be inside */
	int		 rc;
	size_t		 off;	/* where the problem starts, when rc != 0 */
};

#define C(name, s, rc, off)	{ name, s, sizeof(s) - 1, rc, off }

/* Bytes, as utf8_check() sees them (and utf8_check_json, which adds the
 * escapes). */
static const struct tcase bytes[] = {
	/* Well-formed, and the boundaries of every row of Table 3-7. */
	C("empty", "", UTF8_OK, 0),
	C("ASCII", "plain text", UTF8_OK, 0),
	C("NUL is a character", "a\0b", UTF8_OK, 0),
	C("U+007F, last 1-byte", "\x7f", UTF8_OK, 0),
	C("U+0080, first 2-byte", "\xc2\x80", UTF8_OK, 0),
	C("U+07FF, last 2-byte", "\xdf\xbf", UTF8_OK, 0),
	C("U+0800, first 3-byte", "\xe0\xa0\x80", UTF8_OK, 0),
	C("U+D7FF, below the surrogates", "\xed\x9f\xbf", UTF8_OK, 0),
	C("U+E000, above the surrogates", "\xee\x80\x80", UTF8_OK, 0),
	C("U+FFFD", "\xef\xbf\xbd", UTF8_OK, 0),
	C("U+FFFF, last 3-byte", "\xef\xbf\xbf", UTF8_OK, 0),
	C("U+10000, first 4-byte", "\xf0\x90\x80\x80", UTF8_OK, 0),
	C("U+1F600, an emoji", "\xf0\x9f\x98\x80", UTF8_OK, 0),
	C("U+10FFFF, the last code point", "\xf4\x8f\xbf\xbf", UTF8_OK, 0),
	C("mixed text", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80!",
	    UTF8_OK, 0),

	/* Overlong encodings. */
	C("C0 AF, overlong '/'", "x\xc0\xaf", UTF8_EOVERLONG, 1),
	C("C1 BF, overlong U+007F", "\xc1\xbf", UTF8_EOVERLONG, 0),
	C("C0 80, overlong NUL", "ab\xc0\x80", UTF8_EOVERLONG, 2),
	C("E0 80 AF, 3-byte overlong '/'", "\xe0\x80\xaf", UTF8_EOVERLONG, 0),
	C("E0 9F BF, overlong U+07FF", "\xe0\x9f\xbf", UTF8_EOVERLONG, 0),
	C("F0 80 80 AF, 4-byte overlong '/'", "\xf0\x80\x80\xaf",
	    UTF8_EOVERLONG, 0),
	C("F0 8F BF BF, overlong U+FFFF", "\xf0\x8f\xbf\xbf",
	    UTF8_EOVERLONG, 0),

	/* Surrogates encoded as UTF-8 (CESU-8 and the like). */
	C("ED A0 80, U+D800", "ok \xed\xa0\x80", UTF8_ESURROGATE, 3),
	C("ED AF BF, U+DBFF", "\xed\xaf\xbf", UTF8_ESURROGATE, 0),
	C("ED B0 80, U+DC00", "\xed\xb0\x80", UTF8_ESURROGATE, 0),
	C("ED BF BF, U+DFFF", "\xed\xbf\xbf", UTF8_ESURROGATE, 0),
	C("a CESU-8 pair for U+10000", "\xed\xa0\x80\xed\xb0\x80",
	    UTF8_ESURROGATE, 0),

	/* Beyond U+10FFFF. */
	C("F4 90 80 80, U+110000", "\xf4\x90\x80\x80", UTF8_ERANGE, 0),
	C("F4 BF BF BF", "\xf4\xbf\xbf\xbf", UTF8_ERANGE, 0),
	C("F5 lead", "\xf5\x80\x80\x80", UTF8_ERANGE, 0),
	C("F7 BF BF BF, U+1FFFFF", "\xf7\xbf\xbf\xbf", UTF8_ERANGE, 0),
	C("F8, a 5-byte form", "\xf8\x88\x80\x80\x80", UTF8_EBYTE, 0),
	C("FC, a 6-byte form", "\xfc\x84\x80\x80\x80\x80", UTF8_EBYTE, 0),
	C("FE", "a\xfe", UTF8_EBYTE, 1),
	C("FF", "\xff", UTF8_EBYTE, 0),

	/* Continuation bytes where a lead should be. */
	C("lone 80", "\x80", UTF8_ECONT, 0),
	C("lone BF after text", "abc\xbf", UTF8_ECONT, 3),
	C("one continuation too many", "\xc3\xa9\xa9", UTF8_ECONT, 2),

	/* Sequences cut short. */
	C("C3 at the end", "ab\xc3", UTF8_ETRUNC, 2),
	C("E2 82 at the end", "\xe2\x82", UTF8_ETRUNC, 0),
	C("F0 9F 98 at the end", "\xf0\x9f\x98", UTF8_ETRUNC, 0),
	C("C3 then ASCII", "\xc3" "A", UTF8_ETRUNC, 0),
	C("E2 then a new lead", "\xe2\xc3\xa9", UTF8_ETRUNC, 0),
	C("E2 82 then NUL", "\xe2\x82\0", UTF8_ETRUNC, 0),
	C("F0 without continuations", "\xf0" "abc", UTF8_ETRUNC, 0),
};

/* JSON text, as utf8_check_json() sees it. */
static const struct tcase json[] = {
	C("no escapes", "{\"a\":\"b\"}", UTF8_OK, 0),
	C("\\u0000 is a character", "[\"\\u0000\"]", UTF8_OK, 0),
	C("\\u007F and \\u0080", "[\"\\u007F\\u0080\"]", UTF8_OK, 0),
	C("\\uFFFF", "[\"\\uFFFF\"]", UTF8_OK, 0),
	C("\\uD7FF and \\uE000", "[\"\\uD7FF\\uE000\"]", UTF8_OK, 0),
	C("a pair: U+1F600", "[\"\\uD83D\\uDE00\"]", UTF8_OK, 0),
	C("a pair in lower case", "[\"\\ud83d\\ude00\"]", UTF8_OK, 0),
	C("the last pair: U+10FFFF", "[\"\\uDBFF\\uDFFF\"]", UTF8_OK, 0),
	C("the first pair: U+10000", "[\"\\uD800\\uDC00\"]", UTF8_OK, 0),
	C("an escaped backslash before u", "[\"\\\\uD800\"]", UTF8_OK, 0),
	C("an escaped quote", "[\"\\\"\\uD83D\\uDE00\"]", UTF8_OK, 0),
	C("a bad escape is the parser's", "[\"\\x\"]", UTF8_OK, 0),
	C("short hex is the parser's", "[\"\\u12\"]", UTF8_OK, 0),

	C("lone high at the end", "[\"\\uD800\"]", UTF8_EHIGH, 2),
	C("high then a letter", "[\"\\uD800x\"]", UTF8_EHIGH, 2),
	C("high then \\u0041", "[\"\\uD800\\u0041\"]", UTF8_EHIGH, 2),
	C("high then high", "[\"\\uDBFF\\uDBFF\"]", UTF8_EHIGH, 2),
	C("high then \\n", "[\"\\uD800\\n\"]", UTF8_EHIGH, 2),
	C("high at the end of the text", "\"\\uD800", UTF8_EHIGH, 1),
	C("lone low", "[\"\\uDC00\"]", UTF8_ELOW, 2),
	C("lone low \\uDFFF", "[\"ab\\uDFFF\"]", UTF8_ELOW, 4),
	C("low then high", "[\"\\uDC00\\uD800\"]", UTF8_ELOW, 2),
	C("a pair, then a lone low", "[\"\\uD83D\\uDE00\\uDE00\"]",
	    UTF8_ELOW, 14),
	C("a bad escape hides no UTF-8", "[\"\\\xc0\xaf\"]", UTF8_EOVERLONG,
	    3),
	C("overlong in a member name", "{\"\xc0\xaf\":1}", UTF8_EOVERLONG, 2),
	C("surrogate bytes in a value", "[\"\xed\xa0\x80\"]",
	    UTF8_ESURROGATE, 2),
	C("above U+10FFFF in a value", "[\"\xf4\x90\x80\x80\"]",
	    UTF8_ERANGE, 2),
};

/* Header-line values, as utf8_check_line() sees them. */
static const struct tcase lines[] = {
	C("a media type", "text/plain; charset=utf-8", UTF8_OK, 0),
	C("HTAB is allowed", "text/plain;\tq=1", UTF8_OK, 0),
	C("UTF-8 text", "caf\xc3\xa9", UTF8_OK, 0),
	C("CR LF", "text/plain\r\nX-Evil: 1", UTF8_ECTRL, 10),
	C("a bare LF", "a\nb", UTF8_ECTRL, 1),
	C("NUL", "a\0b", UTF8_ECTRL, 1),
	C("ESC", "\x1b[0m", UTF8_ECTRL, 0),
	C("DEL", "a\x7f", UTF8_ECTRL, 1),
	C("invalid UTF-8 before a control", "\xc0\xaf\r", UTF8_EOVERLONG, 0),
};

static void
run(const char *what, const struct tcase *t, size_t n,
    int (*check)(const char *, size_t, size_t *))
{
	size_t i, off;
	int rc;

	for (i = 0; i < n; i++) {
		off = (size_t)-1;
		rc = check(t[i].s, t[i].len, &off);
		ok(rc == t[i].rc, "%s: %s: want %d (%s), got %d (%s)", what,
		    t[i].name, t[i].rc, utf8_strerror(t[i].rc), rc,
		    utf8_strerror(rc));
		ok(rc == 0 || off == t[i].off, "%s: %s: want offset %zu, got "
		    "%zu", what, t[i].name, t[i].off, off);
	}
}

/* utf8_next() on its own: lengths, and that it never reads past len. */
static void
test_next(void)
{
	ok(utf8_next("A", 1) == 1, "ASCII is 1 byte");
	ok(utf8_next("\xc3\xa9", 2) == 2, "U+00E9 is 2 bytes");
	ok(utf8_next("\xe2\x82\xac", 3) == 3, "U+20AC is 3 bytes");
	ok(utf8_next("\xf0\x9f\x98\x80", 4) == 4, "U+1F600 is 4 bytes");
	ok(utf8_next("\xf0\x9f\x98\x80", 3) == UTF8_ETRUNC,
	    "a 4-byte sequence given 3 bytes is cut short");
	ok(utf8_next("\xc3\xa9", 1) == UTF8_ETRUNC,
	    "a 2-byte sequence given 1 byte is cut short");
}

static void
test_strerror(void)
{
	int rc;

	for (rc = UTF8_ECTRL; rc < 0; rc++)
		ok(strcmp(utf8_strerror(rc), utf8_strerror(UTF8_ECTRL - 1))
		    != 0, "code %d has a description", rc);
	ok(strstr(utf8_strerror(UTF8_EOVERLONG), "overlong") != NULL,
	    "the overlong description says so");
	ok(strstr(utf8_strerror(UTF8_ESURROGATE), "surrogate") != NULL,
	    "the surrogate description says so");
	ok(strstr(utf8_strerror(UTF8_ERANGE), "10FFFF") != NULL,
	    "the range description names U+10FFFF");
}

int
main(void)
{
	run("utf8_check", bytes, sizeof(bytes) / sizeof(bytes[0]),
	    utf8_check);
	/* Bytes are checked the same inside JSON text. */
	run("utf8_check_json (bytes)", bytes, sizeof(bytes) / sizeof(bytes[0]),
	    utf8_check_json);
	run("utf8_check_json", json, sizeof(json) / sizeof(json[0]),
	    utf8_check_json);
	run("utf8_check_line", lines, sizeof(lines) / sizeof(lines[0]),
	    utf8_check_line);
	test_next();
	test_strerror();
	return test_done();
}
