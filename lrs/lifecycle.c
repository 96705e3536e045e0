/* lifecycle: purge and erasure in chunks, with dry runs and audit
 * records (see lifecycle.h). */
#include "iso8601.h"
#include "lifecycle.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct life {
	store		*st;
	docstore	*ds;
	audit		*au;
	life_changed_fn	 changed;
	void		*arg;
};

/* One chunk of removals, run by the store's writer. */
struct chunk {
	life				*l;
	const struct store_select	*sel;
	int				 cascade;
	uint64_t			 after;		/* in: resume here */
	uint64_t			 last;		/* out: last examined */
	int				 done;		/* out: nothing left */
	struct store_removal		 got;		/* out */
};

/* Writing an audit record, run by the store's writer. */
struct auditjob {
	life		*l;
	json		*rec;
	uint64_t	 id;		/* 0: add a new one */
};

/* Forgetting the documents of an agent, run by the store's writer. */
struct forgetjob {
	life			*l;
	const uint8_t		*agent;
	char			**acts;		/* see docstore_forget */
	size_t			 nacts;
	struct docstore_forgot	 got;
};

/* Activity ids, sorted and unique in the end. */
struct acts {
	char	**v;
	size_t	  n;
};

life *
life_new(store *st, docstore *ds, audit *a)
{
	life *l = xcalloc(1, sizeof(*l));

	l->st = st;
	l->ds = ds;
	l->au = a;
	return l;
}

void
life_free(life *l)
{
	free(l);
}

audit *
life_audit(life *l)
{
	return l->au;
}

void
life_on_change(life *l, life_changed_fn fn, void *arg)
{
	l->changed = fn;
	l->arg = arg;
}

void
life_hash_hex(const uint8_t agent[INDEX_HASH_LEN], char out[33])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < INDEX_HASH_LEN; i++) {
		out[2 * i] = hex[agent[i] >> 4];
		out[2 * i + 1] = hex[agent[i] & 15];
	}
	out[32] = '\0';
}

/* Remove up to LIFE_CHUNK selected statements after c->after.  Runs
 * again from the start when the map grew, so it begins from scratch. */
static int
chunk_fn(void *arg, MDB_txn *txn)
{
	struct chunk *c = arg;
	uint64_t seq = c->after;
	size_t n;
	int rc = 0;

	memset(&c->got, 0, sizeof(c->got));
	c->done = 0;
	c->last = c->after;
	for (n = 0; n < LIFE_CHUNK; n++) {
		if ((rc = store_select_next(txn, c->l->st, c->sel, seq,
		    &seq)) != 0)
			return rc;
		if (seq == 0) {
			c->done = 1;
			break;
		}
		rc = store_remove_txn(c->l->st, txn, seq, c->cascade, &c->got);
		/* Gone already (a cascade took it): fine. */
		if (rc != 0 && rc != STORE_ENOTFOUND)
			return rc;
		c->last = seq;
	}
	return 0;
}

static int	from_docstore(int rc);

static int
audit_fn(void *arg, MDB_txn *txn)
{
	struct auditjob *j = arg;
	int rc;

	if (j->id)
		rc = audit_put_txn(j->l->au, txn, j->id, j->rec);
	else
		rc = audit_add_txn(j->l->au, txn, j->rec, &j->id);
	return rc == 0 || rc == MDB_MAP_FULL ? rc : STORE_EIO;
}

static int
forget_fn(void *arg, MDB_txn *txn)
{
	struct forgetjob *j = arg;
	int rc = docstore_forget(j->l->ds, txn, j->agent, j->acts, j->nacts,
	    1, &j->got);

	return rc == MDB_MAP_FULL ? rc : from_docstore(rc);
}

static void
acts_add(struct acts *a, const json *activity)
{
	const char *id = json_get_str(activity, "id");

	if (id == NULL)
		return;
	a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
	a->v[a->n++] = xstrdup(id);
}

/* The Activities statement st names: its object and context activities
 * (where an agent's State documents are likely to be). */
static void
acts_of(const json *st, struct acts *a)
{
	static const char *kinds[] = { "parent", "grouping", "category",
	    "other" };
	const json *obj = json_get(st, "object"), *ca, *list;
	const char *ot = json_get_str(obj, "objectType");
	size_t k, i;

	if (ot == NULL || strcmp(ot, "Activity") == 0)
		acts_add(a, obj);
	ca = json_get(json_get(st, "context"), "contextActivities");
	for (k = 0; ca && k < 4; k++) {
		if ((list = json_get(ca, kinds[k])) == NULL)
			continue;
		if (list->type == JSON_OBJECT)
			acts_add(a, list);
		for (i = 0; list->type == JSON_ARRAY && i < list->n; i++)
			acts_add(a, list->vals[i]);
	}
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
acts_free(struct acts *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

/* The Activities the statements sel takes name, inside txn. */
static int
acts_collect(life *l, MDB_txn *txn, const struct store_select *sel,
    struct acts *a)
{
	uint64_t seq = 0;
	const char *text;
	size_t len, i, j;
	json *st;
	int rc;

	for (;;) {
		if ((rc = store_select_next(txn, l->st, sel, seq, &seq)) != 0 ||
		    seq == 0 ||
		    (rc = store_get_seq(txn, l->st, seq, &text, &len)) != 0)
			break;
		st = NULL;
		if (json_parse(text, len, 64, &st, NULL, 0) != 0) {
			rc = STORE_ECORRUPT;
			break;
		}
		acts_of(st, a);
		json_free(st);
	}
	if (a->n > 0)
		qsort(a->v, a->n, sizeof(*a->v), cmp_str);
	for (i = j = 0; i < a->n; i++) {
		if (j > 0 && strcmp(a->v[i], a->v[j - 1]) == 0)
			free(a->v[i]);
		else
			a->v[j++] = a->v[i];
	}
	a->n = j;
	return rc;
}

/* store_exec, with fn's own failure (a STORE_* code) as the answer. */
static int
exec(life *l, store_exec_fn fn, void *arg)
{
	int rc, fn_rc;

	if ((rc = store_exec(l->st, fn, arg, &fn_rc)) != STORE_OK)
		return rc;
	return fn_rc == MDB_MAP_FULL ? STORE_EFULL : fn_rc;
}

/* A DOCSTORE_* code as the nearest STORE_* code. */
static int
from_docstore(int rc)
{
	switch (rc) {
	case DOCSTORE_OK: return STORE_OK;
	case DOCSTORE_EFULL: return STORE_EFULL;
	case DOCSTORE_ENOSPC: return STORE_ENOSPC;
	case DOCSTORE_EBUSY: return STORE_EBUSY;
	case DOCSTORE_ECORRUPT: return STORE_ECORRUPT;
	case DOCSTORE_ECRYPTO: return STORE_ECRYPTO;
	case MDB_MAP_FULL: return STORE_EFULL;
	default: return STORE_EIO;
	}
}

/* The audit record of rq with counts c so far. */
static json *
record(const struct life_request *rq, const struct life_counts *c,
    int completed, int rc)
{
	json *rec = json_new(JSON_OBJECT), *n = json_new(JSON_OBJECT);
	char when[32], hex[33];

	json_set(rec, "action", json_new_str(rq->action == LIFE_PURGE ?
	    "purge" : "erase"));
	json_set(rec, "dry_run", json_new_bool(rq->dry_run));
	json_set(rec, "who", json_new_str(rq->who ? rq->who : ""));
	json_set(rec, "via", json_new_str(rq->via ? rq->via : ""));
	json_set(rec, "at", json_new_str(iso8601_format(iso8601_now(), when)));
	if (rq->action == LIFE_PURGE)
		json_set(rec, "before", json_new_str(iso8601_format(rq->before,
		    when)));
	else {
		life_hash_hex(rq->agent, hex);
		json_set(rec, "agent_hash", json_new_str(hex));
	}
	json_set(n, "statements", json_new_int((long long)c->statements));
	json_set(n, "attachments", json_new_int((long long)c->attachments));
	json_set(n, "documents", json_new_int((long long)c->documents));
	json_set(n, "bytes", json_new_int((long long)c->bytes));
	if (rq->action == LIFE_ERASE)
		json_set(n, "person", json_new_bool(c->person));
	json_set(rec, "counts", n);
	json_set(rec, "completed", json_new_bool(completed));
	if (rc != 0)
		json_set(rec, "error", json_new_str(store_strerror(rc)));
	return rec;
}

/* Write the audit record (a new one when *id is 0). */
static int
audit_write(life *l, const struct life_request *rq,
    const struct life_counts *c, int completed, int err, uint64_t *id)
{
	struct auditjob j = { l, record(rq, c, completed, err), *id };
	int rc;

	rc = exec(l, audit_fn, &j);
	json_free(j.rec);
	if (rc == 0)
		*id = j.id;
	return rc;
}

static void
sel_of(const struct life_request *rq, struct store_select *sel)
{
	memset(sel, 0, sizeof(*sel));
	if (rq->action == LIFE_PURGE)
		sel->before = rq->before;
	else {
		sel->by_agent = 1;
		memcpy(sel->agent, rq->agent, INDEX_HASH_LEN);
	}
}

/* Count in one snapshot what rq would remove. */
static int
dry_run(life *l, const struct life_request *rq, struct life_counts *out)
{
	struct store_select sel;
	struct store_removal rm;
	struct docstore_forgot f;
	struct acts a = { NULL, 0 };
	store_read *r;
	int rc;

	sel_of(rq, &sel);
	if ((rc = store_read_begin(l->st, &r)) != STORE_OK)
		return rc;
	if ((rc = store_select_count(r, &sel, &rm)) == STORE_OK &&
	    rq->action == LIFE_ERASE &&
	    (rc = acts_collect(l, store_read_txn(r), &sel, &a)) == STORE_OK) {
		rc = from_docstore(docstore_forget(l->ds, store_read_txn(r),
		    rq->agent, a.v, a.n, 0, &f));
		out->documents = f.documents;
		out->bytes += f.bytes;
		out->person = f.person;
	}
	store_read_end(r);
	acts_free(&a);
	out->statements = rm.statements;
	out->attachments = rm.attachments;
	out->bytes += rm.bytes;
	return rc;
}

/* Remove the statements rq selects, chunk by chunk. */
static int
remove_all(life *l, const struct life_request *rq, struct life_counts *out)
{
	struct store_select sel;
	struct chunk c;
	int rc;

	sel_of(rq, &sel);
	memset(&c, 0, sizeof(c));
	c.l = l;
	c.sel = &sel;
	c.cascade = rq->action == LIFE_ERASE;
	do {
		c.last = c.after;
		if ((rc = exec(l, chunk_fn, &c)) != 0)
			return rc;
		out->statements += c.got.statements;
		out->attachments += c.got.attachments;
		out->bytes += c.got.bytes;
		c.after = c.last;
	} while (!c.done);
	return 0;
}

/* The Activities of the statements an erasure takes, before they go. */
static int
erase_acts(life *l, const struct life_request *rq, struct acts *a)
{
	struct store_select sel;
	store_read *r;
	int rc;

	sel_of(rq, &sel);
	if ((rc = store_read_begin(l->st, &r)) != STORE_OK)
		return rc;
	rc = acts_collect(l, store_read_txn(r), &sel, a);
	store_read_end(r);
	return rc;
}

int
life_run(life *l, const struct life_request *rq, struct life_counts *out)
{
	struct forgetjob fj = { l, rq->agent, NULL, 0, { 0, 0, 0 } };
	struct acts a = { NULL, 0 };
	uint64_t id = 0;
	int rc, arc;

	memset(out, 0, sizeof(*out));
	if (rq->dry_run) {
		if ((rc = dry_run(l, rq, out)) == 0)
			rc = audit_write(l, rq, out, 1, 0, &id);
		out->audit_id = id;
		return rc;
	}
	/* Who began it is on record before anything goes. */
	if ((rc = audit_write(l, rq, out, 0, 0, &id)) != 0)
		return rc;
	out->audit_id = id;
	if (rq->action == LIFE_ERASE && (rc = erase_acts(l, rq, &a)) == 0) {
		fj.acts = a.v;
		fj.nacts = a.n;
	}
	if (rc == 0)
		rc = remove_all(l, rq, out);
	if (rc == 0 && rq->action == LIFE_ERASE &&
	    (rc = exec(l, forget_fn, &fj)) == 0) {
		out->documents = fj.got.documents;
		out->bytes += fj.got.bytes;
		out->person = fj.got.person;
	}
	acts_free(&a);
	arc = audit_write(l, rq, out, rc == 0, rc, &id);
	if (out->statements > 0 && l->changed && l->changed(l->arg) != 0 &&
	    rc == 0)
		rc = STORE_EIO;
	return rc ? rc : arc;
}
