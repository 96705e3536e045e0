/* docstore: the documents of the State, Activity Profile and Agent Profile
 * resources, and what the LRS knows of Activities and Agents, in LMDB.
 *
 * The databases live in the store's environment (see store.h), beside the
 * statements; the key layout is documented at the top of docstore.c.
 * Every lookup is a seek and listing the ids of one scope is a range scan.
 *
 * Activities and Persons are learned from statements: docstore_open
 * registers a subscriber with the store that merges every Activity
 * definition and every Agent name of each newly stored statement, inside
 * the statement's own write transaction, so they are committed (or not)
 * together.  Statements stored while no docstore was subscribed (an older
 * data directory) are replayed by docstore_open.
 *
 * Reads copy what they return out of the map, so nothing returned depends
 * on a transaction; writes use one short write transaction each.
 */
#ifndef LRS_DOCSTORE_H
#define LRS_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "json.h"
#include "store.h"

enum {
	DOCSTORE_OK = 0,
	DOCSTORE_ENOTFOUND = -1,	/* no such document / activity / agent */
	DOCSTORE_ENOTJSON = -2,		/* POST: a merge needs two JSON objects */
	DOCSTORE_EFULL = -3,		/* the LMDB map is full */
	DOCSTORE_EIO = -4,		/* an I/O error, or another LMDB failure */
	DOCSTORE_EINVALID = -5,		/* a key part is too long or missing */
	DOCSTORE_ENOSPC = -6,		/* the disk is full */
	DOCSTORE_EBUSY = -7,		/* no LMDB reader slot free: retry */
	DOCSTORE_ECORRUPT = -8,		/* stored data is corrupt */
	DOCSTORE_ECRYPTO = -9		/* hashing a key failed (libcrypto) */
};

/* The three kinds of documents (the first byte of their keys). */
enum docstore_kind {
	DOCSTORE_STATE = 's',
	DOCSTORE_ACTIVITY_PROFILE = 'a',
	DOCSTORE_AGENT_PROFILE = 'g'
};

typedef struct docstore docstore;

/* Where documents live: a State document belongs to an Activity, an Agent
 * and optionally a registration; an Activity Profile to an Activity; an
 * Agent Profile to an Agent.  Parts the kind does not use are ignored. */
struct docstore_scope {
	enum docstore_kind	 kind;
	const char		*activity_id;	/* STATE, ACTIVITY_PROFILE */
	uint8_t			 agent[INDEX_HASH_LEN];	/* index_agent_hash */
	int			 has_registration;	/* STATE */
	uint8_t			 registration[16];
};

/* One stored document.  type and data are owned by the struct (release
 * with docstore_doc_free). */
struct docstore_doc {
	char	*type;		/* its Content-Type as it was sent */
	char	*data;		/* the bytes (NUL-terminated, not counted) */
	size_t	 len;
	int64_t	 updated;	/* microseconds since the epoch */
	char	 etag[41];	/* SHA-1 of data, lower-case hex */
};

/* What a write does. */
enum docstore_op {
	DOCSTORE_PUT,		/* store, replacing any document */
	DOCSTORE_POST,		/* store, or merge into a stored JSON object */
	DOCSTORE_DELETE		/* remove (absent is not an error) */
};

/* Decides, inside the write transaction, whether a write may go ahead
 * given the current document (NULL when there is none; its memory is valid
 * only during the call, and there its data is not NUL-terminated).  0 lets
 * it proceed; any other value aborts the write, which changes nothing and
 * is returned by docstore_write: use values that are not DOCSTORE_*
 * codes. */
typedef int (*docstore_check)(void *arg, const struct docstore_doc *cur);

struct docstore_write {
	enum docstore_op	 op;
	const char		*id;		/* stateId / profileId */
	const char		*type;		/* PUT, POST: Content-Type */
	const void		*data;		/* PUT, POST: the document */
	size_t			 len;
	docstore_check		 check;		/* NULL: unconditional */
	void			*arg;
	/* out: the stored document's ETag and time (PUT, POST) */
	char			 etag[41];
	int64_t			 updated;
};

/* Open (creating) the databases in st's environment, register the
 * subscriber that learns Activities and Agents, and replay statements it
 * has not seen.  Call before the store's first write; *out must outlive
 * st (release it with docstore_close after store_close). */
int	docstore_open(store *st, docstore **out);
/* Release the handle (the databases stay in the environment). */
void	docstore_close(docstore *ds);
/* Text for a DOCSTORE_* code. */
const char *docstore_strerror(int rc);

/* The document id of scope sc into *out (release with docstore_doc_free).
 * DOCSTORE_ENOTFOUND. */
int	docstore_get(docstore *ds, const struct docstore_scope *sc,
	    const char *id, struct docstore_doc *out);
/* Release what a docstore_doc holds. */
void	docstore_doc_free(struct docstore_doc *d);

/* The ids of the documents of scope sc updated after since (exclusive; 0
 * for all), each once, into a new array of new strings (*ids, *n; release
 * with docstore_ids_free); *newest is the latest update time among them
 * (0 when none).  For State, when sc->has_registration is 0, documents of
 * every registration (and of none) are listed. */
int	docstore_list(docstore *ds, const struct docstore_scope *sc,
	    int64_t since, char ***ids, size_t *n, int64_t *newest);
void	docstore_ids_free(char **ids, size_t n);

/* Apply one write to document w->id of scope sc in its own transaction.
 * POST merges when a document exists: both it and the posted one must be
 * JSON objects (Content-Type application/json), the posted members
 * replacing stored ones of the same name, else DOCSTORE_ENOTJSON; with no
 * document it stores the posted one as PUT does.  Returns DOCSTORE_OK,
 * what w->check returned, DOCSTORE_ENOTJSON, DOCSTORE_EFULL, ... */
int	docstore_write(docstore *ds, const struct docstore_scope *sc,
	    struct docstore_write *w);
/* Delete every document of scope sc (for State without registration:
 * of every registration).  *n (may be NULL) is how many went. */
int	docstore_delete_all(docstore *ds, const struct docstore_scope *sc,
	    size_t *n);

/* The canonical Activity object known for id as a new tree (caller
 * frees), or DOCSTORE_ENOTFOUND when no statement defined it. */
int	docstore_activity(docstore *ds, const char *id, json **out);
/* The canonical Verb known for id, {"id": ..., "display": {...}} with the
 * displays of every statement merged language by language (the latest
 * wins), as a new tree (caller frees); DOCSTORE_ENOTFOUND when no
 * statement gave it a display. */
int	docstore_verb(docstore *ds, const char *id, json **out);
/* The Person object of agent (an Agent with an IFI) as a new tree
 * (caller frees): {"objectType": "Person", "name": [...], "mbox": [...],
 * ...} with what statements told of that IFI (the names it was seen
 * with) and agent's own name and IFI.  "name" is always present. */
int	docstore_person(docstore *ds, const json *agent, json **out);

/* Merge what statement st tells of Activities and Agents into txn (the
 * store's subscriber does this for every stored statement; exposed for
 * tests and tools). */
int	docstore_learn(docstore *ds, MDB_txn *txn, const json *st);

/* What erasing an agent takes from the documents. */
struct docstore_forgot {
	uint64_t	documents;	/* State documents and Agent Profiles */
	uint64_t	bytes;		/* their contents */
	int		person;		/* a learned Person was known */
};

/* Count (and with apply set, delete) inside txn what the documents keep
 * of the agent whose IFI hash is agent: its State documents, its Agent
 * Profiles and the Person learned from statements.  State documents
 * written before docown existed (see docstore.c) are found for the
 * Activities the LRS learned a definition of and for acts[0..nacts)
 * (sorted by strcmp, without duplicates: e.g. those of the agent's
 * statements).  With apply, txn must be a store_exec fn's.  DOCSTORE_*
 * codes; MDB_MAP_FULL as LMDB gave it (so the map grows). */
int	docstore_forget(docstore *ds, MDB_txn *txn,
	    const uint8_t agent[INDEX_HASH_LEN], char *const *acts,
	    size_t nacts, int apply, struct docstore_forgot *out);

/* Merge Activity definition def (a JSON object) into the canonical one,
 * cur (an object, modified): language maps and extensions member by
 * member, every other property replaced.  Returns nonzero when cur
 * changed. */
int	docstore_merge_definition(json *cur, const json *def);

#endif
