/* learnmemo: what the learner of Activities, Verbs and Persons last
 * learned, so that a statement telling nothing new costs no re-parse.
 *
 * The learner (docstore.c) merges what each statement says of an object
 * into the canonical JSON stored under the object's hash.  Merging the
 * same input twice in a row changes nothing, so when the canonical bytes
 * stored now are exactly those the last merge of an equal input left, the
 * learner may skip the merge.  The memo keeps, per object, that input (a
 * copy), its hash key and those bytes; the learner compares them with
 * what is stored, so the memo never has to be told about transactions
 * that abort, erasures or restarts: it only ever saves work.
 *
 * A fixed number of slots, each holding the object last put there (one
 * object evicts another whose name falls on the same slot).  Safe to use
 * from several threads. */
#ifndef LRS_LEARNMEMO_H
#define LRS_LEARNMEMO_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

#define LEARNMEMO_KEY_LEN	16
/* Canonical objects larger than this are not kept. */
#define LEARNMEMO_MAX_BYTES	4096

typedef struct learnmemo learnmemo;

/* A memo of nslots slots (at least 1); learnmemo_free releases it. */
learnmemo	*learnmemo_new(size_t nslots);
void		 learnmemo_free(learnmemo *m);

/* The entry for input in of kind (any small integer), named name (nlen
 * bytes: e.g. the IRI, which picks the slot): when the last input put
 * there is equal to in (json_equal), 1 with its key in key and a copy of
 * its canonical bytes in *bytes (caller frees) and *len; else 0. */
int	learnmemo_find(learnmemo *m, int kind, const char *name, size_t nlen,
	    const json *in, uint8_t key[LEARNMEMO_KEY_LEN], void **bytes,
	    size_t *len);
/* Remember that merging in (kind, name) left bytes[0..len) stored under
 * key (all copied). */
void	learnmemo_put(learnmemo *m, int kind, const char *name, size_t nlen,
	    const json *in, const uint8_t key[LEARNMEMO_KEY_LEN],
	    const void *bytes, size_t len);

#endif
