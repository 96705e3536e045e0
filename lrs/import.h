/* import: statements from a dump into a store.
 *
 * The input is NDJSON (one statement per line, as export writes it), one
 * JSON array of statements, or GET /statements pages
 * ({"statements": [...], "more": ...}), one per line or a single page;
 * a file that is not line by line JSON is read as one JSON document.
 *
 * Two passes.  The first checks everything and writes nothing: each
 * statement is validated (stmt.h, by its own "version"), ids seen twice in
 * the dump and ids already stored are compared (the same statement is
 * skipped; a different one is a conflict), payload files are checked
 * against their SHA-2, and a restore checks that "stored" never goes
 * back.  Problems are reported with their line (and index in the line).
 * Unless skip_invalid is set, any problem ends the import there with
 * nothing stored.  The second pass stores the statements in batches, each
 * atomic (store_put), through the store's own write path (so the
 * documents learn Activities and Agents from them as from a POST).
 * Running an import again stores nothing twice.
 *
 * A normal import behaves like a POST by credential authority_key: ids
 * are kept (given when missing), "stored" and "authority" are new.  A
 * restore keeps ids, "stored" and "authority" as in the dump, byte for
 * byte, in the dump's order; it needs stored times that never go back
 * and that are not earlier than the last statement of the store.
 */
#ifndef LRS_IMPORT_H
#define LRS_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "store.h"
#include "xapi.h"

enum {
	IMPORT_OK = 0,
	IMPORT_EINVALID = -1,	/* invalid or conflicting statements (see
				 * the problems reported) */
	IMPORT_EINPUT = -2,	/* the input cannot be read */
	IMPORT_ESTORE = -3,	/* the store failed; batches before it are
				 * stored (import again to finish) */
	IMPORT_ECONFLICT = -4	/* while storing, an id was taken by a
				 * different statement, or (restore) a later
				 * stored time was stored, by a writer beside
				 * the import; nothing of that batch stored */
};

/* A problem with one statement: where ("line 12", "line 3, statement
 * 7") and what. */
typedef void (*import_problem)(void *arg, const char *where,
    const char *what);
/* Progress: phase 0 is checking, 1 storing; done of total statements. */
typedef void (*import_progress)(void *arg, int phase, uint64_t done,
    uint64_t total);

struct import_result;

/* Instead of a store: hand one batch (n statements as the input has
 * them, owned by the import) to be stored all or nothing elsewhere, e.g.
 * by a server (lrsd import --url).  Adds what was stored and skipped to
 * res; returns IMPORT_OK, or IMPORT_EINVALID, IMPORT_ECONFLICT or
 * IMPORT_ESTORE with err saying why (nothing of the batch stored). */
typedef int (*import_send)(void *arg, json *const *stmts, size_t n,
    struct import_result *res, char *err, size_t errlen);

struct import_opts {
	store			*st;		/* open for writing, or NULL
						 * with send */
	import_send		 send;		/* with st NULL: pass 1 checks
						 * the input alone (not against a
						 * store), pass 2 sends batches */
	void			*send_arg;
	const char		*authority_home; /* --authority-home */
	const char		*authority_key;	/* normal import: whose */
	int			 restore;
	int			 skip_invalid;	/* store the valid ones */
	enum xapi_version	 version;	/* for statements without one */
	const char		*attachments;	/* payload files by SHA-2, or
						 * NULL */
	size_t			 batch;		/* statements per batch */
	import_problem		 problem;
	void			*problem_arg;
	import_progress		 progress;	/* or NULL */
	void			*progress_arg;
};

struct import_result {
	uint64_t	read;		/* statements in the input */
	uint64_t	stored;		/* newly stored */
	uint64_t	skipped;	/* stored already (or twice in the dump) */
	uint64_t	invalid;	/* reported and not stored */
	uint64_t	conflicts;	/* same id, different statement */
	uint64_t	payloads;	/* attachment payloads loaded */
	uint64_t	missing;	/* attachments without a payload file */
};

/* Import path ("-": standard input, read into memory first) as o says.
 * IMPORT_OK when every statement was stored or skipped; IMPORT_EINVALID
 * when some were reported (nothing stored, or with skip_invalid the
 * others stored); IMPORT_EINPUT, IMPORT_ESTORE with err (errlen bytes)
 * saying why. */
int	import_run(const struct import_opts *o, const char *path,
	    struct import_result *res, char *err, size_t errlen);
/* Import the len bytes of text (not NUL-terminated, borrowed until it
 * returns) as import_run does a file; name is what err calls it.
 * IMPORT_ECONFLICT when a writer beside took an id meanwhile. */
int	import_text(const struct import_opts *o, const char *name,
	    const char *text, size_t len, struct import_result *res,
	    char *err, size_t errlen);

#endif
