/* jsonown: json_parse_own, a fast parser for the JSON lrsd wrote itself.
 *
 * A plain recursive descent over the JSON grammar (RFC 8259) that builds
 * the same tree as json_parse, without what only text from outside needs:
 * the UTF-8 check, the duplicate-name check and the messages.  Each
 * container's members are gathered first and then stored in arrays of
 * their exact size, so a tree costs one allocation per node, name and
 * member list.  The tiering engine reads every stored statement and its
 * own entities through it.
 */
#include "json.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct rd {
	const char	*p, *end;
	int		 depth, maxdepth;
	int		 rc;		/* JSON_E* once known, else syntax */
};

/* A container's members while they are read: kept inline up to 16. */
struct members {
	json	*vinl[16];
	char	*kinl[16];
	json	**vals;
	char	**keys;
	size_t	 n, cap;
};

static json *value(struct rd *r);

/* White space as json_parse (yajl) takes it: RFC 8259's four, and also
 * vertical tab and form feed. */
static void
skip_ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' ||
	    *r->p == '\r' || *r->p == '\t' || *r->p == '\v' || *r->p == '\f'))
		r->p++;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0, d;
	int i;

	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = (unsigned)(p[i] - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Write code point c as UTF-8 at o; the bytes written. */
static size_t
put_utf8(char *o, unsigned c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | (c >> 12 & 0x3f));
	o[2] = (char)(0x80 | (c >> 6 & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The escape at e (just past the backslash) decoded at o: 0 with *used
 * (bytes of e) and *wrote set, or -1.  Unpaired surrogates are refused,
 * as json_parse refuses them. */
static int
unescape(const char *e, const char *end, char *o, size_t *used,
    size_t *wrote)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	unsigned c, lo;

	if (e >= end)
		return -1;
	if (*e != 'u') {
		if ((k = strchr(from, *e)) == NULL || *e == '\0')
			return -1;
		*o = to[k - from];
		*used = 1;
		*wrote = 1;
		return 0;
	}
	if (end - e < 5 || hex4(e + 1, &c) != 0 || (c >= 0xdc00 && c < 0xe000))
		return -1;
	*used = 5;
	if (c >= 0xd800 && c < 0xdc00) {
		if (end - e < 11 || e[5] != '\\' || e[6] != 'u' ||
		    hex4(e + 7, &lo) != 0 || lo < 0xdc00 || lo >= 0xe000)
			return -1;
		c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
		*used = 11;
	}
	*wrote = put_utf8(o, c);
	return 0;
}

/* Nonzero when the n bytes at s hold a control character (a loop the
 * compiler can vectorise). */
static int
has_control(const char *s, size_t n)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++)
		bad |= (unsigned char)s[i] < 0x20;
	return bad;
}

/* The string starting at the opening quote: a new NUL-terminated copy
 * unescaped (*len bytes), or NULL. */
static char *
string(struct rd *r, size_t *len)
{
	const char *s = ++r->p, *q;
	size_t n = 0, used, wrote;
	char *out;

	/* No escapes: the common case, scanned with memchr. */
	q = memchr(s, '"', (size_t)(r->end - s));
	if (q && memchr(s, '\\', (size_t)(q - s)) == NULL &&
	    !has_control(s, (size_t)(q - s))) {
		r->p = q + 1;
		*len = (size_t)(q - s);
		return xstrndup(s, *len);
	}
	/* Unescaped text is never longer than its source. */
	out = xmalloc((size_t)(r->end - s) + 1);
	for (q = s; q < r->end && *q != '"'; ) {
		if ((unsigned char)*q < 0x20)
			goto bad;
		if (*q != '\\') {
			out[n++] = *q++;
			continue;
		}
		if (unescape(q + 1, r->end, out + n, &used, &wrote) != 0)
			goto bad;
		q += 1 + used;
		n += wrote;
	}
	if (q >= r->end)
		goto bad;
	r->p = q + 1;
	out[n] = '\0';
	*len = n;
	return out;
bad:
	free(out);
	return NULL;
}

/* A number literal as JSON spells it, or NULL. */
static json *
number(struct rd *r)
{
	const char *s = r->p, *q = s;
	json *j;

	if (q < r->end && *q == '-')
		q++;
	if (q < r->end && *q == '0')
		q++;
	else if (q < r->end && *q >= '1' && *q <= '9')
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	else
		return NULL;
	if (q < r->end && *q == '.') {
		if (++q >= r->end || *q < '0' || *q > '9')
			return NULL;
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < r->end && (*q == 'e' || *q == 'E')) {
		if (++q < r->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= r->end || *q < '0' || *q > '9')
			return NULL;
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	j = json_new(JSON_NUMBER);
	j->len = (size_t)(q - s);
	j->str = xstrndup(s, j->len);
	j->num = strtod(j->str, NULL);
	r->p = q;
	return j;
}

static json *
word(struct rd *r, const char *w, enum json_type type)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return NULL;
	r->p += n;
	return json_new(type);
}

static void
members_add(struct members *m, char *key, json *v)
{
	if (m->n == m->cap) {
		m->cap *= 2;
		if (m->vals == m->vinl) {
			m->vals = xmalloc(m->cap * sizeof(*m->vals));
			m->keys = xmalloc(m->cap * sizeof(*m->keys));
			memcpy(m->vals, m->vinl, m->n * sizeof(*m->vals));
			memcpy(m->keys, m->kinl, m->n * sizeof(*m->keys));
		} else {
			m->vals = xrealloc(m->vals, m->cap * sizeof(*m->vals));
			m->keys = xrealloc(m->keys, m->cap * sizeof(*m->keys));
		}
	}
	m->keys[m->n] = key;
	m->vals[m->n++] = v;
}

static void
members_free(struct members *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->keys[i]);
		json_free(m->vals[i]);
	}
	if (m->vals != m->vinl) {
		free(m->vals);
		free(m->keys);
	}
}

/* Move m's members into container c, in arrays of their exact size. */
static json *
members_into(struct members *m, json *c)
{
	c->n = c->cap = m->n;
	if (m->n > 0) {
		c->vals = xmalloc(m->n * sizeof(*c->vals));
		memcpy(c->vals, m->vals, m->n * sizeof(*c->vals));
		if (c->type == JSON_OBJECT) {
			c->keys = xmalloc(m->n * sizeof(*c->keys));
			memcpy(c->keys, m->keys, m->n * sizeof(*c->keys));
		}
	}
	if (m->vals != m->vinl) {
		free(m->vals);
		free(m->keys);
	}
	return c;
}

/* An array or object after its opening bracket (close: its closing one). */
static json *
container(struct rd *r, enum json_type type, char close)
{
	struct members m;
	char *key = NULL;
	size_t len;
	json *v;

	if (++r->depth > r->maxdepth) {
		r->rc = JSON_EDEPTH;
		return NULL;
	}
	m.vals = m.vinl;
	m.keys = m.kinl;
	m.n = 0;
	m.cap = 16;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close)
		goto done;
	for (;;) {
		if (type == JSON_OBJECT) {
			if (r->p >= r->end || *r->p != '"' ||
			    (key = string(r, &len)) == NULL)
				goto bad;
			if (memchr(key, '\0', len) != NULL) {
				r->rc = JSON_ENULNAME;
				goto bad;
			}
			skip_ws(r);
			if (r->p >= r->end || *r->p++ != ':')
				goto bad;
		}
		if ((v = value(r)) == NULL)
			goto bad;
		members_add(&m, key, v);
		key = NULL;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			skip_ws(r);
			continue;
		}
		if (r->p < r->end && *r->p == close)
			break;
		goto bad;
	}
done:
	r->p++;
	r->depth--;
	return members_into(&m, json_new(type));
bad:
	free(key);
	members_free(&m);
	return NULL;
}

static json *
value(struct rd *r)
{
	json *j;
	size_t len;
	char *s;

	skip_ws(r);
	if (r->p >= r->end)
		return NULL;
	switch (*r->p) {
	case '{':
		return container(r, JSON_OBJECT, '}');
	case '[':
		return container(r, JSON_ARRAY, ']');
	case '"':
		if ((s = string(r, &len)) == NULL)
			return NULL;
		j = json_new(JSON_STRING);
		j->str = s;
		j->len = len;
		return j;
	case 't':
		return word(r, "true", JSON_TRUE);
	case 'f':
		return word(r, "false", JSON_FALSE);
	case 'n':
		return word(r, "null", JSON_NULL);
	default:
		return number(r);
	}
}

int
json_parse_own(const char *text, size_t len, int maxdepth, json **out)
{
	struct rd r = { text, text + len, 0, maxdepth > 0 ? maxdepth : 1,
	    JSON_ESYNTAX };
	json *j;

	*out = NULL;
	if ((j = value(&r)) == NULL)
		return r.rc;
	skip_ws(&r);
	if (r.p != r.end) {
		json_free(j);
		return JSON_ESYNTAX;
	}
	*out = j;
	return JSON_OK;
}
