/* Durability: every statement and document the LRS acknowledged is still
 * there after the server is killed with SIGKILL (no clean shutdown) while
 * writers are still sending, a batch is all there or not at all, and the
 * store opens and serves again.  The map begins at 1 MiB, so it grows
 * while the writers send and the kill may come in the middle of that. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "httpc.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

#define WRITERS	4
#define EACH	400

static struct srv s = SRV_INIT;

#define BATCH	3

struct writer {
	int	 n;
	char	 ids[EACH * BATCH][37];	/* acknowledged statement ids */
	int	 acked;
	int	 docs;		/* acknowledged state documents */
	char	 inflight[BATCH][37];	/* the batch sent when it died */
	int	 ninflight;
};

#define PAD	2500	/* bytes of padding: the map must grow soon */
#define STLEN	(PAD + 300)

/* One statement of writer me into out. */
static void
statement(struct writer *me, int i, const char *id, char *out, size_t size)
{
	static char pad[PAD + 1];

	if (pad[0] == '\0')
		memset(pad, 'c', PAD);
	snprintf(out, size, "{\"id\":\"%s\",\"actor\":{\"mbox\":"
	    "\"mailto:crash%d@example.com\"},\"verb\":{\"id\":"
	    "\"http://example.com/crashed\"},\"object\":{\"id\":"
	    "\"http://example.com/crash/%d\"},\"result\":{\"response\":"
	    "\"%s\"}}", id, me->n, i, pad);
}

/* POST a batch of BATCH statements; 0 when it was acknowledged. */
static int
post_batch(struct writer *me, int i)
{
	struct httpc_resp r;
	char body[BATCH * STLEN + 8], one[STLEN];
	size_t len = 0;
	int k, rc;

	body[len++] = '[';
	me->ninflight = BATCH;
	for (k = 0; k < BATCH; k++) {
		httpc_uuid(me->inflight[k]);
		statement(me, i, me->inflight[k], one, sizeof(one));
		len += (size_t)snprintf(body + len, sizeof(body) - len, "%s%s",
		    k ? "," : "", one);
	}
	snprintf(body + len, sizeof(body) - len, "]");
	memset(&r, 0, sizeof(r));
	rc = httpc_xapi(s.port, "1.0.3", "POST", "/xapi/statements", NULL,
	    body, (size_t)-1, &r) == 0 && r.status == 200 ? 0 : -1;
	httpc_resp_free(&r);
	if (rc != 0)
		return -1;
	for (k = 0; k < BATCH; k++)
		memcpy(me->ids[me->acked + k], me->inflight[k], 37);
	me->ninflight = 0;
	__atomic_add_fetch(&me->acked, BATCH, __ATOMIC_RELEASE);
	return 0;
}

static struct writer w[WRITERS];

static void *
write_loop(void *arg)
{
	struct writer *me = arg;
	struct httpc_resp r;
	char body[STLEN], id[37], path[300];
	int i;

	for (i = 0; i < EACH; i++) {
		if (i % 4 == 2) {
			if (post_batch(me, i) != 0)
				break;		/* the server is gone */
			continue;
		}
		httpc_uuid(id);
		statement(me, i, id, body, sizeof(body));
		memset(&r, 0, sizeof(r));
		if (httpc_xapi(s.port, "1.0.3", "POST", "/xapi/statements", NULL,
		    body, (size_t)-1, &r) != 0 || r.status != 200) {
			httpc_resp_free(&r);
			break;		/* the server is gone */
		}
		httpc_resp_free(&r);
		memcpy(me->ids[me->acked], id, 37);
		__atomic_add_fetch(&me->acked, 1, __ATOMIC_RELEASE);
		if (i % 4 == 0) {
			snprintf(path, sizeof(path), "/xapi/activities/state?"
			    "activityId=http%%3A%%2F%%2Fexample.com%%2Fcrash&agent="
			    "%%7B%%22mbox%%22%%3A%%22mailto%%3Acrash%d%%40example.com%%22%%7D"
			    "&stateId=s%d", me->n, i);
			if (httpc_xapi(s.port, "1.0.3", "PUT", path, NULL, "{\"n\":1}",
			    (size_t)-1, &r) != 0 || r.status != 204) {
				httpc_resp_free(&r);
				break;
			}
			httpc_resp_free(&r);
			me->docs = i / 4 + 1;
		}
	}
	return NULL;
}

int
main(void)
{
	pthread_t t[WRITERS];
	struct httpc_resp r;
	char path[400];
	int i, k, missing = 0, acked = 0, docs_missing = 0;

	if (srv_start(&s, "--map-size 1M") != 0) {
		ok(0, "server starts");
		return test_done();
	}
	for (i = 0; i < WRITERS; i++) {
		w[i].n = i;
		pthread_create(&t[i], NULL, write_loop, &w[i]);
	}
	/* Kill mid-stream: once a good number were acknowledged (slow
	 * sanitizer builds take a while to get going) and the data has
	 * outgrown the first map, well before the end. */
	snprintf(path, sizeof(path), "%s/data.mdb", s.data);
	for (i = 0; i < 400; i++) {
		struct stat st;

		for (k = 0, acked = 0; k < WRITERS; k++)
			acked += __atomic_load_n(&w[k].acked, __ATOMIC_RELAXED);
		if (acked >= WRITERS * EACH / 8 && stat(path, &st) == 0 &&
		    st.st_size > (3 << 20) / 2)
			break;
		usleep(50 * 1000);
	}
	acked = 0;
	/* No clean shutdown: what was acknowledged must already be on disk. */
	kill(s.pid, SIGKILL);
	waitpid(s.pid, NULL, 0);
	s.pid = 0;
	for (i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		acked += w[i].acked;
	}
	ok(acked > 0 && acked < WRITERS * EACH,
	    "killed while writing (%d of %d acknowledged)", acked, WRITERS * EACH);
	ok(srv_start(&s, NULL) == 0, "the store opens again after SIGKILL");
	for (i = 0; i < WRITERS; i++)
		for (k = 0; k < w[i].acked; k++) {
			snprintf(path, sizeof(path), "/xapi/statements?statementId=%s",
			    w[i].ids[k]);
			memset(&r, 0, sizeof(r));
			if (httpc_xapi(s.port, "2.0.0", "GET", path, NULL, NULL, 0,
			    &r) != 0 || r.status != 200)
				missing++;
			httpc_resp_free(&r);
		}
	ok(missing == 0, "every acknowledged statement survived (%d of %d missing)",
	    missing, acked);
	for (i = 0, missing = 0, k = 0; i < WRITERS; i++) {
		int j, found = 0;

		for (j = 0; j < w[i].ninflight; j++) {
			snprintf(path, sizeof(path),
			    "/xapi/statements?statementId=%s", w[i].inflight[j]);
			memset(&r, 0, sizeof(r));
			if (httpc_xapi(s.port, "2.0.0", "GET", path, NULL, NULL,
			    0, &r) == 0 && r.status == 200)
				found++;
			httpc_resp_free(&r);
		}
		k += w[i].ninflight > 0;
		if (found != 0 && found != w[i].ninflight)
			missing++;
	}
	ok(missing == 0, "no batch in flight was torn (%d of %d torn)",
	    missing, k);
	for (i = 0; i < WRITERS; i++)
		for (k = 0; k < w[i].docs; k++) {
			snprintf(path, sizeof(path), "/xapi/activities/state?"
			    "activityId=http%%3A%%2F%%2Fexample.com%%2Fcrash&agent="
			    "%%7B%%22mbox%%22%%3A%%22mailto%%3Acrash%d%%40example.com%%22%%7D"
			    "&stateId=s%d", i, 4 * k);
			memset(&r, 0, sizeof(r));
			if (httpc_xapi(s.port, "2.0.0", "GET", path, NULL, NULL, 0,
			    &r) != 0 || r.status != 200 || strcmp(r.body, "{\"n\":1}") != 0)
				docs_missing++;
			httpc_resp_free(&r);
		}
	ok(docs_missing == 0, "every acknowledged document survived (%d missing)",
	    docs_missing);
	memset(&r, 0, sizeof(r));
	ok(httpc_xapi(s.port, "1.0.3", "POST", "/xapi/statements", NULL,
	    "{\"actor\":{\"mbox\":\"mailto:after@example.com\"},\"verb\":{\"id\":"
	    "\"http://example.com/v\"},\"object\":{\"id\":\"http://example.com/o\"}}",
	    (size_t)-1, &r) == 0 && r.status == 200, "writes work after the crash");
	httpc_resp_free(&r);
	ok(srv_stop(&s, 1) == 0, "server stops cleanly");
	return test_done();
}
