/* libFuzzer: the merge of a POSTed JSON document into a stored one
 * (docmerge).  The input is "stored type\nposted type\nstored\0posted";
 * a posted type of "-" stands for none (NULL).  Checked against an
 * independent reference: the merge succeeds exactly when both types are
 * application/json and both documents are JSON objects; its result is an
 * object whose names are the union of both, each with the posted value
 * when posted, else the stored one; a refused merge writes nothing. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docmerge.h"
#include "json.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reference for a JSON Content-Type: optional blanks, application/json
 * in any case, optional blanks, then the end or parameters. */
static int
ref_is_json(const char *t, size_t len)
{
	static const char want[] = "application/json";
	size_t i = 0, k;

	while (i < len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	for (k = 0; want[k]; k++, i++)
		if (i >= len || tolower((unsigned char)t[i]) != want[k])
			return 0;
	while (i < len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	return i == len || t[i] == ';';
}

/* A parsed JSON object of text (len bytes), or NULL. */
static json *
ref_object(const char *text, size_t len)
{
	json *j = NULL;

	if (json_parse(text, len, DOCMERGE_MAX_DEPTH, &j, NULL, 0) != 0)
		return NULL;
	if (j->type != JSON_OBJECT) {
		json_free(j);
		return NULL;
	}
	return j;
}

/* Abort unless merged is stored with posted laid over it. */
static void
check_merged(const json *stored, const json *posted, const json *merged)
{
	size_t i, n = posted->n;
	json *v;

	if (merged == NULL || merged->type != JSON_OBJECT)
		abort();
	for (i = 0; i < posted->n; i++)
		if ((v = json_get(merged, posted->keys[i])) == NULL ||
		    !json_equal(v, posted->vals[i]))
			abort();
	for (i = 0; i < stored->n; i++) {
		if (json_get(posted, stored->keys[i]) != NULL)
			continue;
		n++;
		if ((v = json_get(merged, stored->keys[i])) == NULL ||
		    !json_equal(v, stored->vals[i]))
			abort();
	}
	/* No name besides the union. */
	if (merged->n != n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl1, *nl2, *nul;
	char *ctype, *ptype, *stored, *posted;
	size_t clen, slen, plen;
	json *a = NULL, *b = NULL, *m = NULL;
	struct buf out = BUF_INIT;
	int rc, want;

	if ((nl1 = memchr(p, '\n', size)) == NULL ||
	    (nl2 = memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1))) == NULL)
		return 0;
	clen = (size_t)(nl1 - p);
	ctype = xmemdup(p, clen);	/* exactly sized: no NUL after it */
	ptype = xstrndup(nl1 + 1, (size_t)(nl2 - nl1 - 1));
	p = nl2 + 1;
	if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
		nul = end;
	slen = (size_t)(nul - p);
	stored = xmemdup(p, slen);
	p = nul < end ? nul + 1 : end;
	plen = (size_t)(end - p);
	posted = xmemdup(p, plen);

	rc = docmerge(ctype, clen, stored, slen,
	    strcmp(ptype, "-") == 0 ? NULL : ptype, posted, plen, &out);
	want = ref_is_json(ctype, clen) && strcmp(ptype, "-") != 0 &&
	    ref_is_json(ptype, strlen(ptype)) &&
	    (a = ref_object(stored, slen)) != NULL &&
	    (b = ref_object(posted, plen)) != NULL;
	if (rc != (want ? 0 : -1))
		abort();
	if (rc != 0 && out.len != 0)
		abort();
	if (rc == 0) {
		if (json_parse(out.p, out.len, DOCMERGE_MAX_DEPTH, &m, NULL,
		    0) != 0)
			abort();
		check_merged(a, b, m);
	}
	json_free(a);
	json_free(b);
	json_free(m);
	buf_free(&out);
	free(ctype);
	free(ptype);
	free(stored);
	free(posted);
	return 0;
}
