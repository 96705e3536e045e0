/* lifecycle: purging old statements and erasing a person, with dry runs
 * and an audit record of each.
 *
 * A purge removes every statement stored before an instant; an erasure
 * removes every statement that names an agent (store.h: struct
 * store_select says where; statements that refer to one of those through
 * a StatementRef, voiding ones included, go with it), the agent's State
 * documents and Agent Profiles and the Person the LRS learned of it.
 * Removed statements leave no trace in the store (store.h: removal):
 * not in any query, not by id, not in the log the followers and the feed
 * read.  Attachments go with the last statement naming them.
 *
 * The work is done in chunks of LIFE_CHUNK statements, each its own
 * group commit through the store's writer (so writes of others go on
 * between them) and consistent on its own.  An operation interrupted
 * (a crash, a full disk) has removed whole chunks; running it again
 * finishes it: both are idempotent.
 *
 * A dry run counts in one read snapshot what the operation would remove;
 * run right after with nothing stored meanwhile, the operation removes
 * exactly that.  Every run, dry or not, adds an audit record (audit.h):
 * who, when, what (the instant, or the agent's IFI hash: never the IFI
 * itself), the counts, and whether it completed.
 *
 * After an operation removed statements, the change callback runs (the
 * tiering engine rebuilds its state from the log that is left).
 */
#ifndef LRS_LIFECYCLE_H
#define LRS_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "docstore.h"
#include "index.h"
#include "store.h"

#define LIFE_CHUNK	256

enum life_action {
	LIFE_PURGE,
	LIFE_ERASE
};

/* One operation to run. */
struct life_request {
	enum life_action	 action;
	int64_t			 before;	/* PURGE: microseconds */
	uint8_t			 agent[INDEX_HASH_LEN];	/* ERASE: IFI hash */
	int			 dry_run;
	const char		*who;	/* credential key, or "os:" user */
	const char		*via;	/* "http" or "cli" */
};

/* What it removed (or, dry, would remove). */
struct life_counts {
	uint64_t	statements;
	uint64_t	attachments;
	uint64_t	documents;
	uint64_t	bytes;		/* statements, payloads, documents */
	int		person;		/* ERASE: a learned Person went */
	uint64_t	audit_id;	/* its audit record */
};

/* Called after statements were removed; nonzero is reported by life_run
 * (the removal stays). */
typedef int (*life_changed_fn)(void *arg);

typedef struct life life;

/* A lifecycle on st, ds and a (all outliving it); release with
 * life_free. */
life	*life_new(store *st, docstore *ds, audit *a);
void	 life_free(life *l);
/* The audit trail l writes to. */
audit	*life_audit(life *l);
/* Have fn(arg) called after statements were removed. */
void	 life_on_change(life *l, life_changed_fn fn, void *arg);

/* Run rq; the counts into *out (also on failure: what was removed so
 * far).  STORE_* codes (a DOCSTORE_* failure of the documents maps to
 * STORE_EIO, STORE_EFULL, ...); the audit record says how far it got. */
int	 life_run(life *l, const struct life_request *rq,
	    struct life_counts *out);

/* The IFI hash of an agent as lower-case hex (33 bytes), as the audit
 * records show it. */
void	 life_hash_hex(const uint8_t agent[INDEX_HASH_LEN], char out[33]);

#endif
