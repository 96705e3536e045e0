/* sha2: the SHA-2 digests that name attachments (xAPI's "sha2"). */
#ifndef LRS_SHA2_H
#define LRS_SHA2_H

#include <stddef.h>

/* Hex SHA-2 of data (len bytes) into out (hexlen + 1 bytes), the variant
 * chosen by hexlen, the length of the hex it will be compared with: 56,
 * 64, 96 or 128 (SHA-224, -256, -384, -512).  -1 for another length, -2
 * when libcrypto fails. */
int	sha2_hex(const void *data, size_t len, size_t hexlen, char *out);

/* One piece of a message to digest: len bytes at p. */
struct sha2_part {
	const void	*p;
	size_t		 len;
};

/* SHA-256 of the n parts one after the other into out (32 bytes): 0, or
 * -2 when libcrypto fails.  The digest is fetched from libcrypto once per
 * process, not on every call (that lookup cost more than the hashing of
 * a short key). */
int	sha2_256(const struct sha2_part *parts, size_t n, unsigned char out[32]);

#endif
