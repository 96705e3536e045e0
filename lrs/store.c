/* store: statements, their indexes and attachments in LMDB.
 *
 * Key layout (all integers big-endian so byte order is numeric order):
 *
 *   meta   "seq"    -> u64   last sequence number given out
 *          "stored" -> i64   last stored time given out (microseconds)
 *          "layout" -> u64   version of this layout (4)
 *          "ixmerged" -> u64 x 64  per part of the key space, the last
 *                             seq whose keys are all in "ix"
 *   st     seq u64  -> flags u8 | stored i64 | statement JSON text
 *                      flags: 1 voided, 2 a voiding statement
 *   id     uuid 16  -> seq u64          merged from the index log
 *   ix     tag u8 | hash 16 | seq u64 -> (empty)       see index.h
 *   ixd    seq u64 -> its keys, (tag u8 | hash 16) each, and its id
 *                             ('i' | uuid 16): the index log, the keys
 *                             and ids not yet merged into "ix" and "id"
 *                             (see "the index log" below)
 *   tm     stored i64 | seq u64 -> (empty)              since / until
 *   void   target uuid 16 -> seq u64 of the voiding statement, kept so
 *                             that a target stored after its voiding
 *                             statement is voided on arrival
 *   att    sha2 hex (lower case) -> attachment bytes
 *   ref    target uuid 16 | referrer uuid 16 -> seq u64 of the referrer
 *   attref sha2 hex (lower case) | 0 | seq u64 -> (empty): statement seq
 *                             names attachment sha2 (so that removing a
 *                             statement knows whether a payload is shared)
 *          meta "attref" -> u64 1 once every statement is in attref
 *
 * A statement whose object is a StatementRef is also indexed under the
 * keys of the statement it targets (and so on, up to a bounded depth), so
 * that the filters of GET /statements match it as the spec requires.
 * Whichever of the two is stored first, "ref" lets the later one hand the
 * keys over.
 *
 * Layout 3 added the index log; a layout 2 store has every key in "ix",
 * so store_open only sets its watermarks.  Layout 4 logs the ids too; a
 * layout 3 store has every id in "id", so nothing changes but the
 * number.
 *
 * Layout 1 hashed context.registration as it was sent, while queries hash
 * it lower-case, so a statement sent with an upper-case registration was
 * never found by it.  Layout 2 hashes the lower-case form (see index.h);
 * store_open moves the keys of a layout 1 store once (migrate_v1).
 */
#include "be.h"
#include "fault.h"
#include "gate.h"
#include "mono.h"
#include "store.h"
#include "iso8601.h"
#include "ixdelta.h"
#include "stmtfmt.h"
#include "xalloc.h"
#include "xapi.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include <uuid/uuid.h>

#define REC_VOIDED	1
#define REC_VOIDING	2
#define REC_HDR		9
#define REF_DEPTH	8
#define LAYOUT		4

/* The map grows by doubling, by at most MAP_STEP_MAX at a time; a disk
 * with room for less than MAP_ROOM_MIN more is full. */
#define MAP_STEP_MAX	((size_t)1 << 30)
#define MAP_ROOM_MIN	((size_t)1 << 20)
/* How long growing the map waits for the transactions open to end. */
#define MAP_WAIT_MS	5000
/* Reader slots beyond what the caller asks for: followers (two each, with
 * the read-ahead), the writer, what-ifs and tools on the same directory. */
#define READERS_SPARE	(2 * STORE_MAX_FOLLOWERS + 32)

/* How long a follower's batch, queued alone, waits for a write to share
 * its group: with single-statement writes each commit woke the followers,
 * whose batch then took a commit (and its syncs) of its own. */
#define LINGER_MS	5

/* A job's answer when it must be submitted again (a follower's batch that
 * ran while the map was found full: see write_jobs). */
#define JOB_RETRY	1

/* A histogram the writer adds to while others read it. */
struct hist {
	_Atomic uint64_t	count[STORE_HIST_N + 1];
	_Atomic uint64_t	sum;
};

static const uint64_t group_le[STORE_HIST_N] = {
	1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096
};
static const uint64_t commit_le[STORE_HIST_N] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 1000000
};

/* What a worker computes for one statement before the writer takes it:
 * nothing here depends on the order of writes, so the writer only
 * applies it.  text is the statement serialised without "stored" (and
 * without "timestamp" when it has none), its closing brace left off: the
 * writer appends those two, which the writer alone knows.  A statement
 * that came with "stored" keeps it in place, so it has no text (NULL)
 * and the writer serialises it as before. */
struct pre {
	struct index_keys	 ks;	/* its own keys and the authority's */
	char			*text;
	size_t			 len;
	int			 has_ts;	/* it carries a timestamp */
};

struct job {
	struct store_write	*w;	/* statements, or */
	struct pre		*pre;	/* w's, precomputed (or NULL) */
	store_exec_fn		 fn;	/* other work */
	void			*arg;
	int			 once;	/* fn must not run twice in a row */
	int			 lazy;	/* may wait LINGER_MS for company */
	int			 fn_rc;
	int			 rc;
	int			 done;
	pthread_cond_t		 cv;	/* done was set (under s->mu) */
	struct job		*next;
};

struct store {
	MDB_env		*env;
	MDB_dbi		 meta, st, id, ix, tm, voids, att, ref, attref, ixlog;
	/* Index keys not yet merged into "ix" (see "The index log"). */
	ixd		*dx;
	uint64_t	 ixm[IXD_PARTS];	/* watermarks committed */
	uint64_t	 lag;		/* statements a part may lag */
	uint64_t	 merge_next;	/* gseq at which a part merges */
	/* Every transaction of the process holds it; see map_grow. */
	struct gate	 gate;
	size_t		 map_size;	/* now (under mu) */
	size_t		 map_max;	/* the most it may grow to */
	pthread_t	 writer;
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;
	struct job	*head, *tail;
	int		 closing;
	int		 follow_waiters; /* in store_follower_wait */
	int		 rdonly;	/* store_open_readonly: no writer */
	int64_t		 busy_since;	/* 0 when the writer is idle */
	store_subscriber sub_fn[STORE_MAX_SUBSCRIBERS];
	void		*sub_arg[STORE_MAX_SUBSCRIBERS];
	int		 nsub;
	/* During a group (writer thread only): the next numbers to give. */
	uint64_t	 gseq;
	int64_t		 gstored;
	uint64_t	 gixm[IXD_PARTS];	/* the watermarks it moved */
	uint64_t	 gixm_undo[IXD_PARTS];	/* before its job's flush */
	int		 gixm_saved;
	struct ixd_entry *pend;		/* keys it logged, for s->dx */
	size_t		 npend, cpend;
	/* The last sequence number committed; grew is signalled on change. */
	uint64_t	 committed;
	pthread_cond_t	 grew;
	store_follower	*followers[STORE_MAX_FOLLOWERS];
	int		 nfollowers;
	struct hist	 group_size, commit_us;	/* for store_health_get */
};

struct store_follower {
	store				*s;
	char				 name[40];	/* "follow:" + name */
	const struct store_follow_ops	*ops;
	void				*arg;
	size_t				 batch_max;
	pthread_t			 thread;
	uint64_t			 cursor;	/* under s->mu */
	int				 last_error;	/* under s->mu */
	int				 stop;		/* under s->mu */
	unsigned			 rewinds;	/* under s->mu */
	pthread_cond_t			 advanced;
};

struct store_read {
	store		*s;
	MDB_txn		*txn;
	uint64_t	 last;	/* "seq" in this snapshot */
	uint64_t	 ixm[IXD_PARTS];	/* its watermarks (read_delta) */
	int		 ixm_read;	/* ixm holds them */
	ixd		*dx;	/* s->dx, or its own (read-only store) */
	uint64_t	 pin;
};

/* Stored times are after 1970, so the signed value orders as unsigned. */
static void
put_i64(uint8_t *p, int64_t v)
{
	be64_put(p, (uint64_t)v);
}

/* An LMDB or system code as a STORE_* code; STORE_* codes stay. */
static int
map_rc(int rc)
{
	switch (rc) {
	case 0: return STORE_OK;
	case MDB_NOTFOUND: return STORE_ENOTFOUND;
	case MDB_MAP_FULL: return STORE_EFULL;
	case ENOSPC: case EDQUOT: return STORE_ENOSPC;
	case MDB_READERS_FULL: return STORE_EBUSY;
	case MDB_CORRUPTED: case MDB_PAGE_NOTFOUND: return STORE_ECORRUPT;
	default:
		return rc < 0 && rc >= STORE_EEXIST ? rc : STORE_EIO;
	}
}

const char *
store_strerror(int rc)
{
	switch (rc) {
	case STORE_OK: return "success";
	case STORE_ENOTFOUND: return "not found";
	case STORE_ECONFLICT: return "a statement with that id exists and differs";
	case STORE_EFULL: return "the store is full: its LMDB map is at its largest size";
	case STORE_EIO: return "storage failure (I/O error or LMDB failure)";
	case STORE_ECLOSED: return "the store is shutting down";
	case STORE_ELIMIT: return "too many subscribers or followers";
	case STORE_EINVALID: return "invalid argument";
	case STORE_ETIMEDOUT: return "timed out";
	case STORE_ENOSPC: return "the disk is full (ENOSPC)";
	case STORE_EBUSY: return "the store is busy (no LMDB reader slot free, or reads kept the map from growing); retry";
	case STORE_ECORRUPT: return "stored data is corrupt";
	case STORE_ECRYPTO: return "hashing an index key failed (libcrypto)";
	case STORE_EORDER: return "a restored statement is stored earlier than the last one in the store";
	case STORE_ERDONLY: return "the store is open read-only";
	case STORE_EEXIST: return "the target exists already";
	default: return "unknown store error";
	}
}

MDB_env *
store_env(store *s)
{
	return s->env;
}

static size_t
map_size(store *s)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->map_size;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* Another process grew the map beyond ours: take its size. */
static int
map_adopt(store *s)
{
	MDB_envinfo info;
	int rc;

	if (gate_close(&s->gate, MAP_WAIT_MS) != 0)
		return MDB_READERS_FULL;	/* busy: try again */
	if ((rc = mdb_env_set_mapsize(s->env, 0)) == 0 &&
	    (rc = mdb_env_info(s->env, &info)) == 0) {
		pthread_mutex_lock(&s->mu);
		s->map_size = info.me_mapsize;
		pthread_mutex_unlock(&s->mu);
	}
	gate_open(&s->gate);
	return rc;
}

/* Begin a top-level transaction through the gate. */
static int
txn_begin(store *s, unsigned flags, MDB_txn **txn)
{
	int rc, again;

	for (again = 1;; again = 0) {
		gate_enter(&s->gate);
		if ((rc = FAULT(flags & MDB_RDONLY ? "store.read" :
		    "store.write")) == 0 &&
		    (rc = mdb_txn_begin(s->env, NULL, flags, txn)) == 0)
			return 0;
		gate_leave(&s->gate);
		if (rc != MDB_MAP_RESIZED || !again)
			return rc;
		if ((rc = map_adopt(s)) != 0)
			return rc;
	}
}

static void
txn_abort(store *s, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	gate_leave(&s->gate);
}

static int
txn_commit(store *s, MDB_txn *txn)
{
	int rc;

	if ((rc = FAULT("store.commit")) != 0)
		mdb_txn_abort(txn);
	else
		rc = mdb_txn_commit(txn);
	gate_leave(&s->gate);
	return rc;
}

int
store_txn_begin(store *s, unsigned flags, MDB_txn **out)
{
	return map_rc(txn_begin(s, flags, out));
}

int
store_txn_commit(store *s, MDB_txn *txn)
{
	return map_rc(txn_commit(s, txn));
}

void
store_txn_abort(store *s, MDB_txn *txn)
{
	txn_abort(s, txn);
}

int
store_subscribe(store *s, store_subscriber fn, void *arg)
{
	if (s->nsub >= STORE_MAX_SUBSCRIBERS)
		return STORE_ELIMIT;
	s->sub_fn[s->nsub] = fn;
	s->sub_arg[s->nsub++] = arg;
	return STORE_OK;
}

static int
meta_get(MDB_txn *txn, store *s, const char *name, uint64_t *v)
{
	MDB_val k = { strlen(name), (void *)name }, d;
	int rc;

	*v = 0;
	rc = mdb_get(txn, s->meta, &k, &d);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc == 0 && d.mv_size != 8)
		return MDB_CORRUPTED;
	if (rc == 0)
		*v = be64_get(d.mv_data);
	return rc;
}

static int
meta_put(MDB_txn *txn, store *s, const char *name, uint64_t v)
{
	MDB_val k = { strlen(name), (void *)name }, d;
	uint8_t b[8];

	be64_put(b, v);
	d.mv_size = 8;
	d.mv_data = b;
	return mdb_put(txn, s->meta, &k, &d, 0);
}

/* The record of statement seq, or MDB_NOTFOUND. */
static int
rec_get(MDB_txn *txn, store *s, uint64_t seq, MDB_val *rec)
{
	uint8_t kb[8];
	MDB_val k = { 8, kb };
	int rc;

	be64_put(kb, seq);
	rc = mdb_get(txn, s->st, &k, rec);
	if (rc == 0 && rec->mv_size < REC_HDR)
		rc = MDB_CORRUPTED;
	return rc;
}

/* Statement id's number in "id" alone. */
static int
id_tree(MDB_txn *txn, store *s, const uint8_t id[16], uint64_t *seq)
{
	MDB_val k = { 16, (void *)id }, d;
	int rc;

	rc = mdb_get(txn, s->id, &k, &d);
	if (rc == 0 && d.mv_size != 8)
		return MDB_CORRUPTED;
	if (rc == 0)
		*seq = be64_get(d.mv_data);
	return rc;
}

/* A statement's id in the index log (see there). */
#define LOG_ID		'i'

/* The key statement id is logged under. */
static void
id_key(const uint8_t id[16], uint8_t key[INDEX_KEY_LEN])
{
	key[0] = LOG_ID;
	memcpy(key + 1, id, INDEX_KEY_LEN - 1);
}

/* Statement id's number among the ids logged in dx (may be NULL): the
 * greatest above its part's watermark in m and at most last;
 * MDB_NOTFOUND. */
static int
id_logged(ixd *dx, const uint64_t m[IXD_PARTS], uint64_t last,
    const uint8_t id[16], uint64_t *seq)
{
	uint8_t key[INDEX_KEY_LEN];

	*seq = 0;
	id_key(id, key);
	if (dx != NULL)
		ixd_next(dx, key, m[ixd_part(key)], last, 0, seq);
	return *seq ? 0 : MDB_NOTFOUND;
}

/* In the writer's group: statement id's number, in "id" or logged (this
 * group's included). */
static int
id_get(MDB_txn *txn, store *s, const uint8_t id[16], uint64_t *seq)
{
	int rc = id_tree(txn, s, id, seq);

	return rc == MDB_NOTFOUND ? id_logged(s->dx, s->gixm, UINT64_MAX,
	    id, seq) : rc;
}

/* Parse a UUID string of a statement property into 16 bytes. */
static int
uuid_of(const json *v, uint8_t out[16])
{
	char tmp[37];

	if (v == NULL || v->type != JSON_STRING || v->len != 36)
		return -1;
	memcpy(tmp, v->str, 37);
	return uuid_parse(tmp, out);
}

/* The target id of a statement whose object is a StatementRef. */
static int
ref_target(const json *st, uint8_t out[16])
{
	const json *obj = json_get(st, "object");

	if (!json_is_str(json_get(obj, "objectType"), "StatementRef"))
		return -1;
	return uuid_of(json_get(obj, "id"), out);
}

static int
is_voiding(const json *st)
{
	const json *verb = json_get(st, "verb");

	return json_is_str(json_get(verb, "id"), XAPI_VOIDED_VERB) &&
	    json_is_str(json_get(json_get(st, "object"), "objectType"),
	    "StatementRef");
}

/* Add the keys of the statement that st targets, and of what that one
 * targets, so filters find referring statements.  A target not stored
 * (yet) adds none. */
static int
inherit_keys(MDB_txn *txn, store *s, const json *st, struct index_keys *ks,
    int depth)
{
	uint8_t target[16];
	uint64_t seq;
	MDB_val rec;
	json *t = NULL;
	struct index_keys tk = { 0 };
	size_t i;
	int rc;

	if (depth >= REF_DEPTH || ref_target(st, target) != 0)
		return 0;
	if ((rc = id_get(txn, s, target, &seq)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if ((rc = rec_get(txn, s, seq, &rec)) != 0)
		return rc;
	if (json_parse((char *)rec.mv_data + REC_HDR, rec.mv_size - REC_HDR,
	    64, &t, NULL, 0) != 0)
		return MDB_CORRUPTED;
	if (index_statement(t, &tk) != INDEX_OK)
		rc = STORE_ECRYPTO;
	else
		rc = inherit_keys(txn, s, t, &tk, depth + 1);
	if (rc == 0)
		for (i = 0; i < tk.n; i++)
			if (tk.k[i][0] != INDEX_AUTHORITY)
				index_add(ks, tk.k[i][0], tk.k[i] + 1);
	index_keys_free(&tk);
	json_free(t);
	return rc;
}

/* Index statement seq under keys ks inherited from the statement it
 * refers to, in "ix" at once; they leave out the authority, which belongs
 * to who stored each statement. */
static int
put_keys(MDB_txn *txn, store *s, const struct index_keys *ks,
    const uint8_t seqb[8])
{
	uint8_t keyb[INDEX_KEY_LEN + 8];
	MDB_val k = { sizeof(keyb), keyb }, d = { 0, "" };
	size_t j;
	int rc;

	for (j = 0; j < ks->n; j++) {
		if (ks->k[j][0] == INDEX_AUTHORITY)
			continue;
		memcpy(keyb, ks->k[j], INDEX_KEY_LEN);
		memcpy(keyb + INDEX_KEY_LEN, seqb, 8);
		if ((rc = mdb_put(txn, s->ix, &k, &d, 0)) != 0)
			return rc;
	}
	return 0;
}

/* --- the index log ---
 *
 * A new statement's keys (its own, and those it inherits along a
 * StatementRef) do not go into "ix" at once: about ten keys on as many
 * random leaves made each commit write some fifteen pages per statement.
 * They are appended to "ixd" (seq -> its keys, INDEX_KEY_LEN bytes each),
 * whose pages fill in order, and added to s->dx (ixdelta.h) for the
 * queries, which read "ix" and s->dx.  Every s->lag / IXD_PARTS
 * statements the writer merges the part of the key space lagging most:
 * its keys from s->dx into "ix", sorted, so a leaf takes all its new
 * keys in one write.  The watermarks in meta "ixmerged" (one per part)
 * say what "ix" holds; log records every part has passed are deleted.
 * A removal, and a selection by the writer, merge every part first, so
 * that "ix" alone is what they read and change.  Keys handed down to
 * earlier statements (hand_down) and moved by a migration go into "ix"
 * directly: a query takes the union.
 *
 * A statement's id (a random UUID: one more random leaf per statement,
 * a third of what a commit wrote once the keys were logged) is logged
 * the same way, as key LOG_ID | id, and merged into "id".  A lookup reads
 * "id", then the ids logged above its snapshot's watermark (id_get,
 * id_read).  Each statement's keys go to s->dx as they are logged, so
 * the writer sees its own group's; a failed write takes them back. */

#define IXM_NAME	"ixmerged"
/* The watermarks in txn into m (all 0 in a new store). */
static int
ixm_get(MDB_txn *txn, store *s, uint64_t m[IXD_PARTS])
{
	MDB_val k = { sizeof(IXM_NAME) - 1, IXM_NAME }, d;
	unsigned p;
	int rc;

	memset(m, 0, IXD_PARTS * sizeof(*m));
	rc = mdb_get(txn, s->meta, &k, &d);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc == 0 && d.mv_size != IXD_PARTS * 8)
		rc = MDB_CORRUPTED;
	for (p = 0; rc == 0 && p < IXD_PARTS; p++)
		m[p] = be64_get((uint8_t *)d.mv_data + 8 * p);
	return rc;
}

static int
ixm_put(MDB_txn *txn, store *s, const uint64_t m[IXD_PARTS])
{
	MDB_val k = { sizeof(IXM_NAME) - 1, IXM_NAME }, d;
	uint8_t b[IXD_PARTS * 8];
	unsigned p;

	for (p = 0; p < IXD_PARTS; p++)
		be64_put(b + 8 * p, m[p]);
	d.mv_size = sizeof(b);
	d.mv_data = b;
	return mdb_put(txn, s->meta, &k, &d, 0);
}

/* Log statement seqb's keys ks and its id, and add them to s->dx (and
 * s->pend, to take them back if the write fails). */
static int
log_keys(MDB_txn *txn, store *s, const struct index_keys *ks,
    const uint8_t id[16], const uint8_t seqb[8])
{
	MDB_val k = { 8, (void *)seqb }, d;
	struct ixd_entry *e;
	size_t j, n = ks->n + 1;
	int rc;

	d.mv_size = n * INDEX_KEY_LEN;
	d.mv_data = NULL;
	rc = mdb_put(txn, s->ixlog, &k, &d, MDB_APPEND | MDB_RESERVE);
	if (rc != 0)
		return rc;
	if (s->npend + n > s->cpend) {
		s->cpend = 2 * (s->npend + n);
		s->pend = xrealloc(s->pend, s->cpend * sizeof(*s->pend));
	}
	e = s->pend + s->npend;
	for (j = 0; j < n; j++) {
		if (j < ks->n)
			memcpy(e[j].key, ks->k[j], INDEX_KEY_LEN);
		else
			id_key(id, e[j].key);
		e[j].seq = be64_get(seqb);
		memcpy((uint8_t *)d.mv_data + j * INDEX_KEY_LEN, e[j].key,
		    INDEX_KEY_LEN);
	}
	s->npend += n;
	if (s->dx != NULL)
		ixd_add(s->dx, e, n);
	return 0;
}

/* Add the log records of txn above the watermarks m to d. */
static int
log_load(MDB_txn *txn, store *s, const uint64_t m[IXD_PARTS], ixd *d)
{
	struct ixd_entry e;
	MDB_cursor *c;
	MDB_val k, v;
	size_t j;
	int rc;

	if ((rc = mdb_cursor_open(txn, s->ixlog, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8 || v.mv_size % INDEX_KEY_LEN != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		e.seq = be64_get(k.mv_data);
		for (j = 0; j < v.mv_size; j += INDEX_KEY_LEN) {
			memcpy(e.key, (uint8_t *)v.mv_data + j, INDEX_KEY_LEN);
			if (e.seq > m[ixd_part(e.key)])
				ixd_add(d, &e, 1);
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* A delta holding the log of txn above its watermarks m, into *out. */
static int
delta_make(MDB_txn *txn, store *s, const uint64_t m[IXD_PARTS], ixd **out)
{
	ixd *d = ixd_new(0);
	unsigned p;
	int rc;

	for (p = 0; p < IXD_PARTS; p++)
		ixd_publish(d, p, m[p]);
	if ((rc = log_load(txn, s, m, d)) != 0) {
		ixd_free(d);
		d = NULL;
	}
	*out = d;
	return rc;
}

/* Merge part p's keys and ids logged up to s->gseq (this group's too)
 * into "ix" and "id", sorted; the caller writes the watermarks
 * (log_trim). */
static int
merge_part(MDB_txn *txn, store *s, unsigned p)
{
	uint8_t kb[INDEX_KEY_LEN + 8], seqb[8];
	MDB_val k, d;
	struct ixd_entry *e = NULL;
	MDB_cursor *c = NULL, *ci = NULL;
	size_t n, i;
	int rc;

	n = ixd_collect(s->dx, p, s->gixm[p], &e);
	if ((rc = mdb_cursor_open(txn, s->ix, &c)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->id, &ci)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++) {
		if (e[i].key[0] == LOG_ID) {
			be64_put(seqb, e[i].seq);
			k.mv_size = INDEX_KEY_LEN - 1;
			k.mv_data = e[i].key + 1;
			d.mv_size = 8;
			d.mv_data = seqb;
			rc = mdb_cursor_put(ci, &k, &d, 0);
			continue;
		}
		memcpy(kb, e[i].key, INDEX_KEY_LEN);
		be64_put(kb + INDEX_KEY_LEN, e[i].seq);
		k.mv_size = sizeof(kb);
		k.mv_data = kb;
		d.mv_size = 0;
		d.mv_data = "";
		rc = mdb_cursor_put(c, &k, &d, 0);
	}
	if (rc == 0)
		s->gixm[p] = s->gseq;
out:
	if (ci)
		mdb_cursor_close(ci);
	if (c)
		mdb_cursor_close(c);
	free(e);
	return rc;
}

/* Write the group's watermarks and delete the log records every part
 * has passed. */
static int
log_trim(MDB_txn *txn, store *s)
{
	uint64_t least = s->gixm[0];
	MDB_cursor *c;
	MDB_val k, d;
	unsigned p;
	int rc;

	for (p = 1; p < IXD_PARTS; p++)
		if (s->gixm[p] < least)
			least = s->gixm[p];
	if ((rc = ixm_put(txn, s, s->gixm)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->ixlog, &c)) != 0)
		return rc;
	while ((rc = mdb_cursor_get(c, &k, &d, MDB_FIRST)) == 0 &&
	    k.mv_size == 8 && be64_get(k.mv_data) <= least)
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* At the start of a group: merge the part lagging most when its turn
 * has come. */
static int
merge_due(MDB_txn *txn, store *s)
{
	unsigned p, most = 0;
	int rc;

	if (s->gseq < s->merge_next)
		return 0;
	for (p = 1; p < IXD_PARTS; p++)
		if (s->gixm[p] < s->gixm[most])
			most = p;
	s->merge_next = s->gseq + s->lag / IXD_PARTS;
	if ((rc = merge_part(txn, s, most)) != 0)
		return rc;
	return log_trim(txn, s);
}

/* A group starts from the committed watermarks with nothing logged. */
static void
group_begin(store *s)
{
	memcpy(s->gixm, s->ixm, sizeof(s->ixm));
	s->npend = 0;
	s->gixm_saved = 0;
}

/* Merge every part, this group's keys included: "ix" then holds every
 * key (the writer only, before a removal or a selection).  Undone with
 * the job when it fails (run_job). */
static int
merge_all(MDB_txn *txn, store *s)
{
	unsigned p;
	int rc;

	/* Called for every statement a removal or selection visits: after
	 * the first, nothing is left to merge or write. */
	for (p = 0; p < IXD_PARTS && s->gixm[p] == s->gseq; p++)
		;
	if (p == IXD_PARTS)
		return 0;
	if (!s->gixm_saved) {
		memcpy(s->gixm_undo, s->gixm, sizeof(s->gixm));
		s->gixm_saved = 1;
	}
	for (p = 0; p < IXD_PARTS; p++)
		if (s->gixm[p] < s->gseq &&
		    (rc = merge_part(txn, s, p)) != 0)
			return rc;
	return log_trim(txn, s);
}

/* After a commit: the parts merged are published (s->dx drops what no
 * reader needs). */
static void
merge_publish(store *s)
{
	unsigned p;

	for (p = 0; p < IXD_PARTS; p++)
		if (s->gixm[p] != s->ixm[p]) {
			s->ixm[p] = s->gixm[p];
			ixd_publish(s->dx, p, s->ixm[p]);
		}
}

/* On the way out, every part merged, so the next start has no log to
 * read.  Not merging is no loss (the log stays and is read then), so a
 * failure here only leaves the log. */
static void
merge_close(store *s)
{
	MDB_txn *txn;
	unsigned p;

	for (p = 0; p < IXD_PARTS && s->ixm[p] == s->committed; p++)
		;
	if (p == IXD_PARTS || txn_begin(s, 0, &txn) != 0)
		return;
	group_begin(s);
	s->gseq = s->committed;
	if (merge_all(txn, s) != 0) {
		txn_abort(s, txn);
		return;
	}
	if (txn_commit(s, txn) == 0)
		merge_publish(s);
}

/* Whether the calling thread is s's writer. */
static int
on_writer(store *s)
{
	return !s->rdonly && pthread_equal(pthread_self(), s->writer);
}

/* Statements stored earlier that refer to statement id get its keys, and
 * so do the statements that refer to those. */
static int
hand_down(MDB_txn *txn, store *s, const uint8_t id[16],
    const struct index_keys *ks, int depth)
{
	MDB_cursor *c = NULL;
	MDB_val k = { 16, (void *)id }, d;
	uint8_t (*rids)[16] = NULL;
	size_t n = 0, i;
	int rc;

	if (depth >= REF_DEPTH)
		return 0;
	if ((rc = mdb_cursor_open(txn, s->ref, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (k.mv_size != 32 || memcmp(k.mv_data, id, 16) != 0 ||
		    d.mv_size != 8)
			break;
		if ((rc = put_keys(txn, s, ks, d.mv_data)) != 0)
			goto out;
		rids = xrealloc(rids, (n + 1) * sizeof(*rids));
		memcpy(rids[n++], (uint8_t *)k.mv_data + 16, 16);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	mdb_cursor_close(c);
	c = NULL;
	rc = 0;
	for (i = 0; i < n && rc == 0; i++)
		rc = hand_down(txn, s, rids[i], ks, depth + 1);
out:
	if (c)
		mdb_cursor_close(c);
	free(rids);
	return rc;
}

/* Set or clear flag bits of a stored record (copy-on-write). */
static int
rec_set_flags(MDB_txn *txn, store *s, uint64_t seq, uint8_t bits)
{
	uint8_t kb[8];
	MDB_val k = { 8, kb }, rec, nv;
	int rc;

	if ((rc = rec_get(txn, s, seq, &rec)) != 0)
		return rc;
	be64_put(kb, seq);
	nv.mv_size = rec.mv_size;
	nv.mv_data = NULL;
	/* MDB_RESERVE hands back space to fill: copy first, then flag. */
	{
		void *copy = xmemdup(rec.mv_data, rec.mv_size);

		rc = mdb_put(txn, s->st, &k, &nv, MDB_RESERVE);
		if (rc == 0) {
			memcpy(nv.mv_data, copy, rec.mv_size);
			((uint8_t *)nv.mv_data)[0] |= bits;
		}
		free(copy);
	}
	return rc;
}

/* The flags of statement seq (REC_VOIDED, REC_VOIDING). */
static int
rec_flags(MDB_txn *txn, store *s, uint64_t seq, uint8_t *flags)
{
	MDB_val rec;
	int rc;

	if ((rc = rec_get(txn, s, seq, &rec)) == 0)
		*flags = ((uint8_t *)rec.mv_data)[0];
	return rc;
}

/* Record that the statement voiding target is statement seqb and flag the
 * target voided, unless it is a voiding statement itself (those cannot be
 * voided) or not stored yet (it is voided when it arrives). */
static int
void_target(MDB_txn *txn, store *s, const uint8_t target[16],
    const uint8_t seqb[8])
{
	MDB_val k = { 16, (void *)target }, d = { 8, (void *)seqb };
	uint64_t tseq;
	uint8_t tflags;
	int rc;

	/* The first voiding statement is the one that counts. */
	rc = mdb_put(txn, s->voids, &k, &d, MDB_NOOVERWRITE);
	if (rc != 0 && rc != MDB_KEYEXIST)
		return rc;
	if ((rc = id_get(txn, s, target, &tseq)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if ((rc = rec_flags(txn, s, tseq, &tflags)) != 0 ||
	    (tflags & REC_VOIDING))
		return rc;
	return rec_set_flags(txn, s, tseq, REC_VOIDED);
}

/* The flags of a new statement: voiding (and then its target is voided
 * now or on arrival), or voided on arrival by a statement stored before
 * it. */
static int
new_flags(MDB_txn *txn, store *s, const json *st, const uint8_t id[16],
    const uint8_t seqb[8], uint8_t *flags)
{
	MDB_val k = { 16, (void *)id }, d;
	uint8_t target[16];
	int rc;

	*flags = 0;
	if (is_voiding(st)) {
		*flags = REC_VOIDING;
		if (ref_target(st, target) != 0)
			return 0;
		return void_target(txn, s, target, seqb);
	}
	if ((rc = mdb_get(txn, s->voids, &k, &d)) == 0)
		*flags = REC_VOIDED;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The members the writer appends to a precomputed text (see struct
 * pre): "stored", and "timestamp" when the statement had none, both the
 * stored time as text when; then the closing brace.  Into out (at least
 * 80 bytes); its length.  Byte for byte what json_to_string writes for
 * the members json_set appends. */
static size_t
pre_tail(const struct pre *p, const char *when, char *out)
{
	size_t n = 0, wlen = strlen(when);

	/* By hand: sprintf cost the writer 900 instructions a statement. */
	if (p->len > 1)
		out[n++] = ',';
	memcpy(out + n, "\"stored\":\"", 10);
	n += 10;
	memcpy(out + n, when, wlen);
	n += wlen;
	out[n++] = '"';
	if (!p->has_ts) {
		memcpy(out + n, ",\"timestamp\":\"", 14);
		n += 14;
		memcpy(out + n, when, wlen);
		n += wlen;
		out[n++] = '"';
	}
	out[n++] = '}';
	return n;
}

/* The record of statement st (number seqb, with flags, stored at time
 * stored; its text precomputed in p, or NULL) and its entry in "tm" (its
 * id is logged with its keys: log_keys). */
static int
put_record(MDB_txn *txn, store *s, const json *st, const struct pre *p,
    const uint8_t seqb[8], uint8_t flags, int64_t stored)
{
	uint8_t tmb[16];
	MDB_val k = { 8, (void *)seqb }, d;
	char when[32], tail[96], *text = NULL;
	size_t len, tlen = 0;
	int rc;

	if (p && p->text) {
		tlen = pre_tail(p, iso8601_format(stored, when), tail);
		len = p->len;
	} else
		text = json_to_string(st, &len);
	d.mv_size = REC_HDR + len + tlen;
	d.mv_data = NULL;
	rc = mdb_put(txn, s->st, &k, &d, MDB_APPEND | MDB_RESERVE);
	if (rc == 0) {
		((uint8_t *)d.mv_data)[0] = flags;
		put_i64((uint8_t *)d.mv_data + 1, stored);
		memcpy((uint8_t *)d.mv_data + REC_HDR, text ? text : p->text,
		    len);
		memcpy((uint8_t *)d.mv_data + REC_HDR + len, tail, tlen);
	}
	free(text);
	if (rc != 0)
		return rc;
	put_i64(tmb, stored);
	memcpy(tmb + 8, seqb, 8);
	k.mv_size = sizeof(tmb);
	k.mv_data = tmb;
	d.mv_size = 0;
	d.mv_data = "";
	return mdb_put(txn, s->tm, &k, &d, 0);
}

/* The keys statement st is found by (its own, and the authority's when
 * authority, the hash of the credential that stores it, is not NULL),
 * into ks.  STORE_ECRYPTO (ks then holds some: free it). */
static int
own_keys(const json *st, const uint8_t *authority, struct index_keys *ks)
{
	if (index_statement(st, ks) != INDEX_OK)
		return STORE_ECRYPTO;
	if (authority)
		index_add(ks, INDEX_AUTHORITY, authority);
	return 0;
}

/* The hash of w's credential into h, and h, or NULL when w has none;
 * STORE_ECRYPTO. */
static int
authority_hash(const struct store_write *w, uint8_t h[INDEX_HASH_LEN],
    const uint8_t **out)
{
	*out = NULL;
	if (w->authority_key == NULL)
		return 0;
	if (index_authority_hash(w->authority_key, h) != INDEX_OK)
		return STORE_ECRYPTO;
	*out = h;
	return 0;
}

/* Index statement st (id, number seqb) under its own keys ks (which it
 * adds to and takes back from) and those it inherits or hands down along
 * StatementRefs. */
static int
put_index(MDB_txn *txn, store *s, const json *st, const uint8_t id[16],
    const uint8_t seqb[8], struct index_keys *ks)
{
	uint8_t refb[32];
	MDB_val k = { sizeof(refb), refb }, d = { 8, (void *)seqb };
	size_t own = ks->n;
	int rc;

	if ((rc = inherit_keys(txn, s, st, ks, 0)) != 0 ||
	    (rc = log_keys(txn, s, ks, id, seqb)) != 0)
		goto out;
	if (ref_target(st, refb) == 0) {
		memcpy(refb + 16, id, 16);
		if ((rc = mdb_put(txn, s->ref, &k, &d, 0)) != 0)
			goto out;
	}
	rc = hand_down(txn, s, id, ks, 0);
out:
	/* The group may run again (the map grew): inherit afresh then. */
	ks->n = own;
	return rc;
}

static void	pre_free(struct pre *pre, size_t n);
static int	attrefs(MDB_txn *txn, store *s, const json *st,
		    const uint8_t seqb[8], int del);
static int	attref_backfill(MDB_txn *txn, store *s);

/* Store statement i of w (precomputed in p, or NULL) as number seq at
 * time stored, and tell the subscribers. */
static int
put_statement(MDB_txn *txn, store *s, struct store_write *w, size_t i,
    struct pre *p, uint64_t seq, int64_t stored)
{
	json *st = w->stmts[i];
	struct index_keys ks = { 0 };
	uint8_t ah[INDEX_HASH_LEN];
	const uint8_t *a;
	char when[32];
	uint8_t seqb[8], flags;
	int rc, sn;

	iso8601_format(stored, when);
	/* A restore keeps "stored" as it was written (w->stored says when). */
	if (w->stored == NULL || json_get(st, "stored") == NULL)
		json_set(st, "stored", json_new_str(when));
	/* The spec has the LRS fill a missing timestamp with the stored time. */
	if (json_get(st, "timestamp") == NULL)
		json_set(st, "timestamp", json_new_str(when));
	be64_put(seqb, seq);
	if (p == NULL && ((rc = authority_hash(w, ah, &a)) != 0 ||
	    (rc = own_keys(st, a, &ks)) != 0))
		goto out;
	if ((rc = new_flags(txn, s, st, w->ids[i], seqb, &flags)) != 0 ||
	    (rc = put_record(txn, s, st, p, seqb, flags, stored)) != 0 ||
	    (rc = put_index(txn, s, st, w->ids[i], seqb,
	    p ? &p->ks : &ks)) != 0 ||
	    (rc = attrefs(txn, s, st, seqb, 0)) != 0)
		goto out;
	for (sn = 0; sn < s->nsub; sn++)
		if ((rc = s->sub_fn[sn](s->sub_arg[sn], txn, seq, st)) != 0)
			goto out;
out:
	index_keys_free(&ks);
	return rc;
}

/* The "att" key of an attachment: its SHA-2 hex in lower case, into key
 * (129 bytes); its length, 0 when sha2 is too long to be one. */
static size_t
blob_key(const char *sha2, char key[129])
{
	size_t i, n = strlen(sha2);

	if (n >= 129)
		return 0;
	for (i = 0; i < n; i++)
		key[i] = (char)((sha2[i] >= 'A' && sha2[i] <= 'F') ?
		    sha2[i] + 32 : sha2[i]);
	return n;
}

static int
put_blob(MDB_txn *txn, store *s, const struct store_blob *b)
{
	char key[129];
	MDB_val k = { blob_key(b->sha2, key), key };
	MDB_val d = { b->len, (void *)b->data };
	int rc;

	if (k.mv_size == 0)
		return MDB_BAD_VALSIZE;
	rc = mdb_put(txn, s->att, &k, &d, MDB_NOOVERWRITE);
	return rc == MDB_KEYEXIST ? 0 : rc;
}

/* A restored statement's time t, after statement seq (the last): it
 * becomes the group's time *stored, or STORE_EORDER when earlier than
 * that statement's. */
static int
restore_time(MDB_txn *txn, store *s, uint64_t seq, int64_t t, int64_t *stored)
{
	MDB_val rec;
	int rc;

	if (seq && (rc = rec_get(txn, s, seq, &rec)) != 0)
		return rc;
	if (seq && t < (int64_t)be64_get((uint8_t *)rec.mv_data + 1))
		return STORE_EORDER;
	*stored = t;
	return 0;
}

/* Apply one write (precomputed in pre[0..w->n), or NULL) in its own
 * nested transaction. */
static int
apply_one(MDB_txn *txn, store *s, struct store_write *w, struct pre *pre,
    uint64_t *seq, int64_t *stored)
{
	uint64_t old;
	MDB_val rec;
	char *skip;
	json *prev;
	size_t i;
	int rc = 0;

	skip = xcalloc(w->n ? w->n : 1, 1);
	for (i = 0; i < w->n; i++) {
		if ((rc = id_get(txn, s, w->ids[i], &old)) == MDB_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc != 0 || (rc = rec_get(txn, s, old, &rec)) != 0)
			goto out;
		prev = NULL;
		if (json_parse((char *)rec.mv_data + REC_HDR,
		    rec.mv_size - REC_HDR, 64, &prev, NULL, 0) != 0) {
			rc = MDB_CORRUPTED;
			goto out;
		}
		if (!stmtfmt_equivalent(prev, w->stmts[i])) {
			json_free(prev);
			w->conflict = (int)i;
			rc = STORE_ECONFLICT;
			goto out;
		}
		json_free(prev);
		skip[i] = 1;
	}
	for (i = 0; i < w->n; i++) {
		if (skip[i])
			continue;
		/* A restore gives each statement its time, which must not go
		 * back along the sequence. */
		if (w->stored && (rc = restore_time(txn, s, *seq, w->stored[i],
		    stored)) != 0) {
			if (rc == STORE_EORDER)
				w->conflict = (int)i;
			goto out;
		}
		/* The same id twice in w: the first is logged by now. */
		if ((rc = id_get(txn, s, w->ids[i], &old)) != MDB_NOTFOUND) {
			rc = rc == 0 ? MDB_KEYEXIST : rc;
			goto out;
		}
		*seq += 1;
		if ((rc = put_statement(txn, s, w, i, pre ? &pre[i] : NULL,
		    *seq, *stored)) != 0)
			goto out;
	}
	for (i = 0; i < w->nblobs; i++)
		if ((rc = put_blob(txn, s, &w->blobs[i])) != 0)
			goto out;
out:
	free(skip);
	return rc;
}

/* A job's transaction was aborted: the numbers, logged keys and
 * watermarks it took go back to what they were before it. */
static void
job_undo(store *s, uint64_t seq0, size_t pend0)
{
	s->gseq = seq0;
	if (s->dx)
		ixd_drop(s->dx, s->pend + pend0, s->npend - pend0);
	s->npend = pend0;
	if (s->gixm_saved)
		memcpy(s->gixm, s->gixm_undo, sizeof(s->gixm));
	s->gixm_saved = 0;
}

/* Run job j in a nested transaction of txn: its changes stay when it
 * succeeds and go when it fails, and it gets its answer.  Returns 0, or
 * what fails the whole group: MDB_MAP_FULL when j ran out of map and
 * full_rc is 0 (the map may grow), or the nested transaction's failure.
 * With full_rc set, a job that ran out of map is answered with it. */
static int
run_job(store *s, MDB_txn *txn, struct job *j, int full_rc)
{
	MDB_txn *child;
	uint64_t seq0 = s->gseq;
	size_t pend0 = s->npend;
	int rc, full;

	if ((rc = mdb_txn_begin(s->env, txn, 0, &child)) != 0)
		return rc;
	j->fn_rc = 0;
	s->gixm_saved = 0;
	if (j->fn) {
		/* Its own failure is its answer, not the store's. */
		j->rc = STORE_OK;
		rc = j->fn_rc = j->fn(j->arg, child);
		full = rc == MDB_MAP_FULL || rc == STORE_EFULL;
	} else {
		rc = j->rc = map_rc(apply_one(child, s, j->w, j->pre,
		    &s->gseq, &s->gstored));
		full = rc == STORE_EFULL;
	}
	if (rc == 0)
		return mdb_txn_commit(child);
	mdb_txn_abort(child);
	job_undo(s, seq0, pend0);
	if (full && full_rc == 0)
		return MDB_MAP_FULL;
	if (full)
		j->rc = full_rc;
	return 0;
}

/* A failed commit's code: a short write (EIO) on a disk without room
 * left is the disk being full. */
static int
commit_rc(store *s, int rc)
{
	struct statvfs sv;
	int fd;

	if (rc == EIO && mdb_env_get_fd(s->env, &fd) == 0 &&
	    fstatvfs(fd, &sv) == 0 &&
	    (size_t)sv.f_bavail * sv.f_frsize < MAP_ROOM_MIN)
		return ENOSPC;
	return rc;
}

/* Count v in h (bounds le); the writer only. */
static void
hist_add(struct hist *h, const uint64_t *le, uint64_t v)
{
	int i;

	for (i = 0; i < STORE_HIST_N && v > le[i]; i++)
		;
	atomic_fetch_add_explicit(&h->count[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum, v, memory_order_relaxed);
}

/* Tell followers and waiters that statements up to gseq are committed. */
static void
announce(store *s)
{
	pthread_mutex_lock(&s->mu);
	if (s->gseq != s->committed) {
		s->committed = s->gseq;
		pthread_cond_broadcast(&s->grew);
	}
	pthread_mutex_unlock(&s->mu);
}

/* Apply a group of writes in one transaction and one commit, stored at
 * time now (or later: never backwards), skipping jobs handed back.
 * Returns 0 when every job has its answer, or MDB_MAP_FULL when the map
 * ran out and full_rc is 0: then nothing is committed and no job is
 * answered. */
static int
apply_group(store *s, struct job *jobs, int64_t now, int full_rc)
{
	MDB_txn *txn = NULL;
	uint64_t st64, n;
	int64_t t0;
	struct job *j;
	int rc;

	if ((rc = txn_begin(s, 0, &txn)) != 0)
		goto fail;
	if ((rc = meta_get(txn, s, "seq", &s->gseq)) != 0 ||
	    (rc = meta_get(txn, s, "stored", &st64)) != 0)
		goto fail;
	s->gstored = (int64_t)st64 > now ? (int64_t)st64 : now;
	group_begin(s);
	if ((rc = merge_due(txn, s)) != 0)
		goto fail;
	for (j = jobs; j; j = j->next)
		if (j->rc != JOB_RETRY &&
		    (rc = run_job(s, txn, j, full_rc)) != 0)
			goto fail;
	if ((rc = meta_put(txn, s, "seq", s->gseq)) != 0 ||
	    (rc = meta_put(txn, s, "stored", (uint64_t)s->gstored)) != 0)
		goto fail;
	t0 = mono_us();
	rc = txn_commit(s, txn);
	txn = NULL;
	if (rc != 0)
		goto fail;
	merge_publish(s);
	hist_add(&s->commit_us, commit_le, (uint64_t)(mono_us() - t0));
	for (n = 0, j = jobs; j; j = j->next)
		n += j->rc != JOB_RETRY;
	hist_add(&s->group_size, group_le, n);
	announce(s);
	return 0;
fail:
	if (txn)
		txn_abort(s, txn);
	/* The keys and ids the group logged (log_keys) go. */
	if (s->dx)
		ixd_drop(s->dx, s->pend, s->npend);
	s->npend = 0;
	if (rc == MDB_MAP_FULL && full_rc == 0)
		return MDB_MAP_FULL;
	rc = rc == MDB_MAP_FULL ? full_rc : map_rc(commit_rc(s, rc));
	for (j = jobs; j; j = j->next)
		if (j->rc == STORE_OK)
			j->rc = rc;
	return 0;
}

/* The size to grow the map to from cur: double it, by at most
 * MAP_STEP_MAX, within map_max and what the disk holds.  STORE_EFULL at
 * map_max, STORE_ENOSPC when the disk has no room for MAP_ROOM_MIN more. */
static int
map_next(store *s, size_t cur, size_t *next)
{
	struct statvfs sv;
	struct stat st;
	size_t room;
	int fd, rc;

	if (cur >= s->map_max)
		return STORE_EFULL;
	*next = cur + (cur < MAP_STEP_MAX ? cur : MAP_STEP_MAX);
	if (*next > s->map_max)
		*next = s->map_max;
	if ((rc = mdb_env_get_fd(s->env, &fd)) != 0)
		return map_rc(rc);
	if (fstat(fd, &st) != 0 || fstatvfs(fd, &sv) != 0)
		return map_rc(errno);
	/* What the data file can grow to: it is about cur long now. */
	room = (size_t)st.st_size + (size_t)sv.f_bavail * sv.f_frsize;
	if (room < cur + MAP_ROOM_MIN)
		return STORE_ENOSPC;
	if (*next > room)
		*next = room - room % sv.f_frsize;
	return STORE_OK;
}

/* Grow the map one step once no transaction is open: STORE_OK, or why
 * not (STORE_EFULL, STORE_ENOSPC, STORE_EBUSY when transactions stay open
 * longer than MAP_WAIT_MS). */
static int
map_grow(store *s)
{
	size_t next;
	int rc;

	if ((rc = map_next(s, map_size(s), &next)) != STORE_OK)
		return rc;
	if (gate_close(&s->gate, MAP_WAIT_MS) != 0)
		return STORE_EBUSY;
	if ((rc = mdb_env_set_mapsize(s->env, next)) == 0) {
		pthread_mutex_lock(&s->mu);
		s->map_size = next;
		pthread_mutex_unlock(&s->mu);
	}
	gate_open(&s->gate);
	return map_rc(rc);
}

/* Apply the jobs the writer took, growing the map as they need: a group
 * that ran out of map is applied again once it grew, with the same stored
 * time, or else once more to answer those that do not fit.  A follower's
 * batch is handed back instead (JOB_RETRY): its apply must not run twice
 * without the follower forgetting what the first run remembered. */
static void
write_jobs(store *s, struct job *jobs)
{
	/* Whole milliseconds, as "stored" is shown. */
	int64_t now = iso8601_now() / 1000 * 1000;
	struct job *j;
	int full_rc = 0;

	while (apply_group(s, jobs, now, full_rc) == MDB_MAP_FULL) {
		for (j = jobs; j; j = j->next)
			if (j->once)
				j->rc = JOB_RETRY;
		full_rc = map_grow(s);
	}
}

int
store_put_txn(store *s, MDB_txn *txn, struct store_write *w)
{
	uint64_t seq0 = s->gseq;
	size_t pend0 = s->npend;
	int rc;

	w->conflict = -1;
	s->gixm_saved = 0;
	rc = map_rc(apply_one(txn, s, w, NULL, &s->gseq, &s->gstored));
	if (rc != STORE_OK)
		job_undo(s, seq0, pend0);
	return rc;
}

/* A writer held up (a slow disk, say), for the tests of /ready: in a
 * fault build, the rule of site "store.stall" makes the writer wait its
 * code's milliseconds before a group.  Nothing in other builds. */
static void
writer_stall(void)
{
	int ms = FAULT("store.stall");
	struct timespec t;

	if (ms > 0) {
		t.tv_sec = ms / 1000;
		t.tv_nsec = (long)(ms % 1000) * 1000000L;
		nanosleep(&t, NULL);
	}
}

static void	deadline(struct timespec *ts, int ms);

/* Let a queue of lazy jobs alone wait up to LINGER_MS for another to
 * join them, so that they share its commit, unless someone waits for a
 * follower (store_follower_wait).  Under s->mu. */
static void
linger(store *s)
{
	struct timespec ts;
	struct job *j;

	deadline(&ts, LINGER_MS);
	for (;;) {
		for (j = s->head; j && j->lazy; j = j->next)
			;
		if (j != NULL || s->closing || s->follow_waiters > 0 ||
		    pthread_cond_timedwait(&s->work, &s->mu, &ts) != 0)
			return;
	}
}

static void *
writer_main(void *arg)
{
	store *s = arg;
	struct job *jobs, *j;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->head == NULL && !s->closing)
			pthread_cond_wait(&s->work, &s->mu);
		if (s->head == NULL)
			break;
		linger(s);
		jobs = s->head;
		s->head = s->tail = NULL;
		s->busy_since = iso8601_now();
		pthread_mutex_unlock(&s->mu);
		writer_stall();
		write_jobs(s, jobs);
		pthread_mutex_lock(&s->mu);
		/* Wake the group's waiters alone: a broadcast woke every
		 * waiter of the next group too, for nothing.  A job is freed
		 * by its waiter, which needs s->mu first. */
		for (j = jobs; j; j = j->next) {
			j->done = 1;
			pthread_cond_signal(&j->cv);
		}
		s->busy_since = 0;
	}
	pthread_mutex_unlock(&s->mu);
	merge_close(s);
	return NULL;
}

/* Queue a job for the writer; STORE_ECLOSED when closing (not queued). */
static int
submit_start(store *s, struct job *job)
{
	pthread_mutex_lock(&s->mu);
	if (s->closing || s->rdonly) {
		pthread_mutex_unlock(&s->mu);
		return s->rdonly ? STORE_ERDONLY : STORE_ECLOSED;
	}
	pthread_cond_init(&job->cv, NULL);
	if (s->tail)
		s->tail->next = job;
	else
		s->head = job;
	s->tail = job;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	return STORE_OK;
}

/* Wait until a queued job's group is committed; its code. */
static int
submit_wait(store *s, struct job *job)
{
	pthread_mutex_lock(&s->mu);
	while (!job->done)
		pthread_cond_wait(&job->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	pthread_cond_destroy(&job->cv);
	return job->rc;
}

/* Queue a job for the writer and wait until its group is committed. */
static int
submit(store *s, struct job *job)
{
	int rc = submit_start(s, job);

	return rc ? rc : submit_wait(s, job);
}

/* Compute in the caller's thread what the writer would otherwise do for
 * each statement of w that does not depend on the order of writes: its
 * index keys and its text.  STORE_ECRYPTO (nothing to free then). */
static int
pre_make(const struct store_write *w, struct pre **out)
{
	struct pre *pre = xcalloc(w->n ? w->n : 1, sizeof(*pre));
	uint8_t ah[INDEX_HASH_LEN];
	const uint8_t *a;
	const json *st;
	size_t i;
	int rc;

	/* One credential stores the whole write: hash it once. */
	rc = authority_hash(w, ah, &a);
	for (i = 0; i < w->n && rc == 0; i++) {
		st = w->stmts[i];
		rc = own_keys(st, a, &pre[i].ks);
		if (rc != 0 || json_get(st, "stored") != NULL)
			continue;
		pre[i].has_ts = json_get(st, "timestamp") != NULL;
		pre[i].text = json_to_string(st, &pre[i].len);
		/* Leave off the closing brace: pre_tail writes it. */
		pre[i].len--;
	}
	if (rc != 0)
		pre_free(pre, w->n);
	else
		*out = pre;
	return rc;
}

static void
pre_free(struct pre *pre, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		index_keys_free(&pre[i].ks);
		free(pre[i].text);
	}
	free(pre);
}

int
store_put(store *s, struct store_write *w)
{
	struct job job = { .w = w };
	int rc;

	w->conflict = -1;
	if ((rc = pre_make(w, &job.pre)) != 0)
		return rc;
	rc = submit(s, &job);
	pre_free(job.pre, w->n);
	return rc;
}

int
store_exec(store *s, store_exec_fn fn, void *arg, int *fn_rc)
{
	struct job job = { .fn = fn, .arg = arg };
	int rc;

	rc = submit(s, &job);
	*fn_rc = job.fn_rc;
	return rc;
}

static void
hist_read(struct hist *h, const uint64_t *le, struct store_hist *out)
{
	int i;

	out->le = le;
	for (i = 0; i <= STORE_HIST_N; i++)
		out->count[i] = atomic_load_explicit(&h->count[i],
		    memory_order_relaxed);
	out->sum = atomic_load_explicit(&h->sum, memory_order_relaxed);
}

int
store_health_get(store *s, struct store_health *out)
{
	MDB_envinfo info;
	MDB_stat st;
	MDB_txn *txn = NULL;
	struct statvfs sv;
	int64_t busy;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->mu);
	busy = s->busy_since;
	out->map_size = s->map_size;
	out->map_max = s->map_max;
	out->statements = s->committed;
	pthread_mutex_unlock(&s->mu);
	hist_read(&s->group_size, group_le, &out->group_size);
	hist_read(&s->commit_us, commit_le, &out->commit_us);
	out->writer_busy_us = busy ? iso8601_now() - busy : 0;
	/* Inside a read: the map cannot move while the meta page is read. */
	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		goto out;
	if ((rc = mdb_env_info(s->env, &info)) != 0 ||
	    (rc = mdb_env_stat(s->env, &st)) != 0 ||
	    (rc = mdb_env_get_fd(s->env, &fd)) != 0)
		goto out;
	out->map_used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
	if (fstatvfs(fd, &sv) != 0) {
		rc = errno;
		goto out;
	}
	out->disk_free = (uint64_t)sv.f_bavail * sv.f_frsize;
out:
	if (txn)
		txn_abort(s, txn);
	return map_rc(rc);
}

int64_t
store_consistent_through(store *s)
{
	int64_t busy, now = iso8601_now();

	pthread_mutex_lock(&s->mu);
	busy = s->busy_since;
	pthread_mutex_unlock(&s->mu);
	return busy ? busy - 1000 : now;
}

/* Index every statement under key prefix from (INDEX_KEY_LEN bytes) under
 * prefix to instead. */
static int
move_keys(MDB_txn *txn, store *s, const uint8_t *from, const uint8_t *to)
{
	uint8_t kb[INDEX_KEY_LEN + 8], (*seqs)[8] = NULL;
	MDB_val k = { sizeof(kb), kb }, d = { 0, "" };
	MDB_cursor *c = NULL;
	size_t n = 0, i;
	int rc;

	memcpy(kb, from, INDEX_KEY_LEN);
	memset(kb + INDEX_KEY_LEN, 0, 8);
	if ((rc = mdb_cursor_open(txn, s->ix, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (k.mv_size != sizeof(kb) ||
		    memcmp(k.mv_data, from, INDEX_KEY_LEN) != 0)
			break;
		seqs = xrealloc(seqs, (n + 1) * sizeof(*seqs));
		memcpy(seqs[n++], (uint8_t *)k.mv_data + INDEX_KEY_LEN, 8);
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	rc = 0;
	for (i = 0; i < n && rc == 0; i++) {
		k.mv_size = sizeof(kb);
		k.mv_data = kb;
		d.mv_size = 0;
		d.mv_data = "";
		memcpy(kb, from, INDEX_KEY_LEN);
		memcpy(kb + INDEX_KEY_LEN, seqs[i], 8);
		if ((rc = mdb_del(txn, s->ix, &k, NULL)) != 0)
			break;
		memcpy(kb, to, INDEX_KEY_LEN);
		rc = mdb_put(txn, s->ix, &k, &d, 0);
	}
out:
	free(seqs);
	return rc;
}

/* The keys of statement text under its registration as layout 1 hashed
 * it move to where layout 2 hashes it, with those that statements
 * referring to it inherited (they share the key).  Nothing to do when the
 * registration is lower-case already. */
static int
migrate_one(MDB_txn *txn, store *s, const char *text, size_t len)
{
	uint8_t from[INDEX_KEY_LEN], to[INDEX_KEY_LEN];
	const json *reg;
	json *st = NULL;
	int rc = 0;

	if (json_parse(text, len, 64, &st, NULL, 0) != 0)
		return MDB_CORRUPTED;
	reg = json_get(json_get(st, "context"), "registration");
	if (reg && reg->type == JSON_STRING &&
	    strcspn(reg->str, "ABCDEF") < reg->len) {
		from[0] = to[0] = INDEX_REGISTRATION;
		if (index_hash(INDEX_REGISTRATION, reg->str, reg->len,
		    from + 1) != INDEX_OK ||
		    index_registration_hash(reg->str, reg->len, to + 1) !=
		    INDEX_OK)
			rc = STORE_ECRYPTO;
		else
			rc = move_keys(txn, s, from, to);
	}
	json_free(st);
	return rc;
}

/* Bring a layout 1 store to layout 2: one pass over the statements. */
static int
migrate_v1(MDB_txn *txn, store *s)
{
	MDB_cursor *c;
	MDB_val k, d;
	int rc;

	if ((rc = mdb_cursor_open(txn, s->st, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (d.mv_size < REC_HDR) {
			rc = MDB_CORRUPTED;
			break;
		}
		if ((rc = migrate_one(txn, s, (char *)d.mv_data + REC_HDR,
		    d.mv_size - REC_HDR)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The map's size now, as LMDB has it. */
static size_t
map_now(store *s)
{
	MDB_envinfo info;

	return mdb_env_info(s->env, &info) == 0 ? info.me_mapsize : 0;
}

/* Remove what a failed copy left in dir (its two files, then dir). */
static void
rmdir_copy(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

/* Release what store_open made but LMDB's environment. */
/* A store not yet open: its locks and gate ready (store_free's twin). */
static store *
store_new(void)
{
	store *s = xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->grew, NULL);
	gate_init(&s->gate);
	return s;
}

static void
store_free(store *s)
{
	ixd_free(s->dx);
	free(s->pend);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->grew);
	gate_cleanup(&s->gate);
	free(s);
}

/* Create and open the LMDB environment in dir within lim. */
static int
env_open(store *s, const char *dir, const struct store_limits *lim)
{
	unsigned readers = lim->readers ? lim->readers : 126;
	MDB_envinfo info;
	int rc, dead;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return errno;
	if ((rc = mdb_env_create(&s->env)) != 0)
		return rc;
	if ((rc = mdb_env_set_maxdbs(s->env, 64)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, readers + READERS_SPARE)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, lim->map_size)) != 0 ||
	    (rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600)) != 0)
		return rc;
	/* Free the reader slots of processes that died holding them. */
	if ((rc = mdb_reader_check(s->env, &dead)) != 0 ||
	    (rc = mdb_env_info(s->env, &info)) != 0)
		return rc;
	/* LMDB makes the map at least as large as the data. */
	s->map_size = info.me_mapsize;
	s->map_max = lim->map_max > s->map_size ? lim->map_max : s->map_size;
	return 0;
}

/* Load the index log into s->dx; an older layout (upgrade set) has
 * every key in "ix" already. */
static int
delta_open(MDB_txn *txn, store *s, int upgrade)
{
	unsigned p;
	int rc;

	if (upgrade) {
		for (p = 0; p < IXD_PARTS; p++)
			s->ixm[p] = s->committed;
		if ((rc = ixm_put(txn, s, s->ixm)) != 0)
			return rc;
	} else if ((rc = ixm_get(txn, s, s->ixm)) != 0)
		return rc;
	s->merge_next = s->committed + s->lag / IXD_PARTS;
	return delta_make(txn, s, s->ixm, &s->dx);
}

/* Open the store's databases and bring an older layout up to date. */
static int
dbs_open(store *s)
{
	static const struct { const char *name; size_t off; } dbs[] = {
		{ "meta", offsetof(store, meta) }, { "st", offsetof(store, st) },
		{ "id", offsetof(store, id) }, { "ix", offsetof(store, ix) },
		{ "tm", offsetof(store, tm) }, { "void", offsetof(store, voids) },
		{ "att", offsetof(store, att) }, { "ref", offsetof(store, ref) },
		{ "attref", offsetof(store, attref) },
		{ "ixd", offsetof(store, ixlog) },
	};
	MDB_txn *txn;
	uint64_t layout;
	size_t i;
	int rc;

	if ((rc = txn_begin(s, 0, &txn)) != 0)
		return rc;
	for (i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++)
		if ((rc = mdb_dbi_open(txn, dbs[i].name, MDB_CREATE,
		    (MDB_dbi *)((char *)s + dbs[i].off))) != 0)
			goto out;
	if ((rc = meta_get(txn, s, "layout", &layout)) != 0 ||
	    (rc = meta_get(txn, s, "seq", &s->committed)) != 0)
		goto out;
	if (layout == 1)
		rc = migrate_v1(txn, s);
	else if (layout != 0 && layout != 2 && layout != 3 && layout != LAYOUT)
		rc = MDB_INCOMPATIBLE;
	if (rc == 0 && layout != LAYOUT)
		rc = meta_put(txn, s, "layout", LAYOUT);
	if (rc == 0)
		rc = attref_backfill(txn, s);
	if (rc == 0)
		rc = delta_open(txn, s, layout < 3);
out:
	if (rc != 0) {
		txn_abort(s, txn);
		return rc;
	}
	return txn_commit(s, txn);
}

int
store_open(const char *dir, const struct store_limits *lim, store **out)
{
	store *s = store_new();
	int rc;

	*out = NULL;
	s->lag = lim->index_lag ? lim->index_lag : STORE_INDEX_LAG;
	if ((rc = env_open(s, dir, lim)) != 0 || (rc = dbs_open(s)) != 0)
		goto out;
	if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
		rc = EAGAIN;
		goto out;
	}
	*out = s;
out:
	if (*out == NULL) {
		if (s->env)
			mdb_env_close(s->env);
		store_free(s);
	}
	return map_rc(rc);
}

/* Open dir's databases for reading only: they must all be there and of
 * this layout. */
static int
dbs_open_readonly(store *s)
{
	static const char *names[] = { "meta", "st", "id", "ix", "tm", "void",
	    "att", "ref" };
	MDB_dbi *dbi[] = { &s->meta, &s->st, &s->id, &s->ix, &s->tm,
	    &s->voids, &s->att, &s->ref };
	MDB_txn *txn;
	uint64_t layout;
	size_t i;
	int rc;

	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((rc = mdb_dbi_open(txn, names[i], 0, dbi[i])) != 0)
			goto out;
	if ((rc = meta_get(txn, s, "layout", &layout)) != 0 ||
	    (rc = meta_get(txn, s, "seq", &s->committed)) != 0)
		goto out;
	/* Layout 3 has no ids logged, and every id in "id". */
	if (layout != 3 && layout != LAYOUT)
		rc = MDB_INCOMPATIBLE;
	else
		rc = mdb_dbi_open(txn, "ixd", 0, &s->ixlog);
out:
	if (rc != 0) {
		txn_abort(s, txn);
		return rc == MDB_NOTFOUND ? STORE_ENOTFOUND : rc;
	}
	/* Committing a read keeps the handles it opened. */
	return txn_commit(s, txn);
}

int
store_open_readonly(const char *dir, store **out)
{
	store *s = store_new();
	unsigned flags = MDB_NOTLS | MDB_RDONLY;
	struct stat sb;
	int rc;

	*out = NULL;
	s->rdonly = 1;
	if (stat(dir, &sb) != 0) {
		rc = errno == ENOENT ? STORE_ENOTFOUND : errno;
		goto out;
	}
	/* maxreaders only counts when this process makes the lock file. */
	if ((rc = mdb_env_create(&s->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, 64)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, 126 + READERS_SPARE)) != 0 ||
	    (rc = mdb_env_open(s->env, dir, flags, 0600)) != 0)
		goto out;
	if ((rc = mdb_env_set_mapsize(s->env, 0)) != 0 ||
	    (rc = dbs_open_readonly(s)) != 0)
		goto out;
	s->map_size = s->map_max = map_now(s);
	*out = s;
out:
	if (*out == NULL) {
		if (s->env)
			mdb_env_close(s->env);
		store_free(s);
	}
	return map_rc(rc);
}

int
store_copy(store *s, const char *dir)
{
	int rc, again;

	if (mkdir(dir, 0700) != 0)
		return errno == EEXIST ? STORE_EEXIST : map_rc(errno);
	for (again = 1;; again = 0) {
		/* The copy's read transaction is LMDB's own: keep the map
		 * still meanwhile. */
		gate_enter(&s->gate);
		rc = mdb_env_copy2(s->env, dir, MDB_CP_COMPACT);
		gate_leave(&s->gate);
		if (rc != MDB_MAP_RESIZED || !again)
			break;
		if ((rc = map_adopt(s)) != 0)
			break;
	}
	if (rc != 0)
		rmdir_copy(dir);
	return map_rc(rc);
}

int
store_usage(store_read *r, struct store_usage *out)
{
	MDB_cursor *c;
	MDB_val k, d;
	MDB_stat ms;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mdb_cursor_open(r->txn, r->s->att, &c)) != 0)
		return map_rc(rc);
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		out->attachments++;
		out->attachment_bytes += d.mv_size;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return map_rc(rc);
	if ((rc = mdb_stat(r->txn, r->s->ix, &ms)) != 0)
		return map_rc(rc);
	out->index_keys = ms.ms_entries;
	out->statements = r->last;
	return STORE_OK;
}

static void follower_join(store_follower *f);

void
store_close(store *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->rdonly) {
		mdb_env_close(s->env);
		store_free(s);
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->closing = 1;
	pthread_cond_signal(&s->work);
	pthread_cond_broadcast(&s->grew);
	for (i = 0; i < s->nfollowers; i++) {
		s->followers[i]->stop = 1;
		pthread_cond_broadcast(&s->followers[i]->advanced);
	}
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->nfollowers; i++)
		follower_join(s->followers[i]);
	pthread_join(s->writer, NULL);
	mdb_env_close(s->env);
	store_free(s);
}

/* --- followers --- */

int
store_cursor_get(MDB_txn *txn, store *s, const char *name, uint64_t *seq)
{
	char key[48];

	if (strlen(name) > 32)
		return STORE_EINVALID;
	snprintf(key, sizeof(key), "follow:%s", name);
	return map_rc(meta_get(txn, s, key, seq));
}

int
store_cursor_put(MDB_txn *txn, store *s, const char *name, uint64_t seq)
{
	char key[48];

	if (strlen(name) > 32)
		return STORE_EINVALID;
	snprintf(key, sizeof(key), "follow:%s", name);
	return map_rc(meta_put(txn, s, key, seq));
}

/* One batch on its way from the log to the writer. */
struct fbatch {
	store_follower	*f;
	void		**items;
	size_t		  n;
	uint64_t	  first;	/* seq of items[0] */
	int		  applied;	/* apply returned 0 */
	int		  computed;	/* compute ran */
};

/* Runs in the writer: apply the batch unless someone moved the cursor. */
static int
fbatch_apply(void *arg, MDB_txn *txn)
{
	struct fbatch *b = arg;
	store_follower *f = b->f;
	uint64_t cur;
	int rc;

	b->applied = 0;
	if ((rc = store_cursor_get(txn, f->s, f->name + 7, &cur)) != 0)
		return rc;
	if (cur != b->first - 1)
		return STORE_ECONFLICT;		/* rewound: read again */
	if ((rc = FAULT("store.follow")) != 0 ||
	    (rc = f->ops->apply(f->arg, txn, b->items, b->n, b->first)) != 0)
		return rc;
	b->applied = 1;
	return store_cursor_put(txn, f->s, f->name + 7, b->first + b->n - 1);
}

/* Read up to batch_max statements after the cursor and prepare them. */
static int
fbatch_read(store_follower *f, uint64_t cursor, uint64_t last,
    struct fbatch *b)
{
	store *s = f->s;
	struct store_entry e;
	MDB_txn *txn = NULL;
	uint64_t seq;
	int rc;

	b->f = f;
	b->first = cursor + 1;
	b->applied = 0;
	b->computed = 0;
	b->n = 0;
	if (last - cursor > f->batch_max)
		last = cursor + f->batch_max;
	b->items = xcalloc((size_t)(last - cursor), sizeof(void *));
	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return map_rc(rc);
	for (seq = cursor + 1; seq <= last; seq++) {
		rc = store_entry_at(txn, s, seq, &e);
		/* A statement removed (store_remove_txn) leaves a hole:
		 * apply sees NULL for it. */
		if (rc == STORE_ENOTFOUND) {
			b->items[b->n++] = NULL;
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		b->items[b->n++] = f->ops->prepare(f->arg, &e);
	}
	txn_abort(s, txn);
	return map_rc(rc);
}

/* Run the follower's compute on b, in a read transaction begun now: after
 * the previous batch's commit, so that it sees it. */
static int
fbatch_compute(struct fbatch *b)
{
	store_follower *f = b->f;
	MDB_txn *txn;
	uint64_t pin;
	int rc;

	if (f->ops->compute == NULL)
		return 0;
	/* Pinned before the snapshot, for store_seq_of: see ixd_pin. */
	pin = ixd_pin(f->s->dx);
	if ((rc = txn_begin(f->s, MDB_RDONLY, &txn)) != 0) {
		ixd_unpin(f->s->dx, pin);
		return map_rc(rc);
	}
	b->computed = 1;
	rc = f->ops->compute(f->arg, txn, b->items, b->n, b->first);
	txn_abort(f->s, txn);
	ixd_unpin(f->s->dx, pin);
	return rc;
}

static void
fbatch_free(struct fbatch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->items[i])
			b->f->ops->release(b->f->arg, b->items[i]);
	free(b->items);
	b->items = NULL;
	b->n = 0;
}

/* The CLOCK_REALTIME instant ms milliseconds from now, for timed waits. */
static void
deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Sleep ms milliseconds unless the follower is stopped first. */
static void
follower_pause(store_follower *f, int ms)
{
	struct timespec ts;

	deadline(&ts, ms);
	pthread_mutex_lock(&f->s->mu);
	if (!f->stop)
		pthread_cond_timedwait(&f->advanced, &f->s->mu, &ts);
	pthread_mutex_unlock(&f->s->mu);
}

/* Reload the cursor from LMDB (after a rewind or a failed batch). */
static int
follower_reload(store_follower *f)
{
	MDB_txn *txn;
	uint64_t cur;
	int rc;

	if ((rc = txn_begin(f->s, MDB_RDONLY, &txn)) != 0)
		return map_rc(rc);
	rc = store_cursor_get(txn, f->s, f->name + 7, &cur);
	txn_abort(f->s, txn);
	if (rc == 0) {
		pthread_mutex_lock(&f->s->mu);
		f->cursor = cur;
		pthread_mutex_unlock(&f->s->mu);
	}
	return rc;
}

/* Wait for statements after the cursor; 0, or 1 when stopping. */
static int
follower_wait_work(store_follower *f, uint64_t *cursor, uint64_t *last,
    unsigned *gen)
{
	store *s = f->s;
	int stop;

	pthread_mutex_lock(&s->mu);
	while (!f->stop && s->committed <= f->cursor)
		pthread_cond_wait(&s->grew, &s->mu);
	*cursor = f->cursor;
	*last = s->committed;
	*gen = f->rewinds;
	stop = f->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

/* The batch after b, when more is committed already, read and prepared
 * while the writer applies b (so parsing overlaps applying). */
static int
follower_read_ahead(store_follower *f, const struct fbatch *b,
    struct fbatch *next)
{
	uint64_t end = b->first + b->n - 1, last;

	pthread_mutex_lock(&f->s->mu);
	last = f->s->committed;
	pthread_mutex_unlock(&f->s->mu);
	if (last <= end || fbatch_read(f, end, last, next) != 0 ||
	    next->n == 0) {
		fbatch_free(next);
		return 0;
	}
	return 1;
}

static void *
follower_main(void *arg)
{
	store_follower *f = arg;
	store *s = f->s;
	struct fbatch b[2];
	struct job job;
	uint64_t cursor, last;
	unsigned gen;
	int rc, cur = 0, ahead = 0, backoff = 50, retry;

	memset(b, 0, sizeof(b));
	for (;;) {
		retry = 0;
		if (!ahead) {
			if (follower_wait_work(f, &cursor, &last, &gen))
				break;
			if ((rc = fbatch_read(f, cursor, last, &b[cur])) != 0 ||
			    b[cur].n == 0)
				goto done;
		}
		memset(&job, 0, sizeof(job));
		job.fn = fbatch_apply;
		job.arg = &b[cur];
		job.once = 1;
		job.lazy = 1;
		if ((rc = fbatch_compute(&b[cur])) == 0 &&
		    (rc = submit_start(s, &job)) == 0) {
			ahead = follower_read_ahead(f, &b[cur], &b[cur ^ 1]);
			rc = submit_wait(s, &job);
			retry = rc == JOB_RETRY;
			if (rc == 0)
				rc = job.fn_rc;
		}
		/* compute's or apply's work did not commit after all. */
		if (rc != 0 && (b[cur].applied || b[cur].computed) &&
		    f->ops->abort)
			f->ops->abort(f->arg);
		if (rc == 0) {
			pthread_mutex_lock(&s->mu);
			/* A rewind committed after this batch set the cursor. */
			if (f->rewinds == gen)
				f->cursor = b[cur].first + b[cur].n - 1;
			f->last_error = 0;
			pthread_cond_broadcast(&f->advanced);
			pthread_mutex_unlock(&s->mu);
			backoff = 50;
		}
done:
		fbatch_free(&b[cur]);
		if (rc != 0 && ahead) {
			fbatch_free(&b[cur ^ 1]);
			ahead = 0;
		}
		if (ahead)
			cur ^= 1;
		if (rc == STORE_ECLOSED)
			break;
		if (retry) {
			/* The map grew (or could not): read the batch again. */
			follower_reload(f);
			continue;
		}
		if (rc != 0) {
			pthread_mutex_lock(&s->mu);
			f->last_error = rc;
			pthread_mutex_unlock(&s->mu);
			if (rc != STORE_ECONFLICT) {
				follower_pause(f, backoff);
				backoff = backoff >= 2500 ? 5000 : backoff * 2;
			}
			follower_reload(f);
		}
	}
	return NULL;
}

int
store_follow(store *s, const char *name, const struct store_follow_ops *ops,
    void *arg, size_t batch_max, store_follower **out)
{
	store_follower *f;
	int i, rc;

	*out = NULL;
	if (name == NULL || *name == '\0' || strlen(name) > 32 || batch_max == 0)
		return STORE_EINVALID;
	for (i = 0; i < s->nfollowers; i++)
		if (strcmp(s->followers[i]->name + 7, name) == 0)
			return STORE_EINVALID;
	if (s->nfollowers >= STORE_MAX_FOLLOWERS)
		return STORE_ELIMIT;
	f = xcalloc(1, sizeof(*f));
	f->s = s;
	snprintf(f->name, sizeof(f->name), "follow:%s", name);
	f->ops = ops;
	f->arg = arg;
	f->batch_max = batch_max;
	pthread_cond_init(&f->advanced, NULL);
	if ((rc = follower_reload(f)) != 0) {
		pthread_cond_destroy(&f->advanced);
		free(f);
		return rc;
	}
	if (pthread_create(&f->thread, NULL, follower_main, f) != 0) {
		pthread_cond_destroy(&f->advanced);
		free(f);
		return STORE_EIO;
	}
	pthread_mutex_lock(&s->mu);
	s->followers[s->nfollowers++] = f;
	pthread_mutex_unlock(&s->mu);
	*out = f;
	return STORE_OK;
}

static void
follower_join(store_follower *f)
{
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->advanced);
	free(f);
}

void
store_follower_stop(store_follower *f)
{
	store *s = f->s;
	int i, j;

	pthread_mutex_lock(&s->mu);
	f->stop = 1;
	pthread_cond_broadcast(&s->grew);
	pthread_cond_broadcast(&f->advanced);
	for (i = j = 0; i < s->nfollowers; i++)
		if (s->followers[i] != f)
			s->followers[j++] = s->followers[i];
	s->nfollowers = j;
	pthread_mutex_unlock(&s->mu);
	follower_join(f);
}

int
store_follower_wait(store_follower *f, uint64_t seq, int timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	deadline(&ts, timeout_ms);
	pthread_mutex_lock(&f->s->mu);
	/* Someone waits for a follower: its batch must not linger. */
	f->s->follow_waiters++;
	pthread_cond_signal(&f->s->work);
	while (f->cursor < seq && !f->stop && rc == 0)
		rc = pthread_cond_timedwait(&f->advanced, &f->s->mu, &ts);
	f->s->follow_waiters--;
	if (f->cursor >= seq)
		rc = 0;
	else
		rc = f->stop ? STORE_ECLOSED : STORE_ETIMEDOUT;
	pthread_mutex_unlock(&f->s->mu);
	return rc;
}

int
store_wait(store *s, uint64_t seq, int timeout_ms, uint64_t *last)
{
	struct timespec ts;
	int rc = 0;

	deadline(&ts, timeout_ms);
	pthread_mutex_lock(&s->mu);
	while (s->committed <= seq && !s->closing && rc == 0)
		rc = pthread_cond_timedwait(&s->grew, &s->mu, &ts);
	*last = s->committed;
	if (s->committed > seq)
		rc = STORE_OK;
	else
		rc = s->closing ? STORE_ECLOSED : STORE_ETIMEDOUT;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

struct rewind {
	store_follower	*f;
	uint64_t	 seq;
	store_exec_fn	 fn;
	void		*arg;
};

static int
rewind_apply(void *arg, MDB_txn *txn)
{
	struct rewind *rw = arg;
	int rc;

	if (rw->fn && (rc = rw->fn(rw->arg, txn)) != 0)
		return rc;
	return store_cursor_put(txn, rw->f->s, rw->f->name + 7, rw->seq);
}

int
store_follower_rewind(store_follower *f, uint64_t seq, store_exec_fn fn,
    void *arg)
{
	struct rewind rw = { f, seq, fn, arg };
	int rc, fn_rc;

	if ((rc = store_exec(f->s, rewind_apply, &rw, &fn_rc)) != 0)
		return rc;
	if (fn_rc != 0)
		return fn_rc;
	/* A batch read before the rewind fails its cursor check and the
	 * follower reloads; setting it here makes waiters wait. */
	pthread_mutex_lock(&f->s->mu);
	f->cursor = seq;
	f->rewinds++;
	pthread_cond_broadcast(&f->s->grew);
	pthread_mutex_unlock(&f->s->mu);
	return STORE_OK;
}

void
store_follower_status(store_follower *f, uint64_t *cursor, uint64_t *last,
    int *last_error)
{
	pthread_mutex_lock(&f->s->mu);
	*cursor = f->cursor;
	*last = f->s->committed;
	*last_error = f->last_error;
	pthread_mutex_unlock(&f->s->mu);
}

int
store_read_begin(store *s, store_read **out)
{
	store_read *r = xmalloc(sizeof(*r));
	int rc;

	r->s = s;
	r->dx = s->dx;
	r->ixm_read = 0;
	*out = NULL;
	/* Pinned before the snapshot: see ixd_pin. */
	if (r->dx)
		r->pin = ixd_pin(r->dx);
	if ((rc = txn_begin(s, MDB_RDONLY, &r->txn)) != 0) {
		r->txn = NULL;
		goto out;
	}
	if ((rc = meta_get(r->txn, s, "seq", &r->last)) != 0)
		goto out;
	*out = r;
out:
	if (*out == NULL)
		store_read_end(r);
	return map_rc(rc);
}

void
store_read_end(store_read *r)
{
	if (r == NULL)
		return;
	if (r->txn)
		txn_abort(r->s, r->txn);
	if (r->s->rdonly)
		ixd_free(r->dx);
	else if (r->dx)
		ixd_unpin(r->dx, r->pin);
	free(r);
}

MDB_txn *
store_read_txn(store_read *r)
{
	return r->txn;
}

static int id_read(store_read *r, const uint8_t id[16], uint64_t *seq);

int
store_get(store_read *r, const uint8_t id[16], const char **text,
    size_t *len, int *voided, int64_t *stored)
{
	uint64_t seq;
	MDB_val rec;
	int rc;

	if ((rc = id_read(r, id, &seq)) != 0 ||
	    (rc = rec_get(r->txn, r->s, seq, &rec)) != 0)
		return map_rc(rc);
	*text = (const char *)rec.mv_data + REC_HDR;
	*len = rec.mv_size - REC_HDR;
	*voided = ((uint8_t *)rec.mv_data)[0] & REC_VOIDED;
	*stored = (int64_t)be64_get((uint8_t *)rec.mv_data + 1);
	return STORE_OK;
}

int
store_get_seq(MDB_txn *txn, store *s, uint64_t seq, const char **text,
    size_t *len)
{
	MDB_val rec;
	int rc;

	if ((rc = rec_get(txn, s, seq, &rec)) != 0)
		return map_rc(rc);
	*text = (const char *)rec.mv_data + REC_HDR;
	*len = rec.mv_size - REC_HDR;
	return STORE_OK;
}

int
store_entry_at(MDB_txn *txn, store *s, uint64_t seq, struct store_entry *out)
{
	MDB_val rec, k, d;
	json *st = NULL;
	uint8_t id[16];
	int rc;

	if ((rc = rec_get(txn, s, seq, &rec)) != 0)
		return map_rc(rc);
	out->seq = seq;
	out->text = (const char *)rec.mv_data + REC_HDR;
	out->len = rec.mv_size - REC_HDR;
	out->stored = (int64_t)be64_get((uint8_t *)rec.mv_data + 1);
	out->voided_by = 0;
	if (!(((uint8_t *)rec.mv_data)[0] & REC_VOIDED))
		return STORE_OK;
	/* Voided: the voiding statement's number is kept by target id. */
	if (json_parse(out->text, out->len, 64, &st, NULL, 0) != 0 ||
	    uuid_of(json_get(st, "id"), id) != 0) {
		json_free(st);
		return STORE_ECORRUPT;
	}
	json_free(st);
	k.mv_size = 16;
	k.mv_data = id;
	rc = mdb_get(txn, s->voids, &k, &d);
	if (rc == 0 && d.mv_size != 8)
		rc = MDB_CORRUPTED;
	if (rc == 0)
		out->voided_by = be64_get(d.mv_data);
	return rc == MDB_NOTFOUND ? STORE_OK : map_rc(rc);
}

int
store_seq_of(MDB_txn *txn, store *s, const uint8_t id[16], uint64_t *seq)
{
	uint64_t m[IXD_PARTS], last;
	ixd *dx = NULL;
	int rc;

	if (on_writer(s))
		return map_rc(id_get(txn, s, id, seq));
	/* A snapshot: pinned (see store.h), so s->dx holds what was logged
	 * above its watermarks. */
	if ((rc = id_tree(txn, s, id, seq)) != MDB_NOTFOUND ||
	    (rc = ixm_get(txn, s, m)) != 0 ||
	    (rc = meta_get(txn, s, "seq", &last)) != 0)
		return map_rc(rc);
	if (s->rdonly && (rc = delta_make(txn, s, m, &dx)) != 0)
		return map_rc(rc);
	rc = id_logged(s->rdonly ? dx : s->dx, m, last, id, seq);
	ixd_free(dx);
	return map_rc(rc);
}

uint64_t
store_last_seq(store_read *r)
{
	return r->last;
}

int
store_blob_get(store_read *r, const char *sha2, const void **data, size_t *len)
{
	char key[129];
	MDB_val k = { blob_key(sha2, key), key }, d;
	int rc;

	if (k.mv_size == 0)
		return STORE_ENOTFOUND;
	if ((rc = mdb_get(r->txn, r->s->att, &k, &d)) != 0)
		return map_rc(rc);
	*data = d.mv_data;
	*len = d.mv_size;
	return STORE_OK;
}

/* mdb_cursor_get, where test builds can make a query fail. */
static int
cursor_get(MDB_cursor *c, MDB_val *k, MDB_val *d, MDB_cursor_op op)
{
	int rc;

	if ((rc = FAULT("store.cursor")) != 0)
		return rc;
	return mdb_cursor_get(c, k, d, op);
}

/* The sequence number of the "tm" key at c into *seq. */
static int
tm_seq(const MDB_val *k, uint64_t *seq)
{
	if (k->mv_size != 16)
		return MDB_CORRUPTED;
	*seq = be64_get((uint8_t *)k->mv_data + 8);
	return 0;
}

/* The first sequence number stored after time t (exclusive) into *seq,
 * 0 when there is none. */
static int
seq_after_time(MDB_cursor *c, int64_t t, uint64_t *seq)
{
	uint8_t kb[16] = { 0 };
	MDB_val k = { 16, kb }, d;
	int rc;

	*seq = 0;
	put_i64(kb, t + 1);
	if ((rc = cursor_get(c, &k, &d, MDB_SET_RANGE)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	return tm_seq(&k, seq);
}

/* The last sequence number stored at or before time t into *seq, 0 when
 * there is none. */
static int
seq_until_time(MDB_cursor *c, int64_t t, uint64_t *seq)
{
	uint8_t kb[16] = { 0 };
	MDB_val k = { 16, kb }, d;
	int rc;

	*seq = 0;
	put_i64(kb, t + 1);
	rc = cursor_get(c, &k, &d, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		rc = cursor_get(c, &k, &d, MDB_LAST);
	else if (rc == 0)
		rc = cursor_get(c, &k, &d, MDB_PREV);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	return tm_seq(&k, seq);
}

/* One filter of a query as it is walked: its own cursor in "ix", so a
 * seek near the previous one stays on the leaf page LMDB holds, and where
 * that cursor stands.  A query moves one way only, so the entry it stands
 * on answers every later seek it does not lie beyond. */
struct leg {
	MDB_cursor	*c;
	const uint8_t	*f;	/* tag | hash */
	uint64_t	 at;	/* the seq it stands on; 0: none yet */
	int		 done;	/* no more in the query's direction */
	ixd		*dx;	/* the keys not merged yet: */
	uint64_t	 after;	/* those above this watermark */
	uint64_t	 dat;	/* the seq it found there; 0: none yet */
	int		 ddone;
};

/* The seq of the index key k when it is one of filter f's, else 0. */
static uint64_t
leg_seq(const uint8_t *f, const MDB_val *k)
{
	if (k->mv_size != INDEX_KEY_LEN + 8 ||
	    memcmp(k->mv_data, f, INDEX_KEY_LEN) != 0)
		return 0;
	return be64_get((uint8_t *)k->mv_data + INDEX_KEY_LEN);
}

/* Seek l with MDB_SET_RANGE: the first seq >= at (ascending) or the last
 * seq <= at (descending) into l->at, l->done when there is none. */
static int
leg_seek_range(struct leg *l, uint64_t at, int ascending)
{
	uint8_t kb[INDEX_KEY_LEN + 8];
	MDB_val k = { sizeof(kb), kb }, d;
	int rc;

	memcpy(kb, l->f, INDEX_KEY_LEN);
	be64_put(kb + INDEX_KEY_LEN, at);
	rc = cursor_get(l->c, &k, &d, MDB_SET_RANGE);
	if (!ascending) {
		if (rc == MDB_NOTFOUND)
			rc = cursor_get(l->c, &k, &d, MDB_LAST);
		else if (rc == 0 && (k.mv_size != sizeof(kb) ||
		    memcmp(k.mv_data, kb, sizeof(kb)) != 0))
			rc = cursor_get(l->c, &k, &d, MDB_PREV);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	l->at = rc == 0 ? leg_seq(l->f, &k) : 0;
	l->done = l->at == 0;
	return 0;
}

/* In filter l's keys in "ix": the first seq >= at (ascending) or the
 * last seq <= at (descending) into *got, 0 when there is none.  at never
 * goes back against the query's direction between calls.  When l stands
 * beyond at, one step to the neighbouring entry is tried before a seek:
 * in a dense run (one filter, or after a match) that step is the
 * answer. */
static int
leg_seek_ix(struct leg *l, uint64_t at, int ascending, uint64_t *got)
{
	MDB_val k, d;
	int rc;

	*got = 0;
	if (l->done)
		return 0;
	if (l->at != 0 && (ascending ? l->at >= at : l->at <= at)) {
		*got = l->at;
		return 0;
	}
	if (l->at != 0) {
		rc = cursor_get(l->c, &k, &d, ascending ? MDB_NEXT : MDB_PREV);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		l->at = rc == 0 ? leg_seq(l->f, &k) : 0;
		if ((l->done = l->at == 0) ||
		    (ascending ? l->at >= at : l->at <= at)) {
			*got = l->at;
			return 0;
		}
	}
	if ((rc = leg_seek_range(l, at, ascending)) != 0)
		return rc;
	*got = l->at;
	return 0;
}

/* The same in filter l's keys not merged yet.  What it found stays the
 * answer while at has not passed it: the numbers above the snapshot's
 * watermark stay (ixd_pin). */
static uint64_t
leg_seek_delta(struct leg *l, uint64_t at, int ascending)
{
	if (l->dx == NULL || l->ddone)
		return 0;
	if (l->dat != 0 && (ascending ? l->dat >= at : l->dat <= at))
		return l->dat;
	ixd_next(l->dx, l->f, l->after, at, ascending, &l->dat);
	l->ddone = l->dat == 0;
	return l->dat;
}

/* The snapshot's watermarks into r->ixm, for a query by index; a
 * read-only store reads the log of its snapshot once (the writing
 * process's delta is out of reach).  Not at store_read_begin: most reads
 * never look at the index. */
static int
read_delta(store_read *r)
{
	int rc;

	if (r->ixm_read)
		return 0;
	if ((rc = ixm_get(r->txn, r->s, r->ixm)) != 0)
		return rc;
	if (r->s->rdonly && r->dx == NULL &&
	    (rc = delta_make(r->txn, r->s, r->ixm, &r->dx)) != 0)
		return rc;
	r->ixm_read = 1;
	return 0;
}

/* Statement id's number in r's snapshot: in "id", or logged above the
 * snapshot's watermarks. */
static int
id_read(store_read *r, const uint8_t id[16], uint64_t *seq)
{
	int rc = id_tree(r->txn, r->s, id, seq);

	if (rc == MDB_NOTFOUND && (rc = read_delta(r)) == 0)
		rc = id_logged(r->dx, r->ixm, r->last, id, seq);
	return rc;
}

/* Of two candidates (0: none), the first in the query's direction. */
static uint64_t
nearer(uint64_t a, uint64_t b, int ascending)
{
	if (a == 0 || b == 0)
		return a ? a : b;
	return ascending ? (a < b ? a : b) : (a > b ? a : b);
}

/* In filter l: the first seq >= at (ascending) or the last seq <= at
 * (descending) into *got, from "ix" and the keys not merged yet. */
static int
leg_seek(struct leg *l, uint64_t at, int ascending, uint64_t *got)
{
	uint64_t a;
	int rc;

	if ((rc = leg_seek_ix(l, at, ascending, &a)) != 0)
		return rc;
	*got = nearer(a, leg_seek_delta(l, at, ascending), ascending);
	return 0;
}

/* The next statement at or beyond cur (in the query's direction) within
 * [lo, hi] that every leg holds, into *out, 0 when there is none.  A
 * leapfrog join: the legs take turns seeking to the candidate, and one
 * that lands beyond it makes its landing the next candidate, so every
 * turn either agrees or skips to an entry of that leg.  Each round of n
 * turns moves every leg on to a new entry of its own, so a call does at
 * most n x (e + 2) turns, e being the fewest entries any one filter has
 * between cur and the match (or the end of the range). */
static int
next_match(struct leg *legs, size_t n, int ascending, uint64_t cur,
    uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t got;
	size_t i = 0, agree = 0;
	int rc;

	*out = 0;
	for (;;) {
		if (cur < lo || cur > hi || cur == 0)
			return 0;
		if (agree == n) {
			*out = cur;
			return 0;
		}
		if ((rc = leg_seek(&legs[i], cur, ascending, &got)) != 0)
			return rc;
		if (got == 0)
			return 0;
		if (got == cur)
			agree++;
		else {
			cur = got;
			agree = 1;
		}
		i = (i + 1) % n;
	}
}

/* From the missing statement cur, the next one stored in the direction
 * of the query into *cur (one step past the end when none), so a scan
 * without filters does not walk a removed range number by number. */
static int
skip_hole(store_read *r, int ascending, uint64_t *cur)
{
	MDB_cursor *c;
	uint8_t kb[8];
	MDB_val k = { 8, kb }, d;
	int rc;

	if ((rc = mdb_cursor_open(r->txn, r->s->st, &c)) != 0)
		return rc;
	be64_put(kb, *cur);
	rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
	if (!ascending)
		rc = rc == MDB_NOTFOUND ? mdb_cursor_get(c, &k, &d, MDB_LAST) :
		    rc == 0 ? mdb_cursor_get(c, &k, &d, MDB_PREV) : rc;
	if (rc == 0 && k.mv_size != 8)
		rc = MDB_CORRUPTED;
	if (rc == 0)
		*cur = be64_get(k.mv_data);
	else if (rc == MDB_NOTFOUND) {
		*cur = ascending ? r->last + 1 : 0;
		rc = 0;
	}
	mdb_cursor_close(c);
	return rc;
}

int
store_query(store_read *r, const struct store_query *q, store_visit fn,
    void *arg, uint64_t *next)
{
	struct leg legs[sizeof(q->filters) / sizeof(q->filters[0])];
	MDB_cursor *tm = NULL;
	uint64_t lo = 1, hi, cur, t;
	size_t count = 0, n = 0;
	MDB_val rec;
	int rc = 0;

	*next = 0;
	if (q->nfilters > sizeof(legs) / sizeof(legs[0]))
		return STORE_EINVALID;
	hi = r->last;
	if (q->from > lo)
		lo = q->from;
	if (q->to && q->to < hi)
		hi = q->to;
	if (q->nfilters > 0 && (rc = read_delta(r)) != 0)
		goto out;
	for (; n < q->nfilters; n++) {
		memset(&legs[n], 0, sizeof(legs[n]));
		legs[n].f = q->filters[n];
		legs[n].dx = r->dx;
		legs[n].after = r->ixm[ixd_part(q->filters[n])];
		if ((rc = mdb_cursor_open(r->txn, r->s->ix, &legs[n].c)) != 0)
			goto out;
	}
	if ((rc = mdb_cursor_open(r->txn, r->s->tm, &tm)) != 0)
		goto out;
	if (q->since) {
		if ((rc = seq_after_time(tm, q->since, &t)) != 0 || t == 0)
			goto out;
		if (t > lo)
			lo = t;
	}
	if (q->until) {
		if ((rc = seq_until_time(tm, q->until, &t)) != 0)
			goto out;
		if (t < hi)
			hi = t;
	}
	cur = q->ascending ? lo : hi;
	for (;;) {
		if ((rc = next_match(legs, n, q->ascending, cur, lo, hi,
		    &cur)) != 0)
			goto out;
		if (cur == 0)
			break;
		if ((rc = rec_get(r->txn, r->s, cur, &rec)) != 0) {
			if (rc != MDB_NOTFOUND)
				goto out;
			/* A hole left by removed statements: skip it whole
			 * (an index key never outlives its statement, but a
			 * walk must not stand still if one did). */
			rc = 0;
			if (n == 0) {
				rc = skip_hole(r, q->ascending, &cur);
				if (rc != 0)
					goto out;
				if (cur == 0)
					break;
				continue;
			}
		} else if (q->voided ||
		    !(((uint8_t *)rec.mv_data)[0] & REC_VOIDED)) {
			if (q->limit && count == q->limit) {
				*next = cur;
				break;
			}
			fn(arg, cur, (char *)rec.mv_data + REC_HDR,
			    rec.mv_size - REC_HDR);
			count++;
		}
		cur = q->ascending ? cur + 1 : cur - 1;
	}
out:
	while (n > 0)
		if (legs[--n].c)
			mdb_cursor_close(legs[n].c);
	if (tm)
		mdb_cursor_close(tm);
	return map_rc(rc);
}

/* --- removal --- */

#define ATTREF_MAX	(128 + 1 + 8)

/* The "attref" key of attachment sha2 (NUL-terminated) into out; its
 * length without the sequence number (which follows when seqb is not
 * NULL), 0 when sha2 cannot be an attachment's. */
static size_t
attref_key(const char *sha2, const uint8_t *seqb, uint8_t out[ATTREF_MAX])
{
	size_t n = blob_key(sha2, (char *)out);

	if (n == 0)
		return 0;
	out[n++] = 0;
	if (seqb)
		memcpy(out + n, seqb, 8);
	return n;
}

/* Record (or, with del, forget) that statement seqb names each of the
 * attachments of st. */
static int
attrefs(MDB_txn *txn, store *s, const json *st, const uint8_t seqb[8],
    int del)
{
	const json *atts = json_get(st, "attachments");
	uint8_t kb[ATTREF_MAX];
	MDB_val k, d = { 0, "" };
	const char *sha2;
	size_t i;
	int rc;

	for (i = 0; atts && atts->type == JSON_ARRAY && i < atts->n; i++) {
		if ((sha2 = json_get_str(atts->vals[i], "sha2")) == NULL ||
		    (k.mv_size = attref_key(sha2, seqb, kb)) == 0)
			continue;
		k.mv_size += 8;
		k.mv_data = kb;
		rc = del ? mdb_del(txn, s->attref, &k, NULL) :
		    mdb_put(txn, s->attref, &k, &d, 0);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

/* A store written before "attref" existed: one pass over the statements
 * fills it. */
static int
attref_backfill(MDB_txn *txn, store *s)
{
	MDB_cursor *c;
	MDB_val k, d;
	uint64_t done;
	json *st;
	int rc;

	if ((rc = meta_get(txn, s, "attref", &done)) != 0 || done)
		return rc;
	if ((rc = mdb_cursor_open(txn, s->st, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		st = NULL;
		if (k.mv_size != 8 || d.mv_size < REC_HDR ||
		    json_parse((char *)d.mv_data + REC_HDR, d.mv_size - REC_HDR,
		    64, &st, NULL, 0) != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		rc = attrefs(txn, s, st, k.mv_data, 0);
		json_free(st);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return rc;
	return meta_put(txn, s, "attref", 1);
}

/* Statement seq parsed (caller frees *st), with its flags, stored time
 * and text length. */
static int
stmt_load(MDB_txn *txn, store *s, uint64_t seq, json **st, uint8_t *flags,
    int64_t *stored, size_t *len)
{
	MDB_val rec;
	int rc;

	*st = NULL;
	if ((rc = rec_get(txn, s, seq, &rec)) != 0)
		return rc;
	*flags = ((uint8_t *)rec.mv_data)[0];
	*stored = (int64_t)be64_get((uint8_t *)rec.mv_data + 1);
	*len = rec.mv_size - REC_HDR;
	if (json_parse((char *)rec.mv_data + REC_HDR, *len, 64, st, NULL,
	    0) != 0)
		return MDB_CORRUPTED;
	return 0;
}

static int
keys_have(const struct index_keys *ks, int tag, const uint8_t *h)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (ks->k[i][0] == tag &&
		    memcmp(ks->k[i] + 1, h, INDEX_HASH_LEN) == 0)
			return 1;
	return 0;
}

/* Whether statement st (ours to change) names agent h anywhere but as its
 * authority, itself or through its StatementRef target. */
static int
names_agent(MDB_txn *txn, store *s, json *st, const uint8_t *h, int depth,
    int *yes)
{
	struct index_keys ks = { 0 };
	uint8_t target[16], flags;
	uint64_t tseq;
	int64_t stored;
	size_t len;
	json *t = NULL;
	int rc;

	*yes = 0;
	json_del(st, "authority");
	if (index_statement(st, &ks) != INDEX_OK) {
		index_keys_free(&ks);
		return STORE_ECRYPTO;
	}
	*yes = keys_have(&ks, INDEX_RELATED_AGENT, h);
	index_keys_free(&ks);
	if (*yes || depth >= REF_DEPTH || ref_target(st, target) != 0)
		return 0;
	if ((rc = id_get(txn, s, target, &tseq)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if ((rc = stmt_load(txn, s, tseq, &t, &flags, &stored, &len)) == 0)
		rc = names_agent(txn, s, t, h, depth + 1, yes);
	json_free(t);
	return rc;
}

/* Whether sel (by agent) takes statement seq. */
static int
selects(MDB_txn *txn, store *s, const struct store_select *sel, uint64_t seq,
    int *yes)
{
	uint8_t flags;
	int64_t stored;
	size_t len;
	json *st = NULL;
	int rc;

	*yes = 0;
	if ((rc = stmt_load(txn, s, seq, &st, &flags, &stored, &len)) == 0)
		rc = names_agent(txn, s, st, sel->agent, 0, yes);
	json_free(st);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The first key of dbi at or after (k, klen) into *got (a sequence
 * number in its last 8 bytes) when it begins with the first plen bytes
 * of k; 0 when none. */
static int
next_under(MDB_txn *txn, MDB_dbi dbi, const uint8_t *k, size_t klen,
    size_t plen, uint64_t *got)
{
	MDB_cursor *c;
	MDB_val key = { klen, (void *)k }, d;
	int rc;

	*got = 0;
	if ((rc = mdb_cursor_open(txn, dbi, &c)) != 0)
		return rc;
	rc = mdb_cursor_get(c, &key, &d, MDB_SET_RANGE);
	if (rc == 0 && key.mv_size == plen + 8 &&
	    memcmp(key.mv_data, k, plen) == 0)
		*got = be64_get((uint8_t *)key.mv_data + plen);
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
select_next(MDB_txn *txn, store *s, const struct store_select *sel,
    uint64_t after, uint64_t *seq)
{
	uint8_t kb[INDEX_KEY_LEN + 8];
	uint64_t m[IXD_PARTS], d;
	int rc, yes, writer = on_writer(s);
	MDB_val rec;

	*seq = 0;
	if (!sel->by_agent) {
		/* Stored times grow with the sequence: the first one after
		 * `after` is taken or none is. */
		be64_put(kb, after + 1);
		if ((rc = next_under(txn, s->st, kb, 8, 0, seq)) != 0 ||
		    *seq == 0 || (rc = rec_get(txn, s, *seq, &rec)) != 0)
			return rc;
		if ((int64_t)be64_get((uint8_t *)rec.mv_data + 1) >= sel->before)
			*seq = 0;
		return 0;
	}
	kb[0] = INDEX_RELATED_AGENT;
	memcpy(kb + 1, sel->agent, INDEX_HASH_LEN);
	/* The writer merges the log first; a reader reads it beside. */
	if (writer ? (rc = merge_all(txn, s)) != 0 :
	    (rc = ixm_get(txn, s, m)) != 0)
		return rc;
	for (;;) {
		be64_put(kb + INDEX_KEY_LEN, after + 1);
		if ((rc = next_under(txn, s->ix, kb, sizeof(kb), INDEX_KEY_LEN,
		    seq)) != 0)
			return rc;
		if (!writer && s->dx) {
			ixd_next(s->dx, kb, m[ixd_part(kb)], after + 1, 1, &d);
			*seq = nearer(*seq, d, 1);
		}
		if (*seq == 0)
			return 0;
		if ((rc = selects(txn, s, sel, *seq, &yes)) != 0 || yes)
			return rc;
		after = *seq;
	}
}

int
store_select_next(MDB_txn *txn, store *s, const struct store_select *sel,
    uint64_t after, uint64_t *seq)
{
	return map_rc(select_next(txn, s, sel, after, seq));
}

/* Delete key ks[i] | seqb from "ix" for every key of ks (absent ones are
 * fine). */
static int
del_keys(MDB_txn *txn, store *s, const struct index_keys *ks,
    const uint8_t seqb[8])
{
	uint8_t kb[INDEX_KEY_LEN + 8];
	MDB_val k = { sizeof(kb), kb };
	size_t i;
	int rc;

	for (i = 0; i < ks->n; i++) {
		memcpy(kb, ks->k[i], INDEX_KEY_LEN);
		memcpy(kb + INDEX_KEY_LEN, seqb, 8);
		k.mv_size = sizeof(kb);
		k.mv_data = kb;
		if ((rc = mdb_del(txn, s->ix, &k, NULL)) != 0 &&
		    rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

/* The authority key of statement seqb: the credential is not kept with
 * the record, so try each credential's hash (there are few). */
static int
del_authority(MDB_txn *txn, store *s, const uint8_t seqb[8])
{
	uint8_t kb[INDEX_KEY_LEN + 8], at[INDEX_KEY_LEN + 8];
	MDB_cursor *c;
	MDB_val k, d;
	int rc;

	if ((rc = mdb_cursor_open(txn, s->ix, &c)) != 0)
		return rc;
	memset(kb, 0, sizeof(kb));
	kb[0] = INDEX_AUTHORITY;
	for (;;) {
		k.mv_size = sizeof(kb);
		k.mv_data = kb;
		if ((rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE)) != 0)
			break;
		if (k.mv_size != sizeof(kb) ||
		    ((uint8_t *)k.mv_data)[0] != INDEX_AUTHORITY)
			break;
		memcpy(at, k.mv_data, INDEX_KEY_LEN);
		memcpy(at + INDEX_KEY_LEN, seqb, 8);
		k.mv_size = sizeof(at);
		k.mv_data = at;
		if ((rc = mdb_del(txn, s->ix, &k, NULL)) != 0 &&
		    rc != MDB_NOTFOUND)
			break;
		/* On to the next credential's keys. */
		memcpy(kb, at, INDEX_KEY_LEN);
		memset(kb + INDEX_KEY_LEN, 0xff, 8);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The referrers of statement id (ref: id | referrer -> seq): their
 * sequence numbers and ids into new arrays. */
static int
referrers(MDB_txn *txn, store *s, const uint8_t id[16], uint64_t **seqs,
    uint8_t (**ids)[16], size_t *n)
{
	MDB_cursor *c;
	MDB_val k = { 16, (void *)id }, d;
	int rc;

	*seqs = NULL;
	*ids = NULL;
	*n = 0;
	if ((rc = mdb_cursor_open(txn, s->ref, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (k.mv_size != 32 || memcmp(k.mv_data, id, 16) != 0 ||
		    d.mv_size != 8)
			break;
		*seqs = xrealloc(*seqs, (*n + 1) * sizeof(**seqs));
		*ids = xrealloc(*ids, (*n + 1) * sizeof(**ids));
		(*seqs)[*n] = be64_get(d.mv_data);
		memcpy((*ids)[(*n)++], (uint8_t *)k.mv_data + 16, 16);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The statements that stay and refer to statement id lose the keys ks
 * they inherited from it, except those they have of their own; and so on
 * down the chain. */
static int
strip_down(MDB_txn *txn, store *s, const uint8_t id[16],
    const struct index_keys *ks, int depth)
{
	struct index_keys own, drop;
	uint8_t (*ids)[16], seqb[8], flags;
	uint64_t *seqs;
	int64_t stored;
	size_t n, i, j, len;
	json *st;
	int rc;

	if (depth >= REF_DEPTH || ks->n == 0)
		return 0;
	if ((rc = referrers(txn, s, id, &seqs, &ids, &n)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++) {
		memset(&own, 0, sizeof(own));
		memset(&drop, 0, sizeof(drop));
		if ((rc = stmt_load(txn, s, seqs[i], &st, &flags, &stored,
		    &len)) == 0 && index_statement(st, &own) != INDEX_OK)
			rc = STORE_ECRYPTO;
		json_free(st);
		for (j = 0; rc == 0 && j < ks->n; j++)
			if (!keys_have(&own, ks->k[j][0], ks->k[j] + 1))
				index_add(&drop, ks->k[j][0], ks->k[j] + 1);
		be64_put(seqb, seqs[i]);
		if (rc == 0 && (rc = del_keys(txn, s, &drop, seqb)) == 0)
			rc = strip_down(txn, s, ids[i], &drop, depth + 1);
		if (rc == MDB_NOTFOUND)
			rc = 0;
		index_keys_free(&own);
		index_keys_free(&drop);
	}
out:
	free(seqs);
	free(ids);
	return rc;
}

/* Drop the voiding record of target when it names voider seq and lives
 * on no statement (the target is gone too, or was never stored); one
 * that voids a statement that stays is kept, so it stays voided. */
static int
drop_void(MDB_txn *txn, store *s, const uint8_t target[16], uint64_t seq,
    int check_voider)
{
	MDB_val k = { 16, (void *)target }, d;
	uint64_t other, voider;
	int rc;

	if ((rc = mdb_get(txn, s->voids, &k, &d)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (d.mv_size != 8)
		return MDB_CORRUPTED;
	voider = be64_get(d.mv_data);
	if (check_voider) {
		/* target is being removed: keep the record while its
		 * voiding statement stays. */
		if ((rc = rec_get(txn, s, voider, &d)) != MDB_NOTFOUND)
			return rc;
	} else {
		/* the voider seq is being removed: keep the record while
		 * its target stays. */
		if (voider != seq)
			return 0;
		if ((rc = id_get(txn, s, target, &other)) != MDB_NOTFOUND)
			return rc;
	}
	return mdb_del(txn, s->voids, &k, NULL);
}

/* The StatementRef and voiding links of statement st (id, number seq,
 * flags): its own entry in "ref"; the voiding record of its target when
 * the target is gone too; its own voiding record when its voider is. */
static int
unlink_links(MDB_txn *txn, store *s, const json *st, const uint8_t id[16],
    uint64_t seq, uint8_t flags)
{
	uint8_t refb[32];
	MDB_val k = { 32, refb };
	int rc;

	if (ref_target(st, refb) == 0) {
		memcpy(refb + 16, id, 16);
		if ((rc = mdb_del(txn, s->ref, &k, NULL)) != 0 &&
		    rc != MDB_NOTFOUND)
			return rc;
		if ((flags & REC_VOIDING) &&
		    (rc = drop_void(txn, s, refb, seq, 0)) != 0)
			return rc;
	}
	return drop_void(txn, s, id, seq, 1);
}

/* Forget that statement seqb names its attachments, and remove each
 * payload no other statement names. */
static int
del_blobs(MDB_txn *txn, store *s, const json *st, const uint8_t seqb[8],
    struct store_removal *acc)
{
	const json *atts = json_get(st, "attachments");
	uint8_t kb[ATTREF_MAX];
	MDB_val k, d;
	const char *sha2;
	uint64_t other;
	size_t i, plen;
	int rc;

	if ((rc = attrefs(txn, s, st, seqb, 1)) != 0)
		return rc;
	for (i = 0; atts && atts->type == JSON_ARRAY && i < atts->n; i++) {
		if ((sha2 = json_get_str(atts->vals[i], "sha2")) == NULL ||
		    (plen = attref_key(sha2, NULL, kb)) == 0)
			continue;
		memset(kb + plen, 0, 8);
		if ((rc = next_under(txn, s->attref, kb, plen + 8, plen,
		    &other)) != 0)
			return rc;
		k.mv_size = plen - 1;
		k.mv_data = kb;
		if (other != 0 ||
		    (rc = mdb_get(txn, s->att, &k, &d)) == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return rc;
		acc->attachments++;
		acc->bytes += d.mv_size;
		if ((rc = mdb_del(txn, s->att, &k, NULL)) != 0)
			return rc;
	}
	return 0;
}

/* The record of statement id, number seqb, and its "id" and "tm" keys. */
static int
del_record(MDB_txn *txn, store *s, const uint8_t id[16],
    const uint8_t seqb[8], int64_t stored)
{
	uint8_t tmb[16];
	MDB_val k = { 8, (void *)seqb };
	uint64_t cur;
	int rc;

	if ((rc = mdb_del(txn, s->st, &k, NULL)) != 0)
		return rc;
	if ((rc = id_get(txn, s, id, &cur)) == 0 &&
	    cur == be64_get(seqb)) {
		k.mv_size = 16;
		k.mv_data = (void *)id;
		rc = mdb_del(txn, s->id, &k, NULL);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	put_i64(tmb, stored);
	memcpy(tmb + 8, seqb, 8);
	k.mv_size = 16;
	k.mv_data = tmb;
	rc = mdb_del(txn, s->tm, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Everything of statement st (number seq) but its referrers. */
static int
remove_one(MDB_txn *txn, store *s, json *st, uint64_t seq, uint8_t flags,
    int64_t stored, struct store_removal *acc)
{
	struct index_keys ks = { 0 };
	uint8_t id[16], seqb[8];
	int rc;

	be64_put(seqb, seq);
	if (uuid_of(json_get(st, "id"), id) != 0)
		return MDB_CORRUPTED;
	if (index_statement(st, &ks) != INDEX_OK) {
		rc = STORE_ECRYPTO;
		goto out;
	}
	if ((rc = inherit_keys(txn, s, st, &ks, 0)) != 0 ||
	    (rc = del_keys(txn, s, &ks, seqb)) != 0 ||
	    (rc = del_authority(txn, s, seqb)) != 0 ||
	    (rc = strip_down(txn, s, id, &ks, 0)) != 0 ||
	    (rc = unlink_links(txn, s, st, id, seq, flags)) != 0 ||
	    (rc = del_blobs(txn, s, st, seqb, acc)) != 0 ||
	    (rc = del_record(txn, s, id, seqb, stored)) != 0)
		goto out;
out:
	index_keys_free(&ks);
	return rc;
}

static int
remove_seq(MDB_txn *txn, store *s, uint64_t seq, int depth,
    struct store_removal *acc)
{
	uint8_t id[16], flags, (*ids)[16] = NULL;
	uint64_t *seqs = NULL;
	int64_t stored;
	size_t len, n = 0, i;
	json *st = NULL;
	int rc;

	if ((rc = stmt_load(txn, s, seq, &st, &flags, &stored, &len)) != 0)
		goto out;
	/* Referrers first, while this one still hands them its keys. */
	if (depth > 0 && depth <= REF_DEPTH) {
		if (uuid_of(json_get(st, "id"), id) != 0) {
			rc = MDB_CORRUPTED;
			goto out;
		}
		if ((rc = referrers(txn, s, id, &seqs, &ids, &n)) != 0)
			goto out;
		for (i = 0; i < n && rc == 0; i++)
			if ((rc = remove_seq(txn, s, seqs[i], depth + 1,
			    acc)) == MDB_NOTFOUND)
				rc = 0;
		if (rc != 0)
			goto out;
	}
	if ((rc = remove_one(txn, s, st, seq, flags, stored, acc)) == 0) {
		acc->statements++;
		acc->bytes += len;
	}
out:
	free(seqs);
	free(ids);
	json_free(st);
	return rc;
}

int
store_remove_txn(store *s, MDB_txn *txn, uint64_t seq, int cascade,
    struct store_removal *acc)
{
	int rc = merge_all(txn, s);

	if (rc == 0)
		rc = remove_seq(txn, s, seq, cascade ? 1 : 0, acc);

	return rc == MDB_NOTFOUND ? STORE_ENOTFOUND :
	    rc == MDB_MAP_FULL ? rc : map_rc(rc);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether every statement naming attachment key kb (plen bytes) is
 * among seqs[0..n) (sorted). */
static int
all_selected(MDB_txn *txn, store *s, uint8_t *kb, size_t plen,
    const uint64_t *seqs, size_t n, int *yes)
{
	MDB_cursor *c;
	MDB_val k = { plen + 8, kb }, d;
	uint64_t seq;
	int rc;

	*yes = 1;
	memset(kb + plen, 0, 8);
	if ((rc = mdb_cursor_open(txn, s->attref, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); rc == 0 && *yes;
	    rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (k.mv_size != plen + 8 || memcmp(k.mv_data, kb, plen) != 0)
			break;
		seq = be64_get((uint8_t *)k.mv_data + plen);
		*yes = bsearch(&seq, seqs, n, sizeof(*seqs), cmp_u64) != NULL;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The attachments of the statements seqs[0..n) that only they name. */
static int
count_blobs(MDB_txn *txn, store *s, const uint64_t *seqs, size_t n,
    struct store_removal *out)
{
	char **shas = NULL, key[129];
	const json *atts;
	const char *sha2;
	uint8_t kb[ATTREF_MAX], flags;
	size_t nsha = 0, i, j, plen, len;
	int64_t stored;
	MDB_val k, d;
	json *st;
	int rc = 0, yes;

	for (i = 0; i < n && rc == 0; i++) {
		if ((rc = stmt_load(txn, s, seqs[i], &st, &flags, &stored,
		    &len)) != 0)
			break;
		atts = json_get(st, "attachments");
		for (j = 0; atts && atts->type == JSON_ARRAY && j < atts->n; j++)
			if ((sha2 = json_get_str(atts->vals[j], "sha2")) &&
			    blob_key(sha2, key) > 0) {
				key[blob_key(sha2, key)] = '\0';
				shas = xrealloc(shas, (nsha + 1) * sizeof(*shas));
				shas[nsha++] = xstrdup(key);
			}
		json_free(st);
	}
	if (nsha > 0)
		qsort(shas, nsha, sizeof(*shas), cmp_str);
	for (i = 0; i < nsha && rc == 0; i++) {
		if (i > 0 && strcmp(shas[i], shas[i - 1]) == 0)
			continue;
		plen = attref_key(shas[i], NULL, kb);
		if ((rc = all_selected(txn, s, kb, plen, seqs, n, &yes)) != 0 ||
		    !yes)
			continue;
		k.mv_size = plen - 1;
		k.mv_data = kb;
		if ((rc = mdb_get(txn, s->att, &k, &d)) == 0) {
			out->attachments++;
			out->bytes += d.mv_size;
		} else if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	for (i = 0; i < nsha; i++)
		free(shas[i]);
	free(shas);
	return rc;
}

int
store_select_count(store_read *r, const struct store_select *sel,
    struct store_removal *out)
{
	uint64_t seq = 0, *seqs = NULL;
	size_t n = 0, cap = 0;
	MDB_val rec;
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		if ((rc = select_next(r->txn, r->s, sel, seq, &seq)) != 0 ||
		    seq == 0)
			break;
		if ((rc = rec_get(r->txn, r->s, seq, &rec)) != 0)
			break;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			seqs = xrealloc(seqs, cap * sizeof(*seqs));
		}
		seqs[n++] = seq;
		out->statements++;
		out->bytes += rec.mv_size - REC_HDR;
	}
	/* Ascending already; the blob check searches them. */
	if (rc == 0)
		rc = count_blobs(r->txn, r->s, seqs, n, out);
	free(seqs);
	return map_rc(rc);
}

int
store_entry_next(MDB_txn *txn, store *s, uint64_t seq,
    struct store_entry *out)
{
	uint8_t kb[8];
	uint64_t got;
	int rc;

	be64_put(kb, seq);
	if ((rc = next_under(txn, s->st, kb, 8, 0, &got)) != 0)
		return map_rc(rc);
	if (got == 0)
		return STORE_ENOTFOUND;
	return store_entry_at(txn, s, got, out);
}
