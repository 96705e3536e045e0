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
 *
 * The map grows by itself: when a write needs more than the map holds, the
 * writer waits until no transaction of the process is open (new ones wait
 * meanwhile; those open get 5 s to end, else STORE_EBUSY), grows the map (by
 * doubling, at most 1 GiB a step, within map_max and the room left on the
 * disk) and applies the write again.  So every transaction of the process
 * must begin through the store (store_read_begin, store_txn_begin, or the
 * writer's store_exec) and must not wait for the writer while it is open.
 * A write that cannot fit gets STORE_EFULL (the map is at map_max) or
 * STORE_ENOSPC (the disk is full); nothing of it is stored, reads go on,
 * and later writes succeed as soon as there is room again.
 */
#ifndef LRS_STORE_H
#define LRS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "index.h"
#include "json.h"

/* Every function returns STORE_OK or one of these; LMDB's and the
 * system's failures are told apart as far as a caller can act on them. */
enum {
	STORE_OK = 0,
	STORE_ENOTFOUND = -1,	/* no such statement / attachment */
	STORE_ECONFLICT = -2,	/* an id is taken by a different statement */
	STORE_EFULL = -3,	/* the LMDB map is full */
	STORE_EIO = -4,		/* an I/O error, or another LMDB failure */
	STORE_ECLOSED = -5,	/* the store is shutting down */
	STORE_ELIMIT = -6,	/* too many subscribers or followers */
	STORE_EINVALID = -7,	/* a bad argument (name too long, used twice) */
	STORE_ETIMEDOUT = -8,	/* a wait ran out of time */
	STORE_ENOSPC = -9,	/* the disk is full (ENOSPC, EDQUOT) */
	STORE_EBUSY = -10,	/* no LMDB reader slot is free, or the map
				 * must grow but reads stay open: retry */
	STORE_ECORRUPT = -11,	/* stored data is not what the store wrote
				 * (MDB_CORRUPTED, MDB_PAGE_NOTFOUND, a bad
				 * record) */
	STORE_ECRYPTO = -12,	/* hashing an index key failed (libcrypto) */
	STORE_EORDER = -13,	/* a restored stored time goes backwards */
	STORE_ERDONLY = -14,	/* a write to a store opened read-only */
	STORE_EEXIST = -15	/* store_copy: the target exists already */
};

#define STORE_MAX_SUBSCRIBERS	4
#define STORE_MAX_FOLLOWERS	4

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
	/* Restore only (else NULL): each statement's stored time,
	 * microseconds, not earlier than the last statement's (else
	 * STORE_EORDER, conflict saying which); the statement's "stored"
	 * member, when it has one, is kept as written. */
	const int64_t		 *stored;
	/* out */
	int			  conflict;	/* index of the conflicting statement */
};

/* Called in the writer thread, inside the write transaction, once per
 * statement newly stored, in sequence order; a nonzero return (an LMDB
 * code, e.g. MDB_MAP_FULL to have the map grow, or a STORE_* code)
 * aborts the write it belongs to.  st is the statement as stored. */
typedef int (*store_subscriber)(void *arg, MDB_txn *txn, uint64_t seq,
    const json *st);

/* A new statement's index keys wait in an ordered log (and in memory)
 * and are merged into the index in bulk, one part of the key space after
 * each STORE_INDEX_LAG / 64 statements, so no part lags more than about
 * this many statements.  More: fewer pages written per statement, more
 * memory (about 100 bytes per statement waiting) and longer merges. */
#define STORE_INDEX_LAG	65536

/* How large the LMDB environment may be, and how its index is kept. */
struct store_limits {
	size_t		map_size;	/* the map to begin with, bytes (LMDB
					 * takes at least the data's size) */
	size_t		map_max;	/* the most it may grow to */
	unsigned	readers;	/* read transactions this process holds
					 * at once at most, beside the store's
					 * own (0: 126) */
	uint64_t	index_lag;	/* 0: STORE_INDEX_LAG */
};

/* Open (creating) the store in directory dir within lim and start its
 * writer thread.  *out is released with store_close.  STORE_ECORRUPT,
 * STORE_EIO (also for an incompatible layout), STORE_ENOSPC. */
int	store_open(const char *dir, const struct store_limits *lim,
	    store **out);
/* Open the store in dir for reading only, beside a server that may be
 * writing to it (LMDB's lock file makes that safe): nothing is created,
 * migrated or grown, and no writer runs (writes get STORE_ERDONLY).  The
 * map follows the writing process's growth.  *out is released with
 * store_close.  STORE_ENOTFOUND when dir holds no store,
 * STORE_EIO for an incompatible layout (start lrsd serve once on it to
 * migrate), STORE_ECORRUPT. */
int	store_open_readonly(const char *dir, store **out);
/* Write a consistent, compacted copy of the whole environment (every
 * module's databases) into the new directory dir, as of one moment,
 * while writes may go on.  STORE_EEXIST when dir exists (nothing is
 * written), STORE_ENOSPC, STORE_EIO; a failed copy leaves no dir. */
int	store_copy(store *s, const char *dir);
/* Finish pending writes, stop the writer, close LMDB. */
void	store_close(store *s);
/* The LMDB environment, for modules that keep their own databases in it
 * (credentials, documents).  Owned by the store.  Begin its transactions
 * with store_txn_begin (or store_read_begin, store_exec), never with
 * mdb_txn_begin: see the map's growth above. */
MDB_env	*store_env(store *s);
/* Begin a transaction of the environment outside the writer (flags 0 or
 * MDB_RDONLY), e.g. to open a module's databases or read them; end it with
 * store_txn_commit or store_txn_abort (both end it, whatever happens).
 * Writes here do not make the map grow: prefer store_exec.  STORE_EBUSY
 * when no reader slot is free, STORE_EIO, ... */
int	store_txn_begin(store *s, unsigned flags, MDB_txn **out);
int	store_txn_commit(store *s, MDB_txn *txn);
void	store_txn_abort(store *s, MDB_txn *txn);
/* Text for a STORE_* code. */
const char *store_strerror(int rc);
/* Register a subscriber before the first write.  STORE_ELIMIT when
 * STORE_MAX_SUBSCRIBERS are registered already (nothing is registered). */
int	store_subscribe(store *s, store_subscriber fn, void *arg);

/* Store a batch durably; returns once it is committed (STORE_OK), or
 * STORE_ECONFLICT (w->conflict says which statement), STORE_EFULL,
 * STORE_ENOSPC, STORE_EBUSY (the map must grow but reads stay open),
 * STORE_ECRYPTO (before anything is queued), ...
 * A statement whose id is stored already with an equivalent statement is
 * skipped silently; the rest of the batch is stored.  What does not
 * depend on the order of writes (the statements' index keys and their
 * text without "stored") is computed in the caller's thread, so the
 * writer only applies it. */
int	store_put(store *s, struct store_write *w);

/* Work for the writer: fn runs in a nested transaction of the next group
 * commit (so its changes share that commit's single fsync) and returns 0
 * to keep its changes or nonzero to drop them.  fn runs on the writer
 * thread, must not block, and must not call store_put or store_exec.
 * When fn runs out of map it returns MDB_MAP_FULL (as LMDB gave it) or
 * STORE_EFULL (from store_put_txn): the map then grows and fn runs again,
 * so fn may run more than once; only the last run's changes commit. */
typedef int (*store_exec_fn)(void *arg, MDB_txn *txn);

/* Run fn as part of a group commit; returns once that commit is durable.
 * *fn_rc gets fn's return.  STORE_OK, or STORE_EFULL / STORE_ENOSPC /
 * STORE_EBUSY / STORE_EIO / STORE_ECLOSED when the transaction failed or
 * the map could not grow for fn (then nothing fn did stays, whatever
 * *fn_rc says). */
int	store_exec(store *s, store_exec_fn fn, void *arg, int *fn_rc);

/* Store the statements of w inside the transaction of a running
 * store_exec fn (txn is the one fn was given), sharing its commit: they get
 * the next sequence numbers and subscribers see them, and they are dropped
 * with everything else fn did if fn fails.  Same rules as store_put
 * (equivalent statements skipped, STORE_ECONFLICT).  Only valid on the
 * writer thread inside a store_exec fn. */
int	store_put_txn(store *s, MDB_txn *txn, struct store_write *w);

/* --- followers ---
 *
 * A follower is a named reader of the log that processes every statement
 * exactly once, in sequence order, with its cursor (the last sequence
 * number it processed) kept in the store's "meta" database and committed
 * in the same transaction as the changes it makes.  On start it first
 * catches up with what was stored while it was not running, then follows
 * new statements as they are committed.  A crash or restart never skips a
 * statement or processes one twice.
 *
 * It runs a thread of its own.  For each batch (up to batch_max statements)
 * it calls prepare for each statement outside any transaction, then
 * compute (when given) in a read-only transaction, then apply
 * once inside a group commit of the writer (a nested transaction: apply's
 * changes, the statements it stores with store_put_txn and the new cursor
 * are committed together, or none of them).  When apply returns nonzero,
 * or the commit fails, nothing of the batch stays and the batch is tried
 * again after a pause (growing up to 5 s); the code is kept for
 * store_follower_status.  When the map must grow first, the batch is read
 * and prepared again at once (abort is called when apply had returned 0);
 * apply never runs twice on one preparation. */
typedef struct store_follower store_follower;

/* One statement handed to a follower: valid during prepare only. */
struct store_entry {
	uint64_t	 seq;
	const char	*text;		/* the statement as stored (JSON) */
	size_t		 len;
	int64_t		 stored;	/* microseconds */
	/* The sequence number of the statement that voids this one (0 when
	 * none); voided_by < seq means it was voided before it arrived. */
	uint64_t	 voided_by;
};

/* Statement number seq as an entry (text valid until txn ends);
 * STORE_ENOTFOUND past the end. */
int	store_entry_at(MDB_txn *txn, store *s, uint64_t seq,
	    struct store_entry *out);
/* The sequence number of the statement with id, STORE_ENOTFOUND.  txn
 * must be one the store handed out: a store_read's (store_read_txn), a
 * follower's compute or apply, a store_exec's: the ids stored lately
 * are found through what the store pinned for it (ixdelta.h). */
int	store_seq_of(MDB_txn *txn, store *s, const uint8_t id[16],
	    uint64_t *seq);

struct store_follow_ops {
	/* Turn an entry into the follower's item (may return NULL to have
	 * apply see NULL for it).  Runs on the follower's thread. */
	void	*(*prepare)(void *arg, const struct store_entry *e);
	/* Apply items[0..n) (statements first..first+n-1) inside txn on the
	 * writer thread: must not block.  0 to commit, nonzero to drop it. */
	int	 (*apply)(void *arg, MDB_txn *txn, void **items, size_t n,
		    uint64_t first);
	/* Release an item (NULL items are not passed). */
	void	 (*release)(void *arg, void *item);
	/* Optional: compute or apply ran but the batch was not committed
	 * after all (compute or apply failed, the group's commit failed, or
	 * a rewind moved the cursor), so whatever they remembered outside
	 * LMDB must be forgotten.  Runs on the follower's thread. */
	void	 (*abort)(void *arg);
	/* Optional: do the batch's work on the follower's thread before
	 * apply, in txn, a read-only transaction that sees everything
	 * committed before (the follower's earlier batches included), so
	 * that apply, in the writer, only writes its results and the
	 * store's other writes do not wait for the work.  Nonzero drops the
	 * batch as a failed apply does. */
	int	 (*compute)(void *arg, MDB_txn *txn, void **items, size_t n,
		    uint64_t first);
};

/* Start follower name (1..32 bytes) with ops and arg, both outliving it.
 * STORE_ELIMIT past STORE_MAX_FOLLOWERS, STORE_EINVALID for a bad or
 * repeated name, STORE_EIO when its cursor cannot be read.  The follower
 * is stopped and freed by store_close (or store_follower_stop). */
int	store_follow(store *s, const char *name, const struct store_follow_ops *ops,
	    void *arg, size_t batch_max, store_follower **out);
/* Stop the follower's thread (a batch in flight finishes) and free it. */
void	store_follower_stop(store_follower *f);
/* Wait until the follower has processed statement seq, at most timeout_ms
 * milliseconds.  0 when it has, STORE_ECLOSED when stopping,
 * STORE_ETIMEDOUT when the time ran out. */
int	store_follower_wait(store_follower *f, uint64_t seq, int timeout_ms);
/* The follower's cursor, the last sequence number committed by the store,
 * and the code of its last failed batch (0 when the last one succeeded). */
void	store_follower_status(store_follower *f, uint64_t *cursor,
	    uint64_t *last, int *last_error);
/* Rewind follower f so that it processes again every statement after
 * seq: fn (may be NULL) runs with arg in the same group commit as the new
 * cursor (e.g. to drop the follower's state).  Returns once committed;
 * then store_follower_wait(f, last, ...) waits for the replay.
 * STORE_* codes, or fn's nonzero return (nothing changed then). */
int	store_follower_rewind(store_follower *f, uint64_t seq, store_exec_fn fn,
	    void *arg);
/* Read (inside any transaction) or set (inside a store_exec fn or an
 * apply) the cursor of follower name.  Setting it is how a follower
 * rewinds, e.g. to replay from 0; the follower notices on its next batch. */
int	store_cursor_get(MDB_txn *txn, store *s, const char *name, uint64_t *seq);
int	store_cursor_put(MDB_txn *txn, store *s, const char *name, uint64_t seq);

/* Wait until a statement numbered after seq is committed, at most
 * timeout_ms milliseconds; *last gets the last sequence number committed
 * either way.  0 when there is one, STORE_ETIMEDOUT, STORE_ECLOSED when
 * the store is closing.  For readers that poll the log (the change feed,
 * forwarding); holds no transaction. */
int	store_wait(store *s, uint64_t seq, int timeout_ms, uint64_t *last);

/* The latest time for which every statement stored before it is visible
 * to reads (X-Experience-API-Consistent-Through), microseconds. */
int64_t	store_consistent_through(store *s);

/* Begin / end a read transaction.  STORE_EBUSY when no reader slot is
 * free, STORE_EIO, STORE_ECORRUPT. */
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
	int		voided;		/* also voided statements (a dump) */
};

/* Called for each match, in order; text is valid until store_read_end. */
typedef void (*store_visit)(void *arg, uint64_t seq, const char *text,
    size_t len);

/* Run q: voided statements are left out unless q->voided.  *next is the
 * sequence number where the next page starts (for q->from or q->to), or 0
 * when there is no more.  When LMDB fails on the way the query stops with its code (what
 * fn saw so far is no answer then: never a short page).  STORE_EINVALID
 * when q->nfilters is more than q->filters holds.
 *
 * The filters are joined by leapfrogging their index ranges (each with
 * its own cursor), so the work is bounded by the sparsest filter, not by
 * the first: per match found, and between the last match and the end of
 * the range, at most n x (e + 2) turns for n filters (a turn is at most
 * one cursor step and one seek), e being the fewest entries any one
 * filter has in that stretch of [from, to] (since/until narrow it first).
 * Voided statements that match are walked over like matches. */
int	store_query(store_read *r, const struct store_query *q, store_visit fn,
	    void *arg, uint64_t *next);
/* The newest sequence number of the read's snapshot (0 when empty). */
uint64_t store_last_seq(store_read *r);
/* An attachment payload by SHA-2 hex (valid until store_read_end). */
int	store_blob_get(store_read *r, const char *sha2, const void **data,
	    size_t *len);
/* Statement number seq: its JSON text, STORE_ENOTFOUND past the end.
 * For subscribers that replay the store in order. */
int	store_get_seq(MDB_txn *txn, store *s, uint64_t seq, const char **text,
	    size_t *len);

/* --- removal (the data lifecycle: purge and erasure) ---
 *
 * A statement removed leaves no trace in the store: its record, its id,
 * every index key that points to it (its own, the authority's, those it
 * inherited along a StatementRef), its time key, its voiding and
 * StatementRef links, and each attachment payload no remaining statement
 * names.  Its sequence number stays unused for good (a hole the followers,
 * the queries and the feed skip); the "seq" counter never goes back.
 * Statements that stay and refer to a removed one (StatementRef) lose the
 * index keys they had inherited from it.  A statement that stays voided
 * stays voided when its voiding statement goes (voided statements are
 * only ever returned by voidedStatementId, and they must not reappear). */

/* What a removal took (or, counted, would take). */
struct store_removal {
	uint64_t	statements;
	uint64_t	attachments;	/* payloads removed */
	uint64_t	bytes;		/* statement texts + payloads */
};

/* Which statements a removal takes: those stored before `before`
 * (microseconds, when nonzero), or those that name the agent whose IFI
 * hash (index_agent_hash) is agent (when by_agent is set): as actor,
 * object, instructor, team, context agent or group, group member, in a
 * SubStatement, or through a StatementRef to a statement that does; an
 * agent that is only a statement's authority does not count. */
struct store_select {
	int64_t		before;
	int		by_agent;
	uint8_t		agent[INDEX_HASH_LEN];
};

/* The first statement after number `after` that sel takes, into *seq (0
 * when there is none).  Inside any transaction of the store.  STORE_EIO,
 * STORE_ECORRUPT, STORE_ECRYPTO. */
int	store_select_next(MDB_txn *txn, store *s, const struct store_select *sel,
	    uint64_t after, uint64_t *seq);
/* Count what removing every statement sel takes would remove, in the
 * snapshot of read r (a dry run: the numbers store_remove_txn then adds
 * up to when nothing is stored meanwhile). */
int	store_select_count(store_read *r, const struct store_select *sel,
	    struct store_removal *out);
/* Remove statement seq (see above) inside a store_exec fn (txn is its
 * transaction), adding what went to *acc.  With cascade set, the
 * statements that refer to it (StatementRef, voiding included, and so on
 * up to the depth the index follows) go too.  STORE_ENOTFOUND when there
 * is no statement seq (nothing changes); LMDB's codes as store_exec fns
 * return them (MDB_MAP_FULL makes the map grow), STORE_ECORRUPT,
 * STORE_ECRYPTO. */
int	store_remove_txn(store *s, MDB_txn *txn, uint64_t seq, int cascade,
	    struct store_removal *acc);
/* The first statement numbered seq or later as an entry (valid until txn
 * ends), skipping holes; STORE_ENOTFOUND past the end. */
int	store_entry_next(MDB_txn *txn, store *s, uint64_t seq,
	    struct store_entry *out);

/* What a read's snapshot holds, for operators. */
struct store_usage {
	uint64_t	statements;	/* the last sequence number */
	uint64_t	attachments;	/* payloads kept */
	uint64_t	attachment_bytes;
	uint64_t	index_keys;	/* entries of the query index */
};

/* Fill *out (walks the attachments).  STORE_EIO, STORE_ECORRUPT. */
int	store_usage(store_read *r, struct store_usage *out);

#define STORE_HIST_N	12	/* finite buckets of a histogram */

/* Counts since the store opened, by bucket: count[i] counts values at
 * most le[i] (and above le[i - 1]), count[STORE_HIST_N] the larger ones.
 * le points to static bounds. */
struct store_hist {
	const uint64_t	*le;
	uint64_t	 count[STORE_HIST_N + 1];
	uint64_t	 sum;
};

/* What an operator watches: how long the writer has been on its current
 * group (0 when idle), the bytes of the map in use, its size now and the
 * most it may grow to, the bytes free on the store's disk, the statements
 * stored (the last sequence number), and since the store opened: the
 * writes per group commit (jobs) and how long each commit, its fsync
 * included, took (microseconds). */
struct store_health {
	int64_t		writer_busy_us;
	size_t		map_used;
	size_t		map_size;
	size_t		map_max;
	uint64_t	disk_free;
	uint64_t	statements;
	struct store_hist group_size;
	struct store_hist commit_us;
};

/* Fill *out without waiting for the writer (a short read transaction).
 * STORE_EBUSY when no reader slot is free or the map is growing,
 * STORE_EIO when the disk cannot be asked. */
int	store_health_get(store *s, struct store_health *out);

#endif
