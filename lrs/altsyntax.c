/* altsyntax: the 1.0.3 alternate request syntax (see altsyntax.h). */
#include "altsyntax.h"
#include "params.h"
#include "xalloc.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Headers the alternate request syntax may carry as form fields. */
static const char *form_headers[] = {
	"Authorization", "X-Experience-API-Version", "Content-Type",
	"Content-Length", "If-Match", "If-None-Match", NULL
};

/* Set request header name to a copy of value, replacing the first of
 * that name (case-insensitive) or adding it. */
static void
set_req_header(struct http_req *req, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0) {
			free(req->headers[i].value);
			req->headers[i].value = xstrdup(value);
			return;
		}
	req->headers = xrealloc(req->headers,
	    (req->nheaders + 1) * sizeof(*req->headers));
	req->headers[req->nheaders].name = xstrdup(name);
	req->headers[req->nheaders++].value = xstrdup(value);
}

int
altsyntax_rewrite(struct http_req *req, struct buf *body,
    struct http_resp *resp)
{
	struct params form = { 0 };
	const char *method = params_get(&req->q, "method");
	char err[200], *content = NULL, *m = NULL;
	size_t i, k;
	int rc = -1;

	if (strcmp(req->method, "POST") != 0) {
		http_error(resp, 400, "the method parameter is only allowed with POST");
		goto out;
	}
	if (req->q.n != 1) {
		http_error(resp, 400, "alternate request syntax allows no query parameter but method");
		goto out;
	}
	m = xstrdup(method);
	for (i = 0; m[i]; i++)
		m[i] = (char)toupper((unsigned char)m[i]);
	if (strcmp(m, "GET") && strcmp(m, "PUT") && strcmp(m, "POST") &&
	    strcmp(m, "DELETE") && strcmp(m, "HEAD")) {
		http_error(resp, 400, "method parameter '%s' is not an HTTP method the LRS serves", method);
		goto out;
	}
	if (!http_is_type(http_header(req, "Content-Type"),
	    "application/x-www-form-urlencoded")) {
		http_error(resp, 400, "alternate request syntax needs Content-Type application/x-www-form-urlencoded");
		goto out;
	}
	if (params_parse(&form, req->body, req->len, err, sizeof(err)) != 0) {
		http_error(resp, 400, "%s", err);
		goto out;
	}
	params_free(&req->q);
	req->method = m;	/* freed by the caller via alt_method */
	m = NULL;
	/* The content is JSON unless the form names another type. */
	set_req_header(req, "Content-Type", "application/json");
	for (i = 0; i < form.n; i++) {
		for (k = 0; form_headers[k]; k++)
			if (strcasecmp(form.names[i], form_headers[k]) == 0)
				break;
		if (form_headers[k])
			set_req_header(req, form_headers[k], form.values[i]);
		else if (strcmp(form.names[i], "content") == 0)
			content = form.values[i];
		else
			params_set(&req->q, form.names[i], form.values[i]);
	}
	buf_reset(body);
	if (content)
		buf_puts(body, content);
	req->body = body->p ? body->p : "";
	req->len = body->len;
	rc = 0;
out:
	free(m);
	params_free(&form);
	return rc;
}
