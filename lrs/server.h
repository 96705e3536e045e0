/* server: the HTTP front of the LRS (civetweb).
 *
 * Serves xAPI under /xapi: reads each request whole, applies the alternate
 * request syntax, CORS, the version header and authentication, routes to
 * the resource handlers and writes their replies.
 */
#ifndef LRS_SERVER_H
#define LRS_SERVER_H

#include "config.h"
#include "cred.h"
#include "docstore.h"
#include "store.h"

typedef struct server server;

/* Start listening on cfg->listen with cfg->threads workers.  cfg, st, ds
 * and cs must outlive the server.  -1 with err when civetweb cannot start
 * (e.g. the port is taken). */
int	server_start(const struct config *cfg, store *st, docstore *ds,
	    cred_store *cs, server **out, char *err, size_t errlen);
/* Stop accepting, finish requests in flight, release the server. */
void	server_stop(server *sv);

#endif
