/* importurl: the import_send (import.h) of lrsd import --url, which
 * posts each batch to a running server's POST /import/statements
 * (importapi.h), where the server's own writer stores it all or nothing.
 *
 * A batch the server refuses as too large (413) is sent again in halves,
 * each still atomic.  Library code: problems the server names go to the
 * problem callback, other failures into the caller's err.
 */
#ifndef LRS_IMPORTURL_H
#define LRS_IMPORTURL_H

#include "client.h"
#include "import.h"

struct importurl {
	struct client_url	 url;		/* client_url_parse */
	const char		*user, *password;
	int			 restore;	/* mode=restore */
	const char		*version;	/* X-Experience-API-Version */
	int			 timeout;	/* seconds; 0: 600 */
	import_problem		 problem;	/* what the server refused */
	void			*problem_arg;
	uint64_t		 requests;	/* posted so far */
};

/* An import_send with arg a struct importurl: IMPORT_OK (res->stored
 * and res->skipped add the server's counts), IMPORT_EINVALID (400, the
 * server's problems reported, res->invalid counts them),
 * IMPORT_ECONFLICT (409, res->conflicts), IMPORT_ESTORE (any other
 * answer, or none: err says which). */
int	importurl_send(void *arg, json *const *stmts, size_t n,
	    struct import_result *res, char *err, size_t errlen);

#endif
