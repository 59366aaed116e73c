/*
 * snapshot.c - reading snapshots.
 *
 * A snapshot is a row in `snapshots` (+ the instance's config, devices and
 * profile list at that moment) and a copy of the instance's writable files
 * under snapshots/INSTANCE/SNAP.  Its expanded config is computed again at
 * each load, with the profiles that still exist.  Rows are copied with an
 * instance (snapshot_copy_rows); whether CRIU works here is learnt once.
 * Making, renaming, restoring and deleting them is snapshot-op.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

int
snapshot_row(struct engine *e, int64_t inst_id, const char *snap, int64_t *id,
    struct snapshot *out, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(e->db, "SELECT id, description, stateful, created_ns, "
	    "expires_ns, profiles FROM snapshots WHERE instance_id = ? AND name = ?",
	    &st) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_int64(st, 1, inst_id);
	sqlite3_bind_text(st, 2, snap, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (out != NULL) {
			out->name = xstrdup(snap);
			out->description = xstrdup((const char *)sqlite3_column_text(st, 1));
			out->stateful = sqlite3_column_int(st, 2) != 0;
			out->created_ns = sqlite3_column_int64(st, 3);
			out->expires_ns = sqlite3_column_int64(st, 4);
			strv_split(&out->profiles, (const char *)sqlite3_column_text(st, 5),
			    ',');
			out->size = -1;
		}
	}
	db_finish(st);
	if (rc != SQLITE_ROW)
		return err_set(err, 404, "Snapshot \"%s\" not found", snap);
	return 0;
}

int
snapshot_load(struct engine *e, const char *inst, const char *snap,
    struct snapshot *out, struct err *err)
{
	struct profile *profiles = NULL;
	char *base = NULL;
	int64_t iid, sid;

	memset(out, 0, sizeof *out);
	if (instance_id(e, inst, &iid, NULL, &base, err) < 0)
		return -1;
	free(base);
	if (snapshot_row(e, iid, snap, &sid, out, err) < 0)
		return -1;
	out->architecture = xstrdup(e->arch);
	if (db_map_load(e->db, "snapshot_config", "snapshot_id", sid, &out->config,
	    err) < 0 || db_devices_load(e->db, "snapshot_devices", "snapshot_id", sid,
	    &out->devices, err) < 0) {
		snapshot_free_contents(out);
		return -1;
	}
	/* Profiles may have gone since: expand with those that remain. */
	{
		struct strv have = { 0 };
		size_t i;

		for (i = 0; i < out->profiles.n; i++) {
			struct profile p = { 0 };

			if (profile_load(e, out->profiles.v[i], &p, NULL) == 0) {
				strv_push(&have, out->profiles.v[i]);
				profile_free_contents(&p);
			}
		}
		if (profile_load_list(e, &have, &profiles, NULL) == 0) {
			config_expand(profiles, have.n, &out->config, &out->devices,
			    &out->expanded_config, &out->expanded_devices);
			profile_array_free(profiles, have.n);
		}
		strv_free(&have);
	}
	return 0;
}

int
snapshot_load_all(struct engine *e, const char *inst, struct snapshot **out,
    size_t *n, struct err *err)
{
	struct strv names = { 0 };
	sqlite3_stmt *st = NULL;
	int64_t iid;
	size_t i;

	*out = NULL;
	*n = 0;
	if (instance_id(e, inst, &iid, NULL, NULL, err) < 0)
		return -1;
	if (db_prepare(e->db, "SELECT name FROM snapshots WHERE instance_id = ? "
	    "ORDER BY created_ns, id", &st) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_int64(st, 1, iid);
	while (sqlite3_step(st) == SQLITE_ROW)
		strv_push(&names, (const char *)sqlite3_column_text(st, 0));
	db_finish(st);
	if (names.n == 0)
		return 0;
	*out = xcalloc(names.n, sizeof **out);
	for (i = 0; i < names.n; i++)
		if (snapshot_load(e, inst, names.v[i], &(*out)[*n], NULL) == 0)
			(*n)++;
	strv_free(&names);
	return 0;
}

bool
snapshot_stateful_supported(struct engine *e)
{
	const char *argv[] = { "criu", "check", NULL };
	struct err err = { 0 };
	char *out = NULL;

	if (e->criu_reason != NULL)
		return e->criu_works;
	if (util_run_output(argv, &out, &err) == 0) {
		e->criu_works = true;
		e->criu_reason = xstrdup("");
	} else {
		e->criu_works = false;
		e->criu_reason = xstrdup("CRIU is not usable on this host "
		    "(\"criu check\" failed), so running state cannot be checkpointed");
	}
	warning_criu(e, e->criu_works, e->criu_reason);
	free(out);
	return e->criu_works;
}

bool
snapshot_exists(struct engine *e, int64_t iid, const char *snap)
{
	int64_t sid;

	return snapshot_row(e, iid, snap, &sid, NULL, NULL) == 0;
}

int
snapshot_copy_rows(struct engine *e, int64_t from_id, int64_t to_id, struct err *err)
{
	sqlite3_stmt *st = NULL;
	struct strv ids = { 0 };
	size_t i;

	if (sqlite3_prepare_v2(e->db, "SELECT id FROM snapshots WHERE instance_id = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_int64(st, 1, from_id);
	while (sqlite3_step(st) == SQLITE_ROW)
		strv_push(&ids, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	for (i = 0; i < ids.n; i++) {
		char *sql = xasprintf(
		    "INSERT INTO snapshots (instance_id, name, description, stateful, "
		    "created_ns, expires_ns, profiles) SELECT %lld, name, description, "
		    "stateful, created_ns, expires_ns, profiles FROM snapshots WHERE id = %s;"
		    "INSERT INTO snapshot_config SELECT (SELECT max(id) FROM snapshots), key, value "
		    "FROM snapshot_config WHERE snapshot_id = %s;",
		    (long long)to_id, ids.v[i], ids.v[i]);
		int rc = db_exec(e->db, sql, err);

		free(sql);
		if (rc < 0) {
			strv_free(&ids);
			return -1;
		}
		sql = xasprintf("INSERT INTO snapshot_devices SELECT (SELECT max(id) FROM "
		    "snapshots), name, key, value FROM snapshot_devices WHERE "
		    "snapshot_id = %s", ids.v[i]);
		rc = db_exec(e->db, sql, err);
		free(sql);
		if (rc < 0) {
			strv_free(&ids);
			return -1;
		}
	}
	strv_free(&ids);
	return 0;
}
