/* stats: what a store holds, for operators. */
#include "stats.h"

#include "json.h"
#include "store.h"
#include "xalloc.h"
#include "xapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Statements per read transaction. */
#define CHUNK	5000

/* Counts by string: open addressing, FNV-1a. */
struct counter {
	struct stats_top	*slots;
	size_t			 cap, n;
};

static uint64_t
fnv(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	while (len--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void counter_add(struct counter *c, const char *s, size_t len,
    uint64_t by);

static void
counter_grow(struct counter *c)
{
	struct counter old = *c;
	size_t i;

	c->cap = c->cap ? 2 * c->cap : 256;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
	c->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].id) {
			counter_add(c, old.slots[i].id, strlen(old.slots[i].id),
			    old.slots[i].count);
			free(old.slots[i].id);
		}
	free(old.slots);
}

static void
counter_add(struct counter *c, const char *s, size_t len, uint64_t by)
{
	size_t i;

	if (2 * (c->n + 1) > c->cap)
		counter_grow(c);
	for (i = fnv(s, len) & (c->cap - 1); c->slots[i].id; i = (i + 1) &
	    (c->cap - 1))
		if (strlen(c->slots[i].id) == len &&
		    memcmp(c->slots[i].id, s, len) == 0) {
			c->slots[i].count += by;
			return;
		}
	c->slots[i].id = xstrndup(s, len);
	c->slots[i].count = by;
	c->n++;
}

static int
by_count(const void *a, const void *b)
{
	const struct stats_top *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->id, y->id);
}

/* The ntop largest counts of c (c is emptied). */
static struct stats_top *
counter_top(struct counter *c, size_t ntop, size_t *n)
{
	size_t i, k = 0;

	for (i = 0; i < c->cap; i++)
		if (c->slots[i].id)
			c->slots[k++] = c->slots[i];
	if (k)
		qsort(c->slots, k, sizeof(*c->slots), by_count);
	for (i = ntop; i < k; i++)
		free(c->slots[i].id);
	*n = k < ntop ? k : ntop;
	return c->slots;
}

/* Count statement e into st and the counters. */
static void
count_one(struct stats *st, const struct store_entry *e, struct counter *verbs,
    struct counter *acts)
{
	const json *verb, *obj, *type;
	json *doc = NULL;

	st->statements++;
	st->voided += e->voided_by != 0;
	if (json_parse(e->text, e->len, 72, &doc, NULL, 0) != 0)
		return;
	verb = json_get(json_get(doc, "verb"), "id");
	st->voiding += json_is_str(verb, XAPI_VOIDED_VERB);
	obj = json_get(doc, "object");
	type = json_get(obj, "objectType");
	if (e->voided_by == 0 && verb && verb->type == JSON_STRING)
		counter_add(verbs, verb->str, verb->len, 1);
	if (e->voided_by == 0 && (type == NULL ||
	    json_is_str(type, "Activity")) && json_get_str(obj, "id"))
		counter_add(acts, json_get_str(obj, "id"),
		    json_get(obj, "id")->len, 1);
	json_free(doc);
}

/* Walk statements from..last in chunks of short reads. */
static int
walk(store *s, struct stats *st, struct counter *verbs, struct counter *acts)
{
	struct store_entry e;
	store_read *r;
	uint64_t seq = 1, last = 0, end;
	int rc = STORE_OK;

	do {
		if ((rc = store_read_begin(s, &r)) != STORE_OK)
			return rc;
		if (last == 0)
			last = store_last_seq(r);
		end = seq + CHUNK < last + 1 ? seq + CHUNK : last + 1;
		for (; seq < end && rc == STORE_OK; seq++) {
			rc = store_entry_at(store_read_txn(r), s, seq, &e);
			if (rc == STORE_OK)
				count_one(st, &e, verbs, acts);
			else if (rc == STORE_ENOTFOUND)
				rc = STORE_OK;	/* removed (purge, erase) */
		}
		store_read_end(r);
	} while (rc == STORE_OK && seq <= last);
	return rc;
}

/* Every named database of the environment, and the map in use. */
static int
databases(store *s, struct stats *st)
{
	MDB_txn *txn = NULL;
	MDB_cursor *c = NULL;
	MDB_dbi main, dbi;
	MDB_val k, d;
	MDB_stat ms;
	MDB_envinfo info;
	int rc;

	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != STORE_OK)
		return rc;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &main)) != 0 ||
	    (rc = mdb_cursor_open(txn, main, &c)) != 0)
		goto out;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		struct stats_db *db;

		if (k.mv_size >= sizeof(st->dbs->name) ||
		    memchr(k.mv_data, '\0', k.mv_size))
			continue;
		st->dbs = xrealloc(st->dbs, (st->ndbs + 1) * sizeof(*st->dbs));
		db = &st->dbs[st->ndbs];
		memcpy(db->name, k.mv_data, k.mv_size);
		db->name[k.mv_size] = '\0';
		if (mdb_dbi_open(txn, db->name, 0, &dbi) != 0 ||
		    mdb_stat(txn, dbi, &ms) != 0)
			continue;	/* a key of the main database, no db */
		db->entries = ms.ms_entries;
		db->bytes = (uint64_t)ms.ms_psize * (ms.ms_branch_pages +
		    ms.ms_leaf_pages + ms.ms_overflow_pages);
		if (strcmp(db->name, "doc") == 0)
			st->documents = db->entries;
		st->ndbs++;
	}
	if (rc == MDB_NOTFOUND)
		rc = mdb_env_info(store_env(s), &info);
	if (rc == 0 && (rc = mdb_env_stat(store_env(s), &ms)) == 0) {
		st->map_used = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
		st->map_size = info.me_mapsize;
	}
out:
	if (c)
		mdb_cursor_close(c);
	/* Committing a read keeps the handles it opened. */
	if (rc == 0)
		return store_txn_commit(s, txn);
	store_txn_abort(s, txn);
	return STORE_EIO;
}

/* The attachments and the file on disk. */
static int
usage(store *s, const char *dir, struct stats *st)
{
	struct store_usage u;
	struct stat sb;
	store_read *r;
	char path[4096];
	int rc;

	if ((rc = store_read_begin(s, &r)) != STORE_OK)
		return rc;
	rc = store_usage(r, &u);
	store_read_end(r);
	if (rc != STORE_OK)
		return rc;
	st->attachments = u.attachments;
	st->attachment_bytes = u.attachment_bytes;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &sb) == 0)
		st->disk_bytes = (uint64_t)sb.st_blocks * 512;
	return STORE_OK;
}

int
stats_collect(const char *dir, size_t ntop, uint64_t map_max,
    struct stats *out, char *err, size_t errlen)
{
	struct counter verbs = { 0 }, acts = { 0 };
	store *s = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out->map_max = map_max;
	if ((rc = store_open_readonly(dir, &s)) != STORE_OK) {
		snprintf(err, errlen, "cannot open the store in %s: %s", dir,
		    rc == STORE_ENOTFOUND ? "no lrsd store there" :
		    store_strerror(rc));
		return STATS_ESTORE;
	}
	if ((rc = walk(s, out, &verbs, &acts)) == STORE_OK &&
	    (rc = usage(s, dir, out)) == STORE_OK)
		rc = databases(s, out);
	out->verbs = counter_top(&verbs, ntop, &out->nverbs);
	out->activities = counter_top(&acts, ntop, &out->nactivities);
	store_close(s);
	if (rc != STORE_OK) {
		snprintf(err, errlen, "cannot read the store in %s: %s", dir,
		    store_strerror(rc));
		stats_free(out);
		return STATS_ESTORE;
	}
	return STATS_OK;
}

void
stats_free(struct stats *st)
{
	size_t i;

	for (i = 0; i < st->nverbs; i++)
		free(st->verbs[i].id);
	for (i = 0; i < st->nactivities; i++)
		free(st->activities[i].id);
	free(st->verbs);
	free(st->activities);
	free(st->dbs);
	memset(st, 0, sizeof(*st));
}

static void
json_top(struct buf *out, const char *name, const struct stats_top *t,
    size_t n)
{
	size_t i;

	buf_printf(out, ",\"%s\":[", name);
	for (i = 0; i < n; i++) {
		buf_puts(out, i ? ",{\"id\":" : "{\"id\":");
		json_dump_str(t[i].id, strlen(t[i].id), out);
		buf_printf(out, ",\"count\":%llu}", (unsigned long long)t[i].count);
	}
	buf_putc(out, ']');
}

void
stats_json(const struct stats *st, struct buf *out)
{
	size_t i;

	buf_printf(out, "{\"statements\":%llu,\"voided\":%llu,\"voiding\":%llu,"
	    "\"documents\":%llu,\"attachments\":%llu,\"attachment_bytes\":%llu,"
	    "\"map_used_bytes\":%llu,\"map_size_bytes\":%llu,"
	    "\"map_max_bytes\":%llu,\"disk_bytes\":%llu,\"databases\":{",
	    (unsigned long long)st->statements, (unsigned long long)st->voided,
	    (unsigned long long)st->voiding, (unsigned long long)st->documents,
	    (unsigned long long)st->attachments,
	    (unsigned long long)st->attachment_bytes,
	    (unsigned long long)st->map_used, (unsigned long long)st->map_size,
	    (unsigned long long)st->map_max, (unsigned long long)st->disk_bytes);
	for (i = 0; i < st->ndbs; i++)
		buf_printf(out, "%s\"%s\":{\"entries\":%llu,\"bytes\":%llu}",
		    i ? "," : "", st->dbs[i].name,
		    (unsigned long long)st->dbs[i].entries,
		    (unsigned long long)st->dbs[i].bytes);
	buf_putc(out, '}');
	json_top(out, "top_verbs", st->verbs, st->nverbs);
	json_top(out, "top_activities", st->activities, st->nactivities);
	buf_puts(out, "}\n");
}

/* n bytes as a short figure ("1.5 GiB"). */
static const char *
human(uint64_t n, char out[32])
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(out, 32, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return out;
}

void
stats_table(const struct stats *st, struct buf *out)
{
	char a[32], b[32], c[32];
	size_t i;

	buf_printf(out, "statements        %llu (voided %llu, voiding %llu)\n",
	    (unsigned long long)st->statements, (unsigned long long)st->voided,
	    (unsigned long long)st->voiding);
	buf_printf(out, "documents         %llu\n", (unsigned long long)st->documents);
	buf_printf(out, "attachments       %llu (%s)\n",
	    (unsigned long long)st->attachments, human(st->attachment_bytes, a));
	buf_printf(out, "map               %s used of %s now, %s at most\n",
	    human(st->map_used, a), human(st->map_size, b), human(st->map_max, c));
	buf_printf(out, "disk              %s (data.mdb)\n", human(st->disk_bytes, a));
	buf_puts(out, "\ndatabase          entries       bytes\n");
	for (i = 0; i < st->ndbs; i++)
		buf_printf(out, "%-16s %8llu  %10s\n", st->dbs[i].name,
		    (unsigned long long)st->dbs[i].entries,
		    human(st->dbs[i].bytes, a));
	buf_puts(out, "\ntop verbs\n");
	for (i = 0; i < st->nverbs; i++)
		buf_printf(out, "%10llu  %s\n", (unsigned long long)st->verbs[i].count,
		    st->verbs[i].id);
	buf_puts(out, "\ntop activities\n");
	for (i = 0; i < st->nactivities; i++)
		buf_printf(out, "%10llu  %s\n",
		    (unsigned long long)st->activities[i].count,
		    st->activities[i].id);
}
