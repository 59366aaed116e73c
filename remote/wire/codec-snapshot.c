/*
 * codec-snapshot.c - api.InstanceSnapshot, and the request bodies:
 * InstanceSnapshotsPost (create), InstanceSnapshotPost (rename),
 * InstanceSnapshotPut (expiry) and the restore (an InstancePut).
 *
 * `name` is the bare snapshot name ("snap0"), as LXD returns it from
 * /1.0/instances/NAME/snapshots/SNAP and inside InstanceFull.  The ETag
 * covers [expires_at] only.  Each body has one encoder (the REST client's)
 * and one decoder (lxdeckd's); lxd-api.md 2.9 has what lxc sends.
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
	memset(s, 0, sizeof *s);
	s->size = -1;
	if (codec_check_object(o, "InstanceSnapshot", e) < 0)
		return -1;
	if (codec_get_dup(o, "name", &s->name, e) < 0 ||
	    codec_get_dup(o, "architecture", &s->architecture, e) < 0 ||
	    codec_get_dup(o, "description", &s->description, e) < 0 ||
	    codec_get_bool(o, "stateful", &s->stateful, e) < 0 ||
	    codec_get_bool(o, "ephemeral", &s->ephemeral, e) < 0 ||
	    codec_get_time(o, "created_at", &s->created_ns, e) < 0 ||
	    codec_get_time(o, "last_used_at", &s->last_used_ns, e) < 0 ||
	    codec_get_time(o, "expires_at", &s->expires_ns, e) < 0 ||
	    codec_get_int(o, "size", &s->size, e) < 0 ||
	    codec_get_strv(o, "profiles", &s->profiles, NULL, e) < 0 ||
	    codec_get_strmap(o, "config", &s->config, NULL, e) < 0 ||
	    codec_get_devmap(o, "devices", &s->devices, NULL, e) < 0 ||
	    codec_get_strmap(o, "expanded_config", &s->expanded_config, NULL, e) < 0 ||
	    codec_get_devmap(o, "expanded_devices", &s->expanded_devices, NULL, e) < 0) {
		snapshot_free_contents(s);
		return -1;
	}
	return 0;
}

/* POST /1.0/instances/NAME/snapshots, as lxc sends it: expires_at null
 * when the snapshot never expires. */
json_object *
codec_snapshot_post_encode(const struct snapshot_post *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", codec_string(p->name));
	json_object_object_add(o, "stateful", json_object_new_boolean(p->stateful));
	json_object_object_add(o, "expires_at", p->expires_ns ?
	    codec_time_encode(p->expires_ns) : NULL);
	return o;
}

int
codec_snapshot_post_decode(json_object *o, struct snapshot_post *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	if (codec_get_string(o, "name", &p->name, e) < 0 ||
	    codec_get_bool(o, "stateful", &p->stateful, e) < 0 ||
	    codec_get_time(o, "expires_at", &p->expires_ns, e) < 0)
		return -1;
	return 0;
}

/* POST .../snapshots/SNAP: the client sends codec_rename_encode()'s
 * {"name"}; lxc adds "migration" (false) and "target" (null). */
int
codec_snapshot_rename_decode(json_object *o, const char **name, bool *migration,
    struct err *e)
{
	*migration = false;
	if (codec_rename_decode(o, name, e) < 0 ||
	    codec_get_bool(o, "migration", migration, e) < 0)
		return -1;
	return 0;
}

/* PUT .../snapshots/SNAP: only expires_at is writable. */
json_object *
codec_snapshot_put_encode(int64_t expires_ns)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "expires_at", codec_time_encode(expires_ns));
	return o;
}

int
codec_snapshot_put_decode(json_object *o, int64_t *expires_ns, struct err *e)
{
	return codec_get_time(o, "expires_at", expires_ns, e);
}

/* A restore is PUT /1.0/instances/NAME {"restore": "NAME/SNAP",
 * "stateful"}; codec_instance_put_decode() reads it back. */
json_object *
codec_snapshot_restore_encode(const char *inst, const char *snap, bool stateful)
{
	json_object *o = json_object_new_object();
	char *full = xasprintf("%s/%s", inst, snap);

	json_object_object_add(o, "restore", codec_string(full));
	json_object_object_add(o, "stateful", json_object_new_boolean(stateful));
	free(full);
	return o;
}
