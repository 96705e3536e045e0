/* stmtfmt: statement comparison and the "ids" and "canonical" formats.
 *
 * Everything here must cope with any JSON, not only valid statements: the
 * payload of a signature is compared before anyone has validated it.  So
 * every walker checks types and falls back to plain equality (or leaves
 * the value alone) when a value is not what a statement would hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "iso8601.h"
#include "json.h"
#include "stmtfmt.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ */
/* Comparison (xAPI 1.0.3 Data 2.3.1, "Statement Comparison Requirements"):
 * differences that the exceptions to immutability could cause are
 * ignored, every other difference counts.  The exceptions: properties the
 * LRS assigns (id, authority, stored, timestamp, version), Activity
 * definitions and Verb displays (not part of the statement), the
 * serialization of timestamps (same instant), the order of a Group's
 * members, and case where the property is case-insensitive (the domain of
 * an e-mail address, hex digests, UUIDs, language tags, media types). */

static int	eq_statement(const json *, const json *, int);
static int	eq_actor(const json *, const json *);

static int
is_obj(const json *j)
{
	return j != NULL && j->type == JSON_OBJECT;
}

static int
is_str(const json *j)
{
	return j != NULL && j->type == JSON_STRING;
}

/* Equal strings regardless of ASCII case (the UUIDs, digests, language
 * tags and media types compared with it are ASCII). */
static int
eq_nocase(const json *a, const json *b)
{
	if (!is_str(a) || !is_str(b))
		return json_equal(a, b);
	return a->len == b->len && strncasecmp(a->str, b->str, a->len) == 0 &&
	    memchr(a->str, '\0', a->len) == NULL;
}

/* mailto IRIs: the scheme and the domain are case-insensitive, the local
 * part is not. */
static int
eq_mbox(const json *a, const json *b)
{
	const char *sa, *sb, *da, *db;

	if (!is_str(a) || !is_str(b) || a->len != b->len ||
	    memchr(a->str, '\0', a->len) || memchr(b->str, '\0', b->len))
		return json_equal(a, b);
	sa = a->str;
	sb = b->str;
	if (strncasecmp(sa, "mailto:", 7) == 0 &&
	    strncasecmp(sb, "mailto:", 7) == 0) {
		sa += 7;
		sb += 7;
	}
	da = strrchr(sa, '@');
	db = strrchr(sb, '@');
	if (da == NULL || db == NULL)
		return strcmp(sa, sb) == 0;
	return da - sa == db - sb && strncmp(sa, sb, (size_t)(da - sa)) == 0 &&
	    strcasecmp(da, db) == 0;
}

/* Timestamps are the same instant, whatever the zone or precision they
 * are written with. */
static int
eq_time(const json *a, const json *b)
{
	int64_t ua, ub;

	if (!is_str(a) || !is_str(b) ||
	    iso8601_parse(a->str, a->len, 0, &ua) != 0 ||
	    iso8601_parse(b->str, b->len, 0, &ub) != 0)
		return json_equal(a, b);
	return ua == ub;
}

/* Language maps: tags compare without case, values exactly. */
static int
eq_langmap(const json *a, const json *b)
{
	size_t i, k;

	if (!is_obj(a) || !is_obj(b) || a->n != b->n)
		return json_equal(a, b);
	for (i = 0; i < a->n; i++) {
		for (k = 0; k < b->n; k++)
			if (strcasecmp(a->keys[i], b->keys[k]) == 0)
				break;
		if (k == b->n || !json_equal(a->vals[i], b->vals[k]))
			return 0;
	}
	return 1;
}

/* Compare two objects member by member: eq decides for each name present
 * on either side (one of the values may be NULL). */
static int
eq_members(const json *a, const json *b,
    int (*eq)(const char *, const json *, const json *, int), int arg)
{
	size_t i;

	if (!is_obj(a) || !is_obj(b))
		return json_equal(a, b);
	for (i = 0; i < a->n; i++)
		if (!eq(a->keys[i], a->vals[i], json_get(b, a->keys[i]), arg))
			return 0;
	for (i = 0; i < b->n; i++)
		if (json_get(a, b->keys[i]) == NULL &&
		    !eq(b->keys[i], NULL, b->vals[i], arg))
			return 0;
	return 1;
}

/* The objectType of an Agent/Group or of a statement's object, with the
 * default the spec gives when it is absent. */
static const char *
object_type(const json *j, const char *dflt)
{
	const char *t = json_get_str(j, "objectType");

	return t != NULL ? t : dflt;
}

/* Group members are an unordered list: match each member of a with a
 * distinct member of b. */
static int
eq_members_unordered(const json *a, const json *b)
{
	char *used;
	size_t i, k;
	int rc = 1;

	if (a == NULL || b == NULL || a->type != JSON_ARRAY ||
	    b->type != JSON_ARRAY || a->n != b->n)
		return json_equal(a, b);
	used = xcalloc(b->n + 1, 1);
	for (i = 0; i < a->n && rc; i++) {
		for (k = 0; k < b->n; k++)
			if (!used[k] && eq_actor(a->vals[i], b->vals[k]))
				break;
		if (k == b->n)
			rc = 0;
		else
			used[k] = 1;
	}
	free(used);
	return rc;
}

static int
eq_actor_member(const char *key, const json *a, const json *b, int arg)
{
	(void)arg;
	if (strcmp(key, "objectType") == 0)
		return 1;	/* compared with its default by eq_actor */
	if (strcmp(key, "mbox") == 0)
		return a != NULL && b != NULL ? eq_mbox(a, b) : a == b;
	if (strcmp(key, "mbox_sha1sum") == 0)
		return eq_nocase(a, b);
	if (strcmp(key, "member") == 0)
		return eq_members_unordered(a, b);
	return json_equal(a, b);
}

/* Agents and Groups. */
static int
eq_actor(const json *a, const json *b)
{
	if (!is_obj(a) || !is_obj(b))
		return json_equal(a, b);
	if (strcmp(object_type(a, "Agent"), object_type(b, "Agent")) != 0)
		return 0;
	return eq_members(a, b, eq_actor_member, 0);
}

/* Verbs: the display is not part of the statement. */
static int
eq_verb_member(const char *key, const json *a, const json *b, int arg)
{
	(void)arg;
	return strcmp(key, "display") == 0 || json_equal(a, b);
}

/* Activities: the definition is not part of the statement. */
static int
eq_activity_member(const char *key, const json *a, const json *b, int arg)
{
	(void)arg;
	return strcmp(key, "definition") == 0 ||
	    strcmp(key, "objectType") == 0 || json_equal(a, b);
}

static int
eq_activity(const json *a, const json *b)
{
	if (!is_obj(a) || !is_obj(b))
		return json_equal(a, b);
	if (strcmp(object_type(a, "Activity"), object_type(b, "Activity")) != 0)
		return 0;
	return eq_members(a, b, eq_activity_member, 0);
}

static int
eq_statementref_member(const char *key, const json *a, const json *b,
    int arg)
{
	(void)arg;
	return strcmp(key, "id") == 0 ? eq_nocase(a, b) : json_equal(a, b);
}

/* The object of a statement or sub-statement: its objectType (Activity
 * when absent) says how to compare it. */
static int
eq_object(const json *a, const json *b)
{
	const char *t;

	if (!is_obj(a) || !is_obj(b))
		return json_equal(a, b);
	t = object_type(a, "Activity");
	if (strcmp(t, object_type(b, "Activity")) != 0)
		return 0;
	if (strcmp(t, "Activity") == 0)
		return eq_activity(a, b);
	if (strcmp(t, "Agent") == 0 || strcmp(t, "Group") == 0)
		return eq_actor(a, b);
	if (strcmp(t, "SubStatement") == 0)
		return eq_statement(a, b, 0);
	if (strcmp(t, "StatementRef") == 0)
		return eq_members(a, b, eq_statementref_member, 0);
	return json_equal(a, b);
}

/* An array of Activities, or a single one (1.0.x allowed that in
 * contextActivities; it means the same as an array of one). */
static int
eq_activity_list(const json *a, const json *b)
{
	const json *const *va, *const *vb;
	size_t na, nb, i;

	if (a == NULL || b == NULL)
		return a == b;
	na = a->type == JSON_ARRAY ? a->n : 1;
	nb = b->type == JSON_ARRAY ? b->n : 1;
	va = a->type == JSON_ARRAY ? (const json *const *)a->vals : &a;
	vb = b->type == JSON_ARRAY ? (const json *const *)b->vals : &b;
	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (!eq_activity(va[i], vb[i]))
			return 0;
	return 1;
}

static int
eq_ctxacts_member(const char *key, const json *a, const json *b, int arg)
{
	(void)key;
	(void)arg;
	return eq_activity_list(a, b);
}

/* Members of 2.0 contextAgents / contextGroups entries. */
static int
eq_ctxagent_member(const char *key, const json *a, const json *b, int arg)
{
	(void)arg;
	if (strcmp(key, "agent") == 0 || strcmp(key, "group") == 0)
		return eq_actor(a, b);
	return json_equal(a, b);
}

static int
eq_ctxagents(const json *a, const json *b)
{
	size_t i;

	if (a == NULL || b == NULL || a->type != JSON_ARRAY ||
	    b->type != JSON_ARRAY || a->n != b->n)
		return json_equal(a, b);
	for (i = 0; i < a->n; i++)
		if (!eq_members(a->vals[i], b->vals[i], eq_ctxagent_member, 0))
			return 0;
	return 1;
}

static int
eq_context_member(const char *key, const json *a, const json *b, int arg)
{
	(void)arg;
	if (a == NULL || b == NULL)
		return a == b;
	if (strcmp(key, "registration") == 0 || strcmp(key, "language") == 0)
		return eq_nocase(a, b);
	if (strcmp(key, "instructor") == 0 || strcmp(key, "team") == 0)
		return eq_actor(a, b);
	if (strcmp(key, "contextActivities") == 0)
		return eq_members(a, b, eq_ctxacts_member, 0);
	if (strcmp(key, "contextAgents") == 0 ||
	    strcmp(key, "contextGroups") == 0)
		return eq_ctxagents(a, b);
	if (strcmp(key, "statement") == 0)
		return eq_object(a, b);
	return json_equal(a, b);
}

static int
eq_attachment_member(const char *key, const json *a, const json *b, int arg)
{
	(void)arg;
	if (a == NULL || b == NULL)
		return a == b;
	if (strcmp(key, "display") == 0 || strcmp(key, "description") == 0)
		return eq_langmap(a, b);
	if (strcmp(key, "sha2") == 0 || strcmp(key, "contentType") == 0)
		return eq_nocase(a, b);
	return json_equal(a, b);
}

static int
eq_attachments(const json *a, const json *b)
{
	size_t i;

	if (a == NULL || b == NULL || a->type != JSON_ARRAY ||
	    b->type != JSON_ARRAY || a->n != b->n)
		return json_equal(a, b);
	for (i = 0; i < a->n; i++)
		if (!eq_members(a->vals[i], b->vals[i], eq_attachment_member,
		    0))
			return 0;
	return 1;
}

/* A duration with the fraction of its seconds cut to hundredths, which
 * is all the precision 2.0.0 lets a comparison see. */
static void
duration_cut(const json *d, char *out, size_t size)
{
	const char *dot;
	size_t n, keep;

	snprintf(out, size, "%.*s", (int)d->len, d->str);
	n = strlen(out);
	dot = strrchr(out, '.');
	if (dot == NULL || n == 0 || out[n - 1] != 'S')
		return;
	keep = (size_t)(dot - out) + 3;
	if (keep < n - 1) {
		out[keep] = 'S';
		out[keep + 1] = '\0';
	}
}

static int
eq_result_member(const char *key, const json *a, const json *b, int arg)
{
	char da[128], db[128];

	if (a == NULL || b == NULL)
		return a == b;
	if (strcmp(key, "duration") == 0 && is_str(a) && is_str(b)) {
		duration_cut(a, da, sizeof(da));
		duration_cut(b, db, sizeof(db));
		return strcmp(da, db) == 0;
	}
	return json_equal(a, b);
}

/* Members of a statement (top != 0) or of a sub-statement. */
static int
eq_statement_member(const char *key, const json *a, const json *b, int top)
{
	/* Assigned or replaced by the LRS. */
	if (top && (strcmp(key, "authority") == 0 ||
	    strcmp(key, "stored") == 0 || strcmp(key, "version") == 0))
		return 1;
	/* The LRS assigns these when missing, so only a difference between
	 * two given values counts. */
	if (top && (a == NULL || b == NULL) && (strcmp(key, "id") == 0 ||
	    strcmp(key, "timestamp") == 0))
		return 1;
	if (a == NULL || b == NULL)
		return a == b;
	if (strcmp(key, "id") == 0)
		return eq_nocase(a, b);
	if (strcmp(key, "timestamp") == 0)
		return eq_time(a, b);
	if (strcmp(key, "actor") == 0)
		return eq_actor(a, b);
	if (strcmp(key, "verb") == 0)
		return eq_members(a, b, eq_verb_member, 0);
	if (strcmp(key, "object") == 0)
		return eq_object(a, b);
	if (strcmp(key, "context") == 0)
		return eq_members(a, b, eq_context_member, 0);
	if (strcmp(key, "attachments") == 0)
		return eq_attachments(a, b);
	if (strcmp(key, "result") == 0)
		return eq_members(a, b, eq_result_member, 0);
	return json_equal(a, b);
}

static int
eq_statement(const json *a, const json *b, int top)
{
	return eq_members(a, b, eq_statement_member, top);
}

int
stmtfmt_equivalent(const json *a, const json *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return eq_statement(a, b, 1);
}

/* ------------------------------------------------------------------ */
/* The "ids" format: Agents and Groups keep their objectType and inverse
 * functional identifier (anonymous Groups their members, reduced the same
 * way), Activities and Verbs only their id. */

static void	ids_statement(json *);

static int
is_ifi(const char *key)
{
	return strcmp(key, "mbox") == 0 || strcmp(key, "mbox_sha1sum") == 0 ||
	    strcmp(key, "openid") == 0 || strcmp(key, "account") == 0;
}

/* A reduced copy of Agent or Group j. */
static json *
ids_actor(const json *j)
{
	json *n, *m;
	size_t i, k;
	int anon = 1;

	if (!is_obj(j))
		return json_clone(j);
	for (i = 0; i < j->n; i++)
		if (is_ifi(j->keys[i]))
			anon = 0;
	n = json_new(JSON_OBJECT);
	for (i = 0; i < j->n; i++) {
		if (strcmp(j->keys[i], "objectType") == 0 || is_ifi(j->keys[i]))
			json_set(n, j->keys[i], json_clone(j->vals[i]));
		else if (strcmp(j->keys[i], "member") == 0 && anon &&
		    j->vals[i]->type == JSON_ARRAY) {
			m = json_new(JSON_ARRAY);
			for (k = 0; k < j->vals[i]->n; k++)
				json_push(m, ids_actor(j->vals[i]->vals[k]));
			json_set(n, "member", m);
		}
	}
	return n;
}

/* A copy of Activity or Verb j holding its id only. */
static json *
ids_id_only(const json *j)
{
	json *n, *id;

	if (!is_obj(j) || (id = json_get(j, "id")) == NULL)
		return json_clone(j);
	n = json_new(JSON_OBJECT);
	json_set(n, "id", json_clone(id));
	return n;
}

/* Replace member key of obj, if present, by f of it. */
static void
ids_replace(json *obj, const char *key, json *(*f)(const json *))
{
	json *v;

	if (is_obj(obj) && (v = json_get(obj, key)) != NULL)
		json_set(obj, key, f(v));
}

static json *
ids_object(const json *j)
{
	const char *t;
	json *n;

	if (!is_obj(j))
		return json_clone(j);
	t = object_type(j, "Activity");
	if (strcmp(t, "Activity") == 0)
		return ids_id_only(j);
	if (strcmp(t, "Agent") == 0 || strcmp(t, "Group") == 0)
		return ids_actor(j);
	n = json_clone(j);
	if (strcmp(t, "SubStatement") == 0)
		ids_statement(n);
	return n;
}

static json *
ids_activity_list(const json *j)
{
	json *n;
	size_t i;

	if (j->type != JSON_ARRAY)
		return ids_id_only(j);
	n = json_new(JSON_ARRAY);
	for (i = 0; i < j->n; i++)
		json_push(n, ids_id_only(j->vals[i]));
	return n;
}

static void
ids_context(json *c)
{
	json *ca, *list;
	size_t i;

	if (!is_obj(c))
		return;
	ids_replace(c, "instructor", ids_actor);
	ids_replace(c, "team", ids_actor);
	if (is_obj(ca = json_get(c, "contextActivities")))
		for (i = 0; i < ca->n; i++)
			json_set(ca, ca->keys[i],
			    ids_activity_list(ca->vals[i]));
	if ((list = json_get(c, "contextAgents")) != NULL &&
	    list->type == JSON_ARRAY)
		for (i = 0; i < list->n; i++)
			ids_replace(list->vals[i], "agent", ids_actor);
	if ((list = json_get(c, "contextGroups")) != NULL &&
	    list->type == JSON_ARRAY)
		for (i = 0; i < list->n; i++)
			ids_replace(list->vals[i], "group", ids_actor);
}

static void
ids_statement(json *st)
{
	if (!is_obj(st))
		return;
	ids_replace(st, "actor", ids_actor);
	ids_replace(st, "verb", ids_id_only);
	ids_replace(st, "object", ids_object);
	ids_replace(st, "authority", ids_actor);
	ids_context(json_get(st, "context"));
}

json *
stmtfmt_ids(const json *st)
{
	json *n = json_clone(st);

	ids_statement(n);
	return n;
}

/* ------------------------------------------------------------------ */
/* The "canonical" format: every language map reduced to the entry the
 * Accept-Language header prefers (RFC 7231 5.3.5 quality values, RFC 4647
 * matching). */

#define LANG_MAX	32	/* language ranges considered */
#define LANG_LEN	64	/* longest range considered */

struct langpref {
	char	range[LANG_LEN];
	int	q;		/* quality, 0..1000 */
};

struct langprefs {
	struct langpref	p[LANG_MAX];
	size_t		n;
};

/* RFC 7231 qvalue: 0[.ddd] or 1[.000]; -1 when malformed. */
static int
parse_q(const char *s, size_t len)
{
	size_t i;
	int q, scale = 100;

	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	if (len == 1)
		return q;
	if (s[1] != '.' || len > 5)
		return -1;
	for (i = 2; i < len; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q <= 1000 ? q : -1;
}

/* Parse an Accept-Language value into ranges sorted by falling quality
 * (stable, so equal qualities keep the header's order).  Ranges with q=0
 * (not acceptable) and malformed entries are dropped. */
static void
parse_accept_language(const char *s, struct langprefs *lp)
{
	const char *e, *r, *re, *p;
	struct langpref tmp;
	size_t i, k, rlen;
	int q;

	lp->n = 0;
	while (s != NULL && *s != '\0' && lp->n < LANG_MAX) {
		for (e = s; *e != '\0' && *e != ','; e++)
			;
		for (r = s; r < e && (*r == ' ' || *r == '\t'); r++)
			;
		for (re = r; re < e && *re != ';' && *re != ' ' &&
		    *re != '\t'; re++)
			;
		rlen = (size_t)(re - r);
		q = 1000;
		for (p = re; p < e; p++) {
			if (*p != ';')
				continue;
			for (p++; p < e && (*p == ' ' || *p == '\t'); p++)
				;
			if (e - p >= 2 && (p[0] == 'q' || p[0] == 'Q') &&
			    p[1] == '=') {
				const char *qe = p + 2;

				while (qe < e && *qe != ';' && *qe != ' ' &&
				    *qe != '\t')
					qe++;
				q = parse_q(p + 2, (size_t)(qe - p - 2));
				break;
			}
		}
		if (rlen > 0 && rlen < LANG_LEN && q > 0) {
			memcpy(lp->p[lp->n].range, r, rlen);
			lp->p[lp->n].range[rlen] = '\0';
			lp->p[lp->n].q = q;
			lp->n++;
		}
		s = *e == ',' ? e + 1 : e;
	}
	for (i = 1; i < lp->n; i++) {
		tmp = lp->p[i];
		for (k = i; k > 0 && lp->p[k - 1].q < tmp.q; k--)
			lp->p[k] = lp->p[k - 1];
		lp->p[k] = tmp;
	}
}

/* Nonzero when language tag matches range by RFC 4647 basic filtering:
 * equal, or the range followed by '-' begins the tag (en matches en-US). */
static int
lang_matches(const char *tag, const char *range, size_t rlen)
{
	return strncasecmp(tag, range, rlen) == 0 &&
	    (tag[rlen] == '\0' || tag[rlen] == '-');
}

/* Index of the member of language map m to keep.  First each range in
 * order of preference looks for its tag (or one it is a prefix of),
 * preferring an exact match; then each range is shortened subtag by
 * subtag (en-GB finds en or en-US, as RFC 4647 lookup would); failing
 * all that, and for "*", the first entry. */
static size_t
lang_pick(const json *m, const struct langprefs *lp)
{
	size_t i, k, rlen;
	const char *range;

	for (i = 0; i < lp->n; i++) {
		range = lp->p[i].range;
		if (strcmp(range, "*") == 0)
			continue;
		for (k = 0; k < m->n; k++)
			if (strcasecmp(m->keys[k], range) == 0)
				return k;
		for (k = 0; k < m->n; k++)
			if (lang_matches(m->keys[k], range, strlen(range)))
				return k;
	}
	for (i = 0; i < lp->n; i++) {
		range = lp->p[i].range;
		rlen = strlen(range);
		for (;;) {
			while (rlen > 0 && range[rlen - 1] != '-')
				rlen--;
			if (rlen < 2)
				break;
			rlen--;		/* drop the '-' */
			/* A lone singleton (x-, i-) is no language. */
			if (rlen >= 2 && range[rlen - 2] == '-')
				rlen -= 2;
			for (k = 0; k < m->n; k++)
				if (lang_matches(m->keys[k], range, rlen))
					return k;
		}
	}
	return 0;
}

/* Reduce member key of obj, when it is a language map, to one entry. */
static void
canon_langmap(json *obj, const char *key, const struct langprefs *lp)
{
	json *m, *n;
	size_t k;

	if (!is_obj(obj) || !is_obj(m = json_get(obj, key)) || m->n <= 1)
		return;
	k = lang_pick(m, lp);
	n = json_new(JSON_OBJECT);
	json_set(n, m->keys[k], json_clone(m->vals[k]));
	json_set(obj, key, n);
}

static void
canon_activity(json *a, const struct langprefs *lp)
{
	static const char *const comps[] = {
		"choices", "scale", "source", "target", "steps"
	};
	json *def, *list;
	size_t i, k;

	if (!is_obj(a) || !is_obj(def = json_get(a, "definition")))
		return;
	canon_langmap(def, "name", lp);
	canon_langmap(def, "description", lp);
	for (i = 0; i < sizeof(comps) / sizeof(comps[0]); i++)
		if ((list = json_get(def, comps[i])) != NULL &&
		    list->type == JSON_ARRAY)
			for (k = 0; k < list->n; k++)
				canon_langmap(list->vals[k], "description", lp);
}

static void
canon_statement(json *st, const struct langprefs *lp)
{
	json *o, *c, *ca, *v, *list;
	size_t i, k;

	if (!is_obj(st))
		return;
	canon_langmap(json_get(st, "verb"), "display", lp);
	if (is_obj(o = json_get(st, "object"))) {
		const char *t = object_type(o, "Activity");

		if (strcmp(t, "Activity") == 0)
			canon_activity(o, lp);
		else if (strcmp(t, "SubStatement") == 0)
			canon_statement(o, lp);
	}
	if (is_obj(c = json_get(st, "context")) &&
	    is_obj(ca = json_get(c, "contextActivities")))
		for (i = 0; i < ca->n; i++) {
			v = ca->vals[i];
			if (v->type != JSON_ARRAY)
				canon_activity(v, lp);
			else
				for (k = 0; k < v->n; k++)
					canon_activity(v->vals[k], lp);
		}
	if ((list = json_get(st, "attachments")) != NULL &&
	    list->type == JSON_ARRAY)
		for (i = 0; i < list->n; i++) {
			canon_langmap(list->vals[i], "display", lp);
			canon_langmap(list->vals[i], "description", lp);
		}
}

json *
stmtfmt_canonical(const json *st, const char *accept_language)
{
	struct langprefs lp;
	json *n = json_clone(st);

	parse_accept_language(accept_language, &lp);
	canon_statement(n, &lp);
	return n;
}
