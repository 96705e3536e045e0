/* Durability: every statement and document the LRS acknowledged is still
 * there after the server is killed with SIGKILL (no clean shutdown) while
 * writers are still sending single statements, batches and documents, a
 * batch is all there or not at all, and the store opens and serves again;
 * 20 trials (CRASH_TRIALS) on the same store, each killed at a random
 * point (the seed is printed).  The map begins at 1 MiB, so it grows
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

/* Wait until the writers have had about target statements acknowledged
 * (and, in the first trial, the data outgrew the first map), or the time
 * runs out; the kill comes then. */
static void
wait_for(int target, int first)
{
	char path[400];
	struct stat st;
	int i, k, acked;

	snprintf(path, sizeof(path), "%s/data.mdb", s.data);
	for (i = 0; i < 800; i++) {
		for (k = 0, acked = 0; k < WRITERS; k++)
			acked += __atomic_load_n(&w[k].acked, __ATOMIC_RELAXED);
		if (acked >= target && (!first || (stat(path, &st) == 0 &&
		    st.st_size > (3 << 20) / 2)))
			return;
		usleep(10 * 1000);
	}
}

/* How many acknowledged statements of the trial are missing. */
static int
statements_missing(void)
{
	struct httpc_resp r;
	char path[400];
	int i, k, missing = 0;

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
	return missing;
}

/* How many batches in flight at the kill are partly stored; *inflight
 * gets how many writers had one. */
static int
batches_torn(int *inflight)
{
	struct httpc_resp r;
	char path[400];
	int i, j, found, torn = 0;

	*inflight = 0;
	for (i = 0; i < WRITERS; i++) {
		for (j = found = 0; j < w[i].ninflight; j++) {
			snprintf(path, sizeof(path),
			    "/xapi/statements?statementId=%s", w[i].inflight[j]);
			memset(&r, 0, sizeof(r));
			if (httpc_xapi(s.port, "2.0.0", "GET", path, NULL, NULL,
			    0, &r) == 0 && r.status == 200)
				found++;
			httpc_resp_free(&r);
		}
		*inflight += w[i].ninflight > 0;
		if (found != 0 && found != w[i].ninflight)
			torn++;
	}
	return torn;
}

/* How many acknowledged documents of the trial are missing or wrong. */
static int
documents_missing(void)
{
	struct httpc_resp r;
	char path[400];
	int i, k, missing = 0;

	for (i = 0; i < WRITERS; i++)
		for (k = 0; k < w[i].docs; k++) {
			snprintf(path, sizeof(path), "/xapi/activities/state?"
			    "activityId=http%%3A%%2F%%2Fexample.com%%2Fcrash&agent="
			    "%%7B%%22mbox%%22%%3A%%22mailto%%3Acrash%d%%40example.com%%22%%7D"
			    "&stateId=s%d", w[i].n, 4 * k);
			memset(&r, 0, sizeof(r));
			if (httpc_xapi(s.port, "2.0.0", "GET", path, NULL, NULL, 0,
			    &r) != 0 || r.status != 200 ||
			    strcmp(r.body, "{\"n\":1}") != 0)
				missing++;
			httpc_resp_free(&r);
		}
	return missing;
}

/* One trial: writers against the running server, SIGKILL once about
 * target statements were acknowledged, restart, and check. */
static void
trial(int t, int target)
{
	pthread_t th[WRITERS];
	int i, acked = 0, inflight, torn, missing;

	for (i = 0; i < WRITERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].n = t * WRITERS + i;	/* its own actors and documents */
		pthread_create(&th[i], NULL, write_loop, &w[i]);
	}
	wait_for(target, t == 0);
	/* No clean shutdown: what was acknowledged must already be on disk. */
	kill(s.pid, SIGKILL);
	waitpid(s.pid, NULL, 0);
	s.pid = 0;
	for (i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		acked += w[i].acked;
	}
	ok(acked > 0 && acked < WRITERS * EACH,
	    "trial %d: killed while writing (%d of %d acknowledged)", t, acked,
	    WRITERS * EACH);
	ok(srv_start(&s, NULL) == 0, "trial %d: the store opens again after SIGKILL",
	    t);
	missing = statements_missing();
	ok(missing == 0, "trial %d: every acknowledged statement survived (%d of "
	    "%d missing)", t, missing, acked);
	torn = batches_torn(&inflight);
	ok(torn == 0, "trial %d: no batch in flight was torn (%d of %d torn)", t,
	    torn, inflight);
	missing = documents_missing();
	ok(missing == 0, "trial %d: every acknowledged document survived (%d "
	    "missing)", t, missing);
}

int
main(void)
{
	struct httpc_resp r;
	const char *env = getenv("CRASH_TRIALS");
	int t, trials = env ? atoi(env) : 20;
	unsigned seed = (unsigned)getpid();

	if (srv_start(&s, "--map-size 1M") != 0) {
		ok(0, "server starts");
		return test_done();
	}
	printf("http_crash: %d trials, seed %u\n", trials, seed);
	/* The first kill waits for the map to grow; the others come at a
	 * random point between an eighth and a half of the writers' work. */
	for (t = 0; t < trials; t++)
		trial(t, t == 0 ? WRITERS * EACH / 8 : WRITERS * EACH / 8 +
		    (int)(rand_r(&seed) % (WRITERS * EACH * 3 / 8)));
	memset(&r, 0, sizeof(r));
	ok(httpc_xapi(s.port, "1.0.3", "POST", "/xapi/statements", NULL,
	    "{\"actor\":{\"mbox\":\"mailto:after@example.com\"},\"verb\":{\"id\":"
	    "\"http://example.com/v\"},\"object\":{\"id\":\"http://example.com/o\"}}",
	    (size_t)-1, &r) == 0 && r.status == 200, "writes work after the crashes");
	httpc_resp_free(&r);
	ok(srv_stop(&s, 1) == 0, "server stops cleanly");
	return test_done();
}
