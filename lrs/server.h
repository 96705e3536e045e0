/* server: the HTTP front of the LRS (on httpd.h).
 *
 * Serves xAPI under /xapi: takes each request whole from httpd, applies
 * the alternate request syntax, CORS (--cors-origins), the version header
 * and authentication (with the failure limit of --auth-fail-limit),
 * routes to the resource handlers and formats their replies.  GET /health
 * and GET /ready (probe.h) need no credential.
 */
#ifndef LRS_SERVER_H
#define LRS_SERVER_H

#include "config.h"
#include "cred.h"
#include "docstore.h"
#include "http.h"
#include "probe.h"
#include "store.h"

typedef struct server server;

/* Listen on cfg->listen with cfg->threads threads and the connection
 * limits of cfg; requests are answered from server_open on, so that
 * mounts are in place for the first.  cfg, st, ds and cs must outlive the
 * server.  -1 with err when --cors-origins or --trusted-proxies is bad,
 * or httpd cannot start (e.g. the port is taken). */
int	server_start(const struct config *cfg, store *st, docstore *ds,
	    cred_store *cs, server **out, char *err, size_t errlen);
/* A handler of requests under a mounted prefix (outside /xapi).  The
 * request has been read whole and its credential checked (any valid one;
 * the handler checks scopes); req->path is below the prefix ("" or "/x").
 * Same rules as the xAPI resources (resource.h): no network I/O, no LMDB
 * transaction left open. */
typedef void (*server_handler)(void *arg, struct http_req *req,
    struct http_resp *resp);

/* Serve prefix (e.g. "/tiering", at most 63 bytes; 8 prefixes at most)
 * with fn and arg, which must outlive the server.  -1 when the prefix is
 * bad or taken. */
int	server_mount(server *sv, const char *prefix, server_handler fn,
	    void *arg);
/* Like server_mount, but no credential is asked for or checked: fn gets
 * req->cred empty (key "", no scopes).  For files anyone may fetch (the
 * console's pages, which hold nothing of what is stored). */
int	server_mount_public(server *sv, const char *prefix, server_handler fn,
	    void *arg);
/* Have GET / answer 302 to location (e.g. "/admin/"; must outlive the
 * server); call before server_open.  Without it / is 404. */
void	server_set_home(server *sv, const char *location);
/* Have GET /ready ask fn (with arg, which must outlive the server) how
 * far the tiering engine is behind; call before server_open. */
void	server_set_lag(server *sv, probe_lag_fn fn, void *arg);
/* Have GET /ready also ask fn (with arg) how far another follower of the
 * store is behind: name (static) prefixes its figures, what (static)
 * names it in the reasons, errors says whether a failed last batch makes
 * the server not ready.  Call before server_open; -1 past 4 followers. */
int	server_add_lag(server *sv, const char *name, const char *what,
	    int errors, probe_lag_fn fn, void *arg);
/* Appends Prometheus text to out. */
typedef void (*server_metrics_fn)(void *arg, struct buf *out);
/* Have GET /metrics also append fn's text (fn and arg outlive the
 * server).  Call before server_open; -1 past 4. */
int	server_add_metrics(server *sv, server_metrics_fn fn, void *arg);
/* Start answering requests. */
void	server_open(server *sv);
/* Stop accepting, finish requests in flight, release the server. */
void	server_stop(server *sv);

#endif
