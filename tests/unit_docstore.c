/* Unit tests of the document store: documents, merges, preconditions,
 * listing, deletes, and the Activities and Persons learned from
 * statements (live, and replayed on open). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "docstore.h"
#include "iso8601.h"
#include "store.h"
#include "test.h"

TEST_MAIN_DEFS

/* A 64 MiB map that does not grow. */
static const struct store_limits lim64 = { 64 << 20, 64 << 20, 0, 0 };

static json *
parse(const char *s)
{
	json *j = NULL;

	json_parse(s, strlen(s), 64, &j, NULL, 0);
	return j;
}

/* Store one statement (text without id; one is added). */
static int
put_statement(store *st, const char *text)
{
	struct store_write w;
	uint8_t ids[1][16];
	char idtext[37];
	json *s = parse(text), *stmts[1];
	int rc;

	if (s == NULL)
		return -1;
	uuid_generate_random(ids[0]);
	uuid_unparse_lower(ids[0], idtext);
	json_set(s, "id", json_new_str(idtext));
	stmts[0] = s;
	memset(&w, 0, sizeof(w));
	w.stmts = stmts;
	w.n = 1;
	w.ids = (const uint8_t (*)[16])ids;
	rc = store_put(st, &w);
	json_free(s);
	return rc;
}

static void
agent_scope(struct docstore_scope *sc, enum docstore_kind kind,
    const char *agent_text)
{
	json *a = parse(agent_text);

	memset(sc, 0, sizeof(*sc));
	sc->kind = kind;
	ok(index_agent_hash(a, sc->agent) == INDEX_OK, "hash agent %s",
	    agent_text);
	json_free(a);
}

static int
has_id(char **ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

/* A check that refuses when a document exists. */
static int
refuse_existing(void *arg, const struct docstore_doc *cur)
{
	int *seen = arg;

	*seen = cur != NULL;
	return cur ? -100 : 0;
}

/* A check that records the current ETag. */
static int
note_etag(void *arg, const struct docstore_doc *cur)
{
	char *etag = arg;

	strcpy(etag, cur ? cur->etag : "");
	return 0;
}

static void
test_documents(docstore *ds)
{
	struct docstore_scope sc, other;
	struct docstore_write w;
	struct docstore_doc d;
	char **ids, seen_etag[41];
	size_t n;
	int64_t newest, before;
	int rc, seen = -1;
	static const char bin[] = { 0, 1, 2, (char)0xff, 'x', 0 };

	agent_scope(&sc, DOCSTORE_STATE, "{\"mbox\":\"mailto:a@example.com\"}");
	sc.activity_id = "http://example.com/act/1";

	ok(docstore_get(ds, &sc, "s1", &d) == DOCSTORE_ENOTFOUND,
	    "absent document is not found");

	memset(&w, 0, sizeof(w));
	w.op = DOCSTORE_PUT;
	w.id = "s1";
	w.type = "application/octet-stream";
	w.data = bin;
	w.len = sizeof(bin);
	ok(docstore_write(ds, &sc, &w) == DOCSTORE_OK, "PUT of binary stores");
	ok(strcmp(w.etag, "") != 0 && strlen(w.etag) == 40,
	    "PUT returns a SHA-1 ETag");
	ok(docstore_get(ds, &sc, "s1", &d) == DOCSTORE_OK &&
	    d.len == sizeof(bin) && memcmp(d.data, bin, sizeof(bin)) == 0 &&
	    strcmp(d.type, "application/octet-stream") == 0 &&
	    strcmp(d.etag, w.etag) == 0, "GET returns the exact bytes and type");
	docstore_doc_free(&d);

	/* POST onto a non-JSON document cannot merge and changes nothing. */
	memset(&w, 0, sizeof(w));
	w.op = DOCSTORE_POST;
	w.id = "s1";
	w.type = "application/json";
	w.data = "{\"a\":1}";
	w.len = 7;
	ok(docstore_write(ds, &sc, &w) == DOCSTORE_ENOTJSON,
	    "POST onto binary document is refused");
	ok(docstore_get(ds, &sc, "s1", &d) == DOCSTORE_OK &&
	    d.len == sizeof(bin), "refused POST changed nothing");
	docstore_doc_free(&d);

	/* Merge: top-level members replaced, others kept. */
	memset(&w, 0, sizeof(w));
	w.op = DOCSTORE_PUT;
	w.id = "j";
	w.type = "application/json";
	w.data = "{\"a\":{\"x\":1},\"b\":2}";
	w.len = strlen(w.data);
	ok(docstore_write(ds, &sc, &w) == DOCSTORE_OK, "PUT JSON");
	memset(&w, 0, sizeof(w));
	w.op = DOCSTORE_POST;
	w.id = "j";
	w.type = "application/json; charset=utf-8";
	w.data = "{\"a\":{\"y\":2},\"c\":3}";
	w.len = strlen(w.data);
	ok(docstore_write(ds, &sc, &w) == DOCSTORE_OK, "POST merges");
	ok(docstore_get(ds, &sc, "j", &d) == DOCSTORE_OK &&
	    strcmp(d.data, "{\"a\":{\"y\":2},\"b\":2,\"c\":3}") == 0 &&
	    strcmp(d.etag, w.etag) == 0, "merged one level deep: %s",
	    d.data ? d.data : "(none)");
	docstore_doc_free(&d);
	memset(&w, 0, sizeof(w));
	w.op = DOCSTORE_POST;
	w.id = "j";
	w.type = "text/plain";
	w.data = "abc";
	w.len = 3;
	ok(docstore_write(ds, &sc, &w) == DOCSTORE_ENOTJSON,
	    "POST of non-JSON onto JSON is refused");

	/* A check sees the current document and can abort. */
	memset(&w, 0, sizeof(w));
	w.op = DOCSTORE_PUT;
	w.id = "j";
	w.type = "application/json";
	w.data = "{}";
	w.len = 2;
	w.check = refuse_existing;
	w.arg = &seen;
	rc = docstore_write(ds, &sc, &w);
	ok(rc == -100 && seen == 1, "check's code is returned (%d)", rc);
	ok(docstore_get(ds, &sc, "j", &d) == DOCSTORE_OK && d.len > 2,
	    "aborted PUT changed nothing");
	docstore_doc_free(&d);
	w.id = "new";
	ok(docstore_write(ds, &sc, &w) == DOCSTORE_OK && seen == 0,
	    "check sees no document for a new id");
	w.check = note_etag;
	w.arg = seen_etag;
	w.op = DOCSTORE_DELETE;
	ok(docstore_write(ds, &sc, &w) == DOCSTORE_OK &&
	    strlen(seen_etag) == 40, "DELETE sees the current ETag");
	ok(docstore_get(ds, &sc, "new", &d) == DOCSTORE_ENOTFOUND,
	    "deleted");
	ok(docstore_write(ds, &sc, &w) == DOCSTORE_OK,
	    "DELETE of an absent document is fine");

	/* Listing, since, registrations. */
	ok(docstore_list(ds, &sc, 0, &ids, &n, &newest) == DOCSTORE_OK &&
	    n == 2 && has_id(ids, n, "s1") && has_id(ids, n, "j") &&
	    newest > 0, "list ids of the scope");
	docstore_ids_free(ids, n);
	before = iso8601_now();
	usleep(2000);
	other = sc;
	other.has_registration = 1;
	uuid_generate_random(other.registration);
	memset(&w, 0, sizeof(w));
	w.op = DOCSTORE_PUT;
	w.id = "j";
	w.type = "text/plain";
	w.data = "r";
	w.len = 1;
	ok(docstore_write(ds, &other, &w) == DOCSTORE_OK, "PUT with registration");
	ok(docstore_get(ds, &sc, "j", &d) == DOCSTORE_OK && d.len > 1,
	    "registration keeps documents apart");
	docstore_doc_free(&d);
	ok(docstore_list(ds, &other, 0, &ids, &n, &newest) == DOCSTORE_OK &&
	    n == 1 && strcmp(ids[0], "j") == 0, "list with registration");
	docstore_ids_free(ids, n);
	ok(docstore_list(ds, &sc, 0, &ids, &n, &newest) == DOCSTORE_OK &&
	    n == 2, "list without registration spans all, ids once (%zu)", n);
	docstore_ids_free(ids, n);
	ok(docstore_list(ds, &sc, before, &ids, &n, &newest) == DOCSTORE_OK &&
	    n == 1 && strcmp(ids[0], "j") == 0, "since leaves older out");
	docstore_ids_free(ids, n);

	/* Other kinds and scopes do not see these. */
	agent_scope(&other, DOCSTORE_STATE, "{\"mbox\":\"mailto:b@example.com\"}");
	other.activity_id = sc.activity_id;
	ok(docstore_list(ds, &other, 0, &ids, &n, &newest) == DOCSTORE_OK &&
	    n == 0, "another agent has no documents");
	docstore_ids_free(ids, n);
	agent_scope(&other, DOCSTORE_AGENT_PROFILE, "{\"mbox\":\"mailto:a@example.com\"}");
	ok(docstore_get(ds, &other, "j", &d) == DOCSTORE_ENOTFOUND,
	    "kinds are apart");
	memset(&other, 0, sizeof(other));
	other.kind = DOCSTORE_ACTIVITY_PROFILE;
	ok(docstore_write(ds, &other, &w) == DOCSTORE_EINVALID,
	    "missing activity id is refused");

	/* Delete all: with a registration only that one. */
	other = sc;
	other.has_registration = 1;
	uuid_generate_random(other.registration);
	ok(docstore_delete_all(ds, &other, &n) == DOCSTORE_OK && n == 0,
	    "delete all of an empty registration");
	ok(docstore_delete_all(ds, &sc, &n) == DOCSTORE_OK && n == 3,
	    "delete all of the scope (%zu)", n);
	ok(docstore_list(ds, &sc, 0, &ids, &n, &newest) == DOCSTORE_OK &&
	    n == 0, "nothing left");
	docstore_ids_free(ids, n);

	/* A long id fits (ids are hashed in keys). */
	{
		char longid[2000];

		memset(longid, 'x', sizeof(longid) - 1);
		longid[sizeof(longid) - 1] = '\0';
		memset(&w, 0, sizeof(w));
		w.op = DOCSTORE_PUT;
		w.id = longid;
		w.type = "text/plain";
		w.data = "l";
		w.len = 1;
		ok(docstore_write(ds, &sc, &w) == DOCSTORE_OK, "long id stores");
		ok(docstore_list(ds, &sc, 0, &ids, &n, &newest) == DOCSTORE_OK &&
		    n == 1 && strcmp(ids[0], longid) == 0, "long id listed");
		docstore_ids_free(ids, n);
	}
}

static void
test_merge_definition(void)
{
	json *cur = parse("{\"name\":{\"en-US\":\"a\"},\"type\":\"http://t/1\","
	    "\"extensions\":{\"http://e/1\":1}}");
	json *def = parse("{\"name\":{\"fr-FR\":\"b\"},\"type\":\"http://t/2\","
	    "\"extensions\":{\"http://e/2\":2},\"moreInfo\":\"http://m\"}");
	json *want = parse("{\"name\":{\"en-US\":\"a\",\"fr-FR\":\"b\"},"
	    "\"type\":\"http://t/2\",\"extensions\":{\"http://e/1\":1,"
	    "\"http://e/2\":2},\"moreInfo\":\"http://m\"}");

	ok(docstore_merge_definition(cur, def) == 1, "definition changed");
	ok(json_equal(cur, want), "languages and extensions merged, rest replaced");
	ok(docstore_merge_definition(cur, def) == 0, "same definition: no change");
	json_free(cur);
	json_free(def);
	json_free(want);
}

static void
test_learning(store *st, docstore *ds)
{
	json *a = NULL, *p = NULL, *agent;
	char *s;

	ok(put_statement(st, "{\"actor\":{\"name\":\"Ann\",\"mbox\":\"mailto:ann@example.com\"},"
	    "\"verb\":{\"id\":\"http://example.com/v\"},"
	    "\"object\":{\"id\":\"http://example.com/act/2\",\"definition\":"
	    "{\"name\":{\"en-US\":\"meeting\"}}},"
	    "\"context\":{\"contextActivities\":{\"parent\":[{\"id\":\"http://example.com/parent\","
	    "\"definition\":{\"type\":\"http://example.com/course\"}}]},"
	    "\"instructor\":{\"name\":\"Ian\",\"openid\":\"http://openid.example.com/ian\"}}}") ==
	    STORE_OK, "statement stored");
	ok(put_statement(st, "{\"actor\":{\"name\":\"Annie\",\"mbox\":\"mailto:ann@example.com\"},"
	    "\"verb\":{\"id\":\"http://example.com/v\"},"
	    "\"object\":{\"objectType\":\"Activity\",\"id\":\"http://example.com/act/2\",\"definition\":"
	    "{\"name\":{\"fr-FR\":\"r\\u00e9union\"}}}}") == STORE_OK,
	    "second statement stored");
	ok(docstore_activity(ds, "http://example.com/act/2", &a) == DOCSTORE_OK,
	    "activity learned");
	{
		json *name = json_get(json_get(a, "definition"), "name");

		ok(json_is_str(json_get(a, "objectType"), "Activity") &&
		    json_is_str(json_get(name, "en-US"), "meeting") &&
		    json_is_str(json_get(name, "fr-FR"), "r\xc3\xa9union"),
		    "both languages kept");
	}
	json_free(a);
	ok(docstore_activity(ds, "http://example.com/parent", &a) == DOCSTORE_OK &&
	    json_is_str(json_get(json_get(a, "definition"), "type"),
	    "http://example.com/course"), "context activity learned");
	json_free(a);
	ok(docstore_activity(ds, "http://example.com/never", &a) ==
	    DOCSTORE_ENOTFOUND, "unknown activity not found");

	agent = parse("{\"objectType\":\"Agent\",\"mbox\":\"mailto:ann@example.com\"}");
	ok(docstore_person(ds, agent, &p) == DOCSTORE_OK, "person");
	s = p ? json_to_string(p, NULL) : NULL;
	ok(s && strcmp(s, "{\"objectType\":\"Person\",\"name\":[\"Ann\",\"Annie\"],"
	    "\"mbox\":[\"mailto:ann@example.com\"]}") == 0, "person joins names: %s",
	    s ? s : "(none)");
	free(s);
	json_free(p);
	json_free(agent);
	agent = parse("{\"name\":\"Ian\",\"openid\":\"http://openid.example.com/ian\"}");
	ok(docstore_person(ds, agent, &p) == DOCSTORE_OK &&
	    json_get(p, "name")->n == 1 && json_get(p, "openid")->n == 1,
	    "instructor learned, query name not repeated");
	json_free(p);
	json_free(agent);
	agent = parse("{\"account\":{\"homePage\":\"http://h\",\"name\":\"n\"}}");
	ok(docstore_person(ds, agent, &p) == DOCSTORE_OK &&
	    json_get(p, "name")->n == 0 && json_get(p, "account")->n == 1,
	    "unknown agent: a Person of itself");
	json_free(p);
	json_free(agent);
}

/* Learn statement text (an id added) inside a store_exec that then drops
 * everything it did. */
static int
drop_learn(void *arg, MDB_txn *txn)
{
	void **a = arg;

	ok(docstore_learn(a[0], txn, a[1]) == DOCSTORE_OK, "learned, to drop");
	return 1;
}

/* The name of activity id in language lang as learned, or "". */
static const char *
act_name(docstore *ds, const char *id, const char *lang, char *out, size_t n)
{
	json *a = NULL;
	const json *v;

	snprintf(out, n, "%s", "");
	if (docstore_activity(ds, id, &a) == DOCSTORE_OK &&
	    (v = json_get(json_get(json_get(a, "definition"), "name"), lang)) &&
	    v->type == JSON_STRING)
		snprintf(out, n, "%s", v->str);
	json_free(a);
	return out;
}

/* Learning the same Activity again is skipped by the learner's memo, but
 * only while the stored definition is what that learning left: the latest
 * definition still wins, and a learning that was rolled back does not
 * count. */
static void
test_learning_again(store *st, docstore *ds)
{
	const char *fmt = "{\"actor\":{\"name\":\"Bo\",\"mbox\":\"mailto:bo@example.com\"},"
	    "\"verb\":{\"id\":\"http://example.com/v\",\"display\":{\"en\":\"%s\"}},"
	    "\"object\":{\"id\":\"http://example.com/again\",\"definition\":"
	    "{\"name\":{\"en\":\"%s\"}}}}";
	char text[512], name[64];
	json *p = NULL, *agent, *st_b, *v = NULL;
	void *arg[2];
	int fn_rc = 0;
	char *s;

	snprintf(text, sizeof(text), fmt, "did", "first");
	ok(put_statement(st, text) == STORE_OK, "A stored");
	snprintf(text, sizeof(text), fmt, "done", "second");
	ok(put_statement(st, text) == STORE_OK, "B stored");
	ok(strcmp(act_name(ds, "http://example.com/again", "en", name,
	    sizeof(name)), "second") == 0, "B's name learned: %s", name);
	snprintf(text, sizeof(text), fmt, "did", "first");
	ok(put_statement(st, text) == STORE_OK, "A stored again");
	ok(strcmp(act_name(ds, "http://example.com/again", "en", name,
	    sizeof(name)), "first") == 0, "A's name again, the latest: %s",
	    name);
	ok(docstore_verb(ds, "http://example.com/v", &v) == DOCSTORE_OK &&
	    json_is_str(json_get(json_get(v, "display"), "en"), "did"),
	    "verb display the latest again");
	json_free(v);

	/* B learned in a transaction that is dropped: the memo remembers B,
	 * the store still holds A's. */
	snprintf(text, sizeof(text), fmt, "done", "second");
	st_b = parse(text);
	arg[0] = ds;
	arg[1] = st_b;
	ok(store_exec(st, drop_learn, arg, &fn_rc) == STORE_OK && fn_rc == 1,
	    "learning dropped");
	ok(strcmp(act_name(ds, "http://example.com/again", "en", name,
	    sizeof(name)), "first") == 0, "dropped learning left A: %s", name);
	ok(put_statement(st, text) == STORE_OK, "B stored again");
	ok(strcmp(act_name(ds, "http://example.com/again", "en", name,
	    sizeof(name)), "second") == 0, "B learned after the drop: %s",
	    name);
	json_free(st_b);

	agent = parse("{\"mbox\":\"mailto:bo@example.com\"}");
	ok(docstore_person(ds, agent, &p) == DOCSTORE_OK, "person Bo");
	s = p ? json_to_string(p, NULL) : NULL;
	ok(s && strcmp(s, "{\"objectType\":\"Person\",\"name\":[\"Bo\"],"
	    "\"mbox\":[\"mailto:bo@example.com\"]}") == 0,
	    "one name however often learned: %s", s ? s : "(none)");
	free(s);
	json_free(p);
	json_free(agent);
}

int
main(void)
{
	char dir[] = "/tmp/unit-docstore.XXXXXX", cmd[100];
	store *st = NULL;
	docstore *ds = NULL;
	json *a = NULL;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return test_done();
	}
	ok(store_open(dir, &lim64, &st) == STORE_OK, "store opens");
	ok(docstore_open(st, &ds) == DOCSTORE_OK, "docstore opens");
	if (st && ds) {
		test_documents(ds);
		test_merge_definition();
		test_learning(st, ds);
		test_learning_again(st, ds);
	}
	store_close(st);
	docstore_close(ds);

	/* Statements stored with no docstore subscribed are replayed. */
	ok(store_open(dir, &lim64, &st) == STORE_OK, "store reopens");
	ok(put_statement(st, "{\"actor\":{\"mbox\":\"mailto:z@example.com\"},"
	    "\"verb\":{\"id\":\"http://example.com/v\"},"
	    "\"object\":{\"id\":\"http://example.com/late\",\"definition\":"
	    "{\"name\":{\"en\":\"late\"}}}}") == STORE_OK,
	    "statement stored unsubscribed");
	store_close(st);
	ok(store_open(dir, &lim64, &st) == STORE_OK, "store reopens again");
	ok(docstore_open(st, &ds) == DOCSTORE_OK, "docstore reopens");
	ok(ds && docstore_activity(ds, "http://example.com/late", &a) ==
	    DOCSTORE_OK, "missed statement replayed");
	json_free(a);
	ok(ds && docstore_activity(ds, "http://example.com/act/2", &a) ==
	    DOCSTORE_OK, "earlier knowledge kept");
	json_free(a);
	store_close(st);
	docstore_close(ds);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return test_done();
}
