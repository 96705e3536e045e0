/* lifeapi: POST /ops/purge, POST /ops/erase, GET /ops/audit. */
#include "iso8601.h"
#include "lifeapi.h"
#include "lifecycle.h"
#include "stmt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_LIMIT_MAX	1000

/* The status of a STORE_* failure. */
static void
store_failed(struct http_resp *resp, int rc)
{
	int status = rc == STORE_EBUSY ? 503 :
	    rc == STORE_EFULL || rc == STORE_ENOSPC ? 507 : 500;

	http_error(resp, status, "%s", store_strerror(rc));
}

/* The body as a JSON object whose members are all among allowed;
 * NULL after a 400. */
static json *
body_object(const struct http_req *req, const char *const *allowed,
    struct http_resp *resp)
{
	char err[160];
	json *j = NULL;
	size_t i, k;

	if (req->len == 0) {
		http_error(resp, 400, "the body must be a JSON object");
		return NULL;
	}
	if (json_parse(req->body, req->len, 32, &j, err, sizeof(err)) != 0) {
		http_error(resp, 400, "the body is not JSON: %s", err);
		return NULL;
	}
	if (j->type != JSON_OBJECT) {
		http_error(resp, 400, "the body must be a JSON object");
		goto bad;
	}
	for (i = 0; i < j->n; i++) {
		for (k = 0; allowed[k] && strcmp(allowed[k], j->keys[i]); k++)
			;
		if (allowed[k] == NULL) {
			http_error(resp, 400, "unknown member '%s'", j->keys[i]);
			goto bad;
		}
	}
	return j;
bad:
	json_free(j);
	return NULL;
}

/* "dry_run": a boolean, false when absent; -1 after a 400. */
static int
dry_run_of(const json *body, struct http_resp *resp)
{
	const json *v = json_get(body, "dry_run");

	if (v == NULL)
		return 0;
	if (v->type != JSON_TRUE && v->type != JSON_FALSE) {
		http_error(resp, 400, "dry_run must be true or false");
		return -1;
	}
	return v->type == JSON_TRUE;
}

/* Run rq and answer with its counts. */
static void
run(life *l, const struct life_request *rq, struct http_resp *resp)
{
	struct life_counts c;
	json *out;
	int rc;

	if ((rc = life_run(l, rq, &c)) != STORE_OK) {
		store_failed(resp, rc);
		return;
	}
	out = json_new(JSON_OBJECT);
	json_set(out, "action", json_new_str(rq->action == LIFE_PURGE ?
	    "purge" : "erase"));
	json_set(out, "dry_run", json_new_bool(rq->dry_run));
	json_set(out, "statements", json_new_int((long long)c.statements));
	json_set(out, "attachments", json_new_int((long long)c.attachments));
	json_set(out, "documents", json_new_int((long long)c.documents));
	json_set(out, "bytes", json_new_int((long long)c.bytes));
	if (rq->action == LIFE_ERASE)
		json_set(out, "person", json_new_bool(c.person));
	json_set(out, "audit_id", json_new_int((long long)c.audit_id));
	resp->status = 200;
	json_dump(out, &resp->body);
	http_set_type(resp, "application/json");
	json_free(out);
}

static void
purge(life *l, struct http_req *req, struct http_resp *resp)
{
	static const char *const allowed[] = { "before", "dry_run", NULL };
	struct life_request rq = { LIFE_PURGE, 0, { 0 }, 0, req->cred.key,
	    "http" };
	const json *before;
	json *body;

	if ((body = body_object(req, allowed, resp)) == NULL)
		return;
	before = json_get(body, "before");
	if (before == NULL || before->type != JSON_STRING ||
	    iso8601_parse(before->str, before->len, 1, &rq.before) != 0) {
		http_error(resp, 400, "before must be an ISO 8601 date-time with a time zone (e.g. 2025-01-01T00:00:00Z)");
		goto out;
	}
	if ((rq.dry_run = dry_run_of(body, resp)) < 0)
		goto out;
	run(l, &rq, resp);
out:
	json_free(body);
}

static void
erase(life *l, struct http_req *req, struct http_resp *resp)
{
	static const char *const allowed[] = { "agent", "dry_run", NULL };
	struct life_request rq = { LIFE_ERASE, 0, { 0 }, 0, req->cred.key,
	    "http" };
	const json *agent;
	char err[200];
	json *body;
	int rc;

	if ((body = body_object(req, allowed, resp)) == NULL)
		return;
	if ((agent = json_get(body, "agent")) == NULL) {
		http_error(resp, 400, "agent is required: the Agent (or identified Group) to erase");
		goto out;
	}
	if (stmt_validate_actor(agent, XAPI_V2, "agent", err,
	    sizeof(err)) != STMT_OK) {
		http_error(resp, 400, "%s", err);
		goto out;
	}
	if ((rc = index_agent_hash(agent, rq.agent)) != INDEX_OK) {
		if (rc == INDEX_ENOIFI)
			http_error(resp, 400, "agent: has no inverse functional identifier (mbox, mbox_sha1sum, openid or account) to erase by");
		else
			http_error(resp, 500, "%s", index_strerror(rc));
		goto out;
	}
	if ((rq.dry_run = dry_run_of(body, resp)) < 0)
		goto out;
	run(l, &rq, resp);
out:
	json_free(body);
}

/* A query parameter as a number in [0, max]; 0 when absent, -1 after a
 * 400. */
static int
number_param(const struct http_req *req, const char *name, uint64_t max,
    uint64_t *out, struct http_resp *resp)
{
	const char *v = params_get(&req->q, name);
	char *end;

	*out = 0;
	if (v == NULL)
		return 0;
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno || *out > max) {
		http_error(resp, 400, "%s must be a whole number from 0 to %llu",
		    name, (unsigned long long)max);
		return -1;
	}
	return 0;
}

static void
audit_get(life *l, struct http_req *req, struct http_resp *resp)
{
	static const char *const allowed[] = { "after", "limit", NULL };
	uint64_t after, limit, next;
	json *records = NULL, *out;
	char more[80];
	int rc;

	if (http_only_params(req, allowed, resp) != 0 ||
	    number_param(req, "after", UINT64_MAX - 1, &after, resp) != 0 ||
	    number_param(req, "limit", AUDIT_LIMIT_MAX, &limit, resp) != 0)
		return;
	if (params_get(&req->q, "limit") == NULL || limit == 0)
		limit = 100;
	if ((rc = audit_list(life_audit(l), after, limit, &records,
	    &next)) != STORE_OK) {
		json_free(records);
		store_failed(resp, rc);
		return;
	}
	out = json_new(JSON_OBJECT);
	json_set(out, "records", records);
	more[0] = '\0';
	if (next)
		snprintf(more, sizeof(more), "/ops/audit?after=%llu&limit=%llu",
		    (unsigned long long)next, (unsigned long long)limit);
	json_set(out, "more", json_new_str(more));
	resp->status = 200;
	json_dump(out, &resp->body);
	http_set_type(resp, "application/json");
	json_free(out);
}

void
lifeapi_http(void *arg, struct http_req *req, struct http_resp *resp)
{
	life *l = arg;
	char path[128];
	int post = strcmp(req->method, "POST") == 0;
	int get = strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0;

	if (!(req->cred.scopes & CRED_ALL)) {
		http_error(resp, 403, "credential '%s' lacks the scope 'all' that /ops needs",
		    req->cred.key);
		return;
	}
	snprintf(path, sizeof(path), "/ops%s", req->path);
	if (strcmp(path, "/ops/purge") == 0) {
		if (post)
			purge(l, req, resp);
		else
			http_error(resp, 405, "/ops/purge allows POST");
	} else if (strcmp(path, "/ops/erase") == 0) {
		if (post)
			erase(l, req, resp);
		else
			http_error(resp, 405, "/ops/erase allows POST");
	} else if (strcmp(path, "/ops/audit") == 0) {
		if (get)
			audit_get(l, req, resp);
		else
			http_error(resp, 405, "/ops/audit allows GET and HEAD");
	} else
		http_error(resp, 404, "no such /ops resource: /ops/purge, /ops/erase and /ops/audit are");
}
