/*
 * view-timeline.c - `t`: the snapshots of one instance on a time axis.
 *
 * Top, an axis from the oldest snapshot to the last scheduled one: `o` per
 * snapshot (`S` stateful, the selected one highlighted), `|` for now and `+`
 * for the next firings of snapshots.schedule (cron.c).  Under it one row per
 * snapshot, oldest first, with its absolute time, how long ago, its expiry
 * ("in 6d", or "expired"), stateful mark and size; then a "now" row (the
 * instance as it is) and the upcoming scheduled ones.  Enter shows the
 * selected snapshot's config and devices against the instance's current
 * ones as a diff under the rows, then the files changed since it where the
 * backend can tell cheaply (snapshot_diff_files: overlay storage on the
 * local engine); elsewhere that section holds the backend's reason.
 *
 * `n` takes a snapshot (the name prompt offers the next free snapN; Enter
 * accepts), `r` restores (after a confirmation naming the snapshot, the
 * instance and the remote), `m` renames, `d` deletes (confirmed), `C` copies
 * the snapshot to a new instance and `p` publishes it as an image.  Each is
 * an operation app.c follows; the rows are refetched on the events it ends
 * with.  Prompts carry the instance and snapshot names, never the view.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "tui.h"

#define TIMELINE_TICKS	3	/* scheduled snapshots shown ahead of now */

struct view_timeline_data {
	struct snapshot		*snaps;
	size_t			 nsnaps;
	struct instance		*in;
	char			*errmsg;
	time_t			 ticks[TIMELINE_TICKS];
	int			 nticks;
	char			*schedule, *expiry;
	bool			 show_diff;
	struct view_lines	 l;		/* rows under the axis */
	size_t			 first_row;	/* line of the first snapshot */
	char			 title[160];
};

static void
view_timeline_ago(int64_t ns, int64_t now, char *buf, size_t len)
{
	int64_t s = (now - ns) / 1000000000;
	const char *suffix = s >= 0 ? "ago" : "from now";

	if (s < 0)
		s = -s;
	if (s < 60)
		snprintf(buf, len, "%llds %s", (long long)s, suffix);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %s", (long long)s / 60, suffix);
	else if (s < 86400)
		snprintf(buf, len, "%lldh %s", (long long)s / 3600, suffix);
	else
		snprintf(buf, len, "%lldd %s", (long long)s / 86400, suffix);
}

static void
view_timeline_until(int64_t ns, int64_t now, char *buf, size_t len)
{
	char a[32];

	if (ns <= 0) {
		snprintf(buf, len, "never");
		return;
	}
	if (ns <= now) {
		snprintf(buf, len, "expired");
		return;
	}
	view_timeline_ago(ns, now, a, sizeof a);
	snprintf(buf, len, "in %.*s", (int)(strlen(a) - 9), a);	/* drop " from now" */
}

static void
view_timeline_diff_maps(struct view_lines *l, const struct strmap *a,
    const struct strmap *b)
{
	size_t i, j;
	int n = 0;

	for (i = 0, j = 0; i < a->n || j < b->n; ) {
		int c = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->keys[i], b->keys[j]);

		if (c < 0) {
			view_lines_add(l, TE_STOPPED, "  - %s: %s", a->keys[i], a->vals[i]);
			i++, n++;
		} else if (c > 0) {
			view_lines_add(l, TE_RUNNING, "  + %s: %s", b->keys[j], b->vals[j]);
			j++, n++;
		} else {
			if (strcmp(a->vals[i], b->vals[j]) != 0) {
				view_lines_add(l, TE_STOPPED, "  - %s: %s", a->keys[i],
				    a->vals[i]);
				view_lines_add(l, TE_RUNNING, "  + %s: %s", b->keys[j],
				    b->vals[j]);
				n++;
			}
			i++, j++;
		}
	}
	if (n == 0)
		view_lines_add(l, TE_DIM, "  (same)");
}

static void
view_timeline_diff_devices(struct view_lines *l, const struct devmap *a,
    const struct devmap *b)
{
	struct strmap fa = { 0 }, fb = { 0 };
	size_t i, j;

	/* Flatten "dev.key" so the map diff does the work. */
	for (i = 0; i < a->n; i++)
		for (j = 0; j < a->props[i].n; j++) {
			char *k = xasprintf("%s.%s", a->names[i], a->props[i].keys[j]);

			strmap_set(&fa, k, a->props[i].vals[j]);
			free(k);
		}
	for (i = 0; i < b->n; i++)
		for (j = 0; j < b->props[i].n; j++) {
			char *k = xasprintf("%s.%s", b->names[i], b->props[i].keys[j]);

			strmap_set(&fb, k, b->props[i].vals[j]);
			free(k);
		}
	view_timeline_diff_maps(l, &fa, &fb);
	strmap_free(&fa);
	strmap_free(&fb);
}

/* "Files changed since SNAP": the backend's M/A/D lines, or why it cannot
 * tell (501 on dir storage and remotes), in the section itself. */
static void
view_timeline_diff_files(struct view_lines *l, struct backend *b,
    const char *inst, const char *snap)
{
	struct strv lines = { 0 };
	struct err e = { 0 };
	size_t i;

	view_lines_add(l, TE_HEADER, "Files changed since %s", snap);
	if (b->ops->snapshot_diff_files == NULL) {
		view_lines_add(l, TE_DIM, "  Not available on this remote");
		return;
	}
	if (b->ops->snapshot_diff_files(b, inst, snap, &lines, &e) < 0) {
		view_lines_add(l, e.code == 501 ? TE_DIM : TE_ERROR, "  %s", e.msg);
		return;
	}
	for (i = 0; i < lines.n; i++) {
		const char *x = lines.v[i];

		view_lines_add(l, x[0] == 'A' ? TE_RUNNING : x[0] == 'D' ? TE_STOPPED :
		    x[0] == 'M' ? TE_NORMAL : TE_DIM, "  %s", x);
	}
	if (lines.n == 0)
		view_lines_add(l, TE_DIM, "  (none)");
	strv_free(&lines);
}

static void
view_timeline_build(struct view *v)
{
	struct view_timeline_data *d = v->data;
	struct tui *t = v->tui;
	int64_t now = time_now_ns();
	char when[64], ago[32], exp[32], sz[32];
	size_t i, sel = d->l.sel;
	const char *s;

	view_lines_clear(&d->l);
	snapshot_array_free(d->snaps, d->nsnaps);
	d->snaps = NULL;
	d->nsnaps = 0;
	instance_free(d->in);
	d->in = NULL;
	free(d->errmsg);
	d->errmsg = NULL;
	free(d->schedule);
	free(d->expiry);
	d->schedule = d->expiry = NULL;
	d->nticks = 0;
	if (t->b == NULL) {
		d->errmsg = xstrdup(t->berr.msg);
		return;
	}
	{
		struct err e = { 0 };

		if (t->b->ops->instance_get(t->b, v->arg, 0, &d->in, &e) < 0 ||
		    t->b->ops->snapshot_list(t->b, v->arg, &d->snaps, &d->nsnaps,
		    &e) < 0) {
			d->errmsg = xasprintf("Instance \"%s\": %s", v->arg, e.msg);
			return;
		}
	}
	if ((s = strmap_get(&d->in->expanded_config, "snapshots.schedule")) != NULL &&
	    *s != '\0') {
		struct err e = { 0 };
		time_t after = time(NULL);

		d->schedule = xstrdup(s);
		while (d->nticks < TIMELINE_TICKS &&
		    cron_next(s, after, &d->ticks[d->nticks], &e) == 0)
			after = d->ticks[d->nticks++];
	}
	if ((s = strmap_get(&d->in->expanded_config, "snapshots.expiry")) != NULL &&
	    *s != '\0')
		d->expiry = xstrdup(s);
	view_lines_add(&d->l, TE_HEADER, "%-16s %-20s %-10s %-14s %-8s %s", "SNAPSHOT",
	    "TAKEN", "AGO", "EXPIRES", "STATEFUL", "SIZE");
	d->first_row = 1;
	for (i = 0; i < d->nsnaps; i++) {
		const struct snapshot *sn = &d->snaps[i];

		view_timeline_ago(sn->created_ns, now, ago, sizeof ago);
		view_timeline_until(sn->expires_ns, now, exp, sizeof exp);
		view_lines_add(&d->l, TE_NORMAL, "%-16s %-20s %-10s %-14s %-8s %s",
		    sn->name, view_fmt_time(sn->created_ns, when, sizeof when), ago,
		    exp, sn->stateful ? "yes" : "", view_fmt_bytes(sn->size, sz,
		    sizeof sz));
	}
	view_lines_add(&d->l, TE_RUNNING, "%-16s %-20s %-10s %s", "now",
	    view_fmt_time(now, when, sizeof when), "", status_code_name(d->in->status));
	for (i = 0; i < (size_t)d->nticks; i++) {
		view_timeline_ago((int64_t)d->ticks[i] * 1000000000, now, ago, sizeof ago);
		view_lines_add(&d->l, TE_DIM, "%-16s %-20s %-10s %s", "(scheduled)",
		    view_fmt_time((int64_t)d->ticks[i] * 1000000000, when, sizeof when),
		    "", ago);
	}
	if (d->nsnaps == 0)
		view_lines_add(&d->l, TE_DIM, "  No snapshots yet: n takes one");
	if (d->show_diff && sel >= d->first_row && sel < d->first_row + d->nsnaps) {
		const struct snapshot *sn = &d->snaps[sel - d->first_row];

		view_lines_add(&d->l, TE_NORMAL, "%s", "");
		view_lines_add(&d->l, TE_HEADER, "Config: snapshot %s -> now", sn->name);
		view_timeline_diff_maps(&d->l, &sn->config, &d->in->config);
		view_lines_add(&d->l, TE_HEADER, "Devices: snapshot %s -> now", sn->name);
		view_timeline_diff_devices(&d->l, &sn->devices, &d->in->devices);
		if (!strv_equal(&sn->profiles, &d->in->profiles)) {
			char *a = strv_join(&sn->profiles, ","), *b = strv_join(&d->in->profiles, ",");

			view_lines_add(&d->l, TE_HEADER, "Profiles: %s -> %s", a, b);
			free(a);
			free(b);
		}
		view_timeline_diff_files(&d->l, t->b, v->arg, sn->name);
	}
	d->l.sel = sel;
	if (d->l.sel < d->first_row)
		d->l.sel = d->nsnaps > 0 ? d->first_row + d->nsnaps - 1 : d->first_row;
	if (d->l.sel > d->first_row + d->nsnaps)
		d->l.sel = d->first_row + d->nsnaps;
}

static const struct snapshot *
view_timeline_selected(struct view_timeline_data *d)
{
	if (d->l.sel < d->first_row || d->l.sel >= d->first_row + d->nsnaps)
		return NULL;
	return &d->snaps[d->l.sel - d->first_row];
}

/* The axis: three rows (marks, labels, legend) at the top of the body. */
static void
view_timeline_axis(struct view *v, int y)
{
	struct view_timeline_data *d = v->data;
	struct tui *t = v->tui;
	const struct snapshot *sel = view_timeline_selected(d);
	int64_t now = time_now_ns(), lo = now, hi = now;
	int w = COLS - 4, x, i;
	char *line, *labels, a[32];

	if (w < 10)
		return;
	for (i = 0; i < (int)d->nsnaps; i++)
		if (d->snaps[i].created_ns < lo)
			lo = d->snaps[i].created_ns;
	if (d->nticks > 0)
		hi = (int64_t)d->ticks[d->nticks - 1] * 1000000000;
	if (hi <= lo)
		hi = lo + 1;
	line = xmalloc((size_t)w + 1);
	labels = xmalloc((size_t)w + 1);
	memset(line, '-', (size_t)w);
	memset(labels, ' ', (size_t)w);
	line[w] = labels[w] = '\0';
#define AXIS_X(ns) ((int)(((double)((ns) - lo) / (double)(hi - lo)) * (w - 1)))
	for (i = 0; i < d->nticks; i++)
		line[AXIS_X((int64_t)d->ticks[i] * 1000000000)] = '+';
	for (i = 0; i < (int)d->nsnaps; i++)
		line[AXIS_X(d->snaps[i].created_ns)] = d->snaps[i].stateful ? 'S' : 'o';
	x = AXIS_X(now);
	line[x] = '|';
	memcpy(labels + (x >= 3 ? x - 3 : 0), "now", 3);
	if (d->nsnaps > 0) {
		view_timeline_ago(lo, now, a, sizeof a);
		memcpy(labels, a, strlen(a) < (size_t)x - 4 ? strlen(a) : 0);
	}
	screen_put(t, y, 0, 2, TE_NORMAL, "");
	screen_put(t, y, 2, w, TE_NORMAL, line);
	screen_put(t, y, 2 + w, COLS - 2 - w, TE_NORMAL, "");
	if (sel != NULL) {
		char mark[2] = { line[AXIS_X(sel->created_ns)], '\0' };

		screen_put(t, y, 2 + AXIS_X(sel->created_ns), 1, TE_SELECTED, mark);
	}
	screen_put(t, y + 1, 0, 2, TE_DIM, "");
	screen_put(t, y + 1, 2, COLS - 2, TE_DIM, labels);
	{
		char legend[256];

		snprintf(legend, sizeof legend, "  o snapshot  S stateful  | now%s%s%s%s",
		    d->schedule ? "  + scheduled (" : "", d->schedule ? d->schedule : "",
		    d->schedule ? ")" : "", d->expiry ? "  expiry: " : "");
		if (d->expiry != NULL)
			strncat(legend, d->expiry, sizeof legend - strlen(legend) - 1);
		screen_put(t, y + 2, 0, COLS, TE_DIM, legend);
	}
#undef AXIS_X
	free(line);
	free(labels);
}

static void
view_timeline_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_timeline_data));
	view_timeline_build(v);
}

static void
view_timeline_free(struct view *v)
{
	struct view_timeline_data *d = v->data;

	view_lines_free(&d->l);
	snapshot_array_free(d->snaps, d->nsnaps);
	instance_free(d->in);
	free(d->errmsg);
	free(d->schedule);
	free(d->expiry);
	free(d);
}

static void
view_timeline_draw(struct view *v, int top, int rows)
{
	struct view_timeline_data *d = v->data;
	int r;

	if (d->errmsg != NULL) {
		screen_put(v->tui, top, 0, COLS, TE_ERROR, d->errmsg);
		for (r = 1; r < rows; r++)
			screen_fill(v->tui, top + r, TE_NORMAL);
		return;
	}
	if (rows < 6) {
		view_lines_draw(v, &d->l, top, rows, true);
		return;
	}
	view_timeline_axis(v, top);
	screen_fill(v->tui, top + 3, TE_NORMAL);
	d->l.sel_only = false;		/* the axis highlight moves too */
	view_lines_draw(v, &d->l, top + 4, rows - 4, true);
}

static void
view_timeline_refresh(struct view *v)
{
	view_timeline_build(v);
	v->dirty = true;
}

/* "inst\0snap" pairs the prompts carry. */
struct view_timeline_req {
	char	*inst, *snap;
};

static void
view_timeline_req_free(void *p)
{
	struct view_timeline_req *r = p;

	free(r->inst);
	free(r->snap);
	free(r);
}

static struct view_timeline_req *
view_timeline_req(const char *inst, const char *snap)
{
	struct view_timeline_req *r = xcalloc(1, sizeof *r);

	r->inst = xstrdup(inst);
	r->snap = xstrdup(snap);
	return r;
}

/* Reports the result of a backend call that returned an operation, what
 * it did said by fmt. */
static void PRINTF_LIKE(5, 6)
view_timeline_track(struct tui *t, int rc, char *op, const struct err *e,
    const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	if (rc < 0)
		status_set(t, STATUS_ERR, "%s: %s", what, e->msg);
	else {
		if (op != NULL)
			app_track_op(t, op, what, NULL);
		status_set(t, STATUS_INFO, "%s", what);
		app_request_refresh(t);
	}
	free(what);
}

/* A confirmation answered no (answer NULL): says so. */
static bool
view_timeline_cancelled(struct tui *t, const char *answer, const char *msg)
{
	if (answer == NULL)
		status_set(t, STATUS_INFO, "Cancelled: %s", msg);
	return answer == NULL;
}

static void
view_timeline_create_done(struct tui *t, const char *answer, void *arg)
{
	struct view_timeline_req *r = arg;
	struct err e = { 0 };
	char *op = NULL;
	int rc;

	if (view_timeline_cancelled(t, answer, "no snapshot taken"))
		return;
	rc = t->b->ops->snapshot_create(t->b, r->inst, answer, false, 0, &op, &e);
	view_timeline_track(t, rc, op, &e, "Snapshot \"%s\" of instance \"%s\"",
	    *answer ? answer : "(next)", r->inst);
}

static void
view_timeline_restore_done(struct tui *t, const char *answer, void *arg)
{
	struct view_timeline_req *r = arg;
	struct err e = { 0 };
	char *op = NULL;
	int rc;

	if (view_timeline_cancelled(t, answer, "nothing was changed"))
		return;
	rc = t->b->ops->snapshot_restore(t->b, r->inst, r->snap, false, &op, &e);
	view_timeline_track(t, rc, op, &e, "Restoring instance \"%s\" to snapshot "
	    "\"%s\"", r->inst, r->snap);
}

static void
view_timeline_rename_done(struct tui *t, const char *answer, void *arg)
{
	struct view_timeline_req *r = arg;
	struct err e = { 0 };
	char *op = NULL;
	int rc;

	if (answer == NULL || *answer == '\0' || strcmp(answer, r->snap) == 0)
		return;
	rc = t->b->ops->snapshot_rename(t->b, r->inst, r->snap, answer, &op, &e);
	view_timeline_track(t, rc, op, &e, "Renaming snapshot \"%s/%s\" to \"%s\"",
	    r->inst, r->snap, answer);
}

static void
view_timeline_delete_done(struct tui *t, const char *answer, void *arg)
{
	struct view_timeline_req *r = arg;
	struct err e = { 0 };
	char *op = NULL;
	int rc;

	if (view_timeline_cancelled(t, answer, "nothing was changed"))
		return;
	rc = t->b->ops->snapshot_delete(t->b, r->inst, r->snap, &op, &e);
	view_timeline_track(t, rc, op, &e, "Deleting snapshot \"%s/%s\"", r->inst,
	    r->snap);
}

static void
view_timeline_copy_done(struct tui *t, const char *answer, void *arg)
{
	struct view_timeline_req *r = arg;
	struct instance_create c = { 0 };
	struct err e = { 0 };
	char *op = NULL, *from;
	int rc;

	if (answer == NULL || *answer == '\0')
		return;
	from = xasprintf("%s/%s", r->inst, r->snap);
	c.name = answer;
	c.source = SOURCE_COPY;
	c.copy_from = from;
	rc = t->b->ops->instance_create(t->b, &c, &op, &e);
	view_timeline_track(t, rc, op, &e, "Copying snapshot \"%s\" to instance "
	    "\"%s\"", from, answer);
	free(from);
}

static void
view_timeline_publish_done(struct tui *t, const char *answer, void *arg)
{
	struct view_timeline_req *r = arg;
	struct strmap props = { 0 };
	struct err e = { 0 };
	char *op = NULL, *from;
	int rc;

	if (answer == NULL)
		return;
	from = xasprintf("%s/%s", r->inst, r->snap);
	strmap_set(&props, "description", *answer ? answer : from);
	rc = t->b->ops->image_publish(t->b, from, &props, false, NULL, &op, &e);
	view_timeline_track(t, rc, op, &e, "Publishing snapshot \"%s\" as an image",
	    from);
	free(from);
	strmap_free(&props);
}

/* The next free snapN, as the backend would pick it. */
static char *
view_timeline_next_name(struct view_timeline_data *d)
{
	int n = 0;
	size_t i;

	for (;; n++) {
		char *c = xasprintf("snap%d", n);

		for (i = 0; i < d->nsnaps; i++)
			if (strcmp(d->snaps[i].name, c) == 0)
				break;
		if (i == d->nsnaps)
			return c;
		free(c);
	}
}

static bool
view_timeline_key(struct view *v, int key)
{
	struct view_timeline_data *d = v->data;
	struct tui *t = v->tui;
	const struct snapshot *sn = view_timeline_selected(d);
	char *q, *name;
	size_t old = d->l.sel;
	bool r;

	switch (key) {
	case 'n':
		if (!view_writable(t, "snapshot"))
			return true;
		name = view_timeline_next_name(d);
		q = xasprintf("Snapshot %s on %s: as: ", v->arg, t->remote);
		prompt_input(t, q, name, NULL, NULL, view_timeline_create_done,
		    view_timeline_req(v->arg, NULL), view_timeline_req_free);
		free(q);
		free(name);
		return true;
	case 'r':
	case 'm':
	case 'd':
	case 'C':
	case 'p':
		if (sn == NULL) {
			status_set(t, STATUS_ERR, "No snapshot selected");
			return true;
		}
		if (!view_writable(t, key == 'r' ? "restore" : key == 'm' ?
		    "rename" : key == 'd' ? "delete" : key == 'C' ? "copy" : "publish"))
			return true;
		if (key == 'r') {
			q = xasprintf("Restore instance \"%s\" on %s: to snapshot \"%s\" "
			    "(changes since are lost)?", v->arg, t->remote, sn->name);
			prompt_confirm(t, q, view_timeline_restore_done,
			    view_timeline_req(v->arg, sn->name), view_timeline_req_free);
		} else if (key == 'd') {
			q = xasprintf("Delete snapshot \"%s\" of instance \"%s\" on %s:?",
			    sn->name, v->arg, t->remote);
			prompt_confirm(t, q, view_timeline_delete_done,
			    view_timeline_req(v->arg, sn->name), view_timeline_req_free);
		} else if (key == 'm') {
			q = xasprintf("Rename snapshot \"%s\" to: ", sn->name);
			prompt_input(t, q, sn->name, NULL, NULL, view_timeline_rename_done,
			    view_timeline_req(v->arg, sn->name), view_timeline_req_free);
		} else if (key == 'C') {
			q = xasprintf("Copy snapshot \"%s/%s\" to a new instance named: ",
			    v->arg, sn->name);
			prompt_input(t, q, "", NULL, NULL, view_timeline_copy_done,
			    view_timeline_req(v->arg, sn->name), view_timeline_req_free);
		} else {
			q = xasprintf("Publish \"%s/%s\" as an image, description: ",
			    v->arg, sn->name);
			prompt_input(t, q, "", NULL, NULL, view_timeline_publish_done,
			    view_timeline_req(v->arg, sn->name), view_timeline_req_free);
		}
		free(q);
		return true;
	case '\n':
		d->show_diff = !d->show_diff;
		view_timeline_build(v);
		v->dirty = true;
		return true;
	}
	r = view_lines_key(v, &d->l, key, view_body_rows(t) - 4);
	if (d->l.sel < d->first_row)
		d->l.sel = d->first_row;
	if (d->l.sel > d->first_row + d->nsnaps)
		d->l.sel = d->first_row + d->nsnaps;	/* "now" is the last row */
	if (r && d->show_diff && d->l.sel != old)
		view_timeline_build(v);
	return r;
}

static const char *
view_timeline_title(struct view *v)
{
	struct view_timeline_data *d = v->data;

	snprintf(d->title, sizeof d->title, "Snapshots of %s (%zu)", v->arg,
	    d->nsnaps);
	return d->title;
}

static const char *
view_timeline_hint(struct view *v)
{
	return "n snapshot\tr restore\tm rename\td delete\tC copy\tp publish\t"
	    "Enter diff\tq back";
}

const struct view_type view_timeline_type = {
	.name = "timeline",
	.init = view_timeline_init,
	.free = view_timeline_free,
	.draw = view_timeline_draw,
	.key = view_timeline_key,
	.update = view_timeline_refresh,
	.title = view_timeline_title,
	.hint = view_timeline_hint,
};
