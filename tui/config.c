/*
 * config.c - the user's config file, $XDG_CONFIG_HOME/lxdeck/config.
 *
 * Lines are `key.ACTION = KEY` (remap a key, see keys.c) and `theme = NAME`;
 * `#` starts a comment.  Problems are collected as warnings shown in the
 * status line; a bad config never stops the program.  config_trim() and
 * config_read() serve every file of lxdeck's own that is read as text
 * (themes, what the user saved in $EDITOR).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

char *
config_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");

	if (x != NULL && *x != '\0')
		return xasprintf("%s/lxdeck/config", x);
	if (h != NULL && *h != '\0')
		return xasprintf("%s/.config/lxdeck/config", h);
	return NULL;
}

char *
config_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

char *
config_read(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (fp == NULL)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	buf[len] = '\0';
	return buf;
}

static void
config_warn(struct tui *t, const char *path, int line, const char *what,
    const char *arg)
{
	char *m = xasprintf("%s:%d: %s \"%s\"", path, line, what, arg);

	strv_push(&t->warnings, m);
	free(m);
}

void
config_load(struct tui *t, const char *path)
{
	char buf[512], *key, *val, *eq;
	FILE *fp;
	int line = 0, action, k;

	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(buf, sizeof buf, fp) != NULL) {
		line++;
		if ((key = strchr(buf, '#')) != NULL)
			*key = '\0';
		key = config_trim(buf);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			config_warn(t, path, line, "expected `key = value`:", key);
			continue;
		}
		*eq = '\0';
		key = config_trim(key);
		val = config_trim(eq + 1);
		if (strncmp(key, "key.", 4) == 0) {
			if ((action = keys_action_by_name(key + 4)) < 0) {
				config_warn(t, path, line, "unknown action", key + 4);
				continue;
			}
			/* "Space" would be trimmed away as " ": accept both. */
			if ((k = keys_parse(val)) < 0) {
				config_warn(t, path, line, "unknown key", val);
				continue;
			}
			t->keys[action] = k;
		} else if (strcmp(key, "theme") == 0) {
			if (t->theme_arg == NULL)
				t->theme_arg = xstrdup(val);
		} else
			config_warn(t, path, line, "unknown setting", key);
	}
	fclose(fp);
}
