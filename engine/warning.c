/*
 * warning.c - what the engine noticed about its host, as LXD's warnings.
 *
 * A warning is a kind of trouble (its type, e.g. LXD's own "AppArmor
 * support has been disabled") with the last details, a severity, a status
 * (new, acknowledged, resolved), a count and when it was first and last
 * seen; one row per type in the database, so it outlives restarts and is
 * shared by every process using the directory.  The host is looked at
 * once per boot (the engine opens often: each engctl, each TUI; the boot
 * it was done in is kept in a file beside the database), and again when
 * what the opening process may do changed (no user namespaces in a
 * chroot, the same host's namespaces outside it): a condition
 * seen counts once, one that went away marks its warning resolved, one
 * that comes back makes it new.  Acknowledging only changes the status; deleting
 * forgets it until it is seen again, after the next boot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

/* When the host booted (ns since the epoch), from /proc/stat's btime. */
static int64_t
warning_boot_ns(void)
{
	char *text = util_read_file("/proc/stat", NULL), *p;
	long long btime = 0;

	if (text != NULL && (p = strstr(text, "\nbtime ")) != NULL)
		btime = strtoll(p + 7, NULL, 10);
	free(text);
	return (int64_t)btime * 1000000000LL;
}

/* Was the check named key already done in this boot, with the host in
 * this state?  Marks it done (a file LXDECK_DIR/key holding the boot time
 * and the state: what a process may do differs inside a chroot). */
static bool
warning_done_this_boot(struct engine *e, const char *key, int64_t boot,
    const char *state)
{
	char *path = engine_path(e, "%s", key), *text = util_read_file(path, NULL);
	char val[128];
	bool done;

	snprintf(val, sizeof val, "%lld%s%s\n", (long long)boot, *state ? " " : "",
	    state);
	done = text != NULL && strcmp(text, val) == 0;
	if (!done)
		util_write_file(path, val, strlen(val), 0644);
	free(text);
	free(path);
	return done;
}

/* Notes that type was seen (with message): one more time, or the first.
 * A resolved warning becomes new again. */
static void
warning_seen(struct engine *e, const char *type, const char *message,
    const char *severity)
{
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ns();
	char uuid[37];
	struct err err = { 0 };

	if (db_begin(e->db, &err) < 0)
		goto fail;
	if (sqlite3_prepare_v2(e->db, "UPDATE warnings SET count = count + 1, "
	    "message = ?, last_seen = ?, status = CASE status WHEN 'resolved' "
	    "THEN 'new' ELSE status END WHERE type = ?", -1, &st, NULL) != SQLITE_OK)
		goto rollback;
	sqlite3_bind_text(st, 1, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto rollback;
	sqlite3_finalize(st);
	st = NULL;
	util_uuid_v4(uuid);
	/* a type not seen before (a known one is left as it is) */
	if (sqlite3_prepare_v2(e->db, "INSERT OR IGNORE INTO warnings (uuid, type, "
	    "message, severity, status, count, first_seen, last_seen) VALUES "
	    "(?, ?, ?, ?, 'new', 1, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto rollback;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, message, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, severity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto rollback;
	sqlite3_finalize(st);
	if (db_commit(e->db, &err) < 0)
		goto fail;
	return;
rollback:
	sqlite3_finalize(st);
	db_rollback(e->db);
fail:
	log_debug("cannot record the warning \"%s\": %s", type,
	    err.msg[0] ? err.msg : sqlite3_errmsg(e->db));
}

/* The condition of type is gone: its warning (if any) is resolved. */
static void
warning_gone(struct engine *e, const char *type)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(e->db, "UPDATE warnings SET status = 'resolved' "
	    "WHERE type = ? AND status != 'resolved'", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

#define WARNING_APPARMOR	"AppArmor support has been disabled"
#define WARNING_OVERLAY		"Overlay storage is not available"
#define WARNING_CRIU		"CRIU is not usable"
#define WARNING_UNPRIV		"Unprivileged containers are not available"

void
warning_check_host(struct engine *e)
{
	int64_t boot = warning_boot_ns();
	char *msg;

	if (warning_done_this_boot(e, "warnings-host.boot", boot,
	    e->unpriv_missing ? e->unpriv_missing : ""))
		return;
	/* idmap.c: user namespaces, then idmapped mounts (engine_open) */
	if (e->unpriv_missing != NULL) {
		msg = xasprintf("Privileged containers only: this host lacks %s "
		    "(%s); no idmapped layers, no overlay storage: new instances "
		    "use the dir driver, a full copy of their image each",
		    e->unpriv_missing, e->unpriv_reason);
		warning_seen(e, WARNING_UNPRIV, msg, "high");
		free(msg);
	} else
		warning_gone(e, WARNING_UNPRIV);
	/* instance-config.c confines containers with AppArmor where it can */
	if (!config_host_has_apparmor())
		warning_seen(e, WARNING_APPARMOR, "Disabled because of lack of "
		    "kernel support", "low");
	else if (access("/sbin/apparmor_parser", X_OK) != 0 &&
	    access("/usr/sbin/apparmor_parser", X_OK) != 0)
		warning_seen(e, WARNING_APPARMOR, "Disabled because apparmor_parser "
		    "is missing: containers run unconfined", "low");
	else
		warning_gone(e, WARNING_APPARMOR);
	if (!e->has_overlay && getenv("LXDECK_NO_OVERLAY") == NULL)
		warning_seen(e, WARNING_OVERLAY, e->has_idmapped_mounts ?
		    "The kernel has no overlayfs: new instances use the dir "
		    "driver, a full copy of their image each" :
		    "Unprivileged overlay needs idmapped mounts, which this host "
		    "lacks: new instances use the dir driver, a full copy of their "
		    "image each", "low");
	else if (e->has_overlay)
		warning_gone(e, WARNING_OVERLAY);
}

void
warning_criu(struct engine *e, bool works, const char *reason)
{
	if (warning_done_this_boot(e, "warnings-criu.boot", warning_boot_ns(), ""))
		return;
	if (works)
		warning_gone(e, WARNING_CRIU);
	else
		warning_seen(e, WARNING_CRIU, reason, "low");
}

int
warning_list(struct engine *e, struct warning **out, size_t *n, struct err *err)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(e->db, "SELECT uuid, type, message, severity, status, "
	    "count, first_seen, last_seen FROM warnings ORDER BY first_seen", -1,
	    &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct warning *w;

		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		w = &(*out)[(*n)++];
		w->uuid = xstrdup((const char *)sqlite3_column_text(st, 0));
		w->type = xstrdup((const char *)sqlite3_column_text(st, 1));
		w->message = xstrdup((const char *)sqlite3_column_text(st, 2));
		w->severity = xstrdup((const char *)sqlite3_column_text(st, 3));
		w->status = xstrdup((const char *)sqlite3_column_text(st, 4));
		w->count = sqlite3_column_int64(st, 5);
		w->first_seen_ns = sqlite3_column_int64(st, 6);
		w->last_seen_ns = sqlite3_column_int64(st, 7);
	}
	sqlite3_finalize(st);
	return 0;
}

/* Runs sql (one ? for the uuid, an optional first ? for text) on one row;
 * 404 when no row has that uuid. */
static int
warning_change(struct engine *e, const char *sql, const char *text,
    const char *uuid, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int i = 1, rc;

	if (sqlite3_prepare_v2(e->db, sql, -1, &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	if (text != NULL)
		sqlite3_bind_text(st, i++, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	if (sqlite3_changes(e->db) == 0)
		return err_set(err, 404, "Warning \"%s\" not found", uuid);
	return 0;
}

int
warning_set_status(struct engine *e, const char *uuid, const char *status,
    struct err *err)
{
	if (strcmp(status, "new") != 0 && strcmp(status, "acknowledged") != 0)
		return err_set(err, 400, "Invalid warning status \"%s\": "
		    "\"new\" or \"acknowledged\"", status);
	return warning_change(e, "UPDATE warnings SET status = ? WHERE uuid = ?",
	    status, uuid, err);
}

int
warning_delete(struct engine *e, const char *uuid, struct err *err)
{
	return warning_change(e, "DELETE FROM warnings WHERE uuid = ?", NULL, uuid,
	    err);
}
