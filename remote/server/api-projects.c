/*
 * api-projects.c - /1.0/projects: only "default" exists.
 *
 * `lxc remote add` reads this list and stores the single project it finds.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

static json_object *
api_projects_default(struct server *s)
{
	struct backend *be = server_backend(s);
	json_object *o = json_object_new_object(), *cfg = json_object_new_object();
	json_object *used = json_object_new_array();
	struct instance *list = NULL;
	struct profile *pl = NULL;
	struct err e = { 0 };
	size_t n = 0, i;

	json_object_object_add(cfg, "features.images", codec_string("true"));
	json_object_object_add(cfg, "features.networks", codec_string("true"));
	json_object_object_add(cfg, "features.profiles", codec_string("true"));
	json_object_object_add(cfg, "features.storage.volumes", codec_string("true"));
	json_object_object_add(o, "config", cfg);
	json_object_object_add(o, "description", codec_string("Default LXD project"));
	json_object_object_add(o, "name", codec_string("default"));
	if (be->ops->instance_list(be, 0, &list, &n, &e) == 0) {
		for (i = 0; i < n; i++) {
			char *u = xasprintf("/1.0/instances/%s", list[i].name);

			json_object_array_add(used, codec_string(u));
			free(u);
		}
		instance_array_free(list, n);
	}
	if (be->ops->profile_list(be, &pl, &n, &e) == 0) {
		for (i = 0; i < n; i++) {
			char *u = xasprintf("/1.0/profiles/%s", pl[i].name);

			json_object_array_add(used, codec_string(u));
			free(u);
		}
		profile_array_free(pl, n);
	}
	json_object_object_add(o, "used_by", used);
	return o;
}

int
api_projects_list(struct request *r, struct err *e)
{
	json_object *out = json_object_new_array();

	if (request_recursion(r) >= 1)
		json_object_array_add(out, api_projects_default(r->srv));
	else
		json_object_array_add(out, codec_string("/1.0/projects/default"));
	response_sync(r, out, NULL);
	return 0;
}

int
api_projects_get(struct request *r, struct err *e)
{
	json_object *o;
	char etag[65];

	if (strcmp(r->params[0], "default") != 0)
		return err_set(e, 404, "Project \"%s\" not found", r->params[0]);
	o = api_projects_default(r->srv);
	{
		json_object *a = json_object_new_array();

		json_object_array_add(a, json_object_get(json_object_object_get(o, "config")));
		json_object_array_add(a, json_object_get(json_object_object_get(o,
		    "description")));
		codec_etag(a, etag);
		json_object_put(a);
	}
	response_sync(r, o, etag);
	return 0;
}
