/*
 * view-images.c - `i`: images, local or on an image server, and the
 * picker that launches from them.
 *
 * Two sources, one list.  Local mode lists the remote's own images through
 * the backend (aliases, short fingerprint, os, release, description,
 * architecture, size, flags: C cached from a server, A auto-update, P
 * public).  Browse mode (`s`, or opened with a server as the view's arg,
 * which is how the launch picker `n` gets here) lists what an image server
 * offers: simplestreams (`images:`, `ubuntu:`, `ubuntu-daily:`, any URL)
 * or the lxd protocol ("URL lxd", unix:// sockets), fetched once through
 * remote/image-fetch.h, which shows the TUI plain struct image and nothing
 * of HTTP.  The fetch blocks the loop for as long as the server takes;
 * unreachable servers give up within IMAGE_FETCH_CONNECT_MS.
 *
 * `/` searches the list by os, release and architecture: every word must
 * match one of them (or an alias) as a case-insensitive substring, and a
 * word "os=debian", "release=12" or "arch=x86_64" matches that field only.
 * Enter launches the selected image: view-launch.c asks for a name and
 * profiles and creates the instance with image_server set in browse mode
 * (the engine, or lxdeckd, then pulls and caches the image).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curses.h>

#include "tui.h"
#include "../remote/image-fetch.h"

struct view_images_data {
	struct view_lines	 l;
	struct strv		 refs;		/* per row after the header */
	/* Browse mode: the server, and what it offered (filtered on draw). */
	char			*server_name;	/* as typed: "images:" */
	char			*server;	/* URL */
	char			*protocol;
	struct image		*remote;
	size_t			 nremote;
	char			*error;		/* the fetch failed */
	char			*search;
	char			 title[160];
};

/* "images:", "URL", "URL lxd", "unix:///x" -> URL and protocol (caller frees). */
static int
view_images_parse_server(const char *spec, char **url, char **protocol,
    struct err *e)
{
	const struct image_fetch_remote *rem;
	struct strv w = { 0 };
	int rc = 0;

	strv_split(&w, spec, ' ');
	if (w.n == 0 || w.n > 2) {
		rc = err_set(e, 400, "Give an image server: images:, ubuntu:, "
		    "ubuntu-daily:, a URL, or \"URL lxd\"");
	} else if ((rem = backends_image_remote_find(w.v[0])) != NULL) {
		*url = xstrdup(rem->url);
		*protocol = xstrdup(w.n > 1 ? w.v[1] : rem->protocol);
	} else if (strncmp(w.v[0], "https://", 8) == 0 ||
	    strncmp(w.v[0], "http://", 7) == 0 || strncmp(w.v[0], "unix://", 7) == 0) {
		*url = xstrdup(w.v[0]);
		*protocol = xstrdup(w.n > 1 ? w.v[1] :
		    strncmp(w.v[0], "unix://", 7) == 0 ? "lxd" : "simplestreams");
	} else {
		rc = err_set(e, 400, "Unknown image server \"%s\"", w.v[0]);
	}
	if (rc == 0 && strcmp(*protocol, "lxd") != 0 &&
	    strcmp(*protocol, "simplestreams") != 0) {
		rc = err_set(e, 400, "Unknown image server protocol \"%s\"", *protocol);
		free(*url);
		free(*protocol);
		*url = *protocol = NULL;
	}
	strv_free(&w);
	return rc;
}

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
    bool browse)
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
	    view_fmt_bytes(im->size, sz, sizeof sz), browse ? "" : flags,
	    desc ? desc : "");
	/* An alias launches what the alias names then; else the fingerprint. */
	strv_push(&d->refs, im->naliases > 0 ? im->aliases[0].name : im->fingerprint);
	free(al);
}

static void
view_images_build(struct view *v)
{
	struct view_images_data *d = v->data;
	struct tui *t = v->tui;
	struct err e = { 0 };
	struct image *im = NULL;
	size_t n = 0, i, shown = 0;
	bool browse = d->server != NULL;

	view_lines_clear(&d->l);
	strv_free(&d->refs);
	if (browse && d->error != NULL) {
		view_lines_add(&d->l, TE_ERROR, "%s", d->error);
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
	    browse ? "" : "CAP", "DESCRIPTION");
	for (i = 0; i < (browse ? d->nremote : n); i++) {
		const struct image *one = browse ? &d->remote[i] : &im[i];

		if (!view_images_matches(one, d->search))
			continue;
		view_images_add_row(d, one, browse);
		shown++;
	}
	if (shown == 0)
		view_lines_add(&d->l, TE_DIM, "  %s", d->search && *d->search ?
		    "Nothing matches the search (/ to change it)" : browse ?
		    "The server offers no container images" :
		    "No images: s browses an image server");
	if (d->l.sel == 0 || d->l.sel > d->refs.n)
		d->l.sel = 1;
	image_array_free(im, n);
}

static void
view_images_clear_server(struct view_images_data *d)
{
	image_array_free(d->remote, d->nremote);
	d->remote = NULL;
	d->nremote = 0;
	free(d->server_name);
	free(d->server);
	free(d->protocol);
	free(d->error);
	d->server_name = d->server = d->protocol = d->error = NULL;
}

/* Switches to browsing spec; fetches its list now. */
static void
view_images_browse(struct view *v, const char *spec)
{
	struct view_images_data *d = v->data;
	struct err e = { 0 };
	char *url = NULL, *protocol = NULL;

	if (view_images_parse_server(spec, &url, &protocol, &e) < 0) {
		status_set(v->tui, STATUS_ERR, "%s", e.msg);
		return;
	}
	view_images_clear_server(d);
	d->server_name = xstrdup(spec);
	d->server = url;
	d->protocol = protocol;
	{
		struct image_remote r = { .server = url, .protocol = protocol };

		if (backends_image_list(&r, &d->remote, &d->nremote, &e) < 0) {
			d->error = xasprintf("Failed to list images on %s: %s", spec,
			    e.msg);
			status_set(v->tui, STATUS_ERR, "%s", d->error);
		}
	}
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
	strv_free(&d->refs);
	free(d->search);
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
	struct view_images_data *d = v->data;

	if (d->server != NULL)
		return;		/* a server's list is fetched once */
	view_images_build(v);
	v->dirty = true;
}

static const char *
view_images_hint(struct view *v)
{
	struct view_images_data *d = v->data;

	return d->server != NULL ?
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
	const struct image_fetch_remote *r;
	size_t n, i;

	(void)t;
	r = backends_image_remotes(&n);
	for (i = 0; i < n; i++)
		if (strncmp(r[i].name, input, strlen(input)) == 0) {
			char *s = xasprintf("%s:", r[i].name);

			strv_push(out, s);
			free(s);
		}
}

/* Asks for a server to browse; used by the launch picker too. */
void
view_images_ask_server(struct tui *t)
{
	prompt_input(t, "Image server (images:, ubuntu:, URL, \"URL lxd\"): ",
	    "images:", NULL, view_images_complete_server, view_images_server_done,
	    NULL, NULL);
}

static bool
view_images_key(struct view *v, int key)
{
	struct view_images_data *d = v->data;
	struct tui *t = v->tui;
	bool r;

	switch (key) {
	case '\n':
		if (d->l.sel < 1 || d->l.sel - 1 >= d->refs.n)
			return true;
		if (t->read_only) {
			status_set(t, STATUS_ERR, "Read-only mode: launch is disabled "
			    "(lxdeck was started with --read-only)");
			return true;
		}
		view_launch_start(t, d->refs.v[d->l.sel - 1], d->server,
		    d->protocol, d->server_name);
		return true;
	case 's':
		view_images_ask_server(t);
		return true;
	case 'l':
		if (d->server == NULL)
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
	r = view_lines_key(v, &d->l, key, view_body_rows(t));
	if (d->l.sel == 0 && d->l.lines.n > 1)
		d->l.sel = 1;
	return r;
}

static const char *
view_images_title(struct view *v)
{
	struct view_images_data *d = v->data;
	size_t n = d->refs.n;

	if (d->server != NULL)
		snprintf(d->title, sizeof d->title, "Images on %s (%zu)%s%s",
		    d->server_name, n, d->search && *d->search ? " matching " : "",
		    d->search && *d->search ? d->search : "");
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
	.draw = view_images_draw,
	.key = view_images_key,
	.update = view_images_refresh,
	.title = view_images_title,
	.hint = view_images_hint,
};
