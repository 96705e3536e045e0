/* Storage running out, through HTTP: the map grows by itself from a small
 * --map-size; a full disk (a small tmpfs, when run as root) answers 507
 * with a JSON error saying so and a server log line naming it, reads keep
 * answering 200, and once space is freed writes succeed again without a
 * restart, with every acknowledged statement there. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "httpc.h"
#include "srv.h"
#include "test.h"
#include "xalloc.h"

TEST_MAIN_DEFS

#define BATCH	10
#define MAXACK	4000
#define PAD	3000	/* bytes of padding per statement */

static struct srv s = SRV_INIT;
static char acked[MAXACK][37];
static int nacked;
static char mnt[64];		/* the tmpfs, while mounted */

/* POST a batch of BATCH padded statements; the status (-1: no answer).
 * Acknowledged ids are added to acked. */
static int
post_batch(struct httpc_resp *r)
{
	static char pad[PAD + 1];
	char ids[BATCH][37];
	struct buf b = BUF_INIT;
	int i, status;

	if (pad[0] == '\0')
		memset(pad, 'p', PAD);
	buf_putc(&b, '[');
	for (i = 0; i < BATCH; i++)
		buf_printf(&b, "%s{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:"
		    "disk@example.com\"},\"verb\":{\"id\":\"http://example.com/"
		    "filled\"},\"object\":{\"id\":\"http://example.com/disk\"},"
		    "\"result\":{\"response\":\"%s\"}}", i ? "," : "",
		    httpc_uuid(ids[i]), pad);
	buf_putc(&b, ']');
	buf_add(&b, "", 0);
	memset(r, 0, sizeof(*r));
	status = httpc_xapi(s.port, "2.0.0", "POST", "/xapi/statements", NULL,
	    b.p, b.len, r) == 0 ? r->status : -1;
	buf_free(&b);
	for (i = 0; status == 200 && i < BATCH && nacked < MAXACK; i++)
		memcpy(acked[nacked++], ids[i], 37);
	return status;
}

/* How many acknowledged statements GET does not return. */
static int
missing(void)
{
	struct httpc_resp r;
	char path[128];
	int i, miss = 0;

	for (i = 0; i < nacked; i++) {
		snprintf(path, sizeof(path), "/xapi/statements?statementId=%s",
		    acked[i]);
		memset(&r, 0, sizeof(r));
		if (httpc_xapi(s.port, "2.0.0", "GET", path, NULL, NULL, 0,
		    &r) != 0 || r.status != 200)
			miss++;
		httpc_resp_free(&r);
	}
	return miss;
}

static int
message_has(struct httpc_resp *r, const char *want)
{
	const char *m = json_get_str(httpc_json(r), "message");

	return httpc_error_body(r) && m && strstr(m, want) != NULL;
}

/* Nonzero when the server's log has a line holding want (within 2 s:
 * the server logs a request after it has answered it). */
static int
logged(const char *want)
{
	char line[4096];
	FILE *f;
	int found = 0, tries;

	for (tries = 0; tries < 40 && !found; tries++) {
		if (tries)
			usleep(50 * 1000);
		if ((f = fopen(s.log, "r")) == NULL)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, want) != NULL;
		fclose(f);
	}
	return found;
}

static off_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* A server whose map begins at 1 MiB takes 4 MiB and more. */
static void
test_growth(void)
{
	struct httpc_resp r;
	char path[400];
	int i, fails = 0;

	nacked = 0;
	if (srv_start(&s, "--map-size 1M --map-max 64M") != 0) {
		ok(0, "server starts with a 1 MiB map");
		srv_stop(&s, 1);
		return;
	}
	for (i = 0; i < 160; i++) {
		if (post_batch(&r) != 200) {
			if (fails++ == 0)
				fprintf(stderr, "POST: %d %s\n", r.status, r.body);
		}
		httpc_resp_free(&r);
	}
	ok(fails == 0, "1600 statements of 3 KB stored from a 1 MiB map (%d "
	    "batches failed)", fails);
	snprintf(path, sizeof(path), "%s/data.mdb", s.data);
	ok(file_size(path) > 4 << 20, "the data outgrew the first map (%lld "
	    "bytes)", (long long)file_size(path));
	ok(missing() == 0, "every acknowledged statement reads back");
	ok(srv_restart(&s) == 0, "restart on the grown store");
	ok(post_batch(&r) == 200, "it takes more after the restart (%d)",
	    r.status);
	httpc_resp_free(&r);
	ok(missing() == 0, "and still has everything");
	ok(srv_stop(&s, 1) == 0, "server stops cleanly");
}

static void
unmount(void)
{
	if (mnt[0] == '\0')
		return;
	if (umount2(mnt, MNT_DETACH) != 0)
		fprintf(stderr, "umount %s: %s\n", mnt, strerror(errno));
	rmdir(mnt);
	mnt[0] = '\0';
}

/* A ballast file of n bytes at path, to take room on the tmpfs. */
static int
ballast(const char *path, size_t n)
{
	char block[65536];
	size_t done = 0;
	int fd;

	memset(block, 'b', sizeof(block));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return -1;
	while (done < n && write(fd, block, sizeof(block)) == (ssize_t)sizeof(block))
		done += sizeof(block);
	close(fd);
	return done >= n ? 0 : -1;
}

/* On an 8 MiB tmpfs mostly taken by a ballast file: write until the disk
 * is full, see what the server says, free the ballast, write on. */
static void
test_disk_full(const char *args, const char *what)
{
	struct httpc_resp r;
	char ball[128], state[300];
	int i, status = 200, full = 0;

	snprintf(mnt, sizeof(mnt), "/tmp/lrsd-tmpfs.XXXXXX");
	if (mkdtemp(mnt) == NULL) {
		mnt[0] = '\0';
		ok(0, "mkdtemp");
		return;
	}
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=8m") != 0) {
		printf("SKIP disk-full test (%s): cannot mount a tmpfs: %s\n",
		    what, strerror(errno));
		rmdir(mnt);
		mnt[0] = '\0';
		return;
	}
	nacked = 0;
	snprintf(ball, sizeof(ball), "%s/ballast", mnt);
	ok(ballast(ball, 5 << 20) == 0, "5 MiB of ballast on the 8 MiB tmpfs");
	/* The data directory on the tmpfs, the log beside the test's. */
	snprintf(s.tmp, sizeof(s.tmp), "/tmp/lrsd-test.XXXXXX");
	if (mkdtemp(s.tmp) == NULL) {
		ok(0, "mkdtemp");
		goto out;
	}
	snprintf(s.data, sizeof(s.data), "%s/data", mnt);
	snprintf(s.log, sizeof(s.log), "%s/lrsd.log", s.tmp);
	if (srv_start(&s, args) != 0) {
		ok(0, "server starts on the tmpfs (%s)", what);
		goto out;
	}
	for (i = 0; i < 400 && (status = post_batch(&r)) == 200; i++)
		httpc_resp_free(&r);
	ok(status == 507, "%s: a full disk answers 507 after %d statements "
	    "(%d %s)", what, nacked, status, r.body);
	ok(message_has(&r, "disk is full"), "with a JSON error saying the "
	    "disk is full: %s", r.body);
	httpc_resp_free(&r);
	ok(logged("disk is full"), "and a server log line naming it");
	snprintf(state, sizeof(state), "/xapi/activities/state?activityId="
	    "http%%3A%%2F%%2Fexample.com%%2Fdisk&agent=%%7B%%22mbox%%22%%3A"
	    "%%22mailto%%3Adisk%%40example.com%%22%%7D&stateId=big");
	for (i = 0; i < 8 && !full; i++) {
		static char doc[256 << 10];

		memset(doc, 'd', sizeof(doc) - 1);
		memset(&r, 0, sizeof(r));
		full = httpc_xapi(s.port, "2.0.0", "PUT", state,
		    "Content-Type: text/plain\r\n", doc, sizeof(doc) - 1,
		    &r) == 0 && r.status == 507 && message_has(&r, "disk is full");
		httpc_resp_free(&r);
	}
	ok(full, "documents get the same 507");
	ok(missing() == 0, "reads answer 200 while the disk is full "
	    "(%d statements)", nacked);
	memset(&r, 0, sizeof(r));
	ok(httpc_xapi(s.port, "2.0.0", "GET", "/xapi/statements?limit=5",
	    NULL, NULL, 0, &r) == 0 && r.status == 200, "queries too (%d)",
	    r.status);
	httpc_resp_free(&r);

	ok(unlink(ball) == 0, "free the ballast");
	for (i = 0; i < 20; i++) {
		status = post_batch(&r);
		httpc_resp_free(&r);
		if (status != 200)
			break;
	}
	ok(status == 200, "writes succeed again without a restart (%d)",
	    status);
	ok(missing() == 0, "every acknowledged statement is there (%d)",
	    nacked);
	ok(srv_stop(&s, 0) == 0, "server stops cleanly");
out:
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", s.tmp);
		if (s.tmp[0] && system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", s.tmp);
	}
	memset(&s, 0, sizeof(s));
	unmount();
}

int
main(void)
{
	atexit(unmount);
	test_growth();
	if (geteuid() != 0) {
		printf("SKIP disk-full tests: they mount a tmpfs, which needs "
		    "root (running as uid %d)\n", (int)geteuid());
		return test_done();
	}
	/* The map larger than the disk: LMDB's writes meet ENOSPC. */
	test_disk_full("--map-size 64M", "writes meet ENOSPC");
	/* The map small: it cannot grow past what the disk holds. */
	test_disk_full("--map-size 1M --map-max 64M", "the map cannot grow");
	return test_done();
}
