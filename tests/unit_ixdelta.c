/* Unit tests of the index log: ixdelta against a plain list of (key,
 * number) pairs, and the store's queries and lookups by id, with parts
 * merged as often as possible or never, after a restart, a crash image
 * and a removal, against which statements match by a scan of what was
 * stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "index.h"
#include "ixdelta.h"
#include "store.h"
#include "stput.h"
#include "test.h"

TEST_MAIN_DEFS

#define NKEYS	9
#define MAXE	4000

/* The model: every pair added and not dropped or pruned. */
static struct ixd_entry model[MAXE];
static size_t nmodel;

static void
key_of(int k, uint8_t key[INDEX_KEY_LEN])
{
	memset(key, 0, INDEX_KEY_LEN);
	key[0] = 'a' + k % 3;
	key[1] = (uint8_t)(k * 61);	/* parts 0, 15, 30, ... */
	key[2] = (uint8_t)k;
}

/* The model's answer to ixd_next. */
static uint64_t
model_next(const uint8_t *key, uint64_t after, uint64_t at, int asc)
{
	uint64_t best = 0;
	size_t i;

	for (i = 0; i < nmodel; i++) {
		if (memcmp(model[i].key, key, INDEX_KEY_LEN) != 0 ||
		    model[i].seq <= after)
			continue;
		if (asc ? model[i].seq >= at && (!best || model[i].seq < best) :
		    model[i].seq <= at && model[i].seq > best)
			best = model[i].seq;
	}
	return best;
}

/* Every ixd_next answer for keys and positions up to top agrees with the
 * model, reading above after[part]. */
static int
agrees(ixd *d, const uint64_t *after, uint64_t top)
{
	uint8_t key[INDEX_KEY_LEN];
	uint64_t at, got;
	int k, asc, bad = 0;

	for (k = 0; k < NKEYS; k++) {
		key_of(k, key);
		for (at = 0; at <= top + 1; at++)
			for (asc = 0; asc < 2; asc++) {
				ixd_next(d, key, after[ixd_part(key)], at, asc,
				    &got);
				bad += got != model_next(key,
				    after[ixd_part(key)], at, asc);
			}
	}
	return bad == 0;
}

static void
test_delta(void)
{
	uint64_t after[IXD_PARTS] = { 0 }, seq, pin;
	struct ixd_entry e[NKEYS], *c;
	uint8_t key[INDEX_KEY_LEN];
	size_t n, i, j, seqs, keys;
	ixd *d = ixd_new(0);
	int k, bad = 0;

	srand(7);
	/* 300 statements of 1-3 keys each. */
	for (seq = 1; seq <= 300; seq++) {
		n = 1 + (size_t)rand() % 3;
		for (i = 0; i < n; i++) {
			key_of(rand() % NKEYS, e[i].key);
			e[i].seq = seq;
			for (j = 0; j < i && memcmp(e[j].key, e[i].key,
			    INDEX_KEY_LEN) != 0; j++)
				;
			if (j < i) {	/* a statement's keys are a set */
				n = i;
				break;
			}
			model[nmodel++] = e[i];
		}
		ixd_add(d, e, n);
	}
	ok(agrees(d, after, 300), "every next agrees with the model");
	ixd_count(d, &seqs, &keys);
	ok(seqs == nmodel && keys == NKEYS, "%zu numbers under %zu keys",
	    seqs, keys);

	/* A failed commit takes back 281-300. */
	ixd_drop_after(d, 280);
	for (i = 0, j = 0; i < nmodel; i++)
		if (model[i].seq <= 280)
			model[j++] = model[i];
	nmodel = j;
	ok(agrees(d, after, 300), "numbers above 280 dropped");

	/* collect: part p's pairs above 100, by key then number. */
	key_of(4, key);
	n = ixd_collect(d, ixd_part(key), 100, &c);
	for (i = 0, j = 0; i < nmodel; i++)
		if (ixd_part(model[i].key) == ixd_part(key) &&
		    model[i].seq > 100)
			j++;
	ok(n == j && n > 0, "collect gives the part's %zu pairs", j);
	for (i = 1; i < n; i++)
		bad += memcmp(c[i - 1].key, c[i].key, INDEX_KEY_LEN) > 0 ||
		    (memcmp(c[i - 1].key, c[i].key, INDEX_KEY_LEN) == 0 &&
		    c[i - 1].seq >= c[i].seq);
	ok(bad == 0, "sorted by key, then number");
	free(c);

	/* A reader pinned at 0 keeps what it reads while part p merges to
	 * 200; once it leaves, the next merge drops them. */
	pin = ixd_pin(d);
	ok(pin == 0, "the pin is the least watermark");
	ixd_publish(d, ixd_part(key), 200);
	ok(agrees(d, after, 300), "a pinned reader still reads above 0");
	ixd_unpin(d, pin);
	ixd_publish(d, ixd_part(key), 200);
	after[ixd_part(key)] = 200;
	for (i = 0, j = 0; i < nmodel; i++)
		if (ixd_part(model[i].key) != ixd_part(key) ||
		    model[i].seq > 200)
			model[j++] = model[i];
	ok(j < nmodel, "part %u had numbers at or below 200", ixd_part(key));
	nmodel = j;
	ixd_count(d, &seqs, &keys);
	ok(seqs == nmodel, "unpinned, they are dropped (%zu left, model %zu)",
	    seqs, nmodel);
	ok(agrees(d, after, 300), "a reader above 200 there agrees");

	/* Every part merged past everything: nothing left, keys gone. */
	for (k = 0; k < IXD_PARTS; k++)
		ixd_publish(d, (unsigned)k, 300);
	ixd_count(d, &seqs, &keys);
	ok(seqs == 0 && keys == 0, "all merged: empty (%zu, %zu)", seqs, keys);
	ixd_free(d);
}

/* --- the store --- */

#define NST	240
#define NMAX	(NST + 20)	/* with those stored after the crash */
#define ACTORS	7
#define VERBS	5

static char dir[64];
/* Statement i's actor, verb, registration (-1: none), and whether it is
 * still there. */
static int actor[NMAX + 1], verb[NMAX + 1], reg[NMAX + 1], gone[NMAX + 1];
static int nstored;	/* statements 1..nstored are in the store */

static void
stmt_text(int i, char *out, size_t size)
{
	char r[80] = "";

	if (reg[i] >= 0)
		snprintf(r, sizeof(r), ",\"context\":{\"registration\":"
		    "\"00000000-0000-4000-8000-%012d\"}", reg[i]);
	snprintf(out, size, "{\"actor\":{\"mbox\":\"mailto:a%d@x.y\"},"
	    "\"verb\":{\"id\":\"http://v/%d\"},\"object\":{\"id\":"
	    "\"http://o/%d\"}%s}", actor[i], verb[i], i % 11, r);
}

static void
id_of(int i, char out[37])
{
	snprintf(out, 37, "11111111-0000-4000-8000-%012d", i);
}

/* Store statement i again, as it was (same) or with another verb. */
static int
put_again(store *s, int i, int same)
{
	char text[400], idtext[37];

	stmt_text(i, text, sizeof(text));
	if (!same)
		memcpy(strstr(text, "http://v/"), "http://w/", 9);
	id_of(i, idtext);
	return stput_text(s, idtext, text);
}

static int
put_one(store *s, int i)
{
	actor[i] = rand() % ACTORS;
	verb[i] = rand() % VERBS;
	reg[i] = rand() % 3 ? rand() % 20 : -1;
	return put_again(s, i, 1);
}

/* Does every statement stored as i = seq 1..nstored come back by its id
 * (store_get and store_seq_of), a removed one and one never stored not
 * at all? */
static int
ids_agree(store *s)
{
	char idtext[37], want[400];
	const char *text;
	size_t len;
	int64_t stored;
	uint64_t seq;
	uint8_t id[16];
	store_read *r;
	int i, voided, rc, bad = 0;

	if (store_read_begin(s, &r) != STORE_OK)
		return 0;
	for (i = 1; i <= nstored + 1; i++) {
		id_of(i, idtext);
		uuid_parse(idtext, id);
		rc = store_get(r, id, &text, &len, &voided, &stored);
		if (i > nstored || gone[i]) {
			bad += rc != STORE_ENOTFOUND ||
			    store_seq_of(store_read_txn(r), s, id, &seq) !=
			    STORE_ENOTFOUND;
			continue;
		}
		stmt_text(i, want, sizeof(want));
		want[strlen(want) - 1] = '\0';	/* the text goes on */
		bad += rc != STORE_OK || len < strlen(want) ||
		    memcmp(text, want, strlen(want)) != 0 ||
		    store_seq_of(store_read_txn(r), s, id, &seq) != STORE_OK ||
		    seq != (uint64_t)i;
	}
	store_read_end(r);
	return bad == 0;
}

static void
filter(struct store_query *q, int tag, const char *text)
{
	uint8_t *f = q->filters[q->nfilters++];
	json *a = NULL;

	f[0] = (uint8_t)tag;
	if (tag == INDEX_AGENT) {
		json_parse(text, strlen(text), 8, &a, NULL, 0);
		index_agent_hash(a, f + 1);
		json_free(a);
	} else if (tag == INDEX_REGISTRATION)
		index_registration_hash(text, strlen(text), f + 1);
	else
		index_hash(tag, text, strlen(text), f + 1);
}

struct seen {
	uint64_t	seqs[NMAX];
	size_t		n;
};

static void
visit(void *arg, uint64_t seq, const char *text, size_t len)
{
	struct seen *sn = arg;

	if (sn->n < NMAX)
		sn->seqs[sn->n++] = seq;
}

/* The statements stored as seq 1..nstored are i = seq.  Does a query by
 * actor a (-1: any), verb v, registration g, in pages of 7, give
 * exactly what a scan of the model gives, in order? */
static int
query_agrees(store *s, int a, int v, int g, int asc)
{
	struct store_query q;
	struct seen sn = { .n = 0 };
	char text[80];
	uint64_t next = 0, want[NMAX];
	size_t nw = 0, i;
	store_read *r;
	int seq, rc = 0;

	for (i = 0; i < (size_t)nstored; i++) {
		seq = asc ? (int)i + 1 : nstored - (int)i;
		if (!gone[seq] && (a < 0 || actor[seq] == a) &&
		    (v < 0 || verb[seq] == v) && (g < 0 || reg[seq] == g))
			want[nw++] = (uint64_t)seq;
	}
	do {
		memset(&q, 0, sizeof(q));
		if (a >= 0) {
			snprintf(text, sizeof(text),
			    "{\"mbox\":\"mailto:a%d@x.y\"}", a);
			filter(&q, INDEX_AGENT, text);
		}
		if (v >= 0) {
			snprintf(text, sizeof(text), "http://v/%d", v);
			filter(&q, INDEX_VERB, text);
		}
		if (g >= 0) {
			snprintf(text, sizeof(text),
			    "00000000-0000-4000-8000-%012d", g);
			filter(&q, INDEX_REGISTRATION, text);
		}
		q.ascending = asc;
		q.limit = 7;
		if (next)
			asc ? (q.from = next) : (q.to = next);
		if (store_read_begin(s, &r) != STORE_OK)
			return 0;
		rc = store_query(r, &q, visit, &sn, &next);
		store_read_end(r);
	} while (rc == STORE_OK && next != 0);
	return rc == STORE_OK && sn.n == nw &&
	    memcmp(sn.seqs, want, nw * sizeof(*want)) == 0;
}

/* Every filter and pair of filters, both ways. */
static int
all_agree(store *s)
{
	int a, v, g, bad = 0;

	for (a = -1; a < ACTORS; a++)
		for (v = -1; v < VERBS; v++)
			bad += !query_agrees(s, a, v, -1, 0) +
			    !query_agrees(s, a, v, -1, 1);
	for (g = 0; g < 20; g++)
		bad += !query_agrees(s, -1, -1, g, 0) +
		    !query_agrees(s, g % ACTORS, -1, g, 1);
	return bad == 0 && ids_agree(s);
}

static int
remove_fn(void *arg, MDB_txn *txn)
{
	struct store_removal acc;

	memset(&acc, 0, sizeof(acc));
	return store_remove_txn(arg, txn, 5, 0, &acc);
}

static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *f = fopen(from, "rb"), *t = fopen(to, "wb");
	size_t n;
	int rc = f && t ? 0 : -1;

	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (fwrite(buf, 1, n, t) != n)
			rc = -1;
	if (f)
		fclose(f);
	if (t && fclose(t) != 0)
		rc = -1;
	return rc;
}

/* Store NST statements with lag, checking the queries as the keys move
 * from the log to the index. */
static void
test_store(uint64_t lag)
{
	struct store_limits lim = { 64 << 20, 64 << 20, 0, lag };
	char crash[80], path[160], cmd[200];
	int i, fails = 0, bad = 0;
	store *s, *ro;

	srand(11);
	memset(gone, 0, sizeof(gone));
	snprintf(dir, sizeof(dir), "/tmp/lrs-unit-ixd-XXXXXX");
	ok(mkdtemp(dir) != NULL, "temp dir");
	ok(store_open(dir, &lim, &s) == STORE_OK, "store opens (lag %llu)",
	    (unsigned long long)lag);
	for (i = 1; i <= NST; i++) {
		fails += put_one(s, i) != STORE_OK;
		nstored = i;
		if (i % 60 == 0)
			bad += !all_agree(s) ? i : 0;
	}
	ok(fails == 0, "%d statements stored", NST);
	ok(bad == 0, "queries and ids agree with the scan while storing (%d)",
	    bad);
	/* The ids of the latest are in the log alone (lag 0): a conflict
	 * and a repeat are still told apart. */
	ok(put_again(s, NST, 0) == STORE_ECONFLICT,
	    "an id logged, not merged: another statement conflicts");
	ok(put_again(s, NST, 1) == STORE_OK && all_agree(s),
	    "the same statement again: stored once");

	/* A copy of the files now is what a crash leaves: the log is read
	 * back at the next start. */
	snprintf(crash, sizeof(crash), "%s-crash", dir);
	ok(mkdir(crash, 0700) == 0, "crash dir");
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	snprintf(cmd, sizeof(cmd), "%s/data.mdb", crash);
	ok(copy_file(path, cmd) == 0, "crash image taken");

	/* A read-only open beside the writer reads the log itself. */
	ok(store_open_readonly(dir, &ro) == STORE_OK, "opens read-only too");
	ok(all_agree(ro), "read-only: the queries agree");
	store_close(ro);

	store_close(s);
	ok(store_open(dir, &lim, &s) == STORE_OK, "reopens (log merged)");
	ok(all_agree(s), "after a restart the queries agree");
	store_close(s);

	ok(store_open(crash, &lim, &s) == STORE_OK, "the crash image opens");
	ok(all_agree(s), "after a crash the queries agree");
	for (i = NST + 1; i <= NMAX; i++)
		fails += put_one(s, i) != STORE_OK;
	nstored = NMAX;
	ok(fails == 0 && all_agree(s), "and takes more statements");

	/* A removal merges everything first; its id goes from "id". */
	ok(store_exec(s, remove_fn, s, &fails) == STORE_OK && fails == 0,
	    "statement 5 removed");
	gone[5] = 1;
	ok(all_agree(s), "without it the queries and ids agree");
	store_close(s);

	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, crash);
	ok(system(cmd) == 0, "cleanup");
}

int
main(void)
{
	test_delta();
	test_store(64);		/* a part merged at every group */
	test_store(0);		/* the default: nothing merged until closed */
	return test_done();
}
