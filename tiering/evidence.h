/* evidence: a learner's evidence index, which of its statements meet
 * which certification requirement and raise which skill to which level,
 * kept so that awards and levels follow without reading its statements
 * again (the fold keeps no fact of them: the index is their only trace).
 *
 * Requirement evidence is write-once entities of kind 'V' keyed learner,
 * US, certification, US, "r" (requirements) or "rr" (recertification),
 * US, requirement index (2 hex digits), US, time (as fact keys: byte
 * order is time order), US, statement id: the first evidence of a
 * requirement after a time is one seek.  On the learner entity:
 *   "ea"  {certification: award time} the award the evidence supported
 *         when last derived (absent: none);
 *   "evq" {certification: time} the earliest evidence time added or
 *         taken away since (cleared by evidence_award);
 *   "sl"  {"profile/skill": {level index: count}} skill evidence.
 * The kind 'V' must be written through (tstate_write_through).
 *
 * Every function works in the fold's transaction and notes an LMDB error
 * in f->rc; rule problems (a definition missing) are skipped.
 */
#ifndef TIER_EVIDENCE_H
#define TIER_EVIDENCE_H

#include <stdint.h>

#include "fold.h"
#include "json.h"

/* Add (sign 1) or take away (-1) fact fc of learner L (key lk) to or
 * from the index under the current definitions.  Returns how many
 * entries it changed (0: nothing to re-derive). */
int	evidence_add(struct fold *f, json *L, const char *lk, const json *fc,
	    int sign);
/* The award certification cid (definition C) has from L's evidence:
 * the time all requirements were first met, moved on by each renewal
 * (all recertification requirements met again after it, or all
 * requirements when it names none); *at gets it and the result is 1,
 * or 0 when there is none.  Continues from the last derived award when
 * nothing earlier changed since, else derives from the start. */
int	evidence_award(struct fold *f, json *L, const char *lk,
	    const char *cid, const json *C, int64_t *at);
/* The highest level index skill key ("profile/skill") has evidence for,
 * or -1. */
int	evidence_level(const json *L, const char *key);
/* Empty L's index (definitions changed: the fold then adds every
 * statement of L the new ones read, from the log). */
void	evidence_clear(struct fold *f, json *L, const char *lk);

/* Whether fact fc meets requirement r of a certification. */
int	evidence_meets(const json *r, const json *fc);
/* The index of level name among skill's levels, or -1. */
int	evidence_level_index(const json *skill, const char *name);
/* The level index fact fc raises skill to by raise r, or -1. */
int	evidence_raises(const json *skill, const json *r, const json *fc);

#endif
