/* Unit tests of the store: group commit, conflicts, voiding, index seeks,
 * time bounds, paging, StatementRef inheritance, restart. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "index.h"
#include "iso8601.h"
#include "store.h"
#include "stput.h"
#include "test.h"

TEST_MAIN_DEFS

/* A 64 MiB map that does not grow. */
static const struct store_limits lim64 = { 64 << 20, 64 << 20, 0, 0 };

static char dir[64];

/* Store one statement given as JSON text with id idtext. */
static int
put_text(store *s, const char *idtext, const char *text)
{
	return stput_text(s, idtext, text);
}

static void
count_visit(void *arg, uint64_t seq, const char *text, size_t len)
{
	(*(int *)arg)++;
}

static int
query_count(store *s, struct store_query *q, uint64_t *next)
{
	store_read *r;
	uint64_t n2;
	int n = 0;

	store_read_begin(s, &r);
	store_query(r, q, count_visit, &n, next ? next : &n2);
	store_read_end(r);
	return n;
}

static void
verb_filter(struct store_query *q, const char *verb)
{
	uint8_t h[INDEX_HASH_LEN];

	ok(index_hash(INDEX_VERB, verb, strlen(verb), h) == INDEX_OK,
	    "hash verb %s", verb);
	q->filters[q->nfilters][0] = INDEX_VERB;
	memcpy(q->filters[q->nfilters++] + 1, h, INDEX_HASH_LEN);
}

static void
agent_filter(struct store_query *q, int tag, const char *mbox)
{
	char text[200];
	json *a = NULL;
	uint8_t h[INDEX_HASH_LEN];

	snprintf(text, sizeof(text), "{\"mbox\":\"%s\"}", mbox);
	ok(json_parse(text, strlen(text), 8, &a, NULL, 0) == 0 &&
	    index_agent_hash(a, h) == INDEX_OK, "hash agent %s", mbox);
	json_free(a);
	q->filters[q->nfilters][0] = (uint8_t)tag;
	memcpy(q->filters[q->nfilters++] + 1, h, INDEX_HASH_LEN);
}

static MDB_dbi extra;

/* store_exec work: put key "k" = arg, or fail after writing it. */
static int
exec_put(void *arg, MDB_txn *txn)
{
	const char *val = arg;
	MDB_val k = { 1, "k" }, v = { strlen(val), (void *)val };
	int rc;

	if ((rc = mdb_put(txn, extra, &k, &v, 0)) != 0)
		return rc;
	return strcmp(val, "fail") == 0 ? 42 : 0;
}

static int
extra_get(store *s, char *out, size_t size)
{
	MDB_txn *txn;
	MDB_val k = { 1, "k" }, v;
	int rc;

	mdb_txn_begin(store_env(s), NULL, MDB_RDONLY, &txn);
	rc = mdb_get(txn, extra, &k, &v);
	if (rc == 0)
		snprintf(out, size, "%.*s", (int)v.mv_size, (char *)v.mv_data);
	mdb_txn_abort(txn);
	return rc;
}

#define ST(actor, verb, obj) "{\"actor\":{\"mbox\":\"mailto:" actor "\"},\"verb\":{\"id\":\"" verb "\"},\"object\":" obj "}"

struct writer_arg {
	store	*s;
	int	 base;
	int	 fails;
};

static void *
writer(void *p)
{
	struct writer_arg *wa = p;
	char id[37], text[300];
	int i;

	for (i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", wa->base + i);
		snprintf(text, sizeof(text), ST("w@x.y", "http://v/bulk", "{\"id\":\"http://a/%d\"}"), i);
		if (put_text(wa->s, id, text) != 0)
			wa->fails++;
	}
	return NULL;
}

static void
reg_filter(struct store_query *q, const char *reg)
{
	uint8_t h[INDEX_HASH_LEN];

	ok(index_registration_hash(reg, strlen(reg), h) == INDEX_OK,
	    "hash registration %s", reg);
	q->filters[q->nfilters][0] = INDEX_REGISTRATION;
	memcpy(q->filters[q->nfilters++] + 1, h, INDEX_HASH_LEN);
}

/* Make the closed store in d look as layout 1 wrote it: registration keys
 * hashed as sent (upper-case reg) and "layout" 1.  Returns how many keys
 * it moved. */
static int
make_layout1(const char *d, const char *reg)
{
	uint8_t from[INDEX_KEY_LEN], to[INDEX_KEY_LEN], kb[INDEX_KEY_LEN + 8];
	uint8_t seqs[16][8], one[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi ix, meta;
	MDB_cursor *c;
	MDB_val k, v;
	int n = 0, i, rc;

	from[0] = to[0] = INDEX_REGISTRATION;
	if (index_registration_hash(reg, strlen(reg), from + 1) != INDEX_OK ||
	    index_hash(INDEX_REGISTRATION, reg, strlen(reg), to + 1) != INDEX_OK)
		return -1;
	if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 64) != 0 ||
	    mdb_env_set_mapsize(env, 64 << 20) != 0 ||
	    mdb_env_open(env, d, 0, 0600) != 0)
		return -1;
	rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "ix", 0, &ix);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "meta", 0, &meta);
	if (rc == 0)
		rc = mdb_cursor_open(txn, ix, &c);
	k.mv_size = INDEX_KEY_LEN;
	k.mv_data = from;
	for (rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && n < 16 && memcmp(k.mv_data, from, INDEX_KEY_LEN) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		memcpy(seqs[n++], (uint8_t *)k.mv_data + INDEX_KEY_LEN, 8);
	for (i = 0; i < n; i++) {
		k.mv_size = sizeof(kb);
		k.mv_data = kb;
		v.mv_size = 0;
		v.mv_data = "";
		memcpy(kb, from, INDEX_KEY_LEN);
		memcpy(kb + INDEX_KEY_LEN, seqs[i], 8);
		if (mdb_del(txn, ix, &k, NULL) != 0)
			n = -1;
		memcpy(kb, to, INDEX_KEY_LEN);
		if (n >= 0 && mdb_put(txn, ix, &k, &v, 0) != 0)
			n = -1;
	}
	k.mv_size = 6;
	k.mv_data = "layout";
	v.mv_size = 8;
	v.mv_data = one;
	if (mdb_put(txn, meta, &k, &v, 0) != 0 || mdb_txn_commit(txn) != 0)
		n = -1;
	mdb_env_close(env);
	return n;
}

/* A statement sent with an upper-case registration is found by it in
 * any case, also in a store written by layout 1 (which hashed it as
 * sent): store_open moves its keys, and those a referrer inherited. */
static void
test_registration_case(void)
{
	static const char up[] = "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE";
	static const char low[] = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
	/* 36 bytes, dashes in place, but a 'g': no UUID, hashed as sent. */
	static const char odd[] = "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEG";
	uint8_t h1[INDEX_HASH_LEN], h2[INDEX_HASH_LEN];
	char d[64], cmd[128];
	struct store_query q;
	store *s;

	ok(index_registration_hash(up, 36, h1) == INDEX_OK &&
	    index_hash(INDEX_REGISTRATION, low, 36, h2) == INDEX_OK &&
	    memcmp(h1, h2, sizeof(h1)) == 0,
	    "an upper-case UUID hashes as its lower-case text");
	ok(index_registration_hash(odd, 36, h1) == INDEX_OK &&
	    index_hash(INDEX_REGISTRATION, odd, 36, h2) == INDEX_OK &&
	    memcmp(h1, h2, sizeof(h1)) == 0,
	    "a registration that is no UUID hashes as sent");
	ok(index_registration_hash("aaaaaaaa-bbbb-4ccc-8ddd\0eeeeeeeeeeee", 36,
	    h1) == INDEX_OK && index_hash(INDEX_REGISTRATION,
	    "aaaaaaaa-bbbb-4ccc-8ddd\0eeeeeeeeeeee", 36, h2) == INDEX_OK &&
	    memcmp(h1, h2, sizeof(h1)) == 0,
	    "one holding a NUL for a dash hashes as sent");
	snprintf(d, sizeof(d), "/tmp/lrs-unit-reg-XXXXXX");
	ok(mkdtemp(d) != NULL, "temp dir");
	ok(store_open(d, &lim64, &s) == STORE_OK, "store opens");
	ok(put_text(s, "77777777-7777-4777-8777-777777777777",
	    "{\"actor\":{\"mbox\":\"mailto:r@x.y\"},\"verb\":{\"id\":"
	    "\"http://v/reg\"},\"object\":{\"id\":\"http://a/r\"},"
	    "\"context\":{\"registration\":\"AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE\"}}")
	    == 0, "statement with an upper-case registration stored");
	ok(put_text(s, "88888888-8888-4888-8888-888888888888",
	    ST("r@x.y", "http://v/refers", "{\"objectType\":\"StatementRef\","
	    "\"id\":\"77777777-7777-4777-8777-777777777777\"}")) == 0,
	    "a statement referring to it stored");
	memset(&q, 0, sizeof(q));
	reg_filter(&q, low);
	ok(query_count(s, &q, NULL) == 2, "found by the lower-case registration");
	memset(&q, 0, sizeof(q));
	reg_filter(&q, up);
	ok(query_count(s, &q, NULL) == 2, "found by the upper-case registration");
	store_close(s);

	ok(make_layout1(d, up) == 2, "store rewritten as layout 1 wrote it");
	ok(store_open(d, &lim64, &s) == STORE_OK, "layout 1 store opens");
	memset(&q, 0, sizeof(q));
	reg_filter(&q, low);
	ok(query_count(s, &q, NULL) == 2,
	    "after the upgrade both are found by the registration");
	store_close(s);
	ok(store_open(d, &lim64, &s) == STORE_OK, "and it opens again");
	memset(&q, 0, sizeof(q));
	reg_filter(&q, up);
	ok(query_count(s, &q, NULL) == 2, "still found, in any case");
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	ok(system(cmd) == 0, "cleanup");
}

/* Reader slots follow what the caller asks for (lrsd: two per HTTP
 * thread) instead of a fixed 512; past them a read is STORE_EBUSY. */
static void
test_readers(void)
{
	static const struct store_limits lim = { 64 << 20, 64 << 20, 2000, 0 };
	static store_read *r[3000];
	char d[64], cmd[128];
	unsigned max = 0;
	int n, rc = STORE_OK;
	store *s;

	snprintf(d, sizeof(d), "/tmp/lrs-unit-readers-XXXXXX");
	ok(mkdtemp(d) != NULL, "temp dir");
	ok(store_open(d, &lim, &s) == STORE_OK, "store opens for 2000 readers");
	ok(mdb_env_get_maxreaders(store_env(s), &max) == 0 && max >= 2000,
	    "LMDB has %u reader slots", max);
	for (n = 0; n < 3000 && (rc = store_read_begin(s, &r[n])) == STORE_OK;
	    n++)
		;
	ok(n >= 2000 && n < 3000, "%d reads open at once", n);
	ok(rc == STORE_EBUSY, "the next is STORE_EBUSY, to retry (%s)",
	    store_strerror(rc));
	while (n > 0)
		store_read_end(r[--n]);
	ok(store_read_begin(s, &r[0]) == STORE_OK, "slots come back");
	store_read_end(r[0]);
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	ok(system(cmd) == 0, "cleanup");
}

int
main(void)
{
	store *s;
	struct store_query q;
	store_read *r;
	const char *text = NULL;
	size_t len = 0;
	int voided, n, i;
	int64_t stored, mid;
	uint8_t id[16];
	uint64_t next;
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/lrs-unit-store-XXXXXX");
	ok(mkdtemp(dir) != NULL, "temp dir");
	ok(store_open(dir, &lim64, &s) == STORE_OK, "store opens");

	ok(put_text(s, "11111111-1111-4111-8111-111111111111",
	    ST("a@x.y", "http://v/did", "{\"id\":\"http://a/1\"}")) == 0, "first statement stored");
	ok(put_text(s, "11111111-1111-4111-8111-111111111111",
	    ST("a@x.y", "http://v/did", "{\"id\":\"http://a/1\"}")) == 0,
	    "same id and same statement is accepted");
	ok(put_text(s, "11111111-1111-4111-8111-111111111111",
	    ST("a@x.y", "http://v/other", "{\"id\":\"http://a/1\"}")) == STORE_ECONFLICT,
	    "same id and different statement conflicts");

	store_read_begin(s, &r);
	uuid_parse("11111111-1111-4111-8111-111111111111", id);
	ok(store_get(r, id, &text, &len, &voided, &stored) == STORE_OK && !voided,
	    "get by id");
	ok(text && len > 0 && memmem(text, len, "\"stored\"", 8) && memmem(text, len, "\"timestamp\"", 11),
	    "store sets stored and a missing timestamp");
	ok(store_last_seq(r) == 1, "one sequence number used, conflict took none");
	store_read_end(r);

	usleep(3000);
	mid = iso8601_now();
	usleep(3000);
	ok(put_text(s, "22222222-2222-4222-8222-222222222222",
	    ST("b@x.y", "http://v/did", "{\"objectType\":\"Agent\",\"mbox\":\"mailto:a@x.y\"}")) == 0,
	    "second statement stored");
	memset(&q, 0, sizeof(q));
	verb_filter(&q, "http://v/did");
	ok(query_count(s, &q, NULL) == 2, "verb filter finds both");
	memset(&q, 0, sizeof(q));
	agent_filter(&q, INDEX_AGENT, "mailto:a@x.y");
	ok(query_count(s, &q, NULL) == 2, "agent filter matches actor and object");
	memset(&q, 0, sizeof(q));
	agent_filter(&q, INDEX_AGENT, "mailto:b@x.y");
	verb_filter(&q, "http://v/did");
	ok(query_count(s, &q, NULL) == 1, "two filters intersect");
	memset(&q, 0, sizeof(q));
	q.since = mid;
	ok(query_count(s, &q, NULL) == 1, "since excludes earlier statements");
	memset(&q, 0, sizeof(q));
	q.until = mid;
	ok(query_count(s, &q, NULL) == 1, "until excludes later statements");

	/* Voiding: the target leaves queries; the voiding statement is found
	 * by the target's verb through the StatementRef. */
	ok(put_text(s, "33333333-3333-4333-8333-333333333333",
	    ST("a@x.y", "http://adlnet.gov/expapi/verbs/voided",
	    "{\"objectType\":\"StatementRef\",\"id\":\"22222222-2222-4222-8222-222222222222\"}")) == 0,
	    "voiding statement stored");
	store_read_begin(s, &r);
	uuid_parse("22222222-2222-4222-8222-222222222222", id);
	ok(store_get(r, id, &text, &len, &voided, &stored) == STORE_OK && voided,
	    "target is voided");
	store_read_end(r);
	memset(&q, 0, sizeof(q));
	agent_filter(&q, INDEX_AGENT, "mailto:b@x.y");
	ok(query_count(s, &q, NULL) == 1, "voided statement left out, voiding one found by its target's actor");

	/* A StatementRef stored before its target: once the target arrives,
	 * the referring statement answers the target's filters too, and so
	 * does one referring to the referrer. */
	ok(put_text(s, "44444444-4444-4444-8444-444444444444",
	    ST("c@x.y", "http://v/refers",
	    "{\"objectType\":\"StatementRef\",\"id\":\"55555555-5555-4555-8555-555555555555\"}")) == 0,
	    "referrer stored before its target");
	ok(put_text(s, "66666666-6666-4666-8666-666666666666",
	    ST("d@x.y", "http://v/refers",
	    "{\"objectType\":\"StatementRef\",\"id\":\"44444444-4444-4444-8444-444444444444\"}")) == 0,
	    "referrer of the referrer stored");
	memset(&q, 0, sizeof(q));
	verb_filter(&q, "http://v/late-target");
	ok(query_count(s, &q, NULL) == 0, "nothing has the target's verb yet");
	ok(put_text(s, "55555555-5555-4555-8555-555555555555",
	    ST("e@x.y", "http://v/late-target", "{\"id\":\"http://a/late\"}")) == 0,
	    "target stored last");
	ok(query_count(s, &q, NULL) == 3, "target, referrer and its referrer match the target's verb");
	memset(&q, 0, sizeof(q));
	agent_filter(&q, INDEX_AGENT, "mailto:e@x.y");
	ok(query_count(s, &q, NULL) == 3, "and the target's actor");

	/* Group commit under concurrency: 4 writers x 50 statements. */
	{
		pthread_t t[4];
		struct writer_arg wa[4];
		int fails = 0;

		for (i = 0; i < 4; i++) {
			wa[i].s = s;
			wa[i].base = 1000 * (i + 1);
			wa[i].fails = 0;
			pthread_create(&t[i], NULL, writer, &wa[i]);
		}
		for (i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			fails += wa[i].fails;
		}
		ok(fails == 0, "concurrent writers all succeed (%d failed)", fails);
	}
	memset(&q, 0, sizeof(q));
	verb_filter(&q, "http://v/bulk");
	ok(query_count(s, &q, NULL) == 200, "all 200 concurrent statements found");

	/* Paging descending and ascending: no gaps, no duplicates. */
	for (int asc = 0; asc < 2; asc++) {
		int total = 0, pages = 0, want;

		memset(&q, 0, sizeof(q));
		verb_filter(&q, "http://v/bulk");
		q.limit = 30;
		q.ascending = asc;
		store_read_begin(s, &r);
		q.to = store_last_seq(r);
		store_read_end(r);
		{
			struct store_query all = q;

			all.limit = 0;
			want = query_count(s, &all, NULL);
		}
		for (;;) {
			n = query_count(s, &q, &next);
			total += n;
			pages++;
			if (next == 0)
				break;
			if (asc)
				q.from = next;
			else
				q.to = next;
			/* New statements arriving must not shift the pages. */
			snprintf(cmd, sizeof(cmd), "00000000-0000-4000-8000-%012d", 9000 + pages + 10 * asc);
			put_text(s, cmd, ST("w@x.y", "http://v/bulk", "{\"id\":\"http://a/late\"}"));
		}
		ok(total == want && want >= 200 && pages == (want + 29) / 30,
		    "%s paging: %d of %d statements in %d pages",
		    asc ? "ascending" : "descending", total, want, pages);
	}

	/* Other work shares the writer: kept when it succeeds, dropped
	 * (and its code returned) when it fails. */
	{
		MDB_txn *txn;
		char val[16];
		int fn_rc = -1;

		mdb_txn_begin(store_env(s), NULL, 0, &txn);
		mdb_dbi_open(txn, "unit-extra", MDB_CREATE, &extra);
		mdb_txn_commit(txn);
		ok(store_exec(s, exec_put, "one", &fn_rc) == STORE_OK && fn_rc == 0,
		    "store_exec runs work");
		ok(extra_get(s, val, sizeof(val)) == 0 && strcmp(val, "one") == 0,
		    "its change is committed");
		ok(store_exec(s, exec_put, "fail", &fn_rc) == STORE_OK && fn_rc == 42,
		    "a failing job's code comes back");
		ok(extra_get(s, val, sizeof(val)) == 0 && strcmp(val, "one") == 0,
		    "and its change is dropped");
	}

	/* Restart: everything acknowledged is still there. */
	store_close(s);
	ok(store_open(dir, &lim64, &s) == STORE_OK, "store reopens");
	memset(&q, 0, sizeof(q));
	verb_filter(&q, "http://v/bulk");
	ok(query_count(s, &q, NULL) == 212, "all statements survive a restart");
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "cleanup");
	test_registration_case();
	test_readers();
	return test_done();
}
