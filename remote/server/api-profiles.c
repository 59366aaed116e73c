/*
 * api-profiles.c - /1.0/profiles: list, create (201 + Location), get,
 * put (If-Match), patch (merge), rename, delete.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

int
api_profiles_list(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct profile *p = NULL;
	size_t n = 0, i;
	struct api_filter *f;
	json_object *out;

	f = api_filter_parse(request_query(r, "filter"), e);
	if (f == NULL)
		return -1;
	if (request_project_is_default(r) && be->ops->profile_list(be, &p, &n, e) < 0) {
		api_filter_free(f);
		return -1;
	}
	out = json_object_new_array();
	for (i = 0; i < n; i++)
		api_filter_add(f, r, out, codec_profile_encode(&p[i]),
		    "/1.0/profiles/%s", p[i].name);
	profile_array_free(p, n);
	api_filter_free(f);
	response_sync(r, out, NULL);
	return 0;
}

int
api_profiles_create(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct profile p;
	json_object *body;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_profile_decode(body, &p, e) < 0)
		goto out_body;
	if (p.name[0] == '\0') {
		err_set(e, 400, "No name provided");
		goto out;
	}
	if (be->ops->profile_create(be, &p, e) < 0)
		goto out;
	response_created(r, "/1.0/profiles/%s", p.name);
	rc = 0;
out:
	profile_free_contents(&p);
out_body:
	json_object_put(body);
	return rc;
}

int
api_profiles_get(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct profile *p = NULL;
	char etag[65];

	if (be->ops->profile_get(be, r->params[0], &p, e) < 0)
		return -1;
	codec_profile_etag(p, etag);
	response_sync(r, codec_profile_encode(p), etag);
	profile_free(p);
	return 0;
}

static int
api_profiles_update(struct request *r, bool patch, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct profile *cur = NULL, put = { 0 };
	struct profile_put in = { 0 };
	json_object *body;
	char etag[65];
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_profile_put_decode(body, &in, e) < 0)
		goto out;
	if (be->ops->profile_get(be, r->params[0], &cur, e) < 0)
		goto out;
	codec_profile_etag(cur, etag);
	if (response_check_etag(r, etag, e) < 0)
		goto out;
	put.name = cur->name;
	if (patch) {
		put.description = (char *)(in.description ? in.description :
		    cur->description);
		strmap_copy(&put.config, &cur->config);
		devmap_copy(&put.devices, &cur->devices);
		request_patch_merge(&put.config, &in.config, &put.devices, &in.devices);
	} else {
		put.description = (char *)(in.description ? in.description : "");
		strmap_copy(&put.config, &in.config);
		devmap_copy(&put.devices, &in.devices);
	}
	if (be->ops->profile_update(be, r->params[0], &put, e) < 0)
		goto out;
	response_empty(r);
	rc = 0;
out:
	strmap_free(&put.config);
	devmap_free(&put.devices);
	profile_free(cur);
	codec_profile_put_free(&in);
	json_object_put(body);
	return rc;
}

int
api_profiles_put(struct request *r, struct err *e)
{
	return api_profiles_update(r, false, e);
}

int
api_profiles_patch(struct request *r, struct err *e)
{
	return api_profiles_update(r, true, e);
}

int
api_profiles_rename(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	const char *newname = NULL;
	json_object *body;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_rename_decode(body, &newname, e) < 0)
		goto out;
	if (newname == NULL || *newname == '\0') {
		err_set(e, 400, "No name provided");
		goto out;
	}
	if (be->ops->profile_rename(be, r->params[0], newname, e) < 0)
		goto out;
	response_created(r, "/1.0/profiles/%s", newname);
	rc = 0;
out:
	json_object_put(body);
	return rc;
}

int
api_profiles_delete(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);

	if (be->ops->profile_delete(be, r->params[0], e) < 0)
		return -1;
	response_empty(r);
	return 0;
}
