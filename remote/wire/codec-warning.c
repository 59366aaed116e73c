/*
 * codec-warning.c - api.Warning: what a server noticed about its host.
 *
 * Warnings here are the host's own, never an instance's: entity_url and
 * project are empty and location is "none", as a standalone LXD shows
 * them.  Only lxdeckd encodes them; no client reads them back yet.
 */
#include "wire.h"

json_object *
codec_warning_encode(const struct warning *w)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "count", json_object_new_int64(w->count));
	json_object_object_add(o, "entity_url", codec_string(""));
	json_object_object_add(o, "first_seen_at", codec_time_encode(w->first_seen_ns));
	json_object_object_add(o, "last_message", codec_string(w->message));
	json_object_object_add(o, "last_seen_at", codec_time_encode(w->last_seen_ns));
	json_object_object_add(o, "location", codec_string("none"));
	json_object_object_add(o, "project", codec_string(""));
	json_object_object_add(o, "severity", codec_string(w->severity));
	json_object_object_add(o, "status", codec_string(w->status));
	json_object_object_add(o, "type", codec_string(w->type));
	json_object_object_add(o, "uuid", codec_string(w->uuid));
	return o;
}
