/*
 * theme.c - themes are data: a table of styles, one per theme element.
 *
 * A theme file has lines `element = fg=COLOUR,bg=COLOUR,bold` (tmux style
 * strings); `#` starts a comment.  Elements not named keep the compiled-in
 * default, which always exists, so a broken or missing file never stops the
 * program: unknown elements, attributes or colours become warnings.  Colours
 * are `default` (the terminal's own), the eight names and their `bright`
 * forms, `colourN`/`colorN` (0-255) and `#rrggbb`; screen.c maps them down to
 * what the terminal supports.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "tui.h"

static const char *const theme_elem_names[TE__COUNT] = {
	[TE_NORMAL] = "normal", [TE_TITLE] = "title", [TE_HEADER] = "header",
	[TE_SELECTED] = "selected", [TE_MARKED] = "marked",
	[TE_RUNNING] = "running", [TE_STOPPED] = "stopped",
	[TE_FROZEN] = "frozen", [TE_BUSY] = "busy", [TE_STATUS] = "status",
	[TE_ERROR] = "error", [TE_HINT] = "hint", [TE_HINT_KEY] = "hint_key",
	[TE_PROMPT] = "prompt", [TE_DIM] = "dim",
};

/* The compiled-in default (dark): the same as themes/dark.theme. */
static const char theme_builtin[] =
	"normal = fg=default,bg=default\n"
	"title = fg=black,bg=cyan,bold\n"
	"header = fg=yellow,bg=default,bold\n"
	"selected = fg=black,bg=cyan\n"
	"marked = fg=magenta,bg=default,bold\n"
	"running = fg=green,bg=default\n"
	"stopped = fg=red,bg=default\n"
	"frozen = fg=blue,bg=default,bold\n"
	"busy = fg=yellow,bg=default\n"
	"status = fg=default,bg=default\n"
	"error = fg=white,bg=red,bold\n"
	"hint = fg=black,bg=white\n"
	"hint_key = fg=blue,bg=white,bold\n"
	"prompt = fg=yellow,bg=default,bold\n"
	"dim = fg=brightblack,bg=default\n";

const char *
theme_elem_name(enum theme_elem e)
{
	return theme_elem_names[e];
}

void
theme_free(struct theme *th)
{
	free(th->name);
	th->name = NULL;
}

void
theme_default(struct theme *th)
{
	int i;

	theme_free(th);
	for (i = 0; i < TE__COUNT; i++) {
		th->style[i].fg = th->style[i].bg = THEME_DEFAULT;
		th->style[i].attrs = 0;
	}
	theme_parse(th, theme_builtin, "(built-in)", NULL);
	th->name = xstrdup("dark");
}

int
theme_parse_colour(const char *s, int *out)
{
	static const char *const names[8] = {
		"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	};
	char *end;
	long v;
	int i;

	if (strcasecmp(s, "default") == 0) {
		*out = THEME_DEFAULT;
		return 0;
	}
	for (i = 0; i < 8; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
		if (strncasecmp(s, "bright", 6) == 0 &&
		    strcasecmp(s + 6, names[i]) == 0) {
			*out = i + 8;
			return 0;
		}
	}
	if (strncasecmp(s, "colour", 6) == 0 || strncasecmp(s, "color", 5) == 0) {
		s += (s[5] == 'r' || s[5] == 'R') ? 6 : 5;
		v = strtol(s, &end, 10);
		if (*s == '\0' || *end != '\0' || v < 0 || v > 255)
			return -EINVAL;
		*out = (int)v;
		return 0;
	}
	if (s[0] == '#' && strlen(s) == 7) {
		v = strtol(s + 1, &end, 16);
		if (*end != '\0')
			return -EINVAL;
		*out = THEME_RGB | (int)v;
		return 0;
	}
	return -EINVAL;
}

static void
theme_warn(struct strv *w, const char *file, int line, const char *fmt,
    const char *what)
{
	char *m, *msg;

	if (w == NULL)
		return;
	msg = xasprintf(fmt, what);
	m = xasprintf("%s:%d: %s", file, line, msg);
	strv_push(w, m);
	free(m);
	free(msg);
}

static void
theme_parse_style(struct theme_style *st, char *spec, struct strv *w,
    const char *file, int line)
{
	char *save = NULL, *tok;
	int c;

	st->attrs = 0;
	for (tok = strtok_r(spec, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok = config_trim(tok);
		if (strncmp(tok, "fg=", 3) == 0 || strncmp(tok, "bg=", 3) == 0) {
			if (theme_parse_colour(tok + 3, &c) < 0) {
				theme_warn(w, file, line, "unknown colour \"%s\"", tok + 3);
				continue;
			}
			if (tok[0] == 'f')
				st->fg = c;
			else
				st->bg = c;
		} else if (strcmp(tok, "bold") == 0 || strcmp(tok, "bright") == 0)
			st->attrs |= A_BOLD;
		else if (strcmp(tok, "reverse") == 0)
			st->attrs |= A_REVERSE;
		else if (strcmp(tok, "underline") == 0 || strcmp(tok, "underscore") == 0)
			st->attrs |= A_UNDERLINE;
		else if (strcmp(tok, "dim") == 0)
			st->attrs |= A_DIM;
		else if (strcmp(tok, "italics") == 0 || strcmp(tok, "italic") == 0)
			st->attrs |= A_ITALIC;
		else if (strcmp(tok, "none") == 0 || *tok == '\0')
			;
		else
			theme_warn(w, file, line, "unknown attribute \"%s\"", tok);
	}
}

int
theme_parse(struct theme *th, const char *text, const char *file,
    struct strv *warnings)
{
	char *copy = xstrdup(text), *line, *next, *eq, *key, *val, *hash;
	int lineno = 0, i;

	for (line = copy; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if ((hash = strchr(line, '#')) != NULL &&
		    (hash == line || isspace((unsigned char)hash[-1])))
			*hash = '\0';
		line = config_trim(line);
		if (*line == '\0')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			theme_warn(warnings, file, lineno, "not `element = style`: %s",
			    line);
			continue;
		}
		*eq = '\0';
		key = config_trim(line);
		val = config_trim(eq + 1);
		for (i = 0; i < TE__COUNT; i++)
			if (strcmp(key, theme_elem_names[i]) == 0)
				break;
		if (i == TE__COUNT) {
			theme_warn(warnings, file, lineno, "unknown element \"%s\"", key);
			continue;
		}
		theme_parse_style(&th->style[i], val, warnings, file, lineno);
	}
	free(copy);
	return 0;
}

/* Directories searched for NAME.theme, first match wins. */
static void
theme_dirs(struct strv *dirs)
{
	char exe[PATH_MAX], *p;
	const char *env;
	ssize_t n;

	if ((env = getenv("LXDECK_THEME_DIR")) != NULL && *env != '\0')
		strv_push(dirs, env);
	if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env != '\0') {
		p = xasprintf("%s/lxdeck/themes", env);
		strv_push(dirs, p);
		free(p);
	} else if ((env = getenv("HOME")) != NULL && *env != '\0') {
		p = xasprintf("%s/.config/lxdeck/themes", env);
		strv_push(dirs, p);
		free(p);
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((p = strrchr(exe, '/')) != NULL) {
			*p = '\0';
			p = xasprintf("%s/../themes", exe);
			strv_push(dirs, p);
			free(p);
			p = xasprintf("%s/../share/lxdeck/themes", exe);
			strv_push(dirs, p);
			free(p);
		}
	}
	strv_push(dirs, "/usr/local/share/lxdeck/themes");
	strv_push(dirs, "/usr/share/lxdeck/themes");
}

int
theme_load(struct theme *th, const char *arg, struct strv *warnings,
    struct err *e)
{
	struct strv dirs = { 0 };
	char *path = NULL, *text = NULL;
	const char *base;
	size_t i;
	int rc = -1;

	if (arg == NULL || *arg == '\0')
		arg = "dark";
	if (strchr(arg, '/') != NULL) {
		path = xstrdup(arg);
		text = config_read(path);
	} else {
		theme_dirs(&dirs);
		for (i = 0; i < dirs.n && text == NULL; i++) {
			free(path);
			path = xasprintf("%s/%s.theme", dirs.v[i], arg);
			text = config_read(path);
		}
	}
	if (text == NULL) {
		if (strcmp(arg, "dark") == 0 || strcmp(arg, "default") == 0) {
			theme_default(th);
			rc = 0;
		} else
			err_set(e, 404, "Theme \"%s\" not found", arg);
		goto out;
	}
	theme_default(th);
	theme_parse(th, text, path, warnings);
	free(th->name);
	base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
	th->name = xstrndup(base, strcspn(base, "."));
	rc = 0;
out:
	free(path);
	free(text);
	strv_free(&dirs);
	return rc;
}

void
theme_list(struct strv *out)
{
	struct strv dirs = { 0 };
	struct dirent *de;
	size_t i, l;
	DIR *d;

	theme_dirs(&dirs);
	for (i = 0; i < dirs.n; i++) {
		if ((d = opendir(dirs.v[i])) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			char *name;

			l = strlen(de->d_name);
			if (l < 7 || strcmp(de->d_name + l - 6, ".theme") != 0)
				continue;
			name = xstrndup(de->d_name, l - 6);
			if (strv_index(out, name) < 0)
				strv_push(out, name);
			free(name);
		}
		closedir(d);
	}
	if (strv_index(out, "dark") < 0)
		strv_push(out, "dark");
	strv_free(&dirs);
}
