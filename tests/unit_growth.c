/* Unit tests of the map's growth: a store that begins with a 1 MiB map
 * takes megabytes from concurrent writers while readers (some nested) and
 * a follower run; every acknowledged statement is there, the follower
 * saw each exactly once, the map grew.  At its ceiling a write that does
 * not fit gets STORE_EFULL, nothing of it is stored, and reads go on. */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "index.h"
#include "store.h"
#include "test.h"

TEST_MAIN_DEFS

#define WRITERS	4
#define BATCHES	40
#define BATCH	10
#define PAD	2000	/* bytes of padding per statement */

static char dir[64];

/* A batch of n statements with fresh ids (into ids, n <= BATCH), each
 * padded with PAD bytes.  Its code. */
static int
put_batch(store *s, size_t n, uint8_t (*ids)[16])
{
	static char pad[PAD + 1];
	json *st[BATCH];
	char text[PAD + 512], idt[37];
	struct store_write w;
	size_t i, k;
	int rc = -100;

	if (pad[0] == '\0')
		memset(pad, 'x', PAD);
	for (i = 0; i < n; i++) {
		uuid_generate_random(ids[i]);
		uuid_unparse_lower(ids[i], idt);
		snprintf(text, sizeof(text), "{\"id\":\"%s\",\"actor\":{\"mbox\":"
		    "\"mailto:g@x.y\"},\"verb\":{\"id\":\"http://v/grow\"},"
		    "\"object\":{\"id\":\"http://a/grow\"},\"result\":"
		    "{\"response\":\"%s\"}}", idt, pad);
		st[i] = NULL;
		if (json_parse(text, strlen(text), 16, &st[i], NULL, 0) != 0)
			goto out;
	}
	memset(&w, 0, sizeof(w));
	w.stmts = st;
	w.n = n;
	w.ids = (const uint8_t (*)[16])ids;
	rc = store_put(s, &w);
out:
	for (k = 0; k < i; k++)
		json_free(st[k]);
	return rc;
}

struct writer {
	store	*s;
	uint8_t	 ids[4000][16];	/* acknowledged */
	int	 acked;
	int	 failed;
};

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	int b, rc;

	for (b = 0; b < BATCHES; b++) {
		rc = put_batch(w->s, BATCH, &w->ids[w->acked]);
		if (rc == STORE_OK)
			w->acked += BATCH;
		else {
			fprintf(stderr, "writer: %s\n", store_strerror(rc));
			w->failed++;
		}
	}
	return NULL;
}

static void
count_visit(void *arg, uint64_t seq, const char *text, size_t len)
{
	(*(int *)arg)++;
}

struct reader {
	store	*s;
	int	*stop;
	int	 reads;
	int	 errors;
};

/* Queries, each with a read nested inside it, until told to stop. */
static void *
reader_run(void *arg)
{
	struct reader *rd = arg;
	struct store_query q;
	store_read *r, *inner;
	uint64_t next;
	int n;

	memset(&q, 0, sizeof(q));
	q.limit = 50;
	while (!__atomic_load_n(rd->stop, __ATOMIC_ACQUIRE)) {
		if (store_read_begin(rd->s, &r) != STORE_OK) {
			rd->errors++;
			continue;
		}
		n = 0;
		if (store_query(r, &q, count_visit, &n, &next) != STORE_OK)
			rd->errors++;
		if (store_read_begin(rd->s, &inner) != STORE_OK)
			rd->errors++;
		else
			store_read_end(inner);
		store_read_end(r);
		rd->reads++;
	}
	return NULL;
}

/* A follower that records, in its own database and the batch's
 * transaction, every statement it applies: a statement committed twice
 * fails its batch.  It also checks that apply never runs again on a
 * batch without an abort (or its own failure) in between. */
struct tracker {
	store		*s;
	MDB_dbi		 dbi;
	uint64_t	 last_first;
	int		 clean;		/* an abort came since the last apply */
	int		 violations;
	int		 retries;
};

static void *
t_prepare(void *arg, const struct store_entry *e)
{
	return strdup("x");
}

static void
t_release(void *arg, void *item)
{
	free(item);
}

static int
t_apply(void *arg, MDB_txn *txn, void **items, size_t n, uint64_t first)
{
	struct tracker *t = arg;
	uint8_t kb[8];
	MDB_val k = { 8, kb }, v = { 4, "seen" };
	size_t i;
	int rc, j;

	if (t->last_first && first <= t->last_first && !t->clean)
		t->violations++;
	if (t->last_first && first <= t->last_first)
		t->retries++;
	t->last_first = first;
	t->clean = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < 8; j++)
			kb[j] = (uint8_t)((first + i) >> (56 - 8 * j));
		if ((rc = mdb_put(txn, t->dbi, &k, &v, MDB_NOOVERWRITE)) != 0) {
			t->clean = 1;	/* it failed: nothing to forget */
			return rc;
		}
	}
	return 0;
}

static void
t_abort(void *arg)
{
	((struct tracker *)arg)->clean = 1;
}

static const struct store_follow_ops tracker_ops = {
	.prepare = t_prepare,
	.apply = t_apply,
	.release = t_release,
	.abort = t_abort,
};

static size_t
map_of(store *s)
{
	MDB_envinfo info;

	return mdb_env_info(store_env(s), &info) == 0 ? info.me_mapsize : 0;
}

/* How many of the writers' acknowledged statements cannot be read. */
static int
missing(store *s, struct writer *w, int nw)
{
	const char *text;
	store_read *r;
	size_t len;
	int64_t stored;
	int i, k, voided, miss = 0;

	if (store_read_begin(s, &r) != STORE_OK)
		return -1;
	for (i = 0; i < nw; i++)
		for (k = 0; k < w[i].acked; k++)
			if (store_get(r, w[i].ids[k], &text, &len, &voided,
			    &stored) != STORE_OK)
				miss++;
	store_read_end(r);
	return miss;
}

static void
test_growth(void)
{
	static struct writer w[WRITERS];
	static const struct store_limits lim = { 1 << 20, 64 << 20, 0, 0 };
	struct reader rd[2];
	struct tracker t;
	pthread_t wt[WRITERS], rt[2];
	store_follower *f = NULL;
	store_read *r;
	MDB_txn *txn;
	MDB_stat stat;
	uint64_t cursor = 0, last = 0;
	int i, stop = 0, acked = 0, failed = 0, reads = 0, rerr = 0, ferr;
	store *s;

	ok(store_open(dir, &lim, &s) == STORE_OK, "store opens with a 1 MiB map");
	ok(map_of(s) == 1 << 20, "the map is 1 MiB (%zu)", map_of(s));
	memset(&t, 0, sizeof(t));
	t.s = s;
	ok(store_txn_begin(s, 0, &txn) == STORE_OK &&
	    mdb_dbi_open(txn, "unit-seen", MDB_CREATE, &t.dbi) == 0 &&
	    store_txn_commit(s, txn) == STORE_OK, "the follower's database");
	ok(store_follow(s, "tracker", &tracker_ops, &t, 16, &f) == STORE_OK,
	    "follower starts");
	for (i = 0; i < 2; i++) {
		rd[i].s = s;
		rd[i].stop = &stop;
		rd[i].reads = rd[i].errors = 0;
		pthread_create(&rt[i], NULL, reader_run, &rd[i]);
	}
	for (i = 0; i < WRITERS; i++) {
		w[i].s = s;
		pthread_create(&wt[i], NULL, writer_run, &w[i]);
	}
	for (i = 0; i < WRITERS; i++) {
		pthread_join(wt[i], NULL);
		acked += w[i].acked;
		failed += w[i].failed;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++) {
		pthread_join(rt[i], NULL);
		reads += rd[i].reads;
		rerr += rd[i].errors;
	}
	ok(failed == 0 && acked == WRITERS * BATCHES * BATCH,
	    "every write succeeded while the map grew (%d acknowledged, "
	    "%d batches failed)", acked, failed);
	ok(map_of(s) > 4 << 20 && map_of(s) <= 64 << 20,
	    "the map grew (%zu bytes)", map_of(s));
	ok(reads > 0 && rerr == 0, "%d reads during the growth, %d failed",
	    reads, rerr);
	ok(missing(s, w, WRITERS) == 0, "every acknowledged statement is there");
	if (store_read_begin(s, &r) == STORE_OK) {
		last = store_last_seq(r);
		store_read_end(r);
	}
	ok(last == (uint64_t)acked, "and nothing else (%llu)",
	    (unsigned long long)last);
	ok(store_follower_wait(f, last, 20000) == STORE_OK,
	    "the follower caught up");
	store_follower_status(f, &cursor, &last, &ferr);
	ok(cursor == last && ferr == 0, "cursor %llu of %llu, error %d",
	    (unsigned long long)cursor, (unsigned long long)last, ferr);
	ok(store_txn_begin(s, MDB_RDONLY, &txn) == STORE_OK &&
	    mdb_stat(txn, t.dbi, &stat) == 0, "the follower's record");
	store_txn_abort(s, txn);
	ok(stat.ms_entries == last, "it applied each statement once "
	    "(%zu of %llu)", stat.ms_entries, (unsigned long long)last);
	ok(t.violations == 0, "apply never ran twice without an abort (%d "
	    "batches handed back)", t.retries);
	store_close(s);

	/* Open again with a small map: LMDB takes the data's size, and the
	 * map grows again from there. */
	ok(store_open(dir, &lim, &s) == STORE_OK, "store reopens");
	ok(put_batch(s, BATCH, w[0].ids) == STORE_OK, "and takes more");
	ok(missing(s, w, 1) == 0, "which can be read");
	store_close(s);
}

/* At its ceiling: STORE_EFULL, nothing of the batch stored, reads go
 * on. */
static void
test_ceiling(void)
{
	static struct writer w;
	static const struct store_limits lim = { 1 << 20, 2 << 20, 0, 0 };
	struct store_query q = { .limit = 5 };
	uint64_t before = 0, after = 1, next;
	store_read *r;
	store *s;
	int rc = STORE_OK, n = 0;

	ok(store_open(dir, &lim, &s) == STORE_OK, "a store limited to 2 MiB");
	w.s = s;
	while (w.acked + BATCH <= 4000 &&
	    (rc = put_batch(s, BATCH, &w.ids[w.acked])) == STORE_OK)
		w.acked += BATCH;
	ok(rc == STORE_EFULL, "a batch that does not fit is STORE_EFULL "
	    "(%s) after %d statements", store_strerror(rc), w.acked);
	ok(map_of(s) == 2 << 20, "at the ceiling (%zu)", map_of(s));
	if (store_read_begin(s, &r) == STORE_OK) {
		before = store_last_seq(r);
		store_read_end(r);
	}
	ok(before == (uint64_t)w.acked, "nothing of the failed batch is "
	    "stored (%llu)", (unsigned long long)before);
	ok(missing(s, &w, 1) == 0, "every acknowledged statement reads");
	if (store_read_begin(s, &r) == STORE_OK) {
		after = store_last_seq(r);
		if (store_query(r, &q, count_visit, &n, &next) != STORE_OK)
			n = -1;
		store_read_end(r);
	}
	ok(after == (uint64_t)w.acked && n == 5, "reads go on (%d)", n);
	store_close(s);
}

/* Another process (lrsd credential, a second server by mistake) grows
 * the map past ours: our next transaction adopts its size instead of
 * failing with MDB_MAP_RESIZED. */
static void
test_adopt(void)
{
	static struct writer w;
	static const struct store_limits lim = { 1 << 20, 64 << 20, 0, 0 };
	uint64_t last = 0;
	store_read *r;
	store *s, *other;
	pid_t pid;
	int st = -1, b, rc = STORE_EIO;

	ok(store_open(dir, &lim, &s) == STORE_OK, "store opens with 1 MiB");
	ok(put_batch(s, BATCH, w.ids) == STORE_OK, "one batch");
	w.acked = BATCH;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		/* The other process writes 4 MiB and more. */
		if (store_open(dir, &lim, &other) != STORE_OK)
			_exit(2);
		for (b = 0; b < 150; b++)
			if (put_batch(other, BATCH, &w.ids[BATCH]) != STORE_OK)
				_exit(3);
		store_close(other);
		_exit(0);
	}
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "another process grew the store (%d)", st);
	rc = store_read_begin(s, &r);
	ok(rc == STORE_OK, "a read after it works (%s)", store_strerror(rc));
	if (rc == STORE_OK) {
		last = store_last_seq(r);
		store_read_end(r);
	}
	ok(last == 151 * BATCH, "and sees everything (%llu)",
	    (unsigned long long)last);
	ok(map_of(s) > 4 << 20, "our map took its size (%zu)", map_of(s));
	ok(put_batch(s, BATCH, &w.ids[BATCH]) == STORE_OK, "writes go on");
	w.acked = 2 * BATCH;
	ok(missing(s, &w, 1) == 0, "ours are all there");
	store_close(s);
}

int
main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/lrs-unit-growth-XXXXXX");
	ok(mkdtemp(dir) != NULL, "temp dir");
	test_growth();
	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", dir);
	ok(system(cmd) == 0, "empty the directory");
	test_ceiling();
	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", dir);
	ok(system(cmd) == 0, "empty the directory");
	test_adopt();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "cleanup");
	return test_done();
}
