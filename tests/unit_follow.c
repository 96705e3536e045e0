/* Unit tests of store followers: catch-up, live following, exactly once
 * across a failed batch and a restart, statements stored inside the
 * follower's transaction, rewind, and the limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "store.h"
#include "stput.h"
#include "test.h"

TEST_MAIN_DEFS

/* A 64 MiB map that does not grow. */
static const struct store_limits lim64 = { 64 << 20, 64 << 20, 0, 0 };

struct counter {
	store		*s;
	MDB_dbi		 dbi;
	int		 seen[1000];	/* times each seq was applied */
	uint64_t	 last;		/* last seq applied, to check order */
	int		 in_order;
	int		 fail_next;	/* fail the next batch once */
	int		 batches;
	int		 prepared_null;
};

static int
put(store *s, int i, const char *verb)
{
	char text[300], idt[37];

	snprintf(idt, sizeof(idt), "00000000-0000-4000-8000-%012d", i);
	snprintf(text, sizeof(text), "{\"actor\":{\"mbox\":\"mailto:a@x.y\"},"
	    "\"verb\":{\"id\":\"%s\"},\"object\":{\"id\":\"http://a/%d\"}}", verb, i);
	return stput_text(s, idt, text);
}

/* The item: the verb of the statement; the follower's own outcome
 * statements (verb http://v/outcome) are skipped. */
static void *
prepare(void *arg, const struct store_entry *e)
{
	struct counter *c = arg;

	if (memmem(e->text, e->len, "http://v/outcome", 16)) {
		c->prepared_null++;
		return NULL;
	}
	return strdup("x");
}

static void
release(void *arg, void *item)
{
	free(item);
}

/* Count each statement; for every tenth store an outcome statement in
 * the same transaction. */
static int
apply(void *arg, MDB_txn *txn, void **items, size_t n, uint64_t first)
{
	struct counter *c = arg;
	size_t i;
	MDB_val k = { 1, "n" }, v;
	uint64_t seq, count = 0;

	if (c->fail_next) {
		c->fail_next = 0;
		return 99;
	}
	c->batches++;
	for (i = 0; i < n; i++) {
		seq = first + i;
		if (seq != c->last + 1)
			c->in_order = 0;
		c->last = seq;
		if (items[i] == NULL)
			continue;
		if (seq < 1000)
			c->seen[seq]++;
		count++;
		if (seq % 10 == 0) {
			char text[200], idt[37];
			json *st = NULL;
			uint8_t id[16];
			struct store_write w;

			snprintf(idt, sizeof(idt), "00000000-0000-4000-9000-%012llu",
			    (unsigned long long)seq);
			snprintf(text, sizeof(text), "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:e@x.y\"},"
			    "\"verb\":{\"id\":\"http://v/outcome\"},\"object\":{\"id\":\"http://o/%llu\"}}",
			    idt, (unsigned long long)seq);
			json_parse(text, strlen(text), 32, &st, NULL, 0);
			uuid_parse(idt, id);
			memset(&w, 0, sizeof(w));
			w.stmts = &st;
			w.n = 1;
			w.ids = (const uint8_t (*)[16])&id;
			if (store_put_txn(c->s, txn, &w) != 0) {
				json_free(st);
				return 98;
			}
			json_free(st);
		}
	}
	/* A counter of applied statements, committed with the cursor. */
	if (mdb_get(txn, c->dbi, &k, &v) == 0 && v.mv_size == 8)
		memcpy(&seq, v.mv_data, 8), count += seq;
	v.mv_size = 8;
	v.mv_data = &count;
	return mdb_put(txn, c->dbi, &k, &v, 0);
}

static const struct store_follow_ops ops = {
	.prepare = prepare,
	.apply = apply,
	.release = release,
};

/* A follower that works in compute: it reads the count it committed (key
 * "c") in compute's read transaction, adds the batch, and apply only
 * writes the sum.  Were compute to miss the previous batch's commit, the
 * sum would come out short. */
struct summer {
	MDB_dbi		 dbi;
	uint64_t	 sum;		/* computed, not yet written */
	int		 fail_next;	/* fail the next compute once */
	int		 computes, aborts;
	int		 outcomes;	/* prepared as NULL */
};

static void *
sum_prepare(void *arg, const struct store_entry *e)
{
	struct summer *m = arg;

	if (memmem(e->text, e->len, "http://v/outcome", 16)) {
		m->outcomes++;
		return NULL;
	}
	return strdup("x");
}

static int
sum_compute(void *arg, MDB_txn *txn, void **items, size_t n, uint64_t first)
{
	struct summer *m = arg;
	MDB_val k = { 1, "c" }, v;
	size_t i;

	(void)first;
	m->computes++;
	m->sum = 0;
	if (mdb_get(txn, m->dbi, &k, &v) == 0 && v.mv_size == 8)
		memcpy(&m->sum, v.mv_data, 8);
	for (i = 0; i < n; i++)
		m->sum += items[i] != NULL;
	if (m->fail_next) {
		m->fail_next = 0;
		return 97;
	}
	return 0;
}

static int
sum_apply(void *arg, MDB_txn *txn, void **items, size_t n, uint64_t first)
{
	struct summer *m = arg;
	MDB_val k = { 1, "c" }, v = { 8, &m->sum };

	(void)items;
	(void)n;
	(void)first;
	return mdb_put(txn, m->dbi, &k, &v, 0);
}

static void
sum_abort(void *arg)
{
	((struct summer *)arg)->aborts++;
}

static const struct store_follow_ops sum_ops = {
	.prepare = sum_prepare,
	.apply = sum_apply,
	.release = release,
	.abort = sum_abort,
	.compute = sum_compute,
};

/* What follower sum committed. */
static uint64_t
sum_stored(store *s, struct summer *m)
{
	MDB_txn *txn;
	MDB_val k = { 1, "c" }, v;
	uint64_t n = 0;

	mdb_txn_begin(store_env(s), NULL, MDB_RDONLY, &txn);
	if (mdb_get(txn, m->dbi, &k, &v) == 0 && v.mv_size == 8)
		memcpy(&n, v.mv_data, 8);
	mdb_txn_abort(txn);
	return n;
}

static int
sub(void *arg, MDB_txn *txn, uint64_t seq, const json *st)
{
	return 0;
}

static uint64_t
stored_count(store *s, struct counter *c)
{
	MDB_txn *txn;
	MDB_val k = { 1, "n" }, v;
	uint64_t n = 0;

	mdb_txn_begin(store_env(s), NULL, MDB_RDONLY, &txn);
	if (mdb_get(txn, c->dbi, &k, &v) == 0 && v.mv_size == 8)
		memcpy(&n, v.mv_data, 8);
	mdb_txn_abort(txn);
	return n;
}

static uint64_t
last_seq(store *s)
{
	store_read *r;
	uint64_t n;

	store_read_begin(s, &r);
	n = store_last_seq(r);
	store_read_end(r);
	return n;
}

static int
rewind_fn(void *arg, MDB_txn *txn)
{
	*(int *)arg = 7;
	return 0;
}

int
main(void)
{
	static struct counter c;
	store *s;
	store_follower *f, *g[4];
	MDB_txn *txn;
	char dir[64], cmd[128];
	int i, rc, once = 1, twice = 0, fn_rc;
	uint64_t cur, last;
	int err;

	snprintf(dir, sizeof(dir), "/tmp/lrs-unit-follow-XXXXXX");
	ok(mkdtemp(dir) != NULL, "temp dir");
	ok(store_open(dir, &lim64, &s) == STORE_OK, "store opens");
	c.s = s;
	c.in_order = 1;
	mdb_txn_begin(store_env(s), NULL, 0, &txn);
	mdb_dbi_open(txn, "unit-follow", MDB_CREATE, &c.dbi);
	mdb_txn_commit(txn);

	for (i = 0; i < 4; i++)
		ok(store_subscribe(s, sub, NULL) == STORE_OK, "subscriber %d", i);
	ok(store_subscribe(s, sub, NULL) == STORE_ELIMIT,
	    "a fifth subscriber is refused, not dropped");

	for (i = 1; i <= 50; i++)
		put(s, i, "http://v/did");
	c.fail_next = 1;	/* the first batch fails and is retried */
	ok(store_follow(s, "count", &ops, &c, 7, &f) == STORE_OK, "follower starts");
	ok(store_follow(s, "count", &ops, &c, 7, &g[0]) == STORE_EINVALID,
	    "a second follower of the same name is refused");
	ok(store_follow(s, "", &ops, &c, 7, &g[0]) == STORE_EINVALID,
	    "an empty name is refused");
	ok(store_follower_wait(f, 50, 10000) == 0, "it catches up with 50 stored before it started");
	for (i = 51; i <= 120; i++)
		put(s, i, "http://v/did");
	last = last_seq(s);
	ok(store_follower_wait(f, last, 10000) == 0, "it follows live writes");
	last = last_seq(s);
	ok(store_follower_wait(f, last, 10000) == 0, "and its own outcomes");
	ok(last > 120 && (int)(last - 120) == c.prepared_null,
	    "every outcome stored in the follower's transaction came back to it (%llu, %d)",
	    (unsigned long long)last, c.prepared_null);
	for (i = 1; i <= 125; i++) {
		if (c.seen[i] > 1)
			twice++;
	}
	for (i = 1; i <= 120; i++)
		if (c.seen[i] != 1 && !(i > 100 && c.seen[i] == 0))
			once = 0;
	ok(twice == 0, "no statement applied twice");
	ok(c.in_order, "batches arrive in sequence order, without gaps");
	ok(stored_count(s, &c) + c.prepared_null == last,
	    "the committed count plus the skipped outcomes cover every statement (%llu + %d of %llu)",
	    (unsigned long long)stored_count(s, &c), c.prepared_null,
	    (unsigned long long)last);
	ok(c.prepared_null >= 5, "the follower's own outcome statements reached prepare");
	store_follower_status(f, &cur, &last, &err);
	ok(cur == last && err == 0, "status: cursor at the last statement, no error");
	(void)once;

	/* Restart: the cursor was committed, nothing is applied again. */
	store_close(s);
	ok(store_open(dir, &lim64, &s) == STORE_OK, "store reopens");
	memset(c.seen, 0, sizeof(c.seen));
	c.s = s;
	mdb_txn_begin(store_env(s), NULL, 0, &txn);
	mdb_dbi_open(txn, "unit-follow", MDB_CREATE, &c.dbi);
	mdb_txn_commit(txn);
	c.last = cur;
	ok(store_follow(s, "count", &ops, &c, 7, &f) == STORE_OK, "follower restarts");
	put(s, 500, "http://v/did");
	rc = store_follower_wait(f, last_seq(s), 10000);
	store_follower_status(f, &cur, &last, &err);
	ok(rc == 0, "and follows (cursor %llu, last %llu, error %d)",
	    (unsigned long long)cur, (unsigned long long)last, err);
	twice = 0;
	for (i = 1; i < 1000; i++)
		twice += c.seen[i];
	ok(twice == 1, "only the new statement is applied after a restart (%d)", twice);
	ok(c.in_order, "in order after the restart");

	/* Rewind to 0: everything is replayed. */
	c.last = 0;
	ok(store_follower_rewind(f, 0, rewind_fn, &fn_rc) == STORE_OK && fn_rc == 7,
	    "cursor rewound, with other work in the same commit");
	ok(store_follower_wait(f, last_seq(s), 10000) == 0, "follower catches up again");
	ok(c.seen[1] == 1 && c.seen[50] == 1, "statements replayed from the start");

	/* compute: the work done before apply, on what was committed. */
	{
		static struct summer m;
		store_follower *h;

		mdb_txn_begin(store_env(s), NULL, 0, &txn);
		mdb_dbi_open(txn, "unit-follow-sum", MDB_CREATE, &m.dbi);
		mdb_txn_commit(txn);
		m.fail_next = 1;
		ok(store_follow(s, "sum", &sum_ops, &m, 7, &h) == STORE_OK,
		    "a follower with compute starts");
		for (i = 600; i < 640; i++)
			put(s, i, "http://v/did");
		ok(store_follower_wait(h, last_seq(s), 10000) == 0,
		    "it catches up");
		ok(store_follower_wait(f, last_seq(s), 10000) == 0,
		    "and so does the other");
		ok(store_follower_wait(h, last_seq(s), 10000) == 0,
		    "and the first with the other's outcomes");
		/* 50 + 70 + 1 + 40 statements put, the rest outcomes. */
		ok(sum_stored(s, &m) == 161 &&
		    sum_stored(s, &m) + (uint64_t)m.outcomes == last_seq(s),
		    "each compute saw the batches committed before it "
		    "(sum %llu, %d outcomes, %llu statements)",
		    (unsigned long long)sum_stored(s, &m), m.outcomes,
		    (unsigned long long)last_seq(s));
		ok(m.aborts == 1 && m.computes > 2,
		    "a failed compute is aborted once and retried (%d, %d)",
		    m.aborts, m.computes);
		store_follower_stop(h);
	}

	/* Limits. */
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		rc = store_follow(s, name, &ops, &c, 7, &g[i]);
		ok(rc == STORE_OK, "follower %s", name);
	}
	ok(store_follow(s, "f9", &ops, &c, 7, &g[3]) == STORE_ELIMIT,
	    "a fifth follower is refused");
	store_follower_stop(g[0]);
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "cleanup");
	return test_done();
}
