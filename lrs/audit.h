/* audit: the operator's audit trail of data-lifecycle operations.
 *
 * One LMDB database "audit" in the store's environment holds one record
 * per operation (a purge, an erasure, or a dry run of either), numbered
 * from 1 in the order they began:  id u64 (big-endian) -> JSON object.
 * The records are written by the operations themselves (lifecycle.h), in
 * the store's group commits; an operation that began but did not finish
 * keeps the record it began with ("completed": false), so the trail says
 * who started it even when the process died on the way.  Records are
 * never removed by the LRS.
 */
#ifndef LRS_AUDIT_H
#define LRS_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "store.h"

typedef struct audit audit;

/* Open (creating) the database in st's environment; *out is released
 * with audit_close (before store_close).  STORE_* codes. */
int	audit_open(store *st, audit **out);
void	audit_close(audit *a);

/* Store rec (a JSON object; its "id" member is set to the number) as a
 * new record inside txn, a store_exec fn's; the number into *id.  LMDB
 * codes as store_exec fns return them. */
int	audit_add_txn(audit *a, MDB_txn *txn, json *rec, uint64_t *id);
/* Replace record id with rec (its "id" member is set) inside txn, a
 * store_exec fn's. */
int	audit_put_txn(audit *a, MDB_txn *txn, uint64_t id, json *rec);

/* The records numbered after `after`, oldest first, at most limit of
 * them, as a new JSON array (caller frees); *next is the number to pass
 * as `after` for the rest, 0 when there is no more.  STORE_* codes. */
int	audit_list(audit *a, uint64_t after, size_t limit, json **out,
	    uint64_t *next);

#endif
