/*
 * launch.c - launching an instance, once its image is picked.
 *
 * launch_start() asks for a name (empty: the backend generates one), then
 * for the profiles (comma separated, `default` offered, Tab completes the
 * remote's profile names).  Then it creates the instance; app.c follows the
 * create operation through events, shows its progress in the status line
 * and, when it succeeds, starts the instance (the name comes from the
 * operation's resources when it was generated).  The views that picked the
 * image (struct view_type's picks_image: view-launch.c, view-images.c) are
 * popped once the request is sent.  From an image server, the engine (or
 * the remote lxdeckd) downloads and caches the image, trusting the server's
 * pinned certificate.  A private image of a server that trusts us is pulled
 * by fingerprint with a download secret, asked of the server just before
 * the instance is created (the secret dies soon after its first use).  The
 * prompts own a struct launch_req; nothing points at a view.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "../remote/client/client.h"

/* What the prompts carry from one step to the next. */
struct launch_req {
	char	*image;
	char	*name;
	bool	 from_server;	/* srv is set; else the remote's own images */
	struct image_server srv;
	bool	 secret;	/* image is a private fingerprint on srv */
	char	*server_name;	/* "images:" or "URL ", for messages */
};

static void
launch_req_free(void *p)
{
	struct launch_req *r = p;

	if (r == NULL)
		return;
	free(r->image);
	free(r->name);
	backends_image_server_free(&r->srv);
	free(r->server_name);
	free(r);
}

static void
launch_complete_profile(struct tui *t, const char *input, struct strv *out)
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
launch_profiles_done(struct tui *t, const char *answer, void *arg)
{
	struct launch_req *r = arg;
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
	while (view_top(t) != NULL && view_top(t)->type->picks_image)
		view_pop(t);
}

static void
launch_name_done(struct tui *t, const char *answer, void *arg)
{
	struct launch_req *r = arg, *next;
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
	prompt_input(t, label, "default", NULL, launch_complete_profile,
	    launch_profiles_done, next, launch_req_free);
	free(label);
}

void
launch_start(struct tui *t, const char *image, const struct image_server *srv,
    bool secret)
{
	struct launch_req *r = xcalloc(1, sizeof *r);
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
	prompt_input(t, label, "", NULL, NULL, launch_name_done, r,
	    launch_req_free);
	free(label);
}
