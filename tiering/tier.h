/* tier: the partner-tiering engine, wired to the LRS (see README.md).
 *
 * tier_open starts the engine on an open store: it follows the store as
 * the named follower "tiering" (catching up with what it missed first),
 * keeps its state in the database "tier" of the store's environment, and
 * runs the clock.  tier_http serves the admin API under /tiering; mount it
 * with server_mount(sv, "/tiering", tier_http, engine).
 */
#ifndef TIER_TIER_H
#define TIER_TIER_H

#include <stddef.h>

#include "http.h"
#include "probe.h"
#include "store.h"

typedef struct tier_engine tier_engine;

/* Start the engine.  home: the authority homePage of credentials (the
 * server's --authority-home).  simulated: NULL for the wall clock, else the
 * ISO 8601 instant a simulated clock starts at.  -1 with err on failure
 * (LMDB, a bad instant, the store's follower limit). */
int	tier_open(store *st, const char *home, const char *simulated,
	    tier_engine **out, char *err, size_t errlen);
/* Stop the clock and the follower; release the engine (before store_close). */
void	tier_close(tier_engine *e);
/* The admin API: a server_handler (server.h) with arg the engine. */
void	tier_http(void *arg, struct http_req *req, struct http_resp *resp);

/* Drop the engine's state and fold the log again from its start, in the
 * background (a life_changed_fn of lifecycle.h, arg the engine): after a
 * purge or an erasure, nothing folded from removed statements stays.
 * 0, or a STORE_* code when the rewind could not be committed. */
int	tier_rebuild(void *arg);

/* Without a running engine (the command line): drop the engine's state
 * in st so that the next tier_open folds the whole log again.  0, or a
 * STORE_* / LMDB code. */
int	tier_reset(store *st);

/* How far the engine is behind the log, without waiting: a probe_lag_fn
 * (probe.h) with arg the engine.  0, or a STORE_* code when the entry it
 * waits on cannot be read. */
int	tier_lag(void *arg, struct probe_lag *out);

#endif
