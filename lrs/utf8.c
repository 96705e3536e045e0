/* utf8: RFC 3629 UTF-8 and JSON \u escapes, checked in one pass. */
#include "utf8.h"
#include "hex.h"

/* What is wrong when the second byte of a sequence is a continuation byte
 * outside the range its lead allows (Table 3-7). */
static int
second_byte_error(unsigned char lead)
{
	if (lead == 0xED)
		return UTF8_ESURROGATE;
	if (lead == 0xF4)
		return UTF8_ERANGE;
	return UTF8_EOVERLONG;	/* E0 80..9F, F0 80..8F */
}

int
utf8_next(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xBF, b;
	size_t n, k;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xC0)
		return UTF8_ECONT;
	if (s[0] < 0xC2)
		return UTF8_EOVERLONG;
	if (s[0] < 0xE0)
		n = 2;
	else if (s[0] < 0xF0)
		n = 3;
	else if (s[0] < 0xF5)
		n = 4;
	else
		return s[0] < 0xF8 ? UTF8_ERANGE : UTF8_EBYTE;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	for (k = 1; k < n; k++) {
		if (k == len)
			return UTF8_ETRUNC;
		b = s[k];
		if (b < 0x80 || b > 0xBF)
			return UTF8_ETRUNC;
		if (k == 1 && (b < lo || b > hi))
			return second_byte_error(s[0]);
	}
	return (int)n;
}

/* One pass over s: every sequence well-formed and, when ctl is nonzero,
 * no control character but HTAB. */
static int
scan(const char *s, size_t len, int ctl, size_t *off)
{
	size_t i = 0;
	unsigned char c;
	int n;

	while (i < len) {
		c = (unsigned char)s[i];
		if (c >= 0x80)
			n = utf8_next(s + i, len - i);
		else if (ctl && ((c < 0x20 && c != '\t') || c == 0x7F))
			n = UTF8_ECTRL;
		else
			n = 1;
		if (n < 0) {
			*off = i;
			return n;
		}
		i += (size_t)n;
	}
	return UTF8_OK;
}

int
utf8_check(const char *s, size_t len, size_t *off)
{
	return scan(s, len, 0, off);
}

int
utf8_check_line(const char *s, size_t len, size_t *off)
{
	return scan(s, len, 1, off);
}

static int
hex4(const char *s, unsigned *v)
{
	int k, c;

	*v = 0;
	for (k = 0; k < 4; k++) {
		if ((c = hex_digit((unsigned char)s[k])) < 0)
			return -1;
		*v = *v << 4 | (unsigned)c;
	}
	return 0;
}

/* The escape starting with the backslash at s (len bytes from there): how
 * many bytes it spans, or a UTF8_E* code.  An escape of a high surrogate
 * spans its low surrogate too.  Escapes that are no \u escape are left to
 * the JSON parser; only their first character is consumed, and only when
 * it is ASCII (so that the bytes of a sequence are still checked). */
static int
escape(const char *s, size_t len)
{
	unsigned hi, lo;

	if (len < 2 || (unsigned char)s[1] >= 0x80)
		return 1;
	if (s[1] != 'u' || len < 6 || hex4(s + 2, &hi) != 0)
		return 2;
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return UTF8_ELOW;
	if (hi < 0xD800 || hi > 0xDBFF)
		return 6;
	if (len < 12 || s[6] != '\\' || s[7] != 'u' ||
	    hex4(s + 8, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
		return UTF8_EHIGH;
	return 12;
}

/* A backslash outside a string is a JSON syntax error the parser reports,
 * so the escapes need no knowledge of where strings start and end. */
int
utf8_check_json(const char *s, size_t len, size_t *off)
{
	size_t i = 0;
	unsigned char c;
	int n;

	while (i < len) {
		c = (unsigned char)s[i];
		if (c < 0x80 && c != '\\') {
			i++;
			continue;
		}
		n = c == '\\' ? escape(s + i, len - i) :
		    utf8_next(s + i, len - i);
		if (n < 0) {
			*off = i;
			return n;
		}
		i += (size_t)n;
	}
	return UTF8_OK;
}

const char *
utf8_strerror(int rc)
{
	switch (rc) {
	case UTF8_OK:
		return "well-formed";
	case UTF8_ECONT:
		return "invalid UTF-8 (a continuation byte without a lead byte)";
	case UTF8_ETRUNC:
		return "invalid UTF-8 (a sequence cut short)";
	case UTF8_EOVERLONG:
		return "invalid UTF-8 (an overlong encoding)";
	case UTF8_ESURROGATE:
		return "invalid UTF-8 (a UTF-16 surrogate, U+D800..U+DFFF, "
		    "encoded)";
	case UTF8_ERANGE:
		return "invalid UTF-8 (a code point above U+10FFFF)";
	case UTF8_EBYTE:
		return "invalid UTF-8 (a byte F8..FF, which UTF-8 never uses)";
	case UTF8_EHIGH:
		return "an unpaired high surrogate escape (\\uD800..\\uDBFF "
		    "not followed by \\uDC00..\\uDFFF)";
	case UTF8_ELOW:
		return "an unpaired low surrogate escape (\\uDC00..\\uDFFF "
		    "not preceded by \\uD800..\\uDBFF)";
	case UTF8_ECTRL:
		return "a control character";
	default:
		return "unknown UTF-8 error";
	}
}
