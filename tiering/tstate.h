/* tstate: the tiering engine's state, as JSON entities in LMDB.
 *
 * Every entity is a JSON object stored in the database "tier" under a key
 * of one kind byte and a text id ("Lmailto:a@b.c", "Eprogram/org").  A
 * tstate caches the entities one batch of the fold reads and changes:
 * tstate_get parses an entity once, the caller changes the tree in place
 * and marks it with tstate_dirty, and tstate_flush writes the changed ones
 * back in the batch's transaction.  Without a transaction (a what-if) the
 * cache is the whole state.
 */
#ifndef TIER_TSTATE_H
#define TIER_TSTATE_H

#include <stddef.h>

#include <lmdb.h>

#include "json.h"

typedef struct tstate tstate;

/* A state over database dbi of env (dbi 0 and env NULL: memory only). */
tstate	*tstate_new(MDB_dbi dbi);
void	 tstate_free(tstate *ts);
/* Use txn for reads and flushes until the next call (NULL: none). */
void	 tstate_bind(tstate *ts, MDB_txn *txn);
/* Defer every write into database odbi of otxn, a write transaction of
 * the caller's scratch environment (NULL: stop deferring): from then on
 * puts, deletions and flushes go there (a deletion as an empty value)
 * instead of into the bound transaction, which may then be read-only,
 * and every read sees that overlay over the bound transaction.  So a
 * batch can be folded outside the writer and its writes applied later
 * with tstate_overlay_copy. */
void	 tstate_defer(tstate *ts, MDB_txn *otxn, MDB_dbi odbi);
/* Apply overlay database odbi, read through otxn, to database dbi of
 * txn: every value put (with mdb_put flags, e.g. MDB_APPEND into an
 * empty database), every deletion done.  LMDB code. */
int	 tstate_overlay_copy(MDB_txn *otxn, MDB_dbi odbi, MDB_txn *txn,
	    MDB_dbi dbi, unsigned flags);
/* Entity (kind, id): the cached tree (owned by ts), read from LMDB on the
 * first use; when absent, NULL, or a new empty object when create is set
 * (it is then dirty).  *rc gets an LMDB error (0 when none); on error the
 * result is NULL. */
json	*tstate_get(tstate *ts, int kind, const char *id, int create, int *rc);
/* Mark entity (kind, id) changed. */
void	 tstate_dirty(tstate *ts, int kind, const char *id);

/* Write every changed entity into the bound transaction, and forget the
 * cached absences and deletions (LMDB answers for them now).  An entity
 * marked changed whose text is what this cache last wrote for it is not
 * written again (so nothing but this cache may write a cached entity's
 * key; tstate_clear forgets what was written).  LMDB code. */
int	 tstate_flush(tstate *ts);
/* Forget the cache (to drop a failed batch's changes).  A cache kept
 * across batches must only hold what was committed. */
void	 tstate_clear(tstate *ts);
/* The ids of every entity of kind whose id begins with prefix (NULL: all),
 * stored or cached and not deleted, sorted, as a new array of new strings
 * (*n of them; free each and the array).  LMDB code. */
int	 tstate_ids(tstate *ts, int kind, const char *prefix, char ***ids,
	    size_t *n);
/* The same for the ids of kind that sort below hi (byte order). */
int	 tstate_ids_below(tstate *ts, int kind, const char *hi, char ***ids,
	    size_t *n);
/* Call fn for every entity of kind whose id lies in [lo, hi) (byte
 * order; hi NULL: no upper bound), in id order, with the entity parsed
 * for that call alone (fn must not keep j).  fn returns 0 to go on, or
 * nonzero to stop: tstate_scan then returns that value.  With a
 * transaction bound it reads LMDB alone, without parsing into or
 * filling the cache, so it sees the kind exactly only when the kind is
 * written through (or when this state never changes it: a read-only
 * view); without one, the cache.  Otherwise 0 or an LMDB code
 * (MDB_CORRUPTED for an entity that does not parse). */
int	 tstate_scan(tstate *ts, int kind, const char *lo, const char *hi,
	    int (*fn)(void *arg, const char *id, const json *j), void *arg);
/* The first id of kind in [lo, hi) (as tstate_scan sees them) into id
 * (size bytes, NUL-terminated): 0, MDB_NOTFOUND when there is none (or
 * it does not fit), or an LMDB code. */
int	 tstate_first(tstate *ts, int kind, const char *lo, const char *hi,
	    char *id, size_t size);
/* Set entity (kind, id) to j (taken; NULL deletes), replacing any; it is
 * dirty, or, for a write-through kind with a transaction bound, written
 * at once and not cached: j is then freed, and so is any tree tstate_get
 * gave for the entity (use neither after).  LMDB code (only a
 * write-through can fail here). */
int	 tstate_put(tstate *ts, int kind, const char *id, json *j);
/* Remove entity (kind, id) (tstate_put with NULL). */
int	 tstate_del(tstate *ts, int kind, const char *id);
/* Write the kinds listed (a string of kind bytes) through to the bound
 * transaction at every put and delete instead of at the flush: for many
 * small write-once entities, which listing then reads from LMDB alone. */
void	 tstate_write_through(tstate *ts, const char *kinds);
/* Drop from the cache the clean entities of the kinds listed (a string of
 * kind bytes), e.g. write-once records after a flush.  Nothing is dropped
 * without a transaction bound (the cache is then the whole state). */
void	 tstate_evict(tstate *ts, const char *kinds);
/* Read entity (kind, id) in any transaction without a cache: a new tree
 * (caller frees) or NULL when absent.  *rc as for tstate_get. */
json	*tstate_read(MDB_txn *txn, MDB_dbi dbi, int kind, const char *id,
	    int *rc);

#endif
