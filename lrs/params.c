/* params: decoded name=value pairs. */
#include "params.h"
#include "hex.h"
#include "buf.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
params_decode(const char *s, size_t len, int plus, size_t *outlen)
{
	char *out = xmalloc(len + 1);
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len || (hi = hex_digit(s[i + 1])) < 0 ||
			    (lo = hex_digit(s[i + 2])) < 0) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus)
			out[o++] = ' ';
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return out;
}

const char *
params_get(const struct params *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->names[i], name) == 0)
			return p->values[i];
	return NULL;
}

static void
append(struct params *p, char *name, char *value)
{
	p->names = xrealloc(p->names, (p->n + 1) * sizeof(*p->names));
	p->values = xrealloc(p->values, (p->n + 1) * sizeof(*p->values));
	p->names[p->n] = name;
	p->values[p->n++] = value;
}

void
params_set(struct params *p, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->names[i], name) == 0) {
			free(p->values[i]);
			p->values[i] = xstrdup(value);
			return;
		}
	append(p, xstrdup(name), xstrdup(value));
}

void
params_del(struct params *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->names[i], name) == 0) {
			free(p->names[i]);
			free(p->values[i]);
			p->n--;
			memmove(p->names + i, p->names + i + 1,
			    (p->n - i) * sizeof(*p->names));
			memmove(p->values + i, p->values + i + 1,
			    (p->n - i) * sizeof(*p->values));
			return;
		}
}

/* What is wrong with decoded text s (len bytes), or NULL: it must be
 * UTF-8 and hold no NUL (%00), which the C strings here would cut short
 * without a word. */
static const char *
bad_text(const char *s, size_t len, size_t *off)
{
	const char *nul;
	int rc;

	if ((rc = utf8_check(s, len, off)) != UTF8_OK)
		return utf8_strerror(rc);
	if ((nul = memchr(s, '\0', len)) != NULL) {
		*off = (size_t)(nul - s);
		return "a NUL byte (%00)";
	}
	return NULL;
}

/* Decode the pair name[=value] in [s, end) and append it to p. */
static int
add_pair(struct params *p, const char *s, const char *end, char *err,
    size_t errlen)
{
	const char *eq = memchr(s, '=', (size_t)(end - s)), *why;
	char *name, *value;
	size_t nlen = 0, vlen = 0, off;
	int rc = PARAMS_EINVALID;

	name = params_decode(s, (size_t)((eq ? eq : end) - s), 1, &nlen);
	value = eq ? params_decode(eq + 1, (size_t)(end - eq - 1), 1, &vlen) :
	    xstrdup("");
	if (name == NULL || value == NULL)
		snprintf(err, errlen, "malformed percent-encoding in query or form");
	else if ((why = bad_text(name, nlen, &off)) != NULL)
		snprintf(err, errlen, "a parameter name: %s at byte %zu of the "
		    "percent-decoded name", why, off);
	else if ((why = bad_text(value, vlen, &off)) != NULL)
		snprintf(err, errlen, "parameter '%s': %s at byte %zu of its "
		    "percent-decoded value", name, why, off);
	else if (params_get(p, name) != NULL)
		snprintf(err, errlen, "parameter '%s' given more than once", name);
	else {
		append(p, name, value);
		name = value = NULL;
		rc = PARAMS_OK;
	}
	free(name);
	free(value);
	return rc;
}

int
params_parse(struct params *p, const char *s, size_t len, char *err,
    size_t errlen)
{
	const char *end = s ? s + len : NULL, *amp;
	int rc;

	while (s && s < end) {
		amp = memchr(s, '&', (size_t)(end - s));
		if (amp == NULL)
			amp = end;
		if (amp > s && (rc = add_pair(p, s, amp, err, errlen)) != 0)
			return rc;
		s = amp < end ? amp + 1 : end;
	}
	return PARAMS_OK;
}

void
params_free(struct params *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->names[i]);
		free(p->values[i]);
	}
	free(p->names);
	free(p->values);
	memset(p, 0, sizeof(*p));
}

void
params_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c))
			buf_putc(out, c);
		else {
			buf_putc(out, '%');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 15]);
		}
	}
}
