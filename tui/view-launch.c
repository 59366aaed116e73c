/*
 * view-launch.c - `n`: launch a new instance, in three steps.
 *
 * First this view, an image picker listing the remote's local images (alias,
 * fingerprint prefix, os, release, description; an image without an alias
 * is picked by fingerprint).  Enter on one asks for a name (empty: the
 * backend generates one), then for the profiles (comma separated, `default`
 * offered, Tab completes the remote's profile names).  Then it creates the
 * instance; app.c follows the create operation through events, shows its
 * progress in the status line and, when it succeeds, starts the instance
 * (the name comes from the operation's resources when it was generated).
 * The picker closes as soon as the request is sent, so the list shows the
 * progress.  `s` picks from an image server instead: it opens the images
 * view (view-images.c) browsing that server, whose Enter comes back here
 * through view_launch_start() with the server set; the engine (or the
 * remote lxdeckd) then downloads and caches the image, trusting the
 * server's pinned certificate.  A private image of a server that trusts
 * us is pulled by fingerprint with a download secret, asked of the server
 * just before the instance is created (the secret dies soon after its
 * first use).  The prompts own a struct view_launch_req; nothing is kept
 * pointing at the view once it is gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"
#include "../remote/client/client.h"

struct view_launch_data {
	struct view_lines	 l;
	struct strv		 refs;		/* per row after the header */
	char			 title[128];
};

/* What the prompts carry from one step to the next. */
struct view_launch_req {
	char	*image;
	char	*name;
	bool	 from_server;	/* srv is set; else the remote's own images */
	struct image_server srv;
	bool	 secret;	/* image is a private fingerprint on srv */
	char	*server_name;	/* "images:" or "URL ", for messages */
};

static void
view_launch_req_free(void *p)
{
	struct view_launch_req *r = p;

	if (r == NULL)
		return;
	free(r->image);
	free(r->name);
	backends_image_server_free(&r->srv);
	free(r->server_name);
	free(r);
}

static void
view_launch_build(struct view *v)
{
	struct view_launch_data *d = v->data;
	struct tui *t = v->tui;
	struct image *im = NULL;
	struct err e = { 0 };
	size_t n = 0, i, j;

	view_lines_clear(&d->l);
	strv_free(&d->refs);
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
		strv_push(&d->refs, a.n > 0 ? a.v[0] : im[i].fingerprint);
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

static void
view_launch_free(struct view *v)
{
	struct view_launch_data *d = v->data;

	view_lines_free(&d->l);
	strv_free(&d->refs);
	free(d);
}

static void
view_launch_draw(struct view *v, int top, int rows)
{
	struct view_launch_data *d = v->data;

	view_lines_draw(v, &d->l, top, rows, true);
}

static void
view_launch_complete_profile(struct tui *t, const char *input, struct strv *out)
{
	struct profile *p = NULL;
	struct err e = { 0 };
	const char *last = strrchr(input, ',');
	size_t n = 0, i, pre = last ? (size_t)(last - input) + 1 : 0;

	if (t->b == NULL || t->b->ops->profile_list(t->b, &p, &n, &e) < 0)
		return;
	for (i = 0; i < n; i++)
		if (strncmp(p[i].name, input + pre, strlen(input + pre)) == 0) {
			char *full = xasprintf("%.*s%s", (int)pre, input, p[i].name);

			strv_push(out, full);
			free(full);
		}
	profile_array_free(p, n);
}

static void
view_launch_profiles_done(struct tui *t, const char *answer, void *arg)
{
	struct view_launch_req *r = arg;
	struct instance_create c = { 0 };
	struct err e = { 0 };
	char *op = NULL, *what, *secret = NULL;
	int rc;

	if (answer == NULL) {
		status_set(t, STATUS_INFO, "Cancelled: nothing was launched");
		return;
	}
	if (t->b == NULL) {
		status_set(t, STATUS_ERR, "%s: %s", t->remote, t->berr.msg);
		return;
	}
	/* A unix:// image server is a socket on this machine: a remote host
	 * pulling would look for it on its own. */
	if (r->from_server && r->srv.url != NULL &&
	    strncmp(r->srv.url, "unix://", 7) == 0 &&
	    strcmp(t->b->ops->name, "remote") == 0) {
		status_set(t, STATUS_ERR, "Failed to launch from %s on %s: that "
		    "image server is a socket on this machine, not on %s (browse it "
		    "as an https:// remote instead)", r->srv.url, t->remote,
		    t->remote);
		return;
	}
	if (r->secret && backends_image_server_secret(&r->srv, r->image, &secret,
	    &e) < 0) {
		status_set(t, STATUS_ERR, "Failed to launch from %s%.12s: %s",
		    r->server_name, r->image, e.msg);
		return;
	}
	c.name = r->name;
	c.source = SOURCE_IMAGE;
	c.image = r->image;
	if (r->from_server) {
		c.image_server = r->srv.url;
		c.image_protocol = r->srv.protocol;
		c.image_certificate = r->srv.certificate;
		c.image_secret = secret;
	}
	c.has_profiles = true;
	strv_split(&c.profiles, answer, ',');
	rc = t->b->ops->instance_create(t->b, &c, &op, &e);
	strv_free(&c.profiles);
	free(secret);
	if (rc < 0) {
		status_set(t, STATUS_ERR, "Failed to launch %s%s%sfrom \"%s\": %s",
		    *r->name ? "\"" : "", r->name, *r->name ? "\" " : "", r->image,
		    e.msg);
		return;
	}
	what = xasprintf("Launching %s%s%sfrom %s%s", *r->name ? "\"" : "",
	    r->name, *r->name ? "\" " : "", r->server_name ? r->server_name : "",
	    r->image);
	app_track_op(t, op, what, r->name);	/* "": the op names it */
	free(what);
	/* Back to the list, where the new instance and the progress show. */
	while (view_top(t) != NULL && (view_top(t)->type == &view_launch_type ||
	    view_top(t)->type == &view_images_type))
		view_pop(t);
}

static void
view_launch_name_done(struct tui *t, const char *answer, void *arg)
{
	struct view_launch_req *r = arg, *next;
	char *label;

	if (answer == NULL) {
		status_set(t, STATUS_INFO, "Cancelled: nothing was launched");
		return;
	}
	next = xcalloc(1, sizeof *next);
	next->image = xstrdup(r->image);
	next->name = xstrdup(answer);
	next->from_server = r->from_server;
	if (r->from_server)
		backends_image_server_copy(&next->srv, &r->srv);
	next->secret = r->secret;
	next->server_name = xstrdup(r->server_name);
	label = xasprintf("Profiles for %s (comma separated): ",
	    *answer ? answer : "the new instance");
	prompt_input(t, label, "default", NULL, view_launch_complete_profile,
	    view_launch_profiles_done, next, view_launch_req_free);
	free(label);
}

void
view_launch_start(struct tui *t, const char *image, const struct image_server *srv,
    bool secret)
{
	struct view_launch_req *r = xcalloc(1, sizeof *r);
	char *label;

	r->image = xstrdup(image);
	if (srv != NULL) {
		/* "images:debian/12", or "https://host debian/12" for a URL. */
		const char *sn = srv->name ? srv->name : srv->url;
		size_t l = strlen(sn);

		r->from_server = true;
		backends_image_server_copy(&r->srv, srv);
		r->secret = secret;

		r->server_name = l > 0 && sn[l - 1] == ':' ? xstrdup(sn) :
		    xasprintf("%s ", sn);
	}
	label = xasprintf("Launch %s%s on %s: as (empty: generated name): ",
	    r->server_name ? r->server_name : "", r->image, t->remote);
	prompt_input(t, label, "", NULL, NULL, view_launch_name_done, r,
	    view_launch_req_free);
	free(label);
}

static bool
view_launch_key(struct view *v, int key)
{
	struct view_launch_data *d = v->data;
	struct tui *t = v->tui;

	if (key == '\n') {
		if (d->l.sel < 1 || d->l.sel - 1 >= d->refs.n)
			return true;
		view_launch_start(t, d->refs.v[d->l.sel - 1], NULL, false);
		return true;
	}
	if (key == 's') {
		view_images_ask_server(t);
		return true;
	}
	if (view_lines_key(v, &d->l, key, view_body_rows(t))) {
		if (d->l.sel == 0 && d->l.lines.n > 1)
			d->l.sel = 1;
		return true;
	}
	return false;
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
	    d->refs.n);
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
	.free = view_launch_free,
	.draw = view_launch_draw,
	.key = view_launch_key,
	.update = view_launch_refresh,
	.title = view_launch_title,
	.hint = view_launch_hint,
};
