/* schema: a JSON Schema (draft-07 subset) validator on the json tree.
 *
 * Compiling copies the document and turns each subschema into a struct
 * node; a $ref points straight at the node of its target, so validation
 * never resolves anything.  After compiling, nothing is written, which is
 * what makes concurrent validation safe.
 */
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "schema.h"
#include "hex.h"
#include "xalloc.h"

/* Bits of the "type" keyword; T_SET tells an empty list from none. */
enum {
	T_NULL = 1, T_BOOLEAN = 2, T_OBJECT = 4, T_ARRAY = 8, T_NUMBER = 16,
	T_STRING = 32, T_INTEGER = 64, T_SET = 128
};
static const char *const type_names[] = {
	"null", "boolean", "object", "array", "number", "string", "integer"
};
static const char *const type_nouns[] = {
	"null", "a boolean", "an object", "an array", "a number", "a string",
	"an integer"
};

enum { F_NONE, F_DATE, F_DATETIME, F_URI };

struct node;

struct list {
	struct node	**v;
	size_t		  n;
};

/* A member of properties, patternProperties, dependencies, definitions. */
struct named {
	const char	*key;	/* in the schema's copy of the document */
	struct node	*s;	/* NULL for a dependency on property names */
	const json	*names;	/* dependencies: the properties required */
	regex_t		 re;	/* patternProperties: key compiled */
};

struct map {
	struct named	*v;
	size_t		 n;
};

struct node {
	const json	*src;	/* the subschema in the copied document */
	char		*path;	/* its JSON pointer there, for errors */
	int		 always;	/* boolean schema: 0 or 1; else -1 */
	int		 mark;	/* loop check: 1 on the way, 2 done */
	struct node	*ref;	/* set: nothing else counts */
	unsigned	 types;
	const json	*enumv, *constv, *required;
	const json	*minimum, *maximum, *exmin, *exmax, *multipleof;
	const json	*minlen, *maxlen, *minitems, *maxitems;
	const json	*minprops, *maxprops;
	int		 unique, format, is_tuple;
	regex_t		 pattern;
	const char	*pattern_src;	/* set: pattern holds a regex */
	struct map	 props, pprops, deps, defs;
	struct node	*addprops, *propnames, *items, *additems, *contains;
	struct node	*not, *cond, *then, *otherwise;
	struct list	 tuple, allof, anyof, oneof;
};

struct schema {
	json		 *doc;	/* our copy; nodes point into it */
	struct node	 *root;
	struct node	**nodes;	/* every node, for lookup and free */
	size_t		  n, cap;
};

struct strv {
	char	**v;
	size_t	  n;
};

/* Compile state. */
struct cc {
	schema		*s;
	struct strv	 unknown;	/* paths of unknown keywords */
	struct strv	 targets;	/* paths $refs point to */
	char		*err;
	size_t		 errlen;
};

/* A place in the instance: a chain up to the root (NULL). */
struct ipath {
	const struct ipath	*up;
	const char		*key;	/* NULL: idx is an array index */
	size_t			 idx;
};

/* Validation state: err NULL when only the verdict is wanted. */
struct vc {
	char	*err;
	size_t	 errlen;
};

static const struct vc quiet = { NULL, 0 };

static int compile_node(struct cc *, const json *, const char *,
    struct node **);
static int validate(const struct node *, const json *, const struct ipath *,
    const struct vc *);

/* ---- helpers ---- */

static void
strv_push(struct strv *sv, const char *s)
{
	sv->v = xrealloc(sv->v, (sv->n + 1) * sizeof(*sv->v));
	sv->v[sv->n++] = xstrdup(s);
}

static void
strv_free(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
}

/* Append key to b as one RFC 6901 reference token. */
static void
put_token(struct buf *b, const char *key)
{
	buf_putc(b, '/');
	for (; *key != '\0'; key++)
		if (*key == '~')
			buf_puts(b, "~0");
		else if (*key == '/')
			buf_puts(b, "~1");
		else
			buf_putc(b, *key);
}

/* path + "/" + key (escaped) as a new string; key NULL gives the index. */
static char *
join(const char *path, const char *key, size_t idx)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, path);
	if (key != NULL)
		put_token(&b, key);
	else
		buf_printf(&b, "/%zu", idx);
	return buf_detach(&b, NULL);
}

/* Write "where: message" into err; an empty where is the root, "/". */
static void
vseterr(char *err, size_t errlen, const char *where, const char *fmt,
    va_list ap)
{
	struct buf b = BUF_INIT;

	if (err == NULL || errlen == 0)
		return;
	buf_printf(&b, "%s: ", *where != '\0' ? where : "/");
	buf_vprintf(&b, fmt, ap);
	snprintf(err, errlen, "%s", b.p);
	buf_free(&b);
}

/* A bad schema at path. */
static int
bad(struct cc *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(struct cc *c, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(c->err, c->errlen, path, fmt, ap);
	va_end(ap);
	return SCHEMA_EBADSCHEMA;
}

/* The instance does not validate at p. */
static int
fail(const struct vc *v, const struct ipath *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
put_ipath(struct buf *b, const struct ipath *p)
{
	if (p == NULL)
		return;
	put_ipath(b, p->up);
	if (p->key != NULL)
		put_token(b, p->key);
	else
		buf_printf(b, "/%zu", p->idx);
}

static int
fail(const struct vc *v, const struct ipath *p, const char *fmt, ...)
{
	struct buf where = BUF_INIT;
	va_list ap;

	if (v->err == NULL)
		return SCHEMA_EINVALID;
	put_ipath(&where, p);
	va_start(ap, fmt);
	vseterr(v->err, v->errlen, where.p != NULL ? where.p : "", fmt, ap);
	va_end(ap);
	buf_free(&where);
	return SCHEMA_EINVALID;
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static int
isalpha_ascii(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_integral(double x)
{
	return isfinite(x) && x == floor(x);
}

/* Nonzero when j is a number >= 0 without a fraction. */
static int
is_count(const json *j)
{
	return j->type == JSON_NUMBER && is_integral(j->num) && j->num >= 0;
}

/* ---- compiling ---- */

static struct node *
new_node(schema *s, const json *src, const char *path)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->src = src;
	n->path = xstrdup(path);
	n->always = -1;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->nodes = xrealloc(s->nodes, s->cap * sizeof(*s->nodes));
	}
	s->nodes[s->n++] = n;
	return n;
}

/* Compile member key of object schema j (at path) as a subschema. */
static int
compile_member(struct cc *c, const json *j, size_t i, const char *path,
    struct node **out)
{
	char *p = j->type == JSON_OBJECT ? join(path, j->keys[i], 0) :
	    join(path, NULL, i);
	int rc = compile_node(c, j->vals[i], p, out);

	free(p);
	return rc;
}

/* Compile a POSIX extended regular expression, refusing ECMA 262 escapes
 * that POSIX would read as something else. */
static int
compile_re(struct cc *c, const char *path, const char *src, size_t len,
    regex_t *re)
{
	const char *p;

	if (strlen(src) != len)
		return bad(c, path, "pattern must not contain NUL");
	for (p = src; *p != '\0'; p++) {
		if (*p != '\\' || p[1] == '\0')
			continue;
		p++;
		if (isalpha_ascii(*p) && strchr("wWsSbB", *p) == NULL)
			return bad(c, path, "pattern '%s': \\%c is not "
			    "supported (patterns are POSIX extended regular "
			    "expressions)", src, *p);
	}
	if (regcomp(re, src, REG_EXTENDED | REG_NOSUB) != 0)
		return bad(c, path, "pattern '%s' is not a valid POSIX "
		    "extended regular expression", src);
	return 0;
}

/* What a keyword's value is, which says how it is compiled. */
enum {
	K_NOTE,		/* an annotation, ignored */
	K_ANY,		/* any value, kept (const) */
	K_NUMBER, K_POSITIVE, K_COUNT, K_ENUM, K_NAMES, K_BOOL, K_TYPE,
	K_SCHEMA, K_LIST, K_ITEMS, K_MAP, K_PATTERNS, K_DEPS, K_PATTERN,
	K_FORMAT, K_ID
};

#define AT(field) offsetof(struct node, field)

/* Every keyword we know and where in the node it goes. */
static const struct keyword {
	const char	*name;
	int		 kind;
	size_t		 off;
} keywords[] = {
	{ "type", K_TYPE, 0 },
	{ "enum", K_ENUM, AT(enumv) },
	{ "const", K_ANY, AT(constv) },
	{ "minimum", K_NUMBER, AT(minimum) },
	{ "maximum", K_NUMBER, AT(maximum) },
	{ "exclusiveMinimum", K_NUMBER, AT(exmin) },
	{ "exclusiveMaximum", K_NUMBER, AT(exmax) },
	{ "multipleOf", K_POSITIVE, AT(multipleof) },
	{ "minLength", K_COUNT, AT(minlen) },
	{ "maxLength", K_COUNT, AT(maxlen) },
	{ "pattern", K_PATTERN, 0 },
	{ "format", K_FORMAT, 0 },
	{ "minItems", K_COUNT, AT(minitems) },
	{ "maxItems", K_COUNT, AT(maxitems) },
	{ "uniqueItems", K_BOOL, AT(unique) },
	{ "items", K_ITEMS, 0 },
	{ "additionalItems", K_SCHEMA, AT(additems) },
	{ "contains", K_SCHEMA, AT(contains) },
	{ "minProperties", K_COUNT, AT(minprops) },
	{ "maxProperties", K_COUNT, AT(maxprops) },
	{ "required", K_NAMES, AT(required) },
	{ "properties", K_MAP, AT(props) },
	{ "patternProperties", K_PATTERNS, AT(pprops) },
	{ "additionalProperties", K_SCHEMA, AT(addprops) },
	{ "propertyNames", K_SCHEMA, AT(propnames) },
	{ "dependencies", K_DEPS, AT(deps) },
	{ "allOf", K_LIST, AT(allof) },
	{ "anyOf", K_LIST, AT(anyof) },
	{ "oneOf", K_LIST, AT(oneof) },
	{ "not", K_SCHEMA, AT(not) },
	{ "if", K_SCHEMA, AT(cond) },
	{ "then", K_SCHEMA, AT(then) },
	{ "else", K_SCHEMA, AT(otherwise) },
	{ "definitions", K_MAP, AT(defs) },
	{ "$id", K_ID, 0 },
	{ "$schema", K_NOTE, 0 }, { "$comment", K_NOTE, 0 },
	{ "title", K_NOTE, 0 }, { "description", K_NOTE, 0 },
	{ "default", K_NOTE, 0 }, { "examples", K_NOTE, 0 },
	{ "readOnly", K_NOTE, 0 }, { "writeOnly", K_NOTE, 0 },
	{ "contentMediaType", K_NOTE, 0 }, { "contentEncoding", K_NOTE, 0 },
	{ NULL, 0, 0 }
};

/* Nonzero when v is an array of distinct strings. */
static int
is_names(const json *v)
{
	size_t i, k;

	if (v->type != JSON_ARRAY)
		return 0;
	for (i = 0; i < v->n; i++) {
		if (v->vals[i]->type != JSON_STRING)
			return 0;
		for (k = 0; k < i; k++)
			if (json_equal(v->vals[i], v->vals[k]))
				return 0;
	}
	return 1;
}

static int
compile_type(struct cc *c, struct node *n, const json *v, const char *path)
{
	const json *t;
	size_t i, k, count = v->type == JSON_ARRAY ? v->n : 1;

	n->types = T_SET;
	for (i = 0; i < count; i++) {
		t = v->type == JSON_ARRAY ? v->vals[i] : v;
		for (k = 0; k < 7 && !json_is_str(t, type_names[k]); k++)
			;
		if (k == 7)
			return bad(c, path, "must be a type name (null, "
			    "boolean, object, array, number, string, "
			    "integer) or an array of them");
		if (n->types & 1u << k)
			return bad(c, path, "names type '%s' twice",
			    type_names[k]);
		n->types |= 1u << k;
	}
	return 0;
}

/* allOf, anyOf, oneOf (non-empty) and items (may be empty). */
static int
compile_list(struct cc *c, const json *v, const char *path, struct list *l,
    int may_be_empty)
{
	size_t i;
	int rc;

	if (v->type != JSON_ARRAY || (v->n == 0 && !may_be_empty))
		return bad(c, path, "must be a non-empty array of schemas");
	l->v = xcalloc(v->n + 1, sizeof(*l->v));
	for (i = 0; i < v->n; i++, l->n++)
		if ((rc = compile_member(c, v, i, path, &l->v[i])) != 0)
			return rc;
	return 0;
}

/* properties, patternProperties, dependencies, definitions: an object of
 * schemas (dependencies may also hold arrays of property names). */
static int
compile_map(struct cc *c, int kind, const json *v, const char *path,
    struct map *m)
{
	struct named *e;
	size_t i;
	int rc;

	if (v->type != JSON_OBJECT)
		return bad(c, path, "must be an object");
	m->v = xcalloc(v->n + 1, sizeof(*m->v));
	for (i = 0; i < v->n; i++) {
		e = &m->v[i];
		e->key = v->keys[i];
		if (kind == K_PATTERNS && (rc = compile_re(c, path, e->key,
		    strlen(e->key), &e->re)) != 0)
			return rc;
		m->n++;	/* after the regex: it counts those to free */
		if (kind == K_DEPS && v->vals[i]->type == JSON_ARRAY) {
			if (!is_names(v->vals[i]))
				return bad(c, path, "'%s' must be a schema or "
				    "an array of distinct strings", e->key);
			e->names = v->vals[i];
		} else if ((rc = compile_member(c, v, i, path, &e->s)) != 0)
			return rc;
	}
	return 0;
}

/* The keywords whose value is checked and kept as it is. */
static int
compile_plain(struct cc *c, int kind, const json *v, const char *path)
{
	if (kind == K_NUMBER && v->type != JSON_NUMBER)
		return bad(c, path, "must be a number");
	if (kind == K_POSITIVE && (v->type != JSON_NUMBER || !(v->num > 0)))
		return bad(c, path, "must be a number greater than 0");
	if (kind == K_COUNT && !is_count(v))
		return bad(c, path, "must be a non-negative integer");
	if (kind == K_ENUM && (v->type != JSON_ARRAY || v->n == 0))
		return bad(c, path, "must be a non-empty array");
	if (kind == K_NAMES && !is_names(v))
		return bad(c, path, "must be an array of distinct strings");
	return 0;
}

/* Compile keyword k of n, whose value is v, found at path. */
static int
compile_value(struct cc *c, struct node *n, const struct keyword *k,
    const json *v, const char *path)
{
	void *at = (char *)n + k->off;
	int rc;

	switch (k->kind) {
	case K_NOTE:
		return 0;
	case K_TYPE:
		return compile_type(c, n, v, path);
	case K_SCHEMA:
		return compile_node(c, v, path, at);
	case K_LIST:
		return compile_list(c, v, path, at, 0);
	case K_ITEMS:
		if (v->type != JSON_ARRAY)
			return compile_node(c, v, path, &n->items);
		n->is_tuple = 1;
		return compile_list(c, v, path, &n->tuple, 1);
	case K_MAP:
	case K_PATTERNS:
	case K_DEPS:
		return compile_map(c, k->kind, v, path, at);
	case K_BOOL:
		if (v->type != JSON_TRUE && v->type != JSON_FALSE)
			return bad(c, path, "must be true or false");
		*(int *)at = v->type == JSON_TRUE;
		return 0;
	case K_PATTERN:
		if (v->type != JSON_STRING)
			return bad(c, path, "must be a string");
		if ((rc = compile_re(c, path, v->str, v->len, &n->pattern)))
			return rc;
		n->pattern_src = v->str;
		return 0;
	case K_FORMAT:
		if (v->type != JSON_STRING)
			return bad(c, path, "must be a string");
		n->format = json_is_str(v, "date") ? F_DATE :
		    json_is_str(v, "date-time") ? F_DATETIME :
		    json_is_str(v, "uri") ? F_URI : F_NONE;
		return 0;
	case K_ID:
		if (v->type != JSON_STRING || n->path[0] != '\0')
			return bad(c, path, "$id is only supported at the "
			    "root, as a string (below, it would change what "
			    "$refs mean)");
		return 0;
	}
	if ((rc = compile_plain(c, k->kind, v, path)) != 0)
		return rc;
	*(const json **)at = v;
	return 0;
}

static int
compile_keyword(struct cc *c, struct node *n, const char *key, const json *v)
{
	const struct keyword *k;
	char *path = join(n->path, key, 0);
	int rc = 0;

	for (k = keywords; k->name != NULL && strcmp(k->name, key) != 0; k++)
		;
	if (k->name == NULL)
		strv_push(&c->unknown, path);	/* judged once refs are known */
	else
		rc = compile_value(c, n, k, v, path);
	free(path);
	return rc;
}

/* Percent-decode s into a new string; NULL when an escape is broken or
 * decodes to NUL. */
static char *
percent_decode(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		if ((hi = hex_digit(s[1])) < 0 || (lo = hex_digit(s[2])) < 0 ||
		    hi + lo == 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*o = '\0';
	return out;
}

/* One reference token of ptr (after its '/'), unescaped, as a new string;
 * *next gets what follows it.  NULL for a bad ~ escape. */
static char *
pointer_token(const char *ptr, const char **next)
{
	size_t len = strcspn(ptr, "/");
	char *tok = xmalloc(len + 1), *o = tok;
	const char *p;

	for (p = ptr; p < ptr + len; p++) {
		if (*p == '~' && (p[1] == '0' || p[1] == '1'))
			*o++ = *++p == '0' ? '~' : '/';
		else if (*p == '~') {
			free(tok);
			return NULL;
		} else
			*o++ = *p;
	}
	*o = '\0';
	*next = ptr + len;
	return tok;
}

/* Member tok of j (an array index when j is an array), or NULL. */
static const json *
pointer_step(const json *j, const char *tok)
{
	char *end;
	unsigned long i;

	if (j->type == JSON_OBJECT)
		return json_get(j, tok);
	if (j->type != JSON_ARRAY || !isdig(*tok) ||
	    (tok[0] == '0' && tok[1] != '\0'))
		return NULL;
	i = strtoul(tok, &end, 10);
	return *end == '\0' && i < j->n ? j->vals[i] : NULL;
}

/* Compile the target of n's $ref, which must be a local JSON pointer. */
static int
compile_ref(struct cc *c, struct node *n, const json *ref)
{
	const json *j = c->s->doc;
	const char *p;
	char *ptr = NULL, *tok;
	int rc;

	if (ref->type != JSON_STRING)
		return bad(c, n->path, "$ref must be a string");
	if (ref->str[0] != '#')
		return bad(c, n->path, "remote $ref '%s' is not supported "
		    "(only '#' and '#/...' within this document)", ref->str);
	ptr = percent_decode(ref->str + 1);
	if (ptr == NULL || (ptr[0] != '\0' && ptr[0] != '/')) {
		rc = bad(c, n->path, "$ref '%s' is not a JSON pointer "
		    "('#' or '#/...')", ref->str);
		goto out;
	}
	for (p = ptr; *p == '/' && j != NULL; free(tok)) {
		if ((tok = pointer_token(p + 1, &p)) == NULL)
			break;
		j = pointer_step(j, tok);
	}
	if (*p != '\0' || j == NULL) {
		rc = bad(c, n->path, "$ref '%s' points to nothing in this "
		    "document", ref->str);
		goto out;
	}
	strv_push(&c->targets, ptr);
	rc = compile_node(c, j, ptr, &n->ref);
out:
	free(ptr);
	return rc;
}

/* Compile subschema j found at path into *out, or find the node it
 * already has (which is how recursive $refs end). */
static int
compile_node(struct cc *c, const json *j, const char *path,
    struct node **out)
{
	struct node *n;
	const json *ref;
	size_t i;
	int rc;

	for (i = 0; i < c->s->n; i++)
		if (c->s->nodes[i]->src == j) {
			*out = c->s->nodes[i];
			return 0;
		}
	*out = n = new_node(c->s, j, path);
	if (j->type == JSON_TRUE || j->type == JSON_FALSE) {
		n->always = j->type == JSON_TRUE;
		return 0;
	}
	if (j->type != JSON_OBJECT)
		return bad(c, path, "a schema must be an object or a boolean");
	if ((ref = json_get(j, "$ref")) != NULL)
		return compile_ref(c, n, ref);
	for (i = 0; i < j->n; i++)
		if ((rc = compile_keyword(c, n, j->keys[i], j->vals[i])) != 0)
			return rc;
	return 0;
}

/* Refuse unknown keywords, except those a $ref points into. */
static int
check_unknown(struct cc *c)
{
	const char *u, *t;
	char *where;
	size_t i, k, len;
	int rc;

	for (i = 0; i < c->unknown.n; i++) {
		u = c->unknown.v[i];
		len = strlen(u);
		for (k = 0; k < c->targets.n; k++) {
			t = c->targets.v[k];
			if (strncmp(t, u, len) == 0 &&
			    (t[len] == '\0' || t[len] == '/'))
				break;
		}
		if (k == c->targets.n) {
			t = strrchr(u, '/');
			where = xstrndup(u, (size_t)(t - u));
			rc = bad(c, where, "unsupported keyword '%s'", t + 1);
			free(where);
			return rc;
		}
	}
	return 0;
}

/* Refuse a node that reaches itself through subschemas applied to the
 * same instance ($ref, allOf, anyOf, oneOf, not, if/then/else,
 * dependencies): validating it would never end. */
static int
check_loops(struct cc *c, struct node *n)
{
	struct node *one[] = { n->ref, n->not, n->cond, n->then, n->otherwise };
	const struct list *lists[] = { &n->allof, &n->anyof, &n->oneof };
	size_t i, k;
	int rc = 0;

	if (n->mark == 1)
		return bad(c, n->path, "this schema refers to itself without "
		    "looking deeper into the instance");
	if (n->mark == 2)
		return 0;
	n->mark = 1;
	for (i = 0; i < 5 && rc == 0; i++)
		if (one[i] != NULL)
			rc = check_loops(c, one[i]);
	for (i = 0; i < 3 && rc == 0; i++)
		for (k = 0; k < lists[i]->n && rc == 0; k++)
			rc = check_loops(c, lists[i]->v[k]);
	for (i = 0; i < n->deps.n && rc == 0; i++)
		if (n->deps.v[i].s != NULL)
			rc = check_loops(c, n->deps.v[i].s);
	n->mark = 2;
	return rc;
}

int
schema_compile(const json *doc, schema **out, char *err, size_t errlen)
{
	struct cc c = { 0 };
	schema *s = xcalloc(1, sizeof(*s));
	size_t i;
	int rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	s->doc = json_clone(doc);
	c.s = s;
	c.err = err;
	c.errlen = errlen;
	if ((rc = compile_node(&c, s->doc, "", &s->root)) != 0 ||
	    (rc = check_unknown(&c)) != 0)
		goto out;
	for (i = 0; i < s->n && rc == 0; i++)
		rc = check_loops(&c, s->nodes[i]);
out:
	strv_free(&c.unknown);
	strv_free(&c.targets);
	if (rc != 0)
		schema_free(s);
	else
		*out = s;
	return rc;
}

static void
free_node(struct node *n)
{
	size_t i;

	if (n->pattern_src != NULL)
		regfree(&n->pattern);
	for (i = 0; i < n->pprops.n; i++)
		regfree(&n->pprops.v[i].re);
	free(n->props.v);
	free(n->pprops.v);
	free(n->deps.v);
	free(n->defs.v);
	free(n->tuple.v);
	free(n->allof.v);
	free(n->anyof.v);
	free(n->oneof.v);
	free(n->path);
	free(n);
}

void
schema_free(schema *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free_node(s->nodes[i]);
	free(s->nodes);
	json_free(s->doc);
	free(s);
}

/* ---- formats ---- */

/* Nonzero when s matches tmpl, where 'd' stands for any digit. */
static int
fits(const char *s, const char *tmpl)
{
	for (; *tmpl != '\0'; s++, tmpl++)
		if (*tmpl == 'd' ? !isdig(*s) : *s != *tmpl)
			return 0;
	return 1;
}

static int
num2(const char *s)
{
	return (s[0] - '0') * 10 + s[1] - '0';
}

/* YYYY-MM-DD naming a real day. */
static int
is_date(const char *s, size_t len)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int y, m, d;

	if (len != 10 || !fits(s, "dddd-dd-dd"))
		return 0;
	y = num2(s) * 100 + num2(s + 2);
	m = num2(s + 5);
	d = num2(s + 8);
	if (m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 &&
	    ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* RFC 3339 date-time: full-date "T" hh:mm:ss[.frac] ("Z" / +hh:mm). */
static int
is_datetime(const char *s, size_t len)
{
	size_t i = 19;

	if (len < 20 || !is_date(s, 10) || (s[10] != 'T' && s[10] != 't') ||
	    !fits(s + 11, "dd:dd:dd") || num2(s + 11) > 23 ||
	    num2(s + 14) > 59 || num2(s + 17) > 60)
		return 0;
	if (s[i] == '.') {
		for (i++; i < len && isdig(s[i]); i++)
			;
		if (i == 20)
			return 0;
	}
	if (len - i == 1)
		return s[i] == 'Z' || s[i] == 'z';
	return len - i == 6 && (s[i] == '+' || s[i] == '-') &&
	    fits(s + i + 1, "dd:dd") && num2(s + i + 1) <= 23 &&
	    num2(s + i + 4) <= 59;
}

/* A scheme, ':', something; no spaces or control characters. */
static int
is_uri(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !isalpha_ascii(s[0]))
		return 0;
	for (i = 1; i < len && (isalpha_ascii(s[i]) || isdig(s[i]) ||
	    strchr("+-.", s[i]) != NULL) && s[i] != '\0'; i++)
		;
	if (i + 1 >= len || s[i] != ':')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* ---- validating ---- */

static int
re_found(const regex_t *re, const char *s, size_t len)
{
	regmatch_t m[1];

	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)len;
	return regexec(re, s, 1, m, REG_STARTEND) == 0;
}

static int
check_type(const struct node *n, const json *j, const struct ipath *p,
    const struct vc *v)
{
	static const unsigned bits[] = {
		[JSON_NULL] = T_NULL, [JSON_FALSE] = T_BOOLEAN,
		[JSON_TRUE] = T_BOOLEAN, [JSON_NUMBER] = T_NUMBER,
		[JSON_STRING] = T_STRING, [JSON_ARRAY] = T_ARRAY,
		[JSON_OBJECT] = T_OBJECT
	};
	struct buf b = BUF_INIT;
	unsigned have = bits[j->type], k, left;
	int rc;

	if (j->type == JSON_NUMBER && is_integral(j->num))
		have |= T_INTEGER;
	if (n->types == 0 || (n->types & have) != 0)
		return 0;
	if (n->types == T_SET)
		return fail(v, p, "no value is allowed here ('type' is empty)");
	left = n->types & ~T_SET;
	buf_puts(&b, "must be ");
	for (k = 0; left != 0; k++) {
		if (!(left & 1u << k))
			continue;
		left &= ~(1u << k);
		buf_puts(&b, type_nouns[k]);
		if (left != 0)
			buf_puts(&b, left & (left - 1) ? ", " : " or ");
	}
	rc = fail(v, p, "%s", b.p);
	buf_free(&b);
	return rc;
}

static int
check_value(const struct node *n, const json *j, const struct ipath *p,
    const struct vc *v)
{
	struct buf b = BUF_INIT;
	size_t i;
	int rc;

	if (n->constv != NULL && !json_equal(n->constv, j)) {
		json_dump(n->constv, &b);
		rc = fail(v, p, "must be %s", b.p);
		goto out;
	}
	for (i = 0; n->enumv != NULL && i < n->enumv->n; i++)
		if (json_equal(n->enumv->vals[i], j))
			return 0;
	if (n->enumv == NULL)
		return 0;
	for (i = 0; i < n->enumv->n; i++) {
		buf_puts(&b, i > 0 ? ", " : "");
		json_dump(n->enumv->vals[i], &b);
	}
	rc = fail(v, p, "must be %s%s", n->enumv->n > 1 ? "one of " : "", b.p);
out:
	buf_free(&b);
	return rc;
}

/* Nonzero when x / m is a whole number, allowing for binary fractions
 * (0.0075 is a multiple of 0.0001). */
static int
is_multiple(double x, double m)
{
	double q = x / m;

	return isfinite(q) && fabs(q - nearbyint(q)) < 1e-9;
}

static int
check_number(const struct node *n, const json *j, const struct ipath *p,
    const struct vc *v)
{
	double x = j->num;

	if (n->minimum != NULL && x < n->minimum->num)
		return fail(v, p, "must be >= %s", n->minimum->str);
	if (n->maximum != NULL && x > n->maximum->num)
		return fail(v, p, "must be <= %s", n->maximum->str);
	if (n->exmin != NULL && x <= n->exmin->num)
		return fail(v, p, "must be > %s", n->exmin->str);
	if (n->exmax != NULL && x >= n->exmax->num)
		return fail(v, p, "must be < %s", n->exmax->str);
	if (n->multipleof != NULL && !is_multiple(x, n->multipleof->num))
		return fail(v, p, "must be a multiple of %s",
		    n->multipleof->str);
	return 0;
}

static int
check_string(const struct node *n, const json *j, const struct ipath *p,
    const struct vc *v)
{
	size_t i, chars = 0;

	for (i = 0; i < j->len; i++)
		if (((unsigned char)j->str[i] & 0xC0) != 0x80)
			chars++;
	if (n->minlen != NULL && chars < n->minlen->num)
		return fail(v, p, "must be at least %s character%s long",
		    n->minlen->str, n->minlen->num == 1 ? "" : "s");
	if (n->maxlen != NULL && chars > n->maxlen->num)
		return fail(v, p, "must be at most %s character%s long",
		    n->maxlen->str, n->maxlen->num == 1 ? "" : "s");
	if (n->pattern_src != NULL && !re_found(&n->pattern, j->str, j->len))
		return fail(v, p, "must match the pattern '%s'",
		    n->pattern_src);
	if (n->format == F_DATE && !is_date(j->str, j->len))
		return fail(v, p, "must be a date (YYYY-MM-DD)");
	if (n->format == F_DATETIME && !is_datetime(j->str, j->len))
		return fail(v, p, "must be an RFC 3339 date-time "
		    "(YYYY-MM-DDThh:mm:ssZ or with an offset like +02:00)");
	if (n->format == F_URI && !is_uri(j->str, j->len))
		return fail(v, p, "must be a URI with a scheme (like https:)");
	return 0;
}

static int
check_items(const struct node *n, const json *j, const struct ipath *p,
    const struct vc *v)
{
	struct ipath ip = { p, NULL, 0 };
	const struct node *s;
	int rc;

	for (; ip.idx < j->n; ip.idx++) {
		s = !n->is_tuple ? n->items : ip.idx < n->tuple.n ?
		    n->tuple.v[ip.idx] : n->additems;
		if (s == NULL)
			continue;
		if (s->always == 0 && s == n->additems)
			return fail(v, p, "must have at most %zu item%s",
			    n->tuple.n, n->tuple.n == 1 ? "" : "s");
		if ((rc = validate(s, j->vals[ip.idx], &ip, v)) != 0)
			return rc;
	}
	return 0;
}

static int
check_array(const struct node *n, const json *j, const struct ipath *p,
    const struct vc *v)
{
	size_t i, k;

	if (n->minitems != NULL && j->n < n->minitems->num)
		return fail(v, p, "must have at least %s item%s",
		    n->minitems->str, n->minitems->num == 1 ? "" : "s");
	if (n->maxitems != NULL && j->n > n->maxitems->num)
		return fail(v, p, "must have at most %s item%s",
		    n->maxitems->str, n->maxitems->num == 1 ? "" : "s");
	for (i = 0; n->unique && i < j->n; i++)
		for (k = 0; k < i; k++)
			if (json_equal(j->vals[k], j->vals[i]))
				return fail(v, p, "must not hold the same "
				    "item twice (items %zu and %zu are equal)",
				    k, i);
	for (i = 0; n->contains != NULL && i < j->n; i++)
		if (validate(n->contains, j->vals[i], p, &quiet) == 0)
			break;
	if (n->contains != NULL && i == j->n)
		return fail(v, p, "must contain an item that matches the "
		    "'contains' schema");
	return check_items(n, j, p, v);
}

/* The subschema of properties named key, NULL if none; *matched is set
 * when properties or patternProperties cover key. */
static const struct node *
declared(const struct node *n, const char *key, int *matched)
{
	size_t i;

	*matched = 0;
	for (i = 0; i < n->pprops.n && !*matched; i++)
		*matched = re_found(&n->pprops.v[i].re, key, strlen(key));
	for (i = 0; i < n->props.n; i++)
		if (strcmp(n->props.v[i].key, key) == 0) {
			*matched = 1;
			return n->props.v[i].s;
		}
	return NULL;
}

/* Whether property name key validates against propertyNames. */
static int
check_name(const struct node *n, const char *key, const struct ipath *p,
    const struct vc *v)
{
	json name = { .type = JSON_STRING };
	char why[256];
	struct vc inner = { v->err != NULL ? why : NULL, sizeof(why) };

	name.str = (char *)key;
	name.len = strlen(key);
	if (validate(n->propnames, &name, NULL, &inner) == 0)
		return 0;
	/* A string has no members, so the inner place is always "/". */
	return fail(v, p, "property name '%s' is not allowed: %s", key,
	    v->err != NULL ? why + 3 : "");
}

/* What concerns the object itself rather than one member's value. */
static int
check_members(const struct node *n, const json *j, const struct ipath *p,
    const struct vc *v)
{
	const json *req;
	size_t i, k;
	int matched, rc;

	for (i = 0; i < j->n; i++) {
		if (n->propnames != NULL &&
		    (rc = check_name(n, j->keys[i], p, v)) != 0)
			return rc;
		if (n->addprops == NULL || n->addprops->always != 0)
			continue;
		declared(n, j->keys[i], &matched);
		if (!matched)
			return fail(v, p, "unknown property '%s'", j->keys[i]);
	}
	for (i = 0; n->required != NULL && i < n->required->n; i++)
		if (json_get(j, n->required->vals[i]->str) == NULL)
			return fail(v, p, "missing required property '%s'",
			    n->required->vals[i]->str);
	for (i = 0; i < n->deps.n; i++) {
		if (json_get(j, n->deps.v[i].key) == NULL)
			continue;
		if (n->deps.v[i].s != NULL &&
		    (rc = validate(n->deps.v[i].s, j, p, v)) != 0)
			return rc;
		req = n->deps.v[i].names;
		for (k = 0; req != NULL && k < req->n; k++)
			if (json_get(j, req->vals[k]->str) == NULL)
				return fail(v, p, "property '%s' requires "
				    "property '%s'", n->deps.v[i].key,
				    req->vals[k]->str);
	}
	return 0;
}

static int
check_object(const struct node *n, const json *j, const struct ipath *p,
    const struct vc *v)
{
	struct ipath ip = { p, NULL, 0 };
	const struct node *s;
	size_t i, k;
	int matched, rc;

	if ((rc = check_members(n, j, p, v)) != 0)
		return rc;
	if (n->minprops != NULL && j->n < n->minprops->num)
		return fail(v, p, "must have at least %s propert%s",
		    n->minprops->str, n->minprops->num == 1 ? "y" : "ies");
	if (n->maxprops != NULL && j->n > n->maxprops->num)
		return fail(v, p, "must have at most %s propert%s",
		    n->maxprops->str, n->maxprops->num == 1 ? "y" : "ies");
	for (i = 0; i < j->n; i++) {
		ip.key = j->keys[i];
		s = declared(n, ip.key, &matched);
		if (s != NULL && (rc = validate(s, j->vals[i], &ip, v)) != 0)
			return rc;
		for (k = 0; k < n->pprops.n; k++)
			if (re_found(&n->pprops.v[k].re, ip.key,
			    strlen(ip.key)) && (rc = validate(n->pprops.v[k].s,
			    j->vals[i], &ip, v)) != 0)
				return rc;
		if (!matched && n->addprops != NULL &&
		    (rc = validate(n->addprops, j->vals[i], &ip, v)) != 0)
			return rc;
	}
	return 0;
}

/* allOf, anyOf, oneOf, not, if/then/else. */
static int
check_logic(const struct node *n, const json *j, const struct ipath *p,
    const struct vc *v)
{
	size_t i, count;
	int rc;

	for (i = 0; i < n->allof.n; i++)
		if ((rc = validate(n->allof.v[i], j, p, v)) != 0)
			return rc;
	for (i = 0; i < n->anyof.n; i++)
		if (validate(n->anyof.v[i], j, p, &quiet) == 0)
			break;
	if (n->anyof.n > 0 && i == n->anyof.n)
		return fail(v, p, "must match at least one of the schemas in "
		    "'anyOf'");
	for (i = count = 0; i < n->oneof.n; i++)
		count += validate(n->oneof.v[i], j, p, &quiet) == 0;
	if (n->oneof.n > 0 && count != 1)
		return fail(v, p, "must match exactly one of the schemas in "
		    "'oneOf' (it matches %zu)", count);
	if (n->not != NULL && validate(n->not, j, p, &quiet) == 0)
		return fail(v, p, "must not match the schema in 'not'");
	if (n->cond == NULL)
		return 0;
	if (validate(n->cond, j, p, &quiet) == 0)
		return n->then != NULL ? validate(n->then, j, p, v) : 0;
	return n->otherwise != NULL ? validate(n->otherwise, j, p, v) : 0;
}

static int
validate(const struct node *n, const json *j, const struct ipath *p,
    const struct vc *v)
{
	int rc = 0;

	if (n->ref != NULL)
		return validate(n->ref, j, p, v);
	if (n->always >= 0)
		return n->always ? 0 : fail(v, p, "no value is allowed here");
	if ((rc = check_type(n, j, p, v)) != 0 ||
	    (rc = check_value(n, j, p, v)) != 0)
		return rc;
	if (j->type == JSON_NUMBER)
		rc = check_number(n, j, p, v);
	else if (j->type == JSON_STRING)
		rc = check_string(n, j, p, v);
	else if (j->type == JSON_ARRAY)
		rc = check_array(n, j, p, v);
	else if (j->type == JSON_OBJECT)
		rc = check_object(n, j, p, v);
	return rc != 0 ? rc : check_logic(n, j, p, v);
}

int
schema_validate(const schema *s, const json *inst, char *err, size_t errlen)
{
	struct vc v = { err, errlen };

	if (err == NULL || errlen == 0)
		v.err = NULL;
	else
		err[0] = '\0';
	return validate(s->root, inst, NULL, &v);
}

const char *
schema_strerror(int rc)
{
	switch (rc) {
	case SCHEMA_OK:
		return "success";
	case SCHEMA_EBADSCHEMA:
		return "the schema is invalid or uses an unsupported feature";
	case SCHEMA_EINVALID:
		return "the document does not match the schema";
	}
	return "unknown schema error";
}
