/* fold: the tiering engine's state transition, one statement at a time.
 *
 * The engine's whole state is fold(statements in store order): this
 * module is that function.  It reads and changes entities through a
 * tstate (see tstate.h for the kinds) and collects the outcome statements
 * it produces; it never touches the network, never logs, and knows
 * nothing of threads or of where the statements come from, so the live
 * follower, a replay and a what-if run the very same code.
 *
 * Entity kinds: 'D' definitions ("programs/p"), 'L' learners (by IFI key),
 * 'O' organisations (by account key "homePage|name"), 'I' organisation id
 * -> account key, 'E' enrollments ("program/org"), 'F' and 'G' facts of
 * learners and organisations, 'R' recommendations, 'M' the clock, the
 * enrollment list and the clock's watch list.
 */
#ifndef TIER_FOLD_H
#define TIER_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "tstate.h"

struct fold {
	tstate		*ts;
	const char	*home;		/* authority homePage of credentials */
	int		 simulated;	/* the clock moves only by ticks */
	int64_t		 now;		/* engine time (microseconds) */
	json		*defs;		/* {"programs": {id: record}, ...}, owned */
	json		*outcomes;	/* array of statements to store, owned */
	/* Set: outcomes holds only each outcome's id (a string), not its
	 * statement (a what-if, which stores nothing, or a check of which
	 * are stored already). */
	int		 ids_only;
	/* When set, nonzero when outcome id is in the log already: then
	 * only its id is kept too (a replay, which stores only the
	 * outcomes the log lacks).  Called with load_arg. */
	int		(*stored)(void *arg, const char *id);
	json		*countable;	/* verbs criteria count (cache), owned */
	/* The programs compiled (prog.h; a cache dropped whenever a
	 * definition changes), owned. */
	struct prog	**progs;
	size_t		 nprogs;
	int		 rc;		/* first LMDB error of this batch */
	/* The log, read back to undo a voided statement: statement id's
	 * number, the number of the first statement voiding it (0: none)
	 * and its parsed text (*st, caller frees); 0 or a nonzero code (not
	 * found). */
	int		(*load)(void *arg, const char *id, uint64_t *seq,
			    uint64_t *voided_by, json **st);
	/* The log, read back when a definition starts to read facts that
	 * were not kept (see "which facts are kept" in fold.c): fn(ctx, st, seq, voided_by) for each statement numbered
	 * below `before` whose text holds one of needles[0..n) (every
	 * statement when n is 0: the needles only narrow, fn checks what
	 * it needs).  0, or the nonzero code of a failed read. */
	int		(*scan)(void *arg, const char *const *needles, size_t n,
			    uint64_t before, void (*fn)(void *ctx, const json *st,
			    uint64_t seq, uint64_t voided_by), void *ctx);
	void		*load_arg;	/* for load, scan and stored */
	/* Which facts are kept (fold.c, keep_set; a cache, remade when a
	 * definition changes), owned. */
	json		*keep;
	/* per statement */
	uint64_t	 seq;		/* number of the statement being applied */
	const char	*cause;		/* id of the statement being applied */
	char		**touched;	/* organisation account keys */
	size_t		 ntouched, captouched;
};

/* Set up f over ts (definitions and the clock are read from it).  LMDB
 * code on failure. */
int	fold_init(struct fold *f, tstate *ts, const char *home, int simulated);
/* Release what f owns (not ts). */
void	fold_cleanup(struct fold *f);
/* Apply stored statement number seq (st as stored, stored its stored
 * time, voided_by the number of the statement voiding it or 0).
 * Outcomes are appended to f->outcomes.  Returns f->rc (an LMDB code):
 * rule problems never fail a statement, they are skipped. */
int	fold_apply(struct fold *f, const json *st, uint64_t seq, int64_t stored,
	    uint64_t voided_by);
/* Nonzero when st is one of the engine's own outcome statements, which
 * the fold does not take as input. */
int	fold_is_outcome(const json *st);

/* Helpers the API shares with the fold. */
/* The key of an Agent's IFI ("mbox:mailto:a@b"), or -1 when it has none. */
int	fold_agent_key(const json *agent, char *out, size_t size);
/* The account key of a Group ("homePage|name"), or -1. */
int	fold_group_key(const json *group, char *out, size_t size);
/* The organisation (account key) learner L belongs to at time t, and the
 * role there (either may be NULL: none). */
const char *fold_org_at(const json *L, int64_t t, const char **role);
/* The value of criterion c of enrollment E (program P) now. */
double	fold_value(struct fold *f, const json *P, const json *E, const json *c);
/* Whether criterion c holds for E. */
int	fold_holds(struct fold *f, const json *P, const json *E, const json *c);
/* The rank of the tier E qualifies for now (0: none) and its id (*id,
 * pointing into the program, NULL for none). */
int	fold_qualified(struct fold *f, const json *P, const json *E,
	    const char **id);
/* The tier (object of the program) of rank, and the rank of tier id (0
 * for none / unknown). */
const json *fold_tier(const json *P, const char *id);
/* The key of a fact (kind 'F' for learners, 'G' for organisations) of
 * owner, with verb, at time t, from statement sid, into out. */
void	fold_fact_key(const char *owner, const char *verb, int64_t t,
	    const char *sid, char *out, size_t size);
/* The definition (body) of kind ("programs", ...) and id, or NULL when
 * there is none or it was deleted.  Belongs to f. */
const json *fold_def(struct fold *f, const char *kind, const char *id);
/* Time t as 16 hex digits whose byte order is time order (the sign bit
 * flipped), as in fact keys. */
void	fold_time_key(int64_t t, char out[17]);
/* Call fn for every fact of owner (kind 'F' or 'G') with verb (NULL: any
 * verb), in time order per verb.  LMDB code (also kept in f->rc). */
int	fold_each_fact(struct fold *f, int kind, const char *owner,
	    const char *verb, void (*fn)(struct fold *, const json *, void *),
	    void *arg);
/* The same for the facts with times t in [from, to] (microseconds). */
int	fold_each_fact_in(struct fold *f, int kind, const char *owner,
	    const char *verb, int64_t from, int64_t to,
	    void (*fn)(struct fold *, const json *, void *), void *arg);
/* Call fn for every fact with verb (NULL: any) attributed to the
 * organisation of account key orgkey: its own, and its members' (ever)
 * from the times they belonged to it.  LMDB code (also in f->rc). */
int	fold_each_attributed(struct fold *f, const char *orgkey,
	    const char *verb, void (*fn)(struct fold *, const json *, void *),
	    void *arg);
/* The same for the facts with times t in [from, to] (microseconds). */
int	fold_each_attributed_in(struct fold *f, const char *orgkey,
	    const char *verb, int64_t from, int64_t to,
	    void (*fn)(struct fold *, const json *, void *), void *arg);
/* How many units of program P's currency one unit of cur is worth; -1
 * when cur cannot be converted. */
double	fold_rate(const json *P, const char *cur);
/* A new statement in the engine's shape (caller owns it): id; actor an
 * Agent with account (home, actor_name); verb (displayed as its IRI's
 * last segment); an Activity object; timestamp at; authority the account
 * (home, auth_name); version 1.0.0. */
json	*fold_statement(const char *home, const char *id, const char *actor_name,
	    const char *verb, const char *object, int64_t at,
	    const char *auth_name);
/* A name-based UUID (v5) of text, lower-case, into out. */
void	fold_uuid5(const char *text, char out[37]);

#endif
