/* reqid: request ids (reqid.h). */
#include "reqid.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

int
reqid_init(struct reqid *g)
{
	unsigned char rnd[8];
	int i;

	if (RAND_bytes(rnd, (int)sizeof(rnd)) != 1)
		return -1;
	for (i = 0; i < 8; i++)
		snprintf(g->prefix + 2 * i, 3, "%02x", rnd[i]);
	atomic_init(&g->seq, 0);
	return 0;
}

void
reqid_next(struct reqid *g, char out[REQID_MAX + 1])
{
	uint_fast64_t n = atomic_fetch_add(&g->seq, 1) + 1;

	snprintf(out, REQID_MAX + 1, "%s-%llx", g->prefix,
	    (unsigned long long)n);
}

int
reqid_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_.:");
	return n > 0 && n <= REQID_MAX && s[n] == '\0';
}
