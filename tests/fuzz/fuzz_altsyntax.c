/* libFuzzer: the 1.0.3 alternate request syntax (altsyntax_rewrite).
 * The input is "wire method\nquery string\nContent-Type\nform body"; the
 * request also carries "Authorization: Basic b3JpZw==" to be replaced.
 * Queries without a method parameter are skipped (the server calls the
 * rewrite only with one).  Checked against a reference built from the
 * alternate syntax's rules: accepted exactly when the wire method is
 * POST, method is the only query parameter and names GET, PUT, POST,
 * DELETE or HEAD in any case, the type is a form and the form parses;
 * then the method is upper case, each header field of the form (any
 * case) sets its header (the last one wins), Content-Type defaults to
 * application/json, "content" is the body and every other field a query
 * parameter; else a 400 JSON error and the request left as it was. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "altsyntax.h"
#include "http.h"
#include "json.h"
#include "params.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *hdrs[] = {
	"Authorization", "X-Experience-API-Version", "Content-Type",
	"Content-Length", "If-Match", "If-None-Match", NULL
};
static const char orig_auth[] = "Basic b3JpZw==";

/* Reference for a form Content-Type. */
static int
ref_is_form(const char *t)
{
	static const char want[] = "application/x-www-form-urlencoded";
	size_t k;

	while (isspace((unsigned char)*t))
		t++;
	for (k = 0; want[k]; k++, t++)
		if (tolower((unsigned char)*t) != want[k])
			return 0;
	while (isspace((unsigned char)*t))
		t++;
	return *t == '\0' || *t == ';';
}

/* Index in hdrs of form field name, or -1. */
static int
ref_header(const char *name)
{
	int k;

	for (k = 0; hdrs[k]; k++)
		if (strcasecmp(name, hdrs[k]) == 0)
			return k;
	return -1;
}

/* Reference for the method parameter: the upper-case name of a method
 * the LRS serves, new string, or NULL. */
static char *
ref_method(const char *m)
{
	static const char *ok[] = { "GET", "PUT", "POST", "DELETE", "HEAD",
	    NULL };
	char *u = xstrdup(m);
	size_t i;

	for (i = 0; u[i]; i++)
		u[i] = (char)toupper((unsigned char)u[i]);
	for (i = 0; ok[i]; i++)
		if (strcmp(u, ok[i]) == 0)
			return u;
	free(u);
	return NULL;
}

/* Abort unless the accepted rewrite of req matches form and method. */
static void
check_accepted(const struct http_req *req, const struct buf *body,
    const struct params *form, const char *method)
{
	const char *want[7] = { orig_auth, NULL, "application/json", NULL,
	    NULL, NULL, NULL }, *content = "", *v;
	size_t i, nq = 0, nh = 0;
	int k;

	if (strcmp(req->method, method) != 0)
		abort();
	for (i = 0; i < form->n; i++)
		if ((k = ref_header(form->names[i])) >= 0)
			want[k] = form->values[i];
		else if (strcmp(form->names[i], "content") == 0)
			content = form->values[i];
		else {
			v = params_get(&req->q, form->names[i]);
			if (v == NULL || strcmp(v, form->values[i]) != 0)
				abort();
			nq++;
		}
	if (req->q.n != nq)
		abort();
	for (k = 0; hdrs[k]; k++) {
		v = http_header(req, hdrs[k]);
		if (want[k] == NULL ? v != NULL :
		    v == NULL || strcmp(v, want[k]) != 0)
			abort();
		nh += want[k] != NULL;
	}
	if (req->nheaders != nh)
		abort();
	if (req->len != strlen(content) ||
	    memcmp(req->body, content, req->len) != 0 ||
	    (body->len && req->body != body->p))
		abort();
}

/* Abort unless resp is a 400 with a JSON error message. */
static void
check_refused(const struct http_resp *resp)
{
	json *j = NULL;

	if (resp->status != 400 ||
	    json_parse(resp->body.p, resp->body.len, 4, &j, NULL, 0) != 0 ||
	    json_get_str(j, "message") == NULL)
		abort();
	json_free(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl[3];
	char *wire, *query, *ctype, *form_text, *method = NULL, err[200];
	struct http_req req = { 0 };
	struct http_resp resp = { 0 };
	struct params form = { 0 };
	struct buf body = BUF_INIT;
	size_t i, flen;
	int k, rc, want;

	for (k = 0; k < 3; k++) {
		if ((nl[k] = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;
		p = nl[k] + 1;
	}
	p = (const char *)data;
	wire = xstrndup(p, (size_t)(nl[0] - p));
	query = xstrndup(nl[0] + 1, (size_t)(nl[1] - nl[0] - 1));
	ctype = xstrndup(nl[1] + 1, (size_t)(nl[2] - nl[1] - 1));
	flen = (size_t)(end - nl[2] - 1);
	form_text = xmemdup(nl[2] + 1, flen);	/* exactly sized */
	if (params_parse(&req.q, query, strlen(query), err, sizeof(err)) != 0 ||
	    params_get(&req.q, "method") == NULL)
		goto out;
	req.method = wire;
	req.path = "/statements";
	req.headers = xcalloc(2, sizeof(*req.headers));
	req.headers[0].name = xstrdup("Content-Type");
	req.headers[0].value = xstrdup(ctype);
	req.headers[1].name = xstrdup("Authorization");
	req.headers[1].value = xstrdup(orig_auth);
	req.nheaders = 2;
	req.body = form_text;
	req.len = flen;

	method = ref_method(params_get(&req.q, "method"));
	want = strcmp(wire, "POST") == 0 && req.q.n == 1 && method != NULL &&
	    ref_is_form(ctype) &&
	    params_parse(&form, form_text, flen, err, sizeof(err)) == 0;
	rc = altsyntax_rewrite(&req, &body, &resp);
	if (rc != (want ? 0 : -1))
		abort();
	if (rc == 0) {
		check_accepted(&req, &body, &form, method);
		free((char *)req.method);
	} else {
		check_refused(&resp);
		if (req.method != wire || req.body != form_text ||
		    req.nheaders != 2)
			abort();
	}
out:
	for (i = 0; i < req.nheaders; i++) {
		free(req.headers[i].name);
		free(req.headers[i].value);
	}
	free(req.headers);
	params_free(&req.q);
	params_free(&form);
	buf_free(&resp.body);
	buf_free(&resp.headers);
	free(resp.content_type);
	buf_free(&body);
	free(method);
	free(wire);
	free(query);
	free(ctype);
	free(form_text);
	return 0;
}
