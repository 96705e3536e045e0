/* iso8601: the timestamps and durations of xAPI. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iso8601.h"

/* A cursor over the text being parsed. */
struct cur {
	const char	*s;
	size_t		 i, len;
};

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static int
peek(const struct cur *c)
{
	return c->i < c->len ? (unsigned char)c->s[c->i] : -1;
}

static int
accept(struct cur *c, int ch)
{
	if (peek(c) != ch)
		return 0;
	c->i++;
	return 1;
}

/* Exactly n digits as a number into *v; 0 when they are not there. */
static int
digits(struct cur *c, int n, int *v)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (!isdig(peek(c)))
			return 0;
		x = x * 10 + (c->s[c->i++] - '0');
	}
	*v = x;
	return 1;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil), so no timegm() and no TZ. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The zone designator at the cursor, as an offset in seconds east of UTC:
 * Z, +hh:mm, +hhmm or +hh whatever the format of the rest, as clients mix
 * them freely.  "-00:00" and its other spellings mean "offset unknown" in
 * RFC 3339, which xAPI refuses. */
static int
zone(struct cur *c, int *off)
{
	int sign, hh, mm = 0;

	if (accept(c, 'Z') || accept(c, 'z')) {
		*off = 0;
		return 0;
	}
	if (accept(c, '+'))
		sign = 1;
	else if (accept(c, '-'))
		sign = -1;
	else
		return -1;
	if (!digits(c, 2, &hh) || hh > 23)
		return -1;
	if (c->i < c->len) {
		accept(c, ':');
		if (!digits(c, 2, &mm) || mm > 59)
			return -1;
	}
	if (sign < 0 && hh == 0 && mm == 0)
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

int
iso8601_parse(const char *s, size_t len, int require_tz, int64_t *usec)
{
	struct cur c = { s, 0, len };
	int y, mo, d, h, mi, sec, ext, off = 0, n;
	int64_t frac = 0, t;

	if (!digits(&c, 4, &y))
		return -1;
	/* Extended (2008-09-15T15:53:00) or basic (20080915T155300), never a
	 * mix of the two. */
	ext = accept(&c, '-');
	if (!digits(&c, 2, &mo) || (ext && !accept(&c, '-')) ||
	    !digits(&c, 2, &d))
		return -1;
	if (!accept(&c, 'T') && !accept(&c, 't'))
		return -1;
	if (!digits(&c, 2, &h) || (ext && !accept(&c, ':')) ||
	    !digits(&c, 2, &mi) || (ext && !accept(&c, ':')) ||
	    !digits(&c, 2, &sec))
		return -1;
	if (accept(&c, '.')) {
		if (!isdig(peek(&c)))
			return -1;
		for (n = 0; isdig(peek(&c)); n++, c.i++)
			if (n < 6)
				frac = frac * 10 + (c.s[c.i] - '0');
		for (; n < 6; n++)
			frac *= 10;
	}
	if (c.i < c.len) {
		if (zone(&c, &off) != 0)
			return -1;
	} else if (require_tz)
		return -1;
	if (c.i != c.len)
		return -1;
	/* A leap second (:60) is allowed by RFC 3339 and counts as the first
	 * second of the next minute. */
	if (mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	*usec = t * 1000000 + frac;
	return 0;
}

/* One number of a duration: digits, and a fraction only when allowed. */
static int
dur_num(struct cur *c, int frac_ok, int *had_frac)
{
	if (!isdig(peek(c)))
		return 0;
	while (isdig(peek(c)))
		c->i++;
	*had_frac = 0;
	if (peek(c) == '.' || peek(c) == ',') {
		if (!frac_ok)
			return 0;
		c->i++;
		if (!isdig(peek(c)))
			return 0;
		while (isdig(peek(c)))
			c->i++;
		*had_frac = 1;
	}
	return 1;
}

int
iso8601_duration_valid(const char *s, size_t len)
{
	static const char date_des[] = "YMD", time_des[] = "HMS";
	struct cur c = { s, 0, len };
	const char *des;
	int parts = 0, ord, fr, k, intime = 0;
	size_t save;

	if (!accept(&c, 'P'))
		return 0;
	/* PnW stands alone. */
	save = c.i;
	if (dur_num(&c, 0, &fr) && accept(&c, 'W'))
		return c.i == c.len;
	c.i = save;

	des = date_des;
	ord = 0;
	while (c.i < c.len) {
		if (!intime && accept(&c, 'T')) {
			/* 'T' must introduce at least one time part. */
			if (c.i == c.len)
				return 0;
			intime = 1;
			des = time_des;
			ord = 0;
			continue;
		}
		if (!dur_num(&c, intime, &fr))
			return 0;
		/* Designators come in order, each at most once. */
		for (k = ord; k < 3 && peek(&c) != des[k]; k++)
			;
		if (k == 3)
			return 0;
		/* Only seconds may carry a fraction. */
		if (fr && des[k] != 'S')
			return 0;
		c.i++;
		ord = k + 1;
		parts++;
	}
	return parts > 0;
}

/* v (0 <= v < 10^n) as n decimal digits, zero-padded, into out. */
static void
put_digits(char *out, int v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

char *
iso8601_format(int64_t usec, char out[32])
{
	char buf[80];
	size_t n;
	int64_t secs, days, rem;
	int y, m, d, ms;

	secs = usec / 1000000;
	rem = usec % 1000000;
	if (rem < 0) {
		rem += 1000000;
		secs--;
	}
	ms = (int)(rem / 1000);
	days = secs / 86400;
	rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y >= 0 && y <= 9999) {
		/* Digit by digit: snprintf cost the writer 3,600
		 * instructions a statement. */
		put_digits(out, y, 4);
		out[4] = '-';
		put_digits(out + 5, m, 2);
		out[7] = '-';
		put_digits(out + 8, d, 2);
		out[10] = 'T';
		put_digits(out + 11, (int)(rem / 3600), 2);
		out[13] = ':';
		put_digits(out + 14, (int)(rem / 60 % 60), 2);
		out[16] = ':';
		put_digits(out + 17, (int)(rem % 60), 2);
		out[19] = '.';
		put_digits(out + 20, ms, 3);
		out[23] = 'Z';
		out[24] = '\0';
		return out;
	}
	/* Through a larger buffer: the compiler cannot see that the year of
	 * any int64_t fits. */
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m,
	    d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), ms);
	n = strlen(buf) < 31 ? strlen(buf) : 31;
	memcpy(out, buf, n);
	out[n] = '\0';
	return out;
}

int64_t
iso8601_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
