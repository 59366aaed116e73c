/*
 * codec-image.c - api.Image and api.ImageAliasesEntry.
 *
 * An image lists its aliases as {name, description}; images that never
 * expire show 1970-01-01T00:00:00Z.  The image ETag covers
 * [public, auto_update, properties]; an alias's ETag is the alias itself.
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

json_object *
codec_image_encode(const struct image *im)
{
	json_object *o = json_object_new_object(), *aliases = json_object_new_array();
	size_t i;

	json_object_object_add(o, "auto_update", json_object_new_boolean(im->auto_update));
	json_object_object_add(o, "properties", codec_strmap_encode(&im->properties));
	json_object_object_add(o, "public", json_object_new_boolean(im->public));
	json_object_object_add(o, "expires_at", im->expires_ns == 0 ?
	    codec_string("1970-01-01T00:00:00Z") : codec_time_encode(im->expires_ns));
	json_object_object_add(o, "profiles", codec_strv_encode(&im->profiles));
	for (i = 0; i < im->naliases; i++) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "name", codec_string(im->aliases[i].name));
		json_object_object_add(a, "description",
		    codec_string(im->aliases[i].description));
		json_object_array_add(aliases, a);
	}
	json_object_object_add(o, "aliases", aliases);
	json_object_object_add(o, "architecture", codec_string(im->architecture));
	json_object_object_add(o, "cached", json_object_new_boolean(im->cached));
	json_object_object_add(o, "filename", codec_string(im->filename));
	json_object_object_add(o, "fingerprint", codec_string(im->fingerprint));
	json_object_object_add(o, "size", json_object_new_int64(im->size));
	if (im->update_source.n > 0)
		json_object_object_add(o, "update_source",
		    codec_strmap_encode(&im->update_source));
	json_object_object_add(o, "type",
	    codec_string(im->type && *im->type ? im->type : "container"));
	json_object_object_add(o, "created_at", codec_time_encode(im->created_ns));
	json_object_object_add(o, "last_used_at", codec_time_encode(im->last_used_ns));
	json_object_object_add(o, "uploaded_at", codec_time_encode(im->uploaded_ns));
	return o;
}

void
codec_image_etag(const struct image *im, char out[65])
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_boolean(im->public));
	json_object_array_add(a, json_object_new_boolean(im->auto_update));
	json_object_array_add(a, codec_strmap_encode(&im->properties));
	codec_etag(a, out);
	json_object_put(a);
}

static char *
codec_image_dup(json_object *o, const char *key, struct err *e, int *rc)
{
	const char *s = NULL;

	if (codec_get_string(o, key, &s, e) < 0)
		*rc = -1;
	return xstrdup(s ? s : "");
}

int
codec_image_decode(json_object *o, struct image *im, struct err *e)
{
	json_object *aliases = NULL, *us = NULL;
	int rc = 0;

	memset(im, 0, sizeof *im);
	if (codec_check_object(o, "Image", e) < 0)
		return -1;
	im->fingerprint = codec_image_dup(o, "fingerprint", e, &rc);
	im->filename = codec_image_dup(o, "filename", e, &rc);
	im->architecture = codec_image_dup(o, "architecture", e, &rc);
	im->type = codec_image_dup(o, "type", e, &rc);
	if (rc < 0 ||
	    codec_get_int(o, "size", &im->size, e) < 0 ||
	    codec_get_bool(o, "public", &im->public, e) < 0 ||
	    codec_get_bool(o, "auto_update", &im->auto_update, e) < 0 ||
	    codec_get_bool(o, "cached", &im->cached, e) < 0 ||
	    codec_get_strmap(o, "properties", &im->properties, NULL, e) < 0 ||
	    codec_get_strv(o, "profiles", &im->profiles, NULL, e) < 0 ||
	    codec_get_time(o, "created_at", &im->created_ns, e) < 0 ||
	    codec_get_time(o, "uploaded_at", &im->uploaded_ns, e) < 0 ||
	    codec_get_time(o, "last_used_at", &im->last_used_ns, e) < 0 ||
	    codec_get_time(o, "expires_at", &im->expires_ns, e) < 0)
		goto fail;
	if (json_object_object_get_ex(o, "update_source", &us) && us != NULL) {
		if (codec_check_object(us, "update_source", e) < 0)
			goto fail;
		json_object_object_foreach(us, k, v)
			if (json_object_is_type(v, json_type_string))
				strmap_set(&im->update_source, k, json_object_get_string(v));
	}
	if (json_object_object_get_ex(o, "aliases", &aliases) && aliases != NULL) {
		size_t i, n;

		if (!json_object_is_type(aliases, json_type_array)) {
			err_set(e, 400, "json: field \"aliases\" is not an array");
			goto fail;
		}
		n = json_object_array_length(aliases);
		im->aliases = xcalloc(n ? n : 1, sizeof *im->aliases);
		for (i = 0; i < n; i++) {
			if (codec_image_alias_decode(json_object_array_get_idx(aliases, i),
			    &im->aliases[i], e) < 0)
				goto fail;
			im->naliases++;
		}
	}
	return 0;
fail:
	image_free_contents(im);
	return -1;
}

json_object *
codec_image_alias_encode(const struct image_alias *a)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "description", codec_string(a->description));
	json_object_object_add(o, "target", codec_string(a->target));
	json_object_object_add(o, "name", codec_string(a->name));
	json_object_object_add(o, "type",
	    codec_string(a->type && *a->type ? a->type : "container"));
	return o;
}

void
codec_image_alias_etag(const struct image_alias *a, char out[65])
{
	json_object *o = codec_image_alias_encode(a);

	codec_etag(o, out);
	json_object_put(o);
}

int
codec_image_alias_decode(json_object *o, struct image_alias *a, struct err *e)
{
	int rc = 0;

	memset(a, 0, sizeof *a);
	if (codec_check_object(o, "ImageAlias", e) < 0)
		return -1;
	a->name = codec_image_dup(o, "name", e, &rc);
	a->description = codec_image_dup(o, "description", e, &rc);
	a->target = codec_image_dup(o, "target", e, &rc);
	a->type = codec_image_dup(o, "type", e, &rc);
	if (rc < 0) {
		image_alias_free_contents(a);
		return -1;
	}
	return 0;
}
