/* Unit tests of the failed-authentication limit, the CORS allow-list and
 * the address keys they use: the allowance and its refill, addresses kept
 * apart, a full table that stays bounded, origins matched exactly. */
#include <string.h>

#include "addr.h"
#include "authlimit.h"
#include "cors.h"
#include "test.h"

TEST_MAIN_DEFS

static struct addr
key(const char *text)
{
	struct addr a;

	memset(&a, 0xee, sizeof(a));
	ok(addr_parse(text, &a) == 0, "%s parses", text);
	return a;
}

/* Nonzero when the address text lies in n. */
static int
in(const char *text, const struct addr_net *n)
{
	struct addr a = key(text);

	return addr_in_net(&a, n);
}

static void
test_addr(void)
{
	struct addr a = key("192.0.2.1"), b = key("::ffff:192.0.2.1");
	struct addr c = key("2001:db8:1:2:aaaa::1"), d = key("2001:db8:1:2:bbbb::9");
	struct addr e = key("2001:db8:1:3::1");
	struct addr_net n;

	ok(addr_eq(&a, &b) && addr_hash(&a) == addr_hash(&b),
	    "IPv4 and its mapped form are one key");
	ok(addr_eq(&c, &d), "one IPv6 /64 is one key");
	ok(!addr_eq(&c, &e), "another /64 is another key");
	ok(addr_parse("192.0.2", &a) != 0 && addr_parse("", &a) != 0,
	    "not addresses are refused");
	ok(addr_parse_net("10.0.0.0/8", &n) == 0 && in("10.200.3.4", &n) && !in("11.0.0.1", &n), "an IPv4 network");
	ok(addr_parse_net("172.16.0.0/12", &n) == 0 && in("172.31.255.1", &n) && !in("172.32.0.1", &n), "a network not on a byte boundary");
	ok(addr_parse_net("2001:db8::/32", &n) == 0 && addr_in_net(&c, &n),
	    "an IPv6 network");
	ok(addr_parse_net("192.0.2.7", &n) == 0 && in("192.0.2.7", &n) && !in("192.0.2.8", &n), "one address");
	ok(addr_parse_net("10.0.0.0/33", &n) != 0 &&
	    addr_parse_net("10.0.0.0/", &n) != 0 &&
	    addr_parse_net("x/8", &n) != 0, "bad networks are refused");
}

static void
test_limit(void)
{
	authlimit *al = authlimit_new(3, 60);
	struct addr a = key("192.0.2.1"), b = key("192.0.2.2");
	int64_t t = 1000000;
	int retry = 0, i;

	for (i = 0; i < 3; i++) {
		ok(authlimit_check(al, &a, t, &retry) == AUTHLIMIT_OK,
		    "failure %d is allowed", i + 1);
		authlimit_fail(al, &a, t);
	}
	ok(authlimit_check(al, &a, t, &retry) == AUTHLIMIT_EBLOCKED &&
	    retry == 20, "after three, blocked for one interval (retry %d s)", retry);
	ok(authlimit_check(al, &b, t, &retry) == AUTHLIMIT_OK,
	    "another address is not");
	ok(authlimit_check(al, &a, t + 19999, &retry) == AUTHLIMIT_EBLOCKED &&
	    retry == 1, "still blocked just before the interval ends");
	ok(authlimit_check(al, &a, t + 20000, &retry) == AUTHLIMIT_OK,
	    "one more try after one interval");
	authlimit_fail(al, &a, t + 20000);
	ok(authlimit_check(al, &a, t + 20000, &retry) == AUTHLIMIT_EBLOCKED,
	    "and blocked again after it fails");
	ok(authlimit_check(al, &a, t + 80000, &retry) == AUTHLIMIT_OK,
	    "a whole window later the allowance is back");
	authlimit_free(al);

	al = authlimit_new(0, 60);
	for (i = 0; i < 100; i++)
		authlimit_fail(al, &a, t);
	ok(authlimit_check(al, &a, t, &retry) == AUTHLIMIT_OK, "limit 0: never blocks");
	authlimit_free(al);
}

/* Far more addresses than slots: memory stays what it is, and an address
 * that keeps failing is still blocked. */
static void
test_full(void)
{
	authlimit *al = authlimit_new(2, 3600);
	struct addr a = key("198.51.100.1"), x;
	int64_t t = 5000000;
	int retry, i, blocked = 0;

	memset(&x, 0, sizeof(x));
	for (i = 0; i < 4 * AUTHLIMIT_SLOTS; i++) {
		x.b[12] = (uint8_t)(i >> 16);
		x.b[13] = (uint8_t)(i >> 8);
		x.b[14] = (uint8_t)i;
		x.b[15] = 7;
		authlimit_fail(al, &x, t);
		authlimit_fail(al, &x, t);
		blocked += authlimit_check(al, &x, t, &retry) == AUTHLIMIT_EBLOCKED;
	}
	ok(blocked == 4 * AUTHLIMIT_SLOTS, "each address is blocked right after its failures (%d)",
	    blocked);
	authlimit_fail(al, &a, t);
	authlimit_fail(al, &a, t);
	ok(authlimit_check(al, &a, t, &retry) == AUTHLIMIT_EBLOCKED,
	    "in a full table a new guesser is still blocked");
	authlimit_free(al);
}

static void
test_cors(void)
{
	cors *c = NULL;
	char err[200];

	ok(cors_parse("*", &c, err, sizeof(err)) == 0, "* parses");
	ok(c && strcmp(cors_allow(c, "https://x.example"), "https://x.example") == 0 &&
	    strcmp(cors_allow(c, NULL), "*") == 0 &&
	    cors_allow(c, "https://x.example\r\nSet-Cookie: a=b") == NULL,
	    "any: echo, * without one, never a line break");
	cors_free(c);
	c = NULL;
	ok(cors_parse(" https://a.example , http://b.example:8080", &c, err,
	    sizeof(err)) == 0, "a list parses: %s", err);
	ok(c && cors_allow(c, "HTTPS://A.example") != NULL &&
	    cors_allow(c, "http://b.example:8080") != NULL &&
	    cors_allow(c, "http://b.example") == NULL &&
	    cors_allow(c, "https://a.example.evil.example") == NULL &&
	    cors_allow(c, NULL) == NULL, "a list: exactly its origins");
	cors_free(c);
	ok(cors_parse("https://a.example/", &c, err, sizeof(err)) != 0 &&
	    strstr(err, "https://a.example/") != NULL, "a path is refused: %s", err);
	ok(cors_parse("a.example", &c, err, sizeof(err)) != 0, "no scheme is refused");
	ok(cors_parse("https://a.example:80x", &c, err, sizeof(err)) != 0,
	    "a bad port is refused");
	ok(cors_parse(" , ", &c, err, sizeof(err)) != 0, "an empty list is refused");
}

int
main(void)
{
	test_addr();
	test_limit();
	test_full();
	test_cors();
	return test_done();
}
