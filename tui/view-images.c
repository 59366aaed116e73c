/*
 * view-images.c - `i`: the images of the remote, in a simple list for now
 * (aliases, short fingerprint, description, architecture, size, upload
 * date).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

struct view_images_data {
	struct view_lines	 l;
	char			 title[128];
};

static void
view_images_build(struct view *v)
{
	struct view_images_data *d = v->data;
	struct tui *t = v->tui;
	struct err e = { 0 };

	view_lines_clear(&d->l);
	err_clear(&e);

	struct image *im = NULL;
	size_t n = 0, i, j;
	char sz[32], when[64], *al;

	if (t->b == NULL) {
		view_lines_add(&d->l, TE_ERROR, "%s", t->berr.msg);
		return;
	}
	if (t->b->ops->image_list(t->b, &im, &n, &e) < 0) {
		view_lines_add(&d->l, TE_ERROR, "%s", e.msg);
		return;
	}
	view_lines_add(&d->l, TE_HEADER, "%-16s %-12s %-28s %-8s %-9s %s", "ALIAS",
	    "FINGERPRINT", "DESCRIPTION", "ARCH", "SIZE", "UPLOADED");
	for (i = 0; i < n; i++) {
		struct strv a = { 0 };
		const char *desc = strmap_get(&im[i].properties, "description");

		for (j = 0; j < im[i].naliases; j++)
			strv_push(&a, im[i].aliases[j].name);
		al = strv_join(&a, ",");
		view_lines_add(&d->l, TE_NORMAL, "%-16s %-12.12s %-28.28s %-8s %-9s %s",
		    *al ? al : "-", im[i].fingerprint, desc ? desc : "",
		    im[i].architecture ? im[i].architecture : "",
		    view_fmt_bytes(im[i].size, sz, sizeof sz),
		    view_fmt_time(im[i].uploaded_ns, when, sizeof when));
		free(al);
		strv_free(&a);
	}
	if (d->l.sel == 0)
		d->l.sel = 1;
	image_array_free(im, n);
}

static void
view_images_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_images_data));
	view_images_build(v);
}

static void
view_images_free(struct view *v)
{
	struct view_images_data *d = v->data;

	view_lines_free(&d->l);
	free(d);
}

static void
view_images_draw(struct view *v, int top, int rows)
{
	struct view_images_data *d = v->data;

	view_lines_draw(v, &d->l, top, rows, true);
}

static void
view_images_refresh(struct view *v)
{
	view_images_build(v);
	v->dirty = true;
}

static const char *
view_images_hint(struct view *v)
{
	return "Up/Down move\tq back";
}

static bool
view_images_key(struct view *v, int key)
{
	struct view_images_data *d = v->data;
	bool r = view_lines_key(v, &d->l, key, view_body_rows(v->tui));

	if (d->l.sel == 0 && d->l.lines.n > 1)
		d->l.sel = 1;
	return r;
}

static const char *
view_images_title(struct view *v)
{
	struct view_images_data *d = v->data;

	snprintf(d->title, sizeof d->title, "Images (%zu)",
	    d->l.lines.n ? d->l.lines.n - 1 : 0);
	return d->title;
}

const struct view_type view_images_type = {
	.name = "images",
	.init = view_images_init,
	.free = view_images_free,
	.draw = view_images_draw,
	.key = view_images_key,
	.update = view_images_refresh,
	.title = view_images_title,
	.hint = view_images_hint,
};
