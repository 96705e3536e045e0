/* mono: the monotonic clock, for deadlines, timeouts and durations (never
 * for times shown to anyone: those are iso8601_now()'s). */
#ifndef LRS_MONO_H
#define LRS_MONO_H

#include <stdint.h>

/* Milliseconds, and microseconds, of CLOCK_MONOTONIC. */
int64_t	mono_ms(void);
int64_t	mono_us(void);

#endif
