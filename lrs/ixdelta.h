/* ixdelta: in memory, the index keys of statements not yet merged into
 * the store's index (and their ids, not yet in the store's "id").
 *
 * A statement is found by about ten index keys (index.h), each on its own
 * leaf of the "ix" B-tree: inserted at once, a commit wrote some fifteen
 * pages per statement at a million statements.  So the store appends a
 * new statement's keys to a log kept in sequence order and here, and
 * merges them into "ix" in bulk later, one part of the key space at a
 * time (store.c says when).  A query reads "ix" and this.
 *
 * For each key (tag | hash, INDEX_KEY_LEN bytes) it holds the sequence
 * numbers added, ascending.  The key space is cut into IXD_PARTS parts by
 * the hash's first byte; each part has a watermark, "merged": what is at
 * or below it is in "ix" too.
 *
 * Threads: one writer calls ixd_add, ixd_drop, ixd_drop_after,
 * ixd_collect and ixd_publish; any thread calls ixd_next, ixd_pin and
 * ixd_unpin.  Nothing here fails but allocation, which aborts
 * (xalloc.h).
 */
#ifndef LRS_IXDELTA_H
#define LRS_IXDELTA_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

#define IXD_PARTS	64

typedef struct ixd ixd;

/* One key of one statement. */
struct ixd_entry {
	uint8_t		key[INDEX_KEY_LEN];
	uint64_t	seq;
};

/* An empty delta, every watermark at merged; released with ixd_free. */
ixd	*ixd_new(uint64_t merged);
void	 ixd_free(ixd *d);
/* The part key belongs to. */
unsigned ixd_part(const uint8_t key[INDEX_KEY_LEN]);

/* Add e[0..n): a key's numbers must come in ascending order (a number
 * already there is skipped).  Readers may see them at once (those above
 * their snapshot's last number are not theirs), so the store adds a
 * statement's keys as it logs them, and takes them back with ixd_drop
 * when the write fails or ixd_drop_after when the commit does. */
void	 ixd_add(ixd *d, const struct ixd_entry *e, size_t n);
/* Remove every number above seq. */
void	 ixd_drop_after(ixd *d, uint64_t seq);
/* Take back e[0..n), the last ixd_add of each of their keys (a write
 * that failed after adding them); an entry not there is skipped. */
void	 ixd_drop(ixd *d, const struct ixd_entry *e, size_t n);

/* For key: among its numbers above after, the least >= at (ascending) or
 * the greatest <= at (descending) into *got, 0 when there is none. */
void	 ixd_next(ixd *d, const uint8_t key[INDEX_KEY_LEN], uint64_t after,
	    uint64_t at, int ascending, uint64_t *got);

/* The writer's: part p's entries with numbers above after, sorted by key
 * then number, into a new array *out (free it); returns how many. */
size_t	 ixd_collect(ixd *d, unsigned p, uint64_t after,
	    struct ixd_entry **out);
/* The writer's, once part p's merge up to merged is committed: its
 * watermark moves there, and the numbers no reader needs any more go
 * (those at or below both merged and every pin). */
void	 ixd_publish(ixd *d, unsigned p, uint64_t merged);

/* A reader about to open a snapshot: keeps every number above the least
 * watermark as published now until ixd_unpin(d, the value returned).  A
 * snapshot opened after the pin has its watermarks at or above it, so
 * what it must read here stays. */
uint64_t ixd_pin(ixd *d);
void	 ixd_unpin(ixd *d, uint64_t pin);

/* Numbers held and keys holding them, for the tests and /health. */
void	 ixd_count(ixd *d, size_t *seqs, size_t *keys);

#endif
