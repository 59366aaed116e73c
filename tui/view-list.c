/*
 * view-list.c - the instance list, lxdeck's start view.
 *
 * It reads tui->insts (the cache app.c refetches on events) and keeps only
 * indexes into it: the rows that pass the filter, in sort order.  The
 * selection is remembered by name, so a refresh that reorders or removes rows
 * keeps the cursor on the same instance.  Marks are names too, and survive
 * refreshes; an action applies to the marked instances when there are any,
 * else to the selected one.  Moving the selection repaints two rows.
 *
 * Over a merged list (core/backend-multi.c) each instance carries its
 * remote: the NAME column shows its name and a REMOTE column the remote;
 * selection and marks are refs (REMOTE:NAME there, inst-cache.c), which is
 * how the backend and the other views address it.  LOCATION
 * appears when some instance is on a cluster member ("none" elsewhere).
 * Columns that are not shown are skipped by the sort keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curses.h>

#include "tui.h"

/* Sort keys F2.. follow this order; to add a column: add it here (at the
 * end, so F-keys keep their meaning), name it, place it in
 * view_list_order[], give it a cell, a width and a comparison. */
enum view_list_col {
	COL_NAME, COL_STATE, COL_IPV4, COL_SNAPSHOTS, COL_CPU, COL_MEMORY,
	COL_PROFILES, COL_REMOTE, COL_LOCATION, COL__COUNT
};

static const char *const view_list_cols[COL__COUNT] = {
	"NAME", "STATE", "IPV4", "SNAPSHOTS", "CPU", "MEMORY", "PROFILES",
	"REMOTE", "LOCATION",
};

/* Left to right on screen; the last one takes the rest of the line. */
static const enum view_list_col view_list_order[COL__COUNT] = {
	COL_NAME, COL_REMOTE, COL_STATE, COL_IPV4, COL_SNAPSHOTS, COL_CPU,
	COL_MEMORY, COL_LOCATION, COL_PROFILES,
};

struct view_list_data {
	size_t		*rows;		/* indexes into tui->insts */
	size_t		 nrows;
	size_t		 sel, top, old_sel;
	bool		 sel_only;
	char		*sel_name;
	struct strv	 marks;
	int		 sort_col;
	bool		 sort_rev;
	char		*filter_text;
	struct filter	*filter;
	bool		 merged;	/* REMOTE column */
	bool		 clustered;	/* LOCATION column */
	int		 width[COL__COUNT];
	char		 title[256];
	char		 hint[512];
	char		 ref[INST_REF_MAX];	/* view_list_selected_name() */
};

static struct view_list_data *
view_list_data(struct view *v)
{
	return v->data;
}

static bool
view_list_col_shown(struct view_list_data *d, int c)
{
	return c == COL_REMOTE ? d->merged : c == COL_LOCATION ? d->clustered : true;
}

static bool
view_list_has_location(const struct instance *in)
{
	return in->location != NULL && *in->location != '\0' &&
	    strcmp(in->location, "none") != 0;
}

static int
view_list_cmp(const void *a, const void *b, void *arg)
{
	struct view *v = arg;
	struct view_list_data *d = view_list_data(v);
	const struct instance *x = &v->tui->insts[*(const size_t *)a];
	const struct instance *y = &v->tui->insts[*(const size_t *)b];
	int64_t dx = 0, dy = 0;
	int c = 0;
	char *px, *py;

	switch (d->sort_col) {
	case COL_STATE:
		c = strcmp(status_code_name(x->status), status_code_name(y->status));
		break;
	case COL_IPV4:
		c = strverscmp(filter_ipv4(x), filter_ipv4(y));
		break;
	case COL_SNAPSHOTS:
		dx = (int64_t)x->nsnapshots, dy = (int64_t)y->nsnapshots;
		break;
	case COL_CPU:
		dx = x->state ? x->state->cpu_usage_ns : 0;
		dy = y->state ? y->state->cpu_usage_ns : 0;
		break;
	case COL_MEMORY:
		dx = x->state ? x->state->memory_usage : 0;
		dy = y->state ? y->state->memory_usage : 0;
		break;
	case COL_PROFILES:
		px = strv_join(&x->profiles, ",");
		py = strv_join(&y->profiles, ",");
		c = strcmp(px, py);
		free(px);
		free(py);
		break;
	case COL_REMOTE:
		c = strcmp(x->remote ? x->remote : "", y->remote ? y->remote : "");
		break;
	case COL_LOCATION:
		c = strverscmp(x->location ? x->location : "",
		    y->location ? y->location : "");
		break;
	default:
		break;
	}
	if (c == 0 && dx != dy)
		c = dx < dy ? -1 : 1;
	if (c == 0)
		c = strverscmp(x->name, y->name);
	if (c == 0)
		c = strverscmp(x->remote ? x->remote : "", y->remote ? y->remote : "");
	return d->sort_rev ? -c : c;
}

/* The selected instance's ref (into d->ref), NULL when none. */
static const char *
view_list_selected_name(struct view_list_data *d, struct tui *t)
{
	if (d->nrows == 0 || d->sel >= d->nrows)
		return NULL;
	return inst_cache_ref(&t->insts[d->rows[d->sel]], d->ref, sizeof d->ref);
}

const char *
view_list_selected(struct view *v)
{
	return view_list_selected_name(view_list_data(v), v->tui);
}

/* Re-filters and re-sorts the cache, keeping the selection by name. */
static void
view_list_rebuild(struct view *v)
{
	struct view_list_data *d = view_list_data(v);
	struct tui *t = v->tui;
	size_t i;
	int w, wr = 6, wl = 8, l;

	d->merged = backend_multi_is(t->b);
	d->clustered = false;
	for (i = 0; i < t->ninsts; i++) {
		if (view_list_has_location(&t->insts[i])) {
			d->clustered = true;
			l = (int)strlen(t->insts[i].location);
			wl = l > wl ? l : wl;
		}
		l = t->insts[i].remote ? (int)strlen(t->insts[i].remote) : 0;
		wr = l > wr ? l : wr;
	}
	if (!view_list_col_shown(d, d->sort_col)) {
		d->sort_col = COL_NAME;
		d->sort_rev = false;
	}
	free(d->rows);
	d->rows = xcalloc(t->ninsts ? t->ninsts : 1, sizeof *d->rows);
	d->nrows = 0;
	for (i = 0; i < t->ninsts; i++)
		if (filter_match(d->filter, &t->insts[i]))
			d->rows[d->nrows++] = i;
	qsort_r(d->rows, d->nrows, sizeof *d->rows, view_list_cmp, v);
	d->sel = 0;
	if (d->sel_name != NULL)
		for (i = 0; i < d->nrows; i++)
			if (inst_cache_is(&t->insts[d->rows[i]], d->sel_name)) {
				d->sel = i;
				break;
			}
	free(d->sel_name);
	d->sel_name = xstrdup(view_list_selected_name(d, t));
	w = 6;
	for (i = 0; i < t->ninsts; i++) {
		l = (int)strlen(t->insts[i].name);
		if (l > w)
			w = l;
	}
	d->width[COL_NAME] = w > 24 ? 24 : w;
	d->width[COL_REMOTE] = wr > 16 ? 16 : wr;
	d->width[COL_LOCATION] = wl > 16 ? 16 : wl;
	d->width[COL_STATE] = 7;
	d->width[COL_IPV4] = 15;
	d->width[COL_SNAPSHOTS] = 9;
	d->width[COL_CPU] = 8;
	d->width[COL_MEMORY] = 9;
	d->width[COL_PROFILES] = 8;
	d->sel_only = false;
	v->dirty = true;
}

static void
view_list_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_list_data));
	view_list_rebuild(v);
}

static void
view_list_free(struct view *v)
{
	struct view_list_data *d = view_list_data(v);

	free(d->rows);
	free(d->sel_name);
	free(d->filter_text);
	filter_free(d->filter);
	strv_free(&d->marks);
	free(d);
}

static enum theme_elem
view_list_state_elem(int status)
{
	switch (status) {
	case STATUS_RUNNING:	return TE_RUNNING;
	case STATUS_STOPPED:	return TE_STOPPED;
	case STATUS_FROZEN:	return TE_FROZEN;
	default:		return TE_BUSY;
	}
}

static void
view_list_row(struct view *v, int y, size_t r)
{
	struct view_list_data *d = view_list_data(v);
	struct tui *t = v->tui;
	const struct instance *in;
	char buf[256], cell[COL__COUNT][128], ref[INST_REF_MAX];
	bool sel, marked;
	int c, i, x = 0, w, last;
	enum theme_elem e;

	if (r >= d->nrows) {
		screen_fill(t, y, TE_NORMAL);
		return;
	}
	in = &t->insts[d->rows[r]];
	sel = r == d->sel;
	marked = strv_index(&d->marks, inst_cache_ref(in, ref, sizeof ref)) >= 0;
	snprintf(cell[COL_NAME], sizeof cell[0], "%s", in->name);
	snprintf(cell[COL_REMOTE], sizeof cell[0], "%s", in->remote ? in->remote : "");
	snprintf(cell[COL_LOCATION], sizeof cell[0], "%s",
	    view_list_has_location(in) ? in->location : "");
	snprintf(cell[COL_STATE], sizeof cell[0], "%s", status_code_name(in->status));
	snprintf(cell[COL_IPV4], sizeof cell[0], "%s", filter_ipv4(in));
	snprintf(cell[COL_SNAPSHOTS], sizeof cell[0], "%zu", in->nsnapshots);
	if (in->state != NULL && in->status != STATUS_STOPPED) {
		snprintf(cell[COL_CPU], sizeof cell[0], "%.1fs",
		    (double)in->state->cpu_usage_ns / 1e9);
		view_fmt_bytes(in->state->memory_usage, cell[COL_MEMORY],
		    sizeof cell[0]);
	} else {
		snprintf(cell[COL_CPU], sizeof cell[0], "-");
		snprintf(cell[COL_MEMORY], sizeof cell[0], "-");
	}
	{
		char *p = strv_join(&in->profiles, ",");

		snprintf(cell[COL_PROFILES], sizeof cell[0], "%s", p);
		free(p);
	}
	snprintf(buf, sizeof buf, "%s ", marked ? (t->utf8 ? "\u2713" : "*") : " ");
	screen_put(t, y, 0, 2, sel ? TE_SELECTED : TE_MARKED, buf);
	x = 2;
	last = view_list_order[COL__COUNT - 1];
	for (i = 0; i < COL__COUNT && x < COLS; i++) {
		c = view_list_order[i];
		if (!view_list_col_shown(d, c))
			continue;
		w = c == last ? COLS - x : d->width[c] + 1;
		e = sel ? TE_SELECTED : c == COL_STATE ?
		    view_list_state_elem(in->status) :
		    c == COL_NAME && marked ? TE_MARKED : TE_NORMAL;
		screen_put(t, y, x, w, e, cell[c]);
		x += w;
	}
}

static void
view_list_draw(struct view *v, int top, int rows)
{
	struct view_list_data *d = view_list_data(v);
	struct tui *t = v->tui;
	size_t old_top = d->top, body;
	char label[64];
	int c, i, x, w, r, last = view_list_order[COL__COUNT - 1];

	if (rows < 2)
		return;
	body = (size_t)rows - 1;
	if (d->sel >= d->nrows)
		d->sel = d->nrows ? d->nrows - 1 : 0;
	if (d->sel < d->top)
		d->top = d->sel;
	if (d->sel >= d->top + body)
		d->top = d->sel - body + 1;
	if (d->top + body > d->nrows)
		d->top = d->nrows > body ? d->nrows - body : 0;
	if (d->sel_only && old_top == d->top) {
		if (d->old_sel >= d->top && d->old_sel < d->top + body)
			view_list_row(v, top + 1 + (int)(d->old_sel - d->top), d->old_sel);
		view_list_row(v, top + 1 + (int)(d->sel - d->top), d->sel);
		d->sel_only = false;
		d->old_sel = d->sel;
		return;
	}
	screen_put(t, top, 0, 2, TE_HEADER, "");
	for (i = 0, x = 2; i < COL__COUNT && x < COLS; i++) {
		c = view_list_order[i];
		if (!view_list_col_shown(d, c))
			continue;
		w = c == last ? COLS - x : d->width[c] + 1;
		snprintf(label, sizeof label, "%s%s", view_list_cols[c],
		    c != d->sort_col ? "" : t->utf8 ? (d->sort_rev ? "\u25bc" : "\u25b2") :
		    (d->sort_rev ? "v" : "^"));
		screen_put(t, top, x, w, TE_HEADER, label);
		x += w;
	}
	if (d->nrows == 0) {
		for (r = 1; r < rows; r++)
			screen_fill(t, top + r, TE_NORMAL);
		if (t->b == NULL)
			snprintf(label, sizeof label, "  Not connected to %s:", t->remote);
		else if (d->filter != NULL)
			snprintf(label, sizeof label, "  No instance matches the filter");
		else
			snprintf(label, sizeof label, "  No instances");
		screen_put(t, top + 1, 0, COLS, TE_DIM, label);
		if (t->b == NULL)
			screen_put(t, top + 2, 2, COLS - 2, TE_ERROR, t->berr.msg);
	} else
		for (r = 1; r < rows; r++)
			view_list_row(v, top + r, d->top + (size_t)r - 1);
	d->sel_only = false;
	d->old_sel = d->sel;
}

static void
view_list_move(struct view *v, size_t to)
{
	struct view_list_data *d = view_list_data(v);

	if (d->nrows == 0 || to == d->sel)
		return;
	d->sel_only = !v->dirty;
	d->old_sel = d->sel;
	d->sel = to;
	free(d->sel_name);
	d->sel_name = xstrdup(view_list_selected_name(d, v->tui));
	v->dirty = true;
	v->tui->chrome_dirty = true;
}

/* The instances an action applies to: the marked ones, else the selected. */
void
view_list_targets(struct view *v, struct strv *out)
{
	struct view_list_data *d = view_list_data(v);
	const char *n;

	if (d->marks.n > 0)
		strv_copy(out, &d->marks);
	else if ((n = view_list_selected_name(d, v->tui)) != NULL)
		strv_push(out, n);
}

static void
view_list_filter_done(struct tui *t, const char *answer, void *arg)
{
	struct view *v = arg;
	struct view_list_data *d = view_list_data(v);
	struct filter *f = NULL;
	struct err e = { 0 };

	if (answer == NULL)
		return;
	if (*answer != '\0' && (f = filter_create(answer, &e)) == NULL) {
		status_set(t, STATUS_ERR, "%s", e.msg);
		return;
	}
	filter_free(d->filter);
	d->filter = f;
	free(d->filter_text);
	d->filter_text = *answer ? xstrdup(answer) : NULL;
	view_list_rebuild(v);
}

static void
view_list_freeze(struct view *v, const struct strv *names)
{
	struct tui *t = v->tui;
	struct strv fr = { 0 }, un = { 0 };
	const struct instance *in;
	size_t i;

	for (i = 0; i < names->n; i++)
		if ((in = inst_cache_find(t, names->v[i])) != NULL)
			strv_push(in->status == STATUS_FROZEN ? &un : &fr, names->v[i]);
	if (fr.n > 0)
		action_run(t, ACT_FREEZE, &fr);
	if (un.n > 0)
		action_run(t, ACT_UNFREEZE, &un);
	strv_free(&fr);
	strv_free(&un);
}

static void
view_list_sort(struct view *v, int col, bool toggle)
{
	struct view_list_data *d = view_list_data(v);

	if (toggle && col == d->sort_col)
		d->sort_rev = !d->sort_rev;
	else {
		d->sort_col = (col + COL__COUNT) % COL__COUNT;
		d->sort_rev = false;
	}
	view_list_rebuild(v);
}

/* > and <: the next shown column to the right (dir 1) or left (-1). */
static void
view_list_sort_step(struct view *v, int dir)
{
	struct view_list_data *d = view_list_data(v);
	int pos = 0, i;

	for (i = 0; i < COL__COUNT; i++)
		if ((int)view_list_order[i] == d->sort_col)
			pos = i;
	for (i = 0; i < COL__COUNT; i++) {
		pos = (pos + dir + COL__COUNT) % COL__COUNT;
		if (view_list_col_shown(d, view_list_order[pos]))
			break;
	}
	view_list_sort(v, view_list_order[pos], false);
}

static bool
view_list_key(struct view *v, int key)
{
	struct view_list_data *d = view_list_data(v);
	struct tui *t = v->tui;
	struct strv targets = { 0 };
	int body = view_body_rows(t) - 1;
	const char *sel;
	enum key_action a;

	switch (key) {
	case KEY_UP:
	case 'k':
		if (d->sel > 0)
			view_list_move(v, d->sel - 1);
		return true;
	case KEY_DOWN:
	case 'j':
		if (d->sel + 1 < d->nrows)
			view_list_move(v, d->sel + 1);
		return true;
	case KEY_PPAGE:
		view_list_move(v, d->sel > (size_t)body ? d->sel - (size_t)body : 0);
		return true;
	case KEY_NPAGE:
		if (d->nrows > 0)
			view_list_move(v, d->sel + (size_t)body < d->nrows ?
			    d->sel + (size_t)body : d->nrows - 1);
		return true;
	case KEY_HOME:
	case 'g':
		view_list_move(v, 0);
		return true;
	case KEY_END:
	case 'G':
		if (d->nrows > 0)
			view_list_move(v, d->nrows - 1);
		return true;
	}
	if (key >= KEY_F(2) && key <= KEY_F(2) + COL__COUNT - 1) {
		if (view_list_col_shown(d, key - KEY_F(2)))
			view_list_sort(v, key - KEY_F(2), true);
		return true;
	}
	a = keys_action(t, key);
	sel = view_list_selected_name(d, t);
	switch (a) {
	case KA_MARK:
		if (sel != NULL) {
			int i = strv_index(&d->marks, sel);

			if (i >= 0) {
				free(d->marks.v[i]);
				memmove(&d->marks.v[i], &d->marks.v[i + 1],
				    (d->marks.n - (size_t)i - 1) * sizeof *d->marks.v);
				d->marks.n--;
			} else
				strv_push(&d->marks, sel);
			v->dirty = true;
			d->sel_only = false;
			if (d->sel + 1 < d->nrows) {
				d->sel++;
				free(d->sel_name);
				d->sel_name = xstrdup(view_list_selected_name(d, t));
			}
			t->chrome_dirty = true;
		}
		return true;
	case KA_START:
	case KA_STOP:
	case KA_RESTART:
	case KA_DELETE:
	case KA_FREEZE:
		view_list_targets(v, &targets);
		if (targets.n == 0)
			status_set(t, STATUS_ERR, "No instance selected");
		else if (a == KA_FREEZE && !t->read_only)
			view_list_freeze(v, &targets);
		else
			action_confirm(t, action_of_key(a), &targets);
		strv_free(&targets);
		return true;
	case KA_LAUNCH:
		view_launch_open(t);
		return true;
	case KA_DETAIL:
		if (sel != NULL)
			view_push(t, &view_detail_type, sel);
		return true;
	case KA_SNAPSHOTS:
		if (sel != NULL)
			view_push(t, &view_timeline_type, sel);
		return true;
	case KA_CONSOLE:
	case KA_SHELL:
		if (sel != NULL)
			view_console_open(t, sel, a == KA_SHELL);
		return true;
	case KA_FILTER:
		prompt_input(t, "/", d->filter_text ? d->filter_text : "",
		    &t->filter_history, NULL, view_list_filter_done, v, NULL);
		return true;
	case KA_SORT_NEXT:
		view_list_sort_step(v, 1);
		return true;
	case KA_SORT_PREV:
		view_list_sort_step(v, -1);
		return true;
	case KA_SORT_REVERSE:
		view_list_sort(v, d->sort_col, true);
		return true;
	case KA_BACK:
		if (d->filter != NULL || d->marks.n > 0) {
			filter_free(d->filter);
			d->filter = NULL;
			free(d->filter_text);
			d->filter_text = NULL;
			strv_free(&d->marks);
			view_list_rebuild(v);
			status_set(t, STATUS_INFO, "Filter and marks cleared");
		}
		return true;
	default:
		return false;
	}
}

static void
view_list_refresh(struct view *v)
{
	view_list_rebuild(v);
}

static const char *
view_list_title(struct view *v)
{
	struct view_list_data *d = view_list_data(v);
	struct tui *t = v->tui;
	size_t l;

	snprintf(d->title, sizeof d->title, "Instances (%zu", d->nrows);
	l = strlen(d->title);
	if (d->filter != NULL)
		snprintf(d->title + l, sizeof d->title - l, " of %zu)  filter: %s",
		    t->ninsts, d->filter_text);
	else
		snprintf(d->title + l, sizeof d->title - l, ")");
	l = strlen(d->title);
	snprintf(d->title + l, sizeof d->title - l, "  sort: %s%s",
	    view_list_cols[d->sort_col], d->sort_rev ? " (reversed)" : "");
	if (d->marks.n > 0) {
		l = strlen(d->title);
		snprintf(d->title + l, sizeof d->title - l, "  %zu marked", d->marks.n);
	}
	return d->title;
}

static const char *
view_list_hint(struct view *v)
{
	static const struct { enum key_action a; const char *label; } h[] = {
		{ KA_START, "start" }, { KA_STOP, "stop" }, { KA_RESTART, "restart" },
		{ KA_FREEZE, "freeze" }, { KA_DELETE, "delete" }, { KA_LAUNCH, "new" },
		{ KA_FILTER, "filter" }, { KA_COMMAND, "cmd" }, { KA_HELP, "help" },
		{ KA_SNAPSHOTS, "snaps" }, { KA_SORT_NEXT, "sort" },
		{ KA_QUIT, "quit" }, { KA_CONSOLE, "console" }, { KA_SHELL, "shell" },
	};
	struct view_list_data *d = view_list_data(v);
	char k[32];
	size_t i, l = 0;

	d->hint[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(h) && l < sizeof d->hint; i++) {
		if (v->tui->read_only && (action_of_key(h[i].a) != ACT__COUNT ||
		    h[i].a == KA_LAUNCH))
			continue;
		snprintf(d->hint + l, sizeof d->hint - l, "%s %s\t",
		    keys_name(v->tui->keys[h[i].a], k, sizeof k), h[i].label);
		l = strlen(d->hint);
	}
	return d->hint;
}

const struct view_type view_list_type = {
	.name = "list",
	.init = view_list_init,
	.free = view_list_free,
	.draw = view_list_draw,
	.key = view_list_key,
	.update = view_list_refresh,
	.title = view_list_title,
	.hint = view_list_hint,
};
