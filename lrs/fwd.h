/* fwd: forwarding statements to other LRSs and webhooks.
 *
 * A target is an id (1..24 of A-Z a-z 0-9 _ -) and a configuration (JSON,
 * see README "Change feed and forwarding"): kind "lrs" (POST batches to
 * another LRS's /statements with Basic auth and the version header, as
 * multipart with the attachment payloads the store holds when there are
 * any) or "webhook" (POST
 * {"target","delivery","sentAt","statements":[{"seq","statement"}]} signed
 * with X-Lrsd-Signature: sha256=HMAC-SHA256(secret, body) in hex), an
 * http:// URL, filters (fwdfilt.h), a batch size, a request timeout and a
 * cap on the retry backoff.
 *
 * Targets, their cursors (the last sequence number dealt with) and their
 * dead letters live in the named LMDB database "fwd" of the store, so
 * they survive restarts:
 *
 *	"t/" id		-> stamp u64 | configuration JSON (secrets included)
 *	"c/" id		-> cursor u64
 *	"d/" id "/" seq u64 -> dead letter JSON
 *
 * One delivery thread serves every target in turn: it reads a batch of
 * the statements after a target's cursor that pass its filters in a short
 * read transaction, POSTs them with no transaction open, and on success
 * commits the new cursor in a group commit of its own (store_exec).  So
 * each target sees its statements in store order and at least once (a
 * batch whose answer is lost is sent again; an LRS target skips the
 * statements it has already, so that LRS stores each exactly once).
 * Failures (no connection, a timeout, 5xx, 401, 403, 404, 408, 429) are
 * retried with exponential backoff from 250 ms up to the target's cap.  A
 * statement the target refuses for itself (400, 409, 413, 422) goes to the
 * target's dead-letter list and the rest go on: a refused batch is sent
 * again one statement at a time to find it.  Holes in the log (statements
 * deleted since) are skipped.
 */
#ifndef LRS_FWD_H
#define LRS_FWD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "probe.h"
#include "store.h"

enum {
	FWD_OK = 0,
	FWD_ENOTFOUND = -1,	/* no such target / dead letter */
	FWD_EINVALID = -2,	/* a bad id or configuration (see err) */
	FWD_ELIMIT = -3,	/* FWD_MAX_TARGETS targets exist already */
	FWD_ESTORE = -4		/* LMDB failed, or a stored record is bad */
};

#define FWD_MAX_TARGETS	32
#define FWD_ID_MAX	24

typedef struct fwd fwd;

/* Open the targets kept in st and start the delivery thread.  *out is
 * released with fwd_close (before store_close).  FWD_ESTORE with err. */
int	fwd_open(store *st, fwd **out, char *err, size_t errlen);
/* Stop the delivery thread (a request in flight ends within its timeout)
 * and release f.  NULL is a no-op. */
void	fwd_close(fwd *f);
/* Text for an FWD_* code. */
const char *fwd_strerror(int rc);

/* Create or replace target id with the configuration body (JSON, len
 * bytes).  A replaced target keeps its cursor, dead letters and the
 * secrets (password, secret) the body leaves out; "from" ("start", "now"
 * or a sequence number) sets the cursor of a new target only.  *created
 * says which.  FWD_EINVALID with err naming the problem, FWD_ELIMIT,
 * FWD_ESTORE. */
int	fwd_put(fwd *f, const char *id, const char *body, size_t len,
	    int *created, char *err, size_t errlen);
/* Delete target id with its cursor and dead letters.  FWD_ENOTFOUND. */
int	fwd_delete(fwd *f, const char *id);
/* Append target id as JSON (secrets left out; with its cursor, lag,
 * counts and last error) to out, or with id NULL a JSON array of every
 * target.  FWD_ENOTFOUND, FWD_ESTORE. */
int	fwd_describe(fwd *f, const char *id, struct buf *out);
/* Append a JSON array of target id's dead letters (oldest first, at most
 * limit, those after sequence number after) to out.  FWD_ENOTFOUND. */
int	fwd_dead_list(fwd *f, const char *id, uint64_t after, size_t limit,
	    struct buf *out);
/* Have dead letter seq of target id (0: all of them) sent again, or drop
 * it (them).  *n gets how many.  FWD_ENOTFOUND (no target, or no such
 * dead letter), FWD_ESTORE. */
int	fwd_dead_retry(fwd *f, const char *id, uint64_t seq, size_t *n);
int	fwd_dead_drop(fwd *f, const char *id, uint64_t seq, size_t *n);

/* A probe_lag_fn (arg is the fwd): the target furthest behind, in
 * statements and in seconds since the oldest statement it has yet to
 * deal with was stored.  last_error stays 0: a target that is down shows
 * as lag, and its error in fwd_describe and the metrics. */
int	fwd_lag(void *arg, struct probe_lag *out);
/* Append the Prometheus text of every target's figures to out (arg is
 * the fwd). */
void	fwd_metrics(void *arg, struct buf *out);

#endif
