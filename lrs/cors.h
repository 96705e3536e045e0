/* cors: which web origins may read lrsd's replies (CORS).
 *
 * xAPI content runs in browsers on other origins than the LRS, so by
 * default every origin is allowed ("*").  An allow-list narrows that to
 * the origins named.
 */
#ifndef LRS_CORS_H
#define LRS_CORS_H

#include <stddef.h>

typedef struct cors cors;

/* Parse list: "*" (any origin) or comma-separated origins, each
 * "scheme://host" or "scheme://host:port" (blanks around them ignored,
 * compared without regard to case).  *out is freed with cors_free.  -1
 * with err naming the bad entry. */
int	cors_parse(const char *list, cors **out, char *err, size_t errlen);
void	cors_free(cors *c);

/* The Access-Control-Allow-Origin value for a request whose Origin header
 * is origin (NULL when it has none): origin itself when allowed, "*" when
 * any is allowed and the request names none, NULL when not allowed (or a
 * list is set and the request names none).  The result is origin or a
 * static string. */
const char *cors_allow(const cors *c, const char *origin);

#endif
