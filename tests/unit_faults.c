/* Failures injected below the store, the credentials and the hashing
 * (lrs/fault.h): each must come back as an error code, never as a short
 * answer or a silent default.  Built against the -DLRS_FAULTS objects. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "fault_ctl.h"
#include "index.h"
#include "store.h"
#include "test.h"

TEST_MAIN_DEFS

static char dir[64];

/* Store statement i (verb http://v/f) with a fresh id. */
static int
put_one(store *s, int i)
{
	char text[256], idtext[37];
	struct store_write w;
	uint8_t id[16];
	json *st = NULL;
	int rc;

	uuid_generate_random(id);
	uuid_unparse_lower(id, idtext);
	snprintf(text, sizeof(text), "{\"id\":\"%s\",\"actor\":{\"mbox\":"
	    "\"mailto:f@x.y\"},\"verb\":{\"id\":\"http://v/f\"},\"object\":"
	    "{\"id\":\"http://a/%d\"}}", idtext, i);
	if (json_parse(text, strlen(text), 16, &st, NULL, 0) != 0)
		return -100;
	memset(&w, 0, sizeof(w));
	w.stmts = &st;
	w.n = 1;
	w.ids = (const uint8_t (*)[16])&id;
	rc = store_put(s, &w);
	json_free(st);
	return rc;
}

static void
count_visit(void *arg, uint64_t seq, const char *text, size_t len)
{
	(*(int *)arg)++;
}

/* Run a query on verb http://v/f: its code, and how many it visited. */
static int
query(store *s, int *visited)
{
	struct store_query q;
	store_read *r;
	uint64_t next;
	int rc;

	*visited = 0;
	memset(&q, 0, sizeof(q));
	q.filters[0][0] = INDEX_VERB;
	index_hash(INDEX_VERB, "http://v/f", 10, q.filters[0] + 1);
	q.nfilters = 1;
	if ((rc = store_read_begin(s, &r)) != STORE_OK)
		return rc;
	rc = store_query(r, &q, count_visit, visited, &next);
	store_read_end(r);
	return rc;
}

static void
test_store(void)
{
	store *s;
	store_read *r = NULL;
	int i, n, rc, fails = 0;

	snprintf(dir, sizeof(dir), "/tmp/lrs-unit-faults-XXXXXX");
	ok(mkdtemp(dir) != NULL, "temp dir");
	ok(store_open(dir, 64 << 20, &s) == STORE_OK, "store opens");
	for (i = 0; i < 10; i++)
		fails += put_one(s, i) != STORE_OK;
	ok(fails == 0, "10 statements stored");
	ok(query(s, &n) == STORE_OK && n == 10, "the query finds all 10");

	/* A cursor that fails half-way: an error, not the half as an answer. */
	fault_set("store.cursor", 4, -1, MDB_PAGE_NOTFOUND);
	rc = query(s, &n);
	ok(rc == STORE_ECORRUPT, "a failing index seek ends the query with "
	    "STORE_ECORRUPT (got %d: %s)", rc, store_strerror(rc));
	ok(n > 0 && n < 10, "after %d statements were visited", n);
	fault_set("store.cursor", 0, -1, EIO);
	rc = query(s, &n);
	ok(rc == STORE_EIO, "an I/O error of a seek is STORE_EIO (got %d)", rc);
	fault_set(NULL, 0, 0, 0);
	ok(query(s, &n) == STORE_OK && n == 10, "and it answers again");

	fault_set("store.read", 0, 1, MDB_READERS_FULL);
	rc = store_read_begin(s, &r);
	ok(rc == STORE_EBUSY && r == NULL,
	    "no reader slot left is STORE_EBUSY (got %d)", rc);
	fault_set(NULL, 0, 0, 0);
	store_close(s);
}

int
main(void)
{
	char cmd[128];

	test_store();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "cleanup");
	return test_done();
}
