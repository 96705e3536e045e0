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
 * Returns STMT_OK, or STMT_EINVALID with a message in err (errlen bytes). */
int	stmt_validate(const json *st, enum xapi_version v, char *err, size_t errlen);

#endif
