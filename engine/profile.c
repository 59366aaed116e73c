/*
 * profile.c - profiles: named, ordered bundles of config and devices.
 *
 * An instance lists profiles; its expanded config is each profile applied
 * in order, then its own config (config_expand).  This file reads them,
 * with a memo while a whole list of instances is loaded (every instance
 * names the same few); profile-edit.c writes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

int
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

void
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
