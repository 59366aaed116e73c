/*
 * view-launch.c - `n`: launch a new instance, starting with this picker.
 *
 * An image picker listing the remote's local images (alias, fingerprint
 * prefix, os, release, description; an image without an alias is picked by
 * fingerprint).  Enter on one hands it to launch.c, which asks for a name
 * and the profiles and creates the instance.  `s` picks from an image
 * server instead: it opens the images view (view-images.c) browsing that
 * server, whose Enter goes to launch.c with the server set.  The picker
 * (and the images view) close as soon as the request is sent, so the list
 * shows the progress.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

struct view_launch_data {
	struct view_lines	 l;
	char			 title[128];
};

static void
view_launch_build(struct view *v)
{
	struct view_launch_data *d = v->data;
	struct tui *t = v->tui;
	struct image *im = NULL;
	struct err e = { 0 };
	size_t n = 0, i, j;

	view_lines_clear(&d->l);
	if (t->b == NULL) {
		view_lines_add(&d->l, TE_ERROR, "%s", t->berr.msg);
		return;
	}
	if (t->b->ops->image_list(t->b, &im, &n, &e) < 0) {
		view_lines_add(&d->l, TE_ERROR, "Failed to list images on %s: %s",
		    t->remote, e.msg);
		return;
	}
	view_lines_add(&d->l, TE_HEADER, "%-16s %-12s %-10s %-10s %s", "ALIAS",
	    "FINGERPRINT", "OS", "RELEASE", "DESCRIPTION");
	for (i = 0; i < n; i++) {
		const struct strmap *p = &im[i].properties;
		struct strv a = { 0 };
		char *al;

		for (j = 0; j < im[i].naliases; j++)
			strv_push(&a, im[i].aliases[j].name);
		al = strv_join(&a, ",");
		view_lines_add(&d->l, TE_NORMAL, "%-16s %-12.12s %-10s %-10s %s",
		    *al ? al : "-", im[i].fingerprint,
		    strmap_get(p, "os") ? strmap_get(p, "os") : "",
		    strmap_get(p, "release") ? strmap_get(p, "release") : "",
		    strmap_get(p, "description") ? strmap_get(p, "description") : "");
		strv_push(&d->l.keys, a.n > 0 ? a.v[0] : im[i].fingerprint);
		free(al);
		strv_free(&a);
	}
	if (n == 0)
		view_lines_add(&d->l, TE_DIM, "  No images on %s: import one first "
		    "(scripts/build-image busybox, engctl image-import) or press s "
		    "to pick from an image server", t->remote);
	if (d->l.sel == 0)
		d->l.sel = 1;
	image_array_free(im, n);
}

static void
view_launch_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_launch_data));
	view_launch_build(v);
}

static bool
view_launch_key(struct view *v, int key)
{
	struct view_launch_data *d = v->data;
	struct tui *t = v->tui;

	if (key == '\n') {
		if (view_lines_selected_key(&d->l) != NULL)
			launch_start(t, view_lines_selected_key(&d->l), NULL, false);
		return true;
	}
	if (key == 's') {
		view_images_ask_server(t);
		return true;
	}
	return view_lines_table_key(v, key);
}

static void
view_launch_refresh(struct view *v)
{
	/* Images do not change with the instance cache: nothing to do. */
	(void)v;
}

static const char *
view_launch_title(struct view *v)
{
	struct view_launch_data *d = v->data;

	snprintf(d->title, sizeof d->title, "Launch: pick an image (%zu)",
	    d->l.keys.n);
	return d->title;
}

static const char *
view_launch_hint(struct view *v)
{
	return "Enter pick\ts from an image server\tUp/Down move\tq back";
}

/* Opens the picker (refused in read-only mode). */
void
view_launch_open(struct tui *t)
{
	if (t->read_only) {
		status_set(t, STATUS_ERR, "Read-only mode: launch is disabled "
		    "(lxdeck was started with --read-only)");
		return;
	}
	view_push(t, &view_launch_type, NULL);
}

const struct view_type view_launch_type = {
	.name = "launch",
	.init = view_launch_init,
	.free = view_lines_view_free,
	.draw = view_lines_view_draw,
	.key = view_launch_key,
	.update = view_launch_refresh,
	.title = view_launch_title,
	.hint = view_launch_hint,
	.picks_image = true,
};
