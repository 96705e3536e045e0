/* documents: set-up of the document resources (State, Activity Profile,
 * Agent Profile) and of the Activities and Agents resources, whose
 * handlers are declared in resource.h.
 *
 *	store_open(dir, size, &st);
 *	documents_init(st);		before the first statement is stored
 *	... serve ...
 *	store_close(st);
 *	documents_fini();		after store_close: the store's writer
 *					calls into the documents until then
 */
#ifndef LRS_DOCUMENTS_H
#define LRS_DOCUMENTS_H

#include "store.h"

/* Open the document databases in st's environment and subscribe to the
 * statements stored in st (to learn Activities and Agents).  Returns 0,
 * or a DOCSTORE_* code (see docstore.h; docstore_strerror). */
int	documents_init(store *st);
/* Release what documents_init set up. */
void	documents_fini(void);

#endif
