/* evidence: a learner's evidence index (see evidence.h). */
#include "evidence.h"
#include "jx.h"
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEP	"\x1f"
#define KEYMAX	1024

static const char *const which[2] = { "requirements", "recertification" };
static const char *const tag[2] = { "r", "rr" };

static void
note(struct fold *f, int rc)
{
	if (rc != 0 && f->rc == 0)
		f->rc = rc;
}

static size_t
count(const json *arr)
{
	return arr && arr->type == JSON_ARRAY ? arr->n : 0;
}

/* --- matching --- */

int
evidence_meets(const json *r, const json *fc)
{
	const char *verb = jx_str(fc, "verb"), *need = jx_str(r, "verb");
	const json *min = json_get(r, "min_score"), *sc = json_get(fc, "score");

	if (verb == NULL || !json_is_str(json_get(r, "activity"),
	    jx_str(fc, "obj")))
		return 0;
	if (strcmp(verb, TV_PASSED) != 0 && !(strcmp(verb, TV_COMPLETED) == 0 &&
	    need && strcmp(need, "completed") == 0))
		return 0;
	if (min && min->type == JSON_NUMBER && (sc == NULL ||
	    sc->type != JSON_NUMBER || sc->num < min->num))
		return 0;
	return 1;
}

int
evidence_level_index(const json *skill, const char *name)
{
	const json *lv = json_get(skill, "levels");
	size_t i;

	for (i = 0; name && lv && i < count(lv); i++)
		if (json_is_str(lv->vals[i], name))
			return (int)i;
	return -1;
}

int
evidence_raises(const json *skill, const json *r, const json *fc)
{
	const char *verb = jx_str(fc, "verb");
	const json *bands = json_get(r, "bands"), *sc = json_get(fc, "score");
	int best = -1, l;
	size_t i;

	if (!json_is_str(json_get(r, "activity"), jx_str(fc, "obj")) || !verb)
		return -1;
	if (bands == NULL)
		return strcmp(verb, TV_COMPLETED) == 0 ||
		    strcmp(verb, TV_PASSED) == 0 ?
		    evidence_level_index(skill, jx_str(r, "level")) : -1;
	if (sc == NULL || sc->type != JSON_NUMBER)
		return -1;
	for (i = 0; i < count(bands); i++)
		if (sc->num + 1e-12 >= jx_num(bands->vals[i], "min_score", 2) &&
		    (l = evidence_level_index(skill, jx_str(bands->vals[i],
		    "level"))) > best)
			best = l;
	return best;
}

/* --- the index --- */

/* The key prefix of the list of requirement i of kind w, or (end set)
 * the bound just past that list. */
static void
list_key(const char *lk, const char *cid, int w, size_t i, int end,
    char *out, size_t size)
{
	char num[24];

	if (i < 256) {	/* "%02zx" by hand: this is on every statement */
		num[0] = "0123456789abcdef"[i >> 4];
		num[1] = "0123456789abcdef"[i & 15];
		num[2] = '\0';
	} else
		snprintf(num, sizeof(num), "%02zx", i);
	(void)jx_join(out, size, lk, SEP, cid, SEP, tag[w], SEP, num,
	    end ? "\x20" : SEP, (char *)NULL);
}

/* Note that certification cid's evidence at time t changed. */
static void
queue(json *L, const char *cid, int64_t t)
{
	json *q = jx_obj(L, "evq");
	const json *o = json_get(q, cid);

	if (o == NULL || o->type != JSON_NUMBER || (double)t < o->num)
		jx_set_num(q, cid, (double)t);
}

static int
cert_add(struct fold *f, json *L, const char *lk, const char *cid,
    const json *C, const json *fc, int sign)
{
	char key[4 * KEYMAX], pre[3 * KEYMAX], h[17];
	const char *sid = jx_str(fc, "sid");
	int64_t t = (int64_t)jx_num(fc, "t", 0);
	const json *reqs;
	size_t i;
	int w, n = 0;

	fold_time_key(t, h);
	for (w = 0; w < 2 && sid; w++) {
		reqs = json_get(C, which[w]);
		for (i = 0; i < count(reqs); i++) {
			if (!evidence_meets(reqs->vals[i], fc))
				continue;
			list_key(lk, cid, w, i, 0, pre, sizeof(pre));
			(void)jx_join(key, sizeof(key), pre, h, SEP, sid,
			    (char *)NULL);
			note(f, tstate_put(f->ts, 'V', key, sign > 0 ?
			    json_new(JSON_OBJECT) : NULL));
			n++;
		}
	}
	if (n)
		queue(L, cid, t);
	return n;
}

static int
skill_add(json *L, const char *pid, const json *P, const json *fc, int sign)
{
	const json *sk = json_get(P, "skills"), *raises;
	char key[2 * KEYMAX], lv[16];
	json *cnt;
	size_t k, r;
	int l, n = 0;
	double v;

	for (k = 0; k < count(sk); k++) {
		raises = json_get(sk->vals[k], "raises");
		for (r = 0; r < count(raises); r++) {
			if ((l = evidence_raises(sk->vals[k], raises->vals[r],
			    fc)) < 0)
				continue;
			snprintf(key, sizeof(key), "%s/%s", pid,
			    jx_str(sk->vals[k], "id"));
			snprintf(lv, sizeof(lv), "%d", l);
			cnt = jx_obj(jx_obj(L, "sl"), key);
			v = jx_num(cnt, lv, 0) + sign;
			if (v > 0)
				jx_set_num(cnt, lv, v);
			else
				json_del(cnt, lv);
			n++;
		}
	}
	return n;
}

int
evidence_add(struct fold *f, json *L, const char *lk, const json *fc,
    int sign)
{
	const json *cs = json_get(f->defs, "certifications"), *D;
	const json *ps = json_get(f->defs, "skill-profiles");
	size_t i;
	int n = 0;

	for (i = 0; cs && i < cs->n; i++)
		if ((D = fold_def(f, "certifications", cs->keys[i])) != NULL)
			n += cert_add(f, L, lk, cs->keys[i], D, fc, sign);
	for (i = 0; ps && i < ps->n; i++)
		if ((D = fold_def(f, "skill-profiles", ps->keys[i])) != NULL)
			n += skill_add(L, ps->keys[i], D, fc, sign);
	return n;
}

/* --- awards --- */

/* The first evidence time >= from of requirement i of kind w: 1 with
 * *t, or 0 when there is none. */
static int
first_from(struct fold *f, const char *lk, const char *cid, int w, size_t i,
    int64_t from, int64_t *t)
{
	char pre[3 * KEYMAX], lo[3 * KEYMAX + 17], hi[3 * KEYMAX], id[4 * KEYMAX];
	char h[17];
	int rc;

	list_key(lk, cid, w, i, 0, pre, sizeof(pre));
	list_key(lk, cid, w, i, 1, hi, sizeof(hi));
	fold_time_key(from, h);
	(void)jx_join(lo, sizeof(lo), pre, h, (char *)NULL);
	if ((rc = tstate_first(f->ts, 'V', lo, hi, id, sizeof(id))) != 0) {
		if (rc != MDB_NOTFOUND)
			note(f, rc);
		return 0;
	}
	memcpy(h, id + strlen(pre), 16);
	h[16] = '\0';
	*t = (int64_t)(strtoull(h, NULL, 16) ^ (1ULL << 63));
	return 1;
}

/* Whether all n requirements of kind w have evidence at or after from:
 * 1 with *at the time the last of them is first met, or 0. */
static int
met_from(struct fold *f, const char *lk, const char *cid, int w, size_t n,
    int64_t from, int64_t *at)
{
	int64_t t;
	size_t i;

	if (n == 0)
		return 0;
	*at = INT64_MIN;
	for (i = 0; i < n; i++) {
		if (!first_from(f, lk, cid, w, i, from, &t))
			return 0;
		if (t > *at)
			*at = t;
	}
	return 1;
}

int
evidence_award(struct fold *f, json *L, const char *lk, const char *cid,
    const json *C, int64_t *at)
{
	const json *ea = json_get(json_get(L, "ea"), cid);
	const json *q = json_get(json_get(L, "evq"), cid);
	size_t nr = count(json_get(C, "recertification"));
	int w = nr > 0, have;
	int64_t a = 0, next;

	if (nr == 0)
		nr = count(json_get(C, "requirements"));
	/* Nothing changed since the last derivation: it stands. */
	if (q == NULL || q->type != JSON_NUMBER) {
		*at = ea && ea->type == JSON_NUMBER ? (int64_t)ea->num : 0;
		return ea && ea->type == JSON_NUMBER;
	}
	/* Evidence after the last award cannot change how it was reached,
	 * only renew it: go on from there. */
	if (ea && ea->type == JSON_NUMBER && q->num > ea->num) {
		a = (int64_t)ea->num;
		have = 1;
	} else
		have = met_from(f, lk, cid, 0, count(json_get(C, "requirements")),
		    INT64_MIN, &a);
	while (have && a < INT64_MAX && met_from(f, lk, cid, w, nr, a + 1,
	    &next))
		a = next;
	json_del(jx_obj(L, "evq"), cid);
	if (have)
		jx_set_num(jx_obj(L, "ea"), cid, (double)a);
	else
		json_del(jx_obj(L, "ea"), cid);
	*at = a;
	return have;
}

int
evidence_level(const json *L, const char *key)
{
	const json *cnt = json_get(json_get(L, "sl"), key);
	size_t i;
	int best = -1, l;

	for (i = 0; cnt && cnt->type == JSON_OBJECT && i < cnt->n; i++)
		if (cnt->vals[i]->type == JSON_NUMBER && cnt->vals[i]->num > 0 &&
		    (l = atoi(cnt->keys[i])) > best)
			best = l;
	return best;
}

/* --- rebuilding --- */

void
evidence_clear(struct fold *f, json *L, const char *lk)
{
	char pre[KEYMAX + 2], **ids = NULL;
	size_t n = 0, i;

	snprintf(pre, sizeof(pre), "%s" SEP, lk);
	note(f, tstate_ids(f->ts, 'V', pre, &ids, &n));
	for (i = 0; i < n; i++) {
		note(f, tstate_del(f->ts, 'V', ids[i]));
		free(ids[i]);
	}
	free(ids);
	json_del(L, "ea");
	json_del(L, "evq");
	json_del(L, "sl");
}
