/*
 * codec-profile.c - api.Profile and api.ProfilePut.
 *
 * The ETag covers [config, description, devices] (reproduced against a
 * real LXD: lxd-api.md 1.4).
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

json_object *
codec_profile_encode(const struct profile *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "config", codec_strmap_encode(&p->config));
	json_object_object_add(o, "description", codec_string(p->description));
	json_object_object_add(o, "devices", codec_devmap_encode(&p->devices));
	json_object_object_add(o, "name", codec_string(p->name));
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
	const char *name = NULL, *desc = NULL;

	memset(p, 0, sizeof *p);
	if (codec_check_object(o, "Profile", e) < 0)
		return -1;
	if (codec_get_string(o, "name", &name, e) < 0 ||
	    codec_get_string(o, "description", &desc, e) < 0 ||
	    codec_get_strmap(o, "config", &p->config, NULL, e) < 0 ||
	    codec_get_devmap(o, "devices", &p->devices, NULL, e) < 0 ||
	    codec_get_strv(o, "used_by", &p->used_by, NULL, e) < 0) {
		profile_free_contents(p);
		return -1;
	}
	p->name = xstrdup(name ? name : "");
	p->description = xstrdup(desc ? desc : "");
	return 0;
}
