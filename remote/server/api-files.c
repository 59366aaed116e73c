/*
 * api-files.c - /1.0/instances/NAME/files?path=P: pull (GET), push (POST),
 * delete.
 *
 * Metadata travels in headers: X-LXD-uid, -gid, -mode (octal), -type
 * (file, directory, symlink) and, on push, -write (overwrite, append).  A
 * file comes back as raw bytes, a directory as a sync list of names, a
 * symlink as its target.  Pushed bodies are chunked; server.c spools them
 * (bounded by HTTP_MAX_FILE_PUSH).  Paths may come without their leading
 * '/'.
 *
 * With a backend that has file_start (the local engine) nothing here waits
 * and nothing is held whole in memory: the work runs in a helper joined to
 * the instance (instance-file.c); a push hands it the spool file, a pull's
 * content streams from the helper into the response (response_stream), and
 * the request is answered when the helper reports.  A client that leaves
 * first stops the helper (on_abort).  Other backends (fake, remote) answer
 * at once through file_get/file_put/file_delete.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"

static char *
api_files_path(struct request *r, struct err *e)
{
	const char *p = request_query(r, "path");

	if (p == NULL || *p == '\0') {
		err_set(e, 400, "Missing path argument");
		return NULL;
	}
	if (strlen(p) > 4096) {
		err_set(e, 400, "Path too long");
		return NULL;
	}
	return p[0] == '/' ? xstrdup(p) : xasprintf("/%s", p);
}

static const char *
api_files_type_name(enum file_type t)
{
	switch (t) {
	case FILE_DIRECTORY: return "directory";
	case FILE_SYMLINK: return "symlink";
	case FILE_REGULAR: break;
	}
	return "file";
}

static void
api_files_headers(struct strmap *h, const struct file_info *fi)
{
	char v[64];

	snprintf(v, sizeof v, "%u", (unsigned)fi->uid);
	strmap_set(h, "X-LXD-uid", v);
	snprintf(v, sizeof v, "%u", (unsigned)fi->gid);
	strmap_set(h, "X-LXD-gid", v);
	snprintf(v, sizeof v, "%04o", (unsigned)(fi->mode & 07777));
	strmap_set(h, "X-LXD-mode", v);
	strmap_set(h, "X-LXD-type", api_files_type_name(fi->type));
	if (fi->mtime_ns != 0) {
		char t[48];

		strmap_set(h, "X-LXD-modified", time_format_rfc3339(fi->mtime_ns, t,
		    sizeof t));
	}
}

/* The answer to a pull: a listing, a link's target, or the content
 * (from memory, or streamed from stream_fd, taken). */
static void
api_files_answer(struct request *r, const char *path, const struct file_info *fi,
    int stream_fd)
{
	struct strmap h = { 0 };
	size_t i;

	api_files_headers(&h, fi);
	if (fi->type == FILE_DIRECTORY) {
		response_sync_with(r, codec_strv_encode(&fi->entries), &h);
	} else {
		struct response *resp = response_new(200);
		const char *base = strrchr(path, '/');
		char *disp = xasprintf("inline;filename=%s", base ? base + 1 : path);

		response_header(resp, "Content-Type", "application/octet-stream");
		response_header(resp, "Content-Disposition", disp);
		for (i = 0; i < h.n; i++)
			response_header(resp, h.keys[i], h.vals[i]);
		if (stream_fd >= 0)
			response_stream(resp, stream_fd, (int64_t)fi->len);
		else
			response_body(resp, fi->content ? fi->content : "", fi->len);
		free(disp);
		request_send(r, resp);
	}
	strmap_free(&h);
}

/* A request waiting for its helper. */
struct api_files_wait {
	struct request	*r;
	struct backend	*be;
	struct file_op	*op;
	enum file_op_kind kind;
	char		*path;
};

static void
api_files_wait_free(struct api_files_wait *w)
{
	free(w->path);
	free(w);
}

static void
api_files_abort(struct request *r, void *arg)
{
	struct api_files_wait *w = arg;

	(void)r;
	w->be->ops->file_cancel(w->be, w->op);
	api_files_wait_free(w);
}

static void
api_files_done(void *arg, const struct file_info *fi, int stream_fd,
    const struct err *e)
{
	struct api_files_wait *w = arg;
	struct request *r = w->r;

	r->on_abort = NULL;
	r->abort_arg = NULL;
	if (e->code != 0)
		response_error(r, e);
	else if (w->kind == FILE_OP_GET)
		api_files_answer(r, w->path, fi, stream_fd);
	else
		response_empty(r);
	api_files_wait_free(w);
}

/* Starts q in the backend's helper; the request is answered later. */
static int
api_files_start(struct request *r, struct file_req *q, char *path, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct api_files_wait *w = xcalloc(1, sizeof *w);

	w->r = r;
	w->be = be;
	w->kind = q->op;
	w->path = path;
	q->inst = r->params[0];
	q->path = path;
	if (be->ops->file_start(be, q, api_files_done, w, &w->op, e) < 0) {
		api_files_wait_free(w);
		return -1;
	}
	r->on_abort = api_files_abort;
	r->abort_arg = w;
	return 0;
}

int
api_files_get(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct file_info fi = { 0 };
	char *path;

	path = api_files_path(r, e);
	if (path == NULL)
		return -1;
	if (be->ops->file_start != NULL) {
		struct file_req q = { .op = FILE_OP_GET, .data_fd = -1 };

		return api_files_start(r, &q, path, e);
	}
	if (be->ops->file_get(be, r->params[0], path, &fi, e) < 0) {
		free(path);
		return -1;
	}
	api_files_answer(r, path, &fi, -1);
	file_info_free_contents(&fi);
	free(path);
	return 0;
}

static int
api_files_header_num(struct request *r, const char *name, int base, long *out,
    struct err *e)
{
	const char *v = request_header(r, name);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtol(v, &end, base);
	if (errno != 0 || *end != '\0' || n < -1 || n > 0xfffffffeL)
		return err_set(e, 400, "Invalid %s header \"%s\"", name, v);
	*out = n;
	return 0;
}

/* A symlink's target from the spool file (a few bytes: bounded). */
static int
api_files_read_spool(struct request *r, struct file_info *fi, struct err *e)
{
	struct stat st;

	if (fstat(r->spool_fd, &st) < 0)
		return err_set(e, 500, "Failed to read the pushed file: %s",
		    strerror(errno));
	if (st.st_size > 4096)
		return err_set(e, 400, "Symlink target too long");
	fi->len = (size_t)st.st_size;
	fi->content = xmalloc(fi->len + 1);
	if (pread(r->spool_fd, fi->content, fi->len, 0) != (ssize_t)fi->len)
		return err_set(e, 500, "Failed to read the pushed file");
	fi->content[fi->len] = '\0';
	return 0;
}

int
api_files_post(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct file_info fi = { 0 };
	const char *type = request_header(r, "x-lxd-type");
	const char *write = request_header(r, "x-lxd-write");
	long uid = -1, gid = -1, mode = -1;
	bool append = false;
	char *path;
	int rc = -1;

	path = api_files_path(r, e);
	if (path == NULL)
		return -1;
	if (api_files_header_num(r, "x-lxd-uid", 10, &uid, e) < 0 ||
	    api_files_header_num(r, "x-lxd-gid", 10, &gid, e) < 0 ||
	    api_files_header_num(r, "x-lxd-mode", 8, &mode, e) < 0)
		goto out;
	if (type == NULL || *type == '\0' || strcmp(type, "file") == 0) {
		fi.type = FILE_REGULAR;
	} else if (strcmp(type, "directory") == 0) {
		fi.type = FILE_DIRECTORY;
	} else if (strcmp(type, "symlink") == 0) {
		fi.type = FILE_SYMLINK;
	} else {
		err_set(e, 400, "Invalid file type \"%s\"", type);
		goto out;
	}
	if (write != NULL && strcmp(write, "append") == 0)
		append = true;
	else if (write != NULL && *write != '\0' && strcmp(write, "overwrite") != 0) {
		err_set(e, 400, "Invalid X-LXD-write header \"%s\"", write);
		goto out;
	}
	fi.uid = uid < 0 ? 0 : (uid_t)uid;
	fi.gid = gid < 0 ? 0 : (gid_t)gid;
	fi.mode = mode < 0 ? (fi.type == FILE_DIRECTORY ? 0755 : 0644) :
	    (mode_t)(mode & 07777);
	if (be->ops->file_start != NULL) {
		struct file_req q = { .op = FILE_OP_PUT, .append = append,
		    .data_fd = -1 };

		/* The data stays in the spool file; a link's target is small. */
		if (fi.type == FILE_REGULAR && r->spool_fd >= 0) {
			q.data_fd = r->spool_fd;
		} else if (r->spool_fd >= 0 && fi.type == FILE_SYMLINK) {
			if (api_files_read_spool(r, &fi, e) < 0)
				goto out;
		} else if (fi.type != FILE_DIRECTORY) {
			fi.len = r->body.len;
			fi.content = xmalloc(fi.len + 1);
			if (fi.len > 0)
				memcpy(fi.content, r->body.data, fi.len);
			fi.content[fi.len] = '\0';
		}
		q.info = fi;
		rc = api_files_start(r, &q, path, e);
		path = NULL;
		goto out;
	}
	if (r->spool_fd >= 0) {
		struct stat st;

		if (fstat(r->spool_fd, &st) < 0) {
			err_set(e, 500, "Failed to read the pushed file: %s",
			    strerror(errno));
			goto out;
		}
		fi.len = (size_t)st.st_size;
		fi.content = xmalloc(fi.len + 1);
		if (pread(r->spool_fd, fi.content, fi.len, 0) != (ssize_t)fi.len) {
			err_set(e, 500, "Failed to read the pushed file");
			goto out;
		}
		fi.content[fi.len] = '\0';
	} else {
		fi.len = r->body.len;
		fi.content = xmalloc(fi.len + 1);
		if (fi.len > 0)
			memcpy(fi.content, r->body.data, fi.len);
		fi.content[fi.len] = '\0';
	}
	if (be->ops->file_put(be, r->params[0], path, &fi, append, e) < 0)
		goto out;
	response_empty(r);
	rc = 0;
out:
	file_info_free_contents(&fi);
	free(path);
	return rc;
}

int
api_files_delete(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	char *path;
	int rc;

	path = api_files_path(r, e);
	if (path == NULL)
		return -1;
	if (be->ops->file_start != NULL) {
		struct file_req q = { .op = FILE_OP_DELETE, .data_fd = -1 };

		return api_files_start(r, &q, path, e);
	}
	rc = be->ops->file_delete(be, r->params[0], path, e);
	free(path);
	if (rc < 0)
		return -1;
	response_empty(r);
	return 0;
}
