/* credapi: /credentials over cred.h. */
#include "credapi.h"
#include "iso8601.h"
#include "json.h"
#include "params.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#define CREDAPI_MAXDEPTH 4

/* n random bytes as 2n hex digits into out (2n + 1 bytes). */
static int
random_hex(char *out, size_t n)
{
	unsigned char rnd[32];
	size_t i;

	if (n > sizeof(rnd) || RAND_bytes(rnd, (int)n) != 1)
		return -1;
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

/* {"key", "scopes": [...], "created"} of c, a new tree. */
static json *
cred_json(const struct cred *c)
{
	char names[256], stamp[32], *p, *save = NULL;
	json *o = json_new(JSON_OBJECT), *s = json_new(JSON_ARRAY);

	json_set(o, "key", json_new_str(c->key));
	cred_scopes_format(c->scopes, names, sizeof(names));
	for (p = strtok_r(names, ",", &save); p; p = strtok_r(NULL, ",", &save))
		json_push(s, json_new_str(p));
	json_set(o, "scopes", s);
	json_set(o, "created", json_new_str(iso8601_format(c->created, stamp)));
	return o;
}

static void
reply(struct http_resp *resp, int status, json *j)
{
	resp->status = status;
	json_dump(j, &resp->body);
	json_free(j);
}

static void
store_failed(struct http_resp *resp, int rc)
{
	http_error(resp, 503, "the credentials cannot be read or written now: %s",
	    cred_strerror(rc));
	http_add_header(resp, "Retry-After", "1");
}

/* The credentials, or the one named key. */
static void
list(cred_store *cs, const char *key, struct http_resp *resp)
{
	struct cred *all = NULL;
	json *out;
	size_t n, i;
	int rc;

	if ((rc = cred_list(cs, &all, &n)) != CRED_OK) {
		store_failed(resp, rc);
		return;
	}
	out = json_new(JSON_ARRAY);
	for (i = 0; i < n; i++) {
		if (key == NULL)
			json_push(out, cred_json(&all[i]));
		else if (strcmp(all[i].key, key) == 0) {
			json_free(out);
			out = cred_json(&all[i]);
			break;
		}
	}
	if (key && i == n) {
		json_free(out);
		http_error(resp, 404, "no credential '%s'", key);
	} else
		reply(resp, 200, out);
	free(all);
}

/* 0 when key is one cred_add takes, else -1 with a 400. */
static int
check_key(const char *key, struct http_resp *resp)
{
	size_t i, n = strlen(key);
	int reserved;

	if (n == 0 || n > CRED_KEY_MAX) {
		http_error(resp, 400, "/key: must be 1 to %d characters",
		    CRED_KEY_MAX);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e || key[i] == ':') {
			http_error(resp, 400, "/key: character %zu is not visible ASCII or is ':'",
			    i + 1);
			return -1;
		}
	reserved = strncmp(key, CRED_RESERVED_PREFIX,
	    strlen(CRED_RESERVED_PREFIX)) == 0;
	if (reserved) {
		http_error(resp, 400, "/key: keys beginning with '%s' are the server's own",
		    CRED_RESERVED_PREFIX);
		return -1;
	}
	return 0;
}

/* The scope bits of the array s, or -1 with a 400 naming the bad one. */
static int
parse_scopes(const json *s, unsigned *bits, struct http_resp *resp)
{
	unsigned b;
	size_t i;

	*bits = 0;
	if (s == NULL || s->type != JSON_ARRAY || s->n == 0) {
		http_error(resp, 400, "/scopes: must be a non-empty array of scope names");
		return -1;
	}
	for (i = 0; i < s->n; i++) {
		if (s->vals[i]->type != JSON_STRING ||
		    strchr(s->vals[i]->str, ',') != NULL ||
		    cred_scopes_parse(s->vals[i]->str, &b) != CRED_OK) {
			http_error(resp, 400, "/scopes/%zu: not a scope (statements/write, statements/read, statements/read/mine, state, define, profile, all/read, all, tiering)",
			    i);
			return -1;
		}
		*bits |= b;
	}
	return 0;
}

/* Read the POST body's members into key, secret (generated when absent)
 * and scopes; -1 with a 400. */
static int
read_body(const json *b, char key[CRED_KEY_MAX + 1], char *secret,
    size_t secretlen, unsigned *scopes, struct http_resp *resp)
{
	const json *k = json_get(b, "key"), *s = json_get(b, "secret");
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->keys[i], "key") && strcmp(b->keys[i], "secret") &&
		    strcmp(b->keys[i], "scopes")) {
			http_error(resp, 400, "/%s: not a member of a credential (key, secret, scopes)",
			    b->keys[i]);
			return -1;
		}
	if (parse_scopes(json_get(b, "scopes"), scopes, resp) != 0)
		return -1;
	if (k && (k->type != JSON_STRING || k->len > CRED_KEY_MAX)) {
		http_error(resp, 400, "/key: must be a string of 1 to %d characters",
		    CRED_KEY_MAX);
		return -1;
	}
	if (s && (s->type != JSON_STRING || s->len < CRED_SECRET_MIN ||
	    s->len > CRED_SECRET_MAX || strlen(s->str) != s->len)) {
		http_error(resp, 400, "/secret: must be a string of %d to %d bytes",
		    CRED_SECRET_MIN, CRED_SECRET_MAX);
		return -1;
	}
	if ((!k && random_hex(key, 8) != 0) || (!s && random_hex(secret, 16) != 0)) {
		http_error(resp, 500, "the random generator (libcrypto RAND_bytes) failed");
		return -1;
	}
	if (k)
		snprintf(key, CRED_KEY_MAX + 1, "%s", k->str);
	if (s)
		snprintf(secret, secretlen, "%s", s->str);
	return check_key(key, resp);
}

/* POST /credentials. */
static void
create(cred_store *cs, struct http_req *req, struct http_resp *resp)
{
	char err[200], key[CRED_KEY_MAX + 1], secret[CRED_SECRET_MAX + 1];
	struct cred c;
	json *b = NULL, *out;
	int rc;

	if (!http_is_type(http_header(req, "Content-Type"), "application/json")) {
		http_error(resp, 415, "POST /credentials takes application/json");
		goto out;
	}
	if (json_parse(req->body, req->len, CREDAPI_MAXDEPTH, &b, err,
	    sizeof(err)) != JSON_OK) {
		http_error(resp, 400, "%s", err);
		goto out;
	}
	if (b->type != JSON_OBJECT) {
		http_error(resp, 400, "the body must be an object {\"key\", \"secret\", \"scopes\"}");
		goto out;
	}
	if (read_body(b, key, secret, sizeof(secret), &c.scopes, resp) != 0)
		goto out;
	rc = cred_add(cs, key, secret, c.scopes);
	if (rc == CRED_EEXIST) {
		http_error(resp, 409, "/key: credential '%s' exists", key);
		goto out;
	}
	if (rc != CRED_OK) {
		store_failed(resp, rc);
		goto out;
	}
	snprintf(c.key, sizeof(c.key), "%s", key);
	c.created = iso8601_now();
	out = cred_json(&c);
	json_set(out, "secret", json_new_str(secret));
	http_add_header(resp, "Location", "/credentials/%s", key);
	reply(resp, 201, out);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	json_free(b);
}

/* DELETE /credentials/{key}. */
static void
revoke(cred_store *cs, struct http_req *req, struct http_resp *resp,
    const char *key)
{
	int rc;

	if (strcmp(key, req->cred.key) == 0) {
		http_error(resp, 409, "credential '%s' is the one this request uses; revoke it with another",
		    key);
		return;
	}
	rc = cred_revoke(cs, key);
	if (rc == CRED_ENOTFOUND || rc == CRED_EINVALID)
		http_error(resp, 404, "no credential '%s'", key);
	else if (rc != CRED_OK)
		store_failed(resp, rc);
	else
		resp->status = 204;
}

void
credapi_http(void *arg, struct http_req *req, struct http_resp *resp)
{
	cred_store *cs = arg;
	const char *p = req->path;
	char *key = NULL;
	size_t n;
	int get = strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0;

	if (!(req->cred.scopes & CRED_ALL)) {
		http_error(resp, 403, "credential '%s' has no scope all for /credentials",
		    req->cred.key);
		return;
	}
	if (p[0] == '/' && p[1] == '\0') {
		if (get)
			list(cs, NULL, resp);
		else if (strcmp(req->method, "POST") == 0)
			create(cs, req, resp);
		else
			http_error(resp, 405, "/credentials allows GET and POST");
		return;
	}
	/* The key is one percent-encoded segment (a key may hold '/'). */
	if (strchr(p + 1, '/') != NULL ||
	    (key = params_decode(p + 1, strlen(p + 1), 0, &n)) == NULL ||
	    strlen(key) != n)
		http_error(resp, 404, "no credential resource at /credentials%s", p);
	else if (get)
		list(cs, key, resp);
	else if (strcmp(req->method, "DELETE") == 0)
		revoke(cs, req, resp, key);
	else
		http_error(resp, 405, "/credentials/{key} allows GET and DELETE");
	free(key);
}
