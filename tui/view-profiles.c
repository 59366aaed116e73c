/*
 * view-profiles.c - `P`: the profiles of the remote, in a simple list for now
 * (name, description, config and devices counts, users).  Refreshed with the
 * instance cache, so used_by follows launches and deletes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

struct view_profiles_data {
	struct view_lines	 l;
	char			 title[128];
};

static void
view_profiles_build(struct view *v)
{
	struct view_profiles_data *d = v->data;
	struct tui *t = v->tui;
	struct err e = { 0 };

	view_lines_clear(&d->l);
	err_clear(&e);

	struct profile *p = NULL;
	size_t n = 0, i;
	char *cfg;

	if (t->b == NULL) {
		view_lines_add(&d->l, TE_ERROR, "%s", t->berr.msg);
		return;
	}
	if (t->b->ops->profile_list(t->b, &p, &n, &e) < 0) {
		view_lines_add(&d->l, TE_ERROR, "%s", e.msg);
		return;
	}
	view_lines_add(&d->l, TE_HEADER, "%-16s %-40s %-7s %-7s %s", "NAME",
	    "DESCRIPTION", "CONFIG", "DEVICES", "USED BY");
	for (i = 0; i < n; i++) {
		cfg = strv_join(&p[i].used_by, ",");
		view_lines_add(&d->l, TE_NORMAL, "%-16s %-40.40s %-7zu %-7zu %zu",
		    p[i].name, p[i].description ? p[i].description : "",
		    p[i].config.n, p[i].devices.n, p[i].used_by.n);
		free(cfg);
	}
	if (d->l.sel == 0)
		d->l.sel = 1;
	profile_array_free(p, n);
}

static void
view_profiles_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_profiles_data));
	view_profiles_build(v);
}

static void
view_profiles_free(struct view *v)
{
	struct view_profiles_data *d = v->data;

	view_lines_free(&d->l);
	free(d);
}

static void
view_profiles_draw(struct view *v, int top, int rows)
{
	struct view_profiles_data *d = v->data;

	view_lines_draw(v, &d->l, top, rows, true);
}

static void
view_profiles_refresh(struct view *v)
{
	view_profiles_build(v);
	v->dirty = true;
}

static const char *
view_profiles_hint(struct view *v)
{
	return "Up/Down move\tq back";
}

static bool
view_profiles_key(struct view *v, int key)
{
	struct view_profiles_data *d = v->data;
	bool r = view_lines_key(v, &d->l, key, view_body_rows(v->tui));

	if (d->l.sel == 0 && d->l.lines.n > 1)
		d->l.sel = 1;	/* the header is not a row */
	return r;
}

static const char *
view_profiles_title(struct view *v)
{
	struct view_profiles_data *d = v->data;

	snprintf(d->title, sizeof d->title, "Profiles (%zu)",
	    d->l.lines.n ? d->l.lines.n - 1 : 0);
	return d->title;
}

const struct view_type view_profiles_type = {
	.name = "profiles",
	.init = view_profiles_init,
	.free = view_profiles_free,
	.draw = view_profiles_draw,
	.key = view_profiles_key,
	.update = view_profiles_refresh,
	.title = view_profiles_title,
	.hint = view_profiles_hint,
};
