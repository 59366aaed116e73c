/*
 * profile.c - profiles: named, ordered bundles of config and devices.
 *
 * An instance lists profiles; its expanded config is each profile applied
 * in order, then its own config (config_expand).  The engine ships
 * `default` (eth0 on the default bridge, the root disk) and `docker`
 * (nesting and the kernel modules Docker needs).  A profile in use cannot
 * be deleted; editing one re-renders the LXC config of every instance that
 * uses it, and pushes changed limits into the running ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static int
profile_row(struct engine *e, const char *name, int64_t *id, char **desc,
    struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(e->db, "SELECT id, description FROM profiles WHERE "
	    "name = ?", &st) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (desc != NULL)
			*desc = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	db_finish(st);
	if (rc != SQLITE_ROW)
		return err_set(err, 404, "Profile \"%s\" not found", name);
	return 0;
}

static void
profile_used_by(struct engine *e, int64_t id, struct strv *out)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(e->db, "SELECT i.name FROM instances i JOIN "
	    "instance_profiles p ON p.instance_id = i.id WHERE p.profile_id = ? "
	    "ORDER BY i.name", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *url = xasprintf("/1.0/instances/%s", sqlite3_column_text(st, 0));

		strv_push(out, url);
		free(url);
	}
	sqlite3_finalize(st);
}

void
profile_cache_begin(struct engine *e)
{
	profile_cache_end(e);
	e->pcache_on = true;
}

void
profile_cache_end(struct engine *e)
{
	profile_array_free(e->pcache, e->npcache);
	e->pcache = NULL;
	e->npcache = 0;
	e->pcache_on = false;
}

static int profile_load_db(struct engine *, const char *, struct profile *,
    int64_t *, struct err *);

/* The profile without used_by (what expanding a config needs), from the
 * memo while a list is loaded. */
static int
profile_load_contents(struct engine *e, const char *name, struct profile *out,
    int64_t *idp, struct err *err)
{
	size_t i;

	if (!e->pcache_on || idp != NULL)
		return profile_load_db(e, name, out, idp, err);
	for (i = 0; i < e->npcache; i++) {
		if (strcmp(e->pcache[i].name, name) == 0) {
			profile_copy(out, &e->pcache[i]);
			return 0;
		}
	}
	if (profile_load_db(e, name, out, NULL, err) < 0)
		return -1;
	e->pcache = xreallocarray(e->pcache, e->npcache + 1, sizeof *e->pcache);
	memset(&e->pcache[e->npcache], 0, sizeof *e->pcache);
	profile_copy(&e->pcache[e->npcache++], out);
	return 0;
}

static int
profile_load_db(struct engine *e, const char *name, struct profile *out,
    int64_t *idp, struct err *err)
{
	int64_t id;

	memset(out, 0, sizeof *out);
	if (profile_row(e, name, &id, &out->description, err) < 0)
		return -1;
	out->name = xstrdup(name);
	if (db_map_load(e->db, "profile_config", "profile_id", id, &out->config,
	    err) < 0 || db_devices_load(e->db, "profile_devices", "profile_id", id,
	    &out->devices, err) < 0) {
		profile_free_contents(out);
		return -1;
	}
	if (idp != NULL)
		*idp = id;
	return 0;
}

int
profile_load(struct engine *e, const char *name, struct profile *out,
    struct err *err)
{
	int64_t id;

	if (profile_load_contents(e, name, out, &id, err) < 0)
		return -1;
	profile_used_by(e, id, &out->used_by);
	return 0;
}

int
profile_load_all(struct engine *e, struct profile **out, size_t *n, struct err *err)
{
	struct strv names = { 0 };
	sqlite3_stmt *st = NULL;
	size_t i;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(e->db, "SELECT name FROM profiles ORDER BY name", -1,
	    &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	while (sqlite3_step(st) == SQLITE_ROW)
		strv_push(&names, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	*out = xcalloc(names.n ? names.n : 1, sizeof **out);
	for (i = 0; i < names.n; i++) {
		if (profile_load(e, names.v[i], &(*out)[*n], err) == 0)
			(*n)++;
	}
	strv_free(&names);
	return 0;
}

int
profile_load_list(struct engine *e, const struct strv *names, struct profile **out,
    struct err *err)
{
	size_t i;

	*out = xcalloc(names->n ? names->n : 1, sizeof **out);
	for (i = 0; i < names->n; i++) {
		if (profile_load_contents(e, names->v[i], &(*out)[i], NULL, err) < 0) {
			profile_array_free(*out, i);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

static int
profile_write(struct engine *e, int64_t id, const struct profile *p, struct err *err)
{
	if (db_map_save(e->db, "profile_config", "profile_id", id, &p->config,
	    err) < 0)
		return -1;
	return db_devices_save(e->db, "profile_devices", "profile_id", id,
	    &p->devices, err);
}

static int
profile_insert(struct engine *e, const struct profile *p, struct err *err)
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
	return profile_write(e, sqlite3_last_insert_rowid(e->db), p, err);
}

int
profile_ensure_defaults(struct engine *e, struct err *err)
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
		if (profile_insert(e, &def, err) < 0)
			goto out;
	}
	if (profile_row(e, "docker", &id, NULL, NULL) < 0) {
		strmap_set(&docker.config, "security.nesting", "true");
		strmap_set(&docker.config, "linux.kernel_modules",
		    "bridge,ip_tables,ip6_tables,netlink_diag,nf_nat,overlay,br_netfilter");
		if (profile_insert(e, &docker, err) < 0)
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
profile_check(const struct profile *p, struct err *err)
{
	if (config_validate(&p->config, CONFIG_PROFILE, err) < 0 ||
	    devices_validate(&p->devices, CONFIG_PROFILE, err) < 0)
		return err_prefix(err, "Invalid profile \"%s\"", p->name);
	return 0;
}

int
profile_add(struct engine *e, const struct profile *p, struct err *err)
{
	if (name_validate_profile(p->name, err) < 0 || profile_check(p, err) < 0)
		return -1;
	if (db_begin(e->db, err) < 0)
		return -1;
	if (profile_insert(e, p, err) < 0) {
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
profile_replace(struct engine *e, const char *name, const struct profile *p,
    struct err *err)
{
	struct profile cur = { 0 };
	struct strmap ctx = { 0 };
	char *src;
	int64_t id;
	size_t i;

	if (profile_check(p, err) < 0)
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
	if (profile_write(e, id, p, err) < 0)
		goto fail;
	if (db_commit(e->db, err) < 0)
		return -1;
	/* Re-apply to every user. */
	if (profile_load(e, name, &cur, NULL) == 0) {
		for (i = 0; i < cur.used_by.n; i++) {
			const char *inst = strrchr(cur.used_by.v[i], '/') + 1;
			struct err ierr = { 0 };

			if (instance_apply(e, inst, &ierr) < 0)
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
profile_rename_to(struct engine *e, const char *name, const char *newname,
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
profile_remove(struct engine *e, const char *name, struct err *err)
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
