/*
 * view-profile.c - the profile form (Enter on a profile) and its YAML edit.
 *
 * The form keeps two copies of the profile: `base`, as the backend had it
 * when the form loaded it, and `edit`, what the user is changing.  Rows are
 * the description, each config key, each device and its properties; Enter
 * edits the row's value, `a` adds a config key, `A` a device, `d` removes
 * the row, `w` saves, `R` reloads.  Before saving the form checks what it
 * can by itself (keys are non-empty words, a device has a type); the
 * backend validates the rest and answers 400 with a message naming the key
 * or the device, which is shown next to that row.  Saving first re-reads
 * the profile: if someone else changed it since it was loaded, the save
 * stops and says so (`w` again overwrites, `R` takes theirs) — the
 * backend contract has no ETag, so the form compares contents.
 *
 * The preview under the form is, for the first instance using the
 * profile, its expanded config and devices before and after the change as
 * a diff, expanded here by the documented rule (each profile in order,
 * then the instance's own config and devices, later wins).
 *
 * view_profile_edit_yaml() is `lxc profile edit`: the profile as YAML in
 * $VISUAL/$EDITOR, re-opened with the error on top while it does not parse
 * or the backend refuses it, untouched when the editor quits unchanged.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

enum view_profile_row_kind {
	ROW_TEXT, ROW_DESC, ROW_CONFIG, ROW_DEVICE, ROW_DEVPROP,
};

struct view_profile_row {
	enum view_profile_row_kind kind;
	char	*key;		/* config key or device property */
	char	*dev;		/* device name */
};

struct view_profile_data {
	struct profile		 base, edit;
	bool			 loaded;
	bool			 force;		/* overwrite a concurrent change */
	struct view_lines	 l;
	struct view_profile_row	*rows;		/* one per line */
	size_t			 nrows;
	/* The backend's last refusal and the row it names. */
	char			*err_msg;
	enum view_profile_row_kind err_kind;
	char			*err_key, *err_dev;
	char			 title[160];
};

static void
view_profile_rows_clear(struct view_profile_data *d)
{
	size_t i;

	for (i = 0; i < d->nrows; i++) {
		free(d->rows[i].key);
		free(d->rows[i].dev);
	}
	free(d->rows);
	d->rows = NULL;
	d->nrows = 0;
	view_lines_clear(&d->l);
}

static void
view_profile_err_clear(struct view_profile_data *d)
{
	free(d->err_msg);
	free(d->err_key);
	free(d->err_dev);
	d->err_msg = d->err_key = d->err_dev = NULL;
}

static void
view_profile_line(struct view_profile_data *d, enum view_profile_row_kind kind,
    const char *key, const char *dev, enum theme_elem el, const char *fmt, ...)
    PRINTF_LIKE(6, 7);

static void
view_profile_line(struct view_profile_data *d, enum view_profile_row_kind kind,
    const char *key, const char *dev, enum theme_elem el, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	view_lines_add(&d->l, el, "%s", s);
	free(s);
	d->rows = xreallocarray(d->rows, d->nrows + 1, sizeof *d->rows);
	d->rows[d->nrows].kind = kind;
	d->rows[d->nrows].key = xstrdup(key);
	d->rows[d->nrows].dev = xstrdup(dev);
	d->nrows++;
}

/* Whether the backend's error is about this row. */
static bool
view_profile_row_err(struct view_profile_data *d, enum view_profile_row_kind kind,
    const char *key, const char *dev)
{
	if (d->err_msg == NULL || d->err_kind != kind)
		return false;
	if (kind == ROW_CONFIG)
		return d->err_key != NULL && key != NULL && strcmp(d->err_key, key) == 0;
	if (kind == ROW_DEVICE)
		return d->err_dev != NULL && dev != NULL && strcmp(d->err_dev, dev) == 0;
	return kind == ROW_DESC;
}

/* Expands inst's profiles (with p in place of its stored self). */
static void
view_profile_expand(struct tui *t, const struct instance *in,
    const struct profile *p, struct strmap *cfg, struct devmap *devs)
{
	size_t i;

	for (i = 0; i < in->profiles.n; i++) {
		struct profile *o = NULL;
		struct err e = { 0 };

		if (strcmp(in->profiles.v[i], p->name) == 0) {
			strmap_merge(cfg, &p->config);
			devmap_merge(devs, &p->devices);
		} else if (t->b->ops->profile_get(t->b, in->profiles.v[i], &o, &e) == 0) {
			strmap_merge(cfg, &o->config);
			devmap_merge(devs, &o->devices);
			profile_free(o);
		}
	}
	strmap_merge(cfg, &in->config);
	devmap_merge(devs, &in->devices);
}

static char *
view_profile_props(const struct strmap *m)
{
	struct strv parts = { 0 };
	char *s;
	size_t i;

	for (i = 0; i < m->n; i++) {
		char *kv = xasprintf("%s=%s", m->keys[i], m->vals[i]);

		strv_push(&parts, kv);
		free(kv);
	}
	s = strv_join(&parts, " ");
	strv_free(&parts);
	return s;
}

static void
view_profile_preview(struct view *v)
{
	struct view_profile_data *d = v->data;
	struct tui *t = v->tui;
	struct instance *in = NULL;
	struct strmap before = { 0 }, after = { 0 };
	struct devmap dbefore = { 0 }, dafter = { 0 };
	struct err e = { 0 };
	const char *user;
	size_t i, j, nchanges = 0;

	if (d->base.used_by.n == 0) {
		view_profile_line(d, ROW_TEXT, NULL, NULL, TE_DIM,
		    "Preview: no instance uses this profile");
		return;
	}
	user = strrchr(d->base.used_by.v[0], '/');
	user = user ? user + 1 : d->base.used_by.v[0];
	if (t->b->ops->instance_get(t->b, user, 0, &in, &e) < 0) {
		view_profile_line(d, ROW_TEXT, NULL, NULL, TE_ERROR,
		    "Preview: instance \"%s\": %s", user, e.msg);
		return;
	}
	view_profile_expand(t, in, &d->base, &before, &dbefore);
	view_profile_expand(t, in, &d->edit, &after, &dafter);
	view_profile_line(d, ROW_TEXT, NULL, NULL, TE_HEADER,
	    "Preview: expanded config of %s (before -> after)", in->name);
	/* Both maps are sorted: walk them together. */
	for (i = 0, j = 0; i < before.n || j < after.n; ) {
		int c = i >= before.n ? 1 : j >= after.n ? -1 :
		    strcmp(before.keys[i], after.keys[j]);

		if (c < 0) {
			view_profile_line(d, ROW_TEXT, NULL, NULL, TE_STOPPED,
			    "  - %s: %s", before.keys[i], before.vals[i]);
			i++, nchanges++;
		} else if (c > 0) {
			view_profile_line(d, ROW_TEXT, NULL, NULL, TE_RUNNING,
			    "  + %s: %s", after.keys[j], after.vals[j]);
			j++, nchanges++;
		} else {
			if (strcmp(before.vals[i], after.vals[j]) != 0) {
				view_profile_line(d, ROW_TEXT, NULL, NULL, TE_STOPPED,
				    "  - %s: %s", before.keys[i], before.vals[i]);
				view_profile_line(d, ROW_TEXT, NULL, NULL, TE_RUNNING,
				    "  + %s: %s", after.keys[j], after.vals[j]);
				nchanges++;
			}
			i++, j++;
		}
	}
	for (i = 0; i < dbefore.n; i++) {
		struct strmap *n = devmap_get(&dafter, dbefore.names[i]);

		if (n == NULL || !strmap_equal(n, &dbefore.props[i])) {
			char *s = view_profile_props(&dbefore.props[i]);

			view_profile_line(d, ROW_TEXT, NULL, NULL, TE_STOPPED,
			    "  - device %s: %s", dbefore.names[i], s);
			free(s);
			nchanges++;
		}
	}
	for (i = 0; i < dafter.n; i++) {
		struct strmap *o = devmap_get(&dbefore, dafter.names[i]);

		if (o == NULL || !strmap_equal(o, &dafter.props[i])) {
			char *s = view_profile_props(&dafter.props[i]);

			view_profile_line(d, ROW_TEXT, NULL, NULL, TE_RUNNING,
			    "  + device %s: %s", dafter.names[i], s);
			free(s);
			nchanges++;
		}
	}
	if (nchanges == 0)
		view_profile_line(d, ROW_TEXT, NULL, NULL, TE_DIM,
		    "  (no change to %s)", in->name);
	strmap_free(&before);
	strmap_free(&after);
	devmap_free(&dbefore);
	devmap_free(&dafter);
	instance_free(in);
}

/* "web1, web2" from the used_by URLs (caller frees). */
static char *
view_profile_users(const struct strv *used_by)
{
	struct strv names = { 0 };
	const char *s;
	char *r;
	size_t i;

	for (i = 0; i < used_by->n; i++) {
		s = strrchr(used_by->v[i], '/');
		strv_push(&names, s ? s + 1 : used_by->v[i]);
	}
	r = strv_join(&names, ", ");
	strv_free(&names);
	return r;
}

static bool
view_profile_modified(struct view_profile_data *d)
{
	return !strmap_equal(&d->base.config, &d->edit.config) ||
	    !devmap_equal(&d->base.devices, &d->edit.devices) ||
	    strcmp(d->base.description ? d->base.description : "",
	    d->edit.description ? d->edit.description : "") != 0;
}

static void
view_profile_build(struct view *v)
{
	struct view_profile_data *d = v->data;
	struct tui *t = v->tui;
	size_t i, j, sel = d->l.sel;
	char *users;

	view_profile_rows_clear(d);
	if (!d->loaded) {
		view_profile_line(d, ROW_TEXT, NULL, NULL, TE_ERROR, "%s",
		    d->err_msg ? d->err_msg : "Not loaded");
		return;
	}
	users = view_profile_users(&d->base.used_by);
	view_profile_line(d, ROW_TEXT, NULL, NULL, TE_HEADER,
	    "Profile %s on %s:  used by %zu%s%s%s", d->edit.name, t->remote,
	    d->base.used_by.n, d->base.used_by.n ? " (" : "", users,
	    d->base.used_by.n ? ")" : "");
	free(users);
	if (d->err_msg != NULL && d->err_kind == ROW_TEXT)
		view_profile_line(d, ROW_TEXT, NULL, NULL, TE_ERROR, "  %s",
		    d->err_msg);
	view_profile_line(d, ROW_DESC, NULL, NULL, TE_NORMAL, "  description: %s%s%s",
	    d->edit.description ? d->edit.description : "",
	    view_profile_row_err(d, ROW_DESC, NULL, NULL) ? "   <- " : "",
	    view_profile_row_err(d, ROW_DESC, NULL, NULL) ? d->err_msg : "");
	view_profile_line(d, ROW_TEXT, NULL, NULL, TE_HEADER, "Config");
	if (d->edit.config.n == 0)
		view_profile_line(d, ROW_TEXT, NULL, NULL, TE_DIM,
		    "  (none: a adds a key)");
	for (i = 0; i < d->edit.config.n; i++) {
		const char *k = d->edit.config.keys[i];
		bool bad = view_profile_row_err(d, ROW_CONFIG, k, NULL);

		view_profile_line(d, ROW_CONFIG, k, NULL, bad ? TE_ERROR : TE_NORMAL,
		    "  %s = %s%s%s", k, d->edit.config.vals[i], bad ? "   <- " : "",
		    bad ? d->err_msg : "");
	}
	view_profile_line(d, ROW_TEXT, NULL, NULL, TE_HEADER, "Devices");
	if (d->edit.devices.n == 0)
		view_profile_line(d, ROW_TEXT, NULL, NULL, TE_DIM,
		    "  (none: A adds a device)");
	for (i = 0; i < d->edit.devices.n; i++) {
		const char *dn = d->edit.devices.names[i];
		const struct strmap *pr = &d->edit.devices.props[i];
		const char *ty = strmap_get(pr, "type");
		bool bad = view_profile_row_err(d, ROW_DEVICE, NULL, dn);

		view_profile_line(d, ROW_DEVICE, NULL, dn, bad ? TE_ERROR : TE_NORMAL,
		    "  %s (%s)%s%s", dn, ty ? ty : "no type", bad ? "   <- " : "",
		    bad ? d->err_msg : "");
		for (j = 0; j < pr->n; j++)
			view_profile_line(d, ROW_DEVPROP, pr->keys[j], dn, TE_NORMAL,
			    "      %s = %s", pr->keys[j], pr->vals[j]);
	}
	view_profile_line(d, ROW_TEXT, NULL, NULL, TE_NORMAL, "%s", "");
	view_profile_preview(v);
	d->l.sel = sel;
	if (d->l.sel == 0 || d->l.sel >= d->nrows)
		d->l.sel = 1;
	v->dirty = true;
	t->chrome_dirty = true;
}

static int
view_profile_load(struct view *v)
{
	struct view_profile_data *d = v->data;
	struct tui *t = v->tui;
	struct profile *p = NULL;
	struct err e = { 0 };

	view_profile_err_clear(d);
	if (t->b == NULL || t->b->ops->profile_get(t->b, v->arg, &p, &e) < 0) {
		d->err_msg = xasprintf("Profile \"%s\": %s", v->arg,
		    t->b ? e.msg : t->berr.msg);
		d->err_kind = ROW_TEXT;
		d->loaded = false;
		return -1;
	}
	profile_free_contents(&d->base);
	profile_free_contents(&d->edit);
	profile_copy(&d->base, p);
	profile_copy(&d->edit, p);
	profile_free(p);
	d->loaded = true;
	d->force = false;
	return 0;
}

static void
view_profile_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_profile_data));
	view_profile_load(v);
	view_profile_build(v);
}

static void
view_profile_free(struct view *v)
{
	struct view_profile_data *d = v->data;

	view_profile_rows_clear(d);
	view_profile_err_clear(d);
	profile_free_contents(&d->base);
	profile_free_contents(&d->edit);
	free(d);
}

static void
view_profile_draw(struct view *v, int top, int rows)
{
	struct view_profile_data *d = v->data;

	view_lines_draw(v, &d->l, top, rows, true);
}

/* Points the backend's refusal at the row it names: the first quoted word
 * of the message that is one of the form's config keys or devices (the
 * message may quote the profile's name first), else any key it mentions. */
static void
view_profile_place_error(struct view_profile_data *d, const char *msg)
{
	const char *q = msg, *q2;
	size_t i;

	view_profile_err_clear(d);
	/* Next to the field, the profile's name goes without saying. */
	if (strncmp(msg, "Failed to update profile \"", 26) == 0 &&
	    (q2 = strstr(msg + 26, "\": ")) != NULL)
		msg = q2 + 3;
	d->err_msg = xstrdup(msg);
	d->err_kind = ROW_TEXT;
	while ((q = strchr(q, '"')) != NULL && (q2 = strchr(q + 1, '"')) != NULL) {
		char *tok = xstrndup(q + 1, (size_t)(q2 - q - 1));

		if (strmap_get(&d->edit.config, tok) != NULL) {
			d->err_kind = ROW_CONFIG;
			d->err_key = tok;
			return;
		}
		if (devmap_get(&d->edit.devices, tok) != NULL) {
			d->err_kind = ROW_DEVICE;
			d->err_dev = tok;
			return;
		}
		free(tok);
		q = q2 + 1;
	}
	for (i = 0; i < d->edit.config.n; i++)
		if (strstr(msg, d->edit.config.keys[i]) != NULL) {
			d->err_kind = ROW_CONFIG;
			d->err_key = xstrdup(d->edit.config.keys[i]);
			return;
		}
}

/*
 * What the form can tell without the backend: the core's rules for the keys
 * they know (the engine's and the fake's own, with their message; a key
 * they do not know is the backend's to judge, a remote LXD may know it),
 * and the form's own: a key with white space cannot be shown in its rows.
 * name is the profile's (the YAML text may leave it out).
 */
static int
view_profile_check(const struct profile *p, const char *name, struct err *e)
{
	size_t i;
	const char *c;

	for (i = 0; i < p->config.n; i++) {
		if (config_key_validate_known(p->config.keys[i], p->config.vals[i],
		    CONFIG_PROFILE, e) < 0)
			return err_prefix(e, "Invalid profile \"%s\"", name);
		for (c = p->config.keys[i]; *c; c++)
			if (isspace((unsigned char)*c))
				return err_set(e, 400, "Invalid configuration key "
				    "\"%s\": no spaces allowed", p->config.keys[i]);
	}
	for (i = 0; i < p->devices.n; i++)
		if (strmap_get(&p->devices.props[i], "type") == NULL)
			return err_set(e, 400, "Invalid device \"%s\": Missing device "
			    "type", p->devices.names[i]);
	return 0;
}

static void
view_profile_save(struct view *v)
{
	struct view_profile_data *d = v->data;
	struct tui *t = v->tui;
	struct profile *cur = NULL;
	struct err e = { 0 };

	if (t->read_only) {
		status_set(t, STATUS_ERR, "Read-only mode: saving is disabled "
		    "(lxdeck was started with --read-only)");
		return;
	}
	if (!view_profile_modified(d)) {
		status_set(t, STATUS_INFO, "Profile \"%s\": nothing to save",
		    d->edit.name);
		return;
	}
	if (view_profile_check(&d->edit, d->edit.name, &e) < 0) {
		view_profile_place_error(d, e.msg);
		status_set(t, STATUS_ERR, "Profile \"%s\" not saved: %s", d->edit.name,
		    e.msg);
		view_profile_build(v);
		return;
	}
	if (!d->force && t->b->ops->profile_get(t->b, d->base.name, &cur, &e) == 0) {
		bool same = strmap_equal(&cur->config, &d->base.config) &&
		    devmap_equal(&cur->devices, &d->base.devices) &&
		    strcmp(cur->description ? cur->description : "",
		    d->base.description ? d->base.description : "") == 0;

		profile_free(cur);
		if (!same) {
			d->force = true;
			status_set(t, STATUS_ERR, "Profile \"%s\" was changed elsewhere "
			    "since it was opened: w again overwrites it, R reloads it",
			    d->base.name);
			return;
		}
	}
	if (t->b->ops->profile_update(t->b, d->base.name, &d->edit, &e) < 0) {
		view_profile_place_error(d, e.msg);
		status_set(t, STATUS_ERR, "Profile \"%s\" not saved: %s", d->edit.name,
		    e.msg);
		view_profile_build(v);
		return;
	}
	status_set(t, STATUS_INFO, "Profile \"%s\" saved on %s: (used by %zu)",
	    d->edit.name, t->remote, d->base.used_by.n);
	view_profile_load(v);
	view_profile_build(v);
}

/* Prompts carry the view's arg (its profile) and find the view again. */
static struct view *
view_profile_find(struct tui *t)
{
	struct view *v = view_top(t);

	return v != NULL && v->type == &view_profile_type ? v : NULL;
}

struct view_profile_edit {
	enum view_profile_row_kind kind;
	char	*key, *dev;
};

static void
view_profile_edit_free(void *p)
{
	struct view_profile_edit *x = p;

	free(x->key);
	free(x->dev);
	free(x);
}

static int
view_profile_kv(const char *s, char **k, const char **val)
{
	const char *eq = strchr(s, '=');

	if (eq == NULL || eq == s)
		return -1;
	*k = xstrndup(s, (size_t)(eq - s));
	while (*k != NULL && strlen(*k) > 0 && isspace((unsigned char)(*k)[strlen(*k) - 1]))
		(*k)[strlen(*k) - 1] = '\0';
	*val = eq + 1;
	while (isspace((unsigned char)**val))
		(*val)++;
	return 0;
}

static void
view_profile_edit_done(struct tui *t, const char *answer, void *arg)
{
	struct view_profile_edit *x = arg;
	struct view *v = view_profile_find(t);
	struct view_profile_data *d;
	struct strmap *props;
	char *k = NULL;
	const char *val;

	if (v == NULL || answer == NULL)
		return;
	d = v->data;
	switch (x->kind) {
	case ROW_DESC:
		free(d->edit.description);
		d->edit.description = xstrdup(answer);
		break;
	case ROW_CONFIG:
		if (x->key != NULL)	/* edit a value */
			strmap_set(&d->edit.config, x->key, answer);
		else if (view_profile_kv(answer, &k, &val) == 0)
			strmap_set(&d->edit.config, k, val);
		else
			status_set(t, STATUS_ERR, "Expected KEY=VALUE, got \"%s\"", answer);
		break;
	case ROW_DEVPROP:
		if ((props = devmap_get(&d->edit.devices, x->dev)) == NULL)
			break;
		if (x->key != NULL)
			strmap_set(props, x->key, answer);
		else if (view_profile_kv(answer, &k, &val) == 0)
			strmap_set(props, k, val);
		else
			status_set(t, STATUS_ERR, "Expected KEY=VALUE, got \"%s\"", answer);
		break;
	case ROW_DEVICE: {	/* a new device: "NAME k=v k=v" */
		struct strv w = { 0 };
		struct strmap m = { 0 };
		size_t i;

		strv_split(&w, answer, ' ');
		for (i = 1; i < w.n; i++) {
			char *kk = NULL;

			if (view_profile_kv(w.v[i], &kk, &val) == 0)
				strmap_set(&m, kk, val);
			free(kk);
		}
		if (w.n > 0)
			devmap_set(&d->edit.devices, w.v[0], &m);
		strmap_free(&m);
		strv_free(&w);
		break;
	}
	default:
		break;
	}
	free(k);
	view_profile_build(v);
}

static void
view_profile_prompt(struct view *v, enum view_profile_row_kind kind,
    const char *key, const char *dev, const char *label, const char *initial)
{
	struct view_profile_edit *x = xcalloc(1, sizeof *x);

	x->kind = kind;
	x->key = xstrdup(key);
	x->dev = xstrdup(dev);
	prompt_input(v->tui, label, initial, NULL, NULL, view_profile_edit_done, x,
	    view_profile_edit_free);
}

static void
view_profile_discard_done(struct tui *t, const char *answer, void *arg)
{
	if (answer != NULL && view_profile_find(t) != NULL)
		view_pop(t);
}

static bool
view_profile_key(struct view *v, int key)
{
	struct view_profile_data *d = v->data;
	struct tui *t = v->tui;
	struct view_profile_row *r = d->l.sel < d->nrows ? &d->rows[d->l.sel] : NULL;
	struct strmap *props;
	char *label;

	if (!d->loaded && key != 'R' && key != 'q' && key != 27)
		return false;
	switch (key) {
	case '\n':
		if (r == NULL)
			return true;
		if (r->kind == ROW_DESC)
			view_profile_prompt(v, ROW_DESC, NULL, NULL, "description: ",
			    d->edit.description ? d->edit.description : "");
		else if (r->kind == ROW_CONFIG) {
			label = xasprintf("%s = ", r->key);
			view_profile_prompt(v, ROW_CONFIG, r->key, NULL, label,
			    strmap_get(&d->edit.config, r->key));
			free(label);
		} else if (r->kind == ROW_DEVPROP &&
		    (props = devmap_get(&d->edit.devices, r->dev)) != NULL) {
			label = xasprintf("%s: %s = ", r->dev, r->key);
			view_profile_prompt(v, ROW_DEVPROP, r->key, r->dev, label,
			    strmap_get(props, r->key));
			free(label);
		} else if (r->kind == ROW_DEVICE) {
			label = xasprintf("Add to device %s (KEY=VALUE): ", r->dev);
			view_profile_prompt(v, ROW_DEVPROP, NULL, r->dev, label, "");
			free(label);
		}
		return true;
	case 'a':
		view_profile_prompt(v, ROW_CONFIG, NULL, NULL,
		    "Add config (KEY=VALUE): ", "");
		return true;
	case 'A':
		view_profile_prompt(v, ROW_DEVICE, NULL, NULL,
		    "Add device (NAME type=TYPE KEY=VALUE...): ", "");
		return true;
	case 'd':
	case KEY_DC:
		if (r == NULL)
			return true;
		if (r->kind == ROW_CONFIG)
			strmap_unset(&d->edit.config, r->key);
		else if (r->kind == ROW_DEVICE)
			devmap_unset(&d->edit.devices, r->dev);
		else if (r->kind == ROW_DEVPROP &&
		    (props = devmap_get(&d->edit.devices, r->dev)) != NULL)
			strmap_unset(props, r->key);
		view_profile_build(v);
		return true;
	case 'w':
		view_profile_save(v);
		return true;
	case 'R':
		view_profile_load(v);
		view_profile_build(v);
		status_set(t, STATUS_INFO, "Profile \"%s\" reloaded", v->arg);
		return true;
	case 'e':
		if (t->read_only)
			status_set(t, STATUS_ERR, "Read-only mode: edit is disabled "
			    "(lxdeck was started with --read-only)");
		else
			view_profile_edit_yaml(t, v->arg);
		return true;
	case 'q':
	case 27:
		if (d->loaded && view_profile_modified(d)) {
			label = xasprintf("Discard the unsaved changes to profile "
			    "\"%s\"?", v->arg);
			prompt_confirm(t, label, view_profile_discard_done, NULL, NULL);
			free(label);
			return true;
		}
		return false;	/* app.c goes back */
	}
	return view_lines_key(v, &d->l, key, view_body_rows(t));
}

static void
view_profile_refresh(struct view *v)
{
	struct view_profile_data *d = v->data;
	struct profile *p = NULL;
	struct err e = { 0 };

	/* Follow the backend while the user has not changed anything. */
	if (d->loaded && !view_profile_modified(d) && v->tui->b != NULL &&
	    v->tui->b->ops->profile_get(v->tui->b, v->arg, &p, &e) == 0) {
		profile_free_contents(&d->base);
		profile_free_contents(&d->edit);
		profile_copy(&d->base, p);
		profile_copy(&d->edit, p);
		profile_free(p);
	}
	view_profile_build(v);
}

static const char *
view_profile_title(struct view *v)
{
	struct view_profile_data *d = v->data;

	snprintf(d->title, sizeof d->title, "Profile %s%s", v->arg,
	    d->loaded && view_profile_modified(d) ? "  [modified]" : "");
	return d->title;
}

static const char *
view_profile_hint(struct view *v)
{
	return "Enter edit\ta add key\tA add device\td remove\tw save\te yaml\t"
	    "R reload\tq back";
}

const struct view_type view_profile_type = {
	.name = "profile",
	.init = view_profile_init,
	.free = view_profile_free,
	.draw = view_profile_draw,
	.key = view_profile_key,
	.update = view_profile_refresh,
	.title = view_profile_title,
	.hint = view_profile_hint,
};

/* The YAML edit loop's check: parse, then let the backend validate. */
static int
view_profile_yaml_check(struct tui *t, const char *text, void *arg,
    struct err *e)
{
	const char *name = arg;
	struct profile p;

	if (profile_yaml_parse(text, &p, e) < 0)
		return -1;
	if (p.name != NULL && strcmp(p.name, name) != 0) {
		profile_free_contents(&p);
		return err_set(e, 400, "The name cannot be changed here (it is "
		    "\"%s\"): use rename (m) in the profile list", name);
	}
	if (view_profile_check(&p, name, e) < 0 ||
	    t->b->ops->profile_update(t->b, name, &p, e) < 0) {
		profile_free_contents(&p);
		return -1;
	}
	profile_free_contents(&p);
	return 0;
}

void
view_profile_edit_yaml(struct tui *t, const char *name)
{
	struct profile *p = NULL;
	struct err e = { 0 };
	char *yaml, *header, *n = xstrdup(name);
	struct view *v;
	int rc;

	if (t->b == NULL || t->b->ops->profile_get(t->b, n, &p, &e) < 0) {
		status_set(t, STATUS_ERR, "Profile \"%s\": %s", n,
		    t->b ? e.msg : t->berr.msg);
		free(n);
		return;
	}
	yaml = profile_yaml_emit(p);
	header = xasprintf("### Profile \"%s\" on %s: as YAML (the shape of `lxc "
	    "profile edit`).\n### Lines starting with '#' are ignored; name and "
	    "used_by are not changed here.\n", n, t->remote);
	rc = editor_edit(t, header, yaml, view_profile_yaml_check, n, &e);
	if (rc < 0)
		status_set(t, STATUS_ERR, "%s", e.msg);
	else if (rc > 0)
		status_set(t, STATUS_INFO, "Profile \"%s\" unchanged", n);
	else
		status_set(t, STATUS_INFO, "Profile \"%s\" saved on %s:", n, t->remote);
	if ((v = view_profile_find(t)) != NULL && strcmp(v->arg, n) == 0) {
		view_profile_load(v);
		view_profile_build(v);
	}
	app_request_refresh(t);
	free(header);
	free(yaml);
	profile_free(p);
	free(n);
}
