/* fwdapi: the admin API of forwarding (fwd.h), mounted at /forwarding.
 *
 *	GET    /forwarding/targets			every target, with figures
 *	PUT    /forwarding/targets/{id}			create or replace (201 / 200)
 *	GET    /forwarding/targets/{id}
 *	DELETE /forwarding/targets/{id}			with cursor and dead letters
 *	GET    /forwarding/targets/{id}/dead-letters	?after=SEQ&limit=N
 *	DELETE /forwarding/targets/{id}/dead-letters	drop them all
 *	POST   /forwarding/targets/{id}/dead-letters/retry	send them all again
 *	DELETE /forwarding/targets/{id}/dead-letters/{seq}	drop one
 *	POST   /forwarding/targets/{id}/dead-letters/{seq}/retry	send one again
 *
 * Every route needs scope all.  Errors are JSON with a message naming the
 * problem (400 bad configuration or parameter, 404, 405, 409 too many
 * targets, 503 the store failed).
 */
#ifndef LRS_FWDAPI_H
#define LRS_FWDAPI_H

#include "fwd.h"
#include "http.h"

/* The server_handler of /forwarding; arg is the fwd. */
void	fwdapi_http(void *arg, struct http_req *req, struct http_resp *resp);

#endif
