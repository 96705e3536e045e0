/* analytics: GET /tiering/analytics/... (README 6), computed from the
 * engine's state: enrollments, their history, organisations' facts. */
#include "analytics.h"
#include "iso8601.h"
#include "jx.h"
#include "view.h"
#include "vocab.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYMAX 1024

struct org_sums {
	const json	*P;
	int64_t		 from, to;	/* days */
	double		 revenue;
	double		 first_deal;	/* usec, -1 none */
};

static void
sum_fact(struct fold *f, const json *fc, void *arg)
{
	struct org_sums *o = arg;
	const json *ext = json_get(fc, "ext"), *amt;
	double t = jx_num(fc, "t", 0), r;
	int64_t day = jx_day((int64_t)t);

	if (!json_is_str(json_get(fc, "verb"), TV_CLOSED))
		return;
	if (day >= o->from && (o->first_deal < 0 || t < o->first_deal))
		o->first_deal = t;
	if (day < o->from || day > o->to)
		return;
	amt = json_get(ext, TV_EXT("amount"));
	r = fold_rate(o->P, json_get_str(ext, TV_EXT("currency")));
	if (amt && amt->type == JSON_NUMBER && r >= 0)
		o->revenue += amt->num * r;
}

/* The sums of enrollment E's organisation: revenue of its current
 * period and its first closed deal since the period's start. */
static void
org_totals(struct view *v, const json *P, const json *E, struct org_sums *o)
{
	memset(o, 0, sizeof(*o));
	o->P = P;
	o->from = (int64_t)jx_num(E, "start", 0);
	o->to = (int64_t)jx_num(E, "end", 0);
	o->first_deal = -1;
	/* The sums look at closed-won deals only. */
	fold_each_attributed(&v->f, jx_str(E, "account"), TV_CLOSED, sum_fact, o);
}

/* The enrollments of program pid: their ids in *ids (free each), count. */
static size_t
enrollment_ids(struct view *v, const char *pid, char ***ids)
{
	char **all = NULL;
	size_t n = 0, i, k = 0, plen = strlen(pid);

	tstate_ids(v->ts, 'E', NULL, &all, &n);
	*ids = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		if (strncmp(all[i], pid, plen) == 0 && all[i][plen] == '/')
			(*ids)[k++] = all[i];
		else
			free(all[i]);
	}
	free(all);
	return k;
}

static void
free_ids(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* Whether any member of the organisation holds a valid certification now. */
static int
certified(struct view *v, const char *orgkey)
{
	const json *cur = json_get(vget(v, 'O', orgkey), "cur");
	size_t i;

	for (i = 0; cur && i < cur->n; i++) {
		const json *cs = json_get(cur->vals[i], "certs");

		if (cs && cs->n > 0)
			return 1;
	}
	return 0;
}

/* The earliest award at or after since among the organisation's members
 * ever, or -1. */
static double
first_cert(struct view *v, const char *orgkey, double since)
{
	const json *ever = json_get(vget(v, 'O', orgkey), "ever"), *certs;
	double best = -1, a;
	size_t i, k;

	for (i = 0; ever && i < ever->n; i++) {
		certs = json_get(vget(v, 'L', ever->vals[i]->str), "certs");
		for (k = 0; certs && k < certs->n; k++) {
			a = jx_num(certs->vals[k], "awarded", -1);
			if (a >= since && (best < 0 || a < best))
				best = a;
		}
	}
	return best;
}

static json *
stats(const double *x, size_t n)
{
	json *o = json_new(JSON_OBJECT);
	double sum = 0, *c;
	size_t i, j;

	jx_set_num(o, "count", (double)n);
	if (n == 0) {
		json_set(o, "mean", json_new(JSON_NULL));
		json_set(o, "median", json_new(JSON_NULL));
		return o;
	}
	c = xmalloc(n * sizeof(*c));
	for (i = 0; i < n; i++) {
		sum += x[i];
		for (j = i; j > 0 && c[j - 1] > x[i]; j--)
			c[j] = c[j - 1];
		c[j] = x[i];
	}
	jx_set_num(o, "mean", sum / (double)n);
	jx_set_num(o, "median", n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2);
	free(c);
	return o;
}

/* revenue: certified vs non-certified organisations, this period. */
static json *
revenue(struct view *v, const char *pid, const json *P)
{
	char **ids;
	size_t n = enrollment_ids(v, pid, &ids), i;
	double *rc = xcalloc(n + 1, sizeof(double)), *rn = xcalloc(n + 1,
	    sizeof(double));
	size_t nc = 0, nn = 0;
	json *out = json_new(JSON_OBJECT), *a, *b;
	struct org_sums o;
	const json *E;

	for (i = 0; i < n; i++) {
		E = vget(v, 'E', ids[i]);
		if (E == NULL || jx_str(E, "account") == NULL)
			continue;
		org_totals(v, P, E, &o);
		if (certified(v, jx_str(E, "account")))
			rc[nc++] = o.revenue;
		else
			rn[nn++] = o.revenue;
	}
	a = stats(rc, nc);
	b = stats(rn, nn);
	json_set(out, "certified", a);
	json_set(out, "non_certified", b);
	if (nc && nn && jx_num(b, "mean", 0) > 0)
		jx_set_num(out, "ratio", jx_num(a, "mean", 0) / jx_num(b, "mean", 0));
	else
		json_set(out, "ratio", json_new(JSON_NULL));
	jx_set_str(out, "currency", jx_str(P, "currency"));
	free(rc);
	free(rn);
	free_ids(ids, n);
	return out;
}

/* time-to-first: days from enrollment start to the first certification
 * of a member and to the first closed deal. */
static json *
time_to_first(struct view *v, const char *pid, const json *P)
{
	char **ids;
	size_t n = enrollment_ids(v, pid, &ids), i, ncert = 0, ndeal = 0;
	double *dc = xcalloc(n + 1, sizeof(double)), *dd = xcalloc(n + 1,
	    sizeof(double)), start, t;
	json *out = json_new(JSON_OBJECT);
	struct org_sums o;
	const json *E;

	for (i = 0; i < n; i++) {
		E = vget(v, 'E', ids[i]);
		if (E == NULL || jx_str(E, "account") == NULL)
			continue;
		start = jx_num(E, "start", 0) * 86400e6;
		org_totals(v, P, E, &o);
		if (o.first_deal >= start)
			dd[ndeal++] = (o.first_deal - start) / 86400e6;
		t = first_cert(v, jx_str(E, "account"), start);
		if (t >= start)
			dc[ncert++] = (t - start) / 86400e6;
	}
	json_set(out, "first_certification_days", stats(dc, ncert));
	json_set(out, "first_closed_deal_days", stats(dd, ndeal));
	free(dc);
	free(dd);
	free_ids(ids, n);
	return out;
}

/* blockers: for every enrollment below the top, the criteria of the next
 * tier that do not hold. */
static json *
blockers(struct view *v, const char *pid, const json *P)
{
	char **ids;
	size_t n = enrollment_ids(v, pid, &ids), i, k, t;
	json *count = json_new(JSON_OBJECT), *out = json_new(JSON_ARRAY), *x;
	const json *E, *tiers = json_get(P, "tiers"), *next, *cs;
	int rank;

	for (i = 0; i < n; i++) {
		E = vget(v, 'E', ids[i]);
		if (E == NULL || json_is_str(json_get(E, "status"), "ended"))
			continue;
		rank = (int)jx_num(fold_tier(P, jx_str(E, "tier")), "rank", 0);
		next = NULL;
		for (t = 0; tiers && t < tiers->n; t++)
			if ((int)jx_num(tiers->vals[t], "rank", 0) > rank &&
			    (next == NULL || jx_num(tiers->vals[t], "rank", 0) <
			    jx_num(next, "rank", 0)))
				next = tiers->vals[t];
		cs = json_get(next, "criteria");
		for (k = 0; cs && k < cs->n; k++)
			if (!fold_holds(&v->f, P, E, cs->vals[k]))
				jx_set_num(count, jx_str(cs->vals[k], "id"),
				    jx_num(count, jx_str(cs->vals[k], "id"), 0) + 1);
	}
	/* Most blocking first. */
	while (count->n) {
		size_t best = 0;

		for (k = 1; k < count->n; k++)
			if (count->vals[k]->num > count->vals[best]->num)
				best = k;
		x = json_new(JSON_OBJECT);
		jx_set_str(x, "criterion", count->keys[best]);
		jx_set_num(x, "blocked", count->vals[best]->num);
		json_push(out, x);
		json_del(count, count->keys[best]);
	}
	json_free(count);
	free_ids(ids, n);
	return out;
}

/* leaderboard: by tier rank, then revenue this period. */
static json *
leaderboard(struct view *v, const char *pid, const json *P)
{
	char **ids;
	size_t n = enrollment_ids(v, pid, &ids), i, k;
	json *out = json_new(JSON_ARRAY), *x;
	struct org_sums o;
	const json *E;

	for (i = 0; i < n; i++) {
		E = vget(v, 'E', ids[i]);
		if (E == NULL || jx_str(E, "account") == NULL)
			continue;
		org_totals(v, P, E, &o);
		x = json_new(JSON_OBJECT);
		jx_set_str(x, "organization", jx_str(E, "org"));
		jx_set_str(x, "tier", jx_str(E, "tier"));
		jx_set_num(x, "rank", jx_num(fold_tier(P, jx_str(E, "tier")),
		    "rank", 0));
		jx_set_num(x, "revenue", o.revenue);
		/* insertion by (rank, revenue) descending */
		json_push(out, x);
		for (k = out->n - 1; k > 0; k--) {
			json *a = out->vals[k - 1], *b = out->vals[k];

			if (jx_num(a, "rank", 0) > jx_num(b, "rank", 0) ||
			    (jx_num(a, "rank", 0) == jx_num(b, "rank", 0) &&
			    jx_num(a, "revenue", 0) >= jx_num(b, "revenue", 0)))
				break;
			out->vals[k - 1] = b;
			out->vals[k] = a;
		}
	}
	free_ids(ids, n);
	return out;
}

/* tiers: the distribution now, at the end of each month of [from, to],
 * and the movements (outcomes) in that range. */
static json *
tiers(struct view *v, const char *pid, int64_t from, int64_t to)
{
	char **ids, ts[32];
	size_t n = enrollment_ids(v, pid, &ids), i, k;
	json *out = json_new(JSON_OBJECT), *dist = json_new(JSON_OBJECT);
	json *moves = json_new(JSON_OBJECT), *timeline = json_new(JSON_ARRAY);
	json *x, *d;
	const json *E, *h;
	const char *t;
	int64_t m;

	for (i = 0; i < n; i++) {
		E = vget(v, 'E', ids[i]);
		if (E == NULL || json_is_str(json_get(E, "status"), "ended"))
			continue;
		t = jx_str(E, "tier");
		jx_set_num(dist, t ? t : "none", jx_num(dist, t ? t : "none", 0) + 1);
	}
	/* Month ends from..to: the tier each enrollment had then. */
	for (m = from; m <= to; ) {
		int y, mo;
		int64_t end;

		iso8601_format(m, ts);
		y = atoi(ts);
		mo = atoi(ts + 5);
		snprintf(ts, sizeof(ts), "%04d-%02d-01T00:00:00Z",
		    mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1);
		iso8601_parse(ts, strlen(ts), 1, &end);
		if (end > to + 1)
			end = to + 1;
		d = json_new(JSON_OBJECT);
		for (i = 0; i < n; i++) {
			const char *tier = NULL;
			int seen = 0;
			int64_t at;

			E = vget(v, 'E', ids[i]);
			h = json_get(E, "history");
			for (k = 0; h && k < h->n; k++) {
				const char *a = jx_str(h->vals[k], "at");

				if (a == NULL || iso8601_parse(a, strlen(a), 1, &at) ||
				    at >= end)
					break;
				seen = 1;
				tier = jx_str(h->vals[k], "to");
				if (json_is_str(json_get(h->vals[k], "kind"), "ended"))
					tier = NULL, seen = 0;
			}
			if (seen)
				jx_set_num(d, tier ? tier : "none",
				    jx_num(d, tier ? tier : "none", 0) + 1);
		}
		x = json_new(JSON_OBJECT);
		jx_set_str(x, "until", iso8601_format(end, ts));
		json_set(x, "distribution", d);
		json_push(timeline, x);
		m = end;
	}
	for (i = 0; i < n; i++) {
		E = vget(v, 'E', ids[i]);
		h = json_get(E, "history");
		for (k = 0; h && k < h->n; k++) {
			const char *a = jx_str(h->vals[k], "at"), *kind;
			char key[512];
			int64_t at;

			kind = jx_str(h->vals[k], "kind");
			if (a == NULL || iso8601_parse(a, strlen(a), 1, &at) ||
			    at < from || at > to || kind == NULL ||
			    (strcmp(kind, "promoted") && strcmp(kind, "demoted")))
				continue;
			snprintf(key, sizeof(key), "%s %s->%s", kind,
			    jx_str(h->vals[k], "from") ? jx_str(h->vals[k], "from") : "none",
			    jx_str(h->vals[k], "to") ? jx_str(h->vals[k], "to") : "none");
			jx_set_num(moves, key, jx_num(moves, key, 0) + 1);
		}
	}
	json_set(out, "distribution", dist);
	json_set(out, "timeline", timeline);
	json_set(out, "movements", moves);
	free_ids(ids, n);
	return out;
}

void
analytics_handle(tier_engine *e, struct http_req *req,
    struct http_resp *resp, const char *what)
{
	const char *pid = params_get(&req->q, "program");
	const char *fs = params_get(&req->q, "from"), *ts = params_get(&req->q, "to");
	struct view v;
	const json *P;
	json *out = NULL;
	int64_t from, to;

	if (strcmp(req->method, "GET") != 0) {
		http_error(resp, 405, "analytics allow GET");
		return;
	}
	if (pid == NULL) {
		http_error(resp, 400, "the program parameter is required");
		return;
	}
	if (view_open(e, &v, resp) != 0)
		return;
	to = v.f.now;
	from = to - 365 * 86400000000LL;
	if ((fs && iso8601_parse(fs, strlen(fs), 1, &from) != 0) ||
	    (ts && iso8601_parse(ts, strlen(ts), 1, &to) != 0) || from > to) {
		http_error(resp, 400, "from and to must be ISO 8601 date-times, from <= to");
		goto out;
	}
	P = json_get(json_get(json_get(v.f.defs, "programs"), pid), "definition");
	if (P == NULL) {
		http_error(resp, 404, "no program '%s'", pid);
		goto out;
	}
	if (strcmp(what, "tiers") == 0)
		out = tiers(&v, pid, from, to);
	else if (strcmp(what, "revenue") == 0)
		out = revenue(&v, pid, P);
	else if (strcmp(what, "time-to-first") == 0)
		out = time_to_first(&v, pid, P);
	else if (strcmp(what, "blockers") == 0)
		out = blockers(&v, pid, P);
	else if (strcmp(what, "leaderboard") == 0)
		out = leaderboard(&v, pid, P);
	else {
		http_error(resp, 404, "no analytics '%s' (tiers, revenue, time-to-first, blockers, leaderboard)", what);
		goto out;
	}
	resp->status = 200;
	json_dump(out, &resp->body);
	json_free(out);
out:
	view_close(&v);
}
