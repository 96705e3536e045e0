/* json: a document tree built from yajl's callbacks. */
#include "json.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

/* Open containers kept in the parse itself up to this depth: almost every
 * document is shallower, and a heap stack of maxdepth entries zeroed per
 * parse cost more than the rest of parsing a small statement. */
#define INLINE_DEPTH 32

struct parse {
	json	**stack;	/* open containers, innermost last */
	json	 *inline_stack[INLINE_DEPTH];
	int	  depth;
	int	  cap;		/* entries in stack */
	int	  maxdepth;
	char	 *key;		/* pending member name of the innermost object */
	json	 *root;
	char	 *dupkey;	/* the repeated member name, for the message */
	int	  rc;
	int	  bad;		/* the UTF8_E* code of a JSON_EUTF8 */
	size_t	  off;		/* where the JSON_EUTF8 problem starts */
	yajl_handle h;
	const char *text;
	size_t	  end;		/* bytes up to the end of the whole value */
	int	  trailing;	/* text after the value */
};

json *
json_new(enum json_type type)
{
	json *j = xcalloc(1, sizeof(*j));

	j->type = type;
	return j;
}

json *
json_new_strn(const char *s, size_t len)
{
	json *j = json_new(JSON_STRING);

	j->str = xstrndup(s, len);
	j->len = len;
	return j;
}

json *
json_new_str(const char *s)
{
	return json_new_strn(s, strlen(s));
}

json *
json_new_num(const char *literal)
{
	json *j = json_new(JSON_NUMBER);

	j->str = xstrdup(literal);
	j->len = strlen(literal);
	j->num = strtod(literal, NULL);
	return j;
}

json *
json_new_int(long long v)
{
	char lit[32];

	snprintf(lit, sizeof(lit), "%lld", v);
	return json_new_num(lit);
}

json *
json_new_bool(int v)
{
	return json_new(v ? JSON_TRUE : JSON_FALSE);
}

void
json_free(json *j)
{
	void **c, *next;
	size_t i;

	if (j == NULL)
		return;
	if (j->block) {
		/* A block's root follows the pointer that begins its first
		 * chunk, and each chunk's first pointer is to the next
		 * (jsonown.c). */
		if (j->block != JSON_BLOCK_ROOT)
			abort();
		for (c = (void **)j - 1; c; c = next) {
			next = *c;
			free(c);
		}
		return;
	}
	for (i = 0; i < j->n; i++) {
		if (j->keys)
			free(j->keys[i]);
		json_free(j->vals[i]);
	}
	free(j->keys);
	free(j->vals);
	free(j->str);
	free(j);
}

static void
append(json *c, char *key, json *val)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4;
		c->vals = xrealloc(c->vals, c->cap * sizeof(*c->vals));
		if (c->type == JSON_OBJECT)
			c->keys = xrealloc(c->keys, c->cap * sizeof(*c->keys));
	}
	if (c->type == JSON_OBJECT)
		c->keys[c->n] = key;
	c->vals[c->n++] = val;
}

/* Attach a finished value to the innermost container (or make it the root). */
static int
add_value(struct parse *ps, json *v)
{
	json *c;

	if (ps->depth == 0) {
		ps->root = v;
		/* A number alone ends only at the end of the text: yajl
		 * reads it when completing, on a buffer of its own. */
		ps->end = v->type == JSON_NUMBER ? strspn(ps->text,
		    " \t\n\v\f\r") + v->len : yajl_get_bytes_consumed(ps->h);
		return 1;
	}
	c = ps->stack[ps->depth - 1];
	if (c->type == JSON_OBJECT) {
		append(c, ps->key, v);
		ps->key = NULL;
	} else
		append(c, NULL, v);
	return 1;
}

/* Double the stack (moving it to the heap past the inline one). */
static void
grow_stack(struct parse *ps)
{
	json **s = xmalloc((size_t)ps->cap * 2 * sizeof(*s));

	memcpy(s, ps->stack, (size_t)ps->depth * sizeof(*s));
	if (ps->stack != ps->inline_stack)
		free(ps->stack);
	ps->stack = s;
	ps->cap *= 2;
}

static int
open_container(struct parse *ps, enum json_type type)
{
	json *c;

	if (ps->depth >= ps->maxdepth) {
		ps->rc = JSON_EDEPTH;
		return 0;
	}
	if (ps->depth == ps->cap)
		grow_stack(ps);
	c = json_new(type);
	add_value(ps, c);
	ps->stack[ps->depth++] = c;
	return 1;
}

static int
cb_null(void *ctx)
{
	return add_value(ctx, json_new(JSON_NULL));
}

static int
cb_bool(void *ctx, int v)
{
	return add_value(ctx, json_new_bool(v));
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
	json *j = json_new(JSON_NUMBER);

	j->str = xstrndup(s, len);
	j->len = len;
	j->num = strtod(j->str, NULL);
	return add_value(ctx, j);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return add_value(ctx, json_new_strn((const char *)s, len));
}

static int
cb_start_map(void *ctx)
{
	return open_container(ctx, JSON_OBJECT);
}

static int
cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct parse *ps = ctx;
	json *c = ps->stack[ps->depth - 1];
	size_t i;

	/* Names are C strings here: one holding U+0000 would be cut short
	 * and could then repeat another. */
	if (memchr(s, '\0', len) != NULL) {
		ps->rc = JSON_ENULNAME;
		return 0;
	}
	for (i = 0; i < c->n; i++)
		if (strlen(c->keys[i]) == len && memcmp(c->keys[i], s, len) == 0) {
			ps->rc = JSON_EDUPKEY;
			ps->dupkey = xstrndup((const char *)s, len);
			return 0;
		}
	ps->key = xstrndup((const char *)s, len);
	return 1;
}

static int
cb_end(void *ctx)
{
	struct parse *ps = ctx;

	if (--ps->depth == 0)
		ps->end = yajl_get_bytes_consumed(ps->h);
	return 1;
}

static int
cb_start_array(void *ctx)
{
	return open_container(ctx, JSON_ARRAY);
}

static const yajl_callbacks callbacks = {
	cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
	cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end
};

/* The message of a failed parse into err (errlen bytes, may be NULL). */
static void
describe(const struct parse *ps, yajl_handle h, const char *text, size_t len,
    char *err, size_t errlen)
{
	unsigned char *m;
	char *nl;

	if (err == NULL || errlen == 0)
		return;
	switch (ps->rc) {
	case JSON_EUTF8:
		snprintf(err, errlen, "malformed JSON at byte %zu: %s",
		    ps->off, utf8_strerror(ps->bad));
		break;
	case JSON_EDEPTH:
		snprintf(err, errlen, "JSON nested deeper than %d levels",
		    ps->maxdepth);
		break;
	case JSON_EDUPKEY:
		snprintf(err, errlen, "JSON object names member '%s' twice",
		    ps->dupkey ? ps->dupkey : "");
		break;
	case JSON_ENULNAME:
		/* yajl stops just past the name's closing quote. */
		snprintf(err, errlen, "JSON member name ending at byte %zu "
		    "holds \\u0000 (U+0000), which no member name may",
		    yajl_get_bytes_consumed(h) - 1);
		break;
	default:
		if (ps->trailing) {
			snprintf(err, errlen, "malformed JSON: text after the "
			    "value at byte %zu", ps->end);
			break;
		}
		m = yajl_get_error(h, 0, (const unsigned char *)text, len);
		snprintf(err, errlen, "malformed JSON: %s", (char *)m);
		if ((nl = strchr(err, '\n')) != NULL)
			*nl = '\0';
		yajl_free_error(h, m);
	}
}

/* Nonzero when the len bytes at s are white space (as yajl skips it). */
static int
only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (strchr(" \t\n\v\f\r", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

int
json_parse(const char *text, size_t len, int maxdepth, json **out,
    char *err, size_t errlen)
{
	struct parse ps;
	yajl_handle h;
	yajl_status st;

	memset(&ps, 0, sizeof(ps));
	*out = NULL;
	/* yajl's own UTF-8 and escape checks are lax: check first. */
	if ((ps.bad = utf8_check_json(text, len, &ps.off)) != UTF8_OK) {
		ps.rc = JSON_EUTF8;
		describe(&ps, NULL, text, len, err, errlen);
		return ps.rc;
	}
	ps.maxdepth = maxdepth > 0 ? maxdepth : 1;
	ps.stack = ps.inline_stack;
	ps.cap = INLINE_DEPTH;
	ps.text = text;
	h = ps.h = yajl_alloc(&callbacks, NULL, &ps);
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	/* yajl takes a value followed by the start of a string that never
	 * ends ("{} \"") as the value alone. */
	if (st == yajl_status_ok && !only_space(text + ps.end, len - ps.end)) {
		ps.trailing = 1;
		st = yajl_status_error;
	}
	if (st != yajl_status_ok) {
		if (ps.rc == 0)
			ps.rc = JSON_ESYNTAX;
		describe(&ps, h, text, len, err, errlen);
		free(ps.key);
		/* A partially built tree hangs off the root. */
		json_free(ps.root);
		goto out;
	}
	*out = ps.root;
	ps.rc = 0;
out:
	yajl_free(h);
	if (ps.stack != ps.inline_stack)
		free(ps.stack);
	free(ps.dupkey);
	return ps.rc;
}

json *
json_get(const json *j, const char *key)
{
	size_t i;

	if (j == NULL || j->type != JSON_OBJECT)
		return NULL;
	/* The first bytes first: most names differ there, and a call to
	 * strcmp per member was the engine's most common instruction. */
	for (i = 0; i < j->n; i++)
		if (j->keys[i][0] == key[0] && strcmp(j->keys[i], key) == 0)
			return j->vals[i];
	return NULL;
}

const char *
json_get_str(const json *j, const char *key)
{
	json *v = json_get(j, key);

	return v && v->type == JSON_STRING ? v->str : NULL;
}

int
json_is_str(const json *j, const char *s)
{
	return j && j->type == JSON_STRING && strlen(s) == j->len &&
	    memcmp(j->str, s, j->len) == 0;
}

void
json_set(json *obj, const char *key, json *val)
{
	size_t i;

	if (obj->block)
		abort();	/* read-only (json_parse_own_block) */
	for (i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0) {
			json_free(obj->vals[i]);
			obj->vals[i] = val;
			return;
		}
	append(obj, xstrdup(key), val);
}

json *
json_take(json *obj, const char *key)
{
	size_t i;
	json *v;

	if (obj == NULL || obj->type != JSON_OBJECT)
		return NULL;
	if (obj->block)
		abort();	/* read-only (json_parse_own_block) */
	for (i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0) {
			v = obj->vals[i];
			free(obj->keys[i]);
			memmove(obj->keys + i, obj->keys + i + 1,
			    (obj->n - i - 1) * sizeof(*obj->keys));
			memmove(obj->vals + i, obj->vals + i + 1,
			    (obj->n - i - 1) * sizeof(*obj->vals));
			obj->n--;
			return v;
		}
	return NULL;
}

void
json_del(json *obj, const char *key)
{
	json_free(json_take(obj, key));
}

void
json_push(json *arr, json *val)
{
	if (arr->block)
		abort();	/* read-only (json_parse_own_block) */
	append(arr, NULL, val);
}

json *
json_clone(const json *j)
{
	json *c;
	size_t i;

	if (j == NULL)
		return NULL;
	c = json_new(j->type);
	c->num = j->num;
	if (j->str) {
		c->str = xstrndup(j->str, j->len);
		c->len = j->len;
	}
	for (i = 0; i < j->n; i++)
		append(c, j->keys ? xstrdup(j->keys[i]) : NULL,
		    json_clone(j->vals[i]));
	return c;
}

int
json_equal(const json *a, const json *b)
{
	size_t i;
	json *bv;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case JSON_NUMBER:
		return a->num == b->num;
	case JSON_STRING:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	case JSON_ARRAY:
		if (a->n != b->n)
			return 0;
		for (i = 0; i < a->n; i++)
			if (!json_equal(a->vals[i], b->vals[i]))
				return 0;
		return 1;
	case JSON_OBJECT:
		if (a->n != b->n)
			return 0;
		for (i = 0; i < a->n; i++) {
			bv = json_get(b, a->keys[i]);
			if (bv == NULL || !json_equal(a->vals[i], bv))
				return 0;
		}
		return 1;
	default:
		return 1;
	}
}

/* The JSON escape of an ASCII control character, '"' or '\\'. */
static void
put_escape(struct buf *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	buf_putc(out, '\\');
	switch (c) {
	case '"': buf_putc(out, '"'); break;
	case '\\': buf_putc(out, '\\'); break;
	case '\n': buf_putc(out, 'n'); break;
	case '\r': buf_putc(out, 'r'); break;
	case '\t': buf_putc(out, 't'); break;
	case '\b': buf_putc(out, 'b'); break;
	case '\f': buf_putc(out, 'f'); break;
	default:
		buf_puts(out, "u00");
		buf_putc(out, hex[c >> 4]);
		buf_putc(out, hex[c & 15]);
	}
}

/* Nonzero when none of the 8 bytes at s needs a look of its own: no
 * control character, quote, backslash or byte of a multi-byte sequence
 * (for each test, a byte's high bit is set only when it or one below it
 * matches, so the sum is zero exactly when none does). */
static int
plain8(const char *s)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t x, q, b;

	memcpy(&x, s, 8);
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
	    ((b - ones) & ~b) | x) & high ? 0 : 1;
}

void
json_dump_str(const char *s, size_t len, struct buf *out)
{
	size_t i = 0, run = 0;
	unsigned char c;
	int n;

	buf_grow(out, len + 2);
	buf_putc(out, '"');
	while (i < len) {
		if (i + 8 <= len && plain8(s + i)) {
			i += 8;
			continue;
		}
		c = (unsigned char)s[i];
		if (c >= 0x80 && (n = utf8_next(s + i, len - i)) > 0) {
			i += (size_t)n;
			continue;
		}
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		buf_add(out, s + run, i - run);
		if (c >= 0x80)
			buf_puts(out, "\\ufffd");
		else
			put_escape(out, c);
		run = ++i;
	}
	buf_add(out, s + run, len - run);
	buf_putc(out, '"');
}

void
json_dump(const json *j, struct buf *out)
{
	size_t i;

	switch (j->type) {
	case JSON_NULL: buf_puts(out, "null"); break;
	case JSON_TRUE: buf_puts(out, "true"); break;
	case JSON_FALSE: buf_puts(out, "false"); break;
	case JSON_NUMBER: buf_add(out, j->str, j->len); break;
	case JSON_STRING: json_dump_str(j->str, j->len, out); break;
	case JSON_ARRAY:
		buf_putc(out, '[');
		for (i = 0; i < j->n; i++) {
			if (i)
				buf_putc(out, ',');
			json_dump(j->vals[i], out);
		}
		buf_putc(out, ']');
		break;
	case JSON_OBJECT:
		buf_putc(out, '{');
		for (i = 0; i < j->n; i++) {
			if (i)
				buf_putc(out, ',');
			json_dump_str(j->keys[i], strlen(j->keys[i]), out);
			buf_putc(out, ':');
			json_dump(j->vals[i], out);
		}
		buf_putc(out, '}');
		break;
	}
}

char *
json_to_string(const json *j, size_t *len)
{
	struct buf b = BUF_INIT;

	json_dump(j, &b);
	return buf_detach(&b, len);
}
