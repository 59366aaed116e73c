/*
 * event.c - the engine's event fan-out.
 *
 * Lifecycle events ("instance-started"), operation updates and log lines go
 * to every subscriber of this process: the TUI's views, lxdeckd's
 * /1.0/events websockets.  Subscribers are called synchronously on the
 * loop's thread and must not block; a subscriber may unsubscribe itself (or
 * another) from inside its callback, so removal only marks the entry and
 * the list is swept after delivery.  A helper process (is_worker) never
 * emits: the parent reports what its helpers did.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine.h"

struct event_sub {
	struct event_sub	*next;
	int			 id;
	bool			 dead;
	event_cb		 cb;
	void			*arg;
};

static int event_depth;

int
event_subscribe(struct engine *e, event_cb cb, void *arg)
{
	struct event_sub *s = xcalloc(1, sizeof *s), **tail;

	s->id = ++e->next_sub_id;
	s->cb = cb;
	s->arg = arg;
	for (tail = &e->subs; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = s;
	return s->id;
}

static void
event_sweep(struct engine *e)
{
	struct event_sub **pp = &e->subs, *s;

	while ((s = *pp) != NULL) {
		if (s->dead) {
			*pp = s->next;
			free(s);
		} else {
			pp = &s->next;
		}
	}
}

void
event_unsubscribe(struct engine *e, int id)
{
	struct event_sub *s;

	for (s = e->subs; s != NULL; s = s->next)
		if (s->id == id)
			s->dead = true;
	if (event_depth == 0)
		event_sweep(e);
}

void
event_emit(struct engine *e, const struct event *ev)
{
	struct event_sub *s;

	if (e->is_worker)
		return;
	event_depth++;
	for (s = e->subs; s != NULL; s = s->next)
		if (!s->dead)
			s->cb(ev, s->arg);
	event_depth--;
	if (event_depth == 0)
		event_sweep(e);
}

void
event_lifecycle(struct engine *e, const char *action, const char *source,
    const struct strmap *context)
{
	struct strmap empty = { 0 };
	struct event ev = {
		.type = EVENT_LIFECYCLE,
		.timestamp_ns = time_now_ns(),
		.project = "default",
		.location = "none",
		.action = action,
		.source = source,
		.context = context ? context : &empty,
	};

	log_debug("event %s %s", action, source);
	event_emit(e, &ev);
	event_record(e, action, source, context);
}

/* Context travels as "key=value" lines (values have no newlines). */
void
event_record(struct engine *e, const char *action, const char *source,
    const struct strmap *context)
{
	sqlite3_stmt *st = NULL;
	char *ctx = xstrdup(""), *tmp;
	size_t i;

	if (e->db == NULL || e->is_worker)
		return;
	for (i = 0; context != NULL && i < context->n; i++) {
		tmp = xasprintf("%s%s=%s\n", ctx, context->keys[i], context->vals[i]);
		free(ctx);
		ctx = tmp;
	}
	if (sqlite3_prepare_v2(e->db, "INSERT INTO events (pid, ts, action, source, "
	    "context) VALUES (?, ?, ?, ?, ?)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int(st, 1, (int)getpid());
		sqlite3_bind_int64(st, 2, time_now_ns());
		sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, ctx, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	free(ctx);
}

void
event_log(struct engine *e, const char *level, const char *fmt, ...)
{
	struct event ev = {
		.type = EVENT_LOGGING,
		.project = "default",
		.location = "none",
		.level = level,
	};
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	ev.timestamp_ns = time_now_ns();
	ev.message = msg;
	event_emit(e, &ev);
	free(msg);
}

void
event_free_all(struct engine *e)
{
	struct event_sub *s, *next;

	for (s = e->subs; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	e->subs = NULL;
}
