/*
 * view-snapshots.c - `t`: the snapshots of one instance, oldest first, as a simple
 * list for now (the timeline view comes later).  `c` takes a new snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

struct view_snapshots_data {
	struct view_lines	 l;
	char			 title[128];
};

static void
view_snapshots_build(struct view *v)
{
	struct view_snapshots_data *d = v->data;
	struct tui *t = v->tui;
	struct err e = { 0 };

	view_lines_clear(&d->l);
	err_clear(&e);

	struct snapshot *s = NULL;
	size_t n = 0, i;
	char when[64], exp[64], sz[32];

	if (t->b == NULL) {
		view_lines_add(&d->l, TE_ERROR, "%s", t->berr.msg);
		return;
	}
	if (t->b->ops->snapshot_list(t->b, v->arg, &s, &n, &e) < 0) {
		view_lines_add(&d->l, TE_ERROR, "Instance \"%s\": %s", v->arg, e.msg);
		return;
	}
	view_lines_add(&d->l, TE_HEADER, "%-20s %-20s %-9s %-20s %s", "NAME",
	    "CREATED", "STATEFUL", "EXPIRES", "SIZE");
	for (i = 0; i < n; i++)
		view_lines_add(&d->l, TE_NORMAL, "%-20s %-20s %-9s %-20s %s",
		    s[i].name, view_fmt_time(s[i].created_ns, when, sizeof when),
		    s[i].stateful ? "yes" : "no",
		    s[i].expires_ns ? view_fmt_time(s[i].expires_ns, exp, sizeof exp) :
		    "never", view_fmt_bytes(s[i].size, sz, sizeof sz));
	if (n == 0)
		view_lines_add(&d->l, TE_DIM, "(no snapshots)");
	if (d->l.sel == 0)
		d->l.sel = 1;
	snapshot_array_free(s, n);
}

static void
view_snapshots_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_snapshots_data));
	view_snapshots_build(v);
}

static void
view_snapshots_free(struct view *v)
{
	struct view_snapshots_data *d = v->data;

	view_lines_free(&d->l);
	free(d);
}

static void
view_snapshots_draw(struct view *v, int top, int rows)
{
	struct view_snapshots_data *d = v->data;

	view_lines_draw(v, &d->l, top, rows, true);
}

static void
view_snapshots_refresh(struct view *v)
{
	view_snapshots_build(v);
	v->dirty = true;
}

static const char *
view_snapshots_hint(struct view *v)
{
	return "c snapshot\tq back";
}

static bool
view_snapshots_key(struct view *v, int key)
{
	struct view_snapshots_data *d = v->data;
	struct strv one = { 0 };
	bool r;

	if (key == 'c') {
		strv_push(&one, v->arg);
		action_run(v->tui, "snapshot", &one);
		strv_free(&one);
		return true;
	}
	r = view_lines_key(v, &d->l, key, view_body_rows(v->tui));
	if (d->l.sel == 0 && d->l.lines.n > 1)
		d->l.sel = 1;
	return r;
}

static const char *
view_snapshots_title(struct view *v)
{
	struct view_snapshots_data *d = v->data;

	snprintf(d->title, sizeof d->title, "Snapshots of %s", v->arg);
	return d->title;
}

const struct view_type view_snapshots_type = {
	.name = "snapshots",
	.init = view_snapshots_init,
	.free = view_snapshots_free,
	.draw = view_snapshots_draw,
	.key = view_snapshots_key,
	.update = view_snapshots_refresh,
	.title = view_snapshots_title,
	.hint = view_snapshots_hint,
};
