/* statements: the Statement resource (PUT, POST, GET, HEAD /statements).
 *
 * Writes: read the whole body (JSON, or multipart/mixed with attachment
 * parts), validate every statement and every attachment, set id,
 * authority and version, then hand the batch to the store, which commits
 * it atomically.  Reads: one short read transaction renders the reply into
 * memory; the server sends it afterwards.
 */
#include "base64.h"
#include "config.h"
#include "fault.h"
#include "hex.h"
#include "index.h"
#include "iso8601.h"
#include "jws.h"
#include "multipart.h"
#include "sha2.h"
#include "resource.h"
#include "stmt.h"
#include "stmtfmt.h"
#include "stmtquery.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>
#include <uuid/uuid.h>

#define MAX_DEPTH 64

/* The statements of one write and what came with them. */
struct batch {
	json			 *doc;		/* the parsed body */
	json			**stmts;
	size_t			  n;
	uint8_t			(*ids)[16];
	struct multipart	  mp;
	int			  have_mp;
	struct store_blob	 *blobs;
	size_t			  nblobs;
};

/* Answer a failure of the store: 507 when space ran out (the map at its
 * largest size, or the disk), 503 when trying again may help, else 500. */
static void
store_failed(struct http_resp *resp, int rc, const char *doing)
{
	int status = 500;

	if (rc == STORE_EFULL || rc == STORE_ENOSPC)
		status = 507;
	else if (rc == STORE_EBUSY || rc == STORE_EIO ||
	    rc == STORE_ECLOSED || rc == STORE_ETIMEDOUT)
		status = 503;
	http_error(resp, status, "%s: %s%s", doing, store_strerror(rc),
	    rc == STORE_EFULL ? " (--map-max)" : rc == STORE_ENOSPC ?
	    "; writes resume by themselves once there is room" : "");
	if (status == 503)
		http_add_header(resp, "Retry-After", "1");
}

static void
batch_free(struct batch *b)
{
	json_free(b->doc);
	free(b->stmts);
	free(b->ids);
	free(b->blobs);
	if (b->have_mp)
		multipart_free(&b->mp);
}

static int
parse_uuid(const char *s, uint8_t out[16])
{
	if (s == NULL)
		return -1;
	return hex_uuid_parse(s, strlen(s), out);
}

/* The attachment part whose hash is sha2, or NULL. */
static const struct multipart_part *
find_part(const struct batch *b, const char *sha2)
{
	size_t i;

	for (i = 1; b->have_mp && i < b->mp.n; i++)
		if (b->mp.parts[i].hash && strcasecmp(b->mp.parts[i].hash, sha2) == 0)
			return &b->mp.parts[i];
	return NULL;
}

/* Every part after the first must be binary and carry a hash that
 * matches it. */
static int
check_parts(const struct batch *b, struct http_resp *resp)
{
	const struct multipart_part *part;
	char computed[129];
	size_t p;
	int rc;

	for (p = 1; b->have_mp && p < b->mp.n; p++) {
		part = &b->mp.parts[p];
		if (part->encoding && strcasecmp(part->encoding, "binary") != 0) {
			http_error(resp, 400, "multipart part %zu: Content-Transfer-Encoding must be binary, not '%s'",
			    p + 1, part->encoding);
			return -1;
		}
		if (part->hash == NULL) {
			http_error(resp, 400, "multipart part %zu has no X-Experience-API-Hash header", p + 1);
			return -1;
		}
		rc = sha2_hex(part->body, part->len, strlen(part->hash), computed);
		if (rc == -2) {
			http_error(resp, 500, "multipart part %zu: cannot compute its SHA-2: libcrypto failed", p + 1);
			return -1;
		}
		if (rc != 0 || strcasecmp(computed, part->hash) != 0) {
			http_error(resp, 400, "multipart part %zu: X-Experience-API-Hash does not match its content", p + 1);
			return -1;
		}
	}
	return 0;
}

/* Attachment k of statement i, whose payload is part: a signature must be
 * an octet stream with a JWS of the statement. */
static int
check_signature(const json *st, size_t i, const json *a,
    const struct multipart_part *part, struct http_resp *resp)
{
	const char *ct = json_get_str(a, "contentType");
	char err[256];
	int rc;

	if (ct == NULL || !http_is_type(ct, "application/octet-stream")) {
		http_error(resp, 400, "statement %zu: a signature attachment must have contentType application/octet-stream", i);
		return -1;
	}
	rc = jws_verify(part->body, part->len, st, err, sizeof(err));
	if (rc == JWS_ECRYPTO) {
		http_error(resp, 500, "statement %zu: cannot check the signature: %s", i, err);
		return -1;
	}
	if (rc != JWS_OK) {
		http_error(resp, 400, "statement %zu: signature: %s", i, err);
		return -1;
	}
	return 0;
}

/* The attachments of statement i: each needs a part with its hash (or a
 * fileUrl); the parts used are marked in referenced. */
static int
check_statement(const struct batch *b, size_t i, char *referenced,
    struct http_resp *resp)
{
	const struct multipart_part *part;
	json *atts = json_get(b->stmts[i], "attachments"), *a;
	const char *sha2, *usage;
	size_t k;

	for (k = 0; atts && atts->type == JSON_ARRAY && k < atts->n; k++) {
		a = atts->vals[k];
		if ((sha2 = json_get_str(a, "sha2")) == NULL)
			continue;
		if ((part = find_part(b, sha2)) == NULL) {
			if (json_get(a, "fileUrl") != NULL)
				continue;
			http_error(resp, 400, "statement %zu: attachments[%zu] has no fileUrl and no part with X-Experience-API-Hash %s was sent",
			    i, k, sha2);
			return -1;
		}
		referenced[part - b->mp.parts] = 1;
		usage = json_get_str(a, "usageType");
		if (usage && strcmp(usage, XAPI_SIGNATURE_USAGE) == 0 &&
		    check_signature(b->stmts[i], i, a, part, resp) != 0)
			return -1;
	}
	return 0;
}

/* Check the attachments of every statement against the parts sent, and
 * collect the payloads to store. */
static int
check_attachments(struct batch *b, struct http_resp *resp)
{
	size_t i, p;
	char *referenced;
	int rc = -1;

	referenced = xcalloc(b->have_mp ? b->mp.n : 1, 1);
	if (check_parts(b, resp) != 0)
		goto out;
	for (i = 0; i < b->n; i++)
		if (check_statement(b, i, referenced, resp) != 0)
			goto out;
	for (p = 1; b->have_mp && p < b->mp.n; p++)
		if (!referenced[p]) {
			http_error(resp, 400, "multipart part %zu (hash %s) is not an attachment of any statement",
			    p + 1, b->mp.parts[p].hash);
			goto out;
		}
	b->blobs = xcalloc(b->have_mp && b->mp.n > 1 ? b->mp.n - 1 : 1,
	    sizeof(*b->blobs));
	for (p = 1; b->have_mp && p < b->mp.n; p++) {
		b->blobs[b->nblobs].sha2 = b->mp.parts[p].hash;
		b->blobs[b->nblobs].data = b->mp.parts[p].body;
		b->blobs[b->nblobs++].len = b->mp.parts[p].len;
	}
	rc = 0;
out:
	free(referenced);
	return rc;
}

/* The authority of statements sent with this credential. */
static json *
authority_of(const struct http_req *req)
{
	json *a = json_new(JSON_OBJECT), *acct = json_new(JSON_OBJECT);

	json_set(a, "objectType", json_new_str("Agent"));
	json_set(acct, "homePage", json_new_str(req->cfg->authority_home));
	json_set(acct, "name", json_new_str(req->cred.key));
	json_set(a, "account", acct);
	return a;
}

/* Read, parse and validate the statements of a PUT or POST. */
static int
read_batch(struct http_req *req, struct batch *b, struct http_resp *resp)
{
	const char *ct = http_header(req, "Content-Type");
	const char *text = req->body;
	size_t len = req->len, i;
	char err[512];
	int rc;

	if (ct && http_is_type(ct, "multipart/mixed")) {
		if (multipart_parse(ct, req->body, req->len, &b->mp, err,
		    sizeof(err)) != MULTIPART_OK) {
			http_error(resp, 400, "multipart body: %s", err);
			return -1;
		}
		b->have_mp = 1;
		if (b->mp.n == 0 || !http_is_type(b->mp.parts[0].content_type,
		    "application/json")) {
			http_error(resp, 400, "the first part of a multipart body must be application/json statements");
			return -1;
		}
		text = b->mp.parts[0].body;
		len = b->mp.parts[0].len;
	} else if (ct == NULL || !http_is_type(ct, "application/json")) {
		http_error(resp, 400, "Content-Type must be application/json or multipart/mixed, not '%s'",
		    ct ? ct : "(none)");
		return -1;
	}
	if ((rc = json_parse(text, len, MAX_DEPTH, &b->doc, err, sizeof(err))) != 0) {
		http_error(resp, 400, "%s", err);
		return -1;
	}
	if (b->doc->type == JSON_OBJECT) {
		b->stmts = xmalloc(sizeof(*b->stmts));
		b->stmts[0] = b->doc;
		b->n = 1;
	} else if (b->doc->type == JSON_ARRAY && strcmp(req->method, "POST") == 0) {
		if (b->doc->n == 0) {
			http_error(resp, 400, "an empty array holds no statements");
			return -1;
		}
		b->stmts = xmalloc(b->doc->n * sizeof(*b->stmts));
		for (i = 0; i < b->doc->n; i++)
			b->stmts[b->n++] = b->doc->vals[i];
	} else {
		http_error(resp, 400, "the body must be a statement object%s",
		    strcmp(req->method, "POST") == 0 ? " or an array of statements" : "");
		return -1;
	}
	b->ids = xcalloc(b->n, sizeof(*b->ids));
	for (i = 0; i < b->n; i++) {
		if (b->stmts[i]->type != JSON_OBJECT) {
			http_error(resp, 400, "statement %zu: must be an object", i);
			return -1;
		}
		if (stmt_validate(b->stmts[i], req->v, err, sizeof(err)) != STMT_OK) {
			if (b->n > 1)
				http_error(resp, 400, "statement %zu: %s", i, err);
			else
				http_error(resp, 400, "%s", err);
			return -1;
		}
	}
	return 0;
}

/* Give each statement its id (the one sent, or a new one), authority and
 * version; refuse ids repeated within the batch. */
static int
complete_batch(struct http_req *req, struct batch *b, const char *put_id,
    struct http_resp *resp)
{
	char text[37];
	size_t i, k;
	json *st;

	for (i = 0; i < b->n; i++) {
		st = b->stmts[i];
		if (put_id) {
			const char *sid = json_get_str(st, "id");

			if (sid && strcasecmp(sid, put_id) != 0) {
				http_error(resp, 400, "statement id %s differs from the statementId parameter %s",
				    sid, put_id);
				return -1;
			}
			parse_uuid(put_id, b->ids[i]);
		} else if (json_get_str(st, "id"))
			parse_uuid(json_get_str(st, "id"), b->ids[i]);
		else
			uuid_generate_random(b->ids[i]);
		uuid_unparse_lower(b->ids[i], text);
		json_set(st, "id", json_new_str(text));
		for (k = 0; k < i; k++)
			if (memcmp(b->ids[k], b->ids[i], 16) == 0) {
				http_error(resp, 400, "statement id %s appears twice in the batch", text);
				return -1;
			}
		json_set(st, "authority", authority_of(req));
		stmt_normalize(st);
		if (json_get(st, "version") == NULL)
			json_set(st, "version", json_new_str(req->v == XAPI_V2 ?
			    "2.0.0" : "1.0.0"));
	}
	return 0;
}

static void
write_statements(struct http_req *req, struct http_resp *resp)
{
	static const char *const put_params[] = { "statementId", NULL };
	static const char *const post_params[] = { NULL };
	struct batch b;
	struct store_write w;
	const char *put_id = NULL;
	uint8_t tmp[16];
	size_t i;
	int rc;

	memset(&b, 0, sizeof(b));
	if (strcmp(req->method, "PUT") == 0) {
		if (http_only_params(req, put_params, resp) != 0)
			goto out;
		put_id = params_get(&req->q, "statementId");
		if (put_id == NULL) {
			http_error(resp, 400, "PUT /statements needs the statementId parameter");
			goto out;
		}
		if (parse_uuid(put_id, tmp) != 0) {
			http_error(resp, 400, "statementId '%s' is not a UUID", put_id);
			goto out;
		}
	} else if (http_only_params(req, post_params, resp) != 0)
		goto out;
	if (read_batch(req, &b, resp) != 0 ||
	    complete_batch(req, &b, put_id, resp) != 0 ||
	    check_attachments(&b, resp) != 0)
		goto out;
	memset(&w, 0, sizeof(w));
	w.stmts = b.stmts;
	w.n = b.n;
	w.ids = (const uint8_t (*)[16])b.ids;
	w.blobs = b.blobs;
	w.nblobs = b.nblobs;
	w.authority_key = req->cred.key;
	rc = store_put(req->st, &w);
	if (rc == STORE_ECONFLICT) {
		http_error(resp, 409, "statement id %s is stored already with different content",
		    json_get_str(b.stmts[w.conflict], "id"));
		goto out;
	}
	if (rc != STORE_OK) {
		store_failed(resp, rc, "nothing was stored");
		goto out;
	}
	if (put_id) {
		resp->status = 204;
		goto out;
	}
	resp->status = 200;
	buf_putc(&resp->body, '[');
	for (i = 0; i < b.n; i++) {
		const char *id = json_get_str(b.stmts[i], "id");

		if (i)
			buf_putc(&resp->body, ',');
		json_dump_str(id, strlen(id), &resp->body);
	}
	buf_putc(&resp->body, ']');
out:
	batch_free(&b);
}

/* --- reading --- */

enum format { FMT_EXACT, FMT_IDS, FMT_CANONICAL };

struct render {
	struct http_req	*req;
	struct http_resp *resp;		/* where a failure is answered */
	int		 failed;	/* then nothing more is rendered */
	enum format	 fmt;
	int		 attachments;
	struct buf	*out;
	size_t		 count;
	char		**sha2s;	/* attachments to send */
	char		**types;	/* and their contentType */
	size_t		 nsha2;
};

static void
note_attachments(struct render *r, const json *st)
{
	const json *atts = json_get(st, "attachments");
	const char *sha2;
	size_t i, k;

	for (i = 0; atts && atts->type == JSON_ARRAY && i < atts->n; i++) {
		if ((sha2 = json_get_str(atts->vals[i], "sha2")) == NULL)
			continue;
		for (k = 0; k < r->nsha2; k++)
			if (strcasecmp(r->sha2s[k], sha2) == 0)
				break;
		if (k < r->nsha2)
			continue;
		r->sha2s = xrealloc(r->sha2s, (r->nsha2 + 1) * sizeof(*r->sha2s));
		r->types = xrealloc(r->types, (r->nsha2 + 1) * sizeof(*r->types));
		r->types[r->nsha2] = xstrdup(json_get_str(atts->vals[i],
		    "contentType") ? json_get_str(atts->vals[i], "contentType") :
		    "application/octet-stream");
		r->sha2s[r->nsha2++] = xstrdup(sha2);
	}
}

/* Answer a failure of the document store while rendering: 503 when
 * trying again may help, else 500; nothing more is rendered. */
static void
docstore_failed(struct render *r, int rc)
{
	int status = rc == DOCSTORE_EBUSY || rc == DOCSTORE_EIO ? 503 : 500;

	http_error(r->resp, status, "cannot read the canonical Activities and Verbs: %s",
	    docstore_strerror(rc));
	if (status == 503)
		http_add_header(r->resp, "Retry-After", "1");
	r->failed = 1;
}

/* Give Activity a the LRS's canonical definition, if it knows one. */
static int
canonical_activity(docstore *ds, json *a)
{
	const char *id = json_get_str(a, "id");
	json *canon = NULL, *def;
	int rc;

	if (id == NULL)
		return DOCSTORE_OK;
	if ((rc = docstore_activity(ds, id, &canon)) != DOCSTORE_OK)
		return rc == DOCSTORE_ENOTFOUND ? DOCSTORE_OK : rc;
	if ((def = json_take(canon, "definition")) != NULL)
		json_set(a, "definition", def);
	json_free(canon);
	return DOCSTORE_OK;
}

/* Give verb v the LRS's canonical display, if it knows one. */
static int
canonical_verb(docstore *ds, json *v)
{
	const char *id = json_get_str(v, "id");
	json *canon = NULL, *display;
	int rc;

	if (id == NULL)
		return DOCSTORE_OK;
	if ((rc = docstore_verb(ds, id, &canon)) != DOCSTORE_OK)
		return rc == DOCSTORE_ENOTFOUND ? DOCSTORE_OK : rc;
	if ((display = json_take(canon, "display")) != NULL)
		json_set(v, "display", display);
	json_free(canon);
	return DOCSTORE_OK;
}

/* The "canonical" format shows every Activity and Verb as the LRS holds
 * it (learned from all statements), not as this statement happened to
 * carry it. */
static int
canonical_activities(docstore *ds, json *st)
{
	static const char *kinds[] = { "parent", "grouping", "category", "other" };
	json *obj = json_get(st, "object"), *ca, *list;
	const char *ot = json_get_str(obj, "objectType");
	size_t k, i;
	int rc = DOCSTORE_OK;

	if (json_get(st, "verb"))
		rc = canonical_verb(ds, json_get(st, "verb"));
	if (rc == DOCSTORE_OK && obj && (ot == NULL || strcmp(ot, "Activity") == 0))
		rc = canonical_activity(ds, obj);
	else if (rc == DOCSTORE_OK && ot && strcmp(ot, "SubStatement") == 0)
		rc = canonical_activities(ds, obj);
	ca = json_get(json_get(st, "context"), "contextActivities");
	for (k = 0; ca && k < 4 && rc == DOCSTORE_OK; k++) {
		if ((list = json_get(ca, kinds[k])) == NULL)
			continue;
		if (list->type != JSON_ARRAY)
			rc = canonical_activity(ds, list);
		for (i = 0; list->type == JSON_ARRAY && i < list->n &&
		    rc == DOCSTORE_OK; i++)
			rc = canonical_activity(ds, list->vals[i]);
	}
	return rc;
}

/* Append one stored statement in the wanted format.  A failure is
 * answered (r->failed). */
static void
render_one(struct render *r, const char *text, size_t len)
{
	json *st = NULL, *view;
	int rc;

	if (r->fmt == FMT_EXACT && !r->attachments) {
		buf_add(r->out, text, len);
		return;
	}
	if (json_parse(text, len, MAX_DEPTH + 8, &st, NULL, 0) != 0) {
		store_failed(r->resp, STORE_ECORRUPT, "cannot read a stored statement");
		r->failed = 1;
		return;
	}
	if (r->attachments)
		note_attachments(r, st);
	if (r->fmt == FMT_CANONICAL && r->req->ds &&
	    (rc = canonical_activities(r->req->ds, st)) != DOCSTORE_OK) {
		docstore_failed(r, rc);
		json_free(st);
		return;
	}
	if (r->fmt == FMT_EXACT)
		buf_add(r->out, text, len);
	else {
		view = r->fmt == FMT_IDS ? stmtfmt_ids(st) :
		    stmtfmt_canonical(st, http_header(r->req, "Accept-Language"));
		json_dump(view, r->out);
		json_free(view);
	}
	json_free(st);
}

static void
visit(void *arg, uint64_t seq, const char *text, size_t len)
{
	struct render *r = arg;

	if (r->failed)
		return;
	if (r->count++)
		buf_putc(r->out, ',');
	render_one(r, text, len);
}

/* Wrap the JSON in r->out into a multipart reply with the attachments
 * (those stored: one sent only by fileUrl has no payload here).  -1 when
 * it answered a failure instead. */
static int
finish_attachments(struct render *r, store_read *rd, struct http_resp *resp)
{
	struct buf mp = BUF_INIT;
	unsigned char rnd[12];
	char boundary[40], ctype[80];
	const void *data;
	size_t i, len;
	int rc;

	if (FAULT("rand") != 0 || RAND_bytes(rnd, sizeof(rnd)) != 1) {
		http_error(resp, 500, "cannot draw a multipart boundary: the random generator (libcrypto RAND_bytes) failed");
		return -1;
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(boundary + 2 * i, 3, "%02x", rnd[i]);
	multipart_write_part(&mp, boundary, "application/json", NULL,
	    r->out->p, r->out->len);
	for (i = 0; i < r->nsha2; i++) {
		rc = store_blob_get(rd, r->sha2s[i], &data, &len);
		if (rc == STORE_ENOTFOUND)
			continue;
		if (rc != STORE_OK) {
			buf_free(&mp);
			store_failed(resp, rc, "cannot read an attachment");
			return -1;
		}
		multipart_write_part(&mp, boundary, r->types[i], r->sha2s[i],
		    data, len);
	}
	multipart_close(&mp, boundary);
	buf_free(r->out);
	*r->out = mp;
	snprintf(ctype, sizeof(ctype), "multipart/mixed; boundary=%s", boundary);
	http_set_type(resp, ctype);
	return 0;
}

static int
parse_bool(struct http_req *req, const char *name, int *out,
    struct http_resp *resp)
{
	char err[256];

	if (stmtquery_bool(&req->q, name, out, err, sizeof(err)) == 0)
		return 0;
	http_error(resp, 400, "%s", err);
	return -1;
}

static int
parse_format(struct http_req *req, enum format *fmt, struct http_resp *resp)
{
	const char *v = params_get(&req->q, "format");

	*fmt = FMT_EXACT;
	if (v == NULL || strcmp(v, "exact") == 0)
		return 0;
	if (strcmp(v, "ids") == 0)
		*fmt = FMT_IDS;
	else if (strcmp(v, "canonical") == 0)
		*fmt = FMT_CANONICAL;
	else {
		http_error(resp, 400, "format must be ids, exact or canonical, not '%s'", v);
		return -1;
	}
	return 0;
}

/* Does the stored statement carry the authority of this credential?
 * -1 when it cannot be read. */
static int
is_mine(const struct http_req *req, const char *text, size_t len)
{
	json *st = NULL;
	int mine;

	if (json_parse(text, len, MAX_DEPTH + 8, &st, NULL, 0) != 0)
		return -1;
	mine = json_is_str(json_get(json_get(json_get(st, "authority"),
	    "account"), "name"), req->cred.key);
	json_free(st);
	return mine;
}

static int
read_mine_only(const struct http_req *req)
{
	return !(req->cred.scopes & (CRED_STATEMENTS_READ | CRED_ALL_READ |
	    CRED_ALL));
}

/* GET with statementId or voidedStatementId. */
static void
get_one(struct http_req *req, struct http_resp *resp, const char *name,
    const char *idtext, struct render *r)
{
	store_read *rd = NULL;
	const char *text;
	uint8_t id[16];
	int64_t stored;
	size_t len, i;
	int voided, rc, mine = 0;
	char date[40];

	for (i = 0; i < req->q.n; i++)
		if (strcmp(req->q.names[i], name) && strcmp(req->q.names[i], "format") &&
		    strcmp(req->q.names[i], "attachments")) {
			http_error(resp, 400, "parameter '%s' cannot be combined with %s",
			    req->q.names[i], name);
			return;
		}
	if (parse_uuid(idtext, id) != 0) {
		http_error(resp, 400, "%s '%s' is not a UUID", name, idtext);
		return;
	}
	if ((rc = store_read_begin(req->st, &rd)) != STORE_OK) {
		store_failed(resp, rc, "cannot read the store");
		return;
	}
	rc = store_get(rd, id, &text, &len, &voided, &stored);
	if (rc == STORE_OK && (voided != 0) != (strcmp(name, "voidedStatementId") == 0))
		rc = STORE_ENOTFOUND;
	if (rc == STORE_OK && read_mine_only(req) &&
	    (mine = is_mine(req, text, len)) <= 0)
		rc = mine < 0 ? STORE_ECORRUPT : STORE_ENOTFOUND;
	if (rc == STORE_ENOTFOUND) {
		http_error(resp, 404, "no %sstatement with id %s",
		    strcmp(name, "voidedStatementId") == 0 ? "voided " : "", idtext);
		goto out;
	}
	if (rc != STORE_OK) {
		store_failed(resp, rc, "cannot read the statement");
		goto out;
	}
	render_one(r, text, len);
	if (r->failed || (r->attachments &&
	    finish_attachments(r, rd, resp) != 0))
		goto out;
	resp->status = 200;
	http_add_header(resp, "Last-Modified", "%s", http_date(stored, date));
out:
	store_read_end(rd);
}

/* Parse a "more" token back into the query it continues. */
static int
decode_more(struct http_req *req, struct store_query *q, struct http_resp *resp)
{
	const char *tok = params_get(&req->q, "more");
	unsigned long long lo, hi;
	unsigned char *raw = NULL;
	char err[200];
	int pos = 0;
	size_t len;

	if (req->q.n != 1) {
		http_error(resp, 400, "more cannot be combined with other parameters");
		return -1;
	}
	if (base64_decode(tok, strlen(tok), BASE64_URL, &raw, &len) != 0 ||
	    sscanf((char *)raw, "%llu.%llu.%n", &lo, &hi, &pos) != 2 ||
	    pos == 0) {
		free(raw);
		http_error(resp, 400, "more token is not one this LRS gave out");
		return -1;
	}
	params_free(&req->q);
	if (params_parse(&req->q, (char *)raw + pos, strlen((char *)raw + pos),
	    err, sizeof(err)) != 0) {
		free(raw);
		http_error(resp, 400, "more token is damaged");
		return -1;
	}
	free(raw);
	q->from = lo;
	q->to = hi;
	return 0;
}

/* The IRL of the next page: the sequence bounds [lo, hi] it covers and the
 * parameters of the original query, base64 so clients treat it as opaque. */
static void
encode_more(struct http_req *req, uint64_t lo, uint64_t hi, struct buf *out)
{
	struct buf raw = BUF_INIT;
	char *b64;
	size_t i;

	buf_printf(&raw, "%llu.%llu.", (unsigned long long)lo,
	    (unsigned long long)hi);
	for (i = 0; i < req->q.n; i++) {
		if (i)
			buf_putc(&raw, '&');
		params_encode(&raw, req->q.names[i]);
		buf_putc(&raw, '=');
		params_encode(&raw, req->q.values[i]);
	}
	b64 = base64_encode(raw.p, raw.len, BASE64_URL);
	buf_puts(out, "/xapi/statements?more=");
	buf_puts(out, b64);
	free(b64);
	buf_free(&raw);
}

/* The limit parameter into q, within --page-size. */
static int
query_limit(struct http_req *req, struct store_query *q,
    struct http_resp *resp)
{
	const char *v;
	char *end;
	long long lim;

	q->limit = (size_t)req->cfg->page_size;
	if ((v = params_get(&req->q, "limit")) == NULL)
		return 0;
	lim = strtoll(v, &end, 10);
	if (*v == '\0' || *end || lim < 0) {
		http_error(resp, 400, "limit must be a non-negative integer, not '%s'", v);
		return -1;
	}
	if (lim > 0 && lim < req->cfg->page_size)
		q->limit = (size_t)lim;
	return 0;
}

static int
build_query(struct http_req *req, struct store_query *q, struct http_resp *resp)
{
	static const char *const allowed[] = { "agent", "verb", "activity",
	    "registration", "related_activities", "related_agents", "since",
	    "until", "limit", "format", "attachments", "ascending", NULL };
	uint8_t h[INDEX_HASH_LEN];
	char err[512];
	int rc;

	if (http_only_params(req, allowed, resp) != 0)
		return -1;
	/* limit is checked after since and until, ascending after limit. */
	rc = stmtquery_build(&req->q, req->v, q, err, sizeof(err));
	if (rc == STMTQUERY_OK && query_limit(req, q, resp) != 0)
		return -1;
	if (rc != STMTQUERY_OK) {
		http_error(resp, rc == STMTQUERY_ECRYPTO ? 500 : 400, "%s", err);
		return -1;
	}
	if (read_mine_only(req)) {
		if (index_authority_hash(req->cred.key, h) != INDEX_OK ||
		    stmtquery_add(q, INDEX_AUTHORITY, h) != STMTQUERY_OK) {
			http_error(resp, 500, "cannot look up the statements of this credential: %s",
			    index_strerror(INDEX_ECRYPTO));
			return -1;
		}
	}
	return 0;
}

static void
get_query(struct http_req *req, struct http_resp *resp, struct render *r)
{
	struct store_query q;
	store_read *rd = NULL;
	uint64_t next = 0;
	int rc, from_more = params_get(&req->q, "more") != NULL;
	struct buf page = BUF_INIT, *out = r->out;

	memset(&q, 0, sizeof(q));
	if (from_more && decode_more(req, &q, resp) != 0)
		return;
	if (build_query(req, &q, resp) != 0)
		return;
	if (parse_format(req, &r->fmt, resp) != 0 ||
	    parse_bool(req, "attachments", &r->attachments, resp) != 0)
		return;
	if ((rc = store_read_begin(req->st, &rd)) != STORE_OK) {
		store_failed(resp, rc, "cannot read the store");
		return;
	}
	/* Pin the result set to what is stored now, so that paging stays
	 * correct while statements keep arriving. */
	if (!from_more)
		q.to = store_last_seq(rd);
	r->out = &page;
	rc = store_query(rd, &q, visit, r, &next);
	r->out = out;
	if (rc != STORE_OK) {
		/* Never a short page: what was rendered is no answer. */
		store_failed(resp, rc, "the query failed");
		goto out;
	}
	if (r->failed)
		goto out;
	buf_puts(out, "{\"statements\":[");
	if (page.len)
		buf_add(out, page.p, page.len);
	buf_puts(out, "],\"more\":\"");
	if (next)
		encode_more(req, q.ascending ? next : q.from,
		    q.ascending ? q.to : next, out);
	buf_puts(out, "\"}");
	if (r->attachments && finish_attachments(r, rd, resp) != 0)
		goto out;
	resp->status = 200;
out:
	buf_free(&page);
	store_read_end(rd);
}

static void
read_statements(struct http_req *req, struct http_resp *resp)
{
	struct render r;
	const char *id;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.req = req;
	r.resp = resp;
	r.out = &resp->body;
	if (parse_format(req, &r.fmt, resp) != 0 ||
	    parse_bool(req, "attachments", &r.attachments, resp) != 0)
		return;
	if ((id = params_get(&req->q, "statementId")) != NULL) {
		if (params_get(&req->q, "voidedStatementId"))
			http_error(resp, 400, "statementId and voidedStatementId cannot be combined");
		else
			get_one(req, resp, "statementId", id, &r);
	} else if ((id = params_get(&req->q, "voidedStatementId")) != NULL)
		get_one(req, resp, "voidedStatementId", id, &r);
	else
		get_query(req, resp, &r);
	for (i = 0; i < r.nsha2; i++) {
		free(r.sha2s[i]);
		free(r.types[i]);
	}
	free(r.sha2s);
	free(r.types);
}

void
statements_handle(struct http_req *req, struct http_resp *resp)
{
	if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)
		read_statements(req, resp);
	else if (strcmp(req->method, "PUT") == 0 || strcmp(req->method, "POST") == 0)
		write_statements(req, resp);
	else
		http_error(resp, 405, "/statements allows GET, HEAD, PUT and POST");
}
