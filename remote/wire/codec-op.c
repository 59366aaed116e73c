/*
 * codec-op.c - api.Operation.
 *
 * The model keeps resources as "instances" -> "url1,url2" and metadata as
 * flat strings (progress texts, fingerprint, size) plus an exec exit code;
 * here they become LXD's shapes: resources map to URL lists, "return" is
 * an integer, and the server may merge extra metadata (an exec session's
 * fds, command and environment) that only it knows about.
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

const char *
codec_op_class_name(enum op_class c)
{
	switch (c) {
	case OP_CLASS_WEBSOCKET: return "websocket";
	case OP_CLASS_TOKEN: return "token";
	case OP_CLASS_TASK: break;
	}
	return "task";
}

json_object *
codec_op_encode(const struct op_info *op, json_object *extra)
{
	json_object *o = json_object_new_object(), *res = NULL, *meta = NULL;
	size_t i;

	json_object_object_add(o, "id", codec_string(op->id));
	json_object_object_add(o, "class", codec_string(codec_op_class_name(op->cls)));
	json_object_object_add(o, "description", codec_string(op->description));
	json_object_object_add(o, "created_at", codec_time_encode(op->created_ns));
	json_object_object_add(o, "updated_at", codec_time_encode(op->updated_ns));
	json_object_object_add(o, "status", codec_string(status_code_name(op->status)));
	json_object_object_add(o, "status_code", json_object_new_int(op->status));
	if (op->resources.n > 0) {
		res = json_object_new_object();
		for (i = 0; i < op->resources.n; i++) {
			struct strv urls = { 0 };

			strv_split(&urls, op->resources.vals[i], ',');
			json_object_object_add(res, op->resources.keys[i],
			    codec_strv_encode(&urls));
			strv_free(&urls);
		}
	}
	json_object_object_add(o, "resources", res);
	if (op->metadata.n > 0 || op->has_return || extra != NULL) {
		meta = json_object_new_object();
		if (extra != NULL) {
			json_object_object_foreach(extra, k, v)
				json_object_object_add(meta, k, json_object_get(v));
		}
		for (i = 0; i < op->metadata.n; i++)
			json_object_object_add(meta, op->metadata.keys[i],
			    codec_string(op->metadata.vals[i]));
		if (op->has_return)
			json_object_object_add(meta, "return", json_object_new_int(op->ret));
	}
	json_object_object_add(o, "metadata", meta);
	json_object_object_add(o, "may_cancel", json_object_new_boolean(op->may_cancel));
	json_object_object_add(o, "err", codec_string(op->err));
	json_object_object_add(o, "location",
	    codec_string(op->location && *op->location ? op->location : "none"));
	return o;
}

int
codec_op_decode(json_object *o, struct op_info *op, struct err *e)
{
	const char *id = NULL, *cls = NULL, *desc = NULL, *er = NULL, *loc = NULL;
	json_object *res = NULL, *meta = NULL;
	int64_t code = 0;

	memset(op, 0, sizeof *op);
	if (codec_check_object(o, "Operation", e) < 0)
		return -1;
	if (codec_get_string(o, "id", &id, e) < 0 ||
	    codec_get_string(o, "class", &cls, e) < 0 ||
	    codec_get_string(o, "description", &desc, e) < 0 ||
	    codec_get_string(o, "err", &er, e) < 0 ||
	    codec_get_string(o, "location", &loc, e) < 0 ||
	    codec_get_int(o, "status_code", &code, e) < 0 ||
	    codec_get_bool(o, "may_cancel", &op->may_cancel, e) < 0 ||
	    codec_get_time(o, "created_at", &op->created_ns, e) < 0 ||
	    codec_get_time(o, "updated_at", &op->updated_ns, e) < 0)
		goto fail;
	op->id = xstrdup(id ? id : "");
	op->description = xstrdup(desc ? desc : "");
	op->err = xstrdup(er ? er : "");
	op->location = xstrdup(loc ? loc : "none");
	op->status = (int)code;
	op->cls = OP_CLASS_TASK;
	if (cls != NULL && strcmp(cls, "websocket") == 0)
		op->cls = OP_CLASS_WEBSOCKET;
	else if (cls != NULL && strcmp(cls, "token") == 0)
		op->cls = OP_CLASS_TOKEN;
	if (json_object_object_get_ex(o, "resources", &res) && res != NULL) {
		if (codec_check_object(res, "resources", e) < 0)
			goto fail;
		json_object_object_foreach(res, k, v) {
			struct strv urls = { 0 };
			char *joined;

			if (codec_get_strv(res, k, &urls, NULL, e) < 0)
				goto fail;
			joined = strv_join(&urls, ",");
			strmap_set(&op->resources, k, joined);
			free(joined);
			strv_free(&urls);
			(void)v;
		}
	}
	if (json_object_object_get_ex(o, "metadata", &meta) && meta != NULL &&
	    json_object_is_type(meta, json_type_object)) {
		json_object_object_foreach(meta, k, v) {
			if (strcmp(k, "return") == 0 && json_object_is_type(v, json_type_int)) {
				op->has_return = true;
				op->ret = json_object_get_int(v);
			} else if (json_object_is_type(v, json_type_string)) {
				strmap_set(&op->metadata, k, json_object_get_string(v));
			} else if (v != NULL) {
				char *s = codec_to_string(v, false);

				strmap_set(&op->metadata, k, s);
				free(s);
			}
		}
	}
	return 0;
fail:
	op_info_free_contents(op);
	return -1;
}
