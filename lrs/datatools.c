/* datatools: the data commands of lrsd. */
#include "datatools.h"

#include "config.h"
#include "dirlock.h"
#include "docstore.h"
#include "export.h"
#include "import.h"
#include "importurl.h"
#include "iso8601.h"
#include "params.h"
#include "progress.h"
#include "stats.h"
#include "store.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Problems an import prints before it only counts them. */
#define PROBLEMS_SHOWN	50
/* Files one import --url takes. */
#define MAXPOS		64

/* The flags of one command: its own, then the settings (config.h). */
struct args {
	struct config	 cfg;
	const char	*pos[MAXPOS];	/* positional words */
	int		 npos;
	struct params	 filters;	/* export: GET /statements's */
	const char	*format, *output, *attachments, *credential;
	const char	*version, *url;
	int		 exclude_voided, restore, skip_invalid, json;
	unsigned long long limit, batch, top;
};

static const char *const filter_names[] = { "agent", "verb", "activity",
	"registration", "related_activities", "related_agents", "since",
	"until", "ascending", NULL };

const char *
datatools_usage(void)
{
	return
	    "       lrsd export [--format ndjson|csv] [--output FILE] [--attachments DIR]\n"
	    "                   [--exclude-voided] [--limit N] [--query 'verb=...&since=...']\n"
	    "                   [--agent JSON] [--verb IRI] [--activity IRI] [--registration UUID]\n"
	    "                   [--related_activities true] [--related_agents true]\n"
	    "                   [--since TIME] [--until TIME] [--ascending true|false] [--data DIR]\n"
	    "       lrsd import FILE|- [--restore] [--skip-invalid] [--attachments DIR]\n"
	    "                   [--credential KEY] [--xapi-version 1.0.3|2.0.0] [--batch N] [--data DIR]\n"
	    "       lrsd import --url http://HOST:PORT --credential KEY:SECRET FILE|-...\n"
	    "                   [--restore] [--skip-invalid] [--xapi-version V] [--batch N]\n"
	    "       lrsd backup TARGET [--data DIR]\n"
	    "       lrsd restore BACKUP [--data DIR]\n"
	    "       lrsd stats [--json] [--top N] [--data DIR]\n";
}

int
datatools_is(const char *word)
{
	return strcmp(word, "export") == 0 || strcmp(word, "import") == 0 ||
	    strcmp(word, "backup") == 0 || strcmp(word, "restore") == 0 ||
	    strcmp(word, "stats") == 0;
}

static int
is_filter(const char *name)
{
	size_t i;

	for (i = 0; filter_names[i]; i++)
		if (strcmp(filter_names[i], name) == 0)
			return 1;
	return 0;
}

/* A whole non-negative number, or -1. */
static int
number(const char *name, const char *v, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = v && *v >= '0' && *v <= '9' ? strtoull(v, &end, 10) : 0;
	if (v == NULL || *v < '0' || *v > '9' || *end || errno) {
		fprintf(stderr, "lrsd: --%s needs a whole number, not '%s'\n",
		    name, v ? v : "(nothing)");
		return -1;
	}
	return 0;
}

/* A flag of the data commands that takes value v: 1 used, 0 not ours,
 * -1 bad. */
static int
own_flag(struct args *a, const char *name, const char *v)
{
	char err[256];
	const char **str = NULL;

	if (strcmp(name, "format") == 0)
		str = &a->format;
	else if (strcmp(name, "output") == 0)
		str = &a->output;
	else if (strcmp(name, "attachments") == 0)
		str = &a->attachments;
	else if (strcmp(name, "credential") == 0)
		str = &a->credential;
	else if (strcmp(name, "xapi-version") == 0)
		str = &a->version;
	else if (strcmp(name, "url") == 0)
		str = &a->url;
	else if (strcmp(name, "limit") == 0)
		return number(name, v, &a->limit) ? -1 : 1;
	else if (strcmp(name, "batch") == 0)
		return number(name, v, &a->batch) ? -1 : 1;
	else if (strcmp(name, "top") == 0)
		return number(name, v, &a->top) ? -1 : 1;
	else if (strcmp(name, "query") == 0 && v) {
		if (params_parse(&a->filters, v, strlen(v), err,
		    sizeof(err)) == PARAMS_OK)
			return 1;
		fprintf(stderr, "lrsd: --query: %s\n", err);
		return -1;
	} else if (is_filter(name) && v) {
		params_set(&a->filters, name, v);
		return 1;
	} else
		return 0;
	if (v == NULL) {
		fprintf(stderr, "lrsd: --%s needs a value\n", name);
		return -1;
	}
	*str = v;
	return 1;
}

/* A switch of the data commands: 1 when name is one. */
static int
own_switch(struct args *a, const char *name)
{
	int *sw = strcmp(name, "exclude-voided") == 0 ? &a->exclude_voided :
	    strcmp(name, "restore") == 0 ? &a->restore :
	    strcmp(name, "skip-invalid") == 0 ? &a->skip_invalid :
	    strcmp(name, "json") == 0 ? &a->json : NULL;

	if (sw)
		*sw = 1;
	return sw != NULL;
}

/* argv[2..] into a: -1 (said why) on a bad flag. */
static int
parse(int argc, char **argv, struct args *a)
{
	char err[256], *name, *eq, *v;
	int i, used;

	memset(a, 0, sizeof(*a));
	config_defaults(&a->cfg);
	if (config_env(&a->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "lrsd: %s\n", err);
		return -1;
	}
	for (i = 2; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0 || strcmp(argv[i], "-") == 0) {
			if (a->npos == MAXPOS) {
				fprintf(stderr, "lrsd: unexpected argument '%s'\n", argv[i]);
				return -1;
			}
			a->pos[a->npos++] = argv[i];
			continue;
		}
		name = argv[i] + 2;
		if ((eq = strchr(name, '=')) != NULL)
			*eq++ = '\0';
		if (!eq && own_switch(a, name))
			continue;
		v = eq ? eq : (i + 1 < argc ? argv[i + 1] : NULL);
		if ((used = own_flag(a, name, v)) < 0)
			return -1;
		if (used == 0 && (used = config_flag(&a->cfg, name, v, err,
		    sizeof(err))) < 0) {
			fprintf(stderr, "lrsd: %s\n", err);
			return -1;
		}
		if (used && !eq)
			i++;
	}
	return 0;
}

/* Seconds since t0 (microseconds). */
static double
since(int64_t t0)
{
	return (double)(iso8601_now() - t0) / 1e6;
}

static int
cmd_export(struct args *a)
{
	struct export_opts o;
	struct export_result res;
	struct progress bar;
	char err[512];
	int64_t t0 = iso8601_now();
	int rc;

	memset(&o, 0, sizeof(o));
	o.dir = a->cfg.data;
	o.filters = &a->filters;
	o.attachments = a->attachments;
	o.exclude_voided = a->exclude_voided;
	o.limit = a->limit;
	if (a->npos || (a->format && strcmp(a->format, "ndjson") &&
	    strcmp(a->format, "csv"))) {
		fprintf(stderr, "lrsd: export takes --format ndjson or csv and no other words\n");
		return 2;
	}
	o.format = a->format && strcmp(a->format, "csv") == 0 ? EXPORT_CSV :
	    EXPORT_NDJSON;
	o.out = stdout;
	if (a->output && strcmp(a->output, "-") != 0 &&
	    (o.out = fopen(a->output, "w")) == NULL) {
		fprintf(stderr, "lrsd: cannot write %s: %s\n", a->output,
		    strerror(errno));
		return 1;
	}
	progress_init(&bar, stderr, "export", "statements");
	o.progress = progress_update;
	o.progress_arg = &bar;
	rc = export_run(&o, &res, err, sizeof(err));
	progress_end(&bar);
	if (o.out != stdout && fclose(o.out) != 0 && rc == EXPORT_OK) {
		snprintf(err, sizeof(err), "cannot write %s: %s", a->output,
		    strerror(errno));
		rc = EXPORT_EOUTPUT;
	}
	if (rc != EXPORT_OK) {
		fprintf(stderr, "lrsd: export: %s\n", err);
		return rc == EXPORT_EINVALID ? 2 : 1;
	}
	fprintf(stderr, "export: %llu statements, %llu payload files, %.1f s\n",
	    (unsigned long long)res.statements,
	    (unsigned long long)res.payloads, since(t0));
	return 0;
}

struct shown {
	const char	*file;
	uint64_t	 n;
};

static void
show_problem(void *arg, const char *where, const char *what)
{
	struct shown *sh = arg;

	if (sh->n++ < PROBLEMS_SHOWN)
		fprintf(stderr, "lrsd: import %s: %s: %s\n", sh->file, where, what);
}

struct phases {
	struct progress	bar;
	int		phase;
};

static void
import_bar(void *arg, int phase, uint64_t done, uint64_t total)
{
	struct phases *p = arg;

	if (phase != p->phase) {
		progress_end(&p->bar);
		progress_init(&p->bar, stderr, "import: storing", "statements");
		p->phase = phase;
	}
	progress_update(&p->bar, done, total);
}

/* Open the store of a for writing, as an import holds it. */
static int
open_for_import(struct args *a, int *lock, store **st, docstore **ds)
{
	struct store_limits lim = { a->cfg.map_size, a->cfg.map_max, 4,
	    (uint64_t)a->cfg.index_lag };
	char err[512];
	int rc;

	*st = NULL;
	*ds = NULL;
	if (mkdir(a->cfg.data, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "lrsd: cannot make %s: %s\n", a->cfg.data,
		    strerror(errno));
		return -1;
	}
	if (dirlock_take(a->cfg.data, lock, err, sizeof(err)) != DIRLOCK_OK) {
		fprintf(stderr, "lrsd: import: %s; import into a running server with POST /xapi/statements instead\n",
		    err);
		return -1;
	}
	if ((rc = store_open(a->cfg.data, &lim, st)) != STORE_OK) {
		fprintf(stderr, "lrsd: cannot open the store in %s: %s\n",
		    a->cfg.data, store_strerror(rc));
		return -1;
	}
	/* Before the first write: the documents learn from every statement. */
	if ((rc = docstore_open(*st, ds)) != DOCSTORE_OK) {
		fprintf(stderr, "lrsd: cannot open the documents in %s: %s\n",
		    a->cfg.data, docstore_strerror(rc));
		return -1;
	}
	return 0;
}

/* The import options from a; -1 (said why) when a flag is bad. */
static int
import_opts_of(struct args *a, struct import_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->authority_home = a->cfg.authority_home;
	o->authority_key = a->credential ? a->credential : "lrsd-import";
	o->restore = a->restore;
	o->skip_invalid = a->skip_invalid;
	o->attachments = a->attachments;
	o->batch = a->batch ? (size_t)a->batch : 500;
	o->version = XAPI_V1;
	if (a->version && strncmp(a->version, "2.0", 3) == 0)
		o->version = XAPI_V2;
	else if (a->version && strncmp(a->version, "1.0", 3) != 0) {
		fprintf(stderr, "lrsd: --xapi-version must be 1.0.3 or 2.0.0, not '%s'\n",
		    a->version);
		return -1;
	}
	if (a->url)
		return 0;
	if (a->npos != 1 || (a->restore && a->credential)) {
		fprintf(stderr, "lrsd: import takes one FILE (or - for standard input)%s\n",
		    a->restore && a->credential ? "; a restore keeps each statement's authority, so no --credential" : "");
		return -1;
	}
	return 0;
}

/* Sums res into sum. */
static void
add_result(struct import_result *sum, const struct import_result *res)
{
	sum->read += res->read;
	sum->stored += res->stored;
	sum->skipped += res->skipped;
	sum->invalid += res->invalid;
	sum->conflicts += res->conflicts;
	sum->payloads += res->payloads;
	sum->missing += res->missing;
}

/* The send of a checking run: nothing leaves, nothing is counted. */
static int
check_only(void *arg, json *const *stmts, size_t n, struct import_result *res,
    char *err, size_t errlen)
{
	return IMPORT_OK;
}

/* The settings of import --url into iu; -1 (said why) when bad. */
static int
url_opts_of(struct args *a, char *user, size_t userlen, struct importurl *iu)
{
	const char *colon = a->credential ? strchr(a->credential, ':') : NULL;
	char err[512];
	int i;

	memset(iu, 0, sizeof(*iu));
	if (client_url_parse(a->url, &iu->url, err, sizeof(err)) != 0) {
		fprintf(stderr, "lrsd: --url: %s\n", err);
		return -1;
	}
	if (colon == NULL || (size_t)(colon - a->credential) >= userlen) {
		fprintf(stderr, "lrsd: import --url needs --credential KEY:SECRET (a credential of the server with the scope all)\n");
		return -1;
	}
	if (a->attachments || a->npos == 0) {
		fprintf(stderr, "lrsd: import --url %s\n", a->npos == 0 ?
		    "takes one or more FILEs (or - for standard input)" :
		    "sends statements only: load attachment payloads with an offline import or POST /xapi/statements");
		return -1;
	}
	for (i = 0; i < a->npos && a->npos > 1; i++)
		if (strcmp(a->pos[i], "-") == 0) {
			fprintf(stderr, "lrsd: import --url reads all its FILEs twice (checking, then sending): standard input only as the one FILE\n");
			return -1;
		}
	memcpy(user, a->credential, (size_t)(colon - a->credential));
	user[colon - a->credential] = '\0';
	iu->user = user;
	iu->password = colon + 1;
	iu->restore = a->restore;
	iu->version = a->version ? a->version : "1.0.3";
	iu->problem = show_problem;
	return 0;
}

/* Each file of a through o (the checking run, or with iu the sending
 * one); the sum into sum and the first failure's code. */
static int
import_files(struct args *a, struct import_opts *o, struct importurl *iu,
    struct import_result *sum)
{
	struct import_result res;
	struct shown sh;
	struct phases ph;
	char err[512];
	int i, rc, worst = IMPORT_OK;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < a->npos; i++) {
		sh.file = a->pos[i];
		sh.n = 0;
		o->problem = show_problem;
		o->problem_arg = &sh;
		if (iu)
			iu->problem_arg = &sh;
		progress_init(&ph.bar, stderr, "import: checking", "statements");
		ph.phase = 0;
		o->progress = import_bar;
		o->progress_arg = &ph;
		err[0] = '\0';
		rc = import_run(o, a->pos[i], &res, err, sizeof(err));
		progress_end(&ph.bar);
		add_result(sum, &res);
		if (sh.n > PROBLEMS_SHOWN)
			fprintf(stderr, "lrsd: import %s: ... and %llu more problems\n",
			    a->pos[i], (unsigned long long)(sh.n - PROBLEMS_SHOWN));
		if (rc != IMPORT_OK && err[0])
			fprintf(stderr, "lrsd: import %s: %s\n", a->pos[i], err);
		if (rc == IMPORT_EINVALID && a->skip_invalid && err[0] == '\0')
			worst = rc;	/* reported; the others went on */
		else if (rc != IMPORT_OK)
			return rc;
	}
	return worst;
}

/* lrsd import --url: every file checked, then sent batch by batch. */
static int
cmd_import_url(struct args *a, struct import_opts *o)
{
	struct importurl iu;
	struct import_result sum;
	char user[256];
	int64_t t0 = iso8601_now();
	int rc;

	if (url_opts_of(a, user, sizeof(user), &iu) != 0)
		return 2;
	o->st = NULL;
	/* Nothing is sent before every file is read and found valid. */
	o->send = check_only;
	o->send_arg = NULL;
	if (a->npos > 1 && !a->skip_invalid &&
	    (rc = import_files(a, o, NULL, &sum)) != IMPORT_OK)
		goto done;
	o->send = importurl_send;
	o->send_arg = &iu;
	rc = import_files(a, o, &iu, &sum);
done:
	if (rc == IMPORT_EINVALID && !a->skip_invalid && sum.stored == 0)
		fprintf(stderr, "lrsd: import: nothing was stored (fix the input, or --skip-invalid to store the rest)\n");
	else if (rc != IMPORT_OK && sum.stored == 0)
		fprintf(stderr, "lrsd: import: nothing was stored\n");
	else if (rc != IMPORT_OK)
		fprintf(stderr, "lrsd: import: stopped; the %llu statements stored before stay (run the import again to go on: what is stored is skipped)\n",
		    (unsigned long long)sum.stored);
	fprintf(stderr, "import: %llu read, %llu stored, %llu already stored, %llu invalid, %llu conflicting, %llu requests to %s, %.1f s\n",
	    (unsigned long long)sum.read, (unsigned long long)sum.stored,
	    (unsigned long long)sum.skipped, (unsigned long long)sum.invalid,
	    (unsigned long long)sum.conflicts, (unsigned long long)iu.requests,
	    a->url, since(t0));
	return rc == IMPORT_OK ? 0 : 1;
}

static int
cmd_import(struct args *a)
{
	struct import_opts o;
	struct import_result res;
	struct shown sh = { a->pos[0], 0 };
	struct phases ph;
	store *st = NULL;
	docstore *ds = NULL;
	char err[512];
	int64_t t0 = iso8601_now();
	int lock = -1, rc = 1;

	if (import_opts_of(a, &o) != 0)
		return 2;
	if (a->url)
		return cmd_import_url(a, &o);
	/* Say so before a store is made for nothing. */
	if (strcmp(a->pos[0], "-") != 0 && access(a->pos[0], R_OK) != 0) {
		fprintf(stderr, "lrsd: import: cannot read %s: %s\n", a->pos[0],
		    strerror(errno));
		return 1;
	}
	if (open_for_import(a, &lock, &st, &ds) != 0)
		goto out;
	o.st = st;
	o.problem = show_problem;
	o.problem_arg = &sh;
	progress_init(&ph.bar, stderr, "import: checking", "statements");
	ph.phase = 0;
	o.progress = import_bar;
	o.progress_arg = &ph;
	rc = import_run(&o, a->pos[0], &res, err, sizeof(err));
	progress_end(&ph.bar);
	if (sh.n > PROBLEMS_SHOWN)
		fprintf(stderr, "lrsd: import %s: ... and %llu more problems\n",
		    a->pos[0], (unsigned long long)(sh.n - PROBLEMS_SHOWN));
	if (rc == IMPORT_EINPUT || rc == IMPORT_ESTORE)
		fprintf(stderr, "lrsd: import %s: %s\n", a->pos[0], err);
	else if (rc == IMPORT_EINVALID && !a->skip_invalid)
		fprintf(stderr, "lrsd: import %s: nothing was stored (fix the input, or --skip-invalid to store the rest)\n",
		    a->pos[0]);
	fprintf(stderr, "import: %llu read, %llu stored, %llu already stored, %llu invalid, %llu conflicting, %llu payloads, %llu attachments without payload, %.1f s\n",
	    (unsigned long long)res.read, (unsigned long long)res.stored,
	    (unsigned long long)res.skipped, (unsigned long long)res.invalid,
	    (unsigned long long)res.conflicts, (unsigned long long)res.payloads,
	    (unsigned long long)res.missing, since(t0));
	rc = rc == IMPORT_OK ? 0 : 1;
out:
	store_close(st);
	docstore_close(ds);
	dirlock_release(lock);
	return rc;
}

/* The size of dir/data.mdb, 0 when unknown. */
static unsigned long long
data_size(const char *dir)
{
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	return stat(path, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
}

/* The statements of the store in dir (read-only): -1 when it cannot be
 * read, said why. */
static int
count(const char *dir, unsigned long long *n)
{
	store_read *r;
	store *s;
	int rc;

	if ((rc = store_open_readonly(dir, &s)) != STORE_OK) {
		fprintf(stderr, "lrsd: cannot open the store in %s: %s\n", dir,
		    rc == STORE_ENOTFOUND ? "no lrsd store there" :
		    store_strerror(rc));
		return -1;
	}
	if ((rc = store_read_begin(s, &r)) == STORE_OK) {
		*n = store_last_seq(r);
		store_read_end(r);
	} else
		fprintf(stderr, "lrsd: cannot read %s: %s\n", dir,
		    store_strerror(rc));
	store_close(s);
	return rc == STORE_OK ? 0 : -1;
}

/* Copy the store in from to the new directory to. */
static int
copy(const char *from, const char *to)
{
	store *s;
	int rc;

	if ((rc = store_open_readonly(from, &s)) != STORE_OK) {
		fprintf(stderr, "lrsd: cannot open the store in %s: %s\n", from,
		    rc == STORE_ENOTFOUND ? "no lrsd store there" :
		    store_strerror(rc));
		return -1;
	}
	if ((rc = store_copy(s, to)) != STORE_OK)
		fprintf(stderr, "lrsd: cannot copy %s to %s: %s\n", from, to,
		    rc == STORE_EEXIST ? "it exists already" :
		    store_strerror(rc));
	store_close(s);
	return rc == STORE_OK ? 0 : -1;
}

static int
cmd_backup(struct args *a)
{
	unsigned long long n;
	int64_t t0 = iso8601_now();

	if (a->npos != 1) {
		fprintf(stderr, "lrsd: backup takes one TARGET, a directory that does not exist yet\n");
		return 2;
	}
	if (copy(a->cfg.data, a->pos[0]) != 0 || count(a->pos[0], &n) != 0)
		return 1;
	fprintf(stderr, "backup: %s: %llu statements, %llu bytes, %.1f s\n",
	    a->pos[0], n, data_size(a->pos[0]), since(t0));
	return 0;
}

/* Nonzero when dir is missing or an empty directory. */
static int
vacant(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) != 0)
		return errno == ENOENT;
	if (!S_ISDIR(sb.st_mode))
		return 0;
	/* rmdir fails on a directory that holds anything. */
	if (rmdir(dir) != 0)
		return 0;
	return mkdir(dir, 0700) == 0 || errno == EEXIST;
}

static int
cmd_restore(struct args *a)
{
	char tmp[PATH_MAX];
	unsigned long long from, to;
	int64_t t0 = iso8601_now();

	if (a->npos != 1) {
		fprintf(stderr, "lrsd: restore takes one BACKUP directory\n");
		return 2;
	}
	if (!vacant(a->cfg.data)) {
		fprintf(stderr, "lrsd: restore: %s exists and is not empty: restore into a new directory (--data)\n",
		    a->cfg.data);
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.restoring-%ld", a->cfg.data,
	    (long)getpid());
	if (count(a->pos[0], &from) != 0 || copy(a->pos[0], tmp) != 0)
		return 1;
	/* Only a copy that opens and holds what the backup does is put in
	 * place, in one rename. */
	if (count(tmp, &to) != 0 || to != from ||
	    rename(tmp, a->cfg.data) != 0) {
		fprintf(stderr, "lrsd: restore: the copy in %s %s\n", tmp,
		    to != from ? "differs from the backup" : strerror(errno));
		return 1;
	}
	fprintf(stderr, "restore: %s from %s: %llu statements, %llu bytes, %.1f s\n",
	    a->cfg.data, a->pos[0], to, data_size(a->cfg.data), since(t0));
	return 0;
}

static int
cmd_stats(struct args *a)
{
	struct stats st;
	struct buf out = BUF_INIT;
	char err[512];

	if (a->npos) {
		fprintf(stderr, "lrsd: stats takes no words, only flags\n");
		return 2;
	}
	if (stats_collect(a->cfg.data, a->top ? (size_t)a->top : 10,
	    a->cfg.map_max, &st, err, sizeof(err)) != STATS_OK) {
		fprintf(stderr, "lrsd: stats: %s\n", err);
		return 1;
	}
	if (a->json)
		stats_json(&st, &out);
	else
		stats_table(&st, &out);
	fwrite(out.p, 1, out.len, stdout);
	buf_free(&out);
	stats_free(&st);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
datatools_main(int argc, char **argv)
{
	struct args a;
	int rc;

	if (parse(argc, argv, &a) != 0) {
		params_free(&a.filters);
		return 2;
	}
	if (strcmp(argv[1], "export") == 0)
		rc = cmd_export(&a);
	else if (strcmp(argv[1], "import") == 0)
		rc = cmd_import(&a);
	else if (strcmp(argv[1], "backup") == 0)
		rc = cmd_backup(&a);
	else if (strcmp(argv[1], "restore") == 0)
		rc = cmd_restore(&a);
	else
		rc = cmd_stats(&a);
	params_free(&a.filters);
	return rc;
}
