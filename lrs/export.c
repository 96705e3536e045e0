/* export: statements out of a store as NDJSON or CSV. */
#include "export.h"

#include "buf.h"
#include "json.h"
#include "stmtquery.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Statements read per read transaction. */
#define PAGE	1000

struct exporter {
	const struct export_opts *o;
	store			*s;
	store_read		*rd;
	struct buf		 line;
	struct export_result	*res;
	int			 failed;	/* EXPORT_* once one failed */
	char			*err;
	size_t			 errlen;
};

/* Append field (len bytes) RFC 4180-quoted when it must be. */
static void
csv_field(struct buf *b, const char *f, size_t len, int last)
{
	size_t i;

	if (f && strcspn(f, ",\"\r\n") < len) {
		buf_putc(b, '"');
		for (i = 0; i < len; i++) {
			if (f[i] == '"')
				buf_putc(b, '"');
			buf_putc(b, f[i]);
		}
		buf_putc(b, '"');
	} else if (f)
		buf_add(b, f, len);
	buf_puts(b, last ? "\r\n" : ",");
}

/* A scalar member as CSV text: strings, numbers and booleans. */
static void
csv_value(struct buf *b, const json *v)
{
	if (v == NULL)
		csv_field(b, NULL, 0, 0);
	else if (v->type == JSON_STRING || v->type == JSON_NUMBER)
		csv_field(b, v->str, v->len, 0);
	else if (v->type == JSON_TRUE || v->type == JSON_FALSE)
		csv_field(b, v->type == JSON_TRUE ? "true" : "false",
		    v->type == JSON_TRUE ? 4 : 5, 0);
	else
		csv_field(b, NULL, 0, 0);
}

/* A language map's en-US entry, else its first. */
static const json *
lang_pick(const json *map)
{
	const json *v;

	if (map == NULL || map->type != JSON_OBJECT || map->n == 0)
		return NULL;
	if ((v = json_get(map, "en-US")) != NULL)
		return v;
	return map->vals[0];
}

/* The actor's identifier as one string: mbox, "sha1:" mbox_sha1sum,
 * openid, or an account's homePage "#" name. */
static void
csv_actor(struct buf *b, const json *actor)
{
	const json *acct = json_get(actor, "account");
	struct buf t = BUF_INIT;
	const char *v;

	if ((v = json_get_str(actor, "mbox")) != NULL)
		buf_puts(&t, v);
	else if ((v = json_get_str(actor, "mbox_sha1sum")) != NULL)
		buf_printf(&t, "sha1:%s", v);
	else if ((v = json_get_str(actor, "openid")) != NULL)
		buf_puts(&t, v);
	else if (acct)
		buf_printf(&t, "%s#%s", json_get_str(acct, "homePage") ?
		    json_get_str(acct, "homePage") : "",
		    json_get_str(acct, "name") ? json_get_str(acct, "name") : "");
	csv_field(b, t.p, t.len, 0);
	buf_free(&t);
}

/* One statement as a CSV line into b; voided says whether it is. */
static int
csv_line(struct buf *b, const char *text, size_t len, int voided)
{
	const json *obj, *res, *score, *ctx;
	json *st = NULL;

	if (json_parse(text, len, 72, &st, NULL, 0) != 0)
		return -1;
	obj = json_get(st, "object");
	res = json_get(st, "result");
	score = json_get(res, "score");
	ctx = json_get(st, "context");
	csv_value(b, json_get(st, "id"));
	csv_value(b, json_get(st, "stored"));
	csv_value(b, json_get(st, "timestamp"));
	csv_value(b, json_get(st, "version"));
	csv_actor(b, json_get(st, "actor"));
	csv_value(b, json_get(json_get(st, "actor"), "name"));
	csv_value(b, json_get(json_get(st, "verb"), "id"));
	csv_value(b, lang_pick(json_get(json_get(st, "verb"), "display")));
	csv_value(b, json_get(obj, "objectType") ? json_get(obj, "objectType") :
	    NULL);
	csv_value(b, json_get(obj, "id"));
	csv_value(b, lang_pick(json_get(json_get(obj, "definition"), "name")));
	csv_value(b, json_get(res, "success"));
	csv_value(b, json_get(res, "completion"));
	csv_value(b, json_get(score, "scaled"));
	csv_value(b, json_get(score, "raw"));
	csv_value(b, json_get(res, "duration"));
	csv_value(b, json_get(ctx, "registration"));
	csv_field(b, voided ? "true" : "false", voided ? 4 : 5, 0);
	csv_field(b, text, len, 1);
	json_free(st);
	return 0;
}

/* Write data (len bytes) to dir/name unless that file exists. */
static int
write_payload(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	ssize_t n;
	int fd;

	if (strchr(name, '/') || name[0] == '.' ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -1;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		return errno == EEXIST ? 1 : -1;
	n = write(fd, data, len);
	if (close(fd) != 0 || n < 0 || (size_t)n != len) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* The payloads of the statement's attachments into the payload dir. */
static void
save_payloads(struct exporter *x, const char *text, size_t len)
{
	const json *atts, *sha;
	const void *data;
	json *st = NULL;
	size_t i, n;
	int rc;

	if (memmem(text, len, "\"attachments\"", 13) == NULL ||
	    json_parse(text, len, 72, &st, NULL, 0) != 0)
		goto out;
	atts = json_get(st, "attachments");
	for (i = 0; atts && atts->type == JSON_ARRAY && i < atts->n; i++) {
		sha = json_get(atts->vals[i], "sha2");
		if (sha == NULL || sha->type != JSON_STRING ||
		    store_blob_get(x->rd, sha->str, &data, &n) != STORE_OK)
			continue;
		if ((rc = write_payload(x->o->attachments, sha->str, data,
		    n)) < 0) {
			snprintf(x->err, x->errlen, "cannot write payload %s/%s: %s",
			    x->o->attachments, sha->str, strerror(errno));
			x->failed = EXPORT_EOUTPUT;
		} else if (rc == 0)
			x->res->payloads++;
	}
out:
	json_free(st);
}

/* Whether statement seq is voided (for the CSV column). */
static int
is_voided(struct exporter *x, uint64_t seq)
{
	struct store_entry e;

	if (store_entry_at(store_read_txn(x->rd), x->s, seq, &e) != STORE_OK)
		return 0;
	return e.voided_by != 0;
}

static void
visit(void *arg, uint64_t seq, const char *text, size_t len)
{
	struct exporter *x = arg;

	if (x->failed)
		return;
	buf_reset(&x->line);
	if (x->o->format == EXPORT_NDJSON) {
		buf_add(&x->line, text, len);
		buf_putc(&x->line, '\n');
	} else if (csv_line(&x->line, text, len, is_voided(x, seq)) != 0) {
		snprintf(x->err, x->errlen, "statement number %llu cannot be read",
		    (unsigned long long)seq);
		x->failed = EXPORT_ESTORE;
		return;
	}
	if (fwrite(x->line.p, 1, x->line.len, x->o->out) != x->line.len) {
		snprintf(x->err, x->errlen, "cannot write the output: %s",
		    strerror(errno));
		x->failed = EXPORT_EOUTPUT;
		return;
	}
	x->res->statements++;
	if (x->o->attachments)
		save_payloads(x, text, len);
}

/* The query o's filters make; the export's own defaults. */
static int
make_query(const struct export_opts *o, struct store_query *q, char *err,
    size_t errlen)
{
	static const char *const allowed[] = { "agent", "verb", "activity",
	    "registration", "related_activities", "related_agents", "since",
	    "until", "ascending", NULL };
	size_t i, k;

	memset(q, 0, sizeof(*q));
	for (i = 0; i < o->filters->n; i++) {
		for (k = 0; allowed[k] &&
		    strcmp(allowed[k], o->filters->names[i]) != 0; k++)
			;
		if (allowed[k] == NULL) {
			snprintf(err, errlen, "unknown filter '%s'",
			    o->filters->names[i]);
			return EXPORT_EINVALID;
		}
	}
	/* Either version's agent: a dump has both. */
	if (stmtquery_build(o->filters, XAPI_V2, q, err, errlen) != 0)
		return EXPORT_EINVALID;
	if (params_get(o->filters, "ascending") == NULL)
		q->ascending = 1;
	q->voided = !o->exclude_voided;
	return EXPORT_OK;
}

/* One page of q into the output; *next as store_query gives it. */
static int
export_page(struct exporter *x, struct store_query *q, uint64_t *next)
{
	int rc;

	if ((rc = store_read_begin(x->s, &x->rd)) != STORE_OK) {
		snprintf(x->err, x->errlen, "cannot read the store: %s",
		    store_strerror(rc));
		return EXPORT_ESTORE;
	}
	if (q->to == 0)
		q->to = store_last_seq(x->rd);
	if (q->to == 0) {	/* empty: 0 would mean unbounded */
		*next = 0;
		goto out;
	}
	rc = store_query(x->rd, q, visit, x, next);
	if (rc != STORE_OK && !x->failed) {
		snprintf(x->err, x->errlen, "the query failed: %s",
		    store_strerror(rc));
		x->failed = EXPORT_ESTORE;
	}
out:
	store_read_end(x->rd);
	x->rd = NULL;
	return x->failed;
}

/* Make the payload directory (new, or empty). */
static int
payload_dir(const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return EXPORT_OK;
	snprintf(err, errlen, "cannot make %s: %s", dir, strerror(errno));
	return EXPORT_EOUTPUT;
}

int
export_run(const struct export_opts *o, struct export_result *res,
    char *err, size_t errlen)
{
	struct exporter x = { o, NULL, NULL, BUF_INIT, res, 0, err, errlen };
	struct store_query q;
	uint64_t next, total;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = make_query(o, &q, err, errlen)) != 0 || (o->attachments &&
	    (rc = payload_dir(o->attachments, err, errlen)) != 0))
		return rc;
	if ((rc = store_open_readonly(o->dir, &x.s)) != STORE_OK) {
		snprintf(err, errlen, "cannot open the store in %s: %s", o->dir,
		    rc == STORE_ENOTFOUND ? "no lrsd store there" :
		    store_strerror(rc));
		return EXPORT_ESTORE;
	}
	if (o->format == EXPORT_CSV &&
	    fputs(EXPORT_CSV_HEADER "\r\n", o->out) == EOF) {
		snprintf(err, errlen, "cannot write the output: %s", strerror(errno));
		rc = EXPORT_EOUTPUT;
		goto out;
	}
	for (;;) {
		q.limit = o->limit && o->limit - res->statements < PAGE ?
		    (size_t)(o->limit - res->statements) : PAGE;
		if ((rc = export_page(&x, &q, &next)) != 0)
			goto out;
		total = q.to;
		if (o->progress)
			o->progress(o->progress_arg, res->statements,
			    total > res->statements ? total : res->statements);
		if (next == 0 || (o->limit && res->statements >= o->limit))
			break;
		if (q.ascending)
			q.from = next;
		else
			q.to = next;
	}
	if (fflush(o->out) != 0) {
		snprintf(err, errlen, "cannot write the output: %s", strerror(errno));
		rc = EXPORT_EOUTPUT;
	}
out:
	buf_free(&x.line);
	store_close(x.s);
	return rc;
}
