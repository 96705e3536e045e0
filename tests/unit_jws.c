/* Unit tests of signed statement verification.  Keys and certificates are
 * made afresh at test time with OpenSSL, so no private key is committed. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "buf.h"
#include "json.h"
#include "jws.h"
#include "test.h"
#include "xalloc.h"

TEST_MAIN_DEFS

static EVP_PKEY *key, *otherkey, *eckey;
static char *cert_b64, *other_cert_b64, *ec_cert_b64;

/* The statement as the suite's helper.signStatement builds it: signed
 * without attachments, then sent with the signature attachment added. */
static const char *payload_json =
    "{\"id\":\"b5fd7e0a-6b88-4a43-a2f1-1fc1b3b79c6e\","
    "\"actor\":{\"objectType\":\"Agent\",\"name\":\"xAPI mbox\","
    "\"mbox\":\"mailto:xapi@adlnet.gov\"},"
    "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/attended\","
    "\"display\":{\"en-GB\":\"attended\",\"en-US\":\"attended\"}},"
    "\"object\":{\"objectType\":\"Activity\","
    "\"id\":\"http://www.example.com/meetings/occurances/34534\"},"
    "\"timestamp\":\"2013-05-18T05:32:34.804Z\"}";

static const char *sig_attachment =
    "{\"usageType\":\"http://adlnet.gov/expapi/attachments/signature\","
    "\"display\":{\"en-US\":\"Signed by the Test Suite\"},"
    "\"contentType\":\"application/octet-stream\",\"length\":700,"
    "\"sha2\":\"672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634\"}";

static json *
parse(const char *s)
{
	json *j = NULL;
	char err[200];

	if (json_parse(s, strlen(s), 64, &j, err, sizeof(err)) != 0) {
		fprintf(stderr, "bad test JSON: %s: %s\n", err, s);
		abort();
	}
	return j;
}

/* payload_json as sent, with its signature attachment. */
static json *
sent_statement(const char *payload)
{
	json *st = parse(payload), *att = json_new(JSON_ARRAY);

	json_push(att, parse(sig_attachment));
	json_set(st, "attachments", att);
	return st;
}

static void
b64url(struct buf *out, const unsigned char *p, size_t n)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;
	unsigned int v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		buf_putc(out, a[v >> 18]);
		buf_putc(out, a[(v >> 12) & 63]);
		buf_putc(out, a[(v >> 6) & 63]);
		buf_putc(out, a[v & 63]);
	}
	if (n - i == 1) {
		v = (unsigned)p[i] << 16;
		buf_putc(out, a[v >> 18]);
		buf_putc(out, a[(v >> 12) & 63]);
	} else if (n - i == 2) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		buf_putc(out, a[v >> 18]);
		buf_putc(out, a[(v >> 12) & 63]);
		buf_putc(out, a[(v >> 6) & 63]);
	}
}

/* header.payload.signature, signed with k and md (no signature part
 * when k is NULL). Caller frees. */
static char *
make_jws(const char *hdr, const char *payload, EVP_PKEY *k, const EVP_MD *md)
{
	struct buf b = BUF_INIT;
	EVP_MD_CTX *ctx;
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);

	b64url(&b, (const unsigned char *)hdr, strlen(hdr));
	buf_putc(&b, '.');
	b64url(&b, (const unsigned char *)payload, strlen(payload));
	if (k != NULL) {
		ctx = EVP_MD_CTX_new();
		if (EVP_DigestSignInit(ctx, NULL, md, NULL, k) != 1 ||
		    EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)b.p,
		    b.len) != 1)
			abort();
		EVP_MD_CTX_free(ctx);
		buf_putc(&b, '.');
		b64url(&b, sig, siglen);
	}
	return buf_detach(&b, NULL);
}

/* A self-signed certificate for k, as standard base64 DER (x5c form). */
static char *
make_cert(EVP_PKEY *k)
{
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char *der = NULL;
	char *b64;
	int len;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"lrsd unit test (throwaway)", -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (X509_sign(x, k, EVP_sha256()) == 0)
		abort();
	len = i2d_X509(x, &der);
	b64 = xmalloc((size_t)len / 3 * 4 + 8);
	EVP_EncodeBlock((unsigned char *)b64, der, len);
	OPENSSL_free(der);
	X509_free(x);
	return b64;
}

static int
verify(const char *jws, const json *st, char *err, size_t errlen)
{
	char *copy = xmemdup(jws, strlen(jws));
	int rc;

	/* An exactly sized copy, so ASan catches reads past the end. */
	rc = jws_verify(copy, strlen(jws), st, err, errlen);
	free(copy);
	return rc;
}

static void
accepts(const char *jws, const json *st, const char *why)
{
	char err[300] = "";

	ok(verify(jws, st, err, sizeof(err)) == JWS_OK, "accepts %s: %s", why,
	    err);
}

/* Refused, for the reason whose text is want. */
static void
rejects(const char *jws, const json *st, const char *why, const char *want)
{
	char err[300] = "";
	int rc = verify(jws, st, err, sizeof(err));

	ok(rc == JWS_EINVALID && strstr(err, want) != NULL,
	    "rejects %s: got '%s', want '%s'", why, err, want);
}

static char *
hdr_x5c(const char *alg, const char *certs)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "{\"alg\":\"%s\",\"x5c\":[%s]}", alg, certs);
	return buf_detach(&b, NULL);
}

static char *
quoted(const char *s)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "\"%s\"", s);
	return buf_detach(&b, NULL);
}

static void
test_algorithms(void)
{
	static const struct {
		const char *alg;
		const EVP_MD *(*md)(void);
	} algs[] = {
		{ "RS256", EVP_sha256 }, { "RS384", EVP_sha384 },
		{ "RS512", EVP_sha512 }
	};
	json *st = sent_statement(payload_json);
	char *jws, *h, *q = quoted(cert_b64), hdr[64];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\"}", algs[i].alg);
		jws = make_jws(hdr, payload_json, key, algs[i].md());
		accepts(jws, st, algs[i].alg);
		free(jws);

		h = hdr_x5c(algs[i].alg, q);
		jws = make_jws(h, payload_json, key, algs[i].md());
		accepts(jws, st, "x5c-verified signature");
		free(jws);
		/* Signed with one hash, labelled with another. */
		jws = make_jws(h, payload_json, key, algs[(i + 1) % 3].md());
		rejects(jws, st, "signature made with another hash",
	    "does not verify");
		free(jws);
		free(h);
	}

	jws = make_jws("{\"alg\":\"HS256\"}", payload_json, key, EVP_sha256());
	rejects(jws, st, "HS256",
	    "not RS256");
	free(jws);
	jws = make_jws("{\"alg\":\"none\"}", payload_json, key, EVP_sha256());
	rejects(jws, st, "alg none",
	    "not RS256");
	free(jws);
	jws = make_jws("{\"alg\":\"rs256\"}", payload_json, key, EVP_sha256());
	rejects(jws, st, "alg in the wrong case",
	    "not RS256");
	free(jws);
	jws = make_jws("{\"alg\":\"PS256\"}", payload_json, key, EVP_sha256());
	rejects(jws, st, "PS256",
	    "not RS256");
	free(jws);
	jws = make_jws("{\"typ\":\"JWT\"}", payload_json, key, EVP_sha256());
	rejects(jws, st, "no alg",
	    "no \"alg\"");
	free(jws);
	jws = make_jws("{\"alg\":256}", payload_json, key, EVP_sha256());
	rejects(jws, st, "alg not a string",
	    "no \"alg\"");
	free(jws);
	jws = make_jws("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}",
	    payload_json, key, EVP_sha256());
	rejects(jws, st, "crit header",
	    "crit");
	free(jws);
	free(q);
	json_free(st);
}

static void
test_x5c(void)
{
	json *st = sent_statement(payload_json);
	char *jws, *h, *q, *q2, chain[4096];

	q = quoted(other_cert_b64);
	h = hdr_x5c("RS256", q);
	jws = make_jws(h, payload_json, key, EVP_sha256());
	rejects(jws, st, "certificate of another key",
	    "does not verify");
	free(jws);
	free(h);
	free(q);

	q = quoted(cert_b64);
	q2 = quoted(other_cert_b64);
	snprintf(chain, sizeof(chain), "%s,%s", q, q2);
	h = hdr_x5c("RS256", chain);
	jws = make_jws(h, payload_json, key, EVP_sha256());
	accepts(jws, st, "chain of two, signer first");
	free(jws);
	free(h);
	snprintf(chain, sizeof(chain), "%s,%s", q2, q);
	h = hdr_x5c("RS256", chain);
	jws = make_jws(h, payload_json, key, EVP_sha256());
	rejects(jws, st, "chain with the signer second",
	    "does not verify");
	free(jws);
	free(h);
	snprintf(chain, sizeof(chain), "%s,\"AAAA\"", q);
	h = hdr_x5c("RS256", chain);
	jws = make_jws(h, payload_json, key, EVP_sha256());
	rejects(jws, st, "chain with a non-certificate",
	    "x5c[1] is not a DER");
	free(jws);
	free(h);
	free(q2);

	{
		/* Good DER followed by junk is not a certificate. */
		char *junk = xmalloc(strlen(q) + 8);
		size_t n = strlen(q);

		memcpy(junk, q, n - 1);
		/* drop any padding so the appended block decodes */
		while (junk[n - 2] == '=')
			n--;
		strcpy(junk + n - 1, "QUFB\"");
		h = hdr_x5c("RS256", junk);
		jws = make_jws(h, payload_json, key, EVP_sha256());
		rejects(jws, st, "certificate with trailing bytes",
	    "x5c[0] is not a DER");
		free(jws);
		free(h);
		free(junk);
	}

	{
		/* Flip one byte of the signature. */
		char *last;

		h = hdr_x5c("RS256", q);
		jws = make_jws(h, payload_json, key, EVP_sha256());
		last = strrchr(jws, '.') + 10;
		*last = *last == 'A' ? 'B' : 'A';
		rejects(jws, st, "altered signature",
	    "does not verify");
		free(jws);
		free(h);
	}

	h = hdr_x5c("RS256", "");
	jws = make_jws(h, payload_json, key, EVP_sha256());
	rejects(jws, st, "empty x5c",
	    "non-empty array");
	free(jws);
	free(h);
	jws = make_jws("{\"alg\":\"RS256\",\"x5c\":\"MIIB\"}", payload_json,
	    key, EVP_sha256());
	rejects(jws, st, "x5c not an array",
	    "non-empty array");
	free(jws);
	h = hdr_x5c("RS256", "42");
	jws = make_jws(h, payload_json, key, EVP_sha256());
	rejects(jws, st, "x5c entry not a string",
	    "is not base64");
	free(jws);
	free(h);
	h = hdr_x5c("RS256", "\"***\"");
	jws = make_jws(h, payload_json, key, EVP_sha256());
	rejects(jws, st, "x5c entry not base64",
	    "is not base64");
	free(jws);
	free(h);

	free(q);
	q = quoted(ec_cert_b64);
	h = hdr_x5c("RS256", q);
	jws = make_jws(h, payload_json, eckey, EVP_sha256());
	rejects(jws, st, "EC certificate for an RS alg",
	    "no RSA public key");
	free(jws);
	free(h);
	free(q);
	json_free(st);
}

static void
test_payload(void)
{
	json *st = sent_statement(payload_json), *st2;
	char *jws, *h, *q = quoted(cert_b64);
	const char *other =
	    "{\"id\":\"b5fd7e0a-6b88-4a43-a2f1-1fc1b3b79c6e\","
	    "\"actor\":{\"objectType\":\"Agent\",\"name\":\"xAPI mbox\","
	    "\"mbox\":\"mailto:someone.else@adlnet.gov\"},"
	    "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/attended\"},"
	    "\"object\":{\"id\":\"http://www.example.com/meetings/occurances/34534\"},"
	    "\"timestamp\":\"2013-05-18T05:32:34.804Z\"}";
	/* The same statement written differently: member order, zone of
	 * the timestamp, case of the e-mail domain and of the UUID, verb
	 * display, the default objectType. */
	const char *same =
	    "{\"timestamp\":\"2013-05-18T07:32:34.804+02:00\","
	    "\"object\":{\"id\":\"http://www.example.com/meetings/occurances/34534\"},"
	    "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/attended\"},"
	    "\"actor\":{\"mbox\":\"mailto:xapi@ADLNET.gov\",\"name\":\"xAPI mbox\"},"
	    "\"id\":\"B5FD7E0A-6B88-4A43-A2F1-1FC1B3B79C6E\"}";

	h = hdr_x5c("RS256", q);

	jws = make_jws("{\"alg\":\"RS256\"}", other, key, EVP_sha256());
	rejects(jws, st, "payload of another statement (no x5c)",
	    "not the statement");
	free(jws);
	jws = make_jws(h, other, key, EVP_sha256());
	rejects(jws, st, "payload of another statement (x5c)",
	    "not the statement");
	free(jws);

	jws = make_jws(h, same, key, EVP_sha256());
	accepts(jws, st, "payload equivalent but serialized differently");
	free(jws);

	{
		/* Payload swapped after signing: the signature breaks. */
		struct buf b = BUF_INIT;
		char *good = make_jws(h, payload_json, key, EVP_sha256());
		char *forged = make_jws(h, other, NULL, NULL);

		buf_puts(&b, forged);
		buf_puts(&b, strrchr(good, '.'));
		st2 = sent_statement(other);
		rejects(b.p, st2, "tampered payload",
	    "does not verify");
		buf_free(&b);
		json_free(st2);
		free(good);
		free(forged);
	}

	/* breakJson of the suite: the first '"' replaced with '\''. */
	{
		char *broken = xstrdup(payload_json);

		*strchr(broken, '"') = '\'';
		jws = make_jws("{\"alg\":\"RS256\"}", broken, key, EVP_sha256());
		rejects(jws, st, "payload that is not JSON",
	    "payload is not JSON");
		free(jws);
		free(broken);
	}
	jws = make_jws("{\"alg\":\"RS256\"}", "[1,2]", key, EVP_sha256());
	rejects(jws, st, "payload that is not an object",
	    "not a JSON object");
	free(jws);

	/* What the LRS adds or may add does not count. */
	st2 = sent_statement(payload_json);
	json_set(st2, "stored", json_new_str("2020-01-01T00:00:00Z"));
	json_set(st2, "version", json_new_str("1.0.0"));
	json_set(st2, "authority", parse("{\"objectType\":\"Agent\","
	    "\"account\":{\"homePage\":\"http://lrs\",\"name\":\"x\"}}"));
	jws = make_jws(h, payload_json, key, EVP_sha256());
	accepts(jws, st2, "statement with stored, version, authority set");
	free(jws);
	json_free(st2);
	{
		/* A payload without id, the statement with the LRS's id. */
		json *p = parse(payload_json);
		char *ptext;

		json_del(p, "id");
		ptext = json_to_string(p, NULL);
		jws = make_jws(h, ptext, key, EVP_sha256());
		accepts(jws, st, "payload without the id the LRS assigned");
		free(jws);
		free(ptext);
		json_free(p);
	}

	/* Other attachments are part of what was signed. */
	{
		const char *extra = "{\"usageType\":\"http://example.com/u\","
		    "\"display\":{\"en-US\":\"x\"},\"contentType\":\"text/plain\","
		    "\"length\":1,\"sha2\":\"AB\"}";
		json *p = parse(payload_json), *att = json_new(JSON_ARRAY);
		char *ptext;

		json_push(att, parse(extra));
		json_set(p, "attachments", att);
		ptext = json_to_string(p, NULL);
		jws = make_jws(h, ptext, key, EVP_sha256());
		rejects(jws, st, "payload with an attachment the statement lacks",
	    "not the statement");
		st2 = parse(ptext);
		json_push(json_get(st2, "attachments"), parse(sig_attachment));
		accepts(jws, st2, "payload with the non-signature attachment");
		free(jws);
		jws = make_jws(h, payload_json, key, EVP_sha256());
		rejects(jws, st2, "payload missing a non-signature attachment",
	    "not the statement");
		free(jws);
		json_free(st2);
		free(ptext);
		json_free(p);
	}
	free(h);
	free(q);
	json_free(st);
}

static void
test_syntax(void)
{
	json *st = sent_statement(payload_json);
	char *good = make_jws("{\"alg\":\"RS256\"}", payload_json, key,
	    EVP_sha256());
	struct buf b = BUF_INIT;
	size_t i, len = strlen(good), bad = 0;
	char err[300];

	rejects("", st, "empty",
	    "compact serialization");
	rejects("abc", st, "one part",
	    "compact serialization");
	rejects("a.b", st, "two parts",
	    "compact serialization");
	rejects("..", st, "three empty parts",
	    "header is not JSON");
	rejects("a.b.c.d", st, "four parts",
	    "compact serialization");
	buf_printf(&b, "%s.", good);
	rejects(b.p, st, "trailing dot",
	    "compact serialization");
	buf_reset(&b);
	buf_printf(&b, "\r\n %s\r\n", good);
	accepts(b.p, st, "surrounding white space");
	buf_reset(&b);
	buf_printf(&b, "*%s", good);
	rejects(b.p, st, "bad base64 in the header",
	    "header is not base64url");
	buf_reset(&b);
	buf_add(&b, good, (size_t)(strchr(good, '.') - good) + 1);
	buf_puts(&b, "!");
	buf_puts(&b, strchr(good, '.') + 1);
	rejects(b.p, st, "bad base64 in the payload",
	    "payload is not base64url");
	buf_reset(&b);
	buf_printf(&b, "%s+", good);
	rejects(b.p, st, "bad base64 in the signature",
	    "signature is not base64url");
	buf_reset(&b);
	buf_add(&b, good, (size_t)(strrchr(good, '.') - good) + 1);
	rejects(b.p, st, "empty signature",
	    "signature is empty");
	buf_reset(&b);
	buf_printf(&b, "%s==", good);
	rejects(b.p, st, "padded base64url",
	    "signature is not base64url");
	buf_free(&b);
	{
		char *j = make_jws("not json", payload_json, key, EVP_sha256());

		rejects(j, st, "header not JSON",
	    "header is not JSON");
		free(j);
		j = make_jws("[\"RS256\"]", payload_json, key, EVP_sha256());
		rejects(j, st, "header not an object",
	    "header is not a JSON object");
		free(j);
	}

	/* Without x5c nothing can tell a cut signature from a whole one,
	 * but every cut before the signature is refused... */
	for (i = 0; i <= (size_t)(strrchr(good, '.') - good); i++) {
		char *pre = xmemdup(good, i);

		if (jws_verify(pre, i, st, err, sizeof(err)) == JWS_OK)
			bad++;
		free(pre);
	}
	ok(bad == 0, "no prefix without the signature verifies");
	/* ...and with x5c every proper prefix is, read within bounds. */
	{
		char *q = quoted(cert_b64), *h = hdr_x5c("RS512", q);
		char *full = make_jws(h, payload_json, key, EVP_sha512());
		size_t flen = strlen(full);

		for (i = 0, bad = 0; i < flen; i++) {
			char *pre = xmemdup(full, i);

			if (jws_verify(pre, i, st, err, sizeof(err)) == JWS_OK)
				bad++;
			free(pre);
		}
		ok(bad == 0, "no proper prefix of an x5c JWS verifies");
		ok(verify(full, st, err, sizeof(err)) == JWS_OK,
		    "the whole x5c JWS verifies: %s", err);
		free(full);
		free(h);
		free(q);
	}
	ok(jws_verify(good, len, st, NULL, 0) == JWS_OK,
	    "NULL err buffer is fine");
	free(good);
	json_free(st);
}

int
main(void)
{
	key = EVP_RSA_gen(2048);
	otherkey = EVP_RSA_gen(2048);
	eckey = EVP_EC_gen("P-256");
	if (key == NULL || otherkey == NULL || eckey == NULL)
		abort();
	cert_b64 = make_cert(key);
	other_cert_b64 = make_cert(otherkey);
	ec_cert_b64 = make_cert(eckey);

	test_algorithms();
	test_x5c();
	test_payload();
	test_syntax();

	free(cert_b64);
	free(other_cert_b64);
	free(ec_cert_b64);
	EVP_PKEY_free(key);
	EVP_PKEY_free(otherkey);
	EVP_PKEY_free(eckey);
	return test_done();
}
