/* jws: signed statements (xAPI "Signed Statements", JWS compact
 * serialization, RS256/RS384/RS512) verified with OpenSSL.
 */
#ifndef LRS_JWS_H
#define LRS_JWS_H

#include <stddef.h>

#include "json.h"

enum {
	JWS_OK = 0,
	JWS_EINVALID = -1,	/* not a JWS, bad algorithm, bad signature, or
				 * the payload is not the statement */
	JWS_ECRYPTO = -2	/* libcrypto failed (not the JWS's fault) */
};

/* Check the JWS (compact serialization, len bytes; surrounding white
 * space is ignored) attached to statement st, as xAPI 1.0.3 Data 2.6 and
 * 2.0 require of an LRS:
 *  - three base64url parts (no padding); the header is a JSON object whose
 *    "alg" is RS256, RS384 or RS512 and which has no "crit" (we understand
 *    no extensions); the signature is not empty;
 *  - the payload is a JSON object, the statement as it was before the
 *    signature was added: it must be equivalent (stmtfmt_equivalent) to st
 *    once the signature attachments (usageType XAPI_SIGNATURE_USAGE) are
 *    taken out of both, and "attachments" with them when none is left;
 *  - when the header carries "x5c", every entry must be a base64 DER X.509
 *    certificate and the signature must verify (RSASSA-PKCS1-v1_5 with the
 *    alg's SHA-2) with the first certificate's RSA public key.  The chain
 *    is not checked against any trust anchor: the spec says this check
 *    catches mistakes and is no security measure.
 * Without x5c there is no key to check the signature with (the spec asks
 * for the X.509 check only "if the JWS header includes an X.509
 * certificate"), so such a JWS is accepted once everything else holds;
 * this is what the conformance suite sends.
 * Returns JWS_OK, or JWS_EINVALID or JWS_ECRYPTO with a message in err
 * (errlen bytes). */
int	jws_verify(const char *jws, size_t len, const json *st, char *err,
	    size_t errlen);

#endif
