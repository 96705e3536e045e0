/* importapi: POST /import/statements, an import through the server.
 *
 * The body is what lrsd import reads (NDJSON, a JSON array or pages of
 * GET /statements, up to --max-body); it is imported as import.h says,
 * as one atomic batch through the server's own store writer (a restore:
 * one write per run of statements with the same authority, as the store
 * keeps one credential per write; lrsd import --url sends each run
 * apart, so each of its requests is one write), so the
 * documents, caches and the tiering follower see it as any POST.  Query
 * mode=normal (the default: like POST /xapi/statements by the caller's
 * credential) or mode=restore (ids, "stored" and "authority" kept byte for
 * byte; stored times must not go back).  Statements without a "version"
 * are read by the X-Experience-API-Version header (1.0.3 when absent).
 * Needs the scope "all".
 *
 *   200 {"read", "stored", "skipped"}      stored, or there already
 *   400 {"error", "message", "problems": [{"where", "what"}]}
 *   409 the same, when an id is taken by a different statement
 *   403 without scope all; 405 other than POST; 404 another path
 */
#ifndef LRS_IMPORTAPI_H
#define LRS_IMPORTAPI_H

#include "http.h"

/* The server_handler (server.h) of the /import prefix; arg is unused. */
void	importapi_handle(void *arg, struct http_req *req,
	    struct http_resp *resp);

#endif
