/* HTTP tests of what an operator uses: the probes GET /health and GET
 * /ready (no credential; 503 with its reasons when not ready). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"
#include "json.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

static struct srv srv = SRV_INIT;

/* GET path with no credential and no version header; the status. */
static int
get_bare(const char *method, const char *path, struct httpc_resp *r)
{
	httpc_resp_free(r);
	if (httpc_request("127.0.0.1", srv.port, method, path, NULL, NULL, 0,
	    r) != HTTPC_OK)
		r->status = -1;
	return r->status;
}

/* The number member key of the response's JSON body, or -1. */
static double
num_of(struct httpc_resp *r, const char *key)
{
	json *v = json_get(httpc_json(r), key);

	return v && v->type == JSON_NUMBER ? v->num : -1;
}

/* Nonzero when the reasons of a 503 from /ready name word. */
static int
reason_names(struct httpc_resp *r, const char *word)
{
	json *a = json_get(httpc_json(r), "reasons");
	size_t i;

	for (i = 0; a && a->type == JSON_ARRAY && i < a->n; i++)
		if (a->vals[i]->type == JSON_STRING &&
		    strstr(a->vals[i]->str, word))
			return 1;
	return 0;
}

static void
test_health(void)
{
	struct httpc_resp r = { 0 };

	ok(get_bare("GET", "/health", &r) == 200, "/health is 200 without a credential (got %d)", r.status);
	ok(json_is_str(json_get(httpc_json(&r), "status"), "ok"),
	    "/health says ok: %s", r.body);
	ok(get_bare("HEAD", "/health", &r) == 200, "HEAD /health is 200");
	ok(get_bare("POST", "/health", &r) == 405, "POST /health is 405 (got %d)", r.status);
	ok(get_bare("GET", "/healthz", &r) == 404, "/healthz is no probe (got %d)", r.status);
	httpc_resp_free(&r);
}

static void
test_ready(void)
{
	struct httpc_resp r = { 0 };

	ok(get_bare("GET", "/ready", &r) == 200, "/ready is 200 without a credential (got %d: %s)", r.status, r.body);
	ok(json_is_str(json_get(httpc_json(&r), "status"), "ready"),
	    "/ready says ready: %s", r.body);
	ok(num_of(&r, "map_used_bytes") > 0, "/ready tells the map in use");
	ok(num_of(&r, "map_max_bytes") >= num_of(&r, "map_used_bytes"),
	    "/ready tells the most the map grows to");
	ok(num_of(&r, "disk_free_bytes") > 0, "/ready tells the free disk");
	ok(num_of(&r, "writer_busy_seconds") >= 0, "/ready tells the writer's state");
	ok(num_of(&r, "tiering_behind") >= 0, "/ready tells the tiering engine's backlog");
	ok(num_of(&r, "tiering_lag_seconds") >= 0, "/ready tells the tiering lag");
	ok(get_bare("GET", "/ready?verbose=1", &r) == 200, "a query does not change the probe");
	ok(get_bare("DELETE", "/ready", &r) == 405, "DELETE /ready is 405 (got %d)", r.status);
	httpc_resp_free(&r);
}

/* A disk that cannot meet --ready-min-free makes /ready 503 with the
 * reason, while /health stays 200. */
static void
test_not_ready(void)
{
	struct httpc_resp r = { 0 };

	ok(srv_stop(&srv, 1) == 0, "the first server stops cleanly");
	if (srv_start(&srv, "--ready-min-free 64T --no-tiering") != 0) {
		ok(0, "the server starts with --ready-min-free 64T");
		return;
	}
	ok(get_bare("GET", "/ready", &r) == 503, "/ready is 503 when the disk is short (got %d)", r.status);
	ok(json_is_str(json_get(httpc_json(&r), "status"), "not ready"),
	    "/ready says not ready: %s", r.body);
	ok(reason_names(&r, "disk"), "the reasons name the disk: %s", r.body);
	ok(reason_names(&r, "map"), "the reasons name the map: %s", r.body);
	ok(httpc_header(&r, "Retry-After") != NULL, "a 503 from /ready has Retry-After");
	ok(num_of(&r, "tiering_behind") < 0, "without tiering no tiering figure");
	ok(get_bare("GET", "/health", &r) == 200, "/health is 200 all the same");
	httpc_resp_free(&r);
}

int
main(void)
{
	if (srv_start(&srv, NULL) != 0) {
		ok(0, "the server starts");
		return test_done();
	}
	test_health();
	test_ready();
	test_not_ready();
	if (test_failed)
		srv_dump_log(&srv);
	ok(srv.pid == 0 || srv_stop(&srv, 1) == 0, "the server stops cleanly on SIGTERM");
	return test_done();
}
