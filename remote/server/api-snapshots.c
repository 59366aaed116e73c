/*
 * api-snapshots.c - /1.0/instances/NAME/snapshots: list, create, get,
 * update (expiry), rename, delete.  Restore is an instance PUT with
 * "restore" (api-instances.c).
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

int
api_snapshots_list(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct snapshot *s = NULL;
	size_t n = 0, i;
	json_object *out;

	if (be->ops->snapshot_list(be, r->params[0], &s, &n, e) < 0)
		return -1;
	out = json_object_new_array();
	for (i = 0; i < n; i++) {
		if (request_recursion(r) >= 1) {
			json_object_array_add(out, codec_snapshot_encode(&s[i]));
		} else {
			char *url = xasprintf("/1.0/instances/%s/snapshots/%s",
			    r->params[0], s[i].name);

			json_object_array_add(out, codec_string(url));
			free(url);
		}
	}
	snapshot_array_free(s, n);
	response_sync(r, out, NULL);
	return 0;
}

int
api_snapshots_create(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct snapshot_post p;
	json_object *body;
	char *op = NULL;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_snapshot_post_decode(body, &p, e) < 0)
		goto out;
	if (p.name != NULL && strchr(p.name, '/') != NULL) {
		err_set(e, 400, "Invalid snapshot name \"%s\"", p.name);
		goto out;
	}
	if (be->ops->snapshot_create(be, r->params[0], p.name, p.stateful, p.expires_ns,
	    &op, e) < 0)
		goto out;
	response_async(r, op);
	rc = 0;
out:
	free(op);
	json_object_put(body);
	return rc;
}

int
api_snapshots_get(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct snapshot *s = NULL;
	char etag[65];

	if (be->ops->snapshot_get(be, r->params[0], r->params[1], &s, e) < 0)
		return -1;
	codec_snapshot_etag(s, etag);
	response_sync(r, codec_snapshot_encode(s), etag);
	snapshot_free_contents(s);
	free(s);
	return 0;
}

int
api_snapshots_put(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct snapshot *s = NULL;
	int64_t expires = 0;
	json_object *body;
	char etag[65];
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (be->ops->snapshot_get(be, r->params[0], r->params[1], &s, e) < 0)
		goto out;
	codec_snapshot_etag(s, etag);
	if (response_check_etag(r, etag, e) < 0)
		goto out;
	expires = s->expires_ns;
	if (codec_snapshot_put_decode(body, &expires, e) < 0)
		goto out;
	if (be->ops->snapshot_update(be, r->params[0], r->params[1], expires, e) < 0)
		goto out;
	response_empty(r);
	rc = 0;
out:
	if (s != NULL) {
		snapshot_free_contents(s);
		free(s);
	}
	json_object_put(body);
	return rc;
}

int
api_snapshots_rename(struct request *r, struct err *e)
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
	if (codec_snapshot_rename_decode(body, &newname, &migration, e) < 0)
		goto out;
	if (migration) {
		err_set(e, 501, "Migration of snapshot \"%s/%s\" is not supported",
		    r->params[0], r->params[1]);
		goto out;
	}
	if (newname == NULL || *newname == '\0' || strchr(newname, '/') != NULL) {
		err_set(e, 400, "Invalid new name for snapshot \"%s/%s\"", r->params[0],
		    r->params[1]);
		goto out;
	}
	if (be->ops->snapshot_rename(be, r->params[0], r->params[1], newname, &op, e) < 0)
		goto out;
	response_async(r, op);
	rc = 0;
out:
	free(op);
	json_object_put(body);
	return rc;
}

int
api_snapshots_delete(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	char *op = NULL;

	if (be->ops->snapshot_delete(be, r->params[0], r->params[1], &op, e) < 0)
		return -1;
	response_async(r, op);
	free(op);
	return 0;
}
