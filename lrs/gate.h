/* gate: many pass together, or one stands alone.
 *
 * LMDB moves its map (mdb_env_set_mapsize) only while no transaction of
 * the process is open.  Every transaction holds the gate from its begin to
 * its end (gate_enter, gate_leave); whoever grows the map closes the gate
 * (gate_close), which keeps newcomers out and waits, within a timeout,
 * until everyone inside has left.  A thread already inside passes again
 * without waiting (a read nested in a read), so a close waiting for it
 * cannot deadlock it; it only waits for the close to give up.
 *
 * Safe from any thread.  Nothing here allocates.
 */
#ifndef LRS_GATE_H
#define LRS_GATE_H

#include <pthread.h>

struct gate {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	int		inside;		/* transactions open */
	int		closed;		/* a close waits or holds */
};

void	gate_init(struct gate *g);
void	gate_cleanup(struct gate *g);
/* Pass in; waits while the gate is closed, unless this thread is inside
 * already. */
void	gate_enter(struct gate *g);
void	gate_leave(struct gate *g);
/* Close the gate once nobody is inside (the caller must not be): 0, then
 * the caller stands alone until gate_open.  -1 when someone is still inside
 * after timeout_ms milliseconds: the gate is open again. */
int	gate_close(struct gate *g, int timeout_ms);
void	gate_open(struct gate *g);

#endif
