/* be: big-endian integers in LMDB keys and values.
 *
 * Keys compare as bytes, so numbers stored big-endian sort numerically.
 */
#ifndef LRS_BE_H
#define LRS_BE_H

#include <stdint.h>

/* Write v as 8 big-endian bytes at p. */
static inline void
be64_put(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Read 8 big-endian bytes at p. */
static inline uint64_t
be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

#endif
