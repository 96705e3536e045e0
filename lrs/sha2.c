/* sha2: the SHA-2 digests that name attachments. */
#include "sha2.h"

#include "fault.h"

#include <openssl/evp.h>

int
sha2_hex(const void *data, size_t len, size_t hexlen, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const EVP_MD *md;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen, i;

	switch (hexlen) {
	case 56: md = EVP_sha224(); break;
	case 64: md = EVP_sha256(); break;
	case 96: md = EVP_sha384(); break;
	case 128: md = EVP_sha512(); break;
	default: return -1;
	}
	if (FAULT("statements.digest") != 0 ||
	    EVP_Digest(data, len, d, &dlen, md, NULL) != 1)
		return -2;
	for (i = 0; i < dlen; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * dlen] = '\0';
	return 0;
}

