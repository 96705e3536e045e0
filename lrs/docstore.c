/* docstore: documents, canonical Activities and Persons in LMDB.
 *
 * Key layout (integers big-endian):
 *
 *   doc      kind u8 | scope 16 | [STATE: has-registration u8 |
 *            registration 16] | SHA-256(id) 16
 *              -> version u8 (1) | updated i64 | SHA-1 20 | typelen u16 |
 *                 idlen u32 | Content-Type | id | document bytes
 *            scope is the first 16 bytes of SHA-256(kind | activityId |
 *            0 | agent IFI hash), the parts the kind uses; ids are hashed
 *            so that any id fits LMDB's key size, and kept in the value so
 *            that listing can return them.
 *   docact   SHA-256 of the Activity id (index_hash INDEX_ACTIVITY)
 *              -> canonical Activity object, JSON text
 *            SHA-256 of a Verb id (index_hash INDEX_VERB, another hash
 *            domain) -> canonical Verb {"id", "display"}, JSON text
 *   docagt   agent IFI hash (index_agent_hash) -> Person object, JSON text
 *   docmeta  "seq" -> u64, the last statement learned from
 *   docown   agent IFI hash 16 | doc key -> (empty): the State documents
 *            of each agent, so that erasing an agent finds them (Agent
 *            Profiles need none: their scope is the agent's alone).
 *            State documents written before docown existed are not in
 *            it: docstore_forget finds those through the Activities
 *            learned and those its caller names.
 *
 * The canonical Activity: every statement the LRS accepts comes from a
 * credential it trusts, so each Activity definition seen (statement
 * object, context activities, and the same inside a SubStatement) is
 * merged into the stored one: the last definition seen wins per property,
 * except that language maps (name, description) and extensions are merged
 * member by member (last seen wins per language / extension).
 *
 * The Person: every Agent with a name seen in a statement (actor, object,
 * instructor, team and group members, 2.0 context agents and groups, and
 * the same in a SubStatement) adds its name to the Person of its IFI; the
 * LRS does not link different IFIs to one person.
 */
#include "be.h"
#include "docmerge.h"
#include "docstore.h"
#include "fault.h"
#include "iso8601.h"
#include "learnmemo.h"
#include "sha2.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#define DOC_VERSION	1
#define DOC_HDR		(1 + 8 + 20 + 2 + 4)
#define PREFIX_MAX	(1 + 16 + 1 + 16)
#define KEY_MAX		(PREFIX_MAX + 16)
#define MAX_NAMES	32	/* names kept per Person */
#define MAX_DEPTH	64

struct docstore {
	store		*st;
	MDB_dbi		 doc, act, agt, meta, own;
	learnmemo	*memo;	/* what the learner last learned */
};

/* Slots of the learner's memo: objects a busy store keeps learning. */
#define MEMO_SLOTS	4096
/* The kinds of objects in the memo. */
enum { MEMO_ACTIVITY = 1, MEMO_VERB, MEMO_PERSON };

/* A stored record, decoded in place (pointers into the map). */
struct rec {
	int64_t		 updated;
	const uint8_t	*sha1;
	const char	*type;
	size_t		 typelen;
	const char	*id;
	size_t		 idlen;
	const char	*data;
	size_t		 len;
};

/* An LMDB or system code as a DOCSTORE_* code; DOCSTORE_* codes stay. */
static int
map_rc(int rc)
{
	switch (rc) {
	case 0: return DOCSTORE_OK;
	case MDB_NOTFOUND: return DOCSTORE_ENOTFOUND;
	case MDB_MAP_FULL: return DOCSTORE_EFULL;
	case ENOSPC: case EDQUOT: return DOCSTORE_ENOSPC;
	case MDB_READERS_FULL: return DOCSTORE_EBUSY;
	case MDB_CORRUPTED: case MDB_PAGE_NOTFOUND: return DOCSTORE_ECORRUPT;
	default:
		return rc < 0 && rc >= DOCSTORE_ECRYPTO ? rc : DOCSTORE_EIO;
	}
}

/* A STORE_* code as a DOCSTORE_* code. */
static int
from_store(int rc)
{
	switch (rc) {
	case STORE_OK: return DOCSTORE_OK;
	case STORE_ENOTFOUND: return DOCSTORE_ENOTFOUND;
	case STORE_EFULL: return DOCSTORE_EFULL;
	case STORE_ENOSPC: return DOCSTORE_ENOSPC;
	case STORE_EBUSY: return DOCSTORE_EBUSY;
	case STORE_ECORRUPT: return DOCSTORE_ECORRUPT;
	case STORE_ECRYPTO: return DOCSTORE_ECRYPTO;
	default: return DOCSTORE_EIO;
	}
}

const char *
docstore_strerror(int rc)
{
	switch (rc) {
	case DOCSTORE_OK: return "success";
	case DOCSTORE_ENOTFOUND: return "not found";
	case DOCSTORE_ENOTJSON: return "both documents must be JSON objects to merge";
	case DOCSTORE_EFULL: return "the store is full: its LMDB map is at its largest size";
	case DOCSTORE_EIO: return "storage failure (I/O error or LMDB failure)";
	case DOCSTORE_EINVALID: return "invalid document key";
	case DOCSTORE_ENOSPC: return "the disk is full (ENOSPC)";
	case DOCSTORE_EBUSY: return "the store is busy (every LMDB reader slot is taken); retry";
	case DOCSTORE_ECORRUPT: return "stored data is corrupt";
	case DOCSTORE_ECRYPTO: return "hashing a key failed (libcrypto)";
	default: return "unknown document store error";
	}
}

static int
sha256_16(const void *a, size_t alen, uint8_t out[16])
{
	unsigned char md[32];
	struct sha2_part part = { a, alen };

	if (FAULT("docstore.hash") != 0 || sha2_256(&part, 1, md) != 0)
		return DOCSTORE_ECRYPTO;
	memcpy(out, md, 16);
	return DOCSTORE_OK;
}

static int
sha1_hex(const void *data, size_t len, char out[41], uint8_t raw[20])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;

	if (FAULT("docstore.hash") != 0 ||
	    EVP_Digest(data, len, md, &mdlen, EVP_sha1(), NULL) != 1)
		return DOCSTORE_ECRYPTO;
	for (i = 0; i < 20; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[40] = '\0';
	if (raw)
		memcpy(raw, md, 20);
	return DOCSTORE_OK;
}

static void
hex_of(const uint8_t raw[20], char out[41])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 20; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[40] = '\0';
}

/* The key prefix of scope sc into out and its length into *len; with
 * registration nonzero a State prefix includes the registration part.
 * DOCSTORE_EINVALID when sc lacks a part its kind needs,
 * DOCSTORE_ECRYPTO. */
static int
scope_prefix(const struct docstore_scope *sc, int registration,
    uint8_t out[PREFIX_MAX], size_t *len)
{
	unsigned char md[32], k = (unsigned char)sc->kind, z = 0;
	int act = sc->kind != DOCSTORE_AGENT_PROFILE;
	int agent = sc->kind != DOCSTORE_ACTIVITY_PROFILE;
	struct sha2_part parts[4];
	size_t n = 0;

	if (sc->kind != DOCSTORE_STATE && sc->kind != DOCSTORE_ACTIVITY_PROFILE &&
	    sc->kind != DOCSTORE_AGENT_PROFILE)
		return DOCSTORE_EINVALID;
	if (act && sc->activity_id == NULL)
		return DOCSTORE_EINVALID;
	parts[n++] = (struct sha2_part){ &k, 1 };
	if (act)
		parts[n++] = (struct sha2_part){ sc->activity_id,
		    strlen(sc->activity_id) };
	parts[n++] = (struct sha2_part){ &z, 1 };
	if (agent)
		parts[n++] = (struct sha2_part){ sc->agent, INDEX_HASH_LEN };
	if (FAULT("docstore.hash") != 0 || sha2_256(parts, n, md) != 0)
		return DOCSTORE_ECRYPTO;
	out[0] = k;
	memcpy(out + 1, md, 16);
	n = 17;
	if (sc->kind == DOCSTORE_STATE && registration) {
		out[n++] = sc->has_registration ? 1 : 0;
		if (sc->has_registration)
			memcpy(out + n, sc->registration, 16);
		else
			memset(out + n, 0, 16);
		n += 16;
	}
	*len = n;
	return DOCSTORE_OK;
}

/* The key of document id of scope sc into out and its length into *len.
 * DOCSTORE_EINVALID, DOCSTORE_ECRYPTO. */
static int
doc_key(const struct docstore_scope *sc, const char *id, uint8_t out[KEY_MAX],
    size_t *len)
{
	size_t n;
	int rc;

	if (id == NULL)
		return DOCSTORE_EINVALID;
	if ((rc = scope_prefix(sc, 1, out, &n)) != DOCSTORE_OK ||
	    (rc = sha256_16(id, strlen(id), out + n)) != DOCSTORE_OK)
		return rc;
	*len = n + 16;
	return DOCSTORE_OK;
}

static int
rec_decode(const MDB_val *v, struct rec *r)
{
	const uint8_t *p = v->mv_data;
	size_t tl, il;

	if (v->mv_size < DOC_HDR || p[0] != DOC_VERSION)
		return -1;
	tl = (size_t)p[29] << 8 | p[30];
	il = (size_t)p[31] << 24 | (size_t)p[32] << 16 | (size_t)p[33] << 8 |
	    p[34];
	if (v->mv_size - DOC_HDR < tl || v->mv_size - DOC_HDR - tl < il)
		return -1;
	r->updated = (int64_t)be64_get(p + 1);
	r->sha1 = p + 9;
	r->type = (const char *)p + DOC_HDR;
	r->typelen = tl;
	r->id = r->type + tl;
	r->idlen = il;
	r->data = r->id + il;
	r->len = v->mv_size - DOC_HDR - tl - il;
	return 0;
}

/* Store a record for (id, type, data) under key k. */
static int
rec_put(MDB_txn *txn, MDB_dbi dbi, const MDB_val *k, const char *id,
    const char *type, const void *data, size_t len, int64_t updated,
    char etag[41])
{
	size_t tl = strlen(type), il = strlen(id);
	uint8_t *p;
	MDB_val v;
	int rc;

	if (tl > 0xffff)
		tl = 0xffff;
	v.mv_size = DOC_HDR + tl + il + len;
	p = xmalloc(v.mv_size);
	p[0] = DOC_VERSION;
	be64_put(p + 1, (uint64_t)updated);
	if ((rc = sha1_hex(data, len, etag, p + 9)) != DOCSTORE_OK) {
		free(p);
		return rc;
	}
	p[29] = (uint8_t)(tl >> 8);
	p[30] = (uint8_t)tl;
	p[31] = (uint8_t)(il >> 24);
	p[32] = (uint8_t)(il >> 16);
	p[33] = (uint8_t)(il >> 8);
	p[34] = (uint8_t)il;
	memcpy(p + DOC_HDR, type, tl);
	memcpy(p + DOC_HDR + tl, id, il);
	if (len)
		memcpy(p + DOC_HDR + tl + il, data, len);
	v.mv_data = p;
	rc = mdb_put(txn, dbi, (MDB_val *)k, &v, 0);
	free(p);
	return rc;
}

/* Read a JSON text value of db under key k into a new tree. */
static int
get_json(MDB_txn *txn, MDB_dbi dbi, const uint8_t k16[16], json **out)
{
	MDB_val k = { 16, (void *)k16 }, v;
	int rc;

	*out = NULL;
	if ((rc = mdb_get(txn, dbi, &k, &v)) != 0)
		return rc;
	if (json_parse(v.mv_data, v.mv_size, MAX_DEPTH, out, NULL, 0) != 0)
		return MDB_CORRUPTED;
	return 0;
}

static int
put_json(MDB_txn *txn, MDB_dbi dbi, const uint8_t k16[16], const json *j)
{
	MDB_val k = { 16, (void *)k16 }, v;
	struct buf b = BUF_INIT;
	int rc;

	json_dump(j, &b);
	v.mv_size = b.len;
	v.mv_data = b.p;
	rc = mdb_put(txn, dbi, &k, &v, 0);
	buf_free(&b);
	return rc;
}

int
docstore_merge_definition(json *cur, const json *def)
{
	static const char *maps[] = { "name", "description", "extensions", NULL };
	int changed = 0;
	size_t i, k;
	json *have;

	if (cur == NULL || def == NULL || def->type != JSON_OBJECT)
		return 0;
	for (i = 0; i < def->n; i++) {
		have = json_get(cur, def->keys[i]);
		for (k = 0; maps[k]; k++)
			if (strcmp(def->keys[i], maps[k]) == 0)
				break;
		if (maps[k] && have && have->type == JSON_OBJECT &&
		    def->vals[i]->type == JSON_OBJECT) {
			changed |= docmerge_members(have, def->vals[i]);
			continue;
		}
		if (have && json_equal(have, def->vals[i]))
			continue;
		json_set(cur, def->keys[i], json_clone(def->vals[i]));
		changed = 1;
	}
	return changed;
}

/* The canonical object of id under key k in txn (*cur, caller frees), or
 * a new {"id": id} when there is none yet (or, in theory, the hash
 * collides with another id); *fresh says which. */
static int
canonical_load(docstore *ds, MDB_txn *txn, const uint8_t k[INDEX_HASH_LEN],
    const json *id, json **cur, int *fresh)
{
	int rc;

	*cur = NULL;
	*fresh = 0;
	rc = get_json(txn, ds->act, k, cur);
	if (rc == 0 && (*cur)->type == JSON_OBJECT &&
	    json_is_str(json_get(*cur, "id"), id->str))
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	json_free(*cur);
	*cur = json_new(JSON_OBJECT);
	json_set(*cur, "id", json_new_strn(id->str, id->len));
	*fresh = 1;
	return 0;
}

/* Whether learning in (kind, name) again is known to change nothing:
 * what is stored under its key is exactly what learning an equal input
 * left last time (see learnmemo.h). */
static int
learned(docstore *ds, MDB_txn *txn, MDB_dbi dbi, int kind, const char *name,
    size_t nlen, const json *in)
{
	uint8_t k[LEARNMEMO_KEY_LEN];
	MDB_val kv = { sizeof(k), k }, v;
	void *bytes;
	size_t len;
	int same;

	if (!learnmemo_find(ds->memo, kind, name, nlen, in, k, &bytes, &len))
		return 0;
	same = mdb_get(txn, dbi, &kv, &v) == 0 && v.mv_size == len &&
	    memcmp(v.mv_data, bytes, len) == 0;
	free(bytes);
	return same;
}

/* Remember what learning in (kind, name) left under key k. */
static void
remember(docstore *ds, MDB_txn *txn, MDB_dbi dbi, int kind, const char *name,
    size_t nlen, const json *in, const uint8_t k[INDEX_HASH_LEN])
{
	MDB_val kv = { INDEX_HASH_LEN, (void *)k }, v;

	if (mdb_get(txn, dbi, &kv, &v) == 0)
		learnmemo_put(ds->memo, kind, name, nlen, in, k, v.mv_data,
		    v.mv_size);
}

/* Learn one Activity object. */
static int
learn_activity(docstore *ds, MDB_txn *txn, const json *a)
{
	const json *id = json_get(a, "id"), *def = json_get(a, "definition");
	uint8_t k[INDEX_HASH_LEN];
	json *cur = NULL, *have;
	int rc, changed = 0;

	if (id == NULL || id->type != JSON_STRING || def == NULL ||
	    def->type != JSON_OBJECT || def->n == 0 ||
	    learned(ds, txn, ds->act, MEMO_ACTIVITY, id->str, id->len, a))
		return 0;
	if (index_hash(INDEX_ACTIVITY, id->str, id->len, k) != INDEX_OK)
		return DOCSTORE_ECRYPTO;
	if ((rc = canonical_load(ds, txn, k, id, &cur, &changed)) != 0)
		return rc;
	if (changed) {
		/* objectType first, as an Activity is usually written. */
		json *idv = json_take(cur, "id");

		json_set(cur, "objectType", json_new_str("Activity"));
		json_set(cur, "id", idv);
	}
	have = json_get(cur, "definition");
	if (have == NULL || have->type != JSON_OBJECT) {
		json_set(cur, "definition", json_new(JSON_OBJECT));
		have = json_get(cur, "definition");
		changed = 1;
	}
	changed |= docstore_merge_definition(have, def);
	rc = changed ? put_json(txn, ds->act, k, cur) : 0;
	json_free(cur);
	if (rc == 0)
		remember(ds, txn, ds->act, MEMO_ACTIVITY, id->str, id->len, a, k);
	return rc;
}

/* Learn one Verb: its display, merged language by language. */
static int
learn_verb(docstore *ds, MDB_txn *txn, const json *v)
{
	const json *id = json_get(v, "id"), *display = json_get(v, "display");
	uint8_t k[INDEX_HASH_LEN];
	json *cur = NULL, *have;
	int rc, changed = 0;

	if (id == NULL || id->type != JSON_STRING || display == NULL ||
	    display->type != JSON_OBJECT || display->n == 0 ||
	    learned(ds, txn, ds->act, MEMO_VERB, id->str, id->len, v))
		return 0;
	if (index_hash(INDEX_VERB, id->str, id->len, k) != INDEX_OK)
		return DOCSTORE_ECRYPTO;
	if ((rc = canonical_load(ds, txn, k, id, &cur, &changed)) != 0)
		return rc;
	have = json_get(cur, "display");
	if (have == NULL || have->type != JSON_OBJECT) {
		json_set(cur, "display", json_new(JSON_OBJECT));
		have = json_get(cur, "display");
	}
	changed |= docmerge_members(have, display);
	rc = changed ? put_json(txn, ds->act, k, cur) : 0;
	json_free(cur);
	if (rc == 0)
		remember(ds, txn, ds->act, MEMO_VERB, id->str, id->len, v, k);
	return rc;
}

/* Each Activity of a contextActivities member: an array, or (1.0.3) one
 * object. */
static int
learn_context_activities(docstore *ds, MDB_txn *txn, const json *ca)
{
	static const char *kinds[] = { "parent", "grouping", "category", "other",
	    NULL };
	const json *v;
	size_t i, k;
	int rc;

	if (ca == NULL || ca->type != JSON_OBJECT)
		return 0;
	for (k = 0; kinds[k]; k++) {
		if ((v = json_get(ca, kinds[k])) == NULL)
			continue;
		if (v->type == JSON_OBJECT) {
			if ((rc = learn_activity(ds, txn, v)) != 0)
				return rc;
			continue;
		}
		for (i = 0; v->type == JSON_ARRAY && i < v->n; i++)
			if ((rc = learn_activity(ds, txn, v->vals[i])) != 0)
				return rc;
	}
	return 0;
}

/* The member of a Person that holds IFIs of agent's kind, and the value. */
static const char *
ifi_of(const json *agent, const json **val)
{
	static const char *names[] = { "mbox", "mbox_sha1sum", "openid",
	    "account", NULL };
	size_t i;

	for (i = 0; names[i]; i++)
		if ((*val = json_get(agent, names[i])) != NULL)
			return names[i];
	return NULL;
}

/* Add v to array member key of obj unless an equal value is there;
 * nonzero when added. */
static int
add_unique(json *obj, const char *key, const json *v, size_t max)
{
	json *arr = json_get(obj, key);
	size_t i;

	if (arr == NULL || arr->type != JSON_ARRAY) {
		json_set(obj, key, json_new(JSON_ARRAY));
		arr = json_get(obj, key);
	}
	for (i = 0; i < arr->n; i++)
		if (json_equal(arr->vals[i], v))
			return 0;
	if (arr->n >= max)
		return 0;
	json_push(arr, json_clone(v));
	return 1;
}

/* A new Person holding agent's IFI (and name when it has one). */
static json *
person_new(const json *agent)
{
	json *p = json_new(JSON_OBJECT);
	const json *val, *name = json_get(agent, "name");
	const char *field;

	json_set(p, "objectType", json_new_str("Person"));
	json_set(p, "name", json_new(JSON_ARRAY));
	if (name && name->type == JSON_STRING)
		add_unique(p, "name", name, MAX_NAMES);
	if ((field = ifi_of(agent, &val)) != NULL)
		add_unique(p, field, val, MAX_NAMES);
	return p;
}

/* Learn the name of one Agent, or of each member of a Group. */
static int
learn_agent(docstore *ds, MDB_txn *txn, const json *a)
{
	const json *name, *members;
	uint8_t k[INDEX_HASH_LEN];
	json *cur = NULL;
	size_t i;
	int rc;

	if (a == NULL || a->type != JSON_OBJECT)
		return 0;
	if (json_is_str(json_get(a, "objectType"), "Group")) {
		members = json_get(a, "member");
		for (i = 0; members && members->type == JSON_ARRAY &&
		    i < members->n; i++)
			if ((rc = learn_agent(ds, txn, members->vals[i])) != 0)
				return rc;
		return 0;
	}
	name = json_get(a, "name");
	if (name == NULL || name->type != JSON_STRING ||
	    learned(ds, txn, ds->agt, MEMO_PERSON, name->str, name->len, a))
		return 0;
	if ((rc = index_agent_hash(a, k)) != INDEX_OK)
		return rc == INDEX_ENOIFI ? 0 : DOCSTORE_ECRYPTO;
	rc = get_json(txn, ds->agt, k, &cur);
	if (rc == MDB_NOTFOUND || (rc == 0 && cur->type != JSON_OBJECT)) {
		json_free(cur);
		cur = person_new(a);
		rc = put_json(txn, ds->agt, k, cur);
	} else if (rc == 0 && add_unique(cur, "name", name, MAX_NAMES))
		rc = put_json(txn, ds->agt, k, cur);
	json_free(cur);
	if (rc == 0)
		remember(ds, txn, ds->agt, MEMO_PERSON, name->str, name->len, a,
		    k);
	return rc;
}

/* The Activities and Agents of a statement or SubStatement. */
static int
learn_body(docstore *ds, MDB_txn *txn, const json *st, int depth)
{
	const json *obj = json_get(st, "object"), *ctx = json_get(st, "context");
	const json *ot = json_get(obj, "objectType"), *arr;
	size_t i;
	int rc;

	if ((rc = learn_agent(ds, txn, json_get(st, "actor"))) != 0 ||
	    (rc = learn_verb(ds, txn, json_get(st, "verb"))) != 0)
		return rc;
	if (obj && (ot == NULL || json_is_str(ot, "Activity")))
		rc = learn_activity(ds, txn, obj);
	else if (json_is_str(ot, "Agent") || json_is_str(ot, "Group"))
		rc = learn_agent(ds, txn, obj);
	else if (json_is_str(ot, "SubStatement") && depth == 0)
		rc = learn_body(ds, txn, obj, depth + 1);
	if (rc != 0 || ctx == NULL || ctx->type != JSON_OBJECT)
		return rc;
	if ((rc = learn_context_activities(ds, txn,
	    json_get(ctx, "contextActivities"))) != 0 ||
	    (rc = learn_agent(ds, txn, json_get(ctx, "instructor"))) != 0 ||
	    (rc = learn_agent(ds, txn, json_get(ctx, "team"))) != 0)
		return rc;
	arr = json_get(ctx, "contextAgents");
	for (i = 0; arr && arr->type == JSON_ARRAY && i < arr->n; i++)
		if ((rc = learn_agent(ds, txn,
		    json_get(arr->vals[i], "agent"))) != 0)
			return rc;
	arr = json_get(ctx, "contextGroups");
	for (i = 0; arr && arr->type == JSON_ARRAY && i < arr->n; i++)
		if ((rc = learn_agent(ds, txn,
		    json_get(arr->vals[i], "group"))) != 0)
			return rc;
	return 0;
}

int
docstore_learn(docstore *ds, MDB_txn *txn, const json *st)
{
	int rc;

	if (st == NULL || st->type != JSON_OBJECT)
		return DOCSTORE_OK;
	rc = learn_body(ds, txn, st, 0);
	return map_rc(rc);
}

static int
meta_seq(MDB_txn *txn, docstore *ds, uint64_t *seq, int set)
{
	MDB_val k = { 3, "seq" }, v;
	uint8_t b[8];
	int rc;

	if (set) {
		be64_put(b, *seq);
		v.mv_size = 8;
		v.mv_data = b;
		return mdb_put(txn, ds->meta, &k, &v, 0);
	}
	*seq = 0;
	rc = mdb_get(txn, ds->meta, &k, &v);
	if (rc == 0 && v.mv_size == 8)
		*seq = be64_get(v.mv_data);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The store's subscriber: learn from each statement as it is stored.
 * Returns LMDB's codes, which the store tells apart. */
static int
subscriber(void *arg, MDB_txn *txn, uint64_t seq, const json *st)
{
	docstore *ds = arg;
	int rc;

	if (st->type == JSON_OBJECT && (rc = learn_body(ds, txn, st, 0)) != 0)
		return rc == DOCSTORE_ECRYPTO ? STORE_ECRYPTO : rc;
	return meta_seq(txn, ds, &seq, 1);
}

/* Learn from the statements stored after the last one learned. */
static int
replay(docstore *ds, MDB_txn *txn)
{
	uint64_t seq;
	const char *text;
	size_t len;
	json *st;
	int rc;

	if ((rc = meta_seq(txn, ds, &seq, 0)) != 0)
		return rc;
	for (;;) {
		rc = store_get_seq(txn, ds->st, seq + 1, &text, &len);
		if (rc == STORE_ENOTFOUND)
			return 0;
		if (rc != STORE_OK)
			return from_store(rc);
		seq++;
		st = NULL;
		if (json_parse(text, len, MAX_DEPTH, &st, NULL, 0) != 0)
			return MDB_CORRUPTED;
		rc = docstore_learn(ds, txn, st);
		json_free(st);
		if (rc != 0 || (rc = meta_seq(txn, ds, &seq, 1)) != 0)
			return rc;
	}
}

int
docstore_open(store *st, docstore **out)
{
	docstore *ds = xcalloc(1, sizeof(*ds));
	MDB_txn *txn = NULL;
	int rc;

	*out = NULL;
	ds->st = st;
	ds->memo = learnmemo_new(MEMO_SLOTS);
	if ((rc = store_txn_begin(st, 0, &txn)) != STORE_OK) {
		txn = NULL;
		rc = from_store(rc);
		goto out;
	}
	if ((rc = mdb_dbi_open(txn, "doc", MDB_CREATE, &ds->doc)) != 0 ||
	    (rc = mdb_dbi_open(txn, "docact", MDB_CREATE, &ds->act)) != 0 ||
	    (rc = mdb_dbi_open(txn, "docagt", MDB_CREATE, &ds->agt)) != 0 ||
	    (rc = mdb_dbi_open(txn, "docmeta", MDB_CREATE, &ds->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "docown", MDB_CREATE, &ds->own)) != 0)
		goto out;
	if ((rc = replay(ds, txn)) != 0)
		goto out;
	rc = store_txn_commit(st, txn);
	txn = NULL;
	if (rc != STORE_OK) {
		rc = from_store(rc);
		goto out;
	}
	if ((rc = store_subscribe(st, subscriber, ds)) != STORE_OK) {
		rc = from_store(rc);
		goto out;
	}
	*out = ds;
out:
	if (txn)
		store_txn_abort(st, txn);
	if (*out == NULL) {
		learnmemo_free(ds->memo);
		free(ds);
		return map_rc(rc);
	}
	return DOCSTORE_OK;
}

void
docstore_close(docstore *ds)
{
	if (ds)
		learnmemo_free(ds->memo);
	free(ds);
}

void
docstore_doc_free(struct docstore_doc *d)
{
	free(d->type);
	free(d->data);
	memset(d, 0, sizeof(*d));
}

void
docstore_ids_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int
docstore_get(docstore *ds, const struct docstore_scope *sc, const char *id,
    struct docstore_doc *out)
{
	uint8_t kb[KEY_MAX];
	MDB_val k, v;
	store_read *r;
	struct rec rec;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = doc_key(sc, id, kb, &k.mv_size)) != DOCSTORE_OK)
		return rc;
	k.mv_data = kb;
	if ((rc = store_read_begin(ds->st, &r)) != STORE_OK)
		return from_store(rc);
	rc = mdb_get(store_read_txn(r), ds->doc, &k, &v);
	if (rc == 0 && rec_decode(&v, &rec) != 0)
		rc = MDB_CORRUPTED;
	if (rc == 0) {
		out->type = xstrndup(rec.type, rec.typelen);
		out->data = xstrndup(rec.data, rec.len);
		out->len = rec.len;
		out->updated = rec.updated;
		hex_of(rec.sha1, out->etag);
	}
	store_read_end(r);
	return map_rc(rc);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
docstore_list(docstore *ds, const struct docstore_scope *sc, int64_t since,
    char ***ids, size_t *n, int64_t *newest)
{
	uint8_t prefix[PREFIX_MAX];
	size_t plen, cap = 0, i, o;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	store_read *r;
	struct rec rec;
	int rc;

	*ids = NULL;
	*n = 0;
	*newest = 0;
	if ((rc = scope_prefix(sc, sc->kind == DOCSTORE_STATE &&
	    sc->has_registration, prefix, &plen)) != DOCSTORE_OK)
		return rc;
	if ((rc = store_read_begin(ds->st, &r)) != STORE_OK)
		return from_store(rc);
	if ((rc = mdb_cursor_open(store_read_txn(r), ds->doc, &cur)) != 0)
		goto out;
	k.mv_size = plen;
	k.mv_data = prefix;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (rec_decode(&v, &rec) != 0) {
			rc = MDB_CORRUPTED;
			goto out;
		}
		if (rec.updated <= since)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = xstrndup(rec.id, rec.idlen);
		if (rec.updated > *newest)
			*newest = rec.updated;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	/* The same id may be stored under several registrations. */
	if (*n > 1) {
		qsort(*ids, *n, sizeof(**ids), cmp_str);
		for (i = 1, o = 1; i < *n; i++) {
			if (strcmp((*ids)[i], (*ids)[o - 1]) == 0)
				free((*ids)[i]);
			else
				(*ids)[o++] = (*ids)[i];
		}
		*n = o;
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	store_read_end(r);
	if (rc != 0) {
		docstore_ids_free(*ids, *n);
		*ids = NULL;
		*n = 0;
	}
	return map_rc(rc);
}

/* The merge of a POST into stored document cur: new bytes in *out. */
static int
merge_doc(const struct rec *cur, const struct docstore_write *w,
    struct buf *out)
{
	if (docmerge(cur->type, cur->typelen, cur->data, cur->len, w->type,
	    w->data, w->len, out) != 0)
		return DOCSTORE_ENOTJSON;
	return DOCSTORE_OK;
}

/* What docstore_write hands to the store's writer. */
struct write_job {
	docstore		*ds;
	struct docstore_write	*w;
	uint8_t			 key[KEY_MAX];
	size_t			 keylen;
	int			 owned;		/* a State document */
	uint8_t			 owner[INDEX_HASH_LEN];
};

/* Record (or, with del, forget) that agent owner holds document key
 * (len bytes) when owned is set. */
static int
own_set(docstore *ds, MDB_txn *txn, int owned, const uint8_t *owner,
    const uint8_t *key, size_t len, int del)
{
	uint8_t kb[INDEX_HASH_LEN + KEY_MAX];
	MDB_val k = { INDEX_HASH_LEN + len, kb }, v = { 0, "" };
	int rc;

	if (!owned)
		return 0;
	memcpy(kb, owner, INDEX_HASH_LEN);
	memcpy(kb + INDEX_HASH_LEN, key, len);
	rc = del ? mdb_del(txn, ds->own, &k, NULL) :
	    mdb_put(txn, ds->own, &k, &v, 0);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The write itself, in the writer's transaction: returns 0, a
 * DOCSTORE_* code, or what the precondition check said. */
static int
write_in(void *arg, MDB_txn *txn)
{
	struct write_job *job = arg;
	docstore *ds = job->ds;
	struct docstore_write *w = job->w;
	struct docstore_doc view;
	struct buf merged = BUF_INIT;
	struct rec cur;
	MDB_val k = { job->keylen, job->key }, v;
	char *type = NULL;
	int rc, ret = 0, exists;

	rc = mdb_get(txn, ds->doc, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	exists = rc == 0;
	rc = 0;
	if (exists && rec_decode(&v, &cur) != 0) {
		rc = MDB_CORRUPTED;
		goto out;
	}
	if (w->check) {
		if (exists) {
			/* The data stays in the map: not NUL-terminated. */
			type = xstrndup(cur.type, cur.typelen);
			view.type = type;
			view.data = (char *)cur.data;
			view.len = cur.len;
			view.updated = cur.updated;
			hex_of(cur.sha1, view.etag);
		}
		if ((ret = w->check(w->arg, exists ? &view : NULL)) != 0)
			goto out;
	}
	switch (w->op) {
	case DOCSTORE_DELETE:
		if (exists && (rc = mdb_del(txn, ds->doc, &k, NULL)) == 0)
			rc = own_set(ds, txn, job->owned, job->owner, job->key,
			    job->keylen, 1);
		break;
	case DOCSTORE_POST:
		if (exists) {
			if ((ret = merge_doc(&cur, w, &merged)) != 0)
				goto out;
			w->updated = iso8601_now();
			rc = rec_put(txn, ds->doc, &k, w->id, w->type,
			    merged.p ? merged.p : "", merged.len, w->updated,
			    w->etag);
			break;
		}
		/* FALLTHROUGH */
	case DOCSTORE_PUT:
		w->updated = iso8601_now();
		rc = rec_put(txn, ds->doc, &k, w->id,
		    w->type ? w->type : "application/octet-stream",
		    w->data ? w->data : "", w->len, w->updated, w->etag);
		break;
	default:
		ret = DOCSTORE_EINVALID;
	}
	if (rc == 0 && ret == 0 && w->op != DOCSTORE_DELETE)
		rc = own_set(ds, txn, job->owned, job->owner, job->key,
		    job->keylen, 0);
out:
	free(type);
	buf_free(&merged);
	/* A full map as LMDB said it: the store then grows the map. */
	return ret ? ret : rc == MDB_MAP_FULL ? rc : map_rc(rc);
}

int
docstore_write(docstore *ds, const struct docstore_scope *sc,
    struct docstore_write *w)
{
	struct write_job job;
	int rc, ret;

	w->etag[0] = '\0';
	w->updated = 0;
	job.ds = ds;
	job.w = w;
	job.owned = sc->kind == DOCSTORE_STATE;
	memcpy(job.owner, sc->agent, INDEX_HASH_LEN);
	if ((rc = doc_key(sc, w->id, job.key, &job.keylen)) != DOCSTORE_OK)
		return rc;
	/* Document writes share the statements' group commits. */
	rc = store_exec(ds->st, write_in, &job, &ret);
	if (rc != STORE_OK)
		ret = from_store(rc);
	else if (ret == MDB_MAP_FULL)
		ret = DOCSTORE_EFULL;
	/* Anything that did not commit changes nothing. */
	if (ret != 0)
		w->etag[0] = '\0';
	return ret;
}

/* What docstore_delete_all hands to the store's writer. */
struct delete_job {
	docstore	*ds;
	uint8_t		 prefix[PREFIX_MAX];
	size_t		 plen;
	size_t		 count;
	int		 owned;		/* State documents */
	uint8_t		 owner[INDEX_HASH_LEN];
};

static int
delete_in(void *arg, MDB_txn *txn)
{
	struct delete_job *job = arg;
	uint8_t (*keys)[KEY_MAX] = NULL;
	size_t *lens = NULL, count = 0, cap = 0, i;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, job->ds->doc, &cur)) != 0)
		goto out;
	/* Collect the keys first: deleting under a moving cursor is
	 * subtle. */
	k.mv_size = job->plen;
	k.mv_data = job->prefix;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < job->plen || k.mv_size > KEY_MAX ||
		    memcmp(k.mv_data, job->prefix, job->plen) != 0)
			break;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			keys = xrealloc(keys, cap * sizeof(*keys));
			lens = xrealloc(lens, cap * sizeof(*lens));
		}
		memcpy(keys[count], k.mv_data, k.mv_size);
		lens[count++] = k.mv_size;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	mdb_cursor_close(cur);
	cur = NULL;
	for (i = 0; i < count; i++) {
		k.mv_size = lens[i];
		k.mv_data = keys[i];
		if ((rc = mdb_del(txn, job->ds->doc, &k, NULL)) != 0 ||
		    (rc = own_set(job->ds, txn, job->owned, job->owner,
		    keys[i], lens[i], 1)) != 0)
			goto out;
	}
	rc = 0;
	job->count = count;
out:
	if (cur)
		mdb_cursor_close(cur);
	free(keys);
	free(lens);
	return rc == MDB_MAP_FULL ? rc : map_rc(rc);
}

int
docstore_delete_all(docstore *ds, const struct docstore_scope *sc, size_t *n)
{
	struct delete_job job;
	int rc, ret;

	if (n)
		*n = 0;
	job.ds = ds;
	job.count = 0;
	job.owned = sc->kind == DOCSTORE_STATE;
	memcpy(job.owner, sc->agent, INDEX_HASH_LEN);
	if ((rc = scope_prefix(sc, sc->kind == DOCSTORE_STATE &&
	    sc->has_registration, job.prefix, &job.plen)) != DOCSTORE_OK)
		return rc;
	rc = store_exec(ds->st, delete_in, &job, &ret);
	if (rc != STORE_OK)
		return from_store(rc);
	if (ret == MDB_MAP_FULL)
		ret = DOCSTORE_EFULL;
	if (ret == 0 && n)
		*n = job.count;
	return ret;
}

/* The canonical object stored in docact under (tag, id). */
static int
canonical_get(docstore *ds, int tag, const char *id, json **out)
{
	uint8_t k[INDEX_HASH_LEN];
	store_read *r;
	int rc;

	*out = NULL;
	if (index_hash(tag, id, strlen(id), k) != INDEX_OK)
		return DOCSTORE_ECRYPTO;
	if ((rc = store_read_begin(ds->st, &r)) != STORE_OK)
		return from_store(rc);
	rc = get_json(store_read_txn(r), ds->act, k, out);
	store_read_end(r);
	if (rc == 0 && !json_is_str(json_get(*out, "id"), id)) {
		json_free(*out);
		*out = NULL;
		rc = MDB_NOTFOUND;
	}
	return map_rc(rc);
}

int
docstore_verb(docstore *ds, const char *id, json **out)
{
	return canonical_get(ds, INDEX_VERB, id, out);
}

int
docstore_activity(docstore *ds, const char *id, json **out)
{
	return canonical_get(ds, INDEX_ACTIVITY, id, out);
}

int
docstore_person(docstore *ds, const json *agent, json **out)
{
	uint8_t ifi[INDEX_HASH_LEN];
	const json *val, *name;
	const char *field;
	store_read *r;
	int rc;

	*out = NULL;
	if ((rc = index_agent_hash(agent, ifi)) != INDEX_OK)
		return rc == INDEX_ENOIFI ? DOCSTORE_EINVALID : DOCSTORE_ECRYPTO;
	if ((rc = store_read_begin(ds->st, &r)) != STORE_OK)
		return from_store(rc);
	rc = get_json(store_read_txn(r), ds->agt, ifi, out);
	store_read_end(r);
	if (rc == MDB_NOTFOUND || (rc == 0 && (*out)->type != JSON_OBJECT)) {
		json_free(*out);
		*out = person_new(agent);
		return DOCSTORE_OK;
	}
	if (rc != 0)
		return map_rc(rc);
	name = json_get(agent, "name");
	if (name && name->type == JSON_STRING)
		add_unique(*out, "name", name, MAX_NAMES + 1);
	else if (json_get(*out, "name") == NULL)
		json_set(*out, "name", json_new(JSON_ARRAY));
	if ((field = ifi_of(agent, &val)) != NULL)
		add_unique(*out, field, val, MAX_NAMES + 1);
	return DOCSTORE_OK;
}

/* Count (and with apply, delete) the document under key k (klen bytes). */
static int
forget_doc(docstore *ds, MDB_txn *txn, const void *k, size_t klen, int apply,
    struct docstore_forgot *out)
{
	MDB_val key = { klen, (void *)k }, v;
	struct rec r;
	int rc;

	if ((rc = mdb_get(txn, ds->doc, &key, &v)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (rec_decode(&v, &r) != 0)
		return MDB_CORRUPTED;
	out->documents++;
	out->bytes += r.len;
	return apply ? mdb_del(txn, ds->doc, &key, NULL) : 0;
}

/* The keys of dbi that begin with prefix (plen bytes), copied. */
static int
keys_under(MDB_txn *txn, MDB_dbi dbi, const uint8_t *prefix, size_t plen,
    uint8_t (**keys)[INDEX_HASH_LEN + KEY_MAX], size_t **lens, size_t *n)
{
	MDB_cursor *c;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc;

	*keys = NULL;
	*lens = NULL;
	*n = 0;
	if ((rc = mdb_cursor_open(txn, dbi, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || k.mv_size > INDEX_HASH_LEN + KEY_MAX ||
		    memcmp(k.mv_data, prefix, plen) != 0)
			break;
		*keys = xrealloc(*keys, (*n + 1) * sizeof(**keys));
		*lens = xrealloc(*lens, (*n + 1) * sizeof(**lens));
		memcpy((*keys)[*n], k.mv_data, k.mv_size);
		(*lens)[(*n)++] = k.mv_size;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Whether docown lists document key k (klen bytes) for agent. */
static int
owned_by(docstore *ds, MDB_txn *txn, const uint8_t *agent, const uint8_t *k,
    size_t klen, int *yes)
{
	uint8_t kb[INDEX_HASH_LEN + KEY_MAX];
	MDB_val key = { INDEX_HASH_LEN + klen, kb }, v;
	int rc;

	memcpy(kb, agent, INDEX_HASH_LEN);
	memcpy(kb + INDEX_HASH_LEN, k, klen);
	rc = mdb_get(txn, ds->own, &key, &v);
	*yes = rc == 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The State documents of agent for Activity id that docown does not list
 * (written before it existed). */
static int
forget_unlisted(docstore *ds, MDB_txn *txn, const uint8_t *agent,
    const char *id, int apply, struct docstore_forgot *out)
{
	struct docstore_scope sc = { DOCSTORE_STATE, id, { 0 }, 0, { 0 } };
	uint8_t (*keys)[INDEX_HASH_LEN + KEY_MAX] = NULL, prefix[PREFIX_MAX];
	size_t *lens = NULL, n = 0, i, plen;
	int rc, listed;

	memcpy(sc.agent, agent, INDEX_HASH_LEN);
	if ((rc = scope_prefix(&sc, 0, prefix, &plen)) != 0 ||
	    (rc = keys_under(txn, ds->doc, prefix, plen, &keys, &lens,
	    &n)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		if ((rc = owned_by(ds, txn, agent, keys[i], lens[i],
		    &listed)) == 0 && !listed)
			rc = forget_doc(ds, txn, keys[i], lens[i], apply, out);
out:
	free(keys);
	free(lens);
	return rc;
}

static int
cmp_str_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* State documents older than docown: found through every Activity the
 * LRS learned a definition of, and acts[0..nacts). */
static int
forget_legacy(docstore *ds, MDB_txn *txn, const uint8_t *agent,
    char *const *acts, size_t nacts, int apply, struct docstore_forgot *out)
{
	size_t i;

	uint8_t h[INDEX_HASH_LEN];
	MDB_cursor *c;
	MDB_val k, v;
	const char *id;
	json *a;
	int rc;

	if ((rc = mdb_cursor_open(txn, ds->act, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		a = NULL;
		if (json_parse(v.mv_data, v.mv_size, MAX_DEPTH, &a, NULL,
		    0) != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		/* Verbs share the database under another hash domain. */
		if ((id = json_get_str(a, "id")) != NULL && k.mv_size ==
		    INDEX_HASH_LEN && index_hash(INDEX_ACTIVITY, id, strlen(id),
		    h) == INDEX_OK && memcmp(h, k.mv_data, INDEX_HASH_LEN) == 0 &&
		    (nacts == 0 || bsearch(&id, acts, nacts, sizeof(*acts),
		    cmp_str_p) == NULL))
			rc = forget_unlisted(ds, txn, agent, id, apply, out);
		json_free(a);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return rc;
	for (rc = 0, i = 0; i < nacts && rc == 0; i++)
		rc = forget_unlisted(ds, txn, agent, acts[i], apply, out);
	return rc;
}

int
docstore_forget(docstore *ds, MDB_txn *txn, const uint8_t agent[INDEX_HASH_LEN],
    char *const *acts, size_t nacts, int apply, struct docstore_forgot *out)
{
	struct docstore_scope sc = { DOCSTORE_AGENT_PROFILE, NULL, { 0 }, 0,
	    { 0 } };
	uint8_t (*keys)[INDEX_HASH_LEN + KEY_MAX] = NULL, prefix[PREFIX_MAX];
	size_t *lens = NULL, n, i, plen;
	MDB_val k = { INDEX_HASH_LEN, (void *)agent }, v;
	int rc;

	memset(out, 0, sizeof(*out));
	/* State documents, through docown. */
	if ((rc = keys_under(txn, ds->own, agent, INDEX_HASH_LEN, &keys, &lens,
	    &n)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++) {
		rc = forget_doc(ds, txn, keys[i] + INDEX_HASH_LEN,
		    lens[i] - INDEX_HASH_LEN, apply, out);
		if (rc == 0 && apply)
			rc = own_set(ds, txn, 1, agent, keys[i] + INDEX_HASH_LEN,
			    lens[i] - INDEX_HASH_LEN, 1);
	}
	free(keys);
	free(lens);
	keys = NULL;
	lens = NULL;
	if (rc == 0)
		rc = forget_legacy(ds, txn, agent, acts, nacts, apply, out);
	/* Agent Profiles: their scope is the agent's. */
	memcpy(sc.agent, agent, INDEX_HASH_LEN);
	if (rc != 0 || (rc = scope_prefix(&sc, 0, prefix, &plen)) != 0 ||
	    (rc = keys_under(txn, ds->doc, prefix, plen, &keys, &lens,
	    &n)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		rc = forget_doc(ds, txn, keys[i], lens[i], apply, out);
	/* The Person learned from statements. */
	if (rc == 0 && (rc = mdb_get(txn, ds->agt, &k, &v)) == 0) {
		out->person = 1;
		if (apply)
			rc = mdb_del(txn, ds->agt, &k, NULL);
	} else if (rc == MDB_NOTFOUND)
		rc = 0;
out:
	free(keys);
	free(lens);
	return rc == MDB_MAP_FULL ? rc : map_rc(rc);
}
