/* fault: the failures a test build injects (see lrs/fault.h and
 * tests/fault_ctl.h).  One rule at a time: site fails with code after
 * skip passing calls, count times (-1: for ever).  lrsd-faults reads its
 * rule from LRSD_FAULT="site,skip,count,code" at its first check. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "fault_ctl.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char	rule_site[64];
static long	rule_skip, rule_count;
static int	rule_code, loaded, hits;

void
fault_set(const char *site, long skip, long count, int code)
{
	pthread_mutex_lock(&mu);
	snprintf(rule_site, sizeof(rule_site), "%s", site ? site : "");
	rule_skip = skip;
	rule_count = count;
	rule_code = code;
	loaded = 1;
	hits = 0;
	pthread_mutex_unlock(&mu);
}

int
fault_hits(void)
{
	int n;

	pthread_mutex_lock(&mu);
	n = hits;
	pthread_mutex_unlock(&mu);
	return n;
}

/* The rule of LRSD_FAULT, once. */
static void
load(void)
{
	const char *v = getenv("LRSD_FAULT");
	char site[64];
	long skip, count;
	int code;

	loaded = 1;
	if (v && sscanf(v, "%63[^,],%ld,%ld,%d", site, &skip, &count,
	    &code) == 4) {
		snprintf(rule_site, sizeof(rule_site), "%s", site);
		rule_skip = skip;
		rule_count = count;
		rule_code = code;
	}
}

int
fault_hit(const char *site)
{
	int code = 0;

	pthread_mutex_lock(&mu);
	if (!loaded)
		load();
	if (rule_site[0] && strcmp(site, rule_site) == 0) {
		if (rule_skip > 0)
			rule_skip--;
		else if (rule_count != 0) {
			if (rule_count > 0)
				rule_count--;
			code = rule_code;
			hits++;
		}
	}
	pthread_mutex_unlock(&mu);
	return code;
}
