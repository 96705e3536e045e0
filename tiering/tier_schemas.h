/* tier_schemas: the JSON Schemas of schemas/, built into the binary
 * (build/tier_schemas.c is generated from the files schemas/NAME.schema.json). */
#ifndef TIER_SCHEMAS_H
#define TIER_SCHEMAS_H

/* The text of schemas/NAME.schema.json, or NULL. */
const char *tier_schema_text(const char *name);

#endif
