/* fwd: forwarding targets and their delivery thread (fwd.h). */
#include "fwd.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "be.h"
#include "fwdfilt.h"
#include "fwdsend.h"
#include "hclient.h"
#include "iso8601.h"
#include "mono.h"
#include "xalloc.h"

#define BACKOFF_MIN_MS	250
#define IDLE_MS		250	/* the thread looks at its targets this often */
#define SCAN_MAX	20000	/* log entries one batch may look at */

/* A target's configuration; shared read-only by whoever holds a ref. */
struct fconf {
	int			 refs;		/* under f->mu */
	char			 id[FWD_ID_MAX + 1];
	uint64_t		 stamp;		/* which incarnation of id */
	int			 webhook;
	char			*text;		/* as stored, secrets included */
	json			*doc;
	struct hclient_url	 u;
	char			*headers;	/* extra request header lines */
	const char		*secret;	/* webhook: into doc */
	const json		*filters;	/* into doc, or NULL */
	size_t			 batch;
	int			 timeout_ms;
	int			 max_backoff_ms;
	struct fwdsend_target	 to;		/* into the above */
};

/* A target: its configuration and its delivery state (under f->mu). */
struct target {
	struct fconf	*conf;
	uint64_t	 cursor;
	uint64_t	 delivered, failures, dead;
	int		 retry_pending;	/* dead letters marked for retry */
	uint64_t	 single_until;	/* send one at a time through this */
	int		 backoff_ms;
	int64_t		 next_at;	/* monotonic ms */
	char		 last_error[320];
	int64_t		 last_error_at, last_ok_at;	/* wall us */
	int		 deleted;	/* freed by the thread when done */
};

struct fwd {
	store		*st;
	MDB_dbi		 dbi;
	pthread_mutex_t	 admin;		/* one change of targets at a time */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 thread;
	int		 stop;
	struct target	*t[FWD_MAX_TARGETS];
	int		 n, rr;
	struct target	*busy;		/* the thread's, while it works */
	uint64_t	 last_stamp;
};

const char *
fwd_strerror(int rc)
{
	switch (rc) {
	case FWD_OK: return "success";
	case FWD_ENOTFOUND: return "no such forwarding target or dead letter";
	case FWD_EINVALID: return "a bad forwarding target";
	case FWD_ELIMIT: return "too many forwarding targets";
	case FWD_ESTORE: return "the store failed";
	default: return "unknown error";
	}
}

/* --- keys and records --- */

static void
key_of(char kind, const char *id, struct buf *k)
{
	buf_reset(k);
	buf_printf(k, "%c/%s", kind, id);
}

static void
dead_key(const char *id, uint64_t seq, struct buf *k)
{
	uint8_t b[8];

	key_of('d', id, k);
	buf_putc(k, '/');
	be64_put(b, seq);
	buf_add(k, b, 8);
}

static int
db_put(MDB_txn *txn, MDB_dbi dbi, const struct buf *k, const void *v,
    size_t n)
{
	MDB_val kv = { k->len, k->p }, dv = { n, (void *)v };

	return mdb_put(txn, dbi, &kv, &dv, 0);
}

static int
db_get(MDB_txn *txn, MDB_dbi dbi, const struct buf *k, MDB_val *d)
{
	MDB_val kv = { k->len, k->p };

	return mdb_get(txn, dbi, &kv, d);
}

static int
db_del(MDB_txn *txn, MDB_dbi dbi, const struct buf *k)
{
	MDB_val kv = { k->len, k->p };
	int rc = mdb_del(txn, dbi, &kv, NULL);

	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Whether target id is stored as incarnation stamp. */
static int
stamp_is(MDB_txn *txn, MDB_dbi dbi, const char *id, uint64_t stamp)
{
	struct buf k = BUF_INIT;
	MDB_val d;
	int rc;

	key_of('t', id, &k);
	rc = db_get(txn, dbi, &k, &d);
	buf_free(&k);
	return rc == 0 && d.mv_size >= 8 && be64_get(d.mv_data) == stamp;
}

/* --- configurations --- */

static void
fconf_free(struct fconf *c)
{
	if (c == NULL)
		return;
	free(c->text);
	json_free(c->doc);
	free(c->headers);
	free(c);
}

static int
bad(char *err, size_t errlen, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what);
	return FWD_EINVALID;
}

/* Member name of doc as a whole number in [lo, hi] (def when absent). */
static int
int_member(const json *doc, const char *name, long lo, long hi, long def,
    long *out, char *err, size_t errlen)
{
	const json *v = json_get(doc, name);

	*out = def;
	if (v == NULL)
		return 0;
	if (v->type != JSON_NUMBER || v->num != (double)(long)v->num ||
	    v->num < lo || v->num > hi) {
		snprintf(err, errlen, "%s must be a whole number from %ld to %ld",
		    name, lo, hi);
		return FWD_EINVALID;
	}
	*out = (long)v->num;
	return 0;
}

/* Member name of doc as a string (NULL when absent); -1 when not one. */
static int
str_member(const json *doc, const char *name, const char **out)
{
	const json *v = json_get(doc, name);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (v->type != JSON_STRING || v->len == 0 || strlen(v->str) != v->len)
		return -1;
	*out = v->str;
	return 0;
}

static int
known_members(const json *doc, char *err, size_t errlen)
{
	static const char *const known[] = { "kind", "url", "username",
	    "password", "secret", "version", "filters", "batchSize",
	    "timeoutMs", "maxBackoffMs", "from", NULL };
	size_t i;
	int k;

	if (doc->type != JSON_OBJECT)
		return bad(err, errlen, "%s", "the target must be a JSON object");
	for (i = 0; i < doc->n; i++) {
		for (k = 0; known[k] && strcmp(known[k], doc->keys[i]); k++)
			;
		if (known[k] == NULL)
			return bad(err, errlen, "unknown member '%s' (kind, url, "
			    "username, password, secret, version, filters, "
			    "batchSize, timeoutMs, maxBackoffMs, from)",
			    doc->keys[i]);
	}
	return 0;
}

/* The request headers of an lrs target. */
static int
lrs_headers(struct fconf *c, char *err, size_t errlen)
{
	const char *user, *pass, *version;
	struct buf h = BUF_INIT, up = BUF_INIT;
	char *b64;

	if (str_member(c->doc, "username", &user) || str_member(c->doc,
	    "password", &pass) || (user == NULL) != (pass == NULL) ||
	    (user && strchr(user, ':')))
		return bad(err, errlen, "%s", "an lrs target takes username "
		    "and password (strings, both or neither; no ':' in the "
		    "username)");
	if (json_get(c->doc, "secret"))
		return bad(err, errlen, "%s", "secret is for webhook targets");
	if (str_member(c->doc, "version", &version) || (version &&
	    strcmp(version, "1.0.3") && strcmp(version, "2.0.0")))
		return bad(err, errlen, "%s", "version must be \"1.0.3\" or "
		    "\"2.0.0\"");
	buf_printf(&h, "X-Experience-API-Version: %s\r\n",
	    version ? version : "2.0.0");
	if (user) {
		buf_printf(&up, "%s:%s", user, pass);
		b64 = base64_encode(up.p, up.len, 0);
		buf_printf(&h, "Authorization: Basic %s\r\n", b64);
		free(b64);
	}
	buf_free(&up);
	c->headers = buf_detach(&h, NULL);
	return 0;
}

static int
webhook_conf(struct fconf *c, char *err, size_t errlen)
{
	if (str_member(c->doc, "secret", &c->secret) || c->secret == NULL ||
	    strlen(c->secret) < 16)
		return bad(err, errlen, "%s", "a webhook target needs a secret "
		    "of at least 16 bytes (the HMAC-SHA256 key)");
	if (json_get(c->doc, "username") || json_get(c->doc, "password") ||
	    json_get(c->doc, "version"))
		return bad(err, errlen, "%s", "username, password and version "
		    "are for lrs targets");
	c->headers = xstrdup("");
	return 0;
}

/* Check doc (kind, url, filters, numbers) into c. */
static int
fconf_check(struct fconf *c, char *err, size_t errlen)
{
	const char *kind, *url;
	char uerr[160];
	long v;
	int rc;

	if ((rc = known_members(c->doc, err, errlen)) != 0)
		return rc;
	if (str_member(c->doc, "kind", &kind) || kind == NULL ||
	    (strcmp(kind, "lrs") && strcmp(kind, "webhook")))
		return bad(err, errlen, "%s", "kind must be \"lrs\" or \"webhook\"");
	if (str_member(c->doc, "url", &url) || url == NULL)
		return bad(err, errlen, "%s", "url must be an http:// URL");
	if (hclient_parse_url(url, &c->u, uerr, sizeof(uerr)) != HCLIENT_OK)
		return bad(err, errlen, "url: %s", uerr);
	c->filters = json_get(c->doc, "filters");
	if (fwdfilt_check(c->filters, err, errlen) != 0)
		return FWD_EINVALID;
	if ((rc = int_member(c->doc, "batchSize", 1, 1000, 100, &v, err,
	    errlen)) != 0)
		return rc;
	c->batch = (size_t)v;
	if ((rc = int_member(c->doc, "timeoutMs", 100, 120000, 10000, &v, err,
	    errlen)) != 0)
		return rc;
	c->timeout_ms = (int)v;
	if ((rc = int_member(c->doc, "maxBackoffMs", 100, 3600000, 60000, &v,
	    err, errlen)) != 0)
		return rc;
	c->max_backoff_ms = (int)v;
	c->webhook = strcmp(kind, "webhook") == 0;
	return c->webhook ? webhook_conf(c, err, errlen) :
	    lrs_headers(c, err, errlen);
}

/* A configuration of target id from JSON text.  FWD_EINVALID with err. */
static int
fconf_parse(const char *id, uint64_t stamp, const char *text, size_t len,
    struct fconf **out, char *err, size_t errlen)
{
	struct fconf *c = xcalloc(1, sizeof(*c));
	char perr[200];
	int rc;

	*out = NULL;
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->stamp = stamp;
	c->refs = 1;
	if (json_parse(text, len, 32, &c->doc, perr, sizeof(perr)) != 0) {
		rc = bad(err, errlen, "the target is not JSON: %s", perr);
		goto out;
	}
	if ((rc = fconf_check(c, err, errlen)) != 0)
		goto out;
	json_del(c->doc, "from");
	c->text = json_to_string(c->doc, NULL);
	c->to.id = c->id;
	c->to.stamp = c->stamp;
	c->to.webhook = c->webhook;
	c->to.u = &c->u;
	c->to.url = json_get_str(c->doc, "url");
	c->to.headers = c->headers;
	c->to.secret = c->secret;
	c->to.timeout_ms = c->timeout_ms;
	*out = c;
	c = NULL;
out:
	fconf_free(c);
	return rc;
}

static void
conf_unref(fwd *f, struct fconf *c)
{
	int last;

	pthread_mutex_lock(&f->mu);
	last = --c->refs == 0;
	pthread_mutex_unlock(&f->mu);
	if (last)
		fconf_free(c);
}

/* Drop a reference with f->mu held. */
static void
conf_unref_locked(struct fconf *c)
{
	if (--c->refs == 0)
		fconf_free(c);
}

static void
target_free(struct target *t)
{
	conf_unref_locked(t->conf);
	free(t);
}

/* The target named id (under f->mu), or NULL. */
static struct target *
find(fwd *f, const char *id)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->t[i]->conf->id, id) == 0)
			return f->t[i];
	return NULL;
}

static int
id_valid(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > FWD_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' &&
		    id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '_' || id[i] == '-'))
			return 0;
	return 1;
}

/* The last sequence number committed. */
static uint64_t
log_last(fwd *f)
{
	uint64_t last = 0;

	store_wait(f->st, 0, 0, &last);
	return last;
}

/* --- writes (store_exec functions) --- */

struct wjob {
	fwd		*f;
	const char	*id;
	uint64_t	 stamp;
	const char	*text;		/* put: the configuration */
	int		 created;	/* put: also set the cursor */
	uint64_t	 cursor;
	uint64_t	 dead_seq;	/* advance: a dead letter at this seq */
	const char	*dead_text;	/*   with this record (NULL: none) */
	int		 dead_drop;	/* dead_done: drop it, else rewrite */
	int		 retry;		/* dead_all: mark for retry, else drop */
	uint64_t	 seq;		/* dead_all: one (0: all) */
	size_t		 n;		/* dead_all: how many */
};

static int
put_fn(void *arg, MDB_txn *txn)
{
	struct wjob *j = arg;
	struct buf k = BUF_INIT, v = BUF_INIT;
	uint8_t b[8];
	int rc;

	be64_put(b, j->stamp);
	buf_add(&v, b, 8);
	buf_puts(&v, j->text);
	key_of('t', j->id, &k);
	if ((rc = db_put(txn, j->f->dbi, &k, v.p, v.len)) == 0 && j->created) {
		be64_put(b, j->cursor);
		key_of('c', j->id, &k);
		rc = db_put(txn, j->f->dbi, &k, b, 8);
	}
	buf_free(&k);
	buf_free(&v);
	return rc;
}

/* Delete the dead letters of id (all, or only seq) or mark them for
 * retry; j->n counts them. */
static int
dead_each(struct wjob *j, MDB_txn *txn)
{
	struct buf pre = BUF_INIT;
	MDB_cursor *c = NULL;
	MDB_val k, d;
	json *rec;
	char *text;
	int rc;

	key_of('d', j->id, &pre);
	buf_putc(&pre, '/');
	if ((rc = mdb_cursor_open(txn, j->f->dbi, &c)) != 0)
		goto out;
	k.mv_size = pre.len;
	k.mv_data = pre.p;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (k.mv_size != pre.len + 8 || memcmp(k.mv_data, pre.p, pre.len))
			break;
		if (j->seq && be64_get((uint8_t *)k.mv_data + pre.len) != j->seq)
			continue;
		j->n++;
		if (!j->retry) {
			if ((rc = mdb_cursor_del(c, 0)) != 0)
				goto out;
			continue;
		}
		if (json_parse(d.mv_data, d.mv_size, 8, &rec, NULL, 0) != 0) {
			rc = MDB_CORRUPTED;
			goto out;
		}
		json_set(rec, "retry", json_new_bool(1));
		text = json_to_string(rec, NULL);
		json_free(rec);
		d.mv_size = strlen(text);
		d.mv_data = text;
		rc = mdb_cursor_put(c, &k, &d, MDB_CURRENT);
		free(text);
		if (rc != 0)
			goto out;
	}
	rc = rc == MDB_NOTFOUND ? 0 : rc;
out:
	mdb_cursor_close(c);
	buf_free(&pre);
	return rc;
}

static int
delete_fn(void *arg, MDB_txn *txn)
{
	struct wjob *j = arg;
	struct buf k = BUF_INIT;
	int rc;

	key_of('t', j->id, &k);
	if ((rc = db_del(txn, j->f->dbi, &k)) == 0) {
		key_of('c', j->id, &k);
		rc = db_del(txn, j->f->dbi, &k);
	}
	buf_free(&k);
	j->retry = 0;
	j->seq = 0;
	return rc ? rc : dead_each(j, txn);
}

static int
dead_all_fn(void *arg, MDB_txn *txn)
{
	struct wjob *j = arg;

	j->n = 0;
	return dead_each(j, txn);
}

/* The cursor of a target moves on, with a dead letter maybe; nothing
 * when the target was deleted or replaced by a new one meanwhile. */
static int
advance_fn(void *arg, MDB_txn *txn)
{
	struct wjob *j = arg;
	struct buf k = BUF_INIT;
	uint8_t b[8];
	int rc;

	if (!stamp_is(txn, j->f->dbi, j->id, j->stamp))
		return FWD_ENOTFOUND;
	be64_put(b, j->cursor);
	key_of('c', j->id, &k);
	rc = db_put(txn, j->f->dbi, &k, b, 8);
	if (rc == 0 && j->dead_text) {
		dead_key(j->id, j->dead_seq, &k);
		rc = db_put(txn, j->f->dbi, &k, j->dead_text,
		    strlen(j->dead_text));
	}
	buf_free(&k);
	return rc;
}

/* A dead letter sent again: gone, or rewritten with the new failure. */
static int
dead_done_fn(void *arg, MDB_txn *txn)
{
	struct wjob *j = arg;
	struct buf k = BUF_INIT;
	int rc;

	if (!stamp_is(txn, j->f->dbi, j->id, j->stamp))
		return FWD_ENOTFOUND;
	dead_key(j->id, j->dead_seq, &k);
	if (j->dead_drop)
		rc = db_del(txn, j->f->dbi, &k);
	else
		rc = db_put(txn, j->f->dbi, &k, j->dead_text,
		    strlen(j->dead_text));
	buf_free(&k);
	return rc;
}

/* Run fn in a group commit: FWD_OK, FWD_ENOTFOUND (fn said so), or
 * FWD_ESTORE. */
static int
exec(fwd *f, store_exec_fn fn, struct wjob *j)
{
	int rc, fn_rc = 0;

	rc = store_exec(f->st, fn, j, &fn_rc);
	if (rc != STORE_OK)
		return FWD_ESTORE;
	if (fn_rc == FWD_ENOTFOUND)
		return FWD_ENOTFOUND;
	return fn_rc ? FWD_ESTORE : FWD_OK;
}

/* --- the admin side --- */

/* Body with the secrets of the target it replaces (prev) where it has
 * none: a new text (caller frees), or NULL when body is not JSON. */
static char *
merge_secrets(const char *body, size_t len, const struct fconf *prev)
{
	static const char *const secrets[] = { "password", "secret", NULL };
	json *doc;
	const json *v;
	char *text;
	int i;

	if (json_parse(body, len, 32, &doc, NULL, 0) != 0)
		return NULL;
	for (i = 0; prev && doc->type == JSON_OBJECT && secrets[i]; i++)
		if (json_get(doc, secrets[i]) == NULL &&
		    (v = json_get(prev->doc, secrets[i])) != NULL &&
		    json_is_str(json_get(doc, "kind"), json_get_str(prev->doc,
		    "kind")))
			json_set(doc, secrets[i], json_clone(v));
	text = json_to_string(doc, NULL);
	json_free(doc);
	return text;
}

/* Where a new target starts: "from" of body. */
static int
start_of(fwd *f, const char *body, size_t len, uint64_t *cursor, char *err,
    size_t errlen)
{
	json *doc = NULL;
	const json *from;
	uint64_t last = log_last(f);
	int rc = 0;

	*cursor = 0;
	if (json_parse(body, len, 32, &doc, NULL, 0) != 0 ||
	    (from = json_get(doc, "from")) == NULL || json_is_str(from, "start"))
		goto out;
	if (json_is_str(from, "now"))
		*cursor = last;
	else if (from->type == JSON_NUMBER && from->num >= 0 &&
	    from->num == (double)(uint64_t)from->num && from->num <= last)
		*cursor = (uint64_t)from->num;
	else
		rc = bad(err, errlen, "from must be \"start\", \"now\" or a "
		    "sequence number no later than the last (%s)", "see GET /feed");
out:
	json_free(doc);
	return rc;
}

/* Put configuration c in memory: a new target, or the old one's. */
static void
install(fwd *f, struct fconf *c, uint64_t cursor, int created)
{
	struct target *t;

	pthread_mutex_lock(&f->mu);
	if (created) {
		t = xcalloc(1, sizeof(*t));
		t->cursor = cursor;
		f->t[f->n++] = t;
	} else {
		t = find(f, c->id);
		conf_unref_locked(t->conf);
		t->backoff_ms = 0;
		t->next_at = 0;
	}
	t->conf = c;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

int
fwd_put(fwd *f, const char *id, const char *body, size_t len, int *created,
    char *err, size_t errlen)
{
	struct wjob j = { .f = f, .id = id };
	struct fconf *c = NULL, *prev = NULL;
	struct target *t;
	char *text = NULL;
	int rc;

	if (!id_valid(id))
		return bad(err, errlen, "a target id is 1 to %s bytes of A-Z, "
		    "a-z, 0-9, _ and -", "24");
	pthread_mutex_lock(&f->admin);
	pthread_mutex_lock(&f->mu);
	if ((t = find(f, id)) != NULL) {
		prev = t->conf;
		prev->refs++;
	}
	*created = t == NULL;
	rc = *created && f->n == FWD_MAX_TARGETS ? FWD_ELIMIT : 0;
	if (*created && rc == 0)
		j.stamp = ++f->last_stamp;
	pthread_mutex_unlock(&f->mu);
	if (rc != 0) {
		snprintf(err, errlen, "%d forwarding targets exist already",
		    FWD_MAX_TARGETS);
		goto out;
	}
	if (!*created)
		j.stamp = prev->stamp;
	if ((text = merge_secrets(body, len, prev)) == NULL)
		text = xstrndup(body, len);
	if ((rc = fconf_parse(id, j.stamp, text, strlen(text), &c, err,
	    errlen)) != 0 || (*created && (rc = start_of(f, body, len,
	    &j.cursor, err, errlen)) != 0))
		goto out;
	j.text = c->text;
	j.created = *created;
	if ((rc = exec(f, put_fn, &j)) != 0) {
		snprintf(err, errlen, "cannot store the target");
		goto out;
	}
	install(f, c, j.cursor, *created);
	c = NULL;
out:
	free(text);
	fconf_free(c);
	if (prev)
		conf_unref(f, prev);
	pthread_mutex_unlock(&f->admin);
	return rc;
}

int
fwd_delete(fwd *f, const char *id)
{
	struct wjob j = { .f = f, .id = id };
	struct target *t;
	int i, rc = FWD_ENOTFOUND;

	pthread_mutex_lock(&f->admin);
	pthread_mutex_lock(&f->mu);
	t = find(f, id);
	pthread_mutex_unlock(&f->mu);
	if (t == NULL || (rc = exec(f, delete_fn, &j)) != FWD_OK)
		goto out;
	pthread_mutex_lock(&f->mu);
	for (i = 0; f->t[i] != t; i++)
		;
	f->t[i] = f->t[--f->n];
	if (f->busy == t)
		t->deleted = 1;
	else
		target_free(t);
	pthread_mutex_unlock(&f->mu);
out:
	pthread_mutex_unlock(&f->admin);
	return rc;
}

/* Retry (retry nonzero) or drop dead letter seq (0: all) of id. */
static int
dead_all(fwd *f, const char *id, uint64_t seq, int retry, size_t *n)
{
	struct wjob j = { .f = f, .id = id, .seq = seq, .retry = retry };
	struct target *t;
	int rc = FWD_ENOTFOUND;

	*n = 0;
	pthread_mutex_lock(&f->admin);
	pthread_mutex_lock(&f->mu);
	t = find(f, id);
	pthread_mutex_unlock(&f->mu);
	if (t == NULL || (rc = exec(f, dead_all_fn, &j)) != FWD_OK)
		goto out;
	*n = j.n;
	if (seq && j.n == 0)
		rc = FWD_ENOTFOUND;
	pthread_mutex_lock(&f->mu);
	if (retry && j.n)
		t->retry_pending = 1;
	if (!retry)
		t->dead = t->dead > j.n ? t->dead - j.n : 0;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
out:
	pthread_mutex_unlock(&f->admin);
	return rc;
}

int
fwd_dead_retry(fwd *f, const char *id, uint64_t seq, size_t *n)
{
	return dead_all(f, id, seq, 1, n);
}

int
fwd_dead_drop(fwd *f, const char *id, uint64_t seq, size_t *n)
{
	return dead_all(f, id, seq, 0, n);
}

/* --- delivery --- */

/* Whether entry e passes c's filters; -1 when its text is not JSON. */
static int
passes(const struct fconf *c, const struct store_entry *e)
{
	json *st;
	int match;

	if (c->filters == NULL)
		return 1;
	if (json_parse(e->text, e->len, 64, &st, NULL, 0) != 0)
		return -1;
	match = fwdfilt_match(c->filters, st);
	json_free(st);
	return match;
}

/* The statements after cursor that pass c's filters, at most max, into
 * b; b->end is the last sequence number looked at.  STORE_* codes. */
static int
batch_read(fwd *f, const struct fconf *c, uint64_t cursor, size_t max,
    struct fwdsend_batch *b)
{
	store_read *rd;
	struct store_entry e;
	uint64_t seq, last;
	size_t scanned = 0;
	int rc, match;

	b->end = cursor;
	if ((rc = store_read_begin(f->st, &rd)) != STORE_OK)
		return rc;
	last = store_last_seq(rd);
	for (seq = cursor + 1; seq <= last && b->n < max && scanned < SCAN_MAX;
	    seq++, scanned++) {
		rc = store_entry_at(store_read_txn(rd), f->st, seq, &e);
		if (rc == STORE_ENOTFOUND) {
			b->end = seq;	/* deleted since: a hole */
			rc = STORE_OK;
			continue;
		}
		if (rc == STORE_OK && (match = passes(c, &e)) < 0)
			rc = STORE_ECORRUPT;
		if (rc != STORE_OK)
			break;
		if (match && !c->webhook && memmem(e.text, e.len,
		    "\"attachments\"", 13) && (rc = fwdsend_add_blobs(rd, e.text,
		    e.len, b)) != STORE_OK)
			break;
		if (match)
			fwdsend_add(b, seq, e.text, e.len);
		b->end = seq;
	}
	store_read_end(rd);
	return rc;
}

/* Note a failure of t and put its next attempt off. */
static void
failed(fwd *f, struct target *t, const struct fconf *c, const char *err)
{
	int b;

	pthread_mutex_lock(&f->mu);
	t->failures++;
	snprintf(t->last_error, sizeof(t->last_error), "%s", err);
	t->last_error_at = iso8601_now();
	b = t->backoff_ms ? 2 * t->backoff_ms : BACKOFF_MIN_MS;
	t->backoff_ms = b > c->max_backoff_ms ? c->max_backoff_ms : b;
	t->next_at = mono_ms() + t->backoff_ms;
	pthread_mutex_unlock(&f->mu);
}

/* The dead-letter record of statement text (number seq). */
static char *
dead_record(uint64_t seq, const char *text, size_t len, int status,
    const char *err, int attempts)
{
	json *st = NULL, *rec = json_new(JSON_OBJECT);
	char when[32], *out;
	const char *sid;

	json_parse(text, len, 64, &st, NULL, 0);
	sid = json_get_str(st, "id");
	json_set(rec, "seq", json_new_int((long long)seq));
	json_set(rec, "statementId", sid ? json_new_str(sid) :
	    json_new(JSON_NULL));
	json_set(rec, "status", status ? json_new_int(status) :
	    json_new(JSON_NULL));
	json_set(rec, "error", json_new_str(err));
	json_set(rec, "failedAt", json_new_str(iso8601_format(iso8601_now(),
	    when)));
	json_set(rec, "attempts", json_new_int(attempts));
	json_set(rec, "retry", json_new_bool(0));
	out = json_to_string(rec, NULL);
	json_free(rec);
	json_free(st);
	return out;
}

/* Commit t's cursor at end (with a dead letter when dead is not NULL)
 * and count n statements delivered. */
static void
advance(fwd *f, struct target *t, const struct fconf *c, uint64_t end,
    size_t n, uint64_t dead_seq, const char *dead)
{
	struct wjob j = { .f = f, .id = c->id, .stamp = c->stamp,
	    .cursor = end, .dead_seq = dead_seq, .dead_text = dead };
	int rc = exec(f, advance_fn, &j);

	if (rc == FWD_ENOTFOUND)
		return;		/* deleted meanwhile */
	if (rc != FWD_OK) {
		failed(f, t, c, "cannot store the cursor in LMDB");
		return;
	}
	pthread_mutex_lock(&f->mu);
	t->cursor = end;
	t->delivered += n;
	t->dead += dead != NULL;
	if (n) {
		t->backoff_ms = 0;
		t->last_ok_at = iso8601_now();
	}
	pthread_mutex_unlock(&f->mu);
}

/* One batch for t (or one statement, when finding a refused one). */
static void
send_batch(fwd *f, struct target *t, const struct fconf *c, uint64_t cursor,
    int single)
{
	struct fwdsend_batch b = { 0 };
	char err[320], *dead;
	int rc, status;

	if ((rc = batch_read(f, c, cursor, single ? 1 : c->batch, &b)) != 0) {
		snprintf(err, sizeof(err), "cannot read the log: %s",
		    store_strerror(rc));
		failed(f, t, c, err);
		goto out;
	}
	if (b.n == 0) {
		if (b.end > cursor)
			advance(f, t, c, b.end, 0, 0, NULL);
		goto out;
	}
	rc = fwdsend_post(&c->to, &b, b.n, &status, err, sizeof(err));
	if (rc == FWDSEND_OK)
		advance(f, t, c, b.end, b.n, 0, NULL);
	else if (rc == FWDSEND_REFUSED && b.n > 1) {
		pthread_mutex_lock(&f->mu);
		t->single_until = b.end;	/* find the one refused */
		pthread_mutex_unlock(&f->mu);
	} else if (rc == FWDSEND_REFUSED) {
		dead = dead_record(b.seqs[0], b.texts[0], b.lens[0], status,
		    err, 1);
		advance(f, t, c, b.end, 0, b.seqs[0], dead);
		free(dead);
		pthread_mutex_lock(&f->mu);
		snprintf(t->last_error, sizeof(t->last_error), "%s", err);
		t->last_error_at = iso8601_now();
		pthread_mutex_unlock(&f->mu);
	} else
		failed(f, t, c, err);
out:
	fwdsend_free(&b);
}

/* The first dead letter of c marked for retry: its seq and record (a
 * new tree) into *seq and *rec; STORE_ENOTFOUND when none is. */
static int
dead_next(fwd *f, const struct fconf *c, uint64_t *seq, json **rec)
{
	struct buf pre = BUF_INIT;
	store_read *rd = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, d;
	int rc;

	*rec = NULL;
	key_of('d', c->id, &pre);
	buf_putc(&pre, '/');
	if ((rc = store_read_begin(f->st, &rd)) != STORE_OK)
		goto out;
	if ((rc = mdb_cursor_open(store_read_txn(rd), f->dbi, &cur)) != 0)
		goto out;
	k.mv_size = pre.len;
	k.mv_data = pre.p;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (k.mv_size != pre.len + 8 || memcmp(k.mv_data, pre.p, pre.len))
			break;
		if (json_parse(d.mv_data, d.mv_size, 8, rec, NULL, 0) != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (json_get(*rec, "retry") &&
		    json_get(*rec, "retry")->type == JSON_TRUE) {
			*seq = be64_get((uint8_t *)k.mv_data + pre.len);
			break;
		}
		json_free(*rec);
		*rec = NULL;
	}
	rc = rc == 0 || rc == MDB_NOTFOUND ? (*rec ? 0 : STORE_ENOTFOUND) :
	    STORE_EIO;
out:
	mdb_cursor_close(cur);
	if (rd)
		store_read_end(rd);
	buf_free(&pre);
	return rc;
}

/* Statement seq (with its attachments for an lrs target) into b;
 * STORE_ENOTFOUND when it was deleted. */
static int
read_one(fwd *f, const struct fconf *c, uint64_t seq, struct fwdsend_batch *b)
{
	store_read *rd;
	struct store_entry e;
	int rc;

	if ((rc = store_read_begin(f->st, &rd)) != STORE_OK)
		return rc;
	if ((rc = store_entry_at(store_read_txn(rd), f->st, seq, &e)) == 0 &&
	    (c->webhook || (rc = fwdsend_add_blobs(rd, e.text, e.len, b)) == 0))
		fwdsend_add(b, seq, e.text, e.len);
	store_read_end(rd);
	return rc;
}

/* A dead letter is done: dropped (delivered or gone) or kept with the
 * new failure (text). */
static void
dead_done(fwd *f, struct target *t, const struct fconf *c, uint64_t seq,
    const char *text, int delivered)
{
	struct wjob j = { .f = f, .id = c->id, .stamp = c->stamp,
	    .dead_seq = seq, .dead_text = text, .dead_drop = text == NULL };

	if (exec(f, dead_done_fn, &j) != FWD_OK)
		return;
	pthread_mutex_lock(&f->mu);
	if (text == NULL && t->dead)
		t->dead--;
	t->delivered += delivered;
	pthread_mutex_unlock(&f->mu);
}

/* Send the first dead letter marked for retry again. */
static void
retry_one(fwd *f, struct target *t, const struct fconf *c)
{
	struct fwdsend_batch b = { 0 };
	uint64_t seq = 0;
	json *rec = NULL;
	const json *att;
	char err[320], *text;
	int rc, status;

	if ((rc = dead_next(f, c, &seq, &rec)) == STORE_ENOTFOUND) {
		pthread_mutex_lock(&f->mu);
		t->retry_pending = 0;
		pthread_mutex_unlock(&f->mu);
		goto out;
	}
	if (rc == 0)
		rc = read_one(f, c, seq, &b);
	if (rc == STORE_ENOTFOUND) {	/* the statement is gone */
		dead_done(f, t, c, seq, NULL, 0);
		goto out;
	}
	if (rc != 0) {
		snprintf(err, sizeof(err), "cannot read a dead letter: %s",
		    store_strerror(rc));
		failed(f, t, c, err);
		goto out;
	}
	rc = fwdsend_post(&c->to, &b, 1, &status, err, sizeof(err));
	if (rc == FWDSEND_OK)
		dead_done(f, t, c, seq, NULL, 1);
	else if (rc == FWDSEND_REFUSED) {
		att = json_get(rec, "attempts");
		text = dead_record(seq, b.texts[0], b.lens[0], status, err,
		    (att && att->type == JSON_NUMBER ? (int)att->num : 1) + 1);
		dead_done(f, t, c, seq, text, 0);
		free(text);
	} else
		failed(f, t, c, err);
out:
	json_free(rec);
	fwdsend_free(&b);
}

/* One turn for t: a dead letter to retry, or the next batch. */
static void
turn(fwd *f, struct target *t, const struct fconf *c)
{
	uint64_t cursor;
	int single, retry;

	pthread_mutex_lock(&f->mu);
	cursor = t->cursor;
	single = t->single_until > cursor;
	retry = t->retry_pending;
	pthread_mutex_unlock(&f->mu);
	if (retry)
		retry_one(f, t, c);
	else
		send_batch(f, t, c, cursor, single);
}

/* The next target due with work (under f->mu), round robin, or NULL with
 * *wait_ms until one is due and *busy set when some wait for their
 * backoff. */
static struct target *
pick(fwd *f, uint64_t last, int *wait_ms, int *busy)
{
	int64_t now = mono_ms();
	struct target *t;
	int i, k;

	*wait_ms = IDLE_MS;
	*busy = 0;
	for (i = 0; i < f->n; i++) {
		k = (f->rr + i) % f->n;
		t = f->t[k];
		if (t->cursor >= last && !t->retry_pending)
			continue;
		if (t->next_at > now) {
			*busy = 1;
			if (t->next_at - now < *wait_ms)
				*wait_ms = (int)(t->next_at - now);
			continue;
		}
		f->rr = k + 1;
		return t;
	}
	return NULL;
}

/* Wait (f->mu held) until a statement after last arrives, or a target's
 * backoff ends, or a change of targets.  Without targets, new statements
 * are no reason to wake (that was a wake-up and a lock of the store's
 * mutex for every commit): only a change of targets is. */
static void
idle(fwd *f, uint64_t last, int wait_ms, int busy)
{
	struct timespec ts;
	uint64_t seen;

	if (!busy && f->n > 0) {
		pthread_mutex_unlock(&f->mu);
		store_wait(f->st, last, wait_ms, &seen);
		pthread_mutex_lock(&f->mu);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&f->cv, &f->mu, &ts);
}

static void *
fwd_main(void *arg)
{
	fwd *f = arg;
	struct target *t;
	struct fconf *c;
	uint64_t last;
	int wait_ms, busy;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		last = log_last(f);
		if ((t = pick(f, last, &wait_ms, &busy)) == NULL) {
			idle(f, last, wait_ms, busy);
			continue;
		}
		f->busy = t;
		c = t->conf;
		c->refs++;
		pthread_mutex_unlock(&f->mu);
		turn(f, t, c);
		pthread_mutex_lock(&f->mu);
		conf_unref_locked(c);
		f->busy = NULL;
		if (t->deleted)
			target_free(t);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* --- opening --- */

/* The dead letters of id: how many, and whether one waits for a retry. */
static int
count_dead(fwd *f, MDB_txn *txn, const char *id, uint64_t *n, int *retry)
{
	struct buf pre = BUF_INIT;
	MDB_cursor *cur = NULL;
	MDB_val k, d;
	int rc;

	*n = 0;
	*retry = 0;
	key_of('d', id, &pre);
	buf_putc(&pre, '/');
	if ((rc = mdb_cursor_open(txn, f->dbi, &cur)) != 0)
		goto out;
	k.mv_size = pre.len;
	k.mv_data = pre.p;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (k.mv_size != pre.len + 8 || memcmp(k.mv_data, pre.p, pre.len))
			break;
		(*n)++;
		if (memmem(d.mv_data, d.mv_size, "\"retry\":true", 12))
			*retry = 1;
	}
	rc = rc == MDB_NOTFOUND ? 0 : rc;
out:
	mdb_cursor_close(cur);
	buf_free(&pre);
	return rc;
}

/* Target record k -> d into memory. */
static int
load_one(fwd *f, MDB_txn *txn, const MDB_val *k, const MDB_val *d, char *err,
    size_t errlen)
{
	char id[FWD_ID_MAX + 1], cerr[200];
	struct target *t;
	struct fconf *c;
	struct buf ck = BUF_INIT;
	MDB_val cv;
	int rc;

	if (k->mv_size - 2 > FWD_ID_MAX || d->mv_size < 8 ||
	    f->n == FWD_MAX_TARGETS) {
		snprintf(err, errlen, "a forwarding target record is corrupt");
		return FWD_ESTORE;
	}
	memcpy(id, (char *)k->mv_data + 2, k->mv_size - 2);
	id[k->mv_size - 2] = '\0';
	if (fconf_parse(id, be64_get(d->mv_data), (char *)d->mv_data + 8,
	    d->mv_size - 8, &c, cerr, sizeof(cerr)) != 0) {
		snprintf(err, errlen, "forwarding target %s: %s", id, cerr);
		return FWD_ESTORE;
	}
	t = xcalloc(1, sizeof(*t));
	t->conf = c;
	f->t[f->n++] = t;
	if (c->stamp > f->last_stamp)
		f->last_stamp = c->stamp;
	key_of('c', id, &ck);
	rc = db_get(txn, f->dbi, &ck, &cv);
	buf_free(&ck);
	if (rc == 0 && cv.mv_size == 8)
		t->cursor = be64_get(cv.mv_data);
	else if (rc != MDB_NOTFOUND)
		rc = rc ? rc : MDB_CORRUPTED;
	if ((rc == 0 || rc == MDB_NOTFOUND) &&
	    (rc = count_dead(f, txn, id, &t->dead, &t->retry_pending)) == 0)
		return FWD_OK;
	snprintf(err, errlen, "forwarding target %s: %s", id, mdb_strerror(rc));
	return FWD_ESTORE;
}

static int
load(fwd *f, MDB_txn *txn, char *err, size_t errlen)
{
	MDB_cursor *cur = NULL;
	MDB_val k = { 2, (void *)"t/" }, d;
	int rc;

	if ((rc = mdb_cursor_open(txn, f->dbi, &cur)) != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (k.mv_size < 3 || memcmp(k.mv_data, "t/", 2) != 0)
			break;
		if (load_one(f, txn, &k, &d, err, errlen) != FWD_OK) {
			mdb_cursor_close(cur);
			return FWD_ESTORE;
		}
	}
	rc = rc == MDB_NOTFOUND ? 0 : rc;
out:
	mdb_cursor_close(cur);
	if (rc != 0)
		snprintf(err, errlen, "cannot read the forwarding targets: %s",
		    mdb_strerror(rc));
	return rc ? FWD_ESTORE : FWD_OK;
}

static void
fwd_free(fwd *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		target_free(f->t[i]);
	pthread_mutex_destroy(&f->admin);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}

int
fwd_open(store *st, fwd **out, char *err, size_t errlen)
{
	fwd *f = xcalloc(1, sizeof(*f));
	MDB_txn *txn = NULL;
	int rc;

	*out = NULL;
	f->st = st;
	pthread_mutex_init(&f->admin, NULL);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if ((rc = store_txn_begin(st, 0, &txn)) != STORE_OK) {
		snprintf(err, errlen, "cannot open the forwarding targets: %s",
		    store_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_dbi_open(txn, "fwd", MDB_CREATE, &f->dbi)) != 0) {
		snprintf(err, errlen, "cannot open the forwarding targets: %s",
		    mdb_strerror(rc));
		store_txn_abort(st, txn);
		goto fail;
	}
	if ((rc = load(f, txn, err, errlen)) != FWD_OK) {
		store_txn_abort(st, txn);
		goto fail;
	}
	if ((rc = store_txn_commit(st, txn)) != STORE_OK) {
		snprintf(err, errlen, "cannot open the forwarding targets: %s",
		    store_strerror(rc));
		goto fail;
	}
	if (pthread_create(&f->thread, NULL, fwd_main, f) != 0) {
		snprintf(err, errlen, "cannot start the forwarding thread");
		goto fail;
	}
	*out = f;
	return FWD_OK;
fail:
	fwd_free(f);
	return FWD_ESTORE;
}

void
fwd_close(fwd *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	fwd_free(f);
}

/* --- what operators see --- */

/* One target's figures, copied under f->mu. */
struct snap {
	struct fconf	*c;		/* a reference */
	uint64_t	 cursor, delivered, failures, dead;
	int		 retry_pending;
	char		 last_error[320];
	int64_t		 last_error_at, last_ok_at, next_in_ms;
	uint64_t	 behind;	/* filled by snap_lag */
	double		 lag_seconds;
};

/* Copies of the targets (all, or id only) into a new array; *n. */
static struct snap *
snap_take(fwd *f, const char *id, size_t *n)
{
	struct snap *s;
	struct target *t;
	int64_t now = mono_ms();
	int i;

	pthread_mutex_lock(&f->mu);
	s = xcalloc((size_t)f->n + 1, sizeof(*s));
	*n = 0;
	for (i = 0; i < f->n; i++) {
		t = f->t[i];
		if (id && strcmp(t->conf->id, id) != 0)
			continue;
		s[*n].c = t->conf;
		t->conf->refs++;
		s[*n].cursor = t->cursor;
		s[*n].delivered = t->delivered;
		s[*n].failures = t->failures;
		s[*n].dead = t->dead;
		s[*n].retry_pending = t->retry_pending;
		memcpy(s[*n].last_error, t->last_error, sizeof(t->last_error));
		s[*n].last_error_at = t->last_error_at;
		s[*n].last_ok_at = t->last_ok_at;
		s[*n].next_in_ms = t->next_at > now ? t->next_at - now : 0;
		(*n)++;
	}
	pthread_mutex_unlock(&f->mu);
	return s;
}

static void
snap_free(fwd *f, struct snap *s, size_t n)
{
	size_t i;

	pthread_mutex_lock(&f->mu);
	for (i = 0; i < n; i++)
		conf_unref_locked(s[i].c);
	pthread_mutex_unlock(&f->mu);
	free(s);
}

/* Each snapshot's lag: statements after its cursor and how long ago the
 * first of them was stored.  The store's last sequence number into
 * *last.  STORE_* codes. */
static int
snap_lag(fwd *f, struct snap *s, size_t n, uint64_t *last)
{
	store_read *rd;
	struct store_entry e;
	uint64_t seq;
	int64_t now = iso8601_now();
	size_t i;
	int rc, k;

	if ((rc = store_read_begin(f->st, &rd)) != STORE_OK)
		return rc;
	*last = store_last_seq(rd);
	for (i = 0; i < n; i++) {
		s[i].behind = *last > s[i].cursor ? *last - s[i].cursor : 0;
		for (seq = s[i].cursor + 1, k = 0; seq <= *last && k < 1000;
		    seq++, k++)
			if (store_entry_at(store_read_txn(rd), f->st, seq, &e) ==
			    STORE_OK) {
				s[i].lag_seconds = now > e.stored ?
				    (double)(now - e.stored) / 1e6 : 0;
				break;
			}
	}
	store_read_end(rd);
	return STORE_OK;
}

static json *
time_or_null(int64_t us)
{
	char when[32];

	return us ? json_new_str(iso8601_format(us, when)) :
	    json_new(JSON_NULL);
}

/* The JSON of one snapshot, secrets left out. */
static json *
snap_json(const struct snap *s, uint64_t last)
{
	json *o = json_new(JSON_OBJECT), *conf = json_clone(s->c->doc);
	char num[32];
	size_t i;

	json_set(o, "id", json_new_str(s->c->id));
	for (i = 0; i < conf->n; i++)
		if (strcmp(conf->keys[i], "password") &&
		    strcmp(conf->keys[i], "secret"))
			json_set(o, conf->keys[i], json_clone(conf->vals[i]));
	if (s->c->webhook)
		json_set(o, "hasSecret", json_new_bool(1));
	else
		json_set(o, "hasPassword", json_new_bool(json_get(conf,
		    "password") != NULL));
	json_free(conf);
	json_set(o, "cursor", json_new_int((long long)s->cursor));
	json_set(o, "lastSeq", json_new_int((long long)last));
	json_set(o, "behind", json_new_int((long long)s->behind));
	snprintf(num, sizeof(num), "%.3f", s->lag_seconds);
	json_set(o, "lagSeconds", json_new_num(num));
	json_set(o, "delivered", json_new_int((long long)s->delivered));
	json_set(o, "failures", json_new_int((long long)s->failures));
	json_set(o, "deadLetters", json_new_int((long long)s->dead));
	json_set(o, "retryPending", json_new_bool(s->retry_pending));
	json_set(o, "lastError", s->last_error[0] ?
	    json_new_str(s->last_error) : json_new(JSON_NULL));
	json_set(o, "lastErrorAt", time_or_null(s->last_error_at));
	json_set(o, "lastDeliveredAt", time_or_null(s->last_ok_at));
	json_set(o, "nextAttemptInMs", json_new_int(s->next_in_ms));
	return o;
}

int
fwd_describe(fwd *f, const char *id, struct buf *out)
{
	struct snap *s;
	uint64_t last = 0;
	json *j;
	size_t n, i;
	int rc = FWD_OK;

	s = snap_take(f, id, &n);
	if (id && n == 0) {
		rc = FWD_ENOTFOUND;
		goto out;
	}
	if (snap_lag(f, s, n, &last) != STORE_OK) {
		rc = FWD_ESTORE;
		goto out;
	}
	if (id)
		j = snap_json(&s[0], last);
	else {
		j = json_new(JSON_ARRAY);
		for (i = 0; i < n; i++)
			json_push(j, snap_json(&s[i], last));
	}
	json_dump(j, out);
	json_free(j);
out:
	snap_free(f, s, n);
	return rc;
}

int
fwd_dead_list(fwd *f, const char *id, uint64_t after, size_t limit,
    struct buf *out)
{
	struct buf pre = BUF_INIT;
	store_read *rd = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, d;
	size_t n = 0;
	int rc;

	pthread_mutex_lock(&f->mu);
	rc = find(f, id) ? FWD_OK : FWD_ENOTFOUND;
	pthread_mutex_unlock(&f->mu);
	if (rc != FWD_OK)
		return rc;
	dead_key(id, after + 1, &pre);
	if ((rc = store_read_begin(f->st, &rd)) != STORE_OK ||
	    (rc = mdb_cursor_open(store_read_txn(rd), f->dbi, &cur)) != 0)
		goto out;
	k.mv_size = pre.len;
	k.mv_data = pre.p;
	buf_putc(out, '[');
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); rc == 0 &&
	    n < limit; rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (k.mv_size != pre.len || memcmp(k.mv_data, pre.p,
		    pre.len - 8) != 0)
			break;
		if (n++)
			buf_putc(out, ',');
		buf_add(out, d.mv_data, d.mv_size);
	}
	buf_putc(out, ']');
	rc = rc == 0 || rc == MDB_NOTFOUND ? 0 : rc;
out:
	mdb_cursor_close(cur);
	if (rd)
		store_read_end(rd);
	buf_free(&pre);
	return rc ? FWD_ESTORE : FWD_OK;
}

int
fwd_lag(void *arg, struct probe_lag *out)
{
	fwd *f = arg;
	struct snap *s;
	uint64_t last;
	size_t n, i;
	int rc;

	memset(out, 0, sizeof(*out));
	s = snap_take(f, NULL, &n);
	rc = snap_lag(f, s, n, &last);
	for (i = 0; rc == STORE_OK && i < n; i++) {
		if (s[i].behind > out->behind)
			out->behind = s[i].behind;
		if (s[i].lag_seconds > out->seconds)
			out->seconds = s[i].lag_seconds;
	}
	snap_free(f, s, n);
	return rc == STORE_OK ? 0 : -1;
}

/* One metric family over the snapshots. */
static void
family(struct buf *out, const struct snap *s, size_t n, const char *name,
    const char *type, const char *help, int which)
{
	size_t i;

	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (i = 0; i < n; i++) {
		buf_printf(out, "%s{target=\"%s\"} ", name, s[i].c->id);
		switch (which) {
		case 0: buf_printf(out, "%llu\n", (unsigned long long)s[i].behind); break;
		case 1: buf_printf(out, "%.3f\n", s[i].lag_seconds); break;
		case 2: buf_printf(out, "%llu\n", (unsigned long long)s[i].delivered); break;
		case 3: buf_printf(out, "%llu\n", (unsigned long long)s[i].failures); break;
		default: buf_printf(out, "%llu\n", (unsigned long long)s[i].dead); break;
		}
	}
}

void
fwd_metrics(void *arg, struct buf *out)
{
	fwd *f = arg;
	struct snap *s;
	uint64_t last;
	size_t n, shown;

	s = snap_take(f, NULL, &n);
	shown = snap_lag(f, s, n, &last) == STORE_OK ? n : 0;
	family(out, s, shown, "lrsd_forward_behind_statements", "gauge",
	    "Statements of the log after the target's cursor.", 0);
	family(out, s, shown, "lrsd_forward_lag_seconds", "gauge",
	    "Age of the oldest statement the target has yet to get.", 1);
	family(out, s, shown, "lrsd_forward_delivered_total", "counter",
	    "Statements delivered to the target since the server started.", 2);
	family(out, s, shown, "lrsd_forward_failures_total", "counter",
	    "Failed deliveries (each retried) since the server started.", 3);
	family(out, s, shown, "lrsd_forward_dead_letters", "gauge",
	    "Statements the target refused, kept for a retry or a drop.", 4);
	snap_free(f, s, n);
}
