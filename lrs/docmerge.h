/* docmerge: the JSON merge of a document POSTed to the State, Agent
 * Profile or Activity Profile resources into the stored one (xAPI 1.0.3
 * Communication 2.2, "JSON Procedure with Requirements"). */
#ifndef DOCMERGE_H
#define DOCMERGE_H

#include <stddef.h>

#include "buf.h"
#include "json.h"

#define DOCMERGE_MAX_DEPTH	64	/* nesting a merged document may have */

/* 1 when Content-Type type (len bytes, not NUL-terminated) is
 * application/json, with or without parameters; else 0. */
int	docmerge_is_json(const char *type, size_t len);

/* Set every member of object from into object into, one level deep, the
 * members of from replacing those of the same name (from keeps its
 * members; into gets copies).  Nonzero when into changed. */
int	docmerge_members(json *into, const json *from);

/* Merge the posted document (type, data, len) into the stored one (ctype
 * of ctypelen bytes, cur, clen): both must be JSON objects with a JSON
 * Content-Type.  On success appends the merged object's text to out and
 * returns 0; returns -1 (out untouched) when either is not a JSON object
 * or its type is not JSON.  type may be NULL (not JSON). */
int	docmerge(const char *ctype, size_t ctypelen, const char *cur,
	    size_t clen, const char *type, const char *data, size_t len,
	    struct buf *out);

#endif
