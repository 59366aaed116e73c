/*
 * profile-edit.c - changing profiles: add, replace, rename, remove, and
 * the two the engine ships.
 *
 * profile.c reads profiles; this file writes them.  The engine ships
 * `default` (eth0 on the default bridge, the root disk) and `docker`
 * (nesting and the kernel modules Docker needs), made at open when
 * missing.  A profile in use cannot be deleted; replacing one re-renders
 * the LXC config of every instance that uses it and pushes changed limits
 * into the running ones (instance_run_apply).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static int
profile_edit_write(struct engine *e, int64_t id, const struct profile *p, struct err *err)
{
	if (db_map_save(e->db, "profile_config", "profile_id", id, &p->config,
	    err) < 0)
		return -1;
	return db_devices_save(e->db, "profile_devices", "profile_id", id,
	    &p->devices, err);
}

static int
profile_edit_insert(struct engine *e, const struct profile *p, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(e->db, "INSERT INTO profiles (name, description) "
	    "VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->description ? p->description : "", -1,
	    SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return err_set(err, 409, "Profile \"%s\" already exists", p->name);
	if (rc != SQLITE_DONE)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	return profile_edit_write(e, sqlite3_last_insert_rowid(e->db), p, err);
}

int
profile_edit_defaults(struct engine *e, struct err *err)
{
	struct profile def = { .name = "default", .description = "Default lxdeck profile" };
	struct profile docker = { .name = "docker",
	    .description = "Profile supporting Docker in containers" };
	struct strmap eth0 = { 0 }, root = { 0 };
	int64_t id;
	int rc = -1;

	/* The usual case costs one read, no write lock. */
	if (profile_row(e, "default", &id, NULL, NULL) == 0 &&
	    profile_row(e, "docker", &id, NULL, NULL) == 0)
		return 0;
	if (db_begin(e->db, err) < 0)
		return -1;
	if (profile_row(e, "default", &id, NULL, NULL) < 0) {
		strmap_set(&eth0, "type", "nic");
		strmap_set(&eth0, "name", "eth0");
		strmap_set(&eth0, "network", ENGINE_BRIDGE);
		strmap_set(&root, "type", "disk");
		strmap_set(&root, "path", "/");
		strmap_set(&root, "pool", STORAGE_POOL);
		devmap_set(&def.devices, "eth0", &eth0);
		devmap_set(&def.devices, "root", &root);
		if (profile_edit_insert(e, &def, err) < 0)
			goto out;
	}
	if (profile_row(e, "docker", &id, NULL, NULL) < 0) {
		strmap_set(&docker.config, "security.nesting", "true");
		strmap_set(&docker.config, "linux.kernel_modules",
		    "bridge,ip_tables,ip6_tables,netlink_diag,nf_nat,overlay,br_netfilter");
		if (profile_edit_insert(e, &docker, err) < 0)
			goto out;
	}
	rc = db_commit(e->db, err);
out:
	if (rc < 0)
		db_rollback(e->db);
	strmap_free(&eth0);
	strmap_free(&root);
	devmap_free(&def.devices);
	strmap_free(&docker.config);
	return rc;
}

static int
profile_edit_check(const struct profile *p, struct err *err)
{
	if (config_key_validate_all(&p->config, CONFIG_PROFILE, err) < 0 ||
	    devices_validate(&p->devices, CONFIG_PROFILE, err) < 0)
		return err_prefix(err, "Invalid profile \"%s\"", p->name);
	return 0;
}

int
profile_edit_add(struct engine *e, const struct profile *p, struct err *err)
{
	if (name_validate_profile(p->name, err) < 0 || profile_edit_check(p, err) < 0)
		return -1;
	if (db_begin(e->db, err) < 0)
		return -1;
	if (profile_edit_insert(e, p, err) < 0) {
		db_rollback(e->db);
		return -1;
	}
	if (db_commit(e->db, err) < 0)
		return -1;
	{
		char *src = xasprintf("/1.0/profiles/%s", p->name);

		event_lifecycle(e, "profile-created", src, NULL);
		free(src);
	}
	return 0;
}

int
profile_edit_replace(struct engine *e, const char *name, const struct profile *p,
    struct err *err)
{
	struct profile cur = { 0 };
	struct strmap ctx = { 0 };
	char *src;
	int64_t id;
	size_t i;

	if (profile_edit_check(p, err) < 0)
		return -1;
	if (db_begin(e->db, err) < 0)
		return -1;
	if (profile_row(e, name, &id, NULL, err) < 0)
		goto fail;
	{
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(e->db, "UPDATE profiles SET description = ? "
		    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
			goto dbfail;
		sqlite3_bind_text(st, 1, p->description ? p->description : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (profile_edit_write(e, id, p, err) < 0)
		goto fail;
	if (db_commit(e->db, err) < 0)
		return -1;
	/* Re-apply to every user. */
	if (profile_load(e, name, &cur, NULL) == 0) {
		for (i = 0; i < cur.used_by.n; i++) {
			const char *inst = strrchr(cur.used_by.v[i], '/') + 1;
			struct err ierr = { 0 };

			if (instance_run_apply(e, inst, &ierr) < 0)
				log_warn("profile %s: %s", name, ierr.msg);
		}
		profile_free_contents(&cur);
	}
	src = xasprintf("/1.0/profiles/%s", name);
	event_lifecycle(e, "profile-updated", src, &ctx);
	free(src);
	return 0;
dbfail:
	err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
fail:
	db_rollback(e->db);
	return -1;
}

int
profile_edit_rename(struct engine *e, const char *name, const char *newname,
    struct err *err)
{
	sqlite3_stmt *st = NULL;
	struct strmap ctx = { 0 };
	char *src;
	int64_t id;
	int rc;

	if (strcmp(name, "default") == 0)
		return err_set(err, 403, "The \"default\" profile cannot be renamed");
	if (name_validate_profile(newname, err) < 0)
		return -1;
	if (profile_row(e, name, &id, NULL, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(e->db, "UPDATE profiles SET name = ? WHERE id = ?", -1,
	    &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_text(st, 1, newname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return err_set(err, 409, "Profile \"%s\" already exists", newname);
	if (rc != SQLITE_DONE)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	strmap_set(&ctx, "old_name", name);
	src = xasprintf("/1.0/profiles/%s", newname);
	event_lifecycle(e, "profile-renamed", src, &ctx);
	free(src);
	strmap_free(&ctx);
	return 0;
}

int
profile_edit_remove(struct engine *e, const char *name, struct err *err)
{
	struct strv users = { 0 };
	sqlite3_stmt *st = NULL;
	char *src;
	int64_t id;

	if (strcmp(name, "default") == 0)
		return err_set(err, 403, "The \"default\" profile cannot be deleted");
	if (db_begin(e->db, err) < 0)
		return -1;
	if (profile_row(e, name, &id, NULL, err) < 0) {
		db_rollback(e->db);
		return -1;
	}
	profile_used_by(e, id, &users);
	if (users.n > 0) {
		char *list = strv_join(&users, ", ");

		db_rollback(e->db);
		err_set(err, 400, "Profile \"%s\" is currently in use by %s", name, list);
		free(list);
		strv_free(&users);
		return -1;
	}
	if (sqlite3_prepare_v2(e->db, "DELETE FROM profiles WHERE id = ?", -1, &st,
	    NULL) != SQLITE_OK) {
		db_rollback(e->db);
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (db_commit(e->db, err) < 0)
		return -1;
	src = xasprintf("/1.0/profiles/%s", name);
	event_lifecycle(e, "profile-deleted", src, NULL);
	free(src);
	return 0;
}
