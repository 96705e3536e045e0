/* utf8: strict checks of the text lrsd takes from clients.
 *
 * Well-formed UTF-8 is what RFC 3629 section 4 and Table 3-7 of the
 * Unicode Standard allow, and nothing else:
 *
 *	U+0000..U+007F		00..7F
 *	U+0080..U+07FF		C2..DF 80..BF
 *	U+0800..U+0FFF		E0 A0..BF 80..BF
 *	U+1000..U+CFFF		E1..EC 80..BF 80..BF
 *	U+D000..U+D7FF		ED 80..9F 80..BF
 *	U+E000..U+FFFF		EE..EF 80..BF 80..BF
 *	U+10000..U+3FFFF	F0 90..BF 80..BF 80..BF
 *	U+40000..U+FFFFF	F1..F3 80..BF 80..BF 80..BF
 *	U+100000..U+10FFFF	F4 80..8F 80..BF 80..BF
 *
 * so overlong forms (C0 AF, E0 80 AF), UTF-16 surrogates (ED A0 80) and
 * code points above U+10FFFF (F4 90 80 80) are refused.  JSON text adds
 * its \u escapes (RFC 8259 section 7), which must not smuggle in what the
 * bytes may not: a high surrogate escape must be followed at once by a low
 * surrogate escape, and a low surrogate escape must follow a high one.
 *
 * Nothing here allocates.  Each check returns UTF8_OK or the UTF8_E* code
 * of the first problem, with *off the byte offset where it starts (the
 * lead byte of a bad sequence, the backslash of a bad escape).
 */
#ifndef LRS_UTF8_H
#define LRS_UTF8_H

#include <stddef.h>

enum {
	UTF8_OK = 0,
	UTF8_ECONT = -1,	/* a continuation byte (80..BF) with no lead */
	UTF8_ETRUNC = -2,	/* a sequence cut short */
	UTF8_EOVERLONG = -3,	/* an overlong encoding (C0, C1, E0 80, F0 80) */
	UTF8_ESURROGATE = -4,	/* a UTF-16 surrogate encoded (ED A0..BF) */
	UTF8_ERANGE = -5,	/* above U+10FFFF (F4 90.., F5..F7) */
	UTF8_EBYTE = -6,	/* a byte no UTF-8 text holds (F8..FF) */
	UTF8_EHIGH = -7,	/* JSON: \uD800..\uDBFF not followed by a low one */
	UTF8_ELOW = -8,		/* JSON: \uDC00..\uDFFF without a high one */
	UTF8_ECTRL = -9		/* a control character (utf8_check_line) */
};

/* The length (1 to 4) of the well-formed sequence s starts with (len > 0
 * bytes), or the UTF8_E* code that says what is wrong with it. */
int	utf8_next(const char *s, size_t len);

/* Check that s (len bytes) is well-formed UTF-8.  NUL bytes are
 * well-formed; callers that keep C strings refuse them themselves. */
int	utf8_check(const char *s, size_t len, size_t *off);

/* Check JSON text (len bytes): well-formed UTF-8, and every \u escape of
 * a surrogate correctly paired.  JSON syntax is left to the parser: a
 * backslash not followed by u and four hex digits is passed over. */
int	utf8_check_json(const char *s, size_t len, size_t *off);

/* Check a value that goes on one header line (an HTTP or MIME header
 * value, a media type): well-formed UTF-8 free of control characters
 * (U+0000..U+001F and U+007F) except HTAB; UTF8_ECTRL names one. */
int	utf8_check_line(const char *s, size_t len, size_t *off);

/* A short English description of a UTF8_E* code (static text). */
const char *utf8_strerror(int rc);

#endif
