/* fwdfilt: forwarding filters (fwdfilt.h). */
#include "fwdfilt.h"

#include <stdio.h>
#include <string.h>

static const char *const ifis[] = { "mbox", "mbox_sha1sum", "openid", NULL };

/* 0 when a is an object with exactly one usable identifier. */
static int
agent_check(const json *a)
{
	const json *acct;
	int i, n = 0;

	if (a == NULL || a->type != JSON_OBJECT)
		return -1;
	for (i = 0; ifis[i]; i++)
		if (json_get(a, ifis[i])) {
			if (json_get(a, ifis[i])->type != JSON_STRING)
				return -1;
			n++;
		}
	if ((acct = json_get(a, "account")) != NULL) {
		if (acct->type != JSON_OBJECT ||
		    json_get_str(acct, "homePage") == NULL ||
		    json_get_str(acct, "name") == NULL)
			return -1;
		n++;
	}
	return n == 1 ? 0 : -1;
}

/* 0 when member name of f, if present, is an array of strings (or
 * agents). */
static int
list_check(const json *f, const char *name, int agents, char *err,
    size_t errlen)
{
	const json *l = json_get(f, name);
	size_t i;

	if (l == NULL)
		return 0;
	if (l->type != JSON_ARRAY || l->n == 0) {
		snprintf(err, errlen, "filters.%s must be a non-empty array", name);
		return -1;
	}
	for (i = 0; i < l->n; i++)
		if (agents ? agent_check(l->vals[i]) != 0 :
		    l->vals[i]->type != JSON_STRING || l->vals[i]->len == 0) {
			snprintf(err, errlen, "filters.%s[%zu] must be %s", name, i,
			    agents ? "an Agent with exactly one of mbox, "
			    "mbox_sha1sum, openid or account" : "an IRI (string)");
			return -1;
		}
	return 0;
}

int
fwdfilt_check(const json *f, char *err, size_t errlen)
{
	static const char *const known[] = { "verbs", "activities", "agents",
	    "relatedActivities", "relatedAgents", NULL };
	const json *b;
	size_t i;
	int k;

	if (f == NULL)
		return 0;
	if (f->type != JSON_OBJECT) {
		snprintf(err, errlen, "filters must be an object");
		return -1;
	}
	for (i = 0; i < f->n; i++) {
		for (k = 0; known[k] && strcmp(known[k], f->keys[i]); k++)
			;
		if (known[k] == NULL) {
			snprintf(err, errlen, "filters has an unknown member '%s' "
			    "(verbs, activities, agents, relatedActivities, "
			    "relatedAgents)", f->keys[i]);
			return -1;
		}
	}
	for (k = 3; known[k]; k++)
		if ((b = json_get(f, known[k])) != NULL && b->type != JSON_TRUE &&
		    b->type != JSON_FALSE) {
			snprintf(err, errlen, "filters.%s must be true or false",
			    known[k]);
			return -1;
		}
	return list_check(f, "verbs", 0, err, errlen) ||
	    list_check(f, "activities", 0, err, errlen) ||
	    list_check(f, "agents", 1, err, errlen) ? -1 : 0;
}

/* Nonzero when string s is in list l. */
static int
in_list(const json *l, const json *s)
{
	size_t i;

	if (s == NULL || s->type != JSON_STRING)
		return 0;
	for (i = 0; i < l->n; i++)
		if (l->vals[i]->len == s->len &&
		    memcmp(l->vals[i]->str, s->str, s->len) == 0)
			return 1;
	return 0;
}

/* Nonzero when a and b name the same agent. */
static int
same_agent(const json *a, const json *b)
{
	const json *x, *y;
	int i;

	for (i = 0; ifis[i]; i++)
		if ((x = json_get(b, ifis[i])) != NULL)
			return (y = json_get(a, ifis[i])) != NULL && json_equal(x, y);
	x = json_get(b, "account");
	y = json_get(a, "account");
	return x && y && json_equal(json_get(x, "homePage"),
	    json_get(y, "homePage")) && json_equal(json_get(x, "name"),
	    json_get(y, "name"));
}

/* Nonzero when agent or group a (may be NULL), or a member of it, is in
 * the agents list l. */
static int
agent_in(const json *l, const json *a)
{
	const json *members;
	size_t i;

	if (a == NULL || a->type != JSON_OBJECT)
		return 0;
	for (i = 0; i < l->n; i++)
		if (same_agent(a, l->vals[i]))
			return 1;
	members = json_get(a, "member");
	if (members && members->type == JSON_ARRAY)
		for (i = 0; i < members->n; i++)
			if (agent_in(l, members->vals[i]))
				return 1;
	return 0;
}

/* Nonzero when object o is an Activity in l. */
static int
activity_in(const json *l, const json *o)
{
	const char *type = json_get_str(o, "objectType");

	return o && (type == NULL || strcmp(type, "Activity") == 0) &&
	    in_list(l, json_get(o, "id"));
}

/* The context activities of st (or of a SubStatement) in l. */
static int
context_activity_in(const json *l, const json *st)
{
	static const char *const kinds[] = { "parent", "grouping", "category",
	    "other", NULL };
	const json *ca = json_get(json_get(st, "context"), "contextActivities");
	const json *v;
	size_t i;
	int k;

	for (k = 0; ca && kinds[k]; k++) {
		if ((v = json_get(ca, kinds[k])) == NULL)
			continue;
		if (v->type == JSON_OBJECT && activity_in(l, v))
			return 1;
		for (i = 0; v->type == JSON_ARRAY && i < v->n; i++)
			if (activity_in(l, v->vals[i]))
				return 1;
	}
	return 0;
}

static int
activities_match(const json *l, const json *st, int related)
{
	const json *o = json_get(st, "object");

	if (activity_in(l, o))
		return 1;
	if (!related)
		return 0;
	if (context_activity_in(l, st))
		return 1;
	return json_is_str(json_get(o, "objectType"), "SubStatement") &&
	    (activity_in(l, json_get(o, "object")) || context_activity_in(l, o));
}

/* The agents of a statement's context in l. */
static int
context_agent_in(const json *l, const json *st)
{
	const json *ctx = json_get(st, "context");

	return agent_in(l, json_get(ctx, "instructor")) ||
	    agent_in(l, json_get(ctx, "team"));
}

static int
agents_match(const json *l, const json *st, int related)
{
	const json *o = json_get(st, "object");

	if (agent_in(l, json_get(st, "actor")))
		return 1;
	if (!related)
		return 0;
	if (agent_in(l, o) || context_agent_in(l, st) ||
	    agent_in(l, json_get(st, "authority")))
		return 1;
	return json_is_str(json_get(o, "objectType"), "SubStatement") &&
	    (agent_in(l, json_get(o, "actor")) ||
	    agent_in(l, json_get(o, "object")) || context_agent_in(l, o));
}

int
fwdfilt_match(const json *f, const json *st)
{
	const json *l;

	if (f == NULL)
		return 1;
	if ((l = json_get(f, "verbs")) != NULL &&
	    !in_list(l, json_get(json_get(st, "verb"), "id")))
		return 0;
	if ((l = json_get(f, "activities")) != NULL && !activities_match(l, st,
	    json_get(f, "relatedActivities") &&
	    json_get(f, "relatedActivities")->type == JSON_TRUE))
		return 0;
	if ((l = json_get(f, "agents")) != NULL && !agents_match(l, st,
	    json_get(f, "relatedAgents") &&
	    json_get(f, "relatedAgents")->type == JSON_TRUE))
		return 0;
	return 1;
}
