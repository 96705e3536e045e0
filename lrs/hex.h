/* hex: the value of one hexadecimal digit, for the parsers that decode
 * them (percent escapes, \u escapes, chunk sizes, UUIDs). */
#ifndef LRS_HEX_H
#define LRS_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value (0-15) of hex digit c, either case, or -1 when c is none. */
static inline int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* Nonzero when s (len bytes) is a UUID's text: hex digits, either case,
 * with dashes at 8, 13, 18 and 23 (the form uuid_parse() takes). */
static inline int
hex_is_uuid(const char *s, size_t len)
{
	size_t i;

	if (len != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (hex_digit((unsigned char)s[i]) < 0)
			return 0;
	}
	return 1;
}

/* The 16 bytes of UUID text s (len bytes) into out, as uuid_parse() would
 * (a tenth of its instructions): 0, or -1 when s is no UUID. */
static inline int
hex_uuid_parse(const char *s, size_t len, uint8_t out[16])
{
	size_t i, n = 0;

	if (!hex_is_uuid(s, len))
		return -1;
	for (i = 0; i < 36; i += 2) {
		if (s[i] == '-')
			i++;
		out[n++] = (uint8_t)(hex_digit((unsigned char)s[i]) << 4 |
		    hex_digit((unsigned char)s[i + 1]));
	}
	return 0;
}

#endif
