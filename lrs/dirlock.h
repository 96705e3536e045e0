/* dirlock: one writer process per data directory.
 *
 * lrsd serve, import and restore hold the exclusive lock of the data
 * directory (flock on its file "lrsd.lock") while they run, so an offline
 * import never writes under a serving lrsd's in-memory state (its caches,
 * the tiering follower, its idea of the last statement).  Readers (export,
 * stats, backup) and credential commands take no lock: LMDB makes them
 * safe beside the server.  The lock goes with the process, even on a
 * crash.
 */
#ifndef LRS_DIRLOCK_H
#define LRS_DIRLOCK_H

#include <stddef.h>

enum {
	DIRLOCK_OK = 0,
	DIRLOCK_EBUSY = -1,	/* another process holds it */
	DIRLOCK_EIO = -2	/* the lock file cannot be made */
};

/* Take the lock of directory dir (which must exist) without waiting;
 * *fd holds it until dirlock_release.  On failure err (errlen bytes)
 * says why. */
int	dirlock_take(const char *dir, int *fd, char *err, size_t errlen);
/* Let it go (fd -1 is fine). */
void	dirlock_release(int fd);

#endif
