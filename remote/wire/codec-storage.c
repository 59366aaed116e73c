/*
 * codec-storage.c - api.StoragePool, api.ResourcesStoragePool and
 * api.StorageVolume as LXD 5.0.2 gives them ("locations" ["none"], a
 * volume's zero "created_at" and "location" "none" on a lone server).
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

json_object *
codec_storage_pool_encode(const struct storage_pool *sp)
{
	json_object *o = json_object_new_object(), *loc = json_object_new_array();

	json_object_array_add(loc, codec_string("none"));
	json_object_object_add(o, "config", codec_strmap_encode(&sp->config));
	json_object_object_add(o, "description", codec_string(sp->description));
	json_object_object_add(o, "driver", codec_string(sp->driver));
	json_object_object_add(o, "locations", loc);
	json_object_object_add(o, "name", codec_string(sp->name));
	json_object_object_add(o, "status", codec_string(sp->status));
	json_object_object_add(o, "used_by", codec_strv_encode(&sp->used_by));
	return o;
}

json_object *
codec_storage_resources_encode(const struct storage_resources *r)
{
	json_object *o = json_object_new_object();
	json_object *in = json_object_new_object(), *sp = json_object_new_object();

	json_object_object_add(in, "total", json_object_new_uint64(r->inodes_total));
	json_object_object_add(in, "used", json_object_new_uint64(r->inodes_used));
	json_object_object_add(sp, "total", json_object_new_uint64(r->space_total));
	json_object_object_add(sp, "used", json_object_new_uint64(r->space_used));
	json_object_object_add(o, "inodes", in);
	json_object_object_add(o, "space", sp);
	return o;
}

json_object *
codec_storage_volume_encode(const struct storage_volume *v)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "config", json_object_new_object());
	json_object_object_add(o, "content_type", codec_string("filesystem"));
	json_object_object_add(o, "created_at", codec_string("0001-01-01T00:00:00Z"));
	json_object_object_add(o, "description", codec_string(""));
	json_object_object_add(o, "location", codec_string("none"));
	json_object_object_add(o, "name", codec_string(v->name));
	json_object_object_add(o, "project", codec_string("default"));
	json_object_object_add(o, "type", codec_string(v->type));
	json_object_object_add(o, "used_by", codec_strv_encode(&v->used_by));
	return o;
}

/* A volume's snapshot, as /volumes/TYPE/NAME/snapshots/SNAP shows it. */
json_object *
codec_storage_snapshot_encode(const struct storage_volume *v)
{
	json_object *o = json_object_new_object();
	const char *slash = strchr(v->name, '/');

	json_object_object_add(o, "config", json_object_new_object());
	json_object_object_add(o, "content_type", codec_string("filesystem"));
	json_object_object_add(o, "created_at", codec_string("0001-01-01T00:00:00Z"));
	json_object_object_add(o, "description", codec_string(""));
	json_object_object_add(o, "expires_at", codec_string("0001-01-01T00:00:00Z"));
	json_object_object_add(o, "name", codec_string(slash != NULL ? slash + 1 :
	    v->name));
	return o;
}
