/*
 * db.c - the engine's database: sqlite3 in WAL mode, versioned schema.
 *
 * The database is the source of truth for everything but the running state
 * of containers (which liblxc knows).  lxdeckd and a TUI may open the same
 * LXDECK_DIR at once: each has its own connection, writes are short
 * BEGIN IMMEDIATE transactions, and a busy timeout makes the other side wait
 * instead of failing.  The schema version is PRAGMA user_version; to add a
 * migration append a string to `migrations` (never edit an old one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"

static const char *migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE profiles (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE profile_config (profile_id INTEGER NOT NULL REFERENCES profiles(id)"
	"  ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (profile_id, key));"
	"CREATE TABLE profile_devices (profile_id INTEGER NOT NULL REFERENCES profiles(id)"
	"  ON DELETE CASCADE, name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (profile_id, name, key));"
	"CREATE TABLE instances (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '', architecture TEXT NOT NULL,"
	"  ephemeral INTEGER NOT NULL DEFAULT 0, stateful INTEGER NOT NULL DEFAULT 0,"
	"  created_ns INTEGER NOT NULL, last_used_ns INTEGER NOT NULL DEFAULT 0,"
	"  storage TEXT NOT NULL, base_image TEXT NOT NULL DEFAULT '',"
	"  phase TEXT NOT NULL DEFAULT 'ready');"	/* creating | ready */
	"CREATE TABLE instance_config (instance_id INTEGER NOT NULL REFERENCES instances(id)"
	"  ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (instance_id, key));"
	"CREATE TABLE instance_devices (instance_id INTEGER NOT NULL REFERENCES instances(id)"
	"  ON DELETE CASCADE, name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (instance_id, name, key));"
	"CREATE TABLE instance_profiles (instance_id INTEGER NOT NULL REFERENCES instances(id)"
	"  ON DELETE CASCADE, profile_id INTEGER NOT NULL REFERENCES profiles(id),"
	"  apply_order INTEGER NOT NULL, PRIMARY KEY (instance_id, profile_id));"
	"CREATE TABLE snapshots (id INTEGER PRIMARY KEY, instance_id INTEGER NOT NULL"
	"  REFERENCES instances(id) ON DELETE CASCADE, name TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '', stateful INTEGER NOT NULL DEFAULT 0,"
	"  created_ns INTEGER NOT NULL, expires_ns INTEGER NOT NULL DEFAULT 0,"
	"  profiles TEXT NOT NULL DEFAULT '', UNIQUE (instance_id, name));"
	"CREATE TABLE snapshot_config (snapshot_id INTEGER NOT NULL REFERENCES snapshots(id)"
	"  ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (snapshot_id, key));"
	"CREATE TABLE snapshot_devices (snapshot_id INTEGER NOT NULL REFERENCES snapshots(id)"
	"  ON DELETE CASCADE, name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (snapshot_id, name, key));"
	"CREATE TABLE images (id INTEGER PRIMARY KEY, fingerprint TEXT UNIQUE NOT NULL,"
	"  filename TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL DEFAULT 0,"
	"  architecture TEXT NOT NULL DEFAULT '', type TEXT NOT NULL DEFAULT 'container',"
	"  public INTEGER NOT NULL DEFAULT 0, auto_update INTEGER NOT NULL DEFAULT 0,"
	"  cached INTEGER NOT NULL DEFAULT 0, split INTEGER NOT NULL DEFAULT 0,"
	"  created_ns INTEGER NOT NULL DEFAULT 0, uploaded_ns INTEGER NOT NULL DEFAULT 0,"
	"  last_used_ns INTEGER NOT NULL DEFAULT 0, expires_ns INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE image_properties (image_id INTEGER NOT NULL REFERENCES images(id)"
	"  ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (image_id, key));"
	"CREATE TABLE image_source (image_id INTEGER NOT NULL REFERENCES images(id)"
	"  ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (image_id, key));"
	"CREATE TABLE image_profiles (image_id INTEGER NOT NULL REFERENCES images(id)"
	"  ON DELETE CASCADE, name TEXT NOT NULL, apply_order INTEGER NOT NULL,"
	"  PRIMARY KEY (image_id, name));"
	"CREATE TABLE image_aliases (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	"  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  description TEXT NOT NULL DEFAULT '');",
	/* 2: lifecycle events shared between the processes using one dir */
	"CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  pid INTEGER NOT NULL, ts INTEGER NOT NULL, action TEXT NOT NULL,"
	"  source TEXT NOT NULL, context TEXT NOT NULL DEFAULT '');",
	/* 3: warnings (warning.c) */
	"CREATE TABLE warnings (uuid TEXT PRIMARY KEY, type TEXT UNIQUE NOT NULL,"
	"  message TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL,"
	"  count INTEGER NOT NULL, first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL);",
};

static int
db_busy(void *arg, int count)
{
	(void)arg;
	if (count > 2000)	/* ~10 s */
		return 0;
	usleep(5000);
	return 1;
}

int
db_exec(sqlite3 *db, const char *sql, struct err *e)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, 500, "Database error: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
db_schema_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
db_migrate(sqlite3 *db, struct err *e)
{
	int v, target = (int)ARRAY_SIZE(migrations);
	char pragma[64];

	if (db_begin(db, e) < 0)
		return -1;
	v = db_schema_version(db);	/* read inside the lock: no race */
	if (v > target) {
		db_rollback(db);
		return err_set(e, 500, "Database schema version %d is newer than "
		    "this lxdeck knows (%d)", v, target);
	}
	for (; v < target; v++) {
		if (db_exec(db, migrations[v], e) < 0) {
			db_rollback(db);
			return err_prefix(e, "Failed to migrate the database to "
			    "version %d", v + 1);
		}
	}
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", target);
	if (db_exec(db, pragma, e) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db, e);
}

/*
 * The database holds core.trust_password's hash and every instance's config
 * (environment.* included): its owner's alone, as LXD keeps its database
 * directory 0700.  The file is made 0600 before SQLite opens it (SQLite
 * gives -wal and -shm the main file's mode) and an older, wider one is
 * narrowed along with its -wal and -shm.
 */
static void
db_protect(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	struct stat st;
	size_t i;
	int fd;

	if (path[0] == '\0' || path[0] == ':')
		return;		/* ":memory:" and temporary databases */
	for (i = 0; i < sizeof sfx / sizeof *sfx; i++) {
		char p[4096];

		if ((size_t)snprintf(p, sizeof p, "%s%s", path, sfx[i]) >= sizeof p)
			return;
		fd = open(p, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (i == 0 ? O_CREAT : 0), 0600);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    (st.st_mode & 077) != 0)
			(void)fchmod(fd, st.st_mode & 0700);
		close(fd);
	}
}

int
db_open(const char *path, sqlite3 **out, struct err *e)
{
	sqlite3 *db = NULL;

	*out = NULL;
	db_protect(path);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		err_set(e, 500, "Failed to open database \"%s\": %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_handler(db, db_busy, NULL);
	if (db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
	    "PRAGMA synchronous = NORMAL;", e) < 0 || db_migrate(db, e) < 0) {
		err_prefix(e, "Failed to open database \"%s\"", path);
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

/*
 * Prepared statements of the hot read paths (listing instances loads a row,
 * its config, devices, profiles and snapshots per instance) are kept per
 * connection instead of being parsed again for every call: parsing was a
 * fifth of the cost of GET /1.0/instances?recursion=2.  A small fixed
 * table, matched on the SQL text; a statement asked for again while in use
 * (nested loops) gets a fresh, uncached one.
 */
#define DB_STMT_CACHE	24

static struct db_stmt_slot {
	sqlite3		*db;
	char		*sql;
	sqlite3_stmt	*st;
	bool		 busy;
} db_stmts[DB_STMT_CACHE];

int
db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
	struct db_stmt_slot *free_slot = NULL;
	size_t i;
	int rc;

	*out = NULL;
	for (i = 0; i < DB_STMT_CACHE; i++) {
		struct db_stmt_slot *s = &db_stmts[i];

		if (s->db == NULL) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (s->db == db && strcmp(s->sql, sql) == 0) {
			if (s->busy)
				break;		/* nested: an uncached one */
			s->busy = true;
			*out = s->st;
			return SQLITE_OK;
		}
	}
	if (i < DB_STMT_CACHE || free_slot == NULL)
		return sqlite3_prepare_v2(db, sql, -1, out, NULL);
	rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
	if (rc != SQLITE_OK)
		return rc;
	free_slot->db = db;
	free_slot->sql = xstrdup(sql);
	free_slot->st = *out;
	free_slot->busy = true;
	return SQLITE_OK;
}

void
db_finish(sqlite3_stmt *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < DB_STMT_CACHE; i++) {
		if (db_stmts[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			db_stmts[i].busy = false;
			return;
		}
	}
	sqlite3_finalize(st);
}

void
db_close(sqlite3 *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < DB_STMT_CACHE; i++) {
		if (db_stmts[i].db == db) {
			sqlite3_finalize(db_stmts[i].st);
			free(db_stmts[i].sql);
			memset(&db_stmts[i], 0, sizeof db_stmts[i]);
		}
	}
	sqlite3_close(db);
}

int
db_begin(sqlite3 *db, struct err *e)
{
	return db_exec(db, "BEGIN IMMEDIATE", e);
}

int
db_commit(sqlite3 *db, struct err *e)
{
	if (db_exec(db, "COMMIT", e) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

void
db_rollback(sqlite3 *db)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int
db_map_load(sqlite3 *db, const char *table, const char *owner_col, int64_t owner,
    struct strmap *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc;

	sql = xasprintf("SELECT key, value FROM %s WHERE %s = ?", table, owner_col);
	rc = db_prepare(db, sql, &st);
	free(sql);
	if (rc != SQLITE_OK)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, owner);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		strmap_set(out, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	db_finish(st);
	if (rc != SQLITE_DONE)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(db));
	return 0;
}

int
db_map_save(sqlite3 *db, const char *table, const char *owner_col, int64_t owner,
    const struct strmap *m, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char *sql;
	size_t i;
	int rc;

	sql = xasprintf("DELETE FROM %s WHERE %s = %lld", table, owner_col,
	    (long long)owner);
	rc = db_exec(db, sql, e);
	free(sql);
	if (rc < 0)
		return -1;
	sql = xasprintf("INSERT INTO %s (%s, key, value) VALUES (?, ?, ?)", table,
	    owner_col);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(db));
	for (i = 0; i < m->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, owner);
		sqlite3_bind_text(st, 2, m->keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, m->vals[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			err_set(e, 500, "Database error: %s", sqlite3_errmsg(db));
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

int
db_devices_load(sqlite3 *db, const char *table, const char *owner_col,
    int64_t owner, struct devmap *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc;

	sql = xasprintf("SELECT name, key, value FROM %s WHERE %s = ? ORDER BY name",
	    table, owner_col);
	rc = db_prepare(db, sql, &st);
	free(sql);
	if (rc != SQLITE_OK)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, owner);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		struct strmap *p = devmap_get(out, name);

		if (p == NULL) {
			struct strmap empty = { 0 };

			devmap_set(out, name, &empty);
			p = devmap_get(out, name);
		}
		strmap_set(p, (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2));
	}
	db_finish(st);
	if (rc != SQLITE_DONE)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(db));
	return 0;
}

int
db_devices_save(sqlite3 *db, const char *table, const char *owner_col,
    int64_t owner, const struct devmap *d, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char *sql;
	size_t i, j;
	int rc;

	sql = xasprintf("DELETE FROM %s WHERE %s = %lld", table, owner_col,
	    (long long)owner);
	rc = db_exec(db, sql, e);
	free(sql);
	if (rc < 0)
		return -1;
	sql = xasprintf("INSERT INTO %s (%s, name, key, value) VALUES (?, ?, ?, ?)",
	    table, owner_col);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return err_set(e, 500, "Database error: %s", sqlite3_errmsg(db));
	for (i = 0; i < d->n; i++) {
		for (j = 0; j < d->props[i].n; j++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, owner);
			sqlite3_bind_text(st, 2, d->names[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, d->props[i].keys[j], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, d->props[i].vals[j], -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				err_set(e, 500, "Database error: %s", sqlite3_errmsg(db));
				sqlite3_finalize(st);
				return -1;
			}
		}
	}
	sqlite3_finalize(st);
	return 0;
}
