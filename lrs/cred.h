/* cred: the credentials clients authenticate with (HTTP Basic).
 *
 * Credentials live in the LMDB environment of the store, in the named
 * database "cred": key -> record holding the scopes and a salted
 * PBKDF2-HMAC-SHA256 hash of the secret (never the secret).  Checking a
 * request must not cost a password hash every time: cred_check keeps
 * verified Authorization headers in a small in-memory cache keyed by an
 * HMAC (random per-process key) of the credential the header carries
 * (the decoded "key:secret", so spelling variants of one header share an
 * entry; the secret itself is never kept), and still confirms
 * with one cheap LMDB read that the credential exists unchanged, so a
 * revoke by another process takes effect on the next request.
 * A cred_store is safe to use from many threads at once.
 */
#ifndef LRS_CRED_H
#define LRS_CRED_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "store.h"

enum {
	CRED_OK = 0,
	CRED_EDENIED = -1,	/* no, malformed or wrong Authorization */
	CRED_EEXIST = -2,	/* cred_add: that key exists */
	CRED_ENOTFOUND = -3,	/* cred_revoke: no such key */
	CRED_EINVALID = -4,	/* bad key, secret or scope name */
	CRED_ESTORE = -5,	/* LMDB failed, or a stored record is corrupt */
	CRED_ECRYPTO = -6	/* the crypto library failed (RAND, PBKDF2) */
};

/* Scopes, as the xAPI spec lists them. */
enum {
	CRED_STATEMENTS_WRITE		= 1 << 0,
	CRED_STATEMENTS_READ		= 1 << 1,
	CRED_STATEMENTS_READ_MINE	= 1 << 2,
	CRED_STATE			= 1 << 3,
	CRED_DEFINE			= 1 << 4,
	CRED_PROFILE			= 1 << 5,
	CRED_ALL_READ			= 1 << 6,
	CRED_ALL			= 1 << 7,
	/* Not an xAPI scope: the admin API of the tiering engine (/tiering);
	 * CRED_ALL implies it. */
	CRED_TIERING			= 1 << 8
};

#define CRED_KEY_MAX 128
/* Keys beginning with this are the server's own authorities (e.g. the
 * tiering engine's statements): cred_add refuses them. */
#define CRED_RESERVED_PREFIX "lrsd-"
#define CRED_SECRET_MIN 8
#define CRED_SECRET_MAX 1024

struct cred {
	char		key[CRED_KEY_MAX + 1];	/* the Basic user name */
	unsigned	scopes;			/* CRED_* bits */
	int64_t		created;		/* microseconds since the epoch */
};

typedef struct cred_store cred_store;

/* Open (creating when missing) the "cred" database in st's environment.
 * Runs its own short write transaction, so the calling thread must not
 * hold one; later writes go through st's writer (store_exec).  Several
 * cred_stores may share one store.  *out is freed with cred_close (which
 * leaves st and the database open).  CRED_ESTORE, CRED_ECRYPTO. */
int	cred_open(store *st, cred_store **out);
void	cred_close(cred_store *cs);

/* Add a credential.  key: 1..CRED_KEY_MAX visible ASCII characters
 * (0x21-0x7e) other than ':', not beginning with CRED_RESERVED_PREFIX; secret: CRED_SECRET_MIN..CRED_SECRET_MAX
 * bytes; scopes: a non-empty set of CRED_* bits.  Hashes the secret once
 * (slow by design) outside any transaction.  CRED_EINVALID, CRED_EEXIST
 * when the key is taken, CRED_ESTORE, CRED_ECRYPTO. */
int	cred_add(cred_store *cs, const char *key, const char *secret,
	    unsigned scopes);
/* Remove a credential and drop it from this store's cache (other stores,
 * in this process or another, notice on their next check of it).
 * CRED_EINVALID, CRED_ENOTFOUND, CRED_ESTORE. */
int	cred_revoke(cred_store *cs, const char *key);
/* All credentials, sorted by key, into a new array (*out, caller frees
 * with free; NULL when *n is 0) of *n entries.  CRED_ESTORE. */
int	cred_list(cred_store *cs, struct cred **out, size_t *n);
/* Check an Authorization header value ("Basic base64(key:secret)"; may be
 * NULL) and fill *out.  The scheme is matched without regard to case and
 * blanks around the value are ignored.  A credential verified before costs
 * one read transaction; a new one costs one PBKDF2 hash.  CRED_EDENIED when
 * it does not name a stored credential with that secret (out is then left
 * untouched), CRED_ESTORE, CRED_ECRYPTO. */
int	cred_check(cred_store *cs, const char *authorization, struct cred *out);
/* Like cred_check, but never computes a hash: 0 only for a header this
 * store has verified before (and whose credential is unchanged), else
 * CRED_EDENIED (or CRED_ESTORE, CRED_ECRYPTO).  For clients whose address
 * is being refused for failing too often. */
int	cred_check_known(cred_store *cs, const char *authorization,
	    struct cred *out);

/* Parse a comma-separated list of scope names ("statements/write,state",
 * "all"; blanks around names are ignored, names are exact) into CRED_*
 * bits.  CRED_EINVALID for an unknown or empty name or an empty list. */
int	cred_scopes_parse(const char *list, unsigned *out);
/* Write the scope names of bits, comma-separated in the order of the enum,
 * into out (size bytes, truncated but always terminated when size > 0);
 * unknown bits are left out, no bits give "". */
void	cred_scopes_format(unsigned bits, char *out, size_t size);
/* How many PBKDF2 hashes this store has computed (adds and checks), for
 * tests and metrics: a cached check adds none. */
uint64_t cred_hash_count(cred_store *cs);

/* Text for a CRED_* code. */
const char *cred_strerror(int rc);

#endif
