/* jsonown: json_parse_own, a fast parser for the JSON lrsd wrote itself.
 *
 * A plain recursive descent over the JSON grammar (RFC 8259) that builds
 * the same tree as json_parse, without what only text from outside needs:
 * the UTF-8 check, the duplicate-name check and the messages.  Each
 * container's members are gathered first and then stored in arrays of
 * their exact size, so a tree costs one allocation per node, name and
 * member list.  The tiering engine reads every stored statement and its
 * own entities through it.
 *
 * json_parse_own_block puts the whole tree in a block instead: a chain of
 * a few chunks, each beginning with the pointer to the next one (NULL in
 * the last); the nodes, names and member lists are cut from them in
 * order, and the root is copied at the end to its place right after the
 * first chunk's pointer, where json_free (json.c) finds the chain.
 */
#include "json.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct rd {
	const char	*p, *end;
	int		 depth, maxdepth;
	int		 rc;		/* JSON_E* once known, else syntax */
	void		*blk;		/* json_parse_own_block: first chunk */
	void		**tail;		/* the last chunk's pointer to the next */
	char		*cur;		/* where the next cut begins */
	size_t		 left;		/* bytes after cur in the last chunk */
};

#define CHUNK_MIN	4096

/* Chain a new chunk of at least n bytes after the pointer. */
static void
chunk_add(struct rd *r, size_t n)
{
	void **c;

	if (n < CHUNK_MIN)
		n = CHUNK_MIN;
	c = xmalloc(sizeof(void *) + n);
	*c = NULL;
	*r->tail = c;
	r->tail = c;
	r->cur = (char *)(c + 1);
	r->left = n;
}

/* n bytes (aligned for any node or pointer when align is set): cut from
 * the block, or allocated. */
static void *
take(struct rd *r, size_t n, int align)
{
	size_t pad = align ? (size_t)(-(uintptr_t)r->cur & 7) : 0;
	void *p;

	if (r->blk == NULL)
		return xmalloc(n);
	if (r->left < pad + n) {
		chunk_add(r, n);
		pad = 0;
	}
	p = r->cur + pad;
	r->cur += pad + n;
	r->left -= pad + n;
	return p;
}

static json *
node(struct rd *r, enum json_type type)
{
	json *j;

	if (r->blk == NULL)
		return json_new(type);
	j = take(r, sizeof(*j), 1);
	memset(j, 0, sizeof(*j));
	j->type = type;
	j->block = JSON_BLOCK_MEMBER;
	return j;
}

static char *
dupn(struct rd *r, const char *s, size_t n)
{
	char *d;

	if (r->blk == NULL)
		return xstrndup(s, n);
	d = take(r, n + 1, 0);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Give back what the last cut, at p, does not need past its first keep
 * bytes. */
static void
give_back(struct rd *r, char *p, size_t keep)
{
	if (r->blk != NULL) {
		r->left += (size_t)(r->cur - (p + keep));
		r->cur = p + keep;
	}
}

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
	while (r->p < r->end && (unsigned char)*r->p <= ' ' &&
	    (*r->p == ' ' || *r->p == '\n' ||
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

/* The high bit of each byte of x that is below 0x20 or a backslash, and
 * maybe of bytes above such a one (a borrow), never of others: nonzero
 * exactly when x holds one. */
static uint64_t
special8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t y = x ^ (ones * 0x5c);

	return ((x - ones * 0x20) & ~x & high) | ((y - ones) & ~y & high);
}

/* Nonzero when the n bytes at s hold neither a control character nor a
 * backslash, given that avail bytes (>= n) may be read at s: 8 bytes at a
 * time, the last 8 masked to the string's bytes where the text goes on
 * (the first bytes in memory are the low ones on a little-endian
 * machine, and a borrow only reaches bytes above its own). */
static int
plain(const char *s, size_t n, size_t avail)
{
	uint64_t x, bad = 0;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		bad |= special8(x);
	}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (i < n && i + 8 <= avail) {
		memcpy(&x, s + i, 8);
		return (bad | (special8(x) &
		    ((1ULL << (8 * (n - i))) - 1))) == 0;
	}
#else
	(void)avail;
#endif
	for (; i < n; i++)
		bad |= (unsigned char)s[i] < 0x20 || s[i] == '\\';
	return bad == 0;
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
	if (q && plain(s, (size_t)(q - s), (size_t)(r->end - s))) {
		r->p = q + 1;
		*len = (size_t)(q - s);
		return dupn(r, s, *len);
	}
	/* Unescaped text is never longer than its source. */
	out = take(r, (size_t)(r->end - s) + 1, 0);
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
	give_back(r, out, n + 1);
	return out;
bad:
	if (r->blk == NULL)
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
	j = node(r, JSON_NUMBER);
	j->len = (size_t)(q - s);
	j->str = dupn(r, s, j->len);
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
	return node(r, type);
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
members_free(struct rd *r, struct members *m)
{
	size_t i;

	for (i = 0; r->blk == NULL && i < m->n; i++) {
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
members_into(struct rd *r, struct members *m, json *c)
{
	c->n = c->cap = m->n;
	if (m->n > 0) {
		c->vals = take(r, m->n * sizeof(*c->vals), 1);
		memcpy(c->vals, m->vals, m->n * sizeof(*c->vals));
		if (c->type == JSON_OBJECT) {
			c->keys = take(r, m->n * sizeof(*c->keys), 1);
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
	return members_into(r, &m, node(r, type));
bad:
	if (r->blk == NULL)
		free(key);
	members_free(r, &m);
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
		j = node(r, JSON_STRING);
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
	    JSON_ESYNTAX, NULL, NULL, NULL, 0 };
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

int
json_parse_own_block(const char *text, size_t len, int maxdepth, json **out)
{
	struct rd r = { text, text + len, 0, maxdepth > 0 ? maxdepth : 1,
	    JSON_ESYNTAX, NULL, NULL, NULL, 0 };
	void **first;
	json *j, *root;

	*out = NULL;
	/* Room for the root, and for about what a statement needs. */
	first = xmalloc(sizeof(void *) + sizeof(json) + 4 * len + 256);
	*first = NULL;
	r.blk = first;
	r.tail = first;
	root = (json *)(first + 1);
	memset(root, 0, sizeof(*root));
	root->block = JSON_BLOCK_ROOT;	/* json_free(root) frees the chain */
	r.cur = (char *)(root + 1);
	r.left = 4 * len + 256;
	if ((j = value(&r)) != NULL)
		skip_ws(&r);
	if (j == NULL || r.p != r.end) {
		json_free(root);
		return j == NULL ? r.rc : JSON_ESYNTAX;
	}
	*root = *j;
	root->block = JSON_BLOCK_ROOT;
	*out = root;
	return JSON_OK;
}
