/* libFuzzer: the UTF-8 checks of lrs/utf8.h against references written
 * from RFC 3629 and RFC 8259 section 7, with no code in common.  Aborts
 * when a check and its reference disagree on whether the text is good,
 * on the offset of the first problem, or on a sequence's length, and
 * when a code is one the header does not allow there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The length of the well-formed sequence at s, or 0: decode the code
 * point, then ask whether it is a scalar value in its shortest form. */
static size_t
ref_seq(const uint8_t *s, size_t len)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, k;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0)
		n = 2, cp = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		n = 3, cp = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3F);
	}
	if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Offset of the first problem in s, or len when there is none; line adds
 * the control characters a header line may not hold. */
static size_t
ref_scan(const uint8_t *s, size_t len, int line)
{
	size_t i = 0, n;

	while (i < len) {
		if (line && ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7F))
			return i;
		if ((n = ref_seq(s + i, len - i)) == 0)
			return i;
		i += n;
	}
	return len;
}

/* The value of \uXXXX at s (len bytes from the backslash), or -1. */
static long
ref_uescape(const uint8_t *s, size_t len)
{
	char hex[5];
	char *end;

	if (len < 6 || s[0] != '\\' || s[1] != 'u')
		return -1;
	memcpy(hex, s + 2, 4);
	hex[4] = '\0';
	if (strspn(hex, "0123456789abcdefABCDEF") != 4)
		return -1;
	return strtol(hex, &end, 16);
}

/* JSON text: well-formed bytes, and surrogate escapes in pairs.  A
 * backslash and the ASCII character after it are one escape, so that in
 * "\\uD800" the u is text; a backslash before a non-ASCII byte leaves that
 * byte to be checked as UTF-8. */
static size_t
ref_json(const uint8_t *s, size_t len)
{
	size_t i = 0, n;
	long hi, lo;

	while (i < len) {
		if (s[i] != '\\') {
			if ((n = ref_seq(s + i, len - i)) == 0)
				return i;
			i += n;
			continue;
		}
		if ((hi = ref_uescape(s + i, len - i)) < 0) {
			i += i + 1 < len && s[i + 1] < 0x80 ? 2 : 1;
			continue;
		}
		if (hi >= 0xDC00 && hi <= 0xDFFF)
			return i;
		if (hi >= 0xD800 && hi <= 0xDBFF) {
			lo = ref_uescape(s + i + 6, len - i - 6);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return i;
			i += 6;
		}
		i += 6;
	}
	return len;
}

/* One check against its reference; allowed is the set of codes it may
 * return, as a bit mask of -code. */
static void
compare(int rc, size_t off, size_t want, size_t len, unsigned allowed)
{
	if ((rc == UTF8_OK) != (want == len))
		abort();
	if (rc != UTF8_OK && (off != want || rc > 0 || rc < -31 ||
	    !(allowed & 1u << -rc)))
		abort();
	if (rc != UTF8_OK && utf8_strerror(rc) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exactly sized copy, so reading past the end is caught. */
	char *s = xmemdup(data, size);
	const uint8_t *u = (const uint8_t *)s;
	unsigned bytes = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 |
	    1u << 6;
	size_t off = (size_t)-1, n;
	int rc;

	if (size > 0) {
		rc = utf8_next(s, size);
		n = ref_seq(u, size);
		if (n ? rc != (int)n : rc >= 0 || !(bytes & 1u << -rc))
			abort();
	}
	rc = utf8_check(s, size, &off);
	compare(rc, off, ref_scan(u, size, 0), size, bytes);
	rc = utf8_check_line(s, size, &off);
	compare(rc, off, ref_scan(u, size, 1), size, bytes | 1u << 9);
	rc = utf8_check_json(s, size, &off);
	compare(rc, off, ref_json(u, size), size, bytes | 1u << 7 | 1u << 8);
	free(s);
	return 0;
}
