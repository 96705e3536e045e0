/* api: the admin API of the tiering engine under /tiering (README 6).
 * Writes become statements in the log (engine_submit); reads answer from
 * the engine's state after it has caught up with everything stored. */
#include "analytics.h"
#include "engine.h"
#include "view.h"
#include "iso8601.h"
#include "jx.h"
#include "prog.h"
#include "schema.h"
#include "tier_schemas.h"
#include "vocab.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#define KEYMAX 1024

static const char *const kinds[] = {
	"programs", "benefits", "certifications", "skill-profiles",
	"organizations", NULL
};

static void
reply_json(struct http_resp *resp, int status, const json *j)
{
	resp->status = status;
	json_dump(j, &resp->body);
}

static void
iso_or_null(json *o, const char *key, const json *us)
{
	char ts[32];

	if (us && us->type == JSON_NUMBER)
		jx_set_str(o, key, iso8601_format((int64_t)us->num, ts));
	else
		json_set(o, key, json_new(JSON_NULL));
}

/* --- validation --- */

static int
validate(const char *name, const json *body, char *err, size_t errlen)
{
	const char *text = tier_schema_text(name);
	json *doc = NULL;
	schema *s = NULL;
	int rc = -1;

	if (text == NULL) {
		snprintf(err, errlen, "no schema %s", name);
		return -1;
	}
	if (json_parse(text, strlen(text), 100, &doc, err, errlen) != 0 ||
	    schema_compile(doc, &s, err, errlen) != 0)
		goto out;
	rc = schema_validate(s, body, err, errlen) == 0 ? 0 : -1;
out:
	schema_free(s);
	json_free(doc);
	return rc;
}

/* What a schema cannot say of a program. */
static int
program_check(const json *P, char *err, size_t errlen)
{
	const json *tiers = json_get(P, "tiers"), *t, *cs;
	char seen[64][128];
	size_t i, k, j, ns = 0;

	for (i = 0; tiers && i < tiers->n; i++) {
		t = tiers->vals[i];
		for (k = 0; k < i; k++) {
			if (json_is_str(json_get(tiers->vals[k], "id"),
			    jx_str(t, "id"))) {
				snprintf(err, errlen, "/tiers/%zu/id: tier id '%s' is used twice", i, jx_str(t, "id"));
				return -1;
			}
			if (jx_num(tiers->vals[k], "rank", 0) == jx_num(t, "rank", -1)) {
				snprintf(err, errlen, "/tiers/%zu/rank: rank %.0f is used twice", i, jx_num(t, "rank", 0));
				return -1;
			}
		}
		cs = json_get(t, "criteria");
		for (k = 0; cs && k < cs->n; k++) {
			const char *cid = jx_str(cs->vals[k], "id");

			for (j = 0; cid && j < ns; j++)
				if (strcmp(seen[j], cid) == 0) {
					snprintf(err, errlen, "/tiers/%zu/criteria/%zu/id: criterion id '%s' is used twice in the program", i, k, cid);
					return -1;
				}
			if (cid && ns < 64)
				snprintf(seen[ns++], sizeof(seen[0]), "%s", cid);
		}
	}
	return 0;
}

static int
body_json(struct http_req *req, struct http_resp *resp, json **out)
{
	char err[256];

	if (json_parse(req->body, req->len, 64, out, err, sizeof(err)) != 0) {
		http_error(resp, 400, "the body is not JSON: %s", err);
		return -1;
	}
	return 0;
}

/* Store one admin act and wait for the engine. */
static int
act(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *verb, const char *object, json *payload)
{
	store_read *r;
	int64_t now = iso8601_now();
	json *st;
	int rc;

	if (store_read_begin(e->st, &r) == 0) {
		now = engine_now(e, store_read_txn(r));
		store_read_end(r);
	}
	st = engine_statement(e, req->cred.key, verb, object, payload, now,
	    TV_ADMIN, NULL);
	rc = engine_submit(e, &st, 1, TV_ADMIN);
	if (rc != 0) {
		http_error(resp, rc == STORE_EFULL ? 507 : 503,
		    "could not record the change: %s%s", store_strerror(rc),
		    rc == STORE_ETIMEDOUT ? " (it is stored; the engine has not applied it yet)" : "");
		return -1;
	}
	return 0;
}

/* --- definitions --- */

static json *
def_record(struct view *v, const char *kind, const char *id)
{
	json *r = json_clone(json_get(json_get(v->f.defs, kind), id));
	const char *ok;
	json *O, *cur, *members, *L, *m;
	size_t i;
	const char *role;

	if (r == NULL || strcmp(kind, "organizations") != 0)
		return r;
	members = json_new(JSON_ARRAY);
	ok = jx_str(vget(v, 'I', id), "account");
	O = ok ? vget(v, 'O', ok) : NULL;
	cur = json_get(O, "cur");
	for (i = 0; cur && i < cur->n; i++) {
		if ((L = vget(v, 'L', cur->keys[i])) == NULL)
			continue;
		fold_org_at(L, v->f.now, &role);
		m = json_new(JSON_OBJECT);
		json_set(m, "agent", json_clone(json_get(L, "agent")));
		jx_set_str(m, "role", role);
		json_push(members, m);
	}
	json_set(r, "members", members);
	return r;
}

/* A join or leave of organisation group grp by agent, at now, with role
 * (may be NULL); its authority is set by the caller. */
static json *
membership_act(tier_engine *e, const json *agent, const char *verb,
    const json *grp, const char *role, int64_t now)
{
	json *st = json_new(JSON_OBJECT);
	char id[37], ts[32];
	uuid_t u;

	(void)e;
	uuid_generate_random(u);
	uuid_unparse_lower(u, id);
	jx_set_str(st, "id", id);
	json_set(st, "actor", json_clone(agent));
	json_set(st, "verb", json_new(JSON_OBJECT));
	jx_set_str(json_get(st, "verb"), "id", verb);
	json_set(st, "object", json_clone(grp));
	jx_set_str(st, "timestamp", iso8601_format(now, ts));
	jx_set_str(st, "version", "1.0.0");
	if (role)
		jx_ext(st, "context", TV_EXT("role"), json_new_str(role));
	return st;
}

/* The roster: join/leave statements for each change against now. */
static int
roster(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const json *body)
{
	const json *want = json_get(body, "members");
	struct view v;
	json **acts = NULL, *st, *grp;
	size_t n = 0, i, k;
	char ok[KEYMAX], lk[KEYMAX];
	const char *role, *at;
	int rc;

	if (want == NULL)
		return 0;
	grp = json_clone(body);
	json_del(grp, "members");
	json_del(grp, "name");
	json_set(grp, "objectType", json_new_str("Group"));
	if (fold_group_key(grp, ok, sizeof(ok)) != 0 || view_open(e, &v, resp) != 0) {
		json_free(grp);
		return -1;
	}
	for (i = 0; i < want->n; i++) {
		const json *a = json_get(want->vals[i], "agent");
		const char *wr = json_get_str(want->vals[i], "role");
		json *L;

		if (fold_agent_key(a, lk, sizeof(lk)) != 0)
			continue;
		L = vget(&v, 'L', lk);
		at = L ? fold_org_at(L, v.f.now, &role) : NULL;
		if (at && strcmp(at, ok) == 0 && ((!wr && !role) ||
		    (wr && role && strcmp(wr, role) == 0)))
			continue;
		st = membership_act(e, a, TV_JOIN, grp, wr, v.f.now);
		acts = xrealloc(acts, (n + 1) * sizeof(*acts));
		acts[n++] = st;
	}
	/* Members now who are not on the roster leave. */
	{
		json *O = vget(&v, 'O', ok), *cur = json_get(O, "cur");

		for (i = 0; cur && i < cur->n; i++) {
			json *L = vget(&v, 'L', cur->keys[i]);

			for (k = 0; k < want->n; k++)
				if (fold_agent_key(json_get(want->vals[k], "agent"),
				    lk, sizeof(lk)) == 0 &&
				    strcmp(lk, cur->keys[i]) == 0)
					break;
			if (k < want->n || L == NULL)
				continue;
			st = membership_act(e, json_get(L, "agent"), TV_LEAVE, grp,
			    NULL, v.f.now);
			acts = xrealloc(acts, (n + 1) * sizeof(*acts));
			acts[n++] = st;
		}
	}
	view_close(&v);
	json_free(grp);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		/* Authority: the admin's credential, as for any statement. */
		json *a = json_new(JSON_OBJECT), *acct = json_new(JSON_OBJECT);

		json_set(a, "objectType", json_new_str("Agent"));
		json_set(acct, "homePage", json_new_str(e->home));
		json_set(acct, "name", json_new_str(req->cred.key));
		json_set(a, "account", acct);
		json_set(acts[i], "authority", a);
	}
	rc = engine_submit(e, acts, n, req->cred.key);
	free(acts);
	if (rc != 0) {
		http_error(resp, 503, "could not record the roster");
		return -1;
	}
	return 0;
}

static void
definitions(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *kind, const char *id)
{
	char err[512], schema_name[64], obj[KEYMAX];
	struct view v;
	json *body = NULL, *r, *list;
	size_t i;

	snprintf(obj, sizeof(obj), "%s/%s", kind, id ? id : "");
	if (id == NULL || strcmp(req->method, "GET") == 0) {
		if (strcmp(req->method, "GET") != 0) {
			http_error(resp, 405, "/tiering/%s allows GET", kind);
			return;
		}
		if (view_open(e, &v, resp) != 0)
			return;
		if (id) {
			r = def_record(&v, kind, id);
			if (r == NULL)
				http_error(resp, 404, "no %s '%s'", kind, id);
			else
				reply_json(resp, 200, r);
			json_free(r);
		} else {
			list = json_new(JSON_ARRAY);
			r = json_get(v.f.defs, kind);
			for (i = 0; r && i < r->n; i++)
				json_push(list, def_record(&v, kind, r->keys[i]));
			reply_json(resp, 200, list);
			json_free(list);
		}
		view_close(&v);
		return;
	}
	if (strlen(id) > 200 || strchr(id, '/')) {
		http_error(resp, 400, "bad id '%s'", id);
		return;
	}
	if (strcmp(req->method, "DELETE") == 0) {
		if (view_open(e, &v, resp) != 0)
			return;
		r = json_get(json_get(v.f.defs, kind), id);
		i = r != NULL && json_get(r, "deleted")->type != JSON_TRUE;
		view_close(&v);
		if (!i) {
			http_error(resp, 404, "no %s '%s'", kind, id);
			return;
		}
		if (act(e, req, resp, "deleted", obj, NULL) == 0)
			resp->status = 204;
		return;
	}
	if (strcmp(req->method, "PUT") != 0) {
		http_error(resp, 405, "/tiering/%s/{id} allows GET, PUT, DELETE", kind);
		return;
	}
	if (body_json(req, resp, &body) != 0)
		return;
	snprintf(schema_name, sizeof(schema_name), "%.*s",
	    strcmp(kind, "skill-profiles") == 0 ? 13 : (int)strlen(kind) - 1,
	    kind);
	if (validate(schema_name, body, err, sizeof(err)) != 0 ||
	    (strcmp(kind, "programs") == 0 &&
	    program_check(body, err, sizeof(err)) != 0)) {
		http_error(resp, 400, "invalid %s: %s", schema_name, err);
		goto out;
	}
	r = json_clone(body);
	json_del(r, "members");
	if (act(e, req, resp, "defined", obj, r) != 0)
		goto out;
	if (strcmp(kind, "organizations") == 0 &&
	    roster(e, req, resp, body) != 0)
		goto out;
	if (view_open(e, &v, resp) != 0)
		goto out;
	r = def_record(&v, kind, id);
	reply_json(resp, 200, r);
	json_free(r);
	view_close(&v);
out:
	json_free(body);
}

/* --- standings --- */

/* One criterion of E as the standing shows it. */
static json *
criterion_report(struct view *v, const json *P, const json *E,
    const json *t, const json *c)
{
	json *x = json_new(JSON_OBJECT);

	jx_set_str(x, "tier", jx_str(t, "id"));
	jx_set_str(x, "id", jx_str(c, "id"));
	jx_set_str(x, "type", jx_str(c, "type"));
	jx_set_num(x, "value", fold_value(&v->f, P, E, c));
	if (json_is_str(json_get(c, "type"), "custom"))
		json_set(x, "threshold", json_new(JSON_NULL));
	else
		jx_set_num(x, "threshold", jx_num(c, "threshold", 1));
	json_set(x, "met", json_new_bool(fold_holds(&v->f, P, E, c)));
	return x;
}

/* Every criterion of every tier into s's "criteria", what the tier above
 * rank still needs into "next_tier", and the benefits of the tiers up to
 * rank (a higher tier's value wins) into "benefits". */
static void
criteria_report(struct view *v, const json *P, const json *E, int rank,
    json *s)
{
	json *arr = json_new(JSON_ARRAY), *ben = json_new(JSON_OBJECT);
	json *next = NULL, *x;
	struct prog *p = prog_new("", P);	/* its tiers in rank order */
	const struct prog_tier *t;
	const json *b;
	size_t i, k;

	for (i = 0; i < p->ntiers; i++) {
		t = &p->tiers[i];
		if (t->rank > rank && next == NULL) {
			next = json_new(JSON_OBJECT);
			jx_set_str(next, "id", t->id);
			jx_set_num(next, "rank", t->rank);
			json_set(next, "missing", json_new(JSON_ARRAY));
		}
		for (k = 0; k < t->ncrit; k++) {
			x = criterion_report(v, P, E, t->t, t->crit[k].c);
			if (next && t->rank == (int)jx_num(next, "rank", 0) &&
			    json_get(x, "met")->type == JSON_FALSE)
				json_push(json_get(next, "missing"), json_clone(x));
			json_push(arr, x);
		}
		b = json_get(t->t, "benefits");
		for (k = 0; t->rank <= rank && b && k < b->n &&
		    !json_is_str(json_get(E, "status"), "ended"); k++)
			json_set(ben, b->keys[k], json_clone(b->vals[k]));
	}
	prog_free(p);
	json_set(s, "criteria", arr);
	json_set(s, "next_tier", next ? next : json_new(JSON_NULL));
	json_set(s, "benefits", ben);
}

static json *
standing(struct view *v, const char *pid, const json *E)
{
	const json *P = json_get(json_get(json_get(v->f.defs, "programs"), pid),
	    "definition"), *x;
	json *s = json_new(JSON_OBJECT), *per;
	const char *tier = jx_str(E, "tier"), *qid;
	int rank = (int)jx_num(fold_tier(P, tier), "rank", 0);
	char day[16], ts[32];

	jx_set_str(s, "program", pid);
	jx_set_str(s, "organization", jx_str(E, "org"));
	jx_set_str(s, "tier", tier);
	jx_set_num(s, "tier_rank", rank);
	jx_set_str(s, "status", jx_str(E, "status"));
	per = json_new(JSON_OBJECT);
	jx_day_format((int64_t)jx_num(E, "start", 0), day);
	jx_set_str(per, "start", day);
	jx_day_format((int64_t)jx_num(E, "end", 0), day);
	jx_set_str(per, "end", day);
	json_set(s, "period", per);
	iso_or_null(s, "at_risk_since", json_get(E, "at_risk"));
	if (json_get(E, "at_risk") && json_get(E, "at_risk")->type == JSON_NUMBER)
		jx_set_str(s, "grace_ends", iso8601_format((int64_t)(jx_num(E,
		    "at_risk", 0) + jx_num(P, "grace_days", 0) * 86400e6), ts));
	else
		json_set(s, "grace_ends", json_new(JSON_NULL));
	fold_qualified(&v->f, P, E, &qid);
	jx_set_str(s, "qualified_tier", qid);
	criteria_report(v, P, E, rank, s);
	x = json_get(E, "rec");
	json_set(s, "recommendation", x ? json_clone(x) : json_new(JSON_NULL));
	jx_set_num(s, "unconverted", jx_num(E, "unconverted", 0));
	x = json_get(E, "custom");
	json_set(s, "custom", x ? json_clone(x) : json_new(JSON_OBJECT));
	x = json_get(E, "history");
	json_set(s, "history", x ? json_clone(x) : json_new(JSON_ARRAY));
	return s;
}


/* Parse the body, check it against schema name, store it as an admin act
 * (verb on obj).  0 once stored, -1 with resp set. */
static int
body_act(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *name, const char *verb, const char *obj)
{
	char err[512];
	json *body = NULL;

	if (body_json(req, resp, &body) != 0)
		return -1;
	if (validate(name, body, err, sizeof(err)) != 0) {
		http_error(resp, 400, "invalid %s: %s", name, err);
		json_free(body);
		return -1;
	}
	return act(e, req, resp, verb, obj, body);	/* takes body */
}

/* The writes of one enrollment: PUT (create or edit), POST recalculate,
 * PUT custom/{criterion}.  0 when done (the standing is the answer), -1
 * with resp set. */
static int
enrollment_write(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *pid, const char *org, const char *rest)
{
	char obj[3 * KEYMAX];

	snprintf(obj, sizeof(obj), "programs/%s/enrollments/%s", pid, org);
	if (rest == NULL && strcmp(req->method, "PUT") == 0)
		return body_act(e, req, resp, "enrollment", "defined", obj);
	if (rest && strcmp(rest, "recalculate") == 0) {
		if (strcmp(req->method, "POST") == 0)
			return act(e, req, resp, "recalculated", obj, NULL);
		http_error(resp, 405, "recalculate allows POST");
		return -1;
	}
	if (rest && strncmp(rest, "custom/", 7) == 0 && !strchr(rest + 7, '/')) {
		if (strcmp(req->method, "PUT") != 0) {
			http_error(resp, 405, "custom criteria allow PUT");
			return -1;
		}
		snprintf(obj, sizeof(obj), "programs/%s/enrollments/%s/custom/%s",
		    pid, org, rest + 7);
		return body_act(e, req, resp, "custom-decision", "decided", obj);
	}
	http_error(resp, 405, "see the README for the enrollment API");
	return -1;
}

static void
enrollments(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *pid, const char *org, const char *rest, const char *partner)
{
	struct view v;
	char ek[KEYMAX];
	json *E, *list;
	char **ids = NULL;
	size_t n = 0, i, plen;

	if (rest || strcmp(req->method, "GET") != 0) {
		if (org == NULL) {
			http_error(resp, 405, "/tiering/programs/%s/enrollments allows GET", pid);
			return;
		}
		if (enrollment_write(e, req, resp, pid, org, rest) != 0)
			return;
	}
	if (view_open(e, &v, resp) != 0)
		return;
	if (json_get(json_get(v.f.defs, "programs"), pid) == NULL) {
		http_error(resp, 404, "no program '%s'", pid);
		goto out;
	}
	if (org && partner && strcmp(org, partner) != 0) {
		http_error(resp, 403, "credential '%s' reads only organization '%s'",
		    req->cred.key, partner);
		goto out;
	}
	if (org) {
		snprintf(ek, sizeof(ek), "%s/%s", pid, org);
		if ((E = vget(&v, 'E', ek)) == NULL)
			http_error(resp, 404, "organization '%s' is not enrolled in program '%s'", org, pid);
		else {
			list = standing(&v, pid, E);
			reply_json(resp, 200, list);
			json_free(list);
		}
		goto out;
	}
	list = json_new(JSON_ARRAY);
	tstate_ids(v.ts, 'E', NULL, &ids, &n);
	plen = strlen(pid);
	for (i = 0; i < n; i++) {
		if (strncmp(ids[i], pid, plen) == 0 && ids[i][plen] == '/' &&
		    (!partner || strcmp(ids[i] + plen + 1, partner) == 0) &&
		    (E = vget(&v, 'E', ids[i])) != NULL)
			json_push(list, standing(&v, pid, E));
		free(ids[i]);
	}
	free(ids);
	reply_json(resp, 200, list);
	json_free(list);
out:
	view_close(&v);
}

/* --- learners, holders, access --- */

/* Whether learner L belongs to organisation orgid now. */
static int
member_of(struct view *v, const json *L, const char *orgid)
{
	const char *org = L ? fold_org_at(L, v->f.now, NULL) : NULL;

	return org && json_is_str(json_get(vget(v, 'O', org), "id"), orgid);
}

static int
agent_param(struct http_req *req, struct http_resp *resp, char *lk,
    size_t size)
{
	const char *a = params_get(&req->q, "agent");
	json *j = NULL;
	int rc;

	if (a == NULL || json_parse(a, strlen(a), 8, &j, NULL, 0) != 0) {
		http_error(resp, 400, "the agent parameter must be an Agent as JSON");
		return -1;
	}
	rc = fold_agent_key(j, lk, size);
	json_free(j);
	if (rc != 0)
		http_error(resp, 400, "the agent parameter has no identifier (mbox, mbox_sha1sum, openid, account)");
	return rc;
}

static json *
cert_list(const json *L)
{
	json *out = json_new(JSON_ARRAY), *c;
	const json *certs = json_get(L, "certs");
	size_t i;

	for (i = 0; certs && i < certs->n; i++) {
		c = json_new(JSON_OBJECT);
		jx_set_str(c, "id", certs->keys[i]);
		jx_set_str(c, "status", jx_str(certs->vals[i], "status"));
		iso_or_null(c, "awarded", json_get(certs->vals[i], "awarded"));
		iso_or_null(c, "expires", json_get(certs->vals[i], "expires"));
		json_push(out, c);
	}
	return out;
}

/* L's skill levels by name: [{"profile", "skill", "level"}]. */
static json *
skill_list(struct view *v, const json *L)
{
	json *out = json_new(JSON_ARRAY), *x;
	const json *have = json_get(L, "skills"), *P, *sk;
	char prof[KEYMAX], *slash;
	size_t i, k;
	int lv;

	for (i = 0; have && i < have->n; i++) {
		snprintf(prof, sizeof(prof), "%s", have->keys[i]);
		if ((slash = strchr(prof, '/')) == NULL)
			continue;
		*slash = '\0';
		P = json_get(json_get(json_get(v->f.defs, "skill-profiles"), prof),
		    "definition");
		sk = json_get(P, "skills");
		lv = (int)have->vals[i]->num;
		for (k = 0; sk && k < sk->n; k++)
			if (json_is_str(json_get(sk->vals[k], "id"), slash + 1) &&
			    lv >= 0 && (size_t)lv < json_get(sk->vals[k], "levels")->n) {
				x = json_new(JSON_OBJECT);
				jx_set_str(x, "profile", prof);
				jx_set_str(x, "skill", slash + 1);
				json_set(x, "level", json_clone(json_get(sk->vals[k],
				    "levels")->vals[lv]));
				json_push(out, x);
			}
	}
	return out;
}

static void
learners(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *partner)
{
	char lk[KEYMAX];
	struct view v;
	json *L, *out;
	const char *org, *role;

	if (agent_param(req, resp, lk, sizeof(lk)) != 0 ||
	    view_open(e, &v, resp) != 0)
		return;
	L = vget(&v, 'L', lk);
	if (partner && !member_of(&v, L, partner)) {
		http_error(resp, 403, "credential '%s' reads only members of '%s'",
		    req->cred.key, partner);
		view_close(&v);
		return;
	}
	out = json_new(JSON_OBJECT);
	if (L) {
		json_set(out, "agent", json_clone(json_get(L, "agent")));
		org = fold_org_at(L, v.f.now, &role);
		jx_set_str(out, "organization", org ?
		    jx_str(vget(&v, 'O', org), "id") : NULL);
		jx_set_str(out, "role", role);
		json_set(out, "certifications", cert_list(L));
	} else {
		json_set(out, "agent", json_new(JSON_NULL));
		json_set(out, "organization", json_new(JSON_NULL));
		json_set(out, "role", json_new(JSON_NULL));
		json_set(out, "certifications", json_new(JSON_ARRAY));
	}
	json_set(out, "skills", skill_list(&v, L));
	reply_json(resp, 200, out);
	json_free(out);
	view_close(&v);
}

static void
holders(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *cid, const char *partner)
{
	const char *eb = params_get(&req->q, "expiring_before"), *org;
	int64_t before = 0;
	struct view v;
	char **ids = NULL;
	size_t n = 0, i;
	json *out, *L, *rec, *h;

	if (eb && iso8601_parse(eb, strlen(eb), 1, &before) != 0) {
		http_error(resp, 400, "expiring_before must be an ISO 8601 date-time");
		return;
	}
	if (view_open(e, &v, resp) != 0)
		return;
	out = json_new(JSON_ARRAY);
	tstate_ids(v.ts, 'L', NULL, &ids, &n);
	for (i = 0; i < n; i++) {
		L = vget(&v, 'L', ids[i]);
		rec = json_get(json_get(L, "certs"), cid);
		if (rec && json_is_str(json_get(rec, "status"), "valid") &&
		    (!eb || jx_num(rec, "expires", 0) < (double)before) &&
		    (!partner || member_of(&v, L, partner))) {
			h = json_new(JSON_OBJECT);
			json_set(h, "agent", json_clone(json_get(L, "agent")));
			org = fold_org_at(L, v.f.now, NULL);
			jx_set_str(h, "organization", org ?
			    jx_str(vget(&v, 'O', org), "id") : NULL);
			iso_or_null(h, "awarded", json_get(rec, "awarded"));
			iso_or_null(h, "expires", json_get(rec, "expires"));
			json_push(out, h);
		}
		free(ids[i]);
	}
	free(ids);
	reply_json(resp, 200, out);
	json_free(out);
	view_close(&v);
}

/* Whether content value cv (a tier's benefit value) unlocks activity. */
static int
unlocks(const json *cv, const char *activity)
{
	const json *p = json_get(cv, "prefixes");
	size_t i;

	if (jx_has_str(json_get(cv, "activities"), activity))
		return 1;
	for (i = 0; p && p->type == JSON_ARRAY && i < p->n; i++)
		if (p->vals[i]->type == JSON_STRING &&
		    strncmp(activity, p->vals[i]->str, p->vals[i]->len) == 0)
			return 1;
	return 0;
}

static void
access_check(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *partner)
{
	const char *act_id = params_get(&req->q, "activityId"), *org, *orgid;
	char lk[KEYMAX], ek[KEYMAX];
	struct view v;
	json *L, *out = json_new(JSON_OBJECT), *progs, *E;
	const json *P, *tiers, *b;
	size_t i, k, j;
	int rank;

	if (act_id == NULL) {
		http_error(resp, 400, "the activityId parameter is required");
		json_free(out);
		return;
	}
	if (agent_param(req, resp, lk, sizeof(lk)) != 0 ||
	    view_open(e, &v, resp) != 0) {
		json_free(out);
		return;
	}
	json_set(out, "allowed", json_new_bool(0));
	L = vget(&v, 'L', lk);
	if (partner && !member_of(&v, L, partner)) {
		http_error(resp, 403, "credential '%s' reads only members of '%s'",
		    req->cred.key, partner);
		json_free(out);
		view_close(&v);
		return;
	}
	org = L ? fold_org_at(L, v.f.now, NULL) : NULL;
	orgid = org ? jx_str(vget(&v, 'O', org), "id") : NULL;
	progs = json_get(v.f.defs, "programs");
	for (i = 0; orgid && progs && i < progs->n; i++) {
		P = json_get(progs->vals[i], "definition");
		snprintf(ek, sizeof(ek), "%s/%s", progs->keys[i], orgid);
		E = vget(&v, 'E', ek);
		if (P == NULL || E == NULL || json_is_str(json_get(E, "status"),
		    "ended") || json_get(progs->vals[i], "deleted")->type == JSON_TRUE)
			continue;
		rank = (int)jx_num(fold_tier(P, jx_str(E, "tier")), "rank", 0);
		tiers = json_get(P, "tiers");
		for (k = 0; tiers && k < tiers->n; k++) {
			if ((int)jx_num(tiers->vals[k], "rank", 0) > rank)
				continue;
			b = json_get(tiers->vals[k], "benefits");
			for (j = 0; b && j < b->n; j++)
				if (b->vals[j]->type == JSON_OBJECT &&
				    unlocks(b->vals[j], act_id)) {
					json_set(out, "allowed", json_new_bool(1));
					jx_set_str(out, "program", progs->keys[i]);
					jx_set_str(out, "tier", jx_str(E, "tier"));
					jx_set_str(out, "benefit", b->keys[j]);
					goto done;
				}
		}
	}
done:
	reply_json(resp, 200, out);
	json_free(out);
	view_close(&v);
}

/* --- recommendations and the clock --- */

static void
recommendations(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *rid)
{
	struct view v;
	char **ids = NULL, ek[KEYMAX], obj[KEYMAX];
	size_t n = 0, i;
	json *out, *R, *E, *x;

	if (rid) {
		if (strcmp(req->method, "POST") != 0) {
			http_error(resp, 405, "/tiering/recommendations/{id} allows POST");
			return;
		}
		if (view_open(e, &v, resp) != 0)
			return;
		R = vget(&v, 'R', rid);
		view_close(&v);
		if (R == NULL) {
			http_error(resp, 404, "no pending recommendation '%s'", rid);
			return;
		}
		snprintf(obj, sizeof(obj), "recommendations/%s", rid);
		if (body_act(e, req, resp, "recommendation-decision", "decided",
		    obj) == 0)
			resp->status = 204;
		return;
	}
	if (view_open(e, &v, resp) != 0)
		return;
	out = json_new(JSON_ARRAY);
	tstate_ids(v.ts, 'R', NULL, &ids, &n);
	for (i = 0; i < n; i++) {
		R = vget(&v, 'R', ids[i]);
		snprintf(ek, sizeof(ek), "%s/%s", jx_str(R, "program"),
		    jx_str(R, "org"));
		E = vget(&v, 'E', ek);
		if (E && json_is_str(json_get(json_get(E, "rec"), "id"), ids[i])) {
			x = json_new(JSON_OBJECT);
			jx_set_str(x, "id", ids[i]);
			jx_set_str(x, "program", jx_str(R, "program"));
			jx_set_str(x, "organization", jx_str(R, "org"));
			jx_set_str(x, "tier", jx_str(json_get(E, "rec"), "tier"));
			jx_set_str(x, "raised", jx_str(json_get(E, "rec"), "raised"));
			json_push(out, x);
		}
		free(ids[i]);
	}
	free(ids);
	reply_json(resp, 200, out);
	json_free(out);
	view_close(&v);
}

static void
clock_api(tier_engine *e, struct http_req *req, struct http_resp *resp)
{
	char err[512], ts[32];
	json *body = NULL, *out;
	store_read *r;
	int64_t to, now = iso8601_now();
	int rc;

	if (strcmp(req->method, "POST") == 0) {
		if (!e->simulated) {
			http_error(resp, 409, "the clock is the wall clock (start with --simulated-clock to move it)");
			return;
		}
		if (body_json(req, resp, &body) != 0)
			return;
		if (validate("clock", body, err, sizeof(err)) != 0) {
			http_error(resp, 400, "invalid clock move: %s", err);
			goto out;
		}
		iso8601_parse(json_get_str(body, "to"), strlen(json_get_str(body,
		    "to")), 1, &to);
		if ((rc = engine_clock_to(e, to)) != 0) {
			http_error(resp, 503, "could not move the clock: %s",
			    rc == STORE_ETIMEDOUT ? "the engine did not catch "
			    "up with the log within 10 s" : store_strerror(rc));
			goto out;
		}
	} else if (strcmp(req->method, "GET") != 0) {
		http_error(resp, 405, "/tiering/clock allows GET and POST");
		return;
	}
	if (store_read_begin(e->st, &r) == 0) {
		now = engine_now(e, store_read_txn(r));
		store_read_end(r);
	}
	out = json_new(JSON_OBJECT);
	jx_set_str(out, "now", iso8601_format(now, ts));
	json_set(out, "simulated", json_new_bool(e->simulated));
	reply_json(resp, 200, out);
	json_free(out);
out:
	json_free(body);
}

/* --- replay and what-if --- */

/* Tier id -> number of enrollments of program pid in state ts, into
 * dist; and each organisation's tier into tiers (org -> tier or null). */
static void
distribution(tstate *ts, const char *pid, json *dist, json *tiers)
{
	char **ids = NULL;
	size_t n = 0, i, plen = strlen(pid);
	const char *t;
	json *E;
	int rc;

	tstate_ids(ts, 'E', NULL, &ids, &n);
	for (i = 0; i < n; i++) {
		if (strncmp(ids[i], pid, plen) == 0 && ids[i][plen] == '/' &&
		    (E = tstate_get(ts, 'E', ids[i], 0, &rc)) != NULL &&
		    !json_is_str(json_get(E, "status"), "ended")) {
			t = jx_str(E, "tier");
			jx_set_num(dist, t ? t : "none",
			    jx_num(dist, t ? t : "none", 0) + 1);
			jx_set_str(tiers, ids[i] + plen + 1, t);
		}
		free(ids[i]);
	}
	free(ids);
}

struct whatif_out {
	const char	*pid;
	json		*dist, *tiers;
};

static void
whatif_result(void *arg, struct fold *f)
{
	struct whatif_out *w = arg;

	distribution(f->ts, w->pid, w->dist, w->tiers);
}

static void
whatif(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *pid)
{
	struct whatif_out wo;
	char err[512];
	struct view v;
	json *draft = NULL, *out, *now_d, *now_t, *new_d, *new_t, *moves, *m;
	uint64_t count = 0;
	int64_t t0 = iso8601_now();
	size_t i;
	const json *was;

	if (strcmp(req->method, "POST") != 0) {
		http_error(resp, 405, "what-if allows POST");
		return;
	}
	if (body_json(req, resp, &draft) != 0)
		return;
	if (validate("program", draft, err, sizeof(err)) != 0 ||
	    program_check(draft, err, sizeof(err)) != 0) {
		http_error(resp, 400, "invalid program: %s", err);
		json_free(draft);
		return;
	}
	if (view_open(e, &v, resp) != 0) {
		json_free(draft);
		return;
	}
	now_d = json_new(JSON_OBJECT);
	now_t = json_new(JSON_OBJECT);
	distribution(v.ts, pid, now_d, now_t);
	view_close(&v);
	new_d = json_new(JSON_OBJECT);
	new_t = json_new(JSON_OBJECT);
	wo.pid = pid;
	wo.dist = new_d;
	wo.tiers = new_t;
	if (engine_whatif(e, pid, draft, whatif_result, &wo, &count) != 0) {
		http_error(resp, 503, "the what-if could not run (reading the log or its scratch state failed)");
		json_free(new_d);
		json_free(new_t);
		goto out;
	}
	moves = json_new(JSON_ARRAY);
	for (i = 0; i < new_t->n; i++) {
		was = json_get(now_t, new_t->keys[i]);
		if (was && json_equal(was, new_t->vals[i]))
			continue;
		m = json_new(JSON_OBJECT);
		jx_set_str(m, "organization", new_t->keys[i]);
		json_set(m, "from", was ? json_clone(was) : json_new(JSON_NULL));
		json_set(m, "to", json_clone(new_t->vals[i]));
		json_push(moves, m);
	}
	for (i = 0; i < now_t->n; i++)
		if (json_get(new_t, now_t->keys[i]) == NULL) {
			m = json_new(JSON_OBJECT);
			jx_set_str(m, "organization", now_t->keys[i]);
			json_set(m, "from", json_clone(now_t->vals[i]));
			json_set(m, "to", json_new(JSON_NULL));
			json_push(moves, m);
		}
	out = json_new(JSON_OBJECT);
	jx_set_str(out, "program", pid);
	jx_set_num(out, "statements", (double)count);
	jx_set_num(out, "seconds", (double)(iso8601_now() - t0) / 1e6);
	json_set(out, "today", now_d);
	json_set(out, "draft", new_d);
	json_set(out, "moves", moves);
	reply_json(resp, 200, out);
	json_free(out);
	json_free(new_t);
	now_d = NULL;
out:
	json_free(now_d);
	json_free(now_t);
	json_free(draft);
}

static void
replay(tier_engine *e, struct http_req *req, struct http_resp *resp)
{
	uint64_t n = 0;
	int64_t t0 = iso8601_now();
	json *out;

	if (strcmp(req->method, "POST") != 0) {
		http_error(resp, 405, "/tiering/replay allows POST");
		return;
	}
	if (engine_replay(e, 600000, &n) != 0) {
		http_error(resp, 503, "the replay did not finish");
		return;
	}
	out = json_new(JSON_OBJECT);
	jx_set_num(out, "statements", (double)n);
	jx_set_num(out, "seconds", (double)(iso8601_now() - t0) / 1e6);
	reply_json(resp, 200, out);
	json_free(out);
}

/* --- partner credentials --- */

/* The organisation credential key is bound to, into out ("" for none). */
static int
bound_org(tier_engine *e, const char *key, char *out, size_t size)
{
	char id[KEYMAX];
	store_read *r;
	json *D;
	const json *rec;
	int rc;

	out[0] = '\0';
	snprintf(id, sizeof(id), "bindings/%s", key);
	if ((rc = store_read_begin(e->st, &r)) != 0)
		return rc;
	D = tstate_read(store_read_txn(r), e->dbi, 'D', id, &rc);
	store_read_end(r);
	rec = json_get(D, "record");
	if (rec && json_get(rec, "deleted")->type != JSON_TRUE)
		snprintf(out, size, "%s", json_get_str(json_get(rec, "definition"),
		    "organization") ? json_get_str(json_get(rec, "definition"),
		    "organization") : "");
	json_free(D);
	return rc;
}

/* What a bound credential may do: read its own standings, its members'
 * certifications and access, and the programs' and benefits'
 * definitions (the scorecard shows tier names, badges, benefits). */
static int
partner_may(const struct http_req *req, char **part, int n)
{
	if (strcmp(req->method, "GET") != 0)
		return 0;
	if (strcmp(part[0], "programs") == 0 && (n <= 2 || (n <= 4 &&
	    strcmp(part[2], "enrollments") == 0)))
		return 1;
	if (strcmp(part[0], "benefits") == 0 && n <= 2)
		return 1;
	if (strcmp(part[0], "certifications") == 0 && n == 3 &&
	    strcmp(part[2], "holders") == 0)
		return 1;
	return (strcmp(part[0], "learners") == 0 ||
	    strcmp(part[0], "access") == 0 || strcmp(part[0], "clock") == 0) &&
	    n == 1;
}

/* PUT|GET|DELETE /tiering/bindings/{credential}: {"organization": id}. */
static void
bindings(tier_engine *e, struct http_req *req, struct http_resp *resp,
    const char *key)
{
	char obj[KEYMAX], org[256];
	struct view v;
	json *body = NULL, *out, *all;
	const char *oid;
	size_t i;

	if (key == NULL || strcmp(req->method, "GET") == 0) {
		if (view_open(e, &v, resp) != 0)
			return;
		out = json_new(JSON_ARRAY);
		all = json_get(v.f.defs, "bindings");
		for (i = 0; all && i < all->n; i++)
			if ((!key || strcmp(key, all->keys[i]) == 0) &&
			    json_get(all->vals[i], "deleted")->type != JSON_TRUE) {
				json *b = json_new(JSON_OBJECT);

				jx_set_str(b, "credential", all->keys[i]);
				jx_set_str(b, "organization", json_get_str(json_get(
				    all->vals[i], "definition"), "organization"));
				json_push(out, b);
			}
		if (key && out->n == 0)
			http_error(resp, 404, "credential '%s' is not bound", key);
		else
			reply_json(resp, 200, key ? out->vals[0] : out);
		json_free(out);
		view_close(&v);
		return;
	}
	snprintf(obj, sizeof(obj), "bindings/%s", key);
	if (strcmp(req->method, "DELETE") == 0) {
		if (bound_org(e, key, org, sizeof(org)) != 0 || org[0] == '\0') {
			http_error(resp, 404, "credential '%s' is not bound", key);
			return;
		}
		if (act(e, req, resp, "deleted", obj, NULL) == 0)
			resp->status = 204;
		return;
	}
	if (strcmp(req->method, "PUT") != 0) {
		http_error(resp, 405, "/tiering/bindings/{credential} allows GET, PUT, DELETE");
		return;
	}
	if (body_json(req, resp, &body) != 0)
		return;
	oid = json_get_str(body, "organization");
	if (body->type != JSON_OBJECT || oid == NULL || body->n != 1) {
		http_error(resp, 400, "the body must be {\"organization\": ID} and nothing else");
		goto out;
	}
	if (view_open(e, &v, resp) != 0)
		goto out;
	i = json_get(json_get(v.f.defs, "organizations"), oid) != NULL;
	view_close(&v);
	if (!i) {
		http_error(resp, 400, "/organization: no organization '%s'", oid);
		goto out;
	}
	/* act takes the body either way. */
	if (act(e, req, resp, "defined", obj, body) == 0)
		resp->status = 204;
	body = NULL;
out:
	json_free(body);
}

int
tier_lag(void *arg, struct probe_lag *out)
{
	tier_engine *e = arg;
	uint64_t cur, last;
	struct store_entry en;
	store_read *r;
	int rc;

	memset(out, 0, sizeof(*out));
	store_follower_status(e->follower, &cur, &last, &out->last_error);
	out->behind = last > cur ? last - cur : 0;
	if (out->behind == 0)
		return 0;
	if ((rc = store_read_begin(e->st, &r)) != STORE_OK)
		return rc;
	/* How long the oldest statement not yet applied has waited. */
	rc = store_entry_next(store_read_txn(r), e->st, cur + 1, &en);
	if (rc == STORE_ENOTFOUND)	/* only holes left (a purge) */
		rc = STORE_OK;
	if (rc == STORE_OK)
		out->seconds = (double)(iso8601_now() - en.stored) / 1e6;
	store_read_end(r);
	return rc;
}

/* GET /tiering/status: how far the engine is behind the log, without
 * waiting for it (for monitoring and the benchmark). */
static void
status(tier_engine *e, struct http_resp *resp)
{
	uint64_t cur, last;
	struct probe_lag lag;
	json *out;
	int rc;

	if ((rc = tier_lag(e, &lag)) != STORE_OK) {
		http_error(resp, 503, "cannot read the log: %s",
		    store_strerror(rc));
		return;
	}
	store_follower_status(e->follower, &cur, &last, &lag.last_error);
	out = json_new(JSON_OBJECT);
	jx_set_num(out, "cursor", (double)cur);
	jx_set_num(out, "last", (double)last);
	jx_set_num(out, "behind", (double)(last - cur));
	jx_set_num(out, "lag_seconds", lag.seconds);
	jx_set_num(out, "last_error", lag.last_error);
	jx_set_num(out, "outcome_conflicts", (double)e->conflicts);
	resp->status = 200;
	json_dump(out, &resp->body);
	json_free(out);
}

/* --- routing --- */

void
tier_http(void *arg, struct http_req *req, struct http_resp *resp)
{
	tier_engine *e = arg;
	char path[KEYMAX], *part[8] = { 0 }, *p, *save = NULL, pbuf[256];
	const char *partner;
	int n = 0, i;

	if (!(req->cred.scopes & (CRED_TIERING | CRED_ALL))) {
		http_error(resp, 403, "credential '%s' has no tiering scope",
		    req->cred.key);
		return;
	}
	snprintf(path, sizeof(path), "%s", req->path);
	for (p = strtok_r(path, "/", &save); p && n < 8;
	    p = strtok_r(NULL, "/", &save))
		part[n++] = p;
	if (n == 0) {
		http_error(resp, 404, "see the README for the /tiering API");
		return;
	}
	if (bound_org(e, req->cred.key, pbuf, sizeof(pbuf)) != 0) {
		http_error(resp, 503, "cannot read the credential's binding");
		return;
	}
	partner = pbuf[0] ? pbuf : NULL;
	if (partner && !partner_may(req, part, n)) {
		http_error(resp, 403, "credential '%s' is bound to organization '%s' and reads only its standings and its members",
		    req->cred.key, partner);
		return;
	}
	if (strcmp(part[0], "bindings") == 0 && n <= 2) {
		bindings(e, req, resp, n == 2 ? part[1] : NULL);
		return;
	}
	if (strcmp(part[0], "programs") == 0 && n == 3 &&
	    strcmp(part[2], "what-if") == 0) {
		whatif(e, req, resp, part[1]);
		return;
	}
	if (strcmp(part[0], "replay") == 0 && n == 1) {
		replay(e, req, resp);
		return;
	}
	if (strcmp(part[0], "programs") == 0 && n >= 3 &&
	    strcmp(part[2], "enrollments") == 0) {
		char rest[KEYMAX] = "";

		for (i = 4; i < n; i++)
			snprintf(rest + strlen(rest), sizeof(rest) - strlen(rest),
			    "%s%s", i > 4 ? "/" : "", part[i]);
		enrollments(e, req, resp, part[1], n > 3 ? part[3] : NULL,
		    n > 4 ? rest : NULL, partner);
		return;
	}
	if (strcmp(part[0], "certifications") == 0 && n == 3 &&
	    strcmp(part[2], "holders") == 0) {
		holders(e, req, resp, part[1], partner);
		return;
	}
	for (i = 0; kinds[i]; i++)
		if (strcmp(part[0], kinds[i]) == 0 && n <= 2) {
			definitions(e, req, resp, kinds[i], n == 2 ? part[1] : NULL);
			return;
		}
	if (strcmp(part[0], "analytics") == 0 && n == 2)
		analytics_handle(e, req, resp, part[1]);
	else if (strcmp(part[0], "learners") == 0 && n == 1)
		learners(e, req, resp, partner);
	else if (strcmp(part[0], "access") == 0 && n == 1)
		access_check(e, req, resp, partner);
	else if (strcmp(part[0], "recommendations") == 0 && n <= 2)
		recommendations(e, req, resp, n == 2 ? part[1] : NULL);
	else if (strcmp(part[0], "clock") == 0 && n == 1)
		clock_api(e, req, resp);
	else if (strcmp(part[0], "status") == 0 && n == 1)
		status(e, resp);
	else
		http_error(resp, 404, "no tiering resource at /tiering%s", req->path);
}
