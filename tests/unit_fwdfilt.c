/* Unit tests of forwarding filters (fwdfilt.h) and of the outgoing
 * client's URL parsing (hclient.h): which statements a filter lets
 * through, with and without related activities and agents, and which
 * filters and URLs are refused with a message naming the problem. */
#include <string.h>

#include "fwdfilt.h"
#include "hclient.h"
#include "json.h"
#include "test.h"

TEST_MAIN_DEFS

/* The statement all cases look at: verb v1, actor a@x (in a group with
 * b@x), object act/1, parent act/p, instructor i@x, authority an
 * account. */
static const char *const ST =
    "{\"actor\":{\"objectType\":\"Group\",\"mbox\":\"mailto:g@x\","
    "\"member\":[{\"mbox\":\"mailto:a@x\"},{\"account\":{\"homePage\":"
    "\"http://h\",\"name\":\"bob\"}}]},"
    "\"verb\":{\"id\":\"http://v/1\"},"
    "\"object\":{\"id\":\"http://act/1\"},"
    "\"context\":{\"instructor\":{\"mbox\":\"mailto:i@x\"},"
    "\"contextActivities\":{\"parent\":[{\"id\":\"http://act/p\"}]}},"
    "\"authority\":{\"account\":{\"homePage\":\"http://lrs\",\"name\":\"k\"}}}";

static const char *const SUB =
    "{\"actor\":{\"mbox\":\"mailto:z@x\"},\"verb\":{\"id\":\"http://v/2\"},"
    "\"object\":{\"objectType\":\"SubStatement\",\"actor\":{\"mbox\":"
    "\"mailto:s@x\"},\"verb\":{\"id\":\"http://v/3\"},\"object\":{\"id\":"
    "\"http://act/s\"}}}";

/* 1 when filter text f passes statement text st, 0 when not, -1 when f
 * is refused. */
static int
pass(const char *f, const char *st)
{
	json *fj = NULL, *sj = NULL;
	char err[200];
	int r = -1;

	if (json_parse(f, strlen(f), 16, &fj, NULL, 0) != 0 ||
	    json_parse(st, strlen(st), 16, &sj, NULL, 0) != 0)
		goto out;
	if (fwdfilt_check(fj, err, sizeof(err)) == 0)
		r = fwdfilt_match(fj, sj);
out:
	json_free(fj);
	json_free(sj);
	return r;
}

/* The error of filter text f, "" when it is accepted. */
static const char *
refusal(const char *f)
{
	static char err[200];
	json *fj = NULL;

	err[0] = '\0';
	if (json_parse(f, strlen(f), 16, &fj, NULL, 0) == 0 &&
	    fwdfilt_check(fj, err, sizeof(err)) == 0)
		err[0] = '\0';
	json_free(fj);
	return err;
}

static void
test_filters(void)
{
	ok(pass("{}", ST) == 1, "an empty filter passes all");
	ok(pass("{\"verbs\":[\"http://v/1\"]}", ST) == 1, "verb matches");
	ok(pass("{\"verbs\":[\"http://v/9\",\"http://v/1\"]}", ST) == 1, "any verb of the list");
	ok(pass("{\"verbs\":[\"http://v/9\"]}", ST) == 0, "another verb does not");
	ok(pass("{\"verbs\":[\"http://v/1/\"]}", ST) == 0, "IRIs compare exactly");
	ok(pass("{\"activities\":[\"http://act/1\"]}", ST) == 1, "the object matches");
	ok(pass("{\"activities\":[\"http://act/p\"]}", ST) == 0, "a parent is not the object");
	ok(pass("{\"activities\":[\"http://act/p\"],\"relatedActivities\":true}", ST) == 1,
	    "with relatedActivities a parent matches");
	ok(pass("{\"activities\":[\"http://act/s\"]}", SUB) == 0, "a SubStatement's object is not the object");
	ok(pass("{\"activities\":[\"http://act/s\"],\"relatedActivities\":true}", SUB) == 1,
	    "with relatedActivities it is");
	ok(pass("{\"agents\":[{\"mbox\":\"mailto:g@x\"}]}", ST) == 1, "the actor group matches");
	ok(pass("{\"agents\":[{\"mbox\":\"mailto:a@x\"}]}", ST) == 1, "a member of the actor group matches");
	ok(pass("{\"agents\":[{\"account\":{\"homePage\":\"http://h\",\"name\":\"bob\"}}]}", ST) == 1,
	    "an account member matches");
	ok(pass("{\"agents\":[{\"account\":{\"homePage\":\"http://h\",\"name\":\"bo\"}}]}", ST) == 0,
	    "another account name does not");
	ok(pass("{\"agents\":[{\"mbox\":\"mailto:i@x\"}]}", ST) == 0, "the instructor is not the actor");
	ok(pass("{\"agents\":[{\"mbox\":\"mailto:i@x\"}],\"relatedAgents\":true}", ST) == 1,
	    "with relatedAgents the instructor matches");
	ok(pass("{\"agents\":[{\"account\":{\"homePage\":\"http://lrs\",\"name\":\"k\"}}],\"relatedAgents\":true}", ST) == 1,
	    "with relatedAgents the authority matches");
	ok(pass("{\"agents\":[{\"mbox\":\"mailto:s@x\"}],\"relatedAgents\":true}", SUB) == 1,
	    "with relatedAgents a SubStatement's actor matches");
	ok(pass("{\"agents\":[{\"mbox\":\"mailto:s@x\"}]}", SUB) == 0, "without, it does not");
	ok(pass("{\"verbs\":[\"http://v/1\"],\"activities\":[\"http://act/9\"]}", ST) == 0,
	    "every list given must pass");
	ok(pass("{\"verbs\":[\"http://v/1\"],\"activities\":[\"http://act/1\"],"
	    "\"agents\":[{\"mbox\":\"mailto:a@x\"}]}", ST) == 1, "all three pass");
}

static void
test_refusals(void)
{
	ok(strstr(refusal("[]"), "object") != NULL, "a filter is an object: %s", refusal("[]"));
	ok(strstr(refusal("{\"verb\":[\"x\"]}"), "'verb'") != NULL, "an unknown member is named: %s", refusal("{\"verb\":[\"x\"]}"));
	ok(strstr(refusal("{\"verbs\":[]}"), "verbs") != NULL, "an empty list is refused");
	ok(strstr(refusal("{\"verbs\":\"http://v/1\"}"), "verbs") != NULL, "a list must be an array");
	ok(strstr(refusal("{\"activities\":[1]}"), "activities[0]") != NULL, "an entry must be a string: %s", refusal("{\"activities\":[1]}"));
	ok(strstr(refusal("{\"agents\":[{\"mbox\":\"mailto:a@x\",\"openid\":\"http://o\"}]}"), "agents[0]") != NULL,
	    "an agent with two identifiers is refused");
	ok(strstr(refusal("{\"agents\":[{\"account\":{\"name\":\"x\"}}]}"), "agents[0]") != NULL,
	    "an account without homePage is refused");
	ok(strstr(refusal("{\"relatedAgents\":1}"), "relatedAgents") != NULL, "a switch must be a boolean");
	ok(refusal("{\"relatedAgents\":false}")[0] == '\0', "false is fine");
}

static void
test_urls(void)
{
	struct hclient_url u;
	char err[160];

	ok(hclient_parse_url("http://127.0.0.1:8080/xapi/statements", &u, err, sizeof(err)) == 0 &&
	    strcmp(u.host, "127.0.0.1") == 0 && strcmp(u.port, "8080") == 0 &&
	    strcmp(u.path, "/xapi/statements") == 0, "host, port and path");
	ok(hclient_parse_url("http://example.com", &u, err, sizeof(err)) == 0 &&
	    strcmp(u.port, "80") == 0 && strcmp(u.path, "/") == 0, "port 80 and path / by default");
	ok(hclient_parse_url("http://[::1]:9/h?x=1", &u, err, sizeof(err)) == 0 &&
	    strcmp(u.host, "::1") == 0 && strcmp(u.port, "9") == 0 &&
	    strcmp(u.path, "/h?x=1") == 0, "an IPv6 host, the query kept");
	ok(hclient_parse_url("https://example.com/", &u, err, sizeof(err)) == HCLIENT_EURL &&
	    strstr(err, "https") != NULL, "https is refused by name: %s", err);
	ok(hclient_parse_url("ftp://example.com/", &u, err, sizeof(err)) == HCLIENT_EURL, "ftp is refused");
	ok(hclient_parse_url("http://:80/", &u, err, sizeof(err)) == HCLIENT_EURL, "no host is refused");
	ok(hclient_parse_url("http://h:0/", &u, err, sizeof(err)) == HCLIENT_EURL, "port 0 is refused");
	ok(hclient_parse_url("http://h:65536/", &u, err, sizeof(err)) == HCLIENT_EURL, "port 65536 is refused");
	ok(hclient_parse_url("http://h:8x/", &u, err, sizeof(err)) == HCLIENT_EURL, "a port with letters is refused");
	ok(hclient_parse_url("http://u:p@h/", &u, err, sizeof(err)) == HCLIENT_EURL &&
	    strstr(err, "username") != NULL, "credentials in the URL are refused: %s", err);
	ok(hclient_parse_url("http://h/a b", &u, err, sizeof(err)) == HCLIENT_EURL, "a blank is refused");
	ok(hclient_parse_url("http://h/a\r\nX: y", &u, err, sizeof(err)) == HCLIENT_EURL,
	    "a CR LF (header injection) is refused");
}

int
main(void)
{
	test_filters();
	test_refusals();
	test_urls();
	return test_done();
}
