/* tstate: JSON entities in LMDB with a per-batch cache. */
#include "tstate.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKET 4096

struct ent {
	char		*key;		/* kind byte + id */
	json		*j;		/* NULL: known absent or deleted */
	int		 dirty;
	/* The text LMDB holds for it as this cache last wrote it (NULL:
	 * not known): a flush writes nothing when j still dumps to it. */
	char		*text;
	size_t		 len;
	struct ent	*next;
};

static void
ent_free(struct ent *e)
{
	json_free(e->j);
	free(e->text);
	free(e->key);
	free(e);
}

/* One hash table per kind, so that listing a kind's cached entities
 * does not walk the others. */
struct tstate {
	MDB_dbi		 dbi;
	MDB_txn		*txn;
	MDB_txn		*otxn;		/* the overlay (tstate_defer) */
	MDB_dbi		 odbi;
	struct ent	**tab[256];	/* NBUCKET chains each, made on use */
	char		 through[256];	/* kinds written through at once */
};

static struct ent **
table(tstate *ts, int kind)
{
	unsigned char k = (unsigned char)kind;

	if (ts->tab[k] == NULL)
		ts->tab[k] = xcalloc(NBUCKET, sizeof(struct ent *));
	return ts->tab[k];
}

/* The bucket of the entity (kind, id): FNV-1a over the kind byte and id. */
static unsigned
hash(int kind, const char *id)
{
	unsigned h = (2166136261u ^ (unsigned char)kind) * 16777619u;

	while (*id)
		h = (h ^ (unsigned char)*id++) * 16777619u;
	return h % NBUCKET;
}

tstate *
tstate_new(MDB_dbi dbi)
{
	tstate *ts = xcalloc(1, sizeof(*ts));

	ts->dbi = dbi;
	return ts;
}

void
tstate_clear(tstate *ts)
{
	struct ent *e, *n;
	size_t i, k;

	for (k = 0; k < 256; k++) {
		for (i = 0; ts->tab[k] && i < NBUCKET; i++)
			for (e = ts->tab[k][i]; e; e = n) {
				n = e->next;
				ent_free(e);
			}
		free(ts->tab[k]);
		ts->tab[k] = NULL;
	}
}

void
tstate_free(tstate *ts)
{
	if (ts == NULL)
		return;
	tstate_clear(ts);
	free(ts);
}

void
tstate_bind(tstate *ts, MDB_txn *txn)
{
	ts->txn = txn;
}

void
tstate_defer(tstate *ts, MDB_txn *otxn, MDB_dbi odbi)
{
	ts->otxn = otxn;
	ts->odbi = odbi;
}

/* Write key's value (data NULL: delete it) where writes go: the bound
 * transaction, or the overlay, where a deletion is an empty value. */
static int
raw_put(tstate *ts, const char *key, const void *data, size_t len)
{
	MDB_val k = { strlen(key), (void *)key }, d = { len, (void *)data };
	int rc;

	if (ts->otxn)
		return mdb_put(ts->otxn, ts->odbi, &k, &d, 0);
	if (data == NULL) {
		rc = mdb_del(ts->txn, ts->dbi, &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	return mdb_put(ts->txn, ts->dbi, &k, &d, 0);
}

int
tstate_overlay_copy(MDB_txn *otxn, MDB_dbi odbi, MDB_txn *txn, MDB_dbi dbi,
    unsigned flags)
{
	MDB_cursor *c;
	MDB_val k, d;
	int rc;

	if ((rc = mdb_cursor_open(otxn, odbi, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (d.mv_size == 0) {
			rc = mdb_del(txn, dbi, &k, NULL);
			rc = rc == MDB_NOTFOUND ? 0 : rc;
		} else
			rc = mdb_put(txn, dbi, &k, &d, flags);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* --- reading LMDB under the overlay ---
 *
 * A merged cursor walks the bound transaction's keys and the overlay's
 * together in key order: where both hold a key the overlay's value
 * stands, and an empty one (a deletion) hides the key. */
struct mcur {
	MDB_cursor	*c[2];		/* the bound transaction's, the overlay's */
	MDB_val		 k[2], d[2];
	int		 rc[2];		/* 0 while positioned */
	int		 at;		/* the cursor whose key is current */
	MDB_txn		*txn;
	MDB_dbi		 dbi;
};

static int
mcur_open(tstate *ts, struct mcur *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->txn = ts->txn;
	m->dbi = ts->dbi;
	m->rc[0] = m->rc[1] = MDB_NOTFOUND;
	if ((rc = mdb_cursor_open(ts->txn, ts->dbi, &m->c[0])) != 0)
		return rc;
	if (ts->otxn && (rc = mdb_cursor_open(ts->otxn, ts->odbi,
	    &m->c[1])) != 0) {
		mdb_cursor_close(m->c[0]);
		m->c[0] = NULL;
	}
	return rc;
}

static void
mcur_close(struct mcur *m)
{
	if (m->c[0])
		mdb_cursor_close(m->c[0]);
	if (m->c[1])
		mdb_cursor_close(m->c[1]);
}

/* Move cursor i by op (an LMDB cursor op; MDB_SET_RANGE uses *k). */
static int
mcur_step(struct mcur *m, int i, int op, const MDB_val *k)
{
	if (m->c[i] == NULL)
		return 0;
	if (k)
		m->k[i] = *k;
	m->rc[i] = mdb_cursor_get(m->c[i], &m->k[i], &m->d[i], op);
	return m->rc[i] == MDB_NOTFOUND ? 0 : m->rc[i];
}

/* Settle on the next visible key: 0 with *k, *d, MDB_NOTFOUND at the
 * end, or an LMDB code. */
static int
mcur_settle(struct mcur *m, MDB_val *k, MDB_val *d)
{
	int c, rc;

	for (;;) {
		if (m->rc[0] != 0 && m->rc[1] != 0)
			return MDB_NOTFOUND;
		c = m->rc[0] != 0 ? 1 : m->rc[1] != 0 ? -1 :
		    mdb_cmp(m->txn, m->dbi, &m->k[0], &m->k[1]);
		/* The overlay shadows the same key underneath. */
		if (c == 0 && (rc = mcur_step(m, 0, MDB_NEXT, NULL)) != 0)
			return rc;
		m->at = c < 0 ? 0 : 1;
		if (m->at == 1 && m->d[1].mv_size == 0) {
			if ((rc = mcur_step(m, 1, MDB_NEXT, NULL)) != 0)
				return rc;
			continue;
		}
		*k = m->k[m->at];
		*d = m->d[m->at];
		return 0;
	}
}

/* The first visible key at or after *k. */
static int
mcur_seek(struct mcur *m, MDB_val *k, MDB_val *d)
{
	MDB_val want = *k;
	int rc;

	if ((rc = mcur_step(m, 0, MDB_SET_RANGE, &want)) != 0 ||
	    (rc = mcur_step(m, 1, MDB_SET_RANGE, &want)) != 0)
		return rc;
	return mcur_settle(m, k, d);
}

/* The visible key after the current one. */
static int
mcur_next(struct mcur *m, MDB_val *k, MDB_val *d)
{
	int rc;

	if ((rc = mcur_step(m, m->at, MDB_NEXT, NULL)) != 0)
		return rc;
	return mcur_settle(m, k, d);
}

static char *
make_key(int kind, const char *id)
{
	size_t n = strlen(id);
	char *k = xmalloc(n + 2);

	k[0] = (char)kind;
	memcpy(k + 1, id, n + 1);
	return k;
}

/* The cached entry of (kind, id), or NULL. */
static struct ent *
find_id(tstate *ts, int kind, const char *id)
{
	struct ent *e;

	for (e = table(ts, kind)[hash(kind, id)]; e; e = e->next)
		if (strcmp(e->key + 1, id) == 0)
			return e;
	return NULL;
}

/* Forget the cached entry of (kind, id), if any. */
static void
drop(tstate *ts, int kind, const char *id)
{
	struct ent **pp, *e;

	for (pp = &table(ts, kind)[hash(kind, id)]; (e = *pp) != NULL;
	    pp = &e->next)
		if (strcmp(e->key + 1, id) == 0) {
			*pp = e->next;
			ent_free(e);
			return;
		}
}

static struct ent *
add(tstate *ts, char *key, json *j)
{
	struct ent *e = xcalloc(1, sizeof(*e)), **t = table(ts, key[0]);
	unsigned h = hash(key[0], key + 1);

	e->key = key;
	e->j = j;
	e->next = t[h];
	t[h] = e;
	return e;
}

#define KEY_STACK	256

/* The key of entity (kind, id) (kind byte, id, NUL) in stack when it
 * fits, else allocated: free it when it is not stack. */
static char *
key_of(int kind, const char *id, char stack[KEY_STACK])
{
	size_t n = strlen(id);
	char *key = n + 2 <= KEY_STACK ? stack : xmalloc(n + 2);

	key[0] = (char)kind;
	memcpy(key + 1, id, n + 1);
	return key;
}

/* mdb_get of entity (kind, id) in database dbi of txn into *d. */
static int
get_raw(MDB_txn *txn, MDB_dbi dbi, int kind, const char *id, MDB_val *d)
{
	char stack[KEY_STACK], *key = key_of(kind, id, stack);
	MDB_val k = { strlen(id) + 1, key };
	int rc;

	rc = mdb_get(txn, dbi, &k, d);
	if (key != stack)
		free(key);
	return rc;
}

/* Stored text d as a tree: NULL for an empty one (an overlay's
 * deletion), or with *rc MDB_CORRUPTED when it does not parse. */
static json *
parse_val(const MDB_val *d, int *rc)
{
	json *j = NULL;

	*rc = 0;
	if (d->mv_size > 0 && json_parse_own(d->mv_data, d->mv_size, 1000,
	    &j) != 0)
		*rc = MDB_CORRUPTED;
	return j;
}

json *
tstate_read(MDB_txn *txn, MDB_dbi dbi, int kind, const char *id, int *rc)
{
	MDB_val d;

	if ((*rc = get_raw(txn, dbi, kind, id, &d)) != 0) {
		if (*rc == MDB_NOTFOUND)
			*rc = 0;
		return NULL;
	}
	return parse_val(&d, rc);
}

/* Entity (kind, id) as the overlay over the bound transaction has it. */
static json *
overlay_read(tstate *ts, int kind, const char *id, int *rc)
{
	MDB_val d;

	*rc = get_raw(ts->otxn, ts->odbi, kind, id, &d);
	if (*rc == MDB_NOTFOUND)
		return tstate_read(ts->txn, ts->dbi, kind, id, rc);
	return *rc == 0 ? parse_val(&d, rc) : NULL;
}

json *
tstate_get(tstate *ts, int kind, const char *id, int create, int *rc)
{
	struct ent *e = find_id(ts, kind, id);
	json *j = NULL;

	*rc = 0;
	if (e == NULL) {
		if (ts->otxn)
			j = overlay_read(ts, kind, id, rc);
		else if (ts->txn)
			j = tstate_read(ts->txn, ts->dbi, kind, id, rc);
		if (*rc != 0)
			return NULL;
		e = add(ts, make_key(kind, id), j);
	}
	if (e->j == NULL && create) {
		e->j = json_new(JSON_OBJECT);
		e->dirty = 1;
	}
	return e->j;
}

void
tstate_dirty(tstate *ts, int kind, const char *id)
{
	struct ent *e = find_id(ts, kind, id);

	if (e)
		e->dirty = 1;	/* never read: nothing to write */
}

int
tstate_del(tstate *ts, int kind, const char *id)
{
	return tstate_put(ts, kind, id, NULL);
}

/* Write e's text b unless LMDB holds it already (an entity marked
 * changed that came back to what it was, such as a learner whose new
 * evidence left its awards as they were): a group commit then writes
 * no page for it. */
static int
write_changed(tstate *ts, struct ent *e, const struct buf *b)
{
	int rc;

	if (e->text && e->len == b->len && memcmp(e->text, b->p, b->len) == 0)
		return 0;
	if ((rc = raw_put(ts, e->key, b->p, b->len)) != 0)
		return rc;
	free(e->text);
	e->text = xmalloc(b->len ? b->len : 1);
	memcpy(e->text, b->p, b->len);
	e->len = b->len;
	return 0;
}

int
tstate_flush(tstate *ts)
{
	struct buf b = BUF_INIT;
	struct ent *e, **pp;
	size_t i, t;
	int rc = 0;

	if (ts->txn == NULL)
		return 0;
	for (t = 0; t < 256; t++)
	for (i = 0; ts->tab[t] && i < NBUCKET && rc == 0; i++)
		for (pp = &ts->tab[t][i]; (e = *pp) != NULL && rc == 0; ) {
			if (e->dirty && e->j == NULL)
				rc = raw_put(ts, e->key, NULL, 0);
			else if (e->dirty) {
				buf_reset(&b);
				json_dump(e->j, &b);
				rc = write_changed(ts, e, &b);
			}
			if (rc == 0)
				e->dirty = 0;
			/* An absent entity is as absent in LMDB now: forget
			 * it, or deletions pile up in the cache. */
			if (rc == 0 && e->j == NULL) {
				*pp = e->next;
				ent_free(e);
			} else
				pp = &e->next;
		}
	buf_free(&b);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add id unless present (ids sorted at the end, so a linear check of the
 * cached ones only). */
static void
push_id(char ***ids, size_t *n, size_t *cap, const char *id, size_t len)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*ids = xrealloc(*ids, *cap * sizeof(**ids));
	}
	(*ids)[(*n)++] = xstrndup(id, len);
}

/* The ids of kind that begin with prefix and, when hi is set, sort below
 * hi: stored ones from a range scan, cached ones merged in. */
static int
collect(tstate *ts, int kind, const char *prefix, const char *hi,
    char ***ids, size_t *n)
{
	struct mcur m;
	size_t plen = prefix ? strlen(prefix) : 0, cap = 0, i, j;
	char *kp = make_key(kind, prefix ? prefix : "");
	char *kh = hi ? make_key(kind, hi) : NULL;
	MDB_val k = { plen + 1, kp }, d;
	struct ent *e, *ce;
	int rc = 0;

	*ids = NULL;
	*n = 0;
	if (ts->txn) {
		if ((rc = mcur_open(ts, &m)) != 0)
			goto out;
		for (rc = mcur_seek(&m, &k, &d); rc == 0;
		    rc = mcur_next(&m, &k, &d)) {
			if (k.mv_size < plen + 1 ||
			    memcmp(k.mv_data, kp, plen + 1) != 0)
				break;
			if (kh && (k.mv_size >= strlen(kh) ?
			    memcmp(k.mv_data, kh, strlen(kh)) >= 0 :
			    memcmp(k.mv_data, kh, k.mv_size) > 0))
				break;
			push_id(ids, n, &cap, (char *)k.mv_data + 1,
			    k.mv_size - 1);
		}
		mcur_close(&m);
		if (rc != MDB_NOTFOUND && rc != 0)
			goto out;
		rc = 0;
	}
	/* Written-through kinds are all in LMDB already (and cached
	 * deletions are deleted there too): no need to walk the cache. */
	for (i = 0; ts->tab[(unsigned char)kind] && i < NBUCKET &&
	    !(ts->through[(unsigned char)kind] && ts->txn); i++)
		for (e = ts->tab[(unsigned char)kind][i]; e; e = e->next)
			if (strncmp(e->key, kp, plen + 1) == 0 &&
			    (kh == NULL || strcmp(e->key, kh) < 0))
				push_id(ids, n, &cap, e->key + 1,
				    strlen(e->key + 1));
	if (*n > 1)
		qsort(*ids, *n, sizeof(**ids), cmp_str);
	/* Drop duplicates and entities deleted (or absent) in the cache. */
	for (i = j = 0; i < *n; i++) {
		if (j > 0 && strcmp((*ids)[j - 1], (*ids)[i]) == 0) {
			free((*ids)[i]);
			continue;
		}
		ce = find_id(ts, kind, (*ids)[i]);
		if (ce && ce->j == NULL) {
			free((*ids)[i]);
			continue;
		}
		(*ids)[j++] = (*ids)[i];
	}
	*n = j;
out:
	free(kp);
	free(kh);
	return rc;
}

int
tstate_ids(tstate *ts, int kind, const char *prefix, char ***ids, size_t *n)
{
	return collect(ts, kind, prefix, NULL, ids, n);
}

int
tstate_ids_below(tstate *ts, int kind, const char *hi, char ***ids,
    size_t *n)
{
	return collect(ts, kind, NULL, hi, ids, n);
}

/* Whether stored key k (kind byte first) lies below bound key kh. */
static int
below(const MDB_val *k, const char *kh)
{
	size_t n = strlen(kh);
	int c = memcmp(k->mv_data, kh, k->mv_size < n ? k->mv_size : n);

	return c < 0 || (c == 0 && k->mv_size < n);
}

/* tstate_scan without a transaction: the cached entities, in order. */
static int
scan_cache(tstate *ts, int kind, const char *lo, const char *hi,
    int (*fn)(void *, const char *, const json *), void *arg)
{
	char **ids;
	size_t n, i;
	int rc, r = 0;
	json *j;

	if ((rc = collect(ts, kind, NULL, hi, &ids, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (r == 0 && strcmp(ids[i], lo) >= 0 &&
		    (j = tstate_get(ts, kind, ids[i], 0, &rc)) != NULL)
			r = fn(arg, ids[i], j);
		free(ids[i]);
	}
	free(ids);
	return r;
}

/* Position m on the first stored key of kind in [lo, hi) (first) or on
 * the next one, and parse nothing: 0 with *k set, MDB_NOTFOUND, or an
 * LMDB code. */
static int
seek(struct mcur *m, int first, const char *kl, const char *kh, MDB_val *k,
    MDB_val *d)
{
	int rc = first ? mcur_seek(m, k, d) : mcur_next(m, k, d);

	if (rc == 0 && (k->mv_size == 0 || *(char *)k->mv_data != *kl ||
	    (kh && !below(k, kh))))
		rc = MDB_NOTFOUND;
	return rc;
}

int
tstate_scan(tstate *ts, int kind, const char *lo, const char *hi,
    int (*fn)(void *arg, const char *id, const json *j), void *arg)
{
	char *kl = make_key(kind, lo), *kh = hi ? make_key(kind, hi) : NULL;
	char *id = NULL;
	struct mcur m;
	MDB_val k = { strlen(kl), kl }, d;
	json *j;
	int rc, first = 1, open = 0;

	if (ts->txn == NULL) {
		rc = scan_cache(ts, kind, lo, hi, fn, arg);
		goto out;
	}
	if ((rc = mcur_open(ts, &m)) != 0)
		goto out;
	open = 1;
	for (; (rc = seek(&m, first, kl, kh, &k, &d)) == 0; first = 0) {
		if (json_parse_own_block(d.mv_data, d.mv_size, 1000, &j) != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		id = xrealloc(id, k.mv_size);
		memcpy(id, (char *)k.mv_data + 1, k.mv_size - 1);
		id[k.mv_size - 1] = '\0';
		rc = fn(arg, id, j);
		json_free(j);
		if (rc != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
out:
	if (open)
		mcur_close(&m);
	free(id);
	free(kl);
	free(kh);
	return rc;
}

struct first {
	char	*id;
	size_t	 size;
	int	 found;
};

static int
first_fn(void *arg, const char *id, const json *j)
{
	struct first *f = arg;

	(void)j;
	if (strlen(id) >= f->size)
		return 1;
	memcpy(f->id, id, strlen(id) + 1);
	f->found = 1;
	return 1;
}

int
tstate_first(tstate *ts, int kind, const char *lo, const char *hi,
    char *id, size_t size)
{
	char *kl = make_key(kind, lo), *kh = hi ? make_key(kind, hi) : NULL;
	struct first f = { id, size, 0 };
	struct mcur m;
	MDB_val k = { strlen(kl), kl }, d;
	int rc;

	if (ts->txn == NULL) {
		rc = scan_cache(ts, kind, lo, hi, first_fn, &f);
		rc = rc == 1 && f.found ? 0 : rc == 0 || rc == 1 ? MDB_NOTFOUND :
		    rc;
	} else if ((rc = mcur_open(ts, &m)) == 0) {
		if ((rc = seek(&m, 1, kl, kh, &k, &d)) == 0 &&
		    k.mv_size > size)
			rc = MDB_NOTFOUND;
		else if (rc == 0) {
			memcpy(id, (char *)k.mv_data + 1, k.mv_size - 1);
			id[k.mv_size - 1] = '\0';
		}
		mcur_close(&m);
	}
	free(kl);
	free(kh);
	return rc;
}

void
tstate_write_through(tstate *ts, const char *kinds)
{
	for (; *kinds; kinds++)
		ts->through[(unsigned char)*kinds] = 1;
}

/* Write (or delete, j NULL) entity key in the bound transaction now. */
static int
write_now(tstate *ts, const char *key, const json *j)
{
	struct buf b = BUF_INIT;
	int rc;

	if (j == NULL)
		return raw_put(ts, key, NULL, 0);
	json_dump(j, &b);
	rc = raw_put(ts, key, b.p, b.len);
	buf_free(&b);
	return rc;
}

int
tstate_put(tstate *ts, int kind, const char *id, json *j)
{
	struct ent *e;
	char stack[KEY_STACK], *key;
	int rc;

	/* Written through, it is not cached: LMDB answers for it. */
	if (ts->through[(unsigned char)kind] && ts->txn) {
		drop(ts, kind, id);
		key = key_of(kind, id, stack);
		rc = write_now(ts, key, j);
		if (key != stack)
			free(key);
		json_free(j);
		return rc;
	}
	if ((e = find_id(ts, kind, id)) == NULL)
		e = add(ts, make_key(kind, id), NULL);
	json_free(e->j);
	e->j = j;
	e->dirty = 1;
	return 0;
}

void
tstate_evict(tstate *ts, const char *kinds)
{
	struct ent **pp, *e;
	size_t i;
	unsigned char k;

	if (ts->txn == NULL)
		return;		/* memory only: the cache is the state */
	for (; *kinds; kinds++)
	for (k = (unsigned char)*kinds, i = 0; ts->tab[k] && i < NBUCKET; i++)
		for (pp = &ts->tab[k][i]; (e = *pp) != NULL; ) {
			if (!e->dirty) {
				*pp = e->next;
				ent_free(e);
			} else
				pp = &e->next;
		}
}
