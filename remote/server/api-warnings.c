/*
 * api-warnings.c - /1.0/warnings: what the server noticed about its host.
 *
 * `lxc warning list/show/ack/delete` work as on LXD.  Warnings are the
 * engine's (engine/warning.c); a PUT or PATCH sets the status ("new" or
 * "acknowledged", as LXD accepts), a DELETE forgets the warning.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

static int
api_warnings_load(struct request *r, struct warning **list, size_t *n,
    struct err *e)
{
	struct backend *be = server_backend(r->srv);

	if (be->ops->warning_list == NULL)
		return err_set(e, 501, "This server keeps no warnings");
	return be->ops->warning_list(be, list, n, e);
}

int
api_warnings_list(struct request *r, struct err *e)
{
	struct warning *list = NULL;
	json_object *out;
	size_t n = 0, i;

	if (api_warnings_load(r, &list, &n, e) < 0)
		return -1;
	out = json_object_new_array();
	for (i = 0; i < n; i++)
		api_filter_add(NULL, r, out, codec_warning_encode(&list[i]),
		    "/1.0/warnings/%s", list[i].uuid);
	warning_array_free(list, n);
	response_sync(r, out, NULL);
	return 0;
}

int
api_warnings_get(struct request *r, struct err *e)
{
	struct warning *list = NULL;
	size_t n = 0, i;

	if (api_warnings_load(r, &list, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(list[i].uuid, r->params[0]) == 0)
			break;
	if (i == n) {
		warning_array_free(list, n);
		return err_set(e, 404, "Warning \"%s\" not found", r->params[0]);
	}
	response_sync(r, codec_warning_encode(&list[i]), NULL);
	warning_array_free(list, n);
	return 0;
}

/* PUT and PATCH: {"status": "new" | "acknowledged"} */
int
api_warnings_put(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	const char *status = NULL;
	json_object *body;
	int rc = -1;

	if (be->ops->warning_set_status == NULL)
		return err_set(e, 501, "This server keeps no warnings");
	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_check_object(body, "Warning", e) < 0 ||
	    codec_get_string(body, "status", &status, e) < 0)
		goto out;
	if (status == NULL) {
		err_set(e, 400, "Warning \"%s\": no \"status\" given", r->params[0]);
		goto out;
	}
	if (be->ops->warning_set_status(be, r->params[0], status, e) < 0)
		goto out;
	response_empty(r);
	rc = 0;
out:
	json_object_put(body);
	return rc;
}

int
api_warnings_delete(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);

	if (be->ops->warning_delete == NULL)
		return err_set(e, 501, "This server keeps no warnings");
	if (be->ops->warning_delete(be, r->params[0], e) < 0)
		return -1;
	response_empty(r);
	return 0;
}
