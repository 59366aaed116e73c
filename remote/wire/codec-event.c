/*
 * codec-event.c - api.Event, as sent on /1.0/events.
 *
 * Three types: "operation" (metadata = the whole operation, final events
 * included, so a client that waits on events sees exec's "return"),
 * "lifecycle" ({action, source, context}) and "logging" ({message, level,
 * context}).  Decoded events own their strings (codec_event_free).
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

const char *
codec_event_type_name(enum event_type t)
{
	switch (t) {
	case EVENT_OPERATION: return "operation";
	case EVENT_LOGGING: return "logging";
	case EVENT_LIFECYCLE: break;
	}
	return "lifecycle";
}

json_object *
codec_event_encode(const struct event *ev, json_object *op_extra)
{
	json_object *o = json_object_new_object(), *meta = NULL;

	json_object_object_add(o, "type", codec_string(codec_event_type_name(ev->type)));
	json_object_object_add(o, "timestamp", codec_time_encode(ev->timestamp_ns));
	json_object_object_add(o, "project",
	    codec_string(ev->project && *ev->project ? ev->project : "default"));
	json_object_object_add(o, "location",
	    codec_string(ev->location && *ev->location ? ev->location : "none"));
	switch (ev->type) {
	case EVENT_OPERATION:
		meta = ev->op ? codec_op_encode(ev->op, op_extra) : NULL;
		break;
	case EVENT_LIFECYCLE:
		meta = json_object_new_object();
		json_object_object_add(meta, "action", codec_string(ev->action));
		json_object_object_add(meta, "source", codec_string(ev->source));
		if (ev->context != NULL && ev->context->n > 0)
			json_object_object_add(meta, "context",
			    codec_strmap_encode(ev->context));
		break;
	case EVENT_LOGGING:
		meta = json_object_new_object();
		json_object_object_add(meta, "message", codec_string(ev->message));
		json_object_object_add(meta, "level", codec_string(ev->level));
		json_object_object_add(meta, "context", json_object_new_object());
		break;
	}
	json_object_object_add(o, "metadata", meta);
	return o;
}

static const char *
codec_event_dup(json_object *o, const char *key, struct err *e, int *rc)
{
	const char *s = NULL;

	if (codec_get_string(o, key, &s, e) < 0)
		*rc = -1;
	return xstrdup(s ? s : "");
}

int
codec_event_decode(json_object *o, struct event *ev, struct err *e)
{
	const char *type = NULL;
	json_object *meta = NULL;
	int rc = 0;

	memset(ev, 0, sizeof *ev);
	if (codec_check_object(o, "Event", e) < 0)
		return -1;
	if (codec_get_string(o, "type", &type, e) < 0 ||
	    codec_get_time(o, "timestamp", &ev->timestamp_ns, e) < 0)
		return -1;
	if (type == NULL || strcmp(type, "lifecycle") == 0)
		ev->type = EVENT_LIFECYCLE;
	else if (strcmp(type, "operation") == 0)
		ev->type = EVENT_OPERATION;
	else if (strcmp(type, "logging") == 0)
		ev->type = EVENT_LOGGING;
	else
		return err_set(e, 400, "Unknown event type \"%s\"", type);
	ev->project = codec_event_dup(o, "project", e, &rc);
	ev->location = codec_event_dup(o, "location", e, &rc);
	if (rc < 0)
		goto fail;
	json_object_object_get_ex(o, "metadata", &meta);
	switch (ev->type) {
	case EVENT_OPERATION: {
		struct op_info *op = xcalloc(1, sizeof *op);

		ev->op = op;
		if (meta == NULL || codec_op_decode(meta, op, e) < 0)
			goto fail;
		break;
	}
	case EVENT_LIFECYCLE: {
		struct strmap *ctx = xcalloc(1, sizeof *ctx);

		ev->context = ctx;
		ev->action = codec_event_dup(meta, "action", e, &rc);
		ev->source = codec_event_dup(meta, "source", e, &rc);
		if (rc < 0)
			goto fail;
		{
			json_object *c = NULL;

			if (json_object_object_get_ex(meta, "context", &c) &&
			    json_object_is_type(c, json_type_object)) {
				json_object_object_foreach(c, k, v) {
					if (json_object_is_type(v, json_type_string)) {
						strmap_set(ctx, k, json_object_get_string(v));
					} else if (v != NULL) {
						char *s = codec_to_string(v, false);

						strmap_set(ctx, k, s);
						free(s);
					}
				}
			}
		}
		break;
	}
	case EVENT_LOGGING:
		ev->message = codec_event_dup(meta, "message", e, &rc);
		ev->level = codec_event_dup(meta, "level", e, &rc);
		if (rc < 0)
			goto fail;
		break;
	}
	return 0;
fail:
	codec_event_free(ev);
	return -1;
}

void
codec_event_free(struct event *ev)
{
	if (ev == NULL)
		return;
	free((char *)ev->project);
	free((char *)ev->location);
	free((char *)ev->action);
	free((char *)ev->source);
	free((char *)ev->level);
	free((char *)ev->message);
	if (ev->context != NULL) {
		strmap_free((struct strmap *)ev->context);
		free((struct strmap *)ev->context);
	}
	if (ev->op != NULL) {
		op_info_free_contents((struct op_info *)ev->op);
		free((struct op_info *)ev->op);
	}
	memset(ev, 0, sizeof *ev);
}
