/* Failures injected below the store, the credentials and the hashing
 * (lrs/fault.h): each must come back as an error code, never as a short
 * answer or a silent default.  Built against the -DLRS_FAULTS objects. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <uuid/uuid.h>

#include "base64.h"
#include "docstore.h"
#include "fault_ctl.h"
#include "index.h"
#include "jws.h"
#include "store.h"
#include "test.h"
#include "xalloc.h"

TEST_MAIN_DEFS

/* A 64 MiB map that does not grow. */
static const struct store_limits lim64 = { 64 << 20, 64 << 20, 0, 0 };

static char dir[64];

/* Store statement i (verb http://v/f) with a fresh id. */
static int
put_one(store *s, int i)
{
	char text[256], idtext[37];
	struct store_write w;
	uint8_t id[16];
	json *st = NULL;
	int rc;

	uuid_generate_random(id);
	uuid_unparse_lower(id, idtext);
	snprintf(text, sizeof(text), "{\"id\":\"%s\",\"actor\":{\"mbox\":"
	    "\"mailto:f@x.y\"},\"verb\":{\"id\":\"http://v/f\"},\"object\":"
	    "{\"id\":\"http://a/%d\"}}", idtext, i);
	if (json_parse(text, strlen(text), 16, &st, NULL, 0) != 0)
		return -100;
	memset(&w, 0, sizeof(w));
	w.stmts = &st;
	w.n = 1;
	w.ids = (const uint8_t (*)[16])&id;
	rc = store_put(s, &w);
	json_free(st);
	return rc;
}

static void
count_visit(void *arg, uint64_t seq, const char *text, size_t len)
{
	(*(int *)arg)++;
}

/* Run a query on verb http://v/f: its code, and how many it visited. */
static int
query(store *s, int *visited)
{
	struct store_query q;
	store_read *r;
	uint64_t next;
	int rc;

	*visited = 0;
	memset(&q, 0, sizeof(q));
	q.filters[0][0] = INDEX_VERB;
	if (index_hash(INDEX_VERB, "http://v/f", 10, q.filters[0] + 1) !=
	    INDEX_OK)
		return -100;
	q.nfilters = 1;
	if ((rc = store_read_begin(s, &r)) != STORE_OK)
		return rc;
	rc = store_query(r, &q, count_visit, visited, &next);
	store_read_end(r);
	return rc;
}

static void
test_store(void)
{
	store *s;
	store_read *r = NULL;
	int i, n, rc, fails = 0;

	snprintf(dir, sizeof(dir), "/tmp/lrs-unit-faults-XXXXXX");
	ok(mkdtemp(dir) != NULL, "temp dir");
	ok(store_open(dir, &lim64, &s) == STORE_OK, "store opens");
	for (i = 0; i < 10; i++)
		fails += put_one(s, i) != STORE_OK;
	ok(fails == 0, "10 statements stored");
	ok(query(s, &n) == STORE_OK && n == 10, "the query finds all 10");
	/* Closing merges the index log: the keys are then all in "ix",
	 * which the cursor faults below hit. */
	store_close(s);
	ok(store_open(dir, &lim64, &s) == STORE_OK, "store opens again");
	ok(query(s, &n) == STORE_OK && n == 10, "and finds all 10 again");

	/* A cursor that fails half-way: an error, not the half as an answer. */
	fault_set("store.cursor", 4, -1, MDB_PAGE_NOTFOUND);
	rc = query(s, &n);
	ok(rc == STORE_ECORRUPT, "a failing index seek ends the query with "
	    "STORE_ECORRUPT (got %d: %s)", rc, store_strerror(rc));
	ok(n > 0 && n < 10, "after %d statements were visited", n);
	fault_set("store.cursor", 0, -1, EIO);
	rc = query(s, &n);
	ok(rc == STORE_EIO, "an I/O error of a seek is STORE_EIO (got %d)", rc);
	fault_set(NULL, 0, 0, 0);
	ok(query(s, &n) == STORE_OK && n == 10, "and it answers again");

	/* A commit that fails: nothing stored, the next one goes through. */
	fault_set("store.commit", 0, 1, EIO);
	rc = put_one(s, 10);
	ok(rc == STORE_EIO, "a commit's I/O error is STORE_EIO (%d)", rc);
	ok(query(s, &n) == STORE_OK && n == 10, "nothing of it was stored");
	fault_set("store.commit", 0, 1, ENOSPC);
	rc = put_one(s, 10);
	ok(rc == STORE_ENOSPC, "ENOSPC is told apart: STORE_ENOSPC (%d)", rc);
	fault_set(NULL, 0, 0, 0);
	ok(put_one(s, 10) == STORE_OK && query(s, &n) == STORE_OK && n == 11,
	    "and the next write is stored");

	fault_set("store.read", 0, 1, MDB_READERS_FULL);
	rc = store_read_begin(s, &r);
	ok(rc == STORE_EBUSY && r == NULL,
	    "no reader slot left is STORE_EBUSY (got %d)", rc);
	fault_set(NULL, 0, 0, 0);
	store_close(s);
}

/* Statements and documents while libcrypto's hashing fails: the error
 * comes back and nothing is stored. */
static void
test_hashing(void)
{
	struct docstore_scope sc;
	struct docstore_write w;
	struct docstore_doc doc;
	uint8_t h[INDEX_HASH_LEN];
	docstore *ds;
	store_read *r;
	store *s;
	uint64_t before = 0, after = 1;
	int rc, n;

	ok(store_open(dir, &lim64, &s) == STORE_OK, "store reopens");
	ok(docstore_open(s, &ds) == DOCSTORE_OK, "docstore opens");
	if (store_read_begin(s, &r) == STORE_OK) {
		before = store_last_seq(r);
		store_read_end(r);
	}
	fault_set("index.hash", 0, -1, 1);
	ok(index_hash(INDEX_VERB, "http://v/f", 10, h) == INDEX_ECRYPTO,
	    "index_hash says when SHA-256 fails");
	rc = put_one(s, 99);
	ok(rc == STORE_ECRYPTO, "a statement whose keys cannot be hashed is "
	    "refused with STORE_ECRYPTO (got %d)", rc);
	fault_set(NULL, 0, 0, 0);
	if (store_read_begin(s, &r) == STORE_OK) {
		after = store_last_seq(r);
		store_read_end(r);
	}
	ok(after == before, "and nothing was stored (%llu, %llu)",
	    (unsigned long long)before, (unsigned long long)after);
	ok(query(s, &n) == STORE_OK && n == 11, "the query still finds 11");

	memset(&sc, 0, sizeof(sc));
	sc.kind = DOCSTORE_ACTIVITY_PROFILE;
	sc.activity_id = "http://a/doc";
	memset(&w, 0, sizeof(w));
	w.op = DOCSTORE_PUT;
	w.id = "p1";
	w.type = "text/plain";
	w.data = "x";
	w.len = 1;
	fault_set("docstore.hash", 0, -1, 1);
	ok(docstore_write(ds, &sc, &w) == DOCSTORE_ECRYPTO,
	    "a document whose key cannot be hashed is refused");
	ok(docstore_get(ds, &sc, "p1", &doc) == DOCSTORE_ECRYPTO,
	    "and cannot be looked up");
	fault_set(NULL, 0, 0, 0);
	ok(docstore_get(ds, &sc, "p1", &doc) == DOCSTORE_ENOTFOUND,
	    "nothing was stored");
	store_close(s);
	docstore_close(ds);
}

/* A self-signed certificate of k as x5c text (caller frees). */
static char *
make_cert(EVP_PKEY *k)
{
	X509 *x = X509_new();
	unsigned char *der = NULL;
	char *b64 = NULL;
	int len;

	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	if (X509_sign(x, k, EVP_sha256()) != 0 &&
	    (len = i2d_X509(x, &der)) > 0)
		b64 = base64_encode(der, (size_t)len, 0);
	OPENSSL_free(der);
	X509_free(x);
	return b64;
}

/* A JWS with an x5c certificate whose check cannot start because
 * libcrypto fails: JWS_ECRYPTO, not a rejected signature. */
static void
test_jws(void)
{
	static const char st_text[] = "{\"actor\":{\"mbox\":\"mailto:j@x.y\"},"
	    "\"verb\":{\"id\":\"http://v/j\"},\"object\":{\"id\":\"http://a/j\"}}";
	EVP_PKEY *k = EVP_RSA_gen(2048);
	char *cert = k ? make_cert(k) : NULL, *hdr, *h64, *p64, jws[8192];
	char err[200] = "";
	json *st = NULL;
	int rc;

	ok(cert != NULL, "a throwaway certificate");
	if (cert == NULL)
		goto out;
	hdr = xmalloc(strlen(cert) + 64);
	sprintf(hdr, "{\"alg\":\"RS256\",\"x5c\":[\"%s\"]}", cert);
	h64 = base64_encode(hdr, strlen(hdr), BASE64_URL);
	p64 = base64_encode(st_text, strlen(st_text), BASE64_URL);
	snprintf(jws, sizeof(jws), "%s.%s.AAAA", h64, p64);
	json_parse(st_text, strlen(st_text), 16, &st, NULL, 0);
	ok(jws_verify(jws, strlen(jws), st, err, sizeof(err)) == JWS_EINVALID,
	    "a bad signature is JWS_EINVALID: %s", err);
	fault_set("jws.ctx", 0, -1, 1);
	rc = jws_verify(jws, strlen(jws), st, err, sizeof(err));
	ok(rc == JWS_ECRYPTO && strstr(err, "libcrypto") != NULL,
	    "a failing libcrypto is JWS_ECRYPTO (%d: %s)", rc, err);
	fault_set(NULL, 0, 0, 0);
	json_free(st);
	free(hdr);
	free(h64);
	free(p64);
out:
	free(cert);
	EVP_PKEY_free(k);
}

int
main(void)
{
	char cmd[128];

	test_store();
	test_hashing();
	test_jws();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "cleanup");
	return test_done();
}
