/* analytics: the /tiering/analytics/{what} reports (README 6): tiers
 * (distribution now, month by month, movements), revenue (certified vs
 * non-certified organisations), time-to-first (certification, closed
 * deal), blockers (criteria that keep enrollments from the next tier),
 * leaderboard.  Each takes ?program=ID, tiers also from/to. */
#ifndef TIER_ANALYTICS_H
#define TIER_ANALYTICS_H

#include "engine.h"
#include "http.h"

void	analytics_handle(tier_engine *e, struct http_req *req,
	    struct http_resp *resp, const char *what);

#endif
