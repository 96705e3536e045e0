/* Unit tests of the data lifecycle below HTTP: a purge of more statements
 * than one chunk in a map that must grow on the way, its dry run against
 * a count kept here, followers that get past the holes, the change
 * callback, attachment references backfilled for a store written before
 * they existed, and State documents older than the per-agent index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "audit.h"
#include "docstore.h"
#include "lifecycle.h"
#include "store.h"
#include "test.h"

TEST_MAIN_DEFS

/* Begins at 1 MiB: removing (copy-on-write pages) makes it grow. */
static const struct store_limits lim = { 1 << 20, 512 << 20, 0, 0 };

#define N	700	/* statements: more than two chunks */

static const char *blob_shared = "a payload two statements share";
static const char *blob_own = "a payload of one statement";
/* Their names: the store does not check a payload against its hash
 * (the HTTP layer does), so any will do. */
#define SHA_SHARED "4c3bd1c0c8d4dc5c56ac8a5ba0a86b9ccdc2fbbd66ac0e5db1d2e1bb0e9ad4b5"
#define SHA_OWN    "c0e7b3b0b9f4b4a96d5a7a1cd7e2a3ad17b8e3e0d9e7c1e8a1c3f1d4b4c3e2a1"

/* Statement i by agent who (mbox user), optionally with attachment sha
 * (and the blob itself when data is not NULL). */
static int
put(store *s, int i, const char *who, const char *sha, const char *data)
{
	char text[600], idt[37], att[300] = "";
	struct store_blob b = { sha, data, data ? strlen(data) : 0 };
	struct store_write w;
	json *st = NULL;
	uint8_t id[16];
	int rc;

	snprintf(idt, sizeof(idt), "00000000-0000-4000-8000-%012d", i);
	if (sha)
		snprintf(att, sizeof(att), ",\"attachments\":[{\"usageType\":"
		    "\"http://u\",\"display\":{\"en\":\"f\"},\"contentType\":"
		    "\"text/plain\",\"length\":1,\"sha2\":\"%s\"}]", sha);
	snprintf(text, sizeof(text), "{\"id\":\"%s\",\"actor\":{\"mbox\":"
	    "\"mailto:%s@x.y\",\"name\":\"%s\"},\"verb\":{\"id\":\"http://v\"},"
	    "\"object\":{\"id\":\"http://a/%d\"}%s}", idt, who, who, i % 5,
	    att);
	if (json_parse(text, strlen(text), 32, &st, NULL, 0) != 0)
		return -100;
	uuid_parse(idt, id);
	memset(&w, 0, sizeof(w));
	w.stmts = &st;
	w.n = 1;
	w.ids = (const uint8_t (*)[16])&id;
	w.authority_key = "tester";
	w.blobs = data ? &b : NULL;
	w.nblobs = data ? 1 : 0;
	rc = store_put(s, &w);
	json_free(st);
	return rc;
}

static void
count_visit(void *arg, uint64_t seq, const char *text, size_t len)
{
	(*(size_t *)arg)++;
}

/* Statements a query without filters finds. */
static size_t
count_all(store *s)
{
	struct store_query q;
	store_read *r;
	uint64_t next;
	size_t n = 0;

	memset(&q, 0, sizeof(q));
	if (store_read_begin(s, &r) != STORE_OK)
		return (size_t)-1;
	store_query(r, &q, count_visit, &n, &next);
	store_read_end(r);
	return n;
}

static int
has_blob(store *s, const char *sha)
{
	store_read *r;
	const void *d;
	size_t len;
	int rc;

	if (store_read_begin(s, &r) != STORE_OK)
		return -1;
	rc = store_blob_get(r, sha, &d, &len);
	store_read_end(r);
	return rc == STORE_OK;
}

static int changes;

static int
on_change(void *arg)
{
	changes++;
	return 0;
}

/* A follower that counts what it saw. */
struct seen {
	size_t	items, nulls;
};

static void *
f_prepare(void *arg, const struct store_entry *e)
{
	return strdup("x");
}

static int
f_apply(void *arg, MDB_txn *txn, void **items, size_t n, uint64_t first)
{
	struct seen *sn = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		if (items[i])
			sn->items++;
		else
			sn->nulls++;
	}
	return 0;
}

static void
f_release(void *arg, void *item)
{
	free(item);
}

static const struct store_follow_ops fops = {
	.prepare = f_prepare,
	.apply = f_apply,
	.release = f_release,
};

/* Make the store look as written before "attref" existed. */
static void
forget_attrefs(store *s)
{
	MDB_txn *txn;
	MDB_dbi meta, ar;
	MDB_val k = { 6, "attref" };

	ok(store_txn_begin(s, 0, &txn) == STORE_OK, "begin");
	ok(mdb_dbi_open(txn, "meta", 0, &meta) == 0 &&
	    mdb_dbi_open(txn, "attref", 0, &ar) == 0 &&
	    mdb_drop(txn, ar, 0) == 0 && mdb_del(txn, meta, &k, NULL) == 0,
	    "attref emptied");
	ok(store_txn_commit(s, txn) == STORE_OK, "commit");
}

static void
test_purge(const char *dir)
{
	struct life_request rq = { LIFE_PURGE, 0, { 0 }, 1, "unit", "test" };
	struct life_counts dry, real;
	store_follower *f = NULL;
	struct seen sn = { 0, 0 };
	store *s = NULL;
	docstore *ds = NULL;
	audit *au = NULL;
	life *l;
	json *alice = NULL;
	int i, okput = 1;

	json_parse("{\"mbox\":\"mailto:alice@x.y\"}", 27, 8, &alice, NULL, 0);
	ok(store_open(dir, &lim, &s) == STORE_OK, "store opens");
	ok(docstore_open(s, &ds) == DOCSTORE_OK, "docstore opens");
	ok(audit_open(s, &au) == STORE_OK, "audit opens");
	/* 1..N-1 by alice, N by bob; 1 and N share a payload; 2 has one
	 * of its own. */
	for (i = 1; i <= N && okput; i++)
		okput = put(s, i, i == N ? "bob" : "alice", i == 1 || i == N ? SHA_SHARED :
		    i == 2 ? SHA_OWN : NULL, i == 1 ? blob_shared :
		    i == 2 ? blob_own : NULL) == STORE_OK;
	ok(okput, "%d statements stored", N);
	/* An older store: the references are rebuilt on open. */
	forget_attrefs(s);
	store_close(s);
	docstore_close(ds);
	audit_close(au);
	ok(store_open(dir, &lim, &s) == STORE_OK, "store reopens");
	ok(docstore_open(s, &ds) == DOCSTORE_OK, "docstore reopens");
	ok(audit_open(s, &au) == STORE_OK, "audit reopens");
	l = life_new(s, ds, au);
	life_on_change(l, on_change, NULL);

	/* Everything but the last statement. */
	rq.before = (int64_t)1 << 62;
	{
		store_read *r;
		struct store_entry e;

		ok(store_read_begin(s, &r) == STORE_OK, "read");
		ok(store_entry_at(store_read_txn(r), s, N, &e) == STORE_OK,
		    "the last entry");
		rq.before = e.stored;
		store_read_end(r);
	}
	/* All stored within a few ms: those with the last's time stay. */
	ok(life_run(l, &rq, &dry) == STORE_OK, "dry run");
	ok(dry.statements >= 1 && dry.statements < N,
	    "the dry run counts those stored before the last: %llu",
	    (unsigned long long)dry.statements);
	ok(changes == 0, "a dry run changes nothing");
	rq.before = (int64_t)1 << 62;
	ok(life_run(l, &rq, &dry) == STORE_OK && dry.statements == N &&
	    dry.attachments == 2, "a dry run of everything: %llu, %llu",
	    (unsigned long long)dry.statements,
	    (unsigned long long)dry.attachments);
	ok(count_all(s) == N, "still %d statements", N);

	/* Erase alice: the shared payload stays with bob's statement,
	 * which only the backfilled references can tell. */
	rq.action = LIFE_ERASE;
	ok(index_agent_hash(alice, rq.agent) == INDEX_OK, "hash alice");
	ok(life_run(l, &rq, &dry) == STORE_OK && dry.statements == N - 1 &&
	    dry.attachments == 1 && dry.person == 1,
	    "erase dry run: %llu statements, %llu attachments",
	    (unsigned long long)dry.statements,
	    (unsigned long long)dry.attachments);
	rq.dry_run = 0;
	ok(life_run(l, &rq, &real) == STORE_OK &&
	    real.statements == dry.statements &&
	    real.attachments == dry.attachments && real.bytes == dry.bytes,
	    "erase removes what its dry run counted (%llu chunks' worth)",
	    (unsigned long long)real.statements);
	ok(count_all(s) == 1, "bob's statement is left");
	ok(has_blob(s, SHA_SHARED) == 1 && has_blob(s, SHA_OWN) == 0,
	    "the shared payload stays, alice's own went");
	ok(changes == 1, "the change callback ran: %d", changes);

	rq.action = LIFE_PURGE;
	rq.dry_run = 1;
	ok(life_run(l, &rq, &dry) == STORE_OK && dry.statements == 1 &&
	    dry.attachments == 1, "purge dry run: the one left");
	rq.dry_run = 0;
	ok(life_run(l, &rq, &real) == STORE_OK, "purge runs");
	ok(real.statements == dry.statements &&
	    real.attachments == dry.attachments && real.bytes == dry.bytes,
	    "it removes what the dry run counted");
	ok(changes == 2, "the change callback ran again: %d", changes);
	ok(count_all(s) == 0, "no statement is left");
	ok(has_blob(s, SHA_SHARED) == 0 && has_blob(s, SHA_OWN) == 0,
	    "the payloads are gone");
	ok(real.audit_id == dry.audit_id + 1, "audited");

	/* Statements after the purge, and a follower from the start. */
	ok(put(s, N + 1, "bob", SHA_SHARED, blob_shared) == STORE_OK,
	    "a new statement");
	ok(store_follow(s, "unit", &fops, &sn, 100, &f) == STORE_OK,
	    "a follower starts");
	ok(f && store_follower_wait(f, N + 1, 5000) == 0,
	    "it gets past %d removed statements", N);
	ok(sn.items == 1 && sn.nulls == N, "it saw 1 statement and %d holes "
	    "(%zu, %zu)", N, sn.items, sn.nulls);
	ok(has_blob(s, SHA_SHARED) == 1, "a payload sent again is stored");
	json_free(alice);
	life_free(l);
	store_close(s);
	docstore_close(ds);
	audit_close(au);
}

/* A State document written before docown: found through the Activity
 * the LRS learned. */
static void
test_legacy_state(const char *dir)
{
	struct docstore_scope sc;
	struct docstore_write w;
	struct docstore_forgot f;
	struct docstore_doc doc;
	json *agent = NULL;
	store *s = NULL;
	docstore *ds = NULL;
	MDB_txn *txn;
	MDB_dbi own;
	char *acts[1] = { "http://a/0" };
	struct life_request rq = { LIFE_ERASE, 0, { 0 }, 1, "unit", "test" };
	struct life_counts c;
	audit *au = NULL;
	life *l;

	ok(store_open(dir, &lim, &s) == STORE_OK, "store opens");
	ok(docstore_open(s, &ds) == DOCSTORE_OK, "docstore opens");
	ok(put(s, 5000, "carol", NULL, NULL) == STORE_OK,
	    "a statement names http://a/0");
	memset(&sc, 0, sizeof(sc));
	sc.kind = DOCSTORE_STATE;
	sc.activity_id = "http://a/0";
	json_parse("{\"mbox\":\"mailto:carol@x.y\"}", 27, 8, &agent, NULL, 0);
	ok(index_agent_hash(agent, sc.agent) == INDEX_OK, "hash");
	memset(&w, 0, sizeof(w));
	w.op = DOCSTORE_PUT;
	w.id = "bookmark";
	w.type = "application/json";
	w.data = "{\"p\":1}";
	w.len = 7;
	ok(docstore_write(ds, &sc, &w) == DOCSTORE_OK, "State written");
	ok(store_txn_begin(s, 0, &txn) == STORE_OK &&
	    mdb_dbi_open(txn, "docown", 0, &own) == 0 &&
	    mdb_drop(txn, own, 0) == 0 && store_txn_commit(s, txn) == STORE_OK,
	    "as if written before docown");
	ok(store_txn_begin(s, MDB_RDONLY, &txn) == STORE_OK, "read");
	ok(docstore_forget(ds, txn, sc.agent, acts, 1, 0, &f) ==
	    DOCSTORE_OK && f.documents == 1 && f.bytes == 7 && f.person == 1,
	    "counted through the Activity: %llu documents, %llu bytes, "
	    "person %d", (unsigned long long)f.documents,
	    (unsigned long long)f.bytes, f.person);
	store_txn_abort(s, txn);
	/* An erasure looks at the Activities of the agent's statements. */
	ok(audit_open(s, &au) == STORE_OK, "audit opens");
	l = life_new(s, ds, au);
	memcpy(rq.agent, sc.agent, INDEX_HASH_LEN);
	ok(life_run(l, &rq, &c) == STORE_OK && c.documents == 1 &&
	    c.statements == 1, "erase dry run: %llu documents",
	    (unsigned long long)c.documents);
	rq.dry_run = 0;
	ok(life_run(l, &rq, &c) == STORE_OK && c.documents == 1,
	    "erased: %llu documents", (unsigned long long)c.documents);
	ok(docstore_get(ds, &sc, "bookmark", &doc) == DOCSTORE_ENOTFOUND,
	    "the State document is gone");
	life_free(l);
	audit_close(au);
	json_free(agent);
	store_close(s);
	docstore_close(ds);
}

int
main(void)
{
	char dir[] = "/tmp/unit-life.XXXXXX", dir2[] = "/tmp/unit-life.XXXXXX";
	char cmd[100];

	if (mkdtemp(dir) == NULL || mkdtemp(dir2) == NULL) {
		ok(0, "mkdtemp");
		return test_done();
	}
	test_purge(dir);
	test_legacy_state(dir2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, dir2);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return test_done();
}
