/* import: statements from a dump into a store. */
#include "import.h"

#include "iso8601.h"
#include "json.h"
#include "sha2.h"
#include "stmt.h"
#include "stmtfmt.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uuid/uuid.h>

#define MAX_DEPTH	72
#define PAYLOAD_MAX	((size_t)1 << 30)

/* One JSON value of the input: a line, or the whole input. */
struct unit {
	size_t		off, len;
	uint64_t	line;
};

enum { IT_NEW, IT_SKIP, IT_BAD };

/* One statement of the input. */
struct item {
	size_t		unit;
	long		index;		/* in the unit's array, -1: the unit */
	uint8_t		id[16];
	int64_t		stored;		/* restore */
	int		state;
};

struct importer {
	const struct import_opts *o;
	struct import_result	*res;
	char			*text;		/* the input */
	size_t			 len;
	int			 mapped;
	int			 borrowed;	/* text is the caller's */
	struct unit		*units;
	size_t			 nunits;
	struct item		*items;
	size_t			 nitems, cap;
	uint32_t		*ids;		/* item + 1 by id, open addressing */
	size_t			 idcap;
	size_t			 cunit;		/* the unit parsed in cdoc */
	json			*cdoc;
	store_read		*rd;		/* pass 1's read, renewed */
	size_t			 reads;
	int64_t			 last_stored;	/* restore order */
	char			*err;
	size_t			 errlen;
};

/* Report a problem with item it (or line when it is NULL). */
static void
problem(struct importer *x, const struct item *it, uint64_t line,
    const char *fmt, ...)
{
	char where[64], what[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (it)
		line = x->units[it->unit].line;
	if (it && it->index >= 0)
		snprintf(where, sizeof(where), "line %llu, statement %ld",
		    (unsigned long long)line, it->index);
	else
		snprintf(where, sizeof(where), "line %llu",
		    (unsigned long long)line);
	x->o->problem(x->o->problem_arg, where, what);
}

/* --- reading the input --- */

/* The whole of fd into x->text: mapped when it is a file. */
static int
load(struct importer *x, int fd)
{
	struct stat sb;
	size_t cap = 1 << 16;
	ssize_t n;

	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		x->text = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE,
		    fd, 0);
		if (x->text == MAP_FAILED) {
			x->text = NULL;
			return -1;
		}
		x->len = (size_t)sb.st_size;
		x->mapped = 1;
		return 0;
	}
	x->text = xmalloc(cap);
	while ((n = read(fd, x->text + x->len, cap - x->len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		x->len += (size_t)n;
		if (x->len == cap)
			x->text = xrealloc(x->text, cap *= 2);
	}
	return 0;
}

static int
blank(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++, n--;
	return n == 0;
}

static void
add_unit(struct importer *x, size_t off, size_t len, uint64_t line)
{
	x->units = xrealloc(x->units, (x->nunits + 1) * sizeof(*x->units));
	x->units[x->nunits].off = off;
	x->units[x->nunits].len = len;
	x->units[x->nunits++].line = line;
}

/* Cut the input into units: its lines, or the whole when the first line
 * is not JSON by itself (a pretty-printed document). */
static void
split(struct importer *x)
{
	size_t off = 0, end;
	uint64_t line = 1;
	const char *nl;
	json *first = NULL;

	for (; off < x->len; off = end + 1, line++) {
		nl = memchr(x->text + off, '\n', x->len - off);
		end = nl ? (size_t)(nl - x->text) : x->len;
		if (blank(x->text + off, end - off))
			continue;
		if (x->nunits == 0 && json_parse(x->text + off, end - off,
		    MAX_DEPTH, &first, NULL, 0) != 0) {
			add_unit(x, 0, x->len, 1);
			return;
		}
		json_free(first);
		first = NULL;
		add_unit(x, off, end - off, line);
	}
}

/* Unit u parsed (kept in x->cdoc until the next unit is asked for);
 * NULL with err set when it is not JSON. */
static json *
unit_doc(struct importer *x, size_t u, char *err, size_t errlen)
{
	if (x->cdoc && x->cunit == u)
		return x->cdoc;
	json_free(x->cdoc);
	x->cdoc = NULL;
	if (json_parse(x->text + x->units[u].off, x->units[u].len, MAX_DEPTH,
	    &x->cdoc, err, errlen) != 0)
		return NULL;
	x->cunit = u;
	return x->cdoc;
}

/* The statements a unit holds: its array, a page's "statements", or
 * itself (*n = 0 then, and NULL for what is none of these). */
static const json *
unit_list(const json *doc, size_t *n)
{
	const json *list = doc;

	*n = 0;
	if (doc->type == JSON_OBJECT && json_get(doc, "actor") == NULL &&
	    (list = json_get(doc, "statements")) != NULL &&
	    list->type == JSON_ARRAY) {
		*n = list->n;
		return list;
	}
	if (doc->type == JSON_ARRAY) {
		*n = doc->n;
		return doc;
	}
	return doc->type == JSON_OBJECT ? doc : NULL;
}

/* Item it's statement inside its unit's tree (owned by x->cdoc). */
static json *
item_stmt(struct importer *x, const struct item *it)
{
	json *doc = unit_doc(x, it->unit, NULL, 0);
	size_t n;
	const json *list;

	if (doc == NULL || (list = unit_list(doc, &n)) == NULL)
		return NULL;
	return it->index < 0 ? doc : list->vals[it->index];
}

/* --- pass 1: checking --- */

/* The version a statement is validated and completed by. */
static enum xapi_version
stmt_version(const struct importer *x, const json *st)
{
	const char *v = json_get_str(st, "version");

	if (v == NULL)
		return x->o->version;
	return strncmp(v, "2.", 2) == 0 ? XAPI_V2 : XAPI_V1;
}

/* Payload file sha2 of the attachments directory: 1 when there and
 * matching, 0 when absent, -1 (reported) when it differs or fails. */
static int
check_payload(struct importer *x, const struct item *it, size_t k,
    const char *sha2, char **data, size_t *len)
{
	char path[4096], got[129];
	int fd, rc = -1;
	struct stat sb;
	ssize_t n;

	*data = NULL;
	snprintf(path, sizeof(path), "%s/%s", x->o->attachments, sha2);
	if (strchr(sha2, '/') || (fd = open(path, O_RDONLY)) < 0)
		return 0;
	if (fstat(fd, &sb) != 0 || (size_t)sb.st_size > PAYLOAD_MAX) {
		problem(x, it, 0, "attachments[%zu]: cannot read %s", k, path);
		goto out;
	}
	*len = (size_t)sb.st_size;
	*data = xmalloc(*len ? *len : 1);
	if ((n = read(fd, *data, *len)) < 0 || (size_t)n != *len) {
		problem(x, it, 0, "attachments[%zu]: cannot read %s", k, path);
		goto out;
	}
	if (sha2_hex(*data, *len, strlen(sha2), got) != 0 ||
	    strcasecmp(got, sha2) != 0) {
		problem(x, it, 0, "attachments[%zu]: the payload %s does not match its sha2",
		    k, path);
		goto out;
	}
	rc = 1;
out:
	close(fd);
	if (rc != 1) {
		free(*data);
		*data = NULL;
	}
	return rc;
}

/* Each attachment of st: its payload file checked (and handed to fn with
 * arg when fn is given).  -1 when one is bad (reported). */
static int
each_payload(struct importer *x, const struct item *it, const json *st,
    void (*fn)(void *, const char *, char *, size_t), void *arg)
{
	const json *atts = json_get(st, "attachments");
	const char *sha2;
	char *data;
	size_t k, len;
	int rc;

	for (k = 0; atts && atts->type == JSON_ARRAY && k < atts->n; k++) {
		sha2 = json_get_str(atts->vals[k], "sha2");
		if (sha2 == NULL || x->o->attachments == NULL) {
			x->res->missing++;
			continue;
		}
		if ((rc = check_payload(x, it, k, sha2, &data, &len)) < 0)
			return -1;
		if (rc == 0) {
			x->res->missing++;
			continue;
		}
		x->res->payloads++;
		if (fn)
			fn(arg, sha2, data, len);
		else
			free(data);
	}
	return 0;
}

/* The slot of id in the id table (empty or holding id). */
static size_t
id_slot(struct importer *x, const uint8_t id[16])
{
	size_t h, mask = x->idcap - 1;

	memcpy(&h, id, sizeof(h));
	for (h &= mask; x->ids[h] &&
	    memcmp(x->items[x->ids[h] - 1].id, id, 16) != 0; h = (h + 1) & mask)
		;
	return h;
}

/* Remember item i by its id; the earlier item with that id, or NULL. */
static struct item *
id_seen(struct importer *x, size_t i)
{
	size_t k, slot;

	if (2 * (x->nitems + 1) > x->idcap) {
		free(x->ids);
		x->idcap = x->idcap ? 2 * x->idcap : 1024;
		x->ids = xcalloc(x->idcap, sizeof(*x->ids));
		for (k = 0; k < i; k++)
			if (x->items[k].state != IT_BAD)
				x->ids[id_slot(x, x->items[k].id)] = (uint32_t)k + 1;
	}
	slot = id_slot(x, x->items[i].id);
	if (x->ids[slot])
		return &x->items[x->ids[slot] - 1];
	x->ids[slot] = (uint32_t)i + 1;
	return NULL;
}

/* Compare st with the statement stored under its id: the same is
 * skipped, another a conflict (reported).  -1 on a store failure. */
static int
check_stored(struct importer *x, struct item *it, const json *st)
{
	const char *text;
	size_t len;
	int voided, rc;
	int64_t stored;
	json *prev = NULL;

	if (x->o->st == NULL)
		return 0;
	if (x->rd == NULL || ++x->reads % 1000 == 0) {
		store_read_end(x->rd);
		if ((rc = store_read_begin(x->o->st, &x->rd)) != STORE_OK) {
			x->rd = NULL;
			snprintf(x->err, x->errlen, "cannot read the store: %s",
			    store_strerror(rc));
			return -1;
		}
	}
	rc = store_get(x->rd, it->id, &text, &len, &voided, &stored);
	if (rc == STORE_ENOTFOUND)
		return 0;
	if (rc != STORE_OK || json_parse(text, len, MAX_DEPTH, &prev, NULL,
	    0) != 0) {
		snprintf(x->err, x->errlen, "cannot read the store: %s",
		    store_strerror(rc ? rc : STORE_ECORRUPT));
		return -1;
	}
	if (stmtfmt_equivalent(prev, st))
		it->state = IT_SKIP;
	else {
		problem(x, it, 0, "statement id %s is stored already with different content",
		    json_get_str(st, "id"));
		it->state = IT_BAD;
		x->res->conflicts++;
	}
	json_free(prev);
	return 0;
}

/* A repeated id within the dump: the same statement again is skipped,
 * another is a conflict.  st is the current tree (x->cdoc's). */
static void
check_repeat(struct importer *x, struct item *it, struct item *first)
{
	json *now = json_clone(item_stmt(x, it)), *was = item_stmt(x, first);
	char text[37];

	if (was && stmtfmt_equivalent(was, now))
		it->state = IT_SKIP;
	else {
		uuid_unparse_lower(it->id, text);
		problem(x, it, 0, "statement id %s appears before (line %llu) with different content",
		    text, (unsigned long long)x->units[first->unit].line);
		it->state = IT_BAD;
		x->res->conflicts++;
	}
	json_free(now);
	/* Back to the unit being checked. */
	item_stmt(x, it);
}

/* The id and, for a restore, the stored time of item it. */
static int
check_ids(struct importer *x, struct item *it, const json *st)
{
	const char *id = json_get_str(st, "id"), *stored;

	if (id)
		uuid_parse(id, it->id);
	else if (x->o->restore) {
		problem(x, it, 0, "a restore needs every statement's id");
		return -1;
	} else
		uuid_generate_random(it->id);
	if (!x->o->restore)
		return 0;
	stored = json_get_str(st, "stored");
	if (stored == NULL || iso8601_parse(stored, strlen(stored), 0,
	    &it->stored) != 0) {
		problem(x, it, 0, "a restore needs every statement's stored time");
		return -1;
	}
	return 0;
}

/* A restored statement new to the store must not be stored earlier than
 * the one before it. */
static void
check_order(struct importer *x, struct item *it, const json *st)
{
	if (!x->o->restore || it->state != IT_NEW)
		return;
	if (it->stored >= x->last_stored) {
		x->last_stored = it->stored;
		return;
	}
	problem(x, it, 0, "stored %s is earlier than the statement before it (or the last one in the store): a restore needs store order, as export writes it",
	    json_get_str(st, "stored"));
	it->state = IT_BAD;
	x->res->invalid++;
}

/* Check item it (statement st) as pass 1 does. -1 on a store failure. */
static int
check_item(struct importer *x, struct item *it, const json *st)
{
	char msg[512];
	struct item *first;

	if (st->type != JSON_OBJECT) {
		problem(x, it, 0, "not a statement object");
		goto bad;
	}
	if (stmt_validate(st, stmt_version(x, st), msg, sizeof(msg)) !=
	    STMT_OK) {
		problem(x, it, 0, "%s", msg);
		goto bad;
	}
	if (check_ids(x, it, st) != 0 || each_payload(x, it, st, NULL,
	    NULL) != 0)
		goto bad;
	if ((first = id_seen(x, (size_t)(it - x->items))) != NULL) {
		check_repeat(x, it, first);
		return 0;
	}
	if (check_stored(x, it, st) != 0)
		return -1;
	check_order(x, it, st);
	return 0;
bad:
	it->state = IT_BAD;
	x->res->invalid++;
	return 0;
}

static struct item *
new_item(struct importer *x, size_t u, long index)
{
	struct item *it;

	if (x->nitems == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 1024;
		x->items = xrealloc(x->items, x->cap * sizeof(*x->items));
	}
	it = &x->items[x->nitems++];
	memset(it, 0, sizeof(*it));
	it->unit = u;
	it->index = index;
	x->res->read++;
	return it;
}

/* Check the statements of unit u. -1 on a store failure. */
static int
check_unit(struct importer *x, size_t u)
{
	const json *doc, *list;
	struct item *it;
	char msg[256];
	size_t n, k;

	if ((doc = unit_doc(x, u, msg, sizeof(msg))) == NULL ||
	    (list = unit_list(doc, &n)) == NULL) {
		problem(x, NULL, x->units[u].line, "%s", doc ? "not a statement, an array of statements or a page of statements" : msg);
		x->res->read++;
		x->res->invalid++;
		return 0;
	}
	if (list == doc && doc->type == JSON_OBJECT)
		return check_item(x, new_item(x, u, -1), doc);
	/* A repeated id may parse another unit: fetch each one anew. */
	for (k = 0; k < n; k++) {
		it = new_item(x, u, (long)k);
		if (check_item(x, it, item_stmt(x, it)) != 0)
			return -1;
	}
	return 0;
}

/* The stored time of the store's last statement (restore order). */
static int
last_stored(struct importer *x)
{
	struct store_entry e;
	store_read *r;
	int rc;

	x->last_stored = 0;
	if ((rc = store_read_begin(x->o->st, &r)) != STORE_OK)
		goto out;
	if (store_last_seq(r) && (rc = store_entry_at(store_read_txn(r),
	    x->o->st, store_last_seq(r), &e)) == STORE_OK)
		x->last_stored = e.stored;
	store_read_end(r);
out:
	if (rc != STORE_OK)
		snprintf(x->err, x->errlen, "cannot read the store: %s",
		    store_strerror(rc));
	return rc;
}

static int
pass_check(struct importer *x)
{
	size_t u;
	int rc = 0;

	if (x->o->restore && x->o->st && last_stored(x) != STORE_OK)
		return -1;
	for (u = 0; u < x->nunits && rc == 0; u++) {
		rc = check_unit(x, u);
		if (x->o->progress)
			x->o->progress(x->o->progress_arg, 0, u + 1, x->nunits);
	}
	store_read_end(x->rd);
	x->rd = NULL;
	return rc;
}

/* --- pass 2: storing --- */

/* A batch being gathered. */
struct batch {
	json			**stmts;
	uint8_t			(*ids)[16];
	int64_t			 *stored;
	struct store_blob	 *blobs;
	char			**sha2s;	/* the blobs' names, owned */
	size_t			  n, nblobs, cap, bcap;
	char			 *key;		/* its authority key */
};

static void
batch_reset(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		json_free(b->stmts[i]);
	for (i = 0; i < b->nblobs; i++) {
		free((void *)b->blobs[i].data);
		free(b->sha2s[i]);
	}
	free(b->key);
	b->key = NULL;
	b->n = b->nblobs = 0;
}

static void
batch_free(struct batch *b)
{
	batch_reset(b);
	free(b->stmts);
	free(b->ids);
	free(b->stored);
	free(b->blobs);
	free(b->sha2s);
}

static void
add_blob(void *arg, const char *sha2, char *data, size_t len)
{
	struct batch *b = arg;

	if (b->nblobs == b->bcap) {
		b->bcap = b->bcap ? 2 * b->bcap : 16;
		b->blobs = xrealloc(b->blobs, b->bcap * sizeof(*b->blobs));
		b->sha2s = xrealloc(b->sha2s, b->bcap * sizeof(*b->sha2s));
	}
	b->sha2s[b->nblobs] = xstrdup(sha2);
	b->blobs[b->nblobs].sha2 = b->sha2s[b->nblobs];
	b->blobs[b->nblobs].data = data;
	b->blobs[b->nblobs++].len = len;
}

/* The credential key a restored statement's authority names (for
 * read/mine), when it is one of this LRS's; else NULL.  Owned by st. */
static const char *
restored_key(const struct importer *x, const json *st)
{
	const json *acct = json_get(json_get(st, "authority"), "account");

	if (!json_is_str(json_get(acct, "homePage"), x->o->authority_home))
		return NULL;
	return json_get_str(acct, "name");
}

/* Make st what a POST (or, restoring, the dump) would have stored. */
static void
complete(const struct importer *x, json *st, const struct item *it)
{
	json *a, *acct;
	char text[37];

	if (!x->o->restore) {
		uuid_unparse_lower(it->id, text);
		json_set(st, "id", json_new_str(text));
		a = json_new(JSON_OBJECT);
		acct = json_new(JSON_OBJECT);
		json_set(a, "objectType", json_new_str("Agent"));
		json_set(acct, "homePage", json_new_str(x->o->authority_home));
		json_set(acct, "name", json_new_str(x->o->authority_key));
		json_set(a, "account", acct);
		json_set(st, "authority", a);
	}
	stmt_normalize(st);
	if (json_get(st, "version") == NULL)
		json_set(st, "version", json_new_str(x->o->version == XAPI_V2 ?
		    "2.0.0" : "1.0.0"));
}

/* Hand batch b to o->send. */
static int
batch_send(struct importer *x, struct batch *b)
{
	int rc;

	rc = x->o->send(x->o->send_arg, b->stmts, b->n, x->res, x->err,
	    x->errlen);
	if (rc == IMPORT_OK)
		batch_reset(b);
	return rc;
}

/* Store batch b; reports a conflict met on the way.  An IMPORT_ code. */
static int
batch_put(struct importer *x, struct batch *b)
{
	struct store_write w;
	int rc;

	if (b->n == 0)
		return IMPORT_OK;
	if (x->o->st == NULL)
		return batch_send(x, b);
	memset(&w, 0, sizeof(w));
	w.stmts = b->stmts;
	w.n = b->n;
	w.ids = (const uint8_t (*)[16])b->ids;
	w.blobs = b->blobs;
	w.nblobs = b->nblobs;
	w.authority_key = x->o->restore ? b->key : x->o->authority_key;
	w.stored = x->o->restore ? b->stored : NULL;
	if ((rc = store_put(x->o->st, &w)) == STORE_OK) {
		x->res->stored += b->n;
		batch_reset(b);
		return IMPORT_OK;
	}
	snprintf(x->err, x->errlen, "%s%s%s: nothing of this batch of %zu was stored",
	    store_strerror(rc), w.conflict >= 0 ? " at statement " : "",
	    w.conflict >= 0 ? json_get_str(b->stmts[w.conflict], "id") : "",
	    b->n);
	return rc == STORE_ECONFLICT || rc == STORE_EORDER ? IMPORT_ECONFLICT :
	    IMPORT_ESTORE;
}

/* Nonzero when a restore sent elsewhere meets another authority than
 * batch b's: the receiver stores one authority per write (store.h), so a
 * batch of one authority stays one atomic write there. */
static int
other_authority(const struct importer *x, const struct batch *b,
    const json *st)
{
	if (x->o->st || !x->o->restore || b->n == 0)
		return 0;
	return !json_equal(json_get(st, "authority"),
	    json_get(b->stmts[0], "authority"));
}

/* Add item it to batch b (storing b first when it is full, or when a
 * restore meets another authority). */
static int
batch_add(struct importer *x, struct batch *b, const struct item *it)
{
	json *st = json_clone(item_stmt(x, it));
	const char *key = x->o->restore && x->o->st ? restored_key(x, st) :
	    NULL;
	int rc;

	if (b->n == x->o->batch || (b->n && ((key == NULL) !=
	    (b->key == NULL) || (key && strcmp(key, b->key) != 0))) ||
	    other_authority(x, b, st)) {
		if ((rc = batch_put(x, b)) != IMPORT_OK) {
			json_free(st);
			return rc;
		}
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->stmts = xrealloc(b->stmts, b->cap * sizeof(*b->stmts));
		b->ids = xrealloc(b->ids, b->cap * sizeof(*b->ids));
		b->stored = xrealloc(b->stored, b->cap * sizeof(*b->stored));
	}
	if (b->n == 0 && key)
		b->key = xstrdup(key);
	/* Sent as the input has it: the receiver completes it. */
	if (x->o->st)
		complete(x, st, it);
	b->stmts[b->n] = st;
	memcpy(b->ids[b->n], it->id, 16);
	b->stored[b->n++] = it->stored;
	if (x->o->st && each_payload(x, it, st, add_blob, b) != 0) {
		snprintf(x->err, x->errlen, "a payload file changed during the import");
		return IMPORT_ESTORE;
	}
	return IMPORT_OK;
}

static int
pass_store(struct importer *x)
{
	struct batch b;
	uint64_t todo = 0, done = 0, skipped = x->res->skipped;
	size_t i;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < x->nitems; i++)
		todo += x->items[i].state == IT_NEW;
	for (i = 0; i < x->nitems && rc == 0; i++) {
		if (x->items[i].state != IT_NEW)
			continue;
		rc = batch_add(x, &b, &x->items[i]);
		if (x->o->progress && ++done % 100 == 0)
			x->o->progress(x->o->progress_arg, 1, x->res->stored +
			    x->res->skipped - skipped, todo);
	}
	if (rc == 0)
		rc = batch_put(x, &b);
	if (x->o->progress)
		x->o->progress(x->o->progress_arg, 1, x->res->stored +
		    x->res->skipped - skipped, todo);
	batch_free(&b);
	return rc;
}

static void
importer_free(struct importer *x)
{
	if (x->mapped)
		munmap(x->text, x->len);
	else if (!x->borrowed)
		free(x->text);
	free(x->units);
	free(x->items);
	free(x->ids);
	json_free(x->cdoc);
	store_read_end(x->rd);
}

/* Both passes over x's input (named name in err). */
static int
import_input(struct importer *x, const char *name)
{
	const struct import_opts *o = x->o;
	struct import_result *res = x->res;
	size_t i;
	int rc, prc;

	split(x);
	if (x->nunits == 0) {
		snprintf(x->err, x->errlen, "%s holds no statements", name);
		return IMPORT_EINPUT;
	}
	if (pass_check(x) != 0)
		return IMPORT_ESTORE;
	/* Payloads are counted again as they are stored. */
	res->payloads = 0;
	res->missing = 0;
	for (i = 0; i < x->nitems; i++)
		res->skipped += x->items[i].state == IT_SKIP;
	rc = res->invalid + res->conflicts ? IMPORT_EINVALID : IMPORT_OK;
	if (rc != IMPORT_OK && !o->skip_invalid)
		return rc;
	if ((prc = pass_store(x)) != IMPORT_OK)
		return prc;
	return rc;
}

int
import_text(const struct import_opts *o, const char *name, const char *text,
    size_t len, struct import_result *res, char *err, size_t errlen)
{
	struct importer x;
	int rc;

	memset(&x, 0, sizeof(x));
	memset(res, 0, sizeof(*res));
	x.o = o;
	x.res = res;
	x.err = err;
	x.errlen = errlen;
	/* Read only: the importer never writes its input. */
	x.text = (char *)(uintptr_t)text;
	x.len = len;
	x.borrowed = 1;
	rc = import_input(&x, name);
	importer_free(&x);
	return rc;
}

int
import_run(const struct import_opts *o, const char *path,
    struct import_result *res, char *err, size_t errlen)
{
	struct importer x;
	int fd, rc;

	memset(&x, 0, sizeof(x));
	memset(res, 0, sizeof(*res));
	x.o = o;
	x.res = res;
	x.err = err;
	x.errlen = errlen;
	fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
	if (fd < 0 || load(&x, fd) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		if (fd > 0)
			close(fd);
		importer_free(&x);
		return IMPORT_EINPUT;
	}
	if (fd > 0)
		close(fd);
	rc = import_input(&x, path);
	importer_free(&x);
	return rc;
}
