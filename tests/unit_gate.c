/* Unit tests of the gate: a close waits for those inside and keeps
 * newcomers out, gives up after its timeout, and never blocks a thread
 * that is inside already. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"
#include "test.h"

TEST_MAIN_DEFS

static struct gate g;

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

struct closer {
	int	timeout_ms;
	int	rc;
	int	hold_ms;	/* stay closed this long before opening */
	long	done_at;
};

static void *
close_run(void *arg)
{
	struct closer *c = arg;

	c->rc = gate_close(&g, c->timeout_ms);
	__atomic_store_n(&c->done_at, now_ms(), __ATOMIC_RELEASE);
	if (c->rc == 0) {
		usleep((useconds_t)c->hold_ms * 1000);
		gate_open(&g);
	}
	return NULL;
}

static long entered_at;

static void *
enter_run(void *arg)
{
	gate_enter(&g);
	__atomic_store_n(&entered_at, now_ms(), __ATOMIC_RELEASE);
	gate_leave(&g);
	return NULL;
}

int
main(void)
{
	struct closer c = { 200, 0, 0, 0 };
	pthread_t tc, te;
	long t0;

	gate_init(&g);

	/* Someone stays inside: the close gives up and the gate is open. */
	gate_enter(&g);
	t0 = now_ms();
	pthread_create(&tc, NULL, close_run, &c);
	pthread_join(tc, NULL);
	ok(c.rc == -1 && c.done_at - t0 >= 150, "a close gives up after its "
	    "timeout (%d after %ld ms)", c.rc, c.done_at - t0);
	pthread_create(&te, NULL, enter_run, NULL);
	pthread_join(te, NULL);
	ok(entered_at > 0, "and the gate is open again");
	gate_leave(&g);

	/* A close waits for the one inside, who may enter again meanwhile;
	 * newcomers wait until the gate opens. */
	gate_enter(&g);
	c.timeout_ms = 5000;
	c.hold_ms = 300;
	c.done_at = 0;
	entered_at = 0;
	pthread_create(&tc, NULL, close_run, &c);
	usleep(100 * 1000);
	t0 = now_ms();
	gate_enter(&g);
	ok(now_ms() - t0 < 100, "a thread inside enters again at once");
	gate_leave(&g);
	ok(__atomic_load_n(&c.done_at, __ATOMIC_ACQUIRE) == 0,
	    "the close waits while someone is inside");
	pthread_create(&te, NULL, enter_run, NULL);
	usleep(100 * 1000);
	ok(__atomic_load_n(&entered_at, __ATOMIC_ACQUIRE) == 0,
	    "a newcomer waits while a close is pending");
	gate_leave(&g);
	pthread_join(tc, NULL);
	pthread_join(te, NULL);
	ok(c.rc == 0, "the close succeeds once everyone left");
	ok(entered_at >= c.done_at + 250, "the newcomer entered only after "
	    "the gate opened (%ld ms after the close)", entered_at - c.done_at);
	gate_cleanup(&g);
	return test_done();
}
