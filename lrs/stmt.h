/* stmt: what makes an xAPI statement valid.
 *
 * These functions never allocate on behalf of the caller unless they say so
 * and never log.  Error messages go to a caller-supplied buffer and name the
 * property by its path, e.g. "actor.mbox: must be a mailto IRI".
 */
#ifndef LRS_STMT_H
#define LRS_STMT_H

#include <stddef.h>

#include "json.h"
#include "xapi.h"

enum {
	STMT_OK = 0,
	STMT_EINVALID = -1	/* the statement breaks a rule; err says which */
};

/* Check one statement as a client sent it, against every rule of the data
 * model of the given version (1.0.3 or 2.0.0): required and unknown
 * properties, types, actors/groups and their inverse functional
 * identifiers, verbs, objects (Activity, Agent, Group, StatementRef,
 * SubStatement), result, score, context, timestamps, durations, language
 * maps, IRIs, UUIDs, extensions, attachments metadata, version.
 * Properties the LRS sets (stored, authority) are checked too when present.
 * What differs by version: 2.0.0 requires a zone on timestamp and stored
 * (1.0.3 takes a zoneless one as UTC), accepts context.contextAgents and
 * context.contextGroups (unknown, so refused, in 1.0.3), and takes a
 * "version" of 1.0.x or 2.0.x where 1.0.3 takes only 1.0.x.
 * Returns STMT_OK (err emptied), or STMT_EINVALID with a message in err
 * (errlen bytes, truncated to fit; err may be NULL) of the form
 * "path: rule", the path "statement" naming the whole. */
int	stmt_validate(const json *st, enum xapi_version v, char *err, size_t errlen);

/* Check an Agent or Group given on its own (the agent parameter of the
 * Statement and document resources), with the statement rules; name is
 * the property path for the message.  STMT_OK or STMT_EINVALID. */
int	stmt_validate_actor(const json *actor, enum xapi_version v,
	    const char *name, char *err, size_t errlen);

/* Store-ready shape: context activities given as a single object become
 * one-element arrays (in a SubStatement too), so that readers meet one
 * shape.  st must be valid. */
void	stmt_normalize(json *st);

#endif
