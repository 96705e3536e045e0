/* credapi: the HTTP API of the credentials (cred.h), for the console and
 * any other admin client: list, create with scopes, revoke.  Mounted
 * (server_mount) at /credentials; every call needs scope all.
 *
 *   GET    /credentials          [{"key", "scopes": [name...], "created"}]
 *   POST   /credentials          {"key"?, "secret"?, "scopes": [name...]}
 *                                -> 201 {"key", "secret", "scopes", "created"}
 *   GET    /credentials/{key}    {"key", "scopes", "created"}
 *   DELETE /credentials/{key}    204
 *
 * A stored secret is never returned (only its hash is kept); the secret
 * of a new credential is in the reply to POST, once.  A missing key or
 * secret is made from 16 random bytes.  Binding a credential to an
 * organisation is the tiering engine's (PUT /tiering/bindings/{key}).
 */
#ifndef LRS_CREDAPI_H
#define LRS_CREDAPI_H

#include "http.h"

/* A server_handler: arg is the cred_store.  403 without scope all, 400
 * naming the bad member of a POST body, 404 for no such key, 409 when
 * the key is taken or names the credential of the request itself (a
 * DELETE would lock its caller out), 405, 503 when the store fails. */
void	credapi_http(void *arg, struct http_req *req, struct http_resp *resp);

#endif
