/* srv: start and stop the server under test. */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpc.h"
#include "srv.h"

#define MAX_ARGS	32

/* A port nobody listens on right now: bind port 0 and ask which it got.
 * Another process could take it before the server binds it; srv_start
 * retries with a new port when the server dies early. */
static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int fd, port = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &salen) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Fork and exec the server; its stdout and stderr go to the log. */
static pid_t
spawn(struct srv *s)
{
	char *argv[MAX_ARGS + 10], listen[64], extra[sizeof(s->extra)];
	char *word, *save = NULL;
	const char *lrsd;
	pid_t parent = getpid(), pid;
	int argc = 0, fd;

	lrsd = getenv("LRSD");
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", s->port);
	argv[argc++] = (char *)lrsd;
	argv[argc++] = "serve";
	argv[argc++] = "--listen";
	argv[argc++] = listen;
	argv[argc++] = "--data";
	argv[argc++] = s->data;
	argv[argc++] = "--admin";
	argv[argc++] = SRV_USER ":" SRV_SECRET;
	snprintf(extra, sizeof(extra), "%s", s->extra);
	for (word = strtok_r(extra, " \t", &save); word != NULL &&
	    argc < MAX_ARGS; word = strtok_r(NULL, " \t", &save))
		argv[argc++] = word;
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid != 0)
		return pid;
	/* The child: never outlive the test. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	execv(lrsd, argv);
	fprintf(stderr, "srv: exec %s: %s\n", lrsd, strerror(errno));
	_exit(127);
}

/* Wait until GET /xapi/about answers 200.  1 when it does, 0 when the
 * server exited (s->pid is then 0), -1 on timeout. */
static int
wait_ready(struct srv *s)
{
	struct httpc_resp r;
	int i, st, ready;

	for (i = 0; i < SRV_START_TIMEOUT * 20; i++) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			return 0;
		}
		ready = httpc_request("127.0.0.1", s->port, "GET",
		    "/xapi/about", "X-Experience-API-Version: 1.0.3\r\n",
		    NULL, 0, &r) == HTTPC_OK && r.status == 200;
		httpc_resp_free(&r);
		if (ready)
			return 1;
		sleep_ms(50);
	}
	return -1;
}

int
srv_start(struct srv *s, const char *extra_args)
{
	const char *lrsd = getenv("LRSD");
	int attempt, rc;

	if (lrsd == NULL || *lrsd == '\0') {
		fprintf(stderr, "srv: LRSD is not set\n");
		return -1;
	}
	if (access(lrsd, X_OK) != 0) {
		fprintf(stderr, "srv: %s: %s\n", lrsd, strerror(errno));
		return -1;
	}
	if (extra_args != NULL)
		snprintf(s->extra, sizeof(s->extra), "%s", extra_args);
	if (s->data[0] == '\0') {
		snprintf(s->tmp, sizeof(s->tmp), "/tmp/lrsd-test.XXXXXX");
		if (mkdtemp(s->tmp) == NULL) {
			fprintf(stderr, "srv: mkdtemp: %s\n", strerror(errno));
			return -1;
		}
		snprintf(s->data, sizeof(s->data), "%s/data", s->tmp);
		snprintf(s->log, sizeof(s->log), "%s/lrsd.log", s->tmp);
		if (mkdir(s->data, 0700) != 0) {
			fprintf(stderr, "srv: mkdir %s: %s\n", s->data,
			    strerror(errno));
			return -1;
		}
	}
	for (attempt = 0; attempt < 3; attempt++) {
		s->port = free_port();
		if (s->port < 0) {
			fprintf(stderr, "srv: no free port\n");
			return -1;
		}
		s->pid = spawn(s);
		if (s->pid < 0) {
			fprintf(stderr, "srv: fork: %s\n", strerror(errno));
			s->pid = 0;
			return -1;
		}
		rc = wait_ready(s);
		if (rc == 1)
			return 0;
		if (rc < 0) {
			fprintf(stderr, "srv: %s did not answer /xapi/about "
			    "within %d s\n", lrsd, SRV_START_TIMEOUT);
			srv_dump_log(s);
			srv_stop(s, 0);
			return -1;
		}
		/* It exited: perhaps someone took the port; try another. */
	}
	fprintf(stderr, "srv: %s exited at start\n", lrsd);
	srv_dump_log(s);
	return -1;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

int
srv_stop(struct srv *s, int remove)
{
	int i, st = 0, rc = -1;
	pid_t w;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (i = 0; i < 200; i++) {
			w = waitpid(s->pid, &st, WNOHANG);
			if (w == s->pid || (w < 0 && errno != EINTR))
				break;
			sleep_ms(25);
		}
		if (i == 200) {
			fprintf(stderr, "srv: server ignored SIGTERM; "
			    "killing it\n");
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &st, 0);
		} else if (w == s->pid && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			rc = 0;
		else if (w == s->pid)
			fprintf(stderr, "srv: server ended with %s %d\n",
			    WIFEXITED(st) ? "exit status" : "signal",
			    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		s->pid = 0;
	}
	if (remove) {
		if (s->tmp[0] != '\0')
			nftw(s->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		memset(s, 0, sizeof(*s));
	}
	return rc;
}

int
srv_restart(struct srv *s)
{
	int rc;

	rc = srv_stop(s, 0);
	if (srv_start(s, NULL) != 0)
		return -1;
	return rc;
}

void
srv_dump_log(const struct srv *s)
{
	char line[1024];
	FILE *f;

	if (s->log[0] == '\0' || (f = fopen(s->log, "r")) == NULL)
		return;
	fprintf(stderr, "---- %s ----\n", s->log);
	while (fgets(line, sizeof(line), f) != NULL)
		fputs(line, stderr);
	fprintf(stderr, "---- end of log ----\n");
	fclose(f);
}

int
srv_promtool_ok(const struct srv *s, const char *text, size_t len)
{
	char path[400], cmd[600];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/metrics.txt", s->tmp);
	if ((f = fopen(path, "w")) == NULL)
		return 0;
	rc = fwrite(text, 1, len, f) == len;
	if (fclose(f) != 0 || !rc)
		return 0;
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	return system(cmd) == 0;
}
