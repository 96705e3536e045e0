/* libFuzzer: ISO 8601 date-times and durations (lrs/iso8601.h) against
 * references built from POSIX regular expressions and the C library's
 * timegm(), with no code in common.  Aborts when they disagree on
 * whether a text is valid or on the instant it names, when a zone-less
 * reading disagrees with the zoned one, or when a formatted instant does
 * not parse back to itself at millisecond precision. */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iso8601.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ZONE	"([Zz]|([+-])([0-9]{2})(:?([0-9]{2}))?)"
#define FRAC	"(\\.([0-9]+))?"

static const char *const dt_re[] = {
	"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
	    FRAC ZONE "?$",
	"^([0-9]{4})([0-9]{2})([0-9]{2})[Tt]([0-9]{2})([0-9]{2})([0-9]{2})"
	    FRAC ZONE "?$"
};
static const char dur_re[] = "^P([0-9]+W|([0-9]+Y)?([0-9]+M)?([0-9]+D)?"
    "(T([0-9]+H)?([0-9]+M)?([0-9]+([.,][0-9]+)?S)?)?)$";

static regex_t dt[2], dur;

/* The number a group of digits matched, 0 when it matched nothing. */
static int
num(const char *s, const regmatch_t *m)
{
	regoff_t i;
	int n = 0;

	for (i = m->rm_so; i >= 0 && i < m->rm_eo; i++)
		n = n * 10 + (s[i] - '0');
	return n;
}

/* The reference reading of s (a C string): 0 and *usec, or -1. */
static int
ref_parse(const char *s, int require_tz, int64_t *usec)
{
	regmatch_t m[14];
	struct tm tm = { 0 }, back;
	int64_t frac = 0;
	int k, y, mo, d, h, mi, sec, hh, mm, off = 0;
	time_t t;

	for (k = 0; k < 2; k++)
		if (regexec(&dt[k], s, 14, m, 0) == 0)
			break;
	if (k == 2)
		return -1;
	y = num(s, &m[1]), mo = num(s, &m[2]), d = num(s, &m[3]);
	h = num(s, &m[4]), mi = num(s, &m[5]), sec = num(s, &m[6]);
	if (m[8].rm_so >= 0)
		for (k = 0; k < 6; k++)
			frac = frac * 10 + (m[8].rm_so + k < m[8].rm_eo ?
			    s[m[8].rm_so + k] - '0' : 0);
	if (m[9].rm_so < 0 && require_tz)
		return -1;
	if (m[10].rm_so >= 0) {
		hh = num(s, &m[11]), mm = num(s, &m[13]);
		if (hh > 23 || mm > 59 || (s[m[10].rm_so] == '-' && !hh && !mm))
			return -1;
		off = (s[m[10].rm_so] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	}
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
		return -1;
	/* A day the month lacks comes back from timegm() in the next one. */
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	t = timegm(&tm);
	if (gmtime_r(&t, &back) == NULL || back.tm_mday != d)
		return -1;
	*usec = ((int64_t)t + h * 3600 + mi * 60 + sec - off) * 1000000 + frac;
	return 0;
}

static int
ref_duration(const char *s)
{
	size_t n = strlen(s);

	if (regexec(&dur, s, 0, NULL, 0) != 0)
		return 0;
	/* At least one part, and a T only before a time part. */
	return n > 1 && s[n - 1] != 'T';
}

static void
setup(void)
{
	if (regcomp(&dt[0], dt_re[0], REG_EXTENDED) != 0 ||
	    regcomp(&dt[1], dt_re[1], REG_EXTENDED) != 0 ||
	    regcomp(&dur, dur_re, REG_EXTENDED | REG_NOSUB) != 0)
		abort();
}

/* The instant *usec formatted and parsed back, at millisecond precision
 * (years 0000 to 9999 only: the format has four digits of year). */
static void
round_trip(int64_t usec)
{
	char out[32];
	int64_t back, ms = usec / 1000 - (usec % 1000 < 0);

	if (usec < INT64_C(-62167219200000000) ||
	    usec >= INT64_C(253402300800000000))
		return;
	iso8601_format(usec, out);
	if (iso8601_parse(out, strlen(out), 1, &back) != 0 ||
	    back != ms * 1000)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *s;
	int64_t a = 0, b = 0, r = 0;
	int ra, rb, rr, tz;

	if (!ready)
		setup(), ready = 1;
	/* An exactly sized copy, so reading past the end is caught; the
	 * references get a C string, so input with NUL is refused by both. */
	s = xmemdup(data, size);
	for (tz = 0; tz <= 1; tz++) {
		ra = iso8601_parse(s, size, tz, &a);
		rr = memchr(s, '\0', size) ? -1 : 0;
		if (rr == 0) {
			char *c = xstrndup(s, size);
			rr = ref_parse(c, tz, &r);
			free(c);
		}
		if (ra != rr || (ra == 0 && a != r))
			abort();
		if (ra == 0)
			round_trip(a);
	}
	ra = iso8601_parse(s, size, 1, &a);
	rb = iso8601_parse(s, size, 0, &b);
	if (ra == 0 && (rb != 0 || a != b))
		abort();
	rr = memchr(s, '\0', size) ? 0 : -1;
	if (rr) {
		char *c = xstrndup(s, size);
		rr = ref_duration(c);
		free(c);
	}
	if (!iso8601_duration_valid(s, size) != !rr)
		abort();
	free(s);
	return 0;
}
