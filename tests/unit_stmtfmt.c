/* Unit tests of statement comparison and the ids/canonical formats. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "stmtfmt.h"
#include "test.h"

TEST_MAIN_DEFS

static json *
parse(const char *s)
{
	json *j = NULL;
	char err[200];

	if (json_parse(s, strlen(s), 64, &j, err, sizeof(err)) != 0) {
		fprintf(stderr, "bad test JSON: %s: %s\n", err, s);
		abort();
	}
	return j;
}

/* Statements are written with ' for " to keep them readable. */
static json *
sq(const char *s)
{
	char *t = strdup(s), *p;
	json *j;

	for (p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = parse(t);
	free(t);
	return j;
}

static const char *base =
    "{'id':'fd41c918-b88b-4b20-a0a5-a4c32391aaa0',"
    "'actor':{'objectType':'Agent','name':'Ann','mbox':'mailto:ann@Example.com'},"
    "'verb':{'id':'http://adlnet.gov/expapi/verbs/attended',"
    "'display':{'en-GB':'attended','en-US':'attended'}},"
    "'object':{'objectType':'Activity','id':'http://example.com/act',"
    "'definition':{'name':{'en-US':'An activity'}}},"
    "'result':{'score':{'scaled':0.5},'success':true,'duration':'PT1H',"
    "'extensions':{'http://e/a':1,'http://e/b':2}},"
    "'context':{'registration':'ec531277-b57b-4c15-8d91-d292c5b2b8f7',"
    "'instructor':{'mbox':'mailto:teacher@example.com'},"
    "'team':{'objectType':'Group','member':[{'mbox':'mailto:a@x.org'},"
    "{'account':{'homePage':'http://x.org','name':'b'}}]},"
    "'contextActivities':{'parent':[{'id':'http://example.com/p'}],"
    "'category':[{'id':'http://example.com/c','definition':{'type':'http://t'}}]},"
    "'language':'en-US',"
    "'statement':{'objectType':'StatementRef','id':'6690e6c9-3ef0-4ed3-8b37-7f3964730bee'}},"
    "'timestamp':'2013-05-18T05:32:34.804Z',"
    "'attachments':[{'usageType':'http://example.com/u',"
    "'display':{'en-US':'A'},'contentType':'text/plain','length':27,"
    "'sha2':'495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a'}]}";

/* base with member path replaced by JSON value v (a ' string), or
 * removed when v is NULL.  The path's parents must exist; "a.b.0.c" walks
 * arrays by index. */
static json *
variant(const char *path, const char *v)
{
	json *st = sq(base), *cur = st;
	char *p = strdup(path), *seg, *next;

	for (seg = p; (next = strchr(seg, '.')) != NULL; seg = next + 1) {
		*next = '\0';
		if (cur->type == JSON_ARRAY)
			cur = cur->vals[atoi(seg)];
		else
			cur = json_get(cur, seg);
	}
	if (v == NULL)
		json_del(cur, seg);
	else
		json_set(cur, seg, sq(v));
	free(p);
	return st;
}

static void
same(const char *path, const char *v, const char *why)
{
	json *a = sq(base), *b = variant(path, v);

	ok(stmtfmt_equivalent(a, b) && stmtfmt_equivalent(b, a),
	    "equivalent: %s", why);
	json_free(a);
	json_free(b);
}

static void
differs(const char *path, const char *v, const char *why)
{
	json *a = sq(base), *b = variant(path, v);

	ok(!stmtfmt_equivalent(a, b) && !stmtfmt_equivalent(b, a),
	    "different: %s", why);
	json_free(a);
	json_free(b);
}

static void
test_equivalent(void)
{
	json *a = sq(base), *b;

	ok(stmtfmt_equivalent(a, a), "a statement is itself");
	b = json_clone(a);
	json_set(b, "stored", json_new_str("2014-01-01T00:00:00Z"));
	json_set(b, "version", json_new_str("1.0.3"));
	json_set(b, "authority", sq("{'mbox':'mailto:lrs@example.com'}"));
	ok(stmtfmt_equivalent(a, b), "stored, version, authority ignored");
	json_free(b);
	ok(stmtfmt_equivalent(NULL, NULL) && !stmtfmt_equivalent(a, NULL),
	    "NULL");
	json_free(a);

	/* Member order does not count. */
	a = sq("{'verb':{'id':'http://v'},'actor':{'mbox':'mailto:a@b.c'},"
	    "'object':{'id':'http://o'}}");
	b = sq("{'object':{'id':'http://o'},'actor':{'mbox':'mailto:a@b.c'},"
	    "'verb':{'id':'http://v'}}");
	ok(stmtfmt_equivalent(a, b), "member order ignored");
	json_free(a);
	json_free(b);

	/* Properties the LRS assigns. */
	same("id", NULL, "id missing on one side");
	same("id", "'FD41C918-B88B-4B20-A0A5-A4C32391AAA0'", "UUID case");
	differs("id", "'fd41c918-b88b-4b20-a0a5-a4c32391aaa1'", "other id");
	same("timestamp", NULL, "timestamp missing on one side");
	same("timestamp", "'2013-05-18T07:32:34.804+02:00'", "same instant");
	same("timestamp", "'2013-05-18T05:32:34.80400Z'", "same instant, "
	    "more digits");
	differs("timestamp", "'2013-05-18T05:32:34.805Z'", "other instant");

	/* Not part of the statement. */
	same("verb.display", "{'fr':'assisté'}", "verb display");
	same("verb.display", NULL, "verb display missing");
	same("object.definition", NULL, "activity definition");
	same("object.objectType", NULL, "default Activity objectType");
	same("context.contextActivities.category.0.definition", NULL,
	    "context activity definition");

	/* Case-insensitive parts. */
	same("actor.mbox", "'mailto:ann@example.COM'", "mbox domain case");
	same("actor.mbox", "'MAILTO:ann@example.com'", "mailto scheme case");
	differs("actor.mbox", "'mailto:Ann@Example.com'", "mbox local part case");
	same("context.registration", "'EC531277-B57B-4C15-8D91-D292C5B2B8F7'",
	    "registration case");
	same("context.language", "'en-us'", "language tag case");
	same("context.statement.id", "'6690E6C9-3EF0-4ED3-8B37-7F3964730BEE'",
	    "StatementRef id case");
	same("attachments.0.sha2",
	    "'495395E777CD98DA653DF9615D09C0FD6BB2F8D4788394CD53C56A3BFDCD848A'",
	    "sha2 case");
	same("attachments.0.display", "{'EN-us':'A'}", "language map key case");
	same("actor.objectType", NULL, "default Agent objectType");

	/* Group members are unordered. */
	same("context.team.member", "[{'account':{'homePage':'http://x.org',"
	    "'name':'b'}},{'mbox':'mailto:a@X.ORG'}]", "member order");
	differs("context.team.member", "[{'mbox':'mailto:a@x.org'},"
	    "{'mbox':'mailto:a@x.org'}]", "members matched one to one");
	differs("context.team.member", "[{'mbox':'mailto:a@x.org'}]",
	    "fewer members");

	/* Everything else counts. */
	differs("actor.name", "'Anne'", "agent name");
	differs("actor.objectType", "'Group'", "Agent vs Group");
	differs("actor", "'ann'", "actor not an object");
	differs("verb.id", "'http://adlnet.gov/expapi/verbs/completed'",
	    "verb id");
	differs("object.id", "'http://example.com/other'", "activity id");
	differs("object", "{'objectType':'Agent','mbox':'mailto:ann@example.com'}",
	    "object type");
	differs("result.duration", "'PT60M'", "duration is a string");
	same("result.score", "{'scaled':0.50}", "numbers by value");
	differs("result.score", "{'scaled':0.6}", "score");
	differs("result.success", "false", "success");
	same("result.extensions", "{'http://e/b':2,'http://e/a':1}",
	    "extension member order");
	differs("result.extensions", "{'http://e/a':1}", "extensions");
	differs("result", NULL, "result missing");
	same("context.contextActivities.parent", "{'id':'http://example.com/p'}",
	    "single context activity is an array of one");
	differs("context.contextActivities.parent", "[{'id':'http://example.com/q'}]",
	    "context activity id");
	differs("context.contextActivities.parent", "[{'id':'http://example.com/p'},"
	    "{'id':'http://example.com/q'}]", "more context activities");
	differs("context.instructor", "{'mbox':'mailto:other@example.com'}",
	    "instructor");
	same("context.instructor", "{'objectType':'Agent',"
	    "'mbox':'mailto:teacher@EXAMPLE.com'}", "instructor spelled out");
	differs("attachments.0.length", "28", "attachment length");
	differs("attachments", NULL, "attachments missing");
	differs("attachments.0.display", "{'en-US':'B'}", "attachment display");
	differs("extra", "1", "unknown property");
	differs("object", "{'objectType':'StatementRef',"
	    "'id':'6690e6c9-3ef0-4ed3-8b37-7f3964730bee'}", "object kind");

	/* Sub-statements: the same rules inside, but nothing is assigned by
	 * the LRS there. */
	{
		const char *sub =
		    "{'objectType':'SubStatement','actor':{'mbox':'mailto:s@x.org'},"
		    "'verb':{'id':'http://v','display':{'en':'v'}},"
		    "'object':{'id':'http://o','definition':{'name':{'en':'o'}}},"
		    "'timestamp':'2013-05-18T05:32:34Z'}";
		json *s1, *s2;

		s1 = variant("object", sub);
		s2 = json_clone(s1);
		json_del(json_get(json_get(s2, "object"), "verb"), "display");
		json_del(json_get(json_get(s2, "object"), "object"), "definition");
		json_set(json_get(json_get(s2, "object"), "actor"), "mbox",
		    json_new_str("mailto:s@X.org"));
		ok(stmtfmt_equivalent(s1, s2), "sub-statement by the same rules");
		json_del(json_get(s2, "object"), "timestamp");
		ok(!stmtfmt_equivalent(s1, s2), "sub-statement timestamp counts");
		json_free(s2);
		s2 = json_clone(s1);
		json_set(json_get(s2, "object"), "timestamp",
		    json_new_str("2013-05-18T06:32:34+01:00"));
		ok(stmtfmt_equivalent(s1, s2), "sub-statement same instant");
		json_set(json_get(json_get(s2, "object"), "verb"), "id",
		    json_new_str("http://w"));
		ok(!stmtfmt_equivalent(s1, s2), "sub-statement verb counts");
		json_free(s1);
		json_free(s2);
	}

	/* 2.0 context agents and groups. */
	{
		json *c1 = variant("context.contextAgents",
		    "[{'objectType':'contextAgent','agent':{'mbox':'mailto:a@x.org'},"
		    "'relevantTypes':['http://t']}]");
		json *c2 = variant("context.contextAgents",
		    "[{'objectType':'contextAgent','agent':{'objectType':'Agent',"
		    "'mbox':'mailto:a@X.org'},'relevantTypes':['http://t']}]");

		ok(stmtfmt_equivalent(c1, c2), "contextAgents by agent rules");
		json_set(json_get(json_get(c2, "context"), "contextAgents")->vals[0],
		    "relevantTypes", sq("['http://u']"));
		ok(!stmtfmt_equivalent(c1, c2), "contextAgents relevantTypes");
		json_free(c1);
		json_free(c2);
	}

	/* Not statements at all: no crash, plain equality. */
	a = sq("[1,{'actor':[]}]");
	b = sq("[1,{'actor':[]}]");
	ok(stmtfmt_equivalent(a, b), "arrays compare plainly");
	json_free(b);
	b = sq("{'actor':{'member':7,'mbox':3},'object':[],'context':"
	    "{'contextActivities':5,'team':'x'},'attachments':{}}");
	ok(!stmtfmt_equivalent(a, b) && stmtfmt_equivalent(b, b),
	    "odd shapes compare");
	json_free(a);
	json_free(b);
}

static int
eq_text(const json *j, const char *want)
{
	json *w = sq(want);
	int r = json_equal(j, w);

	if (!r) {
		char *s = json_to_string(j, NULL);

		fprintf(stderr, "got  %s\nwant %s\n", s, want);
		free(s);
	}
	json_free(w);
	return r;
}

static void
test_ids(void)
{
	/* The suite's XAPI-00171 statement: a sub-statement whose actor is
	 * an identified group. */
	const char *in =
	    "{'id':'fd41c918-b88b-4b20-a0a5-a4c32391aaa0',"
	    "'actor':{'objectType':'Agent','name':'xAPI mbox','mbox':'mailto:a@x.org'},"
	    "'verb':{'id':'http://v1','display':{'en-US':'v1'}},"
	    "'object':{'objectType':'SubStatement',"
	    "'actor':{'objectType':'Group','name':'G','mbox':'mailto:g@x.org',"
	    "'member':[{'name':'m','mbox':'mailto:m@x.org'}]},"
	    "'verb':{'id':'http://v2','display':{'en-US':'v2'}},"
	    "'object':{'objectType':'Activity','id':'http://act',"
	    "'definition':{'name':{'en-US':'x'}}}},"
	    "'context':{'instructor':{'name':'T','account':{'homePage':'http://h','name':'t'}},"
	    "'team':{'objectType':'Group','name':'anon',"
	    "'member':[{'name':'p','mbox_sha1sum':'abc'},{'openid':'http://o','name':'q'}]},"
	    "'contextActivities':{'parent':[{'objectType':'Activity','id':'http://p',"
	    "'definition':{}}],'grouping':{'id':'http://g','definition':{}}},"
	    "'contextAgents':[{'objectType':'contextAgent',"
	    "'agent':{'name':'z','mbox':'mailto:z@x.org'},'relevantTypes':['http://t']}],"
	    "'contextGroups':[{'objectType':'contextGroup',"
	    "'group':{'objectType':'Group','name':'y','mbox':'mailto:y@x.org',"
	    "'member':[{'mbox':'mailto:w@x.org'}]}}],"
	    "'registration':'ec531277-b57b-4c15-8d91-d292c5b2b8f7'},"
	    "'result':{'success':true},"
	    "'authority':{'objectType':'Group','member':["
	    "{'name':'app','account':{'homePage':'http://lrs','name':'k'}},"
	    "{'name':'user','mbox':'mailto:u@x.org'}]},"
	    "'stored':'2013-05-18T05:32:34.804Z'}";
	const char *want =
	    "{'id':'fd41c918-b88b-4b20-a0a5-a4c32391aaa0',"
	    "'actor':{'objectType':'Agent','mbox':'mailto:a@x.org'},"
	    "'verb':{'id':'http://v1'},"
	    "'object':{'objectType':'SubStatement',"
	    "'actor':{'objectType':'Group','mbox':'mailto:g@x.org'},"
	    "'verb':{'id':'http://v2'},"
	    "'object':{'id':'http://act'}},"
	    "'context':{'instructor':{'account':{'homePage':'http://h','name':'t'}},"
	    "'team':{'objectType':'Group',"
	    "'member':[{'mbox_sha1sum':'abc'},{'openid':'http://o'}]},"
	    "'contextActivities':{'parent':[{'id':'http://p'}],"
	    "'grouping':{'id':'http://g'}},"
	    "'contextAgents':[{'objectType':'contextAgent',"
	    "'agent':{'mbox':'mailto:z@x.org'},'relevantTypes':['http://t']}],"
	    "'contextGroups':[{'objectType':'contextGroup',"
	    "'group':{'objectType':'Group','mbox':'mailto:y@x.org'}}],"
	    "'registration':'ec531277-b57b-4c15-8d91-d292c5b2b8f7'},"
	    "'result':{'success':true},"
	    "'authority':{'objectType':'Group','member':["
	    "{'account':{'homePage':'http://lrs','name':'k'}},"
	    "{'mbox':'mailto:u@x.org'}]},"
	    "'stored':'2013-05-18T05:32:34.804Z'}";
	json *st = sq(in), *keep = json_clone(st), *ids;

	ids = stmtfmt_ids(st);
	ok(eq_text(ids, want), "ids format reduces every agent, group, "
	    "activity and verb");
	ok(json_equal(st, keep), "ids leaves its input alone");
	ok(json_get(ids, "object")->n == 4 &&
	    json_get(json_get(ids, "object"), "object")->n == 1 &&
	    json_get(ids, "verb")->n == 1, "the suite's key counts");
	json_free(ids);
	json_free(st);
	json_free(keep);

	st = sq("{'actor':{'mbox':'mailto:a@x.org'},'verb':{'id':'http://v'},"
	    "'object':{'objectType':'StatementRef','id':'6690e6c9-3ef0-4ed3-8b37-7f3964730bee'}}");
	ids = stmtfmt_ids(st);
	ok(json_equal(st, ids), "StatementRef and minimal parts unchanged");
	json_free(ids);
	json_free(st);
	st = sq("{'actor':{'objectType':'Agent','name':'n','mbox':'mailto:a@x.org'},"
	    "'verb':{'id':'http://v'},"
	    "'object':{'objectType':'Agent','name':'o','mbox':'mailto:o@x.org'}}");
	ids = stmtfmt_ids(st);
	ok(eq_text(json_get(ids, "object"), "{'objectType':'Agent',"
	    "'mbox':'mailto:o@x.org'}"), "agent object keeps its objectType");
	json_free(ids);
	json_free(st);
	st = sq("[1,{'actor':3}]");
	ids = stmtfmt_ids(st);
	ok(json_equal(st, ids), "ids of a non-statement is a copy");
	json_free(ids);
	json_free(st);
}

static const char *multi =
    "{'actor':{'objectType':'Agent','name':'Ann','mbox':'mailto:a@x.org'},"
    "'verb':{'id':'http://v','display':{'en-US':'attended','en-GB':'attended (GB)',"
    "'fr':'assisté'}},"
    "'object':{'objectType':'Activity','id':'http://act','definition':{"
    "'name':{'en-US':'name US','en-GB':'name GB'},"
    "'description':{'en-GB':'desc GB','en-US':'desc US'},"
    "'type':'http://adlnet.gov/expapi/activities/cmi.interaction',"
    "'interactionType':'choice','correctResponsesPattern':['a'],"
    "'choices':[{'id':'a','description':{'en-US':'A US','en-GB':'A GB'}},"
    "{'id':'b','description':{'fr':'B fr'}}],"
    "'extensions':{'http://e':{'en-US':'not a language map'}}}},"
    "'context':{'contextActivities':{'category':[{'id':'http://c',"
    "'definition':{'name':{'en-US':'c US','en-GB':'c GB'}}}],"
    "'parent':{'id':'http://p','definition':{'description':{'en-GB':'p GB','de':'p de'}}}}},"
    "'attachments':[{'usageType':'http://u','display':{'en-US':'att US','en-GB':'att GB'},"
    "'description':{'en-GB':'d GB','en-US':'d US'},'contentType':'text/plain',"
    "'length':1,'sha2':'ab'}]}";

static const char *
pick(const char *map, const char *accept)
{
	static char out[64];
	char src[512];
	json *st, *c;
	const json *d;

	snprintf(src, sizeof(src), "{'verb':{'id':'http://v','display':%s}}", map);
	st = sq(src);
	c = stmtfmt_canonical(st, accept);
	d = json_get(json_get(c, "verb"), "display");
	snprintf(out, sizeof(out), "%s", d->n == 1 ? d->keys[0] : "?");
	json_free(c);
	json_free(st);
	return out;
}

static void
test_canonical(void)
{
	json *st = sq(multi), *keep = json_clone(st), *c;
	const char *want =
	    "{'actor':{'objectType':'Agent','name':'Ann','mbox':'mailto:a@x.org'},"
	    "'verb':{'id':'http://v','display':{'en-GB':'attended (GB)'}},"
	    "'object':{'objectType':'Activity','id':'http://act','definition':{"
	    "'name':{'en-GB':'name GB'},"
	    "'description':{'en-GB':'desc GB'},"
	    "'type':'http://adlnet.gov/expapi/activities/cmi.interaction',"
	    "'interactionType':'choice','correctResponsesPattern':['a'],"
	    "'choices':[{'id':'a','description':{'en-GB':'A GB'}},"
	    "{'id':'b','description':{'fr':'B fr'}}],"
	    "'extensions':{'http://e':{'en-US':'not a language map'}}}},"
	    "'context':{'contextActivities':{'category':[{'id':'http://c',"
	    "'definition':{'name':{'en-GB':'c GB'}}}],"
	    "'parent':{'id':'http://p','definition':{'description':{'en-GB':'p GB'}}}}},"
	    "'attachments':[{'usageType':'http://u','display':{'en-GB':'att GB'},"
	    "'description':{'en-GB':'d GB'},'contentType':'text/plain',"
	    "'length':1,'sha2':'ab'}]}";

	c = stmtfmt_canonical(st, "en-GB");
	ok(eq_text(c, want), "canonical keeps the en-GB entry of every map");
	ok(json_equal(st, keep), "canonical leaves its input alone");
	json_free(c);

	/* In a sub-statement too. */
	{
		json *outer = sq("{'actor':{'mbox':'mailto:a@x.org'},"
		    "'verb':{'id':'http://v','display':{'en-US':'u','en-GB':'g'}},"
		    "'object':{'objectType':'SubStatement','actor':{'mbox':'mailto:b@x.org'},"
		    "'verb':{'id':'http://w','display':{'en-US':'u2','en-GB':'g2'}},"
		    "'object':{'id':'http://o','definition':{'name':{'en-US':'u3','en-GB':'g3'}}}}}");
		json *co = stmtfmt_canonical(outer, "en-GB,en;q=0.5");

		ok(eq_text(json_get(co, "object"), "{'objectType':'SubStatement',"
		    "'actor':{'mbox':'mailto:b@x.org'},"
		    "'verb':{'id':'http://w','display':{'en-GB':'g2'}},"
		    "'object':{'id':'http://o','definition':{'name':{'en-GB':'g3'}}}}"),
		    "sub-statement maps reduced");
		json_free(co);
		json_free(outer);
	}

	/* Choosing the language. */
	ok(strcmp(pick("{'en-US':1,'en-GB':2}", "en-GB"), "en-GB") == 0, "exact");
	ok(strcmp(pick("{'en-US':1,'en-GB':2}", "EN-gb"), "en-GB") == 0,
	    "case-insensitive");
	ok(strcmp(pick("{'fr':1,'en-US':2}", "en"), "en-US") == 0,
	    "en matches en-US");
	ok(strcmp(pick("{'en-US':1,'en':2}", "en"), "en") == 0,
	    "exact preferred to a longer tag");
	ok(strcmp(pick("{'fr':1,'en-US':2}", "en-GB"), "en-US") == 0,
	    "en-GB falls back to another en");
	ok(strcmp(pick("{'fr':1,'en':2}", "en-GB"), "en") == 0,
	    "en-GB falls back to en");
	ok(strcmp(pick("{'fr':1,'de':2,'es':3}", "fr;q=0.5, de"), "de") == 0,
	    "quality values order");
	ok(strcmp(pick("{'fr':1,'de':2,'es':3}", "es;q=0.8,de;q=0.9"), "de") == 0,
	    "quality values order (fractions)");
	ok(strcmp(pick("{'fr':1,'de':2,'es':3}", "es;q=0.9,de;q=0.9"), "es") == 0,
	    "equal quality keeps header order");
	ok(strcmp(pick("{'fr':1,'de':2}", "fr;q=0, de;q=0.1"), "de") == 0,
	    "q=0 is not acceptable");
	ok(strcmp(pick("{'fr':1,'de':2}", "it, de;q=0.2"), "de") == 0,
	    "first acceptable one present");
	ok(strcmp(pick("{'fr':1,'de':2}", "it"), "fr") == 0,
	    "no match: first entry");
	ok(strcmp(pick("{'fr':1,'de':2}", NULL), "fr") == 0, "NULL: first entry");
	ok(strcmp(pick("{'fr':1,'de':2}", ""), "fr") == 0, "empty: first entry");
	ok(strcmp(pick("{'fr':1,'de':2}", "*"), "fr") == 0, "*: first entry");
	ok(strcmp(pick("{'fr':1,'de':2}", "de;q=bogus, fr;q=0.1"), "fr") == 0,
	    "malformed quality drops the range");
	ok(strcmp(pick("{'zh-Hant':1,'zh-Hans-CN':2}", "zh-Hans-TW"),
	    "zh-Hans-CN") == 0, "lookup shortens the range subtag by subtag");
	ok(strcmp(pick("{'fr':1,'de':2}", ",,; ;q=1, ,de ; q=1 ,"), "de") == 0,
	    "odd spacing and empty entries");
	{
		char many[2048] = "";
		int i;

		for (i = 0; i < 60; i++)
			strcat(many, "xx-YY-zz,");
		strcat(many, "de");
		ok(strcmp(pick("{'fr':1,'de':2}", many), "fr") == 0,
		    "only the first ranges are read");
		memset(many, 'a', 300);
		strcpy(many + 300, ",de");
		ok(strcmp(pick("{'fr':1,'de':2}", many), "de") == 0,
		    "overlong range skipped");
	}
	json_free(st);
	json_free(keep);
}

int
main(void)
{
	test_equivalent();
	test_ids();
	test_canonical();
	return test_done();
}
