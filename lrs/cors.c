/* cors: which web origins may read lrsd's replies (CORS). */
#include "cors.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cors {
	int	  any;
	char	**origins;
	size_t	  n;
};

/* "scheme://host[:port]": a scheme, a host, nothing after but a port. */
static int
origin_valid(const char *s)
{
	const char *host = strstr(s, "://"), *p;

	if (host == NULL || host == s || strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") != (size_t)(host - s))
		return 0;
	host += 3;
	if (*host == '\0' || *host == ':')
		return 0;
	for (p = host; *p && *p != ':'; p++)
		if (*p == '/' || *p == '?' || *p == '#' || *p == '@' ||
		    (unsigned char)*p <= ' ')
			return 0;
	return *p == '\0' || (p[1] && strspn(p + 1, "0123456789") == strlen(p + 1));
}

int
cors_parse(const char *list, cors **out, char *err, size_t errlen)
{
	cors *c = xcalloc(1, sizeof(*c));
	char *copy = xstrdup(list), *item, *save = NULL, *e;

	for (item = strtok_r(copy, ",", &save); item;
	    item = strtok_r(NULL, ",", &save)) {
		item += strspn(item, " \t");
		for (e = item + strlen(item); e > item && (e[-1] == ' ' || e[-1] == '\t'); )
			*--e = '\0';
		if (strcmp(item, "*") == 0) {
			c->any = 1;
			continue;
		}
		if (!origin_valid(item)) {
			snprintf(err, errlen, "'%s' is not an origin (scheme://host[:port]) or *", item);
			free(copy);
			cors_free(c);
			return -1;
		}
		c->origins = xrealloc(c->origins, (c->n + 1) * sizeof(*c->origins));
		c->origins[c->n++] = xstrdup(item);
	}
	free(copy);
	if (!c->any && c->n == 0) {
		snprintf(err, errlen, "an empty list of origins (use * for any)");
		cors_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void
cors_free(cors *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free(c->origins[i]);
	free(c->origins);
	free(c);
}

const char *
cors_allow(const cors *c, const char *origin)
{
	size_t i;

	if (origin == NULL || *origin == '\0')
		return c->any ? "*" : NULL;
	/* Echoed into a header: never a line break. */
	if (strpbrk(origin, "\r\n"))
		return NULL;
	if (c->any)
		return origin;
	for (i = 0; i < c->n; i++)
		if (strcasecmp(c->origins[i], origin) == 0)
			return origin;
	return NULL;
}
