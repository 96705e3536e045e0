/* view: read-only views of the engine's state for the API. */
#include "view.h"
#include "engine.h"

#include <string.h>

int
view_open(tier_engine *e, struct view *v, struct http_resp *resp)
{
	int rc;

	memset(v, 0, sizeof(*v));
	if (engine_sync(e) != 0) {
		http_error(resp, 503, "the tiering engine is behind; try again");
		return -1;
	}
	if ((rc = store_read_begin(e->st, &v->r)) != 0) {
		http_error(resp, 503, "%s", store_strerror(rc));
		return -1;
	}
	v->ts = tstate_new(e->dbi);
	tstate_bind(v->ts, store_read_txn(v->r));
	if ((rc = fold_init(&v->f, v->ts, e->home, e->simulated)) != 0) {
		http_error(resp, 503, "tiering state: %s", mdb_strerror(rc));
		view_close(v);
		return -1;
	}
	v->f.now = engine_now(e, store_read_txn(v->r));
	return 0;
}

void
view_close(struct view *v)
{
	fold_cleanup(&v->f);
	tstate_free(v->ts);
	store_read_end(v->r);
}

json *
vget(struct view *v, int kind, const char *id)
{
	int rc;

	return tstate_get(v->ts, kind, id, 0, &rc);
}

