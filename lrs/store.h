/* store: statements, their indexes and attachments in LMDB.
 *
 * One LMDB environment (a directory) holds everything the LRS keeps.  The
 * key layout is documented at the top of store.c.
 *
 * Writes go through one writer thread that gathers every write waiting at
 * that moment into one LMDB transaction and one fsync (group commit); each
 * write is applied in a nested transaction so a conflicting batch fails
 * alone.  Every stored statement gets a strictly increasing sequence number
 * and a "stored" time that never goes backwards along it, so queries by
 * time are seeks and subscribers can follow the store in order.
 *
 * Reads use short read transactions (store_read_begin/end) that must not
 * be held across network I/O.  Everything a read returns points into the
 * LMDB map and is valid only until store_read_end.
 */
#ifndef LRS_STORE_H
#define LRS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "index.h"
#include "json.h"

enum {
	STORE_OK = 0,
	STORE_ENOTFOUND = -1,	/* no such statement / attachment */
	STORE_ECONFLICT = -2,	/* an id is taken by a different statement */
	STORE_EFULL = -3,	/* the LMDB map is full */
	STORE_EIO = -4,		/* LMDB failed (see the log of the caller) */
	STORE_ECLOSED = -5	/* the store is shutting down */
};

typedef struct store store;
typedef struct store_read store_read;

/* One attachment payload, named by its SHA-2 (hex, as in the statement). */
struct store_blob {
	const char	*sha2;
	const void	*data;
	size_t		 len;
};

/* One write: statements that are stored all together or not at all.
 * Each statement must carry its id; the store sets "stored". */
struct store_write {
	json			**stmts;
	size_t			  n;
	const uint8_t		(*ids)[16];	/* the statements' ids, parsed */
	struct store_blob	 *blobs;
	size_t			  nblobs;
	const char		 *authority_key;	/* credential, for read/mine */
	/* out */
	int			  conflict;	/* index of the conflicting statement */
};

/* Called in the writer thread, inside the write transaction, once per
 * statement newly stored, in sequence order; a nonzero return aborts the
 * write it belongs to.  st is the statement as stored. */
typedef int (*store_subscriber)(void *arg, MDB_txn *txn, uint64_t seq,
    const json *st);

/* Open (creating) the store in directory dir with an LMDB map of mapsize
 * bytes, and start its writer thread.  *out is released with store_close. */
int	store_open(const char *dir, size_t mapsize, store **out);
/* Finish pending writes, stop the writer, close LMDB. */
void	store_close(store *s);
/* The LMDB environment, for modules that keep their own databases in it
 * (credentials, documents).  Owned by the store. */
MDB_env	*store_env(store *s);
/* Text for a STORE_* code. */
const char *store_strerror(int rc);
/* Register a subscriber before the first write. */
void	store_subscribe(store *s, store_subscriber fn, void *arg);

/* Store a batch durably; returns once it is committed (STORE_OK), or
 * STORE_ECONFLICT (w->conflict says which statement), STORE_EFULL, ...
 * A statement whose id is stored already with an equivalent statement is
 * skipped silently; the rest of the batch is stored. */
int	store_put(store *s, struct store_write *w);

/* Work for the writer: fn runs in a nested transaction of the next group
 * commit (so its changes share that commit's single fsync) and returns 0
 * to keep its changes or nonzero to drop them.  fn runs on the writer
 * thread, must not block, and must not call store_put or store_exec. */
typedef int (*store_exec_fn)(void *arg, MDB_txn *txn);

/* Run fn as part of a group commit; returns once that commit is durable.
 * *fn_rc gets fn's return.  STORE_OK, or STORE_EFULL / STORE_EIO /
 * STORE_ECLOSED when the transaction failed (then nothing fn did stays,
 * whatever *fn_rc says). */
int	store_exec(store *s, store_exec_fn fn, void *arg, int *fn_rc);

/* The latest time for which every statement stored before it is visible
 * to reads (X-Experience-API-Consistent-Through), microseconds. */
int64_t	store_consistent_through(store *s);

/* Begin / end a read transaction. */
int	store_read_begin(store *s, store_read **out);
void	store_read_end(store_read *r);
/* The LMDB transaction of a read, for modules with their own databases. */
MDB_txn	*store_read_txn(store_read *r);

/* A stored statement by id: its JSON text (valid until store_read_end),
 * whether it is voided, its stored time.  STORE_ENOTFOUND. */
int	store_get(store_read *r, const uint8_t id[16], const char **text,
	    size_t *len, int *voided, int64_t *stored);

/* A statement query.  Filters are index keys (tag + hash) that must all
 * match; since/until bound the stored time (0 = unbounded; since is
 * exclusive, until inclusive); from/to bound the sequence (inclusive; 0 =
 * unbounded) and carry a cursor from one page to the next. */
struct store_query {
	uint8_t		filters[8][INDEX_KEY_LEN];
	size_t		nfilters;
	int64_t		since, until;
	uint64_t	from, to;
	int		ascending;
	size_t		limit;		/* 0: no limit */
};

/* Called for each match, in order; text is valid until store_read_end. */
typedef void (*store_visit)(void *arg, uint64_t seq, const char *text,
    size_t len);

/* Run q: voided statements are left out.  *next is the sequence number
 * where the next page starts (for q->from or q->to), or 0 when there is no
 * more. */
int	store_query(store_read *r, const struct store_query *q, store_visit fn,
	    void *arg, uint64_t *next);
/* The newest sequence number (0 when empty). */
uint64_t store_last_seq(store_read *r);
/* An attachment payload by SHA-2 hex (valid until store_read_end). */
int	store_blob_get(store_read *r, const char *sha2, const void **data,
	    size_t *len);
/* Statement number seq: its JSON text, STORE_ENOTFOUND past the end.
 * For subscribers that replay the store in order. */
int	store_get_seq(MDB_txn *txn, store *s, uint64_t seq, const char **text,
	    size_t *len);

#endif
