/*
 * status.c - the status line (second row from the bottom).
 *
 * It shows, in order of precedence: the last message (info for ~5 s, errors
 * for ~10 s, an error is the backend's own message naming the object), the
 * operations this session started that are still running with their state,
 * or why there is no backend.  A one-shot timer expires a message so the
 * line clears without a key press.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

static uint64_t
status_now_ms(struct tui *t)
{
	uv_update_time(t->loop);
	return uv_now(t->loop);
}

static void
status_timer_cb(uv_timer_t *h)
{
	struct tui *t = h->data;

	t->chrome_dirty = true;
}

void
status_set(struct tui *t, enum status_level lvl, const char *fmt, ...)
{
	va_list ap;
	uint64_t ttl = lvl == STATUS_ERR ? 10000 : 5000;

	free(t->status_msg);
	va_start(ap, fmt);
	t->status_msg = xvasprintf(fmt, ap);
	va_end(ap);
	t->status_level = lvl;
	t->status_until_ms = status_now_ms(t) + ttl;
	uv_timer_start(&t->status_timer, status_timer_cb, ttl + 10, 0);
	t->chrome_dirty = true;
}

/* Whether the line shows a message of that level now. */
static bool
status_showing(struct tui *t, enum status_level lvl)
{
	return t->status_msg != NULL && t->status_level == lvl &&
	    status_now_ms(t) < t->status_until_ms;
}

void
status_clear_info(struct tui *t)
{
	if (!status_showing(t, STATUS_ERR)) {
		free(t->status_msg);
		t->status_msg = NULL;
	}
	t->chrome_dirty = true;
}

void
status_draw(struct tui *t, int y)
{
	char buf[512];
	struct tui_op *o;
	int n = 0;

	if (t->status_msg != NULL && status_now_ms(t) < t->status_until_ms) {
		screen_put(t, y, 0, COLS, t->status_level == STATUS_ERR ? TE_ERROR :
		    TE_STATUS, t->status_msg);
		return;
	}
	for (o = t->ops; o != NULL; o = o->next)
		n++;
	if (n > 0) {
		snprintf(buf, sizeof buf, "%s %s (%s%s%s)%s", t->utf8 ? "\u27f3" : "*",
		    t->ops->what, status_code_name(t->ops->status),
		    t->ops->progress ? ": " : "",
		    t->ops->progress ? t->ops->progress : "", n > 1 ? " ..." : "");
		if (n > 1) {
			size_t l = strlen(buf);

			snprintf(buf + l, sizeof buf - l, " %d running", n);
		}
		screen_put(t, y, 0, COLS, TE_BUSY, buf);
		return;
	}
	if (t->b == NULL && err_is_set(&t->berr)) {
		snprintf(buf, sizeof buf, "%s: %s", t->remote, t->berr.msg);
		screen_put(t, y, 0, COLS, TE_ERROR, buf);
		return;
	}
	screen_fill(t, y, TE_STATUS);
}
