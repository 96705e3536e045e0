/* ixdelta: a hash table from index key to an ascending array of sequence
 * numbers, open addressing with linear probing; a key left without
 * numbers becomes a tombstone until the table is rebuilt. */
#include "ixdelta.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_FREE	0
#define SLOT_USED	1
#define SLOT_GONE	2
#define SLOTS_MIN	1024

struct slot {
	uint8_t		 key[INDEX_KEY_LEN];
	uint8_t		 state;
	uint32_t	 n, cap;
	uint64_t	*seqs;
};

struct pin {
	uint64_t	v;
	size_t		count;
};

struct ixd {
	pthread_rwlock_t lk;		/* the table */
	struct slot	*slots;
	size_t		 cap;		/* a power of two */
	size_t		 used, gone;	/* slots in each state */
	size_t		 nseqs;
	pthread_mutex_t	 pmu;		/* merged and the pins */
	uint64_t	 merged[IXD_PARTS];
	struct pin	*pins;
	size_t		 npins;
};

unsigned
ixd_part(const uint8_t key[INDEX_KEY_LEN])
{
	return key[1] >> 2;
}

static size_t
slot_hash(const uint8_t *key)
{
	uint64_t h;

	memcpy(&h, key + 1, sizeof(h));
	return (size_t)(h ^ (key[0] * 0x9e3779b97f4a7c15ULL));
}

ixd *
ixd_new(uint64_t merged)
{
	ixd *d = xcalloc(1, sizeof(*d));
	unsigned p;

	pthread_rwlock_init(&d->lk, NULL);
	pthread_mutex_init(&d->pmu, NULL);
	d->cap = SLOTS_MIN;
	d->slots = xcalloc(d->cap, sizeof(*d->slots));
	for (p = 0; p < IXD_PARTS; p++)
		d->merged[p] = merged;
	return d;
}

void
ixd_free(ixd *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->cap; i++)
		free(d->slots[i].seqs);
	free(d->slots);
	free(d->pins);
	pthread_rwlock_destroy(&d->lk);
	pthread_mutex_destroy(&d->pmu);
	free(d);
}

/* key's slot, or NULL. */
static struct slot *
find(const ixd *d, const uint8_t *key)
{
	size_t i = slot_hash(key) & (d->cap - 1);
	struct slot *sl;

	for (;; i = (i + 1) & (d->cap - 1)) {
		sl = &d->slots[i];
		if (sl->state == SLOT_FREE)
			return NULL;
		if (sl->state == SLOT_USED &&
		    memcmp(sl->key, key, INDEX_KEY_LEN) == 0)
			return sl;
	}
}

/* Put the used slots into a table of cap slots (tombstones go). */
static void
rehash(ixd *d, size_t cap)
{
	struct slot *old = d->slots;
	size_t ocap = d->cap, i, j;

	d->slots = xcalloc(cap, sizeof(*d->slots));
	d->cap = cap;
	d->gone = 0;
	for (i = 0; i < ocap; i++) {
		if (old[i].state != SLOT_USED)
			continue;
		for (j = slot_hash(old[i].key) & (cap - 1);
		    d->slots[j].state != SLOT_FREE; j = (j + 1) & (cap - 1))
			;
		d->slots[j] = old[i];
	}
	free(old);
}

/* key's slot, made when missing (the table under the write lock). */
static struct slot *
take(ixd *d, const uint8_t *key)
{
	struct slot *sl = find(d, key);
	size_t i, cap;

	if (sl)
		return sl;
	if ((d->used + d->gone + 1) * 2 > d->cap) {
		for (cap = SLOTS_MIN; cap < (d->used + 1) * 4; cap *= 2)
			;
		rehash(d, cap);
	}
	for (i = slot_hash(key) & (d->cap - 1);
	    d->slots[i].state == SLOT_USED; i = (i + 1) & (d->cap - 1))
		;
	sl = &d->slots[i];
	if (sl->state == SLOT_GONE)
		d->gone--;
	memset(sl, 0, sizeof(*sl));
	memcpy(sl->key, key, INDEX_KEY_LEN);
	sl->state = SLOT_USED;
	d->used++;
	return sl;
}

/* sl has no numbers left: it becomes a tombstone. */
static void
bury(ixd *d, struct slot *sl)
{
	free(sl->seqs);
	sl->seqs = NULL;
	sl->n = sl->cap = 0;
	sl->state = SLOT_GONE;
	d->used--;
	d->gone++;
}

void
ixd_add(ixd *d, const struct ixd_entry *e, size_t n)
{
	struct slot *sl;
	size_t i;

	pthread_rwlock_wrlock(&d->lk);
	for (i = 0; i < n; i++) {
		sl = take(d, e[i].key);
		if (sl->n > 0 && sl->seqs[sl->n - 1] >= e[i].seq)
			continue;
		if (sl->n == sl->cap) {
			sl->cap = sl->cap ? 2 * sl->cap : 4;
			sl->seqs = xrealloc(sl->seqs,
			    sl->cap * sizeof(*sl->seqs));
		}
		sl->seqs[sl->n++] = e[i].seq;
		d->nseqs++;
	}
	pthread_rwlock_unlock(&d->lk);
}

void
ixd_drop_after(ixd *d, uint64_t seq)
{
	struct slot *sl;
	size_t i;

	pthread_rwlock_wrlock(&d->lk);
	for (i = 0; i < d->cap; i++) {
		sl = &d->slots[i];
		if (sl->state != SLOT_USED)
			continue;
		while (sl->n > 0 && sl->seqs[sl->n - 1] > seq) {
			sl->n--;
			d->nseqs--;
		}
		if (sl->n == 0)
			bury(d, sl);
	}
	pthread_rwlock_unlock(&d->lk);
}

void
ixd_drop(ixd *d, const struct ixd_entry *e, size_t n)
{
	struct slot *sl;
	size_t i;

	pthread_rwlock_wrlock(&d->lk);
	for (i = n; i-- > 0;) {
		sl = find(d, e[i].key);
		if (sl == NULL || sl->seqs[sl->n - 1] != e[i].seq)
			continue;
		sl->n--;
		d->nseqs--;
		if (sl->n == 0)
			bury(d, sl);
	}
	pthread_rwlock_unlock(&d->lk);
}

/* The index of the first number in sl above v (sl->n when none). */
static size_t
above(const struct slot *sl, uint64_t v)
{
	size_t lo = 0, hi = sl->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sl->seqs[mid] > v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void
ixd_next(ixd *d, const uint8_t key[INDEX_KEY_LEN], uint64_t after,
    uint64_t at, int ascending, uint64_t *got)
{
	const struct slot *sl;
	size_t first, i;

	*got = 0;
	pthread_rwlock_rdlock(&d->lk);
	if ((sl = find(d, key)) != NULL) {
		first = above(sl, after);
		if (ascending) {
			i = above(sl, at > 0 ? at - 1 : 0);
			if (i < first)
				i = first;
			if (i < sl->n)
				*got = sl->seqs[i];
		} else {
			i = above(sl, at);
			if (i > first)
				*got = sl->seqs[i - 1];
		}
	}
	pthread_rwlock_unlock(&d->lk);
}

static int
slot_cmp(const void *a, const void *b)
{
	const struct slot *x = *(const struct slot *const *)a;
	const struct slot *y = *(const struct slot *const *)b;

	return memcmp(x->key, y->key, INDEX_KEY_LEN);
}

size_t
ixd_collect(ixd *d, unsigned p, uint64_t after, struct ixd_entry **out)
{
	struct slot **pick = NULL;
	struct ixd_entry *e = NULL;
	size_t np = 0, n = 0, i, j;

	/* Only the writer changes the table: no lock to read it. */
	if (d->used > 0)
		pick = xmalloc(d->used * sizeof(*pick));
	for (i = 0; i < d->cap; i++)
		if (d->slots[i].state == SLOT_USED &&
		    ixd_part(d->slots[i].key) == p &&
		    d->slots[i].seqs[d->slots[i].n - 1] > after) {
			pick[np++] = &d->slots[i];
			n += d->slots[i].n;
		}
	if (np > 1)
		qsort(pick, np, sizeof(*pick), slot_cmp);
	if (n > 0)
		e = xmalloc(n * sizeof(*e));
	for (n = 0, i = 0; i < np; i++)
		for (j = above(pick[i], after); j < pick[i]->n; j++) {
			memcpy(e[n].key, pick[i]->key, INDEX_KEY_LEN);
			e[n++].seq = pick[i]->seqs[j];
		}
	free(pick);
	*out = e;
	return n;
}

/* The least pin, or v when there is none below it (under pmu). */
static uint64_t
least_pin(const ixd *d, uint64_t v)
{
	size_t i;

	for (i = 0; i < d->npins; i++)
		if (d->pins[i].v < v)
			v = d->pins[i].v;
	return v;
}

/* Drop part p's numbers at or below upto (the write lock held). */
static void
prune(ixd *d, unsigned p, uint64_t upto)
{
	struct slot *sl;
	size_t i, k;

	for (i = 0; i < d->cap; i++) {
		sl = &d->slots[i];
		if (sl->state != SLOT_USED || ixd_part(sl->key) != p)
			continue;
		if ((k = above(sl, upto)) == 0)
			continue;
		memmove(sl->seqs, sl->seqs + k, (sl->n - k) * sizeof(*sl->seqs));
		sl->n -= (uint32_t)k;
		d->nseqs -= k;
		if (sl->n == 0)
			bury(d, sl);
	}
	if (d->gone > d->used && d->gone > SLOTS_MIN / 4)
		rehash(d, d->cap);
}

void
ixd_publish(ixd *d, unsigned p, uint64_t merged)
{
	uint64_t upto;

	pthread_mutex_lock(&d->pmu);
	d->merged[p] = merged;
	upto = least_pin(d, merged);
	pthread_mutex_unlock(&d->pmu);
	pthread_rwlock_wrlock(&d->lk);
	prune(d, p, upto);
	pthread_rwlock_unlock(&d->lk);
}

uint64_t
ixd_pin(ixd *d)
{
	uint64_t v;
	unsigned p;
	size_t i;

	pthread_mutex_lock(&d->pmu);
	v = d->merged[0];
	for (p = 1; p < IXD_PARTS; p++)
		if (d->merged[p] < v)
			v = d->merged[p];
	for (i = 0; i < d->npins && d->pins[i].v != v; i++)
		;
	if (i == d->npins) {
		d->pins = xrealloc(d->pins, (d->npins + 1) * sizeof(*d->pins));
		d->pins[d->npins].v = v;
		d->pins[d->npins++].count = 0;
	}
	d->pins[i].count++;
	pthread_mutex_unlock(&d->pmu);
	return v;
}

void
ixd_unpin(ixd *d, uint64_t pin)
{
	size_t i;

	pthread_mutex_lock(&d->pmu);
	for (i = 0; i < d->npins && d->pins[i].v != pin; i++)
		;
	if (i < d->npins && --d->pins[i].count == 0)
		d->pins[i] = d->pins[--d->npins];
	pthread_mutex_unlock(&d->pmu);
}

void
ixd_count(ixd *d, size_t *seqs, size_t *keys)
{
	pthread_rwlock_rdlock(&d->lk);
	*seqs = d->nseqs;
	*keys = d->used;
	pthread_rwlock_unlock(&d->lk);
}
