/* Unit tests of statement validation.
 *
 * Most cases are fixture files: every tests/data/good/NAME.json must be
 * accepted and every tests/data/bad/NAME.json refused with a message that
 * contains the text of tests/data/bad/NAME.err.  A fixture applies to both
 * xAPI versions unless its name ends in .v1.json or .v2.json.  The
 * "suite-*" fixtures are statements the ADL conformance suite sends, built
 * from its templates; the others are written by hand.  TEST_DATA overrides
 * the directory (default tests/data).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "hex.h"
#include "json.h"
#include "stmt.h"
#include "test.h"
#include "xalloc.h"

TEST_MAIN_DEFS

static char *
slurp(const char *path, size_t *len)
{
	FILE *f;
	char *p = NULL;
	size_t n = 0, cap = 0, got;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	do {
		if (cap - n < 4096)
			p = xrealloc(p, cap += 8192);
		got = fread(p + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	p[n] = '\0';
	if (len != NULL)
		*len = n;
	return p;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Validate one file under version v; returns the rc, message in err. */
static int
check_file(const char *path, enum xapi_version v, char *err, size_t errlen)
{
	json *j = NULL;
	char *text;
	size_t len;
	int rc;

	if ((text = slurp(path, &len)) == NULL) {
		snprintf(err, errlen, "cannot read");
		return -100;
	}
	if (json_parse(text, len, 64, &j, err, errlen) != JSON_OK) {
		free(text);
		return -101;
	}
	rc = stmt_validate(j, v, err, errlen);
	json_free(j);
	free(text);
	return rc;
}

/* Run every fixture of dir/good or dir/bad; returns how many ran. */
static int
run_fixtures(const char *dir, int good)
{
	static const enum xapi_version both[] = { XAPI_V1, XAPI_V2 };
	char path[1024], errpath[1024], err[512], *want;
	struct dirent *de;
	DIR *d;
	size_t i, n;
	int rc, count = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, good ? "good" : "bad");
	if ((d = opendir(path)) == NULL) {
		ok(0, "cannot open fixture directory %s", path);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (!ends_with(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", dir,
		    good ? "good" : "bad", de->d_name);
		want = NULL;
		if (!good) {
			snprintf(errpath, sizeof(errpath), "%.*s.err",
			    (int)(strlen(path) - 5), path);
			want = slurp(errpath, NULL);
			ok(want != NULL, "%s has an .err file", de->d_name);
			if (want == NULL)
				continue;
			n = strlen(want);
			while (n > 0 && (want[n - 1] == '\n' || want[n - 1] == '\r'))
				want[--n] = '\0';
		}
		for (i = 0; i < 2; i++) {
			if ((ends_with(de->d_name, ".v1.json") && both[i] != XAPI_V1) ||
			    (ends_with(de->d_name, ".v2.json") && both[i] != XAPI_V2))
				continue;
			rc = check_file(path, both[i], err, sizeof(err));
			if (good)
				ok(rc == STMT_OK, "good/%s (v%d) refused: %s",
				    de->d_name, both[i], err);
			else
				ok(rc == STMT_EINVALID && strstr(err, want) != NULL,
				    "bad/%s (v%d): want \"%s\", got %s \"%s\"",
				    de->d_name, both[i], want,
				    rc == STMT_OK ? "accepted" : "", err);
			count++;
		}
		free(want);
	}
	closedir(d);
	return count;
}

static int
valid_text(const char *text, enum xapi_version v, char *err, size_t errlen)
{
	json *j = NULL;
	int rc;

	if (json_parse(text, strlen(text), 64, &j, err, errlen) != JSON_OK)
		return -100;
	rc = stmt_validate(j, v, err, errlen);
	json_free(j);
	return rc;
}

/* hex_uuid_parse takes what uuid_parse takes, to the same bytes. */
static void
test_uuid_parse(void)
{
	static const char *const texts[] = {
		"00000000-0000-0000-0000-000000000000",
		"12345678-9abc-4def-8123-456789abcdef",
		"FFFFFFFF-ABCD-4EF0-B123-0123456789AB",
		"fedcba98-7654-3210-FeDc-BA9876543210",
		"12345678-9abc-4def-8123-456789abcdeg",
		"12345678-9abc-4def-8123-456789abcde",
		"12345678-9abc-4def-8123-456789abcdef0",
		"123456789-abc-4def-8123-456789abcdef",
		"12345678-9abc-4def-8123_456789abcdef",
		"{2345678-9abc-4def-8123-456789abcdef",
		"",
		NULL
	};
	uint8_t a[16], b[16];
	int i, ra, rb;

	for (i = 0; texts[i]; i++) {
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		ra = uuid_parse(texts[i], a) == 0;
		rb = hex_uuid_parse(texts[i], strlen(texts[i]), b) == 0;
		ok(ra == rb && (!ra || memcmp(a, b, 16) == 0),
		    "hex_uuid_parse agrees with uuid_parse on \"%s\"", texts[i]);
	}
}

int
main(void)
{
	const char *dir = getenv("TEST_DATA");
	char err[256], tiny[8];
	int n;
	json *j;

	if (dir == NULL)
		dir = "tests/data";
	test_uuid_parse();
	n = run_fixtures(dir, 1);
	ok(n >= 100, "ran %d good fixture checks", n);
	n = run_fixtures(dir, 0);
	ok(n >= 100, "ran %d bad fixture checks", n);

	/* The contract beyond the fixtures. */
	ok(stmt_validate(NULL, XAPI_V1, err, sizeof(err)) == STMT_EINVALID,
	    "NULL is refused");
	ok(strcmp(err, "statement: must be an object") == 0, "root message: %s",
	    err);
	ok(valid_text("{\"actor\":{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":"
	    "\"urn:x:v\"},\"object\":{\"id\":\"urn:x:a\"}}", XAPI_V2, err,
	    sizeof(err)) == STMT_OK, "minimal statement");
	ok(err[0] == '\0', "err is emptied on success");
	/* A short buffer gets a truncated, terminated message. */
	j = NULL;
	json_parse("{\"actor\":1}", 11, 8, &j, NULL, 0);
	ok(stmt_validate(j, XAPI_V1, tiny, sizeof(tiny)) == STMT_EINVALID &&
	    strlen(tiny) == sizeof(tiny) - 1, "message truncated: %s", tiny);
	ok(stmt_validate(j, XAPI_V1, NULL, 0) == STMT_EINVALID,
	    "a NULL buffer is allowed");
	json_free(j);
	/* Messages carry no trailing period. */
	valid_text("{\"actor\":{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":"
	    "\"urn:x:v\"},\"object\":{\"id\":\"nope\"}}", XAPI_V1, err,
	    sizeof(err));
	ok(strcmp(err, "object.id: must be an absolute IRI") == 0,
	    "message form: %s", err);
	/* Deep paths stay readable. */
	valid_text("{\"actor\":{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":"
	    "\"urn:x:v\"},\"object\":{\"objectType\":\"SubStatement\",\"actor\":"
	    "{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":\"urn:x:v\"},\"object\":"
	    "{\"id\":\"urn:x:a\"},\"context\":{\"contextActivities\":{\"parent\":"
	    "[{\"id\":\"urn:x:p\"},{\"id\":\"p\"}]}}}}", XAPI_V1, err,
	    sizeof(err));
	ok(strcmp(err, "object.context.contextActivities.parent[1].id: must be "
	    "an absolute IRI") == 0, "deep path: %s", err);
	return test_done();
}
