/*
 * response.c - LXD's response envelopes.
 *
 * Every JSON answer has the same seven keys in LXD's order: type, status,
 * status_code, operation, error_code, error, metadata.  Sync answers are
 * 200 (201 + Location for a created object), async ones 202 + Location
 * with the operation as metadata, errors carry the HTTP status in
 * error_code and X-Content-Type-Options: nosniff.  ETags go out quoted and
 * come back quoted in If-Match.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static void
response_json_with(struct request *r, int status, json_object *env, const char *etag,
    const char *location, const struct strmap *extra)
{
	struct response *resp = response_new(status);
	char *text = codec_to_string(env, false);
	size_t i;

	response_header(resp, "Content-Type", "application/json");
	if (status >= 400)
		response_header(resp, "X-Content-Type-Options", "nosniff");
	if (etag != NULL) {
		char *q = xasprintf("\"%s\"", etag);

		response_header(resp, "ETag", q);
		free(q);
	}
	if (location != NULL)
		response_header(resp, "Location", location);
	for (i = 0; extra != NULL && i < extra->n; i++)
		response_header(resp, extra->keys[i], extra->vals[i]);
	response_body(resp, text, strlen(text));
	response_body(resp, "\n", 1);
	free(text);
	json_object_put(env);
	request_send(r, resp);
}

static void
response_json(struct request *r, int status, json_object *env, const char *etag,
    const char *location)
{
	response_json_with(r, status, env, etag, location, NULL);
}

static json_object *
response_envelope(const char *type, const char *status, int status_code,
    const char *op, int error_code, const char *error, json_object *metadata)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", codec_string(type));
	json_object_object_add(o, "status", codec_string(status));
	json_object_object_add(o, "status_code", json_object_new_int(status_code));
	json_object_object_add(o, "operation", codec_string(op));
	json_object_object_add(o, "error_code", json_object_new_int(error_code));
	json_object_object_add(o, "error", codec_string(error));
	json_object_object_add(o, "metadata", metadata);
	return o;
}

void
response_sync(struct request *r, json_object *metadata, const char *etag)
{
	response_json(r, 200, response_envelope("sync", "Success", 200, "", 0, "",
	    metadata), etag, NULL);
}

void
response_sync_with(struct request *r, json_object *metadata, const struct strmap *headers)
{
	response_json_with(r, 200, response_envelope("sync", "Success", 200, "", 0, "",
	    metadata), NULL, NULL, headers);
}

void
response_empty(struct request *r)
{
	response_sync(r, json_object_new_object(), NULL);
}

void
response_created(struct request *r, const char *location_fmt, ...)
{
	char *location;
	va_list ap;

	va_start(ap, location_fmt);
	location = xvasprintf(location_fmt, ap);
	va_end(ap);
	response_json(r, 201, response_envelope("sync", "Success", 200, "", 0, "",
	    NULL), NULL, location);
	free(location);
}

void
response_async(struct request *r, const char *op_id)
{
	struct backend *be = server_backend(r->srv);
	struct op_info op = { 0 };
	struct err e = { 0 };
	json_object *meta;
	char *url;

	if (be->ops->op_get(be, op_id, &op, &e) < 0) {
		/* Gone already (kept ~5 s after the end, so hardly ever). */
		op.id = xstrdup(op_id);
		op.status = STATUS_SUCCESS;
		op.description = xstrdup("");
	}
	meta = codec_op_encode(&op, server_op_extra(r->srv, op_id));
	url = xasprintf("/1.0/operations/%s", op_id);
	response_json(r, 202, response_envelope("async", "Operation created", 100, url,
	    0, "", meta), NULL, url);
	free(url);
	op_info_free_contents(&op);
}

void
response_async_op(struct request *r, json_object *op)
{
	json_object *id = NULL;
	char *url;

	json_object_object_get_ex(op, "id", &id);
	url = xasprintf("/1.0/operations/%s", id ? json_object_get_string(id) : "");
	response_json(r, 202, response_envelope("async", "Operation created", 100, url,
	    0, "", op), NULL, url);
	free(url);
}

void
response_error(struct request *r, const struct err *e)
{
	int code = e->code >= 400 && e->code <= 599 ? e->code : 500;

	response_json(r, code, response_envelope("error", "", 0, "", code,
	    e->msg[0] ? e->msg : http_status_text(code), NULL), NULL, NULL);
}

int
response_check_etag(struct request *r, const char *etag, struct err *e)
{
	const char *sent = request_header(r, "if-match");
	char *clean;
	size_t n;
	int rc = 0;

	if (sent == NULL || *sent == '\0')
		return 0;
	n = strlen(sent);
	if (n >= 2 && sent[0] == '"' && sent[n - 1] == '"')
		clean = xstrndup(sent + 1, n - 2);
	else
		clean = xstrdup(sent);
	if (strcmp(clean, etag) != 0)
		rc = err_set(e, 412, "ETag doesn't match: %s vs %s", etag, clean);
	free(clean);
	return rc;
}
