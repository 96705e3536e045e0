/* addr: a client's network address as a key for per-address limits. */
#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
from_v4(const struct in_addr *in, struct addr *out)
{
	memset(out->b, 0, 10);
	out->b[10] = out->b[11] = 0xff;
	memcpy(out->b + 12, &in->s_addr, 4);
}

static void
from_v6(const struct in6_addr *in, struct addr *out)
{
	memcpy(out->b, in->s6_addr, 16);
	/* An IPv4-mapped address stays whole; others keep their /64. */
	if (!IN6_IS_ADDR_V4MAPPED(in))
		memset(out->b + 8, 0, 8);
}

void
addr_key(const struct sockaddr *sa, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET)
		from_v4(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, out);
	else if (sa->sa_family == AF_INET6)
		from_v6(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out);
}

void
addr_text(const struct sockaddr *sa, char out[ADDR_TEXT_MAX])
{
	const void *src = NULL;

	if (sa->sa_family == AF_INET)
		src = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		src = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (src == NULL || inet_ntop(sa->sa_family, src, out, ADDR_TEXT_MAX) == NULL)
		snprintf(out, ADDR_TEXT_MAX, "?");
}

int
addr_parse(const char *text, struct addr *out)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (inet_pton(AF_INET, text, &v4) == 1) {
		from_v4(&v4, out);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &v6) == 1) {
		from_v6(&v6, out);
		return 0;
	}
	return -1;
}

int
addr_parse_net(const char *text, struct addr_net *out)
{
	char host[64], *slash, *end;
	long bits;
	int v4;

	if (strlen(text) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%s", text);
	if ((slash = strchr(host, '/')) != NULL)
		*slash++ = '\0';
	v4 = strchr(host, ':') == NULL;
	/* A single IPv6 address names its /64, as keys keep no more. */
	if (addr_parse(host, &out->a) != 0)
		return -1;
	out->bits = v4 ? 128 : 64;
	if (slash == NULL)
		return 0;
	bits = strtol(slash, &end, 10);
	if (*slash == '\0' || *end || bits < 0 || bits > (v4 ? 32 : 128))
		return -1;
	out->bits = v4 ? 96 + (int)bits : (int)bits;
	return 0;
}

int
addr_in_net(const struct addr *a, const struct addr_net *n)
{
	int full = n->bits / 8, rest = n->bits % 8;

	if (memcmp(a->b, n->a.b, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((a->b[full] ^ n->a.b[full]) &
	    (0xff << (8 - rest)) & 0xff) == 0;
}

uint32_t
addr_hash(const struct addr *a)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(a->b); i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h;
}

int
addr_eq(const struct addr *a, const struct addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}
