/*
 * codec-image.c - api.Image and api.ImageAliasesEntry, and the request
 * bodies: ImagePut, ImagesPost with a JSON body (a publish from an
 * instance or snapshot, or a pull from an image server), ImageAliasesPost,
 * ImageAliasesEntryPut.
 *
 * An image lists its aliases as {name, description}; images that never
 * expire show 1970-01-01T00:00:00Z.  The image ETag covers
 * [public, auto_update, properties]; an alias's ETag is the alias itself.
 * Each body has one encoder (the REST client's, where it sends one) and
 * one decoder (lxdeckd's); lxd-api.md 2.12 and 2.13 have what lxc sends.
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

int
codec_image_decode(json_object *o, struct image *im, struct err *e)
{
	json_object *aliases = NULL, *us = NULL;

	memset(im, 0, sizeof *im);
	if (codec_check_object(o, "Image", e) < 0)
		return -1;
	if (codec_get_dup(o, "fingerprint", &im->fingerprint, e) < 0 ||
	    codec_get_dup(o, "filename", &im->filename, e) < 0 ||
	    codec_get_dup(o, "architecture", &im->architecture, e) < 0 ||
	    codec_get_dup(o, "type", &im->type, e) < 0 ||
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
	memset(a, 0, sizeof *a);
	if (codec_check_object(o, "ImageAlias", e) < 0)
		return -1;
	if (codec_get_dup(o, "name", &a->name, e) < 0 ||
	    codec_get_dup(o, "description", &a->description, e) < 0 ||
	    codec_get_dup(o, "target", &a->target, e) < 0 ||
	    codec_get_dup(o, "type", &a->type, e) < 0) {
		image_alias_free_contents(a);
		return -1;
	}
	return 0;
}

/*
 * Request bodies.  PUT /1.0/images/FP: the client sends public,
 * auto_update and properties; the decoder also reads expires_at and
 * profiles, as LXD's ImagePut has them.
 */
json_object *
codec_image_put_encode(const struct image *im)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "public", json_object_new_boolean(im->public));
	json_object_object_add(o, "auto_update", json_object_new_boolean(im->auto_update));
	json_object_object_add(o, "properties", codec_strmap_encode(&im->properties));
	return o;
}

int
codec_image_put_decode(json_object *o, struct image *put, struct strmap *props,
    struct err *e)
{
	if (codec_get_bool(o, "public", &put->public, e) < 0 ||
	    codec_get_bool(o, "auto_update", &put->auto_update, e) < 0 ||
	    codec_get_strmap(o, "properties", props, NULL, e) < 0 ||
	    codec_get_time(o, "expires_at", &put->expires_ns, e) < 0 ||
	    codec_get_strv(o, "profiles", &put->profiles, NULL, e) < 0)
		return -1;
	return 0;
}

/* POST /1.0/images with a JSON body: source.type says which kind
 * ("image": a pull, else a publish); NULL when there is none. */
const char *
codec_image_source_type(json_object *o)
{
	json_object *src = NULL, *type = NULL;

	if (json_object_object_get_ex(o, "source", &src) && src != NULL &&
	    json_object_is_type(src, json_type_object) &&
	    json_object_object_get_ex(src, "type", &type) && type != NULL &&
	    json_object_is_type(type, json_type_string))
		return json_object_get_string(type);
	return NULL;
}

/* The body's source object, or a 400 when it has none. */
static json_object *
codec_image_source(json_object *o, struct err *e)
{
	json_object *src = NULL;

	if (!json_object_object_get_ex(o, "source", &src) || src == NULL) {
		err_set(e, 400, "Missing image source");
		return NULL;
	}
	if (codec_check_object(src, "source", e) < 0)
		return NULL;
	return src;
}

json_object *
codec_image_publish_encode(const struct image_publish *p)
{
	json_object *o = json_object_new_object(), *src = json_object_new_object();

	json_object_object_add(src, "type", codec_string(p->type));
	json_object_object_add(src, "name", codec_string(p->name));
	json_object_object_add(o, "source", src);
	json_object_object_add(o, "public", json_object_new_boolean(p->public));
	json_object_object_add(o, "properties", codec_strmap_encode(&p->properties));
	if (p->compression != NULL)
		json_object_object_add(o, "compression_algorithm",
		    codec_string(p->compression));
	return o;
}

int
codec_image_publish_decode(json_object *o, struct image_publish *p, struct err *e)
{
	json_object *src;

	memset(p, 0, sizeof *p);
	src = codec_image_source(o, e);
	if (src == NULL ||
	    codec_get_string(src, "type", &p->type, e) < 0 ||
	    codec_get_string(src, "name", &p->name, e) < 0 ||
	    codec_get_string(o, "compression_algorithm", &p->compression, e) < 0 ||
	    codec_get_bool(o, "public", &p->public, e) < 0 ||
	    codec_get_strmap(o, "properties", &p->properties, NULL, e) < 0) {
		strmap_free(&p->properties);
		return -1;
	}
	return 0;
}

/* body.aliases: [{"name": ..., "description": ...}] (LXD's ImageAlias). */
static int
codec_image_alias_names(json_object *body, struct strv *out, struct err *e)
{
	json_object *a = NULL;
	size_t i, n;

	if (!json_object_object_get_ex(body, "aliases", &a) || a == NULL)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return err_set(e, 400, "json: field \"aliases\" is not an array");
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		const char *name = NULL;

		if (codec_check_object(o, "ImageAlias", e) < 0 ||
		    codec_get_string(o, "name", &name, e) < 0)
			return -1;
		if (name == NULL || *name == '\0')
			return err_set(e, 400, "Image alias without a name");
		strv_push(out, name);
	}
	return 0;
}

/* source.type "image" (`lxc image copy`, mode pull): p->ref is the
 * fingerprint when one is given, else the alias. */
int
codec_image_pull_decode(json_object *o, struct image_pull *p, const char **mode,
    struct err *e)
{
	const char *fp = NULL, *alias = NULL;
	json_object *src;

	memset(p, 0, sizeof *p);
	*mode = NULL;
	src = codec_image_source(o, e);
	if (src == NULL ||
	    codec_get_string(src, "mode", mode, e) < 0 ||
	    codec_get_string(src, "server", &p->remote.server, e) < 0 ||
	    codec_get_string(src, "protocol", &p->remote.protocol, e) < 0 ||
	    codec_get_string(src, "certificate", &p->remote.certificate, e) < 0 ||
	    codec_get_string(src, "secret", &p->remote.secret, e) < 0 ||
	    codec_get_string(src, "fingerprint", &fp, e) < 0 ||
	    codec_get_string(src, "alias", &alias, e) < 0 ||
	    codec_get_bool(o, "public", &p->public, e) < 0 ||
	    codec_get_bool(o, "auto_update", &p->auto_update, e) < 0 ||
	    codec_get_strmap(o, "properties", &p->properties, NULL, e) < 0 ||
	    codec_image_alias_names(o, &p->aliases, e) < 0) {
		image_pull_free_contents(p);
		return -1;
	}
	p->ref = fp != NULL && *fp != '\0' ? fp : alias;
	return 0;
}

/* POST /1.0/images/aliases as the client sends it (type "", the
 * server's default); codec_image_alias_decode() reads it back. */
json_object *
codec_image_alias_post_encode(const char *name, const char *target,
    const char *description)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", codec_string(name));
	json_object_object_add(o, "target", codec_string(target));
	json_object_object_add(o, "description", codec_string(description));
	json_object_object_add(o, "type", codec_string(""));
	return o;
}

/* PUT/PATCH /1.0/images/aliases/NAME: target and description, NULL
 * when absent (pointing into o). */
int
codec_image_alias_put_decode(json_object *o, const char **target,
    const char **description, struct err *e)
{
	*target = *description = NULL;
	if (codec_get_string(o, "target", target, e) < 0 ||
	    codec_get_string(o, "description", description, e) < 0)
		return -1;
	return 0;
}
