/* feed: GET /feed, the change feed of the store for connectors.
 *
 * The statements in store order (by sequence number), as NDJSON: one line
 * {"seq":N,"voided":B,"statement":{...}} each, the statement as GET
 * /statements shows it (format exact or ids).  A client passes the last
 * sequence number it has seen as "after" (the reply's X-Lrsd-Feed-Last
 * header) and never misses or repeats a statement; sequence numbers of
 * statements deleted since are skipped.  With "wait" the request is held
 * (a long-poll, at most FEED_WAIT_MAX seconds) until a statement arrives.
 *
 * A held request occupies one of the server's worker threads (httpd runs a
 * handler to its end), so at most max_waiting are held at once; another
 * gets 503 with Retry-After.
 */
#ifndef LRS_FEED_H
#define LRS_FEED_H

#include "http.h"
#include "store.h"

#define FEED_WAIT_MAX	30	/* seconds a request may be held */
#define FEED_LIMIT_MAX	1000	/* lines in one reply */
#define FEED_LIMIT_DEF	100

typedef struct feed feed;

/* A feed of st (which must outlive it) holding at most max_waiting
 * requests at once (at least 1).  Release with feed_free. */
feed	*feed_new(store *st, int max_waiting);
/* Answer the requests held now and from now on at once (the server is
 * stopping). */
void	 feed_stop(feed *f);
/* Release f; no request may be running in it. */
void	 feed_free(feed *f);
/* The server_handler of GET /feed (arg is the feed): needs scope
 * statements/read, all/read or all.  400 names a bad parameter. */
void	 feed_http(void *arg, struct http_req *req, struct http_resp *resp);

#endif
