/* config: one table of settings, read from flags and environment. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_STR, K_SIZE, K_INT, K_BOOL };

static const struct setting {
	const char	*flag;
	const char	*env;
	enum kind	 kind;
	size_t		 off;
	size_t		 size;		/* K_STR: buffer size */
	long long	 min, max;	/* K_SIZE, K_INT */
	const char	*help;
} settings[] = {
	{ "listen", "LRSD_LISTEN", K_STR, offsetof(struct config, listen),
	    sizeof(((struct config *)0)->listen), 0, 0,
	    "HOST:PORT to listen on (default 127.0.0.1:8080)" },
	{ "data", "LRSD_DATA", K_STR, offsetof(struct config, data),
	    sizeof(((struct config *)0)->data), 0, 0,
	    "directory of the LMDB store (default ./data)" },
	{ "map-size", "LRSD_MAP_SIZE", K_SIZE, offsetof(struct config, map_size),
	    0, 1 << 20, (long long)1 << 46,
	    "LMDB map size to begin with; only address space is reserved, the file grows with the data (suffix K/M/G/T; default 1T)" },
	{ "map-max", "LRSD_MAP_MAX", K_SIZE, offsetof(struct config, map_max),
	    0, 1 << 20, (long long)1 << 46,
	    "the most the LMDB map grows to by itself when full, within the free disk space (never below --map-size; default 16T)" },
	{ "max-body", "LRSD_MAX_BODY", K_SIZE, offsetof(struct config, max_body),
	    0, 1024, (long long)1 << 32,
	    "largest request body in bytes; larger gets 413 (default 64M)" },
	{ "max-doc", "LRSD_MAX_DOC", K_SIZE, offsetof(struct config, max_doc),
	    0, 1024, (long long)1 << 32,
	    "largest State/Profile document in bytes (default 16M)" },
	{ "index-lag", "LRSD_INDEX_LAG", K_INT, offsetof(struct config, index_lag),
	    0, 64, 1 << 24,
	    "statements whose index keys may wait in the ordered index log before they are merged into the index in bulk; more writes fewer pages per statement and holds about 100 bytes of memory per statement waiting (default 65536)" },
	{ "threads", "LRSD_THREADS", K_INT, offsetof(struct config, threads),
	    0, 1, 4096, "threads serving requests; connections waiting for their client hold none, and writes in flight at once make larger commit groups (default 64)" },
	{ "page-size", "LRSD_PAGE_SIZE", K_INT, offsetof(struct config, page_size),
	    0, 1, 100000, "most statements in one page of a query (default 500)" },
	{ "admin", "LRSD_ADMIN", K_STR, offsetof(struct config, admin),
	    sizeof(((struct config *)0)->admin), 0, 0,
	    "KEY:SECRET of the first admin credential, created on first start" },
	{ "authority-home", "LRSD_AUTHORITY_HOME", K_STR,
	    offsetof(struct config, authority_home),
	    sizeof(((struct config *)0)->authority_home), 0, 0,
	    "homePage of the authority account set on statements (default http://localhost/lrsd)" },
	{ "verbose", "LRSD_VERBOSE", K_BOOL, offsetof(struct config, verbose),
	    0, 0, 1, "log every request" },
	{ "simulated-clock", "LRSD_SIMULATED_CLOCK", K_STR,
	    offsetof(struct config, simulated_clock),
	    sizeof(((struct config *)0)->simulated_clock), 0, 0,
	    "run the tiering engine on a clock that starts at this ISO 8601 instant and moves only by POST /tiering/clock (tests, drills, demos)" },
	{ "no-tiering", "LRSD_NO_TIERING", K_BOOL, offsetof(struct config, no_tiering),
	    0, 0, 1, "do not run the tiering engine (it catches up when started again)" },
	{ "max-connections", "LRSD_MAX_CONNECTIONS", K_INT,
	    offsetof(struct config, max_conns), 0, 16, 1000000,
	    "connections open at once; at the cap the longest idle one is closed to make room, else 503 (default 10000, lowered to what the open-files limit allows)" },
	{ "max-per-address", "LRSD_MAX_PER_ADDRESS", K_INT,
	    offsetof(struct config, max_per_addr), 0, 0, 1000000,
	    "connections open at once from one client address (IPv6: one /64); more get 429; 0: no cap (default 256)" },
	{ "header-timeout-ms", "LRSD_HEADER_TIMEOUT_MS", K_INT,
	    offsetof(struct config, header_ms), 0, 100, 3600000,
	    "time to receive a request head, from the connection or its first byte; then 408 and close (default 10000)" },
	{ "body-timeout-ms", "LRSD_BODY_TIMEOUT_MS", K_INT,
	    offsetof(struct config, body_ms), 0, 100, 3600000,
	    "time to receive a request body once its head is in; then 408 and close (default 60000)" },
	{ "idle-timeout-ms", "LRSD_IDLE_TIMEOUT_MS", K_INT,
	    offsetof(struct config, idle_ms), 0, 100, 3600000,
	    "how long a keep-alive connection may wait for its next request (default 5000)" },
	{ "write-timeout-ms", "LRSD_WRITE_TIMEOUT_MS", K_INT,
	    offsetof(struct config, write_ms), 0, 100, 3600000,
	    "time to send a reply to a client that reads it slowly; then close (default 60000)" },
	{ "auth-fail-limit", "LRSD_AUTH_FAIL_LIMIT", K_INT,
	    offsetof(struct config, auth_fail_limit), 0, 0, 1000000,
	    "failed authentications one client address may make per --auth-fail-window before 429; 0: no limit (default 20)" },
	{ "auth-fail-window", "LRSD_AUTH_FAIL_WINDOW", K_INT,
	    offsetof(struct config, auth_fail_window), 0, 1, 86400,
	    "seconds in which --auth-fail-limit failures are allowed (default 60)" },
	{ "cors-origins", "LRSD_CORS_ORIGINS", K_STR,
	    offsetof(struct config, cors_origins),
	    sizeof(((struct config *)0)->cors_origins), 0, 0,
	    "web origins allowed to call the LRS from a browser: * (default) or a comma-separated list of scheme://host[:port]; others get 403" },
	{ "trusted-proxies", "LRSD_TRUSTED_PROXIES", K_STR,
	    offsetof(struct config, trusted_proxies),
	    sizeof(((struct config *)0)->trusted_proxies), 0, 0,
	    "addresses or networks (10.0.0.0/8, fd00::/8) of proxies in front; a request from one is counted against the last address of its X-Forwarded-For (default none)" },
	{ "ready-max-lag", "LRSD_READY_MAX_LAG", K_INT,
	    offsetof(struct config, ready_max_lag), 0, 1, 86400 * 365,
	    "GET /ready fails while the oldest statement the tiering engine has not applied waited longer, in seconds (default 300)" },
	{ "ready-min-free", "LRSD_READY_MIN_FREE", K_SIZE,
	    offsetof(struct config, ready_min_free), 0, 0, (long long)1 << 46,
	    "GET /ready fails when the free disk or the room left below --map-max is less (suffix K/M/G/T; default 256M)" },
	{ "ready-writer-stall", "LRSD_READY_WRITER_STALL", K_INT,
	    offsetof(struct config, ready_writer_stall), 0, 1, 86400,
	    "GET /ready fails while the writer has been on one commit longer, in seconds (default 30)" },
	{ "access-log", "LRSD_ACCESS_LOG", K_BOOL, offsetof(struct config, access_log),
	    0, 0, 1, "write one line per request on stderr: id, client, credential key, method, path (query values that may name a person masked), status, bytes, milliseconds" },
	{ "log-format", "LRSD_LOG_FORMAT", K_STR, offsetof(struct config, log_format),
	    sizeof(((struct config *)0)->log_format), 0, 0,
	    "format of access-log lines: plain (default) or json" },
	{ "metrics-allow", "LRSD_METRICS_ALLOW", K_STR,
	    offsetof(struct config, metrics_allow),
	    sizeof(((struct config *)0)->metrics_allow), 0, 0,
	    "addresses or networks that may read GET /metrics without a credential (others need one with scope all; default none)" },
};

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1:8080");
	snprintf(c->data, sizeof(c->data), "./data");
	c->map_size = (size_t)1 << 40;
	c->map_max = (size_t)1 << 44;
	c->max_body = (size_t)64 << 20;
	c->max_doc = (size_t)16 << 20;
	c->threads = 64;
	c->index_lag = 65536;	/* STORE_INDEX_LAG */
	c->page_size = 500;
	snprintf(c->authority_home, sizeof(c->authority_home),
	    "http://localhost/lrsd");
	c->max_conns = 10000;
	c->max_per_addr = 256;
	c->header_ms = 10000;
	c->body_ms = 60000;
	c->idle_ms = 5000;
	c->write_ms = 60000;
	c->auth_fail_limit = 20;
	c->auth_fail_window = 60;
	snprintf(c->cors_origins, sizeof(c->cors_origins), "*");
	c->ready_max_lag = 300;
	c->ready_min_free = (size_t)256 << 20;
	c->ready_writer_stall = 30;
	snprintf(c->log_format, sizeof(c->log_format), "plain");
}

static int
set(struct config *c, const struct setting *s, const char *value, char *err,
    size_t errlen)
{
	char *p = (char *)c + s->off, *end;
	long long v;
	int shift = 0;

	switch (s->kind) {
	case K_STR:
		if (value == NULL || strlen(value) >= s->size)
			goto bad;
		strcpy(p, value);
		return 0;
	case K_BOOL:
		*(int *)p = value == NULL || strcmp(value, "1") == 0 ||
		    strcmp(value, "true") == 0 || strcmp(value, "yes") == 0;
		return 0;
	case K_SIZE:
	case K_INT:
		if (value == NULL)
			goto bad;
		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno || end == value)
			goto bad;
		if (s->kind == K_SIZE && *end) {
			switch (*end++) {
			case 'k': case 'K': shift = 10; break;
			case 'm': case 'M': shift = 20; break;
			case 'g': case 'G': shift = 30; break;
			case 't': case 'T': shift = 40; break;
			default: goto bad;
			}
			/* 16777217T must not wrap around to 1T. */
			if (v < 0 || v > LLONG_MAX >> shift)
				goto bad;
			v <<= shift;
		}
		if (*end || v < s->min || v > s->max)
			goto bad;
		if (s->kind == K_SIZE)
			*(size_t *)p = (size_t)v;
		else
			*(int *)p = (int)v;
		return 0;
	}
bad:
	snprintf(err, errlen, "bad value for --%s (%s): '%s'", s->flag, s->env,
	    value ? value : "");
	return -1;
}

int
config_env(struct config *c, char *err, size_t errlen)
{
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if ((v = getenv(settings[i].env)) != NULL && *v &&
		    set(c, &settings[i], v, err, errlen) != 0)
			return -1;
	return 0;
}

int
config_flag(struct config *c, const char *name, const char *value, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (strcmp(settings[i].flag, name) != 0)
			continue;
		if (settings[i].kind == K_BOOL)
			return set(c, &settings[i], NULL, err, errlen);
		return set(c, &settings[i], value, err, errlen) ? -1 : 1;
	}
	snprintf(err, errlen, "unknown option --%s", name);
	return -1;
}

const char *
config_usage(void)
{
	static char text[8192];
	size_t i, n = 0;

	if (text[0])
		return text;
	/* Each line is cut rather than overrun the buffer. */
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]) &&
	    n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "  --%-16s %s\n  %-18s (env %s)\n", settings[i].flag,
		    settings[i].help, "", settings[i].env);
	return text;
}
