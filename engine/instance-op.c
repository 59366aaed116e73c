/*
 * instance-op.c - the operations on instances: create, update, start/stop
 * and the other actions, delete, rename.
 *
 * Every slow action is an op whose work runs in a helper process
 * (op-worker.c): create copies/mounts files, start and stop call liblxc
 * (instance-run.c).  What can be checked at once (name rules, unknown
 * keys, missing profiles or images, name collisions, "already running") is
 * checked in the caller's process before the op starts, so mistakes come
 * back as plain errors.  A create first inserts the row with phase
 * "creating:PID" and only marks it ready when the files exist;
 * instance_op_recover() removes what a killed process left behind, so a
 * crash never leaves half an instance.  Each op's done callback emits the
 * lifecycle event on the loop.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

static int
instance_profiles_save(struct engine *e, int64_t id, const struct strv *names,
    struct err *err)
{
	sqlite3_stmt *st = NULL;
	char *sql = xasprintf("DELETE FROM instance_profiles WHERE instance_id = %lld",
	    (long long)id);
	size_t i;
	int rc = db_exec(e->db, sql, err);

	free(sql);
	if (rc < 0)
		return -1;
	if (sqlite3_prepare_v2(e->db, "INSERT INTO instance_profiles (instance_id, "
	    "profile_id, apply_order) SELECT ?, id, ? FROM profiles WHERE name = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	for (i = 0; i < names->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, (int)i);
		sqlite3_bind_text(st, 3, names->v[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(e->db) != 1) {
			sqlite3_finalize(st);
			return err_set(err, 404, "Profile \"%s\" not found", names->v[i]);
		}
	}
	sqlite3_finalize(st);
	return 0;
}

struct instance_job {
	char	*name;
	char	*newname;
	char	*action;
	int	 timeout;
	bool	 force;
	bool	 ephemeral;
	bool	 was_running;
	struct instance_create create;	/* create only (strings owned below) */
	char	*copy_from;
	char	*copy_snap;
	char	*fp;
	char	*storage;
	/* Create from an image server, not cached yet: the helper pulls it. */
	char	*img_server;
	char	*img_protocol;
	char	*img_certificate;
	char	*img_secret;
	char	*img_ref;
};

static void
instance_job_free(void *arg)
{
	struct instance_job *j = arg;

	free(j->name);
	free(j->newname);
	free(j->action);
	free(j->copy_from);
	free(j->copy_snap);
	free(j->fp);
	free(j->storage);
	free(j->img_server);
	free(j->img_protocol);
	free(j->img_certificate);
	free(j->img_secret);
	free(j->img_ref);
	free(j);
}

/*
 * Starts the op of a job on instance `name` in a helper process; the op
 * owns j from here on (freed with it, also when it cannot start).
 */
static int
instance_job_start(struct engine *e, const char *name, const char *description,
    op_work_fn work, op_done_fn done, struct instance_job *j, char **op_id,
    struct err *err)
{
	struct op_spec spec = {
		.description = description,
		.cls = OP_CLASS_TASK,
		.work = work,
		.done = done,
		.free_arg = instance_job_free,
		.arg = j,
	};

	return op_start_instance(e, name, &spec, op_id, err);
}

static void
emit_for(struct engine *e, const char *action, const char *name,
    const struct strmap *ctx)
{
	char *src = xasprintf("/1.0/instances/%s", name);

	event_lifecycle(e, action, src, ctx);
	free(src);
}

static void
instance_delete_rows(struct engine *e, const char *name)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(e->db, "DELETE FROM instances WHERE name = ?", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* What an image gives an instance's config: its properties as image.*
 * keys (where the config has none) and volatile.base_image. */
static void
create_image_config(struct strmap *config, const struct image *img,
    const char *fp)
{
	size_t i;

	for (i = 0; i < img->properties.n; i++) {
		char *k = xasprintf("image.%s", img->properties.keys[i]);

		if (strmap_get(config, k) == NULL)
			strmap_set(config, k, img->properties.vals[i]);
		free(k);
	}
	strmap_set(config, "volatile.base_image", fp);
}

/*
 * The checks of a create or an update before anything is written: what
 * the user wrote is valid (volatile.* and image.* keys are the engine's),
 * so are the devices, the profiles exist, and the expanded config can run
 * on this host.
 */
static int
instance_op_check(struct engine *e, const struct strmap *config,
    const struct devmap *devices, const struct strv *profiles, struct err *err)
{
	struct strmap user = { 0 }, xconfig = { 0 };
	struct devmap xdevices = { 0 };
	struct profile *plist = NULL;
	size_t i;
	int rc;

	for (i = 0; i < config->n; i++)
		if (strncmp(config->keys[i], "volatile.", 9) != 0 &&
		    strncmp(config->keys[i], "image.", 6) != 0)
			strmap_set(&user, config->keys[i], config->vals[i]);
	rc = config_key_validate_all(&user, CONFIG_INSTANCE, err);
	strmap_free(&user);
	if (rc < 0 || devices_validate(devices, CONFIG_INSTANCE, err) < 0 ||
	    profile_load_list(e, profiles, &plist, err) < 0)
		return -1;
	config_expand(plist, profiles->n, config, devices, &xconfig, &xdevices);
	profile_array_free(plist, profiles->n);
	rc = idmap_check_instance(e, &xconfig, err);
	strmap_free(&xconfig);
	devmap_free(&xdevices);
	return rc < 0 ? -1 : 0;
}

/*
 * An instance created from an image that was pulled only now: its row gets
 * what a local image would have given it at once (base image,
 * architecture, image.* and volatile.base_image).
 */
static int
create_set_image(struct engine *e, const char *name, const char *fp,
    struct err *err)
{
	struct image img = { 0 };
	struct strmap config = { 0 };
	sqlite3_stmt *st = NULL;
	int64_t id;
	int rc = -1;

	if (image_load(e, fp, &img, err) < 0)
		return -1;
	if (db_begin(e->db, err) < 0)
		goto out;
	if (instance_id(e, name, &id, NULL, NULL, err) < 0 ||
	    db_map_load(e->db, "instance_config", "instance_id", id, &config,
	    err) < 0)
		goto fail;
	create_image_config(&config, &img, fp);
	if (db_map_save(e->db, "instance_config", "instance_id", id, &config,
	    err) < 0)
		goto fail;
	if (sqlite3_prepare_v2(e->db, "UPDATE instances SET base_image = ?, "
	    "architecture = ? WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
		goto fail;
	}
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, img.architecture, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	rc = db_commit(e->db, err);
	goto out;
fail:
	db_rollback(e->db);
out:
	image_free_contents(&img);
	strmap_free(&config);
	return rc;
}

static int
create_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct instance_job *j = arg;
	sqlite3_stmt *st = NULL;

	if (j->img_server != NULL) {
		struct image_remote r = {
			.server = j->img_server,
			.protocol = j->img_protocol,
			.certificate = j->img_certificate,
			.secret = j->img_secret,
		};

		if (image_cache_fetch(e, &r, j->img_ref, res, &j->fp, err) < 0 ||
		    create_set_image(e, j->name, j->fp, err) < 0)
			goto fail;
	}
	op_progress(res, "create_instance_from_image_unpack", "Unpack: 0%");
	if (storage_create(e, j->storage, j->name, j->copy_from ? NULL : j->fp,
	    err) < 0)
		goto fail;
	if (j->copy_from != NULL &&
	    storage_copy(e, j->storage, j->copy_from, j->copy_snap, j->name, err) < 0)
		goto fail;
	if (j->copy_from != NULL && j->copy_snap == NULL && !j->create.instance_only) {
		/* Copy the snapshots' files too; rows were copied by the caller. */
		char *from = engine_path(e, "snapshots/%s", j->copy_from);
		char *to = engine_path(e, "snapshots/%s", j->name);

		if (access(from, F_OK) == 0 && util_copy_tree(from, to, err) < 0) {
			free(from);
			free(to);
			goto fail;
		}
		free(from);
		free(to);
	}
	op_progress(res, "create_instance_from_image_unpack", "Unpack: 100%");
	if (instance_run_apply(e, j->name, err) < 0)
		goto fail;
	if (sqlite3_prepare_v2(e->db, "UPDATE instances SET phase = 'ready' WHERE "
	    "name = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, j->name, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return 0;
fail:
	err_prefix(err, "Failed to create instance \"%s\"", j->name);
	storage_delete(e, j->name, NULL);
	instance_delete_rows(e, j->name);
	return -1;
}

static void
create_done(struct engine *e, struct op_info *op, void *arg)
{
	struct instance_job *j = arg;
	struct strmap ctx = { 0 };

	if (op->status != STATUS_SUCCESS)
		return;
	strmap_set(&ctx, "type", "container");
	strmap_set(&ctx, "storage-pool", "default");
	emit_for(e, "instance-created", j->name, &ctx);
	strmap_free(&ctx);
}

/* LXD-ish generated names: adjective-noun. */
static char *
instance_pick_name(struct engine *e)
{
	static const char *adj[] = { "brave", "calm", "eager", "fancy", "gentle",
	    "happy", "jolly", "keen", "lively", "merry", "noble", "proud", "quick",
	    "sunny", "witty" };
	static const char *noun[] = { "otter", "falcon", "badger", "heron", "lynx",
	    "marten", "osprey", "puffin", "raven", "stoat", "tern", "vole", "wren" };
	int64_t id;

	for (;;) {
		unsigned r = (unsigned)time_now_ns() ^ (unsigned)getpid();
		char *n = xasprintf("%s-%s", adj[r % ARRAY_SIZE(adj)],
		    noun[(r / 17) % ARRAY_SIZE(noun)]);

		if (instance_id(e, n, &id, NULL, NULL, NULL) < 0)
			return n;
		free(n);
	}
}

/* What a create gathers before its row is written. */
struct create_plan {
	struct instance_job *j;
	struct image	 img;		/* the source image, when local */
	struct strmap	 config;
	struct devmap	 devices;
	struct strv	 profiles;
	int64_t		 src_id;	/* the source instance of a copy */
};

/* The new instance's name (given or picked) and storage driver: valid and
 * not taken. */
static int
create_check_target(struct engine *e, const struct instance_create *req,
    struct instance_job *j, struct err *err)
{
	int64_t id;

	j->name = (req->name && *req->name) ? xstrdup(req->name) : instance_pick_name(e);
	j->storage = xstrdup(req->storage ? req->storage : storage_default_driver(e));
	j->create.instance_only = req->instance_only;
	if (name_validate_instance(j->name, err) < 0)
		return -1;
	if (!storage_driver_valid(e, j->storage))
		return err_set(err, 400, "Unknown or unsupported storage driver \"%s\"",
		    j->storage);
	if (instance_id(e, j->name, &id, NULL, NULL, NULL) == 0)
		return err_set(err, 409, "Instance \"%s\" already exists", j->name);
	return 0;
}

/* From an image: a local one, or one cached from its server, gives its
 * properties (image.*) and profiles now; one not cached yet is pulled by
 * the helper (create_work). */
static int
create_from_image(struct engine *e, const struct instance_create *req,
    struct create_plan *p, struct err *err)
{
	struct instance_job *j = p->j;

	if (req->image == NULL || *req->image == '\0')
		return err_set(err, 400, "No image given");
	if (req->image_server != NULL && *req->image_server != '\0') {
		struct image_remote r = {
			.server = req->image_server,
			.protocol = req->image_protocol,
			.certificate = req->image_certificate,
			.secret = req->image_secret,
		};

		if (req->image_protocol != NULL && *req->image_protocol &&
		    strcmp(req->image_protocol, "simplestreams") != 0 &&
		    strcmp(req->image_protocol, "lxd") != 0)
			return err_set(err, 400, "Unknown image server protocol \"%s\"",
			    req->image_protocol);
		if (image_cache_find(e, &r, req->image, &j->fp) < 0) {
			/* Not cached: the helper pulls it (network). */
			if (engine_image_fetcher() == NULL)
				return err_set(err, 501, "Cannot reach image server "
				    "\"%s\" from this program", req->image_server);
			j->img_server = xstrdup(req->image_server);
			j->img_protocol = xstrdup(req->image_protocol &&
			    *req->image_protocol ? req->image_protocol :
			    "simplestreams");
			j->img_certificate = xstrdup(req->image_certificate);
			j->img_secret = xstrdup(req->image_secret);
			j->img_ref = xstrdup(req->image);
			if (!req->has_profiles)
				strv_push(&p->profiles, "default");
			return 0;
		}
	} else if (image_resolve(e, req->image, &j->fp, err) < 0) {
		return -1;
	}
	if (image_load(e, j->fp, &p->img, err) < 0)
		return -1;
	image_cache_touch(e, j->fp);
	create_image_config(&p->config, &p->img, j->fp);
	if (!req->has_profiles) {
		if (p->img.profiles.n > 0)
			strv_copy(&p->profiles, &p->img.profiles);
		else
			strv_push(&p->profiles, "default");
	}
	return 0;
}

/* From another instance ("NAME") or one of its snapshots ("NAME/SNAP"):
 * its storage driver, its local config (volatile keys but base_image
 * left out), devices and profiles, under what the request gives. */
static int
create_from_copy(struct engine *e, const struct instance_create *req,
    struct create_plan *p, struct err *err)
{
	struct instance_job *j = p->j;
	const char *slash = req->copy_from ? strchr(req->copy_from, '/') : NULL;
	struct instance src = { 0 };
	char *storage = NULL;
	size_t i;
	int rc = -1;

	if (req->copy_from == NULL || *req->copy_from == '\0')
		return err_set(err, 400, "No source instance given");
	j->copy_from = slash ? xstrndup(req->copy_from,
	    (size_t)(slash - req->copy_from)) : xstrdup(req->copy_from);
	j->copy_snap = slash ? xstrdup(slash + 1) : NULL;
	if (instance_load(e, j->copy_from, 0, &src, err) < 0) {
		err_prefix(err, "Source instance \"%s\"", j->copy_from);
		goto out;
	}
	if (instance_id(e, j->copy_from, &p->src_id, &storage, &j->fp, err) < 0)
		goto out;
	free(j->storage);
	j->storage = storage;	/* same driver as the source */
	if (j->copy_snap != NULL) {
		struct snapshot snap = { 0 };

		if (snapshot_load(e, j->copy_from, j->copy_snap, &snap, err) < 0)
			goto out;
		strmap_copy(&src.config, &snap.config);
		devmap_copy(&src.devices, &snap.devices);
		strv_copy(&src.profiles, &snap.profiles);
		snapshot_free_contents(&snap);
	}
	/* Local config without volatile keys but base_image. */
	for (i = 0; i < src.config.n; i++) {
		if (strncmp(src.config.keys[i], "volatile.", 9) == 0 &&
		    strcmp(src.config.keys[i], "volatile.base_image") != 0)
			continue;
		if (strmap_get(&p->config, src.config.keys[i]) == NULL)
			strmap_set(&p->config, src.config.keys[i], src.config.vals[i]);
	}
	for (i = 0; i < src.devices.n; i++)
		if (devmap_get(&p->devices, src.devices.names[i]) == NULL)
			devmap_set(&p->devices, src.devices.names[i],
			    &src.devices.props[i]);
	if (!req->has_profiles)
		strv_copy(&p->profiles, &src.profiles);
	rc = 0;
out:
	instance_free_contents(&src);
	return rc;
}

/* The row, marked as being created by this process ("creating:PID"), with
 * its config (a fresh volatile.uuid), devices, profiles and, for a copy,
 * the source's snapshot rows: one transaction. */
static int
create_insert_row(struct engine *e, const struct instance_create *req,
    struct create_plan *p, struct err *err)
{
	struct instance_job *j = p->j;
	sqlite3_stmt *st = NULL;
	char *phase = NULL;
	int64_t id;
	int rc = -1;

	if (db_begin(e->db, err) < 0)
		return -1;
	phase = xasprintf("creating:%d", (int)getpid());
	if (sqlite3_prepare_v2(e->db, "INSERT INTO instances (name, description, "
	    "architecture, ephemeral, created_ns, storage, base_image, phase) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
		goto fail;
	}
	sqlite3_bind_text(st, 1, j->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, req->description ? req->description : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->img.architecture && *p->img.architecture ?
	    p->img.architecture : e->arch, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, req->ephemeral ? 1 : 0);
	sqlite3_bind_int64(st, 5, time_now_ns());
	sqlite3_bind_text(st, 6, j->storage, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, j->fp ? j->fp : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, phase, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		err_set(err, sqlite3_errcode(e->db) == SQLITE_CONSTRAINT ? 409 : 500,
		    "Instance \"%s\" already exists", j->name);
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	id = sqlite3_last_insert_rowid(e->db);
	{
		char uuid[40];
		FILE *f = fopen("/proc/sys/kernel/random/uuid", "r");

		if (f != NULL && fgets(uuid, sizeof uuid, f) != NULL) {
			uuid[strcspn(uuid, "\n")] = '\0';
			strmap_set(&p->config, "volatile.uuid", uuid);
		}
		if (f != NULL)
			fclose(f);
	}
	if (db_map_save(e->db, "instance_config", "instance_id", id, &p->config,
	    err) < 0 || db_devices_save(e->db, "instance_devices", "instance_id",
	    id, &p->devices, err) < 0 ||
	    instance_profiles_save(e, id, &p->profiles, err) < 0 ||
	    (p->src_id != 0 && j->copy_snap == NULL && !req->instance_only &&
	    snapshot_copy_rows(e, p->src_id, id, err) < 0))
		goto fail;
	rc = db_commit(e->db, err);
	goto out;
fail:
	db_rollback(e->db);
out:
	free(phase);
	return rc;
}

/* The op that makes the files (create_work); it owns j from here on.  When
 * it cannot start, the row goes again. */
static int
create_start(struct engine *e, struct instance_job *j, char **op_id,
    struct err *err)
{
	char *name = xstrdup(j->name);
	char *url2 = j->copy_from ? xasprintf("/1.0/instances/%s", j->copy_from) :
	    NULL;
	struct op_spec spec = {
		.description = "Creating instance",
		.cls = OP_CLASS_TASK,
		.resource2 = url2,
		.work = create_work,
		.done = create_done,
		.free_arg = instance_job_free,
		.arg = j,
	};
	int rc = op_start_instance(e, name, &spec, op_id, err);

	/* op_start's failure path has freed j: name is a copy. */
	if (rc < 0)
		instance_delete_rows(e, name);
	free(name);
	free(url2);
	return rc;
}

int
instance_op_create(struct engine *e, const struct instance_create *req,
    char **op_id, struct err *err)
{
	struct create_plan p = { 0 };
	int rc = 0;

	p.j = xcalloc(1, sizeof *p.j);
	if (create_check_target(e, req, p.j, err) < 0)
		goto fail;
	strmap_copy(&p.config, &req->config);
	devmap_copy(&p.devices, &req->devices);
	if (req->has_profiles)
		strv_copy(&p.profiles, &req->profiles);
	switch (req->source) {
	case SOURCE_IMAGE:
		rc = create_from_image(e, req, &p, err);
		break;
	case SOURCE_COPY:
		rc = create_from_copy(e, req, &p, err);
		break;
	case SOURCE_NONE:
		if (!req->has_profiles)
			strv_push(&p.profiles, "default");
		break;
	}
	if (rc < 0 || instance_op_check(e, &p.config, &p.devices, &p.profiles,
	    err) < 0 || create_insert_row(e, req, &p, err) < 0)
		goto fail;
	rc = create_start(e, p.j, op_id, err);
	goto out;
fail:
	rc = -1;
	err_prefix(err, "Failed to create instance \"%s\"", p.j->name);
	instance_job_free(p.j);
out:
	image_free_contents(&p.img);
	strmap_free(&p.config);
	devmap_free(&p.devices);
	strv_free(&p.profiles);
	return rc;
}

void
instance_op_recover(struct engine *e)
{
	struct strv dead = { 0 };
	sqlite3_stmt *st = NULL;
	size_t i;

	if (sqlite3_prepare_v2(e->db, "SELECT name, phase FROM instances WHERE phase "
	    "LIKE 'creating%'", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *phase = (const char *)sqlite3_column_text(st, 1);
		int pid = atoi(phase + (strlen(phase) > 9 ? 9 : strlen(phase)));

		/* Still being made by a live process: leave it. */
		if (pid > 0 && kill(pid, 0) == 0)
			continue;
		strv_push(&dead, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	for (i = 0; i < dead.n; i++) {
		log_warn("removing instance \"%s\", left half-made by a killed process",
		    dead.v[i]);
		storage_delete(e, dead.v[i], NULL);
		instance_delete_rows(e, dead.v[i]);
	}
	strv_free(&dead);
}

static int
update_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct instance_job *j = arg;

	return instance_run_apply(e, j->name, err);
}

static void
update_done(struct engine *e, struct op_info *op, void *arg)
{
	struct instance_job *j = arg;

	if (op->status == STATUS_SUCCESS)
		emit_for(e, "instance-updated", j->name, NULL);
}

int
instance_op_update(struct engine *e, const char *name,
    const struct instance_put *put, char **op_id, struct err *err)
{
	struct instance cur = { 0 };
	struct strmap user = { 0 }, config = { 0 };
	struct instance_job *j;
	sqlite3_stmt *st = NULL;
	int64_t id;
	size_t i;
	int rc = -1;

	if (instance_load(e, name, 0, &cur, err) < 0)
		return -1;
	instance_id(e, name, &id, NULL, NULL, NULL);
	for (i = 0; i < put->config.n; i++) {
		const char *k = put->config.keys[i];

		if (strncmp(k, "volatile.", 9) == 0 || strncmp(k, "image.", 6) == 0)
			continue;
		if (put->config.vals[i][0] != '\0')
			strmap_set(&user, k, put->config.vals[i]);
	}
	if (instance_op_check(e, &user, &put->devices, &put->profiles, err) < 0)
		goto out;
	/* volatile.* keys are the engine's: keep ours whatever was sent. */
	strmap_copy(&config, &user);
	for (i = 0; i < put->config.n; i++)
		if (strncmp(put->config.keys[i], "image.", 6) == 0)
			strmap_set(&config, put->config.keys[i], put->config.vals[i]);
	for (i = 0; i < cur.config.n; i++)
		if (strncmp(cur.config.keys[i], "volatile.", 9) == 0)
			strmap_set(&config, cur.config.keys[i], cur.config.vals[i]);
	if (db_begin(e->db, err) < 0)
		goto out;
	if (sqlite3_prepare_v2(e->db, "UPDATE instances SET description = ?, "
	    "ephemeral = ? WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, put->description ? put->description : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int(st, 2, put->ephemeral ? 1 : 0);
		sqlite3_bind_int64(st, 3, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (db_map_save(e->db, "instance_config", "instance_id", id, &config, err) < 0 ||
	    db_devices_save(e->db, "instance_devices", "instance_id", id,
	    &put->devices, err) < 0 ||
	    instance_profiles_save(e, id, &put->profiles, err) < 0) {
		db_rollback(e->db);
		goto out;
	}
	if (db_commit(e->db, err) < 0)
		goto out;
	j = xcalloc(1, sizeof *j);
	j->name = xstrdup(name);
	{
		struct op_spec spec = {
			.description = "Updating instance",
			.cls = OP_CLASS_TASK,
			.in_process = true,
			.work = update_work,
			.done = update_done,
			.free_arg = instance_job_free,
			.arg = j,
		};

		rc = op_start_instance(e, name, &spec, op_id, err);
	}
out:
	if (rc < 0)
		err_prefix(err, "Failed to update instance \"%s\"", name);
	instance_free_contents(&cur);
	strmap_free(&user);
	strmap_free(&config);
	return rc;
}

static int
action_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct instance_job *j = arg;
	const char *a = j->action;

	if (strcmp(a, "start") == 0)
		return instance_run_start(e, j->name, err);
	if (strcmp(a, "stop") == 0)
		return instance_run_stop(e, j->name, j->timeout, j->force, err);
	if (strcmp(a, "restart") == 0) {
		if (instance_run_stop(e, j->name, j->timeout, j->force, err) < 0)
			return -1;
		return instance_run_start(e, j->name, err);
	}
	return instance_run_freeze(e, j->name, strcmp(a, "freeze") == 0, err);
}

static int delete_work(struct engine *, void *, struct op_result *, struct err *);

static void
action_done(struct engine *e, struct op_info *op, void *arg)
{
	struct instance_job *j = arg;
	const char *a = j->action, *ev;

	if (op->status != STATUS_SUCCESS)
		return;
	ev = strcmp(a, "start") == 0 ? "instance-started" :
	    strcmp(a, "stop") == 0 ? (j->force ? "instance-stopped" : "instance-shutdown") :
	    strcmp(a, "restart") == 0 ? "instance-restarted" :
	    strcmp(a, "freeze") == 0 ? "instance-paused" : "instance-resumed";
	emit_for(e, ev, j->name, NULL);
	if (strcmp(a, "start") == 0 || strcmp(a, "restart") == 0 ||
	    strcmp(a, "unfreeze") == 0)
		watch_instance(e, j->name);
	if (strcmp(a, "stop") == 0 && j->ephemeral) {
		struct err derr = { 0 };

		/* Ephemeral: gone when stopped. */
		if (delete_work(e, j, NULL, &derr) == 0)
			emit_for(e, "instance-deleted", j->name, NULL);
		else
			log_warn("%s", derr.msg);
	}
}

int
instance_op_action(struct engine *e, const char *name, const char *action,
    int timeout, bool force, bool stateful, char **op_id, struct err *err)
{
	static const char *descr[][2] = {
		{ "start", "Starting instance" }, { "stop", "Stopping instance" },
		{ "restart", "Restarting instance" }, { "freeze", "Freezing instance" },
		{ "unfreeze", "Unfreezing instance" },
	};
	struct instance cur = { 0 };
	struct instance_job *j;
	const char *d = NULL;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(descr); i++)
		if (strcmp(descr[i][0], action) == 0)
			d = descr[i][1];
	if (d == NULL)
		return err_set(err, 400, "Unknown action \"%s\"", action);
	if (stateful && !snapshot_stateful_supported(e))
		return err_set(err, 400, "Stateful %s of instance \"%s\" is not "
		    "supported on this host: %s", action, name, e->criu_reason);
	if (instance_load(e, name, 0, &cur, err) < 0)
		return -1;
	/* The cheap checks now, so they come back as plain errors. */
	rc = 0;
	if (strcmp(action, "start") == 0 && cur.status == STATUS_RUNNING)
		rc = err_set(err, 400, "The instance is already running");
	else if (strcmp(action, "start") == 0 && cur.status == STATUS_FROZEN)
		rc = err_set(err, 400, "Instance \"%s\" is frozen; unfreeze it instead",
		    name);
	else if ((strcmp(action, "stop") == 0 || strcmp(action, "restart") == 0) &&
	    cur.status == STATUS_STOPPED)
		rc = err_set(err, 400, "The instance is already stopped");
	else if (strcmp(action, "freeze") == 0 && cur.status != STATUS_RUNNING)
		rc = err_set(err, 400, "The instance isn't running");
	else if (strcmp(action, "unfreeze") == 0 && cur.status != STATUS_FROZEN)
		rc = err_set(err, 400, "The instance is not frozen");
	if (rc < 0) {
		instance_free_contents(&cur);
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	j->name = xstrdup(name);
	j->action = xstrdup(action);
	j->timeout = timeout;
	j->force = force;
	j->ephemeral = cur.ephemeral;
	instance_free_contents(&cur);
	return instance_job_start(e, name, d, action_work, action_done,
	    j, op_id, err);
}

static int
delete_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct instance_job *j = arg;
	struct instance in = { 0 };

	if (instance_load(e, j->name, 0, &in, NULL) == 0) {
		network_release_instance(&in);
		instance_free_contents(&in);
	}
	if (storage_delete(e, j->name, err) < 0)
		return err_prefix(err, "Failed to delete instance \"%s\"", j->name);
	instance_delete_rows(e, j->name);
	return 0;
}

static void
delete_done(struct engine *e, struct op_info *op, void *arg)
{
	struct instance_job *j = arg;

	if (op->status == STATUS_SUCCESS)
		emit_for(e, "instance-deleted", j->name, NULL);
}

int
instance_op_delete(struct engine *e, const char *name, char **op_id,
    struct err *err)
{
	struct instance cur = { 0 };
	struct instance_job *j;
	const char *prot;
	bool protect = false;

	if (instance_load(e, name, 0, &cur, err) < 0)
		return -1;
	prot = strmap_get(&cur.expanded_config, "security.protection.delete");
	if (prot != NULL)
		config_key_parse_bool(prot, &protect);
	if (cur.status == STATUS_RUNNING || cur.status == STATUS_FROZEN) {
		instance_free_contents(&cur);
		return err_set(err, 400, "Instance \"%s\" is running, stop it first",
		    name);
	}
	instance_free_contents(&cur);
	if (protect)
		return err_set(err, 400, "Instance \"%s\" is protected from deletion "
		    "(security.protection.delete)", name);
	j = xcalloc(1, sizeof *j);
	j->name = xstrdup(name);
	return instance_job_start(e, name, "Deleting instance", delete_work, delete_done,
	    j, op_id, err);
}

static int
rename_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct instance_job *j = arg;
	sqlite3_stmt *st = NULL;
	int rc;

	if (storage_rename(e, j->name, j->newname, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(e->db, "UPDATE instances SET name = ? WHERE name = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_text(st, 1, j->newname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, j->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		storage_rename(e, j->newname, j->name, NULL);
		return err_set(err, 409, "Instance \"%s\" already exists", j->newname);
	}
	return instance_run_apply(e, j->newname, err);
}

static void
rename_done(struct engine *e, struct op_info *op, void *arg)
{
	struct instance_job *j = arg;
	struct strmap ctx = { 0 };

	if (op->status != STATUS_SUCCESS)
		return;
	strmap_set(&ctx, "old_name", j->name);
	emit_for(e, "instance-renamed", j->newname, &ctx);
	strmap_free(&ctx);
}

int
instance_op_rename(struct engine *e, const char *name, const char *newname,
    char **op_id, struct err *err)
{
	struct instance_job *j;
	int64_t id;

	if (name_validate_instance(newname, err) < 0)
		return -1;
	if (instance_id(e, name, &id, NULL, NULL, err) < 0)
		return -1;
	if (instance_id(e, newname, &id, NULL, NULL, NULL) == 0)
		return err_set(err, 409, "Instance \"%s\" already exists", newname);
	if (instance_is_running(e, name))
		return err_set(err, 400, "Instance \"%s\" is running, stop it before "
		    "renaming it", name);
	j = xcalloc(1, sizeof *j);
	j->name = xstrdup(name);
	j->newname = xstrdup(newname);
	return instance_job_start(e, name, "Renaming instance", rename_work, rename_done,
	    j, op_id, err);
}
