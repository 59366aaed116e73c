/*
 * view-profiles.c - `P`: the profiles of the remote.
 *
 * One row per profile: name, description, how many instances use it and
 * its devices (name and type).  Enter opens the form (view-profile.c), `e`
 * edits it as YAML in $EDITOR; `n` creates, `C` copies, `m` renames and `d`
 * deletes one (the backend refuses while it is in use and names the users);
 * `a` / `u` assign / unassign the selected profile on the instances marked
 * in the list (or the list's selected instance), appending it last, so the
 * expansion order shows in the list's PROFILES column.  The rows are
 * rebuilt on every cache refresh (profile events trigger one), and the
 * selection is kept by name.
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

static const char *
view_profiles_selected(struct view *v)
{
	struct view_profiles_data *d = v->data;

	return view_lines_selected_key(&d->l);
}

static void
view_profiles_build(struct view *v)
{
	struct view_profiles_data *d = v->data;
	struct tui *t = v->tui;
	struct err e = { 0 };
	struct profile *p = NULL;
	char *keep = xstrdup(view_profiles_selected(v));
	size_t n = 0, i, j;

	view_lines_clear(&d->l);
	if (t->b == NULL) {
		view_lines_add(&d->l, TE_ERROR, "%s", t->berr.msg);
		goto out;
	}
	if (t->b->ops->profile_list(t->b, &p, &n, &e) < 0) {
		view_lines_add(&d->l, TE_ERROR, "Failed to list profiles on %s: %s",
		    t->remote, e.msg);
		goto out;
	}
	view_lines_add(&d->l, TE_HEADER, "%-16s %-30s %-7s %s", "NAME",
	    "DESCRIPTION", "USED BY", "DEVICES");
	for (i = 0; i < n; i++) {
		struct strv devs = { 0 };
		char *dl;

		for (j = 0; j < p[i].devices.n; j++) {
			const char *ty = strmap_get(&p[i].devices.props[j], "type");
			char *one = xasprintf("%s(%s)", p[i].devices.names[j],
			    ty ? ty : "?");

			strv_push(&devs, one);
			free(one);
		}
		dl = strv_join(&devs, " ");
		view_lines_add(&d->l, TE_NORMAL, "%-16s %-30.30s %-7zu %s", p[i].name,
		    p[i].description ? p[i].description : "", p[i].used_by.n,
		    *dl ? dl : "-");
		strv_push(&d->l.keys, p[i].name);
		if (keep != NULL && strcmp(keep, p[i].name) == 0)
			d->l.sel = i + 1;
		free(dl);
		strv_free(&devs);
	}
	if (d->l.sel == 0 || d->l.sel > d->l.keys.n)
		d->l.sel = d->l.keys.n ? 1 : 0;
	profile_array_free(p, n);
out:
	free(keep);
}

static void
view_profiles_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_profiles_data));
	view_profiles_build(v);
}

static void
view_profiles_refresh(struct view *v)
{
	view_profiles_build(v);
	v->dirty = true;
}

/* The profile view on the stack, if it is still there. */
static struct view *
view_profiles_find(struct tui *t)
{
	return view_find(t, &view_profiles_type);
}

static void
view_profiles_changed(struct tui *t)
{
	struct view *v = view_profiles_find(t);

	if (v != NULL)
		view_profiles_refresh(v);
}

static void
view_profiles_create_done(struct tui *t, const char *answer, void *arg)
{
	struct profile p = { 0 };
	struct err e = { 0 };

	if (answer == NULL || *answer == '\0')
		return;
	p.name = (char *)answer;
	p.description = (char *)"";
	if (t->b->ops->profile_create(t->b, &p, &e) < 0)
		status_set(t, STATUS_ERR, "Failed to create profile \"%s\": %s",
		    answer, e.msg);
	else
		status_set(t, STATUS_INFO, "Profile \"%s\" created on %s:", answer,
		    t->remote);
	view_profiles_changed(t);
}

static void
view_profiles_copy_done(struct tui *t, const char *answer, void *arg)
{
	const char *src = arg;
	struct profile *p = NULL;
	struct err e = { 0 };
	char *old;

	if (answer == NULL || *answer == '\0')
		return;
	if (t->b->ops->profile_get(t->b, src, &p, &e) < 0) {
		status_set(t, STATUS_ERR, "Failed to copy profile \"%s\": %s", src,
		    e.msg);
		return;
	}
	old = p->name;
	p->name = xstrdup(answer);
	free(old);
	if (t->b->ops->profile_create(t->b, p, &e) < 0)
		status_set(t, STATUS_ERR, "Failed to copy profile \"%s\" to \"%s\": %s",
		    src, answer, e.msg);
	else
		status_set(t, STATUS_INFO, "Profile \"%s\" copied to \"%s\"", src,
		    answer);
	profile_free(p);
	view_profiles_changed(t);
}

static void
view_profiles_rename_done(struct tui *t, const char *answer, void *arg)
{
	const char *src = arg;
	struct err e = { 0 };

	if (answer == NULL || *answer == '\0' || strcmp(answer, src) == 0)
		return;
	if (t->b->ops->profile_rename(t->b, src, answer, &e) < 0)
		status_set(t, STATUS_ERR, "Failed to rename profile \"%s\": %s", src,
		    e.msg);
	else
		status_set(t, STATUS_INFO, "Profile \"%s\" renamed to \"%s\"", src,
		    answer);
	view_profiles_changed(t);
}

static void
view_profiles_delete_done(struct tui *t, const char *answer, void *arg)
{
	const char *name = arg;
	struct err e = { 0 };

	if (answer == NULL) {
		status_set(t, STATUS_INFO, "Cancelled: nothing was changed");
		return;
	}
	if (t->b->ops->profile_delete(t->b, name, &e) < 0) {
		if (strstr(e.msg, name) != NULL)
			status_set(t, STATUS_ERR, "%s", e.msg);
		else
			status_set(t, STATUS_ERR, "Failed to delete profile \"%s\": %s",
			    name, e.msg);
	} else
		status_set(t, STATUS_INFO, "Profile \"%s\" deleted from %s:", name,
		    t->remote);
	view_profiles_changed(t);
}

/* Adds (assign) or removes the profile on the list's target instances. */
static void
view_profiles_assign(struct tui *t, const char *profile, bool assign)
{
	struct strv targets = { 0 };
	size_t i;

	if (t->depth > 0 && t->stack[0]->type == &view_list_type)
		view_list_targets(t->stack[0], &targets);
	if (targets.n == 0) {
		status_set(t, STATUS_ERR, "No instance marked or selected in the "
		    "instance list");
		return;
	}
	for (i = 0; i < targets.n; i++) {
		struct instance *in = NULL;
		struct instance_put put = { 0 };
		struct err e = { 0 };
		char *op = NULL, *what, *order;
		int at;

		if (t->b->ops->instance_get(t->b, targets.v[i], 0, &in, &e) < 0) {
			status_set(t, STATUS_ERR, "Instance \"%s\": %s", targets.v[i],
			    e.msg);
			continue;
		}
		put.description = in->description;
		put.ephemeral = in->ephemeral;
		strmap_copy(&put.config, &in->config);
		devmap_copy(&put.devices, &in->devices);
		for (at = 0; at < (int)in->profiles.n; at++)
			if (strcmp(in->profiles.v[at], profile) != 0)
				strv_push(&put.profiles, in->profiles.v[at]);
		if (assign)
			strv_push(&put.profiles, profile);
		order = strv_join(&put.profiles, ",");
		if (t->b->ops->instance_update(t->b, in->name, &put, &op, &e) < 0)
			status_set(t, STATUS_ERR, "Failed to %s profile \"%s\" %s "
			    "instance \"%s\": %s", assign ? "assign" : "unassign",
			    profile, assign ? "to" : "from", in->name, e.msg);
		else {
			what = xasprintf("Profiles of \"%s\": %s", in->name,
			    *order ? order : "(none)");
			if (op != NULL)
				app_track_op(t, op, what, NULL);
			else
				status_set(t, STATUS_INFO, "%s", what);
			free(what);
		}
		free(order);
		strv_free(&put.profiles);
		strmap_free(&put.config);
		devmap_free(&put.devices);
		instance_free(in);
	}
	strv_free(&targets);
	app_request_refresh(t);
}

static const char *
view_profiles_hint(struct view *v)
{
	return "Enter edit\te yaml\tn new\tC copy\tm rename\td delete\t"
	    "a assign\tu unassign\tq back";
}

static bool
view_profiles_key(struct view *v, int key)
{
	struct tui *t = v->tui;
	const char *sel = view_profiles_selected(v);
	char *q;

	switch (key) {
	case '\n':
		if (sel != NULL)
			view_push(t, &view_profile_type, sel);
		return true;
	case 'e':
		if (sel != NULL && view_writable(t, "edit"))
			view_profile_edit_yaml(t, sel);
		return true;
	case 'n':
		if (view_writable(t, "create"))
			prompt_input(t, "New profile name: ", "", NULL, NULL,
			    view_profiles_create_done, NULL, NULL);
		return true;
	case 'C':
		if (sel != NULL && view_writable(t, "copy")) {
			q = xasprintf("Copy profile \"%s\" to: ", sel);
			prompt_input(t, q, "", NULL, NULL, view_profiles_copy_done,
			    xstrdup(sel), free);
			free(q);
		}
		return true;
	case 'm':
		if (sel != NULL && view_writable(t, "rename")) {
			q = xasprintf("Rename profile \"%s\" to: ", sel);
			prompt_input(t, q, sel, NULL, NULL, view_profiles_rename_done,
			    xstrdup(sel), free);
			free(q);
		}
		return true;
	case 'd':
		if (sel != NULL && view_writable(t, "delete")) {
			q = xasprintf("Delete profile \"%s\" on %s:?", sel, t->remote);
			prompt_confirm(t, q, view_profiles_delete_done, xstrdup(sel),
			    free);
			free(q);
		}
		return true;
	case 'a':
	case 'u':
		if (sel != NULL && view_writable(t, key == 'a' ? "assign" :
		    "unassign"))
			view_profiles_assign(t, sel, key == 'a');
		return true;
	}
	return view_lines_table_key(v, key);
}

static const char *
view_profiles_title(struct view *v)
{
	struct view_profiles_data *d = v->data;

	snprintf(d->title, sizeof d->title, "Profiles (%zu)", d->l.keys.n);
	return d->title;
}

const struct view_type view_profiles_type = {
	.name = "profiles",
	.init = view_profiles_init,
	.free = view_lines_view_free,
	.draw = view_lines_view_draw,
	.key = view_profiles_key,
	.update = view_profiles_refresh,
	.title = view_profiles_title,
	.hint = view_profiles_hint,
};
