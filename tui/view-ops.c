/*
 * view-ops.c - `o`: the backend's operations and the recent event feed.
 *
 * Operations come from op_list() (finished ones stay listed a few seconds,
 * as the backend keeps them); events are the last TUI_EVENTS_MAX app.c has
 * recorded from the subscription, newest first.  app.c refreshes this view
 * on every event while it is on top.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

struct view_ops_data {
	struct view_lines	 l;
};

static void
view_ops_build(struct view *v)
{
	struct view_ops_data *d = v->data;
	struct tui *t = v->tui;
	struct op_info *ops = NULL;
	struct err e = { 0 };
	size_t n = 0, i;

	view_lines_clear(&d->l);
	view_lines_add(&d->l, TE_HEADER, "Operations");
	if (t->b == NULL)
		view_lines_add(&d->l, TE_ERROR, "  %s", t->berr.msg);
	else if (t->b->ops->op_list(t->b, &ops, &n, &e) < 0)
		view_lines_add(&d->l, TE_ERROR, "  %s", e.msg);
	else {
		if (n == 0)
			view_lines_add(&d->l, TE_DIM, "  (none)");
		for (i = 0; i < n; i++) {
			const char *r = strmap_get(&ops[i].resources, "instances");

			view_lines_add(&d->l, ops[i].status == STATUS_FAILURE ? TE_ERROR :
			    ops[i].status < 200 ? TE_BUSY : TE_NORMAL,
			    "  %.8s  %-8s %-24s %s%s%s", ops[i].id,
			    status_code_name(ops[i].status),
			    ops[i].description ? ops[i].description : "", r ? r : "",
			    ops[i].err && *ops[i].err ? "  " : "",
			    ops[i].err ? ops[i].err : "");
		}
		op_info_array_free(ops, n);
	}
	view_lines_add(&d->l, TE_HEADER, "Events (newest first)");
	if (t->events.n == 0)
		view_lines_add(&d->l, TE_DIM, "  (none yet)");
	for (i = t->events.n; i-- > 0; )
		view_lines_add(&d->l, TE_NORMAL, "  %s", t->events.v[i]);
}

static void
view_ops_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_ops_data));
	view_ops_build(v);
}

static void
view_ops_refresh(struct view *v)
{
	view_ops_build(v);
	v->dirty = true;
}

static const char *
view_ops_title(struct view *v)
{
	return "Operations and events";
}

static const char *
view_ops_hint(struct view *v)
{
	return "Up/Down scroll\tq back";
}

const struct view_type view_ops_type = {
	.name = "ops",
	.init = view_ops_init,
	.free = view_lines_view_free,
	.draw = view_lines_view_draw,
	.key = view_lines_view_key,
	.update = view_ops_refresh,
	.title = view_ops_title,
	.hint = view_ops_hint,
};
