/* logscan: the statement log read and parsed ahead of a fold. */
#include "logscan.h"

#include <pthread.h>
#include <stdlib.h>

#include "xalloc.h"

#define CHUNK	256	/* statements handed over at a time */
#define AHEAD	16	/* chunks read ahead at most */

struct chunk {
	struct logscan_item	 it[CHUNK];
	size_t			 n;
	int			 rc;	/* a read failed after it[n - 1] */
};

struct logscan {
	store		*s;
	uint64_t	 first, last;
	int		(*keep)(const json *);
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 more, room;
	struct chunk	*q[AHEAD];	/* under mu */
	size_t		 head, count;
	int		 finished, stop;
	/* The reader's side only: */
	struct chunk	*cur;
	size_t		 pos;
	int		 rc;
};

/* Hand chunk c over; 0 when the reader must stop instead (c not
 * taken). */
static int
push(logscan *ls, struct chunk *c)
{
	int ok;

	pthread_mutex_lock(&ls->mu);
	while (ls->count == AHEAD && !ls->stop)
		pthread_cond_wait(&ls->room, &ls->mu);
	ok = !ls->stop;
	if (ok) {
		ls->q[(ls->head + ls->count) % AHEAD] = c;
		ls->count++;
		pthread_cond_signal(&ls->more);
	}
	pthread_mutex_unlock(&ls->mu);
	return ok;
}

static void
chunk_free(struct chunk *c, size_t from)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = from; i < c->n; i++)
		json_free(c->it[i].st);
	free(c);
}

/* Read the statements from *seq on into chunk c until it is full, in a
 * read transaction of its own: a snapshot held for the whole log would
 * keep the pages freed meanwhile from reuse.  Entries up to last never
 * change but for voided_by, which a fold reads only as "voided before
 * it arrived". */
static int
fill(logscan *ls, struct chunk *c, uint64_t *seq)
{
	struct logscan_item *it;
	struct store_entry en;
	store_read *r;
	int rc;

	if ((rc = store_read_begin(ls->s, &r)) != 0)
		return rc;
	for (; c->n < CHUNK && *seq <= ls->last; (*seq)++) {
		rc = store_entry_at(store_read_txn(r), ls->s, *seq, &en);
		if (rc == STORE_ENOTFOUND) {	/* removed (a purge) */
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		it = &c->it[c->n++];
		it->seq = en.seq;
		it->stored = en.stored;
		it->voided_by = en.voided_by;
		it->st = NULL;
		if (json_parse_own_block(en.text, en.len, 1000, &it->st) != 0)
			it->st = NULL;
		else if (ls->keep && !ls->keep(it->st)) {
			json_free(it->st);
			it->st = NULL;
		}
	}
	store_read_end(r);
	return rc;
}

static void *
reader(void *arg)
{
	logscan *ls = arg;
	uint64_t seq = ls->first;
	struct chunk *c;
	int rc = 0;

	while (rc == 0 && seq <= ls->last) {
		c = xcalloc(1, sizeof(*c));
		rc = c->rc = fill(ls, c, &seq);
		if (!push(ls, c)) {
			chunk_free(c, 0);
			break;
		}
	}
	pthread_mutex_lock(&ls->mu);
	ls->finished = 1;
	pthread_cond_signal(&ls->more);
	pthread_mutex_unlock(&ls->mu);
	return NULL;
}

int
logscan_start(store *s, uint64_t first, uint64_t last,
    int (*keep)(const json *), logscan **out)
{
	logscan *ls = xcalloc(1, sizeof(*ls));
	int rc;

	ls->s = s;
	ls->first = first;
	ls->last = last;
	ls->keep = keep;
	pthread_mutex_init(&ls->mu, NULL);
	pthread_cond_init(&ls->more, NULL);
	pthread_cond_init(&ls->room, NULL);
	if ((rc = pthread_create(&ls->thread, NULL, reader, ls)) != 0) {
		pthread_cond_destroy(&ls->room);
		pthread_cond_destroy(&ls->more);
		pthread_mutex_destroy(&ls->mu);
		free(ls);
		return rc;
	}
	*out = ls;
	return 0;
}

/* The next chunk into ls->cur; 0, or 1 when there is no more. */
static int
take(logscan *ls)
{
	pthread_mutex_lock(&ls->mu);
	while (ls->count == 0 && !ls->finished)
		pthread_cond_wait(&ls->more, &ls->mu);
	if (ls->count == 0) {
		pthread_mutex_unlock(&ls->mu);
		return 1;
	}
	ls->cur = ls->q[ls->head];
	ls->head = (ls->head + 1) % AHEAD;
	ls->count--;
	ls->pos = 0;
	pthread_cond_signal(&ls->room);
	pthread_mutex_unlock(&ls->mu);
	return 0;
}

int
logscan_next(logscan *ls, struct logscan_item *it)
{
	for (;;) {
		if (ls->rc != 0)
			return ls->rc;
		if (ls->cur && ls->pos < ls->cur->n) {
			*it = ls->cur->it[ls->pos++];
			return 0;
		}
		if (ls->cur) {
			ls->rc = ls->cur->rc;
			chunk_free(ls->cur, ls->pos);
			ls->cur = NULL;
			continue;
		}
		if (take(ls) != 0)
			return 1;
	}
}

void
logscan_stop(logscan *ls)
{
	size_t i;

	if (ls == NULL)
		return;
	pthread_mutex_lock(&ls->mu);
	ls->stop = 1;
	pthread_cond_signal(&ls->room);
	pthread_mutex_unlock(&ls->mu);
	pthread_join(ls->thread, NULL);
	chunk_free(ls->cur, ls->pos);
	for (i = 0; i < ls->count; i++)
		chunk_free(ls->q[(ls->head + i) % AHEAD], 0);
	pthread_cond_destroy(&ls->room);
	pthread_cond_destroy(&ls->more);
	pthread_mutex_destroy(&ls->mu);
	free(ls);
}
