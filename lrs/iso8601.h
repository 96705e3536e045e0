/* iso8601: the timestamps and durations of xAPI.
 *
 * Pure functions, no allocation, no locale.
 */
#ifndef LRS_ISO8601_H
#define LRS_ISO8601_H

#include <stddef.h>
#include <stdint.h>

/* Parse an ISO 8601 date-time as xAPI uses it (RFC 3339 profile:
 * YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm|+hhmm|+hh), or the same in
 * ISO 8601 basic format YYYYMMDDThhmmss[.fraction]; 't' and 'z' may be lower
 * case; the zone may be missing only when require_tz is 0, and then UTC is
 * assumed; a leap second :60 counts as the next minute's first).  On
 * success *usec is microseconds since 1970-01-01T00:00:00Z (fraction digits
 * past the sixth truncated) and 0 is returned; -1 (and *usec untouched)
 * when s is not such a date-time or names an impossible date or time
 * (month 13, Feb 30, hour 24, "-00:00" zone). */
int	iso8601_parse(const char *s, size_t len, int require_tz, int64_t *usec);

/* Nonzero when s (len bytes) is an ISO 8601 duration as xAPI allows:
 * PnYnMnDTnHnMnS (each part optional, at least one present, in that order,
 * only seconds may have a fraction ('.' or ','), 'T' only before a time
 * part) or PnW alone. */
int	iso8601_duration_valid(const char *s, size_t len);

/* Write usec as "YYYY-MM-DDThh:mm:ss.mmmZ" (millisecond precision, UTC)
 * into out, which has room for 32 bytes; returns out. */
char	*iso8601_format(int64_t usec, char out[32]);

/* The current time in microseconds since the epoch (CLOCK_REALTIME). */
int64_t	 iso8601_now(void);

#endif
