/* accesslog: access-log lines (accesslog.h). */
#include "accesslog.h"
#include "iso8601.h"
#include "json.h"

#include <stdio.h>
#include <string.h>

/* Query parameters whose values are ids, times or switches: no person,
 * no secret.  Every other value is masked. */
static const char *const plain_params[] = {
	"statementId", "voidedStatementId", "verb", "activity",
	"registration", "related_activities", "related_agents", "since",
	"until", "limit", "format", "attachments", "ascending", "activityId",
	"stateId", "profileId", "method", "cursor", NULL
};

int
accesslog_format_parse(const char *name, enum accesslog_format *out)
{
	if (strcmp(name, "plain") == 0)
		*out = ACCESSLOG_PLAIN;
	else if (strcmp(name, "json") == 0)
		*out = ACCESSLOG_JSON;
	else
		return -1;
	return 0;
}

static int
is_plain_param(const char *name, size_t n)
{
	size_t i;

	for (i = 0; plain_params[i]; i++)
		if (strlen(plain_params[i]) == n &&
		    memcmp(plain_params[i], name, n) == 0)
			return 1;
	return 0;
}

void
accesslog_target(const char *target, struct buf *out)
{
	const char *q = strchr(target, '?'), *p, *end, *eq;

	if (q == NULL) {
		buf_puts(out, target);
		return;
	}
	buf_add(out, target, (size_t)(q - target) + 1);
	for (p = q + 1; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || is_plain_param(p, (size_t)(eq - p)))
			buf_add(out, p, (size_t)(end - p));
		else {
			buf_add(out, p, (size_t)(eq - p));
			buf_puts(out, "=*");
		}
		if (*end)
			buf_putc(out, '&');
	}
}

/* s for a plain line: "-" when NULL; quote, backslash, blanks, control
 * and non-ASCII bytes as \xHH, so a line splits at its blanks. */
static void
plain_str(const char *s, struct buf *out)
{
	const unsigned char *p;

	if (s == NULL || *s == '\0') {
		buf_putc(out, '-');
		return;
	}
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			buf_printf(out, "\\x%02x", *p);
		else
			buf_putc(out, *p);
}

static void
json_member(const char *name, const char *s, struct buf *out)
{
	buf_printf(out, ",\"%s\":", name);
	if (s == NULL || *s == '\0')
		buf_puts(out, "null");
	else
		json_dump_str(s, strlen(s), out);
}

void
accesslog_line(const struct accesslog_entry *e, enum accesslog_format f,
    struct buf *out)
{
	struct buf target = BUF_INIT;
	char stamp[32];

	accesslog_target(e->target ? e->target : "", &target);
	buf_putc(&target, '\0');
	iso8601_format(e->time_us, stamp);
	if (f == ACCESSLOG_JSON) {
		buf_printf(out, "{\"time\":\"%s\"", stamp);
		json_member("id", e->id, out);
		json_member("peer", e->peer, out);
		json_member("credential", e->cred, out);
		json_member("method", e->method, out);
		json_member("target", target.p, out);
		buf_printf(out, ",\"status\":%d,\"bytes\":%zu,\"ms\":%.3f}",
		    e->status, e->bytes, (double)e->usec / 1000);
	} else {
		buf_printf(out, "%s access ", stamp);
		plain_str(e->id, out);
		buf_putc(out, ' ');
		plain_str(e->peer, out);
		buf_putc(out, ' ');
		plain_str(e->cred, out);
		buf_puts(out, " \"");
		plain_str(e->method, out);
		buf_putc(out, ' ');
		plain_str(target.p, out);
		buf_printf(out, "\" %d %zu %.3f", e->status, e->bytes,
		    (double)e->usec / 1000);
	}
	buf_free(&target);
}
