/* jx: accessors for JSON entities. */
#include "jx.h"
#include "iso8601.h"
#include "xalloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

double
jx_num(const json *obj, const char *key, double def)
{
	const json *v = json_get(obj, key);

	return v && v->type == JSON_NUMBER ? v->num : def;
}

const char *
jx_str(const json *obj, const char *key)
{
	return json_get_str(obj, key);
}

/* The decimal digits of integer v into lit; their number.  By hand: the
 * engine writes times and counts all the time, and snprintf's "%.0f" was
 * a tenth of its work. */
static size_t
integer(int64_t v, char lit[40])
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, k = 0;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		lit[k++] = '-';
	while (n > 0)
		lit[k++] = tmp[--n];
	lit[k] = '\0';
	return k;
}

/* The literal of v (integers without a fraction) into lit; its length. */
static size_t
literal(double v, char lit[40])
{
	if (v == floor(v) && fabs(v) < 9e15 && !(v == 0 && signbit(v)))
		return integer((int64_t)v, lit);
	return (size_t)snprintf(lit, 40, "%.17g", v);
}

json *
jx_new_num(double v)
{
	json *j = json_new(JSON_NUMBER);
	char lit[40];

	j->len = literal(v, lit);
	j->str = xstrndup(lit, j->len);
	j->num = v;
	return j;
}

void
jx_set_num(json *obj, const char *key, double v)
{
	json *cur = json_get(obj, key);
	char lit[40];
	size_t n;

	if (cur == NULL || cur->type != JSON_NUMBER) {
		json_set(obj, key, jx_new_num(v));
		return;
	}
	/* A number already there is changed in place. */
	if (cur->num == v && cur->str)
		return;
	n = literal(v, lit);
	if (cur->str == NULL || n > cur->len)
		cur->str = xrealloc(cur->str, n + 1);
	memcpy(cur->str, lit, n + 1);
	cur->len = n;
	cur->num = v;
}

void
jx_set_str(json *obj, const char *key, const char *s)
{
	const json *cur = json_get(obj, key);

	/* The same value is left in place: most evaluations set what is
	 * there already ("active", a null "at_risk"). */
	if (cur && (s ? json_is_str(cur, s) : cur->type == JSON_NULL))
		return;
	json_set(obj, key, s ? json_new_str(s) : json_new(JSON_NULL));
}

static json *
member_of_type(json *obj, const char *key, enum json_type t)
{
	json *v = json_get(obj, key);

	if (v == NULL || v->type != t) {
		v = json_new(t);
		json_set(obj, key, v);
	}
	return v;
}

json *
jx_obj(json *obj, const char *key)
{
	return member_of_type(obj, key, JSON_OBJECT);
}

json *
jx_arr(json *obj, const char *key)
{
	return member_of_type(obj, key, JSON_ARRAY);
}

int
jx_has_str(const json *arr, const char *s)
{
	size_t i;

	for (i = 0; arr && arr->type == JSON_ARRAY && i < arr->n; i++)
		if (json_is_str(arr->vals[i], s))
			return 1;
	return 0;
}

void
jx_remove(json *arr, size_t i)
{
	if (arr == NULL || i >= arr->n)
		return;
	json_free(arr->vals[i]);
	memmove(arr->vals + i, arr->vals + i + 1,
	    (arr->n - i - 1) * sizeof(*arr->vals));
	arr->n--;
}

int64_t
jx_day(int64_t usec)
{
	int64_t d = usec / 86400000000LL;

	return usec < 0 && usec % 86400000000LL ? d - 1 : d;
}

void
jx_day_format(int64_t day, char out[16])
{
	char ts[32];

	iso8601_format(day * 86400000000LL, ts);
	memcpy(out, ts, 10);
	out[10] = '\0';
}

int
jx_day_parse(const char *s, int64_t *day)
{
	char ts[32];
	int64_t us;

	if (s == NULL || strlen(s) != 10)
		return -1;
	snprintf(ts, sizeof(ts), "%sT00:00:00Z", s);
	if (iso8601_parse(ts, strlen(ts), 1, &us) != 0)
		return -1;
	*day = jx_day(us);
	return 0;
}

void
jx_ext(json *obj, const char *member, const char *iri, json *value)
{
	json_set(jx_obj(jx_obj(obj, member), "extensions"), iri, value);
}

size_t
jx_join(char *out, size_t size, ...)
{
	const char *p;
	size_t at = 0, n;
	va_list ap;

	va_start(ap, size);
	while ((p = va_arg(ap, const char *)) != NULL) {
		n = strlen(p);
		if (at < size - 1)
			memcpy(out + at, p, at + n < size ? n : size - 1 - at);
		at += n;
	}
	va_end(ap);
	out[at < size ? at : size - 1] = '\0';
	return at;
}
