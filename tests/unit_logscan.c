/* Unit tests of logscan: the log read and parsed ahead on a thread of its
 * own comes out complete and in order, without the statements removed,
 * with the ones keep refuses as NULL, past several chunks of read-ahead;
 * stopping early frees what was read ahead; a range past the log ends at
 * once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "logscan.h"
#include "store.h"
#include "test.h"

TEST_MAIN_DEFS

#define N	5000	/* more than the read-ahead holds */

static const struct store_limits lim = { 64 << 20, 256 << 20, 0, 0 };

/* Statements first..first+n-1 in one write; every seventh has verb
 * http://v/skip. */
static int
put_range(store *s, int first, int n)
{
	json **st = calloc((size_t)n, sizeof(*st));
	uint8_t (*ids)[16] = calloc((size_t)n, sizeof(*ids));
	struct store_write w;
	char text[300], idt[37];
	int i, rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		snprintf(idt, sizeof(idt), "00000000-0000-4000-8000-%012d",
		    first + i);
		snprintf(text, sizeof(text), "{\"id\":\"%s\",\"actor\":{\"mbox\":"
		    "\"mailto:a@x.y\"},\"verb\":{\"id\":\"http://v/%s\"},"
		    "\"object\":{\"id\":\"http://a/%d\"}}", idt,
		    (first + i) % 7 == 0 ? "skip" : "did", first + i);
		if (json_parse(text, strlen(text), 32, &st[i], NULL, 0) != 0)
			rc = -100;
		uuid_parse(idt, ids[i]);
	}
	if (rc == 0) {
		memset(&w, 0, sizeof(w));
		w.stmts = st;
		w.n = (size_t)n;
		w.ids = (const uint8_t (*)[16])ids;
		w.authority_key = "tester";
		rc = store_put(s, &w);
	}
	for (i = 0; i < n; i++)
		json_free(st[i]);
	free(st);
	free(ids);
	return rc;
}

static int
not_skip(const json *st)
{
	return !json_is_str(json_get(json_get(st, "verb"), "id"), "http://v/skip");
}

/* Remove statements 100..109 (a purge leaves holes). */
static int
remove_some(void *arg, MDB_txn *txn)
{
	struct store_removal acc = { 0 };
	uint64_t seq;
	int rc = 0;

	for (seq = 100; seq < 110 && rc == 0; seq++)
		rc = store_remove_txn(arg, txn, seq, 0, &acc);
	return rc;
}

/* The object id's number of statement st, or -1. */
static int
number(const json *st)
{
	const char *o = json_get_str(json_get(st, "object"), "id");

	return o && strncmp(o, "http://a/", 9) == 0 ? atoi(o + 9) : -1;
}

int
main(void)
{
	struct logscan_item it;
	logscan *ls;
	store *s;
	char dir[64], cmd[128];
	int i, rc, fn_rc = 0, in_order = 1, skipped_ok = 1, seen = 0, nulls = 0;
	uint64_t prev = 0;

	snprintf(dir, sizeof(dir), "/tmp/lrs-unit-logscan-XXXXXX");
	ok(mkdtemp(dir) != NULL, "temp dir");
	ok(store_open(dir, &lim, &s) == STORE_OK, "store opens");
	for (i = 1, rc = 0; i <= N && rc == 0; i += 500)
		rc = put_range(s, i, 500);
	ok(rc == 0, "%d statements stored (%d)", N, rc);
	ok(store_exec(s, remove_some, s, &fn_rc) == 0 && fn_rc == 0,
	    "statements 100-109 removed (%d)", fn_rc);

	ok(logscan_start(s, 1, N, not_skip, &ls) == 0, "logscan starts");
	while ((rc = logscan_next(ls, &it)) == 0) {
		if (it.seq <= prev || (it.seq >= 100 && it.seq < 110))
			in_order = 0;
		prev = it.seq;
		seen++;
		if (it.st == NULL)
			nulls++;
		else if (number(it.st) != (int)it.seq || !not_skip(it.st))
			skipped_ok = 0;
		json_free(it.st);
	}
	ok(rc == 1, "the scan ends past the last statement (%d)", rc);
	ok(logscan_next(ls, &it) == 1, "and says so again when asked again");
	ok(in_order, "statements come in sequence order, removed ones left out");
	ok(seen == N - 10, "every statement but the removed came (%d)", seen);
	ok(nulls == N / 7 - 1, "those keep refuses come as NULL (%d)", nulls);
	ok(skipped_ok, "each parsed statement is the one of its number");
	logscan_stop(ls);

	/* Stop after a few: the thread stops, what it read ahead is freed
	 * (the sanitizer build reports a leak otherwise). */
	ok(logscan_start(s, 1, N, NULL, &ls) == 0, "a second scan starts");
	for (i = 0; i < 3 && logscan_next(ls, &it) == 0; i++)
		json_free(it.st);
	ok(i == 3, "three statements came");
	logscan_stop(ls);

	ok(logscan_start(s, N + 1, N + 100, NULL, &ls) == 0 &&
	    logscan_next(ls, &it) == 1, "a range past the log ends at once");
	logscan_stop(ls);

	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "temp dir removed");
	return test_done();
}
