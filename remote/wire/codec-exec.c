/*
 * codec-exec.c - api.InstanceExecPost and the exec/console control
 * messages.
 *
 * The control channel carries {"command":"window-resize","args":{"width":
 * "80","height":"24"}} (sizes as strings, as Go's client sends them) and
 * {"command":"signal","signal":N}.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int
codec_exec_decode(json_object *o, struct exec_req *r, bool *wait_for_ws, struct err *e)
{
	int64_t w = 0, h = 0, uid = 0, gid = 0;
	bool present = false;

	memset(r, 0, sizeof *r);
	*wait_for_ws = false;
	if (codec_check_object(o, "InstanceExecPost", e) < 0)
		return -1;
	if (codec_get_strv(o, "command", &r->argv, &present, e) < 0 ||
	    codec_get_strmap(o, "environment", &r->env, NULL, e) < 0 ||
	    codec_get_bool(o, "wait-for-websocket", wait_for_ws, e) < 0 ||
	    codec_get_bool(o, "interactive", &r->interactive, e) < 0 ||
	    codec_get_int(o, "width", &w, e) < 0 ||
	    codec_get_int(o, "height", &h, e) < 0 ||
	    codec_get_int(o, "user", &uid, e) < 0 ||
	    codec_get_int(o, "group", &gid, e) < 0 ||
	    codec_get_string(o, "cwd", &r->cwd, e) < 0)
		goto fail;
	if (r->argv.n == 0) {
		err_set(e, 400, "Missing command");
		goto fail;
	}
	if (w < 0 || h < 0 || w > 10000 || h > 10000 || uid < 0 || gid < 0 ||
	    uid > UINT32_MAX - 1 || gid > UINT32_MAX - 1) {
		err_set(e, 400, "Invalid exec size, user or group");
		goto fail;
	}
	r->width = (int)w;
	r->height = (int)h;
	r->uid = (uid_t)uid;
	r->gid = (gid_t)gid;
	if (r->cwd != NULL && *r->cwd == '\0')
		r->cwd = NULL;
	return 0;
fail:
	exec_req_free_contents(r);
	return -1;
}

json_object *
codec_exec_encode(const struct exec_req *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "command", codec_strv_encode(&r->argv));
	json_object_object_add(o, "wait-for-websocket", json_object_new_boolean(true));
	json_object_object_add(o, "interactive", json_object_new_boolean(r->interactive));
	json_object_object_add(o, "environment", codec_strmap_encode(&r->env));
	json_object_object_add(o, "width", json_object_new_int(r->width));
	json_object_object_add(o, "height", json_object_new_int(r->height));
	json_object_object_add(o, "record-output", json_object_new_boolean(false));
	json_object_object_add(o, "user", json_object_new_int64(r->uid));
	json_object_object_add(o, "group", json_object_new_int64(r->gid));
	json_object_object_add(o, "cwd", codec_string(r->cwd));
	return o;
}

static int
codec_exec_size(const char *s, int *out)
{
	char *end;
	long v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 10000)
		return -1;
	*out = (int)v;
	return 0;
}

int
codec_exec_control_decode(const char *data, size_t len, struct exec_control *c,
    struct err *e)
{
	json_object *o, *args = NULL;
	const char *cmd = NULL, *w = NULL, *h = NULL;
	int64_t sig = 0;
	int rc = -1;

	memset(c, 0, sizeof *c);
	o = codec_parse(data, len, e);
	if (o == NULL)
		return -1;
	if (codec_check_object(o, "control message", e) < 0 ||
	    codec_get_string(o, "command", &cmd, e) < 0 ||
	    codec_get_int(o, "signal", &sig, e) < 0)
		goto out;
	if (cmd == NULL || strlen(cmd) >= sizeof c->command) {
		err_set(e, 400, "Missing or invalid control command");
		goto out;
	}
	snprintf(c->command, sizeof c->command, "%s", cmd);
	if (strcmp(cmd, "window-resize") == 0) {
		if (!json_object_object_get_ex(o, "args", &args) ||
		    codec_get_string(args, "width", &w, e) < 0 ||
		    codec_get_string(args, "height", &h, e) < 0)
			goto out;
		if (codec_exec_size(w, &c->width) < 0 ||
		    codec_exec_size(h, &c->height) < 0) {
			err_set(e, 400, "Invalid window size");
			goto out;
		}
	} else if (strcmp(cmd, "signal") == 0) {
		if (sig <= 0 || sig > 64) {
			err_set(e, 400, "Invalid signal %lld", (long long)sig);
			goto out;
		}
		c->signal = (int)sig;
	}
	rc = 0;
out:
	json_object_put(o);
	return rc;
}
