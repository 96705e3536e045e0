/* http: helpers for requests and replies. */
#include "http.h"
#include "json.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *
http_header(const struct http_req *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

void
http_add_header(struct http_resp *resp, const char *name, const char *fmt, ...)
{
	va_list ap;

	buf_printf(&resp->headers, "%s: ", name);
	va_start(ap, fmt);
	buf_vprintf(&resp->headers, fmt, ap);
	va_end(ap);
	buf_puts(&resp->headers, "\r\n");
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	case 507: return "Insufficient Storage";
	default: return "Unknown";
	}
}

void
http_error(struct http_resp *resp, int status, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	resp->status = status;
	buf_reset(&resp->body);
	buf_puts(&resp->body, "{\"error\":");
	json_dump_str(http_reason(status), strlen(http_reason(status)), &resp->body);
	buf_puts(&resp->body, ",\"message\":");
	json_dump_str(msg.p ? msg.p : "", msg.len, &resp->body);
	buf_putc(&resp->body, '}');
	http_set_type(resp, "application/json");
	buf_free(&msg);
}

void
http_set_type(struct http_resp *resp, const char *type)
{
	free(resp->content_type);
	resp->content_type = type ? strdup(type) : NULL;
}

char *
http_date(int64_t usec, char out[40])
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return out;
}

int
http_parse_date(const char *s, int64_t *usec)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end)
		return -1;
	*usec = (int64_t)timegm(&tm) * 1000000;
	return 0;
}

int
http_is_type(const char *content_type, const char *type)
{
	size_t n = strlen(type);

	if (content_type == NULL)
		return 0;
	while (isspace((unsigned char)*content_type))
		content_type++;
	if (strncasecmp(content_type, type, n) != 0)
		return 0;
	content_type += n;
	while (isspace((unsigned char)*content_type))
		content_type++;
	return *content_type == '\0' || *content_type == ';';
}

int
http_only_params(const struct http_req *req, const char *const *allowed,
    struct http_resp *resp)
{
	size_t i, k;

	for (i = 0; i < req->q.n; i++) {
		for (k = 0; allowed[k]; k++)
			if (strcmp(req->q.names[i], allowed[k]) == 0)
				break;
		if (allowed[k] == NULL) {
			http_error(resp, 400, "parameter '%s' is not allowed for %s %s",
			    req->q.names[i], req->method, req->path);
			return -1;
		}
	}
	return 0;
}
