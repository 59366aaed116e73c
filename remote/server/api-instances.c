/*
 * api-instances.c - /1.0/instances (and /1.0/containers): list, create,
 * get, put (and restore), patch, rename, delete, and .../state.
 *
 * Slow actions answer 202 with the backend's operation.  PATCH is the
 * exception LXD makes: it answers sync once the update is done, so the
 * request waits for its operation.  List filtering runs on the JSON that
 * is about to be sent (filter.c).  Only the default project exists: other
 * projects list nothing and have no instances.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

int
api_instances_list(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct instance *list = NULL;
	struct api_filter *f;
	size_t n = 0, i;
	int rec = request_recursion(r);
	json_object *out;

	f = api_filter_parse(request_query(r, "filter"), e);
	if (f == NULL)
		return -1;
	if (request_project_is_default(r) &&
	    be->ops->instance_list(be, rec >= 2 ? INSTANCE_WITH_STATE |
	    INSTANCE_WITH_SNAPSHOTS : 0, &list, &n, e) < 0) {
		api_filter_free(f);
		return -1;
	}
	out = json_object_new_array();
	for (i = 0; i < n; i++)
		api_filter_add(f, r, out, codec_instance_encode(&list[i], rec >= 2),
		    "/1.0/instances/%s", list[i].name);
	instance_array_free(list, n);
	api_filter_free(f);
	response_sync(r, out, NULL);
	return 0;
}

int
api_instances_create(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct instance_create c;
	json_object *body;
	char *op = NULL;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_instance_create_decode(body, &c, e) < 0)
		goto out;
	if (be->ops->instance_create(be, &c, &op, e) == 0) {
		response_async(r, op);
		rc = 0;
	}
	instance_create_free_contents(&c);
out:
	free(op);
	json_object_put(body);
	return rc;
}

int
api_instances_get(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct instance *in = NULL;
	bool full = request_recursion(r) >= 1;
	char etag[65];

	if (be->ops->instance_get(be, r->params[0], full ? INSTANCE_WITH_STATE |
	    INSTANCE_WITH_SNAPSHOTS : 0, &in, e) < 0)
		return -1;
	codec_instance_etag(in, etag);
	response_sync(r, codec_instance_encode(in, full), etag);
	instance_free(in);
	return 0;
}

/* "inst/snap" or "snap" of instance inst: the snapshot name, or NULL. */
static const char *
api_instances_restore_name(const char *inst, const char *restore)
{
	const char *slash = strchr(restore, '/');
	size_t il = strlen(inst);

	if (slash == NULL)
		return restore;
	if ((size_t)(slash - restore) != il || strncmp(restore, inst, il) != 0)
		return NULL;
	return slash + 1;
}

int
api_instances_put(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	const char *name = r->params[0], *restore = NULL;
	struct instance_put put;
	struct instance *in = NULL;
	json_object *body;
	char *op = NULL, etag[65];
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_instance_put_decode(body, &put, &restore, e) < 0)
		goto out_body;
	if (restore != NULL && *restore != '\0') {
		const char *snap = api_instances_restore_name(name, restore);
		bool stateful = false;

		if (snap == NULL || *snap == '\0') {
			err_set(e, 400, "Invalid snapshot name \"%s\" for instance \"%s\"",
			    restore, name);
			goto out;
		}
		if (codec_get_bool(body, "stateful", &stateful, e) < 0)
			goto out;
		if (be->ops->snapshot_restore(be, name, snap, stateful, &op, e) < 0)
			goto out;
		response_async(r, op);
		rc = 0;
		goto out;
	}
	if (be->ops->instance_get(be, name, 0, &in, e) < 0)
		goto out;
	codec_instance_etag(in, etag);
	if (response_check_etag(r, etag, e) < 0)
		goto out;
	if (be->ops->instance_update(be, name, &put, &op, e) < 0)
		goto out;
	response_async(r, op);
	rc = 0;
out:
	instance_free(in);
	codec_instance_put_free(&put);
	free(op);
out_body:
	json_object_put(body);
	return rc;
}

static void
api_instances_patch_done(struct server *s, const struct op_info *op, void *arg)
{
	struct request *r = arg;
	struct err e = { 0 };

	if (op->status == STATUS_SUCCESS) {
		response_empty(r);
		return;
	}
	err_set(&e, 400, "%s", op->err && *op->err ? op->err : "Update failed");
	response_error(r, &e);
}

int
api_instances_patch(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	const char *name = r->params[0], *desc = NULL;
	struct instance *in = NULL;
	struct instance_put put = { 0 };
	struct strmap cfg = { 0 };
	struct devmap devs = { 0 };
	struct strv profiles = { 0 };
	bool has_profiles = false;
	json_object *body;
	char *op = NULL, etag[65];
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_get_strmap(body, "config", &cfg, NULL, e) < 0 ||
	    codec_get_devmap(body, "devices", &devs, NULL, e) < 0 ||
	    codec_get_strv(body, "profiles", &profiles, &has_profiles, e) < 0 ||
	    codec_get_string(body, "description", &desc, e) < 0)
		goto out;
	if (be->ops->instance_get(be, name, 0, &in, e) < 0)
		goto out;
	codec_instance_etag(in, etag);
	if (response_check_etag(r, etag, e) < 0)
		goto out;
	put.description = desc ? desc : in->description;
	put.ephemeral = in->ephemeral;
	if (codec_get_bool(body, "ephemeral", &put.ephemeral, e) < 0)
		goto out;
	strmap_copy(&put.config, &in->config);
	devmap_copy(&put.devices, &in->devices);
	request_patch_merge(&put.config, &cfg, &put.devices, &devs);
	strv_copy(&put.profiles, has_profiles ? &profiles : &in->profiles);
	if (be->ops->instance_update(be, name, &put, &op, e) < 0)
		goto out;
	if (api_operations_when_done(r, op, api_instances_patch_done, r, e) < 0)
		goto out;
	rc = 0;
out:
	free(op);
	instance_free(in);
	codec_instance_put_free(&put);
	strmap_free(&cfg);
	devmap_free(&devs);
	strv_free(&profiles);
	json_object_put(body);
	return rc;
}

int
api_instances_rename(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	const char *newname = NULL;
	bool migration = false;
	json_object *body;
	char *op = NULL;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_get_string(body, "name", &newname, e) < 0 ||
	    codec_get_bool(body, "migration", &migration, e) < 0)
		goto out;
	if (migration) {
		err_set(e, 501, "Migration of instance \"%s\" is not supported",
		    r->params[0]);
		goto out;
	}
	if (newname == NULL || *newname == '\0') {
		err_set(e, 400, "Missing new name for instance \"%s\"", r->params[0]);
		goto out;
	}
	if (be->ops->instance_rename(be, r->params[0], newname, &op, e) < 0)
		goto out;
	response_async(r, op);
	rc = 0;
out:
	free(op);
	json_object_put(body);
	return rc;
}

int
api_instances_delete(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	char *op = NULL;

	if (be->ops->instance_delete(be, r->params[0], &op, e) < 0)
		return -1;
	response_async(r, op);
	free(op);
	return 0;
}

int
api_instances_state_get(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct instance_state *st = NULL;

	if (be->ops->instance_state(be, r->params[0], &st, e) < 0)
		return -1;
	response_sync(r, codec_state_encode(st), NULL);
	instance_state_free(st);
	return 0;
}

int
api_instances_state_put(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct state_put sp;
	json_object *body;
	char *op = NULL;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_state_put_decode(body, &sp, e) < 0)
		goto out;
	if (strcmp(sp.action, "start") != 0 && strcmp(sp.action, "stop") != 0 &&
	    strcmp(sp.action, "restart") != 0 && strcmp(sp.action, "freeze") != 0 &&
	    strcmp(sp.action, "unfreeze") != 0) {
		err_set(e, 400, "Unknown action \"%s\"", sp.action);
		goto out;
	}
	if (be->ops->instance_action(be, r->params[0], sp.action, sp.timeout, sp.force,
	    sp.stateful, &op, e) < 0)
		goto out;
	response_async(r, op);
	rc = 0;
out:
	free(op);
	json_object_put(body);
	return rc;
}
