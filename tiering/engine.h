/* engine: the tiering engine's insides shared by engine.c and api.c. */
#ifndef TIER_ENGINE_H
#define TIER_ENGINE_H

#include <pthread.h>
#include <stdint.h>

#include "fold.h"
#include "store.h"
#include "tier.h"
#include "tstate.h"

/* A private LMDB environment, thrown away after use (engine.c). */
struct scratch {
	char	 dir[64];
	MDB_env	*env;
	MDB_dbi	 dbi;
};

struct tier_engine {
	store		*st;
	MDB_env		*env;
	MDB_dbi		 dbi;
	char		 home[256];
	int		 simulated;
	store_follower	*follower;
	tstate		*ts;		/* the follower's thread's */
	struct fold	 fold;
	int		 reload;	/* a batch failed: reread defs */
	int		 reset;		/* rewound: start afresh (mu) */
	struct scratch	 overlay;	/* a batch's writes, compute to apply */
	uint64_t	 conflicts;	/* outcomes found recorded otherwise */
	pthread_t	 clock;
	int		 clock_running;
	pthread_mutex_t	 mu;
	pthread_cond_t	 stop_cv;
	int		 stopping;
	pthread_mutex_t	 ticks;		/* one clock move at a time */
};

/* Store statements (taking them) with authority key auth and wait until
 * the engine has applied them (at most 10 s).  STORE_* code, or -1 when
 * the engine did not catch up in time. */
int	engine_submit(tier_engine *e, json **stmts, size_t n, const char *auth);
/* Wait until the engine has applied everything stored so far (10 s). */
int	engine_sync(tier_engine *e);
/* A statement of the engine's own kinds: actor agent account name
 * actor_name, verb TV_VERB(verb), object TV_NS "/" object, payload (taken,
 * may be NULL), timestamp at, authority account name auth, id (NULL: a
 * random one).  Caller owns the result. */
json	*engine_statement(tier_engine *e, const char *actor_name,
	    const char *verb, const char *object, json *payload, int64_t at,
	    const char *auth, const char *id);
/* The engine's clock now (simulated or wall). */
int64_t	engine_now(tier_engine *e, MDB_txn *txn);
/* Move a simulated clock forward to instant to (README 7). */
int	engine_clock_to(tier_engine *e, int64_t to);

/* Replay from zero: drop the engine's state, rewind its cursor and wait
 * (timeout_ms) until it has folded the whole log again; *replayed gets
 * the number of statements in the log. */
int	engine_replay(tier_engine *e, int timeout_ms, uint64_t *replayed);
/* A what-if: fold the whole log again, into a scratch state thrown away
 * afterwards, with every definition of program pid replaced by draft
 * (README 6); result(arg, f) is called with the final state (f->ts bound
 * to it) before it goes.  *count gets the statements folded.  Changes
 * nothing of the engine's. */
int	engine_whatif(tier_engine *e, const char *pid, const json *draft,
	    void (*result)(void *, struct fold *), void *arg, uint64_t *count);

#endif
