/* view: a read-only view of the engine's state for one API request: a
 * read transaction, an uncached state over it and the definitions, at
 * the engine's clock, after the engine has caught up with the log. */
#ifndef TIER_VIEW_H
#define TIER_VIEW_H

#include "fold.h"
#include "http.h"
#include "store.h"
#include "tier.h"
#include "tstate.h"

struct view {
	store_read	*r;
	tstate		*ts;
	struct fold	 f;	/* f.now is the engine's clock */
};

/* Open a view (waiting for the engine to catch up, at most 10 s).  -1
 * with resp set to a 503 when it cannot (nothing is left open then:
 * an open read would hold the map's growth back). */
int	view_open(tier_engine *e, struct view *v, struct http_resp *resp);
void	view_close(struct view *v);
/* Entity (kind, id) or NULL; owned by the view. */
json	*vget(struct view *v, int kind, const char *id);

#endif
