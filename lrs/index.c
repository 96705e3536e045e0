/* index: which keys make a statement findable by each query parameter.
 *
 * The agent filter matches the Actor and the Object; related_agents widens
 * that to every Agent or Group in the statement: authority, instructor,
 * team, contextAgents/contextGroups (2.0), members of groups, and the same
 * places inside a SubStatement.  The activity filter matches the Object;
 * related_activities widens it to context activities and SubStatement
 * parts.  Registration is the context's.
 */
#include "index.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <uuid/uuid.h>

static void
hash_parts(int tag, const char *a, size_t alen, const char *b, size_t blen,
    uint8_t out[INDEX_HASH_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char t = (unsigned char)tag, sep = 0;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, &t, 1);
	EVP_DigestUpdate(ctx, a, alen);
	if (b) {
		EVP_DigestUpdate(ctx, &sep, 1);
		EVP_DigestUpdate(ctx, b, blen);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	memcpy(out, md, INDEX_HASH_LEN);
}

void
index_hash(int tag, const char *s, size_t len, uint8_t out[INDEX_HASH_LEN])
{
	hash_parts(tag, s, len, NULL, 0, out);
}

void
index_registration_hash(const char *s, size_t len,
    uint8_t out[INDEX_HASH_LEN])
{
	char text[37];
	uuid_t u;

	/* The canonical text of a UUID is lower case (RFC 4122 3). */
	if (len == 36) {
		memcpy(text, s, 36);
		text[36] = '\0';
		if (uuid_parse(text, u) == 0) {
			uuid_unparse_lower(u, text);
			s = text;
		}
	}
	hash_parts(INDEX_REGISTRATION, s, len, NULL, 0, out);
}

void
index_authority_hash(const char *key, uint8_t out[INDEX_HASH_LEN])
{
	hash_parts(INDEX_AUTHORITY, key, strlen(key), NULL, 0, out);
}

int
index_agent_hash(const json *agent, uint8_t out[INDEX_HASH_LEN])
{
	const json *v, *acct;
	char lower[41];
	size_t i;

	if (agent == NULL || agent->type != JSON_OBJECT)
		return -1;
	if ((v = json_get(agent, "mbox")) && v->type == JSON_STRING) {
		hash_parts('m', v->str, v->len, NULL, 0, out);
		return 0;
	}
	if ((v = json_get(agent, "mbox_sha1sum")) && v->type == JSON_STRING &&
	    v->len < sizeof(lower)) {
		/* Hex digits compare without regard to case. */
		for (i = 0; i < v->len; i++)
			lower[i] = (char)((v->str[i] >= 'A' && v->str[i] <= 'F') ?
			    v->str[i] + 32 : v->str[i]);
		hash_parts('s', lower, v->len, NULL, 0, out);
		return 0;
	}
	if ((v = json_get(agent, "openid")) && v->type == JSON_STRING) {
		hash_parts('i', v->str, v->len, NULL, 0, out);
		return 0;
	}
	acct = json_get(agent, "account");
	if (acct && (v = json_get(acct, "homePage")) && v->type == JSON_STRING) {
		const json *name = json_get(acct, "name");

		if (name == NULL || name->type != JSON_STRING)
			return -1;
		hash_parts('c', v->str, v->len, name->str, name->len, out);
		return 0;
	}
	return -1;
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

/* An Agent or Group: its own IFI, and for a Group each member's. */
static void
add_actor(const json *a, int direct, struct index_keys *ks)
{
	uint8_t h[INDEX_HASH_LEN];
	const json *members;
	size_t i;

	if (a == NULL || a->type != JSON_OBJECT)
		return;
	if (index_agent_hash(a, h) == 0) {
		if (direct)
			index_add(ks, INDEX_AGENT, h);
		index_add(ks, INDEX_RELATED_AGENT, h);
	}
	members = json_get(a, "member");
	if (members && members->type == JSON_ARRAY)
		for (i = 0; i < members->n; i++)
			if (index_agent_hash(members->vals[i], h) == 0)
				index_add(ks, INDEX_RELATED_AGENT, h);
}

static void
add_activity(const json *a, int direct, struct index_keys *ks)
{
	uint8_t h[INDEX_HASH_LEN];
	const json *id;

	if (a == NULL || a->type != JSON_OBJECT)
		return;
	if ((id = json_get(a, "id")) == NULL || id->type != JSON_STRING)
		return;
	/* Activity ids share one hash space for both tags. */
	index_hash(INDEX_ACTIVITY, id->str, id->len, h);
	if (direct)
		index_add(ks, INDEX_ACTIVITY, h);
	index_add(ks, INDEX_RELATED_ACTIVITY, h);
}

static void
add_context(const json *ctx, struct index_keys *ks, int top)
{
	static const char *kinds[] = { "parent", "grouping", "category", "other" };
	const json *ca, *list, *reg, *cag;
	uint8_t h[INDEX_HASH_LEN];
	size_t i, k;

	if (ctx == NULL || ctx->type != JSON_OBJECT)
		return;
	add_actor(json_get(ctx, "instructor"), 0, ks);
	add_actor(json_get(ctx, "team"), 0, ks);
	if ((cag = json_get(ctx, "contextAgents")) && cag->type == JSON_ARRAY)
		for (i = 0; i < cag->n; i++)
			add_actor(json_get(cag->vals[i], "agent"), 0, ks);
	if ((cag = json_get(ctx, "contextGroups")) && cag->type == JSON_ARRAY)
		for (i = 0; i < cag->n; i++)
			add_actor(json_get(cag->vals[i], "group"), 0, ks);
	if ((ca = json_get(ctx, "contextActivities")) && ca->type == JSON_OBJECT)
		for (k = 0; k < 4; k++) {
			if ((list = json_get(ca, kinds[k])) == NULL)
				continue;
			if (list->type == JSON_ARRAY)
				for (i = 0; i < list->n; i++)
					add_activity(list->vals[i], 0, ks);
			else
				add_activity(list, 0, ks);
		}
	if (top && (reg = json_get(ctx, "registration")) &&
	    reg->type == JSON_STRING) {
		index_registration_hash(reg->str, reg->len, h);
		index_add(ks, INDEX_REGISTRATION, h);
	}
}

static void
add_parts(const json *st, int top, struct index_keys *ks)
{
	const json *obj = json_get(st, "object"), *verb, *id;
	const char *ot = json_get_str(obj, "objectType");
	uint8_t h[INDEX_HASH_LEN];

	add_actor(json_get(st, "actor"), top, ks);
	if (top && (verb = json_get(st, "verb")) &&
	    (id = json_get(verb, "id")) && id->type == JSON_STRING) {
		index_hash(INDEX_VERB, id->str, id->len, h);
		index_add(ks, INDEX_VERB, h);
	}
	if (ot == NULL || strcmp(ot, "Activity") == 0)
		add_activity(obj, top, ks);
	else if (strcmp(ot, "Agent") == 0 || strcmp(ot, "Group") == 0)
		add_actor(obj, top, ks);
	else if (strcmp(ot, "SubStatement") == 0)
		add_parts(obj, 0, ks);
	add_context(json_get(st, "context"), ks, top);
	if (top)
		add_actor(json_get(st, "authority"), 0, ks);
}

void
index_statement(const json *st, struct index_keys *ks)
{
	add_parts(st, 1, ks);
}
