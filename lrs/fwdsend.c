/* fwdsend: forwarding requests (fwdsend.h). */
#include "fwdsend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "iso8601.h"
#include "multipart.h"
#include "xalloc.h"

void
fwdsend_free(struct fwdsend_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->texts[i]);
	for (i = 0; i < b->nblobs; i++) {
		free(b->blobs[i].sha2);
		free(b->blobs[i].ctype);
		free(b->blobs[i].data);
	}
	free(b->blobs);
	free(b->seqs);
	free(b->texts);
	free(b->lens);
	memset(b, 0, sizeof(*b));
}

void
fwdsend_add(struct fwdsend_batch *b, uint64_t seq, const char *text,
    size_t len)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->seqs = xrealloc(b->seqs, b->cap * sizeof(*b->seqs));
		b->texts = xrealloc(b->texts, b->cap * sizeof(*b->texts));
		b->lens = xrealloc(b->lens, b->cap * sizeof(*b->lens));
	}
	b->seqs[b->n] = seq;
	b->texts[b->n] = xstrndup(text, len);
	b->lens[b->n++] = len;
}

/* The attachment payloads stored for statement text (len bytes) into b,
 * each once.  STORE_* codes. */
int
fwdsend_add_blobs(store_read *rd, const char *text, size_t len,
    struct fwdsend_batch *b)
{
	const json *atts, *a;
	const char *sha2;
	const void *data;
	json *st;
	size_t i, k, n;
	int rc = STORE_OK;

	if (json_parse(text, len, 64, &st, NULL, 0) != 0)
		return STORE_ECORRUPT;
	atts = json_get(st, "attachments");
	for (i = 0; atts && atts->type == JSON_ARRAY && i < atts->n; i++) {
		a = atts->vals[i];
		if ((sha2 = json_get_str(a, "sha2")) == NULL)
			continue;
		for (k = 0; k < b->nblobs && strcmp(b->blobs[k].sha2, sha2); k++)
			;
		if (k < b->nblobs)
			continue;
		if ((rc = store_blob_get(rd, sha2, &data, &n)) == STORE_ENOTFOUND)
			continue;	/* sent by fileUrl only */
		if (rc != STORE_OK)
			break;
		b->blobs = xrealloc(b->blobs, (b->nblobs + 1) * sizeof(*b->blobs));
		b->blobs[b->nblobs].sha2 = xstrdup(sha2);
		b->blobs[b->nblobs].ctype = json_get_str(a, "contentType") ?
		    xstrdup(json_get_str(a, "contentType")) : NULL;
		b->blobs[b->nblobs].data = xmemdup(data, n ? n : 1);
		b->blobs[b->nblobs++].len = n;
	}
	json_free(st);
	return rc == STORE_ENOTFOUND ? STORE_OK : rc;
}

/* The webhook body of b's first n statements and its signature header. */
static void
webhook_body(const struct fwdsend_target *c, const struct fwdsend_batch *b,
    size_t n, struct buf *body, struct buf *hdr)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char when[32];
	size_t k;

	buf_printf(body, "{\"target\":\"%s\",\"delivery\":\"%s-%llu-%llu-%llu\","
	    "\"sentAt\":\"%s\",\"statements\":[", c->id, c->id,
	    (unsigned long long)c->stamp, (unsigned long long)b->seqs[0],
	    (unsigned long long)b->seqs[n - 1],
	    iso8601_format(iso8601_now(), when));
	for (k = 0; k < n; k++) {
		buf_printf(body, "%s{\"seq\":%llu,\"statement\":", k ? "," : "",
		    (unsigned long long)b->seqs[k]);
		buf_add(body, b->texts[k], b->lens[k]);
		buf_putc(body, '}');
	}
	buf_puts(body, "]}");
	HMAC(EVP_sha256(), c->secret, (int)strlen(c->secret),
	    (const unsigned char *)body->p, body->len, md, &mdlen);
	buf_puts(hdr, "X-Lrsd-Signature: sha256=");
	for (i = 0; i < mdlen; i++)
		buf_printf(hdr, "%02x", md[i]);
	buf_printf(hdr, "\r\nX-Lrsd-Delivery: %s-%llu-%llu-%llu\r\n"
	    "X-Lrsd-Timestamp: %lld\r\n", c->id, (unsigned long long)c->stamp,
	    (unsigned long long)b->seqs[0], (unsigned long long)b->seqs[n - 1],
	    (long long)(iso8601_now() / 1000000));
}

/* The lrs body of b's first n statements: a JSON array, or multipart
 * with the attachments when there are any.  -1 when no boundary can be
 * drawn. */
static int
lrs_body(const struct fwdsend_batch *b, size_t n, struct buf *body,
    struct buf *hdr)
{
	struct buf arr = BUF_INIT;
	unsigned char rnd[12];
	char boundary[40];
	size_t k;

	buf_putc(&arr, '[');
	for (k = 0; k < n; k++) {
		if (k)
			buf_putc(&arr, ',');
		buf_add(&arr, b->texts[k], b->lens[k]);
	}
	buf_putc(&arr, ']');
	if (b->nblobs == 0) {
		buf_puts(hdr, "Content-Type: application/json\r\n");
		buf_add(body, arr.p, arr.len);
		buf_free(&arr);
		return 0;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		buf_free(&arr);
		return -1;
	}
	for (k = 0; k < sizeof(rnd); k++)
		snprintf(boundary + 2 * k, 3, "%02x", rnd[k]);
	buf_printf(hdr, "Content-Type: multipart/mixed; boundary=%s\r\n",
	    boundary);
	multipart_write_part(body, boundary, "application/json", NULL, arr.p,
	    arr.len);
	for (k = 0; k < b->nblobs; k++)
		multipart_write_part(body, boundary, b->blobs[k].ctype,
		    b->blobs[k].sha2, b->blobs[k].data, b->blobs[k].len);
	multipart_close(body, boundary);
	buf_free(&arr);
	return 0;
}

/* Whether the target refuses the statements themselves (not a passing
 * trouble of its own): then retrying the same ones cannot help. */
static int
refused(int status)
{
	return status == 400 || status == 409 || status == 413 ||
	    status == 422;
}

int
fwdsend_post(const struct fwdsend_target *c, const struct fwdsend_batch *b,
    size_t n, int *status, char *err, size_t errlen)
{
	struct buf body = BUF_INIT, hdr = BUF_INIT;
	struct hclient_resp r;
	const char *url = c->url;
	int rc;

	buf_puts(&hdr, c->headers);
	if (c->webhook)
		webhook_body(c, b, n, &body, &hdr);
	else if (lrs_body(b, n, &body, &hdr) != 0) {
		buf_free(&body);
		buf_free(&hdr);
		snprintf(err, errlen, "cannot draw a multipart boundary: the "
		    "random generator (libcrypto RAND_bytes) failed");
		*status = 0;
		return FWDSEND_RETRY;
	}
	rc = hclient_post(c->u, hdr.p, body.p, body.len, c->timeout_ms, &r);
	buf_free(&body);
	buf_free(&hdr);
	*status = r.status;
	if (rc != HCLIENT_OK) {
		snprintf(err, errlen, "POST %s: %s", url, hclient_strerror(rc));
		return FWDSEND_RETRY;
	}
	if (r.status >= 200 && r.status < 300)
		return FWDSEND_OK;
	snprintf(err, errlen, "POST %s answered %d: %.200s", url, r.status,
	    r.body);
	return refused(r.status) ? FWDSEND_REFUSED : FWDSEND_RETRY;
}

