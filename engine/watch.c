/*
 * watch.c - noticing what happens outside this process.
 *
 * Several processes may use one LXDECK_DIR (lxdeckd and a TUI, or engctl in
 * a test), and containers change state by themselves (poweroff inside, a
 * crash).  Two cheap watchers keep every process's event stream complete,
 * without polling containers:
 *
 * - The database is the shared event log: each process records its
 *   lifecycle events in table `events`; a timer asks sqlite for
 *   PRAGMA data_version (which changes only when another connection
 *   committed) and, when it moved, reads the new rows of other processes
 *   and emits them here.  Rows older than a minute are pruned.
 * - Each running container's init is watched with a pidfd on the loop.
 *   When it exits while the database still says the container should be
 *   running (volatile.last_state.power = RUNNING), nobody asked for the
 *   stop: the engine reports instance-stopped, unmounts its storage and
 *   deletes it if it is ephemeral.
 *
 * The same timer runs the engine's chores about once a minute (and once at
 * its first turn): the caller of watch_start() names them, so that this
 * file calls nothing above it (engine_open passes snapshot expiry and the
 * image cache's expiry and auto-updates).  All handles are unref'd: they
 * never keep a loop alive on their own.
 */
#include <errno.h>
#include <lxc/lxccontainer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine.h"

#define WATCH_MS_DEFAULT	500

struct watch {
	struct watch	*next;
	struct engine	*engine;
	char		*name;
	pid_t		 pid;
	int		 pidfd;
	uv_poll_t	*poll;
};

static void
watch_closed(uv_handle_t *h)
{
	free(h);
}

static void
watch_remove(struct engine *e, struct watch *w)
{
	struct watch **pp;

	for (pp = &e->watches; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	if (w->poll != NULL) {
		uv_poll_stop(w->poll);
		uv_close((uv_handle_t *)w->poll, watch_closed);
	}
	if (w->pidfd >= 0)
		close(w->pidfd);
	free(w->name);
	free(w);
}

static char *
watch_power_state(struct engine *e, const char *name)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(e->db, "SELECT c.value FROM instance_config c JOIN "
	    "instances i ON i.id = c.instance_id WHERE i.name = ? AND "
	    "c.key = 'volatile.last_state.power'", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* The instance should run (power RUNNING) but does not: report, clean up. */
static void
watch_stopped_by_itself(struct engine *e, const char *name)
{
	struct instance in = { 0 };
	char *src;

	log_info("instance %s stopped by itself", name);
	storage_umount(e, name);
	{
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(e->db, "UPDATE instance_config SET value = "
		    "'STOPPED' WHERE key = 'volatile.last_state.power' AND instance_id = "
		    "(SELECT id FROM instances WHERE name = ?)", -1, &st, NULL) ==
		    SQLITE_OK) {
			sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	src = xasprintf("/1.0/instances/%s", name);
	event_lifecycle(e, "instance-stopped", src, NULL);
	if (instance_load(e, name, 0, &in, NULL) == 0 && in.ephemeral) {
		network_release_instance(&in);
		if (storage_delete(e, name, NULL) == 0) {
			sqlite3_stmt *st = NULL;

			if (sqlite3_prepare_v2(e->db, "DELETE FROM instances WHERE name = ?",
			    -1, &st, NULL) == SQLITE_OK) {
				sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
				sqlite3_step(st);
				sqlite3_finalize(st);
			}
			event_lifecycle(e, "instance-deleted", src, NULL);
		}
	}
	instance_free_contents(&in);
	free(src);
}

static bool
watch_should_run(struct engine *e, const char *name)
{
	char *power = watch_power_state(e, name);
	bool yes = power != NULL && strcmp(power, "RUNNING") == 0;

	free(power);
	return yes;
}

static void
watch_init_exited(uv_poll_t *h, int status, int events)
{
	struct watch *w = h->data;
	struct engine *e = w->engine;

	/* Stopped on request, restarted, or gone: not ours to report. */
	if (watch_should_run(e, w->name) && !instance_is_running(e, w->name))
		watch_stopped_by_itself(e, w->name);
	watch_remove(e, w);
}

void
watch_instance(struct engine *e, const char *name)
{
	struct lxc_container *c;
	struct watch *w;
	pid_t pid;
	int fd;

	if (e->loop == NULL || e->is_worker)
		return;
	c = lxc_container_new(name, e->lxcpath);
	if (c == NULL)
		return;
	pid = c->is_running(c) ? c->init_pid(c) : -1;
	lxc_container_put(c);
	if (pid <= 0)
		return;
	for (w = e->watches; w != NULL; w = w->next)
		if (w->pid == pid)
			return;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return;
	w = xcalloc(1, sizeof *w);
	w->engine = e;
	w->name = xstrdup(name);
	w->pid = pid;
	w->pidfd = fd;
	w->poll = xmalloc(sizeof *w->poll);
	uv_poll_init(e->loop, w->poll, fd);
	w->poll->data = w;
	uv_poll_start(w->poll, UV_READABLE, watch_init_exited);
	uv_unref((uv_handle_t *)w->poll);
	w->next = e->watches;
	e->watches = w;
}

/* Emits the lifecycle events other processes recorded since last time. */
static void
watch_read_events(struct engine *e)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(e->db, "SELECT id, action, source, context FROM events "
	    "WHERE id > ? AND pid != ? ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, e->last_event_id);
	sqlite3_bind_int(st, 2, (int)getpid());
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct strmap ctx = { 0 };
		struct strv lines = { 0 };
		struct event ev = {
			.type = EVENT_LIFECYCLE,
			.project = "default",
			.location = "none",
		};
		size_t i;

		e->last_event_id = sqlite3_column_int64(st, 0);
		strv_split(&lines, (const char *)sqlite3_column_text(st, 3), '\n');
		for (i = 0; i < lines.n; i++) {
			char *eq = strchr(lines.v[i], '=');

			if (eq != NULL) {
				*eq = '\0';
				strmap_set(&ctx, lines.v[i], eq + 1);
			}
		}
		ev.timestamp_ns = time_now_ns();
		ev.action = (const char *)sqlite3_column_text(st, 1);
		ev.source = (const char *)sqlite3_column_text(st, 2);
		ev.context = &ctx;
		event_emit(e, &ev);
		/* A container another process started is ours to watch too. */
		if (strcmp(ev.action, "instance-started") == 0 ||
		    strcmp(ev.action, "instance-restarted") == 0 ||
		    strcmp(ev.action, "instance-restored") == 0) {
			const char *name = strrchr(ev.source, '/');

			if (name != NULL)
				watch_instance(e, name + 1);
		}
		strmap_free(&ctx);
		strv_free(&lines);
	}
	sqlite3_finalize(st);
}

static int
watch_data_version(struct engine *e)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(e->db, "PRAGMA data_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
watch_tick(uv_timer_t *t)
{
	struct engine *e = t->data;
	static int ticks;
	int v;

	if (e->db == NULL)
		return;
	v = watch_data_version(e);
	if (v != e->data_version) {
		e->data_version = v;
		watch_read_events(e);
	}
	if (++ticks % 120 == 0) {	/* about a minute */
		char *sql = xasprintf("DELETE FROM events WHERE ts < %lld",
		    (long long)(time_now_ns() - 60LL * 1000000000));

		db_exec(e->db, sql, NULL);
		free(sql);
		if (e->watch_chores != NULL)
			e->watch_chores(e, false);
	}
}

/*
 * The first turn of the loop: watch what runs, report what stopped while
 * nobody watched, expire snapshots.  Deferred so that a short-lived caller
 * (a CLI that opens the engine for one command) never pays for it.
 */
static void
watch_first_turn(uv_timer_t *t)
{
	struct engine *e = t->data;
	struct instance *list = NULL;
	size_t i, n = 0;

	if (e->db == NULL)
		return;
	if (instance_load_all(e, 0, &list, &n, NULL) == 0) {
		for (i = 0; i < n; i++) {
			if (list[i].status == STATUS_RUNNING ||
			    list[i].status == STATUS_FROZEN)
				watch_instance(e, list[i].name);
			else if (list[i].status == STATUS_STOPPED &&
			    watch_should_run(e, list[i].name))
				watch_stopped_by_itself(e, list[i].name);
		}
		instance_array_free(list, n);
	}
	if (e->watch_chores != NULL)
		e->watch_chores(e, true);
	uv_timer_start(t, watch_tick, e->watch_ms, e->watch_ms);
}

void
watch_start(struct engine *e, watch_chores_fn chores)
{
	sqlite3_stmt *st = NULL;
	const char *env = getenv("LXDECK_WATCH_MS");
	int ms = env ? atoi(env) : WATCH_MS_DEFAULT;

	if (e->loop == NULL)
		return;
	e->watch_chores = chores;
	if (sqlite3_prepare_v2(e->db, "SELECT coalesce(max(id), 0) FROM events", -1,
	    &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		e->last_event_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	e->data_version = watch_data_version(e);
	e->watch_timer = xmalloc(sizeof *e->watch_timer);
	uv_timer_init(e->loop, e->watch_timer);
	e->watch_timer->data = e;
	e->watch_ms = ms > 0 ? ms : WATCH_MS_DEFAULT;
	uv_timer_start(e->watch_timer, watch_first_turn, 0, 0);
	uv_unref((uv_handle_t *)e->watch_timer);
}

void
watch_stop(struct engine *e)
{
	if (e->watch_timer != NULL) {
		uv_timer_stop(e->watch_timer);
		uv_close((uv_handle_t *)e->watch_timer, watch_closed);
		e->watch_timer = NULL;
	}
	while (e->watches != NULL)
		watch_remove(e, e->watches);
}
