/* The data tools against real servers: a few thousand varied statements
 * (both xAPI versions, attachments, voiding, registrations, context
 * shapes) are posted to server A; stats figures are checked against what
 * was written; export (NDJSON and CSV) and import --restore into a fresh
 * store, served by B, give byte-identical GET by id and the same query
 * answers; a backup taken while a writer thread posts restores to a store
 * whose every statement is A's; normal import is a POST and idempotent;
 * bad input (malformed JSON, an invalid statement, a conflicting id, an
 * unreadable file, a busy directory) fails clearly with nothing stored;
 * import --url goes through running servers (restore byte-identical,
 * normal by the credential, the tiering follower caught up, idempotent,
 * conflicts, scopes and bad bodies of POST /import/statements refused). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "httpc.h"
#include "srv.h"
#include "test.h"
#include "xalloc.h"

TEST_MAIN_DEFS

#define N	2000	/* plain statements */
#define BATCH	100
#define NATT	5	/* statements with an attachment */
#define NVOID	20	/* voided by as many voiding statements */
#define NMINE	3	/* sent by a statements/read/mine credential */
#define TOTAL	(N + NATT + NVOID + NMINE)
#define NVERB	5
#define NACT	7
#define EX	"http://example.com/"
#define REG	"3f0c1a52-8d3b-4c3e-9a51-0b7d2e4f6a10"
#define BOUNDARY "datatools-test-boundary"

static struct srv a = SRV_INIT, b = SRV_INIT, d = SRV_INIT;
static char ids[TOTAL][37];
static int nids;
static int voided[N];		/* statement i of the N is voided */
static char work[128];		/* the test's scratch directory */
static const char *lrsd;

static char **kept;		/* what fmt and slurp made, freed at the end */
static size_t nkept;

static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
keep(char *p)
{
	kept = xrealloc(kept, (nkept + 1) * sizeof(*kept));
	return kept[nkept++] = p;
}

/* A formatted string that lives until the test ends. */
static const char *
fmt(const char *f, ...)
{
	struct buf bf = BUF_INIT;
	va_list ap;

	va_start(ap, f);
	buf_vprintf(&bf, f, ap);
	va_end(ap);
	return keep(buf_detach(&bf, NULL));
}

/* Run "lrsd ARGS" with stdout and stderr into files of work named by
 * tag; its exit status (-1 when it did not exit). */
static int
run(const char *tag, const char *args)
{
	int st = system(fmt("%s %s >%s/%s.out 2>%s/%s.err", lrsd, args, work,
	    tag, work, tag));

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The whole of a file (NUL-terminated; "" when unreadable). */
static char *
slurp(const char *path, size_t *len)
{
	struct buf bf = BUF_INIT;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&bf, chunk, n);
	if (f)
		fclose(f);
	buf_add(&bf, "", 1);
	if (len)
		*len = bf.len - 1;
	return keep(buf_detach(&bf, NULL));
}

static int
err_has(const char *tag, const char *what)
{
	char *e = slurp(fmt("%s/%s.err", work, tag), NULL);
	int has = strstr(e, what) != NULL;

	if (!has)
		fprintf(stderr, "%s.err lacks '%s': %s\n", tag, what, e);
	return has;
}

static int
get(const struct srv *s, const char *path, struct httpc_resp *r)
{
	memset(r, 0, sizeof(*r));
	if (httpc_xapi(s->port, "2.0.0", "GET", path, NULL, NULL, 0, r) != 0)
		return -1;
	return r->status;
}

static void
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len, i;

	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Statement i of the plain ones; with_id puts its id in. */
static void
plain(struct buf *bf, int i, const char *id)
{
	buf_putc(bf, '{');
	if (id)
		buf_printf(bf, "\"id\":\"%s\",", id);
	buf_printf(bf, "\"actor\":{\"mbox\":\"mailto:p%d@example.com\","
	    "\"name\":\"P %d\"},\"verb\":{\"id\":\"" EX "verbs/v%d\","
	    "\"display\":{\"en-US\":\"v%d\"}},\"object\":{\"id\":\"" EX
	    "act/a%d\",\"definition\":{\"name\":{\"en-US\":\"A, \\\"%d\\\"\"}}}",
	    i % 10, i % 10, i % NVERB, i % NVERB, i % NACT, i % NACT);
	if (i % 2)
		buf_printf(bf, ",\"result\":{\"score\":{\"scaled\":0.%d},"
		    "\"success\":%s,\"duration\":\"PT%dS\"}", i % 10,
		    i % 4 == 1 ? "true" : "false", i);
	if (i % 4 == 0 || i % 6 == 0) {
		buf_puts(bf, ",\"context\":{");
		if (i % 4 == 0)
			buf_puts(bf, "\"registration\":\"" REG "\"");
		if (i % 6 == 0)	/* one object: stored as an array */
			buf_printf(bf, "%s\"contextActivities\":{\"parent\":"
			    "{\"id\":\"" EX "course/c%d\"}}", i % 4 == 0 ?
			    "," : "", i % 3);
		buf_putc(bf, '}');
	}
	if (i % 3 == 0)
		buf_printf(bf, ",\"timestamp\":\"2025-03-0%dT10:00:%02d.5+02:00\"",
		    1 + i % 9, i % 60);
	buf_putc(bf, '}');
}

/* Record the ids a POST answered. */
static void
note_ids(struct httpc_resp *r)
{
	json *j = httpc_json(r);
	size_t k;

	for (k = 0; j && j->type == JSON_ARRAY && k < j->n; k++)
		if (j->vals[k]->type == JSON_STRING && nids <
		    (int)(sizeof(ids) / sizeof(ids[0])))
			snprintf(ids[nids++], 37, "%s", j->vals[k]->str);
}

static int
post(const struct srv *s, const char *version, const char *extra,
    const char *body, size_t len, struct httpc_resp *r)
{
	memset(r, 0, sizeof(*r));
	if (httpc_xapi(s->port, version, "POST", "/xapi/statements", extra,
	    body, len, r) != 0)
		return -1;
	return r->status;
}

/* The N plain statements, half the batches as 1.0.3, half as 2.0.0;
 * even ones carry their id. */
static void
write_plain(void)
{
	struct httpc_resp r;
	struct buf bf = BUF_INIT;
	char id[37];
	int i, k, fails = 0;

	for (i = 0; i < N; i += BATCH) {
		buf_reset(&bf);
		buf_putc(&bf, '[');
		for (k = i; k < i + BATCH; k++) {
			if (k > i)
				buf_putc(&bf, ',');
			plain(&bf, k, k % 2 ? NULL : httpc_uuid(id));
		}
		buf_putc(&bf, ']');
		if (post(&a, (i / BATCH) % 2 ? "2.0.0" : "1.0.3", NULL, bf.p,
		    bf.len, &r) != 200)
			fails++;
		note_ids(&r);
		httpc_resp_free(&r);
	}
	buf_free(&bf);
	ok(fails == 0 && nids == N, "%d plain statements posted (%d failed "
	    "batches)", nids, fails);
}

/* NATT statements with a text attachment each; their payload bytes. */
static size_t
write_attachments(void)
{
	struct httpc_resp r;
	struct buf bf = BUF_INIT;
	char sha[65];
	const char *text;
	size_t bytes = 0;
	int i, fails = 0;

	for (i = 0; i < NATT; i++) {
		text = fmt("payload %d: %s", i, i % 2 ? "odd, and longer" : "even");
		sha256_hex(text, strlen(text), sha);
		bytes += strlen(text);
		buf_reset(&bf);
		buf_printf(&bf, "--" BOUNDARY "\r\nContent-Type: application/json"
		    "\r\n\r\n{\"actor\":{\"mbox\":\"mailto:att@example.com\"},"
		    "\"verb\":{\"id\":\"" EX "verbs/att\"},\"object\":{\"id\":\""
		    EX "act/att\"},\"attachments\":[{\"usageType\":\"" EX
		    "usage\",\"display\":{\"en-US\":\"t\"},\"contentType\":"
		    "\"text/plain\",\"length\":%zu,\"sha2\":\"%s\"}]}\r\n--"
		    BOUNDARY "\r\nContent-Type: text/plain\r\n"
		    "Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: "
		    "%s\r\n\r\n%s\r\n--" BOUNDARY "--\r\n", strlen(text), sha,
		    sha, text);
		if (post(&a, "1.0.3", "Content-Type: multipart/mixed; boundary="
		    BOUNDARY "\r\n", bf.p, bf.len, &r) != 200)
			fails++;
		note_ids(&r);
		httpc_resp_free(&r);
	}
	buf_free(&bf);
	ok(fails == 0, "statements with attachments posted");
	return bytes;
}

/* Void NVOID of the plain statements (every 100th from the 3rd). */
static void
write_voiding(void)
{
	struct httpc_resp r;
	struct buf bf = BUF_INIT;
	int k, t, fails = 0;

	for (k = 0; k < NVOID; k++) {
		t = 3 + 100 * k;
		voided[t] = 1;
		buf_reset(&bf);
		buf_printf(&bf, "{\"actor\":{\"mbox\":\"mailto:admin@example.com\"},"
		    "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},"
		    "\"object\":{\"objectType\":\"StatementRef\",\"id\":\"%s\"}}",
		    ids[t]);
		if (post(&a, "2.0.0", NULL, bf.p, bf.len, &r) != 200)
			fails++;
		note_ids(&r);
		httpc_resp_free(&r);
	}
	buf_free(&bf);
	ok(fails == 0, "voiding statements posted");
}

/* The count of top list name of stats JSON j for id (-1: absent). */
static long long
top_count(const json *j, const char *name, const char *id)
{
	const json *list = json_get(j, name);
	size_t k;

	for (k = 0; list && list->type == JSON_ARRAY && k < list->n; k++)
		if (json_is_str(json_get(list->vals[k], "id"), id))
			return (long long)json_get(list->vals[k], "count")->num;
	return -1;
}

static long long
num(const json *j, const char *name)
{
	const json *v = json_get(j, name);

	return v && v->type == JSON_NUMBER ? (long long)v->num : -1;
}

/* GET path on s as the credential mine (scope statements/read/mine). */
static int
get_mine(const struct srv *s, const char *path, struct httpc_resp *r)
{
	struct buf h = BUF_INIT;
	int rc;

	buf_puts(&h, "Authorization: ");
	httpc_basic("mine", "minesecret123", &h);
	buf_puts(&h, "\r\nX-Experience-API-Version: 2.0.0\r\n");
	buf_add(&h, "", 1);
	memset(r, 0, sizeof(*r));
	rc = httpc_request("127.0.0.1", s->port, "GET", path, h.p, NULL, 0, r);
	buf_free(&h);
	return rc == 0 ? r->status : -1;
}

/* NMINE statements by the credential mine, made beside the server. */
static void
write_mine(void)
{
	struct httpc_resp r;
	struct buf h = BUF_INIT;
	int k, fails = 0;

	ok(run("mine", fmt("credential add mine minesecret123 --scopes "
	    "statements/write,statements/read/mine --data %s", a.data)) == 0,
	    "a read/mine credential added beside the server");
	buf_puts(&h, "Authorization: ");
	httpc_basic("mine", "minesecret123", &h);
	buf_puts(&h, "\r\nX-Experience-API-Version: 1.0.3\r\n"
	    "Content-Type: application/json\r\n");
	buf_add(&h, "", 1);
	for (k = 0; k < NMINE; k++) {
		const char *body = fmt("{\"actor\":{\"mbox\":\"mailto:mine@"
		    "example.com\"},\"verb\":{\"id\":\"" EX "verbs/mine\"},"
		    "\"object\":{\"id\":\"" EX "act/mine%d\"}}", k);

		memset(&r, 0, sizeof(r));
		if (httpc_request("127.0.0.1", a.port, "POST",
		    "/xapi/statements", h.p, body, strlen(body), &r) != 0 ||
		    r.status != 200)
			fails++;
		note_ids(&r);
		httpc_resp_free(&r);
	}
	buf_free(&h);
	ok(fails == 0, "read/mine statements posted");
}

/* Two state documents: stats counts them. */
static void
write_documents(void)
{
	struct httpc_resp r;
	int k, fails = 0;

	for (k = 0; k < 2; k++) {
		memset(&r, 0, sizeof(r));
		if (httpc_xapi(a.port, "2.0.0", "PUT", fmt("/xapi/activities/"
		    "state?activityId=" EX "act/a1&stateId=s%d&agent=%%7B%%22"
		    "mbox%%22%%3A%%22mailto%%3Ap1%%40example.com%%22%%7D", k),
		    NULL, "{\"done\":true}", (size_t)-1, &r) != 0 ||
		    r.status != 204)
			fails++;
		httpc_resp_free(&r);
	}
	ok(fails == 0, "state documents written");
}

/* stats --json on A (serving) against what was written. */
static void
test_stats(size_t att_bytes)
{
	long long verbs[NVERB] = { 0 }, acts[NACT] = { 0 };
	char *out;
	json *j = NULL;
	int i, bad = 0;

	ok(run("stats", fmt("stats --json --top 20 --data %s", a.data)) == 0,
	    "stats runs beside the server");
	out = slurp(fmt("%s/stats.out", work), NULL);
	ok(json_parse(out, strlen(out), 16, &j, NULL, 0) == 0,
	    "stats --json is JSON: %.200s", out);
	ok(num(j, "statements") == TOTAL, "stats: %lld statements",
	    num(j, "statements"));
	ok(num(j, "voided") == NVOID && num(j, "voiding") == NVOID,
	    "stats: %lld voided, %lld voiding", num(j, "voided"),
	    num(j, "voiding"));
	ok(num(j, "attachments") == NATT &&
	    num(j, "attachment_bytes") == (long long)att_bytes,
	    "stats: %lld attachments of %lld bytes (want %zu)",
	    num(j, "attachments"), num(j, "attachment_bytes"), att_bytes);
	ok(num(j, "documents") == 2, "stats: %lld documents",
	    num(j, "documents"));
	ok(num(j, "map_used_bytes") > 0 && num(j, "map_used_bytes") <=
	    num(j, "map_size_bytes") && num(j, "disk_bytes") > 0,
	    "stats: map and disk figures");
	for (i = 0; i < N; i++)
		if (!voided[i]) {
			verbs[i % NVERB]++;
			acts[i % NACT]++;
		}
	for (i = 0; i < NVERB; i++)
		bad += top_count(j, "top_verbs", fmt(EX "verbs/v%d", i)) !=
		    verbs[i];
	for (i = 0; i < NACT; i++)
		bad += top_count(j, "top_activities", fmt(EX "act/a%d", i)) !=
		    acts[i];
	ok(bad == 0, "stats: top verbs and activities count what was written "
	    "(%d wrong)", bad);
	ok(top_count(j, "top_verbs", "http://adlnet.gov/expapi/verbs/voided")
	    == NVOID && top_count(j, "top_verbs", EX "verbs/att") == NATT &&
	    top_count(j, "top_activities", EX "act/att") == NATT,
	    "stats: the voiding and attachment statements are counted");
	ok(run("stats-table", fmt("stats --data %s", a.data)) == 0 &&
	    err_has("stats-table", "") , "stats prints a table");
	json_free(j);
}

/* Split an RFC 4180 text into records of fields; returns the number of
 * records, calling fn for each field (record, field, text, len). */
static int
csv_parse(const char *p, size_t len, void (*fn)(void *, int, int,
    const char *, size_t), void *arg)
{
	struct buf f = BUF_INIT;
	size_t i = 0;
	int rec = 0, field = 0, quoted;

	while (i < len) {
		buf_reset(&f);
		quoted = p[i] == '"';
		for (i += quoted; i < len; i++) {
			if (quoted && p[i] == '"' && i + 1 < len && p[i + 1] == '"')
				buf_putc(&f, p[i++]);
			else if (quoted && p[i] == '"')
				quoted = 0;
			else if (!quoted && (p[i] == ',' || p[i] == '\r'))
				break;
			else
				buf_putc(&f, p[i]);
		}
		fn(arg, rec, field, f.p ? f.p : "", f.len);
		if (i < len && p[i] == ',') {
			field++;
			i++;
		} else {
			rec++;
			field = 0;
			i += 2;	/* CRLF */
		}
	}
	buf_free(&f);
	return rec;
}

struct csv_check {
	char	**lines;	/* the NDJSON export, by record - 1 */
	int	  nlines;
	int	  bad_json, bad_id, voided, fields;
	char	  id[64];
};

static void
csv_field(void *arg, int rec, int field, const char *t, size_t len)
{
	struct csv_check *c = arg;

	if (rec == 0 || rec > c->nlines)
		return;
	if (field == 0)
		snprintf(c->id, sizeof(c->id), "%.*s", (int)len, t);
	if (field == 17 && len == 4 && memcmp(t, "true", 4) == 0)
		c->voided++;
	if (field == 18) {
		c->fields++;
		if (strlen(c->lines[rec - 1]) != len ||
		    memcmp(c->lines[rec - 1], t, len) != 0)
			c->bad_json++;
		if (strstr(c->lines[rec - 1], c->id) == NULL)
			c->bad_id++;
	}
}

/* The lines of an NDJSON file (the newlines cut). */
static int
lines_of(char *text, char ***out)
{
	char *p, *nl;
	int n = 0;

	*out = NULL;
	for (p = text; *p; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		*out = xrealloc(*out, (size_t)(n + 1) * sizeof(**out));
		(*out)[n++] = p;
	}
	return n;
}

/* The top-level id of a statement line ("" when it has none). */
static const char *
id_of(const char *line)
{
	json *j = NULL;
	const char *id = "";

	if (json_parse(line, strlen(line), 64, &j, NULL, 0) == 0 &&
	    json_get_str(j, "id"))
		id = fmt("%s", json_get_str(j, "id"));
	json_free(j);
	return id;
}

static char *ndjson;		/* A's export */
static char **lines;
static int nlines;

/* Export A (serving) as NDJSON, with payloads, and as CSV. */
static void
test_export(void)
{
	struct csv_check c;
	char *csv;
	size_t len;
	int recs;

	ok(run("export", fmt("export --data %s --output %s/all.ndjson "
	    "--attachments %s/payloads", a.data, work, work)) == 0,
	    "export NDJSON beside the server");
	ok(err_has("export", fmt("export: %d statements, %d payload files",
	    TOTAL, NATT)), "export says what it wrote");
	ndjson = slurp(fmt("%s/all.ndjson", work), NULL);
	nlines = lines_of(keep(xstrdup(ndjson)), &lines);
	ok(nlines == TOTAL, "NDJSON has a line per statement, "
	    "voided ones included: %d", nlines);

	ok(run("csv", fmt("export --data %s --format csv", a.data)) == 0,
	    "export CSV");
	csv = slurp(fmt("%s/csv.out", work), &len);
	ok(strncmp(csv, "id,stored,timestamp,version,actor,", 34) == 0,
	    "CSV starts with its header");
	memset(&c, 0, sizeof(c));
	c.lines = lines;
	c.nlines = nlines;
	recs = csv_parse(csv, len, csv_field, &c);
	ok(recs == nlines + 1 && c.fields == nlines, "CSV: a record per "
	    "statement and the header (%d records, %d statements)", recs,
	    c.fields);
	ok(c.bad_json == 0 && c.bad_id == 0, "CSV: the statement column "
	    "unquotes to the NDJSON line (%d differ, %d ids wrong)",
	    c.bad_json, c.bad_id);
	ok(c.voided == NVOID, "CSV: %d rows say voided", c.voided);

	ok(run("export-limit", fmt("export --data %s --limit 7 --ascending "
	    "false", a.data)) == 0, "export --limit");
	csv = slurp(fmt("%s/export-limit.out", work), NULL);
	{
		char **l;
		int n = lines_of(csv, &l);

		ok(n == 7 && strcmp(id_of(l[0]), id_of(lines[nlines - 1])) == 0,
		    "export --limit 7 --ascending false: %d lines, newest first",
		    n);
		free(l);
	}
	ok(run("export-verb", fmt("export --data %s --verb " EX "verbs/v2 "
	    "--exclude-voided", a.data)) == 0, "export with a filter");
	csv = slurp(fmt("%s/export-verb.out", work), NULL);
	{
		char **l;
		int n = lines_of(csv, &l), k, want = 0;

		for (k = 0; k < N; k++)
			want += k % NVERB == 2 && !voided[k];
		ok(n == want, "export --verb: %d lines, want %d", n, want);
		free(l);
	}
}

/* GET path on A and on B: the same status and body, byte for byte. */
static int
same(const char *path)
{
	struct httpc_resp ra, rb;
	int sa = get(&a, path, &ra), sb = get(&b, path, &rb), eq;

	eq = sa == sb && sa > 0 && ra.len == rb.len &&
	    memcmp(ra.body, rb.body, ra.len) == 0;
	if (!eq)
		fprintf(stderr, "%s: A %d %.300s\nB %d %.300s\n", path, sa,
		    ra.body, sb, rb.body);
	httpc_resp_free(&ra);
	httpc_resp_free(&rb);
	return eq;
}

/* The attachment parts of GET statementId&attachments=true on s. */
static char *
payload_of(const struct srv *s, const char *id)
{
	struct httpc_resp r;
	struct httpc_part parts[4];
	char *p = NULL;
	int n;

	if (get(s, fmt("/xapi/statements?statementId=%s&attachments=true", id),
	    &r) == 200 && (n = httpc_multipart(httpc_header(&r,
	    "Content-Type"), r.body, r.len, parts, 4)) == 2)
		p = xstrndup(parts[1].body, parts[1].len);
	httpc_resp_free(&r);
	return p;
}

/* Import --restore into a fresh store, serve it as B, compare with A. */
static void
test_restore_roundtrip(void)
{
	const char *q[] = {
		"", "verb=" EX "verbs/v2", "ascending=true&limit=50",
		"agent=%7B%22mbox%22%3A%22mailto%3Ap3%40example.com%22%7D",
		"activity=" EX "course/c1&related_activities=true",
		"registration=" REG, "limit=7&verb=" EX "verbs/v1",
		"verb=http://adlnet.gov/expapi/verbs/voided",
	};
	struct httpc_resp r;
	char *pa, *pb;
	int i, diff = 0, qdiff = 0, pdiff = 0;

	mkdir(fmt("%s/b", work), 0700);
	snprintf(b.data, sizeof(b.data), "%s/b/data", work);
	snprintf(b.tmp, sizeof(b.tmp), "%s/b", work);
	snprintf(b.log, sizeof(b.log), "%s/b/lrsd.log", work);
	ok(run("restore-import", fmt("import %s/all.ndjson --restore "
	    "--attachments %s/payloads --data %s", work, work, b.data)) == 0,
	    "import --restore into a fresh store");
	ok(err_has("restore-import", fmt("%d read, %d stored, 0 already",
	    TOTAL, TOTAL)), "import says what it stored");
	ok(err_has("restore-import", fmt("%d payloads", NATT)),
	    "import loaded the payloads");
	if (srv_start(&b, "--no-tiering") != 0) {
		ok(0, "server B starts on the restored store");
		return;
	}
	ok(run("mine-b", fmt("credential add mine minesecret123 --scopes "
	    "statements/write,statements/read/mine --data %s", b.data)) == 0,
	    "the read/mine credential added to the restored store");
	{
		struct httpc_resp ra, rb;
		json *st;

		ok(get_mine(&a, "/xapi/statements", &ra) == 200 &&
		    get_mine(&b, "/xapi/statements", &rb) == 200 &&
		    ra.len == rb.len && memcmp(ra.body, rb.body, ra.len) == 0,
		    "read/mine finds the same statements after a restore");
		st = json_get(httpc_json(&rb), "statements");
		ok(st && st->n == NMINE, "read/mine: %zu statements, want %d",
		    st ? st->n : 0, NMINE);
		httpc_resp_free(&ra);
		httpc_resp_free(&rb);
	}
	for (i = 0; i < nids; i++)
		diff += !same(fmt("/xapi/statements?%statementId=%s",
		    i < N && voided[i] ? "voidedS" : "s", ids[i]));
	ok(diff == 0, "GET by id: %d of %d differ after export and import "
	    "--restore", diff, nids);
	for (i = 0; i < (int)(sizeof(q) / sizeof(q[0])); i++)
		qdiff += !same(fmt("/xapi/statements?%s", q[i]));
	/* The next page of a "more" too. */
	if (get(&a, fmt("/xapi/statements?%s", q[6]), &r) == 200) {
		struct buf path = BUF_INIT;

		httpc_more_path(json_get_str(httpc_json(&r), "more"), &path);
		buf_add(&path, "", 1);
		qdiff += !same(path.p);
		buf_free(&path);
	}
	httpc_resp_free(&r);
	ok(qdiff == 0, "the same query answers: %d differ", qdiff);
	for (i = N; i < N + NATT; i++) {
		pa = payload_of(&a, ids[i]);
		pb = payload_of(&b, ids[i]);
		pdiff += pa == NULL || pb == NULL || strcmp(pa, pb) != 0;
		free(pa);
		free(pb);
	}
	ok(pdiff == 0, "attachments=true gives the same payloads (%d differ)",
	    pdiff);
	ok(run("busy", fmt("import %s/all.ndjson --data %s", work, b.data)) == 1 &&
	    err_has("busy", "in use by another lrsd"),
	    "import into a served directory is refused");
}

/* A normal import is a POST: new stored and authority, same ids; a
 * second run stores nothing.  Also a GET page and a JSON array. */
static void
test_import_normal(void)
{
	struct httpc_resp r;
	char *out, **l;
	FILE *f;
	int n, k, authority = 0, ids_kept = 0;

	ok(run("import-c", fmt("import %s/all.ndjson --data %s/c", work,
	    work)) == 0, "import (normal) into a fresh store");
	ok(run("import-c2", fmt("import %s/all.ndjson --data %s/c", work,
	    work)) == 0 && err_has("import-c2", fmt("0 stored, %d already "
	    "stored", TOTAL)), "importing again stores nothing");
	ok(run("export-c", fmt("export --data %s/c", work)) == 0,
	    "export the imported store");
	out = slurp(fmt("%s/export-c.out", work), NULL);
	n = lines_of(out, &l);
	for (k = 0; k < n && k < nlines; k++) {
		authority += strstr(l[k], "\"name\":\"lrsd-import\"}") != NULL;
		ids_kept += strcmp(id_of(l[k]), id_of(lines[k])) == 0;
	}
	ok(n == nlines && authority == n, "normal import: %d statements, %d "
	    "with the importing authority", n, authority);
	ok(ids_kept == n, "normal import keeps the order and ids (%d)",
	    ids_kept);
	free(l);

	/* Another LRS's GET page, and a JSON array. */
	if (get(&a, "/xapi/statements?limit=50", &r) == 200 &&
	    (f = fopen(fmt("%s/page.json", work), "w")) != NULL) {
		fwrite(r.body, 1, r.len, f);
		fclose(f);
	}
	httpc_resp_free(&r);
	ok(run("import-page", fmt("import %s/page.json --data %s/e", work,
	    work)) == 0 && err_has("import-page", "50 read, 50 stored"),
	    "a GET /statements page imports");
	f = fopen(fmt("%s/array.json", work), "w");
	fprintf(f, "[\n  %s,\n  %s\n]\n", lines[0], lines[1]);
	fclose(f);
	ok(run("import-array", fmt("import %s/array.json --data %s/g", work,
	    work)) == 0 && err_has("import-array", "2 read, 2 stored"),
	    "a pretty-printed JSON array imports");
}

/* Bad input: clear errors, exit codes, nothing stored. */
static void
test_bad_input(void)
{
	FILE *f;
	char id[37];

	f = fopen(fmt("%s/bad1.ndjson", work), "w");
	fprintf(f, "%s\n%s\n{\"actor\": oops\n", lines[0], lines[1]);
	fclose(f);
	ok(run("bad1", fmt("import %s/bad1.ndjson --data %s/f", work, work))
	    == 1 && err_has("bad1", "line 3: malformed JSON") &&
	    err_has("bad1", "nothing was stored"), "a malformed line: exit 1, "
	    "named by its line");
	ok(run("bad1-count", fmt("stats --json --data %s/f", work)) == 0 &&
	    strstr(slurp(fmt("%s/bad1-count.out", work), NULL),
	    "\"statements\":0,") != NULL, "nothing of it was stored");

	f = fopen(fmt("%s/bad2.ndjson", work), "w");
	fprintf(f, "%s\n{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:x@example.com\"},"
	    "\"object\":{\"id\":\"" EX "x\"}}\n", lines[2], httpc_uuid(id));
	fclose(f);
	ok(run("bad2", fmt("import %s/bad2.ndjson --data %s/f", work, work))
	    == 1 && err_has("bad2", "line 2: ") && err_has("bad2", "verb"),
	    "an invalid statement: exit 1, its line and the property");
	ok(run("bad2-skip", fmt("import %s/bad2.ndjson --skip-invalid "
	    "--data %s/f", work, work)) == 1 && err_has("bad2-skip",
	    "2 read, 1 stored"), "--skip-invalid stores the rest, exit 1");

	/* The same id as stored in c, with another verb; and a new one. */
	f = fopen(fmt("%s/bad3.ndjson", work), "w");
	fprintf(f, "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:x@example.com\"},"
	    "\"verb\":{\"id\":\"" EX "other\"},\"object\":{\"id\":\"" EX "x\"}}\n"
	    "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:x@example.com\"},"
	    "\"verb\":{\"id\":\"" EX "new\"},\"object\":{\"id\":\"" EX "x\"}}\n",
	    ids[0], httpc_uuid(id));
	fclose(f);
	ok(run("bad3", fmt("import %s/bad3.ndjson --data %s/c", work, work))
	    == 1 && err_has("bad3", "line 1: statement id") &&
	    err_has("bad3", "stored already with different content"),
	    "a conflicting id: exit 1, named");
	ok(run("bad3-count", fmt("export --data %s/c --verb " EX "new", work))
	    == 0 && slurp(fmt("%s/bad3-count.out", work), NULL)[0] == '\0',
	    "the good statement beside the conflict was not stored");

	ok(run("bad4", fmt("import %s/no-such-file --data %s/f", work, work))
	    == 1 && err_has("bad4", "cannot read"), "an unreadable file: exit 1");
	ok(run("bad5", fmt("import %s/all.ndjson --data %s", work, a.data))
	    == 1 && err_has("bad5", "in use by another lrsd"),
	    "import beside a server is refused");
	ok(run("bad6", fmt("export --data %s --verb notaniri", a.data)) == 2 &&
	    err_has("bad6", "verb must be an IRI"), "a bad filter: exit 2, "
	    "named as GET /statements names it");
	ok(run("bad7", fmt("backup --data %s %s/c", a.data, work)) == 1 &&
	    err_has("bad7", "exists already"), "backup into an existing "
	    "directory is refused");
	ok(run("bad8", fmt("restore %s/c --data %s/e", work, work)) == 1 &&
	    err_has("bad8", "not empty"), "restore over a store is refused");
	ok(run("bad9", fmt("stats --data %s/none", work)) == 1 &&
	    err_has("bad9", "no lrsd store there"), "stats of no store: exit 1");
}

/* --- import --url into running servers --- */

static struct srv e = SRV_INIT, f = SRV_INIT;

/* GET path on s1 and s2: the same status and body, byte for byte. */
static int
same_on(const struct srv *s1, const struct srv *s2, const char *path)
{
	struct httpc_resp r1, r2;
	int a1 = get(s1, path, &r1), a2 = get(s2, path, &r2), eq;

	eq = a1 == a2 && a1 > 0 && r1.len == r2.len &&
	    memcmp(r1.body, r2.body, r1.len) == 0;
	if (!eq)
		fprintf(stderr, "%s: %d %.300s\n%d %.300s\n", path, a1,
		    r1.body, a2, r2.body);
	httpc_resp_free(&r1);
	httpc_resp_free(&r2);
	return eq;
}

/* The tiering engine's "last" sequence on s once it has caught up
 * (cursor == last, behind 0), or -1 when it does not within 10 s. */
static long long
tiering_caught_up(const struct srv *s)
{
	struct httpc_resp r;
	const json *j;
	long long last = -1;
	int i;

	for (i = 0; i < 200 && last < 0; i++) {
		if (get(s, "/tiering/status", &r) == 200 &&
		    (j = httpc_json(&r)) != NULL &&
		    num(j, "behind") == 0 && num(j, "cursor") == num(j, "last"))
			last = num(j, "last");
		httpc_resp_free(&r);
		if (last < 0)
			usleep(50000);
	}
	return last;
}

/* POST body to s's /import/statements?query as user, secret; the
 * status (the response in r). */
static int
post_import(const struct srv *s, const char *query, const char *user,
    const char *secret, const char *body, struct httpc_resp *r)
{
	struct buf h = BUF_INIT;
	int st;

	buf_puts(&h, "Authorization: ");
	httpc_basic(user, secret, &h);
	buf_puts(&h, "\r\nX-Experience-API-Version: 1.0.3\r\n");
	memset(r, 0, sizeof(*r));
	st = httpc_request("127.0.0.1", s->port, "POST",
	    fmt("/import/statements%s", query), h.p, body, strlen(body), r);
	buf_free(&h);
	return st == 0 ? r->status : -1;
}

/* import --url --restore into a running server: byte-identical GET by
 * id, idempotent.  (No tiering engine there: its first tick would be
 * stored after the dump's times, which a restore cannot go before.) */
static void
test_import_url_restore(void)
{
	int i, diff = 0;

	if (srv_start(&e, "--no-tiering") != 0) {
		ok(0, "server E starts");
		return;
	}
	ok(run("url-restore", fmt("import --url http://127.0.0.1:%d "
	    "--credential %s:%s --restore --batch 300 %s/all.ndjson", e.port,
	    SRV_USER, SRV_SECRET, work)) == 0 && err_has("url-restore",
	    fmt("%d read, %d stored, 0 already stored", TOTAL, TOTAL)),
	    "import --url --restore stores every statement through E");
	for (i = 0; i < nids; i++)
		diff += !same_on(&a, &e, fmt("/xapi/statements?%statementId=%s",
		    i < N && voided[i] ? "voidedS" : "s", ids[i]));
	ok(diff == 0, "GET by id: %d of %d differ between A and E after "
	    "import --url --restore", diff, nids);
	ok(same_on(&a, &e, "/xapi/statements?limit=100"),
	    "the newest statements page is the same on A and E");
	ok(run("url-restore2", fmt("import --url http://127.0.0.1:%d "
	    "--credential %s:%s --restore %s/all.ndjson", e.port, SRV_USER,
	    SRV_SECRET, work)) == 0 && err_has("url-restore2",
	    fmt("0 stored, %d already stored", TOTAL)),
	    "import --url --restore again stores nothing");
}

/* import --url (normal) is a POST by the credential: ids kept, its own
 * authority, batches halved to fit --max-body, idempotent, and the
 * server's tiering engine follows what was imported. */
static void
test_import_url_normal(void)
{
	struct httpc_resp r;
	long long last0, last1;
	int i, bad = 0;

	if (srv_start(&f, "--max-body 65536") != 0) {
		ok(0, "server F (with tiering) starts");
		return;
	}
	last0 = tiering_caught_up(&f);
	ok(last0 >= 0, "F's tiering engine is caught up before (%lld)", last0);
	ok(run("url-normal", fmt("import --url http://127.0.0.1:%d/ "
	    "--credential %s:%s --batch 1000 %s/all.ndjson", f.port, SRV_USER,
	    SRV_SECRET, work)) == 0 && err_has("url-normal",
	    fmt("%d read, %d stored, 0 already stored", TOTAL, TOTAL)),
	    "import --url stores every statement through F, in batches "
	    "that fit its --max-body");
	for (i = 0; i < nids; i++) {
		get(&f, fmt("/xapi/statements?%statementId=%s",
		    i < N && voided[i] ? "voidedS" : "s", ids[i]), &r);
		bad += r.status != 200 || strstr(r.body, fmt("\"authority\":"
		    "{\"objectType\":\"Agent\",\"account\":{\"homePage\":"
		    "\"http://localhost/lrsd\",\"name\":\"%s\"}}", SRV_USER))
		    == NULL;
		httpc_resp_free(&r);
	}
	ok(bad == 0, "normal import --url: every id kept, by the credential's "
	    "authority (%d of %d not)", bad, nids);
	last1 = tiering_caught_up(&f);
	ok(last0 >= 0 && last1 == last0 + TOTAL, "F's tiering follower caught "
	    "up to the new last sequence (%lld, was %lld, %d imported)", last1,
	    last0, TOTAL);
	ok(run("url-normal2", fmt("import --url http://127.0.0.1:%d "
	    "--credential %s:%s %s/all.ndjson", f.port, SRV_USER, SRV_SECRET,
	    work)) == 0 && err_has("url-normal2", fmt("0 stored, %d already "
	    "stored", TOTAL)), "import --url again stores nothing");
	ok(tiering_caught_up(&f) == last1, "and the log did not grow");
}

/* A conflict, a credential without scope all and bad bodies: refused,
 * clearly, with nothing stored. */
static void
test_import_url_refused(void)
{
	struct httpc_resp r;
	const json *p;
	FILE *fp;
	char id[37];

	if (e.pid == 0)
		return;
	fp = fopen(fmt("%s/conflict.ndjson", work), "w");
	fprintf(fp, "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:x@example.com\"},"
	    "\"verb\":{\"id\":\"" EX "other\"},\"object\":{\"id\":\"" EX "x\"}}\n"
	    "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:x@example.com\"},"
	    "\"verb\":{\"id\":\"" EX "new\"},\"object\":{\"id\":\"" EX "x\"}}\n",
	    ids[0], httpc_uuid(id));
	fclose(fp);
	ok(run("url-conflict", fmt("import --url http://127.0.0.1:%d "
	    "--credential %s:%s %s/conflict.ndjson", e.port, SRV_USER,
	    SRV_SECRET, work)) == 1 && err_has("url-conflict", ids[0]) &&
	    err_has("url-conflict", "stored already with different content") &&
	    err_has("url-conflict", "nothing was stored"),
	    "import --url of a conflicting id: exit 1, the id named");
	ok(get(&e, fmt("/xapi/statements?statementId=%s", id), &r) == 404,
	    "the good statement beside the conflict was not stored");
	httpc_resp_free(&r);

	/* Every file is checked before anything is sent. */
	fp = fopen(fmt("%s/good.ndjson", work), "w");
	fprintf(fp, "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:x@example.com\"},"
	    "\"verb\":{\"id\":\"" EX "new\"},\"object\":{\"id\":\"" EX "x\"}}\n",
	    httpc_uuid(id));
	fclose(fp);
	ok(run("url-two", fmt("import --url http://127.0.0.1:%d --credential "
	    "%s:%s %s/good.ndjson %s/bad2.ndjson", e.port, SRV_USER, SRV_SECRET,
	    work, work)) == 1 && err_has("url-two", "bad2.ndjson: line 2: ") &&
	    err_has("url-two", "nothing was stored"), "import --url of a good "
	    "and a bad file: exit 1, the bad line named");
	ok(get(&e, fmt("/xapi/statements?statementId=%s", id), &r) == 404,
	    "nothing of the good file was sent");
	httpc_resp_free(&r);

	ok(run("url-writer", fmt("credential add writer writersecret1 "
	    "--scopes statements/write,all/read --data %s", e.data)) == 0,
	    "a credential without scope all is added to E");
	ok(run("url-403", fmt("import --url http://127.0.0.1:%d --credential "
	    "writer:writersecret1 %s/all.ndjson", e.port, work)) == 1 &&
	    err_has("url-403", "403") && err_has("url-403", "scope all"),
	    "import --url by a credential without scope all: exit 1, 403");
	ok(post_import(&e, "", "writer", "writersecret1", lines[0], &r) == 403 &&
	    httpc_error_body(&r), "POST /import/statements without scope all: "
	    "403 JSON");
	httpc_resp_free(&r);

	ok(post_import(&e, "", SRV_USER, SRV_SECRET, "{\"actor\": oops",
	    &r) == 400 && httpc_error_body(&r) && strstr(r.body,
	    "malformed JSON") && strstr(r.body, "line 1"),
	    "a body that is not JSON: 400 JSON naming the line");
	httpc_resp_free(&r);
	ok(post_import(&e, "", SRV_USER, SRV_SECRET, fmt("%s\n{\"id\":\"%s\","
	    "\"actor\":{\"mbox\":\"mailto:x@example.com\"},\"object\":{\"id\":"
	    "\"" EX "x\"}}\n", lines[1], httpc_uuid(id)), &r) == 400 &&
	    (p = json_get(httpc_json(&r), "problems")) != NULL &&
	    p->type == JSON_ARRAY && p->n == 1 &&
	    json_is_str(json_get(p->vals[0], "where"), "line 2") &&
	    strstr(json_get_str(p->vals[0], "what"), "verb") != NULL,
	    "an invalid statement: 400 with problems [{where: line 2, what: "
	    "verb ...}]");
	httpc_resp_free(&r);
	ok(get(&e, fmt("/xapi/statements?statementId=%s", id), &r) == 404,
	    "nothing of a refused body is stored");
	httpc_resp_free(&r);
	ok(post_import(&e, "?mode=replace", SRV_USER, SRV_SECRET, lines[0],
	    &r) == 400 && strstr(r.body, "mode must be normal or restore"),
	    "an unknown mode: 400 naming it");
	httpc_resp_free(&r);
	ok(post_import(&e, "?mode=restore", SRV_USER, SRV_SECRET,
	    fmt("{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:x@example.com\"},"
	    "\"verb\":{\"id\":\"" EX "v\"},\"object\":{\"id\":\"" EX "x\"},"
	    "\"stored\":\"2001-01-01T00:00:00.000Z\"}", httpc_uuid(id)), &r)
	    == 400 && strstr(r.body, "earlier than"),
	    "a restore going back in stored time: 400");
	httpc_resp_free(&r);
	ok(run("url-bad", fmt("import --url ftp://x --credential a:b %s/all.ndjson",
	    work)) == 2 && err_has("url-bad", "not an http:// URL"),
	    "a bad --url: exit 2, named");
}

/* --- a backup while a writer posts --- */

static volatile int writing;
static int written;

static void *
writer(void *arg)
{
	struct httpc_resp r;
	struct buf bf = BUF_INIT;
	int k;

	(void)arg;
	while (writing) {
		buf_reset(&bf);
		buf_putc(&bf, '[');
		for (k = 0; k < 10; k++) {
			if (k)
				buf_putc(&bf, ',');
			plain(&bf, written + k, NULL);
		}
		buf_putc(&bf, ']');
		if (post(&a, "2.0.0", NULL, bf.p, bf.len, &r) == 200)
			written += 10;
		httpc_resp_free(&r);
	}
	buf_free(&bf);
	return NULL;
}

static void
test_backup_under_writes(void)
{
	struct httpc_resp r;
	pthread_t t;
	char *out, **l;
	int n, k, before, diff = 0, missing = 0;

	writing = 1;
	pthread_create(&t, NULL, writer, NULL);
	while (written < 200)
		usleep(10000);
	before = written;
	ok(run("backup", fmt("backup --data %s %s/bk", a.data, work)) == 0,
	    "backup while a writer posts");
	usleep(200000);
	writing = 0;
	pthread_join(t, NULL);
	ok(written > before, "the writer went on during the backup (%d, then "
	    "%d)", before, written);
	mkdir(fmt("%s/d", work), 0700);
	ok(run("restore", fmt("restore %s/bk --data %s/d/data", work, work))
	    == 0, "restore the backup");
	snprintf(d.tmp, sizeof(d.tmp), "%s/d", work);
	snprintf(d.data, sizeof(d.data), "%s/d/data", work);
	snprintf(d.log, sizeof(d.log), "%s/d/lrsd.log", work);
	if (srv_start(&d, "--no-tiering") != 0) {
		ok(0, "a server starts on the restored backup");
		return;
	}
	/* Everything acknowledged before the backup began is there. */
	for (k = 0; k < nids; k++) {
		struct httpc_resp rd;
		const char *p = fmt("/xapi/statements?%statementId=%s",
		    k < N && voided[k] ? "voidedS" : "s", ids[k]);
		int sa = get(&a, p, &r), sd = get(&d, p, &rd);

		missing += sd != 200;
		diff += sa != sd || r.len != rd.len ||
		    memcmp(r.body, rd.body, r.len) != 0;
		httpc_resp_free(&r);
		httpc_resp_free(&rd);
	}
	ok(missing == 0 && diff == 0, "the restored backup answers every "
	    "earlier statement as A does (%d missing, %d differ)", missing,
	    diff);
	/* And every statement it holds is A's, byte for byte. */
	ok(run("export-d", fmt("export --data %s", d.data)) == 0,
	    "export the restored backup");
	out = slurp(fmt("%s/export-d.out", work), NULL);
	n = lines_of(out, &l);
	for (diff = 0, k = 0; k < n; k++) {
		const char *id = id_of(l[k]);

		if (get(&a, fmt("/xapi/statements?statementId=%s", id), &r)
		    != 200) {	/* voided: then by voidedStatementId */
			httpc_resp_free(&r);
			get(&a, fmt("/xapi/statements?voidedStatementId=%s",
			    id), &r);
		}
		diff += r.status != 200 || r.len != strlen(l[k]) ||
		    memcmp(r.body, l[k], r.len) != 0;
		httpc_resp_free(&r);
	}
	ok(n >= TOTAL + before && n <= TOTAL + written,
	    "the backup holds %d statements: all before it, none after the "
	    "writer stopped (%d..%d)", n, TOTAL + before,
	    TOTAL + written);
	ok(diff == 0, "every statement of the backup is A's (%d differ)", diff);
	free(l);
	srv_stop(&d, 1);
}

int
main(void)
{
	size_t att_bytes;

	if ((lrsd = getenv("LRSD")) == NULL) {
		fprintf(stderr, "LRSD must name the lrsd binary\n");
		return 1;
	}
	snprintf(work, sizeof(work), "/tmp/lrsd-datatools.XXXXXX");
	if (mkdtemp(work) == NULL || srv_start(&a, "--no-tiering") != 0) {
		ok(0, "server A starts");
		return test_done();
	}
	write_plain();
	att_bytes = write_attachments();
	write_voiding();
	write_mine();
	write_documents();
	test_stats(att_bytes);
	test_export();
	test_restore_roundtrip();
	test_import_normal();
	test_bad_input();
	test_import_url_restore();
	test_import_url_normal();
	test_import_url_refused();
	srv_stop(&e, 1);
	srv_stop(&f, 1);
	test_backup_under_writes();
	srv_stop(&b, 1);
	srv_stop(&a, 1);
	if (test_failed == 0)
		system(fmt("rm -rf %s", work));
	else
		fprintf(stderr, "kept %s\n", work);
	while (nkept)
		free(kept[--nkept]);
	free(kept);
	free(lines);
	return test_done();
}
