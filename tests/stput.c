/* stput: see stput.h. */
#include <string.h>

#include <uuid/uuid.h>

#include "json.h"
#include "stput.h"

int
stput_text(store *s, const char *idtext, const char *text)
{
	struct store_write w;
	json *st = NULL;
	uint8_t id[16];
	int rc;

	if (json_parse(text, strlen(text), 32, &st, NULL, 0) != 0)
		return -100;
	uuid_parse(idtext, id);
	json_set(st, "id", json_new_str(idtext));
	memset(&w, 0, sizeof(w));
	w.stmts = &st;
	w.n = 1;
	w.ids = (const uint8_t (*)[16])&id;
	w.authority_key = "tester";
	rc = store_put(s, &w);
	json_free(st);
	return rc;
}
