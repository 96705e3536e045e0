/* stmtfmt: how stored statements compare and how they are shown
 * (the "format" parameter of GET /statements).
 */
#ifndef LRS_STMTFMT_H
#define LRS_STMTFMT_H

#include "json.h"

/* Nonzero when a and b are the same statement by the spec's Statement
 * Comparison Requirements: properties the LRS sets or may change
 * (authority, stored, version, and what else the spec lists) are ignored,
 * timestamps compare by instant, and case rules are as the spec states.
 * Used for PUT/POST of an id already stored (same => 204, else 409) and
 * for signed statements. */
int	stmtfmt_equivalent(const json *a, const json *b);

/* A new copy of a stored statement in the "ids" format: Agents, Groups,
 * Activities and Verbs reduced to what identifies them (anonymous groups
 * keep their members, reduced likewise).  Caller frees. */
json	*stmtfmt_ids(const json *st);

/* A new copy of a stored statement in the "canonical" format: every
 * language map (verb display, activity name/description, interaction
 * components, attachment display/description) reduced to the one entry
 * best matching accept_language (an HTTP Accept-Language value, may be
 * NULL: then the first entry is kept).  Caller frees. */
json	*stmtfmt_canonical(const json *st, const char *accept_language);

#endif
