/* hex: the value of one hexadecimal digit, for the parsers that decode
 * them (percent escapes, \u escapes, chunk sizes). */
#ifndef LRS_HEX_H
#define LRS_HEX_H

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

#endif
