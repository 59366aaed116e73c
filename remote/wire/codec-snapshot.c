/*
 * codec-snapshot.c - api.InstanceSnapshot.
 *
 * `name` is the bare snapshot name ("snap0"), as LXD returns it from
 * /1.0/instances/NAME/snapshots/SNAP and inside InstanceFull.  The ETag
 * covers [expires_at] only.
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

json_object *
codec_snapshot_encode(const struct snapshot *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "expires_at", codec_time_encode(s->expires_ns));
	json_object_object_add(o, "architecture", codec_string(s->architecture));
	json_object_object_add(o, "config", codec_strmap_encode(&s->config));
	json_object_object_add(o, "created_at", codec_time_encode(s->created_ns));
	json_object_object_add(o, "devices", codec_devmap_encode(&s->devices));
	json_object_object_add(o, "ephemeral", json_object_new_boolean(s->ephemeral));
	json_object_object_add(o, "expanded_config", codec_strmap_encode(&s->expanded_config));
	json_object_object_add(o, "expanded_devices",
	    codec_devmap_encode(&s->expanded_devices));
	json_object_object_add(o, "last_used_at", codec_time_encode(s->last_used_ns));
	json_object_object_add(o, "name", codec_string(s->name));
	json_object_object_add(o, "profiles", codec_strv_encode(&s->profiles));
	json_object_object_add(o, "stateful", json_object_new_boolean(s->stateful));
	json_object_object_add(o, "size", json_object_new_int64(s->size));
	json_object_object_add(o, "description", codec_string(s->description));
	return o;
}

void
codec_snapshot_etag(const struct snapshot *s, char out[65])
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, codec_time_encode(s->expires_ns));
	codec_etag(a, out);
	json_object_put(a);
}

int
codec_snapshot_decode(json_object *o, struct snapshot *s, struct err *e)
{
	const char *name = NULL, *arch = NULL, *desc = NULL;
	int64_t size = -1;

	memset(s, 0, sizeof *s);
	s->size = -1;
	if (codec_check_object(o, "InstanceSnapshot", e) < 0)
		return -1;
	if (codec_get_string(o, "name", &name, e) < 0 ||
	    codec_get_string(o, "architecture", &arch, e) < 0 ||
	    codec_get_string(o, "description", &desc, e) < 0 ||
	    codec_get_bool(o, "stateful", &s->stateful, e) < 0 ||
	    codec_get_bool(o, "ephemeral", &s->ephemeral, e) < 0 ||
	    codec_get_time(o, "created_at", &s->created_ns, e) < 0 ||
	    codec_get_time(o, "last_used_at", &s->last_used_ns, e) < 0 ||
	    codec_get_time(o, "expires_at", &s->expires_ns, e) < 0 ||
	    codec_get_int(o, "size", &size, e) < 0 ||
	    codec_get_strv(o, "profiles", &s->profiles, NULL, e) < 0 ||
	    codec_get_strmap(o, "config", &s->config, NULL, e) < 0 ||
	    codec_get_devmap(o, "devices", &s->devices, NULL, e) < 0 ||
	    codec_get_strmap(o, "expanded_config", &s->expanded_config, NULL, e) < 0 ||
	    codec_get_devmap(o, "expanded_devices", &s->expanded_devices, NULL, e) < 0) {
		snapshot_free_contents(s);
		return -1;
	}
	s->name = xstrdup(name ? name : "");
	s->architecture = xstrdup(arch ? arch : "");
	s->description = xstrdup(desc ? desc : "");
	s->size = size;
	return 0;
}
