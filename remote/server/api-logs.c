/*
 * api-logs.c - /1.0/instances/NAME/logs.
 *
 * `lxc info --show-log` reads logs/lxc.log: the runtime log of the
 * instance (liblxc's own, warnings and errors of start and stop), as LXD
 * serves it.  A backend without instance_log serves the console log there
 * instead, the next best thing a user looks for.  Other names are 404.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

int
api_logs_list(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct instance *in = NULL;
	json_object *out;
	char *url;

	if (be->ops->instance_get(be, r->params[0], 0, &in, e) < 0)
		return -1;
	instance_free(in);
	out = json_object_new_array();
	url = xasprintf("/1.0/instances/%s/logs/lxc.log", r->params[0]);
	json_object_array_add(out, codec_string(url));
	free(url);
	response_sync(r, out, NULL);
	return 0;
}

int
api_logs_get(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct response *resp;
	char *buf = NULL;
	size_t len = 0;

	if (strcmp(r->params[1], "lxc.log") != 0)
		return err_set(e, 404, "Log file \"%s\" of instance \"%s\" not found",
		    r->params[1], r->params[0]);
	if (be->ops->instance_log != NULL) {
		if (be->ops->instance_log(be, r->params[0], &buf, &len, e) < 0)
			return -1;
	} else if (be->ops->console_log(be, r->params[0], &buf, &len, e) < 0) {
		return -1;
	}
	resp = response_new(200);
	response_header(resp, "Content-Type", "application/octet-stream");
	response_header(resp, "Content-Disposition", "inline;filename=lxc.log");
	response_body(resp, buf ? buf : "", len);
	free(buf);
	request_send(r, resp);
	return 0;
}
