/* prog: a program definition compiled for the fold (see prog.h). */
#include "prog.h"
#include "jx.h"
#include "vocab.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char	*name;
	enum prog_type	 type;
	const char	*verb;	/* counted by default (event criteria) */
} types[] = {
	{ "revenue", PROG_REVENUE, TV_CLOSED },
	{ "deals_closed", PROG_DEALS_CLOSED, TV_CLOSED },
	{ "deals_registered", PROG_DEALS_REGISTERED, TV_REGISTERED },
	{ "deals_approved", PROG_DEALS_APPROVED, TV_VERB("approved") },
	{ "certifications", PROG_CERTIFICATIONS, NULL },
	{ "skills", PROG_SKILLS, NULL },
	{ "custom", PROG_CUSTOM, NULL },
};

void
prog_crit_init(struct prog_crit *k, const json *c)
{
	const char *type = jx_str(c, "type");
	size_t i;

	memset(k, 0, sizeof(*k));
	k->c = c;
	k->id = jx_str(c, "id");
	for (i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i].name) == 0) {
			k->type = types[i].type;
			k->verb = types[i].verb;
			k->event = types[i].verb != NULL;
		}
	k->verbs = json_get(c, "verbs");
	k->types = json_get(c, "activity_types");
	k->filters = json_get(c, "filters");
	k->amount_ext = jx_str(c, "amount_extension");
	k->currency_ext = jx_str(c, "currency_extension");
	k->cert = jx_str(c, "certification");
	k->role = jx_str(c, "role");
	k->threshold = jx_num(c, "threshold", 1);
}

static void
tier_init(struct prog_tier *t, const json *def)
{
	const json *cs = json_get(def, "criteria");
	size_t i;

	t->t = def;
	t->id = jx_str(def, "id");
	t->rank = (int)jx_num(def, "rank", 0);
	t->ncrit = cs && cs->type == JSON_ARRAY ? cs->n : 0;
	t->crit = xcalloc(t->ncrit ? t->ncrit : 1, sizeof(*t->crit));
	for (i = 0; i < t->ncrit; i++)
		prog_crit_init(&t->crit[i], cs->vals[i]);
}

struct prog *
prog_new(const char *id, const json *P)
{
	struct prog *p = xcalloc(1, sizeof(*p));
	const json *tiers = json_get(P, "tiers");
	struct prog_tier t;
	size_t i, k, n = tiers && tiers->type == JSON_ARRAY ? tiers->n : 0;

	p->P = P;
	p->id = xstrdup(id);
	p->approval = json_is_str(json_get(P, "policy"), "approval");
	p->currency = jx_str(P, "currency");
	p->rates = json_get(P, "rates");
	p->tiers = xcalloc(n ? n : 1, sizeof(*p->tiers));
	/* Rank order, ties in definition order (ranks are unique). */
	for (i = 0; i < n; i++) {
		tier_init(&t, tiers->vals[i]);
		for (k = i; k > 0 && p->tiers[k - 1].rank > t.rank; k--)
			p->tiers[k] = p->tiers[k - 1];
		p->tiers[k] = t;
		p->nevents += t.ncrit;
	}
	p->ntiers = n;
	p->events = xcalloc(p->nevents ? p->nevents : 1, sizeof(*p->events));
	p->nevents = 0;
	/* In definition order, as the definition lists them. */
	for (i = 0; i < n; i++)
		for (k = 0; k < p->ntiers; k++)
			if (p->tiers[k].t == tiers->vals[i]) {
				size_t c;

				for (c = 0; c < p->tiers[k].ncrit; c++)
					if (p->tiers[k].crit[c].event)
						p->events[p->nevents++] =
						    &p->tiers[k].crit[c];
			}
	return p;
}

void
prog_free(struct prog *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->ntiers; i++)
		free(p->tiers[i].crit);
	free(p->tiers);
	free(p->events);
	free(p->id);
	free(p);
}

const struct prog_tier *
prog_tier(const struct prog *p, const char *id)
{
	size_t i;

	for (i = 0; id && i < p->ntiers; i++)
		if (p->tiers[i].id && strcmp(p->tiers[i].id, id) == 0)
			return &p->tiers[i];
	return NULL;
}

int
prog_rank(const struct prog *p, const char *id)
{
	const struct prog_tier *t = prog_tier(p, id);

	return t ? t->rank : 0;
}

const struct prog_crit *
prog_crit_of(const struct prog *p, const json *c)
{
	size_t i, k;

	for (i = 0; i < p->ntiers; i++)
		for (k = 0; k < p->tiers[i].ncrit; k++)
			if (p->tiers[i].crit[k].c == c)
				return &p->tiers[i].crit[k];
	return NULL;
}

double
prog_rate(const char *currency, const json *rates, const char *cur)
{
	const json *r;

	if (cur == NULL)
		return -1;
	if (currency && strcmp(currency, cur) == 0)
		return 1;
	r = json_get(rates, cur);
	return r && r->type == JSON_NUMBER ? r->num : -1;
}
