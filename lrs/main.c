/* lrsd: the command-line front of the LRS.
 *
 *   lrsd serve [options]                          run the server
 *   lrsd credential add --data DIR KEY [SECRET] [--scopes LIST]
 *   lrsd credential list --data DIR
 *   lrsd credential revoke --data DIR KEY
 *   lrsd purge --before INSTANT [--dry-run] --data DIR
 *   lrsd erase --agent JSON [--dry-run] --data DIR
 *   lrsd export | import | backup | restore | stats ...   (datatools.h)
 */
#include "audit.h"
#include "config.h"
#include "console.h"
#include "credapi.h"
#include "cred.h"
#include "datatools.h"
#include "dirlock.h"
#include "docstore.h"
#include "fault.h"
#include "feed.h"
#include "fwd.h"
#include "fwdapi.h"
#include "importapi.h"
#include "iso8601.h"
#include "lifeapi.h"
#include "lifecycle.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "tier.h"

#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>


/* n random bytes as 2n hex digits into out (2n + 1 bytes); -1 when the
 * random generator fails. */
static int
random_hex(char *out, size_t n)
{
	unsigned char rnd[64];
	size_t i;

	if (n > sizeof(rnd) || FAULT("rand") != 0 || RAND_bytes(rnd, (int)n) != 1)
		return -1;
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: lrsd serve [options]\n"
	    "       lrsd credential add KEY [SECRET] [--scopes LIST] [--data DIR]\n"
	    "       lrsd credential list [--data DIR]\n"
	    "       lrsd credential revoke KEY [--data DIR]\n"
	    "       lrsd purge --before INSTANT [--dry-run] [--data DIR]\n"
	    "       lrsd erase --agent JSON [--dry-run] [--data DIR]\n"
	    "%s"
	    "\n"
	    "xAPI 1.0.3 and 2.0.0 Learning Record Store; serves under /xapi.\n"
	    "Options (each also an environment variable):\n%s"
	    "  --scopes LIST      credential add: comma-separated scopes (default all):\n"
	    "                     statements/write, statements/read, statements/read/mine,\n"
	    "                     state, define, profile, all/read, all\n",
	    datatools_usage(), config_usage());
}

/* Parse argv[from..] flags into cfg; positional words go to pos. */
static int
parse_args(int argc, char **argv, int from, struct config *cfg, char **pos,
    int maxpos, int *npos, char **scopes)
{
	char err[256], *name, *eq;
	int i, used;

	*npos = 0;
	if (config_env(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "lrsd: %s\n", err);
		return -1;
	}
	for (i = from; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strncmp(argv[i], "--", 2) != 0) {
			if (*npos == maxpos) {
				fprintf(stderr, "lrsd: unexpected argument '%s'\n", argv[i]);
				return -1;
			}
			pos[(*npos)++] = argv[i];
			continue;
		}
		name = argv[i] + 2;
		if ((eq = strchr(name, '=')) != NULL)
			*eq++ = '\0';
		if (strcmp(name, "scopes") == 0 && scopes) {
			*scopes = eq ? eq : (i + 1 < argc ? argv[++i] : NULL);
			if (*scopes == NULL) {
				fprintf(stderr, "lrsd: --scopes needs a value\n");
				return -1;
			}
			continue;
		}
		used = config_flag(cfg, name, eq ? eq : (i + 1 < argc ? argv[i + 1] : NULL),
		    err, sizeof(err));
		if (used < 0) {
			fprintf(stderr, "lrsd: %s\n", err);
			return -1;
		}
		if (used && !eq)
			i++;
	}
	return 0;
}

static int
open_all(const struct config *cfg, store **st, docstore **ds, cred_store **cs)
{
	/* A request may hold two reads at once (a query and the canonical
	 * Activities it shows). */
	struct store_limits lim = { cfg->map_size, cfg->map_max,
	    2 * (unsigned)cfg->threads, (uint64_t)cfg->index_lag };
	int rc;

	*st = NULL;
	*ds = NULL;
	*cs = NULL;
	if ((rc = store_open(cfg->data, &lim, st)) != STORE_OK) {
		fprintf(stderr, "lrsd: cannot open the store in %s: %s\n",
		    cfg->data, store_strerror(rc));
		goto out;
	}
	/* Before the first write: the documents learn from every statement. */
	if ((rc = docstore_open(*st, ds)) != DOCSTORE_OK) {
		fprintf(stderr, "lrsd: cannot open the documents in %s: %s\n",
		    cfg->data, docstore_strerror(rc));
		goto out;
	}
	if ((rc = cred_open(*st, cs)) != CRED_OK) {
		fprintf(stderr, "lrsd: cannot open credentials: %s\n",
		    cred_strerror(rc));
		goto out;
	}
	return 0;
out:
	/* The store's writer calls into the documents until it stops. */
	store_close(*st);
	docstore_close(*ds);
	*st = NULL;
	*ds = NULL;
	return -1;
}

/* On an empty store, create the first admin credential. */
static int
first_admin(const struct config *cfg, cred_store *cs)
{
	struct cred *list = NULL;
	char key[32], secret[48], akey[CRED_KEY_MAX + 1], *colon;
	size_t n;
	int rc;

	if ((rc = cred_list(cs, &list, &n)) != CRED_OK) {
		log_msg(LOG_ERR, "cannot list credentials: %s", cred_strerror(rc));
		return -1;
	}
	free(list);
	if (n > 0)
		return 0;
	if (cfg->admin[0]) {
		colon = strchr(cfg->admin, ':');
		if (colon == NULL || (size_t)(colon - cfg->admin) >= sizeof(akey)) {
			log_msg(LOG_ERR, "--admin must be KEY:SECRET");
			return -1;
		}
		memcpy(akey, cfg->admin, (size_t)(colon - cfg->admin));
		akey[colon - cfg->admin] = '\0';
		rc = cred_add(cs, akey, colon + 1, CRED_ALL);
		if (rc != CRED_OK) {
			log_msg(LOG_ERR, "cannot create admin credential: %s", cred_strerror(rc));
			return -1;
		}
		log_msg(LOG_INFO, "created admin credential '%s'", akey);
		return 0;
	}
	if (random_hex(key, 8) != 0 || random_hex(secret, 16) != 0) {
		log_msg(LOG_ERR, "cannot create an admin credential: the random generator (libcrypto RAND_bytes) failed");
		return -1;
	}
	if ((rc = cred_add(cs, key, secret, CRED_ALL)) != CRED_OK) {
		log_msg(LOG_ERR, "cannot create admin credential: %s", cred_strerror(rc));
		return -1;
	}
	printf("admin credential (shown once): key %s secret %s\n", key, secret);
	fflush(stdout);
	return 0;
}

static int
cmd_serve(int argc, char **argv)
{
	struct config cfg;
	store *st = NULL;
	docstore *ds = NULL;
	cred_store *cs = NULL;
	server *sv = NULL;
	tier_engine *te = NULL;
	feed *fd = NULL;
	fwd *fw = NULL;
	audit *au = NULL;
	life *lf = NULL;
	char err[256], *pos[1];
	int npos, rc = 1, lock = -1, sig;
	sigset_t stop;

	config_defaults(&cfg);
	if (parse_args(argc, argv, 2, &cfg, pos, 0, &npos, NULL) != 0)
		return 2;
	/* SIGINT and SIGTERM are for this thread's sigwait alone: blocked
	 * before any thread starts, so every thread inherits the block (a
	 * handler run by another thread left pause() here waiting). */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if (open_all(&cfg, &st, &ds, &cs) != 0)
		return 1;
	/* No offline import or restore while serving (dirlock.h). */
	if (dirlock_take(cfg.data, &lock, err, sizeof(err)) != DIRLOCK_OK) {
		log_msg(LOG_ERR, "%s", err);
		goto out;
	}
	if (first_admin(&cfg, cs) != 0)
		goto out;
	signal(SIGPIPE, SIG_IGN);
	/* The one place that wires the tiering engine to the LRS. */
	if (!cfg.no_tiering && tier_open(st, cfg.authority_home,
	    cfg.simulated_clock[0] ? cfg.simulated_clock : NULL, &te, err,
	    sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s", err);
		goto out;
	}
	if (fwd_open(st, &fw, err, sizeof(err)) != FWD_OK) {
		log_msg(LOG_ERR, "%s", err);
		goto out;
	}
	if (server_start(&cfg, st, ds, cs, &sv, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s", err);
		goto out;
	}
	if (te && server_mount(sv, "/tiering", tier_http, te) != 0) {
		log_msg(LOG_ERR, "cannot serve /tiering");
		goto out;
	}
	/* lrsd import --url: imports through this server's writer. */
	if (server_mount(sv, "/import", importapi_handle, NULL) != 0) {
		log_msg(LOG_ERR, "cannot serve /import");
		goto out;
	}
	if (te)
		server_set_lag(sv, tier_lag, te);
	/* The change feed: a quarter of the threads may wait on it. */
	fd = feed_new(st, cfg.threads / 4);
	if (server_mount(sv, "/feed", feed_http, fd) != 0) {
		log_msg(LOG_ERR, "cannot serve /feed");
		goto out;
	}
	/* Forwarding: its admin API, its lag in /ready and /metrics. */
	if (server_mount(sv, "/forwarding", fwdapi_http, fw) != 0 ||
	    server_add_lag(sv, "forwarding", "forwarding", 0, fwd_lag, fw) != 0 ||
	    server_add_metrics(sv, fwd_metrics, fw) != 0) {
		log_msg(LOG_ERR, "cannot serve /forwarding");
		goto out;
	}
	/* The admin console (its files are public; its calls carry the
	 * credential its user signs in with) and the credentials' API. */
	if (server_mount_public(sv, "/admin", console_http, NULL) != 0 ||
	    server_mount(sv, "/credentials", credapi_http, cs) != 0) {
		log_msg(LOG_ERR, "cannot serve /admin and /credentials");
		goto out;
	}
	server_set_home(sv, "/admin/");
	/* The data lifecycle: /ops, and the engine rebuilds after it. */
	if ((rc = audit_open(st, &au)) != STORE_OK) {
		log_msg(LOG_ERR, "cannot open the audit trail: %s",
		    store_strerror(rc));
		rc = 1;
		goto out;
	}
	lf = life_new(st, ds, au);
	if (te)
		life_on_change(lf, tier_rebuild, te);
	if (server_mount(sv, "/ops", lifeapi_http, lf) != 0) {
		log_msg(LOG_ERR, "cannot serve /ops");
		goto out;
	}
	server_open(sv);
	log_msg(LOG_INFO, "lrsd serving xAPI at http://%s/xapi (data %s)",
	    cfg.listen, cfg.data);
	while (sigwait(&stop, &sig) != 0)
		;
	log_msg(LOG_INFO, "stopping: finishing requests in flight");
	rc = 0;
out:
	feed_stop(fd);
	server_stop(sv);
	feed_free(fd);
	fwd_close(fw);
	life_free(lf);
	audit_close(au);
	tier_close(te);
	cred_close(cs);
	/* The store's writer calls into the documents until it stops. */
	store_close(st);
	docstore_close(ds);
	dirlock_release(lock);
	if (rc == 0)
		log_msg(LOG_INFO, "stopped");
	return rc;
}

static int
cmd_credential(int argc, char **argv)
{
	struct config cfg;
	store *st = NULL;
	docstore *ds = NULL;
	cred_store *cs = NULL;
	struct cred *list = NULL;
	char *pos[3], *scopes_text = NULL, names[256];
	unsigned scopes = CRED_ALL;
	char secret[40];
	size_t n, i;
	int npos, rc = 1;

	config_defaults(&cfg);
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	if (parse_args(argc, argv, 3, &cfg, pos, 2, &npos, &scopes_text) != 0)
		return 2;
	if (scopes_text && cred_scopes_parse(scopes_text, &scopes) != CRED_OK) {
		fprintf(stderr, "lrsd: unknown scope in '%s'\n", scopes_text);
		return 2;
	}
	if (open_all(&cfg, &st, &ds, &cs) != 0)
		return 1;
	if (strcmp(argv[2], "add") == 0 && npos >= 1) {
		if (npos < 2) {
			if (random_hex(secret, 16) != 0) {
				fprintf(stderr, "lrsd: cannot make a secret: the random generator (libcrypto RAND_bytes) failed\n");
				rc = 1;
				goto out;
			}
			pos[1] = secret;
		}
		if ((rc = cred_add(cs, pos[0], pos[1], scopes)) != CRED_OK) {
			fprintf(stderr, "lrsd: %s\n", cred_strerror(rc));
			rc = 1;
			goto out;
		}
		cred_scopes_format(scopes, names, sizeof(names));
		printf("added %s secret %s scopes %s\n", pos[0], pos[1], names);
	} else if (strcmp(argv[2], "list") == 0) {
		if ((rc = cred_list(cs, &list, &n)) != CRED_OK) {
			fprintf(stderr, "lrsd: %s\n", cred_strerror(rc));
			rc = 1;
			goto out;
		}
		for (i = 0; i < n; i++) {
			cred_scopes_format(list[i].scopes, names, sizeof(names));
			printf("%s\t%s\n", list[i].key, names);
		}
	} else if (strcmp(argv[2], "revoke") == 0 && npos == 1) {
		if ((rc = cred_revoke(cs, pos[0])) != CRED_OK) {
			fprintf(stderr, "lrsd: %s\n", cred_strerror(rc));
			rc = 1;
			goto out;
		}
		printf("revoked %s\n", pos[0]);
	} else {
		usage(stderr);
		rc = 2;
		goto out;
	}
	rc = 0;
out:
	free(list);
	cred_close(cs);
	store_close(st);
	docstore_close(ds);
	return rc;
}

/* --- purge and erase from the command line (lifecycle.h) --- */

/* Take --before, --agent and --dry-run out of argv (what is left goes to
 * parse_args); -1 when one lacks its value. */
static int
life_args(int *argc, char **argv, const char **before, const char **agent,
    int *dry)
{
	int i, j;

	for (i = j = 2; i < *argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			*dry = 1;
		else if (strcmp(argv[i], "--before") == 0 ||
		    strcmp(argv[i], "--agent") == 0) {
			if (i + 1 == *argc) {
				fprintf(stderr, "lrsd: %s needs a value\n", argv[i]);
				return -1;
			}
			*(argv[i][2] == 'b' ? before : agent) = argv[i + 1];
			i++;
		} else
			argv[j++] = argv[i];
	}
	*argc = j;
	return 0;
}

/* The request of argv[1] (purge or erase) from its arguments; -1 with a
 * message when one is missing or bad. */
static int
life_request_of(const char *cmd, const char *before, const char *agent,
    struct life_request *rq)
{
	json *a = NULL;
	int rc;

	if (strcmp(cmd, "purge") == 0) {
		rq->action = LIFE_PURGE;
		if (before && iso8601_parse(before, strlen(before), 1,
		    &rq->before) == 0)
			return 0;
		fprintf(stderr, "lrsd: purge needs --before, an ISO 8601 date-time with a time zone (e.g. 2025-01-01T00:00:00Z)\n");
		return -1;
	}
	rq->action = LIFE_ERASE;
	if (agent == NULL || json_parse(agent, strlen(agent), 32, &a, NULL,
	    0) != 0) {
		fprintf(stderr, "lrsd: erase needs --agent, an Agent as JSON (e.g. '{\"mbox\":\"mailto:someone@example.com\"}')\n");
		return -1;
	}
	rc = index_agent_hash(a, rq->agent);
	json_free(a);
	if (rc != INDEX_OK) {
		fprintf(stderr, "lrsd: --agent has no inverse functional identifier (mbox, mbox_sha1sum, openid or account)\n");
		return -1;
	}
	return 0;
}

static void
life_print(const struct life_request *rq, const struct life_counts *c)
{
	printf("%s%s: %llu statements, %llu attachments, %llu documents, "
	    "%llu bytes%s (audit record %llu)\n",
	    rq->action == LIFE_PURGE ? "purge" : "erase",
	    rq->dry_run ? " (dry run: would remove)" : "",
	    (unsigned long long)c->statements,
	    (unsigned long long)c->attachments,
	    (unsigned long long)c->documents, (unsigned long long)c->bytes,
	    rq->action == LIFE_ERASE && c->person ? ", the Person" : "",
	    (unsigned long long)c->audit_id);
}

/* A life_changed_fn: the engine rebuilds when it next starts. */
static int
reset_tiering(void *arg)
{
	return tier_reset(arg);
}

/* lrsd purge / lrsd erase: for a stopped server (a running one would
 * not know that its tiering engine must rebuild). */
static int
cmd_lifecycle(int argc, char **argv)
{
	struct life_request rq = { LIFE_PURGE, 0, { 0 }, 0, NULL, "cli" };
	struct life_counts c;
	struct config cfg;
	struct passwd *pw = getpwuid(geteuid());
	const char *before = NULL, *agent = NULL;
	char who[160], err[256], *pos[1];
	store *st = NULL;
	docstore *ds = NULL;
	cred_store *cs = NULL;
	audit *au = NULL;
	life *lf = NULL;
	int npos, rc = 1, lock = -1;

	config_defaults(&cfg);
	if (life_args(&argc, argv, &before, &agent, &rq.dry_run) != 0 ||
	    parse_args(argc, argv, 2, &cfg, pos, 0, &npos, NULL) != 0 ||
	    life_request_of(argv[1], before, agent, &rq) != 0)
		return 2;
	snprintf(who, sizeof(who), "os:%s", pw ? pw->pw_name : "?");
	rq.who = who;
	if (open_all(&cfg, &st, &ds, &cs) != 0)
		return 1;
	/* Not beside a serving lrsd, whose engine would not know to
	 * rebuild (use POST /ops/purge or /ops/erase there). */
	if (dirlock_take(cfg.data, &lock, err, sizeof(err)) != DIRLOCK_OK) {
		fprintf(stderr, "lrsd: %s (use POST /ops/%s on the running "
		    "server)\n", err, argv[1]);
		goto out;
	}
	if ((rc = audit_open(st, &au)) != STORE_OK) {
		fprintf(stderr, "lrsd: cannot open the audit trail: %s\n",
		    store_strerror(rc));
		rc = 1;
		goto out;
	}
	lf = life_new(st, ds, au);
	if (!cfg.no_tiering)
		life_on_change(lf, reset_tiering, st);
	rc = life_run(lf, &rq, &c);
	life_print(&rq, &c);
	if (rc != STORE_OK)
		fprintf(stderr, "lrsd: %s stopped: %s (run it again to finish)\n",
		    argv[1], store_strerror(rc));
	rc = rc != STORE_OK;
out:
	life_free(lf);
	audit_close(au);
	cred_close(cs);
	store_close(st);
	docstore_close(ds);
	dirlock_release(lock);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "credential") == 0)
		return cmd_credential(argc, argv);
	if (argc >= 2 && (strcmp(argv[1], "purge") == 0 ||
	    strcmp(argv[1], "erase") == 0))
		return cmd_lifecycle(argc, argv);
	if (argc >= 2 && datatools_is(argv[1]))
		return datatools_main(argc, argv);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
