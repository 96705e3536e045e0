/* fwdfilt: which statements a forwarding target wants.
 *
 * A filter is the "filters" member of a target's configuration:
 *
 *	{"verbs": [IRI...], "activities": [IRI...], "agents": [Agent...],
 *	 "relatedActivities": bool, "relatedAgents": bool}
 *
 * Every member is optional; a statement passes when it passes each list
 * given (a list passes when any of its entries matches).  A verb matches
 * verb.id.  An activity matches the statement's object (when an
 * Activity); with relatedActivities also the context activities and the
 * object of a SubStatement, as GET /statements' related_activities.  An
 * Agent (by its identifier: mbox, mbox_sha1sum, openid or account)
 * matches the actor or a member of an actor Group; with relatedAgents
 * also the object, the context's instructor and team, the authority and
 * a SubStatement's actor and object, as related_agents.
 */
#ifndef LRS_FWDFILT_H
#define LRS_FWDFILT_H

#include <stddef.h>

#include "json.h"

/* 0 when f (NULL: no filter) is a well-formed filter; else -1 with err
 * naming the bad member. */
int	fwdfilt_check(const json *f, char *err, size_t errlen);
/* Nonzero when statement st passes filter f (checked; NULL passes all). */
int	fwdfilt_match(const json *f, const json *st);

#endif
