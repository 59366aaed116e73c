/*
 * view-remotes.c - `R`: the remotes lxdeck knows: local: (the embedded
 * engine, or the fake backend with --fake), the lxc client's remotes and
 * lxdeck's own (remote/remote-config.c), each with where it is, where it
 * comes from, and its state: for the current remote, connected (server
 * version, instance count) or "unreachable since ..."; for the others, what
 * the last probe (`p`) found.  A probe is one GET /1.0 and one list with
 * the client's connect and request timeouts, so a dead host costs seconds,
 * never a hang.  Enter switches to the selected remote (:remote NAME does
 * the same); image servers (simplestreams, public) are listed, not entered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"
#include "../remote/client/client.h"

struct view_remotes_probe {
	char	*name;
	char	*text;
	bool	 ok;
};

struct view_remotes_data {
	struct view_lines	 l;
	struct strv		 names;		/* per line, "" for the header */
	struct view_remotes_probe *probes;
	size_t			 nprobes;
};

static const struct view_remotes_probe *
view_remotes_probe_find(struct view_remotes_data *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nprobes; i++)
		if (strcmp(d->probes[i].name, name) == 0)
			return &d->probes[i];
	return NULL;
}

/* The state of the current remote, from its live backend. */
static enum theme_elem
view_remotes_current(struct tui *t, char *buf, size_t len)
{
	struct server_info si;
	struct err e = { 0 };
	char why[200];

	if (t->b == NULL) {
		snprintf(buf, len, "error: %s", t->berr.msg);
		return TE_ERROR;
	}
	if (strcmp(t->b->ops->name, "remote") == 0 &&
	    !backends_remote_reachable(t->b, why, sizeof why)) {
		snprintf(buf, len, "%s", why);
		return TE_ERROR;
	}
	memset(&si, 0, sizeof si);
	if (t->b->ops->server_info(t->b, &si, &e) < 0) {
		snprintf(buf, len, "error: %s", e.msg);
		return TE_ERROR;
	}
	snprintf(buf, len, "connected, %s %s, %zu instances%s",
	    si.server ? si.server : "", si.server_version ? si.server_version : "",
	    t->ninsts, t->b->read_only ? ", read-only" : "");
	server_info_free_contents(&si);
	return TE_RUNNING;
}

static void
view_remotes_build(struct view *v)
{
	struct view_remotes_data *d = v->data;
	struct tui *t = v->tui;
	struct remotes rs;
	char state[300], warn[256];
	size_t i;

	view_lines_clear(&d->l);
	strv_free(&d->names);
	backends_remotes_load(&rs, warn, sizeof warn);
	view_lines_add(&d->l, TE_HEADER, "%-14s %-36s %-7s %s", "NAME", "URL", "SOURCE",
	    "STATE");
	strv_push(&d->names, "");
	if (strcmp(t->remote, "local") == 0)
		view_remotes_current(t, state, sizeof state);
	else
		snprintf(state, sizeof state, "not connected");
	view_lines_add(&d->l, strcmp(t->remote, "local") == 0 && t->b ? TE_NORMAL :
	    t->b ? TE_DIM : TE_ERROR, "%-14s %-36s %-7s %s", "local:",
	    t->fake ? "fake (in-memory, for tests)" : "embedded engine", "lxdeck", state);
	strv_push(&d->names, "local");
	for (i = 0; i < rs.n; i++) {
		const struct remote_conf *r = &rs.v[i];
		const struct view_remotes_probe *p = view_remotes_probe_find(d, r->name);
		enum theme_elem te = TE_DIM;
		char name[80];

		if (strcmp(t->remote, r->name) == 0) {
			te = view_remotes_current(t, state, sizeof state);
			if (te != TE_ERROR)
				te = TE_NORMAL;
		} else if (r->public || (r->protocol && strcmp(r->protocol, "lxd") != 0)) {
			snprintf(state, sizeof state, "image server");
		} else if (p != NULL) {
			snprintf(state, sizeof state, "%s", p->text);
			te = p->ok ? TE_NORMAL : TE_ERROR;
		} else {
			snprintf(state, sizeof state, "not connected (p: probe)");
		}
		snprintf(name, sizeof name, "%s:%s", r->name, r->read_only ? " ro" : "");
		view_lines_add(&d->l, te, "%-14s %-36s %-7s %s", name, r->addr ? r->addr : "",
		    backends_remote_conf_source(r), state);
		strv_push(&d->names, r->name);
	}
	if (warn[0] != '\0') {
		view_lines_add(&d->l, TE_ERROR, "warning: %s", warn);
		strv_push(&d->names, "");
	}
	backends_remotes_free(&rs);
	if (d->l.sel == 0)
		d->l.sel = 1;
}

/* One bounded look at a remote that is not the current one. */
static void
view_remotes_probe(struct view *v, const char *name)
{
	struct view_remotes_data *d = v->data;
	struct tui *t = v->tui;
	struct remotes rs;
	const struct remote_conf *r;
	struct backend *b = NULL;
	struct server_info si;
	struct instance *insts = NULL;
	size_t n = 0, i;
	struct err e = { 0 };
	char text[300];
	bool ok = false;

	backends_remotes_load(&rs, NULL, 0);
	r = backends_remotes_find(&rs, name);
	memset(&si, 0, sizeof si);
	if (r == NULL)
		snprintf(text, sizeof text, "not found");
	else if (strncmp(r->addr, "https://", 8) == 0 && backends_remotes_client_cert(&rs, &e) < 0)
		snprintf(text, sizeof text, "error: %s", e.msg);
	else if ((r = backends_remotes_find(&rs, name)) == NULL ||
	    (b = backends_remote_create(t->loop, r, &e)) == NULL ||
	    b->ops->server_info(b, &si, &e) < 0 ||
	    b->ops->instance_list(b, 0, &insts, &n, &e) < 0)
		snprintf(text, sizeof text, "%s", e.msg);
	else {
		snprintf(text, sizeof text, "reachable, %s %s, %zu instances",
		    si.server ? si.server : "", si.server_version ? si.server_version : "", n);
		ok = true;
	}
	instance_array_free(insts, n);
	server_info_free_contents(&si);
	if (b != NULL)
		b->ops->free(b);
	backends_remotes_free(&rs);
	for (i = 0; i < d->nprobes; i++)
		if (strcmp(d->probes[i].name, name) == 0)
			break;
	if (i == d->nprobes) {
		d->probes = xreallocarray(d->probes, d->nprobes + 1, sizeof *d->probes);
		d->probes[d->nprobes].name = xstrdup(name);
		d->probes[d->nprobes].text = NULL;
		d->nprobes++;
	}
	free(d->probes[i].text);
	d->probes[i].text = xstrdup(text);
	d->probes[i].ok = ok;
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
	size_t i;

	view_lines_free(&d->l);
	strv_free(&d->names);
	for (i = 0; i < d->nprobes; i++) {
		free(d->probes[i].name);
		free(d->probes[i].text);
	}
	free(d->probes);
	free(d);
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
	return "Enter connect\tp probe\tr refresh\tq back";
}

static bool
view_remotes_key(struct view *v, int key)
{
	struct view_remotes_data *d = v->data;
	struct tui *t = v->tui;
	const char *name = d->l.sel < d->names.n ? d->names.v[d->l.sel] : "";

	if (key == '\n' && *name != '\0') {
		char *copy = xstrdup(name);

		view_pop_for_switch(t);	/* frees v */
		app_connect(t, copy);
		free(copy);
		return true;
	}
	if (key == 'p' && *name != '\0' && strcmp(name, t->remote) != 0 &&
	    strcmp(name, "local") != 0) {
		status_set(t, STATUS_INFO, "Probing %s: ...", name);
		view_remotes_probe(v, name);
		view_remotes_refresh(v);
		return true;
	}
	if (key == 'r') {
		view_remotes_refresh(v);
		return true;
	}
	return view_lines_table_key(v, key);
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
	.draw = view_lines_view_draw,
	.key = view_remotes_key,
	.update = view_remotes_refresh,
	.title = view_remotes_title,
	.hint = view_remotes_hint,
};
