/* schema: a JSON Schema validator for the draft-07 subset we use.
 *
 * A schema document (a json tree) is compiled once into a schema and then
 * validates any number of instances:
 *
 *	schema *s;
 *	if (schema_compile(doc, &s, err, sizeof(err)) != 0)
 *		... err says where the schema is wrong ...
 *	if (schema_validate(s, inst, err, sizeof(err)) != 0)
 *		... err is "/tiers/0: unknown property 'colour'" ...
 *	schema_free(s);
 *
 * Keywords, with draft-07 meaning: type ("integer" is any number without a
 * fractional part, so 1.0 is one), enum, const (numbers compare by value),
 * properties, required, additionalProperties, patternProperties,
 * propertyNames, minProperties, maxProperties, dependencies, items (a
 * schema or an array of schemas), additionalItems, contains, minItems,
 * maxItems, uniqueItems, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum (numbers), multipleOf, minLength, maxLength (in Unicode
 * code points), pattern, allOf, anyOf, oneOf, not, if/then/else,
 * definitions, boolean schemas, and $ref to a JSON pointer within the same
 * document ("#", "#/definitions/x"; ~0, ~1 and %XX are decoded), recursive
 * ones included.  A $ref makes its sibling keywords ignored, as in draft-07.
 *
 * Patterns are POSIX extended regular expressions, searched for anywhere
 * in the string as ECMA 262 does (anchor them with ^ and $); escapes that
 * POSIX lacks (\d, \u, ...) are refused rather than misread.
 *
 * "format" checks "date" (YYYY-MM-DD, a real date), "date-time" (RFC 3339)
 * and "uri" (a scheme, ':', then at least one character; no spaces or
 * control characters) and ignores other formats.  The annotations title,
 * description, $comment, examples, default, readOnly, writeOnly,
 * contentMediaType, contentEncoding, $schema and (at the root only) $id
 * are ignored.  Any other keyword is refused, so that a misspelt or
 * unsupported one cannot silently accept everything; the one exception is
 * a member that a $ref points into (a home for shared subschemas).
 */
#ifndef LRS_SCHEMA_H
#define LRS_SCHEMA_H

#include <stddef.h>

#include "json.h"

typedef struct schema schema;

enum {
	SCHEMA_OK = 0,
	SCHEMA_EBADSCHEMA = -1,	/* the schema is not valid, or uses a
				 * keyword or $ref we do not support */
	SCHEMA_EINVALID = -2	/* the instance does not validate */
};

/* Compile schema document doc into *out (freed with schema_free).  doc is
 * not kept: what is needed is copied.  Returns SCHEMA_OK, or
 * SCHEMA_EBADSCHEMA with *out NULL and err (errlen bytes, may be NULL)
 * holding "<JSON pointer in the schema>: <what is wrong>", e.g.
 * "/properties/a: unsupported keyword 'typ'" or
 * "/items: remote $ref 'http://x/y' is not supported".  A schema that
 * would loop without looking deeper into the instance ({"$ref": "#"},
 * allOf of itself) is refused too. */
int	schema_compile(const json *doc, schema **out, char *err, size_t errlen);

/* Release s (NULL is fine). */
void	schema_free(schema *s);

/* Validate inst against s.  Returns SCHEMA_OK or SCHEMA_EINVALID; then err
 * (errlen bytes, may be NULL) holds the first problem found as
 * "<JSON pointer of the instance location>: <message>", the pointer being
 * "/" for the whole instance and escaped as RFC 6901 says (~0, ~1), e.g.
 * "/tiers/1/criteria/0/threshold: must be >= 0",
 * "/: missing required property 'name'" or
 * "/tiers/0: unknown property 'colour'".  Problems are looked for in the
 * object itself before its members.  Any number of threads may validate
 * with one compiled schema at the same time. */
int	schema_validate(const schema *s, const json *inst, char *err,
	    size_t errlen);

/* A static description of a SCHEMA_* code. */
const char *schema_strerror(int rc);

#endif
