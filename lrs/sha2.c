/* sha2: the SHA-2 digests that name attachments. */
#include "sha2.h"

#include "fault.h"

#include <pthread.h>

#include <openssl/evp.h>

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static const EVP_MD *sha256_md;

/* Fetch SHA-256's implementation for good; EVP_sha256() would have each
 * EVP_DigestInit_ex look it up again. */
static void
sha256_fetch(void)
{
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);

	sha256_md = md ? md : EVP_sha256();
}

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


int
sha2_256(const struct sha2_part *parts, size_t n, unsigned char out[32])
{
	EVP_MD_CTX *ctx;
	unsigned int len;
	size_t i;
	int ok;

	pthread_once(&sha256_once, sha256_fetch);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -2;
	ok = EVP_DigestInit_ex(ctx, sha256_md, NULL) == 1;
	for (i = 0; i < n && ok; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -2;
}
