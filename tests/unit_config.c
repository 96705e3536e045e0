/* Unit tests of the settings: sizes with suffixes, their limits, and
 * values that would overflow (which must be refused, not wrapped). */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "test.h"

TEST_MAIN_DEFS

static int
flag(struct config *c, const char *name, const char *value, char *err)
{
	return config_flag(c, name, value, err, 256);
}

int
main(void)
{
	struct config c;
	char err[256] = "";

	config_defaults(&c);
	ok(c.map_size == (size_t)1 << 40 && c.map_max == (size_t)1 << 44,
	    "defaults: a 1T map that may grow to 16T");
	ok(flag(&c, "map-size", "64M", err) == 1 && c.map_size == 64 << 20,
	    "--map-size 64M");
	ok(flag(&c, "map-max", "2G", err) == 1 &&
	    c.map_max == (size_t)2 << 30, "--map-max 2G");
	ok(flag(&c, "map-size", "64T", err) == 1 &&
	    c.map_size == (size_t)64 << 40, "--map-size 64T, the largest");
	c.map_size = 7;
	ok(flag(&c, "map-size", "16777217T", err) == -1 && c.map_size == 7,
	    "16777217T (2^64 + 2^40: 1T once wrapped) is refused");
	ok(strstr(err, "--map-size") && strstr(err, "16777217T"),
	    "naming itself: %s", err);
	ok(flag(&c, "map-size", "9223372036854775807K", err) == -1,
	    "a shift past 63 bits is refused");
	ok(flag(&c, "map-size", "65T", err) == -1, "over the largest");
	ok(flag(&c, "map-size", "-1K", err) == -1, "negative");
	ok(flag(&c, "map-max", "99999999999999999999", err) == -1,
	    "past long long");
	ok(flag(&c, "map-max", "512K", err) == -1, "below the smallest map");
	ok(flag(&c, "max-body", "5000000000G", err) == -1 &&
	    c.max_body == (size_t)64 << 20, "other sizes are checked too");
	return test_done();
}
