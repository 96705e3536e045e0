/* gate: a barrier that lets every transaction in, or one resize alone. */
#include "gate.h"

#include <errno.h>
#include <time.h>

/* How often this thread is inside, and which gate (one at a time: a
 * thread inside two gates at once waits like anybody at the second). */
static _Thread_local const struct gate *here;
static _Thread_local int depth;

void
gate_init(struct gate *g)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->inside = 0;
	g->closed = 0;
}

void
gate_cleanup(struct gate *g)
{
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
}

void
gate_enter(struct gate *g)
{
	int nested = here == g && depth > 0;

	pthread_mutex_lock(&g->mu);
	while (g->closed && !nested)
		pthread_cond_wait(&g->cv, &g->mu);
	g->inside++;
	pthread_mutex_unlock(&g->mu);
	if (here != g) {
		here = g;
		depth = 0;
	}
	depth++;
}

void
gate_leave(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	if (--g->inside == 0)
		pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	if (here == g && depth > 0)
		depth--;
}

int
gate_close(struct gate *g, int timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&g->mu);
	/* One close at a time. */
	while (g->closed && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&g->cv, &g->mu, &ts);
	if (g->closed) {
		pthread_mutex_unlock(&g->mu);
		return -1;
	}
	g->closed = 1;
	while (g->inside > 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&g->cv, &g->mu, &ts);
	if (g->inside > 0) {
		g->closed = 0;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
		return -1;
	}
	pthread_mutex_unlock(&g->mu);
	return 0;
}

void
gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->closed = 0;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}
