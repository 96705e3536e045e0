/* accesslog: the text of one access-log line (the server writes it).
 *
 * A line never holds a secret: the query keeps its parameter names, but
 * the values only of parameters that name no person and carry no token
 * (statementId, verb, since, limit, ... see accesslog.c); any other value,
 * e.g. agent, is written as "*".  The credential is its key, and only once
 * it was verified (a failed attempt logs "-": a user name typed wrong may
 * be a password).
 */
#ifndef LRS_ACCESSLOG_H
#define LRS_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum accesslog_format { ACCESSLOG_PLAIN, ACCESSLOG_JSON };

/* One request; NULL strings are written as "-" (plain) or null (JSON). */
struct accesslog_entry {
	int64_t		 time_us;	/* when it arrived, since the epoch */
	const char	*id;		/* the request id */
	const char	*peer;		/* the client's address */
	const char	*method;
	const char	*target;	/* path and query as sent */
	const char	*cred;		/* the verified credential's key */
	int		 status;
	size_t		 bytes;		/* of the reply, head and body */
	int64_t		 usec;		/* to handle it */
};

/* Parse "plain" or "json" into *out; -1 for anything else. */
int	accesslog_format_parse(const char *name, enum accesslog_format *out);
/* Append target to out with the query values masked as above. */
void	accesslog_target(const char *target, struct buf *out);
/* Append the line of e (without a newline) to out.  Plain:
 *   TIME access ID PEER CRED "METHOD TARGET" STATUS BYTES MS
 * JSON: one object with members time, id, peer, credential, method,
 * target, status, bytes, ms. */
void	accesslog_line(const struct accesslog_entry *e, enum accesslog_format f,
	    struct buf *out);

#endif
