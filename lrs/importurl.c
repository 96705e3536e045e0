/* importurl: lrsd import --url's batches to POST /import/statements. */
#include "importurl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH	72

/* The n statements as NDJSON into out. */
static void
ndjson(json *const *stmts, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_dump(stmts[i], out);
		buf_putc(out, '\n');
	}
}

/* A whole number member of reply j, 0 when absent. */
static uint64_t
count_of(const json *j, const char *name)
{
	const json *v = json_get(j, name);

	return v && v->type == JSON_NUMBER && v->num > 0 ?
	    (uint64_t)v->num : 0;
}

/* Report the problems of a 400/409 reply (the statements of the batch
 * are its lines); how many. */
static uint64_t
report(struct importurl *iu, const json *reply, json *const *stmts,
    size_t n)
{
	const json *list = json_get(reply, "problems"), *p;
	const char *where, *what, *id;
	unsigned long line;
	char at[160];
	size_t i;

	for (i = 0; list && list->type == JSON_ARRAY && i < list->n; i++) {
		p = list->vals[i];
		where = json_get_str(p, "where");
		what = json_get_str(p, "what");
		id = NULL;
		if (where && sscanf(where, "line %lu", &line) == 1 &&
		    line >= 1 && line <= n)
			id = json_get_str(stmts[line - 1], "id");
		snprintf(at, sizeof(at), "the server, statement %s", id ? id :
		    "(no id)");
		iu->problem(iu->problem_arg, at, what ? what : "refused");
	}
	return list && list->type == JSON_ARRAY ? list->n : 0;
}

/* What the server answered, as an IMPORT_ code. */
static int
answer(struct importurl *iu, int status, struct buf *body,
    json *const *stmts, size_t n, struct import_result *res, char *err,
    size_t errlen)
{
	json *reply = NULL;
	const char *msg;
	uint64_t k;
	int rc = IMPORT_ESTORE;

	json_parse(body->p ? body->p : "", body->len, MAX_DEPTH, &reply, NULL,
	    0);
	msg = json_get_str(reply, "message");
	if (status == 200 && reply) {
		res->stored += count_of(reply, "stored");
		res->skipped += count_of(reply, "skipped");
		rc = IMPORT_OK;
	} else if ((status == 400 || status == 409) && reply &&
	    json_get(reply, "problems")) {
		k = report(iu, reply, stmts, n);
		if (status == 409)
			res->conflicts += k;
		else
			res->invalid += k;
		rc = status == 409 ? IMPORT_ECONFLICT : IMPORT_EINVALID;
		snprintf(err, errlen, "the server refused a batch of %zu (%d): %s",
		    n, status, msg ? msg : "no reason given");
	} else
		snprintf(err, errlen, "the server answered %d%s%s", status,
		    msg ? ": " : "", msg ? msg : "");
	json_free(reply);
	return rc;
}

int
importurl_send(void *arg, json *const *stmts, size_t n,
    struct import_result *res, char *err, size_t errlen)
{
	struct importurl *iu = arg;
	struct client_req r;
	struct buf body = BUF_INIT, reply = BUF_INIT, hdr = BUF_INIT;
	int status = 0, rc;

	ndjson(stmts, n, &body);
	buf_printf(&hdr, "Content-Type: application/x-ndjson\r\n"
	    "X-Experience-API-Version: %s\r\n", iu->version);
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.target = iu->restore ? "/import/statements?mode=restore" :
	    "/import/statements?mode=normal";
	r.user = iu->user;
	r.password = iu->password;
	r.headers = hdr.p;
	r.body = body.p;
	r.len = body.len;
	r.timeout = iu->timeout ? iu->timeout : 600;
	iu->requests++;
	if (client_request(&iu->url, &r, &status, &reply, err, errlen) !=
	    CLIENT_OK) {
		rc = IMPORT_ESTORE;
		goto out;
	}
	if (status == 413 && n > 1) {
		/* Too big for --max-body: halves, each atomic. */
		rc = importurl_send(iu, stmts, n / 2, res, err, errlen);
		if (rc == IMPORT_OK)
			rc = importurl_send(iu, stmts + n / 2, n - n / 2, res,
			    err, errlen);
		goto out;
	}
	rc = answer(iu, status, &reply, stmts, n, res, err, errlen);
out:
	buf_free(&body);
	buf_free(&reply);
	buf_free(&hdr);
	return rc;
}
