/*
 * codec-server.c - the server object of GET /1.0.
 *
 * LXD's api.Server: config, api_extensions, api_status, api_version, auth,
 * public, auth_methods and the environment block (kernel, driver,
 * storage, ...).  The unix socket serves trusted callers only, so auth is
 * always "trusted" here.  The decoder reads what a client needs back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

json_object *
codec_server_encode(const struct server_info *si, const struct strv *ext)
{
	json_object *o = json_object_new_object(), *env, *am, *drivers;
	size_t i;

	json_object_object_add(o, "config", codec_strmap_encode(&si->config));
	json_object_object_add(o, "api_extensions", codec_strv_encode(ext));
	json_object_object_add(o, "api_status", codec_string("stable"));
	json_object_object_add(o, "api_version", codec_string("1.0"));
	json_object_object_add(o, "auth", codec_string("trusted"));
	json_object_object_add(o, "public", json_object_new_boolean(false));
	am = json_object_new_array();
	json_object_array_add(am, codec_string("tls"));
	json_object_object_add(o, "auth_methods", am);

	env = json_object_new_object();
	json_object_object_add(env, "addresses", json_object_new_array());
	json_object_object_add(env, "architectures", codec_strv_encode(&si->architectures));
	json_object_object_add(env, "certificate", codec_string(""));
	json_object_object_add(env, "certificate_fingerprint", codec_string(""));
	json_object_object_add(env, "driver", codec_string(si->driver));
	json_object_object_add(env, "driver_version", codec_string(si->driver_version));
	json_object_object_add(env, "firewall", codec_string(""));
	json_object_object_add(env, "kernel", codec_string("Linux"));
	json_object_object_add(env, "kernel_architecture",
	    codec_string(si->kernel_architecture));
	json_object_object_add(env, "kernel_features",
	    codec_strmap_encode(&si->kernel_features));
	json_object_object_add(env, "kernel_version", codec_string(si->kernel_version));
	json_object_object_add(env, "lxc_features", json_object_new_object());
	json_object_object_add(env, "os_name", codec_string(si->os_name));
	json_object_object_add(env, "os_version", codec_string(si->os_version));
	json_object_object_add(env, "project", codec_string("default"));
	json_object_object_add(env, "server", codec_string(si->server ? si->server : "lxdeck"));
	json_object_object_add(env, "server_clustered", json_object_new_boolean(false));
	json_object_object_add(env, "server_event_mode", codec_string("full-mesh"));
	json_object_object_add(env, "server_name", codec_string(si->server_name));
	json_object_object_add(env, "server_pid", json_object_new_int64(si->server_pid));
	json_object_object_add(env, "server_version", codec_string(si->server_version));
	json_object_object_add(env, "storage", codec_string(si->storage));
	json_object_object_add(env, "storage_version", codec_string(si->storage_version));
	drivers = json_object_new_array();
	for (i = 0; i < si->storage_drivers.n; i++) {
		json_object *d = json_object_new_object();

		json_object_object_add(d, "Name", codec_string(si->storage_drivers.v[i]));
		json_object_object_add(d, "Version", codec_string("1"));
		json_object_object_add(d, "Remote", json_object_new_boolean(false));
		json_object_array_add(drivers, d);
	}
	json_object_object_add(env, "storage_supported_drivers", drivers);
	json_object_object_add(env, "stateful_supported",
	    json_object_new_boolean(si->stateful_supported));
	if (si->stateful_reason != NULL && si->stateful_reason[0] != '\0')
		json_object_object_add(env, "stateful_reason",
		    codec_string(si->stateful_reason));
	json_object_object_add(o, "environment", env);
	return o;
}

int
codec_server_decode(json_object *o, struct server_info *si, struct strv *ext,
    struct err *e)
{
	json_object *env = NULL, *drivers = NULL;
	int64_t pid = 0;
	size_t i;

	memset(si, 0, sizeof *si);
	if (codec_check_object(o, "Server", e) < 0)
		return -1;
	if (codec_get_strmap(o, "config", &si->config, NULL, e) < 0 ||
	    (ext != NULL && codec_get_strv(o, "api_extensions", ext, NULL, e) < 0))
		goto fail;
	if (json_object_object_get_ex(o, "environment", &env) && env != NULL) {
		if (codec_check_object(env, "environment", e) < 0 ||
		    codec_get_dup(env, "server", &si->server, e) < 0 ||
		    codec_get_dup(env, "server_name", &si->server_name, e) < 0 ||
		    codec_get_dup(env, "server_version", &si->server_version, e) < 0 ||
		    codec_get_dup(env, "kernel_version", &si->kernel_version, e) < 0 ||
		    codec_get_dup(env, "kernel_architecture", &si->kernel_architecture, e) < 0 ||
		    codec_get_dup(env, "os_name", &si->os_name, e) < 0 ||
		    codec_get_dup(env, "os_version", &si->os_version, e) < 0 ||
		    codec_get_dup(env, "driver", &si->driver, e) < 0 ||
		    codec_get_dup(env, "driver_version", &si->driver_version, e) < 0 ||
		    codec_get_dup(env, "storage", &si->storage, e) < 0 ||
		    codec_get_dup(env, "storage_version", &si->storage_version, e) < 0 ||
		    codec_get_strv(env, "architectures", &si->architectures, NULL, e) < 0 ||
		    codec_get_strmap(env, "kernel_features", &si->kernel_features, NULL, e) < 0 ||
		    codec_get_bool(env, "stateful_supported", &si->stateful_supported, e) < 0 ||
		    codec_get_dup(env, "stateful_reason", &si->stateful_reason, e) < 0 ||
		    codec_get_int(env, "server_pid", &pid, e) < 0)
			goto fail;
		si->server_pid = (pid_t)pid;
		if (json_object_object_get_ex(env, "storage_supported_drivers", &drivers) &&
		    json_object_is_type(drivers, json_type_array)) {
			for (i = 0; i < json_object_array_length(drivers); i++) {
				const char *name = NULL;

				if (codec_get_string(json_object_array_get_idx(drivers, i),
				    "Name", &name, e) < 0)
					goto fail;
				if (name != NULL)
					strv_push(&si->storage_drivers, name);
			}
		}
	}
	return 0;
fail:
	server_info_free_contents(si);
	return -1;
}
