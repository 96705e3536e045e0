/* sha2: the SHA-2 digests that name attachments (xAPI's "sha2"). */
#ifndef LRS_SHA2_H
#define LRS_SHA2_H

#include <stddef.h>

/* Hex SHA-2 of data (len bytes) into out (hexlen + 1 bytes), the variant
 * chosen by hexlen, the length of the hex it will be compared with: 56,
 * 64, 96 or 128 (SHA-224, -256, -384, -512).  -1 for another length, -2
 * when libcrypto fails. */
int	sha2_hex(const void *data, size_t len, size_t hexlen, char *out);

#endif
