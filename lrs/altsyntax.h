/* altsyntax: the xAPI 1.0.3 alternate request syntax (Communication
 * 1.3): a POST with ?method=GET|PUT|POST|DELETE|HEAD and an
 * application/x-www-form-urlencoded body whose fields are the request's
 * headers (Authorization, X-Experience-API-Version, Content-Type,
 * Content-Length, If-Match, If-None-Match), its content ("content") and
 * its query parameters (every other field). */
#ifndef ALTSYNTAX_H
#define ALTSYNTAX_H

#include "buf.h"
#include "http.h"

/* Rewrite the alternate-syntax request req (method and path set, query
 * parsed into req->q with a "method" parameter, form body in req->body)
 * into the request it stands for: req->method becomes a new upper-case
 * string the caller frees, req->q the form's other fields, the form's
 * header fields replace or join req->headers (Content-Type is
 * application/json unless the form names one), and the content goes to
 * body, which req->body then points into.  Returns 0, or -1 with a 400
 * JSON error in resp naming the problem (not a POST, another query
 * parameter, an unknown method, not a form, a malformed form); req is
 * then unchanged. */
int	altsyntax_rewrite(struct http_req *req, struct buf *body,
	    struct http_resp *resp);

#endif
