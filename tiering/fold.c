/* fold: statements in, state changes and outcome statements out.
 * The algorithms are those of tiering/README.md section 7. */
#include "fold.h"
#include "evidence.h"
#include "iso8601.h"
#include "jx.h"
#include "prog.h"
#include "vocab.h"
#include "xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define DAY_US	86400000000LL
#define KEYMAX	1024

static void evaluate(struct fold *f, const char *pid, const char *orgid);
static int cmp_pstr(const void *a, const void *b);
static const char **sorted_keys(const json *obj, size_t *n);

/* --- small helpers --- */

static int64_t
ts_of(const json *st)
{
	const char *t = json_get_str(st, "timestamp");
	int64_t us = 0;

	if (t == NULL || iso8601_parse(t, strlen(t), 0, &us) != 0)
		return 0;
	return us;
}

static void
iso(int64_t us, char out[32])
{
	iso8601_format(us, out);
}

static json *
get(struct fold *f, int kind, const char *id, int create)
{
	int rc;
	json *j = tstate_get(f->ts, kind, id, create, &rc);

	if (rc && f->rc == 0)
		f->rc = rc;
	return j;
}

/* Set (NULL: delete) entity (kind, id), keeping an LMDB error. */
static void
put(struct fold *f, int kind, const char *id, json *j)
{
	int rc = tstate_put(f->ts, kind, id, j);

	if (rc && f->rc == 0)
		f->rc = rc;
}

static void
dirty(struct fold *f, int kind, const char *id)
{
	tstate_dirty(f->ts, kind, id);
}

void
fold_uuid5(const char *text, char out[37])
{
	static const unsigned char ns[16] = {
		0x6c, 0x72, 0x73, 0x64, 0x2d, 0x74, 0x69, 0x65,
		0x72, 0x69, 0x6e, 0x67, 0x2d, 0x6e, 0x73, 0x31 };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int i, o = 0;

	EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	EVP_DigestUpdate(ctx, ns, sizeof(ns));
	EVP_DigestUpdate(ctx, text, strlen(text));
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	md[6] = (md[6] & 0x0f) | 0x50;
	md[8] = (md[8] & 0x3f) | 0x80;
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = "0123456789abcdef"[md[i] >> 4];
		out[o++] = "0123456789abcdef"[md[i] & 15];
	}
	out[36] = '\0';
}

int
fold_agent_key(const json *a, char *out, size_t size)
{
	const json *acct;
	const char *v;
	size_t n = (size_t)-1;

	if (a == NULL || a->type != JSON_OBJECT)
		return -1;
	if ((v = json_get_str(a, "mbox")))
		n = jx_join(out, size, "mbox:", v, (char *)NULL);
	else if ((v = json_get_str(a, "mbox_sha1sum")))
		n = jx_join(out, size, "sha1:", v, (char *)NULL);
	else if ((v = json_get_str(a, "openid")))
		n = jx_join(out, size, "openid:", v, (char *)NULL);
	else if ((acct = json_get(a, "account")) &&
	    json_get_str(acct, "homePage") && json_get_str(acct, "name"))
		n = jx_join(out, size, "account:", json_get_str(acct,
		    "homePage"), "|", json_get_str(acct, "name"), (char *)NULL);
	return n != (size_t)-1 && n < size ? 0 : -1;
}

int
fold_group_key(const json *g, char *out, size_t size)
{
	const json *acct = json_get(g, "account");

	if (!json_is_str(json_get(g, "objectType"), "Group") ||
	    !json_get_str(acct, "homePage") || !json_get_str(acct, "name"))
		return -1;
	return jx_join(out, size, json_get_str(acct, "homePage"), "|",
	    json_get_str(acct, "name"), (char *)NULL) < size ? 0 : -1;
}

/* The account key (into out) of the organisation statement st counts
 * for by itself, its Group actor or else its context's team: 0, or -1
 * when it names none (it counts for its actor's organisation then). */
static int
named_org(const json *st, char *out, size_t size)
{
	return fold_group_key(json_get(st, "actor"), out, size) == 0 ||
	    fold_group_key(json_get(json_get(st, "context"), "team"), out,
	    size) == 0 ? 0 : -1;
}

static void
touch(struct fold *f, const char *orgkey)
{
	size_t i;

	if (orgkey == NULL)
		return;
	for (i = 0; i < f->ntouched; i++)
		if (strcmp(f->touched[i], orgkey) == 0)
			return;
	if (f->ntouched == f->captouched) {
		f->captouched = f->captouched ? f->captouched * 2 : 8;
		f->touched = xrealloc(f->touched, f->captouched * sizeof(char *));
	}
	f->touched[f->ntouched++] = xstrdup(orgkey);
}

/* Definition record kind/id, or NULL when absent or deleted. */
static json *
def(struct fold *f, const char *kind, const char *id)
{
	json *r = json_get(json_get(f->defs, kind), id);

	if (r == NULL || json_get(r, "deleted")->type == JSON_TRUE)
		return NULL;
	return r;
}

const json *
fold_def(struct fold *f, const char *kind, const char *id)
{
	return json_get(def(f, kind, id), "definition");
}

/* Program pid compiled (f->progs), or NULL when it is not defined. */
static const struct prog *
prog_get(struct fold *f, const char *pid)
{
	const json *P;
	size_t i;

	for (i = 0; i < f->nprogs; i++)
		if (strcmp(f->progs[i]->id, pid) == 0)
			return f->progs[i];
	if ((P = fold_def(f, "programs", pid)) == NULL)
		return NULL;
	f->progs = xrealloc(f->progs, (f->nprogs + 1) * sizeof(*f->progs));
	return f->progs[f->nprogs++] = prog_new(pid, P);
}

/* The compiled program whose definition is P: f's, or else a new one
 * in *own (the caller frees it). */
static const struct prog *
prog_for(struct fold *f, const json *P, struct prog **own)
{
	size_t i;

	*own = NULL;
	for (i = 0; i < f->nprogs; i++)
		if (f->progs[i]->P == P)
			return f->progs[i];
	return *own = prog_new("", P);
}

/* Forget the compiled programs: their definitions change. */
static void
progs_drop(struct fold *f)
{
	size_t i;

	for (i = 0; i < f->nprogs; i++)
		prog_free(f->progs[i]);
	free(f->progs);
	f->progs = NULL;
	f->nprogs = 0;
}

/* --- outcomes --- */

json *
fold_statement(const char *home, const char *id, const char *actor_name,
    const char *verb, const char *object, int64_t at, const char *auth_name)
{
	json *st = json_new(JSON_OBJECT), *a, *acct, *v, *o;
	const char *disp = strrchr(verb, '/');
	char ts[32];

	json_set(st, "id", json_new_str(id));
	a = json_new(JSON_OBJECT);
	acct = json_new(JSON_OBJECT);
	json_set(a, "objectType", json_new_str("Agent"));
	json_set(acct, "homePage", json_new_str(home));
	json_set(acct, "name", json_new_str(actor_name));
	json_set(a, "account", acct);
	json_set(st, "actor", a);
	v = json_new(JSON_OBJECT);
	json_set(v, "id", json_new_str(verb));
	json_set(v, "display", json_new(JSON_OBJECT));
	json_set(json_get(v, "display"), "en-US",
	    json_new_str(disp ? disp + 1 : verb));
	json_set(st, "verb", v);
	o = json_new(JSON_OBJECT);
	json_set(o, "objectType", json_new_str("Activity"));
	json_set(o, "id", json_new_str(object));
	json_set(st, "object", o);
	json_set(st, "timestamp", json_new_str(iso8601_format(at, ts)));
	a = json_clone(json_get(st, "actor"));
	json_set(json_get(a, "account"), "name", json_new_str(auth_name));
	json_set(st, "authority", a);
	json_set(st, "version", json_new_str("1.0.0"));
	return st;
}

/* Record an outcome: verb, object id, the definition it follows
 * ("programs/p"), its subject (cloned), kind, details (taken).  Returns its
 * id (valid while f->outcomes lives). */
static const char *
outcome(struct fold *f, const char *verb, const char *objid,
    const char *defkind, const char *defid, const json *subject,
    const char *subjkey, const char *kind, json *details)
{
	char text[4096], id[37], defname[512];
	json *st, *ref;
	json *r = def(f, defkind, defid);

	snprintf(defname, sizeof(defname), "%s/%s@%.0f", defkind, defid,
	    jx_num(r, "version", 0));
	snprintf(text, sizeof(text), "%s|%s|%s|%s", defname, subjkey, kind,
	    f->cause);
	fold_uuid5(text, id);
	if (f->ids_only || (f->stored && f->stored(f->load_arg, id))) {
		json_free(details);
		json_push(f->outcomes, json_new_str(id));
		return f->outcomes->vals[f->outcomes->n - 1]->str;
	}
	st = fold_statement(f->home, id, TV_ENGINE, verb, objid, f->now,
	    TV_ENGINE);
	jx_set_str(details, "kind", kind);
	jx_ext(st, "result", TV_EXT("outcome"), details);
	ref = json_new(JSON_OBJECT);
	json_set(ref, "objectType", json_new_str("StatementRef"));
	json_set(ref, "id", json_new_str(f->cause));
	json_set(jx_obj(st, "context"), "statement", ref);
	jx_ext(st, "context", TV_EXT("definition"), json_new_str(defname));
	jx_ext(st, "context", TV_EXT("subject"), json_clone(subject));
	json_push(f->outcomes, st);
	return json_get_str(st, "id");
}

int
fold_is_outcome(const json *st)
{
	const json *a = json_get(json_get(st, "authority"), "account");

	return json_is_str(json_get(a, "name"), TV_ENGINE) &&
	    !json_is_str(json_get(json_get(st, "verb"), "id"), TV_VERB("ticked"));
}

/* What statement st is to the fold: nothing (no id or verb, or an
 * outcome), a clock tick, an admin act, a voiding, a membership change,
 * or a learning or business event (README 7). */
enum role { R_NONE, R_TICK, R_ADMIN, R_VOIDING, R_MEMBERSHIP, R_EVENT };

static enum role
role_of(const json *st)
{
	const char *verb = json_get_str(json_get(st, "verb"), "id");
	const char *auth = json_get_str(json_get(json_get(st, "authority"),
	    "account"), "name");

	if (json_get_str(st, "id") == NULL || verb == NULL ||
	    fold_is_outcome(st))
		return R_NONE;
	if (auth && strcmp(auth, TV_ENGINE) == 0)
		return R_TICK;
	if (auth && strcmp(auth, TV_ADMIN) == 0)
		return R_ADMIN;
	if (strcmp(verb, TV_VOIDED) == 0)
		return R_VOIDING;
	if (strcmp(verb, TV_JOIN) == 0 || strcmp(verb, TV_LEAVE) == 0)
		return R_MEMBERSHIP;
	return R_EVENT;
}

/* --- facts and attribution --- */

/* The extensions of st that criteria look at, merged: object definition,
 * then context, then result (later ones win). */
static json *
fact_of(const json *st, const char *sid, int64_t t)
{
	const json *obj = json_get(st, "object"), *src[3];
	json *fc = json_new(JSON_OBJECT), *ext = json_new(JSON_OBJECT);
	size_t i, k;

	json_set(fc, "sid", json_new_str(sid));
	jx_set_num(fc, "t", (double)t);
	jx_set_str(fc, "verb", json_get_str(json_get(st, "verb"), "id"));
	jx_set_str(fc, "obj", json_get_str(obj, "id"));
	jx_set_str(fc, "type", json_get_str(json_get(obj, "definition"), "type"));
	if (json_get(json_get(st, "result"), "score"))
		json_set(fc, "score", json_clone(json_get(json_get(json_get(st,
		    "result"), "score"), "scaled")));
	src[0] = json_get(json_get(obj, "definition"), "extensions");
	src[1] = json_get(json_get(st, "context"), "extensions");
	src[2] = json_get(json_get(st, "result"), "extensions");
	for (k = 0; k < 3; k++)
		for (i = 0; src[k] && src[k]->type == JSON_OBJECT &&
		    i < src[k]->n; i++)
			json_set(ext, src[k]->keys[i], json_clone(src[k]->vals[i]));
	json_set(fc, "ext", ext);
	return fc;
}

/* What evidence reads of a statement's fact (sid, t, verb, obj, score),
 * as an object whose members borrow st's nodes: fact_of's copies (a
 * dozen allocations, then as many frees) for learning statements, whose
 * fact is never kept.  Valid while st and v are; nothing to free. */
struct fact_view {
	json	 obj, sid, t;
	char	*keys[5];
	json	*vals[5];
};

static const json *
fact_view(struct fact_view *v, const json *st, const char *sid, int64_t t)
{
	static char *const names[5] = { "sid", "t", "verb", "obj", "score" };

	memset(v, 0, sizeof(*v));
	v->sid.type = JSON_STRING;
	v->sid.str = (char *)sid;
	v->sid.len = strlen(sid);
	v->t.type = JSON_NUMBER;
	v->t.num = (double)t;
	memcpy(v->keys, names, sizeof(names));
	v->vals[0] = &v->sid;
	v->vals[1] = &v->t;
	v->vals[2] = json_get(json_get(st, "verb"), "id");
	v->vals[3] = json_get(json_get(st, "object"), "id");
	v->vals[4] = json_get(json_get(json_get(st, "result"), "score"),
	    "scaled");
	v->obj.type = JSON_OBJECT;
	v->obj.n = 5;
	v->obj.keys = v->keys;
	v->obj.vals = v->vals;
	return &v->obj;
}

/* The organisation of membership history ms at time t (see fold_org_at). */
static const char *
org_at_ms(const json *ms, int64_t t, const char **role)
{
	const json *best = NULL;
	size_t i;

	/* Sorted by (t, seq): the last one at or before t, from the end
	 * (most events are recent). */
	for (i = ms ? ms->n : 0; i > 0 && best == NULL; i--)
		if (jx_num(ms->vals[i - 1], "t", 0) <= (double)t)
			best = ms->vals[i - 1];
	if (role)
		*role = best ? jx_str(best, "role") : NULL;
	return best ? jx_str(best, "org") : NULL;
}

const char *
fold_org_at(const json *L, int64_t t, const char **role)
{
	return org_at_ms(json_get(L, "mship"), t, role);
}

/* Facts are write-once entities: 'F' for a learner's (owner: the learner
 * key), 'G' for an organisation's own (owner: its account key), keyed
 * owner, US, verb, US, time, US, statement id: one owner's facts of one
 * verb are a range in time order, so a recount reads only the verbs its
 * criteria count, and only the period's times.  The time is 16 hex
 * digits of its bits with the sign bit flipped, so byte order is time
 * order, before 1970 too. */
#define FACT_SEP "\x1f"

void
fold_time_key(int64_t t, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t u = (uint64_t)t ^ (1ULL << 63);
	int i;

	for (i = 15; i >= 0; i--, u >>= 4)
		out[i] = hex[u & 15];
	out[16] = '\0';
}

void
fold_fact_key(const char *owner, const char *verb, int64_t t,
    const char *sid, char *out, size_t size)
{
	char h[17];

	fold_time_key(t, h);
	(void)jx_join(out, size, owner, FACT_SEP, verb ? verb : "", FACT_SEP, h,
	    FACT_SEP, sid, (char *)NULL);
}

struct facts {
	struct fold	*f;
	void		(*fn)(struct fold *, const json *, void *);
	void		*arg;
};

static int
fact_fn(void *arg, const char *id, const json *fc)
{
	struct facts *x = arg;

	(void)id;
	x->fn(x->f, fc, x->arg);
	return 0;
}

/* The facts of owner and verb with times in [from, to]. */
static int
each_verb(struct fold *f, int kind, const char *owner, const char *verb,
    int64_t from, int64_t to, struct facts *x)
{
	char lo[3 * KEYMAX], hi[3 * KEYMAX], a[17], b[17];

	if (from > to)
		return 0;
	fold_time_key(from, a);
	snprintf(lo, sizeof(lo), "%s" FACT_SEP "%s" FACT_SEP "%s", owner, verb,
	    a);
	if (to == INT64_MAX)
		snprintf(hi, sizeof(hi), "%s" FACT_SEP "%s\x20", owner, verb);
	else {
		fold_time_key(to + 1, b);
		snprintf(hi, sizeof(hi), "%s" FACT_SEP "%s" FACT_SEP "%s",
		    owner, verb, b);
	}
	return tstate_scan(f->ts, kind, lo, hi, fact_fn, x);
}

/* Every verb of owner's facts, one range each. */
static int
each_any_verb(struct fold *f, int kind, const char *owner, int64_t from,
    int64_t to, struct facts *x)
{
	char lo[3 * KEYMAX], hi[3 * KEYMAX], id[3 * KEYMAX], verb[KEYMAX];
	size_t n = strlen(owner);
	const char *end;
	int rc;

	snprintf(lo, sizeof(lo), "%s" FACT_SEP, owner);
	snprintf(hi, sizeof(hi), "%s\x20", owner);
	while ((rc = tstate_first(f->ts, kind, lo, hi, id, sizeof(id))) == 0) {
		if ((end = strchr(id + n + 1, FACT_SEP[0])) == NULL ||
		    (size_t)(end - id - n - 1) >= sizeof(verb))
			return MDB_CORRUPTED;
		memcpy(verb, id + n + 1, (size_t)(end - id - n - 1));
		verb[end - id - n - 1] = '\0';
		if ((rc = each_verb(f, kind, owner, verb, from, to, x)) != 0)
			return rc;
		snprintf(lo, sizeof(lo), "%s" FACT_SEP "%s\x20", owner, verb);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
fold_each_fact_in(struct fold *f, int kind, const char *owner,
    const char *verb, int64_t from, int64_t to,
    void (*fn)(struct fold *, const json *, void *), void *arg)
{
	struct facts x = { f, fn, arg };
	int rc;

	rc = verb ? each_verb(f, kind, owner, verb, from, to, &x) :
	    each_any_verb(f, kind, owner, from, to, &x);
	if (rc && f->rc == 0)
		f->rc = rc;
	return rc;
}

int
fold_each_fact(struct fold *f, int kind, const char *owner, const char *verb,
    void (*fn)(struct fold *, const json *, void *), void *arg)
{
	return fold_each_fact_in(f, kind, owner, verb, INT64_MIN, INT64_MAX,
	    fn, arg);
}

double
fold_rate(const json *P, const char *cur)
{
	return prog_rate(jx_str(P, "currency"), json_get(P, "rates"), cur);
}

/* Whether fact fc (its verb and activity type) passes event criterion
 * k's vocabulary and filters. */
static int
matches(const struct prog_crit *k, const json *fc, const char *verb,
    const char *type)
{
	const json *flt = k->filters, *ext, *want;
	size_t i;

	if (verb == NULL)
		return 0;
	if (k->verbs ? !jx_has_str(k->verbs, verb) : strcmp(verb, k->verb) != 0)
		return 0;
	if (k->types ? !(type && jx_has_str(k->types, type)) :
	    !(type && strcmp(type, TV_DEAL) == 0))
		return 0;
	if (flt == NULL)
		return 1;
	ext = json_get(fc, "ext");
	if ((want = json_get(flt, "product_line")) && !json_equal(want,
	    json_get(ext, TV_EXT("product-line"))))
		return 0;
	if ((want = json_get(flt, "region")) && !json_equal(want,
	    json_get(ext, TV_EXT("region"))))
		return 0;
	if ((want = json_get(flt, "activity_type")) && !json_equal(want,
	    json_get(fc, "type")))
		return 0;
	want = json_get(flt, "extensions");
	for (i = 0; want && want->type == JSON_OBJECT && i < want->n; i++)
		if (!json_equal(want->vals[i], json_get(ext, want->keys[i])))
			return 0;
	return 1;
}

/* What a fact with extensions ext adds to criterion k of program p;
 * *unconv set when it is an amount that cannot be converted. */
static double
contribution(const struct prog *p, const struct prog_crit *k,
    const json *ext, int *unconv)
{
	const json *amt;
	double r;

	*unconv = 0;
	if (k->type != PROG_REVENUE)
		return 1;
	amt = json_get(ext, k->amount_ext ? k->amount_ext : TV_EXT("amount"));
	if (amt == NULL || amt->type != JSON_NUMBER)
		return 0;
	r = prog_rate(p->currency, p->rates, json_get_str(ext,
	    k->currency_ext ? k->currency_ext : TV_EXT("currency")));
	if (r < 0) {
		*unconv = 1;
		return 0;
	}
	return amt->num * r;
}

/* Add (sign 1) or take away (-1) fact fc to/from the counts of
 * enrollment E of program p when its period holds the fact. */
static int
count_into(const struct prog *p, json *E, const json *fc, int sign)
{
	int64_t day = jx_day((int64_t)jx_num(fc, "t", 0));
	const char *verb = jx_str(fc, "verb"), *type = jx_str(fc, "type");
	const json *ext = json_get(fc, "ext");
	const struct prog_crit *k;
	json *vals;
	size_t i;
	int unconv, changed = 0;
	double add;

	if (json_is_str(json_get(E, "status"), "ended") ||
	    day < jx_num(E, "start", 0) || day > jx_num(E, "end", 0))
		return 0;
	vals = jx_obj(E, "values");
	for (i = 0; i < p->nevents; i++) {
		k = p->events[i];
		if (!matches(k, fc, verb, type))
			continue;
		add = contribution(p, k, ext, &unconv);
		jx_set_num(vals, k->id, jx_num(vals, k->id, 0) + sign * add);
		changed = 1;
	}
	/* Closed-won deals in a currency the program cannot convert, once
	 * each, whatever the criteria's filters. */
	if (verb && strcmp(verb, TV_CLOSED) == 0 &&
	    json_get(ext, TV_EXT("amount")) &&
	    prog_rate(p->currency, p->rates, json_get_str(ext,
	    TV_EXT("currency"))) < 0) {
		jx_set_num(E, "unconverted", jx_num(E, "unconverted", 0) + sign);
		changed = 1;
	}
	return changed;
}

static json *count_verbs(const struct prog *p);

/* The verbs any program's event criteria count, as an object verb ->
 * true (f->countable; remade when a program changes). */
static json *
countable(struct fold *f)
{
	json *progs = json_get(f->defs, "programs"), *v;
	size_t i, k;

	if (f->countable)
		return f->countable;
	f->countable = json_new(JSON_OBJECT);
	for (i = 0; progs && i < progs->n; i++) {
		v = count_verbs(prog_get(f, progs->keys[i]));
		for (k = 0; k < v->n; k++)
			json_set(f->countable, v->vals[k]->str, json_new_bool(1));
		json_free(v);
	}
	return f->countable;
}

/* --- which facts are kept ---
 *
 * A fact is read back only by what counts it (the event criteria of a
 * program: their verbs, of any activity) and the revenue analytics
 * (closed deals); facts of other statements are not written: an LRS
 * without definitions keeps none, and learning statements need none.
 * What a learning statement may prove (its activity named by a
 * certification's requirements or recertification or a skill profile's
 * raises: evidence_meets and evidence_raises look at no other) goes into
 * the evidence index alone, which a change of those definitions makes
 * again from the log (evidence_from_log).  When a program starts to
 * count a verb, facts_widen writes its facts for the statements folded
 * before it, from the log, before anything recounts: the state is then
 * what it would be had they been kept all along (statements voided by
 * then are left out, as their voiding took their facts away; those
 * voided later are written, and un-counted when their voiding comes). */

/* The activities the evidence lists of every definition of kind name,
 * into set (activity -> true): a certification's "requirements" and
 * "recertification", each skill's "raises" in a skill profile. */
static void
evidence_activities(struct fold *f, const char *kind, json *set)
{
	const json *k = json_get(f->defs, kind), *D, *sk, *lists[2], *rs;
	size_t i, j, l, r, nl;

	for (i = 0; k && i < k->n; i++) {
		if ((D = fold_def(f, kind, k->keys[i])) == NULL)
			continue;
		sk = strcmp(kind, "skill-profiles") == 0 ?
		    json_get(D, "skills") : NULL;
		for (j = 0; j < (sk ? sk->n : 1); j++) {
			nl = sk ? 1 : 2;
			lists[0] = sk ? json_get(sk->vals[j], "raises") :
			    json_get(D, "requirements");
			lists[1] = sk ? NULL : json_get(D, "recertification");
			for (l = 0; l < nl; l++)
				for (r = 0; (rs = lists[l]) != NULL &&
				    rs->type == JSON_ARRAY && r < rs->n; r++)
					if (jx_str(rs->vals[r], "activity"))
						json_set(set, jx_str(rs->vals[r],
						    "activity"), json_new_bool(1));
		}
	}
}

/* f->keep, made when needed: {"verbs": {verb: true}, "activities":
 * {activity: true}}; a fact is kept when either names it. */
static const json *
keep_set(struct fold *f)
{
	json *verbs, *acts;
	const json *c;
	size_t i;

	if (f->keep)
		return f->keep;
	f->keep = json_new(JSON_OBJECT);
	verbs = jx_obj(f->keep, "verbs");
	acts = jx_obj(f->keep, "activities");
	c = countable(f);
	for (i = 0; i < c->n; i++)
		json_set(verbs, c->keys[i], json_new_bool(1));
	json_set(verbs, TV_CLOSED, json_new_bool(1));
	evidence_activities(f, "certifications", acts);
	evidence_activities(f, "skill-profiles", acts);
	return f->keep;
}

/* Whether keep (a keep_set) keeps the facts of verb: the only facts
 * written, read back by recounts, membership changes and the analytics. */
static int
keeps(const json *keep, const char *verb)
{
	return verb && json_get(json_get(keep, "verbs"), verb);
}

static int
kept(struct fold *f, const char *verb)
{
	return keeps(keep_set(f), verb);
}

/* Whether a statement about activity obj may prove a certification
 * requirement or raise a skill: then it goes into the evidence index
 * (evidence.h), which is all that reads it, and no fact is written. */
static int
proves(struct fold *f, const char *obj)
{
	return obj && json_get(json_get(keep_set(f), "activities"), obj);
}

static void fact_put(struct fold *f, const json *st, const char *sid,
    int64_t t);

struct widen {
	struct fold	*f;
	const json	*was;		/* keep_set before */
};

/* A statement of the log for facts_widen: the fact event() would have
 * written, had it been kept then. */
static void
widen_one(void *ctx, const json *st, uint64_t seq, uint64_t voided_by)
{
	struct widen *w = ctx;
	struct fold *f = w->f;
	const char *verb = json_get_str(json_get(st, "verb"), "id");

	(void)seq;
	if (role_of(st) != R_EVENT || (voided_by && voided_by < f->seq) ||
	    keeps(w->was, verb) || !kept(f, verb))
		return;
	fact_put(f, st, json_get_str(st, "id"), ts_of(st));
}

/* The names of now[which] that was[which] (NULL: nothing) lacks, as they
 * appear in a statement's text (JSON strings), appended to *needles. */
static void
needles_add(const json *was, const json *now, const char *which,
    char ***needles, size_t *n)
{
	const json *a = json_get(now, which), *b = json_get(was, which);
	size_t i, len;
	json *s;

	for (i = 0; a && i < a->n; i++) {
		if (json_get(b, a->keys[i]) != NULL)
			continue;
		s = json_new_str(a->keys[i]);
		*needles = xrealloc(*needles, (*n + 1) * sizeof(**needles));
		(*needles)[(*n)++] = json_to_string(s, &len);
		json_free(s);
	}
}

/* fn(ctx, ...) for every statement before this one that holds one of
 * needles[0..n) (none: nothing to read), read back from the log; frees
 * the needles. */
static void
log_pass(struct fold *f, char **needles, size_t n,
    void (*fn)(void *, const json *, uint64_t, uint64_t), void *ctx)
{
	size_t i;
	int rc;

	if (n > 0 && f->seq > 1) {
		if (f->scan == NULL)
			rc = EINVAL;	/* a fold that cannot read its log */
		else
			rc = f->scan(f->load_arg, (const char *const *)needles,
			    n, f->seq, fn, ctx);
		if (rc != 0 && f->rc == 0)
			f->rc = rc;
	}
	for (i = 0; i < n; i++)
		free(needles[i]);
	free(needles);
}

/* The definitions changed: write the facts kept now and not before (was)
 * for the statements before this one. */
static void
facts_widen(struct fold *f, const json *was)
{
	struct widen w = { f, was };
	char **needles = NULL;
	size_t n = 0;

	json_free(f->keep);
	f->keep = NULL;
	needles_add(was, keep_set(f), "verbs", &needles, &n);
	log_pass(f, needles, n, widen_one, &w);
}

/* Count fact fc (sign 1 or -1) for every enrollment of organisation
 * orgkey; touch the organisation when a count changed. */
static void
count_fact(struct fold *f, const char *orgkey, const json *fc, int sign)
{
	json *O, *progs = json_get(f->defs, "programs"), *E;
	const struct prog *p;
	const char *orgid;
	char ek[KEYMAX];
	size_t i;

	/* Most statements are of verbs no criterion counts. */
	if (orgkey == NULL || json_get(countable(f), jx_str(fc, "verb") ?
	    jx_str(fc, "verb") : "") == NULL)
		return;
	if ((O = get(f, 'O', orgkey, 0)) == NULL ||
	    (orgid = jx_str(O, "id")) == NULL)
		return;
	for (i = 0; progs && i < progs->n; i++) {
		if ((p = prog_get(f, progs->keys[i])) == NULL)
			continue;
		(void)jx_join(ek, sizeof(ek), progs->keys[i], "/", orgid,
		    (char *)NULL);
		if ((E = get(f, 'E', ek, 0)) == NULL)
			continue;
		if (count_into(p, E, fc, sign)) {
			dirty(f, 'E', ek);
			touch(f, orgkey);
		}
	}
}

/* fold_each_attributed: a member's fact passes on only when the member
 * belonged to the organisation at the fact's time. */
struct attributed {
	const char	*orgkey;
	const json	*L;	/* the member, or NULL for the organisation's own */
	void		(*fn)(struct fold *, const json *, void *);
	void		*arg;
};

static void
attributed_fact(struct fold *f, const json *fc, void *arg)
{
	struct attributed *a = arg;
	const char *at;

	if (a->L) {
		at = fold_org_at(a->L, (int64_t)jx_num(fc, "t", 0), NULL);
		if (at == NULL || strcmp(at, a->orgkey) != 0)
			return;
	}
	a->fn(f, fc, a->arg);
}

int
fold_each_attributed_in(struct fold *f, const char *orgkey, const char *verb,
    int64_t from, int64_t to, void (*fn)(struct fold *, const json *, void *),
    void *arg)
{
	const json *ever = json_get(get(f, 'O', orgkey, 0), "ever");
	struct attributed a = { orgkey, NULL, fn, arg };
	size_t k;

	fold_each_fact_in(f, 'G', orgkey, verb, from, to, attributed_fact, &a);
	for (k = 0; ever && k < ever->n; k++)
		if ((a.L = get(f, 'L', ever->vals[k]->str, 0)) != NULL)
			fold_each_fact_in(f, 'F', ever->vals[k]->str, verb,
			    from, to, attributed_fact, &a);
	return f->rc;
}

int
fold_each_attributed(struct fold *f, const char *orgkey, const char *verb,
    void (*fn)(struct fold *, const json *, void *), void *arg)
{
	return fold_each_attributed_in(f, orgkey, verb, INT64_MIN, INT64_MAX,
	    fn, arg);
}

/* Recount enrollment E of program p from the facts. */
struct recount {
	const struct prog *p;
	json		*E;
};

static void
recount_fact(struct fold *f, const json *fc, void *arg)
{
	struct recount *r = arg;

	(void)f;
	(void)count_into(r->p, r->E, fc, 1);
}

/* The verbs program p's event criteria count (and closed-sale, for the
 * unconverted count, even when p is NULL: deleted), as a new array of
 * strings without repeats. */
static json *
count_verbs(const struct prog *p)
{
	json *out = json_new(JSON_ARRAY);
	const json *vs;
	size_t c, i;

	json_push(out, json_new_str(TV_CLOSED));
	for (c = 0; p && c < p->nevents; c++) {
		vs = p->events[c]->verbs;
		if (vs == NULL && !jx_has_str(out, p->events[c]->verb))
			json_push(out, json_new_str(p->events[c]->verb));
		for (i = 0; vs && i < vs->n; i++)
			if (vs->vals[i]->type == JSON_STRING &&
			    !jx_has_str(out, vs->vals[i]->str))
				json_push(out, json_clone(vs->vals[i]));
	}
	return out;
}

static void
recount(struct fold *f, const struct prog *p, json *E, const char *ek,
    const char *orgkey)
{
	struct recount r = { p, E };
	json *verbs = count_verbs(p);
	size_t v;

	json_set(E, "values", json_new(JSON_OBJECT));
	jx_set_num(E, "unconverted", 0);
	dirty(f, 'E', ek);
	/* Only the period's facts count (count_into). */
	for (v = 0; v < verbs->n && !json_is_str(json_get(E, "status"),
	    "ended"); v++)
		fold_each_attributed_in(f, orgkey, verbs->vals[v]->str,
		    (int64_t)jx_num(E, "start", 0) * DAY_US,
		    ((int64_t)jx_num(E, "end", 0) + 1) * DAY_US - 1,
		    recount_fact, &r);
	json_free(verbs);
}

/* --- certifications --- */

static void
cert_outcome(struct fold *f, const char *cid, const json *L, const char *lk,
    const char *verb, const char *kind, const json *rec)
{
	char obj[KEYMAX], ts[32];
	json *d = json_new(JSON_OBJECT);

	snprintf(obj, sizeof(obj), TV_NS "/certifications/%s", cid);
	jx_set_str(d, "certification", cid);
	iso((int64_t)jx_num(rec, "awarded", 0), ts);
	jx_set_str(d, "awarded", ts);
	iso((int64_t)jx_num(rec, "expires", 0), ts);
	jx_set_str(d, "expires", ts);
	outcome(f, verb, obj, "certifications", cid, json_get(L, "agent"), lk,
	    kind, d);
}

/* Bring learner L's certification cid in line with its evidence. */
static int
cert_update(struct fold *f, json *L, const char *lk, const char *cid)
{
	const json *C = fold_def(f, "certifications", cid);
	json *certs = jx_obj(L, "certs"), *rec = json_get(certs, cid);
	double a, old, valid_us;
	const char *kind = NULL;
	int64_t at;
	int have;

	if (C == NULL)
		return 0;
	have = evidence_award(f, L, lk, cid, C, &at);
	a = (double)at;
	/* No validity_days: it never expires. */
	valid_us = json_get(C, "validity_days") ?
	    jx_num(C, "validity_days", 0) * (double)DAY_US : 1e18;
	if (!have) {
		if (rec && !json_is_str(json_get(rec, "status"), "revoked")) {
			jx_set_str(rec, "status", "revoked");
			cert_outcome(f, cid, L, lk, TV_REVOKED, "revoked", rec);
			return 1;
		}
		return 0;
	}
	if (rec == NULL || json_is_str(json_get(rec, "status"), "revoked")) {
		kind = "awarded";
		if (rec == NULL) {
			rec = json_new(JSON_OBJECT);
			json_set(certs, cid, rec);
		}
	} else {
		old = jx_num(rec, "awarded", 0);
		if (a == old)
			return 0;
		kind = a > old ? "renewed" : NULL;
		if (kind == NULL)
			cert_outcome(f, cid, L, lk, TV_REVOKED, "revoked", rec);
	}
	jx_set_num(rec, "awarded", a);
	jx_set_num(rec, "expires", a + valid_us);
	jx_set_str(rec, "status", "valid");
	if (kind)
		cert_outcome(f, cid, L, lk, TV_CONFERRED, kind, rec);
	if (a + valid_us <= (double)f->now) {
		jx_set_str(rec, "status", "expired");
		cert_outcome(f, cid, L, lk, TV_EXPIRED, "expired", rec);
	}
	return 1;
}

/* Every certification of L in line with its evidence; nonzero when any
 * changed (L is then dirty). */
static int
certs_update(struct fold *f, json *L, const char *lk)
{
	json *cs = json_get(f->defs, "certifications");
	size_t i;
	int changed = 0;

	for (i = 0; cs && i < cs->n; i++)
		changed |= cert_update(f, L, lk, cs->keys[i]);
	if (changed)
		dirty(f, 'L', lk);
	return changed;
}

/* Expire L's certifications whose time has come. */
static void
certs_expire(struct fold *f, json *L, const char *lk)
{
	json *certs = json_get(L, "certs");
	size_t i;

	for (i = 0; certs && i < certs->n; i++) {
		json *rec = certs->vals[i];

		if (json_is_str(json_get(rec, "status"), "valid") &&
		    jx_num(rec, "expires", 0) <= (double)f->now &&
		    def(f, "certifications", certs->keys[i])) {
			jx_set_str(rec, "status", "expired");
			dirty(f, 'L', lk);
			cert_outcome(f, certs->keys[i], L, lk, TV_EXPIRED,
			    "expired", rec);
		}
	}
}

/* --- skills --- */

/* Bring learner L's skill levels in line with its evidence index: the
 * highest level any non-voided evidence reaches (README 5). */
static int
skills_update(struct fold *f, json *L, const char *lk)
{
	json *profs = json_get(f->defs, "skill-profiles"), *have, *d;
	const json *P, *sk;
	char key[KEYMAX], obj[KEYMAX], subj[2 * KEYMAX];
	size_t i, k;
	int best, old, changed = 0;

	for (i = 0; profs && i < profs->n; i++) {
		if ((P = fold_def(f, "skill-profiles", profs->keys[i])) == NULL)
			continue;
		sk = json_get(P, "skills");
		for (k = 0; sk && k < sk->n; k++) {
			snprintf(key, sizeof(key), "%s/%s", profs->keys[i],
			    jx_str(sk->vals[k], "id"));
			best = evidence_level(L, key);
			have = jx_obj(L, "skills");
			old = (int)jx_num(have, key, -1);
			if (best == old)
				continue;
			if (best < 0)
				json_del(have, key);
			else
				jx_set_num(have, key, best);
			d = json_new(JSON_OBJECT);
			jx_set_str(d, "profile", profs->keys[i]);
			jx_set_str(d, "skill", jx_str(sk->vals[k], "id"));
			jx_set_str(d, "from", old >= 0 ? json_get(sk->vals[k],
			    "levels")->vals[old]->str : NULL);
			jx_set_str(d, "level", best >= 0 ? json_get(sk->vals[k],
			    "levels")->vals[best]->str : NULL);
			snprintf(obj, sizeof(obj), TV_NS "/skill-profiles/%s/skills/%s",
			    profs->keys[i], jx_str(sk->vals[k], "id"));
			snprintf(subj, sizeof(subj), "%s|%s", lk, key);
			outcome(f, TV_VERB("leveled"), obj, "skill-profiles",
			    profs->keys[i], json_get(L, "agent"), subj, "leveled", d);
			dirty(f, 'L', lk);
			changed = 1;
		}
	}
	return changed;
}

/* The clock's watch list: an entity 'W' keyed by the next time the
 * clock changes something of a learner (a valid certification expiring,
 * a membership taking effect: 16 hex digits) and the learner key, so a
 * tick reads only the learners that are due, in time order.  The learner
 * remembers its key ("watch"). */
static void
watch_update(struct fold *f, json *L, const char *lk)
{
	const json *c = json_get(L, "certs"), *ms = json_get(L, "mship");
	const char *old = jx_str(L, "watch");
	char key[2 * KEYMAX];
	double next = -1, t;
	size_t i;

	for (i = 0; c && i < c->n; i++)
		if (json_is_str(json_get(c->vals[i], "status"), "valid") &&
		    ((t = jx_num(c->vals[i], "expires", 0)) < next || next < 0))
			next = t;
	for (i = 0; ms && i < ms->n; i++)
		if ((t = jx_num(ms->vals[i], "t", 0)) > (double)f->now &&
		    (t < next || next < 0))
			next = t;
	key[0] = '\0';
	if (next >= 0)
		snprintf(key, sizeof(key), "%016llx|%s",
		    (unsigned long long)(next > 9e18 ? 9e18 : next), lk);
	if (old && strcmp(old, key) == 0)
		return;
	if (old && *old)
		put(f, 'W', old, NULL);
	if (key[0])
		put(f, 'W', key, json_new(JSON_OBJECT));
	jx_set_str(L, "watch", key[0] ? key : NULL);
	dirty(f, 'L', lk);
}

/* --- member counts ---
 *
 * An organisation keeps, beside its members now ("cur": learner -> role,
 * valid certifications, skill levels), how many of them hold each
 * certification (any: the empty name), each skill level, per role and
 * for any role (the empty role), in "cnt", so that certifications and
 * skills criteria are a lookup.  Keys: "c" US cert US role and
 * "s" US profile/skill US level US role. */

static void
bump(json *cnt, int sign, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
bump(json *cnt, int sign, const char *fmt, ...)
{
	char key[2 * KEYMAX];
	va_list ap;
	double v;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	v = jx_num(cnt, key, 0) + sign;
	if (v == 0)
		json_del(cnt, key);
	else
		jx_set_num(cnt, key, v);
}

/* Add (sign 1) or take away (-1) member entry m in O's counts. */
static void
count_member(json *O, const json *m, int sign)
{
	json *cnt = jx_obj(O, "cnt");
	const json *cs = json_get(m, "certs"), *sk = json_get(m, "skills");
	const char *roles[2] = { "", jx_str(m, "role") };
	size_t i, r;

	for (r = 0; r < 2 && (r == 0 || roles[1]); r++) {
		if (cs && cs->n > 0)
			bump(cnt, sign, "c" FACT_SEP FACT_SEP "%s", roles[r]);
		for (i = 0; cs && i < cs->n; i++)
			bump(cnt, sign, "c" FACT_SEP "%s" FACT_SEP "%s",
			    cs->vals[i]->str, roles[r]);
		for (i = 0; sk && i < sk->n; i++)
			bump(cnt, sign, "s" FACT_SEP "%s" FACT_SEP "%.0f"
			    FACT_SEP "%s", sk->keys[i], sk->vals[i]->num, roles[r]);
	}
}

/* O's counts, made from its members when an older state has none. */
static json *
counts(json *O)
{
	const json *cur = json_get(O, "cur");
	size_t i;

	if (json_get(O, "cnt") == NULL)
		for (i = 0; cur && i < cur->n; i++)
			count_member(O, cur->vals[i], 1);
	return jx_obj(O, "cnt");
}

/* Set (m) or remove (NULL) learner lk's entry in O's members now. */
static void
set_member(struct fold *f, json *O, const char *orgkey, const char *lk,
    json *m)
{
	json *cur = jx_obj(O, "cur"), *old = json_get(cur, lk);

	counts(O);
	if (old)
		count_member(O, old, -1);
	if (m) {
		count_member(O, m, 1);
		json_set(cur, lk, m);
	} else
		json_del(cur, lk);
	dirty(f, 'O', orgkey);
	touch(f, orgkey);
}

/* Record in the organisations' "cur" maps where learner L is now, its
 * role and its valid certifications; touch what changed. */
static void
learner_sync(struct fold *f, json *L, const char *lk)
{
	const char *role, *org = fold_org_at(L, f->now, &role);
	const char *was = jx_str(jx_obj(L, "cur"), "org");
	json *O, *m, *valid = json_new(JSON_ARRAY), *certs = json_get(L, "certs");
	size_t i;

	for (i = 0; certs && i < certs->n; i++)
		if (json_is_str(json_get(certs->vals[i], "status"), "valid") &&
		    def(f, "certifications", certs->keys[i]))
			json_push(valid, json_new_str(certs->keys[i]));
	if (was && (org == NULL || strcmp(was, org) != 0) &&
	    (O = get(f, 'O', was, 0)) != NULL && json_get(json_get(O, "cur"), lk))
		set_member(f, O, was, lk, NULL);
	if (org) {
		O = get(f, 'O', org, 1);
		m = json_new(JSON_OBJECT);
		jx_set_str(m, "role", role);
		json_set(m, "certs", valid);
		if (json_get(L, "skills"))
			json_set(m, "skills", json_clone(json_get(L, "skills")));
		valid = NULL;
		if (!json_equal(m, json_get(jx_obj(O, "cur"), lk)))
			set_member(f, O, org, lk, m);
		else
			json_free(m);
	}
	json_free(valid);
	{
		const json *w = json_get(json_get(L, "cur"), "org");
		int same = org ? json_is_str(w, org) :
		    (w == NULL || w->type == JSON_NULL);

		if (!same) {
			jx_set_str(jx_obj(L, "cur"), "org", org);
			dirty(f, 'L', lk);
		}
	}
	watch_update(f, L, lk);
}

/* --- standings --- */

const json *
fold_tier(const json *P, const char *id)
{
	const json *tiers = json_get(P, "tiers");
	size_t i;

	for (i = 0; id && tiers && i < tiers->n; i++)
		if (json_is_str(json_get(tiers->vals[i], "id"), id))
			return tiers->vals[i];
	return NULL;
}

/* How many members now have skill criterion c's skill at its level or
 * above (with its role when named), from O's counts. */
static double
skilled(struct fold *f, json *O, const json *c)
{
	const json *P = fold_def(f, "skill-profiles", jx_str(c, "profile"));
	const json *sk = json_get(P, "skills"), *cnt = counts(O);
	const char *role = jx_str(c, "role");
	char key[2 * KEYMAX];
	size_t i, l;
	double n = 0;
	int want;

	for (i = 0; sk && i < sk->n; i++)
		if (json_is_str(json_get(sk->vals[i], "id"), jx_str(c, "skill")))
			break;
	if (sk == NULL || i == sk->n ||
	    (want = evidence_level_index(sk->vals[i], jx_str(c, "level"))) < 0)
		return 0;
	for (l = (size_t)want; l < json_get(sk->vals[i], "levels")->n; l++) {
		snprintf(key, sizeof(key), "s" FACT_SEP "%s/%s" FACT_SEP "%zu"
		    FACT_SEP "%s", jx_str(c, "profile"), jx_str(c, "skill"), l,
		    role ? role : "");
		n += jx_num(cnt, key, 0);
	}
	return n;
}

/* The value of criterion k of enrollment E now. */
static double
value_of(struct fold *f, const json *E, const struct prog_crit *k)
{
	char key[2 * KEYMAX];
	const char *orgkey;
	const json *met;
	json *O;

	if (k->event)
		return jx_num(json_get(E, "values"), k->id, 0);
	if (k->type == PROG_CUSTOM) {
		met = json_get(json_get(json_get(E, "custom"), k->id), "met");
		return met && met->type == JSON_TRUE;
	}
	if (k->type != PROG_CERTIFICATIONS && k->type != PROG_SKILLS)
		return 0;
	orgkey = jx_str(E, "account");
	if (orgkey == NULL || (O = get(f, 'O', orgkey, 0)) == NULL)
		return 0;
	if (k->type == PROG_SKILLS)
		return skilled(f, O, k->c);
	(void)jx_join(key, sizeof(key), "c" FACT_SEP, k->cert ? k->cert : "",
	    FACT_SEP, k->role ? k->role : "", (char *)NULL);
	return jx_num(counts(O), key, 0);
}

static int
holds(struct fold *f, const json *E, const struct prog_crit *k)
{
	double v = value_of(f, E, k);

	if (k->type == PROG_CUSTOM)
		return v > 0;
	return v + 1e-9 >= k->threshold;
}

/* The rank of the tier E qualifies for in program p (0: none), its id
 * in *id (NULL for none). */
static int
qualified(struct fold *f, const struct prog *p, const json *E,
    const char **id)
{
	const struct prog_tier *t;
	size_t i, k;
	int q = 0;

	*id = NULL;
	for (i = 0; i < p->ntiers; i++) {
		t = &p->tiers[i];
		for (k = 0; k < t->ncrit && holds(f, E, &t->crit[k]); k++)
			;
		if (k < t->ncrit)
			break;
		q = t->rank;
		*id = t->id;
	}
	return q;
}

double
fold_value(struct fold *f, const json *P, const json *E, const json *c)
{
	struct prog_crit k;

	(void)P;
	prog_crit_init(&k, c);
	return value_of(f, E, &k);
}

int
fold_holds(struct fold *f, const json *P, const json *E, const json *c)
{
	struct prog_crit k;

	(void)P;
	prog_crit_init(&k, c);
	return holds(f, E, &k);
}

int
fold_qualified(struct fold *f, const json *P, const json *E, const char **id)
{
	struct prog *own;
	const struct prog *p = prog_for(f, P, &own);
	int q = qualified(f, p, E, id);

	prog_free(own);
	return q;
}

/* A tier outcome of enrollment E (program pid, organisation group) with
 * history; returns the outcome id. */
static const char *
tier_outcome(struct fold *f, const char *pid, json *E, const char *ek,
    const char *verb, const char *kind, const char *from, const char *to,
    json *extra)
{
	char obj[KEYMAX], now[32];
	json *d = extra ? extra : json_new(JSON_OBJECT), *h;
	const char *id;

	snprintf(obj, sizeof(obj), TV_NS "/programs/%s/tiers/%s", pid,
	    to ? to : from ? from : "none");
	jx_set_str(d, "program", pid);
	jx_set_str(d, "organization", jx_str(E, "org"));
	jx_set_str(d, "from", from);
	jx_set_str(d, "to", to);
	id = outcome(f, verb, obj, "programs", pid, json_get(E, "group"), ek,
	    kind, d);
	h = json_new(JSON_OBJECT);
	iso(f->now, now);
	jx_set_str(h, "at", now);
	jx_set_str(h, "kind", kind);
	jx_set_str(h, "from", from);
	jx_set_str(h, "to", to);
	jx_set_str(h, "outcome", id);
	json_push(jx_arr(E, "history"), h);
	dirty(f, 'E', ek);
	return id;
}

static void
set_tier(struct fold *f, const char *pid, json *E, const char *ek,
    const char *to, int up)
{
	char from[256];
	const char *cur = jx_str(E, "tier");

	snprintf(from, sizeof(from), "%s", cur ? cur : "");
	jx_set_str(E, "tier", to);
	json_set(E, "at_risk", json_new(JSON_NULL));
	tier_outcome(f, pid, E, ek, up ? TV_VERB("promoted") :
	    TV_VERB("demoted"), up ? "promoted" : "demoted",
	    cur ? from : NULL, to, NULL);
}

/* Outcome on the pending recommendation of E, which is then dropped. */
static void
rec_close(struct fold *f, const char *pid, json *E, const char *ek,
    const char *verb, const char *kind)
{
	json *rec = json_get(E, "rec"), *d;
	char obj[KEYMAX];

	if (rec == NULL || rec->type != JSON_OBJECT)
		return;
	snprintf(obj, sizeof(obj), TV_NS "/recommendations/%s", jx_str(rec, "id"));
	d = json_new(JSON_OBJECT);
	jx_set_str(d, "recommendation", jx_str(rec, "id"));
	jx_set_str(d, "program", pid);
	jx_set_str(d, "organization", jx_str(E, "org"));
	jx_set_str(d, "tier", jx_str(rec, "tier"));
	outcome(f, verb, obj, "programs", pid, json_get(E, "group"), ek, kind, d);
	put(f, 'R', jx_str(rec, "id"), NULL);
	json_set(E, "rec", json_new(JSON_NULL));
	dirty(f, 'E', ek);
}

static void
rec_raise(struct fold *f, const char *pid, json *E, const char *ek,
    const char *tier)
{
	char obj[KEYMAX], now[32], text[4096], id[37];
	json *rec = json_new(JSON_OBJECT), *r, *d = json_new(JSON_OBJECT);
	json *P = def(f, "programs", pid);

	snprintf(text, sizeof(text), "programs/%s@%.0f|%s|recommended|%s", pid,
	    jx_num(P, "version", 0), ek, f->cause);
	fold_uuid5(text, id);
	snprintf(obj, sizeof(obj), TV_NS "/recommendations/%s", id);
	jx_set_str(d, "recommendation", id);
	jx_set_str(d, "program", pid);
	jx_set_str(d, "organization", jx_str(E, "org"));
	jx_set_str(d, "tier", tier);
	outcome(f, TV_VERB("recommended"), obj, "programs", pid,
	    json_get(E, "group"), ek, "recommended", d);
	iso(f->now, now);
	jx_set_str(rec, "id", id);
	jx_set_str(rec, "tier", tier);
	jx_set_str(rec, "raised", now);
	json_set(E, "rec", rec);
	r = get(f, 'R', id, 1);
	jx_set_str(r, "program", pid);
	jx_set_str(r, "org", jx_str(E, "org"));
	dirty(f, 'R', id);
	dirty(f, 'E', ek);
}

/* The approval policy: the highest tier above the current one, up to
 * rank q, not rejected in this period. */
static void
recommend(struct fold *f, const char *pid, const struct prog *p, json *E,
    const char *ek, int c, int q)
{
	size_t i;
	const char *t = NULL, *pend;
	const json *rej = json_get(E, "rejected");
	int r;

	for (i = 0; i < p->ntiers; i++) {
		r = p->tiers[i].rank;
		if (r > c && r <= q && !jx_has_str(rej, p->tiers[i].id))
			t = p->tiers[i].id;
	}
	pend = jx_str(json_get(E, "rec"), "tier");
	if (t == NULL) {
		if (pend)
			rec_close(f, pid, E, ek, TV_VERB("withdrew"), "withdrawn");
		return;
	}
	if (pend && strcmp(pend, t) == 0)
		return;
	if (pend)
		rec_close(f, pid, E, ek, prog_rank(p, pend) < prog_rank(p, t) ?
		    TV_VERB("superseded") : TV_VERB("withdrew"),
		    prog_rank(p, pend) < prog_rank(p, t) ? "superseded" :
		    "withdrawn");
	rec_raise(f, pid, E, ek, t);
}

/* README 7, "Evaluation". */
static void
evaluate(struct fold *f, const char *pid, const char *orgid)
{
	char ek[KEYMAX], tid[256];
	const struct prog *p = prog_get(f, pid);
	json *E;
	const char *qid;
	int q, c;
	double since;

	(void)jx_join(ek, sizeof(ek), pid, "/", orgid, (char *)NULL);
	if (p == NULL || (E = get(f, 'E', ek, 0)) == NULL ||
	    json_is_str(json_get(E, "status"), "ended"))
		return;
	q = qualified(f, p, E, &qid);
	(void)jx_join(tid, sizeof(tid), qid ? qid : "", (char *)NULL);
	c = prog_rank(p, jx_str(E, "tier"));
	if (q >= c)
		jx_set_str(E, "at_risk", NULL);
	if (q > c) {
		if (p->approval)
			recommend(f, pid, p, E, ek, c, q);
		else
			set_tier(f, pid, E, ek, tid, 1);
	} else if (json_get(E, "rec") && json_get(E, "rec")->type == JSON_OBJECT)
		rec_close(f, pid, E, ek, TV_VERB("withdrew"), "withdrawn");
	if (q < c) {
		if (json_get(E, "at_risk") == NULL ||
		    json_get(E, "at_risk")->type != JSON_NUMBER)
			jx_set_num(E, "at_risk", (double)f->now);
		since = jx_num(E, "at_risk", 0);
		if ((double)f->now >= since + jx_num(p->P, "grace_days", 0) *
		    (double)DAY_US)
			set_tier(f, pid, E, ek, q ? tid : NULL, 0);
	}
	jx_set_str(E, "status", json_get(E, "at_risk")->type == JSON_NUMBER ?
	    "at-risk" : "active");
	dirty(f, 'E', ek);
}

/* Evaluate the enrollments of each touched organisation, by program id
 * and then organisation id (README 7). */
static void
evaluate_touched(struct fold *f)
{
	json *progs = json_get(f->defs, "programs");
	const char **pids, **ids = xcalloc(f->ntouched + 1, sizeof(char *));
	size_t i, k, n = 0, np;

	for (k = 0; k < f->ntouched; k++)
		if ((ids[n] = jx_str(get(f, 'O', f->touched[k], 0), "id")))
			n++;
	qsort(ids, n, sizeof(char *), cmp_pstr);
	pids = sorted_keys(progs, &np);
	for (i = 0; i < np; i++)
		for (k = 0; k < n; k++)
			evaluate(f, pids[i], ids[k]);
	free(pids);
	free(ids);
}

/* --- enrollments and periods --- */

static json *
group_of(const char *orgkey)
{
	const char *bar = strchr(orgkey, '|');
	json *g = json_new(JSON_OBJECT), *a = json_new(JSON_OBJECT);

	json_set(g, "objectType", json_new_str("Group"));
	json_set(a, "homePage", json_new_strn(orgkey, (size_t)(bar - orgkey)));
	json_set(a, "name", json_new_str(bar + 1));
	json_set(g, "account", a);
	return g;
}

/* Add id to the sorted list of entity 'M' name (member "ids"). */
static void
list_add(struct fold *f, const char *name, const char *id)
{
	json *M = get(f, 'M', name, 1), *arr, *v;
	size_t i;

	if (M == NULL)
		return;
	arr = jx_arr(M, "ids");
	for (i = 0; i < arr->n && strcmp(arr->vals[i]->str, id) < 0; i++)
		;
	if (i < arr->n && strcmp(arr->vals[i]->str, id) == 0)
		return;
	json_push(arr, json_new_str(id));
	v = arr->vals[arr->n - 1];
	memmove(arr->vals + i + 1, arr->vals + i, (arr->n - 1 - i) *
	    sizeof(*arr->vals));
	arr->vals[i] = v;
	dirty(f, 'M', name);
}

/* A new enrollment of organisation orgkey (id orgid) in program pid from
 * day start, or a restart of an ended one. */
static json *
enroll(struct fold *f, const char *pid, const struct prog *p,
    const char *orgid, const char *orgkey, int64_t start)
{
	const json *P = p->P;
	const char *entry;
	char ek[KEYMAX];
	json *E;

	(void)jx_join(ek, sizeof(ek), pid, "/", orgid, (char *)NULL);
	if (get(f, 'E', ek, 0) == NULL)
		list_add(f, "enrollments", ek);
	E = get(f, 'E', ek, 1);
	jx_set_str(E, "program", pid);
	jx_set_str(E, "org", orgid);
	jx_set_str(E, "account", orgkey);
	json_set(E, "group", group_of(orgkey));
	jx_set_num(E, "start", (double)start);
	jx_set_num(E, "end", (double)(start + (int64_t)jx_num(P, "period_days",
	    365) - 1));
	jx_set_str(E, "status", "active");
	json_set(E, "at_risk", json_new(JSON_NULL));
	json_set(E, "rejected", json_new(JSON_ARRAY));
	json_set(E, "rec", json_new(JSON_NULL));
	entry = p->ntiers && json_get(P, "enroll_entry_tier") &&
	    json_get(P, "enroll_entry_tier")->type == JSON_TRUE ?
	    p->tiers[0].id : NULL;
	jx_set_str(E, "tier", entry);
	tier_outcome(f, pid, E, ek, TV_VERB("enrolled"), "enrolled", NULL,
	    entry, NULL);
	recount(f, p, E, ek, orgkey);
	return E;
}

/* README 7, "Period end". */
static void
period_end(struct fold *f, const char *pid, const struct prog *p, json *E,
    const char *ek)
{
	const json *P = p->P;
	int64_t today = jx_day(f->now), len;
	const char *t = jx_str(E, "tier");

	while (!json_is_str(json_get(E, "status"), "ended") &&
	    today > (int64_t)jx_num(E, "end", 0)) {
		if (json_get(P, "renew") && json_get(P, "renew")->type == JSON_TRUE) {
			len = (int64_t)jx_num(P, "period_days", 365);
			jx_set_num(E, "start", jx_num(E, "end", 0) + 1);
			jx_set_num(E, "end", jx_num(E, "end", 0) + (double)len);
			json_set(E, "rejected", json_new(JSON_ARRAY));
			tier_outcome(f, pid, E, ek, TV_VERB("renewed"), "renewed",
			    t, t, NULL);
			recount(f, p, E, ek, jx_str(E, "account"));
		} else {
			rec_close(f, pid, E, ek, TV_VERB("withdrew"), "withdrawn");
			jx_set_str(E, "status", "ended");
			json_set(E, "at_risk", json_new(JSON_NULL));
			tier_outcome(f, pid, E, ek, TV_VERB("ended"), "ended", t,
			    NULL, NULL);
		}
	}
}

/* Sorted keys of an object, as a new array of pointers into it. */
static const char **
sorted_keys(const json *obj, size_t *n)
{
	const char **k;
	size_t i, j;

	*n = obj && obj->type == JSON_OBJECT ? obj->n : 0;
	k = xcalloc(*n ? *n : 1, sizeof(*k));
	for (i = 0; i < *n; i++) {
		for (j = i; j > 0 && strcmp(k[j - 1], obj->keys[i]) > 0; j--)
			k[j] = k[j - 1];
		k[j] = obj->keys[i];
	}
	return k;
}

/* Whether time moving from prev to now changes learner L: a valid
 * certification expires, or a membership takes effect. */
static int
due(struct fold *f, const json *L, int64_t prev)
{
	const json *c = json_get(L, "certs"), *ms = json_get(L, "mship");
	double t;
	size_t i;

	for (i = 0; c && i < c->n; i++)
		if (json_is_str(json_get(c->vals[i], "status"), "valid") &&
		    jx_num(c->vals[i], "expires", 0) <= (double)f->now)
			return 1;
	for (i = 0; ms && i < ms->n; i++) {
		t = jx_num(ms->vals[i], "t", 0);
		if (t > (double)prev && t <= (double)f->now)
			return 1;
	}
	return 0;
}

/* A clock tick: README 7, "A tick". */
static void
tick(struct fold *f, const json *st)
{
	const json *pl = json_get(json_get(json_get(st, "result"), "extensions"),
	    TV_EXT("payload"));
	const char *inst = json_get_str(pl, "instant");
	char **ids = NULL;
	size_t n = 0, i;
	json *L, *E, *M, *list;
	int64_t t, prev;
	int rc;

	if (inst == NULL || iso8601_parse(inst, strlen(inst), 1, &t) != 0)
		return;
	prev = f->now;
	if (t > f->now)
		f->now = t;
	M = get(f, 'M', "clock", 1);
	jx_set_num(M, "now", (double)f->now);
	dirty(f, 'M', "clock");
	{
		char hi[32];

		/* Due at or before now: keys below the next microsecond. */
		snprintf(hi, sizeof(hi), "%016llx", (unsigned long long)f->now + 1);
		if ((rc = tstate_ids_below(f->ts, 'W', hi, &ids, &n)) != 0 &&
		    f->rc == 0)
			f->rc = rc;
	}
	for (i = 0; i < n; i++) {
		char *bar = strchr(ids[i], '|');

		if (bar && strtoull(ids[i], NULL, 16) <= (uint64_t)f->now &&
		    (L = get(f, 'L', bar + 1, 0)) != NULL && due(f, L, prev)) {
			certs_expire(f, L, bar + 1);
			learner_sync(f, L, bar + 1);
		}
		free(ids[i]);
	}
	free(ids);
	list = json_get(get(f, 'M', "enrollments", 0), "ids");
	n = list ? list->n : 0;
	ids = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		ids[i] = xstrdup(list->vals[i]->str);
	for (i = 0; i < n; i++) {
		char pid[KEYMAX], *slash;
		const struct prog *p;

		(void)jx_join(pid, sizeof(pid), ids[i], (char *)NULL);
		slash = strchr(pid, '/');
		if (slash)
			*slash = '\0';
		E = get(f, 'E', ids[i], 0);
		p = prog_get(f, pid);
		if (E && p && slash) {
			period_end(f, pid, p, E, ids[i]);
			evaluate(f, pid, slash + 1);
		}
		free(ids[i]);
	}
	free(ids);
}

/* --- membership, voiding, events --- */

/* Move L's facts whose organisation changed from membership history
 * before to L's history now. */
struct reattr {
	const json	*before, *after;
};

static void
reattr_fact(struct fold *f, const json *fc, void *arg)
{
	struct reattr *r = arg;
	int64_t t = (int64_t)jx_num(fc, "t", 0);
	const char *a = org_at_ms(r->before, t, NULL);
	const char *b = org_at_ms(r->after, t, NULL);

	if ((a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0))
		return;
	count_fact(f, a, fc, -1);
	count_fact(f, b, fc, 1);
	touch(f, a);
	touch(f, b);
}

/* L's membership history changed from before at time from: only the
 * facts from then on can have changed hands. */
static void
reattribute(struct fold *f, const json *L, const char *lk, const json *before,
    int64_t from)
{
	struct reattr r = { before, json_get(L, "mship") };

	fold_each_fact_in(f, 'F', lk, NULL, from, INT64_MAX, reattr_fact, &r);
}

static void
ever_add(struct fold *f, const char *orgkey, const char *lk)
{
	json *O = get(f, 'O', orgkey, 1), *ever = jx_arr(O, "ever");

	if (!jx_has_str(ever, lk)) {
		json_push(ever, json_new_str(lk));
		dirty(f, 'O', orgkey);
	}
}

static json *
learner(struct fold *f, const json *agent, char *lk, size_t size)
{
	json *L;

	if (fold_agent_key(agent, lk, size) != 0)
		return NULL;
	L = get(f, 'L', lk, 1);
	if (L && json_get(L, "agent") == NULL)
		json_set(L, "agent", json_clone(agent));
	return L;
}

static void
membership(struct fold *f, const json *st, const char *sid, int64_t t,
    int join, uint64_t seq)
{
	char lk[KEYMAX], ok[KEYMAX];
	json *L = learner(f, json_get(st, "actor"), lk, sizeof(lk)), *ms, *e;
	const json *role = json_get(json_get(json_get(st, "context"),
	    "extensions"), TV_EXT("role"));
	json *before;
	size_t i;
	const char *at;

	if (L == NULL || fold_group_key(json_get(st, "object"), ok,
	    sizeof(ok)) != 0)
		return;
	ms = jx_arr(L, "mship");
	e = json_new(JSON_OBJECT);
	jx_set_num(e, "t", (double)t);
	jx_set_num(e, "seq", (double)seq);
	jx_set_str(e, "sid", sid);
	/* Leaving an organisation one is not in at t changes nothing. */
	at = fold_org_at(L, t, NULL);
	if (!join && (at == NULL || strcmp(at, ok) != 0)) {
		json_free(e);
		return;
	}
	before = json_clone(ms);
	jx_set_str(e, "org", join ? ok : NULL);
	jx_set_str(e, "role", join && role && role->type == JSON_STRING ?
	    role->str : NULL);
	for (i = ms->n; i > 0 && jx_num(ms->vals[i - 1], "t", 0) > (double)t; i--)
		;
	json_push(ms, e);
	memmove(ms->vals + i + 1, ms->vals + i, (ms->n - 1 - i) *
	    sizeof(*ms->vals));
	ms->vals[i] = e;
	if (join)
		ever_add(f, ok, lk);
	touch(f, ok);
	dirty(f, 'L', lk);
	reattribute(f, L, lk, before, t);
	json_free(before);
	learner_sync(f, L, lk);
}

/* Statement tid is voided by the statement being applied (number seq):
 * take back what it did.  A target stored after its voiding statement is
 * skipped when it arrives (fold_apply), so only earlier ones are undone. */
static void
unvoid(struct fold *f, const char *tid, uint64_t seq)
{
	json *st = NULL, *L, *ms, *before, *fc;
	struct fact_view fv;
	char lk[KEYMAX], fk[3 * KEYMAX], ok[KEYMAX];
	const char *verb, *at, *auth;
	uint64_t tseq = 0, by = 0;
	int64_t t;
	size_t i;
	int changed = 0;

	if (f->load == NULL || f->load(f->load_arg, tid, &tseq, &by, &st) != 0 ||
	    st == NULL || tseq >= seq)
		goto out;
	verb = json_get_str(json_get(st, "verb"), "id");
	auth = json_get_str(json_get(json_get(st, "authority"), "account"),
	    "name");
	if (verb == NULL || strcmp(verb, TV_VOIDED) == 0 ||
	    (auth && strncmp(auth, TV_ENGINE, strlen(TV_ENGINE)) == 0))
		goto out;	/* voiding voids, and the engine's acts stay */
	t = ts_of(st);
	if (named_org(st, ok, sizeof(ok)) == 0) {
		fold_fact_key(ok, verb, t, tid, fk, sizeof(fk));
		if ((fc = get(f, 'G', fk, 0)) != NULL) {
			count_fact(f, ok, fc, -1);
			put(f, 'G', fk, NULL);
		}
		goto out;
	}
	if ((L = learner(f, json_get(st, "actor"), lk, sizeof(lk))) == NULL)
		goto out;
	if (strcmp(verb, TV_JOIN) == 0 || strcmp(verb, TV_LEAVE) == 0) {
		ms = jx_arr(L, "mship");
		before = json_clone(ms);
		for (i = 0; i < ms->n; i++)
			if (json_is_str(json_get(ms->vals[i], "sid"), tid)) {
				t = (int64_t)jx_num(ms->vals[i], "t", 0);
				jx_remove(ms, i);
				break;
			}
		reattribute(f, L, lk, before, t);
		json_free(before);
		dirty(f, 'L', lk);
		learner_sync(f, L, lk);
		goto out;
	}
	/* Its fact, when it was counted: the fact goes. */
	fold_fact_key(lk, verb, t, tid, fk, sizeof(fk));
	if ((fc = get(f, 'F', fk, 0)) != NULL &&
	    (at = fold_org_at(L, t, NULL)) != NULL) {
		(void)jx_join(ok, sizeof(ok), at, (char *)NULL);
		count_fact(f, ok, fc, -1);
	}
	/* Its evidence, which the index holds when the definitions name its
	 * activity (evidence_from_log): once, for the first voiding (the
	 * one the log records), as a later one finds it gone. */
	if (by == seq && proves(f, json_get_str(json_get(st, "object"), "id")))
		changed = evidence_add(f, L, lk, fc ? fc : fact_view(&fv, st,
		    tid, t), -1);
	if (fc)
		put(f, 'F', fk, NULL);	/* frees fc */
	if (fc == NULL && changed == 0)
		goto out;
	dirty(f, 'L', lk);
	if (certs_update(f, L, lk) | skills_update(f, L, lk))
		learner_sync(f, L, lk);
out:
	json_free(st);
}

/* Find the organisation id of account key orgkey (NULL: not defined). */
static const char *
org_id(struct fold *f, const char *orgkey)
{
	return orgkey ? jx_str(get(f, 'O', orgkey, 0), "id") : NULL;
}

static void
agreement(struct fold *f, const json *st, const char *orgkey, int64_t t)
{
	const char *obj = json_get_str(json_get(st, "object"), "id");
	json *progs = json_get(f->defs, "programs"), *E;
	const json *P;
	const char *orgid = org_id(f, orgkey);
	char ek[KEYMAX];
	size_t i;

	if (obj == NULL || orgid == NULL)
		return;
	for (i = 0; progs && i < progs->n; i++) {
		if ((P = fold_def(f, "programs", progs->keys[i])) == NULL ||
		    !json_is_str(json_get(P, "agreement"), obj))
			continue;
		(void)jx_join(ek, sizeof(ek), progs->keys[i], "/", orgid,
		    (char *)NULL);
		E = get(f, 'E', ek, 0);
		if (E && !json_is_str(json_get(E, "status"), "ended"))
			continue;
		enroll(f, progs->keys[i], prog_get(f, progs->keys[i]), orgid,
		    orgkey, jx_day(t));
		touch(f, orgkey);
	}
}

/* Write the fact of statement st (id sid, time t) under its owner: the
 * organisation it names (a Group actor, or its context's team), else its
 * actor.  For facts_widen; event() does the same as it goes. */
static void
fact_put(struct fold *f, const json *st, const char *sid, int64_t t)
{
	const char *verb = json_get_str(json_get(st, "verb"), "id");
	char ok[KEYMAX], fk[3 * KEYMAX];

	if (named_org(st, ok, sizeof(ok)) == 0) {
		fold_fact_key(ok, verb, t, sid, fk, sizeof(fk));
		put(f, 'G', fk, fact_of(st, sid, t));
	} else if (fold_agent_key(json_get(st, "actor"), ok, sizeof(ok)) == 0) {
		fold_fact_key(ok, verb, t, sid, fk, sizeof(fk));
		put(f, 'F', fk, fact_of(st, sid, t));
	}
}

/* Keep learner lk's fact of st (a verb programs count): counted for
 * the organisation L belonged to at t, evidence when it proves
 * something, written through.  Whether L's evidence changed. */
static int
learner_fact(struct fold *f, json *L, const char *lk, const json *st,
    const char *sid, int64_t t, int proof)
{
	json *fc = fact_of(st, sid, t);
	char ok[KEYMAX], fk[3 * KEYMAX];
	const char *at;
	int changed = 0;

	if ((at = fold_org_at(L, t, NULL)) != NULL) {
		(void)jx_join(ok, sizeof(ok), at, (char *)NULL);
		count_fact(f, ok, fc, 1);
	}
	if (proof)
		changed = evidence_add(f, L, lk, fc, 1);
	/* put takes (frees) fc: after every use of it. */
	fold_fact_key(lk, jx_str(fc, "verb"), t, sid, fk, sizeof(fk));
	put(f, 'F', fk, fc);
	return changed;
}

/* A learning or business event.  One whose fact is not kept is one
 * nothing counts or proves (see "which facts are kept"): only its
 * learner is noted. */
static void
event(struct fold *f, const json *st, const char *sid, int64_t t)
{
	const char *verb = json_get_str(json_get(st, "verb"), "id");
	char ok[KEYMAX], lk[KEYMAX], fk[3 * KEYMAX];
	struct fact_view fv;
	int keep = kept(f, verb), changed = 0;
	int proof = proves(f, json_get_str(json_get(st, "object"), "id"));
	json *fc, *L;

	/* Facts are written through: put takes (frees) fc, so it comes
	 * after every use of fc, and before anything reads facts back. */
	if (named_org(st, ok, sizeof(ok)) == 0) {
		if (keep) {
			fc = fact_of(st, sid, t);
			fold_fact_key(ok, verb, t, sid, fk, sizeof(fk));
			count_fact(f, ok, fc, 1);
			put(f, 'G', fk, fc);
		}
		if (verb && strcmp(verb, TV_VERB("signed")) == 0)
			agreement(f, st, ok, t);
		return;
	}
	if ((L = learner(f, json_get(st, "actor"), lk, sizeof(lk))) == NULL ||
	    (!keep && !proof))
		return;
	changed = keep ? learner_fact(f, L, lk, st, sid, t, proof) :
	    evidence_add(f, L, lk, fact_view(&fv, st, sid, t), 1);
	if (changed == 0)
		return;
	dirty(f, 'L', lk);
	if (certs_update(f, L, lk) | skills_update(f, L, lk))
		learner_sync(f, L, lk);
}

/* --- admin acts --- */

/* A statement of the log for evidence_from_log: the evidence event()
 * would have added, had the definitions been these then. */
static void
evidence_one(void *ctx, const json *st, uint64_t seq, uint64_t voided_by)
{
	struct fold *f = ctx;
	char lk[KEYMAX], ok[KEYMAX];
	const char *sid = json_get_str(st, "id");
	struct fact_view fv;
	json *L;

	(void)seq;
	if (role_of(st) != R_EVENT || (voided_by && voided_by < f->seq) ||
	    !proves(f, json_get_str(json_get(st, "object"), "id")) ||
	    named_org(st, ok, sizeof(ok)) == 0 ||
	    (L = learner(f, json_get(st, "actor"), lk, sizeof(lk))) == NULL)
		return;
	(void)evidence_add(f, L, lk, fact_view(&fv, st, sid, ts_of(st)), 1);
}

/* Make the evidence index of every learner again from the statements
 * before this one (the certifications or skill profiles changed): one
 * pass over the log, reading only the statements that name an activity
 * the definitions name. */
static void
evidence_from_log(struct fold *f)
{
	char **needles = NULL;
	size_t n = 0;

	needles_add(NULL, keep_set(f), "activities", &needles, &n);
	log_pass(f, needles, n, evidence_one, f);
}

static void
sync_all(struct fold *f, int certs_too)
{
	char **ids = NULL;
	size_t n = 0, i;
	json *L;
	int rc;

	if ((rc = tstate_ids(f->ts, 'L', NULL, &ids, &n)) != 0 && f->rc == 0)
		f->rc = rc;
	if (certs_too) {
		for (i = 0; i < n; i++)
			if ((L = get(f, 'L', ids[i], 0)) != NULL)
				evidence_clear(f, L, ids[i]);
		evidence_from_log(f);
	}
	for (i = 0; i < n; i++) {
		if ((L = get(f, 'L', ids[i], 0)) != NULL) {
			if (certs_too) {
				dirty(f, 'L', ids[i]);
				certs_update(f, L, ids[i]);
				skills_update(f, L, ids[i]);
			}
			learner_sync(f, L, ids[i]);
		}
		free(ids[i]);
	}
	free(ids);
}

/* Recount and evaluate every enrollment of program pid. */
static void
program_changed(struct fold *f, const char *pid)
{
	char **ids = NULL, pre[KEYMAX];
	size_t n = 0, i, plen;
	const struct prog *p = prog_get(f, pid);
	json *E;
	int rc;

	plen = (size_t)snprintf(pre, sizeof(pre), "%s/", pid);
	if ((rc = tstate_ids(f->ts, 'E', NULL, &ids, &n)) != 0 && f->rc == 0)
		f->rc = rc;
	for (i = 0; i < n; i++) {
		if (p && strncmp(ids[i], pre, plen) == 0 &&
		    (E = get(f, 'E', ids[i], 0)) != NULL &&
		    !json_is_str(json_get(E, "status"), "ended")) {
			recount(f, p, E, ids[i], jx_str(E, "account"));
			evaluate(f, pid, ids[i] + plen);
		}
		free(ids[i]);
	}
	free(ids);
}

static void
define(struct fold *f, const char *kind, const char *id, const json *body)
{
	json *kinds = jx_obj(f->defs, kind), *r = json_get(kinds, id), *D, *O;
	json *was = json_clone(keep_set(f));
	char key[KEYMAX], ok[KEYMAX];

	/* They point into the definitions: any may change. */
	progs_drop(f);

	if (r == NULL) {
		r = json_new(JSON_OBJECT);
		jx_set_str(r, "id", id);
		json_set(kinds, id, r);
	}
	jx_set_num(r, "version", jx_num(r, "version", 0) + 1);
	json_set(r, "deleted", json_new_bool(body == NULL));
	if (body)
		json_set(r, "definition", json_clone(body));
	(void)jx_join(key, sizeof(key), kind, "/", id, (char *)NULL);
	D = get(f, 'D', key, 1);
	json_set(D, "record", json_clone(r));
	if (strcmp(kind, "programs") == 0) {
		json_free(f->countable);
		f->countable = NULL;
	}
	/* Before any recount reads them. */
	facts_widen(f, was);
	json_free(was);
	dirty(f, 'D', key);
	if (strcmp(kind, "organizations") == 0 && body) {
		json *g = json_clone(body);

		json_set(g, "objectType", json_new_str("Group"));
		if (fold_group_key(g, ok, sizeof(ok)) == 0) {
			O = get(f, 'O', ok, 1);
			jx_set_str(O, "id", id);
			dirty(f, 'O', ok);
			O = get(f, 'I', id, 1);
			jx_set_str(O, "account", ok);
			dirty(f, 'I', id);
		}
		json_free(g);
	} else if (strcmp(kind, "programs") == 0)
		program_changed(f, id);
	else if (strcmp(kind, "certifications") == 0 ||
	    strcmp(kind, "skill-profiles") == 0)
		sync_all(f, 1);
}

/* The enrollment named by "p/org" of an admin act, creating it when
 * create is set and it is absent or ended. */
static json *
admin_enrollment(struct fold *f, const char *pid, const char *orgid,
    int create, const json *start)
{
	const json *P = fold_def(f, "programs", pid);
	const char *ok = jx_str(get(f, 'I', orgid, 0), "account");
	char ek[KEYMAX], okb[KEYMAX];
	json *E;
	int64_t day = jx_day(f->now);

	if (P == NULL || ok == NULL)
		return NULL;
	(void)jx_join(ek, sizeof(ek), pid, "/", orgid, (char *)NULL);
	E = get(f, 'E', ek, 0);
	if (create && (E == NULL || json_is_str(json_get(E, "status"), "ended"))) {
		(void)jx_join(okb, sizeof(okb), ok, (char *)NULL);
		if (start && start->type == JSON_STRING)
			jx_day_parse(start->str, &day);
		E = enroll(f, pid, prog_get(f, pid), orgid, okb, day);
	}
	return E;
}

static void
enrollment_edit(struct fold *f, const char *pid, const char *orgid,
    const json *body)
{
	json *E = admin_enrollment(f, pid, orgid, 1, json_get(body, "start"));
	const struct prog *p = prog_get(f, pid);
	const json *v;
	char ek[KEYMAX];
	int64_t day;
	int recountit = 0;
	const char *tier;

	if (E == NULL)
		return;
	(void)jx_join(ek, sizeof(ek), pid, "/", orgid, (char *)NULL);
	if ((v = json_get(body, "start")) && jx_day_parse(v->str, &day) == 0 &&
	    day != (int64_t)jx_num(E, "start", 0))
		jx_set_num(E, "start", (double)day), recountit = 1;
	if ((v = json_get(body, "end")) && jx_day_parse(v->str, &day) == 0 &&
	    day != (int64_t)jx_num(E, "end", 0))
		jx_set_num(E, "end", (double)day), recountit = 1;
	if ((v = json_get(body, "primary_user")))
		json_set(E, "primary_user", json_clone(v));
	if (recountit)
		recount(f, p, E, ek, jx_str(E, "account"));
	tier = json_get_str(body, "tier");
	if (tier && prog_tier(p, tier) &&
	    !json_is_str(json_get(E, "tier"), tier)) {
		rec_close(f, pid, E, ek, TV_VERB("withdrew"), "withdrawn");
		set_tier(f, pid, E, ek, tier, prog_rank(p, tier) >
		    prog_rank(p, jx_str(E, "tier")));
	}
	dirty(f, 'E', ek);
	evaluate(f, pid, orgid);
}

static void
decide_custom(struct fold *f, const char *pid, const char *orgid,
    const char *cid, const json *body, const json *st)
{
	json *E = admin_enrollment(f, pid, orgid, 0, NULL), *d;
	char ek[KEYMAX], now[32];

	if (E == NULL)
		return;
	(void)jx_join(ek, sizeof(ek), pid, "/", orgid, (char *)NULL);
	d = json_new(JSON_OBJECT);
	json_set(d, "met", json_new_bool(json_get(body, "met") &&
	    json_get(body, "met")->type == JSON_TRUE));
	jx_set_str(d, "reason", json_get_str(body, "reason"));
	jx_set_str(d, "by", json_get_str(json_get(json_get(st, "actor"),
	    "account"), "name"));
	iso(f->now, now);
	jx_set_str(d, "at", now);
	json_set(jx_obj(E, "custom"), cid, d);
	dirty(f, 'E', ek);
	evaluate(f, pid, orgid);
}

static void
decide_rec(struct fold *f, const char *rid, const json *body)
{
	json *R = get(f, 'R', rid, 0), *E;
	char pid[256], orgid[256], ek[KEYMAX], tier[KEYMAX];
	int approve = json_get(body, "approve") &&
	    json_get(body, "approve")->type == JSON_TRUE;

	if (R == NULL)
		return;
	snprintf(pid, sizeof(pid), "%s", jx_str(R, "program"));
	snprintf(orgid, sizeof(orgid), "%s", jx_str(R, "org"));
	(void)jx_join(ek, sizeof(ek), pid, "/", orgid, (char *)NULL);
	if ((E = get(f, 'E', ek, 0)) == NULL ||
	    !json_is_str(json_get(json_get(E, "rec"), "id"), rid))
		return;
	snprintf(tier, sizeof(tier), "%s", jx_str(json_get(E, "rec"), "tier"));
	if (approve) {
		rec_close(f, pid, E, ek, TV_VERB("approved-recommendation"),
		    "approved");
		set_tier(f, pid, E, ek, tier, 1);
	} else {
		rec_close(f, pid, E, ek, TV_VERB("rejected-recommendation"),
		    "rejected");
		json_push(jx_arr(E, "rejected"), json_new_str(tier));
	}
	evaluate(f, pid, orgid);
}

/* An admin act (authority TV_ADMIN): README 2. */
static void
admin_act(struct fold *f, const json *st, const char *verb)
{
	const char *obj = json_get_str(json_get(st, "object"), "id");
	const json *pl = json_get(json_get(json_get(st, "result"),
	    "extensions"), TV_EXT("payload"));
	char path[KEYMAX], *part[6] = { 0 }, *p, *save = NULL;
	int n = 0;

	if (obj == NULL || strncmp(obj, TV_NS "/", strlen(TV_NS) + 1) != 0)
		return;
	snprintf(path, sizeof(path), "%s", obj + strlen(TV_NS) + 1);
	for (p = strtok_r(path, "/", &save); p && n < 6;
	    p = strtok_r(NULL, "/", &save))
		part[n++] = p;
	if (strcmp(verb, TV_VERB("defined")) == 0 && n == 2 && pl)
		define(f, part[0], part[1], pl);
	else if (strcmp(verb, TV_VERB("deleted")) == 0 && n == 2)
		define(f, part[0], part[1], NULL);	/* syncs what it governs */
	else if (strcmp(verb, TV_VERB("defined")) == 0 && n == 4 &&
	    strcmp(part[2], "enrollments") == 0 && pl)
		enrollment_edit(f, part[1], part[3], pl);
	else if (strcmp(verb, TV_VERB("decided")) == 0 && n == 6 &&
	    strcmp(part[4], "custom") == 0 && pl)
		decide_custom(f, part[1], part[3], part[5], pl, st);
	else if (strcmp(verb, TV_VERB("decided")) == 0 && n == 2 &&
	    strcmp(part[0], "recommendations") == 0 && pl)
		decide_rec(f, part[1], pl);
	else if (strcmp(verb, TV_VERB("recalculated")) == 0 && n == 4) {
		json *E = admin_enrollment(f, part[1], part[3], 0, NULL);
		char ek[KEYMAX];

		(void)jx_join(ek, sizeof(ek), part[1], "/", part[3],
		    (char *)NULL);
		if (E) {
			recount(f, prog_get(f, part[1]), E, ek,
			    jx_str(E, "account"));
			evaluate(f, part[1], part[3]);
		}
	}
}

/* --- the fold --- */

static int
cmp_pstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
fold_apply(struct fold *f, const json *st, uint64_t seq, int64_t stored,
    uint64_t voided_by)
{
	const char *sid = json_get_str(st, "id");
	const char *verb = json_get_str(json_get(st, "verb"), "id");
	const json *obj = json_get(st, "object");
	enum role role = role_of(st);
	int64_t t = ts_of(st);
	size_t i;

	if (role == R_NONE)
		return f->rc;
	if (!f->simulated && stored > f->now)
		f->now = stored;
	f->cause = sid;
	f->seq = seq;
	if (voided_by && voided_by < seq)
		goto out;	/* voided before it arrived */
	switch (role) {
	case R_TICK:
		tick(f, st);
		break;
	case R_ADMIN:
		admin_act(f, st, verb);
		break;
	case R_VOIDING:
		if (json_is_str(json_get(obj, "objectType"), "StatementRef") &&
		    json_get_str(obj, "id"))
			unvoid(f, json_get_str(obj, "id"), seq);
		break;
	case R_MEMBERSHIP:
		membership(f, st, sid, t, strcmp(verb, TV_JOIN) == 0, 0);
		break;
	default:
		event(f, st, sid, t);
	}
	evaluate_touched(f);
out:
	for (i = 0; i < f->ntouched; i++)
		free(f->touched[i]);
	f->ntouched = 0;
	f->cause = NULL;
	return f->rc;
}

int
fold_init(struct fold *f, tstate *ts, const char *home, int simulated)
{
	char **ids = NULL;
	size_t n = 0, i;
	json *D, *M, *r;
	int rc;

	memset(f, 0, sizeof(*f));
	f->ts = ts;
	f->home = home;
	f->simulated = simulated;
	f->defs = json_new(JSON_OBJECT);
	f->outcomes = json_new(JSON_ARRAY);
	if ((rc = tstate_ids(ts, 'D', NULL, &ids, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		char kind[256], *slash;

		(void)jx_join(kind, sizeof(kind), ids[i], (char *)NULL);
		if ((slash = strchr(kind, '/')) != NULL &&
		    (D = tstate_get(ts, 'D', ids[i], 0, &rc)) != NULL &&
		    (r = json_get(D, "record")) != NULL) {
			*slash = '\0';
			json_set(jx_obj(f->defs, kind), slash + 1, json_clone(r));
		}
		free(ids[i]);
	}
	free(ids);
	if (rc != 0)
		return rc;
	M = tstate_get(ts, 'M', "clock", 0, &rc);
	f->now = (int64_t)jx_num(M, "now", 0);
	return rc;
}

void
fold_cleanup(struct fold *f)
{
	size_t i;

	for (i = 0; i < f->ntouched; i++)
		free(f->touched[i]);
	free(f->touched);
	json_free(f->defs);
	json_free(f->outcomes);
	json_free(f->countable);
	json_free(f->keep);
	progs_drop(f);
	memset(f, 0, sizeof(*f));
}
