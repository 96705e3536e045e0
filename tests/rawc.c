/* rawc: raw TCP connections to the server under test. */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rawc.h"

int
rawc_connect(const char *src, int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	if (src != NULL && (inet_pton(AF_INET, src, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0))
		goto fail;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
fail:
	close(fd);
	return -1;
}

int
rawc_send(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
rawc_read(int fd, int timeout_ms, struct buf *out)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char chunk[16384];
	ssize_t n;
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return 0;
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n == 0)
			return 1;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf_add(out, chunk, (size_t)n);
	}
}

int
rawc_read_response(int fd, int timeout_ms, struct buf *out)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char chunk[16384];
	ssize_t n;
	int rc;

	while (rawc_responses(out->p) == 0) {
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return 0;
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf_add(out, chunk, (size_t)n);
	}
	return 1;
}

int
rawc_exchange(int port, const void *p, size_t n, int timeout_ms,
    struct buf *out)
{
	int fd = rawc_connect(NULL, port), rc;

	buf_reset(out);
	buf_grow(out, 0);
	if (fd < 0)
		return -1;
	rc = rawc_send(fd, p, n) == 0 ? rawc_read(fd, timeout_ms, out) : -1;
	close(fd);
	return rc;
}

int
rawc_status(const char *text)
{
	if (text == NULL || strncmp(text, "HTTP/1.1 ", 9) != 0)
		return -1;
	return atoi(text + 9);
}

int
rawc_responses(const char *text)
{
	const char *p = text, *end, *cl, *stop;
	unsigned long len;
	int n = 0;

	if (text == NULL)
		return 0;
	stop = text + strlen(text);
	/* Each: a status line, a head, and Content-Length bytes of body. */
	while (strncmp(p, "HTTP/1.1 ", 9) == 0 &&
	    (end = strstr(p, "\r\n\r\n")) != NULL) {
		n++;
		cl = strstr(p, "\r\nContent-Length: ");
		p = end + 4;
		len = cl && cl < end ? strtoul(cl + 18, NULL, 10) : 0;
		if (len > (unsigned long)(stop - p))
			break;
		p += len;
	}
	return n;
}

long
rawc_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 256;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return (long)rl.rlim_cur;
}
