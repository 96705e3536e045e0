/* cred: HTTP Basic credentials kept in LMDB, hashed with PBKDF2, with a
 * cache of verified credentials so a request does not pay for a hash.
 *
 * Database "cred": key (the Basic user name, its bytes without a NUL) ->
 * record, binary, big-endian, version 1:
 *
 *	off  size
 *	0    1    algorithm: 1 = PBKDF2-HMAC-SHA256
 *	1    4    iterations
 *	5    4    scopes (CRED_* bits)
 *	9    8    created, microseconds since the epoch (signed)
 *	17   1    salt length S (8..64; 16 when written here)
 *	18   S    salt
 *	18+S 1    hash length H (16..64; 32 when written here)
 *	19+S H    hash
 *
 * The algorithm, iterations, salt and hash lengths are in every record, so
 * new credentials can use stronger parameters while old ones still verify.
 *
 * The cache: 64 sets of 4 ways, chosen by an HMAC-SHA256 tag (key drawn at
 * cred_open) of the decoded "key:secret".  A slot keeps the tag, the key and
 * a copy of the record the secret was verified against; a hit is trusted
 * only if the record in LMDB is still byte-for-byte that copy (a new salt
 * makes any re-added credential differ), which one read transaction tells.
 * Only successful checks enter the cache.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cred.h"
#include "base64.h"
#include "fault.h"
#include "iso8601.h"
#include "xalloc.h"

#define ALG_PBKDF2_SHA256	1
#define PBKDF2_ITER		100000	/* for new records */
#define ITER_LIMIT		10000000 /* refuse records that would stall us */
#define SALT_LEN		16
#define HASH_LEN		32
#define SALT_MIN		8
#define SALT_MAX		64
#define HASH_MIN		16
#define HASH_MAX		64
#define REC_HDR			18
#define REC_MAX			(REC_HDR + SALT_MAX + 1 + HASH_MAX)

#define TAG_LEN			32
#define FLIGHT_MAX		16	/* distinct headers verified at once */
#define CACHE_SETS		64
#define CACHE_WAYS		4

/* Decoded "key:secret" and its base64 spelling, at their longest. */
#define PAIR_MAX		(CRED_KEY_MAX + 1 + CRED_SECRET_MAX)
#define B64_MAX			(4 * ((PAIR_MAX + 2) / 3))

#define ALL_SCOPES		(CRED_STATEMENTS_WRITE | CRED_STATEMENTS_READ | \
				 CRED_STATEMENTS_READ_MINE | CRED_STATE | \
				 CRED_DEFINE | CRED_PROFILE | CRED_ALL_READ | \
				 CRED_ALL | CRED_TIERING)

struct rec {
	unsigned	 alg;
	uint32_t	 iter;
	unsigned	 scopes;
	int64_t		 created;
	const uint8_t	*salt;
	size_t		 saltlen;
	const uint8_t	*hash;
	size_t		 hashlen;
};

struct slot {
	int		valid;
	uint64_t	used;		/* cs->clock at the last hit, for LRU */
	uint8_t		tag[TAG_LEN];
	char		key[CRED_KEY_MAX + 1];
	size_t		reclen;
	uint8_t		rec[REC_MAX];
};

struct cred_store {
	store			*st;
	MDB_dbi			 dbi;
	uint8_t			 tagkey[32];	/* HMAC key of the cache */
	/* HMAC-SHA256 keyed with tagkey, copied for each tag: HMAC() looked
	 * the MAC and the digest up and keyed them on every request. */
	EVP_MAC_CTX		*tagmac;
	uint8_t			 dummysalt[SALT_LEN];
	atomic_uint_fast64_t	 hashes;
	pthread_mutex_t		 lock;		/* guards clock, cache, flight,
						 * tagmac's copying */
	uint64_t		 clock;
	struct slot		 cache[CACHE_SETS][CACHE_WAYS];
	/* Headers being verified now: a second request with the same one
	 * waits for the first instead of paying the hash again. */
	pthread_cond_t		 landed;
	uint8_t			 flight[FLIGHT_MAX][TAG_LEN];
	int			 inflight[FLIGHT_MAX];
};

static const struct {
	const char	*name;
	unsigned	 bit;
} scope_names[] = {
	{ "statements/write",		CRED_STATEMENTS_WRITE },
	{ "statements/read",		CRED_STATEMENTS_READ },
	{ "statements/read/mine",	CRED_STATEMENTS_READ_MINE },
	{ "state",			CRED_STATE },
	{ "define",			CRED_DEFINE },
	{ "profile",			CRED_PROFILE },
	{ "all/read",			CRED_ALL_READ },
	{ "all",			CRED_ALL },
	{ "tiering",			CRED_TIERING },
};

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = v & 0xff;
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Split a record into its fields; -1 when it is not a valid version 1
 * record (the pointers then point into p). */
static int
rec_decode(const uint8_t *p, size_t len, struct rec *r)
{
	if (len < REC_HDR + 1)
		return -1;
	r->alg = p[0];
	r->iter = (uint32_t)get_be(p + 1, 4);
	r->scopes = (unsigned)get_be(p + 5, 4);
	r->created = (int64_t)get_be(p + 9, 8);
	r->saltlen = p[17];
	if (r->alg != ALG_PBKDF2_SHA256 || r->iter == 0 ||
	    r->iter > ITER_LIMIT || r->saltlen < SALT_MIN ||
	    r->saltlen > SALT_MAX || len < REC_HDR + r->saltlen + 1)
		return -1;
	r->salt = p + REC_HDR;
	r->hashlen = p[REC_HDR + r->saltlen];
	r->hash = p + REC_HDR + r->saltlen + 1;
	if (r->hashlen < HASH_MIN || r->hashlen > HASH_MAX ||
	    len != REC_HDR + r->saltlen + 1 + r->hashlen)
		return -1;
	return 0;
}

static size_t
rec_encode(const struct rec *r, uint8_t *out)
{
	out[0] = (uint8_t)r->alg;
	put_be(out + 1, r->iter, 4);
	put_be(out + 5, r->scopes, 4);
	put_be(out + 9, (uint64_t)r->created, 8);
	out[17] = (uint8_t)r->saltlen;
	memcpy(out + REC_HDR, r->salt, r->saltlen);
	out[REC_HDR + r->saltlen] = (uint8_t)r->hashlen;
	memcpy(out + REC_HDR + r->saltlen + 1, r->hash, r->hashlen);
	return REC_HDR + r->saltlen + 1 + r->hashlen;
}

/* Visible ASCII but ':' (which would end the user name in Basic). */
static int
key_valid(const char *k, size_t len)
{
	size_t i;

	if (len == 0 || len > CRED_KEY_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (k[i] < 0x21 || k[i] > 0x7e || k[i] == ':')
			return 0;
	return 1;
}

static int
pbkdf2(cred_store *cs, const void *secret, size_t len, const uint8_t *salt,
    size_t saltlen, uint32_t iter, uint8_t *out, size_t outlen)
{
	atomic_fetch_add(&cs->hashes, 1);
	if (PKCS5_PBKDF2_HMAC(secret, (int)len, salt, (int)saltlen,
	    (int)iter, EVP_sha256(), (int)outlen, out) != 1)
		return CRED_ECRYPTO;
	return 0;
}

/* Copy the record of key into rec (REC_MAX bytes) in a read transaction
 * of its own.  0, CRED_ENOTFOUND, CRED_ESTORE (also for a record too long
 * to be valid). */
static int
rec_fetch(cred_store *cs, const char *key, uint8_t *rec, size_t *reclen)
{
	store_read *r;
	MDB_val k, v;
	int rc;

	if (FAULT("cred.fetch") != 0 || store_read_begin(cs->st, &r) != 0)
		return CRED_ESTORE;
	k.mv_data = (void *)key;
	k.mv_size = strlen(key);
	rc = mdb_get(store_read_txn(r), cs->dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		rc = CRED_ENOTFOUND;
	else if (rc != 0 || v.mv_size > REC_MAX)
		rc = CRED_ESTORE;
	else {
		memcpy(rec, v.mv_data, v.mv_size);
		*reclen = v.mv_size;
	}
	store_read_end(r);
	return rc;
}

/* The cache.  Every function takes cs->lock itself. */

static int
cache_get(cred_store *cs, const uint8_t *tag, const char *key, uint8_t *rec,
    size_t *reclen)
{
	struct slot *set = cs->cache[tag[0] % CACHE_SETS];
	int i, hit = 0;

	pthread_mutex_lock(&cs->lock);
	for (i = 0; i < CACHE_WAYS; i++) {
		if (!set[i].valid ||
		    CRYPTO_memcmp(set[i].tag, tag, TAG_LEN) != 0 ||
		    strcmp(set[i].key, key) != 0)
			continue;
		set[i].used = ++cs->clock;
		memcpy(rec, set[i].rec, set[i].reclen);
		*reclen = set[i].reclen;
		hit = 1;
		break;
	}
	pthread_mutex_unlock(&cs->lock);
	return hit;
}

static void
cache_put(cred_store *cs, const uint8_t *tag, const char *key,
    const uint8_t *rec, size_t reclen)
{
	struct slot *set = cs->cache[tag[0] % CACHE_SETS], *s = NULL;
	int i;

	pthread_mutex_lock(&cs->lock);
	for (i = 0; i < CACHE_WAYS && s == NULL; i++)
		if (set[i].valid && memcmp(set[i].tag, tag, TAG_LEN) == 0)
			s = &set[i];
	for (i = 0; i < CACHE_WAYS && s == NULL; i++)
		if (!set[i].valid)
			s = &set[i];
	if (s == NULL) {
		s = &set[0];
		for (i = 1; i < CACHE_WAYS; i++)
			if (set[i].used < s->used)
				s = &set[i];
	}
	s->valid = 1;
	s->used = ++cs->clock;
	memcpy(s->tag, tag, TAG_LEN);
	strcpy(s->key, key);
	memcpy(s->rec, rec, reclen);
	s->reclen = reclen;
	pthread_mutex_unlock(&cs->lock);
}

/* Wait while another thread verifies the same header, then mark it as
 * ours; returns the flight slot (or -1 when all are busy: then verify
 * without sharing). */
static int
flight_enter(cred_store *cs, const uint8_t *tag)
{
	int i, free_slot;

	pthread_mutex_lock(&cs->lock);
	for (;;) {
		free_slot = -1;
		for (i = 0; i < FLIGHT_MAX; i++) {
			if (cs->inflight[i] && memcmp(cs->flight[i], tag, TAG_LEN) == 0)
				break;
			if (!cs->inflight[i] && free_slot < 0)
				free_slot = i;
		}
		if (i == FLIGHT_MAX)
			break;
		pthread_cond_wait(&cs->landed, &cs->lock);
	}
	if (free_slot >= 0) {
		memcpy(cs->flight[free_slot], tag, TAG_LEN);
		cs->inflight[free_slot] = 1;
	}
	pthread_mutex_unlock(&cs->lock);
	return free_slot;
}

static void
flight_leave(cred_store *cs, int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&cs->lock);
	cs->inflight[slot] = 0;
	pthread_cond_broadcast(&cs->landed);
	pthread_mutex_unlock(&cs->lock);
}

/* Forget the slot of tag (key == NULL) or every slot of key. */
static void
cache_drop(cred_store *cs, const uint8_t *tag, const char *key)
{
	struct slot *s;
	size_t i, n;

	pthread_mutex_lock(&cs->lock);
	if (key == NULL) {
		s = cs->cache[tag[0] % CACHE_SETS];
		n = CACHE_WAYS;
	} else {
		s = &cs->cache[0][0];
		n = CACHE_SETS * CACHE_WAYS;
	}
	for (i = 0; i < n; i++)
		if (s[i].valid && (key != NULL ?
		    strcmp(s[i].key, key) == 0 :
		    memcmp(s[i].tag, tag, TAG_LEN) == 0))
			s[i].valid = 0;
	pthread_mutex_unlock(&cs->lock);
}

/* An HMAC-SHA256 context keyed with key (len bytes), to copy for each
 * tag; NULL when libcrypto fails. */
static EVP_MAC_CTX *
tagmac_new(const uint8_t *key, size_t len)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    (char *)"SHA256", 0),
		OSSL_PARAM_construct_end()
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;

	/* The context holds its own reference to the MAC. */
	EVP_MAC_free(mac);
	if (ctx && EVP_MAC_init(ctx, key, len, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* The cache tag of pair (len bytes) into tag: 0, or CRED_ECRYPTO. */
static int
tag_of(cred_store *cs, const uint8_t *pair, size_t len,
    uint8_t tag[TAG_LEN])
{
	EVP_MAC_CTX *ctx;
	size_t n = 0;
	int ok;

	/* libcrypto promises nothing of a context copied by several threads
	 * at once. */
	pthread_mutex_lock(&cs->lock);
	ctx = EVP_MAC_CTX_dup(cs->tagmac);
	pthread_mutex_unlock(&cs->lock);
	ok = ctx && EVP_MAC_update(ctx, pair, len) == 1 &&
	    EVP_MAC_final(ctx, tag, &n, TAG_LEN) == 1 && n == TAG_LEN;
	EVP_MAC_CTX_free(ctx);
	return ok ? 0 : CRED_ECRYPTO;
}

int
cred_open(store *st, cred_store **out)
{
	cred_store *cs;
	MDB_txn *txn;
	int rc;

	cs = xcalloc(1, sizeof(*cs));
	cs->st = st;
	atomic_init(&cs->hashes, 0);
	if (RAND_bytes(cs->tagkey, sizeof(cs->tagkey)) != 1 ||
	    RAND_bytes(cs->dummysalt, sizeof(cs->dummysalt)) != 1 ||
	    (cs->tagmac = tagmac_new(cs->tagkey, sizeof(cs->tagkey))) ==
	    NULL) {
		rc = CRED_ECRYPTO;
		goto out;
	}
	rc = CRED_ESTORE;
	if (store_txn_begin(st, 0, &txn) != STORE_OK)
		goto out;
	if (mdb_dbi_open(txn, "cred", MDB_CREATE, &cs->dbi) != 0) {
		store_txn_abort(st, txn);
		goto out;
	}
	if (store_txn_commit(st, txn) != STORE_OK)
		goto out;
	pthread_mutex_init(&cs->lock, NULL);
	pthread_cond_init(&cs->landed, NULL);
	*out = cs;
	return 0;
out:
	EVP_MAC_CTX_free(cs->tagmac);
	OPENSSL_cleanse(cs, sizeof(*cs));
	free(cs);
	return rc;
}

/* The dbi stays open: it belongs to the env, which other stores share. */
void
cred_close(cred_store *cs)
{
	if (cs == NULL)
		return;
	pthread_mutex_destroy(&cs->lock);
	pthread_cond_destroy(&cs->landed);
	EVP_MAC_CTX_free(cs->tagmac);
	OPENSSL_cleanse(cs, sizeof(*cs));
	free(cs);
}

/* A write of the record of one key, for the store's writer. */
struct rec_write {
	cred_store	*cs;
	const char	*key;
	const uint8_t	*rec;		/* NULL: delete */
	size_t		 reclen;
};

/* Runs in the writer: add the record unless the key is taken, or
 * delete it.  LMDB's code. */
static int
write_in(void *arg, MDB_txn *txn)
{
	struct rec_write *wr = arg;
	MDB_val k = { strlen(wr->key), (void *)wr->key };
	MDB_val v = { wr->reclen, (void *)wr->rec };

	if (wr->rec == NULL)
		return mdb_del(txn, wr->cs->dbi, &k, NULL);
	return mdb_put(txn, wr->cs->dbi, &k, &v, MDB_NOOVERWRITE);
}

/* Write through the store's writer (which grows the map when needed):
 * 0, CRED_EEXIST, CRED_ENOTFOUND, CRED_ESTORE. */
static int
write_rec(struct rec_write *wr)
{
	int rc, fn_rc;

	if ((rc = store_exec(wr->cs->st, write_in, wr, &fn_rc)) != STORE_OK)
		return CRED_ESTORE;
	switch (fn_rc) {
	case 0: return CRED_OK;
	case MDB_KEYEXIST: return CRED_EEXIST;
	case MDB_NOTFOUND: return CRED_ENOTFOUND;
	default: return CRED_ESTORE;
	}
}

int
cred_add(cred_store *cs, const char *key, const char *secret,
    unsigned scopes)
{
	uint8_t salt[SALT_LEN], hash[HASH_LEN], buf[REC_MAX];
	struct rec_write wr;
	struct rec r;
	size_t seclen;
	int rc;

	if (key == NULL || secret == NULL || !key_valid(key, strlen(key)) ||
	    strncmp(key, CRED_RESERVED_PREFIX, strlen(CRED_RESERVED_PREFIX)) == 0 ||
	    scopes == 0 || (scopes & ~ALL_SCOPES) != 0)
		return CRED_EINVALID;
	seclen = strlen(secret);
	if (seclen < CRED_SECRET_MIN || seclen > CRED_SECRET_MAX)
		return CRED_EINVALID;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return CRED_ECRYPTO;
	/* Hash before taking the write lock: it is the slow part. */
	rc = pbkdf2(cs, secret, seclen, salt, sizeof(salt), PBKDF2_ITER,
	    hash, sizeof(hash));
	if (rc)
		goto out;
	r.alg = ALG_PBKDF2_SHA256;
	r.iter = PBKDF2_ITER;
	r.scopes = scopes;
	r.created = iso8601_now();
	r.salt = salt;
	r.saltlen = sizeof(salt);
	r.hash = hash;
	r.hashlen = sizeof(hash);
	wr.cs = cs;
	wr.key = key;
	wr.rec = buf;
	wr.reclen = rec_encode(&r, buf);
	rc = write_rec(&wr);
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

int
cred_revoke(cred_store *cs, const char *key)
{
	struct rec_write wr = { cs, NULL, NULL, 0 };
	int rc;

	if (key == NULL || !key_valid(key, strlen(key)))
		return CRED_EINVALID;
	wr.key = key;
	rc = write_rec(&wr);
	/* Even on failure: dropping a cache entry is always safe. */
	cache_drop(cs, NULL, key);
	return rc;
}

int
cred_list(cred_store *cs, struct cred **out, size_t *n)
{
	struct cred *v = NULL;
	size_t len = 0, cap = 0;
	store_read *rd;
	MDB_cursor *cur;
	MDB_val k, d;
	struct rec r;
	int rc, mrc;

	*out = NULL;
	*n = 0;
	if (store_read_begin(cs->st, &rd) != STORE_OK)
		return CRED_ESTORE;
	rc = CRED_ESTORE;
	if (mdb_cursor_open(store_read_txn(rd), cs->dbi, &cur) != 0)
		goto out;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (!key_valid(k.mv_data, k.mv_size) ||
		    rec_decode(d.mv_data, d.mv_size, &r) != 0)
			break;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		memcpy(v[len].key, k.mv_data, k.mv_size);
		v[len].key[k.mv_size] = '\0';
		v[len].scopes = r.scopes;
		v[len].created = r.created;
		len++;
	}
	mdb_cursor_close(cur);
	if (mrc == MDB_NOTFOUND) {
		rc = 0;
		*out = v;
		*n = len;
		v = NULL;
	}
out:
	store_read_end(rd);
	free(v);
	return rc;
}

/* The decoded "key:secret" of a Basic Authorization value into pair
 * (PAIR_MAX bytes).  -1 when it is not one. */
static int
basic_decode(const char *h, uint8_t *pair, size_t *pairlen)
{
	const char *p = h, *e;
	unsigned char *tmp = NULL;
	size_t n = 0;
	int rc = -1;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "Basic", 5) != 0)
		return -1;
	p += 5;
	if (*p != ' ' && *p != '\t')
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((size_t)(e - p) > B64_MAX ||
	    base64_decode(p, (size_t)(e - p), BASE64_STRICT, &tmp, &n) != 0 ||
	    n > PAIR_MAX)
		goto out;
	memcpy(pair, tmp, n);
	*pairlen = n;
	rc = 0;
out:
	if (tmp) {
		OPENSSL_cleanse(tmp, n);
		free(tmp);
	}
	return rc;
}

/* What a Basic Authorization header carries. */
struct basic {
	uint8_t		 pair[PAIR_MAX];	/* the decoded "key:secret" */
	size_t		 pairlen;
	char		 key[CRED_KEY_MAX + 1];
	const uint8_t	*secret;		/* in pair */
	size_t		 seclen;
	uint8_t		 tag[TAG_LEN];		/* its cache tag */
};

/* Decode authorization into b.  CRED_EDENIED when it is no Basic header
 * or no stored credential can match it (no hash needed), CRED_ECRYPTO. */
static int
basic_parse(cred_store *cs, const char *authorization, struct basic *b)
{
	const uint8_t *colon;
	size_t keylen;

	if (authorization == NULL ||
	    basic_decode(authorization, b->pair, &b->pairlen) != 0 ||
	    (colon = memchr(b->pair, ':', b->pairlen)) == NULL)
		return CRED_EDENIED;
	keylen = colon - b->pair;
	b->secret = colon + 1;
	b->seclen = b->pairlen - keylen - 1;
	if (!key_valid((const char *)b->pair, keylen) ||
	    b->seclen < CRED_SECRET_MIN || b->seclen > CRED_SECRET_MAX)
		return CRED_EDENIED;
	memcpy(b->key, b->pair, keylen);
	b->key[keylen] = '\0';
	return tag_of(cs, b->pair, b->pairlen, b->tag);
}

/* b names no stored key: denied, after costing what a wrong secret
 * costs, so that timing does not tell which keys exist (a cached header
 * loses its entry instead).  CRED_EDENIED, CRED_ECRYPTO. */
static int
unknown_key(cred_store *cs, const struct basic *b, int hit)
{
	uint8_t hash[HASH_LEN];
	int rc = CRED_EDENIED;

	if (hit)
		cache_drop(cs, b->tag, NULL);
	else if (pbkdf2(cs, b->secret, b->seclen, cs->dummysalt,
	    sizeof(cs->dummysalt), PBKDF2_ITER, hash, HASH_LEN) != 0)
		rc = CRED_ECRYPTO;
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

/* Hash b's secret against record cur (curlen bytes, decoded as r) and
 * cache the header when it matches; a request verifying the same header
 * meanwhile is waited for instead.  0, CRED_EDENIED, CRED_ECRYPTO. */
static int
verify(cred_store *cs, const struct basic *b, const uint8_t *cur,
    size_t curlen, const struct rec *r)
{
	uint8_t cached[REC_MAX], hash[HASH_MAX];
	size_t cachedlen = 0;
	int rc, slot;

	slot = flight_enter(cs, b->tag);
	/* Another request may have verified this header while we waited. */
	if (cache_get(cs, b->tag, b->key, cached, &cachedlen) &&
	    cachedlen == curlen && memcmp(cached, cur, curlen) == 0) {
		flight_leave(cs, slot);
		return 0;
	}
	rc = pbkdf2(cs, b->secret, b->seclen, r->salt, r->saltlen, r->iter,
	    hash, r->hashlen);
	if (rc == 0 && CRYPTO_memcmp(hash, r->hash, r->hashlen) != 0)
		rc = CRED_EDENIED;
	if (rc == 0)
		cache_put(cs, b->tag, b->key, cur, curlen);
	flight_leave(cs, slot);
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

/* cred_check, or with may_hash 0 cred_check_known. */
static int
check_header(cred_store *cs, const char *authorization, int may_hash,
    struct cred *out)
{
	struct basic b;
	uint8_t cached[REC_MAX], cur[REC_MAX];
	size_t cachedlen = 0, curlen = 0;
	struct rec r;
	int rc, hit;

	if ((rc = basic_parse(cs, authorization, &b)) != CRED_OK)
		goto out;
	hit = cache_get(cs, b.tag, b.key, cached, &cachedlen);
	rc = rec_fetch(cs, b.key, cur, &curlen);
	if (rc == CRED_ENOTFOUND) {
		rc = may_hash || hit ? unknown_key(cs, &b, hit) : CRED_EDENIED;
		goto out;
	}
	if (rc == CRED_OK && rec_decode(cur, curlen, &r) != 0)
		rc = CRED_ESTORE;
	if (rc != CRED_OK)
		goto out;
	/* A hit counts only while the record is the one verified. */
	if (!hit || cachedlen != curlen || memcmp(cached, cur, curlen) != 0) {
		if (hit)
			cache_drop(cs, b.tag, NULL);
		rc = may_hash ? verify(cs, &b, cur, curlen, &r) : CRED_EDENIED;
		if (rc != CRED_OK)
			goto out;
	}
	memcpy(out->key, b.key, strlen(b.key) + 1);
	out->scopes = r.scopes;
	out->created = r.created;
out:
	OPENSSL_cleanse(&b, sizeof(b));
	return rc;
}

int
cred_check(cred_store *cs, const char *authorization, struct cred *out)
{
	return check_header(cs, authorization, 1, out);
}

int
cred_check_known(cred_store *cs, const char *authorization, struct cred *out)
{
	return check_header(cs, authorization, 0, out);
}

uint64_t
cred_hash_count(cred_store *cs)
{
	return atomic_load(&cs->hashes);
}

int
cred_scopes_parse(const char *list, unsigned *out)
{
	const char *p, *e, *end;
	unsigned bits = 0;
	size_t i, n;

	if (list == NULL)
		return CRED_EINVALID;
	for (p = list;; p = end + 1) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		e = end;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		n = e - p;
		for (i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]);
		    i++)
			if (strlen(scope_names[i].name) == n &&
			    memcmp(scope_names[i].name, p, n) == 0)
				break;
		if (i == sizeof(scope_names) / sizeof(scope_names[0]))
			return CRED_EINVALID;
		bits |= scope_names[i].bit;
		if (*end == '\0')
			break;
	}
	*out = bits;
	return 0;
}

void
cred_scopes_format(unsigned bits, char *out, size_t size)
{
	size_t i, len = 0, n;
	const char *name;

	if (size == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]); i++) {
		if (!(bits & scope_names[i].bit))
			continue;
		if (len > 0 && len + 1 < size)
			out[len++] = ',';
		name = scope_names[i].name;
		n = strlen(name);
		if (n > size - 1 - len)
			n = size - 1 - len;
		memcpy(out + len, name, n);
		len += n;
		out[len] = '\0';
	}
}

const char *
cred_strerror(int rc)
{
	switch (rc) {
	case CRED_OK:		return "success";
	case CRED_EDENIED:	return "no valid credentials";
	case CRED_EEXIST:	return "credential key already exists";
	case CRED_ENOTFOUND:	return "no such credential";
	case CRED_EINVALID:	return "invalid key, secret or scope";
	case CRED_ESTORE:	return "credential store failed";
	case CRED_ECRYPTO:	return "crypto library failed";
	default:		return "unknown credential error";
	}
}
