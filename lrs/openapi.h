/* openapi: the OpenAPI 3.1 description of what lrsd serves, built into
 * the binary (build/openapi.c is generated from openapi/openapi.json by
 * tools/embed-openapi.sh). */
#ifndef OPENAPI_H
#define OPENAPI_H

/* The text of openapi/openapi.json, NUL-terminated; static, never freed. */
const char *openapi_text(void);

#endif
