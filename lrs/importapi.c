/* importapi: POST /import/statements, an import through the server. */
#include "importapi.h"

#include "config.h"
#include "import.h"
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Problems named in a reply; the rest are only counted. */
#define PROBLEMS_SHOWN	100

/* The problems of one import, as a JSON array being written. */
struct problems {
	struct buf	list;
	uint64_t	n;
	char		first[700];
};

static void
collect(void *arg, const char *where, const char *what)
{
	struct problems *p = arg;

	if (p->n == 0)
		snprintf(p->first, sizeof(p->first), "%s: %s", where, what);
	if (p->n++ >= PROBLEMS_SHOWN)
		return;
	buf_puts(&p->list, p->n == 1 ? "[{\"where\":" : ",{\"where\":");
	json_dump_str(where, strlen(where), &p->list);
	buf_puts(&p->list, ",\"what\":");
	json_dump_str(what, strlen(what), &p->list);
	buf_putc(&p->list, '}');
}

/* status with a message and the problems reported. */
static void
refuse(struct http_resp *resp, int status, struct problems *p,
    const char *why)
{
	if (p->n == 0) {
		http_error(resp, status, "%s", why);
		return;
	}
	http_error(resp, status, "%llu problem%s, nothing stored; the first: %s",
	    (unsigned long long)p->n, p->n == 1 ? "" : "s", p->first);
	/* {"error":..,"message":..} gets the list before its brace. */
	resp->body.len--;
	buf_puts(&resp->body, ",\"problems\":");
	buf_add(&resp->body, p->list.p, p->list.len);
	buf_puts(&resp->body, "]}");
}

/* The request's mode=: 1 restore, 0 normal, -1 (replied) bad. */
static int
mode_of(struct http_req *req, struct http_resp *resp)
{
	static const char *const allowed[] = { "mode", NULL };
	const char *m;

	if (http_only_params(req, allowed, resp) != 0)
		return -1;
	m = params_get(&req->q, "mode");
	if (m == NULL || strcmp(m, "normal") == 0)
		return 0;
	if (strcmp(m, "restore") == 0)
		return 1;
	http_error(resp, 400, "mode must be normal or restore, not '%s'", m);
	return -1;
}

/* Import the body (checks done) and reply. */
static void
import_body(struct http_req *req, struct http_resp *resp, int restore)
{
	const char *v = http_header(req, "X-Experience-API-Version");
	struct import_opts o;
	struct import_result res;
	struct problems p;
	char err[512];
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&p, 0, sizeof(p));
	o.st = req->st;
	o.authority_home = req->cfg->authority_home;
	o.authority_key = req->cred.key;
	o.restore = restore;
	o.version = v && strncmp(v, "2.", 2) == 0 ? XAPI_V2 : XAPI_V1;
	/* The whole body is one batch: all of it or nothing. */
	o.batch = SIZE_MAX;
	o.problem = collect;
	o.problem_arg = &p;
	err[0] = '\0';
	rc = import_text(&o, "the body", req->body, req->len, &res, err,
	    sizeof(err));
	if (rc == IMPORT_OK) {
		resp->status = 200;
		buf_printf(&resp->body, "{\"read\":%llu,\"stored\":%llu,\"skipped\":%llu}",
		    (unsigned long long)res.read, (unsigned long long)res.stored,
		    (unsigned long long)res.skipped);
		http_set_type(resp, "application/json");
	} else if (rc == IMPORT_EINVALID)
		refuse(resp, res.conflicts ? 409 : 400, &p, "invalid");
	else if (rc == IMPORT_ECONFLICT)
		refuse(resp, 409, &p, err);
	else if (rc == IMPORT_EINPUT)
		http_error(resp, 400, "%s", err);
	else
		http_error(resp, 503, "%s", err);
	buf_free(&p.list);
}

void
importapi_handle(void *arg, struct http_req *req, struct http_resp *resp)
{
	int restore;

	(void)arg;
	if (strcmp(req->path, "/statements") != 0) {
		http_error(resp, 404, "no such resource: /import%s", req->path);
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		http_error(resp, 405, "/import/statements allows POST");
		http_add_header(resp, "Allow", "POST");
		return;
	}
	if (!(req->cred.scopes & CRED_ALL)) {
		http_error(resp, 403, "an import needs a credential with the scope all");
		return;
	}
	if ((restore = mode_of(req, resp)) < 0)
		return;
	if (req->len == 0) {
		http_error(resp, 400, "the body is empty: send NDJSON or a JSON array of statements");
		return;
	}
	import_body(req, resp, restore);
}
