/* Unit tests of the JSON tree. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "test.h"
#include "utf8.h"

TEST_MAIN_DEFS

static json *
parse(const char *s, int *rc)
{
	json *j = NULL;
	char err[200];

	*rc = json_parse(s, strlen(s), 32, &j, err, sizeof(err));
	return j;
}

/* Text json_parse() must refuse with code rc and a message holding
 * each of want (NULL-terminated). */
static const struct {
	const char	*name;
	const char	*text;
	int		 rc;
	const char	*want[3];
} refused[] = {
	{ "C0 AF, overlong", "[\"\xc0\xaf\"]", JSON_EUTF8,
	    { "overlong", "at byte 2", NULL } },
	{ "E0 80 AF, overlong", "{\"a\":\"x\xe0\x80\xaf\"}", JSON_EUTF8,
	    { "overlong", "at byte 7", NULL } },
	{ "ED A0 80, a surrogate", "[\"\xed\xa0\x80\"]", JSON_EUTF8,
	    { "surrogate", "at byte 2", NULL } },
	{ "F4 90 80 80, above U+10FFFF", "[\"\xf4\x90\x80\x80\"]",
	    JSON_EUTF8, { "above U+10FFFF", "at byte 2", NULL } },
	{ "a lone \\uDC00", "[\"\\uDC00\"]", JSON_EUTF8,
	    { "low surrogate", "at byte 2", NULL } },
	{ "\\uD800 then x", "[\"\\uD800x\"]", JSON_EUTF8,
	    { "high surrogate", "at byte 2", NULL } },
	{ "\\uD800 then \\u0041", "[\"\\uD800\\u0041\"]", JSON_EUTF8,
	    { "high surrogate", "at byte 2", NULL } },
	{ "overlong in a member name", "{\"\xc0\xaf\":1}", JSON_EUTF8,
	    { "overlong", "at byte 2", NULL } },
	{ "\\u0000 in a member name", "{\"a\\u0000b\":1,\"a\":2}",
	    JSON_ENULNAME, { "\\u0000", "member name", "ending at byte 10" } },
	{ "\\u0000 alone as a member name", "{\"\\u0000\":1}",
	    JSON_ENULNAME, { "\\u0000", NULL } },
};

static void
test_refused(void)
{
	char err[200];
	json *j;
	size_t i, k;
	int rc;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		j = NULL;
		err[0] = '\0';
		rc = json_parse(refused[i].text, strlen(refused[i].text), 8,
		    &j, err, sizeof(err));
		ok(rc == refused[i].rc && j == NULL, "%s: want %d, got %d",
		    refused[i].name, refused[i].rc, rc);
		for (k = 0; k < 3 && refused[i].want[k] != NULL; k++)
			ok(strstr(err, refused[i].want[k]) != NULL,
			    "%s: the message '%s' lacks '%s'", refused[i].name,
			    err, refused[i].want[k]);
		json_free(j);
	}
}

/* Each text parses to one string of exactly the bytes want. */
static const struct {
	const char	*name;
	const char	*text;
	const char	*want;
	size_t		 len;
} accepted[] = {
	{ "a pair: U+1F600", "\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80", 4 },
	{ "the last pair: U+10FFFF", "\"\\udbff\\udfff\"",
	    "\xf4\x8f\xbf\xbf", 4 },
	{ "U+1F600 as bytes", "\"\xf0\x9f\x98\x80\"", "\xf0\x9f\x98\x80",
	    4 },
	{ "U+10FFFF as bytes", "\"\xf4\x8f\xbf\xbf\"", "\xf4\x8f\xbf\xbf",
	    4 },
	{ "U+FFFF", "\"\\uFFFF\"", "\xef\xbf\xbf", 3 },
	{ "U+007F and U+0080", "\"\\u007f\\u0080\"", "\x7f\xc2\x80", 3 },
	{ "U+0000 in a value", "\"a\\u0000b\"", "a\0b", 3 },
};

static void
test_accepted(void)
{
	json *j;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		j = parse(accepted[i].text, &rc);
		ok(rc == 0 && j != NULL && j->type == JSON_STRING &&
		    j->len == accepted[i].len &&
		    memcmp(j->str, accepted[i].want, j->len) == 0,
		    "%s: rc %d", accepted[i].name, rc);
		json_free(j);
	}
}

/* Whatever the bytes, json_dump_str() writes well-formed UTF-8. */
static void
test_dump_utf8(void)
{
	static const char want[] = "\"a\\ufffd\\ufffdb\\ufffd\\ufffd"
	    "\\ufffd\\ufffd\\ufffd\\ufffd\"";
	struct buf b = BUF_INIT;
	size_t off;

	json_dump_str("a\xc0\xaf" "b\xed\xa0\x80\xf0\x9f\x98", 10, &b);
	ok(b.len == strlen(want) && memcmp(b.p, want, b.len) == 0,
	    "each byte of an ill-formed sequence is written as U+FFFD: %.*s",
	    (int)b.len, b.p);
	ok(utf8_check(b.p, b.len, &off) == UTF8_OK, "the output is UTF-8");
	buf_reset(&b);
	json_dump_str("\xf0\x9f\x98\x80\xc3\xa9", 6, &b);
	ok(b.len == 8 && memcmp(b.p, "\"\xf0\x9f\x98\x80\xc3\xa9\"", 8) == 0,
	    "well-formed sequences are written as they are");
	buf_free(&b);
}

/* json_parse_own_block builds what json_parse_own builds, spelled the
 * same, as a block: root marked, members read-only, a clone ordinary. */
static void
block_agrees(const char *text, size_t len)
{
	json *a = NULL, *b = NULL, *c;
	char *da = NULL, *db = NULL;
	size_t la = 0, lb = 0;
	int ra = json_parse_own(text, len, 1000, &a);
	int rb = json_parse_own_block(text, len, 1000, &b);

	ok(ra == JSON_OK && rb == JSON_OK && json_equal(a, b) &&
	    b->block == JSON_BLOCK_ROOT, "block parse of %.40s", text);
	if (a && b) {
		da = json_to_string(a, &la);
		db = json_to_string(b, &lb);
	}
	ok(da && db && la == lb && memcmp(da, db, la) == 0,
	    "block parse of %.40s spelled the same", text);
	ok(b && (b->n == 0 || b->vals[0]->block == JSON_BLOCK_MEMBER),
	    "block members are marked read-only");
	c = json_clone(b);
	ok(c && c->block == 0 && (c->n == 0 || c->vals[0]->block == 0) &&
	    json_equal(c, b), "a clone of a block is an ordinary tree");
	if (c && c->type == JSON_OBJECT)
		json_set(c, "added", json_new_bool(1));
	json_free(c);
	free(da);
	free(db);
	json_free(a);
	json_free(b);
}

/* Texts that come near the block's bound: the most values per byte,
 * escapes at the very end, deep nesting, long strings. */
static void
test_block_bound(void)
{
	struct buf t = BUF_INIT;
	size_t i;

	buf_puts(&t, "[");
	for (i = 0; i < 3000; i++)
		buf_puts(&t, i ? ",1" : "1");
	buf_puts(&t, "]");
	block_agrees(t.p, t.len);
	t.len = 0;
	buf_puts(&t, "[");
	for (i = 0; i < 2000; i++)
		buf_puts(&t, i ? ",{},[]" : "{},[]");
	buf_puts(&t, "]");
	block_agrees(t.p, t.len);
	t.len = 0;
	buf_puts(&t, "{");
	for (i = 0; i < 500; i++)
		buf_printf(&t, "%s\"k%zu\":\"\\n\\u00e9\\ud83d\\ude00\"",
		    i ? "," : "", i);
	buf_puts(&t, "}");
	block_agrees(t.p, t.len);
	t.len = 0;
	for (i = 0; i < 900; i++)
		buf_puts(&t, "[");
	for (i = 0; i < 900; i++)
		buf_puts(&t, "]");
	block_agrees(t.p, t.len);
	t.len = 0;
	buf_puts(&t, "\"");
	for (i = 0; i < 5000; i++)
		buf_puts(&t, "ab\\\"");
	buf_puts(&t, "\"");
	block_agrees(t.p, t.len);
	buf_free(&t);
}

/* A control character or an escape at every place of strings of 1 to 20
 * bytes, with text after them (the parsers test 8 bytes at a time). */
static void
test_own_strings(void)
{
	char t[64];
	size_t n, at;
	json *j = NULL, *b = NULL;
	int bad = 0, good = 0;

	for (n = 1; n <= 20; n++)
		for (at = 0; at < n; at++) {
			memset(t, 0, sizeof(t));
			t[0] = '[';
			t[1] = '"';
			memset(t + 2, 'a', n);
			t[2 + at] = '\x1f';
			memcpy(t + 2 + n, "\",\"bbbbbbbbbbbb\"]", 17);
			bad += json_parse_own(t, strlen(t), 8, &j) != JSON_OK &&
			    json_parse_own_block(t, strlen(t), 8, &b) !=
			    JSON_OK;
			t[2 + at] = '\\';
			t[3 + at] = 'n';	/* the quote when at is last */
			if (at + 1 < n &&
			    json_parse_own(t, strlen(t), 8, &j) == JSON_OK &&
			    json_parse_own_block(t, strlen(t), 8, &b) ==
			    JSON_OK && json_equal(j, b) &&
			    j->vals[0]->len == n - 1)
				good++;
			json_free(j);
			json_free(b);
			j = b = NULL;
		}
	ok(bad == 210, "a control character is refused wherever it is (%d)",
	    bad);
	ok(good == 190, "an escape is read wherever it is (%d)", good);
}

/* json_dump_str escapes what needs it wherever it stands in strings of
 * 1 to 20 bytes (it skips 8 plain bytes at a time): written and read
 * back, the same string. */
static void
test_dump_strings(void)
{
	static const char *special[] = { "\"", "\\", "\x01", "\x7f",
	    "\xc3\xa9", "\xf0\x9f\x98\x80", "/" };
	char t[64];
	size_t n, at, k, l;
	struct buf b = BUF_INIT;
	json *j;
	int good = 0, all = 0;

	for (k = 0; k < sizeof(special) / sizeof(special[0]); k++)
		for (n = 1; n <= 20; n++)
			for (at = 0; at < n; at++, all++) {
				l = strlen(special[k]);
				memset(t, 'a', n + l);
				memcpy(t + at, special[k], l);
				b.len = 0;
				json_dump_str(t, n + l, &b);
				j = NULL;
				if (json_parse(b.p, b.len, 4, &j, NULL, 0) ==
				    JSON_OK && j->len == n + l &&
				    memcmp(j->str, t, n + l) == 0)
					good++;
				json_free(j);
			}
	ok(good == all, "strings written and read back (%d of %d)", good,
	    all);
	b.len = 0;
	json_dump_str("abcdefgh\xff", 9, &b);
	ok(b.len == 16 && memcmp(b.p, "\"abcdefgh\\ufffd\"", 16) == 0,
	    "a byte that is not UTF-8 after 8 plain ones is U+FFFD");
	buf_free(&b);
}

/* json_parse_own builds what json_parse builds, refuses what the grammar
 * or the depth refuses, and leaves UTF-8 and repeated names alone. */
static void
test_own(void)
{
	static const char *same[] = {
		"{\"id\":\"x\",\"n\":-0.5e+3,\"a\":[true,false,null,{}]}",
		" [ 1 , \"\\u00e9\\ud83d\\ude00\\n\\\"\\/\" ] ",
		"\"\"", "0", "{\"\":[[],[[]]]}", "\t{\"k\" : 1e5 }\r\n",
	};
	static const char *bad[] = {
		"", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.",
		"-", "1e", "tru", "nul", "[1 2]", "\"\\x\"", "\"\\ud800\"",
		"\"\\udc00\"", "\"a\x01\"", "{} {}", "{\"a\":1} \"", "\"",
		"{\"a\\u0000\":1}",
	};
	json *a, *b;
	char *da, *db;
	size_t i, la, lb;
	int rc;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		a = b = NULL;
		rc = json_parse(same[i], strlen(same[i]), 32, &a, NULL, 0);
		ok(rc == 0 && json_parse_own(same[i], strlen(same[i]), 32,
		    &b) == JSON_OK && json_equal(a, b), "own parse of %s",
		    same[i]);
		if (a && b) {
			da = json_to_string(a, &la);
			db = json_to_string(b, &lb);
			ok(la == lb && memcmp(da, db, la) == 0,
			    "own parse of %s spelled the same", same[i]);
			free(da);
			free(db);
		}
		json_free(a);
		json_free(b);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = NULL;
		rc = json_parse_own(bad[i], strlen(bad[i]), 32, &b);
		ok(rc != JSON_OK && b == NULL, "own parse refuses '%s'",
		    bad[i]);
		b = NULL;
		rc = json_parse_own_block(bad[i], strlen(bad[i]), 32, &b);
		ok(rc != JSON_OK && b == NULL, "block parse refuses '%s'",
		    bad[i]);
	}
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		block_agrees(same[i], strlen(same[i]));
	b = NULL;
	ok(json_parse_own("[[[1]]]", 7, 2, &b) == JSON_EDEPTH && b == NULL,
	    "own parse refuses nesting past the limit");
	ok(json_parse_own("{\"a\":1,\"a\":2}", 13, 2, &b) == JSON_OK &&
	    b && b->n == 2, "own parse leaves repeated names to the writer");
	json_free(b);
}

int
main(void)
{
	json *j, *k;
	int rc;
	char *s;

	j = parse("{\"a\":[1,2.50,\"x\\u0000y\"],\"b\":{\"c\":null,\"d\":true}}", &rc);
	ok(rc == 0 && j != NULL, "valid document parses");
	ok(json_get(j, "a")->n == 3, "array has three members");
	ok(strcmp(json_get(j, "a")->vals[1]->str, "2.50") == 0,
	    "numbers keep their literal");
	ok(json_get(j, "a")->vals[2]->len == 3, "strings may hold NUL");
	s = json_to_string(j, NULL);
	ok(strcmp(s, "{\"a\":[1,2.50,\"x\\u0000y\"],\"b\":{\"c\":null,\"d\":true}}") == 0,
	    "dump round-trips: %s", s);
	free(s);
	k = json_clone(j);
	ok(json_equal(j, k), "clone is equal");
	json_set(k, "b", json_new_int(3));
	ok(!json_equal(j, k), "changed clone differs");
	json_free(k);
	json_free(j);

	j = parse("{\"a\":1,\"b\":2}", &rc);
	k = parse("{\"b\":2.0,\"a\":1}", &rc);
	ok(json_equal(j, k), "member order and number spelling do not matter");
	json_free(j);
	json_free(k);

	ok(parse("{\"a\":1,}", &rc) == NULL && rc == JSON_ESYNTAX, "trailing comma refused");
	ok(parse("{\"a\":1,\"a\":2}", &rc) == NULL && rc == JSON_EDUPKEY, "duplicate key refused");
	ok(parse("\"\xff\"", &rc) == NULL && rc == JSON_EUTF8, "invalid UTF-8 refused");
	ok(parse("{} {}", &rc) == NULL && rc == JSON_ESYNTAX, "trailing garbage refused");
	ok(parse("{\"a\":1} \"", &rc) == NULL && rc == JSON_ESYNTAX,
	    "a value followed by a string that never ends refused");
	ok(parse(" 7 \"", &rc) == NULL && rc == JSON_ESYNTAX,
	    "a number followed by a string that never ends refused");
	j = parse(" -1.5e3 ", &rc);
	ok(rc == 0 && j && j->num == -1500, "a number alone with spaces taken");
	json_free(j);
	ok(parse("", &rc) == NULL && rc == JSON_ESYNTAX, "empty input refused");
	{
		char deep[200];
		memset(deep, '[', 40);
		memset(deep + 40, ']', 40);
		deep[80] = '\0';
		ok(parse(deep, &rc) == NULL && rc == JSON_EDEPTH, "nesting past the limit refused");
		deep[20] = '\0';
		memset(deep + 10, ']', 10);
		j = parse(deep, &rc);
		ok(rc == 0, "nesting within the limit accepted");
		json_free(j);
	}
	{
		/* Deeper than the parser's inline stack of open containers. */
		char deep[2 * 300 + 8];
		const json *in;
		int d;

		memset(deep, '[', 300);
		deep[300] = '7';
		memset(deep + 301, ']', 300);
		deep[601] = '\0';
		j = NULL;
		rc = json_parse(deep, 601, 1000, &j, NULL, 0);
		for (d = 0, in = j; in && in->type == JSON_ARRAY && in->n == 1;
		    d++)
			in = in->vals[0];
		ok(rc == 0 && d == 300 && in && in->type == JSON_NUMBER &&
		    in->num == 7, "300 nested arrays parse whole");
		json_free(j);
		j = NULL;
		ok(json_parse(deep, 601, 299, &j, NULL, 0) == JSON_EDEPTH &&
		    j == NULL, "300 nested arrays past a limit of 299 refused");
	}
	test_own();
	test_block_bound();
	test_own_strings();
	test_dump_strings();
	test_refused();
	test_accepted();
	test_dump_utf8();
	return test_done();
}
