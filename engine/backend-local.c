/*
 * backend-local.c - the embedded engine behind struct backend_ops (local:).
 *
 * A thin layer: each method maps onto the engine module that owns the
 * object (instance.c, snapshot.c, profile.c, image.c, op.c, event.c) and
 * wraps slow work in operations.  What the engine cannot do yet answers
 * 501 with a message that says so, never a silent success.
 */
#include <errno.h>
#include <lxc/lxccontainer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "engine.h"

#define ENG(b) ((struct engine *)(b))

static void
local_free(struct backend *b)
{
	engine_close(ENG(b));
}

static char *
os_release_field(const char *key)
{
	char *text = util_read_file("/etc/os-release", NULL), *line, *save = NULL;
	char *val = NULL;
	size_t klen = strlen(key);

	if (text == NULL)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
			char *v = line + klen + 1;
			size_t n = strlen(v);

			if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
				v[n - 1] = '\0';
				v++;
			}
			val = xstrdup(v);
			break;
		}
	}
	free(text);
	return val;
}

static int
local_server_info(struct backend *b, struct server_info *out, struct err *err)
{
	struct engine *e = ENG(b);
	struct utsname u;
	char host[256] = "";

	memset(out, 0, sizeof *out);
	uname(&u);
	gethostname(host, sizeof host - 1);
	out->server = xstrdup("lxdeck");
	out->server_name = xstrdup(host);
	out->server_version = xstrdup("0.1");
	out->kernel_version = xstrdup(u.release);
	out->kernel_architecture = xstrdup(u.machine);
	out->os_name = os_release_field("NAME");
	out->os_version = os_release_field("VERSION_ID");
	out->driver = xstrdup("lxc");
	out->driver_version = xstrdup(lxc_get_version());
	out->storage = xstrdup(storage_default_driver(e));
	out->storage_version = xstrdup("1");
	strv_push(&out->storage_drivers, "dir");
	if (e->has_overlay)
		strv_push(&out->storage_drivers, "overlay");
	strv_push(&out->architectures, e->arch);
	strmap_set(&out->kernel_features, "idmapped_mounts",
	    e->has_idmapped_mounts ? "true" : "false");
	strmap_set(&out->kernel_features, "overlayfs", e->has_overlay ? "true" : "false");
	out->stateful_supported = snapshot_stateful_supported(e);
	out->stateful_reason = xstrdup(e->criu_reason);
	out->server_pid = getpid();
	return engine_config_get(e, &out->config, err);
}

static int
local_server_update(struct backend *b, const struct strmap *config, struct err *err)
{
	struct engine *e = ENG(b);
	sqlite3_stmt *st = NULL;
	size_t i;

	if (config_key_validate_server(config, err) < 0)
		return -1;
	if (db_begin(e->db, err) < 0)
		return -1;
	if (db_exec(e->db, "DELETE FROM config WHERE key NOT LIKE 'network.%'", err) < 0)
		goto fail;
	if (sqlite3_prepare_v2(e->db, "INSERT OR REPLACE INTO config (key, value) "
	    "VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < config->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, config->keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, config->vals[i], -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return db_commit(e->db, err);
fail:
	db_rollback(e->db);
	return -1;
}

static int
local_instance_list(struct backend *b, unsigned flags, struct instance **out,
    size_t *n, struct err *err)
{
	return instance_load_all(ENG(b), flags, out, n, err);
}

static int
local_instance_get(struct backend *b, const char *name, unsigned flags,
    struct instance **out, struct err *err)
{
	struct instance *in = xcalloc(1, sizeof *in);

	if (instance_load(ENG(b), name, flags, in, err) < 0) {
		free(in);
		*out = NULL;
		return -1;
	}
	*out = in;
	return 0;
}

static int
local_instance_state(struct backend *b, const char *name,
    struct instance_state **out, struct err *err)
{
	struct instance in;

	*out = NULL;
	/* Loaded with the instance: the nics' host names are in its config. */
	if (instance_load(ENG(b), name, INSTANCE_WITH_STATE, &in, err) < 0)
		return -1;
	*out = in.state;
	in.state = NULL;
	instance_free_contents(&in);
	return 0;
}

static int
local_instance_create(struct backend *b, const struct instance_create *req,
    char **op_id, struct err *err)
{
	return instance_op_create(ENG(b), req, op_id, err);
}

static int
local_instance_update(struct backend *b, const char *name,
    const struct instance_put *put, char **op_id, struct err *err)
{
	return instance_op_update(ENG(b), name, put, op_id, err);
}

static int
local_instance_action(struct backend *b, const char *name, const char *action,
    int timeout, bool force, bool stateful, char **op_id, struct err *err)
{
	return instance_op_action(ENG(b), name, action, timeout, force, stateful,
	    op_id, err);
}

static int
local_instance_delete(struct backend *b, const char *name, char **op_id,
    struct err *err)
{
	return instance_op_delete(ENG(b), name, op_id, err);
}

static int
local_instance_rename(struct backend *b, const char *name, const char *newname,
    char **op_id, struct err *err)
{
	return instance_op_rename(ENG(b), name, newname, op_id, err);
}

static int
local_snapshot_list(struct backend *b, const char *inst, struct snapshot **out,
    size_t *n, struct err *err)
{
	return snapshot_load_all(ENG(b), inst, out, n, err);
}

static int
local_snapshot_get(struct backend *b, const char *inst, const char *snap,
    struct snapshot **out, struct err *err)
{
	struct snapshot *s = xcalloc(1, sizeof *s);

	if (snapshot_load(ENG(b), inst, snap, s, err) < 0) {
		free(s);
		*out = NULL;
		return -1;
	}
	*out = s;
	return 0;
}

static int
local_snapshot_create(struct backend *b, const char *inst, const char *snap,
    bool stateful, int64_t expires_ns, char **op_id, struct err *err)
{
	return snapshot_op_create(ENG(b), inst, snap, stateful, expires_ns, op_id, err);
}

static int
local_snapshot_rename(struct backend *b, const char *inst, const char *snap,
    const char *newname, char **op_id, struct err *err)
{
	return snapshot_op_rename(ENG(b), inst, snap, newname, op_id, err);
}

static int
local_snapshot_delete(struct backend *b, const char *inst, const char *snap,
    char **op_id, struct err *err)
{
	return snapshot_op_delete(ENG(b), inst, snap, op_id, err);
}

static int
local_snapshot_restore(struct backend *b, const char *inst, const char *snap,
    bool stateful, char **op_id, struct err *err)
{
	return snapshot_op_restore(ENG(b), inst, snap, stateful, op_id, err);
}

static int
local_snapshot_diff_files(struct backend *b, const char *inst, const char *snap,
    struct strv *out, struct err *err)
{
	return snapshot_diff_files(ENG(b), inst, snap, SNAPSHOT_DIFF_MAX, out, err);
}

static int
local_snapshot_update(struct backend *b, const char *inst, const char *snap,
    int64_t expires_ns, struct err *err)
{
	return snapshot_op_set_expiry(ENG(b), inst, snap, expires_ns, err);
}

static int
local_profile_list(struct backend *b, struct profile **out, size_t *n,
    struct err *err)
{
	return profile_load_all(ENG(b), out, n, err);
}

static int
local_profile_get(struct backend *b, const char *name, struct profile **out,
    struct err *err)
{
	struct profile *p = xcalloc(1, sizeof *p);

	if (profile_load(ENG(b), name, p, err) < 0) {
		free(p);
		*out = NULL;
		return -1;
	}
	*out = p;
	return 0;
}

static int
local_profile_create(struct backend *b, const struct profile *p, struct err *err)
{
	return profile_edit_add(ENG(b), p, err);
}

static int
local_profile_update(struct backend *b, const char *name, const struct profile *p,
    struct err *err)
{
	return profile_edit_replace(ENG(b), name, p, err);
}

static int
local_profile_rename(struct backend *b, const char *name, const char *newname,
    struct err *err)
{
	return profile_edit_rename(ENG(b), name, newname, err);
}

static int
local_profile_delete(struct backend *b, const char *name, struct err *err)
{
	return profile_edit_remove(ENG(b), name, err);
}

static int
local_image_list(struct backend *b, struct image **out, size_t *n, struct err *err)
{
	return image_load_all(ENG(b), out, n, err);
}

static int
local_image_get(struct backend *b, const char *ref, struct image **out,
    struct err *err)
{
	struct image *im;
	char *fp = NULL;

	*out = NULL;
	if (image_resolve(ENG(b), ref, &fp, err) < 0)
		return -1;
	im = xcalloc(1, sizeof *im);
	if (image_load(ENG(b), fp, im, err) < 0) {
		free(im);
		free(fp);
		return -1;
	}
	free(fp);
	*out = im;
	return 0;
}

struct image_job {
	char		*meta;
	char		*rootfs;
	char		*source;
	char		*compression;
	struct strmap	 props;
	bool		 public;
	char		*fp;
};

static void
image_job_free(void *arg)
{
	struct image_job *j = arg;

	free(j->meta);
	free(j->rootfs);
	free(j->source);
	free(j->compression);
	strmap_free(&j->props);
	free(j->fp);
	free(j);
}

static int
image_import_work(struct engine *e, void *arg, struct op_result *res,
    struct err *err)
{
	struct image_job *j = arg;
	const char *base = strrchr(j->meta, '/');
	char *fp = NULL, size[32];
	struct image im = { 0 };

	if (image_import(e, j->meta, j->rootfs, &j->props, j->public,
	    base ? base + 1 : j->meta, &fp, err) < 0)
		return -1;
	strmap_set(&res->metadata, "fingerprint", fp);
	if (image_load(e, fp, &im, NULL) == 0) {
		snprintf(size, sizeof size, "%lld", (long long)im.size);
		strmap_set(&res->metadata, "size", size);
		image_free_contents(&im);
	}
	free(fp);
	return 0;
}

static void
image_created_done(struct engine *e, struct op_info *op, void *arg)
{
	const char *fp = strmap_get(&op->metadata, "fingerprint");
	struct strmap ctx = { 0 };
	char *src;

	if (op->status != STATUS_SUCCESS || fp == NULL)
		return;
	strmap_set(&ctx, "type", "container");
	src = xasprintf("/1.0/images/%s", fp);
	event_lifecycle(e, "image-created", src, &ctx);
	free(src);
	strmap_free(&ctx);
}

static int
local_image_import(struct backend *b, const char *meta_path, const char *rootfs_path,
    const struct strmap *properties, bool public, char **op_id, struct err *err)
{
	struct image_job *j = xcalloc(1, sizeof *j);
	struct op_spec spec = {
		.description = "Downloading image",
		.cls = OP_CLASS_TASK,
		.work = image_import_work,
		.done = image_created_done,
		.free_arg = image_job_free,
		.arg = j,
	};

	if (access(meta_path, R_OK) < 0) {
		free(j);
		return err_set(err, 400, "Cannot read image file \"%s\": %s", meta_path,
		    strerror(errno));
	}
	j->meta = xstrdup(meta_path);
	j->rootfs = xstrdup(rootfs_path);
	if (properties != NULL)
		strmap_copy(&j->props, properties);
	j->public = public;
	return op_start(ENG(b), &spec, op_id, err);
}

static int
local_image_update(struct backend *b, const char *fp, const struct image *put,
    struct err *err)
{
	char *full = NULL;
	int rc;

	if (image_resolve(ENG(b), fp, &full, err) < 0)
		return -1;
	rc = image_save_props(ENG(b), full, put, err);
	free(full);
	return rc;
}

static int
image_delete_work(struct engine *e, void *arg, struct op_result *res,
    struct err *err)
{
	struct image_job *j = arg;

	return image_remove(e, j->fp, err);
}

static void
image_deleted_done(struct engine *e, struct op_info *op, void *arg)
{
	struct image_job *j = arg;
	char *src;

	if (op->status != STATUS_SUCCESS)
		return;
	src = xasprintf("/1.0/images/%s", j->fp);
	event_lifecycle(e, "image-deleted", src, NULL);
	free(src);
}

static int
local_image_delete(struct backend *b, const char *fp, char **op_id, struct err *err)
{
	struct image_job *j;
	char *full = NULL;
	struct op_spec spec = {
		.description = "Deleting image",
		.cls = OP_CLASS_TASK,
		.work = image_delete_work,
		.done = image_deleted_done,
		.free_arg = image_job_free,
	};

	if (image_resolve(ENG(b), fp, &full, err) < 0)
		return -1;
	j = xcalloc(1, sizeof *j);
	j->fp = full;
	spec.arg = j;
	return op_start(ENG(b), &spec, op_id, err);
}

static int
local_image_export(struct backend *b, const char *fp,
    struct image_export_file out[2], size_t *n, struct err *err)
{
	char *full = NULL;
	int rc;

	if (image_resolve(ENG(b), fp, &full, err) < 0)
		return -1;
	rc = image_export_open(ENG(b), full, out, n, err);
	free(full);
	return rc;
}

static int
image_publish_work(struct engine *e, void *arg, struct op_result *res,
    struct err *err)
{
	struct image_job *j = arg;
	char *inst = xstrdup(j->source), *snap = strchr(inst, '/');
	char *storage = NULL, *base = NULL, *dir = NULL, *mnt = NULL, *fp = NULL;
	bool overlay;
	int64_t id;
	int rc = -1;

	if (snap != NULL)
		*snap++ = '\0';
	if (instance_id(e, inst, &id, &storage, &base, err) < 0)
		goto out;
	overlay = strcmp(storage, "overlay") == 0;
	op_progress(res, "create_image_from_container_pack", "Packing");
	if (!overlay) {
		dir = snap ? engine_path(e, "snapshots/%s/%s/rootfs", inst, snap) :
		    engine_path(e, "containers/%s/rootfs", inst);
	} else {
		/* The files as they are on disk: upper over the image, read-only. */
		char *upper = snap ? engine_path(e, "snapshots/%s/%s/upper", inst, snap) :
		    engine_path(e, "containers/%s/ov/upper", inst);
		char *lower = *base ? image_rootfs_dir(e, base, err) : NULL;
		char *opts;

		if (*base && lower == NULL) {
			free(upper);
			goto out;
		}
		mnt = engine_path(e, "containers/%s/mnt/publish", inst);
		util_mkdir_p(mnt, 0700);
		opts = lower ? xasprintf("lowerdir=%s:%s", upper, lower) :
		    xasprintf("lowerdir=%s", upper);
		rc = mount("overlay", mnt, "overlay", MS_RDONLY, opts);
		free(opts);
		free(upper);
		free(lower);
		if (rc < 0) {
			rc = err_set(err, 500, "Failed to mount the files of \"%s\": %s",
			    j->source, strerror(errno));
			goto out;
		}
		dir = xstrdup(mnt);
	}
	rc = image_pack(e, dir, e->arch, &j->props, j->compression, j->public, &fp, err);
	if (rc == 0) {
		struct image im = { 0 };

		strmap_set(&res->metadata, "fingerprint", fp);
		if (image_load(e, fp, &im, NULL) == 0) {
			char size[32];

			snprintf(size, sizeof size, "%lld", (long long)im.size);
			strmap_set(&res->metadata, "size", size);
			image_free_contents(&im);
		}
	}
out:
	if (mnt != NULL) {
		umount2(mnt, MNT_DETACH);
		rmdir(mnt);
	}
	free(inst);
	free(storage);
	free(base);
	free(dir);
	free(mnt);
	free(fp);
	return rc;
}

static int
local_image_publish(struct backend *b, const char *source,
    const struct strmap *properties, bool public, const char *compression,
    char **op_id, struct err *err)
{
	struct engine *e = ENG(b);
	struct image_job *j;
	char *inst = xstrdup(source), *snap = strchr(inst, '/');
	int64_t id;
	struct op_spec spec = {
		.description = "Publishing instance",
		.cls = OP_CLASS_TASK,
		.work = image_publish_work,
		.done = image_created_done,
		.free_arg = image_job_free,
	};

	if (snap != NULL)
		*snap++ = '\0';
	if (instance_id(e, inst, &id, NULL, NULL, err) < 0) {
		free(inst);
		return -1;
	}
	if (snap != NULL) {
		struct snapshot s = { 0 };

		if (snapshot_load(e, inst, snap, &s, err) < 0) {
			free(inst);
			return -1;
		}
		snapshot_free_contents(&s);
	} else if (instance_is_running(e, inst)) {
		err_set(err, 400, "The instance \"%s\" is currently running; stop it "
		    "before publishing it", inst);
		free(inst);
		return -1;
	}
	free(inst);
	j = xcalloc(1, sizeof *j);
	j->source = xstrdup(source);
	j->compression = xstrdup(compression && *compression ? compression : "gzip");
	if (properties != NULL)
		strmap_copy(&j->props, properties);
	j->public = public;
	spec.arg = j;
	return op_start(e, &spec, op_id, err);
}

static int
local_image_alias_list(struct backend *b, struct image_alias **out, size_t *n,
    struct err *err)
{
	return image_alias_load_all(ENG(b), out, n, err);
}

static int
local_image_alias_get(struct backend *b, const char *name, struct image_alias **out,
    struct err *err)
{
	struct image_alias *a = xcalloc(1, sizeof *a);

	if (image_alias_load(ENG(b), name, a, err) < 0) {
		free(a);
		*out = NULL;
		return -1;
	}
	*out = a;
	return 0;
}

static int
local_image_alias_create(struct backend *b, const char *name, const char *target,
    const char *description, struct err *err)
{
	return image_alias_add(ENG(b), name, target, description, err);
}

/* An image copy from a server: the request, owned by its op. */
struct pull_job {
	struct image_pull	 p;
	char			*server, *protocol, *certificate, *secret, *ref;
};

static void
pull_job_free(void *arg)
{
	struct pull_job *j = arg;

	free(j->server);
	free(j->protocol);
	free(j->certificate);
	free(j->secret);
	free(j->ref);
	image_pull_free_contents(&j->p);
	free(j);
}

static int
image_pull_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct pull_job *j = arg;
	char *fp = NULL;

	if (image_cache_copy(e, &j->p, res, &fp, err) < 0)
		return -1;
	free(fp);
	return 0;
}

static int
local_image_pull(struct backend *b, const struct image_pull *p, char **op_id,
    struct err *err)
{
	struct pull_job *j;
	const char *proto = p->remote.protocol;
	struct op_spec spec = {
		.description = "Downloading image",
		.cls = OP_CLASS_TASK,
		.work = image_pull_work,
		.done = image_created_done,
		.free_arg = pull_job_free,
	};

	if (p->remote.server == NULL || *p->remote.server == '\0')
		return err_set(err, 400, "Missing image server");
	if (p->ref == NULL || *p->ref == '\0')
		return err_set(err, 400, "Missing image fingerprint or alias");
	if (proto != NULL && *proto != '\0' && strcmp(proto, "lxd") != 0 &&
	    strcmp(proto, "simplestreams") != 0)
		return err_set(err, 400, "Unsupported image server protocol \"%s\"", proto);
	if (engine_image_fetcher() == NULL)
		return err_set(err, 501, "Cannot reach image server \"%s\" from this "
		    "program", p->remote.server);
	j = xcalloc(1, sizeof *j);
	j->server = xstrdup(p->remote.server);
	j->protocol = xstrdup(proto && *proto ? proto : "lxd");
	j->certificate = xstrdup(p->remote.certificate);
	j->secret = xstrdup(p->remote.secret);
	j->ref = xstrdup(p->ref);
	j->p.remote.server = j->server;
	j->p.remote.protocol = j->protocol;
	j->p.remote.certificate = j->certificate;
	j->p.remote.secret = j->secret;
	j->p.ref = j->ref;
	j->p.public = p->public;
	j->p.auto_update = p->auto_update;
	strmap_copy(&j->p.properties, &p->properties);
	strv_copy(&j->p.aliases, &p->aliases);
	spec.arg = j;
	return op_start(ENG(b), &spec, op_id, err);
}

static int
local_image_alias_delete(struct backend *b, const char *name, struct err *err)
{
	return image_alias_remove(ENG(b), name, err);
}

static int
local_exec_start(struct backend *b, const char *inst, const struct exec_req *req,
    struct exec_handle **out, struct err *err)
{
	return instance_exec(ENG(b), inst, req, out, err);
}

static int
local_console_attach(struct backend *b, const char *inst, int w, int h,
    struct exec_handle **out, struct err *err)
{
	return instance_console(ENG(b), inst, w, h, out, err);
}

static int
local_exec_resize(struct backend *b, struct exec_handle *h, int w, int hh,
    struct err *err)
{
	return instance_exec_resize(ENG(b), h, w, hh, err);
}

static int
local_exec_signal(struct backend *b, struct exec_handle *h, int sig, struct err *err)
{
	return instance_exec_signal(ENG(b), h, sig, err);
}

static void
local_exec_close(struct backend *b, struct exec_handle *h)
{
	instance_exec_close(ENG(b), h);
}

static int
local_read_log(struct backend *b, const char *inst, const char *file, char **buf,
    size_t *len, struct err *err)
{
	char *path;
	int64_t id;

	*buf = NULL;
	*len = 0;
	if (instance_id(ENG(b), inst, &id, NULL, NULL, err) < 0)
		return -1;
	path = engine_path(ENG(b), "containers/%s/%s", inst, file);
	*buf = util_read_file(path, len);
	free(path);
	if (*buf == NULL) {
		*buf = xstrdup("");
		*len = 0;
	}
	return 0;
}

static int
local_console_log(struct backend *b, const char *inst, char **buf, size_t *len,
    struct err *err)
{
	return local_read_log(b, inst, "console.log", buf, len, err);
}

static int
local_instance_log(struct backend *b, const char *inst, char **buf, size_t *len,
    struct err *err)
{
	return local_read_log(b, inst, "lxc.log", buf, len, err);
}

static int
local_file_get(struct backend *b, const char *inst, const char *path,
    struct file_info *out, struct err *err)
{
	return instance_file_get(ENG(b), inst, path, out, err);
}

static int
local_file_put(struct backend *b, const char *inst, const char *path,
    const struct file_info *info, bool append, struct err *err)
{
	return instance_file_put(ENG(b), inst, path, info, append, err);
}

static int
local_file_delete(struct backend *b, const char *inst, const char *path,
    struct err *err)
{
	return instance_file_delete(ENG(b), inst, path, err);
}

static int
local_file_start(struct backend *b, const struct file_req *q, file_done_cb done,
    void *arg, struct file_op **op, struct err *err)
{
	return instance_file_start(ENG(b), q, done, arg, op, err);
}

static void
local_file_cancel(struct backend *b, struct file_op *op)
{
	(void)b;
	instance_file_cancel(op);
}

static int
local_op_list(struct backend *b, struct op_info **out, size_t *n, struct err *err)
{
	return op_list_all(ENG(b), out, n, err);
}

static int
local_op_get(struct backend *b, const char *id, struct op_info *out,
    struct err *err)
{
	return op_get_info(ENG(b), id, out, err);
}

static int
local_op_cancel(struct backend *b, const char *id, struct err *err)
{
	return op_cancel_id(ENG(b), id, err);
}

static int
local_op_wait(struct backend *b, const char *id, int timeout_ms,
    struct op_info *out, struct err *err)
{
	return op_wait_id(ENG(b), id, timeout_ms, out, err);
}

static int
local_subscribe(struct backend *b, event_cb cb, void *arg)
{
	return event_subscribe(ENG(b), cb, arg);
}

static void
local_unsubscribe(struct backend *b, int id)
{
	event_unsubscribe(ENG(b), id);
}

static int
local_warning_list(struct backend *b, struct warning **out, size_t *n,
    struct err *err)
{
	return warning_list(ENG(b), out, n, err);
}

static int
local_warning_set_status(struct backend *b, const char *uuid,
    const char *status, struct err *err)
{
	return warning_set_status(ENG(b), uuid, status, err);
}

static int
local_warning_delete(struct backend *b, const char *uuid, struct err *err)
{
	return warning_delete(ENG(b), uuid, err);
}

static int
local_storage_pool_list(struct backend *b, struct storage_pool **out, size_t *n,
    struct err *err)
{
	return storage_info_pools(ENG(b), out, n, err);
}

static int
local_storage_pool_resources(struct backend *b, const char *pool,
    struct storage_resources *out, struct err *err)
{
	return storage_info_resources(ENG(b), pool, out, err);
}

static int
local_storage_volume_list(struct backend *b, const char *pool,
    struct storage_volume **out, size_t *n, struct err *err)
{
	return storage_info_volumes(ENG(b), pool, out, n, err);
}

static int
local_network_list(struct backend *b, struct network **out, size_t *n,
    struct err *err)
{
	return network_info_list(ENG(b), out, n, err);
}

static int
local_network_state(struct backend *b, const char *name,
    struct network_state *out, struct err *err)
{
	return network_info_state(ENG(b), name, out, err);
}

static int
local_network_leases(struct backend *b, const char *name,
    struct network_lease **out, size_t *n, struct err *err)
{
	return network_info_leases(ENG(b), name, out, n, err);
}

static const struct backend_ops local_ops = {
	.name = "local",
	.free = local_free,
	.server_info = local_server_info,
	.server_update = local_server_update,
	.instance_list = local_instance_list,
	.instance_get = local_instance_get,
	.instance_state = local_instance_state,
	.instance_create = local_instance_create,
	.instance_update = local_instance_update,
	.instance_action = local_instance_action,
	.instance_delete = local_instance_delete,
	.instance_rename = local_instance_rename,
	.snapshot_list = local_snapshot_list,
	.snapshot_get = local_snapshot_get,
	.snapshot_create = local_snapshot_create,
	.snapshot_rename = local_snapshot_rename,
	.snapshot_delete = local_snapshot_delete,
	.snapshot_restore = local_snapshot_restore,
	.snapshot_update = local_snapshot_update,
	.profile_list = local_profile_list,
	.profile_get = local_profile_get,
	.profile_create = local_profile_create,
	.profile_update = local_profile_update,
	.profile_rename = local_profile_rename,
	.profile_delete = local_profile_delete,
	.image_list = local_image_list,
	.image_get = local_image_get,
	.image_import = local_image_import,
	.image_update = local_image_update,
	.image_delete = local_image_delete,
	.image_export = local_image_export,
	.image_publish = local_image_publish,
	.image_alias_list = local_image_alias_list,
	.image_alias_get = local_image_alias_get,
	.image_alias_create = local_image_alias_create,
	.image_alias_delete = local_image_alias_delete,
	.image_pull = local_image_pull,
	.exec_start = local_exec_start,
	.console_attach = local_console_attach,
	.exec_resize = local_exec_resize,
	.exec_signal = local_exec_signal,
	.exec_close = local_exec_close,
	.console_log = local_console_log,
	.instance_log = local_instance_log,
	.network_list = local_network_list,
	.network_state = local_network_state,
	.network_leases = local_network_leases,
	.storage_pool_list = local_storage_pool_list,
	.storage_pool_resources = local_storage_pool_resources,
	.storage_volume_list = local_storage_volume_list,
	.warning_list = local_warning_list,
	.warning_set_status = local_warning_set_status,
	.warning_delete = local_warning_delete,
	.file_get = local_file_get,
	.file_put = local_file_put,
	.file_delete = local_file_delete,
	.file_start = local_file_start,
	.file_cancel = local_file_cancel,
	.op_list = local_op_list,
	.op_get = local_op_get,
	.op_cancel = local_op_cancel,
	.op_wait = local_op_wait,
	.subscribe = local_subscribe,
	.unsubscribe = local_unsubscribe,
	.snapshot_diff_files = local_snapshot_diff_files,
};

struct backend *
backend_local_create(struct uv_loop_s *loop, const char *dir, struct err *err)
{
	struct engine *e;

	if (geteuid() != 0) {
		err_set(err, 403, "The local engine needs root (containers are made "
		    "with liblxc); run as root or use a remote");
		return NULL;
	}
	e = engine_open(loop, dir, err);
	if (e == NULL)
		return NULL;
	e->base.ops = &local_ops;
	e->base.name = xstrdup("local");
	e->base.loop = loop;
	return &e->base;
}
