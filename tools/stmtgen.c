/* stmtgen: a seeded stream of realistic xAPI statements (stmtgen.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sha2.h"
#include "stmtgen.h"

#define BASE_TIME	1767225600	/* 2026-01-01T00:00:00Z */
#define STEP_SECONDS	29		/* timestamps: one statement each */
#define VOID_EVERY	500		/* i % 500 == 499 voids i - 250 */
#define VOID_BACK	250
#define REF_EVERY	100		/* i % 100 == 42 refers to i - 7 */
#define PAYLOAD_EVERY	2000		/* i % 2000 == 1000 has a payload */
#define FILEURL_EVERY	500		/* i % 500 == 250 has a fileUrl */

/* Verbs and their weights (the shares of the stream, out of 1000). */
static const struct {
	const char	*iri;
	const char	*display;
	int		 weight;
} verbs[STMTGEN_VERBS] = {
	{ "http://adlnet.gov/expapi/verbs/experienced", "experienced", 200 },
	{ "http://adlnet.gov/expapi/verbs/answered", "answered", 180 },
	{ "http://adlnet.gov/expapi/verbs/attempted", "attempted", 80 },
	{ "http://adlnet.gov/expapi/verbs/completed", "completed", 70 },
	{ "http://adlnet.gov/expapi/verbs/passed", "passed", 50 },
	{ "http://adlnet.gov/expapi/verbs/failed", "failed", 25 },
	{ "http://adlnet.gov/expapi/verbs/launched", "launched", 60 },
	{ "http://adlnet.gov/expapi/verbs/initialized", "initialized", 50 },
	{ "http://adlnet.gov/expapi/verbs/terminated", "terminated", 45 },
	{ "http://adlnet.gov/expapi/verbs/progressed", "progressed", 40 },
	{ "http://adlnet.gov/expapi/verbs/interacted", "interacted", 30 },
	{ "http://adlnet.gov/expapi/verbs/scored", "scored", 20 },
	{ "http://adlnet.gov/expapi/verbs/suspended", "suspended", 15 },
	{ "http://adlnet.gov/expapi/verbs/resumed", "resumed", 15 },
	{ "http://adlnet.gov/expapi/verbs/commented", "commented", 12 },
	{ "http://adlnet.gov/expapi/verbs/asked", "asked", 10 },
	{ "http://adlnet.gov/expapi/verbs/shared", "shared", 8 },
	{ "http://adlnet.gov/expapi/verbs/registered", "registered", 10 },
	{ "http://adlnet.gov/expapi/verbs/attended", "attended", 8 },
	{ "http://adlnet.gov/expapi/verbs/mastered", "mastered", 6 },
	{ "http://adlnet.gov/expapi/verbs/preferred", "preferred", 4 },
	{ "http://adlnet.gov/expapi/verbs/exited", "exited", 8 },
	{ "http://adlnet.gov/expapi/verbs/logged-in", "logged in", 10 },
	{ "http://adlnet.gov/expapi/verbs/logged-out", "logged out", 6 },
	{ "https://w3id.org/xapi/video/verbs/played", "played", 10 },
	{ "https://w3id.org/xapi/video/verbs/paused", "paused", 6 },
	{ "https://w3id.org/xapi/video/verbs/seeked", "seeked", 3 },
	{ "http://id.tincanapi.com/verb/viewed", "viewed", 4 },
	{ "http://id.tincanapi.com/verb/rated", "rated", 2 },
	{ "http://id.tincanapi.com/verb/bookmarked", "bookmarked", 1 },
};
#define V_ANSWERED	1
#define V_COMPLETED	3
#define V_PASSED	4
#define V_FAILED	5
#define V_SCORED	11
#define W_TOTAL		1000

/* What the 20 activities of a course are: 0 the course, 1-4 modules,
 * 5-19 questions. */
#define KIND_COURSE	0
#define KIND_MODULE	1
#define KIND_QUESTION	5

static uint64_t
mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A small counter-based generator: draw n of statement i's stream. */
struct rng {
	uint64_t	key, n;
};

static uint64_t
draw(struct rng *r)
{
	return mix(r->key + mix(++r->n));
}

static unsigned
below(struct rng *r, unsigned n)
{
	return (unsigned)((draw(r) >> 11) % n);
}

static void
rng_init(struct rng *r, uint64_t seed, uint64_t i, uint64_t salt)
{
	r->key = mix(mix(seed) ^ mix(i * 4 + salt));
	r->n = 0;
}

void
stmtgen_pick(uint64_t seed, uint64_t i, struct stmtgen_pick *p)
{
	struct rng r;
	unsigned w, v, u, j;
	double x;

	rng_init(&r, seed, i, 1);
	/* A few actors are far more active: actor = N * x^2. */
	x = (double)(draw(&r) >> 11) / 9007199254740992.0;
	p->actor = (unsigned)(x * x * STMTGEN_ACTORS);
	if (p->actor >= STMTGEN_ACTORS)
		p->actor = STMTGEN_ACTORS - 1;
	w = below(&r, W_TOTAL);
	for (v = 0; v < STMTGEN_VERBS - 1 && w >= (unsigned)verbs[v].weight;
	    v++)
		w -= (unsigned)verbs[v].weight;
	p->verb = v;
	/* Each actor keeps to a few courses. */
	p->course = (p->actor * 7 + below(&r, 3) * 5) % STMTGEN_COURSES;
	u = below(&r, 100);
	if (v == V_ANSWERED)
		j = KIND_QUESTION + below(&r, 15);
	else if (v == V_COMPLETED || v == V_PASSED || v == V_FAILED ||
	    v == V_SCORED)
		j = u < 40 ? KIND_COURSE : KIND_MODULE + below(&r, 4);
	else
		j = u < 15 ? KIND_COURSE : u < 80 ? KIND_MODULE +
		    below(&r, 4) : KIND_QUESTION + below(&r, 15);
	p->activity = p->course * 20 + j;
	p->instructor = below(&r, 10) == 0 ? (int)(p->course % 25) : -1;
	p->registered = below(&r, 10) != 0;
	p->voiding = i % VOID_EVERY == VOID_EVERY - 1 && i >= VOID_BACK;
	p->ref = p->voiding || (i % REF_EVERY == 42 && i >= 7);
}

void
stmtgen_id(uint64_t seed, uint64_t i, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char u[16];
	uint64_t a = mix(mix(seed) ^ mix(i * 4 + 3)), b = mix(a);
	int k, o = 0;

	memcpy(u, &a, 8);
	memcpy(u + 8, &b, 8);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	for (k = 0; k < 16; k++) {
		if (k == 4 || k == 6 || k == 8 || k == 10)
			out[o++] = '-';
		out[o++] = hex[u[k] >> 4];
		out[o++] = hex[u[k] & 15];
	}
	out[o] = '\0';
}

/* The kinds of actor, by number. */
static int
is_group(unsigned k)
{
	return k % 50 == 7;
}

static void
agent_ifi(struct buf *b, unsigned k)
{
	if (is_group(k))
		buf_printf(b, "\"mbox\":\"mailto:team-%u@example.com\"", k);
	else if (k % 20 == 0)
		buf_printf(b, "\"account\":{\"homePage\":"
		    "\"https://sso.example.com\",\"name\":\"u%06u\"}", k);
	else if (k % 31 == 5)
		buf_printf(b, "\"openid\":\"https://id.example.com/u/%u\"", k);
	else
		buf_printf(b, "\"mbox\":\"mailto:learner%u@example.com\"", k);
}

static void
actor(struct buf *b, unsigned k)
{
	unsigned m1, m2;

	if (!is_group(k)) {
		buf_printf(b, "{\"objectType\":\"Agent\",\"name\":"
		    "\"Learner %u\",", k);
		agent_ifi(b, k);
		buf_putc(b, '}');
		return;
	}
	m1 = (k + 1) % STMTGEN_ACTORS;
	m2 = (k + 2) % STMTGEN_ACTORS;
	buf_printf(b, "{\"objectType\":\"Group\",\"name\":\"Team %u\",", k);
	agent_ifi(b, k);
	buf_printf(b, ",\"member\":[{\"objectType\":\"Agent\",\"name\":"
	    "\"Learner %u\",", m1);
	agent_ifi(b, m1);
	buf_printf(b, "},{\"objectType\":\"Agent\",\"name\":\"Learner %u\",",
	    m2);
	agent_ifi(b, m2);
	buf_puts(b, "}]}");
}

static void
activity_iri(struct buf *b, unsigned a)
{
	unsigned c = a / 20, j = a % 20;

	if (j == KIND_COURSE)
		buf_printf(b, "http://example.com/courses/course-%02u", c);
	else if (j < KIND_QUESTION)
		buf_printf(b, "http://example.com/courses/course-%02u/module-%u",
		    c, j - KIND_MODULE + 1);
	else
		buf_printf(b, "http://example.com/courses/course-%02u/q-%02u",
		    c, j - KIND_QUESTION + 1);
}

static void
activity(struct buf *b, unsigned a)
{
	unsigned c = a / 20, j = a % 20;

	buf_puts(b, "{\"objectType\":\"Activity\",\"id\":\"");
	activity_iri(b, a);
	buf_puts(b, "\",\"definition\":{");
	if (j == KIND_COURSE)
		buf_printf(b, "\"name\":{\"en-US\":\"Course %u\",\"fr-FR\":"
		    "\"Cours %u\"},\"description\":{\"en-US\":\"Course %u of "
		    "the catalog\"},\"type\":\"http://adlnet.gov/expapi/"
		    "activities/course\"}}", c, c, c);
	else if (j < KIND_QUESTION)
		buf_printf(b, "\"name\":{\"en-US\":\"Course %u, module %u\"},"
		    "\"type\":\"http://adlnet.gov/expapi/activities/module\"}}",
		    c, j);
	else
		buf_printf(b, "\"name\":{\"en-US\":\"Course %u, question %u\"},"
		    "\"type\":\"http://adlnet.gov/expapi/activities/"
		    "cmi.interaction\",\"interactionType\":\"choice\","
		    "\"correctResponsesPattern\":[\"b\"],\"choices\":["
		    "{\"id\":\"a\",\"description\":{\"en-US\":\"One\"}},"
		    "{\"id\":\"b\",\"description\":{\"en-US\":\"Two\"}},"
		    "{\"id\":\"c\",\"description\":{\"en-US\":\"Three\"}}]}}",
		    c, j - KIND_QUESTION + 1);
}

static void
registration(char out[37], unsigned k, unsigned c)
{
	snprintf(out, 37, "%08x-%04x-4%03x-8%03x-%012x", 0x5e9a0000u + k,
	    c, k % 4096, c % 4096, (k * 7919u + c * 104729u) & 0xffffffu);
}

static void
result(struct buf *b, struct rng *r, const struct stmtgen_pick *p)
{
	unsigned raw = below(r, 101), v = p->verb;
	int success;

	if (v == V_ANSWERED) {
		success = below(r, 3) != 0;
		buf_printf(b, ",\"result\":{\"success\":%s,\"response\":\"%c\","
		    "\"duration\":\"PT%uS\"}", success ? "true" : "false",
		    success ? 'b' : "ac"[below(r, 2)], 2 + below(r, 90));
		return;
	}
	if (v != V_COMPLETED && v != V_PASSED && v != V_FAILED &&
	    v != V_SCORED)
		return;
	if (v == V_PASSED && raw < 60)
		raw = 60 + raw % 41;
	if (v == V_FAILED && raw >= 60)
		raw %= 60;
	buf_printf(b, ",\"result\":{\"score\":{\"scaled\":%u.%02u,\"raw\":%u,"
	    "\"min\":0,\"max\":100},\"success\":%s,\"completion\":true,"
	    "\"duration\":\"PT%uM%uS\"}", raw / 100, raw % 100, raw,
	    raw >= 60 ? "true" : "false", 5 + below(r, 55), below(r, 60));
}

static void
context(struct buf *b, struct rng *r, uint64_t i, const struct stmtgen_pick *p)
{
	char reg[37];
	unsigned j = p->activity % 20;

	buf_puts(b, ",\"context\":{");
	if (p->registered) {
		registration(reg, p->actor, p->course);
		buf_printf(b, "\"registration\":\"%s\",", reg);
	}
	if (p->instructor >= 0)
		buf_printf(b, "\"instructor\":{\"objectType\":\"Agent\","
		    "\"name\":\"Instructor %d\",\"mbox\":\"mailto:instructor%d"
		    "@example.com\"},", p->instructor, p->instructor);
	buf_puts(b, "\"contextActivities\":{");
	if (j != KIND_COURSE && !p->voiding) {
		buf_puts(b, "\"parent\":[{\"id\":\"");
		activity_iri(b, p->course * 20);
		buf_puts(b, "\"}],");
	}
	buf_printf(b, "\"grouping\":[{\"id\":\"http://example.com/programs/"
	    "program-%u\"}]", p->course % STMTGEN_PROGRAMS);
	if (below(r, 5) == 0)
		buf_puts(b, ",\"category\":[{\"id\":\"https://w3id.org/xapi/"
		    "cmi5/v1.0\",\"definition\":{\"type\":\"http://adlnet.gov/"
		    "expapi/activities/profile\"}}]");
	/* platform is only for statements about an Activity. */
	if (!p->ref)
		buf_printf(b, "},\"platform\":\"%s\"",
		    below(r, 4) ? "Example LMS" : "Example Mobile");
	else
		buf_putc(b, '}');
	buf_printf(b, ",\"language\":\"%s\"", below(r, 6) ? "en-US" :
	    "fr-FR");
	if (below(r, 3) == 0)
		buf_printf(b, ",\"extensions\":{\"https://example.com/ext/"
		    "session\":\"s-%llx\",\"https://example.com/ext/device\":"
		    "{\"os\":\"%s\",\"screen\":[%u,%u]}}",
		    (unsigned long long)(i / 7), below(r, 2) ? "linux" :
		    "ios", 1024 + 256 * below(r, 4), 768);
	buf_putc(b, '}');
}

static void
payload(struct stmtgen_payload *att, uint64_t i)
{
	int n;

	n = snprintf(att->data, sizeof(att->data), "Certificate of "
	    "completion, statement %llu of the bench stream.\n",
	    (unsigned long long)i);
	memset(att->data + n, '.', 480 - (size_t)n);
	att->data[479] = '\n';
	att->len = 480;
	sha2_hex(att->data, att->len, 64, att->sha2);
}

static void
attachments(struct buf *b, uint64_t i, struct stmtgen_payload *att)
{
	if (i % PAYLOAD_EVERY == PAYLOAD_EVERY / 2) {
		payload(att, i);
		buf_printf(b, ",\"attachments\":[{\"usageType\":"
		    "\"https://example.com/attachments/certificate\","
		    "\"display\":{\"en-US\":\"Certificate\"},\"contentType\":"
		    "\"text/plain\",\"length\":%zu,\"sha2\":\"%s\"}]",
		    att->len, att->sha2);
	} else if (i % FILEURL_EVERY == FILEURL_EVERY / 2)
		buf_printf(b, ",\"attachments\":[{\"usageType\":"
		    "\"https://example.com/attachments/recording\","
		    "\"display\":{\"en-US\":\"Recording\"},\"contentType\":"
		    "\"video/mp4\",\"length\":1048576,\"sha2\":\"%064llx\","
		    "\"fileUrl\":\"https://cdn.example.com/rec/%llu.mp4\"}]",
		    (unsigned long long)mix(i), (unsigned long long)i);
}

size_t
stmtgen_statement(uint64_t seed, uint64_t i, struct buf *b,
    struct stmtgen_payload *att)
{
	struct stmtgen_pick p;
	struct rng r;
	char id[37], ref[37], stamp[32];
	size_t start = b->len;
	time_t t = BASE_TIME + (time_t)(i * STEP_SECONDS);
	struct tm tm;

	att->len = 0;
	stmtgen_pick(seed, i, &p);
	rng_init(&r, seed, i, 2);
	stmtgen_id(seed, i, id);
	buf_printf(b, "{\"id\":\"%s\",\"actor\":", id);
	actor(b, p.actor);
	if (p.voiding) {
		stmtgen_id(seed, i - VOID_BACK, ref);
		buf_printf(b, ",\"verb\":{\"id\":\"http://adlnet.gov/expapi/"
		    "verbs/voided\",\"display\":{\"en-US\":\"voided\"}},"
		    "\"object\":{\"objectType\":\"StatementRef\",\"id\":"
		    "\"%s\"}", ref);
	} else {
		buf_printf(b, ",\"verb\":{\"id\":\"%s\",\"display\":"
		    "{\"en-US\":\"%s\"}},\"object\":", verbs[p.verb].iri,
		    verbs[p.verb].display);
		if (p.ref) {
			stmtgen_id(seed, i - 7, ref);
			buf_printf(b, "{\"objectType\":\"StatementRef\","
			    "\"id\":\"%s\"}", ref);
		} else
			activity(b, p.activity);
		result(b, &r, &p);
	}
	context(b, &r, i, &p);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, ",\"timestamp\":\"%s.%03uZ\"", stamp, below(&r, 1000));
	attachments(b, i, att);
	buf_putc(b, '}');
	return b->len - start;
}

/* Append s to b, percent-encoding what a query value must not hold. */
static void
urlenc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~", c)) {
			buf_putc(b, c);
			continue;
		}
		buf_putc(b, '%');
		buf_putc(b, hex[c >> 4]);
		buf_putc(b, hex[c & 15]);
	}
}

static void
q_with(struct buf *b, void (*fn)(struct buf *, unsigned), unsigned v)
{
	struct buf t = BUF_INIT;

	fn(&t, v);
	urlenc(b, t.p);
	buf_free(&t);
}

static void
agent_only(struct buf *b, unsigned k)
{
	buf_putc(b, '{');
	agent_ifi(b, k);
	buf_putc(b, '}');
}

static void
instructor_only(struct buf *b, unsigned k)
{
	buf_printf(b, "{\"mbox\":\"mailto:instructor%u@example.com\"}", k);
}

void
stmtgen_q_agent(struct buf *b, unsigned k)
{
	q_with(b, agent_only, k);
}

void
stmtgen_q_instructor(struct buf *b, unsigned k)
{
	q_with(b, instructor_only, k);
}

static void
verb_iri(struct buf *b, unsigned v)
{
	buf_puts(b, verbs[v].iri);
}

void
stmtgen_q_verb(struct buf *b, unsigned v)
{
	q_with(b, verb_iri, v);
}

void
stmtgen_q_activity(struct buf *b, unsigned a)
{
	q_with(b, activity_iri, a);
}

static void
program_iri(struct buf *b, unsigned c)
{
	buf_printf(b, "http://example.com/programs/program-%u",
	    c % STMTGEN_PROGRAMS);
}

void
stmtgen_q_program(struct buf *b, unsigned c)
{
	q_with(b, program_iri, c);
}

void
stmtgen_q_registration(struct buf *b, unsigned k, unsigned c)
{
	char reg[37];

	registration(reg, k, c);
	buf_puts(b, reg);
}
