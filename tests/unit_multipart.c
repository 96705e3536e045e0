/* Unit tests of the multipart/mixed parser and writer. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "multipart.h"
#include "test.h"
#include "xalloc.h"

TEST_MAIN_DEFS

#define CT	"multipart/mixed; boundary=-------314159265358979323846"
#define B	"-------314159265358979323846"
#define HASH	"495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"

/* The body of the last parse, kept until the next one since the parts
 * point into it. */
static char *held;

/* Parse s from an exactly sized heap copy, so that ASan sees any read past
 * its end. */
static int
parse(const char *ct, const char *s, size_t len, struct multipart *mp,
    char *err, size_t errlen)
{
	char *copy = xmemdup(s, len);
	int rc;

	free(held);
	held = copy;
	rc = multipart_parse(ct, copy, len, mp, err, errlen);
	if (rc == 0) {
		size_t i;

		for (i = 0; i < mp->n; i++)
			if (mp->parts[i].body < copy || mp->parts[i].body +
			    mp->parts[i].len > copy + len)
				rc = 99;
	}
	return rc;
}

static int
parse_str(const char *ct, const char *s, struct multipart *mp, char *err)
{
	return parse(ct, s, strlen(s), mp, err, 200);
}

static int
rejects(const char *ct, const char *s, const char *why)
{
	struct multipart mp;
	char err[200] = "";
	int rc;

	rc = parse_str(ct, s, &mp, err);
	ok(rc == MULTIPART_EINVALID && err[0] != '\0' && mp.n == 0 &&
	    mp.parts == NULL, "rejects %s (rc %d, err '%s')", why, rc, err);
	multipart_free(&mp);
	return rc;
}

static int
part_is(const struct multipart_part *p, const char *body)
{
	return p->len == strlen(body) && memcmp(p->body, body, p->len) == 0;
}

static void
test_spec_example(void)
{
	struct multipart mp;
	char err[200];
	const char *body =
	    "--abcABC0123'()+_,-./:=?\r\n"
	    "Content-Type:application/json\r\n"
	    "\r\n"
	    "{\"actor\":{\"mbox\":\"mailto:a@example.com\"}}\r\n"
	    "--abcABC0123'()+_,-./:=?\r\n"
	    "Content-Type:text/plain\r\n"
	    "Content-Transfer-Encoding:binary\r\n"
	    "X-Experience-API-Hash:" HASH "\r\n"
	    "\r\n"
	    "here is a simple attachment\r\n"
	    "--abcABC0123'()+_,-./:=?--";
	int rc;

	rc = parse_str("multipart/mixed; boundary=\"abcABC0123'()+_,-./:=?\"",
	    body, &mp, err);
	ok(rc == 0, "spec example parses: %s", rc ? err : "");
	if (rc != 0)
		return;
	ok(mp.n == 2, "two parts");
	ok(strcmp(mp.parts[0].content_type, "application/json") == 0,
	    "first part type");
	ok(mp.parts[0].hash == NULL && mp.parts[0].encoding == NULL,
	    "first part has no hash or encoding");
	ok(part_is(&mp.parts[0], "{\"actor\":{\"mbox\":\"mailto:a@example.com\"}}"),
	    "first part body excludes the delimiter's CRLF");
	ok(strcmp(mp.parts[1].content_type, "text/plain") == 0,
	    "second part type");
	ok(strcmp(mp.parts[1].encoding, "binary") == 0, "encoding");
	ok(strcmp(mp.parts[1].hash, HASH) == 0, "hash");
	ok(part_is(&mp.parts[1], "here is a simple attachment"),
	    "attachment body");
	multipart_free(&mp);
	ok(mp.parts == NULL && mp.strings == NULL && mp.n == 0,
	    "free resets");
}

/* The layout of the conformance suite's signed statements: a CRLF before
 * the first delimiter, no space after the colons, no CRLF at the end. */
static void
test_suite_layouts(void)
{
	struct multipart mp;
	char err[200];
	int rc;

	rc = parse_str("multipart/mixed; boundary=-------------12345",
	    "\r\n---------------12345\r\nContent-Type:application/json\r\n\r\n"
	    "{}\r\n---------------12345\r\nContent-Type:application/octet-stream"
	    "\r\nContent-Transfer-Encoding:binary\r\nX-Experience-API-Hash:ab"
	    "\r\n\r\nxx.yy.zz\r\n---------------12345--", &mp, err);
	ok(rc == 0 && mp.n == 2, "signed statement layout parses: %s",
	    rc ? err : "");
	if (rc == 0) {
		ok(part_is(&mp.parts[0], "{}") && part_is(&mp.parts[1],
		    "xx.yy.zz"), "signed layout bodies");
		ok(strcmp(mp.parts[1].hash, "ab") == 0, "signed layout hash");
	}
	multipart_free(&mp);

	rc = parse_str(CT, "--" B "\r\nContent-Type: application/json\r\n\r\n"
	    "[{}]\r\n--" B "\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " HASH
	    "\r\n\r\nhere is a simple attachment\r\n--" B "--\r\n", &mp, err);
	ok(rc == 0 && mp.n == 2, "suite attachment layout parses: %s",
	    rc ? err : "");
	if (rc == 0)
		ok(strcmp(mp.parts[0].content_type, "application/json") == 0 &&
		    strcmp(mp.parts[1].hash, HASH) == 0,
		    "values trimmed of the space after the colon");
	multipart_free(&mp);

	/* XAPI-00131 sends the statement before any delimiter: that is
	 * preamble, so the first part is the text/plain one, which the
	 * caller then refuses as the statement part. */
	rc = parse_str(CT, "Content-Type: application/json\r\n\r\n{}\r\n--" B
	    "\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: "
	    "binary\r\nX-Experience-API-Hash: " HASH "\r\n\r\nhello\r\n--" B
	    "--\r\n", &mp, err);
	ok(rc == 0 && mp.n == 1 &&
	    !multipart_type_is(mp.parts[0].content_type, "application/json"),
	    "preamble ignored; first part is not the statement");
	multipart_free(&mp);

	/* XAPI-00130: no delimiter before the attachment's headers, so they
	 * are part of the statement part's body. */
	rc = parse_str(CT, "--" B "\r\nContent-Type: application/json\r\n\r\n"
	    "{}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--" B "--\r\n",
	    &mp, err);
	ok(rc == 0 && mp.n == 1 && mp.parts[0].len > 2,
	    "missing delimiter folds the attachment into the first part");
	multipart_free(&mp);
}

static void
test_content_type(void)
{
	const char *ok_body = "--x\r\n\r\nhi\r\n--x--";
	struct multipart mp;
	char err[200];
	int rc;

	rejects(NULL, ok_body, "no Content-Type");
	rejects("multipart/mixed", ok_body, "no boundary");
	rejects("multipart/mixed;", ok_body, "no boundary, trailing ;");
	rejects("multipart/mixed; charset=utf-8", ok_body, "other parameter only");
	rejects("multipart/form-data; boundary=x", ok_body, "form-data");
	rejects("application/json", ok_body, "application/json");
	rejects("multipart/mixed; boundary=", ok_body, "empty boundary");
	rejects("multipart/mixed; boundary=\"\"", ok_body, "empty quoted boundary");
	rejects("multipart/mixed; boundary=\"x", ok_body, "unterminated quote");
	rejects("multipart/mixed; boundary=x; boundary=x", ok_body,
	    "boundary twice");
	rejects("multipart/mixed; boundary", ok_body, "parameter without =");
	rejects("multipart/mixed; boundary=\"x\"y", ok_body,
	    "junk after quoted value");
	rejects("multipart/mixed; boundary=0123456789012345678901234567890123"
	    "45678901234567890123456789012345678901", ok_body,
	    "71-character boundary");

	rc = parse_str("Multipart/Mixed ; charset=utf-8;BOUNDARY=x ", ok_body,
	    &mp, err);
	ok(rc == 0 && mp.n == 1 && part_is(&mp.parts[0], "hi"),
	    "type and parameter names are case-insensitive: %s", rc ? err : "");
	multipart_free(&mp);
	rc = parse_str("multipart/mixed; boundary=\"x\\\"y\"",
	    "--x\"y\r\n\r\nhi\r\n--x\"y--", &mp, err);
	ok(rc == 0 && mp.n == 1, "quoted-pair in boundary: %s", rc ? err : "");
	multipart_free(&mp);
	rc = parse_str("multipart/mixed; boundary=----=_Part_0/1", 
	    "------=_Part_0/1\r\n\r\nhi\r\n------=_Part_0/1--", &mp, err);
	ok(rc == 0 && mp.n == 1, "lenient unquoted boundary: %s",
	    rc ? err : "");
	multipart_free(&mp);

	ok(multipart_type_is("Application/JSON; charset=utf-8",
	    "application/json"), "type_is ignores case and parameters");
	ok(multipart_type_is(" application/json ", "application/json"),
	    "type_is trims");
	ok(!multipart_type_is("application/jsonx", "application/json"),
	    "type_is exact");
	ok(!multipart_type_is(NULL, "application/json"), "type_is NULL");
}

static void
test_hostile(void)
{
	struct multipart mp;
	char err[200];
	int rc;

	rejects(CT, "", "empty body");
	rejects(CT, "no delimiter at all", "body without delimiter");
	rejects(CT, "--" B "--\r\n", "close delimiter only");
	rejects(CT, "--" B "\r\nContent-Type: application/json\r\n\r\n{}",
	    "missing closing delimiter");
	rejects(CT, "--" B "\r\nContent-Type: application/json\r\n\r\n{}\r\n"
	    "--" B "\r\n", "ends after a delimiter");
	rejects(CT, "--" B "Content-Type: application/json\r\n\r\n{}\r\n--" B
	    "--", "no CRLF after the first delimiter");
	rejects(CT, "--" B "\r\nContent-Type: application/json\r\n\r\n{}--" B
	    "--", "no CRLF before the closing delimiter");
	rejects(CT, "--" B "\nContent-Type: application/json\n\n{}\n--" B
	    "--\n", "LF line endings");
	rejects(CT, "--" B "\r\nContent-Type: application/json\n\r\n{}\r\n--" B
	    "--", "bare LF in header");
	rejects(CT, "--" B "\r\nContent-Type: application/json\r\n{}\r\n--" B
	    "--", "no blank line after headers");
	rejects(CT, "--" B "\r\nContent-Type application/json\r\n\r\n{}\r\n--" B
	    "--", "header without colon");
	rejects(CT, "--" B "\r\n: x\r\n\r\n{}\r\n--" B "--", "empty header name");
	rejects(CT, "--" B "\r\n Content-Type: x\r\n\r\n{}\r\n--" B "--",
	    "continuation line first");
	rejects(CT, "--" B "\r\nContent-Type: a/b\r\ncontent-type: a/c\r\n\r\n"
	    "{}\r\n--" B "--", "Content-Type twice");
	rejects(CT, "--" B "\r\nX-Experience-API-Hash: a\r\n"
	    "X-Experience-API-Hash: b\r\n\r\n{}\r\n--" B "--", "hash twice");
	rejects(CT, "--" B "\r\nContent-Type: a/b", "truncated in headers");
	rejects(CT, "--" B "\r\nContent-Type: a/b\r\n--" B "--",
	    "header line eaten by the delimiter's CRLF");
	rejects(CT, "--" B "\r\n--" B "--", "delimiters sharing a CRLF");
	rejects(CT, "--" B "X\r\n\r\nhi\r\n--" B "--",
	    "longer string is not the first delimiter");
	{
		static const char nul[] = "--" B "\r\nContent-Type: a\0b\r\n\r\n"
		    "{}\r\n--" B "--";

		rc = parse(CT, nul, sizeof(nul) - 1, &mp, err, sizeof(err));
		ok(rc == MULTIPART_EINVALID, "NUL in a header refused");
		multipart_free(&mp);
	}

	/* Things that look odd but are valid RFC 2046. */
	rc = parse_str(CT, "--" B "\r\n\r\n--" B "--", &mp, err);
	ok(rc == 0 && mp.n == 1 && mp.parts[0].len == 0 &&
	    mp.parts[0].content_type == NULL, "empty part: %s", rc ? err : "");
	multipart_free(&mp);
	rc = parse_str(CT, "--" B "\r\nContent-Type: a/b\r\n\r\n--" B "--",
	    &mp, err);
	ok(rc == 0 && mp.n == 1 && mp.parts[0].len == 0 &&
	    strcmp(mp.parts[0].content_type, "a/b") == 0,
	    "headers without a body: %s", rc ? err : "");
	multipart_free(&mp);
	rc = parse_str(CT, "--" B " \t\r\n\r\nhi\r\n--" B "  \r\n\r\nyo\r\n--"
	    B "--  trailing epilogue", &mp, err);
	ok(rc == 0 && mp.n == 2 && part_is(&mp.parts[0], "hi") &&
	    part_is(&mp.parts[1], "yo"), "transport padding and epilogue: %s",
	    rc ? err : "");
	multipart_free(&mp);
	rc = parse_str(CT, "--" B "\r\n\r\na\r\n--" B "X\r\n--" B "-\r\n--" B
	    "--", &mp, err);
	ok(rc == 0 && mp.n == 1 && part_is(&mp.parts[0], "a\r\n--" B "X\r\n--"
	    B "-"), "boundary-prefixed lines are data: %s", rc ? err : "");
	multipart_free(&mp);
	rc = parse_str(CT, "--" B "\r\nContent-Type: text/plain;\r\n"
	    "\tcharset=ascii\r\nX-Other: ignored\r\n\r\nhi\r\n--" B "--", &mp,
	    err);
	ok(rc == 0 && mp.n == 1 && strcmp(mp.parts[0].content_type,
	    "text/plain; charset=ascii") == 0, "folded header unfolded: %s",
	    rc ? err : mp.parts[0].content_type);
	multipart_free(&mp);
	{
		static const char bin[] = "--" B "\r\n\r\n\0\r\n\n\r\r--\r\n-"
		    "\r\n--" B "--";

		rc = parse(CT, bin, sizeof(bin) - 1, &mp, err, sizeof(err));
		ok(rc == 0 && mp.n == 1 && mp.parts[0].len == 11 &&
		    memcmp(mp.parts[0].body, "\0\r\n\n\r\r--\r\n-", 11) == 0,
		    "binary body with NUL, CR, LF kept whole");
		multipart_free(&mp);
	}
	rc = multipart_parse(CT, NULL, 0, &mp, err, sizeof(err));
	ok(rc == MULTIPART_EINVALID, "NULL body refused");
	rc = multipart_parse(CT, "", 0, &mp, NULL, 0);
	ok(rc == MULTIPART_EINVALID, "NULL err buffer is fine");
}

/* Every prefix of a valid body either fails or parses inside its bounds. */
static void
test_truncation(void)
{
	const char *body = "\r\n--" B "\r\nContent-Type: application/json\r\n"
	    "\r\n{\"a\":1}\r\n--" B "\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: "
	    HASH "\r\n\r\nattachment\r\n--" B "--\r\n";
	size_t len = strlen(body), i, full = strstr(body, B "--") - body +
	    strlen(B "--");
	struct multipart mp;
	char err[200];
	int rc, bad = 0;

	for (i = 0; i <= len; i++) {
		rc = parse(CT, body, i, &mp, err, sizeof(err));
		if ((i >= full) != (rc == 0)) {
			bad++;
			fprintf(stderr, "prefix %zu: rc %d %s\n", i, rc, err);
		}
		multipart_free(&mp);
	}
	ok(bad == 0, "only prefixes holding the close delimiter parse");
}

/* Random damage to a valid body must never read out of bounds. */
static void
test_fuzz(void)
{
	const char *body = "--" B "\r\nContent-Type: application/json\r\n"
	    "\r\n{\"a\":1}\r\n--" B "\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: "
	    HASH "\r\n\r\nattachment\r\n--" B "--\r\n";
	const char alphabet[] = "\r\n-: \t\"x\0";
	size_t len = strlen(body), i, n;
	struct multipart mp;
	char *s, err[200];
	int k, rc, outside = 0, parsed = 0;

	srand(4242);
	for (k = 0; k < 20000; k++) {
		s = xmemdup(body, len);
		n = 1 + (size_t)rand() % 4;
		for (i = 0; i < n; i++)
			s[(size_t)rand() % len] =
			    alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
		rc = parse(CT, s, (size_t)rand() % (len + 1), &mp, err,
		    sizeof(err));
		if (rc == 99)
			outside++;
		if (rc == 0)
			parsed++;
		multipart_free(&mp);
		free(s);
	}
	ok(outside == 0, "fuzzed parts stay inside the body");
	ok(parsed > 0, "some fuzzed bodies still parse (%d)", parsed);
}

static void
test_writer(void)
{
	struct buf out = BUF_INIT;
	struct multipart mp;
	char err[200];
	int rc;

	multipart_write_part(&out, "zzBOUNDzz", "application/json", NULL,
	    "{\"statements\":[]}", 17);
	multipart_write_part(&out, "zzBOUNDzz", "image/png", HASH, "\0\r\n--",
	    5);
	multipart_close(&out, "zzBOUNDzz");
	{
		static const char want[] = "--zzBOUNDzz\r\nContent-Type: "
		    "application/json\r\n\r\n{\"statements\":[]}\r\n"
		    "--zzBOUNDzz\r\nContent-Type: image/png\r\n"
		    "Content-Transfer-Encoding: binary\r\n"
		    "X-Experience-API-Hash: " HASH "\r\n\r\n\0\r\n--\r\n"
		    "--zzBOUNDzz--\r\n";

		ok(out.len == sizeof(want) - 1 &&
		    memcmp(out.p, want, out.len) == 0, "writer layout");
	}
	rc = parse("multipart/mixed; boundary=zzBOUNDzz", out.p, out.len, &mp,
	    err, sizeof(err));
	ok(rc == 0 && mp.n == 2, "writer output parses: %s", rc ? err : "");
	if (rc == 0) {
		ok(strcmp(mp.parts[0].content_type, "application/json") == 0 &&
		    mp.parts[0].hash == NULL && mp.parts[0].encoding == NULL,
		    "statement part headers");
		ok(part_is(&mp.parts[0], "{\"statements\":[]}"),
		    "statement part body");
		ok(strcmp(mp.parts[1].hash, HASH) == 0 &&
		    strcmp(mp.parts[1].encoding, "binary") == 0 &&
		    strcmp(mp.parts[1].content_type, "image/png") == 0,
		    "attachment part headers");
		ok(mp.parts[1].len == 5 && memcmp(mp.parts[1].body, "\0\r\n--",
		    5) == 0, "attachment part body");
	}
	multipart_free(&mp);
	buf_free(&out);
}

/* Part headers must be UTF-8 text without controls; the message names
 * the problem and its offset in the body. */
static void
test_header_text(void)
{
	static const struct {
		const char	*name;
		const char	*hdr;	/* the second header line */
		const char	*want;
	} bad[] = {
		{ "C0 AF", "X-Note: \xc0\xaf", "overlong encoding) at byte 59" },
		{ "ED A0 80", "X-Note: \xed\xa0\x80", "surrogate" },
		{ "F4 90 80 80", "X-Note: \xf4\x90\x80\x80", "above U+10FFFF" },
		{ "a cut sequence", "X-Note: ab\xe2\x82", "cut short) at byte 61" },
		{ "ESC", "X-Note: \x1b[2J", "control character at byte 59" },
		{ "DEL", "X-Note: a\x7f", "control character at byte 60" },
		{ "invalid UTF-8 in a folded line", "X-Note: a\r\n \xff",
		    "at byte 63" },
	};
	struct multipart mp;
	char err[200], body[300];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* "--" B CRLF is 32 bytes, the Content-Type line 19 more. */
		snprintf(body, sizeof(body), "--" B "\r\nContent-Type: a/b\r\n"
		    "%s\r\n\r\n{}\r\n--" B "--\r\n", bad[i].hdr);
		err[0] = '\0';
		rc = parse_str(CT, body, &mp, err);
		ok(rc == MULTIPART_EINVALID && strstr(err, "part 1") &&
		    strstr(err, bad[i].want), "%s: rc %d, message '%s' "
		    "should hold '%s'", bad[i].name, rc, err, bad[i].want);
		multipart_free(&mp);
	}
	snprintf(body, sizeof(body), "--" B "\r\nContent-Type: text/plain; "
	    "name=\"caf\xc3\xa9 \xf0\x9f\x98\x80\"\t\r\n\r\n{}\r\n--" B
	    "--\r\n");
	rc = parse_str(CT, body, &mp, err);
	ok(rc == 0 && mp.n == 1 && strstr(mp.parts[0].content_type,
	    "caf\xc3\xa9") != NULL, "UTF-8 text and HTAB in a part header "
	    "are fine: %s", rc ? err : "");
	multipart_free(&mp);
}

/* A content type that could break the header line never reaches it. */
static void
test_writer_defensive(void)
{
	static const char *hostile[] = {
		"text/plain\r\n\r\nforged\r\n--zzBOUNDzz\r\nContent-Type: x/y",
		"text/plain\nX-Injected: 1",
		"text/plain; a=\xc0\xaf",
		NULL,
	};
	struct buf out = BUF_INIT;
	struct multipart mp;
	char err[200];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		buf_reset(&out);
		multipart_write_part(&out, "zzBOUNDzz", hostile[i], HASH, "x",
		    1);
		multipart_close(&out, "zzBOUNDzz");
		rc = parse("multipart/mixed; boundary=zzBOUNDzz", out.p,
		    out.len, &mp, err, sizeof(err));
		ok(rc == 0 && mp.n == 1 && strcmp(mp.parts[0].content_type,
		    "application/octet-stream") == 0 && part_is(&mp.parts[0],
		    "x"), "hostile content type %zu is written as "
		    "application/octet-stream, in one part: %s", i,
		    rc ? err : "");
		multipart_free(&mp);
	}
	buf_free(&out);
}

int
main(void)
{
	test_spec_example();
	test_suite_layouts();
	test_content_type();
	test_hostile();
	test_truncation();
	test_fuzz();
	test_writer();
	test_header_text();
	test_writer_defensive();
	free(held);
	return test_done();
}
