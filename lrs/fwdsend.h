/* fwdsend: one forwarding request: a batch of statements read from the
 * log (with the attachment payloads an lrs target gets) and its POST to a
 * target (fwd.h says what each kind receives).
 */
#ifndef LRS_FWDSEND_H
#define LRS_FWDSEND_H

#include <stddef.h>
#include <stdint.h>

#include "hclient.h"
#include "store.h"

/* An attachment payload going with a batch (to an lrs target). */
struct fwdsend_blob {
	char	*sha2;
	char	*ctype;
	void	*data;
	size_t	 len;
};

/* A batch on its way out. */
struct fwdsend_batch {
	uint64_t	*seqs;
	char		**texts;
	size_t		*lens;
	size_t		 n, cap;
	uint64_t	 end;		/* the last sequence number looked at */
	struct fwdsend_blob	*blobs;		/* the attachments stored for them */
	size_t		 nblobs;
};

/* What a target did with a request: took it; failed for now (no
 * connection, timeout, 5xx, 401, 403, 404, 408, 429: send it again later);
 * refused the statements themselves (400, 409, 413, 422). */
enum { FWDSEND_OK, FWDSEND_RETRY, FWDSEND_REFUSED };

/* Where and how to send; everything belongs to the caller. */
struct fwdsend_target {
	const char			*id;		/* the target's */
	uint64_t			 stamp;		/* its incarnation */
	int				 webhook;	/* else lrs */
	const struct hclient_url	*u;
	const char			*url;		/* as configured */
	const char			*headers;	/* extra header lines */
	const char			*secret;	/* webhook: HMAC key */
	int				 timeout_ms;
};

/* Append statement seq (text, len bytes; copied) to b. */
void	fwdsend_add(struct fwdsend_batch *b, uint64_t seq, const char *text,
	    size_t len);
/* Append the attachment payloads rd holds for statement text (len bytes)
 * to b, each once (copied).  STORE_ECORRUPT when text is not JSON, other
 * STORE_* codes from the read. */
int	fwdsend_add_blobs(store_read *rd, const char *text, size_t len,
	    struct fwdsend_batch *b);
/* Release what b holds; *b is zeroed. */
void	fwdsend_free(struct fwdsend_batch *b);
/* POST b's first n statements (n >= 1) to t: FWDSEND_OK, FWDSEND_RETRY or
 * FWDSEND_REFUSED, with the answer's status (0 when none) and, unless
 * FWDSEND_OK, err saying what happened. */
int	fwdsend_post(const struct fwdsend_target *t,
	    const struct fwdsend_batch *b, size_t n, int *status, char *err,
	    size_t errlen);

#endif
