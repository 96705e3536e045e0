/* lifeapi: the admin HTTP API of the data lifecycle (lifecycle.h).
 *
 *   POST /ops/purge  {"before": "2025-01-01T00:00:00Z", "dry_run": true}
 *   POST /ops/erase  {"agent": {"mbox": "mailto:..."}, "dry_run": true}
 *   GET  /ops/audit  [?after=N&limit=N]
 *
 * Every route needs a credential with the scope "all" (403 otherwise).
 * purge and erase answer 200 with what was removed (or, dry, would be):
 * {"action", "dry_run", "statements", "attachments", "documents",
 * "bytes", ["person",] "audit_id"}.  A bad body is a 400 naming the
 * member; a store failure 503 (busy), 507 (full) or 500.
 */
#ifndef LRS_LIFEAPI_H
#define LRS_LIFEAPI_H

#include "http.h"

/* A server_handler (server.h) for the prefix "/ops", arg a life *. */
void	lifeapi_http(void *arg, struct http_req *req, struct http_resp *resp);

#endif
