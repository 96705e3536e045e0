/* Unit tests of accesslog: query values that may carry a person or a
 * secret are masked, ids and times are kept, and both line formats hold
 * what a line must hold and nothing that would split it. */
#include <string.h>

#include "accesslog.h"
#include "json.h"
#include "reqid.h"
#include "test.h"

TEST_MAIN_DEFS

/* The masked form of target. */
static int
masks_to(const char *target, const char *want)
{
	struct buf b = BUF_INIT;
	int same;

	accesslog_target(target, &b);
	buf_putc(&b, '\0');
	same = strcmp(b.p, want) == 0;
	if (!same)
		fprintf(stderr, "%s -> %s, want %s\n", target, b.p, want);
	buf_free(&b);
	return same;
}

static void
test_target(void)
{
	ok(masks_to("/xapi/statements", "/xapi/statements"), "no query, no change");
	ok(masks_to("/xapi/statements?statementId=abc&limit=5",
	    "/xapi/statements?statementId=abc&limit=5"), "ids and limits are kept");
	ok(masks_to("/xapi/statements?agent=%7B%22mbox%22%7D&verb=v",
	    "/xapi/statements?agent=*&verb=v"), "agent is masked");
	ok(masks_to("/x?token=s3cret&a&b=", "/x?token=*&a&b=*"),
	    "unknown parameters are masked, names without values kept");
	ok(masks_to("/x?", "/x?"), "an empty query stays empty");
	ok(masks_to("/x?&&since=1", "/x?&&since=1"), "empty parameters pass");
}

static void
test_lines(void)
{
	struct accesslog_entry e = { 1700000000000000LL, "id-1", "10.0.0.1",
	    "GET", "/xapi/agents?agent=mbox\"x y", "key", 200, 123, 1500 };
	enum accesslog_format f;
	struct buf b = BUF_INIT;
	json *j = NULL;

	ok(accesslog_format_parse("json", &f) == 0 && f == ACCESSLOG_JSON, "json is a format");
	ok(accesslog_format_parse("plain", &f) == 0 && f == ACCESSLOG_PLAIN, "plain is a format");
	ok(accesslog_format_parse("xml", &f) == -1, "xml is not");
	accesslog_line(&e, ACCESSLOG_PLAIN, &b);
	buf_putc(&b, '\0');
	ok(strcmp(b.p, "2023-11-14T22:13:20.000Z access id-1 10.0.0.1 key "
	    "\"GET /xapi/agents?agent=*\" 200 123 1.500") == 0, "plain line: %s", b.p);
	buf_reset(&b);
	e.target = "/a b\"\\";
	e.cred = NULL;
	accesslog_line(&e, ACCESSLOG_PLAIN, &b);
	buf_putc(&b, '\0');
	ok(strstr(b.p, " - \"GET /a\\x20b\\x22\\x5c\" ") != NULL,
	    "blanks, quotes and backslashes are escaped, no credential is -: %s", b.p);
	buf_reset(&b);
	accesslog_line(&e, ACCESSLOG_JSON, &b);
	ok(json_parse(b.p, b.len, 8, &j, NULL, 0) == JSON_OK, "a JSON line parses");
	ok(json_is_str(json_get(j, "target"), "/a b\"\\"), "it keeps the target");
	ok(json_get(j, "credential") && json_get(j, "credential")->type == JSON_NULL,
	    "no credential is null");
	ok(json_get(j, "status") && json_get(j, "status")->num == 200, "status");
	ok(json_get(j, "bytes") && json_get(j, "bytes")->num == 123, "bytes");
	json_free(j);
	buf_free(&b);
}

static void
test_reqid(void)
{
	struct reqid g;
	char a[REQID_MAX + 1], b[REQID_MAX + 1];
	char long_id[REQID_MAX + 2];

	ok(reqid_init(&g) == 0, "ids can be made");
	reqid_next(&g, a);
	reqid_next(&g, b);
	ok(strcmp(a, b) != 0, "two ids differ: %s %s", a, b);
	ok(reqid_valid(a), "a made id is valid");
	ok(reqid_valid("abc-DEF_1.2:3"), "a sane id is taken");
	ok(!reqid_valid(""), "an empty id is not");
	ok(!reqid_valid(NULL), "no id is not");
	ok(!reqid_valid("a b"), "an id with a blank is not");
	ok(!reqid_valid("a\"b"), "an id with a quote is not");
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	ok(!reqid_valid(long_id), "an id over %d bytes is not", REQID_MAX);
	long_id[REQID_MAX] = '\0';
	ok(reqid_valid(long_id), "an id of %d bytes is", REQID_MAX);
}

int
main(void)
{
	test_target();
	test_lines();
	test_reqid();
	return test_done();
}
