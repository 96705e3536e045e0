/* stmtgen: a seeded stream of realistic xAPI statements for the bench.
 *
 * Statement i of the stream of a seed is always the same text, so a store
 * preloaded with statements 0..n-1 can be reused, and the bench can name
 * an actor, verb, activity or registration that statement i carries
 * without asking the server.  The mix: 5,000 actors (mostly mbox Agents,
 * some account and openid IFIs, some identified Groups with members; a
 * few are far more active than the rest), 30 verbs of uneven frequency,
 * 400 activities (20 courses of 4 modules and 15 questions) with their
 * definitions, registrations per actor and course, context activities
 * (parent, grouping, category), instructors, extensions, results with
 * scores, durations and responses, StatementRefs, 1 in 2,000 with an
 * attachment sent as a multipart payload, 1 in 500 with a fileUrl-only
 * attachment, and 1 in 500 voiding an earlier statement of the stream.
 */
#ifndef TOOLS_STMTGEN_H
#define TOOLS_STMTGEN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define STMTGEN_ACTORS		5000
#define STMTGEN_VERBS		30
#define STMTGEN_COURSES		20
#define STMTGEN_ACTIVITIES	(STMTGEN_COURSES * 20)
#define STMTGEN_PROGRAMS	5
#define STMTGEN_PAYLOAD_MAX	1024

/* What statement i is made of: the bench's queries take their values
 * from statements known to be stored. */
struct stmtgen_pick {
	unsigned	actor;		/* 0..STMTGEN_ACTORS-1 */
	unsigned	verb;		/* 0..STMTGEN_VERBS-1 */
	unsigned	activity;	/* the object (or its parent) */
	unsigned	course;		/* 0..STMTGEN_COURSES-1 */
	int		instructor;	/* -1: none */
	int		registered;	/* context.registration is set */
	int		voiding;	/* it voids statement i - 250 */
	int		ref;		/* the object is a StatementRef */
};

/* An attachment payload sent beside a statement (len 0: none). */
struct stmtgen_payload {
	char	sha2[65];
	size_t	len;
	char	data[STMTGEN_PAYLOAD_MAX];
};

/* The parts of statement i of seed's stream into *p. */
void	stmtgen_pick(uint64_t seed, uint64_t i, struct stmtgen_pick *p);

/* The id of statement i of seed's stream, as 36 characters and a NUL. */
void	stmtgen_id(uint64_t seed, uint64_t i, char out[37]);

/* Append statement i of seed's stream to b as JSON.  When it carries an
 * attachment sent as a payload, the payload goes to *att (else att->len
 * is 0).  Returns the bytes appended. */
size_t	stmtgen_statement(uint64_t seed, uint64_t i, struct buf *b,
	    struct stmtgen_payload *att);

/* Append query values to b, URL-encoded: the agent JSON (its IFI only)
 * of actor k, the IRI of verb v, of activity a, of course c's program,
 * the registration of actor k in course c. */
void	stmtgen_q_agent(struct buf *b, unsigned k);
void	stmtgen_q_instructor(struct buf *b, unsigned k);
void	stmtgen_q_verb(struct buf *b, unsigned v);
void	stmtgen_q_activity(struct buf *b, unsigned a);
void	stmtgen_q_program(struct buf *b, unsigned c);
void	stmtgen_q_registration(struct buf *b, unsigned k, unsigned c);

#endif
