/* cred: the credentials clients authenticate with (HTTP Basic).
 *
 * Credentials live in the LMDB environment of the store, in the named
 * database "cred": key -> record holding the scopes and a salted
 * PBKDF2-HMAC-SHA256 hash of the secret (never the secret).  Checking a
 * request must not cost a password hash every time: cred_check keeps
 * verified Authorization headers in a small in-memory cache keyed by an
 * HMAC (random per-process key) of the header value, and still confirms
 * with one cheap LMDB read that the credential exists unchanged, so a
 * revoke by another process takes effect on the next request.
 * A cred_store is safe to use from many threads at once.
 */
#ifndef LRS_CRED_H
#define LRS_CRED_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

enum {
	CRED_OK = 0,
	CRED_EDENIED = -1,	/* no, malformed or wrong Authorization */
	CRED_EEXIST = -2,	/* cred_add: that key exists */
	CRED_ENOTFOUND = -3,	/* cred_revoke: no such key */
	CRED_EINVALID = -4,	/* bad key, secret or scope name */
	CRED_ESTORE = -5	/* LMDB failed */
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
	CRED_ALL			= 1 << 7
};

#define CRED_KEY_MAX 128

struct cred {
	char		key[CRED_KEY_MAX + 1];	/* the Basic user name */
	unsigned	scopes;			/* CRED_* bits */
	int64_t		created;		/* microseconds since the epoch */
};

typedef struct cred_store cred_store;

/* Open (creating when missing) the "cred" database in env, which must have
 * room for it (mdb_env_set_maxdbs).  *out is freed with cred_close. */
int	cred_open(MDB_env *env, cred_store **out);
void	cred_close(cred_store *cs);

/* Add a credential.  key: 1..CRED_KEY_MAX printable ASCII, no ':';
 * secret: at least 8 bytes.  CRED_EEXIST when the key is taken. */
int	cred_add(cred_store *cs, const char *key, const char *secret,
	    unsigned scopes);
/* Remove a credential and drop it from the cache.  CRED_ENOTFOUND. */
int	cred_revoke(cred_store *cs, const char *key);
/* All credentials, sorted by key, into a new array (*out, caller frees
 * with free) of *n entries. */
int	cred_list(cred_store *cs, struct cred **out, size_t *n);
/* Check an Authorization header value ("Basic base64(key:secret)"; may be
 * NULL) and fill *out.  CRED_EDENIED when it does not name a stored
 * credential with that secret. */
int	cred_check(cred_store *cs, const char *authorization, struct cred *out);

/* Parse a comma-separated list of scope names ("statements/write,state",
 * "all") into CRED_* bits.  CRED_EINVALID names nothing it knows. */
int	cred_scopes_parse(const char *list, unsigned *out);
/* Write the scope names of bits, comma-separated, into out (size bytes). */
void	cred_scopes_format(unsigned bits, char *out, size_t size);
/* Text for a CRED_* code. */
const char *cred_strerror(int rc);

#endif
