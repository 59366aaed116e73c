/*
 * view-help.c - `?`: every key (as currently mapped), the filter syntax and
 * the commands of the `:` bar.  Built from keys.c's table, so a key remapped
 * in the config file shows here as remapped.
 */
#include <stdio.h>
#include <stdlib.h>

#include <curses.h>

#include "tui.h"

struct view_help_data {
	struct view_lines	 l;
};

/* What the help shows after the keymap: to add a line, add a row. */
static const struct {
	enum theme_elem	 e;
	const char	*text;
} view_help_text[] = {
	{ TE_NORMAL, "  F2-F8    sort          "
	    "sort by column 1-7 (again: reverse)" },
	{ TE_NORMAL, "  Up/Down  move          "
	    "also j/k, PgUp/PgDn, Home/End, g/G" },
	{ TE_NORMAL, "  C-c      quit          quit at once (also :q)" },
	{ TE_HEADER, "Filter (/)" },
	{ TE_NORMAL, "  web          name contains \"web\"" },
	{ TE_NORMAL, "  ~^web[0-9]$  name matches the regex (also automatic when "
	    "the text has regex characters)" },
	{ TE_NORMAL, "  !web         negation of any term" },
	{ TE_NORMAL, "  status=running user.role=db  fields and config keys; terms "
	    "are ANDed" },
	{ TE_HEADER, "Launch (n)" },
	{ TE_NORMAL, "  pick an image, Enter; a name (empty: generated); profiles "
	    "(comma separated)" },
	{ TE_HEADER, "Profiles (P)" },
	{ TE_NORMAL, "  Enter form  e YAML in $EDITOR  n new  C copy  m rename  "
	    "d delete  a/u assign/unassign on marked instances" },
	{ TE_NORMAL, "  form: Enter edit  a add key  A add device  d remove  w save  "
	    "R reload  e YAML" },
	{ TE_HEADER, "Snapshot timeline (t)" },
	{ TE_NORMAL, "  n snapshot  r restore  m rename  d delete  C copy to "
	    "instance  p publish  Enter diff against now" },
	{ TE_HEADER, "Commands (:)" },
	{ TE_NORMAL, "  :remote NAME  :remotes  :profiles  :images  :ops  "
	    ":instances  :theme NAME  :help  :q" },
	{ TE_NORMAL, "  :remote a,b  :remote *  one merged list over several "
	    "remotes (REMOTE column, filter remote=NAME)" },
};

static void
view_help_init(struct view *v)
{
	struct view_help_data *d = xcalloc(1, sizeof *d);
	struct tui *t = v->tui;
	char k[32];
	size_t i;
	int a;

	v->data = d;
	view_lines_add(&d->l, TE_HEADER, "Keys%s", t->read_only ?
	    "  (read-only: start, stop, restart, freeze, delete, launch disabled)" : "");
	for (a = 0; a < KA__COUNT; a++)
		view_lines_add(&d->l, TE_NORMAL, "  %-8s %-13s %s",
		    keys_name(t->keys[a], k, sizeof k), keys_action_name(a),
		    keys_action_help(a));
	for (i = 0; i < ARRAY_SIZE(view_help_text); i++)
		view_lines_add(&d->l, view_help_text[i].e, "%s", view_help_text[i].text);
	view_lines_add(&d->l, TE_HEADER, "Keys are remapped in %s",
	    "$XDG_CONFIG_HOME/lxdeck/config (key.stop = S)");
}

static void
view_help_draw(struct view *v, int top, int rows)
{
	struct view_help_data *d = v->data;

	view_lines_draw(v, &d->l, top, rows, false);
}

static bool
view_help_key(struct view *v, int key)
{
	struct view_help_data *d = v->data;

	if (key == 'j' || key == 'k' || key == KEY_DOWN || key == KEY_UP) {
		/* Scroll, not select: move the hidden cursor to the edge. */
		if ((key == 'j' || key == KEY_DOWN) && d->l.sel < d->l.top +
		    (size_t)view_body_rows(v->tui) - 1)
			d->l.sel = d->l.top + (size_t)view_body_rows(v->tui) - 1;
		if ((key == 'k' || key == KEY_UP) && d->l.sel > d->l.top)
			d->l.sel = d->l.top;
	}
	return view_lines_view_key(v, key);
}

static const char *
view_help_title(struct view *v)
{
	return "Help";
}

static const char *
view_help_hint(struct view *v)
{
	return "Up/Down scroll\tq back";
}

const struct view_type view_help_type = {
	.name = "help",
	.init = view_help_init,
	.free = view_lines_view_free,
	.draw = view_help_draw,
	.key = view_help_key,
	.title = view_help_title,
	.hint = view_help_hint,
};
