/* logscan: the statement log read and parsed ahead of a fold, on a
 * thread of its own.
 *
 * A replay or a what-if folds every statement of the log in sequence
 * order on one thread.  Reading an entry and parsing it (a fifth of that
 * thread's work) does not depend on the fold, so a logscan does it on a
 * second thread, a few thousand statements ahead, and hands the parsed
 * statements over in order.  The fold's results do not change: it sees
 * the same statements, in the same order, with the same entries. */
#ifndef TIERING_LOGSCAN_H
#define TIERING_LOGSCAN_H

#include <stdint.h>

#include "json.h"
#include "store.h"

typedef struct logscan logscan;

/* One statement of the log.  st is the statement parsed (a read-only
 * block, see json_parse_own_block), or NULL when it is not one for the
 * fold: text that does not parse, or one that keep refused (see
 * logscan_start).  The caller owns st (json_free). */
struct logscan_item {
	uint64_t	 seq;
	int64_t		 stored;
	uint64_t	 voided_by;	/* as in struct store_entry */
	json		*st;
};

/* Start reading statements first..last of store s.  Statements removed
 * from the log (a purge) are left out; a statement that keep (may be
 * NULL) refuses comes with st NULL.  0, or an errno code when the thread
 * cannot start (nothing to stop then). */
int	logscan_start(store *s, uint64_t first, uint64_t last,
	    int (*keep)(const json *), logscan **out);

/* The next statement in sequence order into *it: 0, 1 past last, or the
 * STORE_* code of a failed read (then at every later call too). */
int	logscan_next(logscan *ls, struct logscan_item *it);

/* Stop the thread (it may not have reached last) and free ls with the
 * statements it read ahead. */
void	logscan_stop(logscan *ls);

#endif
