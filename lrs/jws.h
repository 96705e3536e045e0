/* jws: signed statements (xAPI "Signed Statements", JWS compact
 * serialization, RS256/RS384/RS512) verified with OpenSSL.
 */
#ifndef LRS_JWS_H
#define LRS_JWS_H

#include <stddef.h>

#include "json.h"

enum {
	JWS_OK = 0,
	JWS_EINVALID = -1	/* not a JWS, bad algorithm, bad signature, or
				 * the payload is not the statement */
};

/* Check the JWS (compact serialization, len bytes) attached to statement
 * st: its header names RS256, RS384 or RS512; when the header carries an
 * x5c certificate chain the signature must verify with the first
 * certificate's public key; the payload must be a JSON statement that is
 * equivalent (stmt_equivalent) to st once st's "attachments" signature entry
 * is disregarded.  Returns JWS_OK or JWS_EINVALID with a message in err. */
int	jws_verify(const char *jws, size_t len, const json *st, char *err,
	    size_t errlen);

#endif
