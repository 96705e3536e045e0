/* index: which keys make a statement findable by each query parameter.
 *
 * The agent filter matches the Actor and the Object; related_agents widens
 * that to every Agent or Group in the statement: authority, instructor,
 * team, contextAgents/contextGroups (2.0), members of groups, and the same
 * places inside a SubStatement.  The activity filter matches the Object;
 * related_activities widens it to context activities and SubStatement
 * parts.  Registration is the context's.
 */
#include "fault.h"
#include "hex.h"
#include "index.h"
#include "sha2.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>


const char *
index_strerror(int rc)
{
	switch (rc) {
	case INDEX_OK: return "success";
	case INDEX_ENOIFI: return "no inverse functional identifier";
	case INDEX_ECRYPTO: return "hashing failed (libcrypto SHA-256)";
	default: return "unknown index error";
	}
}

/* Each thread remembers the hashes of the short texts it hashed last:
 * the same verbs, activities and credentials come back statement after
 * statement, and a SHA-256 costs about 3,400 instructions where a look
 * here costs a few hundred.  A hash depends on the bytes hashed alone, so
 * an entry is keyed by them all. */
#define MEMO_SLOTS	64
#define MEMO_TEXT	120

struct memo {
	size_t	len;			/* 0: empty */
	char	text[MEMO_TEXT];	/* what was hashed */
	uint8_t	hash[INDEX_HASH_LEN];
};

static _Thread_local struct memo memo[MEMO_SLOTS];

/* The slot for text (len bytes): FNV-1a. */
static struct memo *
memo_slot(const char *text, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)text[i]) * 16777619u;
	return &memo[h % MEMO_SLOTS];
}

/* SHA-256 of tag | a [| 0 | b], cut to INDEX_HASH_LEN. */
static int
hash_parts(int tag, const char *a, size_t alen, const char *b, size_t blen,
    uint8_t out[INDEX_HASH_LEN])
{
	unsigned char md[32], t = (unsigned char)tag, sep = 0;
	struct sha2_part parts[4] = {
		{ &t, 1 }, { a, alen }, { &sep, 1 }, { b, blen }
	};
	size_t n = b == NULL ? 2 : 4, len = 0, i;
	char text[MEMO_TEXT];
	struct memo *m = NULL;

	if (FAULT("index.hash") != 0)
		return INDEX_ECRYPTO;
	for (i = 0; i < n; i++)
		len += parts[i].len;
	if (len <= MEMO_TEXT) {
		for (len = 0, i = 0; i < n; len += parts[i++].len)
			memcpy(text + len, parts[i].p, parts[i].len);
		m = memo_slot(text, len);
		if (m->len == len && memcmp(m->text, text, len) == 0) {
			memcpy(out, m->hash, INDEX_HASH_LEN);
			return INDEX_OK;
		}
	}
	if (sha2_256(parts, n, md) != 0)
		return INDEX_ECRYPTO;
	memcpy(out, md, INDEX_HASH_LEN);
	if (m) {
		m->len = len;
		memcpy(m->text, text, len);
		memcpy(m->hash, md, INDEX_HASH_LEN);
	}
	return INDEX_OK;
}

int
index_hash(int tag, const char *s, size_t len, uint8_t out[INDEX_HASH_LEN])
{
	return hash_parts(tag, s, len, NULL, 0, out);
}

int
index_registration_hash(const char *s, size_t len,
    uint8_t out[INDEX_HASH_LEN])
{
	char text[36];
	int i;

	/* The canonical text of a UUID is lower case (RFC 4122 3): what
	 * uuid_parse() and uuid_unparse_lower() made of it, for a third of
	 * the instructions. */
	if (hex_is_uuid(s, len)) {
		for (i = 0; i < 36; i++)
			text[i] = (char)tolower((unsigned char)s[i]);
		s = text;
	}
	return hash_parts(INDEX_REGISTRATION, s, len, NULL, 0, out);
}

int
index_authority_hash(const char *key, uint8_t out[INDEX_HASH_LEN])
{
	return hash_parts(INDEX_AUTHORITY, key, strlen(key), NULL, 0, out);
}

int
index_agent_hash(const json *agent, uint8_t out[INDEX_HASH_LEN])
{
	const json *v, *acct;
	char lower[41];
	size_t i;

	if (agent == NULL || agent->type != JSON_OBJECT)
		return INDEX_ENOIFI;
	if ((v = json_get(agent, "mbox")) && v->type == JSON_STRING)
		return hash_parts('m', v->str, v->len, NULL, 0, out);
	if ((v = json_get(agent, "mbox_sha1sum")) && v->type == JSON_STRING &&
	    v->len < sizeof(lower)) {
		/* Hex digits compare without regard to case. */
		for (i = 0; i < v->len; i++)
			lower[i] = (char)((v->str[i] >= 'A' && v->str[i] <= 'F') ?
			    v->str[i] + 32 : v->str[i]);
		return hash_parts('s', lower, v->len, NULL, 0, out);
	}
	if ((v = json_get(agent, "openid")) && v->type == JSON_STRING)
		return hash_parts('i', v->str, v->len, NULL, 0, out);
	acct = json_get(agent, "account");
	if (acct && (v = json_get(acct, "homePage")) && v->type == JSON_STRING) {
		const json *name = json_get(acct, "name");

		if (name == NULL || name->type != JSON_STRING)
			return INDEX_ENOIFI;
		return hash_parts('c', v->str, v->len, name->str, name->len,
		    out);
	}
	return INDEX_ENOIFI;
}

void
index_add(struct index_keys *ks, int tag, const uint8_t hash[INDEX_HASH_LEN])
{
	uint8_t key[INDEX_KEY_LEN];
	size_t i;

	key[0] = (uint8_t)tag;
	memcpy(key + 1, hash, INDEX_HASH_LEN);
	for (i = 0; i < ks->n; i++)
		if (memcmp(ks->k[i], key, INDEX_KEY_LEN) == 0)
			return;
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 16;
		ks->k = xrealloc(ks->k, ks->cap * sizeof(*ks->k));
	}
	memcpy(ks->k[ks->n++], key, INDEX_KEY_LEN);
}

void
index_keys_free(struct index_keys *ks)
{
	free(ks->k);
	ks->k = NULL;
	ks->n = ks->cap = 0;
}

/* Add the key of agent a's IFI under tag (and INDEX_RELATED_AGENT),
 * none when it has none. */
static int
add_agent(const json *a, int direct, struct index_keys *ks)
{
	uint8_t h[INDEX_HASH_LEN];
	int rc;

	if ((rc = index_agent_hash(a, h)) != INDEX_OK)
		return rc == INDEX_ENOIFI ? INDEX_OK : rc;
	if (direct)
		index_add(ks, INDEX_AGENT, h);
	index_add(ks, INDEX_RELATED_AGENT, h);
	return INDEX_OK;
}

/* An Agent or Group: its own IFI, and for a Group each member's. */
static int
add_actor(const json *a, int direct, struct index_keys *ks)
{
	const json *members;
	size_t i;
	int rc;

	if (a == NULL || a->type != JSON_OBJECT)
		return INDEX_OK;
	if ((rc = add_agent(a, direct, ks)) != INDEX_OK)
		return rc;
	members = json_get(a, "member");
	for (i = 0; members && members->type == JSON_ARRAY &&
	    i < members->n && rc == INDEX_OK; i++)
		rc = add_agent(members->vals[i], 0, ks);
	return rc;
}

static int
add_activity(const json *a, int direct, struct index_keys *ks)
{
	uint8_t h[INDEX_HASH_LEN];
	const json *id;
	int rc;

	if (a == NULL || a->type != JSON_OBJECT)
		return INDEX_OK;
	if ((id = json_get(a, "id")) == NULL || id->type != JSON_STRING)
		return INDEX_OK;
	/* Activity ids share one hash space for both tags. */
	if ((rc = index_hash(INDEX_ACTIVITY, id->str, id->len, h)) != INDEX_OK)
		return rc;
	if (direct)
		index_add(ks, INDEX_ACTIVITY, h);
	index_add(ks, INDEX_RELATED_ACTIVITY, h);
	return INDEX_OK;
}

/* The context's agents of 2.0 (contextAgents[].agent,
 * contextGroups[].group). */
static int
add_context_agents(const json *ctx, struct index_keys *ks)
{
	const json *cag;
	size_t i;
	int rc = INDEX_OK;

	if ((cag = json_get(ctx, "contextAgents")) && cag->type == JSON_ARRAY)
		for (i = 0; i < cag->n && rc == INDEX_OK; i++)
			rc = add_actor(json_get(cag->vals[i], "agent"), 0, ks);
	if ((cag = json_get(ctx, "contextGroups")) && cag->type == JSON_ARRAY)
		for (i = 0; i < cag->n && rc == INDEX_OK; i++)
			rc = add_actor(json_get(cag->vals[i], "group"), 0, ks);
	return rc;
}

static int
add_context_activities(const json *ca, struct index_keys *ks)
{
	static const char *kinds[] = { "parent", "grouping", "category", "other" };
	const json *list;
	size_t i, k;
	int rc = INDEX_OK;

	if (ca == NULL || ca->type != JSON_OBJECT)
		return INDEX_OK;
	for (k = 0; k < 4 && rc == INDEX_OK; k++) {
		if ((list = json_get(ca, kinds[k])) == NULL)
			continue;
		if (list->type != JSON_ARRAY)
			rc = add_activity(list, 0, ks);
		for (i = 0; list->type == JSON_ARRAY && i < list->n &&
		    rc == INDEX_OK; i++)
			rc = add_activity(list->vals[i], 0, ks);
	}
	return rc;
}

static int
add_context(const json *ctx, struct index_keys *ks, int top)
{
	const json *reg;
	uint8_t h[INDEX_HASH_LEN];
	int rc;

	if (ctx == NULL || ctx->type != JSON_OBJECT)
		return INDEX_OK;
	if ((rc = add_actor(json_get(ctx, "instructor"), 0, ks)) != INDEX_OK ||
	    (rc = add_actor(json_get(ctx, "team"), 0, ks)) != INDEX_OK ||
	    (rc = add_context_agents(ctx, ks)) != INDEX_OK ||
	    (rc = add_context_activities(json_get(ctx, "contextActivities"),
	    ks)) != INDEX_OK)
		return rc;
	if (top && (reg = json_get(ctx, "registration")) &&
	    reg->type == JSON_STRING) {
		if ((rc = index_registration_hash(reg->str, reg->len, h)) !=
		    INDEX_OK)
			return rc;
		index_add(ks, INDEX_REGISTRATION, h);
	}
	return INDEX_OK;
}

static int
add_parts(const json *st, int top, struct index_keys *ks)
{
	const json *obj = json_get(st, "object"), *verb, *id;
	const char *ot = json_get_str(obj, "objectType");
	uint8_t h[INDEX_HASH_LEN];
	int rc;

	if ((rc = add_actor(json_get(st, "actor"), top, ks)) != INDEX_OK)
		return rc;
	if (top && (verb = json_get(st, "verb")) &&
	    (id = json_get(verb, "id")) && id->type == JSON_STRING) {
		if ((rc = index_hash(INDEX_VERB, id->str, id->len, h)) !=
		    INDEX_OK)
			return rc;
		index_add(ks, INDEX_VERB, h);
	}
	if (ot == NULL || strcmp(ot, "Activity") == 0)
		rc = add_activity(obj, top, ks);
	else if (strcmp(ot, "Agent") == 0 || strcmp(ot, "Group") == 0)
		rc = add_actor(obj, top, ks);
	else if (strcmp(ot, "SubStatement") == 0)
		rc = add_parts(obj, 0, ks);
	if (rc == INDEX_OK)
		rc = add_context(json_get(st, "context"), ks, top);
	if (rc == INDEX_OK && top)
		rc = add_actor(json_get(st, "authority"), 0, ks);
	return rc;
}

int
index_statement(const json *st, struct index_keys *ks)
{
	return add_parts(st, 1, ks);
}
