/*
 * api-storage.c - /1.0/storage-pools: the engine's one pool and its
 * volumes, read-only.
 *
 * `lxc storage list/show/info` and `lxc storage volume list/show` work as
 * on LXD: the pool, its space and inodes, and a volume per instance and
 * per snapshot.  The engine keeps root filesystems in one place, so
 * creating, changing or deleting pools and volumes through the API is
 * refused with 501 and a message saying so.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

static int
api_storage_backend(struct request *r, struct backend **be, struct err *e)
{
	*be = server_backend(r->srv);
	if ((*be)->ops->storage_pool_list == NULL)
		return err_set(e, 501, "This server has no storage pools to show");
	return 0;
}

/* "/1.0/storage-pools/POOL/volumes/container/NAME[/snapshots/SNAP]" */
static char *
api_storage_volume_url(const char *pool, const struct storage_volume *v)
{
	const char *slash = strchr(v->name, '/');

	if (v->snapshot && slash != NULL)
		return xasprintf("/1.0/storage-pools/%s/volumes/%s/%.*s/snapshots/%s",
		    pool, v->type, (int)(slash - v->name), v->name, slash + 1);
	return xasprintf("/1.0/storage-pools/%s/volumes/%s/%s", pool, v->type,
	    v->name);
}

int
api_storage_pools_list(struct request *r, struct err *e)
{
	struct storage_pool *list = NULL;
	struct backend *be;
	json_object *out;
	size_t n = 0, i;

	if (api_storage_backend(r, &be, e) < 0 ||
	    be->ops->storage_pool_list(be, &list, &n, e) < 0)
		return -1;
	out = json_object_new_array();
	for (i = 0; i < n; i++)
		api_filter_add(NULL, r, out, codec_storage_pool_encode(&list[i]),
		    "/1.0/storage-pools/%s", list[i].name);
	storage_pool_array_free(list, n);
	response_sync(r, out, NULL);
	return 0;
}

int
api_storage_pools_get(struct request *r, struct err *e)
{
	struct storage_pool *list = NULL;
	struct backend *be;
	size_t n = 0, i;

	if (api_storage_backend(r, &be, e) < 0 ||
	    be->ops->storage_pool_list(be, &list, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(list[i].name, r->params[0]) == 0)
			break;
	if (i == n) {
		storage_pool_array_free(list, n);
		return err_set(e, 404, "Storage pool \"%s\" not found", r->params[0]);
	}
	response_sync(r, codec_storage_pool_encode(&list[i]), NULL);
	storage_pool_array_free(list, n);
	return 0;
}

int
api_storage_pools_resources(struct request *r, struct err *e)
{
	struct storage_resources res;
	struct backend *be;

	if (api_storage_backend(r, &be, e) < 0 ||
	    be->ops->storage_pool_resources(be, r->params[0], &res, e) < 0)
		return -1;
	response_sync(r, codec_storage_resources_encode(&res), NULL);
	return 0;
}

/*
 * The volumes of a pool, narrowed by the URL: params[1] a type
 * (/volumes/container), params[2] a volume (its snapshots, for
 * /volumes/container/NAME/snapshots).
 */
int
api_storage_volumes_list(struct request *r, struct err *e)
{
	struct storage_volume *list = NULL;
	const char *type = r->params[1], *vol = type != NULL ? r->params[2] : NULL;
	struct backend *be;
	json_object *out;
	size_t n = 0, i, len = vol != NULL ? strlen(vol) : 0;

	if (api_storage_backend(r, &be, e) < 0 ||
	    be->ops->storage_volume_list(be, r->params[0], &list, &n, e) < 0)
		return -1;
	out = json_object_new_array();
	for (i = 0; i < n; i++) {
		const struct storage_volume *v = &list[i];

		if (type != NULL && strcmp(v->type, type) != 0)
			continue;
		if (vol != NULL && !(v->snapshot && strncmp(v->name, vol, len) == 0 &&
		    v->name[len] == '/'))
			continue;
		if (request_recursion(r) >= 1 && vol == NULL)
			json_object_array_add(out, codec_storage_volume_encode(v));
		else if (request_recursion(r) >= 1)
			json_object_array_add(out, codec_storage_snapshot_encode(v));
		else {
			char *u = api_storage_volume_url(r->params[0], v);

			json_object_array_add(out, codec_string(u));
			free(u);
		}
	}
	storage_volume_array_free(list, n);
	response_sync(r, out, NULL);
	return 0;
}

/* params: pool, type, volume[, snapshot] */
int
api_storage_volumes_get(struct request *r, struct err *e)
{
	struct storage_volume *list = NULL;
	struct backend *be;
	char *name;
	size_t n = 0, i;
	bool snap = r->params[3] != NULL;

	if (api_storage_backend(r, &be, e) < 0 ||
	    be->ops->storage_volume_list(be, r->params[0], &list, &n, e) < 0)
		return -1;
	name = snap ? xasprintf("%s/%s", r->params[2], r->params[3]) :
	    xstrdup(r->params[2]);
	for (i = 0; i < n; i++)
		if (strcmp(list[i].type, r->params[1]) == 0 &&
		    strcmp(list[i].name, name) == 0 && list[i].snapshot == snap)
			break;
	if (i == n) {
		err_set(e, 404, "Storage volume \"%s\" of type \"%s\" not found in "
		    "pool \"%s\"", name, r->params[1], r->params[0]);
		free(name);
		storage_volume_array_free(list, n);
		return -1;
	}
	response_sync(r, snap ? codec_storage_snapshot_encode(&list[i]) :
	    codec_storage_volume_encode(&list[i]), NULL);
	free(name);
	storage_volume_array_free(list, n);
	return 0;
}

int
api_storage_refuse(struct request *r, struct err *e)
{
	return err_set(e, 501, "Storage pools and volumes cannot be created or "
	    "changed through lxdeckd: it keeps every root filesystem in its one "
	    "pool itself");
}
