/*
 * codec-profile.c - api.Profile, and the request bodies: ProfilesPost
 * (create), ProfilePut (PUT and PATCH), ProfilePost (rename: codec.c).
 *
 * Each body has one encoder, the REST client's, and one decoder, lxdeckd's,
 * so both ends read the same JSON.  The ETag covers [config, description,
 * devices] (reproduced against a real LXD: lxd-api.md 1.4).
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* api.Profile is ProfilePut (config, description, devices), the name and
 * used_by, in that order. */
json_object *
codec_profile_encode(const struct profile *p)
{
	json_object *o = codec_profile_post_encode(p);

	json_object_object_add(o, "used_by", codec_strv_encode(&p->used_by));
	return o;
}

void
codec_profile_etag(const struct profile *p, char out[65])
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, codec_strmap_encode(&p->config));
	json_object_array_add(a, codec_string(p->description));
	json_object_array_add(a, codec_devmap_encode(&p->devices));
	codec_etag(a, out);
	json_object_put(a);
}

int
codec_profile_decode(json_object *o, struct profile *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	if (codec_check_object(o, "Profile", e) < 0)
		return -1;
	if (codec_get_dup(o, "name", &p->name, e) < 0 ||
	    codec_get_dup(o, "description", &p->description, e) < 0 ||
	    codec_get_strmap(o, "config", &p->config, NULL, e) < 0 ||
	    codec_get_devmap(o, "devices", &p->devices, NULL, e) < 0 ||
	    codec_get_strv(o, "used_by", &p->used_by, NULL, e) < 0) {
		profile_free_contents(p);
		return -1;
	}
	return 0;
}

/* What lxc sends, in its order: PUT has no name, POST (create) adds it. */
json_object *
codec_profile_put_encode(const struct profile *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "config", codec_strmap_encode(&p->config));
	json_object_object_add(o, "description", codec_string(p->description));
	json_object_object_add(o, "devices", codec_devmap_encode(&p->devices));
	return o;
}

json_object *
codec_profile_post_encode(const struct profile *p)
{
	json_object *o = codec_profile_put_encode(p);

	json_object_object_add(o, "name", codec_string(p->name));
	return o;
}

int
codec_profile_put_decode(json_object *o, struct profile_put *put, struct err *e)
{
	memset(put, 0, sizeof *put);
	if (codec_get_strmap(o, "config", &put->config, NULL, e) < 0 ||
	    codec_get_devmap(o, "devices", &put->devices, NULL, e) < 0 ||
	    codec_get_string(o, "description", &put->description, e) < 0) {
		codec_profile_put_free(put);
		return -1;
	}
	return 0;
}

void
codec_profile_put_free(struct profile_put *put)
{
	strmap_free(&put->config);
	devmap_free(&put->devices);
	put->description = NULL;
}
