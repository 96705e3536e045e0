/* Unit tests of ISO 8601 timestamps and durations. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iso8601.h"
#include "test.h"

TEST_MAIN_DEFS

/* Parse s whole; returns the rc and the time in *t. */
static int
parse(const char *s, int require_tz, int64_t *t)
{
	*t = INT64_MIN;
	return iso8601_parse(s, strlen(s), require_tz, t);
}

static int
dur(const char *s)
{
	return iso8601_duration_valid(s, strlen(s));
}

int
main(void)
{
	static const char *const bad_ts[] = {
		"", "should fail", "01/011/2015", "2015-01-01",
		"2008-09-15T15:53Z",		/* seconds are required */
		"2008-09-15 15:53:00Z",		/* space for T */
		"2008-09-15T15:53:00.601-00",	/* "offset unknown" */
		"2008-09-15T15:53:00.601-0000",
		"2008-09-15T15:53:00.601-00:00",
		"2008-13-01T00:00:00Z", "2008-00-01T00:00:00Z",
		"2015-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2015-02-30T00:00:00Z", "2015-04-31T00:00:00Z",
		"2015-01-00T00:00:00Z", "2015-01-32T00:00:00Z",
		"2015-01-01T24:00:00Z", "2015-01-01T23:60:00Z",
		"2015-01-01T23:59:61Z",
		"2015-01-01T10:00:00.Z",	/* empty fraction */
		"2015-01-01T10:00:00+24:00", "2015-01-01T10:00:00+05:60",
		"2015-01-01T10:00:00+5", "2015-01-01T10:00:00+05:",
		"2015-01-01T10:00:00ZZ", "2015-01-01T10:00:00Z ",
		"20150101T10:00:00Z",		/* basic date, extended time */
		"2015-01-01T100000Z",		/* extended date, basic time */
		"15-01-01T10:00:00Z", "2015-1-01T10:00:00Z",
		"+2015-01-01T10:00:00Z", "2015-01-01T10:00:00X",
		NULL
	};
	static const char *const good_dur[] = {
		"P1Y", "P1M", "P1D", "PT1H", "PT1M", "PT1S", "PT1.5S",
		"PT1H0M0S", "PT1H0M0.1S", "PT4H35M59.14S", "PT16559.14S",
		"P3Y1M29DT4H35M59.14S", "P3Y", "P4W", "P0D", "PT0,5S",
		"P1DT1M", "PT36H", "P1DT12H36M0.12567S", "P1Y2D", "PT0S",
		NULL
	};
	static const char *const bad_dur[] = {
		"", "P", "PT", "P1DT", "P4W1D", "P1W1D", "PA1H0M0S", "1Y",
		"should fail", "P1.5Y", "PT1.5M", "PT1.5H", "P1S", "PT1D",
		"P1Y1Y", "P1M1Y", "PT1S1M", "P-1D", "PT1.S", "PT.5S", "p1d",
		"P1DT2", "P1", "PW", "P1.5W", "PT1H ", " PT1H", "P0001-02-03",
		"P1DTT1H", "PT1HT1M",
		NULL
	};
	char out[32];
	int64_t t, u;
	size_t i;

	/* Known instants. */
	ok(parse("1970-01-01T00:00:00Z", 1, &t) == 0 && t == 0, "epoch");
	ok(parse("2008-09-15T15:53:00.601Z", 1, &t) == 0 &&
	    t == INT64_C(1221493980601000), "2008-09-15T15:53:00.601Z: %lld",
	    (long long)t);
	ok(parse("1969-12-31T23:59:59.999999Z", 1, &t) == 0 && t == -1,
	    "before the epoch");
	ok(parse("2000-02-29T00:00:00Z", 1, &t) == 0 &&
	    t == INT64_C(951782400000000), "2000 is a leap year");
	ok(parse("2016-02-29T12:00:00Z", 1, &t) == 0, "2016-02-29");
	ok(parse("0000-01-01T00:00:00Z", 1, &t) == 0 &&
	    t == INT64_C(-62167219200000000), "year 0");
	ok(parse("9999-12-31T23:59:59.999Z", 1, &t) == 0 &&
	    t == INT64_C(253402300799999000), "year 9999");

	/* Zones. */
	parse("2023-05-04T17:00:00.000Z", 1, &u);
	ok(parse("2023-05-04T12:00:00-05:00", 1, &t) == 0 && t == u,
	    "-05:00 is converted to UTC");
	ok(parse("2023-05-04T12:00:00-0500", 1, &t) == 0 && t == u, "-0500");
	ok(parse("2023-05-04T12:00:00-05", 1, &t) == 0 && t == u, "-05");
	ok(parse("2023-05-04T22:30:00+05:30", 1, &t) == 0 && t == u,
	    "+05:30");
	ok(parse("2023-05-05T02:00:00+09", 1, &t) == 0 && t == u,
	    "+09 across midnight");
	ok(parse("2008-09-15T15:53:00.601+00:00", 1, &t) == 0, "+00:00 is UTC");
	ok(parse("2023-05-04t17:00:00z", 1, &t) == 0 && t == u,
	    "lower-case t and z");
	ok(parse("2023-05-04T17:00:00", 0, &t) == 0 && t == u,
	    "no zone means UTC when not required");
	ok(parse("2023-05-04T17:00:00", 1, &t) == -1,
	    "no zone refused when required");
	ok(parse("2023-05-04T17:00:00.5", 1, &t) == -1,
	    "fraction without zone refused when required");

	/* Basic format, fractions, leap second, length. */
	ok(parse("20230504T170000Z", 1, &t) == 0 && t == u, "basic format");
	ok(parse("20230504T120000-0500", 1, &t) == 0 && t == u,
	    "basic format with offset");
	ok(parse("1970-01-01T00:00:00.1234567Z", 1, &t) == 0 && t == 123456,
	    "digits past the sixth truncated: %lld", (long long)t);
	ok(parse("1970-01-01T00:00:00.5Z", 1, &t) == 0 && t == 500000,
	    "one fraction digit");
	parse("2017-01-01T00:00:00Z", 1, &u);
	ok(parse("2016-12-31T23:59:60Z", 1, &t) == 0 && t == u,
	    "leap second counts as the next minute");
	ok(iso8601_parse("2008-09-15T15:53:00Zjunk", 20, 1, &t) == 0,
	    "len bounds the text");
	ok(iso8601_parse("2008-09-15T15:53:00Z", 19, 1, &t) == -1,
	    "len cuts the zone off");
	for (i = 0; bad_ts[i] != NULL; i++) {
		ok(parse(bad_ts[i], 0, &t) == -1, "refused: \"%s\"", bad_ts[i]);
		ok(t == INT64_MIN, "output untouched on error: \"%s\"",
		    bad_ts[i]);
	}

	/* Durations. */
	for (i = 0; good_dur[i] != NULL; i++)
		ok(dur(good_dur[i]), "duration accepted: \"%s\"", good_dur[i]);
	for (i = 0; bad_dur[i] != NULL; i++)
		ok(!dur(bad_dur[i]), "duration refused: \"%s\"", bad_dur[i]);
	ok(iso8601_duration_valid("PT1Hxx", 4), "len bounds a duration");

	/* Formatting. */
	ok(strcmp(iso8601_format(0, out), "1970-01-01T00:00:00.000Z") == 0,
	    "format epoch: %s", out);
	ok(strcmp(iso8601_format(INT64_C(1221493980601999), out),
	    "2008-09-15T15:53:00.601Z") == 0, "format truncates to ms: %s", out);
	ok(strcmp(iso8601_format(-1, out), "1969-12-31T23:59:59.999Z") == 0,
	    "format before the epoch: %s", out);
	ok(strcmp(iso8601_format(INT64_C(951782400000000), out),
	    "2000-02-29T00:00:00.000Z") == 0, "format leap day: %s", out);
	ok(strcmp(iso8601_format(INT64_C(253402300799999000), out),
	    "9999-12-31T23:59:59.999Z") == 0, "format year 9999: %s", out);
	ok(strcmp(iso8601_format(INT64_C(253402300800000000), out),
	    "10000-01-01T00:00:00.000Z") == 0, "format year 10000: %s", out);
	ok(strcmp(iso8601_format(INT64_C(-62167219200000000), out),
	    "0000-01-01T00:00:00.000Z") == 0, "format year 0: %s", out);
	ok(iso8601_format(5, out) == out, "format returns out");
	/* Round trips over four centuries of pseudo-random instants. */
	srand(42);
	for (i = 0; i < 2000; i++) {
		int64_t x = ((int64_t)rand() << 31 ^ rand()) %
		    INT64_C(12622780800000000) - INT64_C(6311390400000000);

		x -= x % 1000;
		iso8601_format(x, out);
		if (parse(out, 1, &t) != 0 || t != x) {
			ok(0, "round trip of %lld via %s gave %lld",
			    (long long)x, out, (long long)t);
			break;
		}
	}
	ok(i == 2000, "2000 round trips");

	t = iso8601_now();
	ok(t / 1000000 >= time(NULL) - 5 && t / 1000000 <= time(NULL) + 5,
	    "now is now");
	return test_done();
}
