/* jws: signed statements verified with OpenSSL libcrypto. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "json.h"
#include "jws.h"
#include "base64.h"
#include "fault.h"
#include "stmtfmt.h"
#include "xalloc.h"
#include "xapi.h"

/* How deep the header and payload may nest: a statement is far shallower. */
#define JWS_MAXDEPTH	64

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Decode base64 (url: the base64url alphabet without padding, as RFC
 * 7515 wants; else standard base64 with optional padding, as x5c uses).
 * A new buffer (caller frees), or NULL when s is not such text. */
static unsigned char *
b64_decode(const char *s, size_t len, int url, size_t *outlen)
{
	unsigned char *out;

	if (base64_decode(s, len, url ? BASE64_URL : 0, &out, outlen) != 0)
		return NULL;
	return out;
}

/* Decode base64url text and parse it as a JSON object. */
static json *
b64_json(const char *s, size_t len, const char *what, char *err,
    size_t errlen)
{
	unsigned char *raw;
	size_t rawlen;
	json *j = NULL;
	char jerr[120];

	if ((raw = b64_decode(s, len, 1, &rawlen)) == NULL) {
		seterr(err, errlen, "JWS %s is not base64url", what);
		return NULL;
	}
	if (json_parse((const char *)raw, rawlen, JWS_MAXDEPTH, &j, jerr,
	    sizeof(jerr)) != JSON_OK)
		seterr(err, errlen, "JWS %s is not JSON: %s", what,
		    jerr);
	else if (j->type != JSON_OBJECT) {
		seterr(err, errlen, "JWS %s is not a JSON object",
		    what);
		json_free(j);
		j = NULL;
	}
	free(raw);
	return j;
}

/* Check sig over the signing input with the first certificate of x5c,
 * after making sure every entry of x5c is a DER certificate. */
static int
verify_x5c(const json *x5c, const EVP_MD *md, const char *input,
    size_t inputlen, const unsigned char *sig, size_t siglen, char *err,
    size_t errlen)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert, *first = NULL;
	const unsigned char *p;
	unsigned char *der;
	size_t i, derlen;
	int rc = JWS_EINVALID;

	if (x5c->type != JSON_ARRAY || x5c->n == 0) {
		seterr(err, errlen, "x5c must be a non-empty array");
		return JWS_EINVALID;
	}
	for (i = 0; i < x5c->n; i++) {
		const json *c = x5c->vals[i];

		if (c->type != JSON_STRING ||
		    (der = b64_decode(c->str, c->len, 0, &derlen)) == NULL) {
			seterr(err, errlen, "x5c[%zu] is not base64",
			    i);
			goto out;
		}
		p = der;
		cert = d2i_X509(NULL, &p, (long)derlen);
		if (cert != NULL && p != der + derlen) {
			X509_free(cert);
			cert = NULL;
		}
		free(der);
		if (cert == NULL) {
			seterr(err, errlen, "x5c[%zu] is not a DER "
			    "X.509 certificate", i);
			goto out;
		}
		if (i == 0)
			first = cert;
		else
			X509_free(cert);
	}
	if ((key = X509_get_pubkey(first)) == NULL ||
	    !EVP_PKEY_is_a(key, "RSA")) {
		seterr(err, errlen, "the x5c certificate has no RSA "
		    "public key");
		goto out;
	}
	if (FAULT("jws.ctx") != 0 || (ctx = EVP_MD_CTX_new()) == NULL) {
		seterr(err, errlen, "libcrypto cannot make a digest context");
		rc = JWS_ECRYPTO;
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) != 1 ||
	    EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)input,
	    inputlen) != 1) {
		seterr(err, errlen, "does not verify with the x5c "
		    "certificate");
		goto out;
	}
	rc = JWS_OK;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	X509_free(first);
	return rc;
}

/* A copy of statement st without its signature attachments (and without
 * "attachments" when nothing else is left in it). */
static json *
without_signature(const json *st)
{
	json *c = json_clone(st), *att, *keep;
	size_t i;

	att = json_get(c, "attachments");
	if (att == NULL || att->type != JSON_ARRAY)
		return c;
	keep = json_new(JSON_ARRAY);
	for (i = 0; i < att->n; i++)
		if (!json_is_str(json_get(att->vals[i], "usageType"),
		    XAPI_SIGNATURE_USAGE))
			json_push(keep, json_clone(att->vals[i]));
	if (keep->n == 0) {
		json_free(keep);
		json_del(c, "attachments");
	} else
		json_set(c, "attachments", keep);
	return c;
}

/* The digest of the header's "alg", or NULL (with err) when the header
 * names none this LRS checks, or extensions it does not understand. */
static const EVP_MD *
header_md(const json *hdr, char *err, size_t errlen)
{
	const char *alg = json_get_str(hdr, "alg");
	const EVP_MD *md;

	if (alg == NULL) {
		seterr(err, errlen, "JWS header has no \"alg\"");
		return NULL;
	}
	if (strcmp(alg, "RS256") == 0)
		md = EVP_sha256();
	else if (strcmp(alg, "RS384") == 0)
		md = EVP_sha384();
	else if (strcmp(alg, "RS512") == 0)
		md = EVP_sha512();
	else {
		seterr(err, errlen, "JWS algorithm \"%.20s\" is not "
		    "RS256, RS384 or RS512", alg);
		return NULL;
	}
	if (json_get(hdr, "crit") != NULL) {
		seterr(err, errlen, "JWS header has \"crit\" "
		    "extensions this LRS does not understand");
		return NULL;
	}
	return md;
}

/* Split jws (len bytes, blanks around it ignored) at its two dots:
 * *start, *d1 and *d2 (the dots), and its trimmed length into *len. */
static int
split_compact(const char **jws, size_t *len, const char **d1,
    const char **d2, char *err, size_t errlen)
{
	const char *p = *jws;
	size_t n = *len;

	while (n > 0 && is_space(*p)) {
		p++;
		n--;
	}
	while (n > 0 && is_space(p[n - 1]))
		n--;
	if (n == 0 || (*d1 = memchr(p, '.', n)) == NULL ||
	    (*d2 = memchr(*d1 + 1, '.', n - (size_t)(*d1 + 1 - p))) == NULL ||
	    memchr(*d2 + 1, '.', n - (size_t)(*d2 + 1 - p)) != NULL) {
		seterr(err, errlen, "not a JWS in compact "
		    "serialization (header.payload.signature)");
		return JWS_EINVALID;
	}
	*jws = p;
	*len = n;
	return JWS_OK;
}

int
jws_verify(const char *jws, size_t len, const json *st, char *err,
    size_t errlen)
{
	const char *d1, *d2;
	const EVP_MD *md;
	json *hdr = NULL, *payload = NULL, *x5c, *a = NULL, *b = NULL;
	unsigned char *sig = NULL;
	size_t siglen;
	int rc;

	if ((rc = split_compact(&jws, &len, &d1, &d2, err, errlen)) != JWS_OK)
		return rc;
	rc = JWS_EINVALID;
	if ((hdr = b64_json(jws, (size_t)(d1 - jws), "header", err,
	    errlen)) == NULL || (md = header_md(hdr, err, errlen)) == NULL)
		goto out;
	sig = b64_decode(d2 + 1, len - (size_t)(d2 + 1 - jws), 1, &siglen);
	if (sig == NULL || siglen == 0) {
		seterr(err, errlen, "JWS signature is %s",
		    sig == NULL ? "not base64url" : "empty");
		goto out;
	}
	if ((payload = b64_json(d1 + 1, (size_t)(d2 - d1 - 1), "payload", err,
	    errlen)) == NULL)
		goto out;
	if ((x5c = json_get(hdr, "x5c")) != NULL &&
	    (rc = verify_x5c(x5c, md, jws, (size_t)(d2 - jws), sig, siglen,
	    err, errlen)) != JWS_OK)
		goto out;
	a = without_signature(payload);
	b = without_signature(st);
	rc = JWS_OK;
	if (!stmtfmt_equivalent(a, b)) {
		seterr(err, errlen, "the signed payload is not the "
		    "statement");
		rc = JWS_EINVALID;
	}
out:
	json_free(hdr);
	json_free(payload);
	json_free(a);
	json_free(b);
	free(sig);
	return rc;
}
