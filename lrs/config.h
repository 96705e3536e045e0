/* config: the settings of lrsd, from flags and environment.
 *
 * Each setting has a default (config_defaults), an environment variable
 * and a flag; the flag wins over the variable.  A bad value names itself
 * in err.
 */
#ifndef LRS_CONFIG_H
#define LRS_CONFIG_H

#include <stddef.h>

struct config {
	char	listen[128];		/* --listen / LRSD_LISTEN: host:port */
	char	data[512];		/* --data / LRSD_DATA: LMDB directory */
	size_t	map_size;		/* --map-size / LRSD_MAP_SIZE: bytes */
	size_t	map_max;		/* --map-max / LRSD_MAP_MAX: bytes */
	size_t	max_body;		/* --max-body / LRSD_MAX_BODY: bytes */
	size_t	max_doc;		/* --max-doc / LRSD_MAX_DOC: bytes */
	int	threads;		/* --threads / LRSD_THREADS */
	int	index_lag;		/* --index-lag / LRSD_INDEX_LAG */
	int	page_size;		/* --page-size / LRSD_PAGE_SIZE */
	char	admin[256];		/* --admin / LRSD_ADMIN: KEY:SECRET */
	char	authority_home[256];	/* --authority-home / LRSD_AUTHORITY_HOME */
	int	verbose;		/* --verbose / LRSD_VERBOSE */
	char	simulated_clock[64];	/* --simulated-clock / LRSD_SIMULATED_CLOCK */
	int	no_tiering;		/* --no-tiering / LRSD_NO_TIERING */
	/* Connections and clients (server.c, httpd.h). */
	int	max_conns;		/* --max-connections */
	int	max_per_addr;		/* --max-per-address; 0: no cap */
	int	header_ms;		/* --header-timeout-ms */
	int	body_ms;		/* --body-timeout-ms */
	int	idle_ms;		/* --idle-timeout-ms */
	int	write_ms;		/* --write-timeout-ms */
	int	auth_fail_limit;	/* --auth-fail-limit; 0: no limit */
	int	auth_fail_window;	/* --auth-fail-window: seconds */
	char	cors_origins[1024];	/* --cors-origins: "*" or a list */
	char	trusted_proxies[512];	/* --trusted-proxies: networks */
	/* Operating (probe.h, README "Operating lrsd"). */
	int	ready_max_lag;		/* --ready-max-lag: seconds */
	size_t	ready_min_free;		/* --ready-min-free: bytes */
	int	ready_writer_stall;	/* --ready-writer-stall: seconds */
	int	access_log;		/* --access-log: a line per request */
	char	log_format[16];		/* --log-format: plain or json */
	char	metrics_allow[512];	/* --metrics-allow: networks */
};

/* Fill c with the defaults. */
void	config_defaults(struct config *c);
/* Apply the environment (LRSD_*) to c.  -1 with err on a bad value. */
int	config_env(struct config *c, char *err, size_t errlen);
/* Apply one flag (name without the leading "--", value may be NULL for
 * switches).  Returns 1 when it used the value, 0 when not, -1 on error
 * (unknown flag or bad value, with err). */
int	config_flag(struct config *c, const char *name, const char *value,
	    char *err, size_t errlen);
/* The text of --help for these settings. */
const char *config_usage(void);

#endif
