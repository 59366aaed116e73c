/*
 * view.c - the view stack and the scrollable line list most views use.
 *
 * The stack's top view is the one drawn and given keys; pushing or popping
 * marks it dirty.  struct view_lines is a list of text lines with a theme
 * element each, a selection and a scroll offset; when only the selection
 * moved, view_lines_draw() repaints the two rows involved instead of the
 * whole body (htop's Panel_draw).  A view whose data starts with its
 * view_lines can take view_lines_view_draw/_key/_free as its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

struct view *
view_push(struct tui *t, const struct view_type *type, const char *arg)
{
	struct view *v;

	if (t->depth >= (int)ARRAY_SIZE(t->stack))
		return NULL;
	v = xcalloc(1, sizeof *v);
	v->type = type;
	v->tui = t;
	v->arg = xstrdup(arg);
	t->stack[t->depth++] = v;
	if (type->init != NULL)
		type->init(v);
	v->dirty = true;
	t->full_redraw = true;
	return v;
}

static void
view_free(struct view *v)
{
	if (v->type->free != NULL)
		v->type->free(v);
	free(v->arg);
	free(v);
}

void
view_pop(struct tui *t)
{
	struct view *v;

	if (t->depth == 0)
		return;
	v = t->stack[--t->depth];
	view_free(v);
	t->full_redraw = true;
}

/*
 * Back to the instance list for a switch of remote: every view above it
 * goes, except the console view, whose sessions stay on the host they
 * were opened on (their panes name it) and keep running.
 */
void
view_pop_for_switch(struct tui *t)
{
	int i, n = t->depth > 0 ? 1 : 0;

	for (i = 1; i < t->depth; i++) {
		if (t->stack[i]->type == &view_console_type)
			t->stack[n++] = t->stack[i];
		else
			view_free(t->stack[i]);
	}
	t->depth = n;
	t->full_redraw = true;
}

/* The lowest view of that type on the stack, NULL when none. */
struct view *
view_find(struct tui *t, const struct view_type *type)
{
	int i;

	for (i = 0; i < t->depth; i++)
		if (t->stack[i]->type == type)
			return t->stack[i];
	return NULL;
}

struct view *
view_top(struct tui *t)
{
	return t->depth > 0 ? t->stack[t->depth - 1] : NULL;
}

void
view_dirty(struct view *v)
{
	v->dirty = true;
}

void
view_all_dirty(struct tui *t)
{
	int i;

	for (i = 0; i < t->depth; i++)
		t->stack[i]->dirty = true;
	t->chrome_dirty = true;
}

int
view_body_rows(struct tui *t)
{
	(void)t;
	return LINES - 3;
}

void
view_lines_clear(struct view_lines *l)
{
	strv_free(&l->lines);
	strv_free(&l->keys);
	free(l->elems);
	l->elems = NULL;
}

void
view_lines_free(struct view_lines *l)
{
	view_lines_clear(l);
}

void
view_lines_add(struct view_lines *l, enum theme_elem e, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	strv_push(&l->lines, s);
	free(s);
	l->elems = xreallocarray(l->elems, l->lines.n, sizeof *l->elems);
	l->elems[l->lines.n - 1] = e;
}

static void
view_lines_row(struct view *v, struct view_lines *l, int y, size_t i,
    bool selectable)
{
	enum theme_elem e;

	if (i >= l->lines.n) {
		screen_fill(v->tui, y, TE_NORMAL);
		return;
	}
	e = selectable && i == l->sel ? TE_SELECTED : l->elems[i];
	screen_put(v->tui, y, 0, COLS, e, l->lines.v[i]);
}

void
view_lines_draw(struct view *v, struct view_lines *l, int top, int rows,
    bool selectable)
{
	size_t old_top = l->top;
	int r;

	if (rows <= 0)
		return;
	if (l->lines.n > 0 && l->sel >= l->lines.n)
		l->sel = l->lines.n - 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + (size_t)rows)
		l->top = l->sel - (size_t)rows + 1;
	if (l->top + (size_t)rows > l->lines.n)
		l->top = l->lines.n > (size_t)rows ? l->lines.n - (size_t)rows : 0;
	if (l->sel_only && old_top == l->top && !v->tui->full_redraw) {
		if (l->old_sel >= l->top && l->old_sel < l->top + (size_t)rows)
			view_lines_row(v, l, top + (int)(l->old_sel - l->top),
			    l->old_sel, selectable);
		view_lines_row(v, l, top + (int)(l->sel - l->top), l->sel, selectable);
	} else
		for (r = 0; r < rows; r++)
			view_lines_row(v, l, top + r, l->top + (size_t)r, selectable);
	l->sel_only = false;
	l->old_sel = l->sel;
}

bool
view_lines_key(struct view *v, struct view_lines *l, int key, int rows)
{
	size_t n = l->lines.n, old = l->sel;

	switch (key) {
	case KEY_UP:
	case 'k':
		if (l->sel > 0)
			l->sel--;
		break;
	case KEY_DOWN:
	case 'j':
		if (l->sel + 1 < n)
			l->sel++;
		break;
	case KEY_PPAGE:
		l->sel = l->sel > (size_t)rows ? l->sel - (size_t)rows : 0;
		break;
	case KEY_NPAGE:
		l->sel = n == 0 ? 0 : l->sel + (size_t)rows < n ?
		    l->sel + (size_t)rows : n - 1;
		break;
	case KEY_HOME:
	case 'g':
		l->sel = 0;
		break;
	case KEY_END:
	case 'G':
		l->sel = n ? n - 1 : 0;
		break;
	default:
		return false;
	}
	if (l->sel != old) {
		/* Two moves before one frame: repaint everything. */
		l->sel_only = !v->dirty;
		l->old_sel = old;
		v->dirty = true;
	}
	return true;
}

/*
 * A lines view: one whose private data starts with its struct view_lines
 * (detail, ops, help, the pickers).  These serve as its vtable's draw, key
 * and free when it needs nothing more.
 */
static struct view_lines *
view_lines_of(struct view *v)
{
	return v->data;
}

void
view_lines_view_draw(struct view *v, int top, int rows)
{
	view_lines_draw(v, view_lines_of(v), top, rows, true);
}

bool
view_lines_view_key(struct view *v, int key)
{
	return view_lines_key(v, view_lines_of(v), key, view_body_rows(v->tui));
}

const char *
view_lines_selected_key(const struct view_lines *l)
{
	if (l->sel < 1 || l->sel - 1 >= l->keys.n)
		return NULL;
	return l->keys.v[l->sel - 1];
}

/* The key of a lines view whose first line is a header, not a row: the
 * selection never rests on it. */
bool
view_lines_table_key(struct view *v, int key)
{
	struct view_lines *l = view_lines_of(v);
	bool r = view_lines_view_key(v, key);

	if (l->sel == 0 && l->lines.n > 1)
		l->sel = 1;
	return r;
}

void
view_lines_view_free(struct view *v)
{
	view_lines_free(view_lines_of(v));
	free(v->data);
}

/* Whether a change can reach the backend; else says why on the status
 * line (what: "snapshot", "profile edit", ...). */
bool
view_writable(struct tui *t, const char *what)
{
	if (t->b == NULL) {
		status_set(t, STATUS_ERR, "%s: %s", t->remote, t->berr.msg);
		return false;
	}
	if (t->read_only) {
		status_set(t, STATUS_ERR, "Read-only mode: %s is disabled "
		    "(lxdeck was started with --read-only)", what);
		return false;
	}
	return true;
}

char *
view_fmt_bytes(int64_t b, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = 0;

	if (b < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lldB", (long long)b);
	else
		snprintf(buf, len, "%.1f%s", v, units[u]);
	return buf;
}

char *
view_fmt_time(int64_t ns, char *buf, size_t len)
{
	char tmp[40];

	if (ns <= 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	time_format_rfc3339(ns, tmp, sizeof tmp);
	snprintf(buf, len, "%.10s %.8s", tmp, tmp + 11);
	return buf;
}
