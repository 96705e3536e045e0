/* prog: a program definition compiled for the fold.
 *
 * The fold reads a program's tiers and criteria for every fact it counts
 * and every enrollment it evaluates: looked up by name in the JSON
 * definition each time, that was a third of its work.  A prog is the same
 * definition read once: the tiers in rank order, each criterion with its
 * type, verb, filters and threshold.  Every pointer in it points into the
 * definition, which must outlive it (the fold drops its progs whenever a
 * definition changes).
 */
#ifndef TIER_PROG_H
#define TIER_PROG_H

#include <stddef.h>

#include "json.h"

enum prog_type {
	PROG_OTHER,		/* unknown: never holds */
	PROG_REVENUE,
	PROG_DEALS_CLOSED,
	PROG_DEALS_REGISTERED,
	PROG_DEALS_APPROVED,
	PROG_CERTIFICATIONS,
	PROG_SKILLS,
	PROG_CUSTOM
};

struct prog_crit {
	const json	*c;		/* the criterion's definition */
	const char	*id;		/* may be NULL (schema requires it) */
	enum prog_type	 type;
	/* Event criteria (revenue, deals): counted from facts of verb, or
	 * of the criterion's own verbs when it names them, about deals or
	 * its own activity types when it names them. */
	int		 event;
	const char	*verb;
	const json	*verbs;		/* or NULL */
	const json	*types;		/* or NULL */
	const json	*filters;	/* or NULL */
	const char	*amount_ext, *currency_ext;	/* revenue */
	const char	*cert, *role;	/* certifications and skills */
	double		 threshold;	/* 1 when not given */
};

struct prog_tier {
	const json	*t;		/* the tier's definition */
	const char	*id;
	int		 rank;
	struct prog_crit *crit;
	size_t		 ncrit;
};

struct prog {
	const json	*P;		/* the program's definition */
	char		*id;
	struct prog_tier *tiers;	/* in rank order (stable) */
	size_t		 ntiers;
	/* The event criteria of every tier, in definition order. */
	const struct prog_crit **events;
	size_t		 nevents;
	int		 approval;	/* policy "approval" */
	const char	*currency;
	const json	*rates;
};

/* Compile program id's definition P into a new prog (prog_free). */
struct prog *prog_new(const char *id, const json *P);
void	prog_free(struct prog *p);
/* Criterion c read into *k (pointers into c). */
void	prog_crit_init(struct prog_crit *k, const json *c);
/* The tier of p named id, or NULL. */
const struct prog_tier *prog_tier(const struct prog *p, const char *id);
/* The rank of tier id (0 for none or unknown). */
int	prog_rank(const struct prog *p, const char *id);
/* The criterion of p whose definition is c, or NULL. */
const struct prog_crit *prog_crit_of(const struct prog *p, const json *c);
/* How many units of a program's currency (with conversion rates, an
 * object currency -> number) one unit of cur is worth; -1 when cur
 * cannot be converted. */
double	prog_rate(const char *currency, const json *rates, const char *cur);

#endif
