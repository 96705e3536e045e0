/* srv: start and stop the server under test (the lrsd binary named by the
 * environment variable LRSD) on a free loopback port, for HTTP tests.
 *
 *	struct srv s = SRV_INIT;
 *	if (srv_start(&s, NULL) != 0) { ...; return test_done(); }
 *	... httpc_xapi(s.port, ...) ...
 *	srv_stop(&s, 1);
 *
 * Each server gets a temporary directory /tmp/lrsd-test.XXXXXX holding its
 * data directory ("data") and the log of its stderr ("lrsd.log").  The
 * server is sent SIGTERM if the test process dies first.
 */
#ifndef LRS_SRV_H
#define LRS_SRV_H

#include <sys/types.h>

#define SRV_USER	"test"
#define SRV_SECRET	"testsecret1"
#define SRV_START_TIMEOUT 10	/* seconds to wait for /xapi/about */

struct srv {
	pid_t	pid;		/* 0 while stopped */
	int	port;
	char	tmp[256];	/* the temporary directory */
	char	data[300];	/* its data directory, passed as --data */
	char	log[300];	/* the server's stderr */
	char	extra[512];	/* extra arguments of the last srv_start */
};

#define SRV_INIT { 0, 0, "", "", "", "" }

/* Start LRSD serve --listen 127.0.0.1:PORT --data DIR --admin
 * test:testsecret1 plus extra_args (NULL, or words separated by blanks).
 * When s->data is empty a fresh temporary directory is made, else that
 * data directory is used again (a restart).  Returns 0 once GET /xapi/about
 * answers; -1 (after printing the reason and the server's log to stderr)
 * when LRSD is unset, the server exits, or it does not answer in time. */
int	srv_start(struct srv *s, const char *extra_args);

/* Stop the server: SIGTERM, then wait for it (SIGKILL after a few seconds).
 * Returns 0 when it exited with status 0 after the SIGTERM, -1 otherwise.
 * With remove nonzero the temporary directory is deleted and *s is reset
 * to SRV_INIT; else s keeps its directories for a restart. */
int	srv_stop(struct srv *s, int remove);

/* Stop the server and start it again on the same data directory and with
 * the same extra arguments (a new port may be chosen).  Returns 0 when it
 * stopped cleanly and answers again. */
int	srv_restart(struct srv *s);

/* Copy the server's log to stderr (to explain a failure). */
void	srv_dump_log(const struct srv *s);

/* Nonzero when `promtool check metrics` accepts text (len bytes), written
 * to a file in s's temporary directory first. */
int	srv_promtool_ok(const struct srv *s, const char *text, size_t len);

#endif
