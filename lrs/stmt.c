/* stmt: what makes an xAPI statement valid.
 *
 * One recursive walk over the tree.  Each check is handed the value to
 * check while ctx.path names it ("object.definition.choices[2].id"), so
 * the first rule broken is reported with the path of the offending value.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "iso8601.h"
#include "json.h"
#include "stmt.h"
#include "utf8.h"
#include "xapi.h"

struct ctx {
	enum xapi_version	 v;
	char			*err;
	size_t			 errlen;
	char			 path[512];
	size_t			 plen;
	int			 in_sub;	/* inside a SubStatement */
};

typedef int	(*check_fn)(struct ctx *, const json *);

/* Write "path: message" into the caller's buffer; always returns
 * STMT_EINVALID so that callers can `return fail(...)`. */
static int
fail(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->err == NULL || c->errlen == 0)
		return STMT_EINVALID;
	n = snprintf(c->err, c->errlen, "%s: ",
	    c->plen ? c->path : "statement");
	if (n < 0 || (size_t)n >= c->errlen)
		return STMT_EINVALID;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return STMT_EINVALID;
}

/* Append n bytes of s to the path, cut to fit with a NUL, as snprintf
 * would have written them (which cost a fifth of a worker's time). */
static void
path_add(struct ctx *c, const char *s, size_t n)
{
	size_t room = sizeof(c->path) - c->plen - 1;

	if (n > room)
		n = room;
	memcpy(c->path + c->plen, s, n);
	c->plen += n;
	c->path[c->plen] = '\0';
}

/* Extend the path by ".key" (or "key" at the root); returns the old
 * length for pop(). */
static size_t
push_key(struct ctx *c, const char *key)
{
	size_t old = c->plen;

	if (c->plen)
		path_add(c, ".", 1);
	path_add(c, key, strlen(key));
	return old;
}

static size_t
push_index(struct ctx *c, size_t i)
{
	size_t old = c->plen;
	char num[24], *p = num + sizeof(num);

	*--p = ']';
	do
		*--p = (char)('0' + i % 10);
	while ((i /= 10) != 0);
	*--p = '[';
	path_add(c, p, (size_t)(num + sizeof(num) - p));
	return old;
}

static void
pop(struct ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* Check member key of obj with fn; absent members are an error only when
 * required. */
static int
member(struct ctx *c, const json *obj, const char *key, check_fn fn,
    int required)
{
	const json *val = json_get(obj, key);
	size_t old = push_key(c, key);
	int rc = STMT_OK;

	if (val == NULL) {
		if (required)
			rc = fail(c, "is required");
	} else
		rc = fn(c, val);
	pop(c, old);
	return rc;
}

/* Every member of obj must be one of the NULL-terminated names: keys are
 * case-sensitive, so "Actor" is refused here too. */
static int
only_keys(struct ctx *c, const json *obj, const char *const *names)
{
	size_t i, k, old;
	int rc;

	for (i = 0; i < obj->n; i++) {
		for (k = 0; names[k] != NULL; k++)
			if (strcmp(obj->keys[i], names[k]) == 0)
				break;
		if (names[k] == NULL) {
			old = push_key(c, obj->keys[i]);
			rc = fail(c, "is not an allowed property here");
			pop(c, old);
			return rc;
		}
	}
	return STMT_OK;
}

static int
want_object(struct ctx *c, const json *j)
{
	return j->type == JSON_OBJECT ? STMT_OK : fail(c, "must be an object");
}

/* Scalars and syntaxes. */

static int
is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_hex(int ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') ||
	    (ch >= 'A' && ch <= 'F');
}

/* The ASCII characters RFC 3987 excludes from an IRI besides controls
 * and space; a switch, where strchr() cost a call a character. */
static int
iri_excluded(unsigned char ch)
{
	switch (ch) {
	case '<': case '>': case '"': case '{': case '}': case '|':
	case '\\': case '^': case '`':
		return 1;
	default:
		return 0;
	}
}

/* An absolute IRI (RFC 3987): a scheme, ':', and a rest free of the
 * characters no IRI may hold (spaces, controls, <>"{}|\^`) with every '%'
 * starting a percent-encoded octet.  Characters beyond ASCII are allowed:
 * that is what makes it an IRI. */
static int
iri_valid(const char *s, size_t len)
{
	size_t i;
	unsigned char ch;

	if (len == 0 || !is_alpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++) {
		ch = (unsigned char)s[i];
		if (ch == ':')
			break;
		if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-' &&
		    ch != '.')
			return 0;
	}
	if (i == len || i + 1 == len)
		return 0;
	for (i++; i < len; i++) {
		ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch == 0x7f || iri_excluded(ch))
			return 0;
		if (ch == '%' && (i + 2 >= len ||
		    !is_hex((unsigned char)s[i + 1]) ||
		    !is_hex((unsigned char)s[i + 2])))
			return 0;
	}
	return 1;
}

static int
alnum_run(const char *s, size_t n, int alpha_only, int digit_only)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (alpha_only && !is_alpha((unsigned char)s[i]))
			return 0;
		if (digit_only && !is_digit((unsigned char)s[i]))
			return 0;
		if (!is_alpha((unsigned char)s[i]) &&
		    !is_digit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* A BCP 47 (RFC 5646) language tag: the langtag production with its
 * rules that variants and extension singletons do not repeat, a
 * private-use tag, or one of the irregular grandfathered tags. */
static int
langtag_valid(const char *s, size_t len)
{
	static const char *const irregular[] = {
		"en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian",
		"i-hak", "i-klingon", "i-lux", "i-mingo", "i-navajo", "i-pwn",
		"i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL",
		"sgn-CH-DE", NULL
	};
	const char *tag[40];
	size_t tl[40], n = 0, i, k, p, start;
	int state, ext, seen[36] = { 0 }, ch;

	for (k = 0; irregular[k] != NULL; k++)
		if (strlen(irregular[k]) == len &&
		    strncasecmp(irregular[k], s, len) == 0)
			return 1;
	/* Split into subtags of 1 to 8 letters and digits. */
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && s[i] != '-')
			continue;
		if (i == start || i - start > 8 || n == 40 ||
		    !alnum_run(s + start, i - start, 0, 0))
			return 0;
		tag[n] = s + start;
		tl[n++] = i - start;
		start = i + 1;
	}
	p = 0;
	if (tl[0] == 1 && (tag[0][0] == 'x' || tag[0][0] == 'X'))
		goto privateuse;
	/* language: 2-3 letters with up to three 3-letter extlangs, or 4, or
	 * 5-8 letters */
	if (tl[0] < 2 || !alnum_run(tag[0], tl[0], 1, 0))
		return 0;
	p = 1;
	if (tl[0] <= 3)
		for (k = 0; k < 3 && p < n && tl[p] == 3 &&
		    alnum_run(tag[p], 3, 1, 0); k++)
			p++;
	if (p < n && tl[p] == 4 && alnum_run(tag[p], 4, 1, 0))
		p++;				/* script */
	if (p < n && ((tl[p] == 2 && alnum_run(tag[p], 2, 1, 0)) ||
	    (tl[p] == 3 && alnum_run(tag[p], 3, 0, 1))))
		p++;				/* region */
	/* variants: 5-8 alphanumerics, or a digit and three alphanumerics;
	 * no variant twice */
	while (p < n && (tl[p] >= 5 ||
	    (tl[p] == 4 && is_digit((unsigned char)tag[p][0])))) {
		for (k = 0; k < p; k++)
			if (tl[k] == tl[p] &&
			    strncasecmp(tag[k], tag[p], tl[p]) == 0)
				return 0;
		p++;
	}
	/* extensions: a singleton other than x and subtags of 2-8; no
	 * singleton twice */
	state = 0;
	while (p < n && tl[p] == 1 && tag[p][0] != 'x' && tag[p][0] != 'X') {
		ch = (unsigned char)tag[p][0];
		ext = is_digit(ch) ? ch - '0' : 10 + ((ch | 0x20) - 'a');
		if (seen[ext]++)
			return 0;
		p++;
		for (state = 0; p < n && tl[p] >= 2; p++)
			state = 1;
		if (!state)
			return 0;
	}
	if (p == n)
		return 1;
privateuse:
	if (tl[p] != 1 || (tag[p][0] != 'x' && tag[p][0] != 'X') ||
	    p + 1 == n)
		return 0;
	return 1;
}

static int
chk_string(struct ctx *c, const json *j)
{
	return j->type == JSON_STRING ? STMT_OK : fail(c, "must be a string");
}

static int
chk_bool(struct ctx *c, const json *j)
{
	return j->type == JSON_TRUE || j->type == JSON_FALSE ? STMT_OK :
	    fail(c, "must be true or false");
}

static int
chk_number(struct ctx *c, const json *j)
{
	return j->type == JSON_NUMBER ? STMT_OK : fail(c, "must be a number");
}

static int
chk_iri(struct ctx *c, const json *j)
{
	if (j->type != JSON_STRING)
		return fail(c, "must be an IRI string");
	if (!iri_valid(j->str, j->len))
		return fail(c, "must be an absolute IRI");
	return STMT_OK;
}

static int
chk_uuid(struct ctx *c, const json *j)
{
	if (j->type != JSON_STRING || !hex_is_uuid(j->str, j->len))
		return fail(c, "must be a UUID");
	return STMT_OK;
}

static int
chk_langtag(struct ctx *c, const json *j)
{
	if (j->type != JSON_STRING || !langtag_valid(j->str, j->len))
		return fail(c, "must be an RFC 5646 language tag");
	return STMT_OK;
}

static int
chk_langmap(struct ctx *c, const json *j)
{
	size_t i, old;
	int rc;

	if (j->type != JSON_OBJECT)
		return fail(c, "must be a language map");
	for (i = 0; i < j->n; i++) {
		old = push_key(c, j->keys[i]);
		if (!langtag_valid(j->keys[i], strlen(j->keys[i])))
			rc = fail(c, "is not an RFC 5646 language tag");
		else
			rc = chk_string(c, j->vals[i]);
		pop(c, old);
		if (rc)
			return rc;
	}
	return STMT_OK;
}

/* Keys are IRIs; values are anything at all, null included. */
static int
chk_extensions(struct ctx *c, const json *j)
{
	size_t i, old;
	int rc;

	if (j->type != JSON_OBJECT)
		return fail(c, "must be an object");
	for (i = 0; i < j->n; i++) {
		if (iri_valid(j->keys[i], strlen(j->keys[i])))
			continue;
		old = push_key(c, j->keys[i]);
		rc = fail(c, "extension key must be an absolute IRI");
		pop(c, old);
		return rc;
	}
	return STMT_OK;
}

/* 2.0.0 takes timestamps in the RFC 3339 profile, which requires a zone;
 * 1.0.3 only recommends one. */
static int
chk_timestamp(struct ctx *c, const json *j)
{
	int64_t t;

	if (j->type != JSON_STRING)
		return fail(c, "must be an ISO 8601 timestamp string");
	if (iso8601_parse(j->str, j->len, c->v == XAPI_V2, &t) != 0)
		return fail(c, c->v == XAPI_V2 ?
		    "must be an ISO 8601 timestamp with a time zone" :
		    "must be an ISO 8601 timestamp");
	return STMT_OK;
}

static int
chk_duration(struct ctx *c, const json *j)
{
	if (j->type != JSON_STRING || !iso8601_duration_valid(j->str, j->len))
		return fail(c, "must be an ISO 8601 duration");
	return STMT_OK;
}

/* Actors. */

/* "mailto:" and an address with one '@' between non-empty parts. */
static int
chk_mbox(struct ctx *c, const json *j)
{
	const char *at, *addr;
	size_t n;

	if (j->type != JSON_STRING || j->len < 7 ||
	    strncmp(j->str, "mailto:", 7) != 0)
		return fail(c, "must be a mailto IRI");
	addr = j->str + 7;
	n = j->len - 7;
	at = memchr(addr, '@', n);
	if (at == NULL || at == addr || at == addr + n - 1 ||
	    memchr(at + 1, '@', addr + n - at - 1) != NULL ||
	    !iri_valid(j->str, j->len))
		return fail(c, "must be a mailto IRI with an email address");
	return STMT_OK;
}

static int
chk_sha1(struct ctx *c, const json *j)
{
	size_t i;

	if (j->type != JSON_STRING || j->len != 40)
		return fail(c, "must be 40 hexadecimal digits (SHA-1)");
	for (i = 0; i < 40; i++)
		if (!is_hex((unsigned char)j->str[i]))
			return fail(c, "must be 40 hexadecimal digits (SHA-1)");
	return STMT_OK;
}

static int
chk_account(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "homePage", "name", NULL };
	int rc;

	if ((rc = want_object(c, j)) || (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "homePage", chk_iri, 1)) ||
	    (rc = member(c, j, "name", chk_string, 1)))
		return rc;
	return STMT_OK;
}

/* The inverse functional identifiers of j, checked; *count says how many
 * there are. */
static int
ifis(struct ctx *c, const json *j, int *count)
{
	int rc;

	*count = (json_get(j, "mbox") != NULL) +
	    (json_get(j, "mbox_sha1sum") != NULL) +
	    (json_get(j, "openid") != NULL) +
	    (json_get(j, "account") != NULL);
	if ((rc = member(c, j, "mbox", chk_mbox, 0)) ||
	    (rc = member(c, j, "mbox_sha1sum", chk_sha1, 0)) ||
	    (rc = member(c, j, "openid", chk_iri, 0)) ||
	    (rc = member(c, j, "account", chk_account, 0)))
		return rc;
	return STMT_OK;
}

static int
chk_agent_type(struct ctx *c, const json *j)
{
	return json_is_str(j, "Agent") ? STMT_OK :
	    fail(c, "must be \"Agent\"");
}

static int
chk_group_type(struct ctx *c, const json *j)
{
	return json_is_str(j, "Group") ? STMT_OK :
	    fail(c, "must be \"Group\"");
}

/* An Agent; objectType "Agent" may be left out. */
static int
chk_agent(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "objectType", "name", "mbox",
	    "mbox_sha1sum", "openid", "account", NULL };
	int rc, n;

	if ((rc = want_object(c, j)) ||
	    (rc = member(c, j, "objectType", chk_agent_type, 0)) ||
	    (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "name", chk_string, 0)) ||
	    (rc = ifis(c, j, &n)))
		return rc;
	if (n != 1)
		return fail(c, "an Agent must have exactly one of mbox, "
		    "mbox_sha1sum, openid, account");
	return STMT_OK;
}

/* A member of a Group: an Agent, never a Group. */
static int
chk_member_agent(struct ctx *c, const json *j)
{
	if (j->type == JSON_OBJECT && json_is_str(json_get(j, "objectType"),
	    "Group"))
		return fail(c, "a Group cannot be a member of a Group");
	return chk_agent(c, j);
}

static int
chk_members(struct ctx *c, const json *j)
{
	size_t i, old;
	int rc;

	if (j->type != JSON_ARRAY)
		return fail(c, "must be an array of Agents");
	for (i = 0; i < j->n; i++) {
		old = push_index(c, i);
		rc = chk_member_agent(c, j->vals[i]);
		pop(c, old);
		if (rc)
			return rc;
	}
	return STMT_OK;
}

/* A Group: objectType "Group" required; identified by one IFI, or
 * anonymous with a non-empty member list. */
static int
chk_group(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "objectType", "name", "member",
	    "mbox", "mbox_sha1sum", "openid", "account", NULL };
	const json *m;
	int rc, n;

	if ((rc = want_object(c, j)) ||
	    (rc = member(c, j, "objectType", chk_group_type, 1)) ||
	    (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "name", chk_string, 0)) ||
	    (rc = ifis(c, j, &n)) ||
	    (rc = member(c, j, "member", chk_members, n == 0)))
		return rc;
	if (n > 1)
		return fail(c, "a Group must have at most one of mbox, "
		    "mbox_sha1sum, openid, account");
	m = json_get(j, "member");
	if (n == 0 && m->n == 0)
		return fail(c, "an anonymous Group must have members");
	return STMT_OK;
}

/* An Agent or a Group, told apart by objectType. */
static int
chk_actor(struct ctx *c, const json *j)
{
	const json *ot;
	size_t old;
	int rc;

	if ((rc = want_object(c, j)))
		return rc;
	ot = json_get(j, "objectType");
	if (ot == NULL || json_is_str(ot, "Agent"))
		return chk_agent(c, j);
	if (json_is_str(ot, "Group"))
		return chk_group(c, j);
	old = push_key(c, "objectType");
	rc = fail(c, "must be \"Agent\" or \"Group\"");
	pop(c, old);
	return rc;
}

/* The authority: an Agent, or for OAuth 1.0 an anonymous Group of the
 * two Agents application and user. */
static int
chk_authority(struct ctx *c, const json *j)
{
	int rc;
	const json *m;

	if ((rc = chk_actor(c, j)))
		return rc;
	if (!json_is_str(json_get(j, "objectType"), "Group"))
		return STMT_OK;
	m = json_get(j, "member");
	if (m == NULL || json_get(j, "mbox") || json_get(j, "mbox_sha1sum") ||
	    json_get(j, "openid") || json_get(j, "account"))
		return fail(c, "a Group authority must be anonymous");
	if (m->n != 2)
		return fail(c, "a Group authority must have exactly two "
		    "members");
	return STMT_OK;
}

/* Verb. */

static int
chk_verb(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "id", "display", NULL };
	int rc;

	if ((rc = want_object(c, j)) || (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "id", chk_iri, 1)) ||
	    (rc = member(c, j, "display", chk_langmap, 0)))
		return rc;
	return STMT_OK;
}

/* Activities. */

static const struct itype {
	const char	*name;
	const char	*lists[3];	/* the component lists it may use */
} itypes[] = {
	{ "true-false", { NULL } },
	{ "choice", { "choices", NULL } },
	{ "fill-in", { NULL } },
	{ "long-fill-in", { NULL } },
	{ "matching", { "source", "target", NULL } },
	{ "performance", { "steps", NULL } },
	{ "sequencing", { "choices", NULL } },
	{ "likert", { "scale", NULL } },
	{ "numeric", { NULL } },
	{ "other", { NULL } },
};

static const char *const component_lists[] = {
	"choices", "scale", "source", "target", "steps", NULL
};

static int
chk_interaction_type(struct ctx *c, const json *j)
{
	size_t i;

	if (j->type == JSON_STRING)
		for (i = 0; i < sizeof(itypes) / sizeof(itypes[0]); i++)
			if (json_is_str(j, itypes[i].name))
				return STMT_OK;
	return fail(c, "must be one of true-false, choice, fill-in, "
	    "long-fill-in, matching, performance, sequencing, likert, "
	    "numeric, other");
}

static int
chk_string_array(struct ctx *c, const json *j)
{
	size_t i, old;
	int rc;

	if (j->type != JSON_ARRAY)
		return fail(c, "must be an array of strings");
	for (i = 0; i < j->n; i++) {
		old = push_index(c, i);
		rc = chk_string(c, j->vals[i]);
		pop(c, old);
		if (rc)
			return rc;
	}
	return STMT_OK;
}

static int
chk_component(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "id", "description", NULL };
	const json *id;
	size_t old;
	int rc;

	if ((rc = want_object(c, j)) || (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "id", chk_string, 1)) ||
	    (rc = member(c, j, "description", chk_langmap, 0)))
		return rc;
	id = json_get(j, "id");
	if (id->len == 0) {
		old = push_key(c, "id");
		rc = fail(c, "must not be empty");
		pop(c, old);
		return rc;
	}
	return STMT_OK;
}

/* A list of interaction components whose ids are unique. */
static int
chk_components(struct ctx *c, const json *j)
{
	size_t i, k, old;
	const json *a, *b;
	int rc = STMT_OK;

	if (j->type != JSON_ARRAY)
		return fail(c, "must be an array of interaction components");
	for (i = 0; i < j->n && rc == STMT_OK; i++) {
		old = push_index(c, i);
		rc = chk_component(c, j->vals[i]);
		if (rc == STMT_OK) {
			a = json_get(j->vals[i], "id");
			for (k = 0; k < i; k++) {
				b = json_get(j->vals[k], "id");
				if (a->len == b->len &&
				    memcmp(a->str, b->str, a->len) == 0) {
					rc = fail(c, "id \"%s\" is used twice",
					    a->str);
					break;
				}
			}
		}
		pop(c, old);
	}
	return rc;
}

static int
chk_definition(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "name", "description", "type",
	    "moreInfo", "extensions", "interactionType",
	    "correctResponsesPattern", "choices", "scale", "source", "target",
	    "steps", NULL };
	const json *it;
	const struct itype *t = NULL;
	size_t i, k, old;
	int rc;

	if ((rc = want_object(c, j)) || (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "name", chk_langmap, 0)) ||
	    (rc = member(c, j, "description", chk_langmap, 0)) ||
	    (rc = member(c, j, "type", chk_iri, 0)) ||
	    (rc = member(c, j, "moreInfo", chk_iri, 0)) ||
	    (rc = member(c, j, "extensions", chk_extensions, 0)) ||
	    (rc = member(c, j, "interactionType", chk_interaction_type, 0)) ||
	    (rc = member(c, j, "correctResponsesPattern", chk_string_array,
	    0)))
		return rc;
	it = json_get(j, "interactionType");
	if (it != NULL)
		for (i = 0; i < sizeof(itypes) / sizeof(itypes[0]); i++)
			if (json_is_str(it, itypes[i].name))
				t = &itypes[i];
	if (t == NULL && json_get(j, "correctResponsesPattern") != NULL) {
		old = push_key(c, "correctResponsesPattern");
		rc = fail(c, "requires interactionType");
		pop(c, old);
		return rc;
	}
	for (i = 0; component_lists[i] != NULL; i++) {
		if (json_get(j, component_lists[i]) == NULL)
			continue;
		old = push_key(c, component_lists[i]);
		if (t == NULL)
			rc = fail(c, "requires interactionType");
		else {
			for (k = 0; t->lists[k] != NULL; k++)
				if (strcmp(t->lists[k], component_lists[i]) == 0)
					break;
			if (t->lists[k] == NULL)
				rc = fail(c, "is not allowed with "
				    "interactionType \"%s\"", t->name);
			else
				rc = chk_components(c,
				    json_get(j, component_lists[i]));
		}
		pop(c, old);
		if (rc)
			return rc;
	}
	return STMT_OK;
}

static int
chk_activity_type(struct ctx *c, const json *j)
{
	return json_is_str(j, "Activity") ? STMT_OK :
	    fail(c, "must be \"Activity\"");
}

static int
chk_activity(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "objectType", "id", "definition",
	    NULL };
	int rc;

	if ((rc = want_object(c, j)) ||
	    (rc = member(c, j, "objectType", chk_activity_type, 0)) ||
	    (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "id", chk_iri, 1)) ||
	    (rc = member(c, j, "definition", chk_definition, 0)))
		return rc;
	return STMT_OK;
}

/* StatementRef and SubStatement. */

static int
chk_statementref_type(struct ctx *c, const json *j)
{
	return json_is_str(j, "StatementRef") ? STMT_OK :
	    fail(c, "must be \"StatementRef\"");
}

static int
chk_statementref(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "objectType", "id", NULL };
	int rc;

	if ((rc = want_object(c, j)) ||
	    (rc = member(c, j, "objectType", chk_statementref_type, 1)) ||
	    (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "id", chk_uuid, 1)))
		return rc;
	return STMT_OK;
}

static int	chk_body(struct ctx *, const json *);

static int
chk_substatement(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "objectType", "actor", "verb",
	    "object", "result", "context", "timestamp", "attachments", NULL };
	int rc;

	if (c->in_sub)
		return fail(c, "a SubStatement cannot contain a SubStatement");
	if ((rc = only_keys(c, j, keys)))
		return rc;
	c->in_sub = 1;
	rc = chk_body(c, j);
	c->in_sub = 0;
	return rc;
}

/* The object of a statement, by its objectType (Activity when absent). */
static int
chk_object(struct ctx *c, const json *j)
{
	const json *ot;
	size_t old;
	int rc;

	if ((rc = want_object(c, j)))
		return rc;
	ot = json_get(j, "objectType");
	if (ot == NULL || json_is_str(ot, "Activity"))
		return chk_activity(c, j);
	if (json_is_str(ot, "Agent"))
		return chk_agent(c, j);
	if (json_is_str(ot, "Group"))
		return chk_group(c, j);
	if (json_is_str(ot, "StatementRef"))
		return chk_statementref(c, j);
	if (json_is_str(ot, "SubStatement"))
		return chk_substatement(c, j);
	old = push_key(c, "objectType");
	rc = fail(c, "must be one of Activity, Agent, Group, StatementRef, "
	    "SubStatement");
	pop(c, old);
	return rc;
}

/* Result. */

static int
chk_score(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "scaled", "raw", "min", "max",
	    NULL };
	const json *scaled, *raw, *min, *max;
	int rc;

	if ((rc = want_object(c, j)) || (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "scaled", chk_number, 0)) ||
	    (rc = member(c, j, "raw", chk_number, 0)) ||
	    (rc = member(c, j, "min", chk_number, 0)) ||
	    (rc = member(c, j, "max", chk_number, 0)))
		return rc;
	scaled = json_get(j, "scaled");
	raw = json_get(j, "raw");
	min = json_get(j, "min");
	max = json_get(j, "max");
	if (scaled != NULL && (scaled->num < -1 || scaled->num > 1))
		return fail(c, "scaled must be between -1 and 1");
	if (min != NULL && max != NULL && !(min->num < max->num))
		return fail(c, "min must be less than max");
	if (raw != NULL && min != NULL && raw->num < min->num)
		return fail(c, "raw must not be less than min");
	if (raw != NULL && max != NULL && raw->num > max->num)
		return fail(c, "raw must not be greater than max");
	return STMT_OK;
}

static int
chk_result(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "score", "success", "completion",
	    "response", "duration", "extensions", NULL };
	int rc;

	if ((rc = want_object(c, j)) || (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "score", chk_score, 0)) ||
	    (rc = member(c, j, "success", chk_bool, 0)) ||
	    (rc = member(c, j, "completion", chk_bool, 0)) ||
	    (rc = member(c, j, "response", chk_string, 0)) ||
	    (rc = member(c, j, "duration", chk_duration, 0)) ||
	    (rc = member(c, j, "extensions", chk_extensions, 0)))
		return rc;
	return STMT_OK;
}

/* Context. */

/* One Activity or an array of them. */
static int
chk_activity_list(struct ctx *c, const json *j)
{
	size_t i, old;
	int rc;

	if (j->type == JSON_OBJECT)
		return chk_activity(c, j);
	if (j->type != JSON_ARRAY)
		return fail(c, "must be an Activity or an array of Activities");
	for (i = 0; i < j->n; i++) {
		old = push_index(c, i);
		rc = chk_activity(c, j->vals[i]);
		pop(c, old);
		if (rc)
			return rc;
	}
	return STMT_OK;
}

static int
chk_context_activities(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "parent", "grouping", "category",
	    "other", NULL };
	size_t i;
	int rc;

	if ((rc = want_object(c, j)) || (rc = only_keys(c, j, keys)))
		return rc;
	for (i = 0; keys[i] != NULL; i++)
		if ((rc = member(c, j, keys[i], chk_activity_list, 0)))
			return rc;
	return STMT_OK;
}

static int
chk_relevant_types(struct ctx *c, const json *j)
{
	size_t i, old;
	int rc;

	if (j->type != JSON_ARRAY || j->n == 0)
		return fail(c, "must be a non-empty array of IRIs");
	for (i = 0; i < j->n; i++) {
		old = push_index(c, i);
		rc = chk_iri(c, j->vals[i]);
		pop(c, old);
		if (rc)
			return rc;
	}
	return STMT_OK;
}

static int
chk_context_agent_type(struct ctx *c, const json *j)
{
	return json_is_str(j, "contextAgent") ? STMT_OK :
	    fail(c, "must be \"contextAgent\"");
}

static int
chk_context_group_type(struct ctx *c, const json *j)
{
	return json_is_str(j, "contextGroup") ? STMT_OK :
	    fail(c, "must be \"contextGroup\"");
}

static int
chk_context_agent(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "objectType", "agent",
	    "relevantTypes", NULL };
	int rc;

	if ((rc = want_object(c, j)) ||
	    (rc = member(c, j, "objectType", chk_context_agent_type, 1)) ||
	    (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "agent", chk_agent, 1)) ||
	    (rc = member(c, j, "relevantTypes", chk_relevant_types, 0)))
		return rc;
	return STMT_OK;
}

static int
chk_context_group(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "objectType", "group",
	    "relevantTypes", NULL };
	int rc;

	if ((rc = want_object(c, j)) ||
	    (rc = member(c, j, "objectType", chk_context_group_type, 1)) ||
	    (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "group", chk_group, 1)) ||
	    (rc = member(c, j, "relevantTypes", chk_relevant_types, 0)))
		return rc;
	return STMT_OK;
}

static int
each(struct ctx *c, const json *j, check_fn fn, const char *what)
{
	size_t i, old;
	int rc;

	if (j->type != JSON_ARRAY)
		return fail(c, "must be an array of %s", what);
	for (i = 0; i < j->n; i++) {
		old = push_index(c, i);
		rc = fn(c, j->vals[i]);
		pop(c, old);
		if (rc)
			return rc;
	}
	return STMT_OK;
}

static int
chk_context_agents(struct ctx *c, const json *j)
{
	return each(c, j, chk_context_agent, "contextAgent objects");
}

static int
chk_context_groups(struct ctx *c, const json *j)
{
	return each(c, j, chk_context_group, "contextGroup objects");
}

static int
chk_context(struct ctx *c, const json *j)
{
	static const char *const keys1[] = { "registration", "instructor",
	    "team", "contextActivities", "revision", "platform", "language",
	    "statement", "extensions", NULL };
	static const char *const keys2[] = { "registration", "instructor",
	    "team", "contextActivities", "revision", "platform", "language",
	    "statement", "extensions", "contextAgents", "contextGroups", NULL };
	int rc;

	if ((rc = want_object(c, j)) ||
	    (rc = only_keys(c, j, c->v == XAPI_V2 ? keys2 : keys1)) ||
	    (rc = member(c, j, "registration", chk_uuid, 0)) ||
	    (rc = member(c, j, "instructor", chk_actor, 0)) ||
	    (rc = member(c, j, "team", chk_group, 0)) ||
	    (rc = member(c, j, "contextActivities", chk_context_activities,
	    0)) ||
	    (rc = member(c, j, "revision", chk_string, 0)) ||
	    (rc = member(c, j, "platform", chk_string, 0)) ||
	    (rc = member(c, j, "language", chk_langtag, 0)) ||
	    (rc = member(c, j, "statement", chk_statementref, 0)) ||
	    (rc = member(c, j, "extensions", chk_extensions, 0)) ||
	    (rc = member(c, j, "contextAgents", chk_context_agents, 0)) ||
	    (rc = member(c, j, "contextGroups", chk_context_groups, 0)))
		return rc;
	return STMT_OK;
}

/* Attachments. */

/* type "/" subtype, each a run of RFC 6838 name characters, then
 * parameters.  The value becomes a header line of multipart replies, so
 * it may hold no control character: a CR or LF would forge headers. */
static int
chk_media_type(struct ctx *c, const json *j)
{
	static const char tchars[] = "!#$&-^_.+";
	size_t i, n;
	int part, rc;

	if (j->type != JSON_STRING)
		return fail(c, "must be an Internet media type string");
	if ((rc = utf8_check_line(j->str, j->len, &i)) != UTF8_OK)
		return fail(c, "holds %s at byte %zu", utf8_strerror(rc), i);
	for (i = 0, part = 0; part < 2; part++) {
		for (n = 0; i < j->len; i++, n++) {
			unsigned char ch = (unsigned char)j->str[i];
			if (!is_alpha(ch) && !is_digit(ch) &&
			    strchr(tchars, ch) == NULL)
				break;
		}
		if (n == 0 || (part == 0 && (i == j->len || j->str[i++] != '/')))
			return fail(c, "must be an Internet media type");
	}
	if (i < j->len && j->str[i] != ';' && j->str[i] != ' ' &&
	    j->str[i] != '\t')
		return fail(c, "must be an Internet media type");
	return STMT_OK;
}

static int
chk_length(struct ctx *c, const json *j)
{
	size_t i;

	/* An integer literal: no fraction, no exponent, no sign. */
	if (j->type != JSON_NUMBER)
		return fail(c, "must be a non-negative integer");
	for (i = 0; i < j->len; i++)
		if (!is_digit((unsigned char)j->str[i]))
			return fail(c, "must be a non-negative integer");
	return STMT_OK;
}

/* The hex digest of SHA-224, -256, -384 or -512. */
static int
chk_sha2(struct ctx *c, const json *j)
{
	size_t i;

	if (j->type != JSON_STRING || (j->len != 56 && j->len != 64 &&
	    j->len != 96 && j->len != 128))
		return fail(c, "must be a hexadecimal SHA-2 digest");
	for (i = 0; i < j->len; i++)
		if (!is_hex((unsigned char)j->str[i]))
			return fail(c, "must be a hexadecimal SHA-2 digest");
	return STMT_OK;
}

static int
chk_attachment(struct ctx *c, const json *j)
{
	static const char *const keys[] = { "usageType", "display",
	    "description", "contentType", "length", "sha2", "fileUrl", NULL };
	size_t old;
	int rc;

	if ((rc = want_object(c, j)) || (rc = only_keys(c, j, keys)) ||
	    (rc = member(c, j, "usageType", chk_iri, 1)) ||
	    (rc = member(c, j, "display", chk_langmap, 1)) ||
	    (rc = member(c, j, "description", chk_langmap, 0)) ||
	    (rc = member(c, j, "contentType", chk_media_type, 1)) ||
	    (rc = member(c, j, "length", chk_length, 1)) ||
	    (rc = member(c, j, "sha2", chk_sha2, 1)) ||
	    (rc = member(c, j, "fileUrl", chk_iri, 0)))
		return rc;
	/* A JWS signature travels as application/octet-stream. */
	if (json_is_str(json_get(j, "usageType"), XAPI_SIGNATURE_USAGE) &&
	    !json_is_str(json_get(j, "contentType"),
	    "application/octet-stream")) {
		old = push_key(c, "contentType");
		rc = fail(c, "a signature must be application/octet-stream");
		pop(c, old);
		return rc;
	}
	return STMT_OK;
}

static int
chk_attachments(struct ctx *c, const json *j)
{
	return each(c, j, chk_attachment, "attachment objects");
}

/* Statement. */

/* 1.0.x is accepted by both versions; 2.0.x only by 2.0.0. */
static int
chk_version(struct ctx *c, const json *j)
{
	const char *s;
	size_t i;

	if (j->type != JSON_STRING)
		return fail(c, "must be a version string");
	s = j->str;
	if (j->len < 3 || (memcmp(s, "1.0", 3) != 0 &&
	    (c->v != XAPI_V2 || memcmp(s, "2.0", 3) != 0)))
		goto bad;
	if (j->len == 3)
		return STMT_OK;
	if (s[3] != '.' || j->len == 4)
		goto bad;
	for (i = 4; i < j->len; i++)
		if (!is_digit((unsigned char)s[i]))
			goto bad;
	return STMT_OK;
bad:
	return fail(c, c->v == XAPI_V2 ? "must be 1.0.x or 2.0.x" :
	    "must be 1.0.x");
}

/* revision and platform describe an Activity: they may only be used when
 * the statement's object is one. */
static int
chk_context_fits_object(struct ctx *c, const json *st)
{
	const json *ctx = json_get(st, "context"), *obj, *ot;
	static const char *const only[] = { "revision", "platform", NULL };
	size_t i, old;
	int rc;

	obj = json_get(st, "object");
	ot = json_get(obj, "objectType");
	if (ot == NULL || json_is_str(ot, "Activity"))
		return STMT_OK;
	for (i = 0; only[i] != NULL; i++) {
		if (json_get(ctx, only[i]) == NULL)
			continue;
		old = push_key(c, "context");
		push_key(c, only[i]);
		rc = fail(c, "may only be used when the object is an Activity");
		pop(c, old);
		return rc;
	}
	return STMT_OK;
}

/* What a Statement and a SubStatement share. */
static int
chk_body(struct ctx *c, const json *j)
{
	const json *verb;
	size_t old;
	int rc;

	if ((rc = member(c, j, "actor", chk_actor, 1)) ||
	    (rc = member(c, j, "verb", chk_verb, 1)) ||
	    (rc = member(c, j, "object", chk_object, 1)) ||
	    (rc = member(c, j, "result", chk_result, 0)) ||
	    (rc = member(c, j, "context", chk_context, 0)) ||
	    (rc = member(c, j, "timestamp", chk_timestamp, 0)) ||
	    (rc = member(c, j, "attachments", chk_attachments, 0)) ||
	    (rc = chk_context_fits_object(c, j)))
		return rc;
	verb = json_get(j, "verb");
	if (json_is_str(json_get(verb, "id"), XAPI_VOIDED_VERB) &&
	    !json_is_str(json_get(json_get(j, "object"), "objectType"),
	    "StatementRef")) {
		old = push_key(c, "object");
		rc = fail(c, "a voiding statement's object must be a "
		    "StatementRef");
		pop(c, old);
		return rc;
	}
	return STMT_OK;
}

int
stmt_validate(const json *st, enum xapi_version v, char *err, size_t errlen)
{
	static const char *const keys[] = { "id", "actor", "verb", "object",
	    "result", "context", "timestamp", "stored", "authority",
	    "version", "attachments", NULL };
	struct ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.v = v;
	c.err = err;
	c.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (st == NULL || st->type != JSON_OBJECT)
		return fail(&c, "must be an object");
	if ((rc = only_keys(&c, st, keys)) ||
	    (rc = member(&c, st, "id", chk_uuid, 0)) ||
	    (rc = chk_body(&c, st)) ||
	    (rc = member(&c, st, "stored", chk_timestamp, 0)) ||
	    (rc = member(&c, st, "authority", chk_authority, 0)) ||
	    (rc = member(&c, st, "version", chk_version, 0)))
		return rc;
	return STMT_OK;
}

int
stmt_validate_actor(const json *actor, enum xapi_version v, const char *name,
    char *err, size_t errlen)
{
	struct ctx c;

	memset(&c, 0, sizeof(c));
	c.v = v;
	c.err = err;
	c.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	push_key(&c, name);
	return chk_actor(&c, actor);
}

/* Context activities are kept as arrays, even when one was sent as a
 * single object, so that readers meet one shape. */
void
stmt_normalize(json *st)
{
	static const char *kinds[] = { "parent", "grouping", "category", "other" };
	json *ca = json_get(json_get(st, "context"), "contextActivities");
	json *obj = json_get(st, "object"), *one, *arr;
	size_t k;

	for (k = 0; ca && ca->type == JSON_OBJECT && k < 4; k++) {
		one = json_get(ca, kinds[k]);
		if (one == NULL || one->type != JSON_OBJECT)
			continue;
		arr = json_new(JSON_ARRAY);
		json_push(arr, json_take(ca, kinds[k]));
		json_set(ca, kinds[k], arr);
	}
	if (json_is_str(json_get(obj, "objectType"), "SubStatement"))
		stmt_normalize(obj);
}
