/* Unit tests of the credential store: scopes, add/list/revoke, Basic
 * header parsing, the verified-credential cache and its invalidation by
 * another handle on the same environment, and checks from many threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cred.h"
#include "test.h"

TEST_MAIN_DEFS

/* "Basic " + base64(key ":" secret), in a static buffer per call site. */
static void
basic(char *out, size_t size, const char *key, const char *secret)
{
	char pair[2048];
	unsigned char enc[4096];
	int n;

	snprintf(pair, sizeof(pair), "%s:%s", key, secret);
	n = EVP_EncodeBlock(enc, (const unsigned char *)pair, (int)strlen(pair));
	snprintf(out, size, "Basic %.*s", n, enc);
}

static int
check(cred_store *cs, const char *key, const char *secret, struct cred *c)
{
	char h[4096];
	struct cred dummy;

	basic(h, sizeof(h), key, secret);
	return cred_check(cs, h, c ? c : &dummy);
}

static void
test_scopes(void)
{
	unsigned bits;
	char s[200];

	ok(cred_scopes_parse("all", &bits) == 0 && bits == CRED_ALL, "all");
	ok(cred_scopes_parse("statements/write, statements/read ,state",
	    &bits) == 0 && bits == (CRED_STATEMENTS_WRITE |
	    CRED_STATEMENTS_READ | CRED_STATE), "list with blanks");
	ok(cred_scopes_parse("statements/read/mine,define,profile,all/read",
	    &bits) == 0 && bits == (CRED_STATEMENTS_READ_MINE | CRED_DEFINE |
	    CRED_PROFILE | CRED_ALL_READ), "the other names");
	ok(cred_scopes_parse("", &bits) == CRED_EINVALID, "empty list");
	ok(cred_scopes_parse("all,", &bits) == CRED_EINVALID, "empty name");
	ok(cred_scopes_parse("All", &bits) == CRED_EINVALID, "names are exact");
	ok(cred_scopes_parse("statements", &bits) == CRED_EINVALID,
	    "unknown name");
	ok(cred_scopes_parse("all/reads", &bits) == CRED_EINVALID,
	    "no prefix match");

	cred_scopes_format(CRED_STATE | CRED_STATEMENTS_WRITE | CRED_ALL,
	    s, sizeof(s));
	ok(strcmp(s, "statements/write,state,all") == 0, "format: %s", s);
	cred_scopes_format(0, s, sizeof(s));
	ok(s[0] == '\0', "format of nothing");
	cred_scopes_format(CRED_STATEMENTS_WRITE | CRED_STATE, s, 10);
	ok(strlen(s) == 9 && strncmp(s, "statement", 9) == 0,
	    "format truncates: %s", s);
	cred_scopes_format(0xff, s, sizeof(s));
	ok(cred_scopes_parse(s, &bits) == 0 && bits == 0xff,
	    "format round-trips: %s", s);
}

static void
test_add_list(cred_store *cs)
{
	struct cred *v;
	size_t n;
	char big[CRED_SECRET_MAX + 2], longkey[CRED_KEY_MAX + 2];
	uint64_t h;

	ok(cred_list(cs, &v, &n) == 0 && n == 0 && v == NULL, "empty list");

	h = cred_hash_count(cs);
	ok(cred_add(cs, "alice", "correct horse",
	    CRED_STATEMENTS_WRITE | CRED_STATEMENTS_READ) == 0, "add alice");
	ok(cred_hash_count(cs) == h + 1, "add hashes once");
	ok(cred_add(cs, "bob", "battery staple", CRED_ALL) == 0, "add bob");
	ok(cred_add(cs, "Carol", "12345678", CRED_STATE) == 0,
	    "add Carol (shortest secret)");
	ok(cred_add(cs, "alice", "another secret", CRED_ALL) == CRED_EEXIST,
	    "duplicate key");

	memset(longkey, 'k', CRED_KEY_MAX + 1);
	longkey[CRED_KEY_MAX + 1] = '\0';
	memset(big, 's', CRED_SECRET_MAX + 1);
	big[CRED_SECRET_MAX + 1] = '\0';
	h = cred_hash_count(cs);
	ok(cred_add(cs, "", "secret123", CRED_ALL) == CRED_EINVALID,
	    "empty key");
	ok(cred_add(cs, NULL, "secret123", CRED_ALL) == CRED_EINVALID,
	    "NULL key");
	ok(cred_add(cs, "a:b", "secret123", CRED_ALL) == CRED_EINVALID,
	    "key with ':'");
	ok(cred_add(cs, "a b", "secret123", CRED_ALL) == CRED_EINVALID,
	    "key with space");
	ok(cred_add(cs, "a\x01", "secret123", CRED_ALL) == CRED_EINVALID,
	    "key with control");
	ok(cred_add(cs, "caf\xc3\xa9", "secret123", CRED_ALL) ==
	    CRED_EINVALID, "key not ASCII");
	ok(cred_add(cs, longkey, "secret123", CRED_ALL) == CRED_EINVALID,
	    "key too long");
	ok(cred_add(cs, "x", "1234567", CRED_ALL) == CRED_EINVALID,
	    "secret too short");
	ok(cred_add(cs, "x", NULL, CRED_ALL) == CRED_EINVALID, "NULL secret");
	ok(cred_add(cs, "x", big, CRED_ALL) == CRED_EINVALID,
	    "secret too long");
	ok(cred_add(cs, "x", "secret123", 0) == CRED_EINVALID, "no scopes");
	ok(cred_add(cs, "x", "secret123", 1u << 12) == CRED_EINVALID,
	    "unknown scope bit");
	ok(cred_hash_count(cs) == h, "refused adds hash nothing");
	longkey[CRED_KEY_MAX] = '\0';
	ok(cred_add(cs, longkey, "secret123", CRED_DEFINE) == 0,
	    "key of CRED_KEY_MAX");
	ok(cred_revoke(cs, longkey) == 0, "revoke it");

	ok(cred_list(cs, &v, &n) == 0 && n == 3, "list has 3: %zu", n);
	if (n == 3) {
		ok(strcmp(v[0].key, "Carol") == 0 &&
		    strcmp(v[1].key, "alice") == 0 &&
		    strcmp(v[2].key, "bob") == 0, "sorted by key");
		ok(v[1].scopes == (CRED_STATEMENTS_WRITE |
		    CRED_STATEMENTS_READ) && v[2].scopes == CRED_ALL,
		    "scopes kept");
		ok(v[1].created > 1600000000000000LL &&
		    v[1].created <= v[2].created &&
		    v[2].created <= v[0].created, "created in microseconds");
	}
	free(v);
}

static void
test_check(cred_store *cs)
{
	struct cred c, keep;
	char h[1024], big[3000];
	uint64_t h0;
	int i, rc;

	h0 = cred_hash_count(cs);
	memset(&c, 0, sizeof(c));
	ok(check(cs, "alice", "correct horse", &c) == 0, "right secret");
	ok(strcmp(c.key, "alice") == 0 && c.scopes == (CRED_STATEMENTS_WRITE |
	    CRED_STATEMENTS_READ) && c.created > 0, "out filled");
	ok(cred_hash_count(cs) == h0 + 1, "first check hashes");
	for (i = 0, rc = 0; i < 1000; i++)
		rc |= check(cs, "alice", "correct horse", &c);
	ok(rc == 0, "1000 cached checks succeed");
	ok(cred_hash_count(cs) == h0 + 1, "cached checks hash nothing: %llu",
	    (unsigned long long)(cred_hash_count(cs) - h0));

	/* Other spellings of the same credential share the entry. */
	basic(h, sizeof(h), "alice", "correct horse");
	memcpy(h, "bAsIc", 5);
	ok(cred_check(cs, h, &c) == 0, "scheme is case-insensitive");
	snprintf(big, sizeof(big), " \t%s\t ", h);
	ok(cred_check(cs, big, &c) == 0, "surrounding blanks tolerated");
	snprintf(big, sizeof(big), "Basic  \t%s", h + 6);
	ok(cred_check(cs, big, &c) == 0, "blanks after the scheme");
	ok(cred_hash_count(cs) == h0 + 1, "variants hit the cache");

	/* Wrong secrets are never cached. */
	h0 = cred_hash_count(cs);
	keep = c;
	ok(check(cs, "alice", "wrong horse", &c) == CRED_EDENIED,
	    "wrong secret");
	ok(memcmp(&c, &keep, sizeof(c)) == 0, "out untouched on denial");
	ok(check(cs, "alice", "wrong horse", &c) == CRED_EDENIED,
	    "wrong secret again");
	ok(cred_hash_count(cs) == h0 + 2, "each wrong secret costs a hash");
	ok(check(cs, "alice", "correct horsE", &c) == CRED_EDENIED,
	    "secret is case-sensitive");
	ok(check(cs, "Alice", "correct horse", &c) == CRED_EDENIED,
	    "key is case-sensitive");
	ok(check(cs, "nobody", "correct horse", &c) == CRED_EDENIED,
	    "unknown key");
	ok(check(cs, "Carol", "12345678", &c) == 0 && c.scopes == CRED_STATE,
	    "Carol");
	ok(check(cs, "bob", "battery staple", &c) == 0 &&
	    c.scopes == CRED_ALL, "bob");
	ok(check(cs, "bob", "correct horse", &c) == CRED_EDENIED,
	    "alice's secret is not bob's");

	/* Malformed headers cost no hash. */
	h0 = cred_hash_count(cs);
	ok(cred_check(cs, NULL, &c) == CRED_EDENIED, "no header");
	ok(cred_check(cs, "", &c) == CRED_EDENIED, "empty header");
	ok(cred_check(cs, "Basic", &c) == CRED_EDENIED, "scheme only");
	ok(cred_check(cs, "Basic ", &c) == CRED_EDENIED, "empty token");
	ok(cred_check(cs, "Bearer YWxpY2U6Y29ycmVjdCBob3JzZQ==", &c) ==
	    CRED_EDENIED, "other scheme");
	ok(cred_check(cs, "BasicYWxpY2U6Y29ycmVjdCBob3JzZQ==", &c) ==
	    CRED_EDENIED, "no blank after the scheme");
	ok(cred_check(cs, "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ== x", &c) ==
	    CRED_EDENIED, "two tokens");
	ok(cred_check(cs, "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ=", &c) ==
	    CRED_EDENIED, "bad padding");
	ok(cred_check(cs, "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ", &c) ==
	    CRED_EDENIED, "missing padding");
	ok(cred_check(cs, "Basic YWxpY2U6Y29ycmVjdCBob3JzZR==", &c) ==
	    CRED_EDENIED, "non-zero pad bits");
	ok(cred_check(cs, "Basic YWxp=2U6Y29ycmVjdCBob3JzZQ==", &c) ==
	    CRED_EDENIED, "'=' inside");
	ok(cred_check(cs, "Basic YWxp*2U6Y29ycmVjdCBob3JzZQ==", &c) ==
	    CRED_EDENIED, "bad character");
	ok(cred_check(cs, "Basic YWxpY2Vjb3JyZWN0IGhvcnNl", &c) ==
	    CRED_EDENIED, "no ':'");
	ok(check(cs, "", "correct horse", &c) == CRED_EDENIED, "empty key");
	ok(check(cs, "alice", "", &c) == CRED_EDENIED, "empty secret");
	ok(check(cs, "al ice", "correct horse", &c) == CRED_EDENIED,
	    "key with space");
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "Basic ", 6);
	ok(cred_check(cs, big, &c) == CRED_EDENIED, "overlong token");
	ok(cred_hash_count(cs) == h0, "malformed headers hash nothing");
}

static void
test_revoke(store *st, cred_store *cs)
{
	cred_store *other;
	struct cred c;
	uint64_t h0;

	ok(cred_open(st, &other) == 0, "second handle on the store");

	/* alice is cached in cs; "another process" revokes her. */
	ok(check(cs, "alice", "correct horse", &c) == 0, "alice cached");
	h0 = cred_hash_count(cs);
	ok(cred_revoke(other, "alice") == 0, "revoke via the other handle");
	ok(check(other, "alice", "correct horse", &c) == CRED_EDENIED,
	    "other denies");
	ok(check(cs, "alice", "correct horse", &c) == CRED_EDENIED,
	    "cached entry no longer admits");
	ok(cred_hash_count(cs) == h0, "and found out without a hash");

	/* Re-added with a new secret: the old one must not come back. */
	ok(cred_add(other, "alice", "new secret!", CRED_STATE) == 0,
	    "re-add alice");
	ok(check(cs, "alice", "correct horse", &c) == CRED_EDENIED,
	    "old secret refused after re-add");
	ok(check(cs, "alice", "new secret!", &c) == 0 &&
	    c.scopes == CRED_STATE, "new secret admitted, new scopes");

	/* Re-added with the same secret and other scopes: new scopes. */
	ok(check(cs, "bob", "battery staple", &c) == 0 &&
	    c.scopes == CRED_ALL, "bob cached");
	ok(cred_revoke(other, "bob") == 0 &&
	    cred_add(other, "bob", "battery staple", CRED_ALL_READ) == 0,
	    "bob revoked and re-added elsewhere");
	ok(check(cs, "bob", "battery staple", &c) == 0 &&
	    c.scopes == CRED_ALL_READ, "cache sees the new record");

	/* Revoke in this process. */
	ok(check(cs, "Carol", "12345678", &c) == 0, "Carol cached");
	ok(cred_revoke(cs, "Carol") == 0, "revoke Carol here");
	ok(check(cs, "Carol", "12345678", &c) == CRED_EDENIED,
	    "Carol denied");
	ok(cred_revoke(cs, "Carol") == CRED_ENOTFOUND, "revoke twice");
	ok(cred_revoke(cs, "nobody") == CRED_ENOTFOUND, "revoke unknown");
	ok(cred_revoke(cs, "a:b") == CRED_EINVALID, "revoke bad key");
	cred_close(other);
}

struct worker {
	cred_store	*cs;
	int		 id;
	int		 bad;	/* wrong results seen */
};

#define WORKERS	8
#define ROUNDS	400

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char ha[256], hb[256], hw[256];
	struct cred c;
	int i, rc;

	basic(ha, sizeof(ha), "alice", "new secret!");
	basic(hb, sizeof(hb), "bob", "battery staple");
	basic(hw, sizeof(hw), "bob", "not bob's");
	for (i = 0; i < ROUNDS; i++) {
		if (i % 200 == 199) {
			rc = cred_check(w->cs, hw, &c);
			w->bad += rc != CRED_EDENIED;
		} else if ((i + w->id) % 2) {
			rc = cred_check(w->cs, ha, &c);
			w->bad += rc != 0 || strcmp(c.key, "alice") != 0 ||
			    c.scopes != CRED_STATE;
		} else {
			rc = cred_check(w->cs, hb, &c);
			w->bad += rc != 0 || strcmp(c.key, "bob") != 0 ||
			    c.scopes != CRED_ALL_READ;
		}
	}
	return NULL;
}

static void
test_threads(store *st)
{
	pthread_t t[WORKERS];
	struct worker w[WORKERS];
	cred_store *cs;
	int i, bad = 0;
	uint64_t hashes;

	/* A fresh handle: empty cache, so threads race to fill it. */
	ok(cred_open(st, &cs) == 0, "handle for threads");
	for (i = 0; i < WORKERS; i++) {
		w[i].cs = cs;
		w[i].id = i;
		w[i].bad = 0;
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	for (i = 0; i < WORKERS; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].bad;
	}
	hashes = cred_hash_count(cs);
	ok(bad == 0, "%d wrong results from %d threads", bad, WORKERS);
	/* Each credential is hashed once, however many threads ask for it
	 * at the same time on a cold cache; wrong secrets are never cached,
	 * so each of those costs a hash. */
	ok(hashes == 2 + WORKERS * (ROUNDS / 200),
	    "threads share one verification per credential: %llu hashes",
	    (unsigned long long)hashes);
	cred_close(cs);
}

int
main(void)
{
	static const struct store_limits lim = { 64 << 20, 64 << 20, 0, 0 };
	char dir[] = "/tmp/unit_cred.XXXXXX", path[300];
	store *st = NULL;
	cred_store *cs;

	test_scopes();
	ok(strcmp(cred_strerror(CRED_EEXIST), "credential key already exists")
	    == 0, "strerror");

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (store_open(dir, &lim, &st) != STORE_OK || cred_open(st, &cs) != 0) {
		ok(0, "store and cred_open");
		return test_done();
	}
	test_add_list(cs);
	test_check(cs);
	test_revoke(st, cs);
	test_threads(st);
	cred_close(cs);
	store_close(st);

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
	return test_done();
}
