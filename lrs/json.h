/* json: a small JSON document tree on top of yajl.
 *
 * json_parse() builds a tree; every node is owned by its parent and the
 * whole tree is released with json_free() on the root.  Numbers keep the
 * literal text they were written with (so a statement is returned with the
 * numbers it was sent with) as well as a double.  Object members keep their
 * order.
 *
 * Text is strict UTF-8 (RFC 3629; see utf8.h): json_parse() refuses
 * overlong forms, encoded surrogates, code points above U+10FFFF and \u
 * escapes of unpaired surrogates, so every string of a tree it built is
 * well-formed UTF-8.
 *
 * U+0000: RFC 8259 allows "\u0000" in strings, and a string value may hold
 * it: str then holds a NUL byte, so use the len field, not strlen(), and
 * json_dump() writes it back as \u0000.  Member names are NUL-terminated C
 * strings, so a name holding \u0000 is refused (JSON_ENULNAME) rather than
 * cut short, where it could repeat another name.
 */
#ifndef LRS_JSON_H
#define LRS_JSON_H

#include <stddef.h>

#include "buf.h"

enum json_type {
	JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING,
	JSON_ARRAY, JSON_OBJECT
};

typedef struct json json;
struct json {
	enum json_type	  type;
	/* 0, or JSON_BLOCK_ROOT / JSON_BLOCK_MEMBER for a tree of
	 * json_parse_own_block (see there). */
	unsigned char	  block;
	char		 *str;	/* STRING: the text; NUMBER: its literal. NUL-terminated */
	size_t		  len;	/* length of str in bytes */
	double		  num;	/* NUMBER: the value */
	size_t		  n;	/* ARRAY, OBJECT: number of members */
	size_t		  cap;
	char		**keys;	/* OBJECT: member names (NUL-terminated) */
	json		**vals;	/* ARRAY, OBJECT: members */
};

/* Error codes of json_parse(). */
enum {
	JSON_OK = 0,
	JSON_ESYNTAX = -1,	/* not JSON */
	JSON_EDEPTH = -2,	/* nested deeper than allowed */
	JSON_EDUPKEY = -3,	/* an object names a member twice */
	JSON_EUTF8 = -4,	/* not strict UTF-8, or an unpaired \u surrogate */
	JSON_ENULNAME = -5	/* a member name holds \u0000 */
};

/* Parse len bytes of text into a new tree (*out; caller frees it with
 * json_free).  Nesting deeper than maxdepth arrays/objects is refused.
 * On error returns a JSON_E* code, *out is NULL, and err (errlen bytes,
 * may be NULL) says what and where ("malformed JSON at byte 12: invalid
 * UTF-8 (an overlong encoding)"). */
int	json_parse(const char *text, size_t len, int maxdepth, json **out,
	    char *err, size_t errlen);
/* Parse JSON that lrsd wrote itself (stored statements, its own records)
 * into a new tree, as json_parse would but several times faster: it
 * checks the grammar and maxdepth, not that the text is UTF-8 nor that
 * names are not repeated, and gives no message.  Never for text from
 * outside.  JSON_OK, JSON_ESYNTAX, JSON_EDEPTH or JSON_ENULNAME (*out is
 * then NULL). */
int	json_parse_own(const char *text, size_t len, int maxdepth, json **out);
/* The same, with the whole tree in one block of memory (a few large
 * allocations instead of one per node, name and member list): for text
 * parsed only to be read and dropped at a high rate, such as the stored
 * statements the tiering engine folds.  The tree is read-only: json_set,
 * json_take, json_del and json_push on any of its nodes abort, and so does
 * json_free on a member; json_free on the root releases the whole block
 * (json_clone gives an ordinary copy of any part).  Same results as
 * json_parse_own. */
int	json_parse_own_block(const char *text, size_t len, int maxdepth,
	    json **out);
enum { JSON_BLOCK_ROOT = 1, JSON_BLOCK_MEMBER = 2 };
/* Release a tree (NULL is fine): a block's root releases the block. */
void	json_free(json *j);

/* The member named key of an object, or NULL (also when j is not an object).
 * The result belongs to j. */
json	*json_get(const json *j, const char *key);
/* The string value of member key, or NULL when absent or not a string. */
const char *json_get_str(const json *j, const char *key);
/* Nonzero when j is a string equal to s. */
int	json_is_str(const json *j, const char *s);

/* Constructors; each result is owned by the caller until added to a parent. */
json	*json_new(enum json_type type);
json	*json_new_str(const char *s);
json	*json_new_strn(const char *s, size_t len);
/* A number from its literal text (which must be valid JSON number syntax). */
json	*json_new_num(const char *literal);
json	*json_new_int(long long v);
json	*json_new_bool(int v);

/* Set member key of object obj to val (obj takes val); replaces and frees
 * an existing member of that name in place, else appends. */
void	json_set(json *obj, const char *key, json *val);
/* Remove and free member key of obj, if present. */
void	json_del(json *obj, const char *key);
/* Append val to array arr (arr takes val). */
void	json_push(json *arr, json *val);
/* Detach member key from obj and hand it to the caller (NULL if absent). */
json	*json_take(json *obj, const char *key);

/* A deep copy of j. Caller frees. */
json	*json_clone(const json *j);
/* Nonzero when a and b are the same value: same types, numbers by value,
 * object members compared by name whatever their order. */
int	json_equal(const json *a, const json *b);

/* Append compact JSON text of j to out. */
void	json_dump(const json *j, struct buf *out);
/* Append s (len bytes) as a quoted, escaped JSON string to out.  The
 * output is always well-formed UTF-8: a byte of s that starts no
 * well-formed sequence (json_parse() never makes one, but a record stored
 * before it was strict, or a message cut short mid-character, can hold
 * one) is written as U+FFFD. */
void	json_dump_str(const char *s, size_t len, struct buf *out);
/* Compact JSON text of j as a new NUL-terminated string. Caller frees. */
char	*json_to_string(const json *j, size_t *len);

#endif
