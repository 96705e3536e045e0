/* log: one timestamped line per event on stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum log_level threshold = LOG_INFO;

void
log_set_level(enum log_level level)
{
	threshold = level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "emerg", "alert", "crit", "error",
	    "warn", "notice", "info", "debug" };
	char line[2048], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf call keeps the line whole when threads log at once. */
	fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, ts.tv_nsec / 1000000L,
	    names[level & 7], line);
}

void
log_line(const char *text)
{
	fprintf(stderr, "%s\n", text);
}
