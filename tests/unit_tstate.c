/* Unit tests of the tiering engine's state store (tiering/tstate.c) and
 * small helpers (jx, name-based ids): cache, flush, eviction, listing by
 * prefix with cached and stored entities merged, deletion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "fold.h"
#include "jx.h"
#include "test.h"
#include "tstate.h"

TEST_MAIN_DEFS

static json *
obj(const char *text)
{
	json *j = NULL;

	json_parse(text, strlen(text), 16, &j, NULL, 0);
	return j;
}

static int
has_ids(tstate *ts, int kind, const char *prefix, const char *want)
{
	char **ids, got[512] = "";
	size_t n, i;

	if (tstate_ids(ts, kind, prefix, &ids, &n) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    i ? "," : "", ids[i]);
		free(ids[i]);
	}
	free(ids);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "ids: got '%s', want '%s'\n", got, want);
	return strcmp(got, want) == 0;
}

/* Fact times seen by a fold scan, as "v:t," items. */
static void
seen_fact(struct fold *f, const json *fc, void *arg)
{
	char *out = arg;

	(void)f;
	snprintf(out + strlen(out), 256 - strlen(out), "%s:%lld,",
	    jx_str(fc, "verb"), (long long)jx_num(fc, "t", 0));
}

static int
scan_stop(void *arg, const char *id, const json *j)
{
	(*(int *)arg)++;
	return id[0] == 'b' ? 7 : 0;
}

/* Time-bounded fact scans (fold_each_fact_in over tstate_scan). */
static void
fact_ranges(MDB_env *env, MDB_dbi dbi)
{
	static const long long times[] = { -5, 0, 10, 20, 30 };
	static const char *verbs[] = { "v1", "v2", "v1x" };
	char key[256], body[128], got[256], id[64];
	struct fold f;
	MDB_txn *txn;
	size_t v, t;
	int calls = 0;

	memset(&f, 0, sizeof(f));
	ok(mdb_txn_begin(env, NULL, 0, &txn) == 0, "fact txn");
	f.ts = tstate_new(dbi);
	tstate_write_through(f.ts, "F");
	tstate_bind(f.ts, txn);
	for (v = 0; v < 3; v++)
		for (t = 0; t < 5; t++) {
			fold_fact_key("o", verbs[v], times[t], "s", key, sizeof(key));
			snprintf(body, sizeof(body), "{\"verb\":\"%s\",\"t\":%lld}",
			    verbs[v], times[t]);
			ok(tstate_put(f.ts, 'F', key, obj(body)) == 0, "fact put");
		}
	fold_fact_key("ob", "v1", 15, "s", key, sizeof(key));
	ok(tstate_put(f.ts, 'F', key, obj("{\"verb\":\"v1\",\"t\":15}")) == 0,
	    "another owner's fact");
	got[0] = '\0';
	ok(fold_each_fact_in(&f, 'F', "o", "v1", 10, 20, seen_fact, got) == 0 &&
	    strcmp(got, "v1:10,v1:20,") == 0, "one verb, bounds inclusive (%s)", got);
	got[0] = '\0';
	ok(fold_each_fact_in(&f, 'F', "o", NULL, 20, INT64_MAX, seen_fact, got) == 0 &&
	    strcmp(got, "v1:20,v1:30,v1x:20,v1x:30,v2:20,v2:30,") == 0,
	    "any verb from a time, other owners left out (%s)", got);
	got[0] = '\0';
	ok(fold_each_fact_in(&f, 'F', "o", "v2", -10, 0, seen_fact, got) == 0 &&
	    strcmp(got, "v2:-5,v2:0,") == 0, "a span across 1970 (%s)", got);
	got[0] = '\0';
	ok(fold_each_fact(&f, 'F', "o", "v1x", seen_fact, got) == 0 &&
	    strcmp(got, "v1x:-5,v1x:0,v1x:10,v1x:20,v1x:30,") == 0,
	    "no bounds: all of the verb (%s)", got);
	got[0] = '\0';
	ok(fold_each_fact_in(&f, 'F', "o", "v1", 11, 19, seen_fact, got) == 0 &&
	    got[0] == '\0', "an empty range");
	ok(tstate_first(f.ts, 'F', "o\x1f" "v1\x1f", "o\x1f" "v1\x20", id, sizeof(id)) == 0 &&
	    strncmp(id, "o\x1f" "v1\x1f" "7ffffffffffffffb", 21) == 0, "first id of a range");
	ok(tstate_first(f.ts, 'F', "p", NULL, id, sizeof(id)) == MDB_NOTFOUND,
	    "no id past the last");
	ok(tstate_scan(f.ts, 'L', "", NULL, scan_stop, &calls) == 7 && calls == 2,
	    "a scan stops where its callback says, returning its value");
	mdb_txn_abort(txn);
	tstate_free(f.ts);
}

/* Count the entities a scan visits. */
static int
scan_count(void *arg, const char *id, const json *j)
{
	(void)id;
	(void)j;
	(*(int *)arg)++;
	return 0;
}

/* Deferred writes: a batch folded over a read-only transaction into an
 * overlay, which reads see at once, then copied in one write. */
static void
deferred(const char *dir)
{
	char odir[96], id[64];
	MDB_env *env, *oenv;
	MDB_txn *txn, *otxn;
	MDB_dbi dbi, odbi;
	tstate *ts;
	int rc, n = 0;
	json *j;

	snprintf(odir, sizeof(odir), "%s/overlay", dir);
	ok(mkdir(odir, 0700) == 0, "overlay dir");
	ok(mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 2) == 0 &&
	    mdb_env_open(env, dir, 0, 0600) == 0 &&
	    mdb_env_create(&oenv) == 0 && mdb_env_set_maxdbs(oenv, 2) == 0 &&
	    mdb_env_open(oenv, odir, 0, 0600) == 0, "envs open");
	mdb_txn_begin(env, NULL, 0, &txn);
	ok(mdb_dbi_open(txn, "deferred", MDB_CREATE, &dbi) == 0, "db");
	ts = tstate_new(dbi);
	tstate_write_through(ts, "F");
	tstate_bind(ts, txn);
	tstate_put(ts, 'F', "a\x1fx\x1f" "01", obj("{\"t\":1}"));
	tstate_put(ts, 'F', "a\x1fy\x1f" "02", obj("{\"t\":2}"));
	tstate_put(ts, 'F', "ab\x1fx\x1f" "03", obj("{\"t\":3}"));
	tstate_put(ts, 'L', "a", obj("{\"n\":1}"));
	ok(tstate_flush(ts) == 0 && mdb_txn_commit(txn) == 0, "base state");
	tstate_evict(ts, "F");

	mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	mdb_txn_begin(oenv, NULL, 0, &otxn);
	ok(mdb_dbi_open(otxn, "ov", MDB_CREATE, &odbi) == 0, "overlay db");
	tstate_bind(ts, txn);
	tstate_defer(ts, otxn, odbi);
	ok(tstate_put(ts, 'F', "a\x1fx\x1f" "00", obj("{\"t\":0}")) == 0 &&
	    tstate_del(ts, 'F', "a\x1fx\x1f" "01") == 0,
	    "writes through a read-only transaction go to the overlay");
	ok(tstate_first(ts, 'F', "a\x1fx\x1f", "a\x1fx\x20", id,
	    sizeof(id)) == 0 && strcmp(id, "a\x1fx\x1f" "00") == 0,
	    "first sees the overlay's new key");
	tstate_evict(ts, "F");
	ok(has_ids(ts, 'F', "a\x1f", "a\x1fx\x1f" "00,a\x1fy\x1f" "02"),
	    "with nothing cached, listing merges overlay and store and a "
	    "deletion hides the stored key");
	ok(tstate_scan(ts, 'F', "a\x1f", "a\x20", scan_count, &n) == 0 &&
	    n == 2, "a scan sees the same two (%d)", n);
	j = tstate_get(ts, 'F', "a\x1fx\x1f" "00", 0, &rc);
	ok(j && jx_num(j, "t", -1) == 0, "a get reads the overlay");
	ok(tstate_get(ts, 'F', "a\x1fx\x1f" "01", 0, &rc) == NULL && rc == 0,
	    "and a deleted entity as absent");
	jx_set_num(tstate_get(ts, 'L', "a", 0, &rc), "n", 5);
	tstate_dirty(ts, 'L', "a");
	ok(tstate_flush(ts) == 0 && mdb_txn_commit(otxn) == 0,
	    "flush into the overlay");
	tstate_defer(ts, NULL, 0);
	mdb_txn_abort(txn);
	mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	j = tstate_read(txn, dbi, 'L', "a", &rc);
	ok(j && jx_num(j, "n", 0) == 1, "the store is untouched before the copy");
	json_free(j);
	mdb_txn_abort(txn);

	mdb_txn_begin(oenv, NULL, MDB_RDONLY, &otxn);
	mdb_txn_begin(env, NULL, 0, &txn);
	ok(tstate_overlay_copy(otxn, odbi, txn, dbi, 0) == 0 &&
	    mdb_txn_commit(txn) == 0, "the overlay is copied in one write");
	mdb_txn_abort(otxn);
	tstate_clear(ts);
	mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	tstate_bind(ts, txn);
	ok(has_ids(ts, 'F', NULL, "a\x1fx\x1f" "00,a\x1fy\x1f" "02,"
	    "ab\x1fx\x1f" "03"), "puts and deletions arrived");
	ok(jx_num(tstate_get(ts, 'L', "a", 0, &rc), "n", 0) == 5,
	    "and the flushed entity");
	mdb_txn_abort(txn);
	tstate_free(ts);
	mdb_env_close(oenv);
	mdb_env_close(env);
}

/* A flush writes an entity marked changed only when its text changed:
 * seen by changing what LMDB holds behind the cache's back. */
static void
unchanged(MDB_env *env, MDB_dbi dbi)
{
	tstate *ts = tstate_new(dbi);
	MDB_val k = { 2, "Lu" }, d = { 7, "{\"n\":0}" };
	MDB_txn *txn;
	json *j;
	int rc;

	mdb_txn_begin(env, NULL, 0, &txn);
	tstate_bind(ts, txn);
	tstate_put(ts, 'L', "u", obj("{\"n\":1}"));
	ok(tstate_flush(ts) == 0 && mdb_txn_commit(txn) == 0, "u written");
	ok(mdb_txn_begin(env, NULL, 0, &txn) == 0 &&
	    mdb_put(txn, dbi, &k, &d, 0) == 0 && mdb_txn_commit(txn) == 0,
	    "u changed behind the cache");
	mdb_txn_begin(env, NULL, 0, &txn);
	tstate_bind(ts, txn);
	tstate_dirty(ts, 'L', "u");
	ok(tstate_flush(ts) == 0, "flush of u marked changed");
	j = tstate_read(txn, dbi, 'L', "u", &rc);
	ok(j && jx_num(j, "n", -1) == 0,
	    "an entity marked changed that dumps as before is not written");
	json_free(j);
	jx_set_num(tstate_get(ts, 'L', "u", 0, &rc), "n", 2);
	tstate_dirty(ts, 'L', "u");
	ok(tstate_flush(ts) == 0, "flush of u changed");
	j = tstate_read(txn, dbi, 'L', "u", &rc);
	ok(j && jx_num(j, "n", -1) == 2, "a changed one is written");
	json_free(j);
	mdb_txn_abort(txn);
	tstate_free(ts);
}

int
main(void)
{
	char dir[64], cmd[128], id1[37], id2[37], day[16];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	tstate *ts;
	json *j;
	int rc;
	int64_t d;

	snprintf(dir, sizeof(dir), "/tmp/lrs-unit-tstate-XXXXXX");
	ok(mkdtemp(dir) != NULL, "temp dir");
	ok(mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 2) == 0 &&
	    mdb_env_open(env, dir, 0, 0600) == 0, "env opens");
	mdb_txn_begin(env, NULL, 0, &txn);
	ok(mdb_dbi_open(txn, "tier", MDB_CREATE, &dbi) == 0, "db opens");
	ts = tstate_new(dbi);
	tstate_bind(ts, txn);

	ok(tstate_get(ts, 'L', "a", 0, &rc) == NULL && rc == 0, "absent entity is NULL");
	j = tstate_get(ts, 'L', "a", 1, &rc);
	ok(j != NULL && j->type == JSON_OBJECT && rc == 0, "create makes an empty object");
	jx_set_num(j, "n", 1);
	tstate_put(ts, 'L', "b", obj("{\"n\":2}"));
	tstate_put(ts, 'F', "a\x1fx\x1f" "01", obj("{\"t\":1}"));
	tstate_put(ts, 'F', "a\x1fy\x1f" "02", obj("{\"t\":2}"));
	tstate_put(ts, 'F', "ab\x1fx\x1f" "03", obj("{\"t\":3}"));
	ok(tstate_flush(ts) == 0, "flush writes the dirty entities");
	ok(mdb_txn_commit(txn) == 0, "commit");

	/* A new transaction: the cache still holds L; F is evicted. */
	mdb_txn_begin(env, NULL, 0, &txn);
	tstate_bind(ts, txn);
	tstate_evict(ts, "F");
	ok(has_ids(ts, 'F', "a\x1f", "a\x1fx\x1f" "01,a\x1fy\x1f" "02"),
	    "a prefix lists only that owner's facts (not 'ab')");
	ok(has_ids(ts, 'F', "a\x1fx\x1f", "a\x1fx\x1f" "01"), "a verb prefix narrows it");
	tstate_put(ts, 'F', "a\x1fx\x1f" "00", obj("{\"t\":0}"));
	ok(has_ids(ts, 'F', "a\x1f", "a\x1fx\x1f" "00,a\x1fx\x1f" "01,a\x1fy\x1f" "02"),
	    "cached and stored entities are merged, sorted");
	tstate_del(ts, 'F', "a\x1fx\x1f" "01");
	ok(has_ids(ts, 'F', "a\x1f", "a\x1fx\x1f" "00,a\x1fy\x1f" "02"),
	    "a deletion hides the stored entity at once");
	j = tstate_get(ts, 'F', "a\x1fy\x1f" "02", 0, &rc);
	ok(j && jx_num(j, "t", 0) == 2, "an evicted entity is read back from LMDB");
	ok(tstate_flush(ts) == 0 && mdb_txn_commit(txn) == 0, "second commit");

	/* Clearing drops uncommitted changes. */
	mdb_txn_begin(env, NULL, 0, &txn);
	tstate_bind(ts, txn);
	jx_set_num(tstate_get(ts, 'L', "a", 0, &rc), "n", 99);
	tstate_dirty(ts, 'L', "a");
	mdb_txn_abort(txn);
	tstate_clear(ts);
	mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	tstate_bind(ts, txn);
	j = tstate_get(ts, 'L', "a", 0, &rc);
	ok(j && jx_num(j, "n", 0) == 1, "after a clear, the committed value is read");
	ok(has_ids(ts, 'F', NULL, "a\x1fx\x1f" "00,a\x1fy\x1f" "02,ab\x1fx\x1f" "03"),
	    "the deletion was committed");
	{
		char **ids;
		size_t n, i;

		ok(tstate_ids_below(ts, 'F', "a\x1fy", &ids, &n) == 0 && n == 1 &&
		    strcmp(ids[0], "a\x1fx\x1f" "00") == 0,
		    "ids below a bound stop before it");
		for (i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
	}
	j = tstate_read(txn, dbi, 'L', "b", &rc);
	ok(j && jx_num(j, "n", 0) == 2 && rc == 0, "tstate_read without a cache");
	json_free(j);
	mdb_txn_abort(txn);
	tstate_free(ts);
	unchanged(env, dbi);
	fact_ranges(env, dbi);
	mdb_env_close(env);
	deferred(dir);

	/* Name-based ids are stable and distinct; days round down. */
	fold_uuid5("programs/p@1|acme|promoted|x", id1);
	fold_uuid5("programs/p@1|acme|promoted|x", id2);
	ok(strcmp(id1, id2) == 0 && id1[14] == '5' && strchr("89ab", id1[19]),
	    "uuid5 is stable and version 5 (%s)", id1);
	fold_uuid5("programs/p@2|acme|promoted|x", id2);
	ok(strcmp(id1, id2) != 0, "another definition version gives another id");
	ok(jx_day_parse("2026-03-01", &d) == 0 && jx_day(d * 86400000000LL +
	    86399999999LL) == d, "the last microsecond of a day is that day");
	jx_day_format(d, day);
	ok(strcmp(day, "2026-03-01") == 0, "day formats back");
	ok(jx_day_parse("2026-02-30", &d) != 0, "Feb 30 is refused");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "cleanup");
	return test_done();
}
