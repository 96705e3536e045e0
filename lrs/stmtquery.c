/* stmtquery: the filters of GET /statements as a store query. */
#include "stmtquery.h"

#include "index.h"
#include "iso8601.h"
#include "json.h"
#include "stmt.h"

#include <stdio.h>
#include <string.h>

#include <uuid/uuid.h>

int
stmtquery_add(struct store_query *q, int tag,
    const uint8_t hash[INDEX_HASH_LEN])
{
	if (q->nfilters == sizeof(q->filters) / sizeof(q->filters[0]))
		return STMTQUERY_EFULL;
	q->filters[q->nfilters][0] = (uint8_t)tag;
	memcpy(q->filters[q->nfilters++] + 1, hash, INDEX_HASH_LEN);
	return STMTQUERY_OK;
}

int
stmtquery_bool(const struct params *p, const char *name, int *out,
    char *err, size_t errlen)
{
	const char *v = params_get(p, name);

	*out = 0;
	if (v == NULL || strcmp(v, "false") == 0)
		return STMTQUERY_OK;
	if (strcmp(v, "true") == 0) {
		*out = 1;
		return STMTQUERY_OK;
	}
	snprintf(err, errlen, "parameter %s must be true or false, not '%s'",
	    name, v);
	return STMTQUERY_EINVALID;
}

/* Say that hashing what parameter name gives failed. */
static int
hash_failed(const char *name, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot look up %s: %s", name,
	    index_strerror(INDEX_ECRYPTO));
	return STMTQUERY_ECRYPTO;
}

/* The agent and related_agents parameters into q. */
static int
query_agent(const struct params *p, enum xapi_version v,
    struct store_query *q, char *err, size_t errlen)
{
	const char *text = params_get(p, "agent");
	uint8_t h[INDEX_HASH_LEN];
	json *agent = NULL;
	char why[256];
	int related, rc;

	if ((rc = stmtquery_bool(p, "related_agents", &related, err,
	    errlen)) != 0 || text == NULL)
		return rc;
	rc = STMTQUERY_EINVALID;
	if (json_parse(text, strlen(text), 8, &agent, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "agent: %s", why);
		goto out;
	}
	if (stmt_validate_actor(agent, v, "agent", err, errlen) != STMT_OK)
		goto out;
	switch (index_agent_hash(agent, h)) {
	case INDEX_OK:
		rc = stmtquery_add(q, related ? INDEX_RELATED_AGENT :
		    INDEX_AGENT, h);
		break;
	case INDEX_ENOIFI:
		snprintf(err, errlen, "agent must be an Agent or an identified Group");
		break;
	default:
		rc = hash_failed("the agent", err, errlen);
	}
out:
	json_free(agent);
	return rc;
}

/* An IRI parameter (verb, activity) as filter tag of q. */
static int
query_iri(const struct params *p, const char *name, int tag,
    struct store_query *q, char *err, size_t errlen)
{
	const char *v = params_get(p, name);
	uint8_t h[INDEX_HASH_LEN];
	char what[32];

	if (v == NULL)
		return STMTQUERY_OK;
	if (*v == '\0' || strchr(v, ':') == NULL) {
		snprintf(err, errlen, "%s must be an IRI", name);
		return STMTQUERY_EINVALID;
	}
	if (index_hash(tag == INDEX_RELATED_ACTIVITY ? INDEX_ACTIVITY : tag,
	    v, strlen(v), h) != INDEX_OK) {
		snprintf(what, sizeof(what), "the %s", name);
		return hash_failed(what, err, errlen);
	}
	return stmtquery_add(q, tag, h);
}

/* The verb, activity (related_activities) and registration parameters
 * into q. */
static int
query_ids(const struct params *p, struct store_query *q, char *err,
    size_t errlen)
{
	uint8_t h[INDEX_HASH_LEN], id[16];
	const char *v;
	int related, rc;

	if ((rc = stmtquery_bool(p, "related_activities", &related, err,
	    errlen)) != 0 ||
	    (rc = query_iri(p, "verb", INDEX_VERB, q, err, errlen)) != 0 ||
	    (rc = query_iri(p, "activity", related ? INDEX_RELATED_ACTIVITY :
	    INDEX_ACTIVITY, q, err, errlen)) != 0)
		return rc;
	if ((v = params_get(p, "registration")) == NULL)
		return STMTQUERY_OK;
	if (strlen(v) != 36 || uuid_parse(v, id) != 0) {
		snprintf(err, errlen, "registration '%s' is not a UUID", v);
		return STMTQUERY_EINVALID;
	}
	if (index_registration_hash(v, strlen(v), h) != INDEX_OK)
		return hash_failed("the registration", err, errlen);
	return stmtquery_add(q, INDEX_REGISTRATION, h);
}

/* A timestamp parameter into *out (left alone when absent). */
static int
query_time(const struct params *p, const char *name, int64_t *out,
    char *err, size_t errlen)
{
	const char *v = params_get(p, name);

	if (v == NULL || iso8601_parse(v, strlen(v), 0, out) == 0)
		return STMTQUERY_OK;
	snprintf(err, errlen, "%s '%s' is not an ISO 8601 timestamp", name, v);
	return STMTQUERY_EINVALID;
}

int
stmtquery_build(const struct params *p, enum xapi_version v,
    struct store_query *q, char *err, size_t errlen)
{
	int rc;

	if ((rc = query_agent(p, v, q, err, errlen)) != 0 ||
	    (rc = query_ids(p, q, err, errlen)) != 0 ||
	    (rc = query_time(p, "since", &q->since, err, errlen)) != 0 ||
	    (rc = query_time(p, "until", &q->until, err, errlen)) != 0)
		return rc;
	if (q->since < 0)
		q->since = 0;
	return stmtquery_bool(p, "ascending", &q->ascending, err, errlen);
}
