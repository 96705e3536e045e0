/* index: the secondary-index keys of a statement.
 *
 * Every query parameter of GET /statements is answered by seeking in one
 * LMDB index whose keys are  tag (1 byte) | hash (16 bytes) | seq (8 bytes,
 * big-endian).  This module computes the (tag, hash) pairs a statement
 * must be findable by; the store appends the sequence number.  The hash is
 * the first 16 bytes of SHA-256 over a canonical text of the value, so
 * keys are fixed-size whatever the length of an IRI.
 */
#ifndef LRS_INDEX_H
#define LRS_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

#define INDEX_HASH_LEN	16
#define INDEX_KEY_LEN	(1 + INDEX_HASH_LEN)

/* Tags: what a key says about the statement. */
enum index_tag {
	INDEX_AGENT		= 'a',	/* actor, or object when an Agent/Group */
	INDEX_RELATED_AGENT	= 'A',	/* any agent anywhere (related_agents) */
	INDEX_VERB		= 'v',	/* verb.id */
	INDEX_ACTIVITY		= 'o',	/* object.id when an Activity */
	INDEX_RELATED_ACTIVITY	= 'O',	/* any activity anywhere (related_activities) */
	INDEX_REGISTRATION	= 'r',	/* context.registration */
	INDEX_AUTHORITY		= 'w'	/* the credential that stored it (read/mine) */
};

enum {
	INDEX_OK = 0,
	INDEX_ENOIFI = -1,	/* an agent without an inverse functional id */
	INDEX_ECRYPTO = -2	/* libcrypto's SHA-256 failed */
};

/* A set of (tag, hash) keys, without duplicates. */
struct index_keys {
	uint8_t	(*k)[INDEX_KEY_LEN];
	size_t	  n;
	size_t	  cap;
};

/* Add the keys statement st is found by to ks (duplicates are dropped).
 * Does not follow StatementRefs: the store adds the target's keys.
 * INDEX_ECRYPTO (ks then holds some of them). */
int	index_statement(const json *st, struct index_keys *ks);
/* Add one key (tag, hash) to ks unless present. */
void	index_add(struct index_keys *ks, int tag, const uint8_t hash[INDEX_HASH_LEN]);
/* Release the keys. */
void	index_keys_free(struct index_keys *ks);

/* The hashes below return INDEX_OK, or INDEX_ECRYPTO when libcrypto
 * fails (out is then unset). */

/* The hash of an Agent's or identified Group's inverse functional
 * identifier (mbox, mbox_sha1sum, openid or account).  INDEX_ENOIFI when
 * agent has none (an anonymous Group, or not an actor at all). */
int	index_agent_hash(const json *agent, uint8_t out[INDEX_HASH_LEN]);
/* The hash of an IRI, UUID or other identifying string, with the tag as
 * domain separator so equal strings of different roles do not collide. */
int	index_hash(int tag, const char *s, size_t len, uint8_t out[INDEX_HASH_LEN]);
/* The hash of a registration (context.registration, the registration
 * parameter): a UUID is hashed in its canonical lower-case text, so its
 * case never matters; anything else as it is. */
int	index_registration_hash(const char *s, size_t len,
	    uint8_t out[INDEX_HASH_LEN]);
/* The hash of a credential key for INDEX_AUTHORITY. */
int	index_authority_hash(const char *key, uint8_t out[INDEX_HASH_LEN]);
/* Text for an INDEX_* code. */
const char *index_strerror(int rc);

#endif
