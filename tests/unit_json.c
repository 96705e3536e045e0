/* Unit tests of the JSON tree. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "test.h"

TEST_MAIN_DEFS

static json *
parse(const char *s, int *rc)
{
	json *j = NULL;
	char err[200];

	*rc = json_parse(s, strlen(s), 32, &j, err, sizeof(err));
	return j;
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
	ok(parse("\"\xff\"", &rc) == NULL && rc == JSON_ESYNTAX, "invalid UTF-8 refused");
	ok(parse("{} {}", &rc) == NULL && rc == JSON_ESYNTAX, "trailing garbage refused");
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
	return test_done();
}
