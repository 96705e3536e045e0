/* procstat: what a process has used, read from /proc (procstat.h). */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procstat.h"

static int
read_cpu(pid_t pid, uint64_t *us)
{
	char path[64], line[1024], *p;
	unsigned long long ut, st;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	/* Fields 14 and 15, counted after the ")" that ends the name. */
	if (fgets(line, sizeof(line), f) != NULL &&
	    (p = strrchr(line, ')')) != NULL &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) == 2) {
		*us = (ut + st) * 1000000ull / (uint64_t)(hz > 0 ? hz : 100);
		rc = 0;
	} else
		errno = EINVAL;
	fclose(f);
	return rc;
}

static void
read_io(pid_t pid, uint64_t *write_bytes)
{
	char path[64], line[256];
	unsigned long long v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "write_bytes: %llu", &v) == 1)
			*write_bytes = v;
	fclose(f);
}

/* Rss of every mapping, and of those of *.mdb files. */
static void
read_smaps(pid_t pid, uint64_t *rss, uint64_t *rss_mdb)
{
	char path[64], line[4096];
	unsigned long lo, hi, kb;
	size_t n;
	int mdb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			n = strcspn(line, "\n");
			line[n] = '\0';
			mdb = n > 4 &&
			    strcmp(line + n - 4, ".mdb") == 0;
			continue;
		}
		if (sscanf(line, "Rss: %lu kB", &kb) == 1) {
			*rss += (uint64_t)kb * 1024;
			if (mdb)
				*rss_mdb += (uint64_t)kb * 1024;
		}
	}
	fclose(f);
}

int
procstat_read(pid_t pid, struct procstat *ps)
{
	memset(ps, 0, sizeof(*ps));
	if (read_cpu(pid, &ps->cpu_us) != 0)
		return -1;
	read_io(pid, &ps->write_bytes);
	read_smaps(pid, &ps->rss, &ps->rss_mdb);
	return 0;
}

int
procstat_disk(const char *path, uint64_t *bytes)
{
	struct stat sb;
	char line[512];
	unsigned maj, min;
	unsigned long long sectors;
	FILE *f;
	int rc = -1;

	if (stat(path, &sb) != 0)
		return -1;
	if ((f = fopen("/proc/diskstats", "r")) == NULL)
		return -1;
	errno = ENOENT;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%u %u %*s %*u %*u %*u %*u %*u %*u %llu",
		    &maj, &min, &sectors) == 3 && maj == major(sb.st_dev) &&
		    min == minor(sb.st_dev)) {
			*bytes = sectors * 512;
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

static uint64_t du_total;

static int
du_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F)
		du_total += (uint64_t)sb->st_blocks * 512;
	return 0;
}

int
procstat_du(const char *dir, uint64_t *bytes)
{
	du_total = 0;
	if (nftw(dir, du_one, 16, FTW_PHYS) != 0)
		return -1;
	*bytes = du_total;
	return 0;
}
