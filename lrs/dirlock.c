/* dirlock: one writer process per data directory. */
#include "dirlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int
dirlock_take(const char *dir, int *fd, char *err, size_t errlen)
{
	char path[4096];
	int busy;

	*fd = -1;
	snprintf(path, sizeof(path), "%s/lrsd.lock", dir);
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return DIRLOCK_EIO;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return DIRLOCK_OK;
	busy = errno == EWOULDBLOCK;
	if (busy)
		snprintf(err, errlen, "%s is in use by another lrsd (serve, import or restore)",
		    dir);
	else
		snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
	close(*fd);
	*fd = -1;
	return busy ? DIRLOCK_EBUSY : DIRLOCK_EIO;
}

void
dirlock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
