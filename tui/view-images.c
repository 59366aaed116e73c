/*
 * view-images.c - `i`: images, local or on an image server, and the
 * picker that launches from them.
 *
 * Two sources, one list.  Local mode lists the remote's own images through
 * the backend (aliases, short fingerprint, os, release, description,
 * architecture, size, flags: C cached from a server, A auto-update, P
 * public).  Browse mode (`s`, or opened with a server as the view's arg,
 * which is how the launch picker `n` gets here) lists what an image server
 * offers: a configured remote that speaks the LXD API or simplestreams
 * ("lab:", with its pinned certificate, and our client certificate so
 * that a server that trusts us shows its private images too), the
 * preconfigured `images:`, `ubuntu:`, `ubuntu-daily:`, or a URL ("URL",
 * "URL lxd", unix:// sockets; public images only, with the pinned
 * certificate of the remote at that address).  It is fetched once through
 * remote/image-fetch.h (image-server.c), which shows the TUI plain
 * structs and nothing of HTTP.  The fetch blocks the loop for as long as
 * the server takes; unreachable servers give up within the connect
 * timeout, and a self-signed server that is not pinned is refused at once
 * with what to do (`lxdeck remote add`).
 *
 * `/` searches the list by os, release and architecture: every word must
 * match one of them (or an alias) as a case-insensitive substring, and a
 * word "os=debian", "release=12" or "arch=x86_64" matches that field only.
 * Enter launches the selected image: launch.c asks for a name and
 * profiles and creates the instance with image_server set in browse mode
 * (the engine, or lxdeckd, then pulls and caches the image, trusting the
 * server's pinned certificate).  A private image of a server that trusts
 * us goes by fingerprint with a download secret, as `lxc launch` does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curses.h>

#include "tui.h"
#include "../remote/client/client.h"

struct view_images_data {
	struct view_lines	 l;
	/* Browse mode: the server, and what it offered (filtered on draw). */
	bool			 browsing;
	struct image_server	 srv;
	struct image		*remote;
	size_t			 nremote;
	size_t			*rowidx;	/* per row: index in remote */
	char			*error;		/* the fetch failed */
	char			*search;
	char			 title[160];
};

static bool
view_images_word_matches(const struct image *im, const char *word)
{
	const char *eq = strchr(word, '='), *os, *rel;
	size_t i;

	os = strmap_get(&im->properties, "os");
	rel = strmap_get(&im->properties, "release");
	if (eq != NULL) {
		const char *val = eq + 1, *field = NULL;
		size_t klen = (size_t)(eq - word);

		if (klen == 2 && strncmp(word, "os", 2) == 0)
			field = os;
		else if (klen == 7 && strncmp(word, "release", 7) == 0)
			field = rel;
		else if ((klen == 4 && strncmp(word, "arch", 4) == 0) ||
		    (klen == 12 && strncmp(word, "architecture", 12) == 0))
			return (im->architecture && strcasestr(im->architecture, val)) ||
			    ((field = strmap_get(&im->properties, "architecture")) &&
			    strcasestr(field, val));
		return field != NULL && strcasestr(field, val) != NULL;
	}
	if ((os && strcasestr(os, word)) || (rel && strcasestr(rel, word)) ||
	    (im->architecture && strcasestr(im->architecture, word)))
		return true;
	if ((os = strmap_get(&im->properties, "architecture")) && strcasestr(os, word))
		return true;
	for (i = 0; i < im->naliases; i++)
		if (strcasestr(im->aliases[i].name, word))
			return true;
	return false;
}

/* Does the image match every word of the search? */
static bool
view_images_matches(const struct image *im, const char *search)
{
	struct strv w = { 0 };
	bool ok = true;
	size_t i;

	if (search == NULL || *search == '\0')
		return true;
	strv_split(&w, search, ' ');
	for (i = 0; i < w.n && ok; i++)
		ok = view_images_word_matches(im, w.v[i]);
	strv_free(&w);
	return ok;
}

static char *
view_images_aliases(const struct image *im)
{
	struct strv a = { 0 };
	char *al;
	size_t j;

	for (j = 0; j < im->naliases; j++)
		strv_push(&a, im->aliases[j].name);
	al = strv_join(&a, ",");
	strv_free(&a);
	return al;
}

static void
view_images_add_row(struct view_images_data *d, const struct image *im,
    bool show_flags)
{
	const char *os = strmap_get(&im->properties, "os");
	const char *rel = strmap_get(&im->properties, "release");
	const char *desc = strmap_get(&im->properties, "description");
	char sz[32], flags[4], *al = view_images_aliases(im);

	flags[0] = im->cached ? 'C' : '-';
	flags[1] = im->auto_update ? 'A' : '-';
	flags[2] = im->public ? 'P' : '-';
	flags[3] = '\0';
	view_lines_add(&d->l, TE_NORMAL, "%-16s %-12.12s %-10.10s %-8.8s %-8s %-9s "
	    "%-3s %s", *al ? al : "-", im->fingerprint, os ? os : "",
	    rel ? rel : "", im->architecture ? im->architecture : "",
	    view_fmt_bytes(im->size, sz, sizeof sz), show_flags ? flags : "",
	    desc ? desc : "");
	/* An alias launches what the alias names then; else the fingerprint. */
	strv_push(&d->l.keys, im->naliases > 0 ? im->aliases[0].name :
	    im->fingerprint);
	free(al);
}

/* A long message as several lines, broken at spaces to fit the screen. */
static void
view_images_add_wrapped(struct view_images_data *d, enum theme_elem el,
    const char *text)
{
	int width = COLS > 20 ? COLS - 2 : 78;
	const char *p = text;

	while (*p != '\0') {
		int len = (int)strlen(p), cut = len;

		if (len > width) {
			for (cut = width; cut > 0 && p[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = width;
		}
		view_lines_add(&d->l, el, "%.*s", cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static void
view_images_build(struct view *v)
{
	struct view_images_data *d = v->data;
	struct tui *t = v->tui;
	struct err e = { 0 };
	struct image *im = NULL;
	size_t n = 0, i, shown = 0;
	bool browse = d->browsing;
	/* An LXD-API server's flags are its own: P tells private from public. */
	bool flags = !browse || strcmp(d->srv.protocol, "lxd") == 0;

	view_lines_clear(&d->l);
	if (browse && d->error != NULL) {
		view_images_add_wrapped(d, TE_ERROR, d->error);
		return;
	}
	if (!browse) {
		if (t->b == NULL) {
			view_lines_add(&d->l, TE_ERROR, "%s", t->berr.msg);
			return;
		}
		if (t->b->ops->image_list(t->b, &im, &n, &e) < 0) {
			view_lines_add(&d->l, TE_ERROR, "%s", e.msg);
			return;
		}
	}
	view_lines_add(&d->l, TE_HEADER, "%-16s %-12s %-10s %-8s %-8s %-9s %-3s %s",
	    "ALIAS", "FINGERPRINT", "OS", "RELEASE", "ARCH", "SIZE",
	    flags ? "CAP" : "", "DESCRIPTION");
	for (i = 0; i < (browse ? d->nremote : n); i++) {
		const struct image *one = browse ? &d->remote[i] : &im[i];

		if (!view_images_matches(one, d->search))
			continue;
		if (browse)
			d->rowidx[d->l.keys.n] = i;
		view_images_add_row(d, one, flags);
		shown++;
	}
	if (shown == 0)
		view_lines_add(&d->l, TE_DIM, "  %s", d->search && *d->search ?
		    "Nothing matches the search (/ to change it)" : browse ?
		    "The server offers no container images" :
		    "No images: s browses an image server");
	if (d->l.sel == 0 || d->l.sel > d->l.keys.n)
		d->l.sel = 1;
	image_array_free(im, n);
}

static void
view_images_clear_server(struct view_images_data *d)
{
	image_array_free(d->remote, d->nremote);
	d->remote = NULL;
	d->nremote = 0;
	free(d->rowidx);
	d->rowidx = NULL;
	backends_image_server_free(&d->srv);
	free(d->error);
	d->error = NULL;
	d->browsing = false;
}

/* Switches to browsing spec; fetches its list now. */
static void
view_images_browse(struct view *v, const char *spec)
{
	struct view_images_data *d = v->data;
	struct image_server srv;
	struct err e = { 0 };

	if (backends_image_server_resolve(spec, &srv, &e) < 0) {
		status_set(v->tui, STATUS_ERR, "%s", e.msg);
		return;
	}
	view_images_clear_server(d);
	d->srv = srv;
	d->browsing = true;
	if (backends_image_server_list(&d->srv, &d->remote, &d->nremote, &e) < 0) {
		d->error = xasprintf("Failed to list images on %s: %s", d->srv.name,
		    e.msg);
		status_set(v->tui, STATUS_ERR, "%s", d->error);
	}
	d->rowidx = xcalloc(d->nremote ? d->nremote : 1, sizeof *d->rowidx);
	d->l.sel = 1;
	d->l.top = 0;
	view_images_build(v);
	v->dirty = true;
}

static void
view_images_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_images_data));
	if (v->arg != NULL && *v->arg != '\0')
		view_images_browse(v, v->arg);
	else
		view_images_build(v);
}

static void
view_images_free(struct view *v)
{
	struct view_images_data *d = v->data;

	view_images_clear_server(d);
	view_lines_free(&d->l);
	free(d->search);
	free(d);
}

static void
view_images_refresh(struct view *v)
{
	struct view_images_data *d = v->data;

	if (d->browsing)
		return;		/* a server's list is fetched once */
	view_images_build(v);
	v->dirty = true;
}

static const char *
view_images_hint(struct view *v)
{
	struct view_images_data *d = v->data;

	return d->browsing ?
	    "Enter launch\t/ search\ts other server\tl local images\tq back" :
	    "Enter launch\t/ search\ts browse a server\tq back";
}

/* Prompt callbacks find the view again by type: it may be gone. */
static struct view *
view_images_find(struct tui *t)
{
	struct view *v = view_top(t);

	return v != NULL && v->type == &view_images_type ? v : NULL;
}

static void
view_images_server_done(struct tui *t, const char *answer, void *arg)
{
	struct view *v = view_images_find(t);

	(void)arg;
	if (answer == NULL || *answer == '\0')
		return;
	if (v == NULL)		/* asked from the launch picker */
		view_push(t, &view_images_type, answer);
	else
		view_images_browse(v, answer);
}

static void
view_images_search_done(struct tui *t, const char *answer, void *arg)
{
	struct view *v = view_images_find(t);
	struct view_images_data *d;

	(void)arg;
	if (answer == NULL || v == NULL)
		return;
	d = v->data;
	free(d->search);
	d->search = xstrdup(answer);
	d->l.sel = 1;
	d->l.top = 0;
	view_images_build(v);
	v->dirty = true;
}

static void
view_images_complete_server(struct tui *t, const char *input, struct strv *out)
{
	struct strv names = { 0 };
	size_t i;

	(void)t;
	backends_image_server_names(&names);
	for (i = 0; i < names.n; i++)
		if (strncmp(names.v[i], input, strlen(input)) == 0) {
			char *s = xasprintf("%s:", names.v[i]);

			strv_push(out, s);
			free(s);
		}
	strv_free(&names);
}

/* Asks for a server to browse; used by the launch picker too. */
void
view_images_ask_server(struct tui *t)
{
	prompt_input(t, "Image server (REMOTE:, images:, ubuntu:, URL, \"URL lxd\"): ",
	    "images:", NULL, view_images_complete_server, view_images_server_done,
	    NULL, NULL);
}

static bool
view_images_key(struct view *v, int key)
{
	struct view_images_data *d = v->data;
	struct tui *t = v->tui;

	switch (key) {
	case '\n':
		if (view_lines_selected_key(&d->l) == NULL)
			return true;
		if (t->read_only) {
			status_set(t, STATUS_ERR, "Read-only mode: launch is disabled "
			    "(lxdeck was started with --read-only)");
			return true;
		}
		if (d->browsing) {
			const struct image *im = &d->remote[d->rowidx[d->l.sel - 1]];
			/* A private image of a server that trusts us: by
			 * fingerprint, with a download secret for the puller. */
			bool secret = !im->public && d->srv.trusted &&
			    strcmp(d->srv.protocol, "lxd") == 0 &&
			    strncmp(d->srv.url, "https://", 8) == 0;

			launch_start(t, secret ? im->fingerprint :
			    view_lines_selected_key(&d->l), &d->srv, secret);
		} else {
			launch_start(t, view_lines_selected_key(&d->l), NULL, false);
		}
		return true;
	case 's':
		view_images_ask_server(t);
		return true;
	case 'l':
		if (!d->browsing)
			return true;
		view_images_clear_server(d);
		d->l.sel = 1;
		d->l.top = 0;
		view_images_build(v);
		v->dirty = true;
		return true;
	case '/':
		prompt_input(t, "Search (os, release, arch; os=X release=Y arch=Z): ",
		    d->search ? d->search : "", NULL, NULL, view_images_search_done,
		    NULL, NULL);
		return true;
	}
	return view_lines_table_key(v, key);
}

static const char *
view_images_title(struct view *v)
{
	struct view_images_data *d = v->data;
	size_t n = d->l.keys.n;

	if (d->browsing)
		snprintf(d->title, sizeof d->title, "Images on %s (%zu)%s%s%s",
		    d->srv.name, n, d->search && *d->search ? " matching " : "",
		    d->search && *d->search ? d->search : "", d->error != NULL ||
		    strcmp(d->srv.protocol, "lxd") != 0 ? "" : d->srv.trusted ?
		    " - trusted: private images too" : " - public images only");
	else
		snprintf(d->title, sizeof d->title, "Images (%zu)%s%s", n,
		    d->search && *d->search ? " matching " : "",
		    d->search && *d->search ? d->search : "");
	return d->title;
}

const struct view_type view_images_type = {
	.name = "images",
	.init = view_images_init,
	.free = view_images_free,
	.draw = view_lines_view_draw,
	.key = view_images_key,
	.update = view_images_refresh,
	.title = view_images_title,
	.hint = view_images_hint,
	.picks_image = true,
};
