/* procstat: what a process has used, read from /proc (Linux).
 *
 * The bench reads the server's CPU time, the bytes it caused to be
 * written to the storage device, and its memory, split into the pages of
 * LMDB maps (files named *.mdb) and everything else.
 */
#ifndef TOOLS_PROCSTAT_H
#define TOOLS_PROCSTAT_H

#include <stdint.h>
#include <sys/types.h>

struct procstat {
	uint64_t	cpu_us;		/* utime + stime, all threads */
	uint64_t	write_bytes;	/* /proc/PID/io write_bytes */
	uint64_t	rss;		/* bytes resident */
	uint64_t	rss_mdb;	/* of which in mappings of *.mdb files */
};

/* Fill *ps for process pid.  0, or -1 (errno set) when /proc/PID/stat
 * cannot be read; a missing io or smaps file leaves its fields 0. */
int	procstat_read(pid_t pid, struct procstat *ps);

/* Bytes written so far to the block device that holds path, by everyone
 * (/proc/diskstats sectors written x 512).  0, or -1 with errno. */
int	procstat_disk(const char *path, uint64_t *bytes);

/* Bytes allocated on disk by the files under dir (st_blocks, so sparse
 * files count what they hold).  0, or -1 with errno. */
int	procstat_du(const char *dir, uint64_t *bytes);

#endif
