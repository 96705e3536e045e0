/* libFuzzer: statements through parse, validate, formats and comparison.
 * Invariants: a parsed document dumps and re-parses to an equal tree; a
 * valid statement is equivalent to its own copy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "stmt.h"
#include "stmtfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json *st = NULL, *again = NULL, *copy, *view;
	char err[256], *text;
	size_t len;
	int v;

	if (json_parse((const char *)data, size, 64, &st, err, sizeof(err)) != 0)
		return 0;
	text = json_to_string(st, &len);
	if (json_parse(text, len, 64, &again, err, sizeof(err)) != 0 ||
	    !json_equal(st, again))
		abort();
	json_free(again);
	free(text);
	for (v = XAPI_V1; v <= XAPI_V2; v++) {
		if (stmt_validate(st, (enum xapi_version)v, err, sizeof(err)) != STMT_OK)
			continue;
		copy = json_clone(st);
		if (!stmtfmt_equivalent(st, copy))
			abort();
		json_free(copy);
		view = stmtfmt_ids(st);
		json_free(view);
		view = stmtfmt_canonical(st, "en-US;q=0.8, fr, *;q=0.1");
		json_free(view);
	}
	json_free(st);
	return 0;
}
