/* The bench (tools/bench.c) at a tiny size against the real server: every
 * statement of its generator's stream (Groups, account IFIs, attachments
 * sent as multipart, voiding, StatementRefs) is accepted, every query
 * finds statements, every scenario prints its line and none fails (exit
 * 0); a kept preload is reused and a preload of another size refused.
 * Needs build/bench beside build/tests (BENCH overrides) and LRSD. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "test.h"

TEST_MAIN_DEFS

#define SMALL	"--statements 2000 --seconds 0.2 --runs 1 --threads 1"

static const char *names[] = {
	"post-1x16", "post-1x64", "post-100", "preload", "disk:",
	"get-agent ", "get-verb", "get-activity", "get-registration",
	"get-since", "get-until", "get-related-act", "get-related-agents",
	"get-agent-verb", "get-id", "get-page1", "paging:", "get-deep",
	"state", "activity-profile", "agent-profile", "memory at the end",
};

/* Run the bench with args; its output into out, its exit status back. */
static int
bench(const char *bin, const char *lrsd, const char *args, struct buf *out)
{
	char cmd[1024], chunk[4096];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s %s 2>&1", bin, lrsd, args);
	buf_reset(out);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(out, chunk, n);
	buf_putc(out, '\0');
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
main(int argc, char **argv)
{
	struct buf out = BUF_INIT;
	const char *lrsd = getenv("LRSD"), *bin = getenv("BENCH");
	char path[512], keep[] = "/tmp/http_bench.XXXXXX", args[600];
	char *slash;
	size_t i;
	int rc;

	if (lrsd == NULL)
		lrsd = "bin/lrsd";
	if (bin == NULL) {
		/* build/tests/http_bench -> build/bench */
		snprintf(path, sizeof(path), "%s", argv[0]);
		slash = strrchr(path, '/');
		if (slash != NULL)
			*slash = '\0';
		slash = strrchr(path, '/');
		snprintf(slash ? slash + 1 : path, sizeof(path) -
		    (size_t)(slash ? slash + 1 - path : 0), "bench");
		bin = path;
	}
	ok(argc >= 1 && access(bin, X_OK) == 0, "%s is there", bin);

	rc = bench(bin, lrsd, SMALL, &out);
	ok(rc == 0, "a tiny bench exits 0, got %d:\n%s", rc, out.p);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ok(strstr(out.p, names[i]) != NULL, "the bench prints %s",
		    names[i]);
	ok(strstr(out.p, "errors:") == NULL, "no request failed");

	ok(mkdtemp(keep) != NULL, "mkdtemp");
	snprintf(args, sizeof(args), "%s --no-empty --only get-id --keep %s",
	    SMALL, keep);
	rc = bench(bin, lrsd, args, &out);
	ok(rc == 0 && strstr(out.p, "preload ") != NULL,
	    "the first run with --keep preloads (%d):\n%s", rc, out.p);
	rc = bench(bin, lrsd, args, &out);
	ok(rc == 0 && strstr(out.p, "kept in") != NULL &&
	    strstr(out.p, "preload ") == NULL,
	    "the second reuses the preload (%d):\n%s", rc, out.p);
	snprintf(args, sizeof(args), "--statements 3000 --only get-id "
	    "--keep %s", keep);
	rc = bench(bin, lrsd, args, &out);
	ok(rc == 2 && strstr(out.p, "remove it") != NULL,
	    "a preload of another size is refused (%d):\n%s", rc, out.p);
	snprintf(args, sizeof(args), "rm -rf '%s'", keep);
	ok(system(args) == 0, "rm -rf %s", keep);
	buf_free(&out);
	return test_done();
}
