/* stmtquery: the filters of GET /statements as a store query.
 *
 * One home for turning the query parameters agent, related_agents, verb,
 * activity, related_activities, registration, since, until and ascending
 * into a struct store_query, so the Statement resource and the export
 * tool filter the same way.
 */
#ifndef LRS_STMTQUERY_H
#define LRS_STMTQUERY_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "store.h"
#include "xapi.h"

enum {
	STMTQUERY_OK = 0,
	STMTQUERY_EINVALID = -1,	/* a bad parameter value (a 400) */
	STMTQUERY_ECRYPTO = -2,		/* hashing a key failed (libcrypto) */
	STMTQUERY_EFULL = -3		/* more filters than a query holds */
};

/* Add the filters and bounds the parameters of p give to q (other
 * parameters, limit and paging among them, are the caller's).  The agent
 * is validated as xAPI version v has it.  On failure err (errlen bytes)
 * names the parameter and the problem; q may hold part of the filters. */
int	stmtquery_build(const struct params *p, enum xapi_version v,
	    struct store_query *q, char *err, size_t errlen);
/* Add filter (tag, hash) to q: STMTQUERY_EFULL when q has no room. */
int	stmtquery_add(struct store_query *q, int tag,
	    const uint8_t hash[INDEX_HASH_LEN]);
/* Parameter name of p as a boolean (absent: 0): STMTQUERY_EINVALID when
 * it is neither true nor false, err saying so. */
int	stmtquery_bool(const struct params *p, const char *name, int *out,
	    char *err, size_t errlen);

#endif
