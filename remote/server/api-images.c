/*
 * api-images.c - /1.0/images: list, get, update, delete, export, upload,
 * publish, and /1.0/images/aliases.
 *
 * Uploads (`lxc image import`) arrive as the raw unified tarball or as a
 * multipart/form-data body with the metadata and rootfs parts of a split
 * image; server.c spools them to disk and this file hands the backend file
 * paths (split parts are cut out into files of their own).  Those files
 * must live until the import operation ends: an operation watcher removes
 * them.  Export streams the image's stored files as
 * they are (nothing copied per request): the unified tarball as is, a
 * split image as multipart with parts "metadata" and "rootfs", the way
 * `lxc image export` expects.  JSON bodies with source.type instance or snapshot
 * publish an instance; source.type image copies one from an image server
 * (`lxc image copy`, mode pull: the backend's image_pull downloads it).
 *
 * Untrusted callers (HTTPS without a trusted certificate) are let in by
 * server.c for the GETs of the list, an image, its export and an alias:
 * here they see public images only, as LXD serves them to other hosts
 * (lxd-api.md 4.4).  A private image opens to them with ?secret= from
 * POST /1.0/images/FP/secret (image-secret.c).  What they may not see is
 * answered exactly as what does not exist, so nothing tells the two apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"

static bool
api_images_trusted(const struct request *r)
{
	return request_peer(r)->trusted;
}

/*
 * The image ref names, as the caller may see it: for a trusted caller any
 * image (alias, fingerprint or prefix); for an untrusted one a public image
 * by fingerprint or prefix among public ones, or a private one whose
 * ?secret= is valid.  Anything else is 404 like a missing image.
 */
static int
api_images_lookup(struct request *r, const char *ref, struct image **out,
    struct err *e)
{
	struct backend *be = server_backend(r->srv);
	const char *secret = request_query(r, "secret");
	struct image *all = NULL, *im = NULL;
	size_t n = 0, i, len = strlen(ref), found = 0;

	*out = NULL;
	if (api_images_trusted(r))
		return be->ops->image_get(be, ref, out, e);
	if (len == 0 || strspn(ref, "0123456789abcdef") != len)
		return err_set(e, 404, "Image \"%s\" not found", ref);
	if (secret != NULL && *secret != '\0') {
		struct err ignored = { 0 };

		if (be->ops->image_get(be, ref, &im, &ignored) == 0 &&
		    (im->public || image_secret_check(r->srv, im->fingerprint,
		    secret))) {
			*out = im;
			return 0;
		}
		image_free(im);
		return err_set(e, 404, "Image \"%s\" not found", ref);
	}
	if (be->ops->image_list(be, &all, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!all[i].public || strncmp(all[i].fingerprint, ref, len) != 0)
			continue;
		if (found++ == 0) {
			im = xcalloc(1, sizeof *im);
			image_copy(im, &all[i]);
		}
	}
	image_array_free(all, n);
	if (found != 1) {
		image_free(im);
		return found == 0 ? err_set(e, 404, "Image \"%s\" not found", ref) :
		    err_set(e, 400, "More than one image matches \"%s\"", ref);
	}
	*out = im;
	return 0;
}

int
api_images_list(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image *im = NULL;
	size_t n = 0, i;
	struct api_filter *f;
	json_object *out;

	f = api_filter_parse(request_query(r, "filter"), e);
	if (f == NULL)
		return -1;
	if (request_project_is_default(r) && be->ops->image_list(be, &im, &n, e) < 0) {
		api_filter_free(f);
		return -1;
	}
	out = json_object_new_array();
	for (i = 0; i < n; i++)
		if (im[i].public || api_images_trusted(r))
			api_filter_add(f, r, out, codec_image_encode(&im[i]),
			    "/1.0/images/%s", im[i].fingerprint);
	image_array_free(im, n);
	api_filter_free(f);
	response_sync(r, out, NULL);
	return 0;
}

int
api_images_get(struct request *r, struct err *e)
{
	struct image *im = NULL;
	char etag[65];

	if (api_images_lookup(r, r->params[0], &im, e) < 0)
		return -1;
	codec_image_etag(im, etag);
	response_sync(r, codec_image_encode(im), etag);
	image_free(im);
	return 0;
}

static int
api_images_update(struct request *r, bool patch, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image *cur = NULL, put = { 0 };
	struct strmap props = { 0 };
	json_object *body;
	char etag[65];
	size_t i;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (be->ops->image_get(be, r->params[0], &cur, e) < 0)
		goto out;
	codec_image_etag(cur, etag);
	if (response_check_etag(r, etag, e) < 0)
		goto out;
	image_copy(&put, cur);
	if (!patch) {
		put.public = false;
		put.auto_update = false;
	}
	if (codec_image_put_decode(body, &put, &props, e) < 0)
		goto out;
	if (patch) {
		for (i = 0; i < props.n; i++)
			strmap_set(&put.properties, props.keys[i], props.vals[i]);
	} else {
		strmap_copy(&put.properties, &props);
	}
	if (be->ops->image_update(be, cur->fingerprint, &put, e) < 0)
		goto out;
	response_empty(r);
	rc = 0;
out:
	image_free_contents(&put);
	image_free(cur);
	strmap_free(&props);
	json_object_put(body);
	return rc;
}

int
api_images_put(struct request *r, struct err *e)
{
	return api_images_update(r, false, e);
}

int
api_images_patch(struct request *r, struct err *e)
{
	return api_images_update(r, true, e);
}

int
api_images_delete(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image *im = NULL;
	char *op = NULL;

	if (be->ops->image_get(be, r->params[0], &im, e) < 0)
		return -1;
	if (be->ops->image_delete(be, im->fingerprint, &op, e) < 0) {
		image_free(im);
		return -1;
	}
	image_free(im);
	response_async(r, op);
	free(op);
	return 0;
}

/*
 * The export streams the image's own files (the backend opens them, nothing
 * is copied): the unified tarball as is, a split image as multipart with
 * parts "metadata" and "rootfs" (or "rootfs.img"), as LXD sends them and
 * `lxc image export` reads them (lxd-api.md 4.2).
 */
int
api_images_export(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image_export_file f[2];
	struct image *im = NULL;
	struct response *resp = NULL;
	size_t i, n = 0;

	if (api_images_lookup(r, r->params[0], &im, e) < 0)
		return -1;
	if (be->ops->image_export(be, im->fingerprint, f, &n, e) < 0) {
		image_free(im);
		return -1;
	}
	if (n < 1 || n > 2) {
		err_set(e, 500, "Export of image \"%s\" gave %zu files", im->fingerprint, n);
		goto out;
	}
	resp = response_new(200);
	if (n == 1) {
		char *disp = xasprintf("inline;filename=%s", f[0].name);

		response_header(resp, "Content-Type", "application/octet-stream");
		response_header(resp, "Content-Disposition", disp);
		free(disp);
		response_file(resp, f[0].fd, f[0].size);
		f[0].fd = -1;
	} else {
		char boundary[40], *ct, *end;

		snprintf(boundary, sizeof boundary, "lxdeck%016llx",
		    (unsigned long long)time_now_ns());
		ct = xasprintf("multipart/form-data; boundary=%s", boundary);
		response_header(resp, "Content-Type", ct);
		free(ct);
		for (i = 0; i < 2; i++) {
			const char *name = i == 0 ? "metadata" :
			    (strstr(f[i].name, ".img") ? "rootfs.img" : "rootfs");
			char *part = xasprintf("%s--%s\r\nContent-Disposition: form-data; "
			    "name=\"%s\"; filename=\"%s\"\r\nContent-Type: "
			    "application/octet-stream\r\n\r\n", i == 0 ? "" : "\r\n",
			    boundary, name, f[i].name);

			response_body(resp, part, strlen(part));
			free(part);
			response_file(resp, f[i].fd, f[i].size);
			f[i].fd = -1;
		}
		end = xasprintf("\r\n--%s--\r\n", boundary);
		response_body(resp, end, strlen(end));
		free(end);
	}
	request_send(r, resp);
out:
	for (i = 0; i < n; i++) {
		if (f[i].fd >= 0)
			close(f[i].fd);
		free(f[i].name);
	}
	image_free(im);
	return resp != NULL ? 0 : -1;
}

/* Files an import needs until its operation ends. */
struct images_cleanup {
	struct strv	 files;
};

static void
api_images_cleanup_done(struct server *s, const struct op_info *op, void *arg)
{
	struct images_cleanup *c = arg;
	size_t i;

	for (i = 0; i < c->files.n; i++)
		unlink(c->files.v[i]);
	strv_free(&c->files);
	free(c);
}

static void
api_images_cleanup_after(struct request *r, const char *op, struct strv *files)
{
	struct images_cleanup *c = xcalloc(1, sizeof *c);
	struct err e = { 0 };

	c->files = *files;
	memset(files, 0, sizeof *files);
	if (api_operations_watch(r->srv, op, api_images_cleanup_done, c, &e) < 0)
		api_images_cleanup_done(r->srv, NULL, c);
}

/* X-LXD-properties: url-encoded k=v&k2=v2. */
static void
api_images_header_props(struct request *r, struct strmap *props)
{
	const char *h = request_header(r, "x-lxd-properties");

	if (h != NULL)
		http_parse_query(props, h);
}

static int
api_images_write_part(const char *spool_dir, const char *data, size_t len,
    struct strv *files, struct err *e)
{
	char *path = xasprintf("%s/lxdeckd-part-XXXXXX", spool_dir);
	int fd = mkostemp(path, O_CLOEXEC);
	size_t off = 0;

	if (fd < 0) {
		err_set(e, 500, "Failed to create a file for an image part: %s",
		    strerror(errno));
		free(path);
		return -1;
	}
	strv_push(files, path);
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_set(e, 500, "Failed to write an image part: %s",
			    strerror(errno));
			close(fd);
			free(path);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	free(path);
	return 0;
}

static int
api_images_upload(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	const char *ct = request_header(r, "content-type");
	const char *pub = request_header(r, "x-lxd-public");
	struct strmap props = { 0 };
	struct strv files = { 0 };
	char *boundary = NULL, *op = NULL;
	bool public = pub != NULL && (strcmp(pub, "true") == 0 || strcmp(pub, "1") == 0);
	int rc = -1;

	if (r->spool_fd < 0 || r->body_len == 0)
		return err_set(e, 400, "Empty image upload");
	api_images_header_props(r, &props);
	boundary = http_multipart_boundary(ct);
	if (boundary != NULL) {
		struct http_part parts[4];
		struct stat st;
		void *map = MAP_FAILED;
		int n, i, mi = -1, ri = -1;

		if (fstat(r->spool_fd, &st) < 0 || st.st_size == 0) {
			err_set(e, 400, "Empty image upload");
			goto out;
		}
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, r->spool_fd, 0);
		if (map == MAP_FAILED) {
			err_set(e, 500, "Failed to map the upload: %s", strerror(errno));
			goto out;
		}
		n = http_multipart_split(map, (size_t)st.st_size, boundary, parts, 4);
		if (n < 0) {
			munmap(map, (size_t)st.st_size);
			err_set(e, 400, "Malformed multipart image upload");
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (parts[i].name == NULL)
				continue;
			if (strcmp(parts[i].name, "metadata") == 0)
				mi = i;
			else if (strcmp(parts[i].name, "rootfs") == 0 ||
			    strcmp(parts[i].name, "rootfs.img") == 0)
				ri = i;
		}
		if (mi < 0 || ri < 0) {
			err_set(e, 400, "Split image upload needs \"metadata\" and "
			    "\"rootfs\" parts");
		} else if (api_images_write_part(server_spool_dir(r->srv),
		    (char *)map + parts[mi].start, parts[mi].end - parts[mi].start,
		    &files, e) == 0 &&
		    api_images_write_part(server_spool_dir(r->srv),
		    (char *)map + parts[ri].start, parts[ri].end - parts[ri].start,
		    &files, e) == 0) {
			rc = 0;
		}
		for (i = 0; i < n; i++)
			http_part_free(&parts[i]);
		munmap(map, (size_t)st.st_size);
		if (rc < 0)
			goto out;
		rc = -1;
		if (be->ops->image_import(be, files.v[0], files.v[1], &props, public, &op,
		    e) < 0)
			goto out;
	} else {
		/* The spool file is the tarball: keep it for the operation. */
		close(r->spool_fd);
		r->spool_fd = -1;
		strv_push(&files, r->spool_path);
		free(r->spool_path);
		r->spool_path = NULL;
		if (be->ops->image_import(be, files.v[0], NULL, &props, public, &op, e) < 0)
			goto out;
	}
	response_async(r, op);
	api_images_cleanup_after(r, op, &files);
	rc = 0;
out:
	{
		size_t i;

		for (i = 0; i < files.n; i++)
			unlink(files.v[i]);
	}
	strv_free(&files);
	free(op);
	free(boundary);
	strmap_free(&props);
	return rc;
}

static int
api_images_publish(struct request *r, json_object *body, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image_publish p;
	char *op = NULL;
	int rc = -1;

	if (codec_image_publish_decode(body, &p, e) < 0)
		return -1;
	if (p.type == NULL || (strcmp(p.type, "instance") != 0 &&
	    strcmp(p.type, "container") != 0 && strcmp(p.type, "snapshot") != 0)) {
		err_set(e, 501, "Image source type \"%s\" is not supported",
		    p.type ? p.type : "");
		goto out;
	}
	if (p.name == NULL || *p.name == '\0') {
		err_set(e, 400, "Missing source name");
		goto out;
	}
	if (strcmp(p.type, "snapshot") == 0 && strchr(p.name, '/') == NULL) {
		err_set(e, 400, "Snapshot source \"%s\" must be INSTANCE/SNAPSHOT", p.name);
		goto out;
	}
	if (be->ops->image_publish(be, p.name, &p.properties, p.public,
	    p.compression && *p.compression ? p.compression : NULL, &op, e) < 0)
		goto out;
	response_async(r, op);
	rc = 0;
out:
	free(op);
	strmap_free(&p.properties);
	return rc;
}

/* source.type "image": `lxc image copy` into this server (mode pull). */
static int
api_images_pull(struct request *r, json_object *body, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image_pull p;
	const char *mode;
	char *op = NULL;
	int rc = -1;

	if (codec_image_pull_decode(body, &p, &mode, e) < 0)
		return -1;
	if (mode != NULL && *mode != '\0' && strcmp(mode, "pull") != 0) {
		err_set(e, 501, "Image copy mode \"%s\" is not supported (only "
		    "\"pull\")", mode);
		goto out;
	}
	if (p.remote.server == NULL || *p.remote.server == '\0') {
		err_set(e, 400, "Missing image server in source");
		goto out;
	}
	if (strncmp(p.remote.server, "https://", 8) != 0 &&
	    strncmp(p.remote.server, "http://", 7) != 0 &&
	    strncmp(p.remote.server, "unix://", 7) != 0) {
		err_set(e, 400, "Invalid image server \"%s\": not an https://, "
		    "http:// or unix:// URL", p.remote.server);
		goto out;
	}
	if (p.ref == NULL || *p.ref == '\0') {
		err_set(e, 400, "Must specify one of alias or fingerprint for an "
		    "image from a server");
		goto out;
	}
	if (be->ops->image_pull == NULL) {
		err_set(e, 501, "Copying images from a server is not supported by "
		    "backend \"%s\"", be->name ? be->name : "");
		goto out;
	}
	if (be->ops->image_pull(be, &p, &op, e) < 0)
		goto out;
	response_async(r, op);
	rc = 0;
out:
	free(op);
	image_pull_free_contents(&p);
	return rc;
}

int
api_images_secret(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image *im = NULL;

	if (be->ops->image_get(be, r->params[0], &im, e) < 0)
		return -1;
	response_async_op(r, image_secret_create(r->srv, im->fingerprint));
	log_info("Issued a download token for image \"%s\"", im->fingerprint);
	image_free(im);
	return 0;
}

int
api_images_create(struct request *r, struct err *e)
{
	const char *ct = request_header(r, "content-type");
	json_object *body;
	int rc;

	if (ct != NULL && strncasecmp(ct, "application/json", 16) == 0) {
		const char *type;

		body = request_json(r, e);
		if (body == NULL)
			return -1;
		type = codec_image_source_type(body);
		if (type != NULL && strcmp(type, "image") == 0)
			rc = api_images_pull(r, body, e);
		else
			rc = api_images_publish(r, body, e);
		json_object_put(body);
		return rc;
	}
	return api_images_upload(r, e);
}

/* Aliases */

int
api_images_aliases_list(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image_alias *a = NULL;
	size_t n = 0, i;
	json_object *out;

	if (request_project_is_default(r) &&
	    be->ops->image_alias_list(be, &a, &n, e) < 0)
		return -1;
	out = json_object_new_array();
	for (i = 0; i < n; i++) {
		if (request_recursion(r) >= 1) {
			json_object_array_add(out, codec_image_alias_encode(&a[i]));
		} else {
			char *url = xasprintf("/1.0/images/aliases/%s", a[i].name);

			json_object_array_add(out, codec_string(url));
			free(url);
		}
	}
	image_alias_array_free(a, n);
	response_sync(r, out, NULL);
	return 0;
}

int
api_images_aliases_create(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image_alias a;
	json_object *body;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_image_alias_decode(body, &a, e) < 0)
		goto out_body;
	if (a.name[0] == '\0' || a.target[0] == '\0') {
		err_set(e, 400, "Alias name and target are required");
		goto out;
	}
	if (be->ops->image_alias_create(be, a.name, a.target, a.description, e) < 0)
		goto out;
	response_created(r, "/1.0/images/aliases/%s", a.name);
	rc = 0;
out:
	image_alias_free_contents(&a);
out_body:
	json_object_put(body);
	return rc;
}

int
api_images_aliases_get(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image_alias *a = NULL;
	char etag[65];

	if (be->ops->image_alias_get(be, r->params[0], &a, e) < 0)
		return -1;
	if (!api_images_trusted(r)) {
		/* Only aliases of public images, as LXD shows them. */
		struct image *im = NULL;
		struct err ignored = { 0 };
		bool pub = be->ops->image_get(be, a->target, &im, &ignored) == 0 &&
		    im->public;

		image_free(im);
		if (!pub) {
			err_set(e, 404, "Image alias \"%s\" not found", r->params[0]);
			image_alias_free_contents(a);
			free(a);
			return -1;
		}
	}
	codec_image_alias_etag(a, etag);
	response_sync(r, codec_image_alias_encode(a), etag);
	image_alias_free_contents(a);
	free(a);
	return 0;
}

/* PUT/PATCH: the backend has no alias update, so replace the alias. */
int
api_images_aliases_put(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image_alias *cur = NULL;
	const char *target = NULL, *desc = NULL;
	char *old_target = NULL, *old_desc = NULL;
	json_object *body;
	char etag[65];
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_image_alias_put_decode(body, &target, &desc, e) < 0)
		goto out;
	if (be->ops->image_alias_get(be, r->params[0], &cur, e) < 0)
		goto out;
	codec_image_alias_etag(cur, etag);
	if (response_check_etag(r, etag, e) < 0)
		goto out;
	old_target = xstrdup(cur->target);
	old_desc = xstrdup(cur->description);
	if (target == NULL || *target == '\0')
		target = old_target;
	if (desc == NULL)
		desc = old_desc;
	if (be->ops->image_alias_delete(be, r->params[0], e) < 0)
		goto out;
	if (be->ops->image_alias_create(be, r->params[0], target, desc, e) < 0) {
		struct err ignored = { 0 };

		be->ops->image_alias_create(be, r->params[0], old_target, old_desc,
		    &ignored);
		goto out;
	}
	response_empty(r);
	rc = 0;
out:
	free(old_target);
	free(old_desc);
	if (cur != NULL) {
		image_alias_free_contents(cur);
		free(cur);
	}
	json_object_put(body);
	return rc;
}

int
api_images_aliases_rename(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct image_alias *cur = NULL;
	const char *newname = NULL;
	json_object *body;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_rename_decode(body, &newname, e) < 0)
		goto out;
	if (newname == NULL || *newname == '\0') {
		err_set(e, 400, "Missing new alias name");
		goto out;
	}
	if (be->ops->image_alias_get(be, r->params[0], &cur, e) < 0)
		goto out;
	if (be->ops->image_alias_create(be, newname, cur->target, cur->description,
	    e) < 0)
		goto out;
	if (be->ops->image_alias_delete(be, r->params[0], e) < 0)
		goto out;
	response_created(r, "/1.0/images/aliases/%s", newname);
	rc = 0;
out:
	if (cur != NULL) {
		image_alias_free_contents(cur);
		free(cur);
	}
	json_object_put(body);
	return rc;
}

int
api_images_aliases_delete(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);

	if (be->ops->image_alias_delete(be, r->params[0], e) < 0)
		return -1;
	response_empty(r);
	return 0;
}
