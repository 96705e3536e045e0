/* HTTP tests of format=canonical: Activities shown with the definition the
 * LRS holds (learned from every statement), language maps filtered by
 * Accept-Language; format=exact shows the statement as it was sent. */
#include <stdio.h>
#include <string.h>

#include "httpc.h"
#include "srv.h"
#include "test.h"

TEST_MAIN_DEFS

static struct srv s = SRV_INIT;

static const char *
name_in(struct httpc_resp *r, const char *lang)
{
	json *j = httpc_json(r), *name;

	name = json_get(json_get(json_get(j, "object"), "definition"), "name");
	return json_get_str(name, lang);
}

int
main(void)
{
	static const char first[] = "{\"id\":\"6f0c9a52-0d5f-4a53-9a57-7e3a3b5d0c01\","
	    "\"actor\":{\"mbox\":\"mailto:canon@example.com\"},"
	    "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/experienced\","
	    "\"display\":{\"en-US\":\"experienced\"}},"
	    "\"object\":{\"id\":\"http://example.com/canon/course\",\"definition\":"
	    "{\"name\":{\"en-US\":\"Old name\"}}}}";
	static const char second[] = "{\"actor\":{\"mbox\":\"mailto:canon@example.com\"},"
	    "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/experienced\","
	    "\"display\":{\"fr-FR\":\"a vécu\"}},"
	    "\"object\":{\"id\":\"http://example.com/canon/course\",\"definition\":"
	    "{\"name\":{\"en-US\":\"New name\",\"fr-FR\":\"Nouveau nom\"},"
	    "\"description\":{\"en-US\":\"Now described\"}}}}";
	const char *path = "/xapi/statements?statementId=6f0c9a52-0d5f-4a53-9a57-7e3a3b5d0c01";
	struct httpc_resp r = { 0 };
	char url[200];
	json *def;

	if (srv_start(&s, NULL) != 0) {
		ok(0, "server starts");
		return test_done();
	}
	ok(httpc_xapi(s.port, "1.0.3", "POST", "/xapi/statements", NULL, first,
	    (size_t)-1, &r) == 0 && r.status == 200, "first definition stored");
	httpc_resp_free(&r);
	ok(httpc_xapi(s.port, "2.0.0", "POST", "/xapi/statements", NULL, second,
	    (size_t)-1, &r) == 0 && r.status == 200, "second definition stored");
	httpc_resp_free(&r);

	ok(httpc_xapi(s.port, "1.0.3", "GET", path, NULL, NULL, 0, &r) == 0 &&
	    r.status == 200 && name_in(&r, "en-US") &&
	    strcmp(name_in(&r, "en-US"), "Old name") == 0,
	    "exact: the statement keeps the definition it was sent with");
	httpc_resp_free(&r);

	snprintf(url, sizeof(url), "%s&format=canonical", path);
	ok(httpc_xapi(s.port, "1.0.3", "GET", url, "Accept-Language: fr-FR, en;q=0.5\r\n",
	    NULL, 0, &r) == 0 && r.status == 200 && name_in(&r, "fr-FR") &&
	    strcmp(name_in(&r, "fr-FR"), "Nouveau nom") == 0 && !name_in(&r, "en-US"),
	    "canonical: the LRS's newest definition, in the language asked for: %s", r.body);
	def = json_get(json_get(httpc_json(&r), "verb"), "display");
	ok(def && def->n == 1 && json_is_str(json_get(def, "fr-FR"), "a vécu"),
	    "canonical: the verb display the LRS learned, in the language asked for");
	def = json_get(json_get(httpc_json(&r), "object"), "definition");
	ok(def && json_get(def, "description") &&
	    json_get(json_get(def, "description"), "en-US"),
	    "canonical: properties learned later are shown");
	httpc_resp_free(&r);

	ok(httpc_xapi(s.port, "2.0.0", "GET", url, "Accept-Language: de\r\n",
	    NULL, 0, &r) == 0 && r.status == 200 &&
	    (def = json_get(json_get(httpc_json(&r), "object"), "definition")) &&
	    json_get(def, "name") && json_get(def, "name")->n == 1,
	    "canonical: one language per map when none matches");
	httpc_resp_free(&r);

	ok(srv_stop(&s, 1) == 0, "server stops cleanly");
	return test_done();
}
