/*
 * codec-instance.c - instances: api.Instance, api.InstanceFull,
 * api.InstancesPost (create) and api.InstancePut.
 *
 * Fields are written in the order of LXD's Go structs.  An InstanceFull is
 * the instance followed by backups (always null here), state and
 * snapshots; `lxc list` (recursion=2) and `lxc info` read those.  Create
 * and put bodies are decoded into the model's request structs; their
 * strings point into the JSON object, which the caller keeps alive.
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

json_object *
codec_instance_encode(const struct instance *in, bool full)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "architecture", codec_string(in->architecture));
	json_object_object_add(o, "config", codec_strmap_encode(&in->config));
	json_object_object_add(o, "devices", codec_devmap_encode(&in->devices));
	json_object_object_add(o, "ephemeral", json_object_new_boolean(in->ephemeral));
	json_object_object_add(o, "profiles", codec_strv_encode(&in->profiles));
	json_object_object_add(o, "stateful", json_object_new_boolean(in->stateful));
	json_object_object_add(o, "description", codec_string(in->description));
	json_object_object_add(o, "created_at", codec_time_encode(in->created_ns));
	json_object_object_add(o, "expanded_config",
	    codec_strmap_encode(&in->expanded_config));
	json_object_object_add(o, "expanded_devices",
	    codec_devmap_encode(&in->expanded_devices));
	json_object_object_add(o, "name", codec_string(in->name));
	json_object_object_add(o, "status", codec_string(status_code_name(in->status)));
	json_object_object_add(o, "status_code", json_object_new_int(in->status));
	json_object_object_add(o, "last_used_at", codec_time_encode(in->last_used_ns));
	json_object_object_add(o, "location",
	    codec_string(in->location && *in->location ? in->location : "none"));
	json_object_object_add(o, "type",
	    codec_string(in->type && *in->type ? in->type : "container"));
	json_object_object_add(o, "project",
	    codec_string(in->project && *in->project ? in->project : "default"));
	if (full) {
		json_object *snaps = NULL;
		size_t i;

		json_object_object_add(o, "backups", NULL);
		json_object_object_add(o, "state",
		    in->state ? codec_state_encode(in->state) : NULL);
		if (in->nsnapshots > 0) {
			snaps = json_object_new_array();
			for (i = 0; i < in->nsnapshots; i++)
				json_object_array_add(snaps,
				    codec_snapshot_encode(&in->snapshots[i]));
		}
		json_object_object_add(o, "snapshots", snaps);
	}
	return o;
}

void
codec_instance_etag(const struct instance *in, char out[65])
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, codec_string(in->architecture));
	json_object_array_add(a, codec_strmap_encode(&in->config));
	json_object_array_add(a, codec_devmap_encode(&in->devices));
	json_object_array_add(a, json_object_new_boolean(in->ephemeral));
	json_object_array_add(a, codec_strv_encode(&in->profiles));
	codec_etag(a, out);
	json_object_put(a);
}

int
codec_instance_decode(json_object *o, struct instance *in, struct err *e)
{
	const char *status = NULL;
	int64_t code = 0;
	json_object *state = NULL, *snaps = NULL;

	memset(in, 0, sizeof *in);
	if (codec_check_object(o, "Instance", e) < 0)
		return -1;
	if (codec_get_dup(o, "name", &in->name, e) < 0 ||
	    codec_get_dup(o, "description", &in->description, e) < 0 ||
	    codec_get_dup(o, "architecture", &in->architecture, e) < 0 ||
	    codec_get_dup(o, "type", &in->type, e) < 0 ||
	    codec_get_dup(o, "location", &in->location, e) < 0 ||
	    codec_get_dup(o, "project", &in->project, e) < 0 ||
	    codec_get_string(o, "status", &status, e) < 0 ||
	    codec_get_int(o, "status_code", &code, e) < 0 ||
	    codec_get_bool(o, "ephemeral", &in->ephemeral, e) < 0 ||
	    codec_get_bool(o, "stateful", &in->stateful, e) < 0 ||
	    codec_get_time(o, "created_at", &in->created_ns, e) < 0 ||
	    codec_get_time(o, "last_used_at", &in->last_used_ns, e) < 0 ||
	    codec_get_strv(o, "profiles", &in->profiles, NULL, e) < 0 ||
	    codec_get_strmap(o, "config", &in->config, NULL, e) < 0 ||
	    codec_get_devmap(o, "devices", &in->devices, NULL, e) < 0 ||
	    codec_get_strmap(o, "expanded_config", &in->expanded_config, NULL, e) < 0 ||
	    codec_get_devmap(o, "expanded_devices", &in->expanded_devices, NULL, e) < 0)
		goto fail;
	in->status = (int)code;
	if (json_object_object_get_ex(o, "state", &state) && state != NULL) {
		in->state = xcalloc(1, sizeof *in->state);
		if (codec_state_decode(state, in->state, e) < 0)
			goto fail;
	}
	if (json_object_object_get_ex(o, "snapshots", &snaps) && snaps != NULL) {
		size_t i, n;

		if (!json_object_is_type(snaps, json_type_array)) {
			err_set(e, 400, "json: field \"snapshots\" is not an array");
			goto fail;
		}
		n = json_object_array_length(snaps);
		in->snapshots = xcalloc(n ? n : 1, sizeof *in->snapshots);
		for (i = 0; i < n; i++) {
			if (codec_snapshot_decode(json_object_array_get_idx(snaps, i),
			    &in->snapshots[i], e) < 0)
				goto fail;
			in->nsnapshots++;
		}
	}
	return 0;
fail:
	instance_free_contents(in);
	return -1;
}

int
codec_instance_create_decode(json_object *o, struct instance_create *c, struct err *e)
{
	json_object *src = NULL;
	const char *type = NULL, *stype = NULL, *alias = NULL, *fp = NULL;
	bool present = false;

	memset(c, 0, sizeof *c);
	if (codec_check_object(o, "InstancesPost", e) < 0)
		return -1;
	if (codec_get_string(o, "name", &c->name, e) < 0 ||
	    codec_get_string(o, "description", &c->description, e) < 0 ||
	    codec_get_string(o, "type", &type, e) < 0 ||
	    codec_get_bool(o, "ephemeral", &c->ephemeral, e) < 0 ||
	    codec_get_strmap(o, "config", &c->config, NULL, e) < 0 ||
	    codec_get_devmap(o, "devices", &c->devices, NULL, e) < 0 ||
	    codec_get_strv(o, "profiles", &c->profiles, &present, e) < 0)
		goto fail;
	c->has_profiles = present;
	if (type != NULL && *type != '\0' && strcmp(type, "container") != 0) {
		err_set(e, 400, "Instance type \"%s\" is not supported", type);
		goto fail;
	}
	if (json_object_object_get_ex(o, "source", &src) && src != NULL &&
	    codec_check_object(src, "source", e) < 0)
		goto fail;
	if (codec_get_string(src, "type", &stype, e) < 0 ||
	    codec_get_string(src, "alias", &alias, e) < 0 ||
	    codec_get_string(src, "fingerprint", &fp, e) < 0 ||
	    codec_get_string(src, "server", &c->image_server, e) < 0 ||
	    codec_get_string(src, "protocol", &c->image_protocol, e) < 0 ||
	    codec_get_string(src, "certificate", &c->image_certificate, e) < 0 ||
	    codec_get_string(src, "secret", &c->image_secret, e) < 0 ||
	    codec_get_string(src, "source", &c->copy_from, e) < 0 ||
	    codec_get_bool(src, "instance_only", &c->instance_only, e) < 0)
		goto fail;
	if (!c->instance_only &&
	    codec_get_bool(src, "container_only", &c->instance_only, e) < 0)
		goto fail;
	if (c->image_server != NULL && *c->image_server == '\0')
		c->image_server = NULL;
	if (c->image_certificate != NULL && *c->image_certificate == '\0')
		c->image_certificate = NULL;
	if (c->image_secret != NULL && *c->image_secret == '\0')
		c->image_secret = NULL;
	if (stype == NULL || *stype == '\0' || strcmp(stype, "none") == 0) {
		c->source = SOURCE_NONE;
	} else if (strcmp(stype, "image") == 0) {
		c->source = SOURCE_IMAGE;
		c->image = (fp != NULL && *fp != '\0') ? fp : alias;
		if (c->image == NULL || *c->image == '\0') {
			err_set(e, 400, "Missing image fingerprint or alias in source");
			goto fail;
		}
	} else if (strcmp(stype, "copy") == 0) {
		c->source = SOURCE_COPY;
		if (c->copy_from == NULL || *c->copy_from == '\0') {
			err_set(e, 400, "Missing source instance in source");
			goto fail;
		}
	} else {
		err_set(e, 400, "Unknown source type \"%s\"", stype);
		goto fail;
	}
	return 0;
fail:
	instance_create_free_contents(c);
	return -1;
}

json_object *
codec_instance_create_encode(const struct instance_create *c)
{
	json_object *o = json_object_new_object(), *src = json_object_new_object();

	json_object_object_add(o, "architecture", codec_string(""));
	json_object_object_add(o, "config", codec_strmap_encode(&c->config));
	json_object_object_add(o, "devices", codec_devmap_encode(&c->devices));
	json_object_object_add(o, "ephemeral", json_object_new_boolean(c->ephemeral));
	json_object_object_add(o, "profiles",
	    c->has_profiles ? codec_strv_encode(&c->profiles) : NULL);
	json_object_object_add(o, "stateful", json_object_new_boolean(false));
	json_object_object_add(o, "description", codec_string(c->description));
	json_object_object_add(o, "name", codec_string(c->name));
	switch (c->source) {
	case SOURCE_IMAGE:
		json_object_object_add(src, "type", codec_string("image"));
		json_object_object_add(src, "alias", codec_string(c->image));
		if (c->image_server != NULL) {
			json_object_object_add(src, "server", codec_string(c->image_server));
			json_object_object_add(src, "protocol",
			    codec_string(c->image_protocol));
			json_object_object_add(src, "mode", codec_string("pull"));
			json_object_object_add(src, "certificate",
			    codec_string(c->image_certificate));
			if (c->image_secret != NULL)
				json_object_object_add(src, "secret",
				    codec_string(c->image_secret));
		}
		break;
	case SOURCE_COPY:
		json_object_object_add(src, "type", codec_string("copy"));
		json_object_object_add(src, "source", codec_string(c->copy_from));
		json_object_object_add(src, "instance_only",
		    json_object_new_boolean(c->instance_only));
		break;
	case SOURCE_NONE:
		json_object_object_add(src, "type", codec_string("none"));
		break;
	}
	json_object_object_add(o, "source", src);
	json_object_object_add(o, "type", codec_string("container"));
	return o;
}

int
codec_instance_put_decode(json_object *o, struct instance_put *p, const char **restore,
    struct err *e)
{
	memset(p, 0, sizeof *p);
	*restore = NULL;
	if (codec_check_object(o, "InstancePut", e) < 0)
		return -1;
	if (codec_get_string(o, "description", &p->description, e) < 0 ||
	    codec_get_bool(o, "ephemeral", &p->ephemeral, e) < 0 ||
	    codec_get_strv(o, "profiles", &p->profiles, NULL, e) < 0 ||
	    codec_get_strmap(o, "config", &p->config, NULL, e) < 0 ||
	    codec_get_devmap(o, "devices", &p->devices, NULL, e) < 0 ||
	    codec_get_string(o, "restore", restore, e) < 0) {
		codec_instance_put_free(p);
		return -1;
	}
	{
		const char *arch = NULL;
		bool stateful = false;

		if (codec_get_string(o, "architecture", &arch, e) < 0 ||
		    codec_get_bool(o, "stateful", &stateful, e) < 0) {
			codec_instance_put_free(p);
			return -1;
		}
	}
	return 0;
}

json_object *
codec_instance_put_encode(const struct instance_put *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "architecture", codec_string(""));
	json_object_object_add(o, "config", codec_strmap_encode(&p->config));
	json_object_object_add(o, "devices", codec_devmap_encode(&p->devices));
	json_object_object_add(o, "ephemeral", json_object_new_boolean(p->ephemeral));
	json_object_object_add(o, "profiles", codec_strv_encode(&p->profiles));
	json_object_object_add(o, "stateful", json_object_new_boolean(false));
	json_object_object_add(o, "description", codec_string(p->description));
	return o;
}

void
codec_instance_put_free(struct instance_put *p)
{
	if (p == NULL)
		return;
	strv_free(&p->profiles);
	strmap_free(&p->config);
	devmap_free(&p->devices);
}
