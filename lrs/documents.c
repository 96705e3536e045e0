/* documents: placeholder until the document resources land. */
#include "resource.h"

void
documents_handle(struct http_req *req, struct http_resp *resp)
{
	http_error(resp, 501, "not implemented yet");
}

void
activities_handle(struct http_req *req, struct http_resp *resp)
{
	http_error(resp, 501, "not implemented yet");
}

void
agents_handle(struct http_req *req, struct http_resp *resp)
{
	http_error(resp, 501, "not implemented yet");
}
