/* jx: small accessors for the engine's JSON entities (get-or-create,
 * numbers with defaults).  Every result belongs to the tree it came from. */
#ifndef TIER_JX_H
#define TIER_JX_H

#include <stdint.h>

#include "json.h"

/* Member key of obj as a number, or def when absent or not a number. */
double	 jx_num(const json *obj, const char *key, double def);
/* Member key as a string, or NULL. */
const char *jx_str(const json *obj, const char *key);
/* Set member key to number v / string s (NULL sets null). */
void	 jx_set_num(json *obj, const char *key, double v);
void	 jx_set_str(json *obj, const char *key, const char *s);
/* Member key, an object (or array), created when absent or of another type. */
json	*jx_obj(json *obj, const char *key);
json	*jx_arr(json *obj, const char *key);
/* Set obj.member.extensions[iri] = value (taken), making the objects on
 * the way: member is "result" or "context" of a statement. */
void	 jx_ext(json *obj, const char *member, const char *iri, json *value);
/* A number node for v (integers printed without a fraction). */
json	*jx_new_num(double v);
/* Nonzero when arr (an array of strings) holds s. */
int	 jx_has_str(const json *arr, const char *s);
/* Remove element i of array arr (freed). */
void	 jx_remove(json *arr, size_t i);
/* The strings given, up to a NULL, one after the other into out (size
 * bytes, size > 0), cut short and NUL-terminated like snprintf; the
 * length they needed (>= size when cut).  A cheap snprintf("%s%s..."). */
size_t	 jx_join(char *out, size_t size, ...);
/* UTC day number (days since 1970-01-01) of usec; and back to "YYYY-MM-DD". */
int64_t	 jx_day(int64_t usec);
void	 jx_day_format(int64_t day, char out[16]);
/* Parse "YYYY-MM-DD" into a day number; -1 when it is not a real date. */
int	 jx_day_parse(const char *s, int64_t *day);

#endif
