/* resource: the handlers of the xAPI resources.
 *
 * Each fills resp from req (see http.h); the server has checked the
 * version header and the credential's scopes already.  Handlers never
 * perform network I/O and close every LMDB transaction before returning.
 */
#ifndef LRS_RESOURCE_H
#define LRS_RESOURCE_H

#include "http.h"

/* /statements: PUT, POST, GET, HEAD (statements.c). */
void	statements_handle(struct http_req *req, struct http_resp *resp);
/* /activities/state, /activities/profile, /agents/profile (documents.c). */
void	documents_handle(struct http_req *req, struct http_resp *resp);
/* /activities (documents.c). */
void	activities_handle(struct http_req *req, struct http_resp *resp);
/* /agents (documents.c). */
void	agents_handle(struct http_req *req, struct http_resp *resp);

#endif
