/* docmerge: the JSON merge of POSTed documents (see docmerge.h). */
#include "docmerge.h"

#include <string.h>
#include <strings.h>

int
docmerge_is_json(const char *type, size_t len)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	while (len && (*type == ' ' || *type == '\t')) {
		type++;
		len--;
	}
	if (len < n || strncasecmp(type, want, n) != 0)
		return 0;
	type += n;
	len -= n;
	while (len && (*type == ' ' || *type == '\t')) {
		type++;
		len--;
	}
	return len == 0 || *type == ';';
}

int
docmerge_members(json *into, const json *from)
{
	int changed = 0;
	size_t i;
	json *cur;

	for (i = 0; i < from->n; i++) {
		cur = json_get(into, from->keys[i]);
		if (cur && json_equal(cur, from->vals[i]))
			continue;
		json_set(into, from->keys[i], json_clone(from->vals[i]));
		changed = 1;
	}
	return changed;
}

int
docmerge(const char *ctype, size_t ctypelen, const char *cur, size_t clen,
    const char *type, const char *data, size_t len, struct buf *out)
{
	json *a = NULL, *b = NULL;
	int rc = -1;

	if (!docmerge_is_json(ctype, ctypelen) || type == NULL ||
	    !docmerge_is_json(type, strlen(type)))
		goto out;
	if (json_parse(cur, clen, DOCMERGE_MAX_DEPTH, &a, NULL, 0) != 0 ||
	    json_parse(data, len, DOCMERGE_MAX_DEPTH, &b, NULL, 0) != 0 ||
	    a->type != JSON_OBJECT || b->type != JSON_OBJECT)
		goto out;
	docmerge_members(a, b);
	json_dump(a, out);
	rc = 0;
out:
	json_free(a);
	json_free(b);
	return rc;
}
