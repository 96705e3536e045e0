/* console: serve the embedded files of admin/. */
#include "console.h"

#include <string.h>

/* Everything from this origin, nothing inline, nothing framed. */
#define CONSOLE_CSP "default-src 'none'; script-src 'self'; " \
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
};

const char *
console_type(const char *name)
{
	size_t i, n = strlen(name), k;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		k = strlen(types[i].ext);
		if (n > k && strcmp(name + n - k, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

const struct console_file *
console_find(const char *name)
{
	const struct console_file *f;
	size_t i, n;

	if (name[0] == '\0')
		name = "index.html";
	f = console_files(&n);
	for (i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

/* Nonzero when the If-None-Match list names etag (or is "*"). */
static int
etag_matches(const char *inm, const char *etag)
{
	size_t n = strlen(etag);
	const char *p;

	if (inm == NULL)
		return 0;
	if (strcmp(inm, "*") == 0)
		return 1;
	for (p = strstr(inm, etag); p; p = strstr(p + 1, etag))
		if (p[n] == '\0' || p[n] == ',' || p[n] == ' ')
			return 1;
	return 0;
}

void
console_http(void *arg, struct http_req *req, struct http_resp *resp)
{
	const struct console_file *f;
	const char *name = req->path[0] == '/' ? req->path + 1 : req->path;

	(void)arg;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		http_error(resp, 405, "/admin/{file} allows GET and HEAD");
		return;
	}
	if ((f = console_find(name)) == NULL) {
		http_error(resp, 404, "the console has no file '%s'", name);
		return;
	}
	http_add_header(resp, "ETag", "%s", f->etag);
	http_add_header(resp, "Content-Security-Policy", "%s", CONSOLE_CSP);
	http_add_header(resp, "X-Content-Type-Options", "nosniff");
	http_add_header(resp, "Referrer-Policy", "no-referrer");
	if (etag_matches(http_header(req, "If-None-Match"), f->etag)) {
		resp->status = 304;
		return;
	}
	resp->status = 200;
	http_set_type(resp, console_type(f->name));
	buf_add(&resp->body, f->data, f->len);
}
