/* engine: the tiering engine as a follower of the store, and its clock. */
#include "engine.h"
#include "iso8601.h"
#include "jx.h"
#include "logscan.h"
#include "vocab.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uuid/uuid.h>

#define DAY_US	86400000000LL

struct item {
	json		*st;
	uint64_t	 seq, voided_by;
	int64_t		 stored;
};

/* The fold's reader of the log: statement id's number and text, through
 * the transaction in *arg (the batch's, or a what-if's read). */
struct logread {
	store	*st;
	MDB_txn	*txn;
};

static int
log_load(void *arg, const char *id, uint64_t *seq, uint64_t *voided_by,
    json **out)
{
	struct logread *lr = arg;
	struct store_entry en;
	uint8_t u[16];
	int rc;

	*out = NULL;
	if (uuid_parse(id, u) != 0)
		return STORE_ENOTFOUND;
	if ((rc = store_seq_of(lr->txn, lr->st, u, seq)) != 0 ||
	    (rc = store_entry_at(lr->txn, lr->st, *seq, &en)) != 0)
		return rc;
	*voided_by = en.voided_by;
	return json_parse_own_block(en.text, en.len, 1000, out) == 0 ? 0 :
	    STORE_EIO;
}

/* fold.scan: the statements before `before` that hold a needle. */
static int
log_scan(void *arg, const char *const *needles, size_t n, uint64_t before,
    void (*fn)(void *, const json *, uint64_t, uint64_t), void *ctx)
{
	struct logread *lr = arg;
	struct store_entry en;
	uint64_t seq;
	json *st;
	size_t i;
	int rc = 0;

	for (seq = 1; seq < before && rc == 0; seq++) {
		if ((rc = store_entry_at(lr->txn, lr->st, seq, &en)) != 0) {
			if (rc == STORE_ENOTFOUND)	/* removed */
				rc = 0;
			continue;
		}
		for (i = 0; i < n && memmem(en.text, en.len, needles[i],
		    strlen(needles[i])) == NULL; i++)
			;
		if (n > 0 && i == n)
			continue;
		if (json_parse_own_block(en.text, en.len, 1000, &st) != 0)
			continue;	/* the fold skipped it too */
		fn(ctx, st, seq, en.voided_by);
		json_free(st);
	}
	return rc;
}

/* Whether outcome id is in the log (fold.stored); a failed lookup says
 * no, and the caller's own lookup then reports it. */
static int
log_stored(void *arg, const char *id)
{
	struct logread *lr = arg;
	uint64_t seq;
	uint8_t u[16];

	return uuid_parse(id, u) == 0 &&
	    store_seq_of(lr->txn, lr->st, u, &seq) == 0;
}

static void *
prepare(void *arg, const struct store_entry *en)
{
	struct item *it;
	json *st = NULL;

	(void)arg;
	if (json_parse_own_block(en->text, en->len, 1000, &st) != 0)
		return NULL;
	if (fold_is_outcome(st)) {
		json_free(st);
		return NULL;
	}
	it = xmalloc(sizeof(*it));
	it->st = st;
	it->seq = en->seq;
	it->voided_by = en->voided_by;
	it->stored = en->stored;
	return it;
}

static void
release(void *arg, void *p)
{
	struct item *it = p;

	(void)arg;
	json_free(it->st);
	free(it);
}

/* Store the outcomes the fold produced, in the batch's transaction, one
 * by one: an outcome whose id is stored already with other content (only
 * possible when a newer engine words an old outcome differently) is left
 * as it was first recorded, since outcomes are never rewritten. */
static int
put_outcomes(tier_engine *e, MDB_txn *txn, const json *out)
{
	struct store_write w;
	uint8_t id[16];
	size_t i;
	int rc = 0;

	for (i = 0; i < out->n && rc == 0; i++) {
		uuid_parse(json_get_str(out->vals[i], "id"), id);
		memset(&w, 0, sizeof(w));
		w.stmts = &out->vals[i];
		w.n = 1;
		w.ids = (const uint8_t (*)[16])&id;
		w.authority_key = TV_ENGINE;
		rc = store_put_txn(e->st, txn, &w);
		if (rc == STORE_ECONFLICT) {
			e->conflicts++;
			rc = 0;
		}
	}
	return rc;
}

/* Forget everything folded but not committed: the cache, the
 * definitions read, the outcomes not stored. */
static void
forget(tier_engine *e)
{
	tstate_clear(e->ts);
	e->reload = 1;
	e->fold.rc = 0;
	json_free(e->fold.outcomes);
	e->fold.outcomes = json_new(JSON_ARRAY);
}

/* Fold a batch on the follower's thread, over the log and state as
 * committed (txn), into the overlay: apply then only writes the result,
 * so the writer's group commits never wait for the fold. */
static int
compute(void *arg, MDB_txn *txn, void **items, size_t n, uint64_t first)
{
	tier_engine *e = arg;
	struct logread lr = { e->st, txn };
	MDB_txn *otxn = NULL;
	struct item *it;
	size_t i;
	int rc;

	(void)first;
	pthread_mutex_lock(&e->mu);
	if (e->reset)
		forget(e);
	e->reset = 0;
	pthread_mutex_unlock(&e->mu);
	if ((rc = mdb_txn_begin(e->overlay.env, NULL, 0, &otxn)) != 0 ||
	    (rc = mdb_drop(otxn, e->overlay.dbi, 0)) != 0)
		goto out;
	tstate_bind(e->ts, txn);
	tstate_defer(e->ts, otxn, e->overlay.dbi);
	if (e->reload) {
		fold_cleanup(&e->fold);
		if ((rc = fold_init(&e->fold, e->ts, e->home, e->simulated)) != 0)
			goto out;
		e->reload = 0;
	}
	e->fold.load = log_load;
	e->fold.scan = log_scan;
	e->fold.load_arg = &lr;
	for (i = 0; i < n && rc == 0; i++)
		if ((it = items[i]) != NULL)
			rc = fold_apply(&e->fold, it->st, it->seq, it->stored,
			    it->voided_by);
	if (rc == 0)
		rc = tstate_flush(e->ts);
	/* The parsed entities stay cached for the next batch, but for the
	 * kinds written through (facts, the clock's watch list), which
	 * LMDB will hold. */
	if (rc == 0)
		tstate_evict(e->ts, "FGWV");
	if (rc == 0)
		rc = mdb_txn_commit(otxn);
	otxn = NULL;
out:
	if (otxn)
		mdb_txn_abort(otxn);
	e->fold.load = NULL;
	e->fold.scan = NULL;
	tstate_defer(e->ts, NULL, 0);
	tstate_bind(e->ts, NULL);
	if (rc != 0)
		forget(e);
	return rc;
}

/* In the writer's group commit: the batch's state changes, then its
 * outcomes, in the order their causes came (each after its cause). */
static int
apply(void *arg, MDB_txn *txn, void **items, size_t n, uint64_t first)
{
	tier_engine *e = arg;
	MDB_txn *otxn;
	int rc;

	(void)items;
	(void)n;
	(void)first;
	if ((rc = mdb_txn_begin(e->overlay.env, NULL, MDB_RDONLY,
	    &otxn)) != 0)
		return rc;
	rc = tstate_overlay_copy(otxn, e->overlay.dbi, txn, e->dbi, 0);
	mdb_txn_abort(otxn);
	if (rc == 0)
		rc = put_outcomes(e, txn, e->fold.outcomes);
	json_free(e->fold.outcomes);
	e->fold.outcomes = json_new(JSON_ARRAY);
	return rc;
}

/* A batch computed was not committed: forget what it folded. */
static void
abort_batch(void *arg)
{
	forget(arg);
}

static const struct store_follow_ops ops = {
	.prepare = prepare,
	.apply = apply,
	.release = release,
	.abort = abort_batch,
	.compute = compute,
};

json *
engine_statement(tier_engine *e, const char *actor_name, const char *verb,
    const char *object, json *payload, int64_t at, const char *auth,
    const char *id)
{
	json *st;
	char vb[1024], ob[1024], uid[37];
	uuid_t u;

	if (id == NULL) {
		uuid_generate_random(u);
		uuid_unparse_lower(u, uid);
		id = uid;
	}
	snprintf(vb, sizeof(vb), TV_NS "/verbs/%s", verb);
	snprintf(ob, sizeof(ob), TV_NS "/%s", object);
	st = fold_statement(e->home, id, actor_name, vb, ob, at, auth);
	if (payload)
		jx_ext(st, "result", TV_EXT("payload"), payload);
	return st;
}

/* Nonzero once tier_close began. */
static int
stopping(tier_engine *e)
{
	int stop;

	pthread_mutex_lock(&e->mu);
	stop = e->stopping;
	pthread_mutex_unlock(&e->mu);
	return stop;
}

int
engine_sync(tier_engine *e)
{
	store_read *r;
	uint64_t last;
	int rc, waited;

	if ((rc = store_read_begin(e->st, &r)) != 0)
		return rc;
	last = store_last_seq(r);
	store_read_end(r);
	/* In slices, so that a stopping engine is not held up to 10 s by
	 * its own clock thread waiting here for a follower that fails. */
	for (waited = 0;; waited += 100) {
		rc = store_follower_wait(e->follower, last, 100);
		if (rc != STORE_ETIMEDOUT || waited >= 10000 || stopping(e))
			return rc;
	}
}

int
engine_submit(tier_engine *e, json **stmts, size_t n, const char *auth)
{
	struct store_write w;
	uint8_t (*ids)[16] = xcalloc(n ? n : 1, sizeof(*ids));
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		uuid_parse(json_get_str(stmts[i], "id"), ids[i]);
	memset(&w, 0, sizeof(w));
	w.stmts = stmts;
	w.n = n;
	w.ids = (const uint8_t (*)[16])ids;
	w.authority_key = auth;
	rc = store_put(e->st, &w);
	for (i = 0; i < n; i++)
		json_free(stmts[i]);
	free(ids);
	if (rc != 0)
		return rc;
	return engine_sync(e);
}

int64_t
engine_now(tier_engine *e, MDB_txn *txn)
{
	json *M;
	int64_t now;
	int rc;

	M = tstate_read(txn, e->dbi, 'M', "clock", &rc);
	now = (int64_t)jx_num(M, "now", 0);
	json_free(M);
	if (!e->simulated && iso8601_now() > now)
		now = iso8601_now();
	return now;
}

/* A tick statement at instant t (deterministic id: one per instant). */
static json *
tick_statement(tier_engine *e, int64_t t, int pass)
{
	char ts[32], name[64], id[37];
	json *pl = json_new(JSON_OBJECT);

	iso8601_format(t, ts);
	jx_set_str(pl, "instant", ts);
	json_set(pl, "pass", json_new_bool(pass));
	snprintf(name, sizeof(name), "tick|%s", ts);
	fold_uuid5(name, id);
	return engine_statement(e, TV_ENGINE, "ticked", "clock", pl, t,
	    TV_ENGINE, id);
}

/* The clock as the log has it (0 before the first tick). */
static int64_t
log_clock(tier_engine *e)
{
	store_read *r;
	json *M;
	int64_t now = 0;
	int rc;

	if (store_read_begin(e->st, &r) != 0)
		return 0;
	M = tstate_read(store_read_txn(r), e->dbi, 'M', "clock", &rc);
	now = (int64_t)jx_num(M, "now", 0);
	json_free(M);
	store_read_end(r);
	return now;
}

int
engine_clock_to(tier_engine *e, int64_t to)
{
	json **v = NULL;
	size_t n = 0;
	int64_t now, m;
	int rc;

	pthread_mutex_lock(&e->ticks);
	if ((rc = engine_sync(e)) != 0)
		goto out;
	now = log_clock(e);
	for (m = (now / DAY_US + 1) * DAY_US; m <= to; m += DAY_US) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = tick_statement(e, m, 1);
	}
	if (to > now && to % DAY_US != 0) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = tick_statement(e, to, 0);
	}
	rc = n ? engine_submit(e, v, n, TV_ENGINE) : 0;
out:
	pthread_mutex_unlock(&e->ticks);
	free(v);
	return rc;
}

/* The wall clock: a pass at start and at every UTC midnight. */
static void *
clock_main(void *arg)
{
	tier_engine *e = arg;
	struct timespec ts;
	int64_t now, next;
	json *t;

	for (;;) {
		now = iso8601_now();
		pthread_mutex_lock(&e->ticks);
		t = tick_statement(e, now - now % 1000, 1);
		engine_submit(e, &t, 1, TV_ENGINE);
		pthread_mutex_unlock(&e->ticks);
		next = (iso8601_now() / DAY_US + 1) * DAY_US;
		ts.tv_sec = (time_t)(next / 1000000);
		ts.tv_nsec = 0;
		pthread_mutex_lock(&e->mu);
		while (!e->stopping && iso8601_now() < next)
			if (pthread_cond_timedwait(&e->stop_cv, &e->mu, &ts) ==
			    ETIMEDOUT)
				break;
		if (e->stopping) {
			pthread_mutex_unlock(&e->mu);
			break;
		}
		pthread_mutex_unlock(&e->mu);
	}
	return NULL;
}

/* The shape of what the fold keeps.  A state of another shape (left by
 * an older lrsd) is dropped at start and rebuilt from the log, so raise
 * this whenever entities or fact keys change shape. */
#define STATE_FORMAT	5	/* 5: no facts of learning statements */

static int
format_put(tier_engine *e, MDB_txn *txn)
{
	char k[] = "Mformat", v[32];
	MDB_val key = { sizeof(k) - 1, k }, val;

	val.mv_size = (size_t)snprintf(v, sizeof(v), "{\"version\":%d}",
	    STATE_FORMAT);
	val.mv_data = v;
	return mdb_put(txn, e->dbi, &key, &val, 0);
}

/* In the opening transaction: keep a state of this format, or drop it
 * and rewind the follower to rebuild it from the start of the log. */
static int
format_check(tier_engine *e, MDB_txn *txn)
{
	json *j;
	int rc, same;

	j = tstate_read(txn, e->dbi, 'M', "format", &rc);
	same = j && jx_num(j, "version", 0) == STATE_FORMAT;
	json_free(j);
	if (rc != 0 || same)
		return rc;
	if ((rc = mdb_drop(txn, e->dbi, 0)) != 0 ||
	    (rc = store_cursor_put(txn, e->st, "tiering", 0)) != 0)
		return rc;
	return format_put(e, txn);
}

/* A scratch LMDB environment (struct scratch, engine.h): state that
 * nobody else sees and that is thrown away (no fsync: nothing in it needs
 * to survive).  Its files are unlinked once open, so that none is left
 * behind by a crash. */

static void
scratch_unlink(struct scratch *sc)
{
	char path[128];

	if (sc->dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/data.mdb", sc->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", sc->dir);
	unlink(path);
	rmdir(sc->dir);
	sc->dir[0] = '\0';
}

/* Open sc with the map size the store has now (its state, which a
 * scratch fold rebuilds, fits in it), in $TMPDIR. */
static int
scratch_open(struct scratch *sc, tier_engine *e)
{
	const char *tmp = getenv("TMPDIR");
	MDB_envinfo info;
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_env_info(e->env, &info)) != 0)
		return rc;
	if (info.me_mapsize < (size_t)64 << 20)
		info.me_mapsize = (size_t)64 << 20;
	snprintf(sc->dir, sizeof(sc->dir), "%s/lrsd-scratch-XXXXXX",
	    tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(sc->dir) == NULL)
		return errno;
	if ((rc = mdb_env_create(&sc->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(sc->env, 2)) != 0 ||
	    (rc = mdb_env_set_mapsize(sc->env, info.me_mapsize)) != 0 ||
	    (rc = mdb_env_open(sc->env, sc->dir, MDB_NOSYNC | MDB_NOMETASYNC |
	    MDB_WRITEMAP | MDB_NOTLS, 0600)) != 0)
		return rc;
	if ((rc = mdb_txn_begin(sc->env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = mdb_dbi_open(txn, "tier", MDB_CREATE, &sc->dbi)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return rc;
	scratch_unlink(sc);
	return 0;
}

static void
scratch_close(struct scratch *sc)
{
	if (sc->env)
		mdb_env_close(sc->env);
	sc->env = NULL;
	scratch_unlink(sc);
}

int
tier_open(store *st, const char *home, const char *simulated,
    tier_engine **out, char *err, size_t errlen)
{
	tier_engine *e = xcalloc(1, sizeof(*e));
	MDB_txn *txn = NULL;
	int64_t start = 0;
	int rc;

	*out = NULL;
	if (simulated && iso8601_parse(simulated, strlen(simulated), 1,
	    &start) != 0) {
		snprintf(err, errlen, "--simulated-clock '%s' is not an ISO 8601 date-time with a zone",
		    simulated);
		free(e);
		return -1;
	}
	e->st = st;
	e->env = store_env(st);
	snprintf(e->home, sizeof(e->home), "%s", home);
	e->simulated = simulated != NULL;
	pthread_mutex_init(&e->mu, NULL);
	pthread_mutex_init(&e->ticks, NULL);
	pthread_cond_init(&e->stop_cv, NULL);
	if ((rc = store_txn_begin(st, 0, &txn)) == 0) {
		if ((rc = mdb_dbi_open(txn, "tier", MDB_CREATE, &e->dbi)) != 0 ||
		    (rc = format_check(e, txn)) != 0)
			store_txn_abort(st, txn);
		else
			rc = store_txn_commit(st, txn);
	}
	if (rc != 0) {
		/* STORE_* codes are small negatives; LMDB's are below -30000. */
		snprintf(err, errlen, "tiering: cannot open its database: %s",
		    rc > -1000 ? store_strerror(rc) : mdb_strerror(rc));
		goto fail;
	}
	e->ts = tstate_new(e->dbi);
	tstate_write_through(e->ts, "FGWV");
	e->reload = 1;
	if ((rc = scratch_open(&e->overlay, e)) != 0) {
		snprintf(err, errlen, "tiering: cannot open its scratch state in %s: %s",
		    e->overlay.dir, rc > 0 ? strerror(rc) : mdb_strerror(rc));
		goto fail;
	}
	if ((rc = store_follow(st, "tiering", &ops, e, 4096, &e->follower)) != 0) {
		snprintf(err, errlen, "tiering: cannot follow the store: %s",
		    store_strerror(rc));
		goto fail;
	}
	if (e->simulated) {
		if (engine_sync(e) == 0 && log_clock(e) < start) {
			json *t = tick_statement(e, start, 1);

			engine_submit(e, &t, 1, TV_ENGINE);
		}
	} else if (pthread_create(&e->clock, NULL, clock_main, e) == 0)
		e->clock_running = 1;
	*out = e;
	return 0;
fail:
	scratch_close(&e->overlay);
	tstate_free(e->ts);
	free(e);
	return -1;
}

void
tier_close(tier_engine *e)
{
	if (e == NULL)
		return;
	pthread_mutex_lock(&e->mu);
	e->stopping = 1;
	pthread_cond_broadcast(&e->stop_cv);
	pthread_mutex_unlock(&e->mu);
	if (e->clock_running)
		pthread_join(e->clock, NULL);
	if (e->follower)
		store_follower_stop(e->follower);
	fold_cleanup(&e->fold);
	tstate_free(e->ts);
	scratch_close(&e->overlay);
	pthread_mutex_destroy(&e->mu);
	pthread_mutex_destroy(&e->ticks);
	pthread_cond_destroy(&e->stop_cv);
	free(e);
}

/* --- replay and what-if --- */

static int
rewind_fn(void *arg, MDB_txn *txn)
{
	tier_engine *e = arg;
	int rc;

	if ((rc = mdb_drop(txn, e->dbi, 0)) != 0 ||
	    (rc = format_put(e, txn)) != 0)
		return rc;
	/* The follower's thread folds: it starts afresh at its next batch
	 * (and the batch in flight, if any, finds the cursor moved). */
	pthread_mutex_lock(&e->mu);
	e->reset = 1;
	pthread_mutex_unlock(&e->mu);
	return 0;
}

int
tier_reset(store *st)
{
	tier_engine e;
	MDB_txn *txn;
	int rc;

	memset(&e, 0, sizeof(e));
	e.st = st;
	if ((rc = store_txn_begin(st, 0, &txn)) != 0)
		return rc;
	if ((rc = mdb_dbi_open(txn, "tier", MDB_CREATE, &e.dbi)) != 0 ||
	    (rc = mdb_drop(txn, e.dbi, 0)) != 0 ||
	    (rc = store_cursor_put(txn, st, "tiering", 0)) != 0 ||
	    (rc = format_put(&e, txn)) != 0) {
		store_txn_abort(st, txn);
		return rc;
	}
	return store_txn_commit(st, txn);
}

int
tier_rebuild(void *arg)
{
	tier_engine *e = arg;

	return store_follower_rewind(e->follower, 0, rewind_fn, e);
}

/* Fold statement st (item en) of the log into a what-if or replay:
 * for a what-if (draft set), with draft in place of the definition
 * statements of program object obj.  Outcomes go unless fresh is set:
 * then those the log does not hold yet are kept there. */
static int
scratch_one(struct fold *f, const json *st, const struct logscan_item *en,
    const char *obj, const json *draft, json *fresh, struct logread *lr)
{
	const char *verb = json_get_str(json_get(st, "verb"), "id");
	const char *oid = json_get_str(json_get(st, "object"), "id");
	const char *auth = json_get_str(json_get(json_get(st, "authority"),
	    "account"), "name");
	json *out, *own = NULL;
	uint8_t u[16];
	uint64_t seq;
	size_t i;
	const size_t pl = strlen(TV_NS "/programs/");
	int rc = 0, defines = draft && auth && strcmp(auth, TV_ADMIN) == 0 &&
	    verb && oid && strcmp(verb, TV_VERB("defined")) == 0;

	/* A what-if answers for program obj alone, and nothing of one
	 * program reads another's: the other programs' definitions (and
	 * with them their counts, evaluations and outcomes) are left out. */
	if (defines && strncmp(oid, TV_NS "/programs/", pl) == 0 &&
	    strchr(oid + pl, '/') == NULL && strcmp(oid, obj) != 0)
		return 0;
	/* st is read-only (a block): the draft goes into a copy. */
	if (defines && strcmp(oid, obj) == 0) {
		own = json_clone(st);
		json_set(jx_obj(json_get(own, "result"), "extensions"),
		    TV_EXT("payload"), json_clone(draft));
	}
	fold_apply(f, own ? own : st, en->seq, en->stored, en->voided_by);
	json_free(own);
	out = f->outcomes;
	for (i = 0; fresh && rc == 0 && i < out->n; i++) {
		if (out->vals[i]->type != JSON_OBJECT)
			continue;	/* an id only: stored (log_stored) */
		uuid_parse(json_get_str(out->vals[i], "id"), u);
		if ((rc = store_seq_of(lr->txn, lr->st, u, &seq)) ==
		    STORE_ENOTFOUND) {
			json_push(fresh, out->vals[i]);
			out->vals[i] = NULL;
			rc = 0;
		}
	}
	json_free(f->outcomes);
	f->outcomes = json_new(JSON_ARRAY);
	return rc;
}

/* The log's statements for a fold: all but the engine's outcomes. */
static int
not_outcome(const json *st)
{
	return !fold_is_outcome(st);
}

/* Fold the whole log (statements 1..*last, *last the log's end when this
 * begins) with fold f over state ts of scratch environment sc, as
 * scratch_one says; *count gets the statements folded.  On success the
 * state is flushed into *txn, a transaction of sc bound to ts that the
 * caller commits or aborts. */
static int
scratch_fold(tier_engine *e, struct scratch *sc, tstate *ts, struct fold *f,
    const char *obj, const json *draft, json *fresh, MDB_txn **txn,
    uint64_t *last, uint64_t *count)
{
	store_read *r = NULL;
	struct logscan_item it;
	struct logread lr = { e->st, NULL };
	logscan *ls = NULL;
	uint64_t n = 0;
	int rc;

	*count = 0;
	if ((rc = mdb_txn_begin(sc->env, NULL, 0, txn)) != 0 ||
	    (rc = store_read_begin(e->st, &r)) != 0)
		goto out;
	tstate_bind(ts, *txn);
	*last = store_last_seq(r);
	lr.txn = store_read_txn(r);
	f->load = log_load;
	f->scan = log_scan;
	f->load_arg = &lr;
	if (fresh)
		f->stored = log_stored;
	/* Statements are read and parsed on a second thread meanwhile. */
	if ((rc = logscan_start(e->st, 1, *last, not_outcome, &ls)) != 0)
		goto out;
	while (rc == 0) {
		if ((rc = logscan_next(ls, &it)) != 0) {
			if (rc == 1)	/* past the last statement */
				rc = tstate_flush(ts);
			break;
		}
		if (it.st != NULL) {
			rc = scratch_one(f, it.st, &it, obj, draft, fresh, &lr);
			(*count)++;
		}
		json_free(it.st);
		if (rc == 0)
			rc = f->rc;
		/* Commit the facts written through every few thousand
		 * statements, to keep the transaction small.  The other
		 * entities stay in the cache, the scratch fold's whole
		 * state: writing them out each time would only cost. */
		if (rc == 0 && ++n % 4096 == 0) {
			rc = mdb_txn_commit(*txn);
			*txn = NULL;
			tstate_evict(ts, "FGWV");
			if (rc != 0 ||
			    (rc = mdb_txn_begin(sc->env, NULL, 0, txn)) != 0)
				break;
			tstate_bind(ts, *txn);
			/* A new snapshot of the log too: a read held for
			 * the whole fold (a minute at a million statements)
			 * would stop the map from growing and keep the
			 * pages freed meanwhile from reuse. */
			store_read_end(r);
			r = NULL;
			if ((rc = store_read_begin(e->st, &r)) != 0)
				break;
			lr.txn = store_read_txn(r);
		}
	}
out:
	logscan_stop(ls);
	f->load = NULL;
	f->scan = NULL;
	f->stored = NULL;
	store_read_end(r);
	return rc;
}

int
engine_whatif(tier_engine *e, const char *pid, const json *draft,
    void (*result)(void *, struct fold *), void *arg, uint64_t *count)
{
	char obj[1024];
	struct scratch sc = { "", NULL, 0 };
	struct fold f;
	tstate *ts = NULL;
	MDB_txn *txn = NULL;
	uint64_t last;
	json *st;
	int rc;

	memset(&f, 0, sizeof(f));
	snprintf(obj, sizeof(obj), TV_NS "/programs/%s", pid);
	*count = 0;
	if ((rc = scratch_open(&sc, e)) != 0)
		goto out;
	ts = tstate_new(sc.dbi);
	tstate_write_through(ts, "FGWV");
	if ((rc = fold_init(&f, ts, e->home, e->simulated)) != 0)
		goto out;
	f.ids_only = 1;
	/* The draft holds from the start, as if defined before everything. */
	st = engine_statement(e, "what-if", "defined", obj + strlen(TV_NS) + 1,
	    json_clone(draft), 0, TV_ADMIN, "00000000-0000-4000-8000-000000000000");
	fold_apply(&f, st, 0, 0, 0);
	json_free(st);
	json_free(f.outcomes);
	f.outcomes = json_new(JSON_ARRAY);
	rc = scratch_fold(e, &sc, ts, &f, obj, draft, NULL, &txn, &last,
	    count);
	if (rc == 0)
		result(arg, &f);
out:
	fold_cleanup(&f);
	tstate_free(ts);
	if (txn)
		mdb_txn_abort(txn);
	scratch_close(&sc);
	return rc;
}

/* A replay's result, installed by the writer in one commit. */
struct install {
	tier_engine	*e;
	struct scratch	*sc;
	json		*fresh;		/* outcomes not in the log yet */
};

static int
install_fn(void *arg, MDB_txn *txn)
{
	struct install *in = arg;
	tier_engine *e = in->e;
	MDB_txn *otxn = NULL;
	int rc;

	if ((rc = mdb_drop(txn, e->dbi, 0)) != 0 ||
	    (rc = mdb_txn_begin(in->sc->env, NULL, MDB_RDONLY, &otxn)) != 0 ||
	    (rc = tstate_overlay_copy(otxn, in->sc->dbi, txn, e->dbi,
	    MDB_APPEND)) != 0 || (rc = format_put(e, txn)) != 0)
		goto out;
	if ((rc = put_outcomes(e, txn, in->fresh)) != 0)
		goto out;
	pthread_mutex_lock(&e->mu);
	e->reset = 1;
	pthread_mutex_unlock(&e->mu);
out:
	if (otxn)
		mdb_txn_abort(otxn);
	return rc;
}

int
engine_replay(tier_engine *e, int timeout_ms, uint64_t *replayed)
{
	struct scratch sc = { "", NULL, 0 };
	struct install in = { e, &sc, json_new(JSON_ARRAY) };
	struct fold f;
	tstate *ts = NULL;
	MDB_txn *txn = NULL;
	uint64_t last = 0, count;
	int rc;

	memset(&f, 0, sizeof(f));
	pthread_mutex_lock(&e->ticks);
	if ((rc = scratch_open(&sc, e)) != 0)
		goto out;
	ts = tstate_new(sc.dbi);
	tstate_write_through(ts, "FGWV");
	if ((rc = fold_init(&f, ts, e->home, e->simulated)) != 0 ||
	    (rc = scratch_fold(e, &sc, ts, &f, NULL, NULL, in.fresh, &txn,
	    &last, &count)) != 0)
		goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	/* The follower goes on after the last statement replayed, on the
	 * replayed state: what it folded meanwhile it folds again. */
	if (rc == 0)
		rc = store_follower_rewind(e->follower, last, install_fn, &in);
	*replayed = last;
	if (rc == 0)
		rc = store_follower_wait(e->follower, last, timeout_ms);
out:
	pthread_mutex_unlock(&e->ticks);
	json_free(in.fresh);
	fold_cleanup(&f);
	tstate_free(ts);
	if (txn)
		mdb_txn_abort(txn);
	scratch_close(&sc);
	return rc;
}
