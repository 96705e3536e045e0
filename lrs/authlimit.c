/* authlimit: failed authentications per client address, bounded.
 *
 * Each slot keeps the time at which its address's debt is paid off (the
 * "theoretical arrival time" of GCRA): every failure adds one interval
 * (window/limit) to it, and an address is blocked while its debt is
 * more than the window less one interval, that is after `limit` failures
 * in quick succession.
 */
#include "authlimit.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>

#define PROBES	8	/* slots an address may occupy */

struct slot {
	struct addr	a;
	int64_t		paid;	/* ms when the debt is paid; <= now: free */
};

struct authlimit {
	pthread_mutex_t	mu;
	int64_t		interval;	/* ms one failure costs */
	int64_t		tolerance;	/* ms of debt allowed */
	int		off;
	struct slot	slots[AUTHLIMIT_SLOTS];
};

authlimit *
authlimit_new(int limit, int window_s)
{
	authlimit *al = xcalloc(1, sizeof(*al));

	pthread_mutex_init(&al->mu, NULL);
	al->off = limit <= 0 || window_s <= 0;
	if (!al->off) {
		al->interval = (int64_t)window_s * 1000 / limit;
		if (al->interval < 1)
			al->interval = 1;
		al->tolerance = (int64_t)window_s * 1000 - al->interval;
	}
	return al;
}

void
authlimit_free(authlimit *al)
{
	if (al == NULL)
		return;
	pthread_mutex_destroy(&al->mu);
	free(al);
}

/* The slot of a, or NULL; with claim, a slot for it (a free one, else the
 * one closest to paid off, forgetting its address). */
static struct slot *
find(authlimit *al, const struct addr *a, int64_t now, int claim)
{
	struct slot *s, *best = NULL;
	uint32_t i, start = addr_hash(a) % AUTHLIMIT_SLOTS;

	for (i = 0; i < PROBES; i++) {
		s = &al->slots[(start + i) % AUTHLIMIT_SLOTS];
		if (s->paid > now && addr_eq(&s->a, a))
			return s;
		if (best == NULL || s->paid < best->paid)
			best = s;
	}
	if (!claim)
		return NULL;
	best->a = *a;
	best->paid = now;
	return best;
}

int
authlimit_check(authlimit *al, const struct addr *a, int64_t now_ms,
    int *retry_s)
{
	struct slot *s;
	int64_t wait = 0;

	if (al->off)
		return AUTHLIMIT_OK;
	pthread_mutex_lock(&al->mu);
	if ((s = find(al, a, now_ms, 0)) != NULL)
		wait = s->paid - now_ms - al->tolerance;
	pthread_mutex_unlock(&al->mu);
	if (wait <= 0)
		return AUTHLIMIT_OK;
	*retry_s = (int)((wait + 999) / 1000);
	return AUTHLIMIT_EBLOCKED;
}

void
authlimit_fail(authlimit *al, const struct addr *a, int64_t now_ms)
{
	struct slot *s;

	if (al->off)
		return;
	pthread_mutex_lock(&al->mu);
	s = find(al, a, now_ms, 1);
	s->paid += al->interval;
	pthread_mutex_unlock(&al->mu);
}
