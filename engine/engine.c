/*
 * engine.c - the ground every room of engine/ stands on.
 *
 * Paths under LXDECK_DIR (engine_path), the server config table, a fresh
 * database connection for a helper process, and the process's image
 * server fetcher.  It calls nothing of engine/ but db.c: opening and
 * closing the engine, which calls most rooms, is engine-open.c.
 */
#include <stdlib.h>

#include "engine.h"

/* The process's image server fetcher (backend.h); borrowed. */
static const struct image_fetcher *engine_fetcher;

void
engine_set_image_fetcher(const struct image_fetcher *f)
{
	engine_fetcher = f;
}

const struct image_fetcher *
engine_image_fetcher(void)
{
	return engine_fetcher;
}

char *
engine_path(const struct engine *e, const char *fmt, ...)
{
	va_list ap;
	char *rel, *p;

	va_start(ap, fmt);
	rel = xvasprintf(fmt, ap);
	va_end(ap);
	p = xasprintf("%s/%s", e->dir, rel);
	free(rel);
	return p;
}

int
engine_reopen_db(struct engine *e, struct err *err)
{
	char *path = engine_path(e, "lxdeck.db");
	sqlite3 *db = NULL;
	int rc;

	db_close(e->db);
	e->db = NULL;
	rc = db_open(path, &db, err);
	free(path);
	e->db = db;
	return rc;
}

int
engine_config_get(struct engine *e, struct strmap *out, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(e->db, "SELECT key, value FROM config", -1, &st,
	    NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		strmap_set(out, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return 0;
}
