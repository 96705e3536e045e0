/* learnmemo: what the learner last learned of each object; see
 * learnmemo.h. */
#include "learnmemo.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	int	 kind;
	json	*in;		/* NULL while empty */
	uint8_t	 key[LEARNMEMO_KEY_LEN];
	void	*bytes;
	size_t	 len;
};

struct learnmemo {
	pthread_mutex_t	 mu;
	struct slot	*slots;
	size_t		 n;
};

learnmemo *
learnmemo_new(size_t nslots)
{
	learnmemo *m = xcalloc(1, sizeof(*m));

	pthread_mutex_init(&m->mu, NULL);
	m->n = nslots ? nslots : 1;
	m->slots = xcalloc(m->n, sizeof(*m->slots));
	return m;
}

void
learnmemo_free(learnmemo *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		json_free(m->slots[i].in);
		free(m->slots[i].bytes);
	}
	free(m->slots);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

/* The slot of (kind, name): FNV-1a. */
static struct slot *
slot_of(learnmemo *m, int kind, const char *name, size_t nlen)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	h = (h ^ (uint8_t)kind) * 1099511628211ULL;
	for (i = 0; i < nlen; i++)
		h = (h ^ (uint8_t)name[i]) * 1099511628211ULL;
	return &m->slots[h % m->n];
}

int
learnmemo_find(learnmemo *m, int kind, const char *name, size_t nlen,
    const json *in, uint8_t key[LEARNMEMO_KEY_LEN], void **bytes,
    size_t *len)
{
	struct slot *sl;
	int found = 0;

	pthread_mutex_lock(&m->mu);
	sl = slot_of(m, kind, name, nlen);
	if (sl->in && sl->kind == kind && json_equal(sl->in, in)) {
		memcpy(key, sl->key, LEARNMEMO_KEY_LEN);
		*bytes = xmemdup(sl->bytes, sl->len ? sl->len : 1);
		*len = sl->len;
		found = 1;
	}
	pthread_mutex_unlock(&m->mu);
	return found;
}

void
learnmemo_put(learnmemo *m, int kind, const char *name, size_t nlen,
    const json *in, const uint8_t key[LEARNMEMO_KEY_LEN],
    const void *bytes, size_t len)
{
	struct slot *sl;
	json *copy, *old_in;
	void *b, *old_b;

	if (len > LEARNMEMO_MAX_BYTES)
		return;
	/* Copy outside the lock; free what is replaced outside it too. */
	copy = json_clone(in);
	b = xmemdup(bytes, len ? len : 1);
	pthread_mutex_lock(&m->mu);
	sl = slot_of(m, kind, name, nlen);
	sl->kind = kind;
	memcpy(sl->key, key, LEARNMEMO_KEY_LEN);
	sl->len = len;
	old_in = sl->in;
	old_b = sl->bytes;
	sl->in = copy;
	sl->bytes = b;
	pthread_mutex_unlock(&m->mu);
	json_free(old_in);
	free(old_b);
}
