/*
 * snapshot-op.c - what changes snapshots: create, rename, delete, restore,
 * expiry.
 *
 * A snapshot is immutable (snapshot.c reads them): a row holding the
 * instance's config, devices and profiles at that moment, and a copy of
 * its writable files (storage.c: the whole rootfs for dir, only the
 * overlay upper layer for overlay, which is why overlay snapshots cost
 * O(changes)).  Each change is an op whose work runs in a helper.  Restore
 * puts both back, stopping a running instance first and starting it again
 * after (instance-run.c).  Snapshots may carry an expiry (explicit, or
 * from snapshots.expiry when taken) and snapshot_op_expire() deletes
 * expired ones.
 *
 * Stateful snapshots (CRIU through liblxc) are refused up front where
 * `criu check` fails, as it does with Debian's CRIU on recent kernels: the
 * user gets the reason, never a half-made snapshot.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* "1M 2H 3d 4w 5m 6y" as LXD reads snapshots.expiry: minutes, hours, days,
 * weeks, months, years.  0 when empty. */
static int64_t
snapshot_op_expiry_parse(const char *s)
{
	int64_t total = 0;

	while (s != NULL && *s != '\0') {
		char *end;
		long long v;

		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		v = strtoll(s, &end, 10);
		if (end == s)
			return 0;
		switch (*end) {
		case 'M': total += v * 60; break;
		case 'H': total += v * 3600; break;
		case 'd': total += v * 86400; break;
		case 'w': total += v * 7 * 86400; break;
		case 'm': total += v * 30 * 86400; break;
		case 'y': total += v * 365 * 86400; break;
		default: return 0;
		}
		s = end + 1;
	}
	return total * 1000000000;
}

struct snapshot_job {
	char	*inst;
	char	*snap;
	char	*newname;
	char	*storage;
	bool	 restart;
};

static void
snapshot_job_free(void *arg)
{
	struct snapshot_job *j = arg;

	free(j->inst);
	free(j->snap);
	free(j->newname);
	free(j->storage);
	free(j);
}

static void
snapshot_op_emit(struct engine *e, const char *action, const char *inst, const char *snap,
    const struct strmap *ctx)
{
	char *src = xasprintf("/1.0/instances/%s/snapshots/%s", inst, snap);

	event_lifecycle(e, action, src, ctx);
	free(src);
}

static void
snapshot_op_delete_row(struct engine *e, const char *inst, const char *snap)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(e->db, "DELETE FROM snapshots WHERE name = ? AND "
	    "instance_id = (SELECT id FROM instances WHERE name = ?)", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, snap, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, inst, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static int
create_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct snapshot_job *j = arg;
	sqlite3_stmt *st = NULL;

	if (storage_snapshot(e, j->storage, j->inst, j->snap, err) < 0) {
		snapshot_op_delete_row(e, j->inst, j->snap);
		return -1;
	}
	if (sqlite3_prepare_v2(e->db, "UPDATE snapshots SET description = '' WHERE "
	    "name = ? AND instance_id = (SELECT id FROM instances WHERE name = ?)", -1,
	    &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, j->snap, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, j->inst, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return 0;
}

static void
create_done(struct engine *e, struct op_info *op, void *arg)
{
	struct snapshot_job *j = arg;

	if (op->status == STATUS_SUCCESS)
		snapshot_op_emit(e, "instance-snapshot-created", j->inst, j->snap, NULL);
	else
		snapshot_op_delete_row(e, j->inst, j->snap);
}

int
snapshot_op_create(struct engine *e, const char *inst, const char *snap,
    bool stateful, int64_t expires_ns, char **op_id, struct err *err)
{
	struct instance in = { 0 };
	struct snapshot_job *j = NULL;
	sqlite3_stmt *st = NULL;
	char *name = NULL, *profiles = NULL, *storage = NULL;
	int64_t iid, sid;
	int rc = -1, i;

	if (stateful && !snapshot_stateful_supported(e))
		return err_set(err, 400, "Failed to create a stateful snapshot of "
		    "\"%s\": %s", inst, e->criu_reason);
	if (instance_id(e, inst, &iid, &storage, NULL, err) < 0)
		return -1;
	if (snap != NULL && *snap != '\0') {
		if (name_validate_snapshot(snap, err) < 0)
			goto out;
		if (snapshot_exists(e, iid, snap)) {
			err_set(err, 409, "Snapshot \"%s/%s\" already exists", inst, snap);
			goto out;
		}
		name = xstrdup(snap);
	} else {
		for (i = 0; name == NULL; i++) {
			char *n = xasprintf("snap%d", i);

			if (!snapshot_exists(e, iid, n))
				name = n;
			else
				free(n);
		}
	}
	if (instance_load(e, inst, 0, &in, err) < 0)
		goto out;
	if (expires_ns == 0)
		expires_ns = snapshot_op_expiry_parse(strmap_get(&in.expanded_config,
		    "snapshots.expiry"));
	if (expires_ns != 0 && expires_ns < 1000000000000000000LL)
		expires_ns += time_now_ns();	/* a duration */
	profiles = strv_join(&in.profiles, ",");
	if (db_begin(e->db, err) < 0)
		goto out;
	if (sqlite3_prepare_v2(e->db, "INSERT INTO snapshots (instance_id, name, "
	    "stateful, created_ns, expires_ns, profiles) VALUES (?, ?, 0, ?, ?, ?)",
	    -1, &st, NULL) != SQLITE_OK) {
		db_rollback(e->db);
		err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
		goto out;
	}
	sqlite3_bind_int64(st, 1, iid);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, time_now_ns());
	sqlite3_bind_int64(st, 4, expires_ns);
	sqlite3_bind_text(st, 5, profiles, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		db_rollback(e->db);
		err_set(err, 409, "Snapshot \"%s/%s\" already exists", inst, name);
		goto out;
	}
	sqlite3_finalize(st);
	sid = sqlite3_last_insert_rowid(e->db);
	if (db_map_save(e->db, "snapshot_config", "snapshot_id", sid, &in.config,
	    err) < 0 || db_devices_save(e->db, "snapshot_devices", "snapshot_id", sid,
	    &in.devices, err) < 0) {
		db_rollback(e->db);
		goto out;
	}
	if (db_commit(e->db, err) < 0)
		goto out;
	j = xcalloc(1, sizeof *j);
	j->inst = xstrdup(inst);
	j->snap = xstrdup(name);
	j->storage = xstrdup(storage);
	{
		struct op_spec spec = {
			.description = "Snapshotting instance",
			.cls = OP_CLASS_TASK,
			.work = create_work,
			.done = create_done,
			.free_arg = snapshot_job_free,
			.arg = j,
		};

		rc = op_start_instance(e, inst, &spec, op_id, err);
		if (rc < 0)
			snapshot_op_delete_row(e, inst, name);
	}
out:
	instance_free_contents(&in);
	free(name);
	free(profiles);
	free(storage);
	return rc;
}

static int
rename_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct snapshot_job *j = arg;
	sqlite3_stmt *st = NULL;
	int rc;

	if (storage_snapshot_rename(e, j->inst, j->snap, j->newname, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(e->db, "UPDATE snapshots SET name = ? WHERE name = ? "
	    "AND instance_id = (SELECT id FROM instances WHERE name = ?)", -1, &st,
	    NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_text(st, 1, j->newname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, j->snap, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, j->inst, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		storage_snapshot_rename(e, j->inst, j->newname, j->snap, NULL);
		return err_set(err, 409, "Snapshot \"%s/%s\" already exists", j->inst,
		    j->newname);
	}
	return 0;
}

static void
rename_done(struct engine *e, struct op_info *op, void *arg)
{
	struct snapshot_job *j = arg;
	struct strmap ctx = { 0 };

	if (op->status != STATUS_SUCCESS)
		return;
	strmap_set(&ctx, "old_name", j->snap);
	snapshot_op_emit(e, "instance-snapshot-renamed", j->inst, j->newname, &ctx);
	strmap_free(&ctx);
}

static int
delete_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct snapshot_job *j = arg;

	if (storage_snapshot_delete(e, j->inst, j->snap, err) < 0)
		return -1;
	snapshot_op_delete_row(e, j->inst, j->snap);
	return 0;
}

static void
delete_done(struct engine *e, struct op_info *op, void *arg)
{
	struct snapshot_job *j = arg;

	if (op->status == STATUS_SUCCESS)
		snapshot_op_emit(e, "instance-snapshot-deleted", j->inst, j->snap, NULL);
}

static int
restore_work(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	struct snapshot_job *j = arg;
	struct snapshot s = { 0 };
	int64_t iid;
	int rc = -1;

	if (snapshot_load(e, j->inst, j->snap, &s, err) < 0 ||
	    instance_id(e, j->inst, &iid, NULL, NULL, err) < 0)
		goto out;
	if (instance_is_running(e, j->inst)) {
		j->restart = true;
		if (instance_run_stop(e, j->inst, 0, true, err) < 0)
			goto out;
	}
	if (storage_restore(e, j->storage, j->inst, j->snap, err) < 0)
		goto out;
	if (db_begin(e->db, err) < 0)
		goto out;
	{
		struct strmap cfg = { 0 };
		sqlite3_stmt *st = NULL;
		size_t i;

		/* Config as it was, volatile keys as they are. */
		db_map_load(e->db, "instance_config", "instance_id", iid, &cfg, NULL);
		for (i = 0; i < s.config.n; i++)
			if (strncmp(s.config.keys[i], "volatile.", 9) != 0)
				strmap_set(&cfg, s.config.keys[i], s.config.vals[i]);
		for (i = 0; i < cfg.n; i++) {
			if (strncmp(cfg.keys[i], "volatile.", 9) != 0 &&
			    strmap_get(&s.config, cfg.keys[i]) == NULL) {
				strmap_unset(&cfg, cfg.keys[i]);
				i--;
			}
		}
		rc = db_map_save(e->db, "instance_config", "instance_id", iid, &cfg, err);
		strmap_free(&cfg);
		if (rc == 0)
			rc = db_devices_save(e->db, "instance_devices", "instance_id", iid,
			    &s.devices, err);
		if (rc == 0 && sqlite3_prepare_v2(e->db, "DELETE FROM instance_profiles "
		    "WHERE instance_id = ?", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, iid);
			sqlite3_step(st);
			sqlite3_finalize(st);
			for (i = 0; i < s.profiles.n; i++) {
				if (sqlite3_prepare_v2(e->db, "INSERT INTO instance_profiles "
				    "(instance_id, profile_id, apply_order) SELECT ?, id, ? "
				    "FROM profiles WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
					break;
				sqlite3_bind_int64(st, 1, iid);
				sqlite3_bind_int(st, 2, (int)i);
				sqlite3_bind_text(st, 3, s.profiles.v[i], -1, SQLITE_STATIC);
				sqlite3_step(st);
				sqlite3_finalize(st);
			}
		}
		if (rc < 0) {
			db_rollback(e->db);
			goto out;
		}
		if (db_commit(e->db, err) < 0) {
			rc = -1;
			goto out;
		}
	}
	rc = instance_run_apply(e, j->inst, err);
	if (rc == 0 && j->restart)
		rc = instance_run_start(e, j->inst, err);
out:
	if (rc < 0)
		err_prefix(err, "Failed to restore snapshot \"%s/%s\"", j->inst, j->snap);
	snapshot_free_contents(&s);
	return rc;
}

static void
restore_done(struct engine *e, struct op_info *op, void *arg)
{
	struct snapshot_job *j = arg;
	struct strmap ctx = { 0 };
	char *full, *src;

	if (op->status != STATUS_SUCCESS)
		return;
	full = xasprintf("%s/%s", j->inst, j->snap);
	strmap_set(&ctx, "snapshot", full);
	src = xasprintf("/1.0/instances/%s", j->inst);
	event_lifecycle(e, "instance-restored", src, &ctx);
	watch_instance(e, j->inst);
	free(src);
	free(full);
	strmap_free(&ctx);
}

static int
snapshot_op_start(struct engine *e, const char *inst, const char *snap,
    const char *newname, const char *descr, op_work_fn work, op_done_fn done,
    char **op_id, struct err *err)
{
	struct snapshot_job *j;
	char *storage = NULL;
	int64_t iid, sid;

	if (instance_id(e, inst, &iid, &storage, NULL, err) < 0)
		return -1;
	if (snapshot_row(e, iid, snap, &sid, NULL, err) < 0) {
		free(storage);
		return -1;
	}
	if (newname != NULL) {
		if (name_validate_snapshot(newname, err) < 0 ||
		    (snapshot_exists(e, iid, newname) &&
		    err_set(err, 409, "Snapshot \"%s/%s\" already exists", inst,
		    newname) < 0)) {
			free(storage);
			return -1;
		}
	}
	j = xcalloc(1, sizeof *j);
	j->inst = xstrdup(inst);
	j->snap = xstrdup(snap);
	j->newname = xstrdup(newname);
	j->storage = storage;
	{
		struct op_spec spec = {
			.description = descr,
			.cls = OP_CLASS_TASK,
			.work = work,
			.done = done,
			.free_arg = snapshot_job_free,
			.arg = j,
		};

		return op_start_instance(e, inst, &spec, op_id, err);
	}
}

int
snapshot_op_rename(struct engine *e, const char *inst, const char *snap,
    const char *newname, char **op_id, struct err *err)
{
	return snapshot_op_start(e, inst, snap, newname, "Renaming snapshot", rename_work,
	    rename_done, op_id, err);
}

int
snapshot_op_delete(struct engine *e, const char *inst, const char *snap,
    char **op_id, struct err *err)
{
	return snapshot_op_start(e, inst, snap, NULL, "Deleting snapshot", delete_work,
	    delete_done, op_id, err);
}

int
snapshot_op_restore(struct engine *e, const char *inst, const char *snap,
    bool stateful, char **op_id, struct err *err)
{
	if (stateful && !snapshot_stateful_supported(e))
		return err_set(err, 400, "Failed to restore \"%s/%s\" statefully: %s",
		    inst, snap, e->criu_reason);
	return snapshot_op_start(e, inst, snap, NULL, "Restoring snapshot", restore_work,
	    restore_done, op_id, err);
}

int
snapshot_op_set_expiry(struct engine *e, const char *inst, const char *snap,
    int64_t expires_ns, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t iid, sid;

	if (instance_id(e, inst, &iid, NULL, NULL, err) < 0 ||
	    snapshot_row(e, iid, snap, &sid, NULL, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(e->db, "UPDATE snapshots SET expires_ns = ? WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_int64(st, 1, expires_ns);
	sqlite3_bind_int64(st, 2, sid);
	sqlite3_step(st);
	sqlite3_finalize(st);
	snapshot_op_emit(e, "instance-snapshot-updated", inst, snap, NULL);
	return 0;
}

void
snapshot_op_expire(struct engine *e)
{
	struct strv inst = { 0 }, snap = { 0 };
	sqlite3_stmt *st = NULL;
	size_t i;

	if (sqlite3_prepare_v2(e->db, "SELECT i.name, s.name FROM snapshots s JOIN "
	    "instances i ON i.id = s.instance_id WHERE s.expires_ns > 0 AND "
	    "s.expires_ns < ?", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, time_now_ns());
	while (sqlite3_step(st) == SQLITE_ROW) {
		strv_push(&inst, (const char *)sqlite3_column_text(st, 0));
		strv_push(&snap, (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	for (i = 0; i < inst.n; i++) {
		struct err err = { 0 };

		log_info("snapshot %s/%s expired", inst.v[i], snap.v[i]);
		if (storage_snapshot_delete(e, inst.v[i], snap.v[i], &err) == 0) {
			snapshot_op_delete_row(e, inst.v[i], snap.v[i]);
			snapshot_op_emit(e, "instance-snapshot-deleted", inst.v[i], snap.v[i],
			    NULL);
		}
	}
	strv_free(&inst);
	strv_free(&snap);
}
