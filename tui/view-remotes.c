/*
 * view-remotes.c - `R`: the remotes lxdeck knows.  Only `local:` for now (the
 * embedded engine, or the fake backend with --fake); when its backend could
 * not be created, the error says why.  Enter reconnects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

struct view_remotes_data {
	struct view_lines	 l;
	char			 title[128];
};

static void
view_remotes_build(struct view *v)
{
	struct view_remotes_data *d = v->data;
	struct tui *t = v->tui;
	struct err e = { 0 };

	view_lines_clear(&d->l);
	err_clear(&e);

	view_lines_add(&d->l, TE_HEADER, "%-12s %-28s %s", "NAME", "BACKEND", "STATUS");
	if (t->b != NULL && strcmp(t->remote, "local") == 0)
		view_lines_add(&d->l, TE_NORMAL, "%-12s %-28s connected%s, %zu instances",
		    "local:", t->fake ? "fake (in-memory, for tests)" :
		    "embedded engine", t->read_only ? " read-only" : "", t->ninsts);
	else if (strcmp(t->remote, "local") == 0)
		view_lines_add(&d->l, TE_ERROR, "%-12s %-28s error: %s", "local:",
		    t->fake ? "fake (in-memory, for tests)" : "embedded engine",
		    t->berr.msg);
	else {
		view_lines_add(&d->l, TE_NORMAL, "%-12s %-28s %s", "local:",
		    t->fake ? "fake (in-memory, for tests)" : "embedded engine",
		    "not connected");
		view_lines_add(&d->l, TE_ERROR, "%-12s %-28s error: %s", t->remote,
		    "-", t->berr.msg);
	}
	if (d->l.sel == 0)
		d->l.sel = 1;
}

static void
view_remotes_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_remotes_data));
	view_remotes_build(v);
}

static void
view_remotes_free(struct view *v)
{
	struct view_remotes_data *d = v->data;

	view_lines_free(&d->l);
	free(d);
}

static void
view_remotes_draw(struct view *v, int top, int rows)
{
	struct view_remotes_data *d = v->data;

	view_lines_draw(v, &d->l, top, rows, true);
}

static void
view_remotes_refresh(struct view *v)
{
	view_remotes_build(v);
	v->dirty = true;
}

static const char *
view_remotes_hint(struct view *v)
{
	return "Enter connect\tq back";
}

static bool
view_remotes_key(struct view *v, int key)
{
	struct view_remotes_data *d = v->data;
	struct tui *t = v->tui;
	bool r;

	if (key == '\n') {
		while (t->depth > 1)
			view_pop(t);	/* frees v */
		app_connect(t, "local");
		return true;
	}
	r = view_lines_key(v, &d->l, key, view_body_rows(t));
	if (d->l.sel == 0 && d->l.lines.n > 1)
		d->l.sel = 1;
	return r;
}

static const char *
view_remotes_title(struct view *v)
{
	return "Remotes";
}

const struct view_type view_remotes_type = {
	.name = "remotes",
	.init = view_remotes_init,
	.free = view_remotes_free,
	.draw = view_remotes_draw,
	.key = view_remotes_key,
	.update = view_remotes_refresh,
	.title = view_remotes_title,
	.hint = view_remotes_hint,
};
