/* http: one xAPI request and its reply, independent of the HTTP library.
 *
 * The server (server.c) reads the whole request (headers, query, body),
 * resolves the alternate request syntax, checks the version header and the
 * credential, then hands a struct http_req to a resource handler, which
 * fills a struct http_resp.  The server writes the reply after the handler
 * returns, so no LMDB transaction is ever open during network I/O.
 */
#ifndef LRS_HTTP_H
#define LRS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cred.h"
#include "docstore.h"
#include "params.h"
#include "reqid.h"
#include "store.h"
#include "xapi.h"

struct config;

struct http_header {
	char	*name;
	char	*value;
};

struct http_req {
	const char		*method;	/* GET, PUT, POST, DELETE, HEAD */
	const char		*path;		/* below the xAPI root: "/statements" */
	struct params		 q;		/* query (or form) parameters */
	struct http_header	*headers;	/* request headers (and form headers) */
	size_t			 nheaders;
	const char		*body;		/* the whole body */
	size_t			 len;
	enum xapi_version	 v;
	struct cred		 cred;		/* who is asking */
	store			*st;
	docstore		*ds;		/* documents, Activities, Agents */
	const struct config	*cfg;
	char			 id[REQID_MAX + 1];	/* X-Request-Id */
	int64_t			 started;	/* microseconds, wall clock */
};

struct http_resp {
	int		 status;
	struct buf	 headers;	/* extra header lines, each "Name: v\r\n" */
	struct buf	 body;
	char		*content_type;	/* NULL: application/json when a body */
};

/* The value of request header name (case-insensitive), or NULL. */
const char *http_header(const struct http_req *req, const char *name);
/* Add a header line to the reply. */
void	http_add_header(struct http_resp *resp, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Set the reply to an error: status and a JSON body
 * {"error": <reason phrase>, "message": <formatted text>}. */
void	http_error(struct http_resp *resp, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Set the content type of the reply (copied). */
void	http_set_type(struct http_resp *resp, const char *type);
/* The reason phrase of a status code. */
const char *http_reason(int status);
/* Format usec as an HTTP date (RFC 7231) into out (40 bytes). */
char	*http_date(int64_t usec, char out[40]);
/* Parse an HTTP date; 0 on success. */
int	http_parse_date(const char *s, int64_t *usec);
/* 400 (and -1) unless every query parameter is named in allowed (a
 * NULL-terminated list); 0 when they all are.  Names are case-sensitive. */
int	http_only_params(const struct http_req *req, const char *const *allowed,
	    struct http_resp *resp);
/* Nonzero when the request's Content-Type is type (ignoring parameters
 * and case). */
int	http_is_type(const char *content_type, const char *type);

#endif
