/* addr: a client's network address as a key for per-address limits.
 *
 * IPv4 addresses are kept whole (as IPv4-mapped IPv6); of an IPv6 address
 * only the /64 prefix is kept, since one host is usually handed a whole
 * /64 and could otherwise step around a per-address limit.
 */
#ifndef LRS_ADDR_H
#define LRS_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#define ADDR_TEXT_MAX	48	/* text of an address, with its NUL */

struct addr {
	uint8_t	b[16];
};

/* A network: the keys whose first bits bits are those of a. */
struct addr_net {
	struct addr	a;
	int		bits;	/* 0..128, over the IPv6 form of the key */
};

/* The key of sa (AF_INET or AF_INET6; any other family gives all zeros). */
void	addr_key(const struct sockaddr *sa, struct addr *out);
/* The address of sa (no port) as text into out (ADDR_TEXT_MAX bytes);
 * "?" for a family other than AF_INET and AF_INET6. */
void	addr_text(const struct sockaddr *sa, char out[ADDR_TEXT_MAX]);
/* Parse text ("192.0.2.1", "2001:db8::1") into a key; 0 on success, -1
 * when it is not an IP address. */
int	addr_parse(const char *text, struct addr *out);
/* Parse "192.0.2.0/24", "2001:db8::/32" or a single address into a
 * network; 0 on success, -1 when it is not one. */
int	addr_parse_net(const char *text, struct addr_net *out);
/* Nonzero when a lies in n. */
int	addr_in_net(const struct addr *a, const struct addr_net *n);
/* A hash of a for tables; equal keys hash equal. */
uint32_t addr_hash(const struct addr *a);
/* Nonzero when a and b are the same key. */
int	addr_eq(const struct addr *a, const struct addr *b);

#endif
