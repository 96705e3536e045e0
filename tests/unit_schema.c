/* Unit tests of the JSON Schema validator: the official draft-07 test
 * suite (Debian's json-schema-test-suite) for every keyword we support,
 * then our own messages, pointers and refusals. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "schema.h"
#include "test.h"

TEST_MAIN_DEFS

#define SUITE	"/usr/share/json-schema-test-suite/tests/draft7"

static const char *const suite_files[] = {
	"type", "enum", "const", "properties", "required",
	"additionalProperties", "patternProperties", "pattern",
	"propertyNames", "minProperties", "maxProperties", "items",
	"additionalItems", "contains", "minItems", "maxItems", "uniqueItems",
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"multipleOf", "minLength", "maxLength", "allOf", "anyOf", "oneOf",
	"not", "if-then-else", "dependencies", "boolean_schema",
	"definitions", "ref", "default"
};

/* Case groups whose schema we refuse on purpose, and why.  Each must
 * still be refused (a check), so the list cannot go stale. */
static const struct {
	const char	*file, *group, *why;
} skipped[] = {
	{ "definitions", "valid definition",
	    "remote $ref to the draft-07 meta-schema" },
	{ "definitions", "invalid definition",
	    "remote $ref to the draft-07 meta-schema" },
	{ "ref", "remote ref, containing refs itself",
	    "remote $ref to the draft-07 meta-schema" },
	{ "ref", "Recursive references between schemas",
	    "$id-based resolution of relative $refs (\"node\", \"tree\")" },
};

static int suite_ran, suite_passed, suite_skipped;

/* The whole file at path, NUL-terminated; NULL if it cannot be read. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto out;
	p = malloc((size_t)n + 1);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
		goto out;
	}
	p[n] = '\0';
	*len = (size_t)n;
out:
	fclose(f);
	return p;
}

static json *
parse(const char *s)
{
	json *j = NULL;
	char err[200];

	if (json_parse(s, strlen(s), 64, &j, err, sizeof(err)) != 0)
		fprintf(stderr, "test JSON does not parse: %s: %s\n", err, s);
	return j;
}

static const char *
skip_reason(const char *file, const char *group)
{
	size_t i;

	for (i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
		if (strcmp(skipped[i].file, file) == 0 &&
		    strcmp(skipped[i].group, group) == 0)
			return skipped[i].why;
	return NULL;
}

/* Run every case of one group: one check each. */
static void
run_group(const char *file, const json *g)
{
	const char *group = json_get_str(g, "description");
	const json *tests = json_get(g, "tests"), *t;
	const char *why = skip_reason(file, group);
	schema *s = NULL;
	char err[512];
	size_t i;
	int rc, valid;

	rc = schema_compile(json_get(g, "schema"), &s, err, sizeof(err));
	if (why != NULL) {
		ok(rc == SCHEMA_EBADSCHEMA, "%s.json: '%s' is on the skip list "
		    "(%s) but compiles now", file, group, why);
		printf("skipped %s.json: %s: %zu cases (%s; refused as: %s)\n",
		    file, group, tests->n, why, err);
		suite_skipped += (int)tests->n;
		schema_free(s);
		return;
	}
	ok(rc == 0, "%s.json: %s: schema refused: %s", file, group, err);
	for (i = 0; rc == 0 && i < tests->n; i++) {
		t = tests->vals[i];
		valid = json_get(t, "valid")->type == JSON_TRUE;
		err[0] = '\0';
		rc = schema_validate(s, json_get(t, "data"), err, sizeof(err));
		suite_ran++;
		if (valid ? rc == 0 : rc == SCHEMA_EINVALID && err[0] == '/')
			suite_passed++;
		ok(valid ? rc == 0 : rc == SCHEMA_EINVALID && err[0] == '/',
		    "%s.json: %s: %s: want %s, got %s", file, group,
		    json_get_str(t, "description"), valid ? "valid" : "invalid",
		    rc == 0 ? "valid" : err);
		rc = 0;
	}
	schema_free(s);
}

static void
run_suite(void)
{
	char path[512], err[200];
	size_t i, k, len;
	json *doc;
	char *text;

	for (i = 0; i < sizeof(suite_files) / sizeof(suite_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.json", SUITE,
		    suite_files[i]);
		if ((text = slurp(path, &len)) == NULL) {
			ok(0, "cannot read %s: install Debian's "
			    "json-schema-test-suite (the install script does)",
			    path);
			return;
		}
		doc = NULL;
		if (json_parse(text, len, 64, &doc, err, sizeof(err)) != 0)
			ok(0, "%s does not parse: %s", path, err);
		for (k = 0; doc != NULL && k < doc->n; k++)
			run_group(suite_files[i], doc->vals[k]);
		json_free(doc);
		free(text);
	}
	printf("official draft-07 suite: %d cases ran, %d passed, "
	    "%d skipped\n", suite_ran, suite_passed, suite_skipped);
}

/* Compile schema text, or NULL (with a failed check). */
static schema *
compile(const char *text)
{
	json *doc = parse(text);
	schema *s = NULL;
	char err[256];
	int rc;

	rc = schema_compile(doc, &s, err, sizeof(err));
	ok(rc == 0, "schema compiles: %s: %s", err, text);
	json_free(doc);
	return s;
}

/* Validate instance text; the return is the code, err gets the message. */
static int
check(const schema *s, const char *text, char *err, size_t errlen)
{
	json *inst = parse(text);
	int rc;

	rc = schema_validate(s, inst, err, errlen);
	json_free(inst);
	return rc;
}

/* The instance must fail with exactly message want. */
static void
want_error(const schema *s, const char *text, const char *want)
{
	char err[256] = "";
	int rc = check(s, text, err, sizeof(err));

	ok(rc == SCHEMA_EINVALID && strcmp(err, want) == 0,
	    "%s: want \"%s\", got %d \"%s\"", text, want, rc, err);
}

static void
want_valid(const schema *s, const char *text)
{
	char err[256] = "";
	int rc = check(s, text, err, sizeof(err));

	ok(rc == 0, "%s: want valid, got %d \"%s\"", text, rc, err);
}

/* The schema must be refused with a message containing want. */
static void
want_refused(const char *text, const char *want)
{
	json *doc = parse(text);
	schema *s = NULL;
	char err[256] = "";
	int rc;

	rc = schema_compile(doc, &s, err, sizeof(err));
	ok(rc == SCHEMA_EBADSCHEMA && s == NULL && strstr(err, want) != NULL,
	    "%s: want refusal naming \"%s\", got %d \"%s\"", text, want, rc,
	    err);
	schema_free(s);
	json_free(doc);
}

static const char tiers_schema[] =
    "{\"type\":\"object\",\"required\":[\"name\",\"policy\"],"
    "\"additionalProperties\":false,\"properties\":{"
    "\"name\":{\"type\":\"string\",\"minLength\":1},"
    "\"policy\":{\"enum\":[\"automatic\",\"approval\"]},"
    "\"tiers\":{\"type\":\"array\",\"items\":"
    "{\"$ref\":\"#/definitions/tier\"}}},"
    "\"definitions\":{\"tier\":{\"type\":\"object\","
    "\"additionalProperties\":false,\"properties\":{"
    "\"label\":{\"type\":\"string\"},"
    "\"criteria\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"properties\":{\"threshold\":{\"type\":\"number\",\"minimum\":0}}}}"
    "}}}}";

static void
test_messages(void)
{
	schema *s = compile(tiers_schema);

	if (s == NULL)
		return;
	want_valid(s, "{\"name\":\"gold\",\"policy\":\"approval\",\"tiers\":"
	    "[{\"criteria\":[{\"threshold\":0}]}]}");
	want_error(s, "{\"policy\":\"automatic\"}",
	    "/: missing required property 'name'");
	want_error(s, "{\"name\":\"a\",\"policy\":\"manual\"}",
	    "/policy: must be one of \"automatic\", \"approval\"");
	want_error(s, "{\"name\":\"a\",\"policy\":\"automatic\",\"tiers\":"
	    "[{},{\"criteria\":[{\"threshold\":-1}]}]}",
	    "/tiers/1/criteria/0/threshold: must be >= 0");
	want_error(s, "{\"name\":\"a\",\"policy\":\"automatic\",\"tiers\":"
	    "[{\"colour\":\"red\"}]}", "/tiers/0: unknown property 'colour'");
	want_error(s, "{\"name\":\"\",\"policy\":\"automatic\"}",
	    "/name: must be at least 1 character long");
	want_error(s, "[]", "/: must be an object");
	want_error(s, "{\"name\":\"a\",\"policy\":\"automatic\",\"tiers\":"
	    "[{\"label\":[]}]}", "/tiers/0/label: must be a string");
	schema_free(s);

	s = compile("{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":2}],"
	    "\"dependencies\":{\"a\":[\"b\"]},"
	    "\"items\":[true],\"additionalItems\":false}");
	want_error(s, "3", "/: must match exactly one of the schemas in "
	    "'oneOf' (it matches 2)");
	want_error(s, "{\"a\":1}", "/: property 'a' requires property 'b'");
	want_error(s, "[1,2]", "/: must have at most 1 item");
	schema_free(s);

	s = compile("{\"type\":[\"string\",\"null\"]}");
	want_error(s, "1", "/: must be null or a string");
	schema_free(s);

	s = compile("{\"const\":{\"a\":[1,1.0]}}");
	want_valid(s, "{\"a\":[1.0,1]}");
	want_error(s, "{\"a\":[1,2]}", "/: must be {\"a\":[1,1.0]}");
	schema_free(s);
	s = compile("{\"propertyNames\":{\"maxLength\":3}}");
	want_error(s, "{\"long\":1}", "/: property name 'long' is not "
	    "allowed: must be at most 3 characters long");
	schema_free(s);
	s = compile("{\"uniqueItems\":true}");
	want_error(s, "[1,2,1.0]", "/: must not hold the same item twice "
	    "(items 0 and 2 are equal)");
	schema_free(s);
}

static void
test_numbers_and_strings(void)
{
	schema *s = compile("{\"type\":\"integer\"}");

	want_valid(s, "1.0");
	want_valid(s, "-0");
	want_valid(s, "1e3");
	want_error(s, "1.5", "/: must be an integer");
	want_error(s, "\"1\"", "/: must be an integer");
	schema_free(s);

	s = compile("{\"multipleOf\":0.01,\"exclusiveMaximum\":1}");
	want_valid(s, "0.07");
	want_error(s, "0.075", "/: must be a multiple of 0.01");
	want_error(s, "1", "/: must be < 1");
	schema_free(s);

	/* Code points, not bytes: "é" is 2 bytes, U+1F600 is 4. */
	s = compile("{\"minLength\":2,\"maxLength\":3}");
	want_valid(s, "\"h\xc3\xa9\xc3\xa9\"");
	want_valid(s, "\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"");
	want_error(s, "\"\xf0\x9f\x98\x80\"",
	    "/: must be at least 2 characters long");
	want_error(s, "\"h\xc3\xa9\xc3\xa9\xc3\xa9\"",
	    "/: must be at most 3 characters long");
	schema_free(s);

	/* Unanchored search, like ECMA 262; NUL inside the string is fine. */
	s = compile("{\"pattern\":\"b+c\"}");
	want_valid(s, "\"abbbcd\"");
	want_valid(s, "\"\\u0000bc\"");
	want_error(s, "\"acb\"", "/: must match the pattern 'b+c'");
	schema_free(s);
}

static void
test_formats(void)
{
	schema *s = compile("{\"properties\":{\"d\":{\"format\":\"date\"},"
	    "\"t\":{\"format\":\"date-time\"},\"u\":{\"format\":\"uri\"},"
	    "\"e\":{\"format\":\"email\"}}}");

	want_valid(s, "{\"d\":\"2024-02-29\",\"t\":\"2024-01-31T23:59:60.5Z\","
	    "\"u\":\"https://example.com/x\",\"e\":\"anything\"}");
	want_valid(s, "{\"t\":\"2024-01-31t10:00:00+05:30\",\"u\":\"urn:x\","
	    "\"d\":5}");
	want_error(s, "{\"d\":\"2023-02-29\"}",
	    "/d: must be a date (YYYY-MM-DD)");
	want_error(s, "{\"d\":\"2023-2-28\"}",
	    "/d: must be a date (YYYY-MM-DD)");
	want_error(s, "{\"t\":\"2024-01-31 10:00:00Z\"}", "/t: must be an "
	    "RFC 3339 date-time (YYYY-MM-DDThh:mm:ssZ or with an offset like "
	    "+02:00)");
	want_error(s, "{\"t\":\"2024-01-31T10:00:00\"}", "/t: must be an "
	    "RFC 3339 date-time (YYYY-MM-DDThh:mm:ssZ or with an offset like "
	    "+02:00)");
	want_error(s, "{\"u\":\"example.com\"}",
	    "/u: must be a URI with a scheme (like https:)");
	want_error(s, "{\"u\":\"http://a b\"}",
	    "/u: must be a URI with a scheme (like https:)");
	want_error(s, "{\"u\":\"1http:x\"}",
	    "/u: must be a URI with a scheme (like https:)");
	want_error(s, "{\"u\":\"http:\"}",
	    "/u: must be a URI with a scheme (like https:)");
	schema_free(s);
}

static void
test_refs(void)
{
	schema *s;

	s = compile("{\"type\":\"object\",\"required\":[\"value\"],"
	    "\"properties\":{\"value\":{\"type\":\"integer\"},"
	    "\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}}}");
	want_valid(s, "{\"value\":1,\"children\":[{\"value\":2,\"children\":"
	    "[{\"value\":3},{\"value\":4}]}]}");
	want_error(s, "{\"value\":1,\"children\":[{\"value\":2,\"children\":"
	    "[{\"value\":3},{\"value\":\"4\"}]}]}",
	    "/children/0/children/1/value: must be an integer");
	want_error(s, "{\"value\":1,\"children\":[{}]}",
	    "/children/0: missing required property 'value'");
	schema_free(s);

	/* Mutual recursion through definitions. */
	s = compile("{\"$ref\":\"#/definitions/a\",\"definitions\":{"
	    "\"a\":{\"anyOf\":[{\"type\":\"null\"},{\"type\":\"array\","
	    "\"items\":{\"$ref\":\"#/definitions/b\"}}]},"
	    "\"b\":{\"type\":\"array\",\"items\":"
	    "{\"$ref\":\"#/definitions/a\"}}}}");
	want_valid(s, "[[null,[[null]]]]");
	want_error(s, "[[1]]", "/: must match at least one of the schemas "
	    "in 'anyOf'");
	schema_free(s);

	/* Pointers escape ~ and / (RFC 6901). */
	s = compile("{\"properties\":{\"a/b\":{\"properties\":"
	    "{\"c~d\":{\"type\":\"string\"}}}},"
	    "\"patternProperties\":{\"^x\":{\"$ref\":\"#/properties/a~1b\"}}}");
	want_error(s, "{\"a/b\":{\"c~d\":1}}", "/a~1b/c~0d: must be a string");
	want_error(s, "{\"x/~\":{\"c~d\":null}}",
	    "/x~1~0/c~0d: must be a string");
	schema_free(s);
}

static void
test_refusals(void)
{
	want_refused("{\"properties\":{\"a\":{\"typ\":\"string\"}}}",
	    "/properties/a: unsupported keyword 'typ'");
	want_refused("{\"unevaluatedProperties\":false}",
	    "unsupported keyword 'unevaluatedProperties'");
	want_refused("{\"items\":{\"$ref\":\"http://example.com/s.json\"}}",
	    "/items: remote $ref 'http://example.com/s.json'");
	want_refused("{\"$ref\":\"#foo\"}", "not a JSON pointer");
	want_refused("{\"$ref\":\"#/definitions/nope\"}", "points to nothing");
	want_refused("{\"$ref\":\"#\"}", "refers to itself");
	want_refused("{\"definitions\":{\"a\":{\"allOf\":"
	    "[{\"$ref\":\"#/definitions/a\"}]}}}", "refers to itself");
	want_refused("{\"minimum\":\"0\"}", "/minimum: must be a number");
	want_refused("{\"maxLength\":-1}",
	    "/maxLength: must be a non-negative");
	want_refused("{\"type\":\"text\"}", "/type: must be a type name");
	want_refused("{\"pattern\":\"(?=a)\"}", "not a valid POSIX");
	want_refused("{\"pattern\":\"^\\\\d+$\"}", "\\d is not supported");
	want_refused("{\"properties\":{\"a\":{\"$id\":\"http://x/\"}}}",
	    "$id is only supported at the root");
	want_refused("[]", "/: a schema must be an object or a boolean");
	ok(strcmp(schema_strerror(SCHEMA_EINVALID),
	    schema_strerror(SCHEMA_EBADSCHEMA)) != 0 &&
	    schema_strerror(SCHEMA_OK) != NULL, "schema_strerror names codes");
}

struct job {
	const schema	*s;
	json		*good, *bad;
	int		 errors;
};

static void *
hammer(void *arg)
{
	struct job *j = arg;
	char err[128];
	int i;

	for (i = 0; i < 2000; i++) {
		if (schema_validate(j->s, j->good, err, sizeof(err)) != 0)
			j->errors++;
		if (schema_validate(j->s, j->bad, err, sizeof(err)) !=
		    SCHEMA_EINVALID || strcmp(err,
		    "/tiers/0: unknown property 'colour'") != 0)
			j->errors++;
	}
	return NULL;
}

/* One compiled schema, four threads validating at once. */
static void
test_threads(void)
{
	struct job jobs[4];
	pthread_t t[4];
	schema *s = compile(tiers_schema);
	json *good = parse("{\"name\":\"a\",\"policy\":\"automatic\","
	    "\"tiers\":[{\"label\":\"x\"}]}");
	json *badj = parse("{\"name\":\"a\",\"policy\":\"automatic\","
	    "\"tiers\":[{\"colour\":1}]}");
	int i, errors = 0;

	for (i = 0; i < 4; i++) {
		jobs[i] = (struct job){ s, good, badj, 0 };
		pthread_create(&t[i], NULL, hammer, &jobs[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		errors += jobs[i].errors;
	}
	ok(errors == 0, "concurrent validation: %d wrong answers", errors);
	json_free(good);
	json_free(badj);
	schema_free(s);
}

int
main(void)
{
	run_suite();
	test_messages();
	test_numbers_and_strings();
	test_formats();
	test_refs();
	test_refusals();
	test_threads();
	return test_done();
}
