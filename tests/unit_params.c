/* Unit tests of query and form parameters: decoding, repeated names, and
 * the text a decoded name or value must be (UTF-8, no NUL). */
#include <string.h>

#include "params.h"
#include "test.h"

TEST_MAIN_DEFS

static void
test_decoding(void)
{
	struct params p = { 0 };
	char err[200];
	const char *q = "a=1&b=x+y%21&&c&d=%F0%9F%98%80&e=%f4%8f%bf%bf&f=%C2%80";
	int rc;

	rc = params_parse(&p, q, strlen(q), err, sizeof(err));
	ok(rc == PARAMS_OK, "a plain query parses: %d %s", rc, err);
	ok(p.n == 6, "six pairs (the empty one skipped), got %zu", p.n);
	ok(params_get(&p, "b") && strcmp(params_get(&p, "b"), "x y!") == 0,
	    "'+' is a space and %%21 is '!'");
	ok(params_get(&p, "c") && *params_get(&p, "c") == '\0',
	    "a name without '=' has the empty value");
	ok(params_get(&p, "d") &&
	    strcmp(params_get(&p, "d"), "\xf0\x9f\x98\x80") == 0,
	    "a 4-byte emoji decodes");
	ok(params_get(&p, "e") &&
	    strcmp(params_get(&p, "e"), "\xf4\x8f\xbf\xbf") == 0,
	    "U+10FFFF decodes");
	ok(params_get(&p, "f") && strcmp(params_get(&p, "f"), "\xc2\x80") == 0,
	    "U+0080 decodes");
	params_free(&p);
	ok(p.n == 0 && p.names == NULL, "params_free empties");
}

/* Each query must be refused with a message holding want and where. */
static const struct {
	const char	*name;
	const char	*q;
	const char	*want;
	const char	*where;
} refused[] = {
	{ "a bad escape", "a=%zz", "percent-encoding", "" },
	{ "a name given twice", "a=1&a=2", "'a' given more than once", "" },
	{ "C0 AF in a value", "activityId=x%C0%AF", "overlong",
	    "'activityId': invalid UTF-8 (an overlong encoding) at byte 1 " },
	{ "E0 80 AF in a value", "stateId=%E0%80%AF", "overlong", "byte 0" },
	{ "ED A0 80 in a value", "verb=ab%ED%A0%80", "surrogate", "byte 2" },
	{ "F4 90 80 80 in a value", "a=%F4%90%80%80", "above U+10FFFF",
	    "byte 0" },
	{ "a lone continuation byte", "a=%80", "continuation", "byte 0" },
	{ "a sequence cut short", "a=%E2%82", "cut short", "byte 0" },
	{ "raw invalid bytes", "a=\xc0\xaf", "overlong", "byte 0" },
	{ "NUL in a value", "statementId=abc%00def", "NUL",
	    "'statementId': a NUL byte (%00) at byte 3" },
	{ "invalid UTF-8 in a name", "a%C0%AF=1", "a parameter name",
	    "at byte 1 of the percent-decoded name" },
	{ "NUL in a name", "a%00b=1", "a parameter name", "NUL" },
};

static void
test_refused(void)
{
	struct params p = { 0 };
	char err[200];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err[0] = '\0';
		rc = params_parse(&p, refused[i].q, strlen(refused[i].q), err,
		    sizeof(err));
		ok(rc == PARAMS_EINVALID, "%s: want PARAMS_EINVALID, got %d",
		    refused[i].name, rc);
		ok(strstr(err, refused[i].want) != NULL &&
		    strstr(err, refused[i].where) != NULL,
		    "%s: the message '%s' should hold '%s' and '%s'",
		    refused[i].name, err, refused[i].want, refused[i].where);
		ok(params_get(&p, "a") == NULL || strcmp(refused[i].name,
		    "a name given twice") == 0, "%s: no bad value kept",
		    refused[i].name);
		params_free(&p);
	}
}

int
main(void)
{
	test_decoding();
	test_refused();
	return test_done();
}
