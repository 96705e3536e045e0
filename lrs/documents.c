/* documents: the State, Activity Profile and Agent Profile resources, and
 * the Activities and Agents resources.
 *
 * Each request is checked whole (parameters, agent, size, body) before
 * one short LMDB transaction reads or writes; preconditions (If-Match,
 * If-None-Match) are decided inside the write transaction, so a failed
 * one changes nothing.
 *
 * Concurrency rules (xAPI 1.0.3 Communication 3.1, 2.0.0 4.1.4):
 *  - every single-document GET carries an ETag: the SHA-1 hex of the
 *    document, quoted; PUT and POST replies carry the new one;
 *  - If-Match / If-None-Match are honoured on GET (412 / 304) and on PUT,
 *    POST and DELETE (412), by RFC 7232: If-Match compares strongly and
 *    fails when there is no document, If-None-Match "*" fails when there
 *    is one;
 *  - a PUT without either header to a document that exists is a conflict
 *    (409) for the Agent and Activity Profile resources, and in 2.0.0 for
 *    the State resource too (1.0.3 exempts State: "state conflicts are
 *    unlikely");
 *  - a client MUST send one of the headers with a PUT to a profile
 *    resource, so a PUT to a profile without either is refused (400) even
 *    when no document exists.
 */
#include "config.h"
#include "docstore.h"
#include "iso8601.h"
#include "resource.h"
#include "stmt.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uuid/uuid.h>

/* What a precondition check returns to abort a write (below the
 * DOCSTORE_* codes). */
enum {
	PRE_FAILED = -100,	/* 412 */
	PRE_CONFLICT = -101,	/* 409 */
	PRE_REQUIRED = -102	/* 400: a profile PUT needs a header */
};

/* One parsed request to a document resource. */
struct docreq {
	enum docstore_kind	 kind;
	const char		*resource;	/* for messages */
	const char		*idname;	/* "stateId" / "profileId" */
	struct docstore_scope	 sc;
	const char		*id;		/* NULL when absent */
	int64_t			 since;
	json			*agent;
};

/* The conditions of one write, read by check(). */
struct precond {
	const char		*if_match;
	const char		*if_none_match;
	int			 need_header;	/* PUT: 409 when it exists */
	int			 need_always;	/* PUT: 400 when it does not */
};

static int
is_read(const struct http_req *req)
{
	return strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0;
}

/* The value of a required parameter, or NULL after a 400. */
static const char *
required(struct http_req *req, const char *name, const char *resource,
    struct http_resp *resp)
{
	const char *v = params_get(&req->q, name);

	if (v == NULL)
		http_error(resp, 400, "%s %s requires the '%s' parameter",
		    req->method, resource, name);
	return v;
}

/* Check an Activity id the way a statement's object.id is checked. */
static int
check_activity_id(struct http_req *req, const char *id, struct http_resp *resp)
{
	json *st = json_new(JSON_OBJECT), *o;
	char err[256];
	int rc;

	o = json_new(JSON_OBJECT);
	json_set(o, "mbox", json_new_str("mailto:check@example.com"));
	json_set(st, "actor", o);
	o = json_new(JSON_OBJECT);
	json_set(o, "id", json_new_str("http://adlnet.gov/expapi/verbs/experienced"));
	json_set(st, "verb", o);
	o = json_new(JSON_OBJECT);
	json_set(o, "id", json_new_str(id));
	json_set(st, "object", o);
	rc = stmt_validate(st, req->v, err, sizeof(err));
	json_free(st);
	if (rc != STMT_OK) {
		http_error(resp, 400, "activityId '%s' is not an IRI", id);
		return -1;
	}
	return 0;
}

/* Parse and check the agent parameter: a JSON Agent (or, when groups is
 * nonzero, an identified Group) valid as a statement's actor is, with an
 * inverse functional identifier.  *out is the tree (caller frees). */
static int
parse_agent(struct http_req *req, const char *text, int groups, json **out,
    uint8_t hash[INDEX_HASH_LEN], struct http_resp *resp)
{
	json *agent = NULL, *st = NULL, *o;
	const char *msg;
	char err[256];

	*out = NULL;
	if (json_parse(text, strlen(text), 16, &agent, err, sizeof(err)) != 0 ||
	    agent->type != JSON_OBJECT) {
		http_error(resp, 400, "agent must be a JSON object (an Agent)");
		goto fail;
	}
	if (!groups && json_get(agent, "objectType") &&
	    !json_is_str(json_get(agent, "objectType"), "Agent")) {
		http_error(resp, 400, "agent must be an Agent");
		goto fail;
	}
	/* An Agent is valid here exactly when it is valid as an actor. */
	st = json_new(JSON_OBJECT);
	json_set(st, "actor", json_clone(agent));
	o = json_new(JSON_OBJECT);
	json_set(o, "id", json_new_str("http://adlnet.gov/expapi/verbs/experienced"));
	json_set(st, "verb", o);
	o = json_new(JSON_OBJECT);
	json_set(o, "id", json_new_str("http://example.com/lrsd/agent-check"));
	json_set(st, "object", o);
	if (stmt_validate(st, req->v, err, sizeof(err)) != STMT_OK) {
		msg = strncmp(err, "actor", 5) == 0 ? err + 5 : err;
		http_error(resp, 400, "agent%s%s", *msg == '.' || *msg == ':' ||
		    *msg == '[' ? "" : ": ", msg);
		goto fail;
	}
	switch (index_agent_hash(agent, hash)) {
	case INDEX_OK:
		break;
	case INDEX_ENOIFI:
		http_error(resp, 400, "agent must have an inverse functional identifier (mbox, mbox_sha1sum, openid or account)");
		goto fail;
	default:
		http_error(resp, 500, "cannot look up the agent: %s",
		    index_strerror(INDEX_ECRYPTO));
		goto fail;
	}
	json_free(st);
	*out = agent;
	return 0;
fail:
	json_free(st);
	json_free(agent);
	return -1;
}

static int
parse_since(struct http_req *req, int64_t *since, struct http_resp *resp)
{
	const char *v = params_get(&req->q, "since");

	*since = 0;
	if (v == NULL)
		return 0;
	if (iso8601_parse(v, strlen(v), 0, since) != 0) {
		http_error(resp, 400, "since '%s' is not an ISO 8601 timestamp", v);
		return -1;
	}
	if (*since < 0)
		*since = 0;
	return 0;
}

/* Read and check the parameters of a document request into d. */
static int
parse_docreq(struct http_req *req, struct docreq *d, struct http_resp *resp)
{
	static const char *state[] = { "activityId", "agent", "registration",
	    "stateId", NULL };
	static const char *state_get[] = { "activityId", "agent", "registration",
	    "stateId", "since", NULL };
	static const char *aprof[] = { "activityId", "profileId", NULL };
	static const char *aprof_get[] = { "activityId", "profileId", "since",
	    NULL };
	static const char *gprof[] = { "agent", "profileId", NULL };
	static const char *gprof_get[] = { "agent", "profileId", "since", NULL };
	const char *const *allowed;
	const char *v;
	int read = is_read(req);

	memset(d, 0, sizeof(*d));
	if (strcmp(req->path, "/activities/state") == 0) {
		d->kind = DOCSTORE_STATE;
		d->idname = "stateId";
		allowed = read ? state_get : state;
	} else if (strcmp(req->path, "/activities/profile") == 0) {
		d->kind = DOCSTORE_ACTIVITY_PROFILE;
		d->idname = "profileId";
		allowed = read ? aprof_get : aprof;
	} else {
		d->kind = DOCSTORE_AGENT_PROFILE;
		d->idname = "profileId";
		allowed = read ? gprof_get : gprof;
	}
	d->resource = req->path;
	d->sc.kind = d->kind;
	if (http_only_params(req, allowed, resp) != 0)
		return -1;
	if (d->kind != DOCSTORE_AGENT_PROFILE) {
		if ((v = required(req, "activityId", d->resource, resp)) == NULL ||
		    check_activity_id(req, v, resp) != 0)
			return -1;
		d->sc.activity_id = v;
	}
	if (d->kind != DOCSTORE_ACTIVITY_PROFILE) {
		if ((v = required(req, "agent", d->resource, resp)) == NULL ||
		    parse_agent(req, v, 1, &d->agent, d->sc.agent, resp) != 0)
			return -1;
	}
	if (d->kind == DOCSTORE_STATE &&
	    (v = params_get(&req->q, "registration")) != NULL) {
		if (strlen(v) != 36 || uuid_parse(v, d->sc.registration) != 0) {
			http_error(resp, 400, "registration '%s' is not a UUID", v);
			return -1;
		}
		d->sc.has_registration = 1;
	}
	d->id = params_get(&req->q, d->idname);
	/* Only State has a DELETE of many documents; GET lists. */
	if (d->id == NULL && !read &&
	    (d->kind != DOCSTORE_STATE || strcmp(req->method, "DELETE") != 0)) {
		http_error(resp, 400, "%s %s requires the '%s' parameter",
		    req->method, d->resource, d->idname);
		return -1;
	}
	if (read && parse_since(req, &d->since, resp) != 0)
		return -1;
	return 0;
}

/* Nonzero when the entity-tag list h (an If-Match or If-None-Match value)
 * names etag: "*" names any; weak tags (W/"...") name nothing unless weak
 * comparison is asked for.  Unquoted tags are accepted too. */
static int
etag_listed(const char *h, const char *etag, int weak)
{
	const char *p = h, *end;
	size_t n, elen = strlen(etag);
	int is_weak;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return 0;
		if (*p == '*')
			return 1;
		is_weak = 0;
		if (p[0] == 'W' && p[1] == '/') {
			is_weak = 1;
			p += 2;
		}
		if (*p == '"') {
			end = strchr(p + 1, '"');
			if (end == NULL)
				return 0;
			p++;
		} else {
			end = p + strcspn(p, " \t,");
		}
		n = (size_t)(end - p);
		if ((!is_weak || weak) && n == elen &&
		    strncasecmp(p, etag, n) == 0)
			return 1;
		p = *end == '"' ? end + 1 : end;
	}
}

/* Decide a write from the current document (see struct precond). */
static int
check(void *arg, const struct docstore_doc *cur)
{
	const struct precond *pc = arg;

	if (pc->if_match && (cur == NULL ||
	    !etag_listed(pc->if_match, cur->etag, 0)))
		return PRE_FAILED;
	if (pc->if_none_match && cur && etag_listed(pc->if_none_match,
	    cur->etag, 1))
		return PRE_FAILED;
	if (pc->if_match || pc->if_none_match)
		return 0;
	if (cur && pc->need_header)
		return PRE_CONFLICT;
	if (cur == NULL && pc->need_always)
		return PRE_REQUIRED;
	return 0;
}

/* Answer a failure of the document store: 507 when space ran out (the
 * map at its largest size, or the disk), 503 when trying again may help,
 * 500 otherwise. */
static void
store_error(int rc, struct http_resp *resp)
{
	switch (rc) {
	case DOCSTORE_EFULL:
	case DOCSTORE_ENOSPC:
		http_error(resp, 507, "%s", docstore_strerror(rc));
		break;
	case DOCSTORE_EINVALID:
		http_error(resp, 400, "%s", docstore_strerror(rc));
		break;
	case DOCSTORE_EBUSY:
	case DOCSTORE_EIO:
		http_error(resp, 503, "%s", docstore_strerror(rc));
		http_add_header(resp, "Retry-After", "1");
		break;
	default:
		http_error(resp, 500, "%s", docstore_strerror(rc));
	}
}

static void
add_etag(struct http_resp *resp, const char *etag)
{
	http_add_header(resp, "ETag", "\"%s\"", etag);
}

static void
add_modified(struct http_resp *resp, int64_t usec)
{
	char date[40];

	http_add_header(resp, "Last-Modified", "%s", http_date(usec, date));
}

static void
get_one(struct http_req *req, struct docreq *d, struct http_resp *resp)
{
	struct docstore_doc doc;
	const char *im = http_header(req, "If-Match");
	const char *inm = http_header(req, "If-None-Match");
	int rc;

	rc = docstore_get(req->ds, &d->sc, d->id, &doc);
	if (rc == DOCSTORE_ENOTFOUND) {
		if (im)
			http_error(resp, 412, "If-Match: no such document");
		else
			http_error(resp, 404, "no document with %s '%s' here",
			    d->idname, d->id);
		return;
	}
	if (rc != DOCSTORE_OK) {
		store_error(rc, resp);
		return;
	}
	if (im && !etag_listed(im, doc.etag, 0)) {
		http_error(resp, 412, "If-Match: the document has changed");
		goto out;
	}
	add_etag(resp, doc.etag);
	add_modified(resp, doc.updated);
	if (inm && etag_listed(inm, doc.etag, 1)) {
		resp->status = 304;
		goto out;
	}
	resp->status = 200;
	buf_add(&resp->body, doc.data, doc.len);
	http_set_type(resp, doc.type);
out:
	docstore_doc_free(&doc);
}

static void
get_many(struct http_req *req, struct docreq *d, struct http_resp *resp)
{
	char **ids;
	size_t n, i;
	int64_t newest;
	int rc;

	if ((rc = docstore_list(req->ds, &d->sc, d->since, &ids, &n, &newest)) !=
	    DOCSTORE_OK) {
		store_error(rc, resp);
		return;
	}
	resp->status = 200;
	buf_putc(&resp->body, '[');
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&resp->body, ',');
		json_dump_str(ids[i], strlen(ids[i]), &resp->body);
	}
	buf_putc(&resp->body, ']');
	http_set_type(resp, "application/json");
	if (newest)
		add_modified(resp, newest);
	docstore_ids_free(ids, n);
}

/* Check the body of a PUT or POST: bounded, with a sane Content-Type, and
 * JSON when it says so (an object for POST, which merges objects). */
static int
check_body(struct http_req *req, const char *type, struct http_resp *resp)
{
	json *j = NULL;
	char err[200];
	size_t off;
	int post = strcmp(req->method, "POST") == 0, rc;

	if (req->len > req->cfg->max_doc) {
		http_error(resp, 413, "document of %zu bytes is over the limit of %zu bytes",
		    req->len, req->cfg->max_doc);
		return -1;
	}
	/* The type is stored and sent back as a header. */
	if ((rc = utf8_check_line(type, strlen(type), &off)) != UTF8_OK) {
		http_error(resp, 400, "Content-Type holds %s at byte %zu",
		    utf8_strerror(rc), off);
		return -1;
	}
	if (!http_is_type(type, "application/json"))
		return 0;
	if (json_parse(req->body, req->len, 512, &j, err, sizeof(err)) != 0) {
		http_error(resp, 400, "the document is sent as application/json but is not JSON: %s", err);
		return -1;
	}
	if (post && j->type != JSON_OBJECT) {
		json_free(j);
		http_error(resp, 400, "a POSTed application/json document must be a JSON object (it is merged)");
		return -1;
	}
	json_free(j);
	return 0;
}

static void
write_one(struct http_req *req, struct docreq *d, enum docstore_op op,
    struct http_resp *resp)
{
	struct docstore_write w;
	struct precond pc;
	const char *type = http_header(req, "Content-Type");
	int rc;

	if (type == NULL || *type == '\0')
		type = "application/octet-stream";
	if (op != DOCSTORE_DELETE && check_body(req, type, resp) != 0)
		return;
	memset(&pc, 0, sizeof(pc));
	pc.if_match = http_header(req, "If-Match");
	pc.if_none_match = http_header(req, "If-None-Match");
	if (op == DOCSTORE_PUT) {
		pc.need_header = d->kind != DOCSTORE_STATE || req->v == XAPI_V2;
		pc.need_always = d->kind != DOCSTORE_STATE;
	}
	memset(&w, 0, sizeof(w));
	w.op = op;
	w.id = d->id;
	w.type = type;
	w.data = req->body;
	w.len = req->len;
	w.check = check;
	w.arg = &pc;
	rc = docstore_write(req->ds, &d->sc, &w);
	switch (rc) {
	case DOCSTORE_OK:
		resp->status = 204;
		if (op != DOCSTORE_DELETE) {
			add_etag(resp, w.etag);
			add_modified(resp, w.updated);
		}
		break;
	case PRE_FAILED:
		http_error(resp, 412, "precondition failed (If-Match / If-None-Match): nothing was changed");
		break;
	case PRE_CONFLICT:
		http_error(resp, 409, "the document exists: send If-Match with its ETag to replace it (or If-None-Match: * to create only)");
		break;
	case PRE_REQUIRED:
		http_error(resp, 400, "a PUT to %s must carry If-Match or If-None-Match",
		    d->resource);
		break;
	case DOCSTORE_ENOTJSON:
		http_error(resp, 400, "cannot merge: the stored and the posted document must both be JSON objects (application/json)");
		break;
	default:
		store_error(rc, resp);
	}
}

static void
delete_many(struct http_req *req, struct docreq *d, struct http_resp *resp)
{
	int rc;

	if ((rc = docstore_delete_all(req->ds, &d->sc, NULL)) != DOCSTORE_OK) {
		store_error(rc, resp);
		return;
	}
	resp->status = 204;
}

void
documents_handle(struct http_req *req, struct http_resp *resp)
{
	struct docreq d;

	if (req->ds == NULL) {
		http_error(resp, 503, "the document store is not open");
		return;
	}
	if (!is_read(req) && strcmp(req->method, "PUT") != 0 &&
	    strcmp(req->method, "POST") != 0 &&
	    strcmp(req->method, "DELETE") != 0) {
		http_error(resp, 405, "%s allows GET, HEAD, PUT, POST and DELETE",
		    req->path);
		return;
	}
	if (parse_docreq(req, &d, resp) != 0)
		goto out;
	if (is_read(req)) {
		if (d.id)
			get_one(req, &d, resp);
		else
			get_many(req, &d, resp);
	} else if (strcmp(req->method, "PUT") == 0)
		write_one(req, &d, DOCSTORE_PUT, resp);
	else if (strcmp(req->method, "POST") == 0)
		write_one(req, &d, DOCSTORE_POST, resp);
	else if (d.id)
		write_one(req, &d, DOCSTORE_DELETE, resp);
	else
		delete_many(req, &d, resp);
out:
	json_free(d.agent);
}

void
activities_handle(struct http_req *req, struct http_resp *resp)
{
	static const char *const allowed[] = { "activityId", NULL };
	const char *id;
	json *a = NULL;
	int rc;

	if (!is_read(req)) {
		http_error(resp, 405, "/activities allows GET and HEAD");
		return;
	}
	if (req->ds == NULL) {
		http_error(resp, 503, "the document store is not open");
		return;
	}
	if (http_only_params(req, allowed, resp) != 0 ||
	    (id = required(req, "activityId", "/activities", resp)) == NULL ||
	    check_activity_id(req, id, resp) != 0)
		return;
	rc = docstore_activity(req->ds, id, &a);
	if (rc == DOCSTORE_ENOTFOUND) {
		/* Unknown, or never defined: still an Activity object. */
		a = json_new(JSON_OBJECT);
		json_set(a, "objectType", json_new_str("Activity"));
		json_set(a, "id", json_new_str(id));
	} else if (rc != DOCSTORE_OK) {
		store_error(rc, resp);
		return;
	}
	resp->status = 200;
	json_dump(a, &resp->body);
	http_set_type(resp, "application/json");
	json_free(a);
}

void
agents_handle(struct http_req *req, struct http_resp *resp)
{
	static const char *const allowed[] = { "agent", NULL };
	uint8_t hash[INDEX_HASH_LEN];
	const char *v;
	json *agent = NULL, *person = NULL;
	int rc;

	if (!is_read(req)) {
		http_error(resp, 405, "/agents allows GET and HEAD");
		return;
	}
	if (req->ds == NULL) {
		http_error(resp, 503, "the document store is not open");
		return;
	}
	if (http_only_params(req, allowed, resp) != 0 ||
	    (v = required(req, "agent", "/agents", resp)) == NULL ||
	    parse_agent(req, v, 0, &agent, hash, resp) != 0)
		return;
	if ((rc = docstore_person(req->ds, agent, &person)) != DOCSTORE_OK) {
		store_error(rc, resp);
		goto out;
	}
	resp->status = 200;
	json_dump(person, &resp->body);
	http_set_type(resp, "application/json");
out:
	json_free(person);
	json_free(agent);
}
